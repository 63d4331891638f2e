/*
 * test_criteria - Keptn criteria and aggregates of <convoy/gate.h>:
 * convoy_criterion_check / _validate (every operator, absolute and relative
 * forms, NaN rules, malformed criteria with their 1-based positions) and
 * convoy_aggregate (avg, p50, p90, p95 with Keptn's pos = p(n+1) rule).
 * Semantics: REFERENCE.md section 4 and the comments in gate.h.
 */
#include "gate_test.h"

#include <locale.h>

/* ------------------------------------------------------------ helpers */

static void expect_result(const char *criterion, double value, double aggregate, int expected,
                          int line)
{
    int result = -1;
    int rc = convoy_criterion_check(&result, criterion, value, aggregate);
    if (rc != CONVOY_OK)
        fail_msg("line %d: convoy_criterion_check(\"%s\", %.17g, %.17g) returned %d: %s", line,
                 criterion, value, aggregate, rc, convoy_error_message(convoy_error_last()));
    if (result != expected)
        fail_msg("line %d: \"%s\" with value %.17g, aggregate %.17g gave %s, expected %s", line,
                 criterion, value, aggregate,
                 result == CONVOY_CRITERION_PASS ? "pass"
                 : result == CONVOY_CRITERION_FAIL ? "fail" : "neither pass nor fail",
                 expected == CONVOY_CRITERION_PASS ? "pass" : "fail");
    /* A well-formed criterion also validates. */
    rc = convoy_criterion_validate(criterion);
    if (rc != CONVOY_OK)
        fail_msg("line %d: convoy_criterion_validate(\"%s\") returned %d", line, criterion, rc);
}

#define PASSES(c, v, a) expect_result((c), (v), (a), CONVOY_CRITERION_PASS, __LINE__)
#define FAILS(c, v, a) expect_result((c), (v), (a), CONVOY_CRITERION_FAIL, __LINE__)

/* Malformed: both functions return CONVOY_E_PARSE and the error record has
 * the 1-based character position in its column and a message. */
static void expect_malformed(const char *criterion, uint32_t column, int line)
{
    int result = 12345;

    convoy_error_clear();
    int rc = convoy_criterion_check(&result, criterion, 1.0, 1.0);
    if (rc != CONVOY_E_PARSE)
        fail_msg("line %d: convoy_criterion_check(\"%s\") returned %d (%s), expected "
                 "CONVOY_E_PARSE",
                 line, criterion, rc, convoy_strerror(rc));
    const convoy_error *e = convoy_error_last();
    if (convoy_error_code(e) != CONVOY_E_PARSE)
        fail_msg("line %d: \"%s\": error record has code %d", line, criterion,
                 convoy_error_code(e));
    if (convoy_error_column(e) != column)
        fail_msg("line %d: \"%s\": error column %u, expected %u (message: %s)", line, criterion,
                 (unsigned)convoy_error_column(e), (unsigned)column, convoy_error_message(e));
    if (!convoy_error_message(e) || !convoy_error_message(e)[0])
        fail_msg("line %d: \"%s\": empty error message", line, criterion);

    convoy_error_clear();
    rc = convoy_criterion_validate(criterion);
    if (rc != CONVOY_E_PARSE)
        fail_msg("line %d: convoy_criterion_validate(\"%s\") returned %d, expected "
                 "CONVOY_E_PARSE",
                 line, criterion, rc);
    if (convoy_error_column(convoy_error_last()) != column)
        fail_msg("line %d: validate \"%s\": error column %u, expected %u", line, criterion,
                 (unsigned)convoy_error_column(convoy_error_last()), (unsigned)column);
}

#define MALFORMED(c, col) expect_malformed((c), (col), __LINE__)

/* ------------------------------------------------------------ operators */

static void test_less_than(void **state)
{
    (void)state;
    PASSES("<10", 9.5, NAN);
    FAILS("<10", 10, NAN);
    FAILS("<10", 10.5, NAN);
    PASSES("<0.01", 0.0099, NAN);
    FAILS("<0.01", 0.01, NAN);
}

