/* Canonical JSON of a plan: everything expanded and explicit, keys in a
 * fixed order, so parse(serialise(p)) == p and serialising again gives the
 * same bytes. */
#include <cjson/cJSON.h>
#include <string.h>

#include "canon.h"
#include "core/arena.h"
#include "json_tree.h"
#include "core/alloc.h"
#include "core/error.h"
#include "model.h"
#include "values.h"

static void put_duration(convoy__buf *b, uint64_t ms)
{
    char tmp[48];
    convoy__format_duration(tmp, sizeof tmp, ms);
    convoy__json_put_string(b, tmp);
}

static void put_weight(convoy__buf *b, uint32_t bp)
{
    char tmp[16];
    convoy__format_weight(tmp, sizeof tmp, bp);
    convoy__buf_puts(b, tmp);
}

static void put_criteria(convoy__buf *b, const char *key, char **list, size_t n)
{
    if (!n)
        return;
    convoy__buf_printf(b, ",\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        if (i)
            convoy__buf_putc(b, ',');
        convoy__json_put_string(b, list[i] ? list[i] : "");
    }
    convoy__buf_putc(b, ']');
}

/* Appends the members of a canonical object text, without its braces. */
static void put_members(convoy__buf *b, const char *object_json)
{
    size_t n = strlen(object_json);
    if (n > 2) {
        convoy__buf_putc(b, ',');
        convoy__buf_append(b, object_json + 1, n - 2);
    }
}

static void put_metric(convoy__buf *b, const convoy_metric *m)
{
    convoy__buf_puts(b, "{\"name\":");
    convoy__json_put_string(b, m->name);
    convoy__buf_puts(b, ",\"provider\":{");
    convoy__json_put_string(b, m->provider);
    convoy__buf_printf(b, ":%s}", m->provider_json);
    if (m->interval_ms) {
        convoy__buf_puts(b, ",\"interval\":");
        put_duration(b, m->interval_ms);
    }
    if (m->count)
        convoy__buf_printf(b, ",\"count\":%u", m->count);
    if (m->initial_delay_ms) {
        convoy__buf_puts(b, ",\"initial_delay\":");
        put_duration(b, m->initial_delay_ms);
    }
    if (m->judge_json) {
        put_members(b, m->judge_json);
    } else {
        put_criteria(b, "success", m->success, m->n_success);
        put_criteria(b, "failure", m->failure, m->n_failure);
        if (m->has_min) {
            convoy__buf_puts(b, ",\"min\":");
            convoy__json_put_number(b, m->min);
        }
        if (m->has_max) {
            convoy__buf_puts(b, ",\"max\":");
            convoy__json_put_number(b, m->max);
        }
        convoy__buf_printf(b,
                           ",\"failure_limit\":%d,\"inconclusive_limit\":%d,"
                           "\"consecutive_error_limit\":%d,\"dry_run\":%s",
                           (int)m->failure_limit, (int)m->inconclusive_limit,
                           (int)m->consecutive_error_limit, m->dry_run ? "true" : "false");
    }
    convoy__buf_putc(b, '}');
}

static void put_analysis(convoy__buf *b, const convoy_analysis *an)
{
    convoy__buf_puts(b, "{\"metrics\":[");
    for (size_t i = 0; i < an->n_metrics; i++) {
        if (i)
            convoy__buf_putc(b, ',');
        put_metric(b, &an->metrics[i]);
    }
    convoy__buf_putc(b, ']');
    if (an->judge_json)
        convoy__buf_printf(b, ",\"judge\":%s", an->judge_json);
    convoy__buf_putc(b, '}');
}

static void put_step(convoy__buf *b, const convoy_step *st)
{
    switch (st->kind) {
    case CONVOY_STEP_SET_WEIGHT:
        convoy__buf_puts(b, "{\"set_weight\":");
        put_weight(b, st->weight_bp);
        break;
    case CONVOY_STEP_SET_MIRROR:
        convoy__buf_puts(b, "{\"set_mirror\":");
        put_weight(b, st->mirror_bp);
        break;
    case CONVOY_STEP_PAUSE:
        convoy__buf_puts(b, "{\"pause\":");
        put_duration(b, st->duration_ms);
        break;
    case CONVOY_STEP_APPROVAL:
        convoy__buf_puts(b, "{\"pause\":{\"approval\":true");
        if (st->timeout_ms) {
            convoy__buf_puts(b, ",\"timeout\":");
            put_duration(b, st->timeout_ms);
        }
        convoy__buf_putc(b, '}');
        break;
    case CONVOY_STEP_ANALYSIS:
        convoy__buf_puts(b, "{\"analysis\":");
        convoy__json_put_string(b, st->analysis_name);
        break;
    case CONVOY_STEP_WEBHOOK:
        convoy__buf_printf(b, "{\"webhook\":%s", st->webhook_json);
        break;
    default:
        convoy__buf_putc(b, '{');
        break;
    }
    convoy__buf_putc(b, '}');
}

static void put_optional_string(convoy__buf *b, const char *key, const char *value)
{
    if (!value)
        return;
    convoy__buf_printf(b, ",\"%s\":", key);
    convoy__json_put_string(b, value);
}

