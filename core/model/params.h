/*
** params.h — the parameter table: every key a port scenario may write, at
** every scope (scenario, port, flow, goods, and the resource, calendar,
** timetable and rate tables inside them), with its field in the model's
** configuration (model.h), kind, allowed range, unit, default and a
** one-line meaning; and the names of every enumeration of the model
** (modes, directions, trader classes, consignment flags, milestones,
** distribution families with their Lua keys, weekdays).
**
** This module owns that knowledge, once: the Lua conversion
** (lua/convert.h) reads the keys and defaults from here and checks ranges
** with kou_param_in_range / kou_param_range_text; kou_model_validate
** checks the same ranges for C callers with the same text; the visitor,
** --dump, path resolution for sweeps and docs/parameters.md
** (model/param_path.h, model/param_print.h) are driven by it. Adding a
** lever is one entry here plus the model code that uses it.
**
** Why a static descriptor table with offsetof rather than an X-macro:
** every consumer reads the table at run time (iterates a scope, looks a
** key up, keeps a pointer to an entry in a kou_param_ref), so none needs
** to be a macro expansion; designated initializers name every column, so
** an entry reads as a record; and the entry macros in params.c check the
** field's C type at compile time (_Generic), so an entry cannot point at
** a field of the wrong kind.
**
** Everything here is constant data and pure functions: thread-safe.
*/
#ifndef KOUAN_MODEL_PARAMS_H
#define KOUAN_MODEL_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"

/* ---- enumeration names (next to the enums of model.h) ---- */

extern const char *const kou_mode_names[KOU_MODE_COUNT];           /* "air", "rail", "road" */
extern const char *const kou_direction_names[KOU_DIRECTION_COUNT]; /* "import", "export" */
/* The Lua keys of per-class tables: "aeo_advanced", "aeo_general", "ordinary", "discredited". */
extern const char *const kou_trader_names[KOU_TRADER_COUNT];
/* Bit i of kou_consignment_record.flags: "advance", "inspected", ... */
extern const char *const kou_flag_names[KOU_FLAG_COUNT];
extern const char *const kou_flag_meanings[KOU_FLAG_COUNT];
/* "ARRIVAL", "UNLOADED", ... (kou_milestone_name in model.h) and their meanings. */
extern const char *const kou_milestone_names[KOU_MS_COUNT];
extern const char *const kou_milestone_meanings[KOU_MS_COUNT];
/* "Mon" .. "Sun" (0 = Monday, as kou_date_weekday). */
extern const char *const kou_weekday_names[7];

/* The name, or "?" when v is out of range. */
const char *kou_mode_name(int v);
const char *kou_direction_name(int v);
const char *kou_trader_name(int v);

/* ---- distribution families ---- */

typedef struct kou_dist_family_info {
    kou_dist_family family;
    const char *name;     /* as a scenario writes it: "fixed", "normal", ...; "none" */
    const char *alias;    /* another name read as this family ("deterministic"), or NULL */
    const char *kernel;   /* the kernel's word in its own messages ("truncnormal"), or NULL if name */
    const char *keys[4];  /* Lua keys of p[0 .. nkeys); tables: the x and w lists */
    int nkeys;
    int nrequired;        /* keys [nrequired, nkeys) are optional, with these defaults: */
    double defaults[4];
    bool scaled[4];       /* in the unit of the variable (hours) rather than a pure number */
    bool table;           /* discrete, piecewise: x[] and w[] lists, not p[] */
    bool positional;      /* may be written {"fixed", 2.5} */
    const char *meaning;
} kou_dist_family_info;

/* The family's description (KOU_DIST_NONE included); NULL out of range. */
const kou_dist_family_info *kou_dist_family_get(kou_dist_family f);
/* As a scenario writes it: "fixed", "normal" (never the kernel's word);
** "?" out of range. */
const char *kou_dist_family_name(kou_dist_family f);
/* The family written name (a name or an alias), or NULL. */
const kou_dist_family_info *kou_dist_family_find(const char *name);
/* The names a scenario may write, aliases after their family, in enum
** order ("fixed", "deterministic", "exponential", ...); returns the count
** (at most cap are stored). */
size_t kou_dist_family_names(const char **out, size_t cap);

