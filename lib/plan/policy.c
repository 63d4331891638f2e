/* Policy as code: rules a plan must satisfy before it may start. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "build.h"
#include "canon.h"
#include "values.h"

typedef struct rules {
    int has_jump, has_before, has_metric, rollback_automatic, owner_required;
    uint32_t jump_bp, before_bp, metric_min_bp;
    long long max_per_wave;
    pcre2_code *metric_re;
    const char *metric_pattern;
} rules;

static int parse_required_metric(convoy__build *b, const cJSON *node, rules *r)
{
    const cJSON *pattern = node;
    r->metric_min_bp = 1;
    if (cJSON_IsObject(node)) {
        static const char *const keys[] = {"pattern", "min_weight"};
        const cJSON *f[2];
        convoy__fields(b, node, "\"required_metric\"", keys, 2, f);
        if (f[1] && !convoy__weight(b, f[1], &r->metric_min_bp))
            return 0;
        if (!f[0]) {
            convoy__report(b->d, CONVOY_P_MISSING, node, 0, "\"required_metric\" needs \"pattern\"");
            return 0;
        }
        pattern = f[0];
    }
    const char *s = convoy__string(b, pattern, 0);
    if (!s)
        return 0;
    int err;
    PCRE2_SIZE offset;
    r->metric_re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err, &offset, NULL);
    if (!r->metric_re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof msg);
        convoy__report(b->d, CONVOY_P_REGEX, pattern, 0, "invalid regex at character %zu: %s",
                       (size_t)offset + 1, (const char *)msg);
        return 0;
    }
    r->metric_pattern = s;
    return 1;
}

static int parse_rules(convoy__build *b, const cJSON *node, rules *r)
{
    static const char *const keys[] = {"max_weight_jump", "analysis_before_weight",
                                       "required_metric", "rollback_automatic",
                                       "owner_required",  "max_services_per_wave"};
    const cJSON *f[COUNT_OF(keys)];
    if (!convoy__fields(b, node, "policies", keys, COUNT_OF(keys), f))
        return 0;
    int ok = 1;
    if (f[0])
        ok &= r->has_jump = convoy__weight(b, f[0], &r->jump_bp);
    if (f[1])
        ok &= r->has_before = convoy__weight(b, f[1], &r->before_bp);
    if (f[2])
        ok &= r->has_metric = parse_required_metric(b, f[2], r);
    if (f[3])
        ok &= convoy__bool(b, f[3], &r->rollback_automatic);
    if (f[4])
        ok &= convoy__bool(b, f[4], &r->owner_required);
    if (f[5])
        ok &= convoy__int(b, f[5], 1, 1000000, &r->max_per_wave);
    return ok;
}

static int metric_matches(const rules *r, const convoy_analysis *an, pcre2_match_data *md)
{
    for (size_t m = 0; m < an->n_metrics; m++) {
        const char *name = an->metrics[m].name;
        if (name && pcre2_match(r->metric_re, (PCRE2_SPTR)name, strlen(name), 0, 0, md, NULL) >= 0)
            return 1;
    }
    return 0;
}

static void check_service(convoy__build *b, const rules *r, size_t s, pcre2_match_data *md)
{
    const convoy_service *svc = &b->plan->services[s];
    const convoy__svc_build *sb = &b->sb[s];
    char w1[16], w2[16];
    if (r->owner_required && !svc->owner)
        convoy__report(b->d, CONVOY_P_POLICY_OWNER, sb->node, 0,
                       "policy owner_required: service \"%s\" has no owner", svc->name);
    if (!sb->schedule_ok || !sb->step_origin)
        return;
    uint32_t prev = 0;
    int analysed = 0;
    for (size_t i = 0; i < svc->n_steps; i++) {
        const convoy_step *st = &svc->steps[i];
        const cJSON *at = sb->step_origin[i];
        if (st->kind == CONVOY_STEP_SET_WEIGHT) {
            if (r->has_jump && st->weight_bp > prev && st->weight_bp - prev > r->jump_bp) {
                convoy__format_weight(w1, sizeof w1, st->weight_bp - prev);
                convoy__format_weight(w2, sizeof w2, r->jump_bp);
                convoy__report(b->d, CONVOY_P_POLICY_WEIGHT_JUMP, at, 0,
                               "policy max_weight_jump: service \"%s\" step %zu raises the weight "
                               "by %s, more than %s",
                               svc->name, i, w1, w2);
            }
            if (r->has_before && st->weight_bp > r->before_bp && !analysed) {
                convoy__format_weight(w1, sizeof w1, r->before_bp);
                convoy__report(b->d, CONVOY_P_POLICY_ANALYSIS_BEFORE, at, 0,
                               "policy analysis_before_weight: service \"%s\" step %zu goes above "
                               "%s%% before any analysis has run on live traffic",
                               svc->name, i, w1);
            }
            prev = st->weight_bp;
        } else if (st->kind == CONVOY_STEP_ANALYSIS && st->analysis) {
            if (st->weight_bp > 0)
                analysed = 1;
            if (r->has_metric && st->weight_bp > 0 && st->weight_bp >= r->metric_min_bp &&
                !metric_matches(r, st->analysis, md))
                convoy__report(b->d, CONVOY_P_POLICY_REQUIRED_METRIC, at, 0,
                               "policy required_metric: analysis \"%s\" gates service \"%s\" at "
                               "step %zu but has no metric matching /%s/",
                               st->analysis->name, svc->name, i, r->metric_pattern);
        }
    }
}

void convoy__check_policies(convoy__build *b)
{
    convoy_plan *plan = b->plan;
    if (!b->policies)
        return;
    rules r;
    memset(&r, 0, sizeof r);
    int ok = parse_rules(b, b->policies, &r);
    if (ok) {
        plan->policies_json = convoy__canonical(b, b->policies);
    }
    if (!ok || (b->opts->flags & CONVOY_PARSE_SKIP_POLICIES)) {
        pcre2_code_free(r.metric_re);
        return;
    }
    if (r.rollback_automatic && plan->rollback_mode != CONVOY_ROLLBACK_AUTOMATIC)
        convoy__report(b->d, CONVOY_P_POLICY_ROLLBACK_MODE,
                       b->rollback_mode_node ? b->rollback_mode_node : b->policies, 0,
                       "policy rollback_automatic: rollback mode must be \"automatic\"");
    pcre2_match_data *md = r.metric_re ? pcre2_match_data_create_from_pattern(r.metric_re, NULL) : NULL;
    if (r.metric_re && !md)
        b->oom = 1;
    for (size_t s = 0; s < plan->n_services && !b->oom; s++) {
        if (plan->services[s].name)
            check_service(b, &r, s, md);
    }
    if (r.max_per_wave && plan->wave_start) {
        for (size_t w = 0; w < plan->n_waves; w++) {
            size_t size = plan->wave_start[w + 1] - plan->wave_start[w];
            if (size <= (size_t)r.max_per_wave)
                continue;
            size_t first_over = plan->wave_order[plan->wave_start[w] + (size_t)r.max_per_wave];
            convoy__report(b->d, CONVOY_P_POLICY_WAVE_SIZE, b->sb[first_over].node, 0,
                           "policy max_services_per_wave: wave %zu has %zu services, more than %lld "
                           "(from \"%s\" on)",
                           w, size, r.max_per_wave, plan->services[first_over].name);
        }
    }
    pcre2_match_data_free(md);
    pcre2_code_free(r.metric_re);
}
