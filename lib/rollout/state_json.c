/* The rollout state as JSON: what the engine saves after every tick and
 * reads back to resume after a crash.
 *
 * One table per object (state, service, metric progress) names every field,
 * its JSON key, its type and its range; the writer and the reader both walk
 * these tables, so a field added to the structs is one table line, written
 * and read the same way. Keys come out in table order, so equal states give
 * byte-identical JSON.
 *
 * Reading is strict: a state that does not fit the plan must never be
 * resumed, because the engine would then call the host's deploy and revert
 * callbacks for the wrong services. Syntax errors are CONVOY_E_PARSE with
 * line and column (the plan parser's scanner); everything else is
 * CONVOY_E_INVALID with a JSON Pointer, line and column.
 */
#include <convoy/traffic.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/number.h"
#include "plan/canon.h"
#include "plan/json_scan.h"
#include "plan/json_tree.h"
#include "plan/model.h"
#include "state.h"

/* Bumped only when an older reader would misread a newer file. */
#define STATE_FORMAT 1
/* A state nests five levels (state, services, service, metrics, metric);
 * anything deeper is not a state and need not be scanned further. */
#define STATE_MAX_DEPTH 16

enum kind {
    K_BOOL,        /* int 0/1 as true/false */
    K_SMALL,       /* int 0..max */
    K_ENUM,        /* int written as a name */
    K_U32,         /* uint32_t 0..max */
    K_U64,         /* uint64_t, exact (not through a double) */
    K_DOUBLE,      /* null for NaN, "Infinity" / "-Infinity" */
    K_STEP,        /* size_t: a step index, "before" or "promoted" */
    K_STEP_NEXT,   /* the same, and step_count ("no step left") */
    K_HOOK,        /* size_t: 0 .. the service's webhook count */
    /* Kinds with their own code, found first and handled afterwards. */
    K_FORMAT,
    K_PLAN,
    K_QUEUE,       /* state: rollback_queue */
    K_ROLLED,      /* state: rolled_back */
    K_SERVICES,
    K_NAME,        /* service name, checked against the plan */
    K_METRICS,
    K_TOTALS,      /* the last finished analysis's values, per its metric */
    K_BACKGROUND,  /* the background analysis's progress, per its metric */
    K_METRIC_NAME, /* the analysis's metric at that position */
    K_OUTCOMES,
};

typedef struct field {
    const char *key;
    int kind;
    size_t offset;
    uint32_t max;                  /* K_SMALL, K_U32 */
    const char *(*name_of)(int);   /* K_ENUM: NULL past the last value */
} field;

static const char *stage_name(int stage)
{
    static const char *const NAMES[] = {"enter", "confirm", "applied", "verified", "done"};
    return stage >= 0 && stage < (int)(sizeof NAMES / sizeof NAMES[0]) ? NAMES[stage] : NULL;
}

#define ST(m) offsetof(struct convoy_state, m)
static const field STATE_FIELDS[] = {
    {"format", K_FORMAT, 0, 0, NULL},
    {"plan", K_PLAN, 0, 0, NULL},
    {"status", K_ENUM, ST(status), 0, convoy_rollout_status_name},
    {"paused", K_BOOL, ST(paused), 0, NULL},
    {"aborting", K_SMALL, ST(aborting), 2, NULL},
    {"started", K_BOOL, ST(started), 0, NULL},
    {"now_ms", K_U64, ST(now_ms), 0, NULL},
    {"started_ms", K_U64, ST(started_ms), 0, NULL},
    {"failed_evaluations", K_U32, ST(failed_evaluations), UINT32_MAX, NULL},
    {"decisions", K_U64, ST(decisions), 0, NULL},
    {"records", K_U64, ST(records), 0, NULL},
    {"log_bytes", K_U64, ST(log_bytes), 0, NULL},
    {"rollback_queue", K_QUEUE, 0, 0, NULL},
    {"rolled_back", K_ROLLED, 0, 0, NULL},
    {"services", K_SERVICES, 0, 0, NULL},
};
#undef ST

