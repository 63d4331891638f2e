/*
 * fuzz_judge - libFuzzer target for the canary judge and the Mann-Whitney
 * test.
 *
 * Input layout (all of it optional; missing bytes read as 0):
 *   byte 0   option bits: direction (0-1, value % 3), effect (2), NaN
 *            strategy (3), outliers (4), critical (5), must_have_data (6),
 *            value encoding (7): 0 = raw 8-byte doubles (NaN, Inf,
 *            subnormals), 1 = one byte per value, (int8) / 4 (many ties)
 *   byte 1   confidence (from a table, including extremes)
 *   byte 2   tolerance (table)
 *   byte 3-6 allowed/critical increase/decrease (table; negative = default)
 *   byte 7   share of the values that go to the experiment (/ 255)
 *   rest     the values
 *
 * Every judgement is checked against <convoy/gate.h>: a class 1..6, the
 * interval ordered and around the estimate, U within [0, nx ny] and p
 * within [0, 1], U and p equal to convoy_mann_whitney on the cleaned
 * samples (NaN removed, no outliers), an explanation in the documented
 * form. A broken contract aborts: libFuzzer reports it as a crash.
 */
#include <convoy/convoy.h>

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NAME "fuzz_judge"
#include "fuzz_support.h"

static uint8_t byte_at(const uint8_t *data, size_t size, size_t i)
{
    return i < size ? data[i] : 0;
}

static const double confidences[] = {0.95, 0.98, 0.5, 0.9, 0.99, 0.999999, 1e-9, 1 - 1e-12};
static const double tolerances[] = {0.25, 0.1, 0.0, 0.5, 1.0, 3.0, 1e-12, 0.2};
static const double limits[] = {-1.0, 0.0, 0.5, 0.8, 1.0, 1.2, 5.0, 1e300};

static void check_judgement(const convoy_judgement *j, size_t nx, size_t ny,
                            const convoy_judge_options *o)
{
    int cls = convoy_judgement_class(j);
    CHECK(cls >= CONVOY_CLASS_PASS && cls <= CONVOY_CLASS_ERROR, "class %d", cls);
    int crit = convoy_judgement_critical(j);
    CHECK(crit == 0 || crit == 1, "critical %d", crit);
    CHECK(!crit || (o->critical && (cls == CONVOY_CLASS_HIGH || cls == CONVOY_CLASS_LOW)),
          "critical flag on a %s metric (critical option %d)", convoy_class_name(cls),
          o->critical);
    double lo = convoy_judgement_ci_lower(j), hi = convoy_judgement_ci_upper(j),
           est = convoy_judgement_estimate(j);
    if (!isnan(lo) || !isnan(hi) || !isnan(est)) {
        CHECK(!isnan(lo) && !isnan(hi) && !isnan(est), "partial interval %g %g %g", lo, hi, est);
        CHECK(lo <= hi, "interval [%.17g, %.17g] reversed", lo, hi);
        CHECK(lo <= est && est <= hi, "estimate %.17g outside [%.17g, %.17g]", est, lo, hi);
        CHECK(cls == CONVOY_CLASS_PASS || cls == CONVOY_CLASS_HIGH || cls == CONVOY_CLASS_LOW,
              "an interval with class %s", convoy_class_name(cls));
    }
    if (cls == CONVOY_CLASS_HIGH)
        CHECK(o->direction != CONVOY_DIRECTION_DECREASE, "High with direction decrease");
    if (cls == CONVOY_CLASS_LOW)
        CHECK(o->direction != CONVOY_DIRECTION_INCREASE, "Low with direction increase");
    double u = convoy_judgement_u(j), p = convoy_judgement_p_value(j);
    if (!isnan(u)) {
        CHECK(u >= 0 && u <= (double)nx * (double)ny, "U %g outside [0, %zu x %zu]", u, nx, ny);
        CHECK(p >= 0 && p <= 1, "p %g", p);
    }
    if (o->effect == CONVOY_EFFECT_CLES && !isnan(convoy_judgement_effect_size(j))) {
        double e = convoy_judgement_effect_size(j);
        CHECK(e >= 0 && e <= 1, "CLES %g", e);
    }
    const char *text = convoy_judgement_explain(j);
    CHECK(text && strncmp(text, "experiment n=", 13) == 0, "explanation \"%s\"", text);
    char tail[32];
    snprintf(tail, sizeof tail, " -> %s", convoy_class_name(cls));
    CHECK(strstr(text, tail) != NULL, "explanation \"%s\" without \"%s\"", text, tail);
}

/* U and p of the judgement against convoy_mann_whitney on the samples
 * with NaN removed (the judge's cleaning without outliers). */
