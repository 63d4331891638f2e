/* Internal: the per-request part of routing that convoy_router_route and
 * convoy_router_route_many share - everything but the hashes: the sticky
 * key, the rule that decides, and the variant once the bucket is known.
 * The common case (the request carries its key, the service has no rules)
 * is inline; the rest is in route_request.c. */
#ifndef CONVOY_LIB_TRAFFIC_ROUTE_REQUEST_H
#define CONVOY_LIB_TRAFFIC_ROUTE_REQUEST_H

#include <string.h>

#include "router_internal.h"

/* A borrowed string and its length. */
typedef struct convoy__text {
    const char *s;
    size_t len;
} convoy__text;

/* NULL is the empty string; CONVOY_NTS is measured. */
static inline convoy__text convoy__measure(const char *s, size_t len)
{
    convoy__text t = {s ? s : "", s ? (len == CONVOY_NTS ? strlen(s) : len) : 0};
    return t;
}

/* The value of header / cookie / attribute `name` (CONVOY__SRC_*) in
 * `req`: 1 and *out set when present, else 0. Header names are given
 * lower-cased. */
int convoy__find_value(convoy__text *out, const convoy_request *req, int source,
                       const char *name, size_t n);

/* The index of the first rule of `s` whose conditions all hold for `req`,
 * or -1. Adds CONVOY_ROUTE_REGEX_LIMIT to *flags when a regex hit a limit. */
int32_t convoy__first_rule(const convoy__ruleset *rs, const convoy__route_service *s,
                           const convoy_request *req, uint32_t *flags);

/* What routing knows of a request before hashing its key. */
typedef struct convoy__route_prep {
    convoy__text key;  /* the bucketing key (hashed after "group:") */
    int key_source;    /* CONVOY_KEY_* */
    int32_t rule;      /* the rule that decides, -1: the weights */
    uint32_t flags;    /* CONVOY_ROUTE_* found so far */
} convoy__route_prep;

/* The bucketing key: req->key; the plan's sticky value when present and
 * not empty; the request id; the empty string (see convoy_router_route). */
static inline convoy__text convoy__sticky_key(int *source, const convoy__route_service *s,
                                              const convoy_request *req)
{
    convoy__text key;
    if (req->key) {
        *source = CONVOY_KEY_STICKY;
        return convoy__measure(req->key, req->key_len);
    }
    /* An empty sticky value is no key: it would put every such user in
     * one bucket. */
    if (s->rules->sticky_source != CONVOY__SRC_NONE &&
        convoy__find_value(&key, req, s->rules->sticky_source, s->rules->sticky_name,
                           s->rules->sticky_name_len) &&
        key.len) {
        *source = CONVOY_KEY_STICKY;
        return key;
    }
    if (req->request_id) {
        *source = CONVOY_KEY_REQUEST_ID;
        return convoy__measure(req->request_id, req->request_id_len);
    }
    *source = CONVOY_KEY_NONE;
    return convoy__measure(NULL, 0);
}

/* Only locals whose address escapes to a call outside this file live in
 * memory: the common case (the request's own key, no rules) stays in
 * registers. */
static inline convoy__route_prep convoy__route_prepare(const convoy__ruleset *rs,
                                                       const convoy__route_service *s,
                                                       const convoy_request *req)
{
    convoy__route_prep p;
    int source;
    p.key = convoy__sticky_key(&source, s, req);
    p.key_source = source;
    p.rule = -1;
    p.flags = 0;
    if (s->rules->n_rules) {
        uint32_t flags = 0;
        p.rule = convoy__first_rule(rs, s, req, &flags);
        p.flags = flags;
    }
    return p;
}

/* The variant once the bucket is known: a variant rule decides alone, a
 * weight rule or the service's weight splits at the bucket. */
static inline int convoy__route_variant(const convoy__route_service *s, int32_t rule,
                                        uint32_t candidate_bp, uint32_t bucket)
{
    if (rule >= 0 && s->rules->rules[rule].has_variant)
        return s->rules->rules[rule].variant;
    uint32_t weight = rule >= 0 ? s->rules->rules[rule].weight_bp : candidate_bp;
    return bucket <= weight ? CONVOY_VARIANT_CANDIDATE : CONVOY_VARIANT_BASELINE;
}

/* Whether the mirror hash of the key falls in the mirror share. */
static inline int convoy__mirror_hit(uint32_t mirror_hash, uint32_t mirror_bp)
{
    return mirror_hash % 10000u < mirror_bp;
}

#endif
