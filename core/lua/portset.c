/*
** portset.c — the scenario loader (portset.h).
**
** Everything Lua runs under lua_pcall with the host's message handler
** (protect): the scenario's top level, the conversions, the process-style
** run. Arenas and converted configurations stay anchored in the registry
** (the holder table, a sweep's base). The processes of kouan run
** start from the pipeline's sink outside any pcall: kou_lsim_begin_run and
** kou_lsim_end_run never raise.
*/
#include "lua/portset.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/cal_file.h"
#include "lua/design_file.h"
#include "lua/host.h"
#include "lua/lrun.h"
#include "lua/lsim.h"
#include "lua/scenario.h"
#include "lua/uncertain.h"

struct kou_portset {
    kou_host *host;
    const kou_portset_request *rq; /* while loading */
    size_t n;
    kou_portset_alt *alts;
    int holder;                    /* registry ref: arenas and configurations */
    bool process_style;
    int procs_ref;                 /* kouan run: the processes list, or LUA_NOREF */
    bool process_failed;
    kou_sweep_spec *spec;          /* kouan sweep */
    const char *design;
    char spath[4096];              /* the base scenario as found */
    kou_cal_spec *cal;             /* kouan calibrate */
};

void kou_portset_request_default(kou_portset_request *rq)
{
    memset(rq, 0, sizeof *rq);
    kou_host_config hc;
    kou_host_config_default(&hc);
    rq->seed = hc.seed;
    rq->reps = 1;
    rq->max_memory = hc.max_memory;
    rq->max_instructions = hc.max_instructions;
    rq->max_seconds = hc.max_seconds;
    rq->max_call_seconds = hc.max_call_seconds;
}

/* Calls f(L) with ud as its argument under lua_pcall. 0, or the exit
** status after the report. */
static int protect(kou_portset *ps, lua_CFunction f, void *ud)
{
    lua_State *L = kou_host_state(ps->host);
    lua_pushcfunction(L, kou_host_msghandler);
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, ud);
    int status = lua_pcall(L, 1, 0, -3);
    int code = status == LUA_OK ? 0 : kou_host_report(L, status);
    lua_pop(L, 1); /* msgh */
    return code;
}

/* The loader with its host and nalts alternatives; NULL with *status 1
** when the host cannot be made (out of memory: the limits are checked). */
static kou_portset *make(const kou_host_config *hc, size_t nalts, int *status)
{
    kou_portset *ps = koui_calloc(1, sizeof *ps);
    ps->alts = koui_calloc(nalts ? nalts : 1, sizeof *ps->alts);
    ps->n = nalts;
    ps->holder = ps->procs_ref = LUA_NOREF;
    char err[256];
    ps->host = kou_host_new(hc, err, sizeof err);
    if (ps->host == NULL) {
        fprintf(stderr, "kouan: %s\n", err);
        kou_portset_free(ps);
        *status = 1;
        return NULL;
    }
    return ps;
}

/* The libraries, and the holder table (pushed). */
static int open_libraries(lua_State *L, kou_portset *ps)
{
    kou_lsim_open(L);
    kou_scenario_open(L);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    ps->holder = luaL_ref(L, LUA_REGISTRYINDEX);
    return lua_gettop(L);
}

/* ---- run and compare: the alternatives ---- */

static void apply_sets(lua_State *L, const kou_portset *ps)
{
    const kou_portset_request *rq = ps->rq;
    for (size_t i = 0; i < rq->nset; i++)
        if (!kou_host_param_was_read(ps->host, rq->set_key[i]))
            kou_scenario_set(L, rq->set_key[i], rq->set_value[i]);
}

/* --until: the hours of arrivals replace the scenario's horizon. */
static void apply_until(lua_State *L, kou_model_config *cfg, double until)
{
    if (until <= 0)
        return;
    if (cfg->warmup_hours >= until) {
        char msg[160]; /* lua_pushfstring has no %g */
        snprintf(msg, sizeof msg, "--until %g: must be above the warm-up (%g h)", until, cfg->warmup_hours);
        kou_host_usage_error(L, "%s", msg);
    }
    cfg->horizon_hours = until;
}

