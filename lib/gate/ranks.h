/* Internal: samples as sorted runs of equal values, and the rank sums of
 * two samples, one shifted, merged in a single pass. Shared by the
 * Mann-Whitney test (shift 0) and the judge (every root-finding step). */
#ifndef CONVOY_LIB_GATE_RANKS_H
#define CONVOY_LIB_GATE_RANKS_H

#include <stddef.h>
#include <stdint.h>

/* Exact integer accumulators: tie terms sum t^3 - t, which outgrows 64
 * bits from about 2.6 million equal values. */
__extension__ typedef unsigned __int128 convoy__u128;

/* A sorted sample as runs of equal values. Run i holds the value value[i]
 * below[i + 1] - below[i] times; below[i] counts the sample's values
 * smaller than value[i], so below[count] == n. */
typedef struct convoy__runs {
    double *value;      /* ascending, distinct; owned */
    size_t *below;      /* count + 1 entries; owned */
    size_t count;       /* number of runs (distinct values) */
    size_t n;           /* sample size */
    convoy__u128 ties;  /* sum over the runs of t^3 - t: the sample's own ties */
} convoy__runs;

/*
 * convoy__runs_build - takes over `sorted` (n >= 1 values in ascending
 * order, allocated with convoy__malloc, no NaN), compacts it in place into
 * the distinct values and allocates `below`. On CONVOY_E_NOMEM `sorted` is
 * freed and *r is zeroed. Free with convoy__runs_free.
 */
int convoy__runs_build(convoy__runs *r, double *sorted, size_t n);
void convoy__runs_free(convoy__runs *r);

/* The ranks of x - shift within the combined sample (x - shift, y). */
typedef struct convoy__rank_sums {
    /* 2 U1 = sum over x of 2 #(y < x - shift) + #(y == x - shift): an
     * integer, so U1 = R1 - nx(nx+1)/2 is exact (R1: x's average ranks). */
    uint64_t twice_u;
    /* sum over the tie groups of the combined sample of t^3 - t */
    convoy__u128 ties;
} convoy__rank_sums;

/*
 * convoy__rank_sums_at - one merge pass over both samples, O(runs of x +
 * runs of y), no allocation. Ties are the values equal after the shift as
 * floating-point numbers, exactly as ranking the computed x - shift would
 * see them (distinct x values that round to the same x - shift tie too).
 * The caller guarantees nx * ny < 2^62.
 */
void convoy__rank_sums_at(convoy__rank_sums *out, const convoy__runs *x, double shift,
                          const convoy__runs *y);

/*
 * convoy__differences_in - the distinct pairwise differences x_i - y_j (as
 * computed in floating point) that lie in [lo, hi], ascending, into
 * out[0..cap). Returns how many there are, or cap + 1 when there are more
 * (out then holds an unspecified part of them). These are the only places
 * where the rank statistic of x - mu against y can jump, so the judge
 * settles its roots on them. O(runs of x + runs of y + pairs in range).
 */
size_t convoy__differences_in(double *out, size_t cap, const convoy__runs *x,
                              const convoy__runs *y, double lo, double hi);

#endif
