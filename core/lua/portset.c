/*
** portset.c — the scenario loader (portset.h).
**
** Everything Lua runs under lua_pcall with the host's message handler
** (protect): the scenario's top level, the conversions, the process-style
** run. Arenas and converted configurations stay anchored in the registry
** (the holder table, a sweep's base). The processes of a port scenario
** start from the pipeline's sink outside any pcall: kou_lsim_begin_run and
** kou_lsim_end_run never raise.
**
** Workers. A replication's processes never run in the loader's own Lua
** state: the sink takes a worker loader from the pool (one per thread at
** most: a worker loader serves one replication at a time), made on first
** need by replaying how this loader was made (the recipe: the same
** request, deep-copied, or the same sweep design), so it holds the same
** process functions. A worker whose process failed leaves the pool: it is
** kept for the report (the failure of the earliest replication) or freed.
** The pool, the failure and the discard warning are under the loader's
** mutex; the replication's own state is thread-local (the sink's start
** and end run on the replication's thread).
*/
#include "lua/portset.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "kernel/rng.h"
#include "kernel/sim.h"
#include "lua/cal_file.h"
#include "lua/design_file.h"
#include "lua/host.h"
#include "lua/lrun.h"
#include "lua/lsim.h"
#include "lua/scenario.h"
#include "lua/uncertain.h"

/* How a loader was made, for its workers: a request (deep copy, one
** allocation), or a sweep design. */
typedef struct recipe {
    kou_portset_request rq;
    bool have_rq;
    char *buf;                     /* the copy's pointers and strings */
} recipe;

/* The first discarded process in replication order, and the count. */
typedef struct discards {
    size_t processes, replications;
    size_t index;                  /* of the first one's replication */
    uint64_t seed;
    const char *label;
    char text[LUA_IDSIZE + 200];
} discards;

struct kou_portset {
    kou_host *host;
    const kou_portset_request *rq; /* while loading */
    size_t n;
    kou_portset_alt *alts;
    int holder;                    /* registry ref: arenas and configurations */
    bool process_style;
    int *procs;                    /* per alternative: its processes list (registry ref) or LUA_NOREF */
    recipe rec;
    pthread_mutex_t mu;            /* the pool, failed, disc */
    kou_portset **idle;            /* worker loaders not in use */
    size_t nidle, nworkers;
    kou_portset *failed;           /* the worker whose process failed in the earliest replication */
    size_t failed_index;
    bool start_failed;             /* a worker could not be made */
    discards disc;
    kou_sweep_spec *own_spec;      /* a sweep worker's copy of the design */
    kou_sweep_spec *spec;          /* kouan sweep */
    const char *design;
    char spath[4096];              /* the base scenario as found */
    kou_cal_spec *cal;             /* kouan calibrate */
};

void kou_portset_request_default(kou_portset_request *rq)
{
    memset(rq, 0, sizeof *rq);
    kou_host_config hc;
    kou_host_config_default(&hc);
    rq->seed = hc.seed;
    rq->reps = 1;
    rq->max_memory = hc.max_memory;
    rq->max_instructions = hc.max_instructions;
    rq->max_seconds = hc.max_seconds;
    rq->max_call_seconds = hc.max_call_seconds;
}

/* Calls f(L) with ud as its argument under lua_pcall. 0, or the exit
** status after the report. */
static int protect(kou_portset *ps, lua_CFunction f, void *ud)
{
    lua_State *L = kou_host_state(ps->host);
    lua_pushcfunction(L, kou_host_msghandler);
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, ud);
    int status = lua_pcall(L, 1, 0, -3);
    int code = status == LUA_OK ? 0 : kou_host_report(L, status);
    lua_pop(L, 1); /* msgh */
    return code;
}

/* The loader with its host and nalts alternatives; NULL with *status 1
** when the host cannot be made (out of memory: the limits are checked). */
static kou_portset *make(const kou_host_config *hc, size_t nalts, int *status)
{
    kou_portset *ps = koui_calloc(1, sizeof *ps);
    ps->alts = koui_calloc(nalts ? nalts : 1, sizeof *ps->alts);
    ps->procs = koui_malloc((nalts ? nalts : 1) * sizeof *ps->procs);
    for (size_t i = 0; i < (nalts ? nalts : 1); i++)
        ps->procs[i] = LUA_NOREF;
    ps->n = nalts;
    ps->holder = LUA_NOREF;
    pthread_mutex_init(&ps->mu, NULL);
    char err[256];
    ps->host = kou_host_new(hc, err, sizeof err);
    if (ps->host == NULL) {
        fprintf(stderr, "kouan: %s\n", err);
        kou_portset_free(ps);
        *status = 1;
        return NULL;
    }
    return ps;
}

