/*
 * gate_util.h - what the gate commands (judge, score, criteria) share:
 * strict number parsing, "--name VALUE" / "--name=VALUE" options and
 * reading a file of samples.
 */
#ifndef CONVOY_CLI_GATE_UTIL_H
#define CONVOY_CLI_GATE_UTIL_H

#include <stddef.h>

/*
 * Parse a whole string as a double: a decimal number ("12", "-0.5", "1e3")
 * or NaN / inf / infinity with an optional sign (any case). Leading and
 * trailing blanks are allowed; anything else (hexadecimal, "nan(...)",
 * trailing characters, an empty string) is rejected. Returns 0 or -1.
 */
int gu_parse_double(const char *s, double *out);

/*
 * When argv[*i] is the option `name` ("--confidence"), as "--name VALUE" or
 * "--name=VALUE": returns 1 and sets *value (advancing *i past a separate
 * VALUE); returns -1 when the value is missing (after reporting a usage
 * error for `command`); 0 when argv[*i] is another argument.
 */
int gu_option_value(const char *command, int argc, char **argv, int *i, const char *name,
                    const char **value);

/*
 * Read the samples in `path` ("-" for standard input): one number per line
 * as gu_parse_double accepts, blank lines ignored. On success returns 0
 * with a malloc'ed array in *values (NULL when empty) and its length in
 * *n. On failure prints "convoy: FILE:LINE: message" (or "convoy: FILE:
 * message") on stderr and returns -1.
 */
int gu_read_samples(const char *path, double **values, size_t *n);

/* The name to show for a file argument ("-" is "<stdin>"). */
const char *gu_display_name(const char *path);

#endif
