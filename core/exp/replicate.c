/*
** replicate.c — the replication pipeline (replicate.h).
**
** Jobs live in a singly linked queue of slots, oldest first: head is the
** oldest not handed back, next_start the oldest not started. A worker
** takes next_start under the mutex, runs it unlocked, and marks it done
** under the mutex; kou_replicator_next waits for head to be done. Each
** slot is its own allocation, so a worker's pointer to the slot it runs
** stays valid while the caller submits more. A handed-back slot is freed
** at the next call.
*/
#include "exp/replicate.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/base.h"
#include "kernel/sim.h"

/* A plain store and load of a lock-free atomic is async-signal-safe. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop request needs a lock-free atomic int");
static atomic_int stop_request;

void kou_rep_request_stop(int sig)
{
    atomic_store_explicit(&stop_request, sig ? sig : 1, memory_order_relaxed);
}

int kou_rep_stop_signal(void)
{
    return atomic_load_explicit(&stop_request, memory_order_relaxed);
}

static void on_stop_signal(int sig)
{
    kou_rep_request_stop(sig);
}

void kou_rep_trap_signals(kou_rep_traps *saved)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &saved->old_int);
    sigaction(SIGTERM, &sa, &saved->old_term);
}

void kou_rep_untrap_signals(const kou_rep_traps *saved)
{
    sigaction(SIGINT, &saved->old_int, NULL);
    sigaction(SIGTERM, &saved->old_term, NULL);
}

/* ---- the queue ---- */

typedef struct slot {
    struct slot *next;
    kou_rep_job job;
    size_t index;
    bool done;
    bool taken;        /* handed back by kou_replicator_next_finished */
    kou_rep_result res;
} slot;

struct kou_replicator {
    kou_rep_sink *sinks;
    size_t nsinks;
    bool watch_stop, inline_run;
    bool want_ready, want_carrier, want_unit; /* some sink has the hook */
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    slot *head, *tail, *next_start;
    slot *handed;      /* returned by the last kou_replicator_next */
    size_t submitted;
    bool quit;
    int nthreads;
    pthread_t *threads;
};

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- one replication, on whichever thread runs it ---- */

typedef struct rep_ctx {
    const kou_replicator *rp;
    kou_rep_run run;
} rep_ctx;

static void on_consignment(void *ctx, const kou_consignment_record *rec)
{
    rep_ctx *c = ctx;
    kou_kpi_observe(c->run.kpi, rec);
    for (size_t i = 0; i < c->rp->nsinks; i++)
        if (c->rp->sinks[i].consignment)
            c->rp->sinks[i].consignment(c->rp->sinks[i].ctx, &c->run, rec);
    if (c->rp->watch_stop && c->run.sim && kou_rep_stop_signal())
        kou_sim_stop(c->run.sim);
}

static void on_carrier(void *ctx, const kou_carrier_record *rec)
{
    rep_ctx *c = ctx;
    for (size_t i = 0; i < c->rp->nsinks; i++)
        if (c->rp->sinks[i].carrier)
            c->rp->sinks[i].carrier(c->rp->sinks[i].ctx, &c->run, rec);
}

static void on_unit(void *ctx, const kou_unit_record *rec)
{
    rep_ctx *c = ctx;
    for (size_t i = 0; i < c->rp->nsinks; i++)
        if (c->rp->sinks[i].unit)
            c->rp->sinks[i].unit(c->rp->sinks[i].ctx, &c->run, rec);
}

static void on_resource(void *ctx, const kou_resource_report *r)
{
    rep_ctx *c = ctx;
    kou_kpi_resource(c->run.kpi, r);
    for (size_t i = 0; i < c->rp->nsinks; i++)
        if (c->rp->sinks[i].resource)
            c->rp->sinks[i].resource(c->rp->sinks[i].ctx, &c->run, r);
}