/* The libraries, and the holder table (pushed). */
static int open_libraries(lua_State *L, kou_portset *ps)
{
    kou_lsim_open(L);
    kou_scenario_open(L);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    ps->holder = luaL_ref(L, LUA_REGISTRYINDEX);
    return lua_gettop(L);
}

/* ---- run and compare: the alternatives ---- */

static void apply_sets(lua_State *L, const kou_portset *ps)
{
    const kou_portset_request *rq = ps->rq;
    for (size_t i = 0; i < rq->nset; i++)
        if (!kou_host_param_was_read(ps->host, rq->set_key[i]))
            kou_scenario_set(L, rq->set_key[i], rq->set_value[i]);
}

/* --until: the hours of arrivals replace the scenario's horizon. */
static void apply_until(lua_State *L, kou_model_config *cfg, double until)
{
    if (until <= 0)
        return;
    if (cfg->warmup_hours >= until) {
        char msg[160]; /* lua_pushfstring has no %g */
        snprintf(msg, sizeof msg, "--until %g: must be above the warm-up (%g h)", until, cfg->warmup_hours);
        kou_host_usage_error(L, "%s", msg);
    }
    cfg->horizon_hours = until;
}

/* A scenario's processes = {...}: kept for the workers (refused by a
** calibration point, which runs the model alone). */
static void take_processes(lua_State *L, kou_portset *ps, kou_portset_alt *a)
{
    lua_getfield(L, -2, "processes"); /* s2 arena procs */
    a->processes = lua_istable(L, -1) && lua_rawlen(L, -1) > 0;
    if (a->processes && ps->cal)
        kou_host_usage_error(L, "calibrate: '%s' has processes = {...}; a calibration runs the model alone",
                             a->script);
    if (a->processes)
        ps->procs[a - ps->alts] = luaL_ref(L, LUA_REGISTRYINDEX);
    else
        lua_pop(L, 1);
    /* process(...) at the top level of a port scenario would never run */
    if (ps->rq->run && kou_sim_events_pending(kou_host_sim(ps->host)) > 0) {
        lua_pushfstring(L, "%s: process(...) at the top level of a port scenario never runs: list the "
                        "functions in the scenario's processes = {...}", a->script);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
}

static void set_label(kou_portset_alt *a, const kou_portset_request *rq, size_t i)
{
    const char *base = strrchr(a->script, '/');
    base = base ? base + 1 : a->script;
    int len = (int)strcspn(base, ".");
    size_t nscripts = rq->nscripts;
    if (i < rq->nlabels && rq->labels[i])
        snprintf(a->label, sizeof a->label, "%s", rq->labels[i]);
    else if (nscripts == 1)
        snprintf(a->label, sizeof a->label, "%s", a->era ? a->era : "scenario");
    else
        snprintf(a->label, sizeof a->label, "%.*s%s%s", len, base, a->era ? ":" : "", a->era ? a->era : "");
}

/* Alternative i from the scenario s on top of the stack, with era. */
static void load_alternative(lua_State *L, kou_portset *ps, size_t i, const char *script, const char *era,
                             int holder, bool check_eras)
{
    kou_portset_alt *a = &ps->alts[i];
    a->script = script;
    lua_pushvalue(L, -1);            /* s s */
    kou_scenario_select_era(L, era); /* s s2 */
    apply_sets(L, ps);
    kou_scenario_info info;
    const kou_model_config *cfg = kou_scenario_build(L, -1, &info); /* s s2 arena */
    if (check_eras)
        kou_scenario_check_eras(L, -3, info.era);
    take_processes(L, ps, a);
    kou_model_config *copy = lua_newuserdatauv(L, sizeof *copy, 0); /* s s2 arena copy */
    *copy = *cfg;
    apply_until(L, copy, ps->rq->until);
    lua_rawseti(L, holder, (lua_Integer)(2 * i + 2)); /* s s2 arena */
    lua_rawseti(L, holder, (lua_Integer)(2 * i + 1)); /* s s2 */
    lua_pop(L, 1);                                    /* s */
    a->cfg = copy;
    a->start_date = info.start_date;
    a->era = info.era; /* a string of the arena */
    a->name = info.name;
    set_label(a, ps->rq, i);
}

static int compare_names(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* compare FILE:ERA: a usage error naming the file's eras unless the
** scenario s on the top of the stack has era (as select_era finds it:
** the key as written, or as a number). */
static void check_file_era(lua_State *L, const char *script, const char *era)
{
    if (lua_getfield(L, -1, "eras") == LUA_TTABLE) {
        lua_getfield(L, -1, era);
        if (lua_isnil(L, -1) && lua_stringtonumber(L, era) != 0) {
            lua_gettable(L, -3);
            lua_remove(L, -2);
        }
        bool found = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (found) {
            lua_pop(L, 1);
            return;
        }
    }
    const char *names[64];
    size_t n = 0;
    luaL_Buffer b;
    luaL_buffinit(L, &b); /* s eras b */
    if (lua_istable(L, -2)) {
        lua_pushnil(L);
        while (lua_next(L, -3) && n < 64) { /* names anchored by the eras table */
            lua_pop(L, 1);
            if (lua_type(L, -1) == LUA_TSTRING)
                names[n++] = lua_tostring(L, -1);
        }
    }
    qsort(names, n, sizeof *names, compare_names);
    for (size_t k = 0; k < n; k++) {
        luaL_addstring(&b, k ? ", " : "");
        luaL_addstring(&b, names[k]);
    }
    luaL_pushresult(&b);
    if (n == 0)
        kou_host_usage_error(L, "compare: %s:%s: '%s' has no eras", script, era, script);
    kou_host_usage_error(L, "compare: %s:%s: unknown era '%s' (the eras of '%s': %s)", script, era, era, script,
                         lua_tostring(L, -1));
}

/* compare: one file's alternatives alts[first .. first + count). */
static void load_file(lua_State *L, kou_portset *ps, const char *script, size_t first, size_t count, int holder)
{
    const kou_portset_request *rq = ps->rq;
    kou_host_loadfile(L, script);
    kou_host_call(L, 0, 1); /* s */
    if (!kou_scenario_is(L, -1))
        kou_host_usage_error(L, "compare: '%s' is not a port scenario (it must return scenario{...})", script);
    if (kou_sim_events_pending(kou_host_sim(ps->host)) > 0)
        kou_host_usage_error(L, "compare: '%s' starts processes; comparisons run port scenarios without "
                             "processes", script);
    bool per_file = rq->nscripts > 1 && rq->neras == rq->nscripts;
    for (size_t k = 0; k < count; k++) {
        const char *era = rq->neras == 0 ? NULL : per_file ? rq->eras[first] : rq->neras == 1 ? rq->eras[0] : rq->eras[k];
        if (per_file && era)
            check_file_era(L, script, era);
        load_alternative(L, ps, first + k, script, era, holder, k == 0);
    }
    lua_pop(L, 1);
}

/* run: a port scenario's alternative, or the checks of a process-style one. */
static void load_run(lua_State *L, kou_portset *ps, int holder)
{
    const kou_portset_request *rq = ps->rq;
    const char *script = rq->scripts[0], *era = rq->neras ? rq->eras[0] : NULL;
    kou_host_loadfile(L, script);
    kou_host_call(L, 0, 1); /* result */
    if (kou_scenario_is(L, -1)) {
        load_alternative(L, ps, 0, script, era, holder, true);
        lua_pop(L, 1);
        return;
    }
    if (!lua_isnil(L, -1))
        kou_host_usage_error(L, "scenario '%s' returned a %s: a port scenario returns "
                             "scenario{...}, a process-style one returns nothing",
                             script, luaL_typename(L, -1));
    lua_pop(L, 1);
    ps->process_style = true;
    ps->n = 0;
    if (era)
        kou_host_usage_error(L, "--era %s: scenario '%s' is process-style and has no eras", era, script);
    const char *key, *value;
    if (kou_host_unused_param(ps->host, &key, &value) >= 0) {
        char asked[512];
        kou_host_params_asked(ps->host, asked, sizeof asked);
        kou_host_usage_error(L, "--set %s=%s: scenario '%s' has no parameter '%s' (it reads: %s)",
                             key, value, script, key, asked[0] ? asked : "none");
    }
}

static int pload(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    int holder = open_libraries(L, ps);
    const kou_portset_request *rq = ps->rq;
    if (rq->capture_print)
        kou_lrun_capture_print(L);
    if (rq->run)
        load_run(L, ps, holder);
    else if (rq->nscripts == 1)
        load_file(L, ps, rq->scripts[0], 0, ps->n, holder);
    else
        for (size_t f = 0; f < rq->nscripts; f++)
            load_file(L, ps, rq->scripts[f], f, 1, holder);
    return 0;
}

/* Copies the strings of a list into the arena at *at, pointers at ptrs
** (a NULL entry stays NULL: an era not given). */
static void copy_list(const char *const *src, size_t n, const char **ptrs, char **at)
{
    for (size_t i = 0; i < n; i++) {
        ptrs[i] = NULL;
        if (src[i] == NULL)
            continue;
        size_t len = strlen(src[i]) + 1;
        memcpy(*at, src[i], len);
        ptrs[i] = *at;
        *at += len;
    }
}

static size_t list_bytes(const char *const *src, size_t n)
{
    size_t b = n * sizeof(char *);
    for (size_t i = 0; i < n; i++)
        b += src[i] ? strlen(src[i]) + 1 : 0;
    return b;
}

/* The request kept for the workers: rq with every string copied (the
** caller's may change once the loader is made: a draw's --set values). */
static void keep_recipe(recipe *rec, const kou_portset_request *rq)
{
    size_t bytes = list_bytes(rq->scripts, rq->nscripts) + list_bytes(rq->eras, rq->neras) +
                   list_bytes(rq->set_key, rq->nset) + list_bytes(rq->set_value, rq->nset) +
                   list_bytes(rq->labels, rq->nlabels);
    rec->buf = koui_malloc(bytes + 1);
    const char **ptrs = (const char **)(void *)rec->buf;
    size_t np = rq->nscripts + rq->neras + 2 * rq->nset + rq->nlabels;
    char *at = rec->buf + np * sizeof(char *);
    rec->rq = *rq;
    rec->rq.scripts = ptrs;
    copy_list(rq->scripts, rq->nscripts, ptrs, &at);
    rec->rq.eras = ptrs += rq->nscripts;
    copy_list(rq->eras, rq->neras, ptrs, &at);
    rec->rq.set_key = ptrs += rq->neras;
    copy_list(rq->set_key, rq->nset, ptrs, &at);
    rec->rq.set_value = ptrs += rq->nset;
    copy_list(rq->set_value, rq->nset, ptrs, &at);
    rec->rq.labels = ptrs += rq->nset;
    copy_list(rq->labels, rq->nlabels, ptrs, &at);
    rec->have_rq = true;
}

kou_portset *kou_portset_new(const kou_portset_request *rq, int *status)
{
    *status = 0;
    KOU_CHECK(rq->nscripts >= 1 && (!rq->run || (rq->nscripts == 1 && rq->neras <= 1)));
    kou_host_config hc;
    kou_host_config_default(&hc);
    hc.seed = rq->seed;
    hc.max_memory = rq->max_memory;
    hc.max_instructions = rq->max_instructions;
    hc.max_seconds = rq->max_seconds;
    hc.max_call_seconds = rq->max_call_seconds;
    size_t n = rq->run ? 1 : rq->nscripts == 1 ? rq->neras : rq->nscripts;
    kou_portset *ps = make(&hc, n, status);
    if (ps == NULL)
        return NULL;
    for (size_t i = 0; i < rq->nset; i++)
        kou_host_set_param(ps->host, rq->set_key[i], rq->set_value[i]);
    ps->rq = rq;
    *status = protect(ps, pload, ps);
    ps->rq = NULL;
    if (*status != 0) {
        kou_portset_free(ps);
        return NULL;
    }
    keep_recipe(&ps->rec, rq);
    return ps;
}

void kou_portset_free(kou_portset *ps)
{
    if (ps == NULL)
        return;
    for (size_t i = 0; i < ps->nidle; i++)
        kou_portset_free(ps->idle[i]);
    kou_portset_free(ps->failed);
    kou_host_free(ps->host);
    pthread_mutex_destroy(&ps->mu);
    free(ps->idle);
    free(ps->rec.buf);
    free(ps->own_spec);
    free(ps->procs);
    free(ps->alts);
    free(ps);
}

size_t kou_portset_count(const kou_portset *ps)
{
    return ps->n;
}

const kou_portset_alt *kou_portset_get(const kou_portset *ps, size_t i)
{
    return i < ps->n ? &ps->alts[i] : NULL;
}

const char *kou_portset_port_zh(const kou_portset *ps, const char *port)
{
    for (size_t a = 0; a < ps->n; a++) {
        const kou_model_config *cfg = kou_portset_get(ps, a)->cfg;
        for (size_t p = 0; p < cfg->nports; p++)
            if (strcmp(cfg->ports[p].name, port) == 0 && cfg->ports[p].name_zh && cfg->ports[p].name_zh[0])
                return cfg->ports[p].name_zh;
    }
    return NULL;
}

/* ---- kouan run: process-style scenarios, processes in replications ---- */

const kou_prior *kou_portset_priors(const kou_portset *ps, size_t *n)
{
    return kou_uncertain_priors(kou_host_state(ps->host), n);
}

bool kou_portset_process_style(const kou_portset *ps)
{
    return ps->process_style;
}

typedef struct process_run {
    double until;
    FILE *out;
} process_run;

static int prun(lua_State *L)
{
    const process_run *a = lua_touserdata(L, 1);
    kou_lsim_run(L, a->until);
    if (a->out)
        kou_lsim_print_report(L, a->out);
    return 0;
}

int kou_portset_run_process_style(kou_portset *ps, double until, FILE *out)
{
    KOU_CHECK(ps->process_style);
    process_run a = {until, out};
    return protect(ps, prun, &a);
}

typedef struct process_rep {
    double until, step;
    kou_prun_rep *rep;
} process_rep;

static int prep(lua_State *L)
{
    const process_rep *a = lua_touserdata(L, 1);
    kou_lrun_replication(L, a->until, a->step, a->rep);
    return 0;
}

int kou_portset_run_process_rep(kou_portset *ps, double until, double step, kou_prun_rep *rep)
{
    KOU_CHECK(ps->process_style);
    process_rep a = {until, step, rep};
    return protect(ps, prep, &a);
}

/* ---- processes in the replications of a port scenario: the workers ---- */

static kou_portset *worker_new(const kou_portset *ps, int *status);

/* The replication this thread runs (the sink's start and end run on it). */
static _Thread_local struct {
    kou_portset *w;    /* its worker loader, or NULL */
    size_t alt;
    bool failed_start; /* no worker could be made */
    bool horizon;      /* its clock reached the horizon */
} cur;

/* The alternative a job runs: the one whose configuration it is, else 0
** (a sweep point: a copy of alternative 0's). */
static size_t alt_of(const kou_portset *ps, const kou_model_config *cfg)
{
    for (size_t a = 0; a < ps->n; a++)
        if (ps->alts[a].cfg == cfg)
            return a;
    return 0;
}

static kou_portset *take_worker(kou_portset *ps)
{
    pthread_mutex_lock(&ps->mu);
    kou_portset *w = ps->nidle ? ps->idle[--ps->nidle] : NULL;
    pthread_mutex_unlock(&ps->mu);
    if (w == NULL) {
        int status;
        w = worker_new(ps, &status); /* on the replication's thread: the report is printed */
        pthread_mutex_lock(&ps->mu);
        ps->nworkers += w != NULL;
        pthread_mutex_unlock(&ps->mu);
    }
    return w;
}

static void ev_horizon(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    (void)subject;
    (void)object;
    cur.horizon = true;
}

static void ev_stop_run(kou_sim *sim, void *subject, void *object)
{
    (void)subject;
    (void)object;
    kou_sim_stop(sim);
}

static void processes_start(void *ctx, kou_rep_run *run)
{
    kou_portset *ps = ctx;
    cur.w = NULL;
    cur.failed_start = false;
    cur.horizon = false;
    cur.alt = alt_of(ps, run->job->cfg);
    if (ps->procs[cur.alt] == LUA_NOREF)
        return;
    kou_portset *w = take_worker(ps);
    if (w == NULL) { /* stop before anything runs: the model reports a stopped run */
        cur.failed_start = true;
        kou_event_schedule(run->sim, 0.0, KOU_PRIORITY_MAX, ev_stop_run, NULL, NULL);
        return;
    }
    cur.w = w;
    /* math.random too draws from the replication's streams */
    kou_rng *mr = kou_rng_stream_find(run->sim, "lua.math.random");
    if (mr == NULL) {
        kou_sim_clear_error(run->sim);
        mr = kou_rng_stream_create(run->sim, "lua.math.random");
    }
    if (mr)
        kou_host_bind_random(w->host, mr);
    kou_time h = run->job->cfg->horizon_hours, now = kou_sim_now(run->sim);
    kou_event_schedule(run->sim, h > now ? h - now : 0.0, KOU_PRIORITY_MIN, ev_horizon, NULL, NULL);
    lua_State *L = kou_host_state(w->host);
    lua_rawgeti(L, LUA_REGISTRYINDEX, w->procs[cur.alt]);
    kou_lsim_begin_run(L, run->sim, run->view, -1); /* never raises */
    lua_pop(L, 1);
}

typedef struct discard_ctx {
    double horizon;
    bool reached;
    size_t n;
    char first[LUA_IDSIZE + 200];
} discard_ctx;

/* A process still waiting when the replication ended: worth a warning
** when its next step fell within the horizon (a hold() due by then, or a
** wait of any kind when the replication ended before the horizon, as it
** does when the flows are sparse). A routine that would go on past the
** horizon is discarded without a word. */
static void on_discarded(void *ctx, const char *where, const char *waiting, double wake)
{
    discard_ctx *d = ctx;
    if (isnan(wake) ? d->reached : wake > d->horizon)
        return;
    char before[64] = "";
    if (!d->reached)
        snprintf(before, sizeof before, ", before its horizon at hour %g", d->horizon);
    if (d->n++ == 0)
        snprintf(d->first, sizeof d->first, "the process defined at %s was still waiting for %s when the "
                 "replication ended (its system had drained%s)", where, waiting, before);
}

/* Under the mutex: the replication's discards into ps->disc. */
static void keep_discards(kou_portset *ps, const discard_ctx *d, const kou_rep_run *run)
{
    discards *k = &ps->disc;
    if (d->n == 0)
        return;
    if (k->replications == 0 || run->index < k->index) {
        k->index = run->index;
        k->seed = run->job->seed;
        k->label = ps->alts[cur.alt].label;
        snprintf(k->text, sizeof k->text, "%s", d->first);
    }
    k->processes += d->n;
    k->replications++;
}

static void processes_end(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    kou_portset *ps = ctx;
    kou_portset *w = cur.w, *drop = NULL;
    bool failed = cur.failed_start;
    cur.w = NULL;
    if (w) {
        discard_ctx d = {.horizon = run->job->cfg->horizon_hours, .reached = cur.horizon};
        failed = kou_lsim_end_run(kou_host_state(w->host), on_discarded, &d); /* never raises */
        kou_host_bind_random(w->host, NULL); /* the replication's stream went with its simulation */
        pthread_mutex_lock(&ps->mu);
        keep_discards(ps, &d, run);
        if (!failed) {
            ps->idle = koui_realloc(ps->idle, (ps->nidle + 1) * sizeof *ps->idle);
            ps->idle[ps->nidle++] = w;
        } else if (ps->failed == NULL || run->index < ps->failed_index) {
            drop = ps->failed; /* a later replication's failure */
            ps->failed = w;
            ps->failed_index = run->index;
        } else {
            drop = w;
        }
        pthread_mutex_unlock(&ps->mu);
    }
    kou_portset_free(drop);
    if (!failed)
        return;
    if (cur.failed_start) {
        pthread_mutex_lock(&ps->mu);
        ps->start_failed = true;
        pthread_mutex_unlock(&ps->mu);
    }
    if (res->status == KOU_OK || w) { /* the process stopped the run: its failure, not the stop, is the cause */
        res->status = KOU_ESTATE;
        snprintf(res->error, sizeof res->error, w ? "a process failed (the earliest such report is printed at the "
                 "end)" : "the scenario's processes could not be loaded for this replication");
    }
}

kou_rep_sink kou_portset_process_sink(kou_portset *ps)
{
    kou_rep_sink s = {.ctx = ps};
    for (size_t a = 0; a < ps->n; a++)
        if (ps->procs[a] != LUA_NOREF) {
            s.sim_ready = processes_start;
            s.end = processes_end;
        }
    return s;
}

bool kou_portset_process_failed(kou_portset *ps)
{
    pthread_mutex_lock(&ps->mu); /* workers may still be running */
    bool failed = ps->failed != NULL || ps->start_failed;
    pthread_mutex_unlock(&ps->mu);
    return failed;
}

static int praise(lua_State *L)
{
    kou_lsim_raise(L);
    return 0;
}

int kou_portset_report_process_error(kou_portset *ps)
{
    KOU_CHECK(kou_portset_process_failed(ps));
    if (ps->failed == NULL)
        return 1; /* the worker's load printed its report */
    return protect(ps->failed, praise, NULL);
}

size_t kou_portset_discarded(kou_portset *ps)
{
    pthread_mutex_lock(&ps->mu);
    size_t n = ps->disc.processes;
    pthread_mutex_unlock(&ps->mu);
    return n;
}

void kou_portset_warn_discarded(kou_portset *ps, size_t more)
{
    pthread_mutex_lock(&ps->mu);
    discards copy = ps->disc;
    pthread_mutex_unlock(&ps->mu);
    const discards *k = &copy;
    if (k->processes == 0)
        return;
    fprintf(stderr, "kouan: warning: %s%s%s, replication with seed %llu: %s: discarded, so what it would have "
            "done next never ran", ps->alts[0].script, ps->n > 1 ? " " : "", ps->n > 1 ? k->label : "",
            (unsigned long long)k->seed, k->text);
    if (k->processes > 1 || more)
        fprintf(stderr, "; %zu more such process%s", k->processes - 1 + more,
                k->processes - 1 + more == 1 ? "" : "es");
    fputs(" (docs/scenario-format.md, processes)\n", stderr);
}

/* A worker loader: this loader made again from its recipe. NULL after
** the report. */
static kou_portset *worker_new(const kou_portset *ps, int *status)
{
    if (ps->rec.have_rq)
        return kou_portset_new(&ps->rec.rq, status);
    KOU_CHECK(ps->design != NULL);
    kou_sweep_spec *spec = koui_calloc(1, sizeof *spec);
    kou_portset *w = kou_portset_new_sweep(ps->design, spec, status);
    if (w == NULL) {
        free(spec);
        return NULL;
    }
    w->own_spec = spec;
    if ((*status = kou_portset_sweep_base(w)) != 0) {
        kou_portset_free(w);
        return NULL;
    }
    return w;
}

/* ---- kouan sweep ---- */

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* The scenario a command file names (sweep.scenario, calibration.scenario,
** what): as given, next to the command file (ps->design), or under the
** tree root, into ps->spath. */
static void find_scenario(lua_State *L, kou_portset *ps, const char *sc, const char *what)
{
    const char *file = ps->design, *slash = strrchr(file, '/');
    snprintf(ps->spath, sizeof ps->spath, "%s", sc);
    if (sc[0] == '/' || readable(ps->spath))
        return;
    if (slash)
        snprintf(ps->spath, sizeof ps->spath, "%.*s/%s", (int)(slash - file), file, sc);
    if (!readable(ps->spath))
        snprintf(ps->spath, sizeof ps->spath, "%s/%s", kou_scenario_root(), sc);
    if (!readable(ps->spath))
        kou_host_usage_error(L, "%s '%s': no such file (looked in the current directory, next to %s and "
                             "under %s)", what, sc, file, kou_scenario_root());
}

/* Runs the command file ps->design with the global fn (a function of the
** library scripts/kouan/LIB.lua) installed, and leaves the table it
** returns on the stack, anchored in the registry under anchor (the
** readers keep pointers to its strings). */
static void load_command_file(lua_State *L, kou_portset *ps, const char *lib, const char *fn, const char *anchor)
{
    lua_getglobal(L, "import");
    lua_pushstring(L, lib);
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1) || lua_getfield(L, -1, fn) != LUA_TFUNCTION)
        luaL_error(L, "scripts/kouan/%s.lua did not return the %s library", lib, fn);
    lua_setglobal(L, fn);
    lua_pop(L, 1);
    kou_host_loadfile(L, ps->design);
    kou_host_call(L, 0, 1);
    if (!lua_istable(L, -1))
        kou_host_usage_error(L, "%s must return %s{...} (returned a %s)", ps->design, fn, luaL_typename(L, -1));
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, anchor);
}

