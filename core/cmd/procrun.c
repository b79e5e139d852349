/*
** procrun.c — process-style runs with replications (procrun.h).
**
** The workers share one counter (the next replication to start) and one
** flag (a replication failed); each replication writes only its own slot
** of the run, read by the caller's thread after every worker has joined.
** SIGINT and SIGTERM are stop requests (exp/replicate.h), handled on the
** caller's thread (the workers block both): the running replications end
** between two events and are dropped, none starts, and the finished ones
** go to the file, which says complete = 0.
*/
#include "cmd/procrun.h"

#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/common.h"
#include "cmd/opt.h"
#include "exp/replicate.h"
#include "io/h5process.h"

typedef struct pool {
    const kou_procrun_request *q;
    kou_prun *run;
    atomic_size_t next;
    atomic_bool failed;
    int *status;       /* per replication: 0, or the exit status of its failure */
    bool *done;        /* per replication: finished (not stopped midway, not failed) */
} pool;

/* Replication r: a fresh loader on seed + r, run into its slot. */
static int one_replication(pool *pl, size_t r)
{
    kou_portset_request rq = *pl->q->rq;
    rq.seed = pl->q->rq->seed + r;
    rq.reps = 1;
    rq.capture_print = true;
    int status = 0;
    kou_portset *ps = kou_portset_new(&rq, &status);
    if (ps == NULL)
        return status ? status : 1;
    if (!kou_portset_process_style(ps)) { /* the scenario changed under us */
        kou_portset_free(ps);
        fprintf(stderr, "kouan: %s: replication %zu is not process-style\n", rq.scripts[0], r + 1);
        return 1;
    }
    kou_prun_rep *rep = &pl->run->reps[r];
    status = kou_portset_run_process_rep(ps, pl->q->until, pl->q->sample_hours, rep);
    kou_portset_free(ps);
    if (rep->stopped) { /* cut short: not a result, and not a failure */
        kou_prun_rep_free(rep);
        return 0;
    }
    if (status == 0) {
        kou_prun_rep_fit(rep); /* held until the file is written: no room to spare */
        pl->done[r] = true;
    }
    return status;
}

static void *worker(void *arg)
{
    pool *pl = arg;
    for (;;) {
        size_t r = atomic_fetch_add(&pl->next, 1);
        if (r >= pl->run->nreps || atomic_load(&pl->failed) || kou_rep_stop_signal())
            return NULL;
        pl->status[r] = one_replication(pl, r);
        if (pl->status[r] != 0)
            atomic_store(&pl->failed, true);
    }
}

/* Runs every replication on the workers (the caller's thread when one).
** 0, or the exit status of the first replication that failed. */
static int run_all(pool *pl, size_t jobs)
{
    size_t n = pl->run->nreps;
    pl->status = koui_calloc(n + 1, sizeof *pl->status);
    pl->done = koui_calloc(n + 1, sizeof *pl->done);
    atomic_init(&pl->next, 0);
    atomic_init(&pl->failed, false);
    pthread_t *t = koui_calloc(jobs + 1, sizeof *t);
    size_t started = 0;
    sigset_t stops, old;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stops, &old); /* the workers inherit the mask */
    for (; jobs > 1 && started < jobs; started++)
        if (pthread_create(&t[started], NULL, worker, pl) != 0)
            break;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started == 0)
        worker(pl);
    for (size_t i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    int code = 0;
    for (size_t r = 0; r < n && code == 0; r++)
        if ((code = pl->status[r]) != 0)
            fprintf(stderr, "kouan: %s: replication %zu (seed %llu) failed: no run file written\n",
                    pl->q->rq->scripts[0], r + 1, (unsigned long long)(pl->q->rq->seed + r));
    free(pl->status);
    return code;
}

