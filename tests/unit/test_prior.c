/*
** exp/prior.c: the quantiles of every shape against formulas worked out
** here independently (the CDF of the returned value gives u back: by hand
** for triangular, GSL's beta CDF for pert, Phi for the truncated normal;
** closed forms for uniform, loguniform, the triangular median and a pert
** at its low end), the ends u = 0 and 1, the mean against the integral of
** the quantile function (midpoint rule), the refusals of kou_prior_check
** with their messages, kou_prior_same, and the row text.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "exp/prior.h"
#include "../tap/tap.h"

static kou_prior mk(kou_prior_shape s, double lo, double hi, double mode, double mean, double sd)
{
    kou_prior p = {.shape = s, .lo = lo, .hi = hi, .mode = mode, .mean = mean, .sd = sd};
    return p;
}
#define UNIFORM(lo, hi) mk(KOU_PRIOR_UNIFORM, lo, hi, NAN, NAN, NAN)
#define TRI(lo, hi, m) mk(KOU_PRIOR_TRIANGULAR, lo, hi, m, NAN, NAN)
#define PERT(lo, hi, m) mk(KOU_PRIOR_PERT, lo, hi, m, NAN, NAN)
#define LOGU(lo, hi) mk(KOU_PRIOR_LOGUNIFORM, lo, hi, NAN, NAN, NAN)
#define NORMAL(lo, hi, mu, s) mk(KOU_PRIOR_NORMAL, lo, hi, NAN, mu, s)

#define GRID 1000 /* u = i / GRID */

/* The triangular CDF, from the density 2(x-a)/((b-a)(c-a)) rising to c,
** 2(b-x)/((b-a)(b-c)) falling after it. */
static double tri_cdf(double a, double c, double b, double x)
{
    if (x <= a)
        return 0;
    if (x >= b)
        return 1;
    if (x < c)
        return (x - a) * (x - a) / ((b - a) * (c - a));
    return 1 - (b - x) * (b - x) / ((b - a) * (b - c));
}

/* The truncated normal's CDF, from the tail nearer the range so that a
** range far in the upper tail keeps its digits. */
static double tnorm_cdf(const kou_prior *p, double x)
{
    double za = (p->lo - p->mean) / p->sd, zb = (p->hi - p->mean) / p->sd, z = (x - p->mean) / p->sd;
    if (za > 0)
        return (gsl_cdf_ugaussian_Q(za) - gsl_cdf_ugaussian_Q(z)) /
               (gsl_cdf_ugaussian_Q(za) - gsl_cdf_ugaussian_Q(zb));
    return (gsl_cdf_ugaussian_P(z) - gsl_cdf_ugaussian_P(za)) / (gsl_cdf_ugaussian_P(zb) - gsl_cdf_ugaussian_P(za));
}

static double pert_cdf(const kou_prior *p, double x)
{
    double a = p->lo, b = p->hi, m = p->mode;
    double alpha = 1 + 4 * (m - a) / (b - a), beta = 1 + 4 * (b - m) / (b - a);
    return gsl_cdf_beta_P((x - a) / (b - a), alpha, beta);
}

/* The largest |F(Q(u)) - u| over the grid, with every Q(u) in the range
** and nondecreasing in u (else +inf). */
static double cdf_error(const kou_prior *p, double (*cdf)(const kou_prior *, double))
{
    double worst = 0, last = -INFINITY;
    for (int i = 0; i <= GRID; i++) {
        double u = (double)i / GRID, x = kou_prior_quantile(p, u);
        if (!(x >= p->lo && x <= p->hi && x >= last))
            return INFINITY;
        last = x;
        double e = fabs(cdf(p, x) - u);
        worst = e > worst ? e : worst;
    }
    return worst;
}

static double tri_cdf_p(const kou_prior *p, double x)
{
    return tri_cdf(p->lo, p->mode, p->hi, x);
}

/* The mean as the integral of the quantile function over (0, 1). */
static double integrated_mean(const kou_prior *p)
{
    const int n = 100000;
    double s = 0;
    for (int i = 0; i < n; i++)
        s += kou_prior_quantile(p, (i + 0.5) / n);
    return s / n;
}

