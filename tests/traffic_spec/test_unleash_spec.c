/*
 * test_unleash_spec - Convoy's sticky bucketing against the Unleash client
 * specification (the npm package @unleash/client-specification, installed
 * into .corpora/ by scripts/fetch-corpora.sh).
 *
 * usage: test_unleash_spec SPEC_DIR
 *
 * SPEC_DIR holds index.json (the list of spec files) and the files. For
 * every file, every toggle whose strategies Convoy's bucketing covers is
 * evaluated for every test case that names it:
 *
 *   - gradualRolloutUserId / gradualRolloutSessionId: key = context.userId /
 *     sessionId (absent or empty: not enabled), group = parameters.groupId
 *     (the Node SDK's default is "", not the toggle name), percentage =
 *     parameters.percentage;
 *   - flexibleRollout: group = parameters.groupId or the toggle name,
 *     percentage = parameters.rollout, key by parameters.stickiness:
 *     "default" (userId, else sessionId, else a random number), "userId",
 *     "sessionId", or a custom field (context[field], else
 *     context.properties[field]); no key: not enabled;
 *   - the "default" strategy is on (trivially covered, but a toggle needs at
 *     least one bucketing strategy to count);
 *   - strategies are OR-ed; enabled=false is not enabled.
 *
 * For every (group, key, percentage) the test checks REFERENCE.md section 5:
 * Unleash's decision percentage > 0 && convoy_unleash_normalize(group, key,
 * 100, 0) <= percentage and Convoy's decision convoy_bucket(group, key) <=
 * percentage * 100 must agree; when the group is a valid service name, a
 * router built from a one-service plan at that weight must route the key
 * the same way (and report the same bucket). The toggle's OR-ed decision
 * must equal the case's expectedResult.
 *
 * The "default" stickiness falls back to a random key when the context has
 * neither userId nor sessionId; such a case is evaluated only at rollout 0
 * or 100, where the outcome does not depend on the key (checked over 101
 * keys of the SDK's random form "1".."10001"); otherwise it is skipped.
 *
 * Skipped, with the reason printed per file: toggles with constraints,
 * segments, dependencies, other strategies (userWithId, remoteAddress,
 * gradualRolloutRandom...), no bucketing strategy at all, random
 * stickiness; cases naming toggles absent from the state.
 *
 * Variant tests (variantTests: 08-variants, 12-custom-stickiness, ...) are
 * checked too where they are pure bucketing: toggle-level variants without
 * overrides, a toggle whose enabled state this test covers (or whose only
 * strategies are "default" / none), a sticky key in the context. The
 * variant is the first whose cumulative weight reaches
 * convoy_unleash_normalize(toggle name, key, total weight, 86028157).
 *
 * Fails when SPEC_DIR or index.json is missing (CI fetches the corpus:
 * scripts/fetch-corpora.sh), when any check fails, or when fewer than
 * MIN_CASES enabled-cases or MIN_VARIANT_CASES variant cases ran (so that a
 * silently empty or restructured corpus fails too).
 */
#include <convoy/convoy.h>

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What @unleash/client-specification 6.1.0 gives (observed: 31 enabled
 * cases, 19 variant cases); a smaller number means the corpus changed
 * shape or the classification broke. */
#define MIN_CASES 31
#define MIN_VARIANT_CASES 19

#define VARIANT_SEED 86028157u

static int failures;

static void failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("  FAIL: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
    failures++;
}

/* ------------------------------------------------------------------------
 * Reasons for skipping, counted per file. */
#define MAX_REASONS 32
typedef struct tally {
    const char *reason[MAX_REASONS];
    int count[MAX_REASONS];
    int n;
} tally;

static void tally_add(tally *t, const char *reason)
{
    for (int i = 0; i < t->n; i++) {
        if (strcmp(t->reason[i], reason) == 0) {
            t->count[i]++;
            return;
        }
    }
    if (t->n < MAX_REASONS) {
        t->reason[t->n] = reason;
        t->count[t->n++] = 1;
    }
}

static void tally_print(const tally *t)
{
    for (int i = 0; i < t->n; i++)
        printf("%s%d %s", i ? ", " : " (", t->count[i], t->reason[i]);
    if (t->n)
        putchar(')');
}

