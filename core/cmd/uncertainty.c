/*
** uncertainty.c — the outer loop of --uncertainty and its table
** (uncertainty.h).
*/
#include "cmd/uncertainty.h"

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
#include "io/xlsx.h"
#include "kouan_version.h"
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
    char (*port_zh)[128];     /* [g]: the scenario's name_zh of group g's port ("" none, all ports) */
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
    x->port_zh = koui_calloc(u->ngroups + 1, sizeof *x->port_zh);
    for (size_t g = 0; g < u->ngroups; g++) {
        kou_kpi_group gi = kou_kpi_group_info(base, g);
        u->groups[g] = (kou_unc_group){.port_index = gi.port_index, .mode = gi.mode, .direction = gi.direction};
        snprintf(u->groups[g].port, sizeof u->groups[g].port, "%s", gi.port);
        const char *zh = gi.port_index < 0 ? NULL : kou_portset_port_zh(ps, gi.port);
        snprintf(x->port_zh[g], sizeof x->port_zh[g], "%s", zh ? zh : "");
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

/* The per-draw rows of --csv and --xlsx, one builder for both: one row
** per draw, alternative and group: the draw, the alternative, the group's
** port, the direction, the drawn values, then the draw means of the shown
** metrics in their units (the header says which: "overall_mean (h)"). */
typedef struct draw_table {
    size_t ncol, nrow;
    const char **headers, **formats;
    double *widths;
    kou_xlsx_cell *cells;
    char (*head_buf)[128];
    double *y;
} draw_table;

enum { DRAW_IDS = 4 }; /* draw, alternative, group, direction */

static void draw_headers(const unc_run *x, draw_table *t)
{
    const kou_unc_data *u = &x->u;
    kou_lang lang = x->q->lang;
    static const kou_word ids[DRAW_IDS] = {KOU_W_DRAW, KOU_W_ALTERNATIVE, KOU_W_GROUP, KOU_W_DIRECTION};
    static const double id_widths[DRAW_IDS] = {8, 18, 18, 10};
    for (size_t c = 0; c < DRAW_IDS; c++) {
        t->headers[c] = kou_word_in(lang, ids[c]);
        t->formats[c] = c == 0 ? "0" : NULL;
        t->widths[c] = id_widths[c];
    }
    for (size_t i = 0; i < u->npriors; i++) {
        t->headers[DRAW_IDS + i] = u->priors[i].name; /* a prior's value is in the unit of what it feeds */
        t->formats[DRAW_IDS + i] = NULL;
        t->widths[DRAW_IDS + i] = 16;
    }
    for (size_t k = 0; k < NSHOWN; k++) {
        double scale;
        const char *unit = kou_kpi_metric_unit(shown[k], &scale);
        snprintf(t->head_buf[k], sizeof t->head_buf[k], "%s (%s)", kou_lang_name(lang, kou_kpi_metric_name(shown[k])),
                 kou_lang_name(lang, unit));
        size_t c = DRAW_IDS + u->npriors + k;
        t->headers[c] = t->head_buf[k];
        t->formats[c] = "0.00";
        t->widths[c] = 16;
    }
}

static void draw_row(const unc_run *x, draw_table *t, size_t d, size_t a, size_t g, kou_xlsx_cell *row)
{
    const kou_unc_data *u = &x->u;
    kou_lang lang = x->q->lang;
    row[0].number = (double)(d + 1);
    row[1].text = u->alts[a];
    row[2].text = kou_lang_port(lang, u->groups[g].port, x->port_zh[g]);
    row[3].text = kou_lang_name(lang, kou_direction_name(u->groups[g].direction));
    for (size_t i = 0; i < u->npriors; i++)
        row[DRAW_IDS + i].number = u->draws[d * u->npriors + i];
    for (size_t k = 0; k < NSHOWN; k++) {
        double mean, scale;
        kou_kpi_metric_unit(shown[k], &scale);
        for (size_t r = 0; r < u->nreps; r++)
            t->y[r] = *kou_unc_value(u, d, a, r, g, (size_t)shown[k]);
        kou_unc_draw_means(t->y, 1, u->nreps, &mean);
        row[DRAW_IDS + u->npriors + k].number = mean * scale;
    }
}

static draw_table *draw_table_new(const unc_run *x)
{
    const kou_unc_data *u = &x->u;
    draw_table *t = koui_malloc(sizeof *t);
    t->ncol = DRAW_IDS + u->npriors + NSHOWN;
    t->nrow = u->ndraws * u->nalts * u->ngroups;
    t->headers = koui_malloc(2 * t->ncol * sizeof *t->headers);
    t->formats = t->headers + t->ncol;
    t->widths = koui_malloc(t->ncol * sizeof *t->widths);
    t->head_buf = koui_malloc(NSHOWN * sizeof *t->head_buf);
    t->cells = koui_malloc((t->nrow ? t->nrow : 1) * t->ncol * sizeof *t->cells);
    t->y = koui_malloc((u->nreps + 1) * sizeof *t->y);
    draw_headers(x, t);
    for (size_t i = 0; i < t->nrow * t->ncol; i++)
        t->cells[i] = (kou_xlsx_cell){NULL, NAN};
    size_t row = 0;
    for (size_t d = 0; d < u->ndraws; d++)
        for (size_t a = 0; a < u->nalts; a++)
            for (size_t g = 0; g < u->ngroups; g++, row++)
                draw_row(x, t, d, a, g, t->cells + row * t->ncol);
    return t;
}

static void draw_table_free(draw_table *t)
{
    free(t->headers);
    free(t->widths);
    free(t->head_buf);
    free(t->cells);
    free(t->y);
    free(t);
}

/* The CSV (UTF-8, a byte-order mark first with --bom). 0, or 1 after the message. */
static int write_csv(const draw_table *t, const char *path, bool bom)
{
    char err[600];
    if (kou_csv_write_table(path, t->ncol, t->nrow, t->headers, t->cells, bom, "\n", err, sizeof err) == 0)
        return 0;
    fprintf(stderr, "kouan: %s\n", err);
    return 1;
}

#define MAX_PROV 40

/* The per-draw rows (sheet 1) and the provenance (sheet 2) as .xlsx, as
** compare's --xlsx. 0, or 1 after the message. */
static int write_xlsx(const unc_run *x, const draw_table *t, const char *cmdline)
{
    const kou_unc_request *q = x->q;
    kou_lang lang = q->lang;
    kou_xlsx_cell cells[2 * MAX_PROV];
    char when[32];
    kou_utc_now(when);
    size_t n = 0;
#define ROW(word, txt, num) (cells[2 * n] = (kou_xlsx_cell){kou_word_in(lang, word), NAN}, \
                             cells[2 * n + 1] = (kou_xlsx_cell){txt, num}, n++)
    for (size_t a = 0; a < x->u.nalts && n < MAX_PROV - 8; a++)
        ROW(KOU_W_ALTERNATIVE, x->u.alts[a], NAN);
    for (size_t i = 0; i < q->rq->nscripts && n < MAX_PROV - 8; i++)
        ROW(KOU_W_SCENARIO_FILES, q->rq->scripts[i], NAN);
    ROW(KOU_W_SEED, NULL, (double)x->u.seed);
    ROW(KOU_W_DRAWS, NULL, (double)x->u.ndraws);
    ROW(KOU_W_REPS_PER_DRAW, NULL, (double)x->u.nreps);
    ROW(KOU_W_VERSION, KOUAN_VERSION, NAN);
    ROW(KOU_W_COMMIT, KOUAN_GIT_COMMIT, NAN);
    ROW(KOU_W_COMMAND_LINE, cmdline, NAN);
    ROW(KOU_W_FINISHED, when, NAN);
#undef ROW
    const char *prov_head[2] = {kou_word_in(lang, KOU_W_ITEM), kou_word_in(lang, KOU_W_VALUE)};
    const char *prov_fmt[2] = {NULL, "0"};
    const double prov_w[2] = {22, 80};
    kou_xlsx_sheet sheets[2] = {
        {.name = kou_word_in(lang, KOU_W_SHEET_DRAWS), .ncol = t->ncol, .nrow = t->nrow, .headers = t->headers,
         .formats = t->formats, .widths = t->widths, .cells = t->cells},
        {.name = kou_word_in(lang, KOU_W_SHEET_PROVENANCE), .ncol = 2, .nrow = n, .headers = prov_head,
         .formats = prov_fmt, .widths = prov_w, .cells = cells},
    };
    char err[1300];
    /* created: a fixed time (2000-01-01): the same experiment, the same draws sheet */
    if (kou_xlsx_write(q->xlsx, sheets, 2, (time_t)946684800, err, sizeof err) != 0) {
        fprintf(stderr, "kouan: %s\n", err);
        return 1;
    }
    if (!q->quiet)
        fprintf(stderr, "kouan: workbook %s\n", q->xlsx);
    return 0;
}

