/*
 * convoy/gate.h - gate evaluation: criteria, Argo-style measurement
 * counting, Keptn-style objectives with history, the Mann-Whitney U test and
 * a Kayenta-compatible canary judge with group scoring.
 *
 * Everything here is a pure, deterministic function of its arguments: no
 * I/O, no global state, no locks. All functions are thread-safe; a
 * convoy_metric_run is used by one thread at a time.
 *
 * Semantics follow ../shared/REFERENCE.md sections 1-4; where Convoy decides
 * something the references leave open (NaN, missing data, infinities) the
 * function's comment says what happens.
 */
#ifndef CONVOY_GATE_H
#define CONVOY_GATE_H

#include "core.h"
#include "plan.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Criteria (Keptn grammar): "<0.01", ">=99.5", "<=+10%", ">-5%", "=+1".
 * Spaces are ignored. A value with '%' or a leading sign is relative to the
 * aggregate A of earlier results: "+x%" -> A*(1+x/100), "-x%" -> A*(1-x/100),
 * "+x" -> A+x, "-x" -> A-x. Otherwise it is absolute.
 */
#define CONVOY_CRITERION_FAIL 0
#define CONVOY_CRITERION_PASS 1

/*
 * convoy_criterion_check - does `value` satisfy `criterion`?
 * `aggregate` is the aggregate of earlier results for relative criteria;
 * pass NaN when there are none: a relative criterion then passes (Keptn).
 * A NaN `value` satisfies no criterion. Comparisons with "=" are exact.
 * Stores CONVOY_CRITERION_PASS or _FAIL in *result. Returns CONVOY_E_PARSE
 * for a malformed criterion, with convoy_error_last() giving the 1-based
 * character position in its column and a message ("a number was expected").
 */
CONVOY_API int convoy_criterion_check(int *result, const char *criterion, double value,
                                      double aggregate);

/* convoy_criterion_validate - CONVOY_OK when `criterion` is well-formed, else
 * CONVOY_E_PARSE as above. */
CONVOY_API int convoy_criterion_validate(const char *criterion);

#define CONVOY_AGGREGATE_AVG 0
#define CONVOY_AGGREGATE_P50 1
#define CONVOY_AGGREGATE_P90 2
#define CONVOY_AGGREGATE_P95 3

/*
 * convoy_aggregate - Keptn's aggregate of earlier results. avg is the mean;
 * pN uses pos = p*(n+1): below 1 the minimum, at or above n the maximum,
 * otherwise linear between the neighbours of the sorted values. NaN values
 * are skipped. *out is NaN when no value remains. The input is not changed.
 * CONVOY_E_INVALID_ARG for an unknown kind or values == NULL with n > 0;
 * CONVOY_E_NOMEM when a copy for sorting cannot be made.
 */
CONVOY_API int convoy_aggregate(double *out, const double *values, size_t n, int kind);

/* ------------------------------------------------------------------------
 * Measurements and metric runs (Argo Rollouts AnalysisRun semantics).
 */
#define CONVOY_MEASURE_SUCCESSFUL 1
#define CONVOY_MEASURE_FAILED 2
#define CONVOY_MEASURE_INCONCLUSIVE 3
#define CONVOY_MEASURE_ERROR 4

/* Phases, in the roll-up order of REFERENCE.md 1 (worst last). */
#define CONVOY_PHASE_SUCCESSFUL 1
#define CONVOY_PHASE_RUNNING 2
#define CONVOY_PHASE_PENDING 3
#define CONVOY_PHASE_INCONCLUSIVE 4
#define CONVOY_PHASE_ERROR 5
#define CONVOY_PHASE_FAILED 6

/* convoy_measure_name / convoy_phase_name - "Successful", "Failed", ...
 * Static strings; "Unknown" for other values. */
CONVOY_API const char *convoy_measure_name(int outcome);
CONVOY_API const char *convoy_phase_name(int phase);

