/* The simulated backend: scenario reading and validation, and the callbacks
 * called directly with hand-built actions (no engine involved). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <convoy/backend.h>
#include <convoy/gate.h>
#include <convoy/plan.h>
#include <convoy/traffic.h>

#include "rollout/action.h"

#ifndef SOURCE_ROOT
#define SOURCE_ROOT "."
#endif

/* cmocka 1.1 has no double comparison (assert_float_equal rounds to float). */
#define assert_near(a, b, eps)                                                   \
    do {                                                                         \
        double a_ = (a), b_ = (b);                                               \
        if (!(fabs(a_ - b_) <= (eps)))                                           \
            fail_msg("%s = %.17g, expected %.17g", #a, a_, b_);                  \
    } while (0)

static convoy_plan *shop;
static convoy_plan *judged;

/* A judge analysis next to a measurement one, to tell the two apart. */
static const char JUDGE_PLAN[] =
    "{\"name\": \"judged\","
    " \"analyses\": {"
    "  \"latency-judge\": {\"judge\": {\"pass\": 95, \"marginal\": 75, \"interval\": \"1m\", \"count\": 3,"
    "             \"groups\": {\"latency\": 100}},"
    "   \"metrics\": [{\"name\": \"p99\", \"provider\": {\"prometheus\": {\"query\": \"q\"}},"
    "                  \"direction\": \"increase\", \"groups\": [\"latency\"]}]},"
    "  \"errors\": {\"metrics\": [{\"name\": \"error-rate\", \"provider\": {\"prometheus\": {\"query\": \"q\"}},"
    "              \"success\": \"<0.01\"}]}},"
    " \"services\": [{\"name\": \"api\", \"steps\": [{\"set_weight\": 10}, {\"analysis\": \"latency-judge\"},"
    "                                              {\"analysis\": \"errors\"}]}]}";

static int setup(void **state)
{
    (void)state;
    if (convoy_plan_parse_file(&shop, NULL, SOURCE_ROOT "/examples/plans/shop.json", NULL) !=
        CONVOY_OK) {
        fprintf(stderr, "shop.json: %s\n", convoy_error_message(convoy_error_last()));
        return -1;
    }
    if (convoy_plan_parse(&judged, NULL, JUDGE_PLAN, strlen(JUDGE_PLAN), NULL) != CONVOY_OK) {
        fprintf(stderr, "judge plan: %s at %s\n", convoy_error_message(convoy_error_last()),
                convoy_error_pointer(convoy_error_last()));
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    convoy_plan_free(shop);
    convoy_plan_free(judged);
    return 0;
}

/* ---- helpers ----------------------------------------------------------- */

static convoy_simulator *sim_of(const convoy_plan *plan, const char *scenario)
{
    convoy_simulator *sim = NULL;
    int rc = convoy_simulator_new(&sim, plan, scenario, scenario ? strlen(scenario) : 0);
    if (rc != CONVOY_OK)
        fail_msg("scenario rejected (%d): %s at \"%s\"", rc,
                 convoy_error_message(convoy_error_last()),
                 convoy_error_pointer(convoy_error_last()));
    return sim;
}

static const convoy_service *svc(const convoy_plan *plan, const char *name)
{
    const convoy_service *s = convoy_plan_service_by_name(plan, name);
    assert_non_null(s);
    return s;
}

static convoy_action action(int kind, const convoy_service *s, size_t step, uint32_t attempt)
{
    convoy_action a;
    memset(&a, 0, sizeof a);
    a.kind = kind;
    a.service = s;
    a.step = step;
    a.attempt = attempt;
    a.variant = CONVOY_VARIANT_CANDIDATE;
    return a;
}

/* The metric `name` of analysis `analysis`. */
static const convoy_metric *metric(const convoy_plan *plan, const char *analysis, const char *name)
{
    const convoy_analysis *an = convoy_plan_analysis_by_name(plan, analysis);
    assert_non_null(an);
    for (size_t i = 0; i < convoy_analysis_metric_count(an); i++)
        if (strcmp(convoy_metric_name(convoy_analysis_metric(an, i)), name) == 0)
            return convoy_analysis_metric(an, i);
    fail_msg("no metric %s in %s", name, analysis);
    return NULL;
}

/* Queries through the backend table; returns the status, fills samples. */
static int query(convoy_samples *out, const convoy_backend *be, convoy_simulator *sim,
                 const convoy_service *s, const convoy_metric *m, int variant, double seconds)
{
    convoy_action a = action(CONVOY_ACTION_QUERY_METRIC, s, 1, 1);
    a.metric = m;
    a.variant = variant;
    a.now_ms = (uint64_t)(seconds * 1000.0 + 0.5);
    convoy__samples_clear(out);
    return be->query_metric(out, &a, sim);
}

/* The single value of a measurement query at `seconds`; NaN-boxed status
 * checks happen in the caller through n. */
static double one_value(const convoy_backend *be, convoy_simulator *sim, const convoy_service *s,
                        const convoy_metric *m, int variant, double seconds, size_t *n)
{
    convoy_samples out = {0};
    assert_int_equal(query(&out, be, sim, s, m, variant, seconds), CONVOY_OK);
    *n = out.n;
    double v = out.n ? out.values[0] : -12345.0;
    convoy__samples_free(&out);
    return v;
}

static convoy_action_fn slot(const convoy_backend *be, int kind)
{
    switch (kind) {
    case CONVOY_ACTION_DEPLOY: return be->deploy;
    case CONVOY_ACTION_SET_WEIGHTS: return be->set_weights;
    case CONVOY_ACTION_VERIFY_WEIGHTS: return be->verify_weights;
    case CONVOY_ACTION_APPROVAL: return be->approval;
    case CONVOY_ACTION_WEBHOOK: return be->webhook;
    case CONVOY_ACTION_PROMOTE: return be->promote;
    case CONVOY_ACTION_REVERT: return be->revert;
    default: return NULL;
    }
}

static int call(const convoy_backend *be, convoy_simulator *sim, int kind,
                const convoy_service *s, size_t step, uint32_t attempt)
{
    convoy_action a = action(kind, s, step, attempt);
    if (kind == CONVOY_ACTION_QUERY_METRIC) {
        convoy_samples out = {0};
        a.metric = convoy_analysis_metric(convoy_plan_analysis_by_name(shop, "error-rate"), 0);
        int rc = be->query_metric(&out, &a, sim);
        convoy__samples_free(&out);
        return rc;
    }
    return slot(be, kind)(&a, sim);
}

static const int ACTION_KINDS[] = {CONVOY_ACTION_DEPLOY,   CONVOY_ACTION_SET_WEIGHTS,
                                   CONVOY_ACTION_VERIFY_WEIGHTS, CONVOY_ACTION_APPROVAL,
                                   CONVOY_ACTION_WEBHOOK,  CONVOY_ACTION_PROMOTE,
                                   CONVOY_ACTION_REVERT};
#define N_ACTION_KINDS (sizeof ACTION_KINDS / sizeof ACTION_KINDS[0])

/* Does `v` satisfy the metric's criteria (every success criterion, min and
 * max, and not all of its failure criteria)? */
static void assert_healthy(const convoy_metric *m, double v)
{
    int res;
    assert_true(isfinite(v));
    for (size_t i = 0; i < convoy_metric_success_count(m); i++) {
        assert_int_equal(convoy_criterion_check(&res, convoy_metric_success(m, i), v, NAN),
                         CONVOY_OK);
        if (res != CONVOY_CRITERION_PASS)
            fail_msg("%s = %g fails success %s", convoy_metric_name(m), v,
                     convoy_metric_success(m, i));
    }
    size_t held = 0;
    for (size_t i = 0; i < convoy_metric_failure_count(m); i++) {
        assert_int_equal(convoy_criterion_check(&res, convoy_metric_failure(m, i), v, NAN),
                         CONVOY_OK);
        held += res == CONVOY_CRITERION_PASS;
    }
    if (convoy_metric_failure_count(m) && held == convoy_metric_failure_count(m))
        fail_msg("%s = %g meets every failure criterion", convoy_metric_name(m), v);
    convoy_metric_gate gate;
    int outcome;
    assert_int_equal(convoy_metric_gate_from_plan(&gate, m), CONVOY_OK);
    if (gate.has_min)
        assert_true(v >= gate.min);
    if (gate.has_max)
        assert_true(v <= gate.max);
    assert_int_equal(convoy_measure(&outcome, &gate, 1, v, NAN), CONVOY_OK);
    assert_int_equal(outcome, CONVOY_MEASURE_SUCCESSFUL);
}

/* ---- healthy values ---------------------------------------------------- */

static void test_healthy_every_shop_metric(void **state)
{
    (void)state;
    convoy_simulator *sim = sim_of(shop, NULL);
    convoy_backend be;
    assert_int_equal(convoy_simulator_backend(&be, sim), CONVOY_OK);
    size_t checked = 0;
    /* Every metric of every analysis step of every service, both variants,
     * at a few times: one value, always the same, always healthy. */
    for (size_t i = 0; i < convoy_plan_service_count(shop); i++) {
        const convoy_service *s = convoy_plan_service(shop, i);
        for (size_t k = 0; k < convoy_service_step_count(s); k++) {
            const convoy_analysis *an = convoy_step_analysis(convoy_service_step(s, k));
            for (size_t j = 0; an && j < convoy_analysis_metric_count(an); j++) {
                const convoy_metric *m = convoy_analysis_metric(an, j);
                size_t n;
                double first = one_value(&be, sim, s, m, CONVOY_VARIANT_CANDIDATE, 0, &n);
                assert_int_equal(n, 1);
                assert_healthy(m, first);
                for (int variant = 0; variant < 2; variant++) {
                    for (double t = 0; t < 5000; t += 1234.5) {
                        double v = one_value(&be, sim, s, m, variant, t, &n);
                        assert_int_equal(n, 1);
                        assert_true(v == first);
                    }
                }
                checked++;
            }
        }
    }
    assert_true(checked >= 10);

    /* And every analysis of the plan, whichever service runs it: the rule
     * is deterministic, so the values are known. */
    const struct { const char *analysis, *metric; double value; } expect[] = {
        {"error-rate", "error-rate", 0.005},        /* <0.01, >=0.05: t/2 of 0.01 */
        {"inventory-errors", "error-rate", 0.01},   /* <0.02, >=0.1 */
        {"web-health", "error-rate", 0.005},        /* <0.01 only */
        {"web-health", "p99-latency", 0.25},        /* <=0.5, <=+10% (relative), >1.0 */
        {"web-health", "cpu-saturation", 0.45},     /* max 0.9 */
    };
    const convoy_service *ledger = svc(shop, "ledger");
    for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++) {
        const convoy_metric *m = metric(shop, expect[i].analysis, expect[i].metric);
        size_t n;
        double v = one_value(&be, sim, ledger, m, CONVOY_VARIANT_CANDIDATE, 60, &n);
        assert_int_equal(n, 1);
        assert_healthy(m, v);
        assert_near(v, expect[i].value, 1e-12);
    }
    convoy_simulator_free(sim);
}

/* Criteria shapes beyond shop.json: the search finds a healthy value
 * whenever one exists. */
static void test_healthy_search_shapes(void **state)
{
    (void)state;
    static const struct { const char *criteria; double expect; } shapes[] = {
        {"\"success\": \">=99.5\"", 99.5},
        {"\"success\": \">99.5\"", 109.45},
        {"\"success\": [\">0.3\", \"<0.31\"]", 0.305},            /* a narrow band: midpoint */
        {"\"success\": \">0\"", 1.0},
        {"\"success\": \"<-5\"", 1.0},     /* a leading sign is relative (A - 5) */
        {"\"max\": -5", -5.0},
        {"\"success\": \"=7\"", 7.0},
        {"\"failure\": \">=0.05\"", 0.025},
        {"\"min\": 10, \"max\": 20", 15.0},
        {"\"min\": 10", 10.0},
        {"\"success\": \"<=+10%\"", 1.0},                           /* relative only */
        {"\"success\": \">=0.95\", \"failure\": \"<0.9\"", 0.95},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
        char plan_text[1024];
        snprintf(plan_text, sizeof plan_text,
                 "{\"name\": \"p\", \"analyses\": {\"a\": {\"metrics\": [{\"name\": \"m\","
                 " \"provider\": {\"x\": {}}, %s}]}},"
                 " \"services\": [{\"name\": \"s\", \"steps\": [{\"analysis\": \"a\"}]}]}",
                 shapes[i].criteria);
        convoy_plan *plan = NULL;
        if (convoy_plan_parse(&plan, NULL, plan_text, strlen(plan_text), NULL) != CONVOY_OK)
            fail_msg("plan %s: %s", shapes[i].criteria, convoy_error_message(convoy_error_last()));
        convoy_simulator *sim = sim_of(plan, NULL);
        convoy_backend be;
        convoy_simulator_backend(&be, sim);
        const convoy_metric *m = metric(plan, "a", "m");
        size_t n;
        double v = one_value(&be, sim, svc(plan, "s"), m, CONVOY_VARIANT_CANDIDATE, 0, &n);
        assert_int_equal(n, 1);
        assert_healthy(m, v);
        if (fabs(v - shapes[i].expect) > 1e-9)
            fail_msg("%s: %.17g, expected %g", shapes[i].criteria, v, shapes[i].expect);
        convoy_simulator_free(sim);
        convoy_plan_free(plan);
    }
}

/* Contradictory criteria (failure wins wherever success holds): no value
 * is Successful, and the simulator falls back to one that is not Failed. */
static void test_healthy_fallback(void **state)
{
    (void)state;
    static const char text[] =
        "{\"name\": \"p\", \"analyses\": {\"a\": {\"metrics\": [{\"name\": \"m\","
        " \"provider\": {\"x\": {}}, \"success\": \"<5\", \"failure\": \"<10\"}]}},"
        " \"services\": [{\"name\": \"s\", \"steps\": [{\"analysis\": \"a\"}]}]}";
    convoy_plan *plan = NULL;
    assert_int_equal(convoy_plan_parse(&plan, NULL, text, strlen(text), NULL), CONVOY_OK);
    convoy_simulator *sim = sim_of(plan, NULL);
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    const convoy_metric *m = metric(plan, "a", "m");
    size_t n;
    double v = one_value(&be, sim, svc(plan, "s"), m, CONVOY_VARIANT_CANDIDATE, 0, &n);
    convoy_metric_gate gate;
    int outcome;
    convoy_metric_gate_from_plan(&gate, m);
    assert_int_equal(convoy_measure(&outcome, &gate, 1, v, NAN), CONVOY_OK);
    assert_int_equal(outcome, CONVOY_MEASURE_INCONCLUSIVE);
    assert_near(v, 10.0, 0); /* t of "<10" is the first value not Failed */
    convoy_simulator_free(sim);
    convoy_plan_free(plan);
}

/* ---- scenario values --------------------------------------------------- */

static void test_values_over_time(void **state)
{
    (void)state;
    convoy_simulator *sim = sim_of(shop,
        "{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\":"
        "  [[60, 0.001], [600, 0.05], [900, null], [1200, \"NaN\"], [1500.5, 0.002]]}}}}");
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    const convoy_service *payments = svc(shop, "payments");
    const convoy_metric *m = metric(shop, "error-rate", "error-rate");
    size_t n;
    const struct { double t; double v; size_t n; } at[] = {
        {0, 0.001, 1},        /* before the first point: the first value */
        {59.999, 0.001, 1},
        {60, 0.001, 1},       /* at */
        {300, 0.001, 1},      /* between */
        {599.999, 0.001, 1},
        {600, 0.05, 1},
        {899.999, 0.05, 1},
        {900, 0, 0},          /* null: no data, no samples */
        {1100, 0, 0},
        {1500, NAN, 1},       /* "NaN" */
        {1500.5, 0.002, 1},   /* fractional seconds */
        {1e6, 0.002, 1},      /* after the last point: the last value holds */
    };
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        double v = one_value(&be, sim, payments, m, CONVOY_VARIANT_CANDIDATE, at[i].t, &n);
        if (n != at[i].n)
            fail_msg("t=%g: %zu values, expected %zu", at[i].t, n, at[i].n);
        if (n && !(isnan(at[i].v) ? isnan(v) : v == at[i].v))
            fail_msg("t=%g: %g, expected %g", at[i].t, v, at[i].v);
    }
    /* Served by name: web-health's error-rate of payments follows too. */
    double v = one_value(&be, sim, payments, metric(shop, "web-health", "error-rate"),
                         CONVOY_VARIANT_CANDIDATE, 700, &n);
    assert_int_equal(n, 1);
    assert_true(v == 0.05);
    /* The baseline, another service and another metric stay healthy. */
    v = one_value(&be, sim, payments, m, CONVOY_VARIANT_BASELINE, 700, &n);
    assert_true(n == 1 && v == 0.005);
    v = one_value(&be, sim, svc(shop, "ledger"), m, CONVOY_VARIANT_CANDIDATE, 700, &n);
    assert_true(n == 1 && v == 0.005);
    v = one_value(&be, sim, payments, metric(shop, "web-health", "p99-latency"),
                  CONVOY_VARIANT_CANDIDATE, 700, &n);
    assert_true(n == 1 && v == 0.25);
    convoy_simulator_free(sim);
}