static void check_against_mann_whitney(const convoy_judgement *j, const double *x, size_t nx,
                                       const double *y, size_t ny)
{
    double *cx = malloc((nx ? nx : 1) * sizeof *cx), *cy = malloc((ny ? ny : 1) * sizeof *cy);
    size_t kx = 0, ky = 0;
    for (size_t i = 0; i < nx; i++)
        if (!isnan(x[i]))
            cx[kx++] = x[i];
    for (size_t i = 0; i < ny; i++)
        if (!isnan(y[i]))
            cy[ky++] = y[i];
    double u = -1, p = -1;
    int method = 0;
    int rc = convoy_mann_whitney(&u, &p, &method, cx, kx, cy, ky);
    if (kx == 0 || ky == 0) {
        CHECK(rc == CONVOY_E_INVALID_ARG, "empty sample: status %d", rc);
        CHECK(isnan(convoy_judgement_u(j)), "U of an empty sample");
    } else if (rc == CONVOY_OK) {
        CHECK(method == CONVOY_MWU_EXACT || method == CONVOY_MWU_ASYMPTOTIC, "method %d", method);
        CHECK(u == convoy_judgement_u(j), "judge U %.17g, mann_whitney %.17g",
              convoy_judgement_u(j), u);
        CHECK(p == convoy_judgement_p_value(j), "judge p %.17g, mann_whitney %.17g",
              convoy_judgement_p_value(j), p);
        /* the same with the samples swapped: U2, same p */
        double u2, p2;
        CHECK(convoy_mann_whitney(&u2, &p2, NULL, cy, ky, cx, kx) == CONVOY_OK, "swapped");
        CHECK(u2 == (double)kx * (double)ky - u, "swapped U %.17g, want %.17g", u2,
              (double)kx * (double)ky - u);
        CHECK(p2 == p, "swapped p %.17g, want %.17g", p2, p);
    } else {
        CHECK(rc == CONVOY_E_NOMEM, "convoy_mann_whitney status %d", rc);
    }
    free(cx);
    free(cy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t bits = byte_at(data, size, 0);
    convoy_judge_options o;
    CHECK(convoy_judge_options_init(&o, CONVOY_JUDGE_OPTIONS_VERSION) == CONVOY_OK, "init");
    o.direction = (bits & 3) % 3;
    o.effect = (bits >> 2) & 1;
    o.nan_strategy = (bits >> 3) & 1;
    o.remove_outliers = (bits >> 4) & 1;
    o.critical = (bits >> 5) & 1;
    o.must_have_data = (bits >> 6) & 1;
    int bytewise = (bits >> 7) & 1;
    o.confidence = confidences[byte_at(data, size, 1) % 8];
    o.tolerance = tolerances[byte_at(data, size, 2) % 8];
    o.allowed_increase = limits[byte_at(data, size, 3) % 8];
    o.allowed_decrease = limits[byte_at(data, size, 4) % 8];
    o.critical_increase = limits[byte_at(data, size, 5) % 8];
    o.critical_decrease = limits[byte_at(data, size, 6) % 8];
    unsigned share = byte_at(data, size, 7);

    const uint8_t *rest = size > 8 ? data + 8 : data;
    size_t rest_size = size > 8 ? size - 8 : 0;
    size_t n = bytewise ? rest_size : rest_size / 8;
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        if (bytewise)
            v[i] = (double)(int8_t)rest[i] / 4.0;
        else
            memcpy(&v[i], rest + 8 * i, 8);
    }
    size_t nx = n * share / 255, ny = n - nx;
    const double *x = v, *y = v + nx;

    convoy_judgement *j = (convoy_judgement *)(uintptr_t)1;
    int rc = convoy_judge(&j, nx ? x : NULL, nx, ny ? y : NULL, ny, &o);
    if (rc == CONVOY_OK) {
        CHECK(j != NULL && j != (convoy_judgement *)(uintptr_t)1, "CONVOY_OK without judgement");
        check_judgement(j, nx, ny, &o);
        if (o.nan_strategy == CONVOY_NAN_REMOVE && !o.remove_outliers)
            check_against_mann_whitney(j, x, nx, y, ny);
        convoy_judgement_free(j);
    } else {
        CHECK(rc == CONVOY_E_NOMEM, "convoy_judge status %d (%s)", rc, convoy_strerror(rc));
        CHECK(j == NULL, "failed judge did not set *out to NULL");
    }

    /* the raw samples: NaN is invalid, anything else is tested */
    double u, p;
    rc = convoy_mann_whitney(&u, &p, NULL, x, nx, y, ny);
    int has_nan = 0;
    for (size_t i = 0; i < n; i++)
        has_nan |= isnan(v[i]);
    if (nx == 0 || ny == 0 || has_nan)
        CHECK(rc == CONVOY_E_INVALID_ARG, "status %d for empty or NaN samples", rc);
    else if (rc == CONVOY_OK)
        CHECK(u >= 0 && u <= (double)nx * (double)ny && p >= 0 && p <= 1, "U %g p %g", u, p);
    free(v);
    return 0;
}
