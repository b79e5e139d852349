/*
** convert.c — a scenario table into a kou_model_config, driven by the
** parameter table (see convert.h; the format: docs/scenario-format.md).
*/
#include "lua/convert.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "lua/host.h"
#include "lua/import.h"
#include "lua/timeconv.h"
#include "model/params.h"

#define ARENA_META "kouan.Arena"
#define FAIL(c, ...) koui_fields_fail(&(c)->f, __VA_ARGS__)

/* ---- the arena ---- */

typedef struct ablock {
    struct ablock *next;
    max_align_t data[];
} ablock;

struct koui_arena {
    ablock *head;
};

static int arena_gc(lua_State *L)
{
    koui_arena *a = luaL_checkudata(L, 1, ARENA_META);
    while (a->head) {
        ablock *b = a->head;
        a->head = b->next;
        free(b);
    }
    return 0;
}

static koui_arena *push_arena(lua_State *L)
{
    koui_arena *a = lua_newuserdatauv(L, sizeof *a, 0);
    a->head = NULL;
    if (luaL_newmetatable(L, ARENA_META)) {
        lua_pushcfunction(L, arena_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return a;
}

void *koui_conv_alloc(koui_conv *c, size_t n)
{
    ablock *b = koui_fault_alloc_fails() ? NULL : calloc(1, sizeof *b + (n ? n : 1));
    if (b == NULL) {
        luaL_error(c->f.L, "out of memory converting the scenario");
        return NULL;
    }
    b->next = c->A->head;
    c->A->head = b;
    return b->data;
}

static void *conv_alloc(koui_fields *f, size_t n)
{
    return koui_conv_alloc((koui_conv *)(void *)f, n);
}

static const char *conv_strdup(koui_conv *c, const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(koui_conv_alloc(c, n), s, n);
}

/* ---- mistakes: "FILE:LINE: message", or a usage error for a --set ---- */

/* Raises msg about key (the key whose line to look for, valtext its value
** as written, if known) of the table at the reader's path: a usage error
** when that path came from --set, else a report at the line where the key
** is written (no key of its own: the line of the entry's name). */
static void conv_fail(koui_fields *f, const char *key, const char *valtext, const char *msg)
{
    koui_conv *c = (koui_conv *)(void *)f;
    lua_State *L = f->L;
    char full[600];
    snprintf(full, sizeof full, "%s%s%s", f->path, f->plen && key ? "." : "", key ? key : "");
    if (koui_scenario_push_set_origin(L, full))
        kou_host_usage_error(L, "%s: %s", lua_tostring(L, -1), msg);
    if (key == NULL && c->entry) {
        char q[300];
        snprintf(q, sizeof q, "\"%s\"", c->entry);
        koui_import_push_where(L, "name", q);
    } else {
        koui_import_push_where(L, key, valtext);
    }
    lua_pushfstring(L, "%s%s%s", lua_tostring(L, -1), c->note, msg);
    kou_host_push_report(L, lua_tostring(L, -1), false);
    lua_error(L);
}

/* ---- distributions ---- */

/* The family named at d[1] (the written name left in *written). */
static const kou_dist_family_info *dist_family(koui_conv *c, int d, const char *key, const char **written)
{
    lua_State *L = c->f.L;
    const char *names[32];
    size_t n = kou_dist_family_names(names, sizeof names / sizeof names[0]);
    char list[300];
    koui_keys_text(names, n, list, sizeof list);
    if (lua_rawgeti(L, d, 1) != LUA_TSTRING)
        FAIL(c, key, NULL, "%s.%s: a distribution table starts with its family name, e.g. "
             "{\"lognormal\", mean = 2, cv = 0.5} (families: %s)", c->f.path, key, list);
    const char *fname = lua_tostring(L, -1);
    const kou_dist_family_info *fam = kou_dist_family_find(fname);
    if (fam == NULL) {
        const char *near = koui_nearest_name(fname, names, n);
        char q[128];
        snprintf(q, sizeof q, "{\"%s\"", fname);
        if (near)
            FAIL(c, key, q, "%s.%s: unknown distribution '%s' (did you mean '%s'? known: %s)", c->f.path, key,
                 fname, near, list);
        FAIL(c, key, q, "%s.%s: unknown distribution '%s' (known: %s)", c->f.path, key, fname, list);
    }
    *written = conv_strdup(c, fname);
    lua_pop(L, 1);
    return fam;
}

/* discrete, piecewise: the x and w lists. */
static void dist_tables(koui_conv *c, int d, const kou_dist_family_info *fam, const char *fname,
                        kou_dist_spec *out)
{
    lua_State *L = c->f.L;
    static const kou_param_range any = {-INFINITY, INFINITY, false, false};
    const char *kx = fam->keys[0], *kw = fam->keys[1];
    size_t nx, nw;
    if (lua_getfield(L, d, kx) == LUA_TNIL || lua_getfield(L, d, kw) == LUA_TNIL)
        FAIL(c, NULL, NULL, "%s: %s needs %s = {...} and %s = {...}", c->f.path, fname, kx, kw);
    lua_pop(L, 2);
    double *x = koui_fields_numbers(&c->f, d, kx, &nx, &any);
    double *w = koui_fields_numbers(&c->f, d, kw, &nw, &any);
    if (nx != nw)
        FAIL(c, kw, NULL, "%s: %s and %s must have the same length (%zu and %zu)", c->f.path, kx, kw, nx, nw);
    out->x = x;
    out->w = w;
    out->n = nx;
}

/* The parameters p[] by the family's keys ({"fixed", 2.5} too). */
static void dist_params(koui_conv *c, int d, const kou_dist_family_info *fam, const char *fname,
                        kou_dist_spec *out)
{
    lua_State *L = c->f.L;
    static const kou_param_range any = {-INFINITY, INFINITY, false, false};
    char b[128], keys[128];
    if (fam->positional && lua_rawgeti(L, d, 2) != LUA_TNIL) { /* {"fixed", 2.5} */
        if (lua_type(L, -1) != LUA_TNUMBER)
            FAIL(c, NULL, NULL, "%s: fixed value must be a number (got %s)", c->f.path,
                 koui_value_text(L, -1, b, sizeof b));
        out->p[0] = lua_tonumber(L, -1);
        lua_pop(L, 1);
        return;
    }
    if (fam->positional)
        lua_pop(L, 1);
    for (int i = 0; i < fam->nkeys; i++) {
        const char *k = fam->keys[i];
        int kt = lua_getfield(L, d, k);
        lua_pop(L, 1);
        if (kt == LUA_TNIL && i < fam->nrequired)
            FAIL(c, NULL, NULL, "%s: %s needs %s = (keys: %s)", c->f.path, fname, k,
                 koui_keys_text(fam->keys, (size_t)fam->nkeys, keys, sizeof keys));
        out->p[i] = kt == LUA_TNIL ? fam->defaults[i] : koui_fields_number(&c->f, d, k, &any, 0.0);
    }
}

/* t[key] as a distribution spec: absent or false = none, a number = fixed,
** a table {"family", param = ...}. */
static void get_dist(koui_conv *c, int t, const char *key, kou_dist_spec *out)
{
    lua_State *L = c->f.L;
    memset(out, 0, sizeof *out);
    int ty = lua_getfield(L, t, key);
    char b[128], vt[128];
    if (ty == LUA_TNIL || (ty == LUA_TBOOLEAN && !lua_toboolean(L, -1))) {
        out->family = KOU_DIST_NONE;
    } else if (ty == LUA_TNUMBER) {
        if (!isfinite(lua_tonumber(L, -1)) || lua_tonumber(L, -1) < 0)
            FAIL(c, key, koui_written_text(L, -1, vt, sizeof vt), "%s.%s must be a number >= 0 or a "
                 "distribution table (got %s)", c->f.path, key, koui_value_text(L, -1, b, sizeof b));
        out->family = KOU_DIST_DETERMINISTIC;
        out->p[0] = lua_tonumber(L, -1);
    } else if (ty == LUA_TTABLE) {
        int d = lua_gettop(L);
        const char *fname;
        const kou_dist_family_info *fam = dist_family(c, d, key, &fname);
        size_t old = koui_fields_push(&c->f, key);
        koui_fields_check_keys(&c->f, d, fam->keys, (size_t)fam->nkeys, fam->positional ? 2 : 1);
        out->family = fam->family;
        if (fam->table)
            dist_tables(c, d, fam, fname, out);
        else
            dist_params(c, d, fam, fname, out);
        koui_fields_pop(&c->f, old);
    } else {
        FAIL(c, key, koui_written_text(L, -1, vt, sizeof vt), "%s.%s must be a number, false or a distribution "
             "table such as {\"exponential\", mean = 2} (got %s)", c->f.path, key, koui_value_text(L, -1, b, sizeof b));
    }
    lua_pop(L, 1);
}

/* ---- values by trader class ---- */

/* t[p->key] = {aeo_advanced =, ...} into out: absent, ordinary = p->def and
** the others 0; given, a missing class is 0. */
static void get_traders(koui_conv *c, int t, const kou_param *p, double out[KOU_TRADER_COUNT])
{
    lua_State *L = c->f.L;
    char b[64];
    for (int i = 0; i < KOU_TRADER_COUNT; i++)
        out[i] = 0.0;
    int ty = lua_getfield(L, t, p->key);
    if (ty == LUA_TNIL) {
        out[KOU_TRADER_ORDINARY] = p->def;
    } else {
        char shape[160];
        size_t at = 0;
        for (int i = 0; i < KOU_TRADER_COUNT; i++) {
            int w = snprintf(shape + at, sizeof shape - at, "%s%s =", i ? ", " : "", kou_trader_names[i]);
            if (w > 0 && at + (size_t)w < sizeof shape)
                at += (size_t)w;
        }
        if (ty != LUA_TTABLE)
            FAIL(c, p->key, NULL, "%s.%s must be a table {%s} (got %s)", c->f.path, p->key, shape,
                 koui_value_text(L, -1, b, sizeof b));
        size_t old = koui_fields_push(&c->f, p->key);
        int tt = lua_gettop(L);
        koui_fields_check_keys(&c->f, tt, kou_trader_names, KOU_TRADER_COUNT, 0);
        for (int i = 0; i < KOU_TRADER_COUNT; i++)
            out[i] = koui_fields_number(&c->f, tt, kou_trader_names[i], &p->range, 0.0);
        koui_fields_pop(&c->f, old);
    }
    lua_pop(L, 1);
}

/* ---- stage resources ---- */

/* Which resource does the stage of p: a name, false for none; omitted: the
** resource of the stage's own name, if there is one. */
static void get_stage(koui_conv *c, int pt, const kou_param *p, int *slot)
{
    lua_State *L = c->f.L;
    const char *key = p->key, *path = c->f.path;
    char b[64];
    *slot = -1;
    int sty = lua_getfield(L, pt, key);
    const char *want = NULL;
    if (sty == LUA_TSTRING)
        want = lua_tostring(L, -1);
    else if (sty == LUA_TNIL)
        want = key;
    else if (!(sty == LUA_TBOOLEAN && !lua_toboolean(L, -1)))
        FAIL(c, key, NULL, "%s.%s must be a resource name or false (got %s)", path, key,
             koui_value_text(L, -1, b, sizeof b));
    for (size_t i = 0; want && i < c->nres; i++)
        if (strcmp(c->rnames[i], want) == 0)
            *slot = (int)i;
    if (*slot < 0 && sty == LUA_TSTRING) {
        char vt[128];
        const char *near = koui_nearest_name(want, c->rnames, c->nres);
        snprintf(vt, sizeof vt, "\"%s\"", want);
        if (near)
            FAIL(c, key, vt, "%s.%s: no resource '%s' in %s.resources (did you mean '%s'?)", path, key, want,
                 path, near);
        FAIL(c, key, vt, "%s.%s: no resource '%s' in %s.resources", path, key, want, path);
    }
    if (*slot < 0 && (p->flags & KOU_PARAM_REQUIRED))
        FAIL(c, NULL, NULL, "%s: the %s stage needs a resource (add resources.%s, or name one with %s = \"...\")",
             path, key, key, key);
    lua_pop(L, 1);
}

/* ---- one value from its table entry ---- */

/* Converts the keys the table entry alone cannot (lists, maps, timetables). */
typedef void structure_fn(koui_conv *c, int t, const kou_param *p, void *base);

static void convert_value(koui_conv *c, int t, const kou_param *p, void *base, structure_fn *structure)
{
    void *field = (char *)base + p->offset;
    switch (p->kind) {
    case KOU_PARAM_NUMBER:
    case KOU_PARAM_INTEGER:
        kou_param_write(p, base, koui_fields_number(&c->f, t, p->key, &p->range, p->def));
        break;
    case KOU_PARAM_BOOLEAN: kou_param_write(p, base, koui_fields_bool(&c->f, t, p->key, p->def != 0)); break;
    case KOU_PARAM_DIST:
        get_dist(c, t, p->key, field);
        if ((p->flags & KOU_PARAM_REQUIRED) && ((kou_dist_spec *)field)->family == KOU_DIST_NONE)
            FAIL(c, NULL, NULL, "%s: %s is required (a number or a distribution)", c->f.path, p->key);
        break;
    case KOU_PARAM_ENUM: {
        int def = (p->flags & KOU_PARAM_INHERIT) ? (int)c->port_mode : (int)p->def;
        int v = koui_fields_choice(&c->f, t, p->key, p->names, p->nnames, def, p->flags & KOU_PARAM_REQUIRED);
        memcpy(field, &v, sizeof v);
        break;
    }
    case KOU_PARAM_TRADERS: get_traders(c, t, p, field); break;
    case KOU_PARAM_RESOURCE_REF: get_stage(c, t, p, field); break;
    case KOU_PARAM_TEXT: {
        const char *text = koui_fields_string(&c->f, t, p->key);
        if (p->field) /* kept (name_zh), else for the reader only */
            memcpy(field, &text, sizeof text);
        break;
    }
    case KOU_PARAM_NAME: break; /* read with the entry (enter_entry) */
    default:
        if (structure)
            structure(c, t, p, base);
        break;
    }
}

/* Every key of the scope, in table order, from the table at t into base. */
static void convert_scope(koui_conv *c, int t, kou_param_scope scope, void *base, structure_fn *structure)
{
    size_t n;
    const kou_param *p = kou_params(scope, &n);
    koui_fields_check_scope(&c->f, t, scope, 0);
    for (size_t i = 0; i < n; i++)
        convert_value(c, t, &p[i], base, structure);
}

/* ---- named lists: ports, flows, goods ---- */

/* Pushes entry i of the list at l, checks it is a table with a unique
** name, and extends the path with the name. */
static const char *enter_entry(koui_conv *c, int l, size_t i, const char *listkey, const char *what, size_t *oldp)
{
    lua_State *L = c->f.L;
    char b[64], where[600];
    koui_fields_where(&c->f, listkey, where, sizeof where);
    lua_rawgeti(L, l, (lua_Integer)i + 1);
    if (!lua_istable(L, -1))
        FAIL(c, listkey, NULL, "%s[%zu] must be a %s table (got %s)", where, i + 1, what,
             koui_value_text(L, -1, b, sizeof b));
    if (lua_getfield(L, -1, "name") != LUA_TSTRING || lua_rawlen(L, -1) == 0)
        FAIL(c, listkey, NULL, "%s[%zu]: a %s needs a name = \"...\" (got %s)", where, i + 1, what,
             koui_value_text(L, -1, b, sizeof b));
    const char *name = conv_strdup(c, lua_tostring(L, -1));
    lua_pop(L, 1);
    for (size_t j = 0; j < i; j++) {
        lua_rawgeti(L, l, (lua_Integer)j + 1);
        lua_getfield(L, -1, "name");
        bool same = strcmp(lua_tostring(L, -1), name) == 0;
        lua_pop(L, 2);
        if (same)
            FAIL(c, listkey, NULL, "%s: two entries are named '%s'", where, name);
    }
    *oldp = koui_fields_push(&c->f, listkey);
    koui_fields_push(&c->f, name);
    c->entry = name;
    return name;
}

typedef void entry_fn(koui_conv *c, int t, void *entry);

/* The list t[p->key] of entries of p's child scope, each size bytes,
** converted by convert; *n their count. An absent list is an error when
** required, else NULL. */
static void *convert_list(koui_conv *c, int t, const kou_param *p, size_t size, size_t *n, entry_fn *convert)
{
    lua_State *L = c->f.L;
    const char *what = kou_param_scope_name(p->child);
    char where[600], list_of[64];
    *n = 0;
    if (lua_getfield(L, t, p->key) == LUA_TNIL) {
        if (p->flags & KOU_PARAM_REQUIRED)
            FAIL(c, NULL, NULL, "%s%s%s = {...} is required (at least one %s)", c->f.path, c->f.plen ? ": " : "",
                 p->key, what);
        lua_pop(L, 1);
        return NULL;
    }
    int l = lua_gettop(L);
    snprintf(list_of, sizeof list_of, "%s tables", what);
    size_t count = koui_fields_check_list(&c->f, l, p->key, list_of);
    if (count == 0)
        FAIL(c, p->key, NULL, "%s must not be empty", koui_fields_where(&c->f, p->key, where, sizeof where));
    char *entries = koui_conv_alloc(c, count * size);
    size_t name_at = kou_param_find(p->child, "name")->offset;
    for (size_t i = 0; i < count; i++) {
        size_t old;
        const char *saved = c->entry;
        const char *name = enter_entry(c, l, i, p->key, what, &old);
        memcpy(entries + i * size + name_at, &name, sizeof name);
        convert(c, lua_gettop(L), entries + i * size);
        lua_pop(L, 1);
        koui_fields_pop(&c->f, old);
        c->entry = saved;
    }
    lua_pop(L, 1);
    *n = count;
    return entries;
}

/* ---- goods, flows, ports ---- */

static void convert_goods(koui_conv *c, int g, void *entry)
{
    convert_scope(c, g, KOU_SCOPE_GOODS, entry, NULL);
}

static void flow_structure(koui_conv *c, int f, const kou_param *p, void *base)
{
    kou_flow_config *fl = base;
    if (strcmp(p->key, "timetable") == 0) { /* with rate_per_hour and rate: exactly one of them */
        koui_convert_arrivals(c, f, fl);
    } else if (strcmp(p->key, "goods") == 0) {
        fl->goods = convert_list(c, f, p, sizeof *fl->goods, &fl->ngoods, convert_goods);
        if (fl->goods == NULL) { /* one class of general goods */
            kou_goods_config *gd = koui_conv_alloc(c, sizeof *gd);
            gd->name = "general";
            gd->share = 1.0;
            fl->goods = gd;
            fl->ngoods = 1;
        }
    }
}

static void convert_flow(koui_conv *c, int f, void *entry)
{
    convert_scope(c, f, KOU_SCOPE_FLOW, entry, flow_structure);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The names of the resources map at rt, sorted (resources are numbered in
** name order). */
static const char **resource_names(koui_conv *c, int rt, size_t *n)
{
    lua_State *L = c->f.L;
    char b[64];
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, rt)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            FAIL(c, "resources", NULL, "%s.resources is keyed by resource name (got the key %s)", c->f.path,
                 koui_value_text(L, -1, b, sizeof b));
        count++;
    }
    const char **names = koui_conv_alloc(c, (count ? count : 1) * sizeof *names);
    count = 0;
    lua_pushnil(L);
    while (lua_next(L, rt)) {
        lua_pop(L, 1);
        names[count++] = conv_strdup(c, lua_tostring(L, -1));
    }
    qsort(names, count, sizeof *names, cmp_str);
    *n = count;
    return names;
}

static void convert_resources(koui_conv *c, int p, kou_port_config *pc)
{
    lua_State *L = c->f.L;
    char b[64];
    int ty = lua_getfield(L, p, "resources");
    int rt = lua_gettop(L);
    if (ty != LUA_TTABLE)
        FAIL(c, ty == LUA_TNIL ? NULL : "resources", NULL, "%s.resources %s (got %s)", c->f.path,
             "must be a table {name = {capacity = N} or {hours = ...}, ...}", koui_value_text(L, -1, b, sizeof b));
    size_t nres;
    const char **rnames = resource_names(c, rt, &nres);
    kou_resource_spec *rs = koui_conv_alloc(c, (nres ? nres : 1) * sizeof *rs);
    size_t old = koui_fields_push(&c->f, "resources");
    for (size_t i = 0; i < nres; i++) {
        lua_getfield(L, rt, rnames[i]);
        size_t o2 = koui_fields_push(&c->f, rnames[i]);
        koui_convert_resource(c, lua_gettop(L), rnames[i], &rs[i]);
        koui_fields_pop(&c->f, o2);
        lua_pop(L, 1);
    }
    koui_fields_pop(&c->f, old);
    lua_pop(L, 1);
    pc->resources = rs;
    pc->nresources = nres;
    c->rnames = rnames;
    c->nres = nres;
}

static void port_structure(koui_conv *c, int p, const kou_param *e, void *base)
{
    kou_port_config *pc = base;
    if (strcmp(e->key, "resources") == 0) {
        convert_resources(c, p, pc);
    } else if (strcmp(e->key, "flows") == 0) {
        c->port_mode = pc->mode;
        pc->flows = convert_list(c, p, e, sizeof *pc->flows, &pc->nflows, convert_flow);
    }
}

static void convert_port(koui_conv *c, int p, void *entry)
{
    convert_scope(c, p, KOU_SCOPE_PORT, entry, port_structure);
}

/* ---- the top level ---- */

/* start_date, horizon_days, warmup_days, max_in_system. */
static void convert_run_length(koui_conv *c, int idx, kou_model_config *cfg)
{
    lua_State *L = c->f.L;
    if (lua_getfield(L, idx, "start_date") == LUA_TNIL)
        FAIL(c, NULL, NULL, "start_date = \"YYYY-MM-DD\" is required (hour 0 is 00:00 of that day)");
    cfg->start_date = koui_convert_date(c, -1, "start_date", "start_date");
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "horizon_days") == LUA_TNIL)
        FAIL(c, NULL, NULL, "horizon_days = N is required (days of arrivals)");
    lua_pop(L, 1);
    const kou_param *ph = kou_param_find(KOU_SCOPE_SCENARIO, "horizon_days");
    const kou_param *pw = kou_param_find(KOU_SCOPE_SCENARIO, "warmup_days");
    const kou_param *pm = kou_param_find(KOU_SCOPE_SCENARIO, "max_in_system");
    double horizon = koui_fields_number(&c->f, idx, ph->key, &ph->range, ph->def);
    double warmup = koui_fields_number(&c->f, idx, pw->key, &pw->range, pw->def);
    if (warmup >= horizon)
        FAIL(c, "warmup_days", NULL, "warmup_days must be below horizon_days (%g >= %g)", warmup, horizon);
    kou_param_write(ph, cfg, horizon);
    kou_param_write(pw, cfg, warmup);
    kou_param_write(pm, cfg, koui_fields_number(&c->f, idx, pm->key, &pm->range, pm->def));
}

