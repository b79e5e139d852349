/*
** lsim.h — the process-style scenario API: Lua bindings for the kernel's
** resources, RNG streams and distributions, and processes written as Lua
** coroutines that wait for simulated time (hold) and for servers
** (request/release).
**
** Objects are userdata with metatables, as liolib.c does: "kouan.Resource",
** "kouan.Stream", "kouan.Dist", "kouan.Process", "kouan.Event",
** "kouan.Container", "kouan.Store". A method called on the
** wrong object gets Lua's "bad argument #1 ... (kouan.Resource expected,
** got ...)". The kernel objects behind them belong to the host's
** simulation; the userdata only point at them.
**
** Processes. process(fn, ...) makes a coroutine (taken from a pool of
** finished ones when it can: creating one is most of what a short process
** costs) and schedules its start at the current time. The coroutine runs
** until it waits: hold, request, wait and the waits of containers and
** stores record what the process waits for and yield; the C side (the
** resumer, run from a kernel event) then starts the wait: an event after
** dt, a kou_resource_request whose grant resumes the process (at once when
** the server is free, else through an event at the grant time), or a place
** among an event's waiters. (A request that finds a server free, with
** nobody waiting and no calendar, is granted inside request() itself: the
** same grant at the same point, without the yield.) No yield crosses a C call, and resumes never
** nest. Each wait has a number: a wake-up meant for an older wait (a
** timeout that lost the race, say) is ignored. A process is anchored in the
** registry while it lives and unanchored when its function returns, so the
** garbage collector takes it. A process that ends while holding a server,
** an error inside a process, an interrupt it does not catch, or a process
** resumed by hand with coroutine.resume stops the run with a report whose
** traceback comes from the process's own stack. Each thread's
** LUA_EXTRASPACE holds its process (NULL for every other thread), which is
** how hold() knows it is called from a process.
**
** Events. event(), timeout(dt [, v]), any_of{...}, all_of{...} and every
** process are events: pending, then triggered (with a value), then
** processed (its waiters woken, in the order they began to wait, through
** one kernel event at the trigger time; an event nobody waits for is
** processed at once). wait(ev) returns the value; wait(ev, t) returns
** true and the value, or false after t hours. A process's value is its
** function's first result.
**
** Interrupts. p:interrupt(cause) queues an interrupt, delivered at once
** (before the other events of that instant) when p waits, else at its next
** wait. The wait is withdrawn (a request leaves the line and counts as
** reneged) and raises an error value of kouan.Interrupt: a table with
** cause, by (the interrupting process) and, for a hold, remaining (hours
** left). pcall catches it; is_interrupt(e) tells it from other errors.
**
** Preemption. resource{preemptive = true} serves by priority, and a
** request of higher priority takes the server of the holder of lowest
** priority (kernel/resource.h). The holder no longer holds it (release is
** refused) and its current wait raises an interrupt with cause
** "preempted", usage_since, by and resource. use(res, dt) is request,
** hold and release in Lua over these functions, asking again for the time
** left after each preemption (preempt-resume).
**
** Containers and stores (kernel/container.h, kernel/store.h) belong to
** the host's simulation, made when the scenario loads. A put or get yields
** like a request: the resumer calls the kernel, which completes it at once
** or later from another process's put or get (then the process resumes
** through an event), and a timeout withdraws it. The kernel keeps a store's
** items as handles; their Lua values stay in a table of the store's user
** value until a get hands them over. A filter store asks the get's Lua
** filter from inside the kernel's put or get: on the main thread, in
** protected mode, with the store locked against use; an error makes the
** get accept nothing more and fails its process through an event, so it
** never unwinds through the kernel.
**
** Scenario environment (globals, also fields of the kouan table):
**   resource{name=, capacity=, discipline="fifo"|"priority"}
**   stream(name)                         -- find or create an RNG stream
**   exponential(mean [, stream]), erlang{k=, mean=}, gamma{shape=, scale=},
**   lognormal{mean=, cv=} or {mu=, sigma=}, weibull{shape=, scale=},
**   triangular{min=, mode=, max=}, uniform(a, b [, stream]),
**   normal{mean=, sd= [, lo=, hi=]} (lo defaults to 0: draws are times),
**   deterministic(v), bernoulli(p), discrete{values=, weights=}; tables
**   also take stream=; the default stream is "default".
**   dist:sample([stream]), dist:mean().
**   process(fn, ...) -> p, hold(dt), now(), at_end(fn)
**   request(res [, prio]) or request(res, {priority=, timeout=}) -> granted
**   release(res)
**   event() -> ev, ev:succeed([v]), timeout(dt [, v]), any_of{...},
**   all_of{...}, wait(ev [, t]), ev:triggered(), ev:processed(), ev:value()
**   p:join([t]), p:interrupt([cause]), p:alive(), is_interrupt(e)
**   resource{..., preemptive = true}, use(res, dt [, {priority=}]) -> end time
**   container{name=, capacity=, init=, integer=}: c:put(x [, {timeout=}]),
**   c:get(x [, {timeout=}]) -> done, c:level(), c:stats()
**   store{name=, capacity=, kind="fifo"|"priority"|"filter"}:
**   s:put(item [, {priority=, timeout=}]) -> done,
**   s:get([filter] [, {timeout=}]) -> item or nil, s:size(), s:stats()
**   port_resource(port, name)            -- see below
**
** kou_lsim_run(until): events at exactly 'until' do not run (as SimPy's
** run(until=T)); the clock then reads 'until'.
**
** Processes in a port scenario. A port scenario lists functions in
** processes = {...}; kouan starts each as a process in every replication
** of the model (kou_lsim_begin_run from the model's sim_ready observer),
** in that replication's simulation, which the model owns. hold, request,
** release, now and process then work on that simulation; port_resource
** returns a kouan.Resource handle for one of the port's resources, valid
** during that replication only (a handle kept past it raises a clear
** error when used: it carries the replication's number, and the kernel
** object is never touched again). A process may request only resources of
** its own simulation. At the end of the replication (kou_lsim_end_run)
** processes still waiting are discarded: unanchored, so that the garbage
** collector takes them; their events and requests went with the model's
** simulation. Random numbers drawn during a replication come from that
** replication's simulation: stream(name), and a distribution's stream,
** are its stream "lua.NAME" (seeded from the replication's seed and the
** name, apart from the model's streams), also for a stream or
** distribution made at the top level; one made during a replication is
** valid in that replication only (as port_resource handles). So what a
** process draws does not depend on which worker's Lua state ran the
** replication, nor on the replications before it.
*/
#ifndef KOUAN_LUA_LSIM_H
#define KOUAN_LUA_LSIM_H

