/*
** cli.c — see cli.h.
*/
#include "cmd/cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

bool kou_cli_set_arg(const char *arg, char key[KOU_CLI_MAX_KEY + 1], const char **value)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL)
        return false;
    size_t len = (size_t)(eq - arg);
    if (len == 0 || len > KOU_CLI_MAX_KEY ||
        !(arg[0] == '_' || (arg[0] >= 'A' && arg[0] <= 'Z') || (arg[0] >= 'a' && arg[0] <= 'z')))
        return false;
    for (size_t i = 1; i < len; i++)
        if ((unsigned char)arg[i] < 0x20 || arg[i] == 0x7f)
            return false;
    memcpy(key, arg, len);
    key[len] = '\0';
    *value = eq + 1;
    return true;
}
