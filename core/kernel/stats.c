/*
** stats.c — tallies, time-weighted averages, kept samples, histograms and
** Student-t confidence intervals (see stats.h).
**
** Numerics: tallies use Welford's update and Chan et al.'s pairwise merge,
** so the variance stays accurate for values with a large common offset
** (1e9 + small), where the textbook sum-of-squares formula cancels. The
** time average keeps the integrals the header exposes (area, area2); its
** variance is area2/T - mean^2, clamped at zero. The quantile sketch
** finds a value's bucket with frexp and exact arithmetic only, and its
** bucket edges with ldexp, so its results do not depend on the libm.
**
** GSL is used here only for the Student-t quantile.
*/
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

/* NAN is a float in <math.h>; spelled as a double to keep -Wdouble-promotion quiet. */
#define DNAN ((double)NAN)

/* ---- tally ---- */

void kou_tally_init(kou_tally *t)
{
    KOU_CHECK(t != NULL);
    t->n = 0;
    t->mean = 0.0;
    t->m2 = 0.0;
    t->min = DNAN;
    t->max = DNAN;
}

void kou_tally_add(kou_tally *t, double x)
{
    t->n++;
    if (t->n == 1) {
        t->mean = x;
        t->m2 = 0.0;
        t->min = x;
        t->max = x;
        return;
    }
    double d = x - t->mean;
    t->mean += d / (double)t->n;
    t->m2 += d * (x - t->mean);
    if (x < t->min)
        t->min = x;
    if (x > t->max)
        t->max = x;
}

void kou_tally_merge(kou_tally *a, const kou_tally *b)
{
    KOU_CHECK(a != NULL && b != NULL);
    if (b->n == 0)
        return;
    if (a->n == 0) {
        *a = *b;
        return;
    }
    double na = (double)a->n, nb = (double)b->n, n = na + nb;
    double d = b->mean - a->mean;
    a->mean += d * (nb / n);
    a->m2 += b->m2 + d * d * (na * nb / n);
    a->n += b->n;
    if (b->min < a->min)
        a->min = b->min;
    if (b->max > a->max)
        a->max = b->max;
}

double kou_tally_mean(const kou_tally *t)
{
    return t->n == 0 ? DNAN : t->mean;
}

double kou_tally_variance(const kou_tally *t)
{
    if (t->n < 2)
        return DNAN;
    double v = t->m2 / (double)(t->n - 1);
    return v > 0.0 ? v : 0.0;
}

double kou_tally_sd(const kou_tally *t)
{
    return sqrt(kou_tally_variance(t));
}

/* ---- time-weighted average ---- */

void kou_timeavg_init(kou_timeavg *a, kou_time t0, double level)
{
    KOU_CHECK(a != NULL);
    a->level = level;
    a->since = t0;
    a->start = t0;
    a->area = 0.0;
    a->area2 = 0.0;
    a->min = level;
    a->max = level;
}

/* Integrates the current level from a->since to t. */
static void advance(kou_timeavg *a, kou_time t)
{
    double dt = t - a->since;
    a->area += a->level * dt;
    a->area2 += a->level * a->level * dt;
    a->since = t;
}

void kou_timeavg_set(kou_timeavg *a, kou_time t, double level)
{
    KOU_CHECK(t >= a->since); /* also rejects a NaN time */
    advance(a, t);
    a->level = level;
    if (level < a->min)
        a->min = level;
    if (level > a->max)
        a->max = level;
}

void kou_timeavg_add(kou_timeavg *a, kou_time t, double delta)
{
    kou_timeavg_set(a, t, a->level + delta);
}

void kou_timeavg_reset(kou_timeavg *a, kou_time t)
{
    KOU_CHECK(t >= a->since);
    kou_timeavg_init(a, t, a->level);
}

double kou_timeavg_mean(const kou_timeavg *a, kou_time now)
{
    KOU_CHECK(now >= a->since);
    double T = now - a->start;
    if (!(T > 0.0))
        return DNAN;
    double area = a->area + a->level * (now - a->since);
    return area / T;
}

