/*
** timeconv.c — resources, calendars, timetables and rates of a port
** scenario (see timeconv.h).
*/
#include "lua/timeconv.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "model/params.h"

#define FAIL(c, ...) koui_fields_fail(&(c)->f, __VA_ARGS__)

/* ---- days, times, dates ---- */

/* 0 = Monday .. 6 = Sunday for the first three letters of a day's name
** (any case), or -1. */
static int day_index(const char *s, size_t n)
{
    if (n != 3)
        return -1;
    for (int d = 0; d < 7; d++) {
        const char *name = kou_weekday_names[d];
        if (tolower((unsigned char)s[0]) == tolower((unsigned char)name[0]) &&
            tolower((unsigned char)s[1]) == tolower((unsigned char)name[1]) &&
            tolower((unsigned char)s[2]) == tolower((unsigned char)name[2]))
            return d;
    }
    return -1;
}

/* One "Mon" or "Mon-Fri" at *pp into mask; false when unreadable. */
static bool parse_day_range(const char **pp, unsigned *mask)
{
    const char *p = *pp;
    const char *a = p;
    while (isalpha((unsigned char)*p))
        p++;
    int d1 = day_index(a, (size_t)(p - a)), d2 = d1;
    if (d1 < 0)
        return false;
    if (*p == '-') {
        const char *b = ++p;
        while (isalpha((unsigned char)*p))
            p++;
        d2 = day_index(b, (size_t)(p - b));
        if (d2 < 0)
            return false;
    }
    for (int d = d1;; d = (d + 1) % 7) {
        *mask |= 1u << d;
        if (d == d2)
            break;
    }
    *pp = p;
    return true;
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
        if (!parse_day_range(&p, &mask))
            return 0;
        while (*p == ' ')
            p++;
        if (*p == '\0')
            return mask;
        if (*p != ',')
            return 0;
        p++;
    }
}

static unsigned get_days(koui_conv *c, int t, const char *key)
{
    lua_State *L = c->f.L;
    char b[128], vt[128];
    int ty = lua_getfield(L, t, key);
    unsigned mask = ty == LUA_TSTRING ? parse_days(lua_tostring(L, -1)) : 0;
    if (ty == LUA_TNIL)
        mask = 0x7fu; /* every day */
    else if (mask == 0)
        FAIL(c, key, koui_written_text(L, -1, vt, sizeof vt), "%s.%s must be days such as \"Mon-Fri\", "
             "\"Mon,Wed,Fri\", \"daily\", \"weekdays\" or \"weekends\" (got %s)", c->f.path, key,
             koui_value_text(L, -1, b, sizeof b));
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

static double time_value(koui_conv *c, int idx, const char *key)
{
    lua_State *L = c->f.L;
    char b[128], vt[128];
    double v = lua_type(L, idx) == LUA_TSTRING ? parse_hhmm(lua_tostring(L, idx)) : -1;
    if (v < 0)
        FAIL(c, key, koui_written_text(L, idx, vt, sizeof vt), "%s.%s must be a time \"HH:MM\" between "
             "\"00:00\" and \"24:00\" (got %s)", c->f.path, key, koui_value_text(L, idx, b, sizeof b));
    return v;
}

static double get_time(koui_conv *c, int t, const char *key)
{
    lua_State *L = c->f.L;
    if (lua_getfield(L, t, key) == LUA_TNIL)
        FAIL(c, NULL, NULL, "%s.%s is required (a time \"HH:MM\")", c->f.path, key);
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

int32_t koui_convert_date(koui_conv *c, int idx, const char *key, const char *what)
{
    lua_State *L = c->f.L;
    char b[128], vt[128];
    int32_t v = lua_type(L, idx) == LUA_TSTRING ? parse_date(lua_tostring(L, idx)) : 0;
    if (v == 0)
        FAIL(c, key, koui_written_text(L, idx, vt, sizeof vt), "%s%s%s must be a date \"YYYY-MM-DD\" (got %s)",
             c->f.path, c->f.plen ? "." : "", what, koui_value_text(L, idx, b, sizeof b));
    return v;
}

/* ---- resources ---- */

/* One opening-hours entry (the table on the top) into hs[*k ..]: an
** overnight entry (to <= from) becomes two, today to 24:00 and the next
** days from 00:00. */
static void get_hours_entry(koui_conv *c, kou_hours_spec *hs, size_t *k)
{
    lua_State *L = c->f.L;
    char b[64];
    if (!lua_istable(L, -1))
        FAIL(c, NULL, NULL, "%s must be a table {days =, from =, to =, capacity =} (got %s)", c->f.path,
             koui_value_text(L, -1, b, sizeof b));
    int e = lua_gettop(L);
    koui_fields_check_scope(&c->f, e, KOU_SCOPE_HOURS, 0);
    unsigned mask = get_days(c, e, "days");
    double from = get_time(c, e, "from"), to = get_time(c, e, "to");
    const kou_param *pc = kou_param_find(KOU_SCOPE_HOURS, "capacity");
    double cap = koui_fields_number(&c->f, e, "capacity", &pc->range, NAN);
    if (isnan(cap))
        FAIL(c, NULL, NULL, "%s.capacity is required (a whole number >= 1)", c->f.path);
    if (to > from) {
        hs[(*k)++] = (kou_hours_spec){mask, from, to, (int)cap};
    } else if (to < from || from > 0) {
        unsigned next = ((mask << 1) | (mask >> 6)) & 0x7fu;
        hs[(*k)++] = (kou_hours_spec){mask, from, 24.0, (int)cap};
        if (to > 0)
            hs[(*k)++] = (kou_hours_spec){next, 0.0, to, (int)cap};
    } else {
        FAIL(c, "to", NULL, "%s: from and to are both 00:00 (write \"00:00\" to \"24:00\" for all day)",
             c->f.path);
    }
}

static void get_hours(koui_conv *c, int r, kou_resource_spec *rs)
{
    lua_State *L = c->f.L;
    lua_getfield(L, r, "hours");
    int h = lua_gettop(L);
    size_t n = koui_fields_check_list(&c->f, h, "hours", "opening hours {days =, from =, to =, capacity =}");
    kou_hours_spec *hs = koui_conv_alloc(c, (2 * n + 1) * sizeof *hs);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, h, (lua_Integer)i + 1);
        char idx[32];
        snprintf(idx, sizeof idx, "hours[%zu]", i + 1);
        size_t old = koui_fields_push(&c->f, idx);
        get_hours_entry(c, hs, &k);
        koui_fields_pop(&c->f, old);
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    rs->hours = hs;
    rs->nhours = k;
}

static void get_holidays(koui_conv *c, int r, kou_resource_spec *rs)
{
    lua_State *L = c->f.L;
    lua_getfield(L, r, "holidays");
    if (lua_toboolean(L, -1)) { /* false: none */
        size_t n = koui_fields_check_list(&c->f, -1, "holidays", "dates \"YYYY-MM-DD\"");
        int32_t *d = koui_conv_alloc(c, (n ? n : 1) * sizeof *d);
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            char what[48];
            snprintf(what, sizeof what, "holidays[%zu]", i + 1);
            d[i] = koui_convert_date(c, -1, "holidays", what);
            lua_pop(L, 1);
        }
        rs->holidays = d;
        rs->nholidays = n;
    }
    lua_pop(L, 1);
}

