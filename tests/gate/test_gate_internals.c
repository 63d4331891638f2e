/*
 * test_gate_internals - the gate's internal building blocks against
 * independent, slow reference computations: the radix sort, runs, rank
 * sums (O(n^2) naive ranking), pairwise-difference search, the exact
 * Mann-Whitney distribution (the classic counting recursion), the normal
 * quantile and tail (values from scipy.special), Brent's method, and the
 * judge's confidence interval (brute force over all pairwise differences).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "gate/brent.h"
#include "gate/judge.h"
#include "gate/mwu.h"
#include "gate/normal.h"
#include "gate/ranks.h"
#include "gate/sort.h"

#define PI 3.14159265358979323846 /* PI is not ISO C */

/* xorshift64*: reproducible data on every platform */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t next_u64(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Du;
}
static double uniform(void)
{
    return (double)(next_u64() >> 11) * (1.0 / 9007199254740992.0);
}
static size_t below_n(size_t n)
{
    return (size_t)(next_u64() % n);
}

/* A random sample: continuous, or on a small grid (ties), with a shift. */
static double *random_sample(size_t n, int grid, double shift)
{
    double *v = convoy__malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = (grid ? (double)below_n((size_t)grid) : uniform() * 10.0) + shift;
    return v;
}

static void make_runs(convoy__runs *r, const double *v, size_t n)
{
    double *copy = convoy__malloc(n * sizeof *copy);
    assert_non_null(copy);
    memcpy(copy, v, n * sizeof *copy);
    assert_int_equal(convoy__sort_doubles(copy, n), 0);
    assert_int_equal(convoy__runs_build(r, copy, n), 0);
}

/* ------------------------------------------------------------------ sort */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void check_sort(const double *input, size_t n)
{
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    memcpy(a, input, n * sizeof *a);
    memcpy(b, input, n * sizeof *b);
    assert_int_equal(convoy__sort_doubles(a, n), 0);
    qsort(b, n, sizeof *b, cmp_double);
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            fail_msg("n=%zu: sorted[%zu] = %g, qsort gives %g", n, i, a[i], b[i]);
        if (a[i] == 0)
            assert_false(signbit(a[i])); /* -0.0 stored as +0.0 */
    }
    free(a);
    free(b);
}

static void test_sort(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 2, 3, 63, 64, 65, 100, 1000, 5000, 100000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t n = sizes[s];
        double *v = malloc((n ? n : 1) * sizeof *v);
        for (size_t i = 0; i < n; i++) {
            switch (i % 7) {
            case 0: v[i] = -uniform() * 1e6; break;
            case 1: v[i] = uniform(); break;
            case 2: v[i] = (i % 2) ? -0.0 : 0.0; break;
            case 3: v[i] = (double)below_n(10); break;
            case 4: v[i] = (i % 3) ? INFINITY : -INFINITY; break;
            case 5: v[i] = ldexp(uniform(), -1070); break; /* subnormal */
            default: v[i] = -ldexp(uniform(), 1000); break;
            }
        }
        check_sort(v, n);
        /* already sorted and reversed input */
        qsort(v, n, sizeof *v, cmp_double);
        check_sort(v, n);
        for (size_t i = 0; i < n / 2; i++) {
            double t = v[i];
            v[i] = v[n - 1 - i];
            v[n - 1 - i] = t;
        }
        check_sort(v, n);
        free(v);
    }
}

/* ------------------------------------------------------------------ runs */

static void test_runs(void **state)
{
    (void)state;
    const double v[] = {3, 1, 2, 3, 3, -0.0, 0.0, 7};
    convoy__runs r;
    make_runs(&r, v, 8);
    assert_int_equal(r.count, 5);
    assert_int_equal(r.n, 8);
    const double values[] = {0, 1, 2, 3, 7};
    const size_t below[] = {0, 2, 3, 4, 7, 8};
    for (size_t i = 0; i < 5; i++)
        assert_true(r.value[i] == values[i]);
    for (size_t i = 0; i <= 5; i++)
        assert_int_equal(r.below[i], below[i]);
    /* the zeros (2) and the threes (3): 6 + 24 */
    assert_true(r.ties == 30);
    convoy__runs_free(&r);
    convoy__runs_free(&r); /* idempotent */
}

/* -------------------------------------------------------------- rank sums */

