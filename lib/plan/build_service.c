/* One service: its fields (inherited from `defaults` when absent), its
 * dependencies as written, and its step schedule (explicit, from a template,
 * or Flagger's shorthand). */
#include <string.h>

#include "build.h"
#include "core/alloc.h"
#include "core/buf.h"

static const char *const SERVICE_KEYS[] = {
    "name",     "depends_on", "owner",        "description", "baseline", "candidate",
    "steps",    "traffic",    "step_weight",  "step_weights", "max_weight", "interval",
    "analysis", "webhooks", "background_analysis",
};
enum {
    S_NAME, S_DEPENDS_ON, S_OWNER, S_DESCRIPTION, S_BASELINE, S_CANDIDATE,
    S_STEPS, S_TRAFFIC, S_STEP_WEIGHT, S_STEP_WEIGHTS, S_MAX_WEIGHT, S_INTERVAL,
    S_ANALYSIS, S_WEBHOOKS, S_BACKGROUND, S_KEYS
};
#define FIRST_INHERITED S_OWNER

/* Of two members of one object, the one written later. */
static const cJSON *later_of(const cJSON *a, const cJSON *b)
{
    for (const cJSON *c = a; c; c = c->next) {
        if (c == b)
            return b;
    }
    return a;
}

static int is_shorthand(size_t k)
{
    return k >= S_STEP_WEIGHT && k <= S_ANALYSIS;
}

/* The fields `defaults` may hold: every service key but name and depends_on. */
int convoy__check_defaults(convoy__build *b, const cJSON *defaults)
{
    const cJSON *f[S_KEYS - FIRST_INHERITED];
    return convoy__fields(b, defaults, "defaults", SERVICE_KEYS + FIRST_INHERITED,
                          S_KEYS - FIRST_INHERITED, f);
}

