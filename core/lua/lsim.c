/*
** lsim.c — resources, streams, distributions and coroutine processes for
** process-style scenarios, and processes in the replications of a port
** scenario. See lsim.h for the model and host.h for the sandbox these run
** in.
*/
#include "lua/lsim.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/resource.h"
#include "kernel/rng.h"
#include "kernel/sim.h"
#include "lua/fields.h"
#include "model/model.h"

#define LSIM_KEY "kouan.lsim"
#define LSIM_RESOURCES "kouan.resources"
#define LSIM_AT_END "kouan.at_end"
#define LSIM_RUN_PROCS "kouan.run_processes" /* processes of the bound replication */
#define RESOURCE_META "kouan.Resource"
#define STREAM_META "kouan.Stream"
#define DIST_META "kouan.Dist"
#define PROCESS_META "kouan.Process"
#define DEFAULT_STREAM "default"

typedef struct lsim {
    kou_sim *sim;  /* the host's: resources, streams and distributions live here */
    lua_State *L;  /* main thread: where process errors are built */
    int error_ref; /* first process error (a report), or LUA_NOREF */
    /* a port scenario's replication while it runs (kou_lsim_begin_run) */
    kou_sim *run_sim;                /* NULL outside a replication */
    const kou_model_run_view *view;
    uint64_t run_gen;                /* replications begun so far */
} lsim;

/* A resource: one of resource{} (gen 0, in the host's simulation), or a
** port's resource of one replication (port_resource: gen = that
** replication's run_gen; the kernel object dies with the replication, so
** every use checks the generation first). User value 1: its name for
** messages. */
typedef struct lres {
    kou_resource *r;
    kou_sim *sim;
    uint64_t gen;
} lres;

/* Streams and distributions made during a replication draw from that
** replication's simulation (gen = its run_gen, like a port resource); a
** host's one (gen 0) used during a replication draws from the
** replication's stream of the same name (live_stream). */
typedef struct lstream {
    kou_rng *r;
    uint64_t gen;
} lstream;

typedef struct ldist {
    kou_dist *d;
    kou_rng *r; /* the stream sample() draws from by default */
    uint64_t gen;
} ldist;

enum wait { W_NONE, W_HOLD, W_REQUEST };

/* A process. Its userdata holds the coroutine (user value 1) and the
** servers it holds (user value 2: resource userdata -> count). */
typedef struct lproc {
    lsim *S;
    kou_sim *sim;       /* the simulation it runs in (host's or a replication's) */
    lua_State *co;
    int ref;            /* registry anchor while alive, LUA_NOREF after */
    int nargs;          /* arguments waiting on co's stack for the start */
    enum wait wait;     /* what the last yield asked for */
    double dt;          /* W_HOLD */
    double wake;        /* W_HOLD: when it wakes (for the discard warning) */
    kou_resource *res;  /* W_REQUEST */
    int prio;
    bool sync;          /* inside our own kou_resource_request call */
    bool granted;       /* granted during that call */
    bool resuming;      /* resumed by the simulation (not coroutine.resume) */
    char where[LUA_IDSIZE + 24]; /* "FILE:LINE" where the function is defined */
} lproc;

static lsim *upsim(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static lproc *current(lua_State *L)
{
    return *(lproc **)lua_getextraspace(L);
}

/* ---- argument helpers ---- */

/* The stream 'name' of the simulation that runs now: the host's, or
** during a replication the replication's "lua.NAME" (a function of the
** replication's seed alone, whichever worker runs it, and apart from the
** model's own streams). */
static kou_rng *stream_by_name(lua_State *L, lsim *S, const char *name)
{
    kou_sim *sim = S->run_sim ? S->run_sim : S->sim;
    char full[KOU_RNG_NAME_MAX + 8];
    if (S->run_sim)
        snprintf(full, sizeof full, "lua.%s", name);
    const char *n = S->run_sim ? full : name;
    kou_rng *r = kou_rng_stream_find(sim, n);
    if (r == NULL) {
        kou_sim_clear_error(sim);
        r = kou_rng_stream_create(sim, n);
        if (r == NULL)
            luaL_error(L, "stream: %s", kou_sim_errmsg(sim));
    }
    return r;
}

/* The stream to draw from now for r of generation gen (see lstream). */
static kou_rng *live_stream(lua_State *L, lsim *S, kou_rng *r, uint64_t gen)
{
    if (gen == 0)
        return S->run_sim ? stream_by_name(L, S, kou_rng_name(r)) : r;
    if (S->run_sim == NULL || gen != S->run_gen)
        luaL_error(L, "a stream or distribution made in replication %I is no longer valid: that replication "
                   "has ended (make it inside the process, in each replication)", (lua_Integer)gen);
    return r;
}

static uint64_t now_gen(const lsim *S)
{
    return S->run_sim ? S->run_gen : 0;
}

/* The stream at idx: a name, a Stream, or none/nil for "default". */
static kou_rng *to_stream(lua_State *L, lsim *S, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNONE:
    case LUA_TNIL:
        return stream_by_name(L, S, DEFAULT_STREAM);
    case LUA_TSTRING:
        return stream_by_name(L, S, lua_tostring(L, idx));
    default: {
        lstream *u = luaL_checkudata(L, idx, STREAM_META);
        return live_stream(L, S, u->r, u->gen);
    }
    }
}

