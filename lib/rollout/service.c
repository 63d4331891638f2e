/* One service's way through a rollout: waiting for its wave, deploying,
 * its steps, promotion; and the rollback queue. Each function does what is
 * due at the state's clock and returns whether anything moved, so a tick
 * can repeat until nothing does. */
#include <convoy/gate.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "engine.h"
#include "plan/model.h"

#define MAX_BACKOFF_MS (3600u * 1000u)

void convoy__due(convoy_rollout *r, uint64_t at_ms)
{
    if (at_ms < r->next_due)
        r->next_due = at_ms;
}

static convoy__service_state *S(convoy_rollout *r, size_t i)
{
    return &r->st->services[i];
}

static const convoy_service *P(const convoy_rollout *r, size_t i)
{
    return &r->plan->services[i];
}

/* What a gate callback (approval, webhook) is told: one try, no retries. */
static convoy_action gate_action(convoy_rollout *r, size_t i, int kind)
{
    convoy_action a = {0};
    a.kind = kind;
    a.service = P(r, i);
    a.step = S(r, i)->step;
    a.attempt = 1;
    a.now_ms = r->st->now_ms;
    a.candidate_bp = S(r, i)->candidate_bp;
    a.mirror_bp = S(r, i)->mirror_bp;
    return a;
}

void convoy__enter(convoy_rollout *r, size_t i, int state)
{
    convoy__service_state *s = S(r, i);
    /* Analysis progress belongs to a step, and the background run to the
     * steps; a new state starts without them (a resumed hold runs its step
     * again). */
    convoy__metrics_clear(s);
    convoy__background_clear(s);
    s->background_at_ms = 0;
    convoy__schedule_state_changed(&r->sched, i, s->state, state);
    s->state = state;
    s->stage = CONVOY__STAGE_ENTER;
    s->hook = 0;
    s->since_ms = r->st->now_ms;
    s->attempt = 0;
    s->in_flight = 0;
    s->retry_at_ms = 0;
    r->changed = 1;
}

void convoy__start_step(convoy_rollout *r, size_t i, size_t step)
{
    convoy__service_state *s = S(r, i);
    s->step = step;
    s->stage = CONVOY__STAGE_ENTER;
    s->hook = 0;
    s->step_started_ms = r->st->now_ms;
    s->attempt = 0;
    s->in_flight = 0;
    s->retry_at_ms = 0;
    convoy__metrics_clear(s);
    r->changed = 1;
}

static convoy_action_fn callback(const convoy_backend *be, int kind)
{
    switch (kind) {
    case CONVOY_ACTION_DEPLOY:
        return be->deploy;
    case CONVOY_ACTION_SET_WEIGHTS:
        return be->set_weights;
    case CONVOY_ACTION_VERIFY_WEIGHTS:
        return be->verify_weights;
    case CONVOY_ACTION_APPROVAL:
        return be->approval;
    case CONVOY_ACTION_WEBHOOK:
        return be->webhook;
    case CONVOY_ACTION_PROMOTE:
        return be->promote;
    case CONVOY_ACTION_REVERT:
        return be->revert;
    default:
        return NULL;
    }
}

/* Calls an action callback. Errors are retried with exponential backoff
 * (rollback.retry) before the action counts as failed; CONVOY_PENDING
 * continues the same attempt at the next tick. */
