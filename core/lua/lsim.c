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
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/container.h"
#include "kernel/resource.h"
#include "kernel/rng.h"
#include "kernel/sim.h"
#include "kernel/store.h"
#include "lua/convert.h"
#include "lua/fields.h"
#include "lua/lmonitor.h"
#include "model/model.h"

#define LSIM_KEY "kouan.lsim"
#define LSIM_AT_END "kouan.at_end"
#define LSIM_RUN_PROCS "kouan.run_processes" /* processes of the bound replication */
#define RESOURCE_META "kouan.Resource"
#define STREAM_META "kouan.Stream"
#define DIST_META "kouan.Dist"
#define PROCESS_META "kouan.Process"
#define EVENT_META "kouan.Event"
#define INTERRUPT_META "kouan.Interrupt"
#define CONTAINER_META "kouan.Container"
#define STORE_META "kouan.Store"

#define POOL_MAX 256 /* finished coroutines kept for reuse */

enum meta { MT_RESOURCE, MT_STREAM, MT_DIST, MT_PROCESS, MT_EVENT, MT_CONTAINER, MT_STORE, MT_COUNT };
static const char *const meta_name[MT_COUNT] = {RESOURCE_META, STREAM_META, DIST_META,
                                               PROCESS_META, EVENT_META, CONTAINER_META,
                                               STORE_META};
#define DEFAULT_STREAM "default"

typedef struct lsim {
    kou_sim *sim;  /* the host's: resources, streams and distributions live here */
    lua_State *L;  /* main thread: where process errors are built */
    int error_ref; /* first process error (a report), or LUA_NOREF */
    /* a port scenario's replication while it runs (kou_lsim_begin_run) */
    kou_sim *run_sim;                /* NULL outside a replication */
    const kou_model_run_view *view;
    uint64_t run_gen;                /* replications begun so far */
    /* registry refs of the metatables: an integer key spares the string
    ** comparison a named lookup costs per call */
    int mt[MT_COUNT];
    /* Anchors. Every process while it lives, and every event between its
    ** trigger and its processing, sits at a slot of one table; the free
    ** slots are a stack in C. luaL_ref would do, at twice the table
    ** operations, and processes are made and ended at every arrival. Slot
    ** 0 means "not anchored". The table is index 1 of the stack of A, a
    ** thread that never runs (itself held by a registry ref): a slot is
    ** read or written there without fetching the table from the registry
    ** first and popping it after. */
    lua_State *A;
    int *free_slots;  /* malloc'd; freed by the lsim userdata's __gc */
    int nfree, free_cap;
    int top_slot;     /* slots handed out so far */
    /* Finished coroutines kept for the next process (making one is most of
    ** what a short process costs): pool[0..nidle) here. Each coroutine of
    ** a process has its own anchor slot (pool_slot[i] here, co_slot in its
    ** process), which keeps it alive from its creation until it is dropped,
    ** while it waits in the pool and while a process runs on it: taking one
    ** and giving it back then touch no table. */
    lua_State *pool[POOL_MAX];
    int pool_slot[POOL_MAX];
    int nidle;
} lsim;

/* Type checks. Each kind's struct begins with a uint32_t that set_meta
** sets to the kind's number below, with the metatable: a check then reads
** the userdata's size and first word instead of fetching its metatable
** and comparing, on every call of every method (a few percent of a run
** of processes). Only kouan's C code writes a userdata's bytes, and it
** sets these numbers nowhere else. */
static const uint32_t meta_magic[MT_COUNT] = {
    /* "kRes" "kStr" "kDis" "kPro" "kEvt" "kCon" "kSto" in ASCII */
    0x6b526573, 0x6b537472, 0x6b446973, 0x6b50726f, 0x6b457674, 0x6b436f6e, 0x6b53746f};
static size_t meta_size(enum meta kind);

/* The userdata at idx when it is of the kind, else NULL. A light
** userdata has no length (lua_rawlen gives 0), and lua_touserdata gives
** NULL for a string or table of the same length: no lua_type needed. */
static void *test_ud(lua_State *L, int idx, enum meta kind)
{
    uint32_t *u = lua_touserdata(L, idx);
    if (u == NULL || lua_rawlen(L, idx) != meta_size(kind))
        return NULL;
    return *u == meta_magic[kind] ? u : NULL;
}

static void *check_ud(lua_State *L, int idx, enum meta kind)
{
    void *u = test_ud(L, idx, kind);
    if (u == NULL)
        luaL_typeerror(L, idx, meta_name[kind]);
    return u;
}

/* Sets kind's metatable, and its number, on the userdata u at the top. */
static void set_meta_of(lua_State *L, const lsim *S, void *u, enum meta kind)
{
    *(uint32_t *)u = meta_magic[kind];
    lua_rawgeti(L, LUA_REGISTRYINDEX, S->mt[kind]);
    lua_setmetatable(L, -2);
}

static void set_meta(lua_State *L, const lsim *S, enum meta kind)
{
    set_meta_of(L, S, lua_touserdata(L, -1), kind);
}

/* A resource: one of resource{} (gen 0, in the host's simulation), or a
** port's resource of one replication (port_resource: gen = that
** replication's run_gen; the kernel object dies with the replication, so
** every use checks the generation first). User value 1: its name for
** messages. */
typedef struct lres {
    uint32_t magic; /* meta_magic of its kind: first, for test_ud */
    kou_resource *r;
    kou_sim *sim;
    uint64_t gen;
    uint64_t reneged;      /* requests withdrawn by a timeout or an interrupt */
    kou_tally renege_wait; /* how long those had waited */
} lres;

/* Streams and distributions made during a replication draw from that
** replication's simulation (gen = its run_gen, like a port resource); a
** host's one (gen 0) used during a replication draws from the
** replication's stream of the same name (live_stream). */
typedef struct lstream {
    uint32_t magic; /* meta_magic of its kind: first, for test_ud */
    kou_rng *r;
    uint64_t gen;
} lstream;

typedef struct ldist {
    uint32_t magic; /* meta_magic of its kind: first, for test_ud */
    lsim *S;        /* sample() needs it: cheaper here than the upvalue */
    kou_dist *d;
    kou_rng *r; /* the stream sample() draws from by default */
    uint64_t gen;
} ldist;

/* A container{} or a store{} of the host's simulation. User values: the
** name for messages; a store's second is its items, by handle (the kernel
** keeps handles, the Lua values stay here). */
typedef struct lcont {
    uint32_t magic; /* meta_magic of its kind: first, for test_ud */
    kou_container *c;
    kou_sim *sim;
} lcont;

typedef struct lstore {
    uint32_t magic; /* meta_magic of its kind: first, for test_ud */
    kou_store *s;
    kou_sim *sim;
    uint64_t last_item; /* handles given so far */
    bool in_filter;     /* a get's filter runs: the store must not be touched */
} lstore;

enum wait { W_NONE, W_HOLD, W_REQUEST, W_EVENT, W_CONTAINER, W_STORE };

enum ev_kind { EV_PLAIN, EV_TIMEOUT, EV_ANY, EV_ALL, EV_PROCESS };
enum ev_state { EV_PENDING, EV_TRIGGERED, EV_PROCESSED };

/* An event: event(), timeout(), any_of{}, all_of{}, or the first member
** of a process. Uservalues: its value, its waiters (pairs of waiter and
** wait number), a condition's children. */
typedef struct lev {
    uint32_t magic; /* meta_magic of its kind: first, for test_ud */
    enum ev_kind kind;
    enum ev_state state;
    lsim *S;
    kou_sim *sim;  /* the simulation it belongs to */
    int slot;      /* anchor slot from its trigger until it is processed, else 0 */
    int pending;   /* all_of: children not processed yet */
    bool waited;   /* UV_WAITERS holds a table: someone waits for it */
} lev;

static lsim *upsim(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

/* ---- anchors (see lsim) ---- */

/* Anchors the value at idx; returns its slot. May raise a memory error,
** as luaL_ref would. */
static int anchor(lua_State *L, lsim *S, int idx)
{
    lua_State *A = S->A;
    int slot = S->nfree > 0 ? S->free_slots[--S->nfree] : ++S->top_slot;
    if (lua_gettop(A) != 1)
        lua_settop(A, 1); /* a memory error left a value there */
    lua_pushvalue(L, idx);
    lua_xmove(L, A, 1);
    lua_rawseti(A, 1, slot);
    return slot;
}

/* Frees the slot. Never raises: if the free stack cannot grow, the slot
** is simply never used again. */
static void free_slot(lsim *S, int slot)
{
    lua_pushnil(S->A);
    lua_rawseti(S->A, 1, slot);
    if (S->nfree == S->free_cap) {
        int cap = S->free_cap > 0 ? 2 * S->free_cap : 64;
        int *buf = realloc(S->free_slots, (size_t)cap * sizeof *buf);
        if (buf == NULL)
            return;
        S->free_slots = buf;
        S->free_cap = cap;
    }
    S->free_slots[S->nfree++] = slot;
}

static void push_anchored(lua_State *L, const lsim *S, int slot)
{
    lua_rawgeti(S->A, 1, slot);
    lua_xmove(S->A, L, 1);
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
        lstream *u = check_ud(L, idx, MT_STREAM);
        return live_stream(L, S, u->r, u->gen);
    }
    }
}

static kou_rng *checkstream(lua_State *L)
{
    lstream *u = check_ud(L, 1, MT_STREAM);
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
    set_meta(L, upsim(L), MT_STREAM);
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
    u->S = S;
    u->d = d;
    u->r = r;
    u->gen = now_gen(S); /* r is of the simulation that runs now (to_stream) */
    set_meta(L, upsim(L), MT_DIST);
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
    if (isnan(lo)) /* draws are times: truncated at 0 unless asked (lo = -math.huge) */
        lo = 0.0;
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
    return check_ud(L, 1, MT_DIST);
}

