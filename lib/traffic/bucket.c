/* The public hashing entry points: MurmurHash3 x86_32 (murmur3.h), Unleash
 * normalisation and Convoy buckets. */
#include <convoy/traffic.h>
#include <string.h>

#include "murmur3.h"

uint32_t convoy_murmur3_32(const void *data, size_t len, uint32_t seed)
{
    convoy__murmur3 m;
    convoy__murmur3_begin(&m, seed);
    if (data)
        convoy__murmur3_feed(&m, data, len);
    return convoy__murmur3_end(&m);
}

uint32_t convoy__hash_group_key(const char *group, size_t group_len, const char *key,
                                size_t key_len, uint32_t seed)
{
    /* Short keys (the common case) are joined on the stack: one pass over
     * contiguous bytes is faster than streaming three pieces. */
    if (group_len + key_len < 240) {
        unsigned char buf[256];
        memcpy(buf, group, group_len);
        buf[group_len] = ':';
        if (key_len)
            memcpy(buf + group_len + 1, key, key_len);
        return convoy_murmur3_32(buf, group_len + 1 + key_len, seed);
    }
    convoy__murmur3 m;
    convoy__murmur3_begin(&m, seed);
    convoy__murmur3_feed(&m, group, group_len);
    convoy__murmur3_feed(&m, ":", 1);
    convoy__murmur3_feed(&m, key, key_len);
    return convoy__murmur3_end(&m);
}

/* NULL with a length is an error; NULL with 0 (or NTS) is the empty string. */
static int measure(const char **s, size_t *len)
{
    if (!*s) {
        if (*len && *len != CONVOY_NTS)
            return -1;
        *s = "";
        *len = 0;
    } else if (*len == CONVOY_NTS) {
        *len = strlen(*s);
    }
    return 0;
}

uint32_t convoy_unleash_normalize(const char *group, size_t group_len, const char *key,
                                  size_t key_len, uint32_t normalizer, uint32_t seed)
{
    if (!normalizer || measure(&group, &group_len) || measure(&key, &key_len))
        return 0;
    return convoy__hash_group_key(group, group_len, key, key_len, seed) % normalizer + 1u;
}

uint32_t convoy_bucket(const char *group, size_t group_len, const char *key, size_t key_len)
{
    if (measure(&group, &group_len) || measure(&key, &key_len))
        return 0;
    return convoy__bucket_of(convoy__hash_group_key(group, group_len, key, key_len, 0));
}
