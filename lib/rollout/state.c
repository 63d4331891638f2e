/* The rollout state: creation, the small mutations the engine shares, and
 * the public getters. */
#include "state.h"

#include <convoy/traffic.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "plan/model.h"

static const char *const SERVICE_STATES[] = {"pending",  "deploying", "progressing",
                                             "held",     "promoting", "promoted",
                                             "rolling_back", "rolled_back"};
static const char *const STATUSES[] = {"running",  "paused",      "held",
                                       "promoted", "rolled_back", "aborted"};

const char *convoy_service_state_name(int state)
{
    return state >= 0 && state < 8 ? SERVICE_STATES[state] : NULL;
}

const char *convoy_rollout_status_name(int status)
{
    return status >= 0 && status < 6 ? STATUSES[status] : NULL;
}

int convoy__state_alloc(convoy_state **out, const convoy_plan *plan)
{
    *out = NULL;
    convoy_state *st = convoy__calloc(1, sizeof *st);
    if (!st)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory creating a rollout state");
    st->plan = plan;
    st->n_services = plan->n_services;
    st->services = convoy__calloc(st->n_services ? st->n_services : 1, sizeof *st->services);
    if (!st->services) {
        convoy__dealloc(st);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory creating a rollout state");
    }
    for (size_t i = 0; i < st->n_services; i++) {
        convoy__service_state *s = &st->services[i];
        s->state = CONVOY_SERVICE_PENDING;
        s->step = CONVOY_STEP_BEFORE;
        s->failed_step = CONVOY_STEP_BEFORE;
        s->totals_step = CONVOY_STEP_BEFORE;
        s->judge_score = NAN;
    }
    *out = st;
    return CONVOY_OK;
}

int convoy_state_new(convoy_state **out, const convoy_plan *plan)
{
    if (out)
        *out = NULL;
    if (!out || !plan)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_state_new: NULL argument");
    return convoy__state_alloc(out, plan);
}

/* Zeroed progress for n metrics: `one` (the service state's own slot)
 * for a single metric, else an allocation. NULL when out of memory. */
static convoy__metric_progress *progress_new(convoy__metric_progress *one, size_t n)
{
    if (n != 1)
        return convoy__calloc(n ? n : 1, sizeof *one);
    memset(one, 0, sizeof *one);
    return one;
}

static void progress_free(convoy__metric_progress *p, size_t n, const convoy__metric_progress *one)
{
    for (size_t i = 0; p && i < n; i++)
        convoy__dealloc(p[i].outcomes);
    if (p != one)
        convoy__dealloc(p);
}

void convoy__metrics_clear(convoy__service_state *s)
{
    progress_free(s->metrics, s->n_metrics, &s->one_metric);
    s->metrics = NULL;
    s->n_metrics = 0;
}

void convoy__totals_clear(convoy__service_state *s)
{
    progress_free(s->totals, s->n_totals, &s->one_total);
    s->totals = NULL;
    s->n_totals = 0;
    s->totals_step = CONVOY_STEP_BEFORE;
}

void convoy__background_clear(convoy__service_state *s)
{
    progress_free(s->background, s->n_background, NULL);
    s->background = NULL;
    s->n_background = 0;
}

int convoy__background_reset(convoy__service_state *s, size_t n)
{
    convoy__background_clear(s);
    s->background = convoy__calloc(n ? n : 1, sizeof *s->background);
    if (!s->background)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory starting a background analysis");
    s->n_background = n;
    for (size_t i = 0; i < n; i++)
        s->background[i].last_value = NAN;
    return CONVOY_OK;
}

int convoy__metrics_keep_totals(convoy__service_state *s)
{
    /* An array of the right length is written over: every analysis of a
     * service used to allocate one. */
    if (s->n_totals != s->n_metrics || !s->n_metrics) {
        convoy__totals_clear(s);
        if (!s->n_metrics)
            return CONVOY_OK;
        s->totals = progress_new(&s->one_total, s->n_metrics);
        if (!s->totals)
            return convoy__fail(CONVOY_E_NOMEM, "out of memory keeping analysis totals");
    }
    for (size_t i = 0; i < s->n_metrics; i++) {
        convoy__dealloc(s->totals[i].outcomes); /* only a saved state can give totals some */
        s->totals[i] = (convoy__metric_progress){0};
        s->totals[i].last_value = s->metrics[i].last_value;
        s->totals[i].sum = s->metrics[i].sum;
        s->totals[i].n_values = s->metrics[i].n_values;
    }
    s->n_totals = s->n_metrics;
    s->totals_step = s->step;
    return CONVOY_OK;
}

