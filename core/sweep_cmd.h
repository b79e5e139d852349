/*
** sweep_cmd.h — `kouan sweep DESIGN.lua [-j N] [-o FILE] [--resume] [--force]`:
** runs a design of experiments (factorial, one-at-a-time, Latin hypercube,
** Sobol) over a port scenario, replications on worker threads, results in
** one HDF5 sweep file (io/sweep_h5.h). docs/sweep.md gives the design file.
*/
#ifndef KOUAN_SWEEP_CMD_H
#define KOUAN_SWEEP_CMD_H

/* argv[0] is the first argument after "sweep". Returns the exit code. */
int kou_sweep_main(int argc, char **argv, int full_argc, char **full_argv);

/* `kouan sweep-merge -o OUT [--force] SHARD...`: argv after "sweep-merge". */
int kou_sweep_merge_main(int argc, char **argv);

#endif
