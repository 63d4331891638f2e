/* Envoy: a v3 RouteConfiguration. Routes are tried in order and the first
 * match wins, as Convoy's rules are, so each rule is one route and the
 * weights are the last, catch-all route. */
#include "render.h"

#include <stdio.h>

#include "core/error.h"

typedef struct envoy_ctx {
    const convoy__render *r;
    const char *baseline, *candidate;
    convoy__buf scratch; /* cookie regexes */
    int oom;
} envoy_ctx;

static void header_matcher(envoy_ctx *e, cJSON *headers, const convoy__condition *c)
{
    static const char *const KEYS[] = {"exact", "prefix", "suffix"};
    cJSON *m = convoy__j_object(headers, NULL, &e->oom);
    if (c->source == CONVOY__SRC_COOKIE) {
        /* Envoy matches headers only; HTTP/2 cookie crumbs are joined with
         * "; " before matching, so one regex sees every cookie. */
        convoy__j_string(m, "name", "cookie", &e->oom);
        e->scratch.len = 0;
        convoy__cookie_regex(&e->scratch, c);
        if (e->scratch.failed) {
            e->oom = 1;
            return;
        }
        cJSON *sm = convoy__j_object(m, "string_match", &e->oom);
        cJSON *re = convoy__j_object(sm, "safe_regex", &e->oom);
        convoy__j_string(re, "regex", e->scratch.data, &e->oom);
        if (c->test == CONVOY__TEST_ABSENT)
            convoy__j_bool(m, "invert_match", 1, &e->oom);
        return;
    }
    convoy__j_string(m, "name", c->name, &e->oom);
    switch (c->test) {
    case CONVOY__TEST_EXACT:
    case CONVOY__TEST_PREFIX:
    case CONVOY__TEST_SUFFIX: {
        cJSON *sm = convoy__j_object(m, "string_match", &e->oom);
        convoy__j_string(sm, KEYS[c->test], c->value, &e->oom);
        break;
    }
    case CONVOY__TEST_REGEX: {
        /* safe_regex is RE2 and matches the whole value, as Convoy's PCRE2
         * rules do; PCRE2-only syntax (lookaround, backreferences) is
         * rejected by Envoy when the configuration is loaded. */
        cJSON *sm = convoy__j_object(m, "string_match", &e->oom);
        cJSON *re = convoy__j_object(sm, "safe_regex", &e->oom);
        convoy__j_string(re, "regex", c->value, &e->oom);
        break;
    }
    case CONVOY__TEST_PRESENT:
        convoy__j_bool(m, "present_match", 1, &e->oom);
        break;
    default:
        convoy__j_bool(m, "present_match", 1, &e->oom);
        convoy__j_bool(m, "invert_match", 1, &e->oom);
        break;
    }
}

/* Both clusters are listed even at weight 0: Envoy accepts that as long as
 * the sum is positive, and the next weight change only edits numbers.
 * Weights are relative (the sum, 10000, is the total), so basis points
 * carry over exactly. */
static void weighted(envoy_ctx *e, cJSON *action, uint32_t candidate_bp)
{
    cJSON *wc = convoy__j_object(action, "weighted_clusters", &e->oom);
    cJSON *clusters = convoy__j_array(wc, "clusters", &e->oom);
    cJSON *b = convoy__j_object(clusters, NULL, &e->oom);
    convoy__j_string(b, "name", e->baseline, &e->oom);
    convoy__j_number(b, "weight", 10000 - candidate_bp, &e->oom);
    cJSON *c = convoy__j_object(clusters, NULL, &e->oom);
    convoy__j_string(c, "name", e->candidate, &e->oom);
    convoy__j_number(c, "weight", candidate_bp, &e->oom);
}

/* Envoy mirrors every request of the route, not only the baseline's as
 * Convoy's router does; at the small mirror shares used in practice the
 * difference is the candidate's own share being mirrored to itself. */
static void mirror(envoy_ctx *e, cJSON *action)
{
    cJSON *policies = convoy__j_array(action, "request_mirror_policies", &e->oom);
    cJSON *p = convoy__j_object(policies, NULL, &e->oom);
    convoy__j_string(p, "cluster", e->candidate, &e->oom);
    cJSON *rf = convoy__j_object(p, "runtime_fraction", &e->oom);
    cJSON *dv = convoy__j_object(rf, "default_value", &e->oom);
    convoy__j_number(dv, "numerator", e->r->mirror_bp, &e->oom);
    convoy__j_string(dv, "denominator", "TEN_THOUSAND", &e->oom);
}

static void rule_route(envoy_ctx *e, cJSON *routes, const convoy__rule *rule)
{
    cJSON *route = convoy__j_object(routes, NULL, &e->oom);
    convoy__j_string(route, "name", rule->name, &e->oom);
    cJSON *match = convoy__j_object(route, "match", &e->oom);
    convoy__j_string(match, "prefix", "/", &e->oom);
    cJSON *headers = convoy__j_array(match, "headers", &e->oom);
    for (size_t j = 0; j < rule->n_conditions; j++)
        header_matcher(e, headers, &rule->conditions[j]);
    cJSON *action = convoy__j_object(route, "route", &e->oom);
    if (rule->has_variant)
        convoy__j_string(action, "cluster",
                         rule->variant == CONVOY_VARIANT_CANDIDATE ? e->candidate : e->baseline,
                         &e->oom);
    else
        weighted(e, action, rule->weight_bp);
}

int convoy__render_envoy(convoy__buf *out, const convoy__render *r)
{
    char prefix[300], tb[320], tc[320];
    snprintf(prefix, sizeof prefix, "%s-", r->rules->service);
    envoy_ctx e = {.r = r};
    e.baseline = convoy__render_target(r, CONVOY_VARIANT_BASELINE, prefix, tb, sizeof tb);
    e.candidate = convoy__render_target(r, CONVOY_VARIANT_CANDIDATE, prefix, tc, sizeof tc);

    cJSON *root = cJSON_CreateObject();
    e.oom = root == NULL;
    convoy__j_string(root, "name", r->name, &e.oom);
    cJSON *vhosts = convoy__j_array(root, "virtual_hosts", &e.oom);
    cJSON *vh = convoy__j_object(vhosts, NULL, &e.oom);
    convoy__j_string(vh, "name", r->name, &e.oom);
    cJSON *domains = convoy__j_array(vh, "domains", &e.oom);
    convoy__j_string(domains, NULL, r->host, &e.oom);
    cJSON *routes = convoy__j_array(vh, "routes", &e.oom);

    for (size_t i = 0; i < r->rules->n_rules; i++) {
        const convoy__rule *rule = &r->rules->rules[i];
        int rc = convoy__render_check_attributes(r, rule);
        if (rc < 0) {
            cJSON_Delete(root);
            convoy__buf_free(&e.scratch);
            return rc;
        }
        if (rc == 0)
            rule_route(&e, routes, rule);
    }

    cJSON *route = convoy__j_object(routes, NULL, &e.oom);
    convoy__j_string(route, "name", "default", &e.oom);
    cJSON *match = convoy__j_object(route, "match", &e.oom);
    convoy__j_string(match, "prefix", "/", &e.oom);
    cJSON *action = convoy__j_object(route, "route", &e.oom);
    weighted(&e, action, r->candidate_bp);
    if (r->mirror_bp > 0)
        mirror(&e, action);

    convoy__buf_free(&e.scratch);
    return convoy__render_json(out, root, e.oom);
}
