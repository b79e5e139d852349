/*
** uncertainty.h — the arithmetic of --uncertainty: a KPI over an outer
** loop of parameter draws (a Latin hypercube over the scenario's priors,
** exp/prior.h) and, inside each draw, replications on common random
** numbers (replication r of every draw and every alternative on seed + r).
**
** For one KPI, values y[d * nreps + r] (draw d, replication r; NaN when
** undefined):
**   mean        over every defined value;
**   noise_half  the stochastic 95 % half-width of one draw's mean: Student
**               t on the pooled within-draw variance s_w^2, over R
**               replications: t * sqrt(s_w^2 / R) (NaN when R < 2);
**   band        the 5 % and 95 % quantiles of the draw means (linear
**               interpolation between order statistics, Hyndman & Fan
**               type 7), each with a distribution-free 95 % confidence
**               interval from the order statistics (binomial ranks,
**               normal approximation; conservative under a Latin
**               hypercube, which stratifies the draws);
**   share_param the share of one replication's variance due to the
**               parameters: s_p^2 / (s_p^2 + s_w^2), s_p^2 = the variance
**               of the draw means less s_w^2 / R (one-way ANOVA,
**               clipped at 0).
** Verdicts are probabilities: the share of draws whose paired % change
** (mean over the draw's replications, against the baseline's mean in the
** same draw) is below a target, with a Wilson 95 % interval for N draws.
** Parameters are ranked by Spearman's rank correlation between each
** prior's draws and the draw results.
**
** kou_unc_data holds a whole experiment as plain arrays, for the command
** (cmd/uncertainty.c), the file (io/h5uncertainty.h) and kouan report.
** Pure C; any thread.
*/
#ifndef KOUAN_EXP_UNCERTAINTY_H
#define KOUAN_EXP_UNCERTAINTY_H

#include <stddef.h>
#include <stdint.h>

#include "exp/prior.h"
#include "model/kpi.h"

#define KOU_UNC_BAND_LO 0.05
#define KOU_UNC_BAND_HI 0.95

typedef struct kou_unc_stat {
    double mean, noise_half;
    double band_lo, band_hi;       /* quantiles of the draw means */
    double band_lo_ci[2], band_hi_ci[2]; /* their 95 % intervals */
    double share_param;            /* NaN when undefined */
    size_t ndraws;                 /* draws with a defined mean */
} kou_unc_stat;

/* The draw means of y (ndraws x nreps) into means (NaN for a draw with no
** defined value). */
void kou_unc_draw_means(const double *y, size_t ndraws, size_t nreps, double *means);
kou_unc_stat kou_unc_summarize(const double *y, size_t ndraws, size_t nreps);

typedef struct kou_unc_prob {
    double p, lo, hi; /* the share, its Wilson 95 % interval */
    size_t n;         /* defined values */
} kou_unc_prob;
/* The share of the defined x below target. */
kou_unc_prob kou_unc_prob_below(const double *x, size_t n, double target);

/* Spearman's rank correlation of the pairs where both are defined (ties
** get their mean rank); NaN with fewer than 3 pairs or no spread. */
double kou_unc_rank_corr(const double *x, const double *y, size_t n);

/* ---- a whole experiment ---- */

typedef struct kou_unc_group {
    char port[64];  /* the port's name, or "all ports" */
    int port_index; /* -1: all ports */
    int mode;       /* kou_mode; -1: every mode */
    int direction;  /* kou_direction */
} kou_unc_group;

typedef struct kou_unc_data {
    size_t ndraws, nalts, nreps, ngroups, npriors;
    uint64_t seed;            /* replication r runs on seed + r; the hypercube's seed too */
    kou_prior *priors;        /* npriors */
    double *draws;            /* ndraws x npriors: the values of each draw */
    char (*alts)[64];         /* nalts labels: the era, or FILE[:ERA] */
    kou_unc_group *groups;    /* ngroups, the baseline's */
    double *values;           /* [d][a][r][g][m], m < KOU_KPI_METRIC_COUNT */
} kou_unc_data;

/* Allocates every array for the sizes set in u (values NaN). */
void kou_unc_data_alloc(kou_unc_data *u);
void kou_unc_data_free(kou_unc_data *u);
/* The address of value (d, a, r, g, m). */
double *kou_unc_value(const kou_unc_data *u, size_t d, size_t a, size_t r, size_t g, size_t m);
/* y[d * nreps + r] of one (alternative, group, metric) into y (ndraws x nreps). */
void kou_unc_series(const kou_unc_data *u, size_t a, size_t g, size_t m, double *y);
/* The paired % change per draw of alternative a against alternative 0:
** 100 (mean_a - mean_0) / mean_0 over the draw's replications (NaN when
** undefined). */
void kou_unc_pct_change(const kou_unc_data *u, size_t a, size_t g, size_t m, double *pct);

#endif
