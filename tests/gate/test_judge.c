/*
 * test_judge - the canary judge (REFERENCE.md 3): the published vectors,
 * missing data, NaN strategies, identical and constant samples,
 * infinities, outliers, effect sizes (mean ratio, CLES), directions,
 * critical flags, tied and zero-heavy data, large samples, options and the
 * NULL-safety of the getters.
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

static convoy_judge_options options(double tolerance, double confidence)
{
    convoy_judge_options o;
    assert_int_equal(convoy_judge_options_init(&o, CONVOY_JUDGE_OPTIONS_VERSION), CONVOY_OK);
    o.tolerance = tolerance;
    o.confidence = confidence;
    return o;
}

static convoy_judgement *judge(const double *e, size_t ne, const double *c, size_t nc,
                               const convoy_judge_options *o)
{
    convoy_judgement *j = NULL;
    int rc = convoy_judge(&j, e, ne, c, nc, o);
    if (rc != CONVOY_OK)
        fail_msg("convoy_judge: %s", convoy_error_message(convoy_error_last()));
    assert_non_null(j);
    const char *explain = convoy_judgement_explain(j);
    assert_non_null(explain);
    assert_int_equal(strncmp(explain, "experiment n=", 13), 0);
    assert_non_null(strstr(explain, " -> "));
    return j;
}

/* The classification (and critical flag) of one judgement. */
static void expect_class(const double *e, size_t ne, const double *c, size_t nc,
                         const convoy_judge_options *o, int want, int want_critical)
{
    convoy_judgement *j = judge(e, ne, c, nc, o);
    if (convoy_judgement_class(j) != want || convoy_judgement_critical(j) != want_critical)
        fail_msg("%s (critical %d); wanted %s (critical %d)", convoy_judgement_explain(j),
                 convoy_judgement_critical(j), convoy_class_name(want), want_critical);
    convoy_judgement_free(j);
}

static void expect_in_explain(const convoy_judgement *j, const char *text)
{
    if (!strstr(convoy_judgement_explain(j), text))
        fail_msg("\"%s\" not in \"%s\"", text, convoy_judgement_explain(j));
}

/* Reproducible samples: uniform and roughly normal (sum of 12 uniforms). */
static uint64_t rng = 0x243F6A8885A308D3u;
static double uniform(void)
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 0x2545F4914F6CDD1Du) >> 11) * (1.0 / 9007199254740992.0);
}
static double normal(double mean, double sd)
{
    double s = -6;
    for (int i = 0; i < 12; i++)
        s += uniform();
    return mean + sd * s;
}
static double *normal_sample(size_t n, double mean, double sd)
{
    double *v = malloc(n * sizeof *v);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = normal(mean, sd);
    return v;
}

/* ------------------------------------------------------------ published */

static void test_published_interval(void **state)
{
    (void)state;
    const double e[] = {10, 20, 30, 40}, c[] = {1, 2, 3, 4};
    convoy_judge_options o = options(0.25, 0.95);
    convoy_judgement *j = judge(e, 4, c, 4, &o);
    assert_true(fabs(convoy_judgement_ci_lower(j) - 6.0) <= 1e-6);
    assert_true(fabs(convoy_judgement_ci_upper(j) - 39.0) <= 1e-6);
    /* the roots sit exactly on the jumps of the statistic */
    assert_true(convoy_judgement_ci_lower(j) == 6.0);
    assert_true(convoy_judgement_ci_upper(j) == 39.0);
    assert_true(convoy_judgement_estimate(j) == 22.5);
    assert_true(convoy_judgement_effect_size(j) == 10.0);
    assert_true(convoy_judgement_u(j) == 16.0);
    assert_true(fabs(convoy_judgement_p_value(j) - 0.028571428571428571) < 1e-15);
    /* 6 > 0.25 x 22.5 */
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_HIGH);
    assert_int_equal(convoy_judgement_critical(j), 0);
    expect_in_explain(j, "experiment n=4 mean 25 vs control n=4 mean 2.5, 95% CI (6, 39), "
                         "estimate 22.5, mean ratio 10");
    convoy_judgement_free(j);
}

