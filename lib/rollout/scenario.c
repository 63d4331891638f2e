/* Reading a simulator scenario. Strict, like plans: a scenario that names
 * something the plan does not have would silently simulate a different
 * world, so every unknown key, name or malformed point is an error that
 * points at the offending spot. */
#include "scenario.h"

#include <convoy/backend.h>
#include <convoy/traffic.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "plan/diag.h"
#include "plan/json_scan.h"
#include "plan/json_tree.h"
#include "plan/model.h"

typedef struct reader {
    const convoy_plan *plan;
    const char *text;
    size_t len;
    const cJSON *root;
    convoy__scenario *sc;
    size_t series_cap, rules_cap;
} reader;

/* ---- locating a problem ------------------------------------------------ */

/* Pre-order walk to `target`, building its JSON Pointer and counting its
 * pre-order index, which is what convoy__json_positions is indexed by.
 * Paths are only worked out for the one node that failed, so the happy
 * path never tracks them. */
static int find_node(const cJSON *node, const cJSON *target, convoy__buf *path, size_t *index)
{
    if (node == target)
        return 1;
    size_t i = 0;
    for (const cJSON *c = node->child; c; c = c->next, i++) {
        ++*index;
        size_t saved = path->len;
        convoy__buf_putc(path, '/');
        if (cJSON_IsObject(node) && c->string)
            convoy__buf_pointer_token(path, c->string);
        else
            convoy__buf_printf(path, "%zu", i);
        if (find_node(c, target, path, index))
            return 1;
        path->len = saved;
        if (path->data)
            path->data[saved] = '\0';
    }
    return 0;
}

static int invalid(const reader *r, const cJSON *node, int at_key, const char *fmt, ...)
    CONVOY__PRINTF(4, 5);

static int invalid(const reader *r, const cJSON *node, int at_key, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    convoy__buf path = {0};
    convoy__buf_puts(&path, "");
    size_t index = 0;
    uint32_t line = 0, column = 0;
    int found = find_node(r->root, node, &path, &index);
    if (path.failed) {
        convoy__buf_free(&path);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory reporting a scenario problem");
    }
    convoy__json_pos *pos = NULL;
    size_t n_pos = 0;
    if (found && convoy__json_positions(&pos, &n_pos, r->text, r->len) == 0 && index < n_pos) {
        size_t off = at_key && node->string && pos[index].key != (size_t)-1 ? pos[index].key
                                                                            : pos[index].value;
        convoy__line_col(&line, &column, r->text, r->len, off);
    }
    convoy__dealloc(pos);
    int rc = convoy__fail_at(CONVOY_E_INVALID, path.data ? path.data : "", line, column, msg);
    convoy__buf_free(&path);
    return rc;
}

/* " (did you mean \"x\"?)" or "", for messages. */
static void suggestion(char *out, size_t cap, const char *word, const char *const *names,
                       size_t n)
{
    const char *best = names ? convoy__suggest(word, names, n) : NULL;
    if (best)
        snprintf(out, cap, " (did you mean \"%.64s\"?)", best);
    else if (cap)
        out[0] = '\0';
}

/* A JSON object may repeat a key; cJSON keeps both, and the second would
 * silently shadow or be shadowed. */
static int check_duplicate(const reader *r, const cJSON *obj, const cJSON *member)
{
    for (const cJSON *c = obj->child; c && c != member; c = c->next)
        if (strcmp(c->string, member->string) == 0)
            return invalid(r, member, 1, "\"%.64s\" is given twice", member->string);
    return CONVOY_OK;
}

/* A member of a fixed-key object: a known key, not repeated. */
static int check_key(const reader *r, const cJSON *obj, const cJSON *member,
                     const char *const *keys, size_t n_keys, const char *where)
{
    for (size_t i = 0; i < n_keys; i++)
        if (strcmp(member->string, keys[i]) == 0)
            return check_duplicate(r, obj, member);
    char hint[128], expected[160];
    size_t used = 0;
    expected[0] = '\0';
    for (size_t i = 0; i < n_keys && used < sizeof expected; i++)
        used += (size_t)snprintf(expected + used, sizeof expected - used, "%s\"%s\"",
                                 i == 0 ? "" : i + 1 == n_keys ? " or " : ", ", keys[i]);
    suggestion(hint, sizeof hint, member->string, keys, n_keys);
    return invalid(r, member, 1, "unknown key \"%.64s\" in %s%s; expected %s", member->string,
                   where, hint, expected);
}

