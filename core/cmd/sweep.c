/*
** sweep.c — `kouan sweep DESIGN.lua`: a design of experiments
** (exp/design.h) over a port scenario, its runs through the replication
** pipeline (exp/replicate.h) on -j worker threads, into one sweep file
** (io/sweep_h5.h). docs/sweep.md gives the design file, docs/hdf5-schema.md
** the file.
**
** Points. The main thread loads the design and the base scenario with
** the design's era (lua/portset.h; the base's processes = {...} run in
** every replication on the loader's worker Lua states, one per thread,
** which load the design again), binds every
** factor's path to a parameter of it (exp/design.h, model/param_path.h: a
** bad path fails here, before any run) and builds the matrix. A point's
** configuration is a copy of the base with the factors' values set in it,
** made a few points ahead of the one being written (the window) and freed
** once every replication of the point is written. Every point is checked
** once before any run (its values against their parameters' ranges, then
** its configuration against the model's checks): a bad point fails the
** whole sweep, every bad point named, before anything is run or written.
**
** Threads. Worker threads run the replications; a sink copies
** each one's KPIs to its own place. The main thread takes the results in
** (point, replication) order, so the file does not depend on -j; it is the
** only thread that calls HDF5 (toolchain.md §4).
**
** Seeds: replication r of every point runs with seed + r (common random
** numbers across points, as `kouan run --reps` does).
**
** MPI (exp/mpi.h, under mpirun): run i belongs to rank i % size; every
** rank builds the same design, ranks > 0 send each finished run to rank 0,
** which writes all runs in order; only rank 0 touches HDF5 and prints.
*/
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "model/params.h"
#include "cmd/opt.h"
#include "cmd/plot.h"
#include "exp/design.h"
#include "exp/mpi.h"
#include "exp/replicate.h"
#include "cmd/sweep_sens.h"
#include "io/sweep_h5.h"
#include "kouan_version.h"
#include "lua/portset.h"
#include "model/kpi.h"

_Static_assert(KOU_MPI_ERROR_LEN == KOU_SWEEP_ERROR_LEN, "an MPI message carries a /runs error text");

#define GROUP_NAME_LEN 128

typedef struct sweep_opts {
    const char *design, *output, *plot;
    size_t ndesign;
    uint64_t jobs;
    bool resume, force, quiet;
    const char *group, *metric; /* --group, --metric: the KPI of the sensitivity (NULL: the default) */
    unsigned shard, nshards; /* --shard i/N: points p with p % N == i - 1; 0/0 none */
} sweep_opts;

/* One run of the sweep: (point, replication). */
typedef struct sweep_run {
    bool skip;               /* not run here: done in the file (--resume), another shard's or rank's */
    bool other_shard;        /* --shard, or MPI on a rank > 0: another's run */
    bool remote;             /* MPI on rank 0: another rank's run, received */
    int status;              /* KOU_SWEEP_OK / FAILED once done */
    uint64_t seed;
    double wall;
    bool queued;             /* submitted to the pipeline */
    bool written;            /* in the file (rank 0), or sent to rank 0 */
    char error[KOU_SWEEP_ERROR_LEN];
    double *kpi;             /* ngroups x nmetrics */
} sweep_run;

typedef struct sweep {
    const sweep_opts *o;
    int argc;
    char **argv;
    kou_mpi *mpi;            /* NULL without mpirun */
    int rank, size;
    kou_sweep_spec *spec;
    kou_portset *ps;
    kou_design *design;
    kou_param_ref refs[KOU_DESIGN_MAX_FACTORS]; /* the factors' parameters */
    kou_model_config *base;  /* the base scenario with every factor at its base value */
    kou_model_config **point_cfg; /* per point, while its runs are queued or running */
    int32_t start_date;
    size_t npoints, reps, nruns;
    /* the KPI table's columns: groups of the base configuration, metrics */
    size_t ngroups, nmetrics;
    int *gint;               /* port index, mode, direction: 3 x ngroups */
    char *gnames;            /* ngroups x GROUP_NAME_LEN */
    const char **gnp;
    const char *mnames[KOU_KPI_METRIC_COUNT];
    char out[4096];          /* the sweep file's name */
    kou_sweep_h5 *w;         /* NULL on MPI ranks > 0 */
    sweep_run *runs;
    double *kpis;
    kou_replicator *rp;
    size_t next_build, next_write;
    size_t nfailed, nskipped, nrun, todo;
    size_t sent;             /* MPI rank > 0: runs sent to rank 0 */
    bool tty;
    double t0, last_draw;
    bool hard;               /* failed before or outside the runs: other MPI ranks must be aborted */
    kou_sweep_kpi kpi;       /* the KPI of the sensitivity */
    bool have_sens;          /* sens computed: a complete sweep, every run by this process */
    kou_sweep_sens sens;
} sweep;

/* ---- the command line ---- */

static bool read_shard(const char *value, void *dest)
{
    unsigned si = 0, sn = 0;
    char tail;
    if (sscanf(value, "%u/%u%c", &si, &sn, &tail) != 2 || sn < 1 || si < 1 || si > sn)
        return false;
    sweep_opts *o = dest;
    o->shard = si;
    o->nshards = sn;
    return true;
}

