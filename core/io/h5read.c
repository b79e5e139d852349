/*
** h5read.c — the /summary of a kouan run file, read back (see h5read.h).
**
** The read goes in steps (the root, /summary's attributes, its two tables,
** its value arrays), each closing what it opened; the first failure stops
** it. The error discipline is h5base's, shared with replay.c: the
** library's automatic error printing is off for the duration of a read
** (and restored after), and on failure the innermost entry of its error
** stack (the most specific one, e.g. "truncated file: eof = ...") is
** appended to the message. Sizes read from the file are bounded before
** anything is allocated from them.
*/
#include "io/h5read.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5base.h"

/* Bounds on what a file may declare (far above any real run). */
#define MAX_REPLICATIONS 1000000u
#define MAX_ROWS 100000u
#define MAX_VALUES ((size_t)1 << 27) /* doubles in one dataset: 1 GiB */

/* ---- datasets ---- */

/* Opens /summary/name and checks its rank; dims receives its extent. */
static hid_t open_dataset(koui_h5_error *rd, hid_t grp, const char *name, int rank, hsize_t *dims, H5T_class_t cls)
{
    htri_t ex = H5Lexists(grp, name, H5P_DEFAULT);
    if (ex <= 0) {
        if (ex < 0)
            koui_h5_fail(rd, KOU_EIO, "cannot read /summary/%s (damaged file?)", name);
        else
            koui_h5_fail(rd, KOU_EINVAL, "/summary/%s is missing", name);
        return H5I_INVALID_HID;
    }
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0) {
        koui_h5_fail(rd, KOU_EIO, "cannot open /summary/%s", name);
        return H5I_INVALID_HID;
    }
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    bool good = t >= 0 && sp >= 0 && H5Tget_class(t) == cls && H5Sget_simple_extent_ndims(sp) == rank &&
                H5Sget_simple_extent_dims(sp, dims, NULL) == rank;
    koui_h5_close_id(&sp, H5Sclose);
    koui_h5_close_id(&t, H5Tclose);
    if (!good) {
        koui_h5_fail(rd, KOU_EINVAL, "/summary/%s: expected a %d-dimensional %s dataset", name, rank,
                     cls == H5T_FLOAT ? "float" : "compound");
        H5Dclose(d);
        return H5I_INVALID_HID;
    }
    return d;
}

/* A float dataset of exactly the expected shape, read as doubles into a
** new array in file order. */
static double *read_f64(koui_h5_error *rd, hid_t grp, const char *name, int rank, const hsize_t *expect,
                        const char *shape)
{
    hsize_t dims[3] = {0, 0, 0};
    hid_t d = open_dataset(rd, grp, name, rank, dims, H5T_FLOAT);
    if (d < 0)
        return NULL;
    size_t total = 1;
    for (int i = 0; i < rank; i++) {
        if (dims[i] != expect[i]) {
            char got[96];
            if (rank == 3)
                snprintf(got, sizeof got, "(%llu, %llu, %llu)", (unsigned long long)dims[0],
                         (unsigned long long)dims[1], (unsigned long long)dims[2]);
            else
                snprintf(got, sizeof got, "rank %d", rank);
            koui_h5_fail(rd, KOU_EINVAL, "/summary/%s has shape %s, expected %s = (%llu, %llu, %llu)", name, got, shape,
                         (unsigned long long)expect[0], (unsigned long long)expect[1], (unsigned long long)expect[2]);
            H5Dclose(d);
            return NULL;
        }
        total *= (size_t)dims[i]; /* bounded: every expected extent is */
    }
    if (total > MAX_VALUES) {
        koui_h5_fail(rd, KOU_EINVAL, "/summary/%s is too large (%zu values)", name, total);
        H5Dclose(d);
        return NULL;
    }
    double *v = koui_malloc((total ? total : 1) * sizeof *v);
    if (total > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        koui_h5_fail(rd, KOU_EIO, "cannot read /summary/%s", name);
        free(v);
        v = NULL;
    }
    H5Dclose(d);
    return v;
}

/* Rows of the compound tables, in memory. */
typedef struct group_row {
    char *port;
    int port_index, mode, direction;
} group_row;

typedef struct res_row {
    char *port;
    int port_index;
    char *name;
} res_row;

