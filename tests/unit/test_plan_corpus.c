/*
 * test_plan_corpus - the negative plan corpus and the example plans.
 *
 * tests/unit/plans/invalid/expected.tsv lists, for every malformed plan in
 * that folder, the problems the parser must report (problem name, JSON
 * Pointer, optionally line:column). Each file becomes one test case: it must
 * fail with the right status and report exactly the listed problems (each
 * file is built around one intended problem, a few around several: anything
 * else reported is a cascade or a false positive), and every diagnostic must
 * be well-formed. examples/plans/ must parse cleanly, and truncated or
 * mutated copies of them must fail cleanly.
 *
 * Usage: test_plan_corpus [expected.tsv [examples-dir]]; the defaults come
 * from SOURCE_ROOT (set by meson).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <convoy/convoy.h>

#ifndef SOURCE_ROOT
#  error "SOURCE_ROOT must be defined by the build"
#endif

#define MAX_ROWS 1024
#define MAX_FILES 512

typedef struct row {
    char file[256];
    char code[64];
    char pointer[512];
    uint32_t line, column; /* 0 = not given */
    int lineno;            /* line in expected.tsv */
} row;

typedef struct corpus_file {
    char name[256];
    size_t first_row, n_rows;
} corpus_file;

static char g_tsv_path[1024];
static char g_invalid_dir[1024];
static char g_examples_dir[1024];
static row g_rows[MAX_ROWS];
static size_t g_n_rows;
static corpus_file g_files[MAX_FILES];
static size_t g_n_files;

static void join(char *dst, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(dst, cap, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "path too long: %s/%s\n", dir, name);
        exit(2);
    }
}

static void copy_field(char *dst, size_t cap, const char *src, int lineno)
{
    size_t n = strlen(src);
    if (n >= cap) {
        fprintf(stderr, "%s:%d: field too long\n", g_tsv_path, lineno);
        exit(2);
    }
    memcpy(dst, src, n + 1);
}

