/*
 * fuzz_plan - libFuzzer target for the plan parser.
 *
 * Every input is parsed with the default options and diagnostics; the
 * parse result and the diagnostics are checked against the contract in
 * <convoy/plan.h>. A plan that parses is then walked through every getter
 * (plan, cohorts, waves, analyses, metrics, services, dependencies, steps,
 * estimates), serialised with convoy_plan_to_json (compact and pretty), and
 * the output must parse again and serialise to the same bytes. Each input
 * is also parsed once more with tiny limits to exercise the limit paths.
 *
 * Any contract violation prints what was expected and aborts, which
 * libFuzzer reports as a crash (with the input saved as an artifact).
 * Build and run: tests/fuzz/run.sh (see tests/fuzz/README.md).
 */
#include <convoy/convoy.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t g_sink; /* keeps the string reads from being optimised away */

#define FUZZ_NAME "fuzz_plan"
#include "fuzz_support.h"

/* Read a whole string the library returned (ASan checks every byte). */
static void touch(const char *s)
{
    if (s)
        g_sink += strlen(s);
}

static void touch_required(const char *what, const char *s)
{
    CHECK(s != NULL, "%s returned NULL", what);
    touch(s);
}

static int is_status(int rc)
{
    return rc == CONVOY_OK || rc == CONVOY_E_PARSE || rc == CONVOY_E_LIMIT ||
           rc == CONVOY_E_INVALID || rc == CONVOY_E_NOMEM;
}

/* Diagnostics: every getter, in-range and out of range; ordered by position. */
static void check_diagnostics(const convoy_diagnostics *d, int rc, uint32_t max_diags)
{
    size_t n = convoy_diagnostics_count(d);
    uint32_t prev_line = 0, prev_col = 0;

    CHECK(n <= (size_t)max_diags + 1, "%zu diagnostics, max_diagnostics is %u", n, max_diags);
    if (rc != CONVOY_OK && rc != CONVOY_E_NOMEM)
        CHECK(n >= 1, "status %d (%s) without a diagnostic", rc, convoy_strerror(rc));
    if (rc == CONVOY_E_PARSE)
        CHECK(n == 1 && convoy_diagnostic_code(d, 0) == CONVOY_P_SYNTAX,
              "CONVOY_E_PARSE must come with one syntax diagnostic (got %zu, first code %d)", n,
              convoy_diagnostic_code(d, 0));
    for (size_t i = 0; i < n; i++) {
        int code = convoy_diagnostic_code(d, i);
        uint32_t line = convoy_diagnostic_line(d, i);
        uint32_t col = convoy_diagnostic_column(d, i);
        CHECK(code > 0, "diagnostic %zu has code %d", i, code);
        touch_required("convoy_problem_name", convoy_problem_name(code));
        touch_required("convoy_diagnostic_message", convoy_diagnostic_message(d, i));
        touch_required("convoy_diagnostic_pointer", convoy_diagnostic_pointer(d, i));
        const char *ptr = convoy_diagnostic_pointer(d, i);
        CHECK(ptr[0] == '\0' || ptr[0] == '/', "diagnostic %zu pointer \"%s\" is not a JSON Pointer",
              i, ptr);
        if (code == CONVOY_P_TOO_MANY) {
            /* the "reporting stopped" marker closes the list, wherever it points */
            CHECK(i == n - 1, "too-many-problems is diagnostic %zu of %zu, not the last", i, n);
        } else if (line) {
            CHECK(line > prev_line || (line == prev_line && col >= prev_col),
                  "diagnostic %zu at %u:%u comes after one at %u:%u (not in source order)", i,
                  line, col, prev_line, prev_col);
            prev_line = line;
            prev_col = col;
        }
    }
    /* out of range */
    CHECK(convoy_diagnostic_code(d, n) == 0, "diagnostic code out of range is not 0");
    CHECK(convoy_diagnostic_message(d, n) == NULL, "diagnostic message out of range is not NULL");
    CHECK(convoy_diagnostic_pointer(d, n) == NULL, "diagnostic pointer out of range is not NULL");
    CHECK(convoy_diagnostic_line(d, n) == 0 && convoy_diagnostic_column(d, n) == 0,
          "diagnostic line/column out of range is not 0");
}