static int psweep(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    open_libraries(L, ps);
    load_command_file(L, ps, "sweep", "sweep", "kouan.sweep.design");
    kou_design_file_read(L, -1, ps->spec);
    find_scenario(L, ps, ps->spec->scenario, "sweep.scenario");
    kou_host_loadfile(L, ps->spath);
    kou_host_call(L, 0, 1);
    if (!kou_scenario_is(L, -1))
        kou_host_usage_error(L, "sweep.scenario '%s' is not a port scenario (it must return scenario{...})",
                             ps->spath);
    lua_setfield(L, LUA_REGISTRYINDEX, "kouan.sweep.scenario");
    return 0;
}

/* A loader for a command file (a sweep design, a calibration): the file
** read by load in protected code. NULL after the report. */
static kou_portset *new_for_file(const char *file, kou_sweep_spec *spec, kou_cal_spec *cal, lua_CFunction load,
                                 int *status)
{
    *status = 0;
    kou_host_config hc;
    kou_host_config_default(&hc);
    kou_portset *ps = make(&hc, spec ? 1 : 0, status);
    if (ps == NULL)
        return NULL;
    ps->spec = spec;
    ps->cal = cal;
    ps->design = file;
    *status = protect(ps, load, ps);
    if (*status != 0) {
        kou_portset_free(ps);
        return NULL;
    }
    return ps;
}

