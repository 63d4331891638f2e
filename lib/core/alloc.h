/* Internal allocation through the embedder's hooks (convoy_set_allocator). */
#ifndef CONVOY_LIB_CORE_ALLOC_H
#define CONVOY_LIB_CORE_ALLOC_H

#include <stddef.h>

void *convoy__malloc(size_t size);
void *convoy__calloc(size_t count, size_t size);
void *convoy__realloc(void *ptr, size_t old_size, size_t new_size);
void convoy__dealloc(void *ptr);
char *convoy__strdup(const char *s);
char *convoy__strndup(const char *s, size_t n);

#endif
