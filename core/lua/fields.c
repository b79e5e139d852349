/*
** fields.c — typed getters and the unknown-key check (see fields.h).
*/
#include "lua/fields.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/host.h"

/* ---- the key check ---- */

static bool allowed_name(const char *k, const char *const allowed[], size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(k, allowed[i]) == 0)
            return true;
    return false;
}

koui_key_check koui_find_bad_key(lua_State *L, int t, const char *const allowed[], size_t n, lua_Integer npos)
{
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TSTRING) {
            if (!allowed_name(lua_tostring(L, -1), allowed, n))
                return KOUI_KEY_UNKNOWN;
        } else if (!(lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= npos)) {
            return KOUI_KEY_NOT_NAMED;
        }
    }
    return KOUI_KEYS_OK;
}

const char *koui_keys_text(const char *const allowed[], size_t n, char *buf, size_t len)
{
    size_t at = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && at < len; i++) {
        int w = snprintf(buf + at, len - at, "%s%s", i ? ", " : "", allowed[i]);
        if (w > 0)
            at += (size_t)w;
    }
    return buf;
}

size_t koui_count_names(const char *const names[])
{
    size_t n = 0;
    while (names[n])
        n++;
    return n;
}

const char *koui_value_text(lua_State *L, int idx, char *buf, size_t len)
{
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

/* ---- path-style reading ---- */

void koui_fields_init(koui_fields *f, lua_State *L, koui_fields_fail_fn *fail, koui_fields_alloc_fn *alloc)
{
    memset(f, 0, sizeof *f);
    f->L = L;
    f->fail = fail;
    f->alloc = alloc;
}

void koui_fields_fail(koui_fields *f, const char *key, const char *valtext, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    f->fail(f, key, valtext, msg);
    abort(); /* fail raises */
}

size_t koui_fields_push(koui_fields *f, const char *key)
{
    size_t old = f->plen;
    int n = snprintf(f->path + f->plen, sizeof f->path - f->plen, "%s%s", f->plen ? "." : "", key);
    if (n > 0)
        f->plen = f->plen + (size_t)n < sizeof f->path ? f->plen + (size_t)n : sizeof f->path - 1;
    return old;
}

void koui_fields_pop(koui_fields *f, size_t old)
{
    f->plen = old;
    f->path[old] = '\0';
}

const char *koui_fields_where(const koui_fields *f, const char *key, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s", f->path, f->plen ? "." : "", key);
    return buf;
}

const char *koui_written_text(lua_State *L, int idx, char *buf, size_t len)
{
    if (lua_type(L, idx) == LUA_TSTRING)
        snprintf(buf, len, "\"%s\"", lua_tostring(L, idx));
    else if (lua_type(L, idx) == LUA_TNUMBER || lua_type(L, idx) == LUA_TBOOLEAN)
        koui_value_text(L, idx, buf, len);
    else
        buf[0] = '\0';
    return buf;
}

void koui_fields_check_keys(koui_fields *f, int t, const char *const allowed[], size_t n, lua_Integer npos)
{
    lua_State *L = f->L;
    char b[64], where[600];
    koui_key_check kc = koui_find_bad_key(L, t, allowed, n, npos);
    if (kc == KOUI_KEY_UNKNOWN) {
        const char *k = lua_tostring(L, -1);
        const char *near = koui_nearest_name(k, allowed, n);
        koui_fields_where(f, k, where, sizeof where);
        if (near)
            koui_fields_fail(f, k, NULL, "%s: unknown key (did you mean '%s'?)", where, near);
        char list[1200];
        koui_fields_fail(f, k, NULL, "%s: unknown key (known: %s)", where, koui_keys_text(allowed, n, list, sizeof list));
    }
    if (kc == KOUI_KEY_NOT_NAMED)
        koui_fields_fail(f, NULL, NULL, "%s: unexpected key %s (expected named keys%s)",
                         f->plen ? f->path : "scenario", koui_value_text(L, -1, b, sizeof b),
                         npos ? " and a leading positional value" : "");
}

void koui_fields_check_scope(koui_fields *f, int t, kou_param_scope scope, lua_Integer npos)
{
    const char *keys[64];
    size_t n = kou_param_keys(scope, keys, sizeof keys / sizeof keys[0]);
    koui_fields_check_keys(f, t, keys, n, npos);
}

size_t koui_fields_check_list(koui_fields *f, int idx, const char *key, const char *what)
{
    lua_State *L = f->L;
    idx = lua_absindex(L, idx);
    char b[64], where[600];
    koui_fields_where(f, key, where, sizeof where);
    if (!lua_istable(L, idx))
        koui_fields_fail(f, key, NULL, "%s must be a list of %s (got %s)", where, what,
                         koui_value_text(L, idx, b, sizeof b));
    size_t n = (size_t)lua_rawlen(L, idx), count = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        count++;
        if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 || (size_t)lua_tointeger(L, -1) > n)
            koui_fields_fail(f, key, NULL, "%s must be a list of %s (it has the key %s)", where, what,
                             koui_value_text(L, -1, b, sizeof b));
    }
    if (count != n)
        koui_fields_fail(f, key, NULL, "%s must be a list of %s without holes", where, what);
    return n;
}

