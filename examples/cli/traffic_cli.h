/*
 * traffic_cli.h - what the traffic commands (weights, route, render) share:
 * their command line, loading the plan, finding the service, choosing the
 * weights (--step / --weight) and writing route results.
 */
#ifndef CONVOY_CLI_TRAFFIC_H
#define CONVOY_CLI_TRAFFIC_H

#include <convoy/convoy.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Which options a command takes (tc_args_parse). */
#define TC_OPT_SERVICE 0x0001u  /* --service S */
#define TC_OPT_SELECT 0x0002u   /* --weight W, --step N */
#define TC_OPT_JSON 0x0004u     /* --json */
#define TC_OPT_REQUEST 0x0008u  /* --key, --header, --cookie, --attr, --request-id, --bulk */
#define TC_OPT_RENDER 0x0010u   /* --format, --name, --host, ..., --skip-unsupported */

/* A list of NAME=VALUE options, split at the first '='. */
typedef struct tc_pairs {
    convoy_pair *items;
    size_t n;
} tc_pairs;

typedef struct tc_args {
    int help;               /* -h / --help */
    int json;               /* --json */
    uint32_t parse_flags;   /* --no-policies */
    const char *plan;       /* the one operand */
    const char *service;    /* --service */
    const char *weight;     /* --weight, as written */
    const char *step;       /* --step, as written */
    /* route */
    const char *key, *request_id, *bulk;
    tc_pairs headers, cookies, attrs;
    /* render */
    const char *format, *name, *host, *namespace_name, *gateway;
    const char *baseline_target, *candidate_target, *port;
    int skip_unsupported;
} tc_args;

/*
 * Parse argv[1..argc) of `command` accepting the TC_OPT_* in `allowed`
 * (and always -h/--help, --no-policies). Options may come as "--name VALUE"
 * or "--name=VALUE" and mix with the operand. Returns 0, or CLI_USAGE after
 * reporting; with -h/--help the other checks are skipped. Free with
 * tc_args_free().
 */
int tc_args_parse(tc_args *a, const char *command, uint32_t allowed, int argc, char **argv);
void tc_args_free(tc_args *a);

/*
 * Load the plan named by a->plan, reporting problems on stderr as
 * 'convoy validate' words them. Returns the plan, or NULL after reporting.
 */
convoy_plan *tc_load(const char *command, const tc_args *a);

/*
 * The service called `name`, or NULL after reporting "no service 'name'"
 * with the closest names (or the list of services) on stderr.
 */
const convoy_service *tc_service(const char *command, const convoy_plan *plan,
                                 const char *file, const char *name);

/*
 * The weights chosen by --step N (convoy_weights_at, mirror included) or
 * --weight W (mirror 0). Exactly one must have been given. Returns 0, or
 * CLI_USAGE / CLI_FAIL after reporting.
 */
int tc_select(const char *command, const tc_args *a, const convoy_service *svc,
              uint32_t *candidate_bp, uint32_t *mirror_bp);

/* "convoy: COMMAND: message" on stderr; returns CLI_FAIL. */
int tc_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The library's message for the failure that just happened. */
const char *tc_last_message(int rc);

/* ------------------------------------------------------------------------
 * Route results as JSON lines (cmd_route.c, route_bulk.c).
 */

/* A buffered writer to a FILE: one fwrite per 64 KiB. */
typedef struct tc_out {
    FILE *f;
    char *buf;
    size_t len, cap;
    int failed; /* a write failed */
} tc_out;

int tc_out_init(tc_out *o, FILE *f);
void tc_out_put(tc_out *o, const char *s, size_t n);
/* Write what is buffered to the FILE (not fflush). */
void tc_out_flush(tc_out *o);
void tc_out_free(tc_out *o);

/* What formatting a route result needs: the router and the service's rule
 * names, escaped once as JSON strings. */
typedef struct tc_route_fmt {
    const convoy_router *router;
    size_t service;
    char **rule_json; /* "\"canary-header\"", per rule */
    size_t *rule_json_len;
    size_t n_rules;
} tc_route_fmt;

int tc_route_fmt_init(tc_route_fmt *rf, const convoy_router *router, size_t service);
void tc_route_fmt_free(tc_route_fmt *rf);

/*
 * One result as a JSON line, newline included:
 *   {"variant": "baseline"|"candidate", "rule": NAME|null, "bucket": N,
 *    "key_source": "sticky"|"request_id"|"none"[, "mirror": true]
 *    [, "regex_limit": true]}
 */
void tc_route_json(tc_out *o, const tc_route_fmt *rf, const convoy_route_result *res);

/* "sticky", "request_id" or "none". */
const char *tc_key_source_name(int key_source);

/*
 * convoy route --bulk: route every request line of `path` ("-": standard
 * input) with `router` for `service`, one JSON result (or error object)
 * per line on standard output. Returns CLI_OK, or CLI_FAIL when a line
 * was bad or reading/writing failed (reported on stderr).
 */
int route_bulk(const char *path, const convoy_router *router, size_t service);

#endif
