/*
 * test_router - router snapshots of <convoy/traffic.h>: argument and
 * version checks, routing semantics (rules in order, first match wins, all
 * conditions of a rule; exact / prefix / suffix / regex / present / absent
 * on headers, cookies and attributes), whole-value regexes, regex match and
 * depth limits with and without JIT, invalid UTF-8, weight rules, sticky
 * keys and their fallbacks, cohort bucketing groups, the candidate split,
 * mirroring, reweighting, introspection and allocation-free routing (one
 * by one and in batches: convoy_router_route_many; its equivalence with
 * convoy_router_route is test_route_many's).
 */
#include "traffic_test.h"

#include <time.h>

#ifndef SOURCE_ROOT
#  error "SOURCE_ROOT must be defined by the build"
#endif
#define SHOP_PLAN SOURCE_ROOT "/examples/plans/shop.json"

/* ------------------------------------------------------------ counting allocator */

/* Installed in main() before anything else, to see what routing allocates.
 * A size header keeps realloc honest. */
static size_t n_allocs, n_frees;

static void *count_malloc(size_t size)
{
    n_allocs++;
    return malloc(size);
}

static void *count_realloc(void *ptr, size_t size)
{
    if (!ptr)
        n_allocs++;
    return realloc(ptr, size);
}

static void count_free(void *ptr)
{
    if (ptr)
        n_frees++;
    free(ptr);
}

/* ------------------------------------------------------------ helpers */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A one-service plan whose only rule sends matches of `conditions` (a JSON
 * array body) to the candidate; the service's own weight is 0, so a
 * candidate answer means "the rule matched". */
static convoy_router *cond_router_opts(const char *conditions, const convoy_router_options *opts)
{
    char plan[2048];
    int n = snprintf(plan, sizeof plan,
                     "{'name': 'c', 'services': [{'name': 'svc', 'traffic': {'rules': ["
                     "{'name': 'r', 'match': [%s], 'variant': 'candidate'}]}}]}",
                     conditions);
    assert_true(n > 0 && (size_t)n < sizeof plan);
    return tt_router_opts(plan, 0, 0, opts);
}

static convoy_router *cond_router(const char *conditions)
{
    return cond_router_opts(conditions, NULL);
}

static int matches_at(const convoy_router *r, const tt_req *q, int line)
{
    convoy_route_result res = tt_route_at(r, 0, &q->req, line);
    if (res.rule == 0 && res.variant == CONVOY_VARIANT_CANDIDATE)
        return 1;
    if (res.rule == -1 && res.variant == CONVOY_VARIANT_BASELINE)
        return 0;
    fail_msg("line %d: rule %d, variant %d: neither the rule nor the weights", line,
             (int)res.rule, res.variant);
    return -1;
}

#define MATCHES(r, q) assert_true(matches_at((r), (q), __LINE__) == 1)
#define NO_MATCH(r, q) assert_true(matches_at((r), (q), __LINE__) == 0)

/* One header, one cookie header, one attribute: quick requests. */
static tt_req *hreq(tt_req *q, const char *name, const char *value)
{
    tt_req_init(q);
    tt_header(q, name, value);
    return q;
}

static tt_req *areq(tt_req *q, const char *name, const char *value)
{
    tt_req_init(q);
    tt_attr(q, name, value);
    return q;
}

static tt_req *creq(tt_req *q, const char *name, const char *value)
{
    tt_req_init(q);
    tt_cookie(q, name, value);
    return q;
}

/* ------------------------------------------------------------ init functions */

static void test_init_functions(void **state)
{
    (void)state;
    convoy_router_options o, o_init = CONVOY_ROUTER_OPTIONS_INIT;
    memset(&o, 0xab, sizeof o);
    assert_ok(convoy_router_options_init(&o, CONVOY_ROUTER_OPTIONS_VERSION));
    assert_int_equal(o.version, CONVOY_ROUTER_OPTIONS_VERSION);
    assert_int_equal(o.flags, o_init.flags);
    assert_int_equal(o.regex_match_limit, 100000);
    assert_int_equal(o.regex_depth_limit, 1000);
    assert_int_equal(o.max_value_bytes, 8192);
    assert_status(convoy_router_options_init(&o, 0), CONVOY_E_VERSION);
    assert_status(convoy_router_options_init(&o, 99), CONVOY_E_VERSION);
    assert_status(convoy_router_options_init(NULL, 1), CONVOY_E_INVALID_ARG);

    convoy_request q;
    memset(&q, 0xab, sizeof q);
    assert_ok(convoy_request_init(&q, CONVOY_REQUEST_VERSION));
    assert_int_equal(q.version, CONVOY_REQUEST_VERSION);
    assert_null(q.key);
    assert_null(q.request_id);
    assert_null(q.headers);
    assert_null(q.cookies);
    assert_null(q.attrs);
    assert_int_equal(q.n_headers + q.n_cookies + q.n_attrs + q.key_len + q.request_id_len, 0);
    assert_status(convoy_request_init(&q, 0), CONVOY_E_VERSION);
    assert_status(convoy_request_init(&q, 99), CONVOY_E_VERSION);
    assert_status(convoy_request_init(NULL, 1), CONVOY_E_INVALID_ARG);

    convoy_route_result res;
    memset(&res, 0xab, sizeof res);
    assert_ok(convoy_route_result_init(&res, CONVOY_ROUTE_RESULT_VERSION));
    assert_int_equal(res.version, CONVOY_ROUTE_RESULT_VERSION);
    assert_int_equal(res.rule, -1);
    assert_int_equal(res.flags, 0);
    assert_status(convoy_route_result_init(&res, 0), CONVOY_E_VERSION);
    assert_status(convoy_route_result_init(&res, 99), CONVOY_E_VERSION);
    assert_status(convoy_route_result_init(NULL, 1), CONVOY_E_INVALID_ARG);
}

/* ------------------------------------------------------------ convoy_router_new arguments */

static const char COHORT_PLAN[] =
    "{'name': 'co', 'services': ["
    " {'name': 'web', 'traffic': {'sticky': {'header': 'x-user-id'}}},"
    " {'name': 'cart', 'traffic': {'cohort': 'checkout-flow', 'sticky': {'header': 'x-user-id'}}},"
    " {'name': 'pay', 'traffic': {'cohort': 'checkout-flow', 'sticky': {'header': 'x-user-id'}}},"
    " {'name': 'plain'}"
    "]}";

static void expect_new_fails(const convoy_plan *plan, const uint32_t *cand, const uint32_t *mirror,
                             size_t n, const convoy_router_options *opts, int expected, int line)
{
    convoy_router *r = NULL;
    convoy_error_clear();
    int rc = convoy_router_new(&r, plan, cand, mirror, n, opts);
    if (rc != expected)
        fail_msg("line %d: convoy_router_new returned %d (%s), expected %d (%s)", line, rc,
                 convoy_strerror(rc), expected, convoy_strerror(expected));
    if (r)
        fail_msg("line %d: a failed convoy_router_new handed out a router", line);
    if (convoy_error_code(convoy_error_last()) != expected)
        fail_msg("line %d: the error record has code %d", line,
                 convoy_error_code(convoy_error_last()));
}
#define NEW_FAILS(plan, cand, mirror, n, opts, expected)                                    \
    expect_new_fails((plan), (cand), (mirror), (n), (opts), (expected), __LINE__)

static void test_new_arguments(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(COHORT_PLAN);
    uint32_t cand[4] = {100, 200, 200, 300}, mirror[4] = {0, 50, 50, 10000};
    convoy_router *r = NULL;

    assert_status(convoy_router_new(NULL, plan, cand, mirror, 4, NULL), CONVOY_E_INVALID_ARG);
    NEW_FAILS(NULL, cand, mirror, 4, NULL, CONVOY_E_INVALID_ARG);
    NEW_FAILS(plan, NULL, mirror, 4, NULL, CONVOY_E_INVALID_ARG);
    NEW_FAILS(plan, cand, mirror, 3, NULL, CONVOY_E_INVALID_ARG);
    NEW_FAILS(plan, cand, mirror, 5, NULL, CONVOY_E_INVALID_ARG);
    NEW_FAILS(plan, cand, mirror, 0, NULL, CONVOY_E_INVALID_ARG);

    /* Weights above 10000 basis points. */
    uint32_t big[4] = {10001, 200, 200, 300};
    NEW_FAILS(plan, big, mirror, 4, NULL, CONVOY_E_INVALID_ARG);
    uint32_t big_mirror[4] = {0, 50, 50, 10001};
    NEW_FAILS(plan, cand, big_mirror, 4, NULL, CONVOY_E_INVALID_ARG);
    uint32_t huge[4] = {UINT32_MAX, 200, 200, 300};
    NEW_FAILS(plan, huge, NULL, 4, NULL, CONVOY_E_INVALID_ARG);

    /* Cohort members (cart, pay) move in lockstep. */
    uint32_t split_cohort[4] = {100, 200, 201, 300};
    NEW_FAILS(plan, split_cohort, mirror, 4, NULL, CONVOY_E_INVALID);
    uint32_t split_mirror[4] = {0, 50, 0, 10000};
    NEW_FAILS(plan, cand, split_mirror, 4, NULL, CONVOY_E_INVALID);
    uint32_t split_mirror2[4] = {0, 0, 50, 10000};
    NEW_FAILS(plan, cand, split_mirror2, 4, NULL, CONVOY_E_INVALID);

    /* Options versions. */
    convoy_router_options o = CONVOY_ROUTER_OPTIONS_INIT;
    o.version = 0;
    NEW_FAILS(plan, cand, mirror, 4, &o, CONVOY_E_VERSION);
    o.version = 99;
    NEW_FAILS(plan, cand, mirror, 4, &o, CONVOY_E_VERSION);

    /* Valid: the edges of the range, no mirror array, default options. */
    uint32_t edges[4] = {0, 10000, 10000, 10000};
    assert_ok(convoy_router_new(&r, plan, edges, NULL, 4, NULL));
    assert_int_equal(convoy_router_candidate_bp(r, 0), 0);
    assert_int_equal(convoy_router_candidate_bp(r, 1), 10000);
    assert_int_equal(convoy_router_mirror_bp(r, 3), 0);
    convoy_router_free(r);
    o.version = CONVOY_ROUTER_OPTIONS_VERSION;
    assert_ok(convoy_router_new(&r, plan, cand, mirror, 4, &o));
    assert_int_equal(convoy_router_mirror_bp(r, 3), 10000);
    convoy_router_free(r);
    convoy_plan_free(plan);

    convoy_router_free(NULL);
}

/* ------------------------------------------------------------ convoy_router_route arguments */

