/*
 * convoy_decide as a pure function: hand-made states (convoy_state_new, and
 * states written as JSON and read with convoy_state_from_json) and states
 * reached by running a simulation to a point, against one small DAG:
 *
 *     a ──► b ──► c          waves: a | b, d | c
 *     └───► d
 *
 * The plan lists d before b, so "by name inside a wave" (b, d) differs from
 * plan order (d, b).
 *
 * unfinished_verdict_rejected reproduces a problem reported to the lead
 * (a Running/Pending/unknown phase decides like Successful) and fails until
 * it is fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "rollout_util.h"

/* ---- plans -------------------------------------------------------------- */

#define ANALYSES                                                                           \
    "\"analyses\": {\"errors\": {\"metrics\": [{\"name\": \"error-rate\","                 \
    " \"provider\": {\"prometheus\": {\"query\": \"q\"}},"                                 \
    " \"interval\": \"1m\", \"count\": 2, \"success\": \"<0.01\", \"failure\": \">=0.05\"}]}}"

#define STEPS                                                                              \
    "\"steps\": [{\"set_weight\": 20}, {\"analysis\": \"errors\"}, {\"set_weight\": 50}]"

/* rollback mode, scope, on_inconclusive, and an optional extra top-level
 * member (e.g. a failure_budget) with its leading comma. */
static convoy_plan *dag(const char *mode, const char *scope, const char *inconclusive,
                        const char *extra)
{
    char *json = rt_fmt(
        "{\"name\": \"dag\", " ANALYSES ","
        " \"services\": ["
        "  {\"name\": \"a\", \"owner\": \"team-a\", " STEPS "},"
        "  {\"name\": \"d\", \"owner\": \"team-d\", \"depends_on\": [\"a\"], " STEPS "},"
        "  {\"name\": \"b\", \"owner\": \"team-b <b@example.com>\", \"depends_on\": [\"a\"], " STEPS "},"
        "  {\"name\": \"c\", \"depends_on\": [\"b\"], " STEPS "}],"
        " \"rollback\": {\"mode\": \"%s\", \"scope\": \"%s\", \"on_inconclusive\": \"%s\"}%s}",
        mode, scope, inconclusive, extra ? extra : "");
    convoy_plan *plan = rt_plan(json);
    free(json);
    return plan;
}

/* ---- states ------------------------------------------------------------- */

/* One service of a hand-made state. Unlisted services are pending. */
typedef struct svc_spec {
    const char *name;
    const char *state;     /* convoy_service_state_name */
    const char *step;      /* JSON: "before", "promoted" or an index */
    int touched;
    uint64_t held_since_ms;
} svc_spec;

#define END_SPEC {NULL, NULL, NULL, 0, 0}

static convoy_state *state_of(const convoy_plan *plan, const svc_spec *spec,
                              uint32_t failed_evaluations, uint64_t now_ms)
{
    size_t n = convoy_plan_service_count(plan);
    size_t cap = 512 + n * 512, len = 0;
    char *json = malloc(cap);
    assert_non_null(json);
    len += (size_t)snprintf(json + len, cap - len,
                            "{\"format\": 1, \"plan\": \"%s\", \"status\": \"running\","
                            " \"paused\": false, \"aborting\": 0, \"started\": true,"
                            " \"now_ms\": %llu, \"started_ms\": 0, \"failed_evaluations\": %u,"
                            " \"decisions\": 0, \"records\": 0, \"log_bytes\": 0,"
                            " \"rollback_queue\": [], \"rolled_back\": [], \"services\": [",
                            convoy_plan_name(plan), (unsigned long long)now_ms,
                            failed_evaluations);
    for (size_t i = 0; i < n; i++) {
        const char *name = rt_name(plan, i);
        svc_spec s = {name, "pending", "\"before\"", 0, 0};
        for (const svc_spec *p = spec; p && p->name; p++)
            if (strcmp(p->name, name) == 0)
                s = *p;
        len += (size_t)snprintf(
            json + len, cap - len,
            "%s{\"name\": \"%s\", \"state\": \"%s\", \"step\": %s, \"stage\": \"enter\","
            " \"hook\": 0, \"hook_started_ms\": 0, \"touched\": %s, \"candidate_bp\": 0,"
            " \"mirror_bp\": 0, \"since_ms\": 0, \"step_started_ms\": 0, \"attempt\": 0,"
            " \"in_flight\": false, \"retry_at_ms\": 0, \"held_since_ms\": %llu,"
            " \"failed_step\": \"before\", \"resume_step\": 0, \"metrics\": [],"
            " \"judge_score\": null, \"judge_rounds\": 0, \"history_written\": false}",
            i ? ", " : "", name, s.state, s.step, s.touched ? "true" : "false",
            (unsigned long long)s.held_since_ms);
        assert_true(len < cap);
    }
    len += (size_t)snprintf(json + len, cap - len, "]}");
    assert_true(len < cap);
    convoy_state *st = NULL;
    int rc = convoy_state_from_json(&st, plan, json, len);
    if (rc != CONVOY_OK)
        fail_msg("state rejected (%d): %s at %s\n%s", rc,
                 convoy_error_message(convoy_error_last()),
                 convoy_error_pointer(convoy_error_last()), json);
    free(json);
    return rt_state_keep(st);
}