static void test_less_or_equal(void **state)
{
    (void)state;
    PASSES("<=10", 9.5, NAN);
    PASSES("<=10", 10, NAN);
    FAILS("<=10", 10.000001, NAN);
    PASSES("<=0", -3, NAN);
}

static void test_equal_is_exact(void **state)
{
    (void)state;
    PASSES("=10", 10, NAN);
    PASSES("=2.5", 2.5, NAN);
    FAILS("=10", 10.000000001, NAN);
    FAILS("=10", 9.999999999, NAN);
    PASSES("=0", 0, NAN);
    PASSES("=0", -0.0, NAN);
}

static void test_greater_or_equal(void **state)
{
    (void)state;
    PASSES(">=99.5", 99.5, NAN);
    PASSES(">=99.5", 100, NAN);
    FAILS(">=99.5", 99.49, NAN);
}

static void test_greater_than(void **state)
{
    (void)state;
    PASSES(">5", 5.1, NAN);
    FAILS(">5", 5, NAN);
    FAILS(">5", 4, NAN);
}

static void test_absolute_ignores_aggregate(void **state)
{
    (void)state;
    /* No '%' and no sign: absolute, whatever the aggregate. */
    PASSES("<=15", 15, 1.0);
    FAILS("<=15", 16, 1000.0);
    PASSES(">=1.5", 2, 100.0);
}

static void test_spaces_are_ignored(void **state)
{
    (void)state;
    PASSES(" <= 10 ", 10, NAN);
    FAILS("  <  10", 10, NAN);
    PASSES("<= +10 %", 109, 100.0);
    FAILS("<= +10 %", 111, 100.0);
    /* Everywhere, as Keptn strips every space: also inside the operator. */
    PASSES("< = 10", 10, NAN);
    FAILS("> = 10", 9, NAN);
    PASSES("<= 1 0", 10, NAN);
}

static void test_infinite_values_compare(void **state)
{
    (void)state;
    FAILS("<10", INFINITY, NAN);
    PASSES("<10", -INFINITY, NAN);
    PASSES(">10", INFINITY, NAN);
}

/* ------------------------------------------------------------ relative */

static void test_relative_plus_percent(void **state)
{
    (void)state;
    /* +x% -> A * (1 + x/100): A = 100, +10% -> 110 */
    PASSES("<=+10%", 109.9, 100.0);
    FAILS("<=+10%", 110.1, 100.0);
    PASSES("<+50%", 14.9, 10.0);
    FAILS("<+50%", 15.1, 10.0);
    PASSES(">=+0%", 7, 7.0);
    FAILS(">=+0%", 6.99, 7.0);
    /* Keptn vector: value 10 against earlier 10 with "<=+10%" */
    PASSES("<=+10%", 10, 10.0);
    PASSES("<=+10%", 11 - 1e-9, 10.0);
    FAILS("<=+10%", 11.001, 10.0);
}

static void test_relative_minus_percent(void **state)
{
    (void)state;
    /* -x% -> A * (1 - x/100): A = 100, -5% -> 95 */
    PASSES(">=-5%", 95.1, 100.0);
    FAILS(">=-5%", 94.9, 100.0);
    PASSES("<-50%", 4.9, 10.0);
    FAILS("<-50%", 5.1, 10.0);
    /* -100% -> 0 */
    PASSES(">-100%", 0.1, 42.0);
    FAILS(">-100%", -0.1, 42.0);
}

static void test_relative_plus_delta(void **state)
{
    (void)state;
    /* +x -> A + x: A = 10, +2 -> 12 */
    PASSES("<+2", 11.9, 10.0);
    FAILS("<+2", 12, 10.0);
    PASSES("<=+2", 12, 10.0);
    PASSES("=+1", 11, 10.0);
    FAILS("=+1", 10, 10.0);
    PASSES("=+0", 5, 5.0);
    FAILS("=+0", 5.5, 5.0);
    PASSES(">+0.5", 1.6, 1.0);
}