kou_portset *kou_portset_new_sweep(const char *design, kou_sweep_spec *spec, int *status)
{
    kou_portset *ps = new_for_file(design, spec, NULL, psweep, status);
    if (ps)
        ps->n = 0; /* until kou_portset_sweep_base */
    return ps;
}

/* The base scenario with the design's era, as written: alternative 0,
** with its processes (a point's factors reach them through the model:
** port_resource handles are the point's resources). */
static int pbuild_base(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    const kou_sweep_spec *spec = ps->spec;
    lua_settop(L, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, "kouan.sweep.scenario"); /* s */
    kou_scenario_select_era(L, spec->era);                       /* s s-era */
    kou_scenario_info info;
    const kou_model_config *cfg = kou_scenario_build(L, -1, &info); /* s s-era arena */
    ps->alts[0] = (kou_portset_alt){.cfg = cfg, .start_date = info.start_date, .script = ps->spath,
                                    .era = info.era, .name = info.name};
    lua_getfield(L, -2, "processes"); /* kept for the workers, which load the design again */
    ps->alts[0].processes = lua_istable(L, -1) && lua_rawlen(L, -1) > 0;
    if (ps->alts[0].processes)
        ps->procs[0] = luaL_ref(L, LUA_REGISTRYINDEX);
    else
        lua_pop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "kouan.sweep.base"); /* the arena, kept */
    return 0;
}

