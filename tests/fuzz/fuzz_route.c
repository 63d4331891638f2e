/*
 * fuzz_route - libFuzzer target for per-request routing: a fixed plan whose
 * services have rules of every test (exact, prefix, suffix, regex - one
 * with catastrophic backtracking, one in UTF mode -, present, absent) on
 * headers, cookies and attributes, sticky keys from a header, a cookie and
 * an attribute, a cohort and a mirror; the request is built from the input.
 *
 * Input: lines separated by '\n'. The first line is control: its first
 * byte's bit 0 passes names and values as NUL-terminated (CONVOY_NTS)
 * instead of with lengths, bit 1 drops the request id. Every other line is
 * one field, by its first byte:
 *
 *   K<key>             the sticky key (req->key)
 *   I<id>              the request id
 *   H<name>:<value>    a header
 *   R<value>           a raw "Cookie" header ("a=1; b=2")
 *   C<name>=<value>    a cookie
 *   A<name>=<value>    an attribute
 *
 * Every service is routed through a JIT router and an interpreter (NO_JIT)
 * router, and checked against <convoy/traffic.h> and a model of the rules
 * that use header and attribute tests (exact, prefix, suffix, present,
 * absent; first of repeated headers, names case-insensitive): no rule that
 * the model says holds may be passed over, the deciding rule may not be one
 * the model says fails, a variant rule gives its variant, a weight rule and
 * the weights split by bucket, the bucket is convoy_bucket(group, key) of
 * the key the model expects (request key, sticky header / attribute /
 * cookie, request id, empty), cohort members bucket alike, and the two
 * routers agree unless CONVOY_ROUTE_REGEX_LIMIT is reported. Batches of the
 * request and variations of it through convoy_router_route_many give the
 * same results as convoy_router_route, with each hashing kernel.
 *
 * A broken contract aborts. See tests/fuzz/README.md.
 */
#include <convoy/convoy.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traffic/murmur3_lanes.h" /* to check route_many with each kernel */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_route"
#include "fuzz_support.h"

static const char plan_json[] =
    "{\"name\": \"fuzz-route\", \"services\": [\n"
    " {\"name\": \"web\", \"steps\": [{\"set_weight\": 20}],\n"
    "  \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}, \"cohort\": \"front\", \"rules\": [\n"
    "   {\"name\": \"canary-header\", \"match\": [{\"header\": \"X-Canary\", \"exact\": \"always\"}],"
    "    \"variant\": \"candidate\"},\n"
    "   {\"name\": \"eu-stays\", \"match\": [{\"attribute\": \"region\", \"exact\": \"eu-west\"}],"
    "    \"variant\": \"baseline\"},\n"
    "   {\"name\": \"beta\", \"match\": [{\"attribute\": \"flag\", \"exact\": \"beta\"}], \"weight\": 50},\n"
    "   {\"name\": \"ids\", \"match\": [{\"cookie\": \"uid\", \"regex\": \"^(qa|dev)-[0-9]+$\"},"
    "    {\"header\": \"x-debug\", \"absent\": true}], \"variant\": \"candidate\"},\n"
    "   {\"name\": \"mobile\", \"match\": [{\"header\": \"user-agent\", \"prefix\": \"Mobile\"},"
    "    {\"header\": \"x-app\", \"suffix\": \"-ios\"}, {\"header\": \"x-trace\", \"present\": true}],"
    "    \"weight\": 12.5},\n"
    "   {\"name\": \"letters\", \"match\": [{\"header\": \"x-name\", \"regex\": \"\\\\p{L}+\\u00e9\"}],"
    "    \"variant\": \"candidate\"},\n"
    "   {\"name\": \"backtrack\", \"match\": [{\"attribute\": \"tenant\", \"regex\": \"(a+)+$\"}],"
    "    \"variant\": \"baseline\"},\n"
    "   {\"name\": \"flagger-cookie\", \"match\": [{\"header\": \"cookie\","
    "    \"regex\": \"^(.*?;)?(canary=always)(;.*)?$\"}], \"variant\": \"candidate\"},\n"
    "   {\"name\": \"session-prefix\", \"match\": [{\"cookie\": \"session\", \"prefix\": \"s-\"},"
    "    {\"attribute\": \"segment\", \"present\": true}], \"weight\": 0.01}\n"
    "  ]}},\n"
    " {\"name\": \"api\", \"steps\": [{\"set_weight\": 50}, {\"set_mirror\": 10}],\n"
    "  \"traffic\": {\"sticky\": {\"cookie\": \"session\"}, \"rules\": [\n"
    "   {\"match\": [{\"header\": \"x-api-version\", \"exact\": \"2\"}], \"variant\": \"candidate\"},\n"
    "   {\"match\": [{\"attribute\": \"segment\", \"suffix\": \"internal\"},"
    "    {\"header\": \"x-canary\", \"absent\": true}], \"weight\": 0.01},\n"
    "   {\"match\": [{\"cookie\": \"beta\", \"present\": true}], \"variant\": \"candidate\"}\n"
    "  ]}},\n"
    " {\"name\": \"batch\", \"steps\": [{\"set_weight\": 1}],\n"
    "  \"traffic\": {\"sticky\": {\"attribute\": \"tenant\"}}},\n"
    " {\"name\": \"web-assets\", \"steps\": [{\"set_weight\": 20}],\n"
    "  \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}, \"cohort\": \"front\"}}\n"
    "]}";

