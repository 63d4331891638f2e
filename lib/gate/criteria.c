/* Keptn criteria: parsing (shared with plan validation) and evaluation. */
#include <convoy/gate.h>
#include <math.h>
#include <stdio.h>

#include "core/error.h"
#include "gate_internal.h"
#include "plan/criterion.h"

/* The threshold a criterion compares with; NaN when it is relative and
 * there is no aggregate (the caller then passes the criterion). */
static double threshold(const convoy__criterion *c, double aggregate)
{
    switch (c->relative) {
    case CONVOY__REL_PERCENT: return aggregate * (1.0 + c->value / 100.0);
    case CONVOY__REL_DELTA: return aggregate + c->value;
    default: return c->value;
    }
}

int convoy__criterion_holds(const convoy__criterion *c, double value, double aggregate)
{
    if (isnan(value))
        return 0;
    if (c->relative != CONVOY__REL_ABSOLUTE && isnan(aggregate))
        return 1; /* Keptn: nothing to compare with yet */
    double t = threshold(c, aggregate);
    switch (c->op) {
    case CONVOY__OP_LT: return value < t;
    case CONVOY__OP_LE: return value <= t;
    case CONVOY__OP_EQ: return value == t;
    case CONVOY__OP_GE: return value >= t;
    case CONVOY__OP_GT: return value > t;
    default: return 0;
    }
}

int convoy__criterion_compile(convoy__criterion *out, const char *criterion)
{
    size_t pos;
    const char *why;
    if (!criterion)
        return convoy__fail(CONVOY_E_INVALID_ARG, "NULL criterion");
    if (convoy__criterion_parse(out, &pos, &why, criterion) != 0) {
        char msg[256];
        snprintf(msg, sizeof msg, "invalid criterion \"%.64s\" at character %zu: %s", criterion,
                 pos + 1, why);
        return convoy__fail_at(CONVOY_E_PARSE, "", 1, (uint32_t)(pos + 1), msg);
    }
    return CONVOY_OK;
}

int convoy_criterion_validate(const char *criterion)
{
    convoy__criterion c;
    return convoy__criterion_compile(&c, criterion);
}

int convoy_criterion_check(int *result, const char *criterion, double value, double aggregate)
{
    convoy__criterion c;
    if (!result)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_criterion_check: NULL result");
    int rc = convoy__criterion_compile(&c, criterion);
    if (rc != CONVOY_OK)
        return rc;
    *result = convoy__criterion_holds(&c, value, aggregate) ? CONVOY_CRITERION_PASS
                                                            : CONVOY_CRITERION_FAIL;
    return CONVOY_OK;
}

int convoy__criteria_all(const char *const *criteria, size_t n, double value, double aggregate)
{
    /* Every criterion is parsed, even after one fails, so that a malformed
     * criterion is always reported. */
    int all = 1;
    for (size_t i = 0; i < n; i++) {
        convoy__criterion c;
        int rc = convoy__criterion_compile(&c, criteria[i]);
        if (rc != CONVOY_OK)
            return rc;
        all &= convoy__criterion_holds(&c, value, aggregate);
    }
    return all;
}

int convoy__parsed_criteria_all(const convoy__criterion *criteria, size_t n, double value,
                                double aggregate)
{
    int all = 1;
    for (size_t i = 0; i < n; i++)
        all &= convoy__criterion_holds(&criteria[i], value, aggregate);
    return all;
}
