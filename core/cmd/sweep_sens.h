/*
** sweep_sens.h — the sensitivity part of `kouan sweep` (docs/sweep.md):
** which KPI it is about (--group and --metric: a group of the sweep's KPI
** table, "all ports import" by default, and one of the metrics the design
** keeps, "overall_mean" by default; a misspelt name is refused naming the
** nearest), and, over the mean of each point's replications, the
** standardized regression coefficients (exp/sensitivity.h) and, for a
** Saltelli design, the Sobol first- and total-order indices with their
** bootstrap intervals (exp/sobol_index.h), as the summary prints them.
** Storing the indices is sweep_h5's (kou_sweep_h5_sobol).
*/
#ifndef KOUAN_CMD_SWEEP_SENS_H
#define KOUAN_CMD_SWEEP_SENS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "exp/design.h"
#include "exp/sensitivity.h"
#include "exp/sobol_index.h"

#define KOU_SWEEP_DEFAULT_GROUP "all ports import"
#define KOU_SWEEP_DEFAULT_METRIC "overall_mean"

/* The KPI of the sensitivity: a column of the KPI table. */
typedef struct kou_sweep_kpi {
    bool found;      /* false: the default is not in the table (no sensitivity) */
    size_t group, metric;
} kou_sweep_kpi;

/* Finds group (NULL: the default) among groups[0..ng) and metric (NULL:
** the default) among metrics[0..nm), the metrics kept. 0; or, for a name
** given that is not there, the exit status 2 after the usage error (the
** nearest name, or the names there); a default that is not there is no
** error (out->found false). */
int kou_sweep_kpi_pick(const char *group, const char *metric, const char *const *groups, size_t ng,
                       const char *const *metrics, size_t nm, kou_sweep_kpi *out);

typedef struct kou_sweep_sens {
    const char *group, *metric;
    bool src_ok;             /* enough points for the regression */
    kou_src src;
    bool sobol, sobol_ok;    /* a Saltelli design; its indices estimated */
    size_t nboot;
    kou_sobol_indices idx;
} kou_sweep_sens;

/* The sensitivity of y (the KPI's mean over each point's replications,
** NaN for a point with a failed run) on design d of spec; the bootstrap
** draws from seed. */
void kou_sweep_sens_compute(kou_sweep_sens *out, const kou_design *d, const kou_design_spec *spec, const double *y,
                            uint64_t seed);
void kou_sweep_sens_print(FILE *f, const kou_sweep_sens *x, const kou_design_spec *spec, size_t npoints);

#endif
