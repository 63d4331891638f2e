/* The per-request decision. Runs on every request of a proxy: no
 * allocation, no lock, no shared mutable state (PCRE2 match data is per
 * thread). The matching is in route_request.h/.c, shared with
 * convoy_router_route_many (route_many.c). */
#include "core/error.h"
#include "core/versioned.h"
#include "murmur3.h"
#include "route_request.h"

int convoy_router_route(convoy_route_result *out, const convoy_router *router, size_t service,
                        const convoy_request *req)
{
    if (!out || !router || !req)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_router_route: NULL argument");
    if (out->version != CONVOY_ROUTE_RESULT_VERSION || req->version != CONVOY_REQUEST_VERSION)
        return convoy__fail(CONVOY_E_VERSION, "convoy_router_route: %s version %u unknown",
                            out->version != CONVOY_ROUTE_RESULT_VERSION ? "result" : "request",
                            out->version != CONVOY_ROUTE_RESULT_VERSION ? out->version
                                                                        : req->version);
    const convoy__ruleset *rs = router->ruleset;
    if (service >= rs->n_services)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_router_route: service %zu of %zu does not exist", service,
                            rs->n_services);
    const convoy__route_service *s = &rs->services[service];
    convoy__route_prep p = convoy__route_prepare(rs, s, req);
    uint32_t bucket = convoy__bucket_of(convoy__murmur3_from(&s->prefix, p.key.s, p.key.len));
    int variant = convoy__route_variant(s, p.rule, router->candidate_bp[service], bucket);
    uint32_t mirror = router->mirror_bp[service];
    if (variant == CONVOY_VARIANT_BASELINE && mirror &&
        convoy__mirror_hit(convoy__murmur3_from(&s->mirror_prefix, p.key.s, p.key.len), mirror))
        p.flags |= CONVOY_ROUTE_MIRROR;
    out->variant = variant;
    out->rule = p.rule;
    out->bucket = bucket;
    out->key_source = p.key_source;
    out->flags = p.flags;
    return CONVOY_OK;
}

int convoy_request_init(convoy_request *req, uint32_t version)
{
    static const convoy_request defaults = CONVOY_REQUEST_INIT;
    return convoy__init_versioned(req, version, CONVOY_REQUEST_VERSION, &defaults, sizeof defaults,
                                  "convoy_request_init");
}

int convoy_route_result_init(convoy_route_result *res, uint32_t version)
{
    static const convoy_route_result defaults = CONVOY_ROUTE_RESULT_INIT;
    return convoy__init_versioned(res, version, CONVOY_ROUTE_RESULT_VERSION, &defaults,
                                  sizeof defaults, "convoy_route_result_init");
}