/* Reasons are kept as pointers: those built at run time live in this pool. */
static char reason_pool[64][96];
static int reason_pool_n;
static const char *reasonf(const char *fmt, const char *arg)
{
    char tmp[96];
    snprintf(tmp, sizeof tmp, fmt, arg);
    for (int i = 0; i < reason_pool_n; i++)
        if (strcmp(reason_pool[i], tmp) == 0)
            return reason_pool[i];
    if (reason_pool_n == 64)
        return "other strategy";
    memcpy(reason_pool[reason_pool_n], tmp, sizeof tmp);
    return reason_pool[reason_pool_n++];
}

/* ------------------------------------------------------------------------
 * Files and JSON helpers. */

static char *read_file(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf = realloc(buf, len + 1);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

static cJSON *read_json(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = read_file(path, NULL);
    if (!text)
        return NULL;
    cJSON *doc = cJSON_Parse(text);
    free(text);
    return doc;
}

static int array_len(const cJSON *a)
{
    return cJSON_IsArray(a) ? cJSON_GetArraySize(a) : 0;
}

/* A parameter as a string ("50") or a number (50). */
static const char *param_str(const cJSON *params, const char *name, char *buf, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, name);
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsNumber(v)) {
        snprintf(buf, cap, "%.17g", v->valuedouble);
        return buf;
    }
    return NULL;
}

/* A whole percentage 0..100 (what Convoy's whole-percent agreement covers);
 * -1 when absent or not a whole number in range. */
static int parse_percentage(const char *s)
{
    if (!s || !*s)
        return -1;
    int v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9' || v > 1000)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return v <= 100 ? v : -1;
}

/* A context value as the Node SDK reads it: context[field], else
 * context.properties[field]; strings only (others are reported). Returns
 * NULL when absent, null or empty (the SDK treats "" as absent). */
static const char *context_value(const cJSON *ctx, const char *field, int *non_string)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctx, field);
    if (!v || cJSON_IsNull(v)) {
        const cJSON *props = cJSON_GetObjectItemCaseSensitive(ctx, "properties");
        v = cJSON_GetObjectItemCaseSensitive(props, field);
    }
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v)) {
        *non_string = 1;
        return NULL;
    }
    return v->valuestring[0] ? v->valuestring : NULL;
}

/* Plan names: 1-253 of A-Z a-z 0-9 . _ -, starting with a letter or digit. */
static int valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 253)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------
 * One bucketing decision, checked three ways. */

static int router_checks;

/* Routes `key` through a router whose one service is named `group`, at
 * `pct` percent; returns 1 (candidate) / 0, or -1 on an API error. */
static int route_in_router(const char *group, const char *key, int pct, uint32_t *bucket)
{
    char json[512];
    snprintf(json, sizeof json, "{\"name\": \"unleash-spec\", \"services\": [{\"name\": \"%s\"}]}",
             group);
    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse(&plan, NULL, json, strlen(json), NULL);
    if (rc != CONVOY_OK) {
        failf("plan for group '%s' does not parse: %s", group, convoy_strerror(rc));
        return -1;
    }
    convoy_router *router = NULL;
    uint32_t bp = (uint32_t)pct * 100u;
    rc = convoy_router_new(&router, plan, &bp, NULL, 1, NULL);
    convoy_plan_free(plan);
    if (rc != CONVOY_OK) {
        failf("convoy_router_new for group '%s': %s", group, convoy_strerror(rc));
        return -1;
    }
    convoy_request req = CONVOY_REQUEST_INIT;
    req.key = key;
    req.key_len = CONVOY_NTS;
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    rc = convoy_router_route(&res, router, 0, &req);
    convoy_router_free(router);
    if (rc != CONVOY_OK) {
        failf("convoy_router_route: %s", convoy_strerror(rc));
        return -1;
    }
    if (res.key_source != CONVOY_KEY_STICKY || res.rule != -1)
        failf("route of key '%s': key_source %d rule %d, expected sticky and -1", key,
              res.key_source, (int)res.rule);
    *bucket = res.bucket;
    router_checks++;
    return res.variant == CONVOY_VARIANT_CANDIDATE;
}

