/*
** main.c — the kouan command. Built like lua.c: main() parses the command
** line, creates the sandboxed host (lua/host.h), and runs everything that
** touches Lua inside pmain under lua_pcall with a message handler that
** adds a traceback; one report function prints an error and picks the exit
** code.
**
** Exit codes: 0 success; 1 the scenario failed (a Lua error, a limit hit,
** an error inside a process); 2 the command was used wrongly (unknown
** option, bad number, missing file, a --set the scenario does not know or
** cannot convert).
**
** Scenario kinds. `kouan run FILE` runs the file's top level in the
** sandbox. A process-style scenario (lua/lsim.h) sets up resources and
** processes and returns nothing; the simulation then runs to the horizon
** and the resource table is printed. A port scenario (to come) will return
** its configuration; run_scenario() is where it plugs in.
*/
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua/host.h"
#include "lua/lsim.h"

#define MAX_SETS 256

typedef struct options {
    const char *script;
    uint64_t seed;
    double until;          /* hours; +infinity: until no event is pending */
    bool quiet;            /* no resource table */
    size_t max_memory;     /* bytes */
    uint64_t max_instructions;
    int nset;
    const char *set_key[MAX_SETS];
    const char *set_value[MAX_SETS];
    char set_buf[MAX_SETS][128];
} options;

static void print_usage(FILE *out)
{
    fputs("usage: kouan run SCENARIO.lua [options]\n"
          "       kouan --help | --version\n"
          "\n"
          "Runs a scenario file in the sandbox and prints, for each resource, its\n"
          "utilisation, mean queue length, mean wait and services completed.\n"
          "\n"
          "options:\n"
          "  --seed N              master seed of every random stream (default 1)\n"
          "  --until HOURS         simulated horizon (default: until no event is pending)\n"
          "  --set KEY=VALUE       scenario parameter, read with param(\"KEY\", default);\n"
          "                        may be repeated\n"
          "  --quiet               do not print the resource table\n"
          "  --max-memory MIB      memory the scenario may use (default 512)\n"
          "  --max-instructions N  Lua instructions per slice before the run is stopped\n"
          "                        as an endless loop (default 1e9)\n"
          "\n"
          "exit status: 0 success, 1 the scenario failed, 2 bad command line\n",
          out);
}

