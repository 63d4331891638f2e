/*
 * convoy/plan.h - rollout plans: parsing, validation, introspection,
 * dependency waves and canonical serialisation.
 *
 * A plan is a JSON document (see README.md, "Plan format"). Parsing checks
 * syntax, structure, references, dependency cycles and the plan's own
 * policies, and reports *every* problem it finds as a diagnostic with a
 * stable code, a message, an RFC 6901 JSON Pointer and a 1-based line and
 * column in the source text.
 *
 * A parsed convoy_plan is immutable: it may be shared between threads and
 * read concurrently without locking. Every `const` pointer a getter returns
 * is borrowed from the plan and stays valid until convoy_plan_free().
 */
#ifndef CONVOY_PLAN_H
#define CONVOY_PLAN_H

#include "core.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct convoy_plan convoy_plan;
typedef struct convoy_service convoy_service;
typedef struct convoy_step convoy_step;
typedef struct convoy_analysis convoy_analysis;
typedef struct convoy_metric convoy_metric;
typedef struct convoy_diagnostics convoy_diagnostics;

/* ------------------------------------------------------------------------
 * Diagnostic codes. Stable forever: never renumbered, only appended. Each has
 * a stable short name (convoy_problem_name) used by the CLI and JSON output.
 */
#define CONVOY_P_SYNTAX 1            /* "syntax": the text is not valid JSON */
#define CONVOY_P_LIMIT 2             /* "limit": size/depth/count/length limit exceeded */
#define CONVOY_P_UNKNOWN_KEY 3       /* "unknown-key": a key the format does not define */
#define CONVOY_P_TYPE 4              /* "type": a value of the wrong JSON type */
#define CONVOY_P_RANGE 5             /* "range": a number outside its allowed range */
#define CONVOY_P_DURATION 6          /* "duration": a malformed or out-of-range duration */
#define CONVOY_P_PRECISION 7         /* "precision": a weight with more than two decimals */
#define CONVOY_P_MISSING 8           /* "missing": a required field is absent */
#define CONVOY_P_UNKNOWN_REF 9       /* "unknown-reference": names a missing service/analysis/template */
#define CONVOY_P_DUPLICATE 10        /* "duplicate": two items share one name */
#define CONVOY_P_DUPLICATE_KEY 11    /* "duplicate-key": one object has a key twice */
#define CONVOY_P_SELF_DEPENDENCY 12  /* "self-dependency": a service depends on itself */
#define CONVOY_P_CYCLE 13            /* "cycle": dependencies form a cycle */
#define CONVOY_P_ENUM 14             /* "enum": a string outside the allowed set */
#define CONVOY_P_STEP 15             /* "step": a step without exactly one known kind */
#define CONVOY_P_CRITERION 16        /* "criterion": a malformed success/failure criterion */
#define CONVOY_P_REGEX 17            /* "regex": a pattern PCRE2 cannot compile */
#define CONVOY_P_CONFLICT 18         /* "conflict": fields that cannot be used together */
#define CONVOY_P_EMPTY 19            /* "empty": an empty string, array or object where content is required */
#define CONVOY_P_SECRET 20           /* "secret": a secret given literally instead of {"env": NAME} */
#define CONVOY_P_COHORT 21           /* "cohort": cohort members that cannot move in lockstep */
#define CONVOY_P_POLICY_WEIGHT_JUMP 22       /* "policy-max-weight-jump" */
#define CONVOY_P_POLICY_ANALYSIS_BEFORE 23   /* "policy-analysis-before-weight" */
#define CONVOY_P_POLICY_REQUIRED_METRIC 24   /* "policy-required-metric" */
#define CONVOY_P_POLICY_ROLLBACK_MODE 25     /* "policy-automatic-rollback" */
#define CONVOY_P_POLICY_OWNER 26             /* "policy-owner-required" */
#define CONVOY_P_POLICY_WAVE_SIZE 27         /* "policy-max-services-per-wave" */
#define CONVOY_P_TOO_MANY 28         /* "too-many-problems": reporting stopped at max_diagnostics */
#define CONVOY_P_NAME 29             /* "name": an invalid identifier */

