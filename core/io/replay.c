/*
** replay.c — one replication of a kouan run file, read for kouan-viz (see
** replay.h and docs/hdf5-schema.md).
**
** The same discipline as h5read.c, through the base both share
** (h5base.h): the read goes in steps (root attributes, /layout, the
** file's milestone and flag names, /consignments, /timeseries), the first
** failure stops it, HDF5's printing is off for the read and its innermost
** error is appended to the one-line message, and every size read from the
** file is bounded before it is allocated.
**
** Milestones are the file's (/layout milestone_names), not the model's:
** a consignment's times are read from the columns t_<name>, in the file's
** order; only "arrival" is needed by name here. The model is included for
** the counts that bound the mode, direction and trader columns.
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

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/h5base.h"
#include "model/model.h" /* the counts of modes, directions, trader classes */

/* Bounds on what a file may declare (far above any real run). */
#define MAX_REPLICATIONS 1000000u
#define MAX_LAYOUT 65536u           /* rows of a /layout table: indices are uint16 */
#define MAX_ROWS ((hsize_t)1 << 31) /* rows of /consignments or /timeseries */
#define MAX_CELLS ((size_t)1 << 26) /* samples x resources of the grid (768 MiB) */
#define BLOCK 65536u                /* rows per hyperslab read */
#define MAX_TCONV ((size_t)64 << 20) /* HDF5's conversion buffer, for foreign files with huge rows */

/* Root attributes as the messages name them. */
static koui_h5_attrs root_attrs(hid_t file)
{
    return (koui_h5_attrs){file, "root attribute ", "", "cannot read the root attributes (damaged file?)"};
}

/* One number (integer or float class) read as mem_type into v. Returns 1
** read, 0 absent, -1 error (set). */
static int attr_number(koui_h5_error *rd, hid_t file, const char *name, bool integer, hid_t mem_type, void *v)
{
    koui_h5_attrs at = root_attrs(file);
    return koui_h5_attr_number(rd, &at, name, integer, mem_type, v);
}

/* One string attribute (variable or fixed length, one element) into a new
** string; "" when absent. Returns false on error (set). */
static bool attr_string(koui_h5_error *rd, hid_t file, const char *name, char **out)
{
    koui_h5_attrs at = root_attrs(file);
    return koui_h5_attr_string(rd, &at, name, out) >= 0;
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
    koui_h5_close_id(&t->dxpl, H5Pclose);
    koui_h5_close_id(&t->space, H5Sclose);
    koui_h5_close_id(&t->mtype, H5Tclose);
    koui_h5_close_id(&t->dset, H5Dclose);
}

