/*
 * test_weights - convoy_weights_at and convoy_weight_parse of
 * <convoy/traffic.h>: the baseline / candidate / mirror split of a service
 * during each step, before the first one and after promotion, for explicit
 * set_weight schedules and for Flagger's step_weight / step_weights /
 * max_weight / interval shorthand (which must give identical schedules),
 * and percentages as text.
 */
#include "traffic_test.h"

#ifndef SOURCE_ROOT
#  error "SOURCE_ROOT must be defined by the build"
#endif
#define SHOP_PLAN SOURCE_ROOT "/examples/plans/shop.json"

/* ------------------------------------------------------------ helpers */

typedef struct split {
    uint32_t baseline, candidate, mirror;
} split;

static split weights_at(const convoy_service *svc, size_t step, int line)
{
    split s = {12345u, 12345u, 12345u};
    int rc = convoy_weights_at(&s.baseline, &s.candidate, &s.mirror, svc, step);
    if (rc != CONVOY_OK)
        fail_msg("line %d: convoy_weights_at(\"%s\", %zu) returned %d (%s): %s", line,
                 convoy_service_name(svc), step, rc, convoy_strerror(rc),
                 convoy_error_message(convoy_error_last()));
    if (s.baseline + s.candidate != 10000u)
        fail_msg("line %d: \"%s\" step %zu: baseline %u + candidate %u != 10000", line,
                 convoy_service_name(svc), step, (unsigned)s.baseline, (unsigned)s.candidate);
    return s;
}

static void expect_split(const convoy_service *svc, size_t step, uint32_t candidate,
                         uint32_t mirror, int line)
{
    split s = weights_at(svc, step, line);
    if (s.candidate != candidate || s.mirror != mirror)
        fail_msg("line %d: \"%s\" step %zu: candidate %u mirror %u, expected candidate %u "
                 "mirror %u",
                 line, convoy_service_name(svc), step, (unsigned)s.candidate,
                 (unsigned)s.mirror, (unsigned)candidate, (unsigned)mirror);
}
#define EXPECT_SPLIT(svc, step, cand, mirror) expect_split((svc), (step), (cand), (mirror), __LINE__)

/* Outside the steps: everything on one side, no mirror. */
static void expect_ends(const convoy_service *svc, int line)
{
    size_t n = convoy_service_step_count(svc);
    expect_split(svc, CONVOY_STEP_BEFORE, 0, 0, line);
    expect_split(svc, CONVOY_STEP_PROMOTED, 10000, 0, line);
    expect_split(svc, n, 10000, 0, line);
    split s = {1, 2, 3};
    convoy_error_clear();
    int rc = convoy_weights_at(&s.baseline, &s.candidate, &s.mirror, svc, n + 1);
    if (rc != CONVOY_E_RANGE)
        fail_msg("line %d: \"%s\" step %zu (step_count + 1) returned %d, expected "
                 "CONVOY_E_RANGE",
                 line, convoy_service_name(svc), n + 1, rc);
    if (convoy_error_code(convoy_error_last()) != CONVOY_E_RANGE ||
        !convoy_error_message(convoy_error_last()) ||
        !convoy_error_message(convoy_error_last())[0])
        fail_msg("line %d: no CONVOY_E_RANGE error record with a message", line);
}
#define EXPECT_ENDS(svc) expect_ends((svc), __LINE__)

/* `a` and `b` have the same steps (kinds) and the same split at every
 * position, including BEFORE, PROMOTED and step_count. */
static void expect_same_schedule(const convoy_plan *plan, const char *a, const char *b, int line)
{
    const convoy_service *x = tt_service(plan, a), *y = tt_service(plan, b);
    size_t n = convoy_service_step_count(x);
    if (convoy_service_step_count(y) != n)
        fail_msg("line %d: \"%s\" has %zu steps, \"%s\" has %zu", line, a, n, b,
                 convoy_service_step_count(y));
    for (size_t i = 0; i <= n; i++) {
        if (i < n &&
            convoy_step_kind(convoy_service_step(x, i)) != convoy_step_kind(convoy_service_step(y, i)))
            fail_msg("line %d: step %zu: kind %d in \"%s\", %d in \"%s\"", line, i,
                     convoy_step_kind(convoy_service_step(x, i)), a,
                     convoy_step_kind(convoy_service_step(y, i)), b);
        split sx = weights_at(x, i, line), sy = weights_at(y, i, line);
        if (memcmp(&sx, &sy, sizeof sx) != 0)
            fail_msg("line %d: step %zu: \"%s\" %u/%u/%u, \"%s\" %u/%u/%u (baseline/candidate/"
                     "mirror)",
                     line, i, a, (unsigned)sx.baseline, (unsigned)sx.candidate,
                     (unsigned)sx.mirror, b, (unsigned)sy.baseline, (unsigned)sy.candidate,
                     (unsigned)sy.mirror);
    }
    expect_ends(x, line);
    expect_ends(y, line);
}
#define EXPECT_SAME_SCHEDULE(plan, a, b) expect_same_schedule((plan), (a), (b), __LINE__)

