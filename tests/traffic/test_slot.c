/*
 * test_slot - the router slot of <convoy/traffic.h> on one thread: an empty
 * slot, publishing, acquire / release returning the current snapshot,
 * routing through the slot following publishes, ownership on failure, and
 * convoy_router_slot_free(NULL). (Concurrency: tsan_slot.c.)
 */
#include "traffic_test.h"

static const char PLAN[] =
    "{'name': 'slot', 'services': ["
    " {'name': 'web', 'traffic': {'sticky': {'header': 'x-user-id'}, 'rules': ["
    "  {'name': 'canary', 'match': [{'header': 'x-canary', 'exact': 'always'}], 'variant': 'candidate'}]}},"
    " {'name': 'api'}"
    "]}";

static convoy_router *reweighted(const convoy_router *base, uint32_t w0, uint32_t w1)
{
    uint32_t w[2] = {w0, w1};
    convoy_router *r = NULL;
    assert_ok(convoy_router_reweight(&r, base, w, NULL, 2));
    return r;
}

/* Routes users through the slot; each must go where `w` (service 0) says. */
static void expect_slot_weight(convoy_router_slot *slot, uint32_t w, int line)
{
    for (unsigned i = 0; i < 500; i++) {
        char user[32];
        snprintf(user, sizeof user, "s-%u", i);
        tt_req q;
        tt_req_init(&q);
        tt_header(&q, "x-user-id", user);
        convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
        int rc = convoy_router_slot_route(&res, slot, 0, &q.req);
        if (rc != CONVOY_OK)
            fail_msg("line %d: convoy_router_slot_route returned %d (%s)", line, rc,
                     convoy_strerror(rc));
        uint32_t b = tt_bucket("web", user);
        if (res.bucket != b || res.rule != -1 || res.variant != tt_expect_variant(b, w))
            fail_msg("line %d: %s: bucket %u rule %d variant %d, expected weight %u", line, user,
                     (unsigned)res.bucket, (int)res.rule, res.variant, (unsigned)w);
        tt_header(&q, "X-Canary", "always");
        rc = convoy_router_slot_route(&res, slot, 0, &q.req);
        if (rc != CONVOY_OK || res.rule != 0 || res.variant != CONVOY_VARIANT_CANDIDATE)
            fail_msg("line %d: %s: the canary rule did not decide (rc %d, rule %d)", line, user,
                     rc, (int)res.rule);
    }
}

static void test_empty_slot(void **state)
{
    (void)state;
    convoy_router_slot *slot = NULL;
    assert_ok(convoy_router_slot_new(&slot, NULL));
    assert_non_null(slot);
    convoy_request q = CONVOY_REQUEST_INIT;
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    assert_status(convoy_router_slot_route(&res, slot, 0, &q), CONVOY_E_NOT_FOUND);
    uint32_t ticket = 12345;
    assert_null(convoy_router_slot_acquire(slot, &ticket));
    convoy_router_slot_release(slot, ticket);
    /* An empty acquire pins nothing: a caller that returns on NULL without
     * releasing must not block the next publish. */
    assert_null(convoy_router_slot_acquire(slot, &ticket));
    /* Still usable: the empty acquires did not hold up a publisher. */
    convoy_router *base = tt_router(PLAN, 0, 0);
    assert_ok(convoy_router_slot_publish(slot, base));
    assert_ok(convoy_router_slot_route(&res, slot, 0, &q));
    assert_int_equal(res.key_source, CONVOY_KEY_NONE);
    convoy_router_slot_free(slot);
    convoy_router_slot_free(NULL);
}

static void test_arguments(void **state)
{
    (void)state;
    assert_status(convoy_router_slot_new(NULL, NULL), CONVOY_E_INVALID_ARG);
    /* Ownership passes to the slot also on failure: no leak here (ASan). */
    assert_status(convoy_router_slot_publish(NULL, tt_router(PLAN, 0, 0)), CONVOY_E_INVALID_ARG);
    convoy_router_slot *slot = NULL;
    assert_ok(convoy_router_slot_new(&slot, tt_router(PLAN, 10000, 0)));
    assert_status(convoy_router_slot_publish(slot, NULL), CONVOY_E_INVALID_ARG);
    /* A failed publish leaves the current snapshot in place. */
    expect_slot_weight(slot, 10000, __LINE__);

    convoy_request q = CONVOY_REQUEST_INIT;
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    assert_status(convoy_router_slot_route(NULL, slot, 0, &q), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_slot_route(&res, NULL, 0, &q), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_slot_route(&res, slot, 0, NULL), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_slot_route(&res, slot, 2, &q), CONVOY_E_INVALID_ARG);
    q.version = 99;
    assert_status(convoy_router_slot_route(&res, slot, 0, &q), CONVOY_E_VERSION);
    q.version = CONVOY_REQUEST_VERSION;
    res.version = 0;
    assert_status(convoy_router_slot_route(&res, slot, 0, &q), CONVOY_E_VERSION);

    uint32_t ticket = 7;
    assert_null(convoy_router_slot_acquire(NULL, &ticket));
    convoy_router_slot_release(NULL, ticket);
    /* Failed routes released their pins: publishing does not wait forever. */
    assert_ok(convoy_router_slot_publish(slot, tt_router(PLAN, 0, 0)));
    expect_slot_weight(slot, 0, __LINE__);
    convoy_router_slot_free(slot);
}

