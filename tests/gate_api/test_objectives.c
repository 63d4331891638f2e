/*
 * test_objectives - Keptn quality gates in <convoy/gate.h>: objectives with
 * pass and warning criteria blocks, weights and half scores, key and
 * informational objectives, history filtered by outcome and cut to the
 * last N, aggregated for relative criteria, and the total against the
 * thresholds. REFERENCE.md section 4 and gate.h.
 */
#include "gate_test.h"

/* ------------------------------------------------------------ helpers */

static convoy_objective objective(const char *name, double value)
{
    convoy_objective o;
    assert_ok(convoy_objective_init(&o, CONVOY_OBJECTIVE_VERSION));
    o.name = name;
    o.has_value = 1;
    o.value = value;
    return o;
}

/* One block of pass criteria (all must hold). */
static const size_t ONE[] = {1};
static const size_t ONE_ONE[] = {1, 1};
static const size_t TWO[] = {2};

static convoy_quality_gate gate_defaults(void)
{
    convoy_quality_gate g;
    assert_ok(convoy_quality_gate_init(&g, CONVOY_QUALITY_GATE_VERSION));
    return g;
}

static convoy_gate_result *evaluate(const convoy_quality_gate *g, const convoy_objective *objs,
                                    size_t n)
{
    convoy_gate_result *r = NULL;
    assert_ok(convoy_evaluate_objectives(&r, g, objs, n));
    assert_non_null(r);
    assert_int_equal(convoy_gate_result_count(r), n);
    return r;
}

static const char *outcome_name(int o)
{
    switch (o) {
    case CONVOY_OBJECTIVE_PASS: return "pass";
    case CONVOY_OBJECTIVE_WARNING: return "warning";
    case CONVOY_OBJECTIVE_FAIL: return "fail";
    case CONVOY_OBJECTIVE_INFO: return "info";
    default: return "?";
    }
}

#define assert_outcome(actual, expected)                                                    \
    do {                                                                                    \
        int o_ = (actual), e_ = (expected);                                                 \
        if (o_ != e_)                                                                       \
            fail_msg("%s = %d (%s), expected %s", #actual, o_, outcome_name(o_),            \
                     outcome_name(e_));                                                     \
    } while (0)

/* The outcome of a single objective evaluated alone with `g`. */
static int single(const convoy_quality_gate *g, const convoy_objective *o, double *aggregate)
{
    convoy_gate_result *r = evaluate(g, o, 1);
    int out = convoy_gate_result_objective_outcome(r, 0);
    if (aggregate)
        *aggregate = convoy_gate_result_objective_aggregate(r, 0);
    convoy_gate_result_free(r);
    return out;
}

/* ------------------------------------------------------------ init */

static void test_inits(void **state)
{
    (void)state;
    convoy_objective o;
    memset(&o, 0x5A, sizeof o);
    assert_ok(convoy_objective_init(&o, CONVOY_OBJECTIVE_VERSION));
    assert_int_equal(o.version, CONVOY_OBJECTIVE_VERSION);
    assert_null(o.name);
    assert_null(o.pass);
    assert_null(o.pass_block_sizes);
    assert_int_equal(o.n_pass_blocks, 0);
    assert_null(o.warning);
    assert_null(o.warning_block_sizes);
    assert_int_equal(o.n_warning_blocks, 0);
    assert_double_equal(o.weight, 1.0);
    assert_int_equal(o.key, 0);
    assert_int_equal(o.has_value, 0);
    assert_null(o.history);
    assert_int_equal(o.n_history, 0);
    convoy_objective m = CONVOY_OBJECTIVE_INIT;
    assert_double_equal(m.weight, o.weight);
    assert_int_equal(m.version, o.version);
    assert_status(convoy_objective_init(&o, 0), CONVOY_E_VERSION);
    assert_status(convoy_objective_init(&o, CONVOY_OBJECTIVE_VERSION + 1), CONVOY_E_VERSION);

    convoy_quality_gate g;
    memset(&g, 0x5A, sizeof g);
    assert_ok(convoy_quality_gate_init(&g, CONVOY_QUALITY_GATE_VERSION));
    assert_int_equal(g.version, CONVOY_QUALITY_GATE_VERSION);
    assert_double_equal(g.pass_threshold, 90);
    assert_double_equal(g.warning_threshold, 75);
    assert_int_equal(g.history_filter, CONVOY_HISTORY_PASS);
    assert_int_equal(g.history_count, 1);
    assert_int_equal(g.aggregate, CONVOY_AGGREGATE_AVG);
    convoy_quality_gate gm = CONVOY_QUALITY_GATE_INIT;
    assert_double_equal(gm.pass_threshold, g.pass_threshold);
    assert_double_equal(gm.warning_threshold, g.warning_threshold);
    assert_int_equal(gm.history_count, g.history_count);
    assert_status(convoy_quality_gate_init(&g, 0), CONVOY_E_VERSION);
    assert_status(convoy_quality_gate_init(&g, CONVOY_QUALITY_GATE_VERSION + 1),
                  CONVOY_E_VERSION);
}

