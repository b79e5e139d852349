/*
** calibrate.c — the fit and the identifiability analysis (calibrate.h).
**
** Every evaluation of the model goes through eval(), which counts it,
** keeps the best point seen and remembers the first error: the simplex
** gets a large finite value after an error (GSL's default error handler
** would abort on a NaN) and the loop stops.
*/
#include "exp/calibrate.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_linalg.h>
#include <gsl/gsl_multimin.h>

#define FAILED_VALUE 1e30

typedef struct evaluator {
    const kou_cal_problem *p;
    size_t evals;
    bool failed;
    char *err;
    size_t errlen;
    double best_s;                   /* the best point seen */
    double best_x[KOU_CAL_MAX_PARAMS], best_y[KOU_CAL_MAX_TARGETS];
} evaluator;

static size_t or_size(size_t v, size_t dflt)
{
    return v ? v : dflt;
}

static double or_double(double v, double dflt)
{
    return v > 0 ? v : dflt;
}

kou_status kou_cal_check(const kou_cal_problem *p, char *err, size_t errlen)
{
    if (p->np < 1 || p->np > KOU_CAL_MAX_PARAMS || p->nt < 1 || p->nt > KOU_CAL_MAX_TARGETS || !p->model) {
        snprintf(err, errlen, "calibration: 1 to %d free parameters and 1 to %d targets", KOU_CAL_MAX_PARAMS,
                 KOU_CAL_MAX_TARGETS);
        return KOU_EINVAL;
    }
    for (size_t k = 0; k < p->np; k++) {
        const kou_cal_param *q = &p->params[k];
        if (!(isfinite(q->min) && isfinite(q->max) && q->min < q->max && q->start > q->min && q->start < q->max)) {
            snprintf(err, errlen, "free parameter '%s': needs min < start < max (finite)", q->name);
            return KOU_EINVAL;
        }
    }
    for (size_t j = 0; j < p->nt; j++) {
        const kou_cal_target *t = &p->targets[j];
        if (!(isfinite(t->value) && t->value != 0 && t->tolerance > 0 && t->weight > 0 && isfinite(t->weight) &&
              isfinite(t->tolerance))) {
            snprintf(err, errlen, "target %zu: needs a finite nonzero value, tolerance > 0 and weight > 0", j + 1);
            return KOU_EINVAL;
        }
    }
    return KOU_OK;
}

double kou_cal_residuals(const kou_cal_problem *p, const double *y, double *r)
{
    double s = 0;
    for (size_t j = 0; j < p->nt; j++) {
        const kou_cal_target *t = &p->targets[j];
        r[j] = sqrt(t->weight) * (y[j] - t->value) / (t->tolerance * fabs(t->value));
        s += r[j] * r[j];
    }
    return s;
}

/* S at x (y and r when not NULL); FAILED_VALUE after an error. */
static double eval(evaluator *e, const double *x, double *y_out, double *r_out)
{
    const kou_cal_problem *p = e->p;
    double y[KOU_CAL_MAX_TARGETS], r[KOU_CAL_MAX_TARGETS];
    if (e->failed)
        return FAILED_VALUE;
    e->evals++;
    if (p->model(p->ctx, x, y, e->err, e->errlen) != 0) {
        e->failed = true;
        return FAILED_VALUE;
    }
    double s = kou_cal_residuals(p, y, r);
    if (!isfinite(s)) {
        snprintf(e->err, e->errlen, "the model gave a value that is not a number (a target's group has no "
                 "consignments?)");
        e->failed = true;
        return FAILED_VALUE;
    }
    if (s < e->best_s) {
        e->best_s = s;
        memcpy(e->best_x, x, p->np * sizeof *x);
        memcpy(e->best_y, y, p->nt * sizeof *y);
    }
    if (y_out)
        memcpy(y_out, y, p->nt * sizeof *y);
    if (r_out)
        memcpy(r_out, r, p->nt * sizeof *r);
    if (p->progress)
        p->progress(p->ctx, e->evals, x, s);
    return s;
}

/* ---- the fit ---- */

static double to_x(const kou_cal_param *q, double u)
{
    return q->min + (q->max - q->min) / (1 + exp(-u));
}

static double to_u(const kou_cal_param *q, double x)
{
    double f = (x - q->min) / (q->max - q->min);
    return log(f / (1 - f));
}

static double simplex_f(const gsl_vector *u, void *params)
{
    evaluator *e = params;
    double x[KOU_CAL_MAX_PARAMS];
    for (size_t k = 0; k < e->p->np; k++)
        x[k] = to_x(&e->p->params[k], gsl_vector_get(u, k));
    return eval(e, x, NULL, NULL);
}

