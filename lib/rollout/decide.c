/* The rollback decision: a pure function of plan, state and one verdict. */
#include <convoy/gate.h>
#include <convoy/rollout.h>
#include <convoy/traffic.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/versioned.h"
#include "decision.h"
#include "plan/model.h"
#include "engine.h"
#include "state.h"

static const char *const KINDS[] = {"continue", "hold", "promote", "rollback", "abort"};

const char *convoy_decision_kind_name(int kind)
{
    return kind >= 0 && kind < 5 ? KINDS[kind] : NULL;
}

int convoy_verdict_init(convoy_verdict *v, uint32_t version)
{
    static const convoy_verdict defaults = CONVOY_VERDICT_INIT;
    int rc = convoy__init_versioned(v, version, CONVOY_VERDICT_VERSION, &defaults, sizeof defaults,
                                    "convoy_verdict_init");
    if (rc == CONVOY_OK)
        v->value = NAN;
    return rc;
}

static int by_key(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Reverse dependency order: deeper waves first, by name inside a wave.
 * Sorted as 64-bit keys (inverted wave, rank by name) so no comparator
 * needs the plan. */
int convoy__sort_reverse_dependency(const convoy_plan *plan, size_t *set, size_t n)
{
    if (n < 2)
        return CONVOY_OK;
    size_t *rank = convoy__malloc(plan->n_services * sizeof *rank);
    uint64_t *keys = convoy__malloc(n * sizeof *keys);
    if (!rank || !keys) {
        convoy__dealloc(rank);
        convoy__dealloc(keys);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory deciding");
    }
    for (size_t r = 0; r < plan->n_services; r++)
        rank[plan->by_name[r]] = r;
    for (size_t i = 0; i < n; i++)
        keys[i] = (uint64_t)(UINT32_MAX - plan->services[set[i]].wave) << 32 | rank[set[i]];
    qsort(keys, n, sizeof *keys, by_key);
    for (size_t i = 0; i < n; i++)
        set[i] = plan->by_name[keys[i] & UINT32_MAX];
    convoy__dealloc(rank);
    convoy__dealloc(keys);
    return CONVOY_OK;
}

/* Marks s and everything that depends on it. Iterative: dependency chains
 * can be thousands of services deep. */
static int mark_dependents(const convoy_plan *plan, char *mark, size_t s)
{
    size_t *stack = convoy__malloc((plan->n_services + 1) * sizeof *stack);
    if (!stack)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory deciding");
    size_t top = 0;
    mark[s] = 1;
    stack[top++] = s;
    while (top) {
        const convoy_service *svc = &plan->services[stack[--top]];
        for (size_t i = 0; i < svc->n_dependents; i++)
            if (!mark[svc->dependents[i]]) {
                mark[svc->dependents[i]] = 1;
                stack[top++] = svc->dependents[i];
            }
    }
    convoy__dealloc(stack);
    return CONVOY_OK;
}

int convoy__rollback_set(const convoy_plan *plan, const convoy_state *st, size_t failing,
                         size_t *set, size_t *n_set)
{
    size_t n = plan->n_services;
    *n_set = 0;
    char *mark = convoy__calloc(n ? n : 1, 1);
    if (!mark)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory deciding");
    switch (plan->rollback_scope) {
    case CONVOY_SCOPE_ALL:
        memset(mark, 1, n);
        break;
    case CONVOY_SCOPE_DEPENDENTS:
        if (mark_dependents(plan, mark, failing) != CONVOY_OK) {
            convoy__dealloc(mark);
            return CONVOY_E_NOMEM;
        }
        break;
    default:
        mark[failing] = 1;
        break;
    }
    for (size_t i = 0; i < n; i++) {
        const convoy__service_state *s = &st->services[i];
        /* Untouched services are left alone; finished rollbacks are done. */
        if (mark[i] && (s->touched || i == failing) && s->state != CONVOY_SERVICE_ROLLED_BACK)
            set[(*n_set)++] = i;
    }
    convoy__dealloc(mark);
    return convoy__sort_reverse_dependency(plan, set, *n_set);
}

static int rollback_set(convoy_decision *d, const convoy_plan *plan, const convoy_state *st,
                        size_t failing)
{
    d->rollback = convoy__calloc(plan->n_services ? plan->n_services : 1, sizeof *d->rollback);
    if (!d->rollback)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory deciding");
    return convoy__rollback_set(plan, st, failing, d->rollback, &d->n_rollback);
}

static char *dup_or_null(const char *s)
{
    return s ? convoy__strdup(s) : NULL;
}

/* The rationale is written through these: `why` is NULL when the caller
 * wants none, and then nothing is formatted. */
static void say(convoy__buf *why, const char *fmt, ...) CONVOY__PRINTF(2, 3);
static void say(convoy__buf *why, const char *fmt, ...)
{
    if (!why)
        return;
    va_list ap;
    va_start(ap, fmt);
    convoy__buf_vprintf(why, fmt, ap);
    va_end(ap);
}

static void say_puts(convoy__buf *why, const char *s)
{
    if (why)
        convoy__buf_puts(why, s);
}

static void put_value(convoy__buf *b, const convoy_verdict *v)
{
    if (!b)
        return;
    if (v->metric && !isnan(v->value))
        convoy__buf_printf(b, " (%s = %.6g)", v->metric, v->value);
    else if (v->metric)
        convoy__buf_printf(b, " (%s)", v->metric);
    if (v->reason && *v->reason)
        convoy__buf_printf(b, ": %s", v->reason);
}

static const char *gate_word(int gate)
{
    switch (gate) {
    case CONVOY_GATE_ANALYSIS:
        return "analysis";
    case CONVOY_GATE_APPROVAL:
        return "approval";
    case CONVOY_GATE_WEBHOOK:
        return "webhook";
    case CONVOY_GATE_ACTION:
        return "action";
    case CONVOY_GATE_BACKGROUND:
        return "background analysis";
    case CONVOY_GATE_ROLLBACK_WEBHOOK:
        return "rollback webhook";
    default:
        return "gate";
    }
}

static void put_set(convoy__buf *b, const convoy_plan *plan, const convoy_decision *d)
{
    if (!b)
        return;
    for (size_t i = 0; i < d->n_rollback; i++)
        convoy__buf_printf(b, "%s%s", i ? ", " : "", plan->services[d->rollback[i]].name);
}

static const char *scope_word(int scope)
{
    return scope == CONVOY_SCOPE_ALL ? "all" : scope == CONVOY_SCOPE_DEPENDENTS ? "dependents"
                                                                               : "service";
}

/* How far the release is, as the failure budget's burn rate measures it:
 * the share of all services' steps completed, counting the step in
 * progress as done (so a failure at the very first step is 1 of N, never
 * 0, and one at the last step is the whole release). */
static double release_progress(const convoy_plan *plan, const convoy_state *st)
{
    size_t total = 0, done = 0;
    for (size_t i = 0; i < plan->n_services; i++) {
        const convoy__service_state *s = &st->services[i];
        size_t n = plan->services[i].n_steps;
        total += n;
        if (s->state == CONVOY_SERVICE_PROMOTED || s->state == CONVOY_SERVICE_PROMOTING)
            done += n;
        else if (s->step != CONVOY_STEP_BEFORE && s->step < n)
            done += s->step;
    }
    double progress = ((double)done + 1.0) / (double)(total ? total : 1);
    return progress < 1.0 ? progress : 1.0;
}

/* The judgement proper; fills d->kind, the rollback set and, when `why`
 * is not NULL, the rationale. */
static int judge(convoy_decision *d, convoy__buf *why, const convoy_plan *plan,
                 const convoy_state *st, const convoy_verdict *v, uint64_t now_ms)
{
    const convoy_service *svc = &plan->services[v->service];
    const convoy__service_state *s = &st->services[v->service];
    d->failed = st->failed_evaluations;

    if (v->gate == CONVOY_GATE_HELD) {
        uint64_t ttr = plan->budget_ttr_ms;
        if (s->state == CONVOY_SERVICE_HELD && ttr && now_ms >= s->held_since_ms + ttr) {
            say(why, "%s held for %llus, longer than time_to_remediate %llus",
                svc->name, (unsigned long long)((now_ms - s->held_since_ms) / 1000),
                (unsigned long long)(ttr / 1000));
        } else {
            d->kind = CONVOY_DECISION_HOLD;
            say(why, "%s stays held", svc->name);
            return CONVOY_OK;
        }
    } else if (v->gate == CONVOY_GATE_ACTION && s->state == CONVOY_SERVICE_ROLLING_BACK &&
               v->phase != CONVOY_PHASE_SUCCESSFUL) {
        d->kind = CONVOY_DECISION_ABORT;
        say(why, "rolling back %s failed", svc->name);
        put_value(why, v);
        say_puts(why, "; stopping for an operator");
        return CONVOY_OK;
    } else if (v->phase == CONVOY_PHASE_FAILED || v->phase == CONVOY_PHASE_ERROR) {
        d->failed = st->failed_evaluations + 1;
        say(why, "%s %s %s%s%s %s", svc->name, gate_word(v->gate),
            v->name ? "\"" : "", v->name ? v->name : "", v->name ? "\"" : "",
            v->gate == CONVOY_GATE_ROLLBACK_WEBHOOK ? "asked for a rollback"
            : v->phase == CONVOY_PHASE_FAILED       ? "failed"
                                                    : "errored");
        put_value(why, v);
        int64_t budget = plan->budget_max_failed;
        /* A failed action (its retries spent) and a rollback webhook's
         * request are not evaluations to run again: outside the budget. */
        int budgeted = budget >= 0 && v->gate != CONVOY_GATE_ACTION &&
                       v->gate != CONVOY_GATE_ROLLBACK_WEBHOOK;
        if (budgeted && (int64_t)d->failed <= budget) {
            double progress = release_progress(plan, st);
            d->burn_rate = ((double)d->failed / (double)budget) / progress;
            say(why, "; failure %u of %lld allowed by the failure budget",
                d->failed, (long long)budget);
            if (plan->budget_burn_rate <= 0 || d->burn_rate <= plan->budget_burn_rate) {
                d->kind = CONVOY_DECISION_CONTINUE;
                say_puts(why, ", running the gate again");
                return CONVOY_OK;
            }
            say(why, ", but it burns at %.2fx, above max_burn_rate %gx (%.0f%% "
                     "of the budget spent %.0f%% into the release's steps)",
                d->burn_rate, plan->budget_burn_rate,
                100.0 * (double)d->failed / (double)budget, 100.0 * progress);
        } else if (budgeted) {
            say(why, "; failure budget of %lld spent", (long long)budget);
        }
    } else if (v->phase == CONVOY_PHASE_INCONCLUSIVE) {
        say(why, "%s %s %s%s%s inconclusive", svc->name, gate_word(v->gate),
            v->name ? "\"" : "", v->name ? v->name : "", v->name ? "\"" : "");
        put_value(why, v);
        if (plan->rollback_on_inconclusive != CONVOY_INCONCLUSIVE_ROLLBACK) {
            d->kind = CONVOY_DECISION_HOLD;
            say_puts(why, "; holding for an operator (on_inconclusive: hold)");
            return CONVOY_OK;
        }
        say_puts(why, " (on_inconclusive: rollback)");
    } else {
        int last = s->step != CONVOY_STEP_BEFORE && s->step + 1 >= svc->n_steps;
        d->kind = last ? CONVOY_DECISION_PROMOTE : CONVOY_DECISION_CONTINUE;
        say(why, "%s %s %s%s%s passed", svc->name, gate_word(v->gate),
            v->name ? "\"" : "", v->name ? v->name : "", v->name ? "\"" : "");
        put_value(why, v);
        say_puts(why, last ? "; last step: promoting" : "; continuing");
        return CONVOY_OK;
    }

    int rc = rollback_set(d, plan, st, v->service);
    if (rc != CONVOY_OK)
        return rc;
    if (plan->rollback_mode == CONVOY_ROLLBACK_MANUAL) {
        d->kind = CONVOY_DECISION_HOLD;
        say_puts(why, "; rollback is manual: holding for an operator to roll back ");
    } else {
        d->kind = CONVOY_DECISION_ROLLBACK;
        say_puts(why, "; rolling back ");
    }
    put_set(why, plan, d);
    say(why, " (scope %s)", scope_word(plan->rollback_scope));
    return CONVOY_OK;
}

/* The verdict is one convoy_decide can judge. */
static int check_verdict(const convoy_plan *plan, const convoy_state *state,
                         const convoy_verdict *verdict)
{
    if (verdict->version != CONVOY_VERDICT_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_decide: verdict version %u unknown",
                            verdict->version);
    int phase = verdict->phase;
    if (verdict->gate < CONVOY_GATE_ANALYSIS || verdict->gate > CONVOY_GATE_ROLLBACK_WEBHOOK ||
        (phase != CONVOY_PHASE_SUCCESSFUL && phase != CONVOY_PHASE_FAILED &&
         phase != CONVOY_PHASE_ERROR && phase != CONVOY_PHASE_INCONCLUSIVE))
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_decide: a verdict needs a known gate kind and a finished "
                            "phase (Successful, Failed, Error or Inconclusive); got gate %d, "
                            "phase %d",
                            verdict->gate, phase);
    if (state->plan != plan || verdict->service >= plan->n_services)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_decide: %s", state->plan != plan
                                                     ? "the state belongs to another plan"
                                                     : "the verdict's service does not exist");
    return CONVOY_OK;
}

