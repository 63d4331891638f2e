/* A metric run: measurements folded into counters, and the run's phase
 * (Argo Rollouts AnalysisRun, REFERENCE.md 1). */
#include <convoy/gate.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "gate_internal.h"
#include "tally.h"

struct convoy_metric_run {
    convoy_metric_gate gate;  /* strings point into `strings` */
    char **strings;           /* owned copies of name and criteria */
    convoy__tally tally;
};

void convoy_metric_run_free(convoy_metric_run *run)
{
    if (!run)
        return;
    size_t n = 1 + run->gate.n_success + run->gate.n_failure;
    for (size_t i = 0; run->strings && i < n; i++)
        convoy__dealloc(run->strings[i]);
    convoy__dealloc(run->strings);
    convoy__dealloc(run);
}

int convoy_metric_run_new(convoy_metric_run **out, const convoy_metric_gate *gate)
{
    if (!out)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_metric_run_new: NULL out");
    *out = NULL;
    int rc = convoy__check_gate(gate);
    if (rc != CONVOY_OK)
        return rc;
    /* A malformed criterion is an error now, not at the first measurement. */
    for (size_t i = 0; i < gate->n_success + gate->n_failure; i++) {
        convoy__criterion c;
        const char *s = i < gate->n_success ? gate->success[i] : gate->failure[i - gate->n_success];
        if ((rc = convoy__criterion_compile(&c, s)) != CONVOY_OK)
            return rc;
    }
    convoy_metric_run *run = convoy__calloc(1, sizeof *run);
    size_t n = 1 + gate->n_success + gate->n_failure;
    if (!run || !(run->strings = convoy__calloc(n, sizeof *run->strings))) {
        convoy__dealloc(run);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    }
    run->gate = *gate;
    int oom = 0;
    run->strings[0] = convoy__strdup(gate->name ? gate->name : "metric");
    oom |= !run->strings[0];
    for (size_t i = 0; i < gate->n_success; i++)
        oom |= !(run->strings[1 + i] = convoy__strdup(gate->success[i]));
    for (size_t i = 0; i < gate->n_failure; i++)
        oom |= !(run->strings[1 + gate->n_success + i] = convoy__strdup(gate->failure[i]));
    if (oom) {
        convoy_metric_run_free(run);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    }
    run->gate.name = run->strings[0];
    run->gate.success = (const char *const *)run->strings + 1;
    run->gate.failure = (const char *const *)run->strings + 1 + gate->n_success;
    *out = run;
    return CONVOY_OK;
}

int convoy__tally_add(convoy__tally *t, int outcome)
{
    switch (outcome) {
    case CONVOY_MEASURE_SUCCESSFUL: t->successful++; break;
    case CONVOY_MEASURE_FAILED: t->failed++; break;
    case CONVOY_MEASURE_INCONCLUSIVE: t->inconclusive++; break;
    case CONVOY_MEASURE_ERROR:
        t->errors++;
        t->consecutive_errors++;
        t->last_outcome = outcome;
        return CONVOY_OK;
    default:
        return convoy__fail(CONVOY_E_INVALID_ARG, "unknown measurement outcome %d", outcome);
    }
    t->measured++;
    t->consecutive_errors = 0;
    t->last_outcome = outcome;
    return CONVOY_OK;
}

int convoy_metric_run_add(convoy_metric_run *run, int outcome)
{
    if (!run)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_metric_run_add: NULL run");
    return convoy__tally_add(&run->tally, outcome);
}

int convoy_metric_run_measure(int *outcome, convoy_metric_run *run, int has_value, double value,
                              double aggregate)
{
    int o;
    if (!run)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_metric_run_measure: NULL run");
    int rc = convoy_measure(&o, &run->gate, has_value, value, aggregate);
    if (rc != CONVOY_OK)
        return rc;
    if (outcome)
        *outcome = o;
    return convoy_metric_run_add(run, o);
}

/* Measurements the run takes: count; 1 with neither count nor interval;
 * 0 (unbounded) with an interval only. */
static uint32_t planned(const convoy_metric_gate *g)
{
    if (g->count)
        return g->count;
    return g->interval_ms ? 0 : 1;
}

int convoy__tally_phase(const convoy__tally *t, const convoy_metric_gate *g)
{
    if (g->failure_limit >= 0 && t->failed > (uint32_t)g->failure_limit)
        return CONVOY_PHASE_FAILED;
    if (g->inconclusive_limit >= 0 && t->inconclusive > (uint32_t)g->inconclusive_limit)
        return CONVOY_PHASE_INCONCLUSIVE;
    if (g->consecutive_error_limit >= 0 &&
        t->consecutive_errors > (uint32_t)g->consecutive_error_limit)
        return CONVOY_PHASE_ERROR;
    uint32_t want = planned(g);
    if (want && t->measured >= want)
        return CONVOY_PHASE_SUCCESSFUL;
    return CONVOY_PHASE_RUNNING;
}