static kou_rng *checkstream(lua_State *L)
{
    lstream *u = luaL_checkudata(L, 1, STREAM_META);
    return live_stream(L, upsim(L), u->r, u->gen);
}

/* ---- streams ---- */

static int l_stream(lua_State *L)
{
    lsim *S = upsim(L);
    kou_rng *r = stream_by_name(L, S, luaL_checkstring(L, 1));
    lstream *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->r = r;
    u->gen = now_gen(S);
    luaL_setmetatable(L, STREAM_META);
    return 1;
}

static int m_stream_uniform(lua_State *L)
{
    lua_pushnumber(L, kou_rng_uniform(checkstream(L)));
    return 1;
}

static int m_stream_rekey(lua_State *L)
{
    kou_rng_stream_rekey(checkstream(L), (uint64_t)luaL_checkinteger(L, 2));
    return 0;
}

static int m_stream_name(lua_State *L)
{
    lua_pushstring(L, kou_rng_name(checkstream(L)));
    return 1;
}

static int m_stream_tostring(lua_State *L)
{
    lua_pushfstring(L, "stream '%s'", kou_rng_name(checkstream(L)));
    return 1;
}

/* ---- distributions ---- */

static int push_dist(lua_State *L, lsim *S, kou_dist *d, kou_rng *r)
{
    if (d == NULL)
        return luaL_error(L, "%s", kou_sim_errmsg(S->sim));
    ldist *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->d = d;
    u->r = r;
    u->gen = now_gen(S); /* r is of the simulation that runs now (to_stream) */
    luaL_setmetatable(L, DIST_META);
    return 1;
}

/* One-parameter families: f(x [, stream]) or f{key=x, stream=}. */
static int one_param(lua_State *L, const char *what, const char *key,
                     kou_dist *(*make)(kou_sim *, double))
{
    lsim *S = upsim(L);
    double x;
    kou_rng *r;
    if (lua_type(L, 1) == LUA_TTABLE) {
        const char *const allowed[] = {key, "stream", NULL};
        koui_option_check(L, 1, what, allowed);
        x = koui_option_number(L, 1, what, key, true);
        lua_getfield(L, 1, "stream");
        r = to_stream(L, S, -1);
        lua_pop(L, 1);
    } else {
        x = luaL_checknumber(L, 1);
        r = to_stream(L, S, 2);
    }
    return push_dist(L, S, make(S->sim, x), r);
}

static int l_exponential(lua_State *L)
{
    return one_param(L, "exponential", "mean", kou_dist_exponential);
}

static int l_deterministic(lua_State *L)
{
    return one_param(L, "deterministic", "value", kou_dist_deterministic);
}

static int l_bernoulli(lua_State *L)
{
    return one_param(L, "bernoulli", "p", kou_dist_bernoulli);
}

static int l_uniform(lua_State *L)
{
    lsim *S = upsim(L);
    double a, b;
    kou_rng *r;
    if (lua_type(L, 1) == LUA_TTABLE) {
        static const char *const allowed[] = {"min", "max", "stream", NULL};
        koui_option_check(L, 1, "uniform", allowed);
        a = koui_option_number(L, 1, "uniform", "min", true);
        b = koui_option_number(L, 1, "uniform", "max", true);
        lua_getfield(L, 1, "stream");
        r = to_stream(L, S, -1);
        lua_pop(L, 1);
    } else {
        a = luaL_checknumber(L, 1);
        b = luaL_checknumber(L, 2);
        r = to_stream(L, S, 3);
    }
    return push_dist(L, S, kou_dist_uniform(S->sim, a, b), r);
}

/* Table-only families: reads the stream= field and checks the keys. */
static kou_rng *table_args(lua_State *L, lsim *S, const char *what, const char *const allowed[])
{
    luaL_checktype(L, 1, LUA_TTABLE);
    koui_option_check(L, 1, what, allowed);
    lua_getfield(L, 1, "stream");
    kou_rng *r = to_stream(L, S, -1);
    lua_pop(L, 1);
    return r;
}

static int l_erlang(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"k", "mean", "stream", NULL};
    kou_rng *r = table_args(L, S, "erlang", allowed);
    double k = koui_option_number(L, 1, "erlang", "k", true);
    double mean = koui_option_number(L, 1, "erlang", "mean", true);
    if (!(k >= 1 && k <= 1000 && k == floor(k)))
        return luaL_error(L, "erlang: k must be an integer in 1..1000 (got %f)", k);
    return push_dist(L, S, kou_dist_erlang(S->sim, (int)k, mean), r);
}

static int l_gamma(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"shape", "scale", "stream", NULL};
    kou_rng *r = table_args(L, S, "gamma", allowed);
    double shape = koui_option_number(L, 1, "gamma", "shape", true);
    double scale = koui_option_number(L, 1, "gamma", "scale", true);
    return push_dist(L, S, kou_dist_gamma(S->sim, shape, scale), r);
}

static int l_weibull(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"shape", "scale", "stream", NULL};
    kou_rng *r = table_args(L, S, "weibull", allowed);
    double shape = koui_option_number(L, 1, "weibull", "shape", true);
    double scale = koui_option_number(L, 1, "weibull", "scale", true);
    return push_dist(L, S, kou_dist_weibull(S->sim, shape, scale), r);
}