enum { SVC_WEB, SVC_API, SVC_BATCH, SVC_ASSETS, N_SVC };
static const uint32_t candidate_bp[N_SVC] = {2000, 5000, 100, 2000};
static const uint32_t mirror_bp[N_SVC] = {0, 1000, 0, 0};

/* ------------------------------------------------------------------------
 * The model of the plan's rules. */
enum { SRC_H, SRC_C, SRC_A };
enum { T_EXACT, T_PREFIX, T_SUFFIX, T_PRESENT, T_ABSENT, T_UNMODELED };
typedef struct cond {
    int src, test;
    const char *name, *value;
} cond;
typedef struct rule {
    cond c[3];
    int n;
    int variant; /* -1: weight rule */
    uint32_t weight_bp;
} rule;

static const rule web_rules[] = {
    {{{SRC_H, T_EXACT, "x-canary", "always"}}, 1, CONVOY_VARIANT_CANDIDATE, 0},
    {{{SRC_A, T_EXACT, "region", "eu-west"}}, 1, CONVOY_VARIANT_BASELINE, 0},
    {{{SRC_A, T_EXACT, "flag", "beta"}}, 1, -1, 5000},
    {{{SRC_C, T_UNMODELED, "uid", NULL}, {SRC_H, T_ABSENT, "x-debug", NULL}},
     2,
     CONVOY_VARIANT_CANDIDATE,
     0},
    {{{SRC_H, T_PREFIX, "user-agent", "Mobile"},
      {SRC_H, T_SUFFIX, "x-app", "-ios"},
      {SRC_H, T_PRESENT, "x-trace", NULL}},
     3,
     -1,
     1250},
    {{{SRC_H, T_UNMODELED, "x-name", NULL}}, 1, CONVOY_VARIANT_CANDIDATE, 0},
    {{{SRC_A, T_UNMODELED, "tenant", NULL}}, 1, CONVOY_VARIANT_BASELINE, 0},
    {{{SRC_H, T_UNMODELED, "cookie", NULL}}, 1, CONVOY_VARIANT_CANDIDATE, 0},
    {{{SRC_C, T_UNMODELED, "session", NULL}, {SRC_A, T_PRESENT, "segment", NULL}}, 2, -1, 1},
};
static const rule api_rules[] = {
    {{{SRC_H, T_EXACT, "x-api-version", "2"}}, 1, CONVOY_VARIANT_CANDIDATE, 0},
    {{{SRC_A, T_SUFFIX, "segment", "internal"}, {SRC_H, T_ABSENT, "x-canary", NULL}}, 2, -1, 1},
    {{{SRC_C, T_UNMODELED, "beta", NULL}}, 1, CONVOY_VARIANT_CANDIDATE, 0},
};
static const struct {
    const rule *rules;
    size_t n;
} svc_rules[N_SVC] = {{web_rules, sizeof web_rules / sizeof web_rules[0]},
                      {api_rules, sizeof api_rules / sizeof api_rules[0]},
                      {NULL, 0},
                      {NULL, 0}};

