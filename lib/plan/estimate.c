/* Time to promote and to roll back, per service and for the whole convoy
 * (REFERENCE.md section 2's rules of thumb, computed from expanded steps). */
#include "build.h"
#include "core/alloc.h"

/* How long an analysis step takes when everything passes. */
static uint64_t analysis_length(const convoy_analysis *an, uint32_t *flags)
{
    if (an->kind == CONVOY_ANALYSIS_JUDGE)
        return an->judge_initial_delay_ms + an->judge_interval_ms * an->judge_count;
    uint64_t longest = 0;
    for (size_t i = 0; i < an->n_metrics; i++) {
        const convoy_metric *m = &an->metrics[i];
        uint64_t len = m->initial_delay_ms;
        if (m->count > 1)
            len += m->interval_ms * (m->count - 1);
        else if (m->count == 0 && m->interval_ms)
            *flags |= CONVOY_ESTIMATE_UNBOUNDED; /* runs until stopped */
        if (len > longest)
            longest = len;
    }
    return longest;
}

/* How long the analysis needs to fail a bad candidate; 0 when it cannot. */
static uint64_t detection_time(const convoy_analysis *an)
{
    if (an->kind == CONVOY_ANALYSIS_JUDGE)
        return an->judge_initial_delay_ms + an->judge_interval_ms * an->judge_count;
    uint64_t fastest = 0;
    int found = 0;
    for (size_t i = 0; i < an->n_metrics; i++) {
        const convoy_metric *m = &an->metrics[i];
        if (m->dry_run || m->failure_limit < 0)
            continue;
        uint32_t needed = (uint32_t)m->failure_limit + 1;
        uint32_t count = m->count ? m->count : (m->interval_ms ? UINT32_MAX : 1);
        if (needed > count)
            continue; /* fewer measurements than failures needed */
        uint64_t t = m->initial_delay_ms + m->interval_ms * (needed - 1);
        if (!found || t < fastest)
            fastest = t;
        found = 1;
    }
    return fastest;
}

static uint64_t step_length(const convoy_step *st, uint32_t *flags)
{
    switch (st->kind) {
    case CONVOY_STEP_PAUSE: return st->duration_ms;
    case CONVOY_STEP_APPROVAL: *flags |= CONVOY_ESTIMATE_APPROVALS; return 0;
    case CONVOY_STEP_WEBHOOK: return st->timeout_ms;
    case CONVOY_STEP_ANALYSIS: return st->analysis ? analysis_length(st->analysis, flags) : 0;
    default: return 0;
    }
}

static void estimate_service(convoy_service *svc)
{
    uint32_t flags = 0;
    uint64_t promote = 0, rollback = 0, since_weight = 0;
    for (size_t i = 0; i < svc->n_steps; i++) {
        const convoy_step *st = &svc->steps[i];
        uint64_t len = step_length(st, &flags);
        if (st->kind == CONVOY_STEP_SET_WEIGHT)
            since_weight = 0;
        /* A bad candidate is exposed when the weight rises; the rollback
         * decision comes after the steps since then and the gate's own
         * detection time. */
        if (st->kind == CONVOY_STEP_ANALYSIS && st->analysis) {
            uint64_t t = since_weight + detection_time(st->analysis);
            if (t > rollback)
                rollback = t;
        }
        promote += len;
        since_weight += len;
    }
    svc->promote_ms = promote;
    svc->rollback_ms = rollback;
    svc->estimate_flags = flags;
}

/* When `svc` has completed step `step` (-1: all of them), relative to start. */
static uint64_t time_to_step(const convoy_service *svc, int32_t step)
{
    if (step < 0)
        return svc->promote_ms;
    uint32_t ignored = 0;
    uint64_t t = 0;
    for (size_t i = 0; i < svc->n_steps && i <= (size_t)step; i++)
        t += step_length(&svc->steps[i], &ignored);
    return t;
}

void convoy__compute_estimates(convoy_plan *plan)
{
    for (size_t i = 0; i < plan->n_services; i++)
        estimate_service(&plan->services[i]);
    /* Greedy list scheduling in wave order: each service starts when its
     * dependencies allow and a max_parallel slot is free. */
    size_t slots = plan->max_parallel ? plan->max_parallel : 0;
    uint64_t *slot_free = slots ? convoy__calloc(slots, sizeof *slot_free) : NULL;
    if (slots && !slot_free)
        slots = 0; /* out of memory: estimate without the limit */
    plan->promote_ms = plan->rollback_ms = 0;
    plan->estimate_flags = 0;
    for (size_t k = 0; k < plan->n_services; k++) {
        size_t idx = plan->wave_order ? plan->wave_order[k] : k;
        convoy_service *svc = &plan->services[idx];
        uint64_t ready = 0;
        for (size_t d = 0; d < svc->n_deps; d++) {
            const convoy_service *dep = &plan->services[svc->deps[d]];
            uint64_t t = dep->start_ms + time_to_step(dep, svc->dep_steps[d]);
            if (t > ready)
                ready = t;
        }
        size_t best = 0;
        for (size_t s = 1; s < slots; s++) {
            if (slot_free[s] < slot_free[best])
                best = s;
        }
        svc->start_ms = slots && slot_free[best] > ready ? slot_free[best] : ready;
        svc->finish_ms = svc->start_ms + svc->promote_ms;
        if (slots)
            slot_free[best] = svc->finish_ms;
        if (svc->finish_ms > plan->promote_ms)
            plan->promote_ms = svc->finish_ms;
        if (svc->rollback_ms > plan->rollback_ms)
            plan->rollback_ms = svc->rollback_ms;
        plan->estimate_flags |= svc->estimate_flags;
    }
    convoy__dealloc(slot_free);
}