/* ------------------------------------------------------------ Keptn vector */

/* pass "<=15" OR "<=+10%", warning "<=20" OR "<=+15%", earlier [10]. */
static const char *const KEPTN_PASS[] = {"<=15", "<=+10%"};
static const char *const KEPTN_WARNING[] = {"<=20", "<=+15%"};
static const convoy_history_entry KEPTN_HISTORY[] = {{10, CONVOY_OBJECTIVE_PASS}};

static convoy_objective keptn_objective(double value)
{
    convoy_objective o = objective("response_time_p95", value);
    o.pass = KEPTN_PASS;
    o.pass_block_sizes = ONE_ONE;
    o.n_pass_blocks = 2;
    o.warning = KEPTN_WARNING;
    o.warning_block_sizes = ONE_ONE;
    o.n_warning_blocks = 2;
    o.history = KEPTN_HISTORY;
    o.n_history = 1;
    return o;
}

static void test_keptn_vector_pass(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective o = keptn_objective(10);
    convoy_gate_result *r = evaluate(&g, &o, 1);
    assert_outcome(convoy_gate_result_objective_outcome(r, 0), CONVOY_OBJECTIVE_PASS);
    assert_near(convoy_gate_result_objective_score(r, 0), 1.0, 1e-12);
    assert_near(convoy_gate_result_objective_aggregate(r, 0), 10, 1e-12);
    assert_near(convoy_gate_result_score(r), 100, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS);
    convoy_gate_result_free(r);
}

static void test_keptn_vector_warning(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective o = keptn_objective(16);
    convoy_gate_result *r = evaluate(&g, &o, 1);
    /* 16 > 15 and 16 > 11, but 16 <= 20 -> warning, half the weight. */
    assert_outcome(convoy_gate_result_objective_outcome(r, 0), CONVOY_OBJECTIVE_WARNING);
    assert_near(convoy_gate_result_objective_score(r, 0), 0.5, 1e-12);
    assert_near(convoy_gate_result_score(r), 50, 1e-9);
    /* 50 is below the default thresholds (90/75): the gate fails... */
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_FAIL);
    convoy_gate_result_free(r);
    /* ...and warns with a warning threshold of 50. */
    g.warning_threshold = 50;
    r = evaluate(&g, &o, 1);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_WARNING);
    convoy_gate_result_free(r);
}

static void test_keptn_vector_fail(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective o = keptn_objective(21);
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_FAIL);
    o.value = 15; /* "<=15" holds although "<=+10%" (11) does not: blocks are ORed */
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_PASS);
    o.value = 11.4; /* "<=+15%" (11.5) */
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_PASS);
}

/* ------------------------------------------------------------ blocks */

