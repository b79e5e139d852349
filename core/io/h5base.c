/*
** h5base.c — the HDF5 base of core/io (see h5base.h).
*/
#include "io/h5base.h"

#include <errno.h>
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

/* ---- errors ---- */

static herr_t innermost(unsigned n, const H5E_error2_t *err, void *data)
{
    char *desc = data; /* 256 bytes */
    if (n == 0 && err != NULL && err->desc != NULL)
        snprintf(desc, 256, "%s", err->desc);
    return 0;
}

kou_status koui_h5_failv(koui_h5_error *e, kou_status code, bool with_hdf5, const char *fmt, va_list ap)
{
    if (e->failed) /* the first message is the one that says what went wrong */
        return code;
    e->failed = true;
    e->status = code;
    vsnprintf(e->msg, e->size, fmt, ap);
    if (!with_hdf5)
        return code;
    char desc[256] = "";
    if (H5Eget_num(H5E_DEFAULT) > 0)
        H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, desc);
    H5Eclear2(H5E_DEFAULT);
    for (char *p = desc; *p; p++) /* one line: no control characters from the library */
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    if (desc[0]) {
        size_t len = strlen(e->msg);
        if (len + 4 < e->size)
            snprintf(e->msg + len, e->size - len, " (HDF5: %s)", desc);
    }
    return code;
}

kou_status koui_h5_fail(koui_h5_error *e, kou_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    koui_h5_failv(e, code, true, fmt, ap);
    va_end(ap);
    return code;
}

void koui_h5_quiet(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

kou_status koui_h5_read(const char *path, kou_status (*read_fn)(koui_h5_error *, const char *, void *), void *ctx,
                        char *err, size_t errsize)
{
    err[0] = '\0';
    /* silence the library's printing for this read, then put it back */
    H5E_auto2_t old_fn = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    koui_h5_error e = {err, errsize, false, KOU_OK};
    kou_status st = read_fn(&e, path, ctx);
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    return st;
}

/* ---- handles and strings ---- */

void koui_h5_close_id(hid_t *id, herr_t (*fn)(hid_t))
{
    if (*id >= 0)
        fn(*id);
    *id = H5I_INVALID_HID;
}

char *koui_h5_copy_bytes(const char *p, size_t max)
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

void koui_h5_free_strings(char **s, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        free(s[i]);
    free(s);
}

/* ---- string types ---- */

hid_t koui_h5_vstring(H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, cset) < 0)) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

hid_t koui_h5_utf8(void)
{
    return koui_h5_vstring(H5T_CSET_UTF8);
}

hid_t koui_h5_utf8_fixed(size_t size)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, size) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
                   H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* ---- files ---- */

hid_t koui_h5_create_file(koui_h5_error *e, const char *path, bool force, hid_t fcpl, hid_t fapl, bool *exists)
{
    if (exists)
        *exists = false;
    koui_h5_quiet();
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        fclose(f);
        if (!force) {
            if (exists)
                *exists = true;
            H5Eclear2(H5E_DEFAULT); /* nothing of the library's belongs to this message */
            koui_h5_fail(e, KOU_EIO, "%s exists", path);
            return H5I_INVALID_HID;
        }
    }
    /* a missing folder is the usual cause, and HDF5 would bury it in its
    ** own error stack: said first, in plain words */
    const char *slash = strrchr(path, '/');
    if (slash != NULL && slash != path) {
        char dir[1024];
        struct stat sb;
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
        bool missing = stat(dir, &sb) != 0;
        if (missing || !S_ISDIR(sb.st_mode)) {
            H5Eclear2(H5E_DEFAULT);
            if (missing)
                koui_h5_fail(e, KOU_ENOENT, "cannot create '%s': the folder '%s' does not exist (make it first: "
                             "mkdir -p %s)", path, dir, dir);
            else
                koui_h5_fail(e, KOU_EIO, "cannot create '%s': '%s' is not a folder", path, dir);
            return H5I_INVALID_HID;
        }
    }
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    if (file < 0)
        koui_h5_fail(e, KOU_EIO, "cannot create '%s'", path);
    return file;
}

