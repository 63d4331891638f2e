/* Router snapshots: compiling a plan's rules once, pairing them with
 * weights, and the getters. */
#include <pthread.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/versioned.h"
#include "plan/model.h"
#include "router_internal.h"

int convoy_router_options_init(convoy_router_options *opts, uint32_t version)
{
    static const convoy_router_options defaults = CONVOY_ROUTER_OPTIONS_INIT;
    return convoy__init_versioned(opts, version, CONVOY_ROUTER_OPTIONS_VERSION, &defaults,
                                  sizeof defaults, "convoy_router_options_init");
}

/* ---- PCRE2 memory through the embedder's allocator ------------------ */

static void *pcre2_alloc(size_t size, void *data)
{
    (void)data;
    return convoy__malloc(size);
}

static void pcre2_release(void *ptr, void *data)
{
    (void)data;
    convoy__dealloc(ptr);
}

/* A general context is only read by PCRE2 (it copies the functions into
 * what it creates), so one per ruleset is enough. */
static pcre2_general_context *general_context(void)
{
    return pcre2_general_context_create(pcre2_alloc, pcre2_release, NULL);
}

/* ---- per-thread match data and JIT stack ------------------------------ */

typedef struct thread_regex {
    pcre2_match_data *md;
    pcre2_jit_stack *stack;
} thread_regex;

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;
static int thread_key_ok;
static _Thread_local thread_regex tls;

static void free_thread_regex(void *p)
{
    thread_regex *t = p;
    pcre2_match_data_free(t->md);
    pcre2_jit_stack_free(t->stack);
    t->md = NULL;
    t->stack = NULL;
}

static void make_thread_key(void)
{
    thread_key_ok = pthread_key_create(&thread_key, free_thread_regex) == 0;
}

pcre2_match_data *convoy__thread_match_data(void)
{
    if (tls.md)
        return tls.md;
    pthread_once(&thread_once, make_thread_key);
    pcre2_general_context *gc = general_context();
    /* One ovector pair: only "does it match" is asked. */
    tls.md = pcre2_match_data_create(1, gc);
    /* A JIT stack larger than the 32 KiB default, so long values are not
     * refused by the JIT where the interpreter's limits would allow them. */
    tls.stack = pcre2_jit_stack_create(32 * 1024, 512 * 1024, gc);
    pcre2_general_context_free(gc);
    if (tls.md && thread_key_ok)
        pthread_setspecific(thread_key, &tls);
    return tls.md;
}

/* Called by pcre2_match at JIT time: this thread's stack (NULL: the 32 KiB
 * machine-stack default). */
static pcre2_jit_stack *thread_jit_stack(void *data)
{
    (void)data;
    return tls.stack;
}

/* ---- rulesets --------------------------------------------------------- */

static void ruleset_destroy(convoy__ruleset *rs)
{
    for (size_t i = 0; i < rs->n_services; i++) {
        convoy__route_service *s = &rs->services[i];
        if (s->regex && s->rules) {
            size_t k = 0;
            for (size_t r = 0; r < s->rules->n_rules; r++)
                for (size_t c = 0; c < s->rules->rules[r].n_conditions; c++, k++)
                    pcre2_code_free(s->regex[k]);
        }
        convoy__dealloc(s->regex);
        convoy__rules_free(s->rules);
    }
    convoy__dealloc(rs->services);
    pcre2_match_context_free(rs->match_context);
    convoy__dealloc(rs);
}

static void ruleset_release(convoy__ruleset *rs)
{
    if (rs && atomic_fetch_sub(&rs->refs, 1) == 1)
        ruleset_destroy(rs);
}

static int compile_regex(pcre2_code **out, const convoy__rules *rules, const convoy__rule *rule,
                         const convoy__condition *c, uint32_t flags)
{
    int err;
    PCRE2_SIZE offset;
    /* Whole-value match in UTF mode; route.c checks values are valid UTF-8
     * before matching (invalid ones never match). */
    uint32_t options = PCRE2_UTF | PCRE2_ANCHORED | PCRE2_ENDANCHORED;
    pcre2_general_context *gc = general_context();
    pcre2_compile_context *cc = gc ? pcre2_compile_context_create(gc) : NULL;
    pcre2_code *re = cc ? pcre2_compile((PCRE2_SPTR)c->value, c->value_len, options, &err,
                                        &offset, cc)
                        : NULL;
    pcre2_compile_context_free(cc);
    pcre2_general_context_free(gc);
    if (!cc)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory compiling routing rules");
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof msg);
        return convoy__fail(err == PCRE2_ERROR_NOMEMORY ? CONVOY_E_NOMEM : CONVOY_E_INVALID,
                            "service \"%s\", rule \"%s\": regex does not compile at character "
                            "%zu: %s",
                            rules->service, rule->name, (size_t)offset + 1, (const char *)msg);
    }
    /* Without JIT support (or memory for it) the interpreter is used, with
     * the same limits: slower, never wrong. */
    if (!(flags & CONVOY_ROUTER_NO_JIT))
        (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    *out = re;
    return CONVOY_OK;
}