static int l_lognormal(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"mean", "cv", "mu", "sigma", "stream", NULL};
    kou_rng *r = table_args(L, S, "lognormal", allowed);
    double mean = koui_option_number(L, 1, "lognormal", "mean", false);
    double cv = koui_option_number(L, 1, "lognormal", "cv", false);
    double mu = koui_option_number(L, 1, "lognormal", "mu", false);
    double sigma = koui_option_number(L, 1, "lognormal", "sigma", false);
    bool by_mean = !isnan(mean) || !isnan(cv), by_mu = !isnan(mu) || !isnan(sigma);
    if (by_mean == by_mu)
        return luaL_error(L, "lognormal: give either mean= and cv=, or mu= and sigma=");
    if (by_mean && (isnan(mean) || isnan(cv)))
        return luaL_error(L, "lognormal: give both mean= and cv=");
    if (by_mu && (isnan(mu) || isnan(sigma)))
        return luaL_error(L, "lognormal: give both mu= and sigma=");
    kou_dist *d = by_mean ? kou_dist_lognormal_mean_cv(S->sim, mean, cv)
                          : kou_dist_lognormal(S->sim, mu, sigma);
    return push_dist(L, S, d, r);
}

static int l_triangular(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"min", "mode", "max", "stream", NULL};
    kou_rng *r = table_args(L, S, "triangular", allowed);
    double lo = koui_option_number(L, 1, "triangular", "min", true);
    double mode = koui_option_number(L, 1, "triangular", "mode", true);
    double hi = koui_option_number(L, 1, "triangular", "max", true);
    return push_dist(L, S, kou_dist_triangular(S->sim, lo, mode, hi), r);
}

static int l_normal(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"mean", "sd", "lo", "hi", "stream", NULL};
    kou_rng *r = table_args(L, S, "normal", allowed);
    double mean = koui_option_number(L, 1, "normal", "mean", true);
    double sd = koui_option_number(L, 1, "normal", "sd", true);
    double lo = koui_option_number(L, 1, "normal", "lo", false);
    double hi = koui_option_number(L, 1, "normal", "hi", false);
    if (isnan(lo))
        lo = -INFINITY;
    if (isnan(hi))
        hi = INFINITY;
    return push_dist(L, S, kou_dist_truncnormal(S->sim, mean, sd, lo, hi), r);
}

/* Reads t[key] as an array of n numbers into a userdata buffer (so that
** nothing leaks if a later check raises an error). */
static double *number_array(lua_State *L, int t, const char *what, const char *key, size_t *n)
{
    if (lua_getfield(L, t, key) != LUA_TTABLE)
        luaL_error(L, "%s: field '%s' must be an array of numbers", what, key);
    int arr = lua_gettop(L);
    lua_Unsigned len = lua_rawlen(L, arr);
    if (len == 0 || len > 1000000)
        luaL_error(L, "%s: field '%s' must hold 1 to 1000000 numbers", what, key);
    double *x = lua_newuserdatauv(L, (size_t)len * sizeof *x, 0); /* arr buf */
    for (lua_Unsigned i = 1; i <= len; i++) {
        if (lua_rawgeti(L, arr, (lua_Integer)i) != LUA_TNUMBER)
            luaL_error(L, "%s: %s[%I] must be a number", what, key, (lua_Integer)i);
        x[i - 1] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    lua_remove(L, arr); /* buf (kept on the stack until the caller returns) */
    *n = (size_t)len;
    return x;
}

static int l_discrete(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"values", "weights", "stream", NULL};
    kou_rng *r = table_args(L, S, "discrete", allowed);
    size_t nv, nw;
    double *v = number_array(L, 1, "discrete", "values", &nv);
    double *w = number_array(L, 1, "discrete", "weights", &nw);
    if (nv != nw)
        return luaL_error(L, "discrete: %d values but %d weights", (int)nv, (int)nw);
    return push_dist(L, S, kou_dist_discrete(S->sim, v, w, nv), r);
}

static ldist *checkdist(lua_State *L)
{
    return luaL_checkudata(L, 1, DIST_META);
}

static int m_dist_sample(lua_State *L)
{
    ldist *u = checkdist(L);
    lsim *S = upsim(L);
    kou_rng *r = lua_isnoneornil(L, 2) ? live_stream(L, S, u->r, u->gen) : to_stream(L, S, 2);
    lua_pushnumber(L, kou_dist_sample(u->d, r));
    return 1;
}

static int m_dist_mean(lua_State *L)
{
    lua_pushnumber(L, kou_dist_mean(checkdist(L)->d));
    return 1;
}

static int m_dist_name(lua_State *L)
{
    lua_pushstring(L, kou_dist_name(checkdist(L)->d));
    return 1;
}

static int m_dist_tostring(lua_State *L)
{
    ldist *u = checkdist(L);
    char buf[256];
    kou_dist_describe(u->d, buf, sizeof buf);
    lua_pushfstring(L, "%s on stream '%s'", buf, kou_rng_name(live_stream(L, upsim(L), u->r, u->gen)));
    return 1;
}

/* ---- resources ---- */

static lres *checkres(lua_State *L, int idx)
{
    lres *u = luaL_checkudata(L, idx, RESOURCE_META);
    lsim *S = upsim(L);
    if (u->gen != 0 && (S->run_sim == NULL || u->gen != S->run_gen)) {
        lua_getiuservalue(L, idx, 1);
        luaL_error(L, "%s from replication %I is no longer valid: that replication has ended "
                   "(call port_resource inside the process, in each replication)",
                   lua_tostring(L, -1), (lua_Integer)u->gen);
    }
    return u;
}

