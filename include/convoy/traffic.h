/*
 * convoy/traffic.h - traffic weights, sticky bucketing, per-request routing
 * and configuration for real proxies.
 *
 * Four parts, all pure except the router slot's publication:
 *
 *   weights    the baseline / candidate / mirror split of a service at a
 *              step, in basis points (0-10000, 10000 = 100 %);
 *   bucketing  Unleash-compatible sticky buckets (MurmurHash3 x86_32 of
 *              "group:key"), refined from percentages to basis points;
 *   routing    an immutable router snapshot built from a plan and the
 *              current weights, answering "which variant serves this
 *              request?" without allocating or locking, and a slot that
 *              publishes new snapshots while other threads route;
 *   rendering  the same decision as configuration for HAProxy, Envoy,
 *              Istio, nginx and the Kubernetes Gateway API.
 *
 * Strings in requests are (pointer, length) pairs; a length of
 * CONVOY_NTS means "NUL-terminated, measure it". Nothing here keeps a
 * pointer into a request after the call returns.
 */
#ifndef CONVOY_TRAFFIC_H
#define CONVOY_TRAFFIC_H

#include <convoy/core.h>
#include <convoy/plan.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A string length meaning "NUL-terminated". */
#define CONVOY_NTS ((size_t)-1)

#define CONVOY_VARIANT_BASELINE 0
#define CONVOY_VARIANT_CANDIDATE 1

/* ------------------------------------------------------------------------
 * Weights.
 */

/* Step positions besides 0 .. step_count-1: before the first step (not
 * started, or rolled back: everything on the baseline) and after the last
 * (promoted: everything on the candidate). */
#define CONVOY_STEP_BEFORE ((size_t)-1)
#define CONVOY_STEP_PROMOTED ((size_t)-2)

/*
 * convoy_weights_at - the traffic split of `svc` during step `step`.
 *
 * `step` is a step index (0 .. convoy_service_step_count(svc) - 1),
 * CONVOY_STEP_BEFORE or CONVOY_STEP_PROMOTED; the index step_count itself
 * also means promoted. During a step the candidate weight is that of the
 * latest set_weight at or before it (0 before the first), as
 * convoy_step_weight_bp() says; explicit set_weight steps and Flagger's
 * step_weight / step_weights / max_weight shorthand give the same steps, so
 * the same schedule. baseline = 10000 - candidate. The mirror share (a copy
 * of baseline traffic sent to the candidate, its answers discarded) is that
 * of the latest set_mirror, 0 outside steps. Members of a cohort have
 * identical schedules (the plan parser checks it), so they move in
 * lockstep. Any out-parameter may be NULL.
 *
 * Returns CONVOY_OK; CONVOY_E_INVALID_ARG for a NULL service;
 * CONVOY_E_RANGE for a step index past step_count. Thread-safe.
 */
CONVOY_API int convoy_weights_at(uint32_t *baseline_bp, uint32_t *candidate_bp,
                                 uint32_t *mirror_bp, const convoy_service *svc, size_t step);

/*
 * convoy_weight_parse - a percentage with at most two decimals ("12.5",
 * "100", "0.25") to basis points. Leading/trailing spaces, signs, exponents,
 * more decimals and values above 100 are CONVOY_E_INVALID (with a message in
 * convoy_error_last()). `text` is NUL-terminated. Thread-safe.
 */
CONVOY_API int convoy_weight_parse(uint32_t *bp_out, const char *text);

/* ------------------------------------------------------------------------
 * Sticky bucketing (REFERENCE.md section 5).
 */

/* convoy_murmur3_32 - MurmurHash3 x86_32 of `len` bytes. Pure. */
CONVOY_API uint32_t convoy_murmur3_32(const void *data, size_t len, uint32_t seed);

