/* MurmurHash3 x86_32 of several keys (see murmur3_lanes.h): the portable
 * kernel, and the choice of kernel.
 *
 * The portable kernel is a plain loop over the one-key hash: its keys are
 * independent and the hash keeps everything in registers
 * (convoy__murmur3_head), so an out-of-order CPU already runs several
 * iterations at once. (An explicit interleaving of the lanes, block by
 * block, measured slower: its state lives in memory.) */
#include <stdatomic.h>
#include <stdlib.h>

#include "murmur3_lanes.h"

static void hash_portable(uint32_t *out, const convoy__murmur3 *prefix,
                          const unsigned char *const *keys, const size_t *lens, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = convoy__murmur3_from(prefix, keys[i], lens[i]);
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
