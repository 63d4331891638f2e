/* Keptn quality gates: objectives with pass/warning criteria blocks,
 * weights, key objectives and comparison with earlier results. */
#include <convoy/gate.h>
#include <math.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/versioned.h"
#include "gate_internal.h"

typedef struct objective_result {
    int outcome;
    double score;
    double aggregate;
} objective_result;

struct convoy_gate_result {
    int outcome;
    double score;
    objective_result *objectives;
    size_t n;
    char *explain;
};

int convoy_objective_init(convoy_objective *obj, uint32_t version)
{
    static const convoy_objective defaults = CONVOY_OBJECTIVE_INIT;
    return convoy__init_versioned(obj, version, CONVOY_OBJECTIVE_VERSION, &defaults, sizeof defaults,
                                  "convoy_objective");
}

int convoy_quality_gate_init(convoy_quality_gate *gate, uint32_t version)
{
    static const convoy_quality_gate defaults = CONVOY_QUALITY_GATE_INIT;
    return convoy__init_versioned(gate, version, CONVOY_QUALITY_GATE_VERSION, &defaults, sizeof defaults,
                                  "convoy_quality_gate");
}

static int kept_by_filter(int outcome, int filter)
{
    switch (filter) {
    case CONVOY_HISTORY_PASS: return outcome == CONVOY_OBJECTIVE_PASS;
    case CONVOY_HISTORY_PASS_OR_WARNING:
        return outcome == CONVOY_OBJECTIVE_PASS || outcome == CONVOY_OBJECTIVE_WARNING;
    default: return 1;
    }
}

/* The aggregate of the last `count` earlier results the filter keeps. */
static int history_aggregate(double *out, const convoy_quality_gate *g, const convoy_objective *o)
{
    *out = NAN;
    if (!o->n_history || !g->history_count)
        return CONVOY_OK;
    double *values = convoy__malloc(o->n_history * sizeof *values);
    if (!values)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    size_t n = 0;
    /* newest last: walk backwards until enough are kept */
    for (size_t i = o->n_history; i-- > 0 && n < g->history_count;) {
        if (kept_by_filter(o->history[i].outcome, g->history_filter))
            values[n++] = o->history[i].value;
    }
    int rc = convoy_aggregate(out, values, n, g->aggregate);
    convoy__dealloc(values);
    return rc;
}

/* Any block holds entirely: 1; none: 0; malformed criterion: < 0. */
static int any_block(const char *const *criteria, const size_t *sizes, size_t n_blocks,
                     int has_value, double value, double aggregate)
{
    size_t at = 0;
    int any = 0;
    for (size_t b = 0; b < n_blocks; b++) {
        int holds = convoy__criteria_all(criteria + at, sizes[b], value, aggregate);
        if (holds < 0)
            return holds;
        any |= holds && has_value;
        at += sizes[b];
    }
    return any;
}

static int check_objective(const convoy_objective *o)
{
    if (o->version != CONVOY_OBJECTIVE_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_objective version %u is not supported",
                            (unsigned)o->version);
    if ((o->n_pass_blocks && (!o->pass || !o->pass_block_sizes)) ||
        (o->n_warning_blocks && (!o->warning || !o->warning_block_sizes)) ||
        (o->n_history && !o->history) || !(o->weight >= 0))
        return convoy__fail(CONVOY_E_INVALID_ARG, "objective %s: inconsistent arrays or weight",
                            o->name ? o->name : "?");
    return CONVOY_OK;
}

static const char *outcome_name(int outcome)
{
    switch (outcome) {
    case CONVOY_OBJECTIVE_PASS: return "pass";
    case CONVOY_OBJECTIVE_WARNING: return "warning";
    case CONVOY_OBJECTIVE_FAIL: return "fail";
    default: return "info";
    }
}

