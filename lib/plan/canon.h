/* Internal: writing canonical JSON (sorted keys, shortest round-trip
 * numbers, minimal escapes) into a buffer. */
#ifndef CONVOY_LIB_PLAN_CANON_H
#define CONVOY_LIB_PLAN_CANON_H

#include <cjson/cJSON.h>

#include "core/buf.h"

void convoy__json_put_string(convoy__buf *b, const char *s);
void convoy__json_put_number(convoy__buf *b, double v);
/* A cJSON subtree with object keys sorted bytewise (duplicates keep order). */
void convoy__json_put_canonical(convoy__buf *b, const cJSON *node);
/* Same, as a new string from the library allocator (NULL when out of memory). */
char *convoy__json_canonical_string(const cJSON *node);

#endif
