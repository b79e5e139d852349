/*
** scenario.c — scenario{}, eras, --set, and the build of a scenario's
** configuration (see scenario.h; the format: docs/scenario-format.md).
*/
#include "lua/scenario.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/base.h"
#include "lua/convert.h"
#include "lua/host.h"
#include "lua/import.h"

#define LIB_KEY "kouan.scenario.lib"  /* scenario.lua's module table */
#define SETS_KEY "kouan.sets"         /* --set path -> value text */

const char *kou_scenario_root(void)
{
    return koui_import_root();
}

static int l_no_library(lua_State *L)
{
    return luaL_error(L, "scenario: the scenario library '%s' is missing (set KOUAN_ROOT to the "
                      "kouan tree, the folder that holds scripts/kouan/)",
                      lua_tostring(L, lua_upvalueindex(1)));
}

void kou_scenario_open(lua_State *L)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SETS_KEY);
    koui_import_open(L);                                /* import */
    /* without the library, process-style scenarios still run: only
    ** scenario{} then fails, saying where the library was looked for */
    lua_pushfstring(L, "%s/scripts/kouan/scenario.lua", kou_scenario_root());
    if (!koui_file_exists(lua_tostring(L, -1))) {
        lua_pushcclosure(L, l_no_library, 1);
        lua_setglobal(L, "scenario");
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "scenario");
    lua_call(L, 1, 1);                                  /* lib */
    if (!lua_istable(L, -1) || lua_getfield(L, -1, "scenario") != LUA_TFUNCTION)
        luaL_error(L, "scripts/kouan/scenario.lua did not return the scenario library");
    lua_setglobal(L, "scenario");
    lua_setfield(L, LUA_REGISTRYINDEX, LIB_KEY);
}

/* Pushes lib[fname]. */
static void push_lib(lua_State *L, const char *fname)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LIB_KEY);
    lua_getfield(L, -1, fname);
    lua_remove(L, -2);
}

bool kou_scenario_is(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, LUA_REGISTRYINDEX, LIB_KEY) != LUA_TTABLE) { /* no library */
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);
    push_lib(L, "is_scenario");
    lua_pushvalue(L, idx);
    lua_call(L, 1, 1);
    bool yes = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return yes;
}

/* ---- eras and --set ---- */

void kou_scenario_select_era(lua_State *L, const char *era)
{
    push_lib(L, "select_era");
    lua_pushvalue(L, -2);
    if (era)
        lua_pushstring(L, era);
    else
        lua_pushnil(L);
    lua_pushboolean(L, era != NULL);
    lua_call(L, 3, 2);                 /* s s2|nil era|msg */
    if (lua_isnil(L, -2)) {
        const char *msg = lua_tostring(L, -1);
        if (era)
            kou_host_usage_error(L, "%s", msg);
        koui_import_push_where(L, "era", NULL);
        lua_pushfstring(L, "%s%s", lua_tostring(L, -1), msg);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    lua_pop(L, 1);
    lua_replace(L, -2);
}

/* After lib.set failed (s nil msg badkey names on the top): raises the
** usage error, with the entry nearest badkey among names when there is
** one; else the entries badkey begins ("CGO" for "CGO import" and "CGO
** export", the shortened name a user types first); else every entry. */
static void set_failed(lua_State *L, const char *path, const char *value)
{
    const char *cands[256];
    size_t n = 0;
    if (lua_isstring(L, -2) && lua_istable(L, -1)) {
        lua_Integer m = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= m && n < 256; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_type(L, -1) == LUA_TSTRING)
                cands[n++] = lua_tostring(L, -1); /* anchored by the names table */
            lua_pop(L, 1);
        }
    }
    const char *bad = n ? lua_tostring(L, -2) : "";
    const char *near = n ? koui_nearest_name(bad, cands, n) : NULL;
    if (near)
        kou_host_usage_error(L, "--set %s=%s: %s (did you mean '%s'?)", path, value, lua_tostring(L, -3), near);
    char hint[600] = "";
    size_t at = 0, blen = strlen(bad), nprefix = 0;
    for (int pass = 0; pass < 2 && n > 0 && hint[0] == '\0'; pass++)
        for (size_t i = 0; i < n; i++) {
            if (pass == 0 && (blen == 0 || strncmp(cands[i], bad, blen) != 0))
                continue;
            int w = snprintf(hint + at, sizeof hint - at, "%s'%s'", at ? ", " : (pass ? "known: " : "did you mean "),
                             cands[i]);
            if (w < 0 || at + (size_t)w >= sizeof hint)
                break;
            at += (size_t)w;
            nprefix += pass == 0;
        }
    if (nprefix > 0)
        snprintf(hint + at, sizeof hint - at, "?");
    if (hint[0])
        kou_host_usage_error(L, "--set %s=%s: %s (%s)", path, value, lua_tostring(L, -3), hint);
    kou_host_usage_error(L, "--set %s=%s: %s", path, value, lua_tostring(L, -3));
}

