/*
 * test_plan_api - convoy/plan.h introspection, expansion, estimates, limits
 * and canonical serialisation, against examples/plans and inline plans.
 *
 * Inline plans are written with single quotes, turned into double quotes
 * before parsing (a \' becomes \", an escaped quote inside a JSON string).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

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

/* ------------------------------------------------------------------ helpers */

static void dump_diagnostics(const convoy_diagnostics *d)
{
    for (size_t i = 0; i < convoy_diagnostics_count(d); i++)
        print_message("    %u:%u %s %s: %s\n", convoy_diagnostic_line(d, i),
                      convoy_diagnostic_column(d, i),
                      convoy_problem_name(convoy_diagnostic_code(d, i)),
                      convoy_diagnostic_pointer(d, i), convoy_diagnostic_message(d, i));
}

static char *dequote(const char *s)
{
    char *t = strdup(s);
    assert_non_null(t);
    for (char *p = t; *p; p++)
        if (*p == '\'')
            *p = '"';
    return t;
}

/* Parses JSON text that must be valid; fails the test with the diagnostics. */
static convoy_plan *parse_json(const char *json, size_t len)
{
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    int rc = convoy_plan_parse(&plan, &d, json, len, NULL);
    if (rc != CONVOY_OK || convoy_diagnostics_count(d) != 0) {
        print_message("  parse failed with %d (%s):\n", rc, convoy_strerror(rc));
        dump_diagnostics(d);
    }
    assert_int_equal(rc, CONVOY_OK);
    assert_non_null(plan);
    assert_int_equal(convoy_diagnostics_count(d), 0);
    convoy_diagnostics_free(d);
    return plan;
}

static convoy_plan *parse_q(const char *squoted)
{
    char *json = dequote(squoted);
    convoy_plan *plan = parse_json(json, strlen(json));
    free(json);
    return plan;
}

/* Parses a plan that must fail; returns the status, diagnostics in *d. */
static int parse_q_fail(const char *squoted, const convoy_parse_options *opts,
                        convoy_diagnostics **d)
{
    char *json = dequote(squoted);
    convoy_plan *plan = (convoy_plan *)(uintptr_t)1;
    int rc = convoy_plan_parse(&plan, d, json, strlen(json), opts);
    free(json);
    assert_int_not_equal(rc, CONVOY_OK);
    assert_null(plan);
    return rc;
}

static int has_problem(const convoy_diagnostics *d, int code)
{
    for (size_t i = 0; i < convoy_diagnostics_count(d); i++)
        if (convoy_diagnostic_code(d, i) == code)
            return 1;
    return 0;
}

static convoy_plan *load(const char *path)
{
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    int rc = convoy_plan_parse_file(&plan, &d, path, NULL);
    if (rc != CONVOY_OK) {
        print_message("  %s: %d (%s)\n", path, rc, convoy_strerror(rc));
        dump_diagnostics(d);
    }
    assert_int_equal(rc, CONVOY_OK);
    assert_non_null(plan);
    assert_int_equal(convoy_diagnostics_count(d), 0);
    convoy_diagnostics_free(d);
    return plan;
}

static const convoy_service *svc(const convoy_plan *plan, const char *name)
{
    const convoy_service *s = convoy_plan_service_by_name(plan, name);
    if (!s)
        print_message("  no service '%s'\n", name);
    assert_non_null(s);
    assert_string_equal(convoy_service_name(s), name);
    return s;
}

static void assert_str_or_null(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else {
        assert_non_null(got);
        assert_string_equal(got, want);
    }
}

/* Expected step: kind, weight (bp), duration, timeout, analysis name. */
typedef struct xstep {
    int kind;
    uint32_t weight_bp;
    uint64_t duration_ms;
    uint64_t timeout_ms;
    const char *analysis;
} xstep;

#define SW(w) {CONVOY_STEP_SET_WEIGHT, (w), 0, 0, NULL}
#define PAUSE(w, ms) {CONVOY_STEP_PAUSE, (w), (ms), 0, NULL}
#define AN(w, name) {CONVOY_STEP_ANALYSIS, (w), 0, 0, (name)}
#define APPROVAL(w, t) {CONVOY_STEP_APPROVAL, (w), 0, (t), NULL}
#define WEBHOOK(w, t) {CONVOY_STEP_WEBHOOK, (w), 0, (t), NULL}
#define MIRROR(w) {CONVOY_STEP_SET_MIRROR, (w), 0, 0, NULL}

static void check_steps_n(const convoy_service *s, const xstep *want, size_t n)
{
    size_t got = convoy_service_step_count(s);
    if (got != n)
        print_message("  %s: %zu steps, expected %zu\n", convoy_service_name(s), got, n);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++) {
        const convoy_step *st = convoy_service_step(s, i);
        assert_non_null(st);
        int kind = convoy_step_kind(st);
        uint32_t w = convoy_step_weight_bp(st);
        uint64_t dur = convoy_step_duration_ms(st), to = convoy_step_timeout_ms(st);
        const convoy_analysis *an = convoy_step_analysis(st);
        if (kind != want[i].kind || w != want[i].weight_bp || dur != want[i].duration_ms ||
            to != want[i].timeout_ms || (want[i].analysis == NULL) != (an == NULL) ||
            (an && strcmp(convoy_analysis_name(an), want[i].analysis) != 0)) {
            print_message("  %s step %zu: kind %d weight %u duration %llu timeout %llu "
                          "analysis %s; expected kind %d weight %u duration %llu timeout %llu "
                          "analysis %s\n",
                          convoy_service_name(s), i, kind, w, (unsigned long long)dur,
                          (unsigned long long)to, an ? convoy_analysis_name(an) : "-",
                          want[i].kind, want[i].weight_bp, (unsigned long long)want[i].duration_ms,
                          (unsigned long long)want[i].timeout_ms,
                          want[i].analysis ? want[i].analysis : "-");
            fail();
        }
    }
    assert_null(convoy_service_step(s, n));
}
#define check_steps(s, arr) check_steps_n((s), (arr), sizeof(arr) / sizeof((arr)[0]))

/* Deep comparison of two plans through the public getters. */
static void assert_plans_equal(const convoy_plan *a, const convoy_plan *b)
{
    assert_string_equal(convoy_plan_name(a), convoy_plan_name(b));
    assert_int_equal(convoy_plan_max_parallel(a), convoy_plan_max_parallel(b));
    assert_int_equal(convoy_plan_rollback_mode(a), convoy_plan_rollback_mode(b));
    assert_int_equal(convoy_plan_rollback_scope(a), convoy_plan_rollback_scope(b));
    assert_int_equal(convoy_plan_rollback_on_inconclusive(a),
                     convoy_plan_rollback_on_inconclusive(b));
    size_t n = convoy_plan_service_count(a);
    assert_int_equal(n, convoy_plan_service_count(b));
    for (size_t i = 0; i < n; i++) {
        const convoy_service *x = convoy_plan_service(a, i), *y = convoy_plan_service(b, i);
        assert_string_equal(convoy_service_name(x), convoy_service_name(y));
        assert_str_or_null(convoy_service_owner(y), convoy_service_owner(x));
        assert_str_or_null(convoy_service_baseline(y), convoy_service_baseline(x));
        assert_str_or_null(convoy_service_candidate(y), convoy_service_candidate(x));
        assert_str_or_null(convoy_service_cohort(y), convoy_service_cohort(x));
        assert_int_equal(convoy_service_wave(x), convoy_service_wave(y));
        assert_int_equal(convoy_service_dependency_count(x), convoy_service_dependency_count(y));
        for (size_t j = 0; j < convoy_service_dependency_count(x); j++) {
            assert_string_equal(convoy_service_name(convoy_service_dependency(x, j)),
                                convoy_service_name(convoy_service_dependency(y, j)));
            assert_int_equal(convoy_service_dependency_step(x, j),
                             convoy_service_dependency_step(y, j));
        }
        size_t ns = convoy_service_step_count(x);
        assert_int_equal(ns, convoy_service_step_count(y));
        for (size_t j = 0; j < ns; j++) {
            const convoy_step *s = convoy_service_step(x, j), *t = convoy_service_step(y, j);
            assert_int_equal(convoy_step_kind(s), convoy_step_kind(t));
            assert_int_equal(convoy_step_weight_bp(s), convoy_step_weight_bp(t));
            assert_int_equal(convoy_step_mirror_bp(s), convoy_step_mirror_bp(t));
            assert_int_equal(convoy_step_duration_ms(s), convoy_step_duration_ms(t));
            assert_int_equal(convoy_step_timeout_ms(s), convoy_step_timeout_ms(t));
            const convoy_analysis *p = convoy_step_analysis(s), *q = convoy_step_analysis(t);
            assert_true((p == NULL) == (q == NULL));
            if (p)
                assert_string_equal(convoy_analysis_name(p), convoy_analysis_name(q));
            assert_str_or_null(convoy_step_webhook_name(t), convoy_step_webhook_name(s));
            assert_str_or_null(convoy_step_webhook_url(t), convoy_step_webhook_url(s));
            assert_str_or_null(convoy_step_webhook_type(t), convoy_step_webhook_type(s));
        }
        uint64_t p1 = 1, r1 = 1, p2 = 2, r2 = 2;
        uint32_t f1 = 1, f2 = 2;
        assert_int_equal(convoy_service_estimate(&p1, &r1, &f1, x), CONVOY_OK);
        assert_int_equal(convoy_service_estimate(&p2, &r2, &f2, y), CONVOY_OK);
        assert_int_equal(p1, p2);
        assert_int_equal(r1, r2);
        assert_int_equal(f1, f2);
    }
    size_t na = convoy_plan_analysis_count(a);
    assert_int_equal(na, convoy_plan_analysis_count(b));
    for (size_t i = 0; i < na; i++) {
        const convoy_analysis *x = convoy_plan_analysis(a, i), *y = convoy_plan_analysis(b, i);
        assert_string_equal(convoy_analysis_name(x), convoy_analysis_name(y));
        assert_int_equal(convoy_analysis_kind(x), convoy_analysis_kind(y));
        assert_true(convoy_analysis_pass_score(x) == convoy_analysis_pass_score(y));
        assert_true(convoy_analysis_marginal_score(x) == convoy_analysis_marginal_score(y));
        size_t nm = convoy_analysis_metric_count(x);
        assert_int_equal(nm, convoy_analysis_metric_count(y));
        for (size_t j = 0; j < nm; j++) {
            const convoy_metric *m = convoy_analysis_metric(x, j), *k = convoy_analysis_metric(y, j);
            assert_string_equal(convoy_metric_name(m), convoy_metric_name(k));
            assert_string_equal(convoy_metric_provider(m), convoy_metric_provider(k));
            assert_string_equal(convoy_metric_provider_json(m), convoy_metric_provider_json(k));
            assert_int_equal(convoy_metric_interval_ms(m), convoy_metric_interval_ms(k));
            assert_int_equal(convoy_metric_initial_delay_ms(m), convoy_metric_initial_delay_ms(k));
            assert_int_equal(convoy_metric_count(m), convoy_metric_count(k));
            assert_int_equal(convoy_metric_failure_limit(m), convoy_metric_failure_limit(k));
            assert_int_equal(convoy_metric_inconclusive_limit(m),
                             convoy_metric_inconclusive_limit(k));
            assert_int_equal(convoy_metric_consecutive_error_limit(m),
                             convoy_metric_consecutive_error_limit(k));
            assert_int_equal(convoy_metric_dry_run(m), convoy_metric_dry_run(k));
            assert_int_equal(convoy_metric_success_count(m), convoy_metric_success_count(k));
            for (size_t c = 0; c < convoy_metric_success_count(m); c++)
                assert_string_equal(convoy_metric_success(m, c), convoy_metric_success(k, c));
            assert_int_equal(convoy_metric_failure_count(m), convoy_metric_failure_count(k));
            for (size_t c = 0; c < convoy_metric_failure_count(m); c++)
                assert_string_equal(convoy_metric_failure(m, c), convoy_metric_failure(k, c));
        }
    }
    size_t nc = convoy_plan_cohort_count(a);
    assert_int_equal(nc, convoy_plan_cohort_count(b));
    for (size_t i = 0; i < nc; i++) {
        assert_string_equal(convoy_plan_cohort_name(a, i), convoy_plan_cohort_name(b, i));
        assert_int_equal(convoy_plan_cohort_size(a, i), convoy_plan_cohort_size(b, i));
    }
    size_t nw = convoy_plan_wave_count(a);
    assert_int_equal(nw, convoy_plan_wave_count(b));
    for (size_t w = 0; w < nw; w++) {
        assert_int_equal(convoy_plan_wave_size(a, w), convoy_plan_wave_size(b, w));
        for (size_t i = 0; i < convoy_plan_wave_size(a, w); i++)
            assert_string_equal(convoy_service_name(convoy_plan_wave_service(a, w, i)),
                                convoy_service_name(convoy_plan_wave_service(b, w, i)));
    }
    uint64_t pa, ra, pb, rb;
    uint32_t fa, fb;
    assert_int_equal(convoy_plan_estimate(&pa, &ra, &fa, a), CONVOY_OK);
    assert_int_equal(convoy_plan_estimate(&pb, &rb, &fb, b), CONVOY_OK);
    assert_int_equal(pa, pb);
    assert_int_equal(ra, rb);
    assert_int_equal(fa, fb);
}

