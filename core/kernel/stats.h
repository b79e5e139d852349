/*
** stats.h — the statistics a simulation collects: tallies of observations
** (count, mean and variance by Welford's method, min, max), time-weighted
** averages of a level that changes over time (queue length, busy servers),
** exact quantiles over kept samples, approximate quantiles in bounded
** memory (kou_qsketch), fixed-bin histograms, and Student-t confidence
** intervals over replications or batch means.
**
** kou_tally and kou_timeavg are plain structs meant to be embedded in the
** objects that own them (a resource embeds its queue-length average); they
** allocate nothing. kou_sample, kou_qsketch and kou_histogram own heap
** memory and are released with their _fini. None of these take a kou_sim: they are pure
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

/* ---- quantile sketch: approximate quantiles in bounded memory ----
**
** For non-negative durations (hours in the model, but any unit works) over
** runs too long to keep every value. A histogram whose buckets follow the
** binary representation of doubles: one bucket for exact zeros; one for
** (0, 2^-20); then each binade [2^e, 2^(e+1)), e = -20 .. 19, split into
** 1024 equal buckets [2^e (1 + s/1024), 2^e (1 + (s+1)/1024)); one for
** [2^20, +inf). In hours that is 3.4 ms to 1,048,576 h (120 years). The
** bucket of a value is computed exactly (frexp, no logarithm), so the
** counts, and hence the quantiles, are the same on every platform with
** IEEE doubles. The exact count, minimum and maximum are kept too.
**
** Quantile rule: as kou_sample_quantile (h = p (n - 1), linear
** interpolation between the order statistics at floor(h) and floor(h)+1),
** with each order statistic estimated as follows: the first is the exact
** minimum, the last the exact maximum, one in the zero bucket is 0; any
** other is placed inside its bucket, narrowed to [min, max], at the
** position of its rank among the bucket's c values ((j + 1/2) / c of the
** way).
**
** Error bound. An order statistic x in [2^-20, 2^20) lies in the same
** bucket as its estimate, whose width is at most x / 1024, so
**     |estimate - x| < x / 1024 (0.0977 %),
** and the interpolation between two such order statistics keeps the bound
** relative to the exact quantile. The minimum, the maximum, zeros and a
** point mass are exact. An order statistic in (0, 2^-20) is within 2^-20
** (absolute); one at or above 2^20 is between 2^20 and the maximum. So
** for hours: relative error below 0.1 % from 3.4 ms to 120 years (plus a
** few ulps of rounding).
**
** Memory. A binade's 1024 counters (8 KB) are allocated when the first
** value falls in it, so a sketch holds sizeof(kou_qsketch) (under 1 KB)
** plus 8 KB per binade its values reach, whatever their number: durations
** from 1 minute to 1,000 hours (16 binades) take 129 KB; the most is
** KOU_QSKETCH_MAX_BYTES (321 KB, values spread over 12 decades). Adding
** never allocates once the binades are in use.
**
** Mergeable: merging sketches gives exactly the counts (and so the
** quantiles) of one sketch fed with all their values. */
#define KOU_QSKETCH_SUB_BITS 10
#define KOU_QSKETCH_SUBS (1 << KOU_QSKETCH_SUB_BITS) /* buckets per binade */
#define KOU_QSKETCH_EXP_MIN (-20)                   /* first binade [2^-20, 2^-19) */
#define KOU_QSKETCH_EXP_END 20                      /* values >= 2^20: overflow bucket */
#define KOU_QSKETCH_BINADES (KOU_QSKETCH_EXP_END - KOU_QSKETCH_EXP_MIN)
/* Relative error bound of a quantile within [2^-20, 2^20): 2^-10. */
#define KOU_QSKETCH_REL_ERROR (1.0 / KOU_QSKETCH_SUBS)

typedef struct kou_qsketch {
    uint64_t n;             /* values added */
    uint64_t zero;          /* values == 0 */
    uint64_t small;         /* values in (0, 2^-20) */
    uint64_t large;         /* values >= 2^20 */
    double min, max;        /* exact; NaN while n == 0 */
    uint64_t binade_n[KOU_QSKETCH_BINADES];
    uint64_t *binade[KOU_QSKETCH_BINADES]; /* KOU_QSKETCH_SUBS counters, or NULL while empty */
} kou_qsketch;

#define KOU_QSKETCH_MAX_BYTES \
    (sizeof(kou_qsketch) + (size_t)KOU_QSKETCH_BINADES * KOU_QSKETCH_SUBS * sizeof(uint64_t))

void kou_qsketch_init(kou_qsketch *q);
void kou_qsketch_fini(kou_qsketch *q); /* releases; q is then empty (init) */
/* x must be finite and >= 0 (KOU_CHECK: NaN, negative values and
** infinities abort; -0 counts as 0). Filter missing values before. */
void kou_qsketch_add(kou_qsketch *q, double x);
/* Adds b's values into a (a == b doubles every count). */
void kou_qsketch_merge(kou_qsketch *a, const kou_qsketch *b);
/* p in [0,1] (KOU_CHECK); NaN when empty. See the rule and bound above. */
double kou_qsketch_quantile(const kou_qsketch *q, double p);
/* Heap and struct bytes held: sizeof + 8 KB per binade in use. */
size_t kou_qsketch_bytes(const kou_qsketch *q);

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
