/* Internal: a service's routing rules read back from the plan, in one form
 * the router and the renderers share. */
#ifndef CONVOY_LIB_TRAFFIC_RULES_H
#define CONVOY_LIB_TRAFFIC_RULES_H

#include <convoy/plan.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

#define CONVOY__SRC_HEADER 0
#define CONVOY__SRC_COOKIE 1
#define CONVOY__SRC_ATTRIBUTE 2
#define CONVOY__SRC_NONE -1

#define CONVOY__TEST_EXACT 0
#define CONVOY__TEST_PREFIX 1
#define CONVOY__TEST_SUFFIX 2
#define CONVOY__TEST_REGEX 3
#define CONVOY__TEST_PRESENT 4
#define CONVOY__TEST_ABSENT 5

typedef struct convoy__condition {
    int source;         /* CONVOY__SRC_* */
    int test;           /* CONVOY__TEST_* */
    const char *name;   /* header (lower-cased), cookie or attribute name */
    size_t name_len;
    const char *value;  /* exact/prefix/suffix text or regex pattern; NULL for present/absent */
    size_t value_len;
} convoy__condition;

typedef struct convoy__rule {
    const char *name;   /* as written, or "rule-N" */
    convoy__condition *conditions;
    size_t n_conditions;
    int has_variant;    /* 1: `variant` decides; 0: split at weight_bp */
    int variant;        /* CONVOY_VARIANT_* */
    uint32_t weight_bp;
} convoy__rule;

typedef struct convoy__rules {
    convoy__arena arena;    /* everything below lives here */
    const char *service;
    const char *group;      /* cohort name or service name */
    int sticky_source;      /* CONVOY__SRC_*, NONE when the plan names no sticky key */
    const char *sticky_name;/* lower-cased for headers */
    size_t sticky_name_len;
    convoy__rule *rules;
    size_t n_rules;
} convoy__rules;

/* Read the traffic block of `svc` (may have none: no rules, no sticky key).
 * Returns CONVOY_OK or CONVOY_E_NOMEM / CONVOY_E_INVALID (via convoy__fail).
 * Free with convoy__rules_free (NULL ok). */
int convoy__rules_read(convoy__rules **out, const convoy_service *svc);
void convoy__rules_free(convoy__rules *rules);

#endif