/* convoy_problem_name - the stable short name of a diagnostic code
 * ("unknown-key", ...); "unknown" for codes this library does not know.
 * Static string. Thread-safe. */
CONVOY_API const char *convoy_problem_name(int problem_code);

/* ------------------------------------------------------------------------
 * Parse options (versioned; grows only at the end).
 */
#define CONVOY_PARSE_OPTIONS_VERSION 1

/* Skip the checks of the plan's `policies` block (structure is still
 * validated). For tools that want to show a plan that may not start. */
#define CONVOY_PARSE_SKIP_POLICIES 0x1u

typedef struct convoy_parse_options {
    uint32_t version;            /* CONVOY_PARSE_OPTIONS_VERSION */
    uint32_t flags;              /* CONVOY_PARSE_* flags */
    size_t max_document_bytes;   /* default 16 MiB */
    uint32_t max_depth;          /* JSON nesting depth, default 64 (at most 1000 is honoured) */
    uint32_t max_services;       /* default 10000 */
    size_t max_string_bytes;     /* any single JSON string, default 65536 */
    uint32_t max_diagnostics;    /* reported problems before "too-many-problems", default 1000 */
} convoy_parse_options;

#define CONVOY_PARSE_OPTIONS_INIT \
    { CONVOY_PARSE_OPTIONS_VERSION, 0u, (size_t)16 * 1024 * 1024, 64u, 10000u, (size_t)65536, 1000u }

/* convoy_parse_options_init - fill `opts` with the defaults for `version`.
 * Returns CONVOY_E_INVALID_ARG for NULL, CONVOY_E_VERSION for a version this
 * library does not know. For bindings that cannot use the macro. */
CONVOY_API int convoy_parse_options_init(convoy_parse_options *opts, uint32_t version);

/* ------------------------------------------------------------------------
 * Parsing.
 */

/*
 * convoy_plan_parse - parse and validate a plan from memory.
 *
 * `json` need not be NUL-terminated; `len` bytes are read and copied as
 * needed. `opts` may be NULL for the defaults. `diags_out` may be NULL;
 * otherwise it receives a diagnostics list (possibly empty) that the caller
 * frees with convoy_diagnostics_free(), on success and on failure alike
 * (NULL only on CONVOY_E_NOMEM or CONVOY_E_INVALID_ARG).
 *
 * Returns CONVOY_OK and stores the plan in *out; or:
 *   CONVOY_E_PARSE   the text is not JSON (one CONVOY_P_SYNTAX diagnostic),
 *   CONVOY_E_LIMIT   a limit in `opts` was exceeded,
 *   CONVOY_E_INVALID the plan has problems (all of them in the diagnostics),
 *   CONVOY_E_VERSION, CONVOY_E_INVALID_ARG, CONVOY_E_NOMEM.
 * On failure *out is set to NULL and convoy_error_last() describes the first
 * problem (with its pointer, line and column). Thread-safe.
 */
CONVOY_API int convoy_plan_parse(convoy_plan **out, convoy_diagnostics **diags_out,
                                 const char *json, size_t len,
                                 const convoy_parse_options *opts);

/*
 * convoy_plan_parse_file - as convoy_plan_parse, reading the file at `path`.
 * CONVOY_E_IO when it cannot be read; CONVOY_E_LIMIT when it is larger than
 * max_document_bytes (checked before reading it all). Thread-safe.
 */
CONVOY_API int convoy_plan_parse_file(convoy_plan **out, convoy_diagnostics **diags_out,
                                      const char *path, const convoy_parse_options *opts);

/* convoy_plan_free - release a plan and everything borrowed from it. NULL ok. */
CONVOY_API void convoy_plan_free(convoy_plan *plan);

/* ------------------------------------------------------------------------
 * Diagnostics: an immutable list, ordered by position in the source.
 * Index getters return 0 / NULL for an index out of range. Strings are
 * borrowed from the list.
 */
