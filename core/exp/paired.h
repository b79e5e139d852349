/*
** paired.h — the arithmetic of `kouan compare`: alternatives against a
** baseline over replications run with common random numbers (replication r
** of every alternative on seed + r, so its values pair with the
** baseline's replication r).
**
**   kou_paired_mean:    mean of the defined (non-NaN) values, Student-t
**                       95 % half-width (NaN when fewer than 2 are defined).
**   kou_paired_diff:    the paired difference alt - base: mean of the
**                       per-replication differences over the replications
**                       where both are defined, with its t half-width.
**   kou_paired_pct:     the paired % change: mean of 100 (alt_r - base_r) /
**                       base_r over the pairs with base_r != 0, with its t
**                       half-width (a ratio estimator per replication, so
**                       its interval carries the baseline's noise too).
**   kou_paired_verdict: a target on the % change (-100/3 for "cut by 1/3"):
**                       MET when the whole interval is below it (hi <
**                       target), NOT_MET when the whole interval is above
**                       it (lo > target), UNDECIDED otherwise (touching the
**                       target, or no interval: fewer than 2 pairs).
**   kou_paired_same:    no difference: every pair within a tolerance
**                       (an alternative that does not touch a port).
** Pure functions of their arguments; any thread.
*/
#ifndef KOUAN_EXP_PAIRED_H
#define KOUAN_EXP_PAIRED_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kou_paired_ci {
    double mean, half; /* half: t_{n-1,0.975} sd / sqrt(n); NaN when n < 2 */
    double lo, hi;     /* mean -+ half */
    size_t n;          /* values (pairs) used */
} kou_paired_ci;

/* The values are those of the compare file's verdict datasets. */
typedef enum kou_verdict {
    KOU_VERDICT_UNDECIDED = 0,
    KOU_VERDICT_MET = 1,
    KOU_VERDICT_NOT_MET = 2,
    KOU_VERDICT_NO_DIFFERENCE = 3 /* the caller's: kou_paired_same, not kou_paired_verdict */
} kou_verdict;

kou_paired_ci kou_paired_mean(const double *x, size_t n);
kou_paired_ci kou_paired_diff(const double *alt, const double *base, size_t n);
kou_paired_ci kou_paired_pct(const double *alt, const double *base, size_t n);
kou_verdict kou_paired_verdict(kou_paired_ci pct, double target_pct);
/* Whether alt and base do not differ: at least one pair, every pair
** within tol of each other (|alt_r - base_r| <= tol), and no pair with
** one value defined and the other not (NaN). */
bool kou_paired_same(const double *alt, const double *base, size_t n, double tol);
/* "met", "not met", "undecided", "(no difference)" */
const char *kou_verdict_name(kou_verdict v);

#endif
