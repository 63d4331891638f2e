/* The dependency graph: unique names, resolved dependencies, dependents,
 * cycles (reported with their whole path) and waves (topological levels). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/versioned.h"

typedef struct by_name {
    const char *name;
    size_t index;
} by_name;

static int cmp_by_name(const void *a, const void *b)
{
    const by_name *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->index < y->index ? -1 : x->index > y->index);
}

/* Name -> first service of that name: open addressing, so resolving
 * thousands of dependencies costs one string compare each. */
typedef struct name_slot {
    uint64_t hash;
    size_t index_plus_one; /* 0: empty */
} name_slot;

typedef struct name_table {
    name_slot *slots;
    size_t mask;
} name_table;

static int table_init(convoy__build *b, name_table *t)
{
    const convoy_plan *plan = b->plan;
    size_t cap = 16;
    while (cap < plan->n_services * 2)
        cap *= 2;
    t->slots = convoy__temp(b, cap, sizeof *t->slots);
    t->mask = cap - 1;
    if (!t->slots)
        return 0;
    for (size_t i = 0; i < plan->n_services; i++) {
        const char *name = plan->services[i].name;
        if (!name)
            continue;
        uint64_t h = convoy__hash_string(name);
        size_t at = (size_t)h & t->mask;
        while (t->slots[at].index_plus_one &&
               !(t->slots[at].hash == h &&
                 strcmp(plan->services[t->slots[at].index_plus_one - 1].name, name) == 0))
            at = (at + 1) & t->mask;
        if (!t->slots[at].index_plus_one)
            t->slots[at] = (name_slot){h, i + 1};
    }
    return 1;
}

static long find(const convoy_plan *plan, const name_table *t, const char *name)
{
    uint64_t h = convoy__hash_string(name);
    for (size_t at = (size_t)h & t->mask; t->slots[at].index_plus_one; at = (at + 1) & t->mask) {
        size_t i = t->slots[at].index_plus_one - 1;
        if (t->slots[at].hash == h && strcmp(plan->services[i].name, name) == 0)
            return (long)i;
    }
    return -1;
}

static void report_unknown_service(convoy__build *b, const convoy__dep *dep)
{
    convoy_plan *plan = b->plan;
    const char *best = NULL;
    /* Suggest among all names; cheap enough for the service limit. */
    const char *names[1];
    for (size_t i = 0; i < plan->n_services && !best; i++) {
        if (!plan->services[i].name)
            continue;
        names[0] = plan->services[i].name;
        best = convoy__suggest(dep->name, names, 1);
    }
    if (best)
        convoy__report(b->d, CONVOY_P_UNKNOWN_REF, dep->name_node, 0,
                       "unknown service \"%.64s\"; did you mean \"%s\"?", dep->name, best);
    else
        convoy__report(b->d, CONVOY_P_UNKNOWN_REF, dep->name_node, 0, "unknown service \"%.64s\"",
                       dep->name);
}

static void report_cycle(convoy__build *b, const size_t *path, size_t len)
{
    convoy_plan *plan = b->plan;
    /* Start the loop at its first service in document order. */
    size_t start = 0;
    for (size_t i = 1; i < len; i++) {
        if (path[i] < path[start])
            start = i;
    }
    convoy__buf msg = {0};
    convoy__buf_puts(&msg, "dependency cycle: ");
    for (size_t i = 0; i <= len; i++) {
        size_t s = path[(start + i) % len];
        convoy__buf_printf(&msg, "%s%s", i ? " -> " : "", plan->services[s].name);
    }
    size_t from = path[start], to = path[(start + 1) % len];
    const convoy__svc_build *sb = &b->sb[from];
    const cJSON *at = sb->node;
    for (size_t k = 0; k < plan->services[from].n_deps; k++) {
        if (plan->services[from].deps[k] == to) {
            at = sb->deps[k].node;
            break;
        }
    }
    convoy__report(b->d, CONVOY_P_CYCLE, at, 0, "%s", msg.data ? msg.data : "dependency cycle");
    convoy__buf_free(&msg);
}