double kou_timeavg_variance(const kou_timeavg *a, kou_time now)
{
    KOU_CHECK(now >= a->since);
    double T = now - a->start;
    if (!(T > 0.0))
        return DNAN;
    double dt = now - a->since;
    double m = (a->area + a->level * dt) / T;
    double v = (a->area2 + a->level * a->level * dt) / T - m * m;
    return v > 0.0 ? v : 0.0;
}

/* ---- samples ---- */

void kou_sample_init(kou_sample *s)
{
    KOU_CHECK(s != NULL);
    s->x = NULL;
    s->n = 0;
    s->cap = 0;
    s->sorted = 1;
}

void kou_sample_fini(kou_sample *s)
{
    if (!s)
        return;
    free(s->x);
    kou_sample_init(s);
}

void kou_sample_add(kou_sample *s, double x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        KOU_CHECK(cap > s->cap && cap <= SIZE_MAX / sizeof *s->x);
        s->x = koui_realloc(s->x, cap * sizeof *s->x);
        s->cap = cap;
    }
    /* Written so that a NaN on either side also clears 'sorted'. */
    if (s->n > 0 && !(x >= s->x[s->n - 1]))
        s->sorted = 0;
    s->x[s->n++] = x;
}

/* Ascending, NaN last (so a NaN cannot break qsort's ordering). */
static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    if (isnan(a))
        return isnan(b) ? 0 : 1;
    if (isnan(b))
        return -1;
    return (a > b) - (a < b);
}

double kou_sample_quantile(kou_sample *s, double p)
{
    KOU_CHECK(p >= 0.0 && p <= 1.0);
    if (s->n == 0)
        return DNAN;
    if (!s->sorted) {
        qsort(s->x, s->n, sizeof *s->x, cmp_double);
        s->sorted = 1;
    }
    /* Same rule as gsl_stats_quantile_from_sorted_data: h = p (n - 1). */
    double h = p * (double)(s->n - 1);
    size_t lhs = (size_t)h;
    if (lhs >= s->n - 1)
        return s->x[s->n - 1];
    double delta = h - (double)lhs;
    if (delta == 0.0)
        return s->x[lhs];
    return (1.0 - delta) * s->x[lhs] + delta * s->x[lhs + 1];
}

/* ---- quantile sketch ---- */

void kou_qsketch_init(kou_qsketch *q)
{
    KOU_CHECK(q != NULL);
    memset(q, 0, sizeof *q); /* the binade pointers: NULL on every platform we build for */
    for (int i = 0; i < KOU_QSKETCH_BINADES; i++)
        q->binade[i] = NULL;
    q->min = DNAN;
    q->max = DNAN;
}

void kou_qsketch_fini(kou_qsketch *q)
{
    if (!q)
        return;
    for (int i = 0; i < KOU_QSKETCH_BINADES; i++)
        free(q->binade[i]);
    kou_qsketch_init(q);
}

static uint64_t *qs_binade(kou_qsketch *q, int i)
{
    if (!q->binade[i])
        q->binade[i] = koui_calloc(KOU_QSKETCH_SUBS, sizeof *q->binade[i]);
    return q->binade[i];
}

void kou_qsketch_add(kou_qsketch *q, double x)
{
    KOU_CHECK(x >= 0.0 && x <= DBL_MAX); /* also rejects NaN and +inf */
    if (q->n == 0) {
        q->min = x;
        q->max = x;
    } else {
        if (x < q->min)
            q->min = x;
        if (x > q->max)
            q->max = x;
    }
    q->n++;
    if (x == 0.0) {
        q->zero++;
        return;
    }
    int e;
    double m = frexp(x, &e); /* x = m 2^e, m in [0.5, 1): binade e - 1 */
    int i = e - 1 - KOU_QSKETCH_EXP_MIN;
    if (i < 0) {
        q->small++;
        return;
    }
    if (i >= KOU_QSKETCH_BINADES) {
        q->large++;
        return;
    }
    /* 2m - 1 in [0, 1) is exact, and so is its product by 1024. */
    size_t s = (size_t)((2.0 * m - 1.0) * (double)KOU_QSKETCH_SUBS);
    qs_binade(q, i)[s]++;
    q->binade_n[i]++;
}

