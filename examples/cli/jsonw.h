/*
 * jsonw.h - a tiny streaming JSON writer for the convoy CLI.
 *
 * Writes one compact document to a FILE*, inserting ", " and ": " between
 * items itself. Strings are escaped per RFC 8259; bytes that are not valid
 * UTF-8 (e.g. in file names) become U+FFFD, so the output is always valid
 * JSON text.
 */
#ifndef CONVOY_CLI_JSONW_H
#define CONVOY_CLI_JSONW_H

#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 32

typedef struct jsonw {
    FILE *f;
    int depth;
    /* per nesting level: 1 while no item has been written at that level */
    unsigned char first[JSONW_MAX_DEPTH + 1];
    int after_key; /* a key was just written: the next value needs no comma */
} jsonw;

void jsonw_init(jsonw *w, FILE *f);

void jsonw_object_begin(jsonw *w);
void jsonw_object_end(jsonw *w);
void jsonw_array_begin(jsonw *w);
void jsonw_array_end(jsonw *w);

/* An object key; the value follows with one of the value writers. */
void jsonw_key(jsonw *w, const char *key);

/* Values. jsonw_string(NULL) writes null. */
void jsonw_string(jsonw *w, const char *s);
void jsonw_null(jsonw *w);
void jsonw_bool(jsonw *w, int b);
void jsonw_u64(jsonw *w, uint64_t v);
void jsonw_i64(jsonw *w, int64_t v);
/* A double with %.17g (round-trips exactly); null when it is NaN or
 * infinite, which JSON cannot hold. */
void jsonw_double(jsonw *w, double v);

/* Shorthands: key followed by a value. */
void jsonw_kv_string(jsonw *w, const char *key, const char *s);
void jsonw_kv_bool(jsonw *w, const char *key, int b);
void jsonw_kv_u64(jsonw *w, const char *key, uint64_t v);
void jsonw_kv_double(jsonw *w, const char *key, double v);

#endif
