/* The top level of a plan, and the order in which its parts are built. */
#include <string.h>

#include "build.h"
#include "canon.h"
#include "core/alloc.h"

int convoy__check_defaults(convoy__build *b, const cJSON *defaults);

static const char *const TOP_KEYS[] = {
    "name",     "description", "services", "analyses",     "defaults",
    "templates", "max_parallel", "rollback", "failure_budget", "policies",
};
enum { T_NAME, T_DESCRIPTION, T_SERVICES, T_ANALYSES, T_DEFAULTS, T_TEMPLATES, T_MAX_PARALLEL,
       T_ROLLBACK, T_FAILURE_BUDGET, T_POLICIES, T_KEYS };

static void build_rollback(convoy__build *b, const cJSON *node)
{
    static const char *const keys[] = {"mode", "scope", "on_inconclusive", "retry"};
    static const char *const modes[] = {"automatic", "manual"};
    static const char *const scopes[] = {"service", "dependents", "all"};
    static const char *const inconclusive[] = {"hold", "rollback"};
    const cJSON *f[4];
    convoy_plan *plan = b->plan;
    if (!convoy__fields(b, node, "rollback", keys, 4, f))
        return;
    int v;
    if (f[0] && (v = convoy__enum(b, f[0], modes, 2)) >= 0)
        plan->rollback_mode = v;
    b->rollback_mode_node = f[0];
    if (f[1] && (v = convoy__enum(b, f[1], scopes, 3)) >= 0)
        plan->rollback_scope = v;
    if (f[2] && (v = convoy__enum(b, f[2], inconclusive, 2)) >= 0)
        plan->rollback_on_inconclusive = v;
    if (f[3]) {
        static const char *const rkeys[] = {"attempts", "backoff"};
        const cJSON *r[2];
        if (convoy__fields(b, f[3], "rollback.retry", rkeys, 2, r)) {
            long long attempts;
            if (r[0] && convoy__int(b, r[0], 0, 100, &attempts))
                plan->retry_attempts = (uint32_t)attempts;
            if (r[1])
                convoy__duration(b, r[1], &plan->retry_backoff_ms);
        }
    }
}

static void build_failure_budget(convoy__build *b, const cJSON *node)
{
    static const char *const keys[] = {"max_failed_evaluations", "max_burn_rate",
                                       "time_to_remediate"};
    const cJSON *f[3];
    if (!convoy__fields(b, node, "failure_budget", keys, 3, f))
        return;
    int ok = 1;
    long long n = 0;
    double rate = 0;
    uint64_t ms = 0;
    if (f[0])
        ok &= convoy__int(b, f[0], 0, 1000000, &n);
    if (f[1]) {
        ok &= convoy__number(b, f[1], 0, 1e9, &rate);
        if (ok && rate <= 0) {
            convoy__report(b->d, CONVOY_P_RANGE, f[1], 0, "\"max_burn_rate\" must be above 0");
            ok = 0;
        }
    }
    if (f[2])
        ok &= convoy__duration(b, f[2], &ms);
    /* A burn rate measures how fast a budget is spent: it needs one. */
    if (ok && f[1] && (!f[0] || n == 0)) {
        convoy__report(b->d, CONVOY_P_MISSING, f[1], 1,
                       "\"max_burn_rate\" needs \"max_failed_evaluations\" of at least 1: the "
                       "budget whose burn it limits");
        ok = 0;
    }
    if (ok) {
        b->plan->failure_budget_json = convoy__canonical(b, node);
        b->plan->budget_max_failed = f[0] ? (int64_t)n : -1;
        b->plan->budget_burn_rate = f[1] ? rate : 0;
        b->plan->budget_ttr_ms = f[2] ? ms : 0;
    }
}

void convoy__build_plan(convoy__build *b, const cJSON *root)
{
    convoy_plan *plan = b->plan;
    const cJSON *f[T_KEYS];
    plan->retry_attempts = 3;
    plan->retry_backoff_ms = 10000;
    if (!convoy__fields(b, root, "the plan", TOP_KEYS, T_KEYS, f))
        return;
    if (!f[T_NAME]) {
        convoy__report(b->d, CONVOY_P_MISSING, root, 0, "the plan needs a \"name\"");
    } else {
        const char *name = convoy__string(b, f[T_NAME], 0);
        plan->name = convoy__dup(b, name);
    }
    if (f[T_DESCRIPTION])
        plan->description = convoy__dup(b, convoy__string(b, f[T_DESCRIPTION], 1));
    long long mp;
    if (f[T_MAX_PARALLEL] && convoy__int(b, f[T_MAX_PARALLEL], 0, 1000000, &mp))
        plan->max_parallel = (uint32_t)mp;
    if (f[T_ROLLBACK])
        build_rollback(b, f[T_ROLLBACK]);
    if (f[T_FAILURE_BUDGET])
        build_failure_budget(b, f[T_FAILURE_BUDGET]);
    if (f[T_DEFAULTS]) {
        b->defaults = f[T_DEFAULTS];
        convoy__check_defaults(b, f[T_DEFAULTS]);
    }
    b->policies = f[T_POLICIES];
    if (f[T_TEMPLATES])
        convoy__build_templates(b, f[T_TEMPLATES]);
    convoy__build_analyses(b, f[T_ANALYSES]);

    const cJSON *services = f[T_SERVICES];
    if (!services) {
        convoy__report(b->d, CONVOY_P_MISSING, root, 0, "the plan needs \"services\"");
        return;
    }
    if (!cJSON_IsArray(services)) {
        convoy__report(b->d, CONVOY_P_TYPE, services, 0, "\"services\" must be an array");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(services);
    if (n == 0) {
        convoy__report(b->d, CONVOY_P_EMPTY, services, 0, "\"services\" must not be empty");
        return;
    }
    if (n > b->opts->max_services) {
        convoy__report(b->d, CONVOY_P_LIMIT, services, 0,
                       "the plan has %zu services, more than the limit of %u", n,
                       b->opts->max_services);
        return;
    }
    plan->services = convoy__alloc(b, n, sizeof *plan->services);
    b->sb = convoy__temp(b, n, sizeof *b->sb);
    if (!plan->services || !b->sb)
        return;
    plan->n_services = n;
    size_t i = 0;
    for (const cJSON *s = services->child; s; s = s->next, i++)
        convoy__build_service(b, i, s);
    if (b->oom)
        return;
    convoy__resolve_analyses(b);
    convoy__build_graph(b);
    convoy__build_cohorts(b);
    convoy__check_policies(b);
}
