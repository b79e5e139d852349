/*
** main.c — the kouan command. Built like lua.c: main() parses the command
** line, creates the sandboxed host (lua/host.h), and runs everything that
** touches Lua inside pmain under lua_pcall with a message handler that
** adds a traceback; one report function prints an error and picks the exit
** code.
**
** Exit codes: 0 success; 1 the scenario failed (a Lua error, a limit hit,
** an error inside a process); 2 the command was used wrongly (unknown
** option, bad number, missing file, a --set the scenario does not know or
** cannot convert).
**
** Scenario kinds. `kouan run FILE` runs the file's top level in the
** sandbox. A process-style scenario (lua/lsim.h) sets up resources and
** processes and returns nothing; the simulation then runs to the horizon
** and the resource table is printed. A port scenario returns a scenario
** table (lua/scenario.h): the era is applied, then the --set paths, the
** table is checked and converted, and R replications of kou_model_run
** (seeds seed, seed+1, ..., seed+R-1) feed the KPI table (model/kpi.h).
** The functions in its processes = {...} start as coroutine processes in
** every replication's simulation (the model's sim_ready observer calls
** kou_lsim_begin_run; kou_lsim_end_run after each replication), and an
** error in one of them ends the run with the process's own report.
**
** Memory on error paths: Lua errors longjmp, so nothing allocated with
** malloc may be held across a call that can raise. The configuration lives
** in an arena userdata (scenario.h); the KPI objects are freed before an
** error is raised.
*/
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <lauxlib.h>
#include <lua.h>

#include "compare_cmd.h"
#include "sweep_cmd.h"
#include "io/h5read.h"
#include "io/h5write.h"
#include "kouan_version.h"
#include "lua/host.h"
#include "lua/lsim.h"
#include "cli.h"
#include "plot.h"
#include "lua/scenario.h"
#include "model/kpi.h"

#define MAX_SETS 256

typedef struct options {
    const char *script;
    uint64_t seed;
    double until;          /* hours; +infinity: until no event is pending */
    bool quiet;            /* no resource table */
    bool dump;             /* port scenario: print the converted configuration, do not run */
    const char *era;       /* --era, or NULL */
    uint64_t reps;         /* --reps: replications of a port scenario */
    bool until_given;
    size_t max_memory;     /* bytes */
    uint64_t max_instructions;
    double max_seconds, max_call_seconds; /* 0: no limit */
    int nset;
    const char *set_key[MAX_SETS];
    const char *set_value[MAX_SETS];
    char set_buf[MAX_SETS][KOU_CLI_MAX_KEY + 1];
    const char *output;    /* -o FILE: the run file (port scenarios), or NULL: the default name */
    bool force, no_output, trace;
    double sample_hours;   /* --sample-hours: /timeseries interval */
    int argc;
    char **argv;
} options;

static void print_usage(FILE *out)
{
    fputs("usage: kouan run SCENARIO.lua [options]\n"
          "       kouan report RUN.h5 [--csv OUT.csv [--bom]] [--plot OUT.png|OUT.svg] [--quiet]\n"
          "       kouan compare SCENARIO.lua --era A --era B [...] [options]  (kouan compare --help)\n"
          "       kouan sweep DESIGN.lua [-j N] [-o FILE] [--resume] [--shard i/N]  (kouan sweep --help)\n"
          "       kouan sweep-merge -o OUT.h5 SHARD.h5...\n"
          "       kouan --help | --version\n"
          "\n"
          "Runs a scenario file in the sandbox. A process-style scenario (it returns\n"
          "nothing) prints, for each resource, its utilisation, mean queue length,\n"
          "mean wait and services completed. A port scenario (it returns scenario{...})\n"
          "runs the port-clearance model and prints the KPI table.\n"
          "\n"
          "options:\n"
          "  --seed N              master seed of every random stream (default 1); a port\n"
          "                        scenario's replications use N, N+1, ...\n"
          "  --reps R              replications of a port scenario (default 1)\n"
          "  --era E               era of a port scenario (default: its era field)\n"
          "  --until HOURS         simulated horizon (default: until no event is pending);\n"
          "                        for a port scenario: hours of arrivals (replaces\n"
          "                        horizon_days)\n"
          "  --set KEY=VALUE       scenario parameter, read with param(\"KEY\", default);\n"
          "                        for a port scenario also PATH=VALUE, a dotted path into\n"
          "                        the scenario table (ports.CGO.advance_share=0.4);\n"
          "                        may be repeated\n"
          "  --quiet               do not print the resource or KPI table\n"
          "  --dump                port scenario: check it, print the configuration it\n"
          "                        converts to (times in hours), and stop\n"
          "  -o, --output FILE     port scenario: the HDF5 run file (docs/hdf5-schema.md;\n"
          "                        default results/SCENARIO[-ERA]-sSEED[-rREPS].h5)\n"
          "  --force               overwrite an existing run file\n"
          "  --no-output           write no run file\n"
          "  --trace               add /events (every milestone transition) to the file\n"
          "  --sample-hours H      interval of /timeseries (default 1)\n"
          "  --max-memory MIB      memory the scenario may use (default 512)\n"
          "  --max-instructions N  Lua instructions per slice before the run is stopped\n"
          "                        as an endless loop (default 1e9)\n"
          "  --max-call-seconds S  wall time one call from the scenario into C may take\n"
          "                        (a pathological string pattern) before the run is\n"
          "                        stopped (default 60; 0: no limit)\n"
          "  --max-seconds S       wall time of the whole run (default: no limit)\n"
          "\n"
          "environment:\n"
          "  KOUAN_ROOT            the kouan tree, where import finds scripts/kouan/ and\n"
          "                        scenarios/ (default: the source tree of this build)\n"
          "\n"
          "report: from a run file alone, prints the KPI table the run printed (a warning\n"
          "first if the run was interrupted); --csv writes one row per group and metric\n"
          "(UTF-8; --bom adds a byte-order mark for Excel); --plot draws the clearance\n"
          "times and the three clocks per port with scripts/kouan_plot.py (matplotlib,\n"
          "run by /usr/bin/python3 or $KOUAN_PYTHON); --quiet: no table.\n"
          "\n"
          "exit status: 0 success, 1 the scenario failed (report: the file or an output\n"
          "could not be used), 2 bad command line\n",
          out);
}