CONVOY_API size_t convoy_diagnostics_count(const convoy_diagnostics *diags);
CONVOY_API int convoy_diagnostic_code(const convoy_diagnostics *diags, size_t i);
CONVOY_API const char *convoy_diagnostic_message(const convoy_diagnostics *diags, size_t i);
CONVOY_API const char *convoy_diagnostic_pointer(const convoy_diagnostics *diags, size_t i);
CONVOY_API uint32_t convoy_diagnostic_line(const convoy_diagnostics *diags, size_t i);
CONVOY_API uint32_t convoy_diagnostic_column(const convoy_diagnostics *diags, size_t i);
/* convoy_diagnostics_free - release the list. NULL ok. */
CONVOY_API void convoy_diagnostics_free(convoy_diagnostics *diags);

/* ------------------------------------------------------------------------
 * Plan introspection. All getters are thread-safe on a shared plan and
 * return NULL / 0 for NULL arguments or out-of-range indices.
 */
CONVOY_API const char *convoy_plan_name(const convoy_plan *plan);
/* Top-level max_parallel: services allowed to progress at once (0 = no limit). */
CONVOY_API uint32_t convoy_plan_max_parallel(const convoy_plan *plan);

CONVOY_API size_t convoy_plan_service_count(const convoy_plan *plan);
/* Services in document order. */
CONVOY_API const convoy_service *convoy_plan_service(const convoy_plan *plan, size_t i);
CONVOY_API const convoy_service *convoy_plan_service_by_name(const convoy_plan *plan,
                                                              const char *name);

/* Rollback policy (the plan's `rollback` block with defaults applied). */
#define CONVOY_ROLLBACK_AUTOMATIC 0
#define CONVOY_ROLLBACK_MANUAL 1
#define CONVOY_SCOPE_SERVICE 0
#define CONVOY_SCOPE_DEPENDENTS 1
#define CONVOY_SCOPE_ALL 2
#define CONVOY_INCONCLUSIVE_HOLD 0
#define CONVOY_INCONCLUSIVE_ROLLBACK 1
CONVOY_API int convoy_plan_rollback_mode(const convoy_plan *plan);
CONVOY_API int convoy_plan_rollback_scope(const convoy_plan *plan);
CONVOY_API int convoy_plan_rollback_on_inconclusive(const convoy_plan *plan);

/* Cohorts: named groups of services that move in lockstep, in name order. */
CONVOY_API size_t convoy_plan_cohort_count(const convoy_plan *plan);
CONVOY_API const char *convoy_plan_cohort_name(const convoy_plan *plan, size_t i);
CONVOY_API size_t convoy_plan_cohort_size(const convoy_plan *plan, size_t i);
/* Members of cohort i, in name order. */
CONVOY_API const convoy_service *convoy_plan_cohort_service(const convoy_plan *plan, size_t i,
                                                             size_t j);

/*
 * Dependency waves: wave 0 holds the services without dependencies, wave
 * k+1 those whose deepest dependency is in wave k (topological levels).
 * Inside a wave, services are ordered by name (bytewise), so the result is
 * the same for any document order.
 */
CONVOY_API size_t convoy_plan_wave_count(const convoy_plan *plan);
CONVOY_API size_t convoy_plan_wave_size(const convoy_plan *plan, size_t wave);
CONVOY_API const convoy_service *convoy_plan_wave_service(const convoy_plan *plan, size_t wave,
                                                           size_t i);

/* Analyses (plan `analyses`, with analysis templates expanded), in name order. */
CONVOY_API size_t convoy_plan_analysis_count(const convoy_plan *plan);
CONVOY_API const convoy_analysis *convoy_plan_analysis(const convoy_plan *plan, size_t i);
CONVOY_API const convoy_analysis *convoy_plan_analysis_by_name(const convoy_plan *plan,
                                                                const char *name);

/* ------------------------------------------------------------------------
 * Services.
 */
CONVOY_API const char *convoy_service_name(const convoy_service *svc);
/* Index of the service in convoy_plan_service() order. */
CONVOY_API size_t convoy_service_index(const convoy_service *svc);
CONVOY_API const char *convoy_service_owner(const convoy_service *svc);      /* NULL if none */
CONVOY_API const char *convoy_service_baseline(const convoy_service *svc);   /* NULL if none */
CONVOY_API const char *convoy_service_candidate(const convoy_service *svc);  /* NULL if none */
CONVOY_API const char *convoy_service_cohort(const convoy_service *svc);     /* NULL if none */
/* 0-based wave of the service (see convoy_plan_wave_*). */
CONVOY_API size_t convoy_service_wave(const convoy_service *svc);

