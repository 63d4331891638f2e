/*
 * cmd_render.c - `convoy render PLAN --service S (--step N | --weight W)
 * --format haproxy|envoy|istio|nginx|gateway-api [--name N] [--host H]
 * [--namespace NS] [--gateway G] [--baseline-target T] [--candidate-target T]
 * [--port P] [--skip-unsupported]`: proxy configuration for a traffic split
 * (convoy_render).
 */
#include "cli.h"
#include "load.h"
#include "traffic_cli.h"

#include <convoy/convoy.h>
#include <string.h>

#define CMD "render"

/* A TCP port, 1-65535, decimal digits only. Returns 0 or -1. */
static int parse_port(const char *s, uint32_t *out)
{
    uint32_t v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (uint32_t)(*s - '0');
        if (v > 65535)
            return -1;
    }
    if (v == 0)
        return -1;
    *out = v;
    return 0;
}

int cmd_render(int argc, char **argv)
{
    tc_args a;
    convoy_render_options opts = CONVOY_RENDER_OPTIONS_INIT;
    convoy_plan *plan = NULL;
    char *text = NULL;
    size_t len = 0;
    int format, status;

    status = tc_args_parse(&a, CMD, TC_OPT_SERVICE | TC_OPT_SELECT | TC_OPT_RENDER, argc, argv);
    if (status != 0 || a.help) {
        tc_args_free(&a);
        if (status != 0)
            return status;
        return help_print(stdout, CMD) == 0 ? CLI_OK : CLI_FAIL;
    }
    if (!a.format) {
        tc_args_free(&a);
        return usage_error(CMD, "--format is required (haproxy, envoy, istio, nginx or "
                                "gateway-api)");
    }
    format = convoy_format_from_name(a.format);
    if (format < 0) {
        status = usage_error(CMD, "unknown format '%s' (haproxy, envoy, istio, nginx or "
                                  "gateway-api)", a.format);
        tc_args_free(&a);
        return status;
    }
    if (a.port && parse_port(a.port, &opts.port) != 0) {
        status = usage_error(CMD, "--port '%s': a port number 1-65535 was expected", a.port);
        tc_args_free(&a);
        return status;
    }
    opts.name = a.name;
    opts.host = a.host;
    opts.namespace_name = a.namespace_name;
    opts.gateway = a.gateway;
    opts.baseline_target = a.baseline_target;
    opts.candidate_target = a.candidate_target;
    if (a.skip_unsupported)
        opts.flags |= CONVOY_RENDER_SKIP_UNSUPPORTED;

    plan = tc_load(CMD, &a);
    if (!plan) {
        tc_args_free(&a);
        return CLI_FAIL;
    }
    const convoy_service *svc = tc_service(CMD, plan, load_display_name(a.plan), a.service);
    uint32_t cand = 0, mirror = 0;
    status = svc ? tc_select(CMD, &a, svc, &cand, &mirror) : CLI_FAIL;
    if (status == CLI_OK) {
        int rc = convoy_render(&text, &len, plan, convoy_service_name(svc), cand, mirror, format,
                               &opts);
        if (rc == CONVOY_E_UNSUPPORTED)
            status = tc_error(CMD, "%s (--skip-unsupported leaves such rules out)",
                              tc_last_message(rc));
        else if (rc != CONVOY_OK)
            status = tc_error(CMD, "%s", tc_last_message(rc));
    }
    if (status == CLI_OK && text) {
        fwrite(text, 1, len, stdout);
        if (len == 0 || text[len - 1] != '\n')
            fputc('\n', stdout);
    }

    convoy_free(text);
    convoy_plan_free(plan);
    tc_args_free(&a);
    return status;
}
