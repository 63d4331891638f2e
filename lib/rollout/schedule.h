/* Internal: which services a pass of the tick visits. Memory only: derived
 * from the plan and the state, never saved, rebuilt whenever in doubt. */
#ifndef CONVOY_LIB_ROLLOUT_SCHEDULE_H
#define CONVOY_LIB_ROLLOUT_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

typedef struct convoy_rollout convoy_rollout;

#define CONVOY__SERVICE_STATES 8 /* CONVOY_SERVICE_PENDING .. ROLLED_BACK */

/*
 * A visit of a service is quiet when it returns "not moved" without
 * changing the state, without a callback answering CONVOY_PENDING and
 * with every due time it registers in the future. A quiet visit is a pure
 * function of the service's own state, its dependencies', its cohort's,
 * a few rollout-wide fields and the clock compared with those due times;
 * so until one of them changes or the clock reaches its earliest due time,
 * visiting it again does and registers exactly the same: nothing. The
 * schedule skips such visits. Places are positions in the plan's wave
 * order, so a pass still visits services in the order the plan gives.
 */
typedef struct convoy__schedule {
    size_t n;                /* services */
    size_t words;            /* 64-bit words of each place set */
    size_t *place;           /* service index -> place in wave order */
    size_t *cohort;          /* service index -> cohort index, SIZE_MAX none */
    unsigned char *step_readers; /* service index -> a dependent waits for one of its steps */
    unsigned char *state;    /* service index -> its state, packed: dependency checks
                              * read it for random services of earlier waves, which
                              * in the state proper cost a cache line each */
    uint64_t *due;           /* by place: earliest due time its last visit registered */
    uint64_t *this_pass;     /* by place: still to visit in the running pass */
    uint64_t *next_pass;     /* by place: to visit in the next pass (or tick) */
    size_t counts[CONVOY__SERVICE_STATES]; /* services in each state */
    size_t at;               /* place being visited */
    uint64_t records_seen;   /* the state's record count when last in step */
    int in_step;             /* 0: visit everything and recount at the next tick */
    int finished_any;        /* a service became promoted or rolled back (history) */
} convoy__schedule;

int convoy__schedule_init(convoy__schedule *s, const convoy_rollout *r);
void convoy__schedule_free(convoy__schedule *s);
/* Forget what is known: the next tick visits every service (the state was
 * changed outside a tick, e.g. by an operator, or a tick failed). */
void convoy__schedule_invalidate(convoy__schedule *s);

/* The tick: begin (wakes what is due or in doubt), one call per pass (the
 * rollback queue, then the services; 1 when something moved), end (the
 * tick's next due time, over every service, visited or not). */
void convoy__schedule_begin_tick(convoy_rollout *r);
int convoy__schedule_pass(convoy_rollout *r, int first);
uint64_t convoy__schedule_next_due(const convoy_rollout *r);
void convoy__schedule_end_tick(convoy_rollout *r);

/* A service changes state: keeps the per-state counts and the packed
 * states (valid inside a tick: begin_tick refreshes both from the state). */
void convoy__schedule_state_changed(convoy__schedule *s, size_t service, int from, int to);
/* Services in the four states that take a max_parallel slot. */
size_t convoy__schedule_active(const convoy__schedule *s);

#endif