/* Reads expected.tsv; rows of one file must be contiguous. */
static void load_manifest(void)
{
    FILE *f = fopen(g_tsv_path, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", g_tsv_path);
        exit(2);
    }
    char buf[2048];
    int lineno = 0;
    while (fgets(buf, sizeof buf, f)) {
        lineno++;
        buf[strcspn(buf, "\r\n")] = '\0';
        if (buf[0] == '\0' || buf[0] == '#')
            continue;
        char *cols[5] = {0};
        int n = 0;
        char *p = buf;
        while (n < 5) {
            cols[n++] = p;
            char *tab = strchr(p, '\t');
            if (!tab)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (n < 3 || n > 4) {
            fprintf(stderr, "%s:%d: expected 3 or 4 tab-separated columns\n", g_tsv_path, lineno);
            exit(2);
        }
        if (g_n_rows == MAX_ROWS) {
            fprintf(stderr, "%s: too many rows\n", g_tsv_path);
            exit(2);
        }
        row *r = &g_rows[g_n_rows];
        memset(r, 0, sizeof *r);
        r->lineno = lineno;
        copy_field(r->file, sizeof r->file, cols[0], lineno);
        copy_field(r->code, sizeof r->code, cols[1], lineno);
        copy_field(r->pointer, sizeof r->pointer, strcmp(cols[2], "-") == 0 ? "" : cols[2], lineno);
        if (n == 4) {
            unsigned l = 0, c = 0;
            if (sscanf(cols[3], "%u:%u", &l, &c) != 2 || l == 0 || c == 0) {
                fprintf(stderr, "%s:%d: bad line:column '%s'\n", g_tsv_path, lineno, cols[3]);
                exit(2);
            }
            r->line = l;
            r->column = c;
        }
        if (g_n_files == 0 || strcmp(g_files[g_n_files - 1].name, r->file) != 0) {
            for (size_t i = 0; i < g_n_files; i++) {
                if (strcmp(g_files[i].name, r->file) == 0) {
                    fprintf(stderr, "%s:%d: rows of %s are not contiguous\n", g_tsv_path, lineno,
                            r->file);
                    exit(2);
                }
            }
            if (g_n_files == MAX_FILES) {
                fprintf(stderr, "%s: too many files\n", g_tsv_path);
                exit(2);
            }
            corpus_file *cf = &g_files[g_n_files++];
            copy_field(cf->name, sizeof cf->name, r->file, lineno);
            cf->first_row = g_n_rows;
            cf->n_rows = 0;
        }
        g_files[g_n_files - 1].n_rows++;
        g_n_rows++;
    }
    fclose(f);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *p = realloc(buf, cap * 2);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    *len = n;
    return buf;
}

static void dump_diagnostics(const char *file, const convoy_diagnostics *d)
{
    size_t n = convoy_diagnostics_count(d);
    print_message("  %s: %zu diagnostic(s):\n", file, n);
    for (size_t i = 0; i < n; i++) {
        print_message("    %u:%u %s %s \"%s\"\n", convoy_diagnostic_line(d, i),
                      convoy_diagnostic_column(d, i),
                      convoy_problem_name(convoy_diagnostic_code(d, i)),
                      convoy_diagnostic_pointer(d, i) ? convoy_diagnostic_pointer(d, i) : "(null)",
                      convoy_diagnostic_message(d, i) ? convoy_diagnostic_message(d, i) : "(null)");
    }
}

/* Checks the invariants every diagnostic list must satisfy; returns the
 * number of violations (each printed). */
static int check_well_formed(const char *file, const convoy_diagnostics *d)
{
    int bad = 0;
    size_t n = convoy_diagnostics_count(d);
    uint32_t prev_line = 0, prev_col = 0;
    for (size_t i = 0; i < n; i++) {
        const char *msg = convoy_diagnostic_message(d, i);
        const char *ptr = convoy_diagnostic_pointer(d, i);
        uint32_t line = convoy_diagnostic_line(d, i), col = convoy_diagnostic_column(d, i);
        int code = convoy_diagnostic_code(d, i);
        if (!msg || !msg[0]) {
            print_message("  %s: diagnostic %zu has an empty message\n", file, i);
            bad++;
        }
        if (!ptr || (ptr[0] != '\0' && ptr[0] != '/')) {
            print_message("  %s: diagnostic %zu has a malformed pointer '%s'\n", file, i,
                          ptr ? ptr : "(null)");
            bad++;
        }
        if (line < 1 || col < 1) {
            print_message("  %s: diagnostic %zu has no position (%u:%u)\n", file, i, line, col);
            bad++;
        }
        if (strcmp(convoy_problem_name(code), "unknown") == 0) {
            print_message("  %s: diagnostic %zu has unknown code %d\n", file, i, code);
            bad++;
        }
        /* "an immutable list, ordered by position in the source" */
        if (line < prev_line || (line == prev_line && col < prev_col)) {
            print_message("  %s: diagnostic %zu (%u:%u) is out of source order (after %u:%u)\n",
                          file, i, line, col, prev_line, prev_col);
            bad++;
        }
        prev_line = line;
        prev_col = col;
    }
    return bad;
}

static int expected_status(const corpus_file *cf)
{
    int status = CONVOY_E_INVALID;
    for (size_t i = 0; i < cf->n_rows; i++) {
        const row *r = &g_rows[cf->first_row + i];
        if (strcmp(r->code, "syntax") == 0)
            status = CONVOY_E_PARSE;
        else if (strcmp(r->code, "limit") == 0 && status != CONVOY_E_PARSE)
            status = CONVOY_E_LIMIT;
    }
    return status;
}

static void test_corpus_file(void **state)
{
    const corpus_file *cf = *state;
    char path[1200];
    join(path, sizeof path, g_invalid_dir, cf->name);
    int want = expected_status(cf);
    int failures = 0;

    convoy_error_clear();
    convoy_plan *plan = (convoy_plan *)(uintptr_t)1; /* must be reset to NULL */
    convoy_diagnostics *d = NULL;
    int rc = convoy_plan_parse_file(&plan, &d, path, NULL);
    if (rc != want) {
        print_message("  %s: status %d (%s), expected %d (%s)\n", cf->name, rc,
                      convoy_strerror(rc), want, convoy_strerror(want));
        failures++;
    }
    if (plan != NULL) {
        print_message("  %s: *out is not NULL after a failed parse\n", cf->name);
        failures++;
        if (plan != (convoy_plan *)(uintptr_t)1)
            convoy_plan_free(plan);
    }
    assert_non_null(d);

    size_t n = convoy_diagnostics_count(d);
    if (n == 0) {
        print_message("  %s: no diagnostics\n", cf->name);
        failures++;
    }
    failures += check_well_formed(cf->name, d);
    if (want == CONVOY_E_PARSE && n != 1) {
        print_message("  %s: a syntax error must give exactly one diagnostic, got %zu\n", cf->name,
                      n);
        failures++;
    }
    if (n != cf->n_rows) {
        print_message("  %s: %zu diagnostic(s), expected exactly the %zu listed\n", cf->name, n,
                      cf->n_rows);
        failures++;
    }

    /* Every expected row must be among the diagnostics. */
    for (size_t i = 0; i < cf->n_rows; i++) {
        const row *r = &g_rows[cf->first_row + i];
        int found = 0;
        for (size_t j = 0; j < n && !found; j++) {
            const char *ptr = convoy_diagnostic_pointer(d, j);
            if (strcmp(convoy_problem_name(convoy_diagnostic_code(d, j)), r->code) != 0)
                continue;
            if (!ptr || strcmp(ptr, r->pointer) != 0)
                continue;
            if (r->line && (convoy_diagnostic_line(d, j) != r->line ||
                            convoy_diagnostic_column(d, j) != r->column))
                continue;
            found = 1;
        }
        if (!found) {
            if (r->line)
                print_message("  %s: missing expected diagnostic %s at '%s' %u:%u (tsv line %d)\n",
                              cf->name, r->code, r->pointer, r->line, r->column, r->lineno);
            else
                print_message("  %s: missing expected diagnostic %s at '%s' (tsv line %d)\n",
                              cf->name, r->code, r->pointer, r->lineno);
            failures++;
        }
    }

    /* convoy_error_last() describes the first problem. */
    if (n > 0) {
        const convoy_error *e = convoy_error_last();
        const char *ep = convoy_error_pointer(e);
        const char *dp = convoy_diagnostic_pointer(d, 0);
        if (convoy_error_code(e) != rc || strcmp(ep, dp ? dp : "") != 0 ||
            convoy_error_line(e) != convoy_diagnostic_line(d, 0) ||
            convoy_error_column(e) != convoy_diagnostic_column(d, 0) ||
            convoy_error_message(e)[0] == '\0') {
            print_message("  %s: convoy_error_last() is %d '%s' %u:%u \"%s\", expected status %d and "
                          "the first diagnostic's pointer and position\n",
                          cf->name, convoy_error_code(e), ep, convoy_error_line(e),
                          convoy_error_column(e), convoy_error_message(e), rc);
            failures++;
        }
    }

    /* Parsing the same bytes from memory gives the same result. */
    size_t len = 0;
    char *text = read_all(path, &len);
    assert_non_null(text);
    convoy_plan *plan2 = NULL;
    convoy_diagnostics *d2 = NULL;
    int rc2 = convoy_plan_parse(&plan2, &d2, text, len, NULL);
    free(text);
    if (rc2 != rc || plan2 != NULL || convoy_diagnostics_count(d2) != n) {
        print_message("  %s: convoy_plan_parse gives status %d and %zu diagnostic(s), "
                      "convoy_plan_parse_file %d and %zu\n",
                      cf->name, rc2, convoy_diagnostics_count(d2), rc, n);
        failures++;
    } else {
        for (size_t j = 0; j < n; j++) {
            const char *p1 = convoy_diagnostic_pointer(d, j), *p2 = convoy_diagnostic_pointer(d2, j);
            if (convoy_diagnostic_code(d, j) != convoy_diagnostic_code(d2, j) ||
                strcmp(p1 ? p1 : "", p2 ? p2 : "") != 0 ||
                convoy_diagnostic_line(d, j) != convoy_diagnostic_line(d2, j) ||
                convoy_diagnostic_column(d, j) != convoy_diagnostic_column(d2, j)) {
                print_message("  %s: diagnostic %zu differs between parse and parse_file\n",
                              cf->name, j);
                failures++;
            }
        }
    }
    convoy_plan_free(plan2);
    convoy_diagnostics_free(d2);

    if (failures)
        dump_diagnostics(cf->name, d);
    convoy_diagnostics_free(d);
    assert_int_equal(failures, 0);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Every .json in the corpus folder has rows, and every row names a file. */
static void test_manifest_matches_folder(void **state)
{
    (void)state;
    DIR *dir = opendir(g_invalid_dir);
    assert_non_null(dir);
    size_t seen = 0;
    int failures = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!ends_with(e->d_name, ".json"))
            continue;
        seen++;
        int listed = 0;
        for (size_t i = 0; i < g_n_files && !listed; i++)
            listed = strcmp(g_files[i].name, e->d_name) == 0;
        if (!listed) {
            print_message("  %s is not listed in expected.tsv\n", e->d_name);
            failures++;
        }
    }
    closedir(dir);
    for (size_t i = 0; i < g_n_files; i++) {
        char path[1200];
        join(path, sizeof path, g_invalid_dir, g_files[i].name);
        FILE *f = fopen(path, "rb");
        if (!f) {
            print_message("  expected.tsv lists %s, which does not exist\n", g_files[i].name);
            failures++;
        } else {
            fclose(f);
        }
    }
    assert_int_equal(failures, 0);
    assert_int_equal(seen, g_n_files);
    assert_true(g_n_files >= 45);
}

