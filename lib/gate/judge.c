/*
 * The canary judge: one metric, experiment (candidate) against control
 * (baseline), with Kayenta's Mann-Whitney classifier (REFERENCE.md 3).
 *
 *   NaN strategy and outliers (judge_sample.c)
 *   -> no data: Nodata / NodataFail (Pass with the replace strategy)
 *   -> identical samples, or one value in both: Pass
 *   -> +-Inf: Error
 *   -> confidence interval and estimate of the shift (judge_interval.c)
 *   -> High / Low / Pass against tolerance x |estimate| and effect limits
 *   -> the critical flag.
 */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "judge.h"
#include "mwu.h"

static int check_options(const convoy_judge_options *o)
{
    if (o->version != CONVOY_JUDGE_OPTIONS_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_judge: unknown options version %u",
                            (unsigned)o->version);
    if (o->direction < CONVOY_DIRECTION_EITHER || o->direction > CONVOY_DIRECTION_DECREASE)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_judge: unknown direction %d",
                            o->direction);
    if (o->effect != CONVOY_EFFECT_MEAN_RATIO && o->effect != CONVOY_EFFECT_CLES)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_judge: unknown effect size %d",
                            o->effect);
    if (o->nan_strategy != CONVOY_NAN_REMOVE && o->nan_strategy != CONVOY_NAN_REPLACE)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_judge: unknown NaN strategy %d",
                            o->nan_strategy);
    if (!(o->confidence > 0.0 && o->confidence < 1.0))
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_judge: confidence %g is not between 0 and 1", o->confidence);
    if (!(o->tolerance >= 0.0 && isfinite(o->tolerance)))
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_judge: tolerance %g is not a finite number >= 0", o->tolerance);
    if (isnan(o->allowed_increase) || isnan(o->allowed_decrease) ||
        isnan(o->critical_increase) || isnan(o->critical_decrease))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_judge: an effect limit is NaN");
    return CONVOY_OK;
}

/* A negative limit means the effect's neutral value. */
static double limit(double value, int effect)
{
    return value >= 0 ? value : effect == CONVOY_EFFECT_CLES ? 0.5 : 1.0;
}

static int same_runs(const convoy__runs *a, const convoy__runs *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (a->value[i] != b->value[i] || a->below[i + 1] != b->below[i + 1])
            return 0;
    return 1;
}

static int has_inf(const convoy__runs *r)
{
    return isinf(r->value[0]) || isinf(r->value[r->count - 1]);
}

/* High / Low / Pass from the interval, then the critical flag. */
static void classify(convoy_judgement *j, const convoy_judge_options *o)
{
    double b = o->tolerance * fabs(j->estimate);
    double e = j->effect;
    int up = o->direction != CONVOY_DIRECTION_DECREASE;
    int down = o->direction != CONVOY_DIRECTION_INCREASE;
    /* every shift in the confidence set above b / below -b (an open end
     * may equal the bound: the set itself lies beyond it) */
    int above = j->lower_open ? j->ci_lower >= b : j->ci_lower > b;
    int below = j->upper_open ? j->ci_upper <= -b : j->ci_upper < -b;
    if (up && above && (isnan(e) || e >= limit(o->allowed_increase, o->effect)))
        j->classification = CONVOY_CLASS_HIGH;
    else if (down && below && (isnan(e) || e <= limit(o->allowed_decrease, o->effect)))
        j->classification = CONVOY_CLASS_LOW;
    else
        j->classification = CONVOY_CLASS_PASS;

    if (o->critical) {
        if (j->classification == CONVOY_CLASS_HIGH)
            j->critical = isnan(e) || e >= limit(o->critical_increase, o->effect);
        else if (j->classification == CONVOY_CLASS_LOW)
            j->critical = isnan(e) || e <= limit(o->critical_decrease, o->effect);
    }
}

/* Both samples have data: U, p and the effect, then the checks and the
 * interval. Returns the reason the judge stopped early, or NULL. */