static void test_route_arguments(void **state)
{
    (void)state;
    convoy_router *r = tt_router(COHORT_PLAN, 5000, 0);
    convoy_request q = CONVOY_REQUEST_INIT;
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;

    assert_status(convoy_router_route(NULL, r, 0, &q), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route(&res, NULL, 0, &q), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route(&res, r, 0, NULL), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route(&res, r, 4, &q), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route(&res, r, (size_t)-1, &q), CONVOY_E_INVALID_ARG);

    q.version = 0;
    assert_status(convoy_router_route(&res, r, 0, &q), CONVOY_E_VERSION);
    q.version = 99;
    assert_status(convoy_router_route(&res, r, 0, &q), CONVOY_E_VERSION);
    q.version = CONVOY_REQUEST_VERSION;

    res.version = 0;
    assert_status(convoy_router_route(&res, r, 0, &q), CONVOY_E_VERSION);
    res.version = 99;
    assert_status(convoy_router_route(&res, r, 0, &q), CONVOY_E_VERSION);
    res.version = CONVOY_ROUTE_RESULT_VERSION;

    assert_ok(convoy_router_route(&res, r, 3, &q));
    /* An empty request: no key, no id. */
    assert_int_equal(res.key_source, CONVOY_KEY_NONE);
    assert_int_equal(res.bucket, tt_bucket("plain", ""));
    convoy_router_free(r);
}

/* ------------------------------------------------------------ rules */

static void test_first_match_wins(void **state)
{
    (void)state;
    convoy_router *r = tt_router(
        "{'name': 'fm', 'services': [{'name': 'svc', 'traffic': {'rules': ["
        " {'name': 'one', 'match': [{'header': 'x-a', 'exact': '1'}], 'variant': 'baseline'},"
        " {'name': 'any', 'match': [{'header': 'x-a', 'present': true}], 'variant': 'candidate'},"
        " {'name': 'attr', 'match': [{'attribute': 't', 'exact': 'x'}], 'variant': 'candidate'},"
        " {'name': 'attr-again', 'match': [{'attribute': 't', 'prefix': 'x'}], 'variant': 'baseline'}"
        "]}}]}",
        10000, 0);
    tt_req q;
    tt_req_init(&q);
    tt_header(&q, "x-a", "1");
    tt_attr(&q, "t", "x");
    assert_routed(tt_route(r, 0, &q.req), CONVOY_VARIANT_BASELINE, 0);
    assert_routed(tt_route(r, 0, &hreq(&q, "x-a", "2")->req), CONVOY_VARIANT_CANDIDATE, 1);
    assert_routed(tt_route(r, 0, &areq(&q, "t", "x")->req), CONVOY_VARIANT_CANDIDATE, 2);
    assert_routed(tt_route(r, 0, &areq(&q, "t", "xy")->req), CONVOY_VARIANT_BASELINE, 3);
    /* No rule: the weights (10000) decide. */
    assert_routed(tt_route(r, 0, &areq(&q, "t", "y")->req), CONVOY_VARIANT_CANDIDATE, -1);
    tt_req_init(&q);
    assert_routed(tt_route(r, 0, &q.req), CONVOY_VARIANT_CANDIDATE, -1);
    convoy_router_free(r);
}

static void test_all_conditions_must_hold(void **state)
{
    (void)state;
    convoy_router *r = cond_router("{'header': 'x-plan', 'prefix': 'pro'},"
                                   " {'attribute': 'region', 'exact': 'eu-west'},"
                                   " {'cookie': 'beta', 'present': true},"
                                   " {'header': 'x-block', 'absent': true}");
    tt_req q;
    for (unsigned mask = 0; mask < 16; mask++) {
        tt_req_init(&q);
        if (mask & 1)
            tt_header(&q, "X-Plan", "professional");
        if (mask & 2)
            tt_attr(&q, "region", "eu-west");
        if (mask & 4)
            tt_cookie(&q, "beta", "1");
        if (mask & 8)
            tt_header(&q, "x-block", "yes");
        int want = mask == 7;
        if (matches_at(r, &q, __LINE__) != want)
            fail_msg("conditions present %#x: matched %d, expected %d", mask, !want, want);
    }
    convoy_router_free(r);
}

static void test_header_exact(void **state)
{
    (void)state;
    convoy_router *r = cond_router("{'header': 'X-Canary', 'exact': 'always'}");
    tt_req q;
    /* Names are case-insensitive. */
    MATCHES(r, hreq(&q, "X-Canary", "always"));
    MATCHES(r, hreq(&q, "x-canary", "always"));
    MATCHES(r, hreq(&q, "X-CANARY", "always"));
    MATCHES(r, hreq(&q, "x-CaNaRy", "always"));
    /* Values are case-sensitive and exact. */
    NO_MATCH(r, hreq(&q, "x-canary", "Always"));
    NO_MATCH(r, hreq(&q, "x-canary", "ALWAYS"));
    NO_MATCH(r, hreq(&q, "x-canary", "always "));
    NO_MATCH(r, hreq(&q, "x-canary", " always"));
    NO_MATCH(r, hreq(&q, "x-canary", "alway"));
    NO_MATCH(r, hreq(&q, "x-canary", "alwayss"));
    NO_MATCH(r, hreq(&q, "x-canary", ""));
    NO_MATCH(r, hreq(&q, "x-canar", "always"));
    NO_MATCH(r, hreq(&q, "x-canaryy", "always"));
    NO_MATCH(r, hreq(&q, "x_canary", "always"));
    tt_req_init(&q);
    NO_MATCH(r, &q);
    /* Not a cookie or an attribute of that name. */
    NO_MATCH(r, creq(&q, "X-Canary", "always"));
    NO_MATCH(r, areq(&q, "X-Canary", "always"));
    /* The first of repeated headers counts. */
    tt_req_init(&q);
    tt_header(&q, "x-canary", "no");
    tt_header(&q, "X-Canary", "always");
    NO_MATCH(r, &q);
    tt_req_init(&q);
    tt_header(&q, "other", "x");
    tt_header(&q, "x-canary", "always");
    tt_header(&q, "X-Canary", "no");
    MATCHES(r, &q);
    convoy_router_free(r);
}

static void test_explicit_lengths(void **state)
{
    (void)state;
    convoy_router *r = cond_router("{'header': 'x-canary', 'exact': 'always'}");
    tt_req q;
    tt_req_init(&q);
    convoy_pair p = {"x-canary-and-more", 8, "alwaysXYZ", 6};
    q.headers[0] = p;
    q.req.n_headers = 1;
    MATCHES(r, &q);
    q.headers[0].value_len = 5;   /* "alway" */
    NO_MATCH(r, &q);
    q.headers[0].value_len = 7;   /* "alwaysX" */
    NO_MATCH(r, &q);
    q.headers[0].value_len = 6;
    q.headers[0].name_len = 9;    /* "x-canary-" */
    NO_MATCH(r, &q);
    /* Embedded NULs are bytes, not terminators. */
    convoy_pair nul = {"x-canary\0", 9, "always", CONVOY_NTS};
    q.headers[0] = nul;
    NO_MATCH(r, &q);
    convoy_pair nulv = {"x-canary", CONVOY_NTS, "always\0", 7};
    q.headers[0] = nulv;
    NO_MATCH(r, &q);
    /* A name with a NUL-terminated length and a value with an explicit one. */
    convoy_pair mixed = {"X-Canary", CONVOY_NTS, "always-on", 6};
    q.headers[0] = mixed;
    MATCHES(r, &q);
    convoy_router_free(r);
}

static void test_header_prefix_suffix(void **state)
{
    (void)state;
    convoy_router *r = cond_router("{'header': 'x-plan', 'prefix': 'pro'}");
    tt_req q;
    MATCHES(r, hreq(&q, "x-plan", "pro"));
    MATCHES(r, hreq(&q, "X-PLAN", "professional"));
    NO_MATCH(r, hreq(&q, "x-plan", "pr"));
    NO_MATCH(r, hreq(&q, "x-plan", "Pro"));
    NO_MATCH(r, hreq(&q, "x-plan", "apro"));
    NO_MATCH(r, hreq(&q, "x-plan", ""));
    tt_req_init(&q);
    NO_MATCH(r, &q);
    convoy_router_free(r);

    r = cond_router("{'header': 'User-Agent', 'suffix': 'bot'}");
    MATCHES(r, hreq(&q, "user-agent", "Googlebot"));
    MATCHES(r, hreq(&q, "USER-AGENT", "bot"));
    NO_MATCH(r, hreq(&q, "user-agent", "ot"));
    NO_MATCH(r, hreq(&q, "user-agent", "bots"));
    NO_MATCH(r, hreq(&q, "user-agent", "GoogleBOT"));
    NO_MATCH(r, hreq(&q, "user-agent", ""));
    convoy_router_free(r);
}

static void test_present_absent(void **state)
{
    (void)state;
    convoy_router *present = cond_router("{'header': 'X-Debug', 'present': true}");
    convoy_router *absent = cond_router("{'header': 'X-Debug', 'absent': true}");
    tt_req q;
    const char *values[] = {"1", "", "anything at all"};
    for (size_t i = 0; i < COUNT(values); i++) {
        MATCHES(present, hreq(&q, "x-debug", values[i]));
        NO_MATCH(absent, hreq(&q, "X-DEBUG", values[i]));
    }
    tt_req_init(&q);
    NO_MATCH(present, &q);
    MATCHES(absent, &q);
    NO_MATCH(present, hreq(&q, "x-debugger", "1"));
    MATCHES(absent, hreq(&q, "x-debugger", "1"));
    NO_MATCH(present, creq(&q, "x-debug", "1"));
    MATCHES(absent, areq(&q, "x-debug", "1"));
    /* A pair with a NULL value of length 0 is a header with an empty value. */
    tt_req_init(&q);
    convoy_pair p = {"x-debug", CONVOY_NTS, NULL, 0};
    q.headers[0] = p;
    q.req.n_headers = 1;
    MATCHES(present, &q);
    NO_MATCH(absent, &q);
    convoy_router_free(present);
    convoy_router_free(absent);

    /* The same tests on cookies and attributes. */
    present = cond_router("{'cookie': 'consent', 'present': true}");
    absent = cond_router("{'cookie': 'consent', 'absent': true}");
    MATCHES(present, creq(&q, "consent", ""));
    NO_MATCH(absent, creq(&q, "consent", "yes"));
    MATCHES(present, hreq(&q, "Cookie", "a=1; consent=; b=2"));
    NO_MATCH(absent, hreq(&q, "Cookie", "a=1; consent=; b=2"));
    NO_MATCH(present, hreq(&q, "Cookie", "a=1; consentx=1; xconsent=2"));
    MATCHES(absent, hreq(&q, "Cookie", "a=1; consentx=1; xconsent=2"));
    NO_MATCH(present, creq(&q, "Consent", "1"));
    convoy_router_free(present);
    convoy_router_free(absent);

    present = cond_router("{'attribute': 'flag', 'present': true}");
    absent = cond_router("{'attribute': 'flag', 'absent': true}");
    MATCHES(present, areq(&q, "flag", ""));
    NO_MATCH(absent, areq(&q, "flag", "beta"));
    NO_MATCH(present, areq(&q, "Flag", "beta"));
    MATCHES(absent, areq(&q, "Flag", "beta"));
    convoy_router_free(present);
    convoy_router_free(absent);
}

