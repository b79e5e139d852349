/*
** scenario.c — import, scenario tables and their conversion into a
** kou_model_config. See scenario.h for what it owns and docs/scenario-format.md
** for the format.
*/
#define _XOPEN_SOURCE 700 /* realpath and PATH_MAX (also POSIX 2008) */
#include "lua/scenario.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/base.h"
#include "lua/host.h"
#include "kouan_paths.h"

#define IMPORTS_KEY "kouan.imports"   /* resolved path -> module result */
#define SOURCES_KEY "kouan.sources"   /* list of {path, text} of imported files */
#define LIB_KEY "kouan.scenario.lib"  /* scenario.lua's module table */
#define SETS_KEY "kouan.sets"         /* --set path -> value text */
#define ARENA_META "kouan.Arena"
#define LOADING ((void *)0)           /* placeholder while a file is being imported */

/* ---- where the tree is ---- */

const char *kou_scenario_root(void)
{
    const char *env = getenv("KOUAN_ROOT");
    return env && *env ? env : KOUAN_SOURCE_ROOT;
}

/* ---- import ---- */

static bool file_exists(const char *p)
{
    FILE *f = fopen(p, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

/* Pushes the text of the file; false (nothing pushed) if it cannot be read. */
static bool push_file_text(lua_State *L, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (;;) {
        char *p = luaL_prepbuffer(&b);
        size_t n = fread(p, 1, LUAL_BUFFERSIZE, f);
        luaL_addsize(&b, n);
        if (n < LUAL_BUFFERSIZE)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    luaL_pushresult(&b);
    if (bad) {
        lua_pop(L, 1);
        return false;
    }
    return true;
}

static bool module_name_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Pushes "known: a, b, c" for the modules in dir, with a nearest-name
** suggestion for name first when one is close. */
static void push_known_modules(lua_State *L, const char *dir, const char *name)
{
    const char *names[64];
    char store[64][64];
    size_t n = 0;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < 64) {
            size_t len = strlen(e->d_name);
            if (len > 4 && len < 64 && ends_with(e->d_name, ".lua")) {
                memcpy(store[n], e->d_name, len - 4);
                store[n][len - 4] = '\0';
                names[n] = store[n];
                n++;
            }
        }
        closedir(d);
    }
    /* sorted, so the message is the same on every file system */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *near = koui_nearest_name(name, names, n);
    if (near) {
        luaL_addstring(&b, "did you mean '");
        luaL_addstring(&b, near);
        luaL_addstring(&b, "'? ");
    }
    luaL_addstring(&b, "known: ");
    for (size_t i = 0; i < n; i++) {
        if (i)
            luaL_addstring(&b, ", ");
        luaL_addstring(&b, names[i]);
    }
    if (n == 0)
        luaL_addstring(&b, "none");
    luaL_pushresult(&b);
}

/* Directory of the Lua function calling import (from its chunk name), or
** "" when it is not a file. */
static void push_caller_dir(lua_State *L)
{
    lua_Debug ar;
    if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "S", &ar) && ar.source[0] == '@') {
        const char *src = ar.source + 1;
        const char *slash = strrchr(src, '/');
        if (slash) {
            lua_pushlstring(L, src, (size_t)(slash - src + 1));
            return;
        }
    }
    lua_pushliteral(L, "");
}

static int import_run(lua_State *L)
{
    kou_host_call(L, 0, 1); /* the chunk, as one slice of the sandbox */
    return 1;
}

/* import(name): see scenario.h. */
static int l_import(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    const char *root = kou_scenario_root();
    lua_settop(L, 1);
    if (ends_with(name, ".lua")) {
        if (name[0] == '/')
            return luaL_error(L, "import '%s': give a path relative to the scenario or to the "
                              "kouan tree, not an absolute one", name);
        push_caller_dir(L);                                     /* name dir */
        lua_pushfstring(L, "%s%s", lua_tostring(L, 2), name);   /* name dir p1 */
        if (!file_exists(lua_tostring(L, 3))) {
            lua_pushfstring(L, "%s/%s", root, name);            /* name dir p1 p2 */
            if (!file_exists(lua_tostring(L, 4)))
                return luaL_error(L, "import '%s': no such file (looked in '%s' and '%s')", name,
                                  lua_tostring(L, 2)[0] ? lua_tostring(L, 2) : "./", root);
            lua_replace(L, 3);
        }
        lua_settop(L, 3);                                       /* name dir path */
    } else {
        if (!module_name_ok(name))
            return luaL_error(L, "import '%s': a module name is letters, digits and '_' "
                              "(or give a FILE.lua path)", name);
        lua_pushfstring(L, "%s/scripts/kouan", root);           /* name dir */
        lua_pushfstring(L, "%s/%s.lua", lua_tostring(L, 2), name); /* name dir path */
        if (!file_exists(lua_tostring(L, 3))) {
            push_known_modules(L, lua_tostring(L, 2), name);
            return luaL_error(L, "import '%s': no module '%s' in %s (%s)", name, name,
                              lua_tostring(L, 2), lua_tostring(L, -1));
        }
    }
    const char *path = lua_tostring(L, 3);
    /* the cache is keyed by the canonical path, so one file reached by two
    ** relative paths still runs once, and importing the scenario file being
    ** run is seen as the cycle it is */
    char canon[PATH_MAX], main_canon[PATH_MAX]; /* no malloc: a Lua error may follow */
    if (realpath(path, canon) == NULL)
        return luaL_error(L, "import '%s': cannot resolve '%s': %s", name, path, strerror(errno));
    lua_pushstring(L, canon);                                   /* name dir path key */
    bool is_main = realpath(kou_host_script(kou_host_from_lua(L)), main_canon) != NULL &&
                   strcmp(main_canon, canon) == 0;
    if (is_main)
        return luaL_error(L, "import '%s': import cycle ('%s' is the scenario being run)", name, path);
    lua_replace(L, 2);                                          /* name key path */
    lua_getfield(L, LUA_REGISTRYINDEX, IMPORTS_KEY);            /* name key path cache */
    lua_pushvalue(L, 2);
    int t = lua_rawget(L, 4);                                   /* ... cached */
    if (t == LUA_TLIGHTUSERDATA)
        return luaL_error(L, "import '%s': import cycle (the file imports itself, directly or "
                          "through another import)", name);
    if (t != LUA_TNIL) {
        lua_getfield(L, -1, "value");
        return 1;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, 2);
    lua_pushlightuserdata(L, LOADING);
    lua_rawset(L, 4);
    if (!push_file_text(L, path))                               /* ... text */
        return luaL_error(L, "import '%s': cannot read '%s': %s", name, path, strerror(errno));
    /* keep the text for line numbers in error messages */
    lua_getfield(L, LUA_REGISTRYINDEX, SOURCES_KEY);            /* ... text sources */
    lua_createtable(L, 2, 0);
    lua_pushvalue(L, 3);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, -3);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);                                              /* ... text */
    size_t len;
    const char *text = lua_tolstring(L, -1, &len);
    lua_pushfstring(L, "@%s", path);
    int st = luaL_loadbufferx(L, text, len, lua_tostring(L, -1), "t"); /* ... text chunkname f */
    if (st != LUA_OK)
        return lua_error(L);
    /* run it protected, so that a failed import leaves no "loading" mark
    ** behind (a later import of the same file would call it a cycle) */
    lua_pushcfunction(L, import_run);
    lua_insert(L, -2);                                          /* ... chunkname run f */
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {                      /* ... chunkname err */
        lua_pushvalue(L, 2);
        lua_pushnil(L);
        lua_rawset(L, 4);
        return lua_error(L);
    }                                                           /* ... text chunkname result */
    lua_createtable(L, 0, 1);                                   /* ... result box */
    lua_insert(L, -2);
    lua_setfield(L, -2, "value");                               /* ... box */
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 4);                                           /* cache[key] = box */
    lua_getfield(L, -1, "value");
    return 1;
}

static int l_no_library(lua_State *L)
{
    return luaL_error(L, "scenario: the scenario library '%s' is missing (set KOUAN_ROOT to the "
                      "kouan tree, the folder that holds scripts/kouan/)",
                      lua_tostring(L, lua_upvalueindex(1)));
}

void kou_scenario_open(lua_State *L)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, IMPORTS_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SOURCES_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SETS_KEY);
    lua_pushcfunction(L, l_import);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "import");
    /* without the library, process-style scenarios still run: only
    ** scenario{} then fails, saying where the library was looked for */
    lua_pushfstring(L, "%s/scripts/kouan/scenario.lua", kou_scenario_root());
    if (!file_exists(lua_tostring(L, -1))) {
        lua_pushcclosure(L, l_no_library, 1);
        lua_setglobal(L, "scenario");
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    lua_pushliteral(L, "scenario");
    lua_call(L, 1, 1);                                  /* lib */
    if (!lua_istable(L, -1) || lua_getfield(L, -1, "scenario") != LUA_TFUNCTION)
        luaL_error(L, "scripts/kouan/scenario.lua did not return the scenario library");
    lua_setglobal(L, "scenario");
    lua_setfield(L, LUA_REGISTRYINDEX, LIB_KEY);
}

