/* Which services a pass of the tick visits: every service whose visit could
 * do something (it moved or waits on a callback, something it reads
 * changed, or the clock reached its due time), in wave order; the others
 * would only repeat a quiet visit (schedule.h). A 10,000-service plan has
 * a few hundred of those per tick, where visiting all of them in every
 * pass read the whole state several times a tick. */
#include "schedule.h"

#include <assert.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "engine.h"
#include "plan/model.h"

#define NO_COHORT SIZE_MAX

/* ---- place sets (bitmaps by place in wave order) ----------------------- */

static void set_place(uint64_t *set, size_t place)
{
    set[place / 64] |= (uint64_t)1 << (place % 64);
}

/* Every place after `after` (SIZE_MAX: every place) up to n. */
static void set_places_after(uint64_t *set, size_t after, size_t n)
{
    size_t from = after == SIZE_MAX ? 0 : after + 1;
    if (from >= n)
        return;
    size_t first = from / 64, last = (n - 1) / 64;
    for (size_t w = first; w <= last; w++)
        set[w] = ~(uint64_t)0;
    set[first] &= ~(uint64_t)0 << (from % 64);
    if (n % 64)
        set[last] &= ((uint64_t)1 << (n % 64)) - 1;
}

static size_t lowest_bit(uint64_t word)
{
#if defined(__GNUC__) || defined(__clang__)
    return (size_t)__builtin_ctzll(word);
#else
    size_t b = 0;
    while (!(word & 1)) {
        word >>= 1;
        b++;
    }
    return b;
#endif
}

/* ---- creating ---------------------------------------------------------- */

/* The cohort a service shifts traffic with, as an index into the plan's
 * cohorts (the engine used to look it up by name on every check). */
static void index_cohorts(convoy__schedule *s, const convoy_plan *plan)
{
    for (size_t i = 0; i < s->n; i++)
        s->cohort[i] = NO_COHORT;
    for (size_t c = 0; c < plan->n_cohorts; c++) {
        const convoy__cohort *co = &plan->cohorts[c];
        for (size_t m = 0; m < co->n_members; m++) {
            const char *name = plan->services[co->members[m]].cohort;
            if (name && strcmp(name, co->name) == 0)
                s->cohort[co->members[m]] = c;
        }
    }
}

int convoy__schedule_init(convoy__schedule *s, const convoy_rollout *r)
{
    const convoy_plan *plan = r->plan;
    memset(s, 0, sizeof *s);
    s->n = plan->n_services;
    s->words = s->n / 64 + 1;
    s->place = convoy__calloc(s->n + 1, sizeof *s->place);
    s->cohort = convoy__calloc(s->n + 1, sizeof *s->cohort);
    s->step_readers = convoy__calloc(s->n + 1, sizeof *s->step_readers);
    s->state = convoy__calloc(s->n + 1, sizeof *s->state);
    s->due = convoy__calloc(s->n + 1, sizeof *s->due);
    s->this_pass = convoy__calloc(s->words, sizeof *s->this_pass);
    s->next_pass = convoy__calloc(s->words, sizeof *s->next_pass);
    if (!s->place || !s->cohort || !s->step_readers || !s->state || !s->due || !s->this_pass ||
        !s->next_pass) {
        convoy__schedule_free(s);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory creating a rollout");
    }
    for (size_t k = 0; k < s->n; k++)
        s->place[plan->wave_order[k]] = k;
    index_cohorts(s, plan);
    for (size_t i = 0; i < s->n; i++)
        for (size_t d = 0; d < plan->services[i].n_deps; d++)
            if (plan->services[i].dep_steps[d] >= 0)
                s->step_readers[plan->services[i].deps[d]] = 1;
    return CONVOY_OK;
}

void convoy__schedule_free(convoy__schedule *s)
{
    convoy__dealloc(s->place);
    convoy__dealloc(s->cohort);
    convoy__dealloc(s->step_readers);
    convoy__dealloc(s->state);
    convoy__dealloc(s->due);
    convoy__dealloc(s->this_pass);
    convoy__dealloc(s->next_pass);
    memset(s, 0, sizeof *s);
}

void convoy__schedule_invalidate(convoy__schedule *s)
{
    s->in_step = 0;
}

/* ---- per-state counts and packed states -------------------------------- */

static void recount(convoy__schedule *s, const convoy_state *st)
{
    memset(s->counts, 0, sizeof s->counts);
    for (size_t i = 0; i < st->n_services; i++) {
        int state = st->services[i].state;
        s->state[i] = (unsigned char)state;
        if (state >= 0 && state < CONVOY__SERVICE_STATES)
            s->counts[state]++;
    }
}

