/* Keptn's aggregates of earlier results. */
#include <convoy/gate.h>
#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "core/error.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* pos = p * (n + 1), 1-based: below 1 the minimum, at or above n the
 * maximum, otherwise linear between the neighbours. */
static double keptn_percentile(const double *sorted, size_t n, double p)
{
    double pos = p * (double)(n + 1);
    if (pos < 1.0)
        return sorted[0];
    if (pos >= (double)n)
        return sorted[n - 1];
    size_t lower = (size_t)pos; /* 1-based index of the lower neighbour */
    double frac = pos - (double)lower;
    double a = sorted[lower - 1], b = sorted[lower];
    /* exact hits and equal neighbours need no interpolation (and +-Inf
     * neighbours would make it NaN) */
    if (frac == 0 || a == b)
        return a;
    return a + frac * (b - a);
}

int convoy_aggregate(double *out, const double *values, size_t n, int kind)
{
    if (!out || (n && !values) || kind < CONVOY_AGGREGATE_AVG || kind > CONVOY_AGGREGATE_P95)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_aggregate: invalid argument");
    *out = NAN;
    double *kept = n ? convoy__malloc(n * sizeof *kept) : NULL;
    if (n && !kept)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory");
    size_t m = 0;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(values[i])) {
            kept[m++] = values[i];
            sum += values[i];
        }
    }
    if (m) {
        if (kind == CONVOY_AGGREGATE_AVG) {
            *out = sum / (double)m;
        } else {
            static const double p[] = {0, 0.5, 0.9, 0.95};
            qsort(kept, m, sizeof *kept, cmp_double);
            *out = keptn_percentile(kept, m, p[kind]);
        }
    }
    convoy__dealloc(kept);
    return CONVOY_OK;
}