#define SV(m) offsetof(convoy__service_state, m)
static const field SERVICE_FIELDS[] = {
    {"name", K_NAME, 0, 0, NULL},
    {"state", K_ENUM, SV(state), 0, convoy_service_state_name},
    {"step", K_STEP, SV(step), 0, NULL},
    {"stage", K_ENUM, SV(stage), 0, stage_name},
    {"hook", K_HOOK, SV(hook), 0, NULL},
    {"hook_started_ms", K_U64, SV(hook_started_ms), 0, NULL},
    {"touched", K_BOOL, SV(touched), 0, NULL},
    {"candidate_bp", K_U32, SV(candidate_bp), 10000, NULL},
    {"mirror_bp", K_U32, SV(mirror_bp), 10000, NULL},
    {"since_ms", K_U64, SV(since_ms), 0, NULL},
    {"step_started_ms", K_U64, SV(step_started_ms), 0, NULL},
    {"attempt", K_U32, SV(attempt), UINT32_MAX, NULL},
    {"in_flight", K_BOOL, SV(in_flight), 0, NULL},
    {"retry_at_ms", K_U64, SV(retry_at_ms), 0, NULL},
    {"held_since_ms", K_U64, SV(held_since_ms), 0, NULL},
    {"failed_step", K_STEP, SV(failed_step), 0, NULL},
    {"resume_step", K_STEP_NEXT, SV(resume_step), 0, NULL},
    {"metrics", K_METRICS, 0, 0, NULL},
    {"totals_step", K_STEP, SV(totals_step), 0, NULL},
    {"totals", K_TOTALS, 0, 0, NULL},
    {"background_at_ms", K_U64, SV(background_at_ms), 0, NULL},
    {"background", K_BACKGROUND, 0, 0, NULL},
    {"rollback_check_ms", K_U64, SV(rollback_check_ms), 0, NULL},
    {"judge_score", K_DOUBLE, SV(judge_score), 0, NULL},
    {"judge_rounds", K_U32, SV(judge_rounds), UINT32_MAX, NULL},
    {"history_written", K_BOOL, SV(history_written), 0, NULL},
};
#undef SV

#define MP(m) offsetof(convoy__metric_progress, m)
static const field METRIC_FIELDS[] = {
    {"name", K_METRIC_NAME, 0, 0, NULL},
    {"outcomes", K_OUTCOMES, 0, 0, NULL},
    {"next_due_ms", K_U64, MP(next_due_ms), 0, NULL},
    {"last_value", K_DOUBLE, MP(last_value), 0, NULL},
    {"sum", K_DOUBLE, MP(sum), 0, NULL},
    {"n_values", K_U32, MP(n_values), UINT32_MAX, NULL},
};
#undef MP

#define COUNT(t) (sizeof(t) / sizeof((t)[0]))
/* Seen keys are tracked in a 64-bit mask. */
_Static_assert(COUNT(STATE_FIELDS) <= 64 && COUNT(SERVICE_FIELDS) <= 64 &&
                   COUNT(METRIC_FIELDS) <= 64,
               "field tables must fit the seen-mask");

#define AT(base, f, type) ((type *)(void *)((char *)(base) + (f)->offset))
#define AT_C(base, f, type) ((const type *)(const void *)((const char *)(base) + (f)->offset))

/* The analysis whose metrics a service measures at `step`, or NULL. */
static const convoy_analysis *analysis_at(const convoy_service *svc, size_t step)
{
    if (step >= svc->n_steps || svc->steps[step].kind != CONVOY_STEP_ANALYSIS)
        return NULL;
    return svc->steps[step].analysis;
}

/* ------------------------------------------------------------------------
 * Writing.
 */

/* Exact: the shortest of 15, 16 or 17 significant digits that reads back
 * to the same bits (-0 included). JSON has no NaN or infinities; NaN means
 * "no value" throughout the state, so it is null. */
static void put_double(convoy__buf *b, double v)
{
    if (isnan(v)) {
        convoy__buf_puts(b, "null");
        return;
    }
    if (isinf(v)) {
        convoy__buf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
        return;
    }
    char tmp[40];
    for (int precision = 15; precision <= 17; precision++) {
        convoy__format_double(tmp, sizeof tmp, precision, v);
        double back = convoy__parse_double(tmp, strlen(tmp));
        if (memcmp(&back, &v, sizeof v) == 0)
            break;
    }
    convoy__buf_puts(b, tmp);
}

static void put_u64(convoy__buf *b, uint64_t v)
{
    convoy__buf_printf(b, "%llu", (unsigned long long)v);
}

static void put_step(convoy__buf *b, size_t step)
{
    if (step == CONVOY_STEP_BEFORE)
        convoy__buf_puts(b, "\"before\"");
    else if (step == CONVOY_STEP_PROMOTED)
        convoy__buf_puts(b, "\"promoted\"");
    else
        put_u64(b, step);
}

static void put_indices(convoy__buf *b, const size_t *v, size_t n)
{
    convoy__buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            convoy__buf_putc(b, ',');
        put_u64(b, v[i]);
    }
    convoy__buf_putc(b, ']');
}

typedef struct writer {
    convoy__buf *b;
    const convoy_state *st;
    size_t service;                  /* the service being written */
    const convoy_analysis *analysis; /* its current analysis, or NULL */
    size_t metric;                   /* the metric being written */
} writer;

static void put_object(writer *w, const field *t, size_t n, const void *base);

static void put_services(writer *w)
{
    const convoy_state *st = w->st;
    convoy__buf_putc(w->b, '[');
    for (size_t i = 0; i < st->n_services; i++) {
        if (i)
            convoy__buf_putc(w->b, ',');
        w->service = i;
        w->analysis = analysis_at(&st->plan->services[i], st->services[i].step);
        put_object(w, SERVICE_FIELDS, COUNT(SERVICE_FIELDS), &st->services[i]);
    }
    convoy__buf_putc(w->b, ']');
}

