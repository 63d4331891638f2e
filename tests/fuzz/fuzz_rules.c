/*
 * fuzz_rules - libFuzzer target for routing-rule compilation: the input is
 * the JSON of one service's `traffic` block inside a fixed plan skeleton
 *
 *   {"name": "fuzz-rules", "services": [
 *     {"name": "a", "steps": [...], "traffic": INPUT},
 *     {"name": "b", "steps": [...], "traffic": {"sticky": {"header": "x-user-id"},
 *                                               "cohort": "shared"}}]}
 *
 * (the input may close the object early and add services: any plan is
 * fine). When convoy_plan_parse accepts it, routers are built from it
 * (convoy_router_new with the defaults, and again without JIT and with tiny
 * regex limits), a set of fixed requests is routed for every service through
 * each router and through a slot, and every format is rendered. Checked
 * against <convoy/traffic.h>:
 *
 *   - convoy_router_new gives CONVOY_OK, or CONVOY_E_INVALID (a regex the
 *     router cannot compile) with *out NULL; the router reports the plan's
 *     services, groups (cohort or name) and weights, and as many rules as
 *     the traffic block has, named as written or "rule-N";
 *   - every route returns CONVOY_OK with a known variant, a rule index in
 *     range (-1 = weights), a bucket 1..10000, a known key source and known
 *     flags; a request with a key has bucket convoy_bucket(group, key); with
 *     rule -1 the candidate is chosen exactly when bucket <= candidate_bp;
 *     MIRROR only on the baseline and with a mirror weight;
 *   - the interpreter (NO_JIT) decides exactly as the JIT does, and tiny
 *     limits change a decision only when REGEX_LIMIT is reported;
 *   - convoy_router_reweight keeps the rules; a slot routes as the router;
 *   - convoy_render gives OK / UNSUPPORTED (never with SKIP_UNSUPPORTED) /
 *     NOT_FOUND only for unknown names; JSON formats are valid JSON.
 *
 * A broken contract aborts (a crash for libFuzzer); ASan, UBSan and
 * LeakSanitizer findings are crashes too. See tests/fuzz/README.md.
 */
#include <convoy/convoy.h>

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t g_sink;

#define FUZZ_NAME "fuzz_rules"
#include "fuzz_support.h"

static const char prefix[] =
    "{\"name\": \"fuzz-rules\", \"services\": [\n"
    " {\"name\": \"a\", \"steps\": [{\"set_weight\": 30}, {\"set_mirror\": 5}],\n"
    "  \"traffic\": ";
static const char suffix[] =
    "},\n"
    " {\"name\": \"b\", \"steps\": [{\"set_weight\": 30}, {\"set_mirror\": 5}],\n"
    "  \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}, \"cohort\": \"shared\"}}\n"
    "]}";

#define CANDIDATE_BP 3000u
#define MIRROR_BP 500u

/* ------------------------------------------------------------------------
 * Fixed requests. */
static char long_value[9000];