void convoy__schedule_state_changed(convoy__schedule *s, size_t service, int from, int to)
{
    s->state[service] = (unsigned char)to;
    if (from >= 0 && from < CONVOY__SERVICE_STATES && s->counts[from])
        s->counts[from]--;
    if (to >= 0 && to < CONVOY__SERVICE_STATES)
        s->counts[to]++;
    if (to != from && (to == CONVOY_SERVICE_PROMOTED || to == CONVOY_SERVICE_ROLLED_BACK))
        s->finished_any = 1;
}

size_t convoy__schedule_active(const convoy__schedule *s)
{
    return s->counts[CONVOY_SERVICE_DEPLOYING] + s->counts[CONVOY_SERVICE_PROGRESSING] +
           s->counts[CONVOY_SERVICE_PROMOTING] + s->counts[CONVOY_SERVICE_HELD];
}

/* ---- waking ------------------------------------------------------------ */

/* A service must be visited again: later in this pass when its place comes
 * after the one being visited (the full pass would have seen the change
 * there), else in the next pass. */
static void wake(convoy__schedule *s, size_t service)
{
    size_t place = s->place[service];
    set_place(s->at != SIZE_MAX && place > s->at ? s->this_pass : s->next_pass, place);
}

static void wake_cohort(convoy__schedule *s, const convoy_plan *plan, size_t service)
{
    size_t c = s->cohort[service];
    if (c == NO_COHORT)
        return;
    for (size_t m = 0; m < plan->cohorts[c].n_members; m++)
        wake(s, plan->cohorts[c].members[m]);
}

/* A service's dependents, which read it when they start, and their
 * cohorts (a cohort starts when every pending member's dependencies are
 * ready). */
static void wake_dependents(convoy__schedule *s, const convoy_plan *plan, size_t service)
{
    const convoy_service *svc = &plan->services[service];
    for (size_t d = 0; d < svc->n_dependents; d++) {
        wake(s, svc->dependents[d]);
        wake_cohort(s, plan, svc->dependents[d]);
    }
}

/* What dependents read of a service (dependency_ready in service.c):
 * whether it is promoted, and its state and step when one of them waits
 * for a named step of it. Other changes (a stage, an analysis) need not
 * wake them. */
typedef struct dependency_view {
    int state;
    size_t step;
} dependency_view;

static dependency_view dependency_view_of(const convoy_rollout *r, size_t service)
{
    const convoy__service_state *x = &r->st->services[service];
    dependency_view v = {x->state == CONVOY_SERVICE_PROMOTED, 0};
    if (r->sched.step_readers[service]) {
        v.state = x->state;
        v.step = x->step;
    }
    return v;
}

/* A visit that did something: the service itself, and who reads what it
 * changed. A cohort member may change its whole cohort (lockstep), so
 * every member and all their dependents are woken. */
static void wake_around(convoy_rollout *r, size_t service, const dependency_view *before)
{
    convoy__schedule *s = &r->sched;
    size_t c = s->cohort[service];
    wake(s, service);
    if (c == NO_COHORT) {
        dependency_view after = dependency_view_of(r, service);
        if (after.state != before->state || after.step != before->step)
            wake_dependents(s, r->plan, service);
        return;
    }
    const convoy__cohort *co = &r->plan->cohorts[c];
    for (size_t m = 0; m < co->n_members; m++) {
        wake(s, co->members[m]);
        wake_dependents(s, r->plan, co->members[m]);
    }
}

static void wake_everything(convoy__schedule *s)
{
    set_places_after(s->this_pass, s->at, s->n);
    set_places_after(s->next_pass, SIZE_MAX, s->n);
}

/* ---- visiting ---------------------------------------------------------- */

/* The rollout-wide fields a quiet visit reads: who may start (an abort, a
 * scope-all rollback, a free max_parallel slot) and the rollback queue,
 * whose changes reach services anywhere in the plan. */
typedef struct rollout_wide {
    size_t n_rollback, n_rolled_back;
    int aborting;
    int slots_full;
} rollout_wide;

static rollout_wide rollout_wide_now(const convoy_rollout *r)
{
    rollout_wide w;
    w.n_rollback = r->st->n_rollback;
    w.n_rolled_back = r->st->n_rolled_back;
    w.aborting = r->st->aborting;
    w.slots_full = r->plan->max_parallel &&
                   convoy__schedule_active(&r->sched) >= r->plan->max_parallel;
    return w;
}

static int rollout_wide_changed(const rollout_wide *a, const rollout_wide *b)
{
    return a->n_rollback != b->n_rollback || a->n_rolled_back != b->n_rolled_back ||
           a->aborting != b->aborting || a->slots_full != b->slots_full;
}

