/* The AVX2 kernel of murmur3_lanes.h, for CPUs without AVX-512 (chosen at
 * run time in murmur3_lanes.c): the AVX-512 kernel's method, 8 lanes per
 * register, a chunk's 16 lanes as two independent halves. Gathers load
 * only the lanes of their mask, so no lane reads beyond its key; keys
 * shorter than 4 bytes are left to the portable code. */
#include "murmur3_lanes.h"

#if CONVOY__HAVE_X86_LANES
#include <immintrin.h>

#define TARGET __attribute__((target("avx2")))

TARGET static inline __m256i rotl(__m256i x, int r)
{
    return _mm256_or_si256(_mm256_slli_epi32(x, r), _mm256_srli_epi32(x, 32 - r));
}

TARGET static inline __m256i premix(__m256i k)
{
    k = _mm256_mullo_epi32(k, _mm256_set1_epi32((int)CONVOY__C1));
    k = rotl(k, 15);
    return _mm256_mullo_epi32(k, _mm256_set1_epi32((int)CONVOY__C2));
}

TARGET static inline __m256i mix_block(__m256i h, __m256i k)
{
    h = _mm256_xor_si256(h, premix(k));
    h = rotl(h, 13);
    /* h * 5 + 0xe6546b64 */
    h = _mm256_add_epi32(_mm256_slli_epi32(h, 2), h);
    return _mm256_add_epi32(h, _mm256_set1_epi32((int)0xe6546b64u));
}

/* Lanes 0-3 from lo and 4-7 from hi, 64 bits each, cut to 32. */
TARGET static inline __m256i narrow(__m256i lo, __m256i hi)
{
    __m256i even = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    return _mm256_permute2x128_si256(_mm256_permutevar8x32_epi32(lo, even),
                                     _mm256_permutevar8x32_epi32(hi, even), 0x20);
}

/* The 32-bit words at the 8 addresses lo (lanes 0-3) and hi (4-7), for the
 * lanes whose `mask` word is all ones; 0 in the others, which load nothing. */
TARGET static inline __m256i gather(__m256i mask, __m256i lo, __m256i hi)
{
    __m128i zero = _mm_setzero_si128();
    __m128i a = _mm256_mask_i64gather_epi32(zero, (const int *)0, lo,
                                            _mm256_castsi256_si128(mask), 1);
    __m128i b = _mm256_mask_i64gather_epi32(zero, (const int *)0, hi,
                                            _mm256_extracti128_si256(mask, 1), 1);
    return _mm256_inserti128_si256(_mm256_castsi128_si256(a), b, 1);
}

TARGET static inline uint32_t max_u32(__m256i v)
{
    __m128i m = _mm_max_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    m = _mm_max_epu32(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm_max_epu32(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(2, 3, 0, 1)));
    return (uint32_t)_mm_cvtsi128_si32(m);
}

