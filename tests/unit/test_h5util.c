/*
** test_h5util.c — the HDF5 base of core/io (core/io/h5base.h): its string
** types, files created and opened, attributes written (replacing) and read
** back, datasets written in one call, the error discipline (one line, the
** library's innermost error appended, the first failure kept, nothing
** written after it); and the checking child of the readers
** (koui_h5_in_child) with callbacks that behave as a damaged file makes
** HDF5 behave: answer, crash, loop for ever, ask for gigabytes. The parent
** must always get one status and one line back.
*/
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/h5base.h"
#include "../tap/tap.h"

static kou_status answer(void *ctx, char *msg, size_t msgsize, void *payload)
{
    snprintf(msg, msgsize, "not a kouan run file: %s", (const char *)ctx);
    int v = 42;
    memcpy(payload, &v, sizeof v);
    return KOU_EINVAL;
}

static kou_status crash(void *ctx, char *msg, size_t msgsize, void *payload)
{
    (void)ctx, (void)msg, (void)msgsize, (void)payload;
    raise(SIGSEGV);
    return KOU_OK;
}

static kou_status spin(void *ctx, char *msg, size_t msgsize, void *payload)
{
    (void)ctx, (void)msg, (void)msgsize, (void)payload;
    volatile unsigned long n = 0;
    for (;;)
        n++;
    return KOU_OK;
}

/* No memory cap under ASan or TSan (core/io/h5base.c, CHILD_LIMIT_MEMORY). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_SHADOW 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_SHADOW 1
#endif
#endif

#ifndef SANITIZER_SHADOW
static kou_status greedy(void *ctx, char *msg, size_t msgsize, void *payload)
{
    (void)ctx, (void)payload;
    size_t bytes = (size_t)3 << 30;
    char *p = malloc(bytes);
    if (p == NULL) {
        snprintf(msg, msgsize, "memory allocation failed");
        return KOU_EIO;
    }
    memset(p, 1, bytes);
    free(p);
    return KOU_OK;
}
#endif

/* ---- the base ---- */

static kou_status fail_plain(koui_h5_error *e, kou_status code, const char *fmt, ...) KOU_PRINTF(3, 4);
static kou_status fail_plain(koui_h5_error *e, kou_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    koui_h5_failv(e, code, false, fmt, ap);
    va_end(ap);
    return code;
}

static void test_types(void)
{
    hid_t v = koui_h5_utf8(), f = koui_h5_utf8_fixed(16);
    ok(H5Tis_variable_str(v) > 0 && H5Tget_cset(v) == H5T_CSET_UTF8, "koui_h5_utf8: variable-length UTF-8");
    ok(H5Tis_variable_str(f) == 0 && H5Tget_size(f) == 16 && H5Tget_cset(f) == H5T_CSET_UTF8 &&
           H5Tget_strpad(f) == H5T_STR_NULLTERM,
       "koui_h5_utf8_fixed(16): 16 bytes of UTF-8, NUL-terminated");
    H5Tclose(v);
    H5Tclose(f);
}

static void test_errors(void)
{
    char msg[256] = "";
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    koui_h5_quiet();
    hid_t d = H5Dopen2(-1, "nothing", H5P_DEFAULT); /* fails: an error on the library's stack */
    kou_status st = koui_h5_fail(&e, KOU_EIO, "cannot open %s", "nothing");
    ok(d < 0 && st == KOU_EIO && e.failed && e.status == KOU_EIO, "a failure is recorded with its status");
    ok(strncmp(msg, "cannot open nothing (HDF5: ", 27) == 0 && msg[strlen(msg) - 1] == ')' &&
           strchr(msg, '\n') == NULL,
       "one line, the library's innermost error appended: %s", msg);
    koui_h5_fail(&e, KOU_EINVAL, "a later failure");
    ok(strncmp(msg, "cannot open nothing", 19) == 0 && e.status == KOU_EIO, "the first failure is kept");
    char msg2[64] = "";
    koui_h5_error e2 = {msg2, sizeof msg2, false, KOU_OK};
    (void)H5Dopen2(-1, "nothing", H5P_DEFAULT);
    fail_plain(&e2, KOU_ENOMEM, "out of memory for %s", "/summary");
    ok(strcmp(msg2, "out of memory for /summary") == 0 && e2.status == KOU_ENOMEM,
       "a failure of ours leaves the library's stack alone: %s", msg2);
    char msg3[40] = "";
    koui_h5_error e3 = {msg3, sizeof msg3, false, KOU_OK};
    (void)H5Dopen2(-1, "nothing", H5P_DEFAULT);
    koui_h5_fail(&e3, KOU_EIO, "%s", "a message of thirty-one letters");
    ok(strlen(msg3) < sizeof msg3, "a message that fills the buffer is cut, not overrun: %s", msg3);
    H5Eclear2(H5E_DEFAULT);
}

