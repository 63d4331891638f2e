/* Helpers every renderer uses: unsupported rules, target names, regex
 * quoting, Cookie-header regexes, percentages and cJSON building. */
#include "render.h"

#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "plan/canon.h"

int convoy__render_unsupported(const convoy__render *r, const convoy__rule *rule,
                               const char *why)
{
    if (r->flags & CONVOY_RENDER_SKIP_UNSUPPORTED)
        return 1;
    return convoy__fail(CONVOY_E_UNSUPPORTED,
                        "service \"%s\": rule \"%s\" cannot be rendered for %s: %s",
                        r->rules->service, rule->name, r->format, why);
}

int convoy__render_check_attributes(const convoy__render *r, const convoy__rule *rule)
{
    for (size_t j = 0; j < rule->n_conditions; j++)
        if (rule->conditions[j].source == CONVOY__SRC_ATTRIBUTE)
            return convoy__render_unsupported(r, rule,
                                              "attribute conditions are known only to the host, "
                                              "not to the proxy");
    return 0;
}

const char *convoy__header_of(const convoy__condition *c)
{
    return c->source == CONVOY__SRC_COOKIE ? "cookie" : c->name;
}

int convoy__render_check_one_per_header(const convoy__render *r, const convoy__rule *rule)
{
    for (size_t j = 0; j < rule->n_conditions; j++) {
        const convoy__condition *a = &rule->conditions[j];
        for (size_t k = 0; k < j; k++) {
            const convoy__condition *b = &rule->conditions[k];
            if ((a->test == CONVOY__TEST_ABSENT) != (b->test == CONVOY__TEST_ABSENT) ||
                strcmp(convoy__header_of(a), convoy__header_of(b)) != 0)
                continue;
            char why[160];
            snprintf(why, sizeof why,
                     "two conditions test header \"%.64s\" and the proxy takes one test per header",
                     convoy__header_of(a));
            return convoy__render_unsupported(r, rule, why);
        }
    }
    return 0;
}

const char *convoy__render_target(const convoy__render *r, int variant, const char *prefix,
                                  char *tmp, size_t tmp_size)
{
    const char *given = variant == CONVOY_VARIANT_CANDIDATE ? r->candidate_target
                                                            : r->baseline_target;
    if (given)
        return given;
    snprintf(tmp, tmp_size, "%s%s", prefix,
             variant == CONVOY_VARIANT_CANDIDATE ? "candidate" : "baseline");
    return tmp;
}

void convoy__regex_quote(convoy__buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            /* Both dialects read \xHH; a raw control byte would not survive
             * the trip through YAML or nginx configuration. */
            convoy__buf_printf(b, "\\x%02X", c);
            continue;
        }
        if (c && strchr("\\^$.|?*+()[]{}", c))
            convoy__buf_putc(b, '\\');
        convoy__buf_putc(b, (char)c);
    }
}

void convoy__cookie_regex(convoy__buf *b, const convoy__condition *c)
{
    convoy__buf_puts(b, "^(.*?;\\s*)?(");
    convoy__regex_quote(b, c->name, c->name_len);
    convoy__buf_putc(b, '=');
    switch (c->test) {
    case CONVOY__TEST_EXACT:
        convoy__regex_quote(b, c->value, c->value_len);
        break;
    case CONVOY__TEST_PREFIX:
        convoy__regex_quote(b, c->value, c->value_len);
        convoy__buf_puts(b, "[^;]*");
        break;
    case CONVOY__TEST_SUFFIX:
        convoy__buf_puts(b, "[^;]*");
        convoy__regex_quote(b, c->value, c->value_len);
        break;
    case CONVOY__TEST_REGEX:
        /* The pattern is the user's: it is meant to match the whole value,
         * which here ends at the next ';' only if the pattern cannot cross
         * one. Close enough for the patterns rules use. */
        convoy__buf_puts(b, "(?:");
        convoy__buf_append(b, c->value, c->value_len);
        convoy__buf_putc(b, ')');
        break;
    default: /* present, and absent negated by the caller */
        convoy__buf_puts(b, "[^;]*");
        break;
    }
    convoy__buf_puts(b, ")(;.*)?$");
}