static void put_progress(writer *w, const convoy__metric_progress *m, size_t n)
{
    convoy__buf_putc(w->b, '[');
    for (size_t k = 0; k < n; k++) {
        if (k)
            convoy__buf_putc(w->b, ',');
        w->metric = k;
        put_object(w, METRIC_FIELDS, COUNT(METRIC_FIELDS), &m[k]);
    }
    convoy__buf_putc(w->b, ']');
}

static void put_metrics(writer *w, const convoy__service_state *s)
{
    put_progress(w, s->metrics, s->n_metrics);
}

static const convoy_analysis *background_of(const convoy_service *svc)
{
    return svc->background ? svc->background->analysis : NULL;
}

static void put_background(writer *w, const convoy__service_state *s)
{
    const convoy_analysis *current = w->analysis;
    w->analysis = background_of(&w->st->plan->services[w->service]);
    put_progress(w, s->background, s->n_background);
    w->analysis = current;
}

static void put_totals(writer *w, const convoy__service_state *s)
{
    const convoy_analysis *current = w->analysis;
    w->analysis = analysis_at(&w->st->plan->services[w->service], s->totals_step);
    put_progress(w, s->totals, s->n_totals);
    w->analysis = current;
}

static void put_value(writer *w, const field *f, const void *base)
{
    convoy__buf *b = w->b;
    const convoy_state *st = w->st;
    switch (f->kind) {
    case K_BOOL:
        convoy__buf_puts(b, *AT_C(base, f, int) ? "true" : "false");
        break;
    case K_SMALL:
        convoy__buf_printf(b, "%d", *AT_C(base, f, int));
        break;
    case K_ENUM: {
        const char *name = f->name_of(*AT_C(base, f, int));
        /* An unknown value is written as it is; reading it back fails,
         * which is what a corrupt state deserves. */
        if (name)
            convoy__json_put_string(b, name);
        else
            convoy__buf_printf(b, "%d", *AT_C(base, f, int));
        break;
    }
    case K_U32:
        put_u64(b, *AT_C(base, f, uint32_t));
        break;
    case K_U64:
        put_u64(b, *AT_C(base, f, uint64_t));
        break;
    case K_DOUBLE:
        put_double(b, *AT_C(base, f, double));
        break;
    case K_STEP:
    case K_STEP_NEXT:
        put_step(b, *AT_C(base, f, size_t));
        break;
    case K_HOOK:
        put_u64(b, *AT_C(base, f, size_t));
        break;
    case K_FORMAT:
        convoy__buf_printf(b, "%d", STATE_FORMAT);
        break;
    case K_PLAN:
        convoy__json_put_string(b, st->plan->name ? st->plan->name : "");
        break;
    case K_QUEUE:
        put_indices(b, st->rollback_queue, st->n_rollback);
        break;
    case K_ROLLED:
        put_indices(b, st->rolled_back, st->n_rolled_back);
        break;
    case K_SERVICES:
        put_services(w);
        break;
    case K_NAME:
        convoy__json_put_string(b, st->plan->services[w->service].name);
        break;
    case K_METRICS:
        put_metrics(w, base);
        break;
    case K_TOTALS:
        put_totals(w, base);
        break;
    case K_BACKGROUND:
        put_background(w, base);
        break;
    case K_METRIC_NAME:
        if (w->analysis && w->metric < w->analysis->n_metrics)
            convoy__json_put_string(b, w->analysis->metrics[w->metric].name);
        else
            convoy__buf_puts(b, "null");
        break;
    case K_OUTCOMES: {
        const convoy__metric_progress *m = base;
        convoy__json_put_string(b, m->outcomes ? m->outcomes : "");
        break;
    }
    }
}

static void put_object(writer *w, const field *t, size_t n, const void *base)
{
    convoy__buf_putc(w->b, '{');
    for (size_t i = 0; i < n; i++) {
        if (i)
            convoy__buf_putc(w->b, ',');
        convoy__json_put_string(w->b, t[i].key);
        convoy__buf_putc(w->b, ':');
        put_value(w, &t[i], base);
    }
    convoy__buf_putc(w->b, '}');
}

int convoy_state_to_json(char **out, size_t *len_out, const convoy_state *state)
{
    if (out)
        *out = NULL;
    if (len_out)
        *len_out = 0;
    if (!out || !state || !state->plan)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_state_to_json: NULL argument");
    convoy__buf b = {0};
    writer w = {&b, state, 0, NULL, 0};
    put_object(&w, STATE_FIELDS, COUNT(STATE_FIELDS), state);
    size_t len = b.len;
    char *text = convoy__buf_take(&b);
    if (!text)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory writing the rollout state");
    *out = text;
    if (len_out)
        *len_out = len;
    return CONVOY_OK;
}

/* ------------------------------------------------------------------------
 * Reading.
 */

/* Which pre-order position a tree node has, so that its source offset can
 * be looked up in the scanner's position list. */
typedef struct node_ref {
    const cJSON *node;
    size_t index;
} node_ref;

typedef struct reader {
    const char *text;
    size_t len;
    const convoy_plan *plan;
    convoy__json_pos *pos;
    size_t n_pos;
    node_ref *refs;
    size_t n_refs;
    convoy__buf path;  /* JSON Pointer of what is being read */
} reader;

