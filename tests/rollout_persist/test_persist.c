/*
 * test_persist - what a rollout leaves on disk and reads back after a
 * crash: the state as JSON (exact round trip, strict reading with pointers
 * and positions), the atomic state file, the decision log (cut back to
 * what the state counts) and the history store (torn lines, duplicates,
 * baselines). Internal functions, linked from the internal library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <convoy/convoy.h>
#include <convoy/rollout.h>
#include <convoy/traffic.h>

#include "core/alloc.h"
#include "plan/model.h"
#include "rollout/history.h"
#include "rollout/persist.h"
#include "rollout/state.h"

#ifndef SOURCE_ROOT
#  error "SOURCE_ROOT must be defined by the build"
#endif
#define SHOP_PLAN SOURCE_ROOT "/examples/plans/shop.json"
#define PLATFORM_PLAN SOURCE_ROOT "/examples/plans/platform-12.json"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define assert_status(call, expected)                                                     \
    do {                                                                                  \
        int rc_ = (call), ex_ = (expected);                                               \
        if (rc_ != ex_)                                                                   \
            fail_msg("%s returned %d (%s), expected %d (%s); last error: %s", #call, rc_, \
                     convoy_strerror(rc_), ex_, convoy_strerror(ex_),                     \
                     convoy_error_message(convoy_error_last()));                          \
    } while (0)
#define assert_ok(call) assert_status(call, CONVOY_OK)

/* ------------------------------------------------------------ helpers */

static convoy_plan *load_plan(const char *path)
{
    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse_file(&plan, NULL, path, NULL);
    if (rc != CONVOY_OK)
        fail_msg("%s: %s", path, convoy_error_message(convoy_error_last()));
    return plan;
}

static convoy_plan *inline_plan(const char *json)
{
    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse(&plan, NULL, json, strlen(json), NULL);
    if (rc != CONVOY_OK)
        fail_msg("inline plan: %s", convoy_error_message(convoy_error_last()));
    return plan;
}

static size_t service_index(const convoy_plan *plan, const char *name)
{
    const convoy_service *svc = convoy_plan_service_by_name(plan, name);
    assert_non_null(svc);
    return convoy_service_index(svc);
}

static char *to_json(const convoy_state *st, size_t *len)
{
    char *json = NULL;
    size_t n = 0;
    assert_ok(convoy_state_to_json(&json, &n, st));
    assert_non_null(json);
    assert_int_equal(strlen(json), n);
    if (len)
        *len = n;
    return json;
}

/* A state of the shop plan with every kind of field set away from its
 * default: queues, metric progress, NaN, infinities, -0, subnormals,
 * integers past 2^53 and at the type limits. */
static convoy_state *hand_built_state(const convoy_plan *plan)
{
    convoy_state *st = NULL;
    assert_ok(convoy_state_new(&st, plan));
    st->status = CONVOY_ROLLOUT_HELD;
    st->paused = 1;
    st->aborting = 1;
    st->now_ms = UINT64_MAX;
    st->started_ms = (UINT64_C(1) << 53) + 1;
    st->started = 1;
    st->failed_evaluations = UINT32_MAX;
    st->decisions = 12345678901234567ull;
    st->records = 98765;
    st->log_bytes = 4242424242ull;

    size_t frontend = service_index(plan, "frontend");
    size_t checkout = service_index(plan, "checkout");
    size_t payments = service_index(plan, "payments");
    size_t inventory = service_index(plan, "inventory");
    size_t ledger = service_index(plan, "ledger");
    assert_ok(convoy__queue_rollback(st, inventory));
    assert_ok(convoy__queue_rollback(st, ledger));
    assert_ok(convoy__note_rolled_back(st, inventory));

    convoy__service_state *s = &st->services[frontend];
    s->state = CONVOY_SERVICE_PROGRESSING;
    s->step = 6; /* {"analysis": "web-health"}: three metrics */
    s->stage = CONVOY__STAGE_CONFIRM;
    s->hook_started_ms = 17;
    s->touched = 1;
    s->candidate_bp = 3000;
    s->mirror_bp = 2000;
    s->since_ms = 1000;
    s->step_started_ms = (UINT64_C(1) << 60) + 3;
    s->attempt = 7;
    s->in_flight = 1;
    s->retry_at_ms = 99;
    s->held_since_ms = 0;
    s->failed_step = 3;
    s->resume_step = 10; /* the step count: nothing left to run */
    assert_ok(convoy__metrics_reset(s, 3));
    const char *outcomes[] = {"SSFIE", "", "E"};
    for (size_t k = 0; k < 3; k++)
        for (const char *o = outcomes[k]; *o; o++)
            assert_ok(convoy__metric_append(&s->metrics[k], *o));
    s->metrics[0].next_due_ms = UINT64_MAX - 1;
    s->metrics[0].last_value = 0.1;
    s->metrics[0].sum = 1.0 / 3.0;
    s->metrics[0].n_values = 5;
    s->metrics[1].last_value = NAN;
    s->metrics[1].sum = -0.0;
    s->metrics[2].last_value = INFINITY;
    s->metrics[2].sum = -INFINITY;
    s->metrics[2].n_values = UINT32_MAX;
    s->judge_score = 87.5;
    s->judge_rounds = 2;
    s->history_written = 0;

    s = &st->services[checkout];
    s->state = CONVOY_SERVICE_PENDING;
    s->stage = CONVOY__STAGE_DONE;

    s = &st->services[payments];
    s->state = CONVOY_SERVICE_PROMOTED;
    s->step = CONVOY_STEP_PROMOTED;
    s->candidate_bp = 10000;
    s->judge_score = 5e-324;      /* smallest subnormal */
    s->history_written = 1;

    s = &st->services[inventory];
    s->state = CONVOY_SERVICE_ROLLED_BACK;
    s->step = 1;
    s->failed_step = CONVOY_STEP_PROMOTED;
    s->judge_score = 1.7976931348623157e308;

    s = &st->services[ledger];
    s->state = CONVOY_SERVICE_ROLLING_BACK;
    s->step = 2; /* an analysis step whose measuring has not started */
    s->stage = CONVOY__STAGE_VERIFIED;
    s->touched = 1;
    return st;
}

/* Replaces the first `find` after `anchor` (NULL: from the start). */
static char *replace(const char *text, const char *anchor, const char *find, const char *with)
{
    const char *from = text;
    if (anchor) {
        from = strstr(text, anchor);
        if (!from)
            fail_msg("anchor %s not in %s", anchor, text);
    }
    const char *at = strstr(from, find);
    if (!at)
        fail_msg("%s not in %s", find, from);
    size_t head = (size_t)(at - text), flen = strlen(find), wlen = strlen(with);
    size_t tail = strlen(at + flen);
    char *out = malloc(head + wlen + tail + 1);
    assert_non_null(out);
    memcpy(out, text, head);
    memcpy(out + head, with, wlen);
    memcpy(out + head + wlen, at + flen, tail + 1);
    return out;
}