static char *to_json(const convoy_plan *plan, uint32_t flags, size_t *len)
{
    char *out = NULL;
    size_t n = (size_t)-1;
    assert_int_equal(convoy_plan_to_json(&out, &n, plan, flags), CONVOY_OK);
    assert_non_null(out);
    assert_int_equal(n, strlen(out));
    assert_true(n > 2);
    if (len)
        *len = n;
    return out;
}

/* to_json -> parse -> to_json gives the same bytes (compact and pretty), the
 * re-parsed plan is equal, and the two forms describe the same plan. */
static void assert_round_trip(const convoy_plan *plan)
{
    static const uint32_t flags[] = {0, CONVOY_JSON_PRETTY};
    char *forms[2];
    for (int f = 0; f < 2; f++) {
        size_t len1, len2;
        char *j1 = to_json(plan, flags[f], &len1);
        convoy_plan *again = parse_json(j1, len1);
        char *j2 = to_json(again, flags[f], &len2);
        if (len1 != len2 || memcmp(j1, j2, len1) != 0)
            print_message("  round trip differs (flags %u):\n%s\n----\n%s\n", flags[f], j1, j2);
        assert_int_equal(len1, len2);
        assert_memory_equal(j1, j2, len1);
        assert_plans_equal(plan, again);
        convoy_plan_free(again);
        convoy_free(j2);
        forms[f] = j1;
    }
    assert_non_null(strchr(forms[1], '\n'));
    assert_true(strlen(forms[1]) > strlen(forms[0]));
    /* the shorthand is expanded in canonical output */
    assert_null(strstr(forms[0], "\"step_weight\""));
    assert_null(strstr(forms[0], "\"step_weights\""));
    /* compact -> pretty equals pretty of the original */
    convoy_plan *from_compact = parse_json(forms[0], strlen(forms[0]));
    size_t lp;
    char *pretty = to_json(from_compact, CONVOY_JSON_PRETTY, &lp);
    assert_string_equal(pretty, forms[1]);
    convoy_free(pretty);
    convoy_plan_free(from_compact);
    convoy_free(forms[0]);
    convoy_free(forms[1]);
}

/* ------------------------------------------------------------ problem names */

