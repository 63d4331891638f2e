/*
 * test_route_many - convoy_router_route_many of <convoy/traffic.h> against
 * convoy_router_route, and the hashing lanes under it.
 *
 *  - equivalence: random requests (keys of every length 0..100 in separate
 *    allocations, sticky header / cookie / attribute values, request ids,
 *    no key at all; rules with a regex, a weight and a variant) routed one
 *    by one and in batches of every size 0..40 and one large batch, for
 *    several services (group names of every length mod 4, a cohort), every
 *    candidate and mirror weight of 0, 1, 2500, 9999, 10000: every field of
 *    every result must be the same;
 *  - errors: NULL arguments, service out of range, unknown versions (and
 *    nothing written);
 *  - the lanes: convoy__murmur3_lanes against convoy_murmur3_32 of the
 *    joined "group:key" bytes for every prefix remainder, key length 0..100 and lane count 1..16, keys
 *    ending just before and starting just after an inaccessible page (a
 *    read outside a key faults, even from a vector gather, which ASan does
 *    not see).
 *
 * Everything runs with each hashing kernel this CPU can run (portable,
 * AVX-512 and AVX2 where available), selected through the library's internal
 * switch: this test links the internal static library for that.
 */
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS */
#include "traffic_test.h"

#include <sys/mman.h>
#include <unistd.h>

#include "traffic/murmur3_lanes.h"

/* ------------------------------------------------------------ kernels */

static const struct {
    int kind;
    const char *name;
} KINDS[] = {{CONVOY__LANES_PORTABLE, "portable"},
             {CONVOY__LANES_AVX512, "avx512"},
             {CONVOY__LANES_AVX2, "avx2"}};

/* Selects kernel k; 0 when this CPU cannot run it (reported once). */
static int use_kind(size_t k)
{
    if (convoy__murmur3_lanes_use(KINDS[k].kind) != 0) {
        static int said[COUNT(KINDS)];
        if (!said[k]++)
            print_message("  (kernel %s cannot run here: not tested)\n", KINDS[k].name);
        return 0;
    }
    assert_int_equal(convoy__murmur3_lanes_kind(), KINDS[k].kind);
    return 1;
}

/* ------------------------------------------------------------ random requests */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}

static uint32_t below(uint32_t n)
{
    return rnd() % n;
}

/* `len` random bytes in an allocation of exactly that size (1 when 0), so
 * ASan sees a read past the end. Mostly printable, sometimes any byte. */
static char *random_bytes(size_t len)
{
    char *s = malloc(len ? len : 1);
    assert_non_null(s);
    int any = below(8) == 0;
    for (size_t i = 0; i < len; i++)
        s[i] = any ? (char)rnd() : (char)('a' + below(26));
    return s;
}

/* A random request; its strings are owned by `owned` (freed by the test). */
typedef struct gen_req {
    convoy_pair headers[4], cookies[1], attrs[2];
    char *owned[8];
    size_t n_owned;
    convoy_request req;
} gen_req;

static const char *own(gen_req *g, char *s)
{
    assert_true(g->n_owned < COUNT(g->owned));
    g->owned[g->n_owned++] = s;
    return s;
}

/* Key lengths: every length 0..100, swept so that lengths around each
 * 4-byte boundary all occur, then random. */
static size_t key_length(size_t i)
{
    return i < 404 ? i % 101 : below(101);
}

