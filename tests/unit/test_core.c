/*
 * test_core - convoy/core.h: status strings, the thread-local error record,
 * versions, the allocator hook, and convoy_parse_options_init.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <convoy/convoy.h>

#ifndef SOURCE_ROOT
#  error "SOURCE_ROOT must be defined by the build"
#endif

#define SHOP_PLAN SOURCE_ROOT "/examples/plans/shop.json"
#define PLATFORM_PLAN SOURCE_ROOT "/examples/plans/platform-12.json"

static const int all_codes[] = {
    CONVOY_OK,       CONVOY_E_INVALID_ARG, CONVOY_E_NOMEM,     CONVOY_E_IO,
    CONVOY_E_PARSE,  CONVOY_E_INVALID,     CONVOY_E_LIMIT,     CONVOY_E_NOT_FOUND,
    CONVOY_E_RANGE,  CONVOY_E_VERSION,     CONVOY_E_UNSUPPORTED,
};
#define N_CODES (sizeof all_codes / sizeof all_codes[0])

/* ------------------------------------------------------------------ codes */

static void test_status_codes_are_stable(void **state)
{
    (void)state;
    /* The numbers are ABI: never renumbered. */
    assert_int_equal(CONVOY_OK, 0);
    assert_int_equal(CONVOY_E_INVALID_ARG, -1);
    assert_int_equal(CONVOY_E_NOMEM, -2);
    assert_int_equal(CONVOY_E_IO, -3);
    assert_int_equal(CONVOY_E_PARSE, -4);
    assert_int_equal(CONVOY_E_INVALID, -5);
    assert_int_equal(CONVOY_E_LIMIT, -6);
    assert_int_equal(CONVOY_E_NOT_FOUND, -7);
    assert_int_equal(CONVOY_E_RANGE, -8);
    assert_int_equal(CONVOY_E_VERSION, -9);
    assert_int_equal(CONVOY_E_UNSUPPORTED, -10);
}

static void test_strerror_every_code(void **state)
{
    (void)state;
    const char *unknown = convoy_strerror(-12345);
    assert_non_null(unknown);
    assert_string_equal(unknown, "unknown error");
    for (size_t i = 0; i < N_CODES; i++) {
        const char *s = convoy_strerror(all_codes[i]);
        assert_non_null(s);
        assert_true(s[0] != '\0');
        assert_string_not_equal(s, unknown);
        /* static: the same pointer every time */
        assert_ptr_equal(s, convoy_strerror(all_codes[i]));
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(s, convoy_strerror(all_codes[j]));
    }
}

static void test_strerror_unknown_codes(void **state)
{
    (void)state;
    static const int unknown[] = {1, 2, 100, -11, -100, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = convoy_strerror(unknown[i]);
        assert_non_null(s);
        assert_string_equal(s, "unknown error");
    }
}

/* ------------------------------------------------------------ error record */

static void test_error_accessors_accept_null(void **state)
{
    (void)state;
    assert_int_equal(convoy_error_code(NULL), 0);
    assert_non_null(convoy_error_message(NULL));
    assert_string_equal(convoy_error_message(NULL), "");
    assert_non_null(convoy_error_pointer(NULL));
    assert_string_equal(convoy_error_pointer(NULL), "");
    assert_int_equal(convoy_error_line(NULL), 0);
    assert_int_equal(convoy_error_column(NULL), 0);
}

static void assert_error_clear(void)
{
    const convoy_error *e = convoy_error_last();
    assert_non_null(e);
    assert_int_equal(convoy_error_code(e), CONVOY_OK);
    assert_string_equal(convoy_error_message(e), "");
    assert_string_equal(convoy_error_pointer(e), "");
    assert_int_equal(convoy_error_line(e), 0);
    assert_int_equal(convoy_error_column(e), 0);
}

