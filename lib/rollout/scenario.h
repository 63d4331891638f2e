/* Internal: a simulator scenario (convoy/backend.h, "The simulated
 * backend"), read once and checked against its plan, so that the callbacks
 * only ever look things up and can never meet a name the plan lacks. */
#ifndef CONVOY_LIB_ROLLOUT_SCENARIO_H
#define CONVOY_LIB_ROLLOUT_SCENARIO_H

#include <convoy/plan.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

/* What a point of a metric series says. */
#define CONVOY__POINT_VALUE 0
#define CONVOY__POINT_NODATA 1   /* null: the provider answers without data */
#define CONVOY__POINT_NAN 2      /* "NaN" */

typedef struct convoy__point {
    double t;        /* seconds of the engine clock; strictly increasing in a series */
    int kind;        /* CONVOY__POINT_* */
    double value;    /* CONVOY__POINT_VALUE only; finite */
} convoy__point;

typedef struct convoy__series {
    size_t service;          /* index in convoy_plan_service order */
    int variant;             /* CONVOY_VARIANT_* */
    const char *metric;      /* a metric name of an analysis the service runs */
    const convoy__point *points;
    size_t n_points;         /* >= 1 */
} convoy__series;

#define CONVOY__RULE_FAIL 0
#define CONVOY__RULE_PENDING 1
#define CONVOY__RULE_ROLLBACK 2  /* the service's rollback webhooks ask from `at` on */

typedef struct convoy__rule {
    int what;        /* CONVOY__RULE_* */
    size_t service;
    int kind;        /* CONVOY_ACTION_* */
    int has_step;
    size_t step;     /* only when has_step; < the service's step count */
    uint32_t times;  /* FAIL: attempts 1..times fail; 0 = every attempt */
    double at;       /* ROLLBACK: seconds of the engine clock */
} convoy__rule;

typedef struct convoy__scenario {
    convoy__arena arena;     /* everything below */
    convoy__series *series;  /* document order */
    size_t n_series;
    convoy__rule *rules;     /* "fail", "pending" and "request_rollback" entries */
    size_t n_rules;
} convoy__scenario;

/* Limits of a scenario document; beyond them CONVOY_E_LIMIT. */
#define CONVOY__SCENARIO_MAX_BYTES ((size_t)16 * 1024 * 1024)
#define CONVOY__SCENARIO_MAX_DEPTH 64u
#define CONVOY__SCENARIO_MAX_STRING ((size_t)65536)

/*
 * Reads `json` (`len` bytes, not necessarily NUL-terminated) into *out
 * (which is zeroed first and must be released with convoy__scenario_free,
 * also on failure). Errors, recorded with convoy__fail_at:
 *   CONVOY_E_PARSE   not JSON (line:column of the problem, pointer "");
 *   CONVOY_E_LIMIT   larger or deeper than the limits above;
 *   CONVOY_E_INVALID the first problem in document order, with the JSON
 *                    Pointer and line:column of the offending value (of its
 *                    key for unknown or duplicate keys and unknown names);
 *   CONVOY_E_NOMEM.
 */
int convoy__scenario_parse(convoy__scenario *out, const convoy_plan *plan, const char *json,
                           size_t len);
void convoy__scenario_free(convoy__scenario *sc);

/* The series for (service, variant, metric name), NULL when the scenario
 * does not name it. */
const convoy__series *convoy__scenario_series(const convoy__scenario *sc, size_t service,
                                              int variant, const char *metric);

/* The point in effect at `t` seconds: the last one at or before t, the
 * first one before any (the first value holds from the start). */
const convoy__point *convoy__series_at(const convoy__series *s, double t);

/* What the scenario makes of an action: CONVOY__RULE_FAIL when a "fail"
 * entry for (service, kind[, step]) covers `attempt`, else
 * CONVOY__RULE_PENDING when a "pending" entry matches, else -1. A failure
 * wins over pending, so "fail twice, then never answer" can be written. */
int convoy__scenario_action(const convoy__scenario *sc, size_t service, int kind, size_t step,
                            uint32_t attempt);

/* Whether the scenario has the service's rollback webhooks ask for a
 * rollback at `t` seconds (a "request_rollback" entry with at <= t). */
int convoy__scenario_rollback_requested(const convoy__scenario *sc, size_t service, double t);

/* The analysis of step i of `svc`, and for i == step count its background
 * analysis (NULL where there is none): what a service measures. */
static inline const convoy_analysis *convoy__service_analysis(const convoy_service *svc, size_t i)
{
    return i < convoy_service_step_count(svc)
               ? convoy_step_analysis(convoy_service_step(svc, i))
               : convoy_service_background_analysis(svc);
}

#endif
