/*
** h5write.h — the HDF5 file of one `kouan run` of a port scenario
** (docs/hdf5-schema.md describes every dataset, column and attribute).
**
** The file is created with the root attribute complete = 0; rows go to
** fixed-size buffers (KOU_H5W_CHUNK rows per table) and reach the file in
** bursts, each followed by H5Fflush, at least every KOU_H5W_FLUSH_SECONDS
** of wall time and whenever a buffer is full, so memory does not grow
** with the length of the run and a killed run leaves a readable file up to
** the last flush. The metadata cache does not evict between bursts and
** freed file space is never reused, so what the last flush wrote stays
** valid. A writer thread appends and deflates the full buffers (on the
** other core) and does the flushes; while it runs only it calls HDF5.
** kou_h5w_close(w, true) sets complete = 1 last.
**
** No HDF5 type leaks out of here: hdf5.h stays under core/io/. Errors
** (from HDF5, turned into messages: its own error printing is off) make
** every later call a no-op; kou_h5w_error tells the first one. One thread.
*/
#ifndef KOUAN_IO_H5WRITE_H
#define KOUAN_IO_H5WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/kpi.h"
#include "model/model.h"

#define KOU_H5W_SCHEMA_VERSION 1
#define KOU_H5W_CHUNK 4096
#define KOU_H5W_FLUSH_SECONDS 2.0

typedef struct kou_h5w kou_h5w;

/* Creates path (refusing an existing file unless force: then returns NULL
** with "FILE exists" in err and *exists set), with the root attributes
** schema_version and complete = 0, and the empty tables (/events only when
** trace). cfg gives /layout. NULL with a message in err on failure. */
kou_h5w *kou_h5w_create(const char *path, bool force, bool trace, const kou_model_config *cfg,
                        bool *exists, char *err, size_t errlen);

/* Root attributes: a UTF-8 string, an integer, a float. */
void kou_h5w_attr_str(kou_h5w *w, const char *name, const char *value);
void kou_h5w_attr_int(kou_h5w *w, const char *name, int64_t value);
void kou_h5w_attr_double(kou_h5w *w, const char *name, double value);

/* /parameters: the scenario's parameters as run, one row each: path
** ("ports.TST.advance_share"), value (NaN when the parameter is not a
** number), text (the value as written: a distribution, a calendar, an
** enumeration's name; "" for a plain number) and unit ("" when none).
** value may be NULL (all NaN); text and unit may be NULL (all "") or hold
** NULL entries (""). Once per file (a second call fails: the dataset
** exists), best before the first row. */
void kou_h5w_parameters(kou_h5w *w, size_t n, const char *const *path, const double *value,
                        const char *const *text, const char *const *unit);

/* Rows: of replication rep (0-based), as the model's observer gives them. */
void kou_h5w_consignment(kou_h5w *w, uint32_t rep, const kou_consignment_record *rec);
void kou_h5w_carrier(kou_h5w *w, uint32_t rep, const kou_carrier_record *rec);
void kou_h5w_unit(kou_h5w *w, uint32_t rep, const kou_unit_record *rec);
/* resource: index into /layout/resources (kou_model_resource_at order). */
void kou_h5w_sample(kou_h5w *w, uint32_t rep, double t, uint32_t port, uint32_t resource,
                    uint64_t queue, int32_t busy, int32_t capacity);

/* A burst now if KOU_H5W_FLUSH_SECONDS have passed since the last one
** (cheap to call often). */
void kou_h5w_tick(kou_h5w *w);

/* A finished replication's KPIs (values copied; k may be freed after). */
void kou_h5w_replication_kpi(kou_h5w *w, const kou_kpi *k);
/* /summary from the replications given to kou_h5w_replication_kpi and
** the summary built from the same ones. */
void kou_h5w_summary(kou_h5w *w, const kou_kpi_summary *s, const char *title);

/* The first error, or NULL. */
const char *kou_h5w_error(const kou_h5w *w);

/* Writes what is buffered, sets complete = 1 if complete (and no error so
** far), closes and frees. Returns 0, or -1 with the first error in err.
** NULL is a no-op. */
int kou_h5w_close(kou_h5w *w, bool complete, char *err, size_t errlen);

#endif