/* One line, exit status 2. */
static int bad_usage(const char *fmt, ...) KOU_PRINTF(1, 2);
static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kouan: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see 'kouan --help')\n", stderr);
    va_end(ap);
    return 2;
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->sample_hours = 1.0;
    o->until = INFINITY;
    o->reps = 1;
    o->max_memory = (size_t)512 << 20;
    o->max_instructions = 1000000000u;
    o->max_call_seconds = 60;
    if (argc < 2) {
        print_usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        print_usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("kouan 0.1.0 (%s)\n", LUA_RELEASE);
        return 0;
    }
    if (strcmp(argv[1], "run") != 0)
        return bad_usage("unknown command '%s'", argv[1]);
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--quiet") == 0) {
            o->quiet = true;
            continue;
        }
        if (strcmp(a, "--dump") == 0) {
            o->dump = true;
            continue;
        }
        if (strcmp(a, "--force") == 0 || strcmp(a, "--no-output") == 0 || strcmp(a, "--trace") == 0) {
            *(a[2] == 'f' ? &o->force : a[2] == 'n' ? &o->no_output : &o->trace) = true;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (o->script != NULL)
                return bad_usage("more than one scenario file given ('%s')", a);
            o->script = a;
            continue;
        }
        /* options with a value: --opt VALUE or --opt=VALUE */
        static const char *const with_value[] = {"--seed", "--until", "--set", "--max-memory",
                                                 "--max-instructions", "--era", "--reps", "-o",
                                                 "--output", "--sample-hours", "--max-seconds",
                                                 "--max-call-seconds", NULL};
        const char *val = NULL;
        const char *const *opt;
        for (opt = with_value; *opt; opt++) {
            size_t n = strlen(*opt);
            if (strncmp(a, *opt, n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                if (a[n] == '=')
                    val = a + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return bad_usage("option '%s' needs a value", *opt);
                break;
            }
        }
        if (*opt == NULL)
            return bad_usage("unknown option '%s'", a);
        if (strcmp(*opt, "--seed") == 0) {
            if (!kou_cli_u64(val, &o->seed))
                return bad_usage("--seed: '%s' is not a non-negative integer", val);
        } else if (strcmp(*opt, "--until") == 0) {
            if (!kou_cli_double(val, &o->until) || o->until <= 0)
                return bad_usage("--until: '%s' is not a positive number of hours", val);
            o->until_given = true;
        } else if (strcmp(*opt, "-o") == 0 || strcmp(*opt, "--output") == 0) {
            if (*val == '\0')
                return bad_usage("%s", "--output: empty file name");
            o->output = val;
        } else if (strcmp(*opt, "--sample-hours") == 0) {
            if (!kou_cli_double(val, &o->sample_hours) || o->sample_hours <= 0)
                return bad_usage("--sample-hours: '%s' is not a positive number of hours", val);
        } else if (strcmp(*opt, "--era") == 0) {
            if (*val == '\0')
                return bad_usage("%s", "--era: empty era name");
            o->era = val;
        } else if (strcmp(*opt, "--reps") == 0) {
            if (!kou_cli_u64(val, &o->reps) || o->reps < 1 || o->reps > 100000)
                return bad_usage("--reps: '%s' is not an integer in 1..100000", val);
        } else if (strcmp(*opt, "--max-memory") == 0) {
            uint64_t mib;
            if (!kou_cli_u64(val, &mib) || mib < 1 || mib > ((uint64_t)1 << 20))
                return bad_usage("--max-memory: '%s' is not a number of MiB in 1..1048576", val);
            o->max_memory = (size_t)mib << 20;
        } else if (strcmp(*opt, "--max-seconds") == 0 || strcmp(*opt, "--max-call-seconds") == 0) {
            double sec;
            if (!kou_cli_double(val, &sec) || sec < 0 || sec > 1e9)
                return bad_usage("%s: '%s' is not a number of seconds in 0..1e9 (0: no limit)", *opt, val);
            *(strcmp(*opt, "--max-seconds") == 0 ? &o->max_seconds : &o->max_call_seconds) = sec;
        } else if (strcmp(*opt, "--max-instructions") == 0) {
            double n;
            if (!kou_cli_double(val, &n) || n < 1000 || n > 1e18 || n != floor(n))
                return bad_usage("--max-instructions: '%s' is not an integer in 1000..1e18", val);
            o->max_instructions = (uint64_t)n;
        } else { /* --set */
            if (o->nset == MAX_SETS)
                return bad_usage("too many --set options (at most %d)", MAX_SETS);
            if (!kou_cli_set_arg(val, o->set_buf[o->nset], &o->set_value[o->nset]))
                return bad_usage("--set: expected KEY=VALUE with KEY a name (got '%s')", val);
            o->set_key[o->nset] = o->set_buf[o->nset];
            o->nset++;
        }
    }
    if (o->script == NULL)
        return bad_usage("%s", "run: no scenario file given");
    FILE *f = fopen(o->script, "r");
    if (f == NULL) {
        fprintf(stderr, "kouan: cannot open scenario '%s': %s\n", o->script, strerror(errno));
        return 2;
    }
    fclose(f);
    return -1;
}

