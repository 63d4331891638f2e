/* LSD radix sort of doubles (see sort.h). */
#include "sort.h"

#include <convoy/core.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

/* 11-bit digits: six passes over 64 bits with counters that stay in L1. */
#define DIGIT_BITS 11
#define DIGIT_RANGE (1u << DIGIT_BITS)
#define PASSES 6

/* Below this size insertion sort beats the radix passes' fixed costs. */
#define SMALL 64

/* Both buffers are read and written as raw 8-byte words through memcpy,
 * which compiles to plain loads and stores and keeps the type punning
 * between double and uint64_t well defined. */
static inline uint64_t load(const void *base, size_t i)
{
    uint64_t w;
    memcpy(&w, (const unsigned char *)base + i * 8, 8);
    return w;
}

static inline void store(void *base, size_t i, uint64_t w)
{
    memcpy((unsigned char *)base + i * 8, &w, 8);
}

static void insertion_sort(double *v, size_t n)
{
    if (n)
        v[0] += 0.0;
    for (size_t i = 1; i < n; i++) {
        double x = v[i] + 0.0;
        size_t j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

int convoy__sort_doubles(double *v, size_t n)
{
    if (n <= SMALL) {
        insertion_sort(v, n);
        return CONVOY_OK;
    }
    void *scratch = convoy__malloc(n * 8);
    if (!scratch)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory sorting %zu values", n);

    /* Encode in place and count every digit in one pass. */
    size_t(*count)[DIGIT_RANGE] = convoy__calloc(PASSES, sizeof *count);
    if (!count) {
        convoy__dealloc(scratch);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory sorting %zu values", n);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t k = convoy__double_key(v[i]);
        store(v, i, k);
        for (int p = 0; p < PASSES; p++)
            count[p][(k >> (p * DIGIT_BITS)) & (DIGIT_RANGE - 1)]++;
    }

    void *from = v, *to = scratch;
    for (int p = 0; p < PASSES; p++) {
        size_t *c = count[p];
        /* A digit shared by every key (e.g. the sign and exponent of
         * similar values) leaves the order as it is: skip the pass. */
        uint64_t first = (load(from, 0) >> (p * DIGIT_BITS)) & (DIGIT_RANGE - 1);
        if (c[first] == n)
            continue;
        size_t sum = 0;
        for (unsigned r = 0; r < DIGIT_RANGE; r++) {
            size_t t = c[r];
            c[r] = sum;
            sum += t;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t k = load(from, i);
            store(to, c[(k >> (p * DIGIT_BITS)) & (DIGIT_RANGE - 1)]++, k);
        }
        void *t = from;
        from = to;
        to = t;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = convoy__key_double(load(from, i));
    convoy__dealloc(count);
    convoy__dealloc(scratch);
    return CONVOY_OK;
}
