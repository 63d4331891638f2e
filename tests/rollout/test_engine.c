/*
 * Whole rollouts over the simulated backend (convoy_simulator_new with
 * inline scenarios), ticked at convoy_rollout_next_due with a simulated
 * clock. Every callback goes through the harness in rollout_util.h, which
 * records the calls and every decision-log record (each checked to be
 * valid JSON as it arrives).
 *
 * Most tests use this DAG, where dependents start while the service they
 * depend on is still running ({"service": X, "step": 0}):
 *
 *     a ──step 0──► b ──step 0──► c ──promoted──► e
 *     └──promoted──► d
 *
 * Each service: set_weight 20, pause 1m, analysis, set_weight 50, pause 1m,
 * analysis (error-rate, every minute, twice). Healthy, a, b and c run side
 * by side from t=0 and are promoted at 4m; d and e follow from 4m to 8m.
 * A bad error-rate from t=0 fails the service at its first measurement,
 * at 1m: a, b, c are then touched, d and e are not.
 *
 * Some tests reproduce engine problems reported to the lead and fail until
 * they are fixed: retry_attempts_are_tries, cohort_lockstep_slow_member,
 * abort_order_matches_rollback_order, manual_hold_past_time_to_remediate,
 * scope_all_stops_the_convoy, failure_budget_reevaluates_later,
 * next_due_after_resume.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <unistd.h>

#include "rollout_util.h"

#define MIN 60000ull

#define ANALYSES(delay)                                                                     \
    "\"analyses\": {\"errors\": {\"metrics\": [{\"name\": \"error-rate\","                  \
    " \"provider\": {\"prometheus\": {\"query\": \"q\"}}, \"initial_delay\": \"" delay "\"," \
    " \"interval\": \"1m\", \"count\": 2, \"success\": \"<0.01\", \"failure\": \">=0.05\"}]}}"

#define STEPS                                                                               \
    "\"steps\": [{\"set_weight\": 20}, {\"pause\": \"1m\"}, {\"analysis\": \"errors\"},"    \
    " {\"set_weight\": 50}, {\"pause\": \"1m\"}, {\"analysis\": \"errors\"}]"

/* `rollback` is the body of the rollback object; `extra` more top-level
 * members with a leading comma (or ""). */
static char *dag_json(const char *rollback, const char *extra)
{
    return rt_fmt("{\"name\": \"dag\", " ANALYSES("0") ","
                  " \"services\": ["
                  "  {\"name\": \"a\", \"owner\": \"team-a\", " STEPS "},"
                  "  {\"name\": \"b\", \"owner\": \"team-b\", \"depends_on\": [{\"service\": \"a\", \"step\": 0}], " STEPS "},"
                  "  {\"name\": \"c\", \"owner\": \"team-c\", \"depends_on\": [{\"service\": \"b\", \"step\": 0}], " STEPS "},"
                  "  {\"name\": \"d\", \"owner\": \"team-d\", \"depends_on\": [\"a\"], " STEPS "},"
                  "  {\"name\": \"e\", \"owner\": \"team-e\", \"depends_on\": [\"c\"], " STEPS "}],"
                  " \"rollback\": {%s}%s}",
                  rollback, extra);
}

/* A scenario where `service`'s error-rate is `bad` from t=0 (and `good`
 * from `until` seconds, when until > 0). */
static char *bad_metric(const char *service, double bad, double until)
{
    if (until > 0)
        return rt_fmt("{\"metrics\": {\"%s\": {\"candidate\": {\"error-rate\": "
                      "[[0, %g], [%g, 0.001]]}}}}",
                      service, bad, until);
    return rt_fmt("{\"metrics\": {\"%s\": {\"candidate\": {\"error-rate\": [[0, %g]]}}}}",
                  service, bad);
}

static void start(harness *h, const char *rollback, const char *extra, const char *scenario)
{
    char *json = dag_json(rollback, extra);
    rt_init(h, json, scenario);
    free(json);
    rt_open(h);
}

static const convoy_state *ST(const harness *h)
{
    return convoy_rollout_state(h->r);
}

static int svc_state(const harness *h, const char *name)
{
    return convoy_state_service_state(ST(h), rt_index(h->plan, name));
}

#define assert_state(h, name, expected)                                                    \
    do {                                                                                   \
        int got_ = svc_state((h), (name));                                                 \
        if (got_ != (expected))                                                            \
            fail_msg("service %s is %s, expected %s", (name),                              \
                     convoy_service_state_name(got_), convoy_service_state_name(expected)); \
    } while (0)

#define assert_status(h, expected)                                                         \
    do {                                                                                   \
        int got_ = convoy_rollout_status((h)->r);                                          \
        if (got_ != (expected))                                                            \
            fail_msg("rollout is %s, expected %s", convoy_rollout_status_name(got_),       \
                     convoy_rollout_status_name(expected));                                \
    } while (0)

/* The carried-out rollback order, "c,b,a". */
static const char *rolled_back_order(const harness *h)
{
    static char buf[256];
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < convoy_state_rollback_count(ST(h)); i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? "," : "",
                                rt_name(h->plan, convoy_state_rollback_service(ST(h), i)));
    return buf;
}

/* Services in the order of their calls of `kind` (first call of each). */
static const char *call_order(const harness *h, int kind, size_t from)
{
    static char buf[256];
    char seen[64] = {0};
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = from; i < h->n_calls; i++) {
        const rt_call *c = &h->calls[i];
        if (c->kind != kind || c->service >= sizeof seen || seen[c->service])
            continue;
        seen[c->service] = 1;
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", len ? "," : "",
                                rt_name(h->plan, c->service));
    }
    return buf;
}

/* The rollback_order of the first rollback decision: ["c","b"] -> "c,b". */
static const char *decided_order(const harness *h)
{
    static char buf[256];
    buf[0] = '\0';
    long i = rt_find(h, 0, "decision", "rollback", NULL);
    if (i < 0)
        return buf;
    const char *rec = h->records[i];
    size_t n;
    const char *v = rt_member(rec, strlen(rec), "rollback_order", &n);
    if (!v)
        return buf;
    size_t k = 0;
    for (size_t j = 0; j < n && k + 1 < sizeof buf; j++)
        if (v[j] != '[' && v[j] != ']' && v[j] != '"')
            buf[k++] = v[j];
    buf[k] = '\0';
    return buf;
}

/* ---- all healthy --------------------------------------------------------- */

static void all_healthy(void **state)
{
    (void)state;
    harness *h = rt_harness();
    start(h, "\"scope\": \"dependents\"", "", NULL);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++) {
        assert_state(h, names[i], CONVOY_SERVICE_PROMOTED);
        assert_int_equal(convoy_state_service_candidate_bp(ST(h), rt_index(h->plan, names[i])),
                         10000);
        assert_int_equal(rt_count(h, "event", "promoted", names[i]), 1);
        assert_int_equal(rt_calls(h, CONVOY_ACTION_REVERT, rt_index(h->plan, names[i])), 0);
    }
    assert_int_equal(convoy_state_rollback_count(ST(h)), 0);
    assert_int_equal(convoy_state_failed_evaluations(ST(h)), 0);
    assert_true(convoy_state_decisions(ST(h)) >= 10);

    /* Wave order: a service starts only once each dependency has
     * completed the step it names, or been promoted. */
    long a_started = rt_find(h, 0, "event", "started", "a");
    long b_started = rt_find(h, 0, "event", "started", "b");
    long c_started = rt_find(h, 0, "event", "started", "c");
    long d_started = rt_find(h, 0, "event", "started", "d");
    long e_started = rt_find(h, 0, "event", "started", "e");
    long a_promoted = rt_find(h, 0, "event", "promoted", "a");
    long c_promoted = rt_find(h, 0, "event", "promoted", "c");
    assert_true(a_started >= 0 && a_started < b_started && b_started < c_started);
    assert_true(a_promoted < d_started && c_promoted < e_started);
    /* ... and the step dependencies let b and c run next to a. */
    assert_true(c_started < a_promoted);
    long a_weight = rt_find(h, 0, "action", "set-weights", "a");
    assert_true(a_weight >= 0 && a_weight < b_started);
    assert_true(rt_num(h->records[d_started], "time_ms") >= 4 * MIN);
    assert_true(rt_num(h->records[b_started], "time_ms") == 0);
    /* The whole run: a, b, c promoted at 4m, d and e at 8m. */
    assert_true(rt_num(h->records[a_promoted], "time_ms") == 4 * MIN);
    assert_true(h->now == 8 * MIN);

    /* Weights went up step by step: 20, 50, then promotion. */
    size_t a = rt_index(h->plan, "a");
    uint32_t seen[8];
    size_t n = 0;
    for (size_t i = 0; i < h->n_calls && n < 8; i++)
        if (h->calls[i].service == a && h->calls[i].kind == CONVOY_ACTION_SET_WEIGHTS)
            seen[n++] = h->calls[i].candidate_bp;
    assert_int_equal(n, 2);
    assert_int_equal(seen[0], 2000);
    assert_int_equal(seen[1], 5000);
    assert_int_equal(rt_calls(h, CONVOY_ACTION_PROMOTE, a), 1);
    assert_int_equal(rt_calls(h, CONVOY_ACTION_DEPLOY, a), 1);
    /* Two measurements per analysis, two analyses. */
    assert_int_equal(rt_calls(h, CONVOY_ACTION_QUERY_METRIC, a), 4);

    /* A finished rollout stays finished. */
    assert_int_equal(rt_tick(h, h->now + 1000), CONVOY_ROLLOUT_PROMOTED);
    assert_true(convoy_rollout_next_due(h->r) == UINT64_MAX);
    rt_free(h);
}

/* ---- failing services, each scope ---------------------------------------- */

typedef struct scope_case {
    const char *scope, *failing, *set;  /* set: the rollback, in order */
    const char *promoted;               /* services promoted in the end */
    const char *untouched;              /* never touched */
} scope_case;

static const scope_case SCOPE_CASES[] = {
    /* Failing middle. */
    {"service", "b", "b", "a,c,d,e", ""},
    {"dependents", "b", "c,b", "a,d", "e"},
    {"all", "b", "c,b,a", "", "d,e"},
    /* Failing leaf (of the running services). */
    {"service", "c", "c", "a,b,d", "e"},
    {"dependents", "c", "c", "a,b,d", "e"},
    {"all", "c", "c,b,a", "", "d,e"},
};

static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0)
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

