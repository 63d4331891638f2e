/*
 * args.h - the options the commands share: --json, --no-policies, --help.
 */
#ifndef CONVOY_CLI_ARGS_H
#define CONVOY_CLI_ARGS_H

#include <stdint.h>

typedef struct cli_args {
    int json;              /* --json */
    int help;              /* -h / --help seen: show the command's help */
    uint32_t parse_flags;  /* CONVOY_PARSE_* (--no-policies) */
    char **operands;       /* the non-option arguments, in order */
    int n_operands;
} cli_args;

/*
 * Parse argv[1..argc) of `command` (argv[0] is the command's name). Options
 * and operands may be mixed; "--" ends the options; "-" is an operand.
 * Operands are gathered in place inside argv. Returns 0, or CLI_USAGE after
 * reporting an unknown option.
 */
int args_parse(cli_args *out, const char *command, int argc, char **argv);

#endif
