/*
 * fuzz_state - libFuzzer target for reading a saved rollout state
 * (convoy_state_from_json, <convoy/rollout.h>).
 *
 * The input is read as a state of each of two fixed plans, read once from
 * the source tree: examples/plans/shop.json and tests/fuzz/plans/fleet.json
 * (a cohort, a background analysis, a judge, an approval with a timeout, a
 * webhook step, Flagger webhooks of every moment, Flagger shorthand). A
 * state names its plan, so at most one of them accepts it. Checked:
 *
 *   - the status is CONVOY_OK, CONVOY_E_PARSE, CONVOY_E_INVALID or
 *     CONVOY_E_NOMEM; on failure *out is NULL and convoy_error_last()
 *     carries the status, a message and a JSON Pointer ("" or "/...");
 *   - an accepted state has a known rollout status, known service states,
 *     weights within 0-10000 bp, step positions inside the service's steps
 *     (or before / promoted), a rollback order of distinct services;
 *   - the round trip: convoy_state_to_json of the state reads back, with
 *     the same getters, and writes the very same bytes again (the engine
 *     resumes from exactly what it saved);
 *   - resuming: a rollout whose backend's load_state gives that JSON starts
 *     (convoy_rollout_new) and is ticked at its due times (at most 24
 *     ticks) against the healthy simulator; every tick gives a known status
 *     or an error, and the state it leaves reads back to the same bytes.
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

#define FUZZ_NAME "fuzz_state"
#include "fuzz_support.h"

#define RESUME_TICKS 24

/* ------------------------------------------------------------------------
 * The fixed plans, parsed once and kept for the whole run. */
#define N_PLANS 2
static const char *const plan_files[N_PLANS] = {
    SOURCE_ROOT "/examples/plans/shop.json",
    SOURCE_ROOT "/tests/fuzz/plans/fleet.json",
};
static convoy_plan *plans[N_PLANS];
static convoy_simulator *sims[N_PLANS];

static void init_once(void)
{
    if (plans[0])
        return;
    for (size_t p = 0; p < N_PLANS; p++) {
        plans[p] = fuzz_plan_file(plan_files[p]);
        int rc = convoy_simulator_new(&sims[p], plans[p], NULL, 0);
        CHECK(rc == CONVOY_OK, "healthy simulator for %s: %d", plan_files[p], rc);
    }
    /* Plans and simulators live for the whole run (freed by the process exit). */
}

/* ------------------------------------------------------------------------
 * Checks. */
static void touch(const char *s)
{
    if (s)
        g_sink += strlen(s);
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
    touch(msg);
    (void)convoy_error_line(e);
    (void)convoy_error_column(e);
}

/* A summary of the state through the public getters, compared across the
 * round trip. */
typedef struct summary {
    int status;
    uint32_t failed;
    uint64_t now, decisions;
    size_t n_rollback;
} summary;

static void check_state(const convoy_plan *plan, const convoy_state *st, summary *sum)
{
    size_t ns = convoy_plan_service_count(plan);
    int status = convoy_state_status(st);
    CHECK(convoy_rollout_status_name(status) != NULL, "rollout status %d", status);
    for (size_t i = 0; i < ns; i++) {
        const convoy_service *svc = convoy_plan_service(plan, i);
        int s = convoy_state_service_state(st, i);
        CHECK(convoy_service_state_name(s) != NULL, "service %zu state %d", i, s);
        size_t step = convoy_state_service_step(st, i);
        CHECK(step < convoy_service_step_count(svc) || step == CONVOY_STEP_BEFORE ||
                  step == CONVOY_STEP_PROMOTED,
              "service %zu at step %zu of %zu", i, step, convoy_service_step_count(svc));
        CHECK(convoy_state_service_candidate_bp(st, i) <= 10000, "service %zu at %u bp", i,
              convoy_state_service_candidate_bp(st, i));
        int touched = convoy_state_service_touched(st, i);
        CHECK(touched == 0 || touched == 1, "service %zu touched %d", i, touched);
    }
    size_t nr = convoy_state_rollback_count(st);
    CHECK(nr <= ns, "%zu services in the rollback order of %zu", nr, ns);
    for (size_t k = 0; k < nr; k++) {
        size_t s = convoy_state_rollback_service(st, k);
        CHECK(s < ns, "rollback order entry %zu is service %zu of %zu", k, s, ns);
        for (size_t j = 0; j < k; j++)
            CHECK(convoy_state_rollback_service(st, j) != s,
                  "service %zu twice in the rollback order", s);
    }
    sum->status = status;
    sum->failed = convoy_state_failed_evaluations(st);
    sum->now = convoy_state_now_ms(st);
    sum->decisions = convoy_state_decisions(st);
    sum->n_rollback = nr;
}

