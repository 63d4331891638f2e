/* Internal: a bump allocator for objects that live and die together (a
 * parsed plan is immutable, so everything it owns is freed at once). */
#ifndef CONVOY_LIB_CORE_ARENA_H
#define CONVOY_LIB_CORE_ARENA_H

#include <stddef.h>

typedef struct convoy__arena_chunk convoy__arena_chunk;

typedef struct convoy__arena {
    convoy__arena_chunk *head;
    size_t bytes; /* all chunk memory held, for accounting */
} convoy__arena;

/* Zeroed memory aligned for any type, or NULL when out of memory. */
void *convoy__arena_alloc(convoy__arena *a, size_t size);
char *convoy__arena_strndup(convoy__arena *a, const char *s, size_t n);
/* Releases every chunk; the arena can be used again afterwards. */
void convoy__arena_free(convoy__arena *a);

#endif
