/*
 * Rank sums of x - shift against y in one merge pass over the runs (see
 * ranks.h): the hot loop of the judge, run some forty times per metric.
 */
#include <stdbool.h>

#include "ranks.h"

/* A tie group being assembled: x runs whose shifted values are equal, plus
 * the y run of that value if there is one. Adding d values to a group of t
 * changes its tie weight by (t+d)^3 - (t+d) - (t^3 - t) - (d^3 - d), which is
 * 3 t d (t + d); the runs' own weights are already in x->ties and y->ties. */
static convoy__u128 join(size_t t, size_t d)
{
    convoy__u128 a = t, b = d;
    return 3 * a * b * (a + b);
}

/*
 * The merge is latency bound: each step's comparison decides which element
 * the next step loads. So the x runs are cut into CHAINS slices, each
 * merged against y from its own starting point, and the slices advance in
 * lockstep: independent dependency chains that the processor overlaps.
 */
#define CHAINS 4

typedef struct chain {
    size_t i, end;      /* x runs [i, end) still to count */
    size_t j;           /* first y run not below x_i - shift */
    uint64_t twice_u;
    convoy__u128 ties;  /* adjustments for ties across runs */
    size_t group_n;     /* values in the tie group of the last x run counted */
} chain;

/* One x run whose shifted value s ties with the y run at j or with the
 * previous x run (rare: kept out of the fast step). yv[j] >= s. */
static void tied_run(chain *c, const convoy__runs *x, double s, bool joins_previous,
                     const convoy__runs *y)
{
    const size_t cx = x->below[c->i + 1] - x->below[c->i];
    const bool ties_y = c->j < y->count && y->value[c->j] == s;
    const size_t cy = ties_y ? y->below[c->j + 1] - y->below[c->j] : 0;
    if (joins_previous) {
        /* distinct x values that round to one x - shift; the y run, if it
         * ties, is in the group already */
        c->ties += join(c->group_n, cx);
        c->group_n += cx;
    } else {
        c->group_n = cx;
        if (ties_y) {
            c->ties += join(cx, cy);
            c->group_n += cy;
        }
    }
    c->twice_u += cx * (2 * (uint64_t)y->below[c->j] + cy);
    c->i++;
}

/* One merge step: pass a y run (below every later x) or count an x run
 * (above the y runs passed). Without branches on the data: the comparison
 * feeds masks, since two interleaved samples defeat branch prediction. */
static inline void step(chain *c, const convoy__runs *x, double shift, const convoy__runs *y)
{
    const size_t i = c->i, j = c->j;
    const double s = x->value[i] - shift;
    const double yj = y->value[j];
    const bool joins_previous = i > 0 && s == x->value[i - 1] - shift;
    if (yj == s || joins_previous) {
        tied_run(c, x, s, joins_previous, y);
        return;
    }
    const uint64_t take_y = yj < s;
    const uint64_t keep = take_y - 1; /* all ones when the x run is counted */
    const uint64_t cx = x->below[i + 1] - x->below[i];
    c->twice_u += (cx * 2 * (uint64_t)y->below[j]) & keep;
    c->group_n = (size_t)((cx & keep) | ((uint64_t)c->group_n & ~keep));
    c->j = j + take_y;
    c->i = i + 1 - take_y;
}

static inline bool running(const chain *c, size_t ky)
{
    return c->i < c->end && c->j < ky;
}

/* The rest of a chain: merge steps, then the x runs above every y. */
static void finish(chain *c, const convoy__runs *x, double shift, const convoy__runs *y)
{
    while (running(c, y->count))
        step(c, x, shift, y);
    for (; c->i < c->end; c->i++) {
        const size_t i = c->i;
        const size_t cx = x->below[i + 1] - x->below[i];
        const double s = x->value[i] - shift;
        if (i > 0 && s == x->value[i - 1] - shift) {
            c->ties += join(c->group_n, cx);
            c->group_n += cx;
        } else {
            c->group_n = cx;
        }
        c->twice_u += 2 * (uint64_t)cx * y->n;
    }
}

/* First y run not below s (binary search). */
static size_t first_not_below(const convoy__runs *y, double s)
{
    size_t lo = 0, hi = y->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (y->value[mid] < s)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void convoy__rank_sums_at(convoy__rank_sums *out, const convoy__runs *x, double shift,
                          const convoy__runs *y)
{
    const size_t kx = x->count, ky = y->count;
    chain c[CHAINS] = {{0}};
    size_t chains = kx >= 64 * CHAINS ? CHAINS : 1;
    for (size_t k = 0; k < chains; k++) {
        c[k].i = kx * k / chains;
        c[k].end = kx * (k + 1) / chains;
    }
    for (size_t k = 1; k < chains; k++) {
        double s = x->value[c[k].i] - shift;
        /* a slice may not start inside a tie group of rounded x values:
         * its start would not know the group (then: one chain) */
        if (s == x->value[c[k].i - 1] - shift) {
            chains = 1;
            c[0].end = kx;
            break;
        }
        c[k].j = first_not_below(y, s);
    }
    if (chains == CHAINS) {
        while (running(&c[0], ky) && running(&c[1], ky) && running(&c[2], ky) &&
               running(&c[3], ky)) {
            step(&c[0], x, shift, y);
            step(&c[1], x, shift, y);
            step(&c[2], x, shift, y);
            step(&c[3], x, shift, y);
        }
    }
    uint64_t twice_u = 0;
    convoy__u128 ties = x->ties + y->ties;
    for (size_t k = 0; k < chains; k++) {
        finish(&c[k], x, shift, y);
        twice_u += c[k].twice_u;
        ties += c[k].ties;
    }
    out->twice_u = twice_u;
    out->ties = ties;
}