/* a at its analysis, b and c progressing, d untouched. */
static const svc_spec RUNNING[] = {
    {"a", "progressing", "2", 1, 0},
    {"b", "progressing", "1", 1, 0},
    {"c", "progressing", "0", 1, 0},
    END_SPEC,
};

/* Everything touched. */
static const svc_spec ALL_TOUCHED[] = {
    {"a", "promoted", "\"promoted\"", 1, 0},
    {"d", "progressing", "1", 1, 0},
    {"b", "progressing", "1", 1, 0},
    {"c", "progressing", "0", 1, 0},
    END_SPEC,
};

/* ---- verdicts and decisions --------------------------------------------- */

static convoy_verdict verdict(const convoy_plan *plan, const char *service, int gate, int phase)
{
    convoy_verdict v;
    assert_int_equal(convoy_verdict_init(&v, CONVOY_VERDICT_VERSION), CONVOY_OK);
    v.service = rt_index(plan, service);
    v.gate = gate;
    v.phase = phase;
    if (gate == CONVOY_GATE_ANALYSIS) {
        v.name = "errors";
        v.metric = "error-rate";
        v.value = phase == CONVOY_PHASE_SUCCESSFUL ? 0.001 : 0.2;
        v.reason = "error-rate 0.2 >= 0.05";
    }
    return v;
}

static void decision_free_cb(void *d)
{
    convoy_decision_free(d);
}

static void dfree(convoy_decision *d)
{
    rt_undefer(d);
    convoy_decision_free(d);
}

static convoy_decision *decide(const convoy_plan *plan, const convoy_state *st,
                               const convoy_verdict *v, uint64_t now_ms)
{
    convoy_decision *d = NULL;
    int rc = convoy_decide(&d, plan, st, v, now_ms);
    if (rc != CONVOY_OK)
        fail_msg("convoy_decide: %d %s", rc, convoy_error_message(convoy_error_last()));
    assert_non_null(d);
    rt_defer(decision_free_cb, d);
    assert_non_null(convoy_decision_rationale(d));
    assert_true(strlen(convoy_decision_rationale(d)) > 0);
    assert_null(strchr(convoy_decision_rationale(d), '\n'));
    return d;
}

/* The rollback set as "c,b,a". */
static const char *set_of(const convoy_plan *plan, const convoy_decision *d)
{
    static char buf[256];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < convoy_decision_rollback_count(d); i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "",
                                rt_name(plan, convoy_decision_rollback_service(d, i)));
    return buf;
}

static void expect(const convoy_plan *plan, const convoy_state *st, const char *service, int gate,
                   int phase, int kind, const char *set)
{
    convoy_verdict v = verdict(plan, service, gate, phase);
    convoy_decision *d = decide(plan, st, &v, convoy_state_now_ms(st));
    if (convoy_decision_kind(d) != kind)
        fail_msg("%s: decision %s, expected %s (%s)", service,
                 convoy_decision_kind_name(convoy_decision_kind(d)),
                 convoy_decision_kind_name(kind), convoy_decision_rationale(d));
    assert_string_equal(set_of(plan, d), set);
    assert_int_equal(convoy_decision_service(d), rt_index(plan, service));
    dfree(d);
}

/* ---- rollback scope ----------------------------------------------------- */

static void scope_service(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "service", "hold", NULL);
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "b");
    expect(p, st, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "c");
    expect(p, st, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "a");
    /* Error counts as failed. */
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_ERROR, CONVOY_DECISION_ROLLBACK, "b");
    rt_state_free(st);
    rt_plan_free(p);
}

static void scope_dependents(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold", NULL);
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    /* Failing middle: it and its dependents, dependents first. */
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "c,b");
    /* Failing leaf: only itself. */
    expect(p, st, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "c");
    /* Failing root: d is a dependent but untouched, so left alone. */
    expect(p, st, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK,
           "c,b,a");
    expect(p, st, "b", CONVOY_GATE_WEBHOOK, CONVOY_PHASE_ERROR, CONVOY_DECISION_ROLLBACK, "c,b");
    rt_state_free(st);

    /* With d touched, a's dependents are all of them; b and d share a wave
     * and go by name (b before d) though the plan lists d first. */
    st = state_of(p, ALL_TOUCHED, 0, 1000);
    expect(p, st, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK,
           "c,b,d,a");
    expect(p, st, "d", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "d");
    rt_state_free(st);

    /* A dependent that was never touched stays out of the set. */
    static const svc_spec c_untouched[] = {
        {"a", "progressing", "2", 1, 0}, {"b", "progressing", "1", 1, 0}, END_SPEC};
    st = state_of(p, c_untouched, 0, 1000);
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "b");
    rt_state_free(st);
    rt_plan_free(p);
}