/* The routers, built once. */
static convoy_router *jit_router, *interp_router;

static void init_once(void)
{
    if (jit_router)
        return;
    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse(&plan, NULL, plan_json, sizeof plan_json - 1, NULL);
    CHECK(rc == CONVOY_OK, "fixed plan does not parse: %d", rc);
    CHECK(convoy_plan_service_count(plan) == N_SVC, "fixed plan has %zu services",
          convoy_plan_service_count(plan));
    rc = convoy_router_new(&jit_router, plan, candidate_bp, mirror_bp, N_SVC, NULL);
    CHECK(rc == CONVOY_OK, "router: %d", rc);
    convoy_router_options opts = CONVOY_ROUTER_OPTIONS_INIT;
    opts.flags = CONVOY_ROUTER_NO_JIT;
    rc = convoy_router_new(&interp_router, plan, candidate_bp, mirror_bp, N_SVC, &opts);
    CHECK(rc == CONVOY_OK, "NO_JIT router: %d", rc);
    convoy_plan_free(plan);
    for (size_t s = 0; s < N_SVC; s++)
        CHECK(convoy_router_rule_count(jit_router, s) == svc_rules[s].n,
              "service %zu: %zu rules", s, convoy_router_rule_count(jit_router, s));
    /* Routers live for the whole run (freed by the process exit). */
}

/* ------------------------------------------------------------------------
 * Requests from the input. */
#define MAX_PAIRS 32
typedef struct built {
    convoy_request req;
    convoy_pair headers[MAX_PAIRS + 1], cookies[MAX_PAIRS], attrs[MAX_PAIRS];
    int nts;
} built;

/* The effective length of a request string. */
static size_t eff_len(const char *s, size_t len)
{
    return len == CONVOY_NTS ? strlen(s) : len;
}

static void set_pair(convoy_pair *p, const char *line, size_t len, char sep, int nts, char *buf)
{
    const char *cut = memchr(line, sep, len);
    size_t name_len = cut ? (size_t)(cut - line) : len;
    p->name = line;
    p->name_len = nts ? CONVOY_NTS : name_len;
    p->value = cut ? cut + 1 : line + len;
    p->value_len = nts ? CONVOY_NTS : (cut ? len - name_len - 1 : 0);
    if (nts && cut)
        buf[cut - line] = '\0'; /* `buf` is the writable copy of `line` */
}

static void build(built *b, char *buf, size_t size)
{
    convoy_request init = CONVOY_REQUEST_INIT;
    b->req = init;
    size_t pos = 0, line_no = 0;
    int drop_id = 0;
    while (pos <= size) {
        char *line = buf + pos;
        char *nl = memchr(line, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - line) : size - pos;
        line[len] = '\0';
        if (line_no == 0) {
            b->nts = len > 0 && (line[0] & 1);
            drop_id = len > 0 && (line[0] & 2);
        } else if (len > 0) {
            char *body = line + 1;
            size_t blen = len - 1;
            convoy_request *r = &b->req;
            switch (line[0]) {
            case 'K':
                r->key = body;
                r->key_len = b->nts ? CONVOY_NTS : blen;
                break;
            case 'I':
                r->request_id = body;
                r->request_id_len = b->nts ? CONVOY_NTS : blen;
                break;
            case 'H':
                if (r->n_headers < MAX_PAIRS)
                    set_pair(&b->headers[r->n_headers++], body, blen, ':', b->nts, body);
                break;
            case 'R':
                if (r->n_headers < MAX_PAIRS) {
                    convoy_pair *p = &b->headers[r->n_headers++];
                    p->name = "Cookie";
                    p->name_len = b->nts ? CONVOY_NTS : 6;
                    p->value = body;
                    p->value_len = b->nts ? CONVOY_NTS : blen;
                }
                break;
            case 'C':
                if (r->n_cookies < MAX_PAIRS)
                    set_pair(&b->cookies[r->n_cookies++], body, blen, '=', b->nts, body);
                break;
            case 'A':
                if (r->n_attrs < MAX_PAIRS)
                    set_pair(&b->attrs[r->n_attrs++], body, blen, '=', b->nts, body);
                break;
            default:
                break;
            }
        }
        line_no++;
        if (!nl)
            break;
        pos += len + 1;
    }
    b->req.headers = b->headers;
    b->req.cookies = b->cookies;
    b->req.attrs = b->attrs;
    if (drop_id) {
        b->req.request_id = NULL;
        b->req.request_id_len = 0;
    }
}

