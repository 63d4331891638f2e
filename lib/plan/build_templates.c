/* templates.steps, templates.analyses, and the plan's `analyses` map with
 * {"template": NAME, "args": {...}} instantiation. */
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "canon.h"
#include "core/alloc.h"
#include "values.h"

void convoy__build_templates(convoy__build *b, const cJSON *templates)
{
    static const char *const keys[] = {"steps", "analyses"};
    const cJSON *f[2];
    if (!convoy__fields(b, templates, "templates", keys, 2, f))
        return;
    if (f[0]) {
        if (!cJSON_IsObject(f[0])) {
            convoy__report(b->d, CONVOY_P_TYPE, f[0], 0,
                           "\"templates.steps\" must be an object of name -> step array");
        } else {
            size_t n = (size_t)cJSON_GetArraySize(f[0]);
            b->step_templates = convoy__temp(b, n, sizeof *b->step_templates);
            for (const cJSON *t = f[0]->child; t && b->step_templates; t = t->next) {
                convoy__named_steps *ns = &b->step_templates[b->n_step_templates++];
                ns->name = t->string;
                ns->node = t;
                if (!convoy__valid_name(t->string))
                    convoy__report(b->d, CONVOY_P_NAME, t, 1, "invalid template name \"%.64s\"",
                                   t->string);
                for (size_t k = 0; k + 1 < b->n_step_templates; k++) {
                    if (strcmp(b->step_templates[k].name, t->string) == 0)
                        convoy__report(b->d, CONVOY_P_DUPLICATE_KEY, t, 1,
                                       "step template \"%s\" is defined twice", t->string);
                }
                if (!cJSON_IsArray(t)) {
                    convoy__report(b->d, CONVOY_P_TYPE, t, 0,
                                   "step template \"%s\" must be an array of steps", t->string);
                    continue;
                }
                size_t before = b->d->n;
                convoy__parse_steps(b, t, &ns->steps);
                ns->valid = b->d->n == before;
            }
        }
    }
    if (f[1]) {
        if (!cJSON_IsObject(f[1])) {
            convoy__report(b->d, CONVOY_P_TYPE, f[1], 0,
                           "\"templates.analyses\" must be an object of name -> analysis");
            return;
        }
        b->tpl_analyses = f[1];
        size_t n = (size_t)cJSON_GetArraySize(f[1]);
        b->template_analyses = convoy__temp(b, n, sizeof *b->template_analyses);
        b->template_analysis_nodes = convoy__temp(b, n, sizeof *b->template_analysis_nodes);
        b->template_analysis_ok = convoy__temp(b, n, sizeof *b->template_analysis_ok);
        if (!b->template_analyses || !b->template_analysis_nodes || !b->template_analysis_ok)
            return;
        for (const cJSON *t = f[1]->child; t; t = t->next) {
            size_t i = b->n_template_analyses++;
            b->template_analysis_nodes[i] = t;
            if (!convoy__valid_name(t->string))
                convoy__report(b->d, CONVOY_P_NAME, t, 1, "invalid template name \"%.64s\"",
                               t->string);
            for (size_t k = 0; k < i; k++) {
                if (strcmp(b->template_analysis_nodes[k]->string, t->string) == 0)
                    convoy__report(b->d, CONVOY_P_DUPLICATE_KEY, t, 1,
                                   "analysis template \"%s\" is defined twice", t->string);
            }
            b->template_analysis_ok[i] =
                convoy__build_analysis(b, &b->template_analyses[i], t->string, t);
        }
    }
}

/* The template named `name`; *ok tells whether it was built without problems
 * (a broken template is reported where it is written, not where it is used). */
static const convoy_analysis *find_template(convoy__build *b, const char *name, int *ok)
{
    for (size_t i = 0; i < b->n_template_analyses; i++) {
        if (b->template_analyses[i].name && strcmp(b->template_analyses[i].name, name) == 0) {
            *ok = b->template_analysis_ok[i];
            return &b->template_analyses[i];
        }
    }
    *ok = 0;
    return NULL;
}

static void report_unknown(convoy__build *b, const cJSON *node, const char *kind, const char *name,
                           const char **names, size_t n)
{
    const char *hint = convoy__suggest(name, names, n);
    if (hint)
        convoy__report(b->d, CONVOY_P_UNKNOWN_REF, node, 0,
                       "unknown %s \"%.64s\"; did you mean \"%s\"?", kind, name, hint);
    else
        convoy__report(b->d, CONVOY_P_UNKNOWN_REF, node, 0, "unknown %s \"%.64s\"", kind, name);
}

