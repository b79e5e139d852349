/*
** h5process.c — the process-run file (h5process.h). The layout is flat:
** datasets under the root, the series of every replication and object
** concatenated in one table with an index of (first row, rows) per
** replication and object, which h5py slices directly. Containers and
** stores have one group each (/containers, /stores) holding the same five
** datasets (names, columns, stats, series, series_index) and the names of
** the series' columns; a file without them (an older kouan's) has none.
*/
#include "io/h5process.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5base.h"

#define MC KOU_PRUN_MON_COLS
#define MAX_EXTENT 1000000u             /* replications, objects, columns */
#define MAX_ROWS ((hsize_t)1 << 28)     /* rows of a series table */
#define MAX_VALUES ((double)((size_t)1 << 27)) /* doubles of a statistics array: 1 GiB */
#define FNV KOU_PRUN_FAC_NV

/* Which series table: the resources', the monitors', or 2 + k, facility kind k's. */
enum { S_RES = 0, S_MON = 1, S_FAC = 2 };

static size_t series_objects(const kou_prun *p, int what)
{
    return what == S_RES ? p->layout.nres : what == S_MON ? p->layout.nmon : p->layout.nfac[what - S_FAC];
}

static size_t series_values(int what)
{
    return what == S_RES ? 2 : what == S_MON ? 1 : FNV;
}

/* Replication r's series of that table (nobj entries). */
static const kou_prun_series *series_of(const kou_prun *p, size_t r, int what)
{
    const kou_prun_rep *rep = &p->reps[r];
    return what == S_RES ? rep->res_ts : what == S_MON ? rep->mon_ts : rep->fac_ts[what - S_FAC];
}

/* Where the reader puts them. */
static kou_prun_series **series_slot(kou_prun *p, size_t r, int what)
{
    kou_prun_rep *rep = &p->reps[r];
    return what == S_RES ? &rep->res_ts : what == S_MON ? &rep->mon_ts : &rep->fac_ts[what - S_FAC];
}

/* ---- writing ---- */

/* Dataset creation without object times: the same results, the same bytes. */
static hid_t timeless(void)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, false);
    return dcpl;
}

static void strings(koui_h5_error *e, hid_t file, const char *name, const char *const *v, size_t n)
{
    hid_t st = koui_h5_utf8(), dcpl = timeless();
    hsize_t dims[1] = {n};
    hid_t ds = koui_h5_write_dataset(e, file, name, st, st, 1, dims, dcpl, v);
    koui_h5_close_id(&ds, H5Dclose);
    H5Pclose(dcpl);
    H5Tclose(st);
}

static void numbers(koui_h5_error *e, hid_t file, const char *name, hid_t ft, hid_t mt, int rank,
                    const hsize_t *dims, const void *v)
{
    hid_t dcpl = timeless();
    hid_t ds = koui_h5_write_dataset(e, file, name, ft, mt, rank, dims, dcpl, v);
    koui_h5_close_id(&ds, H5Dclose);
    H5Pclose(dcpl);
}

static void write_root(koui_h5_error *e, hid_t file, const kou_prun *p)
{
    koui_h5_write_attr_int(e, file, "complete", 0);
    koui_h5_write_attr_str(e, file, "schema", KOU_H5P_SCHEMA);
    koui_h5_write_attr_int(e, file, "schema_version", KOU_H5P_SCHEMA_VERSION);
    koui_h5_write_attr_str(e, file, "title", p->title);
    koui_h5_write_attr_str(e, file, "scenario_path", p->script);
    koui_h5_write_attr_str(e, file, "command_line", p->command_line);
    koui_h5_write_attr_int(e, file, "seed", (int64_t)p->seed);
    koui_h5_write_attr_int(e, file, "replications", (int64_t)p->nreps);
    koui_h5_write_attr_double(e, file, "until_hours", p->until);
    koui_h5_write_attr_double(e, file, "sample_hours", p->sample_hours);
}

