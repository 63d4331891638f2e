/* Internal: collecting validation problems against cJSON nodes. A problem
 * is recorded with the node it concerns; its JSON Pointer and line:column
 * are worked out once at the end (convoy__diags_locate), so validation code
 * never tracks paths. */
#ifndef CONVOY_LIB_PLAN_DIAG_H
#define CONVOY_LIB_PLAN_DIAG_H

#include <cjson/cJSON.h>
#include <convoy/plan.h>
#include <stddef.h>

#include "core/error.h"

typedef struct convoy__diag {
    int code;
    char *message;
    char *pointer;
    const cJSON *node;  /* NULL: the document itself (or `offset` when has_offset) */
    int at_key;         /* locate the member's key rather than its value */
    int has_offset;
    size_t offset;
    uint32_t line, column;
    size_t order;       /* report order, for a stable sort */
} convoy__diag;

struct convoy_diagnostics {
    convoy__diag *items;
    size_t n, cap;
    uint32_t max;       /* max_diagnostics */
    int full;           /* reporting stopped at max */
    int oom;
    /* problems already reported: defaults and templates are checked once
     * per service that uses them, but reported once. */
    struct convoy__seen *seen;
    size_t seen_cap, seen_n;
};

convoy_diagnostics *convoy__diags_new(uint32_t max);

/* Records a problem at a node; at_key selects the member's key position. */
void convoy__report(convoy_diagnostics *d, int code, const cJSON *node, int at_key,
                    const char *fmt, ...) CONVOY__PRINTF(5, 6);
/* Records a problem at a byte offset in the source (syntax, limits). */
void convoy__report_offset(convoy_diagnostics *d, int code, size_t offset, const char *message);

/* Fills pointer, line and column of every problem from the tree and the
 * source text, sorts by position and drops exact repeats. */
int convoy__diags_locate(convoy_diagnostics *d, const cJSON *root, const char *text, size_t len);

/* The closest of `candidates` to `word` by edit distance, or NULL when
 * nothing is close enough to be a plausible typo. */
const char *convoy__suggest(const char *word, const char *const *candidates, size_t n);

#endif