hid_t koui_h5_open_file(koui_h5_error *e, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        koui_h5_fail(e, errno == ENOENT ? KOU_ENOENT : KOU_EIO, "cannot open: %s", strerror(errno));
        return H5I_INVALID_HID;
    }
    if (S_ISDIR(sb.st_mode)) {
        koui_h5_fail(e, KOU_EIO, "is a directory, not a run file");
        return H5I_INVALID_HID;
    }
    /* fopen first: HDF5 says only "unable to open file" for a file we may not read */
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        koui_h5_fail(e, KOU_EIO, "cannot open: %s", strerror(errno));
        return H5I_INVALID_HID;
    }
    fclose(f);
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        koui_h5_fail(e, KOU_EIO, "not an HDF5 file%s", sb.st_size < 512 && is < 0 ? " (too short)" : "");
        return H5I_INVALID_HID;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        koui_h5_fail(e, KOU_EIO, "a damaged or truncated HDF5 file");
    return file;
}

/* Whether image holds HDF5's superblock signature where the library looks
** for it (H5Fis_hdf5 takes a path only): at 0, 512, 1024, 2048... */
static bool image_has_signature(const unsigned char *image, size_t size)
{
    static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
    for (size_t at = 0; at < size && size - at >= sizeof sig; at = at ? at * 2 : 512)
        if (memcmp(image + at, sig, sizeof sig) == 0)
            return true;
    return false;
}

hid_t koui_h5_open_image(koui_h5_error *e, const void *image, size_t size)
{
    if (image == NULL || !image_has_signature(image, size)) {
        /* as koui_h5_open_file, whose library check fails only when no signature fits */
        koui_h5_fail(e, KOU_EIO, "not an HDF5 file%s", size < 8 ? " (too short)" : "");
        return H5I_INVALID_HID;
    }
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), file = H5I_INVALID_HID;
    /* 64 KiB growth steps (never used: read-only), no backing store */
    /* the core driver tells open files apart by name: one per image */
    char name[64];
    snprintf(name, sizeof name, "kouan-file-image-%p", image);
    if (fapl >= 0 && H5Pset_fapl_core(fapl, (size_t)1 << 16, false) >= 0 &&
        H5Pset_file_image(fapl, (void *)(uintptr_t)image, size) >= 0)
        file = H5Fopen(name, H5F_ACC_RDONLY, fapl);
    if (file < 0)
        koui_h5_fail(e, KOU_EIO, "a damaged or truncated HDF5 file");
    koui_h5_close_id(&fapl, H5Pclose);
    return file;
}

hid_t koui_h5_open_source(koui_h5_error *e, const koui_h5_source *src)
{
    return src->path ? koui_h5_open_file(e, src->path) : koui_h5_open_image(e, src->image, src->size);
}

/* ---- writing ---- */

/* An existing attribute name of obj that can take a scalar of type: open
** (a number rewritten in place), else H5I_INVALID_HID after deleting any
** other of that name. */
static hid_t attr_reusable(hid_t obj, const char *name, hid_t type)
{
    if (H5Aexists(obj, name) <= 0)
        return H5I_INVALID_HID;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = a >= 0 ? H5Aget_type(a) : H5I_INVALID_HID, sp = a >= 0 ? H5Aget_space(a) : H5I_INVALID_HID;
    bool same = t >= 0 && sp >= 0 && H5Tget_class(type) != H5T_STRING && H5Tequal(t, type) > 0 &&
                H5Sget_simple_extent_type(sp) == H5S_SCALAR;
    koui_h5_close_id(&sp, H5Sclose);
    koui_h5_close_id(&t, H5Tclose);
    if (same)
        return a;
    koui_h5_close_id(&a, H5Aclose);
    H5Adelete(obj, name);
    return H5I_INVALID_HID;
}

