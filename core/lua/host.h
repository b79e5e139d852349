/*
** host.h — the sandboxed Lua state that runs a scenario file: which
** libraries a scenario sees, the limits it runs under (memory, instructions
** per slice), strict globals, reproducible math.random, --set parameters,
** and the way errors become one "kouan: FILE:LINE: message" report with a
** traceback into the scenario.
**
** A host owns one lua_State and one kou_sim (created from the seed), and
** frees both in kou_host_free: the simulation first (so no kernel event can
** call into Lua any more), then the Lua state. The simulation is the one a
** process-style scenario runs (lsim.h); for a port scenario it only feeds
** math.random. Nothing here is global: two hosts may run side by side.
**
** Sandbox (the Redis scripting rules, adapted; see also lsim.h):
**  - libraries: base, table, string, math, utf8, coroutine. Absent: io,
**    package (so no require, no C modules, no package.loadlib), debug,
**    dofile, loadfile, string.dump. os is a table with only clock, time,
**    date and difftime: they read the clock but change nothing; printing
**    them makes the output differ from run to run, which is the scenario's
**    choice (never os.execute, os.exit, os.getenv, os.remove, ...).
**  - load() always compiles text (mode "t"): precompiled bytecode, which
**    can crash the VM, is refused whatever mode the caller asks for; the
**    scenario file itself is loaded in text mode too.
**  - math.random and math.randomseed draw from the simulation's stream
**    "lua.math.random", so a run is a function of --seed alone.
**    math.randomseed(n) re-keys that stream with n (randomseed() with no
**    argument re-keys it with 0, its initial state).
**  - strict globals: reading a global that was never assigned, or creating
**    one inside a function, raises "FILE:LINE: undefined global 'x'". A
**    global is declared by assigning it (even to nil) in a main chunk, that
**    is at the top level of the scenario file; inside functions use local
**    variables, or rawset(_G, "x", v) to declare one on purpose. The
**    metatable of _G is protected (getmetatable(_G) is a string).
**  - memory: a lua_Alloc counts the bytes the state holds and refuses to
**    pass the limit (default 512 MiB): "scenario 'F' uses more than N MiB
**    of memory". Memory the kernel allocates is not counted.
**  - instructions: a count hook stops any slice of Lua that runs more than
**    the budget (default 1e9 VM instructions): "scenario 'F' ran for more
**    than N instructions (endless loop?)". A slice is one entry from C into
**    Lua: the scenario's top level, one resume of a process, one at_end
**    function. So a long simulation is fine; a loop that never yields is
**    not. A budget of 1e8 or more is counted from when the slice has run
**    0.1 s (the watchdog signals its thread to set the hook then), because
**    a count hook slows every VM instruction. Finalizers run with hooks off in Lua 5.4, so a metatable with a
**    __gc field is refused by setmetatable: an endless loop in a __gc
**    would escape the budget.
**  - time (a watchdog thread per host, docs/hardening.md): one call from
**    Lua into C that does not return within max_call_seconds (default 60
**    s of wall time; a string.find with a pathological pattern, say, which
**    the instruction count cannot see) ends the process with "kouan:
**    scenario 'F' spent more than N s in one call without returning (a
**    pathological string pattern?)", exit status 1; so does a whole run
**    longer than max_seconds (default: no limit), which stops simulations
**    that never end (a process waiting 0 hours forever). The process ends
**    with _exit, as a kill would: a run file being written keeps what was
**    last flushed, with complete = 0 (io/h5write.h).
**  - parameters: param("name", default) returns the --set value converted
**    to the default's type; read them at the top level, because a --set the
**    top level never asked for is refused (exit 2) before the run starts.
**    (In a port scenario, lua/scenario.h, such a --set is a path into the
**    returned table instead.)
**
** Errors. Lua code runs either under lua_pcall with kou_host_msghandler
** (which appends a traceback, as lua.c does) or as a coroutine resumed by
** kou_host_resume (whose failure kou_host_push_error turns into the same
** kind of text, with the traceback taken from the coroutine's own stack).
** A "report" is an error object that already holds its final text (a table
** made by kou_host_push_report); the message handler passes it on
** untouched, so a process error raised again in the main thread keeps its
** traceback. Usage errors (a bad --set value) are reports flagged as such,
** so the command exits 2 for them and 1 for scenario errors.
*/
#ifndef KOUAN_LUA_HOST_H
#define KOUAN_LUA_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "kernel/rng.h"
#include "kernel/sim.h"