/*
 * convoy_unleash_normalize - Unleash's normalizedValue: murmur3_x86_32 of
 * "group:key" with `seed`, modulo `normalizer`, plus one (1..normalizer).
 * With seed 0 and normalizer 100 a key is inside an Unleash gradual or
 * flexible rollout of P percent when the result is <= P. Returns 0 when
 * `normalizer` is 0 or a pointer is NULL with a non-zero length. Pure.
 */
CONVOY_API uint32_t convoy_unleash_normalize(const char *group, size_t group_len,
                                             const char *key, size_t key_len,
                                             uint32_t normalizer, uint32_t seed);

/*
 * convoy_bucket - Convoy's sticky bucket of `key` in `group`, 1..10000.
 *
 * With h = murmur3_x86_32("group:key", seed 0):
 *     bucket = (h % 100) * 100 + (h / 100) % 100 + 1
 * A request goes to the candidate when bucket <= candidate weight (bp).
 * The first term is Unleash's percentage bucket, so at a whole percentage
 * P, bucket <= P*100 exactly when Unleash's normalizedValue <= P: a user
 * inside a 5 % Unleash rollout is inside Convoy's 5 %. The second term
 * orders users inside one percent, so basis points refine the same order.
 * Raising the weight only adds users to the candidate; lowering it only
 * removes them. The router uses the service's cohort name as the group,
 * or the service's own name when it has none. Returns 0 when a pointer is
 * NULL with a non-zero length. Pure.
 */
CONVOY_API uint32_t convoy_bucket(const char *group, size_t group_len, const char *key,
                                  size_t key_len);

/* ------------------------------------------------------------------------
 * Requests and route results.
 */

/* One header, cookie or attribute. Lengths may be CONVOY_NTS. */
typedef struct convoy_pair {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} convoy_pair;

#define CONVOY_REQUEST_VERSION 1
/*
 * A request to route. All pointers are borrowed for the call only.
 *
 * headers: names compared case-insensitively (ASCII); the first of
 *          repeated names is used.
 * cookies: names compared exactly, the first of repeated names is used.
 *          When a cookie is not in `cookies`, the `Cookie` headers are
 *          searched in order ("a=1; b=2"), so a proxy can pass its headers
 *          unchanged.
 * attrs:   free attributes the host knows (segment, region, tenant,
 *          feature flag...), names compared exactly, the first of repeated
 *          names is used.
 * key:     the sticky key itself; when non-NULL it is used (even when
 *          empty) instead of looking up the plan's sticky source.
 * request_id: the fallback bucketing key for requests without a sticky key
 *          (see convoy_router_route).
 */
typedef struct convoy_request {
    uint32_t version; /* CONVOY_REQUEST_VERSION */
    const char *key;
    size_t key_len;
    const char *request_id;
    size_t request_id_len;
    const convoy_pair *headers;
    size_t n_headers;
    const convoy_pair *cookies;
    size_t n_cookies;
    const convoy_pair *attrs;
    size_t n_attrs;
} convoy_request;
#define CONVOY_REQUEST_INIT \
    { CONVOY_REQUEST_VERSION, NULL, 0, NULL, 0, NULL, 0, NULL, 0, NULL, 0 }
/* convoy_request_init - an empty request for `version`. CONVOY_E_INVALID_ARG
 * for NULL, CONVOY_E_VERSION for an unknown version. */
CONVOY_API int convoy_request_init(convoy_request *req, uint32_t version);

/* Where the bucketing key came from. */
#define CONVOY_KEY_STICKY 1     /* request key, or the plan's sticky header/cookie/attribute */
#define CONVOY_KEY_REQUEST_ID 2 /* no sticky key: the request id */
#define CONVOY_KEY_NONE 3       /* neither: the empty key (all such requests together) */

/* Route result flags. */
#define CONVOY_ROUTE_MIRROR 0x1u      /* also mirror this request to the candidate */
#define CONVOY_ROUTE_REGEX_LIMIT 0x2u /* a regex hit its match/depth limit: that
                                         condition counted as not matching */