/* ---- growing the result ------------------------------------------------ */

static convoy__series *push_series(reader *r)
{
    convoy__scenario *sc = r->sc;
    if (convoy__grow(&sc->series, &r->series_cap, sc->n_series, sizeof *sc->series, 8) != 0)
        return NULL;
    convoy__series *s = &sc->series[sc->n_series++];
    memset(s, 0, sizeof *s);
    return s;
}

static convoy__rule *push_rule(reader *r)
{
    convoy__scenario *sc = r->sc;
    if (convoy__grow(&sc->rules, &r->rules_cap, sc->n_rules, sizeof *sc->rules, 8) != 0)
        return NULL;
    convoy__rule *rule = &sc->rules[sc->n_rules++];
    memset(rule, 0, sizeof *rule);
    return rule;
}

static int oom(void)
{
    return convoy__fail(CONVOY_E_NOMEM, "out of memory reading the scenario");
}

/* ---- services and their metrics ---------------------------------------- */

static const char **service_names(const convoy_plan *plan, size_t *n)
{
    *n = convoy_plan_service_count(plan);
    const char **names = convoy__calloc(*n ? *n : 1, sizeof *names);
    for (size_t i = 0; names && i < *n; i++)
        names[i] = convoy_service_name(convoy_plan_service(plan, i));
    return names;
}

static int unknown_service(const reader *r, const cJSON *node, int at_key, const char *name)
{
    size_t n;
    const char **names = service_names(r->plan, &n);
    char hint[128];
    suggestion(hint, sizeof hint, name, names, n);
    convoy__dealloc(names);
    return invalid(r, node, at_key, "the plan has no service \"%.64s\"%s", name, hint);
}

/* The metric-name rule: a scenario may name a metric of any analysis one of
 * the service's steps runs (measurement or judge). Metrics are served by
 * name, so one entry covers every analysis of the service that has a
 * metric of that name. */
static int service_runs_metric(const convoy_service *svc, const char *name)
{
    for (size_t i = 0; i <= convoy_service_step_count(svc); i++) {
        const convoy_analysis *an = convoy__service_analysis(svc, i);
        for (size_t m = 0; an && m < convoy_analysis_metric_count(an); m++)
            if (strcmp(convoy_metric_name(convoy_analysis_metric(an, m)), name) == 0)
                return 1;
    }
    return 0;
}

static int unknown_metric(const reader *r, const cJSON *member, const convoy_service *svc)
{
    size_t n = 0, cap = 0;
    const char **names = NULL;
    for (size_t i = 0; i <= convoy_service_step_count(svc); i++) {
        const convoy_analysis *an = convoy__service_analysis(svc, i);
        for (size_t m = 0; an && m < convoy_analysis_metric_count(an); m++) {
            if (convoy__grow(&names, &cap, n, sizeof *names, 16) != 0) {
                convoy__dealloc(names);
                return oom();
            }
            names[n++] = convoy_metric_name(convoy_analysis_metric(an, m));
        }
    }
    char hint[128];
    suggestion(hint, sizeof hint, member->string, names, n);
    convoy__dealloc(names);
    if (n == 0)
        return invalid(r, member, 1,
                       "service \"%.64s\" runs no analysis, so it has no metric \"%.64s\"",
                       convoy_service_name(svc), member->string);
    return invalid(r, member, 1,
                   "no analysis that service \"%.64s\" runs has a metric \"%.64s\"%s",
                   convoy_service_name(svc), member->string, hint);
}

/* ---- metrics ----------------------------------------------------------- */

