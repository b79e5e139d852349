/*
** h5util.c — what the two run-file readers share (see h5util.h).
*/
#include "io/h5util.h"

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

static herr_t innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    char *desc = data; /* 256 bytes */
    if (n == 0 && e != NULL && e->desc != NULL)
        snprintf(desc, 256, "%s", e->desc);
    return 0;
}

kou_status koui_h5_fail(koui_h5_reader *rd, kou_status code, const char *fmt, ...)
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

kou_status koui_h5_read(const char *path, kou_status (*read_fn)(koui_h5_reader *, const char *, void *),
                        void *ctx, char *err, size_t errsize)
{
    err[0] = '\0';
    /* silence the library's printing for this read, then put it back */
    H5E_auto2_t old_fn = NULL;
    void *old_data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &old_fn, &old_data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    koui_h5_reader rd = {err, errsize, false, KOU_OK};
    kou_status st = read_fn(&rd, path, ctx);
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, old_fn, old_data);
    return st;
}

hid_t koui_h5_open_file(koui_h5_reader *rd, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        koui_h5_fail(rd, errno == ENOENT ? KOU_ENOENT : KOU_EIO, "cannot open: %s", strerror(errno));
        return H5I_INVALID_HID;
    }
    if (S_ISDIR(sb.st_mode)) {
        koui_h5_fail(rd, KOU_EIO, "is a directory, not a run file");
        return H5I_INVALID_HID;
    }
    /* fopen first: HDF5 says only "unable to open file" for a file we may not read */
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        koui_h5_fail(rd, KOU_EIO, "cannot open: %s", strerror(errno));
        return H5I_INVALID_HID;
    }
    fclose(f);
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        koui_h5_fail(rd, KOU_EIO, "not an HDF5 file%s", sb.st_size < 512 && is < 0 ? " (too short)" : "");
        return H5I_INVALID_HID;
    }
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        koui_h5_fail(rd, KOU_EIO, "a damaged or truncated HDF5 file");
    return file;
}

/* ---- attributes ---- */

/* Opens attribute name; 0 absent, 1 open (*a), -1 error (set). */
static int attr_open(koui_h5_reader *rd, const koui_h5_attrs *at, const char *name, hid_t *a)
{
    *a = H5I_INVALID_HID;
    htri_t ex = H5Aexists(at->loc, name);
    if (ex < 0) {
        koui_h5_fail(rd, KOU_EIO, "%s", at->unreadable);
        return -1;
    }
    if (ex == 0)
        return 0;
    *a = H5Aopen(at->loc, name, H5P_DEFAULT);
    if (*a < 0) {
        koui_h5_fail(rd, KOU_EIO, "cannot open %s%s%s", at->prefix, name, at->suffix);
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

int koui_h5_attr_number(koui_h5_reader *rd, const koui_h5_attrs *at, const char *name, bool integer,
                        hid_t mem_type, void *v)
{
    hid_t a;
    int rc = attr_open(rd, at, name, &a);
    if (rc <= 0)
        return rc;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    rc = -1;
    if (space_points(sp) != 1 || (cls != H5T_INTEGER && (integer || cls != H5T_FLOAT)))
        koui_h5_fail(rd, KOU_EINVAL, "%s%s%s is not one %s", at->prefix, name, at->suffix,
                     integer ? "integer" : "number");
    else if (H5Aread(a, mem_type, v) < 0)
        koui_h5_fail(rd, KOU_EIO, "cannot read %s%s%s", at->prefix, name, at->suffix);
    else
        rc = 1;
    koui_h5_close_id(&sp, H5Sclose);
    koui_h5_close_id(&t, H5Tclose);
    H5Aclose(a);
    return rc;
}

int koui_h5_attr_strings(koui_h5_reader *rd, const koui_h5_attrs *at, const char *name, bool one, char ***out,
                         size_t *n)
{
    *out = NULL;
    *n = 0;
    hid_t a;
    int rc = attr_open(rd, at, name, &a);
    if (rc <= 0)
        return rc;
    rc = -1;
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a), mt = H5I_INVALID_HID;
    long long np = space_points(sp);
    htri_t var = t >= 0 ? H5Tis_variable_str(t) : -1;
    size_t size = t >= 0 ? H5Tget_size(t) : 0;
    bool string = t >= 0 && H5Tget_class(t) == H5T_STRING;
    bool usable = var > 0 || (var == 0 && size > 0 && size <= KOUI_H5_MAX_STRING);
    char *buf = NULL;
    if (one && (!string || np != 1 || !usable)) {
        koui_h5_fail(rd, KOU_EINVAL, "%s%s%s is not one string", at->prefix, name, at->suffix);
        goto done;
    }
    if (!string || np < 0 || np > (long long)KOUI_H5_MAX_NAMES || H5Sget_simple_extent_ndims(sp) > 1) {
        koui_h5_fail(rd, KOU_EINVAL, "%s%s%s is not a string or a list of strings", at->prefix, name, at->suffix);
        goto done;
    }
    if (!usable) {
        koui_h5_fail(rd, KOU_EINVAL, "%s%s%s has an unusable string type", at->prefix, name, at->suffix);
        goto done;
    }
    size_t count = (size_t)np;
    mt = H5Tcopy(H5T_C_S1);
    if (mt < 0 || H5Tset_size(mt, var ? H5T_VARIABLE : size) < 0 || H5Tset_cset(mt, H5Tget_cset(t)) < 0 ||
        (!var && H5Tset_strpad(mt, H5Tget_strpad(t)) < 0)) {
        koui_h5_fail(rd, KOU_EIO, "%s%s%s: cannot make a string type", at->prefix, name, at->suffix);
        goto done;
    }
    size_t each = var ? sizeof(char *) : size;
    buf = koui_calloc(count ? count : 1, each);
    if (count > 0 && H5Aread(a, mt, buf) < 0) {
        koui_h5_fail(rd, KOU_EIO, "cannot read %s%s%s", at->prefix, name, at->suffix);
        goto done;
    }
    char **strs = koui_calloc(count ? count : 1, sizeof *strs);
    for (size_t i = 0; i < count; i++) {
        if (var)
            strs[i] = koui_h5_copy_bytes(((char **)(void *)buf)[i], KOUI_H5_MAX_STRING);
        else
            strs[i] = koui_h5_copy_bytes(buf + i * size, size);
    }
    if (var && count > 0)
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, buf);
    *out = strs;
    *n = count;
    rc = 1;
done:
    free(buf);
    koui_h5_close_id(&mt, H5Tclose);
    koui_h5_close_id(&sp, H5Sclose);
    koui_h5_close_id(&t, H5Tclose);
    H5Aclose(a);
    return rc;
}