static void on_ready(void *ctx, kou_sim *sim, const kou_model_run_view *view)
{
    rep_ctx *c = ctx;
    c->run.sim = sim;
    c->run.view = view;
    for (size_t i = 0; i < c->rp->nsinks; i++)
        if (c->rp->sinks[i].sim_ready)
            c->rp->sinks[i].sim_ready(c->rp->sinks[i].ctx, &c->run);
}

static void run_job(const kou_replicator *rp, slot *s)
{
    double t0 = now_seconds();
    rep_ctx c = {.rp = rp, .run = {.job = &s->job, .index = s->index}};
    c.run.kpi = kou_kpi_new(s->job.cfg);
    kou_model_observer obs = {.ctx = &c, .consignment_done = on_consignment, .resource_done = on_resource,
                              .sim_ready = rp->want_ready || rp->watch_stop ? on_ready : NULL,
                              .carrier_done = rp->want_carrier ? on_carrier : NULL,
                              .unit_done = rp->want_unit ? on_unit : NULL};
    kou_rep_result *res = &s->res;
    res->job = s->job;
    res->index = s->index;
    res->error[0] = '\0';
    res->status = kou_model_run(s->job.cfg, s->job.seed, s->job.start_date, &obs, NULL, res->error,
                                sizeof res->error);
    res->stopped = kou_rep_stop_signal() != 0;
    c.run.sim = NULL; /* the model has freed it */
    c.run.view = NULL;
    for (size_t i = 0; i < rp->nsinks; i++)
        if (rp->sinks[i].end)
            rp->sinks[i].end(rp->sinks[i].ctx, &c.run, res);
    kou_kpi_free(c.run.kpi);
    res->wall_seconds = now_seconds() - t0;
}

static void *worker(void *arg)
{
    kou_replicator *rp = arg;
    pthread_mutex_lock(&rp->mu);
    for (;;) {
        while (!rp->quit && rp->next_start == NULL)
            pthread_cond_wait(&rp->work, &rp->mu);
        if (rp->quit)
            break;
        slot *s = rp->next_start;
        rp->next_start = s->next;
        pthread_mutex_unlock(&rp->mu);
        run_job(rp, s);
        pthread_mutex_lock(&rp->mu);
        s->done = true;
        pthread_cond_broadcast(&rp->done);
    }
    pthread_mutex_unlock(&rp->mu);
    return NULL;
}

/* ---- the pipeline ---- */

/* Workers do not take SIGINT and SIGTERM: the caller's thread does. */
static int start_workers(kou_replicator *rp, int n)
{
    rp->threads = koui_calloc((size_t)n, sizeof *rp->threads);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int started = 0;
    while (started < n && pthread_create(&rp->threads[started], NULL, worker, rp) == 0)
        started++;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return started;
}

kou_replicator *kou_replicator_new(const kou_rep_config *cfg, char *err, size_t errlen)
{
    KOU_CHECK(cfg->threads >= 1 && (cfg->nsinks == 0 || cfg->sinks != NULL));
    kou_replicator *rp = koui_calloc(1, sizeof *rp);
    rp->nsinks = cfg->nsinks;
    rp->sinks = koui_malloc((cfg->nsinks ? cfg->nsinks : 1) * sizeof *rp->sinks);
    for (size_t i = 0; i < cfg->nsinks; i++) {
        rp->sinks[i] = cfg->sinks[i];
        rp->want_ready |= cfg->sinks[i].sim_ready != NULL;
        rp->want_carrier |= cfg->sinks[i].carrier != NULL;
        rp->want_unit |= cfg->sinks[i].unit != NULL;
    }
    rp->watch_stop = cfg->watch_stop;
    rp->inline_run = cfg->threads == 1;
    pthread_mutex_init(&rp->mu, NULL);
    pthread_cond_init(&rp->work, NULL);
    pthread_cond_init(&rp->done, NULL);
    if (!rp->inline_run) {
        rp->nthreads = start_workers(rp, cfg->threads);
        if (rp->nthreads == 0) {
            snprintf(err, errlen, "cannot start a worker thread: %s", strerror(errno));
            kou_replicator_free(rp);
            return NULL;
        }
    }
    return rp;
}

