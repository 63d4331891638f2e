/*
 * fuzz_scenario - libFuzzer target for simulator scenarios
 * (convoy_simulator_new, <convoy/backend.h>) and the rollouts they drive.
 *
 * The input is read as a scenario of each of two fixed plans, read once
 * from the source tree: examples/plans/shop.json and
 * tests/fuzz/plans/fleet.json (a cohort, a background analysis, a judge,
 * an approval with a timeout, a webhook step, Flagger webhooks of every
 * moment, among them "rollback" ones, so that "request_rollback" entries
 * can be valid). Checked:
 *
 *   - convoy_simulator_new gives CONVOY_OK, CONVOY_E_PARSE,
 *     CONVOY_E_INVALID, CONVOY_E_LIMIT or CONVOY_E_NOMEM; on failure *out
 *     is NULL and convoy_error_last() carries the status, a message and a
 *     JSON Pointer ("" or "/...");
 *   - an accepted scenario drives a rollout (convoy_rollout_new with the
 *     simulator's backend, no files), ticked at convoy_rollout_next_due
 *     (a minute later when nothing is due) for at most 200 ticks or until
 *     it is promoted, rolled back or aborted; a held rollout is resumed
 *     once. Every tick gives the rollout's status or an error (with
 *     convoy_error_last() set); every decision-log record reaches the
 *     notify callback as one JSON object;
 *   - every state the engine saves reads back (convoy_state_from_json) and
 *     writes the same bytes;
 *   - crash and resume: a second rollout loads the state saved after the
 *     middle tick and replays the rest of the run (same tick times, same
 *     operator call); it must log the same records and end in the same
 *     state, byte for byte (what `convoy simulate`'s kill test checks at
 *     50 points, here for every scenario).
 *
 * Everything is freed: LeakSanitizer findings are crashes, like ASan and
 * UBSan reports and the aborts of broken checks. See tests/fuzz/README.md.
 */
#include <convoy/convoy.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SOURCE_ROOT
#error "SOURCE_ROOT must name the source tree (tests/fuzz/meson.build sets it)"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t g_sink;

#define FUZZ_NAME "fuzz_scenario"
#include "fuzz_support.h"

#define MAX_TICKS 200

/* ------------------------------------------------------------------------
 * The fixed plans, parsed once and kept for the whole run. */
#define N_PLANS 2
static const char *const plan_files[N_PLANS] = {
    SOURCE_ROOT "/examples/plans/shop.json",
    SOURCE_ROOT "/tests/fuzz/plans/fleet.json",
};
static convoy_plan *plans[N_PLANS];

static void init_once(void)
{
    if (plans[0])
        return;
    for (size_t p = 0; p < N_PLANS; p++) {
        plans[p] = fuzz_plan_file(plan_files[p]);
    }
    /* The plans live for the whole run (freed by the process exit). */
}

static void check_error(int rc, const char *what)
{
    const convoy_error *e = convoy_error_last();
    CHECK(e != NULL, "%s: convoy_error_last() is NULL", what);
    CHECK(convoy_error_code(e) == rc, "%s returned %d, convoy_error_last() says %d", what, rc,
          convoy_error_code(e));
    const char *msg = convoy_error_message(e), *ptr = convoy_error_pointer(e);
    CHECK(msg != NULL && msg[0] != '\0', "%s: %d without a message", what, rc);
    CHECK(ptr != NULL && (ptr[0] == '\0' || ptr[0] == '/'), "%s: pointer \"%s\" is not a JSON "
          "Pointer", what, ptr ? ptr : "(null)");
    g_sink += strlen(msg);
    (void)convoy_error_line(e);
    (void)convoy_error_column(e);
}

/* ------------------------------------------------------------------------
 * A growing byte buffer. */
typedef struct bytes {
    char *data;
    size_t len, cap;
} bytes;

static void bytes_put(bytes *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->len + n + 1 > cap)
            cap *= 2;
        b->data = realloc(b->data, cap);
        CHECK(b->data != NULL, "out of memory");
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void bytes_set(bytes *b, const char *s, size_t n)
{
    b->len = 0;
    bytes_put(b, s, n);
}

/* ------------------------------------------------------------------------
 * The host: the simulator's callbacks, a state store in memory, a log. */
typedef struct host {
    const convoy_plan *plan;
    convoy_backend sim;  /* the simulator's callbacks */
    void *sim_userdata;  /* the simulator */
    bytes saved;         /* the last state saved */
    const bytes *load;   /* the state to resume from, or NULL */
    bytes log;           /* decision-log records, one a line */
    int logging;         /* append records to `log` */
    size_t saves;
} host;

#define WRAP(name)                                        \
    static int w_##name(const convoy_action *a, void *u) \
    {                                                     \
        const host *h = u;                                \
        return h->sim.name(a, h->sim_userdata);           \
    }
