/*
 * test_mann_whitney - convoy_mann_whitney against scipy 1.10's
 * mannwhitneyu(x, y) (values below computed with it), the exact
 * distribution against the classic counting recursion, and the contract
 * for invalid input. tests/gate/scipy_reference.py compares hundreds of
 * random cases as well.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <convoy/convoy.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect(const double *x, size_t nx, const double *y, size_t ny, double want_u,
                   double want_p, int want_method)
{
    double u = -1, p = -1;
    int method = 0;
    int rc = convoy_mann_whitney(&u, &p, &method, x, nx, y, ny);
    if (rc != CONVOY_OK)
        fail_msg("convoy_mann_whitney failed: %s", convoy_error_message(convoy_error_last()));
    if (u != want_u)
        fail_msg("U = %.17g, scipy %.17g", u, want_u);
    if (!(fabs(p - want_p) <= 1e-13 * want_p))
        fail_msg("p = %.17g, scipy %.17g", p, want_p);
    assert_int_equal(method, want_method);
}

/* REFERENCE.md 7 and scipy's docstring example. scipy's default method is
 * "auto", which is exact here (n <= 8, no ties): p = 1/9. The
 * 0.11134688653314041 of REFERENCE.md is method="asymptotic". */
static void test_reference_vector(void **state)
{
    (void)state;
    const double x[] = {19, 22, 16, 29, 24}, y[] = {20, 11, 17, 12};
    expect(x, 5, y, 4, 17.0, 0.1111111111111111, CONVOY_MWU_EXACT);
    /* the other way round: U2 = 20 - 17, same two-sided p */
    expect(y, 4, x, 5, 3.0, 0.1111111111111111, CONVOY_MWU_EXACT);
    /* method_out may be NULL */
    double u, p;
    assert_int_equal(convoy_mann_whitney(&u, &p, NULL, x, 5, y, 4), CONVOY_OK);
    assert_true(u == 17.0);
}

static void test_ties_use_normal_approximation(void **state)
{
    (void)state;
    const double a[] = {1, 2, 2, 3, 3, 3, 4}, b[] = {2, 3, 3, 4, 4, 5, 5, 5, 6};
    expect(a, N(a), b, N(b), 11.0, 0.03010798749066228, CONVOY_MWU_ASYMPTOTIC);
    const double c[] = {1, 1, 1, 2}, d[] = {1, 2, 2, 2, 3};
    expect(c, N(c), d, N(d), 4.0, 0.1399962843155412, CONVOY_MWU_ASYMPTOTIC);
    /* -0.0 and 0.0 are one value: a tie */
    const double e[] = {0.0, 1, 2}, f[] = {-0.0, 3, 4};
    expect(e, N(e), f, N(f), 2.5, 0.5065551690490403, CONVOY_MWU_ASYMPTOTIC);
    /* everything tied: U = nx ny / 2, p = 1 */
    double g[10], h[12];
    for (size_t i = 0; i < 10; i++)
        g[i] = 5;
    for (size_t i = 0; i < 12; i++)
        h[i] = 5;
    expect(g, 10, h, 12, 60.0, 1.0, CONVOY_MWU_ASYMPTOTIC);
}

static void test_large_samples_without_ties(void **state)
{
    (void)state;
    double x[20], y[20];
    for (int i = 0; i < 20; i++) {
        x[i] = i + 1;
        y[i] = i + 5.5;
    }
    expect(x, 20, y, 20, 120.0, 0.03151710207456157, CONVOY_MWU_ASYMPTOTIC);
}

static void test_exact_small(void **state)
{
    (void)state;
    const double one[] = {3.5}, ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    expect(one, 1, ten, 10, 3.0, 0.7272727272727273, CONVOY_MWU_EXACT);
    const double a[] = {1.0}, b[] = {2.0};
    expect(a, 1, b, 1, 0.0, 1.0, CONVOY_MWU_EXACT);
    /* infinities rank as the extreme values they are (scipy agrees while
     * the sample does not hold both +Inf and -Inf) */
    const double c[] = {INFINITY, 1, 2}, d[] = {3, 4, 5};
    expect(c, 3, d, 3, 3.0, 0.7, CONVOY_MWU_EXACT);
}

/* f(m, n, k) by the recursion f(m,n,k) = f(m-1,n,k-n) + f(m,n-1,k). */
static double count_u(int m, int n, int k)
{
    if (k < 0 || k > m * n)
        return 0;
    if (m == 0 || n == 0)
        return k == 0;
    return count_u(m - 1, n, k - n) + count_u(m, n - 1, k);
}

