/* nginx: a snippet for the http context that leaves the upstream name in
 * $convoy_<name>_upstream, for `proxy_pass http://$convoy_<name>_upstream;`.
 *
 * nginx has no ordered rule list, so the rules become a chain of `map`
 * blocks: rule i's condition j maps its source variable either to the map
 * of condition j+1 (or the rule's target, after the last condition) or,
 * by default, to rule i+1's first map; after the last rule comes the
 * weighted split. Maps are evaluated lazily, only along the chain a
 * request walks, so first match wins and all conditions must hold.
 *
 * Every value test is a case-sensitive regex (`~`): map's plain string
 * keys compare case-insensitively, which Convoy's exact test does not. An
 * empty value and a missing one are the same to nginx, so "present" means
 * "present and non-empty" here. */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"

typedef struct nginx_ctx {
    const convoy__render *r;
    convoy__buf *out;
    char prefix[300];          /* "convoy_<name>" with non-alphanumerics as '_' */
    const char *baseline, *candidate;
    convoy__buf tmp;
} nginx_ctx;

/* A double-quoted nginx string: its parser turns \\ and \" back into one
 * character. '$' needs no escape where this is used: map keys and
 * split_clients values are never interpolated. */
static void put_quoted(convoy__buf *b, const char *s, size_t n)
{
    convoy__buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            convoy__buf_putc(b, '\\');
        convoy__buf_putc(b, s[i]);
    }
    convoy__buf_putc(b, '"');
}

/* Map values are interpolated, so a target with '$' would become a
 * variable reference; nginx has no escape for it. */
static int check_target(const char *s)
{
    for (const char *p = s; *p; p++)
        if (*p == '$' || (unsigned char)*p < 0x20 || *p == 0x7f)
            return convoy__fail(CONVOY_E_INVALID_ARG,
                                "nginx upstream name \"%.64s\" cannot hold '$' or control "
                                "characters",
                                s);
    return CONVOY_OK;
}

static int var_chars(const char *s, size_t n, int allow_dash)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || (allow_dash && c == '-')))
            return 0;
    }
    return n > 0;
}

/* nginx exposes header "X-Foo" as $http_x_foo; with its default
 * ignore_invalid_headers it drops names with other characters. */
static int header_var_ok(const convoy__condition *c)
{
    return var_chars(c->name, c->name_len, 1);
}

static void put_header_var(convoy__buf *b, const char *name, size_t n)
{
    convoy__buf_puts(b, "$http_");
    for (size_t i = 0; i < n; i++)
        convoy__buf_putc(b, name[i] == '-' ? '_' : name[i]);
}

/* A cookie whose name is a valid variable name has $cookie_<name>;
 * others are found in $http_cookie by regex. */
static int cookie_var_ok(const char *name, size_t n)
{
    return var_chars(name, n, 0);
}

static void put_split(nginx_ctx *x, const char *key, const char *var, uint32_t bp)
{
    convoy__buf *b = x->out;
    convoy__buf_printf(b, "split_clients \"%s\" %s {\n", key, var);
    /* split_clients rejects "0%"; "*" alone takes everything. */
    if (bp == 10000) {
        convoy__buf_puts(b, "    * ");
        put_quoted(b, x->candidate, strlen(x->candidate));
        convoy__buf_puts(b, ";\n}\n");
        return;
    }
    if (bp > 0) {
        convoy__buf_puts(b, "    ");
        convoy__put_percent(b, bp);
        convoy__buf_puts(b, "% ");
        put_quoted(b, x->candidate, strlen(x->candidate));
        convoy__buf_puts(b, ";\n");
    }
    convoy__buf_puts(b, "    * ");
    put_quoted(b, x->baseline, strlen(x->baseline));
    convoy__buf_puts(b, ";\n}\n");
}