/* ------------------------------------------------------------------------
 * The model. */
static int ieq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return 0;
    }
    return 1;
}

/* Looks `name` up: 1 found (value set), 0 absent, -1 unknown (ambiguous). */
static int lookup(const built *b, int src, const char *name, const char **v, size_t *vlen)
{
    const convoy_pair *pairs = src == SRC_H ? b->req.headers
                             : src == SRC_C ? b->req.cookies
                                            : b->req.attrs;
    size_t n = src == SRC_H ? b->req.n_headers : src == SRC_C ? b->req.n_cookies : b->req.n_attrs;
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        size_t nl = eff_len(pairs[i].name, pairs[i].name_len);
        int match = src == SRC_H ? ieq(pairs[i].name, nl, name)
                                 : (nl == strlen(name) && memcmp(pairs[i].name, name, nl) == 0);
        if (!match)
            continue;
        if (found) {
            if (src == SRC_H)
                break; /* documented: the first of repeated headers */
            return -1; /* repeated cookies / attributes: not documented */
        }
        found = 1;
        *v = pairs[i].value;
        *vlen = eff_len(pairs[i].value, pairs[i].value_len);
    }
    if (!found && src == SRC_C) {
        /* Not in `cookies`: the Cookie headers are searched (not modelled). */
        for (size_t i = 0; i < b->req.n_headers; i++)
            if (ieq(b->req.headers[i].name, eff_len(b->req.headers[i].name,
                                                    b->req.headers[i].name_len), "cookie"))
                return -1;
    }
    return found;
}

/* 1 holds, 0 fails, -1 unknown. */
static int eval_cond(const built *b, const cond *c)
{
    if (c->test == T_UNMODELED)
        return -1;
    const char *v = NULL;
    size_t vlen = 0;
    int found = lookup(b, c->src, c->name, &v, &vlen);
    if (found < 0)
        return -1;
    switch (c->test) {
    case T_PRESENT:
        return found;
    case T_ABSENT:
        return !found;
    default:
        break;
    }
    if (!found)
        return 0;
    size_t tl = strlen(c->value);
    switch (c->test) {
    case T_EXACT:
        return vlen == tl && memcmp(v, c->value, tl) == 0;
    case T_PREFIX:
        return vlen >= tl && memcmp(v, c->value, tl) == 0;
    default: /* T_SUFFIX */
        return vlen >= tl && memcmp(v + vlen - tl, c->value, tl) == 0;
    }
}

static int eval_rule(const built *b, const rule *r)
{
    int unknown = 0;
    for (int i = 0; i < r->n; i++) {
        int v = eval_cond(b, &r->c[i]);
        if (v == 0)
            return 0;
        if (v < 0)
            unknown = 1;
    }
    return unknown ? -1 : 1;
}

/* The sticky key the model expects: 1 (key set), 0 (none: fall back), -1 unknown. */
static int sticky_key(const built *b, size_t svc, const char **k, size_t *klen)
{
    const convoy_request *r = &b->req;
    if (r->key) {
        *k = r->key;
        *klen = eff_len(r->key, r->key_len);
        return *klen ? 1 : -1; /* an empty key: not documented */
    }
    static const int src[N_SVC] = {SRC_H, SRC_C, SRC_A, SRC_H};
    static const char *const name[N_SVC] = {"x-user-id", "session", "tenant", "x-user-id"};
    int found = lookup(b, src[svc], name[svc], k, klen);
    if (found == 1 && *klen == 0)
        return -1; /* an empty sticky value: not documented */
    return found;
}