int kou_portset_sweep_base(kou_portset *ps)
{
    int code = protect(ps, pbuild_base, ps);
    if (code == 0)
        ps->n = 1;
    return code;
}

/* ---- kouan calibrate ---- */

static int pcalibrate(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    open_libraries(L, ps);
    load_command_file(L, ps, "calibrate", "calibration", "kouan.calibration");
    kou_cal_file_read(L, -1, ps->cal);
    find_scenario(L, ps, ps->cal->scenario, "calibration.scenario");
    return 0;
}

kou_portset *kou_portset_new_calibrate(const char *cal, kou_cal_spec *spec, int *status)
{
    return new_for_file(cal, NULL, spec, pcalibrate, status);
}

const char *kou_portset_calibrate_scenario(const kou_portset *cal)
{
    return cal->spath;
}

/* Every free name was read by the scenario (param() or a named prior). */
static void check_free_read(lua_State *L, const kou_portset *ps, const kou_cal_spec *spec)
{
    for (size_t k = 0; k < spec->nfree; k++) {
        if (kou_host_param_was_read(ps->host, spec->free[k].name))
            continue;
        char asked[512];
        kou_host_params_asked(ps->host, asked, sizeof asked);
        kou_host_usage_error(L, "calibration.free[%d] '%s': scenario '%s' never reads it with param(\"%s\", ...) "
                             "(it reads: %s)", (int)k + 1, spec->free[k].name, ps->rq->scripts[0],
                             spec->free[k].name, asked[0] ? asked : "none");
    }
}