static size_t options(sweep_opts *o, kou_opt *t)
{
    const kou_opt opts[] = {
        {"-j", NULL, KOU_OPT_COUNT, &o->jobs, 1, 1024, .what = "a number of threads in 1..1024", .metavar = "N",
         .help = "worker threads (default: the online CPUs)"},
        {"--output", "-o", KOU_OPT_CHECKED, &o->output, .check = kou_output_name, .what = KOU_OUTPUT_WHAT, .metavar = "FILE",
         .help = "the sweep file (default results/DESIGN.h5)"},
        {"--resume", NULL, KOU_OPT_FLAG, &o->resume,
         .help = "continue an interrupted sweep file (its runs are kept)"},
        {"--force", NULL, KOU_OPT_FLAG, &o->force, .help = "overwrite an existing sweep file and --plot chart"},
        {"--shard", NULL, KOU_OPT_CHECKED, o, .what = "i/N with 1 <= i <= N", .check = read_shard,
         .metavar = "i/N", .help = "run only the points p with p mod N = i - 1 (default file\n"
                                   "results/DESIGN-shard-i-of-N.h5); kouan sweep-merge\njoins the shards"},
        {"--plot", NULL, KOU_OPT_CHECKED, &o->plot, .what = "a file name ending in .png or .svg, in an existing folder",
         .check = kou_plot_name, .metavar = "F.png|F.svg",
         .help = "chart of the standardized regression coefficients of\nthe KPI of --group/--metric (and of "
                 "its group in the\nother direction) on the factors"},
        {"--group", NULL, KOU_OPT_TEXT, &o->group, .what = "a KPI group", .metavar = "G",
         .help = "the KPI group of the sensitivity (default\n'all ports import'; e.g. 'CGO import air import')"},
        {"--metric", NULL, KOU_OPT_TEXT, &o->metric, .what = "a KPI metric", .metavar = "M",
         .help = "the KPI metric of the sensitivity, one the design keeps\n(default overall_mean)"},
        {"--quiet", "-q", KOU_OPT_FLAG, &o->quiet, .help = "no summary on stdout"},
        {"--help", "-h", KOU_OPT_HELP, NULL, .help = "this help"},
    };
    memcpy(t, opts, sizeof opts);
    return sizeof opts / sizeof *opts;
}

void kou_cmd_sweep_help(FILE *out)
{
    sweep_opts o;
    kou_opt t[10];
    fputs("usage: kouan sweep DESIGN.lua [-j N] [-o FILE] [--resume] [--force]\n"
          "                   [--shard i/N] [--plot F.png|F.svg] [--group G] [--metric M]\n"
          "                   [-q]\n"
          "\n"
          "Runs a design of experiments (factorial, one-at-a-time, Latin hypercube,\n"
          "Sobol, Saltelli) over a port scenario, replications on worker threads, results\n"
          "in one HDF5 sweep file. The summary ends with the sensitivity of one KPI:\n"
          "standardized regression coefficients, and for a Saltelli design Sobol first-\n"
          "and total-order indices. The design file format: docs/sweep.md.\n"
          "\n"
          "options:\n", out);
    kou_opt_help(out, t, options(&o, t));
    fputs("\nUnder mpirun -n N (MPI builds), run i goes to rank i mod N; rank 0 writes\nthe file.\n"
          "exit status: 0 every run succeeded, 1 some runs failed, 2 bad command line or\n"
          "design, 130 interrupted (--resume continues the file)\n", out);
}

static int parse(sweep_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = n > 0 ? (uint64_t)n : 1;
    kou_opt t[10];
    kou_opt_spec spec = {.command = "sweep", .opts = t, .nopts = options(o, t), .positional = "design file",
                         .min_pos = 1, .max_pos = 1, .pos = &o->design, .npos = &o->ndesign,
                         .help = kou_cmd_sweep_help};
    int code = kou_opt_parse(&spec, argc, argv);
    if (code >= 0)
        return code;
    if (o->resume && o->force)
        return kou_usage_error("sweep", "--resume and --force exclude each other");
    if (o->plot && o->nshards > 0)
        return kou_usage_error("sweep", "--plot draws a whole sweep, not a shard: merge the shards with kouan "
                               "sweep-merge and plot the merged file with /usr/bin/python3 scripts/kouan_plot.py "
                               "FILE OUT.png [--group G] [--metric M]");
    /* The one overwrite rule (README.md): an existing chart is refused
    ** before any run. --resume cannot take --force, so it is told to
    ** choose another name. */
    struct stat st;
    if (o->plot && o->resume && stat(o->plot, &st) == 0 && !S_ISDIR(st.st_mode))
        return kou_usage_error("sweep", "--plot %s: %s exists: refusing to overwrite it; choose another name "
                               "(--force, which would overwrite it, starts the sweep file anew: not with --resume)",
                               o->plot, o->plot);
    if (kou_refuse_overwrite("sweep", "--plot", o->plot, o->force) != 0)
        return 2;
    if (access(o->design, R_OK) != 0)
        return kou_usage_error("sweep", "cannot open design file '%s': %s", o->design, strerror(errno));
    return -1;
}

