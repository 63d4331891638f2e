/* Generic checks of JSON values against the plan grammar. Each reports at
 * the node it was given and returns failure; callers carry on so that every
 * problem in the document is found in one pass. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "build.h"
#include "canon.h"
#include "core/alloc.h"
#include "values.h"
#include "json_tree.h"

void *convoy__alloc(convoy__build *b, size_t count, size_t size)
{
    void *p = NULL;
    if (!size || count <= SIZE_MAX / size)
        p = convoy__arena_alloc(&b->plan->arena, count * size);
    if (!p)
        b->oom = 1;
    return p;
}

void *convoy__temp(convoy__build *b, size_t count, size_t size)
{
    void *p = convoy__calloc(count ? count : 1, size);
    if (!p)
        b->oom = 1;
    return p;
}

char *convoy__dup(convoy__build *b, const char *s)
{
    if (!s)
        return NULL;
    char *p = convoy__arena_strndup(&b->plan->arena, s, strlen(s));
    if (!p)
        b->oom = 1;
    return p;
}

char *convoy__keep(convoy__build *b, convoy__buf *buf)
{
    char *p = NULL;
    if (!buf->failed)
        p = convoy__arena_strndup(&b->plan->arena, buf->data ? buf->data : "", buf->len);
    if (!p)
        b->oom = 1;
    convoy__buf_free(buf);
    return p;
}

char *convoy__canonical(convoy__build *b, const cJSON *node)
{
    b->scratch.len = 0;
    convoy__json_put_canonical(&b->scratch, node);
    char *p = NULL;
    if (!b->scratch.failed)
        p = convoy__arena_strndup(&b->plan->arena, b->scratch.data, b->scratch.len);
    if (!p)
        b->oom = 1;
    return p;
}

int convoy__fields(convoy__build *b, const cJSON *obj, const char *what,
                   const char *const *keys, size_t n, const cJSON **found)
{
    for (size_t i = 0; i < n; i++)
        found[i] = NULL;
    if (!cJSON_IsObject(obj)) {
        convoy__report(b->d, CONVOY_P_TYPE, obj, 0, "%s must be an object, not %s", what,
                       convoy__json_type_name(obj));
        return 0;
    }
    for (const cJSON *c = obj->child; c; c = c->next) {
        size_t i;
        for (i = 0; i < n; i++) {
            if (c->string[0] == keys[i][0] && strcmp(c->string, keys[i]) == 0)
                break;
        }
        if (i == n) {
            const char *hint = convoy__suggest(c->string, keys, n);
            if (hint)
                convoy__report(b->d, CONVOY_P_UNKNOWN_KEY, c, 1,
                               "unknown key \"%s\" in %s; did you mean \"%s\"?", c->string, what,
                               hint);
            else
                convoy__report(b->d, CONVOY_P_UNKNOWN_KEY, c, 1, "unknown key \"%s\" in %s",
                               c->string, what);
        } else if (found[i]) {
            convoy__report(b->d, CONVOY_P_DUPLICATE_KEY, c, 1,
                           "key \"%s\" appears more than once in %s", c->string, what);
        } else {
            found[i] = c;
        }
    }
    return 1;
}

const char *convoy__string(convoy__build *b, const cJSON *node, int allow_empty)
{
    if (!cJSON_IsString(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0, "\"%s\" must be a string, not %s",
                       node->string ? node->string : "value", convoy__json_type_name(node));
        return NULL;
    }
    if (!allow_empty && !node->valuestring[0]) {
        convoy__report(b->d, CONVOY_P_EMPTY, node, 0, "\"%s\" must not be empty",
                       node->string ? node->string : "value");
        return NULL;
    }
    return node->valuestring;
}

int convoy__bool(convoy__build *b, const cJSON *node, int *out)
{
    if (!cJSON_IsBool(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0, "\"%s\" must be true or false, not %s",
                       node->string ? node->string : "value", convoy__json_type_name(node));
        return 0;
    }
    *out = cJSON_IsTrue(node) ? 1 : 0;
    return 1;
}

int convoy__number(convoy__build *b, const cJSON *node, double min, double max, double *out)
{
    if (!cJSON_IsNumber(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0, "\"%s\" must be a number, not %s",
                       node->string ? node->string : "value", convoy__json_type_name(node));
        return 0;
    }
    double v = node->valuedouble;
    if (!(v >= min && v <= max)) {
        convoy__report(b->d, CONVOY_P_RANGE, node, 0, "\"%s\" must be between %g and %g, not %g",
                       node->string ? node->string : "value", min, max, v);
        return 0;
    }
    *out = v;
    return 1;
}

int convoy__int(convoy__build *b, const cJSON *node, long long min, long long max,
                long long *out)
{
    if (!cJSON_IsNumber(node) || node->valuedouble != floor(node->valuedouble)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0, "\"%s\" must be a whole number, not %s",
                       node->string ? node->string : "value",
                       cJSON_IsNumber(node) ? "a fraction" : convoy__json_type_name(node));
        return 0;
    }
    double v = node->valuedouble;
    if (v < (double)min || v > (double)max) {
        convoy__report(b->d, CONVOY_P_RANGE, node, 0,
                       "\"%s\" must be between %lld and %lld, not %.0f",
                       node->string ? node->string : "value", min, max, v);
        return 0;
    }
    *out = (long long)v;
    return 1;
}

int convoy__duration(convoy__build *b, const cJSON *node, uint64_t *ms)
{
    const char *why;
    if (!cJSON_IsString(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0,
                       "\"%s\" must be a duration string such as \"30s\" or \"5m\", not %s",
                       node->string ? node->string : "value", convoy__json_type_name(node));
        return 0;
    }
    if (convoy__parse_duration(ms, &why, node->valuestring) != 0) {
        convoy__report(b->d, CONVOY_P_DURATION, node, 0, "invalid duration \"%s\": %s",
                       node->valuestring, why);
        return 0;
    }
    return 1;
}

int convoy__weight(convoy__build *b, const cJSON *node, uint32_t *bp)
{
    const char *what = node->string ? node->string : "weight";
    if (!cJSON_IsNumber(node)) {
        convoy__report(b->d, CONVOY_P_TYPE, node, 0,
                       "\"%s\" must be a number (a percentage 0-100), not %s", what,
                       convoy__json_type_name(node));
        return 0;
    }
    int rc = convoy__weight_bp(bp, node->valuedouble);
    if (rc == CONVOY_P_RANGE) {
        convoy__report(b->d, rc, node, 0, "\"%s\" must be a percentage between 0 and 100, not %g",
                       what, node->valuedouble);
        return 0;
    }
    if (rc == CONVOY_P_PRECISION) {
        convoy__report(b->d, rc, node, 0,
                       "\"%s\" has more than two decimals (%.10g); weights are held in "
                       "basis points",
                       what, node->valuedouble);
        return 0;
    }
    return 1;
}

const char *convoy__name(convoy__build *b, const cJSON *node)
{
    const char *s = convoy__string(b, node, 0);
    if (!s)
        return NULL;
    if (!convoy__valid_name(s)) {
        convoy__report(b->d, CONVOY_P_NAME, node, 0,
                       "invalid name \"%.64s\": use 1-253 letters, digits, '.', '_' or '-', "
                       "starting with a letter or digit",
                       s);
        return NULL;
    }
    return s;
}

int convoy__enum(convoy__build *b, const cJSON *node, const char *const *values, size_t n)
{
    const char *s = convoy__string(b, node, 1);
    if (!s)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s, values[i]) == 0)
            return (int)i;
    }
    char list[256] = "";
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s\"%s\"", i ? ", " : "", values[i]);
    }
    const char *hint = convoy__suggest(s, values, n);
    if (hint)
        convoy__report(b->d, CONVOY_P_ENUM, node, 0,
                       "\"%s\" must be one of %s, not \"%.64s\"; did you mean \"%s\"?",
                       node->string ? node->string : "value", list, s, hint);
    else
        convoy__report(b->d, CONVOY_P_ENUM, node, 0, "\"%s\" must be one of %s, not \"%.64s\"",
                       node->string ? node->string : "value", list, s);
    return -1;
}

static int looks_secret(const char *key)
{
    static const char *const words[] = {"authorization", "token", "secret", "password",
                                        "passwd", "api_key", "apikey", "api-key", "credential"};
    char lower[128];
    size_t n = strlen(key);
    if (n >= sizeof lower)
        n = sizeof lower - 1;
    for (size_t i = 0; i < n; i++)
        lower[i] = (char)tolower((unsigned char)key[i]);
    lower[n] = '\0';
    for (size_t i = 0; i < COUNT_OF(words); i++) {
        if (strstr(lower, words[i]))
            return 1;
    }
    /* "key" alone or as a word part ("x-api-key", "access_key"), not "keyspace" */
    size_t len = strlen(lower);
    return strcmp(lower, "key") == 0 ||
           (len > 4 && (strcmp(lower + len - 4, "-key") == 0 || strcmp(lower + len - 4, "_key") == 0));
}

