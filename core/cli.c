/*
** cli.c — see cli.h.
*/
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

bool kou_cli_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

bool kou_cli_double(const char *s, double *out)
{
    char *end;
    if (*s == '\0')
        return false;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

bool kou_cli_positive(const char *s, double *out)
{
    double v;
    if (!kou_cli_double(s, &v) || v <= 0)
        return false;
    *out = v;
    return true;
}
