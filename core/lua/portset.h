/*
** portset.h — the scenario loader of every command: port scenarios
** turned into model configurations for a C caller that never sees Lua.
**
**  - kouan run: one file. A port scenario gives one alternative; its
**    processes = {...} start in every replication through the sink of
**    kou_portset_process_sink. A process-style scenario (lua/lsim.h)
**    gives none and runs with kou_portset_run_process_style.
**  - kouan compare: the alternatives: one file with several eras, or
**    several files (each with its own era field, the one --era given, or
**    an era per file: FILE:ERA); each alternative's processes start in
**    its replications. An unknown era of FILE:ERA is a usage error naming
**    the file's eras.
**  - kouan sweep: a design file (lua/design_file.h) and its base scenario
**    with the design's era; the points are copies of it with the factors'
**    values set in C (exp/design.h), with no further trip through Lua.
**    The base's processes start in every point's replications: a factor
**    reaches them through the model (a port_resource handle is the
**    point's resource, with the point's capacity), never as a Lua value.
**
** Processes and threads (kou_portset_process_sink): a replication's
** processes run in a worker loader's Lua state, never in this loader's:
** a copy of this loader made again from the same request (file, eras,
** --set values, seed, limits) or the same sweep design, one per
** replication running at a time, taken from a pool and put back after
** the replication. So the replications of a scenario with processes run
** on any number of threads, and under MPI each rank has its own pool.
** Random numbers a process draws come from the replication's streams
** (lua/lsim.h; math.random too, from the replication's stream
** "lua.math.random"), so results do not depend on the worker; what a
** process leaves in its Lua state (a global it changes) does, and must
** not steer the simulation.
**
** --set: as `kouan run` does: a key the scenario's top level read with
** param() is a parameter, anything else a path into every alternative's
** table, applied after its era.
**
** Configurations (and every string of an alternative) live in arenas of
** the loader's Lua state, valid until kou_portset_free. Errors are the host's reports (a
** scenario's FILE:LINE and traceback): printed on stderr ("kouan: ...")
** by the loader itself, which returns the exit status (1 the scenario
** failed, 2 usage). One thread: the caller's (the configurations may be
** read from any thread).
*/
#ifndef KOUAN_LUA_PORTSET_H
#define KOUAN_LUA_PORTSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "exp/calibrate.h"
#include "exp/design.h"
#include "exp/prior.h"
#include "exp/prun.h"
#include "exp/replicate.h"
#include "model/model.h"

typedef struct kou_portset_request {
    const char *const *scripts; /* one file, or several (compare: then 0 or 1 era) */
    size_t nscripts;
    const char *const *eras;    /* with one file: the alternatives (run: at most 1); with several: */
    size_t neras;               /* 0, 1 (each file's), or one per file (NULL: the file's own era) */
    const char *const *labels;  /* compare: one per alternative, or none: the era or FILE[:ERA] */
    size_t nlabels;
    const char *const *set_key, *const *set_value;
    size_t nset;
    double until;               /* hours of arrivals, or <= 0: the scenario's */
    uint64_t seed;              /* the host's seed (param() and Lua randomness) */
    bool run;                   /* kouan run (else compare) */
    uint64_t reps;              /* kouan run: replications of a port scenario */
    bool capture_print;         /* print() keeps its lines for the replication (lua/lrun.h) */
    size_t max_memory;          /* the sandbox's limits (lua/host.h) */
    uint64_t max_instructions;
    double max_seconds, max_call_seconds;
} kou_portset_request;

/* Zeroes rq, then the defaults: seed 1, reps 1, the host's limits. */
void kou_portset_request_default(kou_portset_request *rq);

typedef struct kou_portset_alt {
    const kou_model_config *cfg;
    int32_t start_date;
    const char *script;         /* as given (sweep: as found) */
    const char *era;            /* the era applied, or NULL */
    const char *name;           /* the scenario's name, "" if none */
    char label[64];             /* the request's label, else the era (one file) or FILE[:ERA] */
    bool processes;             /* it lists processes */
} kou_portset_alt;

typedef struct kou_portset kou_portset;

