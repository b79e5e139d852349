/*
** uncertainty.h — `kouan run --uncertainty N` and `kouan compare
** --uncertainty N`: the scenario's priors (uncertain{}, exp/prior.h)
** propagated to every KPI and verdict.
**
** The outer loop: N draws, a Latin hypercube over the priors (seeded with
** --seed), each draw's values given to the scenario by name (as --set
** NAME=V would), so the same draw reaches every alternative and their
** differences stay paired; inside each draw, R replications on common
** random numbers (replication r of every draw and alternative on seed +
** r). Replications run on worker threads (-j); results are kept in
** submission order, so what is printed and written is the same for any
** number of threads. A draw's scenarios are loaded on the caller's thread
** while the workers run the previous draw's replications.
**
** Output: the table (kou_unc_print, also `kouan report` of the file), an
** uncertainty file (io/h5uncertainty.h), the draws' results as CSV and as
** .xlsx (io/xlsx.h, with a provenance sheet), and the chart (cmd/plot.h);
** the table, the CSV and the workbook in English or Chinese (model/lang.h).
** Main thread only.
*/
#ifndef KOUAN_CMD_UNCERTAINTY_H
#define KOUAN_CMD_UNCERTAINTY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "exp/uncertainty.h"
#include "lua/portset.h"
#include "model/lang.h"

typedef struct kou_unc_request {
    const char *command;             /* "run" or "compare", for messages */
    const kou_portset_request *rq;   /* the scenarios, eras, --set, --until, --seed */
    uint64_t draws, reps;
    uint64_t threads;                /* 0: the online CPUs */
    const char *output;              /* NULL: results/STEM-unc-sSEED-nDRAWS.h5 */
    bool no_output, force, quiet;
    const char *csv, *plot;
    const char *xlsx;                /* the per-draw rows as a workbook (compare), or NULL */
    bool bom;                        /* with csv: a byte-order mark first */
    kou_lang lang;                   /* the table's, the CSV's and the workbook's words */
    int argc;                        /* the whole command line, for the file */
    char **argv;
} kou_unc_request;

/* Runs the experiment and writes its outputs; the exit status. */
int kou_unc_command(const kou_unc_request *q);

/* The table of an experiment in lang: the priors, per all-ports group the
** KPIs with their bands, the % changes and target probabilities against
** the first alternative, and the parameters ranked. */
void kou_unc_print(const kou_unc_data *u, FILE *out, const char *title, kou_lang lang);

#endif
