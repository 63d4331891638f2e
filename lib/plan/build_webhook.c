/* Webhooks (Flagger kinds), as steps and in a service's `webhooks`. */
#include <string.h>

#include "build.h"
#include "canon.h"
#include "values.h"

static const char *const WEBHOOK_TYPES[] = {
    "confirm-rollout", "pre-rollout",  "rollout", "confirm-traffic-increase",
    "confirm-promotion", "post-rollout", "rollback", "event",
};
static const char *const METHODS[] = {"GET", "POST"};

static int valid_url(const char *u)
{
    return (strncmp(u, "http://", 7) == 0 && u[7]) || (strncmp(u, "https://", 8) == 0 && u[8]);
}

static int check_string_map(convoy__build *b, const cJSON *node, int allow_env)
{
    int ok = 1;
    if (!cJSON_IsObject(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0, "\"%s\" must be an object of strings",
                       node->string);
        return 0;
    }
    for (const cJSON *c = node->child; c; c = c->next) {
        if (cJSON_IsString(c))
            continue;
        if (allow_env && cJSON_IsObject(c)) {
            ok &= convoy__is_env_ref(b, c);
            continue;
        }
        convoy__report(b->d, CONVOY_P_TYPE, c, 0, "\"%s\" must be a string%s", c->string,
                       allow_env ? " or {\"env\": \"VARIABLE\"}" : "");
        ok = 0;
    }
    return ok;
}

int convoy__parse_webhook(convoy__build *b, const cJSON *node, convoy_step *st)
{
    static const char *const keys[] = {"name",    "url",     "type",    "timeout",
                                       "method",  "metadata", "headers", "insecure_skip_verify"};
    const cJSON *f[COUNT_OF(keys)];
    if (!convoy__fields(b, node, "a webhook", keys, COUNT_OF(keys), f))
        return 0;
    int ok = 1;
    const char *name = NULL, *url = NULL;
    int type = 2, method = 1, insecure = 0;
    st->timeout_ms = 10000; /* Flagger's default */
    if (!f[0]) {
        convoy__report(b->d, CONVOY_P_MISSING, node, 0, "a webhook needs a \"name\"");
        ok = 0;
    } else if (!(name = convoy__name(b, f[0]))) {
        ok = 0;
    }
    if (!f[1]) {
        convoy__report(b->d, CONVOY_P_MISSING, node, 0, "a webhook needs a \"url\"");
        ok = 0;
    } else if ((url = convoy__string(b, f[1], 0)) && !valid_url(url)) {
        convoy__report(b->d, CONVOY_P_RANGE, f[1], 0,
                       "\"url\" must be an http:// or https:// URL");
        ok = 0;
        url = NULL;
    } else if (!url) {
        ok = 0;
    }
    if (f[2] && (type = convoy__enum(b, f[2], WEBHOOK_TYPES, COUNT_OF(WEBHOOK_TYPES))) < 0)
        ok = 0;
    if (f[3] && !convoy__duration(b, f[3], &st->timeout_ms))
        ok = 0;
    if (f[4] && (method = convoy__enum(b, f[4], METHODS, COUNT_OF(METHODS))) < 0)
        ok = 0;
    if (f[5] && !check_string_map(b, f[5], 0))
        ok = 0;
    if (f[6]) {
        if (!check_string_map(b, f[6], 1))
            ok = 0;
        convoy__check_secrets(b, f[6]);
    }
    if (f[7] && !convoy__bool(b, f[7], &insecure))
        ok = 0;
    if (!ok)
        return 0;

    char timeout[32];
    convoy__format_duration(timeout, sizeof timeout, st->timeout_ms);
    convoy__buf j = {0};
    convoy__buf_puts(&j, "{\"name\":");
    convoy__json_put_string(&j, name);
    convoy__buf_puts(&j, ",\"url\":");
    convoy__json_put_string(&j, url);
    convoy__buf_printf(&j, ",\"type\":\"%s\",\"timeout\":\"%s\",\"method\":\"%s\"",
                       WEBHOOK_TYPES[type], timeout, METHODS[method]);
    if (f[5]) {
        convoy__buf_puts(&j, ",\"metadata\":");
        convoy__json_put_canonical(&j, f[5]);
    }
    if (f[6]) {
        convoy__buf_puts(&j, ",\"headers\":");
        convoy__json_put_canonical(&j, f[6]);
    }
    convoy__buf_printf(&j, ",\"insecure_skip_verify\":%s}", insecure ? "true" : "false");
    st->webhook_json = convoy__keep(b, &j);
    st->webhook_name = convoy__dup(b, name);
    st->webhook_url = convoy__dup(b, url);
    st->webhook_type = WEBHOOK_TYPES[type]; /* static */
    return !b->oom;
}