/* A baseline series is served to baseline queries only. */
static void test_variants_apart(void **state)
{
    (void)state;
    convoy_simulator *sim = sim_of(shop,
        "{\"metrics\": {\"ledger\": {\"baseline\": {\"p99-latency\": [[0, 0.3]]},"
        "                          \"candidate\": {\"p99-latency\": [[0, 0.7]]}}}}");
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    const convoy_metric *m = metric(shop, "web-health", "p99-latency");
    size_t n;
    assert_true(one_value(&be, sim, svc(shop, "ledger"), m, CONVOY_VARIANT_BASELINE, 5, &n) == 0.3);
    assert_true(one_value(&be, sim, svc(shop, "ledger"), m, CONVOY_VARIANT_CANDIDATE, 5, &n) == 0.7);
    convoy_simulator_free(sim);
}

/* ---- actions ----------------------------------------------------------- */

static void test_no_scenario_all_ok(void **state)
{
    (void)state;
    const char *scenarios[] = {NULL, "{}", "{\"metrics\": {}, \"actions\": {\"fail\": [], \"pending\": []}}"};
    for (size_t k = 0; k < 3; k++) {
        convoy_simulator *sim = sim_of(shop, scenarios[k]);
        convoy_backend be;
        assert_int_equal(convoy_simulator_backend(&be, sim), CONVOY_OK);
        for (size_t i = 0; i < convoy_plan_service_count(shop); i++) {
            const convoy_service *s = convoy_plan_service(shop, i);
            for (size_t j = 0; j < N_ACTION_KINDS; j++) {
                const size_t steps[] = {CONVOY_STEP_BEFORE, 0, 3, CONVOY_STEP_PROMOTED};
                for (size_t st = 0; st < 4; st++)
                    for (uint32_t attempt = 1; attempt < 5; attempt++)
                        assert_int_equal(call(&be, sim, ACTION_KINDS[j], s, steps[st], attempt),
                                         CONVOY_OK);
            }
            assert_int_equal(call(&be, sim, CONVOY_ACTION_QUERY_METRIC, s, 2, 1), CONVOY_OK);
        }
        convoy_simulator_free(sim);
    }
}

