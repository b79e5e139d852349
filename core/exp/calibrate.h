/*
** calibrate.h — fitting named scenario values to published KPIs, and
** saying which of them the KPIs pin down (`kouan calibrate`,
** docs/calibration.md). Pure C + GSL: the model is a callback, so the
** module is tested on known functions without the simulator.
**
** The fit. Each target j has a published value v_j, a relative
** tolerance t_j and a weight w_j; at parameters x the model gives y_j(x)
** and the weighted residual is r_j = sqrt(w_j) (y_j - v_j) / (t_j |v_j|):
** one unit is "one tolerance off". The objective S(x) = sum_j r_j^2 is
** minimised by GSL's Nelder-Mead simplex (nmsimplex2; Nelder & Mead 1965)
** in unbounded coordinates u, x_k = min_k + (max_k - min_k) / (1 + e^-u_k)
** (a smooth bijection onto the open box), until the simplex's size in u is
** below xtol or max_evals evaluations. The callback must be deterministic
** (a simulation: the same seeds at every x, common random numbers).
**
** Identifiability, at the fitted x*:
**   - J, the Jacobian of r by central differences (step fd_step of each
**     range; one-sided at a bound), and Js its columns times the ranges;
**   - the singular values of Js (descending) and their condition number;
**   - a direction v_i is flat when moving half the range along it changes
**     S by at most delta (linearised: sigma_i / 2 <= sqrt(delta)); a
**     parameter is not identified when its column of Js is that small
**     (no target depends on it) or it weighs >= 0.5 in a flat direction
**     (it trades off against others);
**   - two ranges over which S stays within S* + delta: "held", the others
**     held at x*, found by evaluating S (expanding from the linear
**     prediction, then bisecting); "refit", the others refitted, from the
**     linearisation, x*_k +- sqrt(delta [(Js^T Js)^+]_kk) range_k, the
**     whole box when the parameter is not identified. Both are clipped to
**     the bounds.
** delta defaults to 1 (one tolerance of one target).
**
** Errors: the callback's message, copied into err, ends the fit
** (KOU_EINVAL for bad problems, KOU_ESTATE for a failed callback). One
** thread: the caller's (the callback may use threads of its own).
*/
#ifndef KOUAN_EXP_CALIBRATE_H
#define KOUAN_EXP_CALIBRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/base.h"
#include "model/kpi.h"

#define KOU_CAL_MAX_PARAMS 16
#define KOU_CAL_MAX_TARGETS 32

/* A free parameter: a value the scenario reads by name, with its bounds. */
typedef struct kou_cal_param {
    const char *name;
    double min, max;     /* min < max */
    double start;        /* strictly inside (min, max) */
} kou_cal_param;

/* A target: a KPI of a group (what the optimiser reads: value, tolerance, weight). */
typedef struct kou_cal_target {
    kou_kpi_metric metric;
    const char *group;   /* a port's name, or NULL: all ports */
    int direction;       /* kou_direction */
    int mode;            /* kou_mode, or -1: the port's one group in that direction */
    double value;        /* published, nonzero */
    double tolerance;    /* relative, > 0 */
    double weight;       /* > 0 */
    const char *source;  /* where the value comes from */
} kou_cal_target;

/* A calibration file (lua/cal_file.h): strings belong to the reader. */
typedef struct kou_cal_spec {
    const char *scenario, *era;  /* era NULL: the scenario's */
    uint64_t reps, seed;
    double until;                /* hours of arrivals, 0: the scenario's */
    uint64_t max_evals;
    bool profile;                /* evaluate the held profiles */
    size_t nfree, ntargets;
    kou_cal_param free[KOU_CAL_MAX_PARAMS];
    kou_cal_target targets[KOU_CAL_MAX_TARGETS];
} kou_cal_spec;

/* The model: y[j] for every target at x (natural units). 0, or -1 with a
** message in err. */
typedef int kou_cal_model_fn(void *ctx, const double *x, double *y, char *err, size_t errlen);

typedef struct kou_cal_problem {
    size_t np, nt;
    const kou_cal_param *params;
    const kou_cal_target *targets;
    kou_cal_model_fn *model;
    void *ctx;
    size_t max_evals;        /* of the fit (0: 200) */
    double xtol;             /* simplex size in u at which to stop (0: 1e-3) */
    double fd_step;          /* Jacobian step, share of each range (0: 0.02) */
    double delta;            /* the tolerance of S (0: 1) */
    size_t profile_evals;    /* per side of each held profile (0: 6) */
    /* optional: after each evaluation (the fit's, the Jacobian's, the profiles') */
    void (*progress)(void *ctx, size_t evals, const double *x, double s);
} kou_cal_problem;

typedef struct kou_cal_fit {
    double x[KOU_CAL_MAX_PARAMS];
    double y[KOU_CAL_MAX_TARGETS], r[KOU_CAL_MAX_TARGETS];
    double objective;        /* S(x) */
    size_t evals;
    bool converged;          /* the simplex shrank below xtol (else max_evals) */
} kou_cal_fit;

typedef struct kou_cal_ident {
    double jac[KOU_CAL_MAX_TARGETS][KOU_CAL_MAX_PARAMS]; /* d r_j / d x_k */
    double sv[KOU_CAL_MAX_PARAMS];                       /* of Js, descending */
    double v[KOU_CAL_MAX_PARAMS][KOU_CAL_MAX_PARAMS];    /* v[i]: the direction of sv[i] */
    double cond;                                         /* sv[0] / sv[np-1]; inf when singular */
    double colnorm[KOU_CAL_MAX_PARAMS];                  /* |Js[:, k]| */
    bool identified[KOU_CAL_MAX_PARAMS];
    bool no_effect[KOU_CAL_MAX_PARAMS];                  /* its column alone is flat */
    double held_lo[KOU_CAL_MAX_PARAMS], held_hi[KOU_CAL_MAX_PARAMS];
    bool held_done;                                      /* the held profiles were evaluated */
    double refit_lo[KOU_CAL_MAX_PARAMS], refit_hi[KOU_CAL_MAX_PARAMS];
    size_t evals;
} kou_cal_ident;

/* Checks p (counts, bounds, starts, targets). KOU_OK or KOU_EINVAL with err. */
kou_status kou_cal_check(const kou_cal_problem *p, char *err, size_t errlen);
/* The weighted residuals of y (see above) into r; returns S. */
double kou_cal_residuals(const kou_cal_problem *p, const double *y, double *r);
/* Minimises S from the starts. KOU_OK, or the error with err. */
kou_status kou_cal_fit_run(const kou_cal_problem *p, kou_cal_fit *fit, char *err, size_t errlen);
/* The Jacobian, SVD, verdicts and refit ranges at fit->x; with profile,
** also the held profiles (2 x profile_evals evaluations at most per
** parameter). KOU_OK, or the error with err. */
kou_status kou_cal_identify(const kou_cal_problem *p, const kou_cal_fit *fit, bool profile, kou_cal_ident *id,
                            char *err, size_t errlen);

#endif
