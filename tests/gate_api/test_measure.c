/*
 * test_measure - the Argo Rollouts half of <convoy/gate.h>: one
 * measurement's outcome (convoy_measure), metric runs folding outcomes into
 * counters and a phase (REFERENCE.md section 1, with Argo's own test
 * cases), the measurement schedule, an analysis run's worst-of phase,
 * decision-log lines, and the gate of a parsed plan's metric.
 */
#include "gate_test.h"

static const char *const NAMES_MEASURE[] = {NULL, "Successful", "Failed", "Inconclusive",
                                            "Error"};

/* ------------------------------------------------------------ gates */

static convoy_metric_gate gate_new(void)
{
    convoy_metric_gate g = CONVOY_METRIC_GATE_INIT;
    return g;
}

static const char *const SUCCESS_LT_001[] = {"<0.01"};
static const char *const FAILURE_GE_005[] = {">=0.05"};

static int measure(const convoy_metric_gate *g, int has_value, double value, double aggregate)
{
    int outcome = -1;
    int rc = convoy_measure(&outcome, g, has_value, value, aggregate);
    if (rc != CONVOY_OK)
        fail_msg("convoy_measure(%d, %.17g, %.17g) returned %d: %s", has_value, value,
                 aggregate, rc, convoy_error_message(convoy_error_last()));
    return outcome;
}

#define assert_outcome(actual, expected)                                                    \
    do {                                                                                    \
        int o_ = (actual), e_ = (expected);                                                 \
        if (o_ != e_)                                                                       \
            fail_msg("%s = %d (%s), expected %s", #actual, o_, convoy_measure_name(o_),     \
                     convoy_measure_name(e_));                                              \
    } while (0)

#define assert_phase(actual, expected)                                                      \
    do {                                                                                    \
        int p_ = (actual), e_ = (expected);                                                 \
        if (p_ != e_)                                                                       \
            fail_msg("%s = %d (%s), expected %s", #actual, p_, convoy_phase_name(p_),       \
                     convoy_phase_name(e_));                                                \
    } while (0)

/* ------------------------------------------------------------ names, init */

static void test_names(void **state)
{
    (void)state;
    assert_int_equal(CONVOY_MEASURE_SUCCESSFUL, 1);
    for (int o = CONVOY_MEASURE_SUCCESSFUL; o <= CONVOY_MEASURE_ERROR; o++)
        assert_string_equal(convoy_measure_name(o), NAMES_MEASURE[o]);
    assert_string_equal(convoy_measure_name(0), "Unknown");
    assert_string_equal(convoy_measure_name(5), "Unknown");
    assert_string_equal(convoy_measure_name(-1), "Unknown");

    static const char *const phases[] = {NULL,           "Successful", "Running", "Pending",
                                         "Inconclusive", "Error",      "Failed"};
    for (int p = CONVOY_PHASE_SUCCESSFUL; p <= CONVOY_PHASE_FAILED; p++)
        assert_string_equal(convoy_phase_name(p), phases[p]);
    assert_string_equal(convoy_phase_name(0), "Unknown");
    assert_string_equal(convoy_phase_name(7), "Unknown");
}

static void test_phase_constants_are_ordered(void **state)
{
    (void)state;
    /* REFERENCE.md 1: Successful < Running < Pending < Inconclusive < Error < Failed */
    assert_true(CONVOY_PHASE_SUCCESSFUL < CONVOY_PHASE_RUNNING);
    assert_true(CONVOY_PHASE_RUNNING < CONVOY_PHASE_PENDING);
    assert_true(CONVOY_PHASE_PENDING < CONVOY_PHASE_INCONCLUSIVE);
    assert_true(CONVOY_PHASE_INCONCLUSIVE < CONVOY_PHASE_ERROR);
    assert_true(CONVOY_PHASE_ERROR < CONVOY_PHASE_FAILED);
}

static void test_gate_init(void **state)
{
    (void)state;
    convoy_metric_gate g;
    memset(&g, 0xAB, sizeof g);
    assert_ok(convoy_metric_gate_init(&g, CONVOY_METRIC_GATE_VERSION));
    convoy_metric_gate m = CONVOY_METRIC_GATE_INIT;
    assert_int_equal(g.version, CONVOY_METRIC_GATE_VERSION);
    assert_null(g.name);
    assert_null(g.success);
    assert_int_equal(g.n_success, 0);
    assert_null(g.failure);
    assert_int_equal(g.n_failure, 0);
    assert_int_equal(g.has_min, 0);
    assert_int_equal(g.has_max, 0);
    assert_int_equal(g.count, 0);
    assert_int_equal(g.interval_ms, 0);
    assert_int_equal(g.initial_delay_ms, 0);
    assert_int_equal(g.failure_limit, 0);
    assert_int_equal(g.inconclusive_limit, 0);
    assert_int_equal(g.consecutive_error_limit, 4);
    assert_int_equal(g.dry_run, 0);
    /* The macro and the function agree. */
    assert_int_equal(m.version, g.version);
    assert_int_equal(m.failure_limit, g.failure_limit);
    assert_int_equal(m.inconclusive_limit, g.inconclusive_limit);
    assert_int_equal(m.consecutive_error_limit, g.consecutive_error_limit);
    assert_int_equal(m.count, g.count);

    assert_status(convoy_metric_gate_init(&g, 0), CONVOY_E_VERSION);
    assert_status(convoy_metric_gate_init(&g, CONVOY_METRIC_GATE_VERSION + 1), CONVOY_E_VERSION);
    assert_int_not_equal(convoy_metric_gate_init(NULL, CONVOY_METRIC_GATE_VERSION), CONVOY_OK);
}

/* ------------------------------------------------------------ convoy_measure */

static void test_only_success(void **state)
{
    (void)state;
    convoy_metric_gate g = gate_new();
    g.success = SUCCESS_LT_001;
    g.n_success = 1;
    assert_outcome(measure(&g, 1, 0.005, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 0.01, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 0.5, NAN), CONVOY_MEASURE_FAILED);
}

static void test_only_failure(void **state)
{
    (void)state;
    convoy_metric_gate g = gate_new();
    g.failure = FAILURE_GE_005;
    g.n_failure = 1;
    assert_outcome(measure(&g, 1, 0.06, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 0.05, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 0.02, NAN), CONVOY_MEASURE_SUCCESSFUL);
}