void convoy__put_percent(convoy__buf *b, uint32_t bp)
{
    convoy__buf_printf(b, "%u", (unsigned)(bp / 100));
    unsigned frac = (unsigned)(bp % 100);
    if (frac % 10)
        convoy__buf_printf(b, ".%02u", frac);
    else if (frac)
        convoy__buf_printf(b, ".%u", frac / 10);
}

/* Two-space indentation, keys in the order the renderer added them, as
 * `kubectl` and JSON.stringify(doc, null, 2) print: readable in a review
 * and pasted as is (cJSON_Print indents with tabs). */
static void put_pretty(convoy__buf *b, const cJSON *node, int depth)
{
    if (cJSON_IsObject(node) || cJSON_IsArray(node)) {
        int obj = cJSON_IsObject(node);
        if (!node->child) {
            convoy__buf_puts(b, obj ? "{}" : "[]");
            return;
        }
        convoy__buf_putc(b, obj ? '{' : '[');
        for (const cJSON *c = node->child; c; c = c->next) {
            convoy__buf_printf(b, "\n%*s", 2 * (depth + 1), "");
            if (obj) {
                convoy__json_put_string(b, c->string);
                convoy__buf_puts(b, ": ");
            }
            put_pretty(b, c, depth + 1);
            if (c->next)
                convoy__buf_putc(b, ',');
        }
        convoy__buf_printf(b, "\n%*s%c", 2 * depth, "", obj ? '}' : ']');
    } else if (cJSON_IsString(node)) {
        convoy__json_put_string(b, node->valuestring);
    } else if (cJSON_IsNumber(node)) {
        convoy__json_put_number(b, node->valuedouble);
    } else if (cJSON_IsBool(node)) {
        convoy__buf_puts(b, cJSON_IsTrue(node) ? "true" : "false");
    } else {
        convoy__buf_puts(b, "null");
    }
}

int convoy__render_json(convoy__buf *out, cJSON *root, int oom)
{
    if (root && !oom) {
        put_pretty(out, root, 0);
        convoy__buf_putc(out, '\n');
    }
    cJSON_Delete(root);
    if (!root || oom || out->failed)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory rendering proxy configuration");
    return CONVOY_OK;
}

/* ---- cJSON building --------------------------------------------------- */

/* Adds `item` under `key` (or to the array); frees it and records the
 * failure when it or the parent is missing. */
static cJSON *attach(cJSON *parent, const char *key, cJSON *item, int *oom)
{
    if (parent && item &&
        (key ? cJSON_AddItemToObject(parent, key, item) : cJSON_AddItemToArray(parent, item)))
        return item;
    cJSON_Delete(item);
    *oom = 1;
    return NULL;
}

cJSON *convoy__j_object(cJSON *parent, const char *key, int *oom)
{
    return attach(parent, key, parent ? cJSON_CreateObject() : NULL, oom);
}

cJSON *convoy__j_array(cJSON *parent, const char *key, int *oom)
{
    return attach(parent, key, parent ? cJSON_CreateArray() : NULL, oom);
}

void convoy__j_string(cJSON *parent, const char *key, const char *value, int *oom)
{
    attach(parent, key, parent ? cJSON_CreateString(value) : NULL, oom);
}

void convoy__j_number(cJSON *parent, const char *key, double value, int *oom)
{
    attach(parent, key, parent ? cJSON_CreateNumber(value) : NULL, oom);
}

void convoy__j_bool(cJSON *parent, const char *key, int value, int *oom)
{
    attach(parent, key, parent ? cJSON_CreateBool(value) : NULL, oom);
}