/*
 * A metric's gate, as a plan metric describes it. Versioned; only grows at
 * the end. Strings are borrowed for the duration of each call that takes
 * the struct; functions that keep the configuration copy it.
 */
#define CONVOY_METRIC_GATE_VERSION 1
typedef struct convoy_metric_gate {
    uint32_t version;             /* CONVOY_METRIC_GATE_VERSION */
    const char *name;             /* for explanations; may be NULL */
    const char *const *success;   /* criteria that must all hold for success */
    size_t n_success;
    const char *const *failure;   /* criteria that must all hold for failure */
    size_t n_failure;
    int has_min, has_max;         /* Flagger thresholdRange: part of success */
    double min, max;
    uint32_t count;               /* 0: unset (1 when interval is unset too) */
    uint64_t interval_ms;         /* 0: unset */
    uint64_t initial_delay_ms;
    int32_t failure_limit;        /* default 0; -1 disables */
    int32_t inconclusive_limit;   /* default 0 */
    int32_t consecutive_error_limit; /* default 4 */
    int dry_run;                  /* reported, never affects a run's phase */
} convoy_metric_gate;

#define CONVOY_METRIC_GATE_INIT \
    { CONVOY_METRIC_GATE_VERSION, NULL, NULL, 0, NULL, 0, 0, 0, 0.0, 0.0, 0u, 0u, 0u, 0, 0, 4, 0 }

/* convoy_metric_gate_init - defaults for `version` (CONVOY_E_VERSION if unknown). */
CONVOY_API int convoy_metric_gate_init(convoy_metric_gate *gate, uint32_t version);

/* convoy_metric_gate_from_plan - the gate a parsed plan's metric describes.
 * Its strings are borrowed from the plan. */
CONVOY_API int convoy_metric_gate_from_plan(convoy_metric_gate *gate, const convoy_metric *metric);

/*
 * convoy_measure - one measurement's outcome (REFERENCE.md 1):
 *   - `has_value` 0 (the provider answered but had no data) -> Error, the
 *     same as a failed query: a gap in the data counts toward
 *     consecutive_error_limit instead of failing the gate at once;
 *   - a NaN value cannot be compared -> Inconclusive;
 *   - only success criteria (or min/max): Successful when all hold, else Failed;
 *   - only failure criteria: Failed when all hold, else Successful;
 *   - both: Failed when the failure criteria hold (failure wins), Successful
 *     when only the success criteria hold, Inconclusive when neither does;
 *   - no criteria at all: Successful (plans cannot express this).
 * `aggregate` feeds relative criteria (NaN: none). On CONVOY_OK *outcome is
 * set. CONVOY_E_PARSE for a malformed criterion, CONVOY_E_INVALID_ARG for a
 * NULL argument, CONVOY_E_VERSION for an unknown gate version.
 */
CONVOY_API int convoy_measure(int *outcome, const convoy_metric_gate *gate, int has_value,
                              double value, double aggregate);

/* An in-progress metric run: counters folded over measurements. */
typedef struct convoy_metric_run convoy_metric_run;

/* Creates a run for `gate` (copied). CONVOY_E_INVALID_ARG, _VERSION, _NOMEM. */
CONVOY_API int convoy_metric_run_new(convoy_metric_run **out, const convoy_metric_gate *gate);
CONVOY_API void convoy_metric_run_free(convoy_metric_run *run);

/* Folds one outcome in: Successful/Failed/Inconclusive count as measured and
 * reset the consecutive-error counter; Error counts errors and consecutive
 * errors but not as measured. CONVOY_E_INVALID_ARG for an unknown outcome. */
CONVOY_API int convoy_metric_run_add(convoy_metric_run *run, int outcome);

/* Measures (convoy_measure) and folds the outcome in; *outcome may be NULL. */
CONVOY_API int convoy_metric_run_measure(int *outcome, convoy_metric_run *run, int has_value,
                                         double value, double aggregate);

