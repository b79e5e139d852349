/*
** uncertainty.c — the outer loop of --uncertainty and its table
** (uncertainty.h).
*/
#include "cmd/uncertainty.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/common.h"
#include "cmd/opt.h"
#include "cmd/plot.h"
#include "exp/design.h"
#include "exp/mpi.h"
#include "exp/replicate.h"
#include "io/h5uncertainty.h"
#include "model/params.h"

#define M KOU_KPI_METRIC_COUNT

/* The metrics of the table, and the verdicts' targets on the % change of
** the overall mean (as kouan compare's). */
static const kou_kpi_metric shown[] = {KOU_KPI_OVERALL_MEAN, KOU_KPI_CUSTOMS_MEAN, KOU_KPI_PREP_MEAN};
#define NSHOWN (sizeof shown / sizeof *shown)
static const double targets[2] = {-100.0 / 3, -50.0};
static const char *const target_names[2] = {"-1/3", "-1/2"};

typedef struct unc_run {
    const kou_unc_request *q;
    kou_unc_data u;
    int *map;                 /* [a][g]: alternative a's own KPI group for baseline group g, or -1 */
    char (*set_text)[32];     /* the values of a draw as --set text */
    const char **set_key, **set_value;
    kou_mpi *mpi;             /* under mpirun: draw d is rank d % size's */
    int rank, size;
    kou_portset **draw_ps;    /* [d]: the draw's loader while its replications run (their processes) */
    bool processes;           /* some alternative lists processes (then the pipeline has their sink) */
    size_t discarded;         /* processes discarded in draws after the one warned about */
    bool warned;
} unc_run;

/* ---- the draws ---- */

/* The Latin hypercube over the priors: draws[d][i] = quantile of prior i. */
static int make_draws(unc_run *x, char *err, size_t errlen)
{
    kou_unc_data *u = &x->u;
    if (u->npriors > KOU_DESIGN_MAX_FACTORS) {
        snprintf(err, errlen, "%zu uncertain values: at most %d", u->npriors, KOU_DESIGN_MAX_FACTORS);
        return -1;
    }
    kou_design_spec spec = {.method = KOU_DESIGN_LHS, .seed = u->seed, .points = u->ndraws,
                            .nfactors = u->npriors};
    for (size_t i = 0; i < u->npriors; i++) {
        spec.factors[i] = (kou_factor){.path = u->priors[i].name, .continuous = true, .min = 0, .max = 1};
        kou_factor_complete(&spec.factors[i]);
    }
    kou_design *d = kou_design_new(&spec, err, errlen);
    if (d == NULL)
        return -1;
    const double *unit = kou_design_matrix(d);
    for (size_t k = 0; k < u->ndraws * u->npriors; k++)
        u->draws[k] = kou_prior_quantile(&u->priors[k % u->npriors], unit[k]);
    kou_design_free(d);
    return 0;
}

/* The loader's request of draw d: the command's --set, then every prior
** by name at its drawn value. */
static kou_portset *load_draw(unc_run *x, size_t d, int *status)
{
    const kou_portset_request *rq = x->q->rq;
    kou_portset_request r = *rq;
    size_t k = rq->nset;
    for (size_t i = 0; i < x->u.npriors; i++, k++) {
        snprintf(x->set_text[i], sizeof x->set_text[i], "%.17g", x->u.draws[d * x->u.npriors + i]);
        x->set_key[k] = x->u.priors[i].name;
        x->set_value[k] = x->set_text[i];
    }
    r.set_key = x->set_key;
    r.set_value = x->set_value;
    r.nset = k;
    return kou_portset_new(&r, status);
}

/* ---- the replications ---- */

