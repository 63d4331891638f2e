/* A service's traffic block: sticky key, cohort and routing rules. Regexes
 * are compiled here only to reject bad ones; the router compiles its own. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#include "build.h"
#include "canon.h"

static const char *const SOURCES[] = {"header", "cookie", "attribute"};
static const char *const TESTS[] = {"exact", "prefix", "suffix", "regex", "present", "absent"};
static const char *const VARIANTS[] = {"baseline", "candidate"};

static int one_of(convoy__build *b, const cJSON *obj, const cJSON **f, size_t from, size_t to,
                  const char *what, const char *list)
{
    const cJSON *seen = NULL;
    for (size_t k = from; k < to; k++) {
        if (!f[k])
            continue;
        if (seen) {
            convoy__report(b->d, CONVOY_P_CONFLICT, f[k], 1, "%s takes one of %s; \"%s\" and \"%s\" given",
                           what, list, seen->string, f[k]->string);
            return -1;
        }
        seen = f[k];
    }
    if (!seen) {
        convoy__report(b->d, CONVOY_P_MISSING, obj, 0, "%s needs one of %s", what, list);
        return -1;
    }
    for (size_t k = from; k < to; k++) {
        if (f[k] == seen)
            return (int)(k - from);
    }
    return -1;
}

static int check_regex(convoy__build *b, const cJSON *node)
{
    const char *pattern = convoy__string(b, node, 1);
    if (!pattern)
        return 0;
    int err;
    PCRE2_SIZE offset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &err,
                                   &offset, NULL);
    if (!re) {
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(err, msg, sizeof msg);
        convoy__report(b->d, CONVOY_P_REGEX, node, 0, "invalid regex at character %zu: %s",
                       (size_t)offset + 1, (const char *)msg);
        return 0;
    }
    pcre2_code_free(re);
    return 1;
}

static int check_condition(convoy__build *b, const cJSON *node)
{
    static const char *const keys[] = {"header", "cookie",  "attribute", "exact", "prefix",
                                       "suffix", "regex",   "present",   "absent"};
    const cJSON *f[COUNT_OF(keys)];
    if (!convoy__fields(b, node, "a match condition", keys, COUNT_OF(keys), f))
        return 0;
    int ok = 1;
    int src = one_of(b, node, f, 0, 3, "a match condition",
                     "\"header\", \"cookie\" or \"attribute\"");
    if (src < 0)
        ok = 0;
    else if (!convoy__string(b, f[src], 0))
        ok = 0;
    int test = one_of(b, node, f, 3, 9, "a match condition",
                      "\"exact\", \"prefix\", \"suffix\", \"regex\", \"present\" or \"absent\"");
    if (test < 0)
        return 0;
    const cJSON *v = f[3 + test];
    if (test == 3)
        return check_regex(b, v) && ok;
    if (test >= 4) {
        if (!cJSON_IsTrue(v)) {
            convoy__report(b->d, CONVOY_P_TYPE, v, 0, "\"%s\" must be true", TESTS[test]);
            return 0;
        }
        return ok;
    }
    return convoy__string(b, v, 1) && ok;
}

static int check_rule(convoy__build *b, const cJSON *node)
{
    static const char *const keys[] = {"name", "match", "variant", "weight"};
    const cJSON *f[COUNT_OF(keys)];
    if (!convoy__fields(b, node, "a routing rule", keys, COUNT_OF(keys), f))
        return 0;
    int ok = 1;
    if (f[0] && !convoy__name(b, f[0]))
        ok = 0;
    if (!f[1]) {
        convoy__report(b->d, CONVOY_P_MISSING, node, 0, "a routing rule needs \"match\"");
        ok = 0;
    } else if (!cJSON_IsArray(f[1])) {
        convoy__report(b->d, CONVOY_P_TYPE, f[1], 0, "\"match\" must be an array of conditions");
        ok = 0;
    } else if (!f[1]->child) {
        convoy__report(b->d, CONVOY_P_EMPTY, f[1], 0, "\"match\" must have at least one condition");
        ok = 0;
    } else {
        for (const cJSON *c = f[1]->child; c; c = c->next)
            ok &= check_condition(b, c);
    }
    int which = one_of(b, node, f, 2, 4, "a routing rule", "\"variant\" or \"weight\"");
    if (which == 0)
        ok &= convoy__enum(b, f[2], VARIANTS, 2) >= 0;
    else if (which == 1) {
        uint32_t bp;
        ok &= convoy__weight(b, f[3], &bp);
    } else {
        ok = 0;
    }
    return ok;
}

void convoy__build_traffic(convoy__build *b, convoy_service *svc, convoy__svc_build *sb,
                           const cJSON *traffic)
{
    static const char *const keys[] = {"sticky", "cohort", "rules"};
    const cJSON *f[3];
    if (!convoy__fields(b, traffic, "traffic", keys, 3, f))
        return;
    int ok = 1;
    if (f[0]) {
        const cJSON *sf[3];
        if (!convoy__fields(b, f[0], "\"sticky\"", SOURCES, 3, sf)) {
            ok = 0;
        } else {
            int src = one_of(b, f[0], sf, 0, 3, "\"sticky\"", "\"header\", \"cookie\" or \"attribute\"");
            if (src < 0 || !convoy__string(b, sf[src], 0))
                ok = 0;
        }
        sb->sticky_node = f[0];
    }
    if (f[1]) {
        const char *cohort = convoy__name(b, f[1]);
        if (cohort) {
            svc->cohort = convoy__dup(b, cohort);
            sb->cohort_node = f[1];
        } else {
            ok = 0;
        }
    }
    if (f[2]) {
        if (!cJSON_IsArray(f[2])) {
            convoy__report(b->d, CONVOY_P_TYPE, f[2], 0, "\"rules\" must be an array of rules");
            ok = 0;
        } else {
            for (const cJSON *r = f[2]->child; r; r = r->next)
                ok &= check_rule(b, r);
            /* Two rules with one name would make route results ambiguous. */
            for (const cJSON *r = f[2]->child; r; r = r->next) {
                const cJSON *n = cJSON_GetObjectItemCaseSensitive(r, "name");
                for (const cJSON *q = f[2]->child; n && cJSON_IsString(n) && q != r; q = q->next) {
                    const cJSON *m = cJSON_GetObjectItemCaseSensitive(q, "name");
                    if (m && cJSON_IsString(m) && strcmp(m->valuestring, n->valuestring) == 0) {
                        convoy__report(b->d, CONVOY_P_DUPLICATE, n, 0,
                                       "two routing rules are named \"%s\"", n->valuestring);
                        ok = 0;
                        break;
                    }
                }
            }
        }
    }
    if (!ok)
        return;
    svc->sticky_json = f[0] ? convoy__canonical(b, f[0]) : NULL;
    svc->traffic_json = convoy__canonical(b, traffic);
}