static void test_fail_times(void **state)
{
    (void)state;
    convoy_simulator *sim = sim_of(shop,
        "{\"actions\": {\"fail\": [{\"service\": \"inventory\", \"action\": \"deploy\", \"times\": 2},"
        "                         {\"service\": \"payments\", \"action\": \"promote\"},"
        "                         {\"service\": \"ledger\", \"action\": \"query-metric\", \"times\": 1}]}}");
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    const convoy_service *inventory = svc(shop, "inventory");
    /* times 2: attempts 1 and 2 fail, the third succeeds; at every step. */
    assert_int_equal(call(&be, sim, CONVOY_ACTION_DEPLOY, inventory, CONVOY_STEP_BEFORE, 1),
                     CONVOY_E_IO);
    assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_IO);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), "simulated failure"));
    assert_int_equal(call(&be, sim, CONVOY_ACTION_DEPLOY, inventory, CONVOY_STEP_BEFORE, 2),
                     CONVOY_E_IO);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_DEPLOY, inventory, CONVOY_STEP_BEFORE, 3),
                     CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_DEPLOY, inventory, 4, 2), CONVOY_E_IO);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_DEPLOY, inventory, 4, 3), CONVOY_OK);
    /* Other actions of that service, the same action of other services. */
    assert_int_equal(call(&be, sim, CONVOY_ACTION_PROMOTE, inventory, CONVOY_STEP_BEFORE, 1),
                     CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_DEPLOY, svc(shop, "payments"),
                          CONVOY_STEP_BEFORE, 1), CONVOY_OK);
    /* No times: every attempt fails. */
    for (uint32_t attempt = 1; attempt < 100; attempt += 7)
        assert_int_equal(call(&be, sim, CONVOY_ACTION_PROMOTE, svc(shop, "payments"),
                              CONVOY_STEP_PROMOTED, attempt), CONVOY_E_IO);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_PROMOTE, svc(shop, "payments"),
                          CONVOY_STEP_PROMOTED, UINT32_MAX), CONVOY_E_IO);
    /* Metric queries fail like actions. */
    assert_int_equal(call(&be, sim, CONVOY_ACTION_QUERY_METRIC, svc(shop, "ledger"), 2, 1),
                     CONVOY_E_IO);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_QUERY_METRIC, svc(shop, "ledger"), 2, 2),
                     CONVOY_OK);
    convoy_simulator_free(sim);
}