int convoy__metrics_reset(convoy__service_state *s, size_t n)
{
    convoy__metrics_clear(s);
    s->judge_score = NAN;
    s->judge_rounds = 0;
    if (!n)
        return CONVOY_OK;
    s->metrics = progress_new(&s->one_metric, n);
    if (!s->metrics)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory starting an analysis");
    s->n_metrics = n;
    for (size_t i = 0; i < n; i++)
        s->metrics[i].last_value = NAN;
    return CONVOY_OK;
}

int convoy__metric_append(convoy__metric_progress *m, char outcome)
{
    if (m->n_outcomes >= CONVOY__MAX_MEASUREMENTS)
        return convoy__fail(CONVOY_E_LIMIT, "more than %d measurements of one metric",
                            CONVOY__MAX_MEASUREMENTS);
    /* Room grows geometrically: a reallocation per measurement was one of
     * the engine's larger costs. */
    size_t have = m->cap_outcomes ? m->cap_outcomes : m->outcomes ? m->n_outcomes + 1 : 0;
    if (m->n_outcomes + 2 > have) {
        size_t cap = have < 8 ? 8 : have * 2;
        char *grown = convoy__realloc(m->outcomes, have, cap);
        if (!grown)
            return convoy__fail(CONVOY_E_NOMEM, "out of memory recording a measurement");
        m->outcomes = grown;
        m->cap_outcomes = cap;
    }
    m->outcomes[m->n_outcomes++] = outcome;
    m->outcomes[m->n_outcomes] = '\0';
    return CONVOY_OK;
}

static int push(size_t **arr, size_t *n, size_t *cap, size_t v)
{
    if (convoy__grow(arr, cap, *n, sizeof **arr, 8) != 0)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory queueing a rollback");
    (*arr)[(*n)++] = v;
    return CONVOY_OK;
}

int convoy__queue_rollback(convoy_state *st, size_t service)
{
    for (size_t i = 0; i < st->n_rollback; i++)
        if (st->rollback_queue[i] == service)
            return CONVOY_OK;
    return push(&st->rollback_queue, &st->n_rollback, &st->cap_rollback, service);
}

int convoy__note_rolled_back(convoy_state *st, size_t service)
{
    /* The carried-out order never holds more than the services. */
    if (!st->rolled_back) {
        st->rolled_back = convoy__calloc(st->n_services ? st->n_services : 1, sizeof(size_t));
        if (!st->rolled_back)
            return convoy__fail(CONVOY_E_NOMEM, "out of memory recording a rollback");
    }
    for (size_t i = 0; i < st->n_rolled_back; i++)
        if (st->rolled_back[i] == service)
            return CONVOY_OK;
    st->rolled_back[st->n_rolled_back++] = service;
    return CONVOY_OK;
}

void convoy_state_free(convoy_state *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n_services; i++) {
        convoy__metrics_clear(&st->services[i]);
        convoy__totals_clear(&st->services[i]);
        convoy__background_clear(&st->services[i]);
    }
    convoy__dealloc(st->services);
    convoy__dealloc(st->rollback_queue);
    convoy__dealloc(st->rolled_back);
    convoy__dealloc(st);
}

static const convoy__service_state *svc_at(const convoy_state *st, size_t i)
{
    return st && i < st->n_services ? &st->services[i] : NULL;
}

int convoy_state_status(const convoy_state *st)
{
    return st ? st->status : CONVOY_E_INVALID_ARG;
}

int convoy_state_service_state(const convoy_state *st, size_t service)
{
    const convoy__service_state *s = svc_at(st, service);
    return s ? s->state : CONVOY_E_INVALID_ARG;
}

size_t convoy_state_service_step(const convoy_state *st, size_t service)
{
    const convoy__service_state *s = svc_at(st, service);
    return s ? s->step : CONVOY_STEP_BEFORE;
}

uint32_t convoy_state_service_candidate_bp(const convoy_state *st, size_t service)
{
    const convoy__service_state *s = svc_at(st, service);
    return s ? s->candidate_bp : 0;
}

int convoy_state_service_touched(const convoy_state *st, size_t service)
{
    const convoy__service_state *s = svc_at(st, service);
    return s ? s->touched : 0;
}

uint32_t convoy_state_failed_evaluations(const convoy_state *st)
{
    return st ? st->failed_evaluations : 0;
}

uint64_t convoy_state_now_ms(const convoy_state *st)
{
    return st ? st->now_ms : 0;
}

uint64_t convoy_state_decisions(const convoy_state *st)
{
    return st ? st->decisions : 0;
}

size_t convoy_state_rollback_count(const convoy_state *st)
{
    return st ? st->n_rolled_back : 0;
}

size_t convoy_state_rollback_service(const convoy_state *st, size_t i)
{
    return st && i < st->n_rolled_back ? st->rolled_back[i] : (size_t)-1;
}
