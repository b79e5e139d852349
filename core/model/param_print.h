/*
** param_print.h — a configuration's resolved parameters, one row each,
** and what is made of the rows: the --dump text, and docs/parameters.md
** (made from the parameter table itself).
**
** This module owns the rows (the path of each value as --set writes it,
** its number, its text, its unit), their order (the parameter table's,
** scope by scope: scenario, then each port with its resources, flows and
** goods) and the text forms: distributions and calendars as a scenario
** would write them ({"lognormal", mean = 6, cv = 0.8}), choices by name,
** dates "YYYY-MM-DD", timetables as days and times, rates run-length
** encoded. The rows feed --dump and the /parameters dataset of a run file.
**
** Nothing is kept between calls: thread-safe.
*/
#ifndef KOUAN_MODEL_PARAM_PRINT_H
#define KOUAN_MODEL_PARAM_PRINT_H

#include <stdio.h>

#include "model/model.h"
#include "model/params.h"

typedef struct kou_param_row {
    const char *path;       /* as --set writes it: "ports.CGO import.inspect_prob.ordinary" */
    double value;           /* the number (booleans 0 / 1); NaN for a distribution, calendar,
                               choice, date, stage resource, timetable or rates */
    const char *text;       /* the value as text: numbers too (the shortest text that reads
                               back the same), "true"/"false", "air", {"fixed", value = 2}, ... */
    const char *unit;       /* "h", "d", "share", "weight", "count", "CNY", ...; "" for none */
    const kou_param *param; /* its entry in the parameter table */
} kou_param_row;

/* Called once per row; the row and its strings are valid only during the call. */
typedef void kou_param_visit_fn(void *ctx, const kou_param_row *row);

/* Calls fn for every resolved parameter of cfg, in table order. */
void kou_params_visit(const kou_model_config *cfg, kou_param_visit_fn *fn, void *ctx);

/* --dump: one row a line, "PATH = TEXT [UNIT]" (no brackets without a
** unit), e.g. "ports.TST.advance_share = 0.3 [share]". */
void kou_params_dump(FILE *out, const kou_model_config *cfg);
/* The line of one row. */
void kou_param_row_print(FILE *out, const kou_param_row *row);

/* docs/parameters.md: every scope's keys with kind, allowed values, unit,
** default and meaning; the distribution families; the enumerations. */
void kou_params_markdown(FILE *out);

#endif