static uint64_t state64 = 42;
static double uniform(void)
{
    state64 = state64 * 6364136223846793005u + 1442695040888963407u;
    return (double)(state64 >> 11) * (1.0 / 9007199254740992.0);
}

static void test_exact_against_counting(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        int m = 1 + (int)(uniform() * 8), n = 1 + (int)(uniform() * 12);
        double x[8], y[12];
        for (int i = 0; i < m; i++)
            x[i] = uniform() + (round % 3) * 0.3;
        for (int j = 0; j < n; j++)
            y[j] = uniform();
        double u, p;
        int method;
        assert_int_equal(convoy_mann_whitney(&u, &p, &method, x, (size_t)m, y, (size_t)n), 0);
        assert_int_equal(method, CONVOY_MWU_EXACT);
        /* U1 by definition, then p = 2 P(U >= max(U1, U2)) */
        int u1 = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                u1 += x[i] > y[j];
        assert_true(u == u1);
        int big = u1 > m * n - u1 ? u1 : m * n - u1;
        double tail = 0, total = 0;
        for (int k = 0; k <= m * n; k++) {
            total += count_u(m, n, k);
            if (k <= m * n - big)
                tail += count_u(m, n, k);
        }
        double want = fmin(1.0, 2 * tail / total);
        if (fabs(p - want) > 1e-15 * want)
            fail_msg("m=%d n=%d U=%d: p %.17g, counting %.17g", m, n, u1, p, want);
    }
}

static void test_exact_large_other_side(void **state)
{
    (void)state;
    /* 8 values below 5,000 others: U = 0, p = 2 / C(5008, 8) */
    double x[8], *y = malloc(5000 * sizeof *y);
    for (int i = 0; i < 8; i++)
        x[i] = i;
    for (int j = 0; j < 5000; j++)
        y[j] = 100 + j;
    long double c = 1;
    for (int i = 1; i <= 8; i++)
        c = c * (5000 + i) / i;
    double u, p;
    int method;
    assert_int_equal(convoy_mann_whitney(&u, &p, &method, x, 8, y, 5000), 0);
    assert_true(u == 0);
    assert_int_equal(method, CONVOY_MWU_EXACT);
    double want = (double)(2.0L / c);
    assert_true(fabs(p - want) <= 1e-15 * want);
    free(y);
}

static void test_inputs_unchanged(void **state)
{
    (void)state;
    double x[] = {5, -0.0, 3, 1}, y[] = {2, 4, 0.5};
    const double x0[] = {5, -0.0, 3, 1}, y0[] = {2, 4, 0.5};
    double u, p;
    assert_int_equal(convoy_mann_whitney(&u, &p, NULL, x, 4, y, 3), 0);
    assert_memory_equal(x, x0, sizeof x);
    assert_memory_equal(y, y0, sizeof y);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3}, y[] = {4, 5}, with_nan[] = {1, NAN, 3};
    double u = 7, p = 7;
    int method;
    assert_int_equal(convoy_mann_whitney(NULL, &p, &method, x, 3, y, 2), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_mann_whitney(&u, NULL, &method, x, 3, y, 2), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_mann_whitney(&u, &p, &method, x, 0, y, 2), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_mann_whitney(&u, &p, &method, x, 3, y, 0), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_mann_whitney(&u, &p, &method, NULL, 3, y, 2), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_mann_whitney(&u, &p, &method, x, 3, NULL, 2), CONVOY_E_INVALID_ARG);
    int rc = convoy_mann_whitney(&u, &p, &method, with_nan, 3, y, 2);
    assert_int_equal(rc, CONVOY_E_INVALID_ARG);
    const convoy_error *e = convoy_error_last();
    assert_int_equal(convoy_error_code(e), CONVOY_E_INVALID_ARG);
    assert_non_null(strstr(convoy_error_message(e), "x[1] is NaN"));
    assert_int_equal(convoy_mann_whitney(&u, &p, &method, y, 2, with_nan, 3),
                     CONVOY_E_INVALID_ARG);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), "y[1]"));
    assert_true(u == 7 && p == 7); /* untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_vector),
        cmocka_unit_test(test_ties_use_normal_approximation),
        cmocka_unit_test(test_large_samples_without_ties),
        cmocka_unit_test(test_exact_small),
        cmocka_unit_test(test_exact_against_counting),
        cmocka_unit_test(test_exact_large_other_side),
        cmocka_unit_test(test_inputs_unchanged),
        cmocka_unit_test(test_invalid_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
