/*
 * Helpers shared by the rollout tests (public API only): parsing inline
 * plans, a strict little JSON reader for decision-log records, and a
 * harness that drives a rollout over the simulated backend with a
 * simulated clock while watching every callback and every record.
 *
 * Include after <cmocka.h>.
 */
#ifndef CONVOY_TESTS_ROLLOUT_UTIL_H
#define CONVOY_TESTS_ROLLOUT_UTIL_H

#include <convoy/convoy.h>
#include <convoy/rollout.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#define RT_UNUSED __attribute__((unused))
#define RT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define RT_UNUSED
#define RT_PRINTF(a, b)
#endif

/* ---- strings ------------------------------------------------------------ */

static RT_UNUSED char *rt_fmt(const char *fmt, ...) RT_PRINTF(1, 2);
static RT_UNUSED char *rt_fmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* ---- cleanup after failed assertions ----------------------------------- */

/* A failed assertion leaves the test by longjmp, past its frees. Objects
 * registered here are freed by rt_cleanup (the teardown of every test), so
 * a failing test does not also report leaks under ASan. */
typedef void (*rt_free_fn)(void *);
typedef struct rt_deferred {
    rt_free_fn fn;
    void *ptr;
} rt_deferred;
static rt_deferred *rt_defer_list;
static size_t rt_n_defer, rt_cap_defer;

static RT_UNUSED void *rt_defer(rt_free_fn fn, void *ptr)
{
    if (!ptr)
        return ptr;
    if (rt_n_defer == rt_cap_defer) {
        rt_cap_defer = rt_cap_defer ? rt_cap_defer * 2 : 64;
        rt_defer_list = realloc(rt_defer_list, rt_cap_defer * sizeof *rt_defer_list);
        assert_non_null(rt_defer_list);
    }
    rt_defer_list[rt_n_defer].fn = fn;
    rt_defer_list[rt_n_defer++].ptr = ptr;
    return ptr;
}

/* Forget `ptr` (it is being freed by the test itself). */
static RT_UNUSED void rt_undefer(void *ptr)
{
    for (size_t i = rt_n_defer; i-- > 0;)
        if (rt_defer_list[i].ptr == ptr) {
            memmove(&rt_defer_list[i], &rt_defer_list[i + 1],
                    (rt_n_defer - i - 1) * sizeof *rt_defer_list);
            rt_n_defer--;
            return;
        }
}

static RT_UNUSED int rt_cleanup(void **state)
{
    (void)state;
    while (rt_n_defer) {
        rt_deferred d = rt_defer_list[--rt_n_defer];
        d.fn(d.ptr);
    }
    free(rt_defer_list);
    rt_defer_list = NULL;
    rt_cap_defer = 0;
    return 0;
}

#define RT_TEST(f) cmocka_unit_test_teardown(f, rt_cleanup)

static void rt_plan_free_cb(void *p)
{
    convoy_plan_free(p);
}

static void rt_state_free_cb(void *p)
{
    convoy_state_free(p);
}

static RT_UNUSED void rt_plan_free(convoy_plan *plan)
{
    rt_undefer(plan);
    convoy_plan_free(plan);
}

static RT_UNUSED convoy_state *rt_state_keep(convoy_state *st)
{
    return rt_defer(rt_state_free_cb, st);
}

static RT_UNUSED void rt_state_free(convoy_state *st)
{
    rt_undefer(st);
    convoy_state_free(st);
}

/* ---- plans -------------------------------------------------------------- */

static RT_UNUSED convoy_plan *rt_plan(const char *json)
{
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    int rc = convoy_plan_parse(&plan, &d, json, strlen(json), NULL);
    if (rc != CONVOY_OK) {
        for (size_t i = 0; i < convoy_diagnostics_count(d); i++)
            fprintf(stderr, "plan: %s at %s (%u:%u)\n", convoy_diagnostic_message(d, i),
                    convoy_diagnostic_pointer(d, i), convoy_diagnostic_line(d, i),
                    convoy_diagnostic_column(d, i));
        convoy_diagnostics_free(d);
        fail_msg("plan rejected (%d): %s\n%s", rc, convoy_error_message(convoy_error_last()),
                 json);
    }
    convoy_diagnostics_free(d);
    return rt_defer(rt_plan_free_cb, plan);
}