static int m_dist_sample(lua_State *L)
{
    ldist *u = checkdist(L);
    lsim *S = u->S;
    kou_rng *r = lua_gettop(L) < 2 || lua_isnil(L, 2) ? live_stream(L, S, u->r, u->gen) : to_stream(L, S, 2);
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

static void on_preempt(kou_sim *sim, kou_resource *res, const kou_preemption *pre);

static lres *checkres(lua_State *L, int idx)
{
    lres *u = check_ud(L, idx, MT_RESOURCE);
    if (u->gen == 0)
        return u; /* resource{}: lives as long as the host */
    lsim *S = upsim(L);
    if (S->run_sim == NULL || u->gen != S->run_gen) {
        lua_getiuservalue(L, idx, 1);
        luaL_error(L, "%s from replication %I is no longer valid: that replication has ended "
                   "(call port_resource inside the process, in each replication)",
                   lua_tostring(L, -1), (lua_Integer)u->gen);
    }
    return u;
}

/* resource{}'s opening hours, when it gives any: a calendar of the host's
** simulation, read and built as a port resource's (timeconv.h, model.c);
** else NULL. */
static kou_calendar *res_calendar(lua_State *L, lsim *S, const char *name)
{
    lua_getfield(L, 1, "hours");
    lua_getfield(L, 1, "holidays");
    lua_getfield(L, 1, "workdays");
    bool given = !lua_isnil(L, -1) || !lua_isnil(L, -2) || !lua_isnil(L, -3);
    lua_pop(L, 3);
    if (!given)
        return NULL;
    kou_resource_spec rs;
    koui_convert_hours(L, 1, name, &rs); /* arena */
    if (rs.nhours == 0)
        luaL_error(L, "resource '%s': holidays and workdays need opening hours (hours = {...}, "
                   "with a capacity in each entry)", name);
    kou_calendar *cal = kou_calendar_new(S->sim, name);
    kou_status st = cal ? KOU_OK : KOU_ENOMEM;
    for (size_t i = 0; st == KOU_OK && i < rs.nhours; i++)
        st = kou_calendar_add_hours(cal, rs.hours[i].weekday_mask, rs.hours[i].start_h, rs.hours[i].end_h,
                                    rs.hours[i].capacity);
    for (size_t i = 0; st == KOU_OK && i < rs.nholidays; i++)
        st = kou_calendar_add_holiday(cal, rs.holidays[i]);
    for (size_t i = 0; st == KOU_OK && i < rs.nworkdays; i++)
        st = kou_calendar_add_workday(cal, rs.workdays[i], rs.workday_as[i]);
    if (st != KOU_OK)
        luaL_error(L, "resource '%s': %s", name, kou_sim_errmsg(S->sim));
    lua_pop(L, 1);
    return cal;
}

static int l_resource(lua_State *L)
{
    lsim *S = upsim(L);
    static const char *const allowed[] = {"name", "capacity", "discipline", "hours", "holidays",
                                          "workdays", "preemptive", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    koui_option_check(L, 1, "resource", allowed);
    if (lua_getfield(L, 1, "name") != LUA_TSTRING)
        return luaL_error(L, "resource: field 'name' is required (a string)");
    const char *name = lua_tostring(L, -1); /* stays on the stack */
    kou_calendar *cal = res_calendar(L, S, name);
    lua_Integer cap = cal ? 0 : 1; /* with hours, the calendar gives the capacity */
    int ty = cal ? LUA_TNIL : lua_getfield(L, 1, "capacity");
    if (ty != LUA_TNIL) {
        int isint = 0;
        cap = lua_tointegerx(L, -1, &isint);
        if (ty != LUA_TNUMBER || !isint || cap < 1 || cap > 1000000)
            return luaL_error(L, "resource '%s': capacity must be an integer in 1..1000000 (got %s)",
                              name, luaL_tolstring(L, -1, NULL));
    }
    if (cal == NULL)
        lua_pop(L, 1);
    lua_getfield(L, 1, "preemptive");
    bool preemptive = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (preemptive && cal)
        return luaL_error(L, "resource '%s': a preemptive resource cannot have opening hours (closing "
                          "keeps work in progress, preemption takes it)", name);
    kou_queue_discipline disc = preemptive ? KOU_QUEUE_PRIORITY : KOU_QUEUE_FIFO;
    ty = lua_getfield(L, 1, "discipline");
    if (ty != LUA_TNIL) {
        const char *d = lua_tostring(L, -1);
        if (ty == LUA_TSTRING && strcmp(d, "fifo") == 0 && preemptive)
            return luaL_error(L, "resource '%s': a preemptive resource serves by priority "
                              "(discipline = \"priority\", the default when preemptive)", name);
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
    lua_getfield(L, LUA_REGISTRYINDEX, KOU_LSIM_RESOURCES); /* name list */
    int list = lua_gettop(L);
    lua_Integer n = (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, list, i);
        if (strcmp(kou_resource_name(((lres *)lua_touserdata(L, -1))->r), name) == 0)
            return luaL_error(L, "resource '%s' already exists", name);
        lua_pop(L, 1);
    }
    lres *u = lua_newuserdatauv(L, sizeof *u, 1); /* name list u */
    memset(u, 0, sizeof *u);
    u->sim = S->sim;
    kou_tally_init(&u->renege_wait);
    set_meta(L, upsim(L), MT_RESOURCE);
    lua_pushfstring(L, "resource '%s'", name);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_rawseti(L, list, n + 1); /* listed before the kernel object exists */
    u->r = kou_resource_new(S->sim, name, (int)cap, disc, cal);
    if (u->r != NULL && preemptive && kou_resource_set_preemptive(u->r, on_preempt) != KOU_OK)
        u->r = NULL;
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
    lres *u = checkres(L, 1);
    kou_resource_reset_stats(u->r);
    u->reneged = 0;
    kou_tally_init(&u->renege_wait);
    return 0;
}

static void setnum(lua_State *L, const char *k, double v)
{
    lua_pushnumber(L, v);
    lua_setfield(L, -2, k);
}

static int m_res_stats(lua_State *L)
{
    const lres *u = checkres(L, 1);
    const kou_resource *r = u->r;
    const kou_tally *w = kou_resource_wait_stats(r);
    double busy = kou_resource_mean_busy(r);
    lua_createtable(L, 0, 14);
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
    lua_pushinteger(L, (lua_Integer)u->reneged);
    lua_setfield(L, -2, "reneged");
    lua_pushinteger(L, (lua_Integer)kou_resource_preempted_count(r));
    lua_setfield(L, -2, "preempted");
    setnum(L, "mean_wait_reneged", kou_tally_mean(&u->renege_wait));
    return 1;
}

static int m_res_tostring(lua_State *L)
{
    lres *u = check_ud(L, 1, MT_RESOURCE);
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

/* ---- events and processes ---- */

/* Uservalues of an event; a process has the event's, then its own. */
enum { UV_VALUE = 1, UV_WAITERS = 2, UV_CHILDREN = 3, EV_NUV = 3 };
enum { UV_CO = 3, UV_HOLDS = 4, UV_FN = 5, UV_INTR = 6, UV_WAITON = 7, UV_FILTER = 8, PROC_NUV = 8 };

/* How a wait ended; its continuation returns accordingly. */
enum wake { WK_DONE, WK_TIMEOUT, WK_INTERRUPT };

typedef struct held {
    kou_resource *r;
    int n;
} held;

/* A process. Its first member is its event, which fires when its function
** returns (join and wait use it). */
typedef struct lproc {
    lev ev;
    lua_State *co;
    int co_slot;        /* co's own anchor slot (see lsim's pool), 0 once co is dropped */
    int slot;           /* anchor slot while alive, 0 after */
    int nargs;          /* arguments waiting on co's stack for the start */
    enum wait wait;     /* what the last yield asked for (W_NONE: running or not started) */
    enum wake wake;     /* how that wait ended */
    uint32_t seq;       /* bumped at every wait: a wake-up for an older wait is ignored */
    kou_event_id timer; /* the hold's end, or the timeout of a request or a wait */
    double dt;          /* W_HOLD: the time asked for; else the timeout (or +inf) */
    double hold_end;    /* W_HOLD: when it ends (an interrupt's remaining time) */
    double req_at;      /* W_REQUEST: when the request was made */
    lres *res;          /* W_REQUEST */
    kou_request_id req;
    int prio;
    /* the flags together: the userdata is made for every process */
    bool timed;         /* W_EVENT: wait(ev, t) returns true/false first */
    bool fac_get;       /* a get, else a put */
    bool filter_failed; /* the get's filter raised: it accepts nothing more */
    bool filtered;      /* W_STORE get: with a filter (in UV_FILTER) */
    bool sync;          /* inside our own kou_resource_request call */
    bool granted;       /* the request was granted */
    bool resuming;      /* resumed by the simulation (not coroutine.resume) */
    lev *waiton;        /* W_EVENT (kept alive by UV_WAITON) */
    void *fac;          /* W_CONTAINER: lcont, W_STORE: lstore (in UV_WAITON) */
    double amount;      /* W_CONTAINER */
    uint64_t item;      /* W_STORE: the handle put, or got */
    double item_prio;   /* W_STORE put: the priority */
    uint64_t fac_id;    /* the waiting put or get, for its cancel */
    int intr_head, intr_tail; /* interrupts queued in UV_INTR, [head, tail) */
    int nheld, held_cap;
    held *holds;        /* servers held: held_inline, or a buffer in UV_HOLDS */
    held held_inline[2];
} lproc;

static size_t meta_size(enum meta kind)
{
    static const size_t size[MT_COUNT] = {sizeof(lres), sizeof(lstream), sizeof(ldist), sizeof(lproc),
                                          sizeof(lev), sizeof(lcont), sizeof(lstore)};
    return size[kind];
}

static void proc_step(lproc *p, bool start);
static void ev_fire(kou_sim *sim, void *subject, void *object);

static lproc *current(lua_State *L)
{
    return *(lproc **)lua_getextraspace(L);
}

/* Pushes the process's userdata (it must be alive). */
static void push_proc(lua_State *L, const lproc *p)
{
    push_anchored(L, p->ev.S, p->slot);
}

/* Keeps the first error of the run (at the top of S->L, popped) and stops
** the simulation. */
static void keep_error(lsim *S, kou_sim *sim)
{
    if (S->error_ref == LUA_NOREF)
        S->error_ref = luaL_ref(S->L, LUA_REGISTRYINDEX);
    else
        lua_pop(S->L, 1);
    kou_sim_stop(sim);
}

/* Ends the process's life: unanchored, so that the collector takes it. A
** coroutine that finished cleanly goes back to the pool for the next
** process (creating one is most of what a short process costs), keeping
** its anchor slot. Any other (failed, or the pool is full) loses its
** slot; a failed one stays reachable from the process's UV_CO, as it may
** still run (a failure inside its own call) and its traceback was read
** from it; p->co still names it, though nothing reads it once the process
** is unanchored. */
static void unanchor(lproc *p, bool reuse)
{
    lsim *S = p->ev.S;
    lua_State *L = S->L;
    int co_slot = p->co_slot;
    /* a coroutine whose function returned is at its base, like a new one
    ** (lua_resume starts it again with a new function): emptying its
    ** stack is enough, and costs far less than lua_resetthread */
    if (reuse && S->nidle < POOL_MAX && lua_status(p->co) == LUA_OK) {
        lua_settop(p->co, 0);
        *(lproc **)lua_getextraspace(p->co) = NULL;
        S->pool[S->nidle] = p->co;
        S->pool_slot[S->nidle++] = co_slot;
        p->co = NULL;
        co_slot = 0;
    } else if (!reuse && co_slot != 0 && lua_checkstack(L, 3) && lua_checkstack(p->co, 1)) {
        push_proc(L, p);                                  /* ud */
        lua_pushthread(p->co);
        lua_xmove(p->co, L, 1);                           /* ud co */
        lua_setiuservalue(L, -2, UV_CO);
        lua_pop(L, 1);
    } else if (!reuse) {
        co_slot = 0; /* no room to move it: its slot stays (never for a clean end) */
    } else {
        p->co = NULL; /* dropped: the pool is full */
    }
    p->co_slot = 0;
    if (co_slot != 0)
        free_slot(S, co_slot);
    free_slot(S, p->slot);
    p->slot = 0;
}

/* "FILE:LINE" where the function of the process at idx is defined,
** pushed. */
static const char *push_where(lua_State *L, int idx)
{
    lua_Debug ar;
    lua_getiuservalue(L, idx, UV_FN);
    lua_getinfo(L, ">S", &ar);
    return lua_pushfstring(L, "%s:%d", ar.short_src, ar.linedefined);
}

/* Fails the process with msg located at its current line (or where it
** was defined) and the coroutine's traceback. */
static void proc_fail(lproc *p, const char *msg, bool at_definition)
{
    lua_State *L = p->ev.S->L;
    lua_Debug ar;
    kou_host_begin_report(L);
    luaL_checkstack(L, 6, NULL);
    int top = lua_gettop(L);
    const char *where = NULL;
    if (!at_definition && p->co != NULL) {
        for (int level = 0; lua_getstack(p->co, level, &ar); level++) {
            lua_getinfo(p->co, "Sl", &ar);
            if (ar.currentline > 0) {
                where = lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
                break;
            }
        }
    }
    if (where == NULL) {
        push_proc(L, p);
        where = push_where(L, -1);
    }
    const char *text = lua_pushfstring(L, "%s: %s", where, msg);
    if (!at_definition && p->co != NULL) {
        luaL_traceback(L, p->co, text, 0);
        text = lua_tostring(L, -1);
    }
    kou_host_push_report(L, text, false);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    keep_error(p->ev.S, p->ev.sim);
    unanchor(p, false);
}

/* ---- servers held ---- */

static held *find_held(lproc *p, kou_resource *r)
{
    for (int i = 0; i < p->nheld; i++)
        if (p->holds[i].r == r)
            return &p->holds[i];
    return NULL;
}

/* Records one more server of r. False when memory ran out (the process
** then fails). */
static bool add_held(lproc *p, kou_resource *r)
{
    held *h = find_held(p, r);
    if (h) {
        h->n++;
        return true;
    }
    if (p->nheld == p->held_cap) { /* rare: a buffer anchored in UV_HOLDS */
        lua_State *L = p->ev.S->L;
        int cap = 2 * p->held_cap;
        push_proc(L, p);
        held *buf = lua_newuserdatauv(L, (size_t)cap * sizeof *buf, 0);
        memcpy(buf, p->holds, (size_t)p->nheld * sizeof *buf);
        lua_setiuservalue(L, -2, UV_HOLDS);
        lua_pop(L, 1);
        p->holds = buf;
        p->held_cap = cap;
    }
    p->holds[p->nheld++] = (held){r, 1};
    return true;
}

/* Drops one server of r; false if the process holds none. */
static bool drop_held(lproc *p, kou_resource *r)
{
    held *h = find_held(p, r);
    if (h == NULL)
        return false;
    if (--h->n == 0)
        *h = p->holds[--p->nheld];
    return true;
}

/* ---- waking a process ---- */

/* The simulation's handlers below are where processes resume: never
** inside another process, so resumes never nest. The event's object is
** the wait's sequence number. */
#define SEQ(p) ((void *)(uintptr_t)(p)->seq)

static bool is_current_wait(const lproc *p, const void *seq)
{
    return p->slot != 0 && (uintptr_t)seq == (uintptr_t)p->seq;
}

static void wake(lproc *p, enum wake how)
{
    p->wake = how;
    proc_step(p, false);
}

/* Withdraws the request, put or get the process waits in (a timeout or
** an interrupt), counting it where it belongs: a store forgets the item
** of a withdrawn put. */
static void withdraw(lproc *p)
{
    if (p->granted)
        return;
    if (p->wait == W_REQUEST && kou_resource_cancel(p->res->r, p->req)) {
        p->res->reneged++;
        kou_tally_add(&p->res->renege_wait, kou_sim_now(p->ev.sim) - p->req_at);
    } else if (p->wait == W_CONTAINER) {
        kou_container_cancel(((lcont *)p->fac)->c, p->fac_id);
    } else if (p->wait == W_STORE && kou_store_cancel(((lstore *)p->fac)->s, p->fac_id) && !p->fac_get) {
        lua_State *L = p->ev.S->L;
        push_proc(L, p);
        lua_getiuservalue(L, -1, UV_WAITON);       /* ud store */
        lua_getiuservalue(L, -1, 2);               /* ud store items */
        lua_pushnil(L);
        lua_rawseti(L, -2, (lua_Integer)p->item);
        lua_pop(L, 3);
    }
}

/* The hold's end, or a request's or a wait's timeout. */
static void ev_timer(kou_sim *sim, void *subject, void *object)
{
    lproc *p = subject;
    (void)sim;
    if (!is_current_wait(p, object))
        return;
    p->timer = KOU_EVENT_NONE;
    if (p->wait == W_HOLD) {
        wake(p, WK_DONE);
        return;
    }
    withdraw(p); /* reneging: the request, put or get leaves its line */
    wake(p, WK_TIMEOUT);
}

/* A grant that came later, from another process's release: resumes
** through this event. */
static void ev_resume(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    if (is_current_wait(subject, object))
        wake(subject, WK_DONE);
}

static void ev_start(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    (void)object;
    proc_step(subject, true);
}

/* A request, put or get of the process completed: it resumes now. */
static void completed(kou_sim *sim, lproc *p)
{
    p->granted = true;
    if (p->sync)
        return; /* inside our own call: the resumer goes on */
    if (p->timer != KOU_EVENT_NONE) {
        kou_event_cancel(sim, p->timer);
        p->timer = KOU_EVENT_NONE;
    }
    if (kou_event_schedule(sim, 0.0, 0, ev_resume, p, SEQ(p)) == KOU_EVENT_NONE)
        proc_fail(p, kou_sim_errmsg(sim), false);
}

static void on_grant(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    lproc *p = subject;
    (void)object;
    if (!add_held(p, res)) {
        proc_fail(p, "out of memory", false);
        return;
    }
    completed(sim, p);
}

static void on_container_done(kou_sim *sim, kou_container *c, double amount, void *subject, void *object)
{
    (void)c;
    (void)amount;
    (void)object;
    completed(sim, subject);
}

static void on_store_done(kou_sim *sim, kou_store *s, uint64_t item, void *subject, void *object)
{
    lproc *p = subject;
    (void)s;
    (void)object;
    p->item = item;
    completed(sim, p);
}

/* ---- events ---- */

/* Every event object: plain (event()), timeout(), any_of{}, all_of{}, or
** a process. A triggered event is anchored until the simulation has
** processed it (woken its waiters). */
static lev *toev(lua_State *L, int idx)
{
    lev *e = test_ud(L, idx, MT_EVENT);
    if (e == NULL)
        e = test_ud(L, idx, MT_PROCESS);
    if (e == NULL)
        luaL_typeerror(L, idx, "event or process");
    return e;
}

static lev *new_event(lua_State *L, lsim *S, enum ev_kind kind)
{
    lev *e = lua_newuserdatauv(L, sizeof *e, EV_NUV);
    e->kind = kind;
    e->state = EV_PENDING;
    e->S = S;
    e->sim = S->run_sim ? S->run_sim : S->sim;
    e->slot = 0;
    e->pending = 0;
    e->waited = false;
    set_meta_of(L, S, e, MT_EVENT);
    return e;
}

/* Triggers the event at idx with the value at the top (popped): its
** waiters wake at the current time, through one kernel event. Never
** raises (a failure is the run's error). */
static void trigger(lua_State *L, int idx, lev *e)
{
    idx = lua_absindex(L, idx);
    lua_setiuservalue(L, idx, UV_VALUE);
    if (!e->waited) {
        /* nobody waits yet: processed at once (a later wait returns at
        ** once), which spares a kernel event per ending process */
        e->state = EV_PROCESSED;
        return;
    }
    e->state = EV_TRIGGERED;
    if (e->slot == 0)
        e->slot = anchor(L, e->S, idx);
    if (kou_event_schedule(e->sim, 0.0, 0, ev_fire, e, NULL) == KOU_EVENT_NONE) {
        lua_pushstring(L, kou_sim_errmsg(e->sim));
        keep_error(e->S, e->sim);
    }
}

/* Adds (waiter at w, seq) to the waiters of the event at idx. */
static void add_waiter(lua_State *L, int idx, int w, uint32_t seq)
{
    idx = lua_absindex(L, idx);
    w = lua_absindex(L, w);
    if (lua_getiuservalue(L, idx, UV_WAITERS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_createtable(L, 2, 0);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, idx, UV_WAITERS);
        ((lev *)lua_touserdata(L, idx))->waited = true;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    lua_pushvalue(L, w);
    lua_rawseti(L, -2, n + 1);
    lua_pushinteger(L, seq);
    lua_rawseti(L, -2, n + 2);
    lua_pop(L, 1);
}

static void cond_child_done(lua_State *L, int cond, int child);

/* The simulation processes a triggered event: its waiters wake, in the
** order they began to wait. */
static void ev_fire(kou_sim *sim, void *subject, void *object)
{
    lev *e = subject;
    lua_State *L = e->S->L;
    (void)sim;
    (void)object;
    luaL_checkstack(L, 8, NULL);
    push_anchored(L, e->S, e->slot);           /* ev */
    free_slot(e->S, e->slot);
    int ev = lua_gettop(L);
    e->slot = 0;
    e->state = EV_PROCESSED;
    if (lua_getiuservalue(L, ev, UV_WAITERS) == LUA_TTABLE) { /* ev ws */
        lua_pushnil(L);
        lua_setiuservalue(L, ev, UV_WAITERS);
        e->waited = false;
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i < n; i += 2) {
            lua_rawgeti(L, ev + 1, i);             /* ev ws w */
            lev *w = lua_touserdata(L, -1);
            if (w->kind == EV_PROCESS) {
                lproc *p = (lproc *)w;
                lua_rawgeti(L, ev + 1, i + 1);
                void *seq = (void *)(uintptr_t)lua_tointeger(L, -1);
                lua_pop(L, 1);
                if (is_current_wait(p, seq) && p->wait == W_EVENT && p->waiton == e) {
                    if (p->timer != KOU_EVENT_NONE)
                        kou_event_cancel(p->ev.sim, p->timer);
                    p->timer = KOU_EVENT_NONE;
                    wake(p, WK_DONE);
                }
            } else {
                cond_child_done(L, lua_gettop(L), ev);
            }
            lua_settop(L, ev + 1);
        }
    }
    lua_settop(L, ev - 1);
}

/* A child of the condition at cond was processed. */
static void cond_child_done(lua_State *L, int cond, int child)
{
    lev *c = lua_touserdata(L, cond);
    if (c->state != EV_PENDING)
        return;
    if (c->kind == EV_ANY) {
        lua_pushvalue(L, child);
        trigger(L, cond, c);
        return;
    }
    if (--c->pending > 0)
        return;
    lua_getiuservalue(L, cond, UV_CHILDREN);   /* children */
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    lua_createtable(L, (int)n, 0);             /* children values */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -2, i);
        lua_getiuservalue(L, -1, UV_VALUE);
        lua_rawseti(L, -3, i);
        lua_pop(L, 1);
    }
    lua_remove(L, -2);
    trigger(L, cond, c);
}

static int l_event(lua_State *L)
{
    new_event(L, upsim(L), EV_PLAIN);
    return 1;
}

static int l_timeout(lua_State *L)
{
    lsim *S = upsim(L);
    double dt = luaL_checknumber(L, 1);
    luaL_argcheck(L, dt >= 0.0 && isfinite(dt), 1, "time must be finite and >= 0");
    lua_settop(L, 2);
    lev *e = new_event(L, S, EV_TIMEOUT);      /* dt value ev */
    e->kind = EV_TIMEOUT;
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, 3, UV_VALUE);
    e->slot = anchor(L, S, 3);                 /* anchored until it fires */
    if (kou_event_schedule(e->sim, dt, 0, ev_fire, e, NULL) == KOU_EVENT_NONE)
        return luaL_error(L, "timeout: %s", kou_sim_errmsg(e->sim));
    e->state = EV_TRIGGERED;
    return 1;
}

