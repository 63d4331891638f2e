/*
 * test_bucketing - properties of Convoy's sticky bucketing (REFERENCE.md
 * section 5) over 100,000 deterministic keys "user-0" .. "user-99999":
 *
 *   - MurmurHash3 x86_32 check values and SMHasher's verification value;
 *   - agreement with Unleash at whole percentages: for every P in 1..100,
 *     convoy_bucket <= P*100 exactly when convoy_unleash_normalize <= P;
 *   - monotonicity through real routers (convoy_router_new, then
 *     convoy_router_reweight): a key on the candidate at weight w1 stays
 *     there at every w2 >= w1, over whole percentages and basis-point steps;
 *   - cohort consistency: two services of one cohort route every key the
 *     same way with the same bucket, a service outside the cohort differs
 *     for some keys;
 *   - uniformity: chi-square of the buckets over 100 cells (the percentage),
 *     100 cells (the basis point inside the percentage) and 10,000 cells
 *     (the whole bucket), against fixed critical values at p = 0.001.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <convoy/convoy.h>

#define N_KEYS 100000
#define KEY_CAP 16

static char keys[N_KEYS][KEY_CAP];
static size_t key_len[N_KEYS];

static int setup_keys(void **state)
{
    (void)state;
    for (int i = 0; i < N_KEYS; i++)
        key_len[i] = (size_t)snprintf(keys[i], KEY_CAP, "user-%d", i);
    return 0;
}

/* ------------------------------------------------------------------ murmur3 */

static void test_murmur3_vectors(void **state)
{
    (void)state;
    assert_int_equal(convoy_murmur3_32("", 0, 0), 0u);
    assert_int_equal(convoy_murmur3_32(NULL, 0, 0), 0u);
    assert_int_equal(convoy_murmur3_32("hello", 5, 0), 0x248BFA47u);
    assert_int_equal(convoy_murmur3_32("AB12A:122", 9, 0), 1062108722u);
    /* Unleash: "AB12A:122" at 50 % is in (03-gradual-rollout-user-id). */
    assert_int_equal(convoy_unleash_normalize("AB12A", CONVOY_NTS, "122", CONVOY_NTS, 100, 0),
                     1062108722u % 100u + 1u);
    assert_int_equal(convoy_unleash_normalize("AB12A", 5, "122", 3, 100, 0), 23u);
}

/* SMHasher's VerificationTest: hash the keys {}, {0}, {0,1}, ... {0..254}
 * (key i is the first i bytes of 0,1,2,...) with seed 256 - i, concatenate
 * the 256 hashes little-endian, hash that with seed 0. */
static void test_murmur3_smhasher_verification(void **state)
{
    (void)state;
    uint8_t key[256], hashes[256 * 4];
    for (int i = 0; i < 256; i++) {
        key[i] = (uint8_t)i;
        uint32_t h = convoy_murmur3_32(key, (size_t)i, (uint32_t)(256 - i));
        hashes[i * 4 + 0] = (uint8_t)h;
        hashes[i * 4 + 1] = (uint8_t)(h >> 8);
        hashes[i * 4 + 2] = (uint8_t)(h >> 16);
        hashes[i * 4 + 3] = (uint8_t)(h >> 24);
    }
    assert_int_equal(convoy_murmur3_32(hashes, sizeof hashes, 0), 0xB0F57EE3u);
}

/* Unaligned input and every tail length give what a fresh aligned copy gives. */
static void test_murmur3_alignment(void **state)
{
    (void)state;
    unsigned char buf[64 + 8], copy[64];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 37 + 11);
    for (size_t off = 0; off < 8; off++) {
        for (size_t len = 0; len <= 64; len++) {
            memcpy(copy, buf + off, len);
            assert_int_equal(convoy_murmur3_32(buf + off, len, 0x9747b28cu),
                             convoy_murmur3_32(copy, len, 0x9747b28cu));
        }
    }
}

/* ------------------------------------------------------- bucket contract */

