/*
** sweep_h5.c — see sweep_h5.h. On h5base: its string types, attributes,
** datasets and error discipline.
*/
#include "io/sweep_h5.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/h5base.h"
#include "kernel/base.h"

struct kou_sweep_h5 {
    hid_t file, runs, kpi, run_type;
    size_t npoints, reps, cells; /* cells: ngroups x nmetrics */
    char message[512];
    koui_h5_error error; /* into message: the first failure */
};

typedef struct run_row {
    uint32_t point, replication;
    uint64_t seed;
    int8_t status;
    char error[KOU_SWEEP_ERROR_LEN];
    double wall_seconds;
} run_row;

static kou_sweep_h5 *sweep_new(const kou_sweep_layout *lay)
{
    kou_sweep_h5 *w = calloc(1, sizeof *w);
    KOU_CHECK(w != NULL);
    w->file = w->runs = w->kpi = w->run_type = H5I_INVALID_HID;
    w->npoints = lay->npoints;
    w->reps = lay->reps;
    w->cells = lay->ngroups * lay->nmetrics;
    w->error = (koui_h5_error){w->message, sizeof w->message, false, KOU_OK};
    return w;
}

static hid_t make_run_type(void)
{
    hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(run_row));
    hid_t s = koui_h5_utf8_fixed(KOU_SWEEP_ERROR_LEN);
    H5Tinsert(t, "point", HOFFSET(run_row, point), H5T_NATIVE_UINT32);
    H5Tinsert(t, "replication", HOFFSET(run_row, replication), H5T_NATIVE_UINT32);
    H5Tinsert(t, "seed", HOFFSET(run_row, seed), H5T_NATIVE_UINT64);
    H5Tinsert(t, "status", HOFFSET(run_row, status), H5T_NATIVE_INT8);
    H5Tinsert(t, "error", HOFFSET(run_row, error), s);
    H5Tinsert(t, "wall_seconds", HOFFSET(run_row, wall_seconds), H5T_NATIVE_DOUBLE);
    H5Tclose(s);
    return t;
}

/* A 1-D dataset of n UTF-8 strings or ints, closed again. */
static void write_strings(kou_sweep_h5 *w, const char *path, size_t n, const char *const *v)
{
    hsize_t dim = n;
    hid_t t = koui_h5_utf8();
    hid_t d = koui_h5_write_dataset(&w->error, w->file, path, t, t, 1, &dim, H5P_DEFAULT, v);
    koui_h5_close_id(&d, H5Dclose);
    H5Tclose(t);
}

static void write_ints(kou_sweep_h5 *w, const char *path, size_t n, const int *v)
{
    hsize_t dim = n;
    hid_t d = koui_h5_write_dataset(&w->error, w->file, path, H5T_STD_I32LE, H5T_NATIVE_INT, 1, &dim, H5P_DEFAULT, v);
    koui_h5_close_id(&d, H5Dclose);
}

void kou_sweep_h5_attr_str(kou_sweep_h5 *w, const char *name, const char *value)
{
    if (w)
        koui_h5_write_attr_str(&w->error, w->file, name, value);
}

void kou_sweep_h5_attr_int(kou_sweep_h5 *w, const char *name, int64_t value)
{
    if (w)
        koui_h5_write_attr_int(&w->error, w->file, name, value);
}

static void flush(kou_sweep_h5 *w)
{
    if (!w->error.failed && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0)
        koui_h5_fail(&w->error, KOU_EIO, "cannot flush the file");
}

static void free_w(kou_sweep_h5 *w)
{
    koui_h5_close_id(&w->kpi, H5Dclose);
    koui_h5_close_id(&w->runs, H5Dclose);
    koui_h5_close_id(&w->run_type, H5Tclose);
    koui_h5_close_id(&w->file, H5Fclose);
    free(w);
}

/* The properties of /runs and /kpi/values: contiguous, allocated and
** filled at creation, so that a run only overwrites raw data in place. */
static hid_t in_place_props(void)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_layout(dcpl, H5D_CONTIGUOUS);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    return dcpl;
}