/* The definition: rank x - shift with y, average ranks, tie groups. */
static void naive_rank_sums(uint64_t *twice_u, double *ties, const double *x, size_t nx,
                            double shift, const double *y, size_t ny)
{
    size_t n = nx + ny;
    double *all = malloc(n * sizeof *all);
    for (size_t i = 0; i < nx; i++)
        all[i] = x[i] - shift;
    for (size_t j = 0; j < ny; j++)
        all[nx + j] = y[j];
    double r1 = 0, t = 0;
    for (size_t a = 0; a < n; a++) {
        size_t less = 0, equal = 0;
        for (size_t b = 0; b < n; b++) {
            less += all[b] < all[a];
            equal += all[b] == all[a];
        }
        double rank = (double)less + ((double)equal + 1) / 2.0;
        if (a < nx)
            r1 += rank;
        /* each group counted once, by its first member */
        size_t first = 1;
        for (size_t b = 0; b < a; b++)
            first &= all[b] != all[a];
        if (first)
            t += (double)equal * equal * equal - (double)equal;
    }
    *twice_u = (uint64_t)llround(2 * r1 - (double)nx * (double)(nx + 1));
    *ties = t;
    free(all);
}

static void check_rank_sums(const double *x, size_t nx, double shift, const double *y, size_t ny)
{
    convoy__runs rx, ry;
    make_runs(&rx, x, nx);
    make_runs(&ry, y, ny);
    convoy__rank_sums got;
    convoy__rank_sums_at(&got, &rx, shift, &ry);
    uint64_t want_u;
    double want_t;
    naive_rank_sums(&want_u, &want_t, x, nx, shift, y, ny);
    if (got.twice_u != want_u || (double)got.ties != want_t)
        fail_msg("nx=%zu ny=%zu shift=%.17g: 2U %llu ties %.17g, naive 2U %llu ties %.17g", nx,
                 ny, shift, (unsigned long long)got.twice_u, (double)got.ties,
                 (unsigned long long)want_u, want_t);
    convoy__runs_free(&rx);
    convoy__runs_free(&ry);
}

static void test_rank_sums_against_naive(void **state)
{
    (void)state;
    for (int round = 0; round < 400; round++) {
        size_t nx = 1 + below_n(round < 300 ? 40 : 700), ny = 1 + below_n(round < 300 ? 40 : 700);
        int grid = round % 3 == 0 ? 0 : (int)(2 + below_n(12));
        double *x = random_sample(nx, grid, 0), *y = random_sample(ny, grid, 0);
        double shift;
        switch (round % 4) {
        case 0: shift = 0; break;
        case 1: shift = x[below_n(nx)] - y[below_n(ny)]; break; /* a jump: cross ties */
        case 2: shift = (uniform() - 0.5) * 20; break;
        default: shift = grid ? (double)below_n(5) - 2.0 : uniform(); break;
        }
        check_rank_sums(x, nx, shift, y, ny);
        convoy__dealloc(x);
        convoy__dealloc(y);
    }
}

static void test_rank_sums_rounding_ties(void **state)
{
    (void)state;
    /* distinct x values whose x - shift round to the same double tie, as
     * ranking the computed differences would see them */
    const double x[] = {1.0, 1.0 + 0x1p-52, 1.0 + 0x1p-51, 2.0, 5.0};
    const double y[] = {1e16 + 2.0, 1e16 + 4.0, 3.0};
    check_rank_sums(x, 5, -1e16, y, 3);
    check_rank_sums(x, 5, -1e16 - 1.0, y, 3);
    check_rank_sums(x, 5, 0.0, y, 3);
    /* many chains: a long sample with a rounding group in the middle */
    size_t n = 2000;
    double *big = random_sample(n, 0, 0);
    for (size_t i = 990; i < 1010; i++)
        big[i] = 5.0 + (double)(i - 990) * 0x1p-50;
    double *other = random_sample(n, 0, 1e16);
    check_rank_sums(big, n, -1e16, other, n);
    check_rank_sums(big, n, 0.0, other, n);
    convoy__dealloc(big);
    convoy__dealloc(other);
}

/* ------------------------------------------------------------ differences */

