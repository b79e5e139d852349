/*
** scenario.h — port scenarios: `import`, and the path from the Lua table a
** scenario file returns to a kou_model_config (model/model.h).
**
** This module owns:
**  - import "NAME" (a library module, scripts/kouan/NAME.lua) and
**    import "DIR/FILE.lua" (another scenario file): text only, run in the
**    same sandbox, each file once per run (cached by its canonical path;
**    a cycle, or an import of the scenario being run, is an error).
**    The source text of every imported file is kept, so that an error can
**    name the line where a misspelt key is written.
**  - where the library lives: the tree root is $KOUAN_ROOT when set, else
**    the source root meson configured the build with (KOUAN_SOURCE_ROOT in
**    the generated kouan_paths.h); modules are ROOT/scripts/kouan/NAME.lua.
**    A FILE.lua import is looked up next to the importing file first, then
**    under ROOT ("scenarios/cgo_air.lua").
**  - scenario{} and s:with{} (scripts/kouan/scenario.lua, loaded by
**    kou_scenario_open), picking an era, --set PATH=VALUE.
**  - the schema check and conversion: every key of the table is checked
**    (`processes`, a list of functions, is checked but not converted: the
**    functions run as processes in each replication, lua/lsim.h)
**    (unknown key: the nearest valid one; wrong type or range: what is
**    allowed), then converted. The configuration and every array it points
**    to live in one arena owned by a userdata on the Lua stack, so a Lua
**    error (a longjmp) anywhere in the conversion leaks nothing: the
**    garbage collector, or lua_close, frees the arena.
**
** Errors are raised as host reports (host.h): "FILE:LINE: PATH: message"
** for the scenario's own mistakes (exit 1), and usage reports for a bad
** --era or --set (exit 2).
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

/* The tree root used for imports (see above). */
const char *kou_scenario_root(void);

#endif
