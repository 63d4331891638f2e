/*
 * convoy/rollout.h - one rollout across many dependent services: the pure
 * rollback decision, the rollout state, and the tick-driven engine.
 *
 * The engine is a deterministic state machine: convoy_rollout_tick(now)
 * looks at the state, calls the host's callbacks (convoy/backend.h) for
 * what is due, evaluates gates with convoy/gate.h, decides with
 * convoy_decide(), records every decision and action in the decision log,
 * and saves the state. The host supplies the time, so a simulation runs
 * faster than real time and production uses the wall clock; the same
 * inputs give the same decisions everywhere.
 */
#ifndef CONVOY_ROLLOUT_H
#define CONVOY_ROLLOUT_H

#include <convoy/backend.h>
#include <convoy/core.h>
#include <convoy/plan.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * States.
 */

/* A service in a rollout. */
#define CONVOY_SERVICE_PENDING 0      /* untouched: waiting for its dependencies or a slot */
#define CONVOY_SERVICE_DEPLOYING 1    /* candidate being deployed */
#define CONVOY_SERVICE_PROGRESSING 2  /* running its steps */
#define CONVOY_SERVICE_HELD 3         /* waiting for an operator (inconclusive, manual mode) */
#define CONVOY_SERVICE_PROMOTING 4
#define CONVOY_SERVICE_PROMOTED 5
#define CONVOY_SERVICE_ROLLING_BACK 6 /* in the rollback set, waiting for its turn or reverting */
#define CONVOY_SERVICE_ROLLED_BACK 7
/* "pending", "deploying", ..., "rolled_back"; NULL for unknown values. */
CONVOY_API const char *convoy_service_state_name(int state);

/* The rollout as a whole. */
#define CONVOY_ROLLOUT_RUNNING 0
#define CONVOY_ROLLOUT_PAUSED 1       /* by the operator */
#define CONVOY_ROLLOUT_HELD 2         /* nothing can move until an operator acts */
#define CONVOY_ROLLOUT_PROMOTED 3     /* every service promoted */
#define CONVOY_ROLLOUT_ROLLED_BACK 4  /* a rollback finished; nothing else can move */
#define CONVOY_ROLLOUT_ABORTED 5      /* by the operator, or a revert failed */
/* "running", "paused", "held", "promoted", "rolled_back", "aborted". */
CONVOY_API const char *convoy_rollout_status_name(int status);

/* ------------------------------------------------------------------------
 * The rollback decision (pure).
 */

#define CONVOY_DECISION_CONTINUE 0
#define CONVOY_DECISION_HOLD 1
#define CONVOY_DECISION_PROMOTE 2
#define CONVOY_DECISION_ROLLBACK 3
#define CONVOY_DECISION_ABORT 4
/* "continue", "hold", "promote", "rollback", "abort". */
CONVOY_API const char *convoy_decision_kind_name(int kind);

/* Gate kinds a verdict comes from. */
#define CONVOY_GATE_ANALYSIS 1
#define CONVOY_GATE_APPROVAL 2   /* rejected or timed out */
#define CONVOY_GATE_WEBHOOK 3
#define CONVOY_GATE_ACTION 4     /* a backend action that failed after its retries */
#define CONVOY_GATE_HELD 5       /* no new evaluation: the decision re-checks a held service */
#define CONVOY_GATE_BACKGROUND 6 /* the service's background analysis (across its steps) */
#define CONVOY_GATE_ROLLBACK_WEBHOOK 7 /* a Flagger rollback webhook asked for a rollback */

#define CONVOY_VERDICT_VERSION 1
/* One finished gate evaluation of one service. Strings are borrowed for the
 * call to convoy_decide. */
