/*
** sweep_h5.c — see sweep_h5.h.
*/
#include "io/sweep_h5.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "kernel/base.h"

struct kou_sweep_h5 {
    hid_t file, runs, kpi, run_type;
    size_t npoints, reps, cells; /* cells: ngroups x nmetrics */
    char error[512];
};

typedef struct run_row {
    uint32_t point, replication;
    uint64_t seed;
    int8_t status;
    char error[KOU_SWEEP_ERROR_LEN];
    double wall_seconds;
} run_row;

static void fail(kou_sweep_h5 *w, const char *fmt, ...) KOU_PRINTF(2, 3);
static void fail(kou_sweep_h5 *w, const char *fmt, ...)
{
    if (w->error[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->error, sizeof w->error, fmt, ap);
    va_end(ap);
}

static hid_t str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static hid_t make_run_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(run_row));
    hid_t s = H5Tcopy(H5T_C_S1);
    H5Tset_size(s, KOU_SWEEP_ERROR_LEN);
    H5Tset_strpad(s, H5T_STR_NULLTERM);
    H5Tset_cset(s, H5T_CSET_UTF8);
    H5Tinsert(t, "point", HOFFSET(run_row, point), H5T_NATIVE_UINT32);
    H5Tinsert(t, "replication", HOFFSET(run_row, replication), H5T_NATIVE_UINT32);
    H5Tinsert(t, "seed", HOFFSET(run_row, seed), H5T_NATIVE_UINT64);
    H5Tinsert(t, "status", HOFFSET(run_row, status), H5T_NATIVE_INT8);
    H5Tinsert(t, "error", HOFFSET(run_row, error), s);
    H5Tinsert(t, "wall_seconds", HOFFSET(run_row, wall_seconds), H5T_NATIVE_DOUBLE);
    H5Tclose(s);
    return t;
}

/* The file type: packed, little-endian, the same on every machine. */
static hid_t file_run_type(hid_t mem)
{
    hid_t t = H5Tcopy(mem);
    H5Tpack(t);
    return t;
}

static void write_strings(kou_sweep_h5 *w, hid_t loc, const char *name, size_t n, const char *const *v)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL), t = str_type();
    hid_t d = H5Dcreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || (n > 0 && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0))
        fail(w, "cannot write %s", name);
    if (d >= 0)
        H5Dclose(d);
    H5Tclose(t);
    H5Sclose(sp);
}

static void write_ints(kou_sweep_h5 *w, hid_t loc, const char *name, size_t n, const int *v)
{
    hsize_t dim = n;
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(loc, name, H5T_STD_I32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || (n > 0 && H5Dwrite(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0))
        fail(w, "cannot write %s", name);
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
}

static void attr_str_at(kou_sweep_h5 *w, hid_t loc, const char *name, const char *value)
{
    if (H5Aexists(loc, name) > 0)
        H5Adelete(loc, name);
    hid_t sp = H5Screate(H5S_SCALAR), t = str_type();
    hid_t a = H5Acreate2(loc, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, &value) < 0)
        fail(w, "cannot write the attribute %s", name);
    if (a >= 0)
        H5Aclose(a);
    H5Tclose(t);
    H5Sclose(sp);
}