static void test_uniform(void)
{
    kou_prior p = UNIFORM(0.05, 0.15);
    double worst = 0;
    for (int i = 0; i <= GRID; i++) {
        double u = (double)i / GRID, e = fabs(kou_prior_quantile(&p, u) - (0.05 + u * 0.1));
        worst = e > worst ? e : worst;
    }
    ok(worst < 1e-15, "uniform 0.05..0.15: Q(u) = lo + u (hi - lo) (worst %g)", worst);
    ok(kou_prior_central(&p) == 0.5 * (0.05 + 0.15), "uniform: the central value is exactly (lo + hi) / 2");
    kou_prior q = UNIFORM(-3, 7);
    is_double(kou_prior_quantile(&q, 0.25), -0.5, 1e-15, "uniform -3..7: Q(0.25) = -0.5");
}

static void test_triangular(void)
{
    const double modes[] = {0, 0.1, 0.3, 0.35, 0.5}; /* in 0..0.5, both ends included */
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        kou_prior p = TRI(0, 0.5, modes[i]);
        double e = cdf_error(&p, tri_cdf_p);
        ok(e < 1e-12, "triangular 0..0.5 mode %g: F(Q(u)) = u over u = 0, 0.001, ..., 1 (worst %g)", modes[i], e);
        /* the median: on the long side of the mode */
        double a = p.lo, b = p.hi, c = p.mode;
        double med = c >= (a + b) / 2 ? a + sqrt((b - a) * (c - a) / 2) : b - sqrt((b - a) * (b - c) / 2);
        is_double(kou_prior_central(&p), med, 1e-14, "triangular 0..0.5 mode %g: median %.12g", c, med);
    }
    kou_prior p = TRI(0.2, 0.5, 0.3);
    /* F(0.3) = (0.3 - 0.2) / (0.5 - 0.2) = 1/3 */
    is_double(kou_prior_quantile(&p, 1.0 / 3), 0.3, 1e-14, "triangular 0.2..0.5 mode 0.3: Q(1/3) is the mode");
    is_double(kou_prior_central(&p), 0.5 - sqrt(0.3 * 0.2 / 2), 1e-14,
              "triangular 0.2..0.5 mode 0.3: median 0.5 - sqrt(0.03)");
}

static void test_pert(void)
{
    const double modes[] = {2, 3, 5, 7.5, 11};
    for (size_t i = 0; i < sizeof modes / sizeof *modes; i++) {
        kou_prior p = PERT(2, 11, modes[i]);
        double e = cdf_error(&p, pert_cdf);
        ok(e < 1e-9, "pert 2..11 mode %g: the beta CDF of Q(u) is u (worst %g)", modes[i], e);
    }
    /* mode at lo: alpha 1, beta 5, F(y) = 1 - (1 - y)^5, Q(u) = 1 - (1 - u)^(1/5) */
    kou_prior p = PERT(2, 11, 2);
    double worst = 0;
    for (int i = 0; i <= GRID; i++) {
        double u = (double)i / GRID, e = fabs(kou_prior_quantile(&p, u) - (2 + 9 * (1 - pow(1 - u, 0.2))));
        worst = e > worst ? e : worst;
    }
    ok(worst < 1e-9, "pert 2..11 mode 2 is Beta(1, 5): Q(u) = lo + (hi-lo)(1 - (1-u)^(1/5)) (worst %g)", worst);
    kou_prior s = PERT(0.2, 0.6, 0.4);
    is_double(kou_prior_central(&s), 0.4, 1e-12, "pert with the mode in the middle: the median is the mode");
}

static void test_loguniform(void)
{
    kou_prior p = LOGU(10, 1000);
    double worst = 0;
    for (int i = 0; i <= GRID; i++) {
        double u = (double)i / GRID, x = kou_prior_quantile(&p, u);
        /* log10 x is uniform on 1..3 */
        double e = fabs(log10(x) - (1 + 2 * u));
        worst = e > worst ? e : worst;
    }
    ok(worst < 1e-13, "loguniform 10..1000: log10 Q(u) = 1 + 2u (worst %g)", worst);
    is_double(kou_prior_central(&p), 100, 1e-11, "loguniform 10..1000: median sqrt(10 * 1000) = 100");
    kou_prior q = LOGU(0.5, 8);
    is_double(kou_prior_central(&q), 2, 1e-14, "loguniform 0.5..8: median 2");
}

