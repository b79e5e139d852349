/*
** kpi.h — the key performance indicators a planner reads: the overall
** clearance time (整体通关时间) of each port, mode and direction with its
** quantiles, the three clocks that split it, the shares released within
** 1, 6 and 24 hours, inspection rates, cost, and the use of each resource;
** first for one replication (kou_kpi, fed by the model's observer), then
** across replications (kou_kpi_summary: mean ± Student-t 95 % half-width),
** with a printed table and accessors for tests, HDF5 and comparisons.
**
** Definitions (hours; milestones of model.h; domain.md §1.1, design.md §3):
**   overall clearance time = RELEASED - ARRIVAL. The working definition:
**       import from the arrival of the means of transport, export from the
**       goods' arrival at the port, to customs release.
**   preparation (enterprise and port) = max(0, DECLARED - ARRIVAL): 0 for
**       a consignment declared in advance.
**   customs (customs and other agencies) = RELEASED - max(ARRIVAL, DECLARED):
**       from the declaration, or from arrival when declared in advance (the
**       goods cannot be released before they are there).
**       So preparation + customs = overall, for every consignment.
**   port logistics = GATE_OUT - RELEASED (export: release to departure).
**   total dwell = GATE_OUT - ARRIVAL.
**   released within H hours: share with overall clearance time <= H.
**   inspection rate: share with KOU_FLAG_INSPECTED (selected); scan rate:
**       share with KOU_FLAG_SCANNED; manual rate: share with
**       KOU_FLAG_MANUAL. All three over all consignments of the group, so
**       scan and manual rates add up to at least the inspection rate
**       (a scan not cleared on the image is followed by a manual check).
**   cost: mean of record.cost (CNY) per consignment.
** A clock whose milestones are missing (NaN) in a record is left out of
** that clock's mean; the record still counts in n and in the shares.
**
** Groups. kou_kpi_new makes one group per (port, mode, direction) that the
** configuration's flows can produce (mode is the flow's), in port then
** flow order, then one "all ports" group per direction present (port_index
** -1, mode -1), which takes every record of that direction.
**
** Quantiles and memory. The median, p90 and p95 of the overall clearance
** time come from a fixed-memory histogram of each group's times
** (kou_qsketch, stats.h), not from kept values. They follow the rule of exact sample quantiles (linear
** interpolation between order statistics at p (n - 1), as numpy and GSL)
** within a relative error below 2^-10 (0.098 %, so "within 0.1 %") for
** times from 2^-20 h (3.4 ms) to 2^20 h (120 years); times of exactly 0,
** the smallest and the largest time, and a group whose times are all equal
** come out exact. Below 2^-20 h the error is under 2^-20 h (absolute).
** The results are deterministic and the same on every platform with IEEE
** doubles (no logarithms in the bucketing). A negative overall clearance
** time (RELEASED before ARRIVAL) is a bug and aborts (KOU_CHECK).
**
** Memory is bounded by the spread of the times, not by the length of the
** run: per group, under 1 KB plus 8 KB per binade (factor of 2) that its
** times reach (1 minute to 1,000 hours: 129 KB), at most
** KOU_QSKETCH_MAX_BYTES (321 KB). Everything else is running sums. The
** summary keeps one double per metric, group and replication.
**
** Thread safety: none inside; use one kou_kpi per replication (the model's
** observer runs on the replication's thread) and add them to the summary
** from one thread.
*/
#ifndef KOUAN_MODEL_KPI_H
#define KOUAN_MODEL_KPI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model/model.h"

/* The quantiles' relative error bound (see above): 2^-10, under 0.1 %. */
#define KOU_KPI_QUANTILE_REL_ERROR (1.0 / 1024)

