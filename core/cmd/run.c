/*
** run.c — `kouan run SCENARIO.lua`: runs a scenario file in the sandbox
** (lua/portset.h loads it).
**
** A process-style scenario (lua/lsim.h) sets up resources and processes
** and returns nothing; the simulation then runs to the horizon and the
** resource table is printed. A port scenario returns a scenario table:
** the era is applied, then the --set paths, the table is checked and
** converted, and R replications of the model (seeds seed, seed+1, ...,
** seed+R-1) run inline through the pipeline (exp/replicate.h) into the
** KPI table (model/kpi.h) and the run file (runfile.h). The functions in
** its processes = {...} start as processes in every replication (the
** loader's sink), and an error in one of them ends the run with the
** process's own report.
**
** SIGINT / SIGTERM during a run with a file: the replication stops at its
** next event, the file is closed with complete = 0 (and the summary of the
** replications done), exit 130.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/opt.h"
#include "cmd/procrun.h"
#include "cmd/runfile.h"
#include "cmd/uncertainty.h"
#include "exp/replicate.h"
#include "lua/portset.h"
#include "model/kpi.h"
#include "model/param_print.h"

#define MAX_SETS 256
#define MAX_OPTS 24

typedef struct run_opts {
    const char *script;
    size_t nscript;
    uint64_t seed, reps, max_memory_mib, max_instructions, uncertainty, jobs;
    bool reps_given, store_given;
    unsigned store;                    /* KOU_STORE_* of runfile.h */
    double until, sample_hours, max_seconds, max_call_seconds;
    bool until_given, quiet, dump, force, no_output, trace;
    const char *era, *output;
    const char *set_key[MAX_SETS], *set_value[MAX_SETS];
    char set_buf[MAX_SETS][KOU_OPT_MAX_KEY + 1];
    kou_opt_sets sets;
} run_opts;

static void defaults(run_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->reps = 1;
    o->until = INFINITY;
    o->sample_hours = 1.0;
    o->store = KOU_STORE_ALL;
    o->max_memory_mib = 512;
    o->max_instructions = 1000000000u;
    o->max_call_seconds = 60;
    o->sets = (kou_opt_sets){.key = o->set_key, .value = o->set_value, .buf = o->set_buf, .max = MAX_SETS};
}