/* Replaces every {{args.NAME}} in `text`; marks used args; reports missing. */
static char *substitute(convoy__build *b, const char *text, const cJSON *args, int *used,
                        const cJSON *at, const char *tpl)
{
    convoy__buf out = {0};
    const char *p = text;
    for (;;) {
        const char *open = strstr(p, "{{args.");
        if (!open)
            break;
        const char *close = strstr(open, "}}");
        if (!close)
            break;
        convoy__buf_append(&out, p, (size_t)(open - p));
        const char *name = open + 7;
        size_t len = (size_t)(close - name);
        const cJSON *val = NULL;
        size_t idx = 0;
        for (const cJSON *a = args ? args->child : NULL; a; a = a->next, idx++) {
            if (strlen(a->string) == len && memcmp(a->string, name, len) == 0) {
                val = a;
                used[idx] = 1;
                break;
            }
        }
        if (!val) {
            convoy__report(b->d, CONVOY_P_MISSING, at, 0,
                           "template \"%s\" needs argument \"%.*s\" (in \"args\")", tpl, (int)len,
                           name);
        } else if (cJSON_IsString(val)) {
            /* The placeholder sits inside a JSON string: escape, without quotes. */
            convoy__buf q = {0};
            convoy__json_put_string(&q, val->valuestring);
            if (q.len >= 2)
                convoy__buf_append(&out, q.data + 1, q.len - 2);
            convoy__buf_free(&q);
        }
        p = close + 2;
    }
    convoy__buf_puts(&out, p);
    return convoy__keep(b, &out);
}

static void instantiate(convoy__build *b, convoy_analysis *an, const char *name,
                        const cJSON *node, const cJSON *tpl_node, const cJSON *args_node)
{
    const char *tpl = convoy__string(b, tpl_node, 0);
    if (!tpl)
        return;
    int tpl_ok;
    const convoy_analysis *src = find_template(b, tpl, &tpl_ok);
    if (src && !tpl_ok)
        return;
    if (!src) {
        const char **names = convoy__temp(b, b->n_template_analyses, sizeof *names);
        for (size_t i = 0; names && i < b->n_template_analyses; i++)
            names[i] = b->template_analysis_nodes[i]->string;
        report_unknown(b, tpl_node, "analysis template", tpl, names, names ? b->n_template_analyses : 0);
        convoy__dealloc(names);
        return;
    }
    size_t n_args = 0;
    if (args_node) {
        if (!cJSON_IsObject(args_node)) {
            convoy__report(b->d, CONVOY_P_TYPE, args_node, 0,
                           "\"args\" must be an object of name -> string");
            return;
        }
        for (const cJSON *a = args_node->child; a; a = a->next, n_args++) {
            if (!cJSON_IsString(a))
                convoy__report(b->d, CONVOY_P_TYPE, a, 0, "argument \"%s\" must be a string",
                               a->string);
        }
    }
    int *used = convoy__temp(b, n_args, sizeof *used);
    if (!used || !convoy__analysis_copy(b, an, src)) {
        convoy__dealloc(used);
        return;
    }
    an->name = convoy__dup(b, name);
    for (size_t i = 0; i < an->n_metrics; i++)
        an->metrics[i].provider_json =
            substitute(b, an->metrics[i].provider_json, args_node, used, node, tpl);
    size_t idx = 0;
    for (const cJSON *a = args_node ? args_node->child : NULL; a; a = a->next, idx++) {
        if (!used[idx])
            convoy__report(b->d, CONVOY_P_UNKNOWN_KEY, a, 1,
                           "argument \"%s\" is not used by template \"%s\"", a->string, tpl);
    }
    convoy__dealloc(used);
}

static int cmp_analysis(const void *a, const void *b)
{
    return strcmp(((const convoy_analysis *)a)->name, ((const convoy_analysis *)b)->name);
}

void convoy__build_analyses(convoy__build *b, const cJSON *analyses)
{
    convoy_plan *plan = b->plan;
    size_t n = analyses && cJSON_IsObject(analyses) ? (size_t)cJSON_GetArraySize(analyses) : 0;
    if (analyses && !cJSON_IsObject(analyses)) {
        convoy__report(b->d, CONVOY_P_TYPE, analyses, 0,
                       "\"analyses\" must be an object of name -> analysis");
    }
    /* Room for every entry plus every template a step may name directly. */
    plan->analyses = convoy__alloc(b, n + b->n_template_analyses, sizeof *plan->analyses);
    if (!plan->analyses)
        return;
    for (const cJSON *a = n ? analyses->child : NULL; a; a = a->next) {
        if (!convoy__valid_name(a->string)) {
            convoy__report(b->d, CONVOY_P_NAME, a, 1, "invalid analysis name \"%.64s\"", a->string);
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < plan->n_analyses; k++)
            dup |= strcmp(plan->analyses[k].name, a->string) == 0;
        if (dup) {
            convoy__report(b->d, CONVOY_P_DUPLICATE_KEY, a, 1, "analysis \"%s\" is defined twice",
                           a->string);
            continue;
        }
        convoy_analysis *an = &plan->analyses[plan->n_analyses];
        const cJSON *tpl = cJSON_IsObject(a) ? cJSON_GetObjectItemCaseSensitive(a, "template") : NULL;
        if (tpl) {
            static const char *const keys[] = {"template", "args"};
            const cJSON *f[2];
            convoy__fields(b, a, "an analysis template reference", keys, 2, f);
            instantiate(b, an, a->string, a, f[0], f[1]);
        } else {
            convoy__build_analysis(b, an, a->string, a);
        }
        if (!an->name) {
            memset(an, 0, sizeof *an);
            continue;
        }
        plan->n_analyses++;
    }
}