/* Opens path, a 1-D compound dataset with every member of m (by name, of
** its class), and makes the memory type of row_size bytes. */
static bool table_open(koui_h5_error *rd, hid_t file, const char *path, const member *m, size_t nm, size_t row_size,
                       hsize_t max_rows, table *t)
{
    *t = (table){H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, H5I_INVALID_HID, 0, false};
    hid_t ft = H5I_INVALID_HID;
    htri_t ex = H5Lexists(file, path, H5P_DEFAULT);
    if (ex <= 0) {
        if (ex < 0)
            koui_h5_fail(rd, KOU_EIO, "cannot read %s (damaged file?)", path);
        else
            koui_h5_fail(rd, KOU_EINVAL, "not a kouan run file: %s is missing", path);
        return false;
    }
    if ((t->dset = H5Dopen2(file, path, H5P_DEFAULT)) < 0) {
        koui_h5_fail(rd, KOU_EINVAL, "cannot open %s as a dataset", path);
        return false;
    }
    ft = H5Dget_type(t->dset);
    t->space = H5Dget_space(t->dset);
    hsize_t dim = 0;
    if (ft < 0 || t->space < 0 || H5Tget_class(ft) != H5T_COMPOUND || H5Sget_simple_extent_ndims(t->space) != 1 ||
        H5Sget_simple_extent_dims(t->space, &dim, NULL) != 1) {
        koui_h5_fail(rd, KOU_EINVAL, "%s is not a 1-dimensional compound dataset", path);
        goto bad;
    }
    if (dim > max_rows) {
        koui_h5_fail(rd, KOU_EINVAL, "%s has %llu rows (at most %llu)", path, (unsigned long long)dim,
                     (unsigned long long)max_rows);
        goto bad;
    }
    t->rows = dim;
    if ((t->mtype = H5Tcreate(H5T_COMPOUND, row_size)) < 0) {
        koui_h5_fail(rd, KOU_EIO, "cannot make the HDF5 memory type of %s", path);
        goto bad;
    }
    for (size_t i = 0; i < nm; i++) {
        H5T_cset_t cset = H5T_CSET_ASCII;
        bool good = koui_h5_has_member(ft, m[i].name, m[i].cls, &cset);
        hid_t mt = m[i].type;
        if (good && m[i].cls == H5T_STRING) {
            mt = koui_h5_vstring(cset);
            good = mt >= 0;
            t->has_strings = true;
        }
        if (!good || H5Tinsert(t->mtype, m[i].name, m[i].offset, mt) < 0) {
            const char *what = m[i].cls == H5T_STRING ? "variable-length string"
                               : m[i].cls == H5T_FLOAT ? "float"
                                                       : "integer";
            koui_h5_fail(rd, KOU_EINVAL, "%s has no %s column '%s'", path, what, m[i].name);
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
        koui_h5_fail(rd, KOU_EIO, "cannot make the HDF5 transfer properties of %s", path);
        goto bad;
    }
    H5Tclose(ft);
    return true;
bad:
    koui_h5_close_id(&ft, H5Tclose);
    table_close(t);
    return false;
}

/* Reads rows [start, start + n) of t into buf. */
static bool table_read(koui_h5_error *rd, table *t, const char *path, hsize_t start, hsize_t n, void *buf)
{
    hid_t ms = H5Screate_simple(1, &n, NULL);
    bool good = ms >= 0 && H5Sselect_hyperslab(t->space, H5S_SELECT_SET, &start, NULL, &n, NULL) >= 0 &&
                H5Dread(t->dset, t->mtype, ms, t->space, t->dxpl, buf) >= 0;
    if (ms >= 0)
        H5Sclose(ms);
    if (!good)
        koui_h5_fail(rd, KOU_EIO, "cannot read rows %llu-%llu of %s (damaged file?)", (unsigned long long)start,
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

/* Calls take(ctx, row, index) for every row of t whose first member, an
** int64 replication, is `replication`, reading BLOCK rows at a time into
** one buffer of row_size rows; stops at the first false (take has then
** said why with koui_h5_fail). Closes t. */
static bool table_each(koui_h5_error *rd, table *t, const char *path, size_t row_size, size_t replication,
                       bool (*take)(void *ctx, const void *row, unsigned long long index), void *ctx)
{
    bool good = true;
    char *buf = koui_malloc((t->rows < BLOCK ? (size_t)t->rows + 1 : BLOCK) * row_size);
    for (hsize_t start = 0; good && start < t->rows; start += BLOCK) {
        hsize_t cnt = t->rows - start < BLOCK ? t->rows - start : BLOCK;
        if (!(good = table_read(rd, t, path, start, cnt, buf)))
            break;
        for (size_t i = 0; good && i < (size_t)cnt; i++) {
            const char *row = buf + i * row_size;
            int64_t rep;
            memcpy(&rep, row, sizeof rep);
            if (rep == (int64_t)replication)
                good = take(ctx, row, (unsigned long long)(start + i));
        }
    }
    free(buf);
    table_close(t);
    return good;
}

/* ---- /layout ---- */

typedef struct layout_row {
    int64_t a, b, c, d; /* the integer columns, in the order of the member list */
    char *name;
} layout_row;

/* Reads a whole /layout table of integer columns ints[0..nints) and name. */
static layout_row *read_layout(koui_h5_error *rd, hid_t file, const char *path, const char *const *ints, size_t nints,
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
        /* a read that fails part way has already handed over the names of
        ** the rows before (r was zeroed: NULL elsewhere) */
        table_reclaim(&t, t.rows, r);
        free(r);
        r = NULL;
    } else {
        /* our own copies of the names, so that the library's can go at once */
        char **names = koui_calloc(rows ? rows : 1, sizeof *names);
        for (size_t i = 0; i < rows; i++)
            names[i] = koui_h5_copy_bytes(r[i].name, KOUI_H5_MAX_STRING);
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

/* The four /layout tables as read, and the indexes built over them:
** first_flow[p] is the row of port p's flow 0 (first_flow[np] = nf),
** first_goods[f] that of flow row f's goods 0 (first_goods[nf] = ng). */
typedef struct layout {
    layout_row *pr, *fr, *gr, *rr;
    size_t np, nf, ng, nr;
    size_t *first_flow, *first_goods;
} layout;

static void layout_free(layout *l)
{
    free_layout(l->pr, l->np);
    free_layout(l->fr, l->nf);
    free_layout(l->gr, l->ng);
    free_layout(l->rr, l->nr);
    free(l->first_flow);
    free(l->first_goods);
}

/* Ports: numbered in order, of a known mode. */
static bool check_ports(koui_h5_error *rd, const layout *l)
{
    for (size_t i = 0; i < l->np; i++)
        if (l->pr[i].a != (int64_t)i || l->pr[i].b < 0 || l->pr[i].b >= KOU_MODE_COUNT) {
            koui_h5_fail(rd, KOU_EINVAL, "/layout/ports row %zu: port %lld, mode %lld (expected port %zu, mode 0-%d)",
                         i, (long long)l->pr[i].a, (long long)l->pr[i].b, i, KOU_MODE_COUNT - 1);
            return false;
        }
    return true;
}

/* Flows: port by port, numbered from 0 in each, of a known mode and
** direction; first_flow made on the way. */
static bool index_flows(koui_h5_error *rd, layout *l)
{
    size_t *ff = l->first_flow = koui_calloc(l->np + 1, sizeof *ff);
    for (size_t p = 0, i = 0; p <= l->np; p++) { /* port p has ff[p+1] - ff[p] flows */
        ff[p] = i;
        while (p < l->np && i < l->nf && l->fr[i].a == (int64_t)p)
            i++;
    }
    for (size_t i = 0; i < l->nf; i++) {
        const layout_row *f = &l->fr[i];
        if (f->a < 0 || f->a >= (int64_t)l->np || i < ff[f->a] || i >= ff[f->a + 1] ||
            f->b != (int64_t)(i - ff[f->a]) || f->c < 0 || f->c >= KOU_MODE_COUNT || f->d < 0 ||
            f->d >= KOU_DIRECTION_COUNT) {
            koui_h5_fail(
                rd, KOU_EINVAL,
                "/layout/flows row %zu: port %lld, flow %lld, mode %lld, direction %lld is out of range or order", i,
                (long long)f->a, (long long)f->b, (long long)f->c, (long long)f->d);
            return false;
        }
    }
    return true;
}

/* Goods: flow by flow, numbered from 0 in each; first_goods made on the way. */
static bool index_goods(koui_h5_error *rd, layout *l)
{
    size_t *fg = l->first_goods = koui_calloc(l->nf + 1, sizeof *fg);
    const layout_row *gr = l->gr;
    for (size_t f = 0, i = 0; f <= l->nf; f++) {
        fg[f] = i;
        while (f < l->nf && i < l->ng && gr[i].a == l->fr[f].a && gr[i].b == l->fr[f].b)
            i++;
    }
    if (fg[l->nf] != l->ng) {
        size_t i = fg[l->nf];
        koui_h5_fail(rd, KOU_EINVAL,
                     "/layout/goods row %zu: port %lld, flow %lld is not a flow of the layout, or out of order", i,
                     (long long)gr[i].a, (long long)gr[i].b);
        return false;
    }
    for (size_t f = 0; f < l->nf; f++)
        for (size_t i = fg[f]; i < fg[f + 1]; i++)
            if (gr[i].c != (int64_t)(i - fg[f])) {
                koui_h5_fail(rd, KOU_EINVAL, "/layout/goods row %zu: goods %lld of port %lld flow %lld, expected %zu",
                             i, (long long)gr[i].c, (long long)gr[i].a, (long long)gr[i].b, i - fg[f]);
                return false;
            }
    return true;
}

/* Resources: port by port, numbered from 0 in each, a capacity or -1. */
static bool check_resources(koui_h5_error *rd, const layout *l)
{
    const layout_row *rr = l->rr;
    for (size_t i = 0, k = 0; i < l->nr; i++) {
        const layout_row *r = &rr[i];
        k = i > 0 && r->a == rr[i - 1].a ? k + 1 : 0;
        if (r->a < 0 || r->a >= (int64_t)l->np || (i > 0 && r->a < rr[i - 1].a) || r->b != (int64_t)k ||
            r->c < -1 || r->c > INT32_MAX) {
            koui_h5_fail(rd, KOU_EINVAL,
                         "/layout/resources row %zu: port %lld, index_in_port %lld, capacity %lld is out of "
                         "range or order",
                         i, (long long)r->a, (long long)r->b, (long long)r->c);
            return false;
        }
    }
    return true;
}

/* Moves the checked tables (and their names) into rp. */
static void take_layout(kou_replay *rp, layout *l)
{
    rp->ports = koui_calloc(l->np ? l->np : 1, sizeof *rp->ports);
    rp->flows = koui_calloc(l->nf ? l->nf : 1, sizeof *rp->flows);
    rp->goods = koui_calloc(l->ng ? l->ng : 1, sizeof *rp->goods);
    rp->resources = koui_calloc(l->nr ? l->nr : 1, sizeof *rp->resources);
    for (size_t i = 0; i < l->np; i++, rp->nports++) {
        rp->ports[i] = (kou_replay_port){l->pr[i].name, (int)l->pr[i].b, ""};
        l->pr[i].name = NULL;
    }
    for (size_t i = 0; i < l->nf; i++, rp->nflows++) {
        const layout_row *f = &l->fr[i];
        rp->flows[i] = (kou_replay_flow){(int)f->a, (int)f->b, (int)f->c, (int)f->d, f->name};
        l->fr[i].name = NULL;
    }
    for (size_t i = 0; i < l->ng; i++, rp->ngoods++) {
        rp->goods[i] = (kou_replay_goods){(int)l->gr[i].a, (int)l->gr[i].b, (int)l->gr[i].c, l->gr[i].name};
        l->gr[i].name = NULL;
    }
    for (size_t i = 0; i < l->nr; i++, rp->nresources++) {
        rp->resources[i] = (kou_replay_resource){(int)l->rr[i].a, (int)l->rr[i].b, (int)l->rr[i].c, l->rr[i].name};
        l->rr[i].name = NULL;
    }
}

/* Reads and checks the /layout tables into rp and l's indexes. They must
** come in the writer's order (port, then flow, then goods; resources port
** by port), with each index counting from 0 inside its parent: that is
** what makes a consignment's (port, flow, goods) checkable. */
static bool read_layout_tables(koui_h5_error *rd, hid_t file, kou_replay *rp, layout *l)
{
    static const char *const cp[] = {"port", "mode"}, *const cf[] = {"port", "flow", "mode", "direction"},
                             *const cg[] = {"port", "flow", "goods"},
                             *const cr[] = {"port", "index_in_port", "capacity"};
    if ((l->pr = read_layout(rd, file, "/layout/ports", cp, 2, &l->np)) == NULL ||
        (l->fr = read_layout(rd, file, "/layout/flows", cf, 4, &l->nf)) == NULL ||
        (l->gr = read_layout(rd, file, "/layout/goods", cg, 3, &l->ng)) == NULL ||
        (l->rr = read_layout(rd, file, "/layout/resources", cr, 3, &l->nr)) == NULL)
        return false;
    if (!check_ports(rd, l) || !index_flows(rd, l) || !index_goods(rd, l) || !check_resources(rd, l))
        return false;
    take_layout(rp, l);
    return true;
}

/* ---- the file's names ---- */

static long name_index(char *const *names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return (long)i;
    return -1;
}

long kou_replay_milestone(const kou_replay *rp, const char *name)
{
    return name_index(rp->milestone_names, rp->nmilestones, name);
}

long kou_replay_flag(const kou_replay *rp, const char *name)
{
    return name_index(rp->flag_names, rp->nflags, name);
}

/* The /layout attribute milestone_names: present, 1 to
** KOU_REPLAY_MAX_MILESTONES distinct names, "arrival" among them. */
static bool read_milestone_names(koui_h5_error *rd, hid_t file, kou_replay *rp)
{
    hid_t g = H5Gopen2(file, "layout", H5P_DEFAULT);
    if (g < 0) {
        koui_h5_fail(rd, KOU_EINVAL, "cannot open /layout as a group");
        return false;
    }
    const koui_h5_attrs at = {g, "attribute ", " of /layout", "cannot read the attributes of /layout"};
    int rc = koui_h5_attr_strings(rd, &at, "milestone_names", false, &rp->milestone_names, &rp->nmilestones);
    H5Gclose(g);
    if (rc == 0)
        koui_h5_fail(rd, KOU_EINVAL, "not a kouan run file: /layout has no attribute milestone_names");
    if (rc <= 0)
        return false;
    if (rp->nmilestones == 0 || rp->nmilestones > KOU_REPLAY_MAX_MILESTONES) {
        koui_h5_fail(rd, KOU_EINVAL, "attribute milestone_names of /layout has %zu names (1 to %d)", rp->nmilestones,
                     KOU_REPLAY_MAX_MILESTONES);
        return false;
    }
    for (size_t i = 0; i < rp->nmilestones; i++)
        if (name_index(rp->milestone_names, i, rp->milestone_names[i]) >= 0) {
            koui_h5_fail(rd, KOU_EINVAL, "attribute milestone_names of /layout names '%s' twice",
                         rp->milestone_names[i]);
            return false;
        }
    long arrival = kou_replay_milestone(rp, "arrival");
    if (arrival < 0) {
        koui_h5_fail(rd, KOU_EINVAL, "attribute milestone_names of /layout has no 'arrival'");
        return false;
    }
    rp->arrival = (size_t)arrival;
    return true;
}

/* The /layout attributes scenario_name_zh and port_names_zh, the names in
** Chinese: optional (files before them, scenarios without name_zh), but
** when there, one name per port. */
static bool read_names_zh(koui_h5_error *rd, hid_t file, kou_replay *rp)
{
    hid_t g = H5Gopen2(file, "layout", H5P_DEFAULT);
    if (g < 0) {
        koui_h5_fail(rd, KOU_EINVAL, "cannot open /layout as a group");
        return false;
    }
    const koui_h5_attrs at = {g, "attribute ", " of /layout", "cannot read the attributes of /layout"};
    int rc = koui_h5_attr_string(rd, &at, "scenario_name_zh", &rp->scenario_name_zh);
    if (rc >= 0)
        rc = koui_h5_attr_strings(rd, &at, "port_names_zh", false, &rp->port_names_zh, &rp->nport_names_zh);
    H5Gclose(g);
    if (rc < 0)
        return false;
    if (rp->nport_names_zh != 0 && rp->nport_names_zh != rp->nports) {
        koui_h5_fail(rd, KOU_EINVAL, "attribute port_names_zh of /layout has %zu names for %zu ports",
                     rp->nport_names_zh, rp->nports);
        return false;
    }
    for (size_t i = 0; i < rp->nports; i++)
        rp->ports[i].name_zh = rp->nport_names_zh ? rp->port_names_zh[i] : "";
    return true;
}

/* The attribute flag_bits of /consignments (dset): none when absent, at
** most the 32 bits of a flags column. */
static bool read_flag_names(koui_h5_error *rd, hid_t dset, kou_replay *rp)
{
    const koui_h5_attrs at = {dset, "attribute ", " of /consignments",
                              "cannot read the attributes of /consignments"};
    if (koui_h5_attr_strings(rd, &at, "flag_bits", false, &rp->flag_names, &rp->nflags) < 0)
        return false;
    if (rp->nflags > 32) {
        koui_h5_fail(rd, KOU_EINVAL, "attribute flag_bits of /consignments names %zu bits, more than flags holds (32)",
                     rp->nflags);
        return false;
    }
    return true;
}

/* ---- /consignments ---- */

/* A row as read: the small integers widened so that range checks are
** exact; the nmilestones times follow it, in milestone_names order. */
typedef struct cons_in {
    int64_t rep, port, flow, goods, mode, direction, trader, flags;
    uint64_t id, carrier_id, unit_id;
    double cost;
} cons_in;

/* Time m of a row as read. */
static double row_time(const cons_in *r, size_t m)
{
    double t;
    memcpy(&t, (const char *)r + sizeof *r + m * sizeof t, sizeof t);
    return t;
}

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

/* Sorts the n consignments c, and their rows of nm times, by (arrival
** time, id, file order): keys sorted, then the permutation applied in
** place, cycle by cycle, so no second copy of the rows. */
static void sort_consignments(kou_replay_consignment *c, double *times, size_t nm, size_t arrival, size_t n)
{
    if (n < 2)
        return;
    cons_key *k = koui_malloc(n * sizeof *k);
    double *tmp_t = koui_malloc(nm * sizeof *tmp_t);
    for (size_t i = 0; i < n; i++)
        k[i] = (cons_key){times[i * nm + arrival], c[i].id, i};
    qsort(k, n, sizeof *k, cons_key_cmp);
    for (size_t i = 0; i < n; i++) { /* position i takes row k[i].row; done positions get row = SIZE_MAX */
        if (k[i].row == SIZE_MAX || k[i].row == i) {
            k[i].row = SIZE_MAX;
            continue;
        }
        kou_replay_consignment tmp = c[i];
        memcpy(tmp_t, times + i * nm, nm * sizeof *tmp_t);
        size_t j = i;
        for (;;) {
            size_t src = k[j].row;
            k[j].row = SIZE_MAX;
            if (src == i) {
                c[j] = tmp;
                memcpy(times + j * nm, tmp_t, nm * sizeof *tmp_t);
                break;
            }
            c[j] = c[src];
            memcpy(times + j * nm, times + src * nm, nm * sizeof *tmp_t);
            j = src;
        }
    }
    free(tmp_t);
    free(k);
}

/* Checks one row of the replication against the layout and keeps it. */
typedef struct cons_take {
    koui_h5_error *rd;
    const kou_replay *rp;
    const layout *l;
    char **tnames; /* the time columns: t_<milestone> */
    kou_replay_consignment *out;
    double *times;
    size_t n, cap;
} cons_take;

/* Port, flow and goods inside the layout; mode, direction, trader and flags in range. */
static bool row_in_range(koui_h5_error *rd, const layout *l, const cons_in *r, unsigned long long row)
{
    static const char *const path = "/consignments";
    if (r->port < 0 || r->port >= (int64_t)l->np || r->flow < 0 ||
        r->flow >= (int64_t)(l->first_flow[r->port + 1] - l->first_flow[r->port])) {
        koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: port %lld, flow %lld is not in /layout", path, row,
                     (long long)r->port, (long long)r->flow);
        return false;
    }
    size_t f = l->first_flow[r->port] + (size_t)r->flow;
    if (r->goods < 0 || r->goods >= (int64_t)(l->first_goods[f + 1] - l->first_goods[f])) {
        koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: goods %lld is not a goods of port %lld flow %lld in /layout",
                     path, row, (long long)r->goods, (long long)r->port, (long long)r->flow);
        return false;
    }
    if (r->mode < 0 || r->mode >= KOU_MODE_COUNT || r->direction < 0 || r->direction >= KOU_DIRECTION_COUNT ||
        r->trader < 0 || r->trader >= KOU_TRADER_COUNT || r->flags < 0 || r->flags > (int64_t)UINT32_MAX) {
        koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: mode %lld, direction %lld, trader %lld or flags %lld out of range",
                     path, row, (long long)r->mode, (long long)r->direction, (long long)r->trader,
                     (long long)r->flags);
        return false;
    }
    return true;
}

static bool take_consignment(void *ctx, const void *row_in, unsigned long long row)
{
    static const char *const path = "/consignments";
    cons_take *c = ctx;
    const cons_in *r = row_in;
    koui_h5_error *rd = c->rd;
    const kou_replay *rp = c->rp;
    size_t nm = rp->nmilestones;
    if (!row_in_range(rd, c->l, r, row))
        return false;
    double arrival = row_time(r, rp->arrival);
    if (!isfinite(arrival)) {
        koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: t_arrival is %g, not a time", path, row, arrival);
        return false;
    }
    for (size_t k = 0; k < nm; k++)
        if (isinf(row_time(r, k))) { /* NaN is "did not happen"; an infinite time is nothing */
            koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: %s is %g, not a time", path, row, c->tnames[k],
                         row_time(r, k));
            return false;
        }
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->out = koui_realloc(c->out, c->cap * sizeof *c->out);
        c->times = koui_realloc(c->times, c->cap * nm * sizeof *c->times);
    }
    c->out[c->n] = (kou_replay_consignment){r->id, r->carrier_id, r->unit_id, (uint16_t)r->port, (uint16_t)r->flow,
                                            (uint16_t)r->goods, (uint8_t)r->mode, (uint8_t)r->direction,
                                            (uint8_t)r->trader, (uint32_t)r->flags, NULL, r->cost};
    memcpy(c->times + c->n * nm, (const char *)r + sizeof *r, nm * sizeof *c->times);
    c->n++;
    return true;
}