static void test_blocks_and_or(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();

    /* One block of two: ANDed. */
    static const char *const range[] = {">=5", "<=15"};
    convoy_objective o = objective("range", 10);
    o.pass = range;
    o.pass_block_sizes = TWO;
    o.n_pass_blocks = 1;
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_PASS);
    o.value = 3;
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_FAIL);
    o.value = 16;
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_FAIL);

    /* Two blocks of one: ORed. */
    static const char *const either[] = {"<=1", ">=100"};
    convoy_objective e = objective("either", 150);
    e.pass = either;
    e.pass_block_sizes = ONE_ONE;
    e.n_pass_blocks = 2;
    assert_outcome(single(&g, &e, NULL), CONVOY_OBJECTIVE_PASS);
    e.value = 0;
    assert_outcome(single(&g, &e, NULL), CONVOY_OBJECTIVE_PASS);
    e.value = 50;
    assert_outcome(single(&g, &e, NULL), CONVOY_OBJECTIVE_FAIL);

    /* Blocks of different sizes: (>=0 AND <=1) OR (>=10 AND <=11). */
    static const char *const mixed[] = {">=0", "<=1", ">=10", "<=11"};
    static const size_t sizes[] = {2, 2};
    convoy_objective m = objective("mixed", 10.5);
    m.pass = mixed;
    m.pass_block_sizes = sizes;
    m.n_pass_blocks = 2;
    assert_outcome(single(&g, &m, NULL), CONVOY_OBJECTIVE_PASS);
    m.value = 0.5;
    assert_outcome(single(&g, &m, NULL), CONVOY_OBJECTIVE_PASS);
    m.value = 5;
    assert_outcome(single(&g, &m, NULL), CONVOY_OBJECTIVE_FAIL);
    static const size_t three_one[] = {3, 1}; /* (>=0 AND <=1 AND >=10) OR <=11 */
    m.pass_block_sizes = three_one;
    assert_outcome(single(&g, &m, NULL), CONVOY_OBJECTIVE_PASS);
    m.value = 12;
    assert_outcome(single(&g, &m, NULL), CONVOY_OBJECTIVE_FAIL);

    /* Warning blocks are ANDed inside too. */
    static const char *const pass[] = {"<=10"};
    static const char *const warn[] = {">=0", "<=20"};
    convoy_objective w = objective("warn", 18);
    w.pass = pass;
    w.pass_block_sizes = ONE;
    w.n_pass_blocks = 1;
    w.warning = warn;
    w.warning_block_sizes = TWO;
    w.n_warning_blocks = 1;
    assert_outcome(single(&g, &w, NULL), CONVOY_OBJECTIVE_WARNING);
    w.value = 25;
    assert_outcome(single(&g, &w, NULL), CONVOY_OBJECTIVE_FAIL);
    w.value = -1;
    assert_outcome(single(&g, &w, NULL), CONVOY_OBJECTIVE_PASS); /* pass wins */
}

static void test_no_warning_criteria_fails(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    static const char *const pass[] = {"<1"};
    convoy_objective o = objective("strict", 1);
    o.pass = pass;
    o.pass_block_sizes = ONE;
    o.n_pass_blocks = 1;
    convoy_gate_result *r = evaluate(&g, &o, 1);
    assert_outcome(convoy_gate_result_objective_outcome(r, 0), CONVOY_OBJECTIVE_FAIL);
    assert_double_equal(convoy_gate_result_objective_score(r, 0), 0);
    assert_near(convoy_gate_result_score(r), 0, 1e-12);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_FAIL);
    convoy_gate_result_free(r);
}

static void test_nan_value_fails(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective o = keptn_objective(NAN);
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_FAIL);
}

/* ------------------------------------------------------------ scoring */

static const char *const LE_10[] = {"<=10"};
static const char *const LE_20[] = {"<=20"};

/* An objective that passes (value 5), warns (15) or fails (25). */
static convoy_objective scored(const char *name, double value, double weight)
{
    convoy_objective o = objective(name, value);
    o.pass = LE_10;
    o.pass_block_sizes = ONE;
    o.n_pass_blocks = 1;
    o.warning = LE_20;
    o.warning_block_sizes = ONE;
    o.n_warning_blocks = 1;
    o.weight = weight;
    return o;
}