/* Reads a 1-D compound table of n_expected rows (or any number when
** n_expected is SIZE_MAX) into rows of row_size bytes laid out by memtype;
** checks every member name/cls. The caller reclaims the strings with
** H5Dvlen_reclaim through *space_out and memtype. */
static void *read_table(koui_h5_error *rd, hid_t grp, const char *name, hid_t memtype, size_t row_size, size_t *n_out,
                        hid_t *space_out)
{
    hsize_t dims[1] = {0};
    *space_out = H5I_INVALID_HID;
    hid_t d = open_dataset(rd, grp, name, 1, dims, H5T_COMPOUND);
    if (d < 0)
        return NULL;
    void *rows = NULL;
    hid_t ft = H5Dget_type(d);
    int nm = H5Tget_nmembers(memtype);
    bool ok = ft >= 0 && nm > 0;
    for (int i = 0; ok && i < nm; i++) {
        char *mname = H5Tget_member_name(memtype, (unsigned)i);
        H5T_class_t cls = H5Tget_member_class(memtype, (unsigned)i);
        if (mname == NULL || !koui_h5_has_member(ft, mname, cls, NULL)) {
            koui_h5_fail(rd, KOU_EINVAL, "/summary/%s has no %s column '%s'", name,
                         cls == H5T_STRING ? "variable-length string" : "integer", mname ? mname : "?");
            ok = false;
        }
        H5free_memory(mname);
    }
    koui_h5_close_id(&ft, H5Tclose);
    if (ok && dims[0] > MAX_ROWS) {
        koui_h5_fail(rd, KOU_EINVAL, "/summary/%s has %llu rows (at most %u)", name, (unsigned long long)dims[0],
                     MAX_ROWS);
        ok = false;
    }
    if (ok) {
        size_t n = (size_t)dims[0];
        rows = koui_calloc(n ? n : 1, row_size);
        *space_out = H5Screate_simple(1, dims, NULL);
        if (n > 0 && (*space_out < 0 || H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)) {
            koui_h5_fail(rd, KOU_EIO, "cannot read /summary/%s", name);
            /* a read that fails part way has already handed over the
            ** strings of the rows before (rows was zeroed: NULL elsewhere) */
            if (*space_out >= 0)
                H5Dvlen_reclaim(memtype, *space_out, H5P_DEFAULT, rows);
            free(rows);
            rows = NULL;
            koui_h5_close_id(space_out, H5Sclose);
        } else {
            *n_out = n;
        }
    }
    H5Dclose(d);
    return rows;
}

/* The character set of the string member name of dataset grp/dset, UTF-8
** when it cannot be told (read_table then reports the column). */
static H5T_cset_t member_cset(hid_t grp, const char *dset, const char *name)
{
    H5T_cset_t cset = H5T_CSET_UTF8;
    if (H5Lexists(grp, dset, H5P_DEFAULT) <= 0)
        return cset;
    hid_t d = H5Dopen2(grp, dset, H5P_DEFAULT);
    if (d < 0)
        return cset;
    hid_t ft = H5Dget_type(d);
    if (ft >= 0 && H5Tget_class(ft) == H5T_COMPOUND)
        koui_h5_has_member(ft, name, H5T_STRING, &cset);
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    H5Eclear2(H5E_DEFAULT);
    return cset;
}

/* ---- the summary ---- */

void kou_h5_summary_free(kou_h5_summary *s)
{
    if (!s)
        return;
    for (size_t g = 0; g < s->ngroups; g++)
        free((char *)(uintptr_t)s->groups[g].port);
    for (size_t i = 0; i < s->nresources; i++) {
        free((char *)(uintptr_t)s->resources[i].port);
        free((char *)(uintptr_t)s->resources[i].name);
    }
    free(s->groups);
    free(s->resources);
    free(s->group_values);
    free(s->resource_values);
    free(s->across);
    free(s->title);
    free(s->scenario);
    free(s->era);
    free(s);
}

/* Maps the file's metric columns to kpi order: map[m] = the file's column
** of metric m. */
static bool map_names(koui_h5_error *rd, const char *attr, char **names, size_t n, size_t count,
                      const char *(*name_of)(int), size_t *map)
{
    if (n != count) {
        koui_h5_fail(rd, KOU_EINVAL, "/summary attribute %s has %zu names, this kouan knows %zu", attr, n, count);
        return false;
    }
    for (size_t m = 0; m < count; m++) {
        size_t j = 0;
        while (j < n && strcmp(names[j], name_of((int)m)) != 0)
            j++;
        if (j == n) {
            koui_h5_fail(rd, KOU_EINVAL, "/summary attribute %s lacks '%s'", attr, name_of((int)m));
            return false;
        }
        map[m] = j;
    }
    return true;
}