static void expect_error(const convoy_plan *plan, const char *json, int code,
                         const char *pointer, const char *in_message, const char *what)
{
    convoy_state *st = (convoy_state *)0x1;
    convoy_error_clear();
    int rc = convoy_state_from_json(&st, plan, json, strlen(json));
    const convoy_error *err = convoy_error_last();
    if (rc != code)
        fail_msg("%s: returned %d (%s), expected %d; message: %s", what, rc, convoy_strerror(rc),
                 code, convoy_error_message(err));
    assert_null(st);
    assert_int_equal(convoy_error_code(err), code);
    if (pointer && strcmp(convoy_error_pointer(err), pointer) != 0)
        fail_msg("%s: pointer \"%s\", expected \"%s\"; message: %s", what,
                 convoy_error_pointer(err), pointer, convoy_error_message(err));
    if (in_message && !strstr(convoy_error_message(err), in_message))
        fail_msg("%s: message \"%s\" lacks \"%s\"", what, convoy_error_message(err), in_message);
    if (convoy_error_line(err) == 0 || convoy_error_column(err) == 0)
        fail_msg("%s: no position (line %u column %u)", what, convoy_error_line(err),
                 convoy_error_column(err));
}

/* A private scratch directory, removed with its files afterwards. */
typedef struct scratch {
    char dir[64];
} scratch;

static void scratch_make(scratch *s)
{
    snprintf(s->dir, sizeof s->dir, "/tmp/convoy-persist-XXXXXX");
    assert_non_null(mkdtemp(s->dir));
}

static char *scratch_path(const scratch *s, const char *name)
{
    char *p = malloc(strlen(s->dir) + strlen(name) + 2);
    assert_non_null(p);
    sprintf(p, "%s/%s", s->dir, name);
    return p;
}

/* Names in the scratch directory, "," separated and sorted by readdir
 * order (tests only ask for one or none). */
static size_t scratch_count(const scratch *s, const char *prefix)
{
    DIR *d = opendir(s->dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            n++;
    closedir(d);
    return n;
}

static void scratch_remove(scratch *s)
{
    DIR *d = opendir(s->dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name);
        if (unlink(path) != 0)
            rmdir(path); /* one level of subdirectories at most */
    }
    closedir(d);
    rmdir(s->dir);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *path, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    assert_ok(convoy__state_file_load(&text, &n, path));
    if (len)
        *len = n;
    return text;
}

/* ------------------------------------------------------ state as JSON */

static void test_round_trip(void **unused)
{
    (void)unused;
    convoy_plan *plan = load_plan(SHOP_PLAN);
    convoy_state *st = hand_built_state(plan);
    size_t len1, len2;
    char *first = to_json(st, &len1);

    convoy_state *back = NULL;
    assert_ok(convoy_state_from_json(&back, plan, first, len1));
    char *second = to_json(back, &len2);
    assert_int_equal(len1, len2);
    assert_string_equal(first, second);

    /* The values themselves, not only their text. */
    assert_int_equal(back->status, CONVOY_ROLLOUT_HELD);
    assert_int_equal(back->aborting, 1);
    assert_true(back->now_ms == UINT64_MAX);
    assert_true(back->started_ms == (UINT64_C(1) << 53) + 1);
    assert_true(back->failed_evaluations == UINT32_MAX);
    assert_true(back->decisions == 12345678901234567ull);
    assert_int_equal(back->n_rollback, 2);
    assert_true(back->cap_rollback >= back->n_rollback);
    assert_int_equal(back->rollback_queue[0], service_index(plan, "inventory"));
    assert_int_equal(back->rollback_queue[1], service_index(plan, "ledger"));
    assert_int_equal(convoy_state_rollback_count(back), 1);
    assert_int_equal(convoy_state_rollback_service(back, 0), service_index(plan, "inventory"));
    const convoy__service_state *s = &back->services[service_index(plan, "frontend")];
    assert_int_equal(s->n_metrics, 3);
    assert_string_equal(s->metrics[0].outcomes, "SSFIE");
    assert_int_equal(s->metrics[0].n_outcomes, 5);
    assert_null(s->metrics[1].outcomes);
    assert_int_equal(s->metrics[1].n_outcomes, 0);
    assert_true(s->metrics[0].next_due_ms == UINT64_MAX - 1);
    assert_true(s->metrics[0].last_value == 0.1);
    assert_true(s->metrics[0].sum == 1.0 / 3.0);
    assert_true(isnan(s->metrics[1].last_value));
    assert_true(s->metrics[1].sum == 0.0 && signbit(s->metrics[1].sum));
    assert_true(isinf(s->metrics[2].last_value) && s->metrics[2].last_value > 0);
    assert_true(isinf(s->metrics[2].sum) && s->metrics[2].sum < 0);
    assert_true(s->metrics[2].n_values == UINT32_MAX);
    assert_true(s->judge_score == 87.5);
    assert_int_equal(s->judge_rounds, 2);
    assert_true(s->step_started_ms == (UINT64_C(1) << 60) + 3);
    assert_int_equal(s->resume_step, 10);
    assert_int_equal(s->in_flight, 1);
    assert_int_equal(s->stage, CONVOY__STAGE_CONFIRM);
    s = &back->services[service_index(plan, "payments")];
    assert_true(s->step == CONVOY_STEP_PROMOTED);
    assert_true(s->judge_score == 5e-324);
    s = &back->services[service_index(plan, "inventory")];
    assert_true(s->failed_step == CONVOY_STEP_PROMOTED);
    assert_true(s->judge_score == 1.7976931348623157e308);
    s = &back->services[service_index(plan, "checkout")];
    assert_true(s->step == CONVOY_STEP_BEFORE);
    assert_true(isnan(s->judge_score));
    assert_int_equal(s->stage, CONVOY__STAGE_DONE);

    /* The engine can go on growing what was read. */
    assert_ok(convoy__queue_rollback(back, service_index(plan, "frontend")));
    assert_ok(convoy__note_rolled_back(back, service_index(plan, "ledger")));
    assert_ok(convoy__metric_append(&back->services[service_index(plan, "frontend")].metrics[1],
                                    'S'));

    convoy_free(first);
    convoy_free(second);
    convoy_state_free(back);
    convoy_state_free(st);
    convoy_plan_free(plan);
}

