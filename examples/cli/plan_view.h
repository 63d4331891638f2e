/*
 * plan_view.h - a parsed plan with its time estimates, gathered before
 * anything is printed so that a failing library call leaves no half output.
 */
#ifndef CONVOY_CLI_PLAN_VIEW_H
#define CONVOY_CLI_PLAN_VIEW_H

#include <convoy/convoy.h>
#include <stdint.h>
#include <stdio.h>

typedef struct svc_estimate {
    uint64_t promote_ms, rollback_ms; /* convoy_service_estimate */
    uint64_t start_ms, finish_ms;     /* convoy_service_schedule */
    uint32_t flags;                   /* CONVOY_ESTIMATE_* */
} svc_estimate;

typedef struct plan_view {
    const convoy_plan *plan;
    svc_estimate *services; /* one per service, in document order */
    size_t n_services;
    uint64_t promote_ms, rollback_ms; /* convoy_plan_estimate */
    uint32_t flags;
} plan_view;

/* The plan for people: waves, then each service, then the convoy's estimate. */
void plan_print_text(FILE *f, const plan_view *v);

/* The plan as one JSON object on one line (see `convoy help plan`). */
void plan_print_json(FILE *f, const plan_view *v);

#endif
