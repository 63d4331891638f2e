/* Brent's method (Brent 1973, "Algorithms for Minimization without
 * Derivatives", ch. 4), in the form of R's zeroin.c that Kayenta ported. */
#include "brent.h"

#include <float.h>
#include <math.h>

convoy__brent_result convoy__brent_root(convoy__root_fn f, void *ctx, double a, double b,
                                        double fa, double fb, double tol, int max_iter)
{
    convoy__brent_result r = {NAN, NAN, NAN, NAN, 0};
    double c = a, fc = fa;

    if (isnan(fa) || isnan(fb))
        return r;
    if (fa == 0.0 || fb == 0.0) {
        r.root = r.other = fa == 0.0 ? a : b;
        r.f_root = r.f_other = 0.0;
        return r;
    }

    while (r.evaluations < max_iter) {
        double prev_step = b - a;
        if (fabs(fc) < fabs(fb)) {
            /* b is the best approximation so far, c the other side */
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        double tol_act = 2.0 * DBL_EPSILON * fabs(b) + tol / 2.0;
        double new_step = (c - b) / 2.0;
        if (fabs(new_step) <= tol_act || fb == 0.0)
            break;
        if (fabs(prev_step) >= tol_act && fabs(fa) > fabs(fb)) {
            /* Interpolation may be tried: p / q, the division delayed so
             * that it cannot overflow. */
            double p, q, cb = c - b;
            if (a == c) {
                double t1 = fb / fa; /* two distinct points: secant */
                p = cb * t1;
                q = 1.0 - t1;
            } else {
                double qa = fa / fc, t1 = fb / fc, t2 = fb / fa; /* inverse quadratic */
                p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1.0));
                q = (qa - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if (p > 0.0)
                q = -q;
            else
                p = -p;
            /* accept when b + p/q stays inside [b, c] and the step shrinks */
            if (p < (0.75 * cb * q - fabs(tol_act * q) / 2.0) && p < fabs(prev_step * q / 2.0))
                new_step = p / q;
        }
        if (fabs(new_step) < tol_act)
            new_step = new_step > 0.0 ? tol_act : -tol_act;
        a = b;
        fa = fb;
        b += new_step;
        fb = f(b, ctx);
        r.evaluations++;
        if (isnan(fb))
            return r;
        if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
            /* keep c on the other side of the root from b */
            c = a;
            fc = fa;
        }
    }
    r.root = b;
    r.f_root = fb;
    r.other = fb == 0.0 ? b : c;
    r.f_other = fb == 0.0 ? fb : fc;
    return r;
}
