/*
** report.c — `kouan report RUN.h5`: from a run file alone (io/h5read.h),
** the KPI table the run printed (a warning first if the run was
** interrupted), a CSV with one row per group and metric, a chart
** (plot.h). The file is read first in a child process: a damaged file may
** crash the HDF5 library itself.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "model/params.h"
#include "cmd/opt.h"
#include "cmd/plot.h"
#include "cmd/procrun.h"
#include "cmd/uncertainty.h"
#include "io/h5process.h"
#include "io/h5read.h"
#include "io/h5uncertainty.h"
#include "lua/portset.h"
#include "model/kpi.h"

typedef struct report_opts {
    const char *file, *csv, *plot;
    size_t nfile;
    bool bom, quiet, force;
} report_opts;

static size_t options(report_opts *o, kou_opt *t)
{
    const kou_opt opts[] = {
        {"--csv", NULL, KOU_OPT_CHECKED, &o->csv, .check = kou_output_name, .what = KOU_OUTPUT_WHAT, .metavar = "OUT.csv",
         .help = "one row per group and metric (UTF-8)"},
        {"--bom", NULL, KOU_OPT_FLAG, &o->bom, .help = "with --csv: a byte-order mark first (for Excel)"},
        {"--plot", NULL, KOU_OPT_CHECKED, &o->plot, .what = "a file name ending in .png or .svg, in an existing folder",
         .check = kou_plot_name, .metavar = "OUT.png|OUT.svg",
         .help = "the clearance times and the three clocks per port,\ndrawn by scripts/kouan_plot.py "
                 "(matplotlib, run by\n/usr/bin/python3 or $KOUAN_PYTHON)"},
        {"--quiet", NULL, KOU_OPT_FLAG, &o->quiet, .help = "no table"},
        {"--force", NULL, KOU_OPT_FLAG, &o->force, .help = "overwrite an existing --csv or --plot file"},
        {"--help", "-h", KOU_OPT_HELP, NULL, .help = "this help"},
    };
    memcpy(t, opts, sizeof opts);
    return sizeof opts / sizeof *opts;
}

void kou_cmd_report_help(FILE *out)
{
    report_opts o;
    kou_opt t[8];
    fputs("usage: kouan report RUN.h5 [--csv OUT.csv [--bom]] [--plot OUT.png|OUT.svg] [--force]\n"
          "                    [--quiet]\n"
          "\n"
          "From a run file alone, prints the KPI table the run printed (a warning first\n"
          "if the run was interrupted). From an uncertainty file (--uncertainty N of\n"
          "run or compare, docs/uncertainty.md), prints that command's table: the\n"
          "bands, the target probabilities, the priors ranked; --plot draws the bands.\n"          "From a process-style run's file (kouan run --reps of a scenario written\n"
          "with processes), prints each statistic of its resources, containers, stores\n"
          "and monitors with its 95 % interval over the replications.\n"
          "\n"
          "options:\n", out);
    kou_opt_help(out, t, options(&o, t));
    fputs("\nexit status: 0 success, 1 the file or an output could not be used, 2 bad\ncommand line\n", out);
}

/* The row of the file's group table that the summary took for group gi:
** the last one with its key. */
static size_t file_row(const kou_h5_summary *h, kou_kpi_group gi)
{
    size_t row = 0;
    for (size_t j = 0; j < h->ngroups; j++) {
        const kou_kpi_group *g = &h->groups[j];
        if (g->port_index == gi.port_index && g->mode == gi.mode && g->direction == gi.direction &&
            strcmp(g->port, gi.port) == 0)
            row = j;
    }
    return row;
}

/* The rows of one group: port, mode, direction, metric, unit, mean,
** half_width, replications (defined), then the value of each
** replication; shares in % as in the table; empty = undefined. */
static void csv_group(FILE *f, const kou_h5_summary *h, const kou_kpi_summary *sum, size_t g)
{
    kou_kpi_group gi = kou_kpi_summary_group(sum, g);
    size_t row = file_row(h, gi);
    for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++) {
        double scale;
        const char *unit = kou_kpi_metric_unit((kou_kpi_metric)m, &scale);
        kou_kpi_value v = kou_kpi_summary_get(sum, g, (kou_kpi_metric)m);
        kou_csv_field(f, gi.port);
        fprintf(f, ",%s,%s,%s,%s,", kou_group_mode_name(gi.mode), kou_direction_name(gi.direction),
                kou_kpi_metric_name((kou_kpi_metric)m), unit);
        kou_csv_number(f, v.mean * scale);
        fputc(',', f);
        kou_csv_number(f, v.half * scale);
        fprintf(f, ",%zu", v.n);
        for (size_t r = 0; r < h->replications; r++) {
            fputc(',', f);
            kou_csv_number(f, h->group_values[(r * h->ngroups + row) * KOU_KPI_METRIC_COUNT + (size_t)m] * scale);
        }
        fputs("\r\n", f);
    }
}