static void check_error_last(int rc)
{
    const convoy_error *e = convoy_error_last();
    CHECK(e != NULL, "convoy_error_last() returned NULL");
    touch_required("convoy_error_message", convoy_error_message(e));
    touch_required("convoy_error_pointer", convoy_error_pointer(e));
    (void)convoy_error_line(e);
    (void)convoy_error_column(e);
    if (rc != CONVOY_OK)
        CHECK(convoy_error_code(e) == rc, "convoy_error_last() code %d, parse returned %d",
              convoy_error_code(e), rc);
}

static void walk_analysis(const convoy_analysis *an)
{
    touch_required("convoy_analysis_name", convoy_analysis_name(an));
    int kind = convoy_analysis_kind(an);
    CHECK(kind == CONVOY_ANALYSIS_MEASUREMENT || kind == CONVOY_ANALYSIS_JUDGE,
          "analysis kind %d", kind);
    double pass = convoy_analysis_pass_score(an), marginal = convoy_analysis_marginal_score(an);
    CHECK(pass >= 0 && pass <= 100 && marginal >= 0 && marginal <= 100,
          "analysis scores %g/%g outside 0-100", pass, marginal);
    size_t nm = convoy_analysis_metric_count(an);
    for (size_t m = 0; m < nm; m++) {
        const convoy_metric *met = convoy_analysis_metric(an, m);
        CHECK(met != NULL, "convoy_analysis_metric(%zu) NULL with count %zu", m, nm);
        touch_required("convoy_metric_name", convoy_metric_name(met));
        touch(convoy_metric_provider(met));
        touch(convoy_metric_provider_json(met));
        g_sink += (size_t)convoy_metric_interval_ms(met) + (size_t)convoy_metric_initial_delay_ms(met) +
                  convoy_metric_count(met);
        CHECK(convoy_metric_failure_limit(met) >= -1, "failure_limit < -1");
        CHECK(convoy_metric_inconclusive_limit(met) >= 0, "inconclusive_limit < 0");
        CHECK(convoy_metric_consecutive_error_limit(met) >= 0, "consecutive_error_limit < 0");
        int dry = convoy_metric_dry_run(met);
        CHECK(dry == 0 || dry == 1, "dry_run %d", dry);
        size_t ns = convoy_metric_success_count(met), nf = convoy_metric_failure_count(met);
        for (size_t k = 0; k < ns; k++)
            touch_required("convoy_metric_success", convoy_metric_success(met, k));
        for (size_t k = 0; k < nf; k++)
            touch_required("convoy_metric_failure", convoy_metric_failure(met, k));
        CHECK(convoy_metric_success(met, ns) == NULL && convoy_metric_failure(met, nf) == NULL,
              "metric criteria out of range are not NULL");
    }
    CHECK(convoy_analysis_metric(an, nm) == NULL, "analysis metric out of range is not NULL");
}

