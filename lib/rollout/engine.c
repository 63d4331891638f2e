/* The engine: creating and resuming a rollout, the tick, applying
 * decisions, the rollout's status, operator controls. */
#include <convoy/gate.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/versioned.h"
#include "decision.h"
#include "engine.h"
#include "plan/canon.h"
#include "plan/model.h"

/* A tick repeats its passes while something moves; a plan needs about one
 * pass per instantaneous step, this bounds a runaway. */
#define MAX_PASSES 100000

int convoy_rollout_options_init(convoy_rollout_options *opts, uint32_t version)
{
    static const convoy_rollout_options defaults = CONVOY_ROLLOUT_OPTIONS_INIT;
    return convoy__init_versioned(opts, version, CONVOY_ROLLOUT_OPTIONS_VERSION, &defaults,
                                  sizeof defaults, "convoy_rollout_options_init");
}

/* ---- saving ------------------------------------------------------------ */

static int save(convoy_rollout *r)
{
    int rc = convoy__records_flush(r);
    if (rc != CONVOY_OK)
        return rc;
    if (!r->be.save_state && !r->state_path)
        return CONVOY_OK;
    char *json;
    size_t len;
    rc = convoy_state_to_json(&json, &len, r->st);
    if (rc != CONVOY_OK)
        return rc;
    if (r->be.save_state)
        rc = r->be.save_state(json, len, r->userdata);
    else
        rc = convoy__state_file_save(r->state_path, json, len);
    convoy_free(json);
    if (rc > 0)
        rc = CONVOY_E_IO;
    return rc;
}

static int load(convoy_rollout *r)
{
    char *json = NULL;
    size_t len = 0;
    int rc;
    if (r->be.load_state)
        rc = r->be.load_state(&json, &len, r->userdata);
    else if (r->state_path)
        rc = convoy__state_file_load(&json, &len, r->state_path);
    else
        return CONVOY_E_NOT_FOUND;
    if (rc != CONVOY_OK) {
        convoy_free(json);
        return rc;
    }
    convoy_state *st = NULL;
    rc = convoy_state_from_json(&st, r->plan, json, len);
    convoy_free(json);
    if (rc != CONVOY_OK)
        return rc;
    convoy_state_free(r->st);
    r->st = st;
    return CONVOY_OK;
}

/* ---- creating ---------------------------------------------------------- */

int convoy_rollout_new(convoy_rollout **out, const convoy_plan *plan,
                       const convoy_backend *backend, void *userdata,
                       const convoy_rollout_options *opts)
{
    if (out)
        *out = NULL;
    if (!out || !plan)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_new: NULL argument");
    convoy_rollout_options defaults = CONVOY_ROLLOUT_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version != CONVOY_ROLLOUT_OPTIONS_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_rollout_new: options version %u unknown",
                            opts->version);
    if (backend && backend->version != CONVOY_BACKEND_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_rollout_new: backend version %u unknown",
                            backend->version);
    convoy_rollout *r = convoy__calloc(1, sizeof *r);
    if (!r)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory creating a rollout");
    r->plan = plan;
    r->userdata = userdata;
    r->log.fd = -1;
    if (backend)
        r->be = *backend;
    else
        r->be = (convoy_backend)CONVOY_BACKEND_INIT;
    int rc = convoy__state_alloc(&r->st, plan);
    if (rc == CONVOY_OK)
        rc = convoy__schedule_init(&r->sched, r);
    if (rc == CONVOY_OK && opts->state_path && !(r->state_path = convoy__strdup(opts->state_path)))
        rc = convoy__fail(CONVOY_E_NOMEM, "out of memory creating a rollout");
    if (rc == CONVOY_OK && opts->history_path &&
        !(r->history_path = convoy__strdup(opts->history_path)))
        rc = convoy__fail(CONVOY_E_NOMEM, "out of memory creating a rollout");
    int resumed = 0;
    if (rc == CONVOY_OK) {
        rc = load(r);
        resumed = rc == CONVOY_OK;
        if (rc == CONVOY_E_NOT_FOUND)
            rc = CONVOY_OK;
    }
    if (rc == CONVOY_OK && opts->log_path)
        rc = convoy__log_open(&r->log, opts->log_path, resumed ? r->st->log_bytes : 0);
    if (rc == CONVOY_OK && r->history_path)
        rc = convoy__history_load(&r->history, &r->history_skipped, r->history_path);
    if (rc != CONVOY_OK) {
        convoy_rollout_free(r);
        return rc;
    }
    /* Before the first tick, the first tick is due (a resumed rollout
     * continues at its saved clock). */
    r->next_due = r->st->now_ms;
    *out = r;
    return CONVOY_OK;
}

