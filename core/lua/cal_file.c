/*
** cal_file.c — reading a calibration table (cal_file.h).
*/
#include "lua/cal_file.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/base.h"
#include "lua/fields.h"
#include "lua/host.h"
#include "model/params.h"

static const char *const cal_keys[] = {"scenario", "era", "reps", "seed", "until_hours", "max_evals", "profile",
                                       "free", "targets"};
static const char *const free_keys[] = {"name", "min", "max", "start"};
static const char *const target_keys[] = {"kpi", "group", "direction", "mode", "value", "tolerance", "weight",
                                          "source"};
#define NKEYS(a) (sizeof a / sizeof *a)


static void check_keys(lua_State *L, int idx, const char *const *keys, size_t n, const char *where)
{
    koui_fields f = koui_fields_usage_reader(L, where);
    koui_fields_check_keys(&f, idx, keys, n, 0);
}

/* t.key as a number in r (dflt when absent; *given says which). */
static double number(lua_State *L, int t, const char *key, const kou_param_range *r, double dflt, bool *given,
                     const char *where)
{
    koui_fields f = koui_fields_usage_reader(L, where);
    int ty = lua_getfield(L, t, key);
    lua_pop(L, 1);
    if (given)
        *given = ty != LUA_TNIL;
    return koui_fields_number(&f, t, key, r, dflt);
}

/* t.key as a string anchored by the table, or NULL when absent (required: an error). */
static const char *text(lua_State *L, int t, const char *key, bool required, const char *where)
{
    int ty = lua_getfield(L, t, key);
    if (ty == LUA_TNUMBER) { /* era = 2017: the string "2017", kept in the table */
        lua_tostring(L, -1);
        lua_pushvalue(L, -1);
        lua_setfield(L, t, key);
        ty = LUA_TSTRING;
    }
    if (ty == LUA_TNIL && !required) {
        lua_pop(L, 1);
        return NULL;
    }
    if (ty != LUA_TSTRING)
        kou_host_usage_error(L, "%s.%s must be a string%s", where, key, required ? " (required)" : "");
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);
    return s;
}

static void read_settings(lua_State *L, int t, kou_cal_spec *s)
{
    static const kou_param_range reps = {1, 1e6, false, true}, seed = {0, 9e15, false, true},
                                 until = {0, INFINITY, true, false}, evals = {1, 1e6, false, true};
    s->scenario = text(L, t, "scenario", true, "calibration");
    s->era = text(L, t, "era", false, "calibration");
    s->reps = (uint64_t)number(L, t, "reps", &reps, 5, NULL, "calibration");
    s->seed = (uint64_t)number(L, t, "seed", &seed, 1, NULL, "calibration");
    s->until = number(L, t, "until_hours", &until, 0, NULL, "calibration");
    s->max_evals = (uint64_t)number(L, t, "max_evals", &evals, 100, NULL, "calibration");
    koui_fields f = koui_fields_usage_reader(L, "calibration");
    s->profile = koui_fields_bool(&f, t, "profile", true);
}

static void read_free(lua_State *L, int fi, kou_cal_param *q, const char *where)
{
    static const kou_param_range any = {-INFINITY, INFINITY, false, false};
    check_keys(L, fi, free_keys, NKEYS(free_keys), where);
    q->name = text(L, fi, "name", true, where);
    bool gmin, gmax, gstart;
    q->min = number(L, fi, "min", &any, 0, &gmin, where);
    q->max = number(L, fi, "max", &any, 0, &gmax, where);
    if (!gmin || !gmax)
        kou_host_usage_error(L, "%s ('%s'): give min and max (the bounds of the search)", where, q->name);
    if (!(q->min < q->max)) {
        char msg[200]; /* lua_pushfstring has no %g */
        snprintf(msg, sizeof msg, "%s ('%s'): min %g must be below max %g", where, q->name, q->min, q->max);
        kou_host_usage_error(L, "%s", msg);
    }
    q->start = number(L, fi, "start", &any, (q->min + q->max) / 2, &gstart, where);
    if (!(q->start > q->min && q->start < q->max)) {
        char msg[200];
        snprintf(msg, sizeof msg, "%s ('%s'): start %g must be strictly inside (%g, %g)", where, q->name,
                 q->start, q->min, q->max);
        kou_host_usage_error(L, "%s", msg);
    }
}