static void collect(node_ref *refs, size_t *n, size_t cap, const cJSON *node)
{
    if (*n < cap) {
        refs[*n].node = node;
        refs[*n].index = *n;
        (*n)++;
    }
    for (const cJSON *c = node->child; c; c = c->next)
        collect(refs, n, cap, c);
}

static size_t count_nodes(const cJSON *node)
{
    size_t n = 1;
    for (const cJSON *c = node->child; c; c = c->next)
        n += count_nodes(c);
    return n;
}

static int cmp_ref(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)((const node_ref *)a)->node;
    uintptr_t y = (uintptr_t)((const node_ref *)b)->node;
    return x < y ? -1 : x > y;
}

/* Source offset of a node's value, or of its key (object members). */
static size_t offset_of(const reader *r, const cJSON *node, int key)
{
    node_ref probe = {node, 0};
    const node_ref *hit =
        r->n_refs ? bsearch(&probe, r->refs, r->n_refs, sizeof *r->refs, cmp_ref) : NULL;
    if (!hit || hit->index >= r->n_pos)
        return 0;
    const convoy__json_pos *p = &r->pos[hit->index];
    return key && p->key != SIZE_MAX ? p->key : p->value;
}

static const char *path_of(const reader *r)
{
    return r->path.data ? r->path.data : "";
}

static size_t path_push(reader *r, const char *token)
{
    size_t mark = r->path.len;
    convoy__buf_putc(&r->path, '/');
    convoy__buf_pointer_token(&r->path, token);
    return mark;
}

static size_t path_push_index(reader *r, size_t i)
{
    size_t mark = r->path.len;
    convoy__buf_printf(&r->path, "/%zu", i);
    return mark;
}

static void path_pop(reader *r, size_t mark)
{
    if (r->path.data && !r->path.failed) {
        r->path.len = mark;
        r->path.data[mark] = '\0';
    }
}

/* Records CONVOY_E_INVALID at `node` (its key when at_key) with the current
 * pointer, which also starts the message so it reads on its own. */
static int invalid(reader *r, const cJSON *node, int at_key, const char *fmt, ...)
    CONVOY__PRINTF(4, 5);
static int invalid(reader *r, const cJSON *node, int at_key, const char *fmt, ...)
{
    if (r->path.failed)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory reading a rollout state");
    char detail[384], message[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    const char *where = path_of(r);
    snprintf(message, sizeof message, "rollout state %s: %s", *where ? where : "(top level)",
             detail);
    uint32_t line = 0, column = 0;
    convoy__line_col(&line, &column, r->text, r->len, node ? offset_of(r, node, at_key) : 0);
    return convoy__fail_at(CONVOY_E_INVALID, where, line, column, message);
}

/* Integers are read from the source text: a double cannot hold every
 * uint64 (times and byte counts may pass 2^53). */
static int read_uint(reader *r, const cJSON *node, uint64_t max, uint64_t *out)
{
    if (!cJSON_IsNumber(node))
        return invalid(r, node, 0, "expected an integer, found %s", convoy__json_type_name(node));
    size_t off = offset_of(r, node, 0);
    const char *p = r->text + off, *end = r->text + r->len;
    if (p < end && *p == '-')
        return invalid(r, node, 0, "must not be negative");
    uint64_t v = 0;
    int overflow = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            overflow = 1;
        else
            v = v * 10 + d;
    }
    if (p < end && (*p == '.' || *p == 'e' || *p == 'E'))
        return invalid(r, node, 0, "expected an integer, found a fraction or exponent");
    if (overflow || v > max)
        return invalid(r, node, 0, "%s is out of range (at most %llu)",
                       overflow ? "the number" : "the value", (unsigned long long)max);
    *out = v;
    return CONVOY_OK;
}

static int read_double(reader *r, const cJSON *node, double *out)
{
    if (cJSON_IsNull(node)) {
        *out = NAN;
        return CONVOY_OK;
    }
    if (cJSON_IsString(node)) {
        if (strcmp(node->valuestring, "Infinity") == 0) {
            *out = INFINITY;
            return CONVOY_OK;
        }
        if (strcmp(node->valuestring, "-Infinity") == 0) {
            *out = -INFINITY;
            return CONVOY_OK;
        }
    } else if (cJSON_IsNumber(node)) {
        if (!isfinite(node->valuedouble))
            return invalid(r, node, 0, "the number is out of range of a double");
        *out = node->valuedouble;
        return CONVOY_OK;
    }
    return invalid(r, node, 0, "expected a number, null, \"Infinity\" or \"-Infinity\", found %s",
                   convoy__json_type_name(node));
}

static int read_enum(reader *r, const cJSON *node, const char *(*name_of)(int), int *out)
{
    if (cJSON_IsString(node)) {
        for (int i = 0; name_of(i); i++)
            if (strcmp(name_of(i), node->valuestring) == 0) {
                *out = i;
                return CONVOY_OK;
            }
    }
    char names[256];
    size_t used = 0;
    names[0] = '\0';
    for (int i = 0; name_of(i) && used < sizeof names; i++)
        used += (size_t)snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                                 name_of(i));
    if (cJSON_IsString(node))
        return invalid(r, node, 0, "\"%s\" is not one of %s", node->valuestring, names);
    return invalid(r, node, 0, "expected one of %s, found %s", names, convoy__json_type_name(node));
}