static const char *metric_name(int m)
{
    return kou_kpi_metric_name((kou_kpi_metric)m);
}

static const char *res_metric_name(int m)
{
    return kou_kpi_res_metric_name((kou_kpi_res_metric)m);
}

/* values (outer x count) in file column order -> kpi order, in place. */
static void reorder(double *v, size_t outer, size_t count, size_t inner, const size_t *map)
{
    double tmp[64 * 2];
    for (size_t o = 0; o < outer; o++) {
        double *row = v + o * count * inner;
        for (size_t m = 0; m < count; m++)
            for (size_t k = 0; k < inner; k++)
                tmp[m * inner + k] = row[map[m] * inner + k];
        memcpy(row, tmp, count * inner * sizeof *row);
    }
}

/* The root: schema_version (required, known), complete, scenario_path,
** era, and whether /consignments is there. */
static kou_status read_root(koui_h5_error *rd, hid_t file, kou_h5_summary *s, bool *complete_out)
{
    const koui_h5_attrs root = {file, "attribute ", " of /", "cannot read the attributes of /"};
    long long v;
    int rc = koui_h5_attr_number(rd, &root, "schema_version", true, H5T_NATIVE_LLONG, &v);
    if (rc == 0)
        return koui_h5_fail(rd, KOU_EINVAL,
                            "an HDF5 file, but not a kouan run file (no schema_version attribute at /)");
    if (rc < 0)
        return KOU_EINVAL;
    if (v != KOU_H5_SCHEMA_VERSION)
        return koui_h5_fail(rd, KOU_EINVAL, "schema_version %lld is not supported (this kouan reads version %d)", v,
                            KOU_H5_SCHEMA_VERSION);
    s->schema_version = (int)v;
    rc = koui_h5_attr_number(rd, &root, "complete", true, H5T_NATIVE_LLONG, &v);
    if (rc < 0)
        return KOU_EINVAL;
    s->complete = rc == 0 || v != 0;
    if (complete_out)
        *complete_out = s->complete;
    if (koui_h5_attr_string(rd, &root, "scenario_path", &s->scenario) < 0 ||
        koui_h5_attr_string(rd, &root, "era", &s->era) < 0)
        return KOU_EINVAL;
    s->has_consignments = H5Lexists(file, "consignments", H5P_DEFAULT) > 0;
    H5Eclear2(H5E_DEFAULT);
    return KOU_OK;
}

/* Opens /summary into *grp. */
static kou_status open_summary(koui_h5_error *rd, hid_t file, bool complete, hid_t *grp)
{
    htri_t ex = H5Lexists(file, "summary", H5P_DEFAULT);
    if (ex < 0)
        return koui_h5_fail(rd, KOU_EIO, "cannot read the root group (damaged file?)");
    if (ex == 0)
        return koui_h5_fail(rd, KOU_EINVAL, "a kouan run file without /summary%s",
                            complete ? "" : " (no replication finished)");
    *grp = H5Gopen2(file, "summary", H5P_DEFAULT);
    if (*grp < 0)
        return koui_h5_fail(rd, KOU_EINVAL, "cannot open /summary as a group (not a group, or a damaged file)");
    return KOU_OK;
}

