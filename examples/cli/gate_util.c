/* gate_util.c - numbers, valued options and sample files for the gate commands. */
#include "gate_util.h"

#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n' || *s == '\v' || *s == '\f')
        s++;
    return s;
}

int gu_parse_double(const char *s, double *out)
{
    const char *p = skip_blanks(s);
    const char *body = p;
    char *end;

    if (*body == '+' || *body == '-')
        body++;
    /* Only decimal numbers and the words: strtod would also take hexadecimal
     * floats and "nan(chars)". */
    if (isdigit((unsigned char)*body) || *body == '.') {
        for (const char *q = body; *q && !isspace((unsigned char)*q); q++)
            if (!isdigit((unsigned char)*q) && *q != '.' && *q != 'e' && *q != 'E' &&
                *q != '+' && *q != '-')
                return -1;
    } else {
        size_t len = 0;
        while (isalpha((unsigned char)body[len]))
            len++;
        if (!((len == 3 && strncasecmp(body, "nan", 3) == 0) ||
              (len == 3 && strncasecmp(body, "inf", 3) == 0) ||
              (len == 8 && strncasecmp(body, "infinity", 8) == 0)) ||
            *skip_blanks(body + len) != '\0')
            return -1;
    }
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || *skip_blanks(end) != '\0')
        return -1;
    /* Overflow gives +-HUGE_VAL (inf) with ERANGE: not what was written. */
    if (errno == ERANGE && isinf(v))
        return -1;
    if (isnan(v))
        v = NAN; /* drop the sign of "-nan" */
    *out = v;
    return 0;
}

int gu_option_value(const char *command, int argc, char **argv, int *i, const char *name,
                    const char **value)
{
    const char *a = argv[*i];
    size_t len = strlen(name);

    if (strncmp(a, name, len) != 0)
        return 0;
    if (a[len] == '=') {
        *value = a + len + 1;
        return 1;
    }
    if (a[len] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        usage_error(command, "option '%s' needs a value", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

const char *gu_display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int gu_read_samples(const char *path, double **values, size_t *n)
{
    const char *name = gu_display_name(path);
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    char *line = NULL;
    size_t cap_line = 0, count = 0, cap = 0;
    unsigned long lineno = 0;
    double *v = NULL;
    ssize_t len;
    int rc = -1;

    *values = NULL;
    *n = 0;
    if (!f) {
        fprintf(stderr, "convoy: %s: %s\n", name, strerror(errno));
        return -1;
    }
    errno = 0;
    while ((len = getline(&line, &cap_line, f)) >= 0) {
        lineno++;
        if ((size_t)len != strlen(line)) {
            fprintf(stderr, "convoy: %s:%lu: a NUL byte is not a number\n", name, lineno);
            goto out;
        }
        if (*skip_blanks(line) == '\0')
            continue;
        double x;
        if (gu_parse_double(line, &x) != 0) {
            line[strcspn(line, "\r\n")] = '\0';
            fprintf(stderr, "convoy: %s:%lu: not a number: '%.40s%s'\n", name, lineno,
                    skip_blanks(line), strlen(skip_blanks(line)) > 40 ? "..." : "");
            goto out;
        }
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            double *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                fprintf(stderr, "convoy: %s: out of memory\n", name);
                goto out;
            }
            v = nv;
            cap = ncap;
        }
        v[count++] = x;
    }
    if (ferror(f)) {
        fprintf(stderr, "convoy: %s: %s\n", name, errno ? strerror(errno) : "read error");
        goto out;
    }
    *values = v;
    *n = count;
    v = NULL;
    rc = 0;
out:
    free(line);
    free(v);
    if (f != stdin)
        fclose(f);
    return rc;
}