static void test_published_pass(void **state)
{
    (void)state;
    const double e[] = {10, 12.2, 10.1, 12.5, 23}, c[] = {20, 22, 21, 25, 30};
    convoy_judge_options o = options(0.10, 0.95);
    o.allowed_decrease = 0.5; /* Kayenta's effectSizeThresholds (0.5, 1.0) */
    o.allowed_increase = 1.0;
    convoy_judgement *j = judge(e, 5, c, 5, &o);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_PASS);
    /* the 95% interval reaches above 0: the pairwise differences are
     * -20 .. 3, and w(1) = -1.99 < -z already */
    assert_true(fabs(convoy_judgement_ci_lower(j) - -17.8) < 1e-12);
    assert_true(convoy_judgement_ci_upper(j) == 1.0);
    assert_true(fabs(convoy_judgement_estimate(j) - -10.4) < 1e-12);
    assert_true(fabs(convoy_judgement_effect_size(j) - 13.56 / 23.6) < 1e-12);
    convoy_judgement_free(j);
    /* and with the default effect limits too */
    convoy_judge_options d = options(0.10, 0.95);
    expect_class(e, 5, c, 5, &d, CONVOY_CLASS_PASS, 0);
}

static void test_empty_experiment_is_nodata(void **state)
{
    (void)state;
    const double c[] = {1, 2, 3, 4, 5};
    convoy_judgement *j = judge(NULL, 0, c, 5, NULL);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_NODATA);
    assert_true(isnan(convoy_judgement_u(j)) && isnan(convoy_judgement_p_value(j)));
    assert_true(isnan(convoy_judgement_ci_lower(j)) && isnan(convoy_judgement_ci_upper(j)));
    assert_true(isnan(convoy_judgement_estimate(j)) && isnan(convoy_judgement_effect_size(j)));
    expect_in_explain(j, "experiment n=0 vs control n=5 mean 3: no data -> Nodata");
    convoy_judgement_free(j);
    expect_class(c, 5, NULL, 0, NULL, CONVOY_CLASS_NODATA, 0);
    expect_class(NULL, 0, NULL, 0, NULL, CONVOY_CLASS_NODATA, 0);
}

/* ------------------------------------------------------------- no data */

static void test_missing_data_variants(void **state)
{
    (void)state;
    const double c[] = {1, 2, 3, 4, 5}, nans[] = {NAN, NAN, NAN};
    convoy_judge_options o = options(0.25, 0.95);
    o.must_have_data = 1;
    expect_class(NULL, 0, c, 5, &o, CONVOY_CLASS_NODATA_FAIL, 0);
    expect_class(nans, 3, c, 5, &o, CONVOY_CLASS_NODATA_FAIL, 0);
    o.critical = 1; /* a critical metric stays Nodata (the scorer fails it) */
    expect_class(NULL, 0, c, 5, &o, CONVOY_CLASS_NODATA, 0);
    /* all NaN, removed: no data, and the explanation says why */
    convoy_judgement *j = judge(nans, 3, c, 5, NULL);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_NODATA);
    expect_in_explain(j, "experiment n=0 (3 NaN removed)");
    convoy_judgement_free(j);
    /* replace: an empty sample passes; NaN become zeros */
    convoy_judge_options r = options(0.25, 0.95);
    r.nan_strategy = CONVOY_NAN_REPLACE;
    expect_class(NULL, 0, c, 5, &r, CONVOY_CLASS_PASS, 0);
    const double zeros[] = {0, 0, 0};
    expect_class(nans, 3, zeros, 3, &r, CONVOY_CLASS_PASS, 0); /* identical after replacing */
    j = judge(nans, 3, c, 5, &r);
    expect_in_explain(j, "experiment n=3 (3 NaN replaced by 0) mean 0");
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_LOW);
    convoy_judgement_free(j);
    /* NaN mixed in: removed, the rest judged */
    const double mixed[] = {10, NAN, 20, 30, NAN, 40}, four[] = {1, 2, 3, 4};
    j = judge(mixed, 6, four, 4, NULL);
    assert_true(convoy_judgement_estimate(j) == 22.5);
    expect_in_explain(j, "experiment n=4 (2 NaN removed) mean 25");
    convoy_judgement_free(j);
}