/* ---- port scenarios ---- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Observer context: the replication's KPIs and the progress bar. */
typedef struct port_run {
    lua_State *L;
    int processes;          /* stack index of the scenario's processes list, 0 if none */
    kou_kpi *kpi;
    double horizon;         /* hours of arrivals */
    uint64_t rep, reps;
    uint64_t seen;
    double t0, last_draw;   /* wall clock (s) */
    bool tty, drawn;
    kou_h5w *h5;            /* the run file, or NULL */
    kou_sim *sim;           /* this replication's (sim_ready) */
    const kou_model_run_view *view;
    double sample_hours;
} port_run;

/* SIGINT / SIGTERM during a run with a file: stop at the next event
** boundary, close the file with complete = 0, exit 130. */
static volatile sig_atomic_t run_signal;
static bool run_interrupted;

static void on_run_signal(int sig)
{
    run_signal = sig;
}

/* A progress bar on stderr, only on a terminal and only once the run has
** taken a second: short runs and redirected output stay clean. */
static void progress(port_run *pr, double frac)
{
    double t = now_seconds();
    if (!pr->tty || t - pr->t0 < 1.0 || t - pr->last_draw < 0.1)
        return;
    pr->last_draw = t;
    double done = ((double)pr->rep + (frac < 0 ? 0 : frac > 1 ? 1 : frac)) / (double)pr->reps;
    int width = 40, fill = (int)(done * width);
    char bar[41];
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %3d%%  replication %llu/%llu  %.0f s", bar, (int)(100 * done),
            (unsigned long long)pr->rep + 1, (unsigned long long)pr->reps, t - pr->t0);
    fflush(stderr);
    pr->drawn = true;
}

static void observe(void *ctx, const kou_consignment_record *rec)
{
    port_run *pr = ctx;
    kou_kpi_observe(pr->kpi, rec);
    if (pr->h5) {
        kou_h5w_consignment(pr->h5, (uint32_t)pr->rep, rec);
        if (run_signal && pr->sim)
            kou_sim_stop(pr->sim);
    }
    if ((++pr->seen & 1023) == 0 && pr->tty)
        progress(pr, rec->t[KOU_MS_ARRIVAL] / pr->horizon);
}

static void observe_resource(void *ctx, const kou_resource_report *r)
{
    kou_kpi_resource(((port_run *)ctx)->kpi, r);
}

/* The replication's simulation is built: start the scenario's processes
** in it (never raises; lsim.h). */
static void start_processes(void *ctx, kou_sim *sim, const kou_model_run_view *view)
{
    port_run *pr = ctx;
    kou_lsim_begin_run(pr->L, sim, view, pr->processes);
}

static void observe_carrier(void *ctx, const kou_carrier_record *rec)
{
    kou_h5w_carrier(((port_run *)ctx)->h5, (uint32_t)((port_run *)ctx)->rep, rec);
}

static void observe_unit(void *ctx, const kou_unit_record *rec)
{
    kou_h5w_unit(((port_run *)ctx)->h5, (uint32_t)((port_run *)ctx)->rep, rec);
}

/* /timeseries: every resource, every sample_hours (a periodic event). */
static void ev_sample(kou_sim *sim, void *subject, void *object)
{
    port_run *pr = subject;
    (void)object;
    for (size_t i = 0, n = kou_model_resource_count(pr->view); i < n; i++) {
        size_t port = 0;
        const kou_resource *res = kou_model_resource_at(pr->view, i, &port, NULL);
        kou_h5w_sample(pr->h5, (uint32_t)pr->rep, kou_sim_now(sim), (uint32_t)port, (uint32_t)i,
                       (uint64_t)kou_resource_queue_length(res), kou_resource_busy(res),
                       kou_resource_capacity(res));
    }
    kou_h5w_tick(pr->h5);
    if (run_signal)
        kou_sim_stop(sim);
    else
        kou_event_schedule(sim, pr->sample_hours, 0, ev_sample, pr, NULL);
}

static void run_ready(void *ctx, kou_sim *sim, const kou_model_run_view *view)
{
    port_run *pr = ctx;
    pr->sim = sim;
    pr->view = view;
    if (pr->processes)
        start_processes(ctx, sim, view);
    if (pr->h5)
        kou_event_schedule(sim, 0.0, 0, ev_sample, pr, NULL);
}

/* ---- --dump: the converted configuration, one fact a line ---- */

static const char *const dump_family[] = {"none", "fixed", "exponential", "erlang", "gamma", "lognormal",
                                          "weibull", "triangular", "uniform", "normal", "discrete",
                                          "piecewise"};
static const char *const dump_trader[] = {"aeo_advanced", "aeo_general", "ordinary", "discredited"};