#define N_REQUESTS 7
static void make_request(convoy_request *req, int i)
{
    static const convoy_pair h_full[] = {
        {"x-user-id", CONVOY_NTS, "u42", CONVOY_NTS},
        {"x-canary", CONVOY_NTS, "always", CONVOY_NTS},
        {"user-agent", CONVOY_NTS, "Mobile Safari", CONVOY_NTS},
        {"X-App", CONVOY_NTS, "shop-ios", CONVOY_NTS},
        {"x-trace", CONVOY_NTS, "", 0},
        {"Cookie", CONVOY_NTS, "uid=qa-12; session=abc; canary=always", CONVOY_NTS},
        {"x-debug", CONVOY_NTS, "1", 1},
    };
    static const convoy_pair c_full[] = {
        {"uid", CONVOY_NTS, "dev-7", CONVOY_NTS},
        {"session", CONVOY_NTS, "s-1", CONVOY_NTS},
    };
    static const convoy_pair a_full[] = {
        {"region", CONVOY_NTS, "eu-west", CONVOY_NTS},
        {"flag", CONVOY_NTS, "beta", CONVOY_NTS},
        {"segment", CONVOY_NTS, "internal", CONVOY_NTS},
        {"tenant", CONVOY_NTS, "acme", CONVOY_NTS},
    };
    static convoy_pair h_odd[] = {
        {"X-USER-ID", CONVOY_NTS, "U42", CONVOY_NTS},
        {"x-user-id", CONVOY_NTS, "second", CONVOY_NTS},
        {"X-Canary", CONVOY_NTS, "ALWAYS", CONVOY_NTS},
        {"user-agent", CONVOY_NTS, NULL, 0}, /* long value, set below */
        {"cookie", CONVOY_NTS, "=; uid=; ;; session=\"q\"; uid=qa-1", CONVOY_NTS},
        {"x-bad", CONVOY_NTS, "\xff\xfe\xc0\x80", 4},
        {"x\0nul", 5, "v\0w", 3},
    };
    static convoy_pair a_odd[] = {
        {"region", CONVOY_NTS, "\xe2\x82", 2},
        {"flag", CONVOY_NTS, NULL, 0}, /* long value */
        {"", 0, "", 0},
    };
    static const convoy_pair c_bad[] = {{"uid", CONVOY_NTS, "\xff", 1}};

    h_odd[3].value = long_value;
    h_odd[3].value_len = sizeof long_value;
    a_odd[1].value = long_value;
    a_odd[1].value_len = sizeof long_value;

    convoy_request empty = CONVOY_REQUEST_INIT;
    *req = empty;
    switch (i) {
    case 0:
        break;
    case 1:
        req->key = "user-1";
        req->key_len = CONVOY_NTS;
        break;
    case 2:
        req->headers = h_full;
        req->n_headers = sizeof h_full / sizeof h_full[0];
        req->cookies = c_full;
        req->n_cookies = sizeof c_full / sizeof c_full[0];
        req->attrs = a_full;
        req->n_attrs = sizeof a_full / sizeof a_full[0];
        req->request_id = "req-2";
        req->request_id_len = CONVOY_NTS;
        break;
    case 3:
        req->headers = h_odd;
        req->n_headers = sizeof h_odd / sizeof h_odd[0];
        req->cookies = c_bad;
        req->n_cookies = 1;
        req->attrs = a_odd;
        req->n_attrs = sizeof a_odd / sizeof a_odd[0];
        break;
    case 4:
        req->request_id = "req-4";
        req->request_id_len = CONVOY_NTS;
        break;
    case 5:
        req->key = "k\0ey";
        req->key_len = 4;
        req->headers = h_full;
        req->n_headers = 3;
        break;
    case 6:
        req->attrs = a_full;
        req->n_attrs = 2;
        req->cookies = c_full;
        req->n_cookies = 1;
        req->key = long_value;
        req->key_len = 300;
        break;
    }
}

/* ------------------------------------------------------------------------ */

