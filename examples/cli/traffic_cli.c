/* traffic_cli.c - command line, plan, service and weights for the traffic
 * commands (weights, route, render), and route results as JSON lines. */
#include "traffic_cli.h"

#include "cli.h"
#include "gate_util.h"
#include "jsonw.h"
#include "load.h"
#include "report.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Command line.
 */

enum { K_FLAG, K_STRING, K_PAIRS };

static const struct tc_option {
    const char *name;
    uint32_t group; /* TC_OPT_*; 0: every traffic command */
    int kind;
    size_t offset;
} options[] = {
    {"--json", TC_OPT_JSON, K_FLAG, offsetof(tc_args, json)},
    {"--service", TC_OPT_SERVICE, K_STRING, offsetof(tc_args, service)},
    {"--weight", TC_OPT_SELECT, K_STRING, offsetof(tc_args, weight)},
    {"--step", TC_OPT_SELECT, K_STRING, offsetof(tc_args, step)},
    {"--key", TC_OPT_REQUEST, K_STRING, offsetof(tc_args, key)},
    {"--request-id", TC_OPT_REQUEST, K_STRING, offsetof(tc_args, request_id)},
    {"--bulk", TC_OPT_REQUEST, K_STRING, offsetof(tc_args, bulk)},
    {"--header", TC_OPT_REQUEST, K_PAIRS, offsetof(tc_args, headers)},
    {"--cookie", TC_OPT_REQUEST, K_PAIRS, offsetof(tc_args, cookies)},
    {"--attr", TC_OPT_REQUEST, K_PAIRS, offsetof(tc_args, attrs)},
    {"--format", TC_OPT_RENDER, K_STRING, offsetof(tc_args, format)},
    {"--name", TC_OPT_RENDER, K_STRING, offsetof(tc_args, name)},
    {"--host", TC_OPT_RENDER, K_STRING, offsetof(tc_args, host)},
    {"--namespace", TC_OPT_RENDER, K_STRING, offsetof(tc_args, namespace_name)},
    {"--gateway", TC_OPT_RENDER, K_STRING, offsetof(tc_args, gateway)},
    {"--baseline-target", TC_OPT_RENDER, K_STRING, offsetof(tc_args, baseline_target)},
    {"--candidate-target", TC_OPT_RENDER, K_STRING, offsetof(tc_args, candidate_target)},
    {"--port", TC_OPT_RENDER, K_STRING, offsetof(tc_args, port)},
    {"--skip-unsupported", TC_OPT_RENDER, K_FLAG, offsetof(tc_args, skip_unsupported)},
};

/* The option named by `arg` ("--name" or "--name=..."), or NULL. */
static const struct tc_option *find_option(const char *arg)
{
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        size_t len = strlen(options[i].name);
        if (strncmp(arg, options[i].name, len) == 0 && (arg[len] == '\0' || arg[len] == '='))
            return &options[i];
    }
    return NULL;
}

/* NAME=VALUE into the list (room for argc items was made). */
static int add_pair(const char *command, const char *option, tc_pairs *list, const char *text)
{
    const char *eq = strchr(text, '=');

    if (!eq)
        return usage_error(command, "%s needs NAME=VALUE, not '%s'", option, text);
    if (eq == text)
        return usage_error(command, "%s '%s': the name before '=' is empty", option, text);
    convoy_pair *p = &list->items[list->n++];
    p->name = text;
    p->name_len = (size_t)(eq - text);
    p->value = eq + 1;
    p->value_len = CONVOY_NTS;
    return 0;
}

int tc_args_parse(tc_args *a, const char *command, uint32_t allowed, int argc, char **argv)
{
    int options_done = 0;

    memset(a, 0, sizeof *a);
    if (allowed & TC_OPT_REQUEST) {
        size_t room = argc > 0 ? (size_t)argc : 1;
        a->headers.items = calloc(room, sizeof(convoy_pair));
        a->cookies.items = calloc(room, sizeof(convoy_pair));
        a->attrs.items = calloc(room, sizeof(convoy_pair));
        if (!a->headers.items || !a->cookies.items || !a->attrs.items) {
            tc_error(command, "out of memory");
            return CLI_FAIL;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (options_done || arg[0] != '-' || arg[1] == '\0') {
            if (a->plan)
                return usage_error(command, "one plan at a time ('%s' is extra)", arg);
            a->plan = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            options_done = 1;
            continue;
        }
        if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            a->help = 1;
            continue;
        }
        if (strcmp(arg, "--no-policies") == 0) {
            a->parse_flags |= CONVOY_PARSE_SKIP_POLICIES;
            continue;
        }
        const struct tc_option *o = find_option(arg);
        if (!o || !(o->group & allowed))
            return usage_error(command, "unknown option '%s'", arg);
        char *field = (char *)a + o->offset;
        if (o->kind == K_FLAG) {
            if (strchr(arg, '='))
                return usage_error(command, "%s takes no value", o->name);
            *(int *)(void *)field = 1;
            continue;
        }
        const char *value = NULL;
        if (gu_option_value(command, argc, argv, &i, o->name, &value) < 0)
            return CLI_USAGE;
        if (o->kind == K_PAIRS) {
            if (add_pair(command, o->name, (tc_pairs *)(void *)field, value) != 0)
                return CLI_USAGE;
            continue;
        }
        const char **slot = (const char **)(void *)field;
        if (*slot)
            return usage_error(command, "%s given twice", o->name);
        *slot = value;
    }
    if (a->help)
        return 0;
    if (!a->plan)
        return usage_error(command, "no plan given");
    if ((allowed & TC_OPT_SERVICE) && (allowed & TC_OPT_SELECT) && !a->service)
        return usage_error(command, "--service is required");
    if (allowed & TC_OPT_SELECT) {
        if (a->weight && a->step)
            return usage_error(command, "give --weight or --step, not both");
        if (!a->weight && !a->step)
            return usage_error(command, "--weight or --step is required");
    }
    return 0;
}