static void failing_service_each_scope(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof SCOPE_CASES / sizeof SCOPE_CASES[0]; k++) {
        const scope_case *sc = &SCOPE_CASES[k];
        char *rollback = rt_fmt("\"scope\": \"%s\"", sc->scope);
        char *scenario = bad_metric(sc->failing, 0.2, 0);
        harness *h = rt_harness();
        start(h, rollback, "", scenario);
        free(rollback);
        free(scenario);
        print_message("scope %s, %s failing\n", sc->scope, sc->failing);
        int status = rt_run(h);
        assert_int_equal(status, CONVOY_ROLLOUT_ROLLED_BACK);

        /* The decision, the order carried out and the revert calls agree. */
        assert_string_equal(decided_order(h), sc->set);
        assert_string_equal(rolled_back_order(h), sc->set);
        assert_string_equal(call_order(h, CONVOY_ACTION_REVERT, 0), sc->set);
        long dec = rt_find(h, 0, "decision", "rollback", NULL);
        assert_true(dec >= 0);
        assert_string_equal(rt_str(h->records[dec], "service"), sc->failing);
        assert_true(rt_num(h->records[dec], "time_ms") == 1 * MIN);
        assert_int_equal(rt_count(h, "decision", "rollback", NULL), 1);

        const char *names[] = {"a", "b", "c", "d", "e"};
        for (int i = 0; i < 5; i++) {
            size_t idx = rt_index(h->plan, names[i]);
            if (listed(sc->set, names[i])) {
                assert_state(h, names[i], CONVOY_SERVICE_ROLLED_BACK);
                assert_int_equal(convoy_state_service_candidate_bp(ST(h), idx), 0);
                assert_int_equal(rt_calls(h, CONVOY_ACTION_REVERT, idx), 1);
                /* Traffic went back to the baseline before the revert. */
                size_t last_weight = 0, revert = 0;
                for (size_t j = 0; j < h->n_calls; j++) {
                    if (h->calls[j].service != idx)
                        continue;
                    if (h->calls[j].kind == CONVOY_ACTION_SET_WEIGHTS)
                        last_weight = j;
                    if (h->calls[j].kind == CONVOY_ACTION_REVERT)
                        revert = j;
                }
                assert_true(last_weight < revert);
                assert_int_equal(h->calls[last_weight].candidate_bp, 0);
            } else {
                assert_int_equal(rt_calls(h, CONVOY_ACTION_REVERT, idx), 0);
            }
            if (listed(sc->promoted, names[i]))
                assert_state(h, names[i], CONVOY_SERVICE_PROMOTED);
            if (listed(sc->untouched, names[i])) {
                assert_state(h, names[i], CONVOY_SERVICE_PENDING);
                assert_false(convoy_state_service_touched(ST(h), idx));
                for (size_t j = 0; j < h->n_calls; j++)
                    if (h->calls[j].service == idx)
                        fail_msg("untouched %s got a %s call", names[i],
                                 convoy_action_kind_name(h->calls[j].kind));
            }
        }
        rt_free(h);
    }
}

/* Reverse dependency order holds for the reverts themselves: nothing is
 * reverted before everything depending on it (that is in the set). */