/* The first simplex: from the start, a step moving x by about a tenth of
** its range (dx/du = range f (1 - f)), at most 2 in u. */
static void first_simplex(const kou_cal_problem *p, gsl_vector *u0, gsl_vector *step)
{
    for (size_t k = 0; k < p->np; k++) {
        const kou_cal_param *q = &p->params[k];
        double f = (q->start - q->min) / (q->max - q->min);
        double s = 0.1 / (f * (1 - f));
        gsl_vector_set(u0, k, to_u(q, q->start));
        gsl_vector_set(step, k, s < 2 ? s : 2);
    }
}

static void evaluator_init(evaluator *e, const kou_cal_problem *p, char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->p = p;
    e->err = err;
    e->errlen = errlen;
    e->best_s = INFINITY;
}

kou_status kou_cal_fit_run(const kou_cal_problem *p, kou_cal_fit *fit, char *err, size_t errlen)
{
    memset(fit, 0, sizeof *fit);
    kou_status st = kou_cal_check(p, err, errlen);
    if (st != KOU_OK)
        return st;
    evaluator e;
    evaluator_init(&e, p, err, errlen);
    size_t n = p->np, max_evals = or_size(p->max_evals, 200);
    double xtol = or_double(p->xtol, 1e-3);
    gsl_vector *u0 = gsl_vector_alloc(n), *step = gsl_vector_alloc(n);
    first_simplex(p, u0, step);
    gsl_multimin_function f = {.f = simplex_f, .n = n, .params = &e};
    gsl_multimin_fminimizer *m = gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, n);
    gsl_multimin_fminimizer_set(m, &f, u0, step);
    while (!e.failed && e.evals < max_evals) {
        if (gsl_multimin_fminimizer_iterate(m) != GSL_SUCCESS)
            break; /* no further progress possible */
        if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(m), xtol) == GSL_SUCCESS) {
            fit->converged = true;
            break;
        }
    }
    gsl_multimin_fminimizer_free(m);
    gsl_vector_free(u0);
    gsl_vector_free(step);
    if (e.failed)
        return KOU_ESTATE;
    memcpy(fit->x, e.best_x, n * sizeof *fit->x);
    memcpy(fit->y, e.best_y, p->nt * sizeof *fit->y);
    fit->objective = kou_cal_residuals(p, fit->y, fit->r);
    fit->evals = e.evals;
    return KOU_OK;
}

/* ---- identifiability ---- */

/* Column k of the Jacobian of r at x by central differences (one-sided at
** a bound). */
static void jacobian_column(evaluator *e, const double *x, size_t k, double h, kou_cal_ident *id)
{
    const kou_cal_problem *p = e->p;
    const kou_cal_param *q = &p->params[k];
    double xp[KOU_CAL_MAX_PARAMS], xm[KOU_CAL_MAX_PARAMS], rp[KOU_CAL_MAX_TARGETS], rm[KOU_CAL_MAX_TARGETS];
    memcpy(xp, x, p->np * sizeof *x);
    memcpy(xm, x, p->np * sizeof *x);
    xp[k] = x[k] + h < q->max ? x[k] + h : q->max;
    xm[k] = x[k] - h > q->min ? x[k] - h : q->min;
    eval(e, xp, NULL, rp);
    eval(e, xm, NULL, rm);
    for (size_t j = 0; j < p->nt; j++)
        id->jac[j][k] = (rp[j] - rm[j]) / (xp[k] - xm[k]);
}

/* The SVD of Js (padded with zero rows to a square when nt < np: GSL
** wants rows >= columns; zero rows leave the singular values as they are). */
static void decompose(const kou_cal_problem *p, kou_cal_ident *id)
{
    size_t n = p->np, rows = p->nt > n ? p->nt : n;
    gsl_matrix *a = gsl_matrix_calloc(rows, n), *v = gsl_matrix_alloc(n, n);
    gsl_vector *s = gsl_vector_alloc(n), *work = gsl_vector_alloc(n);
    for (size_t k = 0; k < n; k++) {
        double range = p->params[k].max - p->params[k].min, c = 0;
        for (size_t j = 0; j < p->nt; j++) {
            gsl_matrix_set(a, j, k, id->jac[j][k] * range);
            c += pow(id->jac[j][k] * range, 2);
        }
        id->colnorm[k] = sqrt(c);
    }
    gsl_linalg_SV_decomp(a, v, s, work);
    for (size_t i = 0; i < n; i++) {
        id->sv[i] = gsl_vector_get(s, i);
        for (size_t k = 0; k < n; k++)
            id->v[i][k] = gsl_matrix_get(v, k, i);
    }
    id->cond = id->sv[n - 1] > 0 ? id->sv[0] / id->sv[n - 1] : INFINITY;
    gsl_matrix_free(a);
    gsl_matrix_free(v);
    gsl_vector_free(s);
    gsl_vector_free(work);
}

