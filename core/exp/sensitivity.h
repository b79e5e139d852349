/*
** sensitivity.h — how much a KPI owes to each factor of a design: the
** standardized regression coefficients (SRC) of a linear least-squares
** fit of the KPI on the factors over the points of the design (GSL's
** multifit), with its R^2. A coefficient is b_i sd(x_i) / sd(y): the
** change of y, in its standard deviations, for one standard deviation of
** the factor. Points whose KPI is not finite are left out, and so are the
** factors that do not vary over the points left. Pure C; any thread.
*/
#ifndef KOUAN_EXP_SENSITIVITY_H
#define KOUAN_EXP_SENSITIVITY_H

#include <stdbool.h>
#include <stddef.h>

#include "exp/design.h"

typedef struct kou_src {
    size_t npoints;   /* points with a finite KPI */
    size_t nfactors;  /* factors that vary over them: the fit's */
    size_t factor[KOU_DESIGN_MAX_FACTORS]; /* their columns of the matrix */
    double coef[KOU_DESIGN_MAX_FACTORS];   /* their SRC (NaN when the KPI does not vary) */
    double mean;      /* of the KPI over the points used */
    double r2;        /* of the fit (NaN when the KPI does not vary) */
} kou_src;

/* Fits y (npoints values) on the matrix x (npoints x nfactors,
** row-major). False, with npoints and nfactors set, when there are too
** few points for a regression (fewer than nfactors + 2) or no factor
** varies. */
bool kou_src_fit(const double *x, size_t npoints, size_t nfactors, const double *y, kou_src *out);

#endif