static void test_normal(void)
{
    const kou_prior cases[] = {
        NORMAL(2, 6, 4, 1),     /* symmetric */
        NORMAL(0, 10, 3, 2),    /* mean off the middle */
        NORMAL(2, 3, 0, 1),     /* mean below the range: a tail */
        NORMAL(-9, -8, 0, 1.5), /* mean above the range */
        NORMAL(0, 1, 0.5, 100), /* nearly uniform */
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const kou_prior *p = &cases[i];
        double e = cdf_error(p, tnorm_cdf);
        ok(e < 1e-9, "normal mean %g sd %g in %g..%g: F(Q(u)) = u (worst %g)", p->mean, p->sd, p->lo, p->hi, e);
    }
    is_double(kou_prior_central(&cases[0]), 4, 1e-12, "normal mean 4 sd 1 in 2..6: median 4");
    kou_prior far = NORMAL(5, 6, 0, 1); /* P(5..6) = 2.9e-7: a range far in the upper tail */
    double e = cdf_error(&far, tnorm_cdf);
    ok(e < 1e-6, "normal mean 0 sd 1 in 5..6 (far in the tail): F(Q(u)) = u (worst %g)", e);
}

static void test_ends(void)
{
    const kou_prior all[] = {UNIFORM(0.05, 0.15), TRI(0.2, 0.5, 0.3), TRI(0.2, 0.5, 0.2), PERT(2, 11, 5),
                             PERT(2, 11, 11), LOGU(10, 1000), NORMAL(2, 6, 4, 1), NORMAL(5, 6, 0, 1)};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        const kou_prior *p = &all[i];
        char d[160];
        kou_prior_describe(p, d, sizeof d);
        ok(kou_prior_quantile(p, 0) == p->lo && kou_prior_quantile(p, 1) == p->hi, "%s: Q(0) = lo, Q(1) = hi", d);
        ok(kou_prior_quantile(p, -0.5) == p->lo && kou_prior_quantile(p, 1.5) == p->hi,
           "%s: u outside 0..1 is taken as its end", d);
    }
}

static void test_mean(void)
{
    const kou_prior all[] = {UNIFORM(0.05, 0.15), UNIFORM(-3, 7),  TRI(0.2, 0.5, 0.3),     TRI(0, 1, 0),
                             TRI(0, 1, 1),        PERT(2, 11, 5),  PERT(2, 11, 2),         PERT(0.2, 0.6, 0.4),
                             LOGU(10, 1000),      LOGU(0.5, 8),    NORMAL(2, 6, 4, 1),     NORMAL(0, 10, 3, 2),
                             NORMAL(2, 3, 0, 1),  NORMAL(-9, -8, 0, 1.5)};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        const kou_prior *p = &all[i];
        char d[160];
        kou_prior_describe(p, d, sizeof d);
        double want = integrated_mean(p), got = kou_prior_mean(p);
        is_double(got, want, 1e-6 * (p->hi - p->lo), "%s: mean %.10g = integral of Q over 0..1 (%.10g)", d, got,
                  want);
    }
}

/* check refuses p, with a message holding want. */
static void refused(kou_prior p, const char *want, const char *what)
{
    char err[256] = "";
    bool good = kou_prior_check(&p, err, sizeof err);
    ok(!good && strstr(err, want) != NULL, "refused: %s ('%s')", what, err);
}

static void test_check(void)
{
    const kou_prior good[] = {UNIFORM(0.05, 0.15), TRI(0.2, 0.5, 0.2), TRI(0.2, 0.5, 0.5), PERT(2, 11, 5),
                              LOGU(1e-6, 1), NORMAL(2, 3, 0, 1), NORMAL(2, 6, 4, 1)};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char err[256] = "", d[160];
        kou_prior_describe(&good[i], d, sizeof d);
        ok(kou_prior_check(&good[i], err, sizeof err), "accepted: %s %s", d, err);
    }
    refused(UNIFORM(0.5, 0.5), "the range 0.5..0.5 is not a range (need finite lo < hi)", "lo = hi");
    refused(UNIFORM(0.6, 0.5), "the range 0.6..0.5 is not a range", "lo > hi");
    refused(UNIFORM(NAN, 0.5), "is not a range", "lo NaN");
    refused(UNIFORM(0, NAN), "is not a range", "hi NaN");
    refused(UNIFORM(0, INFINITY), "is not a range", "hi infinite");
    refused(TRI(0.1, 0.5, 0.9), "mode 0.9 is outside 0.1..0.5", "triangular mode above the range");
    refused(PERT(0.1, 0.5, 0.05), "mode 0.05 is outside 0.1..0.5", "pert mode below the range");
    refused(PERT(0.1, 0.5, NAN), "is outside 0.1..0.5", "pert without a mode");
    refused(LOGU(0, 10), "loguniform needs lo > 0 (got 0)", "loguniform from 0");
    refused(LOGU(-1, 10), "loguniform needs lo > 0 (got -1)", "loguniform from -1");
    refused(NORMAL(2, 6, 4, 0), "normal needs a finite mean and sd > 0 (got mean 4, sd 0)", "sd 0");
    refused(NORMAL(2, 6, 4, -1), "sd > 0 (got mean 4, sd -1)", "sd < 0");
    refused(NORMAL(2, 6, NAN, 1), "normal needs a finite mean", "mean NaN");
    refused(NORMAL(2, 6, 4, INFINITY), "normal needs a finite mean and sd > 0", "sd infinite");
    refused(NORMAL(2, 3, 100, 1), "normal mean 100 sd 1 puts no probability in 2..3", "no mass in range (above)");
    refused(NORMAL(50, 60, 0, 1), "puts no probability in 50..60", "no mass in range (below)");
}