static int ppoint(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    int holder = open_libraries(L, ps);
    const char *script = ps->rq->scripts[0];
    kou_host_loadfile(L, script);
    kou_host_call(L, 0, 1);
    if (!kou_scenario_is(L, -1))
        kou_host_usage_error(L, "calibration.scenario '%s' is not a port scenario (it must return scenario{...})",
                             script);
    check_free_read(L, ps, ps->cal);
    load_alternative(L, ps, 0, script, ps->rq->neras ? ps->rq->eras[0] : NULL, holder, true);
    lua_pop(L, 1);
    return 0;
}

kou_portset *kou_portset_calibrate_point(const kou_portset *cal, const double *x, int *status)
{
    const kou_cal_spec *spec = cal->cal;
    char values[KOU_CAL_MAX_PARAMS][32];
    const char *keys[KOU_CAL_MAX_PARAMS], *vals[KOU_CAL_MAX_PARAMS], *script = cal->spath;
    for (size_t k = 0; k < spec->nfree; k++) {
        snprintf(values[k], sizeof values[k], "%.17g", x[k]);
        keys[k] = spec->free[k].name;
        vals[k] = values[k];
    }
    kou_portset_request rq;
    kou_portset_request_default(&rq);
    rq.scripts = &script;
    rq.nscripts = 1;
    rq.eras = &spec->era;
    rq.neras = spec->era ? 1 : 0;
    rq.set_key = keys;
    rq.set_value = vals;
    rq.nset = spec->nfree;
    rq.until = spec->until;
    rq.seed = spec->seed;
    kou_host_config hc;
    kou_host_config_default(&hc);
    hc.seed = rq.seed;
    kou_portset *ps = make(&hc, 1, status);
    if (ps == NULL)
        return NULL;
    for (size_t k = 0; k < rq.nset; k++)
        kou_host_set_param(ps->host, keys[k], vals[k]);
    ps->rq = &rq;
    ps->cal = cal->cal;
    *status = protect(ps, ppoint, ps);
    ps->rq = NULL;
    if (*status != 0) {
        kou_portset_free(ps);
        return NULL;
    }
    return ps;
}

const char *kou_portset_root(void)
{
    return kou_scenario_root();
}

const char *kou_portset_lua_release(void)
{
    return LUA_RELEASE;
}