/* ---- the table ---- */

typedef enum kou_param_scope {
    KOU_SCOPE_SCENARIO,  /* the top level: kou_model_config */
    KOU_SCOPE_PORT,      /* an entry of ports: kou_port_config */
    KOU_SCOPE_FLOW,      /* an entry of a port's flows: kou_flow_config */
    KOU_SCOPE_GOODS,     /* an entry of a flow's goods: kou_goods_config */
    KOU_SCOPE_RESOURCE,  /* a value of a port's resources: kou_resource_spec */
    KOU_SCOPE_HOURS,     /* an entry of a resource's hours: kou_hours_spec */
    KOU_SCOPE_WORKDAY,   /* an entry of a resource's workdays {"YYYY-MM-DD", as = "Mon"} */
    KOU_SCOPE_TIMETABLE, /* an entry of a flow's timetable {days =, at =} */
    KOU_SCOPE_RATE,      /* a flow's rate = {hourly =, weekday =} */
    KOU_SCOPE_COUNT
} kou_param_scope;

typedef enum kou_param_kind {
    /* values of the configuration */
    KOU_PARAM_NUMBER,       /* a real number (double) */
    KOU_PARAM_INTEGER,      /* a whole number (int, or uint64_t with KOU_PARAM_U64) */
    KOU_PARAM_BOOLEAN,      /* true or false (bool) */
    KOU_PARAM_DIST,         /* a distribution (kou_dist_spec): a number, false or {"family", ...} */
    KOU_PARAM_ENUM,         /* one of names[] (an enum of model.h) */
    KOU_PARAM_TRADERS,      /* a number per trader class (double[KOU_TRADER_COUNT]) */
    KOU_PARAM_RESOURCE_REF, /* the resource of a stage: a name in resources, or false (int index, -1: none) */
    KOU_PARAM_DATE,         /* "YYYY-MM-DD" (int32_t YYYYMMDD) */
    KOU_PARAM_CALENDAR,     /* opening hours (kou_hours_spec list, entries of KOU_SCOPE_HOURS) */
    KOU_PARAM_TIMETABLE,    /* weekly departures (hours of the week, entries of KOU_SCOPE_TIMETABLE) */
    KOU_PARAM_RATES,        /* arrival rates per hour of the week (168 doubles) */
    /* structure and text */
    KOU_PARAM_NAME,         /* an entry's name (unique in its list) */
    KOU_PARAM_TEXT,         /* a string kept for the reader only (description, notes) */
    KOU_PARAM_LIST,         /* named entries of the child scope: ports, flows, goods */
    KOU_PARAM_MAP,          /* entries of the child scope keyed by name: resources */
    KOU_PARAM_DATES,        /* a list of "YYYY-MM-DD" (holidays) */
    KOU_PARAM_WORKDAYS,     /* make-up working days (entries of KOU_SCOPE_WORKDAY) */
    KOU_PARAM_DAYS,         /* weekdays: "Mon-Fri", "Mon,Wed,Fri", "daily", ... */
    KOU_PARAM_TIMES,        /* "HH:MM" (a list of them where allowed) */
    KOU_PARAM_NUMBERS,      /* one number or a list of them */
    KOU_PARAM_ERAS,         /* eras: name -> table of changes */
    KOU_PARAM_STRINGS,      /* a list of strings (fitted) */
    KOU_PARAM_FUNCTIONS,    /* a list of functions (processes) */
    KOU_PARAM_KIND_COUNT
} kou_param_kind;