static void test_problem_names(void **state)
{
    (void)state;
    static const struct {
        int code;
        const char *name;
    } names[] = {
        {CONVOY_P_SYNTAX, "syntax"},
        {CONVOY_P_LIMIT, "limit"},
        {CONVOY_P_UNKNOWN_KEY, "unknown-key"},
        {CONVOY_P_TYPE, "type"},
        {CONVOY_P_RANGE, "range"},
        {CONVOY_P_DURATION, "duration"},
        {CONVOY_P_PRECISION, "precision"},
        {CONVOY_P_MISSING, "missing"},
        {CONVOY_P_UNKNOWN_REF, "unknown-reference"},
        {CONVOY_P_DUPLICATE, "duplicate"},
        {CONVOY_P_DUPLICATE_KEY, "duplicate-key"},
        {CONVOY_P_SELF_DEPENDENCY, "self-dependency"},
        {CONVOY_P_CYCLE, "cycle"},
        {CONVOY_P_ENUM, "enum"},
        {CONVOY_P_STEP, "step"},
        {CONVOY_P_CRITERION, "criterion"},
        {CONVOY_P_REGEX, "regex"},
        {CONVOY_P_CONFLICT, "conflict"},
        {CONVOY_P_EMPTY, "empty"},
        {CONVOY_P_SECRET, "secret"},
        {CONVOY_P_COHORT, "cohort"},
        {CONVOY_P_POLICY_WEIGHT_JUMP, "policy-max-weight-jump"},
        {CONVOY_P_POLICY_ANALYSIS_BEFORE, "policy-analysis-before-weight"},
        {CONVOY_P_POLICY_REQUIRED_METRIC, "policy-required-metric"},
        {CONVOY_P_POLICY_ROLLBACK_MODE, "policy-automatic-rollback"},
        {CONVOY_P_POLICY_OWNER, "policy-owner-required"},
        {CONVOY_P_POLICY_WAVE_SIZE, "policy-max-services-per-wave"},
        {CONVOY_P_TOO_MANY, "too-many-problems"},
        {CONVOY_P_NAME, "name"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_int_equal(names[i].code, (int)i + 1); /* stable numbering */
        assert_non_null(convoy_problem_name(names[i].code));
        assert_string_equal(convoy_problem_name(names[i].code), names[i].name);
    }
    static const int unknown[] = {0, -1, 30, 1000};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        assert_string_equal(convoy_problem_name(unknown[i]), "unknown");
}

/* -------------------------------------------------------------- shop: basics */

static void test_shop_services(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    assert_string_equal(convoy_plan_name(plan), "shop-2024-06-18");
    assert_int_equal(convoy_plan_max_parallel(plan), 2);
    assert_int_equal(convoy_plan_service_count(plan), 5);
    static const char *const order[] = {"frontend", "checkout", "payments", "inventory", "ledger"};
    for (size_t i = 0; i < 5; i++) {
        const convoy_service *s = convoy_plan_service(plan, i);
        assert_non_null(s);
        assert_string_equal(convoy_service_name(s), order[i]);
        assert_int_equal(convoy_service_index(s), i);
        assert_ptr_equal(convoy_plan_service_by_name(plan, order[i]), s);
        assert_null(convoy_service_cohort(s));
    }
    assert_null(convoy_plan_service(plan, 5));
    assert_null(convoy_plan_service_by_name(plan, "nope"));
    assert_null(convoy_plan_service_by_name(plan, "Ledger"));
    assert_null(convoy_plan_service_by_name(plan, ""));
    assert_null(convoy_plan_service_by_name(plan, NULL));

    const convoy_service *p = svc(plan, "payments");
    assert_string_equal(convoy_service_owner(p), "payments-team <payments-oncall@shop.example>");
    assert_string_equal(convoy_service_baseline(p), "2.14.1");
    assert_string_equal(convoy_service_candidate(p), "2.15.0");
    assert_string_equal(convoy_service_candidate(svc(plan, "checkout")), "5.3.0");
    assert_string_equal(convoy_service_owner(svc(plan, "ledger")),
                        "ledger-team <ledger@shop.example>");
    assert_int_equal(convoy_plan_cohort_count(plan), 0);
    assert_null(convoy_plan_cohort_name(plan, 0));
    assert_int_equal(convoy_plan_cohort_size(plan, 0), 0);
    assert_null(convoy_plan_cohort_service(plan, 0, 0));
    convoy_plan_free(plan);
}

/* `steps` NULL: every dependency waits for promotion (-1). */
static void check_deps_steps(const convoy_service *s, const char *const *deps, const int *steps,
                             size_t n)
{
    assert_int_equal(convoy_service_dependency_count(s), n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(convoy_service_name(convoy_service_dependency(s, i)), deps[i]);
        assert_int_equal(convoy_service_dependency_step(s, i), steps ? steps[i] : -1);
    }
    assert_null(convoy_service_dependency(s, n));
}

static void check_deps(const convoy_service *s, const char *const *deps, size_t n)
{
    check_deps_steps(s, deps, NULL, n);
}

static void check_dependents(const convoy_service *s, const char *const *deps, size_t n)
{
    assert_int_equal(convoy_service_dependent_count(s), n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(convoy_service_name(convoy_service_dependent(s, i)), deps[i]);
    assert_null(convoy_service_dependent(s, n));
}

static void test_shop_dependencies(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    static const char *const f_deps[] = {"checkout"};
    static const char *const c_deps[] = {"payments", "inventory"};
    static const char *const l_deps[] = {"ledger"};
    check_deps(svc(plan, "frontend"), f_deps, 1);
    static const int c_steps[] = {4, -1}; /* payments' step 4 (web-health at 25 %) */
    check_deps_steps(svc(plan, "checkout"), c_deps, c_steps, 2);
    check_deps(svc(plan, "payments"), l_deps, 1);
    check_deps(svc(plan, "inventory"), l_deps, 1);
    check_deps(svc(plan, "ledger"), NULL, 0);

    static const char *const ledger_dependents[] = {"payments", "inventory"}; /* document order */
    static const char *const checkout_dependents[] = {"frontend"};
    static const char *const p_dependents[] = {"checkout"};
    check_dependents(svc(plan, "ledger"), ledger_dependents, 2);
    check_dependents(svc(plan, "checkout"), checkout_dependents, 1);
    check_dependents(svc(plan, "payments"), p_dependents, 1);
    check_dependents(svc(plan, "inventory"), p_dependents, 1);
    check_dependents(svc(plan, "frontend"), NULL, 0);
    convoy_plan_free(plan);
}

static void check_wave(const convoy_plan *plan, size_t w, const char *const *names, size_t n)
{
    assert_int_equal(convoy_plan_wave_size(plan, w), n);
    for (size_t i = 0; i < n; i++) {
        const convoy_service *s = convoy_plan_wave_service(plan, w, i);
        assert_non_null(s);
        assert_string_equal(convoy_service_name(s), names[i]);
        assert_int_equal(convoy_service_wave(s), w);
    }
    assert_null(convoy_plan_wave_service(plan, w, n));
}

static void test_shop_waves(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    assert_int_equal(convoy_plan_wave_count(plan), 4);
    static const char *const w0[] = {"ledger"};
    static const char *const w1[] = {"inventory", "payments"};
    static const char *const w2[] = {"checkout"};
    static const char *const w3[] = {"frontend"};
    check_wave(plan, 0, w0, 1);
    check_wave(plan, 1, w1, 2);
    check_wave(plan, 2, w2, 1);
    check_wave(plan, 3, w3, 1);
    assert_int_equal(convoy_plan_wave_size(plan, 4), 0);
    assert_null(convoy_plan_wave_service(plan, 4, 0));
    convoy_plan_free(plan);
}

static void test_shop_steps(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    static const xstep frontend[] = {
        MIRROR(0),      PAUSE(0, 120000),    SW(1000),          AN(1000, "error-rate"),
        SW(3000),       PAUSE(3000, 300000), AN(3000, "web-health"), SW(5500),
        AN(5500, "error-rate"), SW(8000),
    };
    static const xstep checkout[] = {
        WEBHOOK(0, 30000),      SW(1250),     PAUSE(1250, 90000), AN(1250, "web-health"),
        SW(2500),               AN(2500, "web-health"), SW(5000), AN(5000, "error-rate"),
        SW(7500),               PAUSE(7500, 300000),
    };
    static const xstep payments[] = {
        SW(500),  PAUSE(500, 300000),  AN(500, "error-rate"),  SW(2500),
        AN(2500, "web-health"), SW(5000), PAUSE(5000, 600000), AN(5000, "web-health"),
        SW(7500), AN(7500, "error-rate"), APPROVAL(7500, 14400000),
    };
    static const xstep inventory[] = {
        SW(2000), AN(2000, "inventory-errors"), SW(4000), PAUSE(4000, 180000),
        SW(6000), AN(6000, "inventory-errors"), SW(8000), PAUSE(8000, 180000),
    };
    static const xstep ledger[] = {
        SW(1000), PAUSE(1000, 120000), AN(1000, "error-rate"), SW(2500),
        PAUSE(2500, 300000), AN(2500, "error-rate"), SW(5000), AN(5000, "web-health"),
        SW(7500), PAUSE(7500, 600000),
    };
    check_steps(svc(plan, "frontend"), frontend);
    check_steps(svc(plan, "checkout"), checkout);
    check_steps(svc(plan, "payments"), payments);
    check_steps(svc(plan, "inventory"), inventory);
    check_steps(svc(plan, "ledger"), ledger);

    /* mirror in effect */
    const convoy_service *f = svc(plan, "frontend");
    assert_int_equal(convoy_step_mirror_bp(convoy_service_step(f, 0)), 2000);
    assert_int_equal(convoy_step_mirror_bp(convoy_service_step(f, 1)), 2000);
    assert_int_equal(convoy_step_mirror_bp(convoy_service_step(svc(plan, "ledger"), 0)), 0);

    /* webhook details */
    const convoy_step *hook = convoy_service_step(svc(plan, "checkout"), 0);
    assert_string_equal(convoy_step_webhook_name(hook), "load-test");
    assert_string_equal(convoy_step_webhook_url(hook), "http://flagger-loadtester.test.svc/");
    assert_string_equal(convoy_step_webhook_type(hook), "pre-rollout");
    assert_null(convoy_step_analysis(hook));
    /* non-webhook steps have no webhook */
    const convoy_step *sw = convoy_service_step(svc(plan, "checkout"), 1);
    assert_null(convoy_step_webhook_name(sw));
    assert_null(convoy_step_webhook_url(sw));
    assert_null(convoy_step_webhook_type(sw));

    /* analysis steps point at the plan's analysis objects */
    const convoy_step *an = convoy_service_step(svc(plan, "ledger"), 2);
    assert_ptr_equal(convoy_step_analysis(an), convoy_plan_analysis_by_name(plan, "error-rate"));
    convoy_plan_free(plan);
}

typedef struct xmetric {
    const char *name;
    uint64_t interval, initial_delay;
    uint32_t count;
    int32_t failure_limit, inconclusive_limit, consecutive_error_limit;
    int dry_run;
    const char *success[3];
    const char *failure[3];
} xmetric;

static void check_metric(const convoy_metric *m, const xmetric *x)
{
    assert_non_null(m);
    assert_string_equal(convoy_metric_name(m), x->name);
    assert_string_equal(convoy_metric_provider(m), "prometheus");
    const char *pj = convoy_metric_provider_json(m);
    assert_non_null(pj);
    assert_true(pj[0] == '{');
    assert_non_null(strstr(pj, "{{service}}"));
    assert_non_null(strstr(pj, "http://prometheus.monitoring.svc:9090"));
    assert_int_equal(convoy_metric_interval_ms(m), x->interval);
    assert_int_equal(convoy_metric_initial_delay_ms(m), x->initial_delay);
    assert_int_equal(convoy_metric_count(m), x->count);
    assert_int_equal(convoy_metric_failure_limit(m), x->failure_limit);
    assert_int_equal(convoy_metric_inconclusive_limit(m), x->inconclusive_limit);
    assert_int_equal(convoy_metric_consecutive_error_limit(m), x->consecutive_error_limit);
    assert_int_equal(convoy_metric_dry_run(m), x->dry_run);
    size_t ns = 0, nf = 0;
    while (ns < 3 && x->success[ns])
        ns++;
    while (nf < 3 && x->failure[nf])
        nf++;
    assert_int_equal(convoy_metric_success_count(m), ns);
    for (size_t i = 0; i < ns; i++)
        assert_string_equal(convoy_metric_success(m, i), x->success[i]);
    assert_null(convoy_metric_success(m, ns));
    assert_int_equal(convoy_metric_failure_count(m), nf);
    for (size_t i = 0; i < nf; i++)
        assert_string_equal(convoy_metric_failure(m, i), x->failure[i]);
    assert_null(convoy_metric_failure(m, nf));
}

static void test_shop_analyses(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    assert_int_equal(convoy_plan_analysis_count(plan), 3);
    static const char *const names[] = {"error-rate", "inventory-errors", "web-health"};
    for (size_t i = 0; i < 3; i++) {
        const convoy_analysis *an = convoy_plan_analysis(plan, i);
        assert_non_null(an);
        assert_string_equal(convoy_analysis_name(an), names[i]);
        assert_ptr_equal(convoy_plan_analysis_by_name(plan, names[i]), an);
        assert_int_equal(convoy_analysis_kind(an), CONVOY_ANALYSIS_MEASUREMENT);
        assert_true(convoy_analysis_pass_score(an) == 0.0);
        assert_true(convoy_analysis_marginal_score(an) == 0.0);
    }
    assert_null(convoy_plan_analysis(plan, 3));
    assert_null(convoy_plan_analysis_by_name(plan, "latency"));

    const convoy_analysis *er = convoy_plan_analysis_by_name(plan, "error-rate");
    assert_int_equal(convoy_analysis_metric_count(er), 1);
    static const xmetric er0 = {"error-rate", 60000, 30000, 5, 1, 0, 4, 0, {"<0.01"}, {">=0.05"}};
    check_metric(convoy_analysis_metric(er, 0), &er0);
    assert_null(convoy_analysis_metric(er, 1));

    const convoy_analysis *inv = convoy_plan_analysis_by_name(plan, "inventory-errors");
    assert_int_equal(convoy_analysis_metric_count(inv), 1);
    static const xmetric inv0 = {"error-rate", 30000, 60000, 10, 3, 0, 4, 0, {"<0.02"}, {">=0.1"}};
    check_metric(convoy_analysis_metric(inv, 0), &inv0);

    const convoy_analysis *wh = convoy_plan_analysis_by_name(plan, "web-health");
    assert_int_equal(convoy_analysis_metric_count(wh), 3);
    static const xmetric wh0 = {"error-rate", 60000, 30000, 4, 1, 0, 4, 0, {"<0.01"}, {NULL}};
    static const xmetric wh1 = {"p99-latency", 30000, 15000, 6, 1, 0, 2, 0,
                                {"<=0.5", "<=+10%"}, {">1.0"}};
    static const xmetric wh2 = {"cpu-saturation", 10000, 0, 3, 0, 0, 4, 1, {NULL}, {NULL}};
    check_metric(convoy_analysis_metric(wh, 0), &wh0);
    check_metric(convoy_analysis_metric(wh, 1), &wh1);
    check_metric(convoy_analysis_metric(wh, 2), &wh2);
    convoy_plan_free(plan);
}

static void test_shop_rollback(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    assert_int_equal(convoy_plan_rollback_mode(plan), CONVOY_ROLLBACK_AUTOMATIC);
    assert_int_equal(convoy_plan_rollback_scope(plan), CONVOY_SCOPE_DEPENDENTS);
    assert_int_equal(convoy_plan_rollback_on_inconclusive(plan), CONVOY_INCONCLUSIVE_ROLLBACK);
    convoy_plan_free(plan);

    /* defaults: automatic, service, hold */
    plan = parse_q("{'name': 'r', 'services': [{'name': 'a'}]}");
    assert_int_equal(convoy_plan_rollback_mode(plan), CONVOY_ROLLBACK_AUTOMATIC);
    assert_int_equal(convoy_plan_rollback_scope(plan), CONVOY_SCOPE_SERVICE);
    assert_int_equal(convoy_plan_rollback_on_inconclusive(plan), CONVOY_INCONCLUSIVE_HOLD);
    assert_int_equal(convoy_plan_max_parallel(plan), 0);
    assert_int_equal(convoy_service_step_count(svc(plan, "a")), 0);
    assert_null(convoy_service_owner(svc(plan, "a")));
    assert_null(convoy_service_baseline(svc(plan, "a")));
    assert_null(convoy_service_candidate(svc(plan, "a")));
    assert_round_trip(plan);
    convoy_plan_free(plan);

    plan = parse_q("{'name': 'r', 'services': [{'name': 'a'}], "
                   "'rollback': {'mode': 'manual', 'scope': 'all', 'on_inconclusive': 'hold'}}");
    assert_int_equal(convoy_plan_rollback_mode(plan), CONVOY_ROLLBACK_MANUAL);
    assert_int_equal(convoy_plan_rollback_scope(plan), CONVOY_SCOPE_ALL);
    assert_int_equal(convoy_plan_rollback_on_inconclusive(plan), CONVOY_INCONCLUSIVE_HOLD);
    assert_round_trip(plan);
    convoy_plan_free(plan);
}

/* ----------------------------------------------------------------- estimates */

typedef struct xestimate {
    const char *name;
    uint64_t promote, rollback;
    uint32_t flags;
    uint64_t start, finish;
} xestimate;

static void check_estimates(const convoy_plan *plan, const xestimate *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const convoy_service *s = svc(plan, x[i].name);
        uint64_t p = 7, r = 7, st = 7, fi = 7;
        uint32_t f = 7;
        assert_int_equal(convoy_service_estimate(&p, &r, &f, s), CONVOY_OK);
        assert_int_equal(convoy_service_schedule(&st, &fi, s), CONVOY_OK);
        if (p != x[i].promote || r != x[i].rollback || f != x[i].flags || st != x[i].start ||
            fi != x[i].finish)
            print_message("  %s: promote %llu rollback %llu flags %u start %llu finish %llu; "
                          "expected %llu %llu %u %llu %llu\n",
                          x[i].name, (unsigned long long)p, (unsigned long long)r, f,
                          (unsigned long long)st, (unsigned long long)fi,
                          (unsigned long long)x[i].promote, (unsigned long long)x[i].rollback,
                          x[i].flags, (unsigned long long)x[i].start,
                          (unsigned long long)x[i].finish);
        assert_int_equal(p, x[i].promote);
        assert_int_equal(r, x[i].rollback);
        assert_int_equal(f, x[i].flags);
        assert_int_equal(st, x[i].start);
        assert_int_equal(fi, x[i].finish);
    }
}

static void test_shop_estimates(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    /* Analysis lengths (longest metric: initial_delay + interval x (count-1)):
     *   error-rate        30s + 1m x 4                      = 270 s
     *   inventory-errors  1m + 30s x 9                      = 330 s
     *   web-health        max(30s+1m x 3, 15s+30s x 5, 10s x 2) = 210 s
     * Detection (fastest non-dry-run metric: initial_delay + interval x failure_limit):
     *   error-rate 30s+1m = 90 s; inventory-errors 1m+30s x 3 = 150 s;
     *   web-health min(30s+1m, 15s+30s) = 45 s (cpu-saturation is dry-run).
     * frontend  pauses 2m+5m + er 270 x 2 + wh 210             = 1170 s
     * checkout  webhook 30s + pauses 90s+5m + wh 210 x 2 + er 270 = 1110 s
     * payments  pauses 5m+10m + er 270 x 2 + wh 210 x 2 (+approval) = 1860 s
     * inventory pauses 3m+3m + inv 330 x 2                     = 1020 s
     * ledger    pauses 2m+5m+10m + er 270 x 2 + wh 210          = 1770 s
     * Schedule: ledger 0-1770; payments 1770-3630, inventory 1770-2790 (max_parallel 2);
     *           checkout needs payments' step 4 (done at 1770+300+270+210 = 2550) and
     *           inventory promoted: 2790-3900; frontend 3900-5070. */
    static const xestimate x[] = {
        {"ledger", 1770000, 390000, 0, 0, 1770000},
        {"payments", 1860000, 645000, CONVOY_ESTIMATE_APPROVALS, 1770000, 3630000},
        {"inventory", 1020000, 150000, 0, 1770000, 2790000},
        {"checkout", 1110000, 135000, 0, 2790000, 3900000},
        {"frontend", 1170000, 345000, 0, 3900000, 5070000},
    };
    check_estimates(plan, x, sizeof x / sizeof x[0]);
    uint64_t p = 0, r = 0;
    uint32_t f = 0;
    assert_int_equal(convoy_plan_estimate(&p, &r, &f, plan), CONVOY_OK);
    assert_int_equal(p, 5070000);
    assert_int_equal(r, 645000);
    assert_int_equal(f, CONVOY_ESTIMATE_APPROVALS);
    /* every out-parameter may be NULL */
    assert_int_equal(convoy_plan_estimate(NULL, NULL, NULL, plan), CONVOY_OK);
    assert_int_equal(convoy_service_estimate(NULL, NULL, NULL, svc(plan, "ledger")), CONVOY_OK);
    assert_int_equal(convoy_service_schedule(NULL, NULL, svc(plan, "ledger")), CONVOY_OK);
    convoy_plan_free(plan);
}

static void test_estimates_step_dependencies_and_flags(void **state)
{
    (void)state;
    convoy_plan *plan = parse_q(
        "{'name': 'e', 'analyses': {"
        "  'slow': {'metrics': ["
        "    {'name': 'm1', 'provider': {'prometheus': {'query': 'q1'}}, 'interval': '1m', 'count': 3,"
        "     'initial_delay': '10s', 'success': '<1', 'failure_limit': 2},"
        "    {'name': 'm2', 'provider': {'prometheus': {'query': 'q2'}}, 'interval': '20s', 'count': 4,"
        "     'success': '<1', 'dry_run': true}]},"
        "  'forever': {'metrics': [{'name': 'm', 'provider': {'prometheus': {'query': 'q3'}},"
        "     'interval': '1m', 'success': '<1'}]}},"
        " 'services': ["
        "  {'name': 'a', 'steps': [{'pause': '1m'}, {'pause': '2m'}, {'pause': '3m'}]},"
        "  {'name': 'b', 'depends_on': [{'service': 'a', 'step': 1}],"
        "   'steps': [{'set_weight': 10}, {'analysis': 'slow'}, {'pause': '5m'}]},"
        "  {'name': 'c', 'depends_on': ['a'], 'steps': [{'set_weight': 10}, {'analysis': 'forever'},"
        "   {'approval': {'timeout': '1h'}}, {'webhook': {'name': 'w', 'url': 'http://hooks.test/'}}]}"
        "]}");
    const convoy_service *b = svc(plan, "b");
    assert_int_equal(convoy_service_dependency_count(b), 1);
    assert_int_equal(convoy_service_dependency_step(b, 0), 1);
    assert_int_equal(convoy_service_wave(b), 1);
    assert_int_equal(convoy_service_dependency_step(svc(plan, "c"), 0), -1);
    /* the webhook defaults: type rollout, timeout 10s */
    const convoy_step *hook = convoy_service_step(svc(plan, "c"), 3);
    assert_int_equal(convoy_step_kind(hook), CONVOY_STEP_WEBHOOK);
    assert_string_equal(convoy_step_webhook_type(hook), "rollout");
    assert_int_equal(convoy_step_timeout_ms(hook), 10000);
    /* count unset with an interval: unbounded */
    const convoy_metric *m = convoy_analysis_metric(convoy_plan_analysis_by_name(plan, "forever"), 0);
    assert_int_equal(convoy_metric_count(m), 0);
    assert_int_equal(convoy_metric_interval_ms(m), 60000);

    /* a: 6 min. b starts when a completed step 1 (1m + 2m), runs slow (10s + 1m x 2 = 130 s;
     * the dry-run m2 is 60 s) and 5m. c starts when a is promoted; forever is unbounded and
     * the approval untimed, the webhook counts its 10 s timeout. */
    static const xestimate x[] = {
        {"a", 360000, 0, 0, 0, 360000},
        {"b", 430000, 130000, 0, 180000, 610000},
        {"c", 10000, 0, CONVOY_ESTIMATE_APPROVALS | CONVOY_ESTIMATE_UNBOUNDED, 360000, 370000},
    };
    check_estimates(plan, x, sizeof x / sizeof x[0]);
    uint64_t p, r;
    uint32_t f;
    assert_int_equal(convoy_plan_estimate(&p, &r, &f, plan), CONVOY_OK);
    assert_int_equal(p, 610000);
    assert_int_equal(r, 130000);
    assert_int_equal(f, CONVOY_ESTIMATE_APPROVALS | CONVOY_ESTIMATE_UNBOUNDED);
    assert_round_trip(plan);
    convoy_plan_free(plan);
}

static void test_estimates_max_parallel(void **state)
{
    (void)state;
    static const char *const plans[] = {
        "{'name': 'm', 'services': [{'name': 'x', 'steps': [{'pause': '1m'}]},"
        " {'name': 'y', 'steps': [{'pause': '2m'}]},"
        " {'name': 'z', 'depends_on': ['x'], 'steps': [{'pause': '30s'}]}]}",
        "{'name': 'm', 'max_parallel': 1, 'services': [{'name': 'x', 'steps': [{'pause': '1m'}]},"
        " {'name': 'y', 'steps': [{'pause': '2m'}]},"
        " {'name': 'z', 'depends_on': ['x'], 'steps': [{'pause': '30s'}]}]}",
    };
    /* unlimited: x 0-60, y 0-120, z 60-90 */
    convoy_plan *plan = parse_q(plans[0]);
    static const xestimate x[] = {
        {"x", 60000, 0, 0, 0, 60000},
        {"y", 120000, 0, 0, 0, 120000},
        {"z", 30000, 0, 0, 60000, 90000},
    };
    check_estimates(plan, x, 3);
    uint64_t p;
    assert_int_equal(convoy_plan_estimate(&p, NULL, NULL, plan), CONVOY_OK);
    assert_int_equal(p, 120000);
    convoy_plan_free(plan);

    /* one at a time: whatever the order, back to back, 210 s in all */
    plan = parse_q(plans[1]);
    assert_int_equal(convoy_plan_max_parallel(plan), 1);
    assert_int_equal(convoy_plan_estimate(&p, NULL, NULL, plan), CONVOY_OK);
    assert_int_equal(p, 210000);
    uint64_t st[3], fi[3];
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(convoy_service_schedule(&st[i], &fi[i], convoy_plan_service(plan, i)),
                         CONVOY_OK);
        uint64_t promote;
        assert_int_equal(convoy_service_estimate(&promote, NULL, NULL, convoy_plan_service(plan, i)),
                         CONVOY_OK);
        assert_int_equal(fi[i] - st[i], promote);
    }
    for (size_t i = 0; i < 3; i++)
        for (size_t j = 0; j < i; j++)
            assert_true(fi[i] <= st[j] || fi[j] <= st[i]); /* no overlap */
    assert_true(st[2] >= fi[0]);                             /* z after x */
    convoy_plan_free(plan);
}