/* Pushes lib[fname]. */
static void push_lib(lua_State *L, const char *fname)
{
    lua_getfield(L, LUA_REGISTRYINDEX, LIB_KEY);
    lua_getfield(L, -1, fname);
    lua_remove(L, -2);
}

bool kou_scenario_is(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, LUA_REGISTRYINDEX, LIB_KEY) != LUA_TTABLE) { /* no library */
        lua_pop(L, 1);
        return false;
    }
    lua_pop(L, 1);
    push_lib(L, "is_scenario");
    lua_pushvalue(L, idx);
    lua_call(L, 1, 1);
    bool yes = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return yes;
}

/* ---- error positions: where is KEY = written? ---- */

/* Line (1-based) of the first "KEY = VALUE..." in text (word boundary
** before KEY, '=' not '=='), preferring one whose value starts with
** valtext; 0 if none. */
static int find_key_line(const char *text, const char *key, const char *valtext)
{
    size_t klen = strlen(key);
    int first = 0, line = 1;
    const char *line_start = text;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            line++;
            line_start = p + 1;
            continue;
        }
        if (strncmp(p, key, klen) != 0)
            continue;
        if (p > line_start && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
            continue;
        const char *q = p + klen;
        if (*q == '"' && q[1] == ']') /* ["key"] = */
            q += 2;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=' || q[1] == '=')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (valtext && *valtext && strncmp(q, valtext, strlen(valtext)) == 0)
            return line;
        if (first == 0)
            first = line;
    }
    return first;
}

/* Pushes "FILE:LINE: " for key (searching the scenario file, then every
** imported file), or "FILE: " (the scenario file) when no line is found. */
static void push_key_where(lua_State *L, const char *key, const char *valtext)
{
    const char *script = kou_host_script(kou_host_from_lua(L));
    if (key && *key) {
        if (push_file_text(L, script)) {
            int line = find_key_line(lua_tostring(L, -1), key, valtext);
            lua_pop(L, 1);
            if (line > 0) {
                lua_pushfstring(L, "%s:%d: ", script, line);
                return;
            }
        }
        lua_getfield(L, LUA_REGISTRYINDEX, SOURCES_KEY);
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, -1, i);
            lua_rawgeti(L, -1, 2);
            int line = find_key_line(lua_tostring(L, -1), key, valtext);
            lua_pop(L, 1);
            if (line > 0) {
                lua_rawgeti(L, -1, 1);
                lua_pushfstring(L, "%s:%d: ", lua_tostring(L, -1), line);
                lua_replace(L, -4);
                lua_pop(L, 2);
                return;
            }
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    lua_pushfstring(L, "%s: ", script);
}

/* ---- eras and --set ---- */

void kou_scenario_select_era(lua_State *L, const char *era)
{
    push_lib(L, "select_era");
    lua_pushvalue(L, -2);
    if (era)
        lua_pushstring(L, era);
    else
        lua_pushnil(L);
    lua_pushboolean(L, era != NULL);
    lua_call(L, 3, 2);                 /* s s2|nil era|msg */
    if (lua_isnil(L, -2)) {
        const char *msg = lua_tostring(L, -1);
        if (era)
            kou_host_usage_error(L, "%s", msg);
        push_key_where(L, "era", NULL);
        lua_pushfstring(L, "%s%s", lua_tostring(L, -1), msg);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    lua_pop(L, 1);
    lua_replace(L, -2);
}

void kou_scenario_set(lua_State *L, const char *path, const char *value)
{
    push_lib(L, "set");
    lua_pushvalue(L, -2);
    lua_pushstring(L, path);
    lua_pushstring(L, value);
    lua_call(L, 3, 4);                 /* s ok|nil msg badkey names */
    if (lua_isnil(L, -4)) {
        const char *near = NULL;
        const char *cands[256];
        size_t n = 0;
        if (lua_isstring(L, -2) && lua_istable(L, -1)) {
            lua_Integer m = (lua_Integer)lua_rawlen(L, -1);
            for (lua_Integer i = 1; i <= m && n < 256; i++) {
                lua_rawgeti(L, -1, i);
                cands[n++] = lua_tostring(L, -1); /* anchored by the names table */
                lua_pop(L, 1);
            }
            near = koui_nearest_name(lua_tostring(L, -2), cands, n);
        }
        if (near)
            kou_host_usage_error(L, "--set %s=%s: %s (did you mean '%s'?)", path, value,
                                 lua_tostring(L, -3), near);
        kou_host_usage_error(L, "--set %s=%s: %s", path, value, lua_tostring(L, -3));
    }
    lua_pop(L, 4);
    lua_getfield(L, LUA_REGISTRYINDEX, SETS_KEY);
    lua_pushstring(L, value);
    lua_setfield(L, -2, path);
    lua_pop(L, 1);
}

/* ---- the arena ---- */

typedef struct ablock {
    struct ablock *next;
    max_align_t data[];
} ablock;

typedef struct arena {
    ablock *head;
} arena;

static int arena_gc(lua_State *L)
{
    arena *a = luaL_checkudata(L, 1, ARENA_META);
    while (a->head) {
        ablock *b = a->head;
        a->head = b->next;
        free(b);
    }
    return 0;
}

static arena *push_arena(lua_State *L)
{
    arena *a = lua_newuserdatauv(L, sizeof *a, 0);
    a->head = NULL;
    if (luaL_newmetatable(L, ARENA_META)) {
        lua_pushcfunction(L, arena_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return a;
}

/* ---- conversion ---- */

typedef struct conv {
    lua_State *L;
    arena *A;
    char path[512];    /* "ports.CGO.flows.freighter" */
    size_t plen;
    const char *entry; /* name of the innermost named entry (for positions) */
    const char *note;  /* "era 'X': " when checking an era not chosen, else "" */
} conv;

static void *cv_alloc(conv *c, size_t n)
{
    ablock *b = koui_fault_alloc_fails() ? NULL : calloc(1, sizeof *b + (n ? n : 1));
    if (b == NULL) {
        luaL_error(c->L, "out of memory converting the scenario");
        return NULL;
    }
    b->next = c->A->head;
    c->A->head = b;
    return b->data;
}

static const char *cv_strdup(conv *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = cv_alloc(c, n);
    memcpy(p, s, n);
    return p;
}

/* Appends ".key" (or "key" at the top) to the path; returns the old length. */
static size_t path_push(conv *c, const char *key)
{
    size_t old = c->plen;
    int n = snprintf(c->path + c->plen, sizeof c->path - c->plen, "%s%s", c->plen ? "." : "", key);
    if (n > 0)
        c->plen = c->plen + (size_t)n < sizeof c->path ? c->plen + (size_t)n : sizeof c->path - 1;
    return old;
}

static void path_pop(conv *c, size_t old)
{
    c->plen = old;
    c->path[old] = '\0';
}

/* Is path, or a path it is a prefix of, a --set? Pushes "--set P=V" then. */
static bool push_set_origin(conv *c, const char *path)
{
    lua_State *L = c->L;
    lua_getfield(L, LUA_REGISTRYINDEX, SETS_KEY);
    lua_pushnil(L);
    size_t plen = strlen(path);
    while (lua_next(L, -2)) {
        const char *k = lua_tostring(L, -2);
        if (k && strncmp(k, path, plen) == 0 && (k[plen] == '\0' || k[plen] == '.')) {
            lua_pushfstring(L, "--set %s=%s", k, lua_tostring(L, -1)); /* sets k v text */
            lua_replace(L, -4);                                         /* text k v */
            lua_pop(L, 2);
            return true;
        }
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return false;
}

/* Raises "FILE:LINE: <message>" (key = the key whose line to look for,
** valtext its value as written, if known), or a usage error when the
** offending path came from --set. */
static void cv_fail(conv *c, const char *key, const char *valtext, const char *fmt, ...)
    KOU_PRINTF(4, 5);
static void cv_fail(conv *c, const char *key, const char *valtext, const char *fmt, ...)
{
    lua_State *L = c->L;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char full[600];
    snprintf(full, sizeof full, "%s%s%s", c->path, c->plen && key ? "." : "", key ? key : "");
    if (push_set_origin(c, full))
        kou_host_usage_error(L, "%s: %s", lua_tostring(L, -1), msg);
    if (key == NULL && c->entry) { /* no key of its own: point at the entry's name */
        char q[300];
        snprintf(q, sizeof q, "\"%s\"", c->entry);
        push_key_where(L, "name", q);
    } else {
        push_key_where(L, key, valtext);
    }
    lua_pushfstring(L, "%s%s%s", lua_tostring(L, -1), c->note, msg);
    kou_host_push_report(L, lua_tostring(L, -1), false);
    lua_error(L);
}

/* Text of the value at idx for "(got ...)". */
static const char *got(conv *c, int idx, char *buf, size_t len)
{
    lua_State *L = c->L;
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            snprintf(buf, len, "%lld", (long long)lua_tointeger(L, idx));
        else
            snprintf(buf, len, "%.17g", lua_tonumber(L, idx));
        /* shortest text that reads back the same */
        for (int p = 1; p <= 17 && !lua_isinteger(L, idx); p++) {
            snprintf(buf, len, "%.*g", p, lua_tonumber(L, idx));
            if (strtod(buf, NULL) == lua_tonumber(L, idx))
                break;
        }
        break;
    case LUA_TSTRING: snprintf(buf, len, "'%s'", lua_tostring(L, idx)); break;
    case LUA_TBOOLEAN: snprintf(buf, len, "%s", lua_toboolean(L, idx) ? "true" : "false"); break;
    default: snprintf(buf, len, "a %s", luaL_typename(L, idx)); break;
    }
    return buf;
}

/* The written form of a value, to find its line: numbers as written
** (roughly), strings quoted. */
static const char *valtext_of(conv *c, int idx, char *buf, size_t len)
{
    lua_State *L = c->L;
    if (lua_type(L, idx) == LUA_TSTRING)
        snprintf(buf, len, "\"%s\"", lua_tostring(L, idx));
    else if (lua_type(L, idx) == LUA_TNUMBER || lua_type(L, idx) == LUA_TBOOLEAN)
        got(c, idx, buf, len);
    else
        buf[0] = '\0';
    return buf;
}

/* Refuses any key of table t not in allowed (NULL-terminated); integer
** keys 1..npos are allowed too (positional fields). */
static void check_keys(conv *c, int t, const char *const allowed[], lua_Integer npos)
{
    lua_State *L = c->L;
    t = lua_absindex(L, t);
    size_t n = 0;
    while (allowed[n])
        n++;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            const char *k = lua_tostring(L, -1);
            bool known = false;
            for (size_t i = 0; i < n && !known; i++)
                known = strcmp(k, allowed[i]) == 0;
            if (!known) {
                const char *near = koui_nearest_name(k, allowed, n);
                char list[1200];
                size_t at = 0;
                list[0] = '\0';
                for (size_t i = 0; i < n && at < sizeof list; i++) {
                    int w = snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", allowed[i]);
                    if (w > 0)
                        at += (size_t)w;
                }
                if (near)
                    cv_fail(c, k, NULL, "%s%s%s: unknown key (did you mean '%s'?)", c->path,
                            c->plen ? "." : "", k, near);
                cv_fail(c, k, NULL, "%s%s%s: unknown key (known: %s)", c->path, c->plen ? "." : "", k,
                        list);
            }
        } else if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= npos) {
            /* positional field */
        } else {
            char b[64];
            cv_fail(c, NULL, NULL, "%s: unexpected key %s (expected named keys%s)", c->plen ? c->path : "scenario",
                    got(c, -1, b, sizeof b), npos ? " and a leading positional value" : "");
        }
    }
}

