/*
** lrun.c — one replication of a process-style scenario (lrun.h).
**
** The resources are the process API's list (registry "kouan.resources",
** lsim.c, in creation order); they are read through their own methods
** (queue_length, busy, stats), so whatever res:stats() reports becomes a
** column without this file knowing it. Likewise the containers and stores
** (registry "kouan.facilities", one list of both in creation order): read
** through stats() alone, whose table tells the kind (a container's has
** `level`, a store's `size`) and gives the series' values (level or size,
** puts_waiting, gets_waiting).
*/
#include "lua/lrun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "exp/replicate.h"
#include "kernel/base.h"
#include "kernel/sim.h"
#include "lua/host.h"
#include "lua/lmonitor.h"
#include "lua/lsim.h"

#define PRINTED "kouan.lrun.printed" /* the lines print wrote, when captured */

/* The columns first, in this order, when res:stats() has them; any other
** number it gives follows in name order. */
static const char *const first_cols[] = {"capacity", "utilisation", "mean_queue", "mean_wait", "served", NULL};
/* Likewise for containers and stores (c:stats(), s:stats()). */
static const char *const fac_first_cols[KOU_PRUN_FACS][12] = {
    {"capacity", "mean_level", "min_level", "max_level", "level", "amount_put", "amount_got", "puts", "gets",
     "mean_put_wait", "mean_get_wait", NULL},
    {"capacity", "mean_size", "max_size", "size", "mean_stay", "puts", "gets", "mean_put_wait", "mean_get_wait",
     NULL}};
/* The fields of stats() a facility's series point takes: level or size, then these. */
static const char *const fac_waiting[] = {"puts_waiting", "gets_waiting"};

typedef struct sampler {
    int list, facs;    /* stack indices of the resources, the containers and stores */
    size_t nres, nfac;
    double step;
    uint64_t k;        /* the next sample is at k * step */
    uint64_t fired;    /* events fired at the last sample */
    bool any;
    kou_prun_series *ts;
    const kou_prun_fac *kind;       /* nfac, in the list's order (a userdata's block) */
    kou_prun_series *fts[KOU_PRUN_FACS]; /* each kind's, in the list's order: rep's */
} sampler;

