/*
** portset.h — the configurations of several port scenarios at once, for
** commands that compare them (`kouan compare`): one scenario file with
** several eras, or several files (each with its own era field, or the one
** --era given). Everything Lua stays in here: the caller sees only
** kou_model_config pointers (model/model.h), valid until kou_portset_free.
**
** --set: as `kouan run`: a key the scenario's top level read with param()
** is a parameter, anything else a path into every alternative's table,
** applied after its era. A scenario with processes = {...} is refused
** (usage error): comparisons run the model alone.
*/
#ifndef KOUAN_LUA_PORTSET_H
#define KOUAN_LUA_PORTSET_H

#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

typedef struct kou_portset_request {
    const char *const *scripts; /* one file, or several (then 0 or 1 era) */
    size_t nscripts;
    const char *const *eras;    /* with one file: the alternatives */
    size_t neras;
    const char *const *set_key, *const *set_value;
    int nset;
    double until;               /* hours of arrivals, or <= 0: the scenario's */
    uint64_t seed;              /* the host's seed (param() and Lua randomness) */
    size_t max_memory;
    uint64_t max_instructions;
} kou_portset_request;

typedef struct kou_portset_alt {
    const kou_model_config *cfg;
    int32_t start_date;
    const char *script;         /* as given */
    const char *era;            /* the era applied, or NULL */
    const char *name;           /* the scenario's name, "" if none */
    char label[64];             /* the era (one file) or FILE[:ERA] */
} kou_portset_alt;

typedef struct kou_portset kou_portset;

/* Loads and builds every alternative. On error prints "kouan: ..." to
** stderr and returns NULL with *code 1 (scenario error) or 2 (usage). */
kou_portset *kou_portset_load(const kou_portset_request *rq, int *code);
size_t kou_portset_count(const kou_portset *ps);
const kou_portset_alt *kou_portset_get(const kou_portset *ps, size_t i);
void kou_portset_free(kou_portset *ps); /* NULL is a no-op */
/* The kouan tree holding scripts/ (kou_scenario_root), for callers without Lua. */
const char *kou_portset_root(void);

#endif