static void test_relative_minus_delta(void **state)
{
    (void)state;
    /* -x -> A - x: A = 10, -2 -> 8. A leading minus is relative, never a
     * negative absolute value. */
    PASSES(">-2", 8.1, 10.0);
    FAILS(">-2", 8, 10.0);
    PASSES(">=-2", 8, 10.0);
    PASSES("<-5", -1, 5.0);   /* threshold 0 */
    FAILS("<-5", 0, 5.0);
    PASSES("<-5", 94.9, 100.0); /* threshold 95 */
    FAILS("<-5", 95, 100.0);
}

static void test_relative_bare_percent(void **state)
{
    (void)state;
    /* A '%' without a sign is relative too, read as an increase: "<=10%"
     * is A * (1 + 10/100), the same as "<=+10%" (Keptn). */
    PASSES("<=10%", 109.9, 100.0);
    FAILS("<=10%", 110.1, 100.0);
    PASSES(">=0%", 3, 3.0);
    FAILS(">=0%", 2.9, 3.0);
    PASSES("<=10%", 1e9, NAN); /* relative: passes without history */
}

static void test_relative_with_negative_aggregate(void **state)
{
    (void)state;
    /* The formulas apply as written: A = -10, +10% -> -11, +2 -> -8. */
    PASSES("<=+10%", -11, -10.0);
    FAILS("<=+10%", -10.5, -10.0);
    PASSES("<+2", -8.5, -10.0);
    FAILS("<+2", -8, -10.0);
}

static void test_relative_without_aggregate_passes(void **state)
{
    (void)state;
    /* No earlier results (NaN aggregate): every relative criterion passes. */
    static const char *const relative[] = {"<=+10%", ">=-5%", "<+2", ">-2", "=+1",
                                           "<=10%",  "<-100%", "> +0 %", "=-0"};
    static const double values[] = {0, -1e300, 1e300, 42, 10};
    for (size_t i = 0; i < sizeof relative / sizeof relative[0]; i++)
        for (size_t k = 0; k < sizeof values / sizeof values[0]; k++)
            PASSES(relative[i], values[k], NAN);
    /* Absolute criteria are still checked. */
    FAILS("<10", 11, NAN);
    PASSES("<10", 9, NAN);
}

static void test_nan_value_fails(void **state)
{
    (void)state;
    /* A NaN value satisfies no criterion: absolute or relative, with or
     * without an aggregate. */
    static const char *const all[] = {"<10", "<=10", "=10", ">=10", ">10", "<=+10%",
                                      ">=-5%", "<+2", ">-2", "<=10%", "=+0"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        FAILS(all[i], NAN, NAN);
        FAILS(all[i], NAN, 10.0);
    }
}

/* ------------------------------------------------------------ malformed */

static void test_malformed_positions(void **state)
{
    (void)state;
    MALFORMED("", 1);          /* no operator */
    MALFORMED("10", 1);        /* no operator */
    MALFORMED("!=5", 1);
    MALFORMED("~5", 1);
    MALFORMED("<=", 3);        /* a number was expected */
    MALFORMED("<", 2);
    MALFORMED("<=abc", 3);
    MALFORMED("=>5", 2);       /* '=' then '>' where the number should be */
    MALFORMED("<<5", 2);
    MALFORMED("<=%", 3);
    MALFORMED("<=+", 4);       /* a sign without a number */
    MALFORMED("<=+-5", 4);
    MALFORMED("<=10x", 5);     /* trailing garbage */
    MALFORMED("<=10%%", 6);
    MALFORMED("<=10%5", 6);
    MALFORMED(">5 <10", 4);    /* one criterion per string */
    /* Positions count the characters as written, spaces included. */
    MALFORMED("<= abc", 4);
    MALFORMED("  x", 3);
}