/* The command line of kouan run, into t (MAX_OPTS entries); the count. */
static size_t options(run_opts *o, kou_opt *t)
{
    const kou_opt opts[] = {
        {"--seed", NULL, KOU_OPT_COUNT, &o->seed, 0, 18446744073709551615.0, .what = "a non-negative integer",
         .metavar = "N", .help = "master seed of every random stream (default 1); a port\n"
                                 "scenario's replications use N, N+1, ..."},
        {"--reps", NULL, KOU_OPT_COUNT, &o->reps, 1, 100000, .what = "an integer in 1..100000",
         .metavar = "R", .given = &o->reps_given,
         .help = "replications (default 1; with --uncertainty per draw,\ndefault 2)"},
        {"--uncertainty", NULL, KOU_OPT_COUNT, &o->uncertainty, 2, 100000, .what = "a number of draws in 2..100000",
         .metavar = "N", .help = "port scenario: propagate its uncertain{} values: N\ndraws (Latin hypercube); "
                                 "bands, variance shares and\nthe ranking (docs/uncertainty.md)"},
        {"-j", NULL, KOU_OPT_COUNT, &o->jobs, 1, 1024, .what = "a number of threads in 1..1024", .metavar = "N",
         .help = "worker threads of --uncertainty or of a process-style\nscenario's --reps (default: the "
                 "online CPUs; the\nresults are the same for any N)"},
        {"--era", NULL, KOU_OPT_TEXT, &o->era, .what = "an era name", .metavar = "E",
         .help = "era of a port scenario (default: its era field)"},
        {"--until", NULL, KOU_OPT_NUMBER, &o->until, 0, INFINITY, true, "a positive number of hours",
         .given = &o->until_given, .metavar = "HOURS",
         .help = "simulated horizon (default: until no event is pending);\nevents at exactly HOURS do not "
                 "run (as SimPy's\nrun(until=HOURS)); for a port scenario: hours of "
                 "arrivals (replaces\nhorizon_days)"},
        {"--set", NULL, KOU_OPT_SET, &o->sets, .metavar = "KEY=VALUE",
         .help = "scenario parameter, read with param(\"KEY\", default);\nfor a port scenario also PATH=VALUE, "
                 "a dotted path into\nthe scenario table ('ports.CGO import.advance_share=0.4');\nmay be repeated"},
        {"--quiet", NULL, KOU_OPT_FLAG, &o->quiet, .help = "do not print the resource or KPI table"},
        {"--dump", NULL, KOU_OPT_FLAG, &o->dump,
         .help = "port scenario: check it, print the configuration it\nconverts to (times in hours), and stop"},
        {"--output", "-o", KOU_OPT_CHECKED, &o->output, .check = kou_output_name, .what = KOU_OUTPUT_WHAT, .metavar = "FILE",
         .help = "the HDF5 run file (docs/hdf5-schema.md; default\nresults/SCENARIO[-ERA]-sSEED[-rREPS].h5; a "
                 "process-style\nscenario writes one only with --reps or -o)"},
        {"--force", NULL, KOU_OPT_FLAG, &o->force, .help = "overwrite an existing run file"},
        {"--no-output", NULL, KOU_OPT_FLAG, &o->no_output, .help = "write no run file"},
        {"--store", NULL, KOU_OPT_CHECKED, &o->store, .given = &o->store_given, .check = kou_store_parse,
         .what = "all, kpis, or a comma list of kpis, consignments, timeseries", .metavar = "WHAT",
         .help = "port scenario: what the run file holds: all (default;\nkouan-viz replays it), kpis (the "
                 "KPIs only,\na few hundred kB), or a list such as kpis,timeseries;\nthe KPIs are always "
                 "stored, consignments are the bulk"},
        {"--trace", NULL, KOU_OPT_FLAG, &o->trace, .help = "add /events (every milestone transition) to the file"},
        {"--sample-hours", NULL, KOU_OPT_NUMBER, &o->sample_hours, 0, INFINITY, true,
         "a positive number of hours", .metavar = "H",
         .help = "interval of /timeseries, and of a process-style run's\nresource series (default 1)"},
        {"--max-memory", NULL, KOU_OPT_COUNT, &o->max_memory_mib, 1, 1048576, .what = "a number of MiB in 1..1048576",
         .metavar = "MIB", .help = "memory the scenario may use (default 512)"},
        {"--max-instructions", NULL, KOU_OPT_WHOLE, &o->max_instructions, 1000, 1e18,
         .what = "an integer in 1000..1e18", .metavar = "N",
         .help = "Lua instructions per slice before the run is stopped\nas an endless loop (default 1e9)"},
        {"--max-call-seconds", NULL, KOU_OPT_NUMBER, &o->max_call_seconds, 0, 1e9,
         .what = "a number of seconds in 0..1e9 (0: no limit)", .metavar = "S",
         .help = "wall time one call from the scenario into C may take\n(a pathological string pattern) before "
                 "the run is\nstopped (default 60; 0: no limit)"},
        {"--max-seconds", NULL, KOU_OPT_NUMBER, &o->max_seconds, 0, 1e9,
         .what = "a number of seconds in 0..1e9 (0: no limit)", .metavar = "S",
         .help = "wall time of the whole run (default: no limit)"},
        {"--help", "-h", KOU_OPT_HELP, NULL, .help = "this help"},
    };
    _Static_assert(sizeof opts / sizeof *opts <= MAX_OPTS, "MAX_OPTS");
    memcpy(t, opts, sizeof opts);
    return sizeof opts / sizeof *opts;
}