/* --csv and --xlsx. 0, or 1 after the message. */
static int write_draws(const unc_run *x, const char *cmdline)
{
    const kou_unc_request *q = x->q;
    if (q->csv == NULL && q->xlsx == NULL)
        return 0;
    draw_table *t = draw_table_new(x);
    int code = q->csv ? write_csv(t, q->csv, q->bom) : 0;
    if (code == 0 && q->xlsx)
        code = write_xlsx(x, t, cmdline ? cmdline : "");
    draw_table_free(t);
    return code;
}

/* The table's title in lang (the file keeps the English one). */
static void make_title(const unc_run *x, char *title, size_t len, kou_lang lang)
{
    const kou_portset_request *rq = x->q->rq;
    if (lang == KOU_LANG_ZH) {
        snprintf(title, len, "%s%s，%zu 次抽样（拉丁超立方，种子 %llu）× %zu 次重复（每次抽样用种子 %llu-%llu）",
                 rq->scripts[0], rq->nscripts > 1 ? " ..." : "", x->u.ndraws, (unsigned long long)x->u.seed,
                 x->u.nreps, (unsigned long long)x->u.seed, (unsigned long long)(x->u.seed + x->u.nreps - 1));
        return;
    }
    snprintf(title, len, "%s%s, %zu draws (Latin hypercube, seed %llu) x %zu replications (seeds %llu-%llu in "
             "every draw)", rq->scripts[0], rq->nscripts > 1 ? " ..." : "", x->u.ndraws,
             (unsigned long long)x->u.seed, x->u.nreps, (unsigned long long)x->u.seed,
             (unsigned long long)(x->u.seed + x->u.nreps - 1));
}

