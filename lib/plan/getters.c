/* Read-only introspection of a plan. */
#include <string.h>

#include "core/error.h"
#include "model.h"

const convoy_analysis *convoy__find_analysis(const convoy_plan *plan, const char *name)
{
    return convoy__find_analysis_in(plan->analyses, plan->n_analyses, name);
}

const convoy_analysis *convoy__find_analysis_in(const convoy_analysis *analyses, size_t n,
                                                const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(analyses[mid].name, name);
        if (c == 0)
            return &analyses[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- plan ---- */
const char *convoy_plan_name(const convoy_plan *p) { return p ? p->name : NULL; }
uint32_t convoy_plan_max_parallel(const convoy_plan *p) { return p ? p->max_parallel : 0; }
size_t convoy_plan_service_count(const convoy_plan *p) { return p ? p->n_services : 0; }

const convoy_service *convoy_plan_service(const convoy_plan *p, size_t i)
{
    return p && i < p->n_services ? &p->services[i] : NULL;
}

const convoy_service *convoy_plan_service_by_name(const convoy_plan *p, const char *name)
{
    if (!p || !name || !p->by_name)
        return NULL;
    size_t lo = 0, hi = p->n_services;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const convoy_service *s = &p->services[p->by_name[mid]];
        int c = strcmp(s->name, name);
        if (c == 0)
            return s;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int convoy_plan_rollback_mode(const convoy_plan *p) { return p ? p->rollback_mode : 0; }
int convoy_plan_rollback_scope(const convoy_plan *p) { return p ? p->rollback_scope : 0; }
int convoy_plan_rollback_on_inconclusive(const convoy_plan *p)
{
    return p ? p->rollback_on_inconclusive : 0;
}

size_t convoy_plan_cohort_count(const convoy_plan *p) { return p ? p->n_cohorts : 0; }

const char *convoy_plan_cohort_name(const convoy_plan *p, size_t i)
{
    return p && i < p->n_cohorts ? p->cohorts[i].name : NULL;
}

size_t convoy_plan_cohort_size(const convoy_plan *p, size_t i)
{
    return p && i < p->n_cohorts ? p->cohorts[i].n_members : 0;
}

const convoy_service *convoy_plan_cohort_service(const convoy_plan *p, size_t i, size_t j)
{
    if (!p || i >= p->n_cohorts || j >= p->cohorts[i].n_members)
        return NULL;
    return &p->services[p->cohorts[i].members[j]];
}

size_t convoy_plan_wave_count(const convoy_plan *p) { return p ? p->n_waves : 0; }

size_t convoy_plan_wave_size(const convoy_plan *p, size_t w)
{
    return p && w < p->n_waves ? p->wave_start[w + 1] - p->wave_start[w] : 0;
}

const convoy_service *convoy_plan_wave_service(const convoy_plan *p, size_t w, size_t i)
{
    if (!p || w >= p->n_waves || i >= p->wave_start[w + 1] - p->wave_start[w])
        return NULL;
    return &p->services[p->wave_order[p->wave_start[w] + i]];
}

size_t convoy_plan_analysis_count(const convoy_plan *p) { return p ? p->n_analyses : 0; }

const convoy_analysis *convoy_plan_analysis(const convoy_plan *p, size_t i)
{
    return p && i < p->n_analyses ? &p->analyses[i] : NULL;
}

const convoy_analysis *convoy_plan_analysis_by_name(const convoy_plan *p, const char *name)
{
    return p && name ? convoy__find_analysis(p, name) : NULL;
}

/* ---- services ---- */
const char *convoy_service_name(const convoy_service *s) { return s ? s->name : NULL; }
size_t convoy_service_index(const convoy_service *s) { return s ? s->index : 0; }
const char *convoy_service_owner(const convoy_service *s) { return s ? s->owner : NULL; }
const char *convoy_service_baseline(const convoy_service *s) { return s ? s->baseline : NULL; }
const char *convoy_service_candidate(const convoy_service *s) { return s ? s->candidate : NULL; }
const char *convoy_service_cohort(const convoy_service *s) { return s ? s->cohort : NULL; }
size_t convoy_service_wave(const convoy_service *s) { return s ? s->wave : 0; }
size_t convoy_service_dependency_count(const convoy_service *s) { return s ? s->n_deps : 0; }

const convoy_service *convoy_service_dependency(const convoy_service *s, size_t i)
{
    return s && i < s->n_deps ? &s->plan->services[s->deps[i]] : NULL;
}

int32_t convoy_service_dependency_step(const convoy_service *s, size_t i)
{
    return s && i < s->n_deps ? s->dep_steps[i] : -1;
}

size_t convoy_service_dependent_count(const convoy_service *s) { return s ? s->n_dependents : 0; }

const convoy_service *convoy_service_dependent(const convoy_service *s, size_t i)
{
    return s && i < s->n_dependents ? &s->plan->services[s->dependents[i]] : NULL;
}

size_t convoy_service_step_count(const convoy_service *s) { return s ? s->n_steps : 0; }

const convoy_step *convoy_service_step(const convoy_service *s, size_t i)
{
    return s && i < s->n_steps ? &s->steps[i] : NULL;
}

int convoy_service_estimate(uint64_t *promote_ms, uint64_t *rollback_ms, uint32_t *flags,
                            const convoy_service *s)
{
    if (!s)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_service_estimate: NULL service");
    if (promote_ms) *promote_ms = s->promote_ms;
    if (rollback_ms) *rollback_ms = s->rollback_ms;
    if (flags) *flags = s->estimate_flags;
    return CONVOY_OK;
}

int convoy_service_schedule(uint64_t *start_ms, uint64_t *finish_ms, const convoy_service *s)
{
    if (!s)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_service_schedule: NULL service");
    if (start_ms) *start_ms = s->start_ms;
    if (finish_ms) *finish_ms = s->finish_ms;
    return CONVOY_OK;
}

int convoy_plan_estimate(uint64_t *promote_ms, uint64_t *rollback_ms, uint32_t *flags,
                         const convoy_plan *p)
{
    if (!p)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_plan_estimate: NULL plan");
    if (promote_ms) *promote_ms = p->promote_ms;
    if (rollback_ms) *rollback_ms = p->rollback_ms;
    if (flags) *flags = p->estimate_flags;
    return CONVOY_OK;
}

/* ---- steps ---- */
int convoy_step_kind(const convoy_step *st) { return st ? st->kind : 0; }
uint32_t convoy_step_weight_bp(const convoy_step *st) { return st ? st->weight_bp : 0; }
uint32_t convoy_step_mirror_bp(const convoy_step *st) { return st ? st->mirror_bp : 0; }
uint64_t convoy_step_duration_ms(const convoy_step *st) { return st ? st->duration_ms : 0; }
uint64_t convoy_step_timeout_ms(const convoy_step *st) { return st ? st->timeout_ms : 0; }
const convoy_analysis *convoy_step_analysis(const convoy_step *st) { return st ? st->analysis : NULL; }
const char *convoy_step_webhook_name(const convoy_step *st) { return st ? st->webhook_name : NULL; }
const char *convoy_step_webhook_url(const convoy_step *st) { return st ? st->webhook_url : NULL; }
const char *convoy_step_webhook_type(const convoy_step *st) { return st ? st->webhook_type : NULL; }

/* ---- analyses and metrics ---- */
const char *convoy_analysis_name(const convoy_analysis *a) { return a ? a->name : NULL; }
int convoy_analysis_kind(const convoy_analysis *a) { return a ? a->kind : 0; }
size_t convoy_analysis_metric_count(const convoy_analysis *a) { return a ? a->n_metrics : 0; }

const convoy_metric *convoy_analysis_metric(const convoy_analysis *a, size_t i)
{
    return a && i < a->n_metrics ? &a->metrics[i] : NULL;
}

double convoy_analysis_pass_score(const convoy_analysis *a)
{
    return a && a->kind == CONVOY_ANALYSIS_JUDGE ? a->pass_score : 0;
}

double convoy_analysis_marginal_score(const convoy_analysis *a)
{
    return a && a->kind == CONVOY_ANALYSIS_JUDGE ? a->marginal_score : 0;
}

const char *convoy_metric_name(const convoy_metric *m) { return m ? m->name : NULL; }
const char *convoy_metric_provider(const convoy_metric *m) { return m ? m->provider : NULL; }
const char *convoy_metric_provider_json(const convoy_metric *m) { return m ? m->provider_json : NULL; }
uint64_t convoy_metric_interval_ms(const convoy_metric *m) { return m ? m->interval_ms : 0; }
uint64_t convoy_metric_initial_delay_ms(const convoy_metric *m) { return m ? m->initial_delay_ms : 0; }
uint32_t convoy_metric_count(const convoy_metric *m) { return m ? m->count : 0; }
int32_t convoy_metric_failure_limit(const convoy_metric *m) { return m ? m->failure_limit : 0; }
int32_t convoy_metric_inconclusive_limit(const convoy_metric *m) { return m ? m->inconclusive_limit : 0; }
int32_t convoy_metric_consecutive_error_limit(const convoy_metric *m)
{
    return m ? m->consecutive_error_limit : 0;
}
int convoy_metric_dry_run(const convoy_metric *m) { return m ? m->dry_run : 0; }
size_t convoy_metric_success_count(const convoy_metric *m) { return m ? m->n_success : 0; }

const char *convoy_metric_success(const convoy_metric *m, size_t i)
{
    return m && i < m->n_success ? m->success[i] : NULL;
}

size_t convoy_metric_failure_count(const convoy_metric *m) { return m ? m->n_failure : 0; }

const char *convoy_metric_failure(const convoy_metric *m, size_t i)
{
    return m && i < m->n_failure ? m->failure[i] : NULL;
}

const convoy_analysis *convoy_service_background_analysis(const convoy_service *svc)
{
    return svc && svc->background ? svc->background->analysis : NULL;
}
