/*
** host.c — the sandboxed scenario state: allocator with a limit, count
** hook, library selection, strict globals, math.random on a kernel stream,
** parameters, and error reports. See host.h for the rules.
*/
#include "lua/host.h"
#include "lua/uncertain.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lualib.h>

#include "kernel/base.h"
#include "kernel/rng.h"

/* The hook runs every HOOK_STEP instructions: often enough that the budget
** is exact to 0.1% of a 1e6 budget. But while any count hook is set, Lua's
** interpreter stops at every instruction to count it down, which costs
** about a tenth of a process-style run. So a budget of LAZY_BUDGET or more
** (the default 1e9 is) is counted from when a slice has run for a tenth
** of a second: the watchdog then sends ARM_SIGNAL to the thread running
** it, whose handler sets the hook on the coroutine that runs (as lua.c
** sets its hook from a SIGINT handler; lua_sethook is safe there, see
** ldebug.c). Smaller budgets, and hosts without a watchdog, keep the hook
** from the start, exact. */
#define HOOK_STEP 1000
#define SMALL_STEP 16   /* size classes of the small-block lists, bytes */
#define SMALL_MAX 512
#define SMALL_CLASSES (SMALL_MAX / SMALL_STEP)
#define LAZY_BUDGET 100000000u
#define ARM_SIGNAL SIGURG /* ignored by default: a late one is harmless */
#define REPORT_META "kouan.Report"

typedef struct param {
    char *key, *value;
    bool used;
} param;

struct kou_host {
    lua_State *L;
    kou_sim *sim;
    kou_rng *random;      /* math.random's stream */
    char *script;         /* scenario file as given on the command line */
    size_t mem_used, mem_limit;
    bool mem_exceeded;    /* the limit refused an allocation at least once */
    bool unlimited;       /* building an error report: the limit is off */
    uint64_t budget, spent;
    param *params;
    size_t nparams;
    char **asked;         /* names the scenario asked param() for */
    size_t nasked;
    /* the watchdog: the running slices (nesting depth) and a count of
    ** slice starts and ends, written by the host's thread only (relaxed
    ** stores: one plain move each on x86), read by the watchdog */
    _Atomic unsigned slice_depth;
    _Atomic uint64_t slice_seq;
    _Atomic pthread_t owner;      /* the thread running the slices */
    bool lazy;                    /* the budget's hook is set only on request */
    lua_State *volatile running;  /* the coroutine of the innermost slice */
    lua_State *volatile armed;    /* where the signal handler set the hook */
    double call_limit, run_limit; /* seconds; 0: none */
    bool wd_running, wd_stop;
    pthread_t wd_thread;
    pthread_mutex_t wd_mutex;
    pthread_cond_t wd_cond;
    char wd_script[256];  /* the scenario's name for the watchdog's message */
    bool small_cache;     /* small blocks are kept for reuse (small_class) */
    void *small_free[SMALL_CLASSES]; /* freed small blocks by size class, linked through their first word */
};

/* ---- allocator and hook ---- */

/* The blocks a state frees most often are small and short-lived (a
** process's userdata, a wait's closure): kept on a free list per size
** class and handed out again, they skip malloc and free, a tenth of a
** process-style run's time. Under AddressSanitizer, and with
** KOUAN_PLAIN_MALLOC set (the valgrind test setup sets it), every block
** goes to malloc, so that a use after free is still caught. */
static size_t small_class(const kou_host *h, size_t size)
{
#if defined(__SANITIZE_ADDRESS__)
    (void)h;
    (void)size;
    return SMALL_CLASSES;
#else
    return h->small_cache && size != 0 && size <= SMALL_MAX ? (size - 1) / SMALL_STEP : SMALL_CLASSES;
#endif
}

static void small_put(kou_host *h, void *ptr, size_t size)
{
    size_t c = small_class(h, size);
    if (c == SMALL_CLASSES) {
        free(ptr);
        return;
    }
    *(void **)ptr = h->small_free[c];
    h->small_free[c] = ptr;
}

static void *small_get(kou_host *h, size_t size)
{
    size_t c = small_class(h, size);
    if (c == SMALL_CLASSES)
        return malloc(size);
    void *p = h->small_free[c];
    if (p == NULL)
        return malloc((c + 1) * SMALL_STEP);
    h->small_free[c] = *(void **)p;
    return p;
}