typedef struct kou_host kou_host;

typedef struct kou_host_config {
    uint64_t seed;             /* master seed of the simulation (default 1) */
    size_t max_memory;         /* bytes the Lua state may hold (default 512 MiB) */
    uint64_t max_instructions; /* VM instructions per slice (default 1e9) */
    double max_call_seconds;   /* wall time of one slice (default 60; 0: none) */
    double max_seconds;        /* wall time of the whole host's life (default 0: none) */
} kou_host_config;

/* ---- life cycle ---- */
void kou_host_config_default(kou_host_config *cfg);
/* Creates the simulation and the sandboxed state. NULL with a message in
** err for a bad config (e.g. a memory limit below 1 MiB). */
kou_host *kou_host_new(const kou_host_config *cfg, char *err, size_t errlen);
void kou_host_free(kou_host *h); /* NULL is a no-op */

lua_State *kou_host_state(const kou_host *h);
kou_sim *kou_host_sim(const kou_host *h);
/* math.random and math.randomseed draw from r (a stream of another
** simulation: a replication's, while its processes run) until bound
** again; NULL: the host's own stream again. */
void kou_host_bind_random(kou_host *h, kou_rng *r);
/* The host of any thread of its state (kept as the allocator's ud). */
kou_host *kou_host_from_lua(lua_State *L);
/* The scenario file as shown in messages ("" before kou_host_loadfile). */
const char *kou_host_script(const kou_host *h);

/* ---- parameters (--set key=value) ---- */
/* Copies key and value; a later value for the same key wins. Call before
** running the scenario. The scenario reads them with param(). */
void kou_host_set_param(kou_host *h, const char *key, const char *value);
/* Index of the first parameter the scenario never read with param(), or
** -1; *key and *value receive it. */
int kou_host_unused_param(const kou_host *h, const char **key, const char **value);
/* Whether the scenario read key with param() (then a port scenario does
** not treat --set key=... as a path into its table). */
bool kou_host_param_was_read(const kou_host *h, const char *key);
/* Writes the names the scenario asked for, comma-separated, into buf. */
void kou_host_params_asked(const kou_host *h, char *buf, size_t len);
/* What param() does for a name, for another reader of named values
** (uncertain{}, lua/uncertain.h): notes the name as asked and, when it
** was given, marks it read and returns its text; NULL when not given. */
const char *kou_host_take_param(kou_host *h, const char *name);

/* ---- running Lua ---- */
/* Loads the file as a text chunk (bytecode is refused) and pushes it. On
** failure raises a report naming the file (usage error when the file
** cannot be read). Call from protected code. */
void kou_host_loadfile(lua_State *L, const char *path);
/* Calls the function below nargs arguments on top of L's stack as a fresh
** coroutine (one slice), and leaves nres results (LUA_MULTRET allowed).
** An error, or a yield (only processes may wait), is raised on L as a
** report with the coroutine's traceback. */
void kou_host_call(lua_State *L, int nargs, int nres);
/* lua_resume(co, L, ...) with the instruction budget reset: one slice. */
int kou_host_resume(lua_State *L, lua_State *co, int nargs, int *nres);
/* After kou_host_resume failed with status: pushes onto L the report for
** the error on co's stack (message, then co's traceback). Lifts the memory
** limit for the rest of the run, so that the report can be built. */
void kou_host_push_error(lua_State *L, lua_State *co, int status);
/* Lifts the memory limit for the rest of the run: called before building
** an error report from C code that runs outside protected Lua (a kernel
** event handler), where a memory error must not unwind through the kernel. */
void kou_host_begin_report(lua_State *L);
/* Pushes a report holding text (usage: exit 2 rather than 1). */
void kou_host_push_report(lua_State *L, const char *text, bool usage);
/* luaL_error for usage errors: raises a usage report, without position. */
int kou_host_usage_error(lua_State *L, const char *fmt, ...);
/* Message handler for lua_pcall: appends a traceback to a string error;
** passes a report unchanged. */
int kou_host_msghandler(lua_State *L);
/* Prints the error on top of L (after a failed lua_pcall with status) as
** "kouan: ..." to stderr and pops it. Returns the exit code: 2 for a usage
** error, 1 otherwise. */
int kou_host_report(lua_State *L, int status);

#endif
