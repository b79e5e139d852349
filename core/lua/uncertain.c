/*
** uncertain.c — uncertain{...} and the list of priors (uncertain.h).
*/
#include "lua/uncertain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/base.h"
#include "lua/fields.h"
#include "lua/host.h"

#define LIST_KEY "kouan.priors"

typedef struct prior_list {
    kou_prior *v;
    size_t n, cap;
} prior_list;

static int list_gc(lua_State *L)
{
    prior_list *pl = lua_touserdata(L, 1);
    free(pl->v);
    pl->v = NULL;
    pl->n = pl->cap = 0;
    return 0;
}

static prior_list *the_list(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LIST_KEY);
    prior_list *pl = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return pl;
}

static const char *const allowed[] = {"mode", "shape", "mean", "sd", "name", "source", NULL};

static void copy_text(lua_State *L, int t, const char *key, char *dst, size_t len)
{
    int ty = lua_getfield(L, t, key);
    if (ty != LUA_TNIL && ty != LUA_TSTRING)
        luaL_error(L, "uncertain: field '%s' must be a string (got %s)", key, luaL_typename(L, -1));
    if (ty == LUA_TSTRING) {
        size_t n;
        const char *s = lua_tolstring(L, -1, &n);
        if (n >= len)
            luaL_error(L, "uncertain: field '%s' is longer than %d bytes", key, (int)len - 1);
        memcpy(dst, s, n + 1);
    }
    lua_pop(L, 1);
}

