/*
** lmonitor.c — monitor{} (lmonitor.h). A monitor is a full userdata
** ("kouan.Monitor") holding its statistics and its series; user value 1
** is its name. The series' arrays come from the state's allocator, so the
** sandbox counts them, and __gc gives them back. Every function is a
** closure whose upvalue 1 is the API's now(), so a monitor's time is
** whatever simulation the process API runs.
*/
#include "lua/lmonitor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/base.h"
#include "kernel/stats.h"

#define MONITOR_META "kouan.Monitor"
#define MONITORS "kouan.monitors" /* registry: the monitors in creation order */

typedef struct lmon {
    kou_prun_kind kind;
    kou_tally tally;
    kou_timeavg avg;
    uint64_t changes;
    double *t, *v; /* the series, n points of cap */
    size_t n, cap;
    lua_Alloc alloc;
    void *aud;
} lmon;

static double now(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_call(L, 0, 1);
    double t = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return t;
}

static lmon *checkmon(lua_State *L)
{
    return luaL_checkudata(L, 1, MONITOR_META);
}

static const char *mon_name(lua_State *L, int idx)
{
    lua_getiuservalue(L, idx, 1);
    const char *s = lua_tostring(L, -1); /* the user value anchors it */
    lua_pop(L, 1);
    return s;
}

/* Grows an array of the series through the state's allocator. */
static double *grow(lua_State *L, lmon *m, double *p, size_t cap)
{
    size_t osize = p ? m->cap * sizeof *p : 0;
    double *q = m->alloc(m->aud, p, osize, cap * sizeof *q);
    if (q == NULL)
        luaL_error(L, "monitor '%s': no memory left for its time series of %I points (--max-memory)",
                   mon_name(L, 1), (lua_Integer)m->n);
    return q;
}

static void add_point(lua_State *L, lmon *m, double t, double v)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        double *nt = grow(L, m, m->t, cap);
        m->t = nt;
        double *nv = grow(L, m, m->v, cap);
        m->v = nv;
        m->cap = cap;
    }
    m->t[m->n] = t;
    m->v[m->n] = v;
    m->n++;
}

static int m_gc(lua_State *L)
{
    lmon *m = lua_touserdata(L, 1);
    if (m->t)
        m->alloc(m->aud, m->t, m->cap * sizeof *m->t, 0);
    if (m->v)
        m->alloc(m->aud, m->v, m->cap * sizeof *m->v, 0);
    m->t = m->v = NULL;
    m->n = m->cap = 0;
    return 0;
}

/* monitor{"name" [, kind = "tally"|"level"]} (also name = "..."). */
static int l_monitor(lua_State *L)
{
    luaL_argexpected(L, lua_type(L, 1) == LUA_TTABLE, 1, "table: monitor{\"name\" [, kind = \"tally\"|\"level\"]}");
    lua_settop(L, 1);
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        bool good = (lua_type(L, -1) == LUA_TNUMBER && lua_tointeger(L, -1) == 1) ||
                    (lua_type(L, -1) == LUA_TSTRING &&
                     (strcmp(lua_tostring(L, -1), "kind") == 0 || strcmp(lua_tostring(L, -1), "name") == 0));
        if (!good)
            return luaL_error(L, "monitor: unknown field '%s' (known: [1] or name, kind)", luaL_tolstring(L, -1, NULL));
    }
    if (lua_rawgeti(L, 1, 1) == LUA_TNIL) {
        lua_pop(L, 1);
        lua_getfield(L, 1, "name");
    }
    if (lua_type(L, 2) != LUA_TSTRING || lua_rawlen(L, 2) == 0)
        return luaL_error(L, "monitor: give its name first, a non-empty string: monitor{\"name\" [, kind = ...]}");
    const char *name = lua_tostring(L, 2);
    kou_prun_kind kind = KOU_PRUN_TALLY;
    if (lua_getfield(L, 1, "kind") != LUA_TNIL) {
        int k = lua_type(L, 3) == LUA_TSTRING ? kou_prun_kind_find(lua_tostring(L, 3)) : -1;
        if (k < 0)
            return luaL_error(L, "monitor '%s': kind must be \"tally\" or \"level\" (got %s)", name,
                              luaL_tolstring(L, 3, NULL));
        kind = (kou_prun_kind)k;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, MONITORS); /* t name kind list */
    lua_Integer n = (lua_Integer)lua_rawlen(L, 4);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 4, i);
        if (strcmp(mon_name(L, -1), name) == 0)
            return luaL_error(L, "monitor '%s' already exists", name);
        lua_pop(L, 1);
    }
    double t0 = now(L);
    lmon *m = lua_newuserdatauv(L, sizeof *m, 1); /* t name kind list m */
    memset(m, 0, sizeof *m);
    m->kind = kind;
    m->alloc = lua_getallocf(L, &m->aud);
    kou_tally_init(&m->tally);
    kou_timeavg_init(&m->avg, t0, 0.0);
    luaL_setmetatable(L, MONITOR_META);
    lua_pushvalue(L, 2);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_rawseti(L, 4, n + 1);
    if (kind == KOU_PRUN_LEVEL)
        add_point(L, m, t0, 0.0);
    return 1;
}

