/*
 * The judge's confidence interval for the shift experiment - control, as
 * R's wilcox.test(x, y, conf.int = TRUE, exact = FALSE, correct = TRUE)
 * and Kayenta compute it: roots of the standardised, continuity-corrected
 * rank statistic w(mu), found by Brent's method.
 *
 * w is a step function of mu: it can only jump where x_i - mu meets some
 * y_j, i.e. at a pairwise difference x_i - y_j. Brent's method converges on
 * the jump to within its tolerance; each root is then settled on the jump
 * itself, found among the few differences left in Brent's final bracket.
 * That makes the interval exact and independent of the tolerance: with
 * tied (e.g. integer) data a root at the jump mu = 0 is 0, not +-1e-9,
 * which would flip High/Low decisions against b = tolerance |estimate|.
 *
 * Each evaluation is one merge pass over the samples' sorted runs (x
 * shifted by mu keeps its order), O(nx + ny), never a sort.
 */
#include <float.h>
#include <math.h>

#include "brent.h"
#include "judge.h"
#include "normal.h"
#include "sort.h"

/* Brent's tolerance: 1e-10 of the search range. Kayenta uses 1e-6
 * absolute, coarse for small values and needlessly fine for large ones;
 * a relative tolerance is scale invariant (and settling makes the roots
 * exact anyway). */
#define RELATIVE_TOLERANCE 1e-10
#define MAX_EVALUATIONS 1000

typedef struct w_context {
    const convoy__runs *x, *y;
    double target;   /* f(mu) - target is searched */
    int dz_only;     /* search dz(mu) instead of w(mu) */
    double blur;     /* how far rounding can move a jump off its difference */
    int all_tied;    /* sigma was 0 somewhere */
    int evaluations;
} w_context;

/* One rank-sum pass at mu: dz = R1 - nx(nx+1)/2 - nx ny/2 = U1 - nx ny/2
 * for x - mu ranked with y, and w = (dz - sign(dz)/2) / sigma (NaN, with
 * all_tied set, when sigma is 0). */
static void statistic_at(w_context *ctx, double mu, double *dz_out, double *w_out)
{
    const size_t nx = ctx->x->n, ny = ctx->y->n;
    convoy__rank_sums sums;
    convoy__rank_sums_at(&sums, ctx->x, mu, ctx->y);
    ctx->evaluations++;

    uint64_t nn = (uint64_t)nx * ny;
    double dz = sums.twice_u >= nn ? (double)(sums.twice_u - nn) / 2.0
                                   : -(double)(nn - sums.twice_u) / 2.0;
    double correction = dz > 0 ? 0.5 : dz < 0 ? -0.5 : 0.0;
    *dz_out = dz;

    /* (N + 1) - T / (N (N - 1)) computed as (N^3 - N - T) / (N (N - 1)):
     * the numerator is an exact integer, so "every value tied" (T = N^3 - N)
     * gives exactly 0, and huge samples never give a negative variance. */
    convoy__u128 big_n = (convoy__u128)nx + ny;
    convoy__u128 spread = big_n * big_n * big_n - big_n - sums.ties;
    if (spread == 0) {
        ctx->all_tied = 1;
        *w_out = NAN;
        return;
    }
    double n = (double)(nx + ny);
    double sigma = sqrt((double)nx * (double)ny / 12.0 * ((double)spread / (n * (n - 1.0))));
    *w_out = (dz - correction) / sigma;
}

/* The function Brent's method searches: w or dz, minus the target. */
static double eval_at(double mu, void *p)
{
    w_context *ctx = p;
    double dz, w;
    statistic_at(ctx, mu, &dz, &w);
    if (ctx->dz_only)
        return dz - ctx->target;
    return w - ctx->target; /* NaN stops the search */
}

/* A root and the value of f - target there (its sign tells on which side
 * of the jump the root itself lies). */
typedef struct root_at {
    double mu, f;
} root_at;

/* (a + b) / 2 without overflow: a sum of opposite signs cannot overflow,
 * a difference of equal signs cannot either. */
static double midpoint(double a, double b)
{
    return (a < 0) != (b < 0) ? (a + b) / 2.0 : a + (b - a) / 2.0;
}

/* A bracket holding at most this many jumps is settled exactly. */
#define CANDIDATES 32

/* A bracket of a root: f(lo) > 0 >= f(hi). */
typedef struct bracket {
    double lo, hi, f_lo, f_hi;
} bracket;

/* Halves the bracket over the doubles it holds (the middle key, not the
 * middle value): 64 halvings reach neighbouring doubles whatever the
 * magnitudes. Returns 0 and the answer in *found when f was NaN or hit
 * the target exactly (a plateau: its points are roots), 1 otherwise. */