static int read_points(reader *r, const cJSON *arr, convoy__series *s)
{
    if (!cJSON_IsArray(arr))
        return invalid(r, arr, 0,
                       "metric \"%.64s\" must be an array of [seconds, value] points, not %s",
                       arr->string, convoy__json_type_name(arr));
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n == 0)
        return invalid(r, arr, 0, "metric \"%.64s\" has no points; give at least one",
                       arr->string);
    convoy__point *pts = convoy__arena_alloc(&r->sc->arena, n * sizeof *pts);
    if (!pts)
        return oom();
    size_t i = 0;
    for (const cJSON *p = arr->child; p; p = p->next, i++) {
        if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != 2)
            return invalid(r, p, 0, "a point is [seconds, value], not %s",
                           cJSON_IsArray(p) ? "an array of another length" : convoy__json_type_name(p));
        const cJSON *t = p->child, *v = p->child->next;
        if (!cJSON_IsNumber(t) || !isfinite(t->valuedouble) || t->valuedouble < 0)
            return invalid(r, t, 0, "a point's time is a number of seconds >= 0, not %s",
                           cJSON_IsNumber(t) ? "a negative or infinite number" : convoy__json_type_name(t));
        if (i > 0 && !(t->valuedouble > pts[i - 1].t))
            return invalid(r, t, 0,
                           "time %g is not after the previous point's %g: times must increase",
                           t->valuedouble, pts[i - 1].t);
        pts[i].t = t->valuedouble;
        if (cJSON_IsNull(v)) {
            pts[i].kind = CONVOY__POINT_NODATA;
        } else if (cJSON_IsString(v) && strcmp(v->valuestring, "NaN") == 0) {
            pts[i].kind = CONVOY__POINT_NAN;
            pts[i].value = NAN;
        } else if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
            pts[i].kind = CONVOY__POINT_VALUE;
            pts[i].value = v->valuedouble;
        } else if (cJSON_IsString(v)) {
            return invalid(r, v, 0, "a point's value is a finite number, null (no data) or "
                           "\"NaN\", not the string \"%.64s\"", v->valuestring);
        } else {
            return invalid(r, v, 0, "a point's value is a finite number, null (no data) or "
                           "\"NaN\", not %s",
                           cJSON_IsNumber(v) ? "an infinite number" : convoy__json_type_name(v));
        }
    }
    s->points = pts;
    s->n_points = n;
    return CONVOY_OK;
}

static int read_variant(reader *r, const cJSON *obj, const convoy_service *svc, int variant)
{
    if (!cJSON_IsObject(obj))
        return invalid(r, obj, 0, "\"%s\" must be an object of metric name -> points, not %s",
                       obj->string, convoy__json_type_name(obj));
    for (const cJSON *m = obj->child; m; m = m->next) {
        int rc = check_duplicate(r, obj, m);
        if (rc != CONVOY_OK)
            return rc;
        if (!service_runs_metric(svc, m->string))
            return unknown_metric(r, m, svc);
        convoy__series *s = push_series(r);
        if (!s)
            return oom();
        s->service = convoy_service_index(svc);
        s->variant = variant;
        s->metric = convoy__arena_strndup(&r->sc->arena, m->string, strlen(m->string));
        if (!s->metric)
            return oom();
        rc = read_points(r, m, s);
        if (rc != CONVOY_OK)
            return rc;
    }
    return CONVOY_OK;
}

static int read_metrics(reader *r, const cJSON *obj)
{
    static const char *const VARIANTS[] = {"baseline", "candidate"};
    if (!cJSON_IsObject(obj))
        return invalid(r, obj, 0,
                       "\"metrics\" must be an object of service -> variant -> metric, not %s",
                       convoy__json_type_name(obj));
    for (const cJSON *s = obj->child; s; s = s->next) {
        int rc = check_duplicate(r, obj, s);
        if (rc != CONVOY_OK)
            return rc;
        const convoy_service *svc = convoy_plan_service_by_name(r->plan, s->string);
        if (!svc)
            return unknown_service(r, s, 1, s->string);
        if (!cJSON_IsObject(s))
            return invalid(r, s, 0,
                           "service \"%.64s\" must be an object with \"baseline\" and/or "
                           "\"candidate\", not %s", s->string, convoy__json_type_name(s));
        for (const cJSON *v = s->child; v; v = v->next) {
            rc = check_key(r, s, v, VARIANTS, 2, "a service's metrics (variants)");
            if (rc != CONVOY_OK)
                return rc;
            int variant = strcmp(v->string, "baseline") == 0 ? CONVOY_VARIANT_BASELINE
                                                             : CONVOY_VARIANT_CANDIDATE;
            rc = read_variant(r, v, svc, variant);
            if (rc != CONVOY_OK)
                return rc;
        }
    }
    return CONVOY_OK;
}

