/* Analyses: Argo-style measurement analyses and Kayenta-style judges,
 * analysis templates with arguments. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "canon.h"
#include "core/alloc.h"
#include "criterion.h"
#include "values.h"

static const char *const METRIC_KEYS[] = {
    /* both kinds */
    "name", "provider", "interval", "count", "initial_delay",
    /* measurement analyses (5..12) */
    "success", "failure", "min", "max", "failure_limit", "inconclusive_limit",
    "consecutive_error_limit", "dry_run",
    /* judge analyses (13..) */
    "groups", "direction", "critical", "must_have_data", "nan_strategy", "outliers", "effect",
    "allowed_increase", "allowed_decrease", "critical_increase", "critical_decrease",
};
enum {
    M_NAME, M_PROVIDER, M_INTERVAL, M_COUNT, M_DELAY,
    M_SUCCESS, M_FAILURE, M_MIN, M_MAX, M_FAILURE_LIMIT, M_INCONCLUSIVE_LIMIT, M_ERROR_LIMIT,
    M_DRY_RUN,
    M_GROUPS, M_DIRECTION, M_CRITICAL, M_MUST_HAVE_DATA, M_NAN, M_OUTLIERS, M_EFFECT,
    M_ALLOWED_INC, M_ALLOWED_DEC, M_CRITICAL_INC, M_CRITICAL_DEC,
    M_COUNT_OF_KEYS
};
#define FIRST_MEASUREMENT_KEY M_SUCCESS
#define FIRST_JUDGE_KEY M_GROUPS

static const char *const DIRECTIONS[] = {"either", "increase", "decrease"};
static const char *const NAN_STRATEGIES[] = {"remove", "replace"};
static const char *const OUTLIERS[] = {"keep", "remove"};
static const char *const EFFECTS[] = {"mean-ratio", "cles"};


static int parse_criteria(convoy__build *b, const cJSON *node, char ***out,
                          convoy__criterion **parsed_out, size_t *n_out)
{
    const cJSON *single = cJSON_IsString(node) ? node : NULL;
    if (!single && !cJSON_IsArray(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0,
                       "\"%s\" must be a criterion string such as \"<0.01\" or an array of them",
                       node->string);
        return 0;
    }
    size_t n = single ? 1 : (size_t)cJSON_GetArraySize(node);
    if (n == 0) {
        convoy__report(b->d, CONVOY_P_EMPTY, node, 0, "\"%s\" must not be an empty array",
                       node->string);
        return 0;
    }
    char **list = convoy__alloc(b, n, sizeof *list);
    convoy__criterion *parsed = convoy__alloc(b, n, sizeof *parsed);
    if (!list || !parsed)
        return 0;
    int ok = 1;
    size_t i = 0;
    for (const cJSON *c = single ? single : node->child; c && i < n; c = c->next, i++) {
        const char *s = convoy__string(b, c, 0);
        if (!s) {
            ok = 0;
            continue;
        }
        convoy__criterion crit;
        size_t pos;
        const char *why;
        if (convoy__criterion_parse(&crit, &pos, &why, s) != 0) {
            convoy__report(b->d, CONVOY_P_CRITERION, c, 0,
                           "invalid criterion \"%.64s\" at character %zu: %s", s, pos + 1, why);
            ok = 0;
            continue;
        }
        list[i] = convoy__dup(b, s);
        parsed[i] = crit;
        if (single)
            break;
    }
    *out = list;
    *parsed_out = parsed;
    *n_out = n;
    return ok && !b->oom;
}

static void put_judge_metric(convoy__buf *j, const cJSON **f, const int *choice,
                             const int *flags, const double *limits)
{
    convoy__buf_puts(j, "{\"groups\":");
    if (f[M_GROUPS])
        convoy__json_put_canonical(j, f[M_GROUPS]);
    else
        convoy__buf_puts(j, "[]");
    convoy__buf_printf(j,
                       ",\"direction\":\"%s\",\"critical\":%s,\"must_have_data\":%s,"
                       "\"nan_strategy\":\"%s\",\"outliers\":\"%s\",\"effect\":\"%s\"",
                       DIRECTIONS[choice[0]], flags[0] ? "true" : "false",
                       flags[1] ? "true" : "false", NAN_STRATEGIES[choice[1]],
                       OUTLIERS[choice[2]], EFFECTS[choice[3]]);
    static const char *const names[] = {"allowed_increase", "allowed_decrease",
                                        "critical_increase", "critical_decrease"};
    for (int i = 0; i < 4; i++) {
        convoy__buf_printf(j, ",\"%s\":", names[i]);
        convoy__json_put_number(j, limits[i]);
    }
    convoy__buf_putc(j, '}');
}

