/* Internal: Keptn-style criterion strings ("<0.01", ">=99.5", "<=+10%",
 * ">-5%", "=+1"). Parsing lives with plans so that validation can reject a
 * malformed criterion; gate evaluation (a higher area) reuses it. */
#ifndef CONVOY_LIB_PLAN_CRITERION_H
#define CONVOY_LIB_PLAN_CRITERION_H

#include <stddef.h>

#define CONVOY__OP_LT 1
#define CONVOY__OP_LE 2
#define CONVOY__OP_EQ 3
#define CONVOY__OP_GE 4
#define CONVOY__OP_GT 5

#define CONVOY__REL_ABSOLUTE 0
#define CONVOY__REL_PERCENT 1 /* "+10%", "-5%", "10%": A * (1 + v/100) */
#define CONVOY__REL_DELTA 2   /* "+1", "-2": A + v */

typedef struct convoy__criterion {
    int op;
    int relative;
    double value; /* signed: "-5%" holds -5 */
} convoy__criterion;

/* Returns 0, or -1 with the 0-based character position of the problem in
 * *err_pos and a static reason in *why. Spaces are ignored. */
int convoy__criterion_parse(convoy__criterion *out, size_t *err_pos, const char **why,
                            const char *text);

#endif
