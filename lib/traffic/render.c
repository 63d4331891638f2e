/* convoy_render: argument checks, option defaults, finding the service and
 * its rules, then one renderer per format. */
#include "render.h"

#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/versioned.h"

typedef int (*render_fn)(convoy__buf *out, const convoy__render *r);

static const struct {
    const char *name;
    render_fn fn;
} FORMATS[] = {
    [CONVOY_FORMAT_HAPROXY] = {"haproxy", convoy__render_haproxy},
    [CONVOY_FORMAT_ENVOY] = {"envoy", convoy__render_envoy},
    [CONVOY_FORMAT_ISTIO] = {"istio", convoy__render_istio},
    [CONVOY_FORMAT_NGINX] = {"nginx", convoy__render_nginx},
    [CONVOY_FORMAT_GATEWAY_API] = {"gateway-api", convoy__render_gateway},
};
#define N_FORMATS (sizeof FORMATS / sizeof FORMATS[0])

int convoy_format_from_name(const char *name)
{
    for (size_t i = 1; name && i < N_FORMATS; i++)
        if (strcmp(FORMATS[i].name, name) == 0)
            return (int)i;
    return convoy__fail(CONVOY_E_NOT_FOUND,
                        "unknown proxy format \"%.64s\" (known: haproxy, envoy, istio, nginx, "
                        "gateway-api)",
                        name ? name : "(null)");
}

const char *convoy_format_name(int format)
{
    if (format < 1 || (size_t)format >= N_FORMATS)
        return NULL;
    return FORMATS[format].name;
}

int convoy_render_options_init(convoy_render_options *opts, uint32_t version)
{
    static const convoy_render_options defaults = CONVOY_RENDER_OPTIONS_INIT;
    return convoy__init_versioned(opts, version, CONVOY_RENDER_OPTIONS_VERSION, &defaults,
                                  sizeof defaults, "convoy_render_options");
}

/* An empty name would give configuration no proxy accepts; say so here
 * rather than let the proxy reject it later. */
static int nonempty(const char *value, const char *what)
{
    if (value && !*value)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_render: options.%s is empty", what);
    return CONVOY_OK;
}

static int apply_options(convoy__render *r, const convoy_render_options *opts)
{
    r->name = r->rules->service;
    r->host = r->rules->service;
    if (!opts)
        return CONVOY_OK;
    if (opts->version != CONVOY_RENDER_OPTIONS_VERSION)
        return convoy__fail(CONVOY_E_VERSION,
                            "convoy_render_options version %u is not supported (this library "
                            "knows %u)",
                            (unsigned)opts->version, (unsigned)CONVOY_RENDER_OPTIONS_VERSION);
    int rc;
    if ((rc = nonempty(opts->name, "name")) || (rc = nonempty(opts->host, "host")) ||
        (rc = nonempty(opts->namespace_name, "namespace_name")) ||
        (rc = nonempty(opts->gateway, "gateway")) ||
        (rc = nonempty(opts->baseline_target, "baseline_target")) ||
        (rc = nonempty(opts->candidate_target, "candidate_target")))
        return rc;
    r->flags = opts->flags;
    if (opts->name)
        r->name = opts->name;
    if (opts->host) {
        r->host = opts->host;
        r->host_given = 1;
    }
    r->namespace_name = opts->namespace_name;
    r->gateway = opts->gateway;
    r->baseline_target = opts->baseline_target;
    r->candidate_target = opts->candidate_target;
    r->port = opts->port;
    return CONVOY_OK;
}

int convoy_render(char **out, size_t *len_out, const convoy_plan *plan, const char *service,
                  uint32_t candidate_bp, uint32_t mirror_bp, int format,
                  const convoy_render_options *opts)
{
    if (out)
        *out = NULL;
    if (len_out)
        *len_out = 0;
    if (!out || !plan || !service)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_render: NULL argument");
    if (candidate_bp > 10000 || mirror_bp > 10000)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_render: weights are basis points 0-10000 (got candidate %u, "
                            "mirror %u)",
                            (unsigned)candidate_bp, (unsigned)mirror_bp);
    const char *format_name = convoy_format_name(format);
    if (!format_name)
        return convoy__fail(CONVOY_E_NOT_FOUND, "convoy_render: unknown format %d", format);
    const convoy_service *svc = convoy_plan_service_by_name(plan, service);
    if (!svc)
        return convoy__fail(CONVOY_E_NOT_FOUND, "convoy_render: no service \"%.64s\" in the plan",
                            service);

    convoy__rules *rules = NULL;
    int rc = convoy__rules_read(&rules, svc);
    if (rc != CONVOY_OK)
        return rc;
    convoy__render r = {0};
    r.rules = rules;
    r.format = format_name;
    r.candidate_bp = candidate_bp;
    r.mirror_bp = mirror_bp;
    rc = apply_options(&r, opts);

    convoy__buf b = {0};
    if (rc == CONVOY_OK)
        rc = FORMATS[format].fn(&b, &r);
    convoy__rules_free(rules);
    if (rc != CONVOY_OK) {
        convoy__buf_free(&b);
        return rc;
    }
    size_t len = b.len;
    char *text = convoy__buf_take(&b);
    if (!text)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory rendering %s configuration", format_name);
    *out = text;
    if (len_out)
        *len_out = len;
    return CONVOY_OK;
}