/* ------------------------------------------------------------- serialisation */

/* background_analysis: resolved like a step's analysis (templates too),
 * inherited from defaults, written back, and only a measurement analysis. */
static void test_background_analysis(void **state)
{
    (void)state;
    static const char ANALYSES[] =
        "'analyses': {'errors': {'metrics': [{'name': 'error-rate', 'provider': {'prometheus': "
        "{'query': 'q'}}, 'interval': '1m', 'success': '<0.01'}]},"
        " 'judged': {'judge': {'pass': 90, 'marginal': 50}, 'metrics': [{'name': 'p99', "
        "'provider': {'prometheus': {'query': 'q'}}}]}}";
    char text[1024];
    snprintf(text, sizeof text,
             "{'name': 'bg', %s, 'defaults': {'background_analysis': 'errors'}, 'services': ["
             "{'name': 'a', 'steps': [{'set_weight': 10}]},"
             "{'name': 'b', 'background_analysis': 'errors', 'steps': [{'set_weight': 10}]}]}",
             ANALYSES);
    convoy_plan *plan = parse_q(text);
    const convoy_analysis *an = convoy_service_background_analysis(svc(plan, "b"));
    assert_non_null(an);
    assert_string_equal(convoy_analysis_name(an), "errors");
    assert_ptr_equal(convoy_service_background_analysis(svc(plan, "a")), an);
    assert_null(convoy_service_background_analysis(NULL));
    assert_round_trip(plan);
    size_t len = 0;
    char *json = to_json(plan, 0, &len);
    assert_non_null(strstr(json, "\"background_analysis\":\"errors\""));
    convoy_free(json);
    convoy_plan_free(plan);

    convoy_diagnostics *d = NULL;
    snprintf(text, sizeof text,
             "{'name': 'bg', %s, 'services': [{'name': 'a', 'background_analysis': 'erors',"
             " 'steps': [{'set_weight': 10}]}]}",
             ANALYSES);
    assert_int_equal(parse_q_fail(text, NULL, &d), CONVOY_E_INVALID);
    assert_true(has_problem(d, CONVOY_P_UNKNOWN_REF));
    assert_string_equal(convoy_diagnostic_pointer(d, 0), "/services/0/background_analysis");
    convoy_diagnostics_free(d);
    snprintf(text, sizeof text,
             "{'name': 'bg', %s, 'services': [{'name': 'a', 'background_analysis': 'judged',"
             " 'steps': [{'set_weight': 10}]}]}",
             ANALYSES);
    d = NULL;
    assert_int_equal(parse_q_fail(text, NULL, &d), CONVOY_E_INVALID);
    assert_true(has_problem(d, CONVOY_P_TYPE));
    convoy_diagnostics_free(d);
}

static void test_round_trip_examples(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    assert_round_trip(plan);
    convoy_plan_free(plan);
    plan = load(PLATFORM_PLAN);
    assert_round_trip(plan);
    /* defaults and templates are expanded in canonical output */
    char *j = to_json(plan, 0, NULL);
    assert_null(strstr(j, "\"defaults\""));
    assert_null(strstr(j, "{{args."));
    convoy_free(j);
    convoy_plan_free(plan);
}

