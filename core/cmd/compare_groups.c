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
    kou_cmpg_name_in(g, KOU_LANG_EN, g->port, buf, n);
}

void kou_cmpg_name_in(const kou_kpi_group *g, kou_lang lang, const char *port, char *buf, size_t n)
{
    snprintf(buf, n, "%s, %s%s%s", port, kou_lang_name(lang, kou_direction_name(g->direction)),
             g->mode >= 0 ? ", " : "", g->mode >= 0 ? kou_lang_name(lang, kou_group_mode_name(g->mode)) : "");
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

/* The names a pattern is matched against, and the nearest name taken
** from: per language the group's name, its comma-free form and its port. */
enum { FORMS = 3 * KOU_LANG_COUNT };

static void forms(const kou_kpi_group *g, const char *port_zh, char (*names)[KOU_CMPG_NAME_MAX])
{
    for (int lang = 0; lang < KOU_LANG_COUNT; lang++) {
        char(*f)[KOU_CMPG_NAME_MAX] = names + 3 * lang;
        const char *port = lang == KOU_LANG_EN ? g->port : port_zh;
        kou_cmpg_name_in(g, (kou_lang)lang, port, f[0], sizeof f[0]);
        plain(f[0], f[1], sizeof f[1]);
        snprintf(f[2], sizeof f[2], "%s", port);
    }
}

static bool matches(const char *pattern, const kou_kpi_group *g, const char *port_zh)
{
    char names[FORMS][KOU_CMPG_NAME_MAX];
    forms(g, port_zh, names);
    for (int k = 0; k < FORMS; k++)
        if (fnmatch(pattern, names[k], 0) == 0)
            return true;
    return false;
}

/* The usage error for a pattern that matches no group: the nearest name
** (of the groups' names, their comma-free forms and the ports, in English
** and in Chinese), then the groups (under --lang zh, each in Chinese with
** its English name). */
static int unknown(const kou_kpi *proto, const size_t *order, size_t ngroup, const char *const *port_zh,
                   kou_lang lang, const char *pattern)
{
    char (*names)[KOU_CMPG_NAME_MAX] = koui_malloc((FORMS * ngroup + 1) * sizeof *names);
    const char **cands = koui_malloc((FORMS * ngroup + 1) * sizeof *cands);
    for (size_t i = 0; i < ngroup; i++) {
        kou_kpi_group g = kou_kpi_group_info(proto, order[i]);
        forms(&g, port_zh[i], names + FORMS * i);
    }
    for (size_t k = 0; k < FORMS * ngroup; k++)
        cands[k] = names[k];
    const char *near = koui_nearest_name(pattern, cands, FORMS * ngroup);
    char *list = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&list, &len);
    for (size_t i = 0; m && i < ngroup; i++) {
        const char *en = names[FORMS * i], *zh = names[FORMS * i + 3 * KOU_LANG_ZH];
        if (lang == KOU_LANG_EN)
            fprintf(m, "%s'%s'", i ? ", " : "", en);
        else
            fprintf(m, "%s'%s' ('%s')", i ? ", " : "", zh, en);
    }
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

int kou_cmpg_select(const kou_kpi *proto, const size_t *order, size_t ngroup, const char *const *port_zh,
                    kou_lang lang, const char *const *patterns, size_t npatterns, bool *keep)
{
    for (size_t i = 0; i < ngroup; i++)
        keep[i] = npatterns == 0;
    for (size_t p = 0; p < npatterns; p++) {
        bool any = false;
        for (size_t i = 0; i < ngroup; i++) {
            kou_kpi_group g = kou_kpi_group_info(proto, order[i]);
            if (matches(patterns[p], &g, port_zh[i]))
                keep[i] = any = true;
        }
        if (!any)
            return unknown(proto, order, ngroup, port_zh, lang, patterns[p]);
    }
    return -1;
}
