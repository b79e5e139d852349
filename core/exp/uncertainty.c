/*
** uncertainty.c — bands, verdict probabilities, ranks (uncertainty.h).
*/
#include "exp/uncertainty.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "kernel/base.h"

#define M KOU_KPI_METRIC_COUNT

void kou_unc_draw_means(const double *y, size_t ndraws, size_t nreps, double *means)
{
    for (size_t d = 0; d < ndraws; d++) {
        double sum = 0;
        size_t n = 0;
        for (size_t r = 0; r < nreps; r++)
            if (!isnan(y[d * nreps + r])) {
                sum += y[d * nreps + r];
                n++;
            }
        means[d] = n ? sum / (double)n : NAN;
    }
}

/* The defined values of x, sorted, into a new array; their count in *n. */
static double *sorted_defined(const double *x, size_t count, size_t *n)
{
    double *s = koui_malloc((count ? count : 1) * sizeof *s);
    *n = 0;
    for (size_t i = 0; i < count; i++)
        if (!isnan(x[i]))
            s[(*n)++] = x[i];
    gsl_sort(s, 1, *n);
    return s;
}

/* The order statistics bounding the p-quantile of n sorted values with
** 95 % confidence: ranks np -+ 1.96 sqrt(np(1-p)), widened to whole ranks. */
static void quantile_ci(const double *s, size_t n, double p, double ci[2])
{
    double np = (double)n * p, sd = sqrt((double)n * p * (1 - p));
    double lo = floor(np - 1.96 * sd), hi = ceil(np + 1.96 * sd) + 1;
    size_t l = lo < 1 ? 1 : (size_t)lo, h = hi > (double)n ? n : (size_t)hi;
    ci[0] = s[l - 1];
    ci[1] = s[h - 1];
}

/* The band of the draw means x (NaN skipped): lo, hi and their intervals;
** the other fields NaN. */
static kou_unc_stat band(const double *x, size_t count)
{
    kou_unc_stat st = {.mean = NAN, .noise_half = NAN, .band_lo = NAN, .band_hi = NAN,
                       .band_lo_ci = {NAN, NAN}, .band_hi_ci = {NAN, NAN}, .share_param = NAN};
    size_t n;
    double *s = sorted_defined(x, count, &n);
    st.ndraws = n;
    if (n > 0) {
        st.band_lo = gsl_stats_quantile_from_sorted_data(s, 1, n, KOU_UNC_BAND_LO);
        st.band_hi = gsl_stats_quantile_from_sorted_data(s, 1, n, KOU_UNC_BAND_HI);
        quantile_ci(s, n, KOU_UNC_BAND_LO, st.band_lo_ci);
        quantile_ci(s, n, KOU_UNC_BAND_HI, st.band_hi_ci);
    }
    free(s);
    return st;
}

/* The pooled within-draw variance and its degrees of freedom. */
static double within_variance(const double *y, size_t ndraws, size_t nreps, const double *means, double *df)
{
    double ss = 0;
    size_t dof = 0;
    for (size_t d = 0; d < ndraws; d++) {
        size_t n = 0;
        for (size_t r = 0; r < nreps; r++)
            if (!isnan(y[d * nreps + r])) {
                double e = y[d * nreps + r] - means[d];
                ss += e * e;
                n++;
            }
        dof += n > 0 ? n - 1 : 0;
    }
    *df = (double)dof;
    return dof ? ss / (double)dof : NAN;
}

kou_unc_stat kou_unc_summarize(const double *y, size_t ndraws, size_t nreps)
{
    double *means = koui_malloc((ndraws ? ndraws : 1) * sizeof *means);
    kou_unc_draw_means(y, ndraws, nreps, means);
    kou_unc_stat st = band(means, ndraws);
    double sum = 0;
    size_t n = 0;
    for (size_t i = 0; i < ndraws * nreps; i++)
        if (!isnan(y[i])) {
            sum += y[i];
            n++;
        }
    st.mean = n ? sum / (double)n : NAN;
    double df, sw2 = within_variance(y, ndraws, nreps, means, &df);
    if (nreps >= 2 && df > 0)
        st.noise_half = gsl_cdf_tdist_Pinv(0.975, df) * sqrt(sw2 / (double)nreps);
    size_t nd;
    double *dm = sorted_defined(means, ndraws, &nd);
    if (nd >= 2 && nreps >= 2 && df > 0) {
        double sp2 = gsl_stats_variance(dm, 1, nd) - sw2 / (double)nreps;
        sp2 = sp2 > 0 ? sp2 : 0;
        st.share_param = sp2 + sw2 > 0 ? sp2 / (sp2 + sw2) : NAN;
    }
    free(dm);
    free(means);
    return st;
}