static void test_malformed_message(void **state)
{
    (void)state;
    int result;
    assert_status(convoy_criterion_check(&result, "<=abc", 1.0, NAN), CONVOY_E_PARSE);
    const char *msg = convoy_error_message(convoy_error_last());
    assert_non_null(msg);
    if (!strstr(msg, "number"))
        fail_msg("message for \"<=abc\" should say a number was expected: %s", msg);
}

static void test_null_arguments(void **state)
{
    (void)state;
    int result;
    assert_int_not_equal(convoy_criterion_check(&result, NULL, 1.0, NAN), CONVOY_OK);
    assert_int_not_equal(convoy_criterion_check(NULL, "<1", 1.0, NAN), CONVOY_OK);
    assert_int_not_equal(convoy_criterion_validate(NULL), CONVOY_OK);
}

static void test_works_after_an_error(void **state)
{
    (void)state;
    int result = -1;
    assert_status(convoy_criterion_validate("<=x"), CONVOY_E_PARSE);
    assert_ok(convoy_criterion_check(&result, "<=1", 0.5, NAN));
    assert_int_equal(result, CONVOY_CRITERION_PASS);
}

/* ------------------------------------------------------------ aggregates */

static double agg(const double *v, size_t n, int kind)
{
    double out = 12345.0;
    assert_ok(convoy_aggregate(&out, v, n, kind));
    return out;
}

static void test_aggregate_avg(void **state)
{
    (void)state;
    const double v[] = {1, 2, 3, 4};
    assert_near(agg(v, 4, CONVOY_AGGREGATE_AVG), 2.5, 1e-12);
    const double one[] = {7};
    assert_double_equal(agg(one, 1, CONVOY_AGGREGATE_AVG), 7);
    const double neg[] = {-5, 5, 30};
    assert_near(agg(neg, 3, CONVOY_AGGREGATE_AVG), 10, 1e-12);
}

static void test_aggregate_skips_nan(void **state)
{
    (void)state;
    const double v[] = {1, NAN, 3};
    assert_near(agg(v, 3, CONVOY_AGGREGATE_AVG), 2, 1e-12);
    const double w[] = {NAN, 3, 1, NAN, 2};
    assert_double_equal(agg(w, 5, CONVOY_AGGREGATE_P50), 2); /* n = 3, pos = 2 */
    const double all_nan[] = {NAN, NAN};
    for (int k = CONVOY_AGGREGATE_AVG; k <= CONVOY_AGGREGATE_P95; k++)
        assert_is_nan(agg(all_nan, 2, k));
}

static void test_aggregate_empty_is_nan(void **state)
{
    (void)state;
    const double dummy[] = {1};
    for (int k = CONVOY_AGGREGATE_AVG; k <= CONVOY_AGGREGATE_P95; k++) {
        assert_is_nan(agg(NULL, 0, k));
        assert_is_nan(agg(dummy, 0, k));
    }
}

static void test_aggregate_single_value(void **state)
{
    (void)state;
    /* n = 1: pos = p * 2 is >= 1 = n for every p here -> the (only) value. */
    const double one[] = {42.5};
    for (int k = CONVOY_AGGREGATE_AVG; k <= CONVOY_AGGREGATE_P95; k++)
        assert_double_equal(agg(one, 1, k), 42.5);
}

static void test_aggregate_two_values(void **state)
{
    (void)state;
    /* n = 2: p50 pos 1.5 -> halfway; p90 pos 2.7 and p95 pos 2.85 are >= n
     * -> the maximum. */
    const double v[] = {3, 1};
    assert_near(agg(v, 2, CONVOY_AGGREGATE_P50), 2, 1e-12);
    assert_double_equal(agg(v, 2, CONVOY_AGGREGATE_P90), 3);
    assert_double_equal(agg(v, 2, CONVOY_AGGREGATE_P95), 3);
}

