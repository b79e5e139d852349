/*
** exp/sobol_index.c and the Saltelli design of exp/design.c: the design's
** blocks (A, B, AB_i = A with column i from B), then the Sobol indices of
** the Ishigami function (a = 7, b = 0.1, x uniform on [-pi, pi]^3) against
** their exact values (shifted by 100, as a KPI in hours sits far from 0:
** the indices do not change), on the Saltelli design (quasi Monte Carlo) and on
** plain Monte Carlo A and B. The tolerance comes from the sample: Z times
** the Monte Carlo standard error of each estimator, sd(summand) / (V
** sqrt(N)), which bounds the quasi-Monte-Carlo error too; with plain
** Monte Carlo the 95% bootstrap interval must also hold the exact value.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "exp/design.h"
#include "exp/sobol_index.h"
#include "../tap/tap.h"

#define NF 3
#define PI 3.14159265358979323846
#define Z 4.0 /* standard errors allowed */
#define ISA 7.0
#define ISB 0.1

static double ishigami(const double *x)
{
    return 100 + sin(x[0]) + ISA * sin(x[1]) * sin(x[1]) + ISB * pow(x[2], 4) * sin(x[0]);
}

/* The exact indices (Sobol' & Levitan 1999; Saltelli et al. 2008). */
static void exact(double *s1, double *st)
{
    double pi4 = pow(PI, 4), pi8 = pi4 * pi4;
    double v1 = 0.5 * pow(1 + ISB * pi4 / 5, 2), v2 = ISA * ISA / 8, v13 = ISB * ISB * pi8 * (1.0 / 18 - 1.0 / 50);
    double v = v1 + v2 + v13;
    s1[0] = v1 / v, s1[1] = v2 / v, s1[2] = 0;
    st[0] = (v1 + v13) / v, st[1] = v2 / v, st[2] = v13 / v;
}

/* The Monte Carlo standard errors of S_i and S_Ti from the summands. */
static void std_errors(const double *y, size_t n, double mean, double var, double *se1, double *set)
{
    for (size_t i = 0; i < NF; i++) {
        double m1 = 0, q1 = 0, mt = 0, qt = 0;
        for (size_t j = 0; j < n; j++) {
            double fa = y[j], fb = y[n + j], fab = y[(i + 2) * n + j];
            double a = (fb - mean) * (fab - fa), t = 0.5 * (fa - fab) * (fa - fab);
            m1 += a, q1 += a * a, mt += t, qt += t * t;
        }
        m1 /= (double)n, mt /= (double)n;
        se1[i] = sqrt((q1 / (double)n - m1 * m1) / (double)n) / var;
        set[i] = sqrt((qt / (double)n - mt * mt) / (double)n) / var;
    }
}

static void check(const double *y, size_t n, const char *what, bool intervals)
{
    double s1[NF], st[NF], se1[NF], set[NF];
    exact(s1, st);
    kou_sobol_indices r;
    ok(kou_sobol_estimate(y, n, NF, 500, 11, &r), "%s: estimated", what);
    is_int((int64_t)r.nbase, (int64_t)n, "%s: every base point used", what);
    std_errors(y, n, r.mean, r.var, se1, set);
    for (size_t i = 0; i < NF; i++) {
        diag("%s x%zu: S1 %.4f (exact %.4f, tol %.4f) [%.4f, %.4f]  ST %.4f (exact %.4f, tol %.4f) [%.4f, %.4f]",
             what, i + 1, r.s1[i], s1[i], Z * se1[i], r.s1_lo[i], r.s1_hi[i], r.st[i], st[i], Z * set[i],
             r.st_lo[i], r.st_hi[i]);
        is_double(r.s1[i], s1[i], Z * se1[i], "%s: S%zu = %.4f within %.0f standard errors", what, i + 1, s1[i], Z);
        is_double(r.st[i], st[i], Z * set[i] + 1e-12, "%s: ST%zu = %.4f within %.0f standard errors", what, i + 1,
                  st[i], Z);
        if (intervals)
            ok(r.s1_lo[i] <= s1[i] && s1[i] <= r.s1_hi[i] && r.st_lo[i] <= st[i] && st[i] <= r.st_hi[i],
               "%s: the bootstrap intervals of x%zu hold the exact indices", what, i + 1);
    }
}