static void small_release_all(kou_host *h)
{
    for (size_t c = 0; c < SMALL_CLASSES; c++)
        while (h->small_free[c] != NULL) {
            void *p = h->small_free[c];
            h->small_free[c] = *(void **)p;
            free(p);
        }
}

/* Counts what the state holds; refuses growth past the limit. Lua then
** collects garbage and tries once more before raising LUA_ERRMEM. */
static void *host_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    kou_host *h = ud;
    if (ptr == NULL)
        osize = 0; /* for a new block osize is the object's type, not a size */
    if (nsize == 0) {
        if (ptr != NULL)
            small_put(h, ptr, osize);
        h->mem_used -= osize;
        return NULL;
    }
    if (nsize > osize && !h->unlimited &&
        (h->mem_used >= h->mem_limit || nsize - osize > h->mem_limit - h->mem_used)) {
        h->mem_exceeded = true;
        return NULL;
    }
    if (nsize > osize && koui_fault_alloc_fails())
        return NULL; /* an injected failure (base.h), never while shrinking: Lua assumes that works */
    void *p;
    if (ptr != NULL && small_class(h, osize) == SMALL_CLASSES && small_class(h, nsize) == SMALL_CLASSES) {
        p = realloc(ptr, nsize);
    } else if (ptr != NULL && small_class(h, osize) == small_class(h, nsize)) {
        p = ptr; /* the same class: the block has room */
    } else {
        p = small_get(h, nsize);
        if (p != NULL && ptr != NULL) {
            memcpy(p, ptr, osize < nsize ? osize : nsize);
            small_put(h, ptr, osize);
        }
    }
    if (p == NULL)
        return NULL;
    h->mem_used = h->mem_used - osize + nsize;
    return p;
}

static void count_hook(lua_State *L, lua_Debug *ar)
{
    kou_host *h = kou_host_from_lua(L);
    h->spent += HOOK_STEP;
    if (h->spent <= h->budget)
        return;
    lua_getinfo(L, "Sl", ar);
    lua_pushfstring(L, "%s:%d: scenario '%s' ran for more than %I instructions (endless loop?)",
                    ar->short_src, ar->currentline, h->script ? h->script : "?",
                    (lua_Integer)h->budget);
    lua_error(L);
}

kou_host *kou_host_from_lua(lua_State *L)
{
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return ud;
}

/* ---- reports ---- */

static bool is_report(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx))
        return false;
    luaL_getmetatable(L, REPORT_META);
    bool yes = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return yes;
}

static int report_tostring(lua_State *L)
{
    lua_getfield(L, 1, "text");
    return 1;
}

void kou_host_push_report(lua_State *L, const char *text, bool usage)
{
    lua_createtable(L, 0, 2);         /* r */
    lua_pushstring(L, text);          /* r text */
    lua_setfield(L, -2, "text");      /* r */
    lua_pushboolean(L, usage);        /* r usage */
    lua_setfield(L, -2, "usage");     /* r */
    luaL_setmetatable(L, REPORT_META);
}

int kou_host_usage_error(lua_State *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *text = lua_pushvfstring(L, fmt, ap); /* text */
    va_end(ap);
    kou_host_push_report(L, text, true);             /* text r */
    return lua_error(L);
}