static int l_resource(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"name", "capacity", "discipline", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    koui_option_check(L, 1, "resource", allowed);
    if (lua_getfield(L, 1, "name") != LUA_TSTRING)
        return luaL_error(L, "resource: field 'name' is required (a string)");
    const char *name = lua_tostring(L, -1); /* stays on the stack */
    lua_Integer cap = 1;
    int ty = lua_getfield(L, 1, "capacity");
    if (ty != LUA_TNIL) {
        int isint = 0;
        cap = lua_tointegerx(L, -1, &isint);
        if (ty != LUA_TNUMBER || !isint || cap < 1 || cap > 1000000)
            return luaL_error(L, "resource '%s': capacity must be an integer in 1..1000000 (got %s)",
                              name, luaL_tolstring(L, -1, NULL));
    }
    lua_pop(L, 1);
    kou_queue_discipline disc = KOU_QUEUE_FIFO;
    ty = lua_getfield(L, 1, "discipline");
    if (ty != LUA_TNIL) {
        const char *d = lua_tostring(L, -1);
        if (ty == LUA_TSTRING && strcmp(d, "fifo") == 0)
            disc = KOU_QUEUE_FIFO;
        else if (ty == LUA_TSTRING && strcmp(d, "priority") == 0)
            disc = KOU_QUEUE_PRIORITY;
        else
            return luaL_error(L, "resource '%s': discipline must be \"fifo\" or \"priority\" (got %s)",
                              name, luaL_tolstring(L, -1, NULL));
    }
    lua_pop(L, 1);
    /* a second resource of the same name would make the report ambiguous */
    lua_getfield(L, LUA_REGISTRYINDEX, LSIM_RESOURCES); /* name list */
    int list = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        if (strcmp(kou_resource_name(((lres *)lua_touserdata(L, -1))->r), name) == 0)
            return luaL_error(L, "resource '%s' already exists", name);
        lua_pop(L, 1);
    }
    lres *u = lua_newuserdatauv(L, sizeof *u, 1); /* name list u */
    u->r = NULL;
    u->sim = S->sim;
    u->gen = 0;
    luaL_setmetatable(L, RESOURCE_META);
    lua_pushfstring(L, "resource '%s'", name);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_rawseti(L, list, n + 1); /* listed before the kernel object exists */
    u->r = kou_resource_new(S->sim, name, (int)cap, disc, NULL);
    if (u->r == NULL) {
        lua_pushnil(L);
        lua_rawseti(L, list, n + 1);
        return luaL_error(L, "%s", kou_sim_errmsg(S->sim));
    }
    return 1;
}

static int m_res_name(lua_State *L)
{
    lua_pushstring(L, kou_resource_name(checkres(L, 1)->r));
    return 1;
}

static int m_res_capacity(lua_State *L)
{
    lua_pushinteger(L, kou_resource_capacity(checkres(L, 1)->r));
    return 1;
}

static int m_res_busy(lua_State *L)
{
    lua_pushinteger(L, kou_resource_busy(checkres(L, 1)->r));
    return 1;
}

static int m_res_queue_length(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)kou_resource_queue_length(checkres(L, 1)->r));
    return 1;
}

static int m_res_served(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)kou_resource_served_count(checkres(L, 1)->r));
    return 1;
}

static int m_res_reset_stats(lua_State *L)
{
    kou_resource_reset_stats(checkres(L, 1)->r);
    return 0;
}

static void setnum(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

static int m_res_stats(lua_State *L)
{
    const kou_resource *r = checkres(L, 1)->r;
    const kou_tally *w = kou_resource_wait_stats(r);
    double busy = kou_resource_mean_busy(r);
    lua_createtable(L, 0, 10);
    lua_pushstring(L, kou_resource_name(r));
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, kou_resource_capacity(r));
    lua_setfield(L, -2, "capacity");
    lua_pushinteger(L, (lua_Integer)kou_resource_served_count(r));
    lua_setfield(L, -2, "served");
    lua_pushinteger(L, (lua_Integer)w->n);
    lua_setfield(L, -2, "granted");
    setnum(L, "mean_wait", kou_tally_mean(w));
    setnum(L, "sd_wait", kou_tally_sd(w));
    setnum(L, "max_wait", w->max);
    setnum(L, "mean_queue", kou_resource_mean_queue(r));
    setnum(L, "mean_busy", busy);
    setnum(L, "utilisation", busy / kou_resource_capacity(r));
    return 1;
}

static int m_res_tostring(lua_State *L)
{
    lres *u = luaL_checkudata(L, 1, RESOURCE_META);
    lsim *S = upsim(L);
    if (u->gen != 0 && (S->run_sim == NULL || u->gen != S->run_gen)) {
        lua_getiuservalue(L, 1, 1);
        lua_pushfstring(L, "%s (replication %I, ended)", lua_tostring(L, -1), (lua_Integer)u->gen);
        return 1;
    }
    const kou_resource *r = u->r;
    lua_pushfstring(L, "resource '%s' (%d servers)", kou_resource_name(r), kou_resource_capacity(r));
    return 1;
}