static RT_UNUSED size_t rt_index(const convoy_plan *plan, const char *name)
{
    const convoy_service *svc = convoy_plan_service_by_name(plan, name);
    if (!svc)
        fail_msg("no service \"%s\" in the plan", name);
    return convoy_service_index(svc);
}

static RT_UNUSED const char *rt_name(const convoy_plan *plan, size_t i)
{
    const convoy_service *svc = convoy_plan_service(plan, i);
    return svc ? convoy_service_name(svc) : "(none)";
}

/* ---- a strict JSON reader (RFC 8259), enough for log records ------------ */

typedef struct rt_json {
    const char *p, *end;
    int depth;
} rt_json;

static void rt_ws(rt_json *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int rt_lit(rt_json *j, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
        return 0;
    j->p += n;
    return 1;
}

static int rt_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int rt_string(rt_json *j)
{
    if (j->p >= j->end || *j->p != '"')
        return 0;
    j->p++;
    while (j->p < j->end) {
        unsigned char c = (unsigned char)*j->p++;
        if (c == '"')
            return 1;
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            if (j->p >= j->end)
                return 0;
            char e = *j->p++;
            if (e == 'u') {
                for (int k = 0; k < 4; k++, j->p++)
                    if (j->p >= j->end || !rt_hex(*j->p))
                        return 0;
            } else if (!strchr("\"\\/bfnrt", e)) {
                return 0;
            }
        }
    }
    return 0;
}

static int rt_digits(rt_json *j)
{
    const char *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s;
}

static int rt_number(rt_json *j)
{
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (!rt_digits(j))
        return 0;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (!rt_digits(j))
            return 0;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
        j->p++;
        if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
            j->p++;
        if (!rt_digits(j))
            return 0;
    }
    return 1;
}

static int rt_value(rt_json *j)
{
    rt_ws(j);
    if (j->p >= j->end || ++j->depth > 64)
        return 0;
    int ok = 0;
    switch (*j->p) {
    case '{':
        j->p++;
        rt_ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            ok = 1;
            break;
        }
        for (;;) {
            rt_ws(j);
            if (!rt_string(j))
                break;
            rt_ws(j);
            if (j->p >= j->end || *j->p != ':')
                break;
            j->p++;
            if (!rt_value(j))
                break;
            rt_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                ok = 1;
            }
            break;
        }
        break;
    case '[':
        j->p++;
        rt_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            ok = 1;
            break;
        }
        for (;;) {
            if (!rt_value(j))
                break;
            rt_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                ok = 1;
            }
            break;
        }
        break;
    case '"':
        ok = rt_string(j);
        break;
    case 't':
        ok = rt_lit(j, "true");
        break;
    case 'f':
        ok = rt_lit(j, "false");
        break;
    case 'n':
        ok = rt_lit(j, "null");
        break;
    default:
        ok = rt_number(j);
        break;
    }
    j->depth--;
    return ok;
}

/* 1 when `text` is exactly one JSON value (whitespace around allowed). */
static RT_UNUSED int rt_json_valid(const char *text, size_t len)
{
    rt_json j = {text, text + len, 0};
    if (!rt_value(&j))
        return 0;
    rt_ws(&j);
    return j.p == j.end;
}

/* The raw text of member `key` of the object `obj` (which must be valid);
 * NULL when absent. `*len` gets its length. */