static void test_canonical_ignores_key_order_and_layout(void **state)
{
    (void)state;
    convoy_plan *a = parse_q(
        "{'name': 'r', 'max_parallel': 2, 'analyses': {'e': {'metrics': [{'name': 'm',"
        " 'provider': {'prometheus': {'query': 'q', 'address': 'http://p:9090'}},"
        " 'success': '<1', 'interval': '1m', 'count': 2}]}},"
        " 'services': [{'name': 's', 'owner': 'o', 'steps': [{'set_weight': 10}, {'analysis': 'e'}]}]}");
    convoy_plan *b = parse_q(
        "{\n  'services': [\n    {'steps': [{'set_weight': 10.00}, {'analysis': 'e'}], 'owner': 'o', 'name': 's'}\n  ],\n"
        "  'analyses': {'e': {'metrics': [{'count': 2, 'interval': '1m', 'success': '<1',"
        " 'provider': {'prometheus': {'address': 'http://p:9090', 'query': 'q'}}, 'name': 'm'}]}},\n"
        "  'max_parallel': 2, 'name': 'r'\n}\n");
    char *ja = to_json(a, 0, NULL), *jb = to_json(b, 0, NULL);
    assert_string_equal(ja, jb);
    convoy_free(ja);
    convoy_free(jb);
    ja = to_json(a, CONVOY_JSON_PRETTY, NULL);
    jb = to_json(b, CONVOY_JSON_PRETTY, NULL);
    assert_string_equal(ja, jb);
    convoy_free(ja);
    convoy_free(jb);
    /* provider settings are canonical too */
    assert_string_equal(convoy_metric_provider_json(convoy_analysis_metric(convoy_plan_analysis(a, 0), 0)),
                        convoy_metric_provider_json(convoy_analysis_metric(convoy_plan_analysis(b, 0), 0)));
    convoy_plan_free(a);
    convoy_plan_free(b);
}

static void test_to_json_bad_arguments(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    assert_int_equal(convoy_plan_to_json(&out, &len, NULL, 0), CONVOY_E_INVALID_ARG);
    assert_null(out);
    assert_int_equal(convoy_plan_to_json(&out, NULL, NULL, CONVOY_JSON_PRETTY),
                     CONVOY_E_INVALID_ARG);
    convoy_plan *plan = parse_q("{'name': 'r', 'services': [{'name': 'a'}]}");
    assert_int_equal(convoy_plan_to_json(NULL, &len, plan, 0), CONVOY_E_INVALID_ARG);
    /* len_out may be NULL */
    assert_int_equal(convoy_plan_to_json(&out, NULL, plan, 0), CONVOY_OK);
    assert_non_null(out);
    convoy_free(out);
    convoy_plan_free(plan);
}

/* ------------------------------------------------------------------ shorthand */

static void test_flagger_shorthand(void **state)
{
    (void)state;
    convoy_plan *plan = parse_q(
        "{'name': 'r', 'analyses': {'a': {'metrics': [{'name': 'error-rate',"
        "  'provider': {'prometheus': {'query': 'q'}}, 'success': '<0.01'}]}},"
        " 'services': ["
        "  {'name': 's1', 'step_weight': 20, 'max_weight': 50, 'interval': '1m', 'analysis': 'a'},"
        "  {'name': 's2', 'step_weights': [5, 10, 30, 60, 90], 'max_weight': 50, 'interval': '30s'},"
        "  {'name': 's3', 'step_weight': 30},"
        "  {'name': 's4', 'step_weights': [12.5, 33.33]},"
        "  {'name': 's5', 'step_weight': 50, 'interval': '2m30s', 'analysis': 'a'}"
        "]}");
    static const xstep s1[] = {
        SW(2000), PAUSE(2000, 60000), AN(2000, "a"),
        SW(4000), PAUSE(4000, 60000), AN(4000, "a"),
        SW(5000), PAUSE(5000, 60000), AN(5000, "a"),
    };
    static const xstep s2[] = {
        SW(500),  PAUSE(500, 30000),  SW(1000), PAUSE(1000, 30000),
        SW(3000), PAUSE(3000, 30000), SW(5000), PAUSE(5000, 30000),
    };
    static const xstep s3[] = {
        SW(3000), PAUSE(3000, 60000), SW(6000),  PAUSE(6000, 60000),
        SW(9000), PAUSE(9000, 60000), SW(10000), PAUSE(10000, 60000),
    };
    static const xstep s4[] = {SW(1250), PAUSE(1250, 60000), SW(3333), PAUSE(3333, 60000)};
    static const xstep s5[] = {
        SW(5000), PAUSE(5000, 150000), AN(5000, "a"),
        SW(10000), PAUSE(10000, 150000), AN(10000, "a"),
    };
    check_steps(svc(plan, "s1"), s1);
    check_steps(svc(plan, "s2"), s2);
    check_steps(svc(plan, "s3"), s3);
    check_steps(svc(plan, "s4"), s4);
    check_steps(svc(plan, "s5"), s5);
    assert_round_trip(plan);
    convoy_plan_free(plan);
}

static void test_platform_shorthand_and_templates(void **state)
{
    (void)state;
    convoy_plan *plan = load(PLATFORM_PLAN);
    assert_int_equal(convoy_plan_service_count(plan), 12);
    assert_int_equal(convoy_plan_max_parallel(plan), 3);

    static const xstep edge[] = {
        SW(1000), PAUSE(1000, 30000), AN(1000, "http-errors"),
        SW(2000), PAUSE(2000, 30000), AN(2000, "http-errors"),
        SW(3000), PAUSE(3000, 30000), AN(3000, "http-errors"),
        SW(4000), PAUSE(4000, 30000), AN(4000, "http-errors"),
        SW(5000), PAUSE(5000, 30000), AN(5000, "http-errors"),
    };
    check_steps(svc(plan, "edge-gateway"), edge);

    static const xstep catalog[] = {
        SW(2500),  PAUSE(2500, 120000),  AN(2500, "http-errors"),
        SW(5000),  PAUSE(5000, 120000),  AN(5000, "http-errors"),
        SW(7500),  PAUSE(7500, 120000),  AN(7500, "http-errors"),
        SW(10000), PAUSE(10000, 120000), AN(10000, "http-errors"),
    };
    check_steps(svc(plan, "catalog"), catalog);

    static const xstep search[] = {
        SW(500),  PAUSE(500, 120000),  AN(500, "http-errors-strict"),
        SW(1000), PAUSE(1000, 120000), AN(1000, "http-errors-strict"),
        SW(2500), PAUSE(2500, 120000), AN(2500, "http-errors-strict"),
        SW(5000), PAUSE(5000, 120000), AN(5000, "http-errors-strict"),
        SW(8000), PAUSE(8000, 120000), AN(8000, "http-errors-strict"),
    };
    check_steps(svc(plan, "search"), search);

    static const xstep shopping[] = {
        SW(2000), PAUSE(2000, 60000), AN(2000, "http-errors"),
        SW(4000), PAUSE(4000, 60000), AN(4000, "http-errors"),
        SW(6000), PAUSE(6000, 60000), AN(6000, "http-errors"),
    };
    check_steps(svc(plan, "cart"), shopping);
    check_steps(svc(plan, "wishlist"), shopping);

    /* the "standard" steps template, inherited from defaults */
    static const xstep standard[] = {
        SW(1000), PAUSE(1000, 60000), AN(1000, "http-errors"),
        SW(3000), PAUSE(3000, 120000), AN(3000, "http-errors"),
        SW(6000), AN(6000, "latency-judge"),
        SW(9000), PAUSE(9000, 60000),
    };
    check_steps(svc(plan, "config-service"), standard);
    check_steps(svc(plan, "auth-api"), standard);
    check_steps(svc(plan, "recommendations"), standard);
    check_steps(svc(plan, "reviews"), standard);

    /* the "careful" template, named by the service */
    static const xstep careful[] = {
        WEBHOOK(0, 60000), SW(500), PAUSE(500, 120000), AN(500, "synthetic-smoke"),
        SW(2500), AN(2500, "latency-judge"), SW(5000), APPROVAL(5000, 1800000),
        SW(7500), AN(7500, "http-errors-strict"),
    };
    check_steps(svc(plan, "identity"), careful);
    check_steps(svc(plan, "web-bff"), careful);
    check_steps(svc(plan, "mobile-bff"), careful);
    const convoy_step *hook = convoy_service_step(svc(plan, "identity"), 0);
    assert_string_equal(convoy_step_webhook_name(hook), "smoke-test");
    assert_string_equal(convoy_step_webhook_type(hook), "pre-rollout");
    assert_string_equal(convoy_step_webhook_url(hook), "http://loadtester.platform.svc/");

    /* a template analysis named directly by a step */
    const convoy_analysis *smoke =
        convoy_step_analysis(convoy_service_step(svc(plan, "identity"), 3));
    assert_non_null(smoke);
    assert_string_equal(convoy_analysis_name(smoke), "synthetic-smoke");
    assert_int_equal(convoy_analysis_metric_count(smoke), 1);
    assert_string_equal(convoy_metric_name(convoy_analysis_metric(smoke, 0)), "probe-success");
    assert_int_equal(convoy_metric_success_count(convoy_analysis_metric(smoke, 0)), 0);

    /* analysis templates with args */
    const convoy_analysis *he = convoy_plan_analysis_by_name(plan, "http-errors");
    const convoy_analysis *hs = convoy_plan_analysis_by_name(plan, "http-errors-strict");
    assert_non_null(he);
    assert_non_null(hs);
    assert_int_equal(convoy_analysis_kind(he), CONVOY_ANALYSIS_MEASUREMENT);
    const convoy_metric *hem = convoy_analysis_metric(he, 0), *hsm = convoy_analysis_metric(hs, 0);
    assert_string_equal(convoy_metric_name(hem), "error-rate");
    assert_int_equal(convoy_metric_interval_ms(hem), 60000);
    assert_int_equal(convoy_metric_count(hem), 3);
    assert_int_equal(convoy_metric_failure_limit(hem), 1);
    const char *pj = convoy_metric_provider_json(hem);
    assert_null(strstr(pj, "{{args."));
    assert_non_null(strstr(pj, "{{service}}"));
    assert_non_null(strstr(pj, "[1m]"));
    assert_null(strstr(pj, "429"));
    pj = convoy_metric_provider_json(hsm);
    assert_null(strstr(pj, "{{args."));
    assert_non_null(strstr(pj, "5..|429"));
    assert_non_null(strstr(pj, "[2m]"));

    /* judge analysis */
    const convoy_analysis *judge = convoy_plan_analysis_by_name(plan, "latency-judge");
    assert_non_null(judge);
    assert_int_equal(convoy_analysis_kind(judge), CONVOY_ANALYSIS_JUDGE);
    assert_true(convoy_analysis_pass_score(judge) == 95.0);
    assert_true(convoy_analysis_marginal_score(judge) == 75.0);
    assert_int_equal(convoy_analysis_metric_count(judge), 2);
    assert_string_equal(convoy_metric_name(convoy_analysis_metric(judge, 0)), "p99-latency");
    assert_string_equal(convoy_metric_name(convoy_analysis_metric(judge, 1)), "error-ratio");
    assert_int_equal(convoy_metric_success_count(convoy_analysis_metric(judge, 0)), 0);

    /* analyses listed in name order */
    size_t na = convoy_plan_analysis_count(plan);
    assert_true(na >= 3);
    for (size_t i = 1; i < na; i++)
        assert_true(strcmp(convoy_analysis_name(convoy_plan_analysis(plan, i - 1)),
                           convoy_analysis_name(convoy_plan_analysis(plan, i))) < 0);
    convoy_plan_free(plan);
}