int convoy__act(convoy_rollout *r, size_t i, convoy_action *a)
{
    convoy__service_state *s = S(r, i);
    uint64_t now = r->st->now_ms;
    if (s->retry_at_ms > now) {
        convoy__due(r, s->retry_at_ms);
        return CONVOY__WAIT;
    }
    if (!s->in_flight) {
        s->attempt++;
        s->in_flight = 1;
        r->changed = 1;
    }
    s->retry_at_ms = 0;
    a->service = P(r, i);
    a->step = s->step;
    a->attempt = s->attempt;
    a->now_ms = now;
    convoy_action_fn fn = callback(&r->be, a->kind);
    int rc = fn ? fn(a, r->userdata) : CONVOY_OK;
    if (rc == CONVOY_PENDING) {
        r->waiting = 1;
        return CONVOY__WAIT;
    }
    if (rc > 0)
        rc = CONVOY_E_INVALID; /* not a status a callback may return */
    s->in_flight = 0;
    r->changed = 1;
    if (rc == CONVOY_OK && a->kind == CONVOY_ACTION_SET_WEIGHTS) {
        /* The record below shows the split now in effect. */
        s->candidate_bp = a->candidate_bp;
        s->mirror_bp = a->mirror_bp;
    }
    /* The callback's own message says why (hosts keep secrets out of it:
     * the decision log is for auditors). */
    const convoy_error *why = convoy_error_last();
    convoy__record_action(r, i, a->kind, rc,
                          rc != CONVOY_OK && convoy_error_code(why) == rc
                              ? convoy_error_message(why)
                              : NULL);
    if (rc == CONVOY_OK) {
        s->attempt = 0;
        return CONVOY__DONE;
    }
    if (s->attempt <= r->plan->retry_attempts) {
        uint64_t backoff = r->plan->retry_backoff_ms;
        for (uint32_t k = 1; k < s->attempt && backoff < MAX_BACKOFF_MS; k++)
            backoff *= 2;
        if (backoff > MAX_BACKOFF_MS)
            backoff = MAX_BACKOFF_MS;
        s->retry_at_ms = now + (backoff ? backoff : 1);
        convoy__due(r, s->retry_at_ms);
        return CONVOY__WAIT;
    }
    return CONVOY__FAILED;
}

/* A gate of service i failed: decide and apply. */
static int gate_failed(convoy_rollout *r, size_t i, int gate, const char *name, const char *reason)
{
    convoy_verdict v = CONVOY_VERDICT_INIT;
    v.service = i;
    v.gate = gate;
    v.phase = CONVOY_PHASE_FAILED;
    v.name = name;
    v.value = NAN;
    v.reason = reason;
    return convoy__verdict(r, &v);
}

static int action_failed(convoy_rollout *r, size_t i, int kind)
{
    char reason[96];
    snprintf(reason, sizeof reason, "%s failed after %u attempts", convoy_action_kind_name(kind),
             S(r, i)->attempt);
    S(r, i)->attempt = 0;
    return gate_failed(r, i, CONVOY_GATE_ACTION, convoy_action_kind_name(kind), reason);
}

/* ---- service webhooks at their moments (Flagger kinds) --------------- */

/* Runs the service's webhooks of `type` in order, resuming at s->hook.
 * Gate webhooks pass on CONVOY_OK; confirm-* keep asking until their
 * timeout (not confirmed yet), the others fail at once; a timeout fails. */
static int run_hooks(convoy_rollout *r, size_t i, const char *type, convoy_verdict *v,
                     char *reason, size_t cap)
{
    convoy__service_state *s = S(r, i);
    const convoy_service *svc = P(r, i);
    int confirm = strncmp(type, "confirm-", 8) == 0;
    for (; s->hook < svc->n_hooks; s->hook++) {
        const convoy_step *h = &svc->hooks[s->hook];
        if (strcmp(h->webhook_type, type) != 0)
            continue;
        if (!s->attempt)
            s->hook_started_ms = r->st->now_ms;
        uint64_t deadline = s->hook_started_ms + h->timeout_ms;
        convoy_action a = gate_action(r, i, CONVOY_ACTION_WEBHOOK);
        a.webhook_type = h->webhook_type;
        a.webhook_json = h->webhook_json;
        a.attempt = ++s->attempt; /* a confirm webhook is asked until its timeout */
        int rc = r->be.webhook ? r->be.webhook(&a, r->userdata) : CONVOY_OK;
        if (rc == CONVOY_OK) {
            convoy__record_action(r, i, CONVOY_ACTION_WEBHOOK, rc, h->webhook_name);
            s->attempt = 0;
            r->changed = 1;
            continue;
        }
        if (rc == CONVOY_PENDING || (confirm && rc < 0)) {
            if (r->st->now_ms < deadline) {
                r->waiting = 1;
                convoy__due(r, deadline);
                return 0;
            }
            snprintf(reason, cap, "%s webhook \"%s\" timed out after %llus", type,
                     h->webhook_name, (unsigned long long)(h->timeout_ms / 1000));
        } else {
            convoy__record_action(r, i, CONVOY_ACTION_WEBHOOK, rc < 0 ? rc : CONVOY_E_INVALID,
                                  h->webhook_name);
            snprintf(reason, cap, "%s webhook \"%s\" failed", type, h->webhook_name);
        }
        s->attempt = 0;
        *v = (convoy_verdict)CONVOY_VERDICT_INIT;
        v->service = i;
        v->gate = CONVOY_GATE_WEBHOOK;
        v->phase = CONVOY_PHASE_FAILED;
        v->name = h->webhook_name;
        v->value = NAN;
        v->reason = reason;
        return -1;
    }
    s->hook = 0;
    return 1;
}

