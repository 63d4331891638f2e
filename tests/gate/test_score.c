/*
 * test_score - Kayenta's group scoring (REFERENCE.md 3, step 7): group
 * scores, weights and their sharing, the critical and no-data overrides,
 * rounding, labels, the explanation table and invalid input.
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

static const char *const LATENCY[] = {"latency"};
static const char *const ERRORS[] = {"errors"};
static const char *const BOTH[] = {"latency", "errors"};

static convoy_scored_metric metric(const char *name, const char *const *groups, size_t n,
                                   int classification, int critical)
{
    convoy_scored_metric m = {name, groups, n, classification, critical};
    return m;
}

/* Scores with thresholds 95 / 75 and returns the summary; checks the label
 * matches it and that the explanation table is produced. */
static double score_of(const convoy_scored_metric *m, size_t n, const convoy_group_weight *w,
                       size_t nw, int *label_out)
{
    double score = -1;
    int label = 0;
    char *explain = NULL;
    int rc = convoy_score(&score, &label, &explain, m, n, w, nw, 95, 75);
    if (rc != CONVOY_OK)
        fail_msg("convoy_score: %s", convoy_error_message(convoy_error_last()));
    assert_non_null(explain);
    assert_non_null(strstr(explain, "summary "));
    int want = score >= 95 ? CONVOY_SCORE_PASS : score >= 75 ? CONVOY_SCORE_MARGINAL
                                                            : CONVOY_SCORE_FAIL;
    assert_int_equal(label, want);
    convoy_free(explain);
    /* the same without an explanation */
    double again = -1;
    int label2 = 0;
    assert_int_equal(convoy_score(&again, &label2, NULL, m, n, w, nw, 95, 75), CONVOY_OK);
    assert_true(again == score && label2 == label);
    if (label_out)
        *label_out = label;
    return score;
}