/* Workday i (on the top): {"YYYY-MM-DD", as = "Mon"} or a bare date. */
static void get_workday(koui_conv *c, size_t i, int32_t *d, int *as)
{
    lua_State *L = c->f.L;
    char what[48], b[64];
    snprintf(what, sizeof what, "workdays[%zu]", i + 1);
    *as = 0;
    if (!lua_istable(L, -1)) {
        *d = koui_convert_date(c, -1, "workdays", what);
        return;
    }
    size_t old = koui_fields_push(&c->f, what);
    koui_fields_check_scope(&c->f, -1, KOU_SCOPE_WORKDAY, 1);
    if (lua_getfield(L, -1, "as") != LUA_TNIL) {
        const char *s = lua_tostring(L, -1);
        int di = s && lua_type(L, -1) == LUA_TSTRING ? day_index(s, strlen(s)) : -1;
        if (di < 0)
            FAIL(c, "as", NULL, "%s.as must be a weekday \"Mon\" .. \"Sun\" (got %s)", c->f.path,
                 koui_value_text(L, -1, b, sizeof b));
        *as = di;
    }
    lua_pop(L, 1);
    lua_rawgeti(L, -1, 1);
    koui_fields_pop(&c->f, old);
    *d = koui_convert_date(c, -1, "workdays", what);
    lua_pop(L, 1);
}

static void get_workdays(koui_conv *c, int r, kou_resource_spec *rs)
{
    lua_State *L = c->f.L;
    lua_getfield(L, r, "workdays");
    if (lua_toboolean(L, -1)) { /* false: none */
        size_t n = koui_fields_check_list(&c->f, -1, "workdays",
                                          "make-up working days {\"YYYY-MM-DD\", as = \"Mon\"}");
        int32_t *d = koui_conv_alloc(c, (n ? n : 1) * sizeof *d);
        int *as = koui_conv_alloc(c, (n ? n : 1) * sizeof *as);
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, -1, (lua_Integer)i + 1);
            get_workday(c, i, &d[i], &as[i]);
            lua_pop(L, 1);
        }
        rs->workdays = d;
        rs->workday_as = as;
        rs->nworkdays = n;
    }
    lua_pop(L, 1);
}