static void test_bucket_edges(void **state)
{
    (void)state;
    /* NUL-terminated and explicit lengths agree. */
    assert_int_equal(convoy_bucket("g", CONVOY_NTS, "k", CONVOY_NTS), convoy_bucket("g", 1, "k", 1));
    /* The formula of <convoy/traffic.h>. */
    uint32_t h = convoy_murmur3_32("AB12A:122", 9, 0);
    assert_int_equal(convoy_bucket("AB12A", CONVOY_NTS, "122", CONVOY_NTS),
                     (h % 100u) * 100u + (h / 100u) % 100u + 1u);
    /* NULL with a length is an error (0); NULL with 0 is the empty string. */
    assert_int_equal(convoy_bucket(NULL, 3, "k", 1), 0u);
    assert_int_equal(convoy_bucket("g", 1, NULL, 2), 0u);
    assert_int_equal(convoy_bucket(NULL, 0, "k", 1), convoy_bucket("", 0, "k", 1));
    assert_int_equal(convoy_unleash_normalize("g", 1, "k", 1, 0, 0), 0u);
    assert_int_equal(convoy_unleash_normalize(NULL, 1, "k", 1, 100, 0), 0u);
    /* Bytes after an explicit length are not read; embedded NULs are hashed. */
    assert_int_equal(convoy_bucket("group-x", 5, "key-y", 3), convoy_bucket("group", 5, "key", 3));
    assert_int_not_equal(convoy_murmur3_32("a\0b", 3, 0), convoy_murmur3_32("a", 1, 0));
    /* Long group + key (past any on-stack join) still hash "group:key". */
    static char big[1000];
    memset(big, 'x', sizeof big);
    char *joined = malloc(sizeof big + 1 + 5);
    memcpy(joined, big, sizeof big);
    joined[sizeof big] = ':';
    memcpy(joined + sizeof big + 1, "hello", 5);
    uint32_t hj = convoy_murmur3_32(joined, sizeof big + 6, 0);
    free(joined);
    assert_int_equal(convoy_bucket(big, sizeof big, "hello", 5),
                     (hj % 100u) * 100u + (hj / 100u) % 100u + 1u);
    assert_int_equal(convoy_unleash_normalize(big, sizeof big, "hello", 5, 100, 0), hj % 100u + 1u);
}

/* For every P in 1..100 and every key: bucket <= P*100 iff normalize <= P. */
static void test_agrees_with_unleash_at_whole_percentages(void **state)
{
    (void)state;
    static const char *const groups[] = {"checkout-flow", "AB12A", "", "Feature.flexibleRollout.10"};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        unsigned long disagreements = 0;
        for (int i = 0; i < N_KEYS; i++) {
            uint32_t b = convoy_bucket(groups[g], CONVOY_NTS, keys[i], key_len[i]);
            uint32_t n = convoy_unleash_normalize(groups[g], CONVOY_NTS, keys[i], key_len[i], 100, 0);
            assert_true(b >= 1 && b <= 10000);
            assert_true(n >= 1 && n <= 100);
            for (uint32_t p = 1; p <= 100; p++)
                disagreements += (b <= p * 100u) != (n <= p);
        }
        if (disagreements)
            fail_msg("group '%s': %lu (key, P) pairs disagree", groups[g], disagreements);
    }
}

/* ---------------------------------------------------------------- routers */

static convoy_plan *parse_plan(const char *json)
{
    convoy_plan *plan = NULL;
    convoy_diagnostics *diags = NULL;
    int rc = convoy_plan_parse(&plan, &diags, json, strlen(json), NULL);
    if (rc != CONVOY_OK) {
        for (size_t i = 0; i < convoy_diagnostics_count(diags); i++)
            print_error("%s: %s\n", convoy_diagnostic_pointer(diags, i),
                        convoy_diagnostic_message(diags, i));
    }
    convoy_diagnostics_free(diags);
    assert_int_equal(rc, CONVOY_OK);
    return plan;
}

static int route_key(const convoy_router *r, size_t svc, const char *key, size_t len,
                     uint32_t *bucket)
{
    convoy_request req = CONVOY_REQUEST_INIT;
    req.key = key;
    req.key_len = len;
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    assert_int_equal(convoy_router_route(&res, r, svc, &req), CONVOY_OK);
    assert_int_equal(res.key_source, CONVOY_KEY_STICKY);
    assert_int_equal(res.rule, -1);
    if (bucket)
        *bucket = res.bucket;
    return res.variant;
}

