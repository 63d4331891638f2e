/*
 * cmd_judge.c - `convoy judge --control FILE --experiment FILE [OPTIONS]`:
 * classify one metric, experiment (candidate) against control (baseline),
 * with the Kayenta-style judge (convoy_judge).
 */
#include "cli.h"
#include "gate_util.h"
#include "jsonw.h"

#include <convoy/convoy.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CMD "judge"

/* A keyword option: `value` must be one of `words`; *out = its code. */
static int keyword(const char *option, const char *value, const char *const *words,
                   const int *codes, size_t n, int *out)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(value, words[i]) == 0) {
            *out = codes[i];
            return 0;
        }
    }
    char allowed[128] = "";
    for (size_t i = 0; i < n; i++) {
        strncat(allowed, i ? "|" : "", sizeof allowed - strlen(allowed) - 1);
        strncat(allowed, words[i], sizeof allowed - strlen(allowed) - 1);
    }
    usage_error(CMD, "option '%s' must be %s, not '%s'", option, allowed, value);
    return -1;
}

/* A finite number option. */
static int number(const char *option, const char *value, double *out)
{
    if (gu_parse_double(value, out) != 0 || !isfinite(*out)) {
        usage_error(CMD, "option '%s' needs a number, not '%s'", option, value);
        return -1;
    }
    return 0;
}

/* "6.5", or "n/a" where undefined. */
static const char *num(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "n/a");
    else
        snprintf(buf, size, "%.6g", v);
    return buf;
}

static void print_json(const convoy_judgement *j)
{
    jsonw w;

    jsonw_init(&w, stdout);
    jsonw_object_begin(&w);
    jsonw_kv_string(&w, "classification", convoy_class_name(convoy_judgement_class(j)));
    jsonw_kv_bool(&w, "critical", convoy_judgement_critical(j));
    jsonw_kv_double(&w, "ci_lower", convoy_judgement_ci_lower(j));
    jsonw_kv_double(&w, "ci_upper", convoy_judgement_ci_upper(j));
    jsonw_kv_double(&w, "estimate", convoy_judgement_estimate(j));
    jsonw_kv_double(&w, "effect_size", convoy_judgement_effect_size(j));
    jsonw_kv_double(&w, "u", convoy_judgement_u(j));
    jsonw_kv_double(&w, "p_value", convoy_judgement_p_value(j));
    jsonw_object_end(&w);
    putchar('\n');
}

static void print_text(const convoy_judgement *j, const convoy_judge_options *o, size_t n_exp,
                       size_t n_ctl)
{
    char a[64], b[64];
    const char *explain = convoy_judgement_explain(j);

    printf("classification: %s\n", convoy_class_name(convoy_judgement_class(j)));
    printf("critical:       %s\n", convoy_judgement_critical(j) ? "yes" : "no");
    printf("samples:        experiment %zu, control %zu\n", n_exp, n_ctl);
    printf("interval:       [%s, %s] (%g%% confidence, experiment - control)\n",
           num(a, sizeof a, convoy_judgement_ci_lower(j)),
           num(b, sizeof b, convoy_judgement_ci_upper(j)), o->confidence * 100.0);
    printf("estimate:       %s\n", num(a, sizeof a, convoy_judgement_estimate(j)));
    printf("effect size:    %s (%s)\n", num(a, sizeof a, convoy_judgement_effect_size(j)),
           o->effect == CONVOY_EFFECT_CLES ? "CLES" : "mean ratio");
    printf("Mann-Whitney:   U %s, p-value %s\n", num(a, sizeof a, convoy_judgement_u(j)),
           num(b, sizeof b, convoy_judgement_p_value(j)));
    if (explain && *explain)
        printf("%s%s", explain, explain[strlen(explain) - 1] == '\n' ? "" : "\n");
}

