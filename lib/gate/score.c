/*
 * Kayenta's summary score over classified metrics (REFERENCE.md 3, step 7):
 * group scores, group weights, the critical and no-data overrides, the
 * label, and a table for humans.
 */
#include <convoy/gate.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/number.h"

/* Sums of weights are compared with 100 allowing for rounding, so that
 * 33.33 + 33.33 + 33.34 is accepted. */
#define WEIGHT_SLACK 1e-9

/* One (group, metric) membership, sorted to find the distinct groups. */
typedef struct membership {
    const char *group;
    size_t metric, pos; /* pos: index in the metric's group list */
} membership;

typedef struct group {
    const char *name;
    size_t first_metric, first_pos; /* where it first appears: table order */
    size_t count[CONVOY_CLASS_ERROR + 1]; /* metrics per classification */
    double weight;
    int weighted;
    double score;
} group;

static int by_name(const void *a, const void *b)
{
    const membership *x = a, *y = b;
    int c = strcmp(x->group, y->group);
    if (c)
        return c;
    if (x->metric != y->metric)
        return x->metric < y->metric ? -1 : 1;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int by_appearance(const void *a, const void *b)
{
    const group *x = a, *y = b;
    if (x->first_metric != y->first_metric)
        return x->first_metric < y->first_metric ? -1 : 1;
    return x->first_pos < y->first_pos ? -1 : x->first_pos > y->first_pos;
}

static int group_by_name(const void *key, const void *elem)
{
    return strcmp(key, ((const group *)elem)->name);
}

static int check_input(const convoy_scored_metric *metrics, size_t n,
                       const convoy_group_weight *weights, size_t n_weights, double pass,
                       double marginal, size_t *memberships)
{
    if ((n && !metrics) || (n_weights && !weights))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_score: NULL array with a size");
    if (isnan(pass) || isnan(marginal))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_score: a threshold is NaN");
    *memberships = 0;
    for (size_t i = 0; i < n; i++) {
        const convoy_scored_metric *m = &metrics[i];
        if (m->classification < CONVOY_CLASS_PASS || m->classification > CONVOY_CLASS_ERROR)
            return convoy__fail(CONVOY_E_INVALID_ARG,
                                "convoy_score: metric %zu has unknown classification %d", i,
                                m->classification);
        if (m->n_groups && !m->groups)
            return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_score: metric %zu: NULL groups",
                                i);
        for (size_t g = 0; g < m->n_groups; g++)
            if (!m->groups[g])
                return convoy__fail(CONVOY_E_INVALID_ARG,
                                    "convoy_score: metric %zu: group %zu is NULL", i, g);
        *memberships += m->n_groups;
    }
    double sum = 0;
    for (size_t w = 0; w < n_weights; w++) {
        if (!weights[w].group)
            return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_score: weight %zu has no group",
                                w);
        if (!(weights[w].weight >= 0) || !isfinite(weights[w].weight))
            return convoy__fail(CONVOY_E_INVALID_ARG,
                                "convoy_score: group \"%s\" has weight %g (must be >= 0)",
                                weights[w].group, weights[w].weight);
        sum += weights[w].weight;
    }
    if (sum > 100.0 + WEIGHT_SLACK)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_score: group weights add up to %g, more than 100", sum);
    return CONVOY_OK;
}

/* The distinct groups in order of appearance, with their counts. */
static int collect_groups(group **out, size_t *n_out, const convoy_scored_metric *metrics,
                          size_t n, size_t n_memberships)
{
    membership *ms = convoy__malloc((n_memberships ? n_memberships : 1) * sizeof *ms);
    group *groups = convoy__calloc(n_memberships ? n_memberships : 1, sizeof *groups);
    if (!ms || !groups) {
        convoy__dealloc(ms);
        convoy__dealloc(groups);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t g = 0; g < metrics[i].n_groups; g++)
            ms[k++] = (membership){metrics[i].groups[g], i, g};
    if (k > 1)
        qsort(ms, k, sizeof *ms, by_name);
    size_t ng = 0;
    for (size_t i = 0; i < k; i++) {
        int new_group = i == 0 || strcmp(ms[i].group, ms[i - 1].group) != 0;
        if (new_group) {
            groups[ng].name = ms[i].group;
            groups[ng].first_metric = ms[i].metric;
            groups[ng].first_pos = ms[i].pos;
            ng++;
        } else if (ms[i].metric == ms[i - 1].metric) {
            continue; /* a metric that lists a group twice counts once */
        }
        groups[ng - 1].count[metrics[ms[i].metric].classification]++;
    }
    convoy__dealloc(ms);
    *out = groups;
    *n_out = ng;
    return CONVOY_OK;
}

/* Gives each group its weight; groups sorted by name. */
static int assign_weights(group *groups, size_t ng, const convoy_group_weight *weights,
                          size_t n_weights)
{
    double given = 0;
    for (size_t w = 0; w < n_weights; w++) {
        group *g = bsearch(weights[w].group, groups, ng, sizeof *groups, group_by_name);
        if (!g)
            return convoy__fail(CONVOY_E_INVALID_ARG,
                                "convoy_score: weighted group \"%s\" has no metric",
                                weights[w].group);
        if (g->weighted)
            return convoy__fail(CONVOY_E_INVALID_ARG,
                                "convoy_score: group \"%s\" is weighted twice", g->name);
        g->weighted = 1;
        g->weight = weights[w].weight;
        given += weights[w].weight;
    }
    size_t unweighted = 0;
    for (size_t i = 0; i < ng; i++)
        unweighted += !groups[i].weighted;
    double share = unweighted ? fmax(0.0, 100.0 - given) / (double)unweighted : 0.0;
    for (size_t i = 0; i < ng; i++)
        if (!groups[i].weighted)
            groups[i].weight = share;
    return CONVOY_OK;
}

