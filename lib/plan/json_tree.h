/* Internal: builds a cJSON tree from text that convoy__json_check accepted,
 * with every node and string in an arena. One bump allocation per node
 * instead of cJSON_Parse's malloc per node and string, and freeing the
 * whole tree is freeing the arena. The nodes are ordinary cJSON nodes:
 * cJSON's read-only functions work on them; cJSON_Delete must never be
 * called on them. */
#ifndef CONVOY_LIB_PLAN_JSON_TREE_H
#define CONVOY_LIB_PLAN_JSON_TREE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "core/arena.h"

/* NULL when out of memory. The text must have passed convoy__json_check. */
cJSON *convoy__json_tree(convoy__arena *arena, const char *text, size_t len);

/* "an object", "an array", "a string", "a number", "a boolean" or "null":
 * a node's kind for messages ("expected an array, found a string"). */
const char *convoy__json_type_name(const cJSON *node);

#endif
