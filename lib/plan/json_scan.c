#include "json_scan.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"

typedef struct scanner {
    const unsigned char *p;
    size_t len;
    size_t pos;
    uint32_t max_depth;
    size_t max_string;
    convoy__scan_result *res;
    /* positions mode */
    convoy__json_pos *out;
    size_t n, cap;
    int positions; /* record offsets (convoy__json_positions) */
    int oom;
} scanner;

static int fail(scanner *s, int status, size_t at, const char *msg)
{
    s->res->status = status;
    s->res->offset = at;
    snprintf(s->res->message, sizeof s->res->message, "%s", msg);
    return 0;
}

static inline void skip_ws(scanner *s)
{
    while (s->pos < s->len) {
        unsigned char c = s->p[s->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        s->pos++;
    }
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int read_u4(scanner *s, size_t at, unsigned *out)
{
    if (at + 4 > s->len)
        return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(s->p[at + i]);
        if (h < 0)
            return 0;
        v = v * 16 + (unsigned)h;
    }
    *out = v;
    return 1;
}

/* Length of the UTF-8 sequence at `at`, 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    size_t n;
    unsigned min;
    unsigned cp;
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) { n = 2; cp = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; cp = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; cp = c & 0x07; min = 0x10000; }
    else return 0;
    if (avail < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

static int scan_string(scanner *s)
{
    size_t start = s->pos;
    s->pos++; /* opening quote */
    size_t bytes = 0;
    while (s->pos < s->len) {
        /* Fast path: the printable ASCII that makes up almost every plan. */
        size_t run = s->pos;
        while (run < s->len) {
            unsigned char a = s->p[run];
            if (a < 0x20 || a >= 0x80 || a == '"' || a == '\\')
                break;
            run++;
        }
        bytes += run - s->pos;
        s->pos = run;
        if (s->pos >= s->len)
            break;
        unsigned char c = s->p[s->pos];
        if (c == '"') {
            s->pos++;
            if (bytes > s->max_string)
                return fail(s, CONVOY__SCAN_LIMIT, start, "string longer than the limit");
            return 1;
        }
        if (c < 0x20)
            return fail(s, CONVOY__SCAN_SYNTAX, s->pos,
                        c == '\n' ? "unterminated string" : "control character in string");
        if (c == '\\') {
            if (s->pos + 1 >= s->len)
                return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "unterminated string");
            unsigned char e = s->p[s->pos + 1];
            if (e == 'u') {
                unsigned u;
                if (!read_u4(s, s->pos + 2, &u))
                    return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "bad \\u escape: four hex digits expected");
                if (u == 0)
                    return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "NUL (\\u0000) is not allowed in strings");
                s->pos += 6;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    unsigned lo;
                    if (s->pos + 1 >= s->len || s->p[s->pos] != '\\' || s->p[s->pos + 1] != 'u' ||
                        !read_u4(s, s->pos + 2, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                        return fail(s, CONVOY__SCAN_SYNTAX, s->pos - 6, "unpaired UTF-16 surrogate in \\u escape");
                    s->pos += 6;
                    bytes += 4;
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    return fail(s, CONVOY__SCAN_SYNTAX, s->pos - 6, "unpaired UTF-16 surrogate in \\u escape");
                } else {
                    bytes += u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
                }
                continue;
            }
            if (!strchr("\"\\/bfnrt", e) || e == 0)
                return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "invalid escape sequence");
            s->pos += 2;
            bytes++;
            continue;
        }
        size_t n = utf8_len(s->p + s->pos, s->len - s->pos);
        if (!n)
            return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "invalid UTF-8 in string");
        s->pos += n;
        bytes += n;
    }
    return fail(s, CONVOY__SCAN_SYNTAX, start, "unterminated string");
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int scan_number(scanner *s)
{
    size_t start = s->pos;
    if (s->p[s->pos] == '-')
        s->pos++;
    if (s->pos >= s->len || !is_digit(s->p[s->pos]))
        return fail(s, CONVOY__SCAN_SYNTAX, start, "invalid number");
    if (s->p[s->pos] == '0') {
        s->pos++;
        if (s->pos < s->len && is_digit(s->p[s->pos]))
            return fail(s, CONVOY__SCAN_SYNTAX, start, "invalid number: leading zero");
    } else {
        while (s->pos < s->len && is_digit(s->p[s->pos]))
            s->pos++;
    }
    if (s->pos < s->len && s->p[s->pos] == '.') {
        s->pos++;
        if (s->pos >= s->len || !is_digit(s->p[s->pos]))
            return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "invalid number: digit expected after '.'");
        while (s->pos < s->len && is_digit(s->p[s->pos]))
            s->pos++;
    }
    if (s->pos < s->len && (s->p[s->pos] == 'e' || s->p[s->pos] == 'E')) {
        s->pos++;
        if (s->pos < s->len && (s->p[s->pos] == '+' || s->p[s->pos] == '-'))
            s->pos++;
        if (s->pos >= s->len || !is_digit(s->p[s->pos]))
            return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "invalid number: digit expected in exponent");
        while (s->pos < s->len && is_digit(s->p[s->pos]))
            s->pos++;
    }
    /* cJSON reads numbers through a 64-byte buffer. */
    if (s->pos - start > 63)
        return fail(s, CONVOY__SCAN_LIMIT, start, "number longer than 63 characters");
    return 1;
}