/* MPI, when launched by mpirun. -1 to go on, else the exit status. */
static int start_mpi(sweep *s, sweep_opts *o)
{
    s->size = 1;
    if (!kou_mpi_launched())
        return -1;
    char err[256];
    s->mpi = kou_mpi_new(err, sizeof err);
    if (s->mpi == NULL) {
        fprintf(stderr, "kouan sweep: %s\n", err);
        return 2;
    }
    s->rank = kou_mpi_rank(s->mpi);
    s->size = kou_mpi_size(s->mpi);
    if (s->size > 1 && (o->resume || o->nshards > 0)) {
        if (s->rank == 0)
            kou_usage_error("sweep", "%s is not supported under mpirun with more than one rank (run it "
                            "without mpirun)", o->resume ? "--resume" : "--shard");
        return 2;
    }
    if (s->rank > 0)
        o->quiet = true;
    return -1;
}

/* ---- the design, the scenario, the KPI table's columns ---- */

/* A factor given as booleans (values = {false, true}) must be a boolean
** parameter. 0, or the exit status after the message. */
static int check_booleans(const sweep *s)
{
    for (size_t i = 0; i < s->spec->design.nfactors; i++) {
        const kou_factor *f = &s->spec->design.factors[i];
        if (!f->boolean || s->refs[i].param->kind == KOU_PARAM_BOOLEAN)
            continue;
        char range[96];
        return kou_usage_error("sweep", "sweep.factors[%zu]: %s takes %s, not true/false: give its values as "
                               "numbers", i + 1, f->path,
                               kou_param_range_text(&s->refs[i].range, true, range, sizeof range));
    }
    return 0;
}

/* ---- every point checked before the first run ---- */

#define BAD_POINTS_SHOWN 40

/* What the parameter of factor i allows, as text. */
static const char *allowed_text(const sweep *s, size_t i, char *buf, size_t len)
{
    if (s->refs[i].param->kind == KOU_PARAM_BOOLEAN)
        return "true or false (1 or 0)";
    return kou_param_range_text(&s->refs[i].range, true, buf, len);
}

/* One line about point pt (rank 0; the first BAD_POINTS_SHOWN lines), the
** heading before the first. */
static void bad_point_line(const sweep *s, size_t *shown, size_t pt, const char *text)
{
    if (s->rank == 0 && *shown == 0)
        fprintf(stderr, "kouan: sweep: %s: values the scenario does not allow, found before any run (nothing "
                "was run or written):\n", s->o->design);
    if (s->rank == 0 && *shown < BAD_POINTS_SHOWN)
        fprintf(stderr, "  point %zu: %s\n", pt + 1, text);
    (*shown)++;
}

/* Point pt's mistakes, a line each: every factor value its parameter does
** not allow, or else the model's refusal of the point's configuration (as
** a run would build it). Whether it has any. */
static bool check_point(const sweep *s, size_t pt, size_t *shown)
{
    const kou_design_spec *d = &s->spec->design;
    const double *row = kou_design_row(s->design, pt);
    bool bad = false;
    char range[96], got[40], line[KOU_SWEEP_ERROR_LEN + 512];
    for (size_t i = 0; i < d->nfactors; i++) {
        if (kou_param_check(&s->refs[i], row[i], NULL, 0) == KOU_OK)
            continue;
        snprintf(line, sizeof line, "sweep.factors[%zu] %s = %s: allowed %s", i + 1, d->factors[i].path,
                 kou_number_text(row[i], got, sizeof got), allowed_text(s, i, range, sizeof range));
        bad_point_line(s, shown, pt, line);
        bad = true;
    }
    if (bad)
        return true;
    kou_model_config *cfg = kou_design_point_config(d, s->refs, kou_portset_get(s->ps, 0)->cfg, row, line,
                                                    sizeof line);
    bad = cfg == NULL;
    if (bad)
        bad_point_line(s, shown, pt, line);
    kou_model_config_free(cfg);
    return bad;
}

/* Every point checked before any run: the points the scenario refuses are
** all listed (design file, point, factor, value, what its parameter
** allows), and nothing is run or written. 0, or 1 after the message. */
static int check_points(const sweep *s)
{
    size_t nbad = 0, shown = 0;
    for (size_t pt = 0; pt < s->npoints; pt++)
        nbad += check_point(s, pt, &shown);
    if (nbad == 0)
        return 0;
    if (s->rank == 0)
        fprintf(stderr, "%skouan: sweep: %zu of %zu points refused; fix the design's values (allowed ranges: "
                "docs/parameters.md)\n", shown > BAD_POINTS_SHOWN ? "  ...\n" : "", nbad, s->npoints);
    return 1;
}