static void scope_all(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "all", "hold", NULL);
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    /* Every touched service (d is not), reverse dependency order. */
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK,
           "c,b,a");
    expect(p, st, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK,
           "c,b,a");
    rt_state_free(st);

    st = state_of(p, ALL_TOUCHED, 0, 1000);
    expect(p, st, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK,
           "c,b,d,a");
    expect(p, st, "d", CONVOY_GATE_APPROVAL, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK,
           "c,b,d,a");
    rt_state_free(st);

    /* Services already rolled back are done. */
    static const svc_spec d_rolled_back[] = {
        {"a", "promoted", "\"promoted\"", 1, 0},
        {"d", "rolled_back", "1", 1, 0},
        {"b", "progressing", "1", 1, 0},
        {"c", "progressing", "0", 1, 0},
        END_SPEC,
    };
    st = state_of(p, d_rolled_back, 0, 1000);
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK,
           "c,b,a");
    rt_state_free(st);
    rt_plan_free(p);
}

/* ---- inconclusive, manual mode ------------------------------------------ */

static void inconclusive(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold", NULL);
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_INCONCLUSIVE, CONVOY_DECISION_HOLD, "");
    /* An inconclusive result is not a failed evaluation. */
    convoy_verdict v = verdict(p, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_INCONCLUSIVE);
    convoy_decision *d = decide(p, st, &v, 1000);
    assert_int_equal(convoy_decision_failed_evaluations(d), 0);
    dfree(d);
    rt_state_free(st);
    rt_plan_free(p);

    /* The default is hold too. */
    p = rt_plan("{\"name\": \"dag\", " ANALYSES ", \"services\": ["
                "{\"name\": \"a\", " STEPS "}, {\"name\": \"b\", \"depends_on\": [\"a\"], " STEPS "}]}");
    static const svc_spec two[] = {{"a", "progressing", "1", 1, 0}, END_SPEC};
    st = state_of(p, two, 0, 0);
    expect(p, st, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_INCONCLUSIVE, CONVOY_DECISION_HOLD, "");
    /* And so are scope service and automatic mode: one failure rolls back. */
    expect(p, st, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "a");
    rt_state_free(st);
    rt_plan_free(p);

    p = dag("automatic", "dependents", "rollback", NULL);
    st = state_of(p, RUNNING, 0, 1000);
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_INCONCLUSIVE, CONVOY_DECISION_ROLLBACK,
           "c,b");
    rt_state_free(st);
    rt_plan_free(p);
}

static void manual_mode(void **state)
{
    (void)state;
    convoy_plan *p = dag("manual", "dependents", "rollback", NULL);
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    /* Every rollback becomes a hold that names the set. */
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_HOLD, "c,b");
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_INCONCLUSIVE, CONVOY_DECISION_HOLD,
           "c,b");
    expect(p, st, "c", CONVOY_GATE_ACTION, CONVOY_PHASE_FAILED, CONVOY_DECISION_HOLD, "c");
    /* Success is not affected. */
    expect(p, st, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_SUCCESSFUL, CONVOY_DECISION_PROMOTE, "");
    convoy_verdict v = verdict(p, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
    convoy_decision *d = decide(p, st, &v, 1000);
    assert_non_null(strstr(convoy_decision_rationale(d), "manual"));
    dfree(d);
    rt_state_free(st);
    rt_plan_free(p);

    p = dag("manual", "all", "hold", NULL);
    st = state_of(p, ALL_TOUCHED, 0, 1000);
    expect(p, st, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_HOLD, "c,b,d,a");
    expect(p, st, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_INCONCLUSIVE, CONVOY_DECISION_HOLD, "");
    rt_state_free(st);
    rt_plan_free(p);
}

/* ---- failure budget, time to remediate ---------------------------------- */

static void failure_budget(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold",
                         ", \"failure_budget\": {\"max_failed_evaluations\": 2}");
    for (uint32_t spent = 0; spent < 4; spent++) {
        convoy_state *st = state_of(p, RUNNING, spent, 1000);
        assert_int_equal(convoy_state_failed_evaluations(st), spent);
        convoy_verdict v = verdict(p, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
        convoy_decision *d = decide(p, st, &v, 1000);
        assert_int_equal(convoy_decision_failed_evaluations(d), spent + 1);
        if (spent + 1 <= 2) {
            /* Within the budget: the gate runs again. */
            assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_CONTINUE);
            assert_int_equal(convoy_decision_rollback_count(d), 0);
            assert_non_null(strstr(convoy_decision_rationale(d), "budget"));
        } else {
            assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_ROLLBACK);
            assert_string_equal(set_of(p, d), "c,b");
            assert_non_null(strstr(convoy_decision_rationale(d), "budget"));
        }
        /* The state itself is not changed by deciding. */
        assert_int_equal(convoy_state_failed_evaluations(st), spent);
        dfree(d);
        /* Error counts the same; inconclusive and success do not count. */
        v.phase = CONVOY_PHASE_ERROR;
        d = decide(p, st, &v, 1000);
        assert_int_equal(convoy_decision_failed_evaluations(d), spent + 1);
        assert_int_equal(convoy_decision_kind(d), spent + 1 <= 2 ? CONVOY_DECISION_CONTINUE
                                                                 : CONVOY_DECISION_ROLLBACK);
        dfree(d);
        v.phase = CONVOY_PHASE_SUCCESSFUL;
        d = decide(p, st, &v, 1000);
        assert_int_equal(convoy_decision_failed_evaluations(d), spent);
        dfree(d);
        rt_state_free(st);
    }
    rt_plan_free(p);

    /* A budget of zero: the first failure fails the service. */
    p = dag("automatic", "service", "hold", ", \"failure_budget\": {\"max_failed_evaluations\": 0}");
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    expect(p, st, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "c");
    rt_state_free(st);
    rt_plan_free(p);
}

