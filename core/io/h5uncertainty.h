/*
** h5uncertainty.h — the HDF5 file of one --uncertainty experiment
** (docs/hdf5-schema.md, "Uncertainty files"): the priors, the values of
** every draw, and every replication's KPIs of every draw, alternative and
** group (exp/uncertainty.h, kou_unc_data). Written in one go at the end;
** read back by `kouan report`, which prints the same table from it.
**
** The reader checks the file in a forked child first (io/h5base.h: HDF5
** itself may crash on a damaged file), then reads it with every extent
** bounded and every shape checked against the others; a file that is not
** one gets one line. hdf5.h stays under core/io/.
*/
#ifndef KOUAN_IO_H5UNCERTAINTY_H
#define KOUAN_IO_H5UNCERTAINTY_H

#include <stdbool.h>
#include <stddef.h>

#include "exp/uncertainty.h"

#define KOU_H5U_SCHEMA "kouan-uncertainty"
#define KOU_H5U_SCHEMA_VERSION 1

/* Writes path (an existing file refused unless force). 0, or -1 with a
** message in err. */
int kou_h5u_write(const char *path, const kou_unc_data *u, const char *title, const char *command_line, bool force,
                  char *err, size_t errlen);

/* Whether path is an HDF5 file whose root attribute schema says it is an
** uncertainty file (false for anything else, unreadable included). */
bool kou_h5u_is(const char *path);

/* Reads path into u (kou_unc_data_free frees it) and its title (malloc'd,
** into *title). 0, or -1 with a message in err (u left empty). */
int kou_h5u_read(const char *path, kou_unc_data *u, char **title, char *err, size_t errlen);

#endif
