/*
** replay.c — one replication of a kouan run file, read for kouan-viz (see
** replay.h and docs/hdf5-schema.md).
**
** The same discipline as h5read.c: every handle is closed in one place,
** each error path is "fail(...); goto done", HDF5's printing is off for
** the read and its innermost error is appended to the one-line message,
** and every size read from the file is bounded before it is allocated.
**
** The row tables are read by member name into memory compound types that
** hold only the columns used (HDF5 converts by name, so the file's column
** order and integer widths do not matter), BLOCK rows at a time through a
** hyperslab: a one-year file (half a million rows per table) reads in
** bounded extra memory, and only the requested replication's rows are
** kept. Small integer columns are read as 64-bit so that every value the
** file may hold is range-checked exactly instead of clamped.
*/
#include "io/replay.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <hdf5.h>

/* Bounds on what a file may declare (far above any real run). */
#define MAX_REPLICATIONS 1000000u
#define MAX_LAYOUT 65536u           /* rows of a /layout table: indices are uint16 */
#define MAX_ROWS ((hsize_t)1 << 31) /* rows of /consignments or /timeseries */
#define MAX_CELLS ((size_t)1 << 26) /* samples x resources of the grid (768 MiB) */
#define MAX_STRING (1u << 20)
#define BLOCK 65536u                /* rows per hyperslab read */
#define MAX_TCONV ((size_t)64 << 20) /* HDF5's conversion buffer, for foreign files with huge rows */

typedef struct reader {
    char *err;
    size_t errsize;
    bool failed;
    kou_status status; /* of the first failure */
} reader;

/* ---- errors (as h5read.c) ---- */

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
    rd->status = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->err, rd->errsize, fmt, ap);
    va_end(ap);
    char desc[256] = "";
    if (H5Eget_num(H5E_DEFAULT) > 0)
        H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, desc);
    H5Eclear2(H5E_DEFAULT);
    for (char *p = desc; *p; p++) /* one line: no control characters from the library */
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

/* A copy of at most max bytes of p, stopping at a NUL ("" for NULL). */
static char *copy_bytes(const char *p, size_t max)
{
    size_t n = 0;
    while (p != NULL && n < max && p[n])
        n++;
    char *s = koui_malloc(n + 1);
    if (n > 0)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* ---- root attributes ---- */

/* Opens attribute name of the root; returns 0 absent, 1 open (*a), -1 error (set). */
static int open_attr(reader *rd, hid_t file, const char *name, hid_t *a)
{
    *a = H5I_INVALID_HID;
    htri_t ex = H5Aexists(file, name);
    if (ex < 0) {
        fail(rd, KOU_EIO, "cannot read the root attributes (damaged file?)");
        return -1;
    }
    if (ex == 0)
        return 0;
    *a = H5Aopen(file, name, H5P_DEFAULT);
    if (*a < 0) {
        fail(rd, KOU_EIO, "cannot open root attribute %s", name);
        return -1;
    }
    return 1;
}

/* One number (integer or float class) read as mem_type into v. Returns 1
** read, 0 absent, -1 error (set). */
static int attr_number(reader *rd, hid_t file, const char *name, bool integer, hid_t mem_type, void *v)
{
    hid_t a;
    int rc = open_attr(rd, file, name, &a);
    if (rc <= 0)
        return rc;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    rc = -1;
    if (sp < 0 || H5Sget_simple_extent_npoints(sp) != 1 ||
        (cls != H5T_INTEGER && (integer || cls != H5T_FLOAT)))
        fail(rd, KOU_EINVAL, "root attribute %s is not one %s", name, integer ? "integer" : "number");
    else if (H5Aread(a, mem_type, v) < 0)
        fail(rd, KOU_EIO, "cannot read root attribute %s", name);
    else
        rc = 1;
    close_id(&sp, H5Sclose);
    close_id(&t, H5Tclose);
    H5Aclose(a);
    return rc;
}

/* One string attribute (variable or fixed length, one element) into a new
** string; "" when absent. Returns false on error (set). */
static bool attr_string(reader *rd, hid_t file, const char *name, char **out)
{
    *out = NULL;
    hid_t a;
    int rc = open_attr(rd, file, name, &a);
    if (rc < 0)
        return false;
    if (rc == 0) {
        *out = copy_bytes("", 0);
        return true;
    }
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a), mt = H5I_INVALID_HID;
    htri_t var = t >= 0 ? H5Tis_variable_str(t) : -1;
    size_t size = t >= 0 ? H5Tget_size(t) : 0;
    if (t < 0 || H5Tget_class(t) != H5T_STRING || sp < 0 || H5Sget_simple_extent_npoints(sp) != 1 || var < 0 ||
        (var == 0 && (size == 0 || size > MAX_STRING))) {
        fail(rd, KOU_EINVAL, "root attribute %s is not one string", name);
        goto done;
    }
    mt = H5Tcopy(H5T_C_S1);
    if (mt < 0 || H5Tset_size(mt, var ? H5T_VARIABLE : size) < 0 || H5Tset_cset(mt, H5Tget_cset(t)) < 0) {
        fail(rd, KOU_EIO, "root attribute %s: cannot make a string type", name);
        goto done;
    }
    if (var) {
        char *p = NULL;
        if (H5Aread(a, mt, &p) < 0) {
            fail(rd, KOU_EIO, "cannot read root attribute %s", name);
            goto done;
        }
        *out = copy_bytes(p, MAX_STRING);
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, &p);
    } else {
        char *buf = koui_calloc(size + 1, 1);
        if (H5Aread(a, mt, buf) < 0)
            fail(rd, KOU_EIO, "cannot read root attribute %s", name);
        else
            *out = copy_bytes(buf, size);
        free(buf);
    }