/* max_burn_rate: a failure within the budget still rolls back when the
 * budget burns faster than the limit, the burn rate being (failures /
 * budget) / (share of the release's 12 steps done, counting the step in
 * progress). */
static void burn_rate(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold",
                         ", \"failure_budget\": {\"max_failed_evaluations\": 3, "
                         "\"max_burn_rate\": 2.0}");
    /* RUNNING: a at step 2, b at 1, c at 0: 3 steps done + 1 = 4 of 12. */
    static const double expect_rate[] = {1.0, 2.0, 3.0};
    for (uint32_t spent = 0; spent < 3; spent++) {
        convoy_state *st = state_of(p, RUNNING, spent, 1000);
        convoy_verdict v = verdict(p, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
        convoy_decision *d = decide(p, st, &v, 1000);
        assert_true(fabs(convoy_decision_burn_rate(d) - expect_rate[spent]) < 1e-9);
        if (spent < 2) {
            /* At or under the limit: the gate runs again. */
            assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_CONTINUE);
            assert_null(strstr(convoy_decision_rationale(d), "max_burn_rate"));
        } else {
            assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_ROLLBACK);
            assert_string_equal(set_of(p, d), "c,b");
            assert_non_null(strstr(convoy_decision_rationale(d), "burns at 3.00x, above "
                                                                 "max_burn_rate 2x"));
        }
        dfree(d);
        rt_state_free(st);
    }
    /* The very first step failing: 1 of 3 spent 1/12 in, burning at 4x. */
    static const svc_spec first[] = {{"a", "progressing", "0", 1, 0}, END_SPEC};
    convoy_state *st = state_of(p, first, 0, 1000);
    convoy_verdict v = verdict(p, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
    convoy_decision *d = decide(p, st, &v, 1000);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_ROLLBACK);
    assert_true(fabs(convoy_decision_burn_rate(d) - 4.0) < 1e-9);
    assert_string_equal(set_of(p, d), "a");
    dfree(d);
    /* No burn rate for a pass, nor outside the budget. */
    v.phase = CONVOY_PHASE_SUCCESSFUL;
    d = decide(p, st, &v, 1000);
    assert_true(isnan(convoy_decision_burn_rate(d)));
    dfree(d);
    rt_state_free(st);
    st = state_of(p, RUNNING, 3, 1000);
    v = verdict(p, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
    d = decide(p, st, &v, 1000);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_ROLLBACK);
    assert_true(isnan(convoy_decision_burn_rate(d)));
    assert_non_null(strstr(convoy_decision_rationale(d), "failure budget of 3 spent"));
    dfree(d);
    rt_state_free(st);
    assert_true(isnan(convoy_decision_burn_rate(NULL)));
    rt_plan_free(p);

    /* Without max_burn_rate the rate is measured but never decides. */
    p = dag("automatic", "dependents", "hold", ", \"failure_budget\": {\"max_failed_evaluations\": 3}");
    st = state_of(p, first, 2, 1000);
    v = verdict(p, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
    d = decide(p, st, &v, 1000);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_CONTINUE);
    assert_true(fabs(convoy_decision_burn_rate(d) - 12.0) < 1e-9);
    dfree(d);
    rt_state_free(st);
    rt_plan_free(p);

    /* A burn rate needs a budget of at least one failure. */
    static const char *const bad[] = {
        "{\"name\": \"x\", \"services\": [{\"name\": \"a\"}],"
        " \"failure_budget\": {\"max_burn_rate\": 2}}",
        "{\"name\": \"x\", \"services\": [{\"name\": \"a\"}],"
        " \"failure_budget\": {\"max_failed_evaluations\": 0, \"max_burn_rate\": 2}}",
    };
    for (size_t k = 0; k < 2; k++) {
        convoy_plan *plan = NULL;
        convoy_diagnostics *diags = NULL;
        int rc = convoy_plan_parse(&plan, &diags, bad[k], strlen(bad[k]), NULL);
        assert_int_not_equal(rc, CONVOY_OK);
        assert_null(plan);
        assert_true(convoy_diagnostics_count(diags) >= 1);
        assert_int_equal(convoy_diagnostic_code(diags, 0), CONVOY_P_MISSING);
        assert_string_equal(convoy_diagnostic_pointer(diags, 0), "/failure_budget/max_burn_rate");
        assert_non_null(strstr(convoy_diagnostic_message(diags, 0), "max_failed_evaluations"));
        convoy_diagnostics_free(diags);
    }
}

/* A rollback webhook's request fails the service at once, outside the
 * budget, like a failed action. */
