/* The AVX-512 kernel of murmur3_lanes.h: the 16 lanes of a chunk in one
 * register, chosen at run time (murmur3_lanes.c) on CPUs that have
 * AVX-512F. A lane's 4-byte words are gathered from its key by address;
 * a gather only loads the lanes of its mask, so no lane reads beyond its
 * key. Keys shorter than 4 bytes (whose first or last word would not fit
 * in the key) are left to the portable code, one by one. */
#include "murmur3_lanes.h"

#if CONVOY__HAVE_X86_LANES
#include <immintrin.h>

#define TARGET __attribute__((target("avx512f")))

TARGET static inline __m512i premix(__m512i k)
{
    k = _mm512_mullo_epi32(k, _mm512_set1_epi32((int)CONVOY__C1));
    k = _mm512_rol_epi32(k, 15);
    return _mm512_mullo_epi32(k, _mm512_set1_epi32((int)CONVOY__C2));
}

TARGET static inline __m512i mix_block(__m512i h, __m512i k)
{
    h = _mm512_xor_si512(h, premix(k));
    h = _mm512_rol_epi32(h, 13);
    /* h * 5 + 0xe6546b64 */
    h = _mm512_add_epi32(_mm512_slli_epi32(h, 2), h);
    return _mm512_add_epi32(h, _mm512_set1_epi32((int)0xe6546b64u));
}

/* The 32-bit words at the 16 addresses lo (lanes 0-7) and hi (8-15), for
 * the lanes in `mask`; 0 in the others, which load nothing. */
TARGET static inline __m512i gather(__mmask16 mask, __m512i lo, __m512i hi)
{
    __m256i zero = _mm256_setzero_si256();
    __m256i a = _mm512_mask_i64gather_epi32(zero, (__mmask8)mask, lo, NULL, 1);
    __m256i b = _mm512_mask_i64gather_epi32(zero, (__mmask8)(mask >> 8), hi, NULL, 1);
    return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1);
}

TARGET static inline __m512i narrow(__m512i lo, __m512i hi)
{
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm512_cvtepi64_epi32(lo)),
                              _mm512_cvtepi64_epi32(hi), 1);
}

TARGET static inline __mmask16 at_least(__m512i lo, __m512i hi, uint64_t v)
{
    __m512i vv = _mm512_set1_epi64((long long)v);
    return (__mmask16)(_mm512_cmpge_epu64_mask(lo, vv) | _mm512_cmpge_epu64_mask(hi, vv) << 8);
}