#define CONVOY_ROUTE_RESULT_VERSION 1
typedef struct convoy_route_result {
    uint32_t version;    /* CONVOY_ROUTE_RESULT_VERSION, set by the caller */
    int variant;         /* CONVOY_VARIANT_* */
    int32_t rule;        /* index of the rule that decided, -1: the weights did */
    uint32_t bucket;     /* 1..10000 (convoy_bucket of the key used) */
    int key_source;      /* CONVOY_KEY_* */
    uint32_t flags;      /* CONVOY_ROUTE_* */
} convoy_route_result;
#define CONVOY_ROUTE_RESULT_INIT { CONVOY_ROUTE_RESULT_VERSION, 0, -1, 0u, 0, 0u }
CONVOY_API int convoy_route_result_init(convoy_route_result *res, uint32_t version);

/* ------------------------------------------------------------------------
 * Router snapshots.
 */
typedef struct convoy_router convoy_router;

#define CONVOY_ROUTER_OPTIONS_VERSION 1
/* Do not JIT-compile rule regexes (the interpreter still honours the limits). */
#define CONVOY_ROUTER_NO_JIT 0x1u
/* Zero in a numeric field means its default. With JIT, each thread has a
 * JIT stack of up to 512 KiB. */
typedef struct convoy_router_options {
    uint32_t version;            /* CONVOY_ROUTER_OPTIONS_VERSION */
    uint32_t flags;              /* CONVOY_ROUTER_*; unknown bits are CONVOY_E_INVALID_ARG */
    uint32_t regex_match_limit;  /* PCRE2 match limit per condition, default 100000 */
    uint32_t regex_depth_limit;  /* PCRE2 depth limit (interpreter), default 1000 */
    size_t max_value_bytes;      /* longer header/cookie/attribute values never match
                                    a regex, default 8192 */
} convoy_router_options;
#define CONVOY_ROUTER_OPTIONS_INIT { CONVOY_ROUTER_OPTIONS_VERSION, 0u, 100000u, 1000u, (size_t)8192 }
CONVOY_API int convoy_router_options_init(convoy_router_options *opts, uint32_t version);

/*
 * convoy_router_new - build an immutable routing snapshot for every service
 * of `plan`.
 *
 * `candidate_bp[i]` and `mirror_bp[i]` (0-10000) are the current weights of
 * service i (convoy_plan_service order); `n` must be the service count.
 * `mirror_bp` may be NULL (no mirroring). Members of one cohort must be
 * given the same weights: they move in lockstep. Rule regexes are compiled
 * (and JIT-compiled) here, anchored at both ends, in UTF mode; a request
 * value that is not valid UTF-8 never matches a regex (exact, prefix and
 * suffix compare bytes).
 *
 * The snapshot copies what it needs: the plan may be freed afterwards.
 * Returns CONVOY_OK; CONVOY_E_INVALID_ARG (NULL, n not the service count,
 * a weight above 10000), CONVOY_E_INVALID (cohort members with different
 * weights; a regex the library cannot compile), CONVOY_E_VERSION,
 * CONVOY_E_NOMEM. Thread-safe.
 */
CONVOY_API int convoy_router_new(convoy_router **out, const convoy_plan *plan,
                                 const uint32_t *candidate_bp, const uint32_t *mirror_bp,
                                 size_t n, const convoy_router_options *opts);

/*
 * convoy_router_reweight - a new snapshot with the rules of `base` and new
 * weights (same arguments as convoy_router_new). The compiled rules are
 * shared, not recompiled, so this is cheap enough to call on every weight
 * change. `base` stays valid and unchanged. Thread-safe (base is
 * read-only; the sharing is reference counted).
 */
CONVOY_API int convoy_router_reweight(convoy_router **out, const convoy_router *base,
                                      const uint32_t *candidate_bp, const uint32_t *mirror_bp,
                                      size_t n);