done:
    close_id(&mt, H5Tclose);
    close_id(&sp, H5Sclose);
    close_id(&t, H5Tclose);
    H5Aclose(a);
    return *out != NULL;
}

/* ---- compound tables ---- */

/* One member of a memory row type: its name, the class the file's member
** must have, the memory type and offset. */
typedef struct member {
    const char *name;
    H5T_class_t cls; /* H5T_INTEGER, H5T_FLOAT or H5T_STRING (variable length) */
    size_t offset;
    hid_t type;      /* for strings: ignored, a vlen string in the file's cset is made */
} member;

typedef struct table {
    hid_t dset, mtype, space;
    hid_t dxpl; /* a type-conversion buffer for a whole block */
    hsize_t rows;
    bool has_strings;
} table;

static void table_close(table *t)
{
    close_id(&t->dxpl, H5Pclose);
    close_id(&t->space, H5Sclose);
    close_id(&t->mtype, H5Tclose);
    close_id(&t->dset, H5Dclose);
}

/* Opens path, a 1-D compound dataset with every member of m (by name, of
** its class), and makes the memory type of row_size bytes. */
static bool table_open(reader *rd, hid_t file, const char *path, const member *m, size_t nm, size_t row_size,
                       hsize_t max_rows, table *t)
{
    *t = (table){H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, 0, false};
    hid_t ft = H5I_INVALID_HID;
    htri_t ex = H5Lexists(file, path, H5P_DEFAULT);
    if (ex <= 0) {
        if (ex < 0)
            fail(rd, KOU_EIO, "cannot read %s (damaged file?)", path);
        else
            fail(rd, KOU_EINVAL, "not a kouan run file: %s is missing", path);
        return false;
    }
    if ((t->dset = H5Dopen2(file, path, H5P_DEFAULT)) < 0) {
        fail(rd, KOU_EINVAL, "cannot open %s as a dataset", path);
        return false;
    }
    ft = H5Dget_type(t->dset);
    t->space = H5Dget_space(t->dset);
    hsize_t dim = 0;
    if (ft < 0 || t->space < 0 || H5Tget_class(ft) != H5T_COMPOUND || H5Sget_simple_extent_ndims(t->space) != 1 ||
        H5Sget_simple_extent_dims(t->space, &dim, NULL) != 1) {
        fail(rd, KOU_EINVAL, "%s is not a 1-dimensional compound dataset", path);
        goto bad;
    }
    if (dim > max_rows) {
        fail(rd, KOU_EINVAL, "%s has %llu rows (at most %llu)", path, (unsigned long long)dim,
             (unsigned long long)max_rows);
        goto bad;
    }
    t->rows = dim;
    if ((t->mtype = H5Tcreate(H5T_COMPOUND, row_size)) < 0) {
        fail(rd, KOU_EIO, "cannot make the HDF5 memory type of %s", path);
        goto bad;
    }
    for (size_t i = 0; i < nm; i++) {
        int k = H5Tget_member_index(ft, m[i].name);
        hid_t fm = k >= 0 ? H5Tget_member_type(ft, (unsigned)k) : H5I_INVALID_HID;
        bool good = fm >= 0 && H5Tget_class(fm) == m[i].cls && (m[i].cls != H5T_STRING || H5Tis_variable_str(fm) > 0);
        hid_t mt = m[i].type;
        if (good && m[i].cls == H5T_STRING) {
            mt = H5Tcopy(H5T_C_S1);
            if (mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 || H5Tset_cset(mt, H5Tget_cset(fm)) < 0)
                good = false;
            t->has_strings = true;
        }
        if (fm >= 0)
            H5Tclose(fm);
        if (!good || H5Tinsert(t->mtype, m[i].name, m[i].offset, mt) < 0) {
            const char *what = m[i].cls == H5T_STRING ? "variable-length string"
                               : m[i].cls == H5T_FLOAT ? "float"
                                                       : "integer";
            fail(rd, KOU_EINVAL, "%s has no %s column '%s'", path, what, m[i].name);
            if (mt != m[i].type && mt >= 0)
                H5Tclose(mt);
            goto bad;
        }
        if (mt != m[i].type)
            H5Tclose(mt);
    }
    /* HDF5 converts through a 1 MiB buffer by default: a block read would go
    ** in strips that cut chunks, and a chunk cut twice is inflated twice.
    ** A buffer for the whole block makes it one pass per chunk. */
    size_t fsize = H5Tget_size(ft), msize = row_size > fsize ? row_size : fsize;
    size_t bufsize = msize > MAX_TCONV / BLOCK ? (msize > MAX_TCONV ? msize : MAX_TCONV) : BLOCK * msize;
    if ((t->dxpl = H5Pcreate(H5P_DATASET_XFER)) < 0 || H5Pset_buffer(t->dxpl, bufsize, NULL, NULL) < 0) {
        fail(rd, KOU_EIO, "cannot make the HDF5 transfer properties of %s", path);
        goto bad;
    }
    H5Tclose(ft);
    return true;
bad:
    close_id(&ft, H5Tclose);
    table_close(t);
    return false;
}