static void attr_int_at(kou_sweep_h5 *w, hid_t loc, const char *name, int64_t value)
{
    hid_t a;
    if (H5Aexists(loc, name) > 0) {
        a = H5Aopen(loc, name, H5P_DEFAULT);
    } else {
        hid_t sp = H5Screate(H5S_SCALAR);
        a = H5Acreate2(loc, name, H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
        H5Sclose(sp);
    }
    if (a < 0 || H5Awrite(a, H5T_NATIVE_INT64, &value) < 0)
        fail(w, "cannot write the attribute %s", name);
    if (a >= 0)
        H5Aclose(a);
}

void kou_sweep_h5_attr_str(kou_sweep_h5 *w, const char *name, const char *value)
{
    if (w && !w->error[0])
        attr_str_at(w, w->file, name, value ? value : "");
}

void kou_sweep_h5_attr_int(kou_sweep_h5 *w, const char *name, int64_t value)
{
    if (w && !w->error[0])
        attr_int_at(w, w->file, name, value);
}

static void flush(kou_sweep_h5 *w)
{
    if (!w->error[0] && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
        fail(w, "cannot flush the file");
}

static void free_w(kou_sweep_h5 *w)
{
    if (w->kpi > 0)
        H5Dclose(w->kpi);
    if (w->runs > 0)
        H5Dclose(w->runs);
    if (w->run_type > 0)
        H5Tclose(w->run_type);
    if (w->file > 0)
        H5Fclose(w->file);
    free(w);
}

kou_sweep_h5 *kou_sweep_h5_create(const char *path, bool force, const kou_sweep_layout *lay,
                                  bool *exists, char *err, size_t errlen)
{
    *exists = false;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (!force && access(path, F_OK) == 0) {
        *exists = true;
        snprintf(err, errlen, "%s exists", path);
        return NULL;
    }
    kou_sweep_h5 *w = calloc(1, sizeof *w);
    KOU_CHECK(w != NULL);
    w->npoints = lay->npoints;
    w->reps = lay->reps;
    w->cells = lay->ngroups * lay->nmetrics;
    w->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (w->file < 0) {
        snprintf(err, errlen, "cannot create %s", path);
        free_w(w);
        return NULL;
    }
    attr_str_at(w, w->file, "kind", "kouan sweep");
    attr_int_at(w, w->file, "schema_version", KOU_SWEEP_H5_SCHEMA_VERSION);
    attr_int_at(w, w->file, "complete", 0);
    attr_int_at(w, w->file, "replications", (int64_t)lay->reps);
    attr_int_at(w, w->file, "seed", (int64_t)lay->seed);

    /* /design */
    hid_t g = H5Gcreate2(w->file, "design", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    attr_str_at(w, g, "method", lay->method);
    write_strings(w, g, "factors", lay->nfactors, lay->paths);
    hsize_t md[2] = {lay->npoints, lay->nfactors};
    hid_t sp = H5Screate_simple(2, md, NULL);
    hid_t d = H5Dcreate2(g, "matrix", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (d < 0 || (lay->npoints * lay->nfactors > 0 &&
                  H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, lay->matrix) < 0))
        fail(w, "cannot write /design/matrix");
    if (d >= 0)
        H5Dclose(d);
    H5Sclose(sp);
    H5Gclose(g);

    /* /runs: every row at its place, status 0 (not run) */
    w->run_type = make_run_type();
    hid_t ft = file_run_type(w->run_type);
    hsize_t rd = lay->npoints * lay->reps;
    sp = H5Screate_simple(1, &rd, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    w->runs = H5Dcreate2(w->file, "runs", ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Sclose(sp);
    H5Tclose(ft);
    if (w->runs < 0)
        fail(w, "cannot create /runs");
    if (w->runs > 0)
        attr_str_at(w, w->runs, "status_values", "0 not run, 1 ok, 2 failed (error holds the message)");

    /* /kpi */
    g = H5Gcreate2(w->file, "kpi", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    write_strings(w, g, "groups", lay->ngroups, lay->groups);
    write_ints(w, g, "group_port", lay->ngroups, lay->group_port);
    write_ints(w, g, "group_mode", lay->ngroups, lay->group_mode);
    write_ints(w, g, "group_direction", lay->ngroups, lay->group_dir);
    write_strings(w, g, "metrics", lay->nmetrics, lay->metrics);
    hsize_t kd[4] = {lay->npoints, lay->reps, lay->ngroups, lay->nmetrics};
    sp = H5Screate_simple(4, kd, NULL);
    double nan = NAN;
    H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
    w->kpi = H5Dcreate2(g, "values", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (w->kpi < 0)
        fail(w, "cannot create /kpi/values");
    else
        attr_str_at(w, w->kpi, "dimensions", "point, replication, group, metric");
    H5Sclose(sp);
    H5Pclose(dcpl);
    H5Gclose(g);
    flush(w);
    if (w->error[0]) {
        snprintf(err, errlen, "%s: %s", path, w->error);
        free_w(w);
        return NULL;
    }
    return w;
}

static bool read_strings_equal(hid_t loc, const char *name, size_t n, const char *const *v)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        return false;
    hid_t sp = H5Dget_space(d);
    hssize_t m = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    bool same = m == (hssize_t)n;
    if (same && n > 0) {
        char **got = calloc(n, sizeof *got);
        KOU_CHECK(got != NULL);
        hid_t t = str_type();
        if (H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, got) < 0)
            same = false;
        for (size_t i = 0; i < n; i++) {
            if (same && (got[i] == NULL || strcmp(got[i], v[i]) != 0))
                same = false;
            H5free_memory(got[i]);
        }
        H5Tclose(t);
        free(got);
    }
    H5Dclose(d);
    return same;
}

static int64_t read_attr_int(hid_t loc, const char *name)
{
    int64_t v = -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a >= 0) {
        if (H5Aread(a, H5T_NATIVE_INT64, &v) < 0)
            v = -1;
        H5Aclose(a);
    }
    return v;
}

kou_sweep_h5 *kou_sweep_h5_resume(const char *path, const kou_sweep_layout *lay, uint8_t *status,
                                  char *err, size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0) {
        snprintf(err, errlen, "%s: not an HDF5 file (or missing): nothing to resume", path);
        return NULL;
    }
    kou_sweep_h5 *w = calloc(1, sizeof *w);
    KOU_CHECK(w != NULL);
    w->npoints = lay->npoints;
    w->reps = lay->reps;
    w->cells = lay->ngroups * lay->nmetrics;
    w->file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    const char *what = NULL;
    if (w->file < 0)
        what = "cannot open it";
    else if (read_attr_int(w->file, "schema_version") != KOU_SWEEP_H5_SCHEMA_VERSION)
        what = "not a kouan sweep file of this schema version";
    else if (read_attr_int(w->file, "replications") != (int64_t)lay->reps)
        what = "the replications differ";
    else if (read_attr_int(w->file, "seed") != (int64_t)lay->seed)
        what = "the seed differs";
    else if (!read_strings_equal(w->file, "design/factors", lay->nfactors, lay->paths))
        what = "the factors differ";
    else if (!read_strings_equal(w->file, "kpi/groups", lay->ngroups, lay->groups))
        what = "the KPI groups differ";
    else if (!read_strings_equal(w->file, "kpi/metrics", lay->nmetrics, lay->metrics))
        what = "the KPI metrics differ";
    if (what == NULL) {
        size_t n = lay->npoints * lay->nfactors;
        double *m = malloc((n ? n : 1) * sizeof *m);
        KOU_CHECK(m != NULL);
        hid_t d = H5Dopen2(w->file, "design/matrix", H5P_DEFAULT);
        hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
        if (d < 0 || H5Sget_simple_extent_npoints(sp) != (hssize_t)n ||
            (n > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m) < 0) ||
            (n > 0 && memcmp(m, lay->matrix, n * sizeof *m) != 0))
            what = "the design matrix differs (another method, seed, points or factor range?)";
        if (sp >= 0)
            H5Sclose(sp);
        if (d >= 0)
            H5Dclose(d);
        free(m);
    }
    if (what == NULL) {
        w->runs = H5Dopen2(w->file, "runs", H5P_DEFAULT);
        w->kpi = H5Dopen2(w->file, "kpi/values", H5P_DEFAULT);
        w->run_type = make_run_type();
        size_t n = lay->npoints * lay->reps;
        run_row *rows = malloc((n ? n : 1) * sizeof *rows);
        KOU_CHECK(rows != NULL);
        hid_t sp = w->runs >= 0 ? H5Dget_space(w->runs) : -1;
        if (w->runs < 0 || w->kpi < 0 || H5Sget_simple_extent_npoints(sp) != (hssize_t)n ||
            (n > 0 && H5Dread(w->runs, w->run_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0))
            what = "cannot read /runs";
        else
            for (size_t i = 0; i < n; i++)
                status[i] = rows[i].status == KOU_SWEEP_OK || rows[i].status == KOU_SWEEP_FAILED
                                ? (uint8_t)rows[i].status : KOU_SWEEP_NOT_RUN;
        if (sp >= 0)
            H5Sclose(sp);
        free(rows);
    }
    if (what) {
        snprintf(err, errlen, "%s: cannot resume: %s", path, what);
        free_w(w);
        return NULL;
    }
    attr_int_at(w, w->file, "complete", 0);
    flush(w);
    return w;
}

void kou_sweep_h5_run(kou_sweep_h5 *w, size_t point, size_t rep, uint64_t seed, int status,
                      const char *error, double wall_seconds, const double *kpi)
{
    if (w == NULL || w->error[0])
        return;
    size_t row = point * w->reps + rep;
    if (w->cells > 0) {
        hsize_t start[4] = {point, rep, 0, 0}, count[4] = {1, 1, 1, w->cells};
        hid_t fs = H5Dget_space(w->kpi);
        hsize_t dims[4];
        H5Sget_simple_extent_dims(fs, dims, NULL);
        count[2] = dims[2];
        count[3] = dims[3];
        hsize_t mcount = w->cells;
        hid_t ms = H5Screate_simple(1, &mcount, NULL);
        double *nan = NULL;
        if (kpi == NULL) {
            nan = malloc(w->cells * sizeof *nan);
            KOU_CHECK(nan != NULL);
            for (size_t i = 0; i < w->cells; i++)
                nan[i] = NAN;
        }
        if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dwrite(w->kpi, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, kpi ? kpi : nan) < 0)
            fail(w, "cannot write /kpi/values");
        free(nan);
        H5Sclose(ms);
        H5Sclose(fs);
        flush(w); /* the KPIs reach the file before the row that says they are there */
    }
    run_row r;
    memset(&r, 0, sizeof r);
    r.point = (uint32_t)point;
    r.replication = (uint32_t)rep;
    r.seed = seed;
    r.status = (int8_t)status;
    snprintf(r.error, sizeof r.error, "%s", error ? error : "");
    r.wall_seconds = wall_seconds;
    hsize_t start = row, one = 1;
    hid_t fs = H5Dget_space(w->runs), ms = H5Screate_simple(1, &one, NULL);
    if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL) < 0 ||
        H5Dwrite(w->runs, w->run_type, ms, fs, H5P_DEFAULT, &r) < 0)
        fail(w, "cannot write /runs");
    H5Sclose(ms);
    H5Sclose(fs);
    flush(w);
}

