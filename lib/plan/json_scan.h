/* Internal: a strict RFC 8259 scanner that runs before cJSON, so syntax
 * errors get an exact position and limits are enforced before any tree is
 * built; and a locator mapping parsed values back to their source offsets. */
#ifndef CONVOY_LIB_PLAN_JSON_SCAN_H
#define CONVOY_LIB_PLAN_JSON_SCAN_H

#include <stddef.h>
#include <stdint.h>

#define CONVOY__SCAN_OK 0
#define CONVOY__SCAN_SYNTAX 1
#define CONVOY__SCAN_LIMIT 2

typedef struct convoy__scan_result {
    int status;
    size_t offset;        /* where the problem is */
    char message[160];
} convoy__scan_result;

/* Checks `text` is one JSON value (optional UTF-8 BOM and whitespace around),
 * every string valid UTF-8 without NUL, nesting <= max_depth, strings <=
 * max_string bytes. Returns the status stored in *res. */
int convoy__json_check(convoy__scan_result *res, const char *text, size_t len,
                       uint32_t max_depth, size_t max_string);

/* Source offsets of every value in document pre-order (the order of a
 * depth-first walk of the cJSON tree): the value's first byte, and for
 * object members the key's opening quote (SIZE_MAX otherwise). The text
 * must have passed convoy__json_check. */
typedef struct convoy__json_pos {
    size_t value;
    size_t key;
} convoy__json_pos;

int convoy__json_positions(convoy__json_pos **out, size_t *count, const char *text,
                           size_t len);

/* 1-based line and column (in characters) of a byte offset. */
void convoy__line_col(uint32_t *line, uint32_t *column, const char *text, size_t len,
                      size_t offset);

#endif