static void rollback_respects_dependencies(void **state)
{
    (void)state;
    harness *h = rt_harness();
    /* A wider DAG, scope all, the root failing last. */
    rt_init(h,
            "{\"name\": \"wide\", " ANALYSES("0") ", \"services\": ["
            " {\"name\": \"root\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"5m\"}, {\"analysis\": \"errors\"}]},"
            " {\"name\": \"m2\", \"depends_on\": [{\"service\": \"root\", \"step\": 0}], \"steps\": [{\"set_weight\": 10}, {\"pause\": \"10m\"}]},"
            " {\"name\": \"m1\", \"depends_on\": [{\"service\": \"root\", \"step\": 0}], \"steps\": [{\"set_weight\": 10}, {\"pause\": \"10m\"}]},"
            " {\"name\": \"leaf\", \"depends_on\": [{\"service\": \"m1\", \"step\": 0}, {\"service\": \"m2\", \"step\": 0}],"
            "  \"steps\": [{\"set_weight\": 10}, {\"pause\": \"10m\"}]},"
            " {\"name\": \"solo\", \"steps\": [{\"set_weight\": 10}]}],"
            " \"rollback\": {\"scope\": \"all\"}}",
            "{\"metrics\": {\"root\": {\"candidate\": {\"error-rate\": [[0, 0.5]]}}}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    /* solo was promoted at once and is part of "all". */
    assert_string_equal(rolled_back_order(h), "leaf,m1,m2,root,solo");
    assert_string_equal(call_order(h, CONVOY_ACTION_REVERT, 0), "leaf,m1,m2,root,solo");
    rt_free(h);
}

/* ---- failure budget -------------------------------------------------------- */

static char *budget_json(const char *delay)
{
    return rt_fmt("{\"name\": \"budget\", \"analyses\": {\"errors\": {\"metrics\": [{\"name\": \"error-rate\","
                  " \"provider\": {\"prometheus\": {\"query\": \"q\"}}, \"initial_delay\": \"%s\","
                  " \"interval\": \"1m\", \"count\": 2, \"success\": \"<0.01\", \"failure\": \">=0.05\"}]}},"
                  " \"services\": [{\"name\": \"api\", \"owner\": \"team-api\","
                  "   \"steps\": [{\"set_weight\": 20}, {\"analysis\": \"errors\"}, {\"set_weight\": 60}]},"
                  "  {\"name\": \"web\", \"depends_on\": [\"api\"], \"steps\": [{\"set_weight\": 20}]}],"
                  " \"failure_budget\": {\"max_failed_evaluations\": 2}}",
                  delay);
}

static void failure_budget(void **state)
{
    (void)state;
    /* Within the budget: a failed evaluation at 30s and at 150s (the gate
     * runs again one interval later, 30s initial delay), then the metric
     * has recovered (from 200s) and the analysis passes. */
    harness *h = rt_harness();
    char *json = budget_json("30s");
    rt_init(h, json, "{\"metrics\": {\"api\": {\"candidate\": {\"error-rate\": [[0, 0.2], [200, 0.001]]}}}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    assert_int_equal(convoy_state_failed_evaluations(ST(h)), 2);
    assert_int_equal(rt_count(h, "decision", "continue", "api") >= 2, 1);
    long first = rt_find(h, 0, "decision", "continue", "api");
    assert_true(first >= 0);
    assert_non_null(strstr(h->records[first], "budget"));
    assert_true(rt_num(h->records[first], "failed_evaluations") == 1);
    assert_int_equal(rt_count(h, "decision", "rollback", NULL), 0);
    assert_state(h, "api", CONVOY_SERVICE_PROMOTED);
    assert_state(h, "web", CONVOY_SERVICE_PROMOTED);
    rt_free(h);

    /* Beyond it: the third failure rolls back. */
    rt_init(h, json, "{\"metrics\": {\"api\": {\"candidate\": {\"error-rate\": [[0, 0.2]]}}}}");
    free(json);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_int_equal(convoy_state_failed_evaluations(ST(h)), 3);
    long rb = rt_find(h, 0, "decision", "rollback", "api");
    assert_true(rb >= 0);
    assert_true(rt_num(h->records[rb], "failed_evaluations") == 3);
    assert_non_null(strstr(h->records[rb], "budget"));
    /* Failures at 30s, 120s and 210s: each rerun waits an interval, then
     * the 30s initial delay. */
    assert_true(rt_num(h->records[rb], "time_ms") == 210000);
    assert_state(h, "api", CONVOY_SERVICE_ROLLED_BACK);
    assert_state(h, "web", CONVOY_SERVICE_PENDING);
    rt_free(h);
}

/* ---- inconclusive, holds, time to remediate --------------------------------- */

static void inconclusive_holds(void **state)
{
    (void)state;
    harness *h = rt_harness();
    /* 0.03: neither success (< 0.01) nor failure (>= 0.05). Healthy from 10m. */
    char *scenario = bad_metric("b", 0.03, 600);
    start(h, "\"scope\": \"dependents\"", "", scenario);
    free(scenario);
    int status = rt_run(h);
    assert_int_equal(status, CONVOY_ROLLOUT_HELD);
    assert_state(h, "b", CONVOY_SERVICE_HELD);
    long hold = rt_find(h, 0, "decision", "hold", "b");
    assert_true(hold >= 0);
    assert_true(rt_num(h->records[hold], "time_ms") == 1 * MIN);
    assert_non_null(strstr(h->records[hold], "Inconclusive"));
    /* Nothing else was held up or rolled back. */
    assert_state(h, "a", CONVOY_SERVICE_PROMOTED);
    assert_state(h, "c", CONVOY_SERVICE_PROMOTED);
    assert_state(h, "d", CONVOY_SERVICE_PROMOTED);
    assert_state(h, "e", CONVOY_SERVICE_PROMOTED);
    assert_int_equal(convoy_state_rollback_count(ST(h)), 0);
    assert_int_equal(rt_calls(h, CONVOY_ACTION_REVERT, SIZE_MAX), 0);
    /* Held is stable: time passes, nothing happens. */
    size_t calls = h->n_calls;
    assert_int_equal(rt_tick(h, 9 * MIN), CONVOY_ROLLOUT_HELD);
    assert_int_equal(h->n_calls, calls);

    /* An operator releases the hold once the metric is fine: the step runs
     * again and the rollout finishes. */
    h->now = 11 * MIN;
    assert_int_equal(convoy_rollout_resume(h->r), CONVOY_OK);
    assert_int_equal(rt_count(h, "decision", "resume", NULL), 1);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    assert_state(h, "b", CONVOY_SERVICE_PROMOTED);
    rt_free(h);

    /* on_inconclusive: rollback. */
    scenario = bad_metric("b", 0.03, 0);
    start(h, "\"scope\": \"dependents\", \"on_inconclusive\": \"rollback\"", "", scenario);
    free(scenario);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_string_equal(rolled_back_order(h), "c,b");
    rt_free(h);
}

static void held_past_time_to_remediate(void **state)
{
    (void)state;
    harness *h = rt_harness();
    char *scenario = bad_metric("b", 0.03, 0);
    start(h, "\"scope\": \"dependents\"", ", \"failure_budget\": {\"time_to_remediate\": \"5m\"}",
          scenario);
    free(scenario);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    long hold = rt_find(h, 0, "decision", "hold", "b");
    long rb = rt_find(h, 0, "decision", "rollback", "b");
    assert_true(hold >= 0 && rb > hold);
    assert_true(rt_num(h->records[hold], "time_ms") == 1 * MIN);
    assert_true(rt_num(h->records[rb], "time_ms") == 6 * MIN);
    assert_non_null(strstr(h->records[rb], "time_to_remediate"));
    /* c was promoted at 4m and e started then; as b's dependents they are
     * rolled back too, dependents first. */
    assert_string_equal(rolled_back_order(h), "e,c,b");
    assert_state(h, "a", CONVOY_SERVICE_PROMOTED);
    assert_state(h, "d", CONVOY_SERVICE_PROMOTED);
    rt_free(h);
}

/* ---- approvals ---------------------------------------------------------------- */

static const char APPROVAL_PLAN[] =
    "{\"name\": \"approve\", \"services\": ["
    " {\"name\": \"db\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}, {\"set_weight\": 30}]},"
    " {\"name\": \"api\", \"owner\": \"api-team\", \"depends_on\": [\"db\"],"
    "  \"steps\": [{\"set_weight\": 10}, {\"approval\": {\"timeout\": \"10m\"}}, {\"set_weight\": 50}]}],"
    " \"rollback\": {\"scope\": \"all\"}}";

static void approval_timeout(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h, APPROVAL_PLAN, "{\"actions\": {\"pending\": [{\"service\": \"api\", \"action\": \"approval\"}]}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    long rb = rt_find(h, 0, "decision", "rollback", "api");
    assert_true(rb >= 0);
    /* db promoted at 1m, api waits for the approval from 1m, 10m long. */
    assert_true(rt_num(h->records[rb], "time_ms") == 11 * MIN);
    assert_non_null(strstr(h->records[rb], "approval"));
    assert_string_equal(rt_str(h->records[rb], "owner"), "api-team");
    assert_string_equal(rolled_back_order(h), "api,db");
    /* The approval was asked at every tick in between and never answered. */
    assert_true(rt_calls(h, CONVOY_ACTION_APPROVAL, rt_index(h->plan, "api")) >= 2);
    rt_free(h);

    /* Approved: no timeout. */
    rt_init(h, APPROVAL_PLAN, NULL);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    assert_int_equal(rt_count(h, "detail", "approved", "api"), 1);
    rt_free(h);

    /* Rejected. */
    rt_init(h, APPROVAL_PLAN, "{\"actions\": {\"fail\": [{\"service\": \"api\", \"action\": \"approval\"}]}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    rb = rt_find(h, 0, "decision", "rollback", "api");
    assert_true(rb >= 0 && rt_num(h->records[rb], "time_ms") == 1 * MIN);
    rt_free(h);
}

/* ---- failing actions: retries with backoff -------------------------------------- */

static const char RETRY_PLAN[] =
    "{\"name\": \"retry\", \"services\": ["
    " {\"name\": \"db\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}]},"
    " {\"name\": \"api\", \"depends_on\": [{\"service\": \"db\", \"step\": 0}],"
    "  \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}]}],"
    " \"rollback\": {\"scope\": \"dependents\", \"retry\": {\"attempts\": 3, \"backoff\": \"10s\"}}}";

/* The deploy records of `svc`: attempts and times. */
static size_t deploy_records(const harness *h, const char *svc, double *attempt, double *time,
                             int *ok, size_t cap)
{
    size_t n = 0;
    for (long i = rt_find(h, 0, "action", "deploy", svc); i >= 0 && n < cap;
         i = rt_find(h, (size_t)i + 1, "action", "deploy", svc), n++) {
        attempt[n] = rt_num(h->records[i], "attempt");
        time[n] = rt_num(h->records[i], "time_ms");
        const char *result = rt_str(h->records[i], "result");
        assert_non_null(result);
        ok[n] = strcmp(result, "ok") == 0;
    }
    return n;
}

static void deploy_retries(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h, RETRY_PLAN,
            "{\"actions\": {\"fail\": [{\"service\": \"api\", \"action\": \"deploy\", \"times\": 2}]}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    double attempt[16], time[16];
    int ok[16];
    size_t n = deploy_records(h, "api", attempt, time, ok, 16);
    assert_int_equal(n, 3);
    /* Attempts 1, 2, 3 at 0, +10s, +10s+20s (the backoff doubles). */
    assert_true(attempt[0] == 1 && attempt[1] == 2 && attempt[2] == 3);
    assert_true(time[0] == 0 && time[1] == 10000 && time[2] == 30000);
    assert_false(ok[0]);
    assert_false(ok[1]);
    assert_true(ok[2]);
    /* The callbacks saw the same attempt numbers. */
    size_t api = rt_index(h->plan, "api"), k = 0;
    for (size_t i = 0; i < h->n_calls; i++)
        if (h->calls[i].service == api && h->calls[i].kind == CONVOY_ACTION_DEPLOY)
            assert_int_equal(h->calls[i].attempt, ++k);
    assert_int_equal(k, 3);
    /* api started at 0 and finished its 1m pause after the deploy. */
    assert_true(h->now == 30000 + MIN);
    assert_int_equal(rt_count(h, "decision", "rollback", NULL), 0);
    rt_free(h);

    /* Failing always: the attempts are spent, then the service fails. */
    rt_init(h, RETRY_PLAN,
            "{\"actions\": {\"fail\": [{\"service\": \"api\", \"action\": \"deploy\"}]}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    n = deploy_records(h, "api", attempt, time, ok, 16);
    assert_true(n >= 3);
    for (size_t i = 0; i < n; i++) {
        assert_true(attempt[i] == (double)(i + 1));
        assert_false(ok[i]);
        if (i)
            assert_true(time[i] - time[i - 1] == 10000.0 * (double)(1u << (i - 1)));
    }
    long rb = rt_find(h, 0, "decision", "rollback", "api");
    assert_true(rb >= 0);
    assert_true(rt_num(h->records[rb], "time_ms") == time[n - 1]);
    assert_non_null(strstr(h->records[rb], "deploy"));
    assert_string_equal(rolled_back_order(h), "api");
    assert_state(h, "db", CONVOY_SERVICE_PROMOTED);
    rt_free(h);
}

/* "attempts": 3 is three tries in all (attempt 1, 2, 3), as backend.h
 * says: "when the attempts are spent, treats the action as failed". */
static void retry_attempts_are_tries(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h, RETRY_PLAN,
            "{\"actions\": {\"fail\": [{\"service\": \"api\", \"action\": \"deploy\"}]}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    /* "attempts" counts retries after the first try, as Istio's does. */
    size_t n = rt_calls(h, CONVOY_ACTION_DEPLOY, rt_index(h->plan, "api"));
    if (n != 4)
        fail_msg("deploy failing always: %zu tries with \"attempts\": 3 (1 + 3 retries)", n);
    rt_free(h);
}

static void revert_failure_aborts(void **state)
{
    (void)state;
    harness *h = rt_harness();
    char *json = dag_json("\"scope\": \"dependents\", \"retry\": {\"attempts\": 1, \"backoff\": \"5s\"}", "");
    rt_init(h, json,
            "{\"metrics\": {\"b\": {\"candidate\": {\"error-rate\": [[0, 0.2]]}}},"
            " \"actions\": {\"fail\": [{\"service\": \"b\", \"action\": \"revert\"}]}}");
    free(json);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ABORTED);
    long ab = rt_find(h, 0, "decision", "abort", "b");
    assert_true(ab >= 0);
    /* c went first and is back; b is stuck rolling back. */
    assert_state(h, "c", CONVOY_SERVICE_ROLLED_BACK);
    assert_state(h, "b", CONVOY_SERVICE_ROLLING_BACK);
    assert_string_equal(rolled_back_order(h), "c");
    /* Stopped: nothing more is tried. */
    size_t calls = h->n_calls;
    assert_int_equal(rt_tick(h, h->now + 60 * MIN), CONVOY_ROLLOUT_ABORTED);
    assert_int_equal(h->n_calls, calls);
    rt_free(h);
}

/* ---- operator controls ------------------------------------------------------------ */

static void pause_resume(void **state)
{
    (void)state;
    harness *h = rt_harness();
    start(h, "\"scope\": \"dependents\"", "", NULL);
    rt_run_until(h, 30000, 1000);
    assert_int_equal(convoy_rollout_pause(h->r), CONVOY_OK);
    assert_status(h, CONVOY_ROLLOUT_PAUSED);
    assert_int_equal(convoy_rollout_pause(h->r), CONVOY_E_INVALID);
    assert_int_equal(rt_count(h, "decision", "pause", NULL), 1);
    long rec = rt_find(h, 0, "decision", "pause", NULL);
    assert_string_equal(rt_str(h->records[rec], "decided_by"), "operator");

    /* Paused: time passes, nothing is called. */
    size_t calls = h->n_calls;
    assert_int_equal(rt_tick(h, 2 * MIN), CONVOY_ROLLOUT_PAUSED);
    assert_int_equal(rt_tick(h, 30 * MIN), CONVOY_ROLLOUT_PAUSED);
    assert_int_equal(h->n_calls, calls);

    assert_int_equal(convoy_rollout_resume(h->r), CONVOY_OK);
    assert_int_equal(convoy_rollout_resume(h->r), CONVOY_E_INVALID);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    assert_true(h->n_calls > calls);
    /* Nothing to pause any more. */
    assert_int_equal(convoy_rollout_pause(h->r), CONVOY_E_INVALID);
    rt_free(h);
}

static void promote_now(void **state)
{
    (void)state;
    harness *h = rt_harness();
    start(h, "\"scope\": \"dependents\"", "", NULL);
    rt_run_until(h, 30000, 1000);
    size_t b = rt_index(h->plan, "b");
    assert_int_equal(convoy_rollout_promote_now(h->r, rt_index(h->plan, "d")), CONVOY_E_INVALID);
    assert_int_equal(convoy_rollout_promote_now(h->r, 99), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_rollout_promote_now(NULL, b), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_rollout_promote_now(h->r, b), CONVOY_OK);
    assert_int_equal(rt_count(h, "decision", "promote", "b"), 1);
    rt_tick(h, h->now);
    assert_state(h, "b", CONVOY_SERVICE_PROMOTED);
    assert_int_equal(convoy_state_service_candidate_bp(ST(h), b), 10000);
    assert_state(h, "a", CONVOY_SERVICE_PROGRESSING);
    /* b skipped its analyses. */
    assert_int_equal(rt_calls(h, CONVOY_ACTION_QUERY_METRIC, b), 0);

    /* Everything in progress. */
    assert_int_equal(convoy_rollout_promote_now(h->r, SIZE_MAX), CONVOY_OK);
    rt_tick(h, h->now);
    assert_state(h, "a", CONVOY_SERVICE_PROMOTED);
    assert_state(h, "c", CONVOY_SERVICE_PROMOTED);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    rt_free(h);
}

/* Aborts at 90s: a, b, c are touched (c and b depend on a, c on b). */
static void abort_reverts_touched(void **state)
{
    (void)state;
    harness *h = rt_harness();
    start(h, "\"scope\": \"service\"", "", NULL);
    rt_run_until(h, 90000, 1000);
    assert_int_equal(convoy_rollout_abort(NULL), CONVOY_E_INVALID_ARG);
    size_t before = h->n_calls;
    assert_int_equal(convoy_rollout_abort(h->r), CONVOY_OK);
    assert_int_equal(rt_count(h, "decision", "abort", NULL), 1);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ABORTED);
    assert_string_equal(rolled_back_order(h), "c,b,a");
    assert_string_equal(call_order(h, CONVOY_ACTION_REVERT, before), "c,b,a");
    assert_state(h, "d", CONVOY_SERVICE_PENDING);
    assert_state(h, "e", CONVOY_SERVICE_PENDING);
    assert_int_equal(rt_calls(h, CONVOY_ACTION_DEPLOY, rt_index(h->plan, "d")), 0);
    /* Nothing but the rollback was done after the abort. */
    for (size_t i = before; i < h->n_calls; i++)
        assert_true(h->calls[i].kind == CONVOY_ACTION_REVERT ||
                    (h->calls[i].kind == CONVOY_ACTION_SET_WEIGHTS && h->calls[i].candidate_bp == 0));
    assert_int_equal(convoy_rollout_abort(h->r), CONVOY_E_INVALID);
    rt_free(h);
}

/* The abort's "reverse dependency order" is the decision's: dependents
 * first, and inside a wave by name (b before d), as convoy_decide orders a
 * rollback of scope all. At 4m30s every service is touched. */
static void abort_order_matches_rollback_order(void **state)
{
    (void)state;
    harness *h = rt_harness();
    start(h, "\"scope\": \"all\"", "", NULL);
    rt_run_until(h, 4 * MIN + 30000, 1000);
    for (size_t i = 0; i < 5; i++)
        assert_true(convoy_state_service_touched(ST(h), i));
    size_t before = h->n_calls;
    assert_int_equal(convoy_rollout_abort(h->r), CONVOY_OK);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ABORTED);
    assert_string_equal(call_order(h, CONVOY_ACTION_REVERT, before), rolled_back_order(h));
    assert_string_equal(rolled_back_order(h), "e,c,b,d,a");
}

/* The first step each service runs after `from` (the first call that is at
 * a step rather than before one). */
static size_t first_step_after(const harness *h, const char *svc, size_t from)
{
    size_t idx = rt_index(h->plan, svc);
    for (size_t i = from; i < h->n_calls; i++)
        if (h->calls[i].service == idx && h->calls[i].step != CONVOY_STEP_BEFORE &&
            h->calls[i].step != CONVOY_STEP_PROMOTED)
            return h->calls[i].step;
    return SIZE_MAX;
}

static void retry_after_abort(void **state)
{
    (void)state;
    for (int from_start = 0; from_start < 2; from_start++) {
        harness *h = rt_harness();
        start(h, "\"scope\": \"service\"", "", NULL);
        /* At 90s: a and b in their first analysis (step 2), c too. */
        rt_run_until(h, 90000, 1000);
        size_t step_a = convoy_state_service_step(ST(h), rt_index(h->plan, "a"));
        assert_int_equal(step_a, 2);
        assert_int_equal(convoy_rollout_retry(h->r, CONVOY_RETRY_FROM_FAILED_STEP),
                         CONVOY_E_INVALID);
        assert_int_equal(convoy_rollout_abort(h->r), CONVOY_OK);
        assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ABORTED);
        assert_int_equal(convoy_rollout_retry(h->r, 7), CONVOY_E_INVALID_ARG);
        size_t mark = h->n_calls;
        h->now += MIN;
        assert_int_equal(convoy_rollout_retry(h->r, from_start ? CONVOY_RETRY_FROM_START
                                                              : CONVOY_RETRY_FROM_FAILED_STEP),
                         CONVOY_OK);
        assert_int_equal(rt_count(h, "decision", from_start ? "retry-from-start" : "retry", NULL),
                         1);
        assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
        const char *names[] = {"a", "b", "c"};
        for (int i = 0; i < 3; i++) {
            assert_state(h, names[i], CONVOY_SERVICE_PROMOTED);
            /* Deployed again, then on from the step where it stopped. */
            assert_int_equal(rt_calls(h, CONVOY_ACTION_DEPLOY, rt_index(h->plan, names[i])), 2);
            assert_int_equal(first_step_after(h, names[i], mark), from_start ? 0 : 2);
        }
        assert_state(h, "d", CONVOY_SERVICE_PROMOTED);
        assert_state(h, "e", CONVOY_SERVICE_PROMOTED);
        rt_free(h);
    }
}