/* any_of{...} / all_of{...}: a condition over events and processes. */
static int condition(lua_State *L, enum ev_kind kind)
{
    lsim *S = upsim(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    lua_settop(L, 1);
    lev *c = new_event(L, S, kind);            /* list c */
    lua_createtable(L, (int)n, 0);             /* list c children */
    int fired = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        lev *e = toev(L, -1);
        if (e->sim != c->sim)
            return luaL_error(L, "%s: event %I belongs to another simulation",
                              kind == EV_ANY ? "any_of" : "all_of", i);
        if (e->state == EV_PROCESSED && fired == 0)
            fired = (int)i;
        if (e->state != EV_PROCESSED) {
            c->pending++;
            add_waiter(L, -1, 2, 0);
        }
        lua_rawseti(L, 3, i);
    }
    lua_setiuservalue(L, 2, UV_CHILDREN);      /* list c */
    if (kind == EV_ANY && (fired || n == 0)) {
        if (fired)
            lua_rawgeti(L, 1, fired);
        else
            lua_pushnil(L);
        trigger(L, 2, c);
    } else if (kind == EV_ALL && c->pending == 0) {
        c->pending = 1;
        cond_child_done(L, 2, 2);
    }
    return 1;
}

static int l_any_of(lua_State *L)
{
    return condition(L, EV_ANY);
}