void koui_convert_resource(koui_conv *c, int r, const char *name, kou_resource_spec *rs)
{
    lua_State *L = c->f.L;
    char b[64], range[96];
    const kou_param *pc = kou_param_find(KOU_SCOPE_RESOURCE, "capacity");
    memset(rs, 0, sizeof *rs);
    size_t len = strlen(name) + 1;
    rs->name = memcpy(koui_conv_alloc(c, len), name, len);
    if (lua_type(L, r) == LUA_TNUMBER) { /* handling = 6: a fixed capacity */
        if (!kou_param_in_range(&pc->range, lua_tonumber(L, r)))
            FAIL(c, NULL, NULL, "%s must be %s or a table (got %s)", c->f.path,
                 kou_param_range_text(&pc->range, true, range, sizeof range), koui_value_text(L, r, b, sizeof b));
        rs->capacity = (int)lua_tonumber(L, r);
        return;
    }
    if (!lua_istable(L, r))
        FAIL(c, NULL, NULL, "%s must be a table {capacity = N} or {hours = ...} (got %s)", c->f.path,
             koui_value_text(L, r, b, sizeof b));
    koui_fields_check_scope(&c->f, r, KOU_SCOPE_RESOURCE, 0);
    /* false counts as absent, so that s:with{} can switch a resource from
    ** a fixed capacity to opening hours (capacity = false, hours = {...}) */
    lua_getfield(L, r, "hours");
    lua_getfield(L, r, "capacity");
    bool has_hours = lua_toboolean(L, -2) || lua_type(L, -2) == LUA_TTABLE;
    bool has_cap = lua_toboolean(L, -1);
    lua_pop(L, 2);
    if (has_hours && has_cap)
        FAIL(c, "capacity", NULL, "%s: give either capacity (open 7x24) or hours (with a capacity in "
             "each entry), not both", c->f.path);
    if (!has_hours && !has_cap)
        FAIL(c, NULL, NULL, "%s: give capacity = N (open 7x24) or hours = {...}", c->f.path);
    if (has_cap)
        rs->capacity = (int)koui_fields_number(&c->f, r, "capacity", &pc->range, 1);
    else
        get_hours(c, r, rs);
    get_holidays(c, r, rs);
    get_workdays(c, r, rs);
}

/* ---- arrivals ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Room for the hours of the week of the timetable at tt (n entries): at
** most 7 days x the times of each entry. */
static size_t timetable_room(lua_State *L, int tt, size_t n)
{
    size_t cap = 0;
    for (size_t i = 0; i < n; i++) {
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
    return cap;
}

/* One timetable entry (the table on the top) into t[*k ..]. */
static void get_departures(koui_conv *c, double *t, size_t *k)
{
    lua_State *L = c->f.L;
    char b[64];
    if (!lua_istable(L, -1))
        FAIL(c, NULL, NULL, "%s must be a table {days =, at = \"HH:MM\"} (got %s)", c->f.path,
             koui_value_text(L, -1, b, sizeof b));
    int e = lua_gettop(L);
    koui_fields_check_scope(&c->f, e, KOU_SCOPE_TIMETABLE, 0);
    unsigned mask = get_days(c, e, "days");
    int aty = lua_getfield(L, e, "at");
    size_t nat = aty == LUA_TTABLE ? (size_t)lua_rawlen(L, -1) : 1;
    if (aty == LUA_TNIL)
        FAIL(c, NULL, NULL, "%s.at is required (a time \"HH:MM\" or a list of them)", c->f.path);
    for (size_t a = 0; a < nat; a++) {
        if (aty == LUA_TTABLE)
            lua_rawgeti(L, -1, (lua_Integer)a + 1);
        double h = time_value(c, -1, "at");
        if (aty == LUA_TTABLE)
            lua_pop(L, 1);
        if (h >= 24.0)
            FAIL(c, "at", NULL, "%s.at must be before \"24:00\"", c->f.path);
        for (int d = 0; d < 7; d++)
            if (mask & (1u << d))
                t[(*k)++] = 24.0 * d + h;
    }
    lua_pop(L, 1);
}

static void get_timetable(koui_conv *c, int f, kou_flow_config *fl)
{
    lua_State *L = c->f.L;
    lua_getfield(L, f, "timetable");
    int tt = lua_gettop(L);
    size_t n = koui_fields_check_list(&c->f, tt, "timetable", "departures {days =, at = \"HH:MM\"}");
    size_t cap = timetable_room(L, tt, n);
    double *t = koui_conv_alloc(c, (cap ? cap : 1) * sizeof *t);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        lua_rawgeti(L, tt, (lua_Integer)i + 1);
        char idx[32];
        snprintf(idx, sizeof idx, "timetable[%zu]", i + 1);
        size_t old = koui_fields_push(&c->f, idx);
        get_departures(c, t, &k);
        lua_pop(L, 1);
        koui_fields_pop(&c->f, old);
    }
    lua_pop(L, 1);
    qsort(t, k, sizeof *t, cmp_double);
    if (k == 0)
        FAIL(c, "timetable", NULL, "%s.timetable has no departures", c->f.path);
    fl->timetable = t;
    fl->ntimetable = k;
}

