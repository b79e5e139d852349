/*
** h5write.c — see h5write.h and docs/hdf5-schema.md.
*/
#include "io/h5write.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io/h5base.h"
#include "model/params.h"

/* zlib level of the row tables: 1 is most of the gain at a fraction of the time */
#define KOU_H5W_DEFLATE 1

/* ---- rows, as stored (the file type is the packed copy) ---- */

typedef struct cons_row {
    uint32_t rep;
    uint64_t id, carrier_id, unit_id;
    uint16_t port, flow, goods;
    uint8_t mode, direction, trader;
    uint32_t flags;
    double t[KOU_MS_COUNT];
    double cost;
} cons_row;

typedef struct carrier_row {
    uint32_t rep;
    uint64_t id;
    uint16_t port, flow;
    uint8_t mode, direction;
    uint32_t units, consignments;
    double scheduled, actual, done;
} carrier_row;

typedef struct unit_row {
    uint32_t rep;
    uint64_t id, carrier_id;
    uint16_t port, flow;
    uint8_t mode, direction;
    uint32_t consignments;
    double arrival, done;
} unit_row;

typedef struct sample_row {
    uint32_t rep;
    double t;
    uint32_t port, resource;
    uint64_t queue;
    int32_t busy, capacity;
} sample_row;

typedef struct event_row {
    uint32_t rep;
    double t;
    uint64_t id;
    int8_t from, to;
} event_row;

enum { T_CONS, T_CARRIERS, T_UNITS, T_SAMPLES, T_EVENTS, T_COUNT };

/* Buffers per table: one filling, the others queued or being written. */
enum { NBUF = 3, QMAX = T_COUNT * NBUF + 1 };

typedef struct table {
    hid_t dset, mtype;
    size_t rowsize, n;  /* n: rows in buf */
    hsize_t written;    /* rows in the file (writer thread) */
    unsigned char *buf; /* the one filling (main thread) */
    unsigned char *spare[NBUF]; /* free buffers (under the lock) */
    int nspare;
    unsigned char *all[NBUF];
} table;

/* A job for the writer thread: rows of a table, or a flush (tab < 0). */
typedef struct job {
    int tab;
    unsigned char *buf;
    size_t n;
} job;

/* One replication's KPIs, kept for /summary. */
typedef struct rep_kpi {
    size_t ng, nr;
    int *key;       /* 3 per group: port_index, mode, direction */
    double *v;      /* ng x KOU_KPI_METRIC_COUNT */
    int *rport;     /* per resource report */
    char **rname;
    double *rv;     /* nr x KOU_KPI_RES_METRIC_COUNT */
} rep_kpi;

/* The writer thread. While it runs it alone calls HDF5: the main thread
** fills buffers and hands them over, and calls HDF5 itself only after
** writer_sync (queue empty, thread idle). It deflates on the other core. */
struct kou_h5w {
    hid_t file;
    table tab[T_COUNT];
    bool trace;
    double last_burst;
    unsigned ticks;
    pthread_t thread;
    bool started, quit, busy;
    pthread_mutex_t lock;
    pthread_cond_t work, done; /* work: a job or quit; done: a buffer back or idle */
    job q[QMAX];
    size_t qhead, qn;
    atomic_bool failed;
    rep_kpi *reps;
    size_t nreps, reps_cap;
    char err[512];
    koui_h5_error error; /* into err */
    /* disk space (reserve()): our own descriptor of the file, the size
    ** reserved on disk, attribute bytes not yet flushed */
    int fd;
    off_t reserved;
    size_t pending_meta;
    int reserve_errno;    /* why the last reservation failed */
};

/* Disk space. HDF5 1.10 handles a failed write badly: after ENOSPC or
** EFBIG in a flush it has already written the superblock with the new end
** of file, so the file reads as truncated, and the failed H5Fclose makes
** the library crash at exit. So nothing is written that has no room:
** before every HDF5 write (rows, a flush, /summary) the bytes it can need
** are reserved with posix_fallocate past the file's end, plus CLOSE_RESERVE
** for the metadata the final H5Fclose writes. When a reservation fails,
** the writer stops (the first error), and what HDF5 still holds dirty goes
** into the space already reserved: the file stays as the last flush left
** it plus that, readable, with complete = 0. Deflated rows are never larger
** than ROW_SLACK times their raw size (deflate adds at most 0.1% + 12 bytes
** a chunk); META_SLACK covers the chunk index and object headers a write
** or a flush adds. */
#define CLOSE_RESERVE ((off_t)1 << 20)
#define META_SLACK ((size_t)256 << 10)
#define ROW_SLACK 1.125

static void writer_sync(kou_h5w *w);
static bool ok(const kou_h5w *w);
static void fail_ours(kou_h5w *w, const char *fmt, ...) KOU_PRINTF(2, 3);
static bool reserve(kou_h5w *w, size_t bytes);

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* ---- errors: the first one, with HDF5's innermost message (h5base) ---- */

/* Records the first failure under the lock (either thread may fail). With
** with_hdf5 false the library is left alone: a failure of ours (out of
** memory, no room) may be told while the other thread is inside HDF5. */
static void failv(kou_h5w *w, bool with_hdf5, const char *fmt, va_list ap) KOU_PRINTF(3, 0);
static void failv(kou_h5w *w, bool with_hdf5, const char *fmt, va_list ap)
{
    if (!ok(w))
        return;
    if (w->started)
        pthread_mutex_lock(&w->lock);
    koui_h5_failv(&w->error, KOU_EIO, with_hdf5, fmt, ap);
    atomic_store(&w->failed, true);
    if (w->started)
        pthread_mutex_unlock(&w->lock);
}

/* A failed HDF5 call, just made. */
static void fail(kou_h5w *w, const char *fmt, ...) KOU_PRINTF(2, 3);
static void fail(kou_h5w *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    failv(w, true, fmt, ap);
    va_end(ap);
}

/* A failure that is not the library's. */
static void fail_ours(kou_h5w *w, const char *fmt, ...) KOU_PRINTF(2, 3);
static void fail_ours(kou_h5w *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    failv(w, false, fmt, ap);
    va_end(ap);
}

static bool ok(const kou_h5w *w)
{
    return !atomic_load(&w->failed);
}

/* After a call of h5base on w->error, made by the thread whose turn it is
** to call HDF5 (the other one is idle): its failure, seen by both. */
static bool noted(kou_h5w *w, bool good)
{
    if (w->error.failed)
        atomic_store(&w->failed, true);
    return good && ok(w);
}