static void test_platform_structure(void **state)
{
    (void)state;
    convoy_plan *plan = load(PLATFORM_PLAN);
    /* defaults inheritance */
    const char *sre = "platform-sre <platform-sre@corp.example>";
    assert_string_equal(convoy_service_owner(svc(plan, "wishlist")), sre);
    assert_string_equal(convoy_service_owner(svc(plan, "reviews")), sre);
    assert_string_equal(convoy_service_owner(svc(plan, "cart")),
                        "shopping-team <shopping@corp.example>");
    assert_string_equal(convoy_service_baseline(svc(plan, "config-service")), "2024.27.0");
    assert_string_equal(convoy_service_candidate(svc(plan, "config-service")), "2024.28.1");
    assert_string_equal(convoy_service_candidate(svc(plan, "edge-gateway")), "2024.28.0");
    assert_string_equal(convoy_service_candidate(svc(plan, "recommendations")), "2024.28.0-ml.3");

    /* step dependency */
    const convoy_service *rec = svc(plan, "recommendations");
    assert_int_equal(convoy_service_dependency_count(rec), 1);
    assert_string_equal(convoy_service_name(convoy_service_dependency(rec, 0)), "search");
    assert_int_equal(convoy_service_dependency_step(rec, 0), 2);

    /* waves */
    assert_int_equal(convoy_plan_wave_count(plan), 5);
    static const char *const w0[] = {"config-service", "identity"};
    static const char *const w1[] = {"auth-api", "catalog", "search"};
    static const char *const w2[] = {"cart", "recommendations", "reviews", "wishlist"};
    static const char *const w3[] = {"mobile-bff", "web-bff"};
    static const char *const w4[] = {"edge-gateway"};
    check_wave(plan, 0, w0, 2);
    check_wave(plan, 1, w1, 3);
    check_wave(plan, 2, w2, 4);
    check_wave(plan, 3, w3, 2);
    check_wave(plan, 4, w4, 1);

    /* dependents in document order */
    static const char *const cat_dependents[] = {"cart", "wishlist", "reviews"};
    check_dependents(svc(plan, "catalog"), cat_dependents, 3);

    /* cohorts, by name, members by name */
    assert_int_equal(convoy_plan_cohort_count(plan), 2);
    assert_string_equal(convoy_plan_cohort_name(plan, 0), "bff");
    assert_string_equal(convoy_plan_cohort_name(plan, 1), "shopping");
    assert_null(convoy_plan_cohort_name(plan, 2));
    assert_int_equal(convoy_plan_cohort_size(plan, 0), 2);
    assert_int_equal(convoy_plan_cohort_size(plan, 1), 2);
    assert_string_equal(convoy_service_name(convoy_plan_cohort_service(plan, 0, 0)), "mobile-bff");
    assert_string_equal(convoy_service_name(convoy_plan_cohort_service(plan, 0, 1)), "web-bff");
    assert_string_equal(convoy_service_name(convoy_plan_cohort_service(plan, 1, 0)), "cart");
    assert_string_equal(convoy_service_name(convoy_plan_cohort_service(plan, 1, 1)), "wishlist");
    assert_null(convoy_plan_cohort_service(plan, 1, 2));
    assert_string_equal(convoy_service_cohort(svc(plan, "cart")), "shopping");
    assert_string_equal(convoy_service_cohort(svc(plan, "web-bff")), "bff");
    assert_null(convoy_service_cohort(svc(plan, "edge-gateway")));
    assert_null(convoy_service_cohort(svc(plan, "reviews")));

    assert_int_equal(convoy_plan_rollback_scope(plan), CONVOY_SCOPE_ALL);
    assert_int_equal(convoy_plan_rollback_on_inconclusive(plan), CONVOY_INCONCLUSIVE_HOLD);
    uint32_t flags = 0;
    assert_int_equal(convoy_plan_estimate(NULL, NULL, &flags, plan), CONVOY_OK);
    assert_true(flags & CONVOY_ESTIMATE_APPROVALS);
    convoy_plan_free(plan);
}

/* ------------------------------------------------------- defaults, templates */

static void test_defaults_inheritance(void **state)
{
    (void)state;
    convoy_plan *plan = parse_q(
        "{'name': 'r',"
        " 'defaults': {'owner': 'sre', 'baseline': '1.0.0', 'candidate': '1.1.0',"
        "              'steps': [{'set_weight': 50}, {'pause': '1m'}]},"
        " 'services': ["
        "  {'name': 'a'},"
        "  {'name': 'b', 'owner': 'team-b', 'candidate': '2.0.0', 'depends_on': ['a']},"
        "  {'name': 'c', 'step_weight': 50},"
        "  {'name': 'd', 'steps': [{'set_weight': 100}]}"
        "]}");
    const convoy_service *a = svc(plan, "a"), *b = svc(plan, "b"), *c = svc(plan, "c"),
                         *d = svc(plan, "d");
    assert_string_equal(convoy_service_owner(a), "sre");
    assert_string_equal(convoy_service_baseline(a), "1.0.0");
    assert_string_equal(convoy_service_candidate(a), "1.1.0");
    assert_string_equal(convoy_service_owner(b), "team-b");
    assert_string_equal(convoy_service_baseline(b), "1.0.0");
    assert_string_equal(convoy_service_candidate(b), "2.0.0");
    static const xstep inherited[] = {SW(5000), PAUSE(5000, 60000)};
    check_steps(a, inherited);
    check_steps(b, inherited);
    /* the shorthand does not inherit steps */
    static const xstep shorthand[] = {SW(5000), PAUSE(5000, 60000), SW(10000), PAUSE(10000, 60000)};
    check_steps(c, shorthand);
    static const xstep own[] = {SW(10000)};
    check_steps(d, own);
    assert_round_trip(plan);
    convoy_plan_free(plan);

    /* shorthand in defaults: inherited by a service without a schedule, not by
     * one with steps (and that is no conflict) */
    plan = parse_q(
        "{'name': 'r', 'analyses': {'an': {'metrics': [{'name': 'error-rate',"
        "  'provider': {'prometheus': {'query': 'q'}}, 'success': '<0.01'}]}},"
        " 'defaults': {'step_weight': 25, 'analysis': 'an'},"
        " 'services': [{'name': 'x'}, {'name': 'y', 'steps': [{'set_weight': 100}]}]}");
    static const xstep x[] = {
        SW(2500),  PAUSE(2500, 60000),  AN(2500, "an"),  SW(5000),  PAUSE(5000, 60000),
        AN(5000, "an"), SW(7500), PAUSE(7500, 60000), AN(7500, "an"), SW(10000),
        PAUSE(10000, 60000), AN(10000, "an"),
    };
    check_steps(svc(plan, "x"), x);
    check_steps(svc(plan, "y"), own);
    assert_round_trip(plan);
    convoy_plan_free(plan);
}

static void test_templates(void **state)
{
    (void)state;
    convoy_plan *plan = parse_q(
        "{'name': 'r',"
        " 'templates': {"
        "   'steps': {'quick': [{'set_weight': 50}, {'analysis': 'errors'}, {'pause': '30s'}]},"
        "   'analyses': {"
        "     'err': {'metrics': [{'name': 'error-rate', 'provider': {'prometheus': {'query':"
        "        'rate(errors{job=\\'{{args.job}}\\',service=\\'{{service}}\\'}[{{args.window}}])'}},"
        "        'success': '<0.1'}]},"
        "     'up': {'metrics': [{'name': 'up', 'provider': {'prometheus': {'query': 'up'}}, 'min': 1}]}}},"
        " 'analyses': {'errors': {'template': 'err', 'args': {'job': 'checkout-job', 'window': '5m'}}},"
        " 'services': [{'name': 's', 'steps': {'template': 'quick'}},"
        "              {'name': 't', 'steps': [{'set_weight': 10}, {'analysis': 'up'}]}]}");
    static const xstep s[] = {SW(5000), AN(5000, "errors"), PAUSE(5000, 30000)};
    static const xstep t[] = {SW(1000), AN(1000, "up")};
    check_steps(svc(plan, "s"), s);
    check_steps(svc(plan, "t"), t);
    const convoy_analysis *an = convoy_plan_analysis_by_name(plan, "errors");
    assert_non_null(an);
    const convoy_metric *m = convoy_analysis_metric(an, 0);
    assert_string_equal(convoy_metric_name(m), "error-rate");
    const char *pj = convoy_metric_provider_json(m);
    assert_non_null(strstr(pj, "checkout-job"));
    assert_non_null(strstr(pj, "[5m]"));
    assert_non_null(strstr(pj, "{{service}}"));
    assert_null(strstr(pj, "{{args."));
    /* unset count and interval */
    assert_int_equal(convoy_metric_count(m), 0);
    assert_int_equal(convoy_metric_interval_ms(m), 0);
    assert_int_equal(convoy_metric_initial_delay_ms(m), 0);
    assert_int_equal(convoy_metric_failure_limit(m), 0);
    assert_int_equal(convoy_metric_inconclusive_limit(m), 0);
    assert_int_equal(convoy_metric_consecutive_error_limit(m), 4);
    assert_int_equal(convoy_metric_dry_run(m), 0);
    assert_round_trip(plan);
    convoy_plan_free(plan);

    /* a missing argument and an unused one are errors */
    convoy_diagnostics *d = NULL;
    parse_q_fail(
        "{'name': 'r', 'templates': {'analyses': {'err': {'metrics': [{'name': 'm',"
        "  'provider': {'prometheus': {'query': 'x{job=\\'{{args.job}}\\'}'}}, 'success': '<1'}]}}},"
        " 'analyses': {'e': {'template': 'err', 'args': {'jobb': 'x'}}},"
        " 'services': [{'name': 's', 'steps': [{'analysis': 'e'}]}]}",
        NULL, &d);
    assert_true(convoy_diagnostics_count(d) >= 2);
    convoy_diagnostics_free(d);
}

/* A broken analysis template (its metric has no provider) instantiated with
 * args is reported, not dereferenced. Found by test_mutated_examples. */
static void test_broken_analysis_template(void **state)
{
    (void)state;
    static const char *const plans[] = {
        /* the provider key misspelt */
        "{'name': 'r', 'templates': {'analyses': {'err': {'metrics': [{'name': 'm',"
        "  'provid': {'prometheus': {'query': 'x{job=\\'{{args.job}}\\'}'}}, 'success': '<1'}]}}},"
        " 'analyses': {'e': {'template': 'err', 'args': {'job': 'api'}}},"
        " 'services': [{'name': 's', 'steps': [{'analysis': 'e'}]}]}",
        /* no provider at all */
        "{'name': 'r', 'templates': {'analyses': {'err': {'metrics': [{'name': 'm', 'success': '<1'}]}}},"
        " 'analyses': {'e': {'template': 'err', 'args': {'job': 'api'}}},"
        " 'services': [{'name': 's', 'steps': [{'analysis': 'e'}]}]}",
        /* the provider is not an object */
        "{'name': 'r', 'templates': {'analyses': {'err': {'metrics': [{'name': 'm',"
        "  'provider': 'prometheus', 'success': '<1'}]}}},"
        " 'analyses': {'e': {'template': 'err', 'args': {'job': 'api'}}},"
        " 'services': [{'name': 's', 'steps': [{'analysis': 'e'}]}]}",
    };
    static const int problems[] = {CONVOY_P_UNKNOWN_KEY, CONVOY_P_MISSING, CONVOY_P_TYPE};
    for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
        convoy_diagnostics *d = NULL;
        int rc = parse_q_fail(plans[i], NULL, &d);
        if (rc != CONVOY_E_INVALID || !has_problem(d, problems[i])) {
            print_message("  plan %zu: status %d\n", i, rc);
            dump_diagnostics(d);
        }
        assert_int_equal(rc, CONVOY_E_INVALID);
        assert_true(has_problem(d, problems[i]));
        convoy_diagnostics_free(d);
    }
}

/* --------------------------------------------------------- durations, weights */