static void test_aggregate_p50_interpolates(void **state)
{
    (void)state;
    const double even[] = {4, 1, 3, 2}; /* pos 2.5 -> 2 + 0.5 * (3 - 2) */
    assert_near(agg(even, 4, CONVOY_AGGREGATE_P50), 2.5, 1e-12);
    const double odd[] = {30, 10, 20}; /* pos 2 -> 20 */
    assert_near(agg(odd, 3, CONVOY_AGGREGATE_P50), 20, 1e-12);
    const double skew[] = {1, 2, 100, 1000}; /* pos 2.5 -> 2 + 0.5 * 98 = 51 */
    assert_near(agg(skew, 4, CONVOY_AGGREGATE_P50), 51, 1e-9);
}

static void test_aggregate_p90_p95(void **state)
{
    (void)state;
    double v[20];
    for (int i = 0; i < 20; i++)
        v[i] = 20 - i; /* 20 .. 1, unsorted order */
    /* n = 20: p90 pos 18.9 -> 18 + 0.9 * (19 - 18); p95 pos 19.95 -> 19.95 */
    assert_near(agg(v, 20, CONVOY_AGGREGATE_P90), 18.9, 1e-9);
    assert_near(agg(v, 20, CONVOY_AGGREGATE_P95), 19.95, 1e-9);
    assert_near(agg(v, 20, CONVOY_AGGREGATE_P50), 10.5, 1e-9);
    /* n = 10: p90 pos 9.9 -> 9 + 0.9 * 1 = 9.9; p95 pos 10.45 >= n -> max */
    const double ten[] = {10, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    assert_near(agg(ten, 10, CONVOY_AGGREGATE_P90), 9.9, 1e-9);
    assert_double_equal(agg(ten, 10, CONVOY_AGGREGATE_P95), 10);
    /* Interpolation uses the neighbours' values, not their ranks. */
    const double gap[] = {0, 0, 0, 0, 0, 0, 0, 0, 100, 200}; /* p90: 100 + 0.9 * 100 */
    assert_near(agg(gap, 10, CONVOY_AGGREGATE_P90), 190, 1e-9);
}

static void test_aggregate_at_or_above_n_is_max(void **state)
{
    (void)state;
    /* pos >= n -> the maximum: p90 with n = 5 (pos 5.4), p95 with n = 19
     * (pos exactly 19), p90 with n = 3 (pos 3.6). */
    const double five[] = {5, 1, 4, 2, 3};
    assert_double_equal(agg(five, 5, CONVOY_AGGREGATE_P90), 5);
    assert_double_equal(agg(five, 5, CONVOY_AGGREGATE_P95), 5);
    double nineteen[19];
    for (int i = 0; i < 19; i++)
        nineteen[i] = i + 1;
    assert_near(agg(nineteen, 19, CONVOY_AGGREGATE_P95), 19, 1e-9);
    const double three[] = {-1, -3, -2};
    assert_double_equal(agg(three, 3, CONVOY_AGGREGATE_P90), -1);
    /* p50 pos = (n + 1) / 2 never reaches n for n >= 2. */
    assert_near(agg(five, 5, CONVOY_AGGREGATE_P50), 3, 1e-12);
}

static void test_aggregate_below_one_is_min(void **state)
{
    (void)state;
    /* pos < 1 needs p < 1 / (n + 1): with p >= 0.5 and n >= 1 it cannot
     * happen, so the smallest pos reachable is exactly 1 (p50, n = 1), which
     * is the minimum and the maximum at once. Check that boundary and that
     * the minimum is taken from the sorted values, not the first given. */
    const double one[] = {-7};
    assert_double_equal(agg(one, 1, CONVOY_AGGREGATE_P50), -7);
    const double two[] = {9, -7}; /* p50 pos 1.5 -> halfway between -7 and 9 */
    assert_near(agg(two, 2, CONVOY_AGGREGATE_P50), 1, 1e-12);
}

static void test_aggregate_keeps_input(void **state)
{
    (void)state;
    double v[] = {5, NAN, 1, 4, 2, 3};
    const double copy[] = {5, NAN, 1, 4, 2, 3};
    (void)agg(v, 6, CONVOY_AGGREGATE_P90);
    (void)agg(v, 6, CONVOY_AGGREGATE_P50);
    for (size_t i = 0; i < 6; i++) {
        if (isnan(copy[i]))
            assert_true(isnan(v[i]));
        else
            assert_double_equal(v[i], copy[i]);
    }
}

static void test_aggregate_infinite_values(void **state)
{
    (void)state;
    /* Infinities are values (Prometheus answers "+Inf"): they sort to the
     * ends and never turn a percentile into NaN, which would make every
     * relative criterion pass. */
    const double tail[] = {1, 2, INFINITY};     /* p50 pos 2: exactly the 2nd value */
    assert_double_equal(agg(tail, 3, CONVOY_AGGREGATE_P50), 2);
    assert_double_equal(agg(tail, 3, CONVOY_AGGREGATE_P90), INFINITY);
    assert_double_equal(agg(tail, 3, CONVOY_AGGREGATE_AVG), INFINITY);
    const double two_inf[] = {INFINITY, 1, INFINITY}; /* p50 pos 2 -> inf */
    assert_double_equal(agg(two_inf, 3, CONVOY_AGGREGATE_P50), INFINITY);
    const double neg[] = {1, -INFINITY, -INFINITY}; /* sorted -inf, -inf, 1 */
    assert_double_equal(agg(neg, 3, CONVOY_AGGREGATE_P50), -INFINITY);
    const double both[] = {INFINITY, INFINITY}; /* p50 pos 1.5 between inf and inf */
    assert_double_equal(agg(both, 2, CONVOY_AGGREGATE_P50), INFINITY);
    const double half[] = {1, INFINITY}; /* p50 pos 1.5 -> between 1 and inf */
    assert_double_equal(agg(half, 2, CONVOY_AGGREGATE_P50), INFINITY);
    double many[21];
    for (int i = 0; i < 20; i++)
        many[i] = i + 1;
    many[20] = INFINITY; /* n = 21: p90 pos 19.8 -> 19.8; p95 pos 20.9 -> inf */
    assert_near(agg(many, 21, CONVOY_AGGREGATE_P90), 19.8, 1e-9);
    assert_double_equal(agg(many, 21, CONVOY_AGGREGATE_P95), INFINITY);
    const double p95_exact[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18,
                                19, INFINITY}; /* n = 20 -> pos 19.95: 19 + 0.95 x inf */
    assert_double_equal(agg(p95_exact, 20, CONVOY_AGGREGATE_P95), INFINITY);
    /* And the criterion then compares against a real threshold. */
    const double hist[] = {1, 2, INFINITY};
    int result = -1;
    assert_ok(convoy_criterion_check(&result, "<=+0%", 1000, agg(hist, 3, CONVOY_AGGREGATE_P50)));
    assert_int_equal(result, CONVOY_CRITERION_FAIL);
}

static void test_aggregate_invalid(void **state)
{
    (void)state;
    double out;
    const double v[] = {1, 2};
    assert_status(convoy_aggregate(&out, v, 2, -1), CONVOY_E_INVALID_ARG);
    assert_status(convoy_aggregate(&out, v, 2, CONVOY_AGGREGATE_P95 + 1), CONVOY_E_INVALID_ARG);
    assert_status(convoy_aggregate(&out, NULL, 2, CONVOY_AGGREGATE_AVG), CONVOY_E_INVALID_ARG);
}

/* gate.h: pure functions of their arguments. A host program that sets a
 * locale with a decimal comma must not change how "0.01" is read. Skipped
 * when no such locale is installed. */
static void test_criteria_ignore_locale(void **state)
{
    (void)state;
    static const char *const names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8",
                                        "fr_FR.utf8", "fr_FR", "nl_NL.UTF-8", "ru_RU.UTF-8"};
    const char *found = NULL;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && !found; i++)
        if (setlocale(LC_NUMERIC, names[i]) && strcmp(localeconv()->decimal_point, ",") == 0)
            found = names[i];
    if (!found) {
        setlocale(LC_NUMERIC, "C");
        skip();
    }
    int r1 = -1, r2 = -1, r3 = -1;
    int rc1 = convoy_criterion_check(&r1, "<0.01", 0.005, NAN);
    int rc2 = convoy_criterion_check(&r2, "<0.01", 0.5, NAN);
    int rc3 = convoy_criterion_check(&r3, "<=+2.5%", 102.4, 100.0);
    setlocale(LC_NUMERIC, "C");
    if (rc1 != CONVOY_OK || rc2 != CONVOY_OK || rc3 != CONVOY_OK)
        fail_msg("under %s: status %d %d %d", found, rc1, rc2, rc3);
    if (r1 != CONVOY_CRITERION_PASS || r2 != CONVOY_CRITERION_FAIL || r3 != CONVOY_CRITERION_PASS)
        fail_msg("under %s, \"<0.01\" / \"<=+2.5%%\" were not read as decimals: %d %d %d", found,
                 r1, r2, r3);
}