static void test_error_last_and_clear(void **state)
{
    (void)state;
    convoy_error_clear();
    assert_error_clear();

    /* A failing call records its status and a message. */
    assert_int_equal(convoy_parse_options_init(NULL, CONVOY_PARSE_OPTIONS_VERSION),
                     CONVOY_E_INVALID_ARG);
    const convoy_error *e = convoy_error_last();
    assert_non_null(e);
    assert_int_equal(convoy_error_code(e), CONVOY_E_INVALID_ARG);
    assert_true(convoy_error_message(e)[0] != '\0');

    /* It stays until the next failing call: successful calls leave it. */
    assert_non_null(convoy_version());
    assert_non_null(convoy_strerror(CONVOY_E_IO));
    convoy_parse_options opts;
    assert_int_equal(convoy_parse_options_init(&opts, CONVOY_PARSE_OPTIONS_VERSION), CONVOY_OK);
    assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_INVALID_ARG);

    /* The next failure replaces it. */
    assert_int_equal(convoy_parse_options_init(&opts, 999), CONVOY_E_VERSION);
    assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_VERSION);

    /* A parse error carries a position. */
    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse(&plan, NULL, "{\n  \"name\": }", 13, NULL);
    assert_int_equal(rc, CONVOY_E_PARSE);
    assert_null(plan);
    e = convoy_error_last();
    assert_int_equal(convoy_error_code(e), CONVOY_E_PARSE);
    assert_true(convoy_error_message(e)[0] != '\0');
    assert_int_equal(convoy_error_line(e), 2);
    assert_int_equal(convoy_error_column(e), 11);
    assert_string_equal(convoy_error_pointer(e), "");

    convoy_error_clear();
    assert_error_clear();
    /* clearing twice is harmless */
    convoy_error_clear();
    assert_error_clear();
}

static void test_error_set_allocator_failure_is_recorded(void **state)
{
    (void)state;
    convoy_error_clear();
    assert_int_equal(convoy_set_allocator(malloc, NULL, NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_INVALID_ARG);
    assert_true(convoy_error_message(convoy_error_last())[0] != '\0');
    convoy_error_clear();
}

typedef struct thread_report {
    int code_at_start;
    int code_after_failure;
    char message_at_start[64];
} thread_report;

static void *thread_fails(void *arg)
{
    thread_report *r = arg;
    r->code_at_start = convoy_error_code(convoy_error_last());
    snprintf(r->message_at_start, sizeof r->message_at_start, "%s",
             convoy_error_message(convoy_error_last()));
    convoy_parse_options_init(NULL, CONVOY_PARSE_OPTIONS_VERSION);
    r->code_after_failure = convoy_error_code(convoy_error_last());
    return NULL;
}

static void test_error_is_thread_local(void **state)
{
    (void)state;
    /* This thread has an error; a new thread starts clean and its own failure
     * does not leak back. */
    convoy_error_clear();
    assert_int_equal(convoy_parse_options_init(NULL, 0), CONVOY_E_INVALID_ARG);

    pthread_t t;
    thread_report r;
    memset(&r, 0x55, sizeof r);
    assert_int_equal(pthread_create(&t, NULL, thread_fails, &r), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(r.code_at_start, CONVOY_OK);
    assert_string_equal(r.message_at_start, "");
    assert_int_equal(r.code_after_failure, CONVOY_E_INVALID_ARG);

    /* Now: main clean, the thread fails with a different code. */
    convoy_error_clear();
    pthread_t t2;
    memset(&r, 0, sizeof r);
    assert_int_equal(pthread_create(&t2, NULL, thread_fails, &r), 0);
    assert_int_equal(pthread_join(t2, NULL), 0);
    assert_int_equal(r.code_after_failure, CONVOY_E_INVALID_ARG);
    assert_error_clear();
}

typedef struct parse_thread {
    int rc;
    int code;
    uint32_t line;
} parse_thread;

static void *thread_parse_bad(void *arg)
{
    parse_thread *p = arg;
    convoy_plan *plan = NULL;
    static const char bad[] = "{\"name\": \"x\",\n\n\n \"services\": [,]}";
    p->rc = convoy_plan_parse(&plan, NULL, bad, sizeof bad - 1, NULL);
    p->code = convoy_error_code(convoy_error_last());
    p->line = convoy_error_line(convoy_error_last());
    return NULL;
}

static void test_error_records_do_not_mix_between_threads(void **state)
{
    (void)state;
    /* Several threads fail at once; each sees only its own record. */
    enum { N = 8 };
    pthread_t t[N];
    parse_thread p[N];
    convoy_error_clear();
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_parse_bad, &p[i]), 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(p[i].rc, CONVOY_E_PARSE);
        assert_int_equal(p[i].code, CONVOY_E_PARSE);
        assert_int_equal(p[i].line, 4);
    }
    assert_error_clear();
}

