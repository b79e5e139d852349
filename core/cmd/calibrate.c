/*
** calibrate.c — `kouan calibrate CAL.lua`: fits the free values of a
** calibration file (lua/cal_file.h, docs/calibration.md) to its targets
** (exp/calibrate.h: Nelder-Mead, then identifiability) and prints the
** fitted values, the residuals, the identifiability table and the lines
** to paste into the scenario; writes them to a CSV file too.
**
** Each evaluation loads the scenario afresh with the free values as named
** overrides (lua/portset.h, kou_portset_calibrate_point: the same as
** --set NAME=VALUE) and runs its replications through the pipeline
** (exp/replicate.h) on -j worker threads, replication r on seed + r at
** every point (common random numbers). A sink copies each replication's
** target values to the replication's own row; the main thread averages
** the rows in order, so the result does not depend on -j.
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
#include "exp/calibrate.h"
#include "exp/replicate.h"
#include "lua/portset.h"
#include "model/kpi.h"
#include "model/params.h"

#define MAX_OPTS 12
#define NT KOU_CAL_MAX_TARGETS

typedef struct cal_opts {
    const char *file, *output;
    size_t nfile;
    uint64_t jobs, reps, max_evals;
    double until;
    bool reps_given, max_given, until_given, no_profile, quiet;
} cal_opts;

static size_t options(cal_opts *o, kou_opt *t)
{
    const kou_opt opts[] = {
        {"-j", NULL, KOU_OPT_COUNT, &o->jobs, 1, 1024, .what = "a number of threads in 1..1024", .metavar = "N",
         .help = "worker threads (default: the online CPUs; the result\nis the same for any N)"},
        {"--output", "-o", KOU_OPT_CHECKED, &o->output, .check = kou_output_name, .what = KOU_OUTPUT_WHAT, .metavar = "FILE.csv",
         .help = "the result as CSV (default results/calibrate-CAL.csv,\noverwritten)"},
        {"--reps", NULL, KOU_OPT_COUNT, &o->reps, 1, 100000, .what = "an integer in 1..100000",
         .given = &o->reps_given, .metavar = "R", .help = "replications per evaluation (default: the file's)"},
        {"--until", NULL, KOU_OPT_NUMBER, &o->until, 0, INFINITY, true, "a positive number of hours",
         .given = &o->until_given, .metavar = "HOURS", .help = "hours of arrivals (default: the file's)"},
        {"--max-evals", NULL, KOU_OPT_COUNT, &o->max_evals, 1, 1000000, .what = "an integer >= 1",
         .given = &o->max_given, .metavar = "N", .help = "evaluations of the fit (default: the file's)"},
        {"--no-profile", NULL, KOU_OPT_FLAG, &o->no_profile,
         .help = "skip the held profiles (the Jacobian is still computed)"},
        {"--quiet", "-q", KOU_OPT_FLAG, &o->quiet, .help = "no progress lines on stderr"},
        {"--help", "-h", KOU_OPT_HELP, NULL, .help = "this help"},
    };
    _Static_assert(sizeof opts / sizeof *opts <= MAX_OPTS, "MAX_OPTS");
    memcpy(t, opts, sizeof opts);
    return sizeof opts / sizeof *opts;
}

void kou_cmd_calibrate_help(FILE *out)
{
    cal_opts o;
    kou_opt t[MAX_OPTS];
    memset(&o, 0, sizeof o);
    fputs("usage: kouan calibrate CAL.lua [-j N] [-o FILE.csv] [--reps R] [--until HOURS]\n"
          "                       [--max-evals N] [--no-profile] [-q]\n"
          "\n"
          "Fits the free values of a calibration file (named values the scenario reads\n"
          "with param()) to its published targets: Nelder-Mead simplex (GSL nmsimplex2)\n"
          "on the weighted sum of squared relative residuals, in units of each target's\n"
          "tolerance, every evaluation on the same seeds (common random numbers). Then\n"
          "identifiability: the Jacobian of the residuals, its singular values, and for\n"
          "each value whether the targets pin it down, with the range where the\n"
          "objective stays within 1 of its minimum. A value they cannot pin down is\n"
          "given as an uncertain{lo, hi, ...} line to paste into the scenario. The file\n"
          "format and the method: docs/calibration.md.\n"
          "\n"
          "options:\n", out);
    kou_opt_help(out, t, options(&o, t));
    fputs("\nexit status: 0 fitted, 1 a run failed or the file could not be written,\n"
          "2 bad command line or calibration file\n", out);
}

static int parse(cal_opts *o, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = n > 0 ? (uint64_t)n : 1;
    kou_opt t[MAX_OPTS];
    kou_opt_spec spec = {.command = "calibrate", .opts = t, .nopts = options(o, t),
                         .positional = "calibration file", .min_pos = 1, .max_pos = 1, .pos = &o->file,
                         .npos = &o->nfile, .help = kou_cmd_calibrate_help};
    int code = kou_opt_parse(&spec, argc, argv);
    if (code >= 0)
        return code;
    if (access(o->file, R_OK) != 0)
        return kou_usage_error("calibrate", "cannot open calibration file '%s': %s", o->file, strerror(errno));
    return -1;
}

/* ---- the model: one evaluation ---- */