/* The state writes JSON that reads back (same getters) and writes the same
 * bytes. Returns the JSON (convoy_free). */
static char *round_trip(const convoy_plan *plan, const convoy_state *st, size_t *len_out,
                        const char *what)
{
    summary a, b;
    check_state(plan, st, &a);
    char *j1 = NULL, *j2 = NULL;
    size_t l1 = 0, l2 = 0;
    int rc = convoy_state_to_json(&j1, &l1, st);
    if (rc == CONVOY_E_NOMEM)
        return NULL;
    CHECK(rc == CONVOY_OK && j1 != NULL, "%s: convoy_state_to_json: %d", what, rc);
    CHECK(strlen(j1) == l1, "%s: convoy_state_to_json length %zu, strlen %zu", what, l1,
          strlen(j1));
    convoy_state *back = NULL;
    rc = convoy_state_from_json(&back, plan, j1, l1);
    CHECK(rc == CONVOY_OK || rc == CONVOY_E_NOMEM,
          "%s: the written state does not read back: %d (%s at \"%s\")\n%.*s", what, rc,
          convoy_error_message(convoy_error_last()), convoy_error_pointer(convoy_error_last()),
          (int)l1, j1);
    if (rc == CONVOY_OK) {
        check_state(plan, back, &b);
        CHECK(a.status == b.status && a.failed == b.failed && a.now == b.now &&
                  a.decisions == b.decisions && a.n_rollback == b.n_rollback,
              "%s: the state read back has other getters", what);
        for (size_t i = 0; i < convoy_plan_service_count(plan); i++)
            CHECK(convoy_state_service_state(st, i) == convoy_state_service_state(back, i) &&
                      convoy_state_service_step(st, i) == convoy_state_service_step(back, i) &&
                      convoy_state_service_candidate_bp(st, i) ==
                          convoy_state_service_candidate_bp(back, i),
                  "%s: service %zu differs after the round trip", what, i);
        rc = convoy_state_to_json(&j2, &l2, back);
        CHECK(rc == CONVOY_OK || rc == CONVOY_E_NOMEM, "%s: second convoy_state_to_json: %d",
              what, rc);
        if (rc == CONVOY_OK)
            CHECK(l1 == l2 && memcmp(j1, j2, l1) == 0,
                  "%s: the state read back writes other bytes:\n%.*s\n%.*s", what, (int)l1, j1,
                  (int)l2, j2);
        convoy_free(j2);
        convoy_state_free(back);
    }
    *len_out = l1;
    return j1;
}

/* ------------------------------------------------------------------------
 * Resuming. */
typedef struct store {
    const char *json;
    size_t len;
    convoy_backend sim;  /* the simulator's callbacks */
    void *sim_userdata;  /* and their userdata, the simulator */
} store;

static int load_state(char **json, size_t *len, void *userdata)
{
    const store *s = userdata;
    char *copy = convoy_alloc(s->len + 1);
    if (!copy)
        return CONVOY_E_NOMEM;
    memcpy(copy, s->json, s->len);
    copy[s->len] = '\0';
    *json = copy;
    *len = s->len;
    return CONVOY_OK;
}

static int save_state(const char *json, size_t len, void *userdata)
{
    (void)json;
    (void)len;
    (void)userdata;
    return CONVOY_OK;
}