void convoy_rollout_free(convoy_rollout *r)
{
    if (!r)
        return;
    convoy_state_free(r->st);
    convoy__log_close(&r->log);
    convoy__history_free(r->history);
    convoy__buf_free(&r->pending);
    convoy__samples_free(&r->samples);
    convoy__samples_free(&r->baseline);
    convoy__schedule_free(&r->sched);
    convoy__dealloc(r->state_path);
    convoy__dealloc(r->history_path);
    convoy__dealloc(r);
}

/* ---- history ----------------------------------------------------------- */

static void write_history(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = &r->st->services[i];
    if (!r->history_path || s->history_written)
        return;
    const convoy_service *svc = &r->plan->services[i];
    convoy__buf b = {0};
    convoy__buf_puts(&b, "{\"release\":");
    convoy__json_put_string(&b, r->plan->name);
    convoy__buf_puts(&b, ",\"service\":");
    convoy__json_put_string(&b, svc->name);
    convoy__buf_puts(&b, ",\"version\":");
    if (svc->candidate)
        convoy__json_put_string(&b, svc->candidate);
    else
        convoy__buf_puts(&b, "null");
    convoy__buf_printf(&b, ",\"outcome\":\"%s\",\"time_ms\":%llu,\"metrics\":{",
                       s->state == CONVOY_SERVICE_PROMOTED ? "promoted" : "rolled_back",
                       (unsigned long long)r->st->now_ms);
    /* Means of the last finished measurement analysis. */
    const convoy_analysis *an =
        s->totals_step < svc->n_steps ? svc->steps[s->totals_step].analysis : NULL;
    size_t n = 0;
    for (size_t k = 0; an && k < s->n_totals && k < an->n_metrics; k++) {
        if (!s->totals[k].n_values)
            continue;
        convoy__buf_puts(&b, n++ ? "," : "");
        convoy__json_put_string(&b, an->metrics[k].name);
        convoy__buf_puts(&b, ":{\"mean\":");
        convoy__json_put_number(&b, s->totals[k].sum / s->totals[k].n_values);
        convoy__buf_printf(&b, ",\"n\":%u}", s->totals[k].n_values);
    }
    convoy__buf_puts(&b, "}}");
    if (b.failed || convoy__history_append(r->history_path, b.data, b.len) != CONVOY_OK)
        r->failed = b.failed ? CONVOY_E_NOMEM : CONVOY_E_IO;
    else
        s->history_written = 1;
    convoy__buf_free(&b);
}

/* ---- applying decisions ------------------------------------------------ */

static void hold(convoy_rollout *r, size_t i)
{
    convoy__service_state *s = &r->st->services[i];
    if (s->state == CONVOY_SERVICE_HELD)
        return;
    s->failed_step = s->step;
    convoy__enter(r, i, CONVOY_SERVICE_HELD);
    s->held_since_ms = r->st->now_ms;
}

