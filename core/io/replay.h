/*
** replay.h — reads one replication of a kouan run file (HDF5, written by
** h5write) into memory for the visualiser: the layout (ports, flows, goods,
** resources), every reported consignment with its milestone times, and the
** resource samples of /timeseries. kouan-viz draws from these alone, so a
** run replays without its scenario. Does not include hdf5.h.
**
** The consignments' milestone columns are the trace: /events (written with
** --trace) holds exactly the same transitions, one row each, so every run
** file replays, traced or not. has_events only says whether it is there.
**
** Names come from the file, not from the model: the milestones are the
** /layout attribute milestone_names, in flow order (each a column t_<name>
** of /consignments, and a consignment's times come in that order), and the
** flag bits are the /consignments attribute flag_bits (bit i is name i).
** A reader asks for what it needs by name (kou_replay_milestone,
** kou_replay_flag).
**
** What is checked. The file must be HDF5 with the root attribute
** schema_version = KOU_REPLAY_SCHEMA_VERSION, the root attributes
** start_date, horizon_hours, sample_hours and replications, the /layout
** tables and its milestone_names (distinct, "arrival" among them; at most
** KOU_REPLAY_MAX_MILESTONES), /consignments and /timeseries with the
** columns the reader uses (flag_bits, when there, at most 32 names),
** and values that make sense: indices inside the layout, a replication
** that exists, non-decreasing finite sample times. Anything else is
** refused with one line in err, never a crash: every size is bounded
** before it is allocated. A run that was interrupted (complete = 0) is
** read as far as it was written.
**
** Ownership: kou_replay_open returns one object holding every array and
** string; kou_replay_free releases it.
*/
#ifndef KOUAN_IO_REPLAY_H
#define KOUAN_IO_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/base.h"

#define KOU_REPLAY_SCHEMA_VERSION 1
#define KOU_REPLAY_MAX_MILESTONES 64

typedef struct kou_replay_port {
    char *name;
    int mode;       /* the file's mode_names: 0 air, 1 rail, 2 road */
    const char *name_zh; /* the /layout attribute port_names_zh's; "" when none */
} kou_replay_port;

typedef struct kou_replay_flow {
    int port, flow; /* flow index within the port */
    int mode, direction;
    char *name;
} kou_replay_flow;

typedef struct kou_replay_goods {
    int port, flow, goods;
    char *name;
} kou_replay_goods;

typedef struct kou_replay_resource {
    int port;
    int index_in_port;
    int capacity;   /* fixed capacity, -1 when it follows opening hours */
    char *name;
} kou_replay_resource;

typedef struct kou_replay_consignment {
    uint64_t id, carrier_id, unit_id;
    uint16_t port, flow, goods;
    uint8_t mode, direction, trader;
    uint32_t flags;     /* bit i: flag_names[i] */
    const double *t;    /* nmilestones times in milestone_names order, hours; NaN = did not happen */
    double cost;
} kou_replay_consignment;

/* One resource at one sample time. */
typedef struct kou_replay_sample {
    uint32_t queue;    /* requests waiting (clamped to UINT32_MAX) */
    int32_t busy;      /* servers held */
    int32_t capacity;  /* servers open now; 0 while closed */
} kou_replay_sample;

typedef struct kou_replay {
    bool complete;            /* root attribute complete */
    bool has_events;          /* an /events dataset is present */
    char *scenario_name;      /* root attributes; "" when absent */
    char *scenario_name_zh;   /* the /layout attribute; "" when absent */
    char **port_names_zh;     /* the /layout attribute (one per port, or none):
                              ** owns the ports' name_zh */
    size_t nport_names_zh;
    char *era;
    char *title;
    long start_date;          /* YYYYMMDD of hour 0 */
    double horizon_hours, warmup_hours, sample_hours;
    size_t replications;      /* in the file */
    size_t replication;       /* the one read */

    size_t nmilestones;       /* the file's milestones, in flow order */
    char **milestone_names;
    size_t arrival;           /* the index of "arrival" */
    size_t nflags;            /* the file's flag bits (0 when it names none) */
    char **flag_names;

    size_t nports;
    kou_replay_port *ports;
    size_t nflows;
    kou_replay_flow *flows;
    size_t ngoods;
    kou_replay_goods *goods;
    size_t nresources;
    kou_replay_resource *resources;

    /* The replication's consignments, sorted by t[arrival], then id.
    ** port, flow and goods are checked against the layout. Their times are
    ** rows of times (nconsignments x nmilestones). */
    size_t nconsignments;
    kou_replay_consignment *consignments;
    double *times;

    /* The replication's /timeseries as a grid: sample k was taken at
    ** sample_t[k] (strictly increasing), and samples[k * nresources + r]
    ** is resource r then. A resource missing at a sample time is all zero. */
    size_t nsamples;
    double *sample_t;
    kou_replay_sample *samples;
} kou_replay;

/* Opens path read-only and reads replication `replication` into *out. On
** error returns KOU_ENOENT (no such file), KOU_EIO (not HDF5, damaged,
** unreadable), KOU_EINVAL (HDF5 but not a kouan run file, or no such
** replication: the message says how many there are) or KOU_ENOMEM, sets
** *out to NULL and writes one line (no "kouan-viz:" or path prefix, no
** newline) to err. */
kou_status kou_replay_open(const char *path, size_t replication, kou_replay **out, char *err, size_t errsize);
/* The same read from size bytes at image, a run file's whole contents in
** memory (HDF5's core driver; image is only read, and may be freed once
** this returns): the same checks, results and messages, with "not an HDF5
** file" for an image without HDF5's signature. No checking child: for
** images a caller trusts as far as the library goes (the fuzz targets,
** which exist to find what the reader itself does wrong). */
kou_status kou_replay_open_image(const void *image, size_t size, size_t replication, kou_replay **out, char *err,
                                 size_t errsize);
void kou_replay_free(kou_replay *rp); /* NULL is a no-op */

/* The index of milestone name in rp->milestone_names, or -1. */
long kou_replay_milestone(const kou_replay *rp, const char *name);
/* The bit of flag name in rp->flag_names (flags & 1u << bit), or -1. */
long kou_replay_flag(const kou_replay *rp, const char *name);

/* The same read in a child process (fork), for files that may be damaged:
** HDF5 1.10 can crash inside the library on some corrupted files, so a
** caller that must never crash calls this first and kou_replay_open only
** when it returns KOU_OK. A child that dies is reported as KOU_EIO with
** "the HDF5 library crashed reading it" in err. Call before any other
** HDF5 use in the process. */
kou_status kou_replay_check(const char *path, size_t replication, char *err, size_t errsize);

#endif
