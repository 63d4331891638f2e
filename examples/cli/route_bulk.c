/*
 * route_bulk.c - `convoy route ... --bulk FILE`: one request per line in,
 * one result per line out, through one router.
 *
 * A request line is a JSON object with the optional keys
 *   {"key": S, "request_id": S, "headers": {N: S}, "cookies": {N: S},
 *    "attrs": {N: S}}
 * Blank lines are skipped. A line that is not such an object gives
 * {"line": N, "error": MESSAGE} in its place and makes the exit status 1;
 * the other lines are still routed.
 *
 * Built for throughput: the line buffer, the pair arrays and the output
 * buffer are reused, rule names are escaped once, and results are written
 * 64 KiB at a time.
 */
#include "cli.h"
#include "json_kind.h"
#include "jsonw.h"
#include "traffic_cli.h"

#include <cjson/cJSON.h>
#include <convoy/convoy.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define CMD "route"

typedef struct pair_list {
    convoy_pair *items;
    size_t n, cap;
} pair_list;

typedef struct bulk {
    pair_list headers, cookies, attrs;
    char error[512]; /* why the current line is bad */
} bulk;

static int bad(bulk *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int bad(bulk *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b->error, sizeof b->error, fmt, ap);
    va_end(ap);
    return -1;
}

/* The string members of `obj` into `list`. */
static int read_pairs(bulk *b, pair_list *list, const cJSON *obj, const char *what)
{
    list->n = 0;
    if (!cJSON_IsObject(obj))
        return bad(b, "\"%s\" must be an object of strings, not %s", what, json_kind(obj));
    for (const cJSON *c = obj->child; c; c = c->next) {
        if (!cJSON_IsString(c))
            return bad(b, "\"%s\": the value of \"%s\" must be a string, not %s", what,
                       c->string, json_kind(c));
        if (list->n == list->cap) {
            size_t ncap = list->cap ? list->cap * 2 : 16;
            convoy_pair *p = realloc(list->items, ncap * sizeof *p);
            if (!p)
                return bad(b, "out of memory");
            list->items = p;
            list->cap = ncap;
        }
        convoy_pair *p = &list->items[list->n++];
        p->name = c->string;
        p->name_len = CONVOY_NTS;
        p->value = c->valuestring;
        p->value_len = CONVOY_NTS;
    }
    return 0;
}

/* A request from the parsed line `doc` (which it borrows from). */
static int read_request(bulk *b, const cJSON *doc, convoy_request *req)
{
    enum { KEY = 1, REQUEST_ID = 2, HEADERS = 4, COOKIES = 8, ATTRS = 16 };
    unsigned seen = 0;

    if (!cJSON_IsObject(doc))
        return bad(b, "a request must be a JSON object, not %s", json_kind(doc));
    b->headers.n = b->cookies.n = b->attrs.n = 0;
    for (const cJSON *c = doc->child; c; c = c->next) {
        const char *k = c->string;
        unsigned bit;
        int rc = 0;
        if (strcmp(k, "key") == 0 || strcmp(k, "request_id") == 0) {
            bit = k[0] == 'k' ? KEY : REQUEST_ID;
            if (!cJSON_IsString(c))
                return bad(b, "\"%s\" must be a string, not %s", k, json_kind(c));
            if (bit == KEY) {
                req->key = c->valuestring;
                req->key_len = CONVOY_NTS;
            } else {
                req->request_id = c->valuestring;
                req->request_id_len = CONVOY_NTS;
            }
        } else if (strcmp(k, "headers") == 0) {
            bit = HEADERS;
            rc = read_pairs(b, &b->headers, c, k);
        } else if (strcmp(k, "cookies") == 0) {
            bit = COOKIES;
            rc = read_pairs(b, &b->cookies, c, k);
        } else if (strcmp(k, "attrs") == 0) {
            bit = ATTRS;
            rc = read_pairs(b, &b->attrs, c, k);
        } else {
            return bad(b, "unknown key \"%s\" (known: key, request_id, headers, cookies, attrs)",
                       k);
        }
        if (rc != 0)
            return rc;
        if (seen & bit)
            return bad(b, "duplicate key \"%s\"", k);
        seen |= bit;
    }
    req->headers = b->headers.items;
    req->n_headers = b->headers.n;
    req->cookies = b->cookies.items;
    req->n_cookies = b->cookies.n;
    req->attrs = b->attrs.items;
    req->n_attrs = b->attrs.n;
    return 0;
}