static int outputs(const unc_run *x, double seconds, int threads)
{
    const kou_unc_request *q = x->q;
    char title[700], path[1024] = "";
    make_title(x, title, sizeof title, q->lang);
    if (!q->quiet)
        kou_unc_print(&x->u, stdout, title, q->lang);
    make_title(x, title, sizeof title, KOU_LANG_EN);
    fprintf(stderr, "kouan: %zu draws x %zu alternatives x %zu replications in %.1f s on %d threads%s\n",
            x->u.ndraws, x->u.nalts, x->u.nreps, seconds, threads, x->size > 1 ? " per MPI rank" : "");
    char *cmdline = kou_command_line(q->argc, q->argv);
    int code = write_draws(x, cmdline);
    if (code == 0 && !q->no_output) {
        if (q->output)
            snprintf(path, sizeof path, "%s", q->output);
        else
            code = default_path(x, path, sizeof path);
        char err[800];
        if (code == 0 && kou_h5u_write(path, &x->u, title, cmdline ? cmdline : "", q->force, err, sizeof err) != 0) {
            fprintf(stderr, "kouan: %s\n", err);
            code = 1;
        }
        if (code == 0 && !q->quiet)
            fprintf(stderr, "kouan: uncertainty file %s\n", path);
    }
    free(cmdline);
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
    free(x.port_zh);
    free(x.set_text);
    free(x.set_key);
    free(x.set_value);
    return code;
}