typedef struct convoy_verdict {
    uint32_t version;      /* CONVOY_VERDICT_VERSION */
    size_t service;        /* index in convoy_plan_service order */
    int gate;              /* CONVOY_GATE_* */
    int phase;             /* CONVOY_PHASE_* (gate.h): SUCCESSFUL, FAILED, ERROR, INCONCLUSIVE */
    const char *name;      /* analysis, webhook or action name; may be NULL */
    const char *metric;    /* the metric that decided; may be NULL */
    double value;          /* its value; NaN when none */
    const char *reason;    /* one line; may be NULL */
} convoy_verdict;
#define CONVOY_VERDICT_INIT { CONVOY_VERDICT_VERSION, 0, 0, 0, NULL, NULL, 0.0, NULL }
CONVOY_API int convoy_verdict_init(convoy_verdict *v, uint32_t version);

typedef struct convoy_state convoy_state;
typedef struct convoy_decision convoy_decision;

/*
 * convoy_decide - what to do after `verdict`, given the plan and the state.
 *
 * Rules, in order:
 *  - a service held longer than failure_budget.time_to_remediate is rolled
 *    back (GATE_HELD verdicts ask exactly this);
 *  - a failed action of the rollback itself (revert) aborts: a person must
 *    look;
 *  - Failed or Error counts one failed evaluation against the release's
 *    failure_budget.max_failed_evaluations; within the budget the decision
 *    is CONTINUE (the engine runs the gate again one analysis interval, or
 *    the retry backoff, later), beyond it (or with no budget) the
 *    service fails: ROLLBACK per rollback.scope - `service`: that service;
 *    `dependents`: it and every service depending on it, transitively;
 *    `all`: the whole convoy - always only services that were touched, in
 *    reverse dependency order (dependents first; within a wave, by name);
 *  - with failure_budget.max_burn_rate, a failure within the budget still
 *    rolls back when the budget burns too fast: burn rate = (failed
 *    evaluations / max_failed_evaluations) / (share of the release's steps
 *    done, counting the step in progress), the SRE error-budget burn rate
 *    with steps as the clock; 1.0 spends the budget exactly by the end of
 *    the release, above max_burn_rate rolls back (ROLLBACK as above);
 *  - Inconclusive follows rollback.on_inconclusive: HOLD (default, as Argo
 *    pauses) or ROLLBACK as above;
 *  - rollback.mode `manual` turns every ROLLBACK into a HOLD that waits
 *    for an operator (the rollback set is still given);
 *  - Successful: PROMOTE when it was the service's last step, else CONTINUE.
 * The decision names the failing service, its owner, the gate, metric and
 * value that decided, and a one-line rationale.
 *
 * A failed action (GATE_ACTION: its retries are already spent) and a
 * rollback webhook's request (GATE_ROLLBACK_WEBHOOK, as Flagger stops the
 * analysis) fail the service at once, outside the budget.
 *
 * Pure: reads its arguments only. Returns CONVOY_OK; CONVOY_E_INVALID_ARG
 * (NULL, service out of range, an unknown gate kind, a phase that is not
 * finished: Successful, Failed, Error or Inconclusive), CONVOY_E_VERSION,
 * CONVOY_E_NOMEM.
 */
CONVOY_API int convoy_decide(convoy_decision **out, const convoy_plan *plan,
                             const convoy_state *state, const convoy_verdict *verdict,
                             uint64_t now_ms);
CONVOY_API void convoy_decision_free(convoy_decision *d);
CONVOY_API int convoy_decision_kind(const convoy_decision *d);
/* The service the verdict was about (SIZE_MAX for NULL). */
CONVOY_API size_t convoy_decision_service(const convoy_decision *d);
CONVOY_API const char *convoy_decision_owner(const convoy_decision *d);   /* NULL if none */
CONVOY_API const char *convoy_decision_gate(const convoy_decision *d);    /* NULL if none */
CONVOY_API const char *convoy_decision_metric(const convoy_decision *d);  /* NULL if none */
CONVOY_API double convoy_decision_value(const convoy_decision *d);        /* NaN if none */
CONVOY_API const char *convoy_decision_rationale(const convoy_decision *d);
/* Failed evaluations counted so far, including this verdict's. */
CONVOY_API uint32_t convoy_decision_failed_evaluations(const convoy_decision *d);
/* The failure budget's burn rate measured for this decision (see above:
 * failures within the budget), NaN when none was measured (a pass, no
 * budget, a failure beyond the budget or outside it). */