static void test_fresh_state(void **unused)
{
    (void)unused;
    convoy_plan *plan = load_plan(SHOP_PLAN);
    convoy_state *st = NULL;
    assert_ok(convoy_state_new(&st, plan));
    size_t len;
    char *json = to_json(st, &len);
    /* Deterministic layout: the version first, the plan next. */
    assert_true(strncmp(json, "{\"format\":1,\"plan\":\"shop-2024-06-18\",\"status\":\"running\"",
                        52) == 0);
    assert_non_null(strstr(json, "\"services\":[{\"name\":\"frontend\",\"state\":\"pending\","
                                 "\"step\":\"before\",\"stage\":\"enter\""));
    assert_null(strchr(json, '\n'));
    convoy_state *back = NULL;
    assert_ok(convoy_state_from_json(&back, plan, json, len));
    char *again = to_json(back, NULL);
    assert_string_equal(json, again);

    /* Whitespace, a BOM and any key order read the same. */
    char *spaced = replace(json, NULL, "{\"format\":1,", "\xEF\xBB\xBF {\n  \"format\" : 1 ,\n");
    convoy_state *b2 = NULL;
    assert_ok(convoy_state_from_json(&b2, plan, spaced, strlen(spaced)));
    char *again2 = to_json(b2, NULL);
    assert_string_equal(json, again2);
    char *reordered = replace(json, NULL, "\"format\":1,\"plan\":\"shop-2024-06-18\",",
                              "\"plan\":\"shop-2024-06-18\",");
    char *reordered2 = replace(reordered, NULL, "\"log_bytes\":0,", "\"log_bytes\":0,\"format\":1,");
    convoy_state *b3 = NULL;
    assert_ok(convoy_state_from_json(&b3, plan, reordered2, strlen(reordered2)));
    char *again3 = to_json(b3, NULL);
    assert_string_equal(json, again3);

    assert_status(convoy_state_to_json(NULL, NULL, st), CONVOY_E_INVALID_ARG);
    char *none = (char *)0x1;
    assert_status(convoy_state_to_json(&none, NULL, NULL), CONVOY_E_INVALID_ARG);
    assert_null(none);
    convoy_state *out = (convoy_state *)0x1;
    assert_status(convoy_state_from_json(&out, NULL, json, len), CONVOY_E_INVALID_ARG);
    assert_null(out);
    assert_status(convoy_state_from_json(&out, plan, NULL, 3), CONVOY_E_INVALID_ARG);
    assert_status(convoy_state_from_json(NULL, plan, json, len), CONVOY_E_INVALID_ARG);

    free(spaced);
    free(reordered);
    free(reordered2);
    convoy_free(json);
    convoy_free(again);
    convoy_free(again2);
    convoy_free(again3);
    convoy_state_free(back);
    convoy_state_free(b2);
    convoy_state_free(b3);
    convoy_state_free(st);
    convoy_plan_free(plan);
}

static void test_syntax_errors(void **unused)
{
    (void)unused;
    convoy_plan *plan = load_plan(SHOP_PLAN);
    static const struct {
        const char *text;
        uint32_t line, column;
    } bad[] = {
        {"", 1, 1},
        {"{", 1, 2},
        {"{\"format\":1,}", 1, 13},
        {"{\n  \"format\": 1,\n  x}", 3, 3},
        {"{\"format\":01}", 1, 11},
        {"{\"plan\":\"a\tb\"}", 1, 11},
        {"{}\n[]", 2, 1},
        {"{\"a\":\"\xC3\"}", 1, 7},
    };
    for (size_t i = 0; i < COUNT(bad); i++) {
        convoy_state *st = (convoy_state *)0x1;
        int rc = convoy_state_from_json(&st, plan, bad[i].text, strlen(bad[i].text));
        const convoy_error *err = convoy_error_last();
        if (rc != CONVOY_E_PARSE)
            fail_msg("case %zu: returned %d, expected CONVOY_E_PARSE: %s", i, rc,
                     convoy_error_message(err));
        assert_null(st);
        if (convoy_error_line(err) != bad[i].line || convoy_error_column(err) != bad[i].column)
            fail_msg("case %zu: at %u:%u, expected %u:%u (%s)", i, convoy_error_line(err),
                     convoy_error_column(err), bad[i].line, bad[i].column,
                     convoy_error_message(err));
        assert_string_equal(convoy_error_pointer(err), "");
    }
    /* Nesting no state has is refused before anything is built. */
    char deep[64 + 1];
    memset(deep, '[', 64);
    deep[64] = '\0';
    convoy_state *st = NULL;
    assert_status(convoy_state_from_json(&st, plan, deep, 64), CONVOY_E_INVALID);
    convoy_plan_free(plan);
}

typedef struct mutation {
    const char *anchor, *find, *with;
    int code;
    const char *pointer;
    const char *message;
} mutation;