/* Reads rows [start, start + n) of t into buf. */
static bool table_read(reader *rd, table *t, const char *path, hsize_t start, hsize_t n, void *buf)
{
    hid_t ms = H5Screate_simple(1, &n, NULL);
    bool good = ms >= 0 && H5Sselect_hyperslab(t->space, H5S_SELECT_SET, &start, NULL, &n, NULL) >= 0 &&
                H5Dread(t->dset, t->mtype, ms, t->space, t->dxpl, buf) >= 0;
    if (ms >= 0)
        H5Sclose(ms);
    if (!good)
        fail(rd, KOU_EIO, "cannot read rows %llu-%llu of %s (damaged file?)", (unsigned long long)start,
             (unsigned long long)(start + n - 1), path);
    return good;
}

/* Frees the strings HDF5 allocated in n rows of buf. */
static void table_reclaim(table *t, hsize_t n, void *buf)
{
    if (!t->has_strings || n == 0)
        return;
    hid_t sp = H5Screate_simple(1, &n, NULL);
    if (sp >= 0) {
        H5Dvlen_reclaim(t->mtype, sp, H5P_DEFAULT, buf);
        H5Sclose(sp);
    }
}

/* ---- /layout ---- */

typedef struct layout_row {
    int64_t a, b, c, d; /* the integer columns, in the order of the member list */
    char *name;
} layout_row;

/* Reads a whole /layout table of integer columns ints[0..nints) and name. */
static layout_row *read_layout(reader *rd, hid_t file, const char *path, const char *const *ints, size_t nints,
                               size_t *n)
{
    member m[5];
    for (size_t i = 0; i < nints; i++)
        m[i] = (member){ints[i], H5T_INTEGER, i * sizeof(int64_t), H5T_NATIVE_INT64};
    m[nints] = (member){"name", H5T_STRING, offsetof(layout_row, name), H5I_INVALID_HID};
    table t;
    *n = 0;
    if (!table_open(rd, file, path, m, nints + 1, sizeof(layout_row), MAX_LAYOUT, &t))
        return NULL;
    size_t rows = (size_t)t.rows;
    layout_row *r = koui_calloc(rows ? rows : 1, sizeof *r);
    if (rows > 0 && !table_read(rd, &t, path, 0, t.rows, r)) {
        free(r);
        r = NULL;
    } else {
        /* our own copies of the names, so that the library's can go at once */
        char **names = koui_calloc(rows ? rows : 1, sizeof *names);
        for (size_t i = 0; i < rows; i++)
            names[i] = copy_bytes(r[i].name, MAX_STRING);
        table_reclaim(&t, t.rows, r);
        for (size_t i = 0; i < rows; i++)
            r[i].name = names[i];
        free(names);
        *n = rows;
    }
    table_close(&t);
    return r;
}

static void free_layout(layout_row *r, size_t n)
{
    for (size_t i = 0; r != NULL && i < n; i++)
        free(r[i].name);
    free(r);
}

