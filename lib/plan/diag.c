#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/versioned.h"
#include "json_scan.h"

convoy_diagnostics *convoy__diags_new(uint32_t max)
{
    convoy_diagnostics *d = convoy__calloc(1, sizeof *d);
    if (d)
        d->max = max ? max : 1;
    return d;
}

static convoy__diag *add(convoy_diagnostics *d, int code)
{
    if (d->full || d->oom)
        return NULL;
    if (d->n + 1 >= d->max) {
        /* The last slot says that reporting stopped. */
        d->full = 1;
        code = CONVOY_P_TOO_MANY;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        convoy__diag *items = convoy__realloc(d->items, d->cap * sizeof *items, cap * sizeof *items);
        if (!items) {
            d->oom = 1;
            return NULL;
        }
        d->items = items;
        d->cap = cap;
    }
    convoy__diag *it = &d->items[d->n];
    memset(it, 0, sizeof *it);
    it->code = code;
    it->order = d->n;
    d->n++;
    return it;
}

static void set_message(convoy_diagnostics *d, convoy__diag *it, const char *msg)
{
    if (it->code == CONVOY_P_TOO_MANY)
        msg = "too many problems; reporting stopped here";
    it->message = convoy__strdup(msg);
    if (!it->message)
        d->oom = 1;
}

struct convoy__seen {
    const cJSON *node;
    int code;
    uint64_t message_hash;
};

static size_t seen_hash(const cJSON *node, int code, uint64_t mh, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)node * 0x9E3779B97F4A7C15ull ^ (uint64_t)code ^ mh;
    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

/* Returns 1 when this (node, code, message) was reported before (defaults
 * and templates are checked once per service that uses them); remembers it
 * otherwise. */
static int already_reported(convoy_diagnostics *d, const cJSON *node, int code, const char *msg)
{
    uint64_t mh = convoy__hash_string(msg);
    if (!node)
        return 0;
    if ((d->seen_n + 1) * 2 > d->seen_cap) {
        size_t cap = d->seen_cap ? d->seen_cap * 2 : 64;
        struct convoy__seen *t = convoy__calloc(cap, sizeof *t);
        if (!t)
            return 0;
        for (size_t i = 0; i < d->seen_cap; i++) {
            if (!d->seen[i].node)
                continue;
            size_t h = seen_hash(d->seen[i].node, d->seen[i].code, d->seen[i].message_hash, cap);
            while (t[h].node)
                h = (h + 1) & (cap - 1);
            t[h] = d->seen[i];
        }
        convoy__dealloc(d->seen);
        d->seen = t;
        d->seen_cap = cap;
    }
    size_t h = seen_hash(node, code, mh, d->seen_cap);
    while (d->seen[h].node) {
        if (d->seen[h].node == node && d->seen[h].code == code && d->seen[h].message_hash == mh)
            return 1;
        h = (h + 1) & (d->seen_cap - 1);
    }
    d->seen[h].node = node;
    d->seen[h].code = code;
    d->seen[h].message_hash = mh;
    d->seen_n++;
    return 0;
}

void convoy__report(convoy_diagnostics *d, int code, const cJSON *node, int at_key,
                    const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    if (d->full || d->oom)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (already_reported(d, node, code, msg))
        return;
    convoy__diag *it = add(d, code);
    if (!it)
        return;
    it->node = node;
    it->at_key = at_key && node && node->string;
    set_message(d, it, msg);
}

void convoy__report_offset(convoy_diagnostics *d, int code, size_t offset, const char *message)
{
    convoy__diag *it = add(d, code);
    if (!it)
        return;
    it->has_offset = 1;
    it->offset = offset;
    set_message(d, it, message);
}

/* ---- location ---------------------------------------------------------- */

typedef struct node_ref {
    const cJSON *node;
    size_t diag;
} node_ref;

typedef struct locator {
    convoy_diagnostics *d;
    node_ref *refs;
    size_t n_refs;
    const convoy__json_pos *pos;
    size_t n_pos;
    size_t counter;   /* pre-order index of the node being visited */
    convoy__buf path;
} locator;

static int cmp_ref(const void *a, const void *b)
{
    const node_ref *x = a, *y = b;
    if (x->node != y->node)
        return (uintptr_t)x->node < (uintptr_t)y->node ? -1 : 1;
    return x->diag < y->diag ? -1 : x->diag > y->diag;
}