static void parse_depends_on(convoy__build *b, convoy__svc_build *sb, const cJSON *node)
{
    if (!cJSON_IsArray(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0,
                       "\"depends_on\" must be an array of service names");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(node);
    sb->deps = convoy__temp(b, n, sizeof *sb->deps);
    if (!sb->deps)
        return;
    for (const cJSON *c = node->child; c; c = c->next) {
        convoy__dep dep = {c, c, NULL, -1, NULL};
        if (cJSON_IsObject(c)) {
            static const char *const keys[] = {"service", "step"};
            const cJSON *f[2];
            convoy__fields(b, c, "a dependency", keys, 2, f);
            if (!f[0]) {
                convoy__report(b->d, CONVOY_P_MISSING, c, 0,
                               "a dependency object needs \"service\"");
                continue;
            }
            dep.name_node = f[0];
            long long step;
            if (f[1]) {
                if (!convoy__int(b, f[1], 0, 100000, &step))
                    continue;
                dep.step = (int32_t)step;
                dep.step_node = f[1];
            }
        } else if (!cJSON_IsString(c)) {
            convoy__report(b->d, CONVOY_P_TYPE, c, 0,
                           "a dependency must be a service name or {\"service\": NAME, \"step\": N}");
            continue;
        }
        dep.name = convoy__name(b, dep.name_node);
        if (dep.name)
            sb->deps[sb->n_deps++] = dep;
    }
}

/* Flagger: weight rises by step_weight (or along step_weights) every
 * interval, capped at max_weight; an analysis runs at every step. */
static void expand_shorthand(convoy__build *b, convoy__steps *out, const cJSON **f,
                             uint64_t *interval_out)
{
    uint32_t step_bp = 0, max_bp = 10000;
    uint64_t interval = 60000;
    int ok = 1;
    if (f[S_STEP_WEIGHT] && convoy__weight(b, f[S_STEP_WEIGHT], &step_bp) && step_bp == 0) {
        convoy__report(b->d, CONVOY_P_RANGE, f[S_STEP_WEIGHT], 0, "\"step_weight\" must be above 0");
        ok = 0;
    } else if (f[S_STEP_WEIGHT] && !step_bp) {
        ok = 0;
    }
    if (f[S_MAX_WEIGHT]) {
        if (!convoy__weight(b, f[S_MAX_WEIGHT], &max_bp))
            ok = 0;
        else if (max_bp == 0) {
            convoy__report(b->d, CONVOY_P_RANGE, f[S_MAX_WEIGHT], 0, "\"max_weight\" must be above 0");
            ok = 0;
        }
    }
    if (f[S_INTERVAL] && !convoy__duration(b, f[S_INTERVAL], &interval))
        ok = 0;
    else
        *interval_out = interval;
    const char *analysis = NULL;
    if (f[S_ANALYSIS] && !(analysis = convoy__name(b, f[S_ANALYSIS])))
        ok = 0;

    uint32_t ladder[10001];
    size_t n = 0;
    if (f[S_STEP_WEIGHTS]) {
        const cJSON *arr = f[S_STEP_WEIGHTS];
        if (!cJSON_IsArray(arr)) {
            convoy__report(b->d, CONVOY_P_TYPE, arr, 0, "\"step_weights\" must be an array of weights");
            return;
        }
        if (!arr->child) {
            convoy__report(b->d, CONVOY_P_EMPTY, arr, 0, "\"step_weights\" must not be empty");
            return;
        }
        uint32_t prev = 0;
        for (const cJSON *c = arr->child; c; c = c->next) {
            uint32_t w;
            if (!convoy__weight(b, c, &w)) {
                ok = 0;
                continue;
            }
            if (w <= prev) {
                convoy__report(b->d, CONVOY_P_RANGE, c, 0,
                               "\"step_weights\" must increase: %g after %g", c->valuedouble,
                               prev / 100.0);
                ok = 0;
                continue;
            }
            prev = w;
            if (n < COUNT_OF(ladder) && (n == 0 || ladder[n - 1] < max_bp))
                ladder[n++] = w < max_bp ? w : max_bp;
        }
    } else if (step_bp) {
        for (uint32_t w = step_bp; n < COUNT_OF(ladder); w += step_bp) {
            ladder[n++] = w < max_bp ? w : max_bp;
            if (w >= max_bp)
                break;
        }
    }
    if (!ok)
        return;
    const cJSON *origin = f[S_STEP_WEIGHTS] ? f[S_STEP_WEIGHTS] : f[S_STEP_WEIGHT];
    for (size_t i = 0; i < n; i++) {
        convoy_step st;
        memset(&st, 0, sizeof st);
        st.kind = CONVOY_STEP_SET_WEIGHT;
        st.weight_bp = ladder[i];
        convoy__steps_push(b, out, &st, f[S_STEP_WEIGHTS] ? cJSON_GetArrayItem(origin, (int)i) : origin);
        memset(&st, 0, sizeof st);
        st.kind = CONVOY_STEP_PAUSE;
        st.duration_ms = interval;
        convoy__steps_push(b, out, &st, f[S_INTERVAL] ? f[S_INTERVAL] : origin);
        if (analysis) {
            memset(&st, 0, sizeof st);
            st.kind = CONVOY_STEP_ANALYSIS;
            st.analysis_name = convoy__dup(b, analysis);
            convoy__steps_push(b, out, &st, f[S_ANALYSIS]);
        }
    }
}

static void steps_from(convoy__build *b, convoy__steps *out, const cJSON *node)
{
    if (cJSON_IsArray(node)) {
        convoy__parse_steps(b, node, out);
        return;
    }
    if (!cJSON_IsObject(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0,
                       "\"steps\" must be an array of steps or {\"template\": NAME}");
        return;
    }
    static const char *const keys[] = {"template"};
    const cJSON *f[1];
    convoy__fields(b, node, "a steps reference", keys, 1, f);
    if (!f[0]) {
        convoy__report(b->d, CONVOY_P_MISSING, node, 0, "\"steps\" object needs \"template\"");
        return;
    }
    const char *name = convoy__string(b, f[0], 0);
    if (!name)
        return;
    const char *names[256];
    size_t nn = 0;
    for (size_t i = 0; i < b->n_step_templates; i++) {
        convoy__named_steps *t = &b->step_templates[i];
        if (strcmp(t->name, name) == 0) {
            for (size_t k = 0; k < t->steps.n; k++)
                convoy__steps_push(b, out, &t->steps.items[k], t->steps.origin[k]);
            return;
        }
        if (nn < COUNT_OF(names))
            names[nn++] = t->name;
    }
    const char *hint = convoy__suggest(name, names, nn);
    convoy__report(b->d, CONVOY_P_UNKNOWN_REF, f[0], 0, "unknown step template \"%.64s\"%s%s%s",
                   name, hint ? "; did you mean \"" : "", hint ? hint : "", hint ? "\"?" : "");
}

/* The schedule comes from one object: the service when it sets any schedule
 * key, else the defaults. Within that object, steps and shorthand conflict. */
static void build_schedule(convoy__build *b, convoy_service *svc, convoy__svc_build *sb,
                           const cJSON **own, const cJSON **inherited, const cJSON *node)
{
    int own_sched = own[S_STEPS] != NULL;
    for (size_t k = S_STEP_WEIGHT; k <= S_ANALYSIS; k++)
        own_sched |= own[k] != NULL;
    const cJSON **f = own_sched ? own : inherited;
    convoy__steps list = {0};
    size_t before = b->d->n;
    int ladder = f[S_STEP_WEIGHT] || f[S_STEP_WEIGHTS];
    if (f[S_STEPS]) {
        for (size_t k = S_STEP_WEIGHT; k <= S_ANALYSIS; k++) {
            if (f[k])
                convoy__report(b->d, CONVOY_P_CONFLICT, later_of(f[S_STEPS], f[k]), 1,
                               "\"%s\" is Flagger shorthand and cannot be used with \"steps\"",
                               SERVICE_KEYS[k]);
        }
        steps_from(b, &list, f[S_STEPS]);
    } else if (f[S_STEP_WEIGHT] && f[S_STEP_WEIGHTS]) {
        convoy__report(b->d, CONVOY_P_CONFLICT, later_of(f[S_STEP_WEIGHT], f[S_STEP_WEIGHTS]), 1,
                       "use \"step_weight\" or \"step_weights\", not both");
    } else if (ladder) {
        expand_shorthand(b, &list, f, &svc->interval_ms);
    } else {
        /* The object that holds the shorthand lacks its ladder. */
        const cJSON *holder = own_sched ? node : b->defaults;
        for (size_t k = S_MAX_WEIGHT; k <= S_ANALYSIS; k++) {
            if (f[k] && is_shorthand(k))
                convoy__report(b->d, CONVOY_P_MISSING, holder, 0,
                               "\"%s\" needs \"step_weight\" or \"step_weights\" beside it",
                               SERVICE_KEYS[k]);
        }
    }
    sb->schedule_ok = b->d->n == before;
    svc->steps = list.items;
    svc->n_steps = list.n;
    sb->step_origin = list.origin;
    /* Weight and mirror in effect during each step. */
    uint32_t weight = 0, mirror = 0;
    for (size_t i = 0; i < svc->n_steps; i++) {
        convoy_step *st = &svc->steps[i];
        if (st->kind == CONVOY_STEP_SET_WEIGHT)
            weight = st->weight_bp;
        else if (st->kind == CONVOY_STEP_SET_MIRROR)
            mirror = st->mirror_bp;
        st->weight_bp = weight;
        st->mirror_bp = mirror;
    }
}

static void parse_webhooks(convoy__build *b, convoy_service *svc, const cJSON *node)
{
    if (!cJSON_IsArray(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0, "\"webhooks\" must be an array of webhooks");
        return;
    }
    convoy__buf j = {0};
    convoy__buf_putc(&j, '[');
    int ok = 1;
    size_t n = (size_t)cJSON_GetArraySize(node), k = 0;
    convoy_step *hooks = n ? convoy__alloc(b, n, sizeof *hooks) : NULL;
    for (const cJSON *c = node->child; c; c = c->next) {
        convoy_step st;
        memset(&st, 0, sizeof st);
        st.kind = CONVOY_STEP_WEBHOOK;
        if (convoy__parse_webhook(b, c, &st)) {
            if (j.len > 1)
                convoy__buf_putc(&j, ',');
            convoy__buf_puts(&j, st.webhook_json);
            if (hooks)
                hooks[k++] = st;
        } else {
            ok = 0;
        }
    }
    convoy__buf_putc(&j, ']');
    if (ok) {
        svc->webhooks_json = convoy__keep(b, &j);
        svc->hooks = hooks;
        svc->n_hooks = hooks ? k : 0;
        for (size_t h = 0; h < svc->n_hooks; h++)
            svc->n_rollback_hooks += strcmp(hooks[h].webhook_type, "rollback") == 0;
    } else {
        convoy__buf_free(&j);
    }
}

static char *string_field(convoy__build *b, const cJSON *node)
{
    const char *s = node ? convoy__string(b, node, 0) : NULL;
    return s ? convoy__dup(b, s) : NULL;
}

void convoy__build_service(convoy__build *b, size_t index, const cJSON *node)
{
    convoy_service *svc = &b->plan->services[index];
    convoy__svc_build *sb = &b->sb[index];
    const cJSON *own[S_KEYS], *inherited[S_KEYS];
    svc->plan = b->plan;
    svc->index = index;
    svc->interval_ms = 60000;
    sb->node = node;
    if (!convoy__fields(b, node, "a service", SERVICE_KEYS, S_KEYS, own))
        return;
    memset(inherited, 0, sizeof inherited);
    if (b->defaults && cJSON_IsObject(b->defaults)) {
        for (size_t k = FIRST_INHERITED; k < S_KEYS; k++)
            inherited[k] = cJSON_GetObjectItemCaseSensitive(b->defaults, SERVICE_KEYS[k]);
    }
    const cJSON *f[S_KEYS];
    for (size_t k = 0; k < S_KEYS; k++)
        f[k] = own[k] ? own[k] : inherited[k];

    if (!own[S_NAME]) {
        convoy__report(b->d, CONVOY_P_MISSING, node, 0, "a service needs a \"name\"");
    } else {
        sb->name_node = own[S_NAME];
        const char *name = convoy__name(b, own[S_NAME]);
        svc->name = convoy__dup(b, name);
    }
    if (own[S_DEPENDS_ON])
        parse_depends_on(b, sb, own[S_DEPENDS_ON]);
    svc->owner = string_field(b, f[S_OWNER]);
    if (f[S_DESCRIPTION])
        svc->description = convoy__dup(b, convoy__string(b, f[S_DESCRIPTION], 1));
    svc->baseline = string_field(b, f[S_BASELINE]);
    svc->candidate = string_field(b, f[S_CANDIDATE]);
    build_schedule(b, svc, sb, own, inherited, node);
    if (f[S_TRAFFIC])
        convoy__build_traffic(b, svc, sb, f[S_TRAFFIC]);
    if (f[S_WEBHOOKS])
        parse_webhooks(b, svc, f[S_WEBHOOKS]);
    if (f[S_BACKGROUND]) {
        /* Resolved with the steps' analyses (convoy__resolve_analyses). */
        const char *name = convoy__name(b, f[S_BACKGROUND]);
        convoy_step *bg = name ? convoy__alloc(b, 1, sizeof *bg) : NULL;
        if (bg) {
            bg->kind = CONVOY_STEP_ANALYSIS;
            bg->analysis_name = convoy__dup(b, name);
            svc->background = bg;
            sb->background_node = f[S_BACKGROUND];
        }
    }
}