/* A step position of service `svc`: an index below the step count (or up
 * to it, with `upto`), "before" or "promoted". */
static int read_step(reader *r, const cJSON *node, const convoy_service *svc, int upto,
                     size_t *out)
{
    if (cJSON_IsString(node)) {
        if (strcmp(node->valuestring, "before") == 0) {
            *out = CONVOY_STEP_BEFORE;
            return CONVOY_OK;
        }
        if (strcmp(node->valuestring, "promoted") == 0) {
            *out = CONVOY_STEP_PROMOTED;
            return CONVOY_OK;
        }
        return invalid(r, node, 0, "expected a step index, \"before\" or \"promoted\"");
    }
    if (!cJSON_IsNumber(node))
        return invalid(r, node, 0, "expected a step index, \"before\" or \"promoted\", found %s",
                       convoy__json_type_name(node));
    if (!upto && svc->n_steps == 0)
        return invalid(r, node, 0, "service \"%s\" has no steps", svc->name);
    uint64_t v;
    int rc = read_uint(r, node, upto ? svc->n_steps : svc->n_steps - 1, &v);
    if (rc == CONVOY_OK)
        *out = (size_t)v;
    return rc;
}

/* Reads the members of `obj` listed in `t` into `base`: scalars directly,
 * the rest into found[] for the caller. Unknown, duplicate and missing keys
 * are errors. `svc` is the service the object belongs to (NULL for the
 * state itself). */
/* Keys added to format 1 after it was first written: absent means "none"
 * (the defaults convoy__state_alloc set). */
static int optional_key(const char *key)
{
    return strcmp(key, "totals_step") == 0 || strcmp(key, "totals") == 0 ||
           strcmp(key, "background_at_ms") == 0 || strcmp(key, "background") == 0 ||
           strcmp(key, "rollback_check_ms") == 0;
}

static int read_object(reader *r, const cJSON *obj, const field *t, size_t n, void *base,
                       const convoy_service *svc, const cJSON **found)
{
    if (!cJSON_IsObject(obj))
        return invalid(r, obj, 0, "expected an object, found %s", convoy__json_type_name(obj));
    uint64_t seen = 0;
    for (size_t i = 0; i < n; i++)
        found[i] = NULL;
    for (const cJSON *c = obj->child; c; c = c->next) {
        size_t mark = path_push(r, c->string);
        size_t i = 0;
        while (i < n && strcmp(t[i].key, c->string) != 0)
            i++;
        if (i == n)
            return invalid(r, c, 1, "unknown key");
        if (seen & ((uint64_t)1 << i))
            return invalid(r, c, 1, "duplicate key");
        seen |= (uint64_t)1 << i;
        const field *f = &t[i];
        uint64_t v = 0;
        int rc = CONVOY_OK;
        switch (f->kind) {
        case K_BOOL:
            if (!cJSON_IsBool(c))
                return invalid(r, c, 0, "expected true or false, found %s", convoy__json_type_name(c));
            *AT(base, f, int) = cJSON_IsTrue(c) ? 1 : 0;
            break;
        case K_SMALL:
            if ((rc = read_uint(r, c, f->max, &v)) == CONVOY_OK)
                *AT(base, f, int) = (int)v;
            break;
        case K_ENUM:
            rc = read_enum(r, c, f->name_of, AT(base, f, int));
            break;
        case K_U32:
            if ((rc = read_uint(r, c, f->max, &v)) == CONVOY_OK)
                *AT(base, f, uint32_t) = (uint32_t)v;
            break;
        case K_U64:
            rc = read_uint(r, c, UINT64_MAX, AT(base, f, uint64_t));
            break;
        case K_DOUBLE:
            rc = read_double(r, c, AT(base, f, double));
            break;
        case K_STEP:
        case K_STEP_NEXT:
            rc = read_step(r, c, svc, f->kind == K_STEP_NEXT, AT(base, f, size_t));
            break;
        case K_HOOK:
            if ((rc = read_uint(r, c, svc->n_hooks, &v)) == CONVOY_OK)
                *AT(base, f, size_t) = (size_t)v;
            break;
        default:
            found[i] = c;
            break;
        }
        if (rc != CONVOY_OK)
            return rc;
        path_pop(r, mark);
    }
    for (size_t i = 0; i < n; i++)
        if (!(seen & ((uint64_t)1 << i)) && !optional_key(t[i].key))
            return invalid(r, obj, 0, "missing key \"%s\"", t[i].key);
    return CONVOY_OK;
}