static void dump_days(FILE *out, unsigned mask)
{
    static const char *const d[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    const char *sep = "";
    for (int i = 0; i < 7; i++)
        if (mask & (1u << i)) {
            fprintf(out, "%s%s", sep, d[i]);
            sep = ",";
        }
}

static void dump_dist(FILE *out, const char *indent, const char *name, const kou_dist_spec *d)
{
    if (d->family == KOU_DIST_NONE)
        return;
    fprintf(out, "%s%s = %s", indent, name,
            (unsigned)d->family < sizeof dump_family / sizeof *dump_family ? dump_family[d->family] : "?");
    if (d->family == KOU_DIST_DISCRETE || d->family == KOU_DIST_PIECEWISE) {
        for (size_t i = 0; i < d->n; i++)
            fprintf(out, " %g:%g", d->x[i], d->w[i]);
    } else {
        int np = d->family == KOU_DIST_DETERMINISTIC || d->family == KOU_DIST_EXPONENTIAL ? 1
                 : d->family == KOU_DIST_TRIANGULAR ? 3 : d->family == KOU_DIST_TRUNCNORMAL ? 4 : 2;
        for (int i = 0; i < np; i++)
            fprintf(out, " %g", d->p[i]);
    }
    fputc('\n', out);
}

static void dump_config(FILE *out, const kou_model_config *cfg, const kou_scenario_info *info)
{
    fprintf(out, "start_date %ld\nhorizon_hours %g\nwarmup_hours %g\nmax_in_system %llu\n",
            (long)info->start_date, cfg->horizon_hours, cfg->warmup_hours,
            (unsigned long long)cfg->max_in_system);
    static const char *const modes[] = {"air", "rail", "road"};
    static const char *const dirs[] = {"import", "export"};
    for (size_t i = 0; i < cfg->nports; i++) {
        const kou_port_config *p = &cfg->ports[i];
        fprintf(out, "port %s %s\n", p->name, modes[p->mode]);
        for (size_t j = 0; j < p->nresources; j++) {
            const kou_resource_spec *r = &p->resources[j];
            fprintf(out, "  resource %zu %s", j, r->name);
            if (r->nhours == 0)
                fprintf(out, " capacity %d", r->capacity);
            for (size_t k = 0; k < r->nhours; k++) {
                fputs(k ? "; " : " hours ", out);
                dump_days(out, r->hours[k].weekday_mask);
                fprintf(out, " %g-%g x%d", r->hours[k].start_h, r->hours[k].end_h, r->hours[k].capacity);
            }
            for (size_t k = 0; k < r->nholidays; k++)
                fprintf(out, "%s%ld", k ? "," : " holidays ", (long)r->holidays[k]);
            for (size_t k = 0; k < r->nworkdays; k++)
                fprintf(out, "%s%ld as %d", k ? "," : " workdays ", (long)r->workdays[k], r->workday_as[k]);
            fputc('\n', out);
        }
        fprintf(out, "  stages handling %d documents %d scanner %d inspection %d border_inspection %d "
                "apron %d gate %d\n", p->res_handling, p->res_documents, p->res_scanner, p->res_inspection,
                p->res_border_insp, p->res_apron, p->res_gate);
        const kou_dist_spec *ds[] = {&p->unload_per_unit, &p->prep_time, &p->doc_check, &p->cert_time,
                                     &p->scan_time, &p->notice_delay, &p->inspect_time, &p->duty_time,
                                     &p->warehouse_move, &p->pickup_delay, &p->gate_time, &p->border_time,
                                     &p->border_data_check};
        static const char *const dn[] = {"unload_per_unit", "prep_time", "doc_check", "cert_time",
                                         "scan_time", "notice_delay", "inspect_time", "duty_time",
                                         "warehouse_move", "pickup_delay", "gate_time", "border_time",
                                         "border_data_check"};
        for (size_t k = 0; k < sizeof ds / sizeof *ds; k++)
            dump_dist(out, "  ", dn[k], ds[k]);
        fprintf(out, "  advance_share %g advance_lead_hours %g scan_first_share %g scan_clear_prob %g "
                "certs_per_consignment %g green_priority %d pickup_cap_hours %g\n", p->advance_share,
                p->advance_lead_hours, p->scan_first_share, p->scan_clear_prob, p->certs_per_consignment,
                p->green_priority, p->pickup_cap_hours);
        fputs("  inspect_prob", out);
        for (int t = 0; t < KOU_TRADER_COUNT; t++)
            fprintf(out, " %s %g", dump_trader[t], p->inspect_prob[t]);
        fprintf(out, "\n  joint_inspection %d release_before_duty %d release_before_lab %d apron_release %d "
                "through_clearance %d\n", p->joint_inspection, p->release_before_duty, p->release_before_lab,
                p->apron_release, p->through_clearance);
        fprintf(out, "  fees handling_per_unit %g inspection %g scan %g storage_per_day %g storage_free_hours %g\n",
                p->fee_handling_per_unit, p->fee_inspection, p->fee_scan, p->fee_storage_per_day,
                p->storage_free_hours);
        for (size_t f = 0; f < p->nflows; f++) {
            const kou_flow_config *fl = &p->flows[f];
            fprintf(out, "  flow %s %s %s\n", fl->name, modes[fl->mode], dirs[fl->direction]);
            if (fl->ntimetable > 0) {
                fputs("    timetable", out);
                for (size_t k = 0; k < fl->ntimetable; k++)
                    fprintf(out, " %g", fl->timetable[k]);
                fputc('\n', out);
            } else {
                double sum = 0;
                for (int k = 0; k < 168; k++)
                    sum += fl->rate_per_hour[k];
                fprintf(out, "    rate_per_hour sum %g mon0 %g sun23 %g\n", sum, fl->rate_per_hour[0],
                        fl->rate_per_hour[167]);
            }
            dump_dist(out, "    ", "delay", &fl->delay);
            dump_dist(out, "    ", "units_per_carrier", &fl->units_per_carrier);
            dump_dist(out, "    ", "consignments_per_unit", &fl->consignments_per_unit);
            dump_dist(out, "    ", "goods_lead", &fl->goods_lead);
            fputs("    trader_share", out);
            for (int t = 0; t < KOU_TRADER_COUNT; t++)
                fprintf(out, " %s %g", dump_trader[t], fl->trader_share[t]);
            fprintf(out, "\n    handoff_hours_mean %g goods_window_hours %g\n", fl->handoff_hours_mean,
                    fl->goods_window_hours);
            for (size_t g = 0; g < fl->ngoods; g++) {
                const kou_goods_config *gd = &fl->goods[g];
                fprintf(out, "    goods %s share %g apron_eligible %d green_channel %d lab_prob %g duty_prob %g "
                        "extra_inspect_prob %g\n", gd->name, gd->share, gd->apron_eligible, gd->green_channel,
                        gd->lab_prob, gd->duty_prob, gd->extra_inspect_prob);
                dump_dist(out, "      ", "lab_time", &gd->lab_time);
            }
        }
    }
}

/* The run file of a port scenario (io/h5write.h) with the run's metadata
** as root attributes, its name in path; NULL with --no-output. Raises,
** before holding any C memory, when the file exists (without --force) or
** cannot be created. */
static kou_h5w *open_run_file(lua_State *L, const options *o, const kou_model_config *cfg,
                              const kou_scenario_info *info, const char *title, char *path, size_t pathlen)
{
    if (o->no_output)
        return NULL;
    if (o->output) {
        snprintf(path, pathlen, "%s", o->output);
    } else { /* results/SCENARIO[-ERA]-sSEED[-rREPS].h5 */
        const char *base = strrchr(o->script, '/');
        base = base ? base + 1 : o->script;
        int len = (int)strcspn(base, ".");
        char era[96] = "", reps[32] = "";
        if (info->era)
            snprintf(era, sizeof era, "-%s", info->era);
        for (char *c = era; *c; c++)
            if (*c == '/' || *c == ' ')
                *c = '_';
        if (o->reps > 1)
            snprintf(reps, sizeof reps, "-r%llu", (unsigned long long)o->reps);
        snprintf(path, pathlen, "results/%.*s%s-s%llu%s.h5", len, base, era, (unsigned long long)o->seed, reps);
        if (mkdir("results", 0777) != 0 && errno != EEXIST)
            luaL_error(L, "cannot create the directory results: %s", strerror(errno));
        /* The default name is ours to choose: rather than refuse the second
        ** run of the same command, take the next free one (-2, -3, ...).
        ** An explicit -o is never renamed. */
        for (unsigned n = 2; !o->force && access(path, F_OK) == 0 && n < 10000; n++)
            snprintf(path, pathlen, "results/%.*s%s-s%llu%s-%u.h5", len, base, era,
                     (unsigned long long)o->seed, reps, n);
    }
    char err[700];
    bool exists;
    kou_h5w *w = kou_h5w_create(path, o->force, o->trace, cfg, &exists, err, sizeof err);
    if (w == NULL && exists)
        kou_host_usage_error(L, "%s exists: refusing to overwrite it (--force overwrites it, -o FILE "
                             "writes another file, --no-output none)", path);
    if (w == NULL) { /* before the run: a report, no traceback (the scenario is not at fault) */
        lua_pushfstring(L, "%s: cannot write the run file: %s", path, err);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    char *text = NULL, buf[256];
    size_t len = 0;
    FILE *f = fopen(o->script, "rb"); /* the source as it is */
    if (f != NULL) {
        FILE *m = open_memstream(&text, &len);
        for (size_t n; m && (n = fread(buf, 1, sizeof buf, f)) > 0;)
            fwrite(buf, 1, n, m);
        if (m)
            fclose(m);
        fclose(f);
    }
    kou_h5w_attr_str(w, "scenario_source", text ? text : "");
    free(text);
    text = NULL;
    FILE *m = open_memstream(&text, &len); /* every resolved parameter: the text of --dump */
    if (m) {
        dump_config(m, cfg, info);
        fclose(m);
    }
    kou_h5w_attr_str(w, "parameters", text ? text : "");
    free(text);
    text = NULL;
    m = open_memstream(&text, &len);
    for (int i = 0; m && i < o->argc; i++) /* the command line, shell-quoted where needed */
        fprintf(m, strpbrk(o->argv[i], " \t'\"$\\") ? "%s'%s'" : "%s%s", i ? " " : "", o->argv[i]);
    if (m)
        fclose(m);
    kou_h5w_attr_str(w, "command_line", text ? text : "");
    free(text);
    text = NULL;
    m = open_memstream(&text, &len);
    for (int i = 0; m && i < o->nset; i++)
        fprintf(m, "%s=%s\n", o->set_key[i], o->set_value[i]);
    if (m)
        fclose(m);
    kou_h5w_attr_str(w, "sets", text ? text : "");
    free(text);
    kou_h5w_attr_str(w, "kouan_version", KOUAN_VERSION);
    kou_h5w_attr_str(w, "commit", KOUAN_GIT_COMMIT);
    kou_h5w_attr_str(w, "scenario_path", o->script);
    kou_h5w_attr_str(w, "scenario_name", info->name);
    kou_h5w_attr_str(w, "era", info->era ? info->era : "");
    kou_h5w_attr_str(w, "title", title);
    kou_h5w_attr_int(w, "seed", (int64_t)o->seed);
    kou_h5w_attr_int(w, "replications", (int64_t)o->reps);
    kou_h5w_attr_str(w, "rng", "GSL taus2, named streams keyed by (seed, name, entity)");
    kou_h5w_attr_int(w, "start_date", info->start_date);
    kou_h5w_attr_double(w, "horizon_hours", cfg->horizon_hours);
    kou_h5w_attr_double(w, "warmup_hours", cfg->warmup_hours);
    kou_h5w_attr_double(w, "sample_hours", o->sample_hours);
    kou_h5w_attr_int(w, "trace", o->trace);
    char host[256] = "unknown", when[32];
    gethostname(host, sizeof host - 1);
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    kou_h5w_attr_str(w, "host", host);
    kou_h5w_attr_str(w, "start_time_utc", when);
    return w;
}

/* The scenario table is on the top of the stack. */
static void run_port(lua_State *L, const options *o)
{
    kou_host *h = kou_host_from_lua(L);
    lua_pushvalue(L, -1);             /* s s */
    kou_scenario_select_era(L, o->era); /* s s-with-era */
    /* --set: a param() the top level read is a parameter; anything else is
    ** a path into the table, applied after the era */
    for (int i = 0; i < o->nset; i++)
        if (!kou_host_param_was_read(h, o->set_key[i]))
            kou_scenario_set(L, o->set_key[i], o->set_value[i]);
    kou_scenario_info info;
    const kou_model_config *built = kou_scenario_build(L, -1, &info); /* s s2 arena */
    kou_model_config cfg = *built;
    kou_scenario_check_eras(L, -3, info.era);
    /* processes = {...} (functions, checked by the schema) */
    lua_getfield(L, -2, "processes");                                 /* s s2 arena procs */
    int procs = lua_istable(L, -1) && lua_rawlen(L, -1) > 0 ? lua_gettop(L) : 0;
    /* process(...) at the top level of a port scenario would never run */
    if (kou_sim_events_pending(kou_host_sim(h)) > 0) {
        lua_pushfstring(L, "%s: process(...) at the top level of a port scenario never runs: list the "
                        "functions in the scenario's processes = {...}", o->script);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    if (o->until_given) {
        cfg.horizon_hours = o->until;
        if (cfg.warmup_hours >= cfg.horizon_hours) {
            char msg[160]; /* lua_pushfstring has no %g */
            snprintf(msg, sizeof msg, "--until %g: must be above the warm-up (%g h)", o->until,
                     cfg.warmup_hours);
            kou_host_usage_error(L, "%s", msg);
        }
    }
    if (o->dump) {
        dump_config(stdout, &cfg, &info);
        lua_pop(L, 4);
        return;
    }
    char title[600], era[80] = "";
    if (info.era)
        snprintf(era, sizeof era, ", era %s", info.era);
    char seeds[64];
    if (o->reps > 1)
        snprintf(seeds, sizeof seeds, "seeds %llu-%llu", (unsigned long long)o->seed,
                 (unsigned long long)(o->seed + o->reps - 1));
    else
        snprintf(seeds, sizeof seeds, "seed %llu", (unsigned long long)o->seed);
    snprintf(title, sizeof title, "%s%s%s%s%s, %s, %g days after %g days of warm-up", o->script,
             info.name[0] ? " (" : "", info.name, info.name[0] ? ")" : "", era, seeds,
             (cfg.horizon_hours - cfg.warmup_hours) / 24, cfg.warmup_hours / 24);

    char h5path[1024];
    kou_h5w *h5 = open_run_file(L, o, &cfg, &info, title, h5path, sizeof h5path);
    struct sigaction sa, old_int, old_term;
    if (h5) {
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_run_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &old_int);
        sigaction(SIGTERM, &sa, &old_term);
    }

    /* From here to the end no Lua call may raise while C memory is held. */
    port_run pr = {0};
    pr.h5 = h5;
    pr.sample_hours = o->sample_hours;
    pr.L = L;
    pr.processes = procs;
    pr.horizon = cfg.horizon_hours;
    pr.reps = o->reps;
    pr.tty = isatty(fileno(stderr)) != 0;
    pr.t0 = now_seconds();
    kou_model_observer obs = {.ctx = &pr, .consignment_done = observe,
                              .resource_done = observe_resource,
                              .sim_ready = procs || h5 ? run_ready : NULL,
                              .carrier_done = h5 ? observe_carrier : NULL,
                              .unit_done = h5 ? observe_unit : NULL};
    kou_kpi_summary *sum = kou_kpi_summary_new();
    char err[512];
    kou_status st = KOU_OK;
    bool proc_failed = false;
    for (uint64_t r = 0; r < o->reps && st == KOU_OK && !proc_failed && !run_signal; r++) {
        pr.rep = r;
        pr.kpi = kou_kpi_new(&cfg);
        st = kou_model_run(&cfg, o->seed + r, info.start_date, &obs, NULL, err, sizeof err);
        if (procs)
            proc_failed = kou_lsim_end_run(L); /* never raises */
        if (st == KOU_OK && !proc_failed) {
            kou_kpi_summary_add(sum, pr.kpi);
            kou_h5w_replication_kpi(h5, pr.kpi);
        }
        kou_kpi_free(pr.kpi);
        pr.kpi = NULL;
        progress(&pr, 1.0);
    }
    if (pr.drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    char h5err[700] = "";
    if (h5) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGTERM, &old_term, NULL);
        run_interrupted = run_signal != 0;
        bool complete = !run_interrupted && st == KOU_OK && !proc_failed;
        if (complete || (run_interrupted && kou_kpi_summary_replications(sum) > 0))
            kou_h5w_summary(h5, sum, title);
        char when[32];
        time_t now = time(NULL);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
        kou_h5w_attr_str(h5, "end_time_utc", when);
        if (kou_h5w_close(h5, complete, h5err, sizeof h5err) != 0 && run_interrupted)
            fprintf(stderr, "kouan: %s: %s\n", h5path, h5err);
        if (run_interrupted) {
            fprintf(stderr, "kouan: interrupted (signal %d) in replication %llu: %s holds what was done "
                    "so far and says complete = 0\n", (int)run_signal, (unsigned long long)pr.rep + 1, h5path);
            kou_kpi_summary_free(sum);
            lua_pop(L, 4);
            return;
        }
        if (complete && !h5err[0] && !o->quiet)
            fprintf(stderr, "kouan: run file %s\n", h5path);
    }
    int wr = 0;
    if (st == KOU_OK && !proc_failed && !o->quiet)
        wr = kou_kpi_summary_print(sum, stdout, title);
    kou_kpi_summary_free(sum);
    if (proc_failed) /* the process's own report, whatever the model made of the stop */
        kou_lsim_raise(L);
    if (st != KOU_OK) {
        lua_pushfstring(L, "%s: replication %I (seed %I): %s", o->script, (lua_Integer)pr.rep + 1,
                        (lua_Integer)(o->seed + pr.rep), err);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    if (wr != 0)
        luaL_error(L, "cannot write the KPI table");
    if (h5err[0]) { /* the table above is complete; the file is not */
        lua_pushfstring(L, "%s: %s", h5path, h5err);
        kou_host_push_report(L, lua_tostring(L, -1), false);
        lua_error(L);
    }
    lua_pop(L, 4);
}

/* The top level has run and left its result on the stack. A process-style
** scenario returns nothing: run the simulation and print the table. A port
** scenario returns a scenario table: run_port. */
static void run_scenario(lua_State *L, const options *o)
{
    kou_host *h = kou_host_from_lua(L);
    if (kou_scenario_is(L, -1)) {
        run_port(L, o);
        return;
    }
    if (!lua_isnil(L, -1))
        kou_host_usage_error(L, "scenario '%s' returned a %s: a port scenario returns "
                             "scenario{...}, a process-style one returns nothing",
                             o->script, luaL_typename(L, -1));
    lua_pop(L, 1);
    if (o->era)
        kou_host_usage_error(L, "--era %s: scenario '%s' is process-style and has no eras", o->era,
                             o->script);
    if (o->reps != 1)
        kou_host_usage_error(L, "--reps: scenario '%s' is process-style; run it once per --seed",
                             o->script);
    const char *key, *value;
    if (kou_host_unused_param(h, &key, &value) >= 0) {
        char asked[512];
        kou_host_params_asked(h, asked, sizeof asked);
        kou_host_usage_error(L, "--set %s=%s: scenario '%s' has no parameter '%s' (it reads: %s)",
                             key, value, o->script, key, asked[0] ? asked : "none");
    }
    kou_lsim_run(L, o->until);
    if (!o->quiet)
        kou_lsim_print_report(L, stdout);
}

static int pmain(lua_State *L)
{
    const options *o = lua_touserdata(L, 1);
    lua_settop(L, 0);
    kou_lsim_open(L);
    kou_scenario_open(L);
    kou_host_loadfile(L, o->script); /* chunk */
    kou_host_call(L, 0, 1);          /* result */
    run_scenario(L, o);
    lua_pushboolean(L, 1);
    return 1;
}

/* ---- kouan report RUN.h5 ---- */

typedef struct report_opts {
    const char *file, *csv, *plot;
    bool bom, quiet;
} report_opts;

/* One CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_number(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.10g", v);
}

/* One row per (group, metric) of the summary: port, mode, direction,
** metric, unit, mean, half_width, replications (defined), then the value
** of each replication; shares in % as in the table; empty = undefined. */
static int write_csv(const kou_h5_summary *h, const kou_kpi_summary *sum, const report_opts *o)
{
    static const char *const modes[] = {"air", "rail", "road"};
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
    for (size_t g = 0; g < kou_kpi_summary_groups(sum); g++) {
        kou_kpi_group gi = kou_kpi_summary_group(sum, g);
        size_t row = 0; /* the file's row of this group: the last one with its key, as the summary took */
        for (size_t j = 0; j < h->ngroups; j++) {
            const kou_kpi_group *o2 = &h->groups[j];
            if (o2->port_index == gi.port_index && o2->mode == gi.mode && o2->direction == gi.direction &&
                strcmp(o2->port, gi.port) == 0)
                row = j;
        }
        for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++) {
            double scale;
            const char *unit = kou_kpi_metric_unit((kou_kpi_metric)m, &scale);
            kou_kpi_value v = kou_kpi_summary_get(sum, g, (kou_kpi_metric)m);
            csv_field(f, gi.port);
            fprintf(f, ",%s,%s,%s,%s,", gi.mode >= 0 && gi.mode < KOU_MODE_COUNT ? modes[gi.mode] : "all modes",
                    gi.direction == KOU_IMPORT ? "import" : "export", kou_kpi_metric_name((kou_kpi_metric)m),
                    unit);
            csv_number(f, v.mean * scale);
            fputc(',', f);
            csv_number(f, v.half * scale);
            fprintf(f, ",%zu", v.n);
            for (size_t r = 0; r < h->replications; r++) {
                fputc(',', f);
                csv_number(f, h->group_values[(r * h->ngroups + row) * KOU_KPI_METRIC_COUNT + (size_t)m] * scale);
            }
            fputs("\r\n", f);
        }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "kouan: %s: cannot write: %s\n", o->csv, strerror(errno));
        return 1;
    }
    return 0;
}