int convoy_metric_run_phase(const convoy_metric_run *run)
{
    return run ? convoy__tally_phase(&run->tally, &run->gate) : 0;
}

uint32_t convoy_metric_run_measured(const convoy_metric_run *r) { return r ? r->tally.measured : 0; }
uint32_t convoy_metric_run_successful(const convoy_metric_run *r) { return r ? r->tally.successful : 0; }
uint32_t convoy_metric_run_failed(const convoy_metric_run *r) { return r ? r->tally.failed : 0; }
uint32_t convoy_metric_run_inconclusive(const convoy_metric_run *r) { return r ? r->tally.inconclusive : 0; }
uint32_t convoy_metric_run_errors(const convoy_metric_run *r) { return r ? r->tally.errors : 0; }
uint32_t convoy_metric_run_consecutive_errors(const convoy_metric_run *r)
{
    return r ? r->tally.consecutive_errors : 0;
}
int convoy_metric_run_dry_run(const convoy_metric_run *r) { return r ? r->gate.dry_run : 0; }

int convoy_metric_run_due(uint64_t *due_ms, const convoy_metric_run *run, uint32_t index)
{
    if (!due_ms || !run)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_metric_run_due: NULL argument");
    const convoy_metric_gate *g = &run->gate;
    uint32_t want = planned(g);
    if ((want && index >= want) || (index > 0 && !g->interval_ms))
        return convoy__fail(CONVOY_E_RANGE, "metric %s takes no measurement %u", g->name,
                            (unsigned)index);
    *due_ms = g->initial_delay_ms + (uint64_t)index * g->interval_ms;
    return CONVOY_OK;
}

int convoy_analysis_phase(const convoy_metric_run *const *runs, size_t n)
{
    int worst = CONVOY_PHASE_SUCCESSFUL;
    for (size_t i = 0; runs && i < n; i++) {
        if (!runs[i] || runs[i]->gate.dry_run)
            continue;
        int phase = convoy_metric_run_phase(runs[i]);
        if (phase > worst)
            worst = phase;
    }
    return worst;
}

static void put_criteria(convoy__buf *b, const char *label, const char *const *c, size_t n)
{
    if (!n)
        return;
    convoy__buf_printf(b, " %s ", label);
    for (size_t i = 0; i < n; i++)
        convoy__buf_printf(b, "%s%s", i ? " and " : "", c[i]);
}

int convoy__tally_explain(char **out, const convoy__tally *t, const convoy_metric_gate *g,
                          double last_value)
{
    convoy__buf b = {0};
    convoy__buf_printf(&b, "%s: ", g->name ? g->name : "metric");
    if (isnan(last_value))
        convoy__buf_puts(&b, t->last_outcome == CONVOY_MEASURE_ERROR ? "no data" : "no value");
    else
        convoy__buf_printf(&b, "%.6g", last_value);
    convoy__buf_puts(&b, " vs");
    put_criteria(&b, "success", g->success, g->n_success);
    put_criteria(&b, "failure", g->failure, g->n_failure);
    if (g->has_min || g->has_max) {
        convoy__buf_puts(&b, " range [");
        if (g->has_min)
            convoy__buf_printf(&b, "%.6g", g->min);
        convoy__buf_puts(&b, ", ");
        if (g->has_max)
            convoy__buf_printf(&b, "%.6g", g->max);
        convoy__buf_putc(&b, ']');
    }
    uint32_t want = planned(g);
    convoy__buf_printf(&b, " -> %s (measured %u", t->last_outcome ? convoy_measure_name(t->last_outcome) : "none", t->measured);
    if (want)
        convoy__buf_printf(&b, "/%u", want);
    convoy__buf_printf(&b, ", failed %u", t->failed);
    if (g->failure_limit >= 0)
        convoy__buf_printf(&b, "/limit %d", (int)g->failure_limit);
    convoy__buf_printf(&b, ", inconclusive %u/limit %d, consecutive errors %u/limit %d)%s phase %s",
                       t->inconclusive, (int)g->inconclusive_limit, t->consecutive_errors,
                       (int)g->consecutive_error_limit, g->dry_run ? " [dry run]" : "",
                       convoy_phase_name(convoy__tally_phase(t, g)));
    char *s = convoy__buf_take(&b);
    if (!s)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    *out = s;
    return CONVOY_OK;
}

int convoy_metric_run_explain(char **out, const convoy_metric_run *run, double last_value)
{
    if (!out || !run)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_metric_run_explain: NULL argument");
    return convoy__tally_explain(out, &run->tally, &run->gate, last_value);
}