/* rollback_queue / rolled_back: distinct service indices. */
static int read_indices(reader *r, const cJSON *node, size_t **arr, size_t *n, size_t cap)
{
    if (!cJSON_IsArray(node))
        return invalid(r, node, 0, "expected an array of service indices, found %s",
                       convoy__json_type_name(node));
    size_t services = r->plan->n_services;
    size_t count = (size_t)cJSON_GetArraySize(node);
    if (count > services)
        return invalid(r, node, 0, "%zu entries, but the plan has %zu services", count,
                       services);
    if (!count)
        return CONVOY_OK;
    /* The rolled-back list is grown in place by the engine up to one entry
     * per service, so it is allocated at that size. */
    size_t *v = convoy__calloc(cap > count ? cap : count, sizeof *v);
    char *seen = convoy__calloc(services, 1);
    if (!v || !seen) {
        convoy__dealloc(v);
        convoy__dealloc(seen);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory reading a rollout state");
    }
    *arr = v;
    size_t k = 0;
    int rc = CONVOY_OK;
    for (const cJSON *c = node->child; c && rc == CONVOY_OK; c = c->next, k++) {
        size_t mark = path_push_index(r, k);
        uint64_t idx;
        rc = read_uint(r, c, services - 1, &idx);
        if (rc == CONVOY_OK && seen[idx])
            rc = invalid(r, c, 0, "service %llu (\"%s\") is listed twice",
                         (unsigned long long)idx, r->plan->services[idx].name);
        if (rc == CONVOY_OK) {
            seen[idx] = 1;
            v[(*n)++] = (size_t)idx;
            path_pop(r, mark);
        }
    }
    convoy__dealloc(seen);
    return rc;
}

static int read_metric(reader *r, const cJSON *node, convoy__metric_progress *m,
                       const convoy_metric *spec)
{
    const cJSON *found[COUNT(METRIC_FIELDS)];
    int rc = read_object(r, node, METRIC_FIELDS, COUNT(METRIC_FIELDS), m, NULL, found);
    if (rc != CONVOY_OK)
        return rc;
    for (size_t i = 0; i < COUNT(METRIC_FIELDS); i++) {
        const cJSON *c = found[i];
        if (!c)
            continue;
        size_t mark = path_push(r, METRIC_FIELDS[i].key);
        if (METRIC_FIELDS[i].kind == K_METRIC_NAME) {
            if (!cJSON_IsString(c))
                return invalid(r, c, 0, "expected a metric name, found %s", convoy__json_type_name(c));
            if (strcmp(c->valuestring, spec->name) != 0)
                return invalid(r, c, 0, "metric \"%s\" is \"%s\" in the plan's analysis",
                               c->valuestring, spec->name);
        } else {
            if (!cJSON_IsString(c))
                return invalid(r, c, 0, "expected a string of S, F, I and E, found %s",
                               convoy__json_type_name(c));
            size_t n = strlen(c->valuestring);
            if (n > CONVOY__MAX_MEASUREMENTS)
                return invalid(r, c, 0, "%zu measurements, more than the limit of %d", n,
                               CONVOY__MAX_MEASUREMENTS);
            size_t bad = strspn(c->valuestring, "SFIE");
            if (bad < n)
                return invalid(r, c, 0, "outcome %zu is '%c', not one of S, F, I, E", bad,
                               c->valuestring[bad]);
            if (n) {
                m->outcomes = convoy__strndup(c->valuestring, n);
                if (!m->outcomes)
                    return convoy__fail(CONVOY_E_NOMEM, "out of memory reading a rollout state");
                m->n_outcomes = n;
            }
        }
        path_pop(r, mark);
    }
    return CONVOY_OK;
}

/* Metric progress exists only while an analysis step runs, one entry per
 * metric of that analysis, in its order. */
static int read_metrics(reader *r, const cJSON *node, convoy__service_state *s,
                        const convoy_service *svc)
{
    if (!cJSON_IsArray(node))
        return invalid(r, node, 0, "expected an array, found %s", convoy__json_type_name(node));
    size_t n = (size_t)cJSON_GetArraySize(node);
    if (!n)
        return CONVOY_OK;
    const convoy_analysis *an = analysis_at(svc, s->step);
    if (!an) {
        if (s->step == CONVOY_STEP_BEFORE || s->step == CONVOY_STEP_PROMOTED)
            return invalid(r, node, 0, "metric progress, but the service is at no step");
        return invalid(r, node, 0, "metric progress, but step %zu of \"%s\" is not an analysis",
                       s->step, svc->name);
    }
    if (n != an->n_metrics)
        return invalid(r, node, 0, "%zu entries, but analysis \"%s\" has %zu metrics", n,
                       an->name, an->n_metrics);
    int rc = convoy__metrics_reset(s, n);
    if (rc != CONVOY_OK)
        return rc;
    size_t k = 0;
    for (const cJSON *c = node->child; c; c = c->next, k++) {
        size_t mark = path_push_index(r, k);
        rc = read_metric(r, c, &s->metrics[k], &an->metrics[k]);
        if (rc != CONVOY_OK)
            return rc;
        path_pop(r, mark);
    }
    return CONVOY_OK;
}

/* Totals (one entry per metric of the analysis at totals_step) and the
 * background run (per metric of the background analysis), or none. */