int convoy__is_env_ref(convoy__build *b, const cJSON *node)
{
    if (!cJSON_IsObject(node))
        return 0;
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(node, "env");
    if (!env || node->child->next) {
        convoy__report(b->d, CONVOY_P_SECRET, node, 0,
                       "a secret reference must be exactly {\"env\": \"VARIABLE\"}");
        return 0;
    }
    const char *var = cJSON_IsString(env) ? env->valuestring : NULL;
    int ok = var && (isalpha((unsigned char)var[0]) || var[0] == '_');
    for (const char *p = var; ok && *p; p++)
        ok = isalnum((unsigned char)*p) || *p == '_';
    if (!ok) {
        convoy__report(b->d, CONVOY_P_SECRET, env, 0,
                       "\"env\" must name an environment variable ([A-Za-z_][A-Za-z0-9_]*)");
        return 0;
    }
    return 1;
}

void convoy__check_secrets(convoy__build *b, const cJSON *node)
{
    for (const cJSON *c = node ? node->child : NULL; c; c = c->next) {
        if (cJSON_IsObject(node) && c->string && looks_secret(c->string)) {
            if (cJSON_IsObject(c) && cJSON_GetObjectItemCaseSensitive(c, "env")) {
                convoy__is_env_ref(b, c);
                continue;
            }
            if (cJSON_IsString(c) || cJSON_IsNumber(c)) {
                convoy__report(b->d, CONVOY_P_SECRET, c, 0,
                               "\"%s\" looks like a secret: give it as {\"env\": \"VARIABLE\"}, "
                               "never literally",
                               c->string);
                continue;
            }
        }
        if (cJSON_IsObject(c) || cJSON_IsArray(c))
            convoy__check_secrets(b, c);
    }
}