/* The attributes of /summary: title, replications (bounded), and the
** metric names, as maps from kpi order to the file's columns. */
static kou_status read_summary_attrs(koui_h5_error *rd, hid_t grp, kou_h5_summary *s, size_t *mmap, size_t *rmap)
{
    const koui_h5_attrs summary = {grp, "attribute ", " of /summary", "cannot read the attributes of /summary"};
    long long v;
    if (koui_h5_attr_string(rd, &summary, "title", &s->title) < 0 ||
        koui_h5_attr_number(rd, &summary, "replications", true, H5T_NATIVE_LLONG, &v) <= 0)
        return koui_h5_fail(rd, KOU_EINVAL, "/summary has no replications attribute");
    if (v < 0 || v > (long long)MAX_REPLICATIONS)
        return koui_h5_fail(rd, KOU_EINVAL, "/summary: replications %lld out of range", v);
    s->replications = (size_t)v;
    char **mnames = NULL, **rnames = NULL;
    size_t nmn = 0, nrn = 0;
    kou_status st = KOU_OK;
    if (koui_h5_attr_strings(rd, &summary, "metric_names", false, &mnames, &nmn) <= 0 ||
        koui_h5_attr_strings(rd, &summary, "resource_metric_names", false, &rnames, &nrn) <= 0)
        st = koui_h5_fail(rd, KOU_EINVAL, "/summary lacks the metric_names or resource_metric_names attribute");
    else if (!map_names(rd, "metric_names", mnames, nmn, KOU_KPI_METRIC_COUNT, metric_name, mmap) ||
             !map_names(rd, "resource_metric_names", rnames, nrn, KOU_KPI_RES_METRIC_COUNT, res_metric_name, rmap))
        st = KOU_EINVAL;
    koui_h5_free_strings(mnames, nmn);
    koui_h5_free_strings(rnames, nrn);
    return st;
}

/* The memory types of the rows of /summary/groups and /summary/resources,
** their strings in the character sets of the file's columns. */
typedef struct row_types {
    hid_t gstr, rstr1, rstr2; /* groups.port, resources.port, resources.name */
    hid_t group, res;
} row_types;

static void row_types_close(row_types *t)
{
    koui_h5_close_id(&t->group, H5Tclose);
    koui_h5_close_id(&t->res, H5Tclose);
    koui_h5_close_id(&t->gstr, H5Tclose);
    koui_h5_close_id(&t->rstr1, H5Tclose);
    koui_h5_close_id(&t->rstr2, H5Tclose);
}

static bool row_types_make(hid_t grp, row_types *t)
{
    t->gstr = koui_h5_vstring(member_cset(grp, "groups", "port"));
    t->rstr1 = koui_h5_vstring(member_cset(grp, "resources", "port"));
    t->rstr2 = koui_h5_vstring(member_cset(grp, "resources", "name"));
    t->group = H5Tcreate(H5T_COMPOUND, sizeof(group_row));
    t->res = H5Tcreate(H5T_COMPOUND, sizeof(res_row));
    return t->gstr >= 0 && t->rstr1 >= 0 && t->rstr2 >= 0 && t->group >= 0 && t->res >= 0 &&
           H5Tinsert(t->group, "port", HOFFSET(group_row, port), t->gstr) >= 0 &&
           H5Tinsert(t->group, "port_index", HOFFSET(group_row, port_index), H5T_NATIVE_INT) >= 0 &&
           H5Tinsert(t->group, "mode", HOFFSET(group_row, mode), H5T_NATIVE_INT) >= 0 &&
           H5Tinsert(t->group, "direction", HOFFSET(group_row, direction), H5T_NATIVE_INT) >= 0 &&
           H5Tinsert(t->res, "port", HOFFSET(res_row, port), t->rstr1) >= 0 &&
           H5Tinsert(t->res, "port_index", HOFFSET(res_row, port_index), H5T_NATIVE_INT) >= 0 &&
           H5Tinsert(t->res, "name", HOFFSET(res_row, name), t->rstr2) >= 0;
}

/* Every row a group or a resource kou_kpi knows. */
static kou_status check_rows(koui_h5_error *rd, const group_row *grows, size_t ng, const res_row *rrows, size_t nr)
{
    for (size_t g = 0; g < ng; g++) {
        const group_row *r = &grows[g];
        if (r->port == NULL || r->port_index < -1 || r->mode < -1 || r->mode >= KOU_MODE_COUNT ||
            r->direction < 0 || r->direction >= KOU_DIRECTION_COUNT || (r->port_index < 0) != (r->mode < 0))
            return koui_h5_fail(rd, KOU_EINVAL,
                                "/summary/groups row %zu is not a group (port_index %d, mode %d, direction %d)", g,
                                r->port_index, r->mode, r->direction);
    }
    for (size_t i = 0; i < nr; i++)
        if (rrows[i].port == NULL || rrows[i].name == NULL || rrows[i].port_index < 0)
            return koui_h5_fail(rd, KOU_EINVAL, "/summary/resources row %zu is not a resource", i);
    return KOU_OK;
}

