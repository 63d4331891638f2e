/* Internal: what a router snapshot is made of. The compiled rules (the
 * expensive part) are shared by reference count between snapshots that
 * differ only in weights. */
#ifndef CONVOY_LIB_TRAFFIC_ROUTER_INTERNAL_H
#define CONVOY_LIB_TRAFFIC_ROUTER_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <convoy/traffic.h>
#include <pcre2.h>
#include <stdatomic.h>

#include "murmur3.h"
#include "rules.h"

typedef struct convoy__route_service {
    convoy__rules *rules;    /* names, group, sticky source, rules */
    size_t group_len;
    pcre2_code **regex;      /* one per condition of every rule, flattened; NULL if not a regex */
    size_t cohort_first;     /* index of the first member of its cohort, or its own index */
    /* murmur3 states after "group:" (seed 0, and the mirror seed): a route
     * only hashes the key. */
    convoy__murmur3 prefix, mirror_prefix;
} convoy__route_service;

typedef struct convoy__ruleset {
    atomic_size_t refs;
    size_t n_services;
    convoy__route_service *services;
    pcre2_match_context *match_context;
    size_t max_value_bytes;
} convoy__ruleset;

struct convoy_router {
    convoy__ruleset *ruleset;
    uint32_t *candidate_bp;  /* per service */
    uint32_t *mirror_bp;     /* per service */
};

/* A thread's PCRE2 match data, created on the thread's first regex match
 * and reused for every later one (freed when the thread exits). NULL when
 * out of memory. */
pcre2_match_data *convoy__thread_match_data(void);

#endif
