/* Istio: a networking.istio.io/v1beta1 VirtualService. Its http routes are
 * evaluated in order, first match wins, so each rule is one route and the
 * weights are the last route, without a match. */
#include "render.h"

#include <stdio.h>

#include "core/error.h"

typedef struct istio_ctx {
    const convoy__render *r;
    const char *baseline, *candidate;
    convoy__buf scratch; /* regexes built from literal text */
    int oom;
} istio_ctx;

/* Istio's StringMatch is exact, prefix or regex (RE2, whole value). */
static void string_match(istio_ctx *s, cJSON *map, const convoy__condition *c)
{
    cJSON *m = convoy__j_object(map, convoy__header_of(c), &s->oom);
    if (c->source == CONVOY__SRC_COOKIE) {
        s->scratch.len = 0;
        convoy__cookie_regex(&s->scratch, c);
        if (s->scratch.failed)
            s->oom = 1;
        else
            convoy__j_string(m, "regex", s->scratch.data, &s->oom);
        return;
    }
    switch (c->test) {
    case CONVOY__TEST_EXACT:
        convoy__j_string(m, "exact", c->value, &s->oom);
        break;
    case CONVOY__TEST_PREFIX:
        convoy__j_string(m, "prefix", c->value, &s->oom);
        break;
    case CONVOY__TEST_SUFFIX:
        s->scratch.len = 0;
        convoy__buf_puts(&s->scratch, ".*");
        convoy__regex_quote(&s->scratch, c->value, c->value_len);
        if (s->scratch.failed)
            s->oom = 1;
        else
            convoy__j_string(m, "regex", s->scratch.data, &s->oom);
        break;
    case CONVOY__TEST_REGEX:
        convoy__j_string(m, "regex", c->value, &s->oom);
        break;
    default:
        /* Present, or absent under withoutHeaders: Istio reads a header
         * with an empty match as a presence test. */
        break;
    }
}

static void destination(istio_ctx *s, cJSON *parent, const char *key, int variant)
{
    cJSON *d = convoy__j_object(parent, key, &s->oom);
    convoy__j_string(d, "host", s->r->host, &s->oom);
    convoy__j_string(d, "subset", variant == CONVOY_VARIANT_CANDIDATE ? s->candidate : s->baseline,
                     &s->oom);
    if (s->r->port) {
        cJSON *port = convoy__j_object(d, "port", &s->oom);
        convoy__j_number(port, "number", s->r->port, &s->oom);
    }
}

static void route_to(istio_ctx *s, cJSON *http_route, int variant, int weight)
{
    cJSON *routes = convoy__j_array(http_route, "route", &s->oom);
    cJSON *rd = convoy__j_object(routes, NULL, &s->oom);
    destination(s, rd, "destination", variant);
    convoy__j_number(rd, "weight", weight, &s->oom);
}

/* Istio wants whole percents adding up to 100: the candidate's share is
 * rounded to the nearest percent (half up) and the baseline gets the
 * rest, so 12.5 % renders as 13 / 87. Both destinations stay listed at 0
 * so the next change only edits numbers. */
static void weighted(istio_ctx *s, cJSON *http_route, uint32_t candidate_bp)
{
    int cand = (int)((candidate_bp + 50) / 100);
    cJSON *routes = convoy__j_array(http_route, "route", &s->oom);
    cJSON *b = convoy__j_object(routes, NULL, &s->oom);
    destination(s, b, "destination", CONVOY_VARIANT_BASELINE);
    convoy__j_number(b, "weight", 100 - cand, &s->oom);
    cJSON *c = convoy__j_object(routes, NULL, &s->oom);
    destination(s, c, "destination", CONVOY_VARIANT_CANDIDATE);
    convoy__j_number(c, "weight", cand, &s->oom);
}

static void rule_route(istio_ctx *s, cJSON *http, const convoy__rule *rule)
{
    cJSON *route = convoy__j_object(http, NULL, &s->oom);
    convoy__j_string(route, "name", rule->name, &s->oom);
    cJSON *matches = convoy__j_array(route, "match", &s->oom);
    cJSON *match = convoy__j_object(matches, NULL, &s->oom);
    cJSON *headers = NULL, *without = NULL;
    for (size_t j = 0; j < rule->n_conditions; j++) {
        const convoy__condition *c = &rule->conditions[j];
        cJSON **map = c->test == CONVOY__TEST_ABSENT ? &without : &headers;
        if (!*map)
            *map = convoy__j_object(match, map == &without ? "withoutHeaders" : "headers", &s->oom);
        string_match(s, *map, c);
    }
    if (rule->has_variant)
        route_to(s, route, rule->variant, 100);
    else
        weighted(s, route, rule->weight_bp);
}

int convoy__render_istio(convoy__buf *out, const convoy__render *r)
{
    char tb[16], tc[16];
    istio_ctx s = {.r = r};
    s.baseline = convoy__render_target(r, CONVOY_VARIANT_BASELINE, "", tb, sizeof tb);
    s.candidate = convoy__render_target(r, CONVOY_VARIANT_CANDIDATE, "", tc, sizeof tc);

    cJSON *root = cJSON_CreateObject();
    s.oom = root == NULL;
    convoy__j_string(root, "apiVersion", "networking.istio.io/v1beta1", &s.oom);
    convoy__j_string(root, "kind", "VirtualService", &s.oom);
    cJSON *meta = convoy__j_object(root, "metadata", &s.oom);
    convoy__j_string(meta, "name", r->name, &s.oom);
    if (r->namespace_name)
        convoy__j_string(meta, "namespace", r->namespace_name, &s.oom);
    cJSON *spec = convoy__j_object(root, "spec", &s.oom);
    cJSON *hosts = convoy__j_array(spec, "hosts", &s.oom);
    convoy__j_string(hosts, NULL, r->host, &s.oom);
    cJSON *http = convoy__j_array(spec, "http", &s.oom);

    for (size_t i = 0; i < r->rules->n_rules; i++) {
        const convoy__rule *rule = &r->rules->rules[i];
        int rc = convoy__render_check_attributes(r, rule);
        if (rc == 0)
            rc = convoy__render_check_one_per_header(r, rule);
        if (rc < 0) {
            cJSON_Delete(root);
            convoy__buf_free(&s.scratch);
            return rc;
        }
        if (rc == 0)
            rule_route(&s, http, rule);
    }

    cJSON *route = convoy__j_object(http, NULL, &s.oom);
    convoy__j_string(route, "name", "default", &s.oom);
    weighted(&s, route, r->candidate_bp);
    if (r->mirror_bp > 0) {
        destination(&s, route, "mirror", CONVOY_VARIANT_CANDIDATE);
        cJSON *pct = convoy__j_object(route, "mirrorPercentage", &s.oom);
        convoy__j_number(pct, "value", r->mirror_bp / 100.0, &s.oom);
    }

    convoy__buf_free(&s.scratch);
    return convoy__render_json(out, root, s.oom);
}