/* Copies the checked rows into s. */
static void take_rows(kou_h5_summary *s, const group_row *grows, size_t ng, const res_row *rrows, size_t nr)
{
    s->ngroups = ng;
    s->groups = koui_calloc(ng ? ng : 1, sizeof *s->groups);
    for (size_t g = 0; g < ng; g++)
        s->groups[g] = (kou_kpi_group){koui_h5_copy_bytes(grows[g].port, KOUI_H5_MAX_STRING), grows[g].port_index,
                                       grows[g].mode, grows[g].direction};
    s->nresources = nr;
    s->resources = koui_calloc(nr ? nr : 1, sizeof *s->resources);
    for (size_t i = 0; i < nr; i++)
        s->resources[i] =
            (kou_kpi_resource_id){koui_h5_copy_bytes(rrows[i].port, KOUI_H5_MAX_STRING), rrows[i].port_index,
                                  koui_h5_copy_bytes(rrows[i].name, KOUI_H5_MAX_STRING)};
}

/* /summary/groups and /summary/resources, checked, into s. */
static kou_status read_summary_tables(koui_h5_error *rd, hid_t grp, kou_h5_summary *s)
{
    row_types t = {H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID};
    hid_t gspace = H5I_INVALID_HID, rspace = H5I_INVALID_HID;
    group_row *grows = NULL;
    res_row *rrows = NULL;
    size_t ng = 0, nr = 0;
    kou_status st = KOU_EINVAL;
    if (!row_types_make(grp, &t))
        st = koui_h5_fail(rd, KOU_EIO, "cannot make the HDF5 memory types");
    else if ((grows = read_table(rd, grp, "groups", t.group, sizeof *grows, &ng, &gspace)) != NULL &&
             (rrows = read_table(rd, grp, "resources", t.res, sizeof *rrows, &nr, &rspace)) != NULL &&
             (st = check_rows(rd, grows, ng, rrows, nr)) == KOU_OK)
        take_rows(s, grows, ng, rrows, nr);
    if (grows && gspace >= 0)
        H5Dvlen_reclaim(t.group, gspace, H5P_DEFAULT, grows);
    if (rrows && rspace >= 0)
        H5Dvlen_reclaim(t.res, rspace, H5P_DEFAULT, rrows);
    free(grows);
    free(rrows);
    koui_h5_close_id(&gspace, H5Sclose);
    koui_h5_close_id(&rspace, H5Sclose);
    row_types_close(&t);
    return st;
}

/* The three value arrays, of the shapes the tables imply, in kpi order. */
static kou_status read_summary_values(koui_h5_error *rd, hid_t grp, kou_h5_summary *s, const size_t *mmap,
                                      const size_t *rmap)
{
    size_t R = s->replications, ng = s->ngroups, nr = s->nresources;
    hsize_t e1[3] = {R, ng, KOU_KPI_METRIC_COUNT};
    hsize_t e2[3] = {R, nr, KOU_KPI_RES_METRIC_COUNT};
    hsize_t e3[3] = {ng, KOU_KPI_METRIC_COUNT, 2};
    if ((s->group_values = read_f64(rd, grp, "group_values", 3, e1, "(replications, groups, metrics)")) == NULL ||
        (s->resource_values = read_f64(rd, grp, "resource_values", 3, e2,
                                       "(replications, resources, resource metrics)")) == NULL ||
        (s->across = read_f64(rd, grp, "across", 3, e3, "(groups, metrics, 2)")) == NULL)
        return KOU_EINVAL;
    reorder(s->group_values, R * ng, KOU_KPI_METRIC_COUNT, 1, mmap);
    reorder(s->resource_values, R * nr, KOU_KPI_RES_METRIC_COUNT, 1, rmap);
    reorder(s->across, ng, KOU_KPI_METRIC_COUNT, 2, mmap);
    return KOU_OK;
}

static kou_status read_all(koui_h5_error *rd, const koui_h5_source *src, kou_h5_summary *s, bool *complete_out)
{
    hid_t file = koui_h5_open_source(rd, src), grp = H5I_INVALID_HID;
    if (file < 0)
        return rd->status;
    size_t mmap[KOU_KPI_METRIC_COUNT], rmap[KOU_KPI_RES_METRIC_COUNT];
    kou_status st = read_root(rd, file, s, complete_out);
    if (st == KOU_OK)
        st = open_summary(rd, file, s->complete, &grp);
    if (st == KOU_OK)
        st = read_summary_attrs(rd, grp, s, mmap, rmap);
    if (st == KOU_OK)
        st = read_summary_tables(rd, grp, s);
    if (st == KOU_OK)
        st = read_summary_values(rd, grp, s, mmap, rmap);
    koui_h5_close_id(&grp, H5Gclose);
    koui_h5_close_id(&file, H5Fclose);
    if (rd->failed && st == KOU_OK)
        st = KOU_EINVAL;
    return st;
}

