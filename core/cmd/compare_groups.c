/*
** compare_groups.c — the KPI groups of `kouan compare` by name, and the
** --group selection (compare_groups.h).
*/
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "cmd/compare_groups.h"
#include "cmd/opt.h"
#include "kernel/base.h"
#include "model/params.h"

void kou_cmpg_name(const kou_kpi_group *g, char *buf, size_t n)
{
    snprintf(buf, n, "%s, %s%s%s", g->port, kou_direction_name(g->direction), g->mode >= 0 ? ", " : "",
             g->mode >= 0 ? kou_group_mode_name(g->mode) : "");
}

/* The name without its commas: "all ports, import" -> "all ports import". */
static void plain(const char *name, char *buf, size_t n)
{
    size_t k = 0;
    for (const char *p = name; *p && k + 1 < n; p++)
        if (*p != ',')
            buf[k++] = *p;
    buf[k] = '\0';
}

static bool matches(const char *pattern, const kou_kpi_group *g)
{
    char name[KOU_CMPG_NAME_MAX], bare[KOU_CMPG_NAME_MAX];
    kou_cmpg_name(g, name, sizeof name);
    plain(name, bare, sizeof bare);
    return fnmatch(pattern, name, 0) == 0 || fnmatch(pattern, bare, 0) == 0 || fnmatch(pattern, g->port, 0) == 0;
}

/* The usage error for a pattern that matches no group: the nearest name
** (of the groups' names, their comma-free forms and the ports), then them all. */
static int unknown(const kou_kpi *proto, const size_t *order, size_t ngroup, const char *pattern)
{
    size_t n = 0;
    char (*names)[KOU_CMPG_NAME_MAX] = koui_malloc((3 * ngroup + 1) * sizeof *names);
    const char **cands = koui_malloc((3 * ngroup + 1) * sizeof *cands);
    for (size_t i = 0; i < ngroup; i++) {
        kou_kpi_group g = kou_kpi_group_info(proto, order[i]);
        kou_cmpg_name(&g, names[n], sizeof names[n]);
        plain(names[n], names[n + 1], sizeof names[n + 1]);
        snprintf(names[n + 2], sizeof names[n + 2], "%s", g.port);
        for (size_t k = n; k < n + 3; k++)
            cands[k] = names[k];
        n += 3;
    }
    const char *near = koui_nearest_name(pattern, cands, n);
    char *list = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&list, &len);
    for (size_t i = 0; m && i < ngroup; i++)
        fprintf(m, "%s'%s'", i ? ", " : "", names[3 * i]);
    if (m)
        fclose(m);
    int code = kou_usage_error("compare", "--group '%s': no such group; %s%s%sthe groups: %s", pattern,
                               near ? "did you mean '" : "", near ? near : "", near ? "'? " : "",
                               list ? list : "");
    free(list);
    free(cands);
    free(names);
    return code;
}

int kou_cmpg_select(const kou_kpi *proto, const size_t *order, size_t ngroup, const char *const *patterns,
                    size_t npatterns, bool *keep)
{
    for (size_t i = 0; i < ngroup; i++)
        keep[i] = npatterns == 0;
    for (size_t p = 0; p < npatterns; p++) {
        bool any = false;
        for (size_t i = 0; i < ngroup; i++) {
            kou_kpi_group g = kou_kpi_group_info(proto, order[i]);
            if (matches(patterns[p], &g))
                keep[i] = any = true;
        }
        if (!any)
            return unknown(proto, order, ngroup, patterns[p]);
    }
    return -1;
}