static convoy_route_result route_checked(const convoy_router *r, size_t svc,
                                         const convoy_request *req)
{
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    int rc = convoy_router_route(&res, r, svc, req);
    CHECK(rc == CONVOY_OK, "route of service %zu: %d", svc, rc);
    CHECK(res.variant == CONVOY_VARIANT_BASELINE || res.variant == CONVOY_VARIANT_CANDIDATE,
          "variant %d", res.variant);
    size_t n_rules = convoy_router_rule_count(r, svc);
    CHECK(res.rule >= -1 && (res.rule < 0 || (size_t)res.rule < n_rules), "rule %d of %zu",
          (int)res.rule, n_rules);
    CHECK(res.bucket >= 1 && res.bucket <= 10000, "bucket %u", res.bucket);
    CHECK(res.key_source == CONVOY_KEY_STICKY || res.key_source == CONVOY_KEY_REQUEST_ID ||
              res.key_source == CONVOY_KEY_NONE,
          "key source %d", res.key_source);
    CHECK((res.flags & ~(CONVOY_ROUTE_MIRROR | CONVOY_ROUTE_REGEX_LIMIT)) == 0, "flags %#x",
          res.flags);
    const char *group = convoy_router_group(r, svc);
    CHECK(group != NULL, "no group for service %zu", svc);
    if (req->key) {
        CHECK(res.key_source == CONVOY_KEY_STICKY, "request key, key source %d", res.key_source);
        CHECK(res.bucket == convoy_bucket(group, CONVOY_NTS, req->key, req->key_len),
              "request key: bucket %u is not convoy_bucket(group, key)", res.bucket);
    }
    if (res.key_source == CONVOY_KEY_NONE)
        CHECK(res.bucket == convoy_bucket(group, CONVOY_NTS, "", 0), "empty key: bucket %u",
              res.bucket);
    if (res.key_source == CONVOY_KEY_REQUEST_ID)
        CHECK(req->request_id &&
                  res.bucket ==
                      convoy_bucket(group, CONVOY_NTS, req->request_id, req->request_id_len),
              "request id: bucket %u", res.bucket);
    if (res.rule == -1)
        CHECK((res.variant == CONVOY_VARIANT_CANDIDATE) ==
                  (res.bucket <= convoy_router_candidate_bp(r, svc)),
              "weights decided %d with bucket %u at %u bp", res.variant, res.bucket,
              convoy_router_candidate_bp(r, svc));
    if (res.flags & CONVOY_ROUTE_MIRROR)
        CHECK(res.variant == CONVOY_VARIANT_BASELINE && convoy_router_mirror_bp(r, svc) > 0,
              "mirror flag on variant %d with mirror %u bp", res.variant,
              convoy_router_mirror_bp(r, svc));
    return res;
}

static int same_decision(const convoy_route_result *a, const convoy_route_result *b)
{
    return a->variant == b->variant && a->rule == b->rule && a->bucket == b->bucket &&
           a->key_source == b->key_source && a->flags == b->flags;
}

/* The rules of the fuzzed traffic block as cJSON sees them, to check count
 * and names; -1 when the block is not a plain object with a rules array. */
static int expected_rules(const uint8_t *data, size_t size, cJSON **rules_out)
{
    *rules_out = NULL;
    cJSON *doc = cJSON_ParseWithLength((const char *)data, size);
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return -1;
    }
    cJSON *rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
    int n = cJSON_IsArray(rules) ? cJSON_GetArraySize(rules) : 0;
    *rules_out = doc;
    return n;
}

static void check_router_shape(const convoy_router *r, const convoy_plan *plan,
                               const uint32_t *cand, const uint32_t *mirror)
{
    size_t n = convoy_plan_service_count(plan);
    CHECK(convoy_router_service_count(r) == n, "router has %zu services, plan %zu",
          convoy_router_service_count(r), n);
    for (size_t i = 0; i < n; i++) {
        const convoy_service *svc = convoy_plan_service(plan, i);
        const char *name = convoy_router_service_name(r, i);
        CHECK(name && strcmp(name, convoy_service_name(svc)) == 0, "service %zu name", i);
        const char *cohort = convoy_service_cohort(svc);
        const char *group = convoy_router_group(r, i);
        CHECK(group && strcmp(group, cohort ? cohort : name) == 0, "service %zu group '%s'", i,
              group ? group : "(null)");
        CHECK(convoy_router_candidate_bp(r, i) == cand[i], "service %zu candidate bp", i);
        CHECK(convoy_router_mirror_bp(r, i) == (mirror ? mirror[i] : 0), "service %zu mirror", i);
        size_t nr = convoy_router_rule_count(r, i);
        for (size_t k = 0; k < nr; k++) {
            const char *rn = convoy_router_rule_name(r, i, k);
            CHECK(rn && rn[0], "service %zu rule %zu has no name", i, k);
            g_sink += strlen(rn);
        }
        CHECK(convoy_router_rule_name(r, i, nr) == NULL, "rule name past the end");
    }
    CHECK(convoy_router_service_name(r, n) == NULL, "service name past the end");
    CHECK(convoy_router_rule_count(r, n) == 0, "rule count past the end");
}