/* Writes attribute name of obj in space sp (scalar or 1-D), of file type
** ftype, from v laid out as mtype. */
static bool attr_write(koui_h5_error *e, hid_t obj, const char *name, hid_t ftype, hid_t mtype, hid_t sp,
                       const void *v)
{
    if (e->failed)
        return false;
    hid_t a = H5Sget_simple_extent_type(sp) == H5S_SCALAR ? attr_reusable(obj, name, ftype) : H5I_INVALID_HID;
    if (a < 0) {
        if (H5Aexists(obj, name) > 0)
            H5Adelete(obj, name);
        a = H5Acreate2(obj, name, ftype, sp, H5P_DEFAULT, H5P_DEFAULT);
    }
    bool good = a >= 0 && H5Awrite(a, mtype, v) >= 0;
    if (!good)
        koui_h5_fail(e, KOU_EIO, "cannot write attribute '%s'", name);
    koui_h5_close_id(&a, H5Aclose);
    return good;
}

/* A scalar of file type ftype from v (memory type mtype). */
static bool attr_scalar(koui_h5_error *e, hid_t obj, const char *name, hid_t ftype, hid_t mtype, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    bool good = attr_write(e, obj, name, ftype, mtype, sp, v);
    H5Sclose(sp);
    return good;
}

bool koui_h5_write_attr_str(koui_h5_error *e, hid_t obj, const char *name, const char *value)
{
    hid_t t = koui_h5_utf8();
    const char *v = value ? value : "";
    bool good = attr_scalar(e, obj, name, t, t, &v);
    H5Tclose(t);
    return good;
}

