/*
** lrun.c — one replication of a process-style scenario (lrun.h).
**
** The resources are the process API's list (registry "kouan.resources",
** lsim.c, in creation order); they are read through their own methods
** (queue_length, busy, stats), so whatever res:stats() reports becomes a
** column without this file knowing it.
*/
#include "lua/lrun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/base.h"
#include "kernel/sim.h"
#include "lua/host.h"
#include "lua/lmonitor.h"
#include "lua/lsim.h"

#define LSIM_RESOURCES "kouan.resources"
#define PRINTED "kouan.lrun.printed" /* the lines print wrote, when captured */

/* The columns first, in this order, when res:stats() has them; any other
** number it gives follows in name order. */
static const char *const first_cols[] = {"capacity", "utilisation", "mean_queue", "mean_wait", "served", NULL};

typedef struct sampler {
    int list;          /* stack index of the resources */
    size_t nres;
    double step;
    uint64_t k;        /* the next sample is at k * step */
    uint64_t fired;    /* events fired at the last sample */
    bool any;
    kou_prun_series *ts;
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

/* Samples every resource at each grid time before 'before' (or at or
** before, when inclusive). */
static void sample_to(lua_State *L, kou_sim *sim, sampler *s, double before, bool inclusive)
{
    for (;;) {
        double t = (double)s->k * s->step;
        if (!(t < before || (inclusive && t == before)))
            return;
        uint64_t fired = kou_sim_events_fired(sim);
        for (size_t i = 0; i < s->nres; i++) {
            kou_prun_series *ts = &s->ts[i];
            if (s->any && fired == s->fired) { /* nothing happened: the last levels */
                kou_prun_series_add(ts, 2, t, ts->v[0][ts->n - 1], ts->v[1][ts->n - 1]);
                continue;
            }
            double q = call_method(L, s->list, i, "queue_length"), b = call_method(L, s->list, i, "busy");
            kou_prun_series_add(ts, 2, t, q, b);
        }
        s->any = s->nres > 0;
        s->fired = fired;
        s->k++;
    }
}

/* Steps the simulation event by event while the next one is before
** until, sampling in between; the rest is kou_lsim_run's. */
static void run_sampled(lua_State *L, kou_sim *sim, double until, sampler *s)
{
    for (;;) {
        if (kou_lsim_failed(L))
            break;
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

/* The column names from resource 1's stats table (on top): first_cols
** present, then the other numbers in name order. */
static void take_columns(lua_State *L, kou_prun_layout *l)
{
    size_t n = 0, cap = 8;
    char **c = koui_calloc(cap, sizeof *c);
    for (const char *const *f = first_cols; *f; f++) {
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
    l->cols = c;
    l->ncols = n;
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
        lua_getfield(L, -1, "name");
        l->res_names[i] = koui_strdup(lua_isstring(L, -1) ? lua_tostring(L, -1) : "");
        lua_pop(L, 1);
        if (i == 0) {
            take_columns(L, l);
            rep->res = koui_calloc(n * l->ncols + 1, sizeof *rep->res);
        }
        for (size_t c = 0; c < l->ncols; c++) {
            int ty = lua_getfield(L, -1, l->cols[c]);
            rep->res[i * l->ncols + c] = ty == LUA_TNUMBER ? lua_tonumber(L, -1) : NAN;
            lua_pop(L, 1);
        }
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
    lua_getfield(L, LUA_REGISTRYINDEX, LSIM_RESOURCES);
    luaL_checktype(L, -1, LUA_TTABLE);
    sampler s = {.list = lua_gettop(L), .nres = (size_t)lua_rawlen(L, -1), .step = step};
    rep->layout.nres = s.nres;
    rep->res_ts = s.ts = koui_calloc(s.nres + 1, sizeof *s.ts);
    run_sampled(L, sim, until, &s);
    size_t n = (size_t)lua_rawlen(L, s.list); /* resources made while it ran have no series */
    if (n > s.nres) {
        rep->res_ts = koui_realloc(rep->res_ts, (n + 1) * sizeof *rep->res_ts);
        memset(rep->res_ts + s.nres, 0, (n + 1 - s.nres) * sizeof *rep->res_ts);
        rep->layout.nres = n;
    }
    rep->end_time = kou_sim_now(sim);
    rep->events = kou_sim_events_fired(sim);
    collect_resources(L, s.list, rep);
    lua_pop(L, 1);
    kou_lmonitor_collect(L, rep->end_time, rep);
    rep->output = printed(L);
}