static lmon *checkkind(lua_State *L, kou_prun_kind want, const char *method)
{
    lmon *m = checkmon(L);
    if (m->kind != want)
        luaL_error(L, "monitor '%s' is a %s: m:%s is for a %s monitor (%s)", mon_name(L, 1),
                   kou_prun_kind_name(m->kind), method, kou_prun_kind_name(want),
                   m->kind == KOU_PRUN_TALLY ? "a tally takes m:record(x)"
                                             : "a level takes m:set(v) and m:add(dx)");
    return m;
}

static double checkvalue(lua_State *L, const char *method)
{
    double x = luaL_checknumber(L, 2);
    if (!isfinite(x))
        luaL_error(L, "monitor '%s': m:%s needs a finite number (got %f)", mon_name(L, 1), method, x);
    return x;
}

static int m_record(lua_State *L)
{
    lmon *m = checkkind(L, KOU_PRUN_TALLY, "record");
    double x = checkvalue(L, "record");
    add_point(L, m, now(L), x);
    kou_tally_add(&m->tally, x);
    return 0;
}

static void set_level(lua_State *L, lmon *m, double v)
{
    double t = now(L);
    if (t < m->avg.since) /* a monitor made at a port scenario's top level, used in a later replication */
        luaL_error(L, "monitor '%s': the clock went back from %f to %f h: a level monitor follows one "
                   "simulation (in a port scenario, m:reset() at the start of each replication)", mon_name(L, 1), m->avg.since,
                   t);
    add_point(L, m, t, v);
    kou_timeavg_set(&m->avg, t, v);
    m->changes++;
}

static int m_set(lua_State *L)
{
    lmon *m = checkkind(L, KOU_PRUN_LEVEL, "set");
    set_level(L, m, checkvalue(L, "set"));
    return 0;
}

static int m_add(lua_State *L)
{
    lmon *m = checkkind(L, KOU_PRUN_LEVEL, "add");
    set_level(L, m, m->avg.level + checkvalue(L, "add"));
    return 0;
}

/* The statistics at time t into s[KOU_PRUN_MON_COLS]. */
static void stats_at(const lmon *m, double t, double *s)
{
    if (m->kind == KOU_PRUN_TALLY) {
        s[KOU_PRUN_MON_N] = (double)m->tally.n;
        s[KOU_PRUN_MON_MEAN] = kou_tally_mean(&m->tally);
        s[KOU_PRUN_MON_SD] = kou_tally_sd(&m->tally);
        s[KOU_PRUN_MON_MIN] = m->tally.min;
        s[KOU_PRUN_MON_MAX] = m->tally.max;
        return;
    }
    if (t < m->avg.since) /* asked from another simulation (a port scenario's next replication) */
        t = m->avg.since;
    s[KOU_PRUN_MON_N] = (double)m->changes;
    s[KOU_PRUN_MON_MEAN] = kou_timeavg_mean(&m->avg, t);
    s[KOU_PRUN_MON_SD] = sqrt(kou_timeavg_variance(&m->avg, t));
    s[KOU_PRUN_MON_MIN] = m->avg.min;
    s[KOU_PRUN_MON_MAX] = m->avg.max;
}

static int m_stats(lua_State *L)
{
    lmon *m = checkmon(L);
    double s[KOU_PRUN_MON_COLS];
    stats_at(m, now(L), s);
    lua_createtable(L, 0, 8);
    lua_pushstring(L, mon_name(L, 1));
    lua_setfield(L, -2, "name");
    lua_pushstring(L, kou_prun_kind_name(m->kind));
    lua_setfield(L, -2, "kind");
    lua_pushinteger(L, (lua_Integer)s[KOU_PRUN_MON_N]);
    lua_setfield(L, -2, "n");
    for (int c = KOU_PRUN_MON_MEAN; c < KOU_PRUN_MON_COLS; c++) {
        lua_pushnumber(L, s[c]);
        lua_setfield(L, -2, kou_prun_mon_col_name(c));
    }
    if (m->kind == KOU_PRUN_LEVEL) {
        lua_pushnumber(L, m->avg.level);
        lua_setfield(L, -2, "level");
    }
    return 1;
}