/* ---- processes ---- */

static void ev_resume(kou_sim *sim, void *subject, void *object);

/* Keeps the first error of the run and stops the simulation; pops it. */
static void keep_error(lproc *p)
{
    lsim *S = p->S;
    if (S->error_ref == LUA_NOREF)
        S->error_ref = luaL_ref(S->L, LUA_REGISTRYINDEX);
    else
        lua_pop(S->L, 1);
    kou_sim_stop(p->sim);
}

static void unanchor(lproc *p)
{
    luaL_unref(p->S->L, LUA_REGISTRYINDEX, p->ref);
    p->ref = LUA_NOREF;
}

/* Fails the process with msg located at its current line (or where it
** was defined) and the coroutine's traceback. */
static void proc_fail(lproc *p, const char *msg, bool at_definition)
{
    lua_State *L = p->S->L;
    lua_Debug ar;
    const char *where = p->where;
    kou_host_begin_report(L);
    luaL_checkstack(L, 4, NULL);
    if (!at_definition) {
        for (int level = 0; lua_getstack(p->co, level, &ar); level++) {
            lua_getinfo(p->co, "Sl", &ar);
            if (ar.currentline > 0) {
                where = lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
                break;
            }
        }
    }
    /* at the definition the coroutine has no stack left to trace */
    int pushed = 1 + !at_definition + (where != p->where); /* [where] text [tb] */
    const char *text = lua_pushfstring(L, "%s: %s", where, msg);
    if (!at_definition)
        luaL_traceback(L, p->co, text, 0);
    kou_host_push_report(L, lua_tostring(L, -1), false); /* [where] text [tb] r */
    lua_insert(L, -(pushed + 1));                        /* r [where] text [tb] */
    lua_pop(L, pushed);                                  /* r */
    keep_error(p);
    unanchor(p);
}

/* The process returned: it must hold no server any more. */
static void proc_end(lproc *p)
{
    lua_State *L = p->S->L;
    luaL_checkstack(L, 4, NULL);
    lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref); /* ud */
    lua_getiuservalue(L, -1, 2);               /* ud holds */
    lua_pushnil(L);
    if (lua_next(L, -2)) {                     /* ud holds res count */
        const char *name = kou_resource_name(lua_touserdata(L, -2));
        char msg[200];
        snprintf(msg, sizeof msg, "process ended holding %d server(s) of resource '%s' "
                 "(release them before the process returns)", (int)lua_tointeger(L, -1), name);
        lua_pop(L, 4);
        proc_fail(p, msg, true);
        return;
    }
    lua_pop(L, 2);
    unanchor(p);
}

static void on_grant(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    lproc *p = subject;
    (void)res;
    (void)object;
    if (p->sync) { /* granted inside our own request: the resumer goes on */
        p->granted = true;
        return;
    }
    if (kou_event_schedule(sim, 0.0, 0, ev_resume, p, NULL) == KOU_EVENT_NONE)
        proc_fail(p, kou_sim_errmsg(sim), false);
}

/* Resumes the process and carries out what it yields, until it waits for
** something in the future or ends. */
static void proc_step(lproc *p, bool start)
{
    lua_State *L = p->S->L;
    if (p->ref == LUA_NOREF)
        return; /* failed earlier */
    int nargs = start ? p->nargs : 0;
    /* only the simulation resumes a process: a coroutine.resume by hand
    ** leaves it dead, closed or already started */
    if (start ? lua_status(p->co) != LUA_OK || lua_gettop(p->co) != p->nargs + 1
              : lua_status(p->co) != LUA_YIELD) {
        proc_fail(p, "process was resumed outside the simulation (coroutine.resume on a process)", true);
        return;
    }
    for (;;) {
        int nres = 0;
        p->wait = W_NONE;
        p->resuming = true;
        int status = kou_host_resume(L, p->co, nargs, &nres);
        p->resuming = false;
        nargs = 0;
        if (status == LUA_OK) {
            proc_end(p);
            return;
        }
        if (status != LUA_YIELD) {
            kou_host_push_error(L, p->co, status);
            keep_error(p);
            unanchor(p);
            return;
        }
        lua_pop(p->co, nres);
        switch (p->wait) {
        case W_HOLD:
            p->wake = kou_sim_now(p->sim) + p->dt;
            if (kou_event_schedule(p->sim, p->dt, 0, ev_resume, p, NULL) == KOU_EVENT_NONE)
                proc_fail(p, kou_sim_errmsg(p->sim), false);
            return;
        case W_REQUEST:
            p->sync = true;
            p->granted = false;
            kou_resource_request(p->res, p->prio, on_grant, p, NULL);
            p->sync = false;
            if (p->granted)
                continue;
            return;
        case W_NONE:
        default:
            proc_fail(p, "coroutine.yield inside a process (a process waits only with hold or request)",
                      false);
            return;
        }
    }
}

static void ev_resume(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    (void)object;
    proc_step(subject, false);
}

static void ev_start(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    (void)object;
    proc_step(subject, true);
}