static void write_names(koui_h5_error *e, hid_t file, const kou_prun *p)
{
    const kou_prun_layout *l = &p->layout;
    strings(e, file, "/set_keys", (const char *const *)p->set_key, p->nset);
    strings(e, file, "/set_values", (const char *const *)p->set_value, p->nset);
    strings(e, file, "/resource_names", (const char *const *)l->res_names, l->nres);
    strings(e, file, "/resource_columns", (const char *const *)l->cols, l->ncols);
    strings(e, file, "/monitor_names", (const char *const *)l->mon_names, l->nmon);
    const char **kinds = koui_calloc(l->nmon + 1, sizeof *kinds), *cols[MC];
    for (size_t j = 0; j < l->nmon; j++)
        kinds[j] = kou_prun_kind_name(l->mon_kinds[j]);
    for (int c = 0; c < MC; c++)
        cols[c] = kou_prun_mon_col_name(c);
    strings(e, file, "/monitor_kinds", kinds, l->nmon);
    strings(e, file, "/monitor_columns", cols, MC);
    free(kinds);
}

static void write_stats(koui_h5_error *e, hid_t file, const kou_prun *p)
{
    const kou_prun_layout *l = &p->layout;
    size_t R = p->nreps, nr = l->nres * l->ncols, nm = l->nmon * MC;
    double *res = koui_calloc(R * nr + 1, sizeof *res), *mon = koui_calloc(R * nm + 1, sizeof *mon);
    double *end = koui_calloc(R + 1, sizeof *end);
    int64_t *ints = koui_calloc(2 * R + 1, sizeof *ints);
    for (size_t r = 0; r < R; r++) {
        const kou_prun_rep *rep = &p->reps[r];
        if (nr)
            memcpy(res + r * nr, rep->res, nr * sizeof *res);
        if (nm)
            memcpy(mon + r * nm, rep->mon, nm * sizeof *mon);
        end[r] = rep->end_time;
        ints[r] = (int64_t)rep->seed;
        ints[R + r] = (int64_t)rep->events;
    }
    hsize_t dr[3] = {R, l->nres, l->ncols}, dm[3] = {R, l->nmon, MC}, d1[1] = {R};
    numbers(e, file, "/resource_stats", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dr, res);
    numbers(e, file, "/monitor_stats", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dm, mon);
    numbers(e, file, "/replication_seed", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, d1, ints);
    numbers(e, file, "/replication_events", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, d1, ints + R);
    numbers(e, file, "/replication_end_time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, d1, end);
    free(res);
    free(mon);
    free(end);
    free(ints);
}

/* Rows of a series table written at a time: the table is built block by
** block, so writing it needs one block of memory, not a second copy of
** every replication's series (which the soak measured: docs/hardening.md). */
#define SERIES_BLOCK 4096

/* Rows [first, first + n) of the table ds of nv + 1 columns, from v. */
static void write_rows(koui_h5_error *e, hid_t ds, const char *name, size_t nv, hsize_t first, hsize_t n,
                       const double *v)
{
    if (e->failed || n == 0)
        return;
    hsize_t start[2] = {first, 0}, count[2] = {n, nv + 1};
    hid_t fs = H5Dget_space(ds), ms = H5Screate_simple(2, count, NULL);
    if (fs < 0 || ms < 0 || H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
        H5Dwrite(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, v) < 0)
        koui_h5_fail(e, KOU_EIO, "cannot write %s", name);
    if (ms >= 0)
        H5Sclose(ms);
    if (fs >= 0)
        H5Sclose(fs);
}

/* One series table, of nv values a point and nobj objects per replication. */
static void write_series(koui_h5_error *e, hid_t file, const kou_prun *p, int what, const char *name,
                         const char *index_name)
{
    size_t R = p->nreps, nobj = series_objects(p, what), nv = series_values(what), rows = 0;
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < nobj; i++)
            rows += series_of(p, r, what)[i].n;
    int64_t *index = koui_malloc((R * nobj * 2 + 1) * sizeof *index);
    hsize_t dv[2] = {rows, nv + 1}, di[3] = {R, nobj, 2};
    hid_t dcpl = timeless();
    hid_t ds = koui_h5_write_dataset(e, file, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dv, dcpl, NULL);
    H5Pclose(dcpl);
    size_t block = rows < SERIES_BLOCK ? rows : SERIES_BLOCK;
    double *v = koui_malloc((block * (nv + 1) + 1) * sizeof *v);
    size_t row = 0, held = 0; /* rows written before the block, rows in it */
    for (size_t r = 0; r < R; r++)
        for (size_t i = 0; i < nobj; i++) {
            const kou_prun_series *s = &series_of(p, r, what)[i];
            index[(r * nobj + i) * 2] = (int64_t)(row + held);
            index[(r * nobj + i) * 2 + 1] = (int64_t)s->n;
            for (size_t k = 0; k < s->n; k++) {
                v[held * (nv + 1)] = s->t[k];
                for (size_t c = 0; c < nv; c++)
                    v[held * (nv + 1) + 1 + c] = s->v[c][k];
                if (++held == block) {
                    write_rows(e, ds, name, nv, row, held, v);
                    row += held;
                    held = 0;
                }
            }
        }
    write_rows(e, ds, name, nv, row, held, v);
    koui_h5_close_id(&ds, H5Dclose);
    numbers(e, file, index_name, H5T_STD_I64LE, H5T_NATIVE_INT64, 3, di, index);
    free(v);
    free(index);
}