/* A list field of the top table: its index (pushed), and its length in 1..max. */
static size_t list_of(lua_State *L, int t, const char *key, size_t max, const char *shape)
{
    if (lua_getfield(L, t, key) != LUA_TTABLE || lua_rawlen(L, -1) == 0)
        kou_host_usage_error(L, "calibration.%s must be a list of %s", key, shape);
    size_t n = lua_rawlen(L, -1);
    if (n > max)
        kou_host_usage_error(L, "calibration.%s: at most %d", key, (int)max);
    return n;
}

static void read_frees(lua_State *L, int t, kou_cal_spec *s)
{
    s->nfree = list_of(L, t, "free", KOU_CAL_MAX_PARAMS, "{name = ..., min = ..., max = ... [, start = ...]}");
    int ft = lua_gettop(L);
    for (size_t i = 0; i < s->nfree; i++) {
        char where[48];
        snprintf(where, sizeof where, "calibration.free[%zu]", i + 1);
        if (lua_rawgeti(L, ft, (lua_Integer)i + 1) != LUA_TTABLE)
            kou_host_usage_error(L, "%s must be a table", where);
        read_free(L, lua_gettop(L), &s->free[i], where);
        for (size_t k = 0; k < i; k++)
            if (strcmp(s->free[k].name, s->free[i].name) == 0)
                kou_host_usage_error(L, "%s: '%s' is already free[%d]", where, s->free[i].name, (int)k + 1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

/* kpi = "overall_mean": a metric of model/kpi.h, or the nearest one named. */
static kou_kpi_metric read_metric(lua_State *L, int ti, const char *where)
{
    const char *name = text(L, ti, "kpi", true, where), *names[KOU_KPI_METRIC_COUNT];
    for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++) {
        names[m] = kou_kpi_metric_name((kou_kpi_metric)m);
        if (strcmp(name, names[m]) == 0)
            return (kou_kpi_metric)m;
    }
    const char *near = koui_nearest_name(name, names, KOU_KPI_METRIC_COUNT);
    if (near)
        kou_host_usage_error(L, "%s.kpi: unknown metric '%s' (did you mean '%s'?)", where, name, near);
    kou_host_usage_error(L, "%s.kpi: unknown metric '%s' (known: count, overall_mean, overall_median, "
                         "overall_p90, overall_p95, prep_mean, customs_mean, ... as in docs/hdf5-schema.md)",
                         where, name);
    return KOU_KPI_COUNT;
}

static void read_target(lua_State *L, int ti, kou_cal_target *g, const char *where)
{
    static const kou_param_range any = {-INFINITY, INFINITY, false, false}, pos = {0, INFINITY, true, false};
    check_keys(L, ti, target_keys, NKEYS(target_keys), where);
    g->metric = read_metric(L, ti, where);
    const char *group = text(L, ti, "group", false, where);
    g->group = group == NULL || strcmp(group, "all") == 0 || strcmp(group, "all ports") == 0 ? NULL : group;
    koui_fields f = koui_fields_usage_reader(L, where);
    g->direction = koui_fields_choice(&f, ti, "direction", kou_direction_names, KOU_DIRECTION_COUNT, 0, true);
    g->mode = koui_fields_choice(&f, ti, "mode", kou_mode_names, KOU_MODE_COUNT, -1, false);
    bool given;
    g->value = number(L, ti, "value", &any, 0, &given, where);
    if (!given || g->value == 0)
        kou_host_usage_error(L, "%s.value: the published value, a nonzero number (the residual is relative)",
                             where);
    g->tolerance = number(L, ti, "tolerance", &pos, 0.01, NULL, where);
    g->weight = number(L, ti, "weight", &pos, 1, NULL, where);
    g->source = text(L, ti, "source", true, where);
}

static void read_targets(lua_State *L, int t, kou_cal_spec *s)
{
    s->ntargets = list_of(L, t, "targets", KOU_CAL_MAX_TARGETS,
                          "{kpi = ..., group = ..., direction = ..., value = ..., source = ...}");
    int tt = lua_gettop(L);
    for (size_t i = 0; i < s->ntargets; i++) {
        char where[48];
        snprintf(where, sizeof where, "calibration.targets[%zu]", i + 1);
        if (lua_rawgeti(L, tt, (lua_Integer)i + 1) != LUA_TTABLE)
            kou_host_usage_error(L, "%s must be a table", where);
        read_target(L, lua_gettop(L), &s->targets[i], where);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
}

void kou_cal_file_read(lua_State *L, int idx, kou_cal_spec *spec)
{
    int t = lua_absindex(L, idx);
    memset(spec, 0, sizeof *spec);
    check_keys(L, t, cal_keys, NKEYS(cal_keys), "calibration");
    read_settings(L, t, spec);
    read_frees(L, t, spec);
    read_targets(L, t, spec);
}