static void walk_plan(const convoy_plan *plan)
{
    touch_required("convoy_plan_name", convoy_plan_name(plan));
    g_sink += convoy_plan_max_parallel(plan);
    int mode = convoy_plan_rollback_mode(plan), scope = convoy_plan_rollback_scope(plan),
        inc = convoy_plan_rollback_on_inconclusive(plan);
    CHECK(mode == CONVOY_ROLLBACK_AUTOMATIC || mode == CONVOY_ROLLBACK_MANUAL, "rollback mode %d",
          mode);
    CHECK(scope >= CONVOY_SCOPE_SERVICE && scope <= CONVOY_SCOPE_ALL, "rollback scope %d", scope);
    CHECK(inc == CONVOY_INCONCLUSIVE_HOLD || inc == CONVOY_INCONCLUSIVE_ROLLBACK,
          "on_inconclusive %d", inc);

    size_t ns = convoy_plan_service_count(plan);
    CHECK(ns >= 1, "a valid plan has no services");
    size_t nwaves = convoy_plan_wave_count(plan);

    /* analyses, in name order */
    size_t na = convoy_plan_analysis_count(plan);
    const char *prev_name = NULL;
    for (size_t a = 0; a < na; a++) {
        const convoy_analysis *an = convoy_plan_analysis(plan, a);
        CHECK(an != NULL, "convoy_plan_analysis(%zu) NULL with count %zu", a, na);
        walk_analysis(an);
        const char *name = convoy_analysis_name(an);
        CHECK(convoy_plan_analysis_by_name(plan, name) == an,
              "convoy_plan_analysis_by_name(\"%s\") is not analysis %zu", name, a);
        if (prev_name)
            CHECK(strcmp(prev_name, name) < 0, "analyses not in name order: \"%s\", \"%s\"",
                  prev_name, name);
        prev_name = name;
    }
    CHECK(convoy_plan_analysis(plan, na) == NULL, "analysis out of range is not NULL");

    /* services, dependencies, steps */
    for (size_t i = 0; i < ns; i++) {
        const convoy_service *svc = convoy_plan_service(plan, i);
        CHECK(svc != NULL, "convoy_plan_service(%zu) NULL with count %zu", i, ns);
        const char *name = convoy_service_name(svc);
        touch_required("convoy_service_name", name);
        CHECK(convoy_service_index(svc) == i, "service %zu has index %zu", i,
              convoy_service_index(svc));
        CHECK(convoy_plan_service_by_name(plan, name) == svc,
              "convoy_plan_service_by_name(\"%s\") is not service %zu", name, i);
        touch(convoy_service_owner(svc));
        touch(convoy_service_baseline(svc));
        touch(convoy_service_candidate(svc));
        touch(convoy_service_cohort(svc));
        size_t wave = convoy_service_wave(svc);
        CHECK(wave < nwaves, "service %s in wave %zu of %zu", name, wave, nwaves);

        size_t nd = convoy_service_dependency_count(svc);
        for (size_t k = 0; k < nd; k++) {
            const convoy_service *dep = convoy_service_dependency(svc, k);
            CHECK(dep != NULL, "dependency %zu of %s is NULL", k, name);
            CHECK(dep != svc, "%s depends on itself in a valid plan", name);
            CHECK(convoy_service_wave(dep) < wave, "%s (wave %zu) depends on %s (wave %zu)", name,
                  wave, convoy_service_name(dep), convoy_service_wave(dep));
            int32_t st = convoy_service_dependency_step(svc, k);
            CHECK(st >= -1, "dependency step %d", (int)st);
            if (st >= 0)
                CHECK((size_t)st < convoy_service_step_count(dep),
                      "%s waits for step %d of %s, which has %zu steps", name, (int)st,
                      convoy_service_name(dep), convoy_service_step_count(dep));
        }
        CHECK(convoy_service_dependency(svc, nd) == NULL, "dependency out of range is not NULL");
        size_t nt = convoy_service_dependent_count(svc);
        for (size_t k = 0; k < nt; k++) {
            const convoy_service *dt = convoy_service_dependent(svc, k);
            CHECK(dt != NULL, "dependent %zu of %s is NULL", k, name);
            int found = 0;
            for (size_t q = 0; q < convoy_service_dependency_count(dt); q++)
                found |= convoy_service_dependency(dt, q) == svc;
            CHECK(found, "%s lists %s as dependent, which does not depend on it", name,
                  convoy_service_name(dt));
        }
        CHECK(convoy_service_dependent(svc, nt) == NULL, "dependent out of range is not NULL");

        size_t nst = convoy_service_step_count(svc);
        for (size_t k = 0; k < nst; k++) {
            const convoy_step *step = convoy_service_step(svc, k);
            CHECK(step != NULL, "step %zu of %s is NULL", k, name);
            int kind = convoy_step_kind(step);
            CHECK(kind >= CONVOY_STEP_SET_WEIGHT && kind <= CONVOY_STEP_SET_MIRROR,
                  "step kind %d", kind);
            CHECK(convoy_step_weight_bp(step) <= 10000, "weight %u bp",
                  convoy_step_weight_bp(step));
            CHECK(convoy_step_mirror_bp(step) <= 10000, "mirror %u bp",
                  convoy_step_mirror_bp(step));
            g_sink += (size_t)convoy_step_duration_ms(step) + (size_t)convoy_step_timeout_ms(step);
            const convoy_analysis *an = convoy_step_analysis(step);
            if (kind == CONVOY_STEP_ANALYSIS) {
                CHECK(an != NULL, "analysis step %zu of %s has no analysis", k, name);
                CHECK(convoy_plan_analysis_by_name(plan, convoy_analysis_name(an)) == an,
                      "step analysis \"%s\" is not the plan's", convoy_analysis_name(an));
            } else {
                CHECK(an == NULL, "a step of kind %d has an analysis", kind);
            }
            touch(convoy_step_webhook_name(step));
            touch(convoy_step_webhook_url(step));
            touch(convoy_step_webhook_type(step));
            if (kind == CONVOY_STEP_WEBHOOK) {
                touch_required("convoy_step_webhook_name", convoy_step_webhook_name(step));
                touch_required("convoy_step_webhook_url", convoy_step_webhook_url(step));
            }
        }
        CHECK(convoy_service_step(svc, nst) == NULL, "step out of range is not NULL");

        uint64_t promote = 0, rollback = 0, start = 0, finish = 0;
        uint32_t flags = 0;
        CHECK(convoy_service_estimate(&promote, &rollback, &flags, svc) == CONVOY_OK,
              "convoy_service_estimate failed");
        CHECK(convoy_service_estimate(NULL, NULL, NULL, svc) == CONVOY_OK,
              "convoy_service_estimate with NULL outs failed");
        CHECK(convoy_service_schedule(&start, &finish, svc) == CONVOY_OK,
              "convoy_service_schedule failed");
        CHECK(finish >= start, "%s finishes (%llu) before it starts (%llu)", name,
              (unsigned long long)finish, (unsigned long long)start);
    }
    CHECK(convoy_plan_service(plan, ns) == NULL, "service out of range is not NULL");

    /* waves: a partition of the services, by name inside a wave */
    size_t total = 0;
    for (size_t w = 0; w < nwaves; w++) {
        size_t n = convoy_plan_wave_size(plan, w);
        CHECK(n >= 1, "wave %zu is empty", w);
        total += n;
        const char *prev = NULL;
        for (size_t k = 0; k < n; k++) {
            const convoy_service *svc = convoy_plan_wave_service(plan, w, k);
            CHECK(svc != NULL, "wave %zu service %zu is NULL", w, k);
            CHECK(convoy_service_wave(svc) == w, "service %s listed in wave %zu, says wave %zu",
                  convoy_service_name(svc), w, convoy_service_wave(svc));
            if (prev)
                CHECK(strcmp(prev, convoy_service_name(svc)) < 0,
                      "wave %zu not in name order: \"%s\", \"%s\"", w, prev,
                      convoy_service_name(svc));
            prev = convoy_service_name(svc);
        }
        CHECK(convoy_plan_wave_service(plan, w, n) == NULL, "wave service out of range not NULL");
    }
    CHECK(total == ns, "waves hold %zu services, the plan has %zu", total, ns);
    CHECK(convoy_plan_wave_size(plan, nwaves) == 0, "wave out of range has services");

    /* cohorts */
    size_t nc = convoy_plan_cohort_count(plan);
    for (size_t c = 0; c < nc; c++) {
        const char *cname = convoy_plan_cohort_name(plan, c);
        touch_required("convoy_plan_cohort_name", cname);
        size_t n = convoy_plan_cohort_size(plan, c);
        for (size_t k = 0; k < n; k++) {
            const convoy_service *svc = convoy_plan_cohort_service(plan, c, k);
            CHECK(svc != NULL, "cohort %s member %zu is NULL", cname, k);
            const char *sc = convoy_service_cohort(svc);
            CHECK(sc && strcmp(sc, cname) == 0, "member %s of cohort %s says cohort %s",
                  convoy_service_name(svc), cname, sc ? sc : "(none)");
        }
        CHECK(convoy_plan_cohort_service(plan, c, n) == NULL, "cohort member out of range");
    }
    CHECK(convoy_plan_cohort_name(plan, nc) == NULL, "cohort out of range is not NULL");

    uint64_t promote = 0, rollback = 0;
    uint32_t flags = 0;
    CHECK(convoy_plan_estimate(&promote, &rollback, &flags, plan) == CONVOY_OK,
          "convoy_plan_estimate failed");
    CHECK((flags & ~(CONVOY_ESTIMATE_APPROVALS | CONVOY_ESTIMATE_UNBOUNDED)) == 0,
          "unknown estimate flags 0x%x", flags);
}