/* Direct dependencies, in the order `depends_on` lists them. */
CONVOY_API size_t convoy_service_dependency_count(const convoy_service *svc);
CONVOY_API const convoy_service *convoy_service_dependency(const convoy_service *svc, size_t i);
/* The step index of the dependency that must be completed before this
 * service may start, or -1 when the dependency must be fully promoted
 * (`{"service": "x", "step": N}` in depends_on gives N). */
CONVOY_API int32_t convoy_service_dependency_step(const convoy_service *svc, size_t i);
/* Direct dependents (services that list this one), in document order. */
CONVOY_API size_t convoy_service_dependent_count(const convoy_service *svc);
CONVOY_API const convoy_service *convoy_service_dependent(const convoy_service *svc, size_t i);

/* The analysis named by `background_analysis`: measured across all the
 * service's steps, from its first step until it is promoted. NULL if none. */
CONVOY_API const convoy_analysis *convoy_service_background_analysis(const convoy_service *svc);
/* The service's steps, with the Flagger shorthand and templates expanded. */
CONVOY_API size_t convoy_service_step_count(const convoy_service *svc);
CONVOY_API const convoy_step *convoy_service_step(const convoy_service *svc, size_t i);

/* ------------------------------------------------------------------------
 * Steps.
 */
#define CONVOY_STEP_SET_WEIGHT 1
#define CONVOY_STEP_PAUSE 2      /* timed pause */
#define CONVOY_STEP_APPROVAL 3   /* pause until approved, optionally with a timeout */
#define CONVOY_STEP_ANALYSIS 4
#define CONVOY_STEP_WEBHOOK 5
#define CONVOY_STEP_SET_MIRROR 6

CONVOY_API int convoy_step_kind(const convoy_step *step);
/* Candidate weight in basis points (0-10000) in effect *during* this step:
 * the step's own weight for set_weight, else that of the latest earlier
 * set_weight (0 before the first). */
CONVOY_API uint32_t convoy_step_weight_bp(const convoy_step *step);
/* Mirror percentage in basis points in effect during this step (set_mirror). */
CONVOY_API uint32_t convoy_step_mirror_bp(const convoy_step *step);
/* Pause duration, approval/webhook timeout, in milliseconds (0 = none). */
CONVOY_API uint64_t convoy_step_duration_ms(const convoy_step *step);
CONVOY_API uint64_t convoy_step_timeout_ms(const convoy_step *step);
/* The analysis an analysis step runs; NULL for other kinds. */
CONVOY_API const convoy_analysis *convoy_step_analysis(const convoy_step *step);
/* Webhook steps: name, URL and Flagger kind ("rollout", "confirm-promotion", ...). */
CONVOY_API const char *convoy_step_webhook_name(const convoy_step *step);
CONVOY_API const char *convoy_step_webhook_url(const convoy_step *step);
CONVOY_API const char *convoy_step_webhook_type(const convoy_step *step);

/* ------------------------------------------------------------------------
 * Analyses and metrics.
 */
#define CONVOY_ANALYSIS_MEASUREMENT 1 /* Argo-style: metrics with success/failure criteria */
#define CONVOY_ANALYSIS_JUDGE 2       /* Kayenta-style: baseline vs candidate, scored */

CONVOY_API const char *convoy_analysis_name(const convoy_analysis *an);
CONVOY_API int convoy_analysis_kind(const convoy_analysis *an);
CONVOY_API size_t convoy_analysis_metric_count(const convoy_analysis *an);
CONVOY_API const convoy_metric *convoy_analysis_metric(const convoy_analysis *an, size_t i);
/* Judge analyses: score thresholds (0-100); 0 for measurement analyses. */
CONVOY_API double convoy_analysis_pass_score(const convoy_analysis *an);
CONVOY_API double convoy_analysis_marginal_score(const convoy_analysis *an);

CONVOY_API const char *convoy_metric_name(const convoy_metric *m);
/* Provider name (the single key of `provider`) and its settings as compact
 * canonical JSON text (borrowed). */
