/* Internal: a growable byte buffer for building strings. */
#ifndef CONVOY_LIB_CORE_BUF_H
#define CONVOY_LIB_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

typedef struct convoy__buf {
    char *data;  /* NUL-terminated when len > 0 or after any append */
    size_t len;
    size_t cap;
    int failed;  /* sticky: an allocation failed, content is incomplete */
} convoy__buf;

void convoy__buf_append(convoy__buf *b, const char *s, size_t n);
void convoy__buf_puts(convoy__buf *b, const char *s);
void convoy__buf_putc(convoy__buf *b, char c);
void convoy__buf_printf(convoy__buf *b, const char *fmt, ...) CONVOY__PRINTF(2, 3);
void convoy__buf_vprintf(convoy__buf *b, const char *fmt, va_list ap) CONVOY__PRINTF(2, 0);
/* Appends s escaped as a JSON Pointer reference token (~ -> ~0, / -> ~1). */
void convoy__buf_pointer_token(convoy__buf *b, const char *s);
/* Hands the string to the caller (NULL if failed) and resets the buffer. */
char *convoy__buf_take(convoy__buf *b);
void convoy__buf_free(convoy__buf *b);

#endif
