#include "criterion.h"

#include <stdlib.h>
#include <string.h>

static const char *skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

int convoy__criterion_parse(convoy__criterion *out, size_t *err_pos, const char **why,
                            const char *text)
{
    const char *p = skip_spaces(text);
    int op;
    if (p[0] == '<' && p[1] == '=') { op = CONVOY__OP_LE; p += 2; }
    else if (p[0] == '>' && p[1] == '=') { op = CONVOY__OP_GE; p += 2; }
    else if (p[0] == '<') { op = CONVOY__OP_LT; p++; }
    else if (p[0] == '>') { op = CONVOY__OP_GT; p++; }
    else if (p[0] == '=') { op = CONVOY__OP_EQ; p++; }
    else {
        *err_pos = (size_t)(p - text);
        *why = "an operator (<, <=, =, >=, >) was expected";
        return -1;
    }
    p = skip_spaces(p);
    int sign = 0;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p = skip_spaces(p + 1);
    }
    const char *num = p;
    int digits = 0;
    while (*p >= '0' && *p <= '9') { p++; digits++; }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') { p++; digits++; }
    }
    if (!digits) {
        *err_pos = (size_t)(num - text);
        *why = "a number was expected";
        return -1;
    }
    double v = strtod(num, NULL);
    p = skip_spaces(p);
    int percent = 0;
    if (*p == '%') {
        percent = 1;
        p = skip_spaces(p + 1);
    }
    if (*p) {
        *err_pos = (size_t)(p - text);
        *why = "unexpected character after the value";
        return -1;
    }
    out->op = op;
    out->value = sign < 0 ? -v : v;
    out->relative = percent ? CONVOY__REL_PERCENT : sign ? CONVOY__REL_DELTA : CONVOY__REL_ABSOLUTE;
    return 0;
}
