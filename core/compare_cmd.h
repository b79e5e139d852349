/*
** compare_cmd.h — `kouan compare`: alternatives (eras of one port scenario,
** or several scenario files) against the first, the baseline, with common
** random numbers: replication r of every alternative runs on seed + r.
** Prints per group the means, the paired differences and % changes with
** Student-t 95 % half-widths (model/compare.h) and the verdicts on the
** clearance-time targets (-1/3, -1/2); optionally adds replications until
** a paired half-width is small enough; writes a compare file
** (io/h5compare.h) and a CSV. No Lua here (lua/portset.h builds the
** configurations).
*/
#ifndef KOUAN_COMPARE_CMD_H
#define KOUAN_COMPARE_CMD_H

#include <stdio.h>

/* argv: the arguments after the word compare. Exit 0, 1 (a scenario or an
** output failed), 2 (bad command line). */
int kou_compare_main(int argc, char **argv);
void kou_compare_usage(FILE *out);

#endif