/* Checks the layout tables and moves them into rp. They must come in the
** writer's order (port, then flow, then goods; resources port by port),
** with each index counting from 0 inside its parent: that is what makes
** a consignment's (port, flow, goods) checkable. first_flow[p] is the
** row of port p's flow 0, first_goods[f] that of flow row f's goods 0. */
static bool take_layout(reader *rd, kou_replay *rp, layout_row *pr, size_t np, layout_row *fr, size_t nf,
                        layout_row *gr, size_t ng, layout_row *rr, size_t nr, size_t **first_flow,
                        size_t **first_goods)
{
    for (size_t i = 0; i < np; i++)
        if (pr[i].a != (int64_t)i || pr[i].b < 0 || pr[i].b >= KOU_MODE_COUNT) {
            fail(rd, KOU_EINVAL, "/layout/ports row %zu: port %lld, mode %lld (expected port %zu, mode 0-%d)", i,
                 (long long)pr[i].a, (long long)pr[i].b, i, KOU_MODE_COUNT - 1);
            return false;
        }
    size_t *ff = koui_calloc(np + 1, sizeof *ff), *fg = koui_calloc(nf + 1, sizeof *fg);
    *first_flow = ff;
    *first_goods = fg;
    for (size_t p = 0, i = 0; p <= np; p++) { /* ff[np] = nf: port p has ff[p+1] - ff[p] flows */
        ff[p] = i;
        while (p < np && i < nf && fr[i].a == (int64_t)p)
            i++;
    }
    for (size_t i = 0; i < nf; i++) {
        const layout_row *f = &fr[i];
        if (f->a < 0 || f->a >= (int64_t)np || i < ff[f->a] || i >= ff[f->a + 1] ||
            f->b != (int64_t)(i - ff[f->a]) || f->c < 0 || f->c >= KOU_MODE_COUNT || f->d < 0 ||
            f->d >= KOU_DIRECTION_COUNT) {
            fail(rd, KOU_EINVAL,
                 "/layout/flows row %zu: port %lld, flow %lld, mode %lld, direction %lld is out of range or order", i,
                 (long long)f->a, (long long)f->b, (long long)f->c, (long long)f->d);
            return false;
        }
    }
    for (size_t f = 0, i = 0; f <= nf; f++) {
        fg[f] = i;
        while (f < nf && i < ng && gr[i].a == fr[f].a && gr[i].b == fr[f].b)
            i++;
    }
    if (fg[nf] != ng) {
        size_t i = fg[nf];
        fail(rd, KOU_EINVAL, "/layout/goods row %zu: port %lld, flow %lld is not a flow of the layout, or out of order",
             i, (long long)gr[i].a, (long long)gr[i].b);
        return false;
    }
    for (size_t f = 0; f < nf; f++)
        for (size_t i = fg[f]; i < fg[f + 1]; i++)
            if (gr[i].c != (int64_t)(i - fg[f])) {
                fail(rd, KOU_EINVAL, "/layout/goods row %zu: goods %lld of port %lld flow %lld, expected %zu", i,
                     (long long)gr[i].c, (long long)gr[i].a, (long long)gr[i].b, i - fg[f]);
                return false;
            }
    for (size_t i = 0, k = 0; i < nr; i++) {
        const layout_row *r = &rr[i];
        k = i > 0 && r->a == rr[i - 1].a ? k + 1 : 0;
        if (r->a < 0 || r->a >= (int64_t)np || (i > 0 && r->a < rr[i - 1].a) || r->b != (int64_t)k || r->c < -1 ||
            r->c > INT32_MAX) {
            fail(rd, KOU_EINVAL, "/layout/resources row %zu: port %lld, index_in_port %lld, capacity %lld is out of "
                 "range or order", i, (long long)r->a, (long long)r->b, (long long)r->c);
            return false;
        }
    }
    rp->ports = koui_calloc(np ? np : 1, sizeof *rp->ports);
    rp->flows = koui_calloc(nf ? nf : 1, sizeof *rp->flows);
    rp->goods = koui_calloc(ng ? ng : 1, sizeof *rp->goods);
    rp->resources = koui_calloc(nr ? nr : 1, sizeof *rp->resources);
    for (size_t i = 0; i < np; i++, rp->nports++) {
        rp->ports[i] = (kou_replay_port){pr[i].name, (int)pr[i].b};
        pr[i].name = NULL;
    }
    for (size_t i = 0; i < nf; i++, rp->nflows++) {
        rp->flows[i] = (kou_replay_flow){(int)fr[i].a, (int)fr[i].b, (int)fr[i].c, (int)fr[i].d, fr[i].name};
        fr[i].name = NULL;
    }
    for (size_t i = 0; i < ng; i++, rp->ngoods++) {
        rp->goods[i] = (kou_replay_goods){(int)gr[i].a, (int)gr[i].b, (int)gr[i].c, gr[i].name};
        gr[i].name = NULL;
    }
    for (size_t i = 0; i < nr; i++, rp->nresources++) {
        rp->resources[i] = (kou_replay_resource){(int)rr[i].a, (int)rr[i].b, (int)rr[i].c, rr[i].name};
        rr[i].name = NULL;
    }
    return true;
}

/* ---- /consignments ---- */

/* A row as read: the small integers widened so that range checks are exact. */
typedef struct cons_in {
    int64_t rep, port, flow, goods, mode, direction, trader, flags;
    uint64_t id, carrier_id, unit_id;
    double t[KOU_MS_COUNT];
    double cost;
} cons_in;

typedef struct cons_key {
    double t;
    uint64_t id;
    size_t row; /* the last tie-break: the order is total, so the same file always gives the same order */
} cons_key;

static int cons_key_cmp(const void *pa, const void *pb)
{
    const cons_key *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    return (a->row > b->row) - (a->row < b->row);
}

/* Sorts c by (t_arrival, id, file order): keys sorted, then the permutation
** applied in place, cycle by cycle, so no second copy of the rows. */
static void sort_consignments(kou_replay_consignment *c, size_t n)
{
    if (n < 2)
        return;
    cons_key *k = koui_malloc(n * sizeof *k);
    for (size_t i = 0; i < n; i++)
        k[i] = (cons_key){c[i].t[KOU_MS_ARRIVAL], c[i].id, i};
    qsort(k, n, sizeof *k, cons_key_cmp);
    for (size_t i = 0; i < n; i++) { /* position i takes row k[i].row; done positions get row = SIZE_MAX */
        if (k[i].row == SIZE_MAX || k[i].row == i) {
            k[i].row = SIZE_MAX;
            continue;
        }
        kou_replay_consignment tmp = c[i];
        size_t j = i;
        for (;;) {
            size_t src = k[j].row;
            k[j].row = SIZE_MAX;
            if (src == i) {
                c[j] = tmp;
                break;
            }
            c[j] = c[src];
            j = src;
        }
    }
    free(k);
}