static RT_UNUSED const char *rt_member(const char *obj, size_t n, const char *key, size_t *len)
{
    rt_json j = {obj, obj + n, 0};
    rt_ws(&j);
    if (j.p >= j.end || *j.p != '{')
        return NULL;
    j.p++;
    size_t klen = strlen(key);
    for (;;) {
        rt_ws(&j);
        const char *ks = j.p;
        if (!rt_string(&j))
            return NULL;
        int match = (size_t)(j.p - ks) == klen + 2 && memcmp(ks + 1, key, klen) == 0;
        rt_ws(&j);
        if (j.p >= j.end || *j.p != ':')
            return NULL;
        j.p++;
        rt_ws(&j);
        const char *vs = j.p;
        if (!rt_value(&j))
            return NULL;
        if (match) {
            if (len)
                *len = (size_t)(j.p - vs);
            return vs;
        }
        rt_ws(&j);
        if (j.p >= j.end || *j.p != ',')
            return NULL;
        j.p++;
    }
}

/* Member `key` as a string without its quotes (escapes kept), in a static
 * buffer; NULL when absent or not a string. */
static RT_UNUSED const char *rt_str(const char *obj, const char *key)
{
    static char buf[4][2048];
    static int turn;
    size_t n;
    const char *v = rt_member(obj, strlen(obj), key, &n);
    if (!v || n < 2 || *v != '"')
        return NULL;
    char *out = buf[turn++ & 3];
    n -= 2;
    if (n >= sizeof buf[0])
        n = sizeof buf[0] - 1;
    memcpy(out, v + 1, n);
    out[n] = '\0';
    return out;
}

/* Member `key` as a number; NAN when absent or not a number. */
static RT_UNUSED double rt_num(const char *obj, const char *key)
{
    size_t n;
    const char *v = rt_member(obj, strlen(obj), key, &n);
    if (!v || !(*v == '-' || (*v >= '0' && *v <= '9')))
        return NAN;
    char tmp[64];
    if (n >= sizeof tmp)
        return NAN;
    memcpy(tmp, v, n);
    tmp[n] = '\0';
    return strtod(tmp, NULL);
}

/* ---- the harness -------------------------------------------------------- */

/* One callback call as the engine made it. */
typedef struct rt_call {
    int kind;            /* CONVOY_ACTION_* */
    size_t service;
    size_t step;
    uint32_t attempt;
    uint64_t now_ms;
    uint32_t candidate_bp;
    int rc;              /* what the backend answered */
} rt_call;

typedef struct harness harness;
/* Optional: answer an action instead of the simulator (return 2 to let the
 * simulator answer). */
typedef int (*rt_override_fn)(harness *h, int kind, const convoy_action *a);
typedef void (*rt_observer_fn)(harness *h);

struct harness {
    convoy_plan *plan;
    convoy_simulator *sim;
    convoy_backend inner;      /* the simulator's callbacks */
    convoy_backend be;         /* ours, wrapping them */
    convoy_rollout *r;
    convoy_rollout_options opts;
    uint64_t now;
    int ticks;
    int status;
    char **records;            /* every notify record, in order */
    size_t n_records, cap_records;
    rt_call *calls;
    size_t n_calls, cap_calls;
    rt_override_fn override;
    rt_observer_fn on_call;    /* after every callback */
    rt_observer_fn after_tick;
    void *user;
};

static void rt_note_call(harness *h, int kind, const convoy_action *a, int rc)
{
    if (h->n_calls == h->cap_calls) {
        h->cap_calls = h->cap_calls ? h->cap_calls * 2 : 256;
        h->calls = realloc(h->calls, h->cap_calls * sizeof *h->calls);
        assert_non_null(h->calls);
    }
    rt_call *c = &h->calls[h->n_calls++];
    c->kind = kind;
    c->service = convoy_service_index(convoy_action_service(a));
    c->step = convoy_action_step(a);
    c->attempt = convoy_action_attempt(a);
    c->now_ms = convoy_action_now_ms(a);
    c->candidate_bp = convoy_action_candidate_bp(a);
    c->rc = rc;
    if (h->on_call)
        h->on_call(h);
}