static void queue_rollback(convoy_rollout *r, size_t j)
{
    convoy__service_state *s = &r->st->services[j];
    if (s->state == CONVOY_SERVICE_ROLLING_BACK || s->state == CONVOY_SERVICE_ROLLED_BACK)
        return;
    if (s->state != CONVOY_SERVICE_PROMOTED)
        s->failed_step = s->step;
    convoy__enter(r, j, CONVOY_SERVICE_ROLLING_BACK);
    if (convoy__queue_rollback(r->st, j) != CONVOY_OK)
        r->failed = CONVOY_E_NOMEM;
}

static void queue_rollbacks(convoy_rollout *r, const convoy_decision *d)
{
    for (size_t k = 0; k < convoy_decision_rollback_count(d); k++)
        queue_rollback(r, convoy_decision_rollback_service(d, k));
}

/* When a failed gate runs again within the budget: an analysis at its next
 * interval (Flagger re-checks every interval), anything else after the
 * retry backoff. */
static uint64_t rerun_delay(const convoy_plan *plan, size_t i, size_t step)
{
    const convoy_service *svc = &plan->services[i];
    uint64_t delay = 0;
    /* step (size_t)-1: the background analysis. */
    const convoy_analysis *an = step < svc->n_steps           ? svc->steps[step].analysis
                                : step == (size_t)-1 && svc->background ? svc->background->analysis
                                                                        : NULL;
    if (an && an->kind == CONVOY_ANALYSIS_JUDGE)
        delay = an->judge_interval_ms;
    for (size_t k = 0; an && an->kind != CONVOY_ANALYSIS_JUDGE && k < an->n_metrics; k++)
        if (an->metrics[k].interval_ms > delay)
            delay = an->metrics[k].interval_ms;
    if (!delay)
        delay = plan->retry_backoff_ms;
    return delay ? delay : 1000;
}

int convoy__verdict(convoy_rollout *r, const convoy_verdict *v)
{
    /* Without readers of the records the rationale would be formatted for
     * nobody: decide without it. */
    convoy_decision decision;
    convoy_decision *d = &decision;
    int rc = convoy__decide(d, r->plan, r->st, v, r->st->now_ms, convoy__records_read(r));
    if (rc != CONVOY_OK) {
        convoy__decision_release(d);
        r->failed = rc;
        return 0;
    }
    size_t i = v->service;
    convoy__service_state *s = &r->st->services[i];
    r->st->failed_evaluations = convoy_decision_failed_evaluations(d);
    convoy__record_decision(r, d, v, "gate");
    convoy__fire_hooks(r, i, "event"); /* Flagger's event hooks: every decision */
    int failed = v->phase != CONVOY_PHASE_SUCCESSFUL;
    switch (convoy_decision_kind(d)) {
    case CONVOY_DECISION_CONTINUE:
        if (v->gate == CONVOY_GATE_HELD)
            break;
        if (v->gate == CONVOY_GATE_BACKGROUND) {
            /* Within the budget: a new background run, one interval later;
             * the step itself goes on. */
            convoy__background_clear(s);
            s->background_at_ms = r->st->now_ms + rerun_delay(r->plan, i, (size_t)-1);
            r->changed = 1;
            break;
        }
        if (failed) {
            /* Within the failure budget: run the same step again, after the
             * retry backoff (at once it would see the same values). */
            convoy__start_step(r, i, s->step);
            s->retry_at_ms = r->st->now_ms + rerun_delay(r->plan, i, s->step);
            convoy__due(r, s->retry_at_ms);
        } else {
            s->stage = CONVOY__STAGE_DONE;
            r->changed = 1;
        }
        break;
    case CONVOY_DECISION_PROMOTE:
        s->stage = CONVOY__STAGE_DONE;
        r->changed = 1;
        break;
    case CONVOY_DECISION_HOLD:
        if (v->gate == CONVOY_GATE_HELD) {
            /* Still held (manual mode): ask again one remediation time
             * later instead of at every pass. */
            s->held_since_ms = r->st->now_ms;
            r->changed = 1;
        } else {
            hold(r, i);
        }
        break;
    case CONVOY_DECISION_ROLLBACK:
        queue_rollbacks(r, d);
        break;
    case CONVOY_DECISION_ABORT:
        r->st->aborting = 2;
        r->changed = 1;
        break;
    default:
        break;
    }
    convoy__decision_release(d);
    return 1;
}