/* After a wait: checks that the simulation resumed us, and records a
** granted server. */
static int wait_k(lua_State *L, int status, lua_KContext ctx)
{
    lproc *p = current(L);
    (void)status;
    if (!p->resuming)
        return luaL_error(L, "process was resumed outside the simulation (coroutine.resume on a process)");
    if (ctx == W_REQUEST) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref); /* res prio? ud */
        lua_getiuservalue(L, -1, 2);               /* ... ud holds */
        lua_pushlightuserdata(L, p->res);
        lua_pushlightuserdata(L, p->res);          /* ... ud holds key key */
        lua_Integer n = lua_rawget(L, -3) == LUA_TNUMBER ? lua_tointeger(L, -1) : 0;
        lua_pop(L, 1);                             /* ... ud holds res */
        lua_pushinteger(L, n + 1);
        lua_rawset(L, -3);                         /* ... ud holds */
        lua_pop(L, 2);
    }
    return 0;
}

static lproc *checkprocess_ctx(lua_State *L, const char *fn)
{
    lproc *p = current(L);
    if (p == NULL)
        luaL_error(L, "%s: only a process can wait (call it inside process(function ... end))", fn);
    return p;
}

static int l_hold(lua_State *L)
{
    lproc *p = checkprocess_ctx(L, "hold");
    double dt = luaL_checknumber(L, 1);
    luaL_argcheck(L, dt >= 0.0 && isfinite(dt), 1, "time must be finite and >= 0");
    p->wait = W_HOLD;
    p->dt = dt;
    return lua_yieldk(L, 0, W_HOLD, wait_k);
}

static int l_request(lua_State *L)
{
    lproc *p = checkprocess_ctx(L, "request");
    lres *r = checkres(L, 1);
    if (r->sim != p->sim)
        return luaL_error(L, "request: %s belongs to another simulation (a process of a port scenario "
                          "uses the port's resources: port_resource(port, name))", kou_resource_name(r->r));
    lua_Integer prio = luaL_optinteger(L, 2, 0);
    luaL_argcheck(L, prio >= KOU_PRIORITY_MIN && prio <= KOU_PRIORITY_MAX, 2,
                  "priority must be in -32768..32767");
    lua_settop(L, 1); /* the continuation finds the resource at index 1 */
    p->wait = W_REQUEST;
    p->res = r->r;
    p->prio = (int)prio;
    return lua_yieldk(L, 0, W_REQUEST, wait_k);
}

static int l_release(lua_State *L)
{
    lproc *p = current(L);
    lres *r = checkres(L, 1);
    if (p == NULL)
        return luaL_error(L, "release: only the process that requested resource '%s' can release it",
                          kou_resource_name(r->r));
    lua_settop(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, p->ref); /* res ud */
    lua_getiuservalue(L, -1, 2);               /* res ud holds */
    lua_pushlightuserdata(L, r->r);
    lua_Integer n = lua_rawget(L, -2) == LUA_TNUMBER ? lua_tointeger(L, -1) : 0;
    if (n <= 0)
        return luaL_error(L, "release: this process does not hold resource '%s'",
                          kou_resource_name(r->r));
    lua_pop(L, 1);                             /* res ud holds */
    lua_pushlightuserdata(L, r->r);
    if (n > 1)
        lua_pushinteger(L, n - 1);
    else
        lua_pushnil(L);
    lua_rawset(L, -3);
    kou_resource_release(r->r); /* may grant others: they resume through events */
    return 0;
}

static int l_now(lua_State *L)
{
    lsim *S = upsim(L);
    lua_pushnumber(L, kou_sim_now(S->run_sim ? S->run_sim : S->sim));
    return 1;
}

static int l_process(lua_State *L)
{
    lsim *S = upsim(L);
    luaL_checktype(L, 1, LUA_TFUNCTION);
    int n = lua_gettop(L);
    lua_Debug ar;
    lua_pushvalue(L, 1);
    lua_getinfo(L, ">S", &ar);
    lproc *p = lua_newuserdatauv(L, sizeof *p, 2); /* f args ud */
    memset(p, 0, sizeof *p);
    p->S = S;
    p->sim = S->run_sim ? S->run_sim : S->sim;
    p->ref = LUA_NOREF;
    snprintf(p->where, sizeof p->where, "%s:%d", ar.short_src, ar.linedefined);
    luaL_setmetatable(L, PROCESS_META);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 2);                   /* f args ud */
    p->co = lua_newthread(L);                      /* f args ud co */
    lua_setiuservalue(L, -2, 1);                   /* f args ud */
    lua_rotate(L, 1, 1);                           /* ud f args */
    lua_pushvalue(L, 1);
    p->ref = luaL_ref(L, LUA_REGISTRYINDEX);       /* anchored while alive */
    lua_xmove(L, p->co, n);                        /* ud */
    *(lproc **)lua_getextraspace(p->co) = p;
    p->nargs = n - 1;
    if (S->run_sim) { /* listed, so that kou_lsim_end_run finds it */
        lua_getfield(L, LUA_REGISTRYINDEX, LSIM_RUN_PROCS);
        lua_pushvalue(L, 1);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 1);
    }
    if (kou_event_schedule(p->sim, 0.0, 0, ev_start, p, NULL) == KOU_EVENT_NONE) {
        unanchor(p);
        return luaL_error(L, "process: %s", kou_sim_errmsg(p->sim));
    }
    return 1;
}

