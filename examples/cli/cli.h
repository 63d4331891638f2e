/*
 * cli.h - what the pieces of the convoy command-line program share.
 */
#ifndef CONVOY_CLI_H
#define CONVOY_CLI_H

#include <stdio.h>

/* Exit statuses. */
#define CLI_OK 0
#define CLI_FAIL 1  /* an invalid plan, a library or I/O error */
#define CLI_USAGE 1 /* a bad command line */

/* Commands. argv[0] is the command's name; they return an exit status. */
int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_judge(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_criteria(int argc, char **argv);
int cmd_weights(int argc, char **argv);
int cmd_route(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_simulate(int argc, char **argv);

/* help.c: print the help of `command` (NULL: the program's) to `f`.
 * Returns 0, or -1 when there is no such command. */
int help_print(FILE *f, const char *command);
/* help.c: "convoy: [COMMAND: ]MESSAGE" and the short usage on stderr;
 * returns CLI_USAGE. */
int usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