/* /design: the method, the factor paths and types, the points x factors matrix. */
static void create_design(kou_sweep_h5 *w, const kou_sweep_layout *lay)
{
    hid_t g = H5Gcreate2(w->file, "design", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        koui_h5_fail(&w->error, KOU_EIO, "cannot create /design");
        return;
    }
    koui_h5_write_attr_str(&w->error, g, "method", lay->method);
    H5Gclose(g);
    write_strings(w, "/design/factors", lay->nfactors, lay->paths);
    if (lay->types) /* what a reader turns the matrix's columns into: bool, int or float */
        write_strings(w, "/design/factor_types", lay->nfactors, lay->types);
    hsize_t md[2] = {lay->npoints, lay->nfactors};
    hid_t d = koui_h5_write_dataset(&w->error, w->file, "/design/matrix", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, md,
                                    H5P_DEFAULT, lay->matrix);
    koui_h5_close_id(&d, H5Dclose);
}

void kou_sweep_h5_sobol(kou_sweep_h5 *w, const char *group, const char *metric, const kou_sobol_indices *x,
                        size_t nboot)
{
    if (w == NULL || w->error.failed)
        return;
    if (H5Lexists(w->file, "sensitivity", H5P_DEFAULT) > 0)
        H5Ldelete(w->file, "sensitivity", H5P_DEFAULT);
    hid_t g = H5Gcreate2(w->file, "sensitivity", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        koui_h5_fail(&w->error, KOU_EIO, "cannot create /sensitivity");
        return;
    }
    koui_h5_write_attr_str(&w->error, g, "group", group);
    koui_h5_write_attr_str(&w->error, g, "metric", metric);
    koui_h5_write_attr_str(&w->error, g, "estimators", "first order Saltelli 2010, total order Jansen 1999, "
                           "95% percentile bootstrap over the base points");
    koui_h5_write_attr_int(&w->error, g, "base_points", (int64_t)x->nbase);
    koui_h5_write_attr_int(&w->error, g, "bootstrap", (int64_t)nboot);
    koui_h5_write_attr_double(&w->error, g, "mean", x->mean);
    koui_h5_write_attr_double(&w->error, g, "variance", x->var);
    const char *names[6] = {"first_order", "first_order_lo", "first_order_hi",
                            "total_order", "total_order_lo", "total_order_hi"};
    const double *v[6] = {x->s1, x->s1_lo, x->s1_hi, x->st, x->st_lo, x->st_hi};
    hsize_t n = x->nfactors;
    for (size_t k = 0; k < 6; k++) {
        hid_t d = koui_h5_write_dataset(&w->error, g, names[k], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n,
                                        H5P_DEFAULT, v[k]);
        koui_h5_close_id(&d, H5Dclose);
    }
    H5Gclose(g);
}

/* /runs: every row at its place, status 0 (not run). */
static void create_runs(kou_sweep_h5 *w, const kou_sweep_layout *lay, hid_t dcpl)
{
    w->run_type = make_run_type();
    hid_t ft = H5Tcopy(w->run_type); /* the file type: packed, the same on every machine */
    H5Tpack(ft);
    hsize_t rd = lay->npoints * lay->reps;
    w->runs = koui_h5_write_dataset(&w->error, w->file, "/runs", ft, H5I_INVALID_HID, 1, &rd, dcpl, NULL);
    H5Tclose(ft);
    if (w->runs >= 0)
        koui_h5_write_attr_str(&w->error, w->runs, "status_values",
                               "0 not run, 1 ok, 2 failed (error holds the message)");
}

/* /kpi: the groups and metrics, and the values, NaN until a run writes them. */
static void create_kpi(kou_sweep_h5 *w, const kou_sweep_layout *lay, hid_t dcpl)
{
    hid_t g = H5Gcreate2(w->file, "kpi", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0) {
        koui_h5_fail(&w->error, KOU_EIO, "cannot create /kpi");
        return;
    }
    H5Gclose(g);
    write_strings(w, "/kpi/groups", lay->ngroups, lay->groups);
    write_ints(w, "/kpi/group_port", lay->ngroups, lay->group_port);
    write_ints(w, "/kpi/group_mode", lay->ngroups, lay->group_mode);
    write_ints(w, "/kpi/group_direction", lay->ngroups, lay->group_dir);
    write_strings(w, "/kpi/metrics", lay->nmetrics, lay->metrics);
    hsize_t kd[4] = {lay->npoints, lay->reps, lay->ngroups, lay->nmetrics};
    double nan = NAN;
    H5Pset_fill_value(dcpl, H5T_NATIVE_DOUBLE, &nan);
    w->kpi = koui_h5_write_dataset(&w->error, w->file, "/kpi/values", H5T_IEEE_F64LE, H5I_INVALID_HID, 4, kd, dcpl,
                                   NULL);
    if (w->kpi >= 0)
        koui_h5_write_attr_str(&w->error, w->kpi, "dimensions", "point, replication, group, metric");
}