TARGET void convoy__murmur3_lanes_avx512(uint32_t *out, const convoy__murmur3 *prefix,
                                         const unsigned char *const *keys, const size_t *lens,
                                         size_t n)
{
    /* Lanes from n on are zero (masked loads read nothing there): length
     * 0, so they are not `whole` and load nothing either. */
    __mmask16 used = (__mmask16)((1u << n) - 1);
    __m512i p_lo = _mm512_maskz_loadu_epi64((__mmask8)used, keys);
    __m512i p_hi = _mm512_maskz_loadu_epi64((__mmask8)(used >> 8), keys + 8);
    __m512i len_lo = _mm512_maskz_loadu_epi64((__mmask8)used, lens);
    __m512i len_hi = _mm512_maskz_loadu_epi64((__mmask8)(used >> 8), lens + 8);
    __mmask16 whole = at_least(len_lo, len_hi, 4); /* the lanes done here */
    __m512i total = _mm512_add_epi32(_mm512_set1_epi32((int)prefix->total), narrow(len_lo, len_hi));
    __m512i four = _mm512_set1_epi64(4);
    /* Each key's last 4 bytes: its partial block is their top bytes. */
    __m512i last = gather(whole, _mm512_sub_epi64(_mm512_add_epi64(p_lo, len_lo), four),
                          _mm512_sub_epi64(_mm512_add_epi64(p_hi, len_hi), four));
    __m512i h = _mm512_set1_epi32((int)prefix->h);
    unsigned n_pending = prefix->n_tail & 3u;
    if (n_pending) {
        /* The prefix's pending bytes, completed by the key's first ones. */
        unsigned take = 4 - n_pending;
        uint32_t pending = convoy__load_partial(prefix->tail, n_pending);
        __m512i first = _mm512_and_si512(gather(whole, p_lo, p_hi),
                                         _mm512_set1_epi32((int)((1u << (8 * take)) - 1)));
        first = _mm512_sllv_epi32(first, _mm512_set1_epi32((int)(8 * n_pending)));
        h = mix_block(h, _mm512_or_si512(first, _mm512_set1_epi32((int)pending)));
        __m512i t = _mm512_set1_epi64(take);
        p_lo = _mm512_add_epi64(p_lo, t);
        p_hi = _mm512_add_epi64(p_hi, t);
        len_lo = _mm512_sub_epi64(len_lo, t);
        len_hi = _mm512_sub_epi64(len_hi, t);
    }
    /* Whole blocks per lane, in 32 bits (a key of 16 GiB or more is left
     * to the portable code): one compare gives the live lanes of a round. */
    whole &= (__mmask16) ~at_least(len_lo, len_hi, (uint64_t)UINT32_MAX);
    __m512i blocks = _mm512_maskz_mov_epi32(whole, _mm512_srli_epi32(narrow(len_lo, len_hi), 2));
    uint32_t most = _mm512_reduce_max_epu32(blocks);
    for (uint32_t b = 0; b < most; b++) {
        __mmask16 live = _mm512_cmpgt_epu32_mask(blocks, _mm512_set1_epi32((int)b));
        __m512i off = _mm512_set1_epi64((long long)(4 * (uint64_t)b));
        __m512i k = gather(live, _mm512_add_epi64(p_lo, off), _mm512_add_epi64(p_hi, off));
        h = _mm512_mask_mov_epi32(h, live, mix_block(h, k));
    }
    /* The partial block's bytes are the top `rem` bytes of the last word;
     * a shift by 32 (rem 0) gives 0, which premixes to 0. */
    __m512i rem = _mm512_and_si512(narrow(len_lo, len_hi), _mm512_set1_epi32(3));
    __m512i shift = _mm512_slli_epi32(_mm512_sub_epi32(_mm512_set1_epi32(4), rem), 3);
    h = _mm512_xor_si512(h, premix(_mm512_srlv_epi32(last, shift)));
    h = _mm512_xor_si512(h, total);
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
    h = _mm512_mullo_epi32(h, _mm512_set1_epi32((int)0x85ebca6bu));
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 13));
    h = _mm512_mullo_epi32(h, _mm512_set1_epi32((int)0xc2b2ae35u));
    h = _mm512_xor_si512(h, _mm512_srli_epi32(h, 16));
    _mm512_mask_storeu_epi32(out, used, h);
    for (unsigned short_keys = used & ~whole; short_keys; short_keys &= short_keys - 1) {
        unsigned i = (unsigned)__builtin_ctz(short_keys);
        out[i] = convoy__murmur3_from(prefix, keys[i], lens[i]);
    }
}

/* v / 100 in each 32-bit lane: the multiply-and-shift compilers use for
 * uint32_t / 100, on the even and the odd lanes (a 32x32->64 multiply). */
TARGET static inline __m512i div100(__m512i v)
{
    __m512i magic = _mm512_set1_epi64(0x51eb851f);
    __m512i even = _mm512_srli_epi64(_mm512_mul_epu32(v, magic), 37);
    __m512i odd = _mm512_srli_epi64(_mm512_mul_epu32(_mm512_srli_epi64(v, 32), magic), 37);
    return _mm512_or_si512(even, _mm512_slli_epi64(odd, 32));
}

/* convoy__bucket_of in 16 lanes: (h % 100) * 100 + (h / 100) % 100 + 1. */
TARGET void convoy__bucket_lanes_avx512(uint32_t *buckets, const uint32_t *hashes, size_t n)
{
    __mmask16 used = (__mmask16)((1u << n) - 1);
    __m512i hundred = _mm512_set1_epi32(100);
    __m512i h = _mm512_maskz_loadu_epi32(used, hashes);
    __m512i q = div100(h);
    __m512i low = _mm512_sub_epi32(h, _mm512_mullo_epi32(q, hundred));
    __m512i high = _mm512_sub_epi32(q, _mm512_mullo_epi32(div100(q), hundred));
    __m512i b = _mm512_add_epi32(_mm512_mullo_epi32(low, hundred), high);
    _mm512_mask_storeu_epi32(buckets, used, _mm512_add_epi32(b, _mm512_set1_epi32(1)));
}
#endif