static int l_all_of(lua_State *L)
{
    return condition(L, EV_ALL);
}

static int m_ev_succeed(lua_State *L)
{
    lev *e = check_ud(L, 1, MT_EVENT);
    if (e->kind != EV_PLAIN)
        return luaL_error(L, "succeed: only an event made by event() can be triggered by hand");
    if (e->state != EV_PENDING)
        return luaL_error(L, "succeed: the event has already been triggered");
    lua_settop(L, 2);
    trigger(L, 1, e);
    lua_settop(L, 1);
    return 1;
}

static int m_ev_triggered(lua_State *L)
{
    lua_pushboolean(L, toev(L, 1)->state != EV_PENDING);
    return 1;
}

static int m_ev_processed(lua_State *L)
{
    lua_pushboolean(L, toev(L, 1)->state == EV_PROCESSED);
    return 1;
}

static int m_ev_value(lua_State *L)
{
    lev *e = toev(L, 1);
    if (e->state == EV_PENDING)
        return luaL_error(L, "value: the event has not been triggered yet");
    lua_getiuservalue(L, 1, UV_VALUE);
    return 1;
}

static int m_ev_tostring(lua_State *L)
{
    static const char *const kinds[] = {"event", "timeout", "any_of", "all_of", "process"};
    static const char *const states[] = {"pending", "triggered", "processed"};
    lev *e = check_ud(L, 1, MT_EVENT);
    lua_pushfstring(L, "%s (%s)", kinds[e->kind], states[e->state]);
    return 1;
}

/* ---- interrupts ---- */

static bool is_interrupt(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return false;
    luaL_getmetatable(L, INTERRUPT_META);
    bool yes = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return yes;
}

static int l_is_interrupt(lua_State *L)
{
    lua_pushboolean(L, is_interrupt(L, 1));
    return 1;
}

static int m_intr_tostring(lua_State *L)
{
    lua_getfield(L, 1, "cause");
    lua_pushfstring(L, "interrupt (cause: %s)", luaL_tolstring(L, -1, NULL));
    return 1;
}

static void ev_interrupt(kou_sim *sim, void *subject, void *object);

/* Queues the interrupt at the top (popped) for p and schedules its
** delivery now, before other events of this instant. Never raises. */
static void queue_interrupt(lua_State *L, lproc *p)
{
    push_proc(L, p);                               /* intr ud */
    if (lua_getiuservalue(L, -1, UV_INTR) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setiuservalue(L, -3, UV_INTR);
    }                                              /* intr ud q */
    lua_rotate(L, -3, -1);                         /* ud q intr */
    lua_rawseti(L, -2, ++p->intr_tail);
    lua_pop(L, 2);
    if (kou_event_schedule(p->ev.sim, 0.0, KOU_PRIORITY_MAX, ev_interrupt, p, NULL) == KOU_EVENT_NONE)
        proc_fail(p, kou_sim_errmsg(p->ev.sim), false);
}