/* Pushes "FILE:LINE: " for the innermost Lua frame of co, or "". */
static void push_where(lua_State *L, lua_State *co)
{
    lua_Debug ar;
    for (int level = 0; lua_getstack(co, level, &ar); level++) {
        lua_getinfo(co, "Sl", &ar);
        if (ar.currentline > 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}

void kou_host_begin_report(lua_State *L)
{
    kou_host_from_lua(L)->unlimited = true;
}

void kou_host_push_error(lua_State *L, lua_State *co, int status)
{
    kou_host *h = kou_host_from_lua(L);
    h->unlimited = true;
    luaL_checkstack(L, 5, NULL);
    if (is_report(co, -1)) {
        lua_xmove(co, L, 1); /* already final (a usage error, say) */
        return;
    }
    if (status == LUA_ERRMEM && h->mem_exceeded) {
        push_where(L, co);                                         /* where */
        lua_pushfstring(L, "%sscenario '%s' uses more than %d MiB of memory",
                        lua_tostring(L, -1), h->script ? h->script : "?",
                        (int)(h->mem_limit >> 20));                /* where msg */
        lua_remove(L, -2);                                         /* msg */
    } else if (lua_type(co, -1) == LUA_TSTRING || lua_type(co, -1) == LUA_TNUMBER) {
        lua_pushstring(L, lua_tostring(co, -1));                   /* msg */
    } else {
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(co, -1));
    }
    luaL_traceback(L, co, lua_tostring(L, -1), 0);                 /* msg text */
    kou_host_push_report(L, lua_tostring(L, -1), false);           /* msg text r */
    lua_replace(L, -3);                                            /* r text */
    lua_pop(L, 1);                                                 /* r */
}

int kou_host_msghandler(lua_State *L)
{
    kou_host_from_lua(L)->unlimited = true;
    if (is_report(L, 1))
        return 1;
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int kou_host_report(lua_State *L, int status)
{
    kou_host *h = kou_host_from_lua(L);
    int code = 1;
    if (is_report(L, -1)) {
        lua_getfield(L, -1, "usage");
        code = lua_toboolean(L, -1) ? 2 : 1;
        lua_getfield(L, -2, "text");
        fprintf(stderr, "kouan: %s\n", lua_tostring(L, -1));
        lua_pop(L, 2);
    } else if (status == LUA_ERRMEM && h->mem_exceeded) {
        fprintf(stderr, "kouan: scenario '%s' uses more than %d MiB of memory\n",
                h->script ? h->script : "?", (int)(h->mem_limit >> 20));
    } else if (status == LUA_ERRMEM) { /* the system's memory, not the limit */
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "kouan: out of memory (%s)\n", msg ? msg : "Lua");
    } else {
        const char *msg = lua_tostring(L, -1);
        fprintf(stderr, "kouan: %s\n", msg ? msg : "(error object is not a string)");
    }
    fflush(stderr);
    lua_pop(L, 1);
    return code;
}

/* ---- running ---- */

/* The host whose slice runs on this thread, for the signal handler. */
static _Thread_local kou_host *volatile slice_host;

static void arm_handler(int sig)
{
    kou_host *h = slice_host;
    (void)sig;
    if (h != NULL && h->running != NULL && h->armed == NULL) {
        h->armed = h->running;
        lua_sethook(h->running, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    }
}

int kou_host_resume(lua_State *L, lua_State *co, int nargs, int *nres)
{
    kou_host *h = kou_host_from_lua(L);
    h->spent = 0;
    unsigned depth = atomic_load_explicit(&h->slice_depth, memory_order_relaxed);
    uint64_t seq = atomic_load_explicit(&h->slice_seq, memory_order_relaxed);
    lua_State *outer = h->running;
    kou_host *outer_host = slice_host;
    if (h->lazy) {
        atomic_store_explicit(&h->owner, pthread_self(), memory_order_relaxed);
        slice_host = h;
        h->running = co;
    }
    atomic_store_explicit(&h->slice_seq, seq + 1, memory_order_relaxed);
    atomic_store_explicit(&h->slice_depth, depth + 1, memory_order_relaxed);
    int status = lua_resume(co, L, nargs, nres);
    atomic_store_explicit(&h->slice_seq, seq + 2, memory_order_relaxed);
    atomic_store_explicit(&h->slice_depth, depth, memory_order_relaxed);
    if (h->lazy) {
        h->running = outer;
        slice_host = outer_host;
        if (h->armed != NULL && (h->armed == co || outer == NULL)) {
            lua_sethook(h->armed, NULL, 0, 0); /* the next slice runs at full speed */
            h->armed = NULL;
        }
    }
    return status;
}

void kou_host_call(lua_State *L, int nargs, int nres)
{
    int base = lua_gettop(L) - nargs;   /* index of the function */
    lua_State *co = lua_newthread(L);   /* f args co */
    lua_insert(L, base);                /* co f args */
    lua_xmove(L, co, nargs + 1);        /* co */
    int n = 0;
    int status = kou_host_resume(L, co, nargs, &n);
    if (status == LUA_OK) {
        luaL_checkstack(L, n, "too many results");
        lua_xmove(co, L, n);            /* co results */
        lua_remove(L, base);            /* results */
        if (nres != LUA_MULTRET)
            lua_settop(L, base - 1 + nres);
        return;
    }
    if (status == LUA_YIELD) {
        push_where(L, co);              /* co where */
        lua_pushfstring(L, "%sattempt to wait outside a process (only code inside "
                        "process(function ... end) may yield)", lua_tostring(L, -1));
        luaL_traceback(L, co, lua_tostring(L, -1), 0); /* co where msg text */
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    kou_host_push_error(L, co, status); /* co r */
    lua_error(L);
}

void kou_host_loadfile(lua_State *L, const char *path)
{
    kou_host *h = kou_host_from_lua(L);
    free(h->script);
    h->script = koui_strdup(path);
    if (h->wd_running) {
        pthread_mutex_lock(&h->wd_mutex);
        snprintf(h->wd_script, sizeof h->wd_script, "%s", path);
        pthread_mutex_unlock(&h->wd_mutex);
    }
    FILE *f = fopen(path, "r");
    if (f == NULL)
        kou_host_usage_error(L, "cannot open scenario '%s': %s", path, strerror(errno));
    fclose(f);
    if (lua_getglobal(L, "kouan") == LUA_TTABLE) {
        lua_pushstring(L, path);
        lua_setfield(L, -2, "script");
    }
    lua_pop(L, 1);
    int status = luaL_loadfilex(L, path, "t");
    if (status == LUA_OK)
        return;
    if (status == LUA_ERRMEM)
        lua_error(L);
    kou_host_push_report(L, lua_tostring(L, -1), status == LUA_ERRFILE);
    lua_error(L);
}

/* ---- parameters ---- */

void kou_host_set_param(kou_host *h, const char *key, const char *value)
{
    for (size_t i = 0; i < h->nparams; i++) {
        if (strcmp(h->params[i].key, key) == 0) {
            free(h->params[i].value);
            h->params[i].value = koui_strdup(value);
            return;
        }
    }
    h->params = koui_realloc(h->params, (h->nparams + 1) * sizeof *h->params);
    h->params[h->nparams].key = koui_strdup(key);
    h->params[h->nparams].value = koui_strdup(value);
    h->params[h->nparams].used = false;
    h->nparams++;
}

int kou_host_unused_param(const kou_host *h, const char **key, const char **value)
{
    for (size_t i = 0; i < h->nparams; i++) {
        if (!h->params[i].used) {
            *key = h->params[i].key;
            *value = h->params[i].value;
            return (int)i;
        }
    }
    return -1;
}

bool kou_host_param_was_read(const kou_host *h, const char *key)
{
    for (size_t i = 0; i < h->nasked; i++)
        if (strcmp(h->asked[i], key) == 0)
            return true;
    return false;
}

void kou_host_params_asked(const kou_host *h, char *buf, size_t len)
{
    size_t at = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < h->nasked && at < len; i++) {
        int n = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", h->asked[i]);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

static void note_asked(kou_host *h, const char *name)
{
    for (size_t i = 0; i < h->nasked; i++)
        if (strcmp(h->asked[i], name) == 0)
            return;
    h->asked = koui_realloc(h->asked, (h->nasked + 1) * sizeof *h->asked);
    h->asked[h->nasked++] = koui_strdup(name);
}

const char *kou_host_take_param(kou_host *h, const char *name)
{
    note_asked(h, name);
    const char *given = NULL;
    for (size_t i = 0; i < h->nparams; i++) {
        if (strcmp(h->params[i].key, name) == 0) {
            h->params[i].used = true;
            given = h->params[i].value;
        }
    }
    return given;
}

/* param(name [, default]): the --set value converted to the type of the
** default (number, boolean or string); the default when not set. */
static int l_param(lua_State *L)
{
    kou_host *h = kou_host_from_lua(L);
    const char *name = luaL_checkstring(L, 1);
    int dtype = lua_type(L, 2);
    luaL_argexpected(L, dtype == LUA_TNONE || dtype == LUA_TNIL || dtype == LUA_TNUMBER ||
                     dtype == LUA_TBOOLEAN || dtype == LUA_TSTRING, 2, "number, boolean or string");
    const char *given = kou_host_take_param(h, name);
    if (given == NULL) {
        if (dtype == LUA_TNONE || dtype == LUA_TNIL)
            return kou_host_usage_error(L, "scenario '%s' needs parameter '%s' (give --set %s=VALUE)",
                                        h->script, name, name);
        lua_settop(L, 2);
        return 1;
    }
    switch (dtype) {
    case LUA_TNUMBER:
        if (lua_stringtonumber(L, given) == 0 ||
            (lua_isinteger(L, 2) && !lua_isinteger(L, -1) &&
             lua_tonumber(L, -1) != floor(lua_tonumber(L, -1))))
            return kou_host_usage_error(L, "--set %s=%s: parameter '%s' must be %s", name, given,
                                        name, lua_isinteger(L, 2) ? "an integer" : "a number");
        if (lua_isinteger(L, 2) && !lua_isinteger(L, -1)) {
            lua_Integer k;
            if (!lua_numbertointeger(lua_tonumber(L, -1), &k))
                return kou_host_usage_error(L, "--set %s=%s: parameter '%s' is out of range",
                                            name, given, name);
            lua_pushinteger(L, k);
        }
        return 1;
    case LUA_TBOOLEAN:
        if (strcmp(given, "true") == 0 || strcmp(given, "1") == 0 || strcmp(given, "yes") == 0)
            lua_pushboolean(L, 1);
        else if (strcmp(given, "false") == 0 || strcmp(given, "0") == 0 ||
                 strcmp(given, "no") == 0)
            lua_pushboolean(L, 0);
        else
            return kou_host_usage_error(L, "--set %s=%s: parameter '%s' must be true or false",
                                        name, given, name);
        return 1;
    case LUA_TSTRING:
        lua_pushstring(L, given);
        return 1;
    default: /* no default: a number if it reads as one */
        if (lua_stringtonumber(L, given) == 0)
            lua_pushstring(L, given);
        return 1;
    }
}

/* ---- math.random on the simulation's stream ---- */

static uint64_t draw64(kou_rng *r)
{
    uint64_t hi = kou_rng_uint32(r);
    return (hi << 32) | kou_rng_uint32(r);
}

/* Same contract as Lua 5.4's math.random: () -> float in (0,1) here (the
** stream's uniforms are open at both ends), (m) -> integer in [1,m],
** (m,n) -> integer in [m,n], (0) -> an integer with all bits random. */
static int l_random(lua_State *L)
{
    kou_rng *r = kou_host_from_lua(L)->random;
    lua_Integer lo, up;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, kou_rng_uniform(r));
        return 1;
    case 1:
        lo = 1;
        up = luaL_checkinteger(L, 1);
        if (up == 0) {
            lua_pushinteger(L, (lua_Integer)draw64(r));
            return 1;
        }
        break;
    case 2:
        lo = luaL_checkinteger(L, 1);
        up = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "wrong number of arguments");
    }
    luaL_argcheck(L, lo <= up, 1, "interval is empty");
    uint64_t range = (uint64_t)up - (uint64_t)lo;
    uint64_t k;
    if (range < UINT32_MAX) {
        k = kou_rng_index(r, (uint32_t)(range + 1));
    } else {
        /* wide interval: mask to the next power of two and reject */
        uint64_t mask = range;
        mask |= mask >> 1; mask |= mask >> 2; mask |= mask >> 4;
        mask |= mask >> 8; mask |= mask >> 16; mask |= mask >> 32;
        do
            k = draw64(r) & mask;
        while (k > range);
    }
    lua_pushinteger(L, (lua_Integer)((uint64_t)lo + k));
    return 1;
}

static int l_randomseed(lua_State *L)
{
    kou_rng *r = kou_host_from_lua(L)->random;
    lua_Integer key = luaL_optinteger(L, 1, 0);
    kou_rng_stream_rekey(r, (uint64_t)key);
    return 0;
}

/* ---- load in text mode only ---- */

static int l_load(lua_State *L)
{
    int top = lua_gettop(L);
    luaL_checkany(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1)); /* the original load */
    lua_pushvalue(L, 1);
    if (top >= 2)
        lua_pushvalue(L, 2);
    else
        lua_pushnil(L);
    lua_pushliteral(L, "t");
    int n = 3;
    if (top >= 4) { /* an explicit env, even nil, is passed on */
        lua_pushvalue(L, 4);
        n = 4;
    }
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L) - top;
}