/* "/containers/NAME" (or /stores) into buf. */
static const char *fac_path(char *buf, size_t len, kou_prun_fac k, const char *name)
{
    snprintf(buf, len, "/%s/%s", kou_prun_fac_plural(k), name);
    return buf;
}

/* The names of a facility series' columns: t, then level or size, puts and gets waiting. */
static void fac_series_cols(kou_prun_fac k, const char **cols)
{
    cols[0] = "t";
    for (int c = 0; c < FNV; c++)
        cols[1 + c] = kou_prun_fac_series_name(k, c);
}

/* The group of one kind of facility (created without times, as the root). */
static void write_facilities(koui_h5_error *e, hid_t file, const kou_prun *p, kou_prun_fac k)
{
    const kou_prun_layout *l = &p->layout;
    char path[64], path2[64];
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(gcpl, false);
    snprintf(path, sizeof path, "/%s", kou_prun_fac_plural(k));
    hid_t g = e->failed ? H5I_INVALID_HID : H5Gcreate2(file, path, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    H5Pclose(gcpl);
    if (g < 0) {
        if (!e->failed)
            koui_h5_fail(e, KOU_EIO, "cannot create %s", path);
        return;
    }
    H5Gclose(g);
    const char *cols[FNV + 1];
    fac_series_cols(k, cols);
    strings(e, file, fac_path(path, sizeof path, k, "names"), (const char *const *)l->fac_names[k], l->nfac[k]);
    strings(e, file, fac_path(path, sizeof path, k, "columns"), (const char *const *)l->fac_cols[k],
            l->nfcols[k]);
    strings(e, file, fac_path(path, sizeof path, k, "series_columns"), cols, FNV + 1);
    size_t R = p->nreps, nv = l->nfac[k] * l->nfcols[k];
    double *v = koui_calloc(R * nv + 1, sizeof *v);
    for (size_t r = 0; r < R && nv; r++)
        memcpy(v + r * nv, p->reps[r].fac[k], nv * sizeof *v);
    hsize_t d[3] = {R, l->nfac[k], l->nfcols[k]};
    numbers(e, file, fac_path(path, sizeof path, k, "stats"), H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d, v);
    free(v);
    write_series(e, file, p, S_FAC + (int)k, fac_path(path, sizeof path, k, "series"),
                 fac_path(path2, sizeof path2, k, "series_index"));
}

int kou_h5p_write(const char *path, const kou_prun *p, bool force, bool *exists, char *err, size_t errlen)
{
    char msg[700] = "";
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    koui_h5_quiet();
    *exists = false;
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(fcpl, false); /* the root group's times too */
    hid_t file = koui_h5_create_file(&e, path, force, fcpl, H5P_DEFAULT, exists);
    H5Pclose(fcpl);
    if (file >= 0) {
        write_root(&e, file, p);
        write_names(&e, file, p);
        write_stats(&e, file, p);
        write_series(&e, file, p, S_RES, "/resource_series", "/resource_series_index");
        write_series(&e, file, p, S_MON, "/monitor_series", "/monitor_series_index");
        write_facilities(&e, file, p, KOU_PRUN_CONTAINER);
        write_facilities(&e, file, p, KOU_PRUN_STORE);
        koui_h5_write_attr_int(&e, file, "complete", p->complete ? 1 : 0);
        if (H5Fclose(file) < 0)
            koui_h5_fail(&e, KOU_EIO, "cannot close the file");
    }
    if (!e.failed)
        return 0;
    snprintf(err, errlen, "%s: %s%s", path, msg, *exists ? " (--force overwrites it)" : "");
    return -1;
}

/* ---- reading ---- */

/* Series tables may have MAX_ROWS rows; every other extent is at most
** MAX_EXTENT. */
static const koui_h5_shape rows_shape = {MAX_ROWS, MAX_EXTENT, "", "this file's replications and objects"};
static const koui_h5_shape table_shape = {MAX_EXTENT, MAX_EXTENT, "", "this file's replications and objects"};

static bool read_exact(koui_h5_error *e, hid_t file, const char *name, int rank, const hsize_t *want, hid_t mtype,
                       void *buf)
{
    return koui_h5_read_exact(e, file, name, rank, want, mtype, buf, &rows_shape);
}

/* n strings of dataset name into a new array *out (n + 1 entries). */
static bool read_strings(koui_h5_error *e, hid_t file, const char *name, size_t n, char ***out)
{
    char **v = koui_calloc(n + 1, sizeof *v);
    hsize_t want[1] = {n};
    hid_t st = koui_h5_utf8();
    bool ok = read_exact(e, file, name, 1, want, st, v);
    H5Tclose(st);
    char **c = koui_calloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i] = koui_h5_copy_bytes(ok ? v[i] : NULL, KOUI_H5_MAX_STRING);
        free(v[i]);
    }
    free(v);
    *out = c;
    return ok;
}