/* A scenario's processes = {...}: kept for kouan run, refused by compare. */
static void take_processes(lua_State *L, kou_portset *ps, kou_portset_alt *a)
{
    lua_getfield(L, -2, "processes"); /* s2 arena procs */
    a->processes = lua_istable(L, -1) && lua_rawlen(L, -1) > 0;
    if (a->processes && !ps->rq->run)
        kou_host_usage_error(L, "compare: '%s' has processes = {...}; comparisons run the model alone",
                             a->script);
    if (a->processes)
        ps->procs_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    else
        lua_pop(L, 1);
    /* process(...) at the top level of a port scenario would never run */
    if (ps->rq->run && kou_sim_events_pending(kou_host_sim(ps->host)) > 0) {
        lua_pushfstring(L, "%s: process(...) at the top level of a port scenario never runs: list the "
                        "functions in the scenario's processes = {...}", a->script);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
}

static void set_label(kou_portset_alt *a, size_t nscripts)
{
    const char *base = strrchr(a->script, '/');
    base = base ? base + 1 : a->script;
    int len = (int)strcspn(base, ".");
    if (nscripts == 1)
        snprintf(a->label, sizeof a->label, "%s", a->era ? a->era : "scenario");
    else
        snprintf(a->label, sizeof a->label, "%.*s%s%s", len, base, a->era ? ":" : "", a->era ? a->era : "");
}

/* Alternative i from the scenario s on top of the stack, with era. */
static void load_alternative(lua_State *L, kou_portset *ps, size_t i, const char *script, const char *era,
                             int holder, bool check_eras)
{
    kou_portset_alt *a = &ps->alts[i];
    a->script = script;
    lua_pushvalue(L, -1);            /* s s */
    kou_scenario_select_era(L, era); /* s s2 */
    apply_sets(L, ps);
    kou_scenario_info info;
    const kou_model_config *cfg = kou_scenario_build(L, -1, &info); /* s s2 arena */
    if (check_eras)
        kou_scenario_check_eras(L, -3, info.era);
    take_processes(L, ps, a);
    kou_model_config *copy = lua_newuserdatauv(L, sizeof *copy, 0); /* s s2 arena copy */
    *copy = *cfg;
    apply_until(L, copy, ps->rq->until);
    lua_rawseti(L, holder, (lua_Integer)(2 * i + 2)); /* s s2 arena */
    lua_rawseti(L, holder, (lua_Integer)(2 * i + 1)); /* s s2 */
    lua_pop(L, 1);                                    /* s */
    a->cfg = copy;
    a->start_date = info.start_date;
    a->era = info.era; /* a string of the arena */
    a->name = info.name;
    set_label(a, ps->rq->nscripts);
}

/* compare: one file's alternatives alts[first .. first + count). */
static void load_file(lua_State *L, kou_portset *ps, const char *script, size_t first, size_t count, int holder)
{
    const kou_portset_request *rq = ps->rq;
    kou_host_loadfile(L, script);
    kou_host_call(L, 0, 1); /* s */
    if (!kou_scenario_is(L, -1))
        kou_host_usage_error(L, "compare: '%s' is not a port scenario (it must return scenario{...})", script);
    if (kou_sim_events_pending(kou_host_sim(ps->host)) > 0)
        kou_host_usage_error(L, "compare: '%s' starts processes; comparisons run port scenarios without "
                             "processes", script);
    for (size_t k = 0; k < count; k++) {
        const char *era = rq->neras == 0 ? NULL : rq->neras == 1 ? rq->eras[0] : rq->eras[k];
        load_alternative(L, ps, first + k, script, era, holder, k == 0);
    }
    lua_pop(L, 1);
}

/* run: a port scenario's alternative, or the checks of a process-style one. */
static void load_run(lua_State *L, kou_portset *ps, int holder)
{
    const kou_portset_request *rq = ps->rq;
    const char *script = rq->scripts[0], *era = rq->neras ? rq->eras[0] : NULL;
    kou_host_loadfile(L, script);
    kou_host_call(L, 0, 1); /* result */
    if (kou_scenario_is(L, -1)) {
        load_alternative(L, ps, 0, script, era, holder, true);
        lua_pop(L, 1);
        return;
    }
    if (!lua_isnil(L, -1))
        kou_host_usage_error(L, "scenario '%s' returned a %s: a port scenario returns "
                             "scenario{...}, a process-style one returns nothing",
                             script, luaL_typename(L, -1));
    lua_pop(L, 1);
    ps->process_style = true;
    ps->n = 0;
    if (era)
        kou_host_usage_error(L, "--era %s: scenario '%s' is process-style and has no eras", era, script);
    const char *key, *value;
    if (kou_host_unused_param(ps->host, &key, &value) >= 0) {
        char asked[512];
        kou_host_params_asked(ps->host, asked, sizeof asked);
        kou_host_usage_error(L, "--set %s=%s: scenario '%s' has no parameter '%s' (it reads: %s)",
                             key, value, script, key, asked[0] ? asked : "none");
    }
}

static int pload(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    int holder = open_libraries(L, ps);
    const kou_portset_request *rq = ps->rq;
    if (rq->capture_print)
        kou_lrun_capture_print(L);
    if (rq->run)
        load_run(L, ps, holder);
    else if (rq->nscripts == 1)
        load_file(L, ps, rq->scripts[0], 0, ps->n, holder);
    else
        for (size_t f = 0; f < rq->nscripts; f++)
            load_file(L, ps, rq->scripts[f], f, 1, holder);
    return 0;
}

kou_portset *kou_portset_new(const kou_portset_request *rq, int *status)
{
    *status = 0;
    KOU_CHECK(rq->nscripts >= 1 && (!rq->run || (rq->nscripts == 1 && rq->neras <= 1)));
    kou_host_config hc;
    kou_host_config_default(&hc);
    hc.seed = rq->seed;
    hc.max_memory = rq->max_memory;
    hc.max_instructions = rq->max_instructions;
    hc.max_seconds = rq->max_seconds;
    hc.max_call_seconds = rq->max_call_seconds;
    size_t n = rq->run ? 1 : rq->nscripts == 1 ? rq->neras : rq->nscripts;
    kou_portset *ps = make(&hc, n, status);
    if (ps == NULL)
        return NULL;
    for (size_t i = 0; i < rq->nset; i++)
        kou_host_set_param(ps->host, rq->set_key[i], rq->set_value[i]);
    ps->rq = rq;
    *status = protect(ps, pload, ps);
    ps->rq = NULL;
    if (*status != 0) {
        kou_portset_free(ps);
        return NULL;
    }
    return ps;
}

void kou_portset_free(kou_portset *ps)
{
    if (ps == NULL)
        return;
    kou_host_free(ps->host);
    free(ps->alts);
    free(ps);
}

size_t kou_portset_count(const kou_portset *ps)
{
    return ps->n;
}

const kou_portset_alt *kou_portset_get(const kou_portset *ps, size_t i)
{
    return i < ps->n ? &ps->alts[i] : NULL;
}

/* ---- kouan run: process-style scenarios, processes in replications ---- */

const kou_prior *kou_portset_priors(const kou_portset *ps, size_t *n)
{
    return kou_uncertain_priors(kou_host_state(ps->host), n);
}

bool kou_portset_process_style(const kou_portset *ps)
{
    return ps->process_style;
}

typedef struct process_run {
    double until;
    FILE *out;
} process_run;

static int prun(lua_State *L)
{
    const process_run *a = lua_touserdata(L, 1);
    kou_lsim_run(L, a->until);
    if (a->out)
        kou_lsim_print_report(L, a->out);
    return 0;
}

int kou_portset_run_process_style(kou_portset *ps, double until, FILE *out)
{
    KOU_CHECK(ps->process_style);
    process_run a = {until, out};
    return protect(ps, prun, &a);
}

typedef struct process_rep {
    double until, step;
    kou_prun_rep *rep;
} process_rep;

static int prep(lua_State *L)
{
    const process_rep *a = lua_touserdata(L, 1);
    kou_lrun_replication(L, a->until, a->step, a->rep);
    return 0;
}

int kou_portset_run_process_rep(kou_portset *ps, double until, double step, kou_prun_rep *rep)
{
    KOU_CHECK(ps->process_style);
    process_rep a = {until, step, rep};
    return protect(ps, prep, &a);
}

static void processes_start(void *ctx, kou_rep_run *run)
{
    kou_portset *ps = ctx;
    lua_State *L = kou_host_state(ps->host);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ps->procs_ref);
    kou_lsim_begin_run(L, run->sim, run->view, -1); /* never raises */
    lua_pop(L, 1);
}