/* Checks that the value at idx is a list (keys 1..n only); returns n. */
static size_t check_list(conv *c, int idx, const char *key, const char *what)
{
    lua_State *L = c->L;
    idx = lua_absindex(L, idx);
    char b[64];
    if (!lua_istable(L, idx))
        cv_fail(c, key, NULL, "%s%s%s must be a list of %s (got %s)", c->path, c->plen ? "." : "", key, what,
                got(c, idx, b, sizeof b));
    size_t n = (size_t)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        count++;
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || (size_t)lua_tointeger(L, -1) > n) {
            char k[64];
            cv_fail(c, key, NULL, "%s%s%s must be a list of %s (it has the key %s)", c->path,
                    c->plen ? "." : "", key, what, got(c, -2, k, sizeof k));
        }
    }
    if (count != n)
        cv_fail(c, key, NULL, "%s%s%s must be a list of %s without holes", c->path, c->plen ? "." : "", key,
                what);
    return n;
}

typedef enum range { R_ANY, R_NONNEG, R_POS, R_UNIT } range;

static bool in_range(double v, range r)
{
    switch (r) {
    case R_NONNEG: return v >= 0.0;
    case R_POS: return v > 0.0;
    case R_UNIT: return v >= 0.0 && v <= 1.0;
    default: return true;
    }
}

static const char *range_text(range r)
{
    switch (r) {
    case R_NONNEG: return "a number >= 0";
    case R_POS: return "a number > 0";
    case R_UNIT: return "a number in [0, 1]";
    default: return "a finite number";
    }
}

/* t[key] as a number (def when absent). */
static double get_number(conv *c, int t, const char *key, range r, double def)
{
    lua_State *L = c->L;
    int ty = lua_getfield(L, t, key);
    double v = def;
    if (ty != LUA_TNIL) {
        char b[128], vt[128];
        if (ty != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)) || !in_range(lua_tonumber(L, -1), r))
            cv_fail(c, key, valtext_of(c, -1, vt, sizeof vt), "%s%s%s must be %s (got %s)", c->path,
                    c->plen ? "." : "", key, range_text(r), got(c, -1, b, sizeof b));
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

