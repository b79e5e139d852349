/*
** sensitivity.c — standardized regression coefficients (sensitivity.h).
*/
#include "exp/sensitivity.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_multifit.h>

#include "kernel/base.h"

/* The sample standard deviation of column i over the points with a
** finite y (0 for fewer than two). */
static double column_sd(const double *x, size_t np, size_t nf, size_t i, const double *y)
{
    double mu = 0, ss = 0;
    size_t c = 0;
    for (size_t p = 0; p < np; p++)
        if (isfinite(y[p])) {
            mu += x[p * nf + i];
            c++;
        }
    mu = c ? mu / (double)c : 0;
    for (size_t p = 0; p < np; p++)
        if (isfinite(y[p]))
            ss += (x[p * nf + i] - mu) * (x[p * nf + i] - mu);
    return c > 1 ? sqrt(ss / (double)(c - 1)) : 0;
}

/* Least squares of y on [1, the used columns]; the coefficients in b,
** the residual sum of squares returned. */
static double least_squares(const double *x, size_t np, size_t nf, const double *y, const kou_src *s,
                            gsl_vector *b)
{
    size_t n = s->npoints, k = s->nfactors;
    gsl_matrix *X = gsl_matrix_alloc(n, k + 1);
    gsl_vector *Y = gsl_vector_alloc(n);
    gsl_matrix *cov = gsl_matrix_alloc(k + 1, k + 1);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, k + 1);
    if (X == NULL || Y == NULL || cov == NULL || ws == NULL)
        koui_oom(n * (k + 1) * sizeof(double));
    size_t r = 0;
    for (size_t p = 0; p < np; p++) {
        if (!isfinite(y[p]))
            continue;
        gsl_matrix_set(X, r, 0, 1.0);
        for (size_t j = 0; j < k; j++)
            gsl_matrix_set(X, r, j + 1, x[p * nf + s->factor[j]]);
        gsl_vector_set(Y, r, y[p]);
        r++;
    }
    double chisq = 0;
    gsl_multifit_linear(X, Y, b, cov, &chisq, ws);
    gsl_multifit_linear_free(ws);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(Y);
    return chisq;
}

bool kou_src_fit(const double *x, size_t npoints, size_t nfactors, const double *y, kou_src *out)
{
    KOU_CHECK(nfactors <= KOU_DESIGN_MAX_FACTORS);
    memset(out, 0, sizeof *out);
    double sdx[KOU_DESIGN_MAX_FACTORS];
    for (size_t p = 0; p < npoints; p++)
        out->npoints += isfinite(y[p]);
    for (size_t i = 0; i < nfactors; i++) {
        sdx[i] = column_sd(x, npoints, nfactors, i, y);
        if (sdx[i] > 0)
            out->factor[out->nfactors++] = i;
    }
    size_t n = out->npoints, k = out->nfactors;
    if (n < k + 2 || k == 0)
        return false;
    double my = 0, sy = 0;
    for (size_t p = 0; p < npoints; p++)
        if (isfinite(y[p]))
            my += y[p];
    my /= (double)n;
    for (size_t p = 0; p < npoints; p++)
        if (isfinite(y[p]))
            sy += (y[p] - my) * (y[p] - my);
    sy = sqrt(sy / (double)(n - 1));
    gsl_vector *b = gsl_vector_alloc(k + 1);
    if (b == NULL)
        koui_oom((k + 1) * sizeof(double));
    double chisq = least_squares(x, npoints, nfactors, y, out, b);
    out->mean = my;
    out->r2 = sy > 0 ? 1 - chisq / (sy * sy * (double)(n - 1)) : NAN;
    for (size_t j = 0; j < k; j++)
        out->coef[j] = sy > 0 ? gsl_vector_get(b, j + 1) * sdx[out->factor[j]] / sy : NAN;
    gsl_vector_free(b);
    return true;
}
