/* The allocator hook: every byte the library keeps goes through here. */
#include "alloc.h"

#include "error.h"

#include <convoy/core.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static convoy_malloc_fn g_malloc = malloc;
static convoy_realloc_fn g_realloc = realloc;
static convoy_free_fn g_free = free;

int convoy_set_allocator(convoy_malloc_fn malloc_fn, convoy_realloc_fn realloc_fn,
                         convoy_free_fn free_fn)
{
    if (!malloc_fn && !realloc_fn && !free_fn) {
        g_malloc = malloc;
        g_realloc = realloc;
        g_free = free;
        return CONVOY_OK;
    }
    if (!malloc_fn || !free_fn)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_set_allocator: malloc_fn and free_fn must be given together");
    g_malloc = malloc_fn;
    g_realloc = realloc_fn; /* may be NULL: convoy__realloc copies */
    g_free = free_fn;
    return CONVOY_OK;
}

void *convoy__malloc(size_t size)
{
    return g_malloc(size ? size : 1);
}

void *convoy__calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = convoy__malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *convoy__realloc(void *ptr, size_t old_size, size_t new_size)
{
    if (g_realloc)
        return g_realloc(ptr, new_size ? new_size : 1);
    void *p = convoy__malloc(new_size);
    if (!p)
        return NULL;
    if (ptr) {
        memcpy(p, ptr, old_size < new_size ? old_size : new_size);
        g_free(ptr);
    }
    return p;
}

void convoy__dealloc(void *ptr)
{
    if (ptr)
        g_free(ptr);
}

void convoy_free(void *ptr)
{
    convoy__dealloc(ptr);
}

char *convoy__strndup(const char *s, size_t n)
{
    char *p = convoy__malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *convoy__strdup(const char *s)
{
    return s ? convoy__strndup(s, strlen(s)) : NULL;
}

int convoy__grow(void *array, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return 0;
    size_t grown_cap = *cap ? *cap * 2 : first;
    if (grown_cap < *cap || (size && grown_cap > SIZE_MAX / size))
        return -1;
    /* `array` points at a T*, not a void*: read and write it as bytes
     * rather than through a void** lvalue. */
    void *old;
    memcpy(&old, array, sizeof old);
    void *grown = convoy__realloc(old, *cap * size, grown_cap * size);
    if (!grown)
        return -1;
    memcpy(array, &grown, sizeof grown);
    *cap = grown_cap;
    return 0;
}