/* convoy_router_free - release a snapshot. NULL ok. Not while other threads
 * route with it (use a convoy_router_slot for that). */
CONVOY_API void convoy_router_free(convoy_router *router);

/*
 * convoy_router_route - decide which variant serves `req` for service
 * `service` (index in convoy_plan_service order).
 *
 * 1. Rules in plan order; the first whose conditions all hold decides: a
 *    `variant` rule sends the request there, a `weight` rule splits its
 *    matches at its own weight by the sticky bucket.
 * 2. Otherwise the bucket decides: candidate when bucket <= the
 *    candidate weight.
 * The bucket is convoy_bucket(group, key) where group is the service's
 * cohort (or its name) and key is, in order: req->key; the plan's sticky
 * header, cookie or attribute when present and not empty;
 * req->request_id; the empty string. So
 * requests without a sticky key are deterministic: the same request id
 * always routes the same way, and requests with neither land together.
 * When the request goes to the baseline and the mirror weight is > 0, it is
 * also mirrored (CONVOY_ROUTE_MIRROR) when
 *     murmur3_x86_32("group:key", seed 86028157) % 10000 < mirror weight,
 * a second bucket independent of the first.
 *
 * Allocates nothing and takes no lock: any number of threads may route with
 * one snapshot. (The first regex match on a thread creates that thread's
 * PCRE2 match data and JIT stack, through the convoy_set_allocator hooks,
 * reused by every later call on the thread and freed when it exits.) Regex conditions run under the snapshot's match and
 * depth limits. `out->version` must be set (CONVOY_ROUTE_RESULT_INIT).
 * Returns CONVOY_OK; CONVOY_E_INVALID_ARG (NULL, service out of range),
 * CONVOY_E_VERSION (request or result version unknown).
 */
CONVOY_API int convoy_router_route(convoy_route_result *out, const convoy_router *router,
                                   size_t service, const convoy_request *req);

/*
 * convoy_router_route_many - convoy_router_route for `n` requests of one
 * service: out[i] is exactly what convoy_router_route(&out[i], router,
 * service, &reqs[i]) gives, for every request (rules, regexes, sticky key
 * and its fallbacks, bucket, mirror flag, flags).
 *
 * For throughput, when many requests wait at once (a proxy's accept batch,
 * a bulk evaluation): the keys of consecutive requests are hashed 16 at a
 * time in step (in AVX-512 or AVX2 registers when the CPU has them, chosen
 * at the first call; CONVOY_NO_SIMD set in the environment forces the
 * portable code), so the CPU overlaps work that one call per request does
 * in sequence. Several times faster per request than convoy_router_route on
 * short keys; little faster when regex rules dominate the cost.
 *
 * `out` and `reqs` are arrays of `n` (both may be NULL when `n` is 0); the
 * caller sets every out[i].version (CONVOY_ROUTE_RESULT_INIT) and owns both
 * arrays; pointers in the requests are borrowed for the call only. The
 * arguments and every version are checked before anything is routed, so on
 * error no out[i] is written. Returns CONVOY_OK; CONVOY_E_INVALID_ARG (NULL
 * router, NULL array with n > 0, service out of range), CONVOY_E_VERSION
 * (a request or result version unknown; the message names the first index).
 *
 * Same guarantees as convoy_router_route: allocates nothing (but for a
 * thread's first regex match, as above) and takes no lock; any number of
 * threads may route batches with one snapshot.
 */
CONVOY_API int convoy_router_route_many(convoy_route_result *out, const convoy_router *router,
                                        size_t service, const convoy_request *reqs, size_t n);

/* Introspection; 0 / NULL for NULL or out-of-range arguments. Names are
 * borrowed from the snapshot. */