/* Unleash's decision for (group, key, pct), after checking that Convoy's
 * bucket (and router, when the group can name a service) agree. */
static int decide(const char *group, const char *key, int pct, const char *what)
{
    uint32_t norm = convoy_unleash_normalize(group, CONVOY_NTS, key, CONVOY_NTS, 100, 0);
    uint32_t bucket = convoy_bucket(group, CONVOY_NTS, key, CONVOY_NTS);
    int unleash = pct > 0 && norm <= (uint32_t)pct;
    int convoy = bucket <= (uint32_t)pct * 100u;
    if (norm < 1 || norm > 100 || bucket < 1 || bucket > 10000)
        failf("%s: out of range: normalize %u, bucket %u", what, norm, bucket);
    if (unleash != convoy)
        failf("%s: group '%s' key '%s' at %d%%: normalize %u says %s, bucket %u says %s", what,
              group, key, pct, norm, unleash ? "in" : "out", bucket, convoy ? "in" : "out");
    if (valid_name(group)) {
        uint32_t routed_bucket = 0;
        int routed = route_in_router(group, key, pct, &routed_bucket);
        if (routed >= 0 && (routed != convoy || routed_bucket != bucket))
            failf("%s: router says %s with bucket %u; convoy_bucket %u says %s", what,
                  routed ? "candidate" : "baseline", routed_bucket, bucket,
                  convoy ? "in" : "out");
    }
    return unleash;
}

/* ------------------------------------------------------------------------
 * Toggles. */

enum { KIND_DEFAULT, KIND_GRADUAL_USER, KIND_GRADUAL_SESSION, KIND_FLEXIBLE };

/* Why a toggle is not covered, or NULL when it is. */
static const char *toggle_skip_reason(const cJSON *toggle)
{
    const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(toggle, "enabled");
    if (cJSON_IsFalse(enabled))
        return NULL; /* covered: always off */
    if (array_len(cJSON_GetObjectItemCaseSensitive(toggle, "dependencies")) > 0)
        return "dependent feature";
    const cJSON *strategies = cJSON_GetObjectItemCaseSensitive(toggle, "strategies");
    if (array_len(strategies) == 0)
        return "no strategies";
    int bucketing = 0;
    const cJSON *s;
    cJSON_ArrayForEach(s, strategies)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "name");
        const char *n = cJSON_IsString(name) ? name->valuestring : "?";
        if (array_len(cJSON_GetObjectItemCaseSensitive(s, "constraints")) > 0)
            return "constraints";
        if (array_len(cJSON_GetObjectItemCaseSensitive(s, "segments")) > 0)
            return "segments";
        const cJSON *params = cJSON_GetObjectItemCaseSensitive(s, "parameters");
        char buf[64];
        if (strcmp(n, "default") == 0)
            continue;
        if (strcmp(n, "gradualRolloutUserId") == 0 || strcmp(n, "gradualRolloutSessionId") == 0) {
            if (parse_percentage(param_str(params, "percentage", buf, sizeof buf)) < 0)
                return "percentage not a whole number 0-100";
            bucketing++;
            continue;
        }
        if (strcmp(n, "flexibleRollout") == 0) {
            if (parse_percentage(param_str(params, "rollout", buf, sizeof buf)) < 0)
                return "rollout not a whole number 0-100";
            const char *st = param_str(params, "stickiness", buf, sizeof buf);
            if (st && strcmp(st, "random") == 0)
                return "random stickiness";
            bucketing++;
            continue;
        }
        return reasonf("strategy %s", n);
    }
    return bucketing ? NULL : "no bucketing strategy (default only)";
}

/* The SDK's random stickiness draws Math.round(Math.random() * 10000) + 1. */
static int decide_any_key(const char *group, int pct, const char *what)
{
    int first = -1;
    for (int r = 1; r <= 10001; r += 100) {
        char key[16];
        snprintf(key, sizeof key, "%d", r);
        int d = decide(group, key, pct, what);
        if (first < 0)
            first = d;
        else if (d != first)
            failf("%s: rollout %d%% decides differently for random keys", what, pct);
    }
    return first;
}