static void test_both_conditions(void **state)
{
    (void)state;
    convoy_metric_gate g = gate_new();
    g.success = SUCCESS_LT_001;
    g.n_success = 1;
    g.failure = FAILURE_GE_005;
    g.n_failure = 1;
    assert_outcome(measure(&g, 1, 0.005, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 0.06, NAN), CONVOY_MEASURE_FAILED);
    /* Neither matches. */
    assert_outcome(measure(&g, 1, 0.02, NAN), CONVOY_MEASURE_INCONCLUSIVE);
}

static void test_both_match_failure_wins(void **state)
{
    (void)state;
    static const char *const success[] = {"<10"};
    static const char *const failure[] = {">5"};
    convoy_metric_gate g = gate_new();
    g.success = success;
    g.n_success = 1;
    g.failure = failure;
    g.n_failure = 1;
    assert_outcome(measure(&g, 1, 7, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 3, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 12, NAN), CONVOY_MEASURE_FAILED);
}

static void test_criteria_are_anded(void **state)
{
    (void)state;
    static const char *const range[] = {">=1", "<=5"};
    convoy_metric_gate g = gate_new();
    g.success = range;
    g.n_success = 2;
    assert_outcome(measure(&g, 1, 3, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 6, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 0, NAN), CONVOY_MEASURE_FAILED);

    convoy_metric_gate f = gate_new();
    f.failure = range; /* failure only when all hold */
    f.n_failure = 2;
    assert_outcome(measure(&f, 1, 3, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&f, 1, 6, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&f, 1, 0, NAN), CONVOY_MEASURE_SUCCESSFUL);
}

static void test_min_max_are_success(void **state)
{
    (void)state;
    convoy_metric_gate g = gate_new();
    g.has_min = g.has_max = 1;
    g.min = 1;
    g.max = 5;
    /* Flagger's thresholdRange is inclusive. */
    assert_outcome(measure(&g, 1, 1, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 5, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 3, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 0.99, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 5.01, NAN), CONVOY_MEASURE_FAILED);

    convoy_metric_gate lo = gate_new();
    lo.has_min = 1;
    lo.min = 99;
    lo.max = -1000; /* ignored: has_max is 0 */
    assert_outcome(measure(&lo, 1, 1e9, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&lo, 1, 98, NAN), CONVOY_MEASURE_FAILED);

    convoy_metric_gate hi = gate_new();
    hi.has_max = 1;
    hi.max = 500;
    hi.min = 1000; /* ignored: has_min is 0 */
    assert_outcome(measure(&hi, 1, -1e9, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&hi, 1, 501, NAN), CONVOY_MEASURE_FAILED);
}

static void test_min_max_with_success_criteria(void **state)
{
    (void)state;
    /* min/max join the success criteria: all must hold. */
    static const char *const success[] = {"<10"};
    convoy_metric_gate g = gate_new();
    g.success = success;
    g.n_success = 1;
    g.has_min = 1;
    g.min = 2;
    assert_outcome(measure(&g, 1, 5, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 1, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 11, NAN), CONVOY_MEASURE_FAILED);
}

static void test_min_max_with_failure_criteria(void **state)
{
    (void)state;
    /* min/max are the success side: with failure criteria, "both" rules. */
    static const char *const failure[] = {">5"};
    convoy_metric_gate g = gate_new();
    g.failure = failure;
    g.n_failure = 1;
    g.has_min = g.has_max = 1;
    g.min = 0;
    g.max = 1;
    assert_outcome(measure(&g, 1, 0.5, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 3, NAN), CONVOY_MEASURE_INCONCLUSIVE);
    assert_outcome(measure(&g, 1, 6, NAN), CONVOY_MEASURE_FAILED);
}

static void test_no_value_is_error(void **state)
{
    (void)state;
    convoy_metric_gate g = gate_new();
    g.success = SUCCESS_LT_001;
    g.n_success = 1;
    /* has_value 0: a gap in the data counts as an error, whatever `value`. */
    assert_outcome(measure(&g, 0, 0.005, NAN), CONVOY_MEASURE_ERROR);
    assert_outcome(measure(&g, 0, NAN, NAN), CONVOY_MEASURE_ERROR);
    g.failure = FAILURE_GE_005;
    g.n_failure = 1;
    assert_outcome(measure(&g, 0, 0.06, NAN), CONVOY_MEASURE_ERROR);
    convoy_metric_gate r = gate_new();
    r.has_min = 1;
    r.min = 0;
    assert_outcome(measure(&r, 0, 1, NAN), CONVOY_MEASURE_ERROR);
}

static void test_nan_value_is_inconclusive(void **state)
{
    (void)state;
    convoy_metric_gate s = gate_new();
    s.success = SUCCESS_LT_001;
    s.n_success = 1;
    assert_outcome(measure(&s, 1, NAN, NAN), CONVOY_MEASURE_INCONCLUSIVE);
    assert_outcome(measure(&s, 1, NAN, 1.0), CONVOY_MEASURE_INCONCLUSIVE);

    convoy_metric_gate f = gate_new();
    f.failure = FAILURE_GE_005;
    f.n_failure = 1;
    assert_outcome(measure(&f, 1, NAN, NAN), CONVOY_MEASURE_INCONCLUSIVE);

    convoy_metric_gate b = gate_new();
    b.success = SUCCESS_LT_001;
    b.n_success = 1;
    b.failure = FAILURE_GE_005;
    b.n_failure = 1;
    assert_outcome(measure(&b, 1, NAN, NAN), CONVOY_MEASURE_INCONCLUSIVE);

    convoy_metric_gate r = gate_new();
    r.has_min = r.has_max = 1;
    r.min = 0;
    r.max = 1;
    assert_outcome(measure(&r, 1, NAN, NAN), CONVOY_MEASURE_INCONCLUSIVE);

    /* Relative criteria without history pass for any comparable value, but
     * a NaN value still cannot be compared. */
    static const char *const rel[] = {"<=+10%"};
    convoy_metric_gate rg = gate_new();
    rg.success = rel;
    rg.n_success = 1;
    assert_outcome(measure(&rg, 1, NAN, NAN), CONVOY_MEASURE_INCONCLUSIVE);
}

static void test_no_criteria_is_successful(void **state)
{
    (void)state;
    convoy_metric_gate g = gate_new();
    assert_outcome(measure(&g, 1, 5, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, -1e300, NAN), CONVOY_MEASURE_SUCCESSFUL);
}

