/*
** lrun.h — one replication of a process-style scenario (lua/lsim.h) inside
** its own Lua state, for `kouan run --reps`: the state's simulation run to
** the horizon with every resource's queue length and busy servers, every
** container's level and store's size (with their waiting puts and gets)
** sampled on a fixed grid, then the results copied into plain data
** (exp/prun.h): each resource's, container's and store's statistics
** (every number its stats() gives, as named columns), the monitors'
** (lua/lmonitor.h), the series.
**
** Sampling. The series of a resource, container or store is the state
** at t = 0, step, 2 step, ...: the levels after every event at or before
** that time, found between events (kou_sim_next_time) without adding any
** event to the simulation, so the run, its event count and its results are the
** ones kou_lsim_run alone gives. A fixed grid rather than every change: a
** change-driven series grows with the number of customers (four changes
** each: 4e6 rows for 1e6 customers, per replication), a grid with the
** simulated time only (--sample-hours chooses), and the statistics (time
** averages, waits) are exact anyway, computed by the kernel over every
** change.
**
** One thread: the state's; the caller runs one replication per state.
*/
#ifndef KOUAN_LUA_LRUN_H
#define KOUAN_LUA_LRUN_H

#include <lua.h>

#include "exp/prun.h"

/* Runs the host's simulation until 'until' (+infinity: until no event is
** pending) as kou_lsim_run does (at_end included), sampling every step
** hours, and fills rep (seed, end time, events, layout, statistics,
** series). Raises a process's error as kou_lsim_run does. A stop request
** (exp/replicate.h) ends it between two events, with rep->stopped set.
** Call from protected code. */
void kou_lrun_replication(lua_State *L, double until, double step, kou_prun_rep *rep);
/* Makes print() keep its lines for rep->output instead of writing them to
** stdout (replications on worker threads print in replication order,
** whatever -j). Call before the scenario runs, in protected code. */
void kou_lrun_capture_print(lua_State *L);

#endif