/* ------------------------------------------------ identical, constant */

static void test_identical_and_single_value(void **state)
{
    (void)state;
    const double a[] = {1, 2, 3, 4, 5}, b[] = {5, 4, 3, 2, 1};
    convoy_judgement *j = judge(a, 5, b, 5, NULL);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_PASS);
    expect_in_explain(j, "identical samples");
    assert_true(convoy_judgement_p_value(j) == 1.0);
    assert_true(isnan(convoy_judgement_ci_lower(j)));
    convoy_judgement_free(j);
    const double ones3[] = {1, 1, 1}, ones2[] = {1, 1};
    j = judge(ones3, 3, ones2, 2, NULL);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_PASS);
    expect_in_explain(j, "a single value in both samples");
    convoy_judgement_free(j);
    /* -0.0 and 0.0 are the same value */
    const double z1[] = {0.0, 0.0}, z2[] = {-0.0, 0.0};
    expect_class(z1, 2, z2, 2, NULL, CONVOY_CLASS_PASS, 0);
    /* Inf in both, identical: still identical */
    const double inf[] = {INFINITY};
    expect_class(inf, 1, inf, 1, NULL, CONVOY_CLASS_PASS, 0);
}

static void test_mostly_tied_samples_pass(void **state)
{
    (void)state;
    convoy_judge_options o = options(0.10, 0.95);
    const double majority[] = {1, 1, 1, 1, 10}, ones[] = {1, 1, 1, 1, 1};
    expect_class(majority, 5, ones, 5, &o, CONVOY_CLASS_PASS, 0);
    const double leading_zero[] = {0, 1, 1, 1, 1};
    o.direction = CONVOY_DIRECTION_DECREASE;
    expect_class(leading_zero, 5, ones, 5, &o, CONVOY_CLASS_PASS, 0);
}

static void test_no_interval_is_error(void **state)
{
    (void)state;
    /* each sample constant, different: every value ties at mu = 9, sigma
     * is 0 (R: "cannot compute confidence interval when all observations
     * are tied") */
    const double tens[] = {10, 10, 10, 10, 10}, ones[] = {1, 1, 1, 1, 1};
    convoy_judgement *j = judge(tens, 5, ones, 5, NULL);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_ERROR);
    expect_in_explain(j, "sigma 0");
    assert_true(isnan(convoy_judgement_ci_lower(j)));
    assert_true(convoy_judgement_u(j) == 25.0); /* U and p are still computed */
    convoy_judgement_free(j);
    const double three[] = {3}, one[] = {1};
    expect_class(three, 1, one, 1, NULL, CONVOY_CLASS_ERROR, 0);
    /* infinities */
    const double with_inf[] = {1, 2, INFINITY}, plain[] = {1, 2, 3};
    j = judge(with_inf, 3, plain, 3, NULL);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_ERROR);
    expect_in_explain(j, "infinite");
    convoy_judgement_free(j);
    const double with_minf[] = {-INFINITY, 2, 3};
    expect_class(plain, 3, with_minf, 3, NULL, CONVOY_CLASS_ERROR, 0);
    /* the search range overflows */
    const double huge[] = {1e308, 1.5e308}, tiny[] = {-1e308, -1.7e308};
    expect_class(huge, 2, tiny, 2, NULL, CONVOY_CLASS_ERROR, 0);
}

/* ------------------------------------------------------- classification */