/* The sink: a replication's KPIs into values, by the baseline's groups
** (submission order: draw, alternative, replication). */
static void keep_values(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    unc_run *x = ctx;
    kou_unc_data *u = &x->u;
    if (res->status != KOU_OK)
        return;
    size_t slot = (size_t)(uintptr_t)run->job->user; /* (d * nalts + a) * nreps + r */
    size_t r = slot % u->nreps, a = slot / u->nreps % u->nalts, d = slot / u->nreps / u->nalts;
    for (size_t g = 0; g < u->ngroups; g++) {
        int own = x->map[a * u->ngroups + g];
        for (size_t m = 0; m < M; m++)
            *kou_unc_value(u, d, a, r, g, m) = own < 0 ? NAN : kou_kpi_get(run->kpi, (size_t)own, (kou_kpi_metric)m);
    }
}

/* The processes' sink of the draw a replication belongs to. */
static kou_rep_sink draw_sink(const unc_run *x, const kou_rep_run *run)
{
    size_t slot = (size_t)(uintptr_t)run->job->user;
    return kou_portset_process_sink(x->draw_ps[slot / x->u.nreps / x->u.nalts]);
}

static void procs_ready(void *ctx, kou_rep_run *run)
{
    kou_rep_sink s = draw_sink(ctx, run);
    if (s.sim_ready)
        s.sim_ready(s.ctx, run);
}

static void procs_end(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    kou_rep_sink s = draw_sink(ctx, run);
    if (s.end)
        s.end(s.ctx, run, res);
}

/* After draw d's replications: its discard warning (the first draw with
** any), or its count for the closing line; then the loader goes. */
static void drop_draw(unc_run *x, size_t d)
{
    kou_portset *ps = x->draw_ps[d];
    x->draw_ps[d] = NULL;
    if (ps == NULL)
        return;
    size_t n = kou_portset_discarded(ps);
    if (n > 0 && !x->warned) {
        fprintf(stderr, "kouan: %s --uncertainty, draw %zu: ", x->q->command, d + 1);
        kou_portset_warn_discarded(ps, 0);
        x->warned = true;
    } else {
        x->discarded += n;
    }
    kou_portset_free(ps);
}

static void submit_draw(unc_run *x, kou_replicator *rp, const kou_portset *ps, size_t d)
{
    for (size_t a = 0; a < x->u.nalts; a++) {
        const kou_portset_alt *alt = kou_portset_get(ps, a);
        for (size_t r = 0; r < x->u.nreps; r++) {
            uintptr_t slot = (d * x->u.nalts + a) * x->u.nreps + r;
            kou_rep_job job = {.cfg = alt->cfg, .start_date = alt->start_date, .seed = x->u.seed + r,
                               .user = (void *)slot};
            kou_replicator_submit(rp, &job);
        }
    }
}

/* Takes back the replications of draw d. 0, or 1 after the message. */
static int collect_draw(unc_run *x, kou_replicator *rp, size_t d)
{
    for (size_t k = 0; k < x->u.nalts * x->u.nreps; k++) {
        const kou_rep_result *res = kou_replicator_next(rp);
        if (res == NULL) {
            fprintf(stderr, "kouan: %s --uncertainty: interrupted in draw %zu\n", x->q->command, d + 1);
            return 1;
        }
        if (res->status != KOU_OK && kou_portset_process_failed(x->draw_ps[d])) {
            fprintf(stderr, "kouan: %s --uncertainty: draw %zu, %s, replication %llu: a process failed:\n",
                    x->q->command, d + 1, x->u.alts[k / x->u.nreps], (unsigned long long)(res->job.seed - x->u.seed + 1));
            return kou_portset_report_process_error(x->draw_ps[d]);
        }
        if (res->status != KOU_OK) {
            fprintf(stderr, "kouan: %s --uncertainty: draw %zu, %s, replication %llu: %s\n", x->q->command, d + 1,
                    x->u.alts[k / x->u.nreps], (unsigned long long)(res->job.seed - x->u.seed + 1), res->error);
            return 1;
        }
    }
    return 0;
}

