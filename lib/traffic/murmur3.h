/* Internal: MurmurHash3 x86_32, whole or streamed over several pieces
 * (so "group:key" is hashed without building the string). */
#ifndef CONVOY_LIB_TRAFFIC_MURMUR3_H
#define CONVOY_LIB_TRAFFIC_MURMUR3_H

#include <stddef.h>
#include <stdint.h>

typedef struct convoy__murmur3 {
    uint32_t h;
    uint32_t total;      /* length mod 2^32, as the reference folds it in */
    unsigned char tail[4];
    unsigned n_tail;
} convoy__murmur3;

static inline void convoy__murmur3_begin(convoy__murmur3 *m, uint32_t seed)
{
    m->h = seed;
    m->total = 0;
    m->n_tail = 0;
}
#define CONVOY__C1 0xcc9e2d51u
#define CONVOY__C2 0x1b873593u

static inline uint32_t convoy__rotl(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

/* Little-endian whatever the host, as the reference defines the hash. */
static inline uint32_t convoy__load_le(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint32_t convoy__mix_block(uint32_t h, uint32_t k)
{
    k *= CONVOY__C1;
    k = convoy__rotl(k, 15);
    k *= CONVOY__C2;
    h ^= k;
    h = convoy__rotl(h, 13);
    return h * 5u + 0xe6546b64u;
}

static inline void convoy__murmur3_feed(convoy__murmur3 *m, const void *data, size_t len)
{
    const unsigned char *p = data;
    m->total += (uint32_t)len;
    if (m->n_tail) {
        while (m->n_tail < 4 && len) {
            m->tail[m->n_tail++] = *p++;
            len--;
        }
        if (m->n_tail < 4)
            return;
        m->h = convoy__mix_block(m->h, convoy__load_le(m->tail));
        m->n_tail = 0;
    }
    uint32_t h = m->h;
    for (; len >= 4; p += 4, len -= 4)
        h = convoy__mix_block(h, convoy__load_le(p));
    m->h = h;
    for (; len; len--)
        m->tail[m->n_tail++] = *p++;
}

static inline uint32_t convoy__murmur3_end(convoy__murmur3 *m)
{
    uint32_t h = m->h, k = 0;
    switch (m->n_tail) {
    case 3:
        k ^= (uint32_t)m->tail[2] << 16;
        /* fall through */
    case 2:
        k ^= (uint32_t)m->tail[1] << 8;
        /* fall through */
    case 1:
        k ^= m->tail[0];
        k *= CONVOY__C1;
        k = convoy__rotl(k, 15);
        k *= CONVOY__C2;
        h ^= k;
        break;
    default:
        break;
    }
    h ^= m->total;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}


/* murmur3 of "group:key" with `seed`. */
uint32_t convoy__hash_group_key(const char *group, size_t group_len, const char *key,
                                size_t key_len, uint32_t seed);

/* Seed of the mirror bucket: Unleash's variant seed, so the mirror choice
 * is independent of the traffic bucket of the same key. */
#define CONVOY__MIRROR_SEED 86028157u

/* Continues a state that has hashed a prefix: hash of prefix + data. */
static inline uint32_t convoy__murmur3_from(const convoy__murmur3 *prefix, const void *data,
                                            size_t len)
{
    convoy__murmur3 m = *prefix;
    convoy__murmur3_feed(&m, data, len);
    return convoy__murmur3_end(&m);
}

/* Convoy's bucket (1..10000) from the seed-0 hash; see convoy_bucket. */
static inline uint32_t convoy__bucket_of(uint32_t h)
{
    return (h % 100u) * 100u + (h / 100u) % 100u + 1u;
}

#endif
