/* Reads a service's canonical traffic JSON (validated by the plan parser)
 * back into convoy__rules. */
#include "rules.h"

#include <convoy/traffic.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "plan/json_tree.h"
#include "plan/model.h"

static const char *const SOURCES[] = {"header", "cookie", "attribute"};
static const char *const TESTS[] = {"exact", "prefix", "suffix", "regex", "present", "absent"};

/* Header names compare case-insensitively: keep them lower-cased. */
static char *dup_name(convoy__arena *a, const char *s, int source)
{
    size_t n = strlen(s);
    char *d = convoy__arena_strndup(a, s, n);
    if (d && source == CONVOY__SRC_HEADER) {
        for (size_t i = 0; i < n; i++)
            if (d[i] >= 'A' && d[i] <= 'Z')
                d[i] = (char)(d[i] - 'A' + 'a');
    }
    return d;
}

/* The one source key of `obj` (sticky block or condition), or NONE. */
static int find_source(const cJSON *obj, const cJSON **item)
{
    for (int k = 0; k < 3; k++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, SOURCES[k]);
        if (cJSON_IsString(it)) {
            *item = it;
            return k;
        }
    }
    return CONVOY__SRC_NONE;
}

static int read_condition(convoy__arena *a, convoy__condition *c, const cJSON *node)
{
    const cJSON *src = NULL;
    c->source = find_source(node, &src);
    if (c->source == CONVOY__SRC_NONE)
        return -1;
    c->name = dup_name(a, src->valuestring, c->source);
    if (!c->name)
        return -1;
    c->name_len = strlen(c->name);
    c->test = -1;
    for (int k = 0; k < 6; k++) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(node, TESTS[k]);
        if (!t)
            continue;
        c->test = k;
        if (k < CONVOY__TEST_PRESENT) {
            if (!cJSON_IsString(t))
                return -1;
            c->value_len = strlen(t->valuestring);
            c->value = convoy__arena_strndup(a, t->valuestring, c->value_len);
            if (!c->value)
                return -1;
        }
        break;
    }
    return c->test < 0 ? -1 : 0;
}

static int read_rule(convoy__arena *a, convoy__rule *r, const cJSON *node, size_t index)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(node, "name");
    if (cJSON_IsString(name)) {
        r->name = convoy__arena_strndup(a, name->valuestring, strlen(name->valuestring));
    } else {
        char buf[32];
        snprintf(buf, sizeof buf, "rule-%zu", index);
        r->name = convoy__arena_strndup(a, buf, strlen(buf));
    }
    if (!r->name)
        return -1;
    const cJSON *match = cJSON_GetObjectItemCaseSensitive(node, "match");
    r->n_conditions = (size_t)cJSON_GetArraySize(match);
    r->conditions = convoy__arena_alloc(a, (r->n_conditions ? r->n_conditions : 1) *
                                               sizeof *r->conditions);
    if (!r->conditions)
        return -1;
    size_t i = 0;
    for (const cJSON *c = match ? match->child : NULL; c; c = c->next)
        if (read_condition(a, &r->conditions[i++], c) != 0)
            return -1;
    const cJSON *variant = cJSON_GetObjectItemCaseSensitive(node, "variant");
    const cJSON *weight = cJSON_GetObjectItemCaseSensitive(node, "weight");
    if (cJSON_IsString(variant)) {
        r->has_variant = 1;
        r->variant = strcmp(variant->valuestring, "candidate") == 0 ? CONVOY_VARIANT_CANDIDATE
                                                                    : CONVOY_VARIANT_BASELINE;
    } else if (cJSON_IsNumber(weight)) {
        /* Canonical JSON keeps the validated percentage (<= 2 decimals). */
        double bp = weight->valuedouble * 100.0 + 0.5;
        r->weight_bp = bp <= 0 ? 0u : bp >= 10000 ? 10000u : (uint32_t)bp;
    } else {
        return -1;
    }
    return 0;
}

static int read_traffic(convoy__rules *rs, const char *json)
{
    convoy__arena *a = &rs->arena;
    const cJSON *root = convoy__json_tree(a, json, strlen(json));
    if (!root)
        return CONVOY_E_NOMEM;
    const cJSON *sticky = cJSON_GetObjectItemCaseSensitive(root, "sticky");
    if (sticky) {
        const cJSON *src = NULL;
        rs->sticky_source = find_source(sticky, &src);
        if (rs->sticky_source == CONVOY__SRC_NONE)
            return CONVOY_E_INVALID;
        rs->sticky_name = dup_name(a, src->valuestring, rs->sticky_source);
        if (!rs->sticky_name)
            return CONVOY_E_NOMEM;
        rs->sticky_name_len = strlen(rs->sticky_name);
    }
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "rules");
    rs->n_rules = (size_t)cJSON_GetArraySize(rules);
    if (rs->n_rules) {
        rs->rules = convoy__arena_alloc(a, rs->n_rules * sizeof *rs->rules);
        if (!rs->rules)
            return CONVOY_E_NOMEM;
        size_t i = 0;
        for (const cJSON *r = rules->child; r; r = r->next, i++)
            if (read_rule(a, &rs->rules[i], r, i) != 0)
                return CONVOY_E_INVALID;
    }
    return CONVOY_OK;
}

int convoy__rules_read(convoy__rules **out, const convoy_service *svc)
{
    *out = NULL;
    convoy__rules *rs = convoy__calloc(1, sizeof *rs);
    if (!rs)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory reading routing rules");
    rs->sticky_source = CONVOY__SRC_NONE;
    rs->service = convoy__arena_strndup(&rs->arena, svc->name, strlen(svc->name));
    const char *group = svc->cohort ? svc->cohort : svc->name;
    rs->group = convoy__arena_strndup(&rs->arena, group, strlen(group));
    int rc = rs->service && rs->group ? CONVOY_OK : CONVOY_E_NOMEM;
    if (rc == CONVOY_OK && svc->traffic_json)
        rc = read_traffic(rs, svc->traffic_json);
    if (rc != CONVOY_OK) {
        convoy__rules_free(rs);
        if (rc == CONVOY_E_NOMEM)
            return convoy__fail(rc, "out of memory reading routing rules");
        return convoy__fail(rc, "service \"%s\": its traffic block cannot be read back", svc->name);
    }
    *out = rs;
    return CONVOY_OK;
}

void convoy__rules_free(convoy__rules *rules)
{
    if (!rules)
        return;
    convoy__arena_free(&rules->arena);
    convoy__dealloc(rules);
}