/* MPI: a rank > 0 sends the values of its draw d to rank 0, one
** replication (its groups x metrics) a message; rank 0 takes a draw of
** another rank in draw order (each rank sends in that order too). */
static void send_draw(unc_run *x, size_t d)
{
    for (size_t a = 0; a < x->u.nalts; a++)
        for (size_t r = 0; r < x->u.nreps; r++) {
            kou_mpi_run m = {.index = (d * x->u.nalts + a) * x->u.nreps + r, .seed = x->u.seed + r,
                             .values = kou_unc_value(&x->u, d, a, r, 0, 0), .nvalues = x->u.ngroups * M};
            kou_mpi_send_run(x->mpi, &m);
        }
}

static void receive_draw(unc_run *x, size_t d)
{
    for (size_t a = 0; a < x->u.nalts; a++)
        for (size_t r = 0; r < x->u.nreps; r++) {
            kou_mpi_run m = {.values = kou_unc_value(&x->u, d, a, r, 0, 0), .nvalues = x->u.ngroups * M};
            kou_mpi_recv_run(x->mpi, (int)(d % (size_t)x->size), (d * x->u.nalts + a) * x->u.nreps + r, &m,
                             NULL);
        }
}

/* Takes back draw d's replications, and sends them on from a rank > 0. */
static int finish_draw(unc_run *x, kou_replicator *rp, size_t d)
{
    int code = collect_draw(x, rp, d);
    if (code == 0 && x->rank > 0)
        send_draw(x, d);
    return code;
}

/* Every draw of this rank: load, submit, and take back the previous
** draw's results meanwhile; rank 0 takes the other ranks' draws in order.
** 0, or the exit status after the message. */
static int run_draws(unc_run *x, kou_replicator *rp)
{
    bool held = false;
    size_t held_d = 0;
    int code = 0;
    for (size_t d = 0; d < x->u.ndraws && code == 0; d++) {
        if (d % (size_t)x->size != (size_t)x->rank) {
            if (x->rank == 0)
                receive_draw(x, d);
            continue;
        }
        kou_portset *ps = load_draw(x, d, &code);
        if (ps == NULL)
            break;
        if (kou_portset_count(ps) != x->u.nalts) {
            fprintf(stderr, "kouan: %s --uncertainty: draw %zu gives %zu alternatives, the central values %zu\n",
                    x->q->command, d + 1, kou_portset_count(ps), x->u.nalts);
            kou_portset_free(ps);
            code = 1;
            break;
        }
        x->draw_ps[d] = ps;
        submit_draw(x, rp, ps, d);
        if (held)
            code = finish_draw(x, rp, held_d);
        if (held && code != 0) /* the pipeline may still run draw d: it goes with the pipeline */
            break;
        if (held)
            drop_draw(x, held_d);
        held = true;
        held_d = d;
    }
    if (code == 0 && held)
        code = finish_draw(x, rp, held_d);
    return code;
}

/* ---- setting up from the central load ---- */

/* The baseline's groups, and each alternative's own group for each. */
static void map_groups(unc_run *x, const kou_portset *ps)
{
    kou_unc_data *u = &x->u;
    kou_kpi *base = kou_kpi_new(kou_portset_get(ps, 0)->cfg);
    u->ngroups = kou_kpi_groups(base);
    kou_unc_data_alloc(u);
    x->map = koui_malloc((u->nalts * u->ngroups + 1) * sizeof *x->map);
    for (size_t g = 0; g < u->ngroups; g++) {
        kou_kpi_group gi = kou_kpi_group_info(base, g);
        u->groups[g] = (kou_unc_group){.port_index = gi.port_index, .mode = gi.mode, .direction = gi.direction};
        snprintf(u->groups[g].port, sizeof u->groups[g].port, "%s", gi.port);
    }
    for (size_t a = 0; a < u->nalts; a++) {
        kou_kpi *ka = kou_kpi_new(kou_portset_get(ps, a)->cfg);
        for (size_t g = 0; g < u->ngroups; g++) {
            x->map[a * u->ngroups + g] = -1;
            for (size_t j = 0; j < kou_kpi_groups(ka); j++) {
                kou_kpi_group gj = kou_kpi_group_info(ka, j);
                if (gj.mode == u->groups[g].mode && gj.direction == u->groups[g].direction &&
                    strcmp(gj.port, u->groups[g].port) == 0)
                    x->map[a * u->ngroups + g] = (int)j;
            }
        }
        kou_kpi_free(ka);
    }
    kou_kpi_free(base);
}