/* Steps name analyses; a name missing from `analyses` may be a template,
 * which is then added to the plan's analyses under its own name. */
void convoy__resolve_analyses(convoy__build *b)
{
    convoy_plan *plan = b->plan;
    qsort(plan->analyses, plan->n_analyses, sizeof *plan->analyses, cmp_analysis);
    size_t sorted = plan->n_analyses;
    for (size_t s = 0; s < plan->n_services; s++) {
        convoy_service *svc = &plan->services[s];
        /* The steps, then the background analysis (index n_steps). */
        for (size_t i = 0; i <= svc->n_steps; i++) {
            convoy_step *st = i < svc->n_steps ? &svc->steps[i] : svc->background;
            if (!st || st->kind != CONVOY_STEP_ANALYSIS || !st->analysis_name)
                continue;
            const cJSON *origin = i == svc->n_steps ? b->sb[s].background_node
                                  : b->sb[s].step_origin ? b->sb[s].step_origin[i] : NULL;
            const cJSON *at = origin && cJSON_IsObject(origin) && origin->child ? origin->child : origin;
            /* The analyses from `analyses` are sorted; templates named by
             * steps are appended after them, and are few. */
            int known = convoy__find_analysis_in(plan->analyses, sorted, st->analysis_name) != NULL;
            for (size_t k = sorted; !known && k < plan->n_analyses; k++)
                known = strcmp(plan->analyses[k].name, st->analysis_name) == 0;
            if (!known) {
                int tpl_ok;
                const convoy_analysis *tpl = find_template(b, st->analysis_name, &tpl_ok);
                if (tpl && tpl_ok) {
                    int has_args = 0;
                    for (size_t m = 0; m < tpl->n_metrics; m++)
                        has_args |= tpl->metrics[m].provider_json &&
                                    strstr(tpl->metrics[m].provider_json, "{{args.") != NULL;
                    if (has_args) {
                        convoy__report(b->d, CONVOY_P_MISSING, at, 0,
                                       "analysis template \"%s\" takes arguments: add an entry "
                                       "{\"template\": \"%s\", \"args\": {...}} to \"analyses\" "
                                       "and name that",
                                       st->analysis_name, st->analysis_name);
                        continue;
                    }
                    if (convoy__analysis_copy(b, &plan->analyses[plan->n_analyses], tpl))
                        plan->n_analyses++;
                } else if (!tpl) {
                    const char **names = convoy__temp(b, plan->n_analyses + b->n_template_analyses,
                                                       sizeof *names);
                    size_t nn = 0;
                    for (size_t j = 0; names && j < plan->n_analyses; j++)
                        names[nn++] = plan->analyses[j].name;
                    for (size_t j = 0; names && j < b->n_template_analyses; j++)
                        names[nn++] = b->template_analysis_nodes[j]->string;
                    report_unknown(b, at, "analysis", st->analysis_name, names, nn);
                    convoy__dealloc(names);
                }
            }
        }
    }
    qsort(plan->analyses, plan->n_analyses, sizeof *plan->analyses, cmp_analysis);
    /* Point steps at their analysis now that the array no longer moves. */
    for (size_t s = 0; s < plan->n_services; s++) {
        for (size_t i = 0; i < plan->services[s].n_steps; i++) {
            convoy_step *st = &plan->services[s].steps[i];
            if (st->kind == CONVOY_STEP_ANALYSIS && st->analysis_name)
                st->analysis = convoy__find_analysis(plan, st->analysis_name);
        }
        convoy_step *bg = plan->services[s].background;
        if (!bg)
            continue;
        bg->analysis = convoy__find_analysis(plan, bg->analysis_name);
        /* A background run measures across steps; judges score rounds of
         * a step and have no place there. */
        if (bg->analysis && bg->analysis->kind != CONVOY_ANALYSIS_MEASUREMENT)
            convoy__report(b->d, CONVOY_P_TYPE, b->sb[s].background_node, 0,
                           "\"background_analysis\" must name a measurement analysis; \"%s\" "
                           "is a judge",
                           bg->analysis_name);
    }
}
