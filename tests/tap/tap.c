#include "tap.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int count, failed;

static void vreport(bool pass, const char *fmt, va_list ap)
{
    count++;
    if (!pass)
        failed++;
    printf("%s %d - ", pass ? "ok" : "not ok", count);
    vprintf(fmt, ap);
    putchar('\n');
    fflush(stdout);
}

bool ok(bool cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cond, fmt, ap);
    va_end(ap);
    return cond;
}

bool is_int(int64_t got, int64_t want, const char *fmt, ...)
{
    bool pass = got == want;
    va_list ap;
    va_start(ap, fmt);
    vreport(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        diag("got %lld, want %lld", (long long)got, (long long)want);
    return pass;
}

bool is_double(double got, double want, double tol, const char *fmt, ...)
{
    bool pass = fabs(got - want) <= tol;
    va_list ap;
    va_start(ap, fmt);
    vreport(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        diag("got %.17g, want %.17g (tolerance %g)", got, want, tol);
    return pass;
}

bool is_string(const char *got, const char *want, const char *fmt, ...)
{
    bool pass = got && want && strcmp(got, want) == 0;
    va_list ap;
    va_start(ap, fmt);
    vreport(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        diag("got '%s', want '%s'", got ? got : "(null)", want ? want : "(null)");
    return pass;
}

bool has_string(const char *haystack, const char *needle, const char *fmt, ...)
{
    bool pass = haystack && needle && strstr(haystack, needle) != NULL;
    va_list ap;
    va_start(ap, fmt);
    vreport(pass, fmt, ap);
    va_end(ap);
    if (!pass)
        diag("'%s' does not contain '%s'", haystack ? haystack : "(null)", needle);
    return pass;
}

void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("# ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    fflush(stdout);
}

void skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    count++;
    printf("ok %d # SKIP ", count);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

void bail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("Bail out! ", stdout);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
    fflush(stdout);
    exit(1);
}

int tap_done(void)
{
    printf("1..%d\n", count);
    if (failed)
        diag("%d of %d checks failed", failed, count);
    return failed ? 1 : 0;
}
