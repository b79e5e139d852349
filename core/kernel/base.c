#include "base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    abort();
}

void *koui_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        koui_oom(n);
    return p;
}

void *koui_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        koui_oom(count * size);
    return p;
}

void *koui_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
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
