/*
** sweep_cmd.c — `kouan sweep` (sweep_cmd.h; the design file format is in
** docs/sweep.md, the output file in docs/hdf5-schema.md).
**
** Threads. Lua is single-threaded: the main thread loads the design and
** the scenario, builds the design matrix, and for each point applies the
** factor values to a fresh copy of the scenario (as --set does) and
** converts it (kou_scenario_build). The arena holding the configuration
** stays referenced from the Lua registry until every replication of the
** point is written. Worker threads only call kou_model_run (pure C,
** thread-safe per call) with a kou_kpi of their own, and copy the KPI
** values out. The main thread writes the runs in (point, replication)
** order, so the file does not depend on -j; it is the only thread that
** calls HDF5 (toolchain.md §4).
**
** Seeds: replication r of every point runs with seed + r (common random
** numbers across points, as `kouan run --reps` does).
**
** MPI (built with KOUAN_HAVE_MPI, initialised only under mpirun): run i
** belongs to rank i % size; every rank builds the same design, ranks > 0
** send each finished run to rank 0 (main thread only, MPI_THREAD_FUNNELED),
** which writes all runs in order; only rank 0 touches HDF5 and prints.
**
** Memory on error paths: every Lua call made while C memory is held goes
** through lua_pcall; C arrays needed before that are userdata.
*/
#include "sweep_cmd.h"
#include "plot.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_multifit.h>
#include <gsl/gsl_qrng.h>
#include <lauxlib.h>
#include <lua.h>

#include "io/sweep_h5.h"
#include "kouan_version.h"
#include "kernel/rng.h"
#include "kernel/sim.h"
#include "lua/host.h"
#include "lua/lsim.h"
#include "lua/scenario.h"
#include "model/kpi.h"

#ifdef KOUAN_HAVE_MPI
#include <mpi.h>
#endif

#define MAX_FACTORS 64
#define MAX_LEVELS 256

typedef struct factor {
    const char *path;                 /* anchored in the design table */
    bool continuous, integer;
    double min, max, base;
    size_t nlevels;
    double levels[MAX_LEVELS];
} factor;

typedef struct sweep_opts {
    const char *design, *output, *plot;
    char *written;      /* receives the sweep file's name (for --plot); 4096 bytes */
    int jobs;
    bool resume, force, quiet;
    unsigned shard, nshards; /* --shard i/N: points p with p % N == i - 1; 0/0 none */
    int rank, size;          /* MPI (under mpirun): run i is rank i % size's; 0/1 without */
    int argc;
    char **argv;
} sweep_opts;

typedef struct design {
    const char *scenario, *era, *method;
    uint64_t reps, seed, points_asked;
    size_t nfactors, npoints;
    factor *f;        /* userdata */
    double *matrix;   /* userdata, npoints x nfactors */
    size_t nmetrics;
    int metrics[KOU_KPI_METRIC_COUNT];
} design;

enum { JOB_WAIT = 0, JOB_READY, JOB_RUNNING, JOB_DONE };

typedef struct job {
    int state;
    int status;              /* KOU_SWEEP_OK / FAILED once done */
    bool skip;               /* done in the file already (--resume) */
    bool interrupted;
    bool other_shard;        /* --shard, or MPI on a rank > 0: another's run */
    bool remote;             /* MPI on rank 0: another rank's run, received */
    const kou_model_config *cfg;
    int32_t start_date;
    uint64_t seed;
    double wall;
    char error[KOU_SWEEP_ERROR_LEN];
    double *kpi;             /* ngroups x nmetrics */
} job;

typedef struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work, done;
    job *jobs;
    size_t njobs, next, built; /* jobs below built are prepared by the main thread */
    bool quit;
    size_t ngroups, nmetrics;
    const int *gport, *gmode, *gdir, *metrics;
} pool;

static volatile sig_atomic_t sweep_signal;

static void on_signal(int sig)
{
    sweep_signal = sig;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- worker threads ---- */

typedef struct run_ctx {
    kou_kpi *kpi;
    kou_sim *sim;
    uint64_t seen;
} run_ctx;

static void w_observe(void *ctx, const kou_consignment_record *rec)
{
    run_ctx *c = ctx;
    kou_kpi_observe(c->kpi, rec);
    if ((++c->seen & 255) == 0 && sweep_signal && c->sim)
        kou_sim_stop(c->sim);
}

static void w_resource(void *ctx, const kou_resource_report *r)
{
    kou_kpi_resource(((run_ctx *)ctx)->kpi, r);
}

static void w_ready(void *ctx, kou_sim *sim, const kou_model_run_view *view)
{
    (void)view;
    ((run_ctx *)ctx)->sim = sim;
}

static void run_job(pool *p, job *j)
{
    double t0 = now_seconds();
    run_ctx c = {0};
    c.kpi = kou_kpi_new(j->cfg);
    kou_model_observer obs = {.ctx = &c, .consignment_done = w_observe, .resource_done = w_resource,
                              .sim_ready = w_ready};
    char err[KOU_SWEEP_ERROR_LEN] = "";
    kou_status st = kou_model_run(j->cfg, j->seed, j->start_date, &obs, NULL, err, sizeof err);
    if (sweep_signal) {
        j->interrupted = true;
    } else if (st != KOU_OK) {
        j->status = KOU_SWEEP_FAILED;
        snprintf(j->error, sizeof j->error, "%s", err[0] ? err : "the model failed");
    } else {
        j->status = KOU_SWEEP_OK;
        size_t ng = kou_kpi_groups(c.kpi);
        for (size_t g = 0; g < p->ngroups; g++) {
            size_t found = ng;
            for (size_t k = 0; k < ng; k++) {
                kou_kpi_group gi = kou_kpi_group_info(c.kpi, k);
                if (gi.port_index == p->gport[g] && gi.mode == p->gmode[g] && gi.direction == p->gdir[g]) {
                    found = k;
                    break;
                }
            }
            for (size_t m = 0; m < p->nmetrics; m++)
                j->kpi[g * p->nmetrics + m] =
                    found < ng ? kou_kpi_get(c.kpi, found, (kou_kpi_metric)p->metrics[m]) : NAN;
        }
    }
    kou_kpi_free(c.kpi);
    j->wall = now_seconds() - t0;
}

static void *worker(void *arg)
{
    pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->next < p->built && p->jobs[p->next].state != JOB_READY)
            p->next++;
        if (p->quit || p->next >= p->njobs)
            break;
        if (p->next >= p->built) {
            pthread_cond_wait(&p->work, &p->mu);
            continue;
        }
        job *j = &p->jobs[p->next++];
        j->state = JOB_RUNNING;
        pthread_mutex_unlock(&p->mu);
        run_job(p, j);
        pthread_mutex_lock(&p->mu);
        j->state = JOB_DONE;
        pthread_cond_broadcast(&p->done);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- the design file ---- */

static int usage_fail(const char *fmt, ...) KOU_PRINTF(1, 2);
static int usage_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kouan sweep: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 2;
}

static const char *const design_keys[] = {"scenario", "era", "reps", "seed", "method", "points",
                                          "factors", "kpi", NULL};