static int compile_service(convoy__route_service *s, const convoy_service *svc, uint32_t flags)
{
    int rc = convoy__rules_read(&s->rules, svc);
    if (rc != CONVOY_OK)
        return rc;
    s->group_len = strlen(s->rules->group);
    convoy__murmur3_begin(&s->prefix, 0);
    convoy__murmur3_feed(&s->prefix, s->rules->group, s->group_len);
    convoy__murmur3_feed(&s->prefix, ":", 1);
    convoy__murmur3_begin(&s->mirror_prefix, CONVOY__MIRROR_SEED);
    convoy__murmur3_feed(&s->mirror_prefix, s->rules->group, s->group_len);
    convoy__murmur3_feed(&s->mirror_prefix, ":", 1);
    size_t n = 0;
    for (size_t r = 0; r < s->rules->n_rules; r++)
        n += s->rules->rules[r].n_conditions;
    if (!n)
        return CONVOY_OK;
    s->regex = convoy__calloc(n, sizeof *s->regex);
    if (!s->regex)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory compiling routing rules");
    size_t k = 0;
    for (size_t r = 0; r < s->rules->n_rules; r++) {
        const convoy__rule *rule = &s->rules->rules[r];
        for (size_t c = 0; c < rule->n_conditions; c++, k++) {
            if (rule->conditions[c].test != CONVOY__TEST_REGEX)
                continue;
            rc = compile_regex(&s->regex[k], s->rules, rule, &rule->conditions[c], flags);
            if (rc != CONVOY_OK)
                return rc;
        }
    }
    return CONVOY_OK;
}

static int ruleset_build(convoy__ruleset **out, const convoy_plan *plan,
                         const convoy_router_options *opts)
{
    convoy__ruleset *rs = convoy__calloc(1, sizeof *rs);
    if (!rs)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory building a router");
    atomic_init(&rs->refs, 1);
    rs->max_value_bytes = opts->max_value_bytes;
    rs->n_services = plan->n_services;
    rs->services = convoy__calloc(plan->n_services ? plan->n_services : 1, sizeof *rs->services);
    pcre2_general_context *gc = general_context();
    rs->match_context = gc ? pcre2_match_context_create(gc) : NULL;
    pcre2_general_context_free(gc);
    int rc = CONVOY_OK;
    if (!rs->services || !rs->match_context) {
        rc = convoy__fail(CONVOY_E_NOMEM, "out of memory building a router");
    } else {
        pcre2_set_match_limit(rs->match_context, opts->regex_match_limit);
        pcre2_set_depth_limit(rs->match_context, opts->regex_depth_limit);
        pcre2_jit_stack_assign(rs->match_context, thread_jit_stack, NULL);
        for (size_t i = 0; i < plan->n_services && rc == CONVOY_OK; i++) {
            const convoy_service *svc = &plan->services[i];
            rs->services[i].cohort_first = i;
            if (svc->cohort) {
                const convoy__cohort *co = NULL;
                for (size_t c = 0; c < plan->n_cohorts && !co; c++)
                    if (strcmp(plan->cohorts[c].name, svc->cohort) == 0)
                        co = &plan->cohorts[c];
                /* Members are in name order: the first is the cohort's reference. */
                if (co && co->n_members)
                    rs->services[i].cohort_first = co->members[0];
            }
            rc = compile_service(&rs->services[i], svc, opts->flags);
        }
    }
    if (rc != CONVOY_OK) {
        ruleset_destroy(rs);
        return rc;
    }
    *out = rs;
    return CONVOY_OK;
}

/* ---- snapshots -------------------------------------------------------- */

