/*
 * load.h - parse a plan named on the command line.
 */
#ifndef CONVOY_CLI_LOAD_H
#define CONVOY_CLI_LOAD_H

#include <convoy/convoy.h>
#include <stddef.h>
#include <stdint.h>

/* "-" on the command line means standard input, shown as this name. */
#define LOAD_STDIN_NAME "<stdin>"

/* The name to show for a PLAN argument. */
const char *load_display_name(const char *arg);

/*
 * Parse and validate the plan at `arg` (a path, or "-" for standard input)
 * with the given CONVOY_PARSE_* flags. Returns the library's status, with
 * *plan and *diags as convoy_plan_parse_file() leaves them. On any failure,
 * `errbuf` receives a one-line description (the library's error message, or
 * why standard input could not be read), for when there are no diagnostics
 * to show.
 */
int load_plan(convoy_plan **plan, convoy_diagnostics **diags, const char *arg,
              uint32_t flags, char *errbuf, size_t errsize);

#endif
