/* The thread-local error record behind convoy_error_last(). */
#include "error.h"

#include <convoy/core.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MESSAGE_MAX 512
#define POINTER_MAX 512

struct convoy_error {
    int code;
    uint32_t line;
    uint32_t column;
    char message[MESSAGE_MAX];
    char pointer[POINTER_MAX];
};

/* Fixed-size and thread-local: recording an error never allocates, so it
 * works when the failure being reported is an allocation failure. */
static _Thread_local struct convoy_error t_error;

static void copy_truncated(char *dst, size_t cap, const char *src)
{
    size_t n = src ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int convoy__fail(int code, const char *fmt, ...)
{
    va_list ap;
    t_error.code = code;
    t_error.line = 0;
    t_error.column = 0;
    t_error.pointer[0] = '\0';
    va_start(ap, fmt);
    vsnprintf(t_error.message, sizeof t_error.message, fmt, ap);
    va_end(ap);
    return code;
}

int convoy__fail_at(int code, const char *pointer, uint32_t line, uint32_t column,
                    const char *message)
{
    t_error.code = code;
    t_error.line = line;
    t_error.column = column;
    copy_truncated(t_error.pointer, sizeof t_error.pointer, pointer);
    copy_truncated(t_error.message, sizeof t_error.message, message);
    return code;
}

const convoy_error *convoy_error_last(void)
{
    return &t_error;
}

void convoy_error_clear(void)
{
    memset(&t_error, 0, sizeof t_error);
}

int convoy_error_code(const convoy_error *err)
{
    return err ? err->code : 0;
}

const char *convoy_error_message(const convoy_error *err)
{
    return err ? err->message : "";
}

const char *convoy_error_pointer(const convoy_error *err)
{
    return err ? err->pointer : "";
}

uint32_t convoy_error_line(const convoy_error *err)
{
    return err ? err->line : 0;
}

uint32_t convoy_error_column(const convoy_error *err)
{
    return err ? err->column : 0;
}

const char *convoy_strerror(int code)
{
    switch (code) {
    case CONVOY_OK: return "success";
    case CONVOY_E_INVALID_ARG: return "invalid argument";
    case CONVOY_E_NOMEM: return "out of memory";
    case CONVOY_E_IO: return "input/output error";
    case CONVOY_E_PARSE: return "malformed input";
    case CONVOY_E_INVALID: return "invalid input";
    case CONVOY_E_LIMIT: return "limit exceeded";
    case CONVOY_E_NOT_FOUND: return "not found";
    case CONVOY_E_RANGE: return "index out of range";
    case CONVOY_E_VERSION: return "unsupported struct version";
    case CONVOY_E_UNSUPPORTED: return "not supported";
    default: return "unknown error";
    }
}