/* The extent of a 1-D dataset (bounded). */
static bool extent1(koui_h5_error *e, hid_t file, const char *name, size_t *n)
{
    hsize_t d[1];
    hid_t ds = koui_h5_open_shaped(e, file, name, 1, d, &table_shape);
    koui_h5_close_id(&ds, H5Dclose);
    *n = e->failed ? 0 : (size_t)d[0];
    return !e->failed;
}

static bool read_root(koui_h5_error *e, hid_t file, kou_prun *p)
{
    const koui_h5_attrs root = {file, "attribute ", " of /", "cannot read the attributes of /"};
    char *schema = NULL;
    long long version = 0, complete = 0, seed = 0;
    bool ok = koui_h5_attr_string(e, &root, "schema", &schema) >= 0 && strcmp(schema, KOU_H5P_SCHEMA) == 0;
    if (!ok && !e->failed)
        koui_h5_fail(e, KOU_EINVAL, "not a process-run file (schema '%s')", schema ? schema : "");
    free(schema);
    if (ok && (koui_h5_attr_number(e, &root, "schema_version", true, H5T_NATIVE_LLONG, &version) <= 0 ||
               version != KOU_H5P_SCHEMA_VERSION))
        ok = koui_h5_fail(e, KOU_EINVAL, "schema_version %lld is not supported (this kouan reads %d)", version,
                          KOU_H5P_SCHEMA_VERSION) == KOU_OK;
    ok = ok && koui_h5_attr_number(e, &root, "complete", true, H5T_NATIVE_LLONG, &complete) >= 0 &&
         koui_h5_attr_number(e, &root, "seed", true, H5T_NATIVE_LLONG, &seed) >= 0 &&
         koui_h5_attr_number(e, &root, "until_hours", false, H5T_NATIVE_DOUBLE, &p->until) >= 0 &&
         koui_h5_attr_number(e, &root, "sample_hours", false, H5T_NATIVE_DOUBLE, &p->sample_hours) >= 0;
    free(p->title);
    free(p->script);
    free(p->command_line);
    p->title = p->script = p->command_line = NULL;
    ok = ok && koui_h5_attr_string(e, &root, "title", &p->title) >= 0 &&
         koui_h5_attr_string(e, &root, "scenario_path", &p->script) >= 0 &&
         koui_h5_attr_string(e, &root, "command_line", &p->command_line) >= 0;
    p->complete = complete != 0;
    p->seed = (uint64_t)seed;
    return ok;
}

