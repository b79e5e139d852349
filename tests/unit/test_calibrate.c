/*
** exp/calibrate.c on known functions: a quadratic and Rosenbrock's
** function (as residuals) in a box recover their minima; an optimum
** beyond a bound ends at the bound; a parameter no target depends on, and
** two parameters that only their sum pins, are reported not identified,
** with the whole box as their range; the held profile of a quadratic is
** the exact interval where S stays within S* + 1; a failing model ends
** the fit with its message; bad problems are refused.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exp/calibrate.h"
#include "../tap/tap.h"

typedef int model_fn(const double *x, double *y);

typedef struct ctx {
    model_fn *f;
    size_t calls;
} ctx;

static int call(void *c, const double *x, double *y, char *err, size_t errlen)
{
    ctx *k = c;
    k->calls++;
    if (k->f(x, y) != 0) {
        snprintf(err, errlen, "the model failed at x = %g", x[0]);
        return -1;
    }
    return 0;
}

static int identity(const double *x, double *y)
{
    y[0] = x[0];
    y[1] = x[1];
    return 0;
}

/* r1 = 10 (x2 - x1^2), r2 = 1 - x1 with targets 1 (tolerance 1): Rosenbrock. */
static int rosenbrock(const double *x, double *y)
{
    y[0] = 1 + 10 * (x[1] - x[0] * x[0]);
    y[1] = 2 - x[0];
    return 0;
}

/* y = (a, 2a): b has no effect. */
static int ignores_b(const double *x, double *y)
{
    y[0] = x[0];
    y[1] = 2 * x[0];
    return 0;
}

/* y = a + b: only the sum is pinned. */
static int sum_only(const double *x, double *y)
{
    y[0] = x[0] + x[1];
    return 0;
}

static int fails(const double *x, double *y)
{
    (void)x;
    (void)y;
    return -1;
}

static kou_cal_target target(double v, double tol)
{
    return (kou_cal_target){.value = v, .tolerance = tol, .weight = 1};
}

static kou_cal_problem problem(ctx *c, const kou_cal_param *ps, size_t np, const kou_cal_target *ts, size_t nt)
{
    return (kou_cal_problem){.np = np, .nt = nt, .params = ps, .targets = ts, .model = call, .ctx = c,
                             .max_evals = 2000, .xtol = 1e-6};
}

static void quadratic(void)
{
    ctx c = {identity, 0};
    kou_cal_param ps[2] = {{"a", 0, 10, 1}, {"b", 0, 10, 1}};
    kou_cal_target ts[2] = {target(3, 0.01), target(7, 0.01)};
    kou_cal_problem p = problem(&c, ps, 2, ts, 2);
    kou_cal_fit fit;
    char err[256] = "";
    is_int(kou_cal_fit_run(&p, &fit, err, sizeof err), KOU_OK, "quadratic: fit runs %s", err);
    is_double(fit.x[0], 3, 1e-4, "quadratic: a = 3 (got %.6f)", fit.x[0]);
    is_double(fit.x[1], 7, 1e-4, "quadratic: b = 7 (got %.6f)", fit.x[1]);
    ok(fit.converged && fit.objective < 1e-6, "quadratic: converged, S = %.3g", fit.objective);
    is_int((int64_t)fit.evals, (int64_t)c.calls, "quadratic: evaluations counted (%zu)", fit.evals);
    kou_cal_ident id;
    is_int(kou_cal_identify(&p, &fit, true, &id, err, sizeof err), KOU_OK, "quadratic: identify %s", err);
    ok(id.identified[0] && id.identified[1], "quadratic: both identified");
    /* r = (x - 3) / 0.03: S <= S* + 1 on [2.97, 3.03] */
    is_double(id.held_lo[0], 2.97, 0.003, "quadratic: held profile of a from 2.97 (%.4f)", id.held_lo[0]);
    is_double(id.held_hi[0], 3.03, 0.003, "quadratic: held profile of a to 3.03 (%.4f)", id.held_hi[0]);
    is_double(id.refit_lo[1], 7 - 0.07, 1e-3, "quadratic: refit range of b from 6.93 (%.4f)", id.refit_lo[1]);
    is_double(id.jac[0][0], 1 / 0.03, 1e-6, "quadratic: dr1/da = 1/0.03");
    is_double(id.cond, 7.0 / 3.0, 1e-6, "quadratic: condition number 7/3 (%.6f)", id.cond);
}

static void rosen(void)
{
    ctx c = {rosenbrock, 0};
    kou_cal_param ps[2] = {{"x1", -2, 3, -1.2}, {"x2", -1, 4, 1}};
    kou_cal_target ts[2] = {target(1, 1), target(1, 1)};
    kou_cal_problem p = problem(&c, ps, 2, ts, 2);
    kou_cal_fit fit;
    char err[256] = "";
    is_int(kou_cal_fit_run(&p, &fit, err, sizeof err), KOU_OK, "rosenbrock: fit runs %s", err);
    is_double(fit.x[0], 1, 1e-3, "rosenbrock: x1 = 1 (got %.6f, %zu evaluations)", fit.x[0], fit.evals);
    is_double(fit.x[1], 1, 2e-3, "rosenbrock: x2 = 1 (got %.6f)", fit.x[1]);
}

