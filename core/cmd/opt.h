/*
** opt.h — the command lines of the kouan commands: one table-driven
** option parser and one form of usage error.
**
** A command describes its command line once, in a kou_opt_spec: its
** options (name, optional short alias, kind of value, allowed range,
** destination, help line) and what its positional arguments are. The same
** table prints the option list of the command's --help (kou_opt_help).
** kou_opt_parse reads argv against it, in order: "--name VALUE",
** "--name=VALUE", "-x VALUE", "-xVALUE", flags alone. An option that
** takes a value takes the next argument whatever it is ("--seed -4" is a
** bad seed, not an option); "-" alone and anything that does not start
** with '-' is positional. Values are read whole by cli.h's readers (shared
** with kouan-viz): "5x", "" and "inf" are refused, never half-read.
**
** Usage errors have one form, one line on stderr, exit status 2:
**     kouan: COMMAND: MESSAGE (see 'kouan COMMAND --help')
** An unknown option (or command, core/main.c) is answered with the nearest
** valid one when it looks like a typo of it (koui_nearest_name):
**     kouan: run: unknown option '--sed' (did you mean '--seed'?) (see 'kouan run --help')
**
** The table and every destination are the caller's; values stored are
** pointers into argv. Main thread.
*/
#ifndef KOUAN_CMD_OPT_H
#define KOUAN_CMD_OPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cmd/cli.h"
#include "kernel/base.h"

typedef enum kou_opt_kind {
    KOU_OPT_FLAG,    /* no value: *(bool *)dest = true */
    KOU_OPT_HELP,    /* no value: the command's help on stdout, exit status 0 */
    KOU_OPT_COUNT,   /* decimal digits, in [min, max]: *(uint64_t *)dest */
    KOU_OPT_WHOLE,   /* a whole number in any notation (1e9), in [min, max]: *(uint64_t *)dest */
    KOU_OPT_NUMBER,  /* a finite number in [min, max] (> min when above_min): *(double *)dest */
    KOU_OPT_TEXT,    /* a non-empty text: *(const char **)dest */
    KOU_OPT_LIST,    /* repeatable non-empty text: appended to *(kou_opt_list *)dest */
    KOU_OPT_SET,     /* repeatable KEY=VALUE: appended to *(kou_opt_sets *)dest */
    KOU_OPT_CHOICE,  /* one of choices: *(int *)dest = its index */
    KOU_OPT_CHECKED  /* a text that check accepts; check stores it in dest */
} kou_opt_kind;

typedef struct kou_opt {
    const char *name;            /* "--seed"; "-j" for a short option alone */
    const char *alias;           /* "-o", or NULL */
    kou_opt_kind kind;
    void *dest;
    double min, max;             /* COUNT, WHOLE, NUMBER */
    bool above_min;              /* NUMBER: min itself is refused */
    const char *what;            /* the values allowed, for messages: "--seed: 'x' is not WHAT";
                                    CHOICE: what a choice is ("unknown WHAT 'x'") */
    const char *const *choices;  /* CHOICE */
    size_t nchoices;
    bool (*check)(const char *value, void *dest); /* CHECKED */
    bool *given;                 /* set when the option appears, or NULL */
    const char *metavar;         /* the value in the help ("N", "FILE"), NULL for none */
    const char *help;            /* the help text; '\n' starts a continuation line */
} kou_opt;

/* Storage of a repeatable option, the caller's. */
typedef struct kou_opt_list {
    const char **items;
    size_t n, max;
} kou_opt_list;

#define KOU_OPT_MAX_KEY KOU_CLI_MAX_KEY /* bytes of a --set KEY, without the NUL */
typedef struct kou_opt_sets {
    const char **key, **value;   /* key[i] points into buf[i]; value[i] into argv */
    char (*buf)[KOU_OPT_MAX_KEY + 1];
    size_t n, max;
} kou_opt_sets;

typedef struct kou_opt_spec {
    const char *command;         /* "run": for messages */
    const kou_opt *opts;
    size_t nopts;
    const char *positional;      /* what a positional argument is: "scenario file" */
    size_t min_pos, max_pos;
    const char **pos;            /* receives them: max_pos entries */
    size_t *npos;
    void (*help)(FILE *out);     /* for KOU_OPT_HELP */
} kou_opt_spec;

/* Reads argv[0 .. argc-1] (the arguments after the command's name).
** Returns -1 to go on, else the exit status: 0 after --help, 2 after a
** usage error (printed). */
int kou_opt_parse(const kou_opt_spec *spec, int argc, char **argv);
/* The option list of a help text, from the table (two columns). */
void kou_opt_help(FILE *out, const kou_opt *opts, size_t n);

/* The one usage error: prints "kouan: COMMAND: MESSAGE (see 'kouan
** COMMAND --help')" (command NULL: "kouan: MESSAGE (see 'kouan --help')")
** and returns 2. */
int kou_usage_error(const char *command, const char *fmt, ...) KOU_PRINTF(2, 3);

#endif