static void put_service(convoy__buf *b, const convoy_plan *plan, const convoy_service *svc)
{
    convoy__buf_puts(b, "{\"name\":");
    convoy__json_put_string(b, svc->name);
    put_optional_string(b, "owner", svc->owner);
    put_optional_string(b, "description", svc->description);
    convoy__buf_puts(b, ",\"depends_on\":[");
    for (size_t i = 0; i < svc->n_deps; i++) {
        const char *dep = plan->services[svc->deps[i]].name;
        if (i)
            convoy__buf_putc(b, ',');
        if (svc->dep_steps[i] < 0) {
            convoy__json_put_string(b, dep);
        } else {
            convoy__buf_puts(b, "{\"service\":");
            convoy__json_put_string(b, dep);
            convoy__buf_printf(b, ",\"step\":%d}", (int)svc->dep_steps[i]);
        }
    }
    convoy__buf_putc(b, ']');
    put_optional_string(b, "baseline", svc->baseline);
    put_optional_string(b, "candidate", svc->candidate);
    convoy__buf_puts(b, ",\"steps\":[");
    for (size_t i = 0; i < svc->n_steps; i++) {
        if (i)
            convoy__buf_putc(b, ',');
        put_step(b, &svc->steps[i]);
    }
    convoy__buf_putc(b, ']');
    if (svc->traffic_json)
        convoy__buf_printf(b, ",\"traffic\":%s", svc->traffic_json);
    if (svc->webhooks_json)
        convoy__buf_printf(b, ",\"webhooks\":%s", svc->webhooks_json);
    if (svc->background && svc->background->analysis_name) {
        convoy__buf_puts(b, ",\"background_analysis\":");
        convoy__json_put_string(b, svc->background->analysis_name);
    }
    convoy__buf_putc(b, '}');
}

static void put_plan(convoy__buf *b, const convoy_plan *plan)
{
    static const char *const modes[] = {"automatic", "manual"};
    static const char *const scopes[] = {"service", "dependents", "all"};
    static const char *const inconclusive[] = {"hold", "rollback"};
    convoy__buf_puts(b, "{\"name\":");
    convoy__json_put_string(b, plan->name);
    put_optional_string(b, "description", plan->description);
    convoy__buf_printf(b, ",\"max_parallel\":%u", plan->max_parallel);
    convoy__buf_printf(b,
                       ",\"rollback\":{\"mode\":\"%s\",\"scope\":\"%s\",\"on_inconclusive\":\"%s\","
                       "\"retry\":{\"attempts\":%u,\"backoff\":",
                       modes[plan->rollback_mode], scopes[plan->rollback_scope],
                       inconclusive[plan->rollback_on_inconclusive], plan->retry_attempts);
    put_duration(b, plan->retry_backoff_ms);
    convoy__buf_puts(b, "}}");
    if (plan->failure_budget_json)
        convoy__buf_printf(b, ",\"failure_budget\":%s", plan->failure_budget_json);
    if (plan->policies_json)
        convoy__buf_printf(b, ",\"policies\":%s", plan->policies_json);
    convoy__buf_puts(b, ",\"analyses\":{");
    for (size_t i = 0; i < plan->n_analyses; i++) {
        if (i)
            convoy__buf_putc(b, ',');
        convoy__json_put_string(b, plan->analyses[i].name);
        convoy__buf_putc(b, ':');
        put_analysis(b, &plan->analyses[i]);
    }
    convoy__buf_puts(b, "},\"services\":[");
    for (size_t i = 0; i < plan->n_services; i++) {
        if (i)
            convoy__buf_putc(b, ',');
        put_service(b, plan, &plan->services[i]);
    }
    convoy__buf_puts(b, "]}");
}

int convoy_plan_to_json(char **out, size_t *len_out, const convoy_plan *plan, uint32_t flags)
{
    if (out)
        *out = NULL;
    if (len_out)
        *len_out = 0;
    if (!out || !plan)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_plan_to_json: NULL argument");
    convoy__buf b = {0};
    put_plan(&b, plan);
    size_t len = b.len;
    char *text = convoy__buf_take(&b);
    if (!text)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory serialising the plan");
    if (flags & CONVOY_JSON_PRETTY) {
        /* Our own writer made the text, so it is valid JSON: build the tree
         * without cJSON_Parse (whose error state is process-wide) and let
         * cJSON indent it. */
        convoy__arena arena = {0};
        cJSON *tree = convoy__json_tree(&arena, text, len);
        char *pretty = tree ? cJSON_Print(tree) : NULL;
        convoy__arena_free(&arena);
        convoy__dealloc(text);
        if (!pretty)
            return convoy__fail(CONVOY_E_NOMEM, "out of memory serialising the plan");
        len = strlen(pretty);
        text = convoy__strndup(pretty, len);
        cJSON_free(pretty);
        if (!text)
            return convoy__fail(CONVOY_E_NOMEM, "out of memory serialising the plan");
    }
    *out = text;
    if (len_out)
        *len_out = len;
    return CONVOY_OK;
}
