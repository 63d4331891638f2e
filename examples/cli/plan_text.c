/* plan_text.c - `convoy plan` output for people. */
#include "fmt.h"
#include "plan_view.h"

#include <inttypes.h>

static const char *or_none(const char *s)
{
    return s ? s : "(none)";
}

/* " + approvals + unbounded background analysis", as the flags say. */
static void print_notes(FILE *f, uint32_t flags)
{
    if (flags & CONVOY_ESTIMATE_APPROVALS)
        fputs(" + approvals", f);
    if (flags & CONVOY_ESTIMATE_UNBOUNDED)
        fputs(" + unbounded background analysis", f);
}

static void print_waves(FILE *f, const convoy_plan *plan)
{
    size_t n = convoy_plan_wave_count(plan);

    fputs("waves:\n", f);
    for (size_t w = 0; w < n; w++) {
        size_t size = convoy_plan_wave_size(plan, w);
        fprintf(f, "  wave %zu:", w);
        for (size_t i = 0; i < size; i++)
            fprintf(f, "%s %s", i ? "," : "",
                    or_none(convoy_service_name(convoy_plan_wave_service(plan, w, i))));
        fputc('\n', f);
    }
}

static void print_dependencies(FILE *f, const convoy_service *svc)
{
    size_t n = convoy_service_dependency_count(svc);

    fputs("  depends on:", f);
    if (n == 0)
        fputs(" (none)", f);
    for (size_t i = 0; i < n; i++) {
        int32_t step = convoy_service_dependency_step(svc, i);
        fprintf(f, "%s %s", i ? "," : "",
                or_none(convoy_service_name(convoy_service_dependency(svc, i))));
        if (step >= 0)
            fprintf(f, " (after step %" PRId32 ")", step);
    }
    fputc('\n', f);
}

/* The last column of the step table: what the step waits for or runs.
 * Empty for set_weight, whose weight is already in its own column. */
static const char *step_detail(char *buf, size_t size, const convoy_step *st)
{
    char d[FMT_BUF];

    buf[0] = '\0';
    switch (convoy_step_kind(st)) {
    case CONVOY_STEP_PAUSE:
        snprintf(buf, size, "%s", fmt_duration(d, sizeof d, convoy_step_duration_ms(st)));
        break;
    case CONVOY_STEP_APPROVAL:
        if (convoy_step_timeout_ms(st))
            snprintf(buf, size, "timeout %s",
                     fmt_duration(d, sizeof d, convoy_step_timeout_ms(st)));
        else
            snprintf(buf, size, "until approved");
        break;
    case CONVOY_STEP_ANALYSIS:
        snprintf(buf, size, "%s", or_none(convoy_analysis_name(convoy_step_analysis(st))));
        break;
    case CONVOY_STEP_WEBHOOK: {
        const char *type = convoy_step_webhook_type(st);
        snprintf(buf, size, "%s (%s%stimeout %s)", or_none(convoy_step_webhook_name(st)),
                 type ? type : "", type ? ", " : "",
                 fmt_duration(d, sizeof d, convoy_step_timeout_ms(st)));
        break;
    }
    case CONVOY_STEP_SET_MIRROR:
        snprintf(buf, size, "mirror %s", fmt_weight(d, sizeof d, convoy_step_mirror_bp(st)));
        break;
    default:
        break;
    }
    return buf;
}

static void print_steps(FILE *f, const convoy_service *svc)
{
    size_t n = convoy_service_step_count(svc);
    char w[FMT_BUF], detail[600];

    if (n == 0) {
        fputs("  steps:      none (promoted at once)\n", f);
        return;
    }
    fputs("  steps:\n", f);
    fprintf(f, "    %3s  %-10s  %7s  %s\n", "#", "kind", "weight", "detail");
    for (size_t i = 0; i < n; i++) {
        const convoy_step *st = convoy_service_step(svc, i);
        step_detail(detail, sizeof detail, st);
        fprintf(f, "    %3zu  %-10s  %7s%s%s\n", i, fmt_step_kind(convoy_step_kind(st)),
                fmt_weight(w, sizeof w, convoy_step_weight_bp(st)), *detail ? "  " : "", detail);
    }
}

static void print_service(FILE *f, const convoy_service *svc, const svc_estimate *e)
{
    const char *base = convoy_service_baseline(svc), *cand = convoy_service_candidate(svc);
    const char *cohort = convoy_service_cohort(svc);
    char d1[FMT_BUF], d2[FMT_BUF];

    fprintf(f, "\nservice %s\n", or_none(convoy_service_name(svc)));
    fprintf(f, "  owner:      %s\n", or_none(convoy_service_owner(svc)));
    fprintf(f, "  wave:       %zu\n", convoy_service_wave(svc));
    if (base || cand)
        fprintf(f, "  versions:   %s -> %s\n", base ? base : "?", cand ? cand : "?");
    if (cohort)
        fprintf(f, "  cohort:     %s\n", cohort);
    print_dependencies(f, svc);
    print_steps(f, svc);
    fprintf(f, "  promote:    %s", fmt_duration(d1, sizeof d1, e->promote_ms));
    print_notes(f, e->flags);
    fprintf(f, "\n  roll back:  %s\n", fmt_duration(d1, sizeof d1, e->rollback_ms));
    fprintf(f, "  schedule:   starts at %s, finishes at %s\n",
            fmt_duration(d1, sizeof d1, e->start_ms), fmt_duration(d2, sizeof d2, e->finish_ms));
}

void plan_print_text(FILE *f, const plan_view *v)
{
    uint32_t max_parallel = convoy_plan_max_parallel(v->plan);
    char d[FMT_BUF];

    fprintf(f, "plan: %s\n", or_none(convoy_plan_name(v->plan)));
    if (max_parallel)
        fprintf(f, "max parallel: %" PRIu32 "\n", max_parallel);
    else
        fputs("max parallel: unlimited\n", f);
    print_waves(f, v->plan);

    for (size_t i = 0; i < v->n_services; i++)
        print_service(f, convoy_plan_service(v->plan, i), &v->services[i]);

    fputs("\nconvoy:\n", f);
    fprintf(f, "  promote:    %s", fmt_duration(d, sizeof d, v->promote_ms));
    print_notes(f, v->flags);
    fprintf(f, "\n  roll back:  %s\n", fmt_duration(d, sizeof d, v->rollback_ms));
}