static void rollback_webhook_outside_budget(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold",
                         ", \"failure_budget\": {\"max_failed_evaluations\": 5}");
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    convoy_verdict v = verdict(p, "b", CONVOY_GATE_ROLLBACK_WEBHOOK, CONVOY_PHASE_FAILED);
    v.name = "stop-button";
    convoy_decision *d = decide(p, st, &v, 1000);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_ROLLBACK);
    assert_string_equal(set_of(p, d), "c,b");
    assert_non_null(strstr(convoy_decision_rationale(d), "rollback webhook \"stop-button\""));
    assert_null(strstr(convoy_decision_rationale(d), "allowed by the failure budget"));
    dfree(d);
    rt_state_free(st);
    rt_plan_free(p);
}

static void held_past_time_to_remediate(void **state)
{
    (void)state;
    const uint64_t since = 60000, ttr = 15 * 60000;
    static const svc_spec held[] = {
        {"a", "progressing", "2", 1, 0},
        {"b", "held", "1", 1, 60000},
        {"c", "progressing", "0", 1, 0},
        END_SPEC,
    };
    convoy_plan *p = dag("automatic", "dependents", "hold",
                         ", \"failure_budget\": {\"time_to_remediate\": \"15m\"}");
    convoy_state *st = state_of(p, held, 0, since);
    convoy_verdict v = verdict(p, "b", CONVOY_GATE_HELD, CONVOY_PHASE_FAILED);

    convoy_decision *d = decide(p, st, &v, since + ttr - 1);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_HOLD);
    assert_int_equal(convoy_decision_rollback_count(d), 0);
    dfree(d);

    d = decide(p, st, &v, since + ttr);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_ROLLBACK);
    assert_string_equal(set_of(p, d), "c,b");
    assert_non_null(strstr(convoy_decision_rationale(d), "time_to_remediate"));
    dfree(d);

    /* Only a held service can be held too long. */
    v = verdict(p, "c", CONVOY_GATE_HELD, CONVOY_PHASE_FAILED);
    d = decide(p, st, &v, since + 10 * ttr);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_HOLD);
    dfree(d);
    rt_state_free(st);
    rt_plan_free(p);

    /* Without time_to_remediate a hold lasts until an operator acts. */
    p = dag("automatic", "dependents", "hold", NULL);
    st = state_of(p, held, 0, since);
    v = verdict(p, "b", CONVOY_GATE_HELD, CONVOY_PHASE_FAILED);
    d = decide(p, st, &v, since + 1000 * ttr);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_HOLD);
    dfree(d);
    rt_state_free(st);
    rt_plan_free(p);
}

/* ---- the rollback itself failing, success ------------------------------- */

static void revert_failure_aborts(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold",
                         ", \"failure_budget\": {\"max_failed_evaluations\": 5}");
    static const svc_spec rolling[] = {
        {"a", "progressing", "2", 1, 0},
        {"b", "rolling_back", "1", 1, 0},
        {"c", "rolled_back", "0", 1, 0},
        END_SPEC,
    };
    convoy_state *st = state_of(p, rolling, 0, 1000);
    convoy_verdict v = verdict(p, "b", CONVOY_GATE_ACTION, CONVOY_PHASE_FAILED);
    v.name = "revert";
    v.reason = "revert failed after 4 attempts";
    convoy_decision *d = decide(p, st, &v, 1000);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_ABORT);
    assert_int_equal(convoy_decision_rollback_count(d), 0);
    assert_string_equal(convoy_decision_gate(d), "revert");
    assert_non_null(strstr(convoy_decision_rationale(d), "b"));
    dfree(d);

    /* The same failed action outside a rollback is a failed service (and
     * is not charged to the failure budget); c is rolled back already, d
     * untouched. */
    expect(p, st, "a", CONVOY_GATE_ACTION, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "b,a");
    rt_state_free(st);
    rt_plan_free(p);
}

static void success(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "all", "rollback", NULL);
    static const svc_spec steps[] = {
        {"a", "progressing", "2", 1, 0},    /* last step */
        {"d", "progressing", "1", 1, 0},    /* middle */
        {"b", "progressing", "0", 1, 0},    /* first */
        {"c", "deploying", "\"before\"", 1, 0},
        END_SPEC,
    };
    convoy_state *st = state_of(p, steps, 0, 1000);
    expect(p, st, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_SUCCESSFUL, CONVOY_DECISION_PROMOTE, "");
    expect(p, st, "d", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_SUCCESSFUL, CONVOY_DECISION_CONTINUE, "");
    expect(p, st, "b", CONVOY_GATE_WEBHOOK, CONVOY_PHASE_SUCCESSFUL, CONVOY_DECISION_CONTINUE, "");
    expect(p, st, "c", CONVOY_GATE_APPROVAL, CONVOY_PHASE_SUCCESSFUL, CONVOY_DECISION_CONTINUE, "");
    convoy_verdict v = verdict(p, "a", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_SUCCESSFUL);
    convoy_decision *d = decide(p, st, &v, 1000);
    assert_non_null(strstr(convoy_decision_rationale(d), "promot"));
    dfree(d);
    rt_state_free(st);
    rt_plan_free(p);
}

/* ---- attribution --------------------------------------------------------- */

