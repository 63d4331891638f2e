#include "canon.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/number.h"

void convoy__json_put_string(convoy__buf *b, const char *s)
{
    convoy__buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* Copy runs that need no escaping in one go. */
        const unsigned char *run = p;
        while (*run >= 0x20 && *run != '"' && *run != '\\')
            run++;
        if (run != p) {
            convoy__buf_append(b, (const char *)p, (size_t)(run - p));
            p = run;
            if (!*p)
                break;
        }
        switch (*p) {
        case '"': convoy__buf_append(b, "\\\"", 2); break;
        case '\\': convoy__buf_append(b, "\\\\", 2); break;
        case '\n': convoy__buf_append(b, "\\n", 2); break;
        case '\r': convoy__buf_append(b, "\\r", 2); break;
        case '\t': convoy__buf_append(b, "\\t", 2); break;
        case '\b': convoy__buf_append(b, "\\b", 2); break;
        case '\f': convoy__buf_append(b, "\\f", 2); break;
        default:
            if (*p < 0x20)
                convoy__buf_printf(b, "\\u%04x", *p);
            else
                convoy__buf_putc(b, (char)*p);
        }
    }
    convoy__buf_putc(b, '"');
}

void convoy__json_put_number(convoy__buf *b, double v)
{
    char tmp[32];
    if (!isfinite(v)) {
        convoy__buf_puts(b, "null"); /* JSON has no NaN/Inf; cJSON prints null too */
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(tmp, sizeof tmp, "%.0f", v);
        if (strcmp(tmp, "-0") == 0)
            strcpy(tmp, "0");
    } else {
        /* the shortest of 15 or 17 digits that reads back exactly */
        convoy__format_double(tmp, sizeof tmp, 15, v);
        if (convoy__parse_double(tmp, strlen(tmp)) != v)
            convoy__format_double(tmp, sizeof tmp, 17, v);
    }
    convoy__buf_puts(b, tmp);
}

static int cmp_members(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    int c = strcmp(x->string ? x->string : "", y->string ? y->string : "");
    if (c)
        return c;
    return 0; /* duplicate keys are rejected before anything is canonicalised */
}

void convoy__json_put_canonical(convoy__buf *b, const cJSON *node)
{
    if (cJSON_IsObject(node)) {
        size_t n = 0;
        for (const cJSON *c = node->child; c; c = c->next)
            n++;
        /* Plans are made of small objects: sort them on the stack. */
        const cJSON *small[16];
        const cJSON **members = n <= 16 ? small : convoy__calloc(n, sizeof *members);
        if (!members) {
            b->failed = 1;
            return;
        }
        size_t i = 0;
        for (const cJSON *c = node->child; c; c = c->next)
            members[i++] = c;
        if (n > 1)
            qsort(members, n, sizeof *members, cmp_members);
        convoy__buf_putc(b, '{');
        for (i = 0; i < n; i++) {
            if (i)
                convoy__buf_putc(b, ',');
            convoy__json_put_string(b, members[i]->string ? members[i]->string : "");
            convoy__buf_putc(b, ':');
            convoy__json_put_canonical(b, members[i]);
        }
        convoy__buf_putc(b, '}');
        if (members != small)
            convoy__dealloc(members);
    } else if (cJSON_IsArray(node)) {
        convoy__buf_putc(b, '[');
        for (const cJSON *c = node->child; c; c = c->next) {
            if (c != node->child)
                convoy__buf_putc(b, ',');
            convoy__json_put_canonical(b, c);
        }
        convoy__buf_putc(b, ']');
    } else if (cJSON_IsString(node)) {
        convoy__json_put_string(b, node->valuestring ? node->valuestring : "");
    } else if (cJSON_IsNumber(node)) {
        convoy__json_put_number(b, node->valuedouble);
    } else if (cJSON_IsTrue(node)) {
        convoy__buf_puts(b, "true");
    } else if (cJSON_IsFalse(node)) {
        convoy__buf_puts(b, "false");
    } else {
        convoy__buf_puts(b, "null");
    }
}

char *convoy__json_canonical_string(const cJSON *node)
{
    convoy__buf b = {0};
    convoy__json_put_canonical(&b, node);
    return convoy__buf_take(&b);
}