/* Loads, checks and converts every alternative of rq. NULL after the
** report, with the exit status in *status. */
kou_portset *kou_portset_new(const kou_portset_request *rq, int *status);
void kou_portset_free(kou_portset *ps); /* NULL is a no-op */
size_t kou_portset_count(const kou_portset *ps);
const kou_portset_alt *kou_portset_get(const kou_portset *ps, size_t i);
/* The Chinese name (name_zh) the alternatives' scenarios give the port
** named port: the first alternative's that gives one; NULL for none. */
const char *kou_portset_port_zh(const kou_portset *ps, const char *port);

/* The priors the scenarios wrote (uncertain{}, lua/uncertain.h), one per
** name in the order first met; NULL when none. Valid until
** kou_portset_free. */
const kou_prior *kou_portset_priors(const kou_portset *ps, size_t *n);

/* ---- kouan run ---- */
/* Whether the file is process-style (then there is no alternative). */
bool kou_portset_process_style(const kou_portset *ps);
/* Runs a process-style scenario until 'until' (+infinity: until no event
** is pending), then prints its resource table on out (NULL: none). 0, or
** the exit status after the report. */
int kou_portset_run_process_style(kou_portset *ps, double until, FILE *out);
/* One replication of a process-style run (`kouan run --reps`, whose
** loader was made for that replication's seed, with capture_print): runs
** it to until, sampling the resources every step hours, into rep
** (exp/prun.h; what it holds after a failure is rep's to free). Any
** thread, one replication per loader. 0, or the exit status after the
** report. */
int kou_portset_run_process_rep(kou_portset *ps, double until, double step, kou_prun_rep *rep);
/* ---- processes in replications (run, compare, sweep, --uncertainty) ---- */
/* The sink that starts an alternative's processes in each of its
** replications (the job's configuration is the alternative's; any other,
** a sweep point, is alternative 0's) on a worker loader, on any thread,
** and fails the replication when one of them fails; no hook at all when
** no alternative has processes. */
kou_rep_sink kou_portset_process_sink(kou_portset *ps);
/* Whether a replication failed through that sink. */
bool kou_portset_process_failed(kou_portset *ps);
/* After a replication failed through that sink: prints the report of the
** earliest such replication's process (with its traceback) and returns
** the exit status. Main thread, after the pipeline. */
int kou_portset_report_process_error(kou_portset *ps);
/* Processes the sink discarded still waiting for a step due within the
** horizon (a hold() ending by then, or any wait when the replication
** ended before its horizon): how many. */
size_t kou_portset_discarded(kou_portset *ps);
/* When there were any: one warning on stderr naming the first of them
** (in replication order: where its function is defined, what it waited
** for, the replication's seed) and counting the rest plus more (others
** the caller counted elsewhere). Main thread, after the pipeline. */
void kou_portset_warn_discarded(kou_portset *ps, size_t more);

/* ---- kouan sweep ---- */
/* Loads the design file design into spec and its base scenario (as
** written, next to the design file, or under the tree root). spec is
** kept: it must outlive the loader. NULL after the report. */
kou_portset *kou_portset_new_sweep(const char *design, kou_sweep_spec *spec, int *status);
/* Converts the base scenario with the design's era, as written, refusing a
** scenario with processes; it becomes alternative 0. 0, or the exit
** status after the report. */
int kou_portset_sweep_base(kou_portset *ps);

/* ---- kouan calibrate ---- */
/* Loads the calibration file cal (lua/cal_file.h) into spec and finds its
** scenario (as written, next to the calibration file, or under the tree
** root). spec must outlive the loader. NULL after the report. */
kou_portset *kou_portset_new_calibrate(const char *cal, kou_cal_spec *spec, int *status);
/* The scenario file as found. */
const char *kou_portset_calibrate_scenario(const kou_portset *cal);
/* One point: the scenario loaded afresh with the spec's era and until and
** the free values x[k] under their names (as --set NAME=VALUE, "%.17g"),
** as a loader with one alternative (a scenario with processes is
** refused). A free name the scenario never reads is a usage error. NULL
** after the report. */
kou_portset *kou_portset_calibrate_point(const kou_portset *cal, const double *x, int *status);

/* ---- for callers without Lua ---- */
/* The kouan tree holding scripts/ (lua/scenario.h, kou_scenario_root). */
const char *kou_portset_root(void);
/* "Lua 5.4.4": the Lua this kouan embeds. */
const char *kou_portset_lua_release(void);

#endif