static void test_invalid_fields(void **unused)
{
    (void)unused;
    convoy_plan *plan = load_plan(SHOP_PLAN);
    convoy_state *st = hand_built_state(plan);
    char *json = to_json(st, NULL);
    /* Service 0 is frontend (at step 6 of 10, three metrics); 1 checkout;
     * 4 ledger. */
    assert_int_equal(service_index(plan, "frontend"), 0);
    assert_int_equal(service_index(plan, "ledger"), 4);
    const char *F = "\"name\":\"frontend\"";
    const char *L = "\"name\":\"ledger\"";
    const char *M1 = "\"name\":\"p99-latency\"";
    static char long_outcomes[CONVOY__MAX_MEASUREMENTS + 32];
    memset(long_outcomes, 0, sizeof long_outcomes);
    strcpy(long_outcomes, "\"outcomes\":\"");
    memset(long_outcomes + 12, 'S', CONVOY__MAX_MEASUREMENTS + 1);
    strcat(long_outcomes, "\"");
    const mutation cases[] = {
        /* the document and its identity */
        {NULL, "\"format\":1,", "", CONVOY_E_INVALID, "", "missing key \"format\""},
        {NULL, "\"format\":1", "\"format\":2", CONVOY_E_INVALID, "/format", "format 2"},
        {NULL, "\"format\":1", "\"format\":\"1\"", CONVOY_E_INVALID, "/format", "integer"},
        {NULL, "\"format\":1", "\"format\":1.0", CONVOY_E_INVALID, "/format", "integer"},
        {NULL, "\"plan\":\"shop-2024-06-18\"", "\"plan\":\"shop-2024-06-19\"", CONVOY_E_INVALID,
         "/plan", "belongs to plan \"shop-2024-06-19\""},
        {NULL, "\"plan\":\"shop-2024-06-18\",", "", CONVOY_E_INVALID, "", "missing key \"plan\""},
        {NULL, F, "\"name\":\"web\"", CONVOY_E_INVALID, "/services/0/name", "no service \"web\""},
        {NULL, F, "\"name\":\"ledger\"", CONVOY_E_INVALID, "/services/0/name",
         "lists \"ledger\" as service 4"},
        {NULL, "\"services\":[", "\"services\":[{\"name\":\"x\"},", CONVOY_E_INVALID, "/services",
         "6 services"},
        {NULL, "\"services\":[", "\"services\":[1,", CONVOY_E_INVALID, "/services", "6 services"},
        /* state fields */
        {NULL, "\"status\":\"held\"", "\"status\":\"sleeping\"", CONVOY_E_INVALID, "/status",
         "\"sleeping\" is not one of running, paused"},
        {NULL, "\"status\":\"held\"", "\"status\":2", CONVOY_E_INVALID, "/status", "found a number"},
        {NULL, "\"paused\":true", "\"paused\":1", CONVOY_E_INVALID, "/paused", "true or false"},
        {NULL, "\"aborting\":1", "\"aborting\":3", CONVOY_E_INVALID, "/aborting", "at most 2"},
        {NULL, "\"now_ms\":18446744073709551615", "\"now_ms\":18446744073709551616",
         CONVOY_E_INVALID, "/now_ms", "out of range"},
        {NULL, "\"now_ms\":18446744073709551615", "\"now_ms\":-1", CONVOY_E_INVALID, "/now_ms",
         "negative"},
        {NULL, "\"now_ms\":18446744073709551615", "\"now_ms\":1e3", CONVOY_E_INVALID, "/now_ms",
         "integer"},
        {NULL, "\"now_ms\":18446744073709551615", "\"now_ms\":null", CONVOY_E_INVALID, "/now_ms",
         "found null"},
        {NULL, "\"failed_evaluations\":4294967295", "\"failed_evaluations\":4294967296",
         CONVOY_E_INVALID, "/failed_evaluations", "at most 4294967295"},
        {NULL, "\"records\":98765", "\"records\":\"98765\"", CONVOY_E_INVALID, "/records",
         "found a string"},
        {NULL, "\"records\":98765,", "", CONVOY_E_INVALID, "", "missing key \"records\""},
        {NULL, "\"paused\":true", "\"paused\":true,\"paused\":true", CONVOY_E_INVALID, "/paused",
         "duplicate key"},
        {NULL, "\"paused\":true", "\"pause\":true", CONVOY_E_INVALID, "/pause", "unknown key"},
        {NULL, "\"paused\":true", "\"a/b~c\":0,\"paused\":true", CONVOY_E_INVALID, "/a~1b~0c",
         "unknown key"},
        {NULL, "\"rollback_queue\":[3,4]", "\"rollback_queue\":[3,5]", CONVOY_E_INVALID,
         "/rollback_queue/1", "at most 4"},
        {NULL, "\"rollback_queue\":[3,4]", "\"rollback_queue\":[3,3]", CONVOY_E_INVALID,
         "/rollback_queue/1", "listed twice"},
        {NULL, "\"rollback_queue\":[3,4]", "\"rollback_queue\":[0,1,2,3,4,0]", CONVOY_E_INVALID,
         "/rollback_queue", "6 entries"},
        {NULL, "\"rollback_queue\":[3,4]", "\"rollback_queue\":{}", CONVOY_E_INVALID,
         "/rollback_queue", "expected an array"},
        {NULL, "\"rolled_back\":[3]", "\"rolled_back\":[-3]", CONVOY_E_INVALID, "/rolled_back/0",
         "negative"},
        {NULL, "\"rolled_back\":[3]", "\"rolled_back\":[\"inventory\"]", CONVOY_E_INVALID,
         "/rolled_back/0", "integer"},
        /* service fields */
        {F, "\"state\":\"progressing\"", "\"state\":\"flying\"", CONVOY_E_INVALID,
         "/services/0/state", "\"flying\""},
        {F, "\"step\":6", "\"step\":10", CONVOY_E_INVALID, "/services/0/step", "at most 9"},
        {F, "\"step\":6", "\"step\":\"after\"", CONVOY_E_INVALID, "/services/0/step", "\"before\""},
        {F, "\"step\":6", "\"step\":true", CONVOY_E_INVALID, "/services/0/step", "found a boolean"},
        {F, "\"step\":6", "\"step\":9", CONVOY_E_INVALID, "/services/0/metrics",
         "step 9 of \"frontend\" is not an analysis"},
        {F, "\"step\":6", "\"step\":\"before\"", CONVOY_E_INVALID, "/services/0/metrics",
         "at no step"},
        {F, "\"step\":6", "\"step\":3", CONVOY_E_INVALID, "/services/0/metrics",
         "3 entries, but analysis \"error-rate\" has 1 metrics"},
        {F, "\"stage\":\"confirm\"", "\"stage\":\"later\"", CONVOY_E_INVALID, "/services/0/stage",
         "enter, confirm, applied, verified, done"},
        {F, "\"hook\":0", "\"hook\":1", CONVOY_E_INVALID, "/services/0/hook", "at most 0"},
        {F, "\"candidate_bp\":3000", "\"candidate_bp\":10001", CONVOY_E_INVALID,
         "/services/0/candidate_bp", "at most 10000"},
        {F, "\"mirror_bp\":2000", "\"mirror_bp\":2000.5", CONVOY_E_INVALID,
         "/services/0/mirror_bp", "integer"},
        {F, "\"touched\":true", "\"touched\":\"yes\"", CONVOY_E_INVALID, "/services/0/touched",
         "true or false"},
        {F, "\"attempt\":7", "\"attempt\":4294967296", CONVOY_E_INVALID, "/services/0/attempt",
         "out of range"},
        {F, "\"failed_step\":3", "\"failed_step\":10", CONVOY_E_INVALID,
         "/services/0/failed_step", "at most 9"},
        {F, "\"resume_step\":10", "\"resume_step\":11", CONVOY_E_INVALID,
         "/services/0/resume_step", "at most 10"},
        {F, "\"judge_score\":87.5", "\"judge_score\":\"NaN\"", CONVOY_E_INVALID,
         "/services/0/judge_score", "\"Infinity\""},
        {F, "\"judge_score\":87.5", "\"judge_score\":1e999", CONVOY_E_INVALID,
         "/services/0/judge_score", "out of range"},
        {F, "\"judge_rounds\":2,", "", CONVOY_E_INVALID, "/services/0",
         "missing key \"judge_rounds\""},
        {F, "\"in_flight\":true", "\"in_flight\":true,\"colour\":\"red\"", CONVOY_E_INVALID,
         "/services/0/colour", "unknown key"},
        {L, "\"metrics\":[]", "\"metrics\":{}", CONVOY_E_INVALID, "/services/4/metrics",
         "expected an array"},
        {L, "\"history_written\":false", "\"history_written\":null", CONVOY_E_INVALID,
         "/services/4/history_written", "found null"},
        /* metric progress */
        {F, "\"outcomes\":\"SSFIE\"", "\"outcomes\":\"SSFXE\"", CONVOY_E_INVALID,
         "/services/0/metrics/0/outcomes", "outcome 3 is 'X'"},
        {F, "\"outcomes\":\"SSFIE\"", "\"outcomes\":\"ssfie\"", CONVOY_E_INVALID,
         "/services/0/metrics/0/outcomes", "outcome 0 is 's'"},
        {M1, "\"outcomes\":\"\"", long_outcomes, CONVOY_E_INVALID,
         "/services/0/metrics/1/outcomes", "4097 measurements"},
        {M1, "\"outcomes\":\"\"", "\"outcomes\":[]", CONVOY_E_INVALID,
         "/services/0/metrics/1/outcomes", "found an array"},
        {F, "\"name\":\"error-rate\"", "\"name\":\"latency\"", CONVOY_E_INVALID,
         "/services/0/metrics/0/name", "\"error-rate\" in the plan"},
        {M1, "\"last_value\":null", "\"last_value\":\"NaN\"", CONVOY_E_INVALID,
         "/services/0/metrics/1/last_value", "expected a number"},
        {M1, "\"sum\":-0", "\"sum\":-0,\"sum\":0", CONVOY_E_INVALID, "/services/0/metrics/1/sum",
         "duplicate key"},
        {M1, "\"next_due_ms\":0,", "", CONVOY_E_INVALID, "/services/0/metrics/1",
         "missing key \"next_due_ms\""},
        {M1, "\"n_values\":0", "\"n_values\":0,\"mean\":1", CONVOY_E_INVALID,
         "/services/0/metrics/1/mean", "unknown key"},
        {F, "{\"name\":\"error-rate\"", "[{\"name\":\"error-rate\"", CONVOY_E_PARSE, "", NULL},
        {F, "{\"name\":\"error-rate\"", "3,{\"name\":\"error-rate\"", CONVOY_E_INVALID,
         "/services/0/metrics", "4 entries"},
    };
    /* Shapes a text replacement cannot make. */
    expect_error(plan, "[]", CONVOY_E_INVALID, "", "expected an object", "array document");
    expect_error(plan, "{\"format\":1,\"plan\":\"shop-2024-06-18\",\"services\":7}",
                 CONVOY_E_INVALID, "/services", "expected an array", "services not an array");
    {
        const char *start = strstr(json, "{\"name\":\"checkout\"");
        assert_non_null(start);
        const char *end = strchr(start, '}'); /* checkout has no nested objects */
        size_t head = (size_t)(start - json);
        char *bad = malloc(strlen(json) + 2);
        assert_non_null(bad);
        memcpy(bad, json, head);
        strcpy(bad + head, "2");
        strcat(bad, end + 1);
        expect_error(plan, bad, CONVOY_E_INVALID, "/services/1", "expected an object, found a number",
                     "service not an object");
        free(bad);
    }
    for (size_t i = 0; i < COUNT(cases); i++) {
        char *bad = replace(json, cases[i].anchor, cases[i].find, cases[i].with);
        char what[64];
        snprintf(what, sizeof what, "case %zu (%s)", i, cases[i].pointer);
        expect_error(plan, bad, cases[i].code, cases[i].pointer, cases[i].message, what);
        free(bad);
    }
    convoy_free(json);
    convoy_state_free(st);
    convoy_plan_free(plan);
}

