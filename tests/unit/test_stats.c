/*
** test_stats.c — unit tests for core/kernel/stats.c: tallies (against a
** two-pass computation, including a large common offset), merging, time
** averages of a step function, exact quantiles, the quantile sketch
** against exact quantiles (several distributions, merge, memory), histogram edges, Student-t
** intervals against table values, batch means, and the empirical coverage
** of 95% intervals.
**
** Random data come from an inline xorshift64* generator so that this test
** does not depend on the rng module.
*/
#include "kernel/stats.h"

#include <float.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap/tap.h"

/* <math.h> spells these as floats; doubles keep -Wdouble-promotion quiet. */
#define DNAN ((double)NAN)
#define DINF ((double)INFINITY)

/* ---- inline generator ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t xorshift64s(void)
{
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1Du;
}

/* Uniform on (0, 1). */
static double unif(void)
{
    return ((double)(xorshift64s() >> 11) + 0.5) * 0x1.0p-53;
}

/* Standard normal by Box-Muller (one value per call, the other discarded). */
static double normal(void)
{
    double u1 = unif(), u2 = unif();
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

/* ---- helpers ---- */

static void two_pass(const double *x, size_t n, double *mean, double *var)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double m = s / (double)n;
    double ss = 0.0, c = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = x[i] - m;
        ss += d * d;
        c += d;
    }
    *mean = m;
    *var = (ss - c * c / (double)n) / (double)(n - 1); /* corrected two-pass */
}

static bool is_rel(double got, double want, double rel, const char *name)
{
    return is_double(got, want, rel * fabs(want), "%s (got %.17g, want %.17g)", name,
                     got, want);
}

/* Runs fn in a child process; true when the child dies by SIGABRT. */
static bool aborts(void (*fn)(void))
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return false;
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid)
        return false;
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

/* ---- tally ---- */

static void test_tally_empty(void)
{
    kou_tally t;
    kou_tally_init(&t);
    is_int((int64_t)t.n, 0, "empty tally: n = 0");
    ok(isnan(kou_tally_mean(&t)), "empty tally: mean is NaN");
    ok(isnan(kou_tally_variance(&t)), "empty tally: variance is NaN");
    ok(isnan(kou_tally_sd(&t)), "empty tally: sd is NaN");
    ok(isnan(t.min) && isnan(t.max), "empty tally: min and max are NaN");

    kou_tally_add(&t, -2.5);
    is_double(kou_tally_mean(&t), -2.5, 0.0, "one value: mean is the value");
    ok(isnan(kou_tally_variance(&t)), "one value: variance is NaN (n - 1 = 0)");
    ok(t.min == -2.5 && t.max == -2.5, "one value: min = max = value");

    kou_tally_add(&t, 3.5);
    is_double(kou_tally_mean(&t), 0.5, 1e-15, "two values: mean");
    is_double(kou_tally_variance(&t), 18.0, 1e-13, "two values: variance (n-1)");
    is_double(kou_tally_sd(&t), sqrt(18.0), 1e-13, "two values: sd");
}

#define NDATA 1000

static void test_tally_vs_two_pass(void)
{
    static double x[NDATA];
    kou_tally t;
    kou_tally_init(&t);
    double mn = DINF, mx = -DINF;
    for (size_t i = 0; i < NDATA; i++) {
        x[i] = 10.0 * unif() - 3.0 + (i % 7 == 0 ? 50.0 : 0.0);
        kou_tally_add(&t, x[i]);
        mn = fmin(mn, x[i]);
        mx = fmax(mx, x[i]);
    }
    double m, v;
    two_pass(x, NDATA, &m, &v);
    is_int((int64_t)t.n, NDATA, "tally: n");
    is_rel(kou_tally_mean(&t), m, 1e-13, "tally: mean = two-pass mean");
    is_rel(kou_tally_variance(&t), v, 1e-12, "tally: variance = two-pass variance");
    ok(t.min == mn, "tally: min");
    ok(t.max == mx, "tally: max");
}

static void test_tally_offset(void)
{
    static double x[NDATA], u[NDATA];
    const double off = 1e9;
    kou_tally t;
    kou_tally_init(&t);
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < NDATA; i++) {
        x[i] = off + unif();
        u[i] = x[i] - off; /* exact (Sterbenz) */
        kou_tally_add(&t, x[i]);
        s += x[i];
        ss += x[i] * x[i];
    }
    double m, v;
    two_pass(u, NDATA, &m, &v); /* reference on the shifted, exact values */
    double naive = (ss - s * s / NDATA) / (NDATA - 1);

    is_rel(kou_tally_mean(&t), off + m, 1e-15, "offset 1e9: mean");
    is_rel(kou_tally_variance(&t), v, 1e-6, "offset 1e9: variance accurate (Welford)");
    ok(fabs(naive - v) > 0.1 * v,
       "offset 1e9: naive sum of squares is badly wrong (%.6g vs %.6g): test is meaningful",
       naive, v);

    /* Merging two offset halves keeps the accuracy too. */
    kou_tally a, b;
    kou_tally_init(&a);
    kou_tally_init(&b);
    for (size_t i = 0; i < NDATA; i++)
        kou_tally_add(i < NDATA / 3 ? &a : &b, x[i]);
    kou_tally_merge(&a, &b);
    is_rel(kou_tally_variance(&a), v, 1e-6, "offset 1e9: merged variance accurate");
}