static bool read_consignments(reader *rd, hid_t file, kou_replay *rp, const size_t *first_flow,
                              const size_t *first_goods)
{
    static const char *const path = "/consignments";
    char tnames[KOU_MS_COUNT][32];
    member m[12 + KOU_MS_COUNT];
    size_t nm = 0;
#define I(f, col) m[nm++] = (member){col, H5T_INTEGER, offsetof(cons_in, f), H5T_NATIVE_INT64}
    I(rep, "replication");
    I(port, "port");
    I(flow, "flow");
    I(goods, "goods");
    I(mode, "mode");
    I(direction, "direction");
    I(trader, "trader");
    I(flags, "flags");
#undef I
    m[nm++] = (member){"id", H5T_INTEGER, offsetof(cons_in, id), H5T_NATIVE_UINT64};
    m[nm++] = (member){"carrier_id", H5T_INTEGER, offsetof(cons_in, carrier_id), H5T_NATIVE_UINT64};
    m[nm++] = (member){"unit_id", H5T_INTEGER, offsetof(cons_in, unit_id), H5T_NATIVE_UINT64};
    for (int k = 0; k < KOU_MS_COUNT; k++) {
        snprintf(tnames[k], sizeof tnames[k], "t_%s", kou_milestone_name((kou_milestone)k));
        for (char *p = tnames[k]; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
        m[nm++] = (member){tnames[k], H5T_FLOAT, offsetof(cons_in, t) + (size_t)k * sizeof(double),
                           H5T_NATIVE_DOUBLE};
    }
    m[nm++] = (member){"cost", H5T_FLOAT, offsetof(cons_in, cost), H5T_NATIVE_DOUBLE};
    table t;
    if (!table_open(rd, file, path, m, nm, sizeof(cons_in), MAX_ROWS, &t))
        return false;
    bool good = true;
    size_t cap = 0, n = 0;
    kou_replay_consignment *out = NULL;
    cons_in *buf = koui_malloc((t.rows < BLOCK ? (size_t)t.rows + 1 : BLOCK) * sizeof *buf);
    const int64_t want = (int64_t)rp->replication;
    for (hsize_t start = 0; good && start < t.rows; start += BLOCK) {
        hsize_t cnt = t.rows - start < BLOCK ? t.rows - start : BLOCK;
        if (!(good = table_read(rd, &t, path, start, cnt, buf)))
            break;
        for (size_t i = 0; i < (size_t)cnt; i++) {
            const cons_in *r = &buf[i];
            if (r->rep != want)
                continue;
            unsigned long long row = (unsigned long long)(start + i);
            if (r->port < 0 || r->port >= (int64_t)rp->nports || r->flow < 0 ||
                r->flow >= (int64_t)(first_flow[r->port + 1] - first_flow[r->port])) {
                fail(rd, KOU_EINVAL, "%s row %llu: port %lld, flow %lld is not in /layout", path, row,
                     (long long)r->port, (long long)r->flow);
                good = false;
                break;
            }
            size_t f = first_flow[r->port] + (size_t)r->flow;
            if (r->goods < 0 || r->goods >= (int64_t)(first_goods[f + 1] - first_goods[f])) {
                fail(rd, KOU_EINVAL, "%s row %llu: goods %lld is not a goods of port %lld flow %lld in /layout",
                     path, row, (long long)r->goods, (long long)r->port, (long long)r->flow);
                good = false;
                break;
            }
            if (r->mode < 0 || r->mode >= KOU_MODE_COUNT || r->direction < 0 ||
                r->direction >= KOU_DIRECTION_COUNT || r->trader < 0 || r->trader >= KOU_TRADER_COUNT ||
                r->flags < 0 || r->flags > (int64_t)UINT32_MAX) {
                fail(rd, KOU_EINVAL, "%s row %llu: mode %lld, direction %lld, trader %lld or flags %lld out of range",
                     path, row, (long long)r->mode, (long long)r->direction, (long long)r->trader,
                     (long long)r->flags);
                good = false;
                break;
            }
            if (!isfinite(r->t[KOU_MS_ARRIVAL])) {
                fail(rd, KOU_EINVAL, "%s row %llu: t_arrival is %g, not a time", path, row, r->t[KOU_MS_ARRIVAL]);
                good = false;
                break;
            }
            for (int k = 0; k < KOU_MS_COUNT; k++)
                if (isinf(r->t[k])) { /* NaN is "did not happen"; an infinite time is nothing */
                    fail(rd, KOU_EINVAL, "%s row %llu: %s is %g, not a time", path, row, tnames[k], r->t[k]);
                    good = false;
                    break;
                }
            if (!good)
                break;
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                out = koui_realloc(out, cap * sizeof *out);
            }
            kou_replay_consignment *c = &out[n++];
            *c = (kou_replay_consignment){r->id, r->carrier_id, r->unit_id, (uint16_t)r->port, (uint16_t)r->flow,
                                          (uint16_t)r->goods, (uint8_t)r->mode, (uint8_t)r->direction,
                                          (uint8_t)r->trader, (uint32_t)r->flags, {0}, r->cost};
            memcpy(c->t, r->t, sizeof c->t);
        }
    }
    free(buf);
    table_close(&t);
    if (!good) {
        free(out);
        return false;
    }
    sort_consignments(out, n);
    rp->consignments = n ? koui_realloc(out, n * sizeof *out) : (free(out), koui_malloc(sizeof *out));
    rp->nconsignments = n;
    return true;
}