/* ---- the metrics of a group ---- */
typedef enum kou_kpi_metric {
    KOU_KPI_COUNT,            /* consignments reported */
    KOU_KPI_OVERALL_MEAN,     /* overall clearance time, hours */
    KOU_KPI_OVERALL_MEDIAN,
    KOU_KPI_OVERALL_P90,
    KOU_KPI_OVERALL_P95,
    KOU_KPI_PREP_MEAN,        /* the three clocks, mean hours */
    KOU_KPI_CUSTOMS_MEAN,
    KOU_KPI_LOGISTICS_MEAN,
    KOU_KPI_DWELL_MEAN,       /* arrival -> gate-out, mean hours */
    KOU_KPI_WITHIN_1H,        /* shares in [0, 1] */
    KOU_KPI_WITHIN_6H,
    KOU_KPI_WITHIN_24H,
    KOU_KPI_INSPECTION_RATE,
    KOU_KPI_SCAN_RATE,
    KOU_KPI_MANUAL_RATE,
    KOU_KPI_COST_MEAN,        /* CNY per consignment */
    KOU_KPI_METRIC_COUNT
} kou_kpi_metric;

/* The metrics of a resource (see kou_resource_report in model.h). */
typedef enum kou_kpi_res_metric {
    KOU_KPI_RES_CAPACITY,     /* mean servers open */
    KOU_KPI_RES_UTILISATION,  /* share in [0, 1] (above 1 only for overtime) */
    KOU_KPI_RES_MEAN_QUEUE,
    KOU_KPI_RES_MEAN_WAIT,    /* hours */
    KOU_KPI_RES_SERVED,
    KOU_KPI_RES_METRIC_COUNT
} kou_kpi_res_metric;

/* "overall_mean", "within_24h", ... (for HDF5 column names); "?" out of
** range. */
const char *kou_kpi_metric_name(kou_kpi_metric m);
const char *kou_kpi_res_metric_name(kou_kpi_res_metric m);

/* What a group is. Strings belong to the kou_kpi or summary that returned
** the descriptor and live as long as it. */
typedef struct kou_kpi_group {
    const char *port; /* the port's name, or "all ports" */
    int port_index;   /* index into cfg->ports; -1 for an all-ports group */
    int mode;         /* kou_mode; -1 for an all-ports group (every mode) */
    int direction;    /* kou_direction */
} kou_kpi_group;

/* What a resource is (strings as above). */
typedef struct kou_kpi_resource_id {
    const char *port; /* the port's name */
    int port_index;
    const char *name; /* the resource's name */
} kou_kpi_resource_id;

/* ---- one replication ---- */
typedef struct kou_kpi kou_kpi;

/* The groups of cfg (see above), empty. cfg must be valid
** (kou_model_validate; a flow's mode or direction out of range is checked
** and aborts). cfg is read only here: port names are copied, so the
** kou_kpi does not depend on it afterwards. Never NULL (out of memory is
** fatal, base.h). */
kou_kpi *kou_kpi_new(const kou_model_config *cfg);
void kou_kpi_free(kou_kpi *k);

/* Observer callbacks: pass them with the kou_kpi as ctx,
**   kou_model_observer obs = {.ctx = k, .consignment_done = kou_kpi_observe,
**                             .resource_done = kou_kpi_resource};
** A record whose port, mode and direction are not a group of the
** configuration the kou_kpi was made from is a bug (checked, aborts). */
void kou_kpi_observe(void *kpi, const kou_consignment_record *rec);
/* Keeps a copy of the report (the name is copied). */
void kou_kpi_resource(void *kpi, const kou_resource_report *r);

size_t kou_kpi_groups(const kou_kpi *k);
kou_kpi_group kou_kpi_group_info(const kou_kpi *k, size_t g); /* g < kou_kpi_groups */
/* The metric of group g in this replication: NaN when undefined (a mean
** or share of no consignments). Quantiles are the sketch's (see above:
** within 0.1 %); reading them changes nothing. */
double kou_kpi_get(const kou_kpi *k, size_t g, kou_kpi_metric m);