static void test_weights_and_half_scores(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective objs[] = {scored("a", 5, 2), scored("b", 15, 1), scored("c", 25, 1)};
    convoy_gate_result *r = evaluate(&g, objs, 3);
    assert_outcome(convoy_gate_result_objective_outcome(r, 0), CONVOY_OBJECTIVE_PASS);
    assert_outcome(convoy_gate_result_objective_outcome(r, 1), CONVOY_OBJECTIVE_WARNING);
    assert_outcome(convoy_gate_result_objective_outcome(r, 2), CONVOY_OBJECTIVE_FAIL);
    assert_near(convoy_gate_result_objective_score(r, 0), 2, 1e-12);
    assert_near(convoy_gate_result_objective_score(r, 1), 0.5, 1e-12);
    assert_near(convoy_gate_result_objective_score(r, 2), 0, 1e-12);
    /* 100 x (2 + 0.5 + 0) / 4 */
    assert_near(convoy_gate_result_score(r), 62.5, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_FAIL);
    convoy_gate_result_free(r);

    g.pass_threshold = 60;
    g.warning_threshold = 50;
    r = evaluate(&g, objs, 3);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS);
    convoy_gate_result_free(r);

    g.pass_threshold = 70;
    g.warning_threshold = 62.5; /* inclusive */
    r = evaluate(&g, objs, 3);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_WARNING);
    convoy_gate_result_free(r);

    /* Fractional weights: 100 x (0.5 x 0.5 + 1.5) / 2 */
    convoy_objective frac[] = {scored("w", 15, 0.5), scored("p", 0, 1.5)};
    g = gate_defaults();
    r = evaluate(&g, frac, 2);
    assert_near(convoy_gate_result_objective_score(r, 0), 0.25, 1e-12);
    assert_near(convoy_gate_result_objective_score(r, 1), 1.5, 1e-12);
    assert_near(convoy_gate_result_score(r), 87.5, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_WARNING);
    convoy_gate_result_free(r);
}

static void test_thresholds_are_inclusive(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective ten[10];
    for (int i = 0; i < 10; i++)
        ten[i] = scored("o", i < 9 ? 5 : 25, 1);
    convoy_gate_result *r = evaluate(&g, ten, 10);
    assert_near(convoy_gate_result_score(r), 90, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS); /* 90 >= 90 */
    convoy_gate_result_free(r);

    convoy_objective four[] = {scored("a", 5, 1), scored("b", 5, 1), scored("c", 5, 1),
                               scored("d", 25, 1)};
    r = evaluate(&g, four, 4);
    assert_near(convoy_gate_result_score(r), 75, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_WARNING); /* 75 >= 75 */
    convoy_gate_result_free(r);

    four[2].value = 15; /* 100 x 2.5 / 4 = 62.5 */
    r = evaluate(&g, four, 4);
    assert_near(convoy_gate_result_score(r), 62.5, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_FAIL);
    convoy_gate_result_free(r);
}

static void test_key_objective(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective objs[] = {scored("throughput", 5, 10), scored("errors", 25, 1)};
    /* 100 x 10 / 11 = 90.9: a pass... */
    convoy_gate_result *r = evaluate(&g, objs, 2);
    assert_near(convoy_gate_result_score(r), 1000.0 / 11.0, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS);
    convoy_gate_result_free(r);
    /* ...unless the failing objective is a key objective. */
    objs[1].key = 1;
    r = evaluate(&g, objs, 2);
    assert_near(convoy_gate_result_score(r), 1000.0 / 11.0, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_FAIL);
    convoy_gate_result_free(r);
    /* A key objective that only warns does not fail the gate. */
    objs[1].value = 15;
    r = evaluate(&g, objs, 2);
    assert_near(convoy_gate_result_score(r), 1050.0 / 11.0, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS);
    convoy_gate_result_free(r);
    /* A passing key objective changes nothing. */
    objs[1].value = 5;
    r = evaluate(&g, objs, 2);
    assert_near(convoy_gate_result_score(r), 100, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS);
    convoy_gate_result_free(r);
}