void kou_qsketch_merge(kou_qsketch *a, const kou_qsketch *b)
{
    KOU_CHECK(a != NULL && b != NULL);
    if (b->n == 0)
        return;
    if (a->n == 0) {
        a->min = b->min;
        a->max = b->max;
    } else {
        if (b->min < a->min)
            a->min = b->min;
        if (b->max > a->max)
            a->max = b->max;
    }
    a->n += b->n;
    a->zero += b->zero;
    a->small += b->small;
    a->large += b->large;
    for (int i = 0; i < KOU_QSKETCH_BINADES; i++) {
        if (b->binade_n[i] == 0)
            continue;
        uint64_t *c = qs_binade(a, i);
        const uint64_t *d = b->binade[i];
        for (size_t s = 0; s < KOU_QSKETCH_SUBS; s++)
            c[s] += d[s];
        a->binade_n[i] += b->binade_n[i];
    }
}

/* The j-th (0-based) of c values in a bucket [lo, hi), narrowed to the
** exact [min, max]. */
static double qs_place(const kou_qsketch *q, double lo, double hi, uint64_t j, uint64_t c)
{
    if (lo < q->min)
        lo = q->min;
    if (hi > q->max)
        hi = q->max;
    double x = lo + (hi - lo) * (((double)j + 0.5) / (double)c);
    return x < lo ? lo : x > hi ? hi : x;
}

/* Estimate of the k-th (0-based) order statistic, k < n. */
static double qs_order_stat(const kou_qsketch *q, uint64_t k)
{
    if (k == 0)
        return q->min;
    if (k >= q->n - 1)
        return q->max;
    if (k < q->zero)
        return 0.0;
    k -= q->zero;
    if (k < q->small)
        return qs_place(q, 0.0, ldexp(1.0, KOU_QSKETCH_EXP_MIN), k, q->small);
    k -= q->small;
    for (int i = 0; i < KOU_QSKETCH_BINADES; i++) {
        if (k >= q->binade_n[i]) {
            k -= q->binade_n[i];
            continue;
        }
        const uint64_t *c = q->binade[i];
        int e = KOU_QSKETCH_EXP_MIN + i;
        size_t s = 0;
        while (k >= c[s]) { /* binade_n[i] is the sum of c[], so this stops in the binade */
            k -= c[s];
            s++;
            KOU_CHECK(s < KOU_QSKETCH_SUBS);
        }
        double lo = ldexp(1.0 + (double)s / KOU_QSKETCH_SUBS, e);
        double hi = ldexp(1.0 + (double)(s + 1) / KOU_QSKETCH_SUBS, e);
        return qs_place(q, lo, hi, k, c[s]);
    }
    KOU_CHECK(k < q->large);
    return qs_place(q, ldexp(1.0, KOU_QSKETCH_EXP_END), q->max, k, q->large);
}

double kou_qsketch_quantile(const kou_qsketch *q, double p)
{
    KOU_CHECK(q != NULL && p >= 0.0 && p <= 1.0);
    if (q->n == 0)
        return DNAN;
    /* The rule of kou_sample_quantile, on estimated order statistics. */
    double h = p * (double)(q->n - 1);
    uint64_t lhs = (uint64_t)h;
    if (lhs >= q->n - 1)
        return q->max;
    double delta = h - (double)lhs;
    double xl = qs_order_stat(q, lhs);
    if (delta == 0.0)
        return xl;
    return (1.0 - delta) * xl + delta * qs_order_stat(q, lhs + 1);
}