/* The position of an invalid field is the field's, and its key's for key
 * problems. */
static void test_invalid_positions(void **unused)
{
    (void)unused;
    convoy_plan *plan = load_plan(SHOP_PLAN);
    convoy_state *st = NULL;
    assert_ok(convoy_state_new(&st, plan));
    char *json = to_json(st, NULL);
    char *pretty = replace(json, NULL, "\"paused\":false,", "\n  \"paused\": 7,\n");
    expect_error(plan, pretty, CONVOY_E_INVALID, "/paused", NULL, "pretty");
    assert_int_equal(convoy_error_line(convoy_error_last()), 2);
    assert_int_equal(convoy_error_column(convoy_error_last()), 13);
    char *unknown = replace(json, NULL, "\"paused\":false,", "\n\n    \"extra\": 7,");
    expect_error(plan, unknown, CONVOY_E_INVALID, "/extra", NULL, "unknown");
    assert_int_equal(convoy_error_line(convoy_error_last()), 3);
    assert_int_equal(convoy_error_column(convoy_error_last()), 5);
    free(pretty);
    free(unknown);
    convoy_free(json);
    convoy_state_free(st);
    convoy_plan_free(plan);
}

static const char PLAN_AB[] =
    "{\"name\":\"small\",\"services\":["
    "{\"name\":\"a\",\"steps\":[{\"set_weight\":50}]},"
    "{\"name\":\"b\",\"depends_on\":[\"a\"],\"steps\":[{\"set_weight\":50}]}]}";
static const char PLAN_AC[] =
    "{\"name\":\"small\",\"services\":["
    "{\"name\":\"a\",\"steps\":[{\"set_weight\":50}]},"
    "{\"name\":\"c\",\"depends_on\":[\"a\"],\"steps\":[{\"set_weight\":50}]}]}";
static const char PLAN_A[] =
    "{\"name\":\"small\",\"services\":[{\"name\":\"a\",\"steps\":[{\"set_weight\":50}]}]}";

static void test_foreign_plan(void **unused)
{
    (void)unused;
    convoy_plan *shop = load_plan(SHOP_PLAN);
    convoy_plan *platform = load_plan(PLATFORM_PLAN);
    convoy_plan *ab = inline_plan(PLAN_AB);
    convoy_plan *ac = inline_plan(PLAN_AC);
    convoy_plan *a = inline_plan(PLAN_A);

    convoy_state *st = hand_built_state(shop);
    char *json = to_json(st, NULL);
    expect_error(platform, json, CONVOY_E_INVALID, "/plan",
                 "belongs to plan \"shop-2024-06-18\", not to \"platform-q3-train-7\"", "platform");
    convoy_state_free(st);
    convoy_free(json);

    assert_ok(convoy_state_new(&st, ab));
    json = to_json(st, NULL);
    expect_error(ac, json, CONVOY_E_INVALID, "/services/1/name",
                 "service 1 is \"b\" in the state but \"c\" in the plan", "renamed service");
    expect_error(a, json, CONVOY_E_INVALID, "/services",
                 "the state has 2 services, plan \"small\" has 1", "fewer services");
    convoy_state *ok = NULL;
    assert_ok(convoy_state_from_json(&ok, ab, json, strlen(json)));
    convoy_state_free(ok);
    convoy_state_free(st);
    convoy_free(json);

    /* Service webhooks bound the hook index. */
    assert_ok(convoy_state_new(&st, platform));
    size_t hooks = platform->services[0].n_hooks;
    assert_true(hooks >= 1);
    st->services[0].hook = hooks;
    json = to_json(st, NULL);
    assert_ok(convoy_state_from_json(&ok, platform, json, strlen(json)));
    assert_int_equal(ok->services[0].hook, hooks);
    convoy_state_free(ok);
    char from[32], to[32];
    snprintf(from, sizeof from, "\"hook\":%zu", hooks);
    snprintf(to, sizeof to, "\"hook\":%zu", hooks + 1);
    char *bad = replace(json, NULL, from, to);
    expect_error(platform, bad, CONVOY_E_INVALID, "/services/0/hook", "at most", "hook");
    free(bad);
    convoy_free(json);
    convoy_state_free(st);

    convoy_plan_free(shop);
    convoy_plan_free(platform);
    convoy_plan_free(ab);
    convoy_plan_free(ac);
    convoy_plan_free(a);
}

