/* Internal: what the proxy renderers share. render.c checks the arguments,
 * reads the service's rules and resolves the option defaults; each
 * render_<format>.c turns that into one proxy's configuration text. */
#ifndef CONVOY_LIB_TRAFFIC_RENDER_H
#define CONVOY_LIB_TRAFFIC_RENDER_H

#include <cjson/cJSON.h>
#include <convoy/traffic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "rules.h"

typedef struct convoy__render {
    const convoy__rules *rules;
    const char *format;         /* convoy_format_name(), for messages */
    uint32_t candidate_bp;      /* 0..10000 */
    uint32_t mirror_bp;         /* 0..10000 */
    uint32_t flags;             /* CONVOY_RENDER_* */
    /* Options with their defaults applied, except the two targets: NULL
     * there means "the format's default" (formats disagree on it). */
    const char *name;
    const char *host;
    const char *namespace_name; /* NULL: omitted */
    const char *gateway;        /* NULL: omitted */
    const char *baseline_target;
    const char *candidate_target;
    int host_given;             /* Gateway API lists hostnames only when asked */
    uint32_t port;              /* 0: omitted */
} convoy__render;

/* Each renderer appends its text to `out` (render.c hands it to the
 * caller) and returns CONVOY_OK or a code already recorded with
 * convoy__fail. */
int convoy__render_haproxy(convoy__buf *out, const convoy__render *r);
int convoy__render_envoy(convoy__buf *out, const convoy__render *r);
int convoy__render_istio(convoy__buf *out, const convoy__render *r);
int convoy__render_nginx(convoy__buf *out, const convoy__render *r);
int convoy__render_gateway(convoy__buf *out, const convoy__render *r);

/* ---- shared helpers (render_util.c) ---------------------------------- */

/* A rule a format cannot express: CONVOY_E_UNSUPPORTED naming the rule and
 * `why`, or, with CONVOY_RENDER_SKIP_UNSUPPORTED, 1 ("leave it out"). */
int convoy__render_unsupported(const convoy__render *r, const convoy__rule *rule,
                               const char *why);

/* Rule checks shared by several formats: 0 when the rule passes, else as
 * convoy__render_unsupported (1: leave it out; < 0: the error).
 * Attribute conditions are known only to the host, never to a proxy. */
int convoy__render_check_attributes(const convoy__render *r, const convoy__rule *rule);
/* Formats that key header tests by name (Istio's map, Gateway API's "only
 * the first entry with a name counts") take one test per header; cookie
 * tests all fall on the Cookie header. Absent tests (Istio's
 * withoutHeaders) are a separate map. */
int convoy__render_check_one_per_header(const convoy__render *r, const convoy__rule *rule);
/* The header a condition tests in proxies that only match headers. */
const char *convoy__header_of(const convoy__condition *c);

/* The target for a variant: the option, else "<prefix><variant name>"
 * written into `tmp` (prefix "" gives "baseline"/"candidate"). */
const char *convoy__render_target(const convoy__render *r, int variant, const char *prefix,
                                  char *tmp, size_t tmp_size);

/* Appends `s` (n bytes) with every regex metacharacter escaped, in a form
 * RE2 and PCRE2 both read as the literal text. */
void convoy__regex_quote(convoy__buf *b, const char *s, size_t n);

/* Appends an anchored regex over a whole Cookie header that holds when
 * cookie c->name passes c's test (absent: the caller negates the present
 * form). In the style of Flagger's ^(.*?;)?(canary=always)(;.*)?$, but
 * allowing the space browsers put after each ';'. */
void convoy__cookie_regex(convoy__buf *b, const convoy__condition *c);

/* A weight in percent with at most two decimals ("12.5", "0.01", "100"). */
void convoy__put_percent(convoy__buf *b, uint32_t bp);

/* Prints `root` pretty into `out` and deletes it. A NULL root (a failed
 * allocation while building) is CONVOY_E_NOMEM. */
int convoy__render_json(convoy__buf *out, cJSON *root, int oom);

/* cJSON building that remembers the first failed allocation in *oom, so a
 * renderer can build the whole tree and check once. `key` NULL appends to
 * an array parent. A NULL parent only records the failure. */
cJSON *convoy__j_object(cJSON *parent, const char *key, int *oom);
cJSON *convoy__j_array(cJSON *parent, const char *key, int *oom);
void convoy__j_string(cJSON *parent, const char *key, const char *value, int *oom);
void convoy__j_number(cJSON *parent, const char *key, double value, int *oom);
void convoy__j_bool(cJSON *parent, const char *key, int value, int *oom);

#endif