static int push_pos(scanner *s, size_t value, size_t key)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 256;
        convoy__json_pos *p = convoy__realloc(s->out, s->cap * sizeof *p, cap * sizeof *p);
        if (!p) {
            s->oom = 1;
            return 0;
        }
        s->out = p;
        s->cap = cap;
    }
    s->out[s->n].value = value;
    s->out[s->n].key = key;
    s->n++;
    return 1;
}

static int scan_value(scanner *s, uint32_t depth, size_t key);

static int scan_literal(scanner *s, const char *word)
{
    size_t n = strlen(word);
    if (s->len - s->pos < n || memcmp(s->p + s->pos, word, n) != 0)
        return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "unexpected character: a JSON value was expected");
    s->pos += n;
    return 1;
}

static int scan_container(scanner *s, uint32_t depth, int object)
{
    char close = object ? '}' : ']';
    if (depth >= s->max_depth)
        return fail(s, CONVOY__SCAN_LIMIT, s->pos, "nesting deeper than the limit");
    s->pos++;
    skip_ws(s);
    if (s->pos < s->len && s->p[s->pos] == close) {
        s->pos++;
        return 1;
    }
    for (;;) {
        size_t key = (size_t)-1;
        skip_ws(s);
        if (object) {
            if (s->pos >= s->len || s->p[s->pos] != '"')
                return fail(s, CONVOY__SCAN_SYNTAX, s->pos,
                            s->pos < s->len && s->p[s->pos] == '}' ? "trailing comma before '}'"
                                                                 : "object key (a string) expected");
            key = s->pos;
            if (!scan_string(s))
                return 0;
            skip_ws(s);
            if (s->pos >= s->len || s->p[s->pos] != ':')
                return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "':' expected after object key");
            s->pos++;
            skip_ws(s);
        } else if (s->pos < s->len && s->p[s->pos] == ']') {
            return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "trailing comma before ']'");
        }
        if (!scan_value(s, depth + 1, key))
            return 0;
        skip_ws(s);
        if (s->pos < s->len && s->p[s->pos] == ',') {
            s->pos++;
            continue;
        }
        if (s->pos < s->len && s->p[s->pos] == close) {
            s->pos++;
            return 1;
        }
        return fail(s, CONVOY__SCAN_SYNTAX, s->pos,
                    object ? "',' or '}' expected" : "',' or ']' expected");
    }
}

static int scan_value(scanner *s, uint32_t depth, size_t key)
{
    skip_ws(s);
    if (s->pos >= s->len)
        return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "unexpected end of input: a value was expected");
    if (s->positions && !push_pos(s, s->pos, key))
        return 0;
    switch (s->p[s->pos]) {
    case '{': return scan_container(s, depth, 1);
    case '[': return scan_container(s, depth, 0);
    case '"': return scan_string(s);
    case 't': return scan_literal(s, "true");
    case 'f': return scan_literal(s, "false");
    case 'n': return scan_literal(s, "null");
    default:
        if (s->p[s->pos] == '-' || is_digit(s->p[s->pos]))
            return scan_number(s);
        return fail(s, CONVOY__SCAN_SYNTAX, s->pos, "unexpected character: a JSON value was expected");
    }
}

static size_t skip_bom(const char *text, size_t len)
{
    return len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
}

int convoy__json_check(convoy__scan_result *res, const char *text, size_t len,
                       uint32_t max_depth, size_t max_string)
{
    scanner s = {0};
    s.p = (const unsigned char *)text;
    s.len = len;
    s.pos = skip_bom(text, len);
    s.max_depth = max_depth > 1000 ? 1000 : max_depth; /* cJSON's own nesting limit */
    s.max_string = max_string;
    s.res = res;
    res->status = CONVOY__SCAN_OK;
    res->offset = 0;
    res->message[0] = '\0';
    if (!scan_value(&s, 0, (size_t)-1))
        return res->status;
    skip_ws(&s);
    if (s.pos < s.len) {
        fail(&s, CONVOY__SCAN_SYNTAX, s.pos,
             s.p[s.pos] == 0 ? "NUL byte after the document" : "unexpected text after the document");
        return res->status;
    }
    return CONVOY__SCAN_OK;
}

int convoy__json_positions(convoy__json_pos **out, size_t *count, const char *text, size_t len)
{
    convoy__scan_result res;
    scanner s = {0};
    s.p = (const unsigned char *)text;
    s.len = len;
    s.pos = skip_bom(text, len);
    s.max_depth = 1000;
    s.max_string = (size_t)-1;
    s.res = &res;
    s.positions = 1;
    int ok = scan_value(&s, 0, (size_t)-1);
    if (!ok || s.oom) {
        convoy__dealloc(s.out);
        *out = NULL;
        *count = 0;
        return -1;
    }
    *out = s.out;
    *count = s.n;
    return 0;
}

void convoy__line_col(uint32_t *line, uint32_t *column, const char *text, size_t len,
                      size_t offset)
{
    uint32_t l = 1, c = 1;
    if (offset > len)
        offset = len;
    for (size_t i = 0; i < offset; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++; /* count characters, not UTF-8 continuation bytes */
        }
    }
    *line = l;
    *column = c;
}