static void test_informational(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    /* No pass criteria: reported, not scored, whatever its value. */
    convoy_objective info = objective("cpu", 1e9);
    convoy_objective info_warn = objective("memory", 1e9);
    info_warn.warning = LE_20; /* warning criteria alone do not make it scored */
    info_warn.warning_block_sizes = ONE;
    info_warn.n_warning_blocks = 1;
    convoy_objective objs[] = {scored("a", 5, 1), info, info_warn};
    convoy_gate_result *r = evaluate(&g, objs, 3);
    assert_outcome(convoy_gate_result_objective_outcome(r, 0), CONVOY_OBJECTIVE_PASS);
    assert_outcome(convoy_gate_result_objective_outcome(r, 1), CONVOY_OBJECTIVE_INFO);
    assert_outcome(convoy_gate_result_objective_outcome(r, 2), CONVOY_OBJECTIVE_INFO);
    assert_near(convoy_gate_result_score(r), 100, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS);
    convoy_gate_result_free(r);

    /* Informational weights do not dilute the total: 100 x 0.5 / 1. */
    objs[0].value = 15;
    objs[1].weight = 100;
    r = evaluate(&g, objs, 3);
    assert_near(convoy_gate_result_score(r), 50, 1e-9);
    convoy_gate_result_free(r);

    /* Only informational objectives: nothing scored -> 100, pass. */
    convoy_objective only[] = {info, info_warn};
    r = evaluate(&g, only, 2);
    assert_near(convoy_gate_result_score(r), 100, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS);
    convoy_gate_result_free(r);

}

static void test_no_data_fails(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective o = keptn_objective(10);
    o.has_value = 0;
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_FAIL);

    /* Even a relative criterion that would pass without history. */
    static const char *const rel[] = {"<=+10%"};
    convoy_objective r0 = objective("rel", 0);
    r0.pass = rel;
    r0.pass_block_sizes = ONE;
    r0.n_pass_blocks = 1;
    r0.has_value = 0;
    assert_outcome(single(&g, &r0, NULL), CONVOY_OBJECTIVE_FAIL);

    /* A key objective without data fails the gate. */
    convoy_objective objs[] = {scored("a", 5, 100), scored("b", 5, 1)};
    objs[1].has_value = 0;
    objs[1].key = 1;
    convoy_gate_result *r = evaluate(&g, objs, 2);
    assert_outcome(convoy_gate_result_objective_outcome(r, 1), CONVOY_OBJECTIVE_FAIL);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_FAIL);
    convoy_gate_result_free(r);
}

static void test_empty_gate(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective dummy = objective("unused", 0);
    convoy_gate_result *r = evaluate(&g, &dummy, 0);
    assert_int_equal(convoy_gate_result_count(r), 0);
    assert_near(convoy_gate_result_score(r), 100, 1e-12);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_PASS);
    convoy_gate_result_free(r);
}

/* ------------------------------------------------------------ history */

static const char *const REL_10[] = {"<=+10%"};

static convoy_objective relative(double value, const convoy_history_entry *h, size_t n)
{
    convoy_objective o = objective("latency", value);
    o.pass = REL_10;
    o.pass_block_sizes = ONE;
    o.n_pass_blocks = 1;
    o.history = h;
    o.n_history = n;
    return o;
}

static void test_history_filter_by_outcome(void **state)
{
    (void)state;
    static const convoy_history_entry h[] = {
        {100, CONVOY_OBJECTIVE_PASS},
        {200, CONVOY_OBJECTIVE_WARNING},
        {300, CONVOY_OBJECTIVE_FAIL},
    };
    convoy_quality_gate g = gate_defaults();
    g.history_count = 10;
    double a;

    convoy_objective o = relative(160, h, 3);
    g.history_filter = CONVOY_HISTORY_PASS;
    assert_outcome(single(&g, &o, &a), CONVOY_OBJECTIVE_FAIL); /* 160 > 110 */
    assert_near(a, 100, 1e-12);

    g.history_filter = CONVOY_HISTORY_PASS_OR_WARNING;
    assert_outcome(single(&g, &o, &a), CONVOY_OBJECTIVE_PASS); /* 160 <= 165 */
    assert_near(a, 150, 1e-12);

    g.history_filter = CONVOY_HISTORY_ALL;
    assert_outcome(single(&g, &o, &a), CONVOY_OBJECTIVE_PASS); /* 160 <= 220 */
    assert_near(a, 200, 1e-12);
    o.value = 221;
    assert_outcome(single(&g, &o, &a), CONVOY_OBJECTIVE_FAIL);
}