/* One strategy for one context: 1 on, 0 off, -1 not evaluable (reason set). */
static int eval_strategy(const cJSON *s, const char *toggle_name, const cJSON *ctx,
                         const char **why, int *keyless, const char *what)
{
    const char *n = cJSON_GetObjectItemCaseSensitive(s, "name")->valuestring;
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(s, "parameters");
    char pbuf[64], gbuf[64], sbuf[64];
    int non_string = 0;
    if (strcmp(n, "default") == 0)
        return 1;
    if (strcmp(n, "gradualRolloutUserId") == 0 || strcmp(n, "gradualRolloutSessionId") == 0) {
        int pct = parse_percentage(param_str(params, "percentage", pbuf, sizeof pbuf));
        const char *group = param_str(params, "groupId", gbuf, sizeof gbuf);
        const char *key = context_value(
            ctx, strcmp(n, "gradualRolloutUserId") == 0 ? "userId" : "sessionId", &non_string);
        if (non_string) {
            *why = "non-string context value";
            return -1;
        }
        if (!key)
            return 0;
        return decide(group ? group : "", key, pct, what);
    }
    if (strcmp(n, "flexibleRollout") != 0) {
        *why = "strategy not covered";
        return -1;
    }
    int pct = parse_percentage(param_str(params, "rollout", pbuf, sizeof pbuf));
    const char *group = param_str(params, "groupId", gbuf, sizeof gbuf);
    if (!group || !*group)
        group = toggle_name;
    const char *st = param_str(params, "stickiness", sbuf, sizeof sbuf);
    const char *key;
    if (!st || strcmp(st, "default") == 0) {
        key = context_value(ctx, "userId", &non_string);
        if (!key && !non_string)
            key = context_value(ctx, "sessionId", &non_string);
        if (!key && !non_string) {
            if (pct == 0 || pct == 100) {
                (*keyless)++;
                return decide_any_key(group, pct, what);
            }
            *why = "default stickiness without userId/sessionId (random key)";
            return -1;
        }
    } else {
        key = context_value(ctx, st, &non_string);
    }
    if (non_string) {
        *why = "non-string context value";
        return -1;
    }
    if (!key)
        return 0;
    return decide(group, key, pct, what);
}

/* The toggle's decision for a context: 1 / 0, or -1 (reason set). */
static int eval_toggle(const cJSON *toggle, const cJSON *ctx, const char **why, int *keyless,
                       const char *what)
{
    if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(toggle, "enabled")))
        return 0;
    const char *name = cJSON_GetObjectItemCaseSensitive(toggle, "name")->valuestring;
    const cJSON *strategies = cJSON_GetObjectItemCaseSensitive(toggle, "strategies");
    if (array_len(strategies) == 0)
        return 1; /* only reached for variant tests: no strategies means on */
    int any_unknown = 0;
    const cJSON *s;
    /* OR, evaluated fully so that every bucketing decision is checked. */
    int on = 0;
    cJSON_ArrayForEach(s, strategies)
    {
        int r = eval_strategy(s, name, ctx, why, keyless, what);
        if (r < 0)
            any_unknown = 1;
        else if (r)
            on = 1;
    }
    if (on)
        return 1;
    return any_unknown ? -1 : 0;
}

static const cJSON *find_toggle(const cJSON *features, const char *name)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, features)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(t, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return t;
    }
    return NULL;
}

/* ------------------------------------------------------------------------
 * Variants. */

/* Why a variant test is not pure bucketing, or NULL. */
static const char *variant_skip_reason(const cJSON *toggle)
{
    if (!cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(toggle, "enabled"))) {
        const char *r = toggle_skip_reason(toggle);
        if (r && strcmp(r, "no strategies") != 0 &&
            strcmp(r, "no bucketing strategy (default only)") != 0)
            return r;
    }
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(toggle, "strategies"))
    {
        if (array_len(cJSON_GetObjectItemCaseSensitive(s, "variants")) > 0)
            return "strategy variants";
    }
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(toggle, "variants"))
    {
        if (array_len(cJSON_GetObjectItemCaseSensitive(v, "overrides")) > 0)
            return "variant overrides";
        if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(v, "weight")))
            return "variant without a numeric weight";
    }
    return NULL;
}