static void test_directions(void **state)
{
    (void)state;
    double *high = normal_sample(30, 20, 2), *base = normal_sample(30, 10, 2);
    convoy_judge_options o = options(0.10, 0.95);
    expect_class(high, 30, base, 30, &o, CONVOY_CLASS_HIGH, 0);
    expect_class(base, 30, high, 30, &o, CONVOY_CLASS_LOW, 0);
    o.direction = CONVOY_DIRECTION_INCREASE;
    expect_class(high, 30, base, 30, &o, CONVOY_CLASS_HIGH, 0);
    expect_class(base, 30, high, 30, &o, CONVOY_CLASS_PASS, 0);
    o.direction = CONVOY_DIRECTION_DECREASE;
    expect_class(high, 30, base, 30, &o, CONVOY_CLASS_PASS, 0);
    expect_class(base, 30, high, 30, &o, CONVOY_CLASS_LOW, 0);
    /* the same population: Pass */
    double *same = normal_sample(30, 10, 2);
    o.direction = CONVOY_DIRECTION_EITHER;
    expect_class(same, 30, base, 30, &o, CONVOY_CLASS_PASS, 0);
    free(high);
    free(base);
    free(same);
}

static void test_tolerance_band(void **state)
{
    (void)state;
    /* estimate 22.5, lower end 6 (open): High while 6 >= tolerance x 22.5 */
    const double e[] = {10, 20, 30, 40}, c[] = {1, 2, 3, 4};
    convoy_judge_options o = options(0.26, 0.95);
    expect_class(e, 4, c, 4, &o, CONVOY_CLASS_HIGH, 0);
    o.tolerance = 0.27; /* 0.27 x 22.5 = 6.075 > 6 */
    expect_class(e, 4, c, 4, &o, CONVOY_CLASS_PASS, 0);
    o.tolerance = 0.0;
    expect_class(e, 4, c, 4, &o, CONVOY_CLASS_HIGH, 0);
    /* 99%: w never reaches z = 2.58 inside the range, so the interval is
     * the whole range [min(x) - max(y), max(x) - min(y)], ends included */
    o = options(0.25, 0.99);
    convoy_judgement *j = judge(e, 4, c, 4, &o);
    assert_true(convoy_judgement_ci_lower(j) == 6.0 && convoy_judgement_ci_upper(j) == 39.0);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_HIGH);
    expect_in_explain(j, "99% CI [6, 39]");
    convoy_judgement_free(j);
    o.tolerance = 0.27;
    expect_class(e, 4, c, 4, &o, CONVOY_CLASS_PASS, 0);
}

static void test_mean_ratio_limits(void **state)
{
    (void)state;
    const double e[] = {20, 22, 21, 25, 30}, c[] = {1, 2.2, 1.1, 2.5, 3};
    convoy_judge_options o = options(0.10, 0.95);
    o.allowed_decrease = 0.8;
    o.allowed_increase = 1.2;
    expect_class(e, 5, c, 5, &o, CONVOY_CLASS_HIGH, 0);
    o.allowed_increase = 13.0; /* the ratio is 118/9.8 = 12.04 */
    expect_class(e, 5, c, 5, &o, CONVOY_CLASS_PASS, 0);
    o.allowed_increase = 12.0;
    expect_class(e, 5, c, 5, &o, CONVOY_CLASS_HIGH, 0);
    /* Low needs the ratio at or below allowed_decrease */
    o = options(0.10, 0.95);
    o.allowed_decrease = 0.05;
    expect_class(c, 5, e, 5, &o, CONVOY_CLASS_PASS, 0);
    o.allowed_decrease = 0.1;
    expect_class(c, 5, e, 5, &o, CONVOY_CLASS_LOW, 0);
}

static void test_zero_means(void **state)
{
    (void)state;
    const double e[] = {54.9, 54.5, 55.1, 55.6, 57.4}, zeros[] = {0, 0, 0, 0, 0};
    convoy_judge_options o = options(0.10, 0.95);
    o.allowed_decrease = 0.8;
    o.allowed_increase = 1.2;
    convoy_judgement *j = judge(e, 5, zeros, 5, &o);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_HIGH);
    assert_true(isnan(convoy_judgement_effect_size(j))); /* a mean is 0: no ratio */
    convoy_judgement_free(j);
    expect_class(zeros, 5, e, 5, &o, CONVOY_CLASS_LOW, 0);
}

