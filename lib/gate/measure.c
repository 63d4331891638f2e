/* One measurement against a metric's gate (Argo Rollouts semantics). */
#include <convoy/gate.h>
#include <math.h>

#include "core/error.h"
#include "core/versioned.h"
#include "gate_internal.h"
#include "tally.h"
#include "plan/model.h"

int convoy_metric_gate_init(convoy_metric_gate *gate, uint32_t version)
{
    static const convoy_metric_gate defaults = CONVOY_METRIC_GATE_INIT;
    return convoy__init_versioned(gate, version, CONVOY_METRIC_GATE_VERSION, &defaults, sizeof defaults,
                                  "convoy_metric_gate");
}

int convoy_metric_gate_from_plan(convoy_metric_gate *gate, const convoy_metric *m)
{
    if (!gate || !m)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_metric_gate_from_plan: NULL argument");
    convoy_metric_gate_init(gate, CONVOY_METRIC_GATE_VERSION);
    gate->name = m->name;
    gate->success = (const char *const *)m->success;
    gate->n_success = m->n_success;
    gate->failure = (const char *const *)m->failure;
    gate->n_failure = m->n_failure;
    gate->has_min = m->has_min;
    gate->has_max = m->has_max;
    gate->min = m->min;
    gate->max = m->max;
    gate->count = m->count;
    gate->interval_ms = m->interval_ms;
    gate->initial_delay_ms = m->initial_delay_ms;
    gate->failure_limit = m->failure_limit;
    gate->inconclusive_limit = m->inconclusive_limit;
    gate->consecutive_error_limit = m->consecutive_error_limit;
    gate->dry_run = m->dry_run;
    return CONVOY_OK;
}

int convoy__check_gate(const convoy_metric_gate *gate)
{
    if (!gate)
        return convoy__fail(CONVOY_E_INVALID_ARG, "NULL metric gate");
    if (gate->version != CONVOY_METRIC_GATE_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_metric_gate version %u is not supported",
                            (unsigned)gate->version);
    if ((gate->n_success && !gate->success) || (gate->n_failure && !gate->failure))
        return convoy__fail(CONVOY_E_INVALID_ARG, "metric gate: criteria count without criteria");
    return CONVOY_OK;
}

/* The outcome once the criteria are evaluated (REFERENCE.md 1, and the
 * rules in gate.h). */
static int outcome_of(const convoy_metric_gate *gate, int has_value, double value,
                      int success_holds, int failure_holds)
{
    if (!has_value)
        return CONVOY_MEASURE_ERROR;
    if (isnan(value))
        return CONVOY_MEASURE_INCONCLUSIVE;
    int has_success = gate->n_success || gate->has_min || gate->has_max;
    int has_failure = gate->n_failure > 0;
    if (gate->has_min && !(value >= gate->min))
        success_holds = 0;
    if (gate->has_max && !(value <= gate->max))
        success_holds = 0;
    if (has_success && has_failure)
        return failure_holds   ? CONVOY_MEASURE_FAILED
               : success_holds ? CONVOY_MEASURE_SUCCESSFUL
                               : CONVOY_MEASURE_INCONCLUSIVE;
    if (has_failure)
        return failure_holds ? CONVOY_MEASURE_FAILED : CONVOY_MEASURE_SUCCESSFUL;
    if (has_success)
        return success_holds ? CONVOY_MEASURE_SUCCESSFUL : CONVOY_MEASURE_FAILED;
    return CONVOY_MEASURE_SUCCESSFUL;
}

int convoy_measure(int *outcome, const convoy_metric_gate *gate, int has_value, double value,
                   double aggregate)
{
    if (!outcome)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_measure: NULL outcome");
    int rc = convoy__check_gate(gate);
    if (rc != CONVOY_OK)
        return rc;
    /* Parse every criterion first, so a malformed one is always an error,
     * not only when evaluation reaches it. */
    int success_holds = convoy__criteria_all(gate->success, gate->n_success, value, aggregate);
    int failure_holds = convoy__criteria_all(gate->failure, gate->n_failure, value, aggregate);
    if (success_holds < 0)
        return success_holds;
    if (failure_holds < 0)
        return failure_holds;
    *outcome = outcome_of(gate, has_value, value, success_holds, failure_holds);
    return CONVOY_OK;
}

int convoy__measure_parsed(int *outcome, const convoy_metric_gate *gate,
                           const convoy__criterion *success, const convoy__criterion *failure,
                           int has_value, double value, double aggregate)
{
    int success_holds = convoy__parsed_criteria_all(success, gate->n_success, value, aggregate);
    int failure_holds = convoy__parsed_criteria_all(failure, gate->n_failure, value, aggregate);
    *outcome = outcome_of(gate, has_value, value, success_holds, failure_holds);
    return CONVOY_OK;
}