/* ---- setmetatable without __gc ---- */

/* Lua 5.4 runs finalizers with hooks off (lgc.c, GCTM), so the instruction
** budget cannot stop an endless loop in a __gc: such metatables are
** refused. __gc added to a metatable later is harmless: Lua marks an
** object for finalization only when setmetatable sees the field. */
static int l_setmetatable(lua_State *L)
{
    /* raw, as Lua's own check (luaC_checkfinalizer) reads the field */
    if (lua_type(L, 2) == LUA_TTABLE && (lua_pushliteral(L, "__gc"), lua_rawget(L, 2)) != LUA_TNIL)
        return luaL_error(L, "setmetatable: a __gc field is not allowed in a scenario (finalizers run "
                          "outside the instruction budget)");
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, 2, 1);
    return 1;
}

/* ---- the watchdog ---- */

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Ends the process, as a kill would (no exit handlers: HDF5's would race
** the writer thread; the run file keeps its last flush). */
static void watchdog_stop(kou_host *h, bool whole_run)
{
    char msg[512];
    const char *script = h->wd_script[0] ? h->wd_script : "?";
    int n = whole_run
        ? snprintf(msg, sizeof msg, "kouan: scenario '%s' ran for more than %g s (--max-seconds); stopped\n",
                   script, h->run_limit)
        : snprintf(msg, sizeof msg, "kouan: scenario '%s' spent more than %g s in one call without "
                   "returning (a pathological string pattern?); stopped (--max-call-seconds)\n",
                   script, h->call_limit);
    if (n > 0) {
        size_t len = (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
        ssize_t w = write(STDERR_FILENO, msg, len);
        (void)w;
    }
    _exit(1);
}

/* Wakes 10 times a second. A slice is stuck when the same one has been
** running since the last wake-ups for more than call_limit. */
static void *watchdog(void *arg)
{
    kou_host *h = arg;
    double start = mono_seconds(), since = start;
    uint64_t last = UINT64_MAX, armed_seq = UINT64_MAX;
    pthread_mutex_lock(&h->wd_mutex);
    while (!h->wd_stop) {
        struct timespec until = koui_deadline_in(CLOCK_MONOTONIC, 100000000L);
        pthread_cond_timedwait(&h->wd_cond, &h->wd_mutex, &until);
        if (h->wd_stop)
            break;
        double t = mono_seconds();
        if (h->run_limit > 0 && t - start > h->run_limit)
            watchdog_stop(h, true);
        unsigned depth = atomic_load_explicit(&h->slice_depth, memory_order_relaxed);
        uint64_t seq = atomic_load_explicit(&h->slice_seq, memory_order_relaxed);
        if (depth == 0 || seq != last) {
            last = seq;
            since = t;
        } else if (h->call_limit > 0 && t - since > h->call_limit) {
            watchdog_stop(h, false);
        } else if (h->lazy && seq != armed_seq) {
            /* the same slice since the last wake-up: count its instructions */
            armed_seq = seq;
            pthread_kill(atomic_load_explicit(&h->owner, memory_order_relaxed), ARM_SIGNAL);
        }
    }
    pthread_mutex_unlock(&h->wd_mutex);
    return NULL;
}

static bool watchdog_start(kou_host *h)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return false;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    bool ok = pthread_cond_init(&h->wd_cond, &ca) == 0;
    pthread_condattr_destroy(&ca);
    if (!ok)
        return false;
    if (pthread_mutex_init(&h->wd_mutex, NULL) != 0) {
        pthread_cond_destroy(&h->wd_cond);
        return false;
    }
    if (pthread_create(&h->wd_thread, NULL, watchdog, h) != 0) {
        pthread_mutex_destroy(&h->wd_mutex);
        pthread_cond_destroy(&h->wd_cond);
        return false;
    }
    h->wd_running = true;
    return true;
}