static void test_tally_merge(void)
{
    static double x[NDATA];
    kou_tally all, a, b, e;
    kou_tally_init(&all);
    kou_tally_init(&a);
    kou_tally_init(&b);
    kou_tally_init(&e);
    for (size_t i = 0; i < NDATA; i++) {
        x[i] = normal() * 3.0 + (i < 300 ? 5.0 : -1.0); /* halves differ in mean */
        kou_tally_add(&all, x[i]);
        kou_tally_add(i < 300 ? &a : &b, x[i]);
    }
    kou_tally_merge(&a, &b);
    is_int((int64_t)a.n, (int64_t)all.n, "merge: n");
    is_rel(kou_tally_mean(&a), kou_tally_mean(&all), 1e-12, "merge: mean");
    is_rel(kou_tally_variance(&a), kou_tally_variance(&all), 1e-12, "merge: variance");
    ok(a.min == all.min && a.max == all.max, "merge: min and max");

    kou_tally c = all;
    kou_tally_merge(&c, &e);
    ok(c.n == all.n && c.mean == all.mean && c.m2 == all.m2 && c.min == all.min &&
           c.max == all.max,
       "merge: adding an empty tally changes nothing");
    kou_tally_merge(&e, &all);
    ok(e.n == all.n && e.mean == all.mean && e.m2 == all.m2 && e.min == all.min &&
           e.max == all.max,
       "merge: into an empty tally copies");

    kou_tally z1, z2;
    kou_tally_init(&z1);
    kou_tally_init(&z2);
    kou_tally_merge(&z1, &z2);
    ok(z1.n == 0 && isnan(kou_tally_mean(&z1)) && isnan(z1.min),
       "merge: empty + empty stays empty");
}

/* ---- time average ---- */

static void timeavg_backwards(void)
{
    kou_timeavg a;
    kou_timeavg_init(&a, 0.0, 1.0);
    kou_timeavg_set(&a, 5.0, 2.0);
    kou_timeavg_set(&a, 4.0, 3.0); /* before the last change: a caller bug */
}

static void test_timeavg(void)
{
    kou_timeavg a;
    kou_timeavg_init(&a, 0.0, 0.0);
    ok(isnan(kou_timeavg_mean(&a, 0.0)), "timeavg: empty window gives NaN mean");
    ok(isnan(kou_timeavg_variance(&a, 0.0)), "timeavg: empty window gives NaN variance");

    /* Level: 0 on [0,2), 3 on [2,5), 1 on [5,6), 4 on [6,10]. */
    kou_timeavg_set(&a, 2.0, 3.0);
    kou_timeavg_set(&a, 5.0, 1.0);
    kou_timeavg_add(&a, 6.0, 3.0);
    is_double(a.level, 4.0, 0.0, "timeavg: add changes the level by delta");
    /* area to 10: 0*2 + 3*3 + 1*1 + 4*4 = 26; area2: 9*3 + 1*1 + 16*4 = 92 */
    is_double(kou_timeavg_mean(&a, 10.0), 2.6, 1e-14, "timeavg: mean of the step function");
    is_double(kou_timeavg_variance(&a, 10.0), 9.2 - 2.6 * 2.6, 1e-13,
              "timeavg: variance of the step function");
    /* At the last change: area 10 over [0,6]. */
    is_double(kou_timeavg_mean(&a, 6.0), 10.0 / 6.0, 1e-14, "timeavg: mean at the last change");
    is_double(a.area, 10.0, 0.0, "timeavg: area integrated up to 'since'");
    is_double(a.area2, 28.0, 0.0, "timeavg: area2 integrated up to 'since'");
    ok(a.min == 0.0 && a.max == 4.0, "timeavg: min and max of the level");

    /* Same time twice: a zero-length step leaves no area. */
    kou_timeavg_set(&a, 6.0, 4.0);
    is_double(kou_timeavg_mean(&a, 10.0), 2.6, 1e-14, "timeavg: repeated time adds nothing");

    /* Warm-up deletion: window restarts at 8 with the level 4 kept. */
    kou_timeavg_reset(&a, 8.0);
    is_double(a.start, 8.0, 0.0, "reset: window start");
    ok(isnan(kou_timeavg_mean(&a, 8.0)), "reset: empty window at the reset time");
    is_double(kou_timeavg_mean(&a, 10.0), 4.0, 0.0, "reset: mean keeps the current level");
    is_double(kou_timeavg_variance(&a, 10.0), 0.0, 0.0, "reset: variance 0 for a constant level");
    ok(a.min == 4.0 && a.max == 4.0, "reset: min and max restart at the level");
    kou_timeavg_add(&a, 9.0, -2.0); /* 4 on [8,9), 2 on [9,12] */
    is_double(kou_timeavg_mean(&a, 12.0), (4.0 + 2.0 * 3.0) / 4.0, 1e-14,
              "reset: mean after a later change");
    ok(a.min == 2.0 && a.max == 4.0, "reset: min and max after a later change");

    /* Window not starting at 0. */
    kou_timeavg b;
    kou_timeavg_init(&b, 100.0, 2.0);
    kou_timeavg_set(&b, 101.0, 0.0);
    is_double(kou_timeavg_mean(&b, 104.0), 0.5, 1e-14, "timeavg: window starting at t0 = 100");
    is_double(kou_timeavg_variance(&b, 104.0), 1.0 - 0.25, 1e-14,
              "timeavg: variance over a window starting at t0 = 100");

    ok(aborts(timeavg_backwards), "timeavg: set with t < since aborts (KOU_CHECK)");
}