static int parse_provider(convoy__build *b, const cJSON *node, convoy_metric *m)
{
    if (!cJSON_IsObject(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0,
                       "\"provider\" must be an object with one key, the provider's name, such "
                       "as {\"prometheus\": {\"query\": \"...\"}}");
        return 0;
    }
    const cJSON *p = node->child;
    if (!p || p->next) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0,
                       "\"provider\" must have exactly one key, the provider's name");
        return 0;
    }
    if (!convoy__valid_name(p->string)) {
        convoy__report(b->d, CONVOY_P_NAME, p, 1, "invalid provider name \"%.64s\"", p->string);
        return 0;
    }
    if (!cJSON_IsObject(p)) {
        convoy__report(b->d, CONVOY_P_TYPE, p, 0, "the settings of provider \"%s\" must be an object",
                       p->string);
        return 0;
    }
    int ok = 1;
    /* Built-in providers: their required settings are known here. */
    const char *required = strcmp(p->string, "prometheus") == 0 ? "query"
                           : strcmp(p->string, "http") == 0    ? "url"
                                                               : NULL;
    if (required) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(p, required);
        if (!r) {
            convoy__report(b->d, CONVOY_P_MISSING, p, 0, "provider \"%s\" needs \"%s\"", p->string,
                           required);
            ok = 0;
        } else if (!convoy__string(b, r, 0)) {
            ok = 0;
        }
    }
    const cJSON *addr = cJSON_GetObjectItemCaseSensitive(p, "address");
    if (addr && cJSON_IsString(addr) && strncmp(addr->valuestring, "http://", 7) != 0 &&
        strncmp(addr->valuestring, "https://", 8) != 0) {
        convoy__report(b->d, CONVOY_P_RANGE, addr, 0, "\"address\" must be an http:// or https:// URL");
        ok = 0;
    }
    convoy__check_secrets(b, p);
    m->provider = convoy__dup(b, p->string);
    m->provider_json = convoy__canonical(b, p);
    return ok && !b->oom;
}