static void retry_after_rollback(void **state)
{
    (void)state;
    harness *h = rt_harness();
    /* b is bad for its first 5 minutes. */
    char *scenario = bad_metric("b", 0.2, 300);
    start(h, "\"scope\": \"dependents\"", "", scenario);
    free(scenario);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_string_equal(rolled_back_order(h), "c,b");
    assert_int_equal(convoy_state_failed_evaluations(ST(h)), 1);
    h->now = 10 * MIN;
    size_t mark = h->n_calls;
    assert_int_equal(convoy_rollout_retry(h->r, CONVOY_RETRY_FROM_FAILED_STEP), CONVOY_OK);
    assert_int_equal(convoy_state_failed_evaluations(ST(h)), 0);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    /* b failed at its analysis (step 2), where c had just arrived too. */
    assert_int_equal(first_step_after(h, "b", mark), 2);
    assert_int_equal(first_step_after(h, "c", mark), 2);
    assert_int_equal(convoy_state_rollback_count(ST(h)), 0);
    const char *names[] = {"a", "b", "c", "d", "e"};
    for (int i = 0; i < 5; i++)
        assert_state(h, names[i], CONVOY_SERVICE_PROMOTED);
    rt_free(h);
}

/* ---- cohorts ------------------------------------------------------------------------- */

static const char COHORT_PLAN[] =
    "{\"name\": \"cohort\", " ANALYSES("0") ", \"services\": ["
    " {\"name\": \"base\", \"steps\": [{\"set_weight\": 50}]},"
    " {\"name\": \"cart\", \"depends_on\": [\"base\"], \"traffic\": {\"cohort\": \"checkout\", \"sticky\": {\"header\": \"x-user\"}},"
    "  \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}, {\"set_weight\": 30}, {\"analysis\": \"errors\"},"
    "             {\"set_weight\": 60}, {\"pause\": \"2m\"}]},"
    " {\"name\": \"pay\", \"traffic\": {\"cohort\": \"checkout\", \"sticky\": {\"header\": \"x-user\"}},"
    "  \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}, {\"set_weight\": 30}, {\"analysis\": \"errors\"},"
    "             {\"set_weight\": 60}, {\"pause\": \"2m\"}]}]}";

static void lockstep_check(harness *h)
{
    size_t cart = rt_index(h->plan, "cart"), pay = rt_index(h->plan, "pay");
    uint32_t wc = convoy_state_service_candidate_bp(ST(h), cart);
    uint32_t wp = convoy_state_service_candidate_bp(ST(h), pay);
    if (wc != wp)
        fail_msg("tick %d at %llu ms: cart at %u bp, pay at %u bp", h->ticks,
                 (unsigned long long)h->now, wc, wp);
    int *max_seen = h->user;
    if ((int)wc > *max_seen)
        *max_seen = (int)wc;
}

static void cohort_lockstep(void **state)
{
    (void)state;
    static const char *const scenarios[] = {
        NULL,
        /* pay's weights at step 2 are verified only at the second try. */
        "{\"actions\": {\"fail\": [{\"service\": \"pay\", \"action\": \"verify-weights\", \"times\": 1, \"step\": 2}]}}",
    };
    for (int k = 0; k < 2; k++) {
        harness *h = rt_harness();
        int max_seen = 0;
        rt_init(h, COHORT_PLAN, scenarios[k]);
        h->after_tick = lockstep_check;
        h->user = &max_seen;
        rt_open(h);
        assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
        assert_int_equal(max_seen, 10000);
        /* The cohort started together, after base (cart depends on it). */
        long cs = rt_find(h, 0, "event", "started", "cart");
        long ps = rt_find(h, 0, "event", "started", "pay");
        long bp = rt_find(h, 0, "event", "promoted", "base");
        assert_true(bp >= 0 && bp < cs && bp < ps);
        assert_true(rt_num(h->records[cs], "time_ms") == rt_num(h->records[ps], "time_ms"));
        rt_free(h);
    }
}

/* A member whose deploy or weight change is retried: the other may not
 * shift traffic alone meanwhile (a user in its bucket would see the new
 * cart with the old payments). */
/* While one member retries a weight change the others may be one change
 * ahead (no proxy change is atomic across services), but no member runs a
 * later step than another. */
static void same_step_check(harness *h)
{
    size_t cart = rt_index(h->plan, "cart"), pay = rt_index(h->plan, "pay");
    if (convoy_state_service_state(ST(h), cart) != CONVOY_SERVICE_PROGRESSING ||
        convoy_state_service_state(ST(h), pay) != CONVOY_SERVICE_PROGRESSING)
        return;
    size_t sc = convoy_state_service_step(ST(h), cart), sp = convoy_state_service_step(ST(h), pay);
    if (sc != sp)
        fail_msg("tick %d at %llu ms: cart at step %zu, pay at step %zu", h->ticks,
                 (unsigned long long)h->now, sc, sp);
}

static void cohort_lockstep_slow_member(void **state)
{
    (void)state;
    static const char *const scenarios[] = {
        "{\"actions\": {\"fail\": [{\"service\": \"pay\", \"action\": \"deploy\", \"times\": 1}]}}",
        "{\"actions\": {\"fail\": [{\"service\": \"pay\", \"action\": \"set-weights\", \"times\": 1, \"step\": 2}]}}",
    };
    for (int k = 0; k < 2; k++) {
        harness *h = rt_harness();
        int max_seen = 0;
        rt_init(h, COHORT_PLAN, scenarios[k]);
        h->after_tick = k == 0 ? lockstep_check : same_step_check;
        h->user = &max_seen;
        rt_open(h);
        assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
        rt_free(h);
    }
}

/* ---- max_parallel ------------------------------------------------------------------------ */