/* Every prefix of a saved state (a file cut short by a full disk or a
 * crash) is an error, never a crash or a state. */
static void test_truncated(void **unused)
{
    (void)unused;
    convoy_plan *plan = load_plan(SHOP_PLAN);
    convoy_state *st = hand_built_state(plan);
    size_t len;
    char *json = to_json(st, &len);
    for (size_t n = 0; n < len; n++) {
        /* A private copy of exactly n bytes, so reading past it is caught. */
        char *cut = malloc(n ? n : 1);
        assert_non_null(cut);
        memcpy(cut, json, n);
        convoy_state *out = (convoy_state *)0x1;
        int rc = convoy_state_from_json(&out, plan, cut, n);
        if (rc != CONVOY_E_PARSE)
            fail_msg("prefix of %zu bytes: returned %d: %s", n, rc,
                     convoy_error_message(convoy_error_last()));
        assert_null(out);
        assert_true(convoy_error_line(convoy_error_last()) >= 1);
        free(cut);
    }
    convoy_free(json);
    convoy_state_free(st);
    convoy_plan_free(plan);
}

/* Single-byte damage anywhere: an error or a state that writes back
 * exactly as read (never a crash, never a silently different state). */
static void test_damaged(void **unused)
{
    (void)unused;
    convoy_plan *plan = load_plan(SHOP_PLAN);
    convoy_state *st = hand_built_state(plan);
    size_t len;
    char *json = to_json(st, &len);
    static const char subst[] = {'x', '0', '9', '"', '}', ']', ',', '-', 'S', ' '};
    size_t accepted = 0;
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < COUNT(subst); k++) {
            if (json[i] == subst[k])
                continue;
            char *copy = malloc(len);
            assert_non_null(copy);
            memcpy(copy, json, len);
            copy[i] = subst[k];
            convoy_state *out = NULL;
            int rc = convoy_state_from_json(&out, plan, copy, len);
            if (rc == CONVOY_OK) {
                size_t len2;
                char *again = to_json(out, &len2);
                convoy_state *out2 = NULL;
                assert_ok(convoy_state_from_json(&out2, plan, again, len2));
                char *third = to_json(out2, NULL);
                assert_string_equal(again, third);
                convoy_free(again);
                convoy_free(third);
                convoy_state_free(out2);
                convoy_state_free(out);
                accepted++;
            } else {
                assert_true(rc == CONVOY_E_PARSE || rc == CONVOY_E_INVALID);
                assert_null(out);
            }
            free(copy);
        }
    }
    assert_true(accepted > 0); /* e.g. a digit changed */
    convoy_free(json);
    convoy_state_free(st);
    convoy_plan_free(plan);
}

/* ------------------------------------------------------ the state file */

static void test_state_file(void **unused)
{
    (void)unused;
    scratch s;
    scratch_make(&s);
    char *path = scratch_path(&s, "state.json");

    char *text = (char *)0x1;
    size_t len = 99;
    assert_status(convoy__state_file_load(&text, &len, path), CONVOY_E_NOT_FOUND);
    assert_null(text);
    assert_int_equal(len, 0);

    assert_ok(convoy__state_file_save(path, "{\"v\":1}", 7));
    text = read_file(path, &len);
    assert_int_equal(len, 7);
    assert_string_equal(text, "{\"v\":1}");
    convoy_free(text);
    assert_ok(convoy__state_file_save(path, "{\"v\":22}", 8));
    text = read_file(path, &len);
    assert_string_equal(text, "{\"v\":22}");
    convoy_free(text);
    /* Nothing but the file itself is left behind. */
    assert_int_equal(scratch_count(&s, ".state.json.tmp"), 0);
    assert_int_equal(scratch_count(&s, ""), 3); /* ".", "..", state.json */

    /* Empty content is content. */
    assert_ok(convoy__state_file_save(path, "", 0));
    text = read_file(path, &len);
    assert_int_equal(len, 0);
    assert_string_equal(text, "");
    convoy_free(text);

    /* The permissions someone gave the file stay. */
    assert_int_equal(chmod(path, 0640), 0);
    assert_ok(convoy__state_file_save(path, "x", 1));
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);

    /* A save that cannot complete leaves the old content and no temp file:
     * here the target is a directory, so only the rename fails. */
    char *dir = scratch_path(&s, "sub");
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_status(convoy__state_file_save(dir, "new", 3), CONVOY_E_IO);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), dir));
    assert_int_equal(scratch_count(&s, ".sub.tmp"), 0);
    assert_status(convoy__state_file_load(&text, &len, dir), CONVOY_E_IO);

    /* A missing directory. */
    char *missing = scratch_path(&s, "nowhere/state.json");
    assert_status(convoy__state_file_save(missing, "x", 1), CONVOY_E_IO);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), missing));
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), strerror(ENOENT)));

    /* A path naming a directory, not a file. */
    char *slash = scratch_path(&s, "sub/");
    assert_status(convoy__state_file_save(slash, "x", 1), CONVOY_E_INVALID_ARG);
    assert_status(convoy__state_file_save(NULL, "x", 1), CONVOY_E_INVALID_ARG);

    /* Above 64 MiB is refused without reading it (a sparse file). */
    char *big = scratch_path(&s, "big.json");
    int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, ((off_t)64 << 20) + 1), 0);
    close(fd);
    assert_status(convoy__state_file_load(&text, &len, big), CONVOY_E_LIMIT);
    assert_null(text);

    /* A relative path works in the current directory. */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(s.dir), 0);
    assert_ok(convoy__state_file_save("rel.json", "rel", 3));
    text = read_file("rel.json", &len);
    assert_string_equal(text, "rel");
    convoy_free(text);
    assert_int_equal(chdir(cwd), 0);

    free(path);
    free(dir);
    free(missing);
    free(slash);
    free(big);
    scratch_remove(&s);
}

/* A process killed at any instant while saving leaves the old or the new
 * state, whole. Each version is recognisable and self-checking. */
static void test_state_file_crash(void **unused)
{
    (void)unused;
    scratch s;
    scratch_make(&s);
    char *path = scratch_path(&s, "state.json");
    assert_ok(convoy__state_file_save(path, "v0:", 3));
    srand(12345);
    unsigned last_seen = 0;
    for (int round = 0; round < 25; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* The child saves ever larger versions "vN:" + N*37 bytes. */
            static char buf[1 << 16];
            for (unsigned v = last_seen + 1;; v++) {
                int n = snprintf(buf, sizeof buf, "v%u:", v);
                size_t body = (v * 37u) % (sizeof buf - 32);
                memset(buf + n, 'a' + (int)(v % 26), body);
                if (convoy__state_file_save(path, buf, (size_t)n + body) != CONVOY_OK)
                    _exit(3);
            }
        }
        struct timespec ts = {0, (long)(rand() % 20000) * 1000};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));

        size_t len;
        char *text = read_file(path, &len);
        unsigned v = 0;
        int used = 0;
        assert_int_equal(sscanf(text, "v%u:%n", &v, &used), 1);
        assert_true(v >= last_seen);
        size_t body = v ? (v * 37u) % ((1u << 16) - 32) : 0;
        if (len != (size_t)used + body)
            fail_msg("round %d: version %u has %zu bytes, expected %zu", round, v, len,
                     (size_t)used + body);
        for (size_t i = 0; i < body; i++)
            assert_int_equal(text[used + i], 'a' + (int)(v % 26));
        last_seen = v;
        convoy_free(text);
    }
    free(path);
    scratch_remove(&s); /* also the temp files of killed saves */
}