/* ---- the table ---- */

static void print_priors(const kou_unc_data *u, FILE *out, kou_lang lang)
{
    bool zh = lang == KOU_LANG_ZH;
    fputs(zh ? "不确定参数（普通运行取中位数）：\n" : "uncertain values (a plain run uses the median):\n", out);
    for (size_t i = 0; i < u->npriors; i++) {
        char shape[160];
        kou_prior_describe(&u->priors[i], shape, sizeof shape);
        fprintf(out, "  %-24s %-34s %s %-8.4g %s\n", u->priors[i].name, shape, zh ? "中位数" : "median",
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
    fputs("  ", out);
    kou_put_left(out, what, 26); /* by terminal columns: a Chinese name takes two a character */
    fprintf(out, " %9.2f%-2s %8s   %-24s %-24s %s\n", s->mean, unit, noise, lo, hi, share);
}

/* One metric of group g: each alternative's KPI, then its % change. */
static void print_metric(const kou_unc_data *u, FILE *out, size_t g, kou_kpi_metric m, kou_lang lang)
{
    size_t n = u->ndraws * u->nreps;
    double *y = koui_malloc((n + u->ndraws + 1) * sizeof *y), *pct = y + n;
    for (size_t a = 0; a < u->nalts; a++) {
        char what[160];
        kou_unc_series(u, a, g, (size_t)m, y);
        kou_unc_stat s = kou_unc_summarize(y, u->ndraws, u->nreps);
        snprintf(what, sizeof what, "%s %s", kou_lang_name(lang, kou_kpi_metric_name(m)), u->alts[a]);
        print_stat_row(out, what, &s, "");
        if (a == 0)
            continue;
        kou_unc_pct_change(u, a, g, (size_t)m, pct);
        kou_unc_stat c = kou_unc_summarize(pct, u->ndraws, 1); /* one value a draw: no noise, no share */
        snprintf(what, sizeof what, lang == KOU_LANG_ZH ? "  变化 %% 较 %s" : "  %% change vs %s", u->alts[0]);
        print_stat_row(out, what, &c, " %");
    }
    free(y);
}

/* What a target's probability says, in lang. */
static const char *robustness(kou_unc_prob p, kou_lang lang)
{
    static const char *const says[5][KOU_LANG_COUNT] = {
        {"no answer", "无结论"},
        {"robust: met whatever the unknowns", "稳健：无论未知量如何均达到"},
        {"robust: not met whatever the unknowns", "稳健：无论未知量如何均未达到"},
        {"every draw agrees, too few draws to call it robust", "各次抽样一致，但抽样太少，不能称为稳健"},
        {"depends on the unknowns", "取决于未知量"},
    };
    /* robust: the whole interval of the probability is near 1 (or 0) */
    int k = p.n == 0 ? 0 : p.lo >= 0.9 ? 1 : p.hi <= 0.1 ? 2 : p.p == 1 || p.p == 0 ? 3 : 4;
    return says[k][lang == KOU_LANG_ZH];
}

/* "met in 38 % of 64 draws (27-50 %)", and what that says. */
static void print_verdicts(const kou_unc_data *u, FILE *out, size_t g, kou_lang lang)
{
    double *pct = koui_malloc((u->ndraws + 1) * sizeof *pct);
    for (size_t t = 0; t < 2; t++)
        for (size_t a = 1; a < u->nalts; a++) {
            kou_unc_pct_change(u, a, g, KOU_KPI_OVERALL_MEAN, pct);
            kou_unc_prob p = kou_unc_prob_below(pct, u->ndraws, targets[t]);
            if (lang == KOU_LANG_ZH)
                fprintf(out, "  目标 整体通关时间均值 %s，%s 对比 %s：%zu 次抽样中 %.0f %% 达到（95 %%：%.0f-%.0f %%）：%s\n",
                        target_names[t], u->alts[a], u->alts[0], p.n, 100 * p.p, 100 * p.lo, 100 * p.hi,
                        robustness(p, lang));
            else
                fprintf(out, "  target overall_mean %s, %s vs %s: met in %.0f %% of %zu draws (95 %%: %.0f-%.0f %%): "
                        "%s\n", target_names[t], u->alts[a], u->alts[0], 100 * p.p, p.n, 100 * p.lo, 100 * p.hi,
                        robustness(p, lang));
        }
    free(pct);
}

/* The line that heads the ranking of what moves alternative a's result. */
static void print_ranking_head(const kou_unc_data *u, FILE *out, size_t a, kou_lang lang)
{
    if (lang == KOU_LANG_ZH && u->nalts > 1)
        fprintf(out, "  影响 %s 变化 %% 的参数（各次抽样的 Spearman 秩相关 rho）：", u->alts[a]);
    else if (lang == KOU_LANG_ZH)
        fprintf(out, "  影响 整体通关时间均值 的参数（各次抽样的 Spearman 秩相关 rho）：");
    else
        fprintf(out, "  what moves %s%s (Spearman's rho over the draws):", u->nalts > 1 ? "the % change of " : "",
                u->nalts > 1 ? u->alts[a] : "overall_mean");
}

/* The priors ranked by |Spearman's rho| with the result of each draw: the
** overall mean (one alternative), or each alternative's % change. */
static void print_ranking(const kou_unc_data *u, FILE *out, size_t g, kou_lang lang)
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
        print_ranking_head(u, out, a, lang);
        for (size_t i = 0; i < u->npriors && i < 6; i++)
            fprintf(out, "%s %s %+.2f", i ? "," : "", u->priors[order[i]].name, rho[order[i]]);
        fputc('\n', out);
    }
    free(order);
    free(y);
}

