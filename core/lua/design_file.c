/*
** design_file.c — reading a sweep design table (design_file.h).
*/
#include "lua/design_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/base.h"
#include "lua/fields.h"
#include "lua/host.h"

static const char *const design_keys[] = {"scenario", "era", "reps", "seed", "method", "points",
                                          "factors", "kpi"};
static const char *const factor_keys[] = {"path", "values", "min", "max", "base", "levels", "integer"};
#define NKEYS(a) (sizeof a / sizeof *a)


/* The keys of the table at idx: each one of the n in keys. */
static void check_keys(lua_State *L, int idx, const char *const *keys, size_t n, const char *where)
{
    koui_fields f = koui_fields_usage_reader(L, where);
    koui_fields_check_keys(&f, idx, keys, n, 0);
}

/* t.key as a finite number (dflt when absent; *given says which). */
static double get_number(lua_State *L, int t, const char *key, double dflt, bool *given, const char *where)
{
    static const kou_param_range any = {-INFINITY, INFINITY, false, false};
    koui_fields f = koui_fields_usage_reader(L, where);
    int ty = lua_getfield(L, t, key);
    lua_pop(L, 1);
    if (given)
        *given = ty != LUA_TNIL;
    return koui_fields_number(&f, t, key, &any, dflt);
}

static bool whole_in(double v, double lo, double hi)
{
    return v >= lo && v <= hi && v == floor(v);
}

/* scenario, era, reps, seed, method and points. */
static void read_settings(lua_State *L, int t, kou_sweep_spec *s)
{
    if (lua_getfield(L, t, "scenario") != LUA_TSTRING)
        kou_host_usage_error(L, "sweep.scenario must be the path of a port scenario");
    s->scenario = lua_tostring(L, -1);
    lua_pop(L, 1); /* anchored by the table */
    int ty = lua_getfield(L, t, "era");
    if (ty == LUA_TNUMBER) { /* era = 2017: the string "2017", kept in the table */
        lua_tostring(L, -1);
        lua_pushvalue(L, -1);
        lua_setfield(L, t, "era");
        ty = LUA_TSTRING;
    }
    s->era = ty == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (ty != LUA_TNIL && ty != LUA_TSTRING)
        kou_host_usage_error(L, "sweep.era must be a string");
    lua_pop(L, 1);
    double reps = get_number(L, t, "reps", 1, NULL, "sweep");
    double seed = get_number(L, t, "seed", 1, NULL, "sweep");
    bool pts_given;
    double pts = get_number(L, t, "points", 0, &pts_given, "sweep");
    if (!whole_in(reps, 1, 1e6))
        kou_host_usage_error(L, "sweep.reps must be a whole number >= 1");
    if (!whole_in(seed, 0, 9e15))
        kou_host_usage_error(L, "sweep.seed must be a whole number >= 0");
    s->reps = (uint64_t)reps;
    s->design.seed = (uint64_t)seed;
    if (lua_getfield(L, t, "method") != LUA_TSTRING)
        kou_host_usage_error(L, "sweep.method must be one of factorial, oat, lhs, sobol, saltelli");
    const char *method = lua_tostring(L, -1);
    int m = kou_design_method_find(method);
    if (m < 0)
        kou_host_usage_error(L, "sweep.method '%s': unknown (known: factorial, oat, lhs, sobol, saltelli)", method);
    s->design.method = (kou_design_method)m;
    bool sampled = m == KOU_DESIGN_LHS || m == KOU_DESIGN_SOBOL || m == KOU_DESIGN_SALTELLI;
    if (sampled && !(pts_given && whole_in(pts, 1, 1e7)))
        kou_host_usage_error(L, "sweep.points: method '%s' needs a whole number of points >= 1", method);
    lua_pop(L, 1);
    s->design.points = (uint64_t)pts;
}