static void test_publish_and_acquire(void **state)
{
    (void)state;
    convoy_router *base = tt_router(PLAN, 0, 0);
    convoy_router *first = reweighted(base, 2500, 0);
    convoy_router_slot *slot = NULL;
    assert_ok(convoy_router_slot_new(&slot, first));

    uint32_t ticket;
    const convoy_router *cur = convoy_router_slot_acquire(slot, &ticket);
    assert_ptr_equal(cur, first);
    assert_int_equal(convoy_router_candidate_bp(cur, 0), 2500);
    assert_string_equal(convoy_router_rule_name(cur, 0, 0), "canary");
    /* Nested pins on one thread. */
    uint32_t ticket2;
    const convoy_router *cur2 = convoy_router_slot_acquire(slot, &ticket2);
    assert_ptr_equal(cur2, first);
    convoy_router_slot_release(slot, ticket2);
    convoy_router_slot_release(slot, ticket);
    expect_slot_weight(slot, 2500, __LINE__);

    const uint32_t weights[] = {10000, 0, 5000, 1, 9999, 10000, 0};
    for (size_t i = 0; i < COUNT(weights); i++) {
        convoy_router *next = reweighted(base, weights[i], (uint32_t)i);
        assert_ok(convoy_router_slot_publish(slot, next));
        cur = convoy_router_slot_acquire(slot, &ticket);
        assert_ptr_equal(cur, next);
        assert_int_equal(convoy_router_candidate_bp(cur, 0), weights[i]);
        assert_int_equal(convoy_router_candidate_bp(cur, 1), i);
        /* Routing with the pinned snapshot and through the slot agree. */
        tt_req q;
        tt_req_init(&q);
        tt_header(&q, "x-user-id", "pinned");
        convoy_route_result a = tt_route(cur, 0, &q.req), b = CONVOY_ROUTE_RESULT_INIT;
        convoy_router_slot_release(slot, ticket);
        assert_ok(convoy_router_slot_route(&b, slot, 0, &q.req));
        assert_memory_equal(&a, &b, sizeof a);
        expect_slot_weight(slot, weights[i], __LINE__);
    }
    /* The base is not owned by the slot and still works. */
    tt_req q;
    tt_req_init(&q);
    tt_route(base, 0, &q.req);
    convoy_router_free(base);
    expect_slot_weight(slot, 0, __LINE__);
    convoy_router_slot_free(slot);
}

/* Publishing many snapshots frees each replaced one (ASan: no leak), and
 * snapshots built by convoy_router_new from different plans can follow
 * each other. */
static void test_many_publishes(void **state)
{
    (void)state;
    convoy_router_slot *slot = NULL;
    assert_ok(convoy_router_slot_new(&slot, NULL));
    convoy_router *base = tt_router(PLAN, 0, 0);
    for (unsigned i = 0; i < 2000; i++)
        assert_ok(convoy_router_slot_publish(slot, reweighted(base, i % 2 ? 10000 : 0, i)));
    expect_slot_weight(slot, 10000, __LINE__);   /* the last one, 1999, is odd */
    convoy_router_free(base);
    /* A snapshot of another plan (one service only). */
    convoy_router *other = tt_router("{'name': 'o', 'services': [{'name': 'solo'}]}", 10000, 0);
    assert_ok(convoy_router_slot_publish(slot, other));
    convoy_request q = CONVOY_REQUEST_INIT;
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    assert_status(convoy_router_slot_route(&res, slot, 1, &q), CONVOY_E_INVALID_ARG);
    assert_ok(convoy_router_slot_route(&res, slot, 0, &q));
    assert_int_equal(res.variant, CONVOY_VARIANT_CANDIDATE);
    assert_int_equal(res.bucket, tt_bucket("solo", ""));
    convoy_router_slot_free(slot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_slot),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_publish_and_acquire),
        cmocka_unit_test(test_many_publishes),
    };
    return cmocka_run_group_tests_name("traffic slot", tests, NULL, NULL);
}