static void processes_end(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    kou_portset *ps = ctx;
    (void)run;
    if (!kou_lsim_end_run(kou_host_state(ps->host))) /* never raises */
        return;
    ps->process_failed = true;
    if (res->status == KOU_OK) {
        res->status = KOU_ESTATE;
        snprintf(res->error, sizeof res->error, "a process failed");
    }
}

kou_rep_sink kou_portset_process_sink(kou_portset *ps)
{
    kou_rep_sink s = {.ctx = ps};
    if (ps->procs_ref != LUA_NOREF) {
        s.sim_ready = processes_start;
        s.end = processes_end;
    }
    return s;
}

bool kou_portset_process_failed(const kou_portset *ps)
{
    return ps->process_failed;
}

static int praise(lua_State *L)
{
    kou_lsim_raise(L);
    return 0;
}

int kou_portset_report_process_error(kou_portset *ps)
{
    KOU_CHECK(ps->process_failed);
    return protect(ps, praise, NULL);
}

/* ---- kouan sweep ---- */

static bool readable(const char *path)
{
    return access(path, R_OK) == 0;
}

/* The scenario a command file names (sweep.scenario, calibration.scenario,
** what): as given, next to the command file (ps->design), or under the
** tree root, into ps->spath. */
static void find_scenario(lua_State *L, kou_portset *ps, const char *sc, const char *what)
{
    const char *file = ps->design, *slash = strrchr(file, '/');
    snprintf(ps->spath, sizeof ps->spath, "%s", sc);
    if (sc[0] == '/' || readable(ps->spath))
        return;
    if (slash)
        snprintf(ps->spath, sizeof ps->spath, "%.*s/%s", (int)(slash - file), file, sc);
    if (!readable(ps->spath))
        snprintf(ps->spath, sizeof ps->spath, "%s/%s", kou_scenario_root(), sc);
    if (!readable(ps->spath))
        kou_host_usage_error(L, "%s '%s': no such file (looked in the current directory, next to %s and "
                             "under %s)", what, sc, file, kou_scenario_root());
}