static int read_progress(reader *r, const cJSON *node, const convoy_analysis *an,
                         const char *what, convoy__metric_progress **out, size_t *n_out)
{
    if (!node)
        return CONVOY_OK; /* an optional key */
    if (!cJSON_IsArray(node))
        return invalid(r, node, 0, "expected an array, found %s", convoy__json_type_name(node));
    size_t n = (size_t)cJSON_GetArraySize(node);
    if (!n)
        return CONVOY_OK;
    if (!an)
        return invalid(r, node, 0, "%s, but the plan has no such analysis here", what);
    if (n != an->n_metrics)
        return invalid(r, node, 0, "%zu entries, but analysis \"%s\" has %zu metrics", n,
                       an->name, an->n_metrics);
    convoy__metric_progress *p = convoy__calloc(n, sizeof *p);
    if (!p)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory reading a rollout state");
    *out = p;
    *n_out = n;
    size_t k = 0;
    for (const cJSON *c = node->child; c; c = c->next, k++) {
        size_t mark = path_push_index(r, k);
        int rc = read_metric(r, c, &p[k], &an->metrics[k]);
        if (rc != CONVOY_OK)
            return rc;
        path_pop(r, mark);
    }
    return CONVOY_OK;
}

static int read_service(reader *r, const cJSON *node, convoy_state *st, size_t i)
{
    convoy__service_state *s = &st->services[i];
    const convoy_service *svc = &r->plan->services[i];
    const cJSON *found[COUNT(SERVICE_FIELDS)];
    int rc = read_object(r, node, SERVICE_FIELDS, COUNT(SERVICE_FIELDS), s, svc, found);
    if (rc != CONVOY_OK)
        return rc;
    /* convoy__metrics_reset starts a new analysis and so clears the judge
     * fields; here they were just read and must stay. */
    double judge_score = s->judge_score;
    uint32_t judge_rounds = s->judge_rounds;
    for (size_t k = 0; k < COUNT(SERVICE_FIELDS); k++) {
        int kind = SERVICE_FIELDS[k].kind;
        if (kind != K_METRICS && kind != K_TOTALS && kind != K_BACKGROUND)
            continue; /* the name was checked with the plan */
        size_t mark = path_push(r, SERVICE_FIELDS[k].key);
        if (kind == K_METRICS)
            rc = read_metrics(r, found[k], s, svc);
        else if (kind == K_TOTALS)
            rc = read_progress(r, found[k], analysis_at(svc, s->totals_step), "totals",
                               &s->totals, &s->n_totals);
        else
            rc = read_progress(r, found[k], background_of(svc), "background progress",
                               &s->background, &s->n_background);
        if (rc != CONVOY_OK)
            return rc;
        path_pop(r, mark);
    }
    s->judge_score = judge_score;
    s->judge_rounds = judge_rounds;
    return CONVOY_OK;
}

/* Before anything else: is this a state of ours, and of this plan? A
 * foreign state is reported as such, not as its first field that happens
 * not to fit. */
static int check_identity(reader *r, const cJSON *root)
{
    const convoy_plan *plan = r->plan;
    if (!cJSON_IsObject(root))
        return invalid(r, root, 0, "expected an object, found %s", convoy__json_type_name(root));
    const cJSON *format = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (!format)
        return invalid(r, root, 0, "missing key \"format\" (not a saved rollout state)");
    size_t mark = path_push(r, "format");
    uint64_t v;
    int rc = read_uint(r, format, UINT64_MAX, &v);
    if (rc != CONVOY_OK)
        return rc;
    if (v != STATE_FORMAT)
        return invalid(r, format, 0, "state format %llu is not supported (this library reads %d)",
                       (unsigned long long)v, STATE_FORMAT);
    path_pop(r, mark);

    const cJSON *name = cJSON_GetObjectItemCaseSensitive(root, "plan");
    if (!name)
        return invalid(r, root, 0, "missing key \"plan\"");
    mark = path_push(r, "plan");
    if (!cJSON_IsString(name))
        return invalid(r, name, 0, "expected the plan name, found %s", convoy__json_type_name(name));
    if (strcmp(name->valuestring, plan->name ? plan->name : "") != 0)
        return invalid(r, name, 0, "the state belongs to plan \"%s\", not to \"%s\"",
                       name->valuestring, plan->name ? plan->name : "");
    path_pop(r, mark);

    const cJSON *services = cJSON_GetObjectItemCaseSensitive(root, "services");
    if (!services)
        return invalid(r, root, 0, "missing key \"services\"");
    mark = path_push(r, "services");
    if (!cJSON_IsArray(services))
        return invalid(r, services, 0, "expected an array, found %s", convoy__json_type_name(services));
    size_t n = (size_t)cJSON_GetArraySize(services);
    if (n != plan->n_services)
        return invalid(r, services, 0, "the state has %zu services, plan \"%s\" has %zu", n,
                       plan->name, plan->n_services);
    size_t i = 0;
    for (const cJSON *c = services->child; c; c = c->next, i++) {
        size_t at = path_push_index(r, i);
        if (!cJSON_IsObject(c))
            return invalid(r, c, 0, "expected an object, found %s", convoy__json_type_name(c));
        const cJSON *sn = cJSON_GetObjectItemCaseSensitive(c, "name");
        if (!sn)
            return invalid(r, c, 0, "missing key \"name\"");
        path_push(r, "name");
        if (!cJSON_IsString(sn))
            return invalid(r, sn, 0, "expected a service name, found %s", convoy__json_type_name(sn));
        if (strcmp(sn->valuestring, plan->services[i].name) != 0) {
            const convoy_service *other = convoy_plan_service_by_name(plan, sn->valuestring);
            if (other)
                return invalid(r, sn, 0,
                               "service %zu is \"%s\" in the state but \"%s\" in the plan "
                               "(the plan lists \"%s\" as service %zu)",
                               i, sn->valuestring, plan->services[i].name, sn->valuestring,
                               other->index);
            return invalid(r, sn, 0, "service %zu is \"%s\" in the state but \"%s\" in the plan "
                                     "(plan \"%s\" has no service \"%s\")",
                           i, sn->valuestring, plan->services[i].name, plan->name,
                           sn->valuestring);
        }
        path_pop(r, at);
    }
    path_pop(r, mark);
    return CONVOY_OK;
}