static bool get_bool(conv *c, int t, const char *key, bool def)
{
    lua_State *L = c->L;
    int ty = lua_getfield(L, t, key);
    bool v = def;
    if (ty != LUA_TNIL) {
        char b[128], vt[128];
        if (ty != LUA_TBOOLEAN)
            cv_fail(c, key, valtext_of(c, -1, vt, sizeof vt), "%s%s%s must be true or false (got %s)", c->path,
                    c->plen ? "." : "", key, got(c, -1, b, sizeof b));
        v = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

/* t[key] as a string copied into the arena; NULL when absent. */
static const char *get_string(conv *c, int t, const char *key)
{
    lua_State *L = c->L;
    int ty = lua_getfield(L, t, key);
    const char *s = NULL;
    if (ty != LUA_TNIL) {
        char b[128], vt[128];
        if (ty != LUA_TSTRING)
            cv_fail(c, key, valtext_of(c, -1, vt, sizeof vt), "%s%s%s must be a string (got %s)", c->path,
                    c->plen ? "." : "", key, got(c, -1, b, sizeof b));
        s = cv_strdup(c, lua_tostring(L, -1));
    }
    lua_pop(L, 1);
    return s;
}

/* t[key] among the choices; returns its index, def when absent. */
static int get_choice(conv *c, int t, const char *key, const char *const choices[], size_t n, int def,
                      bool required)
{
    lua_State *L = c->L;
    int ty = lua_getfield(L, t, key);
    int v = def;
    char list[200];
    size_t at = 0;
    list[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(list + at, sizeof list - at, "%s\"%s\"", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                         choices[i]);
        if (w > 0 && at + (size_t)w < sizeof list)
            at += (size_t)w;
    }
    if (ty == LUA_TNIL) {
        if (required)
            cv_fail(c, NULL, NULL, "%s.%s is required (%s)", c->path, key, list);
    } else {
        char b[128], vt[128];
        v = -1;
        if (ty == LUA_TSTRING)
            for (size_t i = 0; i < n; i++)
                if (strcmp(lua_tostring(L, -1), choices[i]) == 0)
                    v = (int)i;
        if (v < 0)
            cv_fail(c, key, valtext_of(c, -1, vt, sizeof vt), "%s%s%s must be %s (got %s)", c->path,
                    c->plen ? "." : "", key, list, got(c, -1, b, sizeof b));
    }
    lua_pop(L, 1);
    return v;
}

/* A list of numbers at t[key] into the arena. */
static double *get_numbers(conv *c, int t, const char *key, size_t *n, range r)
{
    lua_State *L = c->L;
    lua_getfield(L, t, key);
    *n = check_list(c, -1, key, "numbers");
    double *x = cv_alloc(c, (*n ? *n : 1) * sizeof *x);
    for (size_t i = 0; i < *n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        char b[128];
        if (!lua_isnumber(L, -1) || lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)) ||
            !in_range(lua_tonumber(L, -1), r))
            cv_fail(c, key, NULL, "%s%s%s[%zu] must be %s (got %s)", c->path, c->plen ? "." : "", key, i + 1,
                    range_text(r), got(c, -1, b, sizeof b));
        x[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return x;
}

/* ---- distributions ---- */

typedef struct family {
    const char *name;
    kou_dist_family f;
    const char *keys[5];
} family;

static const family families[] = {
    {"fixed", KOU_DIST_DETERMINISTIC, {"value", NULL}},
    {"deterministic", KOU_DIST_DETERMINISTIC, {"value", NULL}},
    {"exponential", KOU_DIST_EXPONENTIAL, {"mean", NULL}},
    {"erlang", KOU_DIST_ERLANG, {"k", "mean", NULL}},
    {"gamma", KOU_DIST_GAMMA, {"shape", "scale", NULL}},
    {"lognormal", KOU_DIST_LOGNORMAL, {"mean", "cv", NULL}},
    {"weibull", KOU_DIST_WEIBULL, {"shape", "scale", NULL}},
    {"triangular", KOU_DIST_TRIANGULAR, {"min", "mode", "max", NULL}},
    {"uniform", KOU_DIST_UNIFORM, {"min", "max", NULL}},
    {"normal", KOU_DIST_TRUNCNORMAL, {"mean", "sd", "lo", "hi", NULL}},
    {"discrete", KOU_DIST_DISCRETE, {"values", "weights", NULL}},
    {"piecewise", KOU_DIST_PIECEWISE, {"x", "p", NULL}},
};
#define NFAMILIES (sizeof families / sizeof families[0])

/* t[key] as a distribution spec: absent or false = none, a number = fixed,
** a table {"family", param = ...}. */
static void get_dist(conv *c, int t, const char *key, kou_dist_spec *out)
{
    lua_State *L = c->L;
    memset(out, 0, sizeof *out);
    int ty = lua_getfield(L, t, key);
    char b[128], vt[128];
    if (ty == LUA_TNIL || (ty == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
        out->family = KOU_DIST_NONE;
    } else if (ty == LUA_TNUMBER) {
        if (!isfinite(lua_tonumber(L, -1)) || lua_tonumber(L, -1) < 0)
            cv_fail(c, key, valtext_of(c, -1, vt, sizeof vt), "%s.%s must be a number >= 0 or a distribution "
                    "table (got %s)", c->path, key, got(c, -1, b, sizeof b));
        out->family = KOU_DIST_DETERMINISTIC;
        out->p[0] = lua_tonumber(L, -1);
    } else if (ty == LUA_TTABLE) {
        int d = lua_gettop(L);
        const char *names[NFAMILIES];
        for (size_t i = 0; i < NFAMILIES; i++)
            names[i] = families[i].name;
        char list[300];
        size_t at = 0;
        for (size_t i = 0; i < NFAMILIES; i++) {
            int w = snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", names[i]);
            if (w > 0 && at + (size_t)w < sizeof list)
                at += (size_t)w;
        }
        if (lua_rawgeti(L, d, 1) != LUA_TSTRING)
            cv_fail(c, key, NULL, "%s.%s: a distribution table starts with its family name, e.g. "
                    "{\"lognormal\", mean = 2, cv = 0.5} (families: %s)", c->path, key, list);
        const char *fname = lua_tostring(L, -1);
        const family *fam = NULL;
        for (size_t i = 0; i < NFAMILIES; i++)
            if (strcmp(fname, families[i].name) == 0)
                fam = &families[i];
        if (fam == NULL) {
            const char *near = koui_nearest_name(fname, names, NFAMILIES);
            char q[128];
            snprintf(q, sizeof q, "{\"%s\"", fname);
            if (near)
                cv_fail(c, key, q, "%s.%s: unknown distribution '%s' (did you mean '%s'? known: %s)", c->path,
                        key, fname, near, list);
            cv_fail(c, key, q, "%s.%s: unknown distribution '%s' (known: %s)", c->path, key, fname, list);
        }
        lua_pop(L, 1);
        size_t old = path_push(c, key);
        bool fixed = fam->f == KOU_DIST_DETERMINISTIC;
        check_keys(c, d, fam->keys, fixed ? 2 : 1);
        out->family = fam->f;
        switch (fam->f) {
        case KOU_DIST_DISCRETE:
        case KOU_DIST_PIECEWISE: {
            const char *kx = fam->keys[0], *kw = fam->keys[1];
            size_t nx, nw;
            if (lua_getfield(L, d, kx) == LUA_TNIL || lua_getfield(L, d, kw) == LUA_TNIL)
                cv_fail(c, NULL, NULL, "%s: %s needs %s = {...} and %s = {...}", c->path, fam->name, kx, kw);
            lua_pop(L, 2);
            double *x = get_numbers(c, d, kx, &nx, R_ANY);
            double *w = get_numbers(c, d, kw, &nw, R_ANY);
            if (nx != nw)
                cv_fail(c, kw, NULL, "%s: %s and %s must have the same length (%zu and %zu)", c->path, kx, kw,
                        nx, nw);
            out->x = x;
            out->w = w;
            out->n = nx;
            break;
        }
        default:
            for (int i = 0; fam->keys[i]; i++) {
                const char *k = fam->keys[i];
                bool optional = fam->f == KOU_DIST_TRUNCNORMAL && i >= 2;
                if (fixed && lua_rawgeti(L, d, 2) != LUA_TNIL) { /* {"fixed", 2.5} */
                    if (lua_type(L, -1) != LUA_TNUMBER)
                        cv_fail(c, NULL, NULL, "%s: fixed value must be a number (got %s)", c->path,
                                got(c, -1, b, sizeof b));
                    out->p[0] = lua_tonumber(L, -1);
                    lua_pop(L, 1);
                    break;
                }
                if (fixed)
                    lua_pop(L, 1);
                int kt = lua_getfield(L, d, k);
                lua_pop(L, 1);
                if (kt == LUA_TNIL && !optional)
                    cv_fail(c, NULL, NULL, "%s: %s needs %s = (keys: %s%s%s%s%s%s%s)", c->path, fam->name, k,
                            fam->keys[0], fam->keys[1] ? ", " : "", fam->keys[1] ? fam->keys[1] : "",
                            fam->keys[2] ? ", " : "", fam->keys[2] ? fam->keys[2] : "",
                            fam->keys[3] ? ", " : "", fam->keys[3] ? fam->keys[3] : "");
                double def = i == 2 ? 0.0 : INFINITY; /* normal: lo = 0, hi = +inf */
                out->p[i] = kt == LUA_TNIL ? def : get_number(c, d, k, R_ANY, 0.0);
            }
            break;
        }
        path_pop(c, old);
    } else {
        cv_fail(c, key, valtext_of(c, -1, vt, sizeof vt), "%s.%s must be a number, false or a distribution "
                "table such as {\"exponential\", mean = 2} (got %s)", c->path, key, got(c, -1, b, sizeof b));
    }
    lua_pop(L, 1);
}

/* ---- times, days, dates ---- */

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static int day_index(const char *s, size_t n)
{
    if (n != 3)
        return -1;
    for (int d = 0; d < 7; d++)
        if (tolower((unsigned char)s[0]) == day_names[d][0] && tolower((unsigned char)s[1]) == day_names[d][1] &&
            tolower((unsigned char)s[2]) == day_names[d][2])
            return d;
    return -1;
}

/* "Mon-Fri", "Mon,Wed,Fri", "Sat-Mon", "daily", "weekdays", "weekends";
** returns the weekday mask, or 0 when unreadable. */
static unsigned parse_days(const char *s)
{
    if (strcmp(s, "daily") == 0)
        return 0x7fu;
    if (strcmp(s, "weekdays") == 0)
        return 0x1fu;
    if (strcmp(s, "weekends") == 0)
        return 0x60u;
    unsigned mask = 0;
    const char *p = s;
    for (;;) {
        while (*p == ' ')
            p++;
        const char *a = p;
        while (isalpha((unsigned char)*p))
            p++;
        int d1 = day_index(a, (size_t)(p - a)), d2 = d1;
        if (d1 < 0)
            return 0;
        if (*p == '-') {
            const char *b = ++p;
            while (isalpha((unsigned char)*p))
                p++;
            d2 = day_index(b, (size_t)(p - b));
            if (d2 < 0)
                return 0;
        }
        for (int d = d1;; d = (d + 1) % 7) {
            mask |= 1u << d;
            if (d == d2)
                break;
        }
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return mask;
        if (*p != ',')
            return 0;
        p++;
    }
}

static unsigned get_days(conv *c, int t, const char *key)
{
    lua_State *L = c->L;
    char b[128], vt[128];
    int ty = lua_getfield(L, t, key);
    unsigned mask = ty == LUA_TSTRING ? parse_days(lua_tostring(L, -1)) : 0;
    if (ty == LUA_TNIL)
        mask = 0x7fu; /* every day */
    else if (mask == 0)
        cv_fail(c, key, valtext_of(c, -1, vt, sizeof vt), "%s.%s must be days such as \"Mon-Fri\", "
                "\"Mon,Wed,Fri\", \"daily\", \"weekdays\" or \"weekends\" (got %s)", c->path, key,
                got(c, -1, b, sizeof b));
    lua_pop(L, 1);
    return mask;
}

/* "HH:MM" (00:00 .. 24:00) into hours, or -1. */
static double parse_hhmm(const char *s)
{
    int h = 0, m = 0, n = 0;
    if (!isdigit((unsigned char)s[0]) || sscanf(s, "%d:%d%n", &h, &m, &n) != 2 || s[n] != '\0' ||
        strchr(s, ':') - s > 2 || strlen(strchr(s, ':') + 1) != 2)
        return -1;
    if (h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0))
        return -1;
    return h + m / 60.0;
}

static double time_value(conv *c, int idx, const char *key)
{
    lua_State *L = c->L;
    char b[128], vt[128];
    double v = lua_type(L, idx) == LUA_TSTRING ? parse_hhmm(lua_tostring(L, idx)) : -1;
    if (v < 0)
        cv_fail(c, key, valtext_of(c, idx, vt, sizeof vt), "%s.%s must be a time \"HH:MM\" between \"00:00\" "
                "and \"24:00\" (got %s)", c->path, key, got(c, idx, b, sizeof b));
    return v;
}

static double get_time(conv *c, int t, const char *key)
{
    lua_State *L = c->L;
    if (lua_getfield(L, t, key) == LUA_TNIL)
        cv_fail(c, NULL, NULL, "%s.%s is required (a time \"HH:MM\")", c->path, key);
    double v = time_value(c, -1, key);
    lua_pop(L, 1);
    return v;
}

/* "YYYY-MM-DD" into YYYYMMDD, or 0. */
static int32_t parse_date(const char *s)
{
    int y, m, d, n = 0;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return 0;
    int32_t v = (int32_t)(y * 10000 + m * 100 + d);
    return kou_date_is_valid(v) ? v : 0;
}

static int32_t date_value(conv *c, int idx, const char *key, const char *what)
{
    char b[128], vt[128];
    int32_t v = lua_type(c->L, idx) == LUA_TSTRING ? parse_date(lua_tostring(c->L, idx)) : 0;
    if (v == 0)
        cv_fail(c, key, valtext_of(c, idx, vt, sizeof vt), "%s%s%s must be a date \"YYYY-MM-DD\" (got %s)",
                c->path, c->plen ? "." : "", what, got(c, idx, b, sizeof b));
    return v;
}

/* ---- resources ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void get_hours(conv *c, int r, kou_resource_spec *rs)
{
    lua_State *L = c->L;
    lua_getfield(L, r, "hours");
    int h = lua_gettop(L);
    size_t n = check_list(c, h, "hours", "opening hours {days =, from =, to =, capacity =}");
    /* an overnight entry (to <= from) becomes two: today to 24:00, and the
    ** next days from 00:00 */
    kou_hours_spec *hs = cv_alloc(c, (2 * n + 1) * sizeof *hs);
    size_t k = 0;
    static const char *const keys[] = {"days", "from", "to", "capacity", NULL};
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, h, (lua_Integer)i + 1);
        char idx[32];
        snprintf(idx, sizeof idx, "hours[%zu]", i + 1);
        size_t old = path_push(c, idx);
        char b[64];
        if (!lua_istable(L, -1))
            cv_fail(c, NULL, NULL, "%s must be a table {days =, from =, to =, capacity =} (got %s)", c->path,
                    got(c, -1, b, sizeof b));
        int e = lua_gettop(L);
        check_keys(c, e, keys, 0);
        unsigned mask = get_days(c, e, "days");
        double from = get_time(c, e, "from"), to = get_time(c, e, "to");
        double cap = get_number(c, e, "capacity", R_POS, NAN);
        if (isnan(cap) || cap != floor(cap) || cap > 1e6)
            cv_fail(c, isnan(cap) ? NULL : "capacity", NULL, "%s.capacity %s", c->path,
                    isnan(cap) ? "is required (a whole number >= 1)" : "must be a whole number >= 1");
        if (to > from) {
            hs[k++] = (kou_hours_spec){mask, from, to, (int)cap};
        } else if (to < from || from > 0) {
            unsigned next = ((mask << 1) | (mask >> 6)) & 0x7fu;
            hs[k++] = (kou_hours_spec){mask, from, 24.0, (int)cap};
            if (to > 0)
                hs[k++] = (kou_hours_spec){next, 0.0, to, (int)cap};
        } else {
            cv_fail(c, "to", NULL, "%s: from and to are both 00:00 (write \"00:00\" to \"24:00\" for all day)",
                    c->path);
        }
        path_pop(c, old);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    rs->hours = hs;
    rs->nhours = k;
}

