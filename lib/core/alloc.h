/* Internal allocation through the embedder's hooks (convoy_set_allocator). */
#ifndef CONVOY_LIB_CORE_ALLOC_H
#define CONVOY_LIB_CORE_ALLOC_H

#include <stddef.h>

void *convoy__malloc(size_t size);
void *convoy__calloc(size_t count, size_t size);
void *convoy__realloc(void *ptr, size_t old_size, size_t new_size);
void convoy__dealloc(void *ptr);
char *convoy__strdup(const char *s);
/* Room for one more element in the array at *array, which holds n of
 * `size` bytes in a capacity of *cap: doubles the capacity (starting at
 * `first`) when full. 0, or -1 when out of memory or the size would
 * overflow (then nothing changed). */
int convoy__grow(void *array, size_t *cap, size_t n, size_t size, size_t first);
char *convoy__strndup(const char *s, size_t n);

#endif