static void test_history_last_n(void **state)
{
    (void)state;
    static const convoy_history_entry h[] = {
        {10, CONVOY_OBJECTIVE_PASS},
        {20, CONVOY_OBJECTIVE_PASS},
        {30, CONVOY_OBJECTIVE_PASS},
        {40, CONVOY_OBJECTIVE_PASS},
    };
    convoy_quality_gate g = gate_defaults();
    convoy_objective o = relative(43, h, 4);
    double a;

    /* Default: compare with the last (newest) kept result only. */
    assert_outcome(single(&g, &o, &a), CONVOY_OBJECTIVE_PASS); /* 43 <= 44 */
    assert_near(a, 40, 1e-12);

    g.history_count = 2; /* avg(30, 40) = 35 -> 38.5 */
    assert_outcome(single(&g, &o, &a), CONVOY_OBJECTIVE_FAIL);
    assert_near(a, 35, 1e-12);

    g.history_count = 4; /* avg of all = 25 */
    single(&g, &o, &a);
    assert_near(a, 25, 1e-12);

    g.history_count = 100; /* more than there are */
    single(&g, &o, &a);
    assert_near(a, 25, 1e-12);
}

static void test_history_filter_then_last_n(void **state)
{
    (void)state;
    /* Filtered first, then the last N of what is kept. */
    static const convoy_history_entry h[] = {
        {10, CONVOY_OBJECTIVE_PASS},
        {20, CONVOY_OBJECTIVE_FAIL},
        {30, CONVOY_OBJECTIVE_PASS},
        {40, CONVOY_OBJECTIVE_FAIL},
        {50, CONVOY_OBJECTIVE_WARNING},
    };
    convoy_quality_gate g = gate_defaults();
    convoy_objective o = relative(0, h, 5);
    double a;

    g.history_count = 2;
    single(&g, &o, &a); /* passes kept: 10, 30 */
    assert_near(a, 20, 1e-12);

    g.history_count = 1;
    single(&g, &o, &a); /* the newest pass: 30 */
    assert_near(a, 30, 1e-12);

    g.history_filter = CONVOY_HISTORY_PASS_OR_WARNING;
    single(&g, &o, &a); /* 50 */
    assert_near(a, 50, 1e-12);
    g.history_count = 2; /* 30, 50 */
    single(&g, &o, &a);
    assert_near(a, 40, 1e-12);

    g.history_filter = CONVOY_HISTORY_ALL;
    g.history_count = 3; /* 30, 40, 50 */
    single(&g, &o, &a);
    assert_near(a, 40, 1e-12);
}

static void test_history_aggregate_kind(void **state)
{
    (void)state;
    convoy_history_entry h[10];
    for (int i = 0; i < 10; i++) {
        h[i].value = 10 - i; /* 10 .. 1 */
        h[i].outcome = CONVOY_OBJECTIVE_PASS;
    }
    convoy_quality_gate g = gate_defaults();
    g.history_count = 10;
    convoy_objective o = relative(0, h, 10);
    double a;

    g.aggregate = CONVOY_AGGREGATE_AVG;
    single(&g, &o, &a);
    assert_near(a, 5.5, 1e-12);
    g.aggregate = CONVOY_AGGREGATE_P50;
    single(&g, &o, &a);
    assert_near(a, 5.5, 1e-12);
    g.aggregate = CONVOY_AGGREGATE_P90; /* pos 9.9 */
    single(&g, &o, &a);
    assert_near(a, 9.9, 1e-9);
    g.aggregate = CONVOY_AGGREGATE_P95; /* pos 10.45 -> max */
    single(&g, &o, &a);
    assert_near(a, 10, 1e-12);
    /* And the criterion compares against it: 10 x 1.1 = 11 */
    o.value = 10.9;
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_PASS);
    o.value = 11.1;
    assert_outcome(single(&g, &o, NULL), CONVOY_OBJECTIVE_FAIL);
}