int convoy_evaluate_objectives(convoy_gate_result **out, const convoy_quality_gate *gate,
                               const convoy_objective *objectives, size_t n)
{
    if (!out || !gate || (n && !objectives))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_evaluate_objectives: NULL argument");
    *out = NULL;
    if (gate->version != CONVOY_QUALITY_GATE_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_quality_gate version %u is not supported",
                            (unsigned)gate->version);
    convoy_gate_result *r = convoy__calloc(1, sizeof *r);
    if (!r || !(r->objectives = convoy__calloc(n ? n : 1, sizeof *r->objectives))) {
        convoy__dealloc(r);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    }
    r->n = n;
    convoy__buf b = {0};
    double scored = 0, total_weight = 0;
    int key_failed = 0;
    int rc = CONVOY_OK;
    for (size_t i = 0; i < n && rc == CONVOY_OK; i++) {
        const convoy_objective *o = &objectives[i];
        objective_result *res = &r->objectives[i];
        if ((rc = check_objective(o)) != CONVOY_OK ||
            (rc = history_aggregate(&res->aggregate, gate, o)) != CONVOY_OK)
            break;
        int pass = any_block(o->pass, o->pass_block_sizes, o->n_pass_blocks, o->has_value,
                             o->value, res->aggregate);
        int warn = any_block(o->warning, o->warning_block_sizes, o->n_warning_blocks, o->has_value,
                             o->value, res->aggregate);
        if (pass < 0 || warn < 0) {
            rc = pass < 0 ? pass : warn;
            break;
        }
        if (!o->n_pass_blocks) {
            res->outcome = CONVOY_OBJECTIVE_INFO;
        } else {
            res->outcome = pass ? CONVOY_OBJECTIVE_PASS
                           : warn ? CONVOY_OBJECTIVE_WARNING
                                  : CONVOY_OBJECTIVE_FAIL;
            res->score = pass ? o->weight : warn ? o->weight / 2 : 0;
            scored += res->score;
            total_weight += o->weight;
            key_failed |= o->key && res->outcome == CONVOY_OBJECTIVE_FAIL;
        }
        convoy__buf_printf(&b, "%s: ", o->name ? o->name : "objective");
        if (o->has_value)
            convoy__buf_printf(&b, "%.6g", o->value);
        else
            convoy__buf_puts(&b, "no data");
        if (!isnan(res->aggregate))
            convoy__buf_printf(&b, " (earlier: %.6g)", res->aggregate);
        convoy__buf_printf(&b, " -> %s, score %.4g/%.4g%s\n", outcome_name(res->outcome),
                           res->score, res->outcome == CONVOY_OBJECTIVE_INFO ? 0 : o->weight,
                           o->key ? " [key]" : "");
    }
    if (rc != CONVOY_OK) {
        convoy__buf_free(&b);
        convoy_gate_result_free(r);
        return rc;
    }
    r->score = total_weight > 0 ? 100.0 * scored / total_weight : 100.0;
    r->outcome = key_failed                             ? CONVOY_OBJECTIVE_FAIL
                 : r->score >= gate->pass_threshold    ? CONVOY_OBJECTIVE_PASS
                 : r->score >= gate->warning_threshold ? CONVOY_OBJECTIVE_WARNING
                                                       : CONVOY_OBJECTIVE_FAIL;
    convoy__buf_printf(&b, "total score %.2f (pass >= %g, warning >= %g)%s -> %s",
                       r->score, gate->pass_threshold, gate->warning_threshold,
                       key_failed ? ", a key objective failed" : "", outcome_name(r->outcome));
    r->explain = convoy__buf_take(&b);
    if (!r->explain) {
        convoy_gate_result_free(r);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    }
    *out = r;
    return CONVOY_OK;
}

void convoy_gate_result_free(convoy_gate_result *r)
{
    if (!r)
        return;
    convoy__dealloc(r->objectives);
    convoy__dealloc(r->explain);
    convoy__dealloc(r);
}

int convoy_gate_result_outcome(const convoy_gate_result *r) { return r ? r->outcome : 0; }
double convoy_gate_result_score(const convoy_gate_result *r) { return r ? r->score : NAN; }
size_t convoy_gate_result_count(const convoy_gate_result *r) { return r ? r->n : 0; }

int convoy_gate_result_objective_outcome(const convoy_gate_result *r, size_t i)
{
    return r && i < r->n ? r->objectives[i].outcome : 0;
}

double convoy_gate_result_objective_score(const convoy_gate_result *r, size_t i)
{
    return r && i < r->n ? r->objectives[i].score : NAN;
}

double convoy_gate_result_objective_aggregate(const convoy_gate_result *r, size_t i)
{
    return r && i < r->n ? r->objectives[i].aggregate : NAN;
}

const char *convoy_gate_result_explain(const convoy_gate_result *r)
{
    return r ? r->explain : NULL;
}