/* Opens /consignments with the columns read: the integers, then a time
** per milestone (t_<name>), then cost; and its flag names. */
static bool open_consignments(koui_h5_error *rd, hid_t file, kou_replay *rp, char **tnames, table *t)
{
    size_t nm = 0;
    member m[12 + KOU_REPLAY_MAX_MILESTONES];
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
    for (size_t k = 0; k < rp->nmilestones; k++)
        m[nm++] = (member){tnames[k], H5T_FLOAT, sizeof(cons_in) + k * sizeof(double), H5T_NATIVE_DOUBLE};
    m[nm++] = (member){"cost", H5T_FLOAT, offsetof(cons_in, cost), H5T_NATIVE_DOUBLE};
    size_t row_size = sizeof(cons_in) + rp->nmilestones * sizeof(double);
    if (!table_open(rd, file, "/consignments", m, nm, row_size, MAX_ROWS, t))
        return false;
    if (!read_flag_names(rd, t->dset, rp)) {
        table_close(t);
        return false;
    }
    return true;
}

/* The replication's consignments, checked, sorted, into rp. */
static bool read_consignments(koui_h5_error *rd, hid_t file, kou_replay *rp, const layout *l)
{
    size_t nm = rp->nmilestones;
    char **tnames = koui_calloc(nm, sizeof *tnames);
    for (size_t k = 0; k < nm; k++) {
        size_t len = strlen(rp->milestone_names[k]);
        tnames[k] = koui_malloc(len + 3);
        memcpy(tnames[k], "t_", 2);
        memcpy(tnames[k] + 2, rp->milestone_names[k], len + 1);
    }
    table t;
    cons_take c = {rd, rp, l, tnames, NULL, NULL, 0, 0};
    bool good = open_consignments(rd, file, rp, tnames, &t) &&
                table_each(rd, &t, "/consignments", sizeof(cons_in) + nm * sizeof(double), rp->replication,
                           take_consignment, &c);
    koui_h5_free_strings(tnames, nm);
    if (!good) {
        free(c.out);
        free(c.times);
        return false;
    }
    size_t n = c.n;
    sort_consignments(c.out, c.times, nm, rp->arrival, n);
    rp->consignments = n ? koui_realloc(c.out, n * sizeof *c.out) : (free(c.out), koui_malloc(sizeof *c.out));
    rp->times = n ? koui_realloc(c.times, n * nm * sizeof *c.times) : (free(c.times), koui_malloc(sizeof *c.times));
    for (size_t i = 0; i < n; i++)
        rp->consignments[i].t = rp->times + i * nm;
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

/* Checks one sample row of the replication and keeps it, in time order. */
typedef struct sample_take {
    koui_h5_error *rd;
    const kou_replay *rp;
    sample_keep *keep;
    size_t n, cap, ntimes;
} sample_take;

static bool take_sample(void *ctx, const void *row_in, unsigned long long row)
{
    static const char *const path = "/timeseries";
    sample_take *c = ctx;
    const sample_in *r = row_in;
    koui_h5_error *rd = c->rd;
    const kou_replay *rp = c->rp;
    if (r->resource < 0 || r->resource >= (int64_t)rp->nresources) {
        koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: resource %lld is not in /layout/resources (%zu rows)", path, row,
                     (long long)r->resource, rp->nresources);
        return false;
    }
    if (r->port != rp->resources[r->resource].port) {
        koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: port %lld, but resource %lld is of port %d", path, row,
                     (long long)r->port, (long long)r->resource, rp->resources[r->resource].port);
        return false;
    }
    if (!isfinite(r->t) || (c->n > 0 && r->t < c->keep[c->n - 1].t)) {
        koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: sample time %g is not finite or before the previous one", path,
                     row, r->t);
        return false;
    }
    if (r->busy < INT32_MIN || r->busy > INT32_MAX || r->capacity < INT32_MIN || r->capacity > INT32_MAX) {
        koui_h5_fail(rd, KOU_EINVAL, "%s row %llu: busy %lld or capacity %lld out of range", path, row,
                     (long long)r->busy, (long long)r->capacity);
        return false;
    }
    if (c->n == 0 || r->t != c->keep[c->n - 1].t)
        c->ntimes++;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->keep = koui_realloc(c->keep, c->cap * sizeof *c->keep);
    }
    c->keep[c->n++] = (sample_keep){r->t, (size_t)r->resource,
                                    {r->queue > UINT32_MAX ? UINT32_MAX : (uint32_t)r->queue, (int32_t)r->busy,
                                     (int32_t)r->capacity}};
    return true;
}