/* ---- status ------------------------------------------------------------ */

/* Whether some pending service may start (only asked when nothing moves:
 * it reads every pending service and its dependencies). */
static int any_startable(const convoy_rollout *r)
{
    if (!r->sched.counts[CONVOY_SERVICE_PENDING])
        return 0;
    for (size_t i = 0; i < r->st->n_services; i++)
        if (r->st->services[i].state == CONVOY_SERVICE_PENDING && convoy__may_start(r, i))
            return 1;
    return 0;
}

static int compute_status(const convoy_rollout *r)
{
    const convoy_state *st = r->st;
    if (st->aborting == 2)
        return CONVOY_ROLLOUT_ABORTED;
    /* The schedule counts the services in each state. */
    const size_t *count = r->sched.counts;
    size_t promoted = count[CONVOY_SERVICE_PROMOTED], held = count[CONVOY_SERVICE_HELD];
    size_t rolled = count[CONVOY_SERVICE_ROLLED_BACK];
    size_t moving = st->n_services - promoted - held - rolled - count[CONVOY_SERVICE_PENDING];
    if (moving || any_startable(r))
        return st->paused ? CONVOY_ROLLOUT_PAUSED : CONVOY_ROLLOUT_RUNNING;
    if (st->aborting)
        return CONVOY_ROLLOUT_ABORTED;
    if (promoted == st->n_services)
        return CONVOY_ROLLOUT_PROMOTED;
    if (held)
        return st->paused ? CONVOY_ROLLOUT_PAUSED : CONVOY_ROLLOUT_HELD;
    if (rolled)
        return CONVOY_ROLLOUT_ROLLED_BACK;
    /* Pending services waiting on something that will never come. */
    return CONVOY_ROLLOUT_HELD;
}

static int finished(int status)
{
    return status == CONVOY_ROLLOUT_PROMOTED || status == CONVOY_ROLLOUT_ROLLED_BACK ||
           status == CONVOY_ROLLOUT_ABORTED;
}

/* ---- the tick ---------------------------------------------------------- */

int convoy_rollout_tick(convoy_rollout *r, uint64_t now_ms)
{
    if (!r)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_tick: NULL rollout");
    convoy_state *st = r->st;
    if (now_ms < st->now_ms)
        now_ms = st->now_ms;
    st->now_ms = now_ms;
    r->next_due = UINT64_MAX;
    r->waiting = 0;
    r->failed = 0;
    r->changed = 0;
    if (!st->started) {
        st->started = 1;
        st->started_ms = now_ms;
        convoy__record_event(r, (size_t)-1, "rollout_started", r->plan->name);
        if (r->history_skipped) {
            /* Torn or foreign lines are skipped by design (a crash can tear
             * one); say so, so a wrong file is not mistaken for no history. */
            char detail[160];
            snprintf(detail, sizeof detail, "%zu line%s of the history file skipped: not "
                     "history records", r->history_skipped, r->history_skipped == 1 ? "" : "s");
            convoy__record_event(r, (size_t)-1, "history_lines_skipped", detail);
        }
    }
    if (finished(st->status))
        return st->status;
    convoy__schedule_begin_tick(r);
    if (!st->paused) {
        for (int pass = 0; pass < MAX_PASSES && !r->failed; pass++) {
            /* Due times come from the last pass, the one where nothing
             * moved: earlier passes may have registered times for gates
             * that a decision has since ended. A pass visits only the
             * services that can do something (schedule.c); the others
             * keep the due time of their last visit. */
            r->next_due = UINT64_MAX;
            r->waiting = 0;
            if (!convoy__schedule_pass(r, pass == 0))
                break;
        }
        uint64_t due = convoy__schedule_next_due(r);
        if (due < r->next_due)
            r->next_due = due;
    }
    /* Only a service that finished since can need its history written. */
    if (r->history_path && r->sched.finished_any) {
        for (size_t i = 0; i < st->n_services && !r->failed; i++) {
            int state = st->services[i].state;
            if (state == CONVOY_SERVICE_PROMOTED || state == CONVOY_SERVICE_ROLLED_BACK)
                write_history(r, i);
        }
        r->sched.finished_any = r->failed != 0;
    }
    int status = compute_status(r);
    if (status != st->status) {
        st->status = status;
        r->changed = 1;
        convoy__record_event(r, (size_t)-1, "status", convoy_rollout_status_name(status));
    }
    convoy__schedule_end_tick(r);
    if (r->failed)
        return r->failed;
    if (r->changed || r->pending.len) {
        int rc = save(r);
        if (rc != CONVOY_OK)
            return rc;
    }
    return st->status;
}

