/*
 * cmd_weights.c - `convoy weights PLAN [--service S] [--json]`: the traffic
 * split of every service at every step (convoy_weights_at).
 */
#include "cli.h"
#include "fmt.h"
#include "jsonw.h"
#include "load.h"
#include "traffic_cli.h"

#include <convoy/convoy.h>
#include <stdlib.h>

#define CMD "weights"

typedef struct step_weights {
    uint32_t baseline, candidate, mirror;
} step_weights;

/* The split at every step of `svc` into a malloc'ed array (NULL when the
 * service has no steps). Returns 0, or CLI_FAIL after reporting. */
static int service_weights(step_weights **out, const convoy_service *svc)
{
    size_t n = convoy_service_step_count(svc);
    step_weights *w = NULL;

    *out = NULL;
    if (n == 0)
        return 0;
    w = calloc(n, sizeof *w);
    if (!w)
        return tc_error(CMD, "out of memory");
    for (size_t i = 0; i < n; i++) {
        int rc = convoy_weights_at(&w[i].baseline, &w[i].candidate, &w[i].mirror, svc, i);
        if (rc != CONVOY_OK) {
            free(w);
            return tc_error(CMD, "%s: step %zu: %s", convoy_service_name(svc), i,
                            tc_last_message(rc));
        }
    }
    *out = w;
    return 0;
}

static void print_text(FILE *f, const convoy_service *svc, const step_weights *w, int first)
{
    size_t n = convoy_service_step_count(svc);
    const char *cohort = convoy_service_cohort(svc);
    char b[FMT_BUF], c[FMT_BUF], m[FMT_BUF];
    int any_mirror = 0;

    for (size_t i = 0; i < n; i++)
        if (w[i].mirror)
            any_mirror = 1;
    fprintf(f, "%sservice %s", first ? "" : "\n", convoy_service_name(svc));
    if (cohort)
        fprintf(f, " (cohort %s)", cohort);
    fputc('\n', f);
    if (n == 0) {
        fputs("  no steps: promoted at once (candidate 100%)\n", f);
        return;
    }
    fprintf(f, "  %3s  %-10s  %8s  %9s%s\n", "#", "kind", "baseline", "candidate",
            any_mirror ? "  mirror" : "");
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "  %3zu  %-10s  %8s  %9s", i,
                fmt_step_kind(convoy_step_kind(convoy_service_step(svc, i))),
                fmt_weight(b, sizeof b, w[i].baseline), fmt_weight(c, sizeof c, w[i].candidate));
        if (w[i].mirror)
            fprintf(f, "  %6s", fmt_weight(m, sizeof m, w[i].mirror));
        fputc('\n', f);
    }
}

static void print_json(jsonw *j, const convoy_service *svc, const step_weights *w)
{
    size_t n = convoy_service_step_count(svc);

    jsonw_key(j, convoy_service_name(svc));
    jsonw_array_begin(j);
    for (size_t i = 0; i < n; i++) {
        jsonw_object_begin(j);
        jsonw_kv_u64(j, "step", i);
        jsonw_kv_u64(j, "baseline", w[i].baseline);
        jsonw_kv_u64(j, "candidate", w[i].candidate);
        if (w[i].mirror)
            jsonw_kv_u64(j, "mirror", w[i].mirror);
        jsonw_object_end(j);
    }
    jsonw_array_end(j);
}

int cmd_weights(int argc, char **argv)
{
    tc_args a;
    convoy_plan *plan = NULL;
    const convoy_service *only = NULL;
    int status = CLI_OK;

    status = tc_args_parse(&a, CMD, TC_OPT_SERVICE | TC_OPT_JSON, argc, argv);
    if (status != 0 || a.help) {
        tc_args_free(&a);
        if (status != 0)
            return status;
        return help_print(stdout, CMD) == 0 ? CLI_OK : CLI_FAIL;
    }

    plan = tc_load(CMD, &a);
    if (!plan) {
        tc_args_free(&a);
        return CLI_FAIL;
    }
    if (a.service) {
        only = tc_service(CMD, plan, load_display_name(a.plan), a.service);
        if (!only) {
            convoy_plan_free(plan);
            tc_args_free(&a);
            return CLI_FAIL;
        }
    }

    /* Compute everything first: an error leaves no half-written output. */
    size_t n = convoy_plan_service_count(plan);
    step_weights **all = calloc(n ? n : 1, sizeof *all);
    if (!all)
        status = tc_error(CMD, "out of memory");
    for (size_t i = 0; status == CLI_OK && i < n; i++) {
        const convoy_service *svc = convoy_plan_service(plan, i);
        if (!only || svc == only)
            status = service_weights(&all[i], svc);
    }

    if (status == CLI_OK && a.json) {
        jsonw j;
        jsonw_init(&j, stdout);
        jsonw_object_begin(&j);
        jsonw_key(&j, "services");
        jsonw_object_begin(&j);
        for (size_t i = 0; i < n; i++) {
            const convoy_service *svc = convoy_plan_service(plan, i);
            if (!only || svc == only)
                print_json(&j, svc, all[i]);
        }
        jsonw_object_end(&j);
        jsonw_object_end(&j);
        fputc('\n', stdout);
    } else if (status == CLI_OK) {
        int first = 1;
        for (size_t i = 0; i < n; i++) {
            const convoy_service *svc = convoy_plan_service(plan, i);
            if (only && svc != only)
                continue;
            print_text(stdout, svc, all[i], first);
            first = 0;
        }
    }

    if (all)
        for (size_t i = 0; i < n; i++)
            free(all[i]);
    free(all);
    convoy_plan_free(plan);
    tc_args_free(&a);
    return status;
}
