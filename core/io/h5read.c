/*
** h5read.c — the /summary of a kouan run file, read back (see h5read.h).
**
** Every HDF5 handle lives in one reader struct and is closed in one place,
** so each error path is "fail(...); goto done". The library's automatic
** error printing is switched off for the duration of a read (and restored
** after); on failure the innermost entry of its error stack (the most
** specific one, e.g. "truncated file: eof = ...") is appended to the
** message. Sizes read from the file are bounded before anything is
** allocated from them.
*/
#include "io/h5read.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

/* Bounds on what a file may declare (far above any real run). */
#define MAX_REPLICATIONS 1000000u
#define MAX_ROWS 100000u
#define MAX_NAMES 4096u
#define MAX_STRING (1u << 20)
#define MAX_VALUES ((size_t)1 << 27) /* doubles in one dataset: 1 GiB */

typedef struct reader {
    char *err;
    size_t errsize;
    bool failed;
} reader;

/* ---- errors ---- */

static herr_t innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    char *desc = data; /* 256 bytes */
    if (n == 0 && e != NULL && e->desc != NULL)
        snprintf(desc, 256, "%s", e->desc);
    return 0;
}

static kou_status fail(reader *rd, kou_status code, const char *fmt, ...) KOU_PRINTF(3, 4);
static kou_status fail(reader *rd, kou_status code, const char *fmt, ...)
{
    if (rd->failed) /* the first message is the one that says what went wrong */
        return code;
    rd->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err, rd->errsize, fmt, ap);
    va_end(ap);
    char desc[256] = "";
    if (H5Eget_num(H5E_DEFAULT) > 0)
        H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, desc);
    H5Eclear2(H5E_DEFAULT);
    /* one line: no control characters from the library */
    for (char *p = desc; *p; p++)
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    if (desc[0]) {
        size_t len = strlen(rd->err);
        if (len + 4 < rd->errsize)
            snprintf(rd->err + len, rd->errsize - len, " (HDF5: %s)", desc);
    }
    return code;
}

static void close_id(hid_t *id, herr_t (*fn)(hid_t))
{
    if (*id >= 0)
        fn(*id);
    *id = H5I_INVALID_HID;
}

/* ---- attributes ---- */

/* Opens attribute name of loc; *present false (and H5I_INVALID_HID) when it
** does not exist. A negative id with *present true is an error (set). */
static hid_t open_attr(reader *rd, hid_t loc, const char *where, const char *name, bool *present)
{
    htri_t ex = H5Aexists(loc, name);
    *present = ex > 0;
    if (ex < 0) {
        *present = true;
        fail(rd, KOU_EIO, "cannot read the attributes of %s", where);
        return H5I_INVALID_HID;
    }
    if (ex == 0)
        return H5I_INVALID_HID;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0)
        fail(rd, KOU_EIO, "cannot open attribute %s of %s", name, where);
    return a;
}

/* The number of elements of an attribute or dataset space, or -1. */
static long long space_points(hid_t space)
{
    if (space < 0)
        return -1;
    hssize_t n = H5Sget_simple_extent_npoints(space);
    return n < 0 ? -1 : (long long)n;
}

/* An integer attribute (one element). Returns 1 read, 0 absent, -1 error. */
static int attr_int(reader *rd, hid_t loc, const char *where, const char *name, long long *v)
{
    bool present;
    hid_t a = open_attr(rd, loc, where, name, &present);
    if (!present)
        return 0;
    if (a < 0)
        return -1;
    int rc = -1;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    if (t < 0 || H5Tget_class(t) != H5T_INTEGER || space_points(sp) != 1)
        fail(rd, KOU_EINVAL, "attribute %s of %s is not one integer", name, where);
    else if (H5Aread(a, H5T_NATIVE_LLONG, v) < 0)
        fail(rd, KOU_EIO, "cannot read attribute %s of %s", name, where);
    else
        rc = 1;
    close_id(&sp, H5Sclose);
    close_id(&t, H5Tclose);
    H5Aclose(a);
    return rc;
}