static void dump_diagnostics(const convoy_diagnostics *d)
{
    for (size_t i = 0; i < convoy_diagnostics_count(d); i++)
        fprintf(stderr, "  %u:%u %s [%s] %s\n", convoy_diagnostic_line(d, i),
                convoy_diagnostic_column(d, i), convoy_diagnostic_pointer(d, i),
                convoy_problem_name(convoy_diagnostic_code(d, i)), convoy_diagnostic_message(d, i));
}

/* Parse canonical output again: must succeed and serialise to `expect`. */
static void reparse(const char *json, size_t len, const char *expect, size_t expect_len,
                    const char *what)
{
    convoy_plan *p2 = NULL;
    convoy_diagnostics *d2 = NULL;
    int rc = convoy_plan_parse(&p2, &d2, json, len, NULL);
    if (rc != CONVOY_OK) {
        fprintf(stderr, "fuzz_plan: %s output does not parse again (%s):\n", what,
                convoy_strerror(rc));
        dump_diagnostics(d2);
        fprintf(stderr, "--- output ---\n%.*s\n--- end ---\n", (int)len, json);
        fail("convoy_plan_to_json output must parse");
    }
    char *out = NULL;
    size_t out_len = 0;
    CHECK(convoy_plan_to_json(&out, &out_len, p2, 0) == CONVOY_OK, "to_json of re-parsed plan");
    if (out_len != expect_len || memcmp(out, expect, out_len) != 0) {
        fprintf(stderr, "--- first ---\n%.*s\n--- after re-parse of %s output ---\n%.*s\n",
                (int)expect_len, expect, what, (int)out_len, out);
        fail("serialising the re-parsed plan does not give the same bytes");
    }
    walk_plan(p2);
    convoy_free(out);
    convoy_plan_free(p2);
    convoy_diagnostics_free(d2);
}