int cmd_judge(int argc, char **argv)
{
    static const char *const directions[] = {"either", "increase", "decrease"};
    static const int direction_codes[] = {CONVOY_DIRECTION_EITHER, CONVOY_DIRECTION_INCREASE,
                                          CONVOY_DIRECTION_DECREASE};
    static const char *const effects[] = {"mean-ratio", "cles"};
    static const int effect_codes[] = {CONVOY_EFFECT_MEAN_RATIO, CONVOY_EFFECT_CLES};
    static const char *const nans[] = {"remove", "replace"};
    static const int nan_codes[] = {CONVOY_NAN_REMOVE, CONVOY_NAN_REPLACE};
    static const char *const outliers[] = {"keep", "remove"};
    static const int outlier_codes[] = {0, 1};
    static const struct {
        const char *name;
        size_t offset;
    } numeric[] = {
        {"--confidence", offsetof(convoy_judge_options, confidence)},
        {"--tolerance", offsetof(convoy_judge_options, tolerance)},
        {"--allowed-increase", offsetof(convoy_judge_options, allowed_increase)},
        {"--allowed-decrease", offsetof(convoy_judge_options, allowed_decrease)},
        {"--critical-increase", offsetof(convoy_judge_options, critical_increase)},
        {"--critical-decrease", offsetof(convoy_judge_options, critical_decrease)},
    };
    convoy_judge_options o;
    const char *control = NULL, *experiment = NULL, *v;
    int json = 0, r;

    if (convoy_judge_options_init(&o, CONVOY_JUDGE_OPTIONS_VERSION) != CONVOY_OK) {
        fprintf(stderr, "convoy: judge: %s\n", convoy_error_message(convoy_error_last()));
        return CLI_FAIL;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int matched = 0;

        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            return help_print(stdout, CMD) == 0 ? CLI_OK : CLI_FAIL;
        if (strcmp(a, "--json") == 0) {
            json = 1;
            continue;
        }
        if (strcmp(a, "--critical") == 0) {
            o.critical = 1;
            continue;
        }
        if (strcmp(a, "--must-have-data") == 0) {
            o.must_have_data = 1;
            continue;
        }
        if ((r = gu_option_value(CMD, argc, argv, &i, "--control", &v)) != 0) {
            if (r < 0)
                return CLI_USAGE;
            control = v;
            continue;
        }
        if ((r = gu_option_value(CMD, argc, argv, &i, "--experiment", &v)) != 0) {
            if (r < 0)
                return CLI_USAGE;
            experiment = v;
            continue;
        }
        if ((r = gu_option_value(CMD, argc, argv, &i, "--direction", &v)) != 0) {
            if (r < 0 || keyword("--direction", v, directions, direction_codes, 3, &o.direction))
                return CLI_USAGE;
            continue;
        }
        if ((r = gu_option_value(CMD, argc, argv, &i, "--effect", &v)) != 0) {
            if (r < 0 || keyword("--effect", v, effects, effect_codes, 2, &o.effect))
                return CLI_USAGE;
            continue;
        }
        if ((r = gu_option_value(CMD, argc, argv, &i, "--nan", &v)) != 0) {
            if (r < 0 || keyword("--nan", v, nans, nan_codes, 2, &o.nan_strategy))
                return CLI_USAGE;
            continue;
        }
        if ((r = gu_option_value(CMD, argc, argv, &i, "--outliers", &v)) != 0) {
            if (r < 0 || keyword("--outliers", v, outliers, outlier_codes, 2, &o.remove_outliers))
                return CLI_USAGE;
            continue;
        }
        for (size_t k = 0; k < sizeof numeric / sizeof numeric[0] && !matched; k++) {
            if ((r = gu_option_value(CMD, argc, argv, &i, numeric[k].name, &v)) != 0) {
                if (r < 0 ||
                    number(numeric[k].name, v, (double *)((char *)&o + numeric[k].offset)))
                    return CLI_USAGE;
                matched = 1;
            }
        }
        if (matched)
            continue;
        if (a[0] == '-' && a[1] != '\0')
            return usage_error(CMD, "unknown option '%s'", a);
        return usage_error(CMD, "unexpected argument '%s'", a);
    }
    if (!control)
        return usage_error(CMD, "--control FILE is required");
    if (!experiment)
        return usage_error(CMD, "--experiment FILE is required");
    if (strcmp(control, "-") == 0 && strcmp(experiment, "-") == 0)
        return usage_error(CMD, "only one of the files can be standard input");

    double *ctl = NULL, *xs = NULL;
    size_t n_ctl = 0, n_exp = 0;
    convoy_judgement *j = NULL;
    int status = CLI_FAIL;

    if (gu_read_samples(control, &ctl, &n_ctl) != 0 ||
        gu_read_samples(experiment, &xs, &n_exp) != 0)
        goto out;
    /* An empty sample is valid (Nodata): never hand over NULL for it. */
    static const double none[1] = {0.0};
    if (convoy_judge(&j, n_exp ? xs : none, n_exp, n_ctl ? ctl : none, n_ctl, &o) !=
        CONVOY_OK) {
        fprintf(stderr, "convoy: judge: %s\n", convoy_error_message(convoy_error_last()));
        goto out;
    }
    if (json)
        print_json(j);
    else
        print_text(j, &o, n_exp, n_ctl);
    status = CLI_OK;
out:
    convoy_judgement_free(j);
    free(ctl);
    free(xs);
    return status;
}