/* The sizes (replications, resources, columns, monitors) from the two
** statistics arrays, then the names. */
static bool read_layout(koui_h5_error *e, hid_t file, kou_prun *p)
{
    hsize_t dr[3], dm[3];
    hid_t a = koui_h5_open_shaped(e, file, "/resource_stats", 3, dr, &table_shape);
    koui_h5_close_id(&a, H5Dclose);
    hid_t b = e->failed ? H5I_INVALID_HID : koui_h5_open_shaped(e, file, "/monitor_stats", 3, dm, &table_shape);
    koui_h5_close_id(&b, H5Dclose);
    if (e->failed)
        return false;
    if (dr[0] != dm[0] || dr[0] == 0 || dm[2] != MC || (double)dr[0] * (double)dr[1] * (double)dr[2] > MAX_VALUES ||
        (double)dm[0] * (double)dm[1] * MC > MAX_VALUES)
        return koui_h5_fail(e, KOU_EINVAL, "/resource_stats and /monitor_stats do not agree on the replications, "
                            "or hold none, or too many values") == KOU_OK;
    kou_prun_layout *l = &p->layout;
    p->nreps = dr[0];
    l->nres = dr[1];
    l->ncols = dr[2];
    l->nmon = dm[1];
    char **kinds = NULL, **cols = NULL;
    bool ok = read_strings(e, file, "/resource_names", l->nres, &l->res_names) &&
              read_strings(e, file, "/resource_columns", l->ncols, &l->cols) &&
              read_strings(e, file, "/monitor_names", l->nmon, &l->mon_names) &&
              read_strings(e, file, "/monitor_kinds", l->nmon, &kinds) &&
              read_strings(e, file, "/monitor_columns", MC, &cols);
    l->mon_kinds = koui_calloc(l->nmon + 1, sizeof *l->mon_kinds);
    for (size_t j = 0; ok && j < l->nmon; j++) {
        int k = kou_prun_kind_find(kinds[j]);
        if (k < 0)
            ok = koui_h5_fail(e, KOU_EINVAL, "/monitor_kinds[%zu] '%s' is not a kind", j, kinds[j]) == KOU_OK;
        l->mon_kinds[j] = k < 0 ? KOU_PRUN_TALLY : (kou_prun_kind)k;
    }
    for (int c = 0; ok && c < MC; c++)
        if (strcmp(cols[c], kou_prun_mon_col_name(c)) != 0)
            ok = koui_h5_fail(e, KOU_EINVAL, "/monitor_columns is not this kouan's (n, mean, sd, min, max)") == KOU_OK;
    koui_h5_free_strings(kinds, kinds ? l->nmon : 0);
    koui_h5_free_strings(cols, cols ? MC : 0);
    return ok;
}