static void get_resource(conv *c, int r, const char *name, kou_resource_spec *rs)
{
    lua_State *L = c->L;
    char b[64];
    memset(rs, 0, sizeof *rs);
    rs->name = cv_strdup(c, name);
    if (lua_type(L, r) == LUA_TNUMBER) { /* handling = 6: a fixed capacity */
        double cap = lua_tonumber(L, r);
        if (cap < 1 || cap != floor(cap) || cap > 1e6)
            cv_fail(c, NULL, NULL, "%s must be a whole number >= 1 or a table (got %s)", c->path,
                    got(c, r, b, sizeof b));
        rs->capacity = (int)cap;
        return;
    }
    if (!lua_istable(L, r))
        cv_fail(c, NULL, NULL, "%s must be a table {capacity = N} or {hours = ...} (got %s)", c->path,
                got(c, r, b, sizeof b));
    static const char *const keys[] = {"name", "capacity", "hours", "holidays", "workdays", NULL};
    check_keys(c, r, keys, 0);
    /* false counts as absent, so that s:with{} can switch a resource from
    ** a fixed capacity to opening hours (capacity = false, hours = {...}) */
    lua_getfield(L, r, "hours");
    lua_getfield(L, r, "capacity");
    bool has_hours = lua_toboolean(L, -2) || lua_type(L, -2) == LUA_TTABLE;
    bool has_cap = lua_toboolean(L, -1);
    lua_pop(L, 2);
    if (has_hours && has_cap)
        cv_fail(c, "capacity", NULL, "%s: give either capacity (open 7x24) or hours (with a capacity in "
                "each entry), not both", c->path);
    if (!has_hours && !has_cap)
        cv_fail(c, NULL, NULL, "%s: give capacity = N (open 7x24) or hours = {...}", c->path);
    if (has_cap) {
        double cap = get_number(c, r, "capacity", R_POS, 1);
        if (cap != floor(cap) || cap > 1e6)
            cv_fail(c, "capacity", NULL, "%s.capacity must be a whole number >= 1 (got %g)", c->path, cap);
        rs->capacity = (int)cap;
    } else {
        get_hours(c, r, rs);
    }
    lua_getfield(L, r, "holidays");
    if (lua_toboolean(L, -1)) { /* false: none */
        size_t n = check_list(c, -1, "holidays", "dates \"YYYY-MM-DD\"");
        int32_t *d = cv_alloc(c, (n ? n : 1) * sizeof *d);
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            char what[48];
            snprintf(what, sizeof what, "holidays[%zu]", i + 1);
            d[i] = date_value(c, -1, "holidays", what);
            lua_pop(L, 1);
        }
        rs->holidays = d;
        rs->nholidays = n;
    }
    lua_pop(L, 1);
    lua_getfield(L, r, "workdays");
    if (lua_toboolean(L, -1)) { /* false: none */
        size_t n = check_list(c, -1, "workdays", "make-up working days {\"YYYY-MM-DD\", as = \"Mon\"}");
        int32_t *d = cv_alloc(c, (n ? n : 1) * sizeof *d);
        int *as = cv_alloc(c, (n ? n : 1) * sizeof *as);
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            char what[48];
            snprintf(what, sizeof what, "workdays[%zu]", i + 1);
            as[i] = 0;
            if (lua_istable(L, -1)) {
                size_t old = path_push(c, what);
                static const char *const wkeys[] = {"as", NULL};
                check_keys(c, -1, wkeys, 1);
                if (lua_getfield(L, -1, "as") != LUA_TNIL) {
                    const char *s = lua_tostring(L, -1);
                    int di = s && lua_type(L, -1) == LUA_TSTRING ? day_index(s, strlen(s)) : -1;
                    if (di < 0)
                        cv_fail(c, "as", NULL, "%s.as must be a weekday \"Mon\" .. \"Sun\" (got %s)", c->path,
                                got(c, -1, b, sizeof b));
                    as[i] = di;
                }
                lua_pop(L, 1);
                lua_rawgeti(L, -1, 1);
                path_pop(c, old);
                d[i] = date_value(c, -1, "workdays", what);
                lua_pop(L, 1);
            } else {
                d[i] = date_value(c, -1, "workdays", what);
            }
            lua_pop(L, 1);
        }
        rs->workdays = d;
        rs->workday_as = as;
        rs->nworkdays = n;
    }
    lua_pop(L, 1);
}

/* ---- trader classes ---- */

static const char *const trader_keys[] = {"aeo_advanced", "aeo_general", "ordinary", "discredited", NULL};

