/*
** tap.h — a small Test Anything Protocol producer for the C test programs.
** Each check prints "ok N - name" or "not ok N - name" with a diagnostic;
** tap_done() prints the plan and returns the exit status (0 only if every
** check passed), so meson counts the subtests with protocol 'tap'.
*/
#ifndef KOUAN_TESTS_TAP_H
#define KOUAN_TESTS_TAP_H

#include <stdbool.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TAP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TAP_PRINTF(a, b)
#endif

bool ok(bool cond, const char *fmt, ...) TAP_PRINTF(2, 3);
bool is_int(int64_t got, int64_t want, const char *fmt, ...) TAP_PRINTF(3, 4);
/* Passes when |got - want| <= tol. */
bool is_double(double got, double want, double tol, const char *fmt, ...) TAP_PRINTF(4, 5);
bool is_string(const char *got, const char *want, const char *fmt, ...) TAP_PRINTF(3, 4);
/* Passes when needle occurs in haystack. */
bool has_string(const char *haystack, const char *needle, const char *fmt, ...) TAP_PRINTF(3, 4);
void diag(const char *fmt, ...) TAP_PRINTF(1, 2);
void skip(const char *fmt, ...) TAP_PRINTF(1, 2);
/* Prints "Bail out! ..." and exits 1. */
void bail(const char *fmt, ...) TAP_PRINTF(1, 2);
/* Prints the plan; returns 0 if every check passed, 1 otherwise. */
int tap_done(void);

#endif