static bool read_timeseries(koui_h5_error *rd, hid_t file, kou_replay *rp)
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
    sample_take c = {rd, rp, NULL, 0, 0, 0};
    bool good = table_each(rd, &t, path, sizeof(sample_in), rp->replication, take_sample, &c);
    sample_keep *keep = c.keep;
    size_t n = c.n, ntimes = c.ntimes;
    size_t nres = rp->nresources;
    if (good && nres > 0 && ntimes > MAX_CELLS / nres) {
        koui_h5_fail(rd, KOU_EINVAL, "%s: %zu sample times x %zu resources is too large a grid", path, ntimes, nres);
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
            koui_h5_fail(rd, KOU_EINVAL, "%s: resource %zu sampled twice at t = %.17g", path, keep[i].resource,
                         keep[i].t);
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
    koui_h5_free_strings(rp->milestone_names, rp->nmilestones);
    koui_h5_free_strings(rp->flag_names, rp->nflags);
    free(rp->consignments);
    free(rp->times);
    free(rp->sample_t);
    free(rp->samples);
    free(rp->scenario_name);
    free(rp->scenario_name_zh);
    koui_h5_free_strings(rp->port_names_zh, rp->nport_names_zh);
    free(rp->era);
    free(rp->title);
    free(rp);
}