static void visit(locator *L, const cJSON *node)
{
    size_t index = L->counter++;
    node_ref key = {node, 0};
    /* lower bound over refs sorted by node address */
    size_t lo = 0, hi = L->n_refs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_ref(&L->refs[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < L->n_refs && L->refs[i].node == node; i++) {
        convoy__diag *it = &L->d->items[L->refs[i].diag];
        it->pointer = convoy__strdup(L->path.data ? L->path.data : "");
        if (!it->pointer)
            L->d->oom = 1;
        if (index < L->n_pos) {
            it->has_offset = 1;
            it->offset = it->at_key && L->pos[index].key != (size_t)-1 ? L->pos[index].key
                                                                        : L->pos[index].value;
        }
    }
    size_t i = 0;
    for (const cJSON *c = node->child; c; c = c->next, i++) {
        size_t saved = L->path.len;
        convoy__buf_putc(&L->path, '/');
        if (cJSON_IsObject(node) && c->string)
            convoy__buf_pointer_token(&L->path, c->string);
        else
            convoy__buf_printf(&L->path, "%zu", i);
        visit(L, c);
        L->path.len = saved;
        if (L->path.data)
            L->path.data[saved] = '\0';
    }
}

static int cmp_diag(const void *a, const void *b)
{
    const convoy__diag *x = a, *y = b;
    /* "too many problems" stays last whatever its position */
    if ((x->code == CONVOY_P_TOO_MANY) != (y->code == CONVOY_P_TOO_MANY))
        return x->code == CONVOY_P_TOO_MANY ? 1 : -1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int same_problem(const convoy__diag *x, const convoy__diag *y)
{
    return x->code == y->code && x->offset == y->offset &&
           strcmp(x->pointer ? x->pointer : "", y->pointer ? y->pointer : "") == 0 &&
           strcmp(x->message ? x->message : "", y->message ? y->message : "") == 0;
}

int convoy__diags_locate(convoy_diagnostics *d, const cJSON *root, const char *text, size_t len)
{
    locator L = {0};
    L.d = d;
    if (root && d->n) {
        L.refs = convoy__calloc(d->n, sizeof *L.refs);
        if (!L.refs)
            return CONVOY_E_NOMEM;
        for (size_t i = 0; i < d->n; i++) {
            if (d->items[i].node)
                L.refs[L.n_refs++] = (node_ref){d->items[i].node, i};
        }
        qsort(L.refs, L.n_refs, sizeof *L.refs, cmp_ref);
        convoy__json_pos *pos = NULL;
        if (L.n_refs && convoy__json_positions(&pos, &L.n_pos, text, len) == 0)
            L.pos = pos;
        if (L.n_refs) {
            convoy__buf_append(&L.path, "", 0);
            visit(&L, root);
        }
        convoy__dealloc(pos);
        convoy__dealloc(L.refs);
        convoy__buf_free(&L.path);
    }
    for (size_t i = 0; i < d->n; i++) {
        convoy__diag *it = &d->items[i];
        if (!it->pointer) {
            it->pointer = convoy__strdup("");
            if (!it->pointer)
                d->oom = 1;
        }
        convoy__line_col(&it->line, &it->column, text, len, it->has_offset ? it->offset : 0);
    }
    if (d->n > 1)
        qsort(d->items, d->n, sizeof *d->items, cmp_diag);
    size_t w = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (w > 0 && same_problem(&d->items[w - 1], &d->items[i])) {
            convoy__dealloc(d->items[i].message);
            convoy__dealloc(d->items[i].pointer);
            continue;
        }
        d->items[w++] = d->items[i];
    }
    d->n = w;
    return d->oom ? CONVOY_E_NOMEM : CONVOY_OK;
}

/* ---- public accessors -------------------------------------------------- */

static const convoy__diag *item(const convoy_diagnostics *d, size_t i)
{
    return d && i < d->n ? &d->items[i] : NULL;
}

size_t convoy_diagnostics_count(const convoy_diagnostics *d)
{
    return d ? d->n : 0;
}

int convoy_diagnostic_code(const convoy_diagnostics *d, size_t i)
{
    const convoy__diag *it = item(d, i);
    return it ? it->code : 0;
}

const char *convoy_diagnostic_message(const convoy_diagnostics *d, size_t i)
{
    const convoy__diag *it = item(d, i);
    return it ? it->message : NULL;
}

const char *convoy_diagnostic_pointer(const convoy_diagnostics *d, size_t i)
{
    const convoy__diag *it = item(d, i);
    return it ? it->pointer : NULL;
}

uint32_t convoy_diagnostic_line(const convoy_diagnostics *d, size_t i)
{
    const convoy__diag *it = item(d, i);
    return it ? it->line : 0;
}

uint32_t convoy_diagnostic_column(const convoy_diagnostics *d, size_t i)
{
    const convoy__diag *it = item(d, i);
    return it ? it->column : 0;
}

void convoy_diagnostics_free(convoy_diagnostics *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n; i++) {
        convoy__dealloc(d->items[i].message);
        convoy__dealloc(d->items[i].pointer);
    }
    convoy__dealloc(d->items);
    convoy__dealloc(d->seen);
    convoy__dealloc(d);
}

const char *convoy_problem_name(int code)
{
    static const char *const names[] = {
        NULL, "syntax", "limit", "unknown-key", "type", "range", "duration", "precision",
        "missing", "unknown-reference", "duplicate", "duplicate-key", "self-dependency", "cycle",
        "enum", "step", "criterion", "regex", "conflict", "empty", "secret", "cohort",
        "policy-max-weight-jump", "policy-analysis-before-weight", "policy-required-metric",
        "policy-automatic-rollback", "policy-owner-required", "policy-max-services-per-wave",
        "too-many-problems", "name",
    };
    if (code <= 0 || (size_t)code >= sizeof names / sizeof names[0])
        return "unknown";
    return names[code];
}