/* ------------------------------------------------------------ cookies */

static void test_cookie_list_and_header(void **state)
{
    (void)state;
    convoy_router *r = cond_router("{'cookie': 'flag', 'exact': 'on'}");
    tt_req q;
    /* From the cookies list: names compared exactly. */
    MATCHES(r, creq(&q, "flag", "on"));
    NO_MATCH(r, creq(&q, "Flag", "on"));
    NO_MATCH(r, creq(&q, "FLAG", "on"));
    NO_MATCH(r, creq(&q, "flag", "off"));
    NO_MATCH(r, creq(&q, "flag", "On"));
    /* Not a header or an attribute named flag. */
    NO_MATCH(r, hreq(&q, "flag", "on"));
    NO_MATCH(r, areq(&q, "flag", "on"));

    /* From a raw Cookie header (any case of its name). */
    MATCHES(r, hreq(&q, "Cookie", "flag=on"));
    MATCHES(r, hreq(&q, "cookie", "a=1; flag=on; b=2"));
    MATCHES(r, hreq(&q, "COOKIE", "a=1; b=2; flag=on"));
    NO_MATCH(r, hreq(&q, "Cookie", "a=1; flag=off; b=2"));
    NO_MATCH(r, hreq(&q, "Cookie", "Flag=on"));
    NO_MATCH(r, hreq(&q, "Cookie", ""));
    NO_MATCH(r, hreq(&q, "Cookies", "flag=on"));
    NO_MATCH(r, hreq(&q, "Set-Cookie", "flag=on"));

    /* When the list has the cookie, the header is not consulted. */
    tt_req_init(&q);
    tt_cookie(&q, "flag", "off");
    tt_header(&q, "Cookie", "flag=on");
    NO_MATCH(r, &q);
    tt_req_init(&q);
    tt_cookie(&q, "other", "1");
    tt_header(&q, "Cookie", "flag=on");
    MATCHES(r, &q);

    /* Several Cookie headers (HTTP/2 splits them) are all searched. */
    tt_req_init(&q);
    tt_header(&q, "cookie", "a=1");
    tt_header(&q, "Cookie", "b=2; flag=on");
    MATCHES(r, &q);
    convoy_router_free(r);
}

static void test_cookie_header_parsing(void **state)
{
    (void)state;
    convoy_router *r = cond_router("{'cookie': 'flag', 'exact': 'on'}");
    tt_req q;
    /* Odd spacing. */
    static const char *const yes[] = {
        "flag=on",        "a=1;flag=on",        "a=1;   flag=on",    "a=1; flag=on;",
        "a=1 ; flag=on",  " flag=on",           "\tflag=on",         "a=1;\tflag=on;\tb=2",
        ";flag=on",       "a=1;; flag=on",      "flag=on ; b=2",     "a=1; flag=on  ",
        "flagged=off; flag=on", "xflag=off; flag=on; flag2=off",      "flag=on; flag=off",
        "a=; flag=on",
    };
    for (size_t i = 0; i < COUNT(yes); i++)
        if (matches_at(r, hreq(&q, "Cookie", yes[i]), __LINE__) != 1)
            fail_msg("Cookie: \"%s\" does not give flag=on", yes[i]);
    /* Names that are prefixes or suffixes of others; values that contain
     * "flag=on"; a missing value. */
    static const char *const no[] = {
        "flagged=on",      "xflag=on",     "flag2=on",     "fla=on",        "a=flag=on",
        "a=1; b=flag=on",  "flag=",        "flag",         "flag=onx",      "flag=o",
        "flag=off; flag=on", "=on",        ";",            "flagon",        "flag:on",
    };
    for (size_t i = 0; i < COUNT(no); i++)
        if (matches_at(r, hreq(&q, "Cookie", no[i]), __LINE__) != 0)
            fail_msg("Cookie: \"%s\" gives flag=on", no[i]);
    convoy_router_free(r);

    /* Empty values are values. */
    convoy_router *present = cond_router("{'cookie': 'flag', 'present': true}");
    convoy_router *prefix = cond_router("{'cookie': 'flag', 'prefix': 'o'}");
    static const char *const empty[] = {"flag=", "flag=; b=2", "a=1; flag=", "a=1; flag= ; b=2"};
    for (size_t i = 0; i < COUNT(empty); i++) {
        if (matches_at(present, hreq(&q, "Cookie", empty[i]), __LINE__) != 1)
            fail_msg("Cookie: \"%s\": flag is not present", empty[i]);
        if (matches_at(prefix, hreq(&q, "Cookie", empty[i]), __LINE__) != 0)
            fail_msg("Cookie: \"%s\": flag has a value starting with o", empty[i]);
    }
    NO_MATCH(present, hreq(&q, "Cookie", "flagged=1; xflag=2"));
    /* A pair with a NULL value of length 0, in the list and as the header. */
    tt_req_init(&q);
    convoy_pair p = {"flag", CONVOY_NTS, NULL, 0};
    q.cookies[0] = p;
    q.req.n_cookies = 1;
    MATCHES(present, &q);
    NO_MATCH(prefix, &q);
    tt_req_init(&q);
    convoy_pair h = {"Cookie", CONVOY_NTS, NULL, 0};
    q.headers[0] = h;
    q.req.n_headers = 1;
    NO_MATCH(present, &q);
    /* A Cookie header value with an explicit length that cuts a cookie. */
    tt_req_init(&q);
    convoy_pair cut = {"Cookie", CONVOY_NTS, "flag=on; b=2", 6};
    q.headers[0] = cut;
    q.req.n_headers = 1;
    MATCHES(present, &q);
    MATCHES(prefix, &q);    /* the cookie is cut to "flag=o" */
    convoy_router_free(present);
    convoy_router_free(prefix);
}

/* ------------------------------------------------------------ attributes */

static void test_attributes(void **state)
{
    (void)state;
    convoy_router *r = cond_router("{'attribute': 'region', 'exact': 'eu-west'}");
    tt_req q;
    MATCHES(r, areq(&q, "region", "eu-west"));
    NO_MATCH(r, areq(&q, "Region", "eu-west"));
    NO_MATCH(r, areq(&q, "REGION", "eu-west"));
    NO_MATCH(r, areq(&q, "region", "EU-WEST"));
    NO_MATCH(r, areq(&q, "region", "eu-west-1"));
    NO_MATCH(r, hreq(&q, "region", "eu-west"));
    NO_MATCH(r, creq(&q, "region", "eu-west"));
    tt_req_init(&q);
    tt_attr(&q, "tenant", "x");
    tt_attr(&q, "region", "eu-west");
    MATCHES(r, &q);
    convoy_router_free(r);

    r = cond_router("{'attribute': 'segment', 'suffix': '-beta'}");
    MATCHES(r, areq(&q, "segment", "staff-beta"));
    NO_MATCH(r, areq(&q, "segment", "staff-beta2"));
    convoy_router_free(r);
}

/* ------------------------------------------------------------ regexes */

static void test_regex_whole_value(void **state)
{
    (void)state;
    tt_req q;
    convoy_router *r = cond_router("{'header': 'x-group', 'regex': 'be'}");
    MATCHES(r, hreq(&q, "x-group", "be"));
    NO_MATCH(r, hreq(&q, "x-group", "beta"));
    NO_MATCH(r, hreq(&q, "x-group", "abe"));
    NO_MATCH(r, hreq(&q, "x-group", "xbex"));
    NO_MATCH(r, hreq(&q, "x-group", "be\n"));
    NO_MATCH(r, hreq(&q, "x-group", "Be"));
    convoy_router_free(r);

    /* Alternatives are anchored as a whole. */
    r = cond_router("{'header': 'x-group', 'regex': 'beta|gamma'}");
    MATCHES(r, hreq(&q, "x-group", "beta"));
    MATCHES(r, hreq(&q, "x-group", "gamma"));
    NO_MATCH(r, hreq(&q, "x-group", "betamax"));
    NO_MATCH(r, hreq(&q, "x-group", "xgamma"));
    NO_MATCH(r, hreq(&q, "x-group", "betagamma"));
    NO_MATCH(r, hreq(&q, "x-group", "gamma\n"));
    convoy_router_free(r);

    /* Explicit anchors are harmless. */
    r = cond_router("{'header': 'x-group', 'regex': '^b.*a$'}");
    MATCHES(r, hreq(&q, "x-group", "beta"));
    NO_MATCH(r, hreq(&q, "x-group", "betas"));
    convoy_router_free(r);

    r = cond_router("{'header': 'x-id', 'regex': '[0-9]+'}");
    MATCHES(r, hreq(&q, "x-id", "123"));
    NO_MATCH(r, hreq(&q, "x-id", "12a"));
    NO_MATCH(r, hreq(&q, "x-id", ""));
    /* Explicit lengths bound the subject. */
    tt_req_init(&q);
    convoy_pair p = {"x-id", CONVOY_NTS, "123abc", 3};
    q.headers[0] = p;
    q.req.n_headers = 1;
    MATCHES(r, &q);
    convoy_router_free(r);

    /* Case-insensitivity only when the pattern asks; on cookies too. */
    r = cond_router("{'cookie': 'grp', 'regex': '(?i)beta'}");
    MATCHES(r, creq(&q, "grp", "BETA"));
    MATCHES(r, hreq(&q, "Cookie", "a=1; grp=Beta; b=2"));
    NO_MATCH(r, hreq(&q, "Cookie", "a=1; grp=Betamax; b=2"));
    convoy_router_free(r);

    /* An empty value against a pattern that accepts it. */
    r = cond_router("{'attribute': 'a', 'regex': '.*'}");
    MATCHES(r, areq(&q, "a", ""));
    MATCHES(r, areq(&q, "a", "anything"));
    tt_req_init(&q);
    NO_MATCH(r, &q);   /* not present: no match */
    convoy_router_free(r);

    /* Flagger's cookie-header regex, written against the Cookie header. */
    r = cond_router("{'header': 'cookie', 'regex': '^(.*?;)?(canary=always)(;.*)?$'}");
    MATCHES(r, hreq(&q, "Cookie", "canary=always"));
    MATCHES(r, hreq(&q, "Cookie", "a=1;canary=always;b=2"));
    NO_MATCH(r, hreq(&q, "Cookie", "a=1;canary=never"));
    convoy_router_free(r);
}