/* ---- actions ----------------------------------------------------------- */

/* A whole number in [min, max]. */
static int whole(const cJSON *node, double min, double max)
{
    return cJSON_IsNumber(node) && node->valuedouble == floor(node->valuedouble) &&
           node->valuedouble >= min && node->valuedouble <= max;
}

/* An entry's "service": the name of a service of the plan. */
static int entry_service(const reader *r, const cJSON *service, const convoy_service **out)
{
    if (!cJSON_IsString(service))
        return invalid(r, service, 0, "\"service\" must be a service name, not %s",
                       convoy__json_type_name(service));
    *out = convoy_plan_service_by_name(r->plan, service->valuestring);
    return *out ? CONVOY_OK : unknown_service(r, service, 0, service->valuestring);
}

static int read_entry(reader *r, const cJSON *entry, int what)
{
    static const char *const FAIL_KEYS[] = {"service", "action", "step", "times"};
    const char *list = what == CONVOY__RULE_FAIL ? "\"fail\"" : "\"pending\"";
    if (!cJSON_IsObject(entry))
        return invalid(r, entry, 0, "a %s entry is an object {\"service\", \"action\", ...}, not %s",
                       list, convoy__json_type_name(entry));
    /* "times" counts failures; a pending action never answers, so it has
     * no attempts to count. */
    size_t n_keys = what == CONVOY__RULE_FAIL ? 4 : 3;
    const cJSON *service = NULL, *action = NULL, *step = NULL, *times = NULL;
    for (const cJSON *m = entry->child; m; m = m->next) {
        if (what == CONVOY__RULE_PENDING && strcmp(m->string, "times") == 0)
            return invalid(r, m, 1, "a \"pending\" entry has no \"times\": a pending action "
                           "never answers, so no attempt after it is made");
        int rc = check_key(r, entry, m, FAIL_KEYS, n_keys,
                           what == CONVOY__RULE_FAIL ? "a \"fail\" entry" : "a \"pending\" entry");
        if (rc != CONVOY_OK)
            return rc;
        if (strcmp(m->string, "service") == 0) service = m;
        else if (strcmp(m->string, "action") == 0) action = m;
        else if (strcmp(m->string, "step") == 0) step = m;
        else times = m;
    }
    if (!service || !action)
        return invalid(r, entry, 0, "a %s entry needs \"%s\"", list, service ? "action" : "service");

    const convoy_service *svc = NULL;
    int rc_service = entry_service(r, service, &svc);
    if (rc_service != CONVOY_OK)
        return rc_service;

    int kind = 0;
    const char *kinds[8];
    for (int k = 1; k <= 8; k++) {
        kinds[k - 1] = convoy_action_kind_name(k);
        if (cJSON_IsString(action) && kinds[k - 1] &&
            strcmp(action->valuestring, kinds[k - 1]) == 0)
            kind = k;
    }
    if (!kind) {
        char hint[128];
        if (cJSON_IsString(action))
            suggestion(hint, sizeof hint, action->valuestring, kinds, 8);
        else
            hint[0] = '\0';
        return invalid(r, action, 0,
                       "\"action\" must be one of deploy, set-weights, verify-weights, "
                       "query-metric, approval, webhook, promote, revert%s", hint);
    }

    convoy__rule rule = {what, convoy_service_index(svc), kind, 0, 0, 0, 0};
    if (times) {
        if (!whole(times, 1, UINT32_MAX))
            return invalid(r, times, 0,
                           "\"times\" is how many attempts fail: a whole number >= 1 (leave it "
                           "out to fail every attempt)");
        rule.times = (uint32_t)times->valuedouble;
    }
    if (step) {
        size_t n_steps = convoy_service_step_count(svc);
        if (!whole(step, 0, (double)SIZE_MAX) || step->valuedouble >= (double)n_steps) {
            if (n_steps == 0)
                return invalid(r, step, 0, "\"step\" is out of range: service \"%.64s\" has no steps",
                               convoy_service_name(svc));
            return invalid(r, step, 0,
                           "\"step\" is out of range: service \"%.64s\" has steps 0 to %zu",
                           convoy_service_name(svc), n_steps - 1);
        }
        rule.has_step = 1;
        rule.step = (size_t)step->valuedouble;
    }
    convoy__rule *slot = push_rule(r);
    if (!slot)
        return oom();
    *slot = rule;
    return CONVOY_OK;
}