/* A copy of at most max bytes of p, stopping at a NUL. */
static char *copy_bytes(const char *p, size_t max)
{
    size_t n = 0;
    while (n < max && p[n])
        n++;
    char *s = koui_malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* A string attribute, scalar or 1-D, variable or fixed length: *n strings
** into a new array *out (each malloc'd). Returns 1 read, 0 absent, -1
** error. */
static int attr_strings(reader *rd, hid_t loc, const char *where, const char *name, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    bool present;
    hid_t a = open_attr(rd, loc, where, name, &present);
    if (!present)
        return 0;
    if (a < 0)
        return -1;
    int rc = -1;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a), mt = H5I_INVALID_HID;
    long long np = space_points(sp);
    char *buf = NULL;
    if (t < 0 || H5Tget_class(t) != H5T_STRING || np < 0 || np > (long long)MAX_NAMES ||
        (sp >= 0 && H5Sget_simple_extent_ndims(sp) > 1)) {
        fail(rd, KOU_EINVAL, "attribute %s of %s is not a string or a list of strings", name, where);
        goto done;
    }
    size_t count = (size_t)np;
    htri_t var = H5Tis_variable_str(t);
    size_t size = H5Tget_size(t);
    if (var < 0 || (var == 0 && (size == 0 || size > MAX_STRING))) {
        fail(rd, KOU_EINVAL, "attribute %s of %s has an unusable string type", name, where);
        goto done;
    }
    mt = H5Tcopy(H5T_C_S1);
    if (mt < 0 || H5Tset_size(mt, var ? H5T_VARIABLE : size) < 0 || H5Tset_cset(mt, H5Tget_cset(t)) < 0 ||
        (!var && H5Tset_strpad(mt, H5Tget_strpad(t)) < 0)) {
        fail(rd, KOU_EIO, "attribute %s of %s: cannot make a string type", name, where);
        goto done;
    }
    size_t each = var ? sizeof(char *) : size;
    buf = koui_calloc(count ? count : 1, each);
    if (count > 0 && H5Aread(a, mt, buf) < 0) {
        fail(rd, KOU_EIO, "cannot read attribute %s of %s", name, where);
        goto done;
    }
    char **strs = koui_calloc(count ? count : 1, sizeof *strs);
    for (size_t i = 0; i < count; i++) {
        if (var) {
            char *p = ((char **)(void *)buf)[i];
            strs[i] = copy_bytes(p ? p : "", MAX_STRING);
        } else {
            strs[i] = copy_bytes(buf + i * size, size);
        }
    }
    if (var && count > 0)
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
    *out = strs;
    *n = count;
    rc = 1;
done:
    free(buf);
    close_id(&mt, H5Tclose);
    close_id(&sp, H5Sclose);
    close_id(&t, H5Tclose);
    H5Aclose(a);
    return rc;
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(s[i]);
    free(s);
}

/* One string attribute: *out a copy (or "" when absent and not required). */
static int attr_string(reader *rd, hid_t loc, const char *where, const char *name, char **out)
{
    char **s;
    size_t n;
    int rc = attr_strings(rd, loc, where, name, &s, &n);
    *out = NULL;
    if (rc == 1 && n != 1) {
        fail(rd, KOU_EINVAL, "attribute %s of %s is not one string", name, where);
        rc = -1;
    }
    if (rc == 1) {
        *out = s[0];
        s[0] = NULL;
    }
    free_strings(s, n);
    if (rc == 0)
        *out = koui_strdup("");
    return rc;
}

/* ---- datasets ---- */

/* Opens /summary/name and checks its rank; dims receives its extent. */
static hid_t open_dataset(reader *rd, hid_t grp, const char *name, int rank, hsize_t *dims, H5T_class_t cls)
{
    htri_t ex = H5Lexists(grp, name, H5P_DEFAULT);
    if (ex <= 0) {
        if (ex < 0)
            fail(rd, KOU_EIO, "cannot read /summary/%s (damaged file?)", name);
        else
            fail(rd, KOU_EINVAL, "/summary/%s is missing", name);
        return H5I_INVALID_HID;
    }
    hid_t d = H5Dopen2(grp, name, H5P_DEFAULT);
    if (d < 0) {
        fail(rd, KOU_EIO, "cannot open /summary/%s", name);
        return H5I_INVALID_HID;
    }
    hid_t t = H5Dget_type(d), sp = H5Dget_space(d);
    bool good = t >= 0 && sp >= 0 && H5Tget_class(t) == cls && H5Sget_simple_extent_ndims(sp) == rank &&
                H5Sget_simple_extent_dims(sp, dims, NULL) == rank;
    close_id(&sp, H5Sclose);
    close_id(&t, H5Tclose);
    if (!good) {
        fail(rd, KOU_EINVAL, "/summary/%s: expected a %d-dimensional %s dataset", name, rank,
             cls == H5T_FLOAT ? "float" : "compound");
        H5Dclose(d);
        return H5I_INVALID_HID;
    }
    return d;
}

/* A float dataset of exactly the expected shape, read as doubles into a
** new array in file order. */
static double *read_f64(reader *rd, hid_t grp, const char *name, int rank, const hsize_t *expect,
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
            fail(rd, KOU_EINVAL, "/summary/%s has shape %s, expected %s = (%llu, %llu, %llu)", name, got,
                 shape, (unsigned long long)expect[0], (unsigned long long)expect[1],
                 (unsigned long long)expect[2]);
            H5Dclose(d);
            return NULL;
        }
        total *= (size_t)dims[i]; /* bounded: every expected extent is */
    }
    if (total > MAX_VALUES) {
        fail(rd, KOU_EINVAL, "/summary/%s is too large (%zu values)", name, total);
        H5Dclose(d);
        return NULL;
    }
    double *v = koui_malloc((total ? total : 1) * sizeof *v);
    if (total > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        fail(rd, KOU_EIO, "cannot read /summary/%s", name);
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

/* Checks that the file's compound type has member name of class cls (a
** variable-length string when cls is H5T_STRING) and returns its cset. */
static bool has_member(hid_t ft, const char *name, H5T_class_t cls, H5T_cset_t *cset)
{
    int i = H5Tget_member_index(ft, name);
    if (i < 0)
        return false;
    hid_t mt = H5Tget_member_type(ft, (unsigned)i);
    if (mt < 0)
        return false;
    bool ok = H5Tget_class(mt) == cls && (cls != H5T_STRING || H5Tis_variable_str(mt) > 0);
    if (ok && cset)
        *cset = H5Tget_cset(mt);
    H5Tclose(mt);
    return ok;
}

/* A vlen string type for memory in the file's character set. */
static hid_t vstring(H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, cset) < 0)) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* Reads a 1-D compound table of n_expected rows (or any number when
** n_expected is SIZE_MAX) into rows of row_size bytes laid out by memtype;
** checks every member name/cls. The caller reclaims the strings with
** H5Dvlen_reclaim through *space_out and memtype. */
static void *read_table(reader *rd, hid_t grp, const char *name, hid_t memtype, size_t row_size,
                        size_t *n_out, hid_t *space_out)
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
        if (mname == NULL || !has_member(ft, mname, cls, NULL)) {
            fail(rd, KOU_EINVAL, "/summary/%s has no %s column '%s'", name,
                 cls == H5T_STRING ? "variable-length string" : "integer", mname ? mname : "?");
            ok = false;
        }
        H5free_memory(mname);
    }
    close_id(&ft, H5Tclose);
    if (ok && dims[0] > MAX_ROWS) {
        fail(rd, KOU_EINVAL, "/summary/%s has %llu rows (at most %u)", name, (unsigned long long)dims[0],
             MAX_ROWS);
        ok = false;
    }
    if (ok) {
        size_t n = (size_t)dims[0];
        rows = koui_calloc(n ? n : 1, row_size);
        *space_out = H5Screate_simple(1, dims, NULL);
        if (n > 0 && (*space_out < 0 || H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) < 0)) {
            fail(rd, KOU_EIO, "cannot read /summary/%s", name);
            free(rows);
            rows = NULL;
            close_id(space_out, H5Sclose);
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
        has_member(ft, name, H5T_STRING, &cset);
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
static bool map_names(reader *rd, const char *attr, char **names, size_t n, size_t count,
                      const char *(*name_of)(int), size_t *map)
{
    if (n != count) {
        fail(rd, KOU_EINVAL, "/summary attribute %s has %zu names, this kouan knows %zu", attr, n, count);
        return false;
    }
    for (size_t m = 0; m < count; m++) {
        size_t j = 0;
        while (j < n && strcmp(names[j], name_of((int)m)) != 0)
            j++;
        if (j == n) {
            fail(rd, KOU_EINVAL, "/summary attribute %s lacks '%s'", attr, name_of((int)m));
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

static kou_status read_all(reader *rd, const char *path, kou_h5_summary *s, bool *complete_out)
{
    hid_t file = H5I_INVALID_HID, grp = H5I_INVALID_HID, gtype = H5I_INVALID_HID, rtype = H5I_INVALID_HID;
    hid_t gstr = H5I_INVALID_HID, rstr1 = H5I_INVALID_HID, rstr2 = H5I_INVALID_HID;
    hid_t gspace = H5I_INVALID_HID, rspace = H5I_INVALID_HID;
    group_row *grows = NULL;
    res_row *rrows = NULL;
    size_t ng = 0, nr = 0;
    char **mnames = NULL, **rnames = NULL;
    size_t nmn = 0, nrn = 0;
    kou_status st = KOU_OK;

    struct stat sb;
    if (stat(path, &sb) != 0)
        return fail(rd, errno == ENOENT ? KOU_ENOENT : KOU_EIO, "cannot open: %s", strerror(errno));
    if (S_ISDIR(sb.st_mode))
        return fail(rd, KOU_EIO, "is a directory, not a run file");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return fail(rd, KOU_EIO, "cannot open: %s", strerror(errno));
    fclose(f);
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0)
        return fail(rd, KOU_EIO, "not an HDF5 file%s", sb.st_size < 512 && is < 0 ? " (too short)" : "");
    file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0) {
        st = fail(rd, KOU_EIO, "a damaged or truncated HDF5 file");
        goto done;
    }
    long long v;
    int rc = attr_int(rd, file, "/", "schema_version", &v);
    if (rc == 0) {
        st = fail(rd, KOU_EINVAL, "an HDF5 file, but not a kouan run file (no schema_version attribute at /)");
        goto done;
    }
    if (rc < 0) {
        st = KOU_EINVAL;
        goto done;
    }
    if (v != KOU_H5_SCHEMA_VERSION) {
        st = fail(rd, KOU_EINVAL, "schema_version %lld is not supported (this kouan reads version %d)", v,
                  KOU_H5_SCHEMA_VERSION);
        goto done;
    }
    s->schema_version = (int)v;
    rc = attr_int(rd, file, "/", "complete", &v);
    if (rc < 0) {
        st = KOU_EINVAL;
        goto done;
    }
    s->complete = rc == 0 || v != 0;
    if (complete_out)
        *complete_out = s->complete;
    if (attr_string(rd, file, "/", "scenario_path", &s->scenario) < 0 ||
        attr_string(rd, file, "/", "era", &s->era) < 0) {
        st = KOU_EINVAL;
        goto done;
    }
    htri_t ex = H5Lexists(file, "consignments", H5P_DEFAULT);
    s->has_consignments = ex > 0;
    H5Eclear2(H5E_DEFAULT);

    ex = H5Lexists(file, "summary", H5P_DEFAULT);
    if (ex < 0) {
        st = fail(rd, KOU_EIO, "cannot read the root group (damaged file?)");
        goto done;
    }
    if (ex == 0) {
        st = fail(rd, KOU_EINVAL, "a kouan run file without /summary%s",
                  s->complete ? "" : " (no replication finished)");
        goto done;
    }
    grp = H5Gopen2(file, "summary", H5P_DEFAULT);
    if (grp < 0) {
        st = fail(rd, KOU_EINVAL, "cannot open /summary as a group (not a group, or a damaged file)");
        goto done;
    }
    if (attr_string(rd, grp, "/summary", "title", &s->title) < 0 ||
        attr_int(rd, grp, "/summary", "replications", &v) <= 0) {
        st = fail(rd, KOU_EINVAL, "/summary has no replications attribute");
        goto done;
    }
    if (v < 0 || v > (long long)MAX_REPLICATIONS) {
        st = fail(rd, KOU_EINVAL, "/summary: replications %lld out of range", v);
        goto done;
    }
    s->replications = (size_t)v;
    size_t mmap[KOU_KPI_METRIC_COUNT], rmap[KOU_KPI_RES_METRIC_COUNT];
    if (attr_strings(rd, grp, "/summary", "metric_names", &mnames, &nmn) <= 0 ||
        attr_strings(rd, grp, "/summary", "resource_metric_names", &rnames, &nrn) <= 0) {
        st = fail(rd, KOU_EINVAL, "/summary lacks the metric_names or resource_metric_names attribute");
        goto done;
    }
    if (!map_names(rd, "metric_names", mnames, nmn, KOU_KPI_METRIC_COUNT, metric_name, mmap) ||
        !map_names(rd, "resource_metric_names", rnames, nrn, KOU_KPI_RES_METRIC_COUNT, res_metric_name, rmap)) {
        st = KOU_EINVAL;
        goto done;
    }

    /* the compound tables */
    gstr = vstring(member_cset(grp, "groups", "port"));
    rstr1 = vstring(member_cset(grp, "resources", "port"));
    rstr2 = vstring(member_cset(grp, "resources", "name"));
    gtype = H5Tcreate(H5T_COMPOUND, sizeof(group_row));
    rtype = H5Tcreate(H5T_COMPOUND, sizeof(res_row));
    if (gstr < 0 || rstr1 < 0 || rstr2 < 0 || gtype < 0 || rtype < 0 ||
        H5Tinsert(gtype, "port", HOFFSET(group_row, port), gstr) < 0 ||
        H5Tinsert(gtype, "port_index", HOFFSET(group_row, port_index), H5T_NATIVE_INT) < 0 ||
        H5Tinsert(gtype, "mode", HOFFSET(group_row, mode), H5T_NATIVE_INT) < 0 ||
        H5Tinsert(gtype, "direction", HOFFSET(group_row, direction), H5T_NATIVE_INT) < 0 ||
        H5Tinsert(rtype, "port", HOFFSET(res_row, port), rstr1) < 0 ||
        H5Tinsert(rtype, "port_index", HOFFSET(res_row, port_index), H5T_NATIVE_INT) < 0 ||
        H5Tinsert(rtype, "name", HOFFSET(res_row, name), rstr2) < 0) {
        st = fail(rd, KOU_EIO, "cannot make the HDF5 memory types");
        goto done;
    }
    grows = read_table(rd, grp, "groups", gtype, sizeof *grows, &ng, &gspace);
    if (grows == NULL) {
        st = KOU_EINVAL;
        goto done;
    }
    rrows = read_table(rd, grp, "resources", rtype, sizeof *rrows, &nr, &rspace);
    if (rrows == NULL) {
        st = KOU_EINVAL;
        goto done;
    }
    for (size_t g = 0; g < ng; g++) {
        const group_row *r = &grows[g];
        if (r->port == NULL || r->port_index < -1 || r->mode < -1 || r->mode >= KOU_MODE_COUNT ||
            r->direction < 0 || r->direction >= KOU_DIRECTION_COUNT || (r->port_index < 0) != (r->mode < 0)) {
            st = fail(rd, KOU_EINVAL, "/summary/groups row %zu is not a group (port_index %d, mode %d, direction %d)",
                      g, r->port_index, r->mode, r->direction);
            goto done;
        }
    }
    for (size_t i = 0; i < nr; i++)
        if (rrows[i].port == NULL || rrows[i].name == NULL || rrows[i].port_index < 0) {
            st = fail(rd, KOU_EINVAL, "/summary/resources row %zu is not a resource", i);
            goto done;
        }
    s->ngroups = ng;
    s->groups = koui_calloc(ng ? ng : 1, sizeof *s->groups);
    for (size_t g = 0; g < ng; g++) {
        s->groups[g] = (kou_kpi_group){copy_bytes(grows[g].port, MAX_STRING), grows[g].port_index, grows[g].mode,
                                       grows[g].direction};
    }
    s->nresources = nr;
    s->resources = koui_calloc(nr ? nr : 1, sizeof *s->resources);
    for (size_t i = 0; i < nr; i++)
        s->resources[i] = (kou_kpi_resource_id){copy_bytes(rrows[i].port, MAX_STRING), rrows[i].port_index,
                                                copy_bytes(rrows[i].name, MAX_STRING)};

    /* the values */
    size_t R = s->replications;
    hsize_t e1[3] = {R, ng, KOU_KPI_METRIC_COUNT};
    hsize_t e2[3] = {R, nr, KOU_KPI_RES_METRIC_COUNT};
    hsize_t e3[3] = {ng, KOU_KPI_METRIC_COUNT, 2};
    if ((s->group_values = read_f64(rd, grp, "group_values", 3, e1, "(replications, groups, metrics)")) == NULL ||
        (s->resource_values = read_f64(rd, grp, "resource_values", 3, e2,
                                       "(replications, resources, resource metrics)")) == NULL ||
        (s->across = read_f64(rd, grp, "across", 3, e3, "(groups, metrics, 2)")) == NULL) {
        st = KOU_EINVAL;
        goto done;
    }
    reorder(s->group_values, R * ng, KOU_KPI_METRIC_COUNT, 1, mmap);
    reorder(s->resource_values, R * nr, KOU_KPI_RES_METRIC_COUNT, 1, rmap);
    reorder(s->across, ng, KOU_KPI_METRIC_COUNT, 2, mmap);

done:
    if (grows && gspace >= 0)
        H5Dvlen_reclaim(gtype, gspace, H5P_DEFAULT, grows);
    if (rrows && rspace >= 0)
        H5Dvlen_reclaim(rtype, rspace, H5P_DEFAULT, rrows);
    free(grows);
    free(rrows);
    free_strings(mnames, nmn);
    free_strings(rnames, nrn);
    close_id(&gspace, H5Sclose);
    close_id(&rspace, H5Sclose);
    close_id(&gtype, H5Tclose);
    close_id(&rtype, H5Tclose);
    close_id(&gstr, H5Tclose);
    close_id(&rstr1, H5Tclose);
    close_id(&rstr2, H5Tclose);
    close_id(&grp, H5Gclose);
    close_id(&file, H5Fclose);
    if (rd->failed && st == KOU_OK)
        st = KOU_EINVAL;
    return st;
}

kou_status kou_h5_read_summary(const char *path, kou_h5_summary **out, bool *complete_out, char *err,
                               size_t errsize)
{
    KOU_CHECK(path != NULL && out != NULL && err != NULL && errsize > 0);
    *out = NULL;
    err[0] = '\0';
    if (complete_out)
        *complete_out = true;
    /* silence the library's printing for this read, then put it back */
    H5E_auto2_t old_fn = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    reader rd = {err, errsize, false};
    kou_h5_summary *s = koui_calloc(1, sizeof *s);
    s->complete = true;
    kou_status st = read_all(&rd, path, s, complete_out);
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    if (st != KOU_OK) {
        kou_h5_summary_free(s);
        return st;
    }
    if (s->title == NULL)
        s->title = koui_strdup("");
    *out = s;
    return KOU_OK;
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

/* The child's answer on the pipe: status, complete, then the message. */
typedef struct probe_result {
    int status;
    int complete;
    char msg[512];
} probe_result;

/* A damaged file can make HDF5 ask for gigabytes (a vlen conversion
** buffer sized from garbage, found by fuzzing): the checking child's data
** segment is capped at CHILD_MEMORY, so such a request fails inside the
** library and the file is refused as damaged, on any machine. Not under
** AddressSanitizer, whose shadow memory already exceeds any cap. */
#define CHILD_MEMORY ((rlim_t)2 << 30)
#if defined(__SANITIZE_ADDRESS__)
#define KOU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KOU_ASAN 1
#endif
#endif

static void limit_child_memory(void)
{
#ifndef KOU_ASAN
    struct rlimit rl;
    if (getrlimit(RLIMIT_DATA, &rl) == 0 && (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > CHILD_MEMORY)) {
        rl.rlim_cur = CHILD_MEMORY;
        setrlimit(RLIMIT_DATA, &rl);
    }
#endif
}

kou_status kou_h5_check_summary(const char *path, bool *complete_out, char *err, size_t errsize)
{
    KOU_CHECK(path != NULL && err != NULL && errsize > 0);
    err[0] = '\0';
    if (complete_out)
        *complete_out = true;
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errsize, "cannot check the file: pipe: %s", strerror(errno));
        return KOU_EIO;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errsize, "cannot check the file: fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return KOU_EIO;
    }
    if (pid == 0) {
        close(fd[0]);
        probe_result r;
        memset(&r, 0, sizeof r);
        bool complete = true;
        kou_h5_summary *s = NULL;
        /* crash signals kill the child plainly: a fuzzer's or sanitizer's
        ** handler inherited from the parent would report the library's
        ** crash as the parent's */
        static const int deadly[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof deadly / sizeof *deadly; i++)
            signal(deadly[i], SIG_DFL);
        limit_child_memory();
        r.status = kou_h5_read_summary(path, &s, &complete, r.msg, sizeof r.msg);
        r.complete = complete;
        kou_h5_summary_free(s);
        /* and everything the parent's exit will do: on some damaged files
        ** the read succeeds but the library crashes closing the file at
        ** exit (H5F__close_cb, found by fuzzing) */
        H5close();
        const char *p = (const char *)&r;
        size_t left = sizeof r;
        while (left > 0) {
            ssize_t n = write(fd[1], p, left);
            if (n <= 0)
                break;
            p += n;
            left -= (size_t)n;
        }
        _exit(0);
    }
    close(fd[1]);
    probe_result r;
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = read(fd[0], (char *)&r + got, sizeof r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd[0]);
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    if (got != sizeof r) {
        if (WIFSIGNALED(wst))
            snprintf(err, errsize, "the HDF5 library crashed reading it (signal %d): a damaged file",
                     WTERMSIG(wst));
        else
            snprintf(err, errsize, "the HDF5 library failed reading it: a damaged file");
        return KOU_EIO;
    }
    r.msg[sizeof r.msg - 1] = '\0';
    snprintf(err, errsize, "%s", r.msg);
    if (complete_out)
        *complete_out = r.complete != 0;
    return (kou_status)r.status;
}
