#include "base.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void koui_assert_failed(const char *file, int line, const char *func, const char *expr)
{
    fprintf(stderr, "kouan: %s:%d (%s): assertion '%s' failed\n", file, line, func, expr);
    fflush(stderr);
    abort();
}

void koui_oom(size_t bytes)
{
    fprintf(stderr, "kouan: out of memory (allocating %zu bytes)\n", bytes);
    fflush(stderr);
    _exit(1);
}

/* 0: no failure planned (and nothing counted); UINT64_MAX: count only. Relaxed atomics: the count must be exact when
** one thread allocates (the tests), and merely safe with several. */
static _Atomic uint64_t fault_at, fault_count;
static _Atomic int fault_persistent;

void koui_fault_alloc(uint64_t n, int persistent)
{
    atomic_store(&fault_count, 0);
    atomic_store(&fault_persistent, persistent);
    atomic_store(&fault_at, n);
}

uint64_t koui_fault_alloc_count(void)
{
    return atomic_load(&fault_count);
}

int koui_fault_alloc_fails(void)
{
    uint64_t at = atomic_load_explicit(&fault_at, memory_order_relaxed);
    if (at == 0)
        return 0; /* the normal case: one plain load, no locked instruction */
    uint64_t k = atomic_fetch_add_explicit(&fault_count, 1, memory_order_relaxed) + 1;
    return k == at || (k > at && atomic_load_explicit(&fault_persistent, memory_order_relaxed));
}

void *koui_malloc(size_t n)
{
    void *p = koui_fault_alloc_fails() ? NULL : malloc(n ? n : 1);
    if (!p)
        koui_oom(n);
    return p;
}

void *koui_calloc(size_t count, size_t size)
{
    void *p = koui_fault_alloc_fails() ? NULL : calloc(count ? count : 1, size ? size : 1);
    if (!p)
        koui_oom(count * size);
    return p;
}

void *koui_realloc(void *p, size_t n)
{
    void *q = koui_fault_alloc_fails() ? NULL : realloc(p, n ? n : 1);
    if (!q)
        koui_oom(n);
    return q;
}

char *koui_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = koui_malloc(n);
    memcpy(d, s, n);
    return d;
}

#define NAME_MAX_DIST 63

/* The characters of a UTF-8 name as code points, so that a misspelt
** Chinese name (3 bytes a character) is one edit away, as an English one
** is; a byte that does not start a valid sequence counts as one character.
** The count, or SIZE_MAX past max characters. */
static size_t code_points(const char *s, uint32_t *out, size_t max)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        uint32_t c = *p;
        int more = c >= 0xF0 && c < 0xF8 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (c >= 0xF8)
            more = 0;
        for (int k = 1; k <= more; k++)
            if ((p[k] & 0xC0) != 0x80)
                more = 0; /* not a sequence: the lead byte alone */
        if (more)
            c &= 0x3Fu >> more;
        for (int k = 1; k <= more; k++)
            c = c << 6 | (p[k] & 0x3Fu);
        p += 1 + more;
        if (n == max)
            return SIZE_MAX;
        out[n++] = c;
    }
    return n;
}

/* Optimal string alignment distance (Levenshtein plus adjacent
** transpositions) between two names of la and lb characters, at most
** NAME_MAX_DIST each. */
static size_t edit_distance(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
    size_t rows[3][NAME_MAX_DIST + 2];
    size_t *pp = rows[0], *prev = rows[1], *cur = rows[2];
    KOU_ASSERT(la <= NAME_MAX_DIST && lb <= NAME_MAX_DIST);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t d = prev[j - 1] + cost;
            if (prev[j] + 1 < d)
                d = prev[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;
            cur[j] = d;
        }
        size_t *tmp = pp;
        pp = prev;
        prev = cur;
        cur = tmp;
    }
    return prev[lb];
}

const char *koui_nearest_name(const char *name, const char *const *candidates, size_t n)
{
    uint32_t want[NAME_MAX_DIST], cand[NAME_MAX_DIST];
    size_t len = code_points(name, want, NAME_MAX_DIST), lb = 0;
    if (len == SIZE_MAX)
        return NULL;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        size_t lc = code_points(candidates[i], cand, NAME_MAX_DIST);
        if (lc == SIZE_MAX)
            continue;
        size_t d = edit_distance(want, len, cand, lc);
        if (d < best_d) {
            best_d = d;
            best = candidates[i];
            lb = lc;
        }
    }
    if (!best)
        return NULL;
    /* Close enough to be a typo: at most 2 edits, and not most of the word. */
    size_t longest = len > lb ? len : lb;
    if (best_d > 2 || best_d * 3 > longest + 2)
        return NULL;
    return best;
}

/* Howard Hinnant's days_from_civil / civil_from_days algorithms. */
int64_t kou_date_to_days(int32_t yyyymmdd)
{
    int64_t y = yyyymmdd / 10000, m = (yyyymmdd / 100) % 100, d = yyyymmdd % 100;
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int32_t kou_days_to_date(int64_t days)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    return (int32_t)(y * 10000 + m * 100 + d);
}

int kou_date_weekday(int32_t yyyymmdd)
{
    int64_t days = kou_date_to_days(yyyymmdd); /* 1970-01-01 was a Thursday (3) */
    int64_t w = (days + 3) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int kou_date_is_valid(int32_t yyyymmdd)
{
    if (yyyymmdd < 10000101 || yyyymmdd > 99991231)
        return 0;
    return kou_days_to_date(kou_date_to_days(yyyymmdd)) == yyyymmdd;
}

struct timespec koui_deadline_in(int clock, long nanoseconds)
{
    struct timespec ts;
    clock_gettime((clockid_t)clock, &ts);
    ts.tv_nsec += nanoseconds;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}
