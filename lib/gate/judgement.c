/* A judgement's getters, its explanation line and its release. */
#include <math.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/number.h"
#include "judge.h"

/* Numbers in the explanation use '.' whatever the process locale. */
typedef struct number_text {
    char s[40];
} number_text;

static number_text num(double v, int precision)
{
    number_text t;
    convoy__format_double(t.s, sizeof t.s, precision, v);
    return t;
}

void convoy_judgement_free(convoy_judgement *j)
{
    if (!j)
        return;
    convoy__dealloc(j->explain);
    convoy__dealloc(j);
}

int convoy_judgement_class(const convoy_judgement *j)
{
    return j ? j->classification : 0;
}

int convoy_judgement_critical(const convoy_judgement *j)
{
    return j ? j->critical : 0;
}

double convoy_judgement_ci_lower(const convoy_judgement *j)
{
    return j ? j->ci_lower : NAN;
}

double convoy_judgement_ci_upper(const convoy_judgement *j)
{
    return j ? j->ci_upper : NAN;
}

double convoy_judgement_estimate(const convoy_judgement *j)
{
    return j ? j->estimate : NAN;
}

double convoy_judgement_effect_size(const convoy_judgement *j)
{
    return j ? j->effect : NAN;
}

double convoy_judgement_u(const convoy_judgement *j)
{
    return j ? j->u : NAN;
}

double convoy_judgement_p_value(const convoy_judgement *j)
{
    return j ? j->p : NAN;
}

const char *convoy_judgement_explain(const convoy_judgement *j)
{
    return j && j->explain ? j->explain : "";
}

/* "experiment n=58 (2 NaN removed, 1 outlier removed) mean 212.4" */
static void describe_sample(convoy__buf *b, const char *name, const convoy__sample *s,
                            int nan_strategy)
{
    convoy__buf_printf(b, "%s n=%zu", name, s->n);
    if (s->nan || s->outliers) {
        const char *sep = " (";
        if (s->nan) {
            convoy__buf_printf(b, "%s%zu NaN %s", sep, s->nan,
                               nan_strategy == CONVOY_NAN_REPLACE ? "replaced by 0" : "removed");
            sep = ", ";
        }
        if (s->outliers)
            convoy__buf_printf(b, "%s%zu outlier%s removed", sep, s->outliers,
                               s->outliers == 1 ? "" : "s");
        convoy__buf_putc(b, ')');
    }
    if (s->n)
        convoy__buf_printf(b, " mean %s", num(s->mean, 6).s);
}

int convoy__judgement_describe(convoy_judgement *j, const convoy__sample *experiment,
                               const convoy__sample *control, const convoy_judge_options *opts,
                               const char *reason)
{
    convoy__buf b = {0};
    describe_sample(&b, "experiment", experiment, opts->nan_strategy);
    convoy__buf_puts(&b, " vs ");
    describe_sample(&b, "control", control, opts->nan_strategy);
    if (reason) {
        convoy__buf_printf(&b, ": %s", reason);
    } else {
        /* "(" / ")": an open end, outside the confidence set */
        convoy__buf_printf(&b, ", %s%% CI %c%s, %s%c, estimate %s",
                           num(opts->confidence * 100.0, 6).s, j->lower_open ? '(' : '[',
                           num(j->ci_lower, 6).s, num(j->ci_upper, 6).s,
                           j->upper_open ? ')' : ']', num(j->estimate, 6).s);
    }
    if (!isnan(j->effect))
        convoy__buf_printf(&b, ", %s %s",
                           opts->effect == CONVOY_EFFECT_CLES ? "CLES" : "mean ratio",
                           num(j->effect, 6).s);
    if (!isnan(j->p))
        convoy__buf_printf(&b, ", U %s p %s", num(j->u, 17).s, num(j->p, 4).s);
    convoy__buf_printf(&b, " -> %s%s", convoy_class_name(j->classification),
                       j->critical ? " (critical)" : "");
    j->explain = convoy__buf_take(&b);
    if (!j->explain)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory describing a judgement");
    return CONVOY_OK;
}
