/*
** prior.c — priors: shapes, checks, quantiles (prior.h).
*/
#include "exp/prior.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#define SQRT_2PI 2.50662827463100050242

static const char *const shape_names[KOU_PRIOR_SHAPE_COUNT] = {"uniform", "triangular", "pert", "loguniform",
                                                               "normal"};

const char *kou_prior_shape_name(kou_prior_shape s)
{
    return (unsigned)s < KOU_PRIOR_SHAPE_COUNT ? shape_names[s] : "?";
}

int kou_prior_shape_find(const char *name)
{
    for (int s = 0; s < KOU_PRIOR_SHAPE_COUNT; s++)
        if (strcmp(shape_names[s], name) == 0)
            return s;
    return -1;
}

static bool has_mode(kou_prior_shape s)
{
    return s == KOU_PRIOR_TRIANGULAR || s == KOU_PRIOR_PERT;
}

/* The standard normal probabilities of lo and hi under p's mean and sd. */
static void normal_ends(const kou_prior *p, double *plo, double *phi)
{
    *plo = gsl_cdf_ugaussian_P((p->lo - p->mean) / p->sd);
    *phi = gsl_cdf_ugaussian_P((p->hi - p->mean) / p->sd);
}

bool kou_prior_check(const kou_prior *p, char *err, size_t errlen)
{
    if (!isfinite(p->lo) || !isfinite(p->hi) || !(p->lo < p->hi)) {
        snprintf(err, errlen, "the range %g..%g is not a range (need finite lo < hi)", p->lo, p->hi);
        return false;
    }
    if (p->shape == KOU_PRIOR_LOGUNIFORM && !(p->lo > 0)) {
        snprintf(err, errlen, "loguniform needs lo > 0 (got %g)", p->lo);
        return false;
    }
    if (has_mode(p->shape) && !(p->mode >= p->lo && p->mode <= p->hi)) {
        snprintf(err, errlen, "mode %g is outside %g..%g", p->mode, p->lo, p->hi);
        return false;
    }
    if (p->shape == KOU_PRIOR_NORMAL) {
        if (!isfinite(p->mean) || !(p->sd > 0) || !isfinite(p->sd)) {
            snprintf(err, errlen, "normal needs a finite mean and sd > 0 (got mean %g, sd %g)", p->mean, p->sd);
            return false;
        }
        double plo, phi;
        normal_ends(p, &plo, &phi);
        if (!(phi - plo > 1e-9)) {
            snprintf(err, errlen, "normal mean %g sd %g puts no probability in %g..%g", p->mean, p->sd, p->lo,
                     p->hi);
            return false;
        }
    }
    return true;
}

static double triangular_quantile(double a, double c, double b, double u)
{
    double f = (c - a) / (b - a);
    if (u < f)
        return a + sqrt(u * (b - a) * (c - a));
    return b - sqrt((1 - u) * (b - a) * (b - c));
}

double kou_prior_quantile(const kou_prior *p, double u)
{
    double a = p->lo, b = p->hi, x;
    if (!(u > 0))
        return a; /* exactly: exp(log) and the normal's inverse miss the ends by ulps or more */
    if (u >= 1)
        return b;
    switch (p->shape) {
    case KOU_PRIOR_TRIANGULAR:
        x = triangular_quantile(a, p->mode, b, u);
        break;
    case KOU_PRIOR_PERT: {
        double alpha = 1 + 4 * (p->mode - a) / (b - a), beta = 1 + 4 * (b - p->mode) / (b - a);
        x = a + (b - a) * gsl_cdf_beta_Pinv(u, alpha, beta);
        break;
    }
    case KOU_PRIOR_LOGUNIFORM:
        x = exp(log(a) + u * (log(b) - log(a)));
        break;
    case KOU_PRIOR_NORMAL: {
        double plo, phi;
        normal_ends(p, &plo, &phi);
        x = p->mean + p->sd * gsl_cdf_ugaussian_Pinv(plo + u * (phi - plo));
        break;
    }
    default:
        x = a + u * (b - a);
        break;
    }
    return x < a ? a : x > b ? b : x; /* the inverses may stray by an ulp */
}

double kou_prior_central(const kou_prior *p)
{
    if (p->shape == KOU_PRIOR_UNIFORM)
        return 0.5 * (p->lo + p->hi); /* exactly the middle a scenario wrote before */
    return kou_prior_quantile(p, 0.5);
}

double kou_prior_mean(const kou_prior *p)
{
    double a = p->lo, b = p->hi;
    switch (p->shape) {
    case KOU_PRIOR_TRIANGULAR:
        return (a + p->mode + b) / 3;
    case KOU_PRIOR_PERT:
        return (a + 4 * p->mode + b) / 6;
    case KOU_PRIOR_LOGUNIFORM:
        return (b - a) / (log(b) - log(a));
    case KOU_PRIOR_NORMAL: {
        double alpha = (a - p->mean) / p->sd, beta = (b - p->mean) / p->sd;
        double z = gsl_cdf_ugaussian_P(beta) - gsl_cdf_ugaussian_P(alpha);
        double phi_a = exp(-0.5 * alpha * alpha), phi_b = exp(-0.5 * beta * beta);
        return p->mean + p->sd * (phi_a - phi_b) / (SQRT_2PI * z);
    }
    default:
        return 0.5 * (a + b);
    }
}

static bool same_number(double x, double y)
{
    return x == y || (isnan(x) && isnan(y));
}

bool kou_prior_same(const kou_prior *a, const kou_prior *b)
{
    return a->shape == b->shape && same_number(a->lo, b->lo) && same_number(a->hi, b->hi) &&
           same_number(a->mode, b->mode) && same_number(a->mean, b->mean) && same_number(a->sd, b->sd);
}

void kou_prior_describe(const kou_prior *p, char *buf, size_t len)
{
    const char *s = kou_prior_shape_name(p->shape);
    if (has_mode(p->shape))
        snprintf(buf, len, "%s %g..%g mode %g", s, p->lo, p->hi, p->mode);
    else if (p->shape == KOU_PRIOR_NORMAL)
        snprintf(buf, len, "normal mean %g sd %g in %g..%g", p->mean, p->sd, p->lo, p->hi);
    else
        snprintf(buf, len, "%s %g..%g", s, p->lo, p->hi);
}

void kou_prior_row_text(const kou_prior *p, char *buf, size_t len)
{
    char shape[160];
    kou_prior_describe(p, shape, sizeof shape);
    snprintf(buf, len, "%s, central %.6g (median); used %.6g; %s%s%s", shape, kou_prior_central(p), p->used,
             p->where, p->source[0] ? "; source: " : "", p->source);
}