/* Every .json file in examples/plans parses with zero diagnostics. */
static void test_examples_parse_cleanly(void **state)
{
    (void)state;
    DIR *dir = opendir(g_examples_dir);
    assert_non_null(dir);
    size_t seen = 0;
    int failures = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (!ends_with(e->d_name, ".json"))
            continue;
        seen++;
        char path[1200];
        join(path, sizeof path, g_examples_dir, e->d_name);
        convoy_plan *plan = NULL;
        convoy_diagnostics *d = NULL;
        int rc = convoy_plan_parse_file(&plan, &d, path, NULL);
        if (rc != CONVOY_OK || plan == NULL || convoy_diagnostics_count(d) != 0) {
            print_message("  %s: status %d (%s)\n", e->d_name, rc, convoy_strerror(rc));
            dump_diagnostics(e->d_name, d);
            failures++;
        }
        convoy_plan_free(plan);
        convoy_diagnostics_free(d);
    }
    closedir(dir);
    assert_int_equal(failures, 0);
    assert_true(seen >= 2);
}

/* Parses a corpus file and returns the diagnostics (caller frees). */
static convoy_diagnostics *corpus_diags(const char *name)
{
    char path[1200];
    join(path, sizeof path, g_invalid_dir, name);
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    int rc = convoy_plan_parse_file(&plan, &d, path, NULL);
    assert_int_not_equal(rc, CONVOY_OK);
    assert_null(plan);
    assert_non_null(d);
    return d;
}