/* Notification webhooks (post-rollout, event): called once, answer ignored. */
void convoy__fire_hooks(convoy_rollout *r, size_t i, const char *type)
{
    const convoy_service *svc = P(r, i);
    for (size_t k = 0; k < svc->n_hooks; k++) {
        const convoy_step *h = &svc->hooks[k];
        if (strcmp(h->webhook_type, type) != 0 || !r->be.webhook)
            continue;
        convoy_action a = gate_action(r, i, CONVOY_ACTION_WEBHOOK);
        a.webhook_type = h->webhook_type;
        a.webhook_json = h->webhook_json;
        (void)r->be.webhook(&a, r->userdata);
    }
}

/* Flagger's rollback webhooks, asked while the service runs its steps or
 * waits to be promoted, once per interval: a hook answering CONVOY_OK asks
 * for a rollback (Flagger: a 2xx answer), which fails the service outside
 * the budget; CONVOY_PENDING, an error or no callback ask nothing. 1 when a
 * rollback was asked for and decided, else 0. */
static int rollback_hooks(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = S(r, i);
    const convoy_service *svc = P(r, i);
    uint64_t now = r->st->now_ms;
    if (!svc->n_rollback_hooks)
        return 0;
    if (s->rollback_check_ms > now) {
        convoy__due(r, s->rollback_check_ms);
        return 0;
    }
    s->rollback_check_ms = now + (svc->interval_ms ? svc->interval_ms : 60000);
    r->changed = 1;
    convoy__due(r, s->rollback_check_ms);
    for (size_t k = 0; k < svc->n_hooks; k++) {
        const convoy_step *h = &svc->hooks[k];
        if (strcmp(h->webhook_type, "rollback") != 0 || !r->be.webhook)
            continue;
        convoy_action a = gate_action(r, i, CONVOY_ACTION_WEBHOOK);
        a.webhook_type = h->webhook_type;
        a.webhook_json = h->webhook_json;
        a.attempt = 1;
        if (r->be.webhook(&a, r->userdata) != CONVOY_OK)
            continue;
        convoy__record_action(r, i, CONVOY_ACTION_WEBHOOK, CONVOY_OK, h->webhook_name);
        gate_failed(r, i, CONVOY_GATE_ROLLBACK_WEBHOOK, h->webhook_name, NULL);
        return 1;
    }
    return 0;
}

/* Gate webhooks: 1 passed, 0 waiting, -1 a verdict was acted on. */
static int gate_hooks(convoy_rollout *r, size_t i, const char *type)
{
    convoy_verdict v;
    char reason[160];
    int rc = run_hooks(r, i, type, &v, reason, sizeof reason);
    if (rc < 0)
        convoy__verdict(r, &v);
    return rc;
}

/* Gate webhooks of `type` (NULL: none) while the service is at stage
 * ENTER, which then becomes CONFIRM: 1 passed (or already past them), 0
 * waiting, -1 a verdict was acted on. */
static int enter_hooks(convoy_rollout *r, size_t i, const char *type)
{
    convoy__service_state *s = S(r, i);
    if (s->stage != CONVOY__STAGE_ENTER)
        return 1;
    int rc = type ? gate_hooks(r, i, type) : 1;
    if (rc > 0) {
        s->stage = CONVOY__STAGE_CONFIRM;
        r->changed = 1;
    }
    return rc;
}

/* ---- starting ---------------------------------------------------------- */

static int dependency_ready(const convoy_rollout *r, size_t i, size_t d)
{
    const convoy_service *svc = P(r, i);
    /* The packed copy first: most checks end there. */
    int state = r->sched.state[svc->deps[d]];
    if (state == CONVOY_SERVICE_PROMOTED)
        return 1;
    int32_t need = svc->dep_steps[d];
    if (need < 0)
        return 0;
    const convoy__service_state *dep = &r->st->services[svc->deps[d]];
    /* "completed step N": it runs a later step, or is being promoted. */
    if (dep->state == CONVOY_SERVICE_PROMOTING)
        return 1;
    return dep->state == CONVOY_SERVICE_PROGRESSING && dep->step != CONVOY_STEP_BEFORE &&
           dep->step > (size_t)need;
}