static void test_critical_flags(void **state)
{
    (void)state;
    const double e[] = {20, 22, 21, 25, 30}, c[] = {1, 2.2, 1.1, 2.5, 3};
    convoy_judge_options o = options(0.10, 0.95);
    o.critical = 1;
    expect_class(e, 5, c, 5, &o, CONVOY_CLASS_HIGH, 1); /* default limit 1.0 */
    o.critical_decrease = 1.0;
    o.critical_increase = 13.0; /* ratio 12.04 is below it */
    o.allowed_increase = 5.0;
    expect_class(e, 5, c, 5, &o, CONVOY_CLASS_HIGH, 0);
    o.allowed_increase = 13.0;
    o.critical_increase = 15.0;
    expect_class(e, 5, c, 5, &o, CONVOY_CLASS_PASS, 0);
    /* not a critical metric: never flagged */
    o = options(0.10, 0.95);
    expect_class(e, 5, c, 5, &o, CONVOY_CLASS_HIGH, 0);
    /* critical Low */
    const double low[] = {2, 2, 2, 2, 3}, ctl[] = {10, 20.2, 10.1, 20.5, 30};
    o.critical = 1;
    o.critical_decrease = 1.2;
    o.critical_increase = 1.0;
    convoy_judgement *j = judge(low, 5, ctl, 5, &o);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_LOW);
    assert_int_equal(convoy_judgement_critical(j), 1);
    expect_in_explain(j, "-> Low (critical)");
    convoy_judgement_free(j);
    /* an undefined effect (control mean 0) flags a critical High */
    const double small[] = {0.05, 0.05, 0.0167, 0.0167, 0.0167, 0.05, 0.0333, 0.05, 0.05, 0.133};
    const double zeros[10] = {0};
    o = options(0.10, 0.95);
    o.critical = 1;
    o.critical_decrease = 0.8;
    o.critical_increase = 1.2;
    o.nan_strategy = CONVOY_NAN_REPLACE;
    expect_class(small, 10, zeros, 10, &o, CONVOY_CLASS_HIGH, 1);
}

static void test_cles(void **state)
{
    (void)state;
    double *high = normal_sample(60, 0.005, 0.001), *base = normal_sample(60, 0.0005, 0.0002);
    convoy_judge_options o = options(0.20, 0.98);
    o.effect = CONVOY_EFFECT_CLES;
    o.allowed_decrease = 0.2;
    o.allowed_increase = 0.8;
    convoy_judgement *j = judge(high, 60, base, 60, &o);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_HIGH);
    /* CLES = U / (nx ny) = P(X > Y) + P(X = Y)/2 */
    assert_true(convoy_judgement_effect_size(j) == convoy_judgement_u(j) / 3600.0);
    assert_true(convoy_judgement_effect_size(j) > 0.99);
    expect_in_explain(j, "CLES");
    convoy_judgement_free(j);
    expect_class(base, 60, high, 60, &o, CONVOY_CLASS_LOW, 0);
    /* a CLES limit out of reach keeps it Pass */
    o.allowed_increase = 1.01;
    expect_class(high, 60, base, 60, &o, CONVOY_CLASS_PASS, 0);
    /* negative limits mean 0.5 for CLES: any shift in the direction counts */
    o.allowed_increase = -1;
    expect_class(high, 60, base, 60, &o, CONVOY_CLASS_HIGH, 0);
    /* ties count half */
    const double a[] = {1, 2, 3}, b[] = {2, 3, 4, 5};
    j = judge(a, 3, b, 4, &o);
    assert_true(convoy_judgement_effect_size(j) == 2.0 / 12.0);
    convoy_judgement_free(j);
    free(high);
    free(base);
}

/* Kayenta's "High Metric (Large Input)" situation: error rates that are
 * mostly 0, more often non-zero in the canary. Most pairwise differences
 * are exactly 0, so w jumps over the whole band [-z, z] at mu = 0: the
 * interval is the single point 0, but open at its lower end (w(0) > z):
 * every shift in the confidence set is positive. */
