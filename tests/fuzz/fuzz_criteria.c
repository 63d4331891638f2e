/*
 * fuzz_criteria - libFuzzer target for Keptn criteria strings:
 * convoy_criterion_validate and convoy_criterion_check on arbitrary text.
 *
 * The input (up to its first NUL) is the criterion. Checked against
 * <convoy/gate.h>: validate and check agree on what is well-formed; a
 * malformed criterion is CONVOY_E_PARSE with a message and a 1-based
 * column inside the text (or just after it); a well-formed one gives PASS
 * or FAIL for every value and aggregate, FAIL for a NaN value, PASS or the
 * same answer as before for a NaN aggregate, and the same answer when the
 * spaces are taken out (Keptn ignores them).
 */
#include <convoy/convoy.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_criteria"
#include "fuzz_support.h"

static const double values[] = {0.0, -0.0, 1.0, -1.0, 0.01, 99.5, 1e308, -1e308, 5e-324,
                                INFINITY, -INFINITY};
static const double aggregates[] = {10.0, 0.0, -3.5, 1e300, INFINITY};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    size_t len = strlen(text);

    int rc = convoy_criterion_validate(text);
    CHECK(rc == CONVOY_OK || rc == CONVOY_E_PARSE, "validate status %d", rc);
    if (rc == CONVOY_E_PARSE) {
        const convoy_error *e = convoy_error_last();
        CHECK(convoy_error_code(e) == CONVOY_E_PARSE, "error record code %d",
              convoy_error_code(e));
        CHECK(convoy_error_message(e)[0] != '\0', "no message");
        uint32_t col = convoy_error_column(e);
        CHECK(col >= 1 && col <= len + 1, "column %u for %zu characters", col, len);
    }
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        int result = -1;
        int rc2 = convoy_criterion_check(&result, text, values[i], NAN);
        CHECK(rc2 == rc, "check status %d, validate %d", rc2, rc);
        if (rc2 != CONVOY_OK)
            continue;
        CHECK(result == CONVOY_CRITERION_PASS || result == CONVOY_CRITERION_FAIL, "result %d",
              result);
        for (size_t a = 0; a < sizeof aggregates / sizeof aggregates[0]; a++) {
            int r = -1;
            CHECK(convoy_criterion_check(&r, text, values[i], aggregates[a]) == CONVOY_OK,
                  "check with an aggregate failed");
            CHECK(r == CONVOY_CRITERION_PASS || r == CONVOY_CRITERION_FAIL, "result %d", r);
            /* without an aggregate a relative criterion passes, an absolute
             * one does not depend on it */
            CHECK(result == CONVOY_CRITERION_PASS || r == result,
                  "\"%s\" fails without an aggregate but gives %d with %g", text, r,
                  aggregates[a]);
        }
    }
    if (rc == CONVOY_OK) {
        int r = -1;
        CHECK(convoy_criterion_check(&r, text, NAN, 10.0) == CONVOY_OK, "NaN value");
        CHECK(r == CONVOY_CRITERION_FAIL, "a NaN value satisfies \"%s\"", text);
        /* spaces do not matter */
        char *squeezed = malloc(len + 1);
        size_t k = 0;
        for (size_t i = 0; i < len; i++)
            if (text[i] != ' ' && text[i] != '\t')
                squeezed[k++] = text[i];
        squeezed[k] = '\0';
        int a = -1, b = -1;
        CHECK(convoy_criterion_check(&a, text, 1.0, 10.0) == CONVOY_OK, "check");
        CHECK(convoy_criterion_check(&b, squeezed, 1.0, 10.0) == CONVOY_OK,
              "\"%s\" is valid, without its spaces \"%s\" is not", text, squeezed);
        CHECK(a == b, "\"%s\" and \"%s\" disagree", text, squeezed);
        free(squeezed);
    }
    CHECK(convoy_criterion_check(NULL, text, 1.0, NAN) == CONVOY_E_INVALID_ARG,
          "NULL result accepted");
    free(text);
    return 0;
}