/* Makes sure bytes more can be written past HDF5's end of file (see
** CLOSE_RESERVE). Called by whichever thread is calling HDF5. False, with
** the error set, when the disk is full or the file size limit is reached. */
static bool reserve(kou_h5w *w, size_t bytes)
{
    if (w->fd < 0 || !ok(w))
        return ok(w);
    hsize_t size = 0; /* HDF5's end of file: what it wrote, not what was reserved */
    if (H5Fget_filesize(w->file, &size) < 0) {
        H5Eclear2(H5E_DEFAULT);
        return true;
    }
    off_t want = (off_t)size + (off_t)bytes + CLOSE_RESERVE;
    if (want <= w->reserved)
        return true;
    /* only the part not yet reserved or written: where fallocate is
    ** emulated (glibc writes a byte per block), the cost stays linear */
    off_t from = w->reserved > (off_t)size ? w->reserved : (off_t)size;
    int e = posix_fallocate(w->fd, from, want - from);
    if (e == 0) {
        w->reserved = want;
        return true;
    }
    if (e == EINTR)
        return reserve(w, bytes);
    if (e == EINVAL || e == EOPNOTSUPP || e == ENOSYS || e == ENODEV || e == ESPIPE) {
        close(w->fd); /* a file system (or device) that cannot reserve: write without the check */
        w->fd = -1;
        return true;
    }
    w->reserve_errno = e;
    fail_ours(w, "no room for the file on disk (%s) at %.1f MB: it keeps what was written so far, with "
         "complete = 0", strerror(e), (double)size / 1e6);
    return false;
}

/* ---- attributes (h5base's, on the thread whose turn it is) ---- */

static void attr_strs(kou_h5w *w, hid_t obj, const char *name, const char *const *v, size_t n)
{
    if (ok(w))
        noted(w, koui_h5_write_attr_strs(&w->error, obj, name, v, n));
}

static void attr_str(kou_h5w *w, hid_t obj, const char *name, const char *value)
{
    w->pending_meta += strlen(value) + strlen(name) + 64;
    if (ok(w))
        noted(w, koui_h5_write_attr_str(&w->error, obj, name, value));
}

static void attr_int(kou_h5w *w, hid_t obj, const char *name, int64_t value)
{
    if (ok(w))
        noted(w, koui_h5_write_attr_int(&w->error, obj, name, value));
}

void kou_h5w_attr_str(kou_h5w *w, const char *name, const char *value)
{
    if (w == NULL)
        return;
    writer_sync(w);
    attr_str(w, w->file, name, value ? value : "");
}

void kou_h5w_attr_int(kou_h5w *w, const char *name, int64_t value)
{
    if (w == NULL)
        return;
    writer_sync(w);
    attr_int(w, w->file, name, value);
}

void kou_h5w_attr_double(kou_h5w *w, const char *name, double value)
{
    if (w == NULL)
        return;
    writer_sync(w);
    if (ok(w))
        noted(w, koui_h5_write_attr_double(&w->error, w->file, name, value));
}

/* ---- column descriptions ---- */

#define UNITS_HOURS "hours since 00:00 of start_date"

typedef struct column {
    const char *name;
    size_t offset;
    hid_t type;
    const char *meaning;
} column;

static hid_t compound(const column *c, size_t n, size_t size)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, size);
    for (size_t i = 0; i < n; i++)
        H5Tinsert(t, c[i].name, c[i].offset, c[i].type);
    return t;
}

/* The attributes of a table: its description, column names and
** meanings; with run_table (the tables of the run) also the time units
** and the enum mappings. */
static void describe(kou_h5w *w, hid_t d, const column *c, size_t n, const char *what, bool run_table)
{
    const char *names[64], *meanings[64];
    for (size_t i = 0; i < n && i < 64; i++) {
        names[i] = c[i].name;
        meanings[i] = c[i].meaning;
    }
    attr_str(w, d, "description", what);
    if (run_table)
        attr_str(w, d, "time_units", UNITS_HOURS);
    attr_strs(w, d, "column_names", names, n);
    attr_strs(w, d, "column_meanings", meanings, n);
    if (!run_table)
        return;
    attr_strs(w, d, "mode_names", kou_mode_names, KOU_MODE_COUNT);
    attr_strs(w, d, "direction_names", kou_direction_names, KOU_DIRECTION_COUNT);
}

/* An empty, extendible, chunked, shuffled and deflated table. */
static void table_create(kou_h5w *w, table *t, const char *path, const column *c, size_t n, size_t rowsize,
                         const char *what)
{
    if (!ok(w))
        return;
    t->rowsize = rowsize;
    t->mtype = compound(c, n, rowsize);
    hid_t ftype = H5Tcopy(t->mtype); /* not packed: no conversion on every write */
    hsize_t dim = 0, maxdim = H5S_UNLIMITED, chunk = KOU_H5W_CHUNK;
    hid_t sp = H5Screate_simple(1, &dim, &maxdim);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_shuffle(dcpl);
    H5Pset_deflate(dcpl, KOU_H5W_DEFLATE);
    /* A checksum per chunk: damage inside the data is then an error on
    ** reading, not silently wrong numbers. */
    H5Pset_fletcher32(dcpl);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    t->dset = H5Dcreate2(w->file, path, ftype, sp, lcpl, dcpl, H5P_DEFAULT);
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(sp);
    H5Tclose(ftype);
    if (t->dset < 0) {
        fail(w, "cannot create %s", path);
        return;
    }
    for (int i = 0; i < NBUF; i++) {
        t->all[i] = malloc(KOU_H5W_CHUNK * rowsize);
        if (t->all[i] == NULL) {
            fail_ours(w, "out of memory for %s", path);
            return;
        }
    }
    t->buf = t->all[0];
    t->spare[0] = t->all[1];
    t->spare[1] = t->all[2];
    t->nspare = NBUF - 1;
    describe(w, t->dset, c, n, what, true);
}