double koui_fields_number(koui_fields *f, int t, const char *key, const kou_param_range *r, double def)
{
    lua_State *L = f->L;
    int ty = lua_getfield(L, t, key);
    double v = def;
    if (ty != LUA_TNIL) {
        char b[128], vt[128], where[600], range[96];
        if (ty != LUA_TNUMBER || !kou_param_in_range(r, lua_tonumber(L, -1)))
            koui_fields_fail(f, key, koui_written_text(L, -1, vt, sizeof vt), "%s must be %s (got %s)",
                             koui_fields_where(f, key, where, sizeof where),
                             kou_param_range_text(r, true, range, sizeof range),
                             koui_value_text(L, -1, b, sizeof b));
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

bool koui_fields_bool(koui_fields *f, int t, const char *key, bool def)
{
    lua_State *L = f->L;
    int ty = lua_getfield(L, t, key);
    bool v = def;
    if (ty != LUA_TNIL) {
        char b[128], vt[128], where[600];
        if (ty != LUA_TBOOLEAN)
            koui_fields_fail(f, key, koui_written_text(L, -1, vt, sizeof vt), "%s must be true or false (got %s)",
                             koui_fields_where(f, key, where, sizeof where), koui_value_text(L, -1, b, sizeof b));
        v = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

const char *koui_fields_string(koui_fields *f, int t, const char *key)
{
    lua_State *L = f->L;
    int ty = lua_getfield(L, t, key);
    char *s = NULL;
    if (ty != LUA_TNIL) {
        char b[128], vt[128], where[600];
        if (ty != LUA_TSTRING)
            koui_fields_fail(f, key, koui_written_text(L, -1, vt, sizeof vt), "%s must be a string (got %s)",
                             koui_fields_where(f, key, where, sizeof where), koui_value_text(L, -1, b, sizeof b));
        size_t len;
        const char *text = lua_tolstring(L, -1, &len);
        s = f->alloc(f, len + 1);
        memcpy(s, text, len + 1);
    }
    lua_pop(L, 1);
    return s;
}

int koui_fields_choice(koui_fields *f, int t, const char *key, const char *const choices[], size_t n, int def,
                       bool required)
{
    lua_State *L = f->L;
    int ty = lua_getfield(L, t, key);
    int v = def;
    char list[200], where[600];
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
            koui_fields_fail(f, NULL, NULL, "%s.%s is required (%s)", f->path, key, list);
    } else {
        char b[128], vt[128];
        v = -1;
        if (ty == LUA_TSTRING)
            for (size_t i = 0; i < n; i++)
                if (strcmp(lua_tostring(L, -1), choices[i]) == 0)
                    v = (int)i;
        if (v < 0)
            koui_fields_fail(f, key, koui_written_text(L, -1, vt, sizeof vt), "%s must be %s (got %s)",
                             koui_fields_where(f, key, where, sizeof where), list, koui_value_text(L, -1, b, sizeof b));
    }
    lua_pop(L, 1);
    return v;
}

double *koui_fields_numbers(koui_fields *f, int t, const char *key, size_t *n, const kou_param_range *r)
{
    lua_State *L = f->L;
    lua_getfield(L, t, key);
    *n = koui_fields_check_list(f, -1, key, "numbers");
    double *x = f->alloc(f, (*n ? *n : 1) * sizeof *x);
    for (size_t i = 0; i < *n; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i + 1);
        char b[128], where[600], range[96];
        if (lua_type(L, -1) != LUA_TNUMBER || !kou_param_in_range(r, lua_tonumber(L, -1)))
            koui_fields_fail(f, key, NULL, "%s[%zu] must be %s (got %s)", koui_fields_where(f, key, where, sizeof where),
                             i + 1, kou_param_range_text(r, true, range, sizeof range),
                             koui_value_text(L, -1, b, sizeof b));
        x[i] = lua_tonumber(L, -1);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return x;
}

/* ---- option-style reading ---- */

void koui_option_check(lua_State *L, int t, const char *what, const char *const allowed[])
{
    size_t n = koui_count_names(allowed);
    koui_key_check kc = koui_find_bad_key(L, t, allowed, n, 0);
    if (kc == KOUI_KEY_NOT_NAMED)
        luaL_error(L, "%s: fields must be named (got a %s key)", what, luaL_typename(L, -1));
    if (kc == KOUI_KEY_UNKNOWN) {
        const char *k = lua_tostring(L, -1);
        const char *near = koui_nearest_name(k, allowed, n);
        if (near)
            luaL_error(L, "%s: unknown field '%s' (did you mean '%s'?)", what, k, near);
        char list[1200];
        luaL_error(L, "%s: unknown field '%s' (known: %s)", what, k, koui_keys_text(allowed, n, list, sizeof list));
    }
}

double koui_option_number(lua_State *L, int t, const char *what, const char *key, bool required)
{
    int ty = lua_getfield(L, t, key);
    double v = NAN;
    if (ty == LUA_TNIL) {
        if (required)
            luaL_error(L, "%s: field '%s' is required", what, key);
    } else if (ty == LUA_TNUMBER) {
        v = lua_tonumber(L, -1);
    } else {
        luaL_error(L, "%s: field '%s' must be a number (got %s)", what, key, luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return v;
}

static void usage_fail(koui_fields *f, const char *key, const char *valtext, const char *msg)
{
    (void)key;
    (void)valtext;
    kou_host_usage_error(f->L, "%s", msg);
}

koui_fields koui_fields_usage_reader(lua_State *L, const char *where)
{
    koui_fields f;
    koui_fields_init(&f, L, usage_fail, NULL);
    koui_fields_push(&f, where);
    return f;
}
