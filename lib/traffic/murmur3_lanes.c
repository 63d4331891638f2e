/* MurmurHash3 x86_32 of several keys in step (see murmur3_lanes.h).
 *
 * Each key is first brought to a block boundary: the prefix's pending
 * bytes are completed from the key, and the key's last partial block is
 * premixed (it does not depend on the running hash). What is left is a
 * whole number of 4-byte blocks per lane, mixed block by block across all
 * lanes, then the finalisation of every lane. Lanes with fewer blocks sit
 * out the later rounds: their load reads a zero word instead of running
 * past their key, and their hash is kept. */
#include <stdatomic.h>
#include <stdlib.h>

#include "murmur3_lanes.h"

typedef struct lanes {
    uint32_t h[CONVOY__LANES];
    const unsigned char *blocks[CONVOY__LANES]; /* the first whole block after the prefix */
    size_t n_blocks[CONVOY__LANES];
    uint32_t tail_k[CONVOY__LANES];  /* the premixed last partial block, 0 when none */
    uint32_t total[CONVOY__LANES];   /* prefix and key length, mod 2^32 */
} lanes;

static const unsigned char zero_block[4];

static void lanes_start(lanes *l, const convoy__murmur3 *prefix,
                        const unsigned char *const *keys, const size_t *lens, size_t n)
{
    for (size_t i = 0; i < CONVOY__LANES; i++) {
        const unsigned char *p = i < n ? keys[i] : zero_block;
        size_t len = i < n ? lens[i] : 0;
        uint32_t tail;
        l->h[i] = convoy__murmur3_head(prefix, &p, &len, &tail);
        l->blocks[i] = p;
        l->n_blocks[i] = len / 4;
        l->tail_k[i] = convoy__premix(tail);
        l->total[i] = prefix->total + (uint32_t)(i < n ? lens[i] : 0);
    }
}

static inline uint32_t finish(uint32_t h, uint32_t tail_k, uint32_t total)
{
    return convoy__fmix(h ^ tail_k ^ total);
}

static void lanes_portable(uint32_t *out, lanes *l, size_t n)
{
    size_t most = 0;
    for (size_t i = 0; i < CONVOY__LANES; i++)
        most = l->n_blocks[i] > most ? l->n_blocks[i] : most;
    for (size_t b = 0; b < most; b++) {
        for (size_t i = 0; i < CONVOY__LANES; i++) {
            int live = b < l->n_blocks[i];
            const unsigned char *q = live ? l->blocks[i] + 4 * b : zero_block;
            uint32_t mixed = convoy__mix_block(l->h[i], convoy__load_le(q));
            l->h[i] = live ? mixed : l->h[i];
        }
    }
    for (size_t i = 0; i < n; i++)
        out[i] = finish(l->h[i], l->tail_k[i], l->total[i]);
}

static void hash_portable(uint32_t *out, const convoy__murmur3 *prefix,
                          const unsigned char *const *keys, const size_t *lens, size_t n)
{
    lanes l;
    lanes_start(&l, prefix, keys, lens, n);
    lanes_portable(out, &l, n);
}

void convoy__bucket_lanes(uint32_t *buckets, const uint32_t *hashes, size_t n)
{
#if CONVOY__HAVE_X86_LANES
    switch (convoy__murmur3_lanes_kind()) {
    case CONVOY__LANES_AVX512:
        convoy__bucket_lanes_avx512(buckets, hashes, n);
        return;
    case CONVOY__LANES_AVX2:
        convoy__bucket_lanes_avx2(buckets, hashes, n);
        return;
    default:
        break;
    }
#endif
    for (size_t i = 0; i < n; i++)
        buckets[i] = convoy__bucket_of(hashes[i]);
}

/* ---- choosing the kernel ---------------------------------------------- */

static int runs_here(int kind)
{
    switch (kind) {
    case CONVOY__LANES_PORTABLE:
        return 1;
#if CONVOY__HAVE_X86_LANES
    case CONVOY__LANES_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
    case CONVOY__LANES_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2");
#endif
    default:
        return 0;
    }
}

/* -1 until the first call chooses; relaxed is enough: every thread that
 * chooses chooses the same. */
static atomic_int kind_in_use = -1;

int convoy__murmur3_lanes_kind(void)
{
    int kind = atomic_load_explicit(&kind_in_use, memory_order_relaxed);
    if (kind < 0) {
        if (getenv("CONVOY_NO_SIMD"))
            kind = CONVOY__LANES_PORTABLE;
        else if (runs_here(CONVOY__LANES_AVX512))
            kind = CONVOY__LANES_AVX512;
        else if (runs_here(CONVOY__LANES_AVX2))
            kind = CONVOY__LANES_AVX2;
        else
            kind = CONVOY__LANES_PORTABLE;
        atomic_store_explicit(&kind_in_use, kind, memory_order_relaxed);
    }
    return kind;
}

int convoy__murmur3_lanes_use(int kind)
{
    if (!runs_here(kind))
        return -1;
    atomic_store_explicit(&kind_in_use, kind, memory_order_relaxed);
    return 0;
}

void convoy__murmur3_lanes(uint32_t *out, const convoy__murmur3 *prefix,
                           const unsigned char *const *keys, const size_t *lens, size_t n)
{
#if CONVOY__HAVE_X86_LANES
    switch (convoy__murmur3_lanes_kind()) {
    case CONVOY__LANES_AVX512:
        convoy__murmur3_lanes_avx512(out, prefix, keys, lens, n);
        return;
    case CONVOY__LANES_AVX2:
        convoy__murmur3_lanes_avx2(out, prefix, keys, lens, n);
        return;
    default:
        break;
    }
#endif
    hash_portable(out, prefix, keys, lens, n);
}