/* One line, exit status 2. */
static int bad_usage(const char *fmt, ...) KOU_PRINTF(1, 2);
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kouan: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see 'kouan --help')\n", stderr);
    va_end(ap);
    return 2;
}

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    if (*s == '\0')
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static bool valid_key(const char *k, size_t len)
{
    if (len == 0 || len >= 128 || !(k[0] == '_' || (k[0] >= 'A' && k[0] <= 'Z') ||
                                     (k[0] >= 'a' && k[0] <= 'z')))
        return false;
    for (size_t i = 1; i < len; i++) {
        char c = k[i];
        if (!(c == '_' || c == '.' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9')))
            return false;
    }
    return true;
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->until = INFINITY;
    o->max_memory = (size_t)512 << 20;
    o->max_instructions = 1000000000u;
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("kouan 0.1.0 (%s)\n", LUA_RELEASE);
        return 0;
    }
    if (strcmp(argv[1], "run") != 0)
        return bad_usage("unknown command '%s'", argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (o->script != NULL)
                return bad_usage("more than one scenario file given ('%s')", a);
            o->script = a;
            continue;
        }
        /* options with a value: --opt VALUE or --opt=VALUE */
        static const char *const with_value[] = {"--seed", "--until", "--set", "--max-memory",
                                                 "--max-instructions", NULL};
        const char *val = NULL;
        const char *const *opt;
        for (opt = with_value; *opt; opt++) {
            size_t n = strlen(*opt);
            if (strncmp(a, *opt, n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                if (a[n] == '=')
                    val = a + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return bad_usage("option '%s' needs a value", *opt);
                break;
            }
        }
        if (*opt == NULL)
            return bad_usage("unknown option '%s'", a);
        if (strcmp(*opt, "--seed") == 0) {
            if (!parse_u64(val, &o->seed))
                return bad_usage("--seed: '%s' is not a non-negative integer", val);
        } else if (strcmp(*opt, "--until") == 0) {
            if (!parse_double(val, &o->until) || o->until <= 0)
                return bad_usage("--until: '%s' is not a positive number of hours", val);
        } else if (strcmp(*opt, "--max-memory") == 0) {
            uint64_t mib;
            if (!parse_u64(val, &mib) || mib < 1 || mib > ((uint64_t)1 << 20))
                return bad_usage("--max-memory: '%s' is not a number of MiB in 1..1048576", val);
            o->max_memory = (size_t)mib << 20;
        } else if (strcmp(*opt, "--max-instructions") == 0) {
            double n;
            if (!parse_double(val, &n) || n < 1000 || n > 1e18 || n != floor(n))
                return bad_usage("--max-instructions: '%s' is not an integer in 1000..1e18", val);
            o->max_instructions = (uint64_t)n;
        } else { /* --set */
            const char *eq = strchr(val, '=');
            if (eq == NULL || !valid_key(val, (size_t)(eq - val)))
                return bad_usage("--set: expected KEY=VALUE with KEY a name (got '%s')", val);
            if (o->nset == MAX_SETS)
                return bad_usage("too many --set options (at most %d)", MAX_SETS);
            size_t klen = (size_t)(eq - val);
            memcpy(o->set_buf[o->nset], val, klen);
            o->set_buf[o->nset][klen] = '\0';
            o->set_key[o->nset] = o->set_buf[o->nset];
            o->set_value[o->nset] = eq + 1;
            o->nset++;
        }
    }
    if (o->script == NULL)
        return bad_usage("%s", "run: no scenario file given");
    FILE *f = fopen(o->script, "r");
    if (f == NULL) {
        fprintf(stderr, "kouan: cannot open scenario '%s': %s\n", o->script, strerror(errno));
        return 2;
    }
    fclose(f);
    return -1;
}

/* The top level has run and left its result on the stack. A process-style
** scenario returns nothing: run the simulation and print the table. (A
** port scenario will return its configuration table here.) */
static void run_scenario(lua_State *L, const options *o)
{
    kou_host *h = kou_host_from_lua(L);
    if (!lua_isnil(L, -1))
        kou_host_usage_error(L, "scenario '%s' returned a %s: only process-style scenarios "
                             "(which return nothing) can be run yet",
                             o->script, luaL_typename(L, -1));
    lua_pop(L, 1);
    const char *key, *value;
    if (kou_host_unused_param(h, &key, &value) >= 0) {
        char asked[512];
        kou_host_params_asked(h, asked, sizeof asked);
        kou_host_usage_error(L, "--set %s=%s: scenario '%s' has no parameter '%s' (it reads: %s)",
                             key, value, o->script, key, asked[0] ? asked : "none");
    }
    kou_lsim_run(L, o->until);
    if (!o->quiet)
        kou_lsim_print_report(L, stdout);
}

static int pmain(lua_State *L)
{
    const options *o = lua_touserdata(L, 1);
    lua_settop(L, 0);
    kou_lsim_open(L);
    kou_host_loadfile(L, o->script); /* chunk */
    kou_host_call(L, 0, 1);          /* result */
    run_scenario(L, o);
    lua_pushboolean(L, 1);
    return 1;
}

int main(int argc, char **argv)
{
    options *o = malloc(sizeof *o);
    if (o == NULL) {
        fputs("kouan: out of memory\n", stderr);
        return 1;
    }
    int code = parse_args(argc, argv, o);
    if (code >= 0) {
        free(o);
        return code;
    }
    kou_host_config cfg;
    kou_host_config_default(&cfg);
    cfg.seed = o->seed;
    cfg.max_memory = o->max_memory;
    cfg.max_instructions = o->max_instructions;
    char err[256];
    kou_host *h = kou_host_new(&cfg, err, sizeof err);
    if (h == NULL) {
        fprintf(stderr, "kouan: %s\n", err);
        free(o);
        return 2;
    }
    for (int i = 0; i < o->nset; i++)
        kou_host_set_param(h, o->set_key[i], o->set_value[i]);

    lua_State *L = kou_host_state(h);
    lua_pushcfunction(L, kou_host_msghandler); /* msgh */
    lua_pushcfunction(L, pmain);               /* msgh pmain */
    lua_pushlightuserdata(L, o);               /* msgh pmain o */
    int status = lua_pcall(L, 1, 1, 1);        /* msgh result|error */
    code = 0;
    if (status != LUA_OK)
        code = kou_host_report(L, status);
    else if (!lua_toboolean(L, -1))
        code = 1;
    if (fflush(stdout) != 0 && code == 0) {
        fprintf(stderr, "kouan: cannot write the output: %s\n", strerror(errno));
        code = 1;
    }
    kou_host_free(h);
    free(o);
    return code;
}