/* Iterative depth-first search; a back edge closes a loop. Returns 1 when
 * the graph has at least one cycle. */
static int find_cycles(convoy__build *b)
{
    convoy_plan *plan = b->plan;
    size_t n = plan->n_services;
    unsigned char *color = convoy__temp(b, n, 1); /* 0 new, 1 on stack, 2 done */
    size_t *stack = convoy__temp(b, n, sizeof *stack);
    size_t *edge = convoy__temp(b, n, sizeof *edge);
    int cyclic = 0;
    for (size_t root = 0; color && stack && edge && root < n; root++) {
        if (color[root])
            continue;
        size_t depth = 0;
        stack[depth] = root;
        edge[depth] = 0;
        color[root] = 1;
        depth++;
        while (depth) {
            size_t s = stack[depth - 1];
            convoy_service *svc = &plan->services[s];
            if (edge[depth - 1] == svc->n_deps) {
                color[s] = 2;
                depth--;
                continue;
            }
            size_t t = svc->deps[edge[depth - 1]++];
            if (color[t] == 1) {
                size_t at = depth;
                while (at > 0 && stack[at - 1] != t)
                    at--;
                report_cycle(b, stack + at - 1, depth - (at - 1));
                cyclic = 1;
            } else if (color[t] == 0) {
                color[t] = 1;
                stack[depth] = t;
                edge[depth] = 0;
                depth++;
            }
        }
    }
    convoy__dealloc(color);
    convoy__dealloc(stack);
    convoy__dealloc(edge);
    return cyclic;
}

typedef struct wave_key {
    size_t wave;
    const char *name;
    size_t index;
} wave_key;

static int cmp_wave_key(const void *a, const void *b)
{
    const wave_key *x = a, *y = b;
    if (x->wave != y->wave)
        return x->wave < y->wave ? -1 : 1;
    return strcmp(x->name, y->name);
}

static void compute_waves(convoy__build *b)
{
    convoy_plan *plan = b->plan;
    size_t n = plan->n_services;
    size_t *indeg = convoy__temp(b, n, sizeof *indeg);
    size_t *queue = convoy__temp(b, n, sizeof *queue);
    plan->wave_order = convoy__alloc(b, n, sizeof *plan->wave_order);
    if (!indeg || !queue || !plan->wave_order) {
        convoy__dealloc(indeg);
        convoy__dealloc(queue);
        return;
    }
    size_t head = 0, tail = 0, levels = 0;
    for (size_t i = 0; i < n; i++) {
        indeg[i] = plan->services[i].n_deps;
        plan->services[i].wave = 0;
        if (!indeg[i])
            queue[tail++] = i;
    }
    while (head < tail) {
        convoy_service *svc = &plan->services[queue[head++]];
        if (svc->wave + 1 > levels)
            levels = svc->wave + 1;
        for (size_t k = 0; k < svc->n_dependents; k++) {
            convoy_service *d = &plan->services[svc->dependents[k]];
            if (d->wave < svc->wave + 1)
                d->wave = svc->wave + 1;
            if (--indeg[svc->dependents[k]] == 0)
                queue[tail++] = svc->dependents[k];
        }
    }
    wave_key *keys = convoy__temp(b, n, sizeof *keys);
    if (keys) {
        for (size_t i = 0; i < n; i++)
            keys[i] = (wave_key){plan->services[i].wave, plan->services[i].name, i};
        qsort(keys, n, sizeof *keys, cmp_wave_key);
        for (size_t i = 0; i < n; i++)
            plan->wave_order[i] = keys[i].index;
        convoy__dealloc(keys);
    }
    plan->wave_start = convoy__alloc(b, levels + 1, sizeof *plan->wave_start);
    if (plan->wave_start) {
        size_t w = 0;
        for (size_t i = 0; i < n; i++) {
            while (w <= plan->services[plan->wave_order[i]].wave)
                plan->wave_start[w++] = i;
        }
        while (w <= levels)
            plan->wave_start[w++] = n;
        plan->n_waves = levels;
    }
    convoy__dealloc(indeg);
    convoy__dealloc(queue);
}