/* Phase, checked in REFERENCE.md 1's order: Failed when failure_limit >= 0
 * and failed > failure_limit; Inconclusive when inconclusive >
 * inconclusive_limit; Error when consecutive errors >
 * consecutive_error_limit; Successful once measured reaches the count (1
 * when neither count nor interval is set; never with interval only);
 * otherwise Running. 0 for NULL. */
CONVOY_API int convoy_metric_run_phase(const convoy_metric_run *run);

/* Counters. 0 for NULL. */
CONVOY_API uint32_t convoy_metric_run_measured(const convoy_metric_run *run);
CONVOY_API uint32_t convoy_metric_run_successful(const convoy_metric_run *run);
CONVOY_API uint32_t convoy_metric_run_failed(const convoy_metric_run *run);
CONVOY_API uint32_t convoy_metric_run_inconclusive(const convoy_metric_run *run);
CONVOY_API uint32_t convoy_metric_run_errors(const convoy_metric_run *run);
CONVOY_API uint32_t convoy_metric_run_consecutive_errors(const convoy_metric_run *run);
CONVOY_API int convoy_metric_run_dry_run(const convoy_metric_run *run);

/* Schedule data for the engine: when measurement number `index` (0-based)
 * is due, in ms after the run started: initial_delay + index x interval.
 * Returns 0 and sets *due_ms; CONVOY_E_RANGE when the run takes no such
 * measurement (index >= count, or index > 0 without an interval). */
CONVOY_API int convoy_metric_run_due(uint64_t *due_ms, const convoy_metric_run *run,
                                     uint32_t index);

/* convoy_analysis_phase - the worst phase of `n` metric runs, ordered
 * Successful < Running < Pending < Inconclusive < Error < Failed. Dry-run
 * metrics are skipped; no counted metric gives Successful. */
CONVOY_API int convoy_analysis_phase(const convoy_metric_run *const *runs, size_t n);

/* convoy_metric_run_explain - one line for a decision log, e.g.
 * "error-rate: 0.02 vs success <0.01 -> Failed (failed 2/limit 1, measured 3/5) phase Failed".
 * `last_value` is the latest value (NaN for none). *out is freed with
 * convoy_free(). */
CONVOY_API int convoy_metric_run_explain(char **out, const convoy_metric_run *run,
                                         double last_value);

/* ------------------------------------------------------------------------
 * Objectives with history (Keptn quality gates).
 */
#define CONVOY_OBJECTIVE_PASS 1
#define CONVOY_OBJECTIVE_WARNING 2
#define CONVOY_OBJECTIVE_FAIL 3
#define CONVOY_OBJECTIVE_INFO 4 /* no pass criteria: reported, not scored */

/* Which earlier results count for relative criteria. */
#define CONVOY_HISTORY_PASS 0          /* results that passed */
#define CONVOY_HISTORY_PASS_OR_WARNING 1
#define CONVOY_HISTORY_ALL 2

/* One earlier result of an objective. */
typedef struct convoy_history_entry {
    double value;
    int outcome; /* CONVOY_OBJECTIVE_PASS / _WARNING / _FAIL */
} convoy_history_entry;

#define CONVOY_OBJECTIVE_VERSION 1
typedef struct convoy_objective {
    uint32_t version;            /* CONVOY_OBJECTIVE_VERSION */
    const char *name;
    /* Criteria blocks: block i has block_sizes[i] strings, consecutive in
     * `pass`; strings inside a block are ANDed, blocks ORed. */
    const char *const *pass;
    const size_t *pass_block_sizes;
    size_t n_pass_blocks;
    const char *const *warning;
    const size_t *warning_block_sizes;
    size_t n_warning_blocks;
    double weight;               /* default 1 */
    int key;                     /* a failing key objective fails the gate */
    int has_value;               /* 0: no data (the objective fails) */
    double value;
    const convoy_history_entry *history; /* oldest first */
    size_t n_history;
} convoy_objective;

