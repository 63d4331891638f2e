/* Internal: Brent's root finder. */
#ifndef CONVOY_LIB_GATE_BRENT_H
#define CONVOY_LIB_GATE_BRENT_H

/* The function whose root is searched; a NaN result stops the search. */
typedef double (*convoy__root_fn)(double x, void *ctx);

/* Where the search ended. */
typedef struct convoy__brent_result {
    double root;     /* the best approximation; NaN when f returned NaN */
    double f_root;   /* f(root): 0 when it hit a root exactly */
    double other;    /* the last point where f has the other sign: the
                        root lies between `root` and `other` (== root when
                        f_root is 0) */
    double f_other;  /* f(other) */
    int evaluations; /* calls of f */
} convoy__brent_result;

/*
 * convoy__brent_root - a root of f in [a, b] by Brent's method, as R's
 * zeroin (uniroot) and Kayenta's solver implement it: inverse quadratic or
 * linear interpolation when it makes progress, bisection otherwise, until
 * the bracket is within 2 eps |x| + tol / 2. fa = f(a) and fb = f(b) must
 * not have the same sign (an endpoint where f is 0 is returned at once).
 * Works on step functions too: it then converges on the step. Stops with
 * a NaN root when f returns NaN; with the best point after max_iter
 * evaluations otherwise.
 */
convoy__brent_result convoy__brent_root(convoy__root_fn f, void *ctx, double a, double b,
                                        double fa, double fb, double tol, int max_iter);

#endif