static void test_files(const char *path)
{
    char msg[256] = "";
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    unlink(path);
    bool exists = true;
    hid_t f = koui_h5_create_file(&e, path, false, H5P_DEFAULT, H5P_DEFAULT, &exists);
    ok(f >= 0 && !exists && !e.failed, "a new file is created");
    H5Fclose(f);
    f = koui_h5_create_file(&e, path, false, H5P_DEFAULT, H5P_DEFAULT, &exists);
    ok(f < 0 && exists && e.failed && strstr(msg, "exists") != NULL && strstr(msg, "HDF5") == NULL,
       "an existing one is refused without force: %s", msg);
    koui_h5_error e2 = {msg, sizeof msg, false, KOU_OK};
    f = koui_h5_create_file(&e2, path, true, H5P_DEFAULT, H5P_DEFAULT, &exists);
    ok(f >= 0 && !exists && !e2.failed, "and overwritten with force");
    H5Fclose(f);
    koui_h5_error e3 = {msg, sizeof msg, false, KOU_OK};
    f = koui_h5_create_file(&e3, "/nonexistent-dir/x.h5", true, H5P_DEFAULT, H5P_DEFAULT, &exists);
    ok(f < 0 && e3.status == KOU_ENOENT &&
           strcmp(msg, "cannot create '/nonexistent-dir/x.h5': the folder '/nonexistent-dir' does not exist "
                       "(make it first: mkdir -p /nonexistent-dir)") == 0,
       "a file in a missing folder: KOU_ENOENT, the folder named: %s", msg);
    koui_h5_error e5 = {msg, sizeof msg, false, KOU_OK};
    f = koui_h5_create_file(&e5, "/proc/kouan-x.h5", true, H5P_DEFAULT, H5P_DEFAULT, &exists);
    ok(f < 0 && strncmp(msg, "cannot create '/proc/kouan-x.h5' (HDF5: ", 40) == 0,
       "a file that cannot be created: HDF5's reason: %s", msg);
    koui_h5_error e4 = {msg, sizeof msg, false, KOU_OK};
    f = koui_h5_open_file(&e4, "/nonexistent-dir/x.h5");
    ok(f < 0 && e4.status == KOU_ENOENT && strstr(msg, "cannot open: No such file") != NULL,
       "opening a missing file: KOU_ENOENT, %s", msg);
}

static void test_attributes(const char *path)
{
    char msg[256] = "";
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    hid_t f = koui_h5_create_file(&e, path, true, H5P_DEFAULT, H5P_DEFAULT, NULL);
    const char *const list[] = {"air", "rail", "公路"};
    bool good = koui_h5_write_attr_str(&e, f, "name", "郑州") && koui_h5_write_attr_int(&e, f, "n", 41) &&
                koui_h5_write_attr_double(&e, f, "x", 2.5) && koui_h5_write_attr_strs(&e, f, "modes", list, 3) &&
                koui_h5_write_attr_int(&e, f, "n", 42) && koui_h5_write_attr_str(&e, f, "name", "洛阳") &&
                koui_h5_write_attr_double(&e, f, "y", 1) && koui_h5_write_attr_str(&e, f, "y", "now a string");
    ok(good && !e.failed, "attributes written, some twice, one with another type: %s", msg);
    const koui_h5_attrs at = {f, "attribute ", " of /", "cannot read the attributes of /"};
    long long n = 0;
    double x = 0;
    char *name = NULL, *y = NULL, **modes = NULL;
    size_t nmodes = 0;
    ok(koui_h5_attr_number(&e, &at, "n", true, H5T_NATIVE_LLONG, &n) == 1 && n == 42, "an integer rewritten");
    ok(koui_h5_attr_number(&e, &at, "x", false, H5T_NATIVE_DOUBLE, &x) == 1 && x == 2.5, "a float");
    ok(koui_h5_attr_string(&e, &at, "name", &name) == 1 && strcmp(name, "洛阳") == 0, "a string rewritten");
    ok(koui_h5_attr_string(&e, &at, "y", &y) == 1 && strcmp(y, "now a string") == 0,
       "a float replaced by a string");
    ok(koui_h5_attr_strings(&e, &at, "modes", false, &modes, &nmodes) == 1 && nmodes == 3 &&
           strcmp(modes[2], "公路") == 0,
       "a list of strings");
    free(name);
    free(y);
    koui_h5_free_strings(modes, nmodes);
    char *absent = NULL;
    ok(koui_h5_attr_string(&e, &at, "absent", &absent) == 0 && absent != NULL && absent[0] == '\0' && !e.failed,
       "an absent string reads as \"\", no failure");
    free(absent);
    ok(koui_h5_attr_number(&e, &at, "name", true, H5T_NATIVE_LLONG, &n) == -1 &&
           strcmp(msg, "attribute name of / is not one integer") == 0,
       "a string read as an integer: %s", msg);
    ok(!koui_h5_write_attr_int(&e, f, "after", 1) && H5Aexists(f, "after") == 0,
       "after a failure, nothing more is written");
    H5Fclose(f);
}