/* Candidate at w1 implies candidate at every w2 >= w1; candidate exactly
 * when bucket <= w; counts close to w/10000 of the keys. */
static void test_monotonic_through_router(void **state)
{
    (void)state;
    static const uint32_t weights[] = {0,    1,    2,    3,    5,    10,   50,   99,   100,
                                       101,  150,  199,  200,  201,  250,  333,  500,  999,
                                       1000, 1001, 1234, 2500, 4999, 5000, 5001, 7500, 9899,
                                       9900, 9901, 9998, 9999, 10000};
    enum { NW = sizeof weights / sizeof weights[0] };
    convoy_plan *plan = parse_plan("{\"name\": \"mono\", \"services\": ["
                                   "{\"name\": \"api\", \"steps\": [{\"set_weight\": 10}]}]}");
    convoy_router *base = NULL;
    uint32_t w0 = weights[0];
    assert_int_equal(convoy_router_new(&base, plan, &w0, NULL, 1, NULL), CONVOY_OK);
    convoy_plan_free(plan);
    assert_string_equal(convoy_router_group(base, 0), "api");

    convoy_router *routers[NW];
    for (size_t w = 0; w < NW; w++) {
        assert_int_equal(convoy_router_reweight(&routers[w], base, &weights[w], NULL, 1),
                         CONVOY_OK);
        assert_int_equal(convoy_router_candidate_bp(routers[w], 0), weights[w]);
    }
    static uint32_t count[NW];
    memset(count, 0, sizeof count);
    for (int i = 0; i < N_KEYS; i++) {
        uint32_t expect_bucket = convoy_bucket("api", 3, keys[i], key_len[i]);
        int prev = CONVOY_VARIANT_BASELINE;
        for (size_t w = 0; w < NW; w++) {
            uint32_t b;
            int v = route_key(routers[w], 0, keys[i], key_len[i], &b);
            assert_int_equal(b, expect_bucket);
            if (prev == CONVOY_VARIANT_CANDIDATE && v != CONVOY_VARIANT_CANDIDATE)
                fail_msg("%s: candidate at %u bp, baseline at %u bp", keys[i], weights[w - 1],
                         weights[w]);
            assert_int_equal(v == CONVOY_VARIANT_CANDIDATE, b <= weights[w]);
            count[w] += v == CONVOY_VARIANT_CANDIDATE;
            prev = v;
        }
    }
    for (size_t w = 0; w < NW; w++) {
        /* Binomial: within 6 standard deviations (+1 for tiny weights). */
        double p = weights[w] / 10000.0, mean = N_KEYS * p;
        if (w > 0)
            assert_true(count[w] >= count[w - 1]);
        double dev = count[w] > mean ? count[w] - mean : mean - count[w];
        double var = N_KEYS * p * (1 - p);
        if (dev * dev > 36.0 * var + 1.0)
            fail_msg("weight %u bp: %u of %d keys on the candidate, expected about %.0f",
                     weights[w], count[w], N_KEYS, mean);
    }
    assert_int_equal(count[0], 0);
    assert_int_equal(count[NW - 1], N_KEYS);
    for (size_t w = 0; w < NW; w++)
        convoy_router_free(routers[w]);
    convoy_router_free(base);
}

/* Every basis point from 0 to 10000, by bucket counts: the candidate share
 * grows by exactly the keys of bucket w at step w (never shrinks). */