/* A required root number: absent is "not a kouan run file". */
static bool need_number(koui_h5_error *rd, hid_t file, const char *name, bool integer, hid_t type, void *v)
{
    int rc = attr_number(rd, file, name, integer, type, v);
    if (rc == 0)
        koui_h5_fail(rd, KOU_EINVAL, "not a kouan run file: no root attribute %s", name);
    return rc == 1;
}

/* The root attributes: the schema, the run's names, its span and sampling,
** and the replications (the one asked for must be among them). */
static bool read_root(koui_h5_error *rd, hid_t file, kou_replay *rp)
{
    long long v = 0, start_date = 0;
    int rc = attr_number(rd, file, "schema_version", true, H5T_NATIVE_LLONG, &v);
    if (rc == 0)
        koui_h5_fail(rd, KOU_EINVAL, "an HDF5 file, but not a kouan run file (no schema_version attribute at /)");
    if (rc <= 0)
        return false;
    if (v != KOU_REPLAY_SCHEMA_VERSION) {
        koui_h5_fail(rd, KOU_EINVAL, "schema_version %lld is not supported (this kouan reads version %d)", v,
                     KOU_REPLAY_SCHEMA_VERSION);
        return false;
    }
    rc = attr_number(rd, file, "complete", true, H5T_NATIVE_LLONG, &v);
    if (rc < 0)
        return false;
    rp->complete = rc == 0 || v != 0;
    if (!attr_string(rd, file, "scenario_name", &rp->scenario_name) || !attr_string(rd, file, "era", &rp->era) ||
        !attr_string(rd, file, "title", &rp->title))
        return false;
    if (!need_number(rd, file, "start_date", true, H5T_NATIVE_LLONG, &start_date) ||
        !need_number(rd, file, "horizon_hours", false, H5T_NATIVE_DOUBLE, &rp->horizon_hours) ||
        !need_number(rd, file, "sample_hours", false, H5T_NATIVE_DOUBLE, &rp->sample_hours) ||
        !need_number(rd, file, "replications", true, H5T_NATIVE_LLONG, &v) ||
        attr_number(rd, file, "warmup_hours", false, H5T_NATIVE_DOUBLE, &rp->warmup_hours) < 0)
        return false;
    if (start_date < 0 || start_date > 99991231 || !isfinite(rp->horizon_hours) || !isfinite(rp->warmup_hours) ||
        !(rp->sample_hours > 0) || !isfinite(rp->sample_hours)) {
        koui_h5_fail(rd, KOU_EINVAL,
                     "root attributes out of range: start_date %lld, horizon_hours %g, warmup_hours %g, "
                     "sample_hours %g",
                     start_date, rp->horizon_hours, rp->warmup_hours, rp->sample_hours);
        return false;
    }
    rp->start_date = (long)start_date;
    if (v < 0 || v > (long long)MAX_REPLICATIONS) {
        koui_h5_fail(rd, KOU_EINVAL, "root attribute replications %lld out of range", v);
        return false;
    }
    rp->replications = (size_t)v;
    return true;
}

