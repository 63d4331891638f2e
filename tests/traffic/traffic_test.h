/*
 * traffic_test.h - what the traffic tests share: CMocka includes, status
 * assertions, plan parsing from inline JSON, request building and a
 * routing helper. Everything goes through the public API of the shared
 * library (<convoy/convoy.h>).
 */
#ifndef CONVOY_TESTS_TRAFFIC_TEST_H
#define CONVOY_TESTS_TRAFFIC_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <convoy/convoy.h>

/* A status code, showing the library's message when it differs. */
#define assert_status(call, expected)                                                       \
    do {                                                                                    \
        int rc_ = (call), ex_ = (expected);                                                 \
        if (rc_ != ex_)                                                                     \
            fail_msg("%s returned %d (%s), expected %d (%s); last error: %s", #call, rc_,   \
                     convoy_strerror(rc_), ex_, convoy_strerror(ex_),                       \
                     convoy_error_message(convoy_error_last()));                            \
    } while (0)

#define assert_ok(call) assert_status(call, CONVOY_OK)

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A NUL-terminated pair. */
#define PAIR(n, v) {(n), CONVOY_NTS, (v), CONVOY_NTS}

/* ------------------------------------------------------------ plans */

static inline void tt_dump_diagnostics(const convoy_diagnostics *d)
{
    for (size_t i = 0; i < convoy_diagnostics_count(d); i++)
        print_message("    %u:%u %s %s: %s\n", convoy_diagnostic_line(d, i),
                      convoy_diagnostic_column(d, i),
                      convoy_problem_name(convoy_diagnostic_code(d, i)),
                      convoy_diagnostic_pointer(d, i), convoy_diagnostic_message(d, i));
}

/* Parses a plan written with single quotes (turned into double quotes:
 * JSON in C strings stays readable). Fails the test unless it is valid. */
static inline convoy_plan *tt_plan(const char *text)
{
    size_t n = strlen(text);
    char *json = malloc(n + 1);
    assert_non_null(json);
    for (size_t i = 0; i <= n; i++)
        json[i] = text[i] == '\'' ? '"' : text[i];
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    int rc = convoy_plan_parse(&plan, &d, json, n, NULL);
    if (rc != CONVOY_OK) {
        print_message("  plan does not parse (%d, %s):\n%s\n", rc, convoy_strerror(rc), json);
        tt_dump_diagnostics(d);
    }
    convoy_diagnostics_free(d);
    free(json);
    assert_int_equal(rc, CONVOY_OK);
    assert_non_null(plan);
    return plan;
}

static inline const convoy_service *tt_service(const convoy_plan *plan, const char *name)
{
    const convoy_service *svc = convoy_plan_service_by_name(plan, name);
    if (!svc)
        fail_msg("the plan has no service \"%s\"", name);
    return svc;
}

/* A router over every service of `text` with the same weights for all. */
static inline convoy_router *tt_router_opts(const char *text, uint32_t candidate_bp,
                                            uint32_t mirror_bp,
                                            const convoy_router_options *opts)
{
    convoy_plan *plan = tt_plan(text);
    size_t n = convoy_plan_service_count(plan);
    uint32_t cand[16], mirror[16];
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) {
        cand[i] = candidate_bp;
        mirror[i] = mirror_bp;
    }
    convoy_router *r = NULL;
    int rc = convoy_router_new(&r, plan, cand, mirror, n, opts);
    if (rc != CONVOY_OK)
        fail_msg("convoy_router_new returned %d (%s): %s", rc, convoy_strerror(rc),
                 convoy_error_message(convoy_error_last()));
    /* The snapshot copies what it needs. */
    convoy_plan_free(plan);
    assert_non_null(r);
    return r;
}

static inline convoy_router *tt_router(const char *text, uint32_t candidate_bp,
                                       uint32_t mirror_bp)
{
    return tt_router_opts(text, candidate_bp, mirror_bp, NULL);
}

/* ------------------------------------------------------------ requests */

/* A request under construction: up to 8 headers, cookies and attributes. */
typedef struct tt_req {
    convoy_pair headers[8], cookies[8], attrs[8];
    convoy_request req;
} tt_req;

static inline void tt_req_init(tt_req *r)
{
    memset(r, 0, sizeof *r);
    convoy_request init = CONVOY_REQUEST_INIT;
    r->req = init;
    r->req.headers = r->headers;
    r->req.cookies = r->cookies;
    r->req.attrs = r->attrs;
}

static inline void tt_header(tt_req *r, const char *name, const char *value)
{
    assert_true(r->req.n_headers < 8);
    convoy_pair p = PAIR(name, value);
    r->headers[r->req.n_headers++] = p;
}

static inline void tt_cookie(tt_req *r, const char *name, const char *value)
{
    assert_true(r->req.n_cookies < 8);
    convoy_pair p = PAIR(name, value);
    r->cookies[r->req.n_cookies++] = p;
}

static inline void tt_attr(tt_req *r, const char *name, const char *value)
{
    assert_true(r->req.n_attrs < 8);
    convoy_pair p = PAIR(name, value);
    r->attrs[r->req.n_attrs++] = p;
}

/* ------------------------------------------------------------ routing */

static inline convoy_route_result tt_route_at(const convoy_router *router, size_t service,
                                              const convoy_request *req, int line)
{
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    int rc = convoy_router_route(&res, router, service, req);
    if (rc != CONVOY_OK)
        fail_msg("line %d: convoy_router_route returned %d (%s): %s", line, rc,
                 convoy_strerror(rc), convoy_error_message(convoy_error_last()));
    if (res.bucket < 1 || res.bucket > 10000)
        fail_msg("line %d: bucket %u outside 1..10000", line, (unsigned)res.bucket);
    return res;
}
#define tt_route(router, service, req) tt_route_at((router), (service), (req), __LINE__)

/* Convoy's bucket of NUL-terminated strings. */
static inline uint32_t tt_bucket(const char *group, const char *key)
{
    return convoy_bucket(group, strlen(group), key, strlen(key));
}

/* The routing decision expected from the weights alone. */
static inline int tt_expect_variant(uint32_t bucket, uint32_t candidate_bp)
{
    return bucket <= candidate_bp ? CONVOY_VARIANT_CANDIDATE : CONVOY_VARIANT_BASELINE;
}

#define assert_routed(res, variant_, rule_)                                                 \
    do {                                                                                    \
        convoy_route_result r_ = (res);                                                     \
        int v_ = (variant_);                                                                \
        int32_t ru_ = (rule_);                                                              \
        if (r_.variant != v_ || r_.rule != ru_)                                             \
            fail_msg("%s: variant %s by rule %d, expected %s by rule %d", #res,             \
                     r_.variant == CONVOY_VARIANT_CANDIDATE ? "candidate" : "baseline",     \
                     (int)r_.rule, v_ == CONVOY_VARIANT_CANDIDATE ? "candidate" : "baseline", \
                     (int)ru_);                                                             \
    } while (0)

#endif