static const char *const factor_keys[] = {"path", "values", "min", "max", "base", "levels",
                                          "integer", NULL};

/* Raises a usage error for a key of the table at idx not in keys. */
static void check_keys(lua_State *L, int idx, const char *const *keys, const char *where)
{
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            if (lua_isinteger(L, -1) && strcmp(where, "sweep") != 0)
                continue;
            kou_host_usage_error(L, "%s: keys must be names", where);
        }
        const char *k = lua_tostring(L, -1);
        size_t n = 0;
        while (keys[n] && strcmp(keys[n], k) != 0)
            n++;
        if (keys[n] == NULL) {
            /* nearest: most characters in common at the start, else the list */
            const char *best = NULL;
            size_t bl = 0;
            for (size_t i = 0; keys[i]; i++) {
                size_t l = 0;
                while (keys[i][l] && keys[i][l] == k[l])
                    l++;
                if (l > bl) {
                    bl = l;
                    best = keys[i];
                }
            }
            char list[256] = "";
            for (size_t i = 0; keys[i]; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, keys[i], sizeof list - strlen(list) - 1);
            }
            if (best)
                kou_host_usage_error(L, "%s: unknown key '%s' (did you mean '%s'?)", where, k, best);
            kou_host_usage_error(L, "%s: unknown key '%s' (known: %s)", where, k, list);
        }
    }
}

static double get_number(lua_State *L, int t, const char *key, double dflt, bool *given, const char *where)
{
    int ty = lua_getfield(L, t, key);
    double v = dflt;
    if (given)
        *given = ty != LUA_TNIL;
    if (ty == LUA_TNUMBER)
        v = lua_tonumber(L, -1);
    else if (ty != LUA_TNIL)
        kou_host_usage_error(L, "%s.%s must be a number (got %s)", where, key, luaL_typename(L, -1));
    lua_pop(L, 1);
    return v;
}

/* Whether the scenario schema takes only whole numbers at path: a
** capacity (resources.NAME.capacity or resources.NAME = N), a
** green_priority, max_in_system. Values of such a factor are rounded. */
static bool path_is_integer(const char *path)
{
    const char *last = strrchr(path, '.');
    last = last ? last + 1 : path;
    if (strcmp(last, "capacity") == 0 || strcmp(last, "green_priority") == 0 ||
        strcmp(last, "max_in_system") == 0)
        return true;
    const char *r = strstr(path, ".resources.");
    return r != NULL && strchr(r + strlen(".resources."), '.') == NULL;
}

