/*
** compare_table.h — the wide table of `kouan compare`: one row per group ×
** alternative (in the table's order), with the replications, the verdicts
** on the -1/3 and -1/2 targets, and for each metric of the printed table
** the mean and its 95 % half-width, the paired difference against the
** baseline in the metric's unit (hours for times) and the paired % change,
** each with its half-width. One builder for the wide CSV (--csv) and the
** .xlsx (--xlsx, io/xlsx.h), so the two cannot drift; headers and names in
** English or Chinese (model/lang.h). Numbers are in the printed table's
** units (shares in %), float noise (below 1e-9 of the size of what it
** comes from) set to 0; an empty cell where there is no value (the
** baseline against itself).
*/
#ifndef KOUAN_CMD_COMPARE_TABLE_H
#define KOUAN_CMD_COMPARE_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "io/h5compare.h"
#include "io/xlsx.h"
#include "model/kpi.h"
#include "model/lang.h"

/* The metrics of the printed table and of the wide table, in order. */
extern const kou_kpi_metric kou_ctab_metrics[];
extern const size_t kou_ctab_nmetrics;

typedef struct kou_ctab {
    size_t ncol, nrow;
    const char **headers;  /* [ncol] */
    const char **formats;  /* [ncol]: the .xlsx number format, NULL for a text column */
    double *widths;        /* [ncol]: characters */
    kou_xlsx_cell *cells;  /* [nrow][ncol]: texts point into d, the words, or the table */
    char (*head_buf)[128];
} kou_ctab;

/* The wide table of the compare's summary d (display order; its metrics
** in kou_kpi_metric order). Free with kou_ctab_free; d must outlive it. */
kou_ctab *kou_ctab_new(const kou_h5c_data *d, kou_lang lang);
void kou_ctab_free(kou_ctab *t); /* NULL is a no-op */

/* The table as CSV (a header row, then a row each; UTF-8, a byte-order
** mark first when bom, CRLF). 0, or -1 with a message naming path in err. */
int kou_ctab_write_csv(const kou_ctab *t, const char *path, bool bom, char *err, size_t errlen);

#endif
