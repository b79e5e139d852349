/*
** runfile.h — the run file of `kouan run` (io/h5write.h,
** docs/hdf5-schema.md) as a sink of the replication pipeline: created
** before the first replication, with the run's metadata as root
** attributes; fed every consignment, carrier and unit record; /timeseries
** sampled every sample_hours of simulated time by an event of each
** replication's simulation (which also stops it on a stop request,
** exp/replicate.h); each successful replication's KPIs; at the end the
** summary, and closed complete or not. One thread: an inline pipeline's.
*/
#ifndef KOUAN_CMD_RUNFILE_H
#define KOUAN_CMD_RUNFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "exp/replicate.h"
#include "model/kpi.h"
#include "exp/prior.h"
#include "model/model.h"

/* What the file records of the run. */
/* What a run file holds beyond its KPIs (--store): the per-consignment
** rows (/consignments, /carriers, /units, which kouan-viz replays) and the
** resource series (/timeseries). /summary, /replications and /parameters
** are always written. */
enum {
    KOU_STORE_CONSIGNMENTS = 1u << 0,
    KOU_STORE_TIMESERIES = 1u << 1,
    KOU_STORE_ALL = KOU_STORE_CONSIGNMENTS | KOU_STORE_TIMESERIES
};

/* --store TEXT into *(unsigned *)dest: "all", "kpis", or a comma list of
** kpis, consignments, timeseries. false when TEXT is none of these. */
bool kou_store_parse(const char *text, void *dest);
/* The comma list of what store holds ("kpis,consignments,timeseries"). */
const char *kou_store_text(unsigned store);

typedef struct kou_runfile_info {
    const char *output;          /* -o FILE, or NULL: results/SCENARIO[-ERA]-sSEED[-rREPS].h5 */
    bool force, trace;           /* overwrite; add /events */
    unsigned store;              /* KOU_STORE_* (0: KPIs only) */
    double sample_hours;
    const char *script;          /* the scenario file as given */
    const char *scenario_name;   /* "" if none */
    const char *era;             /* or NULL */
    const kou_model_config *cfg; /* as run (after --until) */
    const kou_prior *priors;     /* the scenario's uncertain{} values, rows of /parameters */
    size_t npriors;
    int32_t start_date;
    const char *title;
    uint64_t seed, reps;
    const char *const *set_key, *const *set_value;
    size_t nset;
    int argc;                    /* the whole command line */
    char *const *argv;
} kou_runfile_info;

typedef struct kou_runfile kou_runfile;

/* Creates the file. NULL with a message when it cannot; *exists tells
** that it exists (and force is off): a usage error. */
kou_runfile *kou_runfile_new(const kou_runfile_info *info, bool *exists, char *err, size_t errlen);
/* The file's name. */
const char *kou_runfile_path(const kou_runfile *rf);
kou_rep_sink kou_runfile_sink(kou_runfile *rf);
/* Writes the summary (when sum is not NULL) and the end time, and closes
** the file (complete = 1 when complete and nothing failed). 0, or -1 with
** the first error in err. */
int kou_runfile_close(kou_runfile *rf, const kou_kpi_summary *sum, const char *title, bool complete,
                      char *err, size_t errlen);
/* Closes the file if still open (complete = 0) and frees. NULL is a no-op. */
void kou_runfile_free(kou_runfile *rf);

#endif