static void table_write(kou_h5w *w, table *t, const unsigned char *buf, size_t n)
{
    if (!ok(w) || n == 0 || t->dset <= 0)
        return;
    if (!reserve(w, (size_t)((double)(n * t->rowsize) * ROW_SLACK) + META_SLACK))
        return;
    hsize_t start = t->written, count = n, total = t->written + n;
    if (H5Dset_extent(t->dset, &total) < 0) {
        fail(w, "cannot extend a dataset");
        return;
    }
    hid_t fs = H5Dget_space(t->dset);
    hid_t ms = H5Screate_simple(1, &count, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
    if (H5Dwrite(t->dset, t->mtype, ms, fs, H5P_DEFAULT, buf) < 0)
        fail(w, "cannot write rows");
    H5Sclose(ms);
    H5Sclose(fs);
    t->written = total;
}

static void *writer_main(void *arg)
{
    kou_h5w *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->qn == 0 && !w->quit) {
            w->busy = false;
            pthread_cond_broadcast(&w->done);
            pthread_cond_wait(&w->work, &w->lock);
        }
        if (w->qn == 0)
            break;
        job j = w->q[w->qhead];
        w->qhead = (w->qhead + 1) % QMAX;
        w->qn--;
        w->busy = true;
        pthread_mutex_unlock(&w->lock);
        if (j.tab < 0) {
            if (ok(w) && reserve(w, META_SLACK + w->pending_meta) && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
                fail(w, "cannot flush the file");
            w->pending_meta = 0;
        } else {
            table_write(w, &w->tab[j.tab], j.buf, j.n);
        }
        pthread_mutex_lock(&w->lock);
        if (j.tab >= 0)
            w->tab[j.tab].spare[w->tab[j.tab].nspare++] = j.buf;
        pthread_cond_broadcast(&w->done);
    }
    w->busy = false;
    pthread_cond_broadcast(&w->done);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Queues a job (the lock is held); waits while the queue is full. */
static void push(kou_h5w *w, job j)
{
    while (w->qn == QMAX)
        pthread_cond_wait(&w->done, &w->lock);
    w->q[(w->qhead + w->qn) % QMAX] = j;
    w->qn++;
    w->busy = true;
    pthread_cond_signal(&w->work);
}

/* Hands table t's rows to the writer and takes a free buffer (waiting for
** one if all are queued). Without the thread, writes them here. */
static void hand_over(kou_h5w *w, int ti)
{
    table *t = &w->tab[ti];
    if (t->n == 0 || t->buf == NULL)
        return;
    if (!w->started) {
        table_write(w, t, t->buf, t->n);
        t->n = 0;
        return;
    }
    pthread_mutex_lock(&w->lock);
    push(w, (job){ti, t->buf, t->n});
    while (t->nspare == 0)
        pthread_cond_wait(&w->done, &w->lock);
    t->buf = t->spare[--t->nspare];
    pthread_mutex_unlock(&w->lock);
    t->n = 0;
}

/* Waits until the writer has done every job and is idle: then the main
** thread may call HDF5. */
static void writer_sync(kou_h5w *w)
{
    if (!w->started)
        return;
    pthread_mutex_lock(&w->lock);
    while (w->qn > 0 || w->busy)
        pthread_cond_wait(&w->done, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

/* Every buffered row to the file, then H5Fflush (in the writer's turn). */
static void burst(kou_h5w *w)
{
    for (int i = 0; i < T_COUNT; i++)
        hand_over(w, i);
    if (w->started) {
        pthread_mutex_lock(&w->lock);
        push(w, (job){-1, NULL, 0});
        pthread_mutex_unlock(&w->lock);
    } else if (ok(w) && reserve(w, META_SLACK + w->pending_meta) && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) {
        fail(w, "cannot flush the file");
    }
    if (!w->started)
        w->pending_meta = 0;
    w->last_burst = wall();
}

void kou_h5w_tick(kou_h5w *w)
{
    if (w && ok(w) && wall() - w->last_burst >= KOU_H5W_FLUSH_SECONDS)
        burst(w);
}

static void *table_slot(kou_h5w *w, table *t)
{
    if (!ok(w) || t->buf == NULL)
        return NULL;
    if (t->n == KOU_H5W_CHUNK)
        hand_over(w, (int)(t - w->tab));
    if ((++w->ticks & 1023) == 0)
        kou_h5w_tick(w);
    if (!ok(w))
        return NULL;
    unsigned char *row = t->buf + t->rowsize * t->n++;
    memset(row, 0, t->rowsize); /* padding too: the rows go to the file as they are */
    return row;
}

/* ---- /layout ---- */

typedef struct name_row {
    int32_t port, flow, goods;
    int32_t mode, direction;
    int32_t capacity;
    const char *name;
} name_row;

typedef struct stage_row {
    int32_t port, stage;
    const char *name;
    double x, y;
} stage_row;

/* A whole table in one write: rows of rowsize bytes laid out as c, stored
** packed, with describe's attributes. */
static void write_rows(kou_h5w *w, const char *path, const column *c, size_t nc, size_t rowsize,
                       const void *rows, size_t n, const char *what, bool run_table)
{
    if (!ok(w))
        return;
    hid_t mt = compound(c, nc, rowsize);
    hid_t ft = H5Tcopy(mt);
    H5Tpack(ft);
    hsize_t dim = n;
    hid_t d = koui_h5_write_dataset(&w->error, w->file, path, ft, mt, 1, &dim, H5P_DEFAULT, rows);
    if (noted(w, d >= 0))
        describe(w, d, c, nc, what, run_table);
    koui_h5_close_id(&d, H5Dclose);
    H5Tclose(ft);
    H5Tclose(mt);
}

/* Milestone m as the file spells it: in lower case ("border_done"). */
static void milestone_lower(int m, char *buf, size_t size)
{
    snprintf(buf, size, "%s", kou_milestone_name((kou_milestone)m));
    for (char *p = buf; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
}

/* The milestone names, lower case, as the files list them. */
typedef struct milestone_names {
    char text[KOU_MS_COUNT][32];
    const char *name[KOU_MS_COUNT];
} milestone_names;

static void milestone_names_make(milestone_names *mn)
{
    for (int m = 0; m < KOU_MS_COUNT; m++) {
        milestone_lower(m, mn->text[m], sizeof mn->text[m]);
        mn->name[m] = mn->text[m];
    }
}

#define NC(f, m) {#f, offsetof(name_row, f), H5T_NATIVE_INT32, m}

static void layout_ports(kou_h5w *w, const kou_model_config *cfg, name_row *rows, hid_t str)
{
    const column cp[] = {NC(port, "port index"), NC(mode, "mode of the port (mode_names)"),
                         {"name", offsetof(name_row, name), str, "port name"}};
    for (size_t i = 0; i < cfg->nports; i++)
        rows[i] = (name_row){(int32_t)i, -1, -1, (int32_t)cfg->ports[i].mode, -1, -1, cfg->ports[i].name};
    write_rows(w, "/layout/ports", cp, 3, sizeof(name_row), rows, cfg->nports,
               "ports, in configuration order (consignments.port)", true);
}

static void layout_flows(kou_h5w *w, const kou_model_config *cfg, name_row *rows, hid_t str)
{
    const column cf[] = {NC(port, "port index"), NC(flow, "flow index within the port (consignments.flow)"),
                         NC(mode, "mode (mode_names)"), NC(direction, "direction (direction_names)"),
                         {"name", offsetof(name_row, name), str, "flow name"}};
    size_t k = 0;
    for (size_t i = 0; i < cfg->nports; i++)
        for (size_t f = 0; f < cfg->ports[i].nflows; f++) {
            const kou_flow_config *fl = &cfg->ports[i].flows[f];
            rows[k++] = (name_row){(int32_t)i, (int32_t)f, -1, (int32_t)fl->mode, (int32_t)fl->direction, -1,
                                   fl->name};
        }
    write_rows(w, "/layout/flows", cf, 5, sizeof(name_row), rows, k, "flows of each port", true);
}

static void layout_goods(kou_h5w *w, const kou_model_config *cfg, name_row *rows, hid_t str)
{
    const column cg[] = {NC(port, "port index"), NC(flow, "flow index within the port"),
                         NC(goods, "goods index within the flow (consignments.goods)"),
                         {"name", offsetof(name_row, name), str, "goods name"}};
    size_t k = 0;
    for (size_t i = 0; i < cfg->nports; i++)
        for (size_t f = 0; f < cfg->ports[i].nflows; f++)
            for (size_t g = 0; g < cfg->ports[i].flows[f].ngoods; g++)
                rows[k++] = (name_row){(int32_t)i, (int32_t)f, (int32_t)g, -1, -1, -1,
                                       cfg->ports[i].flows[f].goods[g].name};
    write_rows(w, "/layout/goods", cg, 4, sizeof(name_row), rows, k, "goods of each flow", true);
}

static void layout_resources(kou_h5w *w, const kou_model_config *cfg, name_row *rows, hid_t str)
{
    column cr[] = {NC(port, "port index"), NC(goods, "resource index within the port"),
                   NC(capacity, "fixed capacity; -1 when it follows opening hours"),
                   {"name", offsetof(name_row, name), str, "resource name"}};
    cr[1].name = "index_in_port";
    size_t k = 0;
    for (size_t i = 0; i < cfg->nports; i++)
        for (size_t j = 0; j < cfg->ports[i].nresources; j++) {
            const kou_resource_spec *r = &cfg->ports[i].resources[j];
            rows[k++] = (name_row){(int32_t)i, -1, (int32_t)j, -1, -1, r->nhours ? -1 : r->capacity, r->name};
        }
    write_rows(w, "/layout/resources", cr, 4, sizeof(name_row), rows, k,
               "resources of all ports, port then resource order (timeseries.resource indexes these rows)", true);
}

#undef NC

static void layout_stages(kou_h5w *w, size_t nports, const milestone_names *mn, hid_t str)
{
    const column cs[] = {
        {"port", offsetof(stage_row, port), H5T_NATIVE_INT32, "port index"},
        {"stage", offsetof(stage_row, stage), H5T_NATIVE_INT32,
         "milestone number (milestone_names; consignments column t_<name>)"},
        {"name", offsetof(stage_row, name), str, "milestone name"},
        {"x", offsetof(stage_row, x), H5T_NATIVE_DOUBLE, "schematic position, 0..1 along the flow"},
        {"y", offsetof(stage_row, y), H5T_NATIVE_DOUBLE, "schematic position: the port's row (port index)"}};
    stage_row *st = calloc(nports * KOU_MS_COUNT + 1, sizeof *st);
    if (st == NULL) {
        fail_ours(w, "out of memory for /layout");
        return;
    }
    size_t k = 0;
    for (size_t i = 0; i < nports; i++)
        for (int m = 0; m < KOU_MS_COUNT; m++)
            st[k++] = (stage_row){(int32_t)i, m, mn->name[m], (double)m / (KOU_MS_COUNT - 1), (double)i};
    write_rows(w, "/layout/stages", cs, 5, sizeof(stage_row), st, k,
               "stages = milestones in flow order, per port, with schematic positions", true);
    free(st);
}

/* /layout: what the run simulated (ports, flows, goods, resources, the
** stages), so that a viewer needs no scenario. */
static void write_layout(kou_h5w *w, const kou_model_config *cfg)
{
    size_t np = cfg->nports, nf = 0, ng = 0, nr = 0;
    for (size_t i = 0; i < np; i++) {
        nf += cfg->ports[i].nflows;
        nr += cfg->ports[i].nresources;
        for (size_t f = 0; f < cfg->ports[i].nflows; f++)
            ng += cfg->ports[i].flows[f].ngoods;
    }
    name_row *rows = calloc(np + nf + ng + nr + 1, sizeof *rows);
    if (rows == NULL) {
        fail_ours(w, "out of memory for /layout");
        return;
    }
    hid_t str = koui_h5_utf8();
    milestone_names mn;
    milestone_names_make(&mn);
    layout_ports(w, cfg, rows, str);
    layout_flows(w, cfg, rows, str);
    layout_goods(w, cfg, rows, str);
    layout_resources(w, cfg, rows, str);
    layout_stages(w, np, &mn, str);
    free(rows);
    H5Tclose(str);
    hid_t g = H5Gopen2(w->file, "/layout", H5P_DEFAULT);
    if (g >= 0) {
        attr_strs(w, g, "milestone_names", mn.name, KOU_MS_COUNT);
        attr_str(w, g, "description", "what the run simulated, so a viewer needs no scenario");
        /* the names in Chinese a viewer shows with --lang zh ("": none given) */
        const char **zh = calloc(np + 1, sizeof *zh);
        if (zh == NULL)
            fail_ours(w, "out of memory for /layout");
        for (size_t i = 0; zh != NULL && i < np; i++)
            zh[i] = cfg->ports[i].name_zh ? cfg->ports[i].name_zh : "";
        if (zh != NULL)
            attr_strs(w, g, "port_names_zh", zh, np);
        free(zh);
        attr_str(w, g, "scenario_name_zh", cfg->name_zh ? cfg->name_zh : "");
        H5Gclose(g);
    }
}

/* ---- /parameters ---- */

typedef struct param_row {
    const char *path;
    double value;
    const char *text, *unit;
} param_row;

/* String i of a column that may be NULL, or hold NULLs: "" then. */
static const char *entry(const char *const *strings, size_t i)
{
    return strings != NULL && strings[i] != NULL ? strings[i] : "";
}

void kou_h5w_parameters(kou_h5w *w, size_t n, const char *const *path, const double *value,
                        const char *const *text, const char *const *unit)
{
    if (w == NULL || !ok(w))
        return;
    writer_sync(w);
    param_row *rows = calloc(n + 1, sizeof *rows);
    if (rows == NULL) {
        fail_ours(w, "out of memory for /parameters");
        return;
    }
    size_t bytes = 0; /* of the strings, which go to the file's heap at the next flush */
    for (size_t i = 0; i < n; i++) {
        rows[i] = (param_row){entry(path, i), value != NULL ? value[i] : NAN, entry(text, i), entry(unit, i)};
        bytes += strlen(rows[i].path) + strlen(rows[i].text) + strlen(rows[i].unit) + 3 * 32;
    }
    if (reserve(w, META_SLACK + bytes + n * sizeof *rows)) {
        hid_t st = koui_h5_utf8();
        const column c[] = {
            {"path", offsetof(param_row, path), st, "parameter path, as --set and sweep factors name it"},
            {"value", offsetof(param_row, value), H5T_NATIVE_DOUBLE, "its value; NaN when it is not a number"},
            {"text", offsetof(param_row, text), st,
             "the value as written: a distribution, a calendar, an enumeration's name (\"\" for a number)"},
            {"unit", offsetof(param_row, unit), st, "unit of value (\"\" when none)"}};
        write_rows(w, "/parameters", c, 4, sizeof(param_row), rows, n,
                   "the scenario's parameters as run, one row each", false);
        H5Tclose(st);
        w->pending_meta += bytes;
        burst(w);
        /* flushed before returning: the table is written before the first
        ** run, and a run that dies early must not meet a flush midway */
        writer_sync(w);
    }
    free(rows);
}

/* ---- create / close ---- */

/* The access properties: the metadata cache writes only at H5Fflush (no
** evictions between), so the file on disk changes only inside a burst. */
static hid_t file_access(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5AC_cache_config_t mdc;
    memset(&mdc, 0, sizeof mdc);
    mdc.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    if (H5Pget_mdc_config(fapl, &mdc) >= 0) {
        mdc.evictions_enabled = 0;
        mdc.incr_mode = H5C_incr__off;
        mdc.flash_incr_mode = H5C_flash_incr__off;
        mdc.decr_mode = H5C_decr__off;
        if (H5Pset_mdc_config(fapl, &mdc) < 0)
            H5Eclear2(H5E_DEFAULT); /* the default cache, then */
    }
    return fapl;
}

/* Creates the file of a new writer, with the space of its first writes
** reserved. NULL, with the message in err, when it cannot. */
static kou_h5w *writer_new(const char *path, bool force, bool trace, bool *exists, char *err, size_t errlen)
{
    kou_h5w *w = calloc(1, sizeof *w);
    if (w == NULL) {
        if (exists)
            *exists = false;
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    w->trace = trace;
    w->fd = -1;
    w->error = (koui_h5_error){w->err, sizeof w->err, false, KOU_OK};
    /* file space freed between flushes (a partial chunk rewritten) is
    ** never reused: what the last flush points to stays as it was. The
    ** cost: one partial chunk per table per flush left unused. */
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE), fapl = file_access();
    H5Pset_file_space_strategy(fcpl, H5F_FSPACE_STRATEGY_NONE, 0, (hsize_t)1);
    w->file = koui_h5_create_file(&w->error, path, force, fcpl, fapl, exists);
    H5Pclose(fcpl);
    H5Pclose(fapl);
    if (w->file < 0) {
        snprintf(err, errlen, "%s", w->err);
        free(w);
        return NULL;
    }
    w->fd = open(path, O_WRONLY | O_CLOEXEC); /* for reserve(); -1: no checks */
    if (!reserve(w, META_SLACK)) {
        snprintf(err, errlen, "no room for it on disk (%s)", strerror(w->reserve_errno));
        H5Fclose(w->file); /* nothing written yet: fits in the new file */
        close(w->fd);
        unlink(path);
        free(w);
        return NULL;
    }
    return w;
}

static void create_consignments(kou_h5w *w, const milestone_names *mn)
{
    char tnames[KOU_MS_COUNT][40];
    column cc[16 + KOU_MS_COUNT];
    size_t n = 0;
#define C(f, ty, m) cc[n++] = (column){#f, offsetof(cons_row, f), ty, m}
    C(rep, H5T_NATIVE_UINT32, "replication, 0-based (seed = first seed + replication)");
    C(id, H5T_NATIVE_UINT64, "consignment id: (global flow number + 1) * 2^40 + sequence in the flow");
    C(carrier_id, H5T_NATIVE_UINT64, "carrier id (carriers.id)");
    C(unit_id, H5T_NATIVE_UINT64, "unit id (units.id)");
    C(port, H5T_NATIVE_UINT16, "port index (/layout/ports)");
    C(flow, H5T_NATIVE_UINT16, "flow index within the port (/layout/flows)");
    C(goods, H5T_NATIVE_UINT16, "goods index within the flow (/layout/goods)");
    C(mode, H5T_NATIVE_UINT8, "mode (mode_names)");
    C(direction, H5T_NATIVE_UINT8, "direction (direction_names)");
    C(trader, H5T_NATIVE_UINT8, "trader credit class (trader_names)");
    C(flags, H5T_NATIVE_UINT32, "flag bits (flag_bits: bit i is flag_bits[i])");
#undef C
    cc[0].name = "replication";
    for (int m = 0; m < KOU_MS_COUNT; m++) {
        snprintf(tnames[m], sizeof tnames[m], "t_%s", mn->name[m]);
        cc[n++] = (column){tnames[m], offsetof(cons_row, t) + (size_t)m * sizeof(double), H5T_NATIVE_DOUBLE,
                           "milestone time, hours; NaN when the milestone did not happen"};
    }
    cc[n++] = (column){"cost", offsetof(cons_row, cost), H5T_NATIVE_DOUBLE, "fees, CNY"};
    table_create(w, &w->tab[T_CONS], "/consignments", cc, n, sizeof(cons_row),
                 "one row per reported consignment (arrived at or after the warm-up), written when it leaves");
    if (ok(w)) {
        attr_strs(w, w->tab[T_CONS].dset, "trader_names", kou_trader_names, KOU_TRADER_COUNT);
        attr_strs(w, w->tab[T_CONS].dset, "flag_bits", kou_flag_names, KOU_FLAG_COUNT);
    }
}

static void create_carriers(kou_h5w *w)
{
    column cc[16];
    size_t n = 0;
#define C(f, ty, m) cc[n++] = (column){#f, offsetof(carrier_row, f), ty, m}
    C(rep, H5T_NATIVE_UINT32, "replication, 0-based");
    C(id, H5T_NATIVE_UINT64, "carrier id: (global flow number + 1) * 2^40 + sequence in the flow");
    C(port, H5T_NATIVE_UINT16, "port index");
    C(flow, H5T_NATIVE_UINT16, "flow index within the port");
    C(mode, H5T_NATIVE_UINT8, "mode (mode_names)");
    C(direction, H5T_NATIVE_UINT8, "direction (direction_names)");
    C(units, H5T_NATIVE_UINT32, "units carried");
    C(consignments, H5T_NATIVE_UINT32, "consignments carried");
    C(scheduled, H5T_NATIVE_DOUBLE, "scheduled arrival (import) / departure (export), hours");
    C(actual, H5T_NATIVE_DOUBLE, "actual arrival (import) / due departure with delay (export), hours");
    C(done, H5T_NATIVE_DOUBLE, "import: last unit unloaded; export: departed (waits for its cargo), hours");
#undef C
    cc[0].name = "replication";
    table_create(w, &w->tab[T_CARRIERS], "/carriers", cc, n, sizeof(carrier_row),
                 "one row per carrier whose actual arrival/departure is at or after the warm-up, "
                 "written when it is done");
}

static void create_units(kou_h5w *w)
{
    column cc[16];
    size_t n = 0;
#define C(f, ty, m) cc[n++] = (column){#f, offsetof(unit_row, f), ty, m}
    C(rep, H5T_NATIVE_UINT32, "replication, 0-based");
    C(id, H5T_NATIVE_UINT64, "unit id");
    C(carrier_id, H5T_NATIVE_UINT64, "carrier id (carriers.id)");
    C(port, H5T_NATIVE_UINT16, "port index");
    C(flow, H5T_NATIVE_UINT16, "flow index within the port");
    C(mode, H5T_NATIVE_UINT8, "mode (mode_names)");
    C(direction, H5T_NATIVE_UINT8, "direction (direction_names)");
    C(consignments, H5T_NATIVE_UINT32, "consignments in the unit");
    C(arrival, H5T_NATIVE_DOUBLE, "the carrier's actual arrival (import) / due departure (export), hours");
    C(done, H5T_NATIVE_DOUBLE, "import: unloaded; export: the carrier departed, hours");
#undef C
    cc[0].name = "replication";
    table_create(w, &w->tab[T_UNITS], "/units", cc, n, sizeof(unit_row),
                 "one row per unit of a reported carrier, written when it is done");
}

static void create_timeseries(kou_h5w *w)
{
    column cc[16];
    size_t n = 0;
#define C(f, ty, m) cc[n++] = (column){#f, offsetof(sample_row, f), ty, m}
    C(rep, H5T_NATIVE_UINT32, "replication, 0-based");
    C(t, H5T_NATIVE_DOUBLE, "sample time, hours");
    C(port, H5T_NATIVE_UINT32, "port index");
    C(resource, H5T_NATIVE_UINT32, "row of /layout/resources");
    C(queue, H5T_NATIVE_UINT64, "requests waiting");
    C(busy, H5T_NATIVE_INT32, "servers held");
    C(capacity, H5T_NATIVE_INT32, "servers open now (calendar capacity)");
#undef C
    cc[0].name = "replication";
    table_create(w, &w->tab[T_SAMPLES], "/timeseries", cc, n, sizeof(sample_row),
                 "every resource sampled every sample_hours from hour 0 until the system has drained");
}

static void create_events(kou_h5w *w, const milestone_names *mn)
{
    column cc[16];
    size_t n = 0;
#define C(f, ty, m) cc[n++] = (column){#f, offsetof(event_row, f), ty, m}
    C(rep, H5T_NATIVE_UINT32, "replication, 0-based");
    C(t, H5T_NATIVE_DOUBLE, "time of the transition (the to-stage's milestone time), hours");
    C(id, H5T_NATIVE_UINT64, "consignment id (consignments.id)");
    C(from, H5T_NATIVE_INT8, "previous milestone (milestone_names), -1 for the first");
    C(to, H5T_NATIVE_INT8, "milestone reached (milestone_names)");
#undef C
    cc[0].name = "replication";
    cc[3].name = "from_stage";
    cc[4].name = "to_stage";
    table_create(w, &w->tab[T_EVENTS], "/events", cc, n, sizeof(event_row),
                 "milestone transitions of each reported consignment in time order (ties in "
                 "milestone order), written when it leaves");
    if (ok(w))
        attr_strs(w, w->tab[T_EVENTS].dset, "milestone_names", mn->name, KOU_MS_COUNT);
}

/* The writer thread, when it can be had (else everything is written on
** the calling thread). */
static void writer_start(kou_h5w *w)
{
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->work, NULL);
    pthread_cond_init(&w->done, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) == 0)
        w->started = true;
}

kou_h5w *kou_h5w_create(const char *path, bool force, bool trace, const kou_model_config *cfg,
                        bool *exists, char *err, size_t errlen)
{
    kou_h5w *w = writer_new(path, force, trace, exists, err, errlen);
    if (w == NULL)
        return NULL;
    kou_h5w_attr_int(w, "schema_version", KOU_H5W_SCHEMA_VERSION);
    kou_h5w_attr_int(w, "complete", 0);
    write_layout(w, cfg);
    milestone_names mn;
    milestone_names_make(&mn);
    create_consignments(w, &mn);
    create_carriers(w);
    create_units(w);
    create_timeseries(w);
    if (trace)
        create_events(w, &mn);
    burst(w);
    if (!ok(w)) {
        snprintf(err, errlen, "%s: %s", path, w->err);
        kou_h5w_close(w, false, NULL, 0);
        return NULL;
    }
    writer_start(w);
    return w;
}

const char *kou_h5w_error(const kou_h5w *w)
{
    return w && w->err[0] ? w->err : NULL;
}

static void rep_free(rep_kpi *r)
{
    for (size_t i = 0; i < r->nr; i++)
        free(r->rname[i]);
    free(r->key);
    free(r->v);
    free(r->rport);
    free(r->rname);
    free(r->rv);
}

int kou_h5w_close(kou_h5w *w, bool complete, char *err, size_t errlen)
{
    if (w == NULL)
        return 0;
    burst(w);
    writer_sync(w);
    if (w->started) {
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        pthread_cond_signal(&w->work);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL);
        pthread_cond_destroy(&w->work);
        pthread_cond_destroy(&w->done);
        pthread_mutex_destroy(&w->lock);
        w->started = false;
    }
    if (complete && ok(w)) {
        kou_h5w_attr_int(w, "complete", 1);
        if (ok(w) && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
            fail(w, "cannot flush the file");
    }
    for (int i = 0; i < T_COUNT; i++) {
        if (w->tab[i].dset > 0)
            H5Dclose(w->tab[i].dset);
        if (w->tab[i].mtype > 0)
            H5Tclose(w->tab[i].mtype);
        for (int b = 0; b < NBUF; b++)
            free(w->tab[i].all[b]);
    }
    /* the last writes go into reserved space; then the file is cut to
    ** HDF5's end, dropping what was reserved and not used */
    hsize_t size = 0;
    bool sized = w->fd >= 0 && H5Fflush(w->file, H5F_SCOPE_GLOBAL) >= 0 &&
                 H5Fget_filesize(w->file, &size) >= 0;
    if (H5Fclose(w->file) < 0)
        fail(w, "cannot close the file");
    else if (sized && w->reserved > (off_t)size && ftruncate(w->fd, (off_t)size) != 0)
        fail(w, "cannot trim the file: %s", strerror(errno));
    if (w->fd >= 0)
        close(w->fd);
    int rc = ok(w) ? 0 : -1;
    if (err && errlen)
        snprintf(err, errlen, "%s", w->err);
    for (size_t i = 0; i < w->nreps; i++)
        rep_free(&w->reps[i]);
    free(w->reps);
    free(w);
    return rc;
}

/* ---- rows ---- */

void kou_h5w_consignment(kou_h5w *w, uint32_t rep, const kou_consignment_record *rec)
{
    if (w == NULL)
        return;
    cons_row *r = table_slot(w, &w->tab[T_CONS]);
    if (r == NULL)
        return;
    r->rep = rep;
    r->id = rec->id;
    r->carrier_id = rec->carrier_id;
    r->unit_id = rec->unit_id;
    r->port = rec->port;
    r->flow = rec->flow;
    r->goods = rec->goods;
    r->mode = rec->mode;
    r->direction = rec->direction;
    r->trader = rec->trader;
    r->flags = rec->flags;
    memcpy(r->t, rec->t, sizeof r->t);
    r->cost = rec->cost;
    if (!w->trace)
        return;
    /* transitions: milestones that happened, by time, ties in milestone order */
    int order[KOU_MS_COUNT], k = 0;
    for (int m = 0; m < KOU_MS_COUNT; m++) {
        if (isnan(rec->t[m]))
            continue;
        int j = k++;
        while (j > 0 && rec->t[order[j - 1]] > rec->t[m]) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = m;
    }
    for (int i = 0; i < k; i++) {
        event_row *e = table_slot(w, &w->tab[T_EVENTS]);
        if (e == NULL)
            return;
        e->rep = rep;
        e->t = rec->t[order[i]];
        e->id = rec->id;
        e->from = (int8_t)(i ? order[i - 1] : -1);
        e->to = (int8_t)order[i];
    }
}

void kou_h5w_carrier(kou_h5w *w, uint32_t rep, const kou_carrier_record *rec)
{
    carrier_row *r = w ? table_slot(w, &w->tab[T_CARRIERS]) : NULL;
    if (r == NULL)
        return;
    r->rep = rep;
    r->id = rec->id;
    r->port = rec->port;
    r->flow = rec->flow;
    r->mode = rec->mode;
    r->direction = rec->direction;
    r->units = rec->units;
    r->consignments = rec->consignments;
    r->scheduled = rec->scheduled;
    r->actual = rec->actual;
    r->done = rec->done;
}

void kou_h5w_unit(kou_h5w *w, uint32_t rep, const kou_unit_record *rec)
{
    unit_row *r = w ? table_slot(w, &w->tab[T_UNITS]) : NULL;
    if (r == NULL)
        return;
    r->rep = rep;
    r->id = rec->id;
    r->carrier_id = rec->carrier_id;
    r->port = rec->port;
    r->flow = rec->flow;
    r->mode = rec->mode;
    r->direction = rec->direction;
    r->consignments = rec->consignments;
    r->arrival = rec->arrival;
    r->done = rec->done;
}

void kou_h5w_sample(kou_h5w *w, uint32_t rep, double t, uint32_t port, uint32_t resource, uint64_t queue,
                    int32_t busy, int32_t capacity)
{
    sample_row *r = w ? table_slot(w, &w->tab[T_SAMPLES]) : NULL;
    if (r == NULL)
        return;
    r->rep = rep;
    r->t = t;
    r->port = port;
    r->resource = resource;
    r->queue = queue;
    r->busy = busy;
    r->capacity = capacity;
}

/* ---- /summary ---- */

void kou_h5w_replication_kpi(kou_h5w *w, const kou_kpi *k)
{
    if (w == NULL || !ok(w))
        return;
    if (w->nreps == w->reps_cap) {
        size_t cap = w->reps_cap ? 2 * w->reps_cap : 8;
        rep_kpi *p = realloc(w->reps, cap * sizeof *p);
        if (p == NULL) {
            fail_ours(w, "out of memory for the summary");
            return;
        }
        w->reps = p;
        w->reps_cap = cap;
    }
    rep_kpi *r = &w->reps[w->nreps];
    memset(r, 0, sizeof *r);
    r->ng = kou_kpi_groups(k);
    r->nr = kou_kpi_resources(k);
    r->key = malloc((r->ng + 1) * 3 * sizeof *r->key);
    r->v = malloc((r->ng + 1) * KOU_KPI_METRIC_COUNT * sizeof *r->v);
    r->rport = malloc((r->nr + 1) * sizeof *r->rport);
    r->rname = calloc(r->nr + 1, sizeof *r->rname);
    r->rv = malloc((r->nr + 1) * KOU_KPI_RES_METRIC_COUNT * sizeof *r->rv);
    if (!r->key || !r->v || !r->rport || !r->rname || !r->rv) {
        r->nr = 0;
        rep_free(r);
        fail_ours(w, "out of memory for the summary");
        return;
    }
    w->nreps++;
    for (size_t g = 0; g < r->ng; g++) {
        kou_kpi_group gi = kou_kpi_group_info(k, g);
        r->key[3 * g] = gi.port_index;
        r->key[3 * g + 1] = gi.mode;
        r->key[3 * g + 2] = gi.direction;
        for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++)
            r->v[g * KOU_KPI_METRIC_COUNT + (size_t)m] = kou_kpi_get(k, g, (kou_kpi_metric)m);
    }
    for (size_t i = 0; i < r->nr; i++) {
        const kou_resource_report *rr = kou_kpi_resource_at(k, i);
        r->rport[i] = rr->port;
        size_t len = strlen(rr->name);
        r->rname[i] = malloc(len + 1);
        if (r->rname[i] == NULL) {
            fail_ours(w, "out of memory for the summary");
            return;
        }
        memcpy(r->rname[i], rr->name, len + 1);
        double *v = &r->rv[i * KOU_KPI_RES_METRIC_COUNT];
        v[KOU_KPI_RES_CAPACITY] = rr->capacity_mean;
        v[KOU_KPI_RES_UTILISATION] = rr->utilisation;
        v[KOU_KPI_RES_MEAN_QUEUE] = rr->mean_queue;
        v[KOU_KPI_RES_MEAN_WAIT] = rr->mean_wait;
        v[KOU_KPI_RES_SERVED] = (double)rr->served;
    }
}

static void write_array(kou_h5w *w, const char *path, int rank, const hsize_t *dims, const double *v,
                        const char *what, const char *axes)
{
    if (!ok(w))
        return;
    hid_t d = koui_h5_write_dataset(&w->error, w->file, path, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, rank, dims,
                                    H5P_DEFAULT, v);
    if (noted(w, d >= 0)) {
        attr_str(w, d, "description", what);
        attr_str(w, d, "axes", axes);
        attr_str(w, d, "missing", "NaN: undefined (no consignments, or not present in that replication)");
    }
    koui_h5_close_id(&d, H5Dclose);
}

typedef struct group_row {
    const char *port;
    int32_t port_index, mode, direction;
} group_row;

typedef struct res_row {
    const char *port;
    int32_t port_index;
    const char *name;
} res_row;

/* What /summary holds, gathered before it is written. */
typedef struct summary_data {
    size_t R, G, NR; /* replications, groups, resources */
    group_row *gr;   /* G */
    res_row *rr;     /* NR */
    double *gv;      /* R x G x metrics */
    double *rv;      /* R x NR x resource metrics */
    double *across;  /* G x metrics x 2 */
} summary_data;

static void summary_data_free(summary_data *d)
{
    free(d->gr);
    free(d->rr);
    free(d->gv);
    free(d->rv);
    free(d->across);
}

/* The /summary group and its attributes. */
static void summary_group(kou_h5w *w, const kou_kpi_summary *s, const char *title)
{
    hid_t g = H5Gcreate2(w->file, "/summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        fail(w, "cannot create /summary");
        return;
    }
    attr_str(w, g, "title", title);
    attr_int(w, g, "replications", (int64_t)kou_kpi_summary_replications(s));
    const char *mn[KOU_KPI_METRIC_COUNT], *rn[KOU_KPI_RES_METRIC_COUNT];
    for (size_t m = 0; m < KOU_KPI_METRIC_COUNT; m++)
        mn[m] = kou_kpi_metric_name((kou_kpi_metric)m);
    for (size_t m = 0; m < KOU_KPI_RES_METRIC_COUNT; m++)
        rn[m] = kou_kpi_res_metric_name((kou_kpi_res_metric)m);
    attr_strs(w, g, "metric_names", mn, KOU_KPI_METRIC_COUNT);
    attr_strs(w, g, "resource_metric_names", rn, KOU_KPI_RES_METRIC_COUNT);
    attr_strs(w, g, "mode_names", kou_mode_names, KOU_MODE_COUNT);
    attr_strs(w, g, "direction_names", kou_direction_names, KOU_DIRECTION_COUNT);
    H5Gclose(g);
}

/* The summary's groups and resources, and the across-replication values. */
static void summary_keys(const kou_kpi_summary *s, summary_data *d)
{
    const size_t M = KOU_KPI_METRIC_COUNT;
    for (size_t i = 0; i < d->G; i++) {
        kou_kpi_group gi = kou_kpi_summary_group(s, i);
        d->gr[i] = (group_row){gi.port, gi.port_index, gi.mode, gi.direction};
        for (size_t m = 0; m < M; m++) {
            kou_kpi_value v = kou_kpi_summary_get(s, i, (kou_kpi_metric)m);
            d->across[(i * M + m) * 2] = v.mean;
            d->across[(i * M + m) * 2 + 1] = v.half;
        }
    }
    for (size_t i = 0; i < d->NR; i++) {
        kou_kpi_resource_id ri = kou_kpi_summary_resource(s, i);
        d->rr[i] = (res_row){ri.port, ri.port_index, ri.name};
    }
}

/* Replication k's values laid out by the summary's groups and resources
** (NaN where it lacks one) at row r of gv and rv. */
static void summary_replication(const rep_kpi *k, size_t r, summary_data *d)
{
    const size_t M = KOU_KPI_METRIC_COUNT, MR = KOU_KPI_RES_METRIC_COUNT;
    for (size_t i = 0; i < d->G; i++) {
        double *dst = &d->gv[(r * d->G + i) * M];
        size_t j;
        for (j = 0; j < k->ng; j++)
            if (k->key[3 * j] == d->gr[i].port_index && k->key[3 * j + 1] == d->gr[i].mode &&
                k->key[3 * j + 2] == d->gr[i].direction)
                break;
        for (size_t m = 0; m < M; m++)
            dst[m] = j < k->ng ? k->v[j * M + m] : NAN;
    }
    for (size_t i = 0; i < d->NR; i++) {
        /* the occ-th resource of this (port, name) in the summary is the
        ** occ-th report of the same (port, name) in the replication */
        const res_row *ri = &d->rr[i];
        size_t occ = 0, j;
        for (size_t q = 0; q < i; q++)
            occ += d->rr[q].port_index == ri->port_index && strcmp(d->rr[q].name, ri->name) == 0;
        for (j = 0; j < k->nr; j++)
            if (k->rport[j] == ri->port_index && strcmp(k->rname[j], ri->name) == 0 && occ-- == 0)
                break;
        double *dst = &d->rv[(r * d->NR + i) * MR];
        for (size_t m = 0; m < MR; m++)
            dst[m] = j < k->nr ? k->rv[j * MR + m] : NAN;
    }
}

/* The datasets of /summary. */
static void summary_write(kou_h5w *w, const summary_data *d)
{
    hid_t st = koui_h5_utf8();
    const column cg[] = {{"port", offsetof(group_row, port), st, "port name, or \"all ports\""},
                         {"port_index", offsetof(group_row, port_index), H5T_NATIVE_INT32,
                          "port index; -1 for an all-ports group"},
                         {"mode", offsetof(group_row, mode), H5T_NATIVE_INT32, "mode (mode_names); -1: every mode"},
                         {"direction", offsetof(group_row, direction), H5T_NATIVE_INT32,
                          "direction (direction_names)"}};
    const column cr[] = {{"port", offsetof(res_row, port), st, "port name"},
                         {"port_index", offsetof(res_row, port_index), H5T_NATIVE_INT32, "port index"},
                         {"name", offsetof(res_row, name), st, "resource name"}};
    write_rows(w, "/summary/groups", cg, 4, sizeof(group_row), d->gr, d->G,
               "KPI groups in kou_kpi_summary_group order (ports, then one all-ports group per direction)", true);
    write_rows(w, "/summary/resources", cr, 3, sizeof(res_row), d->rr, d->NR,
               "resources in kou_kpi_summary_resource order", true);
    H5Tclose(st);
    hsize_t d3[3] = {d->R, d->G, KOU_KPI_METRIC_COUNT};
    write_array(w, "/summary/group_values", 3, d3, d->gv, "per replication, group and metric: kou_kpi_get",
                "replication, group (/summary/groups), metric (metric_names)");
    hsize_t r3[3] = {d->R, d->NR, KOU_KPI_RES_METRIC_COUNT};
    write_array(w, "/summary/resource_values", 3, r3, d->rv, "per replication, resource and metric",
                "replication, resource (/summary/resources), metric (resource_metric_names)");
    hsize_t a3[3] = {d->G, KOU_KPI_METRIC_COUNT, 2};
    write_array(w, "/summary/across", 3, a3, d->across,
                "across replications: mean, and Student-t 95 % half-width (NaN with fewer than 2)",
                "group, metric, [mean, half_width]");
}

void kou_h5w_summary(kou_h5w *w, const kou_kpi_summary *s, const char *title)
{
    if (w == NULL || !ok(w))
        return;
    writer_sync(w);
    const size_t M = KOU_KPI_METRIC_COUNT, MR = KOU_KPI_RES_METRIC_COUNT;
    summary_data d = {w->nreps, kou_kpi_summary_groups(s), kou_kpi_summary_resources(s), NULL, NULL, NULL, NULL,
                      NULL};
    if (!reserve(w, 2 * META_SLACK + strlen(title) +
                        ((d.R + 2) * (d.G * M + d.NR * MR) + d.G * M * 2) * sizeof(double) + (d.G + d.NR) * 256))
        return;
    summary_group(w, s, title);
    if (!ok(w))
        return;
    d.gr = calloc(d.G + 1, sizeof *d.gr);
    d.rr = calloc(d.NR + 1, sizeof *d.rr);
    d.gv = malloc((d.R * d.G * M + 1) * sizeof *d.gv);
    d.rv = malloc((d.R * d.NR * MR + 1) * sizeof *d.rv);
    d.across = malloc((d.G * M * 2 + 1) * sizeof *d.across);
    if (!d.gr || !d.rr || !d.gv || !d.rv || !d.across) {
        fail_ours(w, "out of memory for /summary");
    } else {
        summary_keys(s, &d);
        for (size_t r = 0; r < d.R; r++)
            summary_replication(&w->reps[r], r, &d);
        summary_write(w, &d);
        burst(w);
    }
    summary_data_free(&d);
}
