/* Static names for the gate enumerations, and the judge options' defaults. */
#include <convoy/gate.h>

#include "core/error.h"
#include "core/versioned.h"

const char *convoy_class_name(int classification)
{
    switch (classification) {
    case CONVOY_CLASS_PASS: return "Pass";
    case CONVOY_CLASS_HIGH: return "High";
    case CONVOY_CLASS_LOW: return "Low";
    case CONVOY_CLASS_NODATA: return "Nodata";
    case CONVOY_CLASS_NODATA_FAIL: return "NodataFail";
    case CONVOY_CLASS_ERROR: return "Error";
    default: return "Unknown";
    }
}

const char *convoy_score_label_name(int label)
{
    switch (label) {
    case CONVOY_SCORE_PASS: return "Pass";
    case CONVOY_SCORE_MARGINAL: return "Marginal";
    case CONVOY_SCORE_FAIL: return "Fail";
    default: return "Unknown";
    }
}

const char *convoy_measure_name(int outcome)
{
    switch (outcome) {
    case CONVOY_MEASURE_SUCCESSFUL: return "Successful";
    case CONVOY_MEASURE_FAILED: return "Failed";
    case CONVOY_MEASURE_INCONCLUSIVE: return "Inconclusive";
    case CONVOY_MEASURE_ERROR: return "Error";
    default: return "Unknown";
    }
}

const char *convoy_phase_name(int phase)
{
    switch (phase) {
    case CONVOY_PHASE_SUCCESSFUL: return "Successful";
    case CONVOY_PHASE_RUNNING: return "Running";
    case CONVOY_PHASE_PENDING: return "Pending";
    case CONVOY_PHASE_INCONCLUSIVE: return "Inconclusive";
    case CONVOY_PHASE_ERROR: return "Error";
    case CONVOY_PHASE_FAILED: return "Failed";
    default: return "Unknown";
    }
}

int convoy_judge_options_init(convoy_judge_options *opts, uint32_t version)
{
    static const convoy_judge_options defaults = CONVOY_JUDGE_OPTIONS_INIT;
    return convoy__init_versioned(opts, version, CONVOY_JUDGE_OPTIONS_VERSION, &defaults, sizeof defaults,
                                  "convoy_judge_options");
}
