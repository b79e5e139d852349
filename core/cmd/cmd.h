/*
** cmd.h — the command layer (core/cmd/): one source per command of the
** kouan program (run.c, report.c, compare.c, sweep.c, sweep_merge.c,
** calibrate.c),
** each a handler and a help printer that core/main.c lists in its
** command table. What the commands share is in opt.h (the option parser
** and the one form of usage error), common.h (CSV, file names, the
** command line as text), plot.h (charts) and the run file sink
** (runfile.h).
**
** The layer sees no Lua, HDF5, GSL, MPI or SDL header: scenarios come
** from the loader (lua/portset.h), replications from the pipeline
** (exp/replicate.h), files from core/io/'s writers and readers.
** Constructor convention: exp/exp.h (kou_X_new(..., err, errlen) gives
** NULL with a message, kou_X_free(NULL) is a no-op).
**
** Exit statuses: 0 success; 1 the scenario, a run or an output failed;
** 2 the command was used wrongly (opt.h); 130 interrupted (SIGINT,
** SIGTERM) with the file written so far marked complete = 0.
*/
#ifndef KOUAN_CMD_CMD_H
#define KOUAN_CMD_CMD_H

#include <stdio.h>

/* A command's handler: argv is the whole command line (argv[0] the
** program, argv[1] the command's name); returns the exit status. */
typedef int kou_cmd_handler(int argc, char **argv);
/* A command's --help. */
typedef void kou_cmd_help(FILE *out);

kou_cmd_handler kou_cmd_run, kou_cmd_report, kou_cmd_compare, kou_cmd_sweep, kou_cmd_sweep_merge,
    kou_cmd_calibrate;
kou_cmd_help kou_cmd_run_help, kou_cmd_report_help, kou_cmd_compare_help, kou_cmd_sweep_help,
    kou_cmd_sweep_merge_help, kou_cmd_calibrate_help;

#endif