/* The design file, the base scenario, the factors bound to its parameters,
** the matrix, and the base point (every factor at its base value). A bad
** path fails here, before any run. 0, or the exit status after the message. */
static int load(sweep *s)
{
    int code;
    s->spec = koui_calloc(1, sizeof *s->spec);
    s->ps = kou_portset_new_sweep(s->o->design, s->spec, &code);
    if (s->ps == NULL)
        return code;
    if ((code = kou_portset_sweep_base(s->ps)) != 0)
        return code;
    const kou_portset_alt *plain = kou_portset_get(s->ps, 0);
    s->start_date = plain->start_date;
    char err[512];
    if (kou_design_bind(&s->spec->design, plain->cfg, s->refs, err, sizeof err) != KOU_OK)
        return kou_usage_error("sweep", "%s", err);
    if ((code = check_booleans(s)) != 0)
        return code;
    s->design = kou_design_new(&s->spec->design, err, sizeof err);
    if (s->design == NULL)
        return kou_usage_error("sweep", "%s", err);
    s->npoints = kou_design_points(s->design);
    s->reps = (size_t)s->spec->reps;
    s->nruns = s->npoints * s->reps;
    if ((code = check_points(s)) != 0)
        return code;
    s->point_cfg = koui_calloc(s->npoints ? s->npoints : 1, sizeof *s->point_cfg);
    double base[KOU_DESIGN_MAX_FACTORS];
    for (size_t i = 0; i < s->spec->design.nfactors; i++)
        base[i] = s->spec->design.factors[i].base;
    s->base = kou_design_point_config(&s->spec->design, s->refs, plain->cfg, base, err, sizeof err);
    if (s->base == NULL)
        return kou_usage_error("sweep", "the base point (every factor at its base value): %s", err);
    return 0;
}

/* The groups of the base configuration and the metrics kept. */
static void columns(sweep *s)
{
    kou_kpi *k = kou_kpi_new(s->base);
    size_t ng = kou_kpi_groups(k);
    s->ngroups = ng;
    s->gint = koui_malloc((3 * ng + 1) * sizeof *s->gint);
    s->gnames = koui_malloc(ng * GROUP_NAME_LEN + 1);
    s->gnp = koui_malloc((ng + 1) * sizeof *s->gnp);
    for (size_t g = 0; g < ng; g++) {
        kou_kpi_group gi = kou_kpi_group_info(k, g);
        s->gint[g] = gi.port_index;
        s->gint[ng + g] = gi.mode;
        s->gint[2 * ng + g] = gi.direction;
        char *name = s->gnames + GROUP_NAME_LEN * g;
        if (gi.port_index < 0)
            snprintf(name, GROUP_NAME_LEN, "all ports %s", kou_direction_name(gi.direction));
        else
            snprintf(name, GROUP_NAME_LEN, "%s %s %s", gi.port, kou_group_mode_name(gi.mode),
                     kou_direction_name(gi.direction));
        s->gnp[g] = name;
    }
    kou_kpi_free(k);
    s->nmetrics = s->spec->nmetrics;
    for (size_t m = 0; m < s->nmetrics; m++)
        s->mnames[m] = kou_kpi_metric_name(s->spec->metrics[m]);
}

/* ---- the sweep file ---- */

static void output_name(sweep *s)
{
    const sweep_opts *o = s->o;
    if (o->output) {
        snprintf(s->out, sizeof s->out, "%s", o->output);
        return;
    }
    const char *slash = strrchr(o->design, '/'), *b = slash ? slash + 1 : o->design;
    int len = (int)strcspn(b, ".");
    if (o->nshards > 0)
        snprintf(s->out, sizeof s->out, "results/%.*s-shard-%u-of-%u.h5", len, b, o->shard, o->nshards);
    else
        snprintf(s->out, sizeof s->out, "results/%.*s.h5", len, b);
}

static void write_attributes(sweep *s)
{
    const sweep_opts *o = s->o;
    char *text = kou_file_text(kou_portset_get(s->ps, 0)->script);
    kou_sweep_h5_attr_str(s->w, "scenario_source", text ? text : "");
    free(text);
    text = kou_file_text(o->design);
    kou_sweep_h5_attr_str(s->w, "design_source", text ? text : "");
    free(text);
    text = kou_command_line(s->argc, s->argv);
    kou_sweep_h5_attr_str(s->w, o->resume ? "command_line_resume" : "command_line", text ? text : "");
    free(text);
    kou_sweep_h5_attr_str(s->w, "scenario_path", s->spec->scenario);
    kou_sweep_h5_attr_str(s->w, "design_path", o->design);
    kou_sweep_h5_attr_str(s->w, "era", s->spec->era ? s->spec->era : "");
    kou_sweep_h5_attr_str(s->w, "kouan_version", KOUAN_VERSION);
    kou_sweep_h5_attr_str(s->w, "commit", KOUAN_GIT_COMMIT);
    if (o->nshards > 0) {
        char sh[48];
        snprintf(sh, sizeof sh, "%u/%u", o->shard, o->nshards);
        kou_sweep_h5_attr_str(s->w, "shard", sh);
    }
    if (s->size > 1)
        kou_sweep_h5_attr_int(s->w, "mpi_ranks", s->size);
}