static const char *find_message(const convoy_diagnostics *d, int code, const char *pointer)
{
    for (size_t i = 0; i < convoy_diagnostics_count(d); i++) {
        const char *p = convoy_diagnostic_pointer(d, i);
        if (convoy_diagnostic_code(d, i) == code && p && strcmp(p, pointer) == 0)
            return convoy_diagnostic_message(d, i);
    }
    return NULL;
}

/* unknown-key messages suggest the near-miss key ("did you mean"). */
static void test_unknown_key_suggestions(void **state)
{
    (void)state;
    static const struct {
        const char *file, *pointer, *suggestion;
    } cases[] = {
        {"017-unknown-key-top.json", "/max_paralel", "max_parallel"},
        {"018-unknown-key-service.json", "/services/0/stepz", "steps"},
        {"019-unknown-key-step.json", "/services/0/steps/0/set_wieght", "set_weight"},
        {"020-unknown-key-metric.json", "/analyses/error-rate/metrics/0/intervall", "interval"},
        {"021-unknown-key-traffic-rule.json", "/services/0/traffic/rules/1/varaint", "variant"},
        {"022-unknown-key-rollback.json", "/rollback/scop", "scope"},
        {"023-unknown-key-webhook.json", "/services/0/steps/0/webhook/timout", "timeout"},
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        convoy_diagnostics *d = corpus_diags(cases[i].file);
        const char *msg = find_message(d, CONVOY_P_UNKNOWN_KEY, cases[i].pointer);
        char quoted[128];
        snprintf(quoted, sizeof quoted, "\"%s\"", cases[i].suggestion);
        char single[128];
        snprintf(single, sizeof single, "'%s'", cases[i].suggestion);
        char back[128];
        snprintf(back, sizeof back, "`%s`", cases[i].suggestion);
        if (!msg || (!strstr(msg, quoted) && !strstr(msg, single) && !strstr(msg, back))) {
            print_message("  %s: unknown-key message \"%s\" does not suggest %s\n", cases[i].file,
                          msg ? msg : "(no such diagnostic)", cases[i].suggestion);
            failures++;
        }
        convoy_diagnostics_free(d);
    }
    assert_int_equal(failures, 0);
}

