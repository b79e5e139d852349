/*
** cal_file.h — the calibration file of `kouan calibrate`
** (docs/calibration.md): the table a calibration file returns
** (calibration{...}, scripts/kouan/calibrate.lua), read into a
** kou_cal_spec (exp/calibrate.h). Every key is checked: an unknown one is
** refused naming the nearest valid key (koui_nearest_name), a wrong type
** or range says what is allowed, an unknown KPI metric or direction names
** the nearest known one. Whether the scenario reads each free name, and
** whether each target's group exists, is checked when the scenario is
** loaded (lua/portset.c, cmd/calibrate.c). Used by lua/portset.c.
*/
#ifndef KOUAN_LUA_CAL_FILE_H
#define KOUAN_LUA_CAL_FILE_H

#include <lua.h>

#include "exp/calibrate.h"

/* Reads the calibration table at idx into spec. Its strings belong to the
** table: keep it anchored while spec is used. Raises a usage report
** (lua/host.h) on any mistake. */
void kou_cal_file_read(lua_State *L, int idx, kou_cal_spec *spec);

#endif