static bool read_sets(koui_h5_error *e, hid_t file, kou_prun *p)
{
    size_t n, n2;
    if (!extent1(e, file, "/set_keys", &n) || !extent1(e, file, "/set_values", &n2))
        return false;
    if (n != n2)
        return koui_h5_fail(e, KOU_EINVAL, "/set_keys and /set_values differ in length") == KOU_OK;
    koui_h5_free_strings(p->set_key, p->nset);
    koui_h5_free_strings(p->set_value, p->nset);
    p->set_key = p->set_value = NULL;
    p->nset = n;
    return read_strings(e, file, "/set_keys", n, &p->set_key) &&
           read_strings(e, file, "/set_values", n, &p->set_value);
}

/* The statistics and the per-replication arrays into p->reps. */
static bool read_stats(koui_h5_error *e, hid_t file, kou_prun *p)
{
    const kou_prun_layout *l = &p->layout;
    size_t R = p->nreps, nr = l->nres * l->ncols, nm = l->nmon * MC;
    double *res = koui_calloc(R * nr + 1, sizeof *res), *mon = koui_calloc(R * nm + 1, sizeof *mon);
    double *end = koui_calloc(R + 1, sizeof *end);
    int64_t *ints = koui_calloc(2 * R + 1, sizeof *ints);
    hsize_t dr[3] = {R, l->nres, l->ncols}, dm[3] = {R, l->nmon, MC}, d1[1] = {R};
    bool ok = read_exact(e, file, "/resource_stats", 3, dr, H5T_NATIVE_DOUBLE, res) &&
              read_exact(e, file, "/monitor_stats", 3, dm, H5T_NATIVE_DOUBLE, mon) &&
              read_exact(e, file, "/replication_seed", 1, d1, H5T_NATIVE_INT64, ints) &&
              read_exact(e, file, "/replication_events", 1, d1, H5T_NATIVE_INT64, ints + R) &&
              read_exact(e, file, "/replication_end_time", 1, d1, H5T_NATIVE_DOUBLE, end);
    for (size_t r = 0; ok && r < R; r++) {
        kou_prun_rep *rep = &p->reps[r];
        rep->layout.nres = l->nres;
        rep->layout.nmon = l->nmon;
        rep->res = koui_malloc((nr + 1) * sizeof *rep->res);
        rep->mon = koui_malloc((nm + 1) * sizeof *rep->mon);
        memcpy(rep->res, res + r * nr, nr * sizeof *res);
        memcpy(rep->mon, mon + r * nm, nm * sizeof *mon);
        rep->seed = (uint64_t)ints[r];
        rep->events = (uint64_t)ints[R + r];
        rep->end_time = end[r];
    }
    free(res);
    free(mon);
    free(end);
    free(ints);
    return ok;
}

/* Splits the rows of a series table by its index into each replication's series. */
static bool split_series(koui_h5_error *e, kou_prun *p, int what, const double *v, size_t rows,
                         const int64_t *index, const char *name)
{
    size_t nobj = series_objects(p, what), nv = series_values(what);
    for (size_t r = 0; r < p->nreps; r++) {
        kou_prun_series *ts = *series_slot(p, r, what) = koui_calloc(nobj + 1, sizeof *ts);
        for (size_t i = 0; i < nobj; i++) {
            int64_t first = index[(r * nobj + i) * 2], n = index[(r * nobj + i) * 2 + 1];
            if (first < 0 || n < 0 || (uint64_t)first > rows || (uint64_t)n > rows - (uint64_t)first)
                return koui_h5_fail(e, KOU_EINVAL, "the index of %s points outside its table", name) == KOU_OK;
            for (int64_t k = 0; k < n; k++) {
                const double *row = v + ((size_t)first + (size_t)k) * (nv + 1);
                kou_prun_series_add(&ts[i], (int)nv, row[0], row + 1);
            }
        }
    }
    return true;
}