#define CONVOY_OBJECTIVE_INIT \
    { CONVOY_OBJECTIVE_VERSION, NULL, NULL, NULL, 0, NULL, NULL, 0, 1.0, 0, 0, 0.0, NULL, 0 }
CONVOY_API int convoy_objective_init(convoy_objective *obj, uint32_t version);

#define CONVOY_QUALITY_GATE_VERSION 1
typedef struct convoy_quality_gate {
    uint32_t version;            /* CONVOY_QUALITY_GATE_VERSION */
    double pass_threshold;       /* total score for pass, default 90 */
    double warning_threshold;    /* total score for warning, default 75 */
    int history_filter;          /* CONVOY_HISTORY_*, default PASS */
    uint32_t history_count;      /* compare with the last N kept results, default 1 */
    int aggregate;               /* CONVOY_AGGREGATE_*, default AVG */
} convoy_quality_gate;

#define CONVOY_QUALITY_GATE_INIT \
    { CONVOY_QUALITY_GATE_VERSION, 90.0, 75.0, CONVOY_HISTORY_PASS, 1u, CONVOY_AGGREGATE_AVG }
CONVOY_API int convoy_quality_gate_init(convoy_quality_gate *gate, uint32_t version);

/* The evaluation of a quality gate; opaque, freed with convoy_gate_result_free. */
typedef struct convoy_gate_result convoy_gate_result;

/*
 * convoy_evaluate_objectives - Keptn evaluation. Each objective's history is
 * filtered by outcome, the last `history_count` kept, aggregated; relative
 * criteria compare against that aggregate (none kept: relative criteria
 * pass). An objective passes when any pass block holds entirely, else warns
 * when any warning block does, else fails; it scores its weight, half of it,
 * or 0. Total = 100 x sum(scores) / sum(weights of scored objectives) (100
 * when nothing is scored); >= pass_threshold -> pass, >= warning_threshold
 * -> warning, else fail; any failing key objective fails the gate.
 * CONVOY_E_PARSE for a malformed criterion (convoy_error_last() names it),
 * CONVOY_E_INVALID_ARG, CONVOY_E_VERSION, CONVOY_E_NOMEM.
 */
CONVOY_API int convoy_evaluate_objectives(convoy_gate_result **out,
                                          const convoy_quality_gate *gate,
                                          const convoy_objective *objectives, size_t n);
CONVOY_API void convoy_gate_result_free(convoy_gate_result *result);
CONVOY_API int convoy_gate_result_outcome(const convoy_gate_result *result); /* CONVOY_OBJECTIVE_* */
CONVOY_API double convoy_gate_result_score(const convoy_gate_result *result);
CONVOY_API size_t convoy_gate_result_count(const convoy_gate_result *result);
CONVOY_API int convoy_gate_result_objective_outcome(const convoy_gate_result *result, size_t i);
CONVOY_API double convoy_gate_result_objective_score(const convoy_gate_result *result, size_t i);
/* The aggregate of kept history the objective was compared with (NaN: none). */
CONVOY_API double convoy_gate_result_objective_aggregate(const convoy_gate_result *result,
                                                         size_t i);
/* One line per objective and a summary line, for a decision log; borrowed. */
CONVOY_API const char *convoy_gate_result_explain(const convoy_gate_result *result);

/* ------------------------------------------------------------------------
 * Mann-Whitney U test (agrees with scipy.stats.mannwhitneyu defaults:
 * two-sided, continuity correction, method "auto").
 */
#define CONVOY_MWU_ASYMPTOTIC 1
#define CONVOY_MWU_EXACT 2