static int m_reset(lua_State *L)
{
    lmon *m = checkmon(L);
    double t = now(L);
    kou_tally_init(&m->tally);
    if (t < m->avg.since) /* another simulation (a port scenario's next replication): start it there */
        kou_timeavg_init(&m->avg, t, m->avg.level);
    else
        kou_timeavg_reset(&m->avg, t);
    m->avg.min = m->avg.max = m->avg.level; /* the window's extremes start at the level kept */
    m->changes = 0;
    return 0;
}

static int m_name(lua_State *L)
{
    checkmon(L);
    lua_pushstring(L, mon_name(L, 1));
    return 1;
}

static int m_kind(lua_State *L)
{
    lua_pushstring(L, kou_prun_kind_name(checkmon(L)->kind));
    return 1;
}

static int m_level(lua_State *L)
{
    lmon *m = checkkind(L, KOU_PRUN_LEVEL, "level");
    lua_pushnumber(L, m->avg.level);
    return 1;
}

static int m_tostring(lua_State *L)
{
    lmon *m = checkmon(L);
    lua_pushfstring(L, "monitor '%s' (%s, %I points)", mon_name(L, 1), kou_prun_kind_name(m->kind),
                    (lua_Integer)m->n);
    return 1;
}

void kou_lmonitor_open(lua_State *L)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, MONITORS);
    lua_pushglobaltable(L);                                    /* G */
    lua_getfield(L, -1, "kouan");                              /* G kouan */
    lua_getfield(L, -1, "now");                                /* G kouan now */
    luaL_checktype(L, -1, LUA_TFUNCTION);
    int nowidx = lua_gettop(L);
    luaL_newmetatable(L, MONITOR_META);                        /* G kouan now mt */
    lua_pushvalue(L, nowidx);
    lua_pushcclosure(L, m_tostring, 1);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, m_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushliteral(L, "kouan object");
    lua_setfield(L, -2, "__metatable");
    static const luaL_Reg meth[] = {{"record", m_record}, {"set", m_set},     {"add", m_add},
                                    {"stats", m_stats},   {"reset", m_reset}, {"name", m_name},
                                    {"kind", m_kind},     {"level", m_level}, {NULL, NULL}};
    lua_newtable(L);
    lua_pushvalue(L, nowidx);
    luaL_setfuncs(L, meth, 1);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);                                             /* G kouan now */
    lua_pushcclosure(L, l_monitor, 1);                         /* G kouan monitor */
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "monitor");
    lua_pushliteral(L, "monitor");
    lua_insert(L, -2);
    lua_rawset(L, -4);                                         /* G.monitor, past the strict check */
    lua_pop(L, 2);
}

static double *copy_doubles(const double *x, size_t n)
{
    double *c = koui_malloc((n ? n : 1) * sizeof *c);
    if (n)
        memcpy(c, x, n * sizeof *x);
    return c;
}

void kou_lmonitor_collect(lua_State *L, double now_h, kou_prun_rep *rep)
{
    lua_getfield(L, LUA_REGISTRYINDEX, MONITORS);
    int list = lua_gettop(L);
    size_t n = (size_t)lua_rawlen(L, list);
    kou_prun_layout *l = &rep->layout;
    l->nmon = n;
    l->mon_names = koui_calloc(n + 1, sizeof *l->mon_names);
    l->mon_kinds = koui_calloc(n + 1, sizeof *l->mon_kinds);
    rep->mon = koui_calloc(n * KOU_PRUN_MON_COLS + 1, sizeof *rep->mon);
    rep->mon_ts = koui_calloc(n + 1, sizeof *rep->mon_ts);
    for (size_t j = 0; j < n; j++) {
        lua_rawgeti(L, list, (lua_Integer)j + 1);
        const lmon *m = lua_touserdata(L, -1);
        l->mon_names[j] = koui_strdup(mon_name(L, -1));
        l->mon_kinds[j] = m->kind;
        lua_pop(L, 1);
        stats_at(m, now_h, rep->mon + j * KOU_PRUN_MON_COLS);
        kou_prun_series *s = &rep->mon_ts[j];
        s->n = s->cap = m->n;
        s->t = copy_doubles(m->t, m->n);
        s->v[0] = copy_doubles(m->v, m->n);
    }
    lua_pop(L, 1);
}