CONVOY_API const char *convoy_metric_provider(const convoy_metric *m);
CONVOY_API const char *convoy_metric_provider_json(const convoy_metric *m);
CONVOY_API uint64_t convoy_metric_interval_ms(const convoy_metric *m);       /* 0 = unset */
CONVOY_API uint64_t convoy_metric_initial_delay_ms(const convoy_metric *m);
/* Measurements to take; 0 = unset (1 when interval is unset too, unbounded otherwise). */
CONVOY_API uint32_t convoy_metric_count(const convoy_metric *m);
CONVOY_API int32_t convoy_metric_failure_limit(const convoy_metric *m);       /* default 0, -1 disables */
CONVOY_API int32_t convoy_metric_inconclusive_limit(const convoy_metric *m);  /* default 0 */
CONVOY_API int32_t convoy_metric_consecutive_error_limit(const convoy_metric *m); /* default 4 */
CONVOY_API int convoy_metric_dry_run(const convoy_metric *m);                 /* 0 or 1 */
/* Success / failure criteria strings, as written (each must hold). */
CONVOY_API size_t convoy_metric_success_count(const convoy_metric *m);
CONVOY_API const char *convoy_metric_success(const convoy_metric *m, size_t i);
CONVOY_API size_t convoy_metric_failure_count(const convoy_metric *m);
CONVOY_API const char *convoy_metric_failure(const convoy_metric *m, size_t i);

/* ------------------------------------------------------------------------
 * Time estimates (REFERENCE.md section 2 rules of thumb, made exact for the
 * expanded steps).
 *
 * Time to promote a service: the sum of its pause durations and of each
 * analysis step's length (the longest metric's initial_delay + interval x
 * (count - 1); a judge's initial_delay + interval x count), plus each
 * webhook step's timeout. Time to roll back: the longest time from a weight
 * increase that exposes a bad candidate to the rollback decision, i.e. the
 * steps run since that set_weight plus the gating analysis's detection time
 * (its fastest non-dry-run metric's initial_delay + interval x
 * failure_limit). For the Flagger shorthand this is interval x 1 per check,
 * REFERENCE.md's "interval x threshold". 0 when no analysis gates the
 * service (nothing would detect a failure).
 * For the whole plan, promotion is scheduled wave by wave: a service starts
 * when its dependencies are done (or have completed the named step), with at
 * most max_parallel services in progress; rollback is the slowest service's.
 * Approvals cannot be timed: they count as zero and set
 * CONVOY_ESTIMATE_APPROVALS. An analysis with an interval and no count runs
 * until stopped: it counts as zero and sets CONVOY_ESTIMATE_UNBOUNDED.
 */
#define CONVOY_ESTIMATE_APPROVALS 0x1u
#define CONVOY_ESTIMATE_UNBOUNDED 0x2u

/* Any out-parameter may be NULL. Returns CONVOY_E_INVALID_ARG for a NULL
 * service/plan. Thread-safe on a shared plan. */
CONVOY_API int convoy_service_estimate(uint64_t *promote_ms, uint64_t *rollback_ms,
                                       uint32_t *flags, const convoy_service *svc);
CONVOY_API int convoy_plan_estimate(uint64_t *promote_ms, uint64_t *rollback_ms,
                                    uint32_t *flags, const convoy_plan *plan);
/* When the service starts and finishes in the plan-wide schedule, in ms. */
CONVOY_API int convoy_service_schedule(uint64_t *start_ms, uint64_t *finish_ms,
                                       const convoy_service *svc);

/* ------------------------------------------------------------------------
 * Serialisation.
 */
#define CONVOY_JSON_PRETTY 0x1u

/*
 * convoy_plan_to_json - the plan as canonical JSON: defaults, templates and
 * the Flagger shorthand expanded, every default written out, keys in a fixed
 * order. Parsing the output gives an equal plan, and serialising that gives
 * the same bytes. *out is NUL-terminated and freed with convoy_free();
 * *len_out (may be NULL) receives its length without the NUL.
 * Thread-safe on a shared plan.
 */
CONVOY_API int convoy_plan_to_json(char **out, size_t *len_out, const convoy_plan *plan,
                                   uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif /* CONVOY_PLAN_H */
