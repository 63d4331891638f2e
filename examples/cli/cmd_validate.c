/* cmd_validate.c - `convoy validate [--json] [--no-policies] PLAN...` */
#include "args.h"
#include "cli.h"
#include "load.h"
#include "report.h"

#include <convoy/convoy.h>

/* Validate one plan and print its outcome. Returns 1 when it is valid. */
static int validate_one(const char *arg, const cli_args *a, int name_in_json)
{
    convoy_plan *plan = NULL;
    convoy_diagnostics *diags = NULL;
    char err[1024];
    const char *name = load_display_name(arg);
    int rc = load_plan(&plan, &diags, arg, a->parse_flags, err, sizeof err);
    int valid = rc == CONVOY_OK;
    const char *json_file = name_in_json ? name : NULL;

    if (valid) {
        if (a->json)
            report_json(stdout, json_file, 1, NULL, NULL);
        else
            printf("%s: valid\n", name);
    } else if (convoy_diagnostics_count(diags) > 0) {
        if (a->json)
            report_json(stdout, json_file, 0, diags, NULL);
        else
            report_problems_text(stdout, name, diags);
    } else {
        report_error(name, err);
        if (a->json)
            report_json(stdout, json_file, 0, NULL, err);
    }
    convoy_diagnostics_free(diags);
    convoy_plan_free(plan);
    return valid;
}

int cmd_validate(int argc, char **argv)
{
    cli_args a;
    int all_valid = 1;

    if (args_parse(&a, "validate", argc, argv) != 0)
        return CLI_USAGE;
    if (a.help)
        return help_print(stdout, "validate") == 0 ? CLI_OK : CLI_FAIL;
    if (a.n_operands == 0)
        return usage_error("validate", "no plan given");

    for (int i = 0; i < a.n_operands; i++)
        if (!validate_one(a.operands[i], &a, a.n_operands > 1))
            all_valid = 0;
    return all_valid ? CLI_OK : CLI_FAIL;
}