static void test_regex_match_limit(void **state)
{
    (void)state;
    static const char RULES[] =
        "{'name': 'evil', 'services': [{'name': 'svc', 'traffic': {'rules': ["
        " {'name': 'nested', 'match': [{'header': 'x-nested', 'regex': '(a+)+$'}], 'variant': 'candidate'},"
        " {'name': 'alt', 'match': [{'header': 'x-alt', 'regex': '(a|a)*b'}], 'variant': 'candidate'},"
        " {'name': 'xx', 'match': [{'header': 'x-xx', 'regex': '(x+x+)+y'}], 'variant': 'candidate'},"
        " {'name': 'ok', 'match': [{'header': 'x-ok', 'regex': 'ok-[0-9]+'}], 'variant': 'candidate'}"
        "]}}]}";
    char as[64], as_bang[72], as_bx[72], xs[72];
    memset(as, 'a', 40);
    as[40] = '\0';
    snprintf(as_bang, sizeof as_bang, "%s!", as);
    snprintf(as_bx, sizeof as_bx, "%sbx", as);
    memset(xs, 'x', 34);
    snprintf(xs + 34, sizeof xs - 34, "y!");

    const uint32_t flag_sets[] = {0, CONVOY_ROUTER_NO_JIT};
    const uint32_t limits[] = {1000, 10000};
    for (size_t f = 0; f < COUNT(flag_sets); f++) {
        for (size_t l = 0; l < COUNT(limits); l++) {
            convoy_router_options o = CONVOY_ROUTER_OPTIONS_INIT;
            o.flags = flag_sets[f];
            o.regex_match_limit = limits[l];
            convoy_router *r = tt_router_opts(RULES, 0, 0, &o);
            tt_req q;
            struct {
                const char *header, *value;
            } evil[] = {{"x-nested", as_bang}, {"x-alt", as_bx}, {"x-xx", xs}};
            for (size_t e = 0; e < COUNT(evil); e++) {
                double t0 = now_seconds();
                convoy_route_result res = tt_route(r, 0, &hreq(&q, evil[e].header, evil[e].value)->req);
                double dt = now_seconds() - t0;
                if (dt > 2.0)
                    fail_msg("%s: %s took %.2f s (flags %#x, limit %u)", evil[e].header,
                             evil[e].value, dt, (unsigned)o.flags, (unsigned)o.regex_match_limit);
                if (!(res.flags & CONVOY_ROUTE_REGEX_LIMIT))
                    fail_msg("%s: %s: CONVOY_ROUTE_REGEX_LIMIT not set (flags %#x, limit %u, "
                             "result flags %#x)",
                             evil[e].header, evil[e].value, (unsigned)o.flags,
                             (unsigned)o.regex_match_limit, (unsigned)res.flags);
                /* The condition counted as not matching: the weights decided. */
                assert_routed(res, CONVOY_VARIANT_BASELINE, -1);
                assert_false(res.flags & CONVOY_ROUTE_MIRROR);
            }
            /* Harmless values for the same patterns still match, without the flag. */
            convoy_route_result res = tt_route(r, 0, &hreq(&q, "x-nested", "aaaa")->req);
            assert_routed(res, CONVOY_VARIANT_CANDIDATE, 0);
            assert_int_equal(res.flags, 0);
            res = tt_route(r, 0, &hreq(&q, "x-alt", "aaab")->req);
            assert_routed(res, CONVOY_VARIANT_CANDIDATE, 1);
            res = tt_route(r, 0, &hreq(&q, "x-ok", "ok-12345")->req);
            assert_routed(res, CONVOY_VARIANT_CANDIDATE, 3);
            assert_int_equal(res.flags, 0);
            /* All a's and no b: PCRE2 may reject it at once (b is required), but
             * promptly and without a match either way. */
            double t0 = now_seconds();
            res = tt_route(r, 0, &hreq(&q, "x-alt", as)->req);
            assert_true(now_seconds() - t0 < 2.0);
            assert_routed(res, CONVOY_VARIANT_BASELINE, -1);
            /* A limited condition in one rule does not stop later rules. */
            tt_req_init(&q);
            tt_header(&q, "x-nested", as_bang);
            tt_header(&q, "x-ok", "ok-1");
            res = tt_route(r, 0, &q.req);
            assert_routed(res, CONVOY_VARIANT_CANDIDATE, 3);
            assert_true(res.flags & CONVOY_ROUTE_REGEX_LIMIT);
            /* The flag belongs to one call. */
            res = tt_route(r, 0, &hreq(&q, "x-ok", "ok-2")->req);
            assert_int_equal(res.flags, 0);
            convoy_router_free(r);
        }
    }
}

/* The limit is the configured one: "(a+)+$" against 14 a's and a '!' needs
 * some 33,000 (JIT) to 41,000 (interpreter) PCRE2 match steps, more than
 * 1,000 and the default 10,000, far fewer than 1,000,000. */
static void test_regex_match_limit_is_configurable(void **state)
{
    (void)state;
    char moderate[32];
    memset(moderate, 'a', 14);
    snprintf(moderate + 14, sizeof moderate - 14, "!");
    const uint32_t limits[] = {1000, 10000, 1000000};
    for (int nojit = 0; nojit < 2; nojit++) {
        for (size_t l = 0; l < COUNT(limits); l++) {
            convoy_router_options o = CONVOY_ROUTER_OPTIONS_INIT;
            o.flags = nojit ? CONVOY_ROUTER_NO_JIT : 0;
            o.regex_match_limit = limits[l];
            convoy_router *r = cond_router_opts("{'header': 'x-v', 'regex': '(a+)+$'}", &o);
            tt_req q;
            convoy_route_result res = tt_route(r, 0, &hreq(&q, "x-v", moderate)->req);
            assert_routed(res, CONVOY_VARIANT_BASELINE, -1);
            int limited = (res.flags & CONVOY_ROUTE_REGEX_LIMIT) != 0;
            if (limited != (limits[l] < 1000000))
                fail_msg("match limit %u (nojit %d): REGEX_LIMIT %s", (unsigned)limits[l], nojit,
                         limited ? "set" : "not set");
            convoy_router_free(r);
        }
    }
}

/* The interpreter's depth limit (the JIT has its own stack limit instead). */
/* A zero-filled options struct (as a binding may pass) means the defaults:
 * regexes still match; unknown flag bits are refused. */
static void test_options_zero_means_default(void **state)
{
    (void)state;
    static const char RULES[] =
        "{'name': 'z', 'services': [{'name': 'svc', 'traffic': {'rules': ["
        " {'name': 'beta', 'match': [{'header': 'x-v', 'regex': 'be.a'}], 'variant': 'candidate'}"
        "]}}]}";
    convoy_router_options o;
    memset(&o, 0, sizeof o);
    o.version = CONVOY_ROUTER_OPTIONS_VERSION;
    convoy_router *r = tt_router_opts(RULES, 0, 0, &o);
    tt_req q;
    convoy_route_result res = tt_route(r, 0, &hreq(&q, "x-v", "beta")->req);
    assert_int_equal(res.rule, 0);
    assert_int_equal(res.flags & CONVOY_ROUTE_REGEX_LIMIT, 0);
    convoy_router_free(r);

    convoy_plan *plan = tt_plan(RULES);
    uint32_t w = 0;
    o.flags = 0x80u;
    convoy_router *bad = NULL;
    assert_status(convoy_router_new(&bad, plan, &w, NULL, 1, &o), CONVOY_E_INVALID_ARG);
    assert_null(bad);
    convoy_plan_free(plan);
}

static void test_regex_depth_limit(void **state)
{
    (void)state;
    static const char RULES[] =
        "{'name': 'deep', 'services': [{'name': 'svc', 'traffic': {'rules': ["
        " {'name': 'deep', 'match': [{'header': 'x-deep', 'regex': '(a|b)*c'}], 'variant': 'candidate'}"
        "]}}]}";
    char longv[256] = "", shortv[64] = "";
    for (int i = 0; i < 100; i++)
        strcat(longv, "ab");
    strcat(longv, "c");
    for (int i = 0; i < 10; i++)
        strcat(shortv, "ab");
    strcat(shortv, "c");
    convoy_router_options o = CONVOY_ROUTER_OPTIONS_INIT;
    o.flags = CONVOY_ROUTER_NO_JIT;
    o.regex_depth_limit = 10;
    o.regex_match_limit = 10000000;
    convoy_router *r = tt_router_opts(RULES, 0, 0, &o);
    tt_req q;
    convoy_route_result res = tt_route(r, 0, &hreq(&q, "x-deep", longv)->req);
    assert_routed(res, CONVOY_VARIANT_BASELINE, -1);
    assert_true(res.flags & CONVOY_ROUTE_REGEX_LIMIT);
    convoy_router_free(r);

    o.regex_depth_limit = 250;
    r = tt_router_opts(RULES, 0, 0, &o);
    res = tt_route(r, 0, &hreq(&q, "x-deep", shortv)->req);
    assert_routed(res, CONVOY_VARIANT_CANDIDATE, 0);
    assert_int_equal(res.flags, 0);
    convoy_router_free(r);
}

static void test_regex_max_value_bytes(void **state)
{
    (void)state;
    static const char RULES[] =
        "{'name': 'len', 'services': [{'name': 'svc', 'traffic': {'rules': ["
        " {'name': 're', 'match': [{'header': 'x-v', 'regex': 'x.*'}], 'variant': 'candidate'},"
        " {'name': 'pre', 'match': [{'header': 'x-w', 'prefix': 'x'}], 'variant': 'candidate'}"
        "]}}]}";
    convoy_router_options o = CONVOY_ROUTER_OPTIONS_INIT;
    o.max_value_bytes = 8;
    for (int nojit = 0; nojit < 2; nojit++) {
        o.flags = nojit ? CONVOY_ROUTER_NO_JIT : 0;
        convoy_router *r = tt_router_opts(RULES, 0, 0, &o);
        tt_req q;
        assert_routed(tt_route(r, 0, &hreq(&q, "x-v", "x1234567")->req), CONVOY_VARIANT_CANDIDATE, 0);
        assert_routed(tt_route(r, 0, &hreq(&q, "x-v", "x12345678")->req), CONVOY_VARIANT_BASELINE, -1);
        /* Only regexes are bounded. */
        assert_routed(tt_route(r, 0, &hreq(&q, "x-w", "x12345678")->req), CONVOY_VARIANT_CANDIDATE, 1);
        convoy_router_free(r);
    }
    /* The default (8192). */
    convoy_router *r = tt_router(RULES, 0, 0);
    char *big = malloc(8194);
    assert_non_null(big);
    memset(big, 'x', 8193);
    big[8193] = '\0';
    tt_req q;
    assert_routed(tt_route(r, 0, &hreq(&q, "x-v", big)->req), CONVOY_VARIANT_BASELINE, -1);
    big[8192] = '\0';
    convoy_route_result res = tt_route(r, 0, &hreq(&q, "x-v", big)->req);
    /* 8192 bytes are allowed; the JIT may still run out of stack, but then says so. */
    if (!(res.flags & CONVOY_ROUTE_REGEX_LIMIT))
        assert_routed(res, CONVOY_VARIANT_CANDIDATE, 0);
    free(big);
    convoy_router_free(r);
}

