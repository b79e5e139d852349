/*
** opt.c — the option parser and the usage error (opt.h).
*/
#include "cmd/opt.h"

#include "cmd/cli.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int kou_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kouan: %s%s", command ? command : "", command ? ": " : "");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see 'kouan%s%s --help')\n", command ? " " : "", command ? command : "");
    va_end(ap);
    return 2;
}

/* ---- values ---- */

static bool takes_value(const kou_opt *o)
{
    return o->kind != KOU_OPT_FLAG && o->kind != KOU_OPT_HELP;
}

static bool is_short(const char *spelling)
{
    return spelling[0] == '-' && spelling[1] != '-' && spelling[1] != '\0' && spelling[2] == '\0';
}

/* Whether arg is spelling, spelling=VALUE or (a short option with a
** value) spellingVALUE; *value: the value given with it, or NULL. */
static bool matches(const char *spelling, const kou_opt *o, const char *arg, const char **value)
{
    size_t n = strlen(spelling);
    if (strncmp(arg, spelling, n) != 0)
        return false;
    if (arg[n] == '\0' || arg[n] == '=') {
        *value = arg[n] == '=' ? arg + n + 1 : NULL;
        return true;
    }
    if (is_short(spelling) && takes_value(o)) {
        *value = arg + n;
        return true;
    }
    return false;
}

static const kou_opt *find(const kou_opt_spec *spec, const char *arg, const char **typed, const char **value)
{
    for (size_t i = 0; i < spec->nopts; i++) {
        const kou_opt *o = &spec->opts[i];
        if (matches(o->name, o, arg, value)) {
            *typed = o->name;
            return o;
        }
        if (o->alias && matches(o->alias, o, arg, value)) {
            *typed = o->alias;
            return o;
        }
    }
    return NULL;
}

static int unknown_option(const kou_opt_spec *spec, const char *arg)
{
    const char *names[128];
    size_t n = 0;
    for (size_t i = 0; i < spec->nopts && n + 2 <= sizeof names / sizeof *names; i++) {
        /* one letter is too little to tell a typo from another option */
        if (!is_short(spec->opts[i].name))
            names[n++] = spec->opts[i].name;
        if (spec->opts[i].alias && !is_short(spec->opts[i].alias))
            names[n++] = spec->opts[i].alias;
    }
    char option[64];
    snprintf(option, sizeof option, "%.*s", (int)strcspn(arg, "="), arg);
    const char *near = koui_nearest_name(option, names, n);
    if (near)
        return kou_usage_error(spec->command, "unknown option '%s' (did you mean '%s'?)", arg, near);
    return kou_usage_error(spec->command, "unknown option '%s'", arg);
}

static int unknown_choice(const kou_opt_spec *spec, const kou_opt *o, const char *typed, const char *val)
{
    const char *near = koui_nearest_name(val, o->choices, o->nchoices);
    if (near)
        return kou_usage_error(spec->command, "%s: unknown %s '%s' (did you mean '%s'?)", typed, o->what, val, near);
    char known[512] = "";
    for (size_t i = 0; i < o->nchoices; i++) {
        strncat(known, i ? ", " : "", sizeof known - strlen(known) - 1);
        strncat(known, o->choices[i], sizeof known - strlen(known) - 1);
    }
    return kou_usage_error(spec->command, "%s: unknown %s '%s' (known: %s)", typed, o->what, val, known);
}

/* A value of a repeatable option; 0 or 2. */
static int append(const kou_opt_spec *spec, const kou_opt *o, const char *typed, const char *val)
{
    if (o->kind == KOU_OPT_LIST) {
        kou_opt_list *l = o->dest;
        if (*val == '\0')
            return kou_usage_error(spec->command, "%s: '' is not %s", typed, o->what);
        if (l->n == l->max)
            return kou_usage_error(spec->command, "too many %s options (at most %zu)", o->name, l->max);
        l->items[l->n++] = val;
        return 0;
    }
    kou_opt_sets *s = o->dest;
    if (s->n == s->max)
        return kou_usage_error(spec->command, "too many %s options (at most %zu)", o->name, s->max);
    if (!kou_cli_set_arg(val, s->buf[s->n], &s->value[s->n]))
        return kou_usage_error(spec->command, "%s: expected KEY=VALUE with KEY a name (got '%s')", typed, val);
    s->key[s->n] = s->buf[s->n];
    s->n++;
    return 0;
}