/* Writes that fail half-way (the file size limit stands in for a full
 * disk): the state file keeps its old content and no temp file stays; the
 * log loses the torn record and keeps its length. In a child, so the limit
 * does not reach the rest of the suite. */
static void test_short_writes(void **unused)
{
    (void)unused;
    scratch s;
    scratch_make(&s);
    char *path = scratch_path(&s, "state.json");
    char *log_path = scratch_path(&s, "decisions.jsonl");
    assert_ok(convoy__state_file_save(path, "old", 3));
    convoy__log log;
    assert_ok(convoy__log_open(&log, log_path, 0));
    assert_ok(convoy__log_write(&log, "{\"a\":1}\n", 8));
    convoy__log_close(&log);

    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit lim;
        if (getrlimit(RLIMIT_FSIZE, &lim) != 0)
            _exit(10);
        lim.rlim_cur = 100;
        if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
            _exit(11);
        static char big[1000];
        memset(big, 'n', sizeof big);
        if (convoy__state_file_save(path, big, sizeof big) != CONVOY_E_IO)
            _exit(12);
        if (!strstr(convoy_error_message(convoy_error_last()), path))
            _exit(13);
        if (convoy__log_open(&log, log_path, 8) != CONVOY_OK)
            _exit(14);
        if (convoy__log_write(&log, big, sizeof big) != CONVOY_E_IO)
            _exit(15);
        if (log.bytes != 8)
            _exit(16);
        if (convoy__log_write(&log, "{\"b\":2}\n", 8) != CONVOY_OK)
            _exit(17);
        convoy__log_close(&log);
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    size_t len;
    char *text = read_file(path, &len);
    assert_string_equal(text, "old");
    convoy_free(text);
    assert_int_equal(scratch_count(&s, ".state.json.tmp"), 0);
    text = read_file(log_path, &len);
    assert_string_equal(text, "{\"a\":1}\n{\"b\":2}\n");
    convoy_free(text);
    free(path);
    free(log_path);
    scratch_remove(&s);
}

/* ------------------------------------------------------ the decision log */

static void test_log(void **unused)
{
    (void)unused;
    scratch s;
    scratch_make(&s);
    char *path = scratch_path(&s, "decisions.jsonl");
    convoy__log log;

    /* A state that counts log bytes needs its log: none is made up. */
    assert_status(convoy__log_open(&log, path, 5), CONVOY_E_INVALID);
    assert_int_equal(log.fd, -1);
    assert_int_equal(access(path, F_OK), -1);

    assert_ok(convoy__log_open(&log, path, 0));
    assert_int_equal(log.bytes, 0);
    assert_ok(convoy__log_write(&log, "{\"a\":1}\n", 8));
    assert_ok(convoy__log_write(&log, "{\"b\":2}\n", 8));
    assert_ok(convoy__log_write(&log, "", 0));
    assert_int_equal(log.bytes, 16);
    convoy__log_close(&log);
    assert_int_equal(log.fd, -1);
    convoy__log_close(&log); /* twice is harmless */
    assert_status(convoy__log_write(&log, "x\n", 2), CONVOY_E_INVALID_ARG);

    /* Keep everything, append more. */
    assert_ok(convoy__log_open(&log, path, UINT64_MAX));
    assert_int_equal(log.bytes, 16);
    assert_ok(convoy__log_write(&log, "{\"c\":3}\n", 8));
    assert_int_equal(log.bytes, 24);
    convoy__log_close(&log);

    /* A resumed state that counted two records: the third is cut off and
     * the next append follows the second. */
    assert_ok(convoy__log_open(&log, path, 16));
    assert_int_equal(log.bytes, 16);
    assert_ok(convoy__log_write(&log, "{\"d\":4}\n", 8));
    convoy__log_close(&log);
    size_t len;
    char *text = read_file(path, &len);
    assert_string_equal(text, "{\"a\":1}\n{\"b\":2}\n{\"d\":4}\n");
    convoy_free(text);

    /* Exactly as long: nothing to cut. */
    assert_ok(convoy__log_open(&log, path, 24));
    assert_int_equal(log.bytes, 24);
    convoy__log_close(&log);

    /* Shorter than the state says, or not ending a record there: the log
     * is not this state's. Nothing is changed. */
    assert_status(convoy__log_open(&log, path, 25), CONVOY_E_INVALID);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), "24 bytes"));
    assert_status(convoy__log_open(&log, path, 10), CONVOY_E_INVALID);
    assert_int_equal(log.fd, -1);
    text = read_file(path, &len);
    assert_int_equal(len, 24);
    convoy_free(text);

    /* Keep 0 empties an existing log (a new state). */
    assert_ok(convoy__log_open(&log, path, 0));
    assert_int_equal(log.bytes, 0);
    convoy__log_close(&log);
    text = read_file(path, &len);
    assert_int_equal(len, 0);
    convoy_free(text);

    /* Not openable. */
    char *missing = scratch_path(&s, "nowhere/decisions.jsonl");
    assert_status(convoy__log_open(&log, missing, 0), CONVOY_E_IO);
    assert_non_null(strstr(convoy_error_message(convoy_error_last()), missing));
    assert_status(convoy__log_open(&log, s.dir, UINT64_MAX), CONVOY_E_IO);
    assert_int_equal(log.fd, -1);

    free(path);
    free(missing);
    scratch_remove(&s);
}

/* ------------------------------------------------------ the history */

#define REC(release, service, outcome, mean) \
    "{\"release\":\"" release "\",\"service\":\"" service "\",\"version\":\"1\",\"outcome\":\"" \
    outcome "\",\"time_ms\":1,\"metrics\":{\"error-rate\":{\"mean\":" mean ",\"n\":5}}}"