static int deps_ready(const convoy_rollout *r, size_t i)
{
    const convoy_service *svc = P(r, i);
    for (size_t d = 0; d < svc->n_deps; d++)
        if (!dependency_ready(r, i, d))
            return 0;
    return 1;
}

static const convoy__cohort *cohort_of(const convoy_rollout *r, size_t i)
{
    size_t c = r->sched.cohort[i]; /* indexed once, not looked up by name */
    return c < r->plan->n_cohorts ? &r->plan->cohorts[c] : NULL;
}

int convoy__can_start(const convoy_rollout *r, size_t i)
{
    const convoy__cohort *co = cohort_of(r, i);
    if (!co)
        return deps_ready(r, i);
    /* A cohort starts together, or not at all. */
    for (size_t m = 0; m < co->n_members; m++) {
        size_t j = co->members[m];
        int st = r->st->services[j].state;
        if (st != CONVOY_SERVICE_PENDING && j != i)
            continue;
        if (!deps_ready(r, j))
            return 0;
    }
    return 1;
}

int convoy__may_start(const convoy_rollout *r, size_t i)
{
    /* An abort, or a rollback of the whole convoy, starts nothing new. */
    if (r->st->aborting || (r->plan->rollback_scope == CONVOY_SCOPE_ALL && r->st->n_rollback))
        return 0;
    return convoy__can_start(r, i);
}

static int start(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = S(r, i);
    if (!convoy__may_start(r, i))
        return 0;
    uint32_t max = r->plan->max_parallel;
    /* A count kept by the schedule: counting here made starting n
     * services O(n^2). */
    if (max && convoy__schedule_active(&r->sched) >= max)
        return 0;
    if (s->stage == CONVOY__STAGE_ENTER) {
        /* confirm-rollout: Flagger's gate before anything is touched. */
        int rc = gate_hooks(r, i, "confirm-rollout");
        if (rc <= 0)
            return rc < 0;
    }
    convoy__enter(r, i, CONVOY_SERVICE_DEPLOYING);
    s->touched = 1;
    convoy__record_event(r, i, "started", NULL);
    return 1;
}

/* ---- steps ------------------------------------------------------------ */

/* Cohort lockstep: a member that finished step k waits for the others. */
static int cohort_ready_to_advance(convoy_rollout *r, size_t i)
{
    const convoy__cohort *co = cohort_of(r, i);
    if (!co)
        return 1;
    convoy__service_state *s = S(r, i);
    for (size_t m = 0; m < co->n_members; m++) {
        const convoy__service_state *o = &r->st->services[co->members[m]];
        if (o->state == CONVOY_SERVICE_ROLLING_BACK || o->state == CONVOY_SERVICE_ROLLED_BACK)
            continue;
        if (o->state != CONVOY_SERVICE_PROGRESSING || o->step != s->step ||
            o->stage != CONVOY__STAGE_DONE)
            return 0;
    }
    return 1;
}

/* Cohort lockstep for weights: a member applies a step's weight only once
 * every member has reached that step (a member whose deploy is retried
 * holds the others back). A retried weight change of one member can still
 * leave it one change behind until its retry succeeds. */
static int cohort_ready_to_apply(convoy_rollout *r, size_t i)
{
    const convoy__cohort *co = cohort_of(r, i);
    if (!co)
        return 1;
    const convoy__service_state *s = S(r, i);
    for (size_t m = 0; m < co->n_members; m++) {
        const convoy__service_state *o = &r->st->services[co->members[m]];
        if (o->state == CONVOY_SERVICE_ROLLING_BACK || o->state == CONVOY_SERVICE_ROLLED_BACK)
            continue;
        if (o->state != CONVOY_SERVICE_PROGRESSING || o->step != s->step ||
            o->stage < CONVOY__STAGE_CONFIRM)
            return 0;
    }
    return 1;
}