/* The verdicts and the refit (linearised) ranges. */
static void verdicts(const kou_cal_problem *p, const double *x, double delta, kou_cal_ident *id)
{
    double flat = 2 * sqrt(delta); /* half a range moves S by at most delta */
    for (size_t k = 0; k < p->np; k++) {
        const kou_cal_param *q = &p->params[k];
        id->no_effect[k] = id->colnorm[k] <= flat;
        id->identified[k] = !id->no_effect[k];
        double var = 0;
        for (size_t i = 0; i < p->np; i++) {
            if (id->sv[i] <= flat && fabs(id->v[i][k]) >= 0.5)
                id->identified[k] = false;
            if (id->sv[i] > 0)
                var += pow(id->v[i][k] / id->sv[i], 2);
        }
        double half = sqrt(delta * var) * (q->max - q->min);
        bool whole = !id->identified[k] || !isfinite(half);
        id->refit_lo[k] = whole || x[k] - half < q->min ? q->min : x[k] - half;
        id->refit_hi[k] = whole || x[k] + half > q->max ? q->max : x[k] + half;
    }
}

/* One side (dir +1 or -1) of parameter k's held profile: the farthest
** point found with S <= level. Starts from the linear prediction h0,
** doubles until S is above level or the bound is reached, then bisects. */
static double held_side(evaluator *e, const double *x, size_t k, double h0, int dir, double level, size_t budget)
{
    const kou_cal_param *q = &e->p->params[k];
    double bound = dir > 0 ? q->max : q->min, in = x[k], out = NAN;
    double xt[KOU_CAL_MAX_PARAMS];
    memcpy(xt, x, e->p->np * sizeof *x);
    double h = h0;
    for (size_t used = 0; used < budget && !e->failed; used++) {
        double t = isnan(out) ? x[k] + dir * h : (in + out) / 2;
        if ((t - bound) * dir >= 0)
            t = bound;
        xt[k] = t;
        if (eval(e, xt, NULL, NULL) <= level) {
            in = t;
            if (t == bound)
                break;
            h *= 2;
        } else {
            out = t;
        }
    }
    return in;
}

static void held_profiles(evaluator *e, const kou_cal_fit *fit, double delta, kou_cal_ident *id)
{
    const kou_cal_problem *p = e->p;
    size_t budget = or_size(p->profile_evals, 6);
    double level = fit->objective + delta;
    for (size_t k = 0; k < p->np && !e->failed; k++) {
        double c = 0;
        for (size_t j = 0; j < p->nt; j++)
            c += id->jac[j][k] * id->jac[j][k];
        double range = p->params[k].max - p->params[k].min;
        double h0 = c > 0 ? sqrt(delta / c) : range; /* S - S* ~ |J_k|^2 h^2 */
        if (h0 < 1e-6 * range)
            h0 = 1e-6 * range;
        id->held_lo[k] = held_side(e, fit->x, k, h0, -1, level, budget);
        id->held_hi[k] = held_side(e, fit->x, k, h0, +1, level, budget);
    }
    id->held_done = !e->failed;
}

kou_status kou_cal_identify(const kou_cal_problem *p, const kou_cal_fit *fit, bool profile, kou_cal_ident *id,
                            char *err, size_t errlen)
{
    memset(id, 0, sizeof *id);
    kou_status st = kou_cal_check(p, err, errlen);
    if (st != KOU_OK)
        return st;
    evaluator e;
    evaluator_init(&e, p, err, errlen);
    double step = or_double(p->fd_step, 0.02), delta = or_double(p->delta, 1);
    for (size_t k = 0; k < p->np && !e.failed; k++)
        jacobian_column(&e, fit->x, k, step * (p->params[k].max - p->params[k].min), id);
    if (!e.failed) {
        decompose(p, id);
        verdicts(p, fit->x, delta, id);
        if (profile)
            held_profiles(&e, fit, delta, id);
    }
    id->evals = e.evals;
    return e.failed ? KOU_ESTATE : KOU_OK;
}
