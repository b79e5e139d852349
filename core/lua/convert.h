/*
** convert.h — the conversion of a port scenario table into a
** kou_model_config, driven by the parameter table (model/params.h).
**
** This module owns:
**  - the walk over a scenario table: the top level, ports, resources
**    (the map), stage resources, flows, goods, distributions and per-class
**    tables. Each scope's keys, defaults, ranges and kinds come from the
**    parameter table: the conversion of a value follows from its entry,
**    and only structure and cross-field rules are code here;
**  - the conversion state (koui_conv): a path-style reader (lua/fields.h)
**    whose mistakes are raised as "FILE:LINE: PATH ..." reports (the line
**    where the key is written, lua/import.h), or as usage errors when the
**    offending path came from --set (lua/scenario.h);
**  - the arena: the configuration and every array it points to live in
**    one arena owned by a userdata on the Lua stack, so that a Lua error
**    (a longjmp) anywhere in the conversion leaks nothing: the garbage
**    collector, or lua_close, frees it.
**
** Times, days and dates (opening hours, holidays, timetables, rates) are
** converted by lua/timeconv.h, on the same state.
*/
#ifndef KOUAN_LUA_CONVERT_H
#define KOUAN_LUA_CONVERT_H

#include <stddef.h>

#include <lua.h>

#include "lua/fields.h"
#include "lua/scenario.h"
#include "model/model.h"

typedef struct koui_arena koui_arena;

typedef struct koui_conv {
    koui_fields f;        /* first: the reader (its path, fail and alloc are the conversion's) */
    koui_arena *A;
    const char *entry;    /* name of the innermost named entry (positions of missing keys) */
    const char *note;     /* "era 'X': " when checking an era not chosen, else "" */
    kou_mode port_mode;   /* of the port being converted: its flows' default */
    const char **rnames;  /* its resources, in name order (stage resources) */
    size_t nres;
} koui_conv;

/* n bytes of zeroed memory in the conversion's arena. */
void *koui_conv_alloc(koui_conv *c, size_t n);

/* Checks the scenario table at idx against the parameter table and
** converts it; pushes the arena that owns the configuration returned
** (keep it on the stack while the configuration is used). note prefixes
** every message ("era 'E': " or ""). Does not run kou_model_validate. */
kou_model_config *koui_convert(lua_State *L, int idx, kou_scenario_info *info, const char *note);

/* The opening hours of a process-style resource{} at t (its fields
** capacity, hours, holidays and workdays, written as a port resource's,
** lua/timeconv.h) into rs, named name. Pushes the arena that owns rs's
** arrays. Mistakes raise with the scenario's FILE:LINE. */
void koui_convert_hours(lua_State *L, int t, const char *name, kou_resource_spec *rs);

#endif