static void watchdog_end(kou_host *h)
{
    if (!h->wd_running)
        return;
    pthread_mutex_lock(&h->wd_mutex);
    h->wd_stop = true;
    pthread_cond_signal(&h->wd_cond);
    pthread_mutex_unlock(&h->wd_mutex);
    pthread_join(h->wd_thread, NULL);
    pthread_mutex_destroy(&h->wd_mutex);
    pthread_cond_destroy(&h->wd_cond);
    h->wd_running = false;
}

/* ---- strict globals ---- */

static int strict_index(lua_State *L)
{
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) /* declared, now nil */
        return 0;
    return luaL_error(L, "undefined global '%s'", luaL_tolstring(L, 2, NULL));
}

static int strict_newindex(lua_State *L)
{
    lua_Debug ar;
    /* A global declared at the top level, even as nil (so not in G now),
    ** may be assigned anywhere. */
    lua_pushvalue(L, 2);
    bool declared = lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL;
    lua_pop(L, 1);
    if (!declared && lua_getstack(L, 1, &ar) && lua_getinfo(L, "S", &ar) &&
        strcmp(ar.what, "main") != 0 && strcmp(ar.what, "C") != 0)
        return luaL_error(L, "assignment to undeclared global '%s' inside a function "
                          "(declare it at the top level of the scenario, or make it local)",
                          luaL_tolstring(L, 2, NULL));
    lua_pushvalue(L, 2);
    lua_pushboolean(L, 1);
    lua_rawset(L, lua_upvalueindex(1)); /* declared */
    lua_rawset(L, 1);
    return 0;
}