/* The replication asked for: one the file holds. */
static bool check_replication(koui_h5_error *rd, const kou_replay *rp)
{
    if (rp->replication < rp->replications)
        return true;
    if (rp->replications == 0)
        koui_h5_fail(rd, KOU_EINVAL, "replication %zu does not exist: the file holds none", rp->replication);
    else
        koui_h5_fail(rd, KOU_EINVAL, "replication %zu does not exist: the file holds %zu (0-%zu)", rp->replication,
                     rp->replications, rp->replications - 1);
    return false;
}

/* The read; the file and the replication asked for are in ctx. */
typedef struct replay_read {
    koui_h5_source src;
    kou_replay *rp;
} replay_read;

static kou_status read_all(koui_h5_error *rd, const char *path, void *ctx)
{
    const replay_read *rr = ctx;
    kou_replay *rp = rr->rp;
    (void)path; /* in rr->src, with the image when there is no path */
    hid_t file = koui_h5_open_source(rd, &rr->src);
    if (file < 0)
        return rd->status;
    layout l;
    memset(&l, 0, sizeof l);
    if (read_root(rd, file, rp) && check_replication(rd, rp)) {
        rp->has_events = H5Lexists(file, "events", H5P_DEFAULT) > 0;
        H5Eclear2(H5E_DEFAULT);
        if (read_layout_tables(rd, file, rp, &l) && read_milestone_names(rd, file, rp) &&
            read_names_zh(rd, file, rp) && read_consignments(rd, file, rp, &l))
            read_timeseries(rd, file, rp);
    }
    layout_free(&l);
    koui_h5_close_id(&file, H5Fclose);
    return rd->failed ? rd->status : KOU_OK;
}