/* ---- samples ---- */

static void test_sample(void)
{
    kou_sample s;
    kou_sample_init(&s);
    ok(isnan(kou_sample_quantile(&s, 0.5)), "sample: empty gives NaN");

    /* 1..100 in a scrambled order (37 is coprime with 100). */
    for (int i = 0; i < 100; i++)
        kou_sample_add(&s, (double)((i * 37) % 100 + 1));
    is_int((int64_t)s.n, 100, "sample: n");
    is_double(kou_sample_quantile(&s, 0.5), 50.5, 1e-12, "sample 1..100: median 50.5");
    is_double(kou_sample_quantile(&s, 0.9), 90.1, 1e-12, "sample 1..100: p=0.9 gives 90.1");
    is_double(kou_sample_quantile(&s, 0.25), 25.75, 1e-12, "sample 1..100: p=0.25 gives 25.75");
    is_double(kou_sample_quantile(&s, 0.0), 1.0, 0.0, "sample 1..100: p=0 gives the min");
    is_double(kou_sample_quantile(&s, 1.0), 100.0, 0.0, "sample 1..100: p=1 gives the max");
    ok(s.sorted, "sample: sorted after a quantile");

    /* More values after a quantile: must re-sort. */
    kou_sample_add(&s, 1000.0);
    kou_sample_add(&s, 0.0);
    ok(!s.sorted, "sample: out-of-order add clears 'sorted'");
    is_double(kou_sample_quantile(&s, 0.0), 0.0, 0.0, "after more adds: p=0 gives the new min");
    is_double(kou_sample_quantile(&s, 1.0), 1000.0, 0.0, "after more adds: p=1 gives the new max");
    is_double(kou_sample_quantile(&s, 0.5), 50.5, 1e-12, "after more adds: median of 0..100,1000");
    /* h = 0.99 * 101 = 99.99: between x[99] = 99 and x[100] = 100 */
    is_double(kou_sample_quantile(&s, 0.99), 99.99, 1e-9, "after more adds: p=0.99");
    kou_sample_add(&s, 2000.0);
    ok(s.sorted, "sample: in-order add keeps 'sorted'");
    is_double(kou_sample_quantile(&s, 1.0), 2000.0, 0.0, "in-order add: p=1");
    kou_sample_fini(&s);
    ok(s.x == NULL && s.n == 0, "sample: fini releases");

    kou_sample_init(&s);
    kou_sample_add(&s, 7.0);
    ok(kou_sample_quantile(&s, 0.0) == 7.0 && kou_sample_quantile(&s, 0.3) == 7.0 &&
           kou_sample_quantile(&s, 1.0) == 7.0,
       "sample: one value is every quantile");
    kou_sample_add(&s, 20.0);
    kou_sample_add(&s, 10.0);
    /* {7,10,20}: p=0.25 -> h=0.5 -> 8.5; p=0.75 -> h=1.5 -> 15 */
    is_double(kou_sample_quantile(&s, 0.25), 8.5, 1e-14, "sample {7,10,20}: p=0.25");
    is_double(kou_sample_quantile(&s, 0.75), 15.0, 1e-14, "sample {7,10,20}: p=0.75");
    kou_sample_fini(&s);
    kou_sample_fini(&s); /* twice is harmless */

    /* NaN values sort last and do not disturb the finite order statistics,
    ** also when a finite value follows a NaN that was sorted to the end. */
    kou_sample_init(&s);
    kou_sample_add(&s, 3.0);
    kou_sample_add(&s, DNAN);
    kou_sample_add(&s, 1.0);
    is_double(kou_sample_quantile(&s, 0.0), 1.0, 0.0, "sample with NaN: p=0 is the finite min");
    kou_sample_add(&s, 2.0); /* after [1, 3, NaN] */
    is_double(kou_sample_quantile(&s, 0.0), 1.0, 0.0, "sample with NaN: p=0 after a later add");
    is_double(kou_sample_quantile(&s, 0.5), 2.5, 1e-15,
              "sample with NaN: median of [1,2,3,NaN] interpolates 2 and 3");
    ok(isnan(kou_sample_quantile(&s, 1.0)), "sample with NaN: p=1 is the NaN");
    kou_sample_fini(&s);

    /* Many values: growth over several reallocations. */
    kou_sample_init(&s);
    for (int i = 10000; i >= 1; i--)
        kou_sample_add(&s, (double)i);
    is_double(kou_sample_quantile(&s, 0.5), 5000.5, 1e-9, "sample 10000 descending: median");
    is_double(kou_sample_quantile(&s, 0.1), 1000.9, 1e-9, "sample 10000 descending: p=0.1");
    kou_sample_fini(&s);
}

