/*
** compare.c — `kouan compare`: alternatives (eras of one port scenario,
** or several scenario files) against the first, the baseline, with common
** random numbers: replication r of every alternative runs on seed + r.
** An alternative is an era of one file (--era), a file, or FILE:ERA (when
** no file has that whole name); --label names them in every output.
** Prints per group the means, the paired differences and % changes with
** Student-t 95 % half-widths (exp/paired.h) and the verdicts on the
** clearance-time targets (-1/3, -1/2) with the hours beside the %, or "(no
** difference)" for a group the alternative leaves unchanged; --group
** prints only some groups (cmd/compare_groups.h); optionally adds replications until
** a paired half-width is small enough; writes a compare file
** (io/h5compare.h), the wide table (cmd/compare_table.h) as CSV and as
** .xlsx (io/xlsx.h) with a sheet of provenance, and the long CSV (a row
** per group, metric and alternative, with every replication's value);
** --lang zh puts the table, the files' headers and the chart in Chinese
** (a port by its scenario's name_zh, model/lang.h). The alternatives come from the loader
** (lua/portset.h), with their processes (the loader's sink: a worker Lua
** state per thread); replications run through the pipeline
** (exp/replicate.h), inline or on -j threads, a batch at a time, taken
** back in order: the results do not depend on -j.
*/
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/compare_groups.h"
#include "cmd/compare_table.h"
#include "model/params.h"
#include "cmd/opt.h"
#include "cmd/plot.h"
#include "cmd/uncertainty.h"
#include "exp/paired.h"
#include "exp/replicate.h"
#include "io/h5compare.h"
#include "io/xlsx.h"
#include "kouan_version.h"
#include "lua/portset.h"
#include "model/kpi.h"
#include "model/lang.h"

#define MAX_ALTS 16
#define MAX_SETS 256
#define MAX_OPTS 28
#define MAX_GROUPS 64 /* --group */
#define MAX_PATH 1024
#define LABEL_MAX 63 /* kou_portset_alt.label */
#define M KOU_KPI_METRIC_COUNT
#define ROUNDING 0.005 /* hours: what the table's two decimals print as 0.00 */


/* The verdicts' targets on the paired % change of the overall mean. */
static const double targets[2] = {-100.0 / 3, -50.0};
static const char *const target_names[2] = {"-1/3", "-1/2"};

typedef struct copts {
    const char *scripts[MAX_ALTS], *eras[MAX_ALTS];
    size_t nscripts;
    kou_opt_list era_list;
    const char *file_era[MAX_ALTS]; /* FILE:ERA: the ERA of file i, or NULL */
    size_t nfile_eras;
    char file_buf[MAX_ALTS][MAX_PATH]; /* FILE:ERA: the FILE */
    const char *alt_eras[MAX_ALTS];    /* with FILE:ERA: each file's era (its own, else --era) */
    const char *labels[MAX_ALTS];
    kou_opt_list label_list;
    const char *groups[MAX_GROUPS];
    kou_opt_list group_list;
    const char *set_key[MAX_SETS], *set_value[MAX_SETS];
    char set_buf[MAX_SETS][KOU_OPT_MAX_KEY + 1];
    kou_opt_sets sets;
    uint64_t seed, reps, max_reps, uncertainty, jobs;
    bool max_given, reps_given;
    double until, halfwidth;
    int kpi;
    const char *metric_names[M];
    const char *output, *csv, *csv_long, *xlsx, *plot;
    int lang; /* kou_lang */
    bool no_output, force, bom, independent, quiet;
} copts;

static void defaults(copts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->reps = 10;
    o->max_reps = 200;
    o->kpi = KOU_KPI_OVERALL_MEAN;
    o->era_list = (kou_opt_list){.items = o->eras, .max = MAX_ALTS};
    o->label_list = (kou_opt_list){.items = o->labels, .max = MAX_ALTS};
    o->group_list = (kou_opt_list){.items = o->groups, .max = MAX_GROUPS};
    o->sets = (kou_opt_sets){.key = o->set_key, .value = o->set_value, .buf = o->set_buf, .max = MAX_SETS};
    for (int m = 0; m < M; m++)
        o->metric_names[m] = kou_kpi_metric_name((kou_kpi_metric)m);
}

/* The check of a --lang value: en or zh, stored as a kou_lang. */
static bool lang_name(const char *value, void *dest)
{
    for (int i = 0; i < KOU_LANG_COUNT; i++)
        if (strcmp(value, kou_lang_names[i]) == 0) {
            *(int *)dest = i;
            return true;
        }
    return false;
}

/* The check of an --xlsx value: a name ending in .xlsx in an existing folder. */
static bool xlsx_name(const char *value, void *dest)
{
    size_t n = strlen(value);
    return n > 5 && strcmp(value + n - 5, ".xlsx") == 0 && kou_output_name(value, dest);
}