static void gen_request(gen_req *g, size_t i)
{
    memset(g, 0, sizeof *g);
    convoy_request init = CONVOY_REQUEST_INIT;
    g->req = init;
    size_t len = key_length(i);
    switch (below(10)) {
    case 0:
    case 1:
    case 2: /* the request's own key, explicit length */
        g->req.key = own(g, random_bytes(len));
        g->req.key_len = len;
        break;
    case 3: { /* NUL-terminated */
        char *s = random_bytes(len + 1);
        for (size_t k = 0; k < len; k++)
            s[k] = (char)('A' + below(26));
        s[len] = '\0';
        g->req.key = own(g, s);
        g->req.key_len = CONVOY_NTS;
        break;
    }
    default: /* the plan's sticky source, or a fallback */
        break;
    }
    size_t h = 0;
    if (below(3)) {
        size_t ul = below(3) ? len : 0; /* sometimes empty: no key */
        g->headers[h++] = (convoy_pair){"X-User-Id", CONVOY_NTS, own(g, random_bytes(ul)), ul};
    }
    switch (below(4)) {
    case 0:
        g->headers[h++] = (convoy_pair){"x-canary", CONVOY_NTS, "qa-123", CONVOY_NTS};
        break;
    case 1:
        g->headers[h++] = (convoy_pair){"X-Canary", CONVOY_NTS, "dev-x", CONVOY_NTS};
        break;
    case 2:
        g->headers[h++] = (convoy_pair){"X-CANARY", CONVOY_NTS, "\xff" "dev-1", CONVOY_NTS};
        break;
    default:
        break;
    }
    if (below(2)) {
        char *c = malloc(len + 48);
        assert_non_null(c);
        int n = snprintf(c, len + 48, "theme=dark; sid=%.*s;%s", (int)(len % 40),
                         "0123456789abcdefghijklmnopqrstuvwxyzABCD", below(3) ? "" : " beta=1");
        g->headers[h++] = (convoy_pair){"Cookie", CONVOY_NTS, own(g, c), (size_t)n};
    }
    g->req.headers = g->headers;
    g->req.n_headers = h;
    if (below(3) == 0) {
        size_t sl = below(20);
        g->cookies[0] = (convoy_pair){"sid", CONVOY_NTS, own(g, random_bytes(sl)), sl};
        g->req.cookies = g->cookies;
        g->req.n_cookies = 1;
    }
    size_t a = 0;
    if (below(2)) {
        size_t tl = below(3) ? len : 0;
        g->attrs[a++] = (convoy_pair){"tenant", CONVOY_NTS, own(g, random_bytes(tl)), tl};
    }
    if (below(3) == 0)
        g->attrs[a++] = (convoy_pair){"tier", CONVOY_NTS, below(2) ? "gold" : "silver", CONVOY_NTS};
    g->req.attrs = g->attrs;
    g->req.n_attrs = a;
    if (below(2)) {
        size_t rl = below(101);
        g->req.request_id = own(g, random_bytes(rl));
        g->req.request_id_len = rl;
    }
}

static void free_request(gen_req *g)
{
    for (size_t i = 0; i < g->n_owned; i++)
        free(g->owned[i]);
}

/* ------------------------------------------------------------ equivalence */

/* Group names of every length mod 4 ("group:" leaves 0-3 bytes pending in
 * the prefix state), a cohort, rules with a regex, a weight and a variant. */
static const char MANY_PLAN[] =
    "{'name': 'many', 'services': ["
    " {'name': 'web', 'traffic': {'sticky': {'header': 'x-user-id'}, 'rules': ["
    "   {'name': 'qa', 'match': [{'header': 'x-canary', 'regex': '(qa|dev)-[0-9]+'}],"
    "    'variant': 'candidate'},"
    "   {'name': 'gold', 'match': [{'attribute': 'tier', 'exact': 'gold'}], 'weight': 25},"
    "   {'name': 'beta', 'match': [{'cookie': 'beta', 'present': true}], 'variant': 'baseline'}"
    " ]}},"
    " {'name': 'ab', 'traffic': {'sticky': {'cookie': 'sid'}}},"
    " {'name': 'tenants', 'traffic': {'sticky': {'attribute': 'tenant'}}},"
    " {'name': 'cart', 'traffic': {'cohort': 'checkout-flow', 'sticky': {'header': 'x-user-id'}}},"
    " {'name': 'pay', 'traffic': {'cohort': 'checkout-flow', 'sticky': {'header': 'x-user-id'},"
    "   'rules': [{'match': [{'attribute': 'tier', 'exact': 'silver'}], 'weight': 50}]}},"
    " {'name': 'n'}"
    "]}";

#define N_REQ 1500
static gen_req *reqs_gen;
static convoy_request *reqs;

static int setup_requests(void **state)
{
    (void)state;
    reqs_gen = calloc(N_REQ, sizeof *reqs_gen);
    reqs = calloc(N_REQ, sizeof *reqs);
    if (!reqs_gen || !reqs)
        return -1;
    for (size_t i = 0; i < N_REQ; i++) {
        gen_request(&reqs_gen[i], i);
        reqs[i] = reqs_gen[i].req;
    }
    return 0;
}

static int teardown_requests(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_REQ; i++)
        free_request(&reqs_gen[i]);
    free(reqs_gen);
    free(reqs);
    return 0;
}

static void describe(char *buf, size_t cap, const convoy_route_result *r)
{
    snprintf(buf, cap, "variant %d rule %d bucket %u source %d flags 0x%x", r->variant,
             (int)r->rule, (unsigned)r->bucket, r->key_source, (unsigned)r->flags);
}

