/* Internal: what a callback is told, and the sample sink it fills. */
#ifndef CONVOY_LIB_ROLLOUT_ACTION_H
#define CONVOY_LIB_ROLLOUT_ACTION_H

#include <convoy/backend.h>

struct convoy_action {
    int kind;
    const convoy_service *service;
    size_t step;
    uint32_t attempt;
    uint64_t now_ms;
    uint32_t candidate_bp, mirror_bp;
    const convoy_metric *metric;
    int variant;
    const char *webhook_type;
    const char *webhook_json;
};

#define CONVOY__MAX_SAMPLES 1000000u

struct convoy_samples {
    double *values;
    size_t n, cap;
    int failed;   /* an add failed: the query counts as an error */
};

void convoy__samples_clear(convoy_samples *s);
void convoy__samples_free(convoy_samples *s);

#endif
