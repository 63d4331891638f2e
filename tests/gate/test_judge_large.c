/*
 * test_judge_large - convoy_judge with 10 million values per side: it must
 * finish in seconds and use O(n) memory. Prints the time and the peak
 * resident memory beyond the caller's own arrays (about 15 bytes per
 * value: the sorted copies, their run counts, one radix-sort buffer).
 * Measured: 2.2-2.7 s and 16 bytes per value (-O2, one core of a 2-core VM).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include <convoy/convoy.h>

#define PER_SIDE 10000000u

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static long peak_kib(void)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return r.ru_maxrss; /* KiB on Linux */
}

static uint64_t rng = 0x853C49E6748FEA9Bu;
static double uniform(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 0x2545F4914F6CDD1Du) >> 11) * (1.0 / 9007199254740992.0);
}

static void test_ten_million_per_side(void **state)
{
    (void)state;
    size_t n = PER_SIDE;
    double *e = malloc(n * sizeof *e), *c = malloc(n * sizeof *c);
    assert_non_null(e);
    assert_non_null(c);
    /* all values distinct (the most runs, the most memory); the canary is
     * 0.05 slower */
    for (size_t i = 0; i < n; i++) {
        e[i] = 100 + 20 * uniform() + 0.05;
        c[i] = 100 + 20 * uniform();
    }
    long before = peak_kib();
    double t0 = seconds();
    convoy_judgement *j = NULL;
    assert_int_equal(convoy_judge(&j, e, n, c, n, NULL), CONVOY_OK);
    double elapsed = seconds() - t0;
    long extra_kib = peak_kib() - before;
    printf("judge, %zu values per side: %.2f s, peak memory beyond the inputs %.0f MiB "
           "(%.1f bytes per value)\n%s\n",
           n, elapsed, extra_kib / 1024.0, extra_kib * 1024.0 / (2.0 * n),
           convoy_judgement_explain(j));
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_HIGH);
    double lo = convoy_judgement_ci_lower(j), hi = convoy_judgement_ci_upper(j);
    assert_true(lo > 0.0 && lo < 0.05 && hi > 0.05 && hi < 0.1);
    assert_true(convoy_judgement_p_value(j) < 1e-6);
    /* O(n): well under 40 bytes per value (two copies are 16) */
    assert_true(extra_kib * 1024.0 < 40.0 * 2 * n);
    convoy_judgement_free(j);
    free(e);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ten_million_per_side),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