/* Creates (or with --resume reopens) the sweep file on rank 0; done[i]
** receives run i's status in the file. 0, or the exit status after the
** message. */
static int open_file(sweep *s, uint8_t *done)
{
    const sweep_opts *o = s->o;
    const char *paths[KOU_DESIGN_MAX_FACTORS];
    const char *types[KOU_DESIGN_MAX_FACTORS];
    for (size_t i = 0; i < s->spec->design.nfactors; i++) {
        paths[i] = s->spec->design.factors[i].path;
        types[i] = s->refs[i].param->kind == KOU_PARAM_BOOLEAN ? "boolean"
                   : s->spec->design.factors[i].integer    ? "integer"
                                                           : "number";
    }
    kou_sweep_layout lay = {.method = kou_design_method_name(s->spec->design.method),
                            .nfactors = s->spec->design.nfactors, .paths = paths, .types = types,
                            .npoints = s->npoints,
                            .matrix = kou_design_matrix(s->design), .reps = s->reps, .seed = s->spec->design.seed,
                            .ngroups = s->ngroups, .groups = s->gnp, .group_port = s->gint,
                            .group_mode = s->gint + s->ngroups, .group_dir = s->gint + 2 * s->ngroups,
                            .nmetrics = s->nmetrics, .metrics = s->mnames};
    output_name(s);
    if (s->rank > 0) /* runs go to rank 0 */
        return 0;
    char err[700];
    if (!o->output && kou_results_dir(err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    bool exists = false, resumed = o->resume && access(s->out, F_OK) == 0;
    if (resumed)
        s->w = kou_sweep_h5_resume(s->out, &lay, done, err, sizeof err);
    else
        s->w = kou_sweep_h5_create(s->out, o->force, &lay, &exists, err, sizeof err);
    if (s->w == NULL && resumed) /* another design's file, say */
        return kou_usage_error("sweep", "%s", err);
    if (s->w == NULL && exists)
        return kou_usage_error("sweep", "%s exists: refusing to overwrite it; --resume continues it, --force "
                               "overwrites it, -o FILE writes another file", s->out);
    if (s->w == NULL) {
        fprintf(stderr, "kouan: cannot write the sweep file: %s\n", err);
        return 1;
    }
    write_attributes(s);
    return 0;
}

/* ---- the runs ---- */

/* Which runs are this process's to run: not done in the file, this
** shard's, this rank's. */
static void plan_runs(sweep *s, const uint8_t *done)
{
    const sweep_opts *o = s->o;
    size_t nkpi = s->ngroups * s->nmetrics, n = s->nruns ? s->nruns : 1;
    s->runs = koui_calloc(n, sizeof *s->runs);
    s->kpis = koui_calloc(n * (nkpi + 1), sizeof *s->kpis);
    for (size_t i = 0; i < s->nruns; i++) {
        sweep_run *j = &s->runs[i];
        j->kpi = s->kpis + i * (nkpi + 1);
        j->seed = s->spec->design.seed + i % s->reps;
        j->skip = done[i] != KOU_SWEEP_NOT_RUN;
        if (o->nshards > 0 && (i / s->reps) % o->nshards != o->shard - 1) {
            j->skip = true;
            j->other_shard = true;
        }
        if (s->size > 1 && (int)(i % (size_t)s->size) != s->rank) { /* another MPI rank's run */
            j->skip = true;
            j->other_shard = s->rank > 0;
            j->remote = s->rank == 0;
        }
        s->todo += !j->skip || j->remote;
    }
}

/* The pipeline's sink, on a worker thread: a successful run's KPIs, by
** the base configuration's groups, into the run's own place. */
static void keep_kpi(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    const sweep *s = ctx;
    sweep_run *j = run->job->user;
    if (res->status != KOU_OK)
        return;
    size_t ng = kou_kpi_groups(run->kpi);
    for (size_t g = 0; g < s->ngroups; g++) {
        size_t found = ng;
        for (size_t k = 0; k < ng && found == ng; k++) {
            kou_kpi_group gi = kou_kpi_group_info(run->kpi, k);
            if (gi.port_index == s->gint[g] && gi.mode == s->gint[s->ngroups + g] &&
                gi.direction == s->gint[2 * s->ngroups + g])
                found = k;
        }
        for (size_t m = 0; m < s->nmetrics; m++)
            j->kpi[g * s->nmetrics + m] = found < ng ? kou_kpi_get(run->kpi, found, s->spec->metrics[m]) : NAN;
    }
}

/* Converts the points of the window ahead of the one being written and
** queues their runs; a point that fails to convert fails its runs. */
static void build_ahead(sweep *s, size_t window)
{
    size_t wpoint = s->next_write / s->reps;
    while (s->next_build < s->npoints && s->next_build < wpoint + window && !kou_rep_stop_signal()) {
        size_t pt = s->next_build++;
        bool need = false;
        for (size_t r = 0; r < s->reps; r++)
            need = need || !s->runs[pt * s->reps + r].skip;
        if (!need)
            continue;
        char why[KOU_SWEEP_ERROR_LEN];
        s->point_cfg[pt] = kou_design_point_config(&s->spec->design, s->refs, kou_portset_get(s->ps, 0)->cfg,
                                                   kou_design_row(s->design, pt), why, sizeof why);
        bool ok = s->point_cfg[pt] != NULL;
        for (size_t r = 0; r < s->reps; r++) {
            sweep_run *j = &s->runs[pt * s->reps + r];
            if (j->skip)
                continue;
            if (!ok) {
                j->status = KOU_SWEEP_FAILED;
                snprintf(j->error, sizeof j->error, "%s", why);
                continue;
            }
            kou_rep_job job = {.cfg = s->point_cfg[pt], .start_date = s->start_date, .seed = j->seed, .user = j};
            kou_replicator_submit(s->rp, &job);
            j->queued = true;
        }
    }
}

/* Run i's result: from the pipeline, or (MPI, rank 0) from its rank.
** False on a stop request. */
static bool collect(sweep *s, size_t i)
{
    sweep_run *j = &s->runs[i];
    if (j->remote) {
        kou_mpi_run m = {.values = j->kpi, .nvalues = s->ngroups * s->nmetrics};
        if (!kou_mpi_recv_run(s->mpi, (int)(i % (size_t)s->size), i, &m, kou_rep_stop_signal))
            return false;
        j->status = m.status;
        j->seed = m.seed;
        j->wall = m.wall_seconds;
        memcpy(j->error, m.error, sizeof j->error);
        return true;
    }
    if (!j->queued)
        return true;
    const kou_rep_result *res = kou_replicator_next(s->rp);
    if (res == NULL)
        return false;
    KOU_ASSERT(res->job.user == j);
    j->wall = res->wall_seconds;
    j->status = res->status == KOU_OK ? KOU_SWEEP_OK : KOU_SWEEP_FAILED;
    if (res->status != KOU_OK)
        snprintf(j->error, sizeof j->error, "%.*s", (int)sizeof j->error - 1,
                 res->error[0] ? res->error : "the model failed");
    return true;
}

/* For tests only (docs/hardening.md, "Faults"): KOUAN_FAULT_MPI_KILL=R:K
** makes MPI rank R > 0 die of SIGKILL once it has sent its K-th run, as a
** rank whose node fails. */
static void test_fault_after_send(sweep *s)
{
    const char *f = getenv("KOUAN_FAULT_MPI_KILL");
    unsigned rank = 0, k = 0;
    if (f == NULL || sscanf(f, "%u:%u", &rank, &k) != 2 || (int)rank != s->rank)
        return;
    if (++s->sent == k)
        raise(SIGKILL);
}

/* Run i into the file (rank 0), or to rank 0 (MPI, rank > 0). */
static void record(sweep *s, size_t i)
{
    sweep_run *j = &s->runs[i];
    size_t pt = i / s->reps, rep = i % s->reps;
    if (j->skip && !j->remote) {
        s->nskipped += !j->other_shard;
        return;
    }
    if (s->w == NULL) { /* MPI rank > 0 */
        kou_mpi_run m = {.index = i, .status = j->status, .seed = j->seed, .wall_seconds = j->wall,
                         .values = j->kpi, .nvalues = s->ngroups * s->nmetrics};
        memcpy(m.error, j->error, sizeof m.error);
        kou_mpi_send_run(s->mpi, &m);
        j->written = true;
        test_fault_after_send(s);
        return;
    }
    kou_sweep_h5_run(s->w, pt, rep, j->seed, j->status, j->error, j->wall,
                     j->status == KOU_SWEEP_OK ? j->kpi : NULL);
    j->written = true;
    s->nrun++;
    if (j->status == KOU_SWEEP_OK)
        return;
    s->nfailed++;
    if (s->o->quiet)
        return;
    if (s->tty)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "kouan sweep: point %zu replication %zu (seed %llu) failed: %s\n", pt + 1, rep + 1,
            (unsigned long long)j->seed, j->error);
}

static void draw_progress(sweep *s)
{
    double t = kou_seconds();
    if (!s->tty || !(t - s->last_draw > 0.1 || s->next_write == s->nruns) || s->todo == 0)
        return;
    s->last_draw = t;
    double frac = (double)s->nrun / (double)s->todo;
    double eta = s->nrun > 0 ? (t - s->t0) / (double)s->nrun * (double)(s->todo - s->nrun) : NAN;
    char bar[31];
    kou_progress_bar(bar, 30, frac);
    fprintf(stderr, "\r[%s] %3d%%  run %zu/%zu  %.0f s  ETA %.0f s\033[K", bar, (int)(100 * frac), s->nrun,
            s->todo, t - s->t0, isfinite(eta) ? eta : 0.0);
    fflush(stderr);
}

/* After a stop request (rank 0): the runs that finished ahead of the one
** waited for go into the file too, those of this process's workers and
** those other ranks had already sent, so that --resume runs only what is
** missing. */
static void save_finished(sweep *s)
{
    if (s->w == NULL)
        return;
    for (const kou_rep_result *res; s->rp && (res = kou_replicator_next_finished(s->rp)) != NULL;) {
        sweep_run *j = res->job.user;
        if (j->written)
            continue;
        j->wall = res->wall_seconds;
        j->status = res->status == KOU_OK ? KOU_SWEEP_OK : KOU_SWEEP_FAILED;
        if (res->status != KOU_OK)
            snprintf(j->error, sizeof j->error, "%.*s", (int)sizeof j->error - 1,
                     res->error[0] ? res->error : "the model failed");
        record(s, (size_t)(j - s->runs));
    }
    size_t nv = s->ngroups * s->nmetrics;
    double *values = koui_calloc(nv + 1, sizeof *values);
    kou_mpi_run m = {.values = values, .nvalues = nv};
    while (s->mpi && s->size > 1 && kou_mpi_take_arrived(s->mpi, &m)) {
        sweep_run *j = m.index < s->nruns ? &s->runs[m.index] : NULL;
        if (j == NULL || !j->remote || j->written)
            continue;
        j->status = m.status;
        j->seed = m.seed;
        j->wall = m.wall_seconds;
        memcpy(j->error, m.error, sizeof j->error);
        memcpy(j->kpi, values, nv * sizeof *values);
        record(s, m.index);
    }
    free(values);
}

/* Writes the runs in order until all are written, a stop request or a
** file error. */
static void run_loop(sweep *s)
{
    size_t window = (size_t)s->o->jobs + 2; /* points converted ahead of writing */
    while (s->next_write < s->nruns) {
        build_ahead(s, window);
        if (kou_rep_stop_signal() || !collect(s, s->next_write))
            break;
        record(s, s->next_write);
        s->next_write++;
        if (s->next_write % s->reps == 0) { /* the point is written: its configuration goes */
            kou_model_config_free(s->point_cfg[s->next_write / s->reps - 1]);
            s->point_cfg[s->next_write / s->reps - 1] = NULL;
        }
        draw_progress(s);
        if (s->w && kou_sweep_h5_error(s->w))
            break;
    }
    if (kou_rep_stop_signal())
        save_finished(s);
    if (s->tty)
        fputs("\r\033[K", stderr);
}

/* ---- the summary ---- */

/* The sensitivity of the chosen KPI (mean over the replications of each
** point), when this process ran every run of a complete sweep. */
static void sensitivity(sweep *s)
{
    size_t gi = s->kpi.group, mi = s->kpi.metric;
    if (!s->kpi.found || s->nskipped > 0 || s->o->nshards > 0 || s->rank != 0)
        return;
    double *ymean = koui_calloc(s->npoints ? s->npoints : 1, sizeof *ymean);
    for (size_t pt = 0; pt < s->npoints; pt++) {
        double sum = 0;
        size_t c = 0;
        for (size_t r = 0; r < s->reps; r++) {
            const sweep_run *j = &s->runs[pt * s->reps + r];
            double v = j->status == KOU_SWEEP_OK ? j->kpi[gi * s->nmetrics + mi] : NAN;
            if (isfinite(v)) {
                sum += v;
                c++;
            }
        }
        ymean[pt] = c == s->reps ? sum / (double)c : NAN;
    }
    s->sens.group = s->gnp[gi];
    s->sens.metric = s->mnames[mi];
    kou_sweep_sens_compute(&s->sens, s->design, &s->spec->design, ymean, s->spec->design.seed);
    s->have_sens = true;
    free(ymean);
    if (s->w && s->sens.sobol)
        kou_sweep_h5_sobol(s->w, s->sens.group, s->sens.metric, &s->sens.idx, s->sens.nboot);
}

/* Where the runs ran: "with M threads", or under mpirun "on N ranks x M
** threads" (each rank runs its share on its own -j threads). */
static const char *workers_text(const sweep *s, char *buf, size_t len)
{
    int j = (int)s->o->jobs;
    if (s->size > 1)
        snprintf(buf, len, "on %d ranks x %d thread%s", s->size, j, j == 1 ? "" : "s");
    else
        snprintf(buf, len, "with %d thread%s", j, j == 1 ? "" : "s");
    return buf;
}

static void print_summary(const sweep *s)
{
    char where[64];
    printf("kouan sweep: %s, %zu points x %zu replications = %zu runs (%zu run now, %zu from the file, "
           "%zu failed) in %.2f s %s\n",
           kou_design_method_name(s->spec->design.method), s->npoints, s->reps, s->nruns, s->nrun, s->nskipped,
           s->nfailed, kou_seconds() - s->t0, workers_text(s, where, sizeof where));
    printf("kouan sweep: results in %s\n", s->out);
    if (s->have_sens)
        kou_sweep_sens_print(stdout, &s->sens, &s->spec->design, s->npoints);
}

/* "runs 7, 9-12, 15" (from 1): the runs this process was to run or
** receive that are not in the file; the first MISSING_SHOWN ranges. */
#define MISSING_SHOWN 20
static size_t missing_text(const sweep *s, char *buf, size_t len)
{
    size_t nmissing = 0, nranges = 0, used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->nruns; i++) {
        const sweep_run *j = &s->runs[i];
        if ((j->skip && !j->remote) || j->written)
            continue;
        nmissing++;
        size_t end = i;
        while (end + 1 < s->nruns && !s->runs[end + 1].written && (!s->runs[end + 1].skip || s->runs[end + 1].remote))
            end++;
        nmissing += end - i;
        if (nranges++ < MISSING_SHOWN && used < len) {
            if (end > i)
                used += (size_t)snprintf(buf + used, len - used, "%s%zu-%zu", used ? ", " : "", i + 1, end + 1);
            else
                used += (size_t)snprintf(buf + used, len - used, "%s%zu", used ? ", " : "", i + 1);
        } else if (nranges == MISSING_SHOWN + 1 && used < len) {
            used += (size_t)snprintf(buf + used, len - used, ", ...");
        }
        i = end;
    }
    return nmissing;
}