/* Lanes i < n of 8 (1 <= n <= 8). */
TARGET static void lanes8(uint32_t *out, const convoy__murmur3 *prefix,
                          const unsigned char *const *keys, const size_t *lens, size_t n)
{
    __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    __m256i used = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), lane);
    __m256i used_lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(used));
    __m256i used_hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(used, 1));
    /* Unused lanes read as 0 (masked loads touch nothing there). */
    __m256i p_lo = _mm256_maskload_epi64((const long long *)keys, used_lo);
    __m256i p_hi = _mm256_maskload_epi64((const long long *)(keys + 4), used_hi);
    __m256i len_lo = _mm256_maskload_epi64((const long long *)lens, used_lo);
    __m256i len_hi = _mm256_maskload_epi64((const long long *)(lens + 4), used_hi);
    /* The lanes done here: 4 <= length < 2^32 (lengths compare as signed
     * 64-bit: none reaches 2^63). */
    __m256i three = _mm256_set1_epi64x(3), big = _mm256_set1_epi64x((long long)UINT32_MAX);
    __m256i ok_lo = _mm256_andnot_si256(_mm256_cmpgt_epi64(len_lo, big),
                                        _mm256_cmpgt_epi64(len_lo, three));
    __m256i ok_hi = _mm256_andnot_si256(_mm256_cmpgt_epi64(len_hi, big),
                                        _mm256_cmpgt_epi64(len_hi, three));
    __m256i whole = _mm256_and_si256(used, narrow(ok_lo, ok_hi));
    __m256i total = _mm256_add_epi32(_mm256_set1_epi32((int)prefix->total), narrow(len_lo, len_hi));
    __m256i four = _mm256_set1_epi64x(4);
    /* Each key's last 4 bytes: its partial block is their top bytes. */
    __m256i last = gather(whole, _mm256_sub_epi64(_mm256_add_epi64(p_lo, len_lo), four),
                          _mm256_sub_epi64(_mm256_add_epi64(p_hi, len_hi), four));
    __m256i h = _mm256_set1_epi32((int)prefix->h);
    unsigned n_pending = prefix->n_tail & 3u;
    if (n_pending) {
        /* The prefix's pending bytes, completed by the key's first ones. */
        unsigned take = 4 - n_pending;
        uint32_t pending = convoy__load_partial(prefix->tail, n_pending);
        __m256i first = _mm256_and_si256(gather(whole, p_lo, p_hi),
                                         _mm256_set1_epi32((int)((1u << (8 * take)) - 1)));
        first = _mm256_sllv_epi32(first, _mm256_set1_epi32((int)(8 * n_pending)));
        h = mix_block(h, _mm256_or_si256(first, _mm256_set1_epi32((int)pending)));
        __m256i t = _mm256_set1_epi64x(take);
        p_lo = _mm256_add_epi64(p_lo, t);
        p_hi = _mm256_add_epi64(p_hi, t);
        len_lo = _mm256_sub_epi64(len_lo, t);
        len_hi = _mm256_sub_epi64(len_hi, t);
    }
    /* Whole blocks per lane (< 2^30: they compare as signed). */
    __m256i blocks = _mm256_and_si256(whole, _mm256_srli_epi32(narrow(len_lo, len_hi), 2));
    uint32_t most = max_u32(blocks);
    for (uint32_t b = 0; b < most; b++) {
        __m256i live = _mm256_cmpgt_epi32(blocks, _mm256_set1_epi32((int)b));
        __m256i off = _mm256_set1_epi64x((long long)(4 * (uint64_t)b));
        __m256i k = gather(live, _mm256_add_epi64(p_lo, off), _mm256_add_epi64(p_hi, off));
        h = _mm256_blendv_epi8(h, mix_block(h, k), live);
    }
    /* The partial block's bytes are the top `rem` bytes of the last word;
     * a shift by 32 (rem 0) gives 0, which premixes to 0. */
    __m256i rem = _mm256_and_si256(narrow(len_lo, len_hi), _mm256_set1_epi32(3));
    __m256i shift = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_set1_epi32(4), rem), 3);
    h = _mm256_xor_si256(h, premix(_mm256_srlv_epi32(last, shift)));
    h = _mm256_xor_si256(h, total);
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
    h = _mm256_mullo_epi32(h, _mm256_set1_epi32((int)0x85ebca6bu));
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 13));
    h = _mm256_mullo_epi32(h, _mm256_set1_epi32((int)0xc2b2ae35u));
    h = _mm256_xor_si256(h, _mm256_srli_epi32(h, 16));
    _mm256_maskstore_epi32((int *)out, used, h);
    unsigned short_keys = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(
        _mm256_andnot_si256(whole, used)));
    for (; short_keys; short_keys &= short_keys - 1) {
        unsigned i = (unsigned)__builtin_ctz(short_keys);
        out[i] = convoy__murmur3_from(prefix, keys[i], lens[i]);
    }
}

TARGET void convoy__murmur3_lanes_avx2(uint32_t *out, const convoy__murmur3 *prefix,
                                       const unsigned char *const *keys, const size_t *lens,
                                       size_t n)
{
    lanes8(out, prefix, keys, lens, n < 8 ? n : 8);
    if (n > 8)
        lanes8(out + 8, prefix, keys + 8, lens + 8, n - 8);
}

/* v / 100 in each 32-bit lane: the multiply-and-shift compilers use for
 * uint32_t / 100, on the even and the odd lanes (a 32x32->64 multiply). */
TARGET static inline __m256i div100(__m256i v)
{
    __m256i magic = _mm256_set1_epi64x(0x51eb851f);
    __m256i even = _mm256_srli_epi64(_mm256_mul_epu32(v, magic), 37);
    __m256i odd = _mm256_srli_epi64(_mm256_mul_epu32(_mm256_srli_epi64(v, 32), magic), 37);
    return _mm256_or_si256(even, _mm256_slli_epi64(odd, 32));
}

/* convoy__bucket_of in 8 lanes: (h % 100) * 100 + (h / 100) % 100 + 1. */
TARGET static void buckets8(uint32_t *buckets, const uint32_t *hashes, size_t n)
{
    __m256i used = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n),
                                      _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256i hundred = _mm256_set1_epi32(100);
    __m256i h = _mm256_maskload_epi32((const int *)hashes, used);
    __m256i q = div100(h);
    __m256i low = _mm256_sub_epi32(h, _mm256_mullo_epi32(q, hundred));
    __m256i high = _mm256_sub_epi32(q, _mm256_mullo_epi32(div100(q), hundred));
    __m256i b = _mm256_add_epi32(_mm256_mullo_epi32(low, hundred), high);
    _mm256_maskstore_epi32((int *)buckets, used, _mm256_add_epi32(b, _mm256_set1_epi32(1)));
}

TARGET void convoy__bucket_lanes_avx2(uint32_t *buckets, const uint32_t *hashes, size_t n)
{
    buckets8(buckets, hashes, n < 8 ? n : 8);
    if (n > 8)
        buckets8(buckets + 8, hashes + 8, n - 8);
}
#endif