/* rate_per_hour: one number or 168 (the value on the top) into r. */
static void get_rate_per_hour(koui_conv *c, int f, double *r)
{
    lua_State *L = c->f.L;
    const kou_param *p = kou_param_find(KOU_SCOPE_FLOW, "rate_per_hour");
    if (lua_type(L, -1) == LUA_TNUMBER) {
        double v = koui_fields_number(&c->f, f, "rate_per_hour", &p->range, 0);
        for (int i = 0; i < 168; i++)
            r[i] = v;
        return;
    }
    size_t n;
    double *x = koui_fields_numbers(&c->f, f, "rate_per_hour", &n, &p->range);
    if (n != 168)
        FAIL(c, "rate_per_hour", NULL, "%s.rate_per_hour must be one number or 168 numbers, one per hour of the "
             "week from Monday 00:00 (got %zu)", c->f.path, n);
    memcpy(r, x, 168 * sizeof *r);
}

/* rate = {hourly = {24} or number, weekday = {7} or number} into r. */
static void get_rate_table(koui_conv *c, int f, double *r)
{
    lua_State *L = c->f.L;
    char b[64];
    lua_getfield(L, f, "rate");
    if (!lua_istable(L, -1))
        FAIL(c, "rate", NULL, "%s.rate must be a table {hourly = {24 numbers}, weekday = {7 numbers}} "
             "(got %s)", c->f.path, koui_value_text(L, -1, b, sizeof b));
    size_t old = koui_fields_push(&c->f, "rate");
    int rt = lua_gettop(L);
    koui_fields_check_scope(&c->f, rt, KOU_SCOPE_RATE, 0);
    double hourly[24], weekday[7];
    const kou_param *parts[2] = {kou_param_find(KOU_SCOPE_RATE, "hourly"), kou_param_find(KOU_SCOPE_RATE, "weekday")};
    double *dst[2] = {hourly, weekday};
    size_t want[2] = {24, 7};
    for (int j = 0; j < 2; j++) {
        const kou_param *p = parts[j];
        int ty = lua_getfield(L, rt, p->key);
        lua_pop(L, 1);
        if (ty == LUA_TNIL || ty == LUA_TNUMBER) {
            double v = koui_fields_number(&c->f, rt, p->key, &p->range, p->def);
            for (size_t i = 0; i < want[j]; i++)
                dst[j][i] = v;
        } else {
            size_t n;
            double *x = koui_fields_numbers(&c->f, rt, p->key, &n, &p->range);
            if (n != want[j])
                FAIL(c, p->key, NULL, "%s.%s must be one number or %zu numbers (got %zu)", c->f.path, p->key,
                     want[j], n);
            memcpy(dst[j], x, n * sizeof *x);
        }
    }
    for (int d = 0; d < 7; d++)
        for (int h = 0; h < 24; h++)
            r[24 * d + h] = hourly[h] * weekday[d];
    koui_fields_pop(&c->f, old);
    lua_pop(L, 1); /* rate */
}

void koui_convert_arrivals(koui_conv *c, int f, kou_flow_config *fl)
{
    lua_State *L = c->f.L;
    /* false counts as absent, so that s:with{} can switch between them */
    lua_getfield(L, f, "timetable");
    lua_getfield(L, f, "rate_per_hour");
    lua_getfield(L, f, "rate");
    int ntt = lua_toboolean(L, -3) + lua_toboolean(L, -2) + lua_toboolean(L, -1);
    lua_pop(L, 3);
    if (ntt != 1)
        FAIL(c, NULL, NULL, "%s: give exactly one of timetable, rate_per_hour and rate (got %d)", c->f.path, ntt);
    lua_getfield(L, f, "timetable");
    if (lua_toboolean(L, -1)) {
        get_timetable(c, f, fl);
    } else {
        double *r = koui_conv_alloc(c, 168 * sizeof *r);
        lua_getfield(L, f, "rate_per_hour");
        if (lua_toboolean(L, -1))
            get_rate_per_hour(c, f, r);
        else
            get_rate_table(c, f, r);
        lua_pop(L, 1);
        fl->rate_per_hour = r;
    }
    lua_pop(L, 1);
}