/* The interruption: which runs are missing, where the others are, and
** the command that finishes the sweep (without mpirun). */
static void say_missing(const sweep *s, int sig)
{
    char runs[512], shard[48] = "";
    size_t n = missing_text(s, runs, sizeof runs);
    if (s->o->nshards > 0)
        snprintf(shard, sizeof shard, " --shard %u/%u", s->o->shard, s->o->nshards);
    fprintf(stderr, "kouan sweep: interrupted (signal %d): run%s %s of %zu missing; %s holds the %zu finished "
            "runs and says complete = 0; finish with kouan sweep %s -o %s%s --resume\n", sig, n == 1 ? "" : "s",
            runs, s->nruns, s->out, s->nskipped + s->nrun, s->o->design, s->out, shard);
}

/* After the loop: the workers joined, the file closed, the summary; the
** exit status. */
static int finish(sweep *s, const kou_rep_traps *traps)
{
    kou_replicator_free(s->rp);
    s->rp = NULL;
    kou_rep_untrap_signals(traps);
    kou_portset_warn_discarded(s->ps, 0);
    if (kou_portset_process_failed(s->ps)) /* the earliest failed run's process report; its runs are recorded */
        kou_portset_report_process_error(s->ps);
    int sig = kou_rep_stop_signal();
    bool complete = s->next_write == s->nruns && !sig && (s->w == NULL || !kou_sweep_h5_error(s->w));
    char herr[700] = "";
    int hrc = 0;
    if (complete)
        sensitivity(s);
    if (s->w) {
        kou_sweep_h5_attr_int(s->w, "failed_runs", (int64_t)s->nfailed);
        hrc = kou_sweep_h5_close(s->w, complete, herr, sizeof herr);
        s->w = NULL;
    }
    /* the summary: only over the runs of this process and the file's, when complete */
    if (complete && !s->o->quiet && s->rank == 0)
        print_summary(s);
    if (sig) {
        if (s->rank == 0)
            say_missing(s, sig);
        return 130;
    }
    if (hrc != 0) {
        fprintf(stderr, "kouan: %s: %s\n", s->out, herr);
        s->hard = true;
        return 1;
    }
    if (s->nfailed > 0)
        fprintf(stderr, "kouan sweep: %zu of %zu runs failed (recorded in %s, /runs)\n", s->nfailed, s->nrun,
                s->out);
    return s->nfailed == 0 ? 0 : 1;
}

