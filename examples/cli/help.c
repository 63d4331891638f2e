/* help.c - usage and help texts of the convoy program. */
#include "cli.h"

#include <stdarg.h>
#include <string.h>

static const char main_synopsis[] = "usage: convoy COMMAND [OPTIONS] [ARGS]\n"
                                    "       convoy --version\n";

static const char main_help[] =
    "Convoy plans coordinated, dependency-aware progressive rollouts.\n"
    "\n"
    "Commands:\n"
    "  validate PLAN...  check plans and report every problem\n"
    "  plan PLAN         show a plan: waves, steps, owners and time estimates\n"
    "  help [COMMAND]    show this help, or a command's\n"
    "\n"
    "Options:\n"
    "  --version         print the library version\n"
    "  -h, --help        show this help\n"
    "\n"
    "PLAN is a plan file (JSON), or - for standard input.\n"
    "Exit status: 0 on success, 1 for an invalid plan, an error or a bad command line.\n";

static const char validate_synopsis[] =
    "usage: convoy validate [--json] [--no-policies] PLAN...\n";

static const char validate_help[] =
    "Parse and validate each PLAN and report every problem, one per line:\n"
    "\n"
    "  FILE:LINE:COL: POINTER: message [code]\n"
    "\n"
    "POINTER is the JSON Pointer of the offending value, (root) for the whole\n"
    "document; code is the problem's stable name (unknown-key, cycle, ...).\n"
    "A valid plan prints \"FILE: valid\".\n"
    "\n"
    "Options:\n"
    "  --json         print one JSON object per line instead:\n"
    "                 {\"valid\": BOOL, \"errors\": [{\"code\", \"message\", \"pointer\",\n"
    "                 \"line\", \"column\"}]}, with a \"file\" key when several PLANs\n"
    "                 are given, and an \"error\" key when a PLAN cannot be read\n"
    "  --no-policies  skip the checks of the plan's \"policies\" block\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 when every PLAN is valid, 1 otherwise or when one cannot be read.\n";

static const char plan_synopsis[] = "usage: convoy plan [--json] [--no-policies] PLAN\n";

static const char plan_help[] =
    "Show what a plan will do: its dependency waves, and for every service the\n"
    "owner, dependencies, step table and estimated times to promote and to roll\n"
    "back, with its start and finish in the whole convoy's schedule; then the\n"
    "estimate for the whole convoy. Approvals cannot be timed (\"+ approvals\");\n"
    "analyses without a count run until stopped (\"+ unbounded background\n"
    "analysis\"). An invalid plan prints its problems as 'convoy validate' does.\n"
    "\n"
    "Options:\n"
    "  --json         print one JSON object (name, max_parallel, waves, services\n"
    "                 with steps and estimates, and the convoy's estimate)\n"
    "  --no-policies  skip the checks of the plan's \"policies\" block\n"
    "  -h, --help     show this help\n"
    "\n"
    "Exit status: 0 on success, 1 for an invalid plan or an error.\n";

static const char help_synopsis[] = "usage: convoy help [COMMAND]\n";

static const char help_help[] = "Show the help of convoy, or of COMMAND.\n";

static const struct {
    const char *name, *synopsis, *help;
} commands[] = {
    {"validate", validate_synopsis, validate_help},
    {"plan", plan_synopsis, plan_help},
    {"help", help_synopsis, help_help},
};

static int find(const char *command)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, command) == 0)
            return (int)i;
    return -1;
}

int help_print(FILE *f, const char *command)
{
    if (!command) {
        fputs(main_synopsis, f);
        fputc('\n', f);
        fputs(main_help, f);
        return 0;
    }
    int i = find(command);
    if (i < 0)
        return -1;
    fputs(commands[i].synopsis, f);
    fputc('\n', f);
    fputs(commands[i].help, f);
    return 0;
}

int usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    int i = command ? find(command) : -1;

    fputs("convoy: ", stderr);
    if (i >= 0)
        fprintf(stderr, "%s: ", command);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(i >= 0 ? commands[i].synopsis : main_synopsis, stderr);
    if (i >= 0)
        fprintf(stderr, "Try 'convoy help %s' for more information.\n", command);
    else
        fputs("Try 'convoy help' for more information.\n", stderr);
    return CLI_USAGE;
}