static int build_metric(convoy__build *b, convoy_metric *m, const cJSON *node, int judge)
{
    const cJSON *f[M_COUNT_OF_KEYS];
    if (!convoy__fields(b, node, "a metric", METRIC_KEYS, M_COUNT_OF_KEYS, f))
        return 0;
    int ok = 1;
    m->consecutive_error_limit = 4;
    if (!f[M_NAME]) {
        convoy__report(b->d, CONVOY_P_MISSING, node, 0, "a metric needs a \"name\"");
        ok = 0;
    } else {
        const char *name = convoy__name(b, f[M_NAME]);
        ok &= name != NULL;
        m->name = convoy__dup(b, name);
    }
    if (!f[M_PROVIDER]) {
        convoy__report(b->d, CONVOY_P_MISSING, node, 0, "a metric needs a \"provider\"");
        ok = 0;
    } else {
        ok &= parse_provider(b, f[M_PROVIDER], m);
    }
    if (f[M_INTERVAL])
        ok &= convoy__duration(b, f[M_INTERVAL], &m->interval_ms);
    if (f[M_DELAY])
        ok &= convoy__duration(b, f[M_DELAY], &m->initial_delay_ms);
    long long v;
    if (f[M_COUNT]) {
        if (convoy__int(b, f[M_COUNT], 1, 1000000, &v))
            m->count = (uint32_t)v;
        else
            ok = 0;
    }
    /* Keys of the other analysis kind are a conflict, not silently ignored. */
    size_t from = judge ? FIRST_MEASUREMENT_KEY : FIRST_JUDGE_KEY;
    size_t to = judge ? FIRST_JUDGE_KEY : M_COUNT_OF_KEYS;
    for (size_t k = from; k < to; k++) {
        if (f[k]) {
            convoy__report(b->d, CONVOY_P_CONFLICT, f[k], 1,
                           judge ? "\"%s\" applies to measurement analyses, not to judge analyses"
                                 : "\"%s\" applies only to judge analyses (add a \"judge\" block)",
                           METRIC_KEYS[k]);
            ok = 0;
        }
    }
    if (!judge) {
        if (f[M_SUCCESS])
            ok &= parse_criteria(b, f[M_SUCCESS], &m->success, &m->success_parsed, &m->n_success);
        if (f[M_FAILURE])
            ok &= parse_criteria(b, f[M_FAILURE], &m->failure, &m->failure_parsed, &m->n_failure);
        if (f[M_MIN] && (m->has_min = convoy__number(b, f[M_MIN], -1e300, 1e300, &m->min)) == 0)
            ok = 0;
        if (f[M_MAX] && (m->has_max = convoy__number(b, f[M_MAX], -1e300, 1e300, &m->max)) == 0)
            ok = 0;
        if (m->has_min && m->has_max && m->min > m->max) {
            convoy__report(b->d, CONVOY_P_RANGE, f[M_MAX], 0, "\"max\" (%g) is below \"min\" (%g)",
                           m->max, m->min);
            ok = 0;
        }
        if (!f[M_SUCCESS] && !f[M_FAILURE] && !f[M_MIN] && !f[M_MAX]) {
            convoy__report(b->d, CONVOY_P_MISSING, node, 0,
                           "metric \"%s\" has no \"success\", \"failure\", \"min\" or \"max\": it "
                           "could never fail",
                           m->name ? m->name : "?");
            ok = 0;
        }
        if (f[M_FAILURE_LIMIT]) {
            if (convoy__int(b, f[M_FAILURE_LIMIT], -1, 1000000, &v))
                m->failure_limit = (int32_t)v;
            else
                ok = 0;
        }
        if (f[M_INCONCLUSIVE_LIMIT]) {
            if (convoy__int(b, f[M_INCONCLUSIVE_LIMIT], 0, 1000000, &v))
                m->inconclusive_limit = (int32_t)v;
            else
                ok = 0;
        }
        if (f[M_ERROR_LIMIT]) {
            if (convoy__int(b, f[M_ERROR_LIMIT], 0, 1000000, &v))
                m->consecutive_error_limit = (int32_t)v;
            else
                ok = 0;
        }
        if (f[M_DRY_RUN])
            ok &= convoy__bool(b, f[M_DRY_RUN], &m->dry_run);
        return ok;
    }

    int choice[4] = {0, 0, 0, 0};
    int flags[2] = {0, 0};
    double limits[4] = {1.0, 1.0, 1.0, 1.0};
    if (f[M_GROUPS]) {
        if (!cJSON_IsArray(f[M_GROUPS])) {
            convoy__report(b->d, CONVOY_P_TYPE, f[M_GROUPS], 0,
                           "\"groups\" must be an array of group names");
            ok = 0;
        } else {
            for (const cJSON *g = f[M_GROUPS]->child; g; g = g->next)
                ok &= convoy__name(b, g) != NULL;
        }
    }
    const cJSON *enums[4] = {f[M_DIRECTION], f[M_NAN], f[M_OUTLIERS], f[M_EFFECT]};
    const char *const *sets[4] = {DIRECTIONS, NAN_STRATEGIES, OUTLIERS, EFFECTS};
    const size_t sizes[4] = {3, 2, 2, 2};
    for (int i = 0; i < 4; i++) {
        if (enums[i] && (choice[i] = convoy__enum(b, enums[i], sets[i], sizes[i])) < 0) {
            choice[i] = 0;
            ok = 0;
        }
    }
    if (f[M_CRITICAL])
        ok &= convoy__bool(b, f[M_CRITICAL], &flags[0]);
    if (f[M_MUST_HAVE_DATA])
        ok &= convoy__bool(b, f[M_MUST_HAVE_DATA], &flags[1]);
    const cJSON *lim[4] = {f[M_ALLOWED_INC], f[M_ALLOWED_DEC], f[M_CRITICAL_INC], f[M_CRITICAL_DEC]};
    for (int i = 0; i < 4; i++) {
        if (lim[i])
            ok &= convoy__number(b, lim[i], 0.0, 1e12, &limits[i]);
    }
    if (!ok)
        return 0;
    convoy__buf j = {0};
    put_judge_metric(&j, f, choice, flags, limits);
    m->judge_json = convoy__keep(b, &j);
    return !b->oom;
}

