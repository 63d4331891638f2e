/*
 * cmd_score.c - `convoy score FILE [--json]`: Kayenta's summary score of
 * classified metrics (convoy_score). FILE (or - for standard input) holds
 *
 *   {"pass": 95, "marginal": 75, "group_weights": {"latency": 60},
 *    "metrics": [{"name": "p99", "groups": ["latency"],
 *                 "classification": "Pass", "critical": false}]}
 */
#include "cli.h"
#include "gate_util.h"
#include "json_kind.h"
#include "jsonw.h"

#include <cjson/cJSON.h>
#include <convoy/convoy.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CMD "score"
#define MAX_INPUT ((size_t)64 * 1024 * 1024)

/* "convoy: FILE: WHERE: message" on stderr; returns -1. */
static int bad(const char *file, const char *where, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int bad(const char *file, const char *where, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "convoy: %s: ", file);
    if (where && *where)
        fprintf(stderr, "%s: ", where);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

/* Whole file (or stdin) into a NUL-terminated buffer. */
static char *slurp(const char *path, const char *name, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    if (!f) {
        bad(name, NULL, "%s", strerror(errno));
        return NULL;
    }
    for (;;) {
        if (cap - n < 4096) {
            if (cap > MAX_INPUT) {
                bad(name, NULL, "larger than %zu bytes", MAX_INPUT);
                goto fail;
            }
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, ncap + 1);
            if (!nb) {
                bad(name, NULL, "out of memory");
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        bad(name, NULL, "%s", errno ? strerror(errno) : "read error");
        goto fail;
    }
    if (f != stdin)
        fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    if (f != stdin)
        fclose(f);
    free(buf);
    return NULL;
}

/* Every key of `obj` is one of `keys` and appears once. */
static int check_keys(const char *file, const char *where, const cJSON *obj,
                      const char *const *keys, size_t n)
{
    for (const cJSON *c = obj->child; c; c = c->next) {
        size_t k = 0;
        while (k < n && strcmp(c->string, keys[k]) != 0)
            k++;
        if (k == n)
            return bad(file, where, "unknown key '%s'", c->string);
        for (const cJSON *d = c->next; d; d = d->next)
            if (strcmp(c->string, d->string) == 0)
                return bad(file, where, "duplicate key '%s'", c->string);
    }
    return 0;
}

static int get_number(const char *file, const cJSON *obj, const char *key, double *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v)
        return bad(file, NULL, "'%s' is required", key);
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return bad(file, key, "a number was expected, not %s", json_kind(v));
    *out = v->valuedouble;
    return 0;
}

static int class_code(const char *s)
{
    for (int c = CONVOY_CLASS_PASS; c <= CONVOY_CLASS_ERROR; c++)
        if (strcmp(s, convoy_class_name(c)) == 0)
            return c;
    return 0;
}

typedef struct score_input {
    double pass, marginal;
    convoy_group_weight *weights;
    size_t n_weights;
    convoy_scored_metric *metrics;
    size_t n_metrics;
    const char **groups; /* all metrics' group names, sliced per metric */
} score_input;

static void input_free(score_input *in)
{
    free(in->weights);
    free(in->metrics);
    free((void *)in->groups);
}

static int read_metrics(const char *file, const cJSON *arr, score_input *in)
{
    static const char *const keys[] = {"name", "groups", "classification", "critical"};
    size_t n = (size_t)cJSON_GetArraySize(arr), n_groups = 0, g = 0, i = 0;
    const cJSON *m;
    char where[96];

    cJSON_ArrayForEach(m, arr)
    {
        const cJSON *gs = cJSON_IsObject(m) ? cJSON_GetObjectItemCaseSensitive(m, "groups") : NULL;
        if (cJSON_IsArray(gs))
            n_groups += (size_t)cJSON_GetArraySize(gs);
    }
    in->metrics = calloc(n ? n : 1, sizeof *in->metrics);
    in->groups = calloc(n_groups ? n_groups : 1, sizeof *in->groups);
    if (!in->metrics || !in->groups)
        return bad(file, NULL, "out of memory");
    cJSON_ArrayForEach(m, arr)
    {
        convoy_scored_metric *sm = &in->metrics[i];
        snprintf(where, sizeof where, "metrics[%zu]", i);
        if (!cJSON_IsObject(m))
            return bad(file, where, "an object was expected, not %s", json_kind(m));
        if (check_keys(file, where, m, keys, sizeof keys / sizeof keys[0]))
            return -1;

        const cJSON *name = cJSON_GetObjectItemCaseSensitive(m, "name");
        if (!name)
            return bad(file, where, "'name' is required");
        if (!cJSON_IsString(name))
            return bad(file, where, "name: a string was expected, not %s", json_kind(name));
        sm->name = name->valuestring;

        const cJSON *cls = cJSON_GetObjectItemCaseSensitive(m, "classification");
        if (!cls)
            return bad(file, where, "'classification' is required");
        if (!cJSON_IsString(cls) || !(sm->classification = class_code(cls->valuestring)))
            return bad(file, where,
                       "classification: one of \"Pass\", \"High\", \"Low\", \"Nodata\", "
                       "\"NodataFail\", \"Error\" was expected%s%s%s",
                       cJSON_IsString(cls) ? ", not \"" : "",
                       cJSON_IsString(cls) ? cls->valuestring : "",
                       cJSON_IsString(cls) ? "\"" : "");

        const cJSON *crit = cJSON_GetObjectItemCaseSensitive(m, "critical");
        if (crit && !cJSON_IsBool(crit))
            return bad(file, where, "critical: a boolean was expected, not %s", json_kind(crit));
        sm->critical = cJSON_IsTrue(crit);

        const cJSON *gs = cJSON_GetObjectItemCaseSensitive(m, "groups");
        sm->groups = in->groups + g;
        if (gs) {
            const cJSON *e;
            size_t k = 0;
            if (!cJSON_IsArray(gs))
                return bad(file, where, "groups: an array was expected, not %s", json_kind(gs));
            cJSON_ArrayForEach(e, gs)
            {
                if (!cJSON_IsString(e))
                    return bad(file, where, "groups[%zu]: a string was expected, not %s", k,
                               json_kind(e));
                in->groups[g++] = e->valuestring;
                k++;
            }
            sm->n_groups = k;
        }
        i++;
    }
    in->n_metrics = i;
    return 0;
}

static int read_input(const char *file, const cJSON *root, score_input *in)
{
    static const char *const keys[] = {"pass", "marginal", "group_weights", "metrics"};

    if (!cJSON_IsObject(root))
        return bad(file, NULL, "an object was expected, not %s", json_kind(root));
    if (check_keys(file, NULL, root, keys, sizeof keys / sizeof keys[0]) ||
        get_number(file, root, "pass", &in->pass) ||
        get_number(file, root, "marginal", &in->marginal))
        return -1;

    const cJSON *gw = cJSON_GetObjectItemCaseSensitive(root, "group_weights");
    if (gw) {
        const cJSON *e;
        size_t k = 0;
        if (!cJSON_IsObject(gw))
            return bad(file, "group_weights", "an object was expected, not %s", json_kind(gw));
        for (e = gw->child; e; e = e->next)
            for (const cJSON *d = e->next; d; d = d->next)
                if (strcmp(e->string, d->string) == 0)
                    return bad(file, "group_weights", "duplicate group '%s'", e->string);
        in->weights = calloc((size_t)cJSON_GetArraySize(gw) + 1, sizeof *in->weights);
        if (!in->weights)
            return bad(file, NULL, "out of memory");
        cJSON_ArrayForEach(e, gw)
        {
            if (!cJSON_IsNumber(e) || !isfinite(e->valuedouble))
                return bad(file, "group_weights", "%s: a number was expected, not %s", e->string,
                           json_kind(e));
            in->weights[k].group = e->string;
            in->weights[k].weight = e->valuedouble;
            k++;
        }
        in->n_weights = k;
    }

    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    if (!metrics)
        return bad(file, NULL, "'metrics' is required");
    if (!cJSON_IsArray(metrics))
        return bad(file, "metrics", "an array was expected, not %s", json_kind(metrics));
    return read_metrics(file, metrics, in);
}

/* Line and column (1-based, bytes) of `at` in `text`. */
static void position(const char *text, const char *at, unsigned long *line, unsigned long *col)
{
    *line = 1;
    *col = 1;
    for (const char *p = text; p < at && *p; p++) {
        if (*p == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

int cmd_score(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0, options_done = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && a[0] == '-' && a[1] != '\0') {
            if (strcmp(a, "--") == 0)
                options_done = 1;
            else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
                return help_print(stdout, CMD) == 0 ? CLI_OK : CLI_FAIL;
            else if (strcmp(a, "--json") == 0)
                json = 1;
            else
                return usage_error(CMD, "unknown option '%s'", a);
            continue;
        }
        if (path)
            return usage_error(CMD, "one FILE only");
        path = a;
    }
    if (!path)
        return usage_error(CMD, "no FILE given");

    const char *name = gu_display_name(path);
    score_input in = {0};
    cJSON *root = NULL;
    char *explain = NULL;
    size_t len = 0;
    int status = CLI_FAIL;
    char *text = slurp(path, name, &len);

    if (!text)
        return CLI_FAIL;
    if (strlen(text) != len) {
        bad(name, NULL, "a NUL byte is not JSON text");
        goto out;
    }
    const char *end = NULL;
    root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        unsigned long line, col;
        const char *at = end ? end : cJSON_GetErrorPtr();
        position(text, at ? at : text + len, &line, &col);
        bad(name, NULL, "%lu:%lu: not valid JSON", line, col);
        goto out;
    }
    if (read_input(name, root, &in) != 0)
        goto out;

    double score = NAN;
    int label = 0;
    if (convoy_score(&score, &label, json ? NULL : &explain, in.metrics, in.n_metrics, in.weights,
                     in.n_weights, in.pass, in.marginal) != CONVOY_OK) {
        bad(name, NULL, "%s", convoy_error_message(convoy_error_last()));
        goto out;
    }
    if (json) {
        jsonw w;
        jsonw_init(&w, stdout);
        jsonw_object_begin(&w);
        jsonw_kv_double(&w, "score", score);
        jsonw_kv_string(&w, "label", convoy_score_label_name(label));
        jsonw_object_end(&w);
        putchar('\n');
    } else if (explain && *explain) {
        fputs(explain, stdout);
        if (explain[strlen(explain) - 1] != '\n')
            putchar('\n');
    } else {
        printf("score: %.2f (%s)\n", score, convoy_score_label_name(label));
    }
    status = CLI_OK;
out:
    convoy_free(explain);
    cJSON_Delete(root);
    input_free(&in);
    free(text);
    return status;
}