static void test_pending(void **state)
{
    (void)state;
    convoy_simulator *sim = sim_of(shop,
        "{\"actions\": {\"pending\": [{\"service\": \"payments\", \"action\": \"approval\"},"
        "                            {\"service\": \"checkout\", \"action\": \"webhook\", \"step\": 0}],"
        "              \"fail\": [{\"service\": \"checkout\", \"action\": \"webhook\", \"times\": 1}]}}");
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    const convoy_service *payments = svc(shop, "payments"), *checkout = svc(shop, "checkout");
    for (uint32_t attempt = 1; attempt < 10; attempt++)
        assert_int_equal(call(&be, sim, CONVOY_ACTION_APPROVAL, payments, 10, attempt),
                         CONVOY_PENDING);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_APPROVAL, svc(shop, "ledger"), 10, 1), CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_WEBHOOK, payments, 0, 1), CONVOY_OK);
    /* A failure wins over pending while it lasts; then pending, at step 0 only. */
    assert_int_equal(call(&be, sim, CONVOY_ACTION_WEBHOOK, checkout, 0, 1), CONVOY_E_IO);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_WEBHOOK, checkout, 0, 2), CONVOY_PENDING);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_WEBHOOK, checkout, 1, 2), CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_WEBHOOK, checkout, CONVOY_STEP_BEFORE, 2),
                     CONVOY_OK);
    convoy_simulator_free(sim);
}