/* A cycle is reported with its whole path, starting at the first service of
 * the loop in document order. */
static void test_cycle_messages(void **state)
{
    (void)state;
    convoy_diagnostics *d = corpus_diags("065-cycle-3.json");
    const char *msg = find_message(d, CONVOY_P_CYCLE, "/services/1/depends_on/0");
    assert_non_null(msg);
    if (!strstr(msg, "web -> api -> db -> web"))
        print_message("  cycle message: \"%s\"\n", msg ? msg : "");
    assert_non_null(strstr(msg, "web -> api -> db -> web"));
    /* reported once per loop */
    size_t cycles = 0;
    for (size_t i = 0; i < convoy_diagnostics_count(d); i++)
        cycles += convoy_diagnostic_code(d, i) == CONVOY_P_CYCLE;
    assert_int_equal(cycles, 1);
    convoy_diagnostics_free(d);

    d = corpus_diags("064-cycle-2.json");
    msg = find_message(d, CONVOY_P_CYCLE, "/services/0/depends_on/0");
    assert_non_null(msg);
    assert_non_null(strstr(msg, "api -> db -> api"));
    cycles = 0;
    for (size_t i = 0; i < convoy_diagnostics_count(d); i++)
        cycles += convoy_diagnostic_code(d, i) == CONVOY_P_CYCLE;
    assert_int_equal(cycles, 1);
    convoy_diagnostics_free(d);

    d = corpus_diags("096-multi-two-cycles.json");
    cycles = 0;
    for (size_t i = 0; i < convoy_diagnostics_count(d); i++)
        cycles += convoy_diagnostic_code(d, i) == CONVOY_P_CYCLE;
    assert_int_equal(cycles, 2);
    convoy_diagnostics_free(d);
}