/* ---- /timeseries ---- */

typedef struct sample_in {
    int64_t rep, port, resource, busy, capacity;
    uint64_t queue;
    double t;
} sample_in;

typedef struct sample_keep {
    double t;
    size_t resource;
    kou_replay_sample s;
} sample_keep;

static bool read_timeseries(reader *rd, hid_t file, kou_replay *rp)
{
    static const char *const path = "/timeseries";
    member m[] = {{"replication", H5T_INTEGER, offsetof(sample_in, rep), H5T_NATIVE_INT64},
                  {"t", H5T_FLOAT, offsetof(sample_in, t), H5T_NATIVE_DOUBLE},
                  {"port", H5T_INTEGER, offsetof(sample_in, port), H5T_NATIVE_INT64},
                  {"resource", H5T_INTEGER, offsetof(sample_in, resource), H5T_NATIVE_INT64},
                  {"queue", H5T_INTEGER, offsetof(sample_in, queue), H5T_NATIVE_UINT64},
                  {"busy", H5T_INTEGER, offsetof(sample_in, busy), H5T_NATIVE_INT64},
                  {"capacity", H5T_INTEGER, offsetof(sample_in, capacity), H5T_NATIVE_INT64}};
    table t;
    if (!table_open(rd, file, path, m, sizeof m / sizeof *m, sizeof(sample_in), MAX_ROWS, &t))
        return false;
    bool good = true;
    size_t cap = 0, n = 0, ntimes = 0;
    sample_keep *keep = NULL;
    sample_in *buf = koui_malloc((t.rows < BLOCK ? (size_t)t.rows + 1 : BLOCK) * sizeof *buf);
    const int64_t want = (int64_t)rp->replication;
    for (hsize_t start = 0; good && start < t.rows; start += BLOCK) {
        hsize_t cnt = t.rows - start < BLOCK ? t.rows - start : BLOCK;
        if (!(good = table_read(rd, &t, path, start, cnt, buf)))
            break;
        for (size_t i = 0; i < (size_t)cnt; i++) {
            const sample_in *r = &buf[i];
            if (r->rep != want)
                continue;
            unsigned long long row = (unsigned long long)(start + i);
            if (r->resource < 0 || r->resource >= (int64_t)rp->nresources) {
                fail(rd, KOU_EINVAL, "%s row %llu: resource %lld is not in /layout/resources (%zu rows)", path, row,
                     (long long)r->resource, rp->nresources);
                good = false;
                break;
            }
            if (r->port != rp->resources[r->resource].port) {
                fail(rd, KOU_EINVAL, "%s row %llu: port %lld, but resource %lld is of port %d", path, row,
                     (long long)r->port, (long long)r->resource, rp->resources[r->resource].port);
                good = false;
                break;
            }
            if (!isfinite(r->t) || (n > 0 && r->t < keep[n - 1].t)) {
                fail(rd, KOU_EINVAL, "%s row %llu: sample time %g is not finite or before the previous one", path,
                     row, r->t);
                good = false;
                break;
            }
            if (r->busy < INT32_MIN || r->busy > INT32_MAX || r->capacity < INT32_MIN || r->capacity > INT32_MAX) {
                fail(rd, KOU_EINVAL, "%s row %llu: busy %lld or capacity %lld out of range", path, row,
                     (long long)r->busy, (long long)r->capacity);
                good = false;
                break;
            }
            if (n == 0 || r->t != keep[n - 1].t)
                ntimes++;
            if (n == cap) {
                cap = cap ? 2 * cap : 1024;
                keep = koui_realloc(keep, cap * sizeof *keep);
            }
            keep[n++] = (sample_keep){r->t, (size_t)r->resource,
                                      {r->queue > UINT32_MAX ? UINT32_MAX : (uint32_t)r->queue, (int32_t)r->busy,
                                       (int32_t)r->capacity}};
        }
    }
    free(buf);
    table_close(&t);
    size_t nres = rp->nresources;
    if (good && nres > 0 && ntimes > MAX_CELLS / nres) {
        fail(rd, KOU_EINVAL, "%s: %zu sample times x %zu resources is too large a grid", path, ntimes, nres);
        good = false;
    }
    if (!good) {
        free(keep);
        return false;
    }
    /* the grid: cell (k, r) filled at most once */
    rp->sample_t = koui_malloc((ntimes ? ntimes : 1) * sizeof *rp->sample_t);
    rp->samples = koui_calloc(ntimes > 0 && nres > 0 ? ntimes * nres : 1, sizeof *rp->samples);
    size_t *last = koui_malloc((nres ? nres : 1) * sizeof *last); /* the sample k that last filled resource r */
    for (size_t r = 0; r < nres; r++)
        last[r] = SIZE_MAX;
    size_t k = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || keep[i].t != keep[i - 1].t)
            rp->sample_t[++k] = keep[i].t;
        if (last[keep[i].resource] == k) {
            fail(rd, KOU_EINVAL, "%s: resource %zu sampled twice at t = %.17g", path, keep[i].resource, keep[i].t);
            good = false;
            break;
        }
        last[keep[i].resource] = k;
        rp->samples[k * nres + keep[i].resource] = keep[i].s;
    }
    free(last);
    free(keep);
    rp->nsamples = ntimes;
    return good;
}