static void test_step_filter(void **state)
{
    (void)state;
    convoy_simulator *sim = sim_of(shop,
        "{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"set-weights\", \"step\": 3},"
        "                         {\"service\": \"ledger\", \"action\": \"verify-weights\", \"step\": 9,"
        "                          \"times\": 3}]}}");
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    const convoy_service *ledger = svc(shop, "ledger");
    assert_int_equal(call(&be, sim, CONVOY_ACTION_SET_WEIGHTS, ledger, 3, 1), CONVOY_E_IO);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_SET_WEIGHTS, ledger, 3, 50), CONVOY_E_IO);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_SET_WEIGHTS, ledger, 0, 1), CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_SET_WEIGHTS, ledger, 6, 1), CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_SET_WEIGHTS, ledger, CONVOY_STEP_BEFORE, 1),
                     CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_SET_WEIGHTS, ledger, CONVOY_STEP_PROMOTED, 1),
                     CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_VERIFY_WEIGHTS, ledger, 9, 3), CONVOY_E_IO);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_VERIFY_WEIGHTS, ledger, 9, 4), CONVOY_OK);
    assert_int_equal(call(&be, sim, CONVOY_ACTION_VERIFY_WEIGHTS, ledger, 8, 1), CONVOY_OK);
    convoy_simulator_free(sim);
}

/* The slot decides what is asked, not the action's kind field. */
static void test_slot_decides_kind(void **state)
{
    (void)state;
    convoy_simulator *sim = sim_of(shop,
        "{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"revert\"}]}}");
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    convoy_action a = action(CONVOY_ACTION_DEPLOY, svc(shop, "ledger"), 0, 1);
    assert_int_equal(be.revert(&a, sim), CONVOY_E_IO);
    a.kind = CONVOY_ACTION_REVERT;
    assert_int_equal(be.deploy(&a, sim), CONVOY_OK);
    convoy_simulator_free(sim);
}

/* No mutable state: answers depend on (service, step, attempt, time) only.
 * A rollout that crashed after some calls and resumed with a new simulator
 * (and calls replayed in any order, or asked twice) sees the same world. */
static void test_resume_sees_same_world(void **state)
{
    (void)state;
    static const char scenario[] =
        "{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[0, 0.001], [600, 0.05]]}}},"
        " \"actions\": {\"fail\": [{\"service\": \"inventory\", \"action\": \"deploy\", \"times\": 2},"
        "                         {\"service\": \"ledger\", \"action\": \"set-weights\", \"step\": 3}],"
        "              \"pending\": [{\"service\": \"payments\", \"action\": \"approval\"}]}}";
    enum { N = 64 };
    int first[N];
    double values[N];
    const convoy_metric *m = metric(shop, "error-rate", "error-rate");

    for (int round = 0; round < 3; round++) {
        convoy_simulator *sim = sim_of(shop, scenario);
        convoy_backend be;
        convoy_simulator_backend(&be, sim);
        /* round 0: in order; round 1: a "resumed" simulator from the middle,
         * asking the first half again afterwards; round 2: reversed, and
         * every call twice. */
        for (int k = 0; k < N; k++) {
            int i = round == 0 ? k : round == 1 ? (k + N / 2) % N : N - 1 - k;
            const convoy_service *s = convoy_plan_service(shop, (size_t)i % 5);
            int kind = ACTION_KINDS[(size_t)i % N_ACTION_KINDS];
            size_t step = (size_t)(i % 4);
            uint32_t attempt = (uint32_t)(1 + i % 3);
            int rc = 0;
            double v = 0;
            for (int rep = 0; rep < (round == 2 ? 2 : 1); rep++) {
                rc = call(&be, sim, kind, s, step, attempt);
                size_t n;
                v = one_value(&be, sim, svc(shop, "payments"), m, CONVOY_VARIANT_CANDIDATE,
                              (double)i * 20.0, &n);
            }
            if (round == 0) {
                first[i] = rc;
                values[i] = v;
            } else {
                assert_int_equal(rc, first[i]);
                assert_true(v == values[i]);
            }
        }
        convoy_simulator_free(sim);
    }
    /* Sanity: the sequence actually met failures, pendings and both values. */
    int fails = 0, pendings = 0;
    for (int i = 0; i < N; i++) {
        fails += first[i] == CONVOY_E_IO;
        pendings += first[i] == CONVOY_PENDING;
    }
    assert_true(fails > 0 && pendings > 0);
    assert_true(values[0] == 0.001 && values[N - 1] == 0.05);
}

/* ---- judges ------------------------------------------------------------ */

static void get_sample(convoy_samples *out, const convoy_backend *be, convoy_simulator *sim,
                       int variant, double t)
{
    const convoy_metric *p99 = metric(judged, "latency-judge", "p99");
    assert_int_equal(query(out, be, sim, svc(judged, "api"), p99, variant, t), CONVOY_OK);
}

static double mean(const convoy_samples *s)
{
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->values[i];
    return sum / (double)s->n;
}