/* ----------------------------------------------------------------- version */

static void test_version(void **state)
{
    (void)state;
    char expect[32];
    snprintf(expect, sizeof expect, "%d.%d.%d", CONVOY_VERSION_MAJOR, CONVOY_VERSION_MINOR,
             CONVOY_VERSION_PATCH);
    assert_string_equal(CONVOY_VERSION_STRING, expect);
    assert_non_null(convoy_version());
    assert_string_equal(convoy_version(), CONVOY_VERSION_STRING);
    assert_ptr_equal(convoy_version(), convoy_version());
    assert_int_equal(convoy_version_number(), CONVOY_VERSION_NUMBER);
    assert_int_equal(CONVOY_VERSION_NUMBER, (CONVOY_VERSION_MAJOR << 16) |
                                                (CONVOY_VERSION_MINOR << 8) | CONVOY_VERSION_PATCH);
    uint32_t v = convoy_version_number();
    assert_int_equal((v >> 16) & 0xff, CONVOY_VERSION_MAJOR);
    assert_int_equal((v >> 8) & 0xff, CONVOY_VERSION_MINOR);
    assert_int_equal(v & 0xff, CONVOY_VERSION_PATCH);
}

/* ---------------------------------------------------------------- allocator */

/* Counting hooks. Each block carries a header with its size so that frees of
 * foreign pointers would be caught by the mismatched totals. */
typedef struct counters {
    size_t mallocs, reallocs, frees;
    long live;
    size_t bytes_live;
    long fail_after; /* -1: never fail; else allocations allowed before failing */
} counters;

static counters g_count;

#define HDR 16

static void *count_malloc(size_t size)
{
    if (g_count.fail_after == 0)
        return NULL;
    if (g_count.fail_after > 0)
        g_count.fail_after--;
    unsigned char *p = malloc(size + HDR);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    g_count.mallocs++;
    g_count.live++;
    g_count.bytes_live += size;
    return p + HDR;
}

static void *count_realloc(void *ptr, size_t size)
{
    if (!ptr)
        return count_malloc(size);
    if (g_count.fail_after == 0)
        return NULL;
    if (g_count.fail_after > 0)
        g_count.fail_after--;
    unsigned char *base = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, base, sizeof old);
    unsigned char *p = realloc(base, size + HDR);
    if (!p)
        return NULL;
    memcpy(p, &size, sizeof size);
    g_count.reallocs++;
    g_count.bytes_live = g_count.bytes_live - old + size;
    return p + HDR;
}

static void count_free(void *ptr)
{
    if (!ptr)
        return;
    unsigned char *base = (unsigned char *)ptr - HDR;
    size_t old;
    memcpy(&old, base, sizeof old);
    g_count.frees++;
    g_count.live--;
    g_count.bytes_live -= old;
    free(base);
}

static void reset_counters(void)
{
    memset(&g_count, 0, sizeof g_count);
    g_count.fail_after = -1;
}

/* Parses, introspects, serialises and frees a plan; everything the library
 * allocated must be given back. */
static void exercise_plan(const char *path)
{
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    int rc = convoy_plan_parse_file(&plan, &d, path, NULL);
    assert_int_equal(rc, CONVOY_OK);
    assert_non_null(plan);
    char *json = NULL;
    size_t len = 0;
    assert_int_equal(convoy_plan_to_json(&json, &len, plan, CONVOY_JSON_PRETTY), CONVOY_OK);
    assert_non_null(json);
    convoy_plan *again = NULL;
    assert_int_equal(convoy_plan_parse(&again, NULL, json, len, NULL), CONVOY_OK);
    uint64_t promote = 0;
    assert_int_equal(convoy_plan_estimate(&promote, NULL, NULL, again), CONVOY_OK);
    convoy_plan_free(again);
    convoy_free(json);
    convoy_plan_free(plan);
    convoy_diagnostics_free(d);

    /* a failing parse too */
    static const char bad[] = "{\"name\": \"x\", \"services\": [{\"name\": \"a\", \"stepz\": 1}]}";
    rc = convoy_plan_parse(&plan, &d, bad, sizeof bad - 1, NULL);
    assert_int_equal(rc, CONVOY_E_INVALID);
    assert_null(plan);
    assert_true(convoy_diagnostics_count(d) >= 1);
    convoy_diagnostics_free(d);
}