static void test_relative_criteria_use_aggregate(void **state)
{
    (void)state;
    static const char *const success[] = {"<=+10%"};
    static const char *const failure[] = {">=+50%"};
    convoy_metric_gate g = gate_new();
    g.success = success;
    g.n_success = 1;
    assert_outcome(measure(&g, 1, 105, 100), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 120, 100), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 1e9, NAN), CONVOY_MEASURE_SUCCESSFUL);

    g.failure = failure;
    g.n_failure = 1;
    assert_outcome(measure(&g, 1, 120, 100), CONVOY_MEASURE_INCONCLUSIVE);
    assert_outcome(measure(&g, 1, 160, 100), CONVOY_MEASURE_FAILED);
    /* No history: both relative criteria hold -> failure wins. */
    assert_outcome(measure(&g, 1, 1, NAN), CONVOY_MEASURE_FAILED);
}

static void test_measure_errors(void **state)
{
    (void)state;
    static const char *const bad[] = {"<=abc"};
    int outcome = -1;
    convoy_metric_gate g = gate_new();
    g.success = bad;
    g.n_success = 1;
    assert_status(convoy_measure(&outcome, &g, 1, 1, NAN), CONVOY_E_PARSE);

    convoy_metric_gate f = gate_new();
    f.failure = bad;
    f.n_failure = 1;
    assert_status(convoy_measure(&outcome, &f, 1, 1, NAN), CONVOY_E_PARSE);

    /* Malformed anywhere is an error, even behind a criterion that already
     * decided the outcome (no short-circuit past a bad criterion). */
    static const char *const late_bad[] = {"<1", "<=abc"};
    convoy_metric_gate s2 = gate_new();
    s2.success = late_bad;
    s2.n_success = 2;
    assert_status(convoy_measure(&outcome, &s2, 1, 5, NAN), CONVOY_E_PARSE);  /* "<1" fails */
    assert_status(convoy_measure(&outcome, &s2, 1, 0, NAN), CONVOY_E_PARSE);  /* "<1" holds */
    convoy_metric_gate f2 = gate_new();
    f2.failure = late_bad;
    f2.n_failure = 2;
    assert_status(convoy_measure(&outcome, &f2, 1, 5, NAN), CONVOY_E_PARSE);
    /* ...and whatever the value: no data, NaN. */
    assert_status(convoy_measure(&outcome, &s2, 0, 0, NAN), CONVOY_E_PARSE);
    assert_status(convoy_measure(&outcome, &s2, 1, NAN, NAN), CONVOY_E_PARSE);

    convoy_metric_gate ok = gate_new();
    assert_status(convoy_measure(NULL, &ok, 1, 1, NAN), CONVOY_E_INVALID_ARG);
    assert_status(convoy_measure(&outcome, NULL, 1, 1, NAN), CONVOY_E_INVALID_ARG);
    ok.version = CONVOY_METRIC_GATE_VERSION + 7;
    assert_status(convoy_measure(&outcome, &ok, 1, 1, NAN), CONVOY_E_VERSION);
}

/* ------------------------------------------------------------ metric runs */

static convoy_metric_run *run_new(const convoy_metric_gate *g)
{
    convoy_metric_run *run = NULL;
    assert_ok(convoy_metric_run_new(&run, g));
    assert_non_null(run);
    return run;
}

static void add(convoy_metric_run *run, int outcome, int times)
{
    for (int i = 0; i < times; i++)
        assert_ok(convoy_metric_run_add(run, outcome));
}

/* A gate that never completes by count: interval only. */
static convoy_metric_gate unbounded(void)
{
    convoy_metric_gate g = gate_new();
    g.success = SUCCESS_LT_001;
    g.n_success = 1;
    g.interval_ms = 60000;
    return g;
}

static void test_run_new_errors(void **state)
{
    (void)state;
    convoy_metric_run *run = NULL;
    convoy_metric_gate g = gate_new();
    assert_status(convoy_metric_run_new(NULL, &g), CONVOY_E_INVALID_ARG);
    assert_status(convoy_metric_run_new(&run, NULL), CONVOY_E_INVALID_ARG);
    g.version = 99;
    run = NULL;
    assert_status(convoy_metric_run_new(&run, &g), CONVOY_E_VERSION);
    assert_null(run);
    convoy_metric_run_free(NULL);
}

static void test_run_starts_running(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.count = 3;
    convoy_metric_run *run = run_new(&g);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    assert_int_equal(convoy_metric_run_measured(run), 0);
    assert_int_equal(convoy_metric_run_successful(run), 0);
    assert_int_equal(convoy_metric_run_failed(run), 0);
    assert_int_equal(convoy_metric_run_inconclusive(run), 0);
    assert_int_equal(convoy_metric_run_errors(run), 0);
    assert_int_equal(convoy_metric_run_consecutive_errors(run), 0);
    assert_int_equal(convoy_metric_run_dry_run(run), 0);
    convoy_metric_run_free(run);
}

static void test_null_run_getters(void **state)
{
    (void)state;
    assert_int_equal(convoy_metric_run_phase(NULL), 0);
    assert_int_equal(convoy_metric_run_measured(NULL), 0);
    assert_int_equal(convoy_metric_run_successful(NULL), 0);
    assert_int_equal(convoy_metric_run_failed(NULL), 0);
    assert_int_equal(convoy_metric_run_inconclusive(NULL), 0);
    assert_int_equal(convoy_metric_run_errors(NULL), 0);
    assert_int_equal(convoy_metric_run_consecutive_errors(NULL), 0);
    assert_int_equal(convoy_metric_run_dry_run(NULL), 0);
}

static void test_counters(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.failure_limit = -1;
    g.inconclusive_limit = 100;
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 3);
    add(run, CONVOY_MEASURE_FAILED, 2);
    add(run, CONVOY_MEASURE_INCONCLUSIVE, 4);
    add(run, CONVOY_MEASURE_ERROR, 2);
    assert_int_equal(convoy_metric_run_successful(run), 3);
    assert_int_equal(convoy_metric_run_failed(run), 2);
    assert_int_equal(convoy_metric_run_inconclusive(run), 4);
    /* Errors are not measurements. */
    assert_int_equal(convoy_metric_run_measured(run), 9);
    assert_int_equal(convoy_metric_run_errors(run), 2);
    assert_int_equal(convoy_metric_run_consecutive_errors(run), 2);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    convoy_metric_run_free(run);
}