/* Runs the command file ps->design with the global fn (a function of the
** library scripts/kouan/LIB.lua) installed, and leaves the table it
** returns on the stack, anchored in the registry under anchor (the
** readers keep pointers to its strings). */
static void load_command_file(lua_State *L, kou_portset *ps, const char *lib, const char *fn, const char *anchor)
{
    lua_getglobal(L, "import");
    lua_pushstring(L, lib);
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1) || lua_getfield(L, -1, fn) != LUA_TFUNCTION)
        luaL_error(L, "scripts/kouan/%s.lua did not return the %s library", lib, fn);
    lua_setglobal(L, fn);
    lua_pop(L, 1);
    kou_host_loadfile(L, ps->design);
    kou_host_call(L, 0, 1);
    if (!lua_istable(L, -1))
        kou_host_usage_error(L, "%s must return %s{...} (returned a %s)", ps->design, fn, luaL_typename(L, -1));
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, anchor);
}

static int psweep(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    open_libraries(L, ps);
    load_command_file(L, ps, "sweep", "sweep", "kouan.sweep.design");
    kou_design_file_read(L, -1, ps->spec);
    find_scenario(L, ps, ps->spec->scenario, "sweep.scenario");
    kou_host_loadfile(L, ps->spath);
    kou_host_call(L, 0, 1);
    if (!kou_scenario_is(L, -1))
        kou_host_usage_error(L, "sweep.scenario '%s' is not a port scenario (it must return scenario{...})",
                             ps->spath);
    lua_setfield(L, LUA_REGISTRYINDEX, "kouan.sweep.scenario");
    return 0;
}

/* A loader for a command file (a sweep design, a calibration): the file
** read by load in protected code. NULL after the report. */
static kou_portset *new_for_file(const char *file, kou_sweep_spec *spec, kou_cal_spec *cal, lua_CFunction load,
                                 int *status)
{
    *status = 0;
    kou_host_config hc;
    kou_host_config_default(&hc);
    kou_portset *ps = make(&hc, spec ? 1 : 0, status);
    if (ps == NULL)
        return NULL;
    ps->spec = spec;
    ps->cal = cal;
    ps->design = file;
    *status = protect(ps, load, ps);
    if (*status != 0) {
        kou_portset_free(ps);
        return NULL;
    }
    return ps;
}

kou_portset *kou_portset_new_sweep(const char *design, kou_sweep_spec *spec, int *status)
{
    kou_portset *ps = new_for_file(design, spec, NULL, psweep, status);
    if (ps)
        ps->n = 0; /* until kou_portset_sweep_base */
    return ps;
}

