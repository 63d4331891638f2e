/* Internal: MurmurHash3 x86_32 of up to CONVOY__LANES keys at once, each
 * after the same prefix (a router's "group:" state), and their buckets.
 * One key's hash is a chain of dependent multiplies; hashing independent
 * keys together lets the CPU overlap the chains, which is where a batch
 * gains over one call per key. Results are those of convoy__murmur3_from,
 * bit for bit. Kernels: portable (murmur3_lanes.c: a loop the CPU overlaps
 * by itself), AVX-512 and AVX2 (16 keys in step in vector registers, in
 * their own files). */
#ifndef CONVOY_LIB_TRAFFIC_MURMUR3_LANES_H
#define CONVOY_LIB_TRAFFIC_MURMUR3_LANES_H

#include <stddef.h>
#include <stdint.h>

#include "murmur3.h"

#define CONVOY__LANES 16

/* out[i] = convoy__murmur3_from(prefix, keys[i], lens[i]) for i < n,
 * n <= CONVOY__LANES. Reads no byte outside keys[i][0, lens[i]). */
void convoy__murmur3_lanes(uint32_t *out, const convoy__murmur3 *prefix,
                           const unsigned char *const *keys, const size_t *lens, size_t n);

/* buckets[i] = convoy__bucket_of(hashes[i]) for i < n <= CONVOY__LANES. */
void convoy__bucket_lanes(uint32_t *buckets, const uint32_t *hashes, size_t n);

/* Which code hashes the lanes: the portable one, or an x86 one where the
 * compiler can build it and the CPU (and OS) run it. Chosen at the first
 * call: AVX-512 when available, else AVX2, unless the environment sets
 * CONVOY_NO_SIMD (to any value), which forces the portable code. Every
 * kind gives the same results, bit for bit. */
#define CONVOY__LANES_PORTABLE 0
#define CONVOY__LANES_AVX512 1
#define CONVOY__LANES_AVX2 2
/* Tests: use `kind` from now on (process-wide, not while other threads
 * hash). Returns 0, or -1 when `kind` cannot run here (nothing changes). */
int convoy__murmur3_lanes_use(int kind);
/* The kind in use (after choosing it if no call has yet). */
int convoy__murmur3_lanes_kind(void);

#if defined(__x86_64__) && defined(__LP64__) && (defined(__GNUC__) || defined(__clang__))
#define CONVOY__HAVE_X86_LANES 1
void convoy__murmur3_lanes_avx512(uint32_t *out, const convoy__murmur3 *prefix,
                                  const unsigned char *const *keys, const size_t *lens, size_t n);
void convoy__bucket_lanes_avx512(uint32_t *buckets, const uint32_t *hashes, size_t n);
void convoy__murmur3_lanes_avx2(uint32_t *out, const convoy__murmur3 *prefix,
                                const unsigned char *const *keys, const size_t *lens, size_t n);
void convoy__bucket_lanes_avx2(uint32_t *buckets, const uint32_t *hashes, size_t n);
#else
#define CONVOY__HAVE_X86_LANES 0
#endif

#endif