static void test_monotonic_every_basis_point(void **state)
{
    (void)state;
    static uint32_t per_bucket[10001];
    memset(per_bucket, 0, sizeof per_bucket);
    for (int i = 0; i < N_KEYS; i++) {
        uint32_t b = convoy_bucket("api", 3, keys[i], key_len[i]);
        assert_true(b >= 1 && b <= 10000);
        per_bucket[b]++;
    }
    /* Spot-check the cumulative counts against a router at 401 weights. */
    convoy_plan *plan = parse_plan("{\"name\": \"mono\", \"services\": [{\"name\": \"api\"}]}");
    convoy_router *base = NULL;
    uint32_t zero = 0;
    assert_int_equal(convoy_router_new(&base, plan, &zero, NULL, 1, NULL), CONVOY_OK);
    convoy_plan_free(plan);
    uint32_t cumulative = 0;
    for (uint32_t w = 0; w <= 10000; w++) {
        cumulative += per_bucket[w];
        if (w % 25 != 0 && !(w >= 480 && w <= 520))
            continue;
        convoy_router *r = NULL;
        assert_int_equal(convoy_router_reweight(&r, base, &w, NULL, 1), CONVOY_OK);
        uint32_t n = 0;
        for (int i = 0; i < N_KEYS; i += 7)
            n += route_key(r, 0, keys[i], key_len[i], NULL) == CONVOY_VARIANT_CANDIDATE;
        uint32_t expect = 0;
        for (int i = 0; i < N_KEYS; i += 7)
            expect += convoy_bucket("api", 3, keys[i], key_len[i]) <= w;
        assert_int_equal(n, expect);
        convoy_router_free(r);
    }
    assert_int_equal(cumulative, N_KEYS);
    convoy_router_free(base);
}

static const char cohort_plan[] =
    "{\"name\": \"cohorts\", \"services\": ["
    " {\"name\": \"cart\", \"steps\": [{\"set_weight\": 25}],"
    "  \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}, \"cohort\": \"checkout-flow\"}},"
    " {\"name\": \"checkout\", \"steps\": [{\"set_weight\": 25}],"
    "  \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}, \"cohort\": \"checkout-flow\"}},"
    " {\"name\": \"search\", \"steps\": [{\"set_weight\": 25}],"
    "  \"traffic\": {\"sticky\": {\"header\": \"x-user-id\"}}}"
    "]}";

static int route_header(const convoy_router *r, size_t svc, const char *key, size_t len,
                        uint32_t *bucket)
{
    convoy_pair hdr[2] = {{"Accept", CONVOY_NTS, "*/*", CONVOY_NTS},
                          {"X-User-Id", CONVOY_NTS, key, len}};
    convoy_request req = CONVOY_REQUEST_INIT;
    req.headers = hdr;
    req.n_headers = 2;
    req.request_id = "req-1";
    req.request_id_len = CONVOY_NTS;
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
    assert_int_equal(convoy_router_route(&res, r, svc, &req), CONVOY_OK);
    assert_int_equal(res.key_source, CONVOY_KEY_STICKY);
    *bucket = res.bucket;
    return res.variant;
}

static void test_cohort_consistency(void **state)
{
    (void)state;
    convoy_plan *plan = parse_plan(cohort_plan);
    assert_int_equal(convoy_plan_service_count(plan), 3);
    static const uint32_t levels[] = {1, 100, 2500, 5000, 9999};
    convoy_router *base = NULL;
    uint32_t w[3] = {2500, 2500, 2500};
    assert_int_equal(convoy_router_new(&base, plan, w, NULL, 3, NULL), CONVOY_OK);
    assert_string_equal(convoy_router_group(base, 0), "checkout-flow");
    assert_string_equal(convoy_router_group(base, 1), "checkout-flow");
    assert_string_equal(convoy_router_group(base, 2), "search");

    /* Members of one cohort must move in lockstep. */
    convoy_router *bad = NULL;
    uint32_t uneven[3] = {2500, 2600, 2500};
    assert_int_equal(convoy_router_new(&bad, plan, uneven, NULL, 3, NULL), CONVOY_E_INVALID);
    assert_null(bad);
    convoy_plan_free(plan);

    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        uint32_t lw[3] = {levels[l], levels[l], levels[l]};
        convoy_router *r = NULL;
        assert_int_equal(convoy_router_reweight(&r, base, lw, NULL, 3), CONVOY_OK);
        unsigned long differ = 0, candidates = 0;
        for (int i = 0; i < N_KEYS; i++) {
            uint32_t b_cart, b_checkout, b_search;
            int v_cart = route_header(r, 0, keys[i], key_len[i], &b_cart);
            int v_checkout = route_header(r, 1, keys[i], key_len[i], &b_checkout);
            int v_search = route_header(r, 2, keys[i], key_len[i], &b_search);
            if (v_cart != v_checkout || b_cart != b_checkout)
                fail_msg("%s at %u bp: cart %d (bucket %u), checkout %d (bucket %u)", keys[i],
                         levels[l], v_cart, b_cart, v_checkout, b_checkout);
            assert_int_equal(b_cart, convoy_bucket("checkout-flow", CONVOY_NTS, keys[i],
                                                   key_len[i]));
            assert_int_equal(b_search, convoy_bucket("search", CONVOY_NTS, keys[i], key_len[i]));
            differ += v_search != v_cart;
            candidates += v_cart == CONVOY_VARIANT_CANDIDATE;
        }
        /* The service outside the cohort buckets independently: at 25 % about
         * 37.5 % of keys differ; even at 0.01 % some do among 100,000 keys. */
        if (differ == 0)
            fail_msg("at %u bp the service outside the cohort routes like the cohort", levels[l]);
        print_message("cohort at %5u bp: %lu of %d keys on the candidate in both members, "
                      "%lu route differently outside the cohort\n",
                      levels[l], candidates, N_KEYS, differ);
        convoy_router_free(r);
    }
    convoy_router_free(base);
}