/* The candidate weights of the set_weight steps of `svc`, in order. */
static void expect_ladder(const convoy_service *svc, const uint32_t *ladder, size_t n, int line)
{
    size_t k = 0;
    for (size_t i = 0; i < convoy_service_step_count(svc); i++) {
        const convoy_step *st = convoy_service_step(svc, i);
        split s = weights_at(svc, i, line);
        if (s.candidate != convoy_step_weight_bp(st))
            fail_msg("line %d: \"%s\" step %zu: candidate %u, convoy_step_weight_bp %u", line,
                     convoy_service_name(svc), i, (unsigned)s.candidate,
                     (unsigned)convoy_step_weight_bp(st));
        if (convoy_step_kind(st) != CONVOY_STEP_SET_WEIGHT)
            continue;
        if (k >= n || s.candidate != ladder[k])
            fail_msg("line %d: \"%s\" set_weight #%zu is %u, expected %u", line,
                     convoy_service_name(svc), k, (unsigned)s.candidate,
                     k < n ? (unsigned)ladder[k] : 0u);
        k++;
    }
    if (k != n)
        fail_msg("line %d: \"%s\" has %zu set_weight steps, expected %zu", line,
                 convoy_service_name(svc), k, n);
}
#define EXPECT_LADDER(svc, ...)                                                             \
    do {                                                                                    \
        static const uint32_t l_[] = {__VA_ARGS__};                                         \
        expect_ladder((svc), l_, COUNT(l_), __LINE__);                                      \
    } while (0)

/* ------------------------------------------------------------ explicit schedules */

static const char EXPLICIT_PLAN[] =
    "{'name': 'w', 'services': ["
    " {'name': 'explicit', 'steps': [{'set_weight': 10}, {'pause': '1m'}, {'set_weight': 20},"
    "   {'pause': '1m'}, {'set_weight': 30}, {'pause': '1m'}]},"
    " {'name': 'late', 'steps': [{'pause': '30s'}, {'approval': true},"
    "   {'webhook': {'name': 'hook', 'url': 'http://127.0.0.1:1/'}}, {'set_weight': 12.5},"
    "   {'pause': '1m'}, {'set_weight': 0.01}, {'set_weight': 100}]},"
    " {'name': 'none'}"
    "]}";

static void test_explicit_steps(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(EXPLICIT_PLAN);
    const convoy_service *svc = tt_service(plan, "explicit");
    assert_int_equal(convoy_service_step_count(svc), 6);
    static const uint32_t cand[] = {1000, 1000, 2000, 2000, 3000, 3000};
    for (size_t i = 0; i < COUNT(cand); i++)
        EXPECT_SPLIT(svc, i, cand[i], 0);
    split s = weights_at(svc, 2, __LINE__);
    assert_int_equal(s.baseline, 8000);
    EXPECT_ENDS(svc);

    /* Steps before the first set_weight run at 0; weights may go down. */
    svc = tt_service(plan, "late");
    static const uint32_t late[] = {0, 0, 0, 1250, 1250, 1, 10000};
    assert_int_equal(convoy_service_step_count(svc), COUNT(late));
    for (size_t i = 0; i < COUNT(late); i++)
        EXPECT_SPLIT(svc, i, late[i], 0);
    EXPECT_ENDS(svc);

    /* No steps at all: index 0 is step_count, i.e. promoted. */
    svc = tt_service(plan, "none");
    assert_int_equal(convoy_service_step_count(svc), 0);
    EXPECT_SPLIT(svc, 0, 10000, 0);
    EXPECT_ENDS(svc);
    convoy_plan_free(plan);
}