/* route_many of reqs[first, first + n) must equal route, result by result. */
static void check_batch(const convoy_router *r, size_t svc, size_t first, size_t n,
                        convoy_route_result *many, const char *kind)
{
    for (size_t i = 0; i < n; i++) {
        convoy_route_result init = CONVOY_ROUTE_RESULT_INIT;
        many[i] = init;
    }
    assert_ok(convoy_router_route_many(many, r, svc, reqs + first, n));
    for (size_t i = 0; i < n; i++) {
        convoy_route_result one = CONVOY_ROUTE_RESULT_INIT;
        assert_ok(convoy_router_route(&one, r, svc, &reqs[first + i]));
        if (memcmp(&one, &many[i], sizeof one) != 0) {
            char a[128], b[128];
            describe(a, sizeof a, &one);
            describe(b, sizeof b, &many[i]);
            fail_msg("%s kernel, service %zu (weights %u/%u), batch of %zu at %zu, request "
                     "%zu: route gives %s, route_many gives %s",
                     kind, svc, (unsigned)convoy_router_candidate_bp(r, svc),
                     (unsigned)convoy_router_mirror_bp(r, svc), n, first, first + i, a, b);
        }
    }
}

static void test_same_as_route(void **state)
{
    (void)state;
    static const uint32_t WEIGHTS[] = {0, 1, 2500, 9999, 10000};
    convoy_router *base = tt_router(MANY_PLAN, 0, 0);
    size_t n_svc = convoy_router_service_count(base);
    assert_int_equal(n_svc, 6);
    convoy_route_result *many = malloc(N_REQ * sizeof *many);
    assert_non_null(many);
    unsigned long compared = 0, mirrored = 0, by_rule = 0;
    for (size_t k = 0; k < COUNT(KINDS); k++) {
        if (!use_kind(k))
            continue;
        for (size_t c = 0; c < COUNT(WEIGHTS); c++) {
            for (size_t m = 0; m < COUNT(WEIGHTS); m++) {
                uint32_t cand[6], mirror[6];
                for (size_t s = 0; s < n_svc; s++) {
                    cand[s] = WEIGHTS[c];
                    mirror[s] = WEIGHTS[m];
                }
                convoy_router *r = NULL;
                assert_ok(convoy_router_reweight(&r, base, cand, mirror, n_svc));
                for (size_t svc = 0; svc < n_svc; svc++) {
                    size_t first = 0;
                    for (size_t n = 0; n <= 40; n++) {
                        first = (first + 37 * n + 11) % (N_REQ - 40);
                        check_batch(r, svc, first, n, many, KINDS[k].name);
                        compared += n;
                    }
                    check_batch(r, svc, 0, N_REQ, many, KINDS[k].name);
                    compared += N_REQ;
                    for (size_t i = 0; i < N_REQ; i++) {
                        mirrored += (many[i].flags & CONVOY_ROUTE_MIRROR) != 0;
                        by_rule += many[i].rule >= 0;
                    }
                }
                convoy_router_free(r);
            }
        }
    }
    /* The requests did reach the interesting paths. */
    assert_true(mirrored > 1000);
    assert_true(by_rule > 1000);
    print_message("  %lu results compared (%lu mirrored, %lu decided by a rule)\n", compared,
                  mirrored, by_rule);
    free(many);
    convoy_router_free(base);
}

/* ------------------------------------------------------------ errors */

static void test_errors(void **state)
{
    (void)state;
    convoy_router *r = tt_router(MANY_PLAN, 5000, 1000);
    convoy_route_result out[4], untouched;
    convoy_request q[4];
    for (size_t i = 0; i < 4; i++) {
        convoy_route_result init = CONVOY_ROUTE_RESULT_INIT;
        convoy_request rinit = CONVOY_REQUEST_INIT;
        out[i] = init;
        q[i] = rinit;
        q[i].key = "user";
        q[i].key_len = 4;
    }
    /* A recognisable result, to see that nothing is written on error. */
    for (size_t i = 0; i < 4; i++) {
        out[i].variant = 77;
        out[i].bucket = 77777;
    }
    untouched = out[3];

    assert_status(convoy_router_route_many(out, NULL, 0, q, 4), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route_many(NULL, r, 0, q, 4), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route_many(out, r, 0, NULL, 4), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route_many(NULL, NULL, 0, NULL, 0), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route_many(out, r, 6, q, 4), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route_many(out, r, (size_t)-1, q, 4), CONVOY_E_INVALID_ARG);
    assert_status(convoy_router_route_many(NULL, r, 6, NULL, 0), CONVOY_E_INVALID_ARG);
    /* Nothing to route: NULL arrays are fine. */
    assert_ok(convoy_router_route_many(NULL, r, 0, NULL, 0));

    /* An unknown version anywhere: no result written, the index named. */
    q[3].version = 99;
    assert_status(convoy_router_route_many(out, r, 0, q, 4), CONVOY_E_VERSION);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), "request 3"));
    q[3].version = CONVOY_REQUEST_VERSION;
    out[2].version = 0;
    assert_status(convoy_router_route_many(out, r, 0, q, 4), CONVOY_E_VERSION);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), "result 2"));
    /* Version errors come before the service check, as in route. */
    assert_status(convoy_router_route_many(out, r, 6, q, 4), CONVOY_E_VERSION);
    out[2].version = CONVOY_ROUTE_RESULT_VERSION;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(out[i].variant, 77);
        assert_int_equal(out[i].bucket, 77777);
    }
    assert_memory_equal(&out[3], &untouched, sizeof untouched);

    /* Only the first n are looked at. */
    q[3].version = 0;
    assert_ok(convoy_router_route_many(out, r, 0, q, 3));
    assert_memory_equal(&out[3], &untouched, sizeof untouched);
    convoy_route_result one = CONVOY_ROUTE_RESULT_INIT;
    assert_ok(convoy_router_route(&one, r, 0, &q[0]));
    assert_memory_equal(&one, &out[0], sizeof one);
    convoy_router_free(r);
}

