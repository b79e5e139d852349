/*
** h5read.h — reads the /summary of a kouan run file (HDF5, written by
** h5write) back into plain arrays, for `kouan report`: the KPI table, CSV
** and plots from the file alone. Does not include hdf5.h.
**
** What is checked. The file must exist and be HDF5; its root must carry
** an integer schema_version this reader knows (KOU_H5_SCHEMA_VERSION) and
** a /summary group whose attributes and datasets have the contract's types
** and shapes (design: /summary CONTRACT):
**   attributes title (string), replications (int), metric_names and
**       resource_metric_names (string arrays, every name of
**       kou_kpi_metric_name / kou_kpi_res_metric_name once, in any order);
**   groups     compound {port: string, port_index, mode, direction: int}, G
**   resources  compound {port: string, port_index: int, name: string}, NR
**   group_values    float (R, G, M), resource_values float (R, NR, MR),
**   across          float (G, M, 2),
** with R = replications. Values are returned in kou_kpi_metric order,
** whatever the file's column order. Anything else is refused with one
** line in err (the HDF5 library's own messages are silenced, and the
** innermost one of its error stack is added to err), never a crash:
** the reader bounds every size it reads before it allocates.
**
** Ownership: kou_h5_read_summary returns one object holding every array
** and string; kou_h5_summary_free releases it. Not thread-safe with
** other HDF5 users (HDF5 serialises calls anyway).
*/
#ifndef KOUAN_IO_H5READ_H
#define KOUAN_IO_H5READ_H

#include <stdbool.h>
#include <stddef.h>

#include "kernel/base.h"
#include "model/kpi.h"

/* The /summary layout this reader understands. */
#define KOU_H5_SCHEMA_VERSION 1

typedef struct kou_h5_summary {
    int schema_version;
    bool complete;        /* root attribute complete: 0 when the run was interrupted */
    char *title;          /* as passed to kou_kpi_summary_print; never NULL */
    char *scenario;       /* root attribute scenario_path, or "" */
    char *era;            /* root attribute era, or "" */
    size_t replications;  /* R */
    size_t ngroups;       /* G */
    kou_kpi_group *groups;           /* port strings owned by this object */
    size_t nresources;    /* NR */
    kou_kpi_resource_id *resources;  /* strings owned by this object */
    /* [r][g][m] at (r * G + g) * KOU_KPI_METRIC_COUNT + m, NaN = undefined */
    double *group_values;
    /* [r][i][m] at (r * NR + i) * KOU_KPI_RES_METRIC_COUNT + m */
    double *resource_values;
    /* [g][m][0 mean, 1 half-width] at (g * KOU_KPI_METRIC_COUNT + m) * 2 */
    double *across;
    bool has_consignments; /* a /consignments dataset is present */
} kou_h5_summary;

/* Opens path read-only and reads its summary into *out. On error returns
** KOU_ENOENT (no such file), KOU_EIO (not HDF5, damaged, unreadable) or
** KOU_EINVAL (HDF5 but not a kouan run file, unknown schema_version,
** wrong types or shapes), sets *out to NULL and writes one line (no
** "kouan:" or path prefix, no newline) to err. *complete_out, when not
** NULL, receives the root attribute complete as soon as it has been read
** (true when it could not be), so that an interrupted run can be named
** even when its summary is missing. */
kou_status kou_h5_read_summary(const char *path, kou_h5_summary **out, bool *complete_out, char *err,
                               size_t errsize);
/* The same read from size bytes at image, a run file's whole contents in
** memory (HDF5's core driver; image is only read, and may be freed once
** this returns): the same checks, results and messages, with "not an HDF5
** file" for an image without HDF5's signature. No checking child: for
** images a caller trusts as far as the library goes (the fuzz targets,
** which exist to find what the reader itself does wrong). */
kou_status kou_h5_read_summary_image(const void *image, size_t size, kou_h5_summary **out, bool *complete_out,
                                     char *err, size_t errsize);
void kou_h5_summary_free(kou_h5_summary *s); /* NULL is a no-op */
/* The same read in a child process (fork), for files that may be damaged:
** HDF5 1.10 can crash or leak inside the library on some corrupted files
** (found by fuzzing: reads of a damaged global heap), so a caller that
** must never crash checks the file here first and reads it for real only
** when this returns KOU_OK. A child that dies is reported as KOU_EIO with
** "the HDF5 library crashed reading it" in err. The child also shuts the
** library down (H5close) before answering, because on some damaged files
** the read succeeds and the crash comes when the file is closed at exit.
** The child leaves with
** _exit, so the library's own exit-time complaints stay out of the output.
** Call before any other HDF5 use in the process. */
kou_status kou_h5_check_summary(const char *path, bool *complete_out, char *err, size_t errsize);

/* A summary to print: every replication of s added with
** kou_kpi_summary_add_values. Free with kou_kpi_summary_free. */
kou_kpi_summary *kou_h5_summary_to_kpi(const kou_h5_summary *s);

#endif