/* Pushes resource{}'s object for the kernel's resource (preemption is
** rare: a search of the list is enough). */
static void push_resource(lua_State *L, const kou_resource *r)
{
    lua_getfield(L, LUA_REGISTRYINDEX, KOU_LSIM_RESOURCES);
    for (lua_Integer i = 1, n = (lua_Integer)lua_rawlen(L, -1); i <= n; i++) {
        lua_rawgeti(L, -1, i);
        if (((lres *)lua_touserdata(L, -1))->r == r) {
            lua_remove(L, -2);
            return;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    lua_pushnil(L);
}

/* A holder of a preemptive resource lost its server: it no longer holds
** it, and its current wait raises an interrupt with cause "preempted". */
static void on_preempt(kou_sim *sim, kou_resource *res, const kou_preemption *pre)
{
    lproc *p = pre->subject, *by = pre->by_subject;
    lua_State *L = p->ev.S->L;
    (void)sim;
    drop_held(p, res);
    if (p->slot == 0 || !lua_checkstack(L, 4))
        return;
    lua_createtable(L, 0, 6);
    luaL_setmetatable(L, INTERRUPT_META);
    lua_pushliteral(L, "preempted");
    lua_setfield(L, -2, "cause");
    if (by->slot != 0) {
        push_proc(L, by);
        lua_setfield(L, -2, "by");
    }
    lua_pushnumber(L, pre->usage_since);
    lua_setfield(L, -2, "usage_since");
    push_resource(L, res);
    lua_setfield(L, -2, "resource");
    queue_interrupt(L, p);
}

/* Withdraws what the process waits for, so that only the interrupt wakes
** it. */
static void detach(lproc *p)
{
    if (p->timer != KOU_EVENT_NONE)
        kou_event_cancel(p->ev.sim, p->timer);
    p->timer = KOU_EVENT_NONE;
    withdraw(p);
    p->seq++;
}

static void ev_interrupt(kou_sim *sim, void *subject, void *object)
{
    lproc *p = subject;
    (void)sim;
    (void)object;
    if (p->slot == 0 || p->intr_head >= p->intr_tail)
        return;
    /* not waiting (not started yet), or granted and about to resume: the
    ** interrupt reaches it at its next wait */
    if (p->wait == W_NONE || p->granted)
        return;
    detach(p);
    wake(p, WK_INTERRUPT);
}

/* In the continuation: raises the first queued interrupt. */
static int raise_interrupt(lua_State *L, lproc *p, int ctx)
{
    lua_settop(L, 0);
    push_proc(L, p);
    lua_getiuservalue(L, 1, UV_INTR);
    lua_rawgeti(L, 2, ++p->intr_head);
    lua_pushnil(L);
    lua_rawseti(L, 2, p->intr_head);
    if (ctx == W_HOLD) {
        lua_pushnumber(L, fmax(0.0, p->hold_end - kou_sim_now(p->ev.sim)));
        lua_setfield(L, 3, "remaining");
    }
    return lua_error(L);
}

/* p:interrupt([cause]) */
static int m_proc_interrupt(lua_State *L)
{
    lproc *p = check_ud(L, 1, MT_PROCESS);
    if (p->slot == 0)
        return luaL_error(L, "interrupt: the process has already ended");
    if (current(L) == p)
        return luaL_error(L, "interrupt: a process cannot interrupt itself");
    lua_settop(L, 2);
    lua_createtable(L, 0, 4);
    luaL_setmetatable(L, INTERRUPT_META);
    if (lua_isnil(L, 2))
        lua_pushliteral(L, "interrupt");
    else
        lua_pushvalue(L, 2);
    lua_setfield(L, -2, "cause");
    lproc *by = current(L);
    if (by) {
        push_proc(L, by);
        lua_setfield(L, -2, "by");
    }
    queue_interrupt(L, p);
    return 0;
}

/* ---- the resumer ---- */

static void ev_filter_error(kou_sim *sim, void *subject, void *object)
{
    lproc *p = subject;
    (void)sim;
    if (!is_current_wait(p, object))
        return;
    lua_State *L = p->ev.S->L;
    push_proc(L, p);
    lua_getiuservalue(L, -1, UV_FILTER);
    char msg[400];
    snprintf(msg, sizeof msg, "the filter of this get raised an error: %s", lua_tostring(L, -1));
    lua_pop(L, 2);
    detach(p);
    proc_fail(p, msg, false);
}

/* A filter store asks the get's filter about an item (store.h: never for
** the same pair twice, and the store must not be touched meanwhile). An
** error must not unwind through the store: the get then accepts nothing
** more, and the process fails through an event. */
static bool store_filter(void *ctx, uint64_t item)
{
    lproc *p = ctx;
    lua_State *L = p->ev.S->L;
    lstore *s = p->fac;
    if (p->filter_failed || p->slot == 0 || !lua_checkstack(L, 6))
        return false;
    int top = lua_gettop(L);
    push_proc(L, p);                           /* ud */
    lua_getiuservalue(L, -1, UV_FILTER);       /* ud fn */
    lua_getiuservalue(L, -2, UV_WAITON);       /* ud fn store */
    lua_getiuservalue(L, -1, 2);               /* ud fn store items */
    lua_rawgeti(L, -1, (lua_Integer)item);     /* ud fn store items value */
    lua_replace(L, -3);                        /* ud fn value items */
    lua_pop(L, 1);                             /* ud fn value */
    s->in_filter = true;
    int status = lua_pcall(L, 1, 1, 0);        /* ud result */
    s->in_filter = false;
    bool yes = status == LUA_OK && lua_toboolean(L, -1);
    if (status != LUA_OK) {
        if (!lua_isstring(L, -1))
            lua_pushliteral(L, "(an error object that is not a string)");
        lua_setiuservalue(L, top + 1, UV_FILTER);
        p->filter_failed = true;
        if (kou_event_schedule(p->ev.sim, 0.0, KOU_PRIORITY_MAX, ev_filter_error, p, SEQ(p)) ==
            KOU_EVENT_NONE)
            kou_sim_stop(p->ev.sim);
    }
    lua_settop(L, top);
    return yes;
}

/* begin_wait of a container's or a store's put or get. */
static bool begin_facility(lproc *p)
{
    kou_sim *sim = p->ev.sim;
    uint64_t id;
    bool failed;
    p->sync = true;
    if (p->wait == W_CONTAINER) {
        kou_container *c = ((lcont *)p->fac)->c;
        id = p->fac_get ? kou_container_get(c, p->amount, on_container_done, p, NULL)
                        : kou_container_put(c, p->amount, on_container_done, p, NULL);
        failed = id == KOU_CONTAINER_FAILED;
    } else {
        kou_store *st = ((lstore *)p->fac)->s;
        id = p->fac_get ? kou_store_get(st, p->filtered ? store_filter : NULL, p, on_store_done, p, NULL)
                        : kou_store_put(st, p->item, p->item_prio, on_store_done, p, NULL);
        failed = id == KOU_STORE_FAILED;
    }
    p->sync = false;
    if (failed) {
        proc_fail(p, kou_sim_errmsg(sim), false);
        return false;
    }
    if (p->granted) {
        p->wake = WK_DONE;
        return p->slot != 0;
    }
    p->fac_id = id;
    if (isfinite(p->dt)) {
        p->timer = kou_event_schedule(sim, p->dt, 0, ev_timer, p, SEQ(p));
        if (p->timer == KOU_EVENT_NONE)
            proc_fail(p, kou_sim_errmsg(sim), false);
    }
    return false;
}

/* Starts what the process yielded for. True when it is already done (go
** on resuming), false when the process now waits. */
static bool begin_wait(lproc *p)
{
    lua_State *L = p->ev.S->L;
    kou_sim *sim = p->ev.sim;
    p->seq++;
    p->granted = false;
    p->timer = KOU_EVENT_NONE;
    if (p->intr_head < p->intr_tail) { /* an interrupt came while it ran */
        if (p->wait == W_HOLD)
            p->hold_end = kou_sim_now(sim) + p->dt;
        p->wake = WK_INTERRUPT;
        return true;
    }
    switch (p->wait) {
    case W_HOLD:
        p->hold_end = kou_sim_now(sim) + p->dt;
        p->timer = kou_event_schedule(sim, p->dt, 0, ev_timer, p, SEQ(p));
        break;
    case W_REQUEST:
        p->sync = true;
        p->req_at = kou_sim_now(sim);
        p->req = kou_resource_request(p->res->r, p->prio, on_grant, p, NULL);
        p->sync = false;
        if (p->granted) {
            p->wake = WK_DONE;
            return p->slot != 0;
        }
        if (isfinite(p->dt))
            p->timer = kou_event_schedule(sim, p->dt, 0, ev_timer, p, SEQ(p));
        return false;
    case W_EVENT:
        push_proc(L, p);
        lua_getiuservalue(L, -1, UV_WAITON);        /* ud ev */
        add_waiter(L, -1, -2, p->seq);
        lua_pop(L, 2);
        if (isfinite(p->dt))
            p->timer = kou_event_schedule(sim, p->dt, 0, ev_timer, p, SEQ(p));
        return false;
    case W_CONTAINER:
    case W_STORE:
        return begin_facility(p);
    case W_NONE:
    default:
        proc_fail(p, "coroutine.yield inside a process (a process waits only with hold, request, "
                  "wait or the waits of containers and stores)", false);
        return false;
    }
    if (p->timer == KOU_EVENT_NONE)
        proc_fail(p, kou_sim_errmsg(sim), false);
    return false;
}

/* The process's function returned: it must hold no server any more; its
** event fires with the function's first result. */
static void proc_end(lproc *p, int nres)
{
    lua_State *L = p->ev.S->L;
    if (p->nheld > 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "process ended holding %d server(s) of resource '%s' "
                 "(release them before the process returns)", p->holds[0].n,
                 kou_resource_name(p->holds[0].r));
        lua_settop(p->co, 0);
        proc_fail(p, msg, true);
        return;
    }
    if (!p->ev.waited && (nres == 0 || lua_isnil(p->co, -nres))) {
        /* nobody waits and the value is nil, as UV_VALUE is already: what
        ** trigger would do, without touching the userdata */
        p->ev.state = EV_PROCESSED;
        unanchor(p, true);
        return;
    }
    luaL_checkstack(L, 3, NULL);
    push_proc(L, p);                            /* ud */
    if (nres > 0) {
        lua_pushvalue(p->co, -nres);
        lua_xmove(p->co, L, 1);                 /* ud value */
    } else {
        lua_pushnil(L);
    }
    trigger(L, -2, &p->ev);                     /* ud */
    lua_pop(L, 1);
    unanchor(p, true);
}

/* Resumes the process and carries out what it yields, until it waits for
** something in the future or ends. */
static void proc_step(lproc *p, bool start)
{
    lua_State *L = p->ev.S->L;
    if (p->slot == 0)
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
        p->resuming = true;
        int status = kou_host_resume(L, p->co, nargs, &nres);
        p->resuming = false;
        nargs = 0;
        if (status == LUA_OK) {
            proc_end(p, nres);
            return;
        }
        if (status != LUA_YIELD) {
            if (is_interrupt(p->co, -1)) {
                lua_getfield(p->co, -1, "cause");
                char msg[300];
                const char *cause = luaL_tolstring(p->co, -1, NULL);
                snprintf(msg, sizeof msg, "process was interrupted (cause: %s) and did not catch it "
                         "(wait inside pcall to handle interrupts%s)", cause,
                         strcmp(cause, "preempted") == 0 ? ", or use(res, dt), which resumes "
                         "preempted work" : "");
                lua_pop(p->co, 2);
                proc_fail(p, msg, false);
                return;
            }
            kou_host_push_error(L, p->co, status);
            keep_error(p->ev.S, p->ev.sim);
            unanchor(p, false);
            return;
        }
        if (nres > 0)
            lua_pop(p->co, nres);
        if (!begin_wait(p))
            return;
    }
}

/* What a put or get returns: true, or false after its timeout; a store's
** get, the item (nil after its timeout). */
static int facility_result(lua_State *L, lproc *p, enum wait w)
{
    lua_settop(L, 0);
    push_proc(L, p);
    lua_getiuservalue(L, 1, UV_WAITON);      /* ud fac */
    lua_pushnil(L);
    lua_setiuservalue(L, 1, UV_WAITON);
    lua_pushnil(L);
    lua_setiuservalue(L, 1, UV_FILTER);
    p->fac = NULL;
    if (w == W_CONTAINER || !p->fac_get || p->wake != WK_DONE) {
        if (w == W_STORE && p->fac_get)
            lua_pushnil(L);
        else
            lua_pushboolean(L, p->wake == WK_DONE);
        return 1;
    }
    lua_getiuservalue(L, 2, 2);              /* ud store items */
    lua_rawgeti(L, 3, (lua_Integer)p->item); /* ud store items item */
    lua_pushnil(L);
    lua_rawseti(L, 3, (lua_Integer)p->item);
    return 1;
}

/* After a wait: checks that the simulation resumed us, then returns what
** the wait gives. */
static int wait_k(lua_State *L, int status, lua_KContext ctx)
{
    lproc *p = current(L);
    (void)status;
    if (!p->resuming)
        return luaL_error(L, "process was resumed outside the simulation (coroutine.resume on a process)");
    enum wait w = (enum wait)ctx;
    p->wait = W_NONE;
    if (p->wake == WK_INTERRUPT)
        return raise_interrupt(L, p, (int)ctx);
    switch (w) {
    case W_REQUEST:
        lua_pushboolean(L, p->wake == WK_DONE);
        return 1;
    case W_EVENT: {
        lua_settop(L, 0);
        push_proc(L, p);
        lua_getiuservalue(L, 1, UV_WAITON);      /* ud ev */
        lua_pushnil(L);
        lua_setiuservalue(L, 1, UV_WAITON);
        p->waiton = NULL;
        if (p->wake == WK_TIMEOUT) {
            lua_pushboolean(L, 0);
            return 1;
        }
        if (p->timed)
            lua_pushboolean(L, 1);
        lua_getiuservalue(L, 2, UV_VALUE);
        return p->timed ? 2 : 1;
    }
    case W_CONTAINER:
    case W_STORE:
        return facility_result(L, p, w);
    case W_HOLD:
    default:
        return 0;
    }
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
    int isnum;
    double dt = lua_tonumberx(L, 1, &isnum);
    if (!isnum)
        luaL_typeerror(L, 1, "number"); /* luaL_checknumber's message, without its call */
    luaL_argcheck(L, dt >= 0.0 && isfinite(dt), 1, "time must be finite and >= 0");
    p->wait = W_HOLD;
    p->dt = dt;
    return lua_yieldk(L, 0, W_HOLD, wait_k);
}

/* A timeout argument: nil (none) or a number >= 0. */
static double opt_timeout(lua_State *L, int idx, const char *fn)
{
    if (lua_isnoneornil(L, idx))
        return INFINITY;
    double t = luaL_checknumber(L, idx);
    if (!(t >= 0.0))
        luaL_error(L, "%s: timeout must be >= 0 (got %f)", fn, t);
    return t;
}