/* port_resource(port, name): the port's resource in the replication that
** runs now. */
static int l_port_resource(lua_State *L)
{
    lsim *S = upsim(L);
    const char *port = luaL_checkstring(L, 1);
    const char *name = luaL_checkstring(L, 2);
    if (S->run_sim == NULL)
        return luaL_error(L, "port_resource: a port's resources exist only while a replication runs "
                          "(call it inside a process listed in the port scenario's processes = {...})");
    kou_resource *r = kou_model_find_resource(S->view, port, name);
    if (r == NULL)
        return luaL_error(L, "port_resource: no resource '%s' at port '%s'", name, port);
    lres *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->r = r;
    u->sim = S->run_sim;
    u->gen = S->run_gen;
    luaL_setmetatable(L, RESOURCE_META);
    lua_pushfstring(L, "resource '%s' of port '%s'", name, port);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

static int m_proc_tostring(lua_State *L)
{
    lproc *p = luaL_checkudata(L, 1, PROCESS_META);
    lua_pushfstring(L, "process defined at %s (%s)", p->where,
                    p->ref == LUA_NOREF ? "ended" : "alive");
    return 1;
}

static int m_proc_alive(lua_State *L)
{
    lproc *p = luaL_checkudata(L, 1, PROCESS_META);
    lua_pushboolean(L, p->ref != LUA_NOREF);
    return 1;
}

static int l_at_end(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_getfield(L, LUA_REGISTRYINDEX, LSIM_AT_END);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    return 0;
}

/* ---- opening ---- */

static void createmeta(lua_State *L, const char *name, const luaL_Reg *meth,
                       lua_CFunction tostring, lsim *S)
{
    luaL_newmetatable(L, name);         /* mt */
    lua_pushlightuserdata(L, S);
    lua_pushcclosure(L, tostring, 1);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "kouan object");
    lua_setfield(L, -2, "__metatable"); /* scenarios cannot swap it */
    lua_newtable(L);                    /* mt methods */
    lua_pushlightuserdata(L, S);
    luaL_setfuncs(L, meth, 1);
    lua_setfield(L, -2, "__index");     /* mt */
    lua_pop(L, 1);
}

void kou_lsim_open(lua_State *L)
{
    kou_host *h = kou_host_from_lua(L);
    lsim *S = lua_newuserdatauv(L, sizeof *S, 0);
    S->sim = kou_host_sim(h);
    S->L = L;
    S->error_ref = LUA_NOREF;
    S->run_sim = NULL;
    S->view = NULL;
    S->run_gen = 0;
    lua_setfield(L, LUA_REGISTRYINDEX, LSIM_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LSIM_RESOURCES);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LSIM_AT_END);

    static const luaL_Reg res_meth[] = {
        {"name", m_res_name},   {"capacity", m_res_capacity},
        {"busy", m_res_busy},   {"queue_length", m_res_queue_length},
        {"served", m_res_served}, {"stats", m_res_stats},
        {"reset_stats", m_res_reset_stats}, {NULL, NULL}};
    static const luaL_Reg stream_meth[] = {
        {"uniform", m_stream_uniform}, {"rekey", m_stream_rekey},
        {"name", m_stream_name}, {NULL, NULL}};
    static const luaL_Reg dist_meth[] = {
        {"sample", m_dist_sample}, {"mean", m_dist_mean}, {"name", m_dist_name}, {NULL, NULL}};
    static const luaL_Reg proc_meth[] = {{"alive", m_proc_alive}, {NULL, NULL}};
    createmeta(L, RESOURCE_META, res_meth, m_res_tostring, S);
    createmeta(L, STREAM_META, stream_meth, m_stream_tostring, S);
    createmeta(L, DIST_META, dist_meth, m_dist_tostring, S);
    createmeta(L, PROCESS_META, proc_meth, m_proc_tostring, S);

    static const luaL_Reg api[] = {
        {"resource", l_resource},       {"stream", l_stream},
        {"exponential", l_exponential}, {"erlang", l_erlang},
        {"gamma", l_gamma},             {"lognormal", l_lognormal},
        {"weibull", l_weibull},         {"triangular", l_triangular},
        {"uniform", l_uniform},         {"normal", l_normal},
        {"deterministic", l_deterministic}, {"bernoulli", l_bernoulli},
        {"discrete", l_discrete},       {"process", l_process},
        {"hold", l_hold},               {"request", l_request},
        {"release", l_release},         {"now", l_now},
        {"at_end", l_at_end},           {"port_resource", l_port_resource},
        {NULL, NULL}};
    lua_pushglobaltable(L);             /* G */
    lua_getfield(L, -1, "kouan");       /* G kouan */
    for (const luaL_Reg *f = api; f->name; f++) {
        lua_pushlightuserdata(L, S);
        lua_pushcclosure(L, f->func, 1); /* G kouan fn */
        lua_pushvalue(L, -1);
        lua_setfield(L, -3, f->name);    /* kouan.name = fn */
        lua_pushstring(L, f->name);
        lua_insert(L, -2);
        lua_rawset(L, -4);               /* G.name = fn, past the strict check */
    }
    lua_pop(L, 2);
}

static lsim *getlsim(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LSIM_KEY);
    lsim *S = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return S;
}

/* ---- processes in a replication of the port model ---- */

typedef struct begin_args {
    kou_sim *sim;
    const kou_model_run_view *view;
} begin_args;