/* {"line": N, "error": MESSAGE} in the output, in the line's place. */
static void write_error(tc_out *out, uint64_t lineno, const char *message)
{
    jsonw w;

    tc_out_flush(out); /* keep the order: the writer goes to the same FILE */
    jsonw_init(&w, out->f);
    jsonw_object_begin(&w);
    jsonw_kv_u64(&w, "line", lineno);
    jsonw_kv_string(&w, "error", message);
    jsonw_object_end(&w);
    fputc('\n', out->f);
}

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\f' && s[i] != '\v')
            return 0;
    return 1;
}

int route_bulk(const char *path, const convoy_router *router, size_t service)
{
    int from_stdin = strcmp(path, "-") == 0;
    const char *name = from_stdin ? "<stdin>" : path;
    FILE *in = from_stdin ? stdin : fopen(path, "rb");
    bulk b;
    tc_out out;
    tc_route_fmt rf;
    char *line = NULL;
    size_t cap = 0;
    uint64_t lineno = 0, n_bad = 0, first_bad = 0;
    int status = CLI_OK;

    if (!in)
        return tc_error(CMD, "%s: %s", name, strerror(errno));
    memset(&b, 0, sizeof b);
    memset(&rf, 0, sizeof rf);
    out.buf = NULL;
    if (tc_out_init(&out, stdout) != 0 || tc_route_fmt_init(&rf, router, service) != 0) {
        status = tc_error(CMD, "out of memory");
        goto done;
    }
    setvbuf(in, NULL, _IOFBF, (size_t)1 << 16);

    for (;;) {
        errno = 0;
        ssize_t got = getline(&line, &cap, in);
        if (got < 0)
            break;
        lineno++;
        size_t len = (size_t)got;
        if (len && line[len - 1] == '\n')
            len--;
        if (is_blank(line, len))
            continue;

        convoy_request req = CONVOY_REQUEST_INIT;
        convoy_route_result res = CONVOY_ROUTE_RESULT_INIT;
        cJSON *doc = NULL;
        int ok = 0;

        line[len] = '\0';
        if (memchr(line, '\0', len)) {
            bad(&b, "the line holds a NUL byte");
        } else {
            const char *end = NULL;
            /* The length includes the NUL: cJSON then refuses trailing text. */
            doc = cJSON_ParseWithLengthOpts(line, len + 1, &end, 1);
            if (!doc) {
                const char *at = cJSON_GetErrorPtr();
                if (at && at >= line && at <= line + len)
                    bad(&b, "not JSON (column %zu)", (size_t)(at - line) + 1);
                else
                    bad(&b, "not JSON");
            } else if (read_request(&b, doc, &req) == 0) {
                int rc = convoy_router_route(&res, router, service, &req);
                if (rc == CONVOY_OK)
                    ok = 1;
                else
                    bad(&b, "%s", tc_last_message(rc));
            }
        }
        if (ok) {
            tc_route_json(&out, &rf, &res);
        } else {
            if (n_bad++ == 0)
                first_bad = lineno;
            write_error(&out, lineno, b.error);
        }
        cJSON_Delete(doc);
    }
    if (ferror(in)) {
        status = tc_error(CMD, "%s: reading failed: %s", name,
                          errno ? strerror(errno) : "I/O error");
    } else if (errno == ENOMEM) {
        status = tc_error(CMD, "%s: line %" PRIu64 ": out of memory", name, lineno + 1);
    }
    tc_out_flush(&out);
    if (out.failed)
        status = CLI_FAIL; /* main() reports the failed write */
    if (n_bad) {
        tc_error(CMD, "%s: %" PRIu64 " bad request line%s (the first at line %" PRIu64 ")",
                 name, n_bad, n_bad == 1 ? "" : "s", first_bad);
        status = CLI_FAIL;
    }

done:
    free(line);
    free(b.headers.items);
    free(b.cookies.items);
    free(b.attrs.items);
    tc_route_fmt_free(&rf);
    tc_out_free(&out);
    if (!from_stdin)
        fclose(in);
    return status;
}