static void test_differences_in(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        size_t nx = 1 + below_n(30), ny = 1 + below_n(30);
        int grid = round % 2 ? 0 : 6;
        double *x = random_sample(nx, grid, 0), *y = random_sample(ny, grid, 0);
        double a = (uniform() - 0.5) * 25, b = a + uniform() * (round % 3 ? 2.0 : 0.0);
        double want[900];
        size_t nw = 0;
        for (size_t i = 0; i < nx; i++)
            for (size_t j = 0; j < ny; j++) {
                double d = x[i] - y[j];
                int seen = 0;
                for (size_t k = 0; k < nw; k++)
                    seen |= want[k] == d;
                if (d >= a && d <= b && !seen)
                    want[nw++] = d;
            }
        qsort(want, nw, sizeof *want, cmp_double);
        convoy__runs rx, ry;
        make_runs(&rx, x, nx);
        make_runs(&ry, y, ny);
        double got[900];
        size_t n = convoy__differences_in(got, 900, &rx, &ry, a, b);
        assert_int_equal(n, nw);
        for (size_t k = 0; k < n; k++)
            assert_true(got[k] == want[k]);
        /* capped */
        if (nw > 3)
            assert_int_equal(convoy__differences_in(got, 3, &rx, &ry, a, b), 4);
        /* a range that is exactly one difference */
        double d = x[0] - y[0];
        assert_int_equal(convoy__differences_in(got, 5, &rx, &ry, d, d), 1);
        assert_true(got[0] == d);
        convoy__runs_free(&rx);
        convoy__runs_free(&ry);
        convoy__dealloc(x);
        convoy__dealloc(y);
    }
}

/* ------------------------------------------------------ exact distribution */

/* f(m, n, k): arrangements with U = k, by the recursion of Mann and
 * Whitney (1947), f(m,n,k) = f(m-1,n,k-n) + f(m,n-1,k), in doubles (exact
 * below 2^53: C(48, 8) < 4e8). */
static double count_u(int m, int n, int k)
{
    if (k < 0 || k > m * n)
        return 0;
    if (m == 0 || n == 0)
        return k == 0;
    return count_u(m - 1, n, k - n) + count_u(m, n - 1, k);
}

static void test_exact_distribution(void **state)
{
    (void)state;
    for (int m = 1; m <= 8; m++) {
        for (int n = 1; n <= (m <= 4 ? 14 : 9); n++) {
            double total = 0;
            for (int k = 0; k <= m * n; k++)
                total += count_u(m, n, k);
            for (int u = (m * n + 1) / 2; u <= m * n; u++) {
                double tail = 0; /* P(U >= u) = P(U <= mn - u) */
                for (int k = 0; k <= m * n - u; k++)
                    tail += count_u(m, n, k);
                double want = fmin(1.0, 2.0 * tail / total);
                double got = convoy__mwu_exact_p((size_t)m, (size_t)n, (uint64_t)u);
                double got_swapped = convoy__mwu_exact_p((size_t)n, (size_t)m, (uint64_t)u);
                if (fabs(got - want) > 1e-15 * want || got != got_swapped)
                    fail_msg("m=%d n=%d u=%d: %.17g (swapped %.17g), counting gives %.17g", m, n,
                             u, got, got_swapped, want);
            }
        }
    }
}

static void test_exact_extremes(void **state)
{
    (void)state;
    /* U = mn: only one arrangement of C(m+n, m) is that extreme on each side */
    long double c = 1;
    for (int i = 1; i <= 8; i++)
        c = c * (5000 + i) / i;
    double want = (double)(2.0L / c);
    double got = convoy__mwu_exact_p(8, 5000, 8 * 5000);
    assert_true(fabs(got - want) <= 1e-15 * want);
    /* beyond 128 bits: C(10^6 + 8, 8) ~ 2.5e43; one in the middle gives 1 */
    assert_true(convoy__mwu_exact_p(8, 1000000, 4000000) == 1.0);
    long double c2 = 1;
    for (int i = 1; i <= 8; i++)
        c2 = c2 * (1000000 + i) / i;
    got = convoy__mwu_exact_p(8, 1000000, 8000000);
    want = (double)(2.0L / c2);
    assert_true(fabs(got - want) <= 1e-15 * want);
    /* one value against one: p = 1 */
    assert_true(convoy__mwu_exact_p(1, 1, 1) == 1.0);
}

/* ------------------------------------------------------------------ normal */