static size_t options(copts *o, kou_opt *t)
{
    const kou_opt opts[] = {
        {"--era", NULL, KOU_OPT_LIST, &o->era_list, .what = "an era name", .metavar = "E",
         .help = "an alternative (one scenario file); repeat, 2 or more;\nwith several files: the era of those "
                 "without :ERA"},
        {"--label", NULL, KOU_OPT_LIST, &o->label_list, .what = "a label", .metavar = "TEXT",
         .help = "the alternatives' names in the table, CSV, compare file\nand chart, one per alternative, in "
                 "order (default:\nthe era, or FILE[:ERA])"},
        {"--reps", NULL, KOU_OPT_COUNT, &o->reps, 1, 100000, .what = "an integer in 1..100000", .metavar = "R",
         .given = &o->reps_given,
         .help = "replications (default 10; with --until-halfwidth the\nfirst batch and the batch size; with "
                 "--uncertainty\nper draw, default 2)"},
        {"--uncertainty", NULL, KOU_OPT_COUNT, &o->uncertainty, 2, 100000, .what = "a number of draws in 2..100000",
         .metavar = "N", .help = "propagate the scenarios' uncertain{} values: N draws\n(Latin hypercube), the "
                                 "same draw in every alternative;\nbands and target probabilities "
                                 "(docs/uncertainty.md);\nunder mpirun -n N, draw d runs on rank d mod N"},
        {"-j", NULL, KOU_OPT_COUNT, &o->jobs, 1, 1024, .what = "a number of threads in 1..1024", .metavar = "N",
         .help = "worker threads (default 1: inline; with --uncertainty\nthe online CPUs); the results do not "
                 "depend on it"},
        {"--seed", NULL, KOU_OPT_COUNT, &o->seed, 0, 18446744073709551615.0, .what = "a non-negative integer",
         .metavar = "N", .help = "seed of replication 1 (default 1)"},
        {"--set", NULL, KOU_OPT_SET, &o->sets, .metavar = "PATH=VALUE",
         .help = "as for run, applied to every alternative"},
        {"--until", NULL, KOU_OPT_NUMBER, &o->until, 0, INFINITY, true, "a positive number of hours",
         .metavar = "HOURS", .help = "hours of arrivals (replaces horizon_days)"},
        {"--kpi", NULL, KOU_OPT_CHOICE, &o->kpi, .what = "metric", .choices = o->metric_names, .nchoices = M,
         .metavar = "METRIC", .help = "the metric of --until-halfwidth (default overall_mean)"},
        {"--until-halfwidth", NULL, KOU_OPT_NUMBER, &o->halfwidth, 0, INFINITY, true, "a positive number",
         .metavar = "H", .help = "add batches of replications until the half-width of\nthe paired difference of "
                                 "the KPI (all ports, import)\nis <= H for every alternative, or --max-reps"},
        {"--max-reps", NULL, KOU_OPT_COUNT, &o->max_reps, 2, 100000, .what = "an integer in 2..100000",
         .given = &o->max_given, .metavar = "M", .help = "(default 200)"},
        {"--independent", NULL, KOU_OPT_FLAG, &o->independent,
         .help = "alternative a uses seeds seed + r + a*2^32 (no common\nrandom numbers; for demonstration)"},
        {"--output", "-o", KOU_OPT_CHECKED, &o->output, .check = kou_output_name, .what = KOU_OUTPUT_WHAT, .metavar = "FILE",
         .help = "the compare file (default\nresults/compare-SCENARIO-ERAS-sSEED.h5)"},
        {"--force", NULL, KOU_OPT_FLAG, &o->force, .help = "overwrite an existing compare file, --csv,\n--csv-long, --xlsx or --plot file"},
        {"--no-output", NULL, KOU_OPT_FLAG, &o->no_output, .help = "write no compare file"},
        {"--csv", NULL, KOU_OPT_CHECKED, &o->csv, .check = kou_output_name, .what = KOU_OUTPUT_WHAT, .metavar = "FILE",
         .help = "the wide table: one row per group and alternative, the\nverdicts, each metric's mean, its "
                 "difference from the\nbaseline (hours for times) and % change, each +- 95 %\n(with --uncertainty: "
                 "one row per draw, docs/uncertainty.md)"},
        {"--csv-long", NULL, KOU_OPT_CHECKED, &o->csv_long, .check = kou_output_name, .what = KOU_OUTPUT_WHAT, .metavar = "FILE",
         .help = "one row per group, metric and alternative, with every\nreplication's value"},
        {"--xlsx", NULL, KOU_OPT_CHECKED, &o->xlsx, .what = "a file name ending in .xlsx in an existing folder",
         .check = xlsx_name, .metavar = "FILE.xlsx",
         .help = "the wide table as an Excel workbook (numbers as numbers),\nand a sheet of provenance: "
                 "scenarios, eras, seed,\nreplications, version (with --uncertainty: the --csv\nrows)"},
        {"--lang", NULL, KOU_OPT_CHECKED, &o->lang, .what = "en or zh", .check = lang_name, .metavar = "en|zh",
         .help = "the language of the table, the CSV's and .xlsx's headers\nand the chart (default en; zh: "
                 "Chinese, a port by its\nscenario's name_zh)"},
        {"--bom", NULL, KOU_OPT_FLAG, &o->bom, .help = "with --csv or --csv-long: a byte-order mark first (for "
                                                      "Excel)"},
        {"--plot", NULL, KOU_OPT_CHECKED, &o->plot, .what = "a file name ending in .png or .svg, in an existing folder",
         .check = kou_plot_name, .metavar = "FILE.png|.svg",
         .help = "the paired % change of the overall mean per group, with\nits 95 % interval and the -1/3 and "
                 "-1/2 target lines"},
        {"--group", NULL, KOU_OPT_LIST, &o->group_list, .what = "a group name or pattern", .metavar = "G",
         .help = "print only the groups G names (repeat for more): as the\ntable's headers say ('all ports, import', "
                 "or 'all\nports import'), a port's name for all its groups, or\na pattern ('CGO*'), in English or as "
                 "--lang zh\nprints them ('郑州铁路进口'); the CSV and the compare\nfile keep every group"},
        {"--quiet", NULL, KOU_OPT_FLAG, &o->quiet, .help = "no table"},
        {"--help", "-h", KOU_OPT_HELP, NULL, .help = "this help"},
    };
    _Static_assert(sizeof opts / sizeof *opts <= MAX_OPTS, "MAX_OPTS");
    memcpy(t, opts, sizeof opts);
    return sizeof opts / sizeof *opts;
}

void kou_cmd_compare_help(FILE *out)
{
    static copts o;
    kou_opt t[MAX_OPTS];
    defaults(&o);
    fputs("usage: kouan compare SCENARIO.lua --era A --era B [...] [options]\n"
          "       kouan compare A.lua[:ERA] B.lua[:ERA] [...] [options]\n"
          "       e.g. kouan compare scenarios/henan.lua:2017 scenarios/henan.lua:2021 \\\n"
          "                --label before --label after\n"
          "\n"
          "Compares alternatives with the first (the baseline): replication r of every\n"
          "alternative runs on seed + r (common random numbers). Prints per group (all\n"
          "ports import/export, then each port) each alternative's mean +- t 95 %\n"
          "half-width, the paired difference vs the baseline and the paired % change,\n"
          "and the verdicts on the overall clearance time targets -1/3 and -1/2: met\n"
          "(whole 95 % interval of the % change below), not met (whole interval above),\n"
          "undecided, each with the difference in hours beside the % change; a group\n"
          "the alternative leaves unchanged (within 0.005 h in every replication) says\n"
          "(no difference) instead.\n"
          "\n"
          "options:\n", out);
    kou_opt_help(out, t, options(&o, t));
    fputs("\nA replication that fails on some alternative is named and left out of every\n"
          "alternative's statistics; the others go on.\n"
          "exit status: 0 every replication succeeded, 1 some failed (the table is over the\n"
          "others) or an error, 2 bad command line, 130 interrupted (SIGINT, SIGTERM: no\n"
          "file written)\n", out);
}

static bool readable(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f)
        fclose(f);
    return f != NULL;
}

/* FILE:ERA: a scenario argument that is no file, but whose part before
** the last ':' is one. -1 to go on, else 2. */
static int split_file_eras(copts *o)
{
    for (size_t i = 0; i < o->nscripts; i++) {
        const char *arg = o->scripts[i];
        if (readable(arg))
            continue;
        int err = errno;
        const char *colon = strrchr(arg, ':');
        size_t len = colon ? (size_t)(colon - arg) : 0;
        if (colon && colon[1] != '\0' && len > 0 && len < MAX_PATH) {
            memcpy(o->file_buf[i], arg, len);
            o->file_buf[i][len] = '\0';
            if (readable(o->file_buf[i])) {
                o->scripts[i] = o->file_buf[i];
                o->file_era[i] = colon + 1;
                o->nfile_eras++;
                continue;
            }
        }
        return kou_usage_error("compare", "cannot open scenario '%s': %s", arg, strerror(err));
    }
    if (o->nfile_eras == 0)
        return -1;
    if (o->nscripts == 1)
        return kou_usage_error("compare", "give at least two alternatives: FILE:ERA names one (A.lua:E1 B.lua:E2, "
                                          "or one file with --era A --era B)");
    for (size_t i = 0; i < o->nscripts; i++)
        o->alt_eras[i] = o->file_era[i] ? o->file_era[i] : o->era_list.n == 1 ? o->eras[0] : NULL;
    return -1;
}