int convoy__decide(convoy_decision *d, const convoy_plan *plan, const convoy_state *state,
                   const convoy_verdict *verdict, uint64_t now_ms, int explain)
{
    memset(d, 0, sizeof *d);
    d->burn_rate = NAN;
    int rc = check_verdict(plan, state, verdict);
    if (rc != CONVOY_OK)
        return rc;
    d->service = verdict->service;
    d->value = verdict->value;
    convoy__buf why = {0};
    rc = judge(d, explain ? &why : NULL, plan, state, verdict, now_ms);
    if (!explain)
        return rc;
    const convoy_service *svc = &plan->services[verdict->service];
    d->rationale = convoy__buf_take(&why);
    d->owner = dup_or_null(svc->owner);
    d->gate = dup_or_null(verdict->name);
    d->metric = dup_or_null(verdict->metric);
    if (rc == CONVOY_OK && (!d->rationale || (svc->owner && !d->owner) ||
                            (verdict->name && !d->gate) || (verdict->metric && !d->metric)))
        rc = convoy__fail(CONVOY_E_NOMEM, "out of memory deciding");
    return rc;
}

void convoy__decision_release(convoy_decision *d)
{
    convoy__dealloc(d->owner);
    convoy__dealloc(d->gate);
    convoy__dealloc(d->metric);
    convoy__dealloc(d->rationale);
    convoy__dealloc(d->rollback);
    memset(d, 0, sizeof *d);
}