const char *kou_sweep_h5_error(const kou_sweep_h5 *w)
{
    return w && w->error[0] ? w->error : NULL;
}

int kou_sweep_h5_close(kou_sweep_h5 *w, bool complete, char *err, size_t errlen)
{
    if (w == NULL)
        return 0;
    if (complete && !w->error[0])
        attr_int_at(w, w->file, "complete", 1);
    flush(w);
    int rc = 0;
    if (w->error[0]) {
        snprintf(err, errlen, "%s", w->error);
        rc = -1;
    }
    free_w(w);
    return rc;
}

/* ---- merging shards ---- */

typedef struct read_layout {
    kou_sweep_layout lay;
    char **paths, **groups, **metrics, *method;
    double *matrix;
    int *gint;
} read_layout;

static char **read_strings(hid_t loc, const char *name, size_t *n)
{
    *n = 0;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    hid_t sp = H5Dget_space(d);
    hssize_t m = H5Sget_simple_extent_npoints(sp);
    H5Sclose(sp);
    char **v = calloc(m > 0 ? (size_t)m : 1, sizeof *v);
    KOU_CHECK(v != NULL);
    hid_t t = str_type();
    if (m > 0 && H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        v = NULL;
    } else {
        *n = (size_t)m;
    }
    H5Tclose(t);
    H5Dclose(d);
    return v;
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        H5free_memory(v[i]);
    free(v);
}

