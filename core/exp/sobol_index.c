/*
** sobol_index.c — Saltelli first-order and Jansen total-order estimators
** with bootstrap intervals (sobol_index.h).
*/
#include "exp/sobol_index.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "kernel/base.h"

size_t kou_sobol_rows(size_t nbase, size_t nfactors)
{
    return nbase * (nfactors + 2);
}

/* The values of one design row block: A is block 0, B block 1, AB_i block i + 2. */
static double at(const double *y, size_t nbase, size_t block, size_t j)
{
    return y[block * nbase + j];
}

/* The indices from the base points use[0..n) (repeats allowed): mean m and
** variance over A and B, then S_i and S_Ti; false when V is not positive.
** f(B) enters S_i centred, f(B) - m: the same expectation (f(AB_i) - f(A)
** has mean 0), but without a KPI's mean (hours, far from 0 against its
** spread) multiplying the noise of the differences. */
static bool estimate(const double *y, size_t nbase, size_t nf, const size_t *use, size_t n, double *mean,
                     double *var, double *s1, double *st)
{
    double m = 0, ss = 0;
    for (size_t t = 0; t < n; t++)
        m += at(y, nbase, 0, use[t]) + at(y, nbase, 1, use[t]);
    m /= (double)(2 * n);
    for (size_t t = 0; t < n; t++) {
        double a = at(y, nbase, 0, use[t]) - m, b = at(y, nbase, 1, use[t]) - m;
        ss += a * a + b * b;
    }
    double v = ss / (double)(2 * n - 1);
    *mean = m;
    *var = v;
    if (!(v > 0))
        return false;
    for (size_t i = 0; i < nf; i++) {
        double first = 0, total = 0;
        for (size_t t = 0; t < n; t++) {
            double fa = at(y, nbase, 0, use[t]), fb = at(y, nbase, 1, use[t]), fab = at(y, nbase, i + 2, use[t]);
            first += (fb - m) * (fab - fa);
            total += (fa - fab) * (fa - fab);
        }
        s1[i] = first / (double)n / v;
        st[i] = total / (2.0 * (double)n) / v;
    }
    return true;
}

/* 95% percentile intervals of the indices over nboot resamples of the
** usable base points use[0..n). */
static void bootstrap(const double *y, size_t nbase, size_t nf, const size_t *use, size_t n, size_t nboot,
                      uint64_t seed, kou_sobol_indices *out)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    size_t *pick = koui_malloc(n * sizeof *pick);
    double *b1 = koui_malloc(nboot * nf * sizeof *b1), *bt = koui_malloc(nboot * nf * sizeof *bt);
    if (r == NULL)
        koui_oom(sizeof(gsl_rng));
    gsl_rng_set(r, (unsigned long)seed);
    size_t ok = 0;
    for (size_t b = 0; b < nboot; b++) {
        for (size_t t = 0; t < n; t++)
            pick[t] = use[gsl_rng_uniform_int(r, n)];
        double m, v, s1[KOU_DESIGN_MAX_FACTORS], st[KOU_DESIGN_MAX_FACTORS];
        if (!estimate(y, nbase, nf, pick, n, &m, &v, s1, st))
            continue;
        for (size_t i = 0; i < nf; i++) {
            b1[i * nboot + ok] = s1[i];
            bt[i * nboot + ok] = st[i];
        }
        ok++;
    }
    for (size_t i = 0; i < nf && ok > 0; i++) {
        gsl_sort(b1 + i * nboot, 1, ok);
        gsl_sort(bt + i * nboot, 1, ok);
        out->s1_lo[i] = gsl_stats_quantile_from_sorted_data(b1 + i * nboot, 1, ok, 0.025);
        out->s1_hi[i] = gsl_stats_quantile_from_sorted_data(b1 + i * nboot, 1, ok, 0.975);
        out->st_lo[i] = gsl_stats_quantile_from_sorted_data(bt + i * nboot, 1, ok, 0.025);
        out->st_hi[i] = gsl_stats_quantile_from_sorted_data(bt + i * nboot, 1, ok, 0.975);
    }
    free(b1);
    free(bt);
    free(pick);
    gsl_rng_free(r);
}

bool kou_sobol_estimate(const double *y, size_t nbase, size_t nfactors, size_t nboot, uint64_t seed,
                        kou_sobol_indices *out)
{
    KOU_CHECK(nfactors <= KOU_DESIGN_MAX_FACTORS);
    memset(out, 0, sizeof *out);
    out->nfactors = nfactors;
    out->mean = out->var = NAN;
    for (size_t i = 0; i < nfactors; i++)
        out->s1[i] = out->s1_lo[i] = out->s1_hi[i] = out->st[i] = out->st_lo[i] = out->st_hi[i] = NAN;
    size_t *use = koui_malloc((nbase ? nbase : 1) * sizeof *use), n = 0;
    for (size_t j = 0; j < nbase; j++) {
        bool finite = true;
        for (size_t b = 0; b < nfactors + 2 && finite; b++)
            finite = isfinite(at(y, nbase, b, j));
        if (finite)
            use[n++] = j;
    }
    out->nbase = n;
    bool good = n >= 2 && estimate(y, nbase, nfactors, use, n, &out->mean, &out->var, out->s1, out->st);
    if (good && nboot > 0)
        bootstrap(y, nbase, nfactors, use, n, nboot, seed, out);
    free(use);
    return good;
}