static void test_range(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(EXPLICIT_PLAN);
    const convoy_service *svc = tt_service(plan, "explicit");
    uint32_t b, c, m;
    assert_status(convoy_weights_at(&b, &c, &m, svc, 7), CONVOY_E_RANGE);
    assert_status(convoy_weights_at(&b, &c, &m, svc, 1000), CONVOY_E_RANGE);
    /* Huge indices that are not one of the two named positions. */
    assert_status(convoy_weights_at(&b, &c, &m, svc, (size_t)-3), CONVOY_E_RANGE);
    assert_status(convoy_weights_at(&b, &c, &m, svc, ((size_t)-1) / 2), CONVOY_E_RANGE);
    assert_status(convoy_weights_at(NULL, NULL, NULL, svc, 7), CONVOY_E_RANGE);
    /* The named positions are not errors, whatever the step count. */
    assert_ok(convoy_weights_at(&b, &c, &m, svc, CONVOY_STEP_BEFORE));
    assert_ok(convoy_weights_at(&b, &c, &m, svc, CONVOY_STEP_PROMOTED));
    convoy_plan_free(plan);
}

static void test_null_arguments(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(EXPLICIT_PLAN);
    const convoy_service *svc = tt_service(plan, "explicit");
    const size_t steps[] = {0, 2, 5, 6, CONVOY_STEP_BEFORE, CONVOY_STEP_PROMOTED};
    for (size_t k = 0; k < COUNT(steps); k++) {
        split all = weights_at(svc, steps[k], __LINE__);
        /* Every combination of NULL out-parameters. */
        for (unsigned mask = 0; mask < 8; mask++) {
            uint32_t b = 7, c = 7, m = 7;
            assert_ok(convoy_weights_at(mask & 1 ? &b : NULL, mask & 2 ? &c : NULL,
                                        mask & 4 ? &m : NULL, svc, steps[k]));
            assert_int_equal(b, mask & 1 ? all.baseline : 7u);
            assert_int_equal(c, mask & 2 ? all.candidate : 7u);
            assert_int_equal(m, mask & 4 ? all.mirror : 7u);
        }
    }
    uint32_t b, c, m;
    assert_status(convoy_weights_at(&b, &c, &m, NULL, 0), CONVOY_E_INVALID_ARG);
    assert_status(convoy_weights_at(NULL, NULL, NULL, NULL, 0), CONVOY_E_INVALID_ARG);
    assert_status(convoy_weights_at(&b, &c, &m, NULL, CONVOY_STEP_BEFORE), CONVOY_E_INVALID_ARG);
    assert_status(convoy_weights_at(&b, &c, &m, NULL, CONVOY_STEP_PROMOTED),
                  CONVOY_E_INVALID_ARG);
    convoy_plan_free(plan);
}

/* ------------------------------------------------------------ Flagger shorthand */

static void test_shorthand_step_weight(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(
        "{'name': 'w', 'services': ["
        " {'name': 'explicit', 'steps': [{'set_weight': 10}, {'pause': '1m'}, {'set_weight': 20},"
        "   {'pause': '1m'}, {'set_weight': 30}, {'pause': '1m'}]},"
        " {'name': 'flagger', 'step_weight': 10, 'max_weight': 30, 'interval': '1m'},"
        /* interval defaults to 1m */
        " {'name': 'flagger-default-interval', 'step_weight': 10, 'max_weight': 30},"
        /* max_weight defaults to 100, the last rung is capped */
        " {'name': 'explicit-30', 'steps': [{'set_weight': 30}, {'pause': '20s'}, {'set_weight': 60},"
        "   {'pause': '20s'}, {'set_weight': 90}, {'pause': '20s'}, {'set_weight': 100},"
        "   {'pause': '20s'}]},"
        " {'name': 'flagger-30', 'step_weight': 30, 'interval': '20s'},"
        /* two decimals */
        " {'name': 'explicit-12.5', 'steps': [{'set_weight': 12.5}, {'pause': '1m'},"
        "   {'set_weight': 25}, {'pause': '1m'}, {'set_weight': 37.5}, {'pause': '1m'},"
        "   {'set_weight': 40}, {'pause': '1m'}]},"
        " {'name': 'flagger-12.5', 'step_weight': 12.5, 'max_weight': 40},"
        /* a step larger than the cap: one rung at the cap */
        " {'name': 'explicit-cap', 'steps': [{'set_weight': 5}, {'pause': '1m'}]},"
        " {'name': 'flagger-cap', 'step_weight': 50, 'max_weight': 5}"
        "]}");
    EXPECT_SAME_SCHEDULE(plan, "explicit", "flagger");
    EXPECT_SAME_SCHEDULE(plan, "explicit", "flagger-default-interval");
    EXPECT_SAME_SCHEDULE(plan, "explicit-30", "flagger-30");
    EXPECT_SAME_SCHEDULE(plan, "explicit-12.5", "flagger-12.5");
    EXPECT_SAME_SCHEDULE(plan, "explicit-cap", "flagger-cap");
    EXPECT_LADDER(tt_service(plan, "flagger"), 1000, 2000, 3000);
    EXPECT_LADDER(tt_service(plan, "flagger-30"), 3000, 6000, 9000, 10000);
    EXPECT_LADDER(tt_service(plan, "flagger-12.5"), 1250, 2500, 3750, 4000);
    EXPECT_LADDER(tt_service(plan, "flagger-cap"), 500);
    /* Pauses during the shorthand keep the rung's weight. */
    EXPECT_SPLIT(tt_service(plan, "flagger-30"), 7, 10000, 0);
    EXPECT_SPLIT(tt_service(plan, "flagger-30"), 3, 6000, 0);
    convoy_plan_free(plan);
}

