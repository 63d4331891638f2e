/* Internal: the standard normal distribution's tail and quantile, as the
 * Mann-Whitney p-value and the judge's confidence interval need them. */
#ifndef CONVOY_LIB_GATE_NORMAL_H
#define CONVOY_LIB_GATE_NORMAL_H

/* P(Z > z), computed as scipy.special.ndtr(-z) does (cephes): erf near the
 * centre, erfc in the tails, so that p-values agree with scipy's to the
 * last few bits. NaN for NaN. */
double convoy__normal_sf(double z);

/* The quantile function: z with P(Z <= z) = p, by Wichura's AS 241 (the
 * algorithm of R's qnorm), accurate to about 1e-16 relative. -Inf at 0,
 * +Inf at 1, NaN outside [0, 1]. */
double convoy__normal_quantile(double p);

#endif