static void parallel_check(harness *h)
{
    size_t active = 0;
    for (size_t i = 0; i < convoy_plan_service_count(h->plan); i++) {
        int s = convoy_state_service_state(ST(h), i);
        active += s == CONVOY_SERVICE_DEPLOYING || s == CONVOY_SERVICE_PROGRESSING ||
                  s == CONVOY_SERVICE_PROMOTING || s == CONVOY_SERVICE_HELD;
    }
    size_t *peak = h->user;
    if (active > *peak)
        *peak = active;
    if (active > 2)
        fail_msg("%zu services in progress at %llu ms, max_parallel 2", active,
                 (unsigned long long)h->now);
}

static void max_parallel(void **state)
{
    (void)state;
    harness *h = rt_harness();
    size_t peak = 0;
    rt_init(h,
            "{\"name\": \"par\", \"max_parallel\": 2, \"services\": ["
            " {\"name\": \"s5\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}]},"
            " {\"name\": \"s4\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"2m\"}]},"
            " {\"name\": \"s3\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}]},"
            " {\"name\": \"s2\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"3m\"}]},"
            " {\"name\": \"s1\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}]},"
            " {\"name\": \"s6\", \"depends_on\": [{\"service\": \"s1\", \"step\": 0}],"
            "  \"steps\": [{\"set_weight\": 10}, {\"pause\": \"1m\"}]}]}",
            NULL);
    h->user = &peak;
    h->after_tick = parallel_check;
    h->on_call = parallel_check;
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    assert_int_equal(peak, 2);
    /* Slots go by wave, then name: s1 and s2 first. */
    assert_string_equal(call_order(h, CONVOY_ACTION_DEPLOY, 0), "s1,s2,s3,s4,s5,s6");
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(convoy_state_service_state(ST(h), i), CONVOY_SERVICE_PROMOTED);
    rt_free(h);
}

/* ---- saving and resuming ---------------------------------------------------------------- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/convoy-rollout-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    static const char *const files[] = {"state.json", "log.jsonl", "state.json.tmp",
                                        "history.jsonl"};
    for (size_t i = 0; i < 4; i++) {
        char *p = rt_fmt("%s/%s", tmpdir, files[i]);
        unlink(p);
        free(p);
    }
    rmdir(tmpdir);
    return 0;
}

typedef struct run_result {
    char *state;      /* final state JSON */
    char *log;        /* decision log file */
    size_t log_len;
    int status;
    int ticks;
} run_result;

/* Runs the DAG under `scenario` with a state file and a log, interrupted
 * (the rollout freed, as in a crash) after `stop` ticks (0: never) and
 * resumed from the files. `garbage`: a torn record appended to the log
 * before resuming, as a crash between log write and state save leaves. */
static run_result run_files(const char *scenario, int stop, int garbage)
{
    char *state_path = rt_fmt("%s/state.json", tmpdir);
    char *log_path = rt_fmt("%s/log.jsonl", tmpdir);
    unlink(state_path);
    unlink(log_path);
    harness *h = rt_harness();
    char *json = dag_json("\"scope\": \"dependents\", \"retry\": {\"attempts\": 2, \"backoff\": \"7s\"}", "");
    rt_init(h, json, scenario);
    free(json);
    h->opts.state_path = state_path;
    h->opts.log_path = log_path;
    rt_open(h);
    if (stop) {
        rt_run_until(h, 0, stop);
        if (rt_finished(h->status)) {
            rt_free(h);
            free(state_path);
            free(log_path);
            run_result none = {NULL, NULL, 0, -1, 0};
            return none;
        }
        rt_close(h);
        if (garbage) {
            FILE *f = fopen(log_path, "ab");
            assert_non_null(f);
            fputs("{\"seq\":999,\"time_ms\":12,\"type\":\"dec", f);
            fclose(f);
        }
        rt_open(h);
        /* The resumed rollout knows where it was. */
        assert_true(convoy_state_now_ms(ST(h)) == h->now);
        h->now = convoy_state_now_ms(ST(h));
    }
    run_result res;
    res.status = rt_run(h);
    res.ticks = h->ticks;
    char *text;
    size_t n;
    assert_int_equal(convoy_state_to_json(&text, &n, ST(h)), CONVOY_OK);
    res.state = strdup(text);
    convoy_free(text);
    res.log = rt_slurp(log_path, &res.log_len);
    assert_non_null(res.log);
    /* The state file holds the final state. */
    size_t sn;
    char *saved = rt_slurp(state_path, &sn);
    assert_non_null(saved);
    assert_string_equal(saved, res.state);
    free(saved);
    rt_free(h);
    free(state_path);
    free(log_path);
    return res;
}

static void check_log_lines(const char *log, size_t len)
{
    size_t lines = 0;
    for (const char *p = log; p < log + len;) {
        const char *nl = memchr(p, '\n', (size_t)(log + len - p));
        assert_non_null(nl);
        if (!rt_json_valid(p, (size_t)(nl - p)))
            fail_msg("log line %zu is not JSON: %.*s", lines + 1, (int)(nl - p), p);
        char *line = strndup(p, (size_t)(nl - p));
        assert_true(rt_num(line, "seq") == (double)(lines + 1));
        free(line);
        lines++;
        p = nl + 1;
    }
    assert_true(lines > 10);
}

static void save_resume(void **state)
{
    (void)state;
    static const char *const scenarios[] = {
        NULL,
        /* b fails at 1m and is rolled back with c; c's deploy and b's
         * revert need a second try. */
        "{\"metrics\": {\"b\": {\"candidate\": {\"error-rate\": [[0, 0.2]]}}},"
        " \"actions\": {\"fail\": [{\"service\": \"c\", \"action\": \"deploy\", \"times\": 1},"
        "                          {\"service\": \"b\", \"action\": \"revert\", \"times\": 1}]}}",
    };
    for (size_t k = 0; k < 2; k++) {
        run_result ref = run_files(scenarios[k], 0, 0);
        check_log_lines(ref.log, ref.log_len);
        int resumed = 0;
        for (int stop = 1; stop < ref.ticks; stop++) {
            for (int garbage = 0; garbage < 2; garbage++) {
                run_result r = run_files(scenarios[k], stop, garbage);
                if (r.status < 0)
                    continue;
                resumed++;
                assert_int_equal(r.status, ref.status);
                if (strcmp(r.state, ref.state) != 0)
                    fail_msg("scenario %zu, interrupted after %d ticks%s: final state differs\n"
                             "uninterrupted: %s\nresumed:       %s",
                             k, stop, garbage ? " (torn log)" : "", ref.state, r.state);
                if (r.log_len != ref.log_len || memcmp(r.log, ref.log, ref.log_len) != 0)
                    fail_msg("scenario %zu, interrupted after %d ticks%s: decision log differs\n"
                             "uninterrupted:\n%s\nresumed:\n%s",
                             k, stop, garbage ? " (torn log)" : "", ref.log, r.log);
                free(r.state);
                free(r.log);
            }
        }
        assert_true(resumed >= 4);
        free(ref.state);
        free(ref.log);
    }
}

/* ---- the decision log ------------------------------------------------------------------ */

static void log_records(void **state)
{
    (void)state;
    harness *h = rt_harness();
    char *scenario = bad_metric("b", 0.2, 0);
    start(h, "\"scope\": \"dependents\"", "", scenario);
    free(scenario);
    rt_run_until(h, 30000, 1000);
    assert_int_equal(convoy_rollout_pause(h->r), CONVOY_OK);
    assert_int_equal(convoy_rollout_resume(h->r), CONVOY_OK);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);

    size_t decisions = 0, gate_decisions = 0;
    uint64_t last_seq = 0;
    for (size_t i = 0; i < h->n_records; i++) {
        const char *rec = h->records[i];
        size_t n = strlen(rec);
        assert_true(rt_json_valid(rec, n));
        /* Every record: a sequence number, the time and a type. */
        assert_true(rt_num(rec, "seq") == (double)(last_seq + 1));
        last_seq++;
        assert_false(isnan(rt_num(rec, "time_ms")));
        const char *type = rt_str(rec, "type");
        assert_non_null(type);
        if (strcmp(type, "decision") != 0)
            continue;
        decisions++;
        const char *decision = rt_str(rec, "decision");
        assert_non_null(decision);
        assert_non_null(rt_member(rec, n, "rationale", NULL));
        assert_non_null(rt_str(rec, "rationale"));
        assert_true(strlen(rt_str(rec, "rationale")) > 0);
        assert_non_null(rt_member(rec, n, "owner", NULL));
        if (!rt_str(rec, "decided_by") || strcmp(rt_str(rec, "decided_by"), "gate") != 0)
            continue;
        gate_decisions++;
        /* Gate decisions: the service, its step, its weights and the gate. */
        const char *svc = rt_str(rec, "service");
        assert_non_null(svc);
        assert_non_null(rt_member(rec, n, "step", NULL));
        size_t wl;
        const char *w = rt_member(rec, n, "weights", &wl);
        assert_non_null(w);
        char *weights = strndup(w, wl);
        assert_false(isnan(rt_num(weights, "baseline")));
        assert_false(isnan(rt_num(weights, "candidate")));
        assert_true(rt_num(weights, "baseline") + rt_num(weights, "candidate") == 10000);
        free(weights);
        size_t gl;
        const char *g = rt_member(rec, n, "gates", &gl);
        assert_non_null(g);
        assert_true(g[0] == '[' && g[1] == '{');
        char *gate = strndup(g + 1, gl - 2);
        assert_non_null(rt_str(gate, "gate"));
        assert_non_null(rt_str(gate, "phase"));
        assert_non_null(rt_member(gate, strlen(gate), "metric", NULL));
        assert_non_null(rt_member(gate, strlen(gate), "value", NULL));
        free(gate);
        char *owner = rt_fmt("team-%s", svc);
        assert_string_equal(rt_str(rec, "owner"), owner);
        free(owner);
    }
    assert_true(decisions >= gate_decisions + 2);
    assert_true(gate_decisions >= 3);
    assert_int_equal(convoy_state_decisions(ST(h)), decisions);

    /* The failing decision in detail. */
    long rb = rt_find(h, 0, "decision", "rollback", "b");
    assert_true(rb >= 0);
    const char *rec = h->records[rb];
    assert_true(rt_num(rec, "time_ms") == 1 * MIN);
    assert_true(rt_num(rec, "step") == 2);
    assert_string_equal(rt_str(rec, "owner"), "team-b");
    assert_non_null(strstr(rec, "\"metric\":\"error-rate\""));
    assert_non_null(strstr(rec, "\"value\":0.2"));
    assert_non_null(strstr(rec, "\"phase\":\"Failed\""));
    assert_non_null(strstr(rec, "\"rollback_order\":[\"c\",\"b\"]"));
    assert_non_null(strstr(rt_str(rec, "rationale"), "error-rate"));
    rt_free(h);
}

