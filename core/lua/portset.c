/*
** portset.c — several port scenarios' configurations (portset.h).
*/
#include "lua/portset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/host.h"
#include "lua/lsim.h"
#include "lua/scenario.h"

struct kou_portset {
    kou_host *host;
    const kou_portset_request *rq;
    size_t n;
    kou_portset_alt *alts;
};

/* One file: its top level, then one configuration per alternative of it
** (alts[first .. first + count)), each arena kept in the holder table at
** stack index holder. */
static void load_file(lua_State *L, kou_portset *ps, const char *script, size_t first, size_t count, int holder)
{
    const kou_portset_request *rq = ps->rq;
    kou_host *h = ps->host;
    kou_host_loadfile(L, script);
    kou_host_call(L, 0, 1); /* s */
    if (!kou_scenario_is(L, -1))
        kou_host_usage_error(L, "compare: '%s' is not a port scenario (it must return scenario{...})", script);
    if (kou_sim_events_pending(kou_host_sim(h)) > 0)
        kou_host_usage_error(L, "compare: '%s' starts processes; comparisons run port scenarios without "
                             "processes", script);
    for (size_t k = 0; k < count; k++) {
        kou_portset_alt *a = &ps->alts[first + k];
        const char *era = rq->neras == 0 ? NULL : rq->neras == 1 ? rq->eras[0] : rq->eras[k];
        lua_pushvalue(L, -1);           /* s s */
        kou_scenario_select_era(L, era); /* s s2 */
        for (int i = 0; i < rq->nset; i++)
            if (!kou_host_param_was_read(h, rq->set_key[i]))
                kou_scenario_set(L, rq->set_key[i], rq->set_value[i]);
        kou_scenario_info info;
        const kou_model_config *cfg = kou_scenario_build(L, -1, &info); /* s s2 arena */
        if (k == 0)
            kou_scenario_check_eras(L, -3, info.era);
        lua_getfield(L, -2, "processes");
        if (lua_istable(L, -1) && lua_rawlen(L, -1) > 0)
            kou_host_usage_error(L, "compare: '%s' has processes = {...}; comparisons run the model alone",
                                 script);
        lua_pop(L, 1);
        kou_model_config *copy = lua_newuserdatauv(L, sizeof *copy, 0); /* s s2 arena copy */
        *copy = *cfg;
        if (rq->until > 0) {
            if (copy->warmup_hours >= rq->until)
                kou_host_usage_error(L, "--until: must be above the warm-up (%d h)", (int)copy->warmup_hours);
            copy->horizon_hours = rq->until;
        }
        lua_rawseti(L, holder, (lua_Integer)(2 * (first + k) + 2)); /* s s2 arena */
        lua_rawseti(L, holder, (lua_Integer)(2 * (first + k) + 1)); /* s s2 */
        lua_pop(L, 1);                                                /* s */
        a->cfg = copy;
        a->start_date = info.start_date;
        a->script = script;
        a->era = info.era;  /* a string of the arena */
        a->name = info.name;
        const char *base = strrchr(script, '/');
        base = base ? base + 1 : script;
        int len = (int)strcspn(base, ".");
        if (rq->nscripts == 1)
            snprintf(a->label, sizeof a->label, "%s", info.era ? info.era : "scenario");
        else
            snprintf(a->label, sizeof a->label, "%.*s%s%s", len, base, info.era ? ":" : "",
                     info.era ? info.era : "");
    }
    lua_pop(L, 1);
}

static int pload(lua_State *L)
{
    kou_portset *ps = lua_touserdata(L, 1);
    lua_settop(L, 0);
    kou_lsim_open(L);
    kou_scenario_open(L);
    lua_newtable(L); /* the holder: arenas and configurations, kept in the registry */
    lua_pushvalue(L, -1);
    luaL_ref(L, LUA_REGISTRYINDEX);
    int holder = lua_gettop(L);
    const kou_portset_request *rq = ps->rq;
    if (rq->nscripts == 1)
        load_file(L, ps, rq->scripts[0], 0, ps->n, holder);
    else
        for (size_t f = 0; f < rq->nscripts; f++)
            load_file(L, ps, rq->scripts[f], f, 1, holder);
    lua_pushboolean(L, 1);
    return 1;
}

kou_portset *kou_portset_load(const kou_portset_request *rq, int *code)
{
    *code = 0;
    kou_portset *ps = calloc(1, sizeof *ps);
    size_t n = rq->nscripts == 1 ? rq->neras : rq->nscripts;
    if (ps == NULL || n == 0 || (ps->alts = calloc(n, sizeof *ps->alts)) == NULL) {
        fputs("kouan: out of memory\n", stderr);
        free(ps);
        *code = 1;
        return NULL;
    }
    ps->n = n;
    ps->rq = rq;
    kou_host_config hc;
    kou_host_config_default(&hc);
    hc.seed = rq->seed;
    hc.max_memory = rq->max_memory;
    hc.max_instructions = rq->max_instructions;
    char err[256];
    ps->host = kou_host_new(&hc, err, sizeof err);
    if (ps->host == NULL) {
        fprintf(stderr, "kouan: %s\n", err);
        kou_portset_free(ps);
        *code = 2;
        return NULL;
    }
    for (int i = 0; i < rq->nset; i++)
        kou_host_set_param(ps->host, rq->set_key[i], rq->set_value[i]);
    lua_State *L = kou_host_state(ps->host);
    lua_pushcfunction(L, kou_host_msghandler);
    lua_pushcfunction(L, pload);
    lua_pushlightuserdata(L, ps);
    int status = lua_pcall(L, 1, 1, 1);
    if (status != LUA_OK) {
        *code = kou_host_report(L, status);
        kou_portset_free(ps);
        return NULL;
    }
    lua_pop(L, 2);
    ps->rq = NULL;
    return ps;
}

size_t kou_portset_count(const kou_portset *ps)
{
    return ps->n;
}

const kou_portset_alt *kou_portset_get(const kou_portset *ps, size_t i)
{
    return i < ps->n ? &ps->alts[i] : NULL;
}

void kou_portset_free(kou_portset *ps)
{
    if (ps == NULL)
        return;
    kou_host_free(ps->host);
    free(ps->alts);
    free(ps);
}

const char *kou_portset_root(void)
{
    return kou_scenario_root();
}