/* The design table is at index t. Fills d (factor array as userdata left on
** the stack). */
static void read_design(lua_State *L, int t, design *d)
{
    t = lua_absindex(L, t);
    check_keys(L, t, design_keys, "sweep");
    if (lua_getfield(L, t, "scenario") != LUA_TSTRING)
        kou_host_usage_error(L, "sweep.scenario must be the path of a port scenario");
    d->scenario = lua_tostring(L, -1);
    lua_pop(L, 1); /* anchored by the table */
    int ty = lua_getfield(L, t, "era");
    if (ty == LUA_TNUMBER) { /* era = 2017: the string "2017", kept in the table */
        lua_tostring(L, -1);
        lua_pushvalue(L, -1);
        lua_setfield(L, t, "era");
        ty = LUA_TSTRING;
    }
    d->era = ty == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (ty != LUA_TNIL && ty != LUA_TSTRING)
        kou_host_usage_error(L, "sweep.era must be a string");
    lua_pop(L, 1);
    double reps = get_number(L, t, "reps", 1, NULL, "sweep");
    double seed = get_number(L, t, "seed", 1, NULL, "sweep");
    bool pts_given;
    double pts = get_number(L, t, "points", 0, &pts_given, "sweep");
    if (!(reps >= 1 && reps <= 1e6 && reps == floor(reps)))
        kou_host_usage_error(L, "sweep.reps must be a whole number >= 1");
    if (!(seed >= 0 && seed <= 9e15 && seed == floor(seed)))
        kou_host_usage_error(L, "sweep.seed must be a whole number >= 0");
    d->reps = (uint64_t)reps;
    d->seed = (uint64_t)seed;
    if (lua_getfield(L, t, "method") != LUA_TSTRING)
        kou_host_usage_error(L, "sweep.method must be one of factorial, oat, lhs, sobol");
    d->method = lua_tostring(L, -1);
    lua_pop(L, 1);
    bool lhs = strcmp(d->method, "lhs") == 0, sobol = strcmp(d->method, "sobol") == 0;
    if (!lhs && !sobol && strcmp(d->method, "factorial") != 0 && strcmp(d->method, "oat") != 0)
        kou_host_usage_error(L, "sweep.method '%s': unknown (known: factorial, oat, lhs, sobol)", d->method);
    if ((lhs || sobol) && !(pts_given && pts >= 1 && pts <= 1e7 && pts == floor(pts)))
        kou_host_usage_error(L, "sweep.points: method '%s' needs a whole number of points >= 1", d->method);
    d->points_asked = (uint64_t)pts;

    if (lua_getfield(L, t, "factors") != LUA_TTABLE || lua_rawlen(L, -1) == 0)
        kou_host_usage_error(L, "sweep.factors must be a list of {path = ..., values = {...}} or "
                             "{path = ..., min = ..., max = ...}");
    int ft = lua_gettop(L);
    size_t nf = lua_rawlen(L, ft);
    if (nf > MAX_FACTORS)
        kou_host_usage_error(L, "sweep.factors: at most %d factors", MAX_FACTORS);
    if (sobol && nf > 40)
        kou_host_usage_error(L, "sweep.factors: GSL's Sobol sequence has at most 40 dimensions");
    d->nfactors = nf;
    d->f = lua_newuserdatauv(L, nf * sizeof(factor), 0); /* freed by the GC */
    memset(d->f, 0, nf * sizeof(factor));
    lua_setfield(L, LUA_REGISTRYINDEX, "kouan.sweep.factors");
    for (size_t i = 0; i < nf; i++) {
        char where[48];
        snprintf(where, sizeof where, "sweep.factors[%zu]", i + 1);
        factor *f = &d->f[i];
        if (lua_rawgeti(L, ft, (lua_Integer)i + 1) != LUA_TTABLE)
            kou_host_usage_error(L, "%s must be a table", where);
        int fi = lua_gettop(L);
        check_keys(L, fi, factor_keys, where);
        if (lua_getfield(L, fi, "path") != LUA_TSTRING)
            kou_host_usage_error(L, "%s.path must be a string (a --set path)", where);
        f->path = lua_tostring(L, -1);
        lua_pop(L, 1);
        bool all_int = path_is_integer(f->path);
        if (lua_getfield(L, fi, "values") == LUA_TTABLE) {
            size_t n = lua_rawlen(L, -1);
            if (n == 0 || n > MAX_LEVELS)
                kou_host_usage_error(L, "%s.values: 1 to %d numbers", where, MAX_LEVELS);
            for (size_t k = 0; k < n; k++) {
                if (lua_rawgeti(L, -1, (lua_Integer)k + 1) != LUA_TNUMBER)
                    kou_host_usage_error(L, "%s.values[%zu] must be a number", where, k + 1);
                f->levels[k] = lua_tonumber(L, -1);
                lua_pop(L, 1);
            }
            f->nlevels = n;
            f->min = f->max = f->levels[0];
            for (size_t k = 1; k < n; k++) {
                f->min = fmin(f->min, f->levels[k]);
                f->max = fmax(f->max, f->levels[k]);
            }
            f->base = f->levels[0];
        } else if (!lua_isnil(L, -1)) {
            kou_host_usage_error(L, "%s.values must be a list of numbers", where);
        } else {
            bool gmin, gmax;
            f->min = get_number(L, fi, "min", 0, &gmin, where);
            f->max = get_number(L, fi, "max", 0, &gmax, where);
            if (!gmin || !gmax || !(f->min < f->max) || !isfinite(f->min) || !isfinite(f->max))
                kou_host_usage_error(L, "%s: give values = {...}, or min < max", where);
            f->continuous = true;
            double lv = get_number(L, fi, "levels", 3, NULL, where);
            if (!(lv >= 2 && lv <= MAX_LEVELS && lv == floor(lv)))
                kou_host_usage_error(L, "%s.levels must be a whole number in [2, %d]", where, MAX_LEVELS);
            f->nlevels = (size_t)lv;
            f->base = 0.5 * (f->min + f->max);
        }
        lua_pop(L, 1);
        if (lua_getfield(L, fi, "integer") == LUA_TBOOLEAN)
            all_int = lua_toboolean(L, -1);
        lua_pop(L, 1);
        f->integer = all_int;
        if (f->continuous)
            for (size_t k = 0; k < f->nlevels; k++)
                f->levels[k] = f->min + (f->max - f->min) * (double)k / (double)(f->nlevels - 1);
        bool bgiven;
        f->base = get_number(L, fi, "base", f->base, &bgiven, where);
        if (f->integer) {
            f->base = round(f->base);
            for (size_t k = 0; k < f->nlevels; k++)
                f->levels[k] = round(f->levels[k]);
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1); /* factors */

    d->nmetrics = 0;
    if (lua_getfield(L, t, "kpi") == LUA_TTABLE) {
        size_t n = lua_rawlen(L, -1);
        for (size_t k = 0; k < n; k++) {
            lua_rawgeti(L, -1, (lua_Integer)k + 1);
            const char *name = lua_tostring(L, -1);
            int m = 0;
            while (m < KOU_KPI_METRIC_COUNT && (!name || strcmp(name, kou_kpi_metric_name((kou_kpi_metric)m)) != 0))
                m++;
            if (m == KOU_KPI_METRIC_COUNT)
                kou_host_usage_error(L, "sweep.kpi[%zu]: unknown metric '%s' (known: count, overall_mean, "
                                     "overall_median, overall_p90, ... as in docs/hdf5-schema.md)",
                                     k + 1, name ? name : "?");
            if (d->nmetrics < KOU_KPI_METRIC_COUNT)
                d->metrics[d->nmetrics++] = m;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        kou_host_usage_error(L, "sweep.kpi must be a list of metric names");
    }
    lua_pop(L, 1);
    if (d->nmetrics == 0) {
        for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++)
            d->metrics[m] = m;
        d->nmetrics = KOU_KPI_METRIC_COUNT;
    }
}

/* Maps u in [0, 1) to a factor value: continuous over [min, max] (then
** rounded for an integer factor), else the level floor(u * n). */
static double factor_value(const factor *f, double u)
{
    if (f->continuous) {
        double v = f->min + u * (f->max - f->min);
        return f->integer ? round(v) : v;
    }
    size_t k = (size_t)(u * (double)f->nlevels);
    return f->levels[k < f->nlevels ? k : f->nlevels - 1];
}

static void make_matrix(lua_State *L, design *d)
{
    size_t nf = d->nfactors, np = 0;
    const char *m = d->method;
    if (strcmp(m, "factorial") == 0) {
        np = 1;
        for (size_t i = 0; i < nf; i++) {
            if (np > 10000000 / d->f[i].nlevels)
                kou_host_usage_error(L, "sweep: the full factorial has more than 1e7 points");
            np *= d->f[i].nlevels;
        }
    } else if (strcmp(m, "oat") == 0) {
        np = 1;
        for (size_t i = 0; i < nf; i++)
            for (size_t k = 0; k < d->f[i].nlevels; k++)
                np += d->f[i].levels[k] != d->f[i].base;
    } else {
        np = (size_t)d->points_asked;
    }
    d->npoints = np;
    d->matrix = lua_newuserdatauv(L, (np * nf > 0 ? np * nf : 1) * sizeof(double), 0);
    lua_setfield(L, LUA_REGISTRYINDEX, "kouan.sweep.matrix");
    double *x = d->matrix;
    if (strcmp(m, "factorial") == 0) { /* the last factor varies fastest */
        for (size_t p = 0; p < np; p++) {
            size_t r = p;
            for (size_t i = nf; i-- > 0;) {
                x[p * nf + i] = d->f[i].levels[r % d->f[i].nlevels];
                r /= d->f[i].nlevels;
            }
        }
    } else if (strcmp(m, "oat") == 0) {
        size_t p = 0;
        for (size_t i = 0; i < nf; i++)
            x[i] = d->f[i].base;
        p = 1;
        for (size_t i = 0; i < nf; i++)
            for (size_t k = 0; k < d->f[i].nlevels; k++) {
                if (d->f[i].levels[k] == d->f[i].base)
                    continue;
                for (size_t j = 0; j < nf; j++)
                    x[p * nf + j] = d->f[j].base;
                x[p * nf + i] = d->f[i].levels[k];
                p++;
            }
    } else if (strcmp(m, "lhs") == 0) {
        /* Stream "sweep.lhs" of a kernel simulation seeded with the design's
        ** seed: one random permutation of the strata per factor
        ** (Fisher-Yates) and a uniform offset inside each stratum. */
        char err[256];
        kou_sim_config sc;
        kou_sim_config_default(&sc);
        sc.seed = d->seed;
        kou_sim *sim = NULL;
        if (kou_sim_new(&sim, &sc, err, sizeof err) != KOU_OK)
            luaL_error(L, "sweep: %s", err);
        kou_rng *r = kou_rng_stream_create(sim, "sweep.lhs");
        size_t *perm = malloc(np * sizeof *perm);
        KOU_CHECK(perm != NULL && r != NULL);
        for (size_t i = 0; i < nf; i++) {
            for (size_t p = 0; p < np; p++)
                perm[p] = p;
            for (size_t p = np; p > 1; p--) {
                size_t k = kou_rng_index(r, (uint32_t)p);
                size_t tmp = perm[p - 1];
                perm[p - 1] = perm[k];
                perm[k] = tmp;
            }
            for (size_t p = 0; p < np; p++)
                x[p * nf + i] = factor_value(&d->f[i], ((double)perm[p] + kou_rng_uniform(r)) / (double)np);
        }
        free(perm);
        kou_sim_free(sim);
    } else { /* sobol: GSL's sequence from its first point */
        gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)nf);
        KOU_CHECK(q != NULL);
        double u[MAX_FACTORS];
        for (size_t p = 0; p < np; p++) {
            gsl_qrng_get(q, u);
            for (size_t i = 0; i < nf; i++)
                x[p * nf + i] = factor_value(&d->f[i], u[i]);
        }
        gsl_qrng_free(q);
    }
}

