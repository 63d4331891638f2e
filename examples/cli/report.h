/*
 * report.h - print the outcome of validating a plan: problems as text lines
 * or as a JSON object.
 */
#ifndef CONVOY_CLI_REPORT_H
#define CONVOY_CLI_REPORT_H

#include <convoy/convoy.h>
#include <stdio.h>

/* What an empty JSON Pointer (the whole document) is shown as in text. */
#define REPORT_ROOT_POINTER "(root)"

/* One line per problem: "FILE:LINE:COL: POINTER: message [code-name]". */
void report_problems_text(FILE *f, const char *file, const convoy_diagnostics *diags);

/*
 * One JSON object on one line:
 *   {"file": FILE, "valid": BOOL, "errors": [{"code", "message", "pointer",
 *    "line", "column"}...], "error": MESSAGE}
 * "file" only when `file` is not NULL; "error" only when `error` is not NULL
 * (a failure that is not a problem of the plan, e.g. an unreadable file).
 * `diags` may be NULL (no errors).
 */
void report_json(FILE *f, const char *file, int valid, const convoy_diagnostics *diags,
                 const char *error);

/* "convoy: FILE: MESSAGE" on stderr. */
void report_error(const char *file, const char *message);

#endif