/* ---- setup ---- */

static void drop_field(lua_State *L, int t, const char *name)
{
    t = lua_absindex(L, t);
    lua_pushnil(L);
    lua_setfield(L, t, name);
}

static int host_setup(lua_State *L)
{
    kou_host *h = lua_touserdata(L, 1);
    static const luaL_Reg libs[] = {
        {LUA_GNAME, luaopen_base},        {LUA_COLIBNAME, luaopen_coroutine},
        {LUA_TABLIBNAME, luaopen_table},  {LUA_STRLIBNAME, luaopen_string},
        {LUA_MATHLIBNAME, luaopen_math},  {LUA_UTF8LIBNAME, luaopen_utf8},
        {NULL, NULL}};
    for (const luaL_Reg *lib = libs; lib->func; lib++) {
        luaL_requiref(L, lib->name, lib->func, 1);
        lua_pop(L, 1);
    }
    lua_pushglobaltable(L);                      /* G */
    int g = lua_gettop(L);
    drop_field(L, g, "dofile");
    drop_field(L, g, "loadfile");
    lua_getfield(L, g, "load");                  /* G load */
    lua_pushcclosure(L, l_load, 1);              /* G l_load */
    lua_setfield(L, g, "load");                  /* G */
    lua_getfield(L, g, "setmetatable");          /* G setmetatable */
    lua_pushcclosure(L, l_setmetatable, 1);
    lua_setfield(L, g, "setmetatable");          /* G */

    lua_getfield(L, g, LUA_STRLIBNAME);          /* G string */
    drop_field(L, -1, "dump");
    lua_pop(L, 1);

    lua_getfield(L, g, LUA_MATHLIBNAME);         /* G math */
    lua_pushcfunction(L, l_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, l_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);                               /* G */

    /* os: a fresh table with the clock readers only */
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0); /* G os */
    lua_createtable(L, 0, 4);                    /* G os safe */
    static const char *const os_keep[] = {"clock", "time", "date", "difftime", NULL};
    for (const char *const *k = os_keep; *k; k++) {
        lua_getfield(L, -2, *k);
        lua_setfield(L, -2, *k);
    }
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE); /* G os safe loaded */
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, LUA_OSLIBNAME);          /* loaded.os = safe */
    lua_pop(L, 1);                               /* G os safe */
    lua_setfield(L, g, LUA_OSLIBNAME);           /* G os */
    lua_pop(L, 1);                               /* G */

    /* the kouan table and param() */
    lua_createtable(L, 0, 8);                    /* G kouan */
    lua_pushinteger(L, (lua_Integer)kou_sim_seed(h->sim));
    lua_setfield(L, -2, "seed");
    lua_pushcfunction(L, l_param);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, "param");
    lua_setfield(L, g, "param");
    lua_setfield(L, g, "kouan");                 /* G */
    kou_uncertain_open(L);                       /* G; the global uncertain() */

    luaL_newmetatable(L, REPORT_META);           /* G meta */
    lua_pushcfunction(L, report_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);                               /* G */

    /* strict globals, installed last */
    lua_createtable(L, 0, 4);                    /* G mt */
    lua_newtable(L);                             /* G mt declared */
    lua_pushvalue(L, -1);                        /* G mt declared declared */
    lua_pushcclosure(L, strict_index, 1);        /* G mt declared index */
    lua_setfield(L, -3, "__index");              /* G mt declared */
    lua_pushcclosure(L, strict_newindex, 1);     /* G mt newindex */
    lua_setfield(L, -2, "__newindex");           /* G mt */
    lua_pushliteral(L, "the global table is protected (strict globals)");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, g);                      /* G */
    lua_pop(L, 1);
    return 0;
}

