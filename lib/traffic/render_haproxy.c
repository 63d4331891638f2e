/* HAProxy: runtime API commands for the stats socket. The runtime API can
 * change a server's weight but not the frontend's routing, so rules cannot
 * be expressed, and HAProxy has no request mirroring through it either:
 * the mirror weight is left out without a word, as the contract allows. */
#include "render.h"

#include <string.h>

#include "core/error.h"

/* HAProxy's own identifier characters; anything else (a space, '/')
 * would change the meaning of the command line. */
static int haproxy_ident(const char *s)
{
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.' || c == ':'))
            return 0;
    }
    return 1;
}

static int check_ident(const char *s, const char *what)
{
    if (haproxy_ident(s))
        return CONVOY_OK;
    return convoy__fail(CONVOY_E_INVALID_ARG,
                        "HAProxy %s \"%.64s\" may only hold letters, digits, '-', '_', '.' and ':'",
                        what, s);
}

int convoy__render_haproxy(convoy__buf *out, const convoy__render *r)
{
    for (size_t i = 0; i < r->rules->n_rules; i++) {
        int rc = convoy__render_unsupported(r, &r->rules->rules[i],
                                            "the runtime API sets server weights only; "
                                            "routing rules belong in the configuration file");
        if (rc < 0)
            return rc;
    }
    char tb[16], tc[16];
    const char *baseline = convoy__render_target(r, CONVOY_VARIANT_BASELINE, "", tb, sizeof tb);
    const char *candidate = convoy__render_target(r, CONVOY_VARIANT_CANDIDATE, "", tc, sizeof tc);
    int rc;
    if ((rc = check_ident(r->name, "backend")) || (rc = check_ident(baseline, "server")) ||
        (rc = check_ident(candidate, "server")))
        return rc;
    /* Weights are 0-256: round to nearest, and give the baseline the rest
     * so the two always add up to 256. */
    unsigned cand = (unsigned)((r->candidate_bp * 256u + 5000u) / 10000u);
    convoy__buf_printf(out, "set weight %s/%s %u\n", r->name, baseline, 256u - cand);
    convoy__buf_printf(out, "set weight %s/%s %u\n", r->name, candidate, cand);
    if (out->failed)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory rendering HAProxy commands");
    return CONVOY_OK;
}
