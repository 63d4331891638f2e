/* Internal: sorting samples of doubles. */
#ifndef CONVOY_LIB_GATE_SORT_H
#define CONVOY_LIB_GATE_SORT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* The order of doubles as unsigned integers: flip all bits of negatives,
 * only the sign bit of positives (-0.0 maps as +0.0). Sorting keys sorts
 * the numbers; halving the key distance halves the count of doubles in
 * between, whatever their magnitude. Not for NaN. */
static inline uint64_t convoy__double_key(double d)
{
    uint64_t u;
    d += 0.0; /* -0.0 + 0.0 == +0.0: one key for both zeros */
    memcpy(&u, &d, 8);
    return (u >> 63) ? ~u : u | UINT64_C(0x8000000000000000);
}

static inline double convoy__key_double(uint64_t key)
{
    uint64_t u = (key >> 63) ? key & UINT64_C(0x7fffffffffffffff) : ~key;
    double d;
    memcpy(&d, &u, 8);
    return d;
}

/*
 * convoy__sort_doubles - sorts v[0..n) ascending, in place. The values must
 * not be NaN. -0.0 is stored as +0.0 (the two compare equal, and rank
 * sums treat them as one value). An LSD radix sort on the IEEE-754 bit
 * patterns: about 3x faster than an introsort at 100,000 values, and its
 * running time does not depend on the order or the ties of the input.
 * Uses one scratch buffer of n doubles; CONVOY_E_NOMEM when it cannot be
 * allocated (v is then unchanged), else CONVOY_OK.
 */
int convoy__sort_doubles(double *v, size_t n);

#endif