size_t kou_qsketch_bytes(const kou_qsketch *q)
{
    KOU_CHECK(q != NULL);
    size_t bytes = sizeof *q;
    for (int i = 0; i < KOU_QSKETCH_BINADES; i++)
        if (q->binade[i])
            bytes += KOU_QSKETCH_SUBS * sizeof *q->binade[i];
    return bytes;
}

/* ---- histogram ---- */

kou_status kou_histogram_init(kou_histogram *h, double lo, double hi, size_t nbins)
{
    KOU_CHECK(h != NULL);
    memset(h, 0, sizeof *h);
    if (!(lo < hi) || !isfinite(hi - lo) || nbins < 1)
        return KOU_EINVAL;
    h->lo = lo;
    h->hi = hi;
    h->nbins = nbins;
    h->count = koui_calloc(nbins, sizeof *h->count);
    return KOU_OK;
}

void kou_histogram_fini(kou_histogram *h)
{
    if (!h)
        return;
    free(h->count);
    memset(h, 0, sizeof *h);
}

/* Lower edge of bin k (k = nbins gives hi exactly). */
static double edge(const kou_histogram *h, size_t k)
{
    if (k == 0)
        return h->lo;
    if (k >= h->nbins)
        return h->hi;
    double e = h->lo + (h->hi - h->lo) * ((double)k / (double)h->nbins);
    return e < h->hi ? e : h->hi;
}

void kou_histogram_add(kou_histogram *h, double x)
{
    KOU_CHECK(h->count != NULL);
    KOU_CHECK(!isnan(x));
    if (x < h->lo) {
        h->under++;
        return;
    }
    if (x >= h->hi) {
        h->over++;
        return;
    }
    double f = (x - h->lo) / (h->hi - h->lo) * (double)h->nbins;
    size_t k = f < (double)h->nbins ? (size_t)f : h->nbins - 1;
    /* Make the bin agree with edge() despite rounding in f. */
    while (k > 0 && x < edge(h, k))
        k--;
    while (k + 1 < h->nbins && x >= edge(h, k + 1))
        k++;
    h->count[k]++;
}

/* ---- confidence intervals ---- */

static kou_ci ci_nan(size_t n)
{
    kou_ci ci = {n, DNAN, DNAN, DNAN, DNAN, DNAN};
    return ci;
}

kou_ci kou_ci_student(const double *x, size_t n, double level)
{
    if (n < 2 || !(level > 0.0 && level < 1.0))
        return ci_nan(n);
    KOU_CHECK(x != NULL);
    kou_tally t;
    kou_tally_init(&t);
    for (size_t i = 0; i < n; i++)
        kou_tally_add(&t, x[i]);
    kou_ci ci;
    ci.n = n;
    ci.mean = kou_tally_mean(&t);
    ci.sd = kou_tally_sd(&t);
    double q = gsl_cdf_tdist_Pinv(0.5 * (1.0 + level), (double)(n - 1));
    ci.half = q * ci.sd / sqrt((double)n);
    ci.lo = ci.mean - ci.half;
    ci.hi = ci.mean + ci.half;
    return ci;
}

kou_ci kou_ci_batch_means(const double *x, size_t n, size_t nbatch, double level)
{
    if (nbatch < 2 || n < nbatch || !(level > 0.0 && level < 1.0))
        return ci_nan(nbatch);
    KOU_CHECK(x != NULL);
    size_t b = n / nbatch;
    const double *p = x + n % nbatch;
    double *means = koui_malloc(nbatch * sizeof *means);
    for (size_t j = 0; j < nbatch; j++) {
        kou_tally t;
        kou_tally_init(&t);
        for (size_t i = 0; i < b; i++)
            kou_tally_add(&t, p[j * b + i]);
        means[j] = t.mean;
    }
    kou_ci ci = kou_ci_student(means, nbatch, level);
    free(means);
    return ci;
}
