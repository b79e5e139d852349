/*
** procrun.h — `kouan run SCENARIO --reps R [-j N] [-o FILE]` of a
** process-style scenario (lua/lsim.h): R replications, replication r a
** fresh load of the scenario in its own sandboxed Lua state (lua/host.h)
** with seed + r as the master seed of its simulation (so its own RNG
** streams, as a port run's replication r has), run on N worker threads
** that each take the next replication to do; the results (exp/prun.h)
** sit in the replication's own slot, so the table and the run file
** (io/h5process.h) are the same for any N. What the scenario prints is
** kept per replication and printed in replication order. A failing
** replication prints its report (from its worker) and stops the run: no
** further replication starts, no file is written. SIGINT or SIGTERM ends
** the run (exit 130): the replications finished go to the file, which
** says complete = 0; those cut short are dropped.
**
** kou_procrun_print is also the table `kouan report` prints from such a
** file: per resource, container, store and monitor, each statistic's mean
** over the replications with its 95 % Student-t half-width.
*/
#ifndef KOUAN_CMD_PROCRUN_H
#define KOUAN_CMD_PROCRUN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "exp/prun.h"
#include "lua/portset.h"

typedef struct kou_procrun_request {
    const kou_portset_request *rq; /* the loader's request (seed: replication 1's) */
    uint64_t reps;
    uint64_t jobs;                 /* 0: the online CPUs (at most reps) */
    double until;                  /* +infinity: until no event is pending */
    double sample_hours;           /* step of the resources' series */
    const char *output;            /* -o FILE, or NULL: results/SCENARIO-sSEED-rREPS.h5 */
    bool no_output, force, quiet;
    int argc;                      /* the whole command line, for the file */
    char **argv;
} kou_procrun_request;

/* Runs, prints, writes. 0, or the exit status after the message. */
int kou_procrun(const kou_procrun_request *q);

/* The table of a run (its title first). 0, or -1 when out cannot be written. */
int kou_procrun_print(const kou_prun *p, FILE *out);

#endif
