/*
 * test_bucket - sticky bucketing of <convoy/traffic.h>: MurmurHash3 x86_32
 * check values (REFERENCE.md section 5 and the SMHasher verification
 * value), Unleash's normalizedValue, Convoy's basis-point bucket formula,
 * its agreement with Unleash at whole percentages, long keys (hashed in
 * pieces inside the library) and NULL handling.
 */
#include "traffic_test.h"

/* The bucket formula of traffic.h from the seed-0 hash. */
static uint32_t formula(uint32_t h)
{
    return (h % 100u) * 100u + (h / 100u) % 100u + 1u;
}

/* murmur3 of "group:key", built here. */
static uint32_t hash_joined(const char *group, size_t gl, const char *key, size_t kl,
                            uint32_t seed)
{
    char *buf = malloc(gl + kl + 1);
    assert_non_null(buf);
    memcpy(buf, group, gl);
    buf[gl] = ':';
    memcpy(buf + gl + 1, key, kl);
    uint32_t h = convoy_murmur3_32(buf, gl + 1 + kl, seed);
    free(buf);
    return h;
}

static void test_murmur3_check_values(void **state)
{
    (void)state;
    assert_int_equal(convoy_murmur3_32("", 0, 0), 0u);
    assert_int_equal(convoy_murmur3_32("", 0, 1), 0x514E28B7u);
    assert_int_equal(convoy_murmur3_32("", 0, 0xffffffffu), 0x81F16F39u);
    assert_int_equal(convoy_murmur3_32("\0\0\0\0", 4, 0), 0x2362F9DEu);
    assert_int_equal(convoy_murmur3_32("aaaa", 4, 0x9747b28cu), 0x5A97808Au);
    assert_int_equal(convoy_murmur3_32("Hello, world!", 13, 0x9747b28cu), 0x24884CBAu);
    assert_int_equal(
        convoy_murmur3_32("The quick brown fox jumps over the lazy dog", 43, 0x9747b28cu),
        0x2FA826CDu);
    assert_int_equal(convoy_murmur3_32("hello", 5, 0), 0x248BFA47u);
    assert_int_equal(convoy_murmur3_32("AB12A:122", 9, 0), 1062108722u);
    /* NULL with length 0 is the empty input. */
    assert_int_equal(convoy_murmur3_32(NULL, 0, 1), 0x514E28B7u);
}

/* SMHasher's VerificationTest for MurmurHash3_x86_32. */
static void test_murmur3_smhasher(void **state)
{
    (void)state;
    unsigned char key[256], hashes[256 * 4];
    for (unsigned i = 0; i < 256; i++) {
        key[i] = (unsigned char)i;
        uint32_t h = convoy_murmur3_32(key, i, 256u - i);
        hashes[i * 4 + 0] = (unsigned char)h;
        hashes[i * 4 + 1] = (unsigned char)(h >> 8);
        hashes[i * 4 + 2] = (unsigned char)(h >> 16);
        hashes[i * 4 + 3] = (unsigned char)(h >> 24);
    }
    assert_int_equal(convoy_murmur3_32(hashes, sizeof hashes, 0), 0xB0F57EE3u);
    /* Unaligned input hashes the same. */
    unsigned char shifted[sizeof hashes + 3];
    memcpy(shifted + 3, hashes, sizeof hashes);
    assert_int_equal(convoy_murmur3_32(shifted + 3, sizeof hashes, 0), 0xB0F57EE3u);
}

static void test_unleash_normalize(void **state)
{
    (void)state;
    /* Values the Unleash SDKs test their normalizedValue with. */
    assert_int_equal(convoy_unleash_normalize("gr1", 3, "123", 3, 100, 0), 73);
    assert_int_equal(convoy_unleash_normalize("groupX", 6, "999", 3, 100, 0), 25);
    char key[32];
    for (unsigned i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "user-%u", i);
        size_t kl = strlen(key);
        uint32_t h0 = hash_joined("grp", 3, key, kl, 0);
        uint32_t hv = hash_joined("grp", 3, key, kl, 86028157u);
        assert_int_equal(convoy_unleash_normalize("grp", 3, key, kl, 100, 0), h0 % 100 + 1);
        assert_int_equal(convoy_unleash_normalize("grp", 3, key, kl, 1000, 0), h0 % 1000 + 1);
        assert_int_equal(convoy_unleash_normalize("grp", 3, key, kl, 7, 86028157u),
                         hv % 7 + 1);
    }
    assert_int_equal(convoy_unleash_normalize("g", 1, "k", 1, 0, 0), 0);
    assert_int_equal(convoy_unleash_normalize(NULL, 3, "k", 1, 100, 0), 0);
    assert_int_equal(convoy_unleash_normalize("g", 1, NULL, 1, 100, 0), 0);
    /* NULL with length 0 is the empty string. */
    assert_int_equal(convoy_unleash_normalize(NULL, 0, "k", 1, 100, 0),
                     convoy_unleash_normalize("", 0, "k", 1, 100, 0));
}