/* kou_replay_open and kou_replay_open_image: only src differs. */
static kou_status open_from(const koui_h5_source *src, size_t replication, kou_replay **out, char *err,
                            size_t errsize)
{
    *out = NULL;
    err[0] = '\0';
    kou_replay *rp = koui_calloc(1, sizeof *rp);
    rp->replication = replication;
    replay_read rr = {*src, rp};
    kou_status st = koui_h5_read(src->path ? src->path : "(file image)", read_all, &rr, err, errsize);
    if (st != KOU_OK) {
        kou_replay_free(rp);
        return st;
    }
    *out = rp;
    return KOU_OK;
}

kou_status kou_replay_open(const char *path, size_t replication, kou_replay **out, char *err, size_t errsize)
{
    KOU_CHECK(path != NULL && out != NULL && err != NULL && errsize > 0);
    const koui_h5_source src = {path, NULL, 0};
    return open_from(&src, replication, out, err, errsize);
}

kou_status kou_replay_open_image(const void *image, size_t size, size_t replication, kou_replay **out, char *err,
                                 size_t errsize)
{
    KOU_CHECK(out != NULL && err != NULL && errsize > 0 && (image != NULL || size == 0));
    const koui_h5_source src = {NULL, image, size};
    return open_from(&src, replication, out, err, errsize);
}

