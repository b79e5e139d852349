/*
** h5process.h — the HDF5 file of a process-style run (`kouan run
** SCENARIO --reps R` of a scenario written with processes, lua/lsim.h):
** schema "kouan-process-run", version 1 (docs/hdf5-schema.md, "Process
** runs"). Per replication: each resource's, container's and store's
** statistics (named columns) and sampled series (containers and stores
** in groups /containers and /stores: a file of an older kouan without
** them reads as having none), each monitor's statistics and series, the
** seed;
** the run's scenario, --set values, seed, horizon. Written in one go at
** the end (exp/prun.h holds it all); read back by `kouan report`.
**
** The writer tracks no object times, so the file is a function of the
** results and the command line alone: the same run with any -j gives the
** same bytes but for the command_line attribute. The reader checks the
** file in a forked child first (io/h5base.h: HDF5 itself may crash on a
** damaged file), then reads it with every extent bounded and every shape
** checked against the others; a file that is not one gets one line.
** hdf5.h stays under core/io/. One thread at a time.
*/
#ifndef KOUAN_IO_H5PROCESS_H
#define KOUAN_IO_H5PROCESS_H

#include <stdbool.h>
#include <stddef.h>

#include "exp/prun.h"

#define KOU_H5P_SCHEMA "kouan-process-run"
#define KOU_H5P_SCHEMA_VERSION 1

/* Writes path (an existing file refused unless force: *exists set). 0, or
** -1 with a message in err. */
int kou_h5p_write(const char *path, const kou_prun *p, bool force, bool *exists, char *err, size_t errlen);

/* Whether path is an HDF5 file whose root attribute schema says it is a
** process run (false for anything else, unreadable included). */
bool kou_h5p_is(const char *path);

/* Reads path into a new run (kou_prun_free frees it). NULL with a message
** in err. */
kou_prun *kou_h5p_read(const char *path, char *err, size_t errlen);

#endif