static void attribution(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold", NULL);
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    convoy_verdict v = verdict(p, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
    convoy_decision *d = decide(p, st, &v, 1000);
    assert_int_equal(convoy_decision_kind(d), CONVOY_DECISION_ROLLBACK);
    assert_int_equal(convoy_decision_service(d), rt_index(p, "b"));
    assert_string_equal(convoy_decision_owner(d), "team-b <b@example.com>");
    assert_string_equal(convoy_decision_gate(d), "errors");
    assert_string_equal(convoy_decision_metric(d), "error-rate");
    assert_true(convoy_decision_value(d) == 0.2);
    const char *why = convoy_decision_rationale(d);
    assert_non_null(strstr(why, "b"));
    assert_non_null(strstr(why, "errors"));
    assert_non_null(strstr(why, "error-rate"));
    assert_non_null(strstr(why, "0.2"));
    assert_non_null(strstr(why, "c, b")); /* the set, in order */
    assert_non_null(strstr(why, "dependents"));
    /* Out-of-range set indices read as SIZE_MAX. */
    assert_true(convoy_decision_rollback_service(d, 2) == SIZE_MAX);
    dfree(d);

    /* The strings are copies: the verdict's may go away. */
    char gate[16], metric[16];
    strcpy(gate, "errors");
    strcpy(metric, "error-rate");
    v.name = gate;
    v.metric = metric;
    d = decide(p, st, &v, 1000);
    memset(gate, 'x', sizeof gate - 1);
    memset(metric, 'x', sizeof metric - 1);
    assert_string_equal(convoy_decision_gate(d), "errors");
    assert_string_equal(convoy_decision_metric(d), "error-rate");
    dfree(d);

    /* No owner, no metric, no value. */
    v = verdict(p, "c", CONVOY_GATE_WEBHOOK, CONVOY_PHASE_FAILED);
    v.name = "smoke";
    d = decide(p, st, &v, 1000);
    assert_null(convoy_decision_owner(d));
    assert_string_equal(convoy_decision_gate(d), "smoke");
    assert_null(convoy_decision_metric(d));
    assert_true(isnan(convoy_decision_value(d)));
    assert_non_null(strstr(convoy_decision_rationale(d), "smoke"));
    dfree(d);

    /* A verdict with no name at all. */
    v = verdict(p, "a", CONVOY_GATE_ACTION, CONVOY_PHASE_FAILED);
    d = decide(p, st, &v, 1000);
    assert_null(convoy_decision_gate(d));
    assert_string_equal(convoy_decision_owner(d), "team-a");
    dfree(d);
    rt_state_free(st);
    rt_plan_free(p);
}

/* ---- purity --------------------------------------------------------------- */

static void pure(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "all", "hold",
                         ", \"failure_budget\": {\"max_failed_evaluations\": 1}");
    convoy_state *st = state_of(p, ALL_TOUCHED, 1, 1000);
    char *before, *after;
    size_t nb, na;
    assert_int_equal(convoy_state_to_json(&before, &nb, st), CONVOY_OK);
    convoy_verdict v = verdict(p, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
    convoy_decision *d1 = decide(p, st, &v, 1000);
    convoy_decision *d2 = decide(p, st, &v, 1000);
    assert_int_equal(convoy_decision_kind(d1), convoy_decision_kind(d2));
    assert_string_equal(set_of(p, d1), "c,b,d,a");
    assert_string_equal(set_of(p, d2), "c,b,d,a");
    assert_string_equal(convoy_decision_rationale(d1), convoy_decision_rationale(d2));
    assert_int_equal(convoy_decision_failed_evaluations(d1), 2);
    assert_int_equal(convoy_decision_failed_evaluations(d2), 2);
    assert_int_equal(convoy_state_to_json(&after, &na, st), CONVOY_OK);
    assert_int_equal(na, nb);
    assert_memory_equal(before, after, nb);
    convoy_free(before);
    convoy_free(after);
    dfree(d1);
    dfree(d2);
    rt_state_free(st);
    rt_plan_free(p);
}

/* ---- fresh states and simulated states ------------------------------------ */

static void fresh_state(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "all", "hold", NULL);
    convoy_state *st = NULL;
    assert_int_equal(convoy_state_new(&st, p), CONVOY_OK);
    rt_state_keep(st);
    assert_int_equal(convoy_state_status(st), CONVOY_ROLLOUT_RUNNING);
    for (size_t i = 0; i < convoy_plan_service_count(p); i++) {
        assert_int_equal(convoy_state_service_state(st, i), CONVOY_SERVICE_PENDING);
        assert_false(convoy_state_service_touched(st, i));
        assert_true(convoy_state_service_step(st, i) == CONVOY_STEP_BEFORE);
    }
    /* Nothing touched: the failing service alone (its verdict says it ran). */
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED, CONVOY_DECISION_ROLLBACK, "b");
    expect(p, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_SUCCESSFUL, CONVOY_DECISION_CONTINUE, "");
    rt_state_free(st);
    rt_plan_free(p);
}

