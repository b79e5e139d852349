/*
** design.c — the matrices of the five designs (design.h).
*/
#include "exp/design.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_qrng.h>

#include "kernel/base.h"
#include "kernel/rng.h"
#include "kernel/sim.h"

struct kou_design {
    kou_design_spec spec;
    size_t npoints;
    double *matrix; /* npoints x nfactors */
};

static const char *const method_names[KOU_DESIGN_METHOD_COUNT] = {"factorial", "oat", "lhs", "sobol", "saltelli"};

const char *kou_design_method_name(kou_design_method m)
{
    return (unsigned)m < KOU_DESIGN_METHOD_COUNT ? method_names[m] : "?";
}

int kou_design_method_find(const char *name)
{
    for (int m = 0; m < KOU_DESIGN_METHOD_COUNT; m++)
        if (strcmp(name, method_names[m]) == 0)
            return m;
    return -1;
}

/* ---- factors ---- */

void kou_factor_complete(kou_factor *f)
{
    double first_or_middle;
    if (f->continuous) {
        first_or_middle = 0.5 * (f->min + f->max);
        for (size_t k = 0; k < f->nlevels; k++)
            f->levels[k] = f->min + (f->max - f->min) * (double)k / (double)(f->nlevels - 1);
    } else {
        f->min = f->max = f->levels[0];
        for (size_t k = 1; k < f->nlevels; k++) {
            f->min = fmin(f->min, f->levels[k]);
            f->max = fmax(f->max, f->levels[k]);
        }
        first_or_middle = f->levels[0];
    }
    if (!f->base_given)
        f->base = first_or_middle;
    if (f->integer) {
        f->base = round(f->base);
        for (size_t k = 0; k < f->nlevels; k++)
            f->levels[k] = round(f->levels[k]);
    }
}

double kou_factor_value(const kou_factor *f, double u)
{
    if (f->continuous) {
        double v = f->min + u * (f->max - f->min);
        return f->integer ? round(v) : v;
    }
    size_t k = (size_t)(u * (double)f->nlevels);
    return f->levels[k < f->nlevels ? k : f->nlevels - 1];
}

/* ---- the five matrices ---- */

/* Every combination of the levels, the last factor varying fastest. */
static void fill_factorial(const kou_design_spec *s, size_t np, double *x)
{
    size_t nf = s->nfactors;
    for (size_t p = 0; p < np; p++) {
        size_t r = p;
        for (size_t i = nf; i-- > 0;) {
            x[p * nf + i] = s->factors[i].levels[r % s->factors[i].nlevels];
            r /= s->factors[i].nlevels;
        }
    }
}

/* The base point, then each factor alone at each of its other levels. */
static void fill_oat(const kou_design_spec *s, double *x)
{
    size_t nf = s->nfactors, p = 1;
    for (size_t i = 0; i < nf; i++)
        x[i] = s->factors[i].base;
    for (size_t i = 0; i < nf; i++)
        for (size_t k = 0; k < s->factors[i].nlevels; k++) {
            if (s->factors[i].levels[k] == s->factors[i].base)
                continue;
            for (size_t j = 0; j < nf; j++)
                x[p * nf + j] = s->factors[j].base;
            x[p * nf + i] = s->factors[i].levels[k];
            p++;
        }
}

/* Stream "sweep.lhs" of a kernel simulation seeded with the design's
** seed: one random permutation of the strata per factor (Fisher-Yates)
** and a uniform offset inside each stratum. */
static void fill_lhs(const kou_design_spec *s, size_t np, double *x)
{
    size_t nf = s->nfactors;
    char err[256];
    kou_sim_config sc;
    kou_sim_config_default(&sc);
    sc.seed = s->seed;
    kou_sim *sim = NULL;
    KOU_CHECK(kou_sim_new(&sim, &sc, err, sizeof err) == KOU_OK); /* a default configuration */
    kou_rng *r = kou_rng_stream_create(sim, "sweep.lhs");
    KOU_CHECK(r != NULL);
    size_t *perm = koui_malloc((np ? np : 1) * sizeof *perm);
    for (size_t i = 0; i < nf; i++) {
        for (size_t p = 0; p < np; p++)
            perm[p] = p;
        for (size_t p = np; p > 1; p--) {
            size_t k = kou_rng_index(r, (uint32_t)p);
            size_t tmp = perm[p - 1];
            perm[p - 1] = perm[k];
            perm[k] = tmp;
        }
        for (size_t p = 0; p < np; p++)
            x[p * nf + i] = kou_factor_value(&s->factors[i], ((double)perm[p] + kou_rng_uniform(r)) / (double)np);
    }
    free(perm);
    kou_sim_free(sim);
}

/* GSL's Sobol sequence from its first point. */
static void fill_sobol(const kou_design_spec *s, size_t np, double *x)
{
    size_t nf = s->nfactors;
    KOU_CHECK(nf <= KOU_DESIGN_SOBOL_DIMENSIONS);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)nf);
    if (q == NULL)
        koui_oom(sizeof(double) * nf);
    double u[KOU_DESIGN_SOBOL_DIMENSIONS];
    for (size_t p = 0; p < np; p++) {
        gsl_qrng_get(q, u);
        for (size_t i = 0; i < nf; i++)
            x[p * nf + i] = kou_factor_value(&s->factors[i], u[i]);
    }
    gsl_qrng_free(q);
}