/* The column heads of a group's table. */
static void print_heads(FILE *out, kou_lang lang)
{
    static const char *const heads[6][KOU_LANG_COUNT] = {
        {"metric (h)", "指标 (小时)"}, {"mean", "均值"}, {"noise +-", "噪声 ±"},
        {"band 5 % (95 % CI)", "5 % 分位（95 % 置信）"}, {"band 95 % (95 % CI)", "95 % 分位（95 % 置信）"},
        {"from parameters", "来自参数"},
    };
    int z = lang == KOU_LANG_ZH;
    fputs("  ", out);
    kou_put_left(out, heads[0][z], 26);
    fputc(' ', out);
    kou_put_right(out, heads[1][z], 11);
    fputc(' ', out);
    kou_put_right(out, heads[2][z], 8);
    fputs("   ", out);
    kou_put_left(out, heads[3][z], 24);
    fputc(' ', out);
    kou_put_left(out, heads[4][z], 24);
    fprintf(out, " %s\n", heads[5][z]);
}

void kou_unc_print(const kou_unc_data *u, FILE *out, const char *title, kou_lang lang)
{
    fprintf(out, "%s\n\n", title);
    print_priors(u, out, lang);
    for (size_t g = 0; g < u->ngroups; g++) {
        if (u->groups[g].port_index >= 0)
            continue;
        fprintf(out, "\n== %s, %s ==\n", kou_lang_name(lang, u->groups[g].port),
                kou_lang_name(lang, kou_direction_name(u->groups[g].direction)));
        print_heads(out, lang);
        for (size_t k = 0; k < NSHOWN; k++)
            print_metric(u, out, g, shown[k], lang);
        if (u->nalts > 1)
            print_verdicts(u, out, g, lang);
        print_ranking(u, out, g, lang);
    }
}