/* The base scenario with the design's era, as written: alternative 0.
** Its processes are refused: they would need Lua on worker threads. */
static int pbuild_base(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    const kou_sweep_spec *spec = ps->spec;
    lua_settop(L, 0);
    lua_getfield(L, LUA_REGISTRYINDEX, "kouan.sweep.scenario"); /* s */
    kou_scenario_select_era(L, spec->era);                       /* s s-era */
    kou_scenario_info info;
    const kou_model_config *cfg = kou_scenario_build(L, -1, &info); /* s s-era arena */
    ps->alts[0] = (kou_portset_alt){.cfg = cfg, .start_date = info.start_date, .script = ps->spath,
                                    .era = info.era, .name = info.name};
    lua_getfield(L, -2, "processes");
    if (lua_istable(L, -1) && lua_rawlen(L, -1) > 0)
        kou_host_usage_error(L, "sweep: scenario '%s' has processes = {...}: Lua processes cannot "
                             "run on worker threads, so kouan sweep does not take them yet",
                             spec->scenario);
    lua_pop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "kouan.sweep.base"); /* the arena, kept */
    return 0;
}

int kou_portset_sweep_base(kou_portset *ps)
{
    int code = protect(ps, pbuild_base, ps);
    if (code == 0)
        ps->n = 1;
    return code;
}

/* ---- kouan calibrate ---- */

static int pcalibrate(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    open_libraries(L, ps);
    load_command_file(L, ps, "calibrate", "calibration", "kouan.calibration");
    kou_cal_file_read(L, -1, ps->cal);
    find_scenario(L, ps, ps->cal->scenario, "calibration.scenario");
    return 0;
}

kou_portset *kou_portset_new_calibrate(const char *cal, kou_cal_spec *spec, int *status)
{
    return new_for_file(cal, NULL, spec, pcalibrate, status);
}

const char *kou_portset_calibrate_scenario(const kou_portset *cal)
{
    return cal->spath;
}

/* Every free name was read by the scenario (param() or a named prior). */
static void check_free_read(lua_State *L, const kou_portset *ps, const kou_cal_spec *spec)
{
    for (size_t k = 0; k < spec->nfree; k++) {
        if (kou_host_param_was_read(ps->host, spec->free[k].name))
            continue;
        char asked[512];
        kou_host_params_asked(ps->host, asked, sizeof asked);
        kou_host_usage_error(L, "calibration.free[%d] '%s': scenario '%s' never reads it with param(\"%s\", ...) "
                             "(it reads: %s)", (int)k + 1, spec->free[k].name, ps->rq->scripts[0],
                             spec->free[k].name, asked[0] ? asked : "none");
    }
}

static int ppoint(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    int holder = open_libraries(L, ps);
    const char *script = ps->rq->scripts[0];
    kou_host_loadfile(L, script);
    kou_host_call(L, 0, 1);
    if (!kou_scenario_is(L, -1))
        kou_host_usage_error(L, "calibration.scenario '%s' is not a port scenario (it must return scenario{...})",
                             script);
    check_free_read(L, ps, ps->cal);
    load_alternative(L, ps, 0, script, ps->rq->neras ? ps->rq->eras[0] : NULL, holder, true);
    lua_pop(L, 1);
    return 0;
}

kou_portset *kou_portset_calibrate_point(const kou_portset *cal, const double *x, int *status)
{
    const kou_cal_spec *spec = cal->cal;
    char values[KOU_CAL_MAX_PARAMS][32];
    const char *keys[KOU_CAL_MAX_PARAMS], *vals[KOU_CAL_MAX_PARAMS], *script = cal->spath;
    for (size_t k = 0; k < spec->nfree; k++) {
        snprintf(values[k], sizeof values[k], "%.17g", x[k]);
        keys[k] = spec->free[k].name;
        vals[k] = values[k];
    }
    kou_portset_request rq;
    kou_portset_request_default(&rq);
    rq.scripts = &script;
    rq.nscripts = 1;
    rq.eras = &spec->era;
    rq.neras = spec->era ? 1 : 0;
    rq.set_key = keys;
    rq.set_value = vals;
    rq.nset = spec->nfree;
    rq.until = spec->until;
    rq.seed = spec->seed;
    kou_host_config hc;
    kou_host_config_default(&hc);
    hc.seed = rq.seed;
    kou_portset *ps = make(&hc, 1, status);
    if (ps == NULL)
        return NULL;
    for (size_t k = 0; k < rq.nset; k++)
        kou_host_set_param(ps->host, keys[k], vals[k]);
    ps->rq = &rq;
    ps->cal = cal->cal;
    *status = protect(ps, ppoint, ps);
    ps->rq = NULL;
    if (*status != 0) {
        kou_portset_free(ps);
        return NULL;
    }
    return ps;
}

const char *kou_portset_root(void)
{
    return kou_scenario_root();
}

const char *kou_portset_lua_release(void)
{
    return LUA_RELEASE;
}