static void test_no_history_relative_passes(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    double a = 0;

    convoy_objective o = relative(1e6, NULL, 0);
    assert_outcome(single(&g, &o, &a), CONVOY_OBJECTIVE_PASS);
    assert_is_nan(a);

    /* All filtered out: the same. */
    static const convoy_history_entry fails[] = {{1, CONVOY_OBJECTIVE_FAIL},
                                                 {2, CONVOY_OBJECTIVE_WARNING}};
    convoy_objective f = relative(1e6, fails, 2);
    assert_outcome(single(&g, &f, &a), CONVOY_OBJECTIVE_PASS);
    assert_is_nan(a);

    /* Absolute criteria are still checked. */
    convoy_objective k = keptn_objective(30);
    k.history = NULL;
    k.n_history = 0;
    assert_outcome(single(&g, &k, &a), CONVOY_OBJECTIVE_PASS); /* "<=+10%" passes */
    assert_is_nan(a);
}

/* ------------------------------------------------------------ errors */

static void test_malformed_criterion(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_gate_result *r = NULL;

    static const char *const bad_pass[] = {"<=15", "<=1x5"};
    convoy_objective o = objective("bad", 1);
    o.pass = bad_pass;
    o.pass_block_sizes = ONE_ONE;
    o.n_pass_blocks = 2;
    assert_status(convoy_evaluate_objectives(&r, &g, &o, 1), CONVOY_E_PARSE);
    const char *msg = convoy_error_message(convoy_error_last());
    if (!msg || !strstr(msg, "<=1x5"))
        fail_msg("the error should name the criterion \"<=1x5\": %s", msg ? msg : "(null)");
    assert_null(r);

    static const char *const good[] = {"<=15"};
    static const char *const bad_warn[] = {"=>3"};
    o.pass = good;
    o.pass_block_sizes = ONE;
    o.n_pass_blocks = 1;
    o.warning = bad_warn;
    o.warning_block_sizes = ONE;
    o.n_warning_blocks = 1;
    assert_status(convoy_evaluate_objectives(&r, &g, &o, 1), CONVOY_E_PARSE);
    msg = convoy_error_message(convoy_error_last());
    if (!msg || !strstr(msg, "=>3"))
        fail_msg("the error should name the criterion \"=>3\": %s", msg ? msg : "(null)");
    assert_null(r);

    /* Behind a criterion that already failed its block, and in an
     * objective without data: still an error. */
    static const char *const late_bad[] = {"<1", "<=abc"};
    convoy_objective l = objective("late", 5);
    l.pass = late_bad;
    l.pass_block_sizes = TWO;
    l.n_pass_blocks = 1;
    assert_status(convoy_evaluate_objectives(&r, &g, &l, 1), CONVOY_E_PARSE);
    assert_null(r);
    l.has_value = 0;
    assert_status(convoy_evaluate_objectives(&r, &g, &l, 1), CONVOY_E_PARSE);
    assert_null(r);
    /* In an informational objective's warning criteria too. */
    convoy_objective i = objective("info", 5);
    i.warning = late_bad;
    i.warning_block_sizes = TWO;
    i.n_warning_blocks = 1;
    assert_status(convoy_evaluate_objectives(&r, &g, &i, 1), CONVOY_E_PARSE);
    assert_null(r);
}

