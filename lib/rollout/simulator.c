/* The simulated backend: a world described by a scenario, answered through
 * the ordinary callback table. Every answer is a pure function of the
 * scenario, the plan and the action (time, attempt, step), never of earlier
 * calls, so a rollout resumed after a crash meets exactly the world an
 * uninterrupted one would have. */
#include <convoy/backend.h>
#include <convoy/gate.h>
#include <convoy/traffic.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "plan/criterion.h"
#include "scenario.h"

struct convoy_simulator {
    const convoy_plan *plan;
    convoy__scenario sc;
    /* The healthy value of each of the plan's metrics, found once when the
     * simulator is made (the search measures dozens of candidates, and
     * every query would find the same value), so the simulator stays
     * immutable. Slots follow the plan's analyses and their metrics. */
    double *healthy;
    size_t n_healthy;
};

/* What a "fail" entry makes a callback return. An action that fails talks
 * to the outside world (a deploy API, a proxy, a webhook endpoint), and
 * CONVOY_E_IO is the code for "the outside world did not do it": retryable,
 * never confused with a programming error such as CONVOY_E_INVALID_ARG. */
#define SIMULATED_FAILURE CONVOY_E_IO

/* Judge samples: the value scaled by 1 + k/100 for these k. Each of -7..7
 * appears once per half, so the sample's mean is the value itself, and the
 * order is mixed so no prefix of the sample is sorted. */
#define JUDGE_SAMPLE 30
static const signed char SPREAD[JUDGE_SAMPLE] = {0, 3, -2, 5, -4, 1, -6, 7, -1, 2,
                                                 -5, 4, -3, 6, -7, 0, 3, -2, 5, -4,
                                                 1, -6, 7, -1, 2, -5, 4, -3, 6, -7};

/* ---- helpers ----------------------------------------------------------- */

/* The service's index in the simulator's plan. The engine passes services
 * of that plan; one from another copy of the plan is matched by name, and
 * one the plan lacks gets no scenario entries (a healthy world). */
static size_t service_slot(const convoy_simulator *sim, const convoy_service *svc)
{
    size_t i = convoy_service_index(svc);
    if (convoy_plan_service(sim->plan, i) == svc)
        return i;
    const convoy_service *same = convoy_plan_service_by_name(sim->plan, convoy_service_name(svc));
    return same ? convoy_service_index(same) : SIZE_MAX;
}

/* The analysis a metric belongs to: first among those the service runs,
 * then among all of the plan's (a metric is one object of one analysis, so
 * the first hit is the only one). */
static const convoy_analysis *owning_analysis(const convoy_plan *plan, const convoy_service *svc,
                                              const convoy_metric *m)
{
    for (size_t i = 0; svc && i < convoy_service_step_count(svc); i++) {
        const convoy_analysis *an = convoy_step_analysis(convoy_service_step(svc, i));
        for (size_t k = 0; an && k < convoy_analysis_metric_count(an); k++)
            if (convoy_analysis_metric(an, k) == m)
                return an;
    }
    for (size_t i = 0; i < convoy_plan_analysis_count(plan); i++) {
        const convoy_analysis *an = convoy_plan_analysis(plan, i);
        for (size_t k = 0; k < convoy_analysis_metric_count(an); k++)
            if (convoy_analysis_metric(an, k) == m)
                return an;
    }
    return NULL;
}

/* ---- the healthy value ------------------------------------------------- */

typedef struct search {
    const convoy_metric_gate *gate;
    double found;           /* first Successful candidate */
    double fallback;        /* first candidate that is not Failed */
    double first;           /* first candidate at all */
    int have_found, have_fallback, have_first;
} search;