static int read_state(reader *r, const cJSON *root, convoy_state *st)
{
    int rc = check_identity(r, root);
    if (rc != CONVOY_OK)
        return rc;
    const cJSON *found[COUNT(STATE_FIELDS)];
    rc = read_object(r, root, STATE_FIELDS, COUNT(STATE_FIELDS), st, NULL, found);
    for (size_t k = 0; k < COUNT(STATE_FIELDS) && rc == CONVOY_OK; k++) {
        const cJSON *c = found[k];
        if (!c)
            continue;
        size_t mark = path_push(r, STATE_FIELDS[k].key);
        switch (STATE_FIELDS[k].kind) {
        case K_QUEUE:
            rc = read_indices(r, c, &st->rollback_queue, &st->n_rollback, 0);
            st->cap_rollback = st->rollback_queue ? st->n_rollback : 0;
            break;
        case K_ROLLED:
            rc = read_indices(r, c, &st->rolled_back, &st->n_rolled_back, st->n_services);
            break;
        case K_SERVICES: {
            size_t i = 0;
            for (const cJSON *s = c->child; s && rc == CONVOY_OK; s = s->next, i++) {
                size_t at = path_push_index(r, i);
                rc = read_service(r, s, st, i);
                if (rc == CONVOY_OK)
                    path_pop(r, at);
            }
            break;
        }
        default:
            break; /* format and plan: checked with the identity */
        }
        if (rc == CONVOY_OK)
            path_pop(r, mark);
    }
    return rc;
}

int convoy_state_from_json(convoy_state **out, const convoy_plan *plan, const char *json,
                           size_t len)
{
    if (out)
        *out = NULL;
    if (!out || !plan || (!json && len))
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_state_from_json: NULL argument");
    if (!json)
        json = "";

    convoy__scan_result scan;
    if (convoy__json_check(&scan, json, len, STATE_MAX_DEPTH, SIZE_MAX) != CONVOY__SCAN_OK) {
        uint32_t line, column;
        char message[256];
        convoy__line_col(&line, &column, json, len, scan.offset);
        /* Too deep or a 64-digit number: well-formed, but never a state. */
        int code = scan.status == CONVOY__SCAN_LIMIT ? CONVOY_E_INVALID : CONVOY_E_PARSE;
        snprintf(message, sizeof message, "rollout state, line %u column %u: %s", line, column,
                 scan.message);
        return convoy__fail_at(code, "", line, column, message);
    }

    reader r;
    memset(&r, 0, sizeof r);
    r.text = json;
    r.len = len;
    r.plan = plan;
    convoy__arena arena = {0};
    convoy_state *st = NULL;
    int rc = CONVOY_OK;
    const cJSON *root = convoy__json_tree(&arena, json, len);
    if (!root || convoy__json_positions(&r.pos, &r.n_pos, json, len) != 0) {
        rc = convoy__fail(CONVOY_E_NOMEM, "out of memory reading a rollout state");
        goto done;
    }
    size_t nodes = count_nodes(root);
    r.refs = convoy__calloc(nodes, sizeof *r.refs);
    if (!r.refs) {
        rc = convoy__fail(CONVOY_E_NOMEM, "out of memory reading a rollout state");
        goto done;
    }
    collect(r.refs, &r.n_refs, nodes, root);
    qsort(r.refs, r.n_refs, sizeof *r.refs, cmp_ref);

    rc = convoy__state_alloc(&st, plan);
    if (rc != CONVOY_OK)
        goto done;
    convoy__buf_append(&r.path, "", 0);
    rc = read_state(&r, root, st);

done:
    convoy__buf_free(&r.path);
    convoy__dealloc(r.refs);
    convoy__dealloc(r.pos);
    convoy__arena_free(&arena);
    if (rc != CONVOY_OK) {
        convoy_state_free(st);
        return rc;
    }
    *out = st;
    return CONVOY_OK;
}
