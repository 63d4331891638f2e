#include "criterion.h"

#include <stdlib.h>
#include <string.h>

#include "core/number.h"

/* Keptn removes every space before parsing ("< = 10" is "<=10"); positions
 * in errors still refer to the text as written. */
#define MAX_CRITERION 128

int convoy__criterion_parse(convoy__criterion *out, size_t *err_pos, const char **why,
                            const char *text)
{
    char s[MAX_CRITERION + 1];
    size_t at[MAX_CRITERION + 1]; /* position in `text` of each character of `s` */
    size_t n = 0, i;
    for (i = 0; text[i]; i++) {
        if (text[i] == ' ' || text[i] == '\t')
            continue;
        if (n == MAX_CRITERION) {
            *err_pos = i;
            *why = "criterion too long";
            return -1;
        }
        at[n] = i;
        s[n++] = text[i];
    }
    s[n] = '\0';
    at[n] = i;

    const char *p = s;
    int op;
    if (p[0] == '<' && p[1] == '=') { op = CONVOY__OP_LE; p += 2; }
    else if (p[0] == '>' && p[1] == '=') { op = CONVOY__OP_GE; p += 2; }
    else if (p[0] == '<') { op = CONVOY__OP_LT; p++; }
    else if (p[0] == '>') { op = CONVOY__OP_GT; p++; }
    else if (p[0] == '=') { op = CONVOY__OP_EQ; p++; }
    else {
        *err_pos = at[p - s];
        *why = "an operator (<, <=, =, >=, >) was expected";
        return -1;
    }
    int sign = 0;
    if (*p == '+' || *p == '-') {
        sign = *p == '-' ? -1 : 1;
        p++;
    }
    const char *num = p;
    int digits = 0;
    while (*p >= '0' && *p <= '9') { p++; digits++; }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9') { p++; digits++; }
    }
    if (!digits) {
        *err_pos = at[num - s];
        *why = "a number was expected";
        return -1;
    }
    double v = convoy__parse_double(num, (size_t)(p - num));
    int percent = 0;
    if (*p == '%') {
        percent = 1;
        p++;
    }
    if (*p) {
        *err_pos = at[p - s];
        *why = "unexpected character after the value";
        return -1;
    }
    out->op = op;
    out->value = sign < 0 ? -v : v;
    out->relative = percent ? CONVOY__REL_PERCENT : sign ? CONVOY__REL_DELTA : CONVOY__REL_ABSOLUTE;
    return 0;
}