/* Aggregates feed relative criteria: the Keptn vector end to end. */
static void test_keptn_vector_with_aggregate(void **state)
{
    (void)state;
    const double earlier[] = {10};
    double a = agg(earlier, 1, CONVOY_AGGREGATE_AVG);
    PASSES("<=15", 10, a);
    PASSES("<=+10%", 10, a);
    FAILS("<=15", 16, a);
    FAILS("<=+10%", 16, a);
    PASSES("<=20", 16, a);
    FAILS("<=+15%", 16, a); /* 11.5 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_less_than),
        cmocka_unit_test(test_less_or_equal),
        cmocka_unit_test(test_equal_is_exact),
        cmocka_unit_test(test_greater_or_equal),
        cmocka_unit_test(test_greater_than),
        cmocka_unit_test(test_absolute_ignores_aggregate),
        cmocka_unit_test(test_spaces_are_ignored),
        cmocka_unit_test(test_infinite_values_compare),
        cmocka_unit_test(test_relative_plus_percent),
        cmocka_unit_test(test_relative_minus_percent),
        cmocka_unit_test(test_relative_plus_delta),
        cmocka_unit_test(test_relative_minus_delta),
        cmocka_unit_test(test_relative_bare_percent),
        cmocka_unit_test(test_relative_with_negative_aggregate),
        cmocka_unit_test(test_relative_without_aggregate_passes),
        cmocka_unit_test(test_nan_value_fails),
        cmocka_unit_test(test_malformed_positions),
        cmocka_unit_test(test_malformed_message),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_works_after_an_error),
        cmocka_unit_test(test_aggregate_avg),
        cmocka_unit_test(test_aggregate_skips_nan),
        cmocka_unit_test(test_aggregate_empty_is_nan),
        cmocka_unit_test(test_aggregate_single_value),
        cmocka_unit_test(test_aggregate_two_values),
        cmocka_unit_test(test_aggregate_p50_interpolates),
        cmocka_unit_test(test_aggregate_p90_p95),
        cmocka_unit_test(test_aggregate_at_or_above_n_is_max),
        cmocka_unit_test(test_aggregate_below_one_is_min),
        cmocka_unit_test(test_aggregate_keeps_input),
        cmocka_unit_test(test_aggregate_infinite_values),
        cmocka_unit_test(test_aggregate_invalid),
        cmocka_unit_test(test_criteria_ignore_locale),
        cmocka_unit_test(test_keptn_vector_with_aggregate),
    };
    return cmocka_run_group_tests_name("gate criteria", tests, NULL, NULL);
}
