#include "json_tree.h"

#include <limits.h>
#include <string.h>

#include "core/number.h"

typedef struct builder {
    const char *p;
    const char *end;
    convoy__arena *arena;
    int oom;
} builder;

static void skip_ws(builder *b)
{
    while (b->p < b->end && (*b->p == ' ' || *b->p == '\t' || *b->p == '\n' || *b->p == '\r'))
        b->p++;
}

static unsigned hex4(const char *s)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v = v * 16 + (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    return v;
}

static char *put_utf8(char *out, unsigned cp)
{
    if (cp < 0x80) {
        *out++ = (char)cp;
    } else if (cp < 0x800) {
        *out++ = (char)(0xC0 | (cp >> 6));
        *out++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *out++ = (char)(0xE0 | (cp >> 12));
        *out++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *out++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *out++ = (char)(0xF0 | (cp >> 18));
        *out++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *out++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *out++ = (char)(0x80 | (cp & 0x3F));
    }
    return out;
}

/* At the opening quote; returns the decoded string, leaves p past the
 * closing quote. Decoding never grows a string, so the raw length bounds it. */
static char *read_string(builder *b)
{
    const char *start = ++b->p;
    const char *q = start;
    while (*q != '"')
        q += *q == '\\' ? 2 : 1;
    char *out = convoy__arena_alloc(b->arena, (size_t)(q - start) + 1);
    if (!out) {
        b->oom = 1;
        return NULL;
    }
    char *w = out;
    const char *r = start;
    while (r < q) {
        const char *run = r;
        while (run < q && *run != '\\')
            run++;
        memcpy(w, r, (size_t)(run - r));
        w += run - r;
        r = run;
        if (r >= q)
            break;
        char e = r[1];
        r += 2;
        switch (e) {
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp = hex4(r);
            r += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) { /* the scanner checked the pair */
                unsigned lo = hex4(r + 2);
                r += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            w = put_utf8(w, cp);
            break;
        }
        default: *w++ = e; break; /* " \ / */
        }
    }
    *w = '\0';
    b->p = q + 1;
    return out;
}

static double read_number(builder *b)
{
    const char *start = b->p;
    while (b->p < b->end && *b->p && strchr("+-0123456789.eE", *b->p))
        b->p++;
    /* the scanner limits numbers to 63 characters */
    return convoy__parse_double(start, (size_t)(b->p - start));
}

static cJSON *read_value(builder *b);

static cJSON *new_node(builder *b, int type)
{
    cJSON *node = convoy__arena_alloc(b->arena, sizeof *node);
    if (!node) {
        b->oom = 1;
        return NULL;
    }
    node->type = type;
    return node;
}

static cJSON *read_container(builder *b, int object)
{
    cJSON *node = new_node(b, object ? cJSON_Object : cJSON_Array);
    if (!node)
        return NULL;
    char close = object ? '}' : ']';
    b->p++;
    skip_ws(b);
    cJSON *tail = NULL;
    while (*b->p != close) {
        char *key = NULL;
        if (object) {
            key = read_string(b);
            if (!key)
                return NULL;
            skip_ws(b);
            b->p++; /* ':' */
        }
        cJSON *child = read_value(b);
        if (!child)
            return NULL;
        /* cJSON must never free a key it does not own. */
        child->string = key;
        if (object)
            child->type |= cJSON_StringIsConst;
        if (tail) {
            tail->next = child;
            child->prev = tail;
        } else {
            node->child = child;
        }
        tail = child;
        skip_ws(b);
        if (*b->p == ',') {
            b->p++;
            skip_ws(b);
        }
    }
    if (node->child)
        node->child->prev = tail; /* cJSON keeps the tail in the head's prev */
    b->p++;
    return node;
}

static cJSON *read_value(builder *b)
{
    skip_ws(b);
    switch (*b->p) {
    case '{': return read_container(b, 1);
    case '[': return read_container(b, 0);
    case '"': {
        cJSON *node = new_node(b, cJSON_String);
        if (node && !(node->valuestring = read_string(b)))
            return NULL;
        return node;
    }
    case 't': b->p += 4; return new_node(b, cJSON_True);
    case 'f': b->p += 5; return new_node(b, cJSON_False);
    case 'n': b->p += 4; return new_node(b, cJSON_NULL);
    default: {
        cJSON *node = new_node(b, cJSON_Number);
        if (!node)
            return NULL;
        double v = read_number(b);
        node->valuedouble = v;
        node->valueint = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
        return node;
    }
    }
}

cJSON *convoy__json_tree(convoy__arena *arena, const char *text, size_t len)
{
    builder b;
    b.p = text;
    b.end = text + len;
    b.arena = arena;
    b.oom = 0;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        b.p += 3;
    cJSON *root = read_value(&b);
    return b.oom ? NULL : root;
}

const char *convoy__json_type_name(const cJSON *node)
{
    if (cJSON_IsObject(node))
        return "an object";
    if (cJSON_IsArray(node))
        return "an array";
    if (cJSON_IsString(node))
        return "a string";
    if (cJSON_IsNumber(node))
        return "a number";
    if (cJSON_IsBool(node))
        return "a boolean";
    return "null";
}
