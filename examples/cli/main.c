/*
 * main.c - the convoy command-line program: dispatch to the commands.
 *
 * Uses only the public API of libconvoy (<convoy/convoy.h>).
 */
#include "cli.h"

#include <convoy/convoy.h>
#include <errno.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"validate", cmd_validate},
    {"plan", cmd_plan},
    {"judge", cmd_judge},
    {"score", cmd_score},
    {"criteria", cmd_criteria},
    {"weights", cmd_weights},
    {"route", cmd_route},
    {"render", cmd_render},
    {"simulate", cmd_simulate},
};

static int is_help_flag(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int cmd_help(int argc, char **argv)
{
    if (argc > 2)
        return usage_error("help", "too many arguments");
    if (argc == 2 && is_help_flag(argv[1]))
        return help_print(stdout, "help") == 0 ? CLI_OK : CLI_FAIL;
    if (argc == 2 && help_print(stdout, argv[1]) != 0)
        return usage_error(NULL, "unknown command '%s'", argv[1]);
    if (argc < 2)
        help_print(stdout, NULL);
    return CLI_OK;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(NULL, "no command given");

    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0) {
        if (argc > 2)
            return usage_error(NULL, "--version takes no arguments");
        printf("convoy %s\n", convoy_version());
        return CLI_OK;
    }
    if (is_help_flag(cmd)) {
        help_print(stdout, NULL);
        return CLI_OK;
    }
    if (strcmp(cmd, "help") == 0)
        return cmd_help(argc - 1, argv + 1);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, cmd) == 0)
            return commands[i].run(argc - 1, argv + 1);
    if (cmd[0] == '-')
        return usage_error(NULL, "unknown option '%s'", cmd);
    return usage_error(NULL, "unknown command '%s'", cmd);
}

int main(int argc, char **argv)
{
    int status = dispatch(argc, argv);

    /* A full disk or a closed pipe must not pass for success. */
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "convoy: writing the output failed%s%s\n", errno ? ": " : "",
                errno ? strerror(errno) : "");
        return CLI_FAIL;
    }
    return status;
}