/* Saltelli's design of N base points (points): one Sobol sequence of 2k
** dimensions from its first point, the first k columns the rows of A, the
** last k those of B; the rows are the block A, the block B, then for each
** factor i the block AB_i (A with column i from B), N rows each. */
static void fill_saltelli(const kou_design_spec *s, size_t nbase, double *x)
{
    size_t nf = s->nfactors, np = nbase * (nf + 2);
    KOU_CHECK(nf <= KOU_DESIGN_SALTELLI_FACTORS);
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)(2 * nf));
    if (q == NULL)
        koui_oom(sizeof(double) * nf);
    double u[KOU_DESIGN_SOBOL_DIMENSIONS];
    for (size_t j = 0; j < nbase; j++) {
        gsl_qrng_get(q, u);
        for (size_t i = 0; i < nf; i++) {
            x[j * nf + i] = kou_factor_value(&s->factors[i], u[i]);
            x[(nbase + j) * nf + i] = kou_factor_value(&s->factors[i], u[nf + i]);
        }
    }
    gsl_qrng_free(q);
    for (size_t b = 0; b < nf; b++)
        for (size_t j = 0; j < nbase; j++) {
            double *row = x + ((b + 2) * nbase + j) * nf;
            memcpy(row, x + j * nf, nf * sizeof *row);
            row[b] = x[(nbase + j) * nf + b];
        }
    KOU_CHECK(np == nbase * (nf + 2));
}

/* The number of points, or 0 when a full factorial has too many. */
static size_t count_points(const kou_design_spec *s)
{
    size_t np = 1;
    switch (s->method) {
    case KOU_DESIGN_FACTORIAL:
        for (size_t i = 0; i < s->nfactors; i++) {
            if (np > KOU_DESIGN_MAX_POINTS / s->factors[i].nlevels)
                return 0;
            np *= s->factors[i].nlevels;
        }
        return np;
    case KOU_DESIGN_OAT:
        for (size_t i = 0; i < s->nfactors; i++)
            for (size_t k = 0; k < s->factors[i].nlevels; k++)
                np += s->factors[i].levels[k] != s->factors[i].base;
        return np;
    case KOU_DESIGN_SALTELLI:
        return (size_t)s->points * (s->nfactors + 2);
    default:
        return (size_t)s->points;
    }
}

kou_design *kou_design_new(const kou_design_spec *spec, char *err, size_t errlen)
{
    KOU_CHECK(spec->nfactors <= KOU_DESIGN_MAX_FACTORS && (unsigned)spec->method < KOU_DESIGN_METHOD_COUNT);
    size_t np = count_points(spec);
    if (np == 0 && spec->method == KOU_DESIGN_FACTORIAL) {
        snprintf(err, errlen, "the full factorial has more than 1e7 points");
        return NULL;
    }
    kou_design *d = koui_calloc(1, sizeof *d);
    d->spec = *spec;
    d->npoints = np;
    size_t cells = np * spec->nfactors;
    d->matrix = koui_malloc((cells > 0 ? cells : 1) * sizeof *d->matrix);
    switch (spec->method) {
    case KOU_DESIGN_FACTORIAL: fill_factorial(&d->spec, np, d->matrix); break;
    case KOU_DESIGN_OAT: fill_oat(&d->spec, d->matrix); break;
    case KOU_DESIGN_LHS: fill_lhs(&d->spec, np, d->matrix); break;
    case KOU_DESIGN_SALTELLI: fill_saltelli(&d->spec, (size_t)spec->points, d->matrix); break;
    default: fill_sobol(&d->spec, np, d->matrix); break;
    }
    return d;
}

void kou_design_free(kou_design *d)
{
    if (d == NULL)
        return;
    free(d->matrix);
    free(d);
}

size_t kou_design_points(const kou_design *d)
{
    return d->npoints;
}

const double *kou_design_matrix(const kou_design *d)
{
    return d->matrix;
}

const double *kou_design_row(const kou_design *d, size_t point)
{
    KOU_CHECK(point < d->npoints);
    return d->matrix + point * d->spec.nfactors;
}

/* ---- the factors against a base configuration ---- */

kou_status kou_design_bind(kou_design_spec *spec, const kou_model_config *base, kou_param_ref *refs, char *err,
                           size_t errlen)
{
    for (size_t i = 0; i < spec->nfactors; i++) {
        kou_factor *f = &spec->factors[i];
        char why[512];
        kou_status st = kou_param_resolve(base, f->path, &refs[i], why, sizeof why);
        if (st != KOU_OK) {
            snprintf(err, errlen, "sweep.factors[%zu]: %s", i + 1, why);
            return st;
        }
        if (!f->integer_given)
            f->integer = kou_param_is_integer(&refs[i]);
        kou_factor_complete(f);
    }
    return KOU_OK;
}

kou_model_config *kou_design_point_config(const kou_design_spec *spec, const kou_param_ref *refs,
                                          const kou_model_config *base, const double *values, char *err,
                                          size_t errlen)
{
    kou_model_config *cfg = kou_model_config_copy(base);
    kou_status st = KOU_OK;
    for (size_t i = 0; i < spec->nfactors && st == KOU_OK; i++)
        st = kou_param_apply(cfg, &refs[i], values[i], err, errlen);
    if (st == KOU_OK)
        st = kou_model_validate(cfg, err, errlen);
    if (st != KOU_OK) {
        kou_model_config_free(cfg);
        return NULL;
    }
    return cfg;
}