/* `kouan report`: argv after the word report. Exit 0, 1 (the file or an
** output could not be used), 2 (bad command line). */
static int report_main(int argc, char **argv)
{
    report_opts o = {0};
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            print_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--bom") == 0)
            o.bom = true;
        else if (strcmp(a, "--quiet") == 0)
            o.quiet = true;
        else if (strncmp(a, "--csv", 5) == 0 || strncmp(a, "--plot", 6) == 0) {
            bool csv = a[2] == 'c';
            size_t n = csv ? 5 : 6;
            const char *val = a[n] == '=' ? a + n + 1 : a[n] == '\0' && i + 1 < argc ? argv[++i] : NULL;
            if (a[n] != '=' && a[n] != '\0')
                return bad_usage("unknown option '%s'", a);
            if (val == NULL || *val == '\0')
                return bad_usage("option '%s' needs a file name", csv ? "--csv" : "--plot");
            if (csv)
                o.csv = val;
            else
                o.plot = val;
        } else if (a[0] == '-' && a[1] != '\0')
            return bad_usage("unknown option '%s'", a);
        else if (o.file != NULL)
            return bad_usage("more than one run file given ('%s')", a);
        else
            o.file = a;
    }
    if (o.file == NULL)
        return bad_usage("%s", "report: no run file given");
    if (o.bom && o.csv == NULL)
        return bad_usage("%s", "--bom: only with --csv");
    if (o.plot) {
        size_t n = strlen(o.plot);
        if (n < 5 || (strcmp(o.plot + n - 4, ".png") != 0 && strcmp(o.plot + n - 4, ".svg") != 0))
            return bad_usage("--plot %s: the name must end in .png or .svg", o.plot);
    }
    char err[512];
    kou_h5_summary *h;
    bool complete;
    /* first in a child: a damaged file may crash the HDF5 library itself */
    kou_status st = kou_h5_check_summary(o.file, &complete, err, sizeof err);
    h = NULL;
    if (st == KOU_OK)
        st = kou_h5_read_summary(o.file, &h, &complete, err, sizeof err);
    if (!complete)
        fprintf(stderr, "kouan: %s: warning: this run was interrupted: the file holds only what was written "
                        "before it stopped\n", o.file);
    if (st != KOU_OK) {
        fprintf(stderr, "kouan: %s: %s\n", o.file, err);
        return 1;
    }
    kou_kpi_summary *sum = kou_h5_summary_to_kpi(h);
    int code = 0;
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
        code = kou_plot_file(kou_scenario_root(), o.file, o.plot);
    return code;
}

