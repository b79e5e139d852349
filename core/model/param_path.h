/*
** param_path.h — one numeric parameter of a configuration named by its
** path, as --set writes it ("ports.CGO import.inspect_prob.ordinary"),
** and deep copies of configurations to set it in.
**
** This module owns the meaning of a path against a resolved
** configuration, for sweeps (and later uncertainty and calibration): a
** sweep point sets a double in a copy of the configuration, with no trip
** through text, Lua and a second conversion. What a path may name, all
** from the parameter table (model/params.h):
**  - a number, whole number or boolean of the scenario, a port, a flow or
**    a goods class: "horizon_days", "warmup_days", "max_in_system",
**    "ports.P.advance_share", "ports.P.green_priority",
**    "ports.P.joint_inspection" (0 or 1), "ports.P.flows.F.goods.G.lab_prob";
**  - one class of a per-class table: "ports.P.inspect_prob.ordinary";
**  - a resource's fixed capacity: "ports.P.resources.R.capacity" or
**    "ports.P.resources.R" (not a resource with opening hours);
**  - a parameter of a distribution by its family's key in the resolved
**    configuration: "ports.P.prep_time.mean", "...delay.k"; a fixed value
**    (or no time) by the distribution's own path: "ports.P.gate_time".
** Anything else is refused with the reason ("unknown key (did you mean
** ...?)", "is a choice, not a number", ...).
**
** Applying sets the resolved value and nothing else, as --set does, with
** one exception: --set of one class of a per-class table the scenario
** left out (trader_share absent: all ordinary) writes a table holding that
** class alone (ordinary becomes 0); applying keeps the other classes.
**
** Values are in the key's unit (days for horizon_days: the copy holds
** hours). kou_param_check applies the table's range with the one range
** text; a value within it may still be refused by kou_model_validate
** (cross-field rules, a distribution's own parameter rules): validate a
** copy after applying values to it.
**
** Copies are plain malloc'd memory owned by the caller (free with
** kou_model_config_free); nothing here keeps state: thread-safe on
** distinct copies.
*/
#ifndef KOUAN_MODEL_PARAM_PATH_H
#define KOUAN_MODEL_PARAM_PATH_H

#include <stdbool.h>
#include <stddef.h>

#include "model/model.h"
#include "model/params.h"

typedef struct kou_param_ref {
    const kou_param *param;   /* the table entry (a resource capacity: the resource scope's) */
    size_t port, flow, goods; /* the entity holding it (where its scope has one) */
    size_t resource;          /* resource capacity: the resource's index */
    int sub;                  /* a trader class, or the distribution parameter's index; else -1 */
    kou_param_range range;    /* what a value may be */
    const char *unit;         /* of the value: "h", "share", ... ("" for none) */
    char path[256];           /* as given, for messages */
} kou_param_ref;

/* Resolves path against cfg. Returns KOU_OK and fills ref, or KOU_ENOENT
** (an unknown key or entry: the nearest one named) or KOU_EINVAL (not a
** numeric parameter) with a message in err starting with the path. */
kou_status kou_param_resolve(const kou_model_config *cfg, const char *path, kou_param_ref *ref, char *err,
                             size_t errlen);

/* The parameter's value in cfg (a configuration ref was resolved
** against, or a copy of it), in the key's unit. */
double kou_param_get(const kou_model_config *cfg, const kou_param_ref *ref);
/* Whether only whole numbers are allowed (capacities, green_priority,
** max_in_system, booleans, erlang k): a sweep rounds such factors. */
bool kou_param_is_integer(const kou_param_ref *ref);

/* KOU_OK when v is within the parameter's range; else KOU_EINVAL and
** "PATH must be RANGE (got V)" in err, the text the scenario conversion
** uses for the same key. */
kou_status kou_param_check(const kou_param_ref *ref, double v, char *err, size_t errlen);
/* Checks v, then sets it in cfg, which must be a copy from
** kou_model_config_copy (of the configuration ref was resolved against). */
kou_status kou_param_apply(kou_model_config *cfg, const kou_param_ref *ref, double v, char *err, size_t errlen);

/* A deep copy of cfg (every array and string its own), to set values in;
** never NULL (out of memory is fatal). */
kou_model_config *kou_model_config_copy(const kou_model_config *cfg);
/* Frees a copy; NULL is a no-op. */
void kou_model_config_free(kou_model_config *cfg);

#endif
