/* Cohorts: services that shift traffic in lockstep and share bucketing, so
 * a user sees all candidates of a cohort or none. That only works when the
 * members have one weight schedule, one sticky key, and do not wait on
 * each other. */
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "core/alloc.h"

typedef struct member {
    const char *cohort;
    const char *name;
    size_t index;
} member;

static int cmp_member(const void *a, const void *b)
{
    const member *x = a, *y = b;
    int c = strcmp(x->cohort, y->cohort);
    return c ? c : strcmp(x->name, y->name);
}

static int same_weights(const convoy_service *a, const convoy_service *b)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < a->n_steps && a->steps[i].kind != CONVOY_STEP_SET_WEIGHT)
            i++;
        while (j < b->n_steps && b->steps[j].kind != CONVOY_STEP_SET_WEIGHT)
            j++;
        if (i == a->n_steps || j == b->n_steps)
            return i == a->n_steps && j == b->n_steps;
        if (a->steps[i].weight_bp != b->steps[j].weight_bp)
            return 0;
        i++;
        j++;
    }
}

static void check_pair(convoy__build *b, size_t first, size_t later)
{
    const convoy_plan *plan = b->plan;
    const convoy_service *x = &plan->services[first], *y = &plan->services[later];
    const cJSON *at = b->sb[later].cohort_node;
    if (b->sb[first].schedule_ok && b->sb[later].schedule_ok && !same_weights(x, y))
        convoy__report(b->d, CONVOY_P_COHORT, at, 0,
                       "services \"%s\" and \"%s\" share cohort \"%s\" but not their weight steps; "
                       "a cohort moves in lockstep",
                       x->name, y->name, x->cohort);
    const char *sx = x->sticky_json ? x->sticky_json : "", *sy = y->sticky_json ? y->sticky_json : "";
    if (strcmp(sx, sy) != 0)
        convoy__report(b->d, CONVOY_P_COHORT, at, 0,
                       "services \"%s\" and \"%s\" share cohort \"%s\" but not their sticky key; "
                       "a cohort shares bucketing",
                       x->name, y->name, x->cohort);
}

/* A member that waits on another member cannot move with it. */
static void check_dependencies(convoy__build *b, size_t s)
{
    const convoy_plan *plan = b->plan;
    const convoy_service *x = &plan->services[s];
    for (size_t k = 0; k < x->n_deps; k++) {
        const convoy_service *y = &plan->services[x->deps[k]];
        if (y->cohort && strcmp(y->cohort, x->cohort) == 0)
            convoy__report(b->d, CONVOY_P_COHORT, b->sb[s].cohort_node, 0,
                           "\"%s\" depends on \"%s\" but both are in cohort \"%s\"; cohort "
                           "members move together and cannot wait on each other",
                           x->name, y->name, x->cohort);
    }
}

void convoy__build_cohorts(convoy__build *b)
{
    convoy_plan *plan = b->plan;
    size_t n = 0;
    for (size_t i = 0; i < plan->n_services; i++)
        n += plan->services[i].cohort && plan->services[i].name;
    if (!n)
        return;
    member *m = convoy__temp(b, n, sizeof *m);
    if (!m)
        return;
    size_t k = 0;
    for (size_t i = 0; i < plan->n_services; i++) {
        if (plan->services[i].cohort && plan->services[i].name)
            m[k++] = (member){plan->services[i].cohort, plan->services[i].name, i};
    }
    qsort(m, n, sizeof *m, cmp_member);
    size_t groups = 0;
    for (size_t i = 0; i < n; i++)
        groups += i == 0 || strcmp(m[i].cohort, m[i - 1].cohort) != 0;
    plan->cohorts = convoy__alloc(b, groups, sizeof *plan->cohorts);
    for (size_t i = 0; plan->cohorts && i < n;) {
        size_t j = i;
        while (j < n && strcmp(m[j].cohort, m[i].cohort) == 0)
            j++;
        convoy__cohort *c = &plan->cohorts[plan->n_cohorts++];
        c->name = convoy__dup(b, m[i].cohort);
        c->members = convoy__alloc(b, j - i, sizeof *c->members);
        for (size_t x = i; c->members && x < j; x++)
            c->members[c->n_members++] = m[x].index;
        /* Compare every member with the first one written in the document. */
        size_t first = m[i].index;
        for (size_t x = i; x < j; x++)
            first = m[x].index < first ? m[x].index : first;
        for (size_t x = i; x < j; x++) {
            if (m[x].index != first)
                check_pair(b, first, m[x].index);
            check_dependencies(b, m[x].index);
        }
        i = j;
    }
    convoy__dealloc(m);
}
