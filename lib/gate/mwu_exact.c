/*
 * The exact null distribution of the Mann-Whitney U statistic.
 *
 * For samples of m and n values without ties, the number of arrangements
 * with U = k is the coefficient f(k) of q^k in the Gaussian binomial
 *     [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i),
 * and P(U <= K) = sum_{k<=K} f(k) / C(m+n, m). scipy sums f from a
 * recursion in floating point; we count exactly. Writing
 *     G(q) = 1 / ((1 - q) prod_{i=1..m} (1 - q^i))
 * (whose coefficients are all positive and cheap to stream), the
 * numerator prod (1 - q^(n+i)) has at most 2^m terms +-q^d(S), one per
 * subset S of {1..m} with d(S) = sum_{i in S} (n + i), so
 *     sum_{k<=K} f(k) = sum_S (-1)^|S| [q^(K - d(S))] G(q).
 * One pass over k = 0..K computes G's coefficients with a ring buffer per
 * factor (O(1) memory, no O(mn) polynomial in memory), picking up the
 * coefficients the subsets need. The alternating sum cancels massively, so
 * it is done in exact 256-bit integers: G(K) <= C(K + m, m) < 2^256 for every
 * n up to CONVOY__MWU_EXACT_MAX_N, where 128 bits would overflow from
 * n ~ 200,000 (m = 8).
 */
#include <stdint.h>
#include <string.h>

#include "mwu.h"

/* 256-bit unsigned integer, least significant word first. */
typedef struct wide {
    uint64_t w[4];
} wide;

static void wide_add(wide *a, const wide *b)
{
    convoy__u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        carry += (convoy__u128)a->w[i] + b->w[i];
        a->w[i] = (uint64_t)carry;
        carry >>= 64;
    }
}

/* a -= b, for a >= b */
static void wide_sub(wide *a, const wide *b)
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t bi = b->w[i] + borrow;
        uint64_t next = (bi < borrow) || (a->w[i] < bi);
        a->w[i] -= bi;
        borrow = next;
    }
}

static void wide_mul_small(wide *a, uint64_t m)
{
    convoy__u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        carry += (convoy__u128)a->w[i] * m;
        a->w[i] = (uint64_t)carry;
        carry >>= 64;
    }
}

/* a /= d, exact by construction (d divides a) */
static void wide_div_small(wide *a, uint64_t d)
{
    convoy__u128 rem = 0;
    for (int i = 3; i >= 0; i--) {
        convoy__u128 cur = (rem << 64) | a->w[i];
        a->w[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
}

static long double wide_value(const wide *a)
{
    long double v = 0;
    for (int i = 3; i >= 0; i--)
        v = v * 18446744073709551616.0L + (long double)a->w[i];
    return v;
}

/* A coefficient of G the alternating sum needs, and its sign. */
typedef struct point {
    uint64_t at;
    int negative;
} point;

/* Collects K - d(S) for the subsets with d(S) <= K, in ascending order. */
static size_t subset_points(point *pts, size_t m, uint64_t n, uint64_t k_max)
{
    size_t np = 0;
    for (unsigned s = 0; s < (1u << m); s++) {
        uint64_t d = 0;
        int odd = 0;
        for (size_t i = 1; i <= m; i++) {
            if (s & (1u << (i - 1))) {
                d += n + i;
                odd ^= 1;
            }
        }
        if (d > k_max)
            continue;
        point p = {k_max - d, odd};
        size_t j = np++;
        while (j > 0 && pts[j - 1].at > p.at) {
            pts[j] = pts[j - 1];
            j--;
        }
        pts[j] = p;
    }
    return np;
}

double convoy__mwu_exact_p(size_t n1, size_t n2, uint64_t u)
{
    size_t m = n1 < n2 ? n1 : n2;
    uint64_t n = n1 < n2 ? n2 : n1;
    /* P(U >= u) = P(U <= mn - u) by symmetry; u >= mn/2 keeps K small. */
    uint64_t k_max = (uint64_t)m * n - u;

    point pts[256];
    size_t np = subset_points(pts, m, n, k_max);

    /* ring[i] holds the last i coefficients of prod_{j<=i} 1/(1-q^j)
     * times 1/(1-q): stage i adds the value i places back. */
    wide ring[9][8];
    size_t pos[9] = {0};
    memset(ring, 0, sizeof ring);
    wide plus = {{0}}, minus = {{0}};
    size_t next = 0;
    for (uint64_t k = 0; next < np; k++) {
        wide g = {{1, 0, 0, 0}}; /* 1/(1-q): every coefficient 1 */
        for (size_t i = 1; i <= m; i++) {
            wide *slot = &ring[i][pos[i]];
            wide_add(&g, slot);
            *slot = g;
            if (++pos[i] == i)
                pos[i] = 0;
        }
        while (next < np && pts[next].at == k) {
            wide_add(pts[next].negative ? &minus : &plus, &g);
            next++;
        }
    }
    wide_sub(&plus, &minus); /* = #arrangements with U <= K */

    wide total = {{1, 0, 0, 0}}; /* C(n + i, i), exact at every step */
    for (size_t i = 1; i <= m; i++) {
        wide_mul_small(&total, n + i);
        wide_div_small(&total, i);
    }
    long double p = 2.0L * wide_value(&plus) / wide_value(&total);
    return p > 1.0L ? 1.0 : (double)p;
}
