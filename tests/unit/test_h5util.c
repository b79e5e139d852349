/*
** test_h5base.c — the checking child of the HDF5 readers
** (koui_h5_in_child, core/io/h5base.h) with callbacks that behave as a
** damaged file makes HDF5 behave: answer, crash, loop for ever, ask for
** gigabytes. The parent must always get one status and one line back.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#if !defined(__SANITIZE_ADDRESS__) /* no cap under ASan: see main */
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

int main(void)
{
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

#if defined(__SANITIZE_ADDRESS__)
    skip("the data-segment cap: off under AddressSanitizer");
#else
    koui_h5_child_limits data = {.data_bytes = (size_t)1 << 30};
    st = koui_h5_in_child(greedy, NULL, &data, NULL, 0, err, sizeof err);
    ok(st == KOU_EIO && strstr(err, "memory allocation failed") != NULL,
       "a child capped at 1 GiB cannot take 3 GiB: %s", err);
#endif
    return tap_done();
}
