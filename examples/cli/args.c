/* args.c - option parsing shared by the commands. */
#include "args.h"

#include "cli.h"

#include <convoy/convoy.h>
#include <string.h>

int args_parse(cli_args *out, const char *command, int argc, char **argv)
{
    int options_done = 0, n = 0;

    memset(out, 0, sizeof *out);
    out->operands = argv + 1;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            argv[1 + n++] = a; /* never ahead of i: safe in place */
            continue;
        }
        if (strcmp(a, "--") == 0)
            options_done = 1;
        else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
            out->help = 1;
        else if (strcmp(a, "--json") == 0)
            out->json = 1;
        else if (strcmp(a, "--no-policies") == 0)
            out->parse_flags |= CONVOY_PARSE_SKIP_POLICIES;
        else
            return usage_error(command, "unknown option '%s'", a);
    }
    out->n_operands = n;
    return 0;
}
