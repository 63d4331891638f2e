/* Kubernetes Gateway API: a gateway.networking.k8s.io/v1 HTTPRoute.
 *
 * Unlike the other proxies, Gateway API does not try rules in list order:
 * among rules with the same path match, the one with more header matches
 * wins, and only ties fall back to list order. Convoy's rules keep their
 * first-match order only while their condition counts do not grow, so a
 * rule with more conditions than an earlier one is unsupported. */
#include "render.h"

#include <stdio.h>

#include "core/error.h"

typedef struct gw_ctx {
    const convoy__render *r;
    const char *baseline, *candidate;
    convoy__buf scratch;
    int oom;
} gw_ctx;

/* Regex semantics are implementation-specific (some match anywhere in the
 * value), so every generated regex is anchored at both ends. */
static void header_match(gw_ctx *g, cJSON *headers, const convoy__condition *c)
{
    cJSON *h = convoy__j_object(headers, NULL, &g->oom);
    convoy__buf *re = &g->scratch;
    re->len = 0;
    if (c->source == CONVOY__SRC_COOKIE) {
        convoy__cookie_regex(re, c);
    } else if (c->test == CONVOY__TEST_EXACT) {
        convoy__j_string(h, "type", "Exact", &g->oom);
        convoy__j_string(h, "name", c->name, &g->oom);
        convoy__j_string(h, "value", c->value, &g->oom);
        return;
    } else if (c->test == CONVOY__TEST_PREFIX) {
        convoy__buf_putc(re, '^');
        convoy__regex_quote(re, c->value, c->value_len);
        convoy__buf_puts(re, ".*");
    } else if (c->test == CONVOY__TEST_SUFFIX) {
        convoy__buf_puts(re, "^.*");
        convoy__regex_quote(re, c->value, c->value_len);
        convoy__buf_putc(re, '$');
    } else if (c->test == CONVOY__TEST_REGEX) {
        convoy__buf_puts(re, "^(?:");
        convoy__buf_append(re, c->value, c->value_len);
        convoy__buf_puts(re, ")$");
    } else {
        /* Present: a header only matches when it is there at all. */
        convoy__buf_puts(re, ".*");
    }
    if (re->failed) {
        g->oom = 1;
        return;
    }
    convoy__j_string(h, "type", "RegularExpression", &g->oom);
    convoy__j_string(h, "name", c->source == CONVOY__SRC_COOKIE ? "Cookie" : c->name, &g->oom);
    convoy__j_string(h, "value", re->data, &g->oom);
}

static void backend(gw_ctx *g, cJSON *parent, const char *key, const char *name, int weight)
{
    cJSON *b = convoy__j_object(parent, key, &g->oom);
    convoy__j_string(b, "name", name, &g->oom);
    /* A Service backend needs its port; without the option it is left to
     * the user (other backend kinds take none). */
    if (g->r->port)
        convoy__j_number(b, "port", g->r->port, &g->oom);
    if (weight >= 0)
        convoy__j_number(b, "weight", weight, &g->oom);
}

/* Weights are relative, so basis points carry over exactly; both
 * backends stay listed at weight 0 so the next change only edits numbers. */
static void weighted(gw_ctx *g, cJSON *rule, uint32_t candidate_bp)
{
    cJSON *refs = convoy__j_array(rule, "backendRefs", &g->oom);
    backend(g, refs, NULL, g->baseline, (int)(10000 - candidate_bp));
    backend(g, refs, NULL, g->candidate, (int)candidate_bp);
}

/* RequestMirror's percent is whole percents; shares that are not use the
 * equivalent fraction (both arrived in Gateway API v1.2). */
static void mirror(gw_ctx *g, cJSON *rule)
{
    cJSON *filters = convoy__j_array(rule, "filters", &g->oom);
    cJSON *f = convoy__j_object(filters, NULL, &g->oom);
    convoy__j_string(f, "type", "RequestMirror", &g->oom);
    cJSON *rm = convoy__j_object(f, "requestMirror", &g->oom);
    backend(g, rm, "backendRef", g->candidate, -1);
    if (g->r->mirror_bp % 100 == 0) {
        convoy__j_number(rm, "percent", g->r->mirror_bp / 100, &g->oom);
    } else {
        cJSON *fr = convoy__j_object(rm, "fraction", &g->oom);
        convoy__j_number(fr, "numerator", g->r->mirror_bp, &g->oom);
        convoy__j_number(fr, "denominator", 10000, &g->oom);
    }
}

