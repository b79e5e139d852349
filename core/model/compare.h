/*
** compare.h — the arithmetic of `kouan compare`: alternatives against a
** baseline over replications run with common random numbers (replication r
** of every alternative on seed + r, so its values pair with the
** baseline's replication r).
**
**   kou_cmp_mean:   mean of the defined (non-NaN) values, Student-t 95 %
**                   half-width (NaN when fewer than 2 are defined).
**   kou_cmp_paired: the paired difference alt - base: mean of the
**                   per-replication differences over the replications
**                   where both are defined, with its t half-width.
**   kou_cmp_pct:    the paired % change: mean of 100 (alt_r - base_r) /
**                   base_r over the pairs with base_r != 0, with its t
**                   half-width (a ratio estimator per replication, so its
**                   interval carries the baseline's noise too).
**   kou_cmp_verdict: a target on the % change (-100/3 for "cut by 1/3"):
**                   MET when the whole interval is below it (hi < target),
**                   NOT_MET when the whole interval is above it
**                   (lo > target), UNDECIDED otherwise (touching the target,
**                   or no interval: fewer than 2 pairs).
** Pure C: no Lua, no HDF5.
*/
#ifndef KOUAN_MODEL_COMPARE_H
#define KOUAN_MODEL_COMPARE_H

#include <stddef.h>

typedef struct kou_cmp_ci {
    double mean, half; /* half: t_{n-1,0.975} sd / sqrt(n); NaN when n < 2 */
    double lo, hi;     /* mean -+ half */
    size_t n;          /* values (pairs) used */
} kou_cmp_ci;

typedef enum kou_cmp_verdict_t { KOU_CMP_UNDECIDED, KOU_CMP_MET, KOU_CMP_NOT_MET } kou_cmp_verdict_t;

kou_cmp_ci kou_cmp_mean(const double *x, size_t n);
kou_cmp_ci kou_cmp_paired(const double *alt, const double *base, size_t n);
kou_cmp_ci kou_cmp_pct(const double *alt, const double *base, size_t n);
kou_cmp_verdict_t kou_cmp_verdict(kou_cmp_ci pct, double target_pct);
/* "met", "not met", "undecided" */
const char *kou_cmp_verdict_name(kou_cmp_verdict_t v);

#endif