/* ---- quantile sketch ---- */

static const double QS_P[] = {0.0,  0.001, 0.01, 0.05, 0.1,  0.25,  0.5,   0.75,
                              0.9,  0.95,  0.99, 0.995, 0.999, 0.9999, 1.0, 1.0 / 3};

/* Feeds x[0..n) to a fresh sketch and an exact sample, then checks every
** QS_P quantile: |sketch - exact| <= rel |exact| + abs. Returns the worst
** relative error seen. */
static double qs_check(const double *x, size_t n, double rel, double abs_tol, const char *name)
{
    kou_qsketch q;
    kou_sample s;
    kou_qsketch_init(&q);
    kou_sample_init(&s);
    for (size_t i = 0; i < n; i++) {
        kou_qsketch_add(&q, x[i]);
        kou_sample_add(&s, x[i]);
    }
    int bad = 0;
    double worst = 0.0;
    for (size_t i = 0; i < sizeof QS_P / sizeof QS_P[0]; i++) {
        double got = kou_qsketch_quantile(&q, QS_P[i]), want = kou_sample_quantile(&s, QS_P[i]);
        double err = fabs(got - want);
        if (want > 0.0 && err / want > worst)
            worst = err / want;
        if (!(err <= rel * fabs(want) + abs_tol)) {
            bad++;
            diag("%s: p=%g sketch %.17g exact %.17g (rel %.3g)", name, QS_P[i], got, want, err / want);
        }
    }
    for (int i = 0; i <= 1000; i++) {
        double p = i / 1000.0;
        double got = kou_qsketch_quantile(&q, p), want = kou_sample_quantile(&s, p);
        double err = fabs(got - want);
        if (want > 0.0 && err / want > worst)
            worst = err / want;
        if (!(err <= rel * fabs(want) + abs_tol) && bad++ < 5)
            diag("%s: p=%g sketch %.17g exact %.17g (rel %.3g)", name, p, got, want, err / want);
    }
    ok(bad == 0, "qsketch %s (n=%zu): %zu + 1001 quantiles within the bound (worst rel. error %.3g %%)", name, n,
       sizeof QS_P / sizeof QS_P[0], worst * 100);
    is_double(kou_qsketch_quantile(&q, 0.0), kou_sample_quantile(&s, 0.0), 0.0, "qsketch %s: p=0 is the exact min",
              name);
    is_double(kou_qsketch_quantile(&q, 1.0), kou_sample_quantile(&s, 1.0), 0.0, "qsketch %s: p=1 is the exact max",
              name);
    kou_qsketch_fini(&q);
    kou_sample_fini(&s);
    return worst;
}

static void add_neg(void)
{
    kou_qsketch q;
    kou_qsketch_init(&q);
    kou_qsketch_add(&q, -1e-9);
}

static void add_nan(void)
{
    kou_qsketch q;
    kou_qsketch_init(&q);
    kou_qsketch_add(&q, DNAN);
}

static void add_inf(void)
{
    kou_qsketch q;
    kou_qsketch_init(&q);
    kou_qsketch_add(&q, DINF);
}