/* The central load: alternatives, priors, groups. 0, or the exit status. */
static int setup(unc_run *x)
{
    const kou_unc_request *q = x->q;
    int code = 0;
    kou_portset *ps = kou_portset_new(q->rq, &code);
    if (ps == NULL)
        return code;
    size_t np;
    const kou_prior *priors = kou_portset_priors(ps, &np);
    for (size_t a = 0; a < kou_portset_count(ps); a++)
        x->processes |= kou_portset_get(ps, a)->processes;
    if (np == 0)
        code = kou_usage_error(q->command, "--uncertainty: '%s' has no uncertain{} value to propagate "
                               "(docs/uncertainty.md)", q->rq->scripts[0]);
    if (code == 0) {
        x->u.nalts = kou_portset_count(ps);
        x->u.npriors = np;
        map_groups(x, ps);
        memcpy(x->u.priors, priors, np * sizeof *priors);
        for (size_t a = 0; a < x->u.nalts; a++)
            snprintf(x->u.alts[a], sizeof x->u.alts[a], "%s", kou_portset_get(ps, a)->label);
        x->set_text = koui_calloc(np, sizeof *x->set_text);
        x->set_key = koui_calloc(q->rq->nset + np, sizeof *x->set_key);
        x->set_value = koui_calloc(q->rq->nset + np, sizeof *x->set_value);
        for (size_t i = 0; i < q->rq->nset; i++) {
            x->set_key[i] = q->rq->set_key[i];
            x->set_value[i] = q->rq->set_value[i];
        }
    }
    kou_portset_free(ps);
    return code;
}

/* ---- outputs ---- */