/* Runs fn with the tick's "changed", "waiting" and due time cleared, so
 * that what this one call did can be told apart, then merges them back.
 * Returns whether the call was quiet; *due gets its earliest due time. */
static int quiet_call(convoy_rollout *r, int (*fn)(convoy_rollout *, size_t), size_t arg,
                      int *moved, uint64_t *due)
{
    int changed = r->changed, waiting = r->waiting;
    uint64_t next_due = r->next_due;
    r->changed = 0;
    r->waiting = 0;
    r->next_due = UINT64_MAX;
    *moved = fn(r, arg);
    *due = r->next_due;
    int quiet = !*moved && !r->changed && !r->waiting && *due > r->st->now_ms;
    r->changed |= changed;
    r->waiting |= waiting;
    if (next_due < r->next_due)
        r->next_due = next_due;
    return quiet;
}

static int visit(convoy_rollout *r, size_t place)
{
    convoy__schedule *s = &r->sched;
    size_t service = r->plan->wave_order[place];
    rollout_wide before = rollout_wide_now(r);
    dependency_view seen = dependency_view_of(r, service);
    s->at = place;
    int moved;
    int quiet = quiet_call(r, convoy__service_advance, service, &moved, &s->due[place]);
    if (!quiet)
        wake_around(r, service, &seen);
    rollout_wide after = rollout_wide_now(r);
    if (rollout_wide_changed(&before, &after))
        wake_everything(s);
    return moved;
}

static int rollback_queue(convoy_rollout *r, size_t unused)
{
    (void)unused;
    return convoy__rollback_advance(r);
}

/* ---- the tick ---------------------------------------------------------- */

void convoy__schedule_begin_tick(convoy_rollout *r)
{
    convoy__schedule *s = &r->sched;
    s->at = SIZE_MAX;
    if (s->in_step && s->records_seen == r->st->records)
        return;
    /* First tick, a failed one, or a change from outside (every operator
     * call writes a record): counts from the state, and a full pass. */
    recount(s, r->st);
    s->finished_any = 1;
    memset(s->next_pass, 0, s->words * sizeof *s->next_pass);
    set_places_after(s->next_pass, SIZE_MAX, s->n);
    s->in_step = 1;
}

/* What the pass visits: what the last one woke, and in the first pass of a
 * tick also every service whose due time has come. */
static void plan_pass(convoy__schedule *s, uint64_t now, int first)
{
    uint64_t *t = s->this_pass;
    s->this_pass = s->next_pass;
    s->next_pass = t;
    memset(s->next_pass, 0, s->words * sizeof *s->next_pass);
    s->at = SIZE_MAX;
    for (size_t p = 0; first && p < s->n; p++)
        if (s->due[p] <= now)
            set_place(s->this_pass, p);
}

int convoy__schedule_pass(convoy_rollout *r, int first)
{
    convoy__schedule *s = &r->sched;
    plan_pass(s, r->st->now_ms, first);
    int moved;
    uint64_t due;
    /* The rollback queue acts before the services; what it changes can
     * reach any of them. */
    if (!quiet_call(r, rollback_queue, 0, &moved, &due))
        wake_everything(s);
    if (due < r->next_due)
        r->next_due = due;
    for (size_t w = 0; w < s->words && !r->failed; w++) {
        while (s->this_pass[w] && !r->failed) {
            size_t place = w * 64 + lowest_bit(s->this_pass[w]);
            s->this_pass[w] &= s->this_pass[w] - 1;
            moved |= visit(r, place);
        }
    }
    return moved;
}

uint64_t convoy__schedule_next_due(const convoy_rollout *r)
{
    const convoy__schedule *s = &r->sched;
    /* A failed pass stopped at s->at: the services after it were not
     * reached, and do not count. */
    size_t end = r->failed && s->at != SIZE_MAX ? s->at + 1 : r->failed ? 0 : s->n;
    uint64_t due = UINT64_MAX;
    for (size_t p = 0; p < end; p++)
        if (s->due[p] < due)
            due = s->due[p];
    return due;
}

void convoy__schedule_end_tick(convoy_rollout *r)
{
    convoy__schedule *s = &r->sched;
    s->records_seen = r->st->records;
    if (r->failed)
        s->in_step = 0;
#ifndef NDEBUG
    size_t counted[CONVOY__SERVICE_STATES];
    memcpy(counted, s->counts, sizeof counted);
    for (size_t i = 0; i < s->n; i++)
        assert(s->state[i] == (unsigned char)r->st->services[i].state &&
               "a service changed state without convoy__schedule_state_changed");
    recount(s, r->st);
    assert(memcmp(counted, s->counts, sizeof counted) == 0 &&
           "a service changed state without convoy__schedule_state_changed");
#endif
}
