/*
 * convoy/core.h - status codes, error details, versions and memory.
 *
 * Every other Convoy header includes this one. It is C99-clean and usable
 * from C++.
 *
 * Conventions used throughout the API:
 *  - Functions that can fail return an int status: CONVOY_OK (0) or a
 *    negative CONVOY_E_* code. Codes are never renumbered; new codes are
 *    only ever appended.
 *  - On failure, convoy_error_last() describes what went wrong on the
 *    calling thread until the next failing Convoy call on that thread.
 *  - Out-parameters come first. Objects returned through `**out` belong to
 *    the caller and are released with the matching convoy_*_free(), which
 *    accepts NULL. Buffers returned by the library are released with
 *    convoy_free().
 */
#ifndef CONVOY_CORE_H
#define CONVOY_CORE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) && !defined(CONVOY_STATIC)
#  if defined(CONVOY_BUILDING)
#    define CONVOY_API __declspec(dllexport)
#  else
#    define CONVOY_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CONVOY_API __attribute__((visibility("default")))
#else
#  define CONVOY_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Compile-time version of the headers. Compare with convoy_version_number()
 * to detect a header/library mismatch at run time. */
#define CONVOY_VERSION_MAJOR 0
#define CONVOY_VERSION_MINOR 1
#define CONVOY_VERSION_PATCH 0
#define CONVOY_VERSION_STRING "0.1.0"
/* 0xMMmmpp: one byte per component, as libcurl's LIBCURL_VERSION_NUM. */
#define CONVOY_VERSION_NUMBER \
    ((CONVOY_VERSION_MAJOR << 16) | (CONVOY_VERSION_MINOR << 8) | CONVOY_VERSION_PATCH)

/* Status codes. Stable forever: never renumbered, only appended. */
#define CONVOY_OK 0
#define CONVOY_E_INVALID_ARG -1   /* a NULL or out-of-range argument */
#define CONVOY_E_NOMEM -2         /* an allocation failed */
#define CONVOY_E_IO -3            /* reading or writing a file failed */
#define CONVOY_E_PARSE -4         /* input is not well-formed (e.g. JSON syntax) */
#define CONVOY_E_INVALID -5       /* input is well-formed but fails validation */
#define CONVOY_E_LIMIT -6         /* a configured size, depth or count limit was exceeded */
#define CONVOY_E_NOT_FOUND -7     /* a named item does not exist */
#define CONVOY_E_RANGE -8         /* an index is out of range */
#define CONVOY_E_VERSION -9       /* an options struct has an unsupported version */
#define CONVOY_E_UNSUPPORTED -10  /* the feature was not built in or is not possible */

/* Opaque, library-owned error detail record. */
typedef struct convoy_error convoy_error;

/*
 * convoy_strerror - a static, human-readable description of a status code.
 * Never returns NULL (unknown codes give "unknown error"). Thread-safe.
 */
CONVOY_API const char *convoy_strerror(int code);

/*
 * convoy_error_last - details of the last failure on the calling thread.
 * Returns a record owned by the library, valid until the next Convoy call
 * on this thread that fails or calls convoy_error_clear(). Never NULL: when
 * no error has happened, the record has code CONVOY_OK and an empty message.
 * Thread-safe (the record is thread-local).
 */
CONVOY_API const convoy_error *convoy_error_last(void);

/* convoy_error_clear - reset the calling thread's error record to CONVOY_OK. */
CONVOY_API void convoy_error_clear(void);

/* Accessors for an error record. All accept NULL (giving 0 / ""). Strings are
 * borrowed from the record. line and column are 1-based; 0 means unknown.
 * The pointer is an RFC 6901 JSON Pointer into the input ("" when the whole
 * document or nothing in particular is meant). */
CONVOY_API int convoy_error_code(const convoy_error *err);
CONVOY_API const char *convoy_error_message(const convoy_error *err);
CONVOY_API const char *convoy_error_pointer(const convoy_error *err);
CONVOY_API uint32_t convoy_error_line(const convoy_error *err);
CONVOY_API uint32_t convoy_error_column(const convoy_error *err);

/* convoy_version - the library's version string, e.g. "0.1.0". Static. */
CONVOY_API const char *convoy_version(void);

/* convoy_version_number - the library's version as 0xMMmmpp. */
CONVOY_API uint32_t convoy_version_number(void);

/*
 * Allocator hook for embedders. All memory the library keeps or hands out
 * (plans, diagnostics, returned buffers) comes from these functions.
 * The transient JSON tree built while parsing comes from cJSON, whose own
 * hooks (cJSON_InitHooks) belong to the host: Convoy never changes them.
 *
 * `realloc_fn` may be NULL; the library then uses malloc_fn + copy.
 * Passing all three NULL restores the C library's malloc/realloc/free.
 * Must be called before any other Convoy call allocates, and never while
 * objects allocated under the previous allocator are alive.
 * Returns CONVOY_E_INVALID_ARG when only one of malloc_fn/free_fn is given.
 * Not thread-safe: call it once, at start-up.
 */
typedef void *(*convoy_malloc_fn)(size_t size);
typedef void *(*convoy_realloc_fn)(void *ptr, size_t size);
typedef void (*convoy_free_fn)(void *ptr);
CONVOY_API int convoy_set_allocator(convoy_malloc_fn malloc_fn, convoy_realloc_fn realloc_fn,
                                    convoy_free_fn free_fn);

/* convoy_free - release a buffer returned by the library. NULL is a no-op.
 * Thread-safe. */
CONVOY_API void convoy_free(void *ptr);

#ifdef __cplusplus
}
#endif

#endif /* CONVOY_CORE_H */
