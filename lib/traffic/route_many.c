/* convoy_router_route_many: convoy_router_route for a batch of requests of
 * one service. Per chunk of CONVOY__LANES requests, the matching (rules,
 * sticky key) runs request by request with the same code as a single route
 * (route_request.h); then the keys are hashed in step (murmur3_lanes.c), so
 * the CPU overlaps the hashes instead of waiting on one at a time; then the
 * buckets decide, and the keys of requests bound for the baseline are
 * hashed again, in step, for the mirror share. No allocation, no lock. */
#include "core/error.h"
#include "murmur3_lanes.h"
#include "route_request.h"

static void route_chunk(convoy_route_result *out, const convoy_router *router, size_t service,
                        const convoy_request *reqs, size_t n)
{
    const convoy__ruleset *rs = router->ruleset;
    const convoy__route_service *s = &rs->services[service];
    const unsigned char *keys[CONVOY__LANES];
    size_t lens[CONVOY__LANES];
    uint32_t hash[CONVOY__LANES], bucket[CONVOY__LANES];
    for (size_t i = 0; i < n; i++) {
        convoy__route_prep p;
        convoy__route_prepare(&p, rs, s, &reqs[i]);
        keys[i] = (const unsigned char *)p.key.s;
        lens[i] = p.key.len;
        out[i].rule = p.rule;
        out[i].key_source = p.key_source;
        out[i].flags = p.flags;
    }
    convoy__murmur3_lanes(hash, &s->prefix, keys, lens, n);
    convoy__bucket_lanes(bucket, hash);

    uint32_t candidate_bp = router->candidate_bp[service], mirror_bp = router->mirror_bp[service];
    for (size_t i = 0; i < n; i++) {
        out[i].bucket = bucket[i];
        out[i].variant = convoy__route_variant(s, out[i].rule, candidate_bp, bucket[i]);
    }
    if (!mirror_bp)
        return;
    /* The baseline's requests, compacted in place (n_mirrored <= i);
     * without a branch on the variant, which is as random as the keys. */
    size_t mirrored[CONVOY__LANES], n_mirrored = 0;
    for (size_t i = 0; i < n; i++) {
        keys[n_mirrored] = keys[i];
        lens[n_mirrored] = lens[i];
        mirrored[n_mirrored] = i;
        n_mirrored += out[i].variant == CONVOY_VARIANT_BASELINE;
    }
    if (!n_mirrored)
        return;
    convoy__murmur3_lanes(hash, &s->mirror_prefix, keys, lens, n_mirrored);
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
    for (size_t first = 0; first < n; first += CONVOY__LANES)
        route_chunk(out + first, router, service, reqs + first,
                    n - first < CONVOY__LANES ? n - first : CONVOY__LANES);
    return CONVOY_OK;
}
