/*
** import.c — import, the tree root and error positions (see import.h).
*/
#define _XOPEN_SOURCE 700 /* realpath and PATH_MAX (also POSIX 2008) */
#include "lua/import.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "kernel/base.h"
#include "lua/host.h"
#include "kouan_paths.h"

#define IMPORTS_KEY "kouan.imports"   /* resolved path -> module result */
#define SOURCES_KEY "kouan.sources"   /* list of {path, text} of imported files */
#define LOADING ((void *)0)           /* placeholder while a file is being imported */

/* ---- where the tree is ---- */

const char *koui_import_root(void)
{
    const char *env = getenv("KOUAN_ROOT");
    return env && *env ? env : KOUAN_SOURCE_ROOT;
}

/* ---- import ---- */

bool koui_file_exists(const char *p)
{
    FILE *f = fopen(p, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

bool koui_push_file_text(lua_State *L, const char *path)
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

/* Pushes the path of the file import(name) reads (name at index 1): a
** FILE.lua next to the importing file or under the root, or a library
** module. */
static void push_import_path(lua_State *L, const char *name, const char *root)
{
    if (ends_with(name, ".lua")) {
        if (name[0] == '/')
            luaL_error(L, "import '%s': give a path relative to the scenario or to the "
                       "kouan tree, not an absolute one", name);
        push_caller_dir(L);                                     /* name dir */
        lua_pushfstring(L, "%s%s", lua_tostring(L, 2), name);   /* name dir p1 */
        if (!koui_file_exists(lua_tostring(L, 3))) {
            lua_pushfstring(L, "%s/%s", root, name);            /* name dir p1 p2 */
            if (!koui_file_exists(lua_tostring(L, 4)))
                luaL_error(L, "import '%s': no such file (looked in '%s' and '%s')", name,
                           lua_tostring(L, 2)[0] ? lua_tostring(L, 2) : "./", root);
            lua_replace(L, 3);
        }
        lua_settop(L, 3);                                       /* name dir path */
    } else {
        if (!module_name_ok(name))
            luaL_error(L, "import '%s': a module name is letters, digits and '_' "
                       "(or give a FILE.lua path)", name);
        lua_pushfstring(L, "%s/scripts/kouan", root);           /* name dir */
        lua_pushfstring(L, "%s/%s.lua", lua_tostring(L, 2), name); /* name dir path */
        if (!koui_file_exists(lua_tostring(L, 3))) {
            push_known_modules(L, lua_tostring(L, 2), name);
            luaL_error(L, "import '%s': no module '%s' in %s (%s)", name, name,
                       lua_tostring(L, 2), lua_tostring(L, -1));
        }
    }
}

/* Reads the file at index 3, keeps its text (for line numbers in error
** messages) and runs it protected, so that a failed import leaves no
** "loading" mark behind in the cache at index 4 under the key at index 2
** (a later import of the same file would call it a cycle). Leaves the
** file's result on the top. */
static void run_import(lua_State *L, const char *name, const char *path)
{
    if (!koui_push_file_text(L, path))                          /* ... text */
        luaL_error(L, "import '%s': cannot read '%s': %s", name, path, strerror(errno));
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
        lua_error(L);
    lua_pushcfunction(L, import_run);
    lua_insert(L, -2);                                          /* ... chunkname run f */
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {                      /* ... chunkname err */
        lua_pushvalue(L, 2);
        lua_pushnil(L);
        lua_rawset(L, 4);
        lua_error(L);
    }                                                           /* ... text chunkname result */
}

/* import(name): see import.h. */
static int l_import(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    lua_settop(L, 1);
    push_import_path(L, name, koui_import_root());              /* name dir path */
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
    run_import(L, name, path);                                  /* ... result */
    lua_createtable(L, 0, 1);                                   /* ... result box */
    lua_insert(L, -2);
    lua_setfield(L, -2, "value");                               /* ... box */
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 4);                                           /* cache[key] = box */
    lua_getfield(L, -1, "value");
    return 1;
}

void koui_import_open(lua_State *L)
{
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, IMPORTS_KEY);
    lua_newtable(L);
    lua_setfield(L, LUA_REGISTRYINDEX, SOURCES_KEY);
    lua_pushcfunction(L, l_import);
    lua_pushvalue(L, -1);
    lua_setglobal(L, "import");
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

void koui_import_push_where(lua_State *L, const char *key, const char *valtext)
{
    const char *script = kou_host_script(kou_host_from_lua(L));
    if (key && *key) {
        if (koui_push_file_text(L, script)) {
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