static int write_csv(const kou_h5_summary *h, const kou_kpi_summary *sum, const report_opts *o)
{
    FILE *f = fopen(o->csv, "wb");
    if (f == NULL) {
        fprintf(stderr, "kouan: %s: cannot write: %s\n", o->csv, strerror(errno));
        return 1;
    }
    if (o->bom)
        fputs("\xEF\xBB\xBF", f);
    fputs("port,mode,direction,metric,unit,mean,half_width,replications", f);
    for (size_t r = 0; r < h->replications; r++)
        fprintf(f, ",rep_%zu", r + 1);
    fputs("\r\n", f);
    for (size_t g = 0; g < kou_kpi_summary_groups(sum); g++)
        csv_group(f, h, sum, g);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "kouan: %s: cannot write: %s\n", o->csv, strerror(errno));
        return 1;
    }
    return 0;
}

/* -1 to go on, else the exit status. */
static int parse(report_opts *o, int argc, char **argv)
{
    kou_opt t[8];
    kou_opt_spec spec = {.command = "report", .opts = t, .nopts = options(o, t), .positional = "run file",
                         .min_pos = 1, .max_pos = 1, .pos = &o->file, .npos = &o->nfile,
                         .help = kou_cmd_report_help};
    int code = kou_opt_parse(&spec, argc, argv);
    if (code < 0 && o->bom && o->csv == NULL)
        return kou_usage_error("report", "--bom: only with --csv");
    if (code < 0 && (kou_refuse_overwrite("report", "--csv", o->csv, o->force) != 0 ||
                     kou_refuse_overwrite("report", "--plot", o->plot, o->force) != 0))
        return 2;
    return code;
}

/* The file's summary, checked first in a child; NULL after the message. */
static kou_h5_summary *read_file(const char *file)
{
    char err[512];
    kou_h5_summary *h = NULL;
    bool complete;
    kou_status st = kou_h5_check_summary(file, &complete, err, sizeof err);
    if (st == KOU_OK)
        st = kou_h5_read_summary(file, &h, &complete, err, sizeof err);
    if (!complete)
        fprintf(stderr, "kouan: %s: warning: this run was interrupted: the file holds only what was written "
                        "before it stopped\n", file);
    if (st != KOU_OK) {
        fprintf(stderr, "kouan: %s: %s\n", file, err);
        return NULL;
    }
    return h;
}

/* An uncertainty file (io/h5uncertainty.h): the table of the command that
** wrote it, and the chart. */
static int report_uncertainty(const report_opts *o)
{
    if (o->csv)
        return kou_usage_error("report", "--csv: not for an uncertainty file (its command's --csv writes the "
                               "draws)");
    kou_unc_data u;
    char *title, err[800];
    if (kou_h5u_read(o->file, &u, &title, err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s: %s\n", o->file, err);
        return 1;
    }
    if (!o->quiet)
        kou_unc_print(&u, stdout, title, KOU_LANG_EN);
    kou_unc_data_free(&u);
    free(title);
    int code = 0;
    if (fflush(stdout) != 0) {
        fprintf(stderr, "kouan: cannot write the output: %s\n", strerror(errno));
        code = 1;
    }
    if (code == 0 && o->plot)
        code = kou_plot_file(kou_portset_root(), o->file, o->plot);
    return code;
}

/* A process-style run's file (io/h5process.h): its table. */
static int report_process_run(const report_opts *o)
{
    if (o->csv || o->plot)
        return kou_usage_error("report", "%s: not for a process-style run's file (h5py reads its series: "
                               "docs/hdf5-schema.md)", o->csv ? "--csv" : "--plot");
    char err[800];
    kou_prun *p = kou_h5p_read(o->file, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "kouan: %s: %s\n", o->file, err);
        return 1;
    }
    if (!p->complete)
        fprintf(stderr, "kouan: %s: warning: this run did not complete\n", o->file);
    int code = 0;
    if (!o->quiet && (kou_procrun_print(p, stdout) != 0 || fflush(stdout) != 0)) {
        fprintf(stderr, "kouan: cannot write the output: %s\n", strerror(errno));
        code = 1;
    }
    kou_prun_free(p);
    return code;
}

int kou_cmd_report(int argc, char **argv)
{
    report_opts o = {0};
    int code = parse(&o, argc - 2, argv + 2);
    if (code >= 0)
        return code;
    if (kou_h5u_is(o.file))
        return report_uncertainty(&o);
    if (kou_h5p_is(o.file))
        return report_process_run(&o);
    kou_h5_summary *h = read_file(o.file);
    if (h == NULL)
        return 1;
    kou_kpi_summary *sum = kou_h5_summary_to_kpi(h);
    code = 0;
    if (!o.quiet && kou_kpi_summary_print(sum, stdout, h->title[0] ? h->title : NULL) != 0) {
        fprintf(stderr, "kouan: cannot write the KPI table\n");
        code = 1;
    }
    if (code == 0 && o.csv)
        code = write_csv(h, sum, &o);
    kou_kpi_summary_free(sum);
    kou_h5_summary_free(h);
    if (fflush(stdout) != 0 && code == 0) {
        fprintf(stderr, "kouan: cannot write the output: %s\n", strerror(errno));
        code = 1;
    }
    if (code == 0 && o.plot)
        code = kou_plot_file(kou_portset_root(), o.file, o.plot);
    return code;
}