static void test_allocator_counting_hooks(void **state)
{
    (void)state;
    reset_counters();
    assert_int_equal(convoy_set_allocator(count_malloc, count_realloc, count_free), CONVOY_OK);
    exercise_plan(SHOP_PLAN);
    exercise_plan(PLATFORM_PLAN);
    size_t mallocs = g_count.mallocs;
    assert_true(mallocs > 0);
    assert_int_equal(g_count.live, 0);
    assert_int_equal(g_count.bytes_live, 0);
    assert_int_equal(g_count.frees, g_count.mallocs);
    assert_int_equal(convoy_set_allocator(NULL, NULL, NULL), CONVOY_OK);

    /* Restored: the counters no longer move. */
    exercise_plan(SHOP_PLAN);
    assert_int_equal(g_count.mallocs, mallocs);
    assert_int_equal(g_count.live, 0);
}

static void test_allocator_without_realloc(void **state)
{
    (void)state;
    reset_counters();
    /* realloc_fn NULL: the library uses malloc + copy, still all through ours */
    assert_int_equal(convoy_set_allocator(count_malloc, NULL, count_free), CONVOY_OK);
    exercise_plan(SHOP_PLAN);
    assert_true(g_count.mallocs > 0);
    assert_int_equal(g_count.reallocs, 0);
    assert_int_equal(g_count.live, 0);
    assert_int_equal(g_count.bytes_live, 0);
    assert_int_equal(convoy_set_allocator(NULL, NULL, NULL), CONVOY_OK);
}

static void test_allocator_invalid_combinations(void **state)
{
    (void)state;
    reset_counters();
    assert_int_equal(convoy_set_allocator(count_malloc, count_realloc, count_free), CONVOY_OK);

    assert_int_equal(convoy_set_allocator(count_malloc, NULL, NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_set_allocator(NULL, NULL, count_free), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_set_allocator(count_malloc, count_realloc, NULL),
                     CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_set_allocator(NULL, count_realloc, count_free),
                     CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_set_allocator(NULL, count_realloc, NULL), CONVOY_E_INVALID_ARG);

    /* A rejected call leaves the previous allocator in place. */
    exercise_plan(SHOP_PLAN);
    assert_true(g_count.mallocs > 0);
    assert_int_equal(g_count.live, 0);

    assert_int_equal(convoy_set_allocator(NULL, NULL, NULL), CONVOY_OK);
    /* restoring twice is fine */
    assert_int_equal(convoy_set_allocator(NULL, NULL, NULL), CONVOY_OK);
}

static void test_allocator_failures_are_clean(void **state)
{
    (void)state;
    /* Fail the n-th allocation for every n until a parse succeeds: each run
     * must give CONVOY_E_NOMEM (or succeed) and leak nothing. */
    assert_int_equal(convoy_set_allocator(count_malloc, count_realloc, count_free), CONVOY_OK);
    int succeeded = 0;
    long n;
    for (n = 0; n < 200000 && !succeeded; n++) {
        reset_counters();
        g_count.fail_after = n;
        convoy_plan *plan = NULL;
        convoy_diagnostics *d = NULL;
        int rc = convoy_plan_parse_file(&plan, &d, SHOP_PLAN, NULL);
        if (rc == CONVOY_OK) {
            succeeded = 1;
            assert_non_null(plan);
        } else {
            if (rc != CONVOY_E_NOMEM)
                print_message("allocation %ld failing gave status %d\n", n, rc);
            assert_int_equal(rc, CONVOY_E_NOMEM);
            assert_null(plan);
            assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_NOMEM);
        }
        convoy_plan_free(plan);
        convoy_diagnostics_free(d);
        if (g_count.live != 0)
            print_message("allocation %ld failing leaks %ld block(s)\n", n, g_count.live);
        assert_int_equal(g_count.live, 0);
    }
    assert_true(succeeded);
    assert_true(n > 1);
    print_message("  parsing shop.json needs %ld allocations; each failure was clean\n", n - 1);
    reset_counters();
    assert_int_equal(convoy_set_allocator(NULL, NULL, NULL), CONVOY_OK);
}