/* {"service": S, "at": seconds}: from then on S's rollback webhooks ask
 * for a rollback. */
static int read_rollback_request(reader *r, const cJSON *entry)
{
    static const char *const KEYS[] = {"service", "at"};
    if (!cJSON_IsObject(entry))
        return invalid(r, entry, 0, "a \"request_rollback\" entry is an object {\"service\", "
                       "\"at\"}, not %s", convoy__json_type_name(entry));
    const cJSON *service = NULL, *at = NULL;
    for (const cJSON *m = entry->child; m; m = m->next) {
        int rc = check_key(r, entry, m, KEYS, 2, "a \"request_rollback\" entry");
        if (rc != CONVOY_OK)
            return rc;
        if (strcmp(m->string, "service") == 0)
            service = m;
        else
            at = m;
    }
    if (!service || !at)
        return invalid(r, entry, 0, "a \"request_rollback\" entry needs \"%s\"",
                       service ? "at" : "service");
    const convoy_service *svc = NULL;
    int rc_service = entry_service(r, service, &svc);
    if (rc_service != CONVOY_OK)
        return rc_service;
    if (!cJSON_IsNumber(at) || !isfinite(at->valuedouble) || at->valuedouble < 0)
        return invalid(r, at, 0, "\"at\" is seconds of the engine clock: a number >= 0");
    if (!svc->n_rollback_hooks)
        return invalid(r, service, 0, "service \"%.64s\" has no webhook of type \"rollback\": "
                       "nothing would ask for this rollback", convoy_service_name(svc));
    convoy__rule *slot = push_rule(r);
    if (!slot)
        return oom();
    *slot = (convoy__rule){CONVOY__RULE_ROLLBACK, convoy_service_index(svc), CONVOY_ACTION_WEBHOOK,
                           0, 0, 0, at->valuedouble};
    return CONVOY_OK;
}

static int read_actions(reader *r, const cJSON *obj)
{
    static const char *const KEYS[] = {"fail", "pending", "request_rollback"};
    if (!cJSON_IsObject(obj))
        return invalid(r, obj, 0, "\"actions\" must be an object with \"fail\", \"pending\" "
                       "and/or \"request_rollback\", not %s", convoy__json_type_name(obj));
    for (const cJSON *list = obj->child; list; list = list->next) {
        int rc = check_key(r, obj, list, KEYS, 3, "\"actions\"");
        if (rc != CONVOY_OK)
            return rc;
        int what = strcmp(list->string, "fail") == 0      ? CONVOY__RULE_FAIL
                   : strcmp(list->string, "pending") == 0 ? CONVOY__RULE_PENDING
                                                          : CONVOY__RULE_ROLLBACK;
        if (!cJSON_IsArray(list))
            return invalid(r, list, 0, "\"%s\" must be an array of entries, not %s",
                           list->string, convoy__json_type_name(list));
        for (const cJSON *e = list->child; e; e = e->next) {
            rc = what == CONVOY__RULE_ROLLBACK ? read_rollback_request(r, e) : read_entry(r, e, what);
            if (rc != CONVOY_OK)
                return rc;
        }
    }
    return CONVOY_OK;
}