WRAP(deploy)
WRAP(set_weights)
WRAP(verify_weights)
WRAP(approval)
WRAP(webhook)
WRAP(promote)
WRAP(revert)
#undef WRAP

static int w_query(convoy_samples *out, const convoy_action *a, void *u)
{
    const host *h = u;
    return h->sim.query_metric(out, a, h->sim_userdata);
}

static void notify(const char *record, size_t len, void *u)
{
    host *h = u;
    CHECK(record != NULL && len >= 2 && record[0] == '{' && record[len - 1] == '}',
          "a decision-log record is not a JSON object: %.*s", (int)len, record ? record : "");
    CHECK(memchr(record, '\n', len) == NULL, "a decision-log record holds a newline");
    if (h->logging) {
        bytes_put(&h->log, record, len);
        bytes_put(&h->log, "\n", 1);
    }
}

/* Every saved state reads back and writes the same bytes. */
static int save_state(const char *json, size_t len, void *u)
{
    host *h = u;
    convoy_state *st = NULL;
    int rc = convoy_state_from_json(&st, h->plan, json, len);
    if (rc == CONVOY_E_NOMEM)
        return rc;
    CHECK(rc == CONVOY_OK, "a state the engine saves does not read back: %d (%s at \"%s\")\n%.*s",
          rc, convoy_error_message(convoy_error_last()), convoy_error_pointer(convoy_error_last()),
          (int)len, json);
    char *again = NULL;
    size_t alen = 0;
    rc = convoy_state_to_json(&again, &alen, st);
    convoy_state_free(st);
    if (rc == CONVOY_E_NOMEM)
        return rc;
    CHECK(rc == CONVOY_OK, "convoy_state_to_json: %d", rc);
    CHECK(alen == len && memcmp(again, json, len) == 0,
          "a saved state read back writes other bytes:\n%.*s\n%.*s", (int)len, json, (int)alen,
          again);
    convoy_free(again);
    bytes_set(&h->saved, json, len);
    h->saves++;
    return CONVOY_OK;
}

static int load_state(char **json, size_t *len, void *u)
{
    const host *h = u;
    if (!h->load)
        return CONVOY_E_NOT_FOUND;
    char *copy = convoy_alloc(h->load->len + 1);
    if (!copy)
        return CONVOY_E_NOMEM;
    memcpy(copy, h->load->data, h->load->len + 1);
    *json = copy;
    *len = h->load->len;
    return CONVOY_OK;
}

static convoy_rollout *open_rollout(host *h, const convoy_simulator *sim)
{
    CHECK(convoy_simulator_backend(&h->sim, sim) == CONVOY_OK, "convoy_simulator_backend");
    h->sim_userdata = (void *)sim;
    convoy_backend be = CONVOY_BACKEND_INIT;
    be.deploy = w_deploy;
    be.set_weights = w_set_weights;
    be.verify_weights = w_verify_weights;
    be.query_metric = w_query;
    be.approval = w_approval;
    be.webhook = w_webhook;
    be.promote = w_promote;
    be.revert = w_revert;
    be.notify = notify;
    be.save_state = save_state;
    be.load_state = load_state;
    convoy_rollout *r = NULL;
    int rc = convoy_rollout_new(&r, h->plan, &be, h, NULL);
    if (rc == CONVOY_E_NOMEM)
        return NULL;
    CHECK(rc == CONVOY_OK, "convoy_rollout_new: %d (%s)", rc,
          convoy_error_message(convoy_error_last()));
    return r;
}

/* One step of the run: a tick at `time`, or the operator's resume. */
typedef struct event {
    uint64_t time;
    int resume; /* convoy_rollout_resume before the tick */
} event;

/* Runs `ev` from `from`; returns the index after the last event run (the
 * run stops early on an error or a final status). */
static size_t replay(convoy_rollout *r, const event *ev, size_t from, size_t n)
{
    size_t i;
    for (i = from; i < n; i++) {
        if (ev[i].resume) {
            int rc = convoy_rollout_resume(r);
            CHECK(rc == CONVOY_OK, "convoy_rollout_resume of a held rollout: %d (%s)", rc,
                  convoy_error_message(convoy_error_last()));
        }
        int rc = convoy_rollout_tick(r, ev[i].time);
        if (rc < 0) {
            check_error(rc, "convoy_rollout_tick");
            return i + 1;
        }
        CHECK(convoy_rollout_status_name(rc) != NULL, "tick status %d", rc);
        CHECK(rc == convoy_rollout_status(r), "tick returned %d, status is %d", rc,
              convoy_rollout_status(r));
    }
    return i;
}

