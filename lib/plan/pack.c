/* Laying out a built plan for the engine: every service's steps in one
 * block, in wave order. A tick visits the services of a wave one after the
 * other and reads each one's current step; with one heap block per service
 * that read was the most frequent cache miss of a 10,000-service rollout
 * (sampled in bench_simulate), in one block in visit order it misses less. */
#include "build.h"
#include "core/alloc.h"

#include <string.h>

void convoy__pack_steps(convoy_plan *plan)
{
    size_t total = 0;
    for (size_t i = 0; i < plan->n_services; i++)
        total += plan->services[i].n_steps;
    if (total == 0 || total > SIZE_MAX / sizeof(convoy_step))
        return;
    convoy_step *block = convoy__arena_alloc(&plan->arena, total * sizeof *block);
    if (!block)
        return; /* the plan stays as built: each service owns its steps */
    size_t at = 0;
    for (size_t k = 0; k < plan->n_services; k++) {
        convoy_service *svc = &plan->services[plan->wave_order[k]];
        if (svc->n_steps)
            memcpy(block + at, svc->steps, svc->n_steps * sizeof *block);
        convoy__dealloc(svc->steps);
        svc->steps = svc->n_steps ? block + at : NULL;
        at += svc->n_steps;
    }
    plan->steps_packed = 1;
}
