/*
** scenario.h — port scenarios as the commands see them: scenario{} and
** s:with{} (scripts/kouan/scenario.lua, loaded by kou_scenario_open),
** picking an era, --set PATH=VALUE, and the build of a scenario table into
** a checked kou_model_config (model/model.h).
**
** This module owns the scenario library's handle, the --set paths given
** (so that a mistake a --set introduced is reported as a usage error, exit
** 2), and the order of a build: conversion (lua/convert.h, driven by the
** parameter table, model/params.h), then kou_model_validate; every era but
** the chosen one is built the same way so that a mistake in any era shows
** up whichever runs. `import` and the tree root are lua/import.h's; the
** checks of keys and values lua/fields.h's.
**
** Errors are raised as host reports (host.h): "FILE:LINE: PATH: message"
** for the scenario's own mistakes (exit 1), and usage reports for a bad
** --era or --set (exit 2). The configuration and every array it points to
** live in an arena owned by a userdata on the Lua stack, so a Lua error
** (a longjmp) anywhere leaks nothing.
*/
#ifndef KOUAN_LUA_SCENARIO_H
#define KOUAN_LUA_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include <lua.h>

#include "model/model.h"

/* Installs import() and scenario() in the host's state and loads the
** scenario library. Call from protected code, before the scenario runs. */
void kou_scenario_open(lua_State *L);

/* Whether the value at idx was made by scenario{} (or :with{}). */
bool kou_scenario_is(lua_State *L, int idx);

/* Replaces the scenario at the top of the stack by a copy with the era
** applied: era (from --era) or, when NULL, the scenario's own `era` field
** (none: the table as it is). An unknown --era is a usage error that lists
** the known eras. */
void kou_scenario_select_era(lua_State *L, const char *era);

/* Sets PATH=VALUE in the scenario at the top of the stack (after the era).
** The path is remembered so that a key it introduces that the schema does
** not know is reported as a --set error. A path through a missing list
** entry is a usage error naming the nearest entry. */
void kou_scenario_set(lua_State *L, const char *path, const char *value);

typedef struct kou_scenario_info {
    const char *name;   /* scenario name ("" if none); valid while the arena lives */
    const char *era;    /* chosen era, or NULL */
    int32_t start_date; /* YYYYMMDD of hour 0 */
} kou_scenario_info;

/* Checks the scenario at idx against the schema, converts it, and runs
** kou_model_validate. Pushes the arena userdata that owns the returned
** configuration (keep it on the stack while the configuration is used).
** Raises a report on any error. */
const kou_model_config *kou_scenario_build(lua_State *L, int idx, kou_scenario_info *info);

/* Checks every era of the (era-less) scenario at idx but the chosen one
** the same way, so that a mistake in an era shows up whichever era runs.
** Messages start with "era 'E': ". */
void kou_scenario_check_eras(lua_State *L, int idx, const char *chosen);

/* The tree root used for imports (lua/import.h): $KOUAN_ROOT, else the
** source tree the build was configured from. */
const char *kou_scenario_root(void);

/* Internal (lua/convert.c): whether path, or a path it is a prefix of,
** was given with --set; pushes "--set P=V" then, else pushes nothing. */
bool koui_scenario_push_set_origin(lua_State *L, const char *path);

#endif
