#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"

#define CHUNK_BYTES (64 * 1024)
#define ALIGN (alignof(max_align_t))

struct convoy__arena_chunk {
    convoy__arena_chunk *next;
    size_t used;
    size_t cap;
    alignas(max_align_t) unsigned char data[];
};

void *convoy__arena_alloc(convoy__arena *a, size_t size)
{
    if (size > SIZE_MAX - ALIGN - sizeof(convoy__arena_chunk))
        return NULL;
    size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    if (size == 0)
        size = ALIGN;
    convoy__arena_chunk *c = a->head;
    if (!c || c->cap - c->used < size) {
        /* Large requests get a chunk of their own behind the current one,
         * so the space left in the current chunk is not wasted. */
        size_t cap = size > CHUNK_BYTES / 4 ? size : CHUNK_BYTES;
        convoy__arena_chunk *n = convoy__malloc(sizeof *n + cap);
        if (!n)
            return NULL;
        n->used = 0;
        n->cap = cap;
        a->bytes += sizeof *n + cap;
        if (c && cap != CHUNK_BYTES) {
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            a->head = n;
        }
        c = n;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *convoy__arena_strndup(convoy__arena *a, const char *s, size_t n)
{
    char *p = convoy__arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void convoy__arena_free(convoy__arena *a)
{
    convoy__arena_chunk *c = a->head;
    while (c) {
        convoy__arena_chunk *next = c->next;
        convoy__dealloc(c);
        c = next;
    }
    a->head = NULL;
    a->bytes = 0;
}