CONVOY_API double convoy_decision_burn_rate(const convoy_decision *d);
/* The rollback set in the order to roll back (empty unless ROLLBACK, or a
 * HOLD that manual mode made of one). */
CONVOY_API size_t convoy_decision_rollback_count(const convoy_decision *d);
CONVOY_API size_t convoy_decision_rollback_service(const convoy_decision *d, size_t i);

/* ------------------------------------------------------------------------
 * Rollout state: everything needed to resume. Saved as JSON.
 */

/* convoy_state_new - the state of a rollout of `plan` that has not started.
 * convoy_state_from_json - read a saved state; it must belong to `plan`
 * (same plan name and services), else CONVOY_E_INVALID; malformed JSON is
 * CONVOY_E_PARSE with line and column. The plan is borrowed and must outlive
 * the state. */
CONVOY_API int convoy_state_new(convoy_state **out, const convoy_plan *plan);
CONVOY_API int convoy_state_from_json(convoy_state **out, const convoy_plan *plan,
                                      const char *json, size_t len);
/* Compact JSON, freed with convoy_free(). */
CONVOY_API int convoy_state_to_json(char **out, size_t *len_out, const convoy_state *state);
CONVOY_API void convoy_state_free(convoy_state *state);
CONVOY_API int convoy_state_status(const convoy_state *state);                   /* CONVOY_ROLLOUT_* */
CONVOY_API int convoy_state_service_state(const convoy_state *state, size_t service);
/* Current step index (CONVOY_STEP_BEFORE before the first). */
CONVOY_API size_t convoy_state_service_step(const convoy_state *state, size_t service);
CONVOY_API uint32_t convoy_state_service_candidate_bp(const convoy_state *state, size_t service);
/* 1 when the service was ever deployed (it is then part of rollbacks). */
CONVOY_API int convoy_state_service_touched(const convoy_state *state, size_t service);
CONVOY_API uint32_t convoy_state_failed_evaluations(const convoy_state *state);
CONVOY_API uint64_t convoy_state_now_ms(const convoy_state *state);
/* Decisions taken so far (records in the decision log that are decisions). */
CONVOY_API uint64_t convoy_state_decisions(const convoy_state *state);
/* The rollback order actually carried out, services by index. */
CONVOY_API size_t convoy_state_rollback_count(const convoy_state *state);
CONVOY_API size_t convoy_state_rollback_service(const convoy_state *state, size_t i);

/* ------------------------------------------------------------------------
 * The engine.
 */
typedef struct convoy_rollout convoy_rollout;

#define CONVOY_ROLLOUT_OPTIONS_VERSION 1
typedef struct convoy_rollout_options {
    uint32_t version;           /* CONVOY_ROLLOUT_OPTIONS_VERSION */
    uint32_t flags;             /* none yet */
    /* Decision log as JSON Lines, appended (fsync'd before the state that
     * counts its records is saved). NULL: no file (the notify callback
     * still gets every record). */
    const char *log_path;
    /* File state store, written atomically (temporary file, fsync,
     * rename). Used when the backend has no save_state/load_state. NULL
     * with neither: the state lives in memory only. */
    const char *state_path;
    /* History store (JSON Lines): outcome and metric aggregates of each
     * finished service, read back for Keptn relative criteria. NULL: none. */
    const char *history_path;
} convoy_rollout_options;
#define CONVOY_ROLLOUT_OPTIONS_INIT \
    { CONVOY_ROLLOUT_OPTIONS_VERSION, 0u, NULL, NULL, NULL }
CONVOY_API int convoy_rollout_options_init(convoy_rollout_options *opts, uint32_t version);