typedef struct cal {
    const cal_opts *o;
    kou_cal_spec *spec;
    kou_portset *ps;             /* the calibration file's loader */
    kou_replicator *rp;
    size_t submitted;            /* jobs so far: the first index of an evaluation */
    size_t gidx[NT];             /* each target's group in the point's KPIs */
    double *rows;                /* reps x ntargets */
    int status;                  /* the exit status of a failed evaluation */
    double t0;
} cal;

/* The sink: a finished replication's target values into its row. */
static void keep_values(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    cal *c = ctx;
    if (res->status != KOU_OK)
        return;
    double *row = run->job->user;
    for (size_t j = 0; j < c->spec->ntargets; j++)
        row[j] = kou_kpi_get(run->kpi, c->gidx[j], c->spec->targets[j].metric);
}

static bool group_matches(const kou_cal_target *t, kou_kpi_group g)
{
    if (g.direction != t->direction)
        return false;
    if (t->group == NULL)
        return g.port_index < 0;
    return g.port_index >= 0 && strcmp(g.port, t->group) == 0 && (t->mode < 0 || g.mode == t->mode);
}

/* Target j's group has no match: a usage error naming the nearest port. */
static int no_group(const kou_kpi *k, size_t j, const kou_cal_target *t)
{
    const char *names[256];
    size_t n = 0;
    for (size_t g = 0; g < kou_kpi_groups(k) && n < 256; g++)
        if (kou_kpi_group_info(k, g).port_index >= 0)
            names[n++] = kou_kpi_group_info(k, g).port;
    const char *near = t->group ? koui_nearest_name(t->group, names, n) : NULL;
    return kou_usage_error("calibrate", "calibration.targets[%zu]: the scenario has no group '%s', %s%s%s%s%s%s",
                           j + 1, t->group ? t->group : "all ports", kou_direction_name(t->direction),
                           t->mode >= 0 ? ", " : "", t->mode >= 0 ? kou_mode_name(t->mode) : "",
                           near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
}

/* Each target's group in the configuration's KPIs. 0, or 2 after the message. */
static int map_groups(cal *c, const kou_model_config *cfg)
{
    kou_kpi *k = kou_kpi_new(cfg);
    int code = 0;
    for (size_t j = 0; j < c->spec->ntargets && code == 0; j++) {
        const kou_cal_target *t = &c->spec->targets[j];
        size_t found = 0;
        for (size_t g = 0; g < kou_kpi_groups(k); g++)
            if (group_matches(t, kou_kpi_group_info(k, g)) && found++ == 0)
                c->gidx[j] = g;
        if (found == 0)
            code = no_group(k, j, t);
        else if (found > 1)
            code = kou_usage_error("calibrate", "calibration.targets[%zu]: port '%s' has several %s groups: "
                                   "give mode = \"air\", \"rail\" or \"road\"", j + 1, t->group,
                                   kou_direction_name(t->direction));
    }
    kou_kpi_free(k);
    return code;
}

/* Runs the point's replications; their mean per target into y. 0 or -1. */
static int run_point(cal *c, const kou_portset_alt *alt, double *y, char *err, size_t errlen)
{
    size_t nt = c->spec->ntargets, reps = (size_t)c->spec->reps;
    for (size_t r = 0; r < reps; r++) {
        kou_rep_job job = {.cfg = alt->cfg, .start_date = alt->start_date, .seed = c->spec->seed + r,
                           .user = c->rows + r * nt};
        kou_replicator_submit(c->rp, &job);
    }
    c->submitted += reps;
    for (size_t r = 0; r < reps; r++) {
        const kou_rep_result *res = kou_replicator_next(c->rp);
        if (res == NULL || res->status != KOU_OK) {
            snprintf(err, errlen, "replication %zu (seed %llu): %s", r + 1,
                     (unsigned long long)(c->spec->seed + r), res ? res->error : "stopped");
            return -1;
        }
    }
    for (size_t j = 0; j < nt; j++) {
        y[j] = 0;
        for (size_t r = 0; r < reps; r++)
            y[j] += c->rows[r * nt + j];
        y[j] /= (double)reps;
    }
    return 0;
}

static int model(void *ctx, const double *x, double *y, char *err, size_t errlen)
{
    cal *c = ctx;
    int status;
    kou_portset *pt = kou_portset_calibrate_point(c->ps, x, &status);
    if (pt == NULL) {
        c->status = status;
        snprintf(err, errlen, "loading the scenario failed");
        return -1;
    }
    const kou_portset_alt *alt = kou_portset_get(pt, 0);
    int code = map_groups(c, alt->cfg);
    if (code != 0) {
        c->status = code;
        snprintf(err, errlen, "a target has no group");
    } else if (run_point(c, alt, y, err, errlen) != 0) {
        c->status = 1;
        code = -1;
    }
    kou_portset_free(pt);
    return code == 0 ? 0 : -1;
}

static void progress(void *ctx, size_t evals, const double *x, double s)
{
    cal *c = ctx;
    if (c->o->quiet)
        return;
    fprintf(stderr, "kouan calibrate: evaluation %zu (%.1f s): S = %.6g at", evals, kou_seconds() - c->t0, s);
    for (size_t k = 0; k < c->spec->nfree; k++)
        fprintf(stderr, " %s=%.6g", c->spec->free[k].name, x[k]);
    fputc('\n', stderr);
}

/* ---- the report ---- */

static void print_fit(const cal *c, const kou_cal_fit *fit, double wall, FILE *out)
{
    const kou_cal_spec *s = c->spec;
    fprintf(out, "\nfit: Nelder-Mead simplex (GSL nmsimplex2), %zu evaluations, %s, %.1f s wall\n", fit->evals,
            fit->converged ? "converged (simplex size below 1e-3 in the transformed coordinates)"
                           : "stopped at max_evals (not converged)", wall);
    fprintf(out, "objective S = sum of squared weighted residuals (units of tolerance) = %.6g\n\n", fit->objective);
    fprintf(out, "%-24s %14s %12s %12s %12s\n", "free value", "fitted", "min", "max", "start");
    for (size_t k = 0; k < s->nfree; k++)
        fprintf(out, "%-24s %14.6g %12g %12g %12g\n", s->free[k].name, fit->x[k], s->free[k].min, s->free[k].max,
                s->free[k].start);
    fprintf(out, "\n%-40s %11s %11s %9s %6s %7s  %s\n", "target", "published", "model", "residual", "tol",
            "weight", "source");
    for (size_t j = 0; j < s->ntargets; j++) {
        const kou_cal_target *t = &s->targets[j];
        char name[128];
        snprintf(name, sizeof name, "%s, %s %s%s%s", kou_kpi_metric_name(t->metric), t->group ? t->group : "all ports",
                 kou_direction_name(t->direction), t->mode >= 0 ? " " : "", t->mode >= 0 ? kou_mode_name(t->mode) : "");
        fprintf(out, "%-40s %11.4f %11.4f %+8.2f%% %5.2g%% %7g  %s\n", name, t->value, fit->y[j],
                100 * (fit->y[j] - t->value) / t->value, 100 * t->tolerance, t->weight, t->source);
    }
}

static void print_ident(const cal *c, const kou_cal_ident *id, FILE *out)
{
    const kou_cal_spec *s = c->spec;
    fputs("\nidentifiability: Jacobian of the weighted residuals at the fit (central differences, step 2 % of\n"
          "each range, same seeds), columns scaled by the ranges; singular values:", out);
    for (size_t i = 0; i < s->nfree; i++)
        fprintf(out, " %.4g", id->sv[i]);
    fprintf(out, "; condition number %.4g\n", id->cond);
    fprintf(out, "a value is identified when moving it (alone or along a flat direction) across half its\n"
            "range raises S by more than 1. Ranges where S <= S* + 1: held = the others held at the\n"
            "fit (evaluated%s); refit = the others refitted (linearised; the bounds when not identified).\n\n",
            id->held_done ? "" : ": skipped, profile = false or --no-profile");
    fprintf(out, "%-24s %10s  %-16s %-25s %-25s\n", "free value", "|column|", "verdict", "held range", "refit range");
    for (size_t k = 0; k < s->nfree; k++) {
        char held[64] = "-", refit[64];
        if (id->held_done)
            snprintf(held, sizeof held, "%.6g .. %.6g", id->held_lo[k], id->held_hi[k]);
        snprintf(refit, sizeof refit, "%.6g .. %.6g", id->refit_lo[k], id->refit_hi[k]);
        fprintf(out, "%-24s %10.4g  %-16s %-25s %-25s\n", s->free[k].name, id->colnorm[k],
                id->identified[k] ? "identified" : id->no_effect[k] ? "NOT (no effect)" : "NOT (trade-off)",
                held, refit);
    }
}

/* The prior of a value the targets do not pin down: the union of its ranges. */
static void prior_range(const kou_cal_ident *id, size_t k, double *lo, double *hi)
{
    *lo = id->refit_lo[k];
    *hi = id->refit_hi[k];
    if (id->held_done) {
        *lo = id->held_lo[k] < *lo ? id->held_lo[k] : *lo;
        *hi = id->held_hi[k] > *hi ? id->held_hi[k] : *hi;
    }
}

static void print_paste(const cal *c, const kou_cal_fit *fit, const kou_cal_ident *id, FILE *out)
{
    const kou_cal_spec *s = c->spec;
    fprintf(out, "\nto paste into the scenario (the result of %s):\n", c->o->file);
    for (size_t k = 0; k < s->nfree; k++) {
        const char *n = s->free[k].name;
        double lo, hi;
        prior_range(id, k, &lo, &hi);
        if (id->identified[k])
            fprintf(out, "  %s = param(\"%s\", %.4g),\n", n, n, fit->x[k]);
        else
            fprintf(out, "  %s = uncertain{%.4g, %.4g, name = \"%s\", source = \"kouan calibrate %s: not "
                    "identified by its targets (%s)\"},\n", n, lo, hi, n, c->o->file,
                    id->no_effect[k] ? "no target depends on it" : "it trades off against other free values");
    }
}

/* ---- the CSV file ---- */

static void csv_free(FILE *f, const cal *c, const kou_cal_fit *fit, const kou_cal_ident *id, size_t k)
{
    const kou_cal_param *q = &c->spec->free[k];
    fputs("free,", f);
    kou_csv_field(f, q->name);
    double v[] = {fit->x[k], q->min, q->max, q->start};
    for (size_t i = 0; i < 4; i++) {
        fputc(',', f);
        kou_csv_number(f, v[i]);
    }
    fputs(",,,,,,", f);
    fputs(id->identified[k] ? "yes" : "no", f);
    double r[] = {id->held_done ? id->held_lo[k] : NAN, id->held_done ? id->held_hi[k] : NAN, id->refit_lo[k],
                  id->refit_hi[k]};
    for (size_t i = 0; i < 4; i++) {
        fputc(',', f);
        kou_csv_number(f, r[i]);
    }
    fputs(",,\n", f); /* no source, no unit: a free value is in the unit of what it feeds */
}

static void csv_target(FILE *f, const cal *c, const kou_cal_fit *fit, size_t j)
{
    const kou_cal_target *t = &c->spec->targets[j];
    char name[160];
    snprintf(name, sizeof name, "%s|%s|%s%s%s", kou_kpi_metric_name(t->metric), t->group ? t->group : "all ports",
             kou_direction_name(t->direction), t->mode >= 0 ? "|" : "", t->mode >= 0 ? kou_mode_name(t->mode) : "");
    double scale;
    const char *unit = kou_kpi_metric_unit(t->metric, &scale); /* a share in %, as every CSV of kouan */
    fputs("target,", f);
    kou_csv_field(f, name);
    fputs(",,,,,", f);
    double v[] = {t->value * scale, fit->y[j] * scale, 100 * (fit->y[j] - t->value) / t->value, t->tolerance,
                  t->weight};
    for (size_t i = 0; i < 5; i++) {
        kou_csv_number(f, v[i]);
        fputc(',', f);
    }
    fputs(",,,,,", f);
    kou_csv_field(f, t->source);
    fputc(',', f);
    kou_csv_field(f, unit);
    fputc('\n', f);
}

/* 0, or 1 after the message. */
static int write_csv(const cal *c, const kou_cal_fit *fit, const kou_cal_ident *id, double wall)
{
    char path[4096], err[256];
    if (c->o->output) {
        snprintf(path, sizeof path, "%s", c->o->output);
    } else {
        const char *base = strrchr(c->o->file, '/');
        base = base ? base + 1 : c->o->file;
        if (kou_results_dir(err, sizeof err) != 0) {
            fprintf(stderr, "kouan calibrate: %s\n", err);
            return 1;
        }
        snprintf(path, sizeof path, "results/calibrate-%.*s.csv", (int)strcspn(base, "."), base);
    }
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "kouan calibrate: cannot write '%s': %s\n", path, strerror(errno));
        return 1;
    }
    fputs("kind,name,value,min,max,start,published,model,residual_pct,tolerance,weight,identified,held_lo,held_hi,"
          "refit_lo,refit_hi,source,unit\n", f);
    for (size_t k = 0; k < c->spec->nfree; k++)
        csv_free(f, c, fit, id, k);
    for (size_t j = 0; j < c->spec->ntargets; j++)
        csv_target(f, c, fit, j);
    fprintf(f, "summary,objective,%.10g,,,,,,,,,%s,,,,,,\n", fit->objective, fit->converged ? "converged" : "max_evals");
    fprintf(f, "summary,evaluations,%zu,,,,,,,,,,,,,,,\n", fit->evals + id->evals);
    fprintf(f, "summary,wall_seconds,%.3f,,,,,,,,,,,,,,,s\n", wall);
    if (fclose(f) != 0) {
        fprintf(stderr, "kouan calibrate: cannot write '%s'\n", path);
        return 1;
    }
    if (!c->o->quiet)
        fprintf(stderr, "kouan calibrate: wrote %s\n", path);
    return 0;
}