void tc_args_free(tc_args *a)
{
    free(a->headers.items);
    free(a->cookies.items);
    free(a->attrs.items);
    memset(a, 0, sizeof *a);
}

/* ------------------------------------------------------------------------
 * Errors.
 */

int tc_error(const char *command, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "convoy: %s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

const char *tc_last_message(int rc)
{
    const char *msg = convoy_error_message(convoy_error_last());
    return msg && *msg ? msg : convoy_strerror(rc);
}

/* ------------------------------------------------------------------------
 * Plan and service.
 */

convoy_plan *tc_load(const char *command, const tc_args *a)
{
    convoy_plan *plan = NULL;
    convoy_diagnostics *diags = NULL;
    char err[1024];
    const char *name = load_display_name(a->plan);

    (void)command;
    int rc = load_plan(&plan, &diags, a->plan, a->parse_flags, err, sizeof err);
    if (rc != CONVOY_OK) {
        /* Problems as 'convoy validate' prints them, but on stderr: standard
         * output is for the command's results. */
        if (convoy_diagnostics_count(diags) > 0)
            report_problems_text(stderr, name, diags);
        else
            report_error(name, err);
        convoy_diagnostics_free(diags);
        return NULL;
    }
    convoy_diagnostics_free(diags);
    return plan;
}

/* Levenshtein distance, capped: anything above `cap` is cap + 1. */
static size_t distance(const char *s, const char *t, size_t cap)
{
    size_t n = strlen(s), m = strlen(t);
    size_t row[65];

    if (m > 64 || n > 64)
        return cap + 1;
    if ((n > m ? n - m : m - n) > cap)
        return cap + 1;
    for (size_t j = 0; j <= m; j++)
        row[j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t up = row[j];
            size_t best = diag + (s[i - 1] != t[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m] > cap ? cap + 1 : row[m];
}

const convoy_service *tc_service(const char *command, const convoy_plan *plan,
                                 const char *file, const char *name)
{
    const convoy_service *svc = convoy_plan_service_by_name(plan, name);
    size_t n = convoy_plan_service_count(plan);

    if (svc)
        return svc;

    /* Close names: edit distance up to a third of the name (at least 1). */
    size_t cap = strlen(name) / 3;
    if (cap < 1)
        cap = 1;
    size_t best = cap + 1;
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(name, convoy_service_name(convoy_plan_service(plan, i)), cap);
        if (d < best)
            best = d;
    }
    fprintf(stderr, "convoy: %s: %s: no service '%s'", command, file, name);
    if (best <= cap) {
        const char *sep = " (did you mean ";
        for (size_t i = 0; i < n; i++) {
            const char *cand = convoy_service_name(convoy_plan_service(plan, i));
            if (distance(name, cand, cap) == best) {
                fprintf(stderr, "%s'%s'", sep, cand);
                sep = " or ";
            }
        }
        fputs("?)", stderr);
    } else {
        fputs("; the services are", stderr);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "%s %s", i ? "," : "",
                    convoy_service_name(convoy_plan_service(plan, i)));
    }
    fputc('\n', stderr);
    return NULL;
}

/* A step index: decimal digits only. Returns 0 or -1. */
static int parse_index(const char *s, size_t *out)
{
    size_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        size_t d = (size_t)(*s - '0');
        if (v > ((size_t)-1 - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

int tc_select(const char *command, const tc_args *a, const convoy_service *svc,
              uint32_t *candidate_bp, uint32_t *mirror_bp)
{
    int rc;

    if (a->weight) {
        rc = convoy_weight_parse(candidate_bp, a->weight);
        if (rc != CONVOY_OK)
            return usage_error(command, "--weight: %s", tc_last_message(rc));
        *mirror_bp = 0;
        return 0;
    }

    size_t step, count = convoy_service_step_count(svc);
    if (parse_index(a->step, &step) != 0)
        return usage_error(command, "--step '%s': a step index (0, 1, ...) was expected",
                           a->step);
    if (count == 0)
        return tc_error(command, "--step %zu: service '%s' has no steps (use --weight)", step,
                        convoy_service_name(svc));
    if (step >= count)
        return tc_error(command, "--step %zu is out of range: service '%s' has steps 0-%zu",
                        step, convoy_service_name(svc), count - 1);
    rc = convoy_weights_at(NULL, candidate_bp, mirror_bp, svc, step);
    if (rc != CONVOY_OK)
        return tc_error(command, "--step %zu: %s", step, tc_last_message(rc));
    return 0;
}

/* ------------------------------------------------------------------------
 * Buffered output.
 */

#define TC_OUT_CAP ((size_t)1 << 16)

int tc_out_init(tc_out *o, FILE *f)
{
    o->f = f;
    o->len = 0;
    o->cap = TC_OUT_CAP;
    o->failed = 0;
    o->buf = malloc(o->cap);
    return o->buf ? 0 : -1;
}

void tc_out_flush(tc_out *o)
{
    if (o->len && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->failed = 1;
    o->len = 0;
}

void tc_out_put(tc_out *o, const char *s, size_t n)
{
    if (n > o->cap - o->len) {
        tc_out_flush(o);
        if (n > o->cap) {
            if (fwrite(s, 1, n, o->f) != n)
                o->failed = 1;
            return;
        }
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

void tc_out_free(tc_out *o)
{
    free(o->buf);
    o->buf = NULL;
}

/* ------------------------------------------------------------------------
 * Route results.
 */

const char *tc_key_source_name(int key_source)
{
    switch (key_source) {
    case CONVOY_KEY_STICKY: return "sticky";
    case CONVOY_KEY_REQUEST_ID: return "request_id";
    default: return "none";
    }
}

int tc_route_fmt_init(tc_route_fmt *rf, const convoy_router *router, size_t service)
{
    size_t n = convoy_router_rule_count(router, service);

    memset(rf, 0, sizeof *rf);
    rf->router = router;
    rf->service = service;
    rf->rule_json = calloc(n ? n : 1, sizeof *rf->rule_json);
    rf->rule_json_len = calloc(n ? n : 1, sizeof *rf->rule_json_len);
    if (!rf->rule_json || !rf->rule_json_len)
        return -1;
    rf->n_rules = n;
    for (size_t i = 0; i < n; i++) {
        /* The JSON writer's escaping, once per rule rather than per line. */
        FILE *mem = open_memstream(&rf->rule_json[i], &rf->rule_json_len[i]);
        if (!mem)
            return -1;
        jsonw w;
        jsonw_init(&w, mem);
        jsonw_string(&w, convoy_router_rule_name(router, service, i));
        if (fclose(mem) != 0)
            return -1;
    }
    return 0;
}

void tc_route_fmt_free(tc_route_fmt *rf)
{
    if (rf->rule_json)
        for (size_t i = 0; i < rf->n_rules; i++)
            free(rf->rule_json[i]);
    free(rf->rule_json);
    free(rf->rule_json_len);
    memset(rf, 0, sizeof *rf);
}

#define PUT_LIT(o, s) tc_out_put((o), (s), sizeof(s) - 1)

void tc_route_json(tc_out *o, const tc_route_fmt *rf, const convoy_route_result *res)
{
    char num[16];
    size_t n = sizeof num;
    uint32_t b = res->bucket;

    if (res->variant == CONVOY_VARIANT_CANDIDATE)
        PUT_LIT(o, "{\"variant\": \"candidate\", \"rule\": ");
    else
        PUT_LIT(o, "{\"variant\": \"baseline\", \"rule\": ");
    if (res->rule >= 0 && (size_t)res->rule < rf->n_rules)
        tc_out_put(o, rf->rule_json[res->rule], rf->rule_json_len[res->rule]);
    else
        PUT_LIT(o, "null");
    PUT_LIT(o, ", \"bucket\": ");
    do {
        num[--n] = (char)('0' + b % 10);
        b /= 10;
    } while (b);
    tc_out_put(o, num + n, sizeof num - n);
    switch (res->key_source) {
    case CONVOY_KEY_STICKY: PUT_LIT(o, ", \"key_source\": \"sticky\""); break;
    case CONVOY_KEY_REQUEST_ID: PUT_LIT(o, ", \"key_source\": \"request_id\""); break;
    default: PUT_LIT(o, ", \"key_source\": \"none\""); break;
    }
    if (res->flags & CONVOY_ROUTE_MIRROR)
        PUT_LIT(o, ", \"mirror\": true");
    if (res->flags & CONVOY_ROUTE_REGEX_LIMIT)
        PUT_LIT(o, ", \"regex_limit\": true");
    PUT_LIT(o, "}\n");
}