/* Plans whose dependents start before the failing service finishes. */
static const char STEP_DAG[] =
    "{\"name\": \"dag\", " ANALYSES ","
    " \"services\": ["
    "  {\"name\": \"a\", \"owner\": \"team-a\", \"steps\": [{\"set_weight\": 20}, {\"pause\": \"1m\"},"
    "     {\"analysis\": \"errors\"}, {\"set_weight\": 50}, {\"pause\": \"10m\"}]},"
    "  {\"name\": \"d\", \"depends_on\": [\"a\"], \"steps\": [{\"set_weight\": 50}]},"
    "  {\"name\": \"b\", \"depends_on\": [{\"service\": \"a\", \"step\": 0}],"
    "   \"steps\": [{\"set_weight\": 20}, {\"pause\": \"1m\"}, {\"set_weight\": 50}, {\"pause\": \"10m\"}]},"
    "  {\"name\": \"c\", \"depends_on\": [{\"service\": \"b\", \"step\": 0}],"
    "   \"steps\": [{\"set_weight\": 20}, {\"pause\": \"10m\"}]}],"
    " \"rollback\": {\"scope\": \"%s\"}}";

static void simulated_state(void **state)
{
    (void)state;
    static const char *const scopes[] = {"service", "dependents", "all"};
    static const char *const b_sets[] = {"b", "c,b", "c,b,a"};
    static const char *const c_sets[] = {"c", "c", "c,b,a"};
    for (int k = 0; k < 3; k++) {
        char *json = rt_fmt(STEP_DAG, scopes[k]);
        harness *h = rt_harness();
        rt_init(h, json, NULL);
        free(json);
        rt_open(h);
        size_t c = rt_index(h->plan, "c"), d = rt_index(h->plan, "d");
        /* Until c runs: a, b and c are in progress, d waits for a. */
        while (convoy_state_service_state(convoy_rollout_state(h->r), c) !=
               CONVOY_SERVICE_PROGRESSING) {
            rt_run_until(h, h->now, 1);
            uint64_t next = convoy_rollout_next_due(h->r);
            assert_true(next != UINT64_MAX);
            h->now = next;
            assert_true(h->ticks < 100);
        }
        const convoy_state *st = convoy_rollout_state(h->r);
        assert_int_equal(convoy_state_service_state(st, rt_index(h->plan, "a")),
                         CONVOY_SERVICE_PROGRESSING);
        assert_false(convoy_state_service_touched(st, d));
        expect(h->plan, st, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED,
               CONVOY_DECISION_ROLLBACK, b_sets[k]);
        expect(h->plan, st, "c", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED,
               CONVOY_DECISION_ROLLBACK, c_sets[k]);

        /* The same state, saved and read back, decides the same. */
        char *saved;
        size_t n;
        assert_int_equal(convoy_state_to_json(&saved, &n, st), CONVOY_OK);
        convoy_state *copy = NULL;
        assert_int_equal(convoy_state_from_json(&copy, h->plan, saved, n), CONVOY_OK);
        rt_state_keep(copy);
        expect(h->plan, copy, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED,
               CONVOY_DECISION_ROLLBACK, b_sets[k]);
        rt_state_free(copy);
        convoy_free(saved);
        rt_free(h);
    }
}

/* ---- argument errors -------------------------------------------------------- */