static void run(const convoy_plan *plan, const convoy_simulator *sim)
{
    host a;
    memset(&a, 0, sizeof a);
    a.plan = plan;
    convoy_rollout *r = open_rollout(&a, sim);
    if (!r)
        return;
    CHECK(convoy_rollout_status(r) == CONVOY_ROLLOUT_RUNNING, "a new rollout is %d",
          convoy_rollout_status(r));

    /* The uninterrupted run, recording its events. */
    event ev[MAX_TICKS];
    size_t n = 0, mid = 0;
    bytes mid_state = {0};
    uint64_t now = 0;
    int resumed = 0, status = CONVOY_ROLLOUT_RUNNING;
    while (n < MAX_TICKS) {
        uint64_t due = convoy_rollout_next_due(r);
        if (due == UINT64_MAX)
            due = now + 60000;
        if (due > now)
            now = due;
        ev[n].time = now;
        ev[n].resume = status == CONVOY_ROLLOUT_HELD && !resumed;
        resumed |= ev[n].resume;
        size_t end = replay(r, ev, n, n + 1);
        n++;
        if (end == n && n == MAX_TICKS / 2) {
            /* The crash point: the state this tick saved, the log from here. */
            CHECK(a.saves > 0, "no state saved after %zu ticks", n);
            mid = n;
            bytes_set(&mid_state, a.saved.data, a.saved.len);
            a.logging = 1;
        }
        status = convoy_rollout_status(r);
        if (end != n || status == CONVOY_ROLLOUT_PROMOTED ||
            status == CONVOY_ROLLOUT_ROLLED_BACK || status == CONVOY_ROLLOUT_ABORTED ||
            (status == CONVOY_ROLLOUT_HELD && resumed))
            break;
    }
    if (!mid && n > 1) {
        /* Finished early: crash after the middle tick instead (run again up
         * to there; the run is deterministic). */
        convoy_rollout_free(r);
        a.saved.len = 0;
        a.saves = 0;
        r = open_rollout(&a, sim);
        if (!r)
            goto out;
        mid = n / 2;
        size_t end = replay(r, ev, 0, mid);
        CHECK(end == mid, "the second run stopped at event %zu of %zu", end, mid);
        bytes_set(&mid_state, a.saved.data, a.saved.len);
        a.logging = 1;
        end = replay(r, ev, mid, n);
        (void)end;
    }
    char *final_a = NULL;
    size_t len_a = 0;
    CHECK(convoy_state_to_json(&final_a, &len_a, convoy_rollout_state(r)) == CONVOY_OK,
          "convoy_state_to_json");
    convoy_rollout_free(r);

    if (mid) {
        /* Crash after event `mid`, resume from its saved state, replay. */
        host b;
        memset(&b, 0, sizeof b);
        b.plan = plan;
        b.load = &mid_state;
        b.logging = 1;
        convoy_rollout *rb = open_rollout(&b, sim);
        if (rb) {
            replay(rb, ev, mid, n);
            char *final_b = NULL;
            size_t len_b = 0;
            CHECK(convoy_state_to_json(&final_b, &len_b, convoy_rollout_state(rb)) == CONVOY_OK,
                  "convoy_state_to_json");
            CHECK(b.log.len == a.log.len && (!a.log.len || !memcmp(a.log.data, b.log.data,
                                                                   a.log.len)),
                  "resumed after event %zu of %zu: other records\n-- uninterrupted:\n%s"
                  "-- resumed:\n%s", mid, n, a.log.data ? a.log.data : "",
                  b.log.data ? b.log.data : "");
            CHECK(len_a == len_b && memcmp(final_a, final_b, len_a) == 0,
                  "resumed after event %zu of %zu: another final state\n%s\n%s", mid, n, final_a,
                  final_b);
            convoy_free(final_b);
            convoy_rollout_free(rb);
        }
        free(b.saved.data);
        free(b.log.data);
    }
    convoy_free(final_a);
out:
    free(mid_state.data);
    free(a.saved.data);
    free(a.log.data);
}

/* ------------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    init_once();
    const char *text = (const char *)data;
    for (size_t p = 0; p < N_PLANS; p++) {
        convoy_simulator *sim = (convoy_simulator *)1;
        int rc = convoy_simulator_new(&sim, plans[p], text, size);
        CHECK(rc == CONVOY_OK || rc == CONVOY_E_PARSE || rc == CONVOY_E_INVALID ||
                  rc == CONVOY_E_LIMIT || rc == CONVOY_E_NOMEM,
              "convoy_simulator_new returned %d", rc);
        if (rc != CONVOY_OK) {
            CHECK(sim == NULL, "*out is not NULL after %d", rc);
            check_error(rc, "convoy_simulator_new");
            continue;
        }
        CHECK(sim != NULL, "CONVOY_OK without a simulator");
        run(plans[p], sim);
        convoy_simulator_free(sim);
    }
    return 0;
}