/* ---- building a point's configuration (protected) ---- */

typedef struct build_args {
    const design *d;
    const double *row;
    const kou_model_config *cfg;  /* out */
    int32_t start_date;
    bool check_processes;
} build_args;

static void format_value(const factor *f, double v, char *buf, size_t len)
{
    if (f->integer)
        snprintf(buf, len, "%.0f", v);
    else /* the shortest text that reads back as v */
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, len, "%.*g", prec, v);
            if (strtod(buf, NULL) == v)
                break;
        }
}

/* Leaves the arena on the stack (the only result). */
static int build_point(lua_State *L)
{
    build_args *a = lua_touserdata(L, 1);
    lua_settop(L, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, "kouan.sweep.scenario"); /* s */
    kou_scenario_select_era(L, a->d->era);                       /* s s-era */
    for (size_t i = 0; i < a->d->nfactors; i++) {
        char v[64];
        format_value(&a->d->f[i], a->row[i], v, sizeof v);
        kou_scenario_set(L, a->d->f[i].path, v);
    }
    kou_scenario_info info;
    a->cfg = kou_scenario_build(L, -1, &info); /* s-era arena */
    a->start_date = info.start_date;
    if (a->check_processes) {
        lua_getfield(L, -2, "processes");
        if (lua_istable(L, -1) && lua_rawlen(L, -1) > 0)
            kou_host_usage_error(L, "sweep: scenario '%s' has processes = {...}: Lua processes cannot "
                                 "run on worker threads, so kouan sweep does not take them yet",
                                 a->d->scenario);
        lua_pop(L, 1);
    }
    return 1;
}

/* The text of the error object on top (a host report or a string). */
static void error_text(lua_State *L, char *buf, size_t len)
{
    const char *s = NULL;
    if (lua_istable(L, -1)) {
        lua_getfield(L, -1, "text");
        s = lua_tostring(L, -1);
        snprintf(buf, len, "%s", s ? s : "error");
        lua_pop(L, 1);
    } else {
        s = lua_tostring(L, -1);
        snprintf(buf, len, "%s", s ? s : "error");
    }
    char *nl = strstr(buf, "\nstack traceback");
    if (nl)
        *nl = '\0';
}

/* ---- the sweep ---- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = NULL, buf[4096];
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    for (size_t n; m && (n = fread(buf, 1, sizeof buf, f)) > 0;)
        fwrite(buf, 1, n, m);
    if (m)
        fclose(m);
    fclose(f);
    return text;
}

static bool file_exists(const char *p)
{
    return access(p, R_OK) == 0;
}

static void print_sensitivity(const design *d, const double *y, FILE *out)
{
    size_t nf = d->nfactors, n = 0;
    size_t use[MAX_FACTORS], k = 0;
    double sdx[MAX_FACTORS];
    for (size_t p = 0; p < d->npoints; p++)
        n += isfinite(y[p]);
    for (size_t i = 0; i < nf; i++) {
        double mu = 0, ss = 0;
        size_t c = 0;
        for (size_t p = 0; p < d->npoints; p++)
            if (isfinite(y[p])) {
                mu += d->matrix[p * nf + i];
                c++;
            }
        mu = c ? mu / (double)c : 0;
        for (size_t p = 0; p < d->npoints; p++)
            if (isfinite(y[p]))
                ss += (d->matrix[p * nf + i] - mu) * (d->matrix[p * nf + i] - mu);
        sdx[i] = c > 1 ? sqrt(ss / (double)(c - 1)) : 0;
        if (sdx[i] > 0)
            use[k++] = i;
    }
    if (n < k + 2 || k == 0) {
        fprintf(out, "sensitivity: too few successful points for a regression (%zu points, %zu factors)\n",
                n, k);
        return;
    }
    double my = 0, sy = 0;
    for (size_t p = 0; p < d->npoints; p++)
        if (isfinite(y[p]))
            my += y[p];
    my /= (double)n;
    for (size_t p = 0; p < d->npoints; p++)
        if (isfinite(y[p]))
            sy += (y[p] - my) * (y[p] - my);
    sy = sqrt(sy / (double)(n - 1));
    gsl_matrix *X = gsl_matrix_alloc(n, k + 1);
    gsl_vector *Y = gsl_vector_alloc(n), *b = gsl_vector_alloc(k + 1);
    gsl_matrix *cov = gsl_matrix_alloc(k + 1, k + 1);
    gsl_multifit_linear_workspace *ws = gsl_multifit_linear_alloc(n, k + 1);
    size_t r = 0;
    for (size_t p = 0; p < d->npoints; p++) {
        if (!isfinite(y[p]))
            continue;
        gsl_matrix_set(X, r, 0, 1.0);
        for (size_t j = 0; j < k; j++)
            gsl_matrix_set(X, r, j + 1, d->matrix[p * nf + use[j]]);
        gsl_vector_set(Y, r, y[p]);
        r++;
    }
    double chisq = 0;
    gsl_multifit_linear(X, Y, b, cov, &chisq, ws);
    double r2 = sy > 0 ? 1 - chisq / (sy * sy * (double)(n - 1)) : NAN;
    fprintf(out, "\nsensitivity of the all-ports import overall clearance time (mean of replications, "
                 "%zu points, mean %.3f h):\nstandardized regression coefficients (R^2 = %.3f)\n", n, my, r2);
    for (size_t j = 0; j < k; j++)
        fprintf(out, "  %+8.3f  %s\n", sy > 0 ? gsl_vector_get(b, j + 1) * sdx[use[j]] / sy : NAN,
                d->f[use[j]].path);
    gsl_multifit_linear_free(ws);
    gsl_matrix_free(X);
    gsl_matrix_free(cov);
    gsl_vector_free(Y);
    gsl_vector_free(b);
}

static bool interrupted_exit;

/* ---- MPI: ranks > 0 send each finished run to rank 0, in run order ---- */

#ifdef KOUAN_HAVE_MPI
static void mpi_fail(int rc, const char *what)
{
    if (rc == MPI_SUCCESS)
        return;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    fprintf(stderr, "kouan sweep: MPI error in %s: %.*s\n", what, len, msg);
    MPI_Abort(MPI_COMM_WORLD, 2);
}

/* The record: run index, status, seed, wall time, error text, KPI values. */
static int mpi_record_size(size_t nkpi)
{
    int a = 0, b = 0, c = 0, e = 0;
    mpi_fail(MPI_Pack_size(2, MPI_INT64_T, MPI_COMM_WORLD, &a), "MPI_Pack_size");
    mpi_fail(MPI_Pack_size(1, MPI_UINT64_T, MPI_COMM_WORLD, &b), "MPI_Pack_size");
    mpi_fail(MPI_Pack_size((int)nkpi + 1, MPI_DOUBLE, MPI_COMM_WORLD, &c), "MPI_Pack_size");
    mpi_fail(MPI_Pack_size(KOU_SWEEP_ERROR_LEN, MPI_CHAR, MPI_COMM_WORLD, &e), "MPI_Pack_size");
    return a + b + c + e;
}