/* ---- the whole read ---- */

void kou_replay_free(kou_replay *rp)
{
    if (rp == NULL)
        return;
    for (size_t i = 0; i < rp->nports; i++)
        free(rp->ports[i].name);
    for (size_t i = 0; i < rp->nflows; i++)
        free(rp->flows[i].name);
    for (size_t i = 0; i < rp->ngoods; i++)
        free(rp->goods[i].name);
    for (size_t i = 0; i < rp->nresources; i++)
        free(rp->resources[i].name);
    free(rp->ports);
    free(rp->flows);
    free(rp->goods);
    free(rp->resources);
    free(rp->consignments);
    free(rp->sample_t);
    free(rp->samples);
    free(rp->scenario_name);
    free(rp->era);
    free(rp->title);
    free(rp);
}

/* A required root number: absent is "not a kouan run file". */
static bool need_number(reader *rd, hid_t file, const char *name, bool integer, hid_t type, void *v)
{
    int rc = attr_number(rd, file, name, integer, type, v);
    if (rc == 0)
        fail(rd, KOU_EINVAL, "not a kouan run file: no root attribute %s", name);
    return rc == 1;
}

static kou_status read_all(reader *rd, const char *path, kou_replay *rp)
{
    hid_t file = H5I_INVALID_HID;
    layout_row *pr = NULL, *fr = NULL, *gr = NULL, *rr = NULL;
    size_t np = 0, nf = 0, ng = 0, nr = 0;
    size_t *first_flow = NULL, *first_goods = NULL;

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
        fail(rd, KOU_EIO, "a damaged or truncated HDF5 file");
        goto done;
    }

    long long v = 0, start_date = 0;
    int rc = attr_number(rd, file, "schema_version", true, H5T_NATIVE_LLONG, &v);
    if (rc == 0)
        fail(rd, KOU_EINVAL, "an HDF5 file, but not a kouan run file (no schema_version attribute at /)");
    if (rc <= 0)
        goto done;
    if (v != KOU_REPLAY_SCHEMA_VERSION) {
        fail(rd, KOU_EINVAL, "schema_version %lld is not supported (this kouan reads version %d)", v,
             KOU_REPLAY_SCHEMA_VERSION);
        goto done;
    }
    rc = attr_number(rd, file, "complete", true, H5T_NATIVE_LLONG, &v);
    if (rc < 0)
        goto done;
    rp->complete = rc == 0 || v != 0;
    if (!attr_string(rd, file, "scenario_name", &rp->scenario_name) || !attr_string(rd, file, "era", &rp->era) ||
        !attr_string(rd, file, "title", &rp->title))
        goto done;
    if (!need_number(rd, file, "start_date", true, H5T_NATIVE_LLONG, &start_date) ||
        !need_number(rd, file, "horizon_hours", false, H5T_NATIVE_DOUBLE, &rp->horizon_hours) ||
        !need_number(rd, file, "sample_hours", false, H5T_NATIVE_DOUBLE, &rp->sample_hours) ||
        !need_number(rd, file, "replications", true, H5T_NATIVE_LLONG, &v) ||
        attr_number(rd, file, "warmup_hours", false, H5T_NATIVE_DOUBLE, &rp->warmup_hours) < 0)
        goto done;
    if (start_date < 0 || start_date > 99991231 || !isfinite(rp->horizon_hours) || !isfinite(rp->warmup_hours) ||
        !(rp->sample_hours > 0) || !isfinite(rp->sample_hours)) {
        fail(rd, KOU_EINVAL, "root attributes out of range: start_date %lld, horizon_hours %g, warmup_hours %g, "
             "sample_hours %g", start_date, rp->horizon_hours, rp->warmup_hours, rp->sample_hours);
        goto done;
    }
    rp->start_date = (long)start_date;
    if (v < 0 || v > (long long)MAX_REPLICATIONS) {
        fail(rd, KOU_EINVAL, "root attribute replications %lld out of range", v);
        goto done;
    }
    rp->replications = (size_t)v;
    if (rp->replication >= rp->replications) {
        if (rp->replications == 0)
            fail(rd, KOU_EINVAL, "replication %zu does not exist: the file holds none", rp->replication);
        else
            fail(rd, KOU_EINVAL, "replication %zu does not exist: the file holds %zu (0-%zu)", rp->replication,
                 rp->replications, rp->replications - 1);
        goto done;
    }
    htri_t ex = H5Lexists(file, "events", H5P_DEFAULT);
    rp->has_events = ex > 0;
    H5Eclear2(H5E_DEFAULT);

    static const char *const cp[] = {"port", "mode"}, *const cf[] = {"port", "flow", "mode", "direction"},
                             *const cg[] = {"port", "flow", "goods"},
                             *const cr[] = {"port", "index_in_port", "capacity"};
    if ((pr = read_layout(rd, file, "/layout/ports", cp, 2, &np)) == NULL ||
        (fr = read_layout(rd, file, "/layout/flows", cf, 4, &nf)) == NULL ||
        (gr = read_layout(rd, file, "/layout/goods", cg, 3, &ng)) == NULL ||
        (rr = read_layout(rd, file, "/layout/resources", cr, 3, &nr)) == NULL)
        goto done;
    if (!take_layout(rd, rp, pr, np, fr, nf, gr, ng, rr, nr, &first_flow, &first_goods))
        goto done;
    if (!read_consignments(rd, file, rp, first_flow, first_goods))
        goto done;
    read_timeseries(rd, file, rp);

