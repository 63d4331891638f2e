/*
 * convoy/backend.h - the host's side of a rollout: the callback table the
 * engine (convoy/rollout.h) calls to act on the world, and the simulated
 * backend built into the library.
 *
 * Every callback is optional (NULL): a missing action callback succeeds at
 * once, a missing metric callback reports "no data". A callback returns
 *   CONVOY_OK       done;
 *   CONVOY_PENDING  still working: the engine asks again at its next tick;
 *   a negative CONVOY_E_* code: failed (a message set with the code, as
 *                   convoy_error_last() reports it, goes into the decision
 *                   log: keep secrets out of it). The engine retries actions
 *                   (deploy, set/verify weights, promote, revert) with the
 *                   plan's backoff (rollback.retry: `attempts` retries after
 *                   the first try, waits doubling from `backoff`) and, when
 *                   they are spent, treats the action as a failed gate under
 *                   the plan's rollback policy. Gates (queries, approvals,
 *                   webhooks) are not retried: their failure is the verdict.
 * Callbacks must be idempotent: after a crash the engine resumes from its
 * last saved state and may ask for an action that had already happened.
 * All callbacks of one rollout are called from the thread that calls
 * convoy_rollout_tick() / convoy_rollout_run(), one at a time, with the
 * userdata given to convoy_rollout_new().
 */
#ifndef CONVOY_BACKEND_H
#define CONVOY_BACKEND_H

#include <convoy/core.h>
#include <convoy/plan.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "Ask me again next tick." Positive, so never mistaken for an error. */
#define CONVOY_PENDING 1

/* What the engine is asking for. Opaque; read with the getters below while
 * the callback runs (the pointer is not valid afterwards). */
typedef struct convoy_action convoy_action;

#define CONVOY_ACTION_DEPLOY 1         /* start the candidate version next to the baseline */
#define CONVOY_ACTION_SET_WEIGHTS 2
#define CONVOY_ACTION_VERIFY_WEIGHTS 3
#define CONVOY_ACTION_QUERY_METRIC 4
#define CONVOY_ACTION_APPROVAL 5
#define CONVOY_ACTION_WEBHOOK 6
#define CONVOY_ACTION_PROMOTE 7        /* make the candidate the new baseline */
#define CONVOY_ACTION_REVERT 8         /* remove the candidate, all traffic to the baseline */

CONVOY_API int convoy_action_kind(const convoy_action *action);
/* "deploy", "set-weights", ... ; NULL for an unknown kind. */
CONVOY_API const char *convoy_action_kind_name(int kind);
CONVOY_API const convoy_service *convoy_action_service(const convoy_action *action);
/* The step being run, or CONVOY_STEP_BEFORE / CONVOY_STEP_PROMOTED
 * (convoy/traffic.h) for actions outside the steps. */
CONVOY_API size_t convoy_action_step(const convoy_action *action);
/* 1 for the first try of this action at this step, 2 for the first retry... */
CONVOY_API uint32_t convoy_action_attempt(const convoy_action *action);
/* The engine's clock at this tick, ms. */
CONVOY_API uint64_t convoy_action_now_ms(const convoy_action *action);
/* Weights (set/verify weights), basis points. */
CONVOY_API uint32_t convoy_action_candidate_bp(const convoy_action *action);
CONVOY_API uint32_t convoy_action_mirror_bp(const convoy_action *action);
/* Metric queries: the metric, and which variant's value is wanted
 * (CONVOY_VARIANT_CANDIDATE, or _BASELINE for judges and relative checks). */
CONVOY_API const convoy_metric *convoy_action_metric(const convoy_action *action);
CONVOY_API int convoy_action_variant(const convoy_action *action);
/* Webhooks: the Flagger kind ("pre-rollout", ...) and the webhook object
 * as canonical JSON (secrets are still {"env": VAR} references).
 * A "rollback" webhook is a question, not a gate: it is asked while its
 * service runs its steps or waits for confirm-promotion, at once and then
 * once per the service's `interval` (Flagger shorthand; 1m by default).
 * CONVOY_OK means it asks for a rollback (Flagger: a 2xx answer), and the
 * service fails at once, outside the failure budget; CONVOY_PENDING or an
 * error means it does not. Without a webhook callback nothing asks. */
CONVOY_API const char *convoy_action_webhook_type(const convoy_action *action);
CONVOY_API const char *convoy_action_webhook_json(const convoy_action *action);

/* A metric query's answer: the callback adds zero or more values (none =
 * no data; a measurement uses the last one, a judge all of them). */
typedef struct convoy_samples convoy_samples;
/* CONVOY_E_NOMEM, CONVOY_E_LIMIT (more than 1,000,000 values per query). */
CONVOY_API int convoy_samples_add(convoy_samples *samples, double value);

typedef int (*convoy_action_fn)(const convoy_action *action, void *userdata);
/* Every decision and action as one JSON object (a decision-log record,
 * without the newline). Borrowed for the call. */