/* res:method() as a number; res is list[i + 1]. */
static double call_method(lua_State *L, int list, size_t i, const char *method)
{
    lua_rawgeti(L, list, (lua_Integer)i + 1); /* res */
    lua_getfield(L, -1, method);              /* res fn */
    lua_insert(L, -2);                        /* fn res */
    lua_call(L, 1, 1);
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Facility list[i + 1]'s stats() on top of the stack; its kind. */
static kou_prun_fac fac_stats(lua_State *L, int list, size_t i)
{
    lua_rawgeti(L, list, (lua_Integer)i + 1); /* fac */
    lua_getfield(L, -1, "stats");             /* fac fn */
    lua_insert(L, -2);                        /* fn fac */
    lua_call(L, 1, 1);
    luaL_checktype(L, -1, LUA_TTABLE);
    bool container = lua_getfield(L, -1, "level") == LUA_TNUMBER;
    lua_pop(L, 1);
    return container ? KOU_PRUN_CONTAINER : KOU_PRUN_STORE;
}

/* A number field of the table on top (NaN when it is not one). */
static double num_field(lua_State *L, const char *name)
{
    double v = lua_getfield(L, -1, name) == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
    lua_pop(L, 1);
    return v;
}

/* Facility list[i + 1]'s series values now: level or size, puts and gets waiting. */
static void fac_values(lua_State *L, int list, size_t i, double *v)
{
    kou_prun_fac k = fac_stats(L, list, i);
    v[0] = num_field(L, k == KOU_PRUN_CONTAINER ? "level" : "size");
    v[1] = num_field(L, fac_waiting[0]);
    v[2] = num_field(L, fac_waiting[1]);
    lua_pop(L, 1);
}

/* Appends to ts the point at t: its last values again when nothing
** happened since the last sample (same), else v. */
static void sample_one(kou_prun_series *ts, int nv, double t, bool same, double *v)
{
    if (same)
        for (int c = 0; c < nv; c++)
            v[c] = ts->v[c][ts->n - 1];
    kou_prun_series_add(ts, nv, t, v);
}

/* Samples every resource, container and store at each grid time before
** 'before' (or at or before, when inclusive). */
static void sample_to(lua_State *L, kou_sim *sim, sampler *s, double before, bool inclusive)
{
    for (;;) {
        double t = (double)s->k * s->step, v[KOU_PRUN_FAC_NV];
        if (!(t < before || (inclusive && t == before)))
            return;
        uint64_t fired = kou_sim_events_fired(sim);
        bool same = s->any && fired == s->fired; /* nothing happened: the last levels */
        for (size_t i = 0; i < s->nres; i++) {
            if (!same) {
                v[0] = call_method(L, s->list, i, "queue_length");
                v[1] = call_method(L, s->list, i, "busy");
            }
            sample_one(&s->ts[i], 2, t, same, v);
        }
        size_t at[KOU_PRUN_FACS] = {0, 0};
        for (size_t i = 0; i < s->nfac; i++) {
            if (!same)
                fac_values(L, s->facs, i, v);
            sample_one(&s->fts[s->kind[i]][at[s->kind[i]]++], KOU_PRUN_FAC_NV, t, same, v);
        }
        s->any = true;
        s->fired = fired;
        s->k++;
    }
}

/* Steps the simulation event by event while the next one is before
** until, sampling in between; the rest is kou_lsim_run's. A stop request
** (exp/replicate.h: SIGINT, SIGTERM) ends the replication between two
** events: nothing more runs (kou_lsim_run up to now runs only at_end), and
** the replication says it was stopped. */
static void run_sampled(lua_State *L, kou_sim *sim, double until, sampler *s, bool *stopped)
{
    for (;;) {
        if (kou_lsim_failed(L))
            break;
        if (kou_rep_stop_signal()) {
            *stopped = true;
            until = kou_sim_now(sim);
            break;
        }
        double t = kou_sim_next_time(sim);
        if (!(t < until))
            break;
        sample_to(L, sim, s, t, false);
        kou_sim_step(sim);
    }
    double t = kou_sim_next_time(sim), before = t < until ? t : until;
    if (!kou_lsim_failed(L) && isfinite(before))
        sample_to(L, sim, s, before, false);
    kou_lsim_run(L, until); /* events at until, the error if any, at_end */
    sample_to(L, sim, s, kou_sim_now(sim), true);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The column names from the first object's stats table (on top): first
** present, then the other numbers in name order. */
static void take_columns(lua_State *L, const char *const *first, char ***cols, size_t *ncols)
{
    size_t n = 0, cap = 16;
    char **c = koui_calloc(cap, sizeof *c);
    for (const char *const *f = first; *f; f++) {
        if (lua_getfield(L, -1, *f) == LUA_TNUMBER)
            c[n++] = koui_strdup(*f);
        lua_pop(L, 1);
    }
    size_t fixed = n;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        bool take = lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TNUMBER;
        for (size_t k = 0; take && k < fixed; k++)
            take = strcmp(c[k], lua_tostring(L, -2)) != 0;
        if (take) {
            if (n + 1 >= cap)
                c = koui_realloc(c, (cap *= 2) * sizeof *c);
            c[n++] = koui_strdup(lua_tostring(L, -2));
        }
        lua_pop(L, 1);
    }
    qsort(c + fixed, n - fixed, sizeof *c, cmp_str);
    *cols = c;
    *ncols = n;
}

/* The numbers of the stats table on top, by the columns, into row. */
static void take_row(lua_State *L, char *const *cols, size_t ncols, double *row)
{
    for (size_t c = 0; c < ncols; c++)
        row[c] = num_field(L, cols[c]);
}

/* The name field of the stats table on top, copied. */
static char *stats_name(lua_State *L)
{
    lua_getfield(L, -1, "name");
    char *s = koui_strdup(lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
    lua_pop(L, 1);
    return s;
}

/* Every resource's name and statistics (res:stats()) into rep. */
static void collect_resources(lua_State *L, int list, kou_prun_rep *rep)
{
    kou_prun_layout *l = &rep->layout;
    size_t n = l->nres;
    l->res_names = koui_calloc(n + 1, sizeof *l->res_names);
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, list, (lua_Integer)i + 1);
        lua_getfield(L, -1, "stats");
        lua_insert(L, -2);
        lua_call(L, 1, 1); /* stats */
        l->res_names[i] = stats_name(L);
        if (i == 0) {
            take_columns(L, first_cols, &l->cols, &l->ncols);
            rep->res = koui_calloc(n * l->ncols + 1, sizeof *rep->res);
        }
        take_row(L, l->cols, l->ncols, rep->res + i * l->ncols);
        lua_pop(L, 1);
    }
}

/* The kinds of the containers and stores made before the run, in a block
** left on the stack (Lua frees it), and each kind's series in rep (each
** kind in the list's order; rep frees them, whatever happens). */
static void start_facilities(lua_State *L, sampler *s, kou_prun_rep *rep)
{
    kou_prun_fac *kind = lua_newuserdatauv(L, (s->nfac + 1) * sizeof *kind, 0);
    kou_prun_layout *l = &rep->layout;
    for (size_t i = 0; i < s->nfac; i++) {
        kind[i] = fac_stats(L, s->facs, i);
        lua_pop(L, 1);
        l->nfac[kind[i]]++;
    }
    for (int k = 0; k < KOU_PRUN_FACS; k++)
        s->fts[k] = rep->fac_ts[k] = koui_calloc(l->nfac[k] + 1, sizeof *rep->fac_ts[k]);
    s->kind = kind;
}

