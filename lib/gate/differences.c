/* The pairwise differences x_i - y_j in a range: where the judge's rank
 * statistic jumps (see ranks.h). */
#include "ranks.h"

/* Adds d to the ascending, distinct out[0..*m); false when that would
 * exceed cap. */
static int add_distinct(double *out, size_t *m, size_t cap, double d)
{
    size_t k = *m;
    while (k > 0 && out[k - 1] > d)
        k--;
    if (k > 0 && out[k - 1] == d)
        return 1;
    if (*m == cap)
        return 0;
    for (size_t i = *m; i > k; i--)
        out[i] = out[i - 1];
    out[k] = d;
    (*m)++;
    return 1;
}

size_t convoy__differences_in(double *out, size_t cap, const convoy__runs *x,
                              const convoy__runs *y, double lo, double hi)
{
    const double *xv = x->value, *yv = y->value;
    const size_t kx = x->count, ky = y->count;
    size_t m = 0;
    /* x_i - y_j falls as j grows and rises with i: for growing i, the
     * first j with x_i - y_j <= hi and the first j with x_i - y_j < lo
     * only move forward; the differences in range are those in between. */
    size_t in = 0, out_of = 0;
    for (size_t i = 0; i < kx; i++) {
        while (in < ky && xv[i] - yv[in] > hi)
            in++;
        if (out_of < in)
            out_of = in;
        while (out_of < ky && xv[i] - yv[out_of] >= lo)
            out_of++;
        for (size_t j = in; j < out_of; j++)
            if (!add_distinct(out, &m, cap, xv[i] - yv[j]))
                return cap + 1;
    }
    return m;
}
