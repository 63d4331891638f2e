/* Internal grammars: durations, weights, names, criteria. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "plan/criterion.h"
#include "plan/values.h"
#include <convoy/plan.h>

static void duration_ok(const char *text, uint64_t want)
{
    uint64_t ms = 12345;
    const char *why = NULL;
    int rc = convoy__parse_duration(&ms, &why, text);
    if (rc != 0)
        fail_msg("\"%s\" rejected: %s", text, why);
    assert_int_equal(ms, want);
}

static void duration_bad(const char *text)
{
    uint64_t ms;
    const char *why = NULL;
    if (convoy__parse_duration(&ms, &why, text) == 0)
        fail_msg("\"%s\" accepted as %llu ms", text, (unsigned long long)ms);
    assert_non_null(why);
}

static void test_durations(void **state)
{
    (void)state;
    duration_ok("250ms", 250);
    duration_ok("30s", 30000);
    duration_ok("5m", 300000);
    duration_ok("1h30m", 5400000);
    duration_ok("1.5h", 5400000);
    duration_ok("0", 0);
    duration_ok("0s", 0);
    duration_ok("2d", 172800000);
    duration_ok("1m30s250ms", 90250);
    duration_ok("0.001s", 1);
    duration_ok("365d", (uint64_t)365 * 86400000);
    duration_bad("");
    duration_bad("10");
    duration_bad("5 minutes");
    duration_bad("-5s");
    duration_bad("+5s");
    duration_bad("1h30");
    duration_bad("1.5ms");
    duration_bad("0.0001s");
    duration_bad("366d");
    duration_bad("99999999999999999999h");
    duration_bad("s");
    duration_bad(".s");
    duration_bad("5x");
}

static void test_duration_format(void **state)
{
    (void)state;
    char out[32];
    static const struct { uint64_t ms; const char *text; } cases[] = {
        {0, "0s"}, {250, "250ms"}, {30000, "30s"}, {5400000, "1h30m"}, {90250, "1m30s250ms"},
        {172800000, "48h"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        convoy__format_duration(out, sizeof out, cases[i].ms);
        assert_string_equal(out, cases[i].text);
        uint64_t back;
        const char *why;
        assert_int_equal(convoy__parse_duration(&back, &why, out), 0);
        assert_int_equal(back, cases[i].ms);
    }
}

static void test_weights(void **state)
{
    (void)state;
    uint32_t bp = 0;
    assert_int_equal(convoy__weight_bp(&bp, 20), 0);
    assert_int_equal(bp, 2000);
    assert_int_equal(convoy__weight_bp(&bp, 12.25), 0);
    assert_int_equal(bp, 1225);
    assert_int_equal(convoy__weight_bp(&bp, 0.01), 0);
    assert_int_equal(bp, 1);
    assert_int_equal(convoy__weight_bp(&bp, 33.33), 0);
    assert_int_equal(bp, 3333);
    assert_int_equal(convoy__weight_bp(&bp, 100), 0);
    assert_int_equal(bp, 10000);
    assert_int_equal(convoy__weight_bp(&bp, 0), 0);
    assert_int_equal(bp, 0);
    assert_int_equal(convoy__weight_bp(&bp, 12.345), CONVOY_P_PRECISION);
    assert_int_equal(convoy__weight_bp(&bp, 100.01), CONVOY_P_RANGE);
    assert_int_equal(convoy__weight_bp(&bp, -1), CONVOY_P_RANGE);
    char out[16];
    convoy__format_weight(out, sizeof out, 1225);
    assert_string_equal(out, "12.25");
    convoy__format_weight(out, sizeof out, 1250);
    assert_string_equal(out, "12.5");
    convoy__format_weight(out, sizeof out, 5);
    assert_string_equal(out, "0.05");
    convoy__format_weight(out, sizeof out, 10000);
    assert_string_equal(out, "100");
}

static void test_names(void **state)
{
    (void)state;
    assert_true(convoy__valid_name("payments"));
    assert_true(convoy__valid_name("a"));
    assert_true(convoy__valid_name("api.v2_canary-1"));
    assert_true(convoy__valid_name("9lives"));
    assert_false(convoy__valid_name(""));
    assert_false(convoy__valid_name("-x"));
    assert_false(convoy__valid_name("has space"));
    assert_false(convoy__valid_name("slash/name"));
    char long_name[300];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_false(convoy__valid_name(long_name));
    long_name[253] = '\0';
    assert_true(convoy__valid_name(long_name));
}

static void criterion_ok(const char *text, int op, int rel, double value)
{
    convoy__criterion c;
    size_t pos;
    const char *why;
    if (convoy__criterion_parse(&c, &pos, &why, text) != 0)
        fail_msg("\"%s\" rejected at %zu: %s", text, pos, why);
    assert_int_equal(c.op, op);
    assert_int_equal(c.relative, rel);
    assert_true(c.value == value);
}

static void criterion_bad(const char *text, size_t at)
{
    convoy__criterion c;
    size_t pos = 999;
    const char *why = NULL;
    if (convoy__criterion_parse(&c, &pos, &why, text) == 0)
        fail_msg("\"%s\" accepted", text);
    assert_int_equal(pos, at);
    assert_non_null(why);
}

static void test_criteria(void **state)
{
    (void)state;
    criterion_ok("<0.01", CONVOY__OP_LT, CONVOY__REL_ABSOLUTE, 0.01);
    criterion_ok(">=99.5", CONVOY__OP_GE, CONVOY__REL_ABSOLUTE, 99.5);
    criterion_ok("<=+10%", CONVOY__OP_LE, CONVOY__REL_PERCENT, 10);
    criterion_ok(">-5%", CONVOY__OP_GT, CONVOY__REL_PERCENT, -5);
    criterion_ok("=+1", CONVOY__OP_EQ, CONVOY__REL_DELTA, 1);
    criterion_ok("<= 15", CONVOY__OP_LE, CONVOY__REL_ABSOLUTE, 15);
    criterion_ok(" < 10 % ", CONVOY__OP_LT, CONVOY__REL_PERCENT, 10);
    criterion_ok("<-2", CONVOY__OP_LT, CONVOY__REL_DELTA, -2);
    criterion_bad("<<0.1", 1);
    criterion_bad("~5", 0);
    criterion_bad("", 0);
    criterion_bad("<", 1);
    criterion_bad("<5x", 2);
    criterion_bad("<5%%", 3);
    criterion_bad("0.1", 0);
    criterion_bad("<.", 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),  cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_weights),    cmocka_unit_test(test_names),
        cmocka_unit_test(test_criteria),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
