/*
 * cmd_criteria.c - `convoy criteria CRITERION --value V [--history LIST]
 * [--aggregate avg|p50|p90|p95]`: does V satisfy a Keptn criterion?
 *
 * Prints "pass" or "fail" and exits 0 or 1, like test(1); exits 2 for a
 * malformed criterion or a bad command line, so that a script cannot take
 * a mistake for a failed check.
 */
#include "cli.h"
#include "gate_util.h"

#include <convoy/convoy.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CMD "criteria"

#define EXIT_PASS 0
#define EXIT_FAIL 1
#define EXIT_ERROR 2

/* Parse "v1,v2,..." (blanks allowed around values; "" is no value). */
static int parse_history(const char *list, double **out, size_t *n)
{
    size_t cap = 1, count = 0;
    char *copy, *p;
    double *v;

    *out = NULL;
    *n = 0;
    for (const char *s = list; *s; s++)
        cap += *s == ',';
    copy = strdup(list);
    v = malloc(cap * sizeof *v);
    if (!copy || !v) {
        free(copy);
        free(v);
        fprintf(stderr, "convoy: criteria: out of memory\n");
        return -1;
    }
    p = copy;
    if (*p == '\0' || strspn(p, " \t") == strlen(p)) {
        free(copy);
        free(v);
        return 0;
    }
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (gu_parse_double(p, &v[count]) != 0) {
            usage_error(CMD, "--history: value %zu ('%s') is not a number", count + 1, p);
            free(copy);
            free(v);
            return -1;
        }
        count++;
        if (!comma)
            break;
        p = comma + 1;
    }
    free(copy);
    *out = v;
    *n = count;
    return 0;
}

/* The library's message, then the criterion with a caret under the column. */
static void report_malformed(const char *criterion)
{
    const convoy_error *e = convoy_error_last();
    uint32_t col = convoy_error_column(e);
    const char *msg = convoy_error_message(e);

    fprintf(stderr, "convoy: criteria: %s\n", msg && *msg ? msg : "malformed criterion");
    fprintf(stderr, "  %s\n", criterion);
    if (col >= 1)
        fprintf(stderr, "  %*s^ column %" PRIu32 "\n", (int)(col - 1), "", col);
    else
        fprintf(stderr, "  (column unknown)\n");
}

int cmd_criteria(int argc, char **argv)
{
    static const char *const kinds[] = {"avg", "p50", "p90", "p95"};
    static const int kind_codes[] = {CONVOY_AGGREGATE_AVG, CONVOY_AGGREGATE_P50,
                                     CONVOY_AGGREGATE_P90, CONVOY_AGGREGATE_P95};
    const char *criterion = NULL, *value_arg = NULL, *history_arg = NULL, *v;
    int kind = CONVOY_AGGREGATE_AVG, options_done = 0, r;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* Options are long ("--x") or -h: a criterion never starts with '-',
         * but if one does it is an operand, and reported as malformed. */
        if (!options_done && (strncmp(a, "--", 2) == 0 || strcmp(a, "-h") == 0)) {
            if (strcmp(a, "--") == 0) {
                options_done = 1;
                continue;
            }
            if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
                return help_print(stdout, CMD) == 0 ? EXIT_PASS : EXIT_ERROR;
            if ((r = gu_option_value(CMD, argc, argv, &i, "--value", &v)) != 0) {
                if (r < 0)
                    return EXIT_ERROR;
                value_arg = v;
                continue;
            }
            if ((r = gu_option_value(CMD, argc, argv, &i, "--history", &v)) != 0) {
                if (r < 0)
                    return EXIT_ERROR;
                history_arg = v;
                continue;
            }
            if ((r = gu_option_value(CMD, argc, argv, &i, "--aggregate", &v)) != 0) {
                size_t k = 0;
                if (r < 0)
                    return EXIT_ERROR;
                while (k < 4 && strcmp(v, kinds[k]) != 0)
                    k++;
                if (k == 4) {
                    usage_error(CMD, "option '--aggregate' must be avg|p50|p90|p95, not '%s'", v);
                    return EXIT_ERROR;
                }
                kind = kind_codes[k];
                continue;
            }
            usage_error(CMD, "unknown option '%s'", a);
            return EXIT_ERROR;
        }
        if (criterion) {
            usage_error(CMD, "one CRITERION only ('%s' is extra)", a);
            return EXIT_ERROR;
        }
        criterion = a;
    }
    if (!criterion) {
        usage_error(CMD, "no CRITERION given");
        return EXIT_ERROR;
    }
    if (!value_arg) {
        usage_error(CMD, "--value V is required");
        return EXIT_ERROR;
    }

    double value, aggregate = NAN;
    if (gu_parse_double(value_arg, &value) != 0) {
        usage_error(CMD, "--value needs a number, not '%s'", value_arg);
        return EXIT_ERROR;
    }
    /* Check the criterion first: a malformed one is exit 2 whatever else. */
    if (convoy_criterion_validate(criterion) != CONVOY_OK) {
        report_malformed(criterion);
        return EXIT_ERROR;
    }
    if (history_arg) {
        double *history;
        size_t n;
        if (parse_history(history_arg, &history, &n) != 0)
            return EXIT_ERROR;
        r = convoy_aggregate(&aggregate, history, n, kind);
        free(history);
        if (r != CONVOY_OK) {
            fprintf(stderr, "convoy: criteria: %s\n", convoy_error_message(convoy_error_last()));
            return EXIT_ERROR;
        }
    }

    int result;
    if (convoy_criterion_check(&result, criterion, value, aggregate) != CONVOY_OK) {
        if (convoy_error_code(convoy_error_last()) == CONVOY_E_PARSE)
            report_malformed(criterion);
        else
            fprintf(stderr, "convoy: criteria: %s\n", convoy_error_message(convoy_error_last()));
        return EXIT_ERROR;
    }
    puts(result == CONVOY_CRITERION_PASS ? "pass" : "fail");
    return result == CONVOY_CRITERION_PASS ? EXIT_PASS : EXIT_FAIL;
}