void kou_replicator_free(kou_replicator *rp)
{
    if (rp == NULL)
        return;
    pthread_mutex_lock(&rp->mu);
    rp->quit = true;
    pthread_cond_broadcast(&rp->work);
    pthread_mutex_unlock(&rp->mu);
    for (int i = 0; i < rp->nthreads; i++)
        pthread_join(rp->threads[i], NULL);
    for (slot *s = rp->head, *next; s; s = next) {
        next = s->next;
        free(s);
    }
    pthread_mutex_destroy(&rp->mu);
    pthread_cond_destroy(&rp->work);
    pthread_cond_destroy(&rp->done);
    free(rp->threads);
    free(rp->sinks);
    free(rp);
}

void kou_replicator_submit(kou_replicator *rp, const kou_rep_job *job)
{
    KOU_CHECK(job->cfg != NULL);
    slot *s = koui_calloc(1, sizeof *s);
    s->job = *job;
    pthread_mutex_lock(&rp->mu);
    s->index = rp->submitted++;
    if (rp->tail)
        rp->tail->next = s;
    else
        rp->head = s;
    rp->tail = s;
    if (rp->next_start == NULL)
        rp->next_start = s;
    pthread_cond_broadcast(&rp->work);
    pthread_mutex_unlock(&rp->mu);
}

/* Under the mutex: drops the slot handed back last. */
static void drop_handed(kou_replicator *rp)
{
    slot *s = rp->handed;
    if (s == NULL)
        return;
    KOU_ASSERT(s == rp->head);
    rp->head = s->next;
    if (rp->head == NULL)
        rp->tail = NULL;
    rp->handed = NULL;
    free(s);
}

/* Under the mutex, with workers: waits for s, waking every 0.2 s to see a
** stop request (a signal handler cannot signal a condition variable). */
static void wait_done(kou_replicator *rp, const slot *s)
{
    while (!s->done && !kou_rep_stop_signal()) {
        struct timespec ts = koui_deadline_in(CLOCK_REALTIME, 200000000L);
        pthread_cond_timedwait(&rp->done, &rp->mu, &ts);
    }
}

const kou_rep_result *kou_replicator_next(kou_replicator *rp)
{
    pthread_mutex_lock(&rp->mu);
    drop_handed(rp);
    slot *s = rp->head;
    if (s != NULL && !rp->inline_run)
        wait_done(rp, s);
    pthread_mutex_unlock(&rp->mu);
    if (s == NULL || kou_rep_stop_signal())
        return NULL;
    if (rp->inline_run) {
        rp->next_start = s->next;
        run_job(rp, s);
        s->done = true;
        rp->handed = s;
        return kou_rep_stop_signal() ? NULL : &s->res;
    }
    rp->handed = s;
    return &s->res;
}

const kou_rep_result *kou_replicator_next_finished(kou_replicator *rp)
{
    pthread_mutex_lock(&rp->mu);
    drop_handed(rp);
    slot *s = rp->head;
    while (s != NULL && (!s->done || s->taken || s->res.stopped))
        s = s->next;
    if (s != NULL)
        s->taken = true;
    pthread_mutex_unlock(&rp->mu);
    return s ? &s->res : NULL;
}

int kou_replicate(const kou_rep_config *cfg, const kou_rep_job *jobs, size_t n,
                  bool (*done)(void *ctx, const kou_rep_result *res), void *ctx, char *err, size_t errlen)
{
    kou_replicator *rp = kou_replicator_new(cfg, err, errlen);
    if (rp == NULL)
        return -1;
    size_t ahead = (size_t)cfg->threads + 1, submitted = 0; /* jobs queued ahead of the one taken */
    for (size_t taken = 0; taken < n; taken++) {
        while (submitted < n && submitted < taken + ahead)
            kou_replicator_submit(rp, &jobs[submitted++]);
        const kou_rep_result *res = kou_replicator_next(rp);
        if (res == NULL || !done(ctx, res))
            break;
    }
    kou_replicator_free(rp);
    return 0;
}