static int rt_dispatch(harness *h, int kind, convoy_action_fn fn, const convoy_action *a)
{
    int rc = 2;
    if (h->override)
        rc = h->override(h, kind, a);
    if (rc == 2)
        rc = fn ? fn(a, h->sim) : CONVOY_OK;
    rt_note_call(h, kind, a, rc);
    return rc;
}

#define RT_WRAP(field, KIND)                                                   \
    static int rt_w_##field(const convoy_action *a, void *u)                   \
    {                                                                          \
        harness *h = u;                                                        \
        return rt_dispatch(h, KIND, h->inner.field, a);                        \
    }
RT_WRAP(deploy, CONVOY_ACTION_DEPLOY)
RT_WRAP(set_weights, CONVOY_ACTION_SET_WEIGHTS)
RT_WRAP(verify_weights, CONVOY_ACTION_VERIFY_WEIGHTS)
RT_WRAP(approval, CONVOY_ACTION_APPROVAL)
RT_WRAP(webhook, CONVOY_ACTION_WEBHOOK)
RT_WRAP(promote, CONVOY_ACTION_PROMOTE)
RT_WRAP(revert, CONVOY_ACTION_REVERT)
#undef RT_WRAP

static int rt_w_query(convoy_samples *out, const convoy_action *a, void *u)
{
    harness *h = u;
    int rc = h->inner.query_metric(out, a, h->sim);
    rt_note_call(h, CONVOY_ACTION_QUERY_METRIC, a, rc);
    return rc;
}

static void rt_w_notify(const char *record, size_t len, void *u)
{
    harness *h = u;
    if (h->n_records == h->cap_records) {
        h->cap_records = h->cap_records ? h->cap_records * 2 : 256;
        h->records = realloc(h->records, h->cap_records * sizeof *h->records);
        assert_non_null(h->records);
    }
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, record, len);
    copy[len] = '\0';
    if (!rt_json_valid(copy, len))
        fail_msg("a decision-log record is not valid JSON: %s", copy);
    h->records[h->n_records++] = copy;
}

static RT_UNUSED void rt_free(harness *h);

static void rt_harness_free_cb(void *p)
{
    rt_free(p);
    free(p);
}

/* A harness on the heap, freed after the test (rt_free empties it for
 * reuse). */
static RT_UNUSED harness *rt_harness(void)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    return rt_defer(rt_harness_free_cb, h);
}

/* Plan and simulator; the rollout is made by rt_open (options may be set
 * in between). `scenario` may be NULL (all healthy). */
static RT_UNUSED void rt_init(harness *h, const char *plan_json, const char *scenario)
{
    memset(h, 0, sizeof *h);
    h->plan = rt_plan(plan_json);
    rt_undefer(h->plan); /* the harness owns it */
    int rc = convoy_simulator_new(&h->sim, h->plan, scenario, scenario ? strlen(scenario) : 0);
    if (rc != CONVOY_OK)
        fail_msg("scenario rejected (%d): %s at \"%s\"", rc,
                 convoy_error_message(convoy_error_last()),
                 convoy_error_pointer(convoy_error_last()));
    assert_int_equal(convoy_simulator_backend(&h->inner, h->sim), CONVOY_OK);
    convoy_backend_init(&h->be, CONVOY_BACKEND_VERSION);
    h->be.deploy = rt_w_deploy;
    h->be.set_weights = rt_w_set_weights;
    h->be.verify_weights = rt_w_verify_weights;
    h->be.query_metric = rt_w_query;
    h->be.approval = rt_w_approval;
    h->be.webhook = rt_w_webhook;
    h->be.promote = rt_w_promote;
    h->be.revert = rt_w_revert;
    h->be.notify = rt_w_notify;
    convoy_rollout_options_init(&h->opts, CONVOY_ROLLOUT_OPTIONS_VERSION);
}