/* Checks val and stores it in the option's destination; 0 or 2. */
static int store(const kou_opt_spec *spec, const kou_opt *o, const char *typed, const char *val)
{
    uint64_t u = 0;
    double d = 0;
    bool good = true;
    switch (o->kind) {
    case KOU_OPT_COUNT:
        good = kou_cli_u64(val, &u) && (double)u >= o->min && (double)u <= o->max;
        if (good)
            *(uint64_t *)o->dest = u;
        break;
    case KOU_OPT_WHOLE:
        good = kou_cli_double(val, &d) && d == floor(d) && d >= o->min && d <= o->max;
        if (good)
            *(uint64_t *)o->dest = (uint64_t)d;
        break;
    case KOU_OPT_NUMBER:
        good = kou_cli_double(val, &d) && d >= o->min && d <= o->max && !(o->above_min && d <= o->min);
        if (good)
            *(double *)o->dest = d;
        break;
    case KOU_OPT_TEXT:
        good = *val != '\0';
        if (good)
            *(const char **)o->dest = val;
        break;
    case KOU_OPT_CHOICE:
        for (size_t i = 0; i < o->nchoices; i++)
            if (strcmp(val, o->choices[i]) == 0) {
                *(int *)o->dest = (int)i;
                return 0;
            }
        return unknown_choice(spec, o, typed, val);
    case KOU_OPT_CHECKED:
        good = o->check(val, o->dest);
        break;
    default: /* LIST, SET */
        return append(spec, o, typed, val);
    }
    return good ? 0 : kou_usage_error(spec->command, "%s: '%s' is not %s", typed, val, o->what);
}

static int positional(const kou_opt_spec *spec, const char *arg)
{
    if (*spec->npos == spec->max_pos) {
        if (spec->max_pos == 1)
            return kou_usage_error(spec->command, "more than one %s given ('%s')", spec->positional, arg);
        return kou_usage_error(spec->command, "too many %ss (at most %zu)", spec->positional, spec->max_pos);
    }
    spec->pos[(*spec->npos)++] = arg;
    return 0;
}

int kou_opt_parse(const kou_opt_spec *spec, int argc, char **argv)
{
    *spec->npos = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *typed = NULL, *val = NULL;
        int rc = 0;
        if (a[0] != '-' || a[1] == '\0') {
            rc = positional(spec, a);
        } else {
            const kou_opt *o = find(spec, a, &typed, &val);
            if (o == NULL)
                return unknown_option(spec, a);
            if (o->given)
                *o->given = true;
            if (!takes_value(o) && val != NULL)
                return kou_usage_error(spec->command, "option '%s' takes no value", typed);
            if (o->kind == KOU_OPT_HELP) {
                spec->help(stdout);
                return 0;
            }
            if (o->kind == KOU_OPT_FLAG) {
                *(bool *)o->dest = true;
                continue;
            }
            if (val == NULL && i + 1 >= argc)
                return kou_usage_error(spec->command, "option '%s' needs a value", typed);
            rc = store(spec, o, typed, val ? val : argv[++i]);
        }
        if (rc != 0)
            return rc;
    }
    if (*spec->npos < spec->min_pos)
        return kou_usage_error(spec->command, "no %s given", spec->positional);
    return -1;
}

/* ---- help ---- */

#define HELP_COLUMN 24

void kou_opt_help(FILE *out, const kou_opt *opts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const kou_opt *o = &opts[i];
        if (o->help == NULL)
            continue;
        char left[96];
        snprintf(left, sizeof left, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "", o->name,
                 o->metavar ? " " : "", o->metavar ? o->metavar : "");
        if (strlen(left) + 3 > HELP_COLUMN)
            fprintf(out, "  %s\n%*s", left, HELP_COLUMN, "");
        else
            fprintf(out, "  %-*s", HELP_COLUMN - 2, left);
        for (const char *h = o->help; *h;) {
            size_t len = strcspn(h, "\n");
            fprintf(out, "%.*s\n", (int)len, h);
            h += len;
            if (*h == '\n' && *++h)
                fprintf(out, "%*s", HELP_COLUMN, "");
        }
    }
}