/* Returns 1 checked, 0 skipped (reason set). */
static int check_variant_case(const cJSON *toggle, const cJSON *tc, const char **why,
                              const char *what)
{
    const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(tc, "context");
    const cJSON *expected = cJSON_GetObjectItemCaseSensitive(tc, "expectedResult");
    const cJSON *exp_name = cJSON_GetObjectItemCaseSensitive(expected, "name");
    if (!cJSON_IsString(exp_name)) {
        *why = "no expected variant name";
        return 0;
    }
    int keyless = 0;
    int on = eval_toggle(toggle, ctx, why, &keyless, what);
    if (on < 0)
        return 0;
    const char *name = cJSON_GetObjectItemCaseSensitive(toggle, "name")->valuestring;
    const cJSON *variants = cJSON_GetObjectItemCaseSensitive(toggle, "variants");
    uint32_t total = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, variants)
    {
        total += (uint32_t)cJSON_GetObjectItemCaseSensitive(v, "weight")->valuedouble;
    }
    const char *got = "disabled";
    if (on && total > 0) {
        /* Stickiness of the first variant, else userId, sessionId, remoteAddress. */
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(variants, 0),
                                                           "stickiness");
        int non_string = 0;
        const char *key = NULL;
        if (cJSON_IsString(st) && strcmp(st->valuestring, "default") != 0) {
            key = context_value(ctx, st->valuestring, &non_string);
        } else {
            static const char *const fields[] = {"userId", "sessionId", "remoteAddress"};
            for (size_t i = 0; i < 3 && !key && !non_string; i++)
                key = context_value(ctx, fields[i], &non_string);
        }
        if (!key) {
            *why = non_string ? "non-string context value" : "variant stickiness without a key";
            return 0;
        }
        uint32_t target = convoy_unleash_normalize(name, CONVOY_NTS, key, CONVOY_NTS, total,
                                                   VARIANT_SEED);
        uint32_t counter = 0;
        got = NULL;
        cJSON_ArrayForEach(v, variants)
        {
            uint32_t w = (uint32_t)cJSON_GetObjectItemCaseSensitive(v, "weight")->valuedouble;
            if (w == 0)
                continue;
            counter += w;
            if (counter >= target) {
                got = cJSON_GetObjectItemCaseSensitive(v, "name")->valuestring;
                break;
            }
        }
        if (!got)
            got = "disabled";
    }
    if (strcmp(got, exp_name->valuestring) != 0)
        failf("%s: variant '%s', expected '%s'", what, got, exp_name->valuestring);
    return 1;
}

/* ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SPEC_DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    cJSON *index = read_json(dir, "index.json");
    if (!cJSON_IsArray(index)) {
        printf("FAIL: no Unleash client specification at %s (index.json missing or not a "
               "JSON array).\nRun scripts/fetch-corpora.sh first: it installs "
               "@unleash/client-specification into .corpora/.\n",
               dir);
        cJSON_Delete(index);
        return 1;
    }
    int total_cases = 0, total_skipped = 0, total_variant = 0, total_variant_skipped = 0;
    int total_keyless = 0, files = 0;
    const cJSON *entry;
    cJSON_ArrayForEach(entry, index)
    {
        if (!cJSON_IsString(entry))
            continue;
        const char *file = entry->valuestring;
        files++;
        cJSON *doc = read_json(dir, file);
        if (!doc) {
            failf("%s: cannot read or parse", file);
            continue;
        }
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(doc, "state");
        const cJSON *features = cJSON_GetObjectItemCaseSensitive(state, "features");
        const cJSON *tests = cJSON_GetObjectItemCaseSensitive(doc, "tests");
        const cJSON *vtests = cJSON_GetObjectItemCaseSensitive(doc, "variantTests");

        int toggles = array_len(features), covered = 0;
        tally toggle_skips = {0}, case_skips = {0}, variant_skips = {0};
        const cJSON *t;
        cJSON_ArrayForEach(t, features)
        {
            const char *r = toggle_skip_reason(t);
            if (r)
                tally_add(&toggle_skips, r);
            else
                covered++;
        }

        int ran = 0, skipped = 0, keyless = 0;
        const cJSON *tc;
        cJSON_ArrayForEach(tc, tests)
        {
            const cJSON *tn = cJSON_GetObjectItemCaseSensitive(tc, "toggleName");
            const cJSON *desc = cJSON_GetObjectItemCaseSensitive(tc, "description");
            const cJSON *expected = cJSON_GetObjectItemCaseSensitive(tc, "expectedResult");
            const char *what = cJSON_IsString(desc) ? desc->valuestring : "?";
            const cJSON *toggle =
                cJSON_IsString(tn) ? find_toggle(features, tn->valuestring) : NULL;
            const char *why = NULL;
            if (!cJSON_IsArray(features))
                why = "no state.features (delta API events)";
            else if (!toggle)
                why = "toggle not in the state";
            else if (!cJSON_IsBool(expected))
                why = "expectedResult not a boolean";
            else
                why = toggle_skip_reason(toggle);
            if (why) {
                tally_add(&case_skips, why);
                skipped++;
                continue;
            }
            char label[512];
            snprintf(label, sizeof label, "%s: %s", file, what);
            int kl = 0;
            int got = eval_toggle(toggle, cJSON_GetObjectItemCaseSensitive(tc, "context"), &why,
                                  &kl, label);
            if (got < 0) {
                tally_add(&case_skips, why);
                skipped++;
                continue;
            }
            ran++;
            keyless += kl > 0;
            if (got != cJSON_IsTrue(expected))
                failf("%s: got %s, expected %s", label, got ? "true" : "false",
                      cJSON_IsTrue(expected) ? "true" : "false");
        }

        int vran = 0, vskipped = 0;
        cJSON_ArrayForEach(tc, vtests)
        {
            const cJSON *tn = cJSON_GetObjectItemCaseSensitive(tc, "toggleName");
            const cJSON *desc = cJSON_GetObjectItemCaseSensitive(tc, "description");
            const cJSON *toggle =
                cJSON_IsString(tn) ? find_toggle(features, tn->valuestring) : NULL;
            const char *why = toggle ? variant_skip_reason(toggle) : "toggle not in the state";
            char label[512];
            snprintf(label, sizeof label, "%s: variant: %s", file,
                     cJSON_IsString(desc) ? desc->valuestring : "?");
            if (!why && check_variant_case(toggle, tc, &why, label)) {
                vran++;
                continue;
            }
            tally_add(&variant_skips, why);
            vskipped++;
        }

        printf("%-44s toggles %2d covered, %2d skipped", file, covered, toggles - covered);
        tally_print(&toggle_skips);
        printf("\n%-44s cases   %2d ran,     %2d skipped", "", ran, skipped);
        tally_print(&case_skips);
        if (keyless)
            printf(" [%d of those ran without a key, rollout 0/100]", keyless);
        if (array_len(vtests) > 0) {
            printf("\n%-44s variant cases %2d ran, %2d skipped", "", vran, vskipped);
            tally_print(&variant_skips);
        }
        putchar('\n');
        total_cases += ran;
        total_skipped += skipped;
        total_keyless += keyless;
        total_variant += vran;
        total_variant_skipped += vskipped;
        cJSON_Delete(doc);
    }
    cJSON_Delete(index);

    printf("\n%d files: %d enabled-cases ran (%d without a key), %d skipped; "
           "%d variant cases ran, %d skipped; %d router cross-checks\n",
           files, total_cases, total_keyless, total_skipped, total_variant,
           total_variant_skipped, router_checks);
    if (total_cases < MIN_CASES) {
        failf("only %d enabled-cases ran, expected at least %d: has the corpus changed?",
              total_cases, MIN_CASES);
    }
    if (total_variant < MIN_VARIANT_CASES) {
        failf("only %d variant cases ran, expected at least %d: has the corpus changed?",
              total_variant, MIN_VARIANT_CASES);
    }
    if (failures) {
        printf("FAIL: %d check(s) failed\n", failures);
        return 1;
    }
    printf("PASS\n");
    return 0;
}