static void test_add_unknown_outcome(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    convoy_metric_run *run = run_new(&g);
    assert_status(convoy_metric_run_add(run, 0), CONVOY_E_INVALID_ARG);
    assert_status(convoy_metric_run_add(run, 5), CONVOY_E_INVALID_ARG);
    assert_status(convoy_metric_run_add(run, -1), CONVOY_E_INVALID_ARG);
    assert_int_not_equal(convoy_metric_run_add(NULL, CONVOY_MEASURE_SUCCESSFUL), CONVOY_OK);
    assert_int_equal(convoy_metric_run_measured(run), 0);
    assert_int_equal(convoy_metric_run_errors(run), 0);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    convoy_metric_run_free(run);
}

/* Argo: failure_limit 2 with 3 failures -> Failed. */
static void test_argo_failure_limit(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.count = 10;
    g.failure_limit = 2;
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_FAILED, 2);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_FAILED, 1);
    assert_int_equal(convoy_metric_run_failed(run), 3);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);
    convoy_metric_run_free(run);
}

static void test_default_failure_limit_is_zero(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.count = 5;
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_FAILED, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);
    convoy_metric_run_free(run);
}

/* Argo: 5 consecutive errors with the default limit (4) -> Error; 4 -> Running. */
static void test_argo_consecutive_errors(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.count = 5;
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_ERROR, 4);
    assert_int_equal(convoy_metric_run_consecutive_errors(run), 4);
    assert_int_equal(convoy_metric_run_measured(run), 0);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_ERROR, 1);
    assert_int_equal(convoy_metric_run_consecutive_errors(run), 5);
    assert_int_equal(convoy_metric_run_errors(run), 5);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_ERROR);
    convoy_metric_run_free(run);
}

static void test_consecutive_error_limit_setting(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.consecutive_error_limit = 0;
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_ERROR, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_ERROR);
    convoy_metric_run_free(run);

    g.consecutive_error_limit = 2;
    run = run_new(&g);
    add(run, CONVOY_MEASURE_ERROR, 2);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_ERROR, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_ERROR);
    convoy_metric_run_free(run);
}

static void test_measurement_resets_consecutive_errors(void **state)
{
    (void)state;
    static const int resetters[] = {CONVOY_MEASURE_SUCCESSFUL, CONVOY_MEASURE_FAILED,
                                    CONVOY_MEASURE_INCONCLUSIVE};
    for (size_t k = 0; k < 3; k++) {
        convoy_metric_gate g = unbounded();
        g.failure_limit = -1;
        g.inconclusive_limit = 10;
        convoy_metric_run *run = run_new(&g);
        add(run, CONVOY_MEASURE_ERROR, 4);
        add(run, resetters[k], 1);
        assert_int_equal(convoy_metric_run_consecutive_errors(run), 0);
        add(run, CONVOY_MEASURE_ERROR, 4);
        assert_int_equal(convoy_metric_run_consecutive_errors(run), 4);
        assert_int_equal(convoy_metric_run_errors(run), 8);
        assert_int_equal(convoy_metric_run_measured(run), 1);
        assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
        add(run, CONVOY_MEASURE_ERROR, 1);
        assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_ERROR);
        convoy_metric_run_free(run);
    }
}

static void test_count_reached_is_successful(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.count = 3;
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 2);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_ERROR, 2); /* errors do not count */
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    assert_int_equal(convoy_metric_run_measured(run), 3);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_SUCCESSFUL);
    convoy_metric_run_free(run);

    /* Within the failure limit, the count still completes the metric. */
    g.failure_limit = 1;
    run = run_new(&g);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    add(run, CONVOY_MEASURE_FAILED, 1);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_SUCCESSFUL);
    convoy_metric_run_free(run);

    /* Count without an interval. */
    convoy_metric_gate c = gate_new();
    c.count = 2;
    run = run_new(&c);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_SUCCESSFUL);
    convoy_metric_run_free(run);
}

static void test_no_count_no_interval_is_one_measurement(void **state)
{
    (void)state;
    convoy_metric_gate g = gate_new();
    g.success = SUCCESS_LT_001;
    g.n_success = 1;
    convoy_metric_run *run = run_new(&g);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_ERROR, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_SUCCESSFUL);
    convoy_metric_run_free(run);
}

static void test_interval_only_never_successful(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1000);
    assert_int_equal(convoy_metric_run_measured(run), 1000);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    /* It can still fail. */
    add(run, CONVOY_MEASURE_FAILED, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);
    convoy_metric_run_free(run);
}

static void test_failure_limit_minus_one_disables(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.failure_limit = -1;
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_FAILED, 50);
    assert_int_equal(convoy_metric_run_failed(run), 50);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    convoy_metric_run_free(run);

    /* With a count: every measurement failed, yet the count completes it. */
    g.count = 3;
    run = run_new(&g);
    add(run, CONVOY_MEASURE_FAILED, 3);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_SUCCESSFUL);
    convoy_metric_run_free(run);
}

static void test_inconclusive_limit(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    convoy_metric_run *run = run_new(&g);
    add(run, CONVOY_MEASURE_INCONCLUSIVE, 1); /* default limit 0 */
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_INCONCLUSIVE);
    convoy_metric_run_free(run);

    g.inconclusive_limit = 2;
    run = run_new(&g);
    add(run, CONVOY_MEASURE_INCONCLUSIVE, 2);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    add(run, CONVOY_MEASURE_INCONCLUSIVE, 1);
    assert_int_equal(convoy_metric_run_inconclusive(run), 3);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_INCONCLUSIVE);
    convoy_metric_run_free(run);
}

static void test_phase_check_order(void **state)
{
    (void)state;
    convoy_metric_run *run;

    /* Failed before Inconclusive. */
    convoy_metric_gate g = unbounded();
    run = run_new(&g);
    add(run, CONVOY_MEASURE_INCONCLUSIVE, 1);
    add(run, CONVOY_MEASURE_FAILED, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);
    convoy_metric_run_free(run);

    /* Inconclusive before Error. */
    run = run_new(&g);
    add(run, CONVOY_MEASURE_INCONCLUSIVE, 1);
    add(run, CONVOY_MEASURE_ERROR, 5);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_INCONCLUSIVE);
    convoy_metric_run_free(run);

    /* Failed before Error. */
    run = run_new(&g);
    add(run, CONVOY_MEASURE_FAILED, 1);
    add(run, CONVOY_MEASURE_ERROR, 5);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);
    convoy_metric_run_free(run);

    /* Failed before Successful: the count is reached, but too many failed. */
    g.count = 2;
    run = run_new(&g);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    add(run, CONVOY_MEASURE_FAILED, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);
    convoy_metric_run_free(run);

    /* Inconclusive before Successful. */
    g.count = 1;
    run = run_new(&g);
    add(run, CONVOY_MEASURE_INCONCLUSIVE, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_INCONCLUSIVE);
    convoy_metric_run_free(run);

    /* Error before Successful. */
    g.count = 1;
    run = run_new(&g);
    add(run, CONVOY_MEASURE_SUCCESSFUL, 1);
    add(run, CONVOY_MEASURE_ERROR, 5);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_ERROR);
    convoy_metric_run_free(run);
}

