/* Internal: the in-memory form of a validated plan. Everything here is
 * owned by the plan and allocated through the library allocator. */
#ifndef CONVOY_LIB_PLAN_MODEL_H
#define CONVOY_LIB_PLAN_MODEL_H

#include <convoy/plan.h>
#include <stdint.h>

#include "core/arena.h"
#include "criterion.h"

struct convoy_step {
    int kind;
    uint32_t weight_bp;   /* weight in effect during the step */
    uint32_t mirror_bp;   /* mirror in effect during the step */
    uint64_t duration_ms;
    uint64_t timeout_ms;
    const convoy_analysis *analysis;
    char *analysis_name;  /* as referenced */
    char *webhook_name, *webhook_url;
    const char *webhook_type;
    char *webhook_json;   /* canonical JSON of the whole webhook object */
    char *origin;         /* JSON Pointer where the step came from */
};

struct convoy_metric {
    char *name;
    char *provider;
    char *provider_json;  /* canonical JSON of the provider settings */
    uint64_t interval_ms, initial_delay_ms;
    uint32_t count;
    int32_t failure_limit, inconclusive_limit, consecutive_error_limit;
    int dry_run;
    char **success;
    size_t n_success;
    char **failure;
    size_t n_failure;
    /* The same criteria parsed once at build (the plan validated them):
     * the engine measures with these instead of parsing the strings at
     * every measurement. NULL when there are none. */
    convoy__criterion *success_parsed, *failure_parsed;
    int has_min, has_max;
    double min, max;
    char *judge_json;     /* canonical JSON of the judge-only settings, or NULL */
};

struct convoy_analysis {
    char *name;
    int kind;
    convoy_metric *metrics;
    size_t n_metrics;
    double pass_score, marginal_score;
    char *judge_json;     /* canonical JSON of the `judge` block, or NULL */
    uint64_t judge_interval_ms, judge_initial_delay_ms;
    uint32_t judge_count;
};

struct convoy_service {
    convoy_plan *plan;
    size_t index;
    char *name, *owner, *description, *baseline, *candidate, *cohort;
    char *sticky_json;    /* canonical JSON of traffic.sticky, or NULL */
    char *traffic_json;   /* canonical JSON of traffic without cohort, or NULL */
    char *webhooks_json;  /* canonical JSON array of service webhooks, or NULL */
    convoy_step *hooks;   /* the same webhooks parsed (kind CONVOY_STEP_WEBHOOK) */
    convoy_step *background; /* background_analysis as an analysis step, or NULL */
    size_t n_hooks;
    size_t n_rollback_hooks; /* hooks of type "rollback": asked while the service runs */
    size_t wave;
    size_t *deps;         /* indices into plan->services */
    int32_t *dep_steps;
    size_t n_deps;
    size_t *dependents;
    size_t n_dependents;
    convoy_step *steps;
    size_t n_steps;
    /* Flagger's analysis interval (shorthand `interval`, default 1m): how
     * often rollback webhooks are asked. */
    uint64_t interval_ms;
    /* schedule, filled by estimate.c */
    uint64_t promote_ms, rollback_ms, start_ms, finish_ms;
    uint32_t estimate_flags;
};

typedef struct convoy__cohort {
    char *name;
    size_t *members;      /* service indices, by name */
    size_t n_members;
} convoy__cohort;

/* Everything a plan owns lives in its arena. Each service's steps array is
 * grown on the heap while building; convoy__pack_steps then moves them all
 * into one arena block (steps_packed), or leaves them when out of memory. */
struct convoy_plan {
    convoy__arena arena;
    char *name, *description;
    uint32_t max_parallel;
    convoy_service *services;
    size_t n_services;
    size_t *by_name;           /* service indices sorted by name */
    convoy_analysis *analyses; /* sorted by name */
    size_t n_analyses;
    convoy__cohort *cohorts;   /* sorted by name */
    size_t n_cohorts;
    size_t *wave_order;        /* service indices, wave by wave, by name inside */
    size_t *wave_start;        /* n_waves + 1 offsets into wave_order */
    size_t n_waves;
    int rollback_mode, rollback_scope, rollback_on_inconclusive;
    uint32_t retry_attempts;
    uint64_t retry_backoff_ms;
    char *failure_budget_json; /* canonical JSON or NULL */
    int64_t budget_max_failed; /* failed evaluations allowed, -1: no budget */
    double budget_burn_rate;   /* 0: none */
    uint64_t budget_ttr_ms;    /* time to remediate a held service, 0: none */
    char *policies_json;       /* canonical JSON or NULL */
    uint64_t promote_ms, rollback_ms;
    uint32_t estimate_flags;
    int steps_packed;          /* the services' steps live in the arena */
};

void convoy__plan_destroy(convoy_plan *plan);
/* Binary search in plan->analyses (sorted by name). */
const convoy_analysis *convoy__find_analysis(const convoy_plan *plan, const char *name);
const convoy_analysis *convoy__find_analysis_in(const convoy_analysis *analyses, size_t n,
                                                const char *name);

#endif
