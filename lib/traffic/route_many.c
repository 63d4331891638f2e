/* convoy_router_route_many: convoy_router_route for a batch of requests of
 * one service, in chunks of CHUNK requests:
 *
 *  1. request by request, the matching a single route does (rules, sticky
 *     key: route_request.h), collecting each request's key;
 *  2. the keys hashed CONVOY__LANES at a time in step (murmur3_lanes.c),
 *     so the CPU overlaps the hashes instead of waiting on each in turn,
 *     and the hashes turned into buckets;
 *  3. the variants; then the keys of the requests bound for the baseline
 *     hashed again, in step, for the mirror share.
 *
 * A chunk holds several groups of lanes so that the keys of a group were
 * written well before its hashing reads them back as one vector (a read
 * right after the writes would wait for them to reach the cache).
 * No allocation, no lock. */
#include "core/error.h"
#include "murmur3_lanes.h"
#include "route_request.h"

#define CHUNK (4 * CONVOY__LANES)

/* hash[i] of keys[i], i < n, CONVOY__LANES at a time. */
static void hash_keys(uint32_t *hash, const convoy__murmur3 *prefix,
                      const unsigned char *const *keys, const size_t *lens, size_t n)
{
    for (size_t first = 0; first < n; first += CONVOY__LANES)
        convoy__murmur3_lanes(hash + first, prefix, keys + first, lens + first,
                              n - first < CONVOY__LANES ? n - first : CONVOY__LANES);
}

static void route_chunk(convoy_route_result *out, const convoy_router *router, size_t service,
                        const convoy_request *reqs, size_t n)
{
    const convoy__ruleset *rs = router->ruleset;
    const convoy__route_service *s = &rs->services[service];
    const unsigned char *keys[CHUNK];
    size_t lens[CHUNK];
    uint32_t hash[CHUNK], bucket[CHUNK];
    int has_rules = s->rules->n_rules != 0;
    for (size_t i = 0; i < n; i++) {
        convoy__route_prep p = convoy__route_prepare(rs, s, &reqs[i]);
        keys[i] = (const unsigned char *)p.key.s;
        lens[i] = p.key.len;
        out[i].rule = p.rule;
        out[i].key_source = p.key_source;
        out[i].flags = p.flags;
    }
    hash_keys(hash, &s->prefix, keys, lens, n);
    for (size_t first = 0; first < n; first += CONVOY__LANES)
        convoy__bucket_lanes(bucket + first, hash + first,
                             n - first < CONVOY__LANES ? n - first : CONVOY__LANES);

    uint32_t candidate_bp = router->candidate_bp[service], mirror_bp = router->mirror_bp[service];
    if (!has_rules) {
        /* The same decision with the rule known to be none: no branch. */
        for (size_t i = 0; i < n; i++) {
            out[i].bucket = bucket[i];
            out[i].variant = convoy__route_variant(s, -1, candidate_bp, bucket[i]);
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            out[i].bucket = bucket[i];
            out[i].variant = convoy__route_variant(s, out[i].rule, candidate_bp, bucket[i]);
        }
    }
    if (!mirror_bp)
        return;
    /* The baseline's requests, compacted in place (n_mirrored <= i);
     * without a branch on the variant, which is as random as the keys. */
    size_t mirrored[CHUNK], n_mirrored = 0;
    for (size_t i = 0; i < n; i++) {
        keys[n_mirrored] = keys[i];
        lens[n_mirrored] = lens[i];
        mirrored[n_mirrored] = i;
        n_mirrored += out[i].variant == CONVOY_VARIANT_BASELINE;
    }
    hash_keys(hash, &s->mirror_prefix, keys, lens, n_mirrored);
    for (size_t j = 0; j < n_mirrored; j++)
        out[mirrored[j]].flags |= (uint32_t)convoy__mirror_hit(hash[j], mirror_bp) *
                                  CONVOY_ROUTE_MIRROR;
}

int convoy_router_route_many(convoy_route_result *out, const convoy_router *router,
                             size_t service, const convoy_request *reqs, size_t n)
{
    if (!router || (n && (!out || !reqs)))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_router_route_many: NULL argument");
    /* Every version before any routing: an error leaves `out` untouched. */
    for (size_t i = 0; i < n; i++)
        if (out[i].version != CONVOY_ROUTE_RESULT_VERSION ||
            reqs[i].version != CONVOY_REQUEST_VERSION)
            return convoy__fail(
                CONVOY_E_VERSION, "convoy_router_route_many: %s %zu: version %u unknown",
                out[i].version != CONVOY_ROUTE_RESULT_VERSION ? "result" : "request", i,
                out[i].version != CONVOY_ROUTE_RESULT_VERSION ? out[i].version : reqs[i].version);
    const convoy__ruleset *rs = router->ruleset;
    if (service >= rs->n_services)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_router_route_many: service %zu of %zu does not exist",
                            service, rs->n_services);
    for (size_t first = 0; first < n; first += CHUNK)
        route_chunk(out + first, router, service, reqs + first,
                    n - first < CHUNK ? n - first : CHUNK);
    return CONVOY_OK;
}
