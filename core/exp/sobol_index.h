/*
** sobol_index.h — variance-based sensitivity: Sobol first-order (S_i) and
** total-order (S_Ti) indices of a KPI from the runs of a Saltelli design
** (design.h, method "saltelli": N base points, N (k + 2) rows in blocks A,
** B, AB_1 ... AB_k, where AB_i is A with its column i taken from B).
** This module owns the estimators and their confidence intervals, nothing
** else: S_i by Saltelli et al. (2010), (1/N) sum (f(B) - mean) (f(AB_i) - f(A)) / V
** (f(B) centred, as SALib standardizes the outputs),
** S_Ti by Jansen (1999), (1/2N) sum (f(A) - f(AB_i))^2 / V, with V the
** variance of f over the rows of A and B together; 95% percentile
** bootstrap intervals, resampling the base points (a GSL mt19937 of a
** given seed, so the same values give the same intervals everywhere). A
** base point is used only when its k + 2 values are all finite. Pure C;
** any thread.
*/
#ifndef KOUAN_EXP_SOBOL_INDEX_H
#define KOUAN_EXP_SOBOL_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exp/design.h"

#define KOU_SOBOL_BOOTSTRAP 1000 /* resamples of the base points, by default */

typedef struct kou_sobol_indices {
    size_t nbase;     /* base points with every value finite: used */
    size_t nfactors;
    double mean, var; /* of the KPI over the rows of A and B used */
    double s1[KOU_DESIGN_MAX_FACTORS], s1_lo[KOU_DESIGN_MAX_FACTORS], s1_hi[KOU_DESIGN_MAX_FACTORS];
    double st[KOU_DESIGN_MAX_FACTORS], st_lo[KOU_DESIGN_MAX_FACTORS], st_hi[KOU_DESIGN_MAX_FACTORS];
} kou_sobol_indices;

/* The rows of a Saltelli design of nbase base points and nfactors factors. */
size_t kou_sobol_rows(size_t nbase, size_t nfactors);

/* The indices of y (kou_sobol_rows(nbase, nfactors) values in the design's
** row order) with nboot bootstrap resamples (0: no interval, lo = hi =
** NaN) drawn with seed. False, with nbase set, when fewer than 2 base
** points are usable or the KPI does not vary (every index NaN then). */
bool kou_sobol_estimate(const double *y, size_t nbase, size_t nfactors, size_t nboot, uint64_t seed,
                        kou_sobol_indices *out);

#endif