/* KOUAN_FAULT_ALLOC=N makes the N-th allocation fail, N+ that one and
** every later one; =count prints how many allocations the command made
** (kernel/base.h; tests only). */

static void print_alloc_count(void)
{
    fprintf(stderr, "kouan: allocations: %llu\n", (unsigned long long)koui_fault_alloc_count());
}

static void fault_injection_from_env(void)
{
    const char *v = getenv("KOUAN_FAULT_ALLOC");
    uint64_t n;
    if (v == NULL || *v == '\0')
        return;
    if (strcmp(v, "count") == 0) {

        koui_fault_alloc(UINT64_MAX, 0);
        atexit(print_alloc_count);
        return;
    }
    char num[32];
    size_t len = strlen(v);
    bool persistent = len > 1 && v[len - 1] == '+';
    snprintf(num, sizeof num, "%.*s", (int)(persistent ? len - 1 : len), v);
    if (kou_cli_u64(num, &n))
        koui_fault_alloc(n, persistent);
}

int main(int argc, char **argv)
{
    fault_injection_from_env();
    if (argc >= 2 && strcmp(argv[1], "compare") == 0)
        return kou_compare_main(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "sweep") == 0)
        return kou_sweep_main(argc - 2, argv + 2, argc, argv);
    if (argc >= 2 && strcmp(argv[1], "sweep-merge") == 0)
        return kou_sweep_merge_main(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "report") == 0)
        return report_main(argc - 2, argv + 2);
    options *o = malloc(sizeof *o);
    if (o == NULL) {
        fputs("kouan: out of memory\n", stderr);
        return 1;
    }
    int code = parse_args(argc, argv, o);
    if (code >= 0) {
        free(o);
        return code;
    }
    o->argc = argc;
    o->argv = argv;
    kou_host_config cfg;
    kou_host_config_default(&cfg);
    cfg.seed = o->seed;
    cfg.max_memory = o->max_memory;
    cfg.max_instructions = o->max_instructions;
    cfg.max_seconds = o->max_seconds;
    cfg.max_call_seconds = o->max_call_seconds;
    char err[256];
    kou_host *h = kou_host_new(&cfg, err, sizeof err);
    if (h == NULL) { /* the limits were checked above: out of memory */
        fprintf(stderr, "kouan: %s\n", err);
        free(o);
        return 1;
    }
    for (int i = 0; i < o->nset; i++)
        kou_host_set_param(h, o->set_key[i], o->set_value[i]);

    lua_State *L = kou_host_state(h);
    lua_pushcfunction(L, kou_host_msghandler); /* msgh */
    lua_pushcfunction(L, pmain);               /* msgh pmain */
    lua_pushlightuserdata(L, o);               /* msgh pmain o */
    int status = lua_pcall(L, 1, 1, 1);        /* msgh result|error */
    code = 0;
    if (status != LUA_OK)
        code = kou_host_report(L, status);
    else if (!lua_toboolean(L, -1))
        code = 1;
    if (fflush(stdout) != 0 && code == 0) {
        fprintf(stderr, "kouan: cannot write the output: %s\n", strerror(errno));
        code = 1;
    }
    if (run_interrupted && code == 0)
        code = 130;
    kou_host_free(h);
    free(o);
    return code;
}