static const char *judge_samples(convoy_judgement *j, const convoy__runs *x,
                                 const convoy__runs *y, double mean_x, double mean_y,
                                 const convoy_judge_options *o)
{
    convoy__rank_sums sums;
    int method;
    convoy__rank_sums_at(&sums, x, 0.0, y);
    j->u = (double)sums.twice_u / 2.0;
    j->p = convoy__mwu_p_value(&method, sums.twice_u, sums.ties, x->n, y->n);
    if (o->effect == CONVOY_EFFECT_CLES)
        j->effect = j->u / ((double)x->n * (double)y->n);
    else
        j->effect = mean_x == 0 || mean_y == 0 ? NAN : mean_x / mean_y;

    j->classification = CONVOY_CLASS_PASS;
    if (same_runs(x, y))
        return "identical samples";
    if (x->count == 1 && y->count == 1 && x->value[0] == y->value[0])
        return "a single value in both samples";
    j->classification = CONVOY_CLASS_ERROR;
    if (has_inf(x) || has_inf(y))
        return "a sample holds an infinite value, no interval can be searched";

    convoy__shift_interval ci;
    if (convoy__shift_interval_find(&ci, x, y, o->confidence) != CONVOY_OK)
        return "no confidence interval: every value ties at some shift (sigma 0) or the "
               "range overflows";
    j->ci_lower = ci.lower;
    j->ci_upper = ci.upper;
    j->lower_open = ci.lower_open;
    j->upper_open = ci.upper_open;
    j->estimate = ci.estimate;
    classify(j, o);
    return NULL;
}

int convoy_judge(convoy_judgement **out, const double *experiment, size_t n_experiment,
                 const double *control, size_t n_control, const convoy_judge_options *opts)
{
    const convoy_judge_options defaults = CONVOY_JUDGE_OPTIONS_INIT;
    if (!out)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_judge: NULL out");
    *out = NULL;
    if ((n_experiment && !experiment) || (n_control && !control))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_judge: NULL sample with a size");
    if (!opts)
        opts = &defaults;
    int rc = check_options(opts);
    if (rc != CONVOY_OK)
        return rc;

    convoy_judgement *j = convoy__calloc(1, sizeof *j);
    if (!j)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    j->ci_lower = j->ci_upper = j->estimate = j->effect = j->u = j->p = NAN;

    convoy__sample xs, ys;
    convoy__runs rx = {0}, ry = {0};
    const char *reason;
    memset(&ys, 0, sizeof ys);
    rc = convoy__sample_prepare(&xs, experiment, n_experiment, opts->nan_strategy,
                                opts->remove_outliers);
    if (rc == CONVOY_OK)
        rc = convoy__sample_prepare(&ys, control, n_control, opts->nan_strategy,
                                    opts->remove_outliers);
    if (rc != CONVOY_OK)
        goto done;

    if (xs.n == 0 || ys.n == 0) {
        if (opts->nan_strategy == CONVOY_NAN_REPLACE)
            j->classification = CONVOY_CLASS_PASS;
        else if (opts->must_have_data && !opts->critical)
            j->classification = CONVOY_CLASS_NODATA_FAIL;
        else
            j->classification = CONVOY_CLASS_NODATA;
        reason = "no data";
    } else {
        if (xs.n > (UINT64_C(1) << 62) / ys.n) {
            rc = convoy__fail(CONVOY_E_INVALID_ARG, "convoy_judge: samples of %zu and %zu "
                              "values are too large", xs.n, ys.n);
            goto done;
        }
        /* the runs take the sorted arrays over */
        rc = convoy__runs_build(&rx, xs.sorted, xs.n);
        xs.sorted = NULL;
        if (rc == CONVOY_OK) {
            rc = convoy__runs_build(&ry, ys.sorted, ys.n);
            ys.sorted = NULL;
        }
        if (rc != CONVOY_OK)
            goto done;
        reason = judge_samples(j, &rx, &ry, xs.mean, ys.mean, opts);
    }
    rc = convoy__judgement_describe(j, &xs, &ys, opts, reason);

done:
    convoy__runs_free(&rx);
    convoy__runs_free(&ry);
    convoy__sample_free(&xs);
    convoy__sample_free(&ys);
    if (rc != CONVOY_OK) {
        convoy_judgement_free(j);
        return rc;
    }
    *out = j;
    return CONVOY_OK;
}