static void test_regex_invalid_utf8(void **state)
{
    (void)state;
    static const char RULES[] =
        "{'name': 'utf', 'services': [{'name': 'svc', 'traffic': {'rules': ["
        " {'name': 'cafe', 'match': [{'header': 'x-name', 'regex': 'caf.'}], 'variant': 'candidate'},"
        " {'name': 'any', 'match': [{'header': 'x-any', 'regex': '.*'}], 'variant': 'candidate'},"
        " {'name': 'eacute', 'match': [{'header': 'x-e', 'regex': '\\\\x{e9}+'}], 'variant': 'candidate'},"
        " {'name': 'exact', 'match': [{'header': 'x-exact', 'exact': 'caf\\u00e9'}], 'variant': 'candidate'}"
        "]}}]}";
    static const char *const invalid[] = {
        "caf\xe9",             /* Latin-1 e-acute */
        "caf\xc3",             /* truncated sequence */
        "\xc0\xaf",            /* overlong '/' */
        "\xed\xa0\x80",        /* a surrogate */
        "\xf4\x90\x80\x80",    /* above U+10FFFF */
        "\xff\xfe",
        "ok\x80",
        "\xe9\xe9",
    };
    for (int nojit = 0; nojit < 2; nojit++) {
        convoy_router_options o = CONVOY_ROUTER_OPTIONS_INIT;
        o.flags = nojit ? CONVOY_ROUTER_NO_JIT : 0;
        convoy_router *r = tt_router_opts(RULES, 0, 0, &o);
        tt_req q;
        /* Valid UTF-8: '.' is one code point. */
        assert_routed(tt_route(r, 0, &hreq(&q, "x-name", "caf\xc3\xa9")->req), CONVOY_VARIANT_CANDIDATE, 0);
        assert_routed(tt_route(r, 0, &hreq(&q, "x-name", "cafe")->req), CONVOY_VARIANT_CANDIDATE, 0);
        assert_routed(tt_route(r, 0, &hreq(&q, "x-e", "\xc3\xa9\xc3\xa9")->req), CONVOY_VARIANT_CANDIDATE, 2);
        assert_routed(tt_route(r, 0, &hreq(&q, "x-exact", "caf\xc3\xa9")->req), CONVOY_VARIANT_CANDIDATE, 3);
        for (size_t i = 0; i < COUNT(invalid); i++) {
            const char *hs[] = {"x-name", "x-any", "x-e"};
            for (size_t h = 0; h < COUNT(hs); h++) {
                convoy_route_result res = tt_route(r, 0, &hreq(&q, hs[h], invalid[i])->req);
                if (res.rule != -1)
                    fail_msg("%s: invalid UTF-8 value #%zu matched rule %d (nojit %d)", hs[h], i,
                             (int)res.rule, nojit);
            }
            /* exact compares bytes. */
            assert_routed(tt_route(r, 0, &hreq(&q, "x-exact", invalid[i])->req), CONVOY_VARIANT_BASELINE, -1);
        }
        /* Invalid UTF-8 in a header name or a sticky key is just bytes. */
        assert_routed(tt_route(r, 0, &hreq(&q, "x-n\xff" "ame", "cafe")->req), CONVOY_VARIANT_BASELINE, -1);
        tt_req_init(&q);
        q.req.key = "\xff\xfe\xfd";
        q.req.key_len = CONVOY_NTS;
        convoy_route_result res = tt_route(r, 0, &q.req);
        assert_int_equal(res.bucket, tt_bucket("svc", "\xff\xfe\xfd"));
        convoy_router_free(r);
    }
}

/* ------------------------------------------------------------ weight rules */

static void test_weight_rule(void **state)
{
    (void)state;
    static const char RULES[] =
        "{'name': 'wr', 'services': [{'name': 'web', 'traffic': {"
        " 'sticky': {'header': 'x-user-id'}, 'rules': ["
        " {'name': 'gold', 'match': [{'attribute': 'tier', 'exact': 'gold'}], 'weight': 25},"
        " {'name': 'silver', 'match': [{'attribute': 'tier', 'exact': 'silver'}], 'weight': 0},"
        " {'name': 'platinum', 'match': [{'attribute': 'tier', 'exact': 'platinum'}], 'weight': 100},"
        " {'name': 'fine', 'match': [{'attribute': 'tier', 'exact': 'bronze'}], 'weight': 12.34}"
        "]}}]}";
    const uint32_t service_weights[] = {0, 5000, 10000};
    for (size_t w = 0; w < COUNT(service_weights); w++) {
        convoy_router *r = tt_router(RULES, service_weights[w], 0);
        unsigned gold_candidates = 0;
        const unsigned n = 4000;
        for (unsigned i = 0; i < n; i++) {
            char user[32];
            snprintf(user, sizeof user, "user-%u", i);
            uint32_t b = tt_bucket("web", user);
            tt_req q;
            tt_req_init(&q);
            tt_header(&q, "X-User-Id", user);
            convoy_route_result res = tt_route(r, 0, &q.req);
            assert_int_equal(res.bucket, b);
            assert_routed(res, tt_expect_variant(b, service_weights[w]), -1);
            static const struct {
                const char *tier;
                uint32_t bp;
            } tiers[] = {{"gold", 2500}, {"silver", 0}, {"platinum", 10000}, {"bronze", 1234}};
            for (int t = 0; t < 4; t++) {
                tt_attr(&q, "tier", tiers[t].tier);
                res = tt_route(r, 0, &q.req);
                q.req.n_attrs = 0;
                assert_int_equal(res.bucket, b);
                assert_int_equal(res.key_source, CONVOY_KEY_STICKY);
                assert_routed(res, tt_expect_variant(b, tiers[t].bp), t);
                if (t == 0)
                    gold_candidates += res.variant == CONVOY_VARIANT_CANDIDATE;
            }
        }
        double sigma = sqrt(n * 0.25 * 0.75);
        if (fabs(gold_candidates - n * 0.25) > 5 * sigma)
            fail_msg("%u of %u gold users on the candidate at 25 %%", gold_candidates, n);
        convoy_router_free(r);
    }
}

/* ------------------------------------------------------------ sticky keys */

static const char STICKY_PLAN[] =
    "{'name': 'st', 'services': ["
    " {'name': 'h', 'traffic': {'sticky': {'header': 'X-User-Id'}}},"
    " {'name': 'c', 'traffic': {'sticky': {'cookie': 'sid'}}},"
    " {'name': 'a', 'traffic': {'sticky': {'attribute': 'tenant'}}},"
    " {'name': 'n'}"
    "]}";

static void expect_key(const convoy_router *r, size_t svc, const tt_req *q, int source,
                       const char *key, size_t key_len, int line)
{
    convoy_route_result res = tt_route_at(r, svc, &q->req, line);
    const char *group = convoy_router_group(r, svc);
    uint32_t want = convoy_bucket(group, strlen(group), key, key_len);
    if (res.key_source != source || res.bucket != want)
        fail_msg("line %d: service %s: key source %d bucket %u, expected source %d and the "
                 "bucket %u of \"%.*s\"",
                 line, group, res.key_source, (unsigned)res.bucket, source, (unsigned)want,
                 (int)key_len, key);
    /* With weight 5000 the variant follows the bucket. */
    if (res.variant != tt_expect_variant(want, convoy_router_candidate_bp(r, svc)))
        fail_msg("line %d: variant %d for bucket %u", line, res.variant, (unsigned)want);
}
#define EXPECT_KEY(r, svc, q, source, key)                                                  \
    expect_key((r), (svc), (q), (source), (key), strlen(key), __LINE__)

static void test_sticky_sources(void **state)
{
    (void)state;
    convoy_router *r = tt_router(STICKY_PLAN, 5000, 0);
    tt_req q;

    /* Header: names case-insensitive. */
    EXPECT_KEY(r, 0, hreq(&q, "x-user-id", "u1"), CONVOY_KEY_STICKY, "u1");
    EXPECT_KEY(r, 0, hreq(&q, "X-USER-ID", "u2"), CONVOY_KEY_STICKY, "u2");
    q.req.request_id = "rid-1";
    q.req.request_id_len = CONVOY_NTS;
    EXPECT_KEY(r, 0, &q, CONVOY_KEY_STICKY, "u2");
    /* Not from a cookie or attribute of that name. */
    creq(&q, "x-user-id", "u3");
    q.req.request_id = "rid-1";
    q.req.request_id_len = CONVOY_NTS;
    EXPECT_KEY(r, 0, &q, CONVOY_KEY_REQUEST_ID, "rid-1");

    /* Cookie: from the list, or from the Cookie header. */
    EXPECT_KEY(r, 1, creq(&q, "sid", "s1"), CONVOY_KEY_STICKY, "s1");
    EXPECT_KEY(r, 1, hreq(&q, "Cookie", "x=1; sid=s2"), CONVOY_KEY_STICKY, "s2");
    EXPECT_KEY(r, 1, hreq(&q, "cookie", "sid2=zz; xsid=yy;  sid=s3 ; sidx=ww"), CONVOY_KEY_STICKY, "s3");
    EXPECT_KEY(r, 1, hreq(&q, "Cookie", "sid2=zz"), CONVOY_KEY_NONE, "");
    tt_req_init(&q);
    tt_cookie(&q, "sid", "list");
    tt_header(&q, "Cookie", "sid=header");
    EXPECT_KEY(r, 1, &q, CONVOY_KEY_STICKY, "list");

    /* Attribute: names exact. */
    EXPECT_KEY(r, 2, areq(&q, "tenant", "t1"), CONVOY_KEY_STICKY, "t1");
    EXPECT_KEY(r, 2, areq(&q, "Tenant", "t1"), CONVOY_KEY_NONE, "");

    /* An empty sticky value is no key (docs/plan-format.md, "How a request is
     * routed", 3): the request id, else the empty key. */
    hreq(&q, "x-user-id", "");
    EXPECT_KEY(r, 0, &q, CONVOY_KEY_NONE, "");
    q.req.request_id = "rid-e";
    q.req.request_id_len = CONVOY_NTS;
    EXPECT_KEY(r, 0, &q, CONVOY_KEY_REQUEST_ID, "rid-e");
    hreq(&q, "Cookie", "a=1; sid=; b=2");
    q.req.request_id = "rid-c";
    q.req.request_id_len = CONVOY_NTS;
    EXPECT_KEY(r, 1, &q, CONVOY_KEY_REQUEST_ID, "rid-c");
    areq(&q, "tenant", "");
    EXPECT_KEY(r, 2, &q, CONVOY_KEY_NONE, "");

    /* A service without a sticky source ignores all of them. */
    tt_req_init(&q);
    tt_header(&q, "x-user-id", "u1");
    tt_cookie(&q, "sid", "s1");
    tt_attr(&q, "tenant", "t1");
    EXPECT_KEY(r, 3, &q, CONVOY_KEY_NONE, "");
    q.req.request_id = "rid-9";
    q.req.request_id_len = CONVOY_NTS;
    EXPECT_KEY(r, 3, &q, CONVOY_KEY_REQUEST_ID, "rid-9");

    convoy_router_free(r);
}