/*
 * convoy_rollout_new - an engine for `plan` (borrowed; must outlive it)
 * with the host's callbacks (copied) and their userdata. When a saved state
 * exists (backend load_state, or opts->state_path holds one) the rollout
 * resumes from it; the decision log is then cut back to the records that
 * state counts, so a resumed run appends exactly what an uninterrupted run
 * would have. Returns CONVOY_OK; CONVOY_E_INVALID_ARG, CONVOY_E_VERSION,
 * CONVOY_E_INVALID / CONVOY_E_PARSE (a saved state that does not fit),
 * CONVOY_E_IO, CONVOY_E_NOMEM.
 */
CONVOY_API int convoy_rollout_new(convoy_rollout **out, const convoy_plan *plan,
                                  const convoy_backend *backend, void *userdata,
                                  const convoy_rollout_options *opts);
CONVOY_API void convoy_rollout_free(convoy_rollout *r);

/*
 * convoy_rollout_tick - advance to time `now_ms` (never earlier than the
 * previous tick; an earlier time is treated as the previous one). Calls
 * what is due, decides, logs, saves. Returns the rollout status
 * (CONVOY_ROLLOUT_*, >= 0) or a negative error (CONVOY_E_IO when the state
 * or log cannot be written: the rollout then stops where it is).
 */
CONVOY_API int convoy_rollout_tick(convoy_rollout *r, uint64_t now_ms);

/* The earliest time something is due (a pause ends, a measurement, a retry,
 * a timeout); UINT64_MAX when nothing will happen without an operator or a
 * callback that said CONVOY_PENDING (then: the next tick, any time). */
CONVOY_API uint64_t convoy_rollout_next_due(const convoy_rollout *r);

/*
 * convoy_rollout_run - tick with the backend clock until the rollout is
 * promoted, rolled back, aborted or held; sleeps between due times (at
 * most `poll_ms` while callbacks are pending). Returns the final status or
 * an error. Blocking; for hosts without an event loop.
 */
CONVOY_API int convoy_rollout_run(convoy_rollout *r, uint32_t poll_ms);

CONVOY_API const convoy_state *convoy_rollout_state(const convoy_rollout *r);
CONVOY_API int convoy_rollout_status(const convoy_rollout *r);

/* Operator controls; each is logged as a decision and takes effect at the
 * next tick. CONVOY_E_INVALID when not possible in the current status (the
 * message says why). */
CONVOY_API int convoy_rollout_pause(convoy_rollout *r);
CONVOY_API int convoy_rollout_resume(convoy_rollout *r);   /* also releases holds */
/* Skip the remaining steps of `service` (SIZE_MAX: of every service in
 * progress) and promote. */
CONVOY_API int convoy_rollout_promote_now(convoy_rollout *r, size_t service);
/* Abort: every touched service is reverted (reverse dependency order). */
CONVOY_API int convoy_rollout_abort(convoy_rollout *r);
/* Roll back now what the plan's rollback.scope gives for `service` (the
 * set convoy_decide would roll back had it failed: touched services only,
 * dependents first), or with SIZE_MAX for every held service (the union of
 * their sets, in one reverse dependency order). This is how an operator
 * carries out a rollback that rollback.mode `manual` turned into a hold;
 * in automatic mode it also rolls back a service an operator gives up on.
 * `service` must be deployed and unfinished (deploying, progressing,
 * promoting or held). Clears a pause. CONVOY_E_INVALID_ARG (NULL, service
 * out of range), CONVOY_E_INVALID (the rollout is finished, the service
 * is not live, no service is held, or everything is rolling back
 * already), CONVOY_E_NOMEM. */
CONVOY_API int convoy_rollout_rollback(convoy_rollout *r, size_t service);
/* Retry after an abort or a rollback: services that were rolled back start
 * again from the step that failed (CONVOY_RETRY_FROM_FAILED_STEP) or from
 * the start (CONVOY_RETRY_FROM_START); the failure budget is reset. */
#define CONVOY_RETRY_FROM_FAILED_STEP 0
#define CONVOY_RETRY_FROM_START 1
CONVOY_API int convoy_rollout_retry(convoy_rollout *r, int from);

#ifdef __cplusplus
}
#endif

#endif /* CONVOY_ROLLOUT_H */