static int begin_run_p(lua_State *L)
{
    const begin_args *a = lua_touserdata(L, 1); /* args list */
    lsim *S = getlsim(L);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LSIM_RUN_PROCS);
    S->run_sim = a->sim;
    S->view = a->view;
    lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_pushlightuserdata(L, S);
        lua_pushcclosure(L, l_process, 1);
        lua_rawgeti(L, 2, i);
        lua_call(L, 1, 0);
    }
    return 0;
}

static void ev_stop(kou_sim *sim, void *subject, void *object)
{
    (void)subject;
    (void)object;
    kou_sim_stop(sim);
}

void kou_lsim_begin_run(lua_State *L, kou_sim *sim, const kou_model_run_view *view, int list)
{
    begin_args a = {sim, view};
    list = lua_absindex(L, list);
    lsim *S = getlsim(L);
    S->run_gen++;
    lua_pushcfunction(L, kou_host_msghandler);
    lua_pushcfunction(L, begin_run_p);
    lua_pushlightuserdata(L, &a);
    lua_pushvalue(L, list);
    if (lua_pcall(L, 2, 0, -4) != LUA_OK) { /* msgh error */
        kou_host_begin_report(L);
        if (S->error_ref == LUA_NOREF)
            S->error_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        else
            lua_pop(L, 1);
        /* stop before anything runs: the model reports a stopped run */
        kou_event_schedule(sim, 0.0, KOU_PRIORITY_MAX, ev_stop, NULL, NULL);
    }
    lua_pop(L, 1); /* msgh */
}

/* What a discarded process was waiting for, into buf. */
static void describe_wait(lproc *p, char *buf, size_t len)
{
    switch (p->wait) {
    case W_HOLD:
        snprintf(buf, len, "hold() until hour %.4f", p->wake);
        return;
    case W_REQUEST: /* the resource is at index 1 of its stack (l_request) */
        if (lua_checkstack(p->co, 2) && lua_gettop(p->co) >= 1 && lua_getiuservalue(p->co, 1, 1) == LUA_TSTRING)
            snprintf(buf, len, "request() of %s", lua_tostring(p->co, -1));
        else
            snprintf(buf, len, "request()");
        if (lua_gettop(p->co) >= 1)
            lua_pop(p->co, 1);
        return;
    default:
        snprintf(buf, len, "its start");
        return;
    }
}

bool kou_lsim_end_run(lua_State *L, kou_lsim_discarded_fn discarded, void *ctx)
{
    lsim *S = getlsim(L);
    if (lua_getfield(L, LUA_REGISTRYINDEX, LSIM_RUN_PROCS) == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            lproc *p = lua_touserdata(L, -1);
            lua_pop(L, 1);
            if (p->ref != LUA_NOREF) { /* still waiting: discarded with the replication */
                if (discarded) {
                    char what[LUA_IDSIZE + 96];
                    describe_wait(p, what, sizeof what);
                    discarded(ctx, p->where, what, p->wait == W_HOLD ? p->wake : NAN);
                }
                unanchor(p);
            }
            p->sim = NULL;
        }
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LSIM_RUN_PROCS);
    S->run_sim = NULL;
    S->view = NULL;
    return S->error_ref != LUA_NOREF;
}

void kou_lsim_raise(lua_State *L)
{
    lsim *S = getlsim(L);
    if (S->error_ref == LUA_NOREF)
        luaL_error(L, "internal error: no process error to raise");
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->error_ref);
    lua_error(L);
}

void kou_lsim_run(lua_State *L, kou_time until)
{
    lsim *S = getlsim(L);
    kou_status st = isinf(until) && until > 0 ? kou_sim_run(S->sim) : kou_sim_run_until(S->sim, until);
    if (S->error_ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, S->error_ref);
        lua_error(L);
    }
    if (st != KOU_OK)
        luaL_error(L, "simulation: %s", kou_sim_errmsg(S->sim));
    lua_getfield(L, LUA_REGISTRYINDEX, LSIM_AT_END); /* list */
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);                         /* list fn */
        kou_host_call(L, 0, 0);                        /* list */
    }
    lua_pop(L, 1);
}

static void print_num(FILE *out, int width, int prec, double v)
{
    if (isnan(v))
        fprintf(out, " %*s", width, "-");
    else
        fprintf(out, " %*.*f", width, prec, v);
}

void kou_lsim_print_report(lua_State *L, FILE *out)
{
    lsim *S = getlsim(L);
    fprintf(out, "simulated %.4f h, %" PRIu64 " events\n", kou_sim_now(S->sim),
            kou_sim_events_fired(S->sim));
    lua_getfield(L, LUA_REGISTRYINDEX, LSIM_RESOURCES);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    if (n > 0)
        fprintf(out, "%-20s %7s %11s %11s %13s %10s\n", "resource", "servers", "utilisation",
                "mean queue", "mean wait (h)", "served");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        const kou_resource *r = ((lres *)lua_touserdata(L, -1))->r;
        lua_pop(L, 1);
        fprintf(out, "%-20s %7d", kou_resource_name(r), kou_resource_capacity(r));
        print_num(out, 11, 4, kou_resource_mean_busy(r) / kou_resource_capacity(r));
        print_num(out, 11, 4, kou_resource_mean_queue(r));
        print_num(out, 13, 4, kou_tally_mean(kou_resource_wait_stats(r)));
        fprintf(out, " %10" PRIu64 "\n", kou_resource_served_count(r));
    }
    lua_pop(L, 1);
    fflush(out);
}
