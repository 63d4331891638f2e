/* The Mann-Whitney U test, as scipy 1.10's mannwhitneyu(x, y) defaults. */
#include <convoy/gate.h>
#include <math.h>

#include "core/alloc.h"
#include "core/error.h"
#include "mwu.h"
#include "normal.h"
#include "ranks.h"
#include "sort.h"

double convoy__mwu_p_value(int *method, uint64_t twice_u1, convoy__u128 ties, size_t n1, size_t n2)
{
    uint64_t nn = (uint64_t)n1 * n2;
    uint64_t twice_u2 = 2 * nn - twice_u1;
    /* two-sided: the survival function at the larger of U1, U2, doubled */
    uint64_t twice_u = twice_u1 > twice_u2 ? twice_u1 : twice_u2;
    uint64_t n_max = n1 > n2 ? n1 : n2;

    /* scipy's "auto": exact unless both samples exceed 8 values or there
     * are ties (the exact distribution assumes none). */
    if ((n1 <= 8 || n2 <= 8) && ties == 0 && n_max <= CONVOY__MWU_EXACT_MAX_N) {
        *method = CONVOY_MWU_EXACT;
        return convoy__mwu_exact_p(n1, n2, twice_u / 2);
    }
    *method = CONVOY_MWU_ASYMPTOTIC;
    /* The same operations in the same order as scipy's _get_mwu_z, so
     * that the p-values agree to the last bits. */
    uint64_t n = (uint64_t)n1 + n2;
    double u = (double)twice_u / 2.0;
    double mu = (double)nn / 2.0;
    double s = sqrt((double)nn / 12.0 *
                    ((double)(n + 1) - (double)ties / (double)(n * (n - 1))));
    double z = (u - mu - 0.5) / s; /* s == 0 (all tied): -Inf, p = 1 */
    double p = 2.0 * convoy__normal_sf(z);
    return p > 1.0 ? 1.0 : p < 0.0 ? 0.0 : p;
}

/* Copies a sample, rejecting NaN, sorts it and forms its runs. */
static int sample_runs(convoy__runs *r, const double *v, size_t n, const char *name)
{
    double *copy = convoy__malloc(n * sizeof *copy);
    if (!copy)
        return convoy__fail(CONVOY_E_NOMEM, "out of memory copying %zu values", n);
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i])) {
            convoy__dealloc(copy);
            return convoy__fail(CONVOY_E_INVALID_ARG,
                                "convoy_mann_whitney: %s[%zu] is NaN", name, i);
        }
        copy[i] = v[i];
    }
    int rc = convoy__sort_doubles(copy, n);
    if (rc != CONVOY_OK) {
        convoy__dealloc(copy);
        return rc;
    }
    return convoy__runs_build(r, copy, n);
}

int convoy_mann_whitney(double *u, double *p_value, int *method_out, const double *x, size_t nx,
                        const double *y, size_t ny)
{
    if (!u || !p_value)
        return convoy__fail(CONVOY_E_INVALID_ARG, "convoy_mann_whitney: NULL output");
    if (!nx || !ny || !x || !y)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_mann_whitney: both samples need at least one value");
    /* U is counted in 64-bit integers: 2 nx ny must fit. */
    if (nx > (UINT64_C(1) << 62) / ny)
        return convoy__fail(CONVOY_E_INVALID_ARG,
                            "convoy_mann_whitney: samples of %zu and %zu values are too large",
                            nx, ny);
    convoy__runs rx, ry;
    int rc = sample_runs(&rx, x, nx, "x");
    if (rc != CONVOY_OK)
        return rc;
    rc = sample_runs(&ry, y, ny, "y");
    if (rc != CONVOY_OK) {
        convoy__runs_free(&rx);
        return rc;
    }
    convoy__rank_sums sums;
    convoy__rank_sums_at(&sums, &rx, 0.0, &ry);
    int method;
    *p_value = convoy__mwu_p_value(&method, sums.twice_u, sums.ties, nx, ny);
    *u = (double)sums.twice_u / 2.0;
    if (method_out)
        *method_out = method;
    convoy__runs_free(&rx);
    convoy__runs_free(&ry);
    return CONVOY_OK;
}