static double bound(lua_State *L, int t, lua_Integer i, const char *what)
{
    int ty = lua_geti(L, t, i);
    if (ty != LUA_TNUMBER)
        luaL_error(L, "uncertain: the %s (field %d) must be a number (got %s); write uncertain{LO, HI, ...}",
                   what, (int)i, luaL_typename(L, -1));
    double v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

static void check_fields(lua_State *L)
{
    size_t n = koui_count_names(allowed);
    koui_key_check kc = koui_find_bad_key(L, 1, allowed, n, 2);
    if (kc == KOUI_KEYS_OK)
        return;
    if (kc == KOUI_KEY_NOT_NAMED)
        luaL_error(L, "uncertain: only LO and HI are positional (got field %s)", lua_tostring(L, -1));
    const char *k = lua_tostring(L, -1), *near = koui_nearest_name(k, allowed, n);
    char list[256];
    if (near)
        luaL_error(L, "uncertain: unknown field '%s' (did you mean '%s'?)", k, near);
    luaL_error(L, "uncertain: unknown field '%s' (known: %s)", k, koui_keys_text(allowed, n, list, sizeof list));
}

/* The shape: as named, else triangular with a mode, normal with a mean, uniform. */
static kou_prior_shape read_shape(lua_State *L, const kou_prior *p)
{
    int ty = lua_getfield(L, 1, "shape");
    int s = ty == LUA_TNIL ? (!isnan(p->mode) ? KOU_PRIOR_TRIANGULAR : !isnan(p->mean) ? KOU_PRIOR_NORMAL
                                                                                      : KOU_PRIOR_UNIFORM)
          : ty == LUA_TSTRING ? kou_prior_shape_find(lua_tostring(L, -1)) : -2;
    if (s < 0)
        luaL_error(L, "uncertain: shape must be uniform, triangular, pert, loguniform or normal (got %s)",
                   ty == LUA_TSTRING ? lua_tostring(L, -1) : luaL_typename(L, -1));
    lua_pop(L, 1);
    return (kou_prior_shape)s;
}

/* The prior written in the table at 1, checked, its name and place filled in. */
static kou_prior read_prior(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    check_fields(L);
    kou_prior p = {.lo = bound(L, 1, 1, "low end"), .hi = bound(L, 1, 2, "high end")};
    p.mode = koui_option_number(L, 1, "uncertain", "mode", false);
    p.mean = koui_option_number(L, 1, "uncertain", "mean", false);
    p.sd = koui_option_number(L, 1, "uncertain", "sd", false);
    p.shape = read_shape(L, &p);
    bool wants_mode = p.shape == KOU_PRIOR_TRIANGULAR || p.shape == KOU_PRIOR_PERT;
    if (wants_mode != !isnan(p.mode))
        luaL_error(L, wants_mode ? "uncertain: %s needs mode = M" : "uncertain: %s takes no mode",
                   kou_prior_shape_name(p.shape));
    bool is_normal = p.shape == KOU_PRIOR_NORMAL;
    if (is_normal ? isnan(p.mean) || isnan(p.sd) : !(isnan(p.mean) && isnan(p.sd)))
        luaL_error(L, is_normal ? "uncertain: normal needs mean = M and sd = S"
                  : "uncertain: %s takes no mean or sd",
                   kou_prior_shape_name(p.shape));
    char err[KOU_PRIOR_SOURCE_LEN];
    if (!kou_prior_check(&p, err, sizeof err))
        luaL_error(L, "uncertain: %s", err);
    copy_text(L, 1, "source", p.source, sizeof p.source);
    luaL_where(L, 1);
    const char *where = lua_tostring(L, -1);
    const char *base = strrchr(where, '/');
    snprintf(p.where, sizeof p.where, "%s", base ? base + 1 : where);
    lua_pop(L, 1);
    size_t wl = strlen(p.where);
    while (wl > 0 && (p.where[wl - 1] == ':' || p.where[wl - 1] == ' '))
        p.where[--wl] = '\0'; /* luaL_where's "file:line: " */
    copy_text(L, 1, "name", p.name, sizeof p.name);
    if (p.name[0] == '\0')
        snprintf(p.name, sizeof p.name, "%s", p.where[0] ? p.where : "uncertain");
    return p;
}

/* Adds p to the list, or checks it against the prior of its name. */
static void remember(lua_State *L, const kou_prior *p)
{
    prior_list *pl = the_list(L);
    for (size_t i = 0; i < pl->n; i++) {
        if (strcmp(pl->v[i].name, p->name) != 0)
            continue;
        if (!kou_prior_same(&pl->v[i], p)) {
            char a[128], b[128];
            kou_prior_describe(&pl->v[i], a, sizeof a);
            kou_prior_describe(p, b, sizeof b);
            if (strcmp(p->name, p->where) == 0) /* both unnamed, on one line */
                luaL_error(L, "uncertain: two different priors without a name at %s (%s, %s): give each "
                           "name = \"...\"", p->where, a, b);
            luaL_error(L, "uncertain: '%s' is %s here but %s at %s: one name, one prior", p->name, b, a,
                       pl->v[i].where);
        }
        return;
    }
    if (pl->n == pl->cap) {
        pl->cap = pl->cap ? 2 * pl->cap : 8;
        pl->v = koui_realloc(pl->v, pl->cap * sizeof *pl->v);
    }
    pl->v[pl->n++] = *p;
}

/* uncertain{lo, hi, ...}: the central value, or the one given by name. */
static int l_uncertain(lua_State *L)
{
    kou_prior p = read_prior(L);
    const char *given = kou_host_take_param(kou_host_from_lua(L), p.name);
    if (given == NULL) {
        p.used = kou_prior_central(&p);
        remember(L, &p);
        lua_pushnumber(L, p.used);
        return 1;
    }
    char range[160];
    kou_prior_describe(&p, range, sizeof range);
    if (lua_stringtonumber(L, given) == 0)
        return kou_host_usage_error(L, "--set %s=%s: '%s' is uncertain (%s): give a number", p.name, given,
                                    p.name, range);
    double v = lua_tonumber(L, -1);
    if (!(v >= p.lo && v <= p.hi))
        return kou_host_usage_error(L, "--set %s=%s: outside the range of '%s' (%s)", p.name, given, p.name,
                                    range);
    p.used = v;
    remember(L, &p);
    lua_pushnumber(L, v);
    return 1;
}

void kou_uncertain_open(lua_State *L)
{
    prior_list *pl = lua_newuserdatauv(L, sizeof *pl, 0);
    memset(pl, 0, sizeof *pl);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, list_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, LIST_KEY);
    lua_pushcfunction(L, l_uncertain);
    lua_setglobal(L, "uncertain");
}

const kou_prior *kou_uncertain_priors(lua_State *L, size_t *n)
{
    prior_list *pl = the_list(L);
    *n = pl ? pl->n : 0;
    return pl && pl->n ? pl->v : NULL;
}