static char *read_attr_str(hid_t loc, const char *name)
{
    char *v = NULL;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        return NULL;
    hid_t t = str_type();
    if (H5Aread(a, t, &v) < 0)
        v = NULL;
    H5Tclose(t);
    H5Aclose(a);
    return v;
}

static void free_layout(read_layout *r)
{
    free_strings(r->paths, r->lay.nfactors);
    free_strings(r->groups, r->lay.ngroups);
    free_strings(r->metrics, r->lay.nmetrics);
    if (r->method)
        H5free_memory(r->method);
    free(r->matrix);
    free(r->gint);
}

static bool read_ints(hid_t loc, const char *name, size_t n, int *v)
{
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        return false;
    bool okr = n == 0 || H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    H5Dclose(d);
    return okr;
}

/* Reads the layout of an open sweep file; false if it is not one. */
static bool read_layout_of(hid_t f, read_layout *r)
{
    memset(r, 0, sizeof *r);
    if (read_attr_int(f, "schema_version") != KOU_SWEEP_H5_SCHEMA_VERSION)
        return false;
    int64_t reps = read_attr_int(f, "replications"), seed = read_attr_int(f, "seed");
    if (reps < 1 || seed < 0)
        return false;
    r->lay.reps = (size_t)reps;
    r->lay.seed = (uint64_t)seed;
    hid_t g = H5Gopen2(f, "design", H5P_DEFAULT);
    if (g < 0)
        return false;
    r->method = read_attr_str(g, "method");
    H5Gclose(g);
    r->paths = read_strings(f, "design/factors", &r->lay.nfactors);
    r->groups = read_strings(f, "kpi/groups", &r->lay.ngroups);
    r->metrics = read_strings(f, "kpi/metrics", &r->lay.nmetrics);
    if (!r->method || !r->paths || !r->groups || !r->metrics)
        return false;
    hid_t d = H5Dopen2(f, "design/matrix", H5P_DEFAULT);
    if (d < 0)
        return false;
    hid_t sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    bool okr = H5Sget_simple_extent_ndims(sp) == 2 && H5Sget_simple_extent_dims(sp, dims, NULL) == 2 &&
               dims[1] == r->lay.nfactors;
    H5Sclose(sp);
    r->lay.npoints = (size_t)dims[0];
    size_t n = r->lay.npoints * r->lay.nfactors;
    r->matrix = malloc((n ? n : 1) * sizeof *r->matrix);
    KOU_CHECK(r->matrix != NULL);
    okr = okr && (n == 0 || H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->matrix) >= 0);
    H5Dclose(d);
    size_t ng = r->lay.ngroups;
    r->gint = malloc((3 * ng + 1) * sizeof *r->gint);
    KOU_CHECK(r->gint != NULL);
    okr = okr && read_ints(f, "kpi/group_port", ng, r->gint) && read_ints(f, "kpi/group_mode", ng, r->gint + ng) &&
          read_ints(f, "kpi/group_direction", ng, r->gint + 2 * ng);
    r->lay.method = r->method;
    r->lay.paths = (const char *const *)r->paths;
    r->lay.matrix = r->matrix;
    r->lay.groups = (const char *const *)r->groups;
    r->lay.group_port = r->gint;
    r->lay.group_mode = r->gint + ng;
    r->lay.group_dir = r->gint + 2 * ng;
    r->lay.metrics = (const char *const *)r->metrics;
    return okr;
}