static RT_UNUSED void rt_open(harness *h)
{
    int rc = convoy_rollout_new(&h->r, h->plan, &h->be, h, &h->opts);
    if (rc != CONVOY_OK)
        fail_msg("convoy_rollout_new: %d %s", rc, convoy_error_message(convoy_error_last()));
}

static RT_UNUSED void rt_close(harness *h)
{
    convoy_rollout_free(h->r);
    h->r = NULL;
}

static RT_UNUSED void rt_free(harness *h)
{
    rt_close(h);
    convoy_simulator_free(h->sim);
    convoy_plan_free(h->plan);
    for (size_t i = 0; i < h->n_records; i++)
        free(h->records[i]);
    free(h->records);
    free(h->calls);
    memset(h, 0, sizeof *h);
}

static RT_UNUSED int rt_finished(int status)
{
    return status == CONVOY_ROLLOUT_PROMOTED || status == CONVOY_ROLLOUT_ROLLED_BACK ||
           status == CONVOY_ROLLOUT_ABORTED;
}

static RT_UNUSED int rt_tick(harness *h, uint64_t now)
{
    if (now > h->now)
        h->now = now;
    h->status = convoy_rollout_tick(h->r, h->now);
    h->ticks++;
    if (h->status < 0)
        fail_msg("tick at %llu ms: %d %s", (unsigned long long)h->now, h->status,
                 convoy_error_message(convoy_error_last()));
    if (h->after_tick)
        h->after_tick(h);
    return h->status;
}

/* Ticks at each due time until the rollout finishes, nothing is due
 * (held, or waiting for a callback for ever), `until_ms` passes (0: no
 * limit) or `max_ticks` ticks were made. Returns the status. */
static RT_UNUSED int rt_run_until(harness *h, uint64_t until_ms, int max_ticks)
{
    int start = h->ticks;
    for (;;) {
        rt_tick(h, h->now);
        if (rt_finished(h->status))
            return h->status;
        uint64_t next = convoy_rollout_next_due(h->r);
        if (next == UINT64_MAX || (until_ms && next > until_ms))
            return h->status;
        if (h->ticks - start >= max_ticks)
            return h->status;
        h->now = next > h->now ? next : h->now;
    }
}

static RT_UNUSED int rt_run(harness *h)
{
    int status = rt_run_until(h, 0, 100000);
    if (h->ticks >= 100000)
        fail_msg("the rollout did not finish in 100000 ticks");
    return status;
}

/* ---- looking at records and calls -------------------------------------- */

/* Index of the first record at or after `from` whose `key` is `value`
 * (and, when svc is not NULL, whose service is svc); -1 if none. */
static RT_UNUSED long rt_find(const harness *h, size_t from, const char *key, const char *value,
                              const char *svc)
{
    for (size_t i = from; i < h->n_records; i++) {
        const char *v = rt_str(h->records[i], key);
        if (!v || strcmp(v, value) != 0)
            continue;
        if (svc) {
            const char *s = rt_str(h->records[i], "service");
            if (!s || strcmp(s, svc) != 0)
                continue;
        }
        return (long)i;
    }
    return -1;
}

static RT_UNUSED size_t rt_count(const harness *h, const char *key, const char *value,
                                 const char *svc)
{
    size_t n = 0;
    for (long i = rt_find(h, 0, key, value, svc); i >= 0;
         i = rt_find(h, (size_t)i + 1, key, value, svc))
        n++;
    return n;
}

/* Calls of `kind` (for `service`, SIZE_MAX: any). */
static RT_UNUSED size_t rt_calls(const harness *h, int kind, size_t service)
{
    size_t n = 0;
    for (size_t i = 0; i < h->n_calls; i++)
        n += h->calls[i].kind == kind && (service == SIZE_MAX || h->calls[i].service == service);
    return n;
}

static RT_UNUSED char *rt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

#endif