static void test_qsketch(void)
{
    /* A little over the bound for rounding (a few ulps). */
    const double rel = KOU_QSKETCH_REL_ERROR * (1.0 + 1e-12);
    ok(KOU_QSKETCH_REL_ERROR < 1e-3, "qsketch: the bound 2^-10 is under 0.1 %%");

    kou_qsketch q;
    kou_qsketch_init(&q);
    ok(isnan(kou_qsketch_quantile(&q, 0.5)) && q.n == 0 && isnan(q.min), "qsketch: empty gives NaN");
    is_int((int64_t)kou_qsketch_bytes(&q), (int64_t)sizeof q, "qsketch: empty holds only its struct");
    ok(sizeof q < 1024, "qsketch: struct under 1 KB (%zu bytes)", sizeof q);
    kou_qsketch_add(&q, 7.0);
    ok(kou_qsketch_quantile(&q, 0.0) == 7.0 && kou_qsketch_quantile(&q, 0.3) == 7.0 &&
           kou_qsketch_quantile(&q, 1.0) == 7.0,
       "qsketch: one value is every quantile, exactly");
    kou_qsketch_fini(&q);
    is_int((int64_t)kou_qsketch_bytes(&q), (int64_t)sizeof q, "qsketch: fini releases the buckets");
    kou_qsketch_fini(&q); /* twice is harmless */

    enum { N = 200000 };
    double *x = malloc(N * sizeof *x);
    if (!x)
        bail("out of memory");

    /* Exponential, mean 4 h. */
    rng_state = 0x1234567887654321u;
    for (size_t i = 0; i < N; i++)
        x[i] = -4.0 * log(unif());
    qs_check(x, N, rel, 0.0, "exponential mean 4");

    /* Lognormal with cv 2 (sigma^2 = ln(1 + cv^2)), median 6 h. */
    double sigma = sqrt(log(5.0));
    for (size_t i = 0; i < N; i++)
        x[i] = 6.0 * exp(sigma * normal());
    qs_check(x, N, rel, 0.0, "lognormal cv 2");

    /* Small n, where interpolation between far order statistics matters. */
    for (size_t i = 0; i < 5; i++)
        x[i] = (double[]){1, 2, 3, 4, 10}[i];
    qs_check(x, 5, rel, 0.0, "{1,2,3,4,10}");
    for (size_t i = 0; i < 100; i++)
        x[i] = (double)((i * 37) % 100 + 1);
    qs_check(x, 100, rel, 0.0, "1..100");

    /* A point mass is exact, whatever the value. */
    for (size_t i = 0; i < 1000; i++)
        x[i] = 2.7182818284590451;
    qs_check(x, 1000, 0.0, 0.0, "point mass 2.718...");
    for (size_t i = 0; i < 1000; i++)
        x[i] = 0x1.8p-3; /* a bucket edge */
    qs_check(x, 1000, 0.0, 0.0, "point mass on a bucket edge");

    /* Bucket edges and the doubles just below them, over several binades. */
    size_t ne = 0;
    for (int e = KOU_QSKETCH_EXP_MIN; e < KOU_QSKETCH_EXP_END && ne + 2 <= N; e += 3)
        for (int k = 0; k < 1024; k += 7) {
            double edge = ldexp(1.0 + k / 1024.0, e);
            x[ne++] = edge;
            x[ne++] = nextafter(edge, 0.0);
        }
    qs_check(x, ne, rel, 0.0, "bucket edges and their predecessors, 2^-20 .. 2^20");

    /* Exact zeros (released on arrival) are exact: 30 % zeros. */
    for (size_t i = 0; i < N; i++)
        x[i] = unif() < 0.3 ? 0.0 : -2.0 * log(unif());
    qs_check(x, N, rel, 0.0, "30 % zeros + exponential");
    for (size_t i = 0; i < 1000; i++)
        x[i] = -0.0;
    qs_check(x, 1000, 0.0, 0.0, "all zeros (-0 counts as 0)");

    /* Very large values, still in range: log-uniform over 1 h .. 1e6 h. */
    for (size_t i = 0; i < N; i++)
        x[i] = exp(unif() * log(1e6));
    qs_check(x, N, rel, 0.0, "log-uniform 1 .. 1e6 h");

    /* Tiny values, below 2^-20: within 2^-20 absolute. */
    for (size_t i = 0; i < N; i++)
        x[i] = unif() * 0x1p-21;
    qs_check(x, N, 0.0, 0x1p-20, "uniform (0, 2^-21) (absolute bound)");

    /* Beyond 2^20: the overflow bucket, between 2^20 and the max; the min
    ** and the max stay exact (checked in qs_check). */
    kou_qsketch_init(&q);
    for (size_t i = 0; i < 1000; i++)
        kou_qsketch_add(&q, 1e7 + 1e6 * (double)i);
    double med = kou_qsketch_quantile(&q, 0.5);
    ok(med >= 0x1p20 && med <= q.max && kou_qsketch_quantile(&q, 1.0) == 1e7 + 999e6 && q.large == 1000,
       "qsketch: values beyond 2^20 h counted in the overflow bucket (median %g in [2^20, max])", med);
    kou_qsketch_fini(&q);

    /* Quantiles do not decrease with p. */
    kou_qsketch_init(&q);
    for (size_t i = 0; i < N; i++)
        kou_qsketch_add(&q, 6.0 * exp(sigma * normal()));
    int mono = 1;
    double prev = kou_qsketch_quantile(&q, 0.0);
    for (int i = 1; i <= 10000; i++) {
        double v = kou_qsketch_quantile(&q, (double)i / 10000);
        if (v < prev)
            mono = 0;
        prev = v;
    }
    ok(mono, "qsketch: quantiles non-decreasing in p (10001 values of p)");
    kou_qsketch_fini(&q);

    /* Merge: three sketches of parts equal one sketch of everything. */
    for (size_t i = 0; i < N; i++)
        x[i] = i % 7 == 0 ? 0.0 : i % 11 == 0 ? 3e6 : i % 13 == 0 ? 1e-7 : -3.0 * log(unif());
    kou_qsketch all, part[3], empty;
    kou_qsketch_init(&all);
    kou_qsketch_init(&empty);
    for (int j = 0; j < 3; j++)
        kou_qsketch_init(&part[j]);
    for (size_t i = 0; i < N; i++) {
        kou_qsketch_add(&all, x[i]);
        kou_qsketch_add(&part[(i * 2654435761u) % 3], x[i]);
    }
    kou_qsketch m;
    kou_qsketch_init(&m);
    kou_qsketch_merge(&m, &empty);
    kou_qsketch_merge(&m, &part[2]);
    kou_qsketch_merge(&m, &part[0]);
    kou_qsketch_merge(&m, &empty);
    kou_qsketch_merge(&m, &part[1]);
    int same = m.n == all.n && m.zero == all.zero && m.small == all.small && m.large == all.large &&
               m.min == all.min && m.max == all.max;
    for (int i = 0; i < KOU_QSKETCH_BINADES; i++) {
        same = same && m.binade_n[i] == all.binade_n[i] && (m.binade[i] == NULL) == (all.binade[i] == NULL);
        if (m.binade[i] && all.binade[i])
            same = same && memcmp(m.binade[i], all.binade[i], KOU_QSKETCH_SUBS * sizeof(uint64_t)) == 0;
    }
    ok(same, "qsketch merge: the counts, min and max of one sketch of all values");
    int qsame = 1;
    for (int i = 0; i <= 1000; i++)
        qsame = qsame && kou_qsketch_quantile(&m, i / 1000.0) == kou_qsketch_quantile(&all, i / 1000.0);
    ok(qsame, "qsketch merge: the same quantiles, bit for bit (1001 values of p)");
    kou_qsketch_merge(&empty, &m);
    ok(empty.n == all.n && empty.min == all.min && kou_qsketch_quantile(&empty, 0.9) == kou_qsketch_quantile(&all, 0.9),
       "qsketch merge into an empty sketch");
    kou_qsketch_merge(&m, &m);
    int twice = m.n == 2 * all.n && m.zero == 2 * all.zero && m.large == 2 * all.large && m.min == all.min &&
                m.max == all.max;
    for (int i = 0; i < KOU_QSKETCH_BINADES; i++)
        twice = twice && m.binade_n[i] == 2 * all.binade_n[i];
    ok(twice, "qsketch merge with itself doubles the counts, keeps min and max");
    kou_qsketch_fini(&m);
    kou_qsketch_fini(&all);
    kou_qsketch_fini(&empty);
    for (int j = 0; j < 3; j++)
        kou_qsketch_fini(&part[j]);

    /* Memory: does not grow with n. Durations 1 minute .. 1000 h reach 16
    ** binades; a thousand values or ten million take the same bytes. */
    kou_qsketch_init(&q);
    size_t bytes_1k = 0;
    for (size_t i = 1; i <= 10000000; i++) {
        kou_qsketch_add(&q, exp(log(1.0 / 60) + unif() * log(60000.0)));
        if (i == 1000)
            bytes_1k = kou_qsketch_bytes(&q);
    }
    size_t bytes_10m = kou_qsketch_bytes(&q);
    ok(bytes_1k == bytes_10m, "qsketch memory: %zu bytes after 1e3 values, %zu after 1e7", bytes_1k, bytes_10m);
    ok(bytes_10m <= sizeof q + 16 * 8192, "qsketch memory: 1 min .. 1000 h fits in 16 binades (%zu bytes)",
       bytes_10m);
    ok(bytes_10m <= KOU_QSKETCH_MAX_BYTES && KOU_QSKETCH_MAX_BYTES < 330 * 1000, "qsketch memory: at most %zu bytes",
       (size_t)KOU_QSKETCH_MAX_BYTES);
    is_int((int64_t)q.n, 10000000, "qsketch: n counts every value");
    kou_qsketch_fini(&q);
    kou_qsketch_init(&q);
    for (int e = -1074; e <= 1023; e++)
        kou_qsketch_add(&q, ldexp(1.0, e));
    kou_qsketch_add(&q, DBL_MAX);
    ok(kou_qsketch_bytes(&q) == KOU_QSKETCH_MAX_BYTES && q.small + q.large + 40 == q.n,
       "qsketch memory: every binade in use is the most (%zu bytes)", kou_qsketch_bytes(&q));
    kou_qsketch_fini(&q);

    ok(aborts(add_neg), "qsketch: a negative value aborts");
    ok(aborts(add_nan), "qsketch: NaN aborts");
    ok(aborts(add_inf), "qsketch: +inf aborts");
    free(x);
}

