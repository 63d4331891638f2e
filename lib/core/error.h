/* Internal: setting the calling thread's error record. */
#ifndef CONVOY_LIB_CORE_ERROR_H
#define CONVOY_LIB_CORE_ERROR_H

#include <stdint.h>

#if defined(__GNUC__)
#  define CONVOY__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#  define CONVOY__PRINTF(a, b)
#endif

/* Records code and a formatted message (no location); returns `code`. */
int convoy__fail(int code, const char *fmt, ...) CONVOY__PRINTF(2, 3);
/* Records code, message and location; returns `code`. */
int convoy__fail_at(int code, const char *pointer, uint32_t line, uint32_t column,
                    const char *message);

#endif