/* ------------------------------------------------------------- uniformity */

/* Critical values of chi-square at p = 0.001, computed offline with
 * /usr/bin/python3 (scipy 1.10.1):
 *     scipy.stats.chi2.ppf(0.999, 99)   = 148.23035916510173
 *     scipy.stats.chi2.ppf(0.999, 9999) = 10441.708713915372
 * The keys are fixed, so the statistic is too: this is a regression check
 * that the buckets are uniform, not a random test. */
#define CHI2_CRIT_DF99 148.23035916510173
#define CHI2_CRIT_DF9999 10441.708713915372

static double chi_square(const uint32_t *observed, size_t cells, double expected)
{
    double x = 0;
    for (size_t i = 0; i < cells; i++) {
        double d = observed[i] - expected;
        x += d * d / expected;
    }
    return x;
}

static void test_chi_square_uniformity(void **state)
{
    (void)state;
    static const char *const groups[] = {"checkout-flow", "api"};
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        static uint32_t percent[100], inner[100], whole[10000];
        memset(percent, 0, sizeof percent);
        memset(inner, 0, sizeof inner);
        memset(whole, 0, sizeof whole);
        for (int i = 0; i < N_KEYS; i++) {
            uint32_t b = convoy_bucket(groups[g], CONVOY_NTS, keys[i], key_len[i]) - 1;
            percent[b / 100]++;
            inner[b % 100]++;
            whole[b]++;
        }
        double x_percent = chi_square(percent, 100, N_KEYS / 100.0);
        double x_inner = chi_square(inner, 100, N_KEYS / 100.0);
        double x_whole = chi_square(whole, 10000, N_KEYS / 10000.0);
        print_message("group %-14s chi2: 100 percent cells %.1f (crit %.1f), 100 inner cells "
                      "%.1f (crit %.1f), 10000 cells %.1f (crit %.1f)\n",
                      groups[g], x_percent, CHI2_CRIT_DF99, x_inner, CHI2_CRIT_DF99, x_whole,
                      CHI2_CRIT_DF9999);
        assert_true(x_percent < CHI2_CRIT_DF99);
        assert_true(x_inner < CHI2_CRIT_DF99);
        assert_true(x_whole < CHI2_CRIT_DF9999);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_murmur3_vectors),
        cmocka_unit_test(test_murmur3_smhasher_verification),
        cmocka_unit_test(test_murmur3_alignment),
        cmocka_unit_test(test_bucket_edges),
        cmocka_unit_test(test_agrees_with_unleash_at_whole_percentages),
        cmocka_unit_test(test_monotonic_through_router),
        cmocka_unit_test(test_monotonic_every_basis_point),
        cmocka_unit_test(test_cohort_consistency),
        cmocka_unit_test(test_chi_square_uniformity),
    };
    return cmocka_run_group_tests(tests, setup_keys, NULL);
}
