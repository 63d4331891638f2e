/* The per-request matching both routing entry points share: a request's
 * values by source (headers, cookies, attributes), the rule that decides
 * and the sticky key. Runs on every request: no allocation, no lock (PCRE2
 * match data is per thread). */
#include <string.h>

#include "route_request.h"

static int same_ci(const char *a, const char *lower, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)a[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)lower[i])
            return 0;
    }
    return 1;
}

static int find_header(convoy__text *out, const convoy_request *req, const char *lower,
                       size_t n)
{
    for (size_t i = 0; i < req->n_headers; i++) {
        convoy__text name = convoy__measure(req->headers[i].name, req->headers[i].name_len);
        if (name.len == n && same_ci(name.s, lower, n)) {
            *out = convoy__measure(req->headers[i].value, req->headers[i].value_len);
            return 1;
        }
    }
    return 0;
}

static int find_exact(convoy__text *out, const convoy_pair *pairs, size_t n_pairs,
                      const char *name, size_t n)
{
    for (size_t i = 0; i < n_pairs; i++) {
        convoy__text t = convoy__measure(pairs[i].name, pairs[i].name_len);
        if (t.len == n && memcmp(t.s, name, n) == 0) {
            *out = convoy__measure(pairs[i].value, pairs[i].value_len);
            return 1;
        }
    }
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* A cookie in one Cookie header value: "a=1; b=2" (RFC 6265 section 4.2). */
static int find_in_cookie_header(convoy__text *out, convoy__text header, const char *name,
                                 size_t n)
{
    const char *p = header.s, *end = header.s + header.len;
    while (p < end) {
        while (p < end && (is_space(*p) || *p == ';'))
            p++;
        const char *pair = p;
        while (p < end && *p != ';')
            p++;
        const char *pair_end = p;
        const char *eq = memchr(pair, '=', (size_t)(pair_end - pair));
        if (!eq)
            continue;
        const char *name_end = eq;
        while (name_end > pair && is_space(name_end[-1]))
            name_end--;
        if ((size_t)(name_end - pair) != n || memcmp(pair, name, n) != 0)
            continue;
        const char *v = eq + 1;
        while (v < pair_end && is_space(*v))
            v++;
        while (pair_end > v && is_space(pair_end[-1]))
            pair_end--;
        out->s = v;
        out->len = (size_t)(pair_end - v);
        return 1;
    }
    return 0;
}

static int find_cookie(convoy__text *out, const convoy_request *req, const char *name,
                       size_t n)
{
    if (find_exact(out, req->cookies, req->n_cookies, name, n))
        return 1;
    for (size_t i = 0; i < req->n_headers; i++) {
        convoy__text h = convoy__measure(req->headers[i].name, req->headers[i].name_len);
        if (h.len == 6 && same_ci(h.s, "cookie", 6) &&
            find_in_cookie_header(
                out, convoy__measure(req->headers[i].value, req->headers[i].value_len), name, n))
            return 1;
    }
    return 0;
}

int convoy__find_value(convoy__text *out, const convoy_request *req, int source,
                       const char *name, size_t n)
{
    switch (source) {
    case CONVOY__SRC_HEADER:
        return find_header(out, req, name, n);
    case CONVOY__SRC_COOKIE:
        return find_cookie(out, req, name, n);
    case CONVOY__SRC_ATTRIBUTE:
        return find_exact(out, req->attrs, req->n_attrs, name, n);
    default:
        return 0;
    }
}

/* Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
 * U+10FFFF). Checked here rather than by PCRE2's invalid-UTF mode, whose
 * interpreter can still match around a bad byte. */
static int valid_utf8(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        unsigned char lo = 0x80, hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf)
            need = 1;
        else if (c >= 0xe0 && c <= 0xef) {
            need = 2;
            if (c == 0xe0)
                lo = 0xa0;
            else if (c == 0xed)
                hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            need = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f;
        } else {
            return 0;
        }
        if (n - i <= need || p[i + 1] < lo || p[i + 1] > hi)
            return 0;
        for (size_t k = 2; k <= need; k++)
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
        i += need + 1;
    }
    return 1;
}

static int regex_matches(const convoy__ruleset *rs, const pcre2_code *re, convoy__text v,
                         uint32_t *flags)
{
    if (v.len > rs->max_value_bytes || !valid_utf8((const unsigned char *)v.s, v.len))
        return 0;
    pcre2_match_data *md = convoy__thread_match_data();
    if (!md) {
        *flags |= CONVOY_ROUTE_REGEX_LIMIT;
        return 0;
    }
    int rc = pcre2_match(re, (PCRE2_SPTR)v.s, v.len, 0, PCRE2_NO_UTF_CHECK, md, rs->match_context);
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
        rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
        rc == PCRE2_ERROR_NOMEMORY)
        *flags |= CONVOY_ROUTE_REGEX_LIMIT;
    return 0;
}

static int condition_holds(const convoy__ruleset *rs, const convoy__condition *c,
                           const pcre2_code *re, const convoy_request *req, uint32_t *flags)
{
    convoy__text v;
    int found = convoy__find_value(&v, req, c->source, c->name, c->name_len);
    switch (c->test) {
    case CONVOY__TEST_PRESENT:
        return found;
    case CONVOY__TEST_ABSENT:
        return !found;
    case CONVOY__TEST_EXACT:
        return found && v.len == c->value_len && memcmp(v.s, c->value, v.len) == 0;
    case CONVOY__TEST_PREFIX:
        return found && v.len >= c->value_len && memcmp(v.s, c->value, c->value_len) == 0;
    case CONVOY__TEST_SUFFIX:
        return found && v.len >= c->value_len &&
               memcmp(v.s + v.len - c->value_len, c->value, c->value_len) == 0;
    case CONVOY__TEST_REGEX:
        return found && re && regex_matches(rs, re, v, flags);
    default:
        return 0;
    }
}

int32_t convoy__first_rule(const convoy__ruleset *rs, const convoy__route_service *s,
                           const convoy_request *req, uint32_t *flags)
{
    size_t k = 0;
    for (size_t r = 0; r < s->rules->n_rules; r++) {
        const convoy__rule *rule = &s->rules->rules[r];
        size_t c = 0;
        for (; c < rule->n_conditions; c++)
            if (!condition_holds(rs, &rule->conditions[c], s->regex ? s->regex[k + c] : NULL, req,
                                 flags))
                break;
        if (c == rule->n_conditions)
            return (int32_t)r;
        k += rule->n_conditions;
    }
    return -1;
}