static int check_rule(const convoy__render *r, const convoy__rule *rule, size_t fewest,
                      const char *fewest_name)
{
    int rc = convoy__render_check_attributes(r, rule);
    for (size_t j = 0; rc == 0 && j < rule->n_conditions; j++)
        if (rule->conditions[j].test == CONVOY__TEST_ABSENT)
            rc = convoy__render_unsupported(r, rule,
                                            "Gateway API header matches cannot test that a "
                                            "header or cookie is absent");
    if (rc == 0)
        rc = convoy__render_check_one_per_header(r, rule);
    if (rc == 0 && fewest_name && rule->n_conditions > fewest) {
        char why[400];
        snprintf(why, sizeof why,
                 "Gateway API tries rules with more header matches first, so its %zu "
                 "conditions would take precedence over earlier rule \"%s\" with %zu",
                 rule->n_conditions, fewest_name, fewest);
        rc = convoy__render_unsupported(r, rule, why);
    }
    return rc;
}

static void rule_entry(gw_ctx *g, cJSON *rules, const convoy__rule *rule)
{
    cJSON *entry = convoy__j_object(rules, NULL, &g->oom);
    cJSON *matches = convoy__j_array(entry, "matches", &g->oom);
    cJSON *match = convoy__j_object(matches, NULL, &g->oom);
    cJSON *headers = convoy__j_array(match, "headers", &g->oom);
    for (size_t j = 0; j < rule->n_conditions; j++)
        header_match(g, headers, &rule->conditions[j]);
    if (rule->has_variant) {
        cJSON *refs = convoy__j_array(entry, "backendRefs", &g->oom);
        backend(g, refs, NULL,
                rule->variant == CONVOY_VARIANT_CANDIDATE ? g->candidate : g->baseline, 10000);
    } else {
        weighted(g, entry, rule->weight_bp);
    }
}

int convoy__render_gateway(convoy__buf *out, const convoy__render *r)
{
    char prefix[300], tb[320], tc[320];
    snprintf(prefix, sizeof prefix, "%s-", r->rules->service);
    gw_ctx g = {.r = r};
    g.baseline = convoy__render_target(r, CONVOY_VARIANT_BASELINE, prefix, tb, sizeof tb);
    g.candidate = convoy__render_target(r, CONVOY_VARIANT_CANDIDATE, prefix, tc, sizeof tc);

    cJSON *root = cJSON_CreateObject();
    g.oom = root == NULL;
    convoy__j_string(root, "apiVersion", "gateway.networking.k8s.io/v1", &g.oom);
    convoy__j_string(root, "kind", "HTTPRoute", &g.oom);
    cJSON *meta = convoy__j_object(root, "metadata", &g.oom);
    convoy__j_string(meta, "name", r->name, &g.oom);
    if (r->namespace_name)
        convoy__j_string(meta, "namespace", r->namespace_name, &g.oom);
    cJSON *spec = convoy__j_object(root, "spec", &g.oom);
    if (r->gateway) {
        cJSON *parents = convoy__j_array(spec, "parentRefs", &g.oom);
        cJSON *p = convoy__j_object(parents, NULL, &g.oom);
        convoy__j_string(p, "name", r->gateway, &g.oom);
    }
    if (r->host_given) {
        cJSON *hostnames = convoy__j_array(spec, "hostnames", &g.oom);
        convoy__j_string(hostnames, NULL, r->host, &g.oom);
    }
    cJSON *rules = convoy__j_array(spec, "rules", &g.oom);

    size_t fewest = 0;
    const char *fewest_name = NULL;
    for (size_t i = 0; i < r->rules->n_rules; i++) {
        const convoy__rule *rule = &r->rules->rules[i];
        int rc = check_rule(r, rule, fewest, fewest_name);
        if (rc < 0) {
            cJSON_Delete(root);
            convoy__buf_free(&g.scratch);
            return rc;
        }
        if (rc)
            continue;
        rule_entry(&g, rules, rule);
        if (!fewest_name || rule->n_conditions < fewest) {
            fewest = rule->n_conditions;
            fewest_name = rule->name;
        }
    }

    cJSON *last = convoy__j_object(rules, NULL, &g.oom);
    weighted(&g, last, r->candidate_bp);
    if (r->mirror_bp > 0)
        mirror(&g, last);

    convoy__buf_free(&g.scratch);
    return convoy__render_json(out, root, g.oom);
}