static void get_traders(conv *c, int t, const char *key, double out[KOU_TRADER_COUNT], range r)
{
    lua_State *L = c->L;
    char b[64];
    int ty = lua_getfield(L, t, key);
    if (ty != LUA_TNIL) {
        if (ty != LUA_TTABLE)
            cv_fail(c, key, NULL, "%s.%s must be a table {aeo_advanced =, aeo_general =, ordinary =, "
                    "discredited =} (got %s)", c->path, key, got(c, -1, b, sizeof b));
        size_t old = path_push(c, key);
        int tt = lua_gettop(L);
        check_keys(c, tt, trader_keys, 0);
        for (int i = 0; i < KOU_TRADER_COUNT; i++)
            out[i] = get_number(c, tt, trader_keys[i], r, 0.0);
        path_pop(c, old);
    }
    lua_pop(L, 1);
}

/* ---- named lists: ports, flows, goods ---- */

/* Pushes entry i of the list at l, checks it is a table with a unique
** name, and extends the path with the name. */
static const char *enter_entry(conv *c, int l, size_t i, const char *listkey, const char *what,
                               size_t *oldp)
{
    lua_State *L = c->L;
    char b[64];
    lua_rawgeti(L, l, (lua_Integer)i + 1);
    if (!lua_istable(L, -1))
        cv_fail(c, listkey, NULL, "%s%s%s[%zu] must be a %s table (got %s)", c->path, c->plen ? "." : "", listkey,
                i + 1, what, got(c, -1, b, sizeof b));
    if (lua_getfield(L, -1, "name") != LUA_TSTRING || lua_rawlen(L, -1) == 0)
        cv_fail(c, listkey, NULL, "%s%s%s[%zu]: a %s needs a name = \"...\" (got %s)", c->path,
                c->plen ? "." : "", listkey, i + 1, what, got(c, -1, b, sizeof b));
    const char *name = cv_strdup(c, lua_tostring(L, -1));
    lua_pop(L, 1);
    for (size_t j = 0; j < i; j++) {
        lua_rawgeti(L, l, (lua_Integer)j + 1);
        lua_getfield(L, -1, "name");
        bool same = strcmp(lua_tostring(L, -1), name) == 0;
        lua_pop(L, 2);
        if (same)
            cv_fail(c, listkey, NULL, "%s%s%s: two entries are named '%s'", c->path, c->plen ? "." : "", listkey,
                    name);
    }
    *oldp = path_push(c, listkey);
    path_push(c, name);
    c->entry = name;
    return name;
}

static void get_goods(conv *c, int g, kou_goods_config *gd)
{
    static const char *const keys[] = {"name", "share", "apron_eligible", "green_channel", "lab_prob",
                                       "lab_time", "duty_prob", "extra_inspect_prob", "description", NULL};
    check_keys(c, g, keys, 0);
    gd->share = get_number(c, g, "share", R_NONNEG, 1.0);
    gd->apron_eligible = get_bool(c, g, "apron_eligible", false);
    gd->green_channel = get_bool(c, g, "green_channel", false);
    gd->lab_prob = get_number(c, g, "lab_prob", R_UNIT, 0.0);
    get_dist(c, g, "lab_time", &gd->lab_time);
    gd->duty_prob = get_number(c, g, "duty_prob", R_UNIT, 0.0);
    gd->extra_inspect_prob = get_number(c, g, "extra_inspect_prob", R_UNIT, 0.0);
    (void)get_string(c, g, "description");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void get_timetable(conv *c, int f, kou_flow_config *fl)
{
    lua_State *L = c->L;
    lua_getfield(L, f, "timetable");
    int tt = lua_gettop(L);
    size_t n = check_list(c, tt, "timetable", "departures {days =, at = \"HH:MM\"}");
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) { /* at most 7 days x the times of each entry */
        lua_rawgeti(L, tt, (lua_Integer)i + 1);
        size_t nat = 1;
        if (lua_istable(L, -1)) {
            if (lua_getfield(L, -1, "at") == LUA_TTABLE)
                nat = (size_t)lua_rawlen(L, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        cap += 7 * (nat ? nat : 1);
    }
    double *t = cv_alloc(c, (cap ? cap : 1) * sizeof *t);
    size_t k = 0;
    static const char *const keys[] = {"days", "at", NULL};
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, tt, (lua_Integer)i + 1);
        char idx[32], b[64];
        snprintf(idx, sizeof idx, "timetable[%zu]", i + 1);
        size_t old = path_push(c, idx);
        if (!lua_istable(L, -1))
            cv_fail(c, NULL, NULL, "%s must be a table {days =, at = \"HH:MM\"} (got %s)", c->path,
                    got(c, -1, b, sizeof b));
        int e = lua_gettop(L);
        check_keys(c, e, keys, 0);
        unsigned mask = get_days(c, e, "days");
        int aty = lua_getfield(L, e, "at");
        size_t nat = aty == LUA_TTABLE ? (size_t)lua_rawlen(L, -1) : 1;
        if (aty == LUA_TNIL)
            cv_fail(c, NULL, NULL, "%s.at is required (a time \"HH:MM\" or a list of them)", c->path);
        for (size_t a = 0; a < nat; a++) {
            if (aty == LUA_TTABLE)
                lua_rawgeti(L, -1, (lua_Integer)a + 1);
            double h = time_value(c, -1, "at");
            if (aty == LUA_TTABLE)
                lua_pop(L, 1);
            if (h >= 24.0)
                cv_fail(c, "at", NULL, "%s.at must be before \"24:00\"", c->path);
            for (int d = 0; d < 7; d++)
                if (mask & (1u << d))
                    t[k++] = 24.0 * d + h;
        }
        lua_pop(L, 2);
        path_pop(c, old);
    }
    lua_pop(L, 1);
    qsort(t, k, sizeof *t, cmp_double);
    if (k == 0)
        cv_fail(c, "timetable", NULL, "%s.timetable has no departures", c->path);
    fl->timetable = t;
    fl->ntimetable = k;
}

static void get_rates(conv *c, int f, kou_flow_config *fl)
{
    lua_State *L = c->L;
    double *r = cv_alloc(c, 168 * sizeof *r);
    char b[64];
    lua_getfield(L, f, "rate_per_hour");
    if (lua_toboolean(L, -1)) {
        if (lua_type(L, -1) == LUA_TNUMBER) {
            double v = get_number(c, f, "rate_per_hour", R_NONNEG, 0);
            for (int i = 0; i < 168; i++)
                r[i] = v;
        } else {
            size_t n;
            double *x = get_numbers(c, f, "rate_per_hour", &n, R_NONNEG);
            if (n != 168)
                cv_fail(c, "rate_per_hour", NULL, "%s.rate_per_hour must be one number or 168 numbers, one per "
                        "hour of the week from Monday 00:00 (got %zu)", c->path, n);
            memcpy(r, x, 168 * sizeof *r);
        }
    } else { /* rate = {hourly = {24} or number, weekday = {7} or number} */
        lua_getfield(L, f, "rate");
        if (!lua_istable(L, -1))
            cv_fail(c, "rate", NULL, "%s.rate must be a table {hourly = {24 numbers}, weekday = {7 numbers}} "
                    "(got %s)", c->path, got(c, -1, b, sizeof b));
        size_t old = path_push(c, "rate");
        int rt = lua_gettop(L);
        static const char *const keys[] = {"hourly", "weekday", NULL};
        check_keys(c, rt, keys, 0);
        double hourly[24], weekday[7];
        const char *names[2] = {"hourly", "weekday"};
        double *dst[2] = {hourly, weekday};
        size_t want[2] = {24, 7};
        for (int j = 0; j < 2; j++) {
            int ty = lua_getfield(L, rt, names[j]);
            lua_pop(L, 1);
            if (ty == LUA_TNIL || ty == LUA_TNUMBER) {
                double v = get_number(c, rt, names[j], R_NONNEG, 1.0);
                for (size_t i = 0; i < want[j]; i++)
                    dst[j][i] = v;
            } else {
                size_t n;
                double *x = get_numbers(c, rt, names[j], &n, R_NONNEG);
                if (n != want[j])
                    cv_fail(c, names[j], NULL, "%s.%s must be one number or %zu numbers (got %zu)", c->path,
                            names[j], want[j], n);
                memcpy(dst[j], x, n * sizeof *x);
            }
        }
        for (int d = 0; d < 7; d++)
            for (int h = 0; h < 24; h++)
                r[24 * d + h] = hourly[h] * weekday[d];
        path_pop(c, old);
        lua_pop(L, 1); /* rate */
    }
    lua_pop(L, 1);
    fl->rate_per_hour = r;
}

static const char *const mode_names[] = {"air", "rail", "road"};
static const char *const dir_names[] = {"import", "export"};

