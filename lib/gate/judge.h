/* Internal: the parts of the canary judge (judge.c orchestrates). */
#ifndef CONVOY_LIB_GATE_JUDGE_H
#define CONVOY_LIB_GATE_JUDGE_H

#include <convoy/gate.h>
#include <stddef.h>

#include "ranks.h"

struct convoy_judgement {
    int classification; /* CONVOY_CLASS_* */
    int critical;
    double ci_lower, ci_upper, estimate; /* NaN: no interval */
    int lower_open, upper_open;          /* ends outside the confidence set */
    double effect;                       /* NaN: undefined */
    double u, p;                         /* NaN: a sample is empty */
    char *explain;
};

/* One sample after the judge's preprocessing. */
typedef struct convoy__sample {
    double *sorted;   /* ascending, owned (NULL when n == 0) */
    size_t n;         /* values kept */
    size_t nan;       /* NaN values removed or replaced by 0 */
    size_t outliers;  /* values removed as outliers */
    double mean;      /* NaN when n == 0 */
} convoy__sample;

/*
 * convoy__sample_prepare - copies `n` values, drops NaN (CONVOY_NAN_REMOVE)
 * or turns them into 0 (CONVOY_NAN_REPLACE), sorts, and with
 * `remove_outliers` drops the values below min(P1, Q1 - 3 IQR) or above
 * max(P99, Q3 + 3 IQR), percentiles as R's quantile type 7 (Kayenta's
 * IQR detector with reduced sensitivity). A sample holding +-Inf keeps all
 * its values: its quartiles are not numbers, and the judge reports it as
 * Error anyway. CONVOY_E_NOMEM.
 */
int convoy__sample_prepare(convoy__sample *s, const double *v, size_t n, int nan_strategy,
                           int remove_outliers);
void convoy__sample_free(convoy__sample *s);

/* The confidence interval of the shift experiment - control and the
 * estimate (REFERENCE.md 3, step 5). */
typedef struct convoy__shift_interval {
    double lower, upper, estimate;
    /* An end is open when it is a jump of w that leaps over the band
     * [-z, z]: the end itself is outside the confidence set, every shift
     * inside is beyond it (see judge_interval.c). */
    int lower_open, upper_open;
    int evaluations; /* evaluations of w, for tests and benchmarks */
} convoy__shift_interval;

/*
 * convoy__shift_interval_find - the roots of w(mu) = +z and -z (w as R's
 * wilcox.test(exact = FALSE, correct = TRUE)) over [min(x) - max(y),
 * max(x) - min(y)], clamped to the ends when w does not cross there, found
 * by Brent's method and settled exactly on the jumps of w; the estimate is
 * the middle of the set where w = 0. Samples must be finite. Returns
 * CONVOY_OK, or CONVOY_E_RANGE when no interval exists: sigma is 0 at some
 * shift (every value tied) or the search range overflows. Records no error
 * (the judge classifies it).
 */
int convoy__shift_interval_find(convoy__shift_interval *out, const convoy__runs *x,
                                const convoy__runs *y, double confidence);

/*
 * convoy__judgement_describe - writes j->explain: the samples (size,
 * cleaning, mean), then `reason` when the judge stopped early (no data,
 * identical samples, ...), else the interval, estimate and effect, and the
 * classification. CONVOY_E_NOMEM.
 */
int convoy__judgement_describe(convoy_judgement *j, const convoy__sample *experiment,
                               const convoy__sample *control, const convoy_judge_options *opts,
                               const char *reason);

#endif
