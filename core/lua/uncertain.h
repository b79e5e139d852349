/*
** uncertain.h — uncertain{...}: a value a scenario does not know, written
** as a prior (exp/prior.h) where a number would go:
**
**   advance_share = uncertain{0.05, 0.15, name = "advance_2017",
**                             source = "domain.md row 10, estimate"}
**   uncertain{0.2, 0.5, mode = 0.3}                        -- triangular
**   uncertain{0.2, 0.5, mode = 0.3, shape = "pert"}
**   uncertain{10, 1000, shape = "loguniform"}
**   uncertain{2, 6, shape = "normal", mean = 4, sd = 1}    -- truncated to 2..6
**
** It returns a number: the prior's central value (its median), or the
** value given under its name — `--set NAME=V`, a draw of `--uncertainty`,
** a step of `kouan calibrate` — through the host's parameters
** (kou_host_take_param), refused when outside the range. A prior without
** a name is named after where it is written ("ports.lua:93").
**
** This module owns the list of the priors a load met, one per name, in
** the order first met: a name met again must describe the same prior
** (the same call site reached once per port, say), else the load fails
** naming both places. The list lives in the Lua state (a userdata in its
** registry) and goes with it. Errors are Lua errors with the caller's
** FILE:LINE.
*/
#ifndef KOUAN_LUA_UNCERTAIN_H
#define KOUAN_LUA_UNCERTAIN_H

#include <stddef.h>

#include <lua.h>

#include "exp/prior.h"

/* Installs the global uncertain() and an empty list. */
void kou_uncertain_open(lua_State *L);

/* The priors met so far (NULL when none); valid until the next load
** adds one, or the state closes. */
const kou_prior *kou_uncertain_priors(lua_State *L, size_t *n);

#endif