CONVOY_API size_t convoy_router_service_count(const convoy_router *router);
CONVOY_API const char *convoy_router_service_name(const convoy_router *router, size_t service);
/* The bucketing group: the service's cohort, or its name. */
CONVOY_API const char *convoy_router_group(const convoy_router *router, size_t service);
CONVOY_API uint32_t convoy_router_candidate_bp(const convoy_router *router, size_t service);
CONVOY_API uint32_t convoy_router_mirror_bp(const convoy_router *router, size_t service);
CONVOY_API size_t convoy_router_rule_count(const convoy_router *router, size_t service);
/* A rule's name; unnamed rules are called "rule-N" (N its 0-based index). */
CONVOY_API const char *convoy_router_rule_name(const convoy_router *router, size_t service,
                                               size_t rule);

/* ------------------------------------------------------------------------
 * Router slot: hot-swapping snapshots while other threads route.
 *
 * Readers pin the current snapshot with two atomic counters (one per
 * epoch parity, as SRCU does); a publisher swaps the pointer, flips the
 * epoch and waits until no reader still holds the replaced snapshot before
 * freeing it. Routing through a slot never locks or allocates; publishers
 * are serialised among themselves by a mutex and may wait (yielding) for
 * readers to finish. A reader descheduled while it holds a pin delays the
 * publisher by up to a scheduler time slice, so with more routing threads
 * than cores a publish can take milliseconds: publish on weight changes,
 * not per request.
 */
typedef struct convoy_router_slot convoy_router_slot;

/* convoy_router_slot_new - a slot holding `initial` (ownership passes to the
 * slot; may be NULL, then routing reports CONVOY_E_NOT_FOUND until a
 * publish). CONVOY_E_INVALID_ARG, CONVOY_E_NOMEM (then `initial` is freed). */
CONVOY_API int convoy_router_slot_new(convoy_router_slot **out, convoy_router *initial);

/* convoy_router_slot_free - free the slot and its snapshot. NULL ok. No
 * thread may be using the slot any more. */
CONVOY_API void convoy_router_slot_free(convoy_router_slot *slot);

/*
 * convoy_router_slot_publish - make `next` the slot's snapshot (ownership
 * passes to the slot, also on failure) and free the one it replaces once
 * no reader holds it. Safe while other threads route or acquire; returns
 * when the old snapshot is freed. CONVOY_E_INVALID_ARG for NULL.
 */
CONVOY_API int convoy_router_slot_publish(convoy_router_slot *slot, convoy_router *next);

/*
 * convoy_router_slot_acquire - pin the current snapshot, for reading more
 * than one route (or rule names) from the same snapshot. Returns it (NULL
 * when the slot is empty or NULL) and a ticket for
 * convoy_router_slot_release(), which must follow on the same slot. The
 * snapshot stays valid until released. When it returns NULL nothing is
 * pinned and releasing that ticket does nothing. Lock-free,
 * allocation-free. Publishers wait for pinned snapshots, so do not hold
 * one for long.
 */
CONVOY_API const convoy_router *convoy_router_slot_acquire(convoy_router_slot *slot,
                                                           uint32_t *ticket);
CONVOY_API void convoy_router_slot_release(convoy_router_slot *slot, uint32_t ticket);

/* convoy_router_slot_route - acquire, convoy_router_route, release. The
 * result's rule index refers to the snapshot current at the call. */
CONVOY_API int convoy_router_slot_route(convoy_route_result *out, convoy_router_slot *slot,
                                        size_t service, const convoy_request *req);

/* ------------------------------------------------------------------------
 * Rendering proxy configuration.
 */
#define CONVOY_FORMAT_HAPROXY 1     /* runtime API commands: set weight BE/SRV 0-256 */
#define CONVOY_FORMAT_ENVOY 2       /* route configuration JSON with weighted_clusters */
#define CONVOY_FORMAT_ISTIO 3       /* networking.istio.io/v1beta1 VirtualService JSON */
#define CONVOY_FORMAT_NGINX 4       /* split_clients + map snippet (http context) */
#define CONVOY_FORMAT_GATEWAY_API 5 /* gateway.networking.k8s.io/v1 HTTPRoute JSON */