/* After a stop request: the finished replications, in order, become the
** run (seeds kept: the file's replication_seed names them), which says
** it is not complete. */
static void keep_finished(kou_prun *run, const bool *done)
{
    size_t kept = 0;
    for (size_t r = 0; r < run->nreps; r++) {
        if (!done[r]) {
            kou_prun_rep_free(&run->reps[r]);
            continue;
        }
        if (kept != r) {
            run->reps[kept] = run->reps[r];
            memset(&run->reps[r], 0, sizeof run->reps[r]);
        }
        kept++;
    }
    run->nreps = kept;
    run->complete = false;
}

static void make_title(char *title, size_t len, const kou_procrun_request *q)
{
    char until[64];
    if (isinf(q->until))
        snprintf(until, sizeof until, "until no event is pending");
    else
        snprintf(until, sizeof until, "until %g h", q->until);
    unsigned long long s = (unsigned long long)q->rq->seed;
    if (q->reps > 1)
        snprintf(title, len, "%s, seeds %llu-%llu (%llu replications), %s", q->rq->scripts[0], s,
                 s + q->reps - 1, (unsigned long long)q->reps, until);
    else
        snprintf(title, len, "%s, seed %llu (1 replication), %s", q->rq->scripts[0], s, until);
}

static void print_row(FILE *out, const char *name, double mean, double half, size_t n)
{
    fprintf(out, "  %-24s", name);
    if (isnan(mean))
        fprintf(out, " %14s", "-");
    else
        fprintf(out, " %14.6g", mean);
    if (isnan(half))
        fprintf(out, " %12s", "-");
    else
        fprintf(out, " %12.4g", half);
    fprintf(out, " %5zu\n", n);
}

int kou_procrun_print(const kou_prun *p, FILE *out)
{
    const kou_prun_layout *l = &p->layout;
    fprintf(out, "%s\n", p->title);
    fprintf(out, "  %-24s %14s %12s %5s\n", "statistic", "mean", "+- 95 %", "reps");
    for (size_t i = 0; i < l->nres; i++) {
        fprintf(out, "resource '%s'\n", l->res_names[i]);
        for (size_t c = 0; c < l->ncols; c++) {
            double mean, half;
            size_t n;
            kou_prun_res_summary(p, i, c, &mean, &half, &n);
            print_row(out, l->cols[c], mean, half, n);
        }
    }
    for (int k = 0; k < KOU_PRUN_FACS; k++)
        for (size_t i = 0; i < l->nfac[k]; i++) {
            fprintf(out, "%s '%s'\n", kou_prun_fac_name((kou_prun_fac)k), l->fac_names[k][i]);
            for (size_t c = 0; c < l->nfcols[k]; c++) {
                double mean, half;
                size_t n;
                kou_prun_fac_summary(p, (kou_prun_fac)k, i, c, &mean, &half, &n);
                print_row(out, l->fac_cols[k][c], mean, half, n);
            }
        }
    for (size_t j = 0; j < l->nmon; j++) {
        fprintf(out, "monitor '%s' (%s)\n", l->mon_names[j], kou_prun_kind_name(l->mon_kinds[j]));
        for (int c = 0; c < KOU_PRUN_MON_COLS; c++) {
            double mean, half;
            size_t n;
            kou_prun_mon_summary(p, j, (size_t)c, &mean, &half, &n);
            print_row(out, kou_prun_mon_col_name(c), mean, half, n);
        }
    }
    return ferror(out) ? -1 : 0;
}