static int halve(w_context *ctx, bracket *b, root_at *found)
{
    uint64_t k_lo = convoy__double_key(b->lo), k_hi = convoy__double_key(b->hi);
    double mid = convoy__key_double(k_lo + (k_hi - k_lo) / 2);
    double f = eval_at(mid, ctx);
    if (isnan(f) || f == 0.0) {
        *found = (root_at){f == 0.0 ? mid : NAN, f};
        return 0;
    }
    if (f > 0) {
        b->lo = mid;
        b->f_lo = f;
    } else {
        b->hi = mid;
        b->f_hi = f;
    }
    return 1;
}

static int neighbours(const bracket *b)
{
    return convoy__double_key(b->hi) - convoy__double_key(b->lo) <= 1;
}

/* Bisects to neighbouring doubles; the root is then hi, the first point
 * past the jump. */
static root_at bisect_doubles(w_context *ctx, bracket b)
{
    root_at found;
    while (!neighbours(&b))
        if (!halve(ctx, &b, &found))
            return found;
    return (root_at){b.hi, b.f_hi};
}

/* The jump in [lo, hi] (f(lo) > 0 >= f(hi)) when the differences c[0..m)
 * are all it holds: a binary search over the gaps between them finds the
 * one whose gap changes sign. Rounding can move a jump off its difference
 * by a few ulps of the data (x - mu == x while mu is below half an ulp of
 * x), or make jumps of its own far from any difference; so the jump is
 * confirmed within `blur` of the difference, else found by bisection. */
static root_at jump_among(w_context *ctx, const double *c, size_t m, bracket br)
{
    /* gap k: br.lo for k = 0, br.hi for k = m, else the middle of c[k-1]
     * and c[k]; the bracket shrinks to the gaps around one difference */
    size_t a = 0, b = m;
    while (b - a > 1) {
        size_t k = a + (b - a) / 2;
        double gap = midpoint(c[k - 1], c[k]);
        double f = eval_at(gap, ctx);
        if (isnan(f) || f == 0.0)
            return (root_at){f == 0.0 ? gap : NAN, f};
        if (f > 0) {
            a = k;
            br.lo = gap;
            br.f_lo = f;
        } else {
            b = k;
            br.hi = gap;
            br.f_hi = f;
        }
    }
    /* the jump is in (br.lo, br.hi], around c[a] alone */
    double at = c[a];
    double f_at = eval_at(at, ctx);
    if (isnan(f_at))
        return (root_at){NAN, f_at};
    double f_beside;
    if (f_at > 0) {
        double beside = fmax(at + ctx->blur, nextafter(at, INFINITY));
        f_beside = beside >= br.hi ? br.f_hi : eval_at(beside, ctx);
    } else {
        double beside = fmin(at - ctx->blur, nextafter(at, -INFINITY));
        f_beside = beside <= br.lo ? br.f_lo : eval_at(beside, ctx);
    }
    if ((f_at > 0) != (f_beside > 0))
        return (root_at){at, f_at}; /* the jump is at the difference */
    return bisect_doubles(ctx, br);
}

/* Settles a root inside Brent's final bracket [lo, hi] (f > 0 at lo, < 0
 * at hi) on the jump itself. When the bracket holds too many differences,
 * it is halved over the doubles it holds (whatever their magnitudes: one
 * extreme value can stretch the search range, and with it Brent's
 * tolerance, far beyond the spacing of the data near the root) until few
 * remain; unless it is already narrow for its position (millions of
 * values: the differences are that dense), then its end is as good as any
 * point of it. */
static root_at settle(w_context *ctx, bracket b)
{
    root_at found;
    for (;;) {
        double c[CANDIDATES];
        size_t m = convoy__differences_in(c, CANDIDATES, ctx->x, ctx->y, b.lo, b.hi);
        if (m == 0)
            return bisect_doubles(ctx, b); /* a jump made by rounding alone */
        if (m <= CANDIDATES)
            return jump_among(ctx, c, m, b);
        if (b.hi - b.lo <= 1e-6 * fmax(fabs(b.lo), fabs(b.hi)) || neighbours(&b))
            return (root_at){b.hi, b.f_hi};
        for (int step = 0; step < 4 && !neighbours(&b); step++)
            if (!halve(ctx, &b, &found))
                return found;
    }
}

/* R's root(): the end of the range when f does not cross the target
 * inside it, else Brent's method, settled on the jump. */