static void test_free_null(void **state)
{
    (void)state;
    convoy_free(NULL);
    convoy_plan_free(NULL);
    convoy_diagnostics_free(NULL);
}

/* ------------------------------------------------------------ parse options */

static void test_parse_options_init(void **state)
{
    (void)state;
    convoy_parse_options want = CONVOY_PARSE_OPTIONS_INIT;
    assert_int_equal(want.version, CONVOY_PARSE_OPTIONS_VERSION);
    assert_int_equal(want.version, 1);
    assert_int_equal(want.flags, 0);
    assert_int_equal(want.max_document_bytes, 16u * 1024 * 1024);
    assert_int_equal(want.max_depth, 64);
    assert_int_equal(want.max_services, 10000);
    assert_int_equal(want.max_string_bytes, 65536);
    assert_int_equal(want.max_diagnostics, 1000);

    convoy_parse_options got;
    memset(&got, 0xab, sizeof got);
    assert_int_equal(convoy_parse_options_init(&got, CONVOY_PARSE_OPTIONS_VERSION), CONVOY_OK);
    assert_int_equal(got.version, want.version);
    assert_int_equal(got.flags, want.flags);
    assert_int_equal(got.max_document_bytes, want.max_document_bytes);
    assert_int_equal(got.max_depth, want.max_depth);
    assert_int_equal(got.max_services, want.max_services);
    assert_int_equal(got.max_string_bytes, want.max_string_bytes);
    assert_int_equal(got.max_diagnostics, want.max_diagnostics);
}

static void test_parse_options_init_bad_versions(void **state)
{
    (void)state;
    convoy_parse_options got;
    assert_int_equal(convoy_parse_options_init(NULL, CONVOY_PARSE_OPTIONS_VERSION),
                     CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_parse_options_init(&got, 0), CONVOY_E_VERSION);
    assert_int_equal(convoy_parse_options_init(&got, CONVOY_PARSE_OPTIONS_VERSION + 1),
                     CONVOY_E_VERSION);
    assert_int_equal(convoy_parse_options_init(&got, UINT32_MAX), CONVOY_E_VERSION);
    assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_VERSION);
}

static void test_parse_rejects_unknown_options_version(void **state)
{
    (void)state;
    static const char plan[] = "{\"name\": \"r\", \"services\": [{\"name\": \"a\"}]}";
    convoy_parse_options opts = CONVOY_PARSE_OPTIONS_INIT;
    opts.version = CONVOY_PARSE_OPTIONS_VERSION + 1;
    convoy_plan *p = NULL;
    assert_int_equal(convoy_plan_parse(&p, NULL, plan, sizeof plan - 1, &opts), CONVOY_E_VERSION);
    assert_null(p);
    opts.version = 0;
    assert_int_equal(convoy_plan_parse(&p, NULL, plan, sizeof plan - 1, &opts), CONVOY_E_VERSION);
    assert_null(p);
    opts.version = CONVOY_PARSE_OPTIONS_VERSION;
    assert_int_equal(convoy_plan_parse(&p, NULL, plan, sizeof plan - 1, &opts), CONVOY_OK);
    assert_non_null(p);
    convoy_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_codes_are_stable),
        cmocka_unit_test(test_strerror_every_code),
        cmocka_unit_test(test_strerror_unknown_codes),
        cmocka_unit_test(test_error_accessors_accept_null),
        cmocka_unit_test(test_error_last_and_clear),
        cmocka_unit_test(test_error_set_allocator_failure_is_recorded),
        cmocka_unit_test(test_error_is_thread_local),
        cmocka_unit_test(test_error_records_do_not_mix_between_threads),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_allocator_counting_hooks),
        cmocka_unit_test(test_allocator_without_realloc),
        cmocka_unit_test(test_allocator_invalid_combinations),
        cmocka_unit_test(test_allocator_failures_are_clean),
        cmocka_unit_test(test_free_null),
        cmocka_unit_test(test_parse_options_init),
        cmocka_unit_test(test_parse_options_init_bad_versions),
        cmocka_unit_test(test_parse_rejects_unknown_options_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
