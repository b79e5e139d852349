/*
** stats.h — the statistics a simulation collects: tallies of observations
** (count, mean and variance by Welford's method, min, max), time-weighted
** averages of a level that changes over time (queue length, busy servers),
** exact quantiles over kept samples, fixed-bin histograms, and Student-t
** confidence intervals over replications or batch means.
**
** kou_tally and kou_timeavg are plain structs meant to be embedded in the
** objects that own them (a resource embeds its queue-length average); they
** allocate nothing. kou_sample and kou_histogram own heap memory and are
** released with their _fini. None of these take a kou_sim: they are pure
** data structures, usable from any thread.
*/
#ifndef KOUAN_KERNEL_STATS_H
#define KOUAN_KERNEL_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"

/* ---- tally: observations ---- */
typedef struct kou_tally {
    uint64_t n;
    double mean, m2; /* Welford: running mean and sum of squared deviations */
    double min, max; /* NaN while n == 0 */
} kou_tally;

void kou_tally_init(kou_tally *t);
void kou_tally_add(kou_tally *t, double x);
/* Adds b's observations into a (Chan et al.'s pairwise combination). */
void kou_tally_merge(kou_tally *a, const kou_tally *b);
double kou_tally_mean(const kou_tally *t);     /* NaN when n == 0 */
double kou_tally_variance(const kou_tally *t); /* sample variance, n-1; NaN when n < 2 */
double kou_tally_sd(const kou_tally *t);

/* ---- time-weighted average of a level ---- */
typedef struct kou_timeavg {
    double level;       /* current value */
    kou_time since;     /* time the current value was set */
    kou_time start;     /* start of the observation window */
    double area, area2; /* integrals of level and level^2 over [start, since] */
    double min, max;    /* extremes of the level over the window */
} kou_timeavg;

void kou_timeavg_init(kou_timeavg *a, kou_time t0, double level);
/* The level changes to 'level' at time t. t >= the last change (a->since)
** is a precondition (KOU_CHECK); equal times are allowed. */
void kou_timeavg_set(kou_timeavg *a, kou_time t, double level);
void kou_timeavg_add(kou_timeavg *a, kou_time t, double delta);
/* Starts a new window at t keeping the current level (warm-up deletion). */
void kou_timeavg_reset(kou_timeavg *a, kou_time t);
/* Mean and (time-weighted, population) variance of the level over
** [start, now]; NaN for an empty window (now == start). Requires
** now >= a->since (KOU_CHECK). */
double kou_timeavg_mean(const kou_timeavg *a, kou_time now);
double kou_timeavg_variance(const kou_timeavg *a, kou_time now);

/* ---- samples kept for exact quantiles ---- */
typedef struct kou_sample {
    double *x;
    size_t n, cap;
    int sorted;
} kou_sample;

void kou_sample_init(kou_sample *s);
void kou_sample_fini(kou_sample *s);
void kou_sample_add(kou_sample *s, double x);
/* p in [0,1] (a precondition, KOU_CHECK); linear interpolation between
** order statistics at h = p (n - 1) (as numpy's default and GSL's
** gsl_stats_quantile_from_sorted_data). NaN when empty. Sorts the kept
** values in place on the first call after an out-of-order add; NaN values
** sort last. */
double kou_sample_quantile(kou_sample *s, double p);

/* ---- histogram with fixed-width bins over [lo, hi) ---- */
typedef struct kou_histogram {
    double lo, hi;
    size_t nbins;
    uint64_t *count;
    uint64_t under, over; /* below lo / at or above hi */
} kou_histogram;

/* Requires lo < hi, hi - lo finite and nbins >= 1 (KOU_EINVAL otherwise,
** with h zeroed so that kou_histogram_fini is still safe). Bin k covers
** [lo + (hi-lo) k/nbins, lo + (hi-lo) (k+1)/nbins), edges computed exactly
** that way so a value equal to a computed edge falls in the upper bin. */
kou_status kou_histogram_init(kou_histogram *h, double lo, double hi, size_t nbins);
void kou_histogram_fini(kou_histogram *h);
/* x must not be NaN (KOU_CHECK); -inf counts under, +inf over. */
void kou_histogram_add(kou_histogram *h, double x);

/* ---- confidence intervals ---- */
typedef struct kou_ci {
    size_t n;         /* number of values (replications or batches) */
    double mean, sd;  /* sd: sample standard deviation of the values */
    double half;      /* half-width: t_{n-1, (1+level)/2} * sd / sqrt(n) */
    double lo, hi;    /* mean -+ half */
} kou_ci;

/* Student-t interval for the mean of n independent values (n >= 2,
** 0 < level < 1; otherwise every double field is NaN and .n = n). */
kou_ci kou_ci_student(const double *x, size_t n, double level);
/* Batch means: splits x (in time order) into nbatch equal consecutive
** batches (the first n % nbatch values are dropped) and returns the
** Student-t interval over the batch means; .n is nbatch. Needs
** nbatch >= 2 and n >= nbatch (NaN fields otherwise). */
kou_ci kou_ci_batch_means(const double *x, size_t n, size_t nbatch, double level);

#endif