static void test_bucket_formula(void **state)
{
    (void)state;
    char key[32];
    uint32_t lo = 10001, hi = 0;
    unsigned per_percent[100] = {0};
    const unsigned n = 100000;
    for (unsigned i = 0; i < n; i++) {
        snprintf(key, sizeof key, "%u", i * 2654435761u);
        size_t kl = strlen(key);
        uint32_t b = convoy_bucket("checkout", 8, key, kl);
        uint32_t h = hash_joined("checkout", 8, key, kl, 0);
        if (b != formula(h))
            fail_msg("bucket(checkout, %s) = %u, formula says %u", key, (unsigned)b,
                     (unsigned)formula(h));
        /* At whole percentages Convoy agrees with Unleash. */
        uint32_t norm = convoy_unleash_normalize("checkout", 8, key, kl, 100, 0);
        for (uint32_t p = 0; p <= 100; p += 1)
            if ((b <= p * 100) != (p > 0 && norm <= p))
                fail_msg("key %s: bucket %u, Unleash %u disagree at %u %%", key, (unsigned)b,
                         (unsigned)norm, (unsigned)p);
        lo = b < lo ? b : lo;
        hi = b > hi ? b : hi;
        per_percent[(b - 1) / 100]++;
    }
    assert_true(lo >= 1 && lo <= 5);
    assert_true(hi <= 10000 && hi >= 9995);
    /* Roughly uniform: each percent within 6 sigma of n/100. */
    double mean = n / 100.0, sigma = sqrt(n * 0.01 * 0.99);
    for (int p = 0; p < 100; p++)
        if (fabs(per_percent[p] - mean) > 6 * sigma)
            fail_msg("percent %d holds %u of %u keys", p, per_percent[p], n);
}

/* Group and key lengths around the library's internal join buffer and
 * every block alignment hash like the joined string. */
static void test_bucket_long_keys(void **state)
{
    (void)state;
    char group[400], key[700];
    for (size_t i = 0; i < sizeof group; i++)
        group[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof key; i++)
        key[i] = (char)('0' + (i * 7) % 10);
    const size_t gls[] = {0, 1, 2, 3, 4, 5, 100, 200, 235, 236, 237, 238, 239, 240, 241, 255,
                          256, 257, 399};
    for (size_t g = 0; g < COUNT(gls); g++) {
        for (size_t kl = 0; kl < sizeof key; kl += (kl < 300 ? 1 : 37)) {
            uint32_t want = formula(hash_joined(group, gls[g], key, kl, 0));
            uint32_t got = convoy_bucket(group, gls[g], key, kl);
            if (got != want)
                fail_msg("group length %zu, key length %zu: bucket %u, expected %u", gls[g], kl,
                         (unsigned)got, (unsigned)want);
            uint32_t hv = hash_joined(group, gls[g], key, kl, 86028157u);
            assert_int_equal(convoy_unleash_normalize(group, gls[g], key, kl, 10000, 86028157u),
                             hv % 10000 + 1);
        }
    }
}

static void test_bucket_null(void **state)
{
    (void)state;
    assert_int_equal(convoy_bucket(NULL, 1, "k", 1), 0);
    assert_int_equal(convoy_bucket("g", 1, NULL, 1), 0);
    /* NULL with length 0 is the empty string; bytes after the length are ignored. */
    assert_int_equal(convoy_bucket("g", 1, NULL, 0), convoy_bucket("g", 1, "", 0));
    assert_int_equal(convoy_bucket(NULL, 0, "k", 1), convoy_bucket("", 0, "k", 1));
    assert_int_equal(convoy_bucket("g", 1, "", 0), formula(convoy_murmur3_32("g:", 2, 0)));
    assert_int_equal(convoy_bucket("gX", 1, "kY", 1), convoy_bucket("g", 1, "k", 1));
    /* Embedded NULs are bytes like any other. */
    assert_int_equal(convoy_bucket("g", 1, "a\0b", 3),
                     formula(convoy_murmur3_32("g:a\0b", 5, 0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_murmur3_check_values),
        cmocka_unit_test(test_murmur3_smhasher),
        cmocka_unit_test(test_unleash_normalize),
        cmocka_unit_test(test_bucket_formula),
        cmocka_unit_test(test_bucket_long_keys),
        cmocka_unit_test(test_bucket_null),
    };
    return cmocka_run_group_tests_name("traffic bucket", tests, NULL, NULL);
}