static void test_request_key_and_fallbacks(void **state)
{
    (void)state;
    convoy_router *r = tt_router(STICKY_PLAN, 5000, 0);
    tt_req q;
    /* req->key wins over the sticky source and the request id, everywhere. */
    for (size_t svc = 0; svc < 4; svc++) {
        tt_req_init(&q);
        tt_header(&q, "x-user-id", "u1");
        tt_cookie(&q, "sid", "s1");
        tt_attr(&q, "tenant", "t1");
        q.req.key = "k9";
        q.req.key_len = CONVOY_NTS;
        q.req.request_id = "rid";
        q.req.request_id_len = CONVOY_NTS;
        EXPECT_KEY(r, svc, &q, CONVOY_KEY_STICKY, "k9");
        /* An explicit length. */
        q.req.key = "k9-and-more";
        q.req.key_len = 2;
        EXPECT_KEY(r, svc, &q, CONVOY_KEY_STICKY, "k9");
        /* No key and no sticky value: the request id, with its length. */
        tt_req_init(&q);
        q.req.request_id = "rid-42-ignored";
        q.req.request_id_len = 6;
        EXPECT_KEY(r, svc, &q, CONVOY_KEY_REQUEST_ID, "rid-42");
        /* Neither: the empty key. */
        tt_req_init(&q);
        EXPECT_KEY(r, svc, &q, CONVOY_KEY_NONE, "");
    }
    /* Requests without a key are deterministic: the same id routes the same way. */
    unsigned candidates = 0;
    for (unsigned i = 0; i < 2000; i++) {
        char rid[32];
        snprintf(rid, sizeof rid, "req-%u", i);
        tt_req_init(&q);
        q.req.request_id = rid;
        q.req.request_id_len = CONVOY_NTS;
        convoy_route_result a = tt_route(r, 3, &q.req), b = tt_route(r, 3, &q.req);
        assert_memory_equal(&a, &b, sizeof a);
        assert_int_equal(a.bucket, tt_bucket("n", rid));
        candidates += a.variant == CONVOY_VARIANT_CANDIDATE;
    }
    /* ... and spread by id. */
    assert_true(candidates > 800 && candidates < 1200);
    convoy_router_free(r);
}

/* ------------------------------------------------------------ groups and the split */

static void test_cohort_group(void **state)
{
    (void)state;
    /* Mirrored too, so that the cohort's mirror choice is compared as well. */
    convoy_router *r = tt_router(COHORT_PLAN, 3000, 5000);
    assert_string_equal(convoy_router_group(r, 0), "web");
    assert_string_equal(convoy_router_group(r, 1), "checkout-flow");
    assert_string_equal(convoy_router_group(r, 2), "checkout-flow");
    assert_string_equal(convoy_router_group(r, 3), "plain");
    unsigned differs = 0;
    for (unsigned i = 0; i < 2000; i++) {
        char user[32];
        snprintf(user, sizeof user, "%u@example.com", i * 7919u);
        tt_req q;
        hreq(&q, "x-user-id", user);
        convoy_route_result web = tt_route(r, 0, &q.req), cart = tt_route(r, 1, &q.req),
                            pay = tt_route(r, 2, &q.req);
        assert_int_equal(web.bucket, tt_bucket("web", user));
        assert_int_equal(cart.bucket, tt_bucket("checkout-flow", user));
        /* One user sees all of the cohort's candidates or none (and is
         * mirrored to all or none). */
        assert_memory_equal(&cart, &pay, sizeof cart);
        assert_int_equal(cart.variant, tt_expect_variant(cart.bucket, 3000));
        differs += web.variant != cart.variant;
    }
    /* The standalone service buckets independently of the cohort. */
    assert_true(differs > 200);
    convoy_router_free(r);
}

static void test_candidate_split(void **state)
{
    (void)state;
    const uint32_t weights[] = {0, 1, 100, 1250, 3333, 5000, 9999, 10000};
    const unsigned n = 3000;
    for (size_t w = 0; w < COUNT(weights); w++) {
        convoy_router *r = tt_router(STICKY_PLAN, weights[w], 0);
        unsigned candidates = 0;
        for (unsigned i = 0; i < n; i++) {
            char user[32];
            snprintf(user, sizeof user, "u%u", i);
            tt_req q;
            hreq(&q, "x-user-id", user);
            convoy_route_result res = tt_route(r, 0, &q.req);
            assert_int_equal(res.bucket, tt_bucket("h", user));
            assert_routed(res, tt_expect_variant(res.bucket, weights[w]), -1);
            assert_int_equal(res.flags, 0);
            candidates += res.variant == CONVOY_VARIANT_CANDIDATE;
        }
        double p = weights[w] / 10000.0, sigma = sqrt(n * p * (1 - p));
        if (fabs(candidates - n * p) > 5 * sigma + 1)
            fail_msg("%u of %u on the candidate at %u bp", candidates, n, (unsigned)weights[w]);
        if (weights[w] == 0)
            assert_int_equal(candidates, 0);
        if (weights[w] == 10000)
            assert_int_equal(candidates, n);
        convoy_router_free(r);
    }
    /* Raising the weight only adds users. */
    convoy_router *lo = tt_router(STICKY_PLAN, 2000, 0), *hi = tt_router(STICKY_PLAN, 2001, 0);
    for (unsigned i = 0; i < n; i++) {
        char user[32];
        snprintf(user, sizeof user, "u%u", i);
        tt_req q;
        hreq(&q, "x-user-id", user);
        if (tt_route(lo, 0, &q.req).variant == CONVOY_VARIANT_CANDIDATE)
            assert_int_equal(tt_route(hi, 0, &q.req).variant, CONVOY_VARIANT_CANDIDATE);
    }
    convoy_router_free(lo);
    convoy_router_free(hi);
}

/* ------------------------------------------------------------ mirror */

static void test_mirror(void **state)
{
    (void)state;
    const unsigned n = 10000;
    convoy_router *r = tt_router(STICKY_PLAN, 3000, 2000);
    unsigned base = 0, mirrored = 0, base_lo = 0, mirrored_lo = 0;
    for (unsigned i = 0; i < n; i++) {
        char user[32];
        snprintf(user, sizeof user, "user-%u", i);
        tt_req q;
        hreq(&q, "x-user-id", user);
        convoy_route_result res = tt_route(r, 0, &q.req), again = tt_route(r, 0, &q.req);
        assert_memory_equal(&res, &again, sizeof res);
        assert_int_equal(res.bucket, tt_bucket("h", user));
        assert_int_equal(res.variant, tt_expect_variant(res.bucket, 3000));
        assert_int_equal(res.flags & ~CONVOY_ROUTE_MIRROR, 0);
        if (res.variant == CONVOY_VARIANT_CANDIDATE) {
            if (res.flags & CONVOY_ROUTE_MIRROR)
                fail_msg("%s: routed to the candidate and mirrored", user);
            continue;
        }
        base++;
        mirrored += (res.flags & CONVOY_ROUTE_MIRROR) != 0;
        /* Independence of the traffic bucket: the lower half of the baseline
         * buckets is mirrored as often as the rest. */
        if (res.bucket <= 6500) {
            base_lo++;
            mirrored_lo += (res.flags & CONVOY_ROUTE_MIRROR) != 0;
        }
    }
    double sigma = sqrt(base * 0.2 * 0.8);
    if (fabs(mirrored - base * 0.2) > 5 * sigma)
        fail_msg("%u of %u baseline requests mirrored at 20 %%", mirrored, base);
    double sigma_lo = sqrt(base_lo * 0.2 * 0.8);
    if (fabs(mirrored_lo - base_lo * 0.2) > 5 * sigma_lo)
        fail_msg("%u of %u low-bucket baseline requests mirrored at 20 %%", mirrored_lo, base_lo);
    double sigma_hi = sqrt((base - base_lo) * 0.2 * 0.8);
    if (fabs((mirrored - mirrored_lo) - (base - base_lo) * 0.2) > 5 * sigma_hi)
        fail_msg("%u of %u high-bucket baseline requests mirrored at 20 %%",
                 mirrored - mirrored_lo, base - base_lo);
    convoy_router_free(r);

    /* Mirror 0 and no mirror array: never; 10000: every baseline request. */
    convoy_plan *plan = tt_plan(STICKY_PLAN);
    uint32_t cand[4] = {3000, 3000, 3000, 3000}, full[4] = {10000, 10000, 10000, 10000},
             zero[4] = {0, 0, 0, 0};
    convoy_router *none = NULL, *nomirror = NULL, *all = NULL, *allcand = NULL;
    assert_ok(convoy_router_new(&none, plan, cand, zero, 4, NULL));
    assert_ok(convoy_router_new(&nomirror, plan, cand, NULL, 4, NULL));
    assert_ok(convoy_router_new(&all, plan, cand, full, 4, NULL));
    assert_ok(convoy_router_new(&allcand, plan, full, full, 4, NULL));
    convoy_plan_free(plan);
    for (unsigned i = 0; i < 2000; i++) {
        char user[32];
        snprintf(user, sizeof user, "user-%u", i);
        tt_req q;
        hreq(&q, "x-user-id", user);
        convoy_route_result a = tt_route(none, 0, &q.req), b = tt_route(nomirror, 0, &q.req),
                            c = tt_route(all, 0, &q.req), d = tt_route(allcand, 0, &q.req);
        assert_int_equal(a.flags, 0);
        assert_int_equal(b.flags, 0);
        assert_int_equal(c.flags,
                         c.variant == CONVOY_VARIANT_BASELINE ? CONVOY_ROUTE_MIRROR : 0u);
        assert_int_equal(d.variant, CONVOY_VARIANT_CANDIDATE);
        assert_int_equal(d.flags, 0);
    }
    convoy_router_free(none);
    convoy_router_free(nomirror);
    convoy_router_free(all);
    convoy_router_free(allcand);
}

/* ------------------------------------------------------------ reweight */

static const char REWEIGHT_PLAN[] =
    "{'name': 'rw', 'services': ["
    " {'name': 'web', 'traffic': {'sticky': {'header': 'x-user-id'}, 'rules': ["
    "  {'name': 'canary', 'match': [{'header': 'x-canary', 'exact': 'always'}], 'variant': 'candidate'},"
    "  {'name': 'bots', 'match': [{'header': 'user-agent', 'regex': '.*[Bb]ot.*'}], 'variant': 'baseline'},"
    "  {'match': [{'attribute': 'tier', 'exact': 'gold'}], 'weight': 25}]}},"
    " {'name': 'api'}"
    "]}";