/* Everything after the command line and MPI; the exit status. */
static int run_sweep(sweep *s)
{
    int code = load(s);
    uint8_t *done = NULL;
    if (code == 0) {
        columns(s);
        code = kou_sweep_kpi_pick(s->o->group, s->o->metric, s->gnp, s->ngroups, s->mnames, s->nmetrics, &s->kpi);
    }
    if (code == 0) {
        done = koui_calloc(s->nruns ? s->nruns : 1, 1);
        code = open_file(s, done);
    }
    if (code != 0) {
        free(done);
        s->hard = true;
        return code;
    }
    plan_runs(s, done);
    free(done);
    kou_rep_sink sinks[2] = {kou_portset_process_sink(s->ps), {.ctx = s, .end = keep_kpi}};
    kou_rep_config cfg = {.threads = (int)s->o->jobs, .watch_stop = true, .sinks = sinks, .nsinks = 2};
    kou_rep_traps traps;
    kou_rep_trap_signals(&traps);
    char err[KOU_EXP_ERROR_LEN];
    s->rp = kou_replicator_new(&cfg, err, sizeof err);
    if (s->rp == NULL)
        fprintf(stderr, "kouan sweep: %s\n", err);
    s->tty = isatty(fileno(stderr)) != 0 && !s->o->quiet && s->rank == 0;
    s->t0 = kou_seconds();
    if (s->rp)
        run_loop(s);
    bool started = s->rp != NULL;
    code = finish(s, &traps);
    if (!started && code != 130) {
        s->hard = true;
        code = 1;
    }
    return code;
}

