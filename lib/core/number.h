/* Internal: numbers in JSON and criteria are always written with '.', but
 * the C library's strtod and printf follow the process locale. These
 * helpers make reading and writing locale-independent. */
#ifndef CONVOY_LIB_CORE_NUMBER_H
#define CONVOY_LIB_CORE_NUMBER_H

#include <stddef.h>

/* Parses the n characters at s (at most 63, a number in C syntax with '.'). */
double convoy__parse_double(const char *s, size_t n);
/* snprintf(out, cap, "%.*g", precision, v) with '.' as the decimal point. */
void convoy__format_double(char *out, size_t cap, int precision, double v);

#endif