/* Every container's and store's name and statistics into rep, each kind
** in the list's order; one made while the run ran has no series. */
static void collect_facilities(lua_State *L, int list, kou_prun_rep *rep)
{
    kou_prun_layout *l = &rep->layout;
    size_t n = (size_t)lua_rawlen(L, list), at[KOU_PRUN_FACS] = {0, 0}, total[KOU_PRUN_FACS] = {0, 0};
    for (size_t i = 0; i < n; i++) {
        total[fac_stats(L, list, i)]++;
        lua_pop(L, 1);
    }
    for (int k = 0; k < KOU_PRUN_FACS; k++) {
        rep->fac_ts[k] = koui_realloc(rep->fac_ts[k], (total[k] + 1) * sizeof *rep->fac_ts[k]);
        memset(rep->fac_ts[k] + l->nfac[k], 0, (total[k] + 1 - l->nfac[k]) * sizeof *rep->fac_ts[k]);
        l->nfac[k] = total[k];
        l->fac_names[k] = koui_calloc(total[k] + 1, sizeof *l->fac_names[k]);
        rep->fac[k] = koui_calloc(1, sizeof *rep->fac[k]);
    }
    for (size_t i = 0; i < n; i++) {
        kou_prun_fac k = fac_stats(L, list, i);
        size_t j = at[k]++;
        l->fac_names[k][j] = stats_name(L);
        if (j == 0) {
            take_columns(L, fac_first_cols[k], &l->fac_cols[k], &l->nfcols[k]);
            rep->fac[k] = koui_realloc(rep->fac[k], (total[k] * l->nfcols[k] + 1) * sizeof *rep->fac[k]);
        }
        take_row(L, l->fac_cols[k], l->nfcols[k], rep->fac[k] + j * l->nfcols[k]);
        lua_pop(L, 1);
    }
}

/* print(...): the line goes to the list of upvalue 1 instead of stdout. */
static int l_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    lua_rawseti(L, lua_upvalueindex(1), (lua_Integer)lua_rawlen(L, lua_upvalueindex(1)) + 1);
    return 0;
}

void kou_lrun_capture_print(lua_State *L)
{
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, PRINTED);
    lua_pushcclosure(L, l_print, 1);
    lua_setglobal(L, "print");
}

/* What print wrote, as one malloc'd string (NULL when not captured). */
static char *printed(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, PRINTED) != LUA_TTABLE) {
        lua_pop(L, 1);
        return NULL;
    }
    int t = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, t, i);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    char *s = koui_strdup(lua_tostring(L, -1));
    lua_pop(L, 2);
    return s;
}

void kou_lrun_replication(lua_State *L, double until, double step, kou_prun_rep *rep)
{
    KOU_CHECK(step > 0 && isfinite(step));
    kou_sim *sim = kou_host_sim(kou_host_from_lua(L));
    rep->seed = kou_sim_seed(sim);
    lua_getfield(L, LUA_REGISTRYINDEX, KOU_LSIM_RESOURCES);
    luaL_checktype(L, -1, LUA_TTABLE);
    sampler s = {.list = lua_gettop(L), .nres = (size_t)lua_rawlen(L, -1), .step = step};
    lua_getfield(L, LUA_REGISTRYINDEX, KOU_LSIM_FACILITIES);
    luaL_checktype(L, -1, LUA_TTABLE);
    s.facs = lua_gettop(L);
    s.nfac = (size_t)lua_rawlen(L, -1);
    rep->layout.nres = s.nres;
    rep->res_ts = s.ts = koui_calloc(s.nres + 1, sizeof *s.ts);
    start_facilities(L, &s, rep);
    run_sampled(L, sim, until, &s, &rep->stopped);
    size_t n = (size_t)lua_rawlen(L, s.list); /* resources made while it ran have no series */
    if (n > s.nres) {
        rep->res_ts = koui_realloc(rep->res_ts, (n + 1) * sizeof *rep->res_ts);
        memset(rep->res_ts + s.nres, 0, (n + 1 - s.nres) * sizeof *rep->res_ts);
        rep->layout.nres = n;
    }
    rep->end_time = kou_sim_now(sim);
    rep->events = kou_sim_events_fired(sim);
    collect_resources(L, s.list, rep);
    collect_facilities(L, s.facs, rep);
    lua_pop(L, 3);
    kou_lmonitor_collect(L, rep->end_time, rep);
    rep->output = printed(L);
}
