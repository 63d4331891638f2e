/* Releasing a plan and everything it owns. */
#include "build.h"
#include "core/alloc.h"

void convoy__plan_destroy(convoy_plan *plan)
{
    if (!plan)
        return;
    for (size_t i = 0; plan->services && i < plan->n_services; i++) {
        convoy_service *svc = &plan->services[i];
        convoy__dealloc(svc->name);
        convoy__dealloc(svc->owner);
        convoy__dealloc(svc->description);
        convoy__dealloc(svc->baseline);
        convoy__dealloc(svc->candidate);
        convoy__dealloc(svc->cohort);
        convoy__dealloc(svc->sticky_json);
        convoy__dealloc(svc->traffic_json);
        convoy__dealloc(svc->webhooks_json);
        convoy__dealloc(svc->deps);
        convoy__dealloc(svc->dep_steps);
        convoy__dealloc(svc->dependents);
        for (size_t k = 0; k < svc->n_steps; k++)
            convoy__step_clear(&svc->steps[k]);
        convoy__dealloc(svc->steps);
    }
    convoy__dealloc(plan->services);
    convoy__dealloc(plan->by_name);
    for (size_t i = 0; plan->analyses && i < plan->n_analyses; i++)
        convoy__analysis_clear(&plan->analyses[i]);
    convoy__dealloc(plan->analyses);
    for (size_t i = 0; plan->cohorts && i < plan->n_cohorts; i++) {
        convoy__dealloc(plan->cohorts[i].name);
        convoy__dealloc(plan->cohorts[i].members);
    }
    convoy__dealloc(plan->cohorts);
    convoy__dealloc(plan->wave_order);
    convoy__dealloc(plan->wave_start);
    convoy__dealloc(plan->name);
    convoy__dealloc(plan->description);
    convoy__dealloc(plan->failure_budget_json);
    convoy__dealloc(plan->policies_json);
    convoy__dealloc(plan);
}

void convoy_plan_free(convoy_plan *plan)
{
    convoy__plan_destroy(plan);
}