static int read_root(reader *r)
{
    static const char *const KEYS[] = {"metrics", "actions"};
    const cJSON *root = r->root;
    if (!cJSON_IsObject(root))
        return invalid(r, root, 0, "a scenario is an object with \"metrics\" and/or "
                       "\"actions\", not %s", convoy__json_type_name(root));
    for (const cJSON *m = root->child; m; m = m->next) {
        int rc = check_key(r, root, m, KEYS, 2, "the scenario");
        if (rc == CONVOY_OK)
            rc = strcmp(m->string, "metrics") == 0 ? read_metrics(r, m) : read_actions(r, m);
        if (rc != CONVOY_OK)
            return rc;
    }
    return CONVOY_OK;
}

/* ---- entry points ------------------------------------------------------ */

int convoy__scenario_parse(convoy__scenario *out, const convoy_plan *plan, const char *json,
                           size_t len)
{
    memset(out, 0, sizeof *out);
    if (len > CONVOY__SCENARIO_MAX_BYTES)
        return convoy__fail_at(CONVOY_E_LIMIT, "", 1, 1,
                               "the scenario is larger than the limit of 16 MiB");
    convoy__scan_result scan;
    if (convoy__json_check(&scan, json, len, CONVOY__SCENARIO_MAX_DEPTH,
                           CONVOY__SCENARIO_MAX_STRING) != CONVOY__SCAN_OK) {
        uint32_t line, column;
        convoy__line_col(&line, &column, json, len, scan.offset);
        char msg[200];
        snprintf(msg, sizeof msg, "scenario: %s", scan.message);
        return convoy__fail_at(scan.status == CONVOY__SCAN_LIMIT ? CONVOY_E_LIMIT : CONVOY_E_PARSE,
                               "", line, column, msg);
    }
    /* The tree is only needed while reading; names are copied out. */
    convoy__arena tree = {0};
    cJSON *root = convoy__json_tree(&tree, json, len);
    if (!root) {
        convoy__arena_free(&tree);
        return oom();
    }
    reader r = {plan, json, len, root, out, 0, 0};
    int rc = read_root(&r);
    convoy__arena_free(&tree);
    return rc;
}

void convoy__scenario_free(convoy__scenario *sc)
{
    if (!sc)
        return;
    convoy__arena_free(&sc->arena);
    convoy__dealloc(sc->series);
    convoy__dealloc(sc->rules);
    memset(sc, 0, sizeof *sc);
}

const convoy__series *convoy__scenario_series(const convoy__scenario *sc, size_t service,
                                              int variant, const char *metric)
{
    for (size_t i = 0; metric && i < sc->n_series; i++) {
        const convoy__series *s = &sc->series[i];
        if (s->service == service && s->variant == variant && strcmp(s->metric, metric) == 0)
            return s;
    }
    return NULL;
}

const convoy__point *convoy__series_at(const convoy__series *s, double t)
{
    /* Last point with p.t <= t; points are sorted by time. */
    size_t lo = 0, hi = s->n_points;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->points[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return &s->points[lo ? lo - 1 : 0];
}

int convoy__scenario_action(const convoy__scenario *sc, size_t service, int kind, size_t step,
                            uint32_t attempt)
{
    int pending = 0;
    for (size_t i = 0; i < sc->n_rules; i++) {
        const convoy__rule *rule = &sc->rules[i];
        if (rule->service != service || rule->kind != kind || (rule->has_step && rule->step != step))
            continue;
        if (rule->what == CONVOY__RULE_ROLLBACK)
            continue;
        if (rule->what == CONVOY__RULE_PENDING)
            pending = 1;
        else if (rule->times == 0 || attempt <= rule->times)
            return CONVOY__RULE_FAIL;
    }
    return pending ? CONVOY__RULE_PENDING : -1;
}

int convoy__scenario_rollback_requested(const convoy__scenario *sc, size_t service, double t)
{
    for (size_t i = 0; i < sc->n_rules; i++) {
        const convoy__rule *rule = &sc->rules[i];
        if (rule->what == CONVOY__RULE_ROLLBACK && rule->service == service && rule->at <= t)
            return 1;
    }
    return 0;
}
