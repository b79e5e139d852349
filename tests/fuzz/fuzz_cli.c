/*
** fuzz_cli.c — fuzz target: the command line. The input is a list of
** arguments separated by newlines.
**
**  - Each argument goes through cli.h's readers (kou_cli_u64,
**    kou_cli_double, kou_cli_positive), whose answers are checked against
**    strtoull/strtod (a number accepted must be the whole argument,
**    finite, and > 0 for _positive).
**  - The whole list is parsed by the commands' option parser (cmd/opt.h)
**    against a table with every kind of option. It must answer -1 (go on),
**    0 (only after --help) or 2 (a usage error), and after -1 every
**    destination must hold what its kind promises (a count in its range,
**    a finite number in its range, a non-empty text from argv, at most
**    max list entries, --set keys that are names, a choice's index, the
**    positional count allowed).
**  - Every KEY=VALUE the --set reader accepts (an argument alone, or the
**    parser's --set values) is applied, as kouan run applies it, to
**    tests/lua/port_small.lua after its era, and the result is checked
**    and converted (lua/scenario.h): errors from the scenario (an unknown
**    key, a wrong type) are fine.
** Wrong answers abort (a finding).
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "cmd/cli.h"
#include "cmd/opt.h"
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

/* ---- the option parser ---- */

static const char *const choices[] = {"overall_mean", "overall_p90", "customs_mean"};

typedef struct parsed {
    bool flag, help, count_given;
    uint64_t count, whole;
    double number, positive;
    const char *text, *checked;
    const char *items[4];
    kou_opt_list list;
    const char *set_key[MAX_ARGS], *set_value[MAX_ARGS];
    char set_buf[MAX_ARGS][KOU_OPT_MAX_KEY + 1];
    kou_opt_sets sets;
    int choice;
    const char *pos[3];
    size_t npos;
} parsed;

static parsed *current;

static void help(FILE *out)
{
    (void)out;
    current->help = true;
}

static bool ends_png(const char *value, void *dest)
{
    size_t n = strlen(value);
    if (n < 5 || strcmp(value + n - 4, ".png") != 0)
        return false;
    *(const char **)dest = value;
    return true;
}

/* Whether s is one of the arguments or points into one. */
static bool from_argv(const char *s, int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (s >= argv[i] && s <= argv[i] + strlen(argv[i]))
            return true;
    return false;
}

static void check_parsed(const parsed *p, int argc, char **argv)
{
    if (p->npos > 3 || (p->count_given && (p->count < 1 || p->count > 100000)))
        abort();
    if (p->whole != 0 && (p->whole < 1000 || p->whole > (uint64_t)1e18))
        abort();
    if (!(isfinite(p->number) && p->number >= 0 && p->number <= 1e9) || !(isfinite(p->positive) && p->positive > 0))
        abort();
    if ((p->text && (!*p->text || !from_argv(p->text, argc, argv))) || (p->checked && !from_argv(p->checked, argc, argv)))
        abort();
    if (p->list.n > p->list.max || p->sets.n > p->sets.max || p->choice < 0 || p->choice > 2)
        abort();
    for (size_t i = 0; i < p->list.n; i++)
        if (!*p->items[i] || !from_argv(p->items[i], argc, argv))
            abort();
    for (size_t i = 0; i < p->sets.n; i++) {
        const char *k = p->set_key[i];
        if (strlen(k) == 0 || strlen(k) > KOU_OPT_MAX_KEY || strchr(k, '=') || !from_argv(p->set_value[i], argc, argv))
            abort();
    }
}

/* Parses argv as a command line; the --set values it accepts join s. */
static void parse_command_line(int argc, char **argv, sets *s)
{
    static parsed p;
    memset(&p, 0, sizeof p);
    p.positive = 1;
    p.list = (kou_opt_list){.items = p.items, .max = 4};
    p.sets = (kou_opt_sets){.key = p.set_key, .value = p.set_value, .buf = p.set_buf, .max = MAX_ARGS};
    current = &p;
    const kou_opt opts[] = {
        {"--flag", "-f", KOU_OPT_FLAG, &p.flag, .help = NULL},
        {"--count", "-c", KOU_OPT_COUNT, &p.count, 1, 100000, .what = "a count", .given = &p.count_given},
        {"--whole", NULL, KOU_OPT_WHOLE, &p.whole, 1000, 1e18, .what = "a whole number"},
        {"--number", NULL, KOU_OPT_NUMBER, &p.number, 0, 1e9, .what = "a number"},
        {"--positive", NULL, KOU_OPT_NUMBER, &p.positive, 0, INFINITY, true, "a positive number", .help = NULL},
        {"--text", "-t", KOU_OPT_TEXT, &p.text, .what = "a text"},
        {"--list", NULL, KOU_OPT_LIST, &p.list, .what = "an item"},
        {"--set", NULL, KOU_OPT_SET, &p.sets, .help = NULL},
        {"--choice", NULL, KOU_OPT_CHOICE, &p.choice, .what = "metric", .choices = choices, .nchoices = 3},
        {"--plot", NULL, KOU_OPT_CHECKED, &p.checked, .what = "a .png", .check = ends_png},
        {"--help", "-h", KOU_OPT_HELP, NULL, .help = NULL},
    };
    kou_opt_spec spec = {.command = "fuzz", .opts = opts, .nopts = sizeof opts / sizeof *opts,
                         .positional = "file", .min_pos = 0, .max_pos = 3, .pos = p.pos, .npos = &p.npos,
                         .help = help};
    int rc = kou_opt_parse(&spec, argc, argv);
    if (rc != -1 && rc != 0 && rc != 2)
        abort();
    if ((rc == 0) != p.help)
        abort();
    if (rc != -1)
        return;
    check_parsed(&p, argc, argv);
    for (size_t i = 0; i < p.sets.n && s->n < MAX_ARGS; i++, s->n++) {
        memcpy(s->key[s->n], p.set_key[i], sizeof s->key[s->n]);
        s->value[s->n] = p.set_value[i];
    }
}

/* ---- --set on the small port ---- */

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

static void run_sets(const sets *s)
{
    static char scenario[1024];
    if (scenario[0] == '\0')
        snprintf(scenario, sizeof scenario, "%s/tests/lua/port_small.lua", kou_scenario_root());
    kou_host_config cfg;
    kou_host_config_default(&cfg);
    cfg.max_memory = (size_t)16 << 20;
    char err[256];
    kou_host *h = kou_host_new(&cfg, err, sizeof err);
    if (h == NULL)
        return;
    lua_State *L = kou_host_state(h);
    lua_pushcfunction(L, kou_host_msghandler);
    lua_pushcfunction(L, apply_sets);
    lua_pushlightuserdata(L, (void *)(uintptr_t)s);
    lua_pushlightuserdata(L, scenario);
    if (lua_pcall(L, 2, 0, -4) != LUA_OK)
        lua_pop(L, 1);
    kou_host_free(h);
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
    static sets s;
    s.n = 0;
    char *argv[64];
    int argc = 0;
    for (char *a = text, *next; a != NULL; a = next) {
        next = strchr(a, '\n');
        if (next)
            *next++ = '\0';
        check_numbers(a);
        if (argc < 64)
            argv[argc++] = a;
        if (s.n < MAX_ARGS && kou_cli_set_arg(a, s.key[s.n], &s.value[s.n])) {
            if (strlen(s.key[s.n]) > KOU_CLI_MAX_KEY || strchr(s.key[s.n], '=') != NULL)
                abort();
            s.n++;
        }
    }
    parse_command_line(argc, argv, &s);
    if (s.n > 0)
        run_sets(&s);
    free(text);
    return 0;
}