static void test_run_measure(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.failure = FAILURE_GE_005;
    g.n_failure = 1;
    g.inconclusive_limit = 5;
    g.failure_limit = 5;
    convoy_metric_run *run = run_new(&g);
    int outcome = -1;
    assert_ok(convoy_metric_run_measure(&outcome, run, 1, 0.001, NAN));
    assert_outcome(outcome, CONVOY_MEASURE_SUCCESSFUL);
    assert_ok(convoy_metric_run_measure(&outcome, run, 1, 0.02, NAN));
    assert_outcome(outcome, CONVOY_MEASURE_INCONCLUSIVE);
    assert_ok(convoy_metric_run_measure(&outcome, run, 1, 0.5, NAN));
    assert_outcome(outcome, CONVOY_MEASURE_FAILED);
    assert_ok(convoy_metric_run_measure(&outcome, run, 0, 0, NAN));
    assert_outcome(outcome, CONVOY_MEASURE_ERROR);
    assert_ok(convoy_metric_run_measure(NULL, run, 1, NAN, NAN)); /* outcome may be NULL */
    assert_int_equal(convoy_metric_run_successful(run), 1);
    assert_int_equal(convoy_metric_run_inconclusive(run), 2);
    assert_int_equal(convoy_metric_run_failed(run), 1);
    assert_int_equal(convoy_metric_run_errors(run), 1);
    assert_int_equal(convoy_metric_run_consecutive_errors(run), 0);
    assert_int_equal(convoy_metric_run_measured(run), 4);
    convoy_metric_run_free(run);
}

static void test_run_measure_relative(void **state)
{
    (void)state;
    static const char *const rel[] = {"<=+10%"};
    convoy_metric_gate g = unbounded();
    g.success = rel;
    g.n_success = 1;
    g.failure_limit = -1;
    convoy_metric_run *run = run_new(&g);
    int outcome;
    assert_ok(convoy_metric_run_measure(&outcome, run, 1, 100, NAN));
    assert_outcome(outcome, CONVOY_MEASURE_SUCCESSFUL);
    assert_ok(convoy_metric_run_measure(&outcome, run, 1, 120, 100));
    assert_outcome(outcome, CONVOY_MEASURE_FAILED);
    convoy_metric_run_free(run);
}

static void test_run_copies_gate(void **state)
{
    (void)state;
    /* The run keeps its own copy: change and wipe everything afterwards. */
    char *success0 = strdup("<0.01");
    char *name = strdup("error-rate");
    const char **success = malloc(sizeof *success);
    assert_non_null(success0);
    assert_non_null(name);
    assert_non_null(success);
    success[0] = success0;
    convoy_metric_gate g = gate_new();
    g.name = name;
    g.success = success;
    g.n_success = 1;
    g.count = 2;
    convoy_metric_run *run = run_new(&g);

    memset(success0, 'x', strlen(success0));
    memset(name, 'y', strlen(name));
    success[0] = "<=abc";
    g.count = 100;
    g.n_success = 0;
    free(success0);
    free(name);
    free(success);

    int outcome = -1;
    assert_ok(convoy_metric_run_measure(&outcome, run, 1, 0.001, NAN));
    assert_outcome(outcome, CONVOY_MEASURE_SUCCESSFUL);
    assert_ok(convoy_metric_run_measure(&outcome, run, 1, 0.5, NAN));
    assert_outcome(outcome, CONVOY_MEASURE_FAILED);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);

    char *line = NULL;
    assert_ok(convoy_metric_run_explain(&line, run, 0.5));
    assert_non_null(strstr(line, "error-rate"));
    convoy_free(line);
    convoy_metric_run_free(run);
}

static void test_run_with_malformed_criterion(void **state)
{
    (void)state;
    /* gate.h lists no parse error for convoy_metric_run_new: either it
     * refuses the gate, or measuring reports CONVOY_E_PARSE. */
    static const char *const bad[] = {"<=abc"};
    convoy_metric_gate g = gate_new();
    g.success = bad;
    g.n_success = 1;
    convoy_metric_run *run = NULL;
    int rc = convoy_metric_run_new(&run, &g);
    if (rc != CONVOY_OK) {
        assert_null(run);
        return;
    }
    int outcome;
    assert_status(convoy_metric_run_measure(&outcome, run, 1, 1, NAN), CONVOY_E_PARSE);
    assert_int_equal(convoy_metric_run_measured(run), 0);
    assert_int_equal(convoy_metric_run_errors(run), 0);
    convoy_metric_run_free(run);
}

static void test_dry_run_flag(void **state)
{
    (void)state;
    convoy_metric_gate g = unbounded();
    g.dry_run = 1;
    convoy_metric_run *run = run_new(&g);
    assert_int_equal(convoy_metric_run_dry_run(run), 1);
    /* Its own phase is still computed. */
    add(run, CONVOY_MEASURE_FAILED, 1);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);
    convoy_metric_run_free(run);
}

/* ------------------------------------------------------------ schedule */