static void test_normal(void **state)
{
    (void)state;
    /* scipy.special.ndtri */
    static const double q[][2] = {
        {0.975, 1.959963984540054},
        {0.5, 0.0},
        {0.3, -0.5244005127080409},
        {0.01, -2.3263478740408408},
        {0.995, 2.5758293035489004},
        {1e-10, -6.361340902404056},
        {1e-300, -37.0470962993612},
        {0.9999999, 5.199337582290661},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        double got = convoy__normal_quantile(q[i][0]);
        if (fabs(got - q[i][1]) > 4e-16 * fmax(1.0, fabs(q[i][1])))
            fail_msg("quantile(%g) = %.17g, want %.17g", q[i][0], got, q[i][1]);
    }
    assert_true(isinf(convoy__normal_quantile(0.0)) && convoy__normal_quantile(0.0) < 0);
    assert_true(isinf(convoy__normal_quantile(1.0)) && convoy__normal_quantile(1.0) > 0);
    assert_true(isnan(convoy__normal_quantile(1.5)));
    assert_true(isnan(convoy__normal_quantile(NAN)));
    /* scipy.stats.norm.sf; cephes' erfc is off by about 2e-14 at 30 (the
     * exact value is 4.906713927148187e-198, which glibc's gives) */
    static const double sf[][2] = {
        {0.0, 0.5},
        {1.959963984540054, 0.025},
        {-1.0, 0.8413447460685429},
        {0.5, 0.3085375387259869},
        {8.0, 6.22096057427174e-16},
        {30.0, 4.906713927147908e-198},
    };
    for (size_t i = 0; i < sizeof sf / sizeof sf[0]; i++) {
        double got = convoy__normal_sf(sf[i][0]);
        if (fabs(got - sf[i][1]) > 5e-14 * sf[i][1])
            fail_msg("sf(%g) = %.17g, want %.17g", sf[i][0], got, sf[i][1]);
    }
    assert_true(convoy__normal_sf(-INFINITY) == 1.0);
    assert_true(convoy__normal_sf(INFINITY) == 0.0);
}

/* ------------------------------------------------------------------- brent */

static double cos_minus_x(double x, void *ctx)
{
    (*(int *)ctx)++;
    return cos(x) - x;
}

static double step_at_pi(double x, void *ctx)
{
    (void)ctx;
    return x < PI ? 1.0 : -2.0;
}

static double nan_after_one(double x, void *ctx)
{
    int *calls = ctx;
    return ++*calls > 1 ? NAN : x * x * x - 0.3;
}

static void test_brent(void **state)
{
    (void)state;
    int calls = 0;
    convoy__brent_result r = convoy__brent_root(cos_minus_x, &calls, 0, 1, 1, cos(1) - 1, 1e-14,
                                                100);
    assert_true(fabs(r.root - 0.7390851332151607) < 1e-13);
    assert_int_equal(r.evaluations, calls);
    assert_true(calls < 15);
    /* a step: converges on it, with the other side within the tolerance */
    r = convoy__brent_root(step_at_pi, NULL, 0, 10, 1, -2, 1e-12, 200);
    assert_true(fabs(r.root - PI) < 1e-11);
    assert_true(fabs(r.other - PI) < 1e-11);
    assert_true((r.root < PI) != (r.other < PI));
    /* a root at an end */
    r = convoy__brent_root(step_at_pi, NULL, 0, 10, 0.0, -2, 1e-12, 200);
    assert_true(r.root == 0 && r.f_root == 0 && r.evaluations == 0);
    /* NaN stops the search */
    calls = 0;
    r = convoy__brent_root(nan_after_one, &calls, 0, 1, -0.3, 0.7, 1e-12, 200);
    assert_true(isnan(r.root));
    assert_int_equal(calls, 2);
}

/* ------------------------------------------------------- shift interval */

typedef struct brute {
    const double *x, *y;
    size_t nx, ny;
} brute;

/* dz and w at mu by the definition (naive ranking). */
static void brute_stat(const brute *b, double mu, double *dz, double *w)
{
    uint64_t twice_u;
    double ties;
    naive_rank_sums(&twice_u, &ties, b->x, b->nx, mu, b->y, b->ny);
    double nx = (double)b->nx, ny = (double)b->ny, n = nx + ny;
    *dz = ((double)twice_u - nx * ny) / 2.0;
    double sigma = sqrt(nx * ny / 12.0 * ((n + 1) - ties / (n * (n - 1))));
    double corr = *dz > 0 ? 0.5 : *dz < 0 ? -0.5 : 0;
    *w = (*dz - corr) / sigma;
}

static int cmp_asc(const void *a, const void *b)
{
    return cmp_double(a, b);
}

/* The ends and estimate found by scanning every pairwise difference and
 * every gap between them. */