/*
 * convoy_mann_whitney - U of sample x (U1 = R1 - n1(n1+1)/2 with average
 * ranks) and the two-sided p-value: exact when one sample has at most 8
 * values and there are no ties, else normal approximation with tie and
 * continuity correction. `method_out` (may be NULL) tells which. Inputs are
 * not changed. +-Inf rank as the extreme values. CONVOY_E_INVALID_ARG when a
 * sample is empty or holds NaN, or nx x ny >= 2^62; CONVOY_E_NOMEM.
 * Memory: O(nx + ny) doubles.
 */
CONVOY_API int convoy_mann_whitney(double *u, double *p_value, int *method_out, const double *x,
                                   size_t nx, const double *y, size_t ny);

/* ------------------------------------------------------------------------
 * Canary judge (Kayenta semantics, REFERENCE.md 3).
 */
#define CONVOY_CLASS_PASS 1
#define CONVOY_CLASS_HIGH 2
#define CONVOY_CLASS_LOW 3
#define CONVOY_CLASS_NODATA 4
#define CONVOY_CLASS_NODATA_FAIL 5
#define CONVOY_CLASS_ERROR 6
/* "Pass", "High", "Low", "Nodata", "NodataFail", "Error"; "Unknown" else. */
CONVOY_API const char *convoy_class_name(int classification);

#define CONVOY_DIRECTION_EITHER 0
#define CONVOY_DIRECTION_INCREASE 1
#define CONVOY_DIRECTION_DECREASE 2
#define CONVOY_NAN_REMOVE 0
#define CONVOY_NAN_REPLACE 1
#define CONVOY_EFFECT_MEAN_RATIO 0
#define CONVOY_EFFECT_CLES 1

#define CONVOY_JUDGE_OPTIONS_VERSION 1
typedef struct convoy_judge_options {
    uint32_t version;         /* CONVOY_JUDGE_OPTIONS_VERSION */
    int direction;            /* CONVOY_DIRECTION_*, default either */
    double confidence;        /* default 0.95 */
    double tolerance;         /* default 0.25 */
    int effect;               /* CONVOY_EFFECT_*, default mean ratio */
    /* Effect-size limits. A negative value means "the default for the
     * effect": 1.0 for the mean ratio, 0.5 for CLES. */
    double allowed_increase, allowed_decrease;
    double critical_increase, critical_decrease;
    int critical;             /* a critical metric */
    int must_have_data;
    int nan_strategy;         /* CONVOY_NAN_*, default remove */
    int remove_outliers;      /* IQR outlier removal, default off */
} convoy_judge_options;

#define CONVOY_JUDGE_OPTIONS_INIT \
    { CONVOY_JUDGE_OPTIONS_VERSION, CONVOY_DIRECTION_EITHER, 0.95, 0.25, CONVOY_EFFECT_MEAN_RATIO, \
      -1.0, -1.0, -1.0, -1.0, 0, 0, CONVOY_NAN_REMOVE, 0 }
CONVOY_API int convoy_judge_options_init(convoy_judge_options *opts, uint32_t version);

/* The judgement of one metric; opaque, freed with convoy_judgement_free. */
typedef struct convoy_judgement convoy_judgement;

/*
 * convoy_judge - classify one metric, experiment (candidate) against control
 * (baseline), exactly as REFERENCE.md 3: NaN strategy, optional outliers,
 * Nodata/NodataFail for an empty sample (Pass with the replace strategy),
 * Pass for identical samples or a single distinct value, then the
 * confidence interval of experiment - control and the Hodges-Lehmann style
 * estimate from R's wilcox.test(conf.int = TRUE, exact = FALSE, correct =
 * TRUE) by Brent's method, then High/Low/Pass against tolerance and effect
 * limits, and the critical flag. A sample holding +-Inf is Error (no
 * interval can be searched), as is sigma = 0 (REFERENCE.md 3: every value
 * tied at some shift, e.g. both samples constant or one value per side).
 * w is a step function: each interval end is settled exactly on the
 * pairwise difference where w jumps; an end where w leaps over the whole
 * band [-z, z] is open (shown as "(" or ")" in the explanation, and High
 * then needs lower >= b, Low upper <= -b); the estimate is the middle of
 * the set where w = 0. Samples are copied; any size that fits in memory
 * works, using O(nx + ny) doubles (16 bytes per value at most). `opts` may
 * be NULL.
 * CONVOY_E_INVALID_ARG, CONVOY_E_VERSION, CONVOY_E_NOMEM.
 */
