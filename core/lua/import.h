/*
** import.h — `import`, the kouan tree root, and where in the scenario's
** files a key is written.
**
** This module owns:
**  - import "NAME" (a library module, ROOT/scripts/kouan/NAME.lua) and
**    import "DIR/FILE.lua" (another scenario file, looked up next to the
**    importing file first, then under ROOT): text only, run in the same
**    sandbox as one slice of it (host.h), each file once per run (cached
**    by its canonical path; a cycle, or an import of the scenario being
**    run, is an error);
**  - the tree root: $KOUAN_ROOT when set, else the source root meson
**    configured the build with (KOUAN_SOURCE_ROOT in the generated
**    kouan_paths.h);
**  - the source text of every imported file, kept so that an error can
**    name the line where a key is written (koui_import_push_where).
**
** State lives in the Lua registry (created by koui_import_open): nothing
** to free. Errors are Lua errors.
*/
#ifndef KOUAN_LUA_IMPORT_H
#define KOUAN_LUA_IMPORT_H

#include <stdbool.h>

#include <lua.h>

/* Creates the registry tables and the global import(), and pushes import. */
void koui_import_open(lua_State *L);

/* The tree root (see above). */
const char *koui_import_root(void);

/* Whether the file can be opened for reading. */
bool koui_file_exists(const char *path);
/* Pushes the text of the file; false (nothing pushed) if it cannot be read. */
bool koui_push_file_text(lua_State *L, const char *path);

/* Pushes "FILE:LINE: " for the first line where "key = " is written
** (preferring one whose value starts with valtext), searching the scenario
** file, then every imported file in import order; "FILE: " (the scenario
** file) when no line matches or key is NULL. */
void koui_import_push_where(lua_State *L, const char *key, const char *valtext);

#endif
