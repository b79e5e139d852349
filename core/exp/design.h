/*
** design.h — designs of experiments over a scenario's parameters: the
** factors (a --set path each, with its levels or its range) and the
** matrix of points (rows) x factors (columns) of a full factorial, a
** one-at-a-time, a Latin hypercube, a Sobol or a Saltelli design (for
** Sobol indices, exp/sobol_index.h) (docs/sweep.md).
**
** A design is a function of its specification alone: the Latin hypercube
** draws from the kernel's RNG stream "sweep.lhs" of a simulation seeded
** with the design's seed, the Sobol sequence is GSL's from its first
** point. Factor paths are not owned: they must outlive the design (the
** design file reader, lua/portset.h, keeps them). Pure C; any thread.
**
** A design's factors are bound to a base configuration through the
** parameter table (model/param_path.h): each path names one numeric
** parameter, which also says whether its values are whole; a point's
** configuration is a copy of the base with every factor's value set in
** it, never a trip through text and a second scenario conversion.
*/
#ifndef KOUAN_EXP_DESIGN_H
#define KOUAN_EXP_DESIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/base.h"
#include "model/kpi.h"
#include "model/param_path.h"

#define KOU_DESIGN_MAX_FACTORS 64
#define KOU_DESIGN_MAX_LEVELS 256
#define KOU_DESIGN_MAX_POINTS 10000000   /* of a full factorial */
#define KOU_DESIGN_SOBOL_DIMENSIONS 40   /* GSL's Sobol sequence */

typedef enum kou_design_method {
    KOU_DESIGN_FACTORIAL, KOU_DESIGN_OAT, KOU_DESIGN_LHS, KOU_DESIGN_SOBOL, KOU_DESIGN_SALTELLI,
    KOU_DESIGN_METHOD_COUNT
} kou_design_method;

/* The Saltelli design's A and B are one Sobol sequence of 2k dimensions. */
#define KOU_DESIGN_SALTELLI_FACTORS (KOU_DESIGN_SOBOL_DIMENSIONS / 2)

/* "factorial", "oat", "lhs", "sobol", "saltelli"; the method of a name, or -1. */
const char *kou_design_method_name(kou_design_method m);
int kou_design_method_find(const char *name);

typedef struct kou_factor {
    const char *path;      /* a --set path into the scenario (not owned) */
    bool continuous;       /* a range [min, max]; else the levels given */
    bool integer;          /* values are rounded */
    bool integer_given;    /* the design file said integer = ...; else the parameter decides */
    bool base_given;       /* the design file gave base */
    bool boolean;          /* the design file gave true/false (as 1/0): the parameter must be a boolean */
    double min, max, base; /* base: the one-at-a-time base value */
    size_t nlevels;
    double levels[KOU_DESIGN_MAX_LEVELS];
} kou_factor;

/* Completes a factor as a design file gives it (path; integer; either the
** levels given, or continuous with min, max and nlevels; base when
** base_given): the range of given levels, the evenly spaced levels of a
** range, the base (the first level given or the middle of the range unless
** given), and for an integer factor its levels and base rounded. */
void kou_factor_complete(kou_factor *f);
/* Maps u in [0, 1) to a value: continuous over [min, max] (then rounded
** for an integer factor), else the level floor(u * nlevels). */
double kou_factor_value(const kou_factor *f, double u);

typedef struct kou_design_spec {
    kou_design_method method;
    uint64_t seed;         /* the Latin hypercube's stream; also the runs' first seed */
    uint64_t points;       /* lhs and sobol: the points asked for; saltelli: the base points N */
    size_t nfactors;
    kou_factor factors[KOU_DESIGN_MAX_FACTORS];
} kou_design_spec;

/* What a design file asks for (docs/sweep.md): the design over a base
** scenario, replications, and the KPIs kept. Strings are not owned. */
typedef struct kou_sweep_spec {
    const char *scenario;  /* as written in the design file */
    const char *era;       /* or NULL: the scenario's own */
    uint64_t reps;
    size_t nmetrics;
    kou_kpi_metric metrics[KOU_KPI_METRIC_COUNT];
    kou_design_spec design;
} kou_sweep_spec;

typedef struct kou_design kou_design;

/* The matrix of spec (copied). NULL with a message when the full
** factorial has more than KOU_DESIGN_MAX_POINTS points. */
kou_design *kou_design_new(const kou_design_spec *spec, char *err, size_t errlen);
void kou_design_free(kou_design *d);
size_t kou_design_points(const kou_design *d);
/* npoints x nfactors values, row-major; row p is point p. */
const double *kou_design_matrix(const kou_design *d);
const double *kou_design_row(const kou_design *d, size_t point);

/* ---- the factors of a design against a base configuration ---- */

/* Resolves every factor's path against base (refs: one per factor); a
** factor whose parameter takes whole numbers only becomes integer unless
** the design file said otherwise; then completes every factor. KOU_OK, or
** KOU_ENOENT / KOU_EINVAL with "sweep.factors[i]: PATH: reason" in err. */
kou_status kou_design_bind(kou_design_spec *spec, const kou_model_config *base, kou_param_ref *refs, char *err,
                           size_t errlen);
/* A copy of base with factor i at values[i] (refs from kou_design_bind),
** validated (kou_model_validate); NULL with the reason in err. Free with
** kou_model_config_free. */
kou_model_config *kou_design_point_config(const kou_design_spec *spec, const kou_param_ref *refs,
                                          const kou_model_config *base, const double *values, char *err,
                                          size_t errlen);

#endif
