/*
** h5uncertainty.c — the uncertainty file (h5uncertainty.h).
*/
#include "io/h5uncertainty.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5base.h"

#define M KOU_KPI_METRIC_COUNT
#define PRIOR_COLS 5               /* lo, hi, mode, mean, sd */
#define MAX_VALUES ((size_t)1 << 27) /* doubles of /values: 1 GiB */
#define MAX_EXTENT 1000000u

/* ---- writing ---- */

static void strings(koui_h5_error *e, hid_t file, const char *name, const char *const *v, size_t n)
{
    hid_t st = koui_h5_utf8();
    hsize_t dims[1] = {n};
    hid_t ds = koui_h5_write_dataset(e, file, name, st, st, 1, dims, H5P_DEFAULT, v);
    koui_h5_close_id(&ds, H5Dclose);
    H5Tclose(st);
}

static void numbers(koui_h5_error *e, hid_t file, const char *name, hid_t ft, hid_t mt, int rank,
                    const hsize_t *dims, const void *v)
{
    hid_t ds = koui_h5_write_dataset(e, file, name, ft, mt, rank, dims, H5P_DEFAULT, v);
    koui_h5_close_id(&ds, H5Dclose);
}

static void write_priors(koui_h5_error *e, hid_t file, const kou_unc_data *u)
{
    size_t n = u->npriors;
    const char **s = koui_calloc(4 * n + 1, sizeof *s);
    double *p = koui_calloc(PRIOR_COLS * n + 1, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        const kou_prior *q = &u->priors[i];
        s[i] = q->name;
        s[n + i] = kou_prior_shape_name(q->shape);
        s[2 * n + i] = q->source;
        s[3 * n + i] = q->where;
        double row[PRIOR_COLS] = {q->lo, q->hi, q->mode, q->mean, q->sd};
        memcpy(p + PRIOR_COLS * i, row, sizeof row);
    }
    strings(e, file, "/prior_name", s, n);
    strings(e, file, "/prior_shape", s + n, n);
    strings(e, file, "/prior_source", s + 2 * n, n);
    strings(e, file, "/prior_where", s + 3 * n, n);
    hsize_t d2[2] = {n, PRIOR_COLS};
    numbers(e, file, "/prior_parameters", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, d2, p);
    free(s);
    free(p);
}

static void write_groups(koui_h5_error *e, hid_t file, const kou_unc_data *u)
{
    size_t n = u->ngroups;
    const char **port = koui_calloc(n + 1, sizeof *port);
    int32_t *ints = koui_calloc(3 * n + 1, sizeof *ints);
    for (size_t g = 0; g < n; g++) {
        port[g] = u->groups[g].port;
        ints[g] = u->groups[g].port_index;
        ints[n + g] = u->groups[g].mode;
        ints[2 * n + g] = u->groups[g].direction;
    }
    hsize_t d1[1] = {n};
    strings(e, file, "/group_port", port, n);
    numbers(e, file, "/group_port_index", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1, ints);
    numbers(e, file, "/group_mode", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1, ints + n);
    numbers(e, file, "/group_direction", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1, ints + 2 * n);
    free(port);
    free(ints);
}