/* Routes a fixed set of requests through `r` and checks them against the
 * candidate weight `w` of service 0 (rule-matched ones do not depend on it). */
static void check_reweighted(const convoy_router *r, uint32_t w, int line)
{
    for (unsigned i = 0; i < 300; i++) {
        char user[32];
        snprintf(user, sizeof user, "rw-%u", i);
        uint32_t b = tt_bucket("web", user);
        tt_req q;
        tt_req_init(&q);
        tt_header(&q, "x-user-id", user);
        convoy_route_result res = tt_route_at(r, 0, &q.req, line);
        if (res.rule != -1 || res.variant != tt_expect_variant(b, w) || res.bucket != b)
            fail_msg("line %d: %s: rule %d variant %d at weight %u", line, user, (int)res.rule,
                     res.variant, (unsigned)w);
        tt_header(&q, "X-Canary", "always");
        res = tt_route_at(r, 0, &q.req, line);
        if (res.rule != 0 || res.variant != CONVOY_VARIANT_CANDIDATE || res.bucket != b)
            fail_msg("line %d: %s: canary rule gave rule %d variant %d", line, user,
                     (int)res.rule, res.variant);
        q.req.n_headers = 1;
        tt_header(&q, "User-Agent", "Googlebot/2.1");
        res = tt_route_at(r, 0, &q.req, line);
        if (res.rule != 1 || res.variant != CONVOY_VARIANT_BASELINE)
            fail_msg("line %d: %s: bot rule gave rule %d variant %d", line, user, (int)res.rule,
                     res.variant);
        q.req.n_headers = 1;
        tt_attr(&q, "tier", "gold");
        res = tt_route_at(r, 0, &q.req, line);
        if (res.rule != 2 || res.variant != tt_expect_variant(b, 2500))
            fail_msg("line %d: %s: gold rule gave rule %d variant %d", line, user,
                     (int)res.rule, res.variant);
    }
    assert_int_equal(convoy_router_candidate_bp(r, 0), w);
    assert_int_equal(convoy_router_rule_count(r, 0), 3);
    assert_string_equal(convoy_router_rule_name(r, 0, 0), "canary");
    assert_string_equal(convoy_router_rule_name(r, 0, 1), "bots");
    assert_string_equal(convoy_router_rule_name(r, 0, 2), "rule-2");
    assert_string_equal(convoy_router_service_name(r, 1), "api");
    assert_string_equal(convoy_router_group(r, 0), "web");
}

static void test_reweight(void **state)
{
    (void)state;
    convoy_router *base = tt_router(REWEIGHT_PLAN, 0, 0);
    convoy_router *full = NULL, *half = NULL, *again = NULL;
    uint32_t w_full[2] = {10000, 0}, w_half[2] = {5000, 7000}, m_half[2] = {1000, 0};
    assert_ok(convoy_router_reweight(&full, base, w_full, NULL, 2));
    assert_ok(convoy_router_reweight(&half, full, w_half, m_half, 2));
    check_reweighted(base, 0, __LINE__);
    check_reweighted(full, 10000, __LINE__);
    check_reweighted(half, 5000, __LINE__);
    assert_int_equal(convoy_router_mirror_bp(half, 0), 1000);
    assert_int_equal(convoy_router_candidate_bp(half, 1), 7000);
    assert_int_equal(convoy_router_mirror_bp(full, 0), 0);
    assert_int_equal(convoy_router_candidate_bp(base, 0), 0);

    /* Free the base first: the derived snapshots keep the rules. */
    convoy_router_free(base);
    check_reweighted(full, 10000, __LINE__);
    check_reweighted(half, 5000, __LINE__);
    assert_ok(convoy_router_reweight(&again, half, w_full, NULL, 2));
    convoy_router_free(half);
    check_reweighted(full, 10000, __LINE__);
    check_reweighted(again, 10000, __LINE__);
    convoy_router_free(full);
    check_reweighted(again, 10000, __LINE__);
    convoy_router_free(again);

    /* Free the derived one first: the base is unchanged. */
    base = tt_router(REWEIGHT_PLAN, 2500, 0);
    assert_ok(convoy_router_reweight(&full, base, w_full, NULL, 2));
    convoy_router_free(full);
    check_reweighted(base, 2500, __LINE__);
    /* Many derived snapshots at once. */
    convoy_router *many[64];
    for (size_t i = 0; i < COUNT(many); i++) {
        uint32_t w[2] = {(uint32_t)(i * 150), 0};
        assert_ok(convoy_router_reweight(&many[i], base, w, NULL, 2));
    }
    for (size_t i = 0; i < COUNT(many); i += 2)
        convoy_router_free(many[i]);
    check_reweighted(many[7], 7 * 150, __LINE__);
    convoy_router_free(base);
    for (size_t i = 1; i < COUNT(many); i += 2)
        check_reweighted(many[i], (uint32_t)(i * 150), __LINE__);
    for (size_t i = 1; i < COUNT(many); i += 2)
        convoy_router_free(many[i]);
}

static void test_reweight_arguments(void **state)
{
    (void)state;
    convoy_router *base = tt_router(COHORT_PLAN, 100, 0), *r = NULL;
    uint32_t cand[4] = {100, 200, 200, 300}, mirror[4] = {0, 50, 50, 0};
    assert_status(convoy_router_reweight(NULL, base, cand, mirror, 4), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_reweight(&r, NULL, cand, mirror, 4), CONVOY_E_INVALID_ARG);
    assert_null(r);
    assert_status(convoy_router_reweight(&r, base, NULL, mirror, 4), CONVOY_E_INVALID_ARG);
    assert_null(r);
    assert_status(convoy_router_reweight(&r, base, cand, mirror, 3), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_reweight(&r, base, cand, mirror, 5), CONVOY_E_INVALID_ARG);
    assert_null(r);
    uint32_t big[4] = {100, 200, 200, 10001};
    assert_status(convoy_router_reweight(&r, base, big, mirror, 4), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_reweight(&r, base, cand, big, 4), CONVOY_E_INVALID_ARG);
    assert_null(r);
    uint32_t split[4] = {100, 200, 300, 300};
    assert_status(convoy_router_reweight(&r, base, split, mirror, 4), CONVOY_E_INVALID);
    uint32_t split_mirror[4] = {0, 0, 50, 0};
    assert_status(convoy_router_reweight(&r, base, cand, split_mirror, 4), CONVOY_E_INVALID);
    assert_null(r);
    /* The base is untouched by failures. */
    assert_int_equal(convoy_router_candidate_bp(base, 0), 100);
    assert_ok(convoy_router_reweight(&r, base, cand, mirror, 4));
    assert_int_equal(convoy_router_candidate_bp(r, 3), 300);
    assert_int_equal(convoy_router_mirror_bp(r, 1), 50);
    convoy_router_free(r);
    convoy_router_free(base);
}

/* Options (limits, NO_JIT) belong to the shared rules. */
static void test_reweight_keeps_options(void **state)
{
    (void)state;
    convoy_router_options o = CONVOY_ROUTER_OPTIONS_INIT;
    o.regex_match_limit = 500;
    o.max_value_bytes = 48;
    char evil[64], long_as[64];
    memset(evil, 'a', 40);
    snprintf(evil + 40, sizeof evil - 40, "!");
    memset(long_as, 'a', 49);
    long_as[49] = '\0';
    for (int nojit = 0; nojit < 2; nojit++) {
        o.flags = nojit ? CONVOY_ROUTER_NO_JIT : 0;
        convoy_router *base = cond_router_opts("{'header': 'x-v', 'regex': '(a+)+$'}", &o);
        convoy_router *d = NULL;
        uint32_t w = 10000;
        assert_ok(convoy_router_reweight(&d, base, &w, NULL, 1));
        convoy_router_free(base);
        tt_req q;
        convoy_route_result res = tt_route(d, 0, &hreq(&q, "x-v", "aaaa")->req);
        assert_routed(res, CONVOY_VARIANT_CANDIDATE, 0);
        /* The match limit still applies. */
        res = tt_route(d, 0, &hreq(&q, "x-v", evil)->req);
        assert_routed(res, CONVOY_VARIANT_CANDIDATE, -1);
        assert_true(res.flags & CONVOY_ROUTE_REGEX_LIMIT);
        /* So does max_value_bytes: 49 a's would match, but are too long. */
        res = tt_route(d, 0, &hreq(&q, "x-v", long_as)->req);
        assert_routed(res, CONVOY_VARIANT_CANDIDATE, -1);
        long_as[48] = '\0';
        res = tt_route(d, 0, &hreq(&q, "x-v", long_as)->req);
        assert_routed(res, CONVOY_VARIANT_CANDIDATE, 0);
        long_as[48] = 'a';
        convoy_router_free(d);
    }
}

/* ------------------------------------------------------------ introspection */

static void test_introspection(void **state)
{
    (void)state;
    convoy_plan *plan = tt_plan(
        "{'name': 'in', 'services': ["
        " {'name': 'web', 'traffic': {'cohort': 'front', 'rules': ["
        "  {'name': 'first', 'match': [{'header': 'a', 'present': true}], 'variant': 'candidate'},"
        "  {'match': [{'header': 'b', 'present': true}], 'variant': 'candidate'},"
        "  {'name': 'third', 'match': [{'header': 'c', 'present': true}], 'weight': 1},"
        "  {'match': [{'header': 'd', 'present': true}], 'variant': 'baseline'}]}},"
        " {'name': 'api'},"
        " {'name': 'db', 'traffic': {'rules': ["
        "  {'match': [{'header': 'x', 'absent': true}], 'variant': 'baseline'}]}}"
        "]}");
    uint32_t cand[3] = {100, 200, 300}, mirror[3] = {1, 2, 3};
    convoy_router *r = NULL;
    assert_ok(convoy_router_new(&r, plan, cand, mirror, 3, NULL));
    convoy_plan_free(plan);

    assert_int_equal(convoy_router_service_count(r), 3);
    static const char *const names[] = {"web", "api", "db"}, *const groups[] = {"front", "api", "db"};
    static const size_t rules[] = {4, 0, 1};
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(convoy_router_service_name(r, i), names[i]);
        assert_string_equal(convoy_router_group(r, i), groups[i]);
        assert_int_equal(convoy_router_candidate_bp(r, i), cand[i]);
        assert_int_equal(convoy_router_mirror_bp(r, i), mirror[i]);
        assert_int_equal(convoy_router_rule_count(r, i), rules[i]);
        assert_null(convoy_router_rule_name(r, i, rules[i]));
        assert_null(convoy_router_rule_name(r, i, (size_t)-1));
    }
    assert_string_equal(convoy_router_rule_name(r, 0, 0), "first");
    assert_string_equal(convoy_router_rule_name(r, 0, 1), "rule-1");
    assert_string_equal(convoy_router_rule_name(r, 0, 2), "third");
    assert_string_equal(convoy_router_rule_name(r, 0, 3), "rule-3");
    assert_string_equal(convoy_router_rule_name(r, 2, 0), "rule-0");

    /* Out of range and NULL: 0 / NULL. */
    const size_t bad[] = {3, 4, (size_t)-1};
    for (size_t k = 0; k < COUNT(bad); k++) {
        assert_null(convoy_router_service_name(r, bad[k]));
        assert_null(convoy_router_group(r, bad[k]));
        assert_int_equal(convoy_router_candidate_bp(r, bad[k]), 0);
        assert_int_equal(convoy_router_mirror_bp(r, bad[k]), 0);
        assert_int_equal(convoy_router_rule_count(r, bad[k]), 0);
        assert_null(convoy_router_rule_name(r, bad[k], 0));
    }
    assert_int_equal(convoy_router_service_count(NULL), 0);
    assert_null(convoy_router_service_name(NULL, 0));
    assert_null(convoy_router_group(NULL, 0));
    assert_int_equal(convoy_router_candidate_bp(NULL, 0), 0);
    assert_int_equal(convoy_router_mirror_bp(NULL, 0), 0);
    assert_int_equal(convoy_router_rule_count(NULL, 0), 0);
    assert_null(convoy_router_rule_name(NULL, 0, 0));
    convoy_router_free(r);
}