/* eras, fitted and processes: checked, not converted (processes run in
** each replication: lua/lsim.h). */
static void check_extras(koui_conv *c, int idx)
{
    lua_State *L = c->f.L;
    char b[64];
    if (lua_getfield(L, idx, "eras") != LUA_TNIL && !lua_istable(L, -1))
        FAIL(c, "eras", NULL, "eras must be a table {[\"2017\"] = {...}, ...} (got %s)",
             koui_value_text(L, -1, b, sizeof b));
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "fitted") != LUA_TNIL) {
        size_t n = koui_fields_check_list(&c->f, -1, "fitted", "strings");
        for (size_t i = 0; i < n; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TSTRING)
                FAIL(c, "fitted", NULL, "fitted[%zu] must be a string (got %s)", i + 1,
                     koui_value_text(L, -1, b, sizeof b));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    if (lua_getfield(L, idx, "processes") != LUA_TNIL) {
        size_t n = koui_fields_check_list(&c->f, -1, "processes", "functions");
        for (size_t i = 0; i < n; i++) {
            if (lua_rawgeti(L, -1, (lua_Integer)i + 1) != LUA_TFUNCTION)
                FAIL(c, "processes", NULL, "processes[%zu] must be a function (got %s): each entry is started as "
                     "a process in every replication", i + 1, koui_value_text(L, -1, b, sizeof b));
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
}

kou_model_config *koui_convert(lua_State *L, int idx, kou_scenario_info *info, const char *note)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 40, "scenario conversion");
    koui_conv cs;
    koui_conv *c = &cs;
    memset(c, 0, sizeof *c);
    koui_fields_init(&c->f, L, conv_fail, conv_alloc);
    c->note = note;
    int top = lua_gettop(L);
    c->A = push_arena(L); /* stays on the stack: owns everything below */
    kou_model_config *cfg = koui_conv_alloc(c, sizeof *cfg);
    char b[64];
    if (!lua_istable(L, idx))
        FAIL(c, NULL, NULL, "the scenario must be a table (got %s)", koui_value_text(L, idx, b, sizeof b));
    koui_fields_check_scope(&c->f, idx, KOU_SCOPE_SCENARIO, 0);
    const char *name = koui_fields_string(&c->f, idx, "name");
    info->name = name ? name : "";
    (void)koui_fields_string(&c->f, idx, "description");
    (void)koui_fields_string(&c->f, idx, "notes");
    cfg->name_zh = koui_fields_string(&c->f, idx, "name_zh");
    info->era = koui_fields_string(&c->f, idx, "era");
    convert_run_length(c, idx, cfg);
    info->start_date = cfg->start_date;
    check_extras(c, idx);
    cfg->ports = convert_list(c, idx, kou_param_find(KOU_SCOPE_SCENARIO, "ports"), sizeof *cfg->ports,
                              &cfg->nports, convert_port);
    if (lua_gettop(L) != top + 1) /* the arena only: a bug here, not in the scenario */
        luaL_error(L, "internal error: scenario conversion left %d values on the stack", lua_gettop(L) - top - 1);
    return cfg;
}

void koui_convert_hours(lua_State *L, int t, const char *name, kou_resource_spec *rs)
{
    t = lua_absindex(L, t);
    luaL_checkstack(L, 20, "resource hours");
    koui_conv cs;
    koui_conv *c = &cs;
    memset(c, 0, sizeof *c);
    koui_fields_init(&c->f, L, conv_fail, conv_alloc);
    c->note = "";
    c->A = push_arena(L);                 /* arena: owns rs's arrays */
    lua_createtable(L, 0, 4);             /* arena copy */
    static const char *const keys[] = {"capacity", "hours", "holidays", "workdays"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        lua_getfield(L, t, keys[i]);
        lua_setfield(L, -2, keys[i]);
    }
    koui_fields_push(&c->f, name);
    koui_convert_resource(c, lua_gettop(L), name, rs);
    lua_pop(L, 1);                        /* arena */
}