void koui_h5_free_strings(char **s, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        free(s[i]);
    free(s);
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

hid_t koui_h5_vstring(H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, cset) < 0)) {
        H5Tclose(t);
        return H5I_INVALID_HID;
    }
    return t;
}

/* ---- the checking child ---- */

/* HDF5 1.10.8 trusts the lengths of a damaged file's variable-length
** strings: it allocates and clears a buffer of whatever size they claim
** (gigabytes) before it finds the heap object too short. A cap on the
** child's address space turns that into a failed allocation, i.e. an error
** message, instead of a machine driven into swap; the cap leaves room for
** a real read (a few times the file's size). Not under AddressSanitizer,
** which reserves terabytes of shadow memory up front. */
#define CHILD_MEMORY_BASE ((rlim_t)512 << 20)
#if defined(__SANITIZE_ADDRESS__)
#define CHILD_LIMIT_MEMORY 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
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
        /* Crash signals kill the child plainly: a fuzzer's or sanitizer's
        ** handler inherited from the parent would report the library's
        ** crash as the parent's. */
        static const int deadly[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (size_t i = 0; i < sizeof deadly / sizeof *deadly; i++)
            signal(deadly[i], SIG_DFL);
        if (limits != NULL)
            limit_child(limits);
        child_answer r;
        memset(&r, 0, sizeof r);
        r.status = fn(ctx, r.msg, sizeof r.msg, r.payload);
        /* And what the parent's exit will do: on some damaged files the
        ** read succeeds but the library crashes closing the file at exit
        ** (H5F__close_cb, found by fuzzing the report reader). */
        H5close();
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
    child_answer r;
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
        if (limits != NULL && limits->cpu_seconds > 0 && WIFSIGNALED(wst) && WTERMSIG(wst) == SIGXCPU)
            snprintf(err, errsize, "the HDF5 library did not finish reading it in %u s of CPU (signal %d): a "
                     "damaged file", limits->cpu_seconds, WTERMSIG(wst));
        else if (WIFSIGNALED(wst))
            snprintf(err, errsize, "the HDF5 library crashed reading it (signal %d): a damaged file", WTERMSIG(wst));
        else
            snprintf(err, errsize, "the HDF5 library failed reading it: a damaged file");
        return KOU_EIO;
    }
    r.msg[sizeof r.msg - 1] = '\0';
    snprintf(err, errsize, "%s", r.msg);
    if (payload_size > 0)
        memcpy(payload, r.payload, payload_size);
    return (kou_status)r.status;
}