/* Policy violations are not reported when policies are skipped; structural
 * problems still are. */
static void test_skip_policies(void **state)
{
    (void)state;
    convoy_parse_options opts = CONVOY_PARSE_OPTIONS_INIT;
    opts.flags = CONVOY_PARSE_SKIP_POLICIES;
    static const char *const policy_files[] = {
        "084-policy-max-weight-jump.json", "085-policy-analysis-before-weight.json",
        "086-policy-required-metric.json", "087-policy-rollback-automatic.json",
        "088-policy-owner-required.json",  "089-policy-max-services-per-wave.json",
        "099-multi-policies.json",
    };
    for (size_t i = 0; i < sizeof policy_files / sizeof policy_files[0]; i++) {
        char path[1200];
        join(path, sizeof path, g_invalid_dir, policy_files[i]);
        convoy_plan *plan = NULL;
        convoy_diagnostics *d = NULL;
        int rc = convoy_plan_parse_file(&plan, &d, path, &opts);
        if (rc != CONVOY_OK) {
            print_message("  %s with CONVOY_PARSE_SKIP_POLICIES: status %d\n", policy_files[i], rc);
            dump_diagnostics(policy_files[i], d);
        }
        assert_int_equal(rc, CONVOY_OK);
        assert_non_null(plan);
        assert_int_equal(convoy_diagnostics_count(d), 0);
        convoy_plan_free(plan);
        convoy_diagnostics_free(d);
    }
    /* a structural problem is still one */
    char path[1200];
    join(path, sizeof path, g_invalid_dir, "031-weight-101.json");
    convoy_plan *plan = NULL;
    convoy_diagnostics *d = NULL;
    assert_int_equal(convoy_plan_parse_file(&plan, &d, path, &opts), CONVOY_E_INVALID);
    assert_null(plan);
    convoy_diagnostics_free(d);
}

/* Every proper prefix of an example (up to its closing brace) is a syntax
 * error with one well-formed diagnostic. */
static void test_truncated_examples(void **state)
{
    (void)state;
    static const char *const names[] = {"shop.json", "platform-12.json"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[1200];
        join(path, sizeof path, g_examples_dir, names[k]);
        size_t len = 0;
        char *text = read_all(path, &len);
        assert_non_null(text);
        size_t end = len;
        while (end > 0 && text[end - 1] != '}')
            end--;
        assert_true(end > 0);
        int failures = 0;
        for (size_t n = 0; n < end - 1 && failures < 5; n++) {
            convoy_plan *plan = NULL;
            convoy_diagnostics *d = NULL;
            int rc = convoy_plan_parse(&plan, &d, text, n, NULL);
            if (rc != CONVOY_E_PARSE || plan || convoy_diagnostics_count(d) != 1 ||
                convoy_diagnostic_code(d, 0) != CONVOY_P_SYNTAX) {
                print_message("  %s truncated to %zu bytes: status %d\n", names[k], n, rc);
                dump_diagnostics(names[k], d);
                failures++;
            }
            failures += check_well_formed(names[k], d);
            convoy_plan_free(plan);
            convoy_diagnostics_free(d);
        }
        free(text);
        assert_int_equal(failures, 0);
    }
}

/* Deterministic byte mutations of the examples: any outcome is allowed but a
 * crash, an undocumented status or a malformed diagnostic. */