/* ---- histogram ---- */

static void test_histogram(void)
{
    kou_histogram h;
    is_int(kou_histogram_init(&h, 0.0, 10.0, 5), KOU_OK, "histogram: init");
    const double xs[] = {-1.0, 0.0, 1.999, 2.0, 5.0, 9.999, 10.0, 11.0, -DINF, DINF, 4.0};
    for (size_t i = 0; i < sizeof xs / sizeof xs[0]; i++)
        kou_histogram_add(&h, xs[i]);
    is_int((int64_t)h.under, 2, "histogram: under (below lo, incl. -inf)");
    is_int((int64_t)h.over, 3, "histogram: over (at hi, above hi, +inf)");
    is_int((int64_t)h.count[0], 2, "histogram: bin [0,2) holds 0 and 1.999");
    is_int((int64_t)h.count[1], 1, "histogram: bin [2,4) holds its lower edge 2");
    is_int((int64_t)h.count[2], 2, "histogram: bin [4,6) holds 4 and 5");
    is_int((int64_t)h.count[3], 0, "histogram: bin [6,8) empty");
    is_int((int64_t)h.count[4], 1, "histogram: bin [8,10) holds 9.999");
    kou_histogram_fini(&h);
    ok(h.count == NULL, "histogram: fini releases");

    /* Edges that are not exact binary fractions: x = k/10 falls in bin k,
    ** the double just below it in bin k-1. */
    is_int(kou_histogram_init(&h, 0.0, 1.0, 10), KOU_OK, "histogram [0,1) x 10: init");
    int good = 1;
    for (size_t k = 0; k < 10; k++) {
        double e = (double)k / 10.0;
        kou_histogram_add(&h, e);
        if (k > 0)
            kou_histogram_add(&h, nextafter(e, -DINF));
    }
    kou_histogram_add(&h, nextafter(1.0, 0.0));
    for (size_t k = 0; k < 10; k++)
        good &= h.count[k] == 2;
    ok(good, "histogram: inexact edges k/10 counted in bin k, their predecessor in k-1");
    is_int((int64_t)(h.under + h.over), 0, "histogram: nothing under or over");
    kou_histogram_fini(&h);

    /* Off-zero range with many bins: a uniform sweep spreads evenly. */
    is_int(kou_histogram_init(&h, -0.3, 0.7, 100), KOU_OK, "histogram [-0.3,0.7) x 100: init");
    for (int i = 0; i < 100000; i++)
        kou_histogram_add(&h, -0.3 + (i + 0.5) / 100000.0);
    good = 1;
    for (size_t k = 0; k < 100; k++)
        good &= h.count[k] == 1000;
    ok(good, "histogram: 100000 evenly spread values give 1000 per bin");
    kou_histogram_fini(&h);

    is_int(kou_histogram_init(&h, 1.0, 1.0, 4), KOU_EINVAL, "histogram: lo == hi is EINVAL");
    kou_histogram_fini(&h); /* safe after a failed init */
    is_int(kou_histogram_init(&h, 2.0, 1.0, 4), KOU_EINVAL, "histogram: lo > hi is EINVAL");
    is_int(kou_histogram_init(&h, 0.0, 1.0, 0), KOU_EINVAL, "histogram: 0 bins is EINVAL");
    is_int(kou_histogram_init(&h, DNAN, 1.0, 4), KOU_EINVAL, "histogram: NaN lo is EINVAL");
    is_int(kou_histogram_init(&h, 0.0, DINF, 4), KOU_EINVAL, "histogram: infinite hi is EINVAL");
    ok(h.count == NULL, "histogram: failed init allocates nothing");
    kou_histogram_fini(&h);
}