static void argument_errors(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold", NULL);
    convoy_plan *twin = dag("automatic", "dependents", "hold", NULL);
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    convoy_verdict v = verdict(p, "b", CONVOY_GATE_ANALYSIS, CONVOY_PHASE_FAILED);
    convoy_decision *d = (convoy_decision *)&v; /* must be reset to NULL */

    assert_int_equal(convoy_decide(NULL, p, st, &v, 0), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_decide(&d, NULL, st, &v, 0), CONVOY_E_INVALID_ARG);
    assert_null(d);
    d = (convoy_decision *)&v;
    assert_int_equal(convoy_decide(&d, p, NULL, &v, 0), CONVOY_E_INVALID_ARG);
    assert_null(d);
    assert_int_equal(convoy_decide(&d, p, st, NULL, 0), CONVOY_E_INVALID_ARG);
    assert_null(d);
    assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_INVALID_ARG);

    /* Versions. */
    convoy_verdict bad = v;
    bad.version = 0;
    assert_int_equal(convoy_decide(&d, p, st, &bad, 0), CONVOY_E_VERSION);
    assert_null(d);
    bad.version = CONVOY_VERDICT_VERSION + 1;
    assert_int_equal(convoy_decide(&d, p, st, &bad, 0), CONVOY_E_VERSION);
    assert_null(d);
    assert_int_equal(convoy_verdict_init(&bad, CONVOY_VERDICT_VERSION + 1), CONVOY_E_VERSION);
    assert_int_equal(convoy_verdict_init(&bad, 0), CONVOY_E_VERSION);
    assert_int_equal(convoy_verdict_init(NULL, CONVOY_VERDICT_VERSION), CONVOY_E_INVALID_ARG);
    convoy_verdict fresh;
    memset(&fresh, 0xab, sizeof fresh);
    assert_int_equal(convoy_verdict_init(&fresh, CONVOY_VERDICT_VERSION), CONVOY_OK);
    assert_int_equal(fresh.version, CONVOY_VERDICT_VERSION);
    assert_null(fresh.name);
    assert_null(fresh.metric);
    assert_null(fresh.reason);
    assert_true(isnan(fresh.value));

    /* Service out of range. */
    bad = v;
    bad.service = convoy_plan_service_count(p);
    assert_int_equal(convoy_decide(&d, p, st, &bad, 0), CONVOY_E_INVALID_ARG);
    assert_null(d);
    bad.service = SIZE_MAX;
    assert_int_equal(convoy_decide(&d, p, st, &bad, 0), CONVOY_E_INVALID_ARG);

    /* A state of another plan, even one with the same text. */
    assert_int_equal(convoy_decide(&d, twin, st, &v, 0), CONVOY_E_INVALID_ARG);
    assert_null(d);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), "another plan"));

    /* Getters take NULL. */
    assert_int_equal(convoy_decision_kind(NULL), CONVOY_E_INVALID_ARG);
    assert_true(convoy_decision_service(NULL) == SIZE_MAX);
    assert_null(convoy_decision_owner(NULL));
    assert_null(convoy_decision_gate(NULL));
    assert_null(convoy_decision_metric(NULL));
    assert_true(isnan(convoy_decision_value(NULL)));
    assert_null(convoy_decision_rationale(NULL));
    assert_int_equal(convoy_decision_failed_evaluations(NULL), 0);
    assert_int_equal(convoy_decision_rollback_count(NULL), 0);
    assert_true(convoy_decision_rollback_service(NULL, 0) == SIZE_MAX);
    convoy_decision_free(NULL);

    /* States: NULL, malformed, another plan's. */
    convoy_state *other = NULL;
    assert_int_equal(convoy_state_new(NULL, p), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_state_new(&other, NULL), CONVOY_E_INVALID_ARG);
    assert_null(other);
    char *json;
    size_t n;
    assert_int_equal(convoy_state_to_json(&json, &n, st), CONVOY_OK);
    assert_int_equal(convoy_state_from_json(&other, p, json, n - 1), CONVOY_E_PARSE);
    assert_null(other);
    assert_true(convoy_error_line(convoy_error_last()) >= 1);
    assert_true(convoy_error_column(convoy_error_last()) >= 1);
    convoy_plan *stranger = rt_plan("{\"name\": \"other\", \"services\": [{\"name\": \"a\"}, "
                                    "{\"name\": \"d\"}, {\"name\": \"b\"}, {\"name\": \"c\"}]}");
    assert_int_equal(convoy_state_from_json(&other, stranger, json, n), CONVOY_E_INVALID);
    assert_null(other);
    convoy_free(json);
    rt_plan_free(stranger);

    /* Kind names. */
    assert_string_equal(convoy_decision_kind_name(CONVOY_DECISION_CONTINUE), "continue");
    assert_string_equal(convoy_decision_kind_name(CONVOY_DECISION_HOLD), "hold");
    assert_string_equal(convoy_decision_kind_name(CONVOY_DECISION_PROMOTE), "promote");
    assert_string_equal(convoy_decision_kind_name(CONVOY_DECISION_ROLLBACK), "rollback");
    assert_string_equal(convoy_decision_kind_name(CONVOY_DECISION_ABORT), "abort");
    assert_null(convoy_decision_kind_name(5));
    assert_null(convoy_decision_kind_name(-1));

    rt_state_free(st);
    rt_plan_free(twin);
    rt_plan_free(p);
}

/* A verdict must be finished: Running, Pending or an unknown phase is not
 * a success (it would promote), and an unknown gate kind is no gate. */
static void unfinished_verdict_rejected(void **state)
{
    (void)state;
    convoy_plan *p = dag("automatic", "dependents", "hold", NULL);
    convoy_state *st = state_of(p, RUNNING, 0, 1000);
    static const int phases[] = {0, CONVOY_PHASE_RUNNING, CONVOY_PHASE_PENDING, 42};
    for (size_t k = 0; k < 4; k++) {
        convoy_verdict v = verdict(p, "a", CONVOY_GATE_ANALYSIS, phases[k]);
        convoy_decision *d = NULL;
        int rc = convoy_decide(&d, p, st, &v, 1000);
        rt_defer(decision_free_cb, d);
        if (rc != CONVOY_E_INVALID_ARG)
            fail_msg("phase %d: rc %d, decision %s (%s)", phases[k], rc,
                     d ? convoy_decision_kind_name(convoy_decision_kind(d)) : "none",
                     d ? convoy_decision_rationale(d) : "");
        assert_null(d);
    }
    convoy_verdict v = verdict(p, "a", 77, CONVOY_PHASE_FAILED);
    convoy_decision *d = NULL;
    int rc = convoy_decide(&d, p, st, &v, 1000);
    rt_defer(decision_free_cb, d);
    assert_int_equal(rc, CONVOY_E_INVALID_ARG);
    assert_null(d);
    rt_state_free(st);
    rt_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        RT_TEST(scope_service),
        RT_TEST(scope_dependents),
        RT_TEST(scope_all),
        RT_TEST(inconclusive),
        RT_TEST(manual_mode),
        RT_TEST(failure_budget),
        RT_TEST(burn_rate),
        RT_TEST(rollback_webhook_outside_budget),
        RT_TEST(held_past_time_to_remediate),
        RT_TEST(revert_failure_aborts),
        RT_TEST(success),
        RT_TEST(attribution),
        RT_TEST(pure),
        RT_TEST(fresh_state),
        RT_TEST(simulated_state),
        RT_TEST(argument_errors),
        RT_TEST(unfinished_verdict_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