static void test_same(void)
{
    kou_prior a = TRI(0.2, 0.5, 0.3), b = a;
    snprintf(a.name, sizeof a.name, "x");
    snprintf(b.name, sizeof b.name, "y");
    snprintf(b.where, sizeof b.where, "elsewhere.lua:3");
    b.used = 0.4;
    ok(kou_prior_same(&a, &b), "same: names, places and values used aside");
    kou_prior u1 = UNIFORM(0, 1), u2 = UNIFORM(0, 1);
    ok(kou_prior_same(&u1, &u2), "same: two uniforms (NaN mode, mean, sd on both)");
    kou_prior c = a;
    c.lo = 0.1;
    ok(!kou_prior_same(&a, &c), "not same: another lo");
    c = a;
    c.hi = 0.6;
    ok(!kou_prior_same(&a, &c), "not same: another hi");
    c = a;
    c.mode = 0.35;
    ok(!kou_prior_same(&a, &c), "not same: another mode");
    c = a;
    c.shape = KOU_PRIOR_PERT;
    ok(!kou_prior_same(&a, &c), "not same: pert against triangular");
    kou_prior n1 = NORMAL(2, 6, 4, 1), n2 = NORMAL(2, 6, 4, 1.5), n3 = NORMAL(2, 6, 3.9, 1);
    ok(!kou_prior_same(&n1, &n2) && !kou_prior_same(&n1, &n3) && kou_prior_same(&n1, &n1),
       "normal: another sd or mean is another prior");
    ok(!kou_prior_same(&u1, &n1), "not same: uniform against normal");
}

static void test_text(void)
{
    for (int s = 0; s < KOU_PRIOR_SHAPE_COUNT; s++)
        ok(kou_prior_shape_find(kou_prior_shape_name((kou_prior_shape)s)) == s, "shape '%s' found by its name",
           kou_prior_shape_name((kou_prior_shape)s));
    ok(kou_prior_shape_find("gaussian") == -1 && kou_prior_shape_find("") == -1, "an unknown shape name: -1");
    char buf[512];
    kou_prior p = UNIFORM(0.05, 0.15);
    snprintf(p.name, sizeof p.name, "advance_2017");
    snprintf(p.where, sizeof p.where, "ports.lua:93");
    snprintf(p.source, sizeof p.source, "row 10");
    p.used = kou_prior_central(&p);
    kou_prior_row_text(&p, buf, sizeof buf);
    is_string(buf, "uniform 0.05..0.15, central 0.1 (median); used 0.1; ports.lua:93; source: row 10",
              "row text: shape, central, used, place, source");
    kou_prior t = TRI(0.2, 0.5, 0.3);
    snprintf(t.where, sizeof t.where, "a.lua:1");
    t.used = 0.45;
    kou_prior_row_text(&t, buf, sizeof buf);
    char want[256];
    snprintf(want, sizeof want, "triangular 0.2..0.5 mode 0.3, central %.6g (median); used 0.45; a.lua:1",
             0.5 - sqrt(0.03));
    is_string(buf, want, "row text without a source: none; the value used, not the central one");
    kou_prior n = NORMAL(2, 6, 4, 1);
    kou_prior_describe(&n, buf, sizeof buf);
    is_string(buf, "normal mean 4 sd 1 in 2..6", "normal described with its mean, sd and range");
}

int main(void)
{
    test_uniform();
    test_triangular();
    test_pert();
    test_loguniform();
    test_normal();
    test_ends();
    test_mean();
    test_check();
    test_same();
    test_text();
    return tap_done();
}
