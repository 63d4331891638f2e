/* Steps: one key each (set_weight, set_mirror, pause, approval, analysis,
 * webhook). */
#include <string.h>

#include "build.h"
#include "core/alloc.h"

static const char *const STEP_KINDS[] = {"set_weight", "set_mirror", "pause",
                                         "approval",   "analysis",   "webhook"};

int convoy__steps_push(convoy__build *b, convoy__steps *list, const convoy_step *step,
                       const cJSON *origin)
{
    if (list->n == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 8;
        convoy_step *items = convoy__realloc(list->items, list->cap * sizeof *items,
                                             cap * sizeof *items);
        if (!items) {
            b->oom = 1;
            return 0;
        }
        list->items = items;
        const cJSON **origin_arr = convoy__realloc(list->origin, list->cap * sizeof *origin_arr,
                                                   cap * sizeof *origin_arr);
        if (!origin_arr) {
            b->oom = 1;
            return 0;
        }
        list->origin = origin_arr;
        list->cap = cap;
    }
    list->items[list->n] = *step;
    list->origin[list->n] = origin;
    list->n++;
    return 1;
}

void convoy__steps_clear(convoy__steps *list)
{
    convoy__dealloc(list->items);
    convoy__dealloc(list->origin);
    memset(list, 0, sizeof *list);
}


static int parse_pause(convoy__build *b, const cJSON *v, convoy_step *st)
{
    static const char *const keys[] = {"duration", "approval", "timeout"};
    const cJSON *f[COUNT_OF(keys)];
    if (cJSON_IsString(v)) {
        st->kind = CONVOY_STEP_PAUSE;
        return convoy__duration(b, v, &st->duration_ms);
    }
    if (!cJSON_IsObject(v)) {
        convoy__report(b->d, CONVOY_P_TYPE, v, 0,
                       "\"pause\" must be a duration string or an object with \"duration\" or "
                       "\"approval\"");
        return 0;
    }
    if (!convoy__fields(b, v, "a pause", keys, COUNT_OF(keys), f))
        return 0;
    int ok = 1, approval = 0;
    if (f[1] && !convoy__bool(b, f[1], &approval))
        ok = 0;
    if (approval) {
        st->kind = CONVOY_STEP_APPROVAL;
        if (f[0]) {
            convoy__report(b->d, CONVOY_P_CONFLICT, f[0], 1,
                           "a pause waits for an approval or for a duration, not both (use "
                           "\"timeout\" to bound the wait)");
            ok = 0;
        }
        if (f[2] && !convoy__duration(b, f[2], &st->timeout_ms))
            ok = 0;
        return ok;
    }
    st->kind = CONVOY_STEP_PAUSE;
    if (f[2]) {
        convoy__report(b->d, CONVOY_P_CONFLICT, f[2], 1,
                       "\"timeout\" applies only to approval pauses");
        ok = 0;
    }
    if (!f[0]) {
        if (ok && !f[1])
            convoy__report(b->d, CONVOY_P_MISSING, v, 0,
                           "a pause needs \"duration\", or \"approval\": true");
        else if (ok)
            convoy__report(b->d, CONVOY_P_MISSING, v, 0,
                           "a pause without approval needs a \"duration\"");
        return 0;
    }
    return convoy__duration(b, f[0], &st->duration_ms) && ok;
}

static int parse_approval(convoy__build *b, const cJSON *v, convoy_step *st)
{
    static const char *const keys[] = {"timeout"};
    const cJSON *f[1];
    st->kind = CONVOY_STEP_APPROVAL;
    if (cJSON_IsTrue(v))
        return 1;
    if (!cJSON_IsObject(v)) {
        convoy__report(b->d, CONVOY_P_TYPE, v, 0,
                       "\"approval\" must be true or an object such as {\"timeout\": \"1h\"}");
        return 0;
    }
    if (!convoy__fields(b, v, "an approval", keys, 1, f))
        return 0;
    return !f[0] || convoy__duration(b, f[0], &st->timeout_ms);
}

static int parse_one(convoy__build *b, const cJSON *node, convoy_step *st)
{
    if (!cJSON_IsObject(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0,
                       "a step must be an object with one key such as {\"set_weight\": 20}");
        return 0;
    }
    const cJSON *v = node->child;
    if (!v || v->next) {
        convoy__report(b->d, CONVOY_P_STEP, node, 0,
                       "a step must have exactly one key (set_weight, set_mirror, pause, "
                       "approval, analysis or webhook), this one has %d",
                       cJSON_GetArraySize(node));
        return 0;
    }
    size_t k;
    for (k = 0; k < COUNT_OF(STEP_KINDS); k++) {
        if (strcmp(v->string, STEP_KINDS[k]) == 0)
            break;
    }
    switch (k) {
    case 0:
        st->kind = CONVOY_STEP_SET_WEIGHT;
        return convoy__weight(b, v, &st->weight_bp);
    case 1:
        st->kind = CONVOY_STEP_SET_MIRROR;
        return convoy__weight(b, v, &st->mirror_bp);
    case 2:
        return parse_pause(b, v, st);
    case 3:
        return parse_approval(b, v, st);
    case 4: {
        st->kind = CONVOY_STEP_ANALYSIS;
        const char *name = convoy__name(b, v);
        if (!name)
            return 0;
        st->analysis_name = convoy__dup(b, name);
        return st->analysis_name != NULL;
    }
    case 5:
        st->kind = CONVOY_STEP_WEBHOOK;
        return convoy__parse_webhook(b, v, st);
    default: {
        const char *hint = convoy__suggest(v->string, STEP_KINDS, COUNT_OF(STEP_KINDS));
        if (hint)
            convoy__report(b->d, CONVOY_P_UNKNOWN_KEY, v, 1,
                           "unknown step kind \"%s\"; did you mean \"%s\"?", v->string, hint);
        else
            convoy__report(b->d, CONVOY_P_UNKNOWN_KEY, v, 1,
                           "unknown step kind \"%s\" (use set_weight, set_mirror, pause, "
                           "approval, analysis or webhook)",
                           v->string);
        return 0;
    }
    }
}

void convoy__parse_steps(convoy__build *b, const cJSON *array, convoy__steps *out)
{
    for (const cJSON *c = array->child; c; c = c->next) {
        convoy_step st;
        memset(&st, 0, sizeof st);
        if (parse_one(b, c, &st))
            convoy__steps_push(b, out, &st, c);
    }
}