bool koui_h5_write_attr_int(koui_h5_error *e, hid_t obj, const char *name, int64_t value)
{
    return attr_scalar(e, obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

bool koui_h5_write_attr_double(koui_h5_error *e, hid_t obj, const char *name, double value)
{
    return attr_scalar(e, obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

bool koui_h5_write_attr_strs(koui_h5_error *e, hid_t obj, const char *name, const char *const *v, size_t n)
{
    hsize_t dim = n;
    hid_t t = koui_h5_utf8(), sp = H5Screate_simple(1, &dim, NULL);
    bool good = attr_write(e, obj, name, t, t, sp, v);
    H5Sclose(sp);
    H5Tclose(t);
    return good;
}

hid_t koui_h5_write_dataset(koui_h5_error *e, hid_t loc, const char *path, hid_t ftype, hid_t mtype, int rank,
                            const hsize_t *dims, hid_t dcpl, const void *data)
{
    if (e->failed)
        return H5I_INVALID_HID;
    hsize_t total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t d = H5Dcreate2(loc, path, ftype, sp, lcpl, dcpl, H5P_DEFAULT);
    if (d < 0)
        koui_h5_fail(e, KOU_EIO, "cannot create %s", path);
    else if (data != NULL && total > 0 && H5Dwrite(d, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0) {
        koui_h5_fail(e, KOU_EIO, "cannot write %s", path);
        koui_h5_close_id(&d, H5Dclose);
    }
    H5Pclose(lcpl);
    H5Sclose(sp);
    return d;
}

/* ---- reading attributes ---- */

/* Opens attribute name; 0 absent, 1 open (*a), -1 error (set). */
static int attr_open(koui_h5_error *e, const koui_h5_attrs *at, const char *name, hid_t *a)
{
    *a = H5I_INVALID_HID;
    htri_t ex = H5Aexists(at->loc, name);
    if (ex < 0) {
        koui_h5_fail(e, KOU_EIO, "%s", at->unreadable);
        return -1;
    }
    if (ex == 0)
        return 0;
    *a = H5Aopen(at->loc, name, H5P_DEFAULT);
    if (*a < 0) {
        koui_h5_fail(e, KOU_EIO, "cannot open %s%s%s", at->prefix, name, at->suffix);
        return -1;
    }
    return 1;
}

/* The number of elements of an attribute's space, or -1. */
static long long space_points(hid_t space)
{
    if (space < 0)
        return -1;
    hssize_t n = H5Sget_simple_extent_npoints(space);
    return n < 0 ? -1 : (long long)n;
}

int koui_h5_attr_number(koui_h5_error *e, const koui_h5_attrs *at, const char *name, bool integer, hid_t mem_type,
                        void *v)
{
    hid_t a;
    int rc = attr_open(e, at, name, &a);
    if (rc <= 0)
        return rc;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    rc = -1;
    if (space_points(sp) != 1 || (cls != H5T_INTEGER && (integer || cls != H5T_FLOAT)))
        koui_h5_fail(e, KOU_EINVAL, "%s%s%s is not one %s", at->prefix, name, at->suffix,
                     integer ? "integer" : "number");
    else if (H5Aread(a, mem_type, v) < 0)
        koui_h5_fail(e, KOU_EIO, "cannot read %s%s%s", at->prefix, name, at->suffix);
    else
        rc = 1;
    koui_h5_close_id(&sp, H5Sclose);
    koui_h5_close_id(&t, H5Tclose);
    H5Aclose(a);
    return rc;
}

/* What a string attribute holds, and the memory type that reads it. */
typedef struct string_shape {
    long long points;
    bool var, string, usable, one_d;
    size_t size; /* of a fixed-length string */
} string_shape;

static string_shape shape_of(hid_t t, hid_t sp)
{
    string_shape s;
    s.points = space_points(sp);
    htri_t var = t >= 0 ? H5Tis_variable_str(t) : -1;
    s.var = var > 0;
    s.size = t >= 0 ? H5Tget_size(t) : 0;
    s.string = t >= 0 && H5Tget_class(t) == H5T_STRING;
    s.usable = var > 0 || (var == 0 && s.size > 0 && s.size <= KOUI_H5_MAX_STRING);
    s.one_d = sp >= 0 && H5Sget_simple_extent_ndims(sp) <= 1;
    return s;
}

/* The checks of koui_h5_attr_strings: false with the failure set. */
static bool strings_fit(koui_h5_error *e, const koui_h5_attrs *at, const char *name, bool one, const string_shape *s)
{
    if (one && (!s->string || s->points != 1 || !s->usable)) {
        koui_h5_fail(e, KOU_EINVAL, "%s%s%s is not one string", at->prefix, name, at->suffix);
        return false;
    }
    if (!s->string || s->points < 0 || s->points > (long long)KOUI_H5_MAX_NAMES || !s->one_d) {
        koui_h5_fail(e, KOU_EINVAL, "%s%s%s is not a string or a list of strings", at->prefix, name, at->suffix);
        return false;
    }
    if (!s->usable) {
        koui_h5_fail(e, KOU_EINVAL, "%s%s%s has an unusable string type", at->prefix, name, at->suffix);
        return false;
    }
    return true;
}

/* Reads the count strings of attribute a (of file type t, space sp) into
** a new array of copies. */
static char **strings_read(koui_h5_error *e, const koui_h5_attrs *at, const char *name, hid_t a, hid_t t, hid_t sp,
                           const string_shape *s)
{
    size_t count = (size_t)s->points;
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (mt < 0 || H5Tset_size(mt, s->var ? H5T_VARIABLE : s->size) < 0 || H5Tset_cset(mt, H5Tget_cset(t)) < 0 ||
        (!s->var && H5Tset_strpad(mt, H5Tget_strpad(t)) < 0)) {
        koui_h5_fail(e, KOU_EIO, "%s%s%s: cannot make a string type", at->prefix, name, at->suffix);
        koui_h5_close_id(&mt, H5Tclose);
        return NULL;
    }
    size_t each = s->var ? sizeof(char *) : s->size;
    char *buf = koui_calloc(count ? count : 1, each);
    char **strs = NULL;
    if (count > 0 && H5Aread(a, mt, buf) < 0) {
        koui_h5_fail(e, KOU_EIO, "cannot read %s%s%s", at->prefix, name, at->suffix);
    } else {
        strs = koui_calloc(count ? count : 1, sizeof *strs);
        for (size_t i = 0; i < count; i++)
            strs[i] = s->var ? koui_h5_copy_bytes(((char **)(void *)buf)[i], KOUI_H5_MAX_STRING)
                             : koui_h5_copy_bytes(buf + i * s->size, s->size);
        if (s->var && count > 0)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
    }
    free(buf);
    H5Tclose(mt);
    return strs;
}

int koui_h5_attr_strings(koui_h5_error *e, const koui_h5_attrs *at, const char *name, bool one, char ***out,
                         size_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t a;
    int rc = attr_open(e, at, name, &a);
    if (rc <= 0)
        return rc;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    string_shape s = shape_of(t, sp);
    rc = -1;
    if (strings_fit(e, at, name, one, &s) && (*out = strings_read(e, at, name, a, t, sp, &s)) != NULL) {
        *n = (size_t)s.points;
        rc = 1;
    }
    koui_h5_close_id(&sp, H5Sclose);
    koui_h5_close_id(&t, H5Tclose);
    H5Aclose(a);
    return rc;
}

int koui_h5_attr_string(koui_h5_error *e, const koui_h5_attrs *at, const char *name, char **out)
{
    char **s;
    size_t n;
    int rc = koui_h5_attr_strings(e, at, name, true, &s, &n);
    *out = rc == 0 ? koui_h5_copy_bytes("", 0) : rc == 1 ? s[0] : NULL;
    free(s);
    return rc;
}

/* ---- compound types ---- */

bool koui_h5_has_member(hid_t ft, const char *name, H5T_class_t cls, H5T_cset_t *cset)
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

/* ---- the checking child ---- */

/* HDF5 1.10.8 trusts the lengths of a damaged file's variable-length
** strings: it allocates and clears a buffer of whatever size they claim
** (gigabytes) before it finds the heap object too short. A cap on the
** child's address space turns that into a failed allocation, i.e. an error
** message, instead of a machine driven into swap; the cap leaves room for
** a real read (a few times the file's size). Not under AddressSanitizer
** or ThreadSanitizer, which reserve terabytes of shadow memory up front
** (the child, forked after, is already far past any cap) and whose own
** allocators end the process on a failed allocation. */
#define CHILD_MEMORY_BASE ((rlim_t)512 << 20)
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define CHILD_LIMIT_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define CHILD_LIMIT_MEMORY 0
#endif
#endif
#ifndef CHILD_LIMIT_MEMORY
#define CHILD_LIMIT_MEMORY 1
#endif

static void limit_child(const koui_h5_child_limits *lim)
{
#ifdef __linux__
    if (lim->die_with_parent)
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a viewer closed while checking takes its check along */
#endif
    if (lim->cpu_seconds > 0) { /* ends a library that loops */
        struct rlimit cpu = {lim->cpu_seconds, (rlim_t)lim->cpu_seconds + 5};
        setrlimit(RLIMIT_CPU, &cpu);
    }
#if CHILD_LIMIT_MEMORY
    struct rlimit data;
    if (lim->data_bytes > 0 && getrlimit(RLIMIT_DATA, &data) == 0 &&
        (data.rlim_cur == RLIM_INFINITY || data.rlim_cur > lim->data_bytes)) {
        data.rlim_cur = lim->data_bytes;
        setrlimit(RLIMIT_DATA, &data);
    }
    struct stat sb;
    if (lim->size_of == NULL)
        return;
    rlim_t file = stat(lim->size_of, &sb) == 0 && sb.st_size > 0 ? (rlim_t)sb.st_size : 0;
    rlim_t cap = CHILD_MEMORY_BASE + (file < ((rlim_t)1 << 40) ? 8 * file : ((rlim_t)1 << 43));
    struct rlimit as;
    if (getrlimit(RLIMIT_AS, &as) == 0 && (as.rlim_cur == RLIM_INFINITY || as.rlim_cur > cap)) {
        as.rlim_cur = cap;
        setrlimit(RLIMIT_AS, &as);
    }
#endif
}

/* The child's answer on the pipe. */
typedef struct child_answer {
    int status;
    char msg[KOUI_H5_CHILD_MSG];
    unsigned char payload[KOUI_H5_CHILD_PAYLOAD];
} child_answer;

/* The child's side: limits, the read, the library shut down, the answer
** on fd. Never returns. */
static _Noreturn void child_main(kou_status (*fn)(void *, char *, size_t, void *), void *ctx,
                       const koui_h5_child_limits *limits, int fd)
{
    /* Crash signals kill the child plainly: a fuzzer's or sanitizer's
    ** handler inherited from the parent would report the library's crash
    ** as the parent's. */
    static const int deadly[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
    for (size_t i = 0; i < sizeof deadly / sizeof *deadly; i++)
        signal(deadly[i], SIG_DFL);
    if (limits != NULL)
        limit_child(limits);
    child_answer r;
    memset(&r, 0, sizeof r);
    r.status = fn(ctx, r.msg, sizeof r.msg, r.payload);
    /* And what the parent's exit will do: on some damaged files the read
    ** succeeds but the library crashes closing the file at exit
    ** (H5F__close_cb, found by fuzzing the report reader). */
    H5close();
    const char *p = (const char *)&r;
    size_t left = sizeof r;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    _exit(0); /* not exit: the library's exit-time complaints stay out of the output */
}

/* The parent's side: the answer from fd, then the child's end. True with
** *r filled when the child answered in full; else err says how it ended. */
static bool child_collect(pid_t pid, int fd, const koui_h5_child_limits *limits, child_answer *r, char *err,
                          size_t errsize)
{
    size_t got = 0;
    while (got < sizeof *r) {
        ssize_t n = read(fd, (char *)r + got, sizeof *r - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    int wst = 0;
    while (waitpid(pid, &wst, 0) < 0 && errno == EINTR)
        ;
    if (got == sizeof *r)
        return true;
    if (limits != NULL && limits->cpu_seconds > 0 && WIFSIGNALED(wst) && WTERMSIG(wst) == SIGXCPU)
        snprintf(err, errsize, "the HDF5 library did not finish reading it in %u s of CPU (signal %d): a "
                 "damaged file", limits->cpu_seconds, WTERMSIG(wst));
    else if (WIFSIGNALED(wst))
        snprintf(err, errsize, "the HDF5 library crashed reading it (signal %d): a damaged file", WTERMSIG(wst));
    else
        snprintf(err, errsize, "the HDF5 library failed reading it: a damaged file");
    return false;
}

kou_status koui_h5_in_child(kou_status (*fn)(void *ctx, char *msg, size_t msgsize, void *payload), void *ctx,
                            const koui_h5_child_limits *limits, void *payload, size_t payload_size, char *err,
                            size_t errsize)
{
    KOU_CHECK(fn != NULL && err != NULL && errsize > 0 && payload_size <= KOUI_H5_CHILD_PAYLOAD &&
              (payload != NULL || payload_size == 0));
    err[0] = '\0';
    int fd[2];
    if (pipe(fd) != 0) {
        snprintf(err, errsize, "cannot check the file: pipe: %s", strerror(errno));
        return KOU_EIO;
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errsize, "cannot check the file: fork: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        return KOU_EIO;
    }
    if (pid == 0) {
        close(fd[0]);
        child_main(fn, ctx, limits, fd[1]);
    }
    close(fd[1]);
    child_answer r;
    if (!child_collect(pid, fd[0], limits, &r, err, errsize))
        return KOU_EIO;
    r.msg[sizeof r.msg - 1] = '\0';
    snprintf(err, errsize, "%s", r.msg);
    if (payload_size > 0)
        memcpy(payload, r.payload, payload_size);
    return (kou_status)r.status;
}

/* ---- which kind of file ---- */

typedef struct schema_probe {
    const char *path, *schema;
    bool is;
} schema_probe;

static kou_status probe_schema(koui_h5_error *e, const char *path, void *ctx)
{
    schema_probe *sp = ctx;
    hid_t file = koui_h5_open_file(e, path);
    if (file < 0)
        return e->status;
    const koui_h5_attrs root = {file, "attribute ", " of /", "cannot read the attributes of /"};
    char *schema = NULL;
    sp->is = koui_h5_attr_string(e, &root, "schema", &schema) > 0 && strcmp(schema, sp->schema) == 0;
    free(schema);
    H5Fclose(file);
    return KOU_OK;
}

static kou_status probe_schema_in_child(void *ctx, char *msg, size_t msgsize, void *payload)
{
    schema_probe *sp = ctx;
    kou_status st = koui_h5_read(sp->path, probe_schema, sp, msg, msgsize);
    memcpy(payload, &sp->is, sizeof sp->is);
    return st;
}

bool koui_h5_has_schema(const char *path, const char *schema)
{
    schema_probe sp = {path, schema, false};
    bool is = false;
    char err[300];
    const koui_h5_child_limits limits = {.cpu_seconds = 10, .data_bytes = (size_t)2 << 30, .die_with_parent = true};
    return koui_h5_in_child(probe_schema_in_child, &sp, &limits, &is, sizeof is, err, sizeof err) == KOU_OK && is;
}

/* ---- datasets of a known shape ---- */

hid_t koui_h5_open_shaped(koui_h5_error *e, hid_t file, const char *name, int rank, hsize_t *dims,
                          const koui_h5_shape *shape)
{
    htri_t ex = H5Lexists(file, name + 1, H5P_DEFAULT);
    if (ex <= 0) {
        if (ex < 0)
            koui_h5_fail(e, KOU_EIO, "cannot read (damaged file?) %s", name);
        else
            koui_h5_fail(e, KOU_EINVAL, "%sno %s", shape->absent, name);
        return H5I_INVALID_HID;
    }
    hid_t ds = H5Dopen2(file, name, H5P_DEFAULT);
    hid_t sp = ds >= 0 ? H5Dget_space(ds) : H5I_INVALID_HID;
    int r = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
    bool good = r == rank && rank <= KOUI_H5_MAX_RANK && H5Sget_simple_extent_dims(sp, dims, NULL) == rank;
    for (int i = 0; good && i < rank; i++)
        good = dims[i] <= (i == 0 ? shape->first_max : shape->max);
    koui_h5_close_id(&sp, H5Sclose);
    if (!good) {
        koui_h5_close_id(&ds, H5Dclose);
        koui_h5_fail(e, KOU_EINVAL, "%s is not a %d-dimensional dataset of a sane size", name, rank);
    }
    return ds;
}

bool koui_h5_read_exact(koui_h5_error *e, hid_t file, const char *name, int rank, const hsize_t *want, hid_t mtype,
                        void *buf, const koui_h5_shape *shape)
{
    hsize_t dims[KOUI_H5_MAX_RANK];
    hid_t ds = koui_h5_open_shaped(e, file, name, rank, dims, shape);
    if (ds < 0)
        return false;
    bool same = true;
    for (int i = 0; i < rank; i++)
        same = same && dims[i] == want[i];
    if (!same)
        koui_h5_fail(e, KOU_EINVAL, "%s has the wrong shape for %s", name, shape->extents);
    else if (H5Dread(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        koui_h5_fail(e, KOU_EIO, "cannot read %s (damaged file?)", name);
    H5Dclose(ds);
    return same && !e->failed;
}