/* The design's blocks, and the Ishigami indices on its rows. */
static void saltelli_design(size_t n)
{
    kou_design_spec spec = {.method = KOU_DESIGN_SALTELLI, .seed = 1, .points = n, .nfactors = NF};
    for (size_t i = 0; i < NF; i++) {
        spec.factors[i] = (kou_factor){.path = "x", .continuous = true, .min = -PI, .max = PI, .nlevels = 3};
        kou_factor_complete(&spec.factors[i]);
    }
    char err[128];
    kou_design *d = kou_design_new(&spec, err, sizeof err);
    is_int((int64_t)kou_design_points(d), (int64_t)kou_sobol_rows(n, NF), "saltelli: N (k + 2) rows");
    is_string(kou_design_method_name(KOU_DESIGN_SALTELLI), "saltelli", "saltelli: its name");
    const double *x = kou_design_matrix(d);
    bool blocks = true;
    for (size_t i = 0; i < NF; i++)
        for (size_t j = 0; j < n; j++)
            for (size_t c = 0; c < NF; c++)
                blocks &= x[((i + 2) * n + j) * NF + c] == x[((c == i ? 1 : 0) * n + j) * NF + c];
    ok(blocks, "saltelli: AB_i is A with column i from B");
    ok(x[0] == 0.0 && x[n * NF] == 0.0, "saltelli: first rows of A and B are GSL's first point (0.5 -> 0)");
    double *y = malloc(kou_sobol_rows(n, NF) * sizeof *y);
    for (size_t p = 0; p < kou_sobol_rows(n, NF); p++)
        y[p] = ishigami(x + p * NF);
    check(y, n, "saltelli QMC", false);
    free(y);
    kou_design_free(d);
}

/* A and B drawn at random (mt19937), AB_i built from them. */
static void monte_carlo(size_t n)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 2024);
    double *x = malloc(kou_sobol_rows(n, NF) * NF * sizeof *x), *y = malloc(kou_sobol_rows(n, NF) * sizeof *y);
    for (size_t p = 0; p < 2 * n * NF; p++)
        x[p] = -PI + 2 * PI * gsl_rng_uniform(r);
    for (size_t i = 0; i < NF; i++)
        for (size_t j = 0; j < n; j++) {
            double *row = x + ((i + 2) * n + j) * NF;
            memcpy(row, x + j * NF, NF * sizeof *row);
            row[i] = x[(n + j) * NF + i];
        }
    for (size_t p = 0; p < kou_sobol_rows(n, NF); p++)
        y[p] = ishigami(x + p * NF);
    check(y, n, "plain MC", true);
    free(x);
    free(y);
    gsl_rng_free(r);
}

/* Refusals: too few points, a KPI that does not vary, a NaN base point left out. */
static void edge_cases(void)
{
    double y[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, c[10] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    kou_sobol_indices r;
    ok(!kou_sobol_estimate(y, 1, 3, 10, 1, &r) && isnan(r.s1[0]), "one base point: no indices");
    ok(!kou_sobol_estimate(c, 2, 3, 10, 1, &r) && isnan(r.st[2]), "a constant KPI: no indices");
    y[4] = NAN; /* row 4 = block 2 (AB_1), base point 0 */
    ok(!kou_sobol_estimate(y, 2, 3, 0, 1, &r) && r.nbase == 1, "a NaN leaves its base point out");
}

int main(void)
{
    double s1[NF], st[NF];
    exact(s1, st);
    const double want1[NF] = {0.3139, 0.4424, 0}, wantt[NF] = {0.5576, 0.4424, 0.2437};
    for (size_t i = 0; i < NF; i++) {
        is_double(s1[i], want1[i], 1e-4, "exact S%zu = %.4f", i + 1, want1[i]);
        is_double(st[i], wantt[i], 1e-4, "exact ST%zu = %.4f", i + 1, wantt[i]);
    }
    saltelli_design(4096);
    monte_carlo(20000);
    edge_cases();
    return tap_done();
}