/* ------------------------------------------------------------------------ */

static convoy_route_result route(const convoy_router *rt, size_t svc, const built *b)
{
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    int rc = convoy_router_route(&res, rt, svc, &b->req);
    CHECK(rc == CONVOY_OK, "route service %zu: %d", svc, rc);
    CHECK(res.variant == CONVOY_VARIANT_BASELINE || res.variant == CONVOY_VARIANT_CANDIDATE,
          "variant %d", res.variant);
    CHECK(res.rule >= -1 && res.rule < (int32_t)svc_rules[svc].n, "rule %d", (int)res.rule);
    CHECK(res.bucket >= 1 && res.bucket <= 10000, "bucket %u", res.bucket);
    CHECK((res.flags & ~(CONVOY_ROUTE_MIRROR | CONVOY_ROUTE_REGEX_LIMIT)) == 0, "flags %#x",
          res.flags);
    return res;
}

static void check_model(size_t svc, const built *b, const convoy_route_result *res)
{
    const char *group = convoy_router_group(jit_router, svc);
    /* The key. */
    const char *k = NULL;
    size_t klen = 0;
    int sk = sticky_key(b, svc, &k, &klen);
    if (sk == 1) {
        CHECK(res->key_source == CONVOY_KEY_STICKY, "service %zu: key source %d, expected sticky",
              svc, res->key_source);
        CHECK(res->bucket == convoy_bucket(group, CONVOY_NTS, k, klen),
              "service %zu: bucket %u, expected that of the sticky key", svc, res->bucket);
    } else if (sk == 0) {
        const char *id = b->req.request_id;
        size_t idlen = id ? eff_len(id, b->req.request_id_len) : 0;
        if (idlen > 0) {
            CHECK(res->key_source == CONVOY_KEY_REQUEST_ID, "service %zu: key source %d, "
                  "expected the request id", svc, res->key_source);
            CHECK(res->bucket == convoy_bucket(group, CONVOY_NTS, id, idlen),
                  "service %zu: bucket %u, expected that of the request id", svc, res->bucket);
        } else {
            CHECK(res->key_source != CONVOY_KEY_STICKY, "service %zu: sticky key from nowhere",
                  svc);
            CHECK(res->bucket == convoy_bucket(group, CONVOY_NTS, "", 0),
                  "service %zu: bucket %u, expected that of the empty key", svc, res->bucket);
        }
    }
    /* The rules. */
    const rule *rules = svc_rules[svc].rules;
    size_t n = svc_rules[svc].n;
    size_t decided = res->rule < 0 ? n : (size_t)res->rule;
    for (size_t j = 0; j < decided; j++)
        CHECK(eval_rule(b, &rules[j]) != 1, "service %zu: rule %zu holds but rule %d decided",
              svc, j, (int)res->rule);
    if (res->rule >= 0) {
        const rule *r = &rules[res->rule];
        CHECK(eval_rule(b, r) != 0, "service %zu: rule %d decided but does not hold", svc,
              (int)res->rule);
        if (r->variant >= 0)
            CHECK(res->variant == r->variant, "service %zu: rule %d gave variant %d", svc,
                  (int)res->rule, res->variant);
        else
            CHECK((res->variant == CONVOY_VARIANT_CANDIDATE) == (res->bucket <= r->weight_bp),
                  "service %zu: weight rule %d at %u bp, bucket %u, variant %d", svc,
                  (int)res->rule, r->weight_bp, res->bucket, res->variant);
    } else {
        CHECK((res->variant == CONVOY_VARIANT_CANDIDATE) == (res->bucket <= candidate_bp[svc]),
              "service %zu: weights at %u bp, bucket %u, variant %d", svc, candidate_bp[svc],
              res->bucket, res->variant);
    }
    if (res->flags & CONVOY_ROUTE_MIRROR)
        CHECK(res->variant == CONVOY_VARIANT_BASELINE && mirror_bp[svc] > 0,
              "service %zu: mirror flag on variant %d", svc, res->variant);
}

