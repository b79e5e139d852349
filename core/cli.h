/*
** cli.h — reading numbers from the command line, shared by the kouan
** commands (run, report, compare, sweep): the whole argument must be the
** number, so "5x", "" and "inf" are refused rather than half-read.
*/
#ifndef KOUAN_CLI_H
#define KOUAN_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal whole number, no sign. */
bool kou_cli_u64(const char *s, uint64_t *out);
/* A finite number. */
bool kou_cli_double(const char *s, double *out);
/* A finite number > 0. */
bool kou_cli_positive(const char *s, double *out);

#endif