static void roundtrip(const convoy_plan *plan)
{
    char *compact = NULL, *pretty = NULL;
    size_t compact_len = 0, pretty_len = 0;
    CHECK(convoy_plan_to_json(&compact, &compact_len, plan, 0) == CONVOY_OK,
          "convoy_plan_to_json failed on a valid plan");
    CHECK(compact && strlen(compact) == compact_len, "to_json length %zu, strlen %zu",
          compact_len, compact ? strlen(compact) : 0);
    CHECK(convoy_plan_to_json(&pretty, NULL, plan, CONVOY_JSON_PRETTY) == CONVOY_OK,
          "convoy_plan_to_json(PRETTY) failed on a valid plan");
    pretty_len = strlen(pretty);
    reparse(compact, compact_len, compact, compact_len, "compact");
    reparse(pretty, pretty_len, compact, compact_len, "pretty");
    convoy_free(compact);
    convoy_free(pretty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;

    /* 1. default options, with diagnostics */
    convoy_plan *plan = (convoy_plan *)(uintptr_t)1; /* must be overwritten */
    convoy_diagnostics *diags = NULL;
    int rc = convoy_plan_parse(&plan, &diags, json, size, NULL);
    CHECK(is_status(rc), "convoy_plan_parse returned %d (%s)", rc, convoy_strerror(rc));
    if (rc == CONVOY_E_NOMEM)
        return 0;
    CHECK(diags != NULL, "no diagnostics list with status %d", rc);
    check_error_last(rc);
    check_diagnostics(diags, rc, 1000);
    if (rc == CONVOY_OK) {
        CHECK(plan != NULL && plan != (convoy_plan *)(uintptr_t)1, "CONVOY_OK without a plan");
        walk_plan(plan);
        roundtrip(plan);
    } else {
        CHECK(plan == NULL, "failed parse (%d) did not set *out to NULL", rc);
    }
    convoy_plan_free(plan);
    convoy_diagnostics_free(diags);

    /* 2. tiny limits, no policies */
    convoy_parse_options opts;
    CHECK(convoy_parse_options_init(&opts, CONVOY_PARSE_OPTIONS_VERSION) == CONVOY_OK,
          "convoy_parse_options_init failed");
    opts.flags = CONVOY_PARSE_SKIP_POLICIES;
    opts.max_depth = 6;
    opts.max_services = 2;
    opts.max_string_bytes = 24;
    opts.max_diagnostics = 3;
    opts.max_document_bytes = 4096;
    plan = NULL;
    diags = NULL;
    rc = convoy_plan_parse(&plan, &diags, json, size, &opts);
    CHECK(is_status(rc), "convoy_plan_parse (tiny limits) returned %d", rc);
    if (rc == CONVOY_E_NOMEM)
        return 0;
    CHECK(diags != NULL, "no diagnostics list with status %d", rc);
    check_error_last(rc);
    check_diagnostics(diags, rc, opts.max_diagnostics);
    if (rc == CONVOY_OK) {
        CHECK(plan != NULL, "CONVOY_OK without a plan");
        CHECK(convoy_plan_service_count(plan) <= 2, "max_services 2, plan has %zu",
              convoy_plan_service_count(plan));
        walk_plan(plan);
    } else {
        CHECK(plan == NULL, "failed parse (%d) did not set *out to NULL", rc);
    }
    convoy_plan_free(plan);
    convoy_diagnostics_free(diags);

    /* 3. without a diagnostics list */
    rc = convoy_plan_parse(&plan, NULL, json, size, NULL);
    CHECK(is_status(rc), "convoy_plan_parse (no diags) returned %d", rc);
    convoy_plan_free(plan);
    return 0;
}