/* ---- confidence intervals ---- */

static void test_ci_student(void)
{
    const double x5[] = {1, 2, 3, 4, 5};
    kou_ci ci = kou_ci_student(x5, 5, 0.95);
    is_int((int64_t)ci.n, 5, "ci n=5: n");
    is_double(ci.mean, 3.0, 1e-15, "ci n=5: mean");
    is_double(ci.sd, sqrt(2.5), 1e-14, "ci n=5: sd");
    /* t_{0.975,4} = 2.776445 */
    is_double(ci.half / (ci.sd / sqrt(5.0)), 2.776445, 1e-6, "ci n=5: t_{0.975,4} = 2.776445");
    is_double(ci.half, 2.776445 * sqrt(2.5) / sqrt(5.0), 1e-6, "ci n=5: half-width");
    is_double(ci.lo, 3.0 - ci.half, 1e-15, "ci n=5: lo = mean - half");
    is_double(ci.hi, 3.0 + ci.half, 1e-15, "ci n=5: hi = mean + half");

    double x30[30];
    for (int i = 0; i < 30; i++)
        x30[i] = i + 1;
    ci = kou_ci_student(x30, 30, 0.95);
    is_double(ci.mean, 15.5, 1e-14, "ci n=30: mean");
    is_double(ci.sd, sqrt(77.5), 1e-13, "ci n=30: sd");
    /* t_{0.975,29} = 2.045230 */
    is_double(ci.half / (ci.sd / sqrt(30.0)), 2.045230, 1e-6, "ci n=30: t_{0.975,29} = 2.045230");

    double x10[10];
    for (int i = 0; i < 10; i++)
        x10[i] = (i % 2) ? 1.0 : -1.0;
    ci = kou_ci_student(x10, 10, 0.90);
    /* t_{0.95,9} = 1.833113 */
    is_double(ci.half / (ci.sd / sqrt(10.0)), 1.833113, 1e-6, "ci n=10 90%%: t_{0.95,9} = 1.833113");
    ci = kou_ci_student(x10, 3, 0.99);
    /* t_{0.995,2} = 9.924843 */
    is_double(ci.half / (ci.sd / sqrt(3.0)), 9.924843, 1e-6, "ci n=3 99%%: t_{0.995,2} = 9.924843");
    ci = kou_ci_student(x10, 2, 0.95);
    /* t_{0.975,1} = 12.706205 */
    is_double(ci.half / (ci.sd / sqrt(2.0)), 12.706205, 1e-6, "ci n=2: t_{0.975,1} = 12.706205");

    const double c[] = {4.0, 4.0, 4.0};
    ci = kou_ci_student(c, 3, 0.95);
    ok(ci.mean == 4.0 && ci.sd == 0.0 && ci.half == 0.0 && ci.lo == 4.0 && ci.hi == 4.0,
       "ci: constant values give a zero-width interval");

    ci = kou_ci_student(x5, 1, 0.95);
    ok(ci.n == 1 && isnan(ci.mean) && isnan(ci.sd) && isnan(ci.half) && isnan(ci.lo) &&
           isnan(ci.hi),
       "ci: n = 1 gives NaN fields");
    ci = kou_ci_student(NULL, 0, 0.95);
    ok(ci.n == 0 && isnan(ci.half), "ci: n = 0 gives NaN fields");
    ci = kou_ci_student(x5, 5, 0.0);
    ok(isnan(ci.half), "ci: level 0 gives NaN fields");
    ci = kou_ci_student(x5, 5, 1.0);
    ok(isnan(ci.half), "ci: level 1 gives NaN fields");
    ci = kou_ci_student(x5, 5, DNAN);
    ok(isnan(ci.half), "ci: level NaN gives NaN fields");
}