kou_unc_prob kou_unc_prob_below(const double *x, size_t count, double target)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < count; i++)
        if (!isnan(x[i])) {
            n++;
            k += x[i] < target;
        }
    kou_unc_prob p = {.p = NAN, .lo = NAN, .hi = NAN, .n = n};
    if (n == 0)
        return p;
    double z = 1.959963984540054, nn = (double)n, ph = (double)k / nn;
    double c = (ph + z * z / (2 * nn)) / (1 + z * z / nn);
    double w = z * sqrt(ph * (1 - ph) / nn + z * z / (4 * nn * nn)) / (1 + z * z / nn);
    p.p = ph;
    p.lo = c - w < 0 ? 0 : c - w;
    p.hi = c + w > 1 ? 1 : c + w;
    return p;
}

/* Mean ranks (1-based; ties share their mean rank) of v[0..n-1] into rank. */
static void ranks(const double *v, size_t n, double *rank)
{
    size_t *idx = koui_malloc((n ? n : 1) * sizeof *idx);
    gsl_sort_index(idx, v, 1, n);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && v[idx[j + 1]] == v[idx[i]])
            j++;
        for (size_t k = i; k <= j; k++)
            rank[idx[k]] = 0.5 * (double)(i + j) + 1;
        i = j + 1;
    }
    free(idx);
}

double kou_unc_rank_corr(const double *x, const double *y, size_t count)
{
    double *a = koui_malloc((4 * count + 1) * sizeof *a), *b = a + count, *ra = b + count, *rb = ra + count;
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (!isnan(x[i]) && !isnan(y[i])) {
            a[n] = x[i];
            b[n] = y[i];
            n++;
        }
    double rho = NAN;
    if (n >= 3) {
        ranks(a, n, ra);
        ranks(b, n, rb);
        double sa = gsl_stats_sd(ra, 1, n), sb = gsl_stats_sd(rb, 1, n);
        if (sa > 0 && sb > 0)
            rho = gsl_stats_correlation(ra, 1, rb, 1, n);
    }
    free(a);
    return rho;
}

/* ---- a whole experiment ---- */

void kou_unc_data_alloc(kou_unc_data *u)
{
    size_t nv = u->ndraws * u->nalts * u->nreps * u->ngroups * M;
    u->priors = koui_calloc(u->npriors ? u->npriors : 1, sizeof *u->priors);
    u->draws = koui_calloc(u->ndraws * u->npriors + 1, sizeof *u->draws);
    u->alts = koui_calloc(u->nalts ? u->nalts : 1, sizeof *u->alts);
    u->groups = koui_calloc(u->ngroups ? u->ngroups : 1, sizeof *u->groups);
    u->values = koui_malloc((nv ? nv : 1) * sizeof *u->values);
    for (size_t i = 0; i < nv; i++)
        u->values[i] = NAN;
}

void kou_unc_data_free(kou_unc_data *u)
{
    free(u->priors);
    free(u->draws);
    free(u->alts);
    free(u->groups);
    free(u->values);
    u->priors = NULL;
    u->draws = u->values = NULL;
    u->alts = NULL;
    u->groups = NULL;
}

double *kou_unc_value(const kou_unc_data *u, size_t d, size_t a, size_t r, size_t g, size_t m)
{
    KOU_CHECK(d < u->ndraws && a < u->nalts && r < u->nreps && g < u->ngroups && m < M);
    return u->values + (((d * u->nalts + a) * u->nreps + r) * u->ngroups + g) * M + m;
}

void kou_unc_series(const kou_unc_data *u, size_t a, size_t g, size_t m, double *y)
{
    for (size_t d = 0; d < u->ndraws; d++)
        for (size_t r = 0; r < u->nreps; r++)
            y[d * u->nreps + r] = *kou_unc_value(u, d, a, r, g, m);
}

void kou_unc_pct_change(const kou_unc_data *u, size_t a, size_t g, size_t m, double *pct)
{
    size_t n = u->ndraws * u->nreps;
    double *y = koui_malloc((2 * n + 2 * u->ndraws + 1) * sizeof *y), *b = y + n, *ma = b + n, *mb = ma + u->ndraws;
    kou_unc_series(u, a, g, m, y);
    kou_unc_series(u, 0, g, m, b);
    kou_unc_draw_means(y, u->ndraws, u->nreps, ma);
    kou_unc_draw_means(b, u->ndraws, u->nreps, mb);
    for (size_t d = 0; d < u->ndraws; d++)
        pct[d] = mb[d] != 0 && !isnan(mb[d]) && !isnan(ma[d]) ? 100 * (ma[d] - mb[d]) / mb[d] : NAN;
    free(y);
}