static void get_flow(conv *c, int f, kou_mode port_mode, kou_flow_config *fl)
{
    lua_State *L = c->L;
    static const char *const keys[] = {
        "name", "mode", "direction", "timetable", "rate_per_hour", "rate", "delay", "units_per_carrier",
        "consignments_per_unit", "trader_share", "handoff_hours_mean", "goods_lead", "goods_window_hours",
        "goods", "description", NULL};
    check_keys(c, f, keys, 0);
    fl->mode = (kou_mode)get_choice(c, f, "mode", mode_names, 3, (int)port_mode, false);
    fl->direction = (kou_direction)get_choice(c, f, "direction", dir_names, 2, 0, true);
    /* false counts as absent, so that s:with{} can switch between them */
    lua_getfield(L, f, "timetable");
    lua_getfield(L, f, "rate_per_hour");
    lua_getfield(L, f, "rate");
    int ntt = lua_toboolean(L, -3) + lua_toboolean(L, -2) + lua_toboolean(L, -1);
    lua_pop(L, 3);
    if (ntt != 1)
        cv_fail(c, NULL, NULL, "%s: give exactly one of timetable, rate_per_hour and rate (got %d)", c->path, ntt);
    lua_getfield(L, f, "timetable");
    if (lua_toboolean(L, -1))
        get_timetable(c, f, fl);
    else
        get_rates(c, f, fl);
    lua_pop(L, 1);
    get_dist(c, f, "delay", &fl->delay);
    get_dist(c, f, "units_per_carrier", &fl->units_per_carrier);
    get_dist(c, f, "consignments_per_unit", &fl->consignments_per_unit);
    if (fl->units_per_carrier.family == KOU_DIST_NONE || fl->consignments_per_unit.family == KOU_DIST_NONE)
        cv_fail(c, NULL, NULL, "%s: units_per_carrier and consignments_per_unit are required (a number or a "
                "distribution)", c->path);
    fl->trader_share[KOU_TRADER_ORDINARY] = 1.0;
    lua_getfield(L, f, "trader_share");
    if (!lua_isnil(L, -1))
        fl->trader_share[KOU_TRADER_ORDINARY] = 0.0;
    lua_pop(L, 1);
    get_traders(c, f, "trader_share", fl->trader_share, R_NONNEG);
    fl->handoff_hours_mean = get_number(c, f, "handoff_hours_mean", R_NONNEG, 0.0);
    get_dist(c, f, "goods_lead", &fl->goods_lead);
    fl->goods_window_hours = get_number(c, f, "goods_window_hours", R_NONNEG, 72.0);
    if (lua_getfield(L, f, "goods") == LUA_TNIL) { /* one class of general goods */
        kou_goods_config *gd = cv_alloc(c, sizeof *gd);
        gd->name = "general";
        gd->share = 1.0;
        fl->goods = gd;
        fl->ngoods = 1;
    } else {
        int gl = lua_gettop(L);
        size_t n = check_list(c, gl, "goods", "goods tables");
        if (n == 0)
            cv_fail(c, "goods", NULL, "%s.goods must not be empty", c->path);
        kou_goods_config *gds = cv_alloc(c, n * sizeof *gds);
        for (size_t i = 0; i < n; i++) {
            size_t old;
            const char *saved = c->entry;
            gds[i].name = enter_entry(c, gl, i, "goods", "goods", &old);
            get_goods(c, lua_gettop(L), &gds[i]);
            lua_pop(L, 1);
            path_pop(c, old);
            c->entry = saved;
        }
        fl->goods = gds;
        fl->ngoods = n;
    }
    lua_pop(L, 1);
    (void)get_string(c, f, "description");
}

/* The seven stages and the resource each uses. */
typedef struct stage {
    const char *key;
    size_t off; /* of the int field in kou_port_config */
    bool required;
} stage;

static const stage stages[] = {
    {"handling", offsetof(kou_port_config, res_handling), true},
    {"documents", offsetof(kou_port_config, res_documents), true},
    {"scanner", offsetof(kou_port_config, res_scanner), false},
    {"inspection", offsetof(kou_port_config, res_inspection), true},
    {"border_inspection", offsetof(kou_port_config, res_border_insp), false},
    {"apron", offsetof(kou_port_config, res_apron), false},
    {"gate", offsetof(kou_port_config, res_gate), false},
};

static const char *const port_dists[] = {
    "unload_per_unit", "prep_time", "doc_check", "cert_time", "scan_time", "notice_delay", "inspect_time",
    "duty_time", "warehouse_move", "pickup_delay", "gate_time", "border_time", "border_data_check"};

static void get_port(conv *c, int p, kou_port_config *pc)
{
    lua_State *L = c->L;
    static const char *const keys[] = {
        "name", "mode", "resources", "handling", "documents", "scanner", "inspection", "border_inspection",
        "apron", "gate", "unload_per_unit", "prep_time", "doc_check", "cert_time", "scan_time", "notice_delay",
        "inspect_time", "duty_time", "warehouse_move", "pickup_delay", "gate_time", "border_time",
        "border_data_check", "pickup_cap_hours", "advance_share", "advance_lead_hours", "inspect_prob",
        "scan_first_share", "scan_clear_prob", "joint_inspection", "release_before_duty",
        "release_before_lab", "apron_release", "through_clearance", "certs_per_consignment",
        "green_priority", "fee_handling_per_unit", "fee_inspection", "fee_scan", "fee_storage_per_day",
        "storage_free_hours", "flows", "description", NULL};
    char b[64];
    check_keys(c, p, keys, 0);
    pc->mode = (kou_mode)get_choice(c, p, "mode", mode_names, 3, 0, true);

    /* resources: a map name -> spec, numbered in name order */
    const char **rnames = NULL;
    size_t nres = 0;
    int ty = lua_getfield(L, p, "resources");
    int rt = lua_gettop(L);
    if (ty != LUA_TTABLE)
        cv_fail(c, ty == LUA_TNIL ? NULL : "resources", NULL, "%s.resources %s (got %s)", c->path,
                "must be a table {name = {capacity = N} or {hours = ...}, ...}", got(c, -1, b, sizeof b));
    lua_pushnil(L);
    while (lua_next(L, rt)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            cv_fail(c, "resources", NULL, "%s.resources is keyed by resource name (got the key %s)", c->path,
                    got(c, -1, b, sizeof b));
        nres++;
    }
    rnames = cv_alloc(c, (nres ? nres : 1) * sizeof *rnames);
    nres = 0;
    lua_pushnil(L);
    while (lua_next(L, rt)) {
        lua_pop(L, 1);
        rnames[nres++] = cv_strdup(c, lua_tostring(L, -1));
    }
    qsort(rnames, nres, sizeof *rnames, cmp_str);
    kou_resource_spec *rs = cv_alloc(c, (nres ? nres : 1) * sizeof *rs);
    size_t old = path_push(c, "resources");
    for (size_t i = 0; i < nres; i++) {
        lua_getfield(L, rt, rnames[i]);
        size_t o2 = path_push(c, rnames[i]);
        get_resource(c, lua_gettop(L), rnames[i], &rs[i]);
        path_pop(c, o2);
        lua_pop(L, 1);
    }
    path_pop(c, old);
    lua_pop(L, 1);
    pc->resources = rs;
    pc->nresources = nres;

    /* which resource does which stage: a name, false for none; omitted: the
    ** resource of the stage's own name, if there is one */
    for (size_t s = 0; s < sizeof stages / sizeof stages[0]; s++) {
        int *slot = (int *)(void *)((char *)pc + stages[s].off);
        *slot = -1;
        int sty = lua_getfield(L, p, stages[s].key);
        const char *want = NULL;
        if (sty == LUA_TSTRING)
            want = lua_tostring(L, -1);
        else if (sty == LUA_TNIL)
            want = stages[s].key;
        else if (!(sty == LUA_TBOOLEAN && !lua_toboolean(L, -1)))
            cv_fail(c, stages[s].key, NULL, "%s.%s must be a resource name or false (got %s)", c->path,
                    stages[s].key, got(c, -1, b, sizeof b));
        for (size_t i = 0; want && i < nres; i++)
            if (strcmp(rnames[i], want) == 0)
                *slot = (int)i;
        if (*slot < 0 && sty == LUA_TSTRING) {
            char vt[128];
            const char *near = koui_nearest_name(want, rnames, nres);
            snprintf(vt, sizeof vt, "\"%s\"", want);
            if (near)
                cv_fail(c, stages[s].key, vt, "%s.%s: no resource '%s' in %s.resources (did you mean '%s'?)",
                        c->path, stages[s].key, want, c->path, near);
            cv_fail(c, stages[s].key, vt, "%s.%s: no resource '%s' in %s.resources", c->path, stages[s].key,
                    want, c->path);
        }
        if (*slot < 0 && stages[s].required)
            cv_fail(c, NULL, NULL, "%s: the %s stage needs a resource (add resources.%s, or name one with "
                    "%s = \"...\")", c->path, stages[s].key, stages[s].key, stages[s].key);
        lua_pop(L, 1);
    }

    kou_dist_spec *dst[] = {&pc->unload_per_unit, &pc->prep_time, &pc->doc_check, &pc->cert_time,
                            &pc->scan_time, &pc->notice_delay, &pc->inspect_time, &pc->duty_time,
                            &pc->warehouse_move, &pc->pickup_delay, &pc->gate_time, &pc->border_time,
                            &pc->border_data_check};
    for (size_t i = 0; i < sizeof dst / sizeof dst[0]; i++)
        get_dist(c, p, port_dists[i], dst[i]);
    pc->pickup_cap_hours = get_number(c, p, "pickup_cap_hours", R_NONNEG, 0.0);
    pc->advance_share = get_number(c, p, "advance_share", R_UNIT, 0.0);
    pc->advance_lead_hours = get_number(c, p, "advance_lead_hours", R_NONNEG, 0.0);
    get_traders(c, p, "inspect_prob", pc->inspect_prob, R_UNIT);
    pc->scan_first_share = get_number(c, p, "scan_first_share", R_UNIT, 0.0);
    pc->scan_clear_prob = get_number(c, p, "scan_clear_prob", R_UNIT, 0.0);
    pc->joint_inspection = get_bool(c, p, "joint_inspection", false);
    pc->release_before_duty = get_bool(c, p, "release_before_duty", false);
    pc->release_before_lab = get_bool(c, p, "release_before_lab", false);
    pc->apron_release = get_bool(c, p, "apron_release", false);
    pc->through_clearance = get_bool(c, p, "through_clearance", false);
    pc->certs_per_consignment = get_number(c, p, "certs_per_consignment", R_NONNEG, 0.0);
    double gp = get_number(c, p, "green_priority", R_ANY, 0.0);
    if (gp != floor(gp) || fabs(gp) > 1e6)
        cv_fail(c, "green_priority", NULL, "%s.green_priority must be a whole number (got %g)", c->path, gp);
    pc->green_priority = (int)gp;
    pc->fee_handling_per_unit = get_number(c, p, "fee_handling_per_unit", R_NONNEG, 0.0);
    pc->fee_inspection = get_number(c, p, "fee_inspection", R_NONNEG, 0.0);
    pc->fee_scan = get_number(c, p, "fee_scan", R_NONNEG, 0.0);
    pc->fee_storage_per_day = get_number(c, p, "fee_storage_per_day", R_NONNEG, 0.0);
    pc->storage_free_hours = get_number(c, p, "storage_free_hours", R_NONNEG, 0.0);
    (void)get_string(c, p, "description");

    if (lua_getfield(L, p, "flows") == LUA_TNIL)
        cv_fail(c, NULL, NULL, "%s: flows = {...} is required (at least one flow)", c->path);
    int fl = lua_gettop(L);
    size_t n = check_list(c, fl, "flows", "flow tables");
    if (n == 0)
        cv_fail(c, "flows", NULL, "%s.flows must not be empty", c->path);
    kou_flow_config *fls = cv_alloc(c, n * sizeof *fls);
    for (size_t i = 0; i < n; i++) {
        size_t o2;
        const char *saved = c->entry;
        fls[i].name = enter_entry(c, fl, i, "flows", "flow", &o2);
        get_flow(c, lua_gettop(L), pc->mode, &fls[i]);
        lua_pop(L, 1);
        path_pop(c, o2);
        c->entry = saved;
    }
    lua_pop(L, 1);
    pc->flows = fls;
    pc->nflows = n;
}

