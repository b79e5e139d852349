/*
** trace.h — what is where at a simulated time t, for the visualiser. Built
** once from a replay (core/io/replay.h), it answers per frame without
** scanning the run from the start, so seeking anywhere is as fast as
** playing:
**  - which consignments are in the system at t (day buckets of the
**    consignments' stays), and at which display stage each one is;
**  - the KPIs so far: consignments cleared by t, their mean and p90 overall
**    clearance time (arrival -> customs release, as in the KPI table);
**  - the resource sample in force at t, the next milestone after t, and a
**    profile of the number in the system over the whole run.
** No SDL here: the tests check these answers against the run file itself.
**
** Display stages group the fourteen milestones into the steps a presenter
** names (unloading, declaration, border station, documents, scan,
** inspection, payment, release, pickup). A consignment in the system is at
** the stage of the next milestone it will reach; milestones before customs
** release that happen after it (duty paid under release before duty) do not
** hold the cargo and are skipped.
**
** The milestones and flags are found in the file by name (the replay's
** milestone_names and flag_names), never by the model's numbers: the
** stages by their milestones ("unloaded", "declared", ... "gate_out", with
** "arrival"), the flags the colours and tooltips show by theirs
** ("advance", "inspected", "scanned"). A file that lacks one of these
** names is refused with one line; milestones the visualiser does not know
** are passed over.
*/
#ifndef KOUAN_VIZ_TRACE_H
#define KOUAN_VIZ_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/replay.h"

typedef enum viz_stage {
    VIZ_ST_UNLOAD,   /* -> unloaded */
    VIZ_ST_DECLARE,  /* -> declared */
    VIZ_ST_BORDER,   /* -> border station done (rail) */
    VIZ_ST_DOCS,     /* -> documents checked, certificates done */
    VIZ_ST_SCAN,     /* -> machine scan done */
    VIZ_ST_INSPECT,  /* -> manual inspection, lab result */
    VIZ_ST_PAY,      /* -> duty paid */
    VIZ_ST_RELEASE,  /* -> customs release */
    VIZ_ST_PICKUP,   /* -> picked up / loaded, gate-out / departed */
    VIZ_ST_COUNT
} viz_stage;

/* Where one consignment is at time t. */
typedef struct viz_where {
    int stage;        /* viz_stage, or -1 when not in the system at t */
    int from_stage;   /* the stage it left at `since`; -1 when it arrived then */
    double since;     /* time it reached its current stage */
} viz_where;

/* The flags the visualiser shows. */
typedef enum viz_flag {
    VIZ_FLAG_ADVANCE,   /* declared in advance */
    VIZ_FLAG_INSPECTED, /* chosen for inspection */
    VIZ_FLAG_SCANNED,   /* machine-scanned */
    VIZ_FLAG_COUNT
} viz_flag;

/* Counts and clearance times of the consignments released by some time. */
typedef struct viz_kpi {
    size_t cleared;
    double mean;      /* NaN when none */
    double p90;       /* nearest rank; NaN when none */
} viz_kpi;

typedef struct viz_trace viz_trace;

/* Builds the indexes; the replay must outlive the trace. NULL with one
** line in err when the replay lacks a milestone or flag name the
** visualiser needs, or memory runs out. */
viz_trace *viz_trace_new(const kou_replay *rp, char *err, size_t errsize);
void viz_trace_free(viz_trace *tr);

const kou_replay *viz_trace_replay(const viz_trace *tr);
/* The replayed span: first arrival to the last consignment's last milestone. */
double viz_trace_begin(const viz_trace *tr);
double viz_trace_end(const viz_trace *tr);

/* The consignments that may be in the system at t: indices into
** rp->consignments, in arrival order; callers keep those whose
** viz_trace_where(...).stage >= 0. */
const uint32_t *viz_trace_candidates(const viz_trace *tr, double t, size_t *n);
viz_where viz_trace_where(const viz_trace *tr, const kou_replay_consignment *c, double t);
/* The same for consignment `index`, faster for those that have left. */
viz_where viz_trace_where_at(const viz_trace *tr, uint32_t index, double t);
/* The stage milestone m (an index into the replay's milestone_names)
** ends, or -1 (arrival, or a milestone the visualiser does not know). */
int viz_trace_stage_of(const viz_trace *tr, size_t m);

/* A consignment's arrival and customs release (NaN: not released). */
double viz_trace_arrival(const viz_trace *tr, const kou_replay_consignment *c);
double viz_trace_released(const viz_trace *tr, const kou_replay_consignment *c);
/* Whether the consignment carries flag f. */
bool viz_trace_flag(const viz_trace *tr, const kou_replay_consignment *c, viz_flag f);

/* Consignments released at or before t, per direction (0 import, 1
** export). mean is exact; p90 is exact at t and at every released
** consignment's time. */
viz_kpi viz_trace_kpi(const viz_trace *tr, int direction, double t);
/* The mean of the cleared so far, at n_points evenly spaced times over
** [begin, end], for the KPI panel's small chart; NaN before the first. */
const double *viz_trace_mean_curve(const viz_trace *tr, int direction, size_t *n_points);

/* The index of the last sample taken at or before t, or -1 before the first. */
long viz_trace_sample_index(const viz_trace *tr, double t);
/* The largest queue of resource r over the replication (at least 1): the
** scale of its queue bar, so bars compare across the run. */
uint32_t viz_trace_queue_scale(const viz_trace *tr, size_t r);
/* Whether any consignment of the port ever passes the stage. */
bool viz_trace_stage_used(const viz_trace *tr, size_t port, int stage);

/* The first milestone time strictly after t, or NaN when none. */
double viz_trace_next_event(const viz_trace *tr, double t);
/* Number in the system over [begin, end] in n_bins equal bins (the value
** at each bin's start), for the timeline. */
const uint32_t *viz_trace_profile(const viz_trace *tr, size_t *n_bins);
/* The index of the consignment with this id, or -1. */
long viz_trace_find(const viz_trace *tr, uint64_t id);

#endif
