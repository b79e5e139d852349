/*
** sweep_h5.h — the HDF5 file of one `kouan sweep` (docs/hdf5-schema.md,
** "Sweep files"): the design (factor paths, method, the points x factors
** matrix), one row per run (point, replication, seed, status, error text,
** wall time) and the KPI table (points x replications x groups x metrics,
** float64, NaN where a run failed or has not run); after a complete
** Saltelli sweep, /sensitivity: the Sobol indices of one KPI.
**
** Every dataset is created at full size, contiguous, with its space
** allocated at creation and filled (status 0 = not run, KPIs NaN), then the
** file is flushed. After that a run only overwrites raw data at fixed
** offsets: its KPIs first, a flush, then its /runs row, a flush. So a
** killed sweep leaves a readable file whose finished rows say so, and
** kou_sweep_h5_resume picks it up. The root attribute complete (0 until
** kou_sweep_h5_close(w, true)) is written in place.
**
** One thread: call every function from the same thread (toolchain.md §4).
** hdf5.h stays under core/io/.
*/
#ifndef KOUAN_IO_SWEEP_H5_H
#define KOUAN_IO_SWEEP_H5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exp/sobol_index.h"

#define KOU_SWEEP_H5_SCHEMA_VERSION 1
#define KOU_SWEEP_ERROR_LEN 256 /* bytes of /runs error, NUL included */

enum { KOU_SWEEP_NOT_RUN = 0, KOU_SWEEP_OK = 1, KOU_SWEEP_FAILED = 2 };

typedef struct kou_sweep_layout {
    const char *method;
    size_t nfactors;
    const char *const *paths;   /* nfactors */
    size_t npoints;
    const double *matrix;       /* npoints x nfactors, row-major */
    const char *const *types;   /* nfactors: "number", "integer" or "boolean", the values' type as
                                   applied; NULL: none (/design/factor_types left out) */
    size_t reps;
    uint64_t seed;
    size_t ngroups;
    const char *const *groups;  /* "TST air import", "all ports import", ... */
    const int *group_port, *group_mode, *group_dir; /* port index (-1: all), mode (-1), direction */
    size_t nmetrics;
    const char *const *metrics; /* "overall_mean", ... */
} kou_sweep_layout;

typedef struct kou_sweep_h5 kou_sweep_h5;

/* Creates path with the layout (refusing an existing file unless force:
** NULL with *exists set). NULL with a message in err on failure. */
kou_sweep_h5 *kou_sweep_h5_create(const char *path, bool force, const kou_sweep_layout *lay,
                                  bool *exists, char *err, size_t errlen);
/* Opens an existing sweep file for --resume. Its layout must equal lay
** (factor paths, method, matrix bit for bit, replications, seed, groups,
** metrics): otherwise NULL with what differs. status[point * reps + rep]
** receives each run's status. */
kou_sweep_h5 *kou_sweep_h5_resume(const char *path, const kou_sweep_layout *lay, uint8_t *status,
                                  char *err, size_t errlen);

/* Root attributes (replacing one of the same name). */
void kou_sweep_h5_attr_str(kou_sweep_h5 *w, const char *name, const char *value);
void kou_sweep_h5_attr_int(kou_sweep_h5 *w, const char *name, int64_t value);

/* One finished run: kpi holds ngroups x nmetrics values (NULL: all NaN). */
void kou_sweep_h5_run(kou_sweep_h5 *w, size_t point, size_t rep, uint64_t seed, int status,
                      const char *error, double wall_seconds, const double *kpi);

const char *kou_sweep_h5_error(const kou_sweep_h5 *w);

/* /sensitivity (a Saltelli design's): the Sobol indices of one KPI (group
** and metric names) over the points, one value per factor of /design in
** each of first_order, first_order_lo, first_order_hi, total_order,
** total_order_lo, total_order_hi; attributes group, metric, estimators,
** base_points (used), bootstrap, mean and variance (docs/hdf5-schema.md).
** Replaces an earlier /sensitivity. */
void kou_sweep_h5_sobol(kou_sweep_h5 *w, const char *group, const char *metric, const kou_sobol_indices *x,
                        size_t nboot);

/* `kouan sweep-merge`: writes out (refusing an existing file unless force)
** from the sweep files inputs[0..n-1], shards of one sweep (--shard i/N):
** their layouts must be equal; each recorded run is copied (a run recorded
** in two inputs is an error). The root attributes of the first input are
** copied; complete = 1 when every run is recorded. *missing receives the
** runs no input holds. 0, or -1 with a message in err (2 in *usage for a
** usage error: an existing output, a missing or foreign input). */
int kou_sweep_h5_merge(const char *out, const char *const *inputs, size_t n, bool force, size_t *missing,
                       int *usage, char *err, size_t errlen);

/* Sets complete (when asked and no error), closes, frees. 0 or -1 with the
** first error in err. NULL is a no-op. */
int kou_sweep_h5_close(kou_sweep_h5 *w, bool complete, char *err, size_t errlen);

#endif