static void test_history_missing(void **unused)
{
    (void)unused;
    scratch s;
    scratch_make(&s);
    char *path = scratch_path(&s, "history.jsonl");
    convoy__history *h = NULL;
    size_t skipped = 99;
    assert_ok(convoy__history_load(&h, &skipped, path));
    assert_non_null(h);
    assert_int_equal(skipped, 0);
    assert_true(isnan(convoy__history_baseline(h, "r1", "frontend", "error-rate", 0)));
    convoy__history_free(h);
    convoy__history_free(NULL);
    assert_true(isnan(convoy__history_baseline(NULL, "r1", "frontend", "error-rate", 0)));

    /* An empty file is an empty history too. */
    write_file(path, "");
    assert_ok(convoy__history_load(&h, NULL, path));
    assert_true(isnan(convoy__history_baseline(h, "r1", "frontend", "error-rate", 0)));
    convoy__history_free(h);

    /* A directory is not. */
    assert_status(convoy__history_load(&h, &skipped, s.dir), CONVOY_E_IO);
    assert_null(h);
    free(path);
    scratch_remove(&s);
}

static void test_history_baseline(void **unused)
{
    (void)unused;
    scratch s;
    scratch_make(&s);
    char *path = scratch_path(&s, "history.jsonl");
    write_file(path,
               REC("r1", "frontend", "promoted", "0.01") "\n"
               REC("r1", "checkout", "promoted", "0.9") "\n"
               "\n"
               "not json at all\n"
               "[1,2,3]\n"
               "{\"release\":1,\"service\":\"frontend\",\"outcome\":\"promoted\"}\n"
               "{\"release\":\"r9\",\"service\":\"frontend\",\"outcome\":\"promoted\","
               "\"metrics\":{\"error-rate\":{\"mean\":\"high\"}}}\n"
               REC("r2", "frontend", "promoted", "0.03") "\r\n"
               REC("r3", "frontend", "rolled_back", "0.5") "\n"
               "{\"release\":\"r4\",\"service\":\"frontend\",\"outcome\":\"promoted\","
               "\"metrics\":{\"error-rate\":{\"mean\":null,\"n\":0},\"latency\":{\"mean\":2}}}\n"
               "{\"release\":\"r5\",\"service\":\"frontend\",\"outcome\":\"promoted\","
               "\"metrics\":{\"error-rate\":{\"mean\":7,\"n\":0}}}\n"
               "{\"release\":\"r6\",\"service\":\"frontend\",\"outcome\":\"promoted\"}\n"
               "{\"release\":\"r7\",\"service\":\"frontend\",\"outc");
    convoy__history *h = NULL;
    size_t skipped = 0;
    assert_ok(convoy__history_load(&h, &skipped, path));
    /* garbage, array, bad release, bad mean, torn last line */
    assert_int_equal(skipped, 5);

    /* Promoted releases only; r3 was rolled back; r4-r6 measured nothing. */
    assert_true(fabs(convoy__history_baseline(h, "r8", "frontend", "error-rate", 0) - 0.02) <
                1e-15);
    /* Never the release itself. */
    assert_true(convoy__history_baseline(h, "r2", "frontend", "error-rate", 0) == 0.01);
    assert_true(convoy__history_baseline(h, "r1", "frontend", "error-rate", 0) == 0.03);
    /* The latest N, in file order. */
    assert_true(convoy__history_baseline(h, "r8", "frontend", "error-rate", 1) == 0.03);
    assert_true(fabs(convoy__history_baseline(h, "r8", "frontend", "error-rate", 5) - 0.02) <
                1e-15);
    /* Per service and per metric. */
    assert_true(convoy__history_baseline(h, "r8", "checkout", "error-rate", 0) == 0.9);
    assert_true(convoy__history_baseline(h, "r8", "frontend", "latency", 0) == 2.0);
    assert_true(isnan(convoy__history_baseline(h, "r8", "frontend", "p99", 0)));
    assert_true(isnan(convoy__history_baseline(h, "r8", "ledger", "error-rate", 0)));
    assert_true(isnan(convoy__history_baseline(h, "r1", "checkout", "error-rate", 0)));
    convoy__history_free(h);

    /* Appending after the torn line starts a new line: the record is kept
     * and the torn line is still the only casualty. */
    const char *rec = REC("r7", "frontend", "promoted", "0.05");
    assert_ok(convoy__history_append(path, rec, strlen(rec)));
    assert_ok(convoy__history_load(&h, &skipped, path));
    assert_int_equal(skipped, 5);
    assert_true(convoy__history_baseline(h, "r8", "frontend", "error-rate", 1) == 0.05);
    assert_true(fabs(convoy__history_baseline(h, "r8", "frontend", "error-rate", 0) - 0.03) <
                1e-15);
    convoy__history_free(h);
    size_t len;
    char *text = read_file(path, &len);
    assert_true(len > 0 && text[len - 1] == '\n');
    assert_non_null(strstr(text, "\"outc\n{\"release\":\"r7\""));
    convoy_free(text);

    assert_status(convoy__history_append(path, "{\n}", 3), CONVOY_E_INVALID_ARG);
    assert_status(convoy__history_append(NULL, "{}", 2), CONVOY_E_INVALID_ARG);
    char *missing = scratch_path(&s, "nowhere/history.jsonl");
    assert_status(convoy__history_append(missing, "{}", 2), CONVOY_E_IO);
    free(missing);
    free(path);
    scratch_remove(&s);
}

/* A record appended twice (crash after the append, before the state that
 * knows it was saved): the last one counts, wherever it is. */
static void test_history_dedupe(void **unused)
{
    (void)unused;
    scratch s;
    scratch_make(&s);
    char *path = scratch_path(&s, "history.jsonl");
    const char *lines[] = {
        REC("r1", "frontend", "promoted", "0.01"),
        REC("r2", "frontend", "promoted", "0.03"),
        REC("r3", "frontend", "promoted", "0.10"),
        REC("r2", "frontend", "promoted", "0.05"),   /* r2 again, other value */
        REC("r3", "frontend", "rolled_back", "0.10"), /* r3 again: not promoted after all */
        REC("r2", "checkout", "promoted", "0.7"),    /* same release, other service */
    };
    for (size_t i = 0; i < COUNT(lines); i++)
        assert_ok(convoy__history_append(path, lines[i], strlen(lines[i])));
    convoy__history *h = NULL;
    size_t skipped = 9;
    assert_ok(convoy__history_load(&h, &skipped, path));
    assert_int_equal(skipped, 0);
    /* r1 0.01 and r2 0.05; r3 no longer counts */
    assert_true(fabs(convoy__history_baseline(h, "r9", "frontend", "error-rate", 0) - 0.03) <
                1e-15);
    /* latest first: r2's surviving record is after r1's */
    assert_true(convoy__history_baseline(h, "r9", "frontend", "error-rate", 1) == 0.05);
    assert_true(convoy__history_baseline(h, "r9", "checkout", "error-rate", 0) == 0.7);
    convoy__history_free(h);
    free(path);
    scratch_remove(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_fresh_state),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_invalid_fields),
        cmocka_unit_test(test_invalid_positions),
        cmocka_unit_test(test_foreign_plan),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_state_file),
        cmocka_unit_test(test_state_file_crash),
        cmocka_unit_test(test_short_writes),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_history_missing),
        cmocka_unit_test(test_history_baseline),
        cmocka_unit_test(test_history_dedupe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