/* request(res [, priority]) or request(res, {priority =, timeout =}) */
static int l_request(lua_State *L)
{
    lproc *p = checkprocess_ctx(L, "request");
    lres *r = checkres(L, 1);
    if (r->sim != p->ev.sim)
        return luaL_error(L, "request: %s belongs to another simulation (a process of a port scenario "
                          "uses the port's resources: port_resource(port, name))", kou_resource_name(r->r));
    lua_Integer prio = 0;
    double timeout = INFINITY;
    int t2 = lua_type(L, 2);
    if (t2 == LUA_TTABLE) {
        static const char *const allowed[] = {"priority", "timeout", NULL};
        koui_option_check(L, 2, "request", allowed);
        double pr = koui_option_number(L, 2, "request", "priority", false);
        if (!isnan(pr)) {
            if (pr != floor(pr))
                return luaL_error(L, "request: priority must be an integer (got %f)", pr);
            prio = (lua_Integer)fmax(fmin(pr, 1e9), -1e9);
        }
        lua_getfield(L, 2, "timeout");
        timeout = opt_timeout(L, -1, "request");
    } else if (t2 > LUA_TNIL) { /* none or nil: priority 0 */
        prio = luaL_checkinteger(L, 2);
    }
    luaL_argcheck(L, prio >= KOU_PRIORITY_MIN && prio <= KOU_PRIORITY_MAX, 2,
                  "priority must be in -32768..32767");
    if (p->intr_head == p->intr_tail && kou_resource_calendar(r->r) == NULL &&
        kou_resource_queue_length(r->r) == 0 && kou_resource_busy(r->r) < kou_resource_capacity(r->r)) {
        /* a free server: granted now, as the resumer would after a yield,
        ** without the yield (most requests, when servers are not scarce) */
        p->granted = false;
        p->sync = true;
        kou_request_id id = kou_resource_request(r->r, (int)prio, on_grant, p, NULL);
        p->sync = false;
        KOU_CHECK(id == KOU_REQUEST_GRANTED && p->granted);
        lua_pushboolean(L, 1);
        return 1;
    }
    p->wait = W_REQUEST;
    p->res = r;
    p->prio = (int)prio;
    p->dt = timeout;
    lua_settop(L, 1); /* the resource stays referenced while the request waits */
    return lua_yieldk(L, 0, W_REQUEST, wait_k);
}

/* wait(ev [, timeout]) and p:join([timeout]) */
static int l_wait(lua_State *L)
{
    lproc *p = checkprocess_ctx(L, "wait");
    lev *e = toev(L, 1);
    double timeout = opt_timeout(L, 2, "wait");
    bool timed = !lua_isnoneornil(L, 2);
    if (e == &p->ev)
        return luaL_error(L, "wait: a process cannot wait for itself");
    if (e->sim != p->ev.sim)
        return luaL_error(L, "wait: the event belongs to another simulation");
    if (e->state == EV_PROCESSED) { /* already happened: no wait */
        if (timed)
            lua_pushboolean(L, 1);
        lua_getiuservalue(L, 1, UV_VALUE);
        return timed ? 2 : 1;
    }
    lua_settop(L, 1);
    push_proc(L, p);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, 2, UV_WAITON);
    lua_settop(L, 0);
    p->wait = W_EVENT;
    p->waiton = e;
    p->dt = timeout;
    p->timed = timed;
    return lua_yieldk(L, 0, W_EVENT, wait_k);
}

static int l_release(lua_State *L)
{
    lproc *p = current(L);
    lres *r = checkres(L, 1);
    if (p == NULL)
        return luaL_error(L, "release: only the process that requested resource '%s' can release it",
                          kou_resource_name(r->r));
    bool preemptive = kou_resource_is_preemptive(r->r);
    if (!drop_held(p, r->r))
        return luaL_error(L, "release: this process does not hold resource '%s'%s",
                          kou_resource_name(r->r), preemptive ? " (a preempted holder has lost its "
                          "server already: do not release it after the interrupt)" : "");
    /* may grant others: they resume through events */
    if (preemptive)
        kou_resource_release_held(r->r, p, NULL);
    else
        kou_resource_release(r->r);
    return 0;
}

/* ---- containers and stores ---- */

/* A container{} or store{} table's name field, or a default; pushed. */
static const char *fac_name(lua_State *L, const char *what, const char *const allowed[])
{
    lsim *S = upsim(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    koui_option_check(L, 1, what, allowed);
    if (S->run_sim != NULL)
        luaL_error(L, "%s: make containers and stores when the scenario loads (outside processes); "
                   "they belong to process-style scenarios", what);
    int ty = lua_getfield(L, 1, "name");
    if (ty == LUA_TNIL) {
        lua_pop(L, 1);
        return lua_pushstring(L, what);
    }
    if (ty != LUA_TSTRING)
        luaL_error(L, "%s: field 'name' must be a string", what);
    return lua_tostring(L, -1);
}

/* The capacity field: a number >= 1 (integer for a store), default +inf. */
static double fac_capacity(lua_State *L, const char *what, const char *name, bool whole)
{
    double cap = koui_option_number(L, 1, what, "capacity", false);
    if (isnan(cap))
        return INFINITY;
    if (!(cap > 0.0) || (whole && (cap < 1.0 || (isfinite(cap) && cap != floor(cap)))))
        luaL_error(L, "%s '%s': capacity must be %s (got %f)", what, name,
                   whole ? "a whole number >= 1, or math.huge" : "> 0, or math.huge", cap);
    return cap;
}

/* Appends the container or store at the top to the report's list. */
static void list_facility(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, KOU_LSIM_FACILITIES);
    lua_pushvalue(L, -2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

static int l_container(lua_State *L)
{
    static const char *const allowed[] = {"name", "capacity", "init", "integer", NULL};
    lsim *S = upsim(L);
    const char *name = fac_name(L, "container", allowed);
    double cap = fac_capacity(L, "container", name, false);
    double init = koui_option_number(L, 1, "container", "init", false);
    init = isnan(init) ? 0.0 : init;
    lua_getfield(L, 1, "integer");
    bool integer = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (!(init >= 0.0 && init <= cap) || (isinf(init)))
        return luaL_error(L, "container '%s': init must be in 0..capacity (%f; got %f)", name, cap, init);
    if (integer && init != floor(init))
        return luaL_error(L, "container '%s': init must be a whole number (integer = true; got %f)",
                          name, init);
    lcont *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->sim = S->sim;
    u->c = kou_container_new(S->sim, name, cap, init, integer);
    if (u->c == NULL)
        return luaL_error(L, "%s", kou_sim_errmsg(S->sim));
    set_meta(L, S, MT_CONTAINER);
    lua_pushfstring(L, "container '%s'", name);
    lua_setiuservalue(L, -2, 1);
    list_facility(L);
    return 1;
}

static lcont *checkcont(lua_State *L)
{
    return check_ud(L, 1, MT_CONTAINER);
}

/* The options of a put or get: {timeout =} and, for a store's put,
** {priority =}; the priority is returned. */
static double fac_options(lua_State *L, int idx, lproc *p, const char *fn, bool priority)
{
    static const char *const with_prio[] = {"timeout", "priority", NULL};
    static const char *const timeout_only[] = {"timeout", NULL};
    p->dt = INFINITY;
    if (lua_isnoneornil(L, idx))
        return 0.0;
    luaL_checktype(L, idx, LUA_TTABLE);
    koui_option_check(L, idx, fn, priority ? with_prio : timeout_only);
    lua_getfield(L, idx, "timeout");
    p->dt = opt_timeout(L, -1, fn);
    lua_pop(L, 1);
    double prio = priority ? koui_option_number(L, idx, fn, "priority", false) : NAN;
    return isnan(prio) ? 0.0 : prio;
}

/* c:put(amount [, {timeout =}]) and c:get(amount [, {timeout =}]) */
static int container_wait(lua_State *L, bool get)
{
    const char *fn = get ? "get" : "put";
    lcont *c = checkcont(L);
    lproc *p = checkprocess_ctx(L, fn);
    const char *name = kou_container_name(c->c);
    if (c->sim != p->ev.sim)
        return luaL_error(L, "%s: container '%s' belongs to another simulation (containers work in "
                          "process-style scenarios)", fn, name);
    double amount = luaL_checknumber(L, 2);
    double cap = kou_container_capacity(c->c);
    if (!(amount > 0.0 && amount <= cap && isfinite(amount)))
        return luaL_error(L, "%s: container '%s': amount must be > 0 and at most the capacity %f "
                          "(got %f)", fn, name, cap, amount);
    if (kou_container_is_integer(c->c) && amount != floor(amount))
        return luaL_error(L, "%s: container '%s' counts whole units: amount must be a whole number "
                          "(got %f)", fn, name, amount);
    fac_options(L, 3, p, fn, false);
    lua_settop(L, 1);
    push_proc(L, p);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, UV_WAITON);
    lua_settop(L, 0);
    p->wait = W_CONTAINER;
    p->fac = c;
    p->fac_get = get;
    p->amount = amount;
    return lua_yieldk(L, 0, W_CONTAINER, wait_k);
}

static int m_cont_put(lua_State *L)
{
    return container_wait(L, false);
}

static int m_cont_get(lua_State *L)
{
    return container_wait(L, true);
}

static int m_cont_level(lua_State *L)
{
    lua_pushnumber(L, kou_container_level(checkcont(L)->c));
    return 1;
}

static int m_cont_capacity(lua_State *L)
{
    lua_pushnumber(L, kou_container_capacity(checkcont(L)->c));
    return 1;
}

static int m_cont_name(lua_State *L)
{
    lua_pushstring(L, kou_container_name(checkcont(L)->c));
    return 1;
}

/* Counts and waits of a put or get line, in the stats table at the top. */
static void wait_fields(lua_State *L, const char *kind, const kou_tally *w, uint64_t cancelled,
                        size_t waiting)
{
    char key[32];
    snprintf(key, sizeof key, "%ss", kind);
    lua_pushinteger(L, (lua_Integer)w->n);
    lua_setfield(L, -2, key);
    snprintf(key, sizeof key, "mean_%s_wait", kind);
    setnum(L, key, kou_tally_mean(w));
    snprintf(key, sizeof key, "max_%s_wait", kind);
    setnum(L, key, w->n > 0 ? w->max : 0.0);
    snprintf(key, sizeof key, "%ss_cancelled", kind);
    lua_pushinteger(L, (lua_Integer)cancelled);
    lua_setfield(L, -2, key);
    snprintf(key, sizeof key, "%ss_waiting", kind);
    lua_pushinteger(L, (lua_Integer)waiting);
    lua_setfield(L, -2, key);
}

static int m_cont_stats(lua_State *L)
{
    const kou_container *c = checkcont(L)->c;
    const kou_timeavg *lv = kou_container_level_stats(c);
    lua_createtable(L, 0, 16);
    lua_pushstring(L, kou_container_name(c));
    lua_setfield(L, -2, "name");
    setnum(L, "capacity", kou_container_capacity(c));
    setnum(L, "level", kou_container_level(c));
    setnum(L, "mean_level", kou_container_mean_level(c));
    setnum(L, "min_level", lv->min);
    setnum(L, "max_level", lv->max);
    setnum(L, "amount_put", kou_container_amount_put(c));
    setnum(L, "amount_got", kou_container_amount_got(c));
    wait_fields(L, "put", kou_container_put_wait_stats(c), kou_container_puts_cancelled(c),
                kou_container_puts_waiting(c));
    wait_fields(L, "get", kou_container_get_wait_stats(c), kou_container_gets_cancelled(c),
                kou_container_gets_waiting(c));
    return 1;
}

static int m_cont_reset_stats(lua_State *L)
{
    kou_container_reset_stats(checkcont(L)->c);
    return 0;
}

static int m_cont_tostring(lua_State *L)
{
    const kou_container *c = checkcont(L)->c;
    lua_pushfstring(L, "container '%s' (level %f of %f)", kou_container_name(c), kou_container_level(c),
                    kou_container_capacity(c));
    return 1;
}

static int l_store(lua_State *L)
{
    static const char *const allowed[] = {"name", "capacity", "kind", NULL};
    static const char *const kinds[] = {"fifo", "priority", "filter", NULL};
    lsim *S = upsim(L);
    const char *name = fac_name(L, "store", allowed);
    double cap = fac_capacity(L, "store", name, true);
    kou_store_kind kind = KOU_STORE_FIFO;
    int ty = lua_getfield(L, 1, "kind");
    if (ty != LUA_TNIL) {
        int k = 0;
        while (kinds[k] && (ty != LUA_TSTRING || strcmp(kinds[k], lua_tostring(L, -1)) != 0))
            k++;
        if (kinds[k] == NULL)
            return luaL_error(L, "store '%s': kind must be \"fifo\", \"priority\" or \"filter\" (got %s)",
                              name, luaL_tolstring(L, -1, NULL));
        kind = (kou_store_kind)k;
    }
    lua_pop(L, 1);
    lstore *u = lua_newuserdatauv(L, sizeof *u, 2);
    memset(u, 0, sizeof *u);
    u->sim = S->sim;
    u->s = kou_store_new(S->sim, name, isinf(cap) || cap > 1e15 ? KOU_STORE_UNLIMITED : (size_t)cap, kind);
    if (u->s == NULL)
        return luaL_error(L, "%s", kou_sim_errmsg(S->sim));
    set_meta(L, S, MT_STORE);
    lua_pushfstring(L, "store '%s'", name);
    lua_setiuservalue(L, -2, 1);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 2);
    list_facility(L);
    return 1;
}