/* Comment text from the plan: a line break would end the comment. */
static void put_plain(convoy__buf *b, const char *s)
{
    for (; *s; s++)
        convoy__buf_putc(b, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

/* The bucketing key: the sticky header or cookie, else (as Convoy's router
 * does) the request id. Writes the split_clients key into `key`. */
static void put_key(nginx_ctx *x, char *key, size_t key_size)
{
    const convoy__rules *rs = x->r->rules;
    convoy__buf *b = x->out;
    convoy__buf src = {0};
    if (rs->sticky_source == CONVOY__SRC_HEADER &&
        var_chars(rs->sticky_name, rs->sticky_name_len, 1)) {
        put_header_var(&src, rs->sticky_name, rs->sticky_name_len);
    } else if (rs->sticky_source == CONVOY__SRC_COOKIE &&
               cookie_var_ok(rs->sticky_name, rs->sticky_name_len)) {
        convoy__buf_printf(&src, "$cookie_%s", rs->sticky_name);
    } else if (rs->sticky_source != CONVOY__SRC_COOKIE) {
        if (rs->sticky_source != CONVOY__SRC_NONE) {
            convoy__buf_printf(b, "# The sticky %s \"",
                               rs->sticky_source == CONVOY__SRC_HEADER ? "header" : "attribute");
            put_plain(b, rs->sticky_name);
            convoy__buf_puts(b, rs->sticky_source == CONVOY__SRC_HEADER
                                    ? "\" never reaches nginx (its name holds characters nginx "
                                      "drops)"
                                    : "\" is known only to the host");
            convoy__buf_puts(b, ": requests are split by $request_id.\n");
        }
        snprintf(key, key_size, "$request_id");
        return;
    }
    snprintf(key, key_size, "${%s_key}", x->prefix);
    if (rs->sticky_source == CONVOY__SRC_HEADER && strchr(rs->sticky_name, '_'))
        convoy__buf_printf(b, "# header \"%s\" reaches nginx only with "
                              "underscores_in_headers on.\n",
                           rs->sticky_name);
    if (src.len) {
        convoy__buf_printf(b, "map %s $%s_key {\n    \"\" $request_id;\n    default %s;\n}\n",
                           src.data, x->prefix, src.data);
        convoy__buf_free(&src);
        return;
    }
    /* A cookie name that is no variable name: capture its value. */
    convoy__buf_printf(b, "map $http_cookie $%s_key {\n    ", x->prefix);
    convoy__buf_puts(&src, "~(?:^|;)\\s*");
    convoy__regex_quote(&src, rs->sticky_name, rs->sticky_name_len);
    convoy__buf_puts(&src, "=([^;]+)");
    put_quoted(b, src.data ? src.data : "", src.len);
    convoy__buf_puts(b, " $1;\n    default $request_id;\n}\n");
    if (src.failed)
        b->failed = 1;
    convoy__buf_free(&src);
}

static const char *unsupported_why(const convoy__condition *c)
{
    if (c->source == CONVOY__SRC_ATTRIBUTE)
        return "attribute conditions are known only to the host, not to the proxy";
    if (c->source == CONVOY__SRC_HEADER && !header_var_ok(c))
        return "nginx drops headers whose names hold other characters than letters, digits, "
               "'-' and '_'";
    return NULL;
}

/* The map key (a quoted regex, or "") for a test; *negate is set when the
 * key matches what should fall through rather than lead on. The empty key
 * tests emptiness: nginx's maps never run a regex on an empty value. */
static void put_condition_key(nginx_ctx *x, const convoy__condition *c, int *negate)
{
    convoy__buf *b = x->out;
    convoy__buf *re = &x->tmp;
    re->len = 0;
    *negate = c->test == CONVOY__TEST_PRESENT;
    if (c->source == CONVOY__SRC_COOKIE && !cookie_var_ok(c->name, c->name_len)) {
        convoy__buf_putc(re, '~');
        convoy__cookie_regex(re, c);
        *negate = c->test == CONVOY__TEST_ABSENT;
    } else if (c->test == CONVOY__TEST_EXACT && c->value_len == 0) {
        *negate = 0; /* "" matches an empty (or missing) value */
    } else if (c->test == CONVOY__TEST_EXACT || c->test == CONVOY__TEST_PREFIX) {
        convoy__buf_puts(re, "~^");
        convoy__regex_quote(re, c->value, c->value_len);
        if (c->test == CONVOY__TEST_EXACT)
            convoy__buf_putc(re, '$');
    } else if (c->test == CONVOY__TEST_SUFFIX) {
        convoy__buf_putc(re, '~');
        convoy__regex_quote(re, c->value, c->value_len);
        convoy__buf_putc(re, '$');
    } else if (c->test == CONVOY__TEST_REGEX) {
        convoy__buf_puts(re, "~^(?:");
        convoy__buf_append(re, c->value, c->value_len);
        convoy__buf_puts(re, ")$");
    }
    /* present / absent: the empty key (an empty value is a missing one),
     * leading on for absent and falling through for present. */
    put_quoted(b, re->data ? re->data : "", re->len);
}

static void put_source_var(convoy__buf *b, const convoy__condition *c)
{
    if (c->source == CONVOY__SRC_HEADER)
        put_header_var(b, c->name, c->name_len);
    else if (cookie_var_ok(c->name, c->name_len))
        convoy__buf_printf(b, "$cookie_%s", c->name);
    else
        convoy__buf_puts(b, "$http_cookie");
}

/* Emits rule i's maps. `entry` is the variable the chain reaches it by,
 * `fallthrough` what a miss yields (the next rule's entry, or the split). */
static void put_rule(nginx_ctx *x, size_t i, const char *entry, const char *fallthrough)
{
    const convoy__rule *rule = &x->r->rules->rules[i];
    convoy__buf *b = x->out;
    convoy__buf_printf(b, "# rule \"%s\"\n", rule->name);
    for (size_t j = 0; j < rule->n_conditions; j++) {
        const convoy__condition *c = &rule->conditions[j];
        if (c->source == CONVOY__SRC_HEADER && memchr(c->name, '_', c->name_len))
            convoy__buf_printf(b, "# header \"%s\" reaches nginx only with "
                                  "underscores_in_headers on.\n",
                               c->name);
        convoy__buf_puts(b, "map ");
        put_source_var(b, c);
        if (j == 0)
            convoy__buf_printf(b, " %s {\n    ", entry);
        else
            convoy__buf_printf(b, " $%s_r%zu_c%zu {\n    ", x->prefix, i, j);
        int negate;
        put_condition_key(x, c, &negate);
        convoy__buf_putc(b, ' ');
        /* What holding this condition leads to. */
        convoy__buf *next = &x->tmp;
        next->len = 0;
        if (j + 1 < rule->n_conditions)
            convoy__buf_printf(next, "$%s_r%zu_c%zu", x->prefix, i, j + 1);
        else if (rule->has_variant) {
            const char *t =
                rule->variant == CONVOY_VARIANT_CANDIDATE ? x->candidate : x->baseline;
            put_quoted(next, t, strlen(t));
        } else
            convoy__buf_printf(next, "$%s_r%zu_split", x->prefix, i);
        if (next->failed)
            return;
        if (negate)
            convoy__buf_printf(b, "%s;\n    default %s;\n}\n", fallthrough, next->data);
        else
            convoy__buf_printf(b, "%s;\n    default %s;\n}\n", next->data, fallthrough);
    }
}

static int emit(nginx_ctx *x)
{
    const convoy__render *r = x->r;
    const convoy__rules *rs = r->rules;
    convoy__buf *b = x->out;

    /* Which rules render, decided first: the chain links each to the next. */
    size_t n = rs->n_rules, kept = 0;
    size_t *order = n ? convoy__calloc(n, sizeof *order) : NULL;
    if (n && !order)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory rendering nginx configuration");
    const char **skipped_why = n ? convoy__calloc(n, sizeof *skipped_why) : NULL;
    if (n && !skipped_why) {
        convoy__dealloc(order);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory rendering nginx configuration");
    }
    for (size_t i = 0; i < n; i++) {
        const convoy__rule *rule = &rs->rules[i];
        const char *why = NULL;
        for (size_t j = 0; !why && j < rule->n_conditions; j++)
            why = unsupported_why(&rule->conditions[j]);
        if (!why) {
            order[kept++] = i;
            continue;
        }
        int rc = convoy__render_unsupported(r, rule, why);
        if (rc < 0) {
            convoy__dealloc(order);
            convoy__dealloc(skipped_why);
            return rc;
        }
        skipped_why[i] = why;
    }

    convoy__buf_printf(b, "# Convoy: service \"%s\", ", rs->service);
    convoy__put_percent(b, r->candidate_bp);
    convoy__buf_printf(b, "%% to the candidate. Use: proxy_pass http://$%s_upstream;\n",
                       x->prefix);
    if (r->mirror_bp > 0) {
        convoy__buf_puts(b, "# Mirror ");
        convoy__put_percent(b, r->mirror_bp);
        convoy__buf_puts(b, "% not rendered: nginx's mirror directive copies every request, "
                            "it has no percentage.\n");
    }
    for (size_t i = 0; i < n; i++)
        if (skipped_why[i])
            convoy__buf_printf(b, "# rule \"%s\" left out: %s.\n", rs->rules[i].name,
                               skipped_why[i]);

    char key[340];
    put_key(x, key, sizeof key);

    char split[340];
    snprintf(split, sizeof split, "$%s_%s", x->prefix, kept ? "split" : "upstream");
    put_split(x, key, split, r->candidate_bp);
    for (size_t k = 0; k < kept; k++) {
        const convoy__rule *rule = &rs->rules[order[k]];
        if (!rule->has_variant) {
            char var[360];
            snprintf(var, sizeof var, "$%s_r%zu_split", x->prefix, order[k]);
            put_split(x, key, var, rule->weight_bp);
        }
    }
    for (size_t k = 0; k < kept; k++) {
        char entry[360], fallthrough[360];
        if (k == 0)
            snprintf(entry, sizeof entry, "$%s_upstream", x->prefix);
        else
            snprintf(entry, sizeof entry, "$%s_r%zu", x->prefix, order[k]);
        if (k + 1 < kept)
            snprintf(fallthrough, sizeof fallthrough, "$%s_r%zu", x->prefix, order[k + 1]);
        else
            snprintf(fallthrough, sizeof fallthrough, "%s", split);
        put_rule(x, order[k], entry, fallthrough);
    }
    convoy__dealloc(order);
    convoy__dealloc(skipped_why);
    if (b->failed || x->tmp.failed)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory rendering nginx configuration");
    return CONVOY_OK;
}

int convoy__render_nginx(convoy__buf *out, const convoy__render *r)
{
    nginx_ctx x = {.r = r, .out = out};
    char tb[320], tc[320], bprefix[300];
    snprintf(bprefix, sizeof bprefix, "%s-", r->rules->service);
    x.baseline = convoy__render_target(r, CONVOY_VARIANT_BASELINE, bprefix, tb, sizeof tb);
    x.candidate = convoy__render_target(r, CONVOY_VARIANT_CANDIDATE, bprefix, tc, sizeof tc);
    int rc;
    if ((rc = check_target(x.baseline)) || (rc = check_target(x.candidate)))
        return rc;
    size_t len = (size_t)snprintf(x.prefix, sizeof x.prefix, "convoy_%.250s", r->name);
    for (size_t i = 7; i < len; i++) {
        char c = x.prefix[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
            x.prefix[i] = '_';
    }
    rc = emit(&x);
    convoy__buf_free(&x.tmp);
    return rc;
}