static void test_zero_heavy_ties(void **state)
{
    (void)state;
    double e[210], c[210];
    for (int i = 0; i < 210; i++) {
        e[i] = i % 10 < 3 ? 1.25 + (i % 7) * 0.5 : 0.0;
        c[i] = i % 12 == 0 ? 1.4 + (i % 5) * 0.4 : 0.0;
    }
    convoy_judge_options o = options(0.10, 0.95);
    convoy_judgement *j = judge(e, 210, c, 210, &o);
    assert_true(convoy_judgement_ci_lower(j) == 0.0);
    assert_true(convoy_judgement_estimate(j) == 0.0);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_HIGH);
    expect_in_explain(j, "CI (0, ");
    convoy_judgement_free(j);
    /* the same data the other way round: Low */
    expect_class(c, 210, e, 210, &o, CONVOY_CLASS_LOW, 0);
    /* and against itself shifted by one sample: mostly identical, Pass */
    expect_class(e, 200, e + 10, 200, &o, CONVOY_CLASS_PASS, 0);
}

static void test_outliers(void **state)
{
    (void)state;
    /* 1..100 and one more value x > 100, 101 values: Q1 = 26, Q3 = 76
     * (R type 7), IQR 50; the fences are min(P1, Q1 - 3 IQR) = -124 and
     * max(P99, Q3 + 3 IQR) = 226 */
    double e[101], c[100];
    for (int i = 0; i < 100; i++)
        e[i] = c[i] = i + 1;
    convoy_judge_options o = options(0.25, 0.95);
    o.remove_outliers = 1;
    e[100] = 226.0; /* on the fence: kept */
    convoy_judgement *j = judge(e, 101, c, 100, &o);
    assert_null(strstr(convoy_judgement_explain(j), "outlier"));
    expect_in_explain(j, "experiment n=101 mean");
    convoy_judgement_free(j);
    e[100] = 226.5; /* beyond: removed */
    j = judge(e, 101, c, 100, &o);
    expect_in_explain(j, "experiment n=100 (1 outlier removed) mean 50.5");
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_PASS);
    expect_in_explain(j, "identical samples");
    convoy_judgement_free(j);
    /* below the lower fence (a low extra value moves the quartiles to 25
     * and 75: fences -125 and 225) */
    e[100] = -125.5;
    j = judge(e, 101, c, 100, &o);
    expect_in_explain(j, "(1 outlier removed)");
    convoy_judgement_free(j);
    e[100] = -125.0;
    j = judge(e, 101, c, 100, &o);
    assert_null(strstr(convoy_judgement_explain(j), "outlier"));
    convoy_judgement_free(j);
    /* a huge outlier moves the mean ratio, not the ranks */
    e[100] = 1e9;
    o.remove_outliers = 0;
    j = judge(e, 101, c, 100, &o);
    assert_true(convoy_judgement_effect_size(j) > 1000);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_PASS);
    convoy_judgement_free(j);
    o.remove_outliers = 1;
    j = judge(e, 101, c, 100, &o);
    assert_true(convoy_judgement_effect_size(j) == 1.0);
    convoy_judgement_free(j);
    /* the control is cleaned too, and NaN go first */
    double c2[101];
    memcpy(c2, c, sizeof c);
    c2[100] = -1e9;
    e[100] = NAN;
    j = judge(e, 101, c2, 101, &o);
    expect_in_explain(j, "experiment n=100 (1 NaN removed) mean 50.5 vs control n=100 (1 "
                         "outlier removed) mean 50.5: identical samples, mean ratio 1, U 5000 p 1 -> "
                         "Pass");
    convoy_judgement_free(j);
}