/* Returns 1 once a Successful value is found (the search stops there). */
static int try_value(search *s, double v)
{
    int outcome;
    if (!isfinite(v))
        return 0;
    if (!s->have_first) {
        s->first = v;
        s->have_first = 1;
    }
    if (convoy_measure(&outcome, s->gate, 1, v, NAN) != CONVOY_OK)
        return 0;
    if (outcome == CONVOY_MEASURE_SUCCESSFUL) {
        s->found = v;
        s->have_found = 1;
        return 1;
    }
    if (outcome != CONVOY_MEASURE_FAILED && !s->have_fallback) {
        s->fallback = v;
        s->have_fallback = 1;
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static size_t add_thresholds(double *out, size_t n, const char *const *criteria, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        convoy__criterion c;
        size_t pos;
        const char *why;
        /* Relative criteria compare with earlier results; the simulator
         * checks with no aggregate (they pass), so only absolute ones bound
         * the value. */
        if (convoy__criterion_parse(&c, &pos, &why, criteria[i]) == 0 &&
            c.relative == CONVOY__REL_ABSOLUTE && isfinite(c.value))
            out[n++] = c.value;
    }
    return n;
}

/*
 * A value the metric's own gate calls Successful with no earlier results.
 * Candidates, in this order, the first Successful one wins:
 *   1. the middle of min and max, when both are set;
 *   2. for each absolute threshold t (success criteria, failure criteria,
 *      min, max, as written): t/2, 0.9t, t, 1.1t, t-1, t+1;
 *   3. the midpoints between consecutive distinct thresholds, ascending;
 *   4. 1, then 0 (a metric without absolute thresholds, e.g. a judge's).
 * With absolute criteria the success set and the failure set are each an
 * interval bounded by thresholds, so one of these candidates lies in
 * "success but not failure" whenever that set is not empty: the search is
 * complete, not a heuristic. When no candidate is Successful (the criteria
 * contradict each other) the first one that is not Failed (Inconclusive)
 * is used, else the first candidate.
 */
static int healthy_value(double *out, const convoy_metric *m)
{
    convoy_metric_gate gate;
    int rc = convoy_metric_gate_from_plan(&gate, m);
    if (rc != CONVOY_OK)
        return rc;
    size_t cap = gate.n_success + gate.n_failure + 2;
    double *t = convoy__malloc(cap * sizeof *t);
    if (!t)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory choosing a healthy value");
    size_t n = add_thresholds(t, 0, gate.success, gate.n_success);
    n = add_thresholds(t, n, gate.failure, gate.n_failure);
    if (gate.has_min)
        t[n++] = gate.min;
    if (gate.has_max)
        t[n++] = gate.max;

    search s = {&gate, 0, 0, 0, 0, 0, 0};
    int done = gate.has_min && gate.has_max && try_value(&s, gate.min / 2 + gate.max / 2);
    for (size_t i = 0; !done && i < n; i++) {
        const double around[6] = {t[i] * 0.5, t[i] * 0.9, t[i], t[i] * 1.1, t[i] - 1, t[i] + 1};
        for (size_t k = 0; !done && k < 6; k++)
            done = try_value(&s, around[k]);
    }
    if (!done && n > 1) {
        qsort(t, n, sizeof *t, cmp_double);
        for (size_t i = 0; !done && i + 1 < n; i++)
            if (t[i] != t[i + 1])
                done = try_value(&s, t[i] / 2 + t[i + 1] / 2);
    }
    if (!done && !try_value(&s, 1.0))
        try_value(&s, 0.0);
    convoy__dealloc(t);
    *out = s.have_found ? s.found : s.have_fallback ? s.fallback : s.have_first ? s.first : 0.0;
    return CONVOY_OK;
}

/* The metric's slot in the healthy-value cache, SIZE_MAX when the metric
 * is not one of the simulator's plan (a copy of the plan). */
static size_t healthy_slot(const convoy_simulator *sim, const convoy_metric *m)
{
    size_t slot = 0;
    for (size_t a = 0; a < convoy_plan_analysis_count(sim->plan); a++) {
        const convoy_analysis *an = convoy_plan_analysis(sim->plan, a);
        for (size_t k = 0; k < convoy_analysis_metric_count(an); k++, slot++)
            if (convoy_analysis_metric(an, k) == m)
                return slot < sim->n_healthy ? slot : SIZE_MAX;
    }
    return SIZE_MAX;
}

/* The metric's healthy value: from the table for a metric of the plan,
 * searched for a metric of another copy of the plan. */
static int healthy_value_of(double *out, const convoy_simulator *sim, const convoy_metric *m)
{
    size_t slot = healthy_slot(sim, m);
    if (slot == SIZE_MAX)
        return healthy_value(out, m);
    *out = sim->healthy[slot];
    return CONVOY_OK;
}

static int healthy_table_new(convoy_simulator *sim)
{
    size_t n = 0;
    for (size_t a = 0; a < convoy_plan_analysis_count(sim->plan); a++)
        n += convoy_analysis_metric_count(convoy_plan_analysis(sim->plan, a));
    sim->healthy = convoy__calloc(n ? n : 1, sizeof *sim->healthy);
    if (!sim->healthy)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory creating a simulator");
    size_t slot = 0;
    for (size_t a = 0; a < convoy_plan_analysis_count(sim->plan); a++) {
        const convoy_analysis *an = convoy_plan_analysis(sim->plan, a);
        for (size_t k = 0; k < convoy_analysis_metric_count(an); k++) {
            int rc = healthy_value(&sim->healthy[slot++], convoy_analysis_metric(an, k));
            if (rc != CONVOY_OK)
                return rc;
        }
    }
    sim->n_healthy = n;
    return CONVOY_OK;
}

/* ---- callbacks --------------------------------------------------------- */

/* The scenario's verdict on an action: a simulated failure, CONVOY_PENDING,
 * or CONVOY_OK. */
static int scripted(const convoy_simulator *sim, int kind, const convoy_action *a)
{
    const convoy_service *svc = convoy_action_service(a);
    if (!svc)
        return convoy__fail(CONVOY_E_INVALID_ARG, "simulator: action without a service");
    size_t slot = service_slot(sim, svc);
    uint32_t attempt = convoy_action_attempt(a);
    switch (convoy__scenario_action(&sim->sc, slot, kind, convoy_action_step(a), attempt)) {
    case CONVOY__RULE_FAIL:
        return convoy__fail(SIMULATED_FAILURE,
                            "simulated failure: %s of service \"%.64s\", attempt %u "
                            "(scenario actions.fail)",
                            convoy_action_kind_name(kind), convoy_service_name(svc),
                            (unsigned)attempt);
    case CONVOY__RULE_PENDING:
        return CONVOY_PENDING;
    default:
        return CONVOY_OK;
    }
}

static int act(int kind, const convoy_action *a, void *userdata)
{
    if (!a || !userdata)
        return convoy__fail(CONVOY_E_INVALID_ARG, "simulator: NULL action or userdata");
    return scripted(userdata, kind, a);
}

/* One function per slot: the slot says what was asked, whatever the
 * action's kind field holds. */
static int sim_deploy(const convoy_action *a, void *u) { return act(CONVOY_ACTION_DEPLOY, a, u); }
static int sim_set_weights(const convoy_action *a, void *u) { return act(CONVOY_ACTION_SET_WEIGHTS, a, u); }
static int sim_verify_weights(const convoy_action *a, void *u) { return act(CONVOY_ACTION_VERIFY_WEIGHTS, a, u); }
static int sim_approval(const convoy_action *a, void *u) { return act(CONVOY_ACTION_APPROVAL, a, u); }
/* Rollback webhooks ask for nothing (CONVOY_PENDING) unless the scenario's
 * "request_rollback" says so; a scripted failure is still a failure. */
static int sim_webhook(const convoy_action *a, void *u)
{
    const char *type = a ? convoy_action_webhook_type(a) : NULL;
    if (!type || strcmp(type, "rollback") != 0 || !u)
        return act(CONVOY_ACTION_WEBHOOK, a, u);
    const convoy_simulator *sim = u;
    int rc = scripted(sim, CONVOY_ACTION_WEBHOOK, a);
    if (rc != CONVOY_OK)
        return rc;
    const convoy_service *svc = convoy_action_service(a);
    double t = (double)convoy_action_now_ms(a) / 1000.0;
    return convoy__scenario_rollback_requested(&sim->sc, service_slot(sim, svc), t) ? CONVOY_OK
                                                                                     : CONVOY_PENDING;
}
static int sim_promote(const convoy_action *a, void *u) { return act(CONVOY_ACTION_PROMOTE, a, u); }
static int sim_revert(const convoy_action *a, void *u) { return act(CONVOY_ACTION_REVERT, a, u); }

static int sim_query(convoy_samples *out, const convoy_action *a, void *userdata)
{
    const convoy_simulator *sim = userdata;
    if (!out || !a || !sim)
        return convoy__fail(CONVOY_E_INVALID_ARG, "simulator: NULL samples, action or userdata");
    const convoy_metric *m = convoy_action_metric(a);
    if (!m)
        return convoy__fail(CONVOY_E_INVALID_ARG, "simulator: metric query without a metric");
    int rc = scripted(sim, CONVOY_ACTION_QUERY_METRIC, a);
    if (rc != CONVOY_OK)
        return rc;

    const convoy_service *svc = convoy_action_service(a);
    const convoy_analysis *an = owning_analysis(sim->plan, svc, m);
    int judge = an && convoy_analysis_kind(an) == CONVOY_ANALYSIS_JUDGE;
    const convoy__series *series = convoy__scenario_series(
        &sim->sc, service_slot(sim, svc), convoy_action_variant(a), convoy_metric_name(m));

    double value = NAN;
    if (series) {
        const convoy__point *p =
            convoy__series_at(series, (double)convoy_action_now_ms(a) / 1000.0);
        if (p->kind == CONVOY__POINT_NODATA)
            return CONVOY_OK;
        value = p->kind == CONVOY__POINT_NAN ? NAN : p->value;
    } else {
        rc = healthy_value_of(&value, sim, m);
        if (rc != CONVOY_OK)
            return rc;
    }
    if (!judge)
        return convoy_samples_add(out, value);
    for (size_t i = 0; i < JUDGE_SAMPLE; i++) {
        rc = convoy_samples_add(out, value * (1.0 + SPREAD[i] / 100.0));
        if (rc != CONVOY_OK)
            return rc;
    }
    return CONVOY_OK;
}

/* ---- public API -------------------------------------------------------- */

int convoy_simulator_new(convoy_simulator **out, const convoy_plan *plan, const char *scenario,
                         size_t len)
{
    if (out)
        *out = NULL;
    if (!out || !plan || (!scenario && len))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_simulator_new: NULL argument");
    convoy_simulator *sim = convoy__calloc(1, sizeof *sim);
    if (!sim)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory creating a simulator");
    sim->plan = plan;
    int rc = scenario ? convoy__scenario_parse(&sim->sc, plan, scenario, len) : CONVOY_OK;
    if (rc == CONVOY_OK)
        rc = healthy_table_new(sim);
    if (rc != CONVOY_OK) {
        convoy_simulator_free(sim);
        return rc;
    }
    *out = sim;
    return CONVOY_OK;
}

void convoy_simulator_free(convoy_simulator *sim)
{
    if (!sim)
        return;
    convoy__scenario_free(&sim->sc);
    convoy__dealloc(sim->healthy);
    convoy__dealloc(sim);
}

int convoy_simulator_backend(convoy_backend *backend, const convoy_simulator *sim)
{
    static const convoy_backend empty = CONVOY_BACKEND_INIT;
    if (!backend || !sim)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_simulator_backend: NULL argument");
    /* notify, state store and clock stay NULL: the engine keeps its own
     * files and `convoy simulate` drives the clock. */
    *backend = empty;
    backend->deploy = sim_deploy;
    backend->set_weights = sim_set_weights;
    backend->verify_weights = sim_verify_weights;
    backend->query_metric = sim_query;
    backend->approval = sim_approval;
    backend->webhook = sim_webhook;
    backend->promote = sim_promote;
    backend->revert = sim_revert;
    return CONVOY_OK;
}