/* --label: one per alternative, each short enough and its own. */
static int check_labels(const copts *o)
{
    size_t nalt = o->nscripts == 1 ? o->era_list.n : o->nscripts, n = o->label_list.n;
    if (n == 0)
        return -1;
    if (n != nalt)
        return kou_usage_error("compare", "--label: %zu given for %zu alternatives (one per alternative, in order)",
                               n, nalt);
    for (size_t i = 0; i < n; i++) {
        if (strlen(o->labels[i]) > LABEL_MAX)
            return kou_usage_error("compare", "--label '%s': at most %d bytes", o->labels[i], LABEL_MAX);
        for (size_t k = 0; k < i; k++)
            if (strcmp(o->labels[k], o->labels[i]) == 0)
                return kou_usage_error("compare", "--label '%s' is given twice", o->labels[i]);
    }
    return -1;
}

/* The combinations the options cannot take; -1 to go on, else 2. */
static int check_options(const copts *o, size_t neras)
{
    if (o->nscripts == 1 && neras < 2)
        return kou_usage_error("compare", "give at least two alternatives: --era A --era B (the first is the "
                                          "baseline), or two scenario files");
    if (o->nscripts > 1 && neras > 1)
        return kou_usage_error("compare", "several scenario files take at most one --era (applied to each)");
    if (o->bom && o->csv == NULL && o->csv_long == NULL)
        return kou_usage_error("compare", "--bom: only with --csv or --csv-long");
    if (o->plot && o->no_output)
        return kou_usage_error("compare", "--plot draws from the compare file: it cannot go with --no-output");
    if (o->halfwidth > 0 && o->reps < 2)
        return kou_usage_error("compare", "--until-halfwidth needs --reps of at least 2 (the batch size)");
    if (o->halfwidth > 0 && o->max_reps < o->reps)
        return kou_usage_error("compare", "--max-reps is below --reps");
    if (o->halfwidth <= 0 && o->max_given)
        return kou_usage_error("compare", "--max-reps: only with --until-halfwidth");
    if (o->uncertainty && (o->halfwidth > 0 || o->independent || o->csv_long))
        return kou_usage_error("compare", "--uncertainty: not with %s (it takes --csv, --xlsx, --bom, --lang, "
                                          "--plot: docs/uncertainty.md)",
                               o->halfwidth > 0 ? "--until-halfwidth" : o->independent ? "--independent"
                                                                                       : "--csv-long");
    if (o->uncertainty && o->group_list.n)
        return kou_usage_error("compare", "--group: not with --uncertainty");
    if (kou_refuse_overwrite("compare", "--csv", o->csv, o->force) ||
        kou_refuse_overwrite("compare", "--csv-long", o->csv_long, o->force) ||
        kou_refuse_overwrite("compare", "--xlsx", o->xlsx, o->force) ||
        kou_refuse_overwrite("compare", "--plot", o->plot, o->force))
        return 2;
    return check_labels(o);
}

static int parse(copts *o, int argc, char **argv)
{
    kou_opt t[MAX_OPTS];
    kou_opt_spec spec = {.command = "compare", .opts = t, .nopts = options(o, t), .positional = "scenario file",
                         .min_pos = 1, .max_pos = MAX_ALTS, .pos = o->scripts, .npos = &o->nscripts,
                         .help = kou_cmd_compare_help};
    int code = kou_opt_parse(&spec, argc, argv);
    if (code < 0)
        code = split_file_eras(o);
    return code >= 0 ? code : check_options(o, o->era_list.n);
}

/* ---- the run ---- */

typedef struct cmp {
    const copts *o;
    kou_portset *ps;
    size_t nalt, ngroup;
    kou_kpi *proto;        /* the baseline's groups (names live here) */
    size_t *order;         /* display order: all-ports groups, then ports */
    bool *keep;            /* [i]: print the group order[i] (--group) */
    int *map;              /* [a][g]: the alternative's own group index, or -1 */
    double *vals;          /* [r][a][g][m] */
    size_t nrep, cap;      /* rows kept: replications every alternative ran */
    uint64_t *seeds;       /* [r][a] */
    size_t *repno;         /* [r]: the kept row's replication number, from 0 */
    size_t ntaken;         /* replications taken back, kept or not */
    size_t nfailed;        /* of them, failed on some alternative: left out */
    char failed_list[256]; /* "3, 5" (from 1), the first ones */
    kou_replicator *rp;
} cmp;

static double val(const cmp *c, size_t r, size_t a, size_t g, size_t m)
{
    return c->vals[((r * c->nalt + a) * c->ngroup + g) * M + m];
}

/* The scenario's Chinese name (name_zh) of the group's port; NULL for
** none (and for an all-ports group). */
static const char *port_zh(const cmp *c, const kou_kpi_group *grp)
{
    return grp->port_index < 0 ? NULL : kou_portset_port_zh(c->ps, grp->port);
}

static uint64_t seed_of(const cmp *c, size_t a, size_t r)
{
    return c->o->seed + r + (c->o->independent ? (uint64_t)a << 32 : 0);
}

/* The sink: a finished replication's KPIs into vals, by the baseline's groups. */
static void keep_values(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    cmp *c = ctx;
    if (res->status != KOU_OK)
        return;
    size_t r = run->index / c->nalt, a = run->index % c->nalt;
    for (size_t g = 0; g < c->ngroup; g++) {
        int own = c->map[a * c->ngroup + g];
        for (size_t m = 0; m < M; m++)
            c->vals[((r * c->nalt + a) * c->ngroup + g) * M + m] =
                own < 0 ? NAN : kou_kpi_get(run->kpi, (size_t)own, (kou_kpi_metric)m);
    }
}

/* Room for replications 0 .. reps-1 (no replication in flight: the sink
** writes into vals). */
static void grow(cmp *c, size_t reps)
{
    if (reps <= c->cap)
        return;
    while (c->cap < reps)
        c->cap = c->cap ? 2 * c->cap : 16;
    c->vals = koui_realloc(c->vals, c->cap * c->nalt * c->ngroup * M * sizeof *c->vals);
    c->seeds = koui_realloc(c->seeds, c->cap * c->nalt * sizeof *c->seeds);
    c->repno = koui_realloc(c->repno, c->cap * sizeof *c->repno);
}

/* Queues replication r of every alternative. */
static void submit_rep(cmp *c, size_t r)
{
    for (size_t a = 0; a < c->nalt; a++) {
        const kou_portset_alt *alt = kou_portset_get(c->ps, a);
        c->seeds[r * c->nalt + a] = seed_of(c, a, r);
        kou_rep_job job = {.cfg = alt->cfg, .start_date = alt->start_date, .seed = seed_of(c, a, r)};
        kou_replicator_submit(c->rp, &job);
    }
}

/* Replication r failed on some alternative: left out of every statistic
** (the differences are paired), listed. */
static void leave_out(cmp *c, size_t r)
{
    size_t used = strlen(c->failed_list), room = sizeof c->failed_list - 8;
    if (used < room)
        snprintf(c->failed_list + used, sizeof c->failed_list - used, "%s%zu", used ? ", " : "", r + 1);
    else if (!strstr(c->failed_list, "..."))
        snprintf(c->failed_list + used, sizeof c->failed_list - used, ", ...");
    c->nfailed++;
}