static lstore *checkstore(lua_State *L)
{
    lstore *s = check_ud(L, 1, MT_STORE);
    if (s->in_filter)
        luaL_error(L, "store '%s': a get's filter cannot use its own store", kou_store_name(s->s));
    return s;
}

/* Checks that the running process may wait on the store; returns it. */
static lproc *store_waiter(lua_State *L, lstore *s, const char *fn)
{
    lproc *p = checkprocess_ctx(L, fn);
    if (s->sim != p->ev.sim)
        luaL_error(L, "%s: store '%s' belongs to another simulation (stores work in process-style "
                   "scenarios)", fn, kou_store_name(s->s));
    return p;
}

static int store_yield(lua_State *L, lproc *p, lstore *s, bool get)
{
    lua_settop(L, 1);
    push_proc(L, p);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, UV_WAITON);
    lua_settop(L, 0);
    p->wait = W_STORE;
    p->fac = s;
    p->fac_get = get;
    return lua_yieldk(L, 0, W_STORE, wait_k);
}

/* s:put(item [, {priority =, timeout =}]) */
static int m_store_put(lua_State *L)
{
    lstore *s = checkstore(L);
    lproc *p = store_waiter(L, s, "put");
    luaL_checkany(L, 2);
    if (lua_isnil(L, 2))
        return luaL_error(L, "put: store '%s': the item cannot be nil", kou_store_name(s->s));
    bool prio_store = kou_store_kind_of(s->s) == KOU_STORE_PRIORITY;
    lua_Number prio = fac_options(L, 3, p, "put", prio_store);
    lua_getiuservalue(L, 1, 2);                /* store item opts items */
    p->item = ++s->last_item;
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, (lua_Integer)p->item);
    p->item_prio = prio;
    return store_yield(L, p, s, false);
}

/* s:get([filter] [, {timeout =}]) */
static int m_store_get(lua_State *L)
{
    lstore *s = checkstore(L);
    lproc *p = store_waiter(L, s, "get");
    int opts = 2;
    p->filtered = lua_isfunction(L, 2);
    if (p->filtered) {
        if (kou_store_kind_of(s->s) != KOU_STORE_FILTER)
            return luaL_error(L, "get: store '%s' takes no filter (make it with kind = \"filter\")",
                              kou_store_name(s->s));
        opts = 3;
    }
    fac_options(L, opts, p, "get", false);
    push_proc(L, p);
    if (p->filtered)
        lua_pushvalue(L, 2);
    else
        lua_pushnil(L);
    lua_setiuservalue(L, -2, UV_FILTER);
    p->filter_failed = false;
    return store_yield(L, p, s, true);
}

static int m_store_size(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)kou_store_size(checkstore(L)->s));
    return 1;
}

static int m_store_capacity(lua_State *L)
{
    size_t cap = kou_store_capacity(checkstore(L)->s);
    lua_pushnumber(L, cap == KOU_STORE_UNLIMITED ? INFINITY : (double)cap);
    return 1;
}

static int m_store_name(lua_State *L)
{
    lua_pushstring(L, kou_store_name(checkstore(L)->s));
    return 1;
}

static int m_store_stats(lua_State *L)
{
    const kou_store *s = checkstore(L)->s;
    const kou_timeavg *sz = kou_store_size_stats(s);
    const kou_tally *stay = kou_store_stay_stats(s);
    size_t cap = kou_store_capacity(s);
    lua_createtable(L, 0, 16);
    lua_pushstring(L, kou_store_name(s));
    lua_setfield(L, -2, "name");
    setnum(L, "capacity", cap == KOU_STORE_UNLIMITED ? INFINITY : (double)cap);
    lua_pushinteger(L, (lua_Integer)kou_store_size(s));
    lua_setfield(L, -2, "size");
    setnum(L, "mean_size", kou_store_mean_size(s));
    setnum(L, "max_size", sz->max);
    setnum(L, "mean_stay", kou_tally_mean(stay));
    wait_fields(L, "put", kou_store_put_wait_stats(s), kou_store_puts_cancelled(s),
                kou_store_puts_waiting(s));
    wait_fields(L, "get", kou_store_get_wait_stats(s), kou_store_gets_cancelled(s),
                kou_store_gets_waiting(s));
    return 1;
}

static int m_store_reset_stats(lua_State *L)
{
    kou_store_reset_stats(checkstore(L)->s);
    return 0;
}

static int m_store_tostring(lua_State *L)
{
    const lstore *u = check_ud(L, 1, MT_STORE);
    const kou_store *s = u->s;
    static const char *const kinds[] = {"fifo", "priority", "filter"};
    lua_pushfstring(L, "store '%s' (%s, %I items)", kou_store_name(s), kinds[kou_store_kind_of(s)],
                    (lua_Integer)kou_store_size(s));
    return 1;
}

static int l_now(lua_State *L)
{
    lsim *S = upsim(L);
    lua_pushnumber(L, kou_sim_now(S->run_sim ? S->run_sim : S->sim));
    return 1;
}

/* A coroutine for the new process p: from the pool, or new (then
** anchored at a slot of its own). */
static void take_coroutine(lua_State *L, lsim *S, lproc *p)
{
    if (S->nidle > 0) {
        S->nidle--;
        p->co = S->pool[S->nidle];
        p->co_slot = S->pool_slot[S->nidle];
        return;
    }
    p->co = lua_newthread(L);
    p->co_slot = anchor(L, S, -1);
    lua_pop(L, 1);
}

static int l_process(lua_State *L)
{
    /* most processes are made by a process: its lsim is at hand, where the
    ** upvalue costs a lookup through the closure */
    lproc *maker = current(L);
    lsim *S = maker != NULL ? maker->ev.S : upsim(L);
    if (lua_type(L, 1) != LUA_TFUNCTION)
        luaL_typeerror(L, 1, "function"); /* luaL_checktype's message, without its call */
    int n = lua_gettop(L);
    lproc *p = lua_newuserdatauv(L, sizeof *p, PROC_NUV); /* f args ud */
    memset(p, 0, sizeof *p);
    p->ev.kind = EV_PROCESS;
    p->ev.state = EV_PENDING;
    p->ev.S = S;
    p->ev.sim = S->run_sim ? S->run_sim : S->sim;
    p->holds = p->held_inline;
    p->held_cap = (int)(sizeof p->held_inline / sizeof p->held_inline[0]);
    set_meta_of(L, S, p, MT_PROCESS);
    lua_pushvalue(L, 1);
    lua_setiuservalue(L, -2, UV_FN);
    take_coroutine(L, S, p);
    lua_rotate(L, 1, 1);                           /* ud f args */
    p->slot = anchor(L, S, 1);                     /* anchored while alive */
    lua_xmove(L, p->co, n);                        /* ud */
    *(lproc **)lua_getextraspace(p->co) = p;
    p->nargs = n - 1;
    if (S->run_sim) { /* listed, so that kou_lsim_end_run finds it */
        lua_getfield(L, LUA_REGISTRYINDEX, LSIM_RUN_PROCS);
        lua_pushvalue(L, 1);
        lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        lua_pop(L, 1);
    }
    if (kou_event_schedule(p->ev.sim, 0.0, 0, ev_start, p, NULL) == KOU_EVENT_NONE) {
        unanchor(p, false);
        return luaL_error(L, "process: %s", kou_sim_errmsg(p->ev.sim));
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
    memset(u, 0, sizeof *u);
    u->r = r;
    u->sim = S->run_sim;
    u->gen = S->run_gen;
    kou_tally_init(&u->renege_wait);
    set_meta(L, upsim(L), MT_RESOURCE);
    lua_pushfstring(L, "resource '%s' of port '%s'", name, port);
    lua_setiuservalue(L, -2, 1);
    return 1;
}

static int m_proc_tostring(lua_State *L)
{
    lproc *p = check_ud(L, 1, MT_PROCESS);
    lua_pushfstring(L, "process defined at %s (%s)", push_where(L, 1),
                    p->slot == 0 ? "ended" : "alive");
    return 1;
}

static int m_proc_alive(lua_State *L)
{
    lproc *p = check_ud(L, 1, MT_PROCESS);
    lua_pushboolean(L, p->slot != 0);
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

/* use(res, dt [, {priority =}]): request, hold dt, release, with
** preempt-resume. Written in Lua over the API's own functions, taken when
** the state opens, so that a scenario redefining them changes nothing. */
static const char use_source[] =
    "local request, hold, release, is_interrupt, now, pcall, error, type, next, tostring = ...\n"
    "return function(res, dt, opts)\n"
    "  local prio = 0\n"
    "  if opts ~= nil then\n"
    "    if type(opts) ~= 'table' then error('use: options must be a table {priority = p}', 2) end\n"
    "    for k in next, opts do\n"
    "      if k ~= 'priority' then error(\"use: unknown option '\" .. tostring(k) .. \"' (known: priority)\", 2) end\n"
    "    end\n"
    "    prio = opts.priority or 0\n"
    "  end\n"
    "  if type(dt) ~= 'number' or not (dt >= 0 and dt < 1 / 0) then\n"
    "    error('use: time must be finite and >= 0 (got ' .. tostring(dt) .. ')', 2)\n"
    "  end\n"
    "  local left = dt\n"
    "  while true do\n"
    "    request(res, {priority = prio})\n"
    "    local ok, e = pcall(hold, left)\n"
    "    if ok then release(res) return now() end\n"
    "    if is_interrupt(e) and e.cause == 'preempted' and e.resource == res then\n"
    "      left = e.remaining\n"
    "    else\n"
    "      release(res)\n"
    "      error(e, 0)\n"
    "    end\n"
    "  end\n"
    "end\n";

/* Defines use in the kouan table at the top and the globals below it. */
static void open_use(lua_State *L)
{
    static const char *const uses[] = {"request", "hold", "release", "is_interrupt", "now"};
    static const char *const base[] = {"pcall", "error", "type", "next", "tostring"};
    int kouan = lua_gettop(L), g = kouan - 1, nargs = 0;
    if (luaL_loadbufferx(L, use_source, sizeof use_source - 1, "=use", "t") != LUA_OK)
        lua_error(L);
    for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++, nargs++)
        lua_getfield(L, kouan, uses[i]);
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++, nargs++)
        lua_getfield(L, g, base[i]);
    lua_call(L, nargs, 1);              /* G kouan use */
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "use");
    lua_pushliteral(L, "use");
    lua_insert(L, -2);
    lua_rawset(L, -4);
}

