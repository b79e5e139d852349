/*
** compare_groups.h — the KPI groups of `kouan compare` by name: the name
** the table prints ("all ports, import", "ZZ rail import, import, rail"),
** and --group, which keeps the groups a name or pattern matches.
**
**   kou_cmpg_name:   the group's name as its table header shows it.
**   kou_cmpg_select: keep[i] for the group order[i]: whether one of the
**                    patterns matches it. A pattern (fnmatch: *, ?, [..])
**                    matches the name, the name without its commas ("all
**                    ports import") or the port's name (all its groups).
**                    A pattern matching no group is refused, naming the
**                    nearest group and listing them all.
*/
#ifndef KOUAN_CMD_COMPARE_GROUPS_H
#define KOUAN_CMD_COMPARE_GROUPS_H

#include <stdbool.h>
#include <stddef.h>

#include "model/kpi.h"

#define KOU_CMPG_NAME_MAX 200

void kou_cmpg_name(const kou_kpi_group *g, char *buf, size_t n);
/* -1 when every pattern matches a group, else 2 after the usage message. */
int kou_cmpg_select(const kou_kpi *proto, const size_t *order, size_t ngroup, const char *const *patterns,
                    size_t npatterns, bool *keep);

#endif