int convoy_decide(convoy_decision **out, const convoy_plan *plan, const convoy_state *state,
                  const convoy_verdict *verdict, uint64_t now_ms)
{
    if (out)
        *out = NULL;
    if (!out || !plan || !state || !verdict)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_decide: NULL argument");
    int rc = check_verdict(plan, state, verdict);
    if (rc != CONVOY_OK)
        return rc;
    convoy_decision *d = convoy__calloc(1, sizeof *d);
    if (!d)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory deciding");
    rc = convoy__decide(d, plan, state, verdict, now_ms, 1);
    if (rc != CONVOY_OK) {
        convoy_decision_free(d);
        return rc;
    }
    *out = d;
    return CONVOY_OK;
}

void convoy_decision_free(convoy_decision *d)
{
    if (!d)
        return;
    convoy__decision_release(d);
    convoy__dealloc(d);
}

int convoy_decision_kind(const convoy_decision *d) { return d ? d->kind : CONVOY_E_INVALID_ARG; }
size_t convoy_decision_service(const convoy_decision *d) { return d ? d->service : (size_t)-1; }
const char *convoy_decision_owner(const convoy_decision *d) { return d ? d->owner : NULL; }
const char *convoy_decision_gate(const convoy_decision *d) { return d ? d->gate : NULL; }
const char *convoy_decision_metric(const convoy_decision *d) { return d ? d->metric : NULL; }
double convoy_decision_value(const convoy_decision *d) { return d ? d->value : NAN; }
const char *convoy_decision_rationale(const convoy_decision *d) { return d ? d->rationale : NULL; }
uint32_t convoy_decision_failed_evaluations(const convoy_decision *d) { return d ? d->failed : 0; }
double convoy_decision_burn_rate(const convoy_decision *d) { return d ? d->burn_rate : NAN; }
size_t convoy_decision_rollback_count(const convoy_decision *d) { return d ? d->n_rollback : 0; }
size_t convoy_decision_rollback_service(const convoy_decision *d, size_t i)
{
    return d && i < d->n_rollback ? d->rollback[i] : (size_t)-1;
}