/* convoy_format_from_name - "haproxy", "envoy", "istio", "nginx",
 * "gateway-api" to CONVOY_FORMAT_*; CONVOY_E_NOT_FOUND otherwise. */
CONVOY_API int convoy_format_from_name(const char *name);
/* convoy_format_name - the name of a CONVOY_FORMAT_*, NULL if unknown. */
CONVOY_API const char *convoy_format_name(int format);

#define CONVOY_RENDER_OPTIONS_VERSION 1
/* Leave out rules a format cannot express (attribute conditions anywhere;
 * absent tests in Gateway API; cookie tests where only headers exist are
 * expressed as Cookie-header regexes, not skipped) instead of failing. */
#define CONVOY_RENDER_SKIP_UNSUPPORTED 0x1u
typedef struct convoy_render_options {
    uint32_t version;        /* CONVOY_RENDER_OPTIONS_VERSION */
    uint32_t flags;          /* CONVOY_RENDER_* */
    /* Names of things in the proxy; NULL means the default in brackets.
     * HAProxy: backend [service], servers [baseline_target, candidate_target].
     * Envoy: route configuration and virtual host [service], clusters.
     * Istio: VirtualService [service], host [host], destination subsets.
     * nginx: variables $convoy_<service>..., upstreams.
     * Gateway API: HTTPRoute [service], backendRefs, parentRef [gateway]. */
    const char *name;             /* [service name] */
    const char *host;             /* [service name] */
    const char *namespace_name;   /* Kubernetes namespace; NULL: omitted */
    const char *gateway;          /* Gateway API parentRef; NULL: omitted */
    const char *baseline_target;  /* [haproxy/istio "baseline"; others "<service>-baseline"] */
    const char *candidate_target; /* [haproxy/istio "candidate"; others "<service>-candidate"] */
    uint32_t port;                /* Gateway API backendRef / Istio destination port; 0: omitted */
} convoy_render_options;
#define CONVOY_RENDER_OPTIONS_INIT \
    { CONVOY_RENDER_OPTIONS_VERSION, 0u, NULL, NULL, NULL, NULL, NULL, NULL, 0u }
CONVOY_API int convoy_render_options_init(convoy_render_options *opts, uint32_t version);

/*
 * convoy_render - configuration for `format` that sends candidate_bp of the
 * service's traffic to the candidate (and mirrors mirror_bp of it where the
 * format can), with the service's routing rules in front, first match
 * first.
 *
 * JSON formats are pretty-printed JSON documents; HAProxy is one runtime
 * API command per line for the baseline and candidate servers, weights
 * scaled from basis points to 0-256 (candidate = round(bp * 256 / 10000),
 * baseline = 256 - candidate); nginx is a snippet for the http context.
 * Proxies split per request by their own hashing: Convoy's sticky buckets
 * are not reproduced (nginx split_clients hashes a key too, but with
 * MurmurHash2). A rule with its own weight becomes a weighted split for its
 * matches. Cookie conditions become regexes on the Cookie header where the
 * proxy only matches headers.
 *
 * *out is NUL-terminated, freed with convoy_free(); *len_out may be NULL.
 * Returns CONVOY_OK; CONVOY_E_INVALID_ARG (NULL, weight > 10000),
 * CONVOY_E_NOT_FOUND (no such service; unknown format),
 * CONVOY_E_UNSUPPORTED (a rule the format cannot express, without
 * CONVOY_RENDER_SKIP_UNSUPPORTED: the message names the rule), CONVOY_E_VERSION,
 * CONVOY_E_NOMEM. Thread-safe.
 */
CONVOY_API int convoy_render(char **out, size_t *len_out, const convoy_plan *plan,
                             const char *service, uint32_t candidate_bp, uint32_t mirror_bp,
                             int format, const convoy_render_options *opts);

#ifdef __cplusplus
}
#endif

#endif /* CONVOY_TRAFFIC_H */