void convoy__build_graph(convoy__build *b)
{
    convoy_plan *plan = b->plan;
    size_t n = plan->n_services;
    by_name *idx = convoy__temp(b, n, sizeof *idx);
    if (!idx)
        return;
    size_t named = 0;
    for (size_t i = 0; i < n; i++) {
        if (plan->services[i].name)
            idx[named++] = (by_name){plan->services[i].name, i};
    }
    qsort(idx, named, sizeof *idx, cmp_by_name);
    int complete = named == n;
    for (size_t i = 1; i < named; i++) {
        if (strcmp(idx[i].name, idx[i - 1].name) == 0) {
            convoy__report(b->d, CONVOY_P_DUPLICATE, b->sb[idx[i].index].name_node, 0,
                           "service \"%s\" is defined more than once", idx[i].name);
            complete = 0;
        }
    }
    name_table table;
    if (!table_init(b, &table)) {
        convoy__dealloc(idx);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        convoy_service *svc = &plan->services[i];
        convoy__svc_build *sb = &b->sb[i];
        svc->deps = convoy__alloc(b, sb->n_deps, sizeof *svc->deps);
        svc->dep_steps = convoy__alloc(b, sb->n_deps, sizeof *svc->dep_steps);
        if (!svc->deps || !svc->dep_steps)
            break;
        for (size_t k = 0; k < sb->n_deps; k++) {
            const convoy__dep *dep = &sb->deps[k];
            long t = find(plan, &table, dep->name);
            if (t < 0) {
                report_unknown_service(b, dep);
                complete = 0;
                continue;
            }
            if ((size_t)t == i) {
                convoy__report(b->d, CONVOY_P_SELF_DEPENDENCY, dep->node, 0,
                               "service \"%s\" depends on itself", svc->name);
                complete = 0;
                continue;
            }
            int dup = 0;
            for (size_t j = 0; j < svc->n_deps; j++)
                dup |= svc->deps[j] == (size_t)t;
            if (dup) {
                convoy__report(b->d, CONVOY_P_DUPLICATE, dep->node, 0,
                               "\"%s\" is listed twice in depends_on", dep->name);
                continue;
            }
            const convoy_service *target = &plan->services[t];
            if (dep->step >= 0 && b->sb[t].schedule_ok && (size_t)dep->step >= target->n_steps) {
                convoy__report(b->d, CONVOY_P_RANGE, dep->step_node, 0,
                               "service \"%s\" has %zu steps; step %d does not exist",
                               target->name, target->n_steps, (int)dep->step);
            }
            svc->deps[svc->n_deps] = (size_t)t;
            svc->dep_steps[svc->n_deps] = dep->step;
            svc->n_deps++;
        }
    }
    convoy__dealloc(table.slots);
    plan->by_name = convoy__alloc(b, n, sizeof *plan->by_name);
    for (size_t i = 0; plan->by_name && i < named; i++)
        plan->by_name[i] = idx[i].index;
    convoy__dealloc(idx);
    if (b->oom)
        return;
    /* Dependents, in document order. */
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < plan->services[i].n_deps; k++)
            plan->services[plan->services[i].deps[k]].n_dependents++;
    }
    for (size_t i = 0; i < n; i++) {
        plan->services[i].dependents = convoy__alloc(b, plan->services[i].n_dependents,
                                                     sizeof(size_t));
        plan->services[i].n_dependents = 0;
    }
    if (b->oom)
        return;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < plan->services[i].n_deps; k++) {
            convoy_service *t = &plan->services[plan->services[i].deps[k]];
            t->dependents[t->n_dependents++] = i;
        }
    }
    if (find_cycles(b) || !complete)
        return;
    compute_waves(b);
}
