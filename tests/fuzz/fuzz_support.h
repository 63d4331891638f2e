/*
 * What every fuzz target here shares: the contract check that turns a
 * broken promise into a crash libFuzzer reports, and reading the fixed
 * plans a target fuzzes against. Define FUZZ_NAME (the target's name, for
 * messages) before including.
 */
#ifndef CONVOY_TESTS_FUZZ_SUPPORT_H
#define CONVOY_TESTS_FUZZ_SUPPORT_H

#include <convoy/convoy.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_NAME
#error "define FUZZ_NAME before including fuzz_support.h"
#endif

static void fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, FUZZ_NAME ": contract violated: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

#define CHECK(cond, ...)       \
    do {                       \
        if (!(cond))           \
            fail(__VA_ARGS__); \
    } while (0)

/* A whole file, for the fixed inputs (the caller frees it). */
static __attribute__((unused)) char *fuzz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    CHECK(f != NULL, "cannot open %s", path);
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    CHECK(buf != NULL, "out of memory");
    for (;;) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap);
        CHECK(buf != NULL, "out of memory");
    }
    CHECK(!ferror(f), "cannot read %s", path);
    fclose(f);
    *len = n;
    return buf;
}

/* A fixed plan file, which must parse. */
static __attribute__((unused)) convoy_plan *fuzz_plan_file(const char *path)
{
    size_t len;
    char *json = fuzz_read_file(path, &len);
    convoy_plan *plan = NULL;
    int rc = convoy_plan_parse(&plan, NULL, json, len, NULL);
    CHECK(rc == CONVOY_OK, "fixed plan %s does not parse: %d (%s)", path, rc,
          convoy_error_message(convoy_error_last()));
    free(json);
    return plan;
}

#endif