static void test_durations(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint64_t ms;
    } cases[] = {
        {"250ms", 250},      {"30s", 30000},          {"5m", 300000},
        {"1h30m", 5400000},  {"1.5h", 5400000},       {"0", 0},
        {"1d", 86400000},    {"365d", 31536000000ULL}, {"0.5s", 500},
        {"1m30s", 90000},    {"1.25s", 1250},         {"2d12h", 216000000},
        {"1h0m30s", 3630000}, {"0.001s", 1},          {"90s", 90000},
    };
    char json[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(json, sizeof json,
                 "{'name': 'r', 'services': [{'name': 'a', 'steps': [{'pause': '%s'},"
                 " {'pause': {'duration': '%s'}}, {'approval': {'timeout': '%s'}}]}]}",
                 cases[i].text, cases[i].text, cases[i].text);
        convoy_plan *plan = parse_q(json);
        const convoy_service *a = svc(plan, "a");
        const convoy_step *p0 = convoy_service_step(a, 0), *p1 = convoy_service_step(a, 1),
                          *ap = convoy_service_step(a, 2);
        if (convoy_step_duration_ms(p0) != cases[i].ms)
            print_message("  \"%s\" gave %llu ms\n", cases[i].text,
                          (unsigned long long)convoy_step_duration_ms(p0));
        assert_int_equal(convoy_step_kind(p0), CONVOY_STEP_PAUSE);
        assert_int_equal(convoy_step_duration_ms(p0), cases[i].ms);
        assert_int_equal(convoy_step_kind(p1), CONVOY_STEP_PAUSE);
        assert_int_equal(convoy_step_duration_ms(p1), cases[i].ms);
        assert_int_equal(convoy_step_kind(ap), CONVOY_STEP_APPROVAL);
        assert_int_equal(convoy_step_timeout_ms(ap), cases[i].ms);
        assert_int_equal(convoy_step_duration_ms(ap), 0);
        convoy_plan_free(plan);
    }

    /* the approval forms */
    convoy_plan *plan = parse_q(
        "{'name': 'r', 'services': [{'name': 'a', 'steps': [{'approval': true},"
        " {'pause': {'approval': true}}, {'pause': {'approval': true, 'timeout': '2h'}}]}]}");
    static const xstep approvals[] = {APPROVAL(0, 0), APPROVAL(0, 0), APPROVAL(0, 7200000)};
    check_steps(svc(plan, "a"), approvals);
    assert_round_trip(plan);
    uint32_t flags = 0;
    assert_int_equal(convoy_plan_estimate(NULL, NULL, &flags, plan), CONVOY_OK);
    assert_int_equal(flags, CONVOY_ESTIMATE_APPROVALS);
    convoy_plan_free(plan);

    /* malformed ones */
    static const char *const bad[] = {"5 minutes", "10", "-5s", "1h30", "366d", "1.5ms",
                                      "5M", "m", "1h 30m", "5mm", "0.0001s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(json, sizeof json,
                 "{'name': 'r', 'services': [{'name': 'a', 'steps': [{'pause': '%s'}]}]}", bad[i]);
        convoy_diagnostics *d = NULL;
        int rc = parse_q_fail(json, NULL, &d);
        if (rc != CONVOY_E_INVALID || !has_problem(d, CONVOY_P_DURATION)) {
            print_message("  \"%s\": status %d\n", bad[i], rc);
            dump_diagnostics(d);
        }
        assert_int_equal(rc, CONVOY_E_INVALID);
        assert_true(has_problem(d, CONVOY_P_DURATION));
        convoy_diagnostics_free(d);
    }
}

static void test_weights(void **state)
{
    (void)state;
    convoy_plan *plan = parse_q(
        "{'name': 'r', 'services': [{'name': 'a', 'steps': ["
        " {'set_weight': 0}, {'set_weight': 0.01}, {'set_weight': 0.07}, {'set_weight': 12.25},"
        " {'set_weight': 33.3}, {'set_weight': 50.5}, {'set_mirror': 12.25}, {'pause': '1s'},"
        " {'set_weight': 99.99}, {'set_weight': 100}, {'set_mirror': 0}]}]}");
    static const uint32_t want[] = {0, 1, 7, 1225, 3330, 5050, 5050, 5050, 9999, 10000, 10000};
    const convoy_service *a = svc(plan, "a");
    assert_int_equal(convoy_service_step_count(a), 11);
    for (size_t i = 0; i < 11; i++)
        assert_int_equal(convoy_step_weight_bp(convoy_service_step(a, i)), want[i]);
    assert_int_equal(convoy_step_kind(convoy_service_step(a, 6)), CONVOY_STEP_SET_MIRROR);
    assert_int_equal(convoy_step_mirror_bp(convoy_service_step(a, 6)), 1225);
    assert_int_equal(convoy_step_mirror_bp(convoy_service_step(a, 7)), 1225);
    assert_int_equal(convoy_step_mirror_bp(convoy_service_step(a, 10)), 0);
    assert_int_equal(convoy_step_mirror_bp(convoy_service_step(a, 0)), 0);
    assert_round_trip(plan);
    convoy_plan_free(plan);

    static const struct {
        const char *w;
        int problem;
    } bad[] = {
        {"12.345", CONVOY_P_PRECISION}, {"0.001", CONVOY_P_PRECISION},
        {"101", CONVOY_P_RANGE},        {"-1", CONVOY_P_RANGE},
        {"100.01", CONVOY_P_RANGE},     {"'20'", CONVOY_P_TYPE},
        {"true", CONVOY_P_TYPE},        {"null", CONVOY_P_TYPE},
    };
    char json[256];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(json, sizeof json,
                 "{'name': 'r', 'services': [{'name': 'a', 'steps': [{'set_weight': %s}]}]}",
                 bad[i].w);
        convoy_diagnostics *d = NULL;
        int rc = parse_q_fail(json, NULL, &d);
        if (rc != CONVOY_E_INVALID || convoy_diagnostics_count(d) != 1 ||
            convoy_diagnostic_code(d, 0) != bad[i].problem) {
            print_message("  set_weight %s: status %d\n", bad[i].w, rc);
            dump_diagnostics(d);
        }
        assert_int_equal(rc, CONVOY_E_INVALID);
        assert_int_equal(convoy_diagnostics_count(d), 1);
        assert_int_equal(convoy_diagnostic_code(d, 0), bad[i].problem);
        assert_string_equal(convoy_diagnostic_pointer(d, 0), "/services/0/steps/0/set_weight");
        assert_int_equal(convoy_diagnostic_line(d, 0), 1);
        assert_int_equal(convoy_diagnostic_column(d, 0), 67);
        convoy_diagnostics_free(d);
    }
}

/* ------------------------------------------------------------------- limits */

static void test_limits(void **state)
{
    (void)state;
    static const char three[] =
        "{'name': 'a-rather-long-release-name', 'services': [{'name': 'a'}, {'name': 'b'},"
        " {'name': 'c', 'steps': [{'pause': '1m'}]}]}";
    convoy_parse_options opts;
    convoy_diagnostics *d = NULL;

    /* the defaults accept it */
    convoy_plan *plan = parse_q(three);
    convoy_plan_free(plan);

    assert_int_equal(convoy_parse_options_init(&opts, CONVOY_PARSE_OPTIONS_VERSION), CONVOY_OK);
    opts.max_services = 2;
    assert_int_equal(parse_q_fail(three, &opts, &d), CONVOY_E_LIMIT);
    assert_true(has_problem(d, CONVOY_P_LIMIT));
    convoy_diagnostics_free(d);
    opts.max_services = 3;
    char *json = dequote(three);
    assert_int_equal(convoy_plan_parse(&plan, NULL, json, strlen(json), &opts), CONVOY_OK);
    convoy_plan_free(plan);

    convoy_parse_options_init(&opts, CONVOY_PARSE_OPTIONS_VERSION);
    opts.max_document_bytes = strlen(json) - 1;
    assert_int_equal(parse_q_fail(three, &opts, &d), CONVOY_E_LIMIT);
    assert_true(has_problem(d, CONVOY_P_LIMIT));
    convoy_diagnostics_free(d);
    opts.max_document_bytes = strlen(json);
    assert_int_equal(convoy_plan_parse(&plan, NULL, json, strlen(json), &opts), CONVOY_OK);
    convoy_plan_free(plan);

    /* a file larger than the limit */
    opts.max_document_bytes = 1000;
    plan = (convoy_plan *)(uintptr_t)1;
    assert_int_equal(convoy_plan_parse_file(&plan, &d, SHOP_PLAN, &opts), CONVOY_E_LIMIT);
    assert_null(plan);
    assert_true(has_problem(d, CONVOY_P_LIMIT));
    convoy_diagnostics_free(d);

    convoy_parse_options_init(&opts, CONVOY_PARSE_OPTIONS_VERSION);
    opts.max_depth = 3; /* object > array > object > array > object */
    assert_int_equal(parse_q_fail(three, &opts, &d), CONVOY_E_LIMIT);
    assert_true(has_problem(d, CONVOY_P_LIMIT));
    convoy_diagnostics_free(d);

    convoy_parse_options_init(&opts, CONVOY_PARSE_OPTIONS_VERSION);
    opts.max_string_bytes = 8; /* 'a-rather-long-release-name' */
    assert_int_equal(parse_q_fail(three, &opts, &d), CONVOY_E_LIMIT);
    assert_true(has_problem(d, CONVOY_P_LIMIT));
    convoy_diagnostics_free(d);
    free(json);

    /* reporting stops at max_diagnostics with too-many-problems */
    convoy_parse_options_init(&opts, CONVOY_PARSE_OPTIONS_VERSION);
    opts.max_diagnostics = 2;
    int rc = parse_q_fail(
        "{'name': 'r', 'services': [{'name': 'a', 'owner': 1, 'baseline': 2, 'candidate': 3,"
        " 'description': 4, 'steps': [{'set_weight': 101}, {'pause': 'x'}]}]}",
        &opts, &d);
    assert_true(rc == CONVOY_E_INVALID || rc == CONVOY_E_LIMIT);
    assert_true(convoy_diagnostics_count(d) <= 3);
    assert_true(has_problem(d, CONVOY_P_TOO_MANY));
    convoy_diagnostics_free(d);
}

/* --------------------------------------------------------- arguments, input */

static void test_parse_arguments(void **state)
{
    (void)state;
    static const char ok[] = "{\"name\": \"r\", \"services\": [{\"name\": \"a\"}]}";
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    assert_int_equal(convoy_plan_parse(NULL, &d, ok, sizeof ok - 1, NULL), CONVOY_E_INVALID_ARG);
    convoy_diagnostics_free(d);
    d = NULL;
    assert_int_equal(convoy_plan_parse(&plan, &d, NULL, 10, NULL), CONVOY_E_INVALID_ARG);
    assert_null(plan);
    convoy_diagnostics_free(d);
    d = NULL;
    assert_int_equal(convoy_plan_parse_file(&plan, &d, NULL, NULL), CONVOY_E_INVALID_ARG);
    assert_null(plan);
    convoy_diagnostics_free(d);
    d = NULL;
    assert_int_equal(convoy_plan_parse_file(NULL, &d, SHOP_PLAN, NULL), CONVOY_E_INVALID_ARG);
    convoy_diagnostics_free(d);
    d = NULL;

    /* diags_out may be NULL */
    assert_int_equal(convoy_plan_parse(&plan, NULL, ok, sizeof ok - 1, NULL), CONVOY_OK);
    convoy_plan_free(plan);

    /* a missing file */
    plan = (convoy_plan *)(uintptr_t)1;
    d = NULL;
    assert_int_equal(convoy_plan_parse_file(&plan, &d, SOURCE_ROOT "/no/such/plan.json", NULL),
                     CONVOY_E_IO);
    assert_null(plan);
    assert_non_null(d);
    assert_int_equal(convoy_error_code(convoy_error_last()), CONVOY_E_IO);
    convoy_diagnostics_free(d);

    /* success gives an empty list */
    d = NULL;
    assert_int_equal(convoy_plan_parse(&plan, &d, ok, sizeof ok - 1, NULL), CONVOY_OK);
    assert_non_null(d);
    assert_int_equal(convoy_diagnostics_count(d), 0);
    convoy_diagnostics_free(d);
    convoy_plan_free(plan);
}

