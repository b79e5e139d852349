/*
** prun.h — the results of a process-style run (lua/lsim.h scenarios run
** with --reps): per replication, each resource's statistics (a list of
** named columns, whatever res:stats() gives) and its sampled time series,
** the same for each container and each store (c:stats(), s:stats()),
** each monitor's statistics (lua/lmonitor.h) and its time series of
** records or changes. Plain data shared by the layers that fill it
** (core/lua: one replication in its own Lua state), write and read it
** (core/io/h5process.h) and print it (core/cmd): no Lua, no HDF5 here.
**
** Ownership: a kou_prun owns everything it points to (malloc'd), names
** included; kou_prun_free releases it. A replication (kou_prun_rep) is
** filled on a worker thread into its own slot and owns its own copy of
** the names it saw; kou_prun_adopt then checks them against the run's
** (every replication of one scenario must make the same resources,
** containers, stores and monitors, in the same order) and frees them. No function here touches
** shared state: different replications may be filled on different threads.
**
** Containers and stores. Two tables, one per kind (kou_prun_fac), each
** laid out as the resources' (names, columns, [i * ncols + c]), rather
** than one table of facilities with a kind column: their stats() differ
** (a container's level, min_level, amount_put, ...; a store's size,
** mean_stay, ...), so a shared table would hold the union, half of each
** row a NaN that means "not this kind" where NaN elsewhere means "not
** defined in this replication"; two tables keep every column meaningful
** for every row, and a reader takes a column by name without a kind test.
*/
#ifndef KOUAN_EXP_PRUN_H
#define KOUAN_EXP_PRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A monitor's statistics, in this column order (kou_prun_mon_col_name). */
enum {
    KOU_PRUN_MON_N,    /* tally: records; level: changes */
    KOU_PRUN_MON_MEAN, /* level: time-averaged over [creation or reset, end] */
    KOU_PRUN_MON_SD,   /* level: time-weighted */
    KOU_PRUN_MON_MIN,
    KOU_PRUN_MON_MAX,
    KOU_PRUN_MON_COLS
};
const char *kou_prun_mon_col_name(int col);

typedef enum kou_prun_kind { KOU_PRUN_TALLY = 0, KOU_PRUN_LEVEL = 1 } kou_prun_kind;
const char *kou_prun_kind_name(kou_prun_kind k);
/* -1 when name is neither "tally" nor "level". */
int kou_prun_kind_find(const char *name);

/* Containers and stores, each kind its own table. */
typedef enum kou_prun_fac { KOU_PRUN_CONTAINER = 0, KOU_PRUN_STORE = 1 } kou_prun_fac;
#define KOU_PRUN_FACS 2
/* "container", "store"; the plural names the kind's group of the file. */
const char *kou_prun_fac_name(kou_prun_fac k);
const char *kou_prun_fac_plural(kou_prun_fac k);
/* The values of a container's or store's series point, after t: the level
** (a container) or size (a store), then puts waiting, gets waiting
** (kou_prun_fac_series_name). */
#define KOU_PRUN_FAC_NV 3
const char *kou_prun_fac_series_name(kou_prun_fac k, int v);

/* A time series: n points (t[i], v[0][i], ..., v[nv-1][i]), t nondecreasing. */
typedef struct kou_prun_series {
    size_t n, cap;
    double *t;
    double *v[KOU_PRUN_FAC_NV];
} kou_prun_series;
/* Appends a point of nv values v[0..nv) (nv at most KOU_PRUN_FAC_NV; the
** same nv at every call). */
void kou_prun_series_add(kou_prun_series *s, int nv, double t, const double *v);
void kou_prun_series_free(kou_prun_series *s);
/* Gives back the room kou_prun_series_add reserved past n (it doubles the
** capacity, so up to half of a series' memory is unused). A finished
** replication's series are held until the run file is written, so each
** one is fitted when its replication ends (kou_prun_rep_fit). */
void kou_prun_series_fit(kou_prun_series *s);

/* The names one replication saw (freed by kou_prun_adopt). */
typedef struct kou_prun_layout {
    size_t nres, ncols, nmon;
    char **res_names;  /* nres */
    char **cols;       /* ncols: the resource statistics' names */
    char **mon_names;  /* nmon */
    kou_prun_kind *mon_kinds;
    size_t nfac[KOU_PRUN_FACS], nfcols[KOU_PRUN_FACS];
    char **fac_names[KOU_PRUN_FACS]; /* nfac[k]: containers, stores in creation order */
    char **fac_cols[KOU_PRUN_FACS];  /* nfcols[k]: the names their stats() gives */
} kou_prun_layout;
void kou_prun_layout_free(kou_prun_layout *l);

typedef struct kou_prun_rep {
    uint64_t seed;
    double end_time;           /* simulated hours at the end */
    uint64_t events;           /* kernel events fired */
    kou_prun_layout layout;
    double *res;               /* [i * ncols + c] */
    double *mon;               /* [j * KOU_PRUN_MON_COLS + c] */
    kou_prun_series *res_ts;   /* nres: t, queue length, busy servers */
    kou_prun_series *mon_ts;   /* nmon: t, value */
    double *fac[KOU_PRUN_FACS];            /* [i * nfcols[k] + c] */
    kou_prun_series *fac_ts[KOU_PRUN_FACS]; /* nfac[k]: t, level or size, puts and gets waiting */
    char *output;              /* what the scenario printed, or NULL */
    bool stopped;              /* ended early by a stop request (exp/replicate.h): not a result */
} kou_prun_rep;

typedef struct kou_prun {
    char *title, *script, *command_line;
    uint64_t seed;             /* replication r runs with seed + r */
    double until;              /* +infinity: until no event was pending */
    double sample_hours;       /* step of the resources', containers' and stores' series */
    bool complete;
    size_t nset;
    char **set_key, **set_value;
    kou_prun_layout layout;    /* replication 1's */
    size_t nreps;
    kou_prun_rep *reps;        /* nreps */
} kou_prun;

/* A run of nreps empty replications with copies of the strings given. */
kou_prun *kou_prun_new(const char *title, const char *script, const char *command_line, uint64_t seed, double until,
                       double sample_hours, size_t nset, const char *const *set_key, const char *const *set_value,
                       size_t nreps);
void kou_prun_free(kou_prun *p); /* NULL is a no-op */
void kou_prun_rep_free(kou_prun_rep *r);
/* Fits every series of a finished replication (kou_prun_series_fit). */
void kou_prun_rep_fit(kou_prun_rep *r);

/* Takes replication r's layout as the run's (r == 0) or checks it against
** the run's, then frees the replication's copy. false with a message in
** err when they differ. */
bool kou_prun_adopt(kou_prun *p, size_t r, char *err, size_t errlen);

/* Resource i's column c over the replications: mean and 95 % Student-t
** half-width (NaN with fewer than 2 defined values; 0 when every value
** is the same, an infinite capacity included), and how many were defined
** (not NaN). Likewise a monitor's column, a container's or store's. */
void kou_prun_res_summary(const kou_prun *p, size_t i, size_t c, double *mean, double *half, size_t *n);
void kou_prun_mon_summary(const kou_prun *p, size_t j, size_t c, double *mean, double *half, size_t *n);
void kou_prun_fac_summary(const kou_prun *p, kou_prun_fac k, size_t i, size_t c, double *mean, double *half,
                          size_t *n);

#endif
