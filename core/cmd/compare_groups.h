/*
** compare_groups.h — the KPI groups of `kouan compare` by name: the name
** the table prints ("all ports, import", "ZZ rail import, import, rail"),
** and --group, which keeps the groups a name or pattern matches.
**
**   kou_cmpg_name:    the group's name as its table header shows it.
**   kou_cmpg_name_in: the same in a language, with the port's name in it
**                     ("郑州铁路进口, 进口, 铁路").
**   kou_cmpg_select:  keep[i] for the group order[i]: whether one of the
**                     patterns matches it. A pattern (fnmatch: *, ?, [..])
**                     matches the name, the name without its commas ("all
**                     ports import") or the port's name (all its groups),
**                     in English or in Chinese (the port's name_zh, which
**                     --lang zh prints), whatever --lang is. A pattern
**                     matching no group is refused, naming the nearest
**                     name (English or Chinese) and listing the groups,
**                     under --lang zh with their Chinese names.
*/
#ifndef KOUAN_CMD_COMPARE_GROUPS_H
#define KOUAN_CMD_COMPARE_GROUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/kpi.h"
#include "model/lang.h"

#define KOU_CMPG_NAME_MAX 200

void kou_cmpg_name(const kou_kpi_group *g, char *buf, size_t n);
/* port: the group's port's name in lang (kou_lang_port). */
void kou_cmpg_name_in(const kou_kpi_group *g, kou_lang lang, const char *port, char *buf, size_t n);
/* port_zh[i]: the port of group order[i] in Chinese (kou_lang_port);
** lang: the language of the list of groups in the usage message.
** -1 when every pattern matches a group, else 2 after the usage message. */
int kou_cmpg_select(const kou_kpi *proto, const size_t *order, size_t ngroup, const char *const *port_zh,
                    kou_lang lang, const char *const *patterns, size_t npatterns, bool *keep);

#endif
