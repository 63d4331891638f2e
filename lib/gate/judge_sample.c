/* The judge's preprocessing of one sample: NaN strategy, sort, outliers. */
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "judge.h"
#include "sort.h"

/* R's quantile(type = 7) of sorted values: linear interpolation between
 * the order statistics around 1 + (n - 1) p, written as R writes it. */
static double quantile7(const double *v, size_t n, double p)
{
    double index = 1.0 + (double)(n - 1) * p; /* 1-based, as R */
    double lo = floor(index), hi = ceil(index);
    double q = v[(size_t)lo - 1];
    double h = index - lo;
    if (h > 0 && v[(size_t)hi - 1] != q)
        q = (1 - h) * q + h * v[(size_t)hi - 1];
    return q;
}

/* Neumaier's compensated sum: the error of a mean of millions of values
 * stays at a few ulps instead of growing with their count. */
static double mean_of(const double *v, size_t n)
{
    double sum = 0, comp = 0;
    for (size_t i = 0; i < n; i++) {
        double t = sum + v[i];
        if (fabs(sum) >= fabs(v[i]))
            comp += (sum - t) + v[i];
        else
            comp += (v[i] - t) + sum;
        sum = t;
    }
    return (sum + comp) / (double)n;
}

/* Kayenta's IQRDetector(factor = 3, reduceSensitivity = true). The sample
 * is sorted, so the outliers are a prefix and a suffix. */
static void remove_outliers(convoy__sample *s)
{
    double *v = s->sorted;
    size_t n = s->n;
    if (n < 2 || isinf(v[0]) || isinf(v[n - 1]))
        return;
    double q1 = quantile7(v, n, 0.25), q3 = quantile7(v, n, 0.75);
    double iqr = q3 - q1;
    double lower = fmin(quantile7(v, n, 0.01), q1 - 3.0 * iqr);
    double upper = fmax(quantile7(v, n, 0.99), q3 + 3.0 * iqr);
    size_t first = 0, end = n;
    while (first < n && v[first] < lower)
        first++;
    while (end > first && v[end - 1] > upper)
        end--;
    if (first > 0)
        memmove(v, v + first, (end - first) * sizeof *v);
    s->outliers = n - (end - first);
    s->n = end - first;
}

int convoy__sample_prepare(convoy__sample *s, const double *v, size_t n, int nan_strategy,
                           int remove)
{
    memset(s, 0, sizeof *s);
    s->mean = NAN;
    if (n == 0)
        return CONVOY_OK;
    double *copy = convoy__malloc(n * sizeof *copy);
    if (!copy)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory copying %zu values", n);
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isnan(v[i])) {
            copy[kept++] = v[i];
        } else {
            s->nan++;
            if (nan_strategy == CONVOY_NAN_REPLACE)
                copy[kept++] = 0.0;
        }
    }
    if (kept == 0) {
        convoy__dealloc(copy);
        return CONVOY_OK;
    }
    int rc = convoy__sort_doubles(copy, kept);
    if (rc != CONVOY_OK) {
        convoy__dealloc(copy);
        return rc;
    }
    s->sorted = copy;
    s->n = kept;
    if (remove)
        remove_outliers(s);
    s->mean = mean_of(s->sorted, s->n);
    return CONVOY_OK;
}

void convoy__sample_free(convoy__sample *s)
{
    if (!s)
        return;
    convoy__dealloc(s->sorted);
    memset(s, 0, sizeof *s);
}