void kou_cmd_run_help(FILE *out)
{
    static run_opts o;
    kou_opt t[MAX_OPTS];
    fputs("usage: kouan run SCENARIO.lua [options]\n"
          "\n"
          "Runs a scenario file in the sandbox. A process-style scenario (it returns\n"
          "nothing) prints, for each resource, its utilisation, mean queue length,\n"
          "mean wait and services completed; with --reps R (or -o) it runs R\n"
          "replications, each a fresh load of the scenario on seed N+r on -j threads,\n"
          "prints each statistic of its resources and monitor{}s with a 95 % interval\n"
          "and writes a process-run file (docs/hdf5-schema.md). A port scenario (it\n"
          "returns scenario{...}) runs the port-clearance model and prints the KPI table.\n"
          "\n"
          "options:\n", out);
    kou_opt_help(out, t, options(&o, t));
    fputs("\n"
          "environment:\n"
          "  KOUAN_ROOT            the kouan tree, where import finds scripts/kouan/ and\n"
          "                        scenarios/ (default: the source tree of this build)\n"
          "\n"
          "exit status: 0 success, 1 the scenario failed, 2 bad command line, 130\n"
          "interrupted (the run file holds what was done and says complete = 0)\n", out);
}

/* -1 to go on, else the exit status. */
static int parse(run_opts *o, int argc, char **argv)
{
    kou_opt t[MAX_OPTS];
    kou_opt_spec spec = {.command = "run", .opts = t, .nopts = options(o, t), .positional = "scenario file",
                         .min_pos = 1, .max_pos = 1, .pos = &o->script, .npos = &o->nscript,
                         .help = kou_cmd_run_help};
    int code = kou_opt_parse(&spec, argc, argv);
    if (code >= 0)
        return code;
    FILE *f = fopen(o->script, "r");
    if (f == NULL)
        return kou_usage_error("run", "cannot open scenario '%s': %s", o->script, strerror(errno));
    fclose(f);
    if (o->uncertainty && (o->dump || o->trace))
        return kou_usage_error("run", "--uncertainty: not with --dump or --trace");
    return -1;
}

/* ---- a port scenario ---- */

static void dump_row(void *ctx, const kou_param_row *row)
{
    kou_param_row_print(ctx, row);
}

typedef struct port_run {
    const run_opts *o;
    const kou_portset_alt *alt;
    int argc;
    char **argv;
    char title[600];
    kou_kpi_summary *sum;
    kou_runfile *rf;
    char path[1024];        /* the run file's */
    const kou_prior *priors; /* the scenario's uncertain{} values */
    size_t npriors;
    /* progress bar: on a terminal only, once the run has taken a second */
    bool tty, drawn;
    double t0, last_draw;
    uint64_t seen;
    /* the outcome */
    size_t last_rep;        /* the replication that ended last */
    kou_rep_result failed;  /* the first that failed (status != KOU_OK) */
} port_run;

static void make_title(port_run *pr)
{
    const run_opts *o = pr->o;
    const kou_portset_alt *a = pr->alt;
    char era[80] = "", seeds[64];
    if (a->era)
        snprintf(era, sizeof era, ", era %s", a->era);
    if (o->reps > 1)
        snprintf(seeds, sizeof seeds, "seeds %llu-%llu", (unsigned long long)o->seed,
                 (unsigned long long)(o->seed + o->reps - 1));
    else
        snprintf(seeds, sizeof seeds, "seed %llu", (unsigned long long)o->seed);
    snprintf(pr->title, sizeof pr->title, "%s%s%s%s%s, %s, %g days after %g days of warm-up", o->script,
             a->name[0] ? " (" : "", a->name, a->name[0] ? ")" : "", era, seeds,
             (a->cfg->horizon_hours - a->cfg->warmup_hours) / 24, a->cfg->warmup_hours / 24);
}