done:
    free_layout(pr, np);
    free_layout(fr, nf);
    free_layout(gr, ng);
    free_layout(rr, nr);
    free(first_flow);
    free(first_goods);
    close_id(&file, H5Fclose);
    return rd->failed ? rd->status : KOU_OK;
}

kou_status kou_replay_open(const char *path, size_t replication, kou_replay **out, char *err, size_t errsize)
{
    KOU_CHECK(path != NULL && out != NULL && err != NULL && errsize > 0);
    *out = NULL;
    err[0] = '\0';
    /* silence the library's printing for this read, then put it back */
    H5E_auto2_t old_fn = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    reader rd = {err, errsize, false, KOU_OK};
    kou_replay *rp = koui_calloc(1, sizeof *rp);
    rp->replication = replication;
    kou_status st = read_all(&rd, path, rp);
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    if (st != KOU_OK) {
        kou_replay_free(rp);
        return st;
    }
    *out = rp;
    return KOU_OK;
}

/* Limits of the checking child. HDF5 1.10.8 trusts the lengths of a
** damaged file's variable-length strings: it allocates and clears a buffer
** of whatever size they claim (gigabytes) before it finds the heap object
** too short. A cap on the child's address space turns that into a failed
** allocation, i.e. an error message, instead of a machine driven into
** swap; the cap leaves room for a real replication (about 200 bytes per
** consignment: a few times the file's size). Not under AddressSanitizer,
** which reserves terabytes of shadow memory up front. The CPU limit ends a
** library that loops. */
#define CHECK_MEMORY_BASE ((rlim_t)512 << 20)
#define CHECK_CPU_SECONDS 120
#if defined(__SANITIZE_ADDRESS__)
#define CHECK_LIMIT_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHECK_LIMIT_MEMORY 0
#endif
#endif
#ifndef CHECK_LIMIT_MEMORY
#define CHECK_LIMIT_MEMORY 1
#endif

static void limit_child(const char *path)
{
    struct rlimit cpu = {CHECK_CPU_SECONDS, CHECK_CPU_SECONDS + 5};
    setrlimit(RLIMIT_CPU, &cpu);
#if CHECK_LIMIT_MEMORY
    struct stat sb;
    rlim_t file = stat(path, &sb) == 0 && sb.st_size > 0 ? (rlim_t)sb.st_size : 0;
    rlim_t cap = CHECK_MEMORY_BASE + (file < ((rlim_t)1 << 40) ? 8 * file : ((rlim_t)1 << 43));
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && (as.rlim_cur == RLIM_INFINITY || as.rlim_cur > cap)) {
        as.rlim_cur = cap;
        setrlimit(RLIMIT_AS, &as);
    }
#else
    (void)path;
#endif
}

/* The child's answer on the pipe. */
typedef struct probe_result {
    int status;
    char msg[512];
} probe_result;

kou_status kou_replay_check(const char *path, size_t replication, char *err, size_t errsize)
{
    KOU_CHECK(path != NULL && err != NULL && errsize > 0);
    err[0] = '\0';
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
#ifdef __linux__
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a viewer closed while checking takes its check along */
#endif
        limit_child(path);
        probe_result r;
        memset(&r, 0, sizeof r);
        kou_replay *rp = NULL;
        r.status = kou_replay_open(path, replication, &rp, r.msg, sizeof r.msg);
        kou_replay_free(rp);
        const char *p = (const char *)&r;
        size_t left = sizeof r;
        while (left > 0) {
            ssize_t n = write(fd[1], p, left);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            p += n;
            left -= (size_t)n;
        }
        _exit(0); /* not exit: the library's exit-time complaints stay out of the output */
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
        if (WIFSIGNALED(wst) && WTERMSIG(wst) == SIGXCPU)
            snprintf(err, errsize, "the HDF5 library did not finish reading it in %d s of CPU (signal %d): a "
                     "damaged file", CHECK_CPU_SECONDS, WTERMSIG(wst));
        else if (WIFSIGNALED(wst))
            snprintf(err, errsize, "the HDF5 library crashed reading it (signal %d): a damaged file", WTERMSIG(wst));
        else
            snprintf(err, errsize, "the HDF5 library failed reading it: a damaged file");
        return KOU_EIO;
    }
    r.msg[sizeof r.msg - 1] = '\0';
    snprintf(err, errsize, "%s", r.msg);
    return (kou_status)r.status;
}