/* v >= 0 with two decimals, "%.2f" without the locale's decimal point. */
typedef struct fixed2 {
    char s[40];
} fixed2;

static fixed2 two_decimals(double v)
{
    fixed2 t;
    double hundredths = round(v * 100.0);
    if (!(hundredths < 9e18)) {
        snprintf(t.s, sizeof t.s, "%g", v); /* not reached: scores are 0..100 */
        return t;
    }
    long long h = (long long)hundredths;
    snprintf(t.s, sizeof t.s, "%lld.%02lld", h / 100, h % 100);
    return t;
}

static void write_table(convoy__buf *b, const group *groups, size_t ng)
{
    int width = 5; /* "group" */
    for (size_t i = 0; i < ng; i++) {
        size_t len = strlen(groups[i].name);
        if (len > (size_t)width)
            width = len > 60 ? 60 : (int)len;
    }
    convoy__buf_printf(b, "%-*s %7s %5s %5s %5s %6s %10s %5s %7s\n", width, "group", "weight",
                       "pass", "high", "low", "nodata", "nodatafail", "error", "score");
    for (size_t i = 0; i < ng; i++) {
        const group *g = &groups[i];
        convoy__buf_printf(b, "%-*s %7s %5zu %5zu %5zu %6zu %10zu %5zu %7s\n", width, g->name,
                           two_decimals(g->weight).s, g->count[CONVOY_CLASS_PASS],
                           g->count[CONVOY_CLASS_HIGH], g->count[CONVOY_CLASS_LOW],
                           g->count[CONVOY_CLASS_NODATA], g->count[CONVOY_CLASS_NODATA_FAIL],
                           g->count[CONVOY_CLASS_ERROR], two_decimals(g->score).s);
    }
}

int convoy_score(double *score, int *label, char **explain, const convoy_scored_metric *metrics,
                 size_t n, const convoy_group_weight *weights, size_t n_weights, double pass,
                 double marginal)
{
    size_t n_memberships = 0;
    if (!score || !label)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_score: NULL score or label");
    if (explain)
        *explain = NULL;
    int rc = check_input(metrics, n, weights, n_weights, pass, marginal, &n_memberships);
    if (rc != CONVOY_OK)
        return rc;
    group *groups = NULL;
    size_t ng = 0;
    rc = collect_groups(&groups, &ng, metrics, n, n_memberships);
    if (rc != CONVOY_OK)
        return rc;
    rc = assign_weights(groups, ng, weights, n_weights); /* groups are in name order here */
    if (rc != CONVOY_OK) {
        convoy__dealloc(groups);
        return rc;
    }
    if (ng > 1)
        qsort(groups, ng, sizeof *groups, by_appearance);

    double summary = 0;
    for (size_t i = 0; i < ng; i++) {
        group *g = &groups[i];
        size_t counted = g->count[CONVOY_CLASS_PASS] + g->count[CONVOY_CLASS_HIGH] +
                         g->count[CONVOY_CLASS_LOW] + g->count[CONVOY_CLASS_NODATA_FAIL];
        g->score = counted ? 100.0 * (double)g->count[CONVOY_CLASS_PASS] / (double)counted
                           : 100.0;
        summary += g->score * g->weight / 100.0;
    }
    /* round half away from zero to two decimals */
    summary = round(summary * 100.0) / 100.0;

    /* The overrides: a critical metric that did not pass, or no data for
     * at least half of the metrics (NodataFail is no data too; with no
     * metrics at all there is no evidence either), score 0. */
    const char *critical = NULL;
    size_t nodata = 0;
    for (size_t i = 0; i < n; i++) {
        int c = metrics[i].classification;
        if (!critical && metrics[i].critical && c != CONVOY_CLASS_PASS)
            critical = metrics[i].name ? metrics[i].name : "(unnamed)";
        nodata += c == CONVOY_CLASS_NODATA || c == CONVOY_CLASS_NODATA_FAIL;
    }
    double before = summary;
    int no_data = 2 * nodata >= n;
    if (critical || no_data)
        summary = 0.0;
    *score = summary;
    *label = summary >= pass ? CONVOY_SCORE_PASS
             : summary >= marginal ? CONVOY_SCORE_MARGINAL : CONVOY_SCORE_FAIL;

    if (explain) {
        convoy__buf b = {0};
        write_table(&b, groups, ng);
        char pass_text[40], marginal_text[40];
        convoy__format_double(pass_text, sizeof pass_text, 6, pass);
        convoy__format_double(marginal_text, sizeof marginal_text, 6, marginal);
        convoy__buf_printf(&b, "summary %s", two_decimals(summary).s);
        if (critical)
            convoy__buf_printf(&b, " (critical metric \"%s\" did not pass; %s otherwise)",
                               critical, two_decimals(before).s);
        else if (n == 0)
            convoy__buf_puts(&b, " (no metrics)");
        else if (no_data)
            convoy__buf_printf(&b, " (no data for %zu of %zu metrics; %s otherwise)", nodata, n,
                               two_decimals(before).s);
        convoy__buf_printf(&b, ", pass >= %s, marginal >= %s -> %s\n", pass_text, marginal_text,
                           convoy_score_label_name(*label));
        *explain = convoy__buf_take(&b);
        if (!*explain)
            rc = convoy__fail(CONVOY_E_NOMEM, "out of memory writing the score table");
    }
    convoy__dealloc(groups);
    return rc;
}
