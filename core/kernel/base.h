/*
** base.h — what every kouan module shares: the time type, status codes,
** the printf-format attribute and the two kinds of check.
**
** Time (kou_time) is a double counted in HOURS from the simulation's start
** (hour 0 is 00:00 on the start date of kou_sim_config). Hours are what
** clearance times are published in, and office hours such as 08:30 are
** exact binary fractions (8.5).
**
** Two kinds of error are handled differently:
**  - bad input (a negative delay, an unknown stream, a malformed calendar)
**    returns a kou_status and leaves a message on the simulation handle
**    (kou_sim_errmsg), never a crash;
**  - bugs in the calling C code (a broken precondition) stop the program
**    with a located message through KOU_CHECK / KOU_ASSERT.
** Out of memory is fatal (koui_oom): a simulator has no partial result
** worth keeping after malloc fails, and callers stay simpler.
*/
#ifndef KOUAN_KERNEL_BASE_H
#define KOUAN_KERNEL_BASE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef double kou_time;

typedef enum kou_status {
    KOU_OK = 0,
    KOU_EINVAL = -1, /* a value out of range or malformed */
    KOU_ENOENT = -2, /* a name that does not exist */
    KOU_EIO = -3,    /* a file that cannot be read or written */
    KOU_ESTATE = -4, /* a call that makes no sense in the current state */
    KOU_ENOMEM = -5  /* a documented limit was reached */
} kou_status;

#if defined(__GNUC__)
#define KOU_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define KOU_NORETURN __attribute__((noreturn))
#define KOU_LIKELY(x) __builtin_expect(!!(x), 1)
#define KOU_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define KOU_PRINTF(fmt, args)
#define KOU_NORETURN
#define KOU_LIKELY(x) (x)
#define KOU_UNLIKELY(x) (x)
#endif

/* Prints "kouan: FILE:LINE (FUNC): assertion 'EXPR' failed" and aborts.
** Break here in a debugger. */
KOU_NORETURN void koui_assert_failed(const char *file, int line,
                                     const char *func, const char *expr);
/* Prints "kouan: out of memory (allocating N bytes)" and ends the process
** with status 1 through _exit: as a kill would, so that a run file being
** written keeps its last flush (complete = 0) and no exit handler (HDF5's)
** races the writer thread. Not an abort: running out of memory is not a
** bug in kouan. */
KOU_NORETURN void koui_oom(size_t bytes);

/* Fault injection, for tests (tests/hardening/check_faults.py; kouan reads
** KOUAN_FAULT_ALLOC=N or N+ at start): after koui_fault_alloc(n, false)
** with n > 0, the n-th allocation from then on fails (with true: the n-th
** and every later one, as when memory has run out for good; a single
** failure the Lua state survives by collecting garbage and trying again): of koui_malloc/calloc/realloc, of
** the scenario converter's arena and of the Lua state's allocator (which
** then raises Lua's memory error). Allocations inside libraries (HDF5,
** GSL, libc) are not counted. koui_fault_alloc_count() tells how many
** allocations were counted so far (n = UINT64_MAX: count, never fail;
** n = 0: off, the default, which costs one load per allocation). One
** process-wide counter, atomic. */
void koui_fault_alloc(uint64_t n, int persistent);
uint64_t koui_fault_alloc_count(void);
/* Counts one allocation; true when it must fail. */
int koui_fault_alloc_fails(void);

/* Always on: preconditions of the public C API. */
#define KOU_CHECK(x) \
    (KOU_LIKELY(x) ? (void)0 : koui_assert_failed(__FILE__, __LINE__, __func__, #x))

/* Debug builds only: internal invariants. */
#ifdef NDEBUG
#define KOU_ASSERT(x) ((void)0)
#else
#define KOU_ASSERT(x) KOU_CHECK(x)
#endif

/* malloc/realloc/calloc that never return NULL (they call koui_oom). */
void *koui_malloc(size_t n);
void *koui_calloc(size_t count, size_t size);
void *koui_realloc(void *p, size_t n);
char *koui_strdup(const char *s);

/* The candidate nearest to name by edit distance (Levenshtein plus adjacent
** transpositions), or NULL when none is close enough to be a typo of it:
** used to say "did you mean 'capacity'?" for a misspelt name. */
const char *koui_nearest_name(const char *name, const char *const *candidates, size_t n);

/* The time on clock (CLOCK_REALTIME, CLOCK_MONOTONIC) nanoseconds from
** now (below one second), as pthread_cond_timedwait takes a deadline. */
struct timespec koui_deadline_in(int clock, long nanoseconds);

/* ---- calendar dates (proleptic Gregorian), shared by rng and calendar ---- */
/* Days from 1970-01-01 to the date YYYYMMDD; the date must be valid
** (kou_date_is_valid). */
int64_t kou_date_to_days(int32_t yyyymmdd);
int32_t kou_days_to_date(int64_t days);
/* 0 = Monday ... 6 = Sunday. */
int kou_date_weekday(int32_t yyyymmdd);
int kou_date_is_valid(int32_t yyyymmdd);

#endif