static void test_shorthand_step_weights(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(
        "{'name': 'w', 'services': ["
        " {'name': 'explicit', 'steps': [{'set_weight': 10}, {'pause': '1m'}, {'set_weight': 20},"
        "   {'pause': '1m'}, {'set_weight': 30}, {'pause': '1m'}]},"
        " {'name': 'ladder', 'step_weights': [10, 20, 30]},"
        " {'name': 'ladder-interval', 'step_weights': [10, 20, 30], 'interval': '60s'},"
        /* capped at max_weight, stopping at the first rung that reaches it */
        " {'name': 'ladder-capped', 'step_weights': [10, 20, 35, 50, 70], 'max_weight': 30},"
        " {'name': 'ladder-exact-cap', 'step_weights': [10, 20, 30, 40], 'max_weight': 30},"
        " {'name': 'explicit-fine', 'steps': [{'set_weight': 0.5}, {'pause': '5m'},"
        "   {'set_weight': 1.25}, {'pause': '5m'}, {'set_weight': 99.99}, {'pause': '5m'}]},"
        " {'name': 'ladder-fine', 'step_weights': [0.5, 1.25, 99.99], 'interval': '5m'}"
        "]}");
    EXPECT_SAME_SCHEDULE(plan, "explicit", "ladder");
    EXPECT_SAME_SCHEDULE(plan, "explicit", "ladder-interval");
    EXPECT_SAME_SCHEDULE(plan, "explicit", "ladder-capped");
    EXPECT_SAME_SCHEDULE(plan, "explicit", "ladder-exact-cap");
    EXPECT_SAME_SCHEDULE(plan, "explicit-fine", "ladder-fine");
    EXPECT_LADDER(tt_service(plan, "ladder-capped"), 1000, 2000, 3000);
    EXPECT_LADDER(tt_service(plan, "ladder-fine"), 50, 125, 9999);
    convoy_plan_free(plan);
}

static void test_shorthand_with_analysis_and_defaults(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(
        "{'name': 'w',"
        " 'analyses': {'errors': {'metrics': [{'name': 'error-rate',"
        "   'provider': {'prometheus': {'query': 'q'}}, 'success': '<0.01'}]}},"
        " 'defaults': {'step_weight': 20, 'max_weight': 40, 'interval': '2m'},"
        " 'services': ["
        " {'name': 'explicit', 'steps': [{'set_weight': 25}, {'pause': '1m'},"
        "   {'analysis': 'errors'}, {'set_weight': 50}, {'pause': '1m'}, {'analysis': 'errors'}]},"
        " {'name': 'flagger', 'step_weight': 25, 'max_weight': 50, 'analysis': 'errors'},"
        " {'name': 'explicit-defaults', 'steps': [{'set_weight': 20}, {'pause': '2m'},"
        "   {'set_weight': 40}, {'pause': '2m'}]},"
        " {'name': 'inherits'}"
        "]}");
    EXPECT_SAME_SCHEDULE(plan, "explicit", "flagger");
    EXPECT_SAME_SCHEDULE(plan, "explicit-defaults", "inherits");
    const convoy_service *svc = tt_service(plan, "flagger");
    /* The analysis steps run at the rung's weight. */
    assert_int_equal(convoy_step_kind(convoy_service_step(svc, 2)), CONVOY_STEP_ANALYSIS);
    EXPECT_SPLIT(svc, 2, 2500, 0);
    EXPECT_SPLIT(svc, 5, 5000, 0);
    convoy_plan_free(plan);
}