/* results/SCENARIO-sSEED-rREPS.h5 (the next free one), or -o. */
static int file_path(const kou_procrun_request *q, char *path, size_t len)
{
    if (q->output) {
        snprintf(path, len, "%s", q->output);
        return 0;
    }
    const char *script = q->rq->scripts[0], *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    char stem[512], err[600];
    snprintf(stem, sizeof stem, "%.*s-s%llu-r%llu", (int)strcspn(base, "."), base,
             (unsigned long long)q->rq->seed, (unsigned long long)q->reps);
    if (kou_results_path(path, len, stem, q->force, err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    return 0;
}

static int write_file(const kou_procrun_request *q, const kou_prun *run, const char *path)
{
    char err[1400];
    bool exists;
    if (kou_h5p_write(path, run, q->force, &exists, err, sizeof err) != 0) {
        if (exists)
            return kou_usage_error("run", "%s", err);
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    struct stat sb;
    if (!q->quiet && stat(path, &sb) == 0)
        fprintf(stderr, "kouan: run file %s (%.1f KiB)\n", path, (double)sb.st_size / 1024.0);
    return 0;
}

/* The layouts checked, the printed text and the table; then the file. */
static int finish(const kou_procrun_request *q, kou_prun *run, const char *path)
{
    char err[600];
    for (size_t r = 0; r < run->nreps; r++)
        if (!kou_prun_adopt(run, r, err, sizeof err)) {
            fprintf(stderr, "kouan: %s: %s\n", q->rq->scripts[0], err);
            return 1;
        }
    if (!q->quiet) {
        for (size_t r = 0; r < run->nreps; r++)
            if (run->reps[r].output)
                fputs(run->reps[r].output, stdout);
        if (kou_procrun_print(run, stdout) != 0)
            return 1;
    }
    fflush(stdout);
    return q->no_output ? 0 : write_file(q, run, path);
}

/* A stop request: the finished replications to the file, no table. 130. */
static int interrupted(const kou_procrun_request *q, kou_prun *run, const bool *done, const char *path)
{
    int sig = kou_rep_stop_signal();
    keep_finished(run, done);
    char err[600];
    for (size_t r = 0; r < run->nreps; r++)
        if (!kou_prun_adopt(run, r, err, sizeof err)) {
            fprintf(stderr, "kouan: %s: %s\n", q->rq->scripts[0], err);
            return 1;
        }
    if (q->no_output || run->nreps == 0) { /* a file of no replication would be refused by its readers */
        fprintf(stderr, "kouan: interrupted (signal %d) after %zu of %llu replications%s\n", sig, run->nreps,
                (unsigned long long)q->reps, q->no_output ? "" : ": no run file written");
        return 130;
    }
    bool exists;
    if (kou_h5p_write(path, run, q->force, &exists, err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    fprintf(stderr, "kouan: interrupted (signal %d) after %zu of %llu replications: %s holds the %zu finished "
            "and says complete = 0\n", sig, run->nreps, (unsigned long long)q->reps, path, run->nreps);
    return 130;
}

int kou_procrun(const kou_procrun_request *q)
{
    char title[1200];
    make_title(title, sizeof title, q);
    const char *const *keys = q->rq->set_key, *const *values = q->rq->set_value;
    char *cmdline = kou_command_line(q->argc, q->argv);
    kou_prun *run = kou_prun_new(title, q->rq->scripts[0], cmdline, q->rq->seed, q->until, q->sample_hours,
                                 q->rq->nset, keys, values, (size_t)q->reps);
    free(cmdline);
    run->complete = true;
    size_t jobs = q->jobs ? (size_t)q->jobs : (size_t)sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs < 1)
        jobs = 1;
    if (jobs > q->reps)
        jobs = (size_t)q->reps;
    char path[1100] = "";
    int code = q->no_output ? 0 : file_path(q, path, sizeof path);
    if (code == 0 && q->output && !q->force && access(path, F_OK) == 0) /* refused before simulating */
        code = kou_usage_error("run", "%s exists: refusing to overwrite it (--force overwrites it, -o names "
                               "another)", path);
    else if (code == 0 && q->output && !kou_output_folder_exists(path))
        code = kou_usage_error("run", "-o: '%s' is not %s", path, KOU_OUTPUT_WHAT);
    pool pl = {.q = q, .run = run};
    if (code == 0) {
        kou_rep_traps traps;
        kou_rep_trap_signals(&traps);
        code = run_all(&pl, jobs);
        kou_rep_untrap_signals(&traps);
        if (code == 0 && kou_rep_stop_signal())
            code = interrupted(q, run, pl.done, path);
        else if (code == 0)
            code = finish(q, run, path);
    }
    free(pl.done);
    kou_prun_free(run);
    return code;
}