size_t kou_kpi_resources(const kou_kpi *k);
/* The i-th report received (i < kou_kpi_resources), name owned by k. */
const kou_resource_report *kou_kpi_resource_at(const kou_kpi *k, size_t i);

/* ---- across replications ---- */
typedef struct kou_kpi_summary kou_kpi_summary;

/* A metric across replications: the mean of its per-replication values and
** the Student-t 95 % half-width of that mean (NaN when n < 2). n counts the
** replications where the value was defined (not NaN): a group with no
** consignments in a replication has no mean time there. Quantiles too are
** taken per replication and then averaged (the mean p90 of a replication),
** not pooled: replications are the independent observations. */
typedef struct kou_kpi_value {
    double mean, half;
    size_t n;
} kou_kpi_value;

kou_kpi_summary *kou_kpi_summary_new(void);
void kou_kpi_summary_free(kou_kpi_summary *s);
/* Adds one replication: every metric of every group, and every resource
** report. Groups are matched by (port name, port index, mode, direction),
** resources by (port index, name, and order among equal names), so
** replications of one configuration line up; a group or resource not seen
** before is added (undefined in the replications before it). Reads
** one_replication only (it may be freed afterwards). */
void kou_kpi_summary_add(kou_kpi_summary *s, const kou_kpi *one_replication);
size_t kou_kpi_summary_replications(const kou_kpi_summary *s);
/* Adds one replication from values, as kou_kpi_summary_add does from a
** kou_kpi (used to rebuild a summary from a run file, so that
** kou_kpi_summary_print prints the same table): groups[g] with its
** KOU_KPI_METRIC_COUNT values at group_values[g * KOU_KPI_METRIC_COUNT + m],
** resources[i] with its KOU_KPI_RES_METRIC_COUNT values at
** resource_values[i * KOU_KPI_RES_METRIC_COUNT + m]; NaN = undefined.
** Matched as kou_kpi_summary_add matches (a resource's occurrence counts
** earlier entries of resources[] with the same port index and name).
** Pass the groups in the order kou_kpi_new makes them and the resources in
** the order the model reports them. Strings are copied; arrays may be
** NULL when their count is 0. */
void kou_kpi_summary_add_values(kou_kpi_summary *s, size_t ngroups, const kou_kpi_group *groups,
                                const double *group_values, size_t nresources,
                                const kou_kpi_resource_id *resources, const double *resource_values);
/* The unit the printed table shows metric m in ("h", "%", "CNY" or "" for
** the count) and the factor from the stored value to it (100 for shares). */
const char *kou_kpi_metric_unit(kou_kpi_metric m, double *scale);

size_t kou_kpi_summary_groups(const kou_kpi_summary *s);
kou_kpi_group kou_kpi_summary_group(const kou_kpi_summary *s, size_t g);
kou_kpi_value kou_kpi_summary_get(const kou_kpi_summary *s, size_t g, kou_kpi_metric m);

size_t kou_kpi_summary_resources(const kou_kpi_summary *s);
kou_kpi_resource_id kou_kpi_summary_resource(const kou_kpi_summary *s, size_t i);
kou_kpi_value kou_kpi_summary_resource_get(const kou_kpi_summary *s, size_t i, kou_kpi_res_metric m);

/* Prints the KPI table: a heading with title (may be NULL), the number of
** replications and the definitions (with the quantiles' error bound),
** one block per group (ports first, then
** the all-ports groups; one line "no consignments reported" for a group
** with none in every replication), then one row per resource. Times in hours with 2 decimals,
** shares in % with 2 decimals, cost in CNY; with 2 or more replications
** each value is followed by "± half-width" (95 %), with one replication
** by nothing; "-" for an undefined value. Returns 0, or -1 if writing to
** out failed (ferror). */
int kou_kpi_summary_print(const kou_kpi_summary *s, FILE *out, const char *title);

#endif