/* Takes back replication r of every alternative, in order. A failed run
** is reported and its replication left out; the others go on. 0, or 130
** on a stop request. */
static int take_rep(cmp *c, size_t r)
{
    bool bad = false;
    for (size_t a = 0; a < c->nalt; a++) {
        const kou_portset_alt *alt = kou_portset_get(c->ps, a);
        const kou_rep_result *res = kou_replicator_next(c->rp);
        if (res == NULL) /* a stop request (SIGINT, SIGTERM) */
            return 130;
        if (res->status != KOU_OK) {
            fprintf(stderr, "kouan: %s (%s): replication %zu (seed %llu) failed: %s\n", alt->script, alt->label,
                    r + 1, (unsigned long long)res->job.seed, res->error[0] ? res->error : "the model failed");
            bad = true;
        }
    }
    c->ntaken = r + 1;
    if (bad) {
        leave_out(c, r);
        return 0;
    }
    size_t row = c->nrep, per = c->nalt * c->ngroup * M; /* rows close up over the left-out ones */
    if (row != r) {
        memmove(c->vals + row * per, c->vals + r * per, per * sizeof *c->vals);
        memmove(c->seeds + row * c->nalt, c->seeds + r * c->nalt, c->nalt * sizeof *c->seeds);
    }
    c->repno[row] = r;
    c->nrep = row + 1;
    return 0;
}

/* Runs replications done .. target-1: all queued first (with -j they run
** side by side), then taken back in order. 0, or the exit status. */
static int run_batch(cmp *c, size_t done, size_t target)
{
    grow(c, target);
    for (size_t r = done; r < target; r++)
        submit_rep(c, r);
    for (size_t r = done; r < target; r++) {
        int code = take_rep(c, r);
        if (code != 0)
            return code;
    }
    return 0;
}

typedef struct stat3 {
    kou_paired_ci mean, diff, pct;
} stat3;

static stat3 stats(const cmp *c, size_t a, size_t g, size_t m)
{
    double *x = koui_malloc(2 * c->nrep * sizeof *x), *b = x + c->nrep;
    for (size_t r = 0; r < c->nrep; r++) {
        x[r] = val(c, r, a, g, m);
        b[r] = val(c, r, 0, g, m);
    }
    stat3 s = {kou_paired_mean(x, c->nrep), kou_paired_diff(x, b, c->nrep), kou_paired_pct(x, b, c->nrep)};
    free(x);
    return s;
}

/* v, or 0 when v is zero up to rounding: at most 1e-9 of the size of
** the values it comes from (scale; at least 1), such as the 2.5e-13
** half-width of two alternatives that differ only in float noise. */
static double denoise(double v, double scale)
{
    return fabs(v) <= 1e-9 * fmax(fabs(scale), 1.0) ? 0.0 : v;
}

/* The group the stopping rule watches: all ports import, else the first
** all-ports group. */
static size_t watched_group(const cmp *c)
{
    for (size_t g = 0; g < c->ngroup; g++) {
        kou_kpi_group gi = kou_kpi_group_info(c->proto, g);
        if (gi.port_index < 0 && gi.direction == KOU_IMPORT)
            return g;
    }
    return c->order[0];
}

/* The largest paired half-width of the KPI over the alternatives
** (infinity while undefined). */
static double watched_half(const cmp *c, size_t g)
{
    double worst = 0;
    for (size_t a = 1; a < c->nalt; a++) {
        double h = stats(c, a, g, (size_t)c->o->kpi).diff.half;
        worst = isnan(h) ? INFINITY : h > worst ? h : worst;
    }
    return worst;
}

/* Runs the replications: --reps, then with --until-halfwidth more
** batches until the watched half-width is small enough or --max-reps;
** the stopping line in stop ("" without the rule). 0, or 130 on a stop
** request. */
static int run_all(cmp *c, char *stop, size_t len)
{
    const copts *o = c->o;
    uint64_t target = o->reps;
    size_t wg = watched_group(c);
    kou_kpi_group gi = kou_kpi_group_info(c->proto, wg);
    const char *kpi = kou_kpi_metric_name((kou_kpi_metric)o->kpi);
    for (size_t done = 0;;) {
        int code = run_batch(c, done, (size_t)target);
        if (code != 0)
            return code;
        done = (size_t)target;
        if (o->halfwidth <= 0)
            return 0;
        double h = watched_half(c, wg);
        double shown_h = denoise(h, stats(c, 0, wg, (size_t)o->kpi).mean.mean);
        kou_lang lang = (kou_lang)o->lang;
        const char *port = kou_lang_port(lang, gi.port, port_zh(c, &gi)), *dir = kou_lang_name(lang, kou_direction_name(gi.direction));
        const char *what = kou_lang_name(lang, kpi);
        if (h <= o->halfwidth && lang == KOU_LANG_ZH) {
            snprintf(stop, len, "已停止：%s（%s，%s）配对差的半宽 %.4g <= %g，共 %zu 次重复", what, port, dir, shown_h,
                     o->halfwidth, c->nrep);
            return 0;
        }
        if (h <= o->halfwidth) {
            snprintf(stop, len, "stopped: half-width of the paired difference of %s (%s, %s) %.4g <= %g "
                     "after %zu replications", kpi, gi.port, kou_direction_name(gi.direction), shown_h, o->halfwidth,
                     c->nrep);
            return 0;
        }
        if (target >= o->max_reps && lang == KOU_LANG_ZH) {
            snprintf(stop, len, "在 --max-reps %llu 处停止：%s（%s，%s）配对差的半宽 %.4g > %g",
                     (unsigned long long)o->max_reps, what, port, dir, shown_h, o->halfwidth);
            return 0;
        }
        if (target >= o->max_reps) {
            snprintf(stop, len, "stopped at --max-reps %llu: half-width of the paired difference of %s "
                     "(%s, %s) %.4g > %g", (unsigned long long)o->max_reps, kpi, gi.port,
                     kou_direction_name(gi.direction), shown_h, o->halfwidth);
            return 0;
        }
        target = target + o->reps < o->max_reps ? target + o->reps : o->max_reps;
    }
}

/* The verdict of alternative a on target t (0: -1/3, 1: -1/2) in group
** g: "no difference" when the overall mean's paired difference rounds to
** 0.00 h in every replication and so does its whole interval (an
** untouched port), else from the interval of the % change. */
static kou_verdict verdict(const cmp *c, size_t a, size_t g, int t)
{
    double *x = koui_malloc(2 * c->nrep * sizeof *x), *b = x + c->nrep;
    for (size_t r = 0; r < c->nrep; r++) {
        x[r] = val(c, r, a, g, KOU_KPI_OVERALL_MEAN);
        b[r] = val(c, r, 0, g, KOU_KPI_OVERALL_MEAN);
    }
    bool same = kou_paired_same(x, b, c->nrep, ROUNDING);
    free(x);
    stat3 s = stats(c, a, g, KOU_KPI_OVERALL_MEAN);
    if (same && (isnan(s.diff.half) || fmax(fabs(s.diff.lo), fabs(s.diff.hi)) < ROUNDING))
        return KOU_VERDICT_NO_DIFFERENCE;
    return kou_paired_verdict(s.pct, targets[t]);
}

/* The paired difference of the overall mean in hours beside its % change:
** "-26.50 h (-28.1 %)" (no -0.00). */
static const char *hours_pct(stat3 s, kou_lang lang, char *buf, size_t n)
{
    double h = fabs(s.diff.mean) < 0.005 ? 0.0 : s.diff.mean, p = fabs(s.pct.mean) < 0.05 ? 0.0 : s.pct.mean;
    const char *hours = kou_lang_name(lang, "h");
    if (isnan(s.diff.mean))
        snprintf(buf, n, "-");
    else if (isnan(s.pct.mean))
        snprintf(buf, n, "%+.2f %s", h, hours);
    else
        snprintf(buf, n, "%+.2f %s (%+.1f %%)", h, hours, p);
    return buf;
}

