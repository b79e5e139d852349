/*
** fields.h — reading Lua tables written by people: typed getters, and the
** "unknown key (did you mean ...?)" check, in two styles.
**
** This module owns:
**  - the key check shared by every table a person writes: a key that is
**    neither an allowed name nor an allowed position is found, with the
**    nearest allowed name (koui_nearest_name, kernel/base.h) and the list
**    of allowed names;
**  - path-style reading (koui_fields): a reader knows the dotted path of
**    the table it reads ("ports.CGO.flows.freighter") and names values by
**    it: "ports.CGO.advance_share must be a number in [0, 1] (got 1.5)",
**    "ports.CGO.advence_share: unknown key (did you mean
**    'advance_share'?)". Ranges and their text come from the parameter
**    table (model/params.h). How a mistake is raised is the reader's own
**    (fail): the scenario conversion adds FILE:LINE (lua/convert.h), the
**    sweep design reader makes it a usage error;
**  - option-style reading for the functions of process scenarios
**    (lua/lsim.h): "resource: unknown field 'capcity' (did you mean
**    'capacity'?)", "erlang: field 'k' is required".
**
** Errors are Lua errors (longjmp): call from code that owns no C memory
** (allocate through the reader's alloc, which must survive a longjmp).
*/
#ifndef KOUAN_LUA_FIELDS_H
#define KOUAN_LUA_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include <lua.h>

#include "kernel/base.h"
#include "model/params.h"

/* ---- the key check ---- */

typedef enum koui_key_check {
    KOUI_KEYS_OK,      /* every key is allowed */
    KOUI_KEY_UNKNOWN,  /* a string key not in the list (pushed) */
    KOUI_KEY_NOT_NAMED /* a key that is neither a string nor an allowed position (pushed) */
} koui_key_check;

/* Finds the first key of table t (lua_next order) that is neither one of
** the n allowed names nor an integer in 1..npos; pushes it and says what
** it is, or pushes nothing and returns KOUI_KEYS_OK. */
koui_key_check koui_find_bad_key(lua_State *L, int t, const char *const allowed[], size_t n, lua_Integer npos);
/* "a, b, c" (cut to len). Returns buf. */
const char *koui_keys_text(const char *const allowed[], size_t n, char *buf, size_t len);
/* The count of a NULL-terminated list. */
size_t koui_count_names(const char *const names[]);

/* The value at idx as a message shows it after "got": 1.5, 'often', true,
** a table. Returns buf. */
const char *koui_value_text(lua_State *L, int idx, char *buf, size_t len);

/* ---- path-style reading ---- */

typedef struct koui_fields koui_fields;
/* Raises the error msg about key (NULL: the table itself) of the table
** being read, whose value was written as valtext (NULL or "": unknown).
** Must not return. */
typedef void koui_fields_fail_fn(koui_fields *f, const char *key, const char *valtext, const char *msg);
/* Memory for strings and lists that must outlive the call; must not return
** NULL (raise instead). */
typedef void *koui_fields_alloc_fn(koui_fields *f, size_t n);

struct koui_fields {
    lua_State *L;
    char path[512]; /* "ports.CGO.flows.freighter"; "" at the top */
    size_t plen;
    koui_fields_fail_fn *fail;
    koui_fields_alloc_fn *alloc; /* may be NULL when no getter that allocates is used */
};

/* Starts a reader at the top (empty path). */
void koui_fields_init(koui_fields *f, lua_State *L, koui_fields_fail_fn *fail, koui_fields_alloc_fn *alloc);
/* A reader of a file a command reads (a sweep design, a calibration), at
** path where ("sweep.factors[2]"): its mistakes are the command line's,
** usage errors (lua/host.h, exit 2); no alloc. */
koui_fields koui_fields_usage_reader(lua_State *L, const char *where);
/* Formats the message and calls f->fail. */
KOU_NORETURN void koui_fields_fail(koui_fields *f, const char *key, const char *valtext, const char *fmt, ...)
    KOU_PRINTF(4, 5);
/* Appends ".key" (or "key" at the top) to the path; returns the old length
** for koui_fields_pop. */
size_t koui_fields_push(koui_fields *f, const char *key);
void koui_fields_pop(koui_fields *f, size_t old);
/* "PATH.key" (or "key" at the top) into buf. Returns buf. */
const char *koui_fields_where(const koui_fields *f, const char *key, char *buf, size_t len);
/* The written form of the value at idx, to find its line: strings quoted,
** numbers and booleans as koui_value_text, else "". Returns buf. */
const char *koui_written_text(lua_State *L, int idx, char *buf, size_t len);

/* Refuses any key of table t not in allowed (n names), but integer keys
** 1..npos (positional fields): "PATH.key: unknown key (did you mean
** 'x'?)", or "(known: a, b, c)" when none is near. */
void koui_fields_check_keys(koui_fields *f, int t, const char *const allowed[], size_t n, lua_Integer npos);
/* The same with the keys of a scope of the parameter table. */
void koui_fields_check_scope(koui_fields *f, int t, kou_param_scope scope, lua_Integer npos);
/* Checks that the value at idx (the value of key) is a list of what (keys
** 1..n, no holes); returns n. */
size_t koui_fields_check_list(koui_fields *f, int idx, const char *key, const char *what);

/* t[key] as a finite number within r; def when absent. */
double koui_fields_number(koui_fields *f, int t, const char *key, const kou_param_range *r, double def);
/* t[key] as true or false; def when absent. */
bool koui_fields_bool(koui_fields *f, int t, const char *key, bool def);
/* t[key] as a string copied through f->alloc; NULL when absent. */
const char *koui_fields_string(koui_fields *f, int t, const char *key);
/* t[key] among the n choices: its index; def when absent (an error when
** required). */
int koui_fields_choice(koui_fields *f, int t, const char *key, const char *const choices[], size_t n, int def,
                       bool required);
/* t[key], a list of finite numbers within r, into f->alloc; *n its length. */
double *koui_fields_numbers(koui_fields *f, int t, const char *key, size_t *n, const kou_param_range *r);

/* ---- option-style reading (raises luaL_error "what: ...") ---- */

/* Refuses keys of table t not in allowed (NULL-terminated): "what:
** unknown field 'k' (did you mean 'x'?)" / "(known: ...)"; keys must be
** names. */
void koui_option_check(lua_State *L, int t, const char *what, const char *const allowed[]);
/* t.key as a number; NaN when absent and not required. */
double koui_option_number(lua_State *L, int t, const char *what, const char *key, bool required);

#endif
