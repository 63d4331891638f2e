/*
 * cmd_route.c - `convoy route PLAN --service S (--weight W | --step N)
 * [--key K] [--header N=V]... [--cookie N=V]... [--attr N=V]...
 * [--request-id ID] [--json]` and `... --bulk FILE`: which variant serves a
 * request, as a router built from the plan decides it.
 */
#include "cli.h"
#include "fmt.h"
#include "load.h"
#include "traffic_cli.h"

#include <convoy/convoy.h>
#include <stdlib.h>
#include <string.h>

#define CMD "route"

/* Same cohort: both have one and it is the same. */
static int same_cohort(const convoy_service *a, const convoy_service *b)
{
    const char *ca = convoy_service_cohort(a), *cb = convoy_service_cohort(b);
    return ca && cb && strcmp(ca, cb) == 0;
}

/*
 * A router for `plan` where `svc` (and its cohort, which moves in lockstep)
 * has the given weights and every other service sends everything to its
 * baseline. Returns NULL after reporting.
 */
static convoy_router *build_router(const convoy_plan *plan, const convoy_service *svc,
                                   uint32_t candidate_bp, uint32_t mirror_bp)
{
    size_t n = convoy_plan_service_count(plan);
    uint32_t *cand = calloc(n ? n : 1, sizeof *cand);
    uint32_t *mirr = calloc(n ? n : 1, sizeof *mirr);
    convoy_router_options opts = CONVOY_ROUTER_OPTIONS_INIT;
    convoy_router *router = NULL;

    if (!cand || !mirr) {
        tc_error(CMD, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        const convoy_service *other = convoy_plan_service(plan, i);
        if (other == svc || same_cohort(other, svc)) {
            cand[i] = candidate_bp;
            mirr[i] = mirror_bp;
        }
    }
    int rc = convoy_router_new(&router, plan, cand, mirr, n, &opts);
    if (rc != CONVOY_OK) {
        tc_error(CMD, "cannot build the router: %s", tc_last_message(rc));
        router = NULL;
    }
done:
    free(cand);
    free(mirr);
    return router;
}

static const char *key_source_text(int key_source)
{
    switch (key_source) {
    case CONVOY_KEY_STICKY: return "sticky key";
    case CONVOY_KEY_REQUEST_ID: return "keyed by the request id";
    default: return "no key";
    }
}

/* One line for people, e.g.
 *   candidate (rule canary-header; bucket 4711, sticky key)
 *   baseline (bucket 4711 > candidate weight 10%; sticky key; mirrored) */
static void print_text(FILE *f, const convoy_router *router, size_t service,
                       const convoy_route_result *res)
{
    char w[FMT_BUF];
    uint32_t cand = convoy_router_candidate_bp(router, service);
    const char *variant = res->variant == CONVOY_VARIANT_CANDIDATE ? "candidate" : "baseline";

    if (res->rule >= 0) {
        const char *rule = convoy_router_rule_name(router, service, (size_t)res->rule);
        fprintf(f, "%s (rule %s; bucket %u, %s", variant, rule ? rule : "?",
                (unsigned)res->bucket, key_source_text(res->key_source));
    } else {
        fprintf(f, "%s (bucket %u %s candidate weight %s; %s", variant, (unsigned)res->bucket,
                res->bucket <= cand ? "<=" : ">", fmt_weight(w, sizeof w, cand),
                key_source_text(res->key_source));
    }
    if (res->flags & CONVOY_ROUTE_MIRROR)
        fputs("; mirrored to the candidate", f);
    if (res->flags & CONVOY_ROUTE_REGEX_LIMIT)
        fputs("; a regex hit its limit", f);
    fputs(")\n", f);
}

static int route_one(const tc_args *a, const convoy_router *router, size_t service)
{
    convoy_request req = CONVOY_REQUEST_INIT;
    convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;

    if (a->key) {
        req.key = a->key;
        req.key_len = CONVOY_NTS;
    }
    if (a->request_id) {
        req.request_id = a->request_id;
        req.request_id_len = CONVOY_NTS;
    }
    req.headers = a->headers.items;
    req.n_headers = a->headers.n;
    req.cookies = a->cookies.items;
    req.n_cookies = a->cookies.n;
    req.attrs = a->attrs.items;
    req.n_attrs = a->attrs.n;

    int rc = convoy_router_route(&res, router, service, &req);
    if (rc != CONVOY_OK)
        return tc_error(CMD, "%s", tc_last_message(rc));

    if (!a->json) {
        print_text(stdout, router, service, &res);
        return CLI_OK;
    }
    tc_route_fmt rf;
    tc_out out;
    int status = CLI_OK;
    if (tc_out_init(&out, stdout) != 0) {
        return tc_error(CMD, "out of memory");
    }
    if (tc_route_fmt_init(&rf, router, service) != 0) {
        status = tc_error(CMD, "out of memory");
    } else {
        tc_route_json(&out, &rf, &res);
        tc_out_flush(&out);
    }
    tc_route_fmt_free(&rf);
    tc_out_free(&out);
    return status;
}

int cmd_route(int argc, char **argv)
{
    tc_args a;
    convoy_plan *plan = NULL;
    convoy_router *router = NULL;
    int status;

    status = tc_args_parse(&a, CMD, TC_OPT_SERVICE | TC_OPT_SELECT | TC_OPT_JSON | TC_OPT_REQUEST,
                           argc, argv);
    if (status != 0 || a.help) {
        tc_args_free(&a);
        if (status != 0)
            return status;
        return help_print(stdout, CMD) == 0 ? CLI_OK : CLI_FAIL;
    }
    if (a.bulk && (a.key || a.request_id || a.headers.n || a.cookies.n || a.attrs.n)) {
        tc_args_free(&a);
        return usage_error(CMD, "--bulk reads the requests from FILE: --key, --header, "
                                "--cookie, --attr and --request-id do not go with it");
    }
    if (a.bulk && strcmp(a.bulk, "-") == 0 && strcmp(a.plan, "-") == 0) {
        tc_args_free(&a);
        return usage_error(CMD, "the plan and --bulk cannot both be standard input");
    }

    plan = tc_load(CMD, &a);
    if (!plan) {
        tc_args_free(&a);
        return CLI_FAIL;
    }
    const convoy_service *svc = tc_service(CMD, plan, load_display_name(a.plan), a.service);
    uint32_t cand = 0, mirror = 0;
    if (!svc)
        status = CLI_FAIL;
    else
        status = tc_select(CMD, &a, svc, &cand, &mirror);
    if (status == CLI_OK) {
        router = build_router(plan, svc, cand, mirror);
        if (!router)
            status = CLI_FAIL;
    }
    if (status == CLI_OK) {
        size_t index = convoy_service_index(svc);
        /* The router copied what it needs: free the plan before the work. */
        convoy_plan_free(plan);
        plan = NULL;
        status = a.bulk ? route_bulk(a.bulk, router, index) : route_one(&a, router, index);
    }

    convoy_router_free(router);
    convoy_plan_free(plan);
    tc_args_free(&a);
    return status;
}