uint64_t convoy_rollout_next_due(const convoy_rollout *r)
{
    return r ? r->next_due : UINT64_MAX;
}

const convoy_state *convoy_rollout_state(const convoy_rollout *r)
{
    return r ? r->st : NULL;
}

int convoy_rollout_status(const convoy_rollout *r)
{
    return r ? r->st->status : CONVOY_E_INVALID_ARG;
}

static uint64_t wall_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int convoy_rollout_run(convoy_rollout *r, uint32_t poll_ms)
{
    if (!r)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_run: NULL rollout");
    if (!poll_ms)
        poll_ms = 1000;
    for (;;) {
        uint64_t now = r->be.clock ? r->be.clock(r->userdata) : wall_clock_ms();
        int status = convoy_rollout_tick(r, now);
        if (status < 0 || finished(status) ||
            (status == CONVOY_ROLLOUT_HELD && r->next_due == UINT64_MAX && !r->waiting))
            return status;
        uint64_t wait = poll_ms;
        if (r->next_due != UINT64_MAX && r->next_due > now && r->next_due - now < wait)
            wait = r->next_due - now;
        struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

/* ---- operator controls ------------------------------------------------- */

static int operator_record(convoy_rollout *r, size_t service, const char *what, const char *why)
{
    convoy_verdict v = CONVOY_VERDICT_INIT;
    v.service = service;
    v.value = NAN;
    v.reason = why;
    convoy__record_decision(r, NULL, &v, what);
    r->changed = 1;
    /* The state changed outside a tick: the next one starts afresh. */
    convoy__schedule_invalidate(&r->sched);
    return save(r);
}

int convoy_rollout_pause(convoy_rollout *r)
{
    if (!r)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_pause: NULL rollout");
    if (finished(r->st->status) || r->st->paused)
        return convoy__fail(CONVOY_E_INVALID, "the rollout is %s: nothing to pause",
                            r->st->paused ? "paused already"
                                          : convoy_rollout_status_name(r->st->status));
    r->st->paused = 1;
    r->st->status = CONVOY_ROLLOUT_PAUSED;
    return operator_record(r, (size_t)-1, "pause", "paused by an operator");
}

int convoy_rollout_resume(convoy_rollout *r)
{
    if (!r)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_resume: NULL rollout");
    int any = r->st->paused;
    r->st->paused = 0;
    for (size_t i = 0; i < r->st->n_services; i++) {
        convoy__service_state *s = &r->st->services[i];
        if (s->state != CONVOY_SERVICE_HELD)
            continue;
        /* A released hold runs the step that stopped it again. */
        s->state = CONVOY_SERVICE_PROGRESSING;
        convoy__start_step(r, i, s->failed_step == CONVOY_STEP_BEFORE ? 0 : s->failed_step);
        any = 1;
    }
    if (!any)
        return convoy__fail(CONVOY_E_INVALID, "the rollout is neither paused nor held");
    r->st->status = CONVOY_ROLLOUT_RUNNING;
    return operator_record(r, (size_t)-1, "resume", "resumed by an operator");
}

int convoy_rollout_promote_now(convoy_rollout *r, size_t service)
{
    if (!r || (service != (size_t)-1 && service >= r->st->n_services))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_promote_now: bad argument");
    int any = 0;
    for (size_t i = 0; i < r->st->n_services; i++) {
        if (service != (size_t)-1 && i != service)
            continue;
        int state = r->st->services[i].state;
        if (state != CONVOY_SERVICE_PROGRESSING && state != CONVOY_SERVICE_HELD)
            continue;
        convoy__enter(r, i, CONVOY_SERVICE_PROMOTING);
        operator_record(r, i, "promote", "promoted by an operator, skipping the remaining steps");
        any = 1;
    }
    if (!any)
        return convoy__fail(CONVOY_E_INVALID, "no service in progress to promote");
    return CONVOY_OK;
}

int convoy_rollout_abort(convoy_rollout *r)
{
    if (!r)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_abort: NULL rollout");
    if (finished(r->st->status))
        return convoy__fail(CONVOY_E_INVALID, "the rollout is %s already",
                            convoy_rollout_status_name(r->st->status));
    r->st->aborting = 1;
    r->st->paused = 0;
    /* Every touched service, in the order a scope-all rollback uses. */
    size_t *set = convoy__malloc((r->st->n_services + 1) * sizeof *set);
    if (!set)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory aborting");
    size_t n = 0;
    for (size_t i = 0; i < r->st->n_services; i++) {
        const convoy__service_state *s = &r->st->services[i];
        if (s->touched && s->state != CONVOY_SERVICE_ROLLED_BACK &&
            s->state != CONVOY_SERVICE_ROLLING_BACK)
            set[n++] = i;
    }
    int rc = convoy__sort_reverse_dependency(r->plan, set, n);
    for (size_t k = 0; k < n && rc == CONVOY_OK; k++) {
        convoy__service_state *s = &r->st->services[set[k]];
        s->failed_step = s->step;
        convoy__enter(r, set[k], CONVOY_SERVICE_ROLLING_BACK);
        rc = convoy__queue_rollback(r->st, set[k]);
    }
    convoy__dealloc(set);
    if (rc != CONVOY_OK)
        return rc;
    return operator_record(r, (size_t)-1, "abort", "aborted by an operator");
}

/* A service an operator may roll back: deployed and not finished. */
static int live(const convoy__service_state *s)
{
    return s->touched && (s->state == CONVOY_SERVICE_DEPLOYING ||
                          s->state == CONVOY_SERVICE_PROGRESSING ||
                          s->state == CONVOY_SERVICE_PROMOTING || s->state == CONVOY_SERVICE_HELD);
}

int convoy_rollout_rollback(convoy_rollout *r, size_t service)
{
    if (!r || (service != (size_t)-1 && service >= r->st->n_services))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_rollback: bad argument");
    convoy_state *st = r->st;
    if (finished(st->status))
        return convoy__fail(CONVOY_E_INVALID, "the rollout is %s already: nothing to roll back",
                            convoy_rollout_status_name(st->status));
    size_t n = st->n_services;
    char *chosen = convoy__calloc(n ? n : 1, 1);
    size_t *set = convoy__malloc((n ? n : 1) * sizeof *set);
    if (!chosen || !set) {
        convoy__dealloc(chosen);
        convoy__dealloc(set);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory rolling back");
    }
    /* The union of the sets the plan's scope gives each target, carried out
     * in one reverse dependency order. */
    int rc = CONVOY_OK, targets = 0;
    for (size_t i = 0; i < n && rc == CONVOY_OK; i++) {
        const convoy__service_state *s = &st->services[i];
        int target = service == (size_t)-1 ? s->state == CONVOY_SERVICE_HELD
                                           : i == service && live(s);
        if (!target)
            continue;
        targets++;
        size_t k = 0;
        rc = convoy__rollback_set(r->plan, st, i, set, &k);
        for (size_t m = 0; m < k && rc == CONVOY_OK; m++)
            chosen[set[m]] = 1;
    }
    /* The union, into `set` (each target's own set is no longer needed). */
    size_t *all = set, n_all = 0;
    for (size_t i = 0; i < n; i++)
        if (chosen[i] && st->services[i].state != CONVOY_SERVICE_ROLLING_BACK)
            all[n_all++] = i;
    if (rc == CONVOY_OK && !targets)
        rc = convoy__fail(CONVOY_E_INVALID, service == (size_t)-1
                                                ? "no held service to roll back"
                                                : "service \"%s\" is not deployed and unfinished: "
                                                  "nothing to roll back",
                          service == (size_t)-1 ? "" : r->plan->services[service].name);
    else if (rc == CONVOY_OK && !n_all)
        rc = convoy__fail(CONVOY_E_INVALID, "everything that would be rolled back is rolling "
                                            "back already");
    if (rc == CONVOY_OK)
        rc = convoy__sort_reverse_dependency(r->plan, all, n_all);
    convoy__buf why = {0};
    if (rc == CONVOY_OK) {
        convoy__buf_puts(&why, "rolled back by an operator: ");
        for (size_t k = 0; k < n_all; k++) {
            queue_rollback(r, all[k]);
            convoy__buf_printf(&why, "%s%s", k ? ", " : "", r->plan->services[all[k]].name);
        }
        if (r->failed || why.failed)
            rc = convoy__fail(CONVOY_E_NOMEM, "out of memory rolling back");
    }
    convoy__dealloc(chosen);
    convoy__dealloc(set);
    if (rc == CONVOY_OK) {
        st->paused = 0;
        st->status = CONVOY_ROLLOUT_RUNNING;
        rc = operator_record(r, service, "rollback", why.data);
    }
    convoy__buf_free(&why);
    return rc;
}

int convoy_rollout_retry(convoy_rollout *r, int from)
{
    if (!r || (from != CONVOY_RETRY_FROM_FAILED_STEP && from != CONVOY_RETRY_FROM_START))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_rollout_retry: bad argument");
    int status = r->st->status;
    if (status != CONVOY_ROLLOUT_ABORTED && status != CONVOY_ROLLOUT_ROLLED_BACK)
        return convoy__fail(CONVOY_E_INVALID, "only an aborted or rolled back rollout can be "
                                              "retried; this one is %s",
                            convoy_rollout_status_name(status));
    convoy_state *st = r->st;
    for (size_t i = 0; i < st->n_services; i++) {
        convoy__service_state *s = &st->services[i];
        if (s->state != CONVOY_SERVICE_ROLLED_BACK && s->state != CONVOY_SERVICE_ROLLING_BACK)
            continue;
        size_t resume = from == CONVOY_RETRY_FROM_START || s->failed_step == CONVOY_STEP_BEFORE ||
                                s->failed_step >= r->plan->services[i].n_steps
                            ? 0
                            : s->failed_step;
        convoy__enter(r, i, CONVOY_SERVICE_PENDING);
        s->step = CONVOY_STEP_BEFORE;
        s->resume_step = resume;
        s->history_written = 0;
        s->rollback_check_ms = 0;
        convoy__metrics_clear(s);
        convoy__totals_clear(s);
    }
    st->n_rollback = 0;
    st->n_rolled_back = 0;
    st->aborting = 0;
    st->failed_evaluations = 0;
    st->status = CONVOY_ROLLOUT_RUNNING;
    return operator_record(r, (size_t)-1, from == CONVOY_RETRY_FROM_START ? "retry-from-start"
                                                                          : "retry",
                           "retried by an operator");
}