static void test_invalid_arguments(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective o = keptn_objective(10);
    convoy_gate_result *r = NULL;

    assert_status(convoy_evaluate_objectives(NULL, &g, &o, 1), CONVOY_E_INVALID_ARG);
    assert_status(convoy_evaluate_objectives(&r, &g, NULL, 1), CONVOY_E_INVALID_ARG);
    assert_null(r);

    g.version = CONVOY_QUALITY_GATE_VERSION + 1;
    assert_status(convoy_evaluate_objectives(&r, &g, &o, 1), CONVOY_E_VERSION);
    assert_null(r);
    g.version = CONVOY_QUALITY_GATE_VERSION;

    o.version = CONVOY_OBJECTIVE_VERSION + 1;
    assert_status(convoy_evaluate_objectives(&r, &g, &o, 1), CONVOY_E_VERSION);
    assert_null(r);
    o.version = CONVOY_OBJECTIVE_VERSION;

    /* Criteria counted but missing. */
    convoy_objective m = objective("missing", 1);
    m.n_pass_blocks = 1;
    assert_status(convoy_evaluate_objectives(&r, &g, &m, 1), CONVOY_E_INVALID_ARG);
    assert_null(r);

    /* History counted but missing. */
    convoy_objective h = keptn_objective(10);
    h.history = NULL;
    h.n_history = 3;
    assert_status(convoy_evaluate_objectives(&r, &g, &h, 1), CONVOY_E_INVALID_ARG);
    assert_null(r);

    convoy_gate_result_free(NULL);
}

/* ------------------------------------------------------------ result, explain */

static void test_result_accessors_and_explain(void **state)
{
    (void)state;
    convoy_quality_gate g = gate_defaults();
    convoy_objective objs[] = {keptn_objective(10), scored("error_rate", 15, 2),
                               objective("cpu_info", 0.7)};
    objs[1].key = 1;
    convoy_gate_result *r = evaluate(&g, objs, 3);
    assert_int_equal(convoy_gate_result_count(r), 3);
    assert_outcome(convoy_gate_result_objective_outcome(r, 0), CONVOY_OBJECTIVE_PASS);
    assert_outcome(convoy_gate_result_objective_outcome(r, 1), CONVOY_OBJECTIVE_WARNING);
    assert_outcome(convoy_gate_result_objective_outcome(r, 2), CONVOY_OBJECTIVE_INFO);
    assert_near(convoy_gate_result_objective_aggregate(r, 0), 10, 1e-12);
    assert_is_nan(convoy_gate_result_objective_aggregate(r, 1));
    /* 100 x (1 + 1) / 3 */
    assert_near(convoy_gate_result_score(r), 200.0 / 3.0, 1e-9);
    assert_outcome(convoy_gate_result_outcome(r), CONVOY_OBJECTIVE_FAIL);

    const char *text = convoy_gate_result_explain(r);
    assert_non_null(text);
    /* One line per objective and a summary line. */
    size_t lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    if (text[0] && text[strlen(text) - 1] != '\n')
        lines++;
    if (lines < 4)
        fail_msg("explain has %zu lines, expected 3 objectives + a summary:\n%s", lines, text);
    static const char *const names[] = {"response_time_p95", "error_rate", "cpu_info"};
    for (size_t i = 0; i < 3; i++)
        if (!strstr(text, names[i]))
            fail_msg("explain lacks \"%s\":\n%s", names[i], text);
    convoy_gate_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inits),
        cmocka_unit_test(test_keptn_vector_pass),
        cmocka_unit_test(test_keptn_vector_warning),
        cmocka_unit_test(test_keptn_vector_fail),
        cmocka_unit_test(test_blocks_and_or),
        cmocka_unit_test(test_no_warning_criteria_fails),
        cmocka_unit_test(test_nan_value_fails),
        cmocka_unit_test(test_weights_and_half_scores),
        cmocka_unit_test(test_thresholds_are_inclusive),
        cmocka_unit_test(test_key_objective),
        cmocka_unit_test(test_informational),
        cmocka_unit_test(test_no_data_fails),
        cmocka_unit_test(test_empty_gate),
        cmocka_unit_test(test_history_filter_by_outcome),
        cmocka_unit_test(test_history_last_n),
        cmocka_unit_test(test_history_filter_then_last_n),
        cmocka_unit_test(test_history_aggregate_kind),
        cmocka_unit_test(test_no_history_relative_passes),
        cmocka_unit_test(test_malformed_criterion),
        cmocka_unit_test(test_invalid_arguments),
        cmocka_unit_test(test_result_accessors_and_explain),
    };
    return cmocka_run_group_tests_name("gate objectives", tests, NULL, NULL);
}