static bool read_series(koui_h5_error *e, hid_t file, kou_prun *p, int what, const char *name,
                        const char *index_name)
{
    size_t nobj = series_objects(p, what), nv = series_values(what);
    hsize_t d[2];
    hid_t ds = koui_h5_open_shaped(e, file, name, 2, d, &rows_shape);
    koui_h5_close_id(&ds, H5Dclose);
    if (e->failed)
        return false;
    if (d[1] != nv + 1)
        return koui_h5_fail(e, KOU_EINVAL, "%s has %llu columns, expected %zu", name, (unsigned long long)d[1],
                            nv + 1) == KOU_OK;
    double *v = koui_malloc((d[0] * (nv + 1) + 1) * sizeof *v);
    int64_t *index = koui_malloc((p->nreps * nobj * 2 + 1) * sizeof *index);
    hsize_t di[3] = {p->nreps, nobj, 2};
    bool ok = read_exact(e, file, name, 2, d, H5T_NATIVE_DOUBLE, v) &&
              read_exact(e, file, index_name, 3, di, H5T_NATIVE_INT64, index) &&
              split_series(e, p, what, v, (size_t)d[0], index, name);
    free(v);
    free(index);
    return ok;
}

/* No facilities of kind k (a file of an older kouan): empty names, columns, rows, series. */
static void no_facilities(kou_prun *p, kou_prun_fac k)
{
    kou_prun_layout *l = &p->layout;
    l->nfac[k] = l->nfcols[k] = 0;
    l->fac_names[k] = koui_calloc(1, sizeof *l->fac_names[k]);
    l->fac_cols[k] = koui_calloc(1, sizeof *l->fac_cols[k]);
    for (size_t r = 0; r < p->nreps; r++) {
        p->reps[r].fac[k] = koui_calloc(1, sizeof *p->reps[r].fac[k]);
        p->reps[r].fac_ts[k] = koui_calloc(1, sizeof *p->reps[r].fac_ts[k]);
    }
}

/* Group /containers or /stores, its statistics' shape against the run's,
** its series' columns against this kouan's. */
static bool read_fac_layout(koui_h5_error *e, hid_t file, kou_prun *p, kou_prun_fac k)
{
    kou_prun_layout *l = &p->layout;
    char path[64];
    hsize_t d[3];
    hid_t ds = koui_h5_open_shaped(e, file, fac_path(path, sizeof path, k, "stats"), 3, d, &table_shape);
    koui_h5_close_id(&ds, H5Dclose);
    if (e->failed)
        return false;
    if (d[0] != p->nreps || (double)d[0] * (double)d[1] * (double)d[2] > MAX_VALUES)
        return koui_h5_fail(e, KOU_EINVAL, "%s does not agree with /resource_stats on the replications, or "
                            "holds too many values", path) == KOU_OK;
    l->nfac[k] = d[1];
    l->nfcols[k] = d[2];
    char **cols = NULL;
    const char *want[FNV + 1];
    fac_series_cols(k, want);
    bool ok = read_strings(e, file, fac_path(path, sizeof path, k, "names"), l->nfac[k], &l->fac_names[k]) &&
              read_strings(e, file, fac_path(path, sizeof path, k, "columns"), l->nfcols[k], &l->fac_cols[k]) &&
              read_strings(e, file, fac_path(path, sizeof path, k, "series_columns"), FNV + 1, &cols);
    for (int c = 0; ok && c <= FNV; c++)
        if (strcmp(cols[c], want[c]) != 0)
            ok = koui_h5_fail(e, KOU_EINVAL, "%s is not this kouan's (t, %s, %s, %s)", path, want[1], want[2],
                              want[3]) == KOU_OK;
    koui_h5_free_strings(cols, cols ? FNV + 1 : 0);
    return ok;
}