static void release(sweep *s)
{
    kou_sweep_h5_close(s->w, false, NULL, 0);
    for (size_t p = 0; s->point_cfg && p < s->npoints; p++)
        kou_model_config_free(s->point_cfg[p]);
    free(s->point_cfg);
    kou_model_config_free(s->base);
    kou_portset_free(s->ps);
    kou_design_free(s->design);
    free(s->spec);
    free(s->gint);
    free(s->gnames);
    free(s->gnp);
    free(s->runs);
    free(s->kpis);
}

int kou_cmd_sweep(int argc, char **argv)
{
    sweep_opts o;
    int code = parse(&o, argc - 2, argv + 2);
    if (code >= 0)
        return code;
    sweep *s = koui_calloc(1, sizeof *s);
    s->o = &o;
    s->argc = argc;
    s->argv = argv;
    code = start_mpi(s, &o);
    if (code < 0)
        code = run_sweep(s);
    if (fflush(stdout) != 0 && code == 0)
        code = 1;
    release(s);
    /* The sensitivity chart, from the finished file (rank 0 only). A sweep
    ** with failed runs (code 1) is still plotted from its good points. */
    if (o.plot && s->rank == 0 && (code == 0 || code == 1) && s->out[0]) {
        int pc = kou_plot_sweep_file(kou_portset_root(), s->out, o.plot, o.group, o.metric);
        if (pc != 0 && code == 0)
            code = 1;
    }
    if (s->mpi && s->hard && s->size > 1) /* the other ranks may wait for this one */
        kou_mpi_abort(s->mpi, code);
    if (code == 130 && s->size > 1) /* a rank may be dead: MPI_Finalize would wait for it */
        kou_mpi_leave(s->mpi);
    else
        kou_mpi_free(s->mpi);
    free(s);
    return code;
}
