/* Samples as sorted runs of equal values (see ranks.h). */
#include <convoy/core.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "ranks.h"

/* t^3 - t: what a tie group of t values adds to the tie term. */
static convoy__u128 tie_weight(size_t t)
{
    convoy__u128 w = t;
    return w * w * w - w;
}

int convoy__runs_build(convoy__runs *r, double *sorted, size_t n)
{
    memset(r, 0, sizeof *r);
    size_t count = 1;
    for (size_t i = 1; i < n; i++)
        count += sorted[i] != sorted[i - 1];
    size_t *below = convoy__malloc((count + 1) * sizeof *below);
    if (!below) {
        convoy__dealloc(sorted);
        return convoy__fail(CONVOY_E_NOMEM, "out of memory for %zu distinct values", count);
    }
    size_t k = 0;
    below[0] = 0;
    for (size_t i = 1; i <= n; i++) {
        if (i == n || sorted[i] != sorted[k]) {
            /* run k covers sorted[below[k] .. i) */
            r->ties += tie_weight(i - below[k]);
            below[++k] = i;
            if (i < n)
                sorted[k] = sorted[i];
        }
    }
    /* many ties: give the unused tail back (keeping it when that fails) */
    if (count < n / 2) {
        double *smaller = convoy__realloc(sorted, n * sizeof *sorted, count * sizeof *sorted);
        if (smaller)
            sorted = smaller;
    }
    r->value = sorted;
    r->below = below;
    r->count = count;
    r->n = n;
    return CONVOY_OK;
}

void convoy__runs_free(convoy__runs *r)
{
    if (!r)
        return;
    convoy__dealloc(r->value);
    convoy__dealloc(r->below);
    memset(r, 0, sizeof *r);
}