static void next_step(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = S(r, i);
    size_t n = P(r, i)->n_steps;
    size_t next = s->step == CONVOY_STEP_BEFORE ? s->resume_step : s->step + 1;
    if (next >= n) {
        convoy__enter(r, i, CONVOY_SERVICE_PROMOTING);
        return;
    }
    convoy__start_step(r, i, next);
}

/* The step is done: advance (with the cohort when there is one). */
static void step_done(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = S(r, i);
    s->stage = CONVOY__STAGE_DONE;
    r->changed = 1;
    if (!cohort_ready_to_advance(r, i))
        return;
    const convoy__cohort *co = cohort_of(r, i);
    if (!co) {
        next_step(r, i);
        return;
    }
    size_t step = s->step;
    for (size_t m = 0; m < co->n_members; m++) {
        size_t j = co->members[m];
        if (r->st->services[j].state == CONVOY_SERVICE_PROGRESSING && r->st->services[j].step == step)
            next_step(r, j);
    }
}

static int step_set_weights(convoy_rollout *r, size_t i, const convoy_step *st)
{
    convoy__service_state *s = S(r, i);
    int hooks = enter_hooks(r, i, st->weight_bp > s->candidate_bp ? "confirm-traffic-increase"
                                                                   : NULL);
    if (hooks <= 0)
        return hooks < 0;
    convoy_action a = {0};
    a.candidate_bp = st->weight_bp;
    a.mirror_bp = st->mirror_bp;
    if (s->stage == CONVOY__STAGE_CONFIRM && !s->in_flight && !s->attempt &&
        !cohort_ready_to_apply(r, i))
        return 0;
    if (s->stage == CONVOY__STAGE_CONFIRM) {
        a.kind = CONVOY_ACTION_SET_WEIGHTS;
        int rc = convoy__act(r, i, &a);
        if (rc == CONVOY__FAILED)
            return action_failed(r, i, a.kind), 1;
        if (rc == CONVOY__WAIT)
            return 0;
        s->candidate_bp = st->weight_bp;
        s->mirror_bp = st->mirror_bp;
        s->stage = CONVOY__STAGE_APPLIED;
    }
    if (s->stage == CONVOY__STAGE_APPLIED) {
        a.kind = CONVOY_ACTION_VERIFY_WEIGHTS;
        int rc = convoy__act(r, i, &a);
        if (rc == CONVOY__FAILED)
            return action_failed(r, i, a.kind), 1;
        if (rc == CONVOY__WAIT)
            return 0;
        step_done(r, i);
    }
    return 1;
}

static int step_pause(convoy_rollout *r, size_t i, const convoy_step *st)
{
    uint64_t end = S(r, i)->step_started_ms + st->duration_ms;
    if (r->st->now_ms < end) {
        convoy__due(r, end);
        return 0;
    }
    step_done(r, i);
    return 1;
}

static int step_approval(convoy_rollout *r, size_t i, const convoy_step *st)
{
    convoy__service_state *s = S(r, i);
    convoy_action a = gate_action(r, i, CONVOY_ACTION_APPROVAL);
    int rc = r->be.approval ? r->be.approval(&a, r->userdata) : CONVOY_OK;
    if (rc == CONVOY_OK) {
        convoy__record_action(r, i, CONVOY_ACTION_APPROVAL, rc, "approved");
        step_done(r, i);
        return 1;
    }
    char reason[96];
    if (rc == CONVOY_PENDING) {
        uint64_t deadline = s->step_started_ms + st->timeout_ms;
        if (!st->timeout_ms || r->st->now_ms < deadline) {
            r->waiting = 1;
            if (st->timeout_ms)
                convoy__due(r, deadline);
            return 0;
        }
        snprintf(reason, sizeof reason, "no approval within %llus",
                 (unsigned long long)(st->timeout_ms / 1000));
    } else {
        convoy__record_action(r, i, CONVOY_ACTION_APPROVAL, rc < 0 ? rc : CONVOY_E_INVALID,
                              "rejected");
        snprintf(reason, sizeof reason, "approval rejected");
    }
    gate_failed(r, i, CONVOY_GATE_APPROVAL, "approval", reason);
    return 1;
}