#include <stdbool.h>
#include <stdio.h>

#include <lua.h>

#include "kernel/base.h"
#include "lua/host.h"
#include "model/model.h"

/* Registry keys of the lists of what the scenario made, in creation
** order (lrun.c reads them through the objects' own methods):
** resource{}'s, and container{}'s and store{}'s together. */
#define KOU_LSIM_RESOURCES "kouan.resources"
#define KOU_LSIM_FACILITIES "kouan.facilities"

/* Installs the API in the host's state. Call from protected code, before
** the scenario runs. */
void kou_lsim_open(lua_State *L);
/* Runs the simulation until 'until' (+infinity: until no event is
** pending), then the at_end functions. An error in a process is raised on
** L as a report. Call from protected code. */
void kou_lsim_run(lua_State *L, kou_time until);
/* Starts a replication's processes: binds hold, request, release, now and
** port_resource to sim (owned by the caller, alive until
** kou_lsim_end_run) and starts each function of the list at index list as
** a process at the current time. Never raises: a failure (out of memory)
** is kept as the run's error and the simulation stops at its first event. */
void kou_lsim_begin_run(lua_State *L, kou_sim *sim, const kou_model_run_view *view, int list);
/* Ends the replication (after kou_model_run has returned: nothing of the
** simulation is touched any more): discards the processes still waiting,
** calling discarded (if not NULL) for each with where its function is
** defined ("FILE:LINE") and what it was waiting for ("hold() until hour
** 230.0000", "request() of resource 'scanner' of port 'TST'", "wait() on
** event()", "the end of the process defined at FILE:LINE (join)", with
** " (timeout after T h)" for a request or wait with a timeout) and, for a
** hold(), when it would have woken (NaN for any other wait), and
** unbinds. Never raises. Returns whether a process failed; then
** kou_lsim_raise raises the report (with the process's traceback). */
typedef void (*kou_lsim_discarded_fn)(void *ctx, const char *where, const char *waiting, double wake);
bool kou_lsim_end_run(lua_State *L, kou_lsim_discarded_fn discarded, void *ctx);
void kou_lsim_raise(lua_State *L);
/* Whether a process has failed (its report is raised by kou_lsim_run). */
bool kou_lsim_failed(lua_State *L);
/* Prints one line per resource, in creation order: servers, utilisation,
** mean queue length, mean wait (h), services completed; then one per
** container and store: capacity, mean level, gets and puts with their
** mean waits. */
void kou_lsim_print_report(lua_State *L, FILE *out);

#endif
