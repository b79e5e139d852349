/*
** fuzz_scenario.c — fuzz target: the scenario loader. The input is a
** scenario file; it goes the way `kouan run FILE --dump` takes it: the
** sandboxed host (lua/host.h) with the process API (lua/lsim.h) and the
** scenario library (lua/scenario.h), the file loaded as text and run at
** the top level, then, for a port scenario, the era applied, the table
** checked and converted, and every other era checked. Processes are not
** run (a process that waits 0 hours forever never lets a simulation end;
** that is --max-seconds' job, tested in tests/lua).
**
** The limits are smaller than kouan's defaults (16 MiB, 1e6 instructions
** a slice), so that a runaway input costs milliseconds. Any error is
** fine; a crash, a sanitizer report, a leak or a hang is a finding.
*/
#include <stdio.h>

#include <lauxlib.h>
#include <lua.h>

#include "fuzz.h"
#include "lua/host.h"
#include "lua/lsim.h"
#include "lua/scenario.h"

static int load_and_build(lua_State *L)
{
    const char *path = lua_touserdata(L, 1);
    lua_settop(L, 0);
    kou_lsim_open(L);
    kou_scenario_open(L);
    kou_host_loadfile(L, path);
    kou_host_call(L, 0, 1);
    if (!kou_scenario_is(L, -1))
        return 0;
    lua_pushvalue(L, -1);             /* s s */
    kou_scenario_select_era(L, NULL); /* s s-with-era */
    kou_scenario_info info;
    kou_scenario_build(L, -1, &info); /* s s2 arena */
    kou_scenario_check_eras(L, -3, info.era);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[700];
    snprintf(path, sizeof path, "%s", kou_fuzz_file("scenario.lua", data, size));
    kou_host_config cfg;
    kou_host_config_default(&cfg);
    cfg.max_memory = (size_t)16 << 20;
    cfg.max_instructions = 1000000;
    char err[256];
    kou_host *h = kou_host_new(&cfg, err, sizeof err);
    if (h == NULL)
        return 0;
    lua_State *L = kou_host_state(h);
    lua_pushcfunction(L, kou_host_msghandler);
    lua_pushcfunction(L, load_and_build);
    lua_pushlightuserdata(L, path);
    if (lua_pcall(L, 1, 0, -3) != LUA_OK)
        lua_pop(L, 1); /* the error: expected for most inputs */
    kou_host_free(h);
    return 0;
}