/* ---- secrets ------------------------------------------------------------------------------ */

#define SECRET "s3cr3t-Bearer-7f2c91d0aa"

static int secret_webhook(harness *h, int kind, const convoy_action *a)
{
    if (kind != CONVOY_ACTION_WEBHOOK)
        return 2;
    /* A host resolves {"env": VAR} itself; the engine hands it the
     * reference only. */
    const char *json = convoy_action_webhook_json(a);
    assert_non_null(json);
    assert_null(strstr(json, SECRET));
    assert_non_null(strstr(json, "CONVOY_TEST_WEBHOOK_TOKEN"));
    const char *value = getenv("CONVOY_TEST_WEBHOOK_TOKEN");
    assert_non_null(value);
    assert_string_equal(value, SECRET);
    int *fail = h->user;
    /* Fails (once per run) when asked to. */
    if (*fail && strcmp(convoy_action_webhook_type(a), "pre-rollout") == 0) {
        *fail = 0;
        return CONVOY_E_IO;
    }
    return CONVOY_OK;
}

static void no_secrets_in_log(void **state)
{
    (void)state;
    setenv("CONVOY_TEST_WEBHOOK_TOKEN", SECRET, 1);
    static const char plan[] =
        "{\"name\": \"secret\", \"services\": ["
        " {\"name\": \"api\", \"owner\": \"api-team\","
        "  \"webhooks\": [{\"name\": \"pre\", \"url\": \"https://hooks.example.com/pre\", \"type\": \"pre-rollout\","
        "                  \"headers\": {\"Authorization\": {\"env\": \"CONVOY_TEST_WEBHOOK_TOKEN\"}}}],"
        "  \"steps\": [{\"set_weight\": 10},"
        "   {\"webhook\": {\"name\": \"smoke\", \"url\": \"https://hooks.example.com/smoke\","
        "     \"headers\": {\"Authorization\": {\"env\": \"CONVOY_TEST_WEBHOOK_TOKEN\"},"
        "                   \"X-Api-Key\": {\"env\": \"CONVOY_TEST_WEBHOOK_TOKEN\"}},"
        "     \"metadata\": {\"cmd\": \"check\"}}},"
        "   {\"set_weight\": 50}]}]}";
    for (int fail = 0; fail < 2; fail++) {
        char *state_path = rt_fmt("%s/state.json", tmpdir);
        char *log_path = rt_fmt("%s/log.jsonl", tmpdir);
        unlink(state_path);
        unlink(log_path);
        harness *h = rt_harness();
        int fail_flag = fail;
        rt_init(h, plan, NULL);
        h->override = secret_webhook;
        h->user = &fail_flag;
        h->opts.state_path = state_path;
        h->opts.log_path = log_path;
        rt_open(h);
        int status = rt_run(h);
        assert_int_equal(status, fail ? CONVOY_ROLLOUT_ROLLED_BACK : CONVOY_ROLLOUT_PROMOTED);
        assert_true(rt_calls(h, CONVOY_ACTION_WEBHOOK, SIZE_MAX) >= (fail ? 1u : 2u));
        for (size_t i = 0; i < h->n_records; i++)
            if (strstr(h->records[i], SECRET))
                fail_msg("record %zu holds the secret: %s", i, h->records[i]);
        char *log = rt_slurp(log_path, NULL);
        char *saved = rt_slurp(state_path, NULL);
        assert_non_null(log);
        assert_non_null(saved);
        assert_null(strstr(log, SECRET));
        assert_null(strstr(saved, SECRET));
        if (fail) {
            long rb = rt_find(h, 0, "decision", "rollback", "api");
            assert_true(rb >= 0);
            assert_non_null(strstr(h->records[rb], "pre"));
        } else {
            assert_int_equal(rt_count(h, "detail", "smoke", "api"), 1);
        }
        free(log);
        free(saved);
        rt_free(h);
        unlink(state_path);
        unlink(log_path);
        free(state_path);
        free(log_path);
    }
    unsetenv("CONVOY_TEST_WEBHOOK_TOKEN");
}

/* ---- engine argument errors --------------------------------------------------------------- */