static const kou_model_config *build(lua_State *L, int idx, kou_scenario_info *info, const char *note)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 40, "scenario conversion");
    conv cs;
    conv *c = &cs;
    memset(c, 0, sizeof *c);
    c->L = L;
    c->note = note;
    int top = lua_gettop(L);
    c->A = push_arena(L); /* stays on the stack: owns everything below */
    kou_model_config *cfg = cv_alloc(c, sizeof *cfg);
    char b[64];
    if (!lua_istable(L, idx))
        cv_fail(c, NULL, NULL, "the scenario must be a table (got %s)", got(c, idx, b, sizeof b));
    static const char *const keys[] = {"name", "description", "notes", "start_date", "horizon_days",
                                       "warmup_days", "max_in_system", "era", "eras", "fitted", "ports",
                                       "processes", NULL};
    check_keys(c, idx, keys, 0);
    const char *name = get_string(c, idx, "name");
    info->name = name ? name : "";
    (void)get_string(c, idx, "description");
    (void)get_string(c, idx, "notes");
    info->era = get_string(c, idx, "era");
    if (lua_getfield(L, idx, "start_date") == LUA_TNIL)
        cv_fail(c, NULL, NULL, "start_date = \"YYYY-MM-DD\" is required (hour 0 is 00:00 of that day)");
    info->start_date = date_value(c, -1, "start_date", "start_date");
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "horizon_days") == LUA_TNIL)
        cv_fail(c, NULL, NULL, "horizon_days = N is required (days of arrivals)");
    lua_pop(L, 1);
    double horizon = get_number(c, idx, "horizon_days", R_POS, 0.0);
    double warmup = get_number(c, idx, "warmup_days", R_NONNEG, 0.0);
    if (warmup >= horizon)
        cv_fail(c, "warmup_days", NULL, "warmup_days must be below horizon_days (%g >= %g)", warmup, horizon);
    cfg->horizon_hours = 24.0 * horizon;
    cfg->warmup_hours = 24.0 * warmup;
    double mis = get_number(c, idx, "max_in_system", R_NONNEG, 0.0);
    if (mis != floor(mis) || mis > 1e15)
        cv_fail(c, "max_in_system", NULL, "max_in_system must be a whole number (got %g)", mis);
    cfg->max_in_system = (uint64_t)mis;
    if (lua_getfield(L, idx, "eras") != LUA_TNIL && !lua_istable(L, -1))
        cv_fail(c, "eras", NULL, "eras must be a table {[\"2017\"] = {...}, ...} (got %s)", got(c, -1, b, sizeof b));
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "fitted") != LUA_TNIL) {
        size_t n = check_list(c, -1, "fitted", "strings");
        for (size_t i = 0; i < n; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TSTRING)
                cv_fail(c, "fitted", NULL, "fitted[%zu] must be a string (got %s)", i + 1, got(c, -1, b, sizeof b));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    /* processes: functions started as coroutine processes in each
    ** replication (main.c); not part of the model's configuration */
    if (lua_getfield(L, idx, "processes") != LUA_TNIL) {
        size_t n = check_list(c, -1, "processes", "functions");
        for (size_t i = 0; i < n; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TFUNCTION)
                cv_fail(c, "processes", NULL,
                        "processes[%zu] must be a function (got %s): each entry is started as a "
                        "process in every replication", i + 1, got(c, -1, b, sizeof b));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);

    if (lua_getfield(L, idx, "ports") == LUA_TNIL)
        cv_fail(c, NULL, NULL, "ports = {...} is required (at least one port)");
    int pl = lua_gettop(L);
    size_t n = check_list(c, pl, "ports", "port tables");
    if (n == 0)
        cv_fail(c, "ports", NULL, "ports must not be empty");
    kou_port_config *ports = cv_alloc(c, n * sizeof *ports);
    for (size_t i = 0; i < n; i++) {
        size_t old;
        ports[i].name = enter_entry(c, pl, i, "ports", "port", &old);
        get_port(c, lua_gettop(L), &ports[i]);
        lua_pop(L, 1);
        path_pop(c, old);
        c->entry = NULL;
    }
    lua_pop(L, 1);
    cfg->ports = ports;
    cfg->nports = n;

    if (lua_gettop(L) != top + 1) /* the arena only: a bug here, not in the scenario */
        luaL_error(L, "internal error: scenario conversion left %d values on the stack",
                   lua_gettop(L) - top - 1);
    char err[512];
    if (kou_model_validate(cfg, err, sizeof err) != KOU_OK) {
        lua_pushfstring(L, "%s: %s%s", kou_host_script(kou_host_from_lua(L)), note, err);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    return cfg;
}

const kou_model_config *kou_scenario_build(lua_State *L, int idx, kou_scenario_info *info)
{
    return build(L, idx, info, "");
}

void kou_scenario_check_eras(lua_State *L, int idx, const char *chosen)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, idx, "eras") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    /* the era names, sorted, so the first error is the same on every run */
    lua_newtable(L); /* eras names */
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, -3)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) {
            lua_pushvalue(L, -1);
            lua_rawseti(L, -3, ++n);
        }
    }
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_remove(L, -2);
    lua_pushvalue(L, -2);
    lua_call(L, 1, 0); /* numbers and strings mixed: an error, raised as such */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        const char *era = lua_pushstring(L, lua_tostring(L, -1)); /* eras names key name */
        if (chosen == NULL || strcmp(era, chosen) != 0) {
            lua_pushvalue(L, idx);
            kou_scenario_select_era(L, era);
            kou_scenario_info info;
            char note[128];
            snprintf(note, sizeof note, "era '%s': ", era);
            build(L, -1, &info, note); /* ... s2 arena */
            lua_pop(L, 2);
        }
        lua_pop(L, 2);
    }
    lua_pop(L, 2);
}