/* ---- life cycle ---- */

void kou_host_config_default(kou_host_config *cfg)
{
    cfg->seed = 1;
    cfg->max_memory = (size_t)512 << 20;
    cfg->max_instructions = 1000000000u;
    cfg->max_call_seconds = 60;
    cfg->max_seconds = 0;
}

static pthread_once_t arm_once = PTHREAD_ONCE_INIT;
static bool arm_installed;

/* Once for the program; kept (a late signal finds it still there). */
static void install_arm_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = arm_handler;
    sa.sa_flags = SA_RESTART; /* the slice's own system calls go on */
    sigemptyset(&sa.sa_mask);
    arm_installed = sigaction(ARM_SIGNAL, &sa, NULL) == 0;
}

kou_host *kou_host_new(const kou_host_config *cfg, char *err, size_t errlen)
{
    kou_host_config def;
    if (cfg == NULL) {
        kou_host_config_default(&def);
        cfg = &def;
    }
    if (cfg->max_memory < ((size_t)1 << 20)) {
        snprintf(err, errlen, "memory limit must be at least 1 MiB");
        return NULL;
    }
    if (cfg->max_instructions < HOOK_STEP) {
        snprintf(err, errlen, "instruction budget must be at least %d", HOOK_STEP);
        return NULL;
    }
    if (!(cfg->max_call_seconds >= 0) || !(cfg->max_seconds >= 0)) {
        snprintf(err, errlen, "time limits must be numbers of seconds >= 0");
        return NULL;
    }
    kou_host *h = koui_calloc(1, sizeof *h);
    h->small_cache = getenv("KOUAN_PLAIN_MALLOC") == NULL;
    h->mem_limit = cfg->max_memory;
    h->budget = cfg->max_instructions;
    h->call_limit = cfg->max_call_seconds;
    h->run_limit = cfg->max_seconds;
    atomic_init(&h->slice_depth, 0u);
    atomic_init(&h->slice_seq, 0u);
    atomic_init(&h->owner, pthread_self());
    h->lazy = h->budget >= LAZY_BUDGET && (h->call_limit > 0 || h->run_limit > 0) &&
              pthread_once(&arm_once, install_arm_handler) == 0 && arm_installed;
    if ((h->call_limit > 0 || h->run_limit > 0) && !watchdog_start(h)) {
        snprintf(err, errlen, "cannot start the time-limit thread");
        free(h);
        return NULL;
    }
    kou_sim_config sc;
    kou_sim_config_default(&sc);
    sc.seed = cfg->seed;
    if (kou_sim_new(&h->sim, &sc, err, errlen) != KOU_OK) {
        watchdog_end(h);
        free(h);
        return NULL;
    }
    h->random = kou_rng_stream_create(h->sim, "lua.math.random");
    KOU_CHECK(h->random != NULL);
    h->L = lua_newstate(host_alloc, h);
    if (h->L == NULL) {
        snprintf(err, errlen, "out of memory creating the Lua state");
        kou_host_free(h);
        return NULL;
    }
    /* the main thread's extra space is not initialised by Lua, and every
    ** new thread starts with a copy of it (lsim.c keeps a process there) */
    memset(lua_getextraspace(h->L), 0, LUA_EXTRASPACE);
    lua_pushcfunction(h->L, host_setup);
    lua_pushlightuserdata(h->L, h);
    if (lua_pcall(h->L, 1, 0, 0) != LUA_OK) {
        snprintf(err, errlen, "cannot set up the Lua state: %s", lua_tostring(h->L, -1)); /* out of memory */
        kou_host_free(h);
        return NULL;
    }
    /* threads created later copy the hook of the main thread */
    if (!h->lazy)
        lua_sethook(h->L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    return h;
}

void kou_host_free(kou_host *h)
{
    if (h == NULL)
        return;
    watchdog_end(h);
    kou_sim_free(h->sim); /* first: no event may call into Lua any more */
    if (h->L)
        lua_close(h->L);
    small_release_all(h);
    for (size_t i = 0; i < h->nparams; i++) {
        free(h->params[i].key);
        free(h->params[i].value);
    }
    free(h->params);
    for (size_t i = 0; i < h->nasked; i++)
        free(h->asked[i]);
    free(h->asked);
    free(h->script);
    free(h);
}

lua_State *kou_host_state(const kou_host *h) { return h->L; }
kou_sim *kou_host_sim(const kou_host *h) { return h->sim; }

void kou_host_bind_random(kou_host *h, kou_rng *r)
{
    h->random = r ? r : kou_rng_stream_find(h->sim, "lua.math.random");
    KOU_CHECK(h->random != NULL);
}
const char *kou_host_script(const kou_host *h) { return h->script ? h->script : ""; }
