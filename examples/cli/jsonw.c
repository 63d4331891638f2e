/* jsonw.c - streaming JSON writer with RFC 8259 string escaping. */
#include "jsonw.h"

#include "utf8.h"

#include <inttypes.h>
#include <math.h>

void jsonw_init(jsonw *w, FILE *f)
{
    w->f = f;
    w->depth = 0;
    w->first[0] = 1;
    w->after_key = 0;
}

/* Separator before any value or key at the current level. */
static void sep(jsonw *w)
{
    if (w->after_key) {
        w->after_key = 0;
        return;
    }
    if (!w->first[w->depth])
        fputs(", ", w->f);
    w->first[w->depth] = 0;
}

static void begin(jsonw *w, int c)
{
    sep(w);
    fputc(c, w->f);
    if (w->depth < JSONW_MAX_DEPTH)
        w->depth++;
    w->first[w->depth] = 1;
}

static void end(jsonw *w, int c)
{
    fputc(c, w->f);
    if (w->depth > 0)
        w->depth--;
}

void jsonw_object_begin(jsonw *w) { begin(w, '{'); }
void jsonw_object_end(jsonw *w) { end(w, '}'); }
void jsonw_array_begin(jsonw *w) { begin(w, '['); }
void jsonw_array_end(jsonw *w) { end(w, ']'); }

static void write_escaped(FILE *f, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    while (*s) {
        unsigned char c = *s;
        switch (c) {
        case '"': fputs("\\\"", f); s++; continue;
        case '\\': fputs("\\\\", f); s++; continue;
        case '\b': fputs("\\b", f); s++; continue;
        case '\f': fputs("\\f", f); s++; continue;
        case '\n': fputs("\\n", f); s++; continue;
        case '\r': fputs("\\r", f); s++; continue;
        case '\t': fputs("\\t", f); s++; continue;
        default: break;
        }
        if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", (unsigned)c);
            s++;
            continue;
        }
        int n = utf8_len(s); /* stops at NUL: continuation checks fail on it */
        if (n == 0) {
            fputs("\\ufffd", f);
            s++;
            continue;
        }
        fwrite(s, 1, (size_t)n, f);
        s += n;
    }
    fputc('"', f);
}

void jsonw_key(jsonw *w, const char *key)
{
    sep(w);
    write_escaped(w->f, key);
    fputs(": ", w->f);
    w->after_key = 1;
}

void jsonw_string(jsonw *w, const char *s)
{
    if (!s) {
        jsonw_null(w);
        return;
    }
    sep(w);
    write_escaped(w->f, s);
}

void jsonw_null(jsonw *w)
{
    sep(w);
    fputs("null", w->f);
}

void jsonw_bool(jsonw *w, int b)
{
    sep(w);
    fputs(b ? "true" : "false", w->f);
}

void jsonw_u64(jsonw *w, uint64_t v)
{
    sep(w);
    fprintf(w->f, "%" PRIu64, v);
}

void jsonw_i64(jsonw *w, int64_t v)
{
    sep(w);
    fprintf(w->f, "%" PRId64, v);
}

void jsonw_double(jsonw *w, double v)
{
    if (!isfinite(v)) {
        jsonw_null(w);
        return;
    }
    sep(w);
    fprintf(w->f, "%.17g", v);
}

void jsonw_kv_string(jsonw *w, const char *key, const char *s)
{
    jsonw_key(w, key);
    jsonw_string(w, s);
}

void jsonw_kv_bool(jsonw *w, const char *key, int b)
{
    jsonw_key(w, key);
    jsonw_bool(w, b);
}

void jsonw_kv_u64(jsonw *w, const char *key, uint64_t v)
{
    jsonw_key(w, key);
    jsonw_u64(w, v);
}

void jsonw_kv_double(jsonw *w, const char *key, double v)
{
    jsonw_key(w, key);
    jsonw_double(w, v);
}