/* The checking child's limits (see koui_h5_in_child): its address space
** is capped from the file's size, since HDF5 1.10.8 allocates whatever a
** damaged file's string lengths claim, and a CPU limit ends a library
** that loops: 10 s plus 1 s per 10 MB of file, five times what a sound
** file takes or more (a one-year Henan file of 66 MB reads in 1 s), and
** under the 60 s the fuzz runs allow an input. A viewer closed while checking
** takes its check along. */
static unsigned check_cpu_seconds(const char *path)
{
    struct stat sb;
    double mb = stat(path, &sb) == 0 && sb.st_size > 0 ? (double)sb.st_size / 1e6 : 0;
    return 10u + (unsigned)fmin(mb / 10, 3600);
}

typedef struct check_ctx {
    const char *path;
    size_t replication;
} check_ctx;

static kou_status check_in_child(void *ctx, char *msg, size_t msgsize, void *payload)
{
    const check_ctx *c = ctx;
    (void)payload;
    kou_replay *rp = NULL;
    kou_status st = kou_replay_open(c->path, c->replication, &rp, msg, msgsize);
    kou_replay_free(rp);
    return st;
}

kou_status kou_replay_check(const char *path, size_t replication, char *err, size_t errsize)
{
    KOU_CHECK(path != NULL && err != NULL && errsize > 0);
    check_ctx c = {path, replication};
    const koui_h5_child_limits limits = {
        .cpu_seconds = check_cpu_seconds(path), .size_of = path, .die_with_parent = true};
    return koui_h5_in_child(check_in_child, &c, &limits, NULL, 0, err, errsize);
}