/* read_all through koui_h5_read. */
typedef struct summary_read {
    koui_h5_source src;
    kou_h5_summary *s;
    bool *complete_out;
} summary_read;

static kou_status read_summary(koui_h5_error *rd, const char *path, void *ctx)
{
    summary_read *sr = ctx;
    (void)path; /* in sr->src, with the image when there is no path */
    return read_all(rd, &sr->src, sr->s, sr->complete_out);
}

/* kou_h5_read_summary and kou_h5_read_summary_image: only src differs. */
static kou_status read_summary_from(const koui_h5_source *src, kou_h5_summary **out, bool *complete_out, char *err,
                                    size_t errsize)
{
    *out = NULL;
    err[0] = '\0';
    if (complete_out)
        *complete_out = true;
    kou_h5_summary *s = koui_calloc(1, sizeof *s);
    s->complete = true;
    summary_read sr = {*src, s, complete_out};
    kou_status st = koui_h5_read(src->path ? src->path : "(file image)", read_summary, &sr, err, errsize);
    if (st != KOU_OK) {
        kou_h5_summary_free(s);
        return st;
    }
    if (s->title == NULL)
        s->title = koui_strdup("");
    *out = s;
    return KOU_OK;
}

kou_status kou_h5_read_summary(const char *path, kou_h5_summary **out, bool *complete_out, char *err, size_t errsize)
{
    KOU_CHECK(path != NULL && out != NULL && err != NULL && errsize > 0);
    const koui_h5_source src = {path, NULL, 0};
    return read_summary_from(&src, out, complete_out, err, errsize);
}

kou_status kou_h5_read_summary_image(const void *image, size_t size, kou_h5_summary **out, bool *complete_out,
                                     char *err, size_t errsize)
{
    KOU_CHECK(out != NULL && err != NULL && errsize > 0 && (image != NULL || size == 0));
    const koui_h5_source src = {NULL, image, size};
    return read_summary_from(&src, out, complete_out, err, errsize);
}

kou_kpi_summary *kou_h5_summary_to_kpi(const kou_h5_summary *s)
{
    KOU_CHECK(s != NULL);
    kou_kpi_summary *sum = kou_kpi_summary_new();
    for (size_t r = 0; r < s->replications; r++)
        kou_kpi_summary_add_values(sum, s->ngroups, s->groups,
                                   s->group_values + r * s->ngroups * KOU_KPI_METRIC_COUNT, s->nresources,
                                   s->resources,
                                   s->resource_values + r * s->nresources * KOU_KPI_RES_METRIC_COUNT);
    return sum;
}

/* The read of kou_h5_check_summary's child; its payload is the int
** complete. */
static kou_status check_in_child(void *ctx, char *msg, size_t msgsize, void *payload)
{
    bool complete = true;
    kou_h5_summary *s = NULL;
    kou_status st = kou_h5_read_summary(ctx, &s, &complete, msg, msgsize);
    kou_h5_summary_free(s);
    int c = complete;
    memcpy(payload, &c, sizeof c);
    return st;
}

kou_status kou_h5_check_summary(const char *path, bool *complete_out, char *err, size_t errsize)
{
    KOU_CHECK(path != NULL && err != NULL && errsize > 0);
    if (complete_out)
        *complete_out = true;
    int complete = 1;
    /* A damaged file can make HDF5 ask for gigabytes (a vlen conversion
    ** buffer sized from garbage, found by fuzzing): capped, the request
    ** fails inside the library and the file is refused as damaged. One
    ** that makes it loop (also found by fuzzing) meets the CPU limit: the
    ** summary reads in milliseconds. A parent that goes takes the child
    ** along, so a killed kouan report leaves no loop behind. */
    const koui_h5_child_limits limits = {.cpu_seconds = 10, .data_bytes = (size_t)2 << 30, .die_with_parent = true};
    kou_status st =
        koui_h5_in_child(check_in_child, (void *)(uintptr_t)path, &limits, &complete, sizeof complete, err, errsize);
    if (complete_out)
        *complete_out = complete != 0;
    return st;
}