static void brute_interval(const brute *b, double z, double *lower, int *lower_open,
                           double *upper, int *upper_open, double *estimate)
{
    size_t k = 0, nd = b->nx * b->ny;
    double *d = malloc(nd * sizeof *d);
    for (size_t i = 0; i < b->nx; i++)
        for (size_t j = 0; j < b->ny; j++)
            d[k++] = b->x[i] - b->y[j];
    qsort(d, nd, sizeof *d, cmp_asc);
    size_t m = 0;
    for (size_t i = 0; i < nd; i++)
        if (m == 0 || d[i] != d[m - 1])
            d[m++] = d[i];
    double *dz_at = malloc(m * sizeof *dz_at), *w_at = malloc(m * sizeof *w_at);
    double *dz_gap = malloc(m * sizeof *dz_gap), *w_gap = malloc(m * sizeof *w_gap);
    for (size_t i = 0; i < m; i++) {
        brute_stat(b, d[i], &dz_at[i], &w_at[i]);
        if (i + 1 < m)
            brute_stat(b, d[i] + (d[i + 1] - d[i]) / 2, &dz_gap[i], &w_gap[i]);
    }
    /* lower: the first jump where w falls to z or below */
    *lower = d[m - 1];
    *lower_open = w_at[m - 1] > z;
    for (size_t i = 0; i < m; i++)
        if (w_at[i] <= z || (i + 1 < m && w_gap[i] <= z)) {
            *lower = d[i];
            *lower_open = w_at[i] > z;
            break;
        }
    *upper = d[0];
    *upper_open = w_at[0] < -z;
    for (size_t i = m; i-- > 0;)
        if (w_at[i] >= -z || (i > 0 && w_gap[i - 1] >= -z)) {
            *upper = d[i];
            *upper_open = w_at[i] < -z;
            break;
        }
    double first = d[m - 1], last = d[0];
    for (size_t i = 0; i < m; i++)
        if (dz_at[i] <= 0.5 || (i + 1 < m && dz_gap[i] <= 0.5)) {
            first = d[i];
            break;
        }
    for (size_t i = m; i-- > 0;)
        if (dz_at[i] >= -0.5 || (i > 0 && dz_gap[i - 1] >= -0.5)) {
            last = d[i];
            break;
        }
    *estimate = first + (last - first) / 2;
    free(d);
    free(dz_at);
    free(w_at);
    free(dz_gap);
    free(w_gap);
}

static void test_interval_against_brute_force(void **state)
{
    (void)state;
    int checked = 0;
    for (int round = 0; round < 120; round++) {
        size_t nx = 2 + below_n(25), ny = 2 + below_n(25);
        int grid = round % 3 == 2 ? (int)(3 + below_n(8)) : 0;
        double shift = (double)below_n(4) - 1.0;
        double *x = random_sample(nx, grid, grid ? shift : shift * 2), *y = random_sample(ny, grid, 0);
        convoy__runs rx, ry;
        make_runs(&rx, x, nx);
        make_runs(&ry, y, ny);
        if (rx.count == 1 && ry.count == 1)
            goto next; /* sigma 0: the judge stops before */
        double conf = round % 2 ? 0.95 : 0.9;
        double z = convoy__normal_quantile(1 - (1 - conf) / 2);
        convoy__shift_interval ci;
        assert_int_equal(convoy__shift_interval_find(&ci, &rx, &ry, conf), 0);
        brute b = {x, y, nx, ny};
        double lower, upper, estimate;
        int lower_open, upper_open;
        brute_interval(&b, z, &lower, &lower_open, &upper, &upper_open, &estimate);
        if (ci.lower != lower || ci.upper != upper || ci.estimate != estimate ||
            ci.lower_open != lower_open || ci.upper_open != upper_open)
            fail_msg("round %d (nx=%zu ny=%zu grid=%d): %s%.17g, %.17g%s est %.17g; brute force "
                     "%s%.17g, %.17g%s est %.17g",
                     round, nx, ny, grid, ci.lower_open ? "(" : "[", ci.lower, ci.upper,
                     ci.upper_open ? ")" : "]", ci.estimate, lower_open ? "(" : "[", lower, upper,
                     upper_open ? ")" : "]", estimate);
        checked++;
    next:
        convoy__runs_free(&rx);
        convoy__runs_free(&ry);
        convoy__dealloc(x);
        convoy__dealloc(y);
    }
    assert_true(checked > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_rank_sums_against_naive),
        cmocka_unit_test(test_rank_sums_rounding_ties),
        cmocka_unit_test(test_differences_in),
        cmocka_unit_test(test_exact_distribution),
        cmocka_unit_test(test_exact_extremes),
        cmocka_unit_test(test_normal),
        cmocka_unit_test(test_brent),
        cmocka_unit_test(test_interval_against_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