static void test_mutated_examples(void **state)
{
    (void)state;
    static const char *const names[] = {"shop.json", "platform-12.json"};
    static const char alphabet[] = "{}[]\",:0123456789.-eE tfn\\\x00\xff\xc3" "a/~";
    uint32_t seed = 0x2545F491u;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char path[1200];
        join(path, sizeof path, g_examples_dir, names[k]);
        size_t len = 0;
        char *text = read_all(path, &len);
        assert_non_null(text);
        char *copy = malloc(len ? len : 1);
        assert_non_null(copy);
        int failures = 0;
        for (int iter = 0; iter < 3000 && failures < 5; iter++) {
            memcpy(copy, text, len);
            int edits = 1 + iter % 3;
            for (int e = 0; e < edits; e++) {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                size_t at = seed % len;
                copy[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
            }
            convoy_plan *plan = NULL;
            convoy_diagnostics *d = NULL;
            int rc = convoy_plan_parse(&plan, &d, copy, len, NULL);
            if (rc == CONVOY_OK) {
                if (!plan || convoy_diagnostics_count(d) != 0) {
                    print_message("  mutation %d of %s: OK but plan %p, %zu diagnostics\n", iter,
                                  names[k], (void *)plan, convoy_diagnostics_count(d));
                    failures++;
                }
                /* it still round-trips */
                char *json = NULL, *json2 = NULL;
                size_t jlen = 0;
                convoy_plan *again = NULL;
                if (plan && (convoy_plan_to_json(&json, &jlen, plan, 0) != CONVOY_OK ||
                             convoy_plan_parse(&again, NULL, json, jlen, NULL) != CONVOY_OK ||
                             convoy_plan_to_json(&json2, NULL, again, 0) != CONVOY_OK ||
                             strcmp(json, json2) != 0)) {
                    print_message("  mutation %d of %s: parsed but does not round-trip\n", iter,
                                  names[k]);
                    failures++;
                }
                convoy_plan_free(again);
                convoy_free(json);
                convoy_free(json2);
            } else if (rc != CONVOY_E_PARSE && rc != CONVOY_E_INVALID && rc != CONVOY_E_LIMIT) {
                print_message("  mutation %d of %s: status %d\n", iter, names[k], rc);
                failures++;
            } else {
                if (plan || convoy_diagnostics_count(d) == 0) {
                    print_message("  mutation %d of %s: failed without diagnostics\n", iter,
                                  names[k]);
                    failures++;
                }
                failures += check_well_formed(names[k], d);
            }
            convoy_plan_free(plan);
            convoy_diagnostics_free(d);
        }
        free(copy);
        free(text);
        assert_int_equal(failures, 0);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        snprintf(g_tsv_path, sizeof g_tsv_path, "%s", argv[1]);
    else
        join(g_tsv_path, sizeof g_tsv_path, SOURCE_ROOT, "tests/unit/plans/invalid/expected.tsv");
    snprintf(g_invalid_dir, sizeof g_invalid_dir, "%s", g_tsv_path);
    char *slash = strrchr(g_invalid_dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(g_invalid_dir, sizeof g_invalid_dir, ".");
    if (argc > 2)
        snprintf(g_examples_dir, sizeof g_examples_dir, "%s", argv[2]);
    else
        join(g_examples_dir, sizeof g_examples_dir, SOURCE_ROOT, "examples/plans");

    load_manifest();

    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_manifest_matches_folder),
        cmocka_unit_test(test_examples_parse_cleanly),
        cmocka_unit_test(test_unknown_key_suggestions),
        cmocka_unit_test(test_cycle_messages),
        cmocka_unit_test(test_skip_policies),
        cmocka_unit_test(test_truncated_examples),
        cmocka_unit_test(test_mutated_examples),
    };
    size_t n_fixed = sizeof fixed / sizeof fixed[0];
    struct CMUnitTest *tests = calloc(n_fixed + g_n_files, sizeof *tests);
    if (!tests)
        return 2;
    memcpy(tests, fixed, sizeof fixed);
    for (size_t i = 0; i < g_n_files; i++) {
        struct CMUnitTest *t = &tests[n_fixed + i];
        t->name = g_files[i].name;
        t->test_func = test_corpus_file;
        t->initial_state = &g_files[i];
    }
    int rc = _cmocka_run_group_tests("plan_corpus", tests, n_fixed + g_n_files, NULL, NULL);
    free(tests);
    return rc;
}
