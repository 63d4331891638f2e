/* Internal: p-values of the Mann-Whitney U test, shared by
 * convoy_mann_whitney and the judge (which has the rank sums already). */
#ifndef CONVOY_LIB_GATE_MWU_H
#define CONVOY_LIB_GATE_MWU_H

#include <stddef.h>
#include <stdint.h>

#include "ranks.h"

/* Above this sample size the exact distribution is not computed even when
 * the other sample has at most 8 values: its O(n) integer pass would take
 * minutes; the normal approximation is used (scipy would try and not
 * finish). No sample that fits in memory today comes near it. */
#define CONVOY__MWU_EXACT_MAX_N (UINT64_C(1) << 32)

/*
 * convoy__mwu_p_value - the two-sided p-value scipy 1.10's
 * mannwhitneyu(x, y) gives (method "auto", continuity correction) for
 * U1 = twice_u1 / 2, sizes n1 and n2 and the combined sample's tie term
 * sum(t^3 - t). Sets *method to CONVOY_MWU_EXACT or _ASYMPTOTIC.
 * Requires n1, n2 >= 1 and n1 * n2 < 2^62.
 */
double convoy__mwu_p_value(int *method, uint64_t twice_u1, convoy__u128 ties, size_t n1, size_t n2);

/*
 * convoy__mwu_exact_p - 2 P(U >= u) under the null hypothesis, at most 1,
 * for samples of n1 and n2 values without ties, where u >= n1 n2 / 2 and
 * min(n1, n2) <= 8, max(n1, n2) <= CONVOY__MWU_EXACT_MAX_N. Exact integer
 * counting; only the final ratio is rounded. O(min^2 max) time, O(1) memory.
 */
double convoy__mwu_exact_p(size_t n1, size_t n2, uint64_t u);

#endif