/* Members of a cohort move in lockstep, however each writes its schedule. */
static void test_cohort_lockstep(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(
        "{'name': 'w', 'services': ["
        " {'name': 'cart', 'traffic': {'cohort': 'checkout-flow'},"
        "  'steps': [{'set_weight': 10}, {'pause': '1m'}, {'set_weight': 20}, {'pause': '1m'}]},"
        " {'name': 'pay', 'traffic': {'cohort': 'checkout-flow'}, 'step_weight': 10,"
        "  'max_weight': 20}"
        "]}");
    EXPECT_SAME_SCHEDULE(plan, "cart", "pay");
    convoy_plan_free(plan);
}

/* ------------------------------------------------------------ mirror */

static void test_mirror_steps(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(
        "{'name': 'w', 'services': ["
        " {'name': 'm', 'steps': [{'pause': '1m'}, {'set_mirror': 20}, {'set_weight': 10},"
        "   {'pause': '1m'}, {'set_mirror': 0}, {'set_weight': 50}, {'set_mirror': 5.5},"
        "   {'approval': true}]},"
        " {'name': 'mirror-only', 'steps': [{'set_mirror': 100}, {'pause': '1m'}]}"
        "]}");
    const convoy_service *svc = tt_service(plan, "m");
    assert_int_equal(convoy_service_step_count(svc), 8);
    EXPECT_SPLIT(svc, 0, 0, 0);
    EXPECT_SPLIT(svc, 1, 0, 2000);
    EXPECT_SPLIT(svc, 2, 1000, 2000);
    EXPECT_SPLIT(svc, 3, 1000, 2000);
    EXPECT_SPLIT(svc, 4, 1000, 0);
    EXPECT_SPLIT(svc, 5, 5000, 0);
    EXPECT_SPLIT(svc, 6, 5000, 550);
    EXPECT_SPLIT(svc, 7, 5000, 550);
    for (size_t i = 0; i < 8; i++) {
        split s = weights_at(svc, i, __LINE__);
        assert_int_equal(s.mirror, convoy_step_mirror_bp(convoy_service_step(svc, i)));
        assert_int_equal(s.candidate, convoy_step_weight_bp(convoy_service_step(svc, i)));
    }
    /* No mirror outside the steps, even when the last step mirrors. */
    EXPECT_ENDS(svc);

    svc = tt_service(plan, "mirror-only");
    EXPECT_SPLIT(svc, 0, 0, 10000);
    EXPECT_SPLIT(svc, 1, 0, 10000);
    EXPECT_ENDS(svc);
    convoy_plan_free(plan);
}

/* ------------------------------------------------------------ the example plan */

/* Every step of every service of examples/plans/shop.json agrees with the
 * step getters of <convoy/plan.h>. */
static void test_shop_plan(void **state)
{
    (void)state;
    convoy_plan *plan = NULL;
    assert_ok(convoy_plan_parse_file(&plan, NULL, SHOP_PLAN, NULL));
    for (size_t s = 0; s < convoy_plan_service_count(plan); s++) {
        const convoy_service *svc = convoy_plan_service(plan, s);
        for (size_t i = 0; i < convoy_service_step_count(svc); i++) {
            const convoy_step *st = convoy_service_step(svc, i);
            split w = weights_at(svc, i, __LINE__);
            if (w.candidate != convoy_step_weight_bp(st) ||
                w.mirror != convoy_step_mirror_bp(st))
                fail_msg("\"%s\" step %zu: %u/%u, the step says %u/%u (candidate/mirror)",
                         convoy_service_name(svc), i, (unsigned)w.candidate,
                         (unsigned)w.mirror, (unsigned)convoy_step_weight_bp(st),
                         (unsigned)convoy_step_mirror_bp(st));
        }
        EXPECT_ENDS(svc);
    }
    const convoy_service *frontend = tt_service(plan, "frontend");
    EXPECT_SPLIT(frontend, 0, 0, 2000);
    EXPECT_SPLIT(frontend, 2, 1000, 2000);
    EXPECT_SPLIT(frontend, 9, 8000, 2000);
    const convoy_service *checkout = tt_service(plan, "checkout");
    EXPECT_SPLIT(checkout, 0, 0, 0);
    EXPECT_SPLIT(checkout, 1, 1250, 0);
    EXPECT_SPLIT(checkout, 9, 7500, 0);
    convoy_plan_free(plan);
}

/* ------------------------------------------------------------ convoy_weight_parse */