static void mpi_send_run(const job *j, size_t index, size_t nkpi, char *buf, int size)
{
    int pos = 0;
    int64_t head[2] = {(int64_t)index, j->status};
    mpi_fail(MPI_Pack(head, 2, MPI_INT64_T, buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    mpi_fail(MPI_Pack(&j->seed, 1, MPI_UINT64_T, buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    mpi_fail(MPI_Pack(&j->wall, 1, MPI_DOUBLE, buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    mpi_fail(MPI_Pack(j->error, KOU_SWEEP_ERROR_LEN, MPI_CHAR, buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    mpi_fail(MPI_Pack(j->kpi, (int)nkpi, MPI_DOUBLE, buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    mpi_fail(MPI_Send(buf, pos, MPI_PACKED, 0, 0, MPI_COMM_WORLD), "MPI_Send");
}

/* Messages from one rank arrive in the order sent (MPI's non-overtaking rule),
** and every rank sends its runs in index order. */
static void mpi_recv_run(job *j, size_t index, int from, size_t nkpi, char *buf, int size)
{
    int pos = 0;
    int64_t head[2];
    mpi_fail(MPI_Recv(buf, size, MPI_PACKED, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
    mpi_fail(MPI_Unpack(buf, size, &pos, head, 2, MPI_INT64_T, MPI_COMM_WORLD), "MPI_Unpack");
    mpi_fail(MPI_Unpack(buf, size, &pos, &j->seed, 1, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Unpack");
    mpi_fail(MPI_Unpack(buf, size, &pos, &j->wall, 1, MPI_DOUBLE, MPI_COMM_WORLD), "MPI_Unpack");
    mpi_fail(MPI_Unpack(buf, size, &pos, j->error, KOU_SWEEP_ERROR_LEN, MPI_CHAR, MPI_COMM_WORLD), "MPI_Unpack");
    mpi_fail(MPI_Unpack(buf, size, &pos, j->kpi, (int)nkpi, MPI_DOUBLE, MPI_COMM_WORLD), "MPI_Unpack");
    j->error[KOU_SWEEP_ERROR_LEN - 1] = '\0';
    j->status = (int)head[1];
    if (head[0] != (int64_t)index) {
        fprintf(stderr, "kouan sweep: MPI: rank %d sent run %lld, expected run %zu\n", from, (long long)head[0],
                index);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
}
#endif

static int smain(lua_State *L)
{
    const sweep_opts *o = lua_touserdata(L, 1);
    lua_settop(L, 0);
    kou_lsim_open(L);
    kou_scenario_open(L);
    /* sweep{} from scripts/kouan/sweep.lua */
    lua_getglobal(L, "import");
    lua_pushliteral(L, "sweep");
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1) || lua_getfield(L, -1, "sweep") != LUA_TFUNCTION)
        luaL_error(L, "scripts/kouan/sweep.lua did not return the sweep library");
    lua_setglobal(L, "sweep");
    lua_pop(L, 1);

    kou_host_loadfile(L, o->design);
    kou_host_call(L, 0, 1); /* design */
    if (!lua_istable(L, -1))
        kou_host_usage_error(L, "%s must return sweep{...} (returned a %s)", o->design, luaL_typename(L, -1));
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "kouan.sweep.design"); /* anchors every string in it */
    design d;
    memset(&d, 0, sizeof d);
    read_design(L, -1, &d);

    /* the scenario: as given, next to the design file, or under the tree root */
    char spath[4096];
    const char *slash = strrchr(o->design, '/');
    snprintf(spath, sizeof spath, "%s", d.scenario);
    if (d.scenario[0] != '/' && !file_exists(spath)) {
        if (slash)
            snprintf(spath, sizeof spath, "%.*s/%s", (int)(slash - o->design), o->design, d.scenario);
        if (!file_exists(spath))
            snprintf(spath, sizeof spath, "%s/%s", kou_scenario_root(), d.scenario);
        if (!file_exists(spath))
            kou_host_usage_error(L, "sweep.scenario '%s': no such file (looked in the current "
                                 "directory, next to %s and under %s)", d.scenario, o->design,
                                 kou_scenario_root());
    }
    kou_host_loadfile(L, spath);
    kou_host_call(L, 0, 1);
    if (!kou_scenario_is(L, -1))
        kou_host_usage_error(L, "sweep.scenario '%s' is not a port scenario (it must return scenario{...})",
                             spath);
    lua_setfield(L, LUA_REGISTRYINDEX, "kouan.sweep.scenario");

    make_matrix(L, &d);

    /* Every factor path, checked at its base values before any run. */
    double base[MAX_FACTORS];
    for (size_t i = 0; i < d.nfactors; i++)
        base[i] = d.f[i].base;
    build_args ba = {.d = &d, .row = base, .check_processes = true};
    lua_pushcfunction(L, build_point);
    lua_pushlightuserdata(L, &ba);
    lua_call(L, 1, 1); /* arena: errors go to the caller (exit 2 for a bad path) */
    const kou_model_config *bcfg = ba.cfg;
    kou_kpi *bk = kou_kpi_new(bcfg);
    size_t ng = kou_kpi_groups(bk);
    /* groups and names in userdata (no malloc across raising calls) */
    int *gint = lua_newuserdatauv(L, (3 * ng + 1) * sizeof(int), 0);
    char *gnames = lua_newuserdatauv(L, ng * 128 + 1, 0);
    const char **gnp = lua_newuserdatauv(L, (ng + 1) * sizeof(char *), 0);
    static const char *const modes[] = {"air", "rail", "road"}, *const dirs[] = {"import", "export"};
    for (size_t g = 0; g < ng; g++) {
        kou_kpi_group gi = kou_kpi_group_info(bk, g);
        gint[g] = gi.port_index;
        gint[ng + g] = gi.mode;
        gint[2 * ng + g] = gi.direction;
        if (gi.port_index < 0)
            snprintf(gnames + 128 * g, 128, "all ports %s", dirs[gi.direction & 1]);
        else
            snprintf(gnames + 128 * g, 128, "%s %s %s", gi.port, gi.mode >= 0 && gi.mode < 3 ? modes[gi.mode] : "?",
                     dirs[gi.direction & 1]);
        gnp[g] = gnames + 128 * g;
    }
    kou_kpi_free(bk);
    const char *mnames[KOU_KPI_METRIC_COUNT];
    for (size_t m = 0; m < d.nmetrics; m++)
        mnames[m] = kou_kpi_metric_name((kou_kpi_metric)d.metrics[m]);
    /* gint, gnames and gnp stay on the stack (alive) until smain returns */

    const char *paths[MAX_FACTORS];
    for (size_t i = 0; i < d.nfactors; i++)
        paths[i] = d.f[i].path;
    kou_sweep_layout lay = {.method = d.method, .nfactors = d.nfactors, .paths = paths, .npoints = d.npoints,
                            .matrix = d.matrix, .reps = d.reps, .seed = d.seed, .ngroups = ng,
                            .groups = gnp, .group_port = gint, .group_mode = gint + ng,
                            .group_dir = gint + 2 * ng, .nmetrics = d.nmetrics, .metrics = mnames};

    /* the output file */
    char out[4096];
    if (o->output) {
        snprintf(out, sizeof out, "%s", o->output);
    } else {
        const char *b = slash ? slash + 1 : o->design;
        if (o->nshards > 0)
            snprintf(out, sizeof out, "results/%.*s-shard-%u-of-%u.h5", (int)strcspn(b, "."), b, o->shard,
                     o->nshards);
        else
            snprintf(out, sizeof out, "results/%.*s.h5", (int)strcspn(b, "."), b);
        if (o->rank == 0 && mkdir("results", 0777) != 0 && errno != EEXIST)
            luaL_error(L, "cannot create the directory results: %s", strerror(errno));
    }
    snprintf(o->written, 4096, "%s", out);
    size_t nruns = d.npoints * d.reps;
    uint8_t *done0 = lua_newuserdatauv(L, nruns ? nruns : 1, 0);
    memset(done0, 0, nruns ? nruns : 1);
    char err[700];
    kou_sweep_h5 *w = NULL; /* NULL on MPI ranks > 0: only rank 0 touches HDF5 */
    if (o->rank > 0) {
        /* nothing: runs go to rank 0 */
    } else if (o->resume && access(out, F_OK) == 0) {
        w = kou_sweep_h5_resume(out, &lay, done0, err, sizeof err);
        if (w == NULL)
            kou_host_usage_error(L, "%s", err);
    } else {
        bool exists;
        w = kou_sweep_h5_create(out, o->force, &lay, &exists, err, sizeof err);
        if (w == NULL && exists)
            kou_host_usage_error(L, "%s exists: refusing to overwrite it (--resume continues it, --force "
                                 "overwrites it, -o FILE writes another file)", out);
        if (w == NULL)
            luaL_error(L, "cannot write the sweep file: %s", err);
    }
    /* From here on no Lua call may raise while w or the pool is held:
    ** attributes are C calls; builds go through lua_pcall. */
    char *text = NULL;
    if (w) {
        text = read_file(spath);
        kou_sweep_h5_attr_str(w, "scenario_source", text ? text : "");
        free(text);
        text = read_file(o->design);
        kou_sweep_h5_attr_str(w, "design_source", text ? text : "");
        free(text);
        text = NULL;
        size_t tlen = 0;
        FILE *m = open_memstream(&text, &tlen);
        for (int i = 0; m && i < o->argc; i++)
            fprintf(m, strpbrk(o->argv[i], " \t'\"$\\") ? "%s'%s'" : "%s%s", i ? " " : "", o->argv[i]);
        if (m)
            fclose(m);
        kou_sweep_h5_attr_str(w, o->resume ? "command_line_resume" : "command_line", text ? text : "");
        free(text);
        kou_sweep_h5_attr_str(w, "scenario_path", d.scenario);
        kou_sweep_h5_attr_str(w, "design_path", o->design);
        kou_sweep_h5_attr_str(w, "era", d.era ? d.era : "");
        kou_sweep_h5_attr_str(w, "kouan_version", KOUAN_VERSION);
        kou_sweep_h5_attr_str(w, "commit", KOUAN_GIT_COMMIT);
        if (o->nshards > 0) {
            char sh[48];
            snprintf(sh, sizeof sh, "%u/%u", o->shard, o->nshards);
            kou_sweep_h5_attr_str(w, "shard", sh);
        }
        if (o->size > 1)
            kou_sweep_h5_attr_int(w, "mpi_ranks", o->size);
    }

    /* the pool */
    job *jobs = calloc(nruns ? nruns : 1, sizeof *jobs);
    double *kpis = calloc((nruns ? nruns : 1) * (ng * d.nmetrics + 1), sizeof *kpis);
    double *ymean = calloc(d.npoints ? d.npoints : 1, sizeof *ymean);
    KOU_CHECK(jobs && kpis && ymean);
    for (size_t i = 0; i < nruns; i++) {
        jobs[i].kpi = kpis + i * (ng * d.nmetrics + 1);
        jobs[i].seed = d.seed + i % d.reps;
        jobs[i].skip = done0[i] != KOU_SWEEP_NOT_RUN;
        if (o->nshards > 0 && (i / d.reps) % o->nshards != o->shard - 1) {
            jobs[i].skip = true;
            jobs[i].other_shard = true;
        }
        if (o->size > 1 && (int)(i % (size_t)o->size) != o->rank) { /* another MPI rank's run */
            jobs[i].skip = true;
            jobs[i].other_shard = o->rank > 0;
            jobs[i].remote = o->rank == 0;
        }
    }
    size_t nkpi = ng * d.nmetrics;
    char *mbuf = NULL;
    int msize = 0;
#ifdef KOUAN_HAVE_MPI
    if (o->size > 1) {
        msize = mpi_record_size(nkpi);
        mbuf = malloc((size_t)msize);
        KOU_CHECK(mbuf != NULL);
    }
#endif
    (void)nkpi; /* used only with MPI */
    (void)msize;
    pool p = {.jobs = jobs, .njobs = nruns, .ngroups = ng, .nmetrics = d.nmetrics, .gport = gint,
              .gmode = gint + ng, .gdir = gint + 2 * ng, .metrics = d.metrics};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.work, NULL);
    pthread_cond_init(&p.done, NULL);
    int nthreads = o->jobs;
    pthread_t *th = calloc((size_t)nthreads, sizeof *th);
    KOU_CHECK(th != NULL);
    struct sigaction sa, old_int, old_term;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    /* workers do not take the signals */
    sigset_t block, oldmask;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &oldmask);
    int started = 0;
    for (; started < nthreads; started++)
        if (pthread_create(&th[started], NULL, worker, &p) != 0)
            break;
    pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
    if (started == 0) {
        fputs("kouan sweep: cannot start a worker thread\n", stderr);
        nthreads = 0;
    }

    bool tty = isatty(fileno(stderr)) != 0 && !o->quiet && o->rank == 0;
    double t0 = now_seconds(), last_draw = 0;
    size_t nfailed = 0, nskipped = 0, nrun = 0, todo = 0;
    for (size_t i = 0; i < nruns; i++)
        todo += !jobs[i].skip || jobs[i].remote;
    size_t window = (size_t)(nthreads > 0 ? nthreads : 1) + 2; /* points built ahead of writing */
    size_t next_build = 0, next_write = 0;
    lua_newtable(L); /* arenas, by point */
    int arenas = lua_gettop(L);
    while (next_write < nruns && started > 0) {
        size_t wpoint = next_write / d.reps;
        while (next_build < d.npoints && next_build < wpoint + window && !sweep_signal) {
            size_t pt = next_build++;
            bool need = false;
            for (size_t r = 0; r < d.reps; r++)
                need = need || !jobs[pt * d.reps + r].skip;
            const char *why = NULL;
            char msg[KOU_SWEEP_ERROR_LEN];
            build_args a = {.d = &d, .row = d.matrix + pt * d.nfactors};
            if (need) {
                lua_pushcfunction(L, kou_host_msghandler);
                lua_pushcfunction(L, build_point);
                lua_pushlightuserdata(L, &a);
                if (lua_pcall(L, 1, 1, -3) != LUA_OK) {
                    error_text(L, msg, sizeof msg);
                    why = msg;
                    lua_pop(L, 2);
                } else {
                    lua_rawseti(L, arenas, (lua_Integer)pt + 1);
                    lua_pop(L, 1);
                }
                lua_gc(L, LUA_GCSTEP, 0);
            }
            pthread_mutex_lock(&p.mu);
            for (size_t r = 0; r < d.reps; r++) {
                job *j = &jobs[pt * d.reps + r];
                if (j->skip) {
                    j->state = JOB_DONE;
                } else if (why) {
                    j->status = KOU_SWEEP_FAILED;
                    snprintf(j->error, sizeof j->error, "%s", why);
                    j->state = JOB_DONE;
                } else {
                    j->cfg = a.cfg;
                    j->start_date = a.start_date;
                    j->state = JOB_READY;
                }
            }
            p.built = (pt + 1) * d.reps;
            pthread_cond_broadcast(&p.work);
            pthread_mutex_unlock(&p.mu);
        }
        pthread_mutex_lock(&p.mu);
        while (jobs[next_write].state != JOB_DONE && !sweep_signal) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 200000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&p.done, &p.mu, &ts);
        }
        pthread_mutex_unlock(&p.mu);
        if (sweep_signal)
            break;
        job *j = &jobs[next_write];
        size_t pt = next_write / d.reps, rep = next_write % d.reps;
#ifdef KOUAN_HAVE_MPI
        if (j->remote)
            mpi_recv_run(j, next_write, (int)(next_write % (size_t)o->size), nkpi, mbuf, msize);
#endif
        if (j->skip && !j->remote) {
            nskipped += !j->other_shard;
        } else if (w == NULL) { /* MPI rank > 0 */
#ifdef KOUAN_HAVE_MPI
            mpi_send_run(j, next_write, nkpi, mbuf, msize);
#endif
        } else {
            kou_sweep_h5_run(w, pt, rep, j->seed, j->status, j->error, j->wall,
                             j->status == KOU_SWEEP_OK ? j->kpi : NULL);
            nrun++;
            if (j->status != KOU_SWEEP_OK) {
                nfailed++;
                if (!o->quiet) {
                    if (tty)
                        fputs("\r\033[K", stderr);
                    fprintf(stderr, "kouan sweep: point %zu replication %zu (seed %llu) failed: %s\n", pt + 1,
                            rep + 1, (unsigned long long)j->seed, j->error);
                }
            }
        }
        next_write++;
        if (next_write % d.reps == 0) { /* the point is written: free its arena */
            lua_pushnil(L);
            lua_rawseti(L, arenas, (lua_Integer)pt + 1);
        }
        double t = now_seconds();
        if (tty && (t - last_draw > 0.1 || next_write == nruns) && todo > 0) {
            last_draw = t;
            double frac = (double)nrun / (double)todo;
            double eta = nrun > 0 ? (t - t0) / (double)nrun * (double)(todo - nrun) : NAN;
            int width = 30, fill = (int)(frac * width);
            char bar[31];
            for (int i = 0; i < width; i++)
                bar[i] = i < fill ? '#' : '.';
            bar[width] = '\0';
            fprintf(stderr, "\r[%s] %3d%%  run %zu/%zu  %.0f s  ETA %.0f s\033[K", bar, (int)(100 * frac), nrun,
                    todo, t - t0, isfinite(eta) ? eta : 0.0);
            fflush(stderr);
        }
        if (w && kou_sweep_h5_error(w))
            break;
    }
    if (tty)
        fputs("\r\033[K", stderr);
    pthread_mutex_lock(&p.mu);
    p.quit = true;
    pthread_cond_broadcast(&p.work);
    pthread_mutex_unlock(&p.mu);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    bool complete = next_write == nruns && !sweep_signal && (w == NULL || !kou_sweep_h5_error(w));
    char herr[700] = "";
    int hrc = 0;
    if (w) {
        kou_sweep_h5_attr_int(w, "failed_runs", (int64_t)nfailed);
        hrc = kou_sweep_h5_close(w, complete, herr, sizeof herr);
    }
    free(mbuf);

    /* the summary: only over the runs of this process and the file's, when complete */
    if (complete && !o->quiet && o->rank == 0) {
        printf("kouan sweep: %s, %zu points x %llu replications = %zu runs (%zu run now, %zu from the file, "
               "%zu failed) in %.2f s with %d threads\n",
               d.method, d.npoints, (unsigned long long)d.reps, nruns, nrun, nskipped, nfailed,
               now_seconds() - t0, nthreads);
        printf("kouan sweep: results in %s\n", out);
        /* SRC of all-ports import overall mean (this process's runs only) */
        size_t gi = ng, mi = d.nmetrics;
        for (size_t g = 0; g < ng; g++)
            if (gint[g] < 0 && gint[2 * ng + g] == 0)
                gi = g;
        for (size_t k = 0; k < d.nmetrics; k++)
            if (d.metrics[k] == KOU_KPI_OVERALL_MEAN)
                mi = k;
        if (gi < ng && mi < d.nmetrics && nskipped == 0 && o->nshards == 0) {
            for (size_t pt = 0; pt < d.npoints; pt++) {
                double s = 0;
                size_t c = 0;
                for (size_t r = 0; r < d.reps; r++) {
                    job *j = &jobs[pt * d.reps + r];
                    double v = j->status == KOU_SWEEP_OK ? j->kpi[gi * d.nmetrics + mi] : NAN;
                    if (isfinite(v)) {
                        s += v;
                        c++;
                    }
                }
                ymean[pt] = c == d.reps ? s / (double)c : NAN;
            }
            print_sensitivity(&d, ymean, stdout);
        }
    }
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.work);
    pthread_cond_destroy(&p.done);
    free(th);
    free(jobs);
    free(kpis);
    free(ymean);
    if (sweep_signal) {
        fprintf(stderr, "kouan sweep: interrupted (signal %d): %s holds the %zu runs written so far and says "
                "complete = 0; --resume continues it\n", (int)sweep_signal, out, nskipped + nrun);
        interrupted_exit = true;
        lua_pushboolean(L, 1);
        return 1;
    }
    if (hrc != 0)
        luaL_error(L, "%s: %s", out, herr);
    if (started == 0)
        luaL_error(L, "cannot start worker threads");
    if (nfailed > 0)
        fprintf(stderr, "kouan sweep: %zu of %zu runs failed (recorded in %s, /runs)\n", nfailed, nrun, out);
    lua_pushboolean(L, nfailed == 0);
    return 1;
}

static int parse(int argc, char **argv, sweep_opts *o)
{
    memset(o, 0, sizeof *o);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = n > 0 ? (int)n : 1;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            puts("usage: kouan sweep DESIGN.lua [-j N] [-o FILE] [--resume] [--force] [-q]\n"
                 "  -j N       worker threads (default: the online CPUs)\n"
                 "  -o FILE    the sweep file (default results/DESIGN.h5)\n"
                 "  --resume   continue an interrupted sweep file: finished runs are kept\n"
                 "  --force    overwrite an existing sweep file\n"
                 "  --shard i/N  run only the points p with p mod N = i - 1 (default file\n"
                 "             results/DESIGN-shard-i-of-N.h5); kouan sweep-merge joins the shards\n"
                 "  --plot F.png|F.svg  chart of the standardized regression coefficients of\n"
                 "             the overall clearance time (import, export) on the factors\n"
                 "  -q         no summary on stdout\n"
                 "Under mpirun -n N (MPI builds), run i goes to rank i mod N; rank 0 writes the file.\n"
                 "The design file format: docs/sweep.md.");
            return 0;
        } else if (strcmp(a, "-j") == 0 || strncmp(a, "-j", 2) == 0) {
            const char *v = a[2] ? a + 2 : (i + 1 < argc ? argv[++i] : NULL);
            char *end;
            long j = v ? strtol(v, &end, 10) : 0;
            if (!v || *end || j < 1 || j > 1024)
                return usage_fail("-j: a number of threads in [1, 1024] (got %s)", v ? v : "nothing");
            o->jobs = (int)j;
        } else if (strcmp(a, "-o") == 0) {
            if (i + 1 >= argc)
                return usage_fail("-o needs a file name");
            o->output = argv[++i];
        } else if (strcmp(a, "--shard") == 0) {
            unsigned si = 0, sn = 0;
            char tail;
            if (i + 1 >= argc || sscanf(argv[i + 1], "%u/%u%c", &si, &sn, &tail) != 2 || sn < 1 || si < 1 ||
                si > sn)
                return usage_fail("--shard i/N: 1 <= i <= N (got %s)", i + 1 < argc ? argv[i + 1] : "nothing");
            o->shard = si;
            o->nshards = sn;
            i++;
        } else if (strcmp(a, "--plot") == 0) {
            size_t len = i + 1 < argc ? strlen(argv[i + 1]) : 0;
            if (len < 5 || (strcmp(argv[i + 1] + len - 4, ".png") != 0 &&
                            strcmp(argv[i + 1] + len - 4, ".svg") != 0))
                return usage_fail("--plot needs a file name ending in .png or .svg");
            o->plot = argv[++i];
        } else if (strcmp(a, "--resume") == 0) {
            o->resume = true;
        } else if (strcmp(a, "--force") == 0) {
            o->force = true;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            o->quiet = true;
        } else if (a[0] == '-') {
            return usage_fail("unknown option '%s' (kouan sweep --help lists them)", a);
        } else if (o->design) {
            return usage_fail("one design file only (got '%s' and '%s')", o->design, a);
        } else {
            o->design = a;
        }
    }
    if (!o->design)
        return usage_fail("no design file (usage: kouan sweep DESIGN.lua [-j N] [-o FILE] [--resume])");
    if (o->resume && o->force)
        return usage_fail("--resume and --force exclude each other");
    if (o->plot && o->nshards > 0)
        return usage_fail("--plot draws a whole sweep, not a shard: merge the shards with kouan sweep-merge "
                          "and plot the merged file with /usr/bin/python3 scripts/kouan_plot.py FILE OUT.png");
    if (access(o->design, R_OK) != 0)
        return usage_fail("cannot open design file '%s': %s", o->design, strerror(errno));
    return -1;
}

int kou_sweep_main(int argc, char **argv, int full_argc, char **full_argv)
{
    sweep_opts o;
    int code = parse(argc, argv, &o);
    if (code >= 0)
        return code;
    o.argc = full_argc;
    o.argv = full_argv;
    char written[4096] = "";
    o.written = written;
    o.size = 1;
#ifdef KOUAN_HAVE_MPI
    /* MPI only when launched by mpirun/mpiexec: a plain `kouan sweep` never initialises it. */
    bool mpi = getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
    if (mpi) {
        int provided = 0;
        if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
            fputs("kouan sweep: MPI_Init failed\n", stderr);
            return 2;
        }
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, &o.rank);
        MPI_Comm_size(MPI_COMM_WORLD, &o.size);
        if (o.size > 1 && (o.resume || o.nshards > 0)) {
            if (o.rank == 0)
                fprintf(stderr, "kouan sweep: %s is not supported under mpirun with more than one rank "
                        "(run it without mpirun)\n", o.resume ? "--resume" : "--shard");
            MPI_Finalize();
            return 2;
        }
        if (o.rank > 0)
            o.quiet = true;
    }
#endif
    kou_host_config cfg;
    kou_host_config_default(&cfg);
    char err[256];
    kou_host *h = kou_host_new(&cfg, err, sizeof err);
    if (h == NULL) {
        fprintf(stderr, "kouan: %s\n", err);
        return 2;
    }
    lua_State *L = kou_host_state(h);
    lua_pushcfunction(L, kou_host_msghandler);
    lua_pushcfunction(L, smain);
    lua_pushlightuserdata(L, &o);
    int status = lua_pcall(L, 1, 1, 1);
    code = 0;
    if (status != LUA_OK)
        code = kou_host_report(L, status);
    else if (!lua_toboolean(L, -1))
        code = 1;
    if (fflush(stdout) != 0 && code == 0)
        code = 1;
    if (interrupted_exit && code == 0)
        code = 130;
    kou_host_free(h);
    /* The sensitivity chart, from the finished file (rank 0 only). A sweep
    ** with failed runs (code 1) is still plotted from its good points. */
    if (o.plot && o.rank == 0 && (code == 0 || code == 1) && written[0]) {
        int pc = kou_plot_file(kou_scenario_root(), written, o.plot);
        if (pc != 0 && code == 0)
            code = 1;
    }
#ifdef KOUAN_HAVE_MPI
    if (mpi) {
        if (status != LUA_OK && o.size > 1) /* the other ranks may wait for this one */
            MPI_Abort(MPI_COMM_WORLD, code);
        MPI_Finalize();
    }
#endif
    return code;
}

int kou_sweep_merge_main(int argc, char **argv)
{
    const char *out = NULL;
    bool force = false;
    const char *in[1024];
    size_t n = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            puts("usage: kouan sweep-merge -o OUT.h5 [--force] SHARD.h5...\n"
                 "Joins the files of `kouan sweep --shard i/N` into one sweep file, the same as an\n"
                 "unsharded sweep's. Exit 1 (and complete = 0) when some runs are in no shard.");
            return 0;
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            out = argv[++i];
        } else if (strcmp(argv[i], "--force") == 0) {
            force = true;
        } else if (argv[i][0] == '-') {
            return usage_fail("sweep-merge: unknown option '%s'", argv[i]);
        } else if (n < 1024) {
            in[n++] = argv[i];
        }
    }
    if (out == NULL || n == 0)
        return usage_fail("usage: kouan sweep-merge -o OUT.h5 [--force] SHARD.h5...");
    size_t missing = 0;
    int usage = 0;
    char err[700];
    if (kou_sweep_h5_merge(out, in, n, force, &missing, &usage, err, sizeof err) != 0) {
        fprintf(stderr, "kouan sweep-merge: %s\n", err);
        return usage ? 2 : 1;
    }
    if (missing > 0) {
        fprintf(stderr, "kouan sweep-merge: %zu runs are in none of the inputs: %s says complete = 0\n", missing,
                out);
        return 1;
    }
    return 0;
}