static void test_due(void **state)
{
    (void)state;
    uint64_t due = 12345;
    convoy_metric_gate g = gate_new();
    g.initial_delay_ms = 30000;
    g.interval_ms = 60000;
    g.count = 5;
    convoy_metric_run *run = run_new(&g);
    assert_ok(convoy_metric_run_due(&due, run, 0));
    assert_int_equal(due, 30000);
    assert_ok(convoy_metric_run_due(&due, run, 1));
    assert_int_equal(due, 90000);
    assert_ok(convoy_metric_run_due(&due, run, 4));
    assert_int_equal(due, 270000);
    assert_status(convoy_metric_run_due(&due, run, 5), CONVOY_E_RANGE);
    assert_status(convoy_metric_run_due(&due, run, UINT32_MAX), CONVOY_E_RANGE);
    convoy_metric_run_free(run);

    /* Neither count nor interval: one measurement, after the delay. */
    convoy_metric_gate one = gate_new();
    one.initial_delay_ms = 5000;
    run = run_new(&one);
    assert_ok(convoy_metric_run_due(&due, run, 0));
    assert_int_equal(due, 5000);
    assert_status(convoy_metric_run_due(&due, run, 1), CONVOY_E_RANGE);
    convoy_metric_run_free(run);

    /* Interval only: unbounded. */
    convoy_metric_gate inf = gate_new();
    inf.interval_ms = 1000;
    run = run_new(&inf);
    assert_ok(convoy_metric_run_due(&due, run, 0));
    assert_int_equal(due, 0);
    assert_ok(convoy_metric_run_due(&due, run, 100000));
    assert_int_equal(due, 100000000u);
    assert_ok(convoy_metric_run_due(&due, run, UINT32_MAX));
    assert_int_equal(due, (uint64_t)UINT32_MAX * 1000u);
    convoy_metric_run_free(run);

    /* A count without an interval: no measurement after the first. */
    convoy_metric_gate c = gate_new();
    c.count = 3;
    run = run_new(&c);
    assert_ok(convoy_metric_run_due(&due, run, 0));
    assert_int_equal(due, 0);
    assert_status(convoy_metric_run_due(&due, run, 1), CONVOY_E_RANGE);
    convoy_metric_run_free(run);
}

/* ------------------------------------------------------------ analysis phase */

/* A run in `phase` (one of Successful, Running, Inconclusive, Error, Failed). */
static convoy_metric_run *run_in(int phase, int dry_run)
{
    convoy_metric_gate g = gate_new();
    g.count = 2;
    g.dry_run = dry_run;
    convoy_metric_run *run = run_new(&g);
    switch (phase) {
    case CONVOY_PHASE_SUCCESSFUL: add(run, CONVOY_MEASURE_SUCCESSFUL, 2); break;
    case CONVOY_PHASE_RUNNING: add(run, CONVOY_MEASURE_SUCCESSFUL, 1); break;
    case CONVOY_PHASE_INCONCLUSIVE: add(run, CONVOY_MEASURE_INCONCLUSIVE, 1); break;
    case CONVOY_PHASE_ERROR: add(run, CONVOY_MEASURE_ERROR, 5); break;
    case CONVOY_PHASE_FAILED: add(run, CONVOY_MEASURE_FAILED, 1); break;
    default: fail_msg("run_in: phase %d", phase);
    }
    assert_phase(convoy_metric_run_phase(run), phase);
    return run;
}

static int analysis_of(const int *phases, const int *dry, size_t n)
{
    convoy_metric_run *runs[8];
    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++)
        runs[i] = run_in(phases[i], dry ? dry[i] : 0);
    int p = convoy_analysis_phase((const convoy_metric_run *const *)runs, n);
    for (size_t i = 0; i < n; i++)
        convoy_metric_run_free(runs[i]);
    return p;
}

static void test_analysis_worst_of(void **state)
{
    (void)state;
    static const int order[] = {CONVOY_PHASE_SUCCESSFUL, CONVOY_PHASE_RUNNING,
                                CONVOY_PHASE_INCONCLUSIVE, CONVOY_PHASE_ERROR,
                                CONVOY_PHASE_FAILED};
    /* Every pair, both ways round: the later (worse) one wins. */
    for (size_t i = 0; i < 5; i++) {
        for (size_t k = 0; k < 5; k++) {
            int pair[2] = {order[i], order[k]};
            int worst = order[i > k ? i : k];
            assert_phase(analysis_of(pair, NULL, 2), worst);
        }
        int single[1] = {order[i]};
        assert_phase(analysis_of(single, NULL, 1), order[i]);
    }
    int many[] = {CONVOY_PHASE_SUCCESSFUL, CONVOY_PHASE_ERROR, CONVOY_PHASE_RUNNING,
                  CONVOY_PHASE_INCONCLUSIVE, CONVOY_PHASE_SUCCESSFUL};
    assert_phase(analysis_of(many, NULL, 5), CONVOY_PHASE_ERROR);
}

static void test_analysis_skips_dry_run(void **state)
{
    (void)state;
    int phases[] = {CONVOY_PHASE_SUCCESSFUL, CONVOY_PHASE_FAILED};
    int dry[] = {0, 1};
    assert_phase(analysis_of(phases, dry, 2), CONVOY_PHASE_SUCCESSFUL);

    int phases2[] = {CONVOY_PHASE_RUNNING, CONVOY_PHASE_ERROR, CONVOY_PHASE_INCONCLUSIVE};
    int dry2[] = {0, 1, 0};
    assert_phase(analysis_of(phases2, dry2, 3), CONVOY_PHASE_INCONCLUSIVE);

    /* Only dry-run metrics: nothing counted -> Successful. */
    int phases3[] = {CONVOY_PHASE_FAILED, CONVOY_PHASE_ERROR};
    int dry3[] = {1, 1};
    assert_phase(analysis_of(phases3, dry3, 2), CONVOY_PHASE_SUCCESSFUL);

    /* A dry-run metric is skipped even when it is the better one. */
    int phases4[] = {CONVOY_PHASE_RUNNING, CONVOY_PHASE_SUCCESSFUL};
    int dry4[] = {0, 1};
    assert_phase(analysis_of(phases4, dry4, 2), CONVOY_PHASE_RUNNING);
}

static void test_analysis_empty(void **state)
{
    (void)state;
    convoy_metric_run *none[1] = {NULL};
    assert_phase(convoy_analysis_phase((const convoy_metric_run *const *)none, 0),
                 CONVOY_PHASE_SUCCESSFUL);
    assert_phase(convoy_analysis_phase(NULL, 0), CONVOY_PHASE_SUCCESSFUL);
}

/* ------------------------------------------------------------ explain */

static char *explain(const convoy_metric_run *run, double last)
{
    char *line = NULL;
    assert_ok(convoy_metric_run_explain(&line, run, last));
    assert_non_null(line);
    assert_true(line[0] != '\0');
    /* One line: no newline inside (a single trailing one is tolerated). */
    const char *nl = strchr(line, '\n');
    if (nl && nl[1] != '\0')
        fail_msg("explain is more than one line: %s", line);
    return line;
}

static void expect_explain(const convoy_metric_run *run, double last, const char *const *want,
                           size_t n)
{
    char *line = explain(run, last);
    for (size_t i = 0; i < n; i++)
        if (!strstr(line, want[i]))
            fail_msg("explain lacks \"%s\": %s", want[i], line);
    convoy_free(line);
}