static void at_bound(void)
{
    ctx c = {identity, 0};
    kou_cal_param ps[2] = {{"a", 0, 10, 5}, {"b", 0, 10, 5}};
    kou_cal_target ts[2] = {target(12, 0.01), target(4, 0.01)};
    kou_cal_problem p = problem(&c, ps, 2, ts, 2);
    kou_cal_fit fit;
    char err[256] = "";
    kou_cal_fit_run(&p, &fit, err, sizeof err);
    ok(fit.x[0] > 9.99 && fit.x[0] <= 10, "beyond a bound: a ends at the bound 10 (%.6f)", fit.x[0]);
    is_double(fit.x[1], 4, 1e-3, "beyond a bound: b = 4 all the same (%.6f)", fit.x[1]);
}

static void unidentified(void)
{
    ctx c = {ignores_b, 0};
    kou_cal_param ps[2] = {{"a", 0, 10, 5}, {"b", 1, 2, 1.2}};
    kou_cal_target ts[2] = {target(3, 0.01), target(6, 0.01)};
    kou_cal_problem p = problem(&c, ps, 2, ts, 2);
    kou_cal_fit fit;
    kou_cal_ident id;
    char err[256] = "";
    kou_cal_fit_run(&p, &fit, err, sizeof err);
    is_double(fit.x[0], 3, 1e-4, "no effect: a = 3 (%.6f)", fit.x[0]);
    is_int(kou_cal_identify(&p, &fit, true, &id, err, sizeof err), KOU_OK, "no effect: identify");
    ok(id.identified[0] && !id.no_effect[0], "no effect: a identified");
    ok(!id.identified[1] && id.no_effect[1], "no effect: b not identified, no target depends on it");
    ok(id.sv[1] == 0 && isinf(id.cond), "no effect: a zero singular value, condition infinite");
    ok(id.refit_lo[1] == 1 && id.refit_hi[1] == 2, "no effect: b's refit range is its bounds");
    ok(id.held_lo[1] == 1 && id.held_hi[1] == 2, "no effect: b's held profile reaches both bounds");

    ctx c2 = {sum_only, 0};
    kou_cal_param ps2[2] = {{"a", 0, 10, 1}, {"b", 0, 10, 2}};
    kou_cal_target ts2[1] = {target(10, 0.01)};
    kou_cal_problem p2 = problem(&c2, ps2, 2, ts2, 1);
    kou_cal_fit_run(&p2, &fit, err, sizeof err);
    is_double(fit.x[0] + fit.x[1], 10, 1e-3, "sum only: a + b = 10 (%.4f + %.4f)", fit.x[0], fit.x[1]);
    kou_cal_identify(&p2, &fit, true, &id, err, sizeof err);
    ok(!id.identified[0] && !id.identified[1] && !id.no_effect[0] && !id.no_effect[1],
       "sum only: neither identified, though each moves the target");
    ok(id.held_hi[0] - id.held_lo[0] < 0.5, "sum only: the held profile of a is narrow (%.3f..%.3f): held, not refit",
       id.held_lo[0], id.held_hi[0]);
    ok(id.refit_lo[0] == 0 && id.refit_hi[0] == 10, "sum only: a's refit range is the box");
}

static void errors(void)
{
    ctx c = {fails, 0};
    kou_cal_param ps[1] = {{"a", 0, 10, 5}};
    kou_cal_target ts[1] = {target(3, 0.01)};
    kou_cal_problem p = problem(&c, ps, 1, ts, 1);
    kou_cal_fit fit;
    char err[256] = "";
    is_int(kou_cal_fit_run(&p, &fit, err, sizeof err), KOU_ESTATE, "a failing model ends the fit");
    has_string(err, "the model failed", "with its message");
    is_int((int64_t)c.calls, 1, "after one call");
    kou_cal_param bad[1] = {{"a", 10, 0, 5}};
    p.params = bad;
    is_int(kou_cal_check(&p, err, sizeof err), KOU_EINVAL, "min > max refused");
    has_string(err, "'a'", "naming the parameter: %s", err);
    kou_cal_param edge[1] = {{"a", 0, 10, 0}};
    p.params = edge;
    is_int(kou_cal_check(&p, err, sizeof err), KOU_EINVAL, "a start on a bound refused");
    kou_cal_target zero[1] = {target(0, 0.01)};
    p.params = ps;
    p.targets = zero;
    is_int(kou_cal_check(&p, err, sizeof err), KOU_EINVAL, "a published value of 0 refused (relative residual)");
}

int main(void)
{
    quadratic();
    rosen();
    at_bound();
    unidentified();
    errors();
    return tap_done();
}
