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

/* The 0-3 bytes at p as a little-endian word, without touching p[n]. */
static inline uint32_t convoy__load_partial(const unsigned char *p, size_t n)
{
    switch (n) {
    case 3:
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
    case 2:
        return (uint32_t)p[0] | (uint32_t)p[1] << 8;
    case 1:
        return p[0];
    default:
        return 0;
    }
}

/* A last partial block as the reference mixes it into h (by xor). It does
 * not depend on h, so it can be computed early; 0 stays 0, so a hash
 * without a partial block needs no test. */
static inline uint32_t convoy__premix(uint32_t k)
{
    k *= CONVOY__C1;
    k = convoy__rotl(k, 15);
    return k * CONVOY__C2;
}

static inline uint32_t convoy__fmix(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t convoy__mix_block(uint32_t h, uint32_t k)
{
    h ^= convoy__premix(k);
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
    uint32_t tail = convoy__load_partial(m->tail, m->n_tail & 3u);
    return convoy__fmix(m->h ^ convoy__premix(tail) ^ m->total);
}

/* murmur3 of "group:key" with `seed`. */
uint32_t convoy__hash_group_key(const char *group, size_t group_len, const char *key,
                                size_t key_len, uint32_t seed);

/* Seed of the mirror bucket: Unleash's variant seed, so the mirror choice
 * is independent of the traffic bucket of the same key. */
#define CONVOY__MIRROR_SEED 86028157u

/* The start of hashing *len bytes at *p after `prefix`: the prefix's
 * pending bytes completed from the data and mixed in. Returns the running
 * hash; leaves *p, *len on what is left in whole blocks (*len a multiple
 * of 4) and the word of the last partial block in *tail (0 when none).
 * Words are assembled in registers: storing the data's first bytes after
 * the prefix's pending ones and reading them back as a word would wait on
 * store forwarding, on every key. */
static inline uint32_t convoy__murmur3_head(const convoy__murmur3 *prefix,
                                            const unsigned char **p, size_t *len,
                                            uint32_t *tail)
{
    uint32_t h = prefix->h;
    unsigned n_pending = prefix->n_tail & 3u; /* always < 4; the mask tells the compiler */
    uint32_t pending = convoy__load_partial(prefix->tail, n_pending);
    if (n_pending && *len < 4 - n_pending) {
        /* The data does not even complete the pending block. */
        *tail = pending | convoy__load_partial(*p, *len) << (8 * n_pending);
        *len = 0;
        return h;
    }
    if (n_pending) {
        size_t take = 4 - n_pending;
        h = convoy__mix_block(h, pending | convoy__load_partial(*p, take) << (8 * n_pending));
        *p += take;
        *len -= take;
    }
    *tail = convoy__load_partial(*p + (*len & ~(size_t)3), *len & 3);
    *len &= ~(size_t)3;
    return h;
}

/* Continues a state that has hashed a prefix: hash of prefix + data. */
static inline uint32_t convoy__murmur3_from(const convoy__murmur3 *prefix, const void *data,
                                            size_t len)
{
    const unsigned char *p = data;
    size_t left = len;
    uint32_t tail;
    uint32_t h = convoy__murmur3_head(prefix, &p, &left, &tail);
    for (; left; p += 4, left -= 4)
        h = convoy__mix_block(h, convoy__load_le(p));
    return convoy__fmix(h ^ convoy__premix(tail) ^ (prefix->total + (uint32_t)len));
}

/* Convoy's bucket (1..10000) from the seed-0 hash; see convoy_bucket. */
static inline uint32_t convoy__bucket_of(uint32_t h)
{
    return (h % 100u) * 100u + (h / 100u) % 100u + 1u;
}

#endif