static void test_explain(void **state)
{
    (void)state;
    convoy_metric_gate g = gate_new();
    g.name = "error-rate";
    g.success = SUCCESS_LT_001;
    g.n_success = 1;
    g.count = 5;
    g.interval_ms = 60000;
    g.failure_limit = 1;
    convoy_metric_run *run = run_new(&g);

    static const char *const running[] = {"error-rate", "Running"};
    expect_explain(run, NAN, running, 2);

    assert_ok(convoy_metric_run_measure(NULL, run, 1, 0.02, NAN));
    assert_ok(convoy_metric_run_measure(NULL, run, 1, 0.001, NAN));
    assert_ok(convoy_metric_run_measure(NULL, run, 1, 0.02, NAN));
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_FAILED);
    static const char *const failed[] = {"error-rate", "Failed"};
    expect_explain(run, 0.02, failed, 2);
    convoy_metric_run_free(run);

    /* Every phase is named. */
    static const int phases[] = {CONVOY_PHASE_SUCCESSFUL, CONVOY_PHASE_RUNNING,
                                 CONVOY_PHASE_INCONCLUSIVE, CONVOY_PHASE_ERROR,
                                 CONVOY_PHASE_FAILED};
    for (size_t i = 0; i < 5; i++) {
        convoy_metric_run *r = run_in(phases[i], 0);
        char *line = explain(r, 1.5);
        if (!strstr(line, convoy_phase_name(phases[i])))
            fail_msg("explain lacks phase %s: %s", convoy_phase_name(phases[i]), line);
        convoy_free(line);
        convoy_metric_run_free(r);
    }

    /* Without a name, still a line. */
    convoy_metric_gate anon = gate_new();
    run = run_new(&anon);
    convoy_free(explain(run, NAN));
    convoy_metric_run_free(run);

    /* Dry run is said. */
    convoy_metric_gate dry = unbounded();
    dry.name = "latency";
    dry.dry_run = 1;
    run = run_new(&dry);
    static const char *const dry_words[] = {"latency"};
    expect_explain(run, NAN, dry_words, 1);
    convoy_metric_run_free(run);

    char *line = NULL;
    assert_int_not_equal(convoy_metric_run_explain(NULL, NULL, 0), CONVOY_OK);
    assert_int_not_equal(convoy_metric_run_explain(&line, NULL, 0), CONVOY_OK);
}

/* ------------------------------------------------------------ from a plan */

static const char PLAN[] =
    "{\"name\": \"gates\",\n"
    " \"analyses\": {\n"
    "  \"error-rate\": {\"metrics\": [\n"
    "   {\"name\": \"error-rate\",\n"
    "    \"provider\": {\"prometheus\": {\"address\": \"http://127.0.0.1:9090\", \"query\": \"e\"}},\n"
    "    \"interval\": \"1m\", \"count\": 5, \"initial_delay\": \"30s\",\n"
    "    \"success\": \"<0.01\", \"failure\": [\">=0.05\", \"<=+50%\"],\n"
    "    \"failure_limit\": 1, \"inconclusive_limit\": 2, \"consecutive_error_limit\": 3,\n"
    "    \"dry_run\": true},\n"
    "   {\"name\": \"latency\",\n"
    "    \"provider\": {\"prometheus\": {\"query\": \"l\"}},\n"
    "    \"min\": 10, \"max\": 250}\n"
    "  ]},\n"
    "  \"background\": {\"metrics\": [\n"
    "   {\"name\": \"saturation\", \"provider\": {\"prometheus\": {\"query\": \"s\"}},\n"
    "    \"interval\": \"10s\", \"failure\": \">0.9\", \"failure_limit\": -1}\n"
    "  ]}\n"
    " },\n"
    " \"services\": [{\"name\": \"api\", \"steps\": [\n"
    "   {\"set_weight\": 10}, {\"analysis\": \"error-rate\"}, {\"analysis\": \"background\"},\n"
    "   {\"set_weight\": 100}]}]}\n";

static convoy_plan *parse_plan(void)
{
    convoy_plan *plan = NULL;
    convoy_diagnostics *diags = NULL;
    int rc = convoy_plan_parse(&plan, &diags, PLAN, sizeof PLAN - 1, NULL);
    if (rc != CONVOY_OK) {
        for (size_t i = 0; i < convoy_diagnostics_count(diags); i++)
            print_error("plan: %u:%u %s: %s\n", (unsigned)convoy_diagnostic_line(diags, i),
                        (unsigned)convoy_diagnostic_column(diags, i),
                        convoy_diagnostic_pointer(diags, i), convoy_diagnostic_message(diags, i));
        convoy_diagnostics_free(diags);
        fail_msg("the inline plan does not parse: %s", convoy_error_message(convoy_error_last()));
    }
    convoy_diagnostics_free(diags);
    assert_non_null(plan);
    return plan;
}

static const convoy_metric *plan_metric(const convoy_plan *plan, const char *analysis,
                                        size_t i)
{
    const convoy_analysis *an = convoy_plan_analysis_by_name(plan, analysis);
    assert_non_null(an);
    assert_int_equal(convoy_analysis_kind(an), CONVOY_ANALYSIS_MEASUREMENT);
    const convoy_metric *m = convoy_analysis_metric(an, i);
    assert_non_null(m);
    return m;
}