typedef void (*convoy_notify_fn)(const char *record, size_t len, void *userdata);
/* State store: save `len` bytes of JSON atomically; load into a buffer
 * allocated with convoy_alloc() (the engine frees it), CONVOY_E_NOT_FOUND
 * when nothing was saved yet. */
typedef int (*convoy_save_state_fn)(const char *json, size_t len, void *userdata);
typedef int (*convoy_load_state_fn)(char **json, size_t *len, void *userdata);
/* Wall clock for convoy_rollout_run, ms. */
typedef uint64_t (*convoy_clock_fn)(void *userdata);
typedef int (*convoy_query_fn)(convoy_samples *out, const convoy_action *action, void *userdata);

#define CONVOY_BACKEND_VERSION 1
typedef struct convoy_backend {
    uint32_t version;               /* CONVOY_BACKEND_VERSION */
    convoy_action_fn deploy;
    convoy_action_fn set_weights;
    convoy_action_fn verify_weights;
    convoy_query_fn query_metric;
    convoy_action_fn approval;      /* CONVOY_OK approved, CONVOY_PENDING waiting, error rejected */
    convoy_action_fn webhook;       /* CONVOY_OK passed (2xx in time); an error fails the check;
                                       "rollback" webhooks: see convoy_action_webhook_type */
    convoy_action_fn promote;
    convoy_action_fn revert;
    convoy_notify_fn notify;
    convoy_save_state_fn save_state;
    convoy_load_state_fn load_state;
    convoy_clock_fn clock;
} convoy_backend;
#define CONVOY_BACKEND_INIT \
    { CONVOY_BACKEND_VERSION, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
CONVOY_API int convoy_backend_init(convoy_backend *backend, uint32_t version);

/* convoy_alloc - memory the library will free with convoy_free (for
 * convoy_load_state_fn). NULL when out of memory. */
CONVOY_API void *convoy_alloc(size_t size);

/* ------------------------------------------------------------------------
 * The simulated backend (the embedded default).
 *
 * A scenario (JSON) gives, per service and variant, metric values over time,
 * piecewise constant, times in seconds of the engine clock (convoy simulate
 * starts it at 0; before the first point the first value holds), and which
 * actions fail or never answer:
 *   {"metrics": {"payments": {"candidate": {"error-rate": [[0, 0.001], [600, 0.05]]}}},
 *    "actions": {"fail": [{"service": "inventory", "action": "deploy", "times": 2}],
 *                "pending": [{"service": "payments", "action": "approval"}]}}
 * "times": N fails the first N attempts of that action at every step
 * (omitted: always fails; a failure is CONVOY_E_IO with a message naming
 * the action and attempt); "action" is a convoy_action_kind_name
 * (query-metric included); an optional "step": N limits the entry to that
 * step; a matching "fail" entry wins over "pending". "pending" actions
 * (which take no "times") answer CONVOY_PENDING for ever (an approval
 * nobody gives). Rollback webhooks answer "no rollback" (CONVOY_PENDING)
 * unless an entry {"service": S, "at": seconds} in "actions"
 * "request_rollback" says S's rollback webhooks ask from then on (S must
 * have a rollback webhook). Point lists are non-empty, times and values finite; a
 * value may also be null (no data) or the string "NaN". A judge metric gets
 * 30 values spread around the value (mean = the value). Metrics
 * are served by name whatever provider the plan names. A metric the
 * scenario does not name, and every metric without a scenario, gets a
 * healthy value: one that satisfies the metric's criteria (a judge gets
 * identical baseline and candidate samples). A scenario that names a
 * service, variant or metric the plan does not have is CONVOY_E_INVALID.
 */
typedef struct convoy_simulator convoy_simulator;

/*
 * convoy_simulator_new - a simulator for `plan` (borrowed: it must outlive
 * the simulator) and an optional scenario (`scenario` NULL with len 0 for
 * all healthy). Errors carry a JSON Pointer and line:column into the
 * scenario in convoy_error_last(). CONVOY_E_PARSE, CONVOY_E_INVALID,
 * CONVOY_E_LIMIT (16 MiB, depth 64, 64 KiB strings), CONVOY_E_INVALID_ARG,
 * CONVOY_E_NOMEM.
 */
CONVOY_API int convoy_simulator_new(convoy_simulator **out, const convoy_plan *plan,
                                    const char *scenario, size_t len);
CONVOY_API void convoy_simulator_free(convoy_simulator *sim);
/* Fill `backend` with the simulator's callbacks; pass the simulator as the
 * rollout's userdata. The simulator has no state of its own beyond the
 * scenario (failures follow convoy_action_attempt), so a resumed rollout
 * sees the same world. */
CONVOY_API int convoy_simulator_backend(convoy_backend *backend, const convoy_simulator *sim);

#ifdef __cplusplus
}
#endif

#endif /* CONVOY_BACKEND_H */
