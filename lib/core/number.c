#include "number.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char locale_point(void)
{
    const struct lconv *lc = localeconv();
    return lc && lc->decimal_point && lc->decimal_point[0] ? lc->decimal_point[0] : '.';
}

double convoy__parse_double(const char *s, size_t n)
{
    char tmp[64];
    if (n >= sizeof tmp)
        n = sizeof tmp - 1;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    char point = locale_point();
    if (point != '.') {
        char *dot = strchr(tmp, '.');
        if (dot)
            *dot = point;
    }
    return strtod(tmp, NULL);
}

void convoy__format_double(char *out, size_t cap, int precision, double v)
{
    snprintf(out, cap, "%.*g", precision, v);
    char point = locale_point();
    if (point != '.') {
        char *p = strchr(out, point);
        if (p)
            *p = '.';
    }
}