/* ------------------------------------------------------------ odd requests */

static void test_odd_pairs(void **state)
{
    (void)state;
    convoy_router *r = tt_router(
        "{'name': 'odd', 'services': [{'name': 'svc', 'traffic': {"
        " 'sticky': {'header': 'x-user-id'}, 'rules': ["
        " {'name': 'e', 'match': [{'header': 'x-e', 'exact': 'v'}], 'variant': 'candidate'},"
        " {'name': 'c', 'match': [{'cookie': 'c', 'exact': 'v'}], 'variant': 'candidate'},"
        " {'name': 'a', 'match': [{'attribute': 'a', 'exact': 'v'}], 'variant': 'candidate'}]}}]}",
        0, 0);
    /* Pairs with NULL names and values of length 0 are tolerated everywhere. */
    convoy_pair odd[] = {{NULL, 0, NULL, 0}, {NULL, 0, "v", CONVOY_NTS}, {"x-e", CONVOY_NTS, NULL, 0},
                         {"c", CONVOY_NTS, NULL, 0}, {"a", CONVOY_NTS, NULL, 0},
                         {"cookie", CONVOY_NTS, NULL, 0}, {"x-user-id", CONVOY_NTS, NULL, 0}};
    convoy_request q = CONVOY_REQUEST_INIT;
    q.headers = odd;
    q.n_headers = COUNT(odd);
    q.cookies = odd;
    q.n_cookies = COUNT(odd);
    q.attrs = odd;
    q.n_attrs = COUNT(odd);
    convoy_route_result res = tt_route(r, 0, &q);
    assert_routed(res, CONVOY_VARIANT_BASELINE, -1);
    /* Empty arrays with NULL pointers. */
    convoy_request empty = CONVOY_REQUEST_INIT;
    res = tt_route(r, 0, &empty);
    assert_int_equal(res.key_source, CONVOY_KEY_NONE);
    assert_int_equal(res.bucket, tt_bucket("svc", ""));
    /* A key given as NUL-terminated and as an explicit length buckets the same. */
    convoy_request k1 = CONVOY_REQUEST_INIT, k2 = CONVOY_REQUEST_INIT;
    k1.key = "abc";
    k1.key_len = CONVOY_NTS;
    k2.key = "abcdef";
    k2.key_len = 3;
    assert_int_equal(tt_route(r, 0, &k1).bucket, tt_route(r, 0, &k2).bucket);
    assert_int_equal(tt_route(r, 0, &k1).bucket, tt_bucket("svc", "abc"));
    convoy_router_free(r);
}

/* ------------------------------------------------------------ the example plan */

static void test_shop_plan(void **state)
{
    (void)state;
    convoy_plan *plan = NULL;
    assert_ok(convoy_plan_parse_file(&plan, NULL, SHOP_PLAN, NULL));
    size_t n = convoy_plan_service_count(plan);
    uint32_t cand[8] = {0}, bp, mirror[8] = {0};
    /* Every service at its second step. */
    for (size_t i = 0; i < n; i++)
        assert_ok(convoy_weights_at(&bp, &cand[i], &mirror[i], convoy_plan_service(plan, i), 2));
    convoy_router *r = NULL;
    assert_ok(convoy_router_new(&r, plan, cand, mirror, n, NULL));
    size_t fe = convoy_service_index(tt_service(plan, "frontend"));
    convoy_plan_free(plan);

    assert_string_equal(convoy_router_service_name(r, fe), "frontend");
    assert_int_equal(convoy_router_candidate_bp(r, fe), 1000);
    assert_int_equal(convoy_router_mirror_bp(r, fe), 2000);
    assert_int_equal(convoy_router_rule_count(r, fe), 2);
    assert_string_equal(convoy_router_rule_name(r, fe, 0), "canary-header");
    assert_string_equal(convoy_router_rule_name(r, fe, 1), "crawlers");
    tt_req q;
    assert_routed(tt_route(r, fe, &hreq(&q, "X-Canary", "always")->req), CONVOY_VARIANT_CANDIDATE, 0);
    assert_routed(tt_route(r, fe, &hreq(&q, "User-Agent", "Mozilla/5.0 (compatible; Googlebot")->req),
                  CONVOY_VARIANT_BASELINE, 1);
    tt_req_init(&q);
    tt_header(&q, "Cookie", "theme=dark; shop_session=abc123; lang=en");
    convoy_route_result res = tt_route(r, fe, &q.req);
    assert_int_equal(res.key_source, CONVOY_KEY_STICKY);
    assert_int_equal(res.bucket, tt_bucket("frontend", "abc123"));
    assert_int_equal(res.variant, tt_expect_variant(res.bucket, 1000));
    convoy_router_free(r);
}

/* ------------------------------------------------------------ no allocation */

static void test_route_allocates_nothing(void **state)
{
    (void)state;
    size_t live_before = n_allocs - n_frees;
    size_t before = n_allocs;
    convoy_router *r = tt_router(REWEIGHT_PLAN, 5000, 2000);
    convoy_router *cookies = cond_router("{'cookie': 'flag', 'regex': 'o.'}");
    assert_true(n_allocs > before);   /* the allocator hook is in use */
    /* Warm up (per-thread regex state may be set up on first use). */
    tt_req q;
    tt_route(r, 0, &hreq(&q, "User-Agent", "x")->req);
    tt_route(cookies, 0, &hreq(&q, "Cookie", "flag=on")->req);
    /* route_many too, over batches of the same requests. */
    static tt_req batch_q[64];
    static convoy_request batch[64];
    static char batch_user[64][32];
    convoy_route_result batch_out[64];
    for (unsigned i = 0; i < 64; i++) {
        convoy_route_result init = CONVOY_ROUTE_RESULT_INIT;
        batch_out[i] = init;
    }
    size_t a0 = n_allocs, f0 = n_frees;
    for (unsigned i = 0; i < 2000; i++) {
        char user[32];
        snprintf(user, sizeof user, "na-%u", i);
        tt_req_init(&q);
        tt_header(&q, "x-user-id", user);
        tt_header(&q, "User-Agent", i % 2 ? "Googlebot" : "Mozilla");
        tt_header(&q, "Cookie", "a=1; flag=on; b=2");
        tt_attr(&q, "tier", i % 3 ? "gold" : "none");
        q.req.request_id = user;
        q.req.request_id_len = CONVOY_NTS;
        tt_route(r, 0, &q.req);
        tt_route(r, 1, &q.req);
        tt_route(cookies, 0, &q.req);
        unsigned b = i % 64;
        memcpy(batch_user[b], user, sizeof user);
        batch_q[b] = q;
        batch_q[b].headers[0].value = batch_user[b];
        batch_q[b].req.request_id = batch_user[b];
        batch[b] = batch_q[b].req;
        batch[b].headers = batch_q[b].headers;
        batch[b].attrs = batch_q[b].attrs;
        if (b == 63) {
            assert_ok(convoy_router_route_many(batch_out, r, 0, batch, 64));
            assert_ok(convoy_router_route_many(batch_out, r, 1, batch, 64));
            assert_ok(convoy_router_route_many(batch_out, cookies, 0, batch, 64));
        }
    }
    assert_int_equal(n_allocs, a0);
    assert_int_equal(n_frees, f0);
    convoy_router_free(r);
    convoy_router_free(cookies);
    /* Everything the routers took was given back. */
    assert_int_equal(n_allocs - n_frees, live_before);
}

int main(void)
{
    /* Before any other Convoy call. */
    if (convoy_set_allocator(count_malloc, count_realloc, count_free) != CONVOY_OK) {
        fprintf(stderr, "convoy_set_allocator failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_functions),
        cmocka_unit_test(test_new_arguments),
        cmocka_unit_test(test_route_arguments),
        cmocka_unit_test(test_first_match_wins),
        cmocka_unit_test(test_all_conditions_must_hold),
        cmocka_unit_test(test_header_exact),
        cmocka_unit_test(test_explicit_lengths),
        cmocka_unit_test(test_header_prefix_suffix),
        cmocka_unit_test(test_present_absent),
        cmocka_unit_test(test_cookie_list_and_header),
        cmocka_unit_test(test_cookie_header_parsing),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_regex_whole_value),
        cmocka_unit_test(test_regex_match_limit),
        cmocka_unit_test(test_regex_match_limit_is_configurable),
        cmocka_unit_test(test_regex_depth_limit),
        cmocka_unit_test(test_options_zero_means_default),
        cmocka_unit_test(test_regex_max_value_bytes),
        cmocka_unit_test(test_regex_invalid_utf8),
        cmocka_unit_test(test_weight_rule),
        cmocka_unit_test(test_sticky_sources),
        cmocka_unit_test(test_request_key_and_fallbacks),
        cmocka_unit_test(test_cohort_group),
        cmocka_unit_test(test_candidate_split),
        cmocka_unit_test(test_mirror),
        cmocka_unit_test(test_reweight),
        cmocka_unit_test(test_reweight_arguments),
        cmocka_unit_test(test_reweight_keeps_options),
        cmocka_unit_test(test_introspection),
        cmocka_unit_test(test_odd_pairs),
        cmocka_unit_test(test_shop_plan),
        cmocka_unit_test(test_route_allocates_nothing),
    };
    return cmocka_run_group_tests_name("traffic router", tests, NULL, NULL);
}