enum {
    KOU_PARAM_REQUIRED = 1u << 0, /* the key must be given */
    KOU_PARAM_INHERIT = 1u << 1,  /* absent: the enclosing port's value of the same key */
    KOU_PARAM_CHECKED = 1u << 2,  /* range checked by code (cross-field or its own message) */
    KOU_PARAM_U64 = 1u << 3,      /* INTEGER stored as uint64_t */
    KOU_PARAM_INPUT = 1u << 4     /* an input form of another key (rate for rate_per_hour): no value of its own */
};

/* Allowed values: finite numbers in [lo, hi] ((lo, hi] with lo_open),
** whole ones only with whole. -INFINITY / INFINITY: no bound. */
typedef struct kou_param_range {
    double lo, hi;
    bool lo_open;
    bool whole;
} kou_param_range;

typedef struct kou_param {
    const char *key;       /* the Lua key, as a scenario (and --set) writes it */
    const char *field;     /* the C field, as kou_model_validate names it; NULL: not in the configuration */
    kou_param_scope scope;
    kou_param_kind kind;
    size_t offset;         /* of the field in the scope's struct */
    kou_param_range range; /* NUMBER, INTEGER, TRADERS */
    double scale;          /* field = value * scale (days -> hours: 24) */
    double def;            /* default: NUMBER, INTEGER, BOOLEAN; TRADERS: ordinary's (others 0) */
    const char *unit;      /* "h", "d", "share", "weight", "count", "CNY", ...; "" for none */
    const char *meaning;   /* one line */
    unsigned flags;        /* KOU_PARAM_* */
    const char *const *names; /* ENUM: the value names, in enum order */
    size_t nnames;
    kou_param_scope child; /* LIST, MAP, CALENDAR, WORKDAYS, TIMETABLE, RATES (rate): the entries' scope */
    const char *def_text;  /* docs: the default, when def does not say it */
} kou_param;

/* The entries of a scope, in the order the conversion reads them; *n is
** their count. */
const kou_param *kou_params(kou_param_scope scope, size_t *n);
/* The entry for key in scope, or NULL. */
const kou_param *kou_param_find(kou_param_scope scope, const char *key);
/* The keys of a scope (the "known keys"), in table order, NULL-terminated;
** returns the count (at most cap - 1 stored). */
size_t kou_param_keys(kou_param_scope scope, const char **out, size_t cap);
/* The choices of an ENUM entry: "air, rail or road", or quoted:
** "\"air\", \"rail\" or \"road\"". Returns buf. */
const char *kou_param_choices_text(const kou_param *p, bool quoted, char *buf, size_t len);
/* "scenario", "port", "flow", "goods", "resource", ... */
const char *kou_param_scope_name(kou_param_scope scope);
/* "a number", "a distribution", ... for docs. */
const char *kou_param_kind_text(kou_param_kind kind);

/* ---- ranges: the one check and the one text ---- */

/* Whether v is allowed: finite, within the bounds, whole if required. */
bool kou_param_in_range(const kou_param_range *r, double v);
/* What the range allows, for "X must be TEXT (got V)": "in [0, 1]",
** ">= 0 and finite", "a whole number in [-32768, 32767]", "finite"; with
** noun, for a value that may not be a number at all: "a number in [0, 1]",
** "a number >= 0 and finite", "a finite number". Returns buf. */
const char *kou_param_range_text(const kou_param_range *r, bool noun, char *buf, size_t len);

/* Reads the numeric value of entry p (NUMBER, INTEGER, BOOLEAN) from the
** scope's struct at base, in the key's unit (field / scale). */
double kou_param_read(const kou_param *p, const void *base);
/* Writes v (in the key's unit) to the field; v must be in range. */
void kou_param_write(const kou_param *p, void *base, double v);
/* Whether the kind is a single number (NUMBER, INTEGER, BOOLEAN). */
bool kou_param_is_number(const kou_param *p);

/* The shortest text of v that reads back as the same double ("0.1",
** "23.166666666666668", "inf", "nan"). Returns buf. */
const char *kou_number_text(double v, char *buf, size_t len);

#endif