/* ---- the table ---- */

/* "mean ± half" (signed: "+" or "-" always, and no "-0.00"). */
static void cell(char *buf, size_t n, double mean, double half, double scale, const char *suffix, bool sign)
{
    double v = mean * scale; /* zero up to the two decimals shown: 0.00, never -0.00 */
    if (fabs(v) < 0.005)
        v = 0.0;
    if (isnan(mean))
        snprintf(buf, n, "-");
    else if (isnan(half))
        snprintf(buf, n, sign ? "%+.2f%s" : "%.2f%s", v, suffix);
    else
        snprintf(buf, n, sign ? "%+.2f ± %.2f%s" : "%.2f ± %.2f%s", v, half * scale, suffix);
}

#define W 22 /* a value column */
#define NAME_W 26 /* the metric column */

/* One metric: the means, then the paired differences and % changes. */
static void print_metric(const cmp *c, FILE *out, size_t g, kou_kpi_metric metric)
{
    kou_lang lang = (kou_lang)c->o->lang;
    size_t m = (size_t)metric;
    double scale;
    const char *unit = kou_kpi_metric_unit(metric, &scale);
    char name[96], buf[96];
    snprintf(name, sizeof name, "%s (%s)", kou_lang_name(lang, kou_kpi_metric_name(metric)),
             kou_lang_name(lang, unit));
    kou_put_left(out, name, NAME_W);
    stat3 s[MAX_ALTS];
    for (size_t a = 0; a < c->nalt; a++) {
        s[a] = stats(c, a, g, m);
        cell(buf, sizeof buf, s[a].mean.mean, s[a].mean.half, scale, "", false);
        kou_put_right(out, buf, W);
    }
    snprintf(name, sizeof name, "  %s", kou_word_in(lang, KOU_W_VS_BASELINE));
    fputc('\n', out);
    kou_put_left(out, name, NAME_W);
    fprintf(out, "%*s", W, "");
    for (size_t a = 1; a < c->nalt; a++) {
        cell(buf, sizeof buf, s[a].diff.mean, s[a].diff.half, scale, "", true);
        kou_put_right(out, buf, W);
    }
    snprintf(name, sizeof name, "  %s", kou_word_in(lang, KOU_W_PCT_CHANGE));
    fputc('\n', out);
    kou_put_left(out, name, NAME_W);
    fprintf(out, "%*s", W, "");
    for (size_t a = 1; a < c->nalt; a++) {
        cell(buf, sizeof buf, s[a].pct.mean, s[a].pct.half, 1.0, " %", true);
        kou_put_right(out, buf, W);
    }
    fputc('\n', out);
}

/* The group's name as its header shows it, in the table's language. */
static void group_name(const cmp *c, const kou_kpi_group *grp, char *buf, size_t n)
{
    kou_lang lang = (kou_lang)c->o->lang;
    kou_cmpg_name_in(grp, lang, kou_lang_port(lang, grp->port, port_zh(c, grp)), buf, n);
}

static void print_group(const cmp *c, FILE *out, size_t g)
{
    kou_lang lang = (kou_lang)c->o->lang;
    char buf[64];
    kou_kpi_group grp = kou_kpi_group_info(c->proto, g);
    char name[KOU_CMPG_NAME_MAX];
    group_name(c, &grp, name, sizeof name);
    fprintf(out, "\n== %s ==\n", name);
    kou_put_left(out, kou_word_in(lang, KOU_W_METRIC), NAME_W);
    for (size_t a = 0; a < c->nalt; a++)
        kou_put_right(out, kou_portset_get(c->ps, a)->label, W);
    fputc('\n', out);
    for (size_t k = 0; k < kou_ctab_nmetrics; k++)
        print_metric(c, out, g, kou_ctab_metrics[k]);
    for (int t = 0; t < 2; t++) {
        fprintf(out, "%s %s %s %s:", kou_word_in(lang, KOU_W_TARGET), target_names[t],
                kou_word_in(lang, KOU_W_BASELINE_OF_TITLE), kou_portset_get(c->ps, 0)->label);
        for (size_t a = 1; a < c->nalt; a++) {
            stat3 s = stats(c, a, g, KOU_KPI_OVERALL_MEAN);
            kou_verdict v = verdict(c, a, g, t);
            fprintf(out, "  %s %s%s", kou_portset_get(c->ps, a)->label, kou_lang_name(lang, kou_verdict_name(v)),
                    v == KOU_VERDICT_MET ? kou_word_in(lang, KOU_W_CONFIDENCE) : "");
            if (v != KOU_VERDICT_NO_DIFFERENCE)
                fprintf(out, ": %s", hours_pct(s, lang, buf, sizeof buf));
        }
        fputc('\n', out);
    }
}

static void print_table(const cmp *c, FILE *out, const char *stop_line)
{
    const copts *o = c->o;
    kou_lang lang = (kou_lang)o->lang;
    fprintf(out, "kouan compare: %zu%s%s; %zu%s%llu-%llu%s\n", c->nalt, kou_word_in(lang, KOU_W_ALTERNATIVES),
            kou_portset_get(c->ps, 0)->label, c->nrep, kou_word_in(lang, KOU_W_REPS_SEEDS),
            (unsigned long long)o->seed, (unsigned long long)(o->seed + c->ntaken - 1),
            kou_word_in(lang, o->independent ? KOU_W_INDEPENDENT : KOU_W_CRN));
    if (c->nfailed > 0 && lang == KOU_LANG_EN)
        fprintf(out, "left out: replication%s %s, failed on some alternative (%zu of %zu run)\n",
                c->nfailed == 1 ? "" : "s", c->failed_list, c->nfailed, c->ntaken);
    else if (c->nfailed > 0)
        fprintf(out, "%s%s (%zu / %zu)\n", kou_word_in(lang, KOU_W_LEFT_OUT), c->failed_list, c->nfailed, c->ntaken);
    if (stop_line)
        fprintf(out, "%s\n", stop_line);
    fputs(kou_word_in(lang, KOU_W_LEGEND), out);
    for (size_t gi = 0; gi < c->ngroup; gi++)
        if (c->keep[gi])
            print_group(c, out, c->order[gi]);
}

/* ---- the long CSV ---- */

static void csv_num(FILE *f, double v)
{
    fputc(',', f);
    kou_csv_number(f, v);
}

/* The rows of one group: one per metric and alternative. */
static void csv_group(const cmp *c, FILE *f, size_t g)
{
    kou_kpi_group grp = kou_kpi_group_info(c->proto, g);
    for (size_t m = 0; m < M; m++)
        for (size_t a = 0; a < c->nalt; a++) {
            double scale;
            const char *unit = kou_kpi_metric_unit((kou_kpi_metric)m, &scale);
            stat3 s = stats(c, a, g, m);
            kou_csv_field(f, grp.port);
            if (c->o->lang != KOU_LANG_EN) {
                fputc(',', f);
                kou_csv_field(f, kou_lang_port((kou_lang)c->o->lang, grp.port, port_zh(c, &grp)));
            }
            fprintf(f, ",%s,%s,%s,%s,", kou_group_mode_name(grp.mode), kou_direction_name(grp.direction),
                    kou_kpi_metric_name((kou_kpi_metric)m), unit);
            kou_csv_field(f, kou_portset_get(c->ps, a)->label);
            csv_num(f, s.mean.mean * scale);
            csv_num(f, s.mean.half * scale);
            csv_num(f, a ? s.diff.mean * scale : NAN);
            csv_num(f, a ? s.diff.half * scale : NAN);
            csv_num(f, a ? s.pct.mean : NAN);
            csv_num(f, a ? s.pct.half : NAN);
            fprintf(f, ",%zu", s.mean.n);
            for (size_t r = 0; r < c->nrep; r++)
                csv_num(f, val(c, r, a, g, m) * scale);
            fputs("\r\n", f);
        }
}

