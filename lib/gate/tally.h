/* Internal: a metric run's counters without the run object, and measuring
 * with criteria a plan parsed once. The engine rebuilds its runs from the
 * outcome letters in its state at every visit; with these it does so with
 * no allocation, no copies of the criteria and no parsing. The public
 * convoy_metric_run and convoy_measure are built on the same functions, so
 * both paths give the same outcomes, phases and explanations. */
#ifndef CONVOY_LIB_GATE_TALLY_H
#define CONVOY_LIB_GATE_TALLY_H

#include <convoy/gate.h>
#include <stddef.h>
#include <stdint.h>

#include "plan/criterion.h"

typedef struct convoy__tally {
    uint32_t measured, successful, failed, inconclusive, errors, consecutive_errors;
    int last_outcome; /* CONVOY_MEASURE_*, 0 before the first */
} convoy__tally;

/* Folds one outcome in (convoy_metric_run_add): CONVOY_OK, or
 * CONVOY_E_INVALID_ARG for an unknown outcome. */
int convoy__tally_add(convoy__tally *t, int outcome);
/* The phase of a run with these counters under `gate`
 * (convoy_metric_run_phase). */
int convoy__tally_phase(const convoy__tally *t, const convoy_metric_gate *gate);
/* convoy_metric_run_explain's line; *out is freed with convoy_free. */
int convoy__tally_explain(char **out, const convoy__tally *t, const convoy_metric_gate *gate,
                          double last_value);

/* convoy_measure for a gate whose criteria are already parsed (`success`
 * and `failure` hold gate->n_success and gate->n_failure of them, in the
 * gate's order). The gate is trusted: a plan's, checked when built. */
int convoy__measure_parsed(int *outcome, const convoy_metric_gate *gate,
                           const convoy__criterion *success, const convoy__criterion *failure,
                           int has_value, double value, double aggregate);

#endif