/* ------------------------------------------------------------ the lanes */

static void test_lanes_kernel(void **state)
{
    (void)state;
    long page = sysconf(_SC_PAGESIZE);
    assert_true(page >= 4096);
    /* inaccessible | 2 usable pages | inaccessible */
    unsigned char *map = mmap(NULL, (size_t)page * 4, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(map != MAP_FAILED);
    assert_int_equal(mprotect(map, (size_t)page, PROT_NONE), 0);
    assert_int_equal(mprotect(map + 3 * page, (size_t)page, PROT_NONE), 0);
    unsigned char *lo = map + page, *hi = map + 3 * page;
    for (long i = 0; i < 2 * page; i++)
        lo[i] = (unsigned char)rnd();

    static const char *GROUPS[] = {"", "a", "ab", "abc", "checkout-flow", "a-much-longer-group"};
    unsigned char joined[160];
    unsigned long checked = 0;
    for (size_t k = 0; k < COUNT(KINDS); k++) {
        if (!use_kind(k))
            continue;
        for (size_t g = 0; g < COUNT(GROUPS); g++) {
            for (uint32_t seed = 0; seed < 2; seed++) {
                convoy__murmur3 prefix;
                convoy__murmur3_begin(&prefix, seed ? 86028157u : 0u);
                convoy__murmur3_feed(&prefix, GROUPS[g], strlen(GROUPS[g]));
                convoy__murmur3_feed(&prefix, ":", 1);
                for (size_t len = 0; len <= 100; len++) {
                    for (size_t n = 1; n <= CONVOY__LANES; n++) {
                        const unsigned char *keys[CONVOY__LANES];
                        size_t lens[CONVOY__LANES];
                        for (size_t i = 0; i < n; i++) {
                            /* Lane 0 has `len`; the others vary around it. */
                            lens[i] = i == 0 ? len : (len + i * 7) % 101;
                            /* At the very end of the usable pages, or at
                             * their very start, or in the middle. */
                            keys[i] = i % 3 == 0   ? hi - lens[i]
                                      : i % 3 == 1 ? lo
                                                   : lo + 1000 + i;
                        }
                        uint32_t got[CONVOY__LANES];
                        convoy__murmur3_lanes(got, &prefix, keys, lens, n);
                        for (size_t i = 0; i < n; i++) {
                            /* The reference: the joined bytes in one piece. */
                            size_t gl = strlen(GROUPS[g]);
                            memcpy(joined, GROUPS[g], gl);
                            joined[gl] = ':';
                            memcpy(joined + gl + 1, keys[i], lens[i]);
                            uint32_t want = convoy_murmur3_32(joined, gl + 1 + lens[i],
                                                              seed ? 86028157u : 0u);
                            if (got[i] != want)
                                fail_msg("%s kernel, group \"%s\", seed %u, %zu lanes: lane "
                                         "%zu (%zu bytes) hashes to %08x, expected %08x",
                                         KINDS[k].name, GROUPS[g], (unsigned)seed, n, i,
                                         lens[i], (unsigned)got[i], (unsigned)want);
                            checked++;
                        }
                    }
                }
            }
        }
        /* Buckets of 1..16 lanes; the lanes past n are not written. */
        uint32_t hashes[CONVOY__LANES], buckets[CONVOY__LANES];
        for (int round = 0; round < 1000; round++) {
            size_t n = 1 + (size_t)round % CONVOY__LANES;
            for (size_t i = 0; i < CONVOY__LANES; i++) {
                hashes[i] = round == 0 ? (uint32_t)(UINT32_MAX - i) : rnd();
                buckets[i] = 0;
            }
            convoy__bucket_lanes(buckets, hashes, n);
            for (size_t i = 0; i < CONVOY__LANES; i++)
                assert_int_equal(buckets[i], i < n ? convoy__bucket_of(hashes[i]) : 0);
        }
    }
    munmap(map, (size_t)page * 4);
    print_message("  %lu lane hashes checked\n", checked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lanes_kernel),
        cmocka_unit_test(test_same_as_route),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests_name("traffic route_many", tests, setup_requests,
                                       teardown_requests);
}