static void test_judge_samples(void **state)
{
    (void)state;
    convoy_samples base = {0}, cand = {0};

    /* Unnamed: identical samples of 30 for baseline and candidate. */
    convoy_simulator *sim = sim_of(judged, NULL);
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    get_sample(&base, &be, sim, CONVOY_VARIANT_BASELINE, 0);
    get_sample(&cand, &be, sim, CONVOY_VARIANT_CANDIDATE, 0);
    assert_int_equal(base.n, 30);
    assert_int_equal(cand.n, 30);
    assert_memory_equal(base.values, cand.values, 30 * sizeof(double));
    assert_near(mean(&base), 1.0, 1e-12);
    size_t distinct = 0;
    for (size_t i = 0; i < 30; i++) {
        int seen = 0;
        for (size_t k = 0; k < i; k++)
            seen |= base.values[k] == base.values[i];
        distinct += !seen;
    }
    assert_int_equal(distinct, 15);
    /* The judge agrees they are the same. */
    convoy_judgement *j = NULL;
    assert_int_equal(convoy_judge(&j, cand.values, cand.n, base.values, base.n, NULL), CONVOY_OK);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_PASS);
    convoy_judgement_free(j);
    /* A measurement metric of the same service still gets one value. */
    size_t n;
    double v = one_value(&be, sim, svc(judged, "api"), metric(judged, "errors", "error-rate"),
                         CONVOY_VARIANT_CANDIDATE, 0, &n);
    assert_true(n == 1 && v == 0.005);
    convoy_simulator_free(sim);

    /* Candidate named: its sample from its value, the baseline's healthy. */
    sim = sim_of(judged, "{\"metrics\": {\"api\": {\"candidate\": {\"p99\": [[0, 2.0], [300, null],"
                         " [400, \"NaN\"]]}}}}");
    convoy_simulator_backend(&be, sim);
    get_sample(&base, &be, sim, CONVOY_VARIANT_BASELINE, 10);
    get_sample(&cand, &be, sim, CONVOY_VARIANT_CANDIDATE, 10);
    assert_int_equal(cand.n, 30);
    assert_near(mean(&cand), 2.0, 1e-12);
    assert_near(mean(&base), 1.0, 1e-12);
    for (size_t i = 0; i < 30; i++)
        assert_near(cand.values[i], 2.0 * base.values[i], 1e-12);
    assert_int_equal(convoy_judge(&j, cand.values, cand.n, base.values, base.n, NULL), CONVOY_OK);
    assert_int_equal(convoy_judgement_class(j), CONVOY_CLASS_HIGH);
    convoy_judgement_free(j);
    get_sample(&cand, &be, sim, CONVOY_VARIANT_CANDIDATE, 350);
    assert_int_equal(cand.n, 0);
    get_sample(&cand, &be, sim, CONVOY_VARIANT_CANDIDATE, 450);
    assert_int_equal(cand.n, 30);
    for (size_t i = 0; i < 30; i++)
        assert_true(isnan(cand.values[i]));
    convoy_simulator_free(sim);

    /* Both named: each from its own value. */
    sim = sim_of(judged, "{\"metrics\": {\"api\": {\"baseline\": {\"p99\": [[0, 0.2]]},"
                         " \"candidate\": {\"p99\": [[0, 0.2]]}}}}");
    convoy_simulator_backend(&be, sim);
    get_sample(&base, &be, sim, CONVOY_VARIANT_BASELINE, 0);
    get_sample(&cand, &be, sim, CONVOY_VARIANT_CANDIDATE, 0);
    assert_memory_equal(base.values, cand.values, 30 * sizeof(double));
    assert_near(mean(&cand), 0.2, 1e-12);
    convoy_simulator_free(sim);

    convoy__samples_free(&base);
    convoy__samples_free(&cand);
}

/* ---- scenario errors --------------------------------------------------- */

typedef struct bad_case {
    const char *text;
    int code;
    const char *pointer;
    uint32_t line, column; /* 0: not checked */
    const char *message_part;
} bad_case;