/* ---- the command ---- */

static void apply_options(const cal_opts *o, kou_cal_spec *s)
{
    if (o->reps_given)
        s->reps = o->reps;
    if (o->until_given)
        s->until = o->until;
    if (o->max_given)
        s->max_evals = o->max_evals;
    if (o->no_profile)
        s->profile = false;
}

/* The fit, identifiability, the report. The exit status. */
static int calibrate(cal *c)
{
    kou_cal_spec *s = c->spec;
    kou_cal_problem p = {.np = s->nfree, .nt = s->ntargets, .params = s->free, .targets = s->targets,
                         .model = model, .ctx = c, .max_evals = (size_t)s->max_evals, .progress = progress};
    kou_cal_fit fit;
    kou_cal_ident id;
    char err[512] = "";
    c->t0 = kou_seconds();
    printf("kouan calibrate %s: %s era %s, %llu replications per evaluation (seeds %llu-%llu at every point: "
           "common random numbers), -j %llu\n", c->o->file, kou_portset_calibrate_scenario(c->ps),
           s->era ? s->era : "(the scenario's)", (unsigned long long)s->reps, (unsigned long long)s->seed,
           (unsigned long long)(s->seed + s->reps - 1), (unsigned long long)c->o->jobs);
    fflush(stdout);
    if (kou_cal_fit_run(&p, &fit, err, sizeof err) != KOU_OK ||
        kou_cal_identify(&p, &fit, s->profile, &id, err, sizeof err) != KOU_OK) {
        if (c->status == 1)
            fprintf(stderr, "kouan calibrate: %s: %s\n", c->o->file, err);
        return c->status ? c->status : 2;
    }
    double wall = kou_seconds() - c->t0;
    print_fit(c, &fit, wall, stdout);
    print_ident(c, &id, stdout);
    print_paste(c, &fit, &id, stdout);
    printf("\nevaluations: %zu fit + %zu identifiability; wall time %.1f s\n", fit.evals, id.evals, wall);
    return write_csv(c, &fit, &id, wall);
}

int kou_cmd_calibrate(int argc, char **argv)
{
    cal_opts o;
    int code = parse(&o, argc - 2, argv + 2);
    if (code >= 0)
        return code;
    cal c = {.o = &o, .spec = koui_calloc(1, sizeof *c.spec)};
    c.ps = kou_portset_new_calibrate(o.file, c.spec, &code);
    if (c.ps != NULL) {
        apply_options(&o, c.spec);
        c.rows = koui_calloc((size_t)c.spec->reps * c.spec->ntargets, sizeof *c.rows);
        kou_rep_sink sink = {.ctx = &c, .end = keep_values};
        kou_rep_config rc = {.threads = (int)o.jobs, .sinks = &sink, .nsinks = 1};
        char err[256];
        c.rp = kou_replicator_new(&rc, err, sizeof err);
        if (c.rp == NULL) {
            fprintf(stderr, "kouan calibrate: %s\n", err);
            code = 1;
        } else {
            code = calibrate(&c);
        }
    }
    kou_replicator_free(c.rp);
    kou_portset_free(c.ps);
    free(c.rows);
    free(c.spec);
    return code;
}