static int default_path(const unc_run *x, char *path, size_t len)
{
    const char *script = x->q->rq->scripts[0], *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    char stem[300], err[600];
    size_t n = strcspn(base, ".");
    snprintf(stem, sizeof stem, "%.*s-unc-s%llu-n%zu", (int)(n < 200 ? n : 200), base,
             (unsigned long long)x->u.seed, x->u.ndraws);
    if (kou_results_path(path, len, stem, x->q->force, err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    return 0;
}

/* The CSV: one row per draw, alternative and group (all-ports groups), the
** drawn values and the draw means of the shown metrics. */
static int write_csv(const kou_unc_data *u, const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, "kouan: %s: %s\n", path, strerror(errno));
        return 1;
    }
    fputs("draw,alternative,group,direction", f);
    for (size_t i = 0; i < u->npriors; i++) {
        fputc(',', f);
        kou_csv_field(f, u->priors[i].name);
    }
    for (size_t k = 0; k < NSHOWN; k++)
        fprintf(f, ",%s", kou_kpi_metric_name(shown[k]));
    fputc('\n', f);
    double *y = koui_malloc((u->nreps + 1) * sizeof *y);
    for (size_t d = 0; d < u->ndraws; d++)
        for (size_t a = 0; a < u->nalts; a++)
            for (size_t g = 0; g < u->ngroups; g++) {
                fprintf(f, "%zu,", d + 1);
                kou_csv_field(f, u->alts[a]);
                fputc(',', f);
                kou_csv_field(f, u->groups[g].port);
                fprintf(f, ",%s", kou_direction_name(u->groups[g].direction));
                for (size_t i = 0; i < u->npriors; i++) {
                    fputc(',', f);
                    kou_csv_number(f, u->draws[d * u->npriors + i]);
                }
                for (size_t k = 0; k < NSHOWN; k++) {
                    double mean;
                    for (size_t r = 0; r < u->nreps; r++)
                        y[r] = *kou_unc_value(u, d, a, r, g, (size_t)shown[k]);
                    kou_unc_draw_means(y, 1, u->nreps, &mean);
                    fputc(',', f);
                    kou_csv_number(f, mean);
                }
                fputc('\n', f);
            }
    free(y);
    if (fclose(f) != 0) {
        fprintf(stderr, "kouan: %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

static void make_title(const unc_run *x, char *title, size_t len)
{
    const kou_portset_request *rq = x->q->rq;
    snprintf(title, len, "%s%s, %zu draws (Latin hypercube, seed %llu) x %zu replications (seeds %llu-%llu in "
             "every draw)", rq->scripts[0], rq->nscripts > 1 ? " ..." : "", x->u.ndraws,
             (unsigned long long)x->u.seed, x->u.nreps, (unsigned long long)x->u.seed,
             (unsigned long long)(x->u.seed + x->u.nreps - 1));
}

static int outputs(const unc_run *x, double seconds, int threads)
{
    const kou_unc_request *q = x->q;
    char title[700], path[1024] = "";
    make_title(x, title, sizeof title);
    if (!q->quiet)
        kou_unc_print(&x->u, stdout, title);
    fprintf(stderr, "kouan: %zu draws x %zu alternatives x %zu replications in %.1f s on %d threads%s\n",
            x->u.ndraws, x->u.nalts, x->u.nreps, seconds, threads, x->size > 1 ? " per MPI rank" : "");
    int code = q->csv ? write_csv(&x->u, q->csv) : 0;
    if (code == 0 && !q->no_output) {
        if (q->output)
            snprintf(path, sizeof path, "%s", q->output);
        else
            code = default_path(x, path, sizeof path);
        char err[800];
        char *cmdline = kou_command_line(q->argc, q->argv);
        if (code == 0 && kou_h5u_write(path, &x->u, title, cmdline ? cmdline : "", q->force, err, sizeof err) != 0) {
            fprintf(stderr, "kouan: %s\n", err);
            code = 1;
        }
        free(cmdline);
        if (code == 0 && !q->quiet)
            fprintf(stderr, "kouan: uncertainty file %s\n", path);
    }
    if (code == 0 && q->plot)
        code = path[0] ? kou_plot_file(kou_portset_root(), path, q->plot)
                       : (fprintf(stderr, "kouan: --plot needs the uncertainty file (no --no-output)\n"), 1);
    return code;
}

/* MPI when launched by mpirun: this rank's place. 0, or the exit status. */
static int start_mpi(unc_run *x)
{
    x->size = 1;
    if (!kou_mpi_launched())
        return 0;
    char err[256];
    x->mpi = kou_mpi_new(err, sizeof err);
    if (x->mpi == NULL) {
        fprintf(stderr, "kouan: %s --uncertainty: %s\n", x->q->command, err);
        return 2;
    }
    x->rank = kou_mpi_rank(x->mpi);
    x->size = kou_mpi_size(x->mpi);
    return 0;
}

int kou_unc_command(const kou_unc_request *q)
{
    unc_run x = {.q = q, .u = {.ndraws = q->draws, .nreps = q->reps, .seed = q->rq->seed}};
    int code = start_mpi(&x);
    if (code == 0)
        code = setup(&x);
    char err[KOU_EXP_ERROR_LEN];
    if (code == 0 && make_draws(&x, err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s --uncertainty: %s\n", q->command, err);
        code = 1;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = q->threads ? (int)q->threads : cpus > 0 ? (int)cpus : 1;
    x.draw_ps = koui_calloc(x.u.ndraws ? x.u.ndraws : 1, sizeof *x.draw_ps);
    kou_rep_sink sinks[2] = {{.ctx = &x, .sim_ready = procs_ready, .end = procs_end}, {.ctx = &x, .end = keep_values}};
    /* the processes' sink only when there are any: a sink with sim_ready
    ** makes the model end a replication once drained (exp/replicate.h) */
    kou_rep_config rc = {.threads = threads, .watch_stop = true, .sinks = x.processes ? sinks : sinks + 1,
                         .nsinks = x.processes ? 2 : 1};
    kou_replicator *rp = code == 0 ? kou_replicator_new(&rc, err, sizeof err) : NULL;
    if (code == 0 && rp == NULL) {
        fprintf(stderr, "kouan: %s --uncertainty: %s\n", q->command, err);
        code = 1;
    }
    double t0 = kou_seconds();
    kou_rep_traps traps;
    if (rp) {
        kou_rep_trap_signals(&traps);
        code = run_draws(&x, rp);
        kou_rep_untrap_signals(&traps);
        if (kou_rep_stop_signal())
            code = 130;
    }
    kou_replicator_free(rp);
    for (size_t d = 0; d < x.u.ndraws; d++) /* the draws the pipeline still had */
        drop_draw(&x, d);
    free(x.draw_ps);
    if (x.discarded > 0)
        fprintf(stderr, "kouan: %s --uncertainty: %zu more such process%s in later draws\n", q->command, x.discarded,
                x.discarded == 1 ? "" : "es");
    if (code != 0 && x.size > 1) /* the other ranks may wait for this one */
        kou_mpi_abort(x.mpi, code);
    if (code == 0 && x.rank == 0)
        code = outputs(&x, kou_seconds() - t0, threads);
    kou_mpi_free(x.mpi);
    kou_unc_data_free(&x.u);
    free(x.map);
    free(x.set_text);
    free(x.set_key);
    free(x.set_value);
    return code;
}

/* ---- the table ---- */

static void print_priors(const kou_unc_data *u, FILE *out)
{
    fprintf(out, "uncertain values (a plain run uses the median):\n");
    for (size_t i = 0; i < u->npriors; i++) {
        char shape[160];
        kou_prior_describe(&u->priors[i], shape, sizeof shape);
        fprintf(out, "  %-24s %-34s median %-8.4g %s\n", u->priors[i].name, shape,
                kou_prior_central(&u->priors[i]), u->priors[i].source);
    }
}

/* "12.34 (11.9-12.8)": a band end with its interval. */
static void band_end(char *buf, size_t n, double v, const double ci[2])
{
    if (isnan(v))
        snprintf(buf, n, "-");
    else
        snprintf(buf, n, "%.2f (%.2f..%.2f)", v, ci[0], ci[1]);
}

static void print_stat_row(FILE *out, const char *what, const kou_unc_stat *s, const char *unit)
{
    char lo[64], hi[64], noise[32] = "-", share[16] = "-";
    band_end(lo, sizeof lo, s->band_lo, s->band_lo_ci);
    band_end(hi, sizeof hi, s->band_hi, s->band_hi_ci);
    if (!isnan(s->noise_half))
        snprintf(noise, sizeof noise, "%.2f", s->noise_half);
    if (!isnan(s->share_param))
        snprintf(share, sizeof share, "%.0f %%", 100 * s->share_param);
    fprintf(out, "  %-26s %9.2f%-2s %8s   %-24s %-24s %s\n", what, s->mean, unit, noise, lo, hi, share);
}

/* One metric of group g: each alternative's KPI, then its % change. */
static void print_metric(const kou_unc_data *u, FILE *out, size_t g, kou_kpi_metric m)
{
    size_t n = u->ndraws * u->nreps;
    double *y = koui_malloc((n + u->ndraws + 1) * sizeof *y), *pct = y + n;
    for (size_t a = 0; a < u->nalts; a++) {
        char what[96];
        kou_unc_series(u, a, g, (size_t)m, y);
        kou_unc_stat s = kou_unc_summarize(y, u->ndraws, u->nreps);
        snprintf(what, sizeof what, "%s %s", kou_kpi_metric_name(m), u->alts[a]);
        print_stat_row(out, what, &s, "");
        if (a == 0)
            continue;
        kou_unc_pct_change(u, a, g, (size_t)m, pct);
        kou_unc_stat c = kou_unc_summarize(pct, u->ndraws, 1); /* one value a draw: no noise, no share */
        snprintf(what, sizeof what, "  %% change vs %s", u->alts[0]);
        print_stat_row(out, what, &c, " %");
    }
    free(y);
}

/* "met in 38 % of 64 draws (27-50 %)", and what that says. */
static void print_verdicts(const kou_unc_data *u, FILE *out, size_t g)
{
    double *pct = koui_malloc((u->ndraws + 1) * sizeof *pct);
    for (size_t t = 0; t < 2; t++)
        for (size_t a = 1; a < u->nalts; a++) {
            kou_unc_pct_change(u, a, g, KOU_KPI_OVERALL_MEAN, pct);
            kou_unc_prob p = kou_unc_prob_below(pct, u->ndraws, targets[t]);
            /* robust: the whole interval of the probability is near 1 (or 0) */
            const char *says = p.n == 0 ? "no answer"
                             : p.lo >= 0.9 ? "robust: met whatever the unknowns"
                             : p.hi <= 0.1 ? "robust: not met whatever the unknowns"
                             : p.p == 1 || p.p == 0 ? "every draw agrees, too few draws to call it robust"
                                                    : "depends on the unknowns";
            fprintf(out, "  target overall_mean %s, %s vs %s: met in %.0f %% of %zu draws (95 %%: %.0f-%.0f %%): "
                    "%s\n", target_names[t], u->alts[a], u->alts[0], 100 * p.p, p.n, 100 * p.lo, 100 * p.hi, says);
        }
    free(pct);
}

/* The priors ranked by |Spearman's rho| with the result of each draw: the
** overall mean (one alternative), or each alternative's % change. */
static void print_ranking(const kou_unc_data *u, FILE *out, size_t g)
{
    size_t n = u->ndraws * u->nreps;
    double *y = koui_malloc((n + 2 * u->ndraws + u->npriors + 1) * sizeof *y), *res = y + n, *col = res + u->ndraws;
    double *rho = col + u->ndraws;
    size_t *order = koui_malloc((u->npriors + 1) * sizeof *order);
    for (size_t a = u->nalts > 1 ? 1 : 0; a < u->nalts; a++) {
        if (u->nalts > 1)
            kou_unc_pct_change(u, a, g, KOU_KPI_OVERALL_MEAN, res);
        else {
            kou_unc_series(u, 0, g, KOU_KPI_OVERALL_MEAN, y);
            kou_unc_draw_means(y, u->ndraws, u->nreps, res);
        }
        for (size_t i = 0; i < u->npriors; i++) {
            for (size_t d = 0; d < u->ndraws; d++)
                col[d] = u->draws[d * u->npriors + i];
            rho[i] = kou_unc_rank_corr(col, res, u->ndraws);
            order[i] = i;
        }
        for (size_t i = 1; i < u->npriors; i++) /* insertion sort by |rho|, NaN last */
            for (size_t j = i; j > 0 && (isnan(rho[order[j - 1]]) ? !isnan(rho[order[j]])
                                         : fabs(rho[order[j]]) > fabs(rho[order[j - 1]])); j--) {
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
        fprintf(out, "  what moves %s%s (Spearman's rho over the draws):", u->nalts > 1 ? "the % change of " : "",
                u->nalts > 1 ? u->alts[a] : "overall_mean");
        for (size_t i = 0; i < u->npriors && i < 6; i++)
            fprintf(out, "%s %s %+.2f", i ? "," : "", u->priors[order[i]].name, rho[order[i]]);
        fputc('\n', out);
    }
    free(order);
    free(y);
}

void kou_unc_print(const kou_unc_data *u, FILE *out, const char *title)
{
    fprintf(out, "%s\n\n", title);
    print_priors(u, out);
    for (size_t g = 0; g < u->ngroups; g++) {
        if (u->groups[g].port_index >= 0)
            continue;
        fprintf(out, "\n== %s, %s ==\n", u->groups[g].port, kou_direction_name(u->groups[g].direction));
        fprintf(out, "  %-26s %11s %8s   %-24s %-24s %s\n", "metric (h)", "mean", "noise +-",
                "band 5 % (95 % CI)", "band 95 % (95 % CI)", "from parameters");
        for (size_t k = 0; k < NSHOWN; k++)
            print_metric(u, out, g, shown[k]);
        if (u->nalts > 1)
            print_verdicts(u, out, g);
        print_ranking(u, out, g);
    }
}