static void expect_parse(const char *text, uint32_t bp, int line)
{
    uint32_t got = 99999;
    int rc = convoy_weight_parse(&got, text);
    if (rc != CONVOY_OK)
        fail_msg("line %d: convoy_weight_parse(\"%s\") returned %d (%s): %s", line, text, rc,
                 convoy_strerror(rc), convoy_error_message(convoy_error_last()));
    if (got != bp)
        fail_msg("line %d: convoy_weight_parse(\"%s\") = %u, expected %u", line, text,
                 (unsigned)got, (unsigned)bp);
}
#define PARSES(text, bp) expect_parse((text), (bp), __LINE__)

static void expect_invalid(const char *text, int line)
{
    uint32_t got = 99999;
    convoy_error_clear();
    int rc = convoy_weight_parse(&got, text);
    if (rc != CONVOY_E_INVALID)
        fail_msg("line %d: convoy_weight_parse(\"%s\") returned %d (%s) with %u, expected "
                 "CONVOY_E_INVALID",
                 line, text, rc, convoy_strerror(rc), (unsigned)got);
    const convoy_error *e = convoy_error_last();
    if (convoy_error_code(e) != CONVOY_E_INVALID || !convoy_error_message(e) ||
        !convoy_error_message(e)[0])
        fail_msg("line %d: \"%s\": no CONVOY_E_INVALID error record with a message", line,
                 text);
}
#define INVALID(text) expect_invalid((text), __LINE__)

static void test_weight_parse_valid(void **state)
{
    (void)state;
    PARSES("0", 0);
    PARSES("100", 10000);
    PARSES("12.5", 1250);
    PARSES("12.34", 1234);
    PARSES("0.01", 1);
    PARSES("0.25", 25);
    PARSES("0.1", 10);
    PARSES("0.0", 0);
    PARSES("0.00", 0);
    PARSES("5", 500);
    PARSES("7.05", 705);
    PARSES("50.5", 5050);
    PARSES("99.99", 9999);
    PARSES("100.0", 10000);
    PARSES("100.00", 10000);
    /* Every basis point value round-trips through its two-decimal text. */
    for (uint32_t bp = 0; bp <= 10000; bp++) {
        char text[16];
        snprintf(text, sizeof text, "%u.%02u", (unsigned)(bp / 100), (unsigned)(bp % 100));
        uint32_t got = 99999;
        if (convoy_weight_parse(&got, text) != CONVOY_OK || got != bp)
            fail_msg("convoy_weight_parse(\"%s\") = %u, expected %u", text, (unsigned)got,
                     (unsigned)bp);
    }
}

static void test_weight_parse_invalid(void **state)
{
    (void)state;
    INVALID("12.345");   /* three decimals */
    INVALID("0.001");
    INVALID("101");      /* above 100 */
    INVALID("100.01");
    INVALID("1000");
    INVALID("99999999999999999999999");
    INVALID("-1");       /* signs */
    INVALID("-0");
    INVALID("+5");
    INVALID(" 5");       /* spaces */
    INVALID("5 ");
    INVALID("\t5");
    INVALID("5\n");
    INVALID("1e1");      /* exponents */
    INVALID("1E1");
    INVALID("5e0");
    INVALID("");         /* not numbers */
    INVALID("abc");
    INVALID("5%");
    INVALID("0x10");
    INVALID("1,5");
    INVALID("12.3.4");
    INVALID("nan");
    INVALID("inf");
    /* JSON numbers have digits on both sides of the point. */
    INVALID("5.");
    INVALID(".5");
    INVALID(".");

    uint32_t bp = 0;
    assert_status(convoy_weight_parse(&bp, NULL), CONVOY_E_INVALID_ARG);
    assert_status(convoy_weight_parse(NULL, "5"), CONVOY_E_INVALID_ARG);
    assert_status(convoy_weight_parse(NULL, NULL), CONVOY_E_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_explicit_steps),
        cmocka_unit_test(test_range),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_shorthand_step_weight),
        cmocka_unit_test(test_shorthand_step_weights),
        cmocka_unit_test(test_shorthand_with_analysis_and_defaults),
        cmocka_unit_test(test_cohort_lockstep),
        cmocka_unit_test(test_mirror_steps),
        cmocka_unit_test(test_shop_plan),
        cmocka_unit_test(test_weight_parse_valid),
        cmocka_unit_test(test_weight_parse_invalid),
    };
    return cmocka_run_group_tests_name("traffic weights", tests, NULL, NULL);
}