CONVOY_API int convoy_judge(convoy_judgement **out, const double *experiment, size_t n_experiment,
                            const double *control, size_t n_control,
                            const convoy_judge_options *opts);
CONVOY_API void convoy_judgement_free(convoy_judgement *j);
CONVOY_API int convoy_judgement_class(const convoy_judgement *j);
CONVOY_API int convoy_judgement_critical(const convoy_judgement *j);
/* NaN where undefined (no interval computed, effect undefined, ...). */
CONVOY_API double convoy_judgement_ci_lower(const convoy_judgement *j);
CONVOY_API double convoy_judgement_ci_upper(const convoy_judgement *j);
CONVOY_API double convoy_judgement_estimate(const convoy_judgement *j);
CONVOY_API double convoy_judgement_effect_size(const convoy_judgement *j);
/* Mann-Whitney U of the experiment sample and its two-sided p-value (as
 * convoy_mann_whitney on the cleaned samples); NaN where undefined. */
CONVOY_API double convoy_judgement_u(const convoy_judgement *j);
CONVOY_API double convoy_judgement_p_value(const convoy_judgement *j);
/* One line for a decision log, e.g. "p99: experiment n=60 mean 212.4 vs
 * control n=60 mean 180.1, 95% CI [18.2, 41.0], estimate 29.8, mean ratio
 * 1.18 -> High". Borrowed from the judgement. */
CONVOY_API const char *convoy_judgement_explain(const convoy_judgement *j);

/* ------------------------------------------------------------------------
 * Group scoring (Kayenta).
 */
#define CONVOY_SCORE_PASS 1
#define CONVOY_SCORE_MARGINAL 2
#define CONVOY_SCORE_FAIL 3
/* "Pass", "Marginal", "Fail"; "Unknown" else. */
CONVOY_API const char *convoy_score_label_name(int label);

/* One classified metric for scoring. */
typedef struct convoy_scored_metric {
    const char *name;
    const char *const *groups; /* the groups it belongs to */
    size_t n_groups;
    int classification;        /* CONVOY_CLASS_* */
    int critical;              /* a critical metric */
} convoy_scored_metric;

/* A group weight; groups without one share what the given weights leave. */
typedef struct convoy_group_weight {
    const char *group;
    double weight;
} convoy_group_weight;

/*
 * convoy_score - Kayenta's summary score: per group 100 x Pass / (Pass +
 * High + Low + NodataFail) (Nodata and Error not counted; a group with
 * nothing counted scores 100); unweighted groups share (100 - sum of given
 * weights) equally; the summary is sum(score x weight / 100), rounded to two
 * decimals. Any critical metric not Pass, or Nodata in at least half of all
 * metrics, gives 0. *label from `pass` and `marginal` thresholds.
 * `explain` (may be NULL) receives a table for humans, freed with
 * convoy_free(). A metric listing a group twice counts once there; metrics
 * without groups count only for the critical and no-data rules (NodataFail
 * counts as no data there too). CONVOY_E_INVALID_ARG when weights are
 * negative, given twice for one group or add up to more than 100, a
 * weighted group has no metric, or a threshold is NaN.
 */
CONVOY_API int convoy_score(double *score, int *label, char **explain,
                            const convoy_scored_metric *metrics, size_t n,
                            const convoy_group_weight *weights, size_t n_weights,
                            double pass, double marginal);

#ifdef __cplusplus
}
#endif

#endif /* CONVOY_GATE_H */