static bool same_layout(const kou_sweep_layout *a, const kou_sweep_layout *b)
{
    if (strcmp(a->method, b->method) != 0 || a->nfactors != b->nfactors || a->npoints != b->npoints ||
        a->reps != b->reps || a->seed != b->seed || a->ngroups != b->ngroups || a->nmetrics != b->nmetrics)
        return false;
    for (size_t i = 0; i < a->nfactors; i++)
        if (strcmp(a->paths[i], b->paths[i]) != 0)
            return false;
    for (size_t i = 0; i < a->ngroups; i++)
        if (strcmp(a->groups[i], b->groups[i]) != 0)
            return false;
    for (size_t i = 0; i < a->nmetrics; i++)
        if (strcmp(a->metrics[i], b->metrics[i]) != 0)
            return false;
    return a->npoints * a->nfactors == 0 ||
           memcmp(a->matrix, b->matrix, a->npoints * a->nfactors * sizeof(double)) == 0;
}

int kou_sweep_h5_merge(const char *out, const char *const *inputs, size_t n, bool force, size_t *missing,
                       int *usage, char *err, size_t errlen)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    *usage = 0;
    *missing = 0;
    if (n == 0) {
        *usage = 1;
        snprintf(err, errlen, "no input files");
        return -1;
    }
    hid_t *f = calloc(n, sizeof *f);
    read_layout *rl = calloc(n, sizeof *rl);
    KOU_CHECK(f && rl);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        f[i] = H5Fis_hdf5(inputs[i]) > 0 ? H5Fopen(inputs[i], H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
        if (f[i] < 0 || !read_layout_of(f[i], &rl[i])) {
            snprintf(err, errlen, "%s: not a kouan sweep file (or missing)", inputs[i]);
            *usage = 1;
            rc = -1;
        } else if (i > 0 && !same_layout(&rl[0].lay, &rl[i].lay)) {
            snprintf(err, errlen, "%s: another sweep than %s (design, replications, seed or KPIs differ)",
                     inputs[i], inputs[0]);
            *usage = 1;
            rc = -1;
        }
    }
    kou_sweep_h5 *w = NULL;
    if (rc == 0) {
        bool exists;
        w = kou_sweep_h5_create(out, force, &rl[0].lay, &exists, err, errlen);
        if (w == NULL) {
            *usage = exists;
            if (exists)
                snprintf(err, errlen, "%s exists: refusing to overwrite it (--force overwrites it)", out);
            rc = -1;
        }
    }
    if (rc == 0) {
        static const char *const copy[] = {"scenario_path", "scenario_source", "design_path", "design_source",
                                           "era", "kouan_version", "commit", "command_line", NULL};
        for (size_t k = 0; copy[k]; k++) {
            char *v = read_attr_str(f[0], copy[k]);
            if (v)
                kou_sweep_h5_attr_str(w, copy[k], v);
            H5free_memory(v);
        }
        size_t nruns = rl[0].lay.npoints * rl[0].lay.reps, cells = rl[0].lay.ngroups * rl[0].lay.nmetrics;
        uint8_t *have = calloc(nruns ? nruns : 1, 1);
        run_row *rows = malloc((nruns ? nruns : 1) * sizeof *rows);
        double *k = malloc((nruns * cells > 0 ? nruns * cells : 1) * sizeof *k);
        KOU_CHECK(have && rows && k);
        hid_t rt = make_run_type();
        for (size_t i = 0; i < n && rc == 0; i++) {
            hid_t dr = H5Dopen2(f[i], "runs", H5P_DEFAULT), dk = H5Dopen2(f[i], "kpi/values", H5P_DEFAULT);
            if (dr < 0 || dk < 0 || (nruns > 0 && H5Dread(dr, rt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) ||
                (nruns * cells > 0 && H5Dread(dk, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, k) < 0)) {
                snprintf(err, errlen, "%s: cannot read /runs or /kpi/values", inputs[i]);
                rc = -1;
            }
            for (size_t r = 0; rc == 0 && r < nruns; r++) {
                if (rows[r].status != KOU_SWEEP_OK && rows[r].status != KOU_SWEEP_FAILED)
                    continue;
                if (have[r]) {
                    snprintf(err, errlen, "%s: point %zu replication %zu is also in an earlier input", inputs[i],
                             r / rl[0].lay.reps + 1, r % rl[0].lay.reps + 1);
                    *usage = 1;
                    rc = -1;
                    break;
                }
                have[r] = 1;
                rows[r].error[KOU_SWEEP_ERROR_LEN - 1] = '\0';
                kou_sweep_h5_run(w, r / rl[0].lay.reps, r % rl[0].lay.reps, rows[r].seed, rows[r].status,
                                 rows[r].error, rows[r].wall_seconds,
                                 rows[r].status == KOU_SWEEP_OK ? k + r * cells : NULL);
            }
            if (dr >= 0)
                H5Dclose(dr);
            if (dk >= 0)
                H5Dclose(dk);
        }
        H5Tclose(rt);
        for (size_t r = 0; r < nruns; r++)
            *missing += !have[r];
        free(have);
        free(rows);
        free(k);
        char herr[512] = "";
        if (kou_sweep_h5_close(w, rc == 0 && *missing == 0, herr, sizeof herr) != 0 && rc == 0) {
            snprintf(err, errlen, "%s: %s", out, herr);
            rc = -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (f[i] > 0)
            H5Fclose(f[i]);
        free_layout(&rl[i]);
    }
    free(f);
    free(rl);
    return rc;
}
