/*
** main.c — the kouan program: a table of its commands, in the manner of
** Redis's command table. Each entry is a command's name, its usage line,
** a one-line summary, its handler and its help (core/cmd/cmd.h); `kouan
** --help` is printed from the table, and an unknown command is answered
** with the nearest one. Everything else is the commands' business.
**
** Exit codes: 0 success; 1 the scenario, a run or an output failed; 2 the
** command was used wrongly (cmd/opt.h); 130 interrupted.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/opt.h"
#include "kernel/base.h"

typedef struct kou_command {
    const char *name;
    const char *usage;     /* the arguments, after "kouan NAME" */
    const char *summary;   /* one line */
    kou_cmd_handler *handler;
    kou_cmd_help *help;
} kou_command;

static const kou_command commands[] = {
    {"run", "SCENARIO.lua [--set KEY=VALUE]... [options]",
     "run a scenario: a KPI table and a run file, or a resource table;\n"
     "               --uncertainty N: bands over the scenario's priors",
     kou_cmd_run, kou_cmd_run_help},
    {"report", "RUN.h5|UNCERTAINTY.h5 [--csv OUT.csv [--bom]] [--plot OUT.png] [--quiet]",
     "print a run file's KPI table again (or an uncertainty file's); a CSV, a chart", kou_cmd_report,
     kou_cmd_report_help},
    {"compare", "SCENARIO.lua --era A --era B [...] [options]",
     "alternatives with common random numbers: changes, verdicts;\n"
     "               --uncertainty N: verdict probabilities over the priors",
     kou_cmd_compare, kou_cmd_compare_help},
    {"sweep", "DESIGN.lua [-j N] [-o FILE] [--resume] [--shard i/N]",
     "a design of experiments over a port scenario (threads, MPI)",
     kou_cmd_sweep, kou_cmd_sweep_help},
    {"sweep-merge", "-o OUT.h5 SHARD.h5...", "join the shard files of a sweep into one",
     kou_cmd_sweep_merge, kou_cmd_sweep_merge_help},
    {"calibrate", "CAL.lua [-j N] [-o FILE.csv] [--reps R] [--until HOURS]",
     "fit named scenario values to published KPIs; identifiability",
     kou_cmd_calibrate, kou_cmd_calibrate_help},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static void print_help(FILE *out)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "%s kouan %s %s\n", i ? "      " : "usage:", commands[i].name, commands[i].usage);
    fputs("       kouan --help | --version | COMMAND --help\n\ncommands:\n", out);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-13s%s\n", commands[i].name, commands[i].summary);
    fputs("\n'kouan COMMAND --help' lists a command's options.\n"
          "\n"
          "environment:\n"
          "  KOUAN_ROOT   the kouan tree, where import finds scripts/kouan/ and scenarios/\n"
          "               (default: the source tree of this build)\n"
          "  KOUAN_PYTHON the Python that draws charts (default /usr/bin/python3)\n"
          "\n"
          "exit status: 0 success, 1 the scenario, a run or an output failed, 2 bad\n"
          "command line, 130 interrupted\n", out);
}

static int unknown_command(const char *name)
{
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++)
        names[i] = commands[i].name;
    const char *near = koui_nearest_name(name, names, NCOMMANDS);
    if (near)
        return kou_usage_error(NULL, "unknown command '%s' (did you mean '%s'?)", name, near);
    return kou_usage_error(NULL, "unknown command '%s'", name);
}

int main(int argc, char **argv)
{
    kou_fault_injection_from_env();
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        print_help(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0) {
        kou_print_version(stdout);
        return 0;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(name, commands[i].name) == 0)
            return commands[i].handler(argc, argv);
    return unknown_command(name);
}
