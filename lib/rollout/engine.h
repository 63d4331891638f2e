/* Internal: the engine object and what its files share. */
#ifndef CONVOY_LIB_ROLLOUT_ENGINE_H
#define CONVOY_LIB_ROLLOUT_ENGINE_H

#include <convoy/rollout.h>
#include <convoy/traffic.h>

#include "action.h"
#include "core/buf.h"
#include "history.h"
#include "persist.h"
#include "schedule.h"
#include "state.h"

struct convoy_rollout {
    const convoy_plan *plan;
    convoy_backend be;
    void *userdata;
    convoy_state *st;
    char *state_path, *history_path;
    convoy__log log;            /* decision log file sink (may be closed) */
    convoy__history *history;   /* earlier releases, may be NULL */
    size_t history_skipped;     /* its lines that were not records */
    convoy__buf pending;        /* records of this tick, not yet written */
    convoy_samples samples;     /* reused by every metric query */
    convoy_samples baseline;    /* judges: the baseline sample */
    convoy__schedule sched;     /* which services a pass visits (memory only) */
    uint64_t next_due;          /* earliest due time seen this tick */
    int waiting;                /* a callback said CONVOY_PENDING this tick */
    int changed;                /* the state changed this tick */
    int failed;                 /* an error stopped the tick (CONVOY_E_*), 0 none */
};

/* Results of one attempt at an action. */
#define CONVOY__DONE 0
#define CONVOY__WAIT 1
#define CONVOY__FAILED 2

void convoy__due(convoy_rollout *r, uint64_t at_ms);

/* record.c: decision-log records (one JSON object per line). */
void convoy__record_action(convoy_rollout *r, size_t service, int kind, int rc,
                           const char *detail);
void convoy__record_event(convoy_rollout *r, size_t service, const char *event,
                          const char *detail);
void convoy__record_decision(convoy_rollout *r, const convoy_decision *d,
                             const convoy_verdict *v, const char *decided_by);
int convoy__records_flush(convoy_rollout *r);
/* Whether anyone reads the records (a log file or a notify callback): when
 * not, callers skip building their details. */
int convoy__records_read(const convoy_rollout *r);

/* service.c: one service's state machine. Returns 1 when it moved. */
int convoy__service_advance(convoy_rollout *r, size_t service);
int convoy__rollback_advance(convoy_rollout *r);
int convoy__can_start(const convoy_rollout *r, size_t service);
/* Notification webhooks of `type` (post-rollout, event): called once each,
 * answers ignored. */
void convoy__fire_hooks(convoy_rollout *r, size_t service, const char *type);
/* can_start, unless an abort or a scope-all rollback stopped new starts. */
int convoy__may_start(const convoy_rollout *r, size_t service);
/* Calls the action (with retries and backoff bookkeeping). */
int convoy__act(convoy_rollout *r, size_t service, convoy_action *a);
/* Decide on a verdict and apply the decision. */
int convoy__verdict(convoy_rollout *r, const convoy_verdict *v);
void convoy__enter(convoy_rollout *r, size_t service, int state);
void convoy__start_step(convoy_rollout *r, size_t service, size_t step);

/* decide.c: sort service indices dependents first (deeper waves first, by
 * name inside a wave). CONVOY_E_NOMEM. */
int convoy__sort_reverse_dependency(const convoy_plan *plan, size_t *set, size_t n);
/* The services to roll back when `failing` fails, per rollback.scope: touched
 * ones (and `failing`), not rolled back yet, dependents first, into `set`
 * (room for every service). CONVOY_E_NOMEM. */
int convoy__rollback_set(const convoy_plan *plan, const convoy_state *st, size_t failing,
                         size_t *set, size_t *n_set);

/* analysis.c: run the analysis of the current step; 1 when it finished and
 * *v holds its verdict, 0 while running. */
int convoy__analysis_advance(convoy_rollout *r, size_t service, convoy_verdict *v,
                             char *reason, size_t reason_cap);
/* The service's background analysis, measured across its steps: 1 when it
 * failed (or was inconclusive or errored) and *v holds the verdict. */
int convoy__background_advance(convoy_rollout *r, size_t service, convoy_verdict *v,
                               char *reason, size_t reason_cap);

#endif
