/*
** lmonitor.h — user monitors of the process API: monitor{"name" [, kind =
** "tally"|"level"]} (also kouan.monitor), whose statistics and time series
** go into a process-style run's file (exp/prun.h, io/h5process.h).
**
**   tally: m:record(x)            -- an observation (a time in system, ...)
**   level: m:set(v), m:add(dx)    -- a level that holds between changes
**                                    (stock, people inside); time-weighted
**   m:stats() -> {name, kind, n, mean, sd, min, max [, level]}
**     tally: n records, their mean, sample sd, min, max;
**     level: n changes, the time-averaged mean and sd over [creation or
**     last reset, now], the min and max the level took; level = now's.
**   m:reset()   -- statistics start afresh now (warm-up); the series stays
**   m:name(), m:kind(), m:level()
**
** Each monitor keeps the time series of its records (tally: (t, x) per
** record) or changes (level: (t, level) at creation and at every change),
** in memory counted against the sandbox's limit (lua/host.h): a series
** that outgrows it stops the run with "monitor 'NAME': ... memory". The
** time is the simulation's: what now() returns (the host's simulation, or
** the running replication's in a port scenario). Misuse (record on a
** level, set on a tally, an unknown kind, a name used twice) is an error
** at the caller's FILE:LINE. Monitors belong to their Lua state: one
** thread.
*/
#ifndef KOUAN_LUA_LMONITOR_H
#define KOUAN_LUA_LMONITOR_H

#include <lua.h>

#include "exp/prun.h"

/* Installs monitor{} in the host's state; call after now() is installed
** (from kou_lsim_open). */
void kou_lmonitor_open(lua_State *L);
/* Copies every monitor's name, kind, statistics at time now_h (the end of
** the run) and series into rep (layout.mon_names, mon_kinds, nmon; mon;
** mon_ts), in creation order. */
void kou_lmonitor_collect(lua_State *L, double now_h, kou_prun_rep *rep);

#endif