static void engine_arguments(void **state)
{
    (void)state;
    convoy_plan *plan = rt_plan("{\"name\": \"x\", \"services\": [{\"name\": \"a\"}]}");
    convoy_rollout *r = (convoy_rollout *)plan;
    assert_int_equal(convoy_rollout_new(NULL, plan, NULL, NULL, NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_rollout_new(&r, NULL, NULL, NULL, NULL), CONVOY_E_INVALID_ARG);
    assert_null(r);
    convoy_backend be = CONVOY_BACKEND_INIT;
    be.version = 99;
    assert_int_equal(convoy_rollout_new(&r, plan, &be, NULL, NULL), CONVOY_E_VERSION);
    convoy_rollout_options o = CONVOY_ROLLOUT_OPTIONS_INIT;
    o.version = 0;
    assert_int_equal(convoy_rollout_new(&r, plan, NULL, NULL, &o), CONVOY_E_VERSION);
    assert_int_equal(convoy_rollout_options_init(&o, 2), CONVOY_E_VERSION);
    assert_int_equal(convoy_backend_init(&be, 0), CONVOY_E_VERSION);
    /* No backend at all: every action succeeds at once. */
    assert_int_equal(convoy_rollout_new(&r, plan, NULL, NULL, NULL), CONVOY_OK);
    assert_int_equal(convoy_rollout_tick(r, 5), CONVOY_ROLLOUT_PROMOTED);
    /* Time never goes back. */
    assert_int_equal(convoy_rollout_tick(r, 1), CONVOY_ROLLOUT_PROMOTED);
    assert_true(convoy_state_now_ms(convoy_rollout_state(r)) == 5);
    convoy_rollout_free(r);
    convoy_rollout_free(NULL);
    assert_int_equal(convoy_rollout_tick(NULL, 0), CONVOY_E_INVALID_ARG);
    assert_true(convoy_rollout_next_due(NULL) == UINT64_MAX);
    assert_null(convoy_rollout_state(NULL));
    assert_int_equal(convoy_rollout_status(NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_rollout_pause(NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_rollout_resume(NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_rollout_retry(NULL, 0), CONVOY_E_INVALID_ARG);
    assert_string_equal(convoy_rollout_status_name(CONVOY_ROLLOUT_ABORTED), "aborted");
    assert_null(convoy_rollout_status_name(6));
    assert_string_equal(convoy_service_state_name(CONVOY_SERVICE_ROLLED_BACK), "rolled_back");
    assert_null(convoy_service_state_name(8));
    rt_plan_free(plan);
}

/* ---- reproducers of reported engine problems ----------------------------- */

/* Manual mode with time_to_remediate: once a held service is past it, the
 * decision is a HOLD (manual), which must be taken once, not at every pass
 * of every tick. */
static void manual_hold_past_time_to_remediate(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h,
            "{\"name\": \"manual\", " ANALYSES("0") ", \"services\": ["
            " {\"name\": \"a\", \"steps\": [{\"set_weight\": 10}, {\"analysis\": \"errors\"}]}],"
            " \"rollback\": {\"mode\": \"manual\"}, \"failure_budget\": {\"time_to_remediate\": \"5m\"}}",
            "{\"metrics\": {\"a\": {\"candidate\": {\"error-rate\": [[0, 0.2]]}}}}");
    rt_open(h);
    rt_run_until(h, 0, 10);
    rt_tick(h, 20 * MIN);
    assert_status(h, CONVOY_ROLLOUT_HELD);
    assert_state(h, "a", CONVOY_SERVICE_HELD);
    uint64_t decisions = convoy_state_decisions(ST(h));
    if (decisions > 10)
        fail_msg("%llu decisions (%zu log records) for one held service",
                 (unsigned long long)decisions, h->n_records);
    assert_int_equal(rt_calls(h, CONVOY_ACTION_REVERT, SIZE_MAX), 0);
    rt_free(h);
}

/* Scope all rolls back "the whole convoy": a service that had not started
 * yet (waiting for a max_parallel slot) must not start afterwards. */
static void scope_all_stops_the_convoy(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h,
            "{\"name\": \"all\", \"max_parallel\": 1, " ANALYSES("0") ", \"services\": ["
            " {\"name\": \"a\", \"steps\": [{\"set_weight\": 10}, {\"analysis\": \"errors\"}]},"
            " {\"name\": \"b\", \"steps\": [{\"set_weight\": 10}]}],"
            " \"rollback\": {\"scope\": \"all\"}}",
            "{\"metrics\": {\"a\": {\"candidate\": {\"error-rate\": [[0, 0.2]]}}}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_state(h, "a", CONVOY_SERVICE_ROLLED_BACK);
    if (convoy_state_service_touched(ST(h), rt_index(h->plan, "b")))
        fail_msg("b was deployed after a rollback of scope all (b is %s)",
                 convoy_service_state_name(svc_state(h, "b")));
    rt_free(h);
}

/* Within the failure budget the gate "runs again": on its schedule, not at
 * the same instant against the same data, which spends the whole budget in
 * one tick. Here error-rate is bad for 90s and measured every minute. */
static void failure_budget_reevaluates_later(void **state)
{
    (void)state;
    harness *h = rt_harness();
    char *json = budget_json("0");
    rt_init(h, json, "{\"metrics\": {\"api\": {\"candidate\": {\"error-rate\": [[0, 0.2], [90, 0.001]]}}}}");
    free(json);
    rt_open(h);
    int status = rt_run(h);
    long first = rt_find(h, 0, "decision", "continue", "api");
    assert_true(first >= 0);
    long second = rt_find(h, (size_t)first + 1, "decision", "continue", "api");
    if (second >= 0 && rt_num(h->records[second], "time_ms") == rt_num(h->records[first], "time_ms"))
        fail_msg("failed evaluations %g and %g at the same time %g ms (status %s)",
                 rt_num(h->records[first], "failed_evaluations"),
                 rt_num(h->records[second], "failed_evaluations"),
                 rt_num(h->records[first], "time_ms"), convoy_rollout_status_name(status));
    assert_int_equal(status, CONVOY_ROLLOUT_PROMOTED);
    rt_free(h);
}

/* After convoy_rollout_new resumes a saved state, next_due must not say
 * "nothing will happen" (UINT64_MAX) while a pause is running. */
static void next_due_after_resume(void **state)
{
    (void)state;
    char *state_path = rt_defer(free, rt_fmt("%s/state.json", tmpdir));
    unlink(state_path);
    harness *h = rt_harness();
    rt_init(h, "{\"name\": \"p\", \"services\": [{\"name\": \"a\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"5m\"}]}]}",
            NULL);
    h->opts.state_path = state_path;
    rt_open(h);
    rt_tick(h, 0);
    assert_true(convoy_rollout_next_due(h->r) == 5 * MIN);
    rt_close(h);
    rt_open(h);
    uint64_t due = convoy_rollout_next_due(h->r);
    if (due == UINT64_MAX)
        fail_msg("next_due is UINT64_MAX after resuming, with a pause due at 5m");
    rt_free(h);
    unlink(state_path);
}

/* ---- background analysis ---------------------------------------------------------- */

static const char BACKGROUND_PLAN[] =
    "{\"name\": \"bg\", \"analyses\": {\"errors\": {\"metrics\": [{\"name\": \"error-rate\","
    " \"provider\": {\"prometheus\": {\"query\": \"q\"}}, \"interval\": \"1m\","
    " \"success\": \"<0.01\", \"failure\": \">=0.05\"}]}},"
    " \"services\": [{\"name\": \"api\", \"owner\": \"team-api\", \"background_analysis\": \"errors\","
    "   \"steps\": [{\"set_weight\": 10}, {\"pause\": \"5m\"}, {\"set_weight\": 50}, {\"pause\": \"5m\"}]}]}";

/* A background analysis is measured across the steps (Argo's background
 * analysis): every minute while the service runs its steps, and a failure
 * in the middle of a pause rolls back. */
static void background_analysis(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h, BACKGROUND_PLAN, NULL);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    /* Measured at 0, 60, ..., 540 s: ten values across both pauses. */
    size_t measured = 0;
    for (size_t k = 0; k < h->n_records; k++)
        measured += strstr(h->records[k], "\"action\":\"query-metric\"") != NULL;
    if (measured < 9)
        fail_msg("%zu background measurements over a 10-minute rollout", measured);
    rt_free(h);

    h = rt_harness();
    rt_init(h, BACKGROUND_PLAN,
            "{\"metrics\": {\"api\": {\"candidate\": {\"error-rate\": [[0, 0.001], [400, 0.2]]}}}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    long rb = rt_find(h, 0, "decision", "rollback", "api");
    assert_true(rb >= 0);
    assert_non_null(strstr(h->records[rb], "\"gate\":\"background\""));
    assert_true(rt_num(h->records[rb], "time_ms") == 420000);
    assert_state(h, "api", CONVOY_SERVICE_ROLLED_BACK);
    rt_free(h);
}

/* Flagger's event webhooks are called at every decision about the service;
 * post-rollout once it is promoted. */
static void event_webhooks(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h,
            "{\"name\": \"ev\", \"analyses\": {\"errors\": {\"metrics\": [{\"name\": \"error-rate\","
            " \"provider\": {\"prometheus\": {\"query\": \"q\"}}, \"success\": \"<0.01\"}]}},"
            " \"services\": [{\"name\": \"api\", \"webhooks\": ["
            "  {\"name\": \"audit\", \"url\": \"http://127.0.0.1:1/\", \"type\": \"event\"},"
            "  {\"name\": \"after\", \"url\": \"http://127.0.0.1:1/\", \"type\": \"post-rollout\"}],"
            " \"steps\": [{\"set_weight\": 10}, {\"analysis\": \"errors\"}, {\"set_weight\": 50},"
            "             {\"analysis\": \"errors\"}]}]}",
            NULL);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    /* Two analyses, two decisions: two event calls, one post-rollout call. */
    assert_int_equal(convoy_state_decisions(ST(h)), 2);
    assert_int_equal(rt_calls(h, CONVOY_ACTION_WEBHOOK, rt_index(h->plan, "api")), 3);
    rt_free(h);
}

/* ---- rollback webhooks (Flagger) ------------------------------------------ */

#define ROLLBACK_HOOK_PLAN(scope)                                                          \
    "{\"name\": \"rh\", " ANALYSES("0") ", \"services\": ["                                \
    " {\"name\": \"api\", \"steps\": [{\"set_weight\": 10}, {\"pause\": \"10m\"},"         \
    "  {\"analysis\": \"errors\"}, {\"set_weight\": 50}, {\"pause\": \"10m\"}]},"          \
    " {\"name\": \"web\", \"depends_on\": [{\"service\": \"api\", \"step\": 0}],"          \
    "  \"interval\": \"2m\", \"step_weight\": 25, \"max_weight\": 50, \"webhooks\": ["     \
    "   {\"name\": \"stop-button\", \"url\": \"http://127.0.0.1:1/\", \"type\": \"rollback\"}]}],"\
    " \"rollback\": {\"scope\": \"" scope "\"},"                                            \
    " \"failure_budget\": {\"max_failed_evaluations\": 5}}"

/* Healthy, nobody presses the button: the hooks are asked every interval
 * (web's Flagger interval, 2m) while web runs its steps, never after. */
static void rollback_webhooks_asked_every_interval(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h, ROLLBACK_HOOK_PLAN("service"), NULL);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    size_t web = rt_index(h->plan, "web");
    uint64_t first = UINT64_MAX, last = 0, prev = 0;
    size_t n = 0;
    for (size_t i = 0; i < h->n_calls; i++) {
        const rt_call *c = &h->calls[i];
        if (c->kind != CONVOY_ACTION_WEBHOOK || c->service != web)
            continue;
        /* The simulator answers "no rollback" without a request. */
        assert_int_equal(c->rc, CONVOY_PENDING);
        if (n && c->now_ms - prev < 2 * MIN)
            fail_msg("rollback webhook asked at %llu ms, %llu ms after the last time",
                     (unsigned long long)c->now_ms, (unsigned long long)(c->now_ms - prev));
        prev = c->now_ms;
        first = n ? first : c->now_ms;
        last = c->now_ms;
        n++;
    }
    /* web: 25% 2m, 50% 2m, so asked at its start, 2m and 4m in (and the
     * tick that promotes it does not ask again). */
    assert_true(n >= 2);
    assert_true(last - first >= 2 * MIN);
    assert_int_equal(rt_count(h, "gate", "rollback-webhook", NULL), 0);
    rt_free(h);
}

/* A rollback webhook that answers CONVOY_OK asks for a rollback: the
 * service fails at once, outside the failure budget of 5, and its
 * dependency-ordered scope is rolled back. */
static int press_stop_button(harness *h, int kind, const convoy_action *a)
{
    (void)h;
    if (kind == CONVOY_ACTION_WEBHOOK && strcmp(convoy_action_webhook_type(a), "rollback") == 0 &&
        convoy_action_now_ms(a) >= 3 * MIN)
        return CONVOY_OK;
    return 2;
}

static void rollback_webhook_requests_rollback(void **state)
{
    (void)state;
    harness *h = rt_harness();
    rt_init(h, ROLLBACK_HOOK_PLAN("service"), NULL);
    h->override = press_stop_button;
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_state(h, "web", CONVOY_SERVICE_ROLLED_BACK);
    assert_state(h, "api", CONVOY_SERVICE_PROMOTED);
    long i = rt_find(h, 0, "decision", "rollback", "web");
    assert_true(i >= 0);
    assert_non_null(strstr(h->records[i], "\"gate\":\"rollback-webhook\""));
    assert_non_null(strstr(h->records[i], "stop-button"));
    assert_true(rt_num(h->records[i], "time_ms") >= 3 * MIN);
    assert_true(rt_num(h->records[i], "time_ms") < 6 * MIN);
    assert_int_equal(convoy_state_failed_evaluations(ST(h)), 1);
    rt_free(h);

    /* The same through the simulator's scenario, and scope dependents:
     * web depends on api, so a request from api's hook... here web has
     * the hook and no dependents: only web. A request at 200s. */
    h = rt_harness();
    rt_init(h, ROLLBACK_HOOK_PLAN("dependents"),
            "{\"actions\": {\"request_rollback\": [{\"service\": \"web\", \"at\": 200}]}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_state(h, "web", CONVOY_SERVICE_ROLLED_BACK);
    assert_state(h, "api", CONVOY_SERVICE_PROMOTED);
    i = rt_find(h, 0, "decision", "rollback", "web");
    assert_true(i >= 0);
    assert_true(rt_num(h->records[i], "time_ms") >= 200000);
    assert_true(rt_num(h->records[i], "time_ms") <= 200000 + 2 * MIN);
    rt_free(h);
}

/* Crash-safety: the next time to ask is part of the saved state, so a
 * rollout reopened from its state asks on the same schedule. */
static void rollback_webhook_schedule_survives_resume(void **state)
{
    (void)state;
    char path[] = "/tmp/convoy-rh-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    harness *h = rt_harness();
    rt_init(h, ROLLBACK_HOOK_PLAN("service"), NULL);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    size_t straight = rt_calls(h, CONVOY_ACTION_WEBHOOK, rt_index(h->plan, "web"));
    rt_free(h);

    h = rt_harness();
    rt_init(h, ROLLBACK_HOOK_PLAN("service"), NULL);
    h->opts.state_path = path;
    rt_open(h);
    size_t calls = 0;
    while (!rt_finished(h->status) || !h->ticks) {
        rt_tick(h, h->now);
        uint64_t next = convoy_rollout_next_due(h->r);
        if (rt_finished(h->status) || next == UINT64_MAX)
            break;
        h->now = next;
        /* Reopen from the saved state before every tick. */
        calls += rt_calls(h, CONVOY_ACTION_WEBHOOK, rt_index(h->plan, "web"));
        h->n_calls = 0;
        rt_close(h);
        rt_open(h);
    }
    calls += rt_calls(h, CONVOY_ACTION_WEBHOOK, rt_index(h->plan, "web"));
    assert_int_equal(h->status, CONVOY_ROLLOUT_PROMOTED);
    assert_int_equal(calls, straight);
    rt_free(h);
    unlink(path);
}

/* ---- manual mode: the operator carries out the rollback ------------------ */

static void operator_rollback_in_manual_mode(void **state)
{
    (void)state;
    harness *h = rt_harness();
    char *bad = bad_metric("c", 0.2, 0);
    start(h, "\"mode\": \"manual\", \"scope\": \"dependents\"", "", bad);
    free(bad);
    rt_run_until(h, 0, 1000);
    assert_status(h, CONVOY_ROLLOUT_HELD);
    assert_state(h, "c", CONVOY_SERVICE_HELD);
    assert_int_equal(rt_calls(h, CONVOY_ACTION_REVERT, SIZE_MAX), 0);
    /* The held decision names the set the operator would roll back. */
    long i = rt_find(h, 0, "decision", "hold", "c");
    assert_true(i >= 0);
    assert_non_null(strstr(h->records[i], "holding for an operator to roll back"));

    /* Arguments and states that cannot be rolled back. */
    assert_int_equal(convoy_rollout_rollback(NULL, 0), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_rollout_rollback(h->r, 99), CONVOY_E_INVALID_ARG);
    size_t e = rt_index(h->plan, "e");
    assert_false(convoy_state_service_touched(ST(h), e));
    assert_int_equal(convoy_rollout_rollback(h->r, e), CONVOY_E_INVALID);

    /* SIZE_MAX: every held service, in one reverse dependency order. */
    assert_int_equal(convoy_rollout_rollback(h->r, SIZE_MAX), CONVOY_OK);
    long op = rt_find(h, 0, "decision", "rollback", NULL);
    assert_true(op >= 0);
    assert_string_equal(rt_str(h->records[op], "decided_by"), "operator");
    assert_non_null(strstr(rt_str(h->records[op], "rationale"), "rolled back by an operator: c"));
    assert_int_equal(convoy_rollout_rollback(h->r, SIZE_MAX), CONVOY_E_INVALID); /* none held */
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_state(h, "c", CONVOY_SERVICE_ROLLED_BACK);
    /* e (c's dependent) was never deployed: left alone; a, b, d promoted. */
    assert_state(h, "e", CONVOY_SERVICE_PENDING);
    assert_state(h, "a", CONVOY_SERVICE_PROMOTED);
    assert_int_equal(rt_calls(h, CONVOY_ACTION_REVERT, SIZE_MAX), 1);
    assert_int_equal(convoy_rollout_rollback(h->r, SIZE_MAX), CONVOY_E_INVALID); /* finished */
    rt_free(h);
}

/* An operator may also roll back a live service in automatic mode: its
 * scope (dependents) is rolled back, dependents first. */
static void operator_rollback_of_a_live_service(void **state)
{
    (void)state;
    harness *h = rt_harness();
    start(h, "\"scope\": \"dependents\"", "", NULL);
    /* Run until b and c are both deployed. */
    size_t b = rt_index(h->plan, "b"), c = rt_index(h->plan, "c");
    for (int k = 0; k < 200 && !convoy_state_service_touched(ST(h), c); k++) {
        rt_tick(h, h->now);
        h->now = convoy_rollout_next_due(h->r);
    }
    assert_true(convoy_state_service_touched(ST(h), c));
    assert_int_equal(convoy_rollout_rollback(h->r, b), CONVOY_OK);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_string_equal(rolled_back_order(h), "c,b");
    assert_state(h, "a", CONVOY_SERVICE_PROMOTED);
    assert_int_equal(convoy_rollout_rollback(h->r, b), CONVOY_E_INVALID);
    rt_free(h);
}

/* max_burn_rate, end to end: a failure budget of 3 would allow three
 * failed analyses, but they come early: a's first analysis is step 3 of a
 * 12-step release, so the first failure burns at (1/3)/(3/12) = 1.33x (under
 * 1.5x: runs again) and the second at 2.67x: rolled back. */
static void burn_rate_rolls_back_early(void **state)
{
    (void)state;
    static const char plan[] =
        "{\"name\": \"burn\", " ANALYSES("0") ", \"services\": ["
        " {\"name\": \"a\", \"steps\": [{\"set_weight\": 20}, {\"pause\": \"1m\"},"
        "  {\"analysis\": \"errors\"}, {\"set_weight\": 50}, {\"pause\": \"1m\"},"
        "  {\"analysis\": \"errors\"}]},"
        " {\"name\": \"b\", \"depends_on\": [\"a\"], \"steps\": [{\"set_weight\": 20},"
        "  {\"pause\": \"1m\"}, {\"analysis\": \"errors\"}, {\"set_weight\": 50},"
        "  {\"pause\": \"1m\"}, {\"analysis\": \"errors\"}]}],"
        " \"failure_budget\": {\"max_failed_evaluations\": 3, \"max_burn_rate\": %s}}";
    char *bad = bad_metric("a", 0.2, 0);
    char *json = rt_fmt(plan, "1.5");
    harness *h = rt_harness();
    rt_init(h, json, bad);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_int_equal(convoy_state_failed_evaluations(ST(h)), 2);
    long i = rt_find(h, 0, "decision", "continue", "a");
    assert_true(i >= 0);
    assert_true(fabs(rt_num(h->records[i], "burn_rate") - 4.0 / 3.0) < 1e-9);
    i = rt_find(h, 0, "decision", "rollback", "a");
    assert_true(i >= 0);
    assert_true(fabs(rt_num(h->records[i], "burn_rate") - 8.0 / 3.0) < 1e-9);
    assert_non_null(strstr(rt_str(h->records[i], "rationale"), "above max_burn_rate 1.5x"));
    rt_free(h);
    free(json);

    /* A generous limit: the budget is spent first (4 failures). */
    json = rt_fmt(plan, "100");
    h = rt_harness();
    rt_init(h, json, bad);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    assert_int_equal(convoy_state_failed_evaluations(ST(h)), 4);
    assert_int_equal(rt_count(h, "decision", "continue", "a"), 3);
    rt_free(h);
    free(json);
    free(bad);
}

/* A judge analysis (Kayenta): identical samples pass; a candidate twice as
 * slow as the baseline fails its rounds and rolls back. */
static void judge_analysis(void **state)
{
    (void)state;
    static const char PLAN[] =
        "{\"name\": \"judged\", \"analyses\": {\"latency\": {\"judge\": {\"pass\": 90, \"marginal\": 50,"
        " \"groups\": {\"speed\": 100}, \"interval\": \"1m\", \"count\": 3},"
        " \"metrics\": [{\"name\": \"p99\", \"provider\": {\"prometheus\": {\"query\": \"q\"}},"
        " \"groups\": [\"speed\"], \"direction\": \"increase\"}]}},"
        " \"services\": [{\"name\": \"api\", \"steps\": [{\"set_weight\": 20}, {\"analysis\": \"latency\"},"
        " {\"set_weight\": 60}]}]}";
    harness *h = rt_harness();
    rt_init(h, PLAN, NULL);
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    rt_free(h);

    h = rt_harness();
    rt_init(h, PLAN,
            "{\"metrics\": {\"api\": {\"baseline\": {\"p99\": [[0, 0.2]]},"
            " \"candidate\": {\"p99\": [[0, 0.4]]}}}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    long rb = rt_find(h, 0, "decision", "rollback", "api");
    assert_true(rb >= 0);
    assert_non_null(strstr(h->records[rb], "\"metric\":\"score\""));
    rt_free(h);
}

/* The history store: a promoted release records its metric means; a later
 * release's relative criterion ("<=+10%") is judged against them. */
static void history_feeds_relative_criteria(void **state)
{
    (void)state;
    char *history = rt_fmt("%s/history.jsonl", tmpdir);
    unlink(history);
    static const char FMT[] =
        "{\"name\": \"%s\", \"analyses\": {\"errors\": {\"metrics\": [{\"name\": \"latency\","
        " \"provider\": {\"prometheus\": {\"query\": \"q\"}}, \"success\": [\"<=1\", \"<=+10%%\"]}]}},"
        " \"services\": [{\"name\": \"api\", \"steps\": [{\"set_weight\": 20}, {\"analysis\": \"errors\"}]}]}";
    char *plan1 = rt_fmt(FMT, "release-1"), *plan2 = rt_fmt(FMT, "release-2");
    harness *h = rt_harness();
    rt_init(h, plan1, "{\"metrics\": {\"api\": {\"candidate\": {\"latency\": [[0, 0.5]]}}}}");
    h->opts.history_path = history;
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    rt_free(h);
    FILE *f = fopen(history, "r");
    assert_non_null(f);
    char line[512] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_non_null(strstr(line, "\"outcome\":\"promoted\""));
    assert_non_null(strstr(line, "\"latency\":{\"mean\":0.5"));

    /* 0.6 passes "<=1" but is 20 % above release-1's 0.5. */
    h = rt_harness();
    rt_init(h, plan2, "{\"metrics\": {\"api\": {\"candidate\": {\"latency\": [[0, 0.6]]}}}}");
    h->opts.history_path = history;
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_ROLLED_BACK);
    rt_free(h);
    /* Without the history, the relative criterion has nothing to compare
     * with and passes (Keptn). */
    h = rt_harness();
    rt_init(h, plan2, "{\"metrics\": {\"api\": {\"candidate\": {\"latency\": [[0, 0.6]]}}}}");
    rt_open(h);
    assert_int_equal(rt_run(h), CONVOY_ROLLOUT_PROMOTED);
    rt_free(h);
    free(plan1);
    free(plan2);
    free(history);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        RT_TEST(all_healthy),
        RT_TEST(failing_service_each_scope),
        RT_TEST(rollback_respects_dependencies),
        RT_TEST(failure_budget),
        RT_TEST(inconclusive_holds),
        RT_TEST(held_past_time_to_remediate),
        RT_TEST(approval_timeout),
        RT_TEST(deploy_retries),
        RT_TEST(retry_attempts_are_tries),
        RT_TEST(revert_failure_aborts),
        RT_TEST(pause_resume),
        RT_TEST(promote_now),
        RT_TEST(abort_reverts_touched),
        RT_TEST(abort_order_matches_rollback_order),
        RT_TEST(retry_after_abort),
        RT_TEST(retry_after_rollback),
        RT_TEST(cohort_lockstep),
        RT_TEST(cohort_lockstep_slow_member),
        RT_TEST(max_parallel),
        RT_TEST(save_resume),
        RT_TEST(log_records),
        RT_TEST(no_secrets_in_log),
        RT_TEST(engine_arguments),
        RT_TEST(manual_hold_past_time_to_remediate),
        RT_TEST(rollback_webhooks_asked_every_interval),
        RT_TEST(rollback_webhook_requests_rollback),
        RT_TEST(rollback_webhook_schedule_survives_resume),
        RT_TEST(operator_rollback_in_manual_mode),
        RT_TEST(operator_rollback_of_a_live_service),
        RT_TEST(burn_rate_rolls_back_early),
        RT_TEST(scope_all_stops_the_convoy),
        RT_TEST(failure_budget_reevaluates_later),
        RT_TEST(next_due_after_resume),
        RT_TEST(background_analysis),
        RT_TEST(event_webhooks),
        RT_TEST(judge_analysis),
        RT_TEST(history_feeds_relative_criteria),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