#define NBM 1003

static void test_batch_means(void)
{
    static double x[NBM];
    for (size_t i = 0; i < NBM; i++)
        x[i] = normal();
    x[0] = x[1] = x[2] = 1e6; /* the n % nbatch = 3 dropped values */

    /* Direct computation: 10 batches of 100 from x[3..1002]. */
    double bm[10];
    for (size_t j = 0; j < 10; j++) {
        double s = 0.0;
        for (size_t i = 0; i < 100; i++)
            s += x[3 + 100 * j + i];
        bm[j] = s / 100.0;
    }
    double m, v;
    two_pass(bm, 10, &m, &v);
    const double t975_9 = 2.262157; /* t_{0.975,9} */
    double half = t975_9 * sqrt(v) / sqrt(10.0);

    kou_ci ci = kou_ci_batch_means(x, NBM, 10, 0.95);
    is_int((int64_t)ci.n, 10, "batch means: n = number of batches");
    is_double(ci.mean, m, 1e-13, "batch means: mean of the batch means (first 3 dropped)");
    is_double(ci.sd, sqrt(v), 1e-12, "batch means: sd of the batch means");
    is_double(ci.half, half, 1e-6 * half, "batch means: half-width vs direct computation");
    ok(ci.lo < ci.mean && ci.mean < ci.hi, "batch means: lo < mean < hi");
    /* iid N(0,1): the half-width estimates 2.262 / sqrt(1000) ~ 0.072 */
    ok(ci.half > 0.02 && ci.half < 0.2, "batch means: half-width %.4f plausible for iid N(0,1)",
       ci.half);

    /* Exact division: nothing dropped, and equals Student over the means. */
    kou_ci a = kou_ci_batch_means(x + 3, 1000, 10, 0.95);
    kou_ci b = kou_ci_student(bm, 10, 0.95);
    is_double(a.half, b.half, 1e-12, "batch means: = Student interval over batch means");
    /* Batch size 1: the batch means are the values themselves. */
    a = kou_ci_batch_means(x + 3, 10, 10, 0.95);
    b = kou_ci_student(x + 3, 10, 0.95);
    is_double(a.half, b.half, 1e-12, "batch means: batch size 1 = plain Student interval");

    ci = kou_ci_batch_means(x, NBM, 1, 0.95);
    ok(ci.n == 1 && isnan(ci.half), "batch means: 1 batch gives NaN fields");
    ci = kou_ci_batch_means(x, NBM, 0, 0.95);
    ok(ci.n == 0 && isnan(ci.half), "batch means: 0 batches gives NaN fields");
    ci = kou_ci_batch_means(x, 5, 10, 0.95);
    ok(isnan(ci.half), "batch means: fewer values than batches gives NaN fields");
}

static void test_coverage(void)
{
    rng_state = 0x0123456789ABCDEFu;
    int covered = 0;
    for (int r = 0; r < 1000; r++) {
        double y[10];
        for (int i = 0; i < 10; i++)
            y[i] = normal();
        kou_ci ci = kou_ci_student(y, 10, 0.95);
        covered += ci.lo <= 0.0 && 0.0 <= ci.hi;
    }
    ok(covered >= 930 && covered <= 970,
       "coverage: %d of 1000 95%% intervals (n=10, N(0,1)) cover 0", covered);
}

int main(void)
{
    test_tally_empty();
    test_tally_vs_two_pass();
    test_tally_offset();
    test_tally_merge();
    test_timeavg();
    test_sample();
    test_qsketch();
    test_histogram();
    test_ci_student();
    test_batch_means();
    test_coverage();
    return tap_done();
}