static root_at root(w_context *ctx, int dz_only, double target, double lo, double hi,
                    double f_lo, double f_hi)
{
    f_lo -= target;
    f_hi -= target;
    if (f_lo <= 0)
        return (root_at){lo, f_lo};
    if (f_hi >= 0)
        return (root_at){hi, f_hi};
    ctx->target = target;
    ctx->dz_only = dz_only;
    /* Brent's arithmetic needs hi - lo to be a number: a range wider than
     * the largest double is first halved over its doubles (a step or two) */
    bracket b = {lo, hi, f_lo, f_hi};
    root_at found;
    while (!isfinite(b.hi - b.lo))
        if (!halve(ctx, &b, &found))
            return found;
    double tol = RELATIVE_TOLERANCE * (b.hi - b.lo);
    convoy__brent_result r =
        convoy__brent_root(eval_at, ctx, b.lo, b.hi, b.f_lo, b.f_hi, tol, MAX_EVALUATIONS);
    if (isnan(r.root) || r.f_root == 0.0)
        return (root_at){r.root, r.f_root}; /* a plateau: any point of it is a root */
    /* Brent's final bracket, oriented as the search: f > 0 at its low end */
    int root_low = r.f_root > 0;
    bracket last = root_low ? (bracket){r.root, r.other, r.f_root, r.f_other}
                            : (bracket){r.other, r.root, r.f_other, r.f_root};
    if (!(last.lo < last.hi))
        return (root_at){r.root, r.f_root};
    return settle(ctx, last);
}

int convoy__shift_interval_find(convoy__shift_interval *out, const convoy__runs *x,
                                const convoy__runs *y, double confidence)
{
    w_context ctx = {x, y, 0.0, 0, 0.0, 0, 0};
    /* a few ulps of the largest magnitude in the data */
    ctx.blur = 8 * DBL_EPSILON *
               (fmax(fabs(x->value[0]), fabs(x->value[x->count - 1])) +
                fmax(fabs(y->value[0]), fabs(y->value[y->count - 1])));
    double lo = x->value[0] - y->value[y->count - 1];
    double hi = x->value[x->count - 1] - y->value[0];
    out->lower = out->upper = out->estimate = NAN;
    out->lower_open = out->upper_open = 0;
    out->evaluations = 0;
    if (!isfinite(lo) || !isfinite(hi))
        return CONVOY_E_RANGE;

    double w_lo, w_hi, dz_lo, dz_hi;
    statistic_at(&ctx, lo, &dz_lo, &w_lo);
    statistic_at(&ctx, hi, &dz_hi, &w_hi);
    if (ctx.all_tied)
        return CONVOY_E_RANGE;
    /* z = qnorm(1 - alpha/2), taken from the lower tail, where alpha/2 is
     * represented without the rounding of 1 - alpha/2 */
    double z = -convoy__normal_quantile((1.0 - confidence) / 2.0);
    /* The confidence set is {mu : -z <= w(mu) <= z}. Its lower end is
     * where w falls through z: when w leaps over the band there (a jump
     * from above z to below it, common with tied data), the end itself
     * has w > z and lies outside the set, and the judge compares it as
     * an open end: every shift in the set is strictly above it. */
    root_at lower = root(&ctx, 0, z, lo, hi, w_lo, w_hi);
    root_at upper = root(&ctx, 0, -z, lo, hi, w_lo, w_hi);
    out->lower = lower.mu;
    out->lower_open = lower.f > 0;
    out->upper = upper.mu;
    out->upper_open = upper.f < 0;

    /* The estimate: w(mu) = 0 exactly where |dz| <= 1/2 (dz moves in
     * steps of 1/2, and the continuity correction cancels +-1/2). That set
     * is an interval, from the jump where dz falls to 1/2 to the jump where
     * it falls below -1/2; Brent's method on w would stop at an arbitrary
     * point of it, so the estimate is its midpoint (for [10,20,30,40] -
     * [1,2,3,4]: [19, 26] -> 22.5, the Hodges-Lehmann estimate). When dz
     * jumps over it, both ends are that jump. */
    double first = root(&ctx, 1, 0.75, lo, hi, dz_lo, dz_hi).mu;
    double last = root(&ctx, 1, -0.75, lo, hi, dz_lo, dz_hi).mu;
    out->estimate = midpoint(first, last);
    /* Mathematically lower <= first <= last <= upper (w > z needs dz >= 1,
     * w < -z needs dz <= -1), and lower == upper when w leaps over the
     * whole band at one jump. Where rounding blurs a jump over a few ulps
     * of the data, roots found by different searches can land an ulp
     * apart: they are the same jump, and the order is kept. */
    if (out->lower > out->upper)
        out->lower = out->upper;
    out->estimate = fmin(fmax(out->estimate, out->lower), out->upper);

    out->evaluations = ctx.evaluations;
    if (ctx.all_tied || isnan(out->lower) || isnan(out->upper) || isnan(out->estimate)) {
        out->lower = out->upper = out->estimate = NAN;
        return CONVOY_E_RANGE;
    }
    return CONVOY_OK;
}