static void test_pass_and_high_unweighted_is_50(void **state)
{
    (void)state;
    convoy_scored_metric m[] = {
        metric("p50", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("p99", LATENCY, 1, CONVOY_CLASS_HIGH, 0),
    };
    int label;
    assert_true(score_of(m, 2, NULL, 0, &label) == 50.0);
    assert_int_equal(label, CONVOY_SCORE_FAIL);
}

static void test_group_scores_and_counting(void **state)
{
    (void)state;
    /* latency: Pass, Pass, Low, NodataFail -> 50; Nodata and Error are not
     * counted. errors: Pass -> 100. Equal shares: 75. */
    convoy_scored_metric m[] = {
        metric("a", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("b", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("c", LATENCY, 1, CONVOY_CLASS_LOW, 0),
        metric("d", LATENCY, 1, CONVOY_CLASS_NODATA_FAIL, 0),
        metric("e", LATENCY, 1, CONVOY_CLASS_ERROR, 0),
        metric("f", ERRORS, 1, CONVOY_CLASS_PASS, 0),
        metric("g", ERRORS, 1, CONVOY_CLASS_NODATA, 0),
    };
    assert_true(score_of(m, N(m), NULL, 0, NULL) == 75.0);
    /* a group with nothing counted scores 100 */
    convoy_scored_metric m2[] = {
        metric("a", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("b", LATENCY, 1, CONVOY_CLASS_HIGH, 0),
        metric("c", ERRORS, 1, CONVOY_CLASS_ERROR, 0),
    };
    assert_true(score_of(m2, N(m2), NULL, 0, NULL) == 75.0);
    /* a metric in two groups counts in both */
    convoy_scored_metric m3[] = {
        metric("a", BOTH, 2, CONVOY_CLASS_HIGH, 0),
        metric("b", LATENCY, 1, CONVOY_CLASS_PASS, 0),
    };
    assert_true(score_of(m3, N(m3), NULL, 0, NULL) == 25.0); /* 50 and 0 */
    /* listing a group twice counts once */
    static const char *const twice[] = {"latency", "latency"};
    convoy_scored_metric m4[] = {
        metric("a", twice, 2, CONVOY_CLASS_HIGH, 0),
        metric("b", LATENCY, 1, CONVOY_CLASS_PASS, 0),
    };
    assert_true(score_of(m4, N(m4), NULL, 0, NULL) == 50.0);
}

static void test_weights(void **state)
{
    (void)state;
    static const char *const A[] = {"a"}, *const B[] = {"b"}, *const C[] = {"c"};
    convoy_scored_metric m[] = {
        metric("1", A, 1, CONVOY_CLASS_PASS, 0),
        metric("2", B, 1, CONVOY_CLASS_HIGH, 0),
        metric("3", C, 1, CONVOY_CLASS_PASS, 0),
    };
    /* a: 60 (score 100); b and c share 40: 20 each; 60 + 0 + 20 */
    const convoy_group_weight w1[] = {{"a", 60}};
    assert_true(score_of(m, 3, w1, 1, NULL) == 80.0);
    /* all weighted, adding up to less than 100: the rest is lost */
    const convoy_group_weight w2[] = {{"a", 30}, {"b", 30}, {"c", 30}};
    assert_true(score_of(m, 3, w2, 3, NULL) == 60.0);
    /* weights adding up to 100 with rounding */
    const convoy_group_weight w3[] = {{"a", 33.33}, {"b", 33.33}, {"c", 33.34}};
    assert_true(score_of(m, 3, w3, 3, NULL) == 66.67);
    /* a zero weight */
    const convoy_group_weight w4[] = {{"b", 0}};
    int label;
    assert_true(score_of(m, 3, w4, 1, &label) == 100.0);
    assert_int_equal(label, CONVOY_SCORE_PASS);
}

static void test_rounding_half_away_from_zero(void **state)
{
    (void)state;
    static const char *const A[] = {"a"}, *const B[] = {"b"};
    convoy_scored_metric m[] = {
        metric("1", A, 1, CONVOY_CLASS_PASS, 0),
        metric("2", B, 1, CONVOY_CLASS_HIGH, 0),
    };
    /* 100 x 0.125 / 100 = 0.125 exactly: 0.13, not 0.12 (half to even) */
    const convoy_group_weight w[] = {{"a", 0.125}, {"b", 99.875}};
    assert_true(score_of(m, 2, w, 2, NULL) == 0.13);
    /* thirds: 33.333... -> 33.33 */
    static const char *const C[] = {"c"};
    convoy_scored_metric t[] = {
        metric("1", A, 1, CONVOY_CLASS_PASS, 0),
        metric("2", B, 1, CONVOY_CLASS_HIGH, 0),
        metric("3", C, 1, CONVOY_CLASS_HIGH, 0),
    };
    assert_true(score_of(t, 3, NULL, 0, NULL) == 33.33);
    /* two of three pass: 66.666... -> 66.67 */
    t[1].classification = CONVOY_CLASS_PASS;
    assert_true(score_of(t, 3, NULL, 0, NULL) == 66.67);
}

static void test_critical_override(void **state)
{
    (void)state;
    convoy_scored_metric m[] = {
        metric("p50", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("p99", LATENCY, 1, CONVOY_CLASS_PASS, 1),
        metric("errors", ERRORS, 1, CONVOY_CLASS_PASS, 0),
    };
    assert_true(score_of(m, 3, NULL, 0, NULL) == 100.0);
    static const int not_pass[] = {CONVOY_CLASS_HIGH, CONVOY_CLASS_LOW, CONVOY_CLASS_NODATA,
                                   CONVOY_CLASS_NODATA_FAIL, CONVOY_CLASS_ERROR};
    for (size_t i = 0; i < N(not_pass); i++) {
        m[1].classification = not_pass[i];
        int label;
        assert_true(score_of(m, 3, NULL, 0, &label) == 0.0);
        assert_int_equal(label, CONVOY_SCORE_FAIL);
    }
    /* the table names the metric */
    m[1].classification = CONVOY_CLASS_HIGH;
    double score;
    int label;
    char *explain = NULL;
    assert_int_equal(convoy_score(&score, &label, &explain, m, 3, NULL, 0, 95, 75), CONVOY_OK);
    assert_non_null(strstr(explain, "critical metric \"p99\" did not pass"));
    convoy_free(explain);
}

static void test_nodata_half_rule(void **state)
{
    (void)state;
    convoy_scored_metric m[] = {
        metric("a", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("b", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("c", ERRORS, 1, CONVOY_CLASS_PASS, 0),
        metric("d", ERRORS, 1, CONVOY_CLASS_NODATA, 0),
    };
    assert_true(score_of(m, 4, NULL, 0, NULL) == 100.0); /* 1 of 4 */
    m[2].classification = CONVOY_CLASS_NODATA;           /* 2 of 4: half */
    assert_true(score_of(m, 4, NULL, 0, NULL) == 0.0);
    m[2].classification = CONVOY_CLASS_NODATA_FAIL; /* no data too */
    assert_true(score_of(m, 4, NULL, 0, NULL) == 0.0);
    double score;
    int label;
    char *explain = NULL;
    assert_int_equal(convoy_score(&score, &label, &explain, m, 4, NULL, 0, 95, 75), CONVOY_OK);
    assert_non_null(strstr(explain, "no data for 2 of 4 metrics"));
    convoy_free(explain);
    /* no metrics at all: no evidence */
    int l;
    assert_true(score_of(NULL, 0, NULL, 0, &l) == 0.0);
    assert_int_equal(l, CONVOY_SCORE_FAIL);
}

static void test_labels(void **state)
{
    (void)state;
    static const char *const G[] = {"g"};
    convoy_scored_metric m[4];
    for (int i = 0; i < 4; i++)
        m[i] = metric("m", G, 1, CONVOY_CLASS_PASS, 0);
    double score;
    int label;
    m[0].classification = CONVOY_CLASS_HIGH; /* 75 */
    assert_int_equal(convoy_score(&score, &label, NULL, m, 4, NULL, 0, 95, 75), CONVOY_OK);
    assert_true(score == 75.0);
    assert_int_equal(label, CONVOY_SCORE_MARGINAL); /* >= marginal */
    assert_int_equal(convoy_score(&score, &label, NULL, m, 4, NULL, 0, 75, 50), CONVOY_OK);
    assert_int_equal(label, CONVOY_SCORE_PASS); /* >= pass */
    assert_int_equal(convoy_score(&score, &label, NULL, m, 4, NULL, 0, 95, 75.01), CONVOY_OK);
    assert_int_equal(label, CONVOY_SCORE_FAIL);
}

static void test_explain_table(void **state)
{
    (void)state;
    convoy_scored_metric m[] = {
        metric("p50", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("p99", LATENCY, 1, CONVOY_CLASS_HIGH, 0),
        metric("5xx", ERRORS, 1, CONVOY_CLASS_PASS, 0),
        metric("4xx", ERRORS, 1, CONVOY_CLASS_NODATA, 0),
    };
    const convoy_group_weight w[] = {{"errors", 70}};
    double score;
    int label;
    char *explain = NULL;
    assert_int_equal(convoy_score(&score, &label, &explain, m, 4, w, 1, 95, 75), CONVOY_OK);
    assert_true(score == 85.0);
    const char *want =
        "group    weight  pass  high   low nodata nodatafail error   score\n"
        "latency   30.00     1     1     0      0          0     0   50.00\n"
        "errors    70.00     1     0     0      1          0     0  100.00\n"
        "summary 85.00, pass >= 95, marginal >= 75 -> Marginal\n";
    assert_string_equal(explain, want);
    convoy_free(explain);
}

static void test_invalid_input(void **state)
{
    (void)state;
    convoy_scored_metric m[] = {
        metric("a", LATENCY, 1, CONVOY_CLASS_PASS, 0),
        metric("b", ERRORS, 1, CONVOY_CLASS_HIGH, 0),
    };
    double score = -7;
    int label = -7;
    char *explain = (char *)(uintptr_t)1;
#define REJECT(...)                                                                      \
    do {                                                                                 \
        assert_int_equal(convoy_score(__VA_ARGS__), CONVOY_E_INVALID_ARG);               \
        assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_INVALID_ARG); \
    } while (0)
    const convoy_group_weight negative[] = {{"latency", -1}};
    REJECT(&score, &label, &explain, m, 2, negative, 1, 95, 75);
    assert_null(explain);
    const convoy_group_weight too_much[] = {{"latency", 60}, {"errors", 40.5}};
    REJECT(&score, &label, NULL, m, 2, too_much, 2, 95, 75);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), "100"));
    const convoy_group_weight unknown[] = {{"throughput", 10}};
    REJECT(&score, &label, NULL, m, 2, unknown, 1, 95, 75);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), "throughput"));
    const convoy_group_weight twice[] = {{"latency", 10}, {"latency", 20}};
    REJECT(&score, &label, NULL, m, 2, twice, 2, 95, 75);
    const convoy_group_weight nan_weight[] = {{"latency", NAN}};
    REJECT(&score, &label, NULL, m, 2, nan_weight, 1, 95, 75);
    const convoy_group_weight inf_weight[] = {{"latency", INFINITY}};
    REJECT(&score, &label, NULL, m, 2, inf_weight, 1, 95, 75);
    const convoy_group_weight no_name[] = {{NULL, 10}};
    REJECT(&score, &label, NULL, m, 2, no_name, 1, 95, 75);
    REJECT(NULL, &label, NULL, m, 2, NULL, 0, 95, 75);
    REJECT(&score, NULL, NULL, m, 2, NULL, 0, 95, 75);
    REJECT(&score, &label, NULL, NULL, 2, NULL, 0, 95, 75);
    REJECT(&score, &label, NULL, m, 2, NULL, 1, 95, 75);
    REJECT(&score, &label, NULL, m, 2, NULL, 0, NAN, 75);
    REJECT(&score, &label, NULL, m, 2, NULL, 0, 95, NAN);
    convoy_scored_metric bad = metric("x", LATENCY, 1, 9, 0);
    REJECT(&score, &label, NULL, &bad, 1, NULL, 0, 95, 75);
    bad = metric("x", NULL, 1, CONVOY_CLASS_PASS, 0);
    REJECT(&score, &label, NULL, &bad, 1, NULL, 0, 95, 75);
    static const char *const null_group[] = {NULL};
    bad = metric("x", null_group, 1, CONVOY_CLASS_PASS, 0);
    REJECT(&score, &label, NULL, &bad, 1, NULL, 0, 95, 75);
#undef REJECT
    assert_true(score == -7 && label == -7); /* untouched */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pass_and_high_unweighted_is_50),
        cmocka_unit_test(test_group_scores_and_counting),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_rounding_half_away_from_zero),
        cmocka_unit_test(test_critical_override),
        cmocka_unit_test(test_nodata_half_rule),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_explain_table),
        cmocka_unit_test(test_invalid_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