static void test_datasets(const char *path)
{
    char msg[256] = "";
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    hid_t f = koui_h5_create_file(&e, path, true, H5P_DEFAULT, H5P_DEFAULT, NULL);
    hsize_t dims[2] = {2, 3};
    const double v[6] = {1, 2, 3, 4, 5, 6};
    hid_t d = koui_h5_write_dataset(&e, f, "/a/b/values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, H5P_DEFAULT, v);
    double back[6] = {0};
    ok(d >= 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, back) >= 0 &&
           memcmp(back, v, sizeof v) == 0,
       "a dataset written in one call, its groups made on the way");
    koui_h5_close_id(&d, H5Dclose);
    ok(d == H5I_INVALID_HID, "koui_h5_close_id marks it closed");
    hsize_t none = 0;
    d = koui_h5_write_dataset(&e, f, "/empty", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &none, H5P_DEFAULT, NULL);
    ok(d >= 0 && !e.failed, "an empty one");
    koui_h5_close_id(&d, H5Dclose);
    d = koui_h5_write_dataset(&e, f, "/a/b/values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, H5P_DEFAULT, v);
    ok(d < 0 && strncmp(msg, "cannot create /a/b/values (HDF5: ", 33) == 0, "one that exists: %s", msg);
    H5Fclose(f);
    unlink(path);
}

int main(void)
{
    char path[] = "kouan-h5base-XXXXXX"; /* in the working directory: meson's build folder */
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    test_types();
    test_errors();
    test_files(path);
    test_attributes(path);
    test_datasets(path);

    char err[256];
    int payload = 0;
    kou_status st = koui_h5_in_child(answer, "x.h5", NULL, &payload, sizeof payload, err, sizeof err);
    ok(st == KOU_EINVAL && payload == 42, "the child's status and payload come back");
    is_string(err, "not a kouan run file: x.h5", "and its message");

    st = koui_h5_in_child(crash, NULL, NULL, NULL, 0, err, sizeof err);
    ok(st == KOU_EIO, "a child killed by a signal is KOU_EIO");
    has_string(err, "crashed reading it (signal 11)", "named as a crash");

    koui_h5_child_limits cpu = {.cpu_seconds = 1, .die_with_parent = true};
    st = koui_h5_in_child(spin, NULL, &cpu, NULL, 0, err, sizeof err);
    ok(st == KOU_EIO, "a child that loops is stopped by its CPU limit");
    has_string(err, "did not finish reading it in 1 s of CPU", "and says so");

#ifdef SANITIZER_SHADOW
    skip("the data-segment cap: off under AddressSanitizer and ThreadSanitizer");
#else
    koui_h5_child_limits data = {.data_bytes = (size_t)1 << 30};
    st = koui_h5_in_child(greedy, NULL, &data, NULL, 0, err, sizeof err);
    ok(st == KOU_EIO && strstr(err, "memory allocation failed") != NULL,
       "a child capped at 1 GiB cannot take 3 GiB: %s", err);
#endif
    return tap_done();
}
