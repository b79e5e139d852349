/*
** fuzz_cli.c — fuzz target: the command line's readers (cli.h) and
** --set PATH=VALUE on a port scenario (lua/scenario.h).
**
** The input is a list of arguments separated by newlines. Each one goes
** through kou_cli_u64, kou_cli_double and kou_cli_positive, whose answers
** are checked against strtoull/strtod (a number accepted must be the whole
** argument, finite, and > 0 for _positive); then through kou_cli_set_arg,
** and each KEY=VALUE it accepts is applied, as kouan run applies it, to
** tests/lua/port_small.lua after its era, and the result is checked and
** converted. Wrong answers abort (a finding); errors from the scenario
** (an unknown key, a wrong type) are fine.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "cli.h"
#include "fuzz.h"
#include "lua/host.h"
#include "lua/lsim.h"
#include "lua/scenario.h"

#define MAX_ARGS 16

typedef struct sets {
    int n;
    char key[MAX_ARGS][KOU_CLI_MAX_KEY + 1];
    const char *value[MAX_ARGS];
} sets;

static void check_numbers(const char *a)
{
    uint64_t u;
    double d;
    if (kou_cli_u64(a, &u)) {
        char *end;
        errno = 0;
        unsigned long long ref = strtoull(a, &end, 10);
        if (a[0] < '0' || a[0] > '9' || *end != '\0' || errno != 0 || ref != u)
            abort();
    }
    if (kou_cli_double(a, &d)) {
        char *end;
        double ref = strtod(a, &end);
        if (*end != '\0' || !isfinite(d) || (ref != d && !(isnan(ref) && isnan(d))))
            abort();
    }
    if (kou_cli_positive(a, &d) && !(d > 0 && isfinite(d)))
        abort();
}

static int apply_sets(lua_State *L)
{
    const sets *s = lua_touserdata(L, 1);
    const char *path = lua_touserdata(L, 2);
    lua_settop(L, 0);
    kou_lsim_open(L);
    kou_scenario_open(L);
    kou_host_loadfile(L, path);
    kou_host_call(L, 0, 1);
    lua_pushvalue(L, -1);
    kou_scenario_select_era(L, NULL);
    for (int i = 0; i < s->n; i++)
        kou_scenario_set(L, s->key[i], s->value[i]);
    kou_scenario_info info;
    kou_scenario_build(L, -1, &info);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    sets s;
    s.n = 0;
    for (char *a = text, *next; a != NULL; a = next) {
        next = strchr(a, '\n');
        if (next)
            *next++ = '\0';
        check_numbers(a);
        if (s.n < MAX_ARGS && kou_cli_set_arg(a, s.key[s.n], &s.value[s.n])) {
            if (strlen(s.key[s.n]) > KOU_CLI_MAX_KEY || strchr(s.key[s.n], '=') != NULL)
                abort();
            s.n++;
        }
    }
    if (s.n > 0) {
        static char scenario[1024];
        if (scenario[0] == '\0')
            snprintf(scenario, sizeof scenario, "%s/tests/lua/port_small.lua", kou_scenario_root());
        kou_host_config cfg;
        kou_host_config_default(&cfg);
        cfg.max_memory = (size_t)16 << 20;
        char err[256];
        kou_host *h = kou_host_new(&cfg, err, sizeof err);
        if (h != NULL) {
            lua_State *L = kou_host_state(h);
            lua_pushcfunction(L, kou_host_msghandler);
            lua_pushcfunction(L, apply_sets);
            lua_pushlightuserdata(L, &s);
            lua_pushlightuserdata(L, scenario);
            if (lua_pcall(L, 2, 0, -4) != LUA_OK)
                lua_pop(L, 1);
            kou_host_free(h);
        }
    }
    free(text);
    return 0;
}