static int step_webhook(convoy_rollout *r, size_t i, const convoy_step *st)
{
    convoy__service_state *s = S(r, i);
    convoy_action a = gate_action(r, i, CONVOY_ACTION_WEBHOOK);
    a.webhook_type = st->webhook_type;
    a.webhook_json = st->webhook_json;
    int rc = r->be.webhook ? r->be.webhook(&a, r->userdata) : CONVOY_OK;
    if (rc == CONVOY_OK) {
        convoy__record_action(r, i, CONVOY_ACTION_WEBHOOK, rc, st->webhook_name);
        step_done(r, i);
        return 1;
    }
    char reason[160];
    if (rc == CONVOY_PENDING) {
        uint64_t deadline = s->step_started_ms + st->timeout_ms;
        if (r->st->now_ms < deadline) {
            r->waiting = 1;
            convoy__due(r, deadline);
            return 0;
        }
        snprintf(reason, sizeof reason, "webhook \"%s\" timed out after %llus", st->webhook_name,
                 (unsigned long long)(st->timeout_ms / 1000));
    } else {
        convoy__record_action(r, i, CONVOY_ACTION_WEBHOOK, rc < 0 ? rc : CONVOY_E_INVALID,
                              st->webhook_name);
        snprintf(reason, sizeof reason, "webhook \"%s\" failed", st->webhook_name);
    }
    gate_failed(r, i, CONVOY_GATE_WEBHOOK, st->webhook_name, reason);
    return 1;
}

static int step_analysis(convoy_rollout *r, size_t i)
{
    /* Flagger's "rollout" hooks run when an analysis starts. */
    int hooks = enter_hooks(r, i, "rollout");
    if (hooks <= 0)
        return hooks < 0;
    convoy_verdict v;
    char reason[512];
    int before = r->changed;
    r->changed = 0;
    int finished = convoy__analysis_advance(r, i, &v, reason, sizeof reason);
    int moved = r->changed;
    r->changed |= before;
    if (r->failed)
        return 0;
    if (!finished)
        return moved;
    convoy__verdict(r, &v);
    return 1;
}

static int progress(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = S(r, i);
    const convoy_service *svc = P(r, i);
    if (s->step == CONVOY_STEP_BEFORE || s->step >= svc->n_steps) {
        next_step(r, i);
        return 1;
    }
    if (s->stage == CONVOY__STAGE_DONE) {
        if (!cohort_ready_to_advance(r, i))
            return 0;
        step_done(r, i);
        return 1;
    }
    if (s->stage == CONVOY__STAGE_ENTER && s->retry_at_ms) {
        /* A gate run again within the budget: the step starts afresh then. */
        if (s->retry_at_ms > r->st->now_ms) {
            convoy__due(r, s->retry_at_ms);
            return 0;
        }
        s->step_started_ms = s->retry_at_ms;
        s->retry_at_ms = 0;
        r->changed = 1;
    }
    if (svc->background) {
        convoy_verdict v;
        char reason[512];
        if (convoy__background_advance(r, i, &v, reason, sizeof reason)) {
            convoy__verdict(r, &v);
            return 1;
        }
        if (r->failed)
            return 0;
    }
    if (rollback_hooks(r, i))
        return 1;
    const convoy_step *st = &svc->steps[s->step];
    switch (st->kind) {
    case CONVOY_STEP_SET_WEIGHT:
    case CONVOY_STEP_SET_MIRROR:
        return step_set_weights(r, i, st);
    case CONVOY_STEP_PAUSE:
        return step_pause(r, i, st);
    case CONVOY_STEP_APPROVAL:
        return step_approval(r, i, st);
    case CONVOY_STEP_ANALYSIS:
        return step_analysis(r, i);
    case CONVOY_STEP_WEBHOOK:
        return step_webhook(r, i, st);
    default:
        step_done(r, i);
        return 1;
    }
}

static int deploy(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = S(r, i);
    if (s->stage == CONVOY__STAGE_ENTER) {
        convoy_action a = {0};
        a.kind = CONVOY_ACTION_DEPLOY;
        int rc = convoy__act(r, i, &a);
        if (rc == CONVOY__FAILED)
            return action_failed(r, i, a.kind), 1;
        if (rc == CONVOY__WAIT)
            return 0;
        s->stage = CONVOY__STAGE_APPLIED;
        r->changed = 1;
    }
    int rc = gate_hooks(r, i, "pre-rollout");
    if (rc <= 0)
        return rc < 0;
    convoy__schedule_state_changed(&r->sched, i, s->state, CONVOY_SERVICE_PROGRESSING);
    s->state = CONVOY_SERVICE_PROGRESSING;
    s->step = CONVOY_STEP_BEFORE;
    next_step(r, i);
    return 1;
}

