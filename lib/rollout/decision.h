/* Internal: the decision object, so the engine can keep one on its stack,
 * and the decision without its rationale. */
#ifndef CONVOY_LIB_ROLLOUT_DECISION_H
#define CONVOY_LIB_ROLLOUT_DECISION_H

#include <convoy/rollout.h>
#include <stddef.h>
#include <stdint.h>

struct convoy_decision {
    int kind;
    size_t service;
    char *owner, *gate, *metric, *rationale;
    double value;
    uint32_t failed;
    double burn_rate;     /* NaN unless a budgeted failure measured it */
    size_t *rollback;
    size_t n_rollback;
};

/*
 * convoy_decide into *d (the caller's, any content): with `explain` 0 the
 * same judgement without the rationale and without copies of the owner,
 * gate and metric names (all left NULL). The engine decides so when nobody
 * reads its records, where formatting the rationale was most of a
 * decision's cost. Release with convoy__decision_release, also after an
 * error.
 */
int convoy__decide(convoy_decision *d, const convoy_plan *plan, const convoy_state *state,
                   const convoy_verdict *verdict, uint64_t now_ms, int explain);
/* Frees what *d owns (not d itself). */
void convoy__decision_release(convoy_decision *d);

#endif