/* values = {...}: the levels given, numbers or booleans (true 1, false 0:
** a boolean parameter's factor; not both kinds in one list). */
static void read_levels(lua_State *L, kou_factor *f, const char *where)
{
    size_t n = lua_rawlen(L, -1);
    if (n == 0 || n > KOU_DESIGN_MAX_LEVELS)
        kou_host_usage_error(L, "%s.values: 1 to %d numbers, or false and true", where, KOU_DESIGN_MAX_LEVELS);
    for (size_t k = 0; k < n; k++) {
        int ty = lua_rawgeti(L, -1, (lua_Integer)k + 1);
        if (ty != LUA_TNUMBER && ty != LUA_TBOOLEAN)
            kou_host_usage_error(L, "%s.values[%d] must be a number or a boolean (got %s)", where, (int)k + 1,
                                 luaL_typename(L, -1));
        if (k > 0 && (ty == LUA_TBOOLEAN) != f->boolean)
            kou_host_usage_error(L, "%s.values: all numbers or all booleans (values[%d] is a %s, values[1] "
                                 "a %s)", where, (int)k + 1, luaL_typename(L, -1),
                                 f->boolean ? "boolean" : "number");
        f->boolean = ty == LUA_TBOOLEAN;
        f->levels[k] = f->boolean ? (double)lua_toboolean(L, -1) : lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    f->nlevels = n;
}

/* base = ...: a number, or a boolean for a factor of booleans. */
static void read_base(lua_State *L, int fi, kou_factor *f, const char *where)
{
    if (lua_getfield(L, fi, "base") == LUA_TBOOLEAN) {
        if (!f->boolean)
            kou_host_usage_error(L, "%s.base is a boolean: give values = {false, true} too", where);
        f->base = lua_toboolean(L, -1);
        f->base_given = true;
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    f->base = get_number(L, fi, "base", 0, &f->base_given, where);
}

/* min = ..., max = ... [, levels = n]: a range. */
static void read_range(lua_State *L, int fi, kou_factor *f, const char *where)
{
    bool gmin, gmax;
    f->min = get_number(L, fi, "min", 0, &gmin, where);
    f->max = get_number(L, fi, "max", 0, &gmax, where);
    if (!gmin || !gmax || !(f->min < f->max) || !isfinite(f->min) || !isfinite(f->max))
        kou_host_usage_error(L, "%s: give values = {...}, or min < max", where);
    f->continuous = true;
    double lv = get_number(L, fi, "levels", 3, NULL, where);
    if (!whole_in(lv, 2, KOU_DESIGN_MAX_LEVELS))
        kou_host_usage_error(L, "%s.levels must be a whole number in [2, %d]", where, KOU_DESIGN_MAX_LEVELS);
    f->nlevels = (size_t)lv;
}

/* The factor table at fi. */
static void read_factor(lua_State *L, int fi, kou_factor *f, const char *where)
{
    check_keys(L, fi, factor_keys, NKEYS(factor_keys), where);
    if (lua_getfield(L, fi, "path") != LUA_TSTRING)
        kou_host_usage_error(L, "%s.path must be a string (a --set path)", where);
    f->path = lua_tostring(L, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, fi, "values") == LUA_TTABLE)
        read_levels(L, f, where);
    else if (!lua_isnil(L, -1))
        kou_host_usage_error(L, "%s.values must be a list of numbers or booleans", where);
    else
        read_range(L, fi, f, where);
    lua_pop(L, 1);
    if (lua_getfield(L, fi, "integer") == LUA_TBOOLEAN) {
        f->integer = lua_toboolean(L, -1);
        f->integer_given = true;
    }
    lua_pop(L, 1);
    read_base(L, fi, f, where);
}

static void read_factors(lua_State *L, int t, kou_design_spec *d)
{
    if (lua_getfield(L, t, "factors") != LUA_TTABLE || lua_rawlen(L, -1) == 0)
        kou_host_usage_error(L, "sweep.factors must be a list of {path = ..., values = {...}} or "
                             "{path = ..., min = ..., max = ...}");
    int ft = lua_gettop(L);
    size_t nf = lua_rawlen(L, ft);
    if (nf > KOU_DESIGN_MAX_FACTORS)
        kou_host_usage_error(L, "sweep.factors: at most %d factors", KOU_DESIGN_MAX_FACTORS);
    if (d->method == KOU_DESIGN_SOBOL && nf > KOU_DESIGN_SOBOL_DIMENSIONS)
        kou_host_usage_error(L, "sweep.factors: GSL's Sobol sequence has at most %d dimensions",
                             KOU_DESIGN_SOBOL_DIMENSIONS);
    if (d->method == KOU_DESIGN_SALTELLI && nf > KOU_DESIGN_SALTELLI_FACTORS)
        kou_host_usage_error(L, "sweep.factors: a Saltelli design draws A and B from one Sobol sequence of 2k "
                             "dimensions: at most %d factors", KOU_DESIGN_SALTELLI_FACTORS);
    d->nfactors = nf;
    for (size_t i = 0; i < nf; i++) {
        char where[48];
        snprintf(where, sizeof where, "sweep.factors[%zu]", i + 1);
        if (lua_rawgeti(L, ft, (lua_Integer)i + 1) != LUA_TTABLE)
            kou_host_usage_error(L, "%s must be a table", where);
        memset(&d->factors[i], 0, sizeof d->factors[i]);
        read_factor(L, lua_gettop(L), &d->factors[i], where);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* kpi = {"overall_mean", ...}, or every metric. */
static void read_kpi(lua_State *L, int t, kou_sweep_spec *s)
{
    s->nmetrics = 0;
    if (lua_getfield(L, t, "kpi") == LUA_TTABLE) {
        size_t n = lua_rawlen(L, -1);
        for (size_t k = 0; k < n; k++) {
            lua_rawgeti(L, -1, (lua_Integer)k + 1);
            const char *name = lua_tostring(L, -1);
            int m = 0;
            while (m < KOU_KPI_METRIC_COUNT && (!name || strcmp(name, kou_kpi_metric_name((kou_kpi_metric)m)) != 0))
                m++;
            if (m == KOU_KPI_METRIC_COUNT)
                kou_host_usage_error(L, "sweep.kpi[%d]: unknown metric '%s' (known: count, overall_mean, "
                                     "overall_median, overall_p90, ... as in docs/hdf5-schema.md)",
                                     (int)k + 1, name ? name : "?");
            if (s->nmetrics < KOU_KPI_METRIC_COUNT)
                s->metrics[s->nmetrics++] = (kou_kpi_metric)m;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, -1)) {
        kou_host_usage_error(L, "sweep.kpi must be a list of metric names");
    }
    lua_pop(L, 1);
    if (s->nmetrics == 0) {
        for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++)
            s->metrics[m] = (kou_kpi_metric)m;
        s->nmetrics = KOU_KPI_METRIC_COUNT;
    }
}

void kou_design_file_read(lua_State *L, int idx, kou_sweep_spec *spec)
{
    int t = lua_absindex(L, idx);
    check_keys(L, t, design_keys, NKEYS(design_keys), "sweep");
    read_settings(L, t, spec);
    read_factors(L, t, &spec->design);
    read_kpi(L, t, spec);
}