static void test_input_not_terminated_and_copied(void **state)
{
    (void)state;
    static const char ok[] = "{\"name\": \"r\", \"services\": [{\"name\": \"svc-a\", \"owner\": \"o\"}]}";
    size_t n = sizeof ok - 1;
    char buf[sizeof ok + 16];
    memcpy(buf, ok, n);
    memcpy(buf + n, "garbage}}}]]]xyz", 16); /* no NUL after the document */
    convoy_plan *plan = NULL;
    assert_int_equal(convoy_plan_parse(&plan, NULL, buf, n, NULL), CONVOY_OK);
    memset(buf, 'x', sizeof buf); /* the plan keeps its own copy */
    assert_string_equal(convoy_plan_name(plan), "r");
    assert_string_equal(convoy_service_name(convoy_plan_service(plan, 0)), "svc-a");
    assert_string_equal(convoy_service_owner(convoy_plan_service(plan, 0)), "o");
    convoy_plan_free(plan);

    /* the bytes after len are not part of the document */
    plan = NULL;
    assert_int_equal(convoy_plan_parse(&plan, NULL, ok, n - 1, NULL), CONVOY_E_PARSE);
    assert_null(plan);
}

/* A plan is immutable and shareable; parsing is thread-safe. */
typedef struct shared_job {
    const convoy_plan *plan;
    const char *expect;
    int mismatches;
} shared_job;

static void *shared_worker(void *arg)
{
    shared_job *job = arg;
    for (int i = 0; i < 20; i++) {
        char *json = NULL;
        if (convoy_plan_to_json(&json, NULL, job->plan, CONVOY_JSON_PRETTY) != CONVOY_OK ||
            strcmp(json, job->expect) != 0)
            job->mismatches++;
        convoy_free(json);
        uint64_t p = 0;
        if (convoy_plan_estimate(&p, NULL, NULL, job->plan) != CONVOY_OK || p == 0)
            job->mismatches++;
        for (size_t w = 0; w < convoy_plan_wave_count(job->plan); w++)
            for (size_t k = 0; k < convoy_plan_wave_size(job->plan, w); k++)
                if (convoy_service_wave(convoy_plan_wave_service(job->plan, w, k)) != w)
                    job->mismatches++;
        /* and an independent parse of the same text */
        convoy_plan *own = NULL;
        if (convoy_plan_parse(&own, NULL, job->expect, strlen(job->expect), NULL) != CONVOY_OK)
            job->mismatches++;
        json = NULL;
        if (!own || convoy_plan_to_json(&json, NULL, own, CONVOY_JSON_PRETTY) != CONVOY_OK ||
            strcmp(json, job->expect) != 0)
            job->mismatches++;
        convoy_free(json);
        convoy_plan_free(own);
    }
    return NULL;
}

static void test_shared_plan_threads(void **state)
{
    (void)state;
    convoy_plan *plan = load(PLATFORM_PLAN);
    char *expect = to_json(plan, CONVOY_JSON_PRETTY, NULL);
    enum { N = 8 };
    pthread_t t[N];
    shared_job jobs[N];
    for (int i = 0; i < N; i++) {
        jobs[i].plan = plan;
        jobs[i].expect = expect;
        jobs[i].mismatches = 0;
        assert_int_equal(pthread_create(&t[i], NULL, shared_worker, &jobs[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(pthread_join(t[i], NULL), 0);
        assert_int_equal(jobs[i].mismatches, 0);
    }
    convoy_free(expect);
    convoy_plan_free(plan);
}

static void test_null_getters(void **state)
{
    (void)state;
    assert_null(convoy_plan_name(NULL));
    assert_int_equal(convoy_plan_max_parallel(NULL), 0);
    assert_int_equal(convoy_plan_service_count(NULL), 0);
    assert_null(convoy_plan_service(NULL, 0));
    assert_null(convoy_plan_service_by_name(NULL, "a"));
    assert_int_equal(convoy_plan_cohort_count(NULL), 0);
    assert_null(convoy_plan_cohort_name(NULL, 0));
    assert_int_equal(convoy_plan_cohort_size(NULL, 0), 0);
    assert_null(convoy_plan_cohort_service(NULL, 0, 0));
    assert_int_equal(convoy_plan_wave_count(NULL), 0);
    assert_int_equal(convoy_plan_wave_size(NULL, 0), 0);
    assert_null(convoy_plan_wave_service(NULL, 0, 0));
    assert_int_equal(convoy_plan_analysis_count(NULL), 0);
    assert_null(convoy_plan_analysis(NULL, 0));
    assert_null(convoy_plan_analysis_by_name(NULL, "a"));

    assert_null(convoy_service_name(NULL));
    assert_int_equal(convoy_service_index(NULL), 0);
    assert_null(convoy_service_owner(NULL));
    assert_null(convoy_service_baseline(NULL));
    assert_null(convoy_service_candidate(NULL));
    assert_null(convoy_service_cohort(NULL));
    assert_int_equal(convoy_service_wave(NULL), 0);
    assert_int_equal(convoy_service_dependency_count(NULL), 0);
    assert_null(convoy_service_dependency(NULL, 0));
    assert_int_equal(convoy_service_dependent_count(NULL), 0);
    assert_null(convoy_service_dependent(NULL, 0));
    assert_int_equal(convoy_service_step_count(NULL), 0);
    assert_null(convoy_service_step(NULL, 0));

    assert_int_equal(convoy_step_kind(NULL), 0);
    assert_int_equal(convoy_step_weight_bp(NULL), 0);
    assert_int_equal(convoy_step_mirror_bp(NULL), 0);
    assert_int_equal(convoy_step_duration_ms(NULL), 0);
    assert_int_equal(convoy_step_timeout_ms(NULL), 0);
    assert_null(convoy_step_analysis(NULL));
    assert_null(convoy_step_webhook_name(NULL));
    assert_null(convoy_step_webhook_url(NULL));
    assert_null(convoy_step_webhook_type(NULL));

    assert_null(convoy_analysis_name(NULL));
    assert_int_equal(convoy_analysis_kind(NULL), 0);
    assert_int_equal(convoy_analysis_metric_count(NULL), 0);
    assert_null(convoy_analysis_metric(NULL, 0));
    assert_true(convoy_analysis_pass_score(NULL) == 0.0);
    assert_true(convoy_analysis_marginal_score(NULL) == 0.0);

    assert_null(convoy_metric_name(NULL));
    assert_null(convoy_metric_provider(NULL));
    assert_null(convoy_metric_provider_json(NULL));
    assert_int_equal(convoy_metric_interval_ms(NULL), 0);
    assert_int_equal(convoy_metric_initial_delay_ms(NULL), 0);
    assert_int_equal(convoy_metric_count(NULL), 0);
    assert_int_equal(convoy_metric_failure_limit(NULL), 0);
    assert_int_equal(convoy_metric_inconclusive_limit(NULL), 0);
    assert_int_equal(convoy_metric_consecutive_error_limit(NULL), 0);
    assert_int_equal(convoy_metric_dry_run(NULL), 0);
    assert_int_equal(convoy_metric_success_count(NULL), 0);
    assert_null(convoy_metric_success(NULL, 0));
    assert_int_equal(convoy_metric_failure_count(NULL), 0);
    assert_null(convoy_metric_failure(NULL, 0));

    assert_int_equal(convoy_diagnostics_count(NULL), 0);
    assert_int_equal(convoy_diagnostic_code(NULL, 0), 0);
    assert_null(convoy_diagnostic_message(NULL, 0));
    assert_null(convoy_diagnostic_pointer(NULL, 0));
    assert_int_equal(convoy_diagnostic_line(NULL, 0), 0);
    assert_int_equal(convoy_diagnostic_column(NULL, 0), 0);

    uint64_t a = 5, b = 5;
    uint32_t f = 5;
    assert_int_equal(convoy_service_estimate(&a, &b, &f, NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_plan_estimate(&a, &b, &f, NULL), CONVOY_E_INVALID_ARG);
    assert_int_equal(convoy_service_schedule(&a, &b, NULL), CONVOY_E_INVALID_ARG);
}

static void test_out_of_range_getters(void **state)
{
    (void)state;
    convoy_plan *plan = load(SHOP_PLAN);
    const convoy_service *l = svc(plan, "ledger");
    assert_null(convoy_service_step(l, 10));
    assert_null(convoy_service_step(l, (size_t)-1));
    assert_null(convoy_service_dependency(l, 0));
    assert_null(convoy_service_dependent(l, 2));
    assert_null(convoy_plan_service(plan, (size_t)-1));
    assert_null(convoy_plan_analysis(plan, 99));
    assert_int_equal(convoy_plan_wave_size(plan, 99), 0);
    assert_null(convoy_plan_wave_service(plan, 0, 1));
    const convoy_analysis *an = convoy_plan_analysis(plan, 0);
    assert_null(convoy_analysis_metric(an, 1));
    const convoy_metric *m = convoy_analysis_metric(an, 0);
    assert_null(convoy_metric_success(m, 1));
    assert_null(convoy_metric_failure(m, 1));
    convoy_plan_free(plan);

    convoy_diagnostics *d = NULL;
    parse_q_fail("{'name': 'r', 'services': [{'name': 'a', 'stepz': []}]}", NULL, &d);
    size_t n = convoy_diagnostics_count(d);
    assert_true(n >= 1);
    assert_int_equal(convoy_diagnostic_code(d, n), 0);
    assert_null(convoy_diagnostic_message(d, n));
    assert_null(convoy_diagnostic_pointer(d, n));
    assert_int_equal(convoy_diagnostic_line(d, n), 0);
    assert_int_equal(convoy_diagnostic_column(d, n), 0);
    convoy_diagnostics_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_problem_names),
        cmocka_unit_test(test_shop_services),
        cmocka_unit_test(test_shop_dependencies),
        cmocka_unit_test(test_shop_waves),
        cmocka_unit_test(test_shop_steps),
        cmocka_unit_test(test_shop_analyses),
        cmocka_unit_test(test_shop_rollback),
        cmocka_unit_test(test_shop_estimates),
        cmocka_unit_test(test_estimates_step_dependencies_and_flags),
        cmocka_unit_test(test_estimates_max_parallel),
        cmocka_unit_test(test_round_trip_examples),
        cmocka_unit_test(test_background_analysis),
        cmocka_unit_test(test_canonical_ignores_key_order_and_layout),
        cmocka_unit_test(test_to_json_bad_arguments),
        cmocka_unit_test(test_flagger_shorthand),
        cmocka_unit_test(test_platform_shorthand_and_templates),
        cmocka_unit_test(test_platform_structure),
        cmocka_unit_test(test_defaults_inheritance),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_broken_analysis_template),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_weights),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_parse_arguments),
        cmocka_unit_test(test_input_not_terminated_and_copied),
        cmocka_unit_test(test_shared_plan_threads),
        cmocka_unit_test(test_null_getters),
        cmocka_unit_test(test_out_of_range_getters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