static void test_scenario_errors(void **state)
{
    (void)state;
    static const bad_case cases[] = {
        /* not JSON */
        {"{\"metrics\": ", CONVOY_E_PARSE, "", 1, 13, NULL},
        {"{\"metrics\": {}}\n  x", CONVOY_E_PARSE, "", 2, 3, NULL},
        {"", CONVOY_E_PARSE, "", 1, 1, NULL},
        {"{\"a\": [1, 2,]}", CONVOY_E_PARSE, "", 1, 13, NULL},
        /* the document */
        {"[]", CONVOY_E_INVALID, "", 1, 1, "object"},
        {"{\"metrics\": {},\n \"metric\": {}}", CONVOY_E_INVALID, "/metric", 2, 2, "unknown key"},
        {"{\"actoins\": {}}", CONVOY_E_INVALID, "/actoins", 1, 2, "did you mean \"actions\""},
        {"{\"metrics\": {}, \"metrics\": {}}", CONVOY_E_INVALID, "/metrics", 1, 17, "twice"},
        {"{\"metrics\": []}", CONVOY_E_INVALID, "/metrics", 1, 13, NULL},
        /* names the plan does not have */
        {"{\"metrics\": {\"paymnets\": {}}}", CONVOY_E_INVALID, "/metrics/paymnets", 1, 14,
         "did you mean \"payments\""},
        {"{\"metrics\": {\"payments\": {\"canary\": {}}}}", CONVOY_E_INVALID,
         "/metrics/payments/canary", 1, 27, "unknown key"},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"latency\": [[0, 1]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/latency", 1, 41, "no analysis"},
        /* a metric of the plan, but of no analysis inventory runs */
        {"{\"metrics\": {\"inventory\": {\"candidate\": {\"p99-latency\": [[0, 1]]}}}}",
         CONVOY_E_INVALID, "/metrics/inventory/candidate/p99-latency", 0, 0, "inventory"},
        /* JSON Pointer escaping of a name with '/' and '~' */
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"a/b~c\": [[0, 1]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/a~1b~0c", 0, 0, NULL},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[0, 1]],"
         " \"error-rate\": [[0, 2]]}}}}", CONVOY_E_INVALID,
         "/metrics/payments/candidate/error-rate", 1, 65, "twice"},
        /* points */
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": 0.5}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate", 1, 55, NULL},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": []}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate", 0, 0, "no points"},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[0, 1], 5]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/1", 1, 64, NULL},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[0, 1, 2]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/0", 0, 0, NULL},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[-1, 1]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/0/0", 1, 57, ">= 0"},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[\"0\", 1]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/0/0", 0, 0, NULL},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[0, \"nan\"]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/0/1", 1, 60, "\"NaN\""},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[0, true]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/0/1", 0, 0, NULL},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[0, 1e999]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/0/1", 0, 0, NULL},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[60, 1], [60, 2]]}}}}",
         CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/1/0", 1, 66, "increase"},
        {"{\"metrics\": {\"payments\": {\"candidate\": {\"error-rate\": [[60, 1], [120, 1],"
         " [90, 2]]}}}}", CONVOY_E_INVALID, "/metrics/payments/candidate/error-rate/2/0", 0, 0,
         "increase"},
        /* actions */
        {"{\"actions\": {\"failures\": []}}", CONVOY_E_INVALID, "/actions/failures", 0, 0,
         "unknown key"},
        {"{\"actions\": {\"fail\": {}}}", CONVOY_E_INVALID, "/actions/fail", 0, 0, NULL},
        {"{\"actions\": {\"fail\": [7]}}", CONVOY_E_INVALID, "/actions/fail/0", 0, 0, NULL},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"redeploy\"}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/action", 1, 55, "did you mean \"deploy\""},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": 1}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/action", 0, 0, NULL},
        {"{\"actions\": {\"pending\": [{\"service\": \"nope\", \"action\": \"deploy\"}]}}",
         CONVOY_E_INVALID, "/actions/pending/0/service", 1, 38, "no service"},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\"}]}}", CONVOY_E_INVALID,
         "/actions/fail/0", 1, 23, "\"action\""},
        {"{\"actions\": {\"fail\": [{\"action\": \"deploy\"}]}}", CONVOY_E_INVALID,
         "/actions/fail/0", 0, 0, "\"service\""},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\", \"times\": 0}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/times", 1, 74, ">= 1"},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\", \"times\": -3}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/times", 0, 0, NULL},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\", \"times\": 1.5}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/times", 0, 0, NULL},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\", \"times\": \"2\"}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/times", 0, 0, NULL},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\", \"times\": 1e10}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/times", 0, 0, NULL},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\"},"
         " {\"service\": \"ledger\", \"action\": \"deploy\", \"step\": 10}]}}",
         CONVOY_E_INVALID, "/actions/fail/1/step", 1, 116, "steps 0 to 9"},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\", \"step\": -1}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/step", 0, 0, "out of range"},
        {"{\"actions\": {\"pending\": [{\"service\": \"ledger\", \"action\": \"approval\", \"times\": 1}]}}",
         CONVOY_E_INVALID, "/actions/pending/0/times", 1, 70, "no \"times\""},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\", \"when\": 1}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/when", 0, 0, "unknown key"},
        {"{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"service\": \"ledger\", \"action\": \"deploy\"}]}}",
         CONVOY_E_INVALID, "/actions/fail/0/service", 1, 45, "twice"},
        {"{\"actions\": {\"request_rollback\": [{\"service\": \"ledger\", \"at\": 10}]}}",
         CONVOY_E_INVALID, "/actions/request_rollback/0/service", 1, 47, "no webhook of type \"rollback\""},
        {"{\"actions\": {\"request_rollback\": [{\"service\": \"nope\", \"at\": 10}]}}",
         CONVOY_E_INVALID, "/actions/request_rollback/0/service", 0, 0, "no service"},
        {"{\"actions\": {\"request_rollback\": [{\"service\": \"ledger\"}]}}",
         CONVOY_E_INVALID, "/actions/request_rollback/0", 0, 0, "needs \"at\""},
        {"{\"actions\": {\"request_rollback\": [{\"service\": \"ledger\", \"at\": -1}]}}",
         CONVOY_E_INVALID, "/actions/request_rollback/0/at", 0, 0, ">= 0"},
        {"{\"actions\": {\"request_rollback\": [{\"service\": \"ledger\", \"at\": \"1m\"}]}}",
         CONVOY_E_INVALID, "/actions/request_rollback/0/at", 0, 0, "seconds"},
        {"{\"actions\": {\"request_rollback\": [{\"service\": \"ledger\", \"at\": 1, \"times\": 2}]}}",
         CONVOY_E_INVALID, "/actions/request_rollback/0/times", 0, 0, "unknown key"},
        {"{\"actions\": {\"request_rollback\": [7]}}", CONVOY_E_INVALID,
         "/actions/request_rollback/0", 0, 0, "object"},
        {"{\"actions\": {\"request_rollback\": {}}}", CONVOY_E_INVALID,
         "/actions/request_rollback", 0, 0, "array"},
        /* the first problem in document order is the one reported */
        {"{\"actions\": {\"fail\": [{\"service\": \"x\", \"action\": \"y\"}]}, \"z\": 1}",
         CONVOY_E_INVALID, "/actions/fail/0/service", 0, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        static char poison;
        convoy_simulator *sim = (convoy_simulator *)&poison; /* must be reset to NULL */
        int rc = convoy_simulator_new(&sim, shop, c->text, strlen(c->text));
        const convoy_error *e = convoy_error_last();
        if (rc != c->code)
            fail_msg("case %zu: code %d, expected %d (%s)", i, rc, c->code, c->text);
        assert_null(sim);
        assert_int_equal(convoy_error_code(e), c->code);
        if (strcmp(convoy_error_pointer(e), c->pointer) != 0)
            fail_msg("case %zu: pointer \"%s\", expected \"%s\" (%s)", i, convoy_error_pointer(e),
                     c->pointer, convoy_error_message(e));
        if (c->line && (convoy_error_line(e) != c->line || convoy_error_column(e) != c->column))
            fail_msg("case %zu: at %u:%u, expected %u:%u (%s)", i, convoy_error_line(e),
                     convoy_error_column(e), c->line, c->column, convoy_error_message(e));
        if (!c->line && c->code == CONVOY_E_INVALID && convoy_error_line(e) == 0)
            fail_msg("case %zu: no line (%s)", i, convoy_error_message(e));
        if (c->message_part && !strstr(convoy_error_message(e), c->message_part))
            fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, convoy_error_message(e),
                     c->message_part);
    }
}