kou_sweep_h5 *kou_sweep_h5_create(const char *path, bool force, const kou_sweep_layout *lay,
                                  bool *exists, char *err, size_t errlen)
{
    /* made as PATH.part and renamed once its skeleton is on disk: a kill
    ** while HDF5 creates it leaves no unreadable file under the name that
    ** --resume continues */
    char part[4096];
    *exists = access(path, F_OK) == 0;
    if (*exists && !force) {
        snprintf(err, errlen, "%s exists", path);
        return NULL;
    }
    if (snprintf(part, sizeof part, "%s.part", path) >= (int)sizeof part) {
        snprintf(err, errlen, "%s: the path is too long", path);
        return NULL;
    }
    *exists = false;
    kou_sweep_h5 *w = sweep_new(lay);
    w->file = koui_h5_create_file(&w->error, part, true, H5P_DEFAULT, H5P_DEFAULT, NULL);
    if (w->file < 0) {
        snprintf(err, errlen, "%s", w->message);
        free_w(w);
        return NULL;
    }
    koui_h5_write_attr_str(&w->error, w->file, "kind", "kouan sweep");
    koui_h5_write_attr_int(&w->error, w->file, "schema_version", KOU_SWEEP_H5_SCHEMA_VERSION);
    koui_h5_write_attr_int(&w->error, w->file, "complete", 0);
    koui_h5_write_attr_int(&w->error, w->file, "replications", (int64_t)lay->reps);
    koui_h5_write_attr_int(&w->error, w->file, "seed", (int64_t)lay->seed);
    create_design(w, lay);
    hid_t dcpl = in_place_props();
    create_runs(w, lay, dcpl);
    create_kpi(w, lay, dcpl);
    H5Pclose(dcpl);
    flush(w);
    if (!w->error.failed && rename(part, path) != 0)
        koui_h5_fail(&w->error, KOU_EIO, "cannot rename %s to %s: %s", part, path, strerror(errno));
    if (w->error.failed) {
        snprintf(err, errlen, "%s: %s", path, w->message);
        free_w(w);
        remove(part);
        return NULL;
    }
    return w;
}