void kou_scenario_set(lua_State *L, const char *path, const char *value)
{
    push_lib(L, "set");
    lua_pushvalue(L, -2);
    lua_pushstring(L, path);
    lua_pushstring(L, value);
    lua_call(L, 3, 4);                 /* s ok|nil msg badkey names */
    if (lua_isnil(L, -4))
        set_failed(L, path, value);
    lua_pop(L, 4);
    lua_getfield(L, LUA_REGISTRYINDEX, SETS_KEY);
    lua_pushstring(L, value);
    lua_setfield(L, -2, path);
    lua_pop(L, 1);
}

/* Is path, or a path it is a prefix of, a --set? Pushes "--set P=V" then. */
bool koui_scenario_push_set_origin(lua_State *L, const char *path)
{
    lua_getfield(L, LUA_REGISTRYINDEX, SETS_KEY);
    lua_pushnil(L);
    size_t plen = strlen(path);
    while (lua_next(L, -2)) {
        const char *k = lua_tostring(L, -2);
        if (k && strncmp(k, path, plen) == 0 && (k[plen] == '\0' || k[plen] == '.')) {
            lua_pushfstring(L, "--set %s=%s", k, lua_tostring(L, -1)); /* sets k v text */
            lua_replace(L, -4);                                         /* text k v */
            lua_pop(L, 2);
            return true;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return false;
}

static const kou_model_config *build(lua_State *L, int idx, kou_scenario_info *info, const char *note)
{
    const kou_model_config *cfg = koui_convert(L, idx, info, note); /* ... arena */
    char err[512];
    if (kou_model_validate(cfg, err, sizeof err) != KOU_OK) {
        lua_pushfstring(L, "%s: %s%s", kou_host_script(kou_host_from_lua(L)), note, err);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    return cfg;
}

const kou_model_config *kou_scenario_build(lua_State *L, int idx, kou_scenario_info *info)
{
    return build(L, idx, info, "");
}

void kou_scenario_check_eras(lua_State *L, int idx, const char *chosen)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, idx, "eras") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    /* the era names, sorted, so the first error is the same on every run */
    lua_newtable(L); /* eras names */
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, -3, ++n);
        }
    }
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_remove(L, -2);
    lua_pushvalue(L, -2);
    lua_call(L, 1, 0); /* numbers and strings mixed: an error, raised as such */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        const char *era = lua_pushstring(L, lua_tostring(L, -1)); /* eras names key name */
        if (chosen == NULL || strcmp(era, chosen) != 0) {
            lua_pushvalue(L, idx);
            kou_scenario_select_era(L, era);
            kou_scenario_info info;
            char note[128];
            snprintf(note, sizeof note, "era '%s': ", era);
            build(L, -1, &info, note); /* ... s2 arena */
            lua_pop(L, 2);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 2);
}