/* convoy_router_route_many of the request and variations of it (shorter
 * keys, no request id) gives convoy_router_route's results, with every
 * hashing kernel this CPU runs. */
#define MANY 18 /* more than one group of lanes */
static void check_route_many(const built *b)
{
    convoy_request reqs[MANY];
    for (size_t j = 0; j < MANY; j++) {
        reqs[j] = b->req;
        if (reqs[j].key && reqs[j].key_len != CONVOY_NTS)
            reqs[j].key_len -= j < reqs[j].key_len ? j : reqs[j].key_len;
        if (j % 2)
            reqs[j].request_id = NULL;
    }
    const int kinds[] = {CONVOY__LANES_PORTABLE, CONVOY__LANES_AVX512, CONVOY__LANES_AVX2};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        if (convoy__murmur3_lanes_use(kinds[k]) != 0)
            continue;
        for (size_t svc = 0; svc < N_SVC; svc++) {
            convoy_route_result many[MANY];
            for (size_t j = 0; j < MANY; j++) {
                convoy_route_result init = CONVOY_ROUTE_RESULT_INIT;
                many[j] = init;
            }
            int rc = convoy_router_route_many(many, jit_router, svc, reqs, MANY);
            CHECK(rc == CONVOY_OK, "route_many service %zu: %d", svc, rc);
            for (size_t j = 0; j < MANY; j++) {
                convoy_route_result one = CONVOY_ROUTE_RESULT_INIT;
                rc = convoy_router_route(&one, jit_router, svc, &reqs[j]);
                CHECK(rc == CONVOY_OK && memcmp(&one, &many[j], sizeof one) == 0,
                      "service %zu, kernel %d, request %zu: route_many differs from route "
                      "(variant %d/%d rule %d/%d bucket %u/%u flags %#x/%#x)",
                      svc, kinds[k], j, one.variant, many[j].variant, (int)one.rule,
                      (int)many[j].rule, one.bucket, many[j].bucket, one.flags, many[j].flags);
            }
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    init_once();
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    built b;
    memset(&b, 0, sizeof b);
    build(&b, buf, size);

    convoy_route_result res[N_SVC];
    for (size_t svc = 0; svc < N_SVC; svc++) {
        res[svc] = route(jit_router, svc, &b);
        convoy_route_result alt = route(interp_router, svc, &b);
        int limited = (res[svc].flags | alt.flags) & CONVOY_ROUTE_REGEX_LIMIT;
        CHECK(limited || (res[svc].variant == alt.variant && res[svc].rule == alt.rule &&
                          res[svc].bucket == alt.bucket && res[svc].flags == alt.flags &&
                          res[svc].key_source == alt.key_source),
              "service %zu: JIT rule %d variant %d, interpreter rule %d variant %d", svc,
              (int)res[svc].rule, res[svc].variant, (int)alt.rule, alt.variant);
        CHECK(res[svc].bucket == alt.bucket && res[svc].key_source == alt.key_source,
              "service %zu: JIT and interpreter use different keys", svc);
        check_model(svc, &b, &res[svc]);
    }
    /* The cohort "front": same group, same sticky source, same bucket. */
    CHECK(res[SVC_WEB].bucket == res[SVC_ASSETS].bucket &&
              res[SVC_WEB].key_source == res[SVC_ASSETS].key_source,
          "cohort members bucket differently: %u / %u", res[SVC_WEB].bucket,
          res[SVC_ASSETS].bucket);
    if (res[SVC_WEB].rule == -1)
        CHECK(res[SVC_WEB].variant == res[SVC_ASSETS].variant,
              "cohort members route differently without rules");

    check_route_many(&b);

    /* Bad arguments, for the error paths. */
    convoy_route_result r = CONVOY_ROUTE_RESULT_INIT;
    CHECK(convoy_router_route(&r, jit_router, N_SVC, &b.req) == CONVOY_E_INVALID_ARG,
          "service out of range");
    r.version = 99;
    CHECK(convoy_router_route(&r, jit_router, 0, &b.req) == CONVOY_E_VERSION,
          "unknown result version");
    free(buf);
    return 0;
}
