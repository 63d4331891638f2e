/* Internal: the rollout state. Everything the engine needs to resume lives
 * here (and in its JSON form); nothing else in the engine survives a tick. */
#ifndef CONVOY_LIB_ROLLOUT_STATE_H
#define CONVOY_LIB_ROLLOUT_STATE_H

#include <convoy/rollout.h>
#include <stddef.h>
#include <stdint.h>

/* Where a service is inside its current state (resumable sub-steps). */
#define CONVOY__STAGE_ENTER 0     /* nothing done yet for this state/step */
#define CONVOY__STAGE_CONFIRM 1   /* confirm webhooks passed */
#define CONVOY__STAGE_APPLIED 2   /* main action done (e.g. weights set) */
#define CONVOY__STAGE_VERIFIED 3  /* weights verified */
#define CONVOY__STAGE_DONE 4      /* step finished, waiting for its cohort */

/* Outcome letters of one metric's measurements, oldest first
 * (S successful, F failed, I inconclusive, E error). */
#define CONVOY__MAX_MEASUREMENTS 4096

typedef struct convoy__metric_progress {
    char *outcomes;          /* heap, NUL-terminated */
    size_t n_outcomes;
    size_t cap_outcomes;     /* bytes at outcomes; 0: exactly n_outcomes + 1 (read back) */
    uint64_t next_due_ms;
    double last_value;       /* NaN when none */
    double sum;              /* of measured values, for history */
    uint32_t n_values;
} convoy__metric_progress;

typedef struct convoy__service_state {
    /* What most visits read comes first, without padding: a tick visits a
     * whole wave pass after pass, and at 10,000 services a wave's states
     * no longer stay in the nearer caches, so each line a visit touches
     * costs (bench_simulate). */
    int state;               /* CONVOY_SERVICE_* */
    int stage;               /* CONVOY__STAGE_* inside the step or state */
    size_t step;             /* CONVOY_STEP_BEFORE before the first */
    size_t hook;             /* next service webhook of the current moment */
    uint64_t since_ms;       /* entered the current state */
    uint64_t step_started_ms;
    uint64_t retry_at_ms;    /* 0: no retry waiting */
    uint32_t attempt;        /* tries of the current action, 0 before the first */
    int in_flight;           /* the current try answered CONVOY_PENDING: same attempt */
    uint32_t candidate_bp, mirror_bp;  /* last applied */
    convoy__metric_progress *metrics;  /* of the running analysis, n = its metric count */
    size_t n_metrics;
    /* The background analysis, measured across the steps: progress per
     * metric (NULL until it starts) and when it (re)starts. */
    convoy__metric_progress *background;
    size_t n_background;
    uint64_t background_at_ms;
    uint64_t rollback_check_ms; /* next time rollback webhooks are asked, 0 at once */
    /* Most analyses have one metric: then metrics points here, and totals
     * at one_total, instead of at an allocation (memory only; at 10,000
     * services an allocation per analysis fragmented the heap). */
    convoy__metric_progress one_metric;
    int touched;
    int history_written;
    uint64_t hook_started_ms;/* when that webhook was first called (its timeout) */
    uint64_t held_since_ms;
    size_t failed_step;      /* where it failed (for retry), CONVOY_STEP_BEFORE */
    size_t resume_step;      /* first step to run after (re)deploying, 0 normally */
    /* The last finished measurement analysis (its step, and each metric's
     * sum and count of values): what the history store records. */
    size_t totals_step;      /* CONVOY_STEP_BEFORE: none yet */
    convoy__metric_progress *totals;
    size_t n_totals;
    convoy__metric_progress one_total;
    double judge_score;      /* last judge score, NaN when none */
    uint32_t judge_rounds;
} convoy__service_state;

struct convoy_state {
    const convoy_plan *plan;
    int status;              /* CONVOY_ROLLOUT_* */
    int paused;              /* operator pause, on top of status */
    int aborting;            /* 1: operator abort, reverting; 2: stopped (a revert failed) */
    uint64_t now_ms;
    uint64_t started_ms;
    int started;
    uint32_t failed_evaluations;
    uint64_t decisions;      /* decision records written */
    uint64_t records;        /* all log records written */
    uint64_t log_bytes;      /* decision log length that those records fill */
    size_t *rollback_queue;  /* services to roll back, in order */
    size_t n_rollback, cap_rollback;
    size_t *rolled_back;     /* order actually carried out */
    size_t n_rolled_back;
    convoy__service_state *services;
    size_t n_services;
};

int convoy__state_alloc(convoy_state **out, const convoy_plan *plan);
void convoy__metrics_clear(convoy__service_state *s);
/* Start measuring for an analysis with `n` metrics. */
int convoy__metrics_reset(convoy__service_state *s, size_t n);
int convoy__metric_append(convoy__metric_progress *m, char outcome);
/* Keep the current analysis's values as the service's totals. */
int convoy__metrics_keep_totals(convoy__service_state *s);
void convoy__totals_clear(convoy__service_state *s);
int convoy__background_reset(convoy__service_state *s, size_t n);
void convoy__background_clear(convoy__service_state *s);
int convoy__queue_rollback(convoy_state *st, size_t service);
int convoy__note_rolled_back(convoy_state *st, size_t service);

#endif