static void check_render(const convoy_plan *plan)
{
    size_t n = convoy_plan_service_count(plan);
    if (n > 4)
        n = 4;
    for (size_t i = 0; i < n; i++) {
        const char *name = convoy_service_name(convoy_plan_service(plan, i));
        for (int format = 1; format <= 5; format++) {
            for (int skip = 0; skip <= 1; skip++) {
                convoy_render_options ro = CONVOY_RENDER_OPTIONS_INIT;
                ro.flags = skip ? CONVOY_RENDER_SKIP_UNSUPPORTED : 0;
                char *out = NULL;
                size_t len = 0;
                int rc = convoy_render(&out, &len, plan, name, CANDIDATE_BP, MIRROR_BP, format,
                                       &ro);
                CHECK(rc == CONVOY_OK || (rc == CONVOY_E_UNSUPPORTED && !skip),
                      "render %s of '%s' (skip %d): %d", convoy_format_name(format), name, skip,
                      rc);
                if (rc != CONVOY_OK) {
                    CHECK(out == NULL, "render failed but gave output");
                    continue;
                }
                CHECK(out != NULL && strlen(out) == len, "render %s: length %zu vs %zu",
                      convoy_format_name(format), len, out ? strlen(out) : 0);
                if (format == CONVOY_FORMAT_ENVOY || format == CONVOY_FORMAT_ISTIO ||
                    format == CONVOY_FORMAT_GATEWAY_API) {
                    cJSON *doc = cJSON_ParseWithLength(out, len);
                    CHECK(doc != NULL, "render %s of '%s' is not JSON:\n%s",
                          convoy_format_name(format), name, out);
                    cJSON_Delete(doc);
                }
                convoy_free(out);
            }
        }
    }
    char *out = NULL;
    /* Not a valid service name, so the input cannot have added it. */
    CHECK(convoy_render(&out, NULL, plan, "no such service", 0, 0, CONVOY_FORMAT_ENVOY, NULL) ==
              CONVOY_E_NOT_FOUND,
          "render of an unknown service");
    CHECK(out == NULL, "render of an unknown service gave output");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0;
    size_t len = sizeof prefix - 1 + size + sizeof suffix - 1;
    char *json = malloc(len);
    memcpy(json, prefix, sizeof prefix - 1);
    memcpy(json + sizeof prefix - 1, data, size);
    memcpy(json + sizeof prefix - 1 + size, suffix, sizeof suffix - 1);
    memset(long_value, 'M', sizeof long_value);

    convoy_parse_options po = CONVOY_PARSE_OPTIONS_INIT;
    po.max_services = 16;
    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse(&plan, NULL, json, len, &po);
    free(json);
    if (rc != CONVOY_OK) {
        CHECK(plan == NULL, "failed parse left a plan");
        return 0;
    }

    size_t n = convoy_plan_service_count(plan);
    uint32_t *cand = calloc(n, sizeof *cand), *mirror = calloc(n, sizeof *mirror);
    for (size_t i = 0; i < n; i++) {
        cand[i] = CANDIDATE_BP;
        mirror[i] = MIRROR_BP;
    }

    convoy_router *r = NULL;
    rc = convoy_router_new(&r, plan, cand, mirror, n, NULL);
    CHECK(rc == CONVOY_OK || rc == CONVOY_E_INVALID, "convoy_router_new: %d", rc);
    if (rc != CONVOY_OK) {
        CHECK(r == NULL, "failed convoy_router_new left a router");
        /* Whatever the router refused, the renderers must still behave. */
        check_render(plan);
        convoy_plan_free(plan);
        free(cand);
        free(mirror);
        return 0;
    }
    check_router_shape(r, plan, cand, mirror);

    /* Rules of service "a" as written in the input. */
    cJSON *doc = NULL;
    int n_expected = expected_rules(data, size, &doc);
    if (n_expected >= 0 && n == 2 && strcmp(convoy_router_service_name(r, 0), "a") == 0) {
        CHECK(convoy_router_rule_count(r, 0) == (size_t)n_expected, "%zu rules, input has %d",
              convoy_router_rule_count(r, 0), n_expected);
        cJSON *rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
        int escapes = memchr(data, '\\', size) != NULL;
        for (int k = 0; k < n_expected && !escapes; k++) {
            const cJSON *nm =
                cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rules, k), "name");
            char fallback[32];
            snprintf(fallback, sizeof fallback, "rule-%d", k);
            const char *want = cJSON_IsString(nm) ? nm->valuestring : fallback;
            const char *got = convoy_router_rule_name(r, 0, (size_t)k);
            CHECK(strcmp(got, want) == 0, "rule %d named '%s', expected '%s'", k, got, want);
        }
    }
    cJSON_Delete(doc);

    convoy_router_options slow = CONVOY_ROUTER_OPTIONS_INIT;
    slow.flags = CONVOY_ROUTER_NO_JIT;
    convoy_router *interp = NULL;
    CHECK(convoy_router_new(&interp, plan, cand, mirror, n, &slow) == CONVOY_OK,
          "NO_JIT router failed where the JIT one did not");
    convoy_router_options tiny = CONVOY_ROUTER_OPTIONS_INIT;
    tiny.flags = CONVOY_ROUTER_NO_JIT;
    tiny.regex_match_limit = 2;
    tiny.regex_depth_limit = 1;
    tiny.max_value_bytes = 3;
    convoy_router *limited = NULL;
    CHECK(convoy_router_new(&limited, plan, cand, mirror, n, &tiny) == CONVOY_OK,
          "router with tiny limits failed");

    for (size_t i = 0; i < n; i++)
        cand[i] = 10000 - CANDIDATE_BP;
    convoy_router *rew = NULL;
    CHECK(convoy_router_reweight(&rew, r, cand, NULL, n) == CONVOY_OK, "reweight failed");
    check_router_shape(rew, plan, cand, NULL);

    convoy_router *slot_router = NULL;
    for (size_t i = 0; i < n; i++)
        cand[i] = CANDIDATE_BP;
    CHECK(convoy_router_reweight(&slot_router, r, cand, mirror, n) == CONVOY_OK,
          "reweight (same weights) failed");
    convoy_router_slot *slot = NULL;
    CHECK(convoy_router_slot_new(&slot, slot_router) == CONVOY_OK, "slot_new failed");

    for (size_t svc = 0; svc < n; svc++) {
        CHECK(convoy_router_rule_count(rew, svc) == convoy_router_rule_count(r, svc),
              "reweight changed the rules");
        for (int q = 0; q < N_REQUESTS; q++) {
            convoy_request req;
            make_request(&req, q);
            convoy_route_result a = route_checked(r, svc, &req);
            convoy_route_result b = route_checked(interp, svc, &req);
            CHECK(same_decision(&a, &b) || ((a.flags | b.flags) & CONVOY_ROUTE_REGEX_LIMIT),
                  "JIT and interpreter disagree: service %zu request %d: rule %d/%d variant "
                  "%d/%d flags %#x/%#x",
                  svc, q, (int)a.rule, (int)b.rule, a.variant, b.variant, a.flags, b.flags);
            convoy_route_result c = route_checked(limited, svc, &req);
            CHECK(c.bucket == a.bucket && c.key_source == a.key_source,
                  "limits changed the key or bucket");
            if (!(c.flags & CONVOY_ROUTE_REGEX_LIMIT) && a.rule >= 0 && a.rule == c.rule)
                CHECK(a.variant == c.variant, "same rule, different variant under limits");
            convoy_route_result d = route_checked(rew, svc, &req);
            CHECK(d.bucket == a.bucket && d.key_source == a.key_source && d.rule == a.rule,
                  "reweight changed the rule or bucket: rule %d/%d", (int)a.rule, (int)d.rule);
            convoy_route_result e = CONVOY_ROUTE_RESULT_INIT;
            CHECK(convoy_router_slot_route(&e, slot, svc, &req) == CONVOY_OK, "slot route");
            CHECK(same_decision(&a, &e), "slot routes differently from its router");
        }
        convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
        convoy_request req = CONVOY_REQUEST_INIT;
        CHECK(convoy_router_route(&res, r, n, &req) == CONVOY_E_INVALID_ARG,
              "service out of range accepted");
    }

    convoy_router_slot_free(slot);
    convoy_router_free(rew);
    convoy_router_free(limited);
    convoy_router_free(interp);
    convoy_router_free(r);
    check_render(plan);
    convoy_plan_free(plan);
    free(cand);
    free(mirror);
    return 0;
}
