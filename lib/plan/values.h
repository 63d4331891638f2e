/* Internal: the scalar value grammars of the plan format (pure functions). */
#ifndef CONVOY_LIB_PLAN_VALUES_H
#define CONVOY_LIB_PLAN_VALUES_H

#include <stddef.h>
#include <stdint.h>

#define CONVOY__MAX_DURATION_MS ((uint64_t)365 * 24 * 3600 * 1000)

/* "250ms", "30s", "5m", "1h30m", "1.5h", "2d", "0". Returns 0 and *ms, or -1
 * with a static reason in *why. */
int convoy__parse_duration(uint64_t *ms, const char **why, const char *text);

/* Formats ms as the shortest duration string ("1h30m", "250ms", "0s"). */
void convoy__format_duration(char *out, size_t cap, uint64_t ms);

/* A percentage with at most two decimals -> basis points. Returns 0, or
 * CONVOY_P_RANGE / CONVOY_P_PRECISION. */
int convoy__weight_bp(uint32_t *bp, double percent);

/* 1-253 chars of [A-Za-z0-9._-], starting with a letter or digit. */
int convoy__valid_name(const char *s);

/* Formats basis points as a percentage without trailing zeros ("12.5"). */
void convoy__format_weight(char *out, size_t cap, uint32_t bp);

#endif