static void test_gate_from_plan(void **state)
{
    (void)state;
    convoy_plan *plan = parse_plan();
    convoy_metric_gate g;

    /* Every setting of the error-rate metric. */
    memset(&g, 0, sizeof g);
    assert_ok(convoy_metric_gate_from_plan(&g, plan_metric(plan, "error-rate", 0)));
    assert_int_equal(g.version, CONVOY_METRIC_GATE_VERSION);
    assert_string_equal(g.name, "error-rate");
    assert_int_equal(g.n_success, 1);
    assert_string_equal(g.success[0], "<0.01");
    assert_int_equal(g.n_failure, 2);
    assert_string_equal(g.failure[0], ">=0.05");
    assert_string_equal(g.failure[1], "<=+50%");
    assert_int_equal(g.has_min, 0);
    assert_int_equal(g.has_max, 0);
    assert_int_equal(g.count, 5);
    assert_int_equal(g.interval_ms, 60000);
    assert_int_equal(g.initial_delay_ms, 30000);
    assert_int_equal(g.failure_limit, 1);
    assert_int_equal(g.inconclusive_limit, 2);
    assert_int_equal(g.consecutive_error_limit, 3);
    assert_int_equal(g.dry_run, 1);
    /* Measures as the plan says: failure needs both failure criteria. */
    assert_outcome(measure(&g, 1, 0.001, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 0.06, NAN), CONVOY_MEASURE_FAILED);   /* no history */
    assert_outcome(measure(&g, 1, 0.06, 0.05), CONVOY_MEASURE_FAILED);  /* 0.06 <= 0.075 */
    assert_outcome(measure(&g, 1, 0.08, 0.05), CONVOY_MEASURE_INCONCLUSIVE);
    assert_outcome(measure(&g, 1, 0.02, NAN), CONVOY_MEASURE_INCONCLUSIVE);

    /* min/max (thresholdRange) and the defaults. */
    memset(&g, 0, sizeof g);
    assert_ok(convoy_metric_gate_from_plan(&g, plan_metric(plan, "error-rate", 1)));
    assert_string_equal(g.name, "latency");
    assert_int_equal(g.n_success, 0);
    assert_int_equal(g.n_failure, 0);
    assert_int_equal(g.has_min, 1);
    assert_int_equal(g.has_max, 1);
    assert_double_equal(g.min, 10);
    assert_double_equal(g.max, 250);
    assert_int_equal(g.count, 0);
    assert_int_equal(g.interval_ms, 0);
    assert_int_equal(g.initial_delay_ms, 0);
    assert_int_equal(g.failure_limit, 0);
    assert_int_equal(g.inconclusive_limit, 0);
    assert_int_equal(g.consecutive_error_limit, 4);
    assert_int_equal(g.dry_run, 0);
    assert_outcome(measure(&g, 1, 10, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 250, NAN), CONVOY_MEASURE_SUCCESSFUL);
    assert_outcome(measure(&g, 1, 251, NAN), CONVOY_MEASURE_FAILED);
    assert_outcome(measure(&g, 1, 9, NAN), CONVOY_MEASURE_FAILED);

    /* A run built from it: one measurement (no count, no interval). */
    convoy_metric_run *run = run_new(&g);
    assert_ok(convoy_metric_run_measure(NULL, run, 1, 100, NAN));
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_SUCCESSFUL);
    convoy_metric_run_free(run);

    /* Interval only, failure_limit -1. */
    memset(&g, 0, sizeof g);
    assert_ok(convoy_metric_gate_from_plan(&g, plan_metric(plan, "background", 0)));
    assert_string_equal(g.name, "saturation");
    assert_int_equal(g.n_success, 0);
    assert_int_equal(g.n_failure, 1);
    assert_string_equal(g.failure[0], ">0.9");
    assert_int_equal(g.interval_ms, 10000);
    assert_int_equal(g.count, 0);
    assert_int_equal(g.failure_limit, -1);
    run = run_new(&g);
    for (int i = 0; i < 20; i++)
        assert_ok(convoy_metric_run_measure(NULL, run, 1, 0.95, NAN));
    assert_int_equal(convoy_metric_run_failed(run), 20);
    assert_phase(convoy_metric_run_phase(run), CONVOY_PHASE_RUNNING);
    convoy_metric_run_free(run);

    /* The gate borrows from the plan: still valid while the plan lives,
     * and a run copies it, so it outlives the plan. */
    memset(&g, 0, sizeof g);
    assert_ok(convoy_metric_gate_from_plan(&g, plan_metric(plan, "error-rate", 0)));
    run = run_new(&g);
    convoy_plan_free(plan);
    int outcome;
    assert_ok(convoy_metric_run_measure(&outcome, run, 1, 0.06, NAN));
    assert_outcome(outcome, CONVOY_MEASURE_FAILED);
    assert_int_equal(convoy_metric_run_dry_run(run), 1);
    convoy_metric_run_free(run);

    assert_int_not_equal(convoy_metric_gate_from_plan(&g, NULL), CONVOY_OK);
    assert_int_not_equal(convoy_metric_gate_from_plan(NULL, NULL), CONVOY_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_phase_constants_are_ordered),
        cmocka_unit_test(test_gate_init),
        cmocka_unit_test(test_only_success),
        cmocka_unit_test(test_only_failure),
        cmocka_unit_test(test_both_conditions),
        cmocka_unit_test(test_both_match_failure_wins),
        cmocka_unit_test(test_criteria_are_anded),
        cmocka_unit_test(test_min_max_are_success),
        cmocka_unit_test(test_min_max_with_success_criteria),
        cmocka_unit_test(test_min_max_with_failure_criteria),
        cmocka_unit_test(test_no_value_is_error),
        cmocka_unit_test(test_nan_value_is_inconclusive),
        cmocka_unit_test(test_no_criteria_is_successful),
        cmocka_unit_test(test_relative_criteria_use_aggregate),
        cmocka_unit_test(test_measure_errors),
        cmocka_unit_test(test_run_new_errors),
        cmocka_unit_test(test_run_starts_running),
        cmocka_unit_test(test_null_run_getters),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_add_unknown_outcome),
        cmocka_unit_test(test_argo_failure_limit),
        cmocka_unit_test(test_default_failure_limit_is_zero),
        cmocka_unit_test(test_argo_consecutive_errors),
        cmocka_unit_test(test_consecutive_error_limit_setting),
        cmocka_unit_test(test_measurement_resets_consecutive_errors),
        cmocka_unit_test(test_count_reached_is_successful),
        cmocka_unit_test(test_no_count_no_interval_is_one_measurement),
        cmocka_unit_test(test_interval_only_never_successful),
        cmocka_unit_test(test_failure_limit_minus_one_disables),
        cmocka_unit_test(test_inconclusive_limit),
        cmocka_unit_test(test_phase_check_order),
        cmocka_unit_test(test_run_measure),
        cmocka_unit_test(test_run_measure_relative),
        cmocka_unit_test(test_run_copies_gate),
        cmocka_unit_test(test_run_with_malformed_criterion),
        cmocka_unit_test(test_dry_run_flag),
        cmocka_unit_test(test_due),
        cmocka_unit_test(test_analysis_worst_of),
        cmocka_unit_test(test_analysis_skips_dry_run),
        cmocka_unit_test(test_analysis_empty),
        cmocka_unit_test(test_explain),
        cmocka_unit_test(test_gate_from_plan),
    };
    return cmocka_run_group_tests_name("gate measure", tests, NULL, NULL);
}