static int with_weights(convoy_router **out, convoy__ruleset *rs, const uint32_t *candidate_bp,
                        const uint32_t *mirror_bp, size_t n)
{
    if (!candidate_bp || n != rs->n_services)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "router weights: %zu given for %zu services (candidate weights %s)",
                            n, rs->n_services, candidate_bp ? "given" : "missing");
    for (size_t i = 0; i < n; i++) {
        const char *name = rs->services[i].rules->service;
        uint32_t m = mirror_bp ? mirror_bp[i] : 0;
        if (candidate_bp[i] > 10000 || m > 10000)
            return convoy__fail(CONVOY_E_INVALID_ARG,
                                "service \"%s\": weight %u bp is above 10000",
                                name, candidate_bp[i] > 10000 ? candidate_bp[i] : m);
        size_t first = rs->services[i].cohort_first;
        if (candidate_bp[i] != candidate_bp[first] || m != (mirror_bp ? mirror_bp[first] : 0))
            return convoy__fail(CONVOY_E_INVALID,
                                "services \"%s\" and \"%s\" share cohort \"%s\" and must move in "
                                "lockstep, but were given different weights",
                                rs->services[first].rules->service, name,
                                rs->services[i].rules->group);
    }
    convoy_router *r = convoy__calloc(1, sizeof *r);
    uint32_t *w = convoy__malloc(2 * (n ? n : 1) * sizeof *w);
    if (!r || !w) {
        convoy__dealloc(r);
        convoy__dealloc(w);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory building a router");
    }
    r->candidate_bp = w;
    r->mirror_bp = w + n;
    for (size_t i = 0; i < n; i++) {
        w[i] = candidate_bp[i];
        w[n + i] = mirror_bp ? mirror_bp[i] : 0;
    }
    atomic_fetch_add(&rs->refs, 1);
    r->ruleset = rs;
    *out = r;
    return CONVOY_OK;
}

int convoy_router_new(convoy_router **out, const convoy_plan *plan, const uint32_t *candidate_bp,
                      const uint32_t *mirror_bp, size_t n, const convoy_router_options *opts)
{
    if (out)
        *out = NULL;
    if (!out || !plan)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_router_new: NULL argument");
    convoy_router_options defaults = CONVOY_ROUTER_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    if (opts->version != CONVOY_ROUTER_OPTIONS_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_router_new: options version %u unknown",
                            opts->version);
    if (opts->flags & ~(uint32_t)CONVOY_ROUTER_NO_JIT)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_router_new: unknown flags 0x%x",
                            opts->flags & ~(uint32_t)CONVOY_ROUTER_NO_JIT);
    /* Zero means "the default", so a zero-filled struct from a binding is
     * not a router whose regexes can never match. */
    convoy_router_options eff = *opts;
    if (!eff.regex_match_limit)
        eff.regex_match_limit = defaults.regex_match_limit;
    if (!eff.regex_depth_limit)
        eff.regex_depth_limit = defaults.regex_depth_limit;
    if (!eff.max_value_bytes)
        eff.max_value_bytes = defaults.max_value_bytes;
    opts = &eff;
    if (!candidate_bp || n != plan->n_services)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_router_new: %zu weights given for %zu services", n,
                            plan->n_services);
    convoy__ruleset *rs = NULL;
    int rc = ruleset_build(&rs, plan, opts);
    if (rc != CONVOY_OK)
        return rc;
    rc = with_weights(out, rs, candidate_bp, mirror_bp, n);
    ruleset_release(rs);
    return rc;
}

int convoy_router_reweight(convoy_router **out, const convoy_router *base,
                           const uint32_t *candidate_bp, const uint32_t *mirror_bp, size_t n)
{
    if (out)
        *out = NULL;
    if (!out || !base)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_router_reweight: NULL argument");
    return with_weights(out, base->ruleset, candidate_bp, mirror_bp, n);
}

void convoy_router_free(convoy_router *router)
{
    if (!router)
        return;
    ruleset_release(router->ruleset);
    convoy__dealloc(router->candidate_bp);
    convoy__dealloc(router);
}

/* ---- getters ---------------------------------------------------------- */

static const convoy__route_service *service_at(const convoy_router *r, size_t i)
{
    return r && i < r->ruleset->n_services ? &r->ruleset->services[i] : NULL;
}

size_t convoy_router_service_count(const convoy_router *router)
{
    return router ? router->ruleset->n_services : 0;
}

const char *convoy_router_service_name(const convoy_router *router, size_t service)
{
    const convoy__route_service *s = service_at(router, service);
    return s ? s->rules->service : NULL;
}

const char *convoy_router_group(const convoy_router *router, size_t service)
{
    const convoy__route_service *s = service_at(router, service);
    return s ? s->rules->group : NULL;
}

uint32_t convoy_router_candidate_bp(const convoy_router *router, size_t service)
{
    return service_at(router, service) ? router->candidate_bp[service] : 0;
}

uint32_t convoy_router_mirror_bp(const convoy_router *router, size_t service)
{
    return service_at(router, service) ? router->mirror_bp[service] : 0;
}

size_t convoy_router_rule_count(const convoy_router *router, size_t service)
{
    const convoy__route_service *s = service_at(router, service);
    return s ? s->rules->n_rules : 0;
}

const char *convoy_router_rule_name(const convoy_router *router, size_t service, size_t rule)
{
    const convoy__route_service *s = service_at(router, service);
    return s && rule < s->rules->n_rules ? s->rules->rules[rule].name : NULL;
}