static int build_judge(convoy__build *b, convoy_analysis *an, const cJSON *node,
                       const cJSON *metrics)
{
    static const char *const keys[] = {"pass",     "marginal", "groups",  "confidence",
                                       "tolerance", "interval", "count",  "initial_delay"};
    const cJSON *f[COUNT_OF(keys)];
    if (!convoy__fields(b, node, "a judge block", keys, COUNT_OF(keys), f))
        return 0;
    int ok = 1;
    double confidence = 0.95, tolerance = 0.25;
    uint64_t interval = 0, delay = 0;
    long long count = 0;
    an->pass_score = 95;
    an->marginal_score = 75;
    if (f[0])
        ok &= convoy__number(b, f[0], 0, 100, &an->pass_score);
    if (f[1])
        ok &= convoy__number(b, f[1], 0, 100, &an->marginal_score);
    if (ok && an->marginal_score > an->pass_score) {
        convoy__report(b->d, CONVOY_P_RANGE, f[1] ? f[1] : node, 0,
                       "\"marginal\" (%g) must not be above \"pass\" (%g)", an->marginal_score,
                       an->pass_score);
        ok = 0;
    }
    if (f[2]) {
        if (!cJSON_IsObject(f[2])) {
            convoy__report(b->d, CONVOY_P_TYPE, f[2], 0,
                           "\"groups\" must be an object of group name -> weight");
            ok = 0;
        } else {
            double sum = 0, w;
            for (const cJSON *g = f[2]->child; g; g = g->next) {
                if (!convoy__valid_name(g->string)) {
                    convoy__report(b->d, CONVOY_P_NAME, g, 1, "invalid group name \"%.64s\"",
                                   g->string);
                    ok = 0;
                }
                if (!convoy__number(b, g, 0, 100, &w)) {
                    ok = 0;
                    continue;
                }
                sum += w;
                /* A declared group that no metric uses would silently score 100. */
                int used = 0;
                for (const cJSON *m = metrics ? metrics->child : NULL; m && !used; m = m->next) {
                    const cJSON *gs = cJSON_GetObjectItemCaseSensitive(m, "groups");
                    for (const cJSON *x = cJSON_IsArray(gs) ? gs->child : NULL; x; x = x->next)
                        used |= cJSON_IsString(x) && strcmp(x->valuestring, g->string) == 0;
                }
                if (!used) {
                    convoy__report(b->d, CONVOY_P_EMPTY, g, 1, "no metric is in group \"%s\"",
                                   g->string);
                    ok = 0;
                }
            }
            if (sum > 100.0 + 1e-9) {
                convoy__report(b->d, CONVOY_P_RANGE, f[2], 0,
                               "group weights add up to %g, more than 100", sum);
                ok = 0;
            }
        }
    }
    if (f[3]) {
        ok &= convoy__number(b, f[3], 0, 1, &confidence);
        if (ok && (confidence <= 0 || confidence >= 1)) {
            convoy__report(b->d, CONVOY_P_RANGE, f[3], 0,
                           "\"confidence\" must be strictly between 0 and 1");
            ok = 0;
        }
    }
    if (f[4])
        ok &= convoy__number(b, f[4], 0, 1e12, &tolerance);
    if (f[5])
        ok &= convoy__duration(b, f[5], &interval);
    if (f[6])
        ok &= convoy__int(b, f[6], 1, 1000000, &count);
    if (f[7])
        ok &= convoy__duration(b, f[7], &delay);
    if (!ok)
        return 0;
    an->judge_interval_ms = interval;
    an->judge_initial_delay_ms = delay;
    an->judge_count = (uint32_t)count;
    char ibuf[32], dbuf[32];
    convoy__format_duration(ibuf, sizeof ibuf, interval);
    convoy__format_duration(dbuf, sizeof dbuf, delay);
    convoy__buf j = {0};
    convoy__buf_puts(&j, "{\"pass\":");
    convoy__json_put_number(&j, an->pass_score);
    convoy__buf_puts(&j, ",\"marginal\":");
    convoy__json_put_number(&j, an->marginal_score);
    convoy__buf_puts(&j, ",\"groups\":");
    if (f[2])
        convoy__json_put_canonical(&j, f[2]);
    else
        convoy__buf_puts(&j, "{}");
    convoy__buf_puts(&j, ",\"confidence\":");
    convoy__json_put_number(&j, confidence);
    convoy__buf_puts(&j, ",\"tolerance\":");
    convoy__json_put_number(&j, tolerance);
    if (interval)
        convoy__buf_printf(&j, ",\"interval\":\"%s\"", ibuf);
    if (count)
        convoy__buf_printf(&j, ",\"count\":%lld", count);
    if (delay)
        convoy__buf_printf(&j, ",\"initial_delay\":\"%s\"", dbuf);
    convoy__buf_putc(&j, '}');
    an->judge_json = convoy__keep(b, &j);
    return !b->oom;
}

