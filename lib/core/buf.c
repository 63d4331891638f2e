#include "buf.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"

static int reserve(convoy__buf *b, size_t extra)
{
    if (b->failed)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->failed = 1;
            return 0;
        }
        cap *= 2;
    }
    char *p = convoy__realloc(b->data, b->cap, cap);
    if (!p) {
        b->failed = 1;
        return 0;
    }
    b->data = p;
    b->cap = cap;
    return 1;
}

void convoy__buf_append(convoy__buf *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void convoy__buf_puts(convoy__buf *b, const char *s)
{
    convoy__buf_append(b, s, strlen(s));
}

void convoy__buf_putc(convoy__buf *b, char c)
{
    convoy__buf_append(b, &c, 1);
}

void convoy__buf_vprintf(convoy__buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    if (n < 0 || !reserve(b, (size_t)n)) {
        if (n < 0)
            b->failed = 1;
        va_end(ap2);
        return;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
}

void convoy__buf_printf(convoy__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    convoy__buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void convoy__buf_pointer_token(convoy__buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '~')
            convoy__buf_append(b, "~0", 2);
        else if (*s == '/')
            convoy__buf_append(b, "~1", 2);
        else
            convoy__buf_putc(b, *s);
    }
}

char *convoy__buf_take(convoy__buf *b)
{
    char *p = NULL;
    if (!b->failed) {
        if (!b->data)
            convoy__buf_append(b, "", 0);
        p = b->failed ? NULL : b->data;
        b->data = p ? NULL : b->data;
    }
    convoy__buf_free(b);
    return p;
}

void convoy__buf_free(convoy__buf *b)
{
    convoy__dealloc(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