/* Kind k's group: absent (none), or read whole and checked. */
static bool read_facilities(koui_h5_error *e, hid_t file, kou_prun *p, kou_prun_fac k)
{
    kou_prun_layout *l = &p->layout;
    htri_t ex = H5Lexists(file, kou_prun_fac_plural(k), H5P_DEFAULT);
    if (ex < 0)
        return koui_h5_fail(e, KOU_EIO, "cannot read (damaged file?) /%s", kou_prun_fac_plural(k)) == KOU_OK;
    if (ex == 0) {
        no_facilities(p, k);
        return true;
    }
    if (!read_fac_layout(e, file, p, k))
        return false;
    char path[64], path2[64];
    size_t R = p->nreps, nv = l->nfac[k] * l->nfcols[k];
    double *v = koui_calloc(R * nv + 1, sizeof *v);
    hsize_t d[3] = {R, l->nfac[k], l->nfcols[k]};
    bool ok = read_exact(e, file, fac_path(path, sizeof path, k, "stats"), 3, d, H5T_NATIVE_DOUBLE, v);
    for (size_t r = 0; ok && r < R; r++) {
        p->reps[r].layout.nfac[k] = l->nfac[k];
        p->reps[r].fac[k] = koui_malloc((nv + 1) * sizeof *v);
        memcpy(p->reps[r].fac[k], v + r * nv, nv * sizeof *v);
    }
    free(v);
    return ok && read_series(e, file, p, S_FAC + (int)k, fac_path(path, sizeof path, k, "series"),
                             fac_path(path2, sizeof path2, k, "series_index"));
}

static kou_status read_file(koui_h5_error *e, const char *path, void *ctx)
{
    kou_prun *p = ctx;
    hid_t file = koui_h5_open_file(e, path);
    if (file < 0)
        return e->status;
    if (read_root(e, file, p) && read_layout(e, file, p)) {
        p->reps = koui_calloc(p->nreps + 1, sizeof *p->reps);
        if (read_sets(e, file, p) && read_stats(e, file, p) &&
            read_series(e, file, p, S_RES, "/resource_series", "/resource_series_index") &&
            read_series(e, file, p, S_MON, "/monitor_series", "/monitor_series_index") &&
            read_facilities(e, file, p, KOU_PRUN_CONTAINER))
            read_facilities(e, file, p, KOU_PRUN_STORE);
    }
    H5Fclose(file);
    return e->failed ? e->status : KOU_OK;
}

static kou_prun *empty_run(void)
{
    kou_prun *p = kou_prun_new(NULL, NULL, NULL, 0, 0, 0, 0, NULL, NULL, 0);
    free(p->reps);
    p->reps = NULL;
    return p;
}

/* kou_prun_free frees reps only up to nreps: a failed read may leave
** reps NULL with nreps set. */
static void free_run(kou_prun *p)
{
    if (p->reps == NULL)
        p->nreps = 0;
    kou_prun_free(p);
}

static kou_status check_in_child(void *ctx, char *msg, size_t msgsize, void *payload)
{
    (void)payload;
    kou_prun *p = empty_run();
    kou_status st = koui_h5_read(ctx, read_file, p, msg, msgsize);
    free_run(p);
    return st;
}

kou_prun *kou_h5p_read(const char *path, char *err, size_t errlen)
{
    const koui_h5_child_limits limits = {.cpu_seconds = 60, .data_bytes = (size_t)8 << 30, .die_with_parent = true};
    int dummy = 0;
    kou_status st = koui_h5_in_child(check_in_child, (void *)(uintptr_t)path, &limits, &dummy, sizeof dummy, err,
                                     errlen);
    if (st != KOU_OK)
        return NULL;
    kou_prun *p = empty_run();
    if (koui_h5_read(path, read_file, p, err, errlen) == KOU_OK)
        return p;
    free_run(p);
    return NULL;
}

bool kou_h5p_is(const char *path)
{
    return koui_h5_has_schema(path, KOU_H5P_SCHEMA);
}