/* A 1-D string dataset: its strings (the library's), *n of them; NULL
** when it cannot be read. */
static char **read_strings(hid_t loc, const char *name, size_t *n)
{
    *n = 0;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    hid_t sp = H5Dget_space(d);
    hssize_t m = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    koui_h5_close_id(&sp, H5Sclose);
    if (m < 0) {
        H5Dclose(d);
        return NULL;
    }
    char **v = calloc(m > 0 ? (size_t)m : 1, sizeof *v);
    KOU_CHECK(v != NULL);
    hid_t t = koui_h5_utf8();
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

static bool read_strings_equal(hid_t loc, const char *name, size_t n, const char *const *v)
{
    size_t m;
    char **got = read_strings(loc, name, &m);
    bool same = got != NULL && m == n;
    for (size_t i = 0; same && i < n; i++)
        same = got[i] != NULL && strcmp(got[i], v[i]) == 0;
    free_strings(got, m);
    return same;
}

/* Integer attribute name of loc, or -1 (absent, not an integer, unreadable). */
static int64_t read_attr_int(hid_t loc, const char *name)
{
    char msg[128];
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    const koui_h5_attrs at = {loc, "", "", ""};
    long long v;
    return koui_h5_attr_number(&e, &at, name, true, H5T_NATIVE_LLONG, &v) == 1 ? (int64_t)v : -1;
}

/* String attribute name of loc: a new string, or NULL (absent, not one
** string, unreadable). */
static char *read_attr_str(hid_t loc, const char *name)
{
    char msg[128], *v = NULL;
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    const koui_h5_attrs at = {loc, "", "", ""};
    if (koui_h5_attr_string(&e, &at, name, &v) != 1) {
        free(v);
        v = NULL;
    }
    return v;
}

/* What differs between the open file's layout and lay, or NULL. */
static const char *layout_differs(hid_t file, const kou_sweep_layout *lay)
{
    if (read_attr_int(file, "schema_version") != KOU_SWEEP_H5_SCHEMA_VERSION)
        return "not a kouan sweep file of this schema version";
    if (read_attr_int(file, "replications") != (int64_t)lay->reps)
        return "the replications differ";
    if (read_attr_int(file, "seed") != (int64_t)lay->seed)
        return "the seed differs";
    if (!read_strings_equal(file, "design/factors", lay->nfactors, lay->paths))
        return "the factors differ";
    if (!read_strings_equal(file, "kpi/groups", lay->ngroups, lay->groups))
        return "the KPI groups differ";
    if (!read_strings_equal(file, "kpi/metrics", lay->nmetrics, lay->metrics))
        return "the KPI metrics differ";
    size_t n = lay->npoints * lay->nfactors;
    double *m = malloc((n ? n : 1) * sizeof *m);
    KOU_CHECK(m != NULL);
    hid_t d = H5Dopen2(file, "design/matrix", H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : H5I_INVALID_HID;
    bool differs = d < 0 || H5Sget_simple_extent_npoints(sp) != (hssize_t)n ||
                   (n > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, m) < 0) ||
                   (n > 0 && memcmp(m, lay->matrix, n * sizeof *m) != 0);
    koui_h5_close_id(&sp, H5Sclose);
    koui_h5_close_id(&d, H5Dclose);
    free(m);
    return differs ? "the design matrix differs (another method, seed, points or factor range?)" : NULL;
}

/* Opens /runs and /kpi/values of a resumed file and reads each run's
** status; false when they cannot be read. */
static bool read_statuses(kou_sweep_h5 *w, uint8_t *status)
{
    w->runs = H5Dopen2(w->file, "runs", H5P_DEFAULT);
    w->kpi = H5Dopen2(w->file, "kpi/values", H5P_DEFAULT);
    w->run_type = make_run_type();
    size_t n = w->npoints * w->reps;
    run_row *rows = malloc((n ? n : 1) * sizeof *rows);
    KOU_CHECK(rows != NULL);
    hid_t sp = w->runs >= 0 ? H5Dget_space(w->runs) : H5I_INVALID_HID;
    bool good = w->runs >= 0 && w->kpi >= 0 && H5Sget_simple_extent_npoints(sp) == (hssize_t)n &&
                (n == 0 || H5Dread(w->runs, w->run_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    for (size_t i = 0; good && i < n; i++)
        status[i] = rows[i].status == KOU_SWEEP_OK || rows[i].status == KOU_SWEEP_FAILED ? (uint8_t)rows[i].status
                                                                                          : KOU_SWEEP_NOT_RUN;
    koui_h5_close_id(&sp, H5Sclose);
    free(rows);
    return good;
}

kou_sweep_h5 *kou_sweep_h5_resume(const char *path, const kou_sweep_layout *lay, uint8_t *status,
                                  char *err, size_t errlen)
{
    koui_h5_quiet();
    if (H5Fis_hdf5(path) <= 0) {
        snprintf(err, errlen, "%s: not an HDF5 file (or missing): nothing to resume", path);
        return NULL;
    }
    kou_sweep_h5 *w = sweep_new(lay);
    w->file = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    const char *what = w->file < 0 ? "cannot open it" : layout_differs(w->file, lay);
    if (what == NULL && !read_statuses(w, status))
        what = "cannot read /runs";
    if (what) {
        snprintf(err, errlen, "%s: cannot resume: %s", path, what);
        free_w(w);
        return NULL;
    }
    koui_h5_write_attr_int(&w->error, w->file, "complete", 0);
    flush(w);
    return w;
}

/* Writes the KPIs of run (point, rep) in place: NaN when kpi is NULL. */
static void write_run_kpis(kou_sweep_h5 *w, size_t point, size_t rep, const double *kpi)
{
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
        koui_h5_fail(&w->error, KOU_EIO, "cannot write /kpi/values");
    free(nan);
    H5Sclose(ms);
    H5Sclose(fs);
}

void kou_sweep_h5_run(kou_sweep_h5 *w, size_t point, size_t rep, uint64_t seed, int status,
                      const char *error, double wall_seconds, const double *kpi)
{
    if (w == NULL || w->error.failed)
        return;
    if (w->cells > 0) {
        write_run_kpis(w, point, rep, kpi);
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
    hsize_t start = point * w->reps + rep, one = 1;
    hid_t fs = H5Dget_space(w->runs), ms = H5Screate_simple(1, &one, NULL);
    if (H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL) < 0 ||
        H5Dwrite(w->runs, w->run_type, ms, fs, H5P_DEFAULT, &r) < 0)
        koui_h5_fail(&w->error, KOU_EIO, "cannot write /runs");
    H5Sclose(ms);
    H5Sclose(fs);
    flush(w);
}

const char *kou_sweep_h5_error(const kou_sweep_h5 *w)
{
    return w && w->error.failed ? w->message : NULL;
}

int kou_sweep_h5_close(kou_sweep_h5 *w, bool complete, char *err, size_t errlen)
{
    if (w == NULL)
        return 0;
    if (complete)
        koui_h5_write_attr_int(&w->error, w->file, "complete", 1);
    flush(w);
    int rc = 0;
    if (w->error.failed) {
        snprintf(err, errlen, "%s", w->message);
        rc = -1;
    }
    free_w(w);
    return rc;
}

/* ---- merging shards ---- */

typedef struct read_layout {
    kou_sweep_layout lay;
    char **paths, **types, **groups, **metrics, *method;
    double *matrix;
    int *gint;
} read_layout;

static void free_layout(read_layout *r)
{
    free_strings(r->paths, r->lay.nfactors);
    if (r->types)
        free_strings(r->types, r->lay.nfactors);
    free_strings(r->groups, r->lay.ngroups);
    free_strings(r->metrics, r->lay.nmetrics);
    free(r->method);
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

/* /design/matrix of f into r (its rows are the points). */
static bool read_matrix(hid_t f, read_layout *r)
{
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
    if (!r->method || !r->paths || !r->groups || !r->metrics || !read_matrix(f, r))
        return false;
    if (H5Lexists(f, "design/factor_types", H5P_DEFAULT) > 0) { /* files before it have none */
        size_t nt = 0;
        r->types = read_strings(f, "design/factor_types", &nt);
        if (r->types == NULL || nt != r->lay.nfactors) {
            free_strings(r->types, nt);
            r->types = NULL;
            return false;
        }
    }
    size_t ng = r->lay.ngroups;
    r->gint = malloc((3 * ng + 1) * sizeof *r->gint);
    KOU_CHECK(r->gint != NULL);
    bool okr = read_ints(f, "kpi/group_port", ng, r->gint) && read_ints(f, "kpi/group_mode", ng, r->gint + ng) &&
               read_ints(f, "kpi/group_direction", ng, r->gint + 2 * ng);
    r->lay.method = r->method;
    r->lay.paths = (const char *const *)r->paths;
    r->lay.types = (const char *const *)r->types;
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

/* The inputs of a merge, open, with their layouts. */
typedef struct shards {
    const char *const *paths;
    size_t n;
    hid_t *f;
    read_layout *rl;
} shards;

/* Opens every input and reads its layout: all must be sweep files of one
** sweep. -1 with the message (a usage error) when not. */
static int shards_open(shards *s, char *err, size_t errlen)
{
    for (size_t i = 0; i < s->n; i++) {
        s->f[i] = H5Fis_hdf5(s->paths[i]) > 0 ? H5Fopen(s->paths[i], H5F_ACC_RDONLY, H5P_DEFAULT)
                                              : H5I_INVALID_HID;
        if (s->f[i] < 0 || !read_layout_of(s->f[i], &s->rl[i])) {
            snprintf(err, errlen, "%s: not a kouan sweep file (or missing)", s->paths[i]);
            return -1;
        }
        if (i > 0 && !same_layout(&s->rl[0].lay, &s->rl[i].lay)) {
            snprintf(err, errlen, "%s: another sweep than %s (design, replications, seed or KPIs differ)",
                     s->paths[i], s->paths[0]);
            return -1;
        }
    }
    return 0;
}

static void shards_close(shards *s)
{
    for (size_t i = 0; i < s->n; i++) {
        koui_h5_close_id(&s->f[i], H5Fclose);
        free_layout(&s->rl[i]);
    }
    free(s->f);
    free(s->rl);
}

/* The root attributes that say what was swept, from the first input. */
static void copy_root_attributes(kou_sweep_h5 *w, hid_t from)
{
    static const char *const copy[] = {"scenario_path", "scenario_source", "design_path", "design_source",
                                       "era", "kouan_version", "commit", "command_line", NULL};
    for (size_t k = 0; copy[k]; k++) {
        char *v = read_attr_str(from, copy[k]);
        if (v)
            kou_sweep_h5_attr_str(w, copy[k], v);
        free(v);
    }
}

/* Copies the recorded runs of input i into w, marking them in have. -1
** with the message when the input cannot be read, and also *usage when a
** run is recorded twice. */
static int copy_runs(kou_sweep_h5 *w, const shards *s, size_t i, uint8_t *have, int *usage, char *err,
                     size_t errlen)
{
    const kou_sweep_layout *lay = &s->rl[0].lay;
    size_t nruns = lay->npoints * lay->reps, cells = lay->ngroups * lay->nmetrics;
    run_row *rows = malloc((nruns ? nruns : 1) * sizeof *rows);
    double *k = malloc((nruns * cells > 0 ? nruns * cells : 1) * sizeof *k);
    KOU_CHECK(rows && k);
    hid_t rt = make_run_type();
    hid_t dr = H5Dopen2(s->f[i], "runs", H5P_DEFAULT), dk = H5Dopen2(s->f[i], "kpi/values", H5P_DEFAULT);
    int rc = 0;
    if (dr < 0 || dk < 0 || (nruns > 0 && H5Dread(dr, rt, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0) ||
        (nruns * cells > 0 && H5Dread(dk, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, k) < 0)) {
        snprintf(err, errlen, "%s: cannot read /runs or /kpi/values", s->paths[i]);
        rc = -1;
    }
    for (size_t r = 0; rc == 0 && r < nruns; r++) {
        if (rows[r].status != KOU_SWEEP_OK && rows[r].status != KOU_SWEEP_FAILED)
            continue;
        if (have[r]) {
            snprintf(err, errlen, "%s: point %zu replication %zu is also in an earlier input", s->paths[i],
                     r / lay->reps + 1, r % lay->reps + 1);
            *usage = 1;
            rc = -1;
            break;
        }
        have[r] = 1;
        rows[r].error[KOU_SWEEP_ERROR_LEN - 1] = '\0';
        kou_sweep_h5_run(w, r / lay->reps, r % lay->reps, rows[r].seed, rows[r].status, rows[r].error,
                         rows[r].wall_seconds, rows[r].status == KOU_SWEEP_OK ? k + r * cells : NULL);
    }
    koui_h5_close_id(&dr, H5Dclose);
    koui_h5_close_id(&dk, H5Dclose);
    H5Tclose(rt);
    free(rows);
    free(k);
    return rc;
}

/* Writes out from the open shards: their runs, then complete when none is
** missing. */
static int merge_into(const char *out, const shards *s, bool force, size_t *missing, int *usage, char *err,
                      size_t errlen)
{
    bool exists;
    kou_sweep_h5 *w = kou_sweep_h5_create(out, force, &s->rl[0].lay, &exists, err, errlen);
    if (w == NULL) {
        *usage = exists;
        if (exists)
            snprintf(err, errlen, "%s exists: refusing to overwrite it (--force overwrites it)", out);
        return -1;
    }
    copy_root_attributes(w, s->f[0]);
    size_t nruns = s->rl[0].lay.npoints * s->rl[0].lay.reps;
    uint8_t *have = calloc(nruns ? nruns : 1, 1);
    KOU_CHECK(have != NULL);
    int rc = 0;
    for (size_t i = 0; i < s->n && rc == 0; i++)
        rc = copy_runs(w, s, i, have, usage, err, errlen);
    for (size_t r = 0; r < nruns; r++)
        *missing += !have[r];
    free(have);
    char herr[512] = "";
    if (kou_sweep_h5_close(w, rc == 0 && *missing == 0, herr, sizeof herr) != 0 && rc == 0) {
        snprintf(err, errlen, "%s: %s", out, herr);
        rc = -1;
    }
    return rc;
}

int kou_sweep_h5_merge(const char *out, const char *const *inputs, size_t n, bool force, size_t *missing,
                       int *usage, char *err, size_t errlen)
{
    koui_h5_quiet();
    *usage = 0;
    *missing = 0;
    if (n == 0) {
        *usage = 1;
        snprintf(err, errlen, "no input files");
        return -1;
    }
    shards s = {inputs, n, calloc(n, sizeof(hid_t)), calloc(n, sizeof(read_layout))};
    KOU_CHECK(s.f && s.rl);
    for (size_t i = 0; i < n; i++)
        s.f[i] = H5I_INVALID_HID;
    int rc = shards_open(&s, err, errlen);
    if (rc != 0)
        *usage = 1;
    else
        rc = merge_into(out, &s, force, missing, usage, err, errlen);
    shards_close(&s);
    return rc;
}
