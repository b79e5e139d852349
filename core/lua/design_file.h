/*
** design_file.h — the design file of `kouan sweep` (docs/sweep.md): the
** table a design file returns (sweep{...}, scripts/kouan/sweep.lua), read
** into a kou_sweep_spec (exp/design.h). Every key is checked: an unknown
** one is refused naming the nearest valid key (koui_nearest_name), a
** wrong type or range says what is allowed. Used by lua/portset.c, which
** loads the design file in its host; commands see only portset.h.
*/
#ifndef KOUAN_LUA_DESIGN_FILE_H
#define KOUAN_LUA_DESIGN_FILE_H

#include <lua.h>

#include "exp/design.h"

/* Reads the design table at idx into spec. Its strings (scenario, era,
** factor paths) belong to the table: keep it alive (anchored) while spec
** is used. Raises a usage report (lua/host.h) on any mistake. */
void kou_design_file_read(lua_State *L, int idx, kou_sweep_spec *spec);

#endif