/* The rollout's userdata is the store: the simulator's callbacks are
 * called through it with their own userdata. */
#define WRAP(name)                                         \
    static int w_##name(const convoy_action *a, void *u)  \
    {                                                      \
        const store *s = u;                                \
        return s->sim.name(a, s->sim_userdata);            \
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
    const store *s = u;
    return s->sim.query_metric(out, a, s->sim_userdata);
}

static void resume(size_t p, const char *json, size_t len)
{
    store s = {json, len, CONVOY_BACKEND_INIT, sims[p]};
    CHECK(convoy_simulator_backend(&s.sim, sims[p]) == CONVOY_OK, "simulator backend");
    convoy_backend be = CONVOY_BACKEND_INIT;
    be.deploy = w_deploy;
    be.set_weights = w_set_weights;
    be.verify_weights = w_verify_weights;
    be.query_metric = w_query;
    be.approval = w_approval;
    be.webhook = w_webhook;
    be.promote = w_promote;
    be.revert = w_revert;
    be.load_state = load_state;
    be.save_state = save_state;
    convoy_rollout *r = NULL;
    int rc = convoy_rollout_new(&r, plans[p], &be, &s, NULL);
    if (rc == CONVOY_E_NOMEM)
        return;
    CHECK(rc == CONVOY_OK, "convoy_rollout_new on a state convoy_state_from_json accepts: %d (%s)",
          rc, convoy_error_message(convoy_error_last()));
    const convoy_state *st = convoy_rollout_state(r);
    CHECK(st != NULL, "convoy_rollout_state is NULL");
    CHECK(convoy_rollout_status(r) == convoy_state_status(st), "rollout status %d, state %d",
          convoy_rollout_status(r), convoy_state_status(st));
    uint64_t now = convoy_state_now_ms(st);
    for (int t = 0; t < RESUME_TICKS; t++) {
        uint64_t due = convoy_rollout_next_due(r);
        if (due == UINT64_MAX)
            due = now > UINT64_MAX - 60000 ? UINT64_MAX : now + 60000;
        if (due > now)
            now = due;
        rc = convoy_rollout_tick(r, now);
        CHECK(rc < 0 || convoy_rollout_status_name(rc) != NULL, "tick status %d", rc);
        if (rc < 0) {
            check_error(rc, "convoy_rollout_tick");
            break;
        }
        CHECK(rc == convoy_rollout_status(r), "tick returned %d, status is %d", rc,
              convoy_rollout_status(r));
        if (rc != CONVOY_ROLLOUT_RUNNING)
            break;
    }
    size_t l = 0;
    convoy_free(round_trip(plans[p], convoy_rollout_state(r), &l, "after resuming"));
    convoy_rollout_free(r);
}

/* ------------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (1u << 20))
        return 0;
    init_once();
    const char *json = (const char *)data;
    int accepted = 0;
    for (size_t p = 0; p < N_PLANS; p++) {
        convoy_state *st = (convoy_state *)1;
        int rc = convoy_state_from_json(&st, plans[p], json, size);
        CHECK(rc == CONVOY_OK || rc == CONVOY_E_PARSE || rc == CONVOY_E_INVALID ||
                  rc == CONVOY_E_NOMEM,
              "convoy_state_from_json returned %d", rc);
        if (rc != CONVOY_OK) {
            CHECK(st == NULL, "*out is not NULL after %d", rc);
            check_error(rc, "convoy_state_from_json");
            continue;
        }
        CHECK(st != NULL, "CONVOY_OK without a state");
        CHECK(!accepted, "a state of two plans with different names");
        accepted = 1;
        size_t len = 0;
        char *written = round_trip(plans[p], st, &len, "read state");
        convoy_state_free(st);
        if (written)
            resume(p, written, len);
        convoy_free(written);
    }
    /* Bad arguments. */
    convoy_state *st = NULL;
    CHECK(convoy_state_from_json(&st, NULL, json, size) == CONVOY_E_INVALID_ARG && !st,
          "NULL plan accepted");
    return 0;
}