/* The run file (--no-output: none). 0, or the exit status after the message. */
static int open_run_file(port_run *pr)
{
    const run_opts *o = pr->o;
    if (o->no_output)
        return 0;
    kou_runfile_info in = {.output = o->output, .force = o->force, .trace = o->trace, .store = o->store,
                           .sample_hours = o->sample_hours, .script = o->script, .scenario_name = pr->alt->name,
                           .era = pr->alt->era, .cfg = pr->alt->cfg, .start_date = pr->alt->start_date,
                           .title = pr->title, .seed = o->seed, .reps = o->reps, .set_key = o->set_key,
                           .set_value = o->set_value, .nset = o->sets.n, .argc = pr->argc, .argv = pr->argv,
                           .priors = pr->priors, .npriors = pr->npriors};
    char err[1200];
    bool exists;
    pr->rf = kou_runfile_new(&in, &exists, err, sizeof err);
    if (pr->rf == NULL && exists)
        return kou_usage_error("run", "%s", err);
    if (pr->rf == NULL) {
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    snprintf(pr->path, sizeof pr->path, "%s", kou_runfile_path(pr->rf));
    return 0;
}

static void progress(port_run *pr, size_t rep, double frac)
{
    double t = kou_seconds();
    if (!pr->tty || t - pr->t0 < 1.0 || t - pr->last_draw < 0.1)
        return;
    pr->last_draw = t;
    double done = ((double)rep + (frac < 0 ? 0 : frac > 1 ? 1 : frac)) / (double)pr->o->reps;
    char bar[41];
    kou_progress_bar(bar, 40, done);
    fprintf(stderr, "\r[%s] %3d%%  replication %llu/%llu  %.0f s", bar, (int)(100 * done),
            (unsigned long long)rep + 1, (unsigned long long)pr->o->reps, t - pr->t0);
    fflush(stderr);
    pr->drawn = true;
}

static void progress_consignment(void *ctx, kou_rep_run *run, const kou_consignment_record *rec)
{
    port_run *pr = ctx;
    if ((++pr->seen & 1023) == 0 && pr->tty)
        progress(pr, run->index, rec->t[KOU_MS_ARRIVAL] / pr->alt->cfg->horizon_hours);
}

static void progress_end(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    (void)res;
    progress(ctx, run->index, 1.0);
}

/* The KPI table's sink: every successful replication. */
static void summary_end(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    port_run *pr = ctx;
    pr->last_rep = run->index;
    if (res->status == KOU_OK)
        kou_kpi_summary_add(pr->sum, run->kpi);
}

static bool replication_done(void *ctx, const kou_rep_result *res)
{
    port_run *pr = ctx;
    if (res->status == KOU_OK)
        return true;
    pr->failed = *res;
    return false;
}

/* Runs the replications: the loader's processes (if any) first, then
** the KPI table, the run file and the progress bar. */
static void replicate(port_run *pr, kou_portset *ps)
{
    kou_rep_sink sinks[4];
    size_t n = 0;
    sinks[n++] = kou_portset_process_sink(ps);
    sinks[n++] = (kou_rep_sink){.ctx = pr, .end = summary_end};
    if (pr->rf)
        sinks[n++] = kou_runfile_sink(pr->rf);
    sinks[n++] = (kou_rep_sink){.ctx = pr, .consignment = progress_consignment, .end = progress_end};
    kou_rep_job *jobs = koui_malloc(pr->o->reps * sizeof *jobs);
    for (uint64_t r = 0; r < pr->o->reps; r++)
        jobs[r] = (kou_rep_job){.cfg = pr->alt->cfg, .start_date = pr->alt->start_date, .seed = pr->o->seed + r};
    kou_rep_config cfg = {.threads = 1, .watch_stop = pr->rf != NULL, .sinks = sinks, .nsinks = n};
    char err[KOU_EXP_ERROR_LEN];
    pr->failed.status = KOU_OK;
    pr->tty = isatty(fileno(stderr)) != 0;
    pr->t0 = kou_seconds();
    KOU_CHECK(kou_replicate(&cfg, jobs, (size_t)pr->o->reps, replication_done, pr, err, sizeof err) == 0);
    free(jobs);
    if (pr->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

/* Closes the run file. 130 when interrupted (after saying so), else -1;
** a failure to close goes to h5err. */
static int close_run_file(port_run *pr, char *h5err, size_t len)
{
    int sig = kou_rep_stop_signal();
    bool complete = !sig && pr->failed.status == KOU_OK;
    bool summary = complete || (sig && kou_kpi_summary_replications(pr->sum) > 0);
    if (kou_runfile_close(pr->rf, summary ? pr->sum : NULL, pr->title, complete, h5err, len) != 0 && sig)
        fprintf(stderr, "kouan: %s: %s\n", pr->path, h5err);
    if (sig) {
        fprintf(stderr, "kouan: interrupted (signal %d) in replication %llu: %s holds what was done "
                "so far and says complete = 0\n", sig, (unsigned long long)pr->last_rep + 1, pr->path);
        return 130;
    }
    if (complete && !h5err[0] && !pr->o->quiet) {
        char size[32];
        kou_file_size_text(pr->path, size, sizeof size);
        fprintf(stderr, "kouan: run file %s (%s, --store %s%s)\n", pr->path, size, kou_store_text(pr->o->store),
                pr->o->store ? "; --store kpis writes the KPIs only" : "");
    }
    return -1;
}

/* A plain run of a scenario with uncertain{} values says which values it
** took for them. */
static void say_priors(const port_run *pr)
{
    if (pr->npriors == 0 || pr->o->quiet)
        return;
    fprintf(stderr, "kouan: %zu uncertain value%s, each at its central value (the median of its prior) unless "
            "--set: ", pr->npriors, pr->npriors == 1 ? "" : "s");
    for (size_t i = 0; i < pr->npriors; i++)
        fprintf(stderr, "%s%s = %g", i ? ", " : "", pr->priors[i].name, pr->priors[i].used);
    fputs("; --uncertainty N propagates them\n", stderr);
}

/* After the run: the table, then what went wrong. */
static int finish(port_run *pr, kou_portset *ps, const char *h5err)
{
    int wr = 0;
    if (pr->failed.status == KOU_OK && !pr->o->quiet)
        wr = kou_kpi_summary_print(pr->sum, stdout, pr->title);
    if (pr->failed.status == KOU_OK)
        say_priors(pr);
    kou_portset_warn_discarded(ps, 0);
    if (kou_portset_process_failed(ps)) /* the process's own report, whatever the model made of the stop */
        return kou_portset_report_process_error(ps);
    if (pr->failed.status != KOU_OK) {
        fprintf(stderr, "kouan: %s: replication %zu (seed %llu): %s\n", pr->o->script, pr->failed.index + 1,
                (unsigned long long)pr->failed.job.seed, pr->failed.error);
        return 1;
    }
    if (wr != 0) {
        fputs("kouan: cannot write the KPI table\n", stderr);
        return 1;
    }
    if (h5err[0]) { /* the table above is complete; the file is not */
        fprintf(stderr, "kouan: %s: %s\n", pr->path, h5err);
        return 1;
    }
    return 0;
}

static int run_port(const run_opts *o, kou_portset *ps, int argc, char **argv)
{
    port_run *pr = koui_calloc(1, sizeof *pr);
    pr->o = o;
    pr->alt = kou_portset_get(ps, 0);
    pr->argc = argc;
    pr->argv = argv;
    pr->priors = kou_portset_priors(ps, &pr->npriors);
    make_title(pr);
    int code = open_run_file(pr);
    if (code != 0) {
        free(pr);
        return code;
    }
    kou_rep_traps traps;
    if (pr->rf)
        kou_rep_trap_signals(&traps);
    pr->sum = kou_kpi_summary_new();
    replicate(pr, ps);
    char h5err[700] = "";
    code = -1;
    if (pr->rf) {
        kou_rep_untrap_signals(&traps);
        code = close_run_file(pr, h5err, sizeof h5err);
    }
    if (code < 0)
        code = finish(pr, ps, h5err);
    kou_kpi_summary_free(pr->sum);
    kou_runfile_free(pr->rf);
    free(pr);
    return code;
}

/* ---- the command ---- */

/* --dump: the parameters, then the priors. */
static void dump(const kou_portset *ps)
{
    size_t n;
    const kou_prior *priors = kou_portset_priors(ps, &n);
    kou_params_dump(stdout, kou_portset_get(ps, 0)->cfg);
    kou_prior_rows(priors, n, dump_row, stdout);
}

static void make_request(const run_opts *o, kou_portset_request *rq)
{
    kou_portset_request_default(rq);
    rq->scripts = &o->script;
    rq->nscripts = 1;
    rq->eras = &o->era;
    rq->neras = o->era != NULL;
    rq->set_key = o->set_key;
    rq->set_value = o->set_value;
    rq->nset = o->sets.n;
    rq->until = o->until_given ? o->until : 0;
    rq->seed = o->seed;
    rq->run = true;
    rq->reps = o->reps;
    rq->max_memory = (size_t)o->max_memory_mib << 20;
    rq->max_instructions = o->max_instructions;
    rq->max_seconds = o->max_seconds;
    rq->max_call_seconds = o->max_call_seconds;
}

static kou_portset *load(const run_opts *o, int *code)
{
    kou_portset_request rq;
    make_request(o, &rq);
    return kou_portset_new(&rq, code);
}

/* --uncertainty: the experiment of cmd/uncertainty.h, on one alternative. */
static int uncertainty(const run_opts *o, int argc, char **argv)
{
    kou_portset_request rq;
    make_request(o, &rq);
    kou_unc_request q = {.command = "run", .rq = &rq, .draws = o->uncertainty, .reps = o->reps_given ? o->reps : 2,
                         .threads = o->jobs, .output = o->output, .no_output = o->no_output, .force = o->force,
                         .quiet = o->quiet, .argc = argc, .argv = argv};
    return kou_unc_command(&q);
}

/* A process-style scenario with --reps or -o: io/h5process.h's run file. */
static int process_runs(const run_opts *o, kou_portset *ps, int argc, char **argv)
{
    if (o->trace || o->era || o->store_given)
        return kou_usage_error("run", "%s: scenario '%s' is process-style",
                               o->trace ? "--trace" : o->era ? "--era" : "--store", o->script);
    (void)ps; /* each replication loads the scenario afresh */
    kou_portset_request rq;
    make_request(o, &rq);
    kou_procrun_request q = {.rq = &rq, .reps = o->reps, .jobs = o->jobs, .until = o->until,
                             .sample_hours = o->sample_hours, .output = o->output, .no_output = o->no_output,
                             .force = o->force, .quiet = o->quiet, .argc = argc, .argv = argv};
    return kou_procrun(&q);
}

int kou_cmd_run(int argc, char **argv)
{
    run_opts *o = koui_malloc(sizeof *o);
    defaults(o);
    int code = parse(o, argc - 2, argv + 2);
    if (code < 0 && o->uncertainty && o->store_given)
        code = kou_usage_error("run", "--store: not with --uncertainty (its file holds the KPIs of each draw only)");
    if (code < 0 && o->uncertainty) {
        code = uncertainty(o, argc, argv);
        free(o);
        return code;
    }
    kou_portset *ps = code < 0 ? load(o, &code) : NULL;
    if (ps && kou_portset_process_style(ps) && o->dump)
        code = kou_usage_error("run", "--dump: scenario '%s' is process-style: --dump shows the configuration "
                               "a port scenario converts to", o->script);
    else if (ps && kou_portset_process_style(ps) && (o->reps_given || o->output || o->jobs))
        code = process_runs(o, ps, argc, argv);
    else if (ps && o->jobs)
        code = kou_usage_error("run", "-j: only with --uncertainty, or with --reps or -o for a process-style "
                               "scenario (a port run's replications run inline)");
    else if (ps && kou_portset_process_style(ps))
        code = kou_portset_run_process_style(ps, o->until, o->quiet ? NULL : stdout);
    else if (ps && o->dump)
        dump(ps);
    else if (ps)
        code = run_port(o, ps, argc, argv);
    if (ps && fflush(stdout) != 0 && code == 0) {
        fprintf(stderr, "kouan: cannot write the output: %s\n", strerror(errno));
        code = 1;
    }
    kou_portset_free(ps);
    free(o);
    return code;
}