static int promote(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = S(r, i);
    /* Waiting for confirm-promotion is Flagger's "Waiting": rollback
     * webhooks are still asked. */
    if (s->stage == CONVOY__STAGE_ENTER && rollback_hooks(r, i))
        return 1;
    int hooks = enter_hooks(r, i, "confirm-promotion");
    if (hooks <= 0)
        return hooks < 0;
    convoy_action a = {0};
    a.kind = CONVOY_ACTION_PROMOTE;
    a.candidate_bp = 10000;
    int rc = convoy__act(r, i, &a);
    if (rc == CONVOY__FAILED)
        return action_failed(r, i, a.kind), 1;
    if (rc == CONVOY__WAIT)
        return 0;
    s->candidate_bp = 10000;
    s->mirror_bp = 0;
    convoy__enter(r, i, CONVOY_SERVICE_PROMOTED);
    s->step = CONVOY_STEP_PROMOTED;
    convoy__record_event(r, i, "promoted", NULL);
    convoy__fire_hooks(r, i, "post-rollout");
    return 1;
}

static int held(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = S(r, i);
    uint64_t ttr = r->plan->budget_ttr_ms;
    if (!ttr)
        return 0;
    if (r->st->now_ms < s->held_since_ms + ttr) {
        convoy__due(r, s->held_since_ms + ttr);
        return 0;
    }
    gate_failed(r, i, CONVOY_GATE_HELD, NULL, "held past time_to_remediate");
    if (s->state == CONVOY_SERVICE_HELD) {
        convoy__due(r, s->held_since_ms + ttr);
        return 0; /* still held: nothing moved */
    }
    return 1;
}

int convoy__service_advance(convoy_rollout *r, size_t i)
{
    switch (S(r, i)->state) {
    case CONVOY_SERVICE_PENDING:
        return start(r, i);
    case CONVOY_SERVICE_DEPLOYING:
        return deploy(r, i);
    case CONVOY_SERVICE_PROGRESSING:
        return progress(r, i);
    case CONVOY_SERVICE_PROMOTING:
        return promote(r, i);
    case CONVOY_SERVICE_HELD:
        return held(r, i);
    default:
        return 0; /* rollbacks run from the queue; finished services rest */
    }
}

/* ---- the rollback queue: one service at a time, in decided order ------ */

int convoy__rollback_advance(convoy_rollout *r)
{
    convoy_state *st = r->st;
    for (size_t q = 0; q < st->n_rollback; q++) {
        size_t i = st->rollback_queue[q];
        convoy__service_state *s = S(r, i);
        if (s->state == CONVOY_SERVICE_ROLLED_BACK)
            continue;
        if (st->aborting == 2)
            return 0;
        convoy_action a = {0};
        if (s->stage == CONVOY__STAGE_ENTER) {
            if (s->touched) {
                a.kind = CONVOY_ACTION_SET_WEIGHTS;
                a.candidate_bp = 0;
                a.mirror_bp = 0;
                int rc = convoy__act(r, i, &a);
                if (rc == CONVOY__FAILED)
                    return action_failed(r, i, a.kind), 1;
                if (rc == CONVOY__WAIT)
                    return 0;
                s->candidate_bp = 0;
                s->mirror_bp = 0;
            }
            s->stage = CONVOY__STAGE_APPLIED;
            r->changed = 1;
        }
        if (s->touched) {
            a.kind = CONVOY_ACTION_REVERT;
            int rc = convoy__act(r, i, &a);
            if (rc == CONVOY__FAILED)
                return action_failed(r, i, a.kind), 1;
            if (rc == CONVOY__WAIT)
                return 0;
        }
        convoy__enter(r, i, CONVOY_SERVICE_ROLLED_BACK);
        if (convoy__note_rolled_back(st, i) != CONVOY_OK)
            r->failed = CONVOY_E_NOMEM;
        convoy__record_event(r, i, "rolled_back", NULL);
        convoy__fire_hooks(r, i, "post-rollout");
        return 1;
    }
    return 0;
}