static void write_all(koui_h5_error *e, hid_t file, const kou_unc_data *u, const char *title, const char *cmdline)
{
    koui_h5_write_attr_int(e, file, "complete", 0);
    koui_h5_write_attr_str(e, file, "schema", KOU_H5U_SCHEMA);
    koui_h5_write_attr_int(e, file, "schema_version", KOU_H5U_SCHEMA_VERSION);
    koui_h5_write_attr_str(e, file, "title", title);
    koui_h5_write_attr_str(e, file, "command_line", cmdline);
    koui_h5_write_attr_int(e, file, "seed", (int64_t)u->seed);
    const char *metrics[M];
    for (size_t m = 0; m < M; m++)
        metrics[m] = kou_kpi_metric_name((kou_kpi_metric)m);
    koui_h5_write_attr_strs(e, file, "metric_names", metrics, M);
    write_priors(e, file, u);
    const char **alts = koui_calloc(u->nalts + 1, sizeof *alts);
    for (size_t a = 0; a < u->nalts; a++)
        alts[a] = u->alts[a];
    strings(e, file, "/alternatives", alts, u->nalts);
    free(alts);
    write_groups(e, file, u);
    hsize_t dd[2] = {u->ndraws, u->npriors}, dv[5] = {u->ndraws, u->nalts, u->nreps, u->ngroups, M};
    numbers(e, file, "/draws", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dd, u->draws);
    numbers(e, file, "/values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 5, dv, u->values);
    koui_h5_write_attr_int(e, file, "complete", 1);
}

int kou_h5u_write(const char *path, const kou_unc_data *u, const char *title, const char *command_line, bool force,
                  char *err, size_t errlen)
{
    char msg[700] = "";
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    koui_h5_quiet();
    bool exists = false;
    hid_t file = koui_h5_create_file(&e, path, force, H5P_DEFAULT, H5P_DEFAULT, &exists);
    if (file >= 0) {
        write_all(&e, file, u, title, command_line);
        if (H5Fclose(file) < 0)
            koui_h5_fail(&e, KOU_EIO, "cannot close the file");
    }
    if (!e.failed)
        return 0;
    snprintf(err, errlen, "%s: %s%s", path, msg, exists ? " (--force overwrites it)" : "");
    return -1;
}

/* ---- reading ---- */

static const koui_h5_shape unc_shape = {MAX_EXTENT, MAX_EXTENT, "not an uncertainty file: ",
                                         "this file's draws, alternatives and groups"};

static hid_t open_shaped(koui_h5_error *e, hid_t file, const char *name, int rank, hsize_t *dims)
{
    return koui_h5_open_shaped(e, file, name, rank, dims, &unc_shape);
}

static bool read_exact(koui_h5_error *e, hid_t file, const char *name, int rank, const hsize_t *want, hid_t mtype,
                       void *buf)
{
    return koui_h5_read_exact(e, file, name, rank, want, mtype, buf, &unc_shape);
}

/* n strings of dataset name, each copied into dst + i * size (cut). */
static bool read_strings(koui_h5_error *e, hid_t file, const char *name, size_t n, char *dst, size_t size)
{
    char **v = koui_calloc(n + 1, sizeof *v);
    hsize_t want[1] = {n};
    hid_t st = koui_h5_utf8();
    bool ok = read_exact(e, file, name, 1, want, st, v);
    for (size_t i = 0; i < n; i++) {
        if (ok)
            snprintf(dst + i * size, size, "%s", v[i] ? v[i] : "");
        free(v[i]);
    }
    H5Tclose(st);
    free(v);
    return ok;
}

/* The sizes: draws and priors from /draws, alternatives, replications
** and groups from /values; bounded in total. */
static bool read_sizes(koui_h5_error *e, hid_t file, kou_unc_data *u)
{
    hsize_t dd[2], dv[5];
    hid_t a = open_shaped(e, file, "/draws", 2, dd);
    koui_h5_close_id(&a, H5Dclose);
    hid_t b = e->failed ? H5I_INVALID_HID : open_shaped(e, file, "/values", 5, dv);
    koui_h5_close_id(&b, H5Dclose);
    if (e->failed)
        return false;
    if (dv[0] != dd[0] || dv[4] != M || dd[0] == 0 || dv[1] == 0 || dv[2] == 0 || dv[3] == 0 ||
        (double)dv[0] * (double)dv[1] * (double)dv[2] * (double)dv[3] * M > (double)MAX_VALUES) {
        koui_h5_fail(e, KOU_EINVAL, "/values does not match /draws, or holds no values, or too many");
        return false;
    }
    *u = (kou_unc_data){.ndraws = dd[0], .npriors = dd[1], .nalts = dv[1], .nreps = dv[2], .ngroups = dv[3]};
    return true;
}

static bool read_priors(koui_h5_error *e, hid_t file, kou_unc_data *u)
{
    size_t n = u->npriors;
    char (*shape)[32] = koui_calloc(n + 1, sizeof *shape);
    double *p = koui_calloc(PRIOR_COLS * n + 1, sizeof *p);
    hsize_t d2[2] = {n, PRIOR_COLS};
    bool ok = read_strings(e, file, "/prior_name", n, u->priors[0].name, sizeof *u->priors) &&
              read_strings(e, file, "/prior_source", n, u->priors[0].source, sizeof *u->priors) &&
              read_strings(e, file, "/prior_where", n, u->priors[0].where, sizeof *u->priors) &&
              read_strings(e, file, "/prior_shape", n, shape[0], sizeof *shape) &&
              read_exact(e, file, "/prior_parameters", 2, d2, H5T_NATIVE_DOUBLE, p);
    for (size_t i = 0; ok && i < n; i++) {
        kou_prior *q = &u->priors[i];
        int s = kou_prior_shape_find(shape[i]);
        char why[300];
        q->shape = (kou_prior_shape)(s < 0 ? 0 : s);
        q->lo = p[PRIOR_COLS * i], q->hi = p[PRIOR_COLS * i + 1], q->mode = p[PRIOR_COLS * i + 2];
        q->mean = p[PRIOR_COLS * i + 3], q->sd = p[PRIOR_COLS * i + 4];
        q->used = NAN;
        if (s < 0 || !kou_prior_check(q, why, sizeof why))
            ok = koui_h5_fail(e, KOU_EINVAL, "prior %zu ('%s') is not one: %s", i + 1, q->name,
                              s < 0 ? "unknown shape" : why) == KOU_OK;
    }
    free(shape);
    free(p);
    return ok;
}

static bool read_groups(koui_h5_error *e, hid_t file, kou_unc_data *u)
{
    size_t n = u->ngroups;
    int32_t *v = koui_calloc(3 * n + 1, sizeof *v);
    hsize_t d1[1] = {n};
    bool ok = read_strings(e, file, "/group_port", n, u->groups[0].port, sizeof *u->groups) &&
              read_exact(e, file, "/group_port_index", 1, d1, H5T_NATIVE_INT32, v) &&
              read_exact(e, file, "/group_mode", 1, d1, H5T_NATIVE_INT32, v + n) &&
              read_exact(e, file, "/group_direction", 1, d1, H5T_NATIVE_INT32, v + 2 * n);
    for (size_t g = 0; ok && g < n; g++) {
        u->groups[g].port_index = v[g];
        u->groups[g].mode = v[n + g];
        u->groups[g].direction = v[2 * n + g];
        if (v[2 * n + g] < 0 || v[2 * n + g] > 1)
            ok = koui_h5_fail(e, KOU_EINVAL, "/group_direction %d is not a direction", (int)v[2 * n + g]) == KOU_OK;
    }
    free(v);
    return ok;
}

typedef struct read_ctx {
    kou_unc_data *u;
    char **title;
} read_ctx;

/* The columns of /values are the metrics in kpi.h's order: a file whose
** metric_names say otherwise (or that has none) is not read as if they were. */
static bool check_metric_names(koui_h5_error *e, const koui_h5_attrs *root)
{
    char **names = NULL;
    size_t n = 0;
    bool ok = koui_h5_attr_strings(e, root, "metric_names", false, &names, &n) > 0 && n == M;
    for (size_t m = 0; ok && m < M; m++)
        ok = strcmp(names[m], kou_kpi_metric_name((kou_kpi_metric)m)) == 0;
    koui_h5_free_strings(names, n);
    if (!ok && !e->failed)
        koui_h5_fail(e, KOU_EINVAL, "the metric_names attribute of / is not this kouan's %d metrics", M);
    return ok;
}

static bool read_root(koui_h5_error *e, hid_t file, char **title)
{
    const koui_h5_attrs root = {file, "attribute ", " of /", "cannot read the attributes of /"};
    char *schema = NULL;
    long long version = 0;
    bool ok = koui_h5_attr_string(e, &root, "schema", &schema) >= 0 && strcmp(schema, KOU_H5U_SCHEMA) == 0;
    if (!ok && !e->failed)
        koui_h5_fail(e, KOU_EINVAL, "not an uncertainty file (schema '%s')", schema ? schema : "");
    free(schema);
    if (ok && (koui_h5_attr_number(e, &root, "schema_version", true, H5T_NATIVE_LLONG, &version) <= 0 ||
               version != KOU_H5U_SCHEMA_VERSION))
        ok = koui_h5_fail(e, KOU_EINVAL, "schema_version %lld is not supported (this kouan reads %d)", version,
                          KOU_H5U_SCHEMA_VERSION) == KOU_OK;
    return ok && check_metric_names(e, &root) && koui_h5_attr_string(e, &root, "title", title) >= 0;
}

static kou_status read_file(koui_h5_error *e, const char *path, void *ctx)
{
    read_ctx *c = ctx;
    kou_unc_data *u = c->u;
    hid_t file = koui_h5_open_file(e, path);
    if (file < 0)
        return e->status;
    if (read_root(e, file, c->title) && read_sizes(e, file, u)) {
        kou_unc_data_alloc(u);
        hsize_t dd[2] = {u->ndraws, u->npriors}, dv[5] = {u->ndraws, u->nalts, u->nreps, u->ngroups, M};
        if (read_priors(e, file, u) && read_groups(e, file, u) &&
            read_strings(e, file, "/alternatives", u->nalts, u->alts[0], sizeof *u->alts))
            if (read_exact(e, file, "/draws", 2, dd, H5T_NATIVE_DOUBLE, u->draws))
                read_exact(e, file, "/values", 5, dv, H5T_NATIVE_DOUBLE, u->values);
    }
    H5Fclose(file);
    return e->failed ? e->status : KOU_OK;
}

static kou_status check_in_child(void *ctx, char *msg, size_t msgsize, void *payload)
{
    (void)payload;
    kou_unc_data u = {0};
    char *title = NULL;
    read_ctx c = {&u, &title};
    kou_status st = koui_h5_read(ctx, read_file, &c, msg, msgsize);
    kou_unc_data_free(&u);
    free(title);
    return st;
}

int kou_h5u_read(const char *path, kou_unc_data *u, char **title, char *err, size_t errlen)
{
    *u = (kou_unc_data){0};
    *title = NULL;
    const koui_h5_child_limits limits = {.cpu_seconds = 30, .data_bytes = (size_t)4 << 30, .die_with_parent = true};
    int dummy = 0;
    kou_status st = koui_h5_in_child(check_in_child, (void *)(uintptr_t)path, &limits, &dummy, sizeof dummy, err,
                                     errlen);
    read_ctx c = {u, title};
    if (st == KOU_OK)
        st = koui_h5_read(path, read_file, &c, err, errlen);
    if (st == KOU_OK)
        return 0;
    kou_unc_data_free(u);
    free(*title);
    *title = NULL;
    return -1;
}

bool kou_h5u_is(const char *path)
{
    return koui_h5_has_schema(path, KOU_H5U_SCHEMA);
}