/* The metatables of the objects scenarios get, with their methods. */
static void open_metatables(lua_State *L, lsim *S)
{
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
    static const luaL_Reg proc_meth[] = {
        {"alive", m_proc_alive}, {"interrupt", m_proc_interrupt}, {"join", l_wait},
        {"triggered", m_ev_triggered}, {"processed", m_ev_processed}, {"value", m_ev_value},
        {NULL, NULL}};
    static const luaL_Reg ev_meth[] = {
        {"succeed", m_ev_succeed}, {"triggered", m_ev_triggered},
        {"processed", m_ev_processed}, {"value", m_ev_value}, {NULL, NULL}};
    createmeta(L, RESOURCE_META, res_meth, m_res_tostring, S);
    createmeta(L, STREAM_META, stream_meth, m_stream_tostring, S);
    createmeta(L, DIST_META, dist_meth, m_dist_tostring, S);
    createmeta(L, PROCESS_META, proc_meth, m_proc_tostring, S);
    createmeta(L, EVENT_META, ev_meth, m_ev_tostring, S);
    static const luaL_Reg cont_meth[] = {
        {"put", m_cont_put}, {"get", m_cont_get}, {"level", m_cont_level},
        {"capacity", m_cont_capacity}, {"name", m_cont_name}, {"stats", m_cont_stats},
        {"reset_stats", m_cont_reset_stats}, {NULL, NULL}};
    static const luaL_Reg store_meth[] = {
        {"put", m_store_put}, {"get", m_store_get}, {"size", m_store_size},
        {"capacity", m_store_capacity}, {"name", m_store_name}, {"stats", m_store_stats},
        {"reset_stats", m_store_reset_stats}, {NULL, NULL}};
    createmeta(L, CONTAINER_META, cont_meth, m_cont_tostring, S);
    createmeta(L, STORE_META, store_meth, m_store_tostring, S);
}

/* __gc of the lsim userdata: its C buffer (the state is closing). */
static int lsim_gc(lua_State *L)
{
    lsim *S = lua_touserdata(L, 1);
    free(S->free_slots);
    S->free_slots = NULL;
    S->nfree = S->free_cap = 0;
    return 0;
}

void kou_lsim_open(lua_State *L)
{
    kou_host *h = kou_host_from_lua(L);
    lsim *S = lua_newuserdatauv(L, sizeof *S, 0);
    /* before the __gc is set: an allocation failure below closes the
    ** state, and lsim_gc then frees free_slots */
    S->free_slots = NULL;
    S->nfree = S->free_cap = S->top_slot = 0;
    S->nidle = 0;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, lsim_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    S->sim = kou_host_sim(h);
    S->L = L;
    S->error_ref = LUA_NOREF;
    S->run_sim = NULL;
    S->view = NULL;
    S->run_gen = 0;
    lua_setfield(L, LUA_REGISTRYINDEX, LSIM_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, KOU_LSIM_RESOURCES);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, KOU_LSIM_FACILITIES);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LSIM_AT_END);
    S->A = lua_newthread(L);                   /* A */
    lua_newtable(S->A);                        /* the anchors, at A's index 1 */
    luaL_ref(L, LUA_REGISTRYINDEX);
    luaL_newmetatable(L, INTERRUPT_META);
    lua_pushcfunction(L, m_intr_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);

    open_metatables(L, S);
    for (int k = 0; k < MT_COUNT; k++) {
        luaL_getmetatable(L, meta_name[k]);
        S->mt[k] = luaL_ref(L, LUA_REGISTRYINDEX);
    }

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
        {"wait", l_wait},               {"event", l_event},
        {"timeout", l_timeout},         {"any_of", l_any_of},
        {"all_of", l_all_of},           {"is_interrupt", l_is_interrupt},
        {"container", l_container},     {"store", l_store},
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
    open_use(L);                        /* G kouan */
    lua_pop(L, 2);
    kou_lmonitor_open(L);
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

/* What the discarded process p (its userdata at the top of L) was
** waiting for, into buf. Only Lua values are read: the kernel objects went
** with the replication's simulation. */
static void describe_wait(lua_State *L, lproc *p, char *buf, size_t len)
{
    static const char *const ev_what[] = {[EV_PLAIN] = "event()", [EV_TIMEOUT] = "timeout()",
                                          [EV_ANY] = "any_of{}", [EV_ALL] = "all_of{}", [EV_PROCESS] = "a process"};
    char limit[64] = "";
    if (p->wait != W_HOLD && isfinite(p->dt))
        snprintf(limit, sizeof limit, " (timeout after %g h)", p->dt);
    switch (p->wait) {
    case W_HOLD:
        snprintf(buf, len, "hold() until hour %.4f", p->hold_end);
        return;
    case W_REQUEST: /* the resource is at index 1 of its stack (l_request); user value 1: its name */
        if (lua_checkstack(p->co, 2) && test_ud(p->co, 1, MT_RESOURCE) != NULL) {
            lua_getiuservalue(p->co, 1, 1);
            snprintf(buf, len, "request() of %s%s", lua_tostring(p->co, -1), limit);
            lua_pop(p->co, 1);
        } else {
            snprintf(buf, len, "request()%s", limit);
        }
        return;
    case W_EVENT:
        if (p->waiton->kind == EV_PROCESS && lua_checkstack(L, 3)) {
            lua_getiuservalue(L, -1, UV_WAITON); /* ud joined */
            snprintf(buf, len, "the end of the process defined at %s (join)%s", push_where(L, -1), limit);
            lua_pop(L, 2);
        } else {
            snprintf(buf, len, "wait() on %s%s", ev_what[p->waiton->kind], limit);
        }
        return;
    case W_NONE:
        snprintf(buf, len, "its start");
        return;
    case W_CONTAINER:
    case W_STORE:
    default:
        snprintf(buf, len, "a %s of a %s%s", p->fac_get ? "get" : "put",
                 p->wait == W_STORE ? "store" : "container", limit);
        return;
    }
}

/* Discards the process at the top of L when it is still waiting, first
** telling discarded (when not NULL) about it. */
static void discard(lua_State *L, lproc *p, kou_lsim_discarded_fn discarded, void *ctx)
{
    if (p->slot == 0)
        return;
    if (discarded && lua_checkstack(L, 2)) {
        char what[LUA_IDSIZE + 160];
        describe_wait(L, p, what, sizeof what);
        discarded(ctx, push_where(L, -1), what, p->wait == W_HOLD ? p->hold_end : NAN);
        lua_pop(L, 1);
    }
    unanchor(p, false);
}

bool kou_lsim_end_run(lua_State *L, kou_lsim_discarded_fn discarded, void *ctx)
{
    lsim *S = getlsim(L);
    if (lua_getfield(L, LUA_REGISTRYINDEX, LSIM_RUN_PROCS) == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            discard(L, lua_touserdata(L, -1), discarded, ctx); /* still waiting: discarded with the replication */
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LSIM_RUN_PROCS);
    S->run_sim = NULL;
    S->view = NULL;
    return S->error_ref != LUA_NOREF;
}

bool kou_lsim_failed(lua_State *L)
{
    return getlsim(L)->error_ref != LUA_NOREF;
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
    /* A run of processes makes and drops a userdata and a few frames for
    ** every process, so the collector starts cycle after cycle over a heap
    ** that stays small. Starting one only when the heap is 4 times what
    ** the last kept (Lua's default: 2) is 3 % fewer instructions on
    ** mmc.lua (callgrind), for a Lua heap that is still a few MB there. */
    lua_gc(L, LUA_GCINC, 400, 0, 0);
    kou_status st = isinf(until) && until > 0 ? kou_sim_run(S->sim) : kou_sim_run_before(S->sim, until);
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

/* The report's table of containers and stores: mean level (items), the
** number of completed gets and their mean wait, puts likewise. */
static void print_facilities(lua_State *L, FILE *out)
{
    lua_getfield(L, LUA_REGISTRYINDEX, KOU_LSIM_FACILITIES);
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    if (n > 0)
        fprintf(out, "%-20s %9s %10s %11s %13s %11s %13s\n", "container/store", "capacity", "mean level",
                "gets", "mean wait (h)", "puts", "mean wait (h)");
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        const char *name;
        double cap, mean;
        const kou_tally *get, *put;
        lcont *c = test_ud(L, -1, MT_CONTAINER);
        if (c != NULL) {
            name = kou_container_name(c->c);
            cap = kou_container_capacity(c->c);
            mean = kou_container_mean_level(c->c);
            get = kou_container_get_wait_stats(c->c);
            put = kou_container_put_wait_stats(c->c);
        } else {
            const kou_store *st = ((lstore *)lua_touserdata(L, -1))->s;
            name = kou_store_name(st);
            size_t scap = kou_store_capacity(st);
            cap = scap == KOU_STORE_UNLIMITED ? INFINITY : (double)scap;
            mean = kou_store_mean_size(st);
            get = kou_store_get_wait_stats(st);
            put = kou_store_put_wait_stats(st);
        }
        lua_pop(L, 1);
        fprintf(out, "%-20s", name);
        if (isinf(cap))
            fprintf(out, " %9s", "inf");
        else
            fprintf(out, " %9.6g", cap);
        print_num(out, 10, 4, mean);
        fprintf(out, " %11" PRIu64, get->n);
        print_num(out, 13, 4, kou_tally_mean(get));
        fprintf(out, " %11" PRIu64, put->n);
        print_num(out, 13, 4, kou_tally_mean(put));
        fputc('\n', out);
    }
    lua_pop(L, 1);
}

void kou_lsim_print_report(lua_State *L, FILE *out)
{
    lsim *S = getlsim(L);
    fprintf(out, "simulated %.4f h, %" PRIu64 " events\n", kou_sim_now(S->sim),
            kou_sim_events_fired(S->sim));
    lua_getfield(L, LUA_REGISTRYINDEX, KOU_LSIM_RESOURCES);
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
    print_facilities(L, out);
    fflush(out);
}