static void test_large_samples(void **state)
{
    (void)state;
    size_t n = 200000;
    double *e = normal_sample(n, 100.3, 10), *c = normal_sample(n, 100, 10);
    convoy_judgement *j = judge(e, n, c, n, NULL);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_HIGH);
    double lo = convoy_judgement_ci_lower(j), hi = convoy_judgement_ci_upper(j),
           est = convoy_judgement_estimate(j);
    assert_true(lo < est && est < hi);
    assert_true(lo > 0.1 && hi < 0.5);
    /* U and p are convoy_mann_whitney's */
    double u, p;
    assert_int_equal(convoy_mann_whitney(&u, &p, NULL, e, n, c, n), 0);
    assert_true(convoy_judgement_u(j) == u);
    assert_true(convoy_judgement_p_value(j) == p);
    convoy_judgement_free(j);
    free(e);
    free(c);
}

/* ------------------------------------------------------------- contract */

static void test_options(void **state)
{
    (void)state;
    convoy_judge_options o;
    memset(&o, 0xff, sizeof o);
    assert_int_equal(convoy_judge_options_init(&o, CONVOY_JUDGE_OPTIONS_VERSION), CONVOY_OK);
    /* Field by field: the struct has padding, which init need not touch. */
    const convoy_judge_options init = CONVOY_JUDGE_OPTIONS_INIT;
    assert_true(o.direction == init.direction && o.confidence == init.confidence &&
                o.tolerance == init.tolerance && o.effect == init.effect &&
                o.allowed_increase == init.allowed_increase &&
                o.allowed_decrease == init.allowed_decrease &&
                o.critical_increase == init.critical_increase &&
                o.critical_decrease == init.critical_decrease && o.critical == init.critical &&
                o.must_have_data == init.must_have_data &&
                o.nan_strategy == init.nan_strategy && o.remove_outliers == init.remove_outliers);
    assert_int_equal(o.version, CONVOY_JUDGE_OPTIONS_VERSION);
    assert_true(o.confidence == 0.95 && o.tolerance == 0.25);
    assert_int_equal(o.direction, CONVOY_DIRECTION_EITHER);
    assert_int_equal(o.effect, CONVOY_EFFECT_MEAN_RATIO);
    assert_int_equal(o.nan_strategy, CONVOY_NAN_REMOVE);
    assert_true(o.allowed_increase < 0 && o.critical_decrease < 0);
    assert_int_equal(convoy_judge_options_init(&o, 99), CONVOY_E_VERSION);
    assert_int_equal(convoy_judge_options_init(NULL, CONVOY_JUDGE_OPTIONS_VERSION),
                     CONVOY_E_INVALID_ARG);

    const double e[] = {1, 2, 3}, c[] = {2, 3, 4};
    convoy_judgement *j = (convoy_judgement *)(uintptr_t)1;
    convoy_judge_options bad = init;
    bad.version = 2;
    assert_int_equal(convoy_judge(&j, e, 3, c, 3, &bad), CONVOY_E_VERSION);
    assert_null(j);
#define REJECT(field, value)                                                        \
    do {                                                                            \
        bad = init;                                                                 \
        bad.field = value;                                                          \
        assert_int_equal(convoy_judge(&j, e, 3, c, 3, &bad), CONVOY_E_INVALID_ARG); \
        assert_null(j);                                                             \
    } while (0)
    REJECT(direction, 3);
    REJECT(direction, -1);
    REJECT(effect, 2);
    REJECT(nan_strategy, 2);
    REJECT(confidence, 0.0);
    REJECT(confidence, 1.0);
    REJECT(confidence, NAN);
    REJECT(tolerance, -0.1);
    REJECT(tolerance, INFINITY);
    REJECT(allowed_increase, NAN);
    REJECT(critical_decrease, NAN);
#undef REJECT
    assert_int_equal(convoy_judge(NULL, e, 3, c, 3, NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_judge(&j, NULL, 3, c, 3, NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_judge(&j, e, 3, NULL, 3, NULL), CONVOY_E_INVALID_ARG);
    /* inputs are not changed */
    double e2[] = {3, 1, NAN, 2}, c2[] = {5, 4};
    const double e0[] = {3, 1, NAN, 2}, c0[] = {5, 4};
    j = judge(e2, 4, c2, 2, NULL);
    assert_memory_equal(e2, e0, sizeof e2);
    assert_memory_equal(c2, c0, sizeof c2);
    convoy_judgement_free(j);
}

static void test_getters_accept_null(void **state)
{
    (void)state;
    assert_int_equal(convoy_judgement_class(NULL), 0);
    assert_int_equal(convoy_judgement_critical(NULL), 0);
    assert_true(isnan(convoy_judgement_ci_lower(NULL)));
    assert_true(isnan(convoy_judgement_ci_upper(NULL)));
    assert_true(isnan(convoy_judgement_estimate(NULL)));
    assert_true(isnan(convoy_judgement_effect_size(NULL)));
    assert_true(isnan(convoy_judgement_u(NULL)));
    assert_true(isnan(convoy_judgement_p_value(NULL)));
    assert_string_equal(convoy_judgement_explain(NULL), "");
    convoy_judgement_free(NULL);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(convoy_class_name(CONVOY_CLASS_PASS), "Pass");
    assert_string_equal(convoy_class_name(CONVOY_CLASS_HIGH), "High");
    assert_string_equal(convoy_class_name(CONVOY_CLASS_LOW), "Low");
    assert_string_equal(convoy_class_name(CONVOY_CLASS_NODATA), "Nodata");
    assert_string_equal(convoy_class_name(CONVOY_CLASS_NODATA_FAIL), "NodataFail");
    assert_string_equal(convoy_class_name(CONVOY_CLASS_ERROR), "Error");
    assert_string_equal(convoy_class_name(0), "Unknown");
    assert_string_equal(convoy_class_name(7), "Unknown");
    assert_string_equal(convoy_score_label_name(CONVOY_SCORE_PASS), "Pass");
    assert_string_equal(convoy_score_label_name(CONVOY_SCORE_MARGINAL), "Marginal");
    assert_string_equal(convoy_score_label_name(CONVOY_SCORE_FAIL), "Fail");
    assert_string_equal(convoy_score_label_name(4), "Unknown");
    assert_string_equal(convoy_measure_name(CONVOY_MEASURE_SUCCESSFUL), "Successful");
    assert_string_equal(convoy_measure_name(CONVOY_MEASURE_FAILED), "Failed");
    assert_string_equal(convoy_measure_name(CONVOY_MEASURE_INCONCLUSIVE), "Inconclusive");
    assert_string_equal(convoy_measure_name(CONVOY_MEASURE_ERROR), "Error");
    assert_string_equal(convoy_measure_name(-1), "Unknown");
    assert_string_equal(convoy_phase_name(CONVOY_PHASE_SUCCESSFUL), "Successful");
    assert_string_equal(convoy_phase_name(CONVOY_PHASE_RUNNING), "Running");
    assert_string_equal(convoy_phase_name(CONVOY_PHASE_PENDING), "Pending");
    assert_string_equal(convoy_phase_name(CONVOY_PHASE_INCONCLUSIVE), "Inconclusive");
    assert_string_equal(convoy_phase_name(CONVOY_PHASE_ERROR), "Error");
    assert_string_equal(convoy_phase_name(CONVOY_PHASE_FAILED), "Failed");
    assert_string_equal(convoy_phase_name(0), "Unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_interval),
        cmocka_unit_test(test_published_pass),
        cmocka_unit_test(test_empty_experiment_is_nodata),
        cmocka_unit_test(test_missing_data_variants),
        cmocka_unit_test(test_identical_and_single_value),
        cmocka_unit_test(test_mostly_tied_samples_pass),
        cmocka_unit_test(test_no_interval_is_error),
        cmocka_unit_test(test_directions),
        cmocka_unit_test(test_tolerance_band),
        cmocka_unit_test(test_mean_ratio_limits),
        cmocka_unit_test(test_zero_means),
        cmocka_unit_test(test_critical_flags),
        cmocka_unit_test(test_cles),
        cmocka_unit_test(test_zero_heavy_ties),
        cmocka_unit_test(test_outliers),
        cmocka_unit_test(test_large_samples),
        cmocka_unit_test(test_options),
        cmocka_unit_test(test_getters_accept_null),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