/* One row per (group, metric, alternative); shares in % as in the table. */
static int write_csv_long(const cmp *c)
{
    FILE *f = fopen(c->o->csv_long, "wb");
    if (f == NULL) {
        fprintf(stderr, "kouan: %s: cannot write: %s\n", c->o->csv_long, strerror(errno));
        return 1;
    }
    if (c->o->bom)
        fputs("\xEF\xBB\xBF", f);
    fputs(c->o->lang != KOU_LANG_EN ? "port,port_zh," : "port,", f); /* port_zh: the name --lang zh shows */
    fputs("mode,direction,metric,unit,alternative,mean,half_width,diff_mean,diff_half_width,"
          "pct_change,pct_change_half_width,replications", f);
    for (size_t r = 0; r < c->nrep; r++)
        fprintf(f, ",rep_%zu", c->repno[r] + 1);
    fputs("\r\n", f);
    for (size_t gi = 0; gi < c->ngroup; gi++)
        csv_group(c, f, c->order[gi]);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "kouan: %s: cannot write: %s\n", c->o->csv_long, strerror(errno));
        return 1;
    }
    return 0;
}

/* ---- the compare file, the wide CSV, the .xlsx ---- */

/* The compare file's name: -o, or results/compare-SCENARIO-ERAS-sSEED.h5
** (the next free -2, -3, ... when taken, as run files). 0, or 2 when -o
** names an existing file (without --force), 1 when results/ cannot be made. */
static int output_path(const cmp *c, char *path, size_t len)
{
    const copts *o = c->o;
    if (o->output) {
        if (!o->force && access(o->output, F_OK) == 0)
            return kou_usage_error("compare", "%s exists: refusing to overwrite it; --force overwrites it, "
                                              "-o FILE writes another file, --no-output none", o->output);
        snprintf(path, len, "%s", o->output);
        return 0;
    }
    char stem[256] = "compare", name[300], err[300];
    size_t used = strlen(stem);
    for (size_t i = 0; i < o->nscripts; i++) {
        const char *base = strrchr(o->scripts[i], '/');
        base = base ? base + 1 : o->scripts[i];
        used += (size_t)snprintf(stem + used, used < sizeof stem ? sizeof stem - used : 0, "-%.*s",
                                 (int)strcspn(base, "."), base);
        if (used >= sizeof stem)
            break;
    }
    const char *const *eras = o->nfile_eras ? o->alt_eras : o->eras;
    size_t neras = o->nfile_eras ? o->nscripts : o->era_list.n;
    for (size_t i = 0; i < neras && used < sizeof stem; i++)
        if (eras[i])
            used += (size_t)snprintf(stem + used, sizeof stem - used, "-%s", eras[i]);
    for (char *p = stem; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    snprintf(name, sizeof name, "%.200s-s%llu%s", stem, (unsigned long long)o->seed, o->independent ? "-indep" : "");
    if (kou_results_path(path, len, name, o->force, err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    return 0;
}

/* The arrays of the compare file (io/h5compare.h), in display order. */
typedef struct h5_arrays {
    const char *alts[MAX_ALTS], *metrics[M];
    const char **gport, **gport_zh;
    int32_t *gmode, *gdir;
    double *values, *mean, *half, *dm, *dh, *pm, *ph;
    int8_t *verdicts;      /* [2][a][g]: -1/3, then -1/2 */
    uint64_t *seeds;       /* [a][r] */
} h5_arrays;

static void fill_group(const cmp *c, h5_arrays *h, size_t gi)
{
    size_t A = c->nalt, R = c->nrep, G = c->ngroup, g = c->order[gi];
    kou_kpi_group grp = kou_kpi_group_info(c->proto, g);
    h->gport[gi] = grp.port;
    h->gport_zh[gi] = kou_lang_port(KOU_LANG_ZH, grp.port, port_zh(c, &grp));
    h->gmode[gi] = grp.mode;
    h->gdir[gi] = grp.direction;
    for (size_t a = 0; a < A; a++) {
        for (size_t m = 0; m < M; m++) {
            stat3 s = stats(c, a, g, m);
            size_t i = (a * G + gi) * M + m;
            h->mean[i] = s.mean.mean;
            h->half[i] = s.mean.half;
            h->dm[i] = a ? s.diff.mean : NAN;
            h->dh[i] = a ? s.diff.half : NAN;
            h->pm[i] = a ? s.pct.mean : NAN;
            h->ph[i] = a ? s.pct.half : NAN;
            for (size_t r = 0; r < R; r++)
                h->values[((a * R + r) * G + gi) * M + m] = val(c, r, a, g, m);
        }
        for (int t = 0; t < 2; t++)
            h->verdicts[(size_t)t * A * G + a * G + gi] = (int8_t)(a ? verdict(c, a, g, t) : KOU_VERDICT_UNDECIDED);
    }
}

static void fill_arrays(const cmp *c, h5_arrays *h)
{
    size_t A = c->nalt, R = c->nrep, G = c->ngroup, GM = G * M;
    for (size_t a = 0; a < A; a++)
        h->alts[a] = kou_portset_get(c->ps, a)->label;
    for (size_t m = 0; m < M; m++)
        h->metrics[m] = kou_kpi_metric_name((kou_kpi_metric)m);
    h->gport = koui_malloc(2 * G * sizeof *h->gport);
    h->gport_zh = h->gport + G;
    h->gmode = koui_malloc(2 * G * sizeof *h->gmode);
    h->gdir = h->gmode + G;
    h->values = koui_malloc((A * R * GM + 6 * A * GM) * sizeof *h->values);
    h->mean = h->values + A * R * GM;
    h->half = h->mean + A * GM;
    h->dm = h->half + A * GM;
    h->dh = h->dm + A * GM;
    h->pm = h->dh + A * GM;
    h->ph = h->pm + A * GM;
    h->verdicts = koui_malloc(2 * A * G);
    h->seeds = koui_malloc(A * R * sizeof *h->seeds);
    for (size_t gi = 0; gi < G; gi++)
        fill_group(c, h, gi);
    for (size_t a = 0; a < A; a++)
        for (size_t r = 0; r < R; r++)
            h->seeds[a * R + r] = c->seeds[r * A + a];
}

/* What the compare file, the wide CSV and the .xlsx are made of: the
** arrays and the provenance, once. */
typedef struct summary {
    h5_arrays h;
    kou_h5c_data d;
    char *cmd, *scen, when[32];
    const char *sn[9], *sv[9], *nn[3];
    double nv[3];
} summary;

static void summary_make(const cmp *c, const char *stop_line, int argc, char **argv, summary *s)
{
    fill_arrays(c, &s->h);
    size_t A = c->nalt, G = c->ngroup;
    size_t len;
    s->cmd = kou_command_line(argc, argv);
    s->scen = NULL;
    FILE *m = open_memstream(&s->scen, &len);
    for (size_t a = 0; m && a < A; a++)
        fprintf(m, "%s%s", a ? "\n" : "", kou_portset_get(c->ps, a)->script);
    if (m)
        fclose(m);
    kou_utc_now(s->when);
    const char *sn[] = {"command_line", "scenarios", "kpi", "stopping", "crn", "kouan_version", "commit",
                        "end_time_utc", "failed_replications"};
    const char *sv[] = {s->cmd ? s->cmd : "", s->scen ? s->scen : "", kou_kpi_metric_name((kou_kpi_metric)c->o->kpi),
                        stop_line ? stop_line : "",
                        c->o->independent ? "independent: seed + r + a*2^32" : "common: seed + r",
                        KOUAN_VERSION, KOUAN_GIT_COMMIT, s->when, c->failed_list};
    const char *nn[] = {"seed", "replications", "until_halfwidth"};
    double nv[] = {(double)c->o->seed, (double)c->nrep, c->o->halfwidth > 0 ? c->o->halfwidth : NAN};
    memcpy(s->sn, sn, sizeof sn);
    memcpy(s->sv, sv, sizeof sv);
    memcpy(s->nn, nn, sizeof nn);
    memcpy(s->nv, nv, sizeof nv);
    h5_arrays *h = &s->h;
    s->d = (kou_h5c_data){.nalt = A, .nrep = c->nrep, .ngroup = G, .nmetric = M, .alternatives = h->alts,
                          .group_port = h->gport, .group_port_zh = h->gport_zh, .group_mode = h->gmode, .group_direction = h->gdir,
                          .metrics = h->metrics, .seeds = h->seeds, .values = h->values, .mean = h->mean,
                          .half = h->half, .diff_mean = h->dm, .diff_half = h->dh, .pct_mean = h->pm,
                          .pct_half = h->ph, .verdict_third = h->verdicts, .verdict_half = h->verdicts + A * G,
                          .nattr_str = sizeof sn / sizeof *sn - (c->nfailed == 0), .attr_str_name = s->sn,
                          .attr_str_value = s->sv, .nattr_num = 3, .attr_num_name = s->nn, .attr_num_value = s->nv};
}

static void summary_free(summary *s)
{
    free(s->cmd);
    free(s->scen);
    free(s->h.gport);
    free(s->h.gmode);
    free(s->h.values);
    free(s->h.verdicts);
    free(s->h.seeds);
}

static int write_h5(const cmp *c, const char *path, const summary *s)
{
    char err[700];
    bool exists;
    int rc = kou_h5c_write(path, c->o->force, &s->d, &exists, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "kouan: %s\n", err);
    else if (!c->o->quiet) {
        char size[32];
        kou_file_size_text(path, size, sizeof size);
        fprintf(stderr, "kouan: compare file %s (%s)\n", path, size);
    }
    return rc ? 1 : 0;
}

#define PROV_ROWS (3 * MAX_ALTS + 9)

/* The provenance sheet's rows: (item, value) pairs, a text or a number:
** each alternative's label, scenario file and era, then the run's seed,
** replications, random numbers, stopping, failures, version, command. */
static size_t provenance(const cmp *c, const summary *s, kou_xlsx_cell *cells)
{
    kou_lang lang = (kou_lang)c->o->lang;
    size_t n = 0;
#define ROW(word, txt, num) (cells[2 * n] = (kou_xlsx_cell){kou_word_in(lang, word), NAN}, \
                             cells[2 * n + 1] = (kou_xlsx_cell){txt, num}, n++)
    for (size_t a = 0; a < c->nalt; a++) {
        const kou_portset_alt *alt = kou_portset_get(c->ps, a);
        ROW(KOU_W_ALTERNATIVE, alt->label, NAN);
        ROW(KOU_W_SCENARIO_FILES, alt->script, NAN);
        ROW(KOU_W_ERAS, alt->era ? alt->era : "", NAN);
    }
    ROW(KOU_W_SEED, NULL, (double)c->o->seed);
    ROW(KOU_W_REPLICATIONS, NULL, (double)c->nrep);
    ROW(KOU_W_RANDOM_NUMBERS, s->sv[4], NAN);
    if (s->sv[3][0])
        ROW(KOU_W_STOPPING, s->sv[3], NAN);
    if (c->nfailed)
        ROW(KOU_W_FAILED, c->failed_list, NAN);
    ROW(KOU_W_VERSION, KOUAN_VERSION, NAN);
    ROW(KOU_W_COMMIT, KOUAN_GIT_COMMIT, NAN);
    ROW(KOU_W_COMMAND_LINE, s->sv[0], NAN);
    ROW(KOU_W_FINISHED, s->when, NAN);
#undef ROW
    return n;
}

/* The wide table (sheet 1) and the provenance (sheet 2) as .xlsx. */
static int write_xlsx(const cmp *c, const summary *s, const kou_ctab *t)
{
    kou_lang lang = (kou_lang)c->o->lang;
    kou_xlsx_cell cells[2 * PROV_ROWS];
    size_t nprov = provenance(c, s, cells);
    const char *prov_head[2] = {kou_word_in(lang, KOU_W_ITEM), kou_word_in(lang, KOU_W_VALUE)};
    const char *prov_fmt[2] = {NULL, "0"};
    const double prov_w[2] = {22, 80};
    kou_xlsx_sheet sheets[2] = {
        {.name = kou_word_in(lang, KOU_W_SHEET_COMPARISON), .ncol = t->ncol, .nrow = t->nrow, .headers = t->headers,
         .formats = t->formats, .widths = t->widths, .cells = t->cells},
        {.name = kou_word_in(lang, KOU_W_SHEET_PROVENANCE), .ncol = 2, .nrow = nprov, .headers = prov_head,
         .formats = prov_fmt, .widths = prov_w, .cells = cells},
    };
    char err[MAX_PATH + 200];
    /* created: a fixed time (2000-01-01), so that the same comparison gives the same bytes; the
    ** provenance sheet says when it finished */
    int rc = kou_xlsx_write(c->o->xlsx, sheets, 2, (time_t)946684800, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    if (!c->o->quiet)
        fprintf(stderr, "kouan: workbook %s\n", c->o->xlsx);
    return 0;
}

/* The wide table as CSV and .xlsx. */
static int write_wide(const cmp *c, const summary *s)
{
    kou_ctab *t = kou_ctab_new(&s->d, (kou_lang)c->o->lang);
    int code = 0;
    char err[MAX_PATH + 200];
    if (c->o->csv && kou_ctab_write_csv(t, c->o->csv, c->o->bom, err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s\n", err);
        code = 1;
    }
    if (code == 0 && c->o->xlsx)
        code = write_xlsx(c, s, t);
    kou_ctab_free(t);
    return code;
}

/* ---- the command ---- */

static void make_request(const copts *o, kou_portset_request *rq)
{
    kou_portset_request_default(rq);
    rq->scripts = o->scripts;
    rq->nscripts = o->nscripts;
    rq->eras = o->nfile_eras ? o->alt_eras : o->eras;
    rq->neras = o->nfile_eras ? o->nscripts : o->era_list.n;
    rq->labels = o->labels;
    rq->nlabels = o->label_list.n;
    rq->set_key = o->set_key;
    rq->set_value = o->set_value;
    rq->nset = o->sets.n;
    rq->until = o->until;
    rq->seed = o->seed;
}

/* --uncertainty: the experiment of cmd/uncertainty.h. */
static int uncertainty(const copts *o, int argc, char **argv)
{
    kou_portset_request rq;
    make_request(o, &rq);
    kou_unc_request q = {.command = "compare", .rq = &rq, .draws = o->uncertainty, .reps = o->reps_given ? o->reps : 2,
                         .threads = o->jobs, .output = o->output, .no_output = o->no_output, .force = o->force,
                         .quiet = o->quiet, .csv = o->csv, .plot = o->plot, .xlsx = o->xlsx, .bom = o->bom,
                         .lang = (kou_lang)o->lang, .argc = argc, .argv = argv};
    return kou_unc_command(&q);
}

static kou_portset *load(const copts *o, int *code)
{
    kou_portset_request rq;
    make_request(o, &rq);
    return kou_portset_new(&rq, code);
}

/* The baseline's groups, their display order, and each alternative's own
** group for each of them. */
static void map_groups(cmp *c)
{
    c->proto = kou_kpi_new(kou_portset_get(c->ps, 0)->cfg);
    c->ngroup = kou_kpi_groups(c->proto);
    c->order = koui_malloc((c->ngroup ? c->ngroup : 1) * sizeof *c->order);
    c->map = koui_malloc((c->nalt * c->ngroup > 0 ? c->nalt * c->ngroup : 1) * sizeof *c->map);
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t g = 0; g < c->ngroup; g++)
            if ((kou_kpi_group_info(c->proto, g).port_index < 0) == (pass == 0))
                c->order[k++] = g;
    for (size_t a = 0; a < c->nalt; a++) {
        kou_kpi *ka = kou_kpi_new(kou_portset_get(c->ps, a)->cfg);
        for (size_t g = 0; g < c->ngroup; g++) {
            kou_kpi_group gb = kou_kpi_group_info(c->proto, g);
            c->map[a * c->ngroup + g] = -1;
            for (size_t j = 0; j < kou_kpi_groups(ka); j++) {
                kou_kpi_group gj = kou_kpi_group_info(ka, j);
                if (gj.mode == gb.mode && gj.direction == gb.direction && strcmp(gj.port, gb.port) == 0)
                    c->map[a * c->ngroup + g] = (int)j;
            }
        }
        kou_kpi_free(ka);
    }
}

/* After the runs, when some replications failed: how many, which were
** left out, and a failed process's own report. The exit status: 0 when
** none failed, else 1 (or the process report's). */
static int after_failures(cmp *c)
{
    if (c->nfailed == 0)
        return 0;
    if (c->nrep == 0)
        fprintf(stderr, "kouan compare: every replication failed on some alternative: no table, CSV or compare "
                "file written\n");
    else
        fprintf(stderr, "kouan compare: %zu of %zu replications failed on some alternative (replication%s %s): left "
                "out of the table and the files, which hold the other %zu\n", c->nfailed, c->ntaken,
                c->nfailed == 1 ? "" : "s", c->failed_list, c->nrep);
    if (kou_portset_process_failed(c->ps)) /* the earliest failed process's report, with its traceback */
        return kou_portset_report_process_error(c->ps);
    return 1;
}

/* The table, the CSV, the compare file, the chart. */
static int outputs(const cmp *c, const char *path, const char *stop, int argc, char **argv)
{
    const copts *o = c->o;
    int code = 0;
    if (!o->quiet)
        print_table(c, stdout, stop[0] ? stop : NULL);
    else if (stop[0])
        fprintf(stderr, "kouan: %s\n", stop);
    if (o->csv_long)
        code = write_csv_long(c);
    summary s;
    summary_make(c, stop[0] ? stop : NULL, argc, argv, &s);
    if (code == 0)
        code = write_wide(c, &s);
    if (code == 0 && !o->no_output)
        code = write_h5(c, path, &s);
    summary_free(&s);
    if (code == 0 && o->plot)
        code = kou_plot_file_lang(kou_portset_root(), path, o->plot, kou_lang_names[o->lang]);
    return code;
}

int kou_cmd_compare(int argc, char **argv)
{
    copts *o = koui_malloc(sizeof *o);
    defaults(o);
    int code = parse(o, argc - 2, argv + 2);
    if (code < 0 && o->uncertainty) {
        code = uncertainty(o, argc, argv);
        free(o);
        return code;
    }
    kou_portset *ps = code < 0 ? load(o, &code) : NULL;
    if (ps == NULL) {
        free(o);
        return code;
    }
    cmp c = {.o = o, .ps = ps, .nalt = kou_portset_count(ps)};
    map_groups(&c);
    c.keep = koui_malloc((c.ngroup ? c.ngroup : 1) * sizeof *c.keep);
    const char **ports_zh = koui_malloc((c.ngroup ? c.ngroup : 1) * sizeof *ports_zh); /* --group matches these too */
    for (size_t i = 0; i < c.ngroup; i++) {
        kou_kpi_group gi = kou_kpi_group_info(c.proto, c.order[i]);
        ports_zh[i] = kou_lang_port(KOU_LANG_ZH, gi.port, port_zh(&c, &gi));
    }
    code = kou_cmpg_select(c.proto, c.order, c.ngroup, ports_zh, (kou_lang)o->lang, o->groups, o->group_list.n,
                           c.keep);
    free(ports_zh);
    code = code < 0 ? 0 : code;
    kou_rep_sink sinks[2] = {kou_portset_process_sink(ps), {.ctx = &c, .end = keep_values}};
    kou_rep_config rc = {.threads = o->jobs ? (int)o->jobs : 1, .watch_stop = true, .sinks = sinks, .nsinks = 2};
    char path[1024] = "", stop[400] = "", err[KOU_EXP_ERROR_LEN];
    c.rp = code == 0 ? kou_replicator_new(&rc, err, sizeof err) : NULL;
    if (code == 0 && c.rp == NULL) {
        fprintf(stderr, "kouan: compare: %s\n", err);
        code = 1;
    }
    if (code == 0 && !o->no_output)
        code = output_path(&c, path, sizeof path);
    kou_rep_traps traps;
    if (code == 0) {
        kou_rep_trap_signals(&traps);
        code = run_all(&c, stop, sizeof stop);
        kou_rep_untrap_signals(&traps);
    }
    kou_portset_warn_discarded(ps, 0);
    int failed = code == 0 ? after_failures(&c) : 0;
    if (code == 130)
        fprintf(stderr, "kouan compare: interrupted (signal %d) after %zu replications: no table, CSV or "
                "compare file written\n", kou_rep_stop_signal(), c.ntaken);
    if (code == 0 && c.nrep == 0)
        code = failed;
    if (code == 0)
        code = outputs(&c, path, stop, argc - 2, argv + 2);
    if (code == 0)
        code = failed;
    if (fflush(stdout) != 0 && code == 0) {
        fprintf(stderr, "kouan: cannot write the output: %s\n", strerror(errno));
        code = 1;
    }
    kou_replicator_free(c.rp);
    kou_kpi_free(c.proto);
    free(c.order);
    free(c.keep);
    free(c.map);
    free(c.vals);
    free(c.seeds);
    free(c.repno);
    kou_portset_free(ps);
    free(o);
    return code;
}
