/* cmd_plan.c - `convoy plan [--json] [--no-policies] PLAN` */
#include "args.h"
#include "cli.h"
#include "load.h"
#include "plan_view.h"
#include "report.h"

#include <convoy/convoy.h>
#include <stdlib.h>

/* The message of the failure that just happened (borrowed from the library). */
static const char *last_message(int rc)
{
    const char *msg = convoy_error_message(convoy_error_last());
    return msg && *msg ? msg : convoy_strerror(rc);
}

/* Gather the estimates. Returns 0, or CLI_FAIL after reporting. */
static int build_view(plan_view *v, const convoy_plan *plan, const char *name)
{
    int rc;

    v->plan = plan;
    v->n_services = convoy_plan_service_count(plan);
    v->services = calloc(v->n_services ? v->n_services : 1, sizeof *v->services);
    if (!v->services) {
        report_error(name, "out of memory");
        return CLI_FAIL;
    }
    for (size_t i = 0; i < v->n_services; i++) {
        const convoy_service *svc = convoy_plan_service(plan, i);
        svc_estimate *e = &v->services[i];
        rc = convoy_service_estimate(&e->promote_ms, &e->rollback_ms, &e->flags, svc);
        if (rc == CONVOY_OK)
            rc = convoy_service_schedule(&e->start_ms, &e->finish_ms, svc);
        if (rc != CONVOY_OK) {
            report_error(name, last_message(rc));
            return CLI_FAIL;
        }
    }
    rc = convoy_plan_estimate(&v->promote_ms, &v->rollback_ms, &v->flags, plan);
    if (rc != CONVOY_OK) {
        report_error(name, last_message(rc));
        return CLI_FAIL;
    }
    return 0;
}

int cmd_plan(int argc, char **argv)
{
    cli_args a;
    convoy_plan *plan = NULL;
    convoy_diagnostics *diags = NULL;
    plan_view view = {0};
    char err[1024];
    int status = CLI_OK;

    if (args_parse(&a, "plan", argc, argv) != 0)
        return CLI_USAGE;
    if (a.help)
        return help_print(stdout, "plan") == 0 ? CLI_OK : CLI_FAIL;
    if (a.n_operands == 0)
        return usage_error("plan", "no plan given");
    if (a.n_operands > 1)
        return usage_error("plan", "one plan at a time ('%s' is extra)", a.operands[1]);

    const char *name = load_display_name(a.operands[0]);
    int rc = load_plan(&plan, &diags, a.operands[0], a.parse_flags, err, sizeof err);
    if (rc != CONVOY_OK) {
        /* Report it as `convoy validate` would. */
        int has_problems = convoy_diagnostics_count(diags) > 0;
        if (!has_problems)
            report_error(name, err);
        if (a.json)
            report_json(stdout, NULL, 0, diags, has_problems ? NULL : err);
        else if (has_problems)
            report_problems_text(stdout, name, diags);
        status = CLI_FAIL;
    } else if (build_view(&view, plan, name) != 0) {
        status = CLI_FAIL;
    } else if (a.json) {
        plan_print_json(stdout, &view);
    } else {
        plan_print_text(stdout, &view);
    }

    free(view.services);
    convoy_diagnostics_free(diags);
    convoy_plan_free(plan);
    return status;
}
