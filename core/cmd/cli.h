/*
** cli.h — reading numbers from the command line, shared by the kouan
** commands' option parser (cmd/opt.h) and kouan-viz: the whole argument
** must be the number, so "5x", "" and "inf" are refused rather than
** half-read.
*/
#ifndef KOUAN_CMD_CLI_H
#define KOUAN_CMD_CLI_H

#include <stdbool.h>
#include <stdint.h>

/* A decimal whole number, no sign. */
bool kou_cli_u64(const char *s, uint64_t *out);
/* A finite number. */
bool kou_cli_double(const char *s, double *out);
/* A finite number > 0. */
bool kou_cli_positive(const char *s, double *out);

/* Longest KEY of --set KEY=VALUE (bytes, without the NUL). */
#define KOU_CLI_MAX_KEY 127
/* Splits a --set argument "KEY=VALUE" at the first '=': KEY (copied into
** key, which holds KOU_CLI_MAX_KEY + 1 bytes) must start with a letter or
** '_' and hold no control characters (list entry names in a path may hold
** spaces: "ports.CGO.flows.belly cargo.delay"); *value points into arg.
** False, with key and *value untouched, for anything else. */
bool kou_cli_set_arg(const char *arg, char key[KOU_CLI_MAX_KEY + 1], const char **value);

#endif
