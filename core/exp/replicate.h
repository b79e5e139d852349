/*
** replicate.h — the replication pipeline: every replication of the port
** model a command runs (kouan run, compare, sweep, and each MPI rank of a
** sweep) goes through here.
**
** Jobs. A job is a configuration, a start date and a seed. Jobs are
** submitted in order and run either inline on the caller's thread
** (threads = 1: needed when Lua processes take part, Lua being
** single-threaded) or on N worker threads; either way the caller takes
** the results back on its own thread, in submission order
** (kou_replicator_next), so what it prints or writes never depends on N.
** The configuration must stay valid until the job's result is handed
** back.
**
** Sinks see a replication while it runs, on the replication's thread (a
** worker's, or the caller's when inline), in the order given: its
** simulation once the model has built it (sim_ready: a sink may schedule
** events of its own in it, for this replication only), every consignment,
** carrier and unit record and resource report (valid during the call
** only), and the replication's end with its result, which a sink may turn
** into a failure (a Lua process failed). The replication's KPIs (run->kpi)
** are fed by the pipeline before any sink sees a record, and freed after
** the end. With N workers, sinks run concurrently for different jobs: a
** sink's shared state is its own business (give each job its own place,
** through job->user).
**
** Stopping. kou_rep_request_stop (async-signal-safe: a lock-free C11
** atomic, read by every thread) asks every pipeline to stop:
** replications of a pipeline made with watch_stop end at their next
** consignment (the model then fails them with KOU_ESTATE), no new one
** starts, and kou_replicator_next returns NULL. kou_rep_trap_signals
** makes SIGINT and SIGTERM such a request. Worker threads block both
** signals, so the handler runs on the caller's thread.
**
** Constructor convention: exp/exp.h.
*/
#ifndef KOUAN_EXP_REPLICATE_H
#define KOUAN_EXP_REPLICATE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exp/exp.h"
#include "model/kpi.h"
#include "model/model.h"

typedef struct kou_rep_job {
    const kou_model_config *cfg;
    int32_t start_date;    /* YYYYMMDD of hour 0 */
    uint64_t seed;
    void *user;            /* the caller's, for its sinks */
} kou_rep_job;

/* One replication as its sinks see it. */
typedef struct kou_rep_run {
    const kou_rep_job *job;
    size_t index;                   /* the job's place in submission order, from 0 */
    kou_kpi *kpi;                   /* this replication's KPIs */
    kou_sim *sim;                   /* from sim_ready on; NULL before (and without sim_ready) */
    const kou_model_run_view *view; /* likewise */
} kou_rep_run;

typedef struct kou_rep_result {
    kou_rep_job job;
    size_t index;
    kou_status status;             /* the model's, or a sink's verdict */
    bool stopped;                  /* a stop was requested by the time it ended */
    double wall_seconds;
    char error[KOU_EXP_ERROR_LEN]; /* when status != KOU_OK: why ("" if the model said nothing) */
} kou_rep_result;

/* Every hook is optional (NULL). ctx is the sink's. */
typedef struct kou_rep_sink {
    void *ctx;
    void (*sim_ready)(void *ctx, kou_rep_run *run);
    void (*consignment)(void *ctx, kou_rep_run *run, const kou_consignment_record *rec);
    void (*carrier)(void *ctx, kou_rep_run *run, const kou_carrier_record *rec);
    void (*unit)(void *ctx, kou_rep_run *run, const kou_unit_record *rec);
    void (*resource)(void *ctx, kou_rep_run *run, const kou_resource_report *r);
    void (*end)(void *ctx, kou_rep_run *run, kou_rep_result *res);
} kou_rep_sink;

typedef struct kou_rep_config {
    int threads;                /* 1: inline on the caller's thread; N > 1: N worker threads */
    bool watch_stop;            /* stop a running replication on kou_rep_request_stop */
    const kou_rep_sink *sinks;  /* copied */
    size_t nsinks;
} kou_rep_config;

/* A sink's sim_ready, and watch_stop, make the model end a replication
** as soon as its system has drained (model.h, kou_model_observer): the
** pipeline asks the model for it only then, so a pipeline without them
** runs the model exactly as a bare kou_model_run does. */

typedef struct kou_replicator kou_replicator;

/* Starts the worker threads (fewer when some cannot start; NULL with a
** message when none can). */
kou_replicator *kou_replicator_new(const kou_rep_config *cfg, char *err, size_t errlen);
/* Asks the workers to quit, waits for the replications they are running
** (which end at once after a stop request when watch_stop), drops the
** jobs not started. NULL is a no-op. */
void kou_replicator_free(kou_replicator *rp);
/* Queues a job (copied); its index is the number submitted before it. */
void kou_replicator_submit(kou_replicator *rp, const kou_rep_job *job);
/* The result of the oldest job not yet handed back, once it is done
** (inline: runs it now). NULL when no job is pending, or when a stop was
** requested (the replication it interrupted, if any, is not handed
** back). Valid until the next call. */
const kou_rep_result *kou_replicator_next(kou_replicator *rp);
/* After a stop request, which kou_replicator_next honours by handing back
** nothing more: the result of a job that ended before the request (not
** stopped) and was not handed back, oldest first, whatever its place in
** the order; NULL when none is left. Lets a caller keep runs finished
** ahead of the one it waited for. Valid until the next call. */
const kou_rep_result *kou_replicator_next_finished(kou_replicator *rp);

/* Runs jobs[0..n-1] through a pipeline made with cfg, handing each result
** in order to done on the caller's thread; stops early when done returns
** false or on a stop request. 0, or -1 with a message in err when the
** pipeline cannot be made. */
int kou_replicate(const kou_rep_config *cfg, const kou_rep_job *jobs, size_t n,
                  bool (*done)(void *ctx, const kou_rep_result *res), void *ctx, char *err, size_t errlen);

/* ---- stop requests ---- */
/* Async-signal-safe. sig: the signal, or any nonzero number. */
void kou_rep_request_stop(int sig);
/* 0, or the sig of the latest request. */
int kou_rep_stop_signal(void);
typedef struct kou_rep_traps {
    struct sigaction old_int, old_term;
} kou_rep_traps;
/* SIGINT and SIGTERM become stop requests; the old actions go to saved. */
void kou_rep_trap_signals(kou_rep_traps *saved);
void kou_rep_untrap_signals(const kou_rep_traps *saved);

#endif
