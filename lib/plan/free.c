/* Releasing a plan: its arena, and the step arrays grown while building
 * unless they were packed into the arena. */
#include "build.h"
#include "core/alloc.h"

void convoy__plan_destroy(convoy_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; !plan->steps_packed && plan->services && i < plan->n_services; i++)
        convoy__dealloc(plan->services[i].steps);
    convoy__arena_free(&plan->arena);
    convoy__dealloc(plan);
}

void convoy_plan_free(convoy_plan *plan)
{
    convoy__plan_destroy(plan);
}