static void test_limits(void **state)
{
    (void)state;
    char deep[400];
    size_t n = 0;
    n += (size_t)snprintf(deep, sizeof deep, "{\"metrics\": ");
    for (int i = 0; i < 70; i++)
        deep[n++] = '[';
    for (int i = 0; i < 70; i++)
        deep[n++] = ']';
    deep[n++] = '}';
    deep[n] = '\0';
    convoy_simulator *sim = NULL;
    assert_int_equal(convoy_simulator_new(&sim, shop, deep, n), CONVOY_E_LIMIT);
    assert_null(sim);
}

/* ---- API edges --------------------------------------------------------- */

static void test_api_edges(void **state)
{
    (void)state;
    convoy_simulator *sim = NULL;
    assert_int_equal(convoy_simulator_new(NULL, shop, NULL, 0), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_simulator_new(&sim, NULL, NULL, 0), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_simulator_new(&sim, shop, NULL, 3), CONVOY_E_INVALID_ARG);
    assert_null(sim);
    convoy_simulator_free(NULL);

    /* A scenario need not be NUL-terminated: only len bytes are read. */
    static const char text[] = "{\"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\"}]}}XYZ";
    assert_int_equal(convoy_simulator_new(&sim, shop, text, strlen(text) - 3), CONVOY_OK);

    convoy_backend be;
    memset(&be, 0xA5, sizeof be);
    assert_int_equal(convoy_simulator_backend(NULL, sim), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_simulator_backend(&be, NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_simulator_backend(&be, sim), CONVOY_OK);
    assert_int_equal(be.version, CONVOY_BACKEND_VERSION);
    assert_non_null(be.deploy);
    assert_non_null(be.set_weights);
    assert_non_null(be.verify_weights);
    assert_non_null(be.query_metric);
    assert_non_null(be.approval);
    assert_non_null(be.webhook);
    assert_non_null(be.promote);
    assert_non_null(be.revert);
    assert_null(be.notify);
    assert_null(be.save_state);
    assert_null(be.load_state);
    assert_null(be.clock);

    convoy_action a = action(CONVOY_ACTION_DEPLOY, svc(shop, "ledger"), CONVOY_STEP_BEFORE, 1);
    assert_int_equal(be.deploy(&a, sim), CONVOY_E_IO);
    assert_int_equal(be.deploy(NULL, sim), CONVOY_E_INVALID_ARG);
    assert_int_equal(be.deploy(&a, NULL), CONVOY_E_INVALID_ARG);
    a.service = NULL;
    assert_int_equal(be.deploy(&a, sim), CONVOY_E_INVALID_ARG);
    convoy_samples out = {0};
    a = action(CONVOY_ACTION_QUERY_METRIC, svc(shop, "ledger"), 0, 1);
    assert_int_equal(be.query_metric(&out, &a, sim), CONVOY_E_INVALID_ARG); /* no metric */
    a.metric = metric(shop, "error-rate", "error-rate");
    assert_int_equal(be.query_metric(NULL, &a, sim), CONVOY_E_INVALID_ARG);
    assert_int_equal(be.query_metric(&out, &a, sim), CONVOY_OK);
    assert_int_equal(out.n, 1);
    convoy__samples_free(&out);
    convoy_simulator_free(sim);
}

/* A service of another copy of the same plan is matched by name. */
static void test_service_by_name(void **state)
{
    (void)state;
    convoy_plan *copy = NULL;
    assert_int_equal(convoy_plan_parse_file(&copy, NULL, SOURCE_ROOT "/examples/plans/shop.json",
                                            NULL), CONVOY_OK);
    convoy_simulator *sim = sim_of(shop,
        "{\"metrics\": {\"ledger\": {\"candidate\": {\"error-rate\": [[0, 0.5]]}}},"
        " \"actions\": {\"fail\": [{\"service\": \"ledger\", \"action\": \"deploy\"}]}}");
    convoy_backend be;
    convoy_simulator_backend(&be, sim);
    const convoy_service *other = convoy_plan_service_by_name(copy, "ledger");
    assert_int_equal(call(&be, sim, CONVOY_ACTION_DEPLOY, other, CONVOY_STEP_BEFORE, 1),
                     CONVOY_E_IO);
    size_t n;
    double v = one_value(&be, sim, other, metric(copy, "error-rate", "error-rate"),
                         CONVOY_VARIANT_CANDIDATE, 0, &n);
    assert_true(n == 1 && v == 0.5);
    convoy_simulator_free(sim);
    convoy_plan_free(copy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_every_shop_metric),
        cmocka_unit_test(test_healthy_search_shapes),
        cmocka_unit_test(test_healthy_fallback),
        cmocka_unit_test(test_values_over_time),
        cmocka_unit_test(test_variants_apart),
        cmocka_unit_test(test_no_scenario_all_ok),
        cmocka_unit_test(test_fail_times),
        cmocka_unit_test(test_pending),
        cmocka_unit_test(test_step_filter),
        cmocka_unit_test(test_slot_decides_kind),
        cmocka_unit_test(test_resume_sees_same_world),
        cmocka_unit_test(test_judge_samples),
        cmocka_unit_test(test_scenario_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_api_edges),
        cmocka_unit_test(test_service_by_name),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