int convoy__build_analysis(convoy__build *b, convoy_analysis *an, const char *name,
                           const cJSON *node)
{
    static const char *const keys[] = {"metrics", "judge"};
    const cJSON *f[2];
    an->name = convoy__dup(b, name);
    an->kind = CONVOY_ANALYSIS_MEASUREMENT;
    if (!convoy__fields(b, node, "an analysis", keys, 2, f))
        return 0;
    int ok = 1;
    if (f[1]) {
        an->kind = CONVOY_ANALYSIS_JUDGE;
        ok &= build_judge(b, an, f[1], cJSON_IsArray(f[0]) ? f[0] : NULL);
    }
    if (!f[0]) {
        convoy__report(b->d, CONVOY_P_MISSING, node, 0, "analysis \"%s\" needs \"metrics\"", name);
        return 0;
    }
    if (!cJSON_IsArray(f[0])) {
        convoy__report(b->d, CONVOY_P_TYPE, f[0], 0, "\"metrics\" must be an array");
        return 0;
    }
    size_t n = (size_t)cJSON_GetArraySize(f[0]);
    if (n == 0) {
        convoy__report(b->d, CONVOY_P_EMPTY, f[0], 0, "analysis \"%s\" has no metrics", name);
        return 0;
    }
    an->metrics = convoy__alloc(b, n, sizeof *an->metrics);
    if (!an->metrics)
        return 0;
    an->n_metrics = n;
    size_t i = 0;
    for (const cJSON *c = f[0]->child; c; c = c->next, i++) {
        if (!build_metric(b, &an->metrics[i], c, an->kind == CONVOY_ANALYSIS_JUDGE)) {
            ok = 0;
            continue;
        }
        for (size_t k = 0; k < i; k++) {
            if (an->metrics[k].name && strcmp(an->metrics[k].name, an->metrics[i].name) == 0) {
                convoy__report(b->d, CONVOY_P_DUPLICATE, cJSON_GetObjectItemCaseSensitive(c, "name"),
                               0, "analysis \"%s\" has two metrics named \"%s\"", name,
                               an->metrics[i].name);
                ok = 0;
                break;
            }
        }
    }
    return ok && !b->oom;
}

static char **dup_list(convoy__build *b, char **src, size_t n)
{
    if (!n)
        return NULL;
    char **out = convoy__alloc(b, n, sizeof *out);
    for (size_t i = 0; out && i < n; i++)
        out[i] = convoy__dup(b, src[i]);
    return out;
}

static convoy__criterion *dup_parsed(convoy__build *b, const convoy__criterion *src, size_t n)
{
    if (!n || !src)
        return NULL;
    convoy__criterion *out = convoy__alloc(b, n, sizeof *out);
    if (out)
        memcpy(out, src, n * sizeof *out);
    return out;
}

int convoy__analysis_copy(convoy__build *b, convoy_analysis *dst, const convoy_analysis *src)
{
    *dst = *src;
    dst->name = convoy__dup(b, src->name);
    dst->judge_json = convoy__dup(b, src->judge_json);
    dst->metrics = convoy__alloc(b, src->n_metrics, sizeof *dst->metrics);
    if (!dst->metrics) {
        dst->n_metrics = 0;
        return 0;
    }
    for (size_t i = 0; i < src->n_metrics; i++) {
        const convoy_metric *s = &src->metrics[i];
        convoy_metric *m = &dst->metrics[i];
        *m = *s;
        m->name = convoy__dup(b, s->name);
        m->provider = convoy__dup(b, s->provider);
        m->provider_json = convoy__dup(b, s->provider_json);
        m->judge_json = convoy__dup(b, s->judge_json);
        m->success = dup_list(b, s->success, s->n_success);
        m->failure = dup_list(b, s->failure, s->n_failure);
        m->success_parsed = dup_parsed(b, s->success_parsed, s->n_success);
        m->failure_parsed = dup_parsed(b, s->failure_parsed, s->n_failure);
    }
    return !b->oom;
}
