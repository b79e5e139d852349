/*
** runfile.c — the run file sink (runfile.h).
*/
#include "cmd/runfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/common.h"
#include "io/h5write.h"
#include "kernel/sim.h"
#include "kouan_version.h"
#include "model/param_print.h"

struct kou_runfile {
    kou_h5w *w;            /* NULL once closed */
    char path[1024];
    double sample_hours;
    unsigned store;        /* KOU_STORE_* */
    kou_rep_run *run;      /* the replication running (sim_ready to its end) */
};

/* results/SCENARIO[-ERA]-sSEED[-rREPS].h5 (the next free one). */
static int default_path(const kou_runfile_info *in, char *path, size_t len, char *err, size_t errlen)
{
    const char *base = strrchr(in->script, '/');
    base = base ? base + 1 : in->script;
    char era[96] = "", reps[32] = "", stem[512];
    if (in->era)
        snprintf(era, sizeof era, "-%s", in->era);
    for (char *c = era; *c; c++)
        if (*c == '/' || *c == ' ')
            *c = '_';
    if (in->reps > 1)
        snprintf(reps, sizeof reps, "-r%llu", (unsigned long long)in->reps);
    snprintf(stem, sizeof stem, "%.*s%s-s%llu%s", (int)strcspn(base, "."), base, era,
             (unsigned long long)in->seed, reps);
    return kou_results_path(path, len, stem, in->force, err, errlen);
}

/* A root attribute from the text a printer writes to a memory stream. */
static void attr_text(kou_h5w *w, const char *name, char *text)
{
    kou_h5w_attr_str(w, name, text ? text : "");
    free(text);
}


/* The rows of /parameters, collected from the parameter table's visitor
** (the strings copied: a row lives only during its call), and their text,
** the root attribute parameters (the lines of --dump). */
typedef struct param_rows {
    size_t n, cap;
    char **path, **text;
    const char **unit;
    double *value;
    FILE *lines;
    char *lines_text;
    size_t lines_len;
} param_rows;

static void take_row(void *ctx, const kou_param_row *row)
{
    param_rows *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 256;
        r->path = koui_realloc(r->path, r->cap * sizeof *r->path);
        r->text = koui_realloc(r->text, r->cap * sizeof *r->text);
        r->unit = koui_realloc(r->unit, r->cap * sizeof *r->unit);
        r->value = koui_realloc(r->value, r->cap * sizeof *r->value);
    }
    r->path[r->n] = koui_strdup(row->path);
    r->text[r->n] = koui_strdup(row->text);
    r->unit[r->n] = row->unit; /* the table's own string */
    r->value[r->n] = row->value;
    r->n++;
    if (r->lines)
        kou_param_row_print(r->lines, row);
}

static void collect_rows(param_rows *r, const kou_runfile_info *in)
{
    r->lines = open_memstream(&r->lines_text, &r->lines_len);
    kou_params_visit(in->cfg, take_row, r);
    kou_prior_rows(in->priors, in->npriors, take_row, r);
    if (r->lines)
        fclose(r->lines);
    r->lines = NULL;
}

static void free_rows(param_rows *r)
{
    free(r->lines_text);
    for (size_t i = 0; i < r->n; i++) {
        free(r->path[i]);
        free(r->text[i]);
    }
    free(r->path);
    free(r->text);
    free(r->unit);
    free(r->value);
}

static char *sets_text(const kou_runfile_info *in)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    for (size_t i = 0; m && i < in->nset; i++)
        fprintf(m, "%s=%s\n", in->set_key[i], in->set_value[i]);
    if (m)
        fclose(m);
    return text;
}

static void write_attributes(kou_h5w *w, const kou_runfile_info *in, const param_rows *rows)
{
    attr_text(w, "scenario_source", kou_file_text(in->script)); /* the source as it is */
    kou_h5w_attr_str(w, "parameters", rows->lines_text ? rows->lines_text : "");
    attr_text(w, "command_line", kou_command_line(in->argc, in->argv));
    attr_text(w, "sets", sets_text(in));
    kou_h5w_attr_str(w, "kouan_version", KOUAN_VERSION);
    kou_h5w_attr_str(w, "commit", KOUAN_GIT_COMMIT);
    kou_h5w_attr_str(w, "scenario_path", in->script);
    kou_h5w_attr_str(w, "scenario_name", in->scenario_name);
    kou_h5w_attr_str(w, "era", in->era ? in->era : "");
    kou_h5w_attr_str(w, "title", in->title);
    kou_h5w_attr_int(w, "seed", (int64_t)in->seed);
    kou_h5w_attr_int(w, "replications", (int64_t)in->reps);
    kou_h5w_attr_str(w, "rng", "GSL taus2, named streams keyed by (seed, name, entity)");
    kou_h5w_attr_int(w, "start_date", in->start_date);
    kou_h5w_attr_double(w, "horizon_hours", in->cfg->horizon_hours);
    kou_h5w_attr_double(w, "warmup_hours", in->cfg->warmup_hours);
    kou_h5w_attr_double(w, "sample_hours", in->sample_hours);
    kou_h5w_attr_int(w, "trace", in->trace);
    kou_h5w_attr_str(w, "stored", kou_store_text(in->store));
    char host[256] = "unknown", when[32];
    gethostname(host, sizeof host - 1);
    kou_utc_now(when);
    kou_h5w_attr_str(w, "host", host);
    kou_h5w_attr_str(w, "start_time_utc", when);
}

kou_runfile *kou_runfile_new(const kou_runfile_info *in, bool *exists, char *err, size_t errlen)
{
    char path[1024];
    *exists = false;
    if (in->output)
        snprintf(path, sizeof path, "%s", in->output);
    else if (default_path(in, path, sizeof path, err, errlen) != 0)
        return NULL;
    /* /parameters: every resolved parameter of the configuration run,
    ** collected before the file exists (running out of memory is fatal,
    ** and must not leave a half-made file) */
    param_rows rows = {0};
    collect_rows(&rows, in);
    char why[700];
    kou_h5w *w = kou_h5w_create(path, in->force, in->trace, in->cfg, exists, why, sizeof why);
    if (w == NULL) {
        free_rows(&rows);
        if (*exists)
            snprintf(err, errlen, "%s exists: refusing to overwrite it; --force overwrites it, -o FILE writes "
                     "another file, --no-output none", path);
        else
            snprintf(err, errlen, "%s: cannot write the run file: %s", path, why);
        return NULL;
    }
    write_attributes(w, in, &rows);
    kou_h5w_parameters(w, rows.n, (const char *const *)rows.path, rows.value, (const char *const *)rows.text,
                       rows.unit);
    free_rows(&rows);
    kou_runfile *rf = koui_calloc(1, sizeof *rf);
    rf->w = w;
    rf->sample_hours = in->sample_hours;
    rf->store = in->store;
    snprintf(rf->path, sizeof rf->path, "%s", path);
    return rf;
}

const char *kou_runfile_path(const kou_runfile *rf)
{
    return rf->path;
}

bool kou_store_parse(const char *text, void *dest)
{
    unsigned store = 0;
    if (strcmp(text, "all") == 0) {
        *(unsigned *)dest = KOU_STORE_ALL;
        return true;
    }
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, ",");
        if (n == 4 && strncmp(p, "kpis", 4) == 0)
            ;
        else if (n == 12 && strncmp(p, "consignments", 12) == 0)
            store |= KOU_STORE_CONSIGNMENTS;
        else if (n == 10 && strncmp(p, "timeseries", 10) == 0)
            store |= KOU_STORE_TIMESERIES;
        else
            return false;
        p += n;
        if (*p == ',' && *++p == '\0')
            return false; /* a trailing comma */
    }
    if (p == text)
        return false;
    *(unsigned *)dest = store;
    return true;
}

const char *kou_store_text(unsigned store)
{
    static const char *const text[] = {"kpis", "kpis,consignments", "kpis,timeseries",
                                       "kpis,consignments,timeseries"};
    return text[store & KOU_STORE_ALL];
}

/* ---- the sink ---- */

static void on_consignment(void *ctx, kou_rep_run *run, const kou_consignment_record *rec)
{
    kou_h5w_consignment(((kou_runfile *)ctx)->w, (uint32_t)run->index, rec);
}

static void on_carrier(void *ctx, kou_rep_run *run, const kou_carrier_record *rec)
{
    kou_h5w_carrier(((kou_runfile *)ctx)->w, (uint32_t)run->index, rec);
}

static void on_unit(void *ctx, kou_rep_run *run, const kou_unit_record *rec)
{
    kou_h5w_unit(((kou_runfile *)ctx)->w, (uint32_t)run->index, rec);
}

/* /timeseries: every resource, every sample_hours (a periodic event). */
static void ev_sample(kou_sim *sim, void *subject, void *object)
{
    kou_runfile *rf = subject;
    const kou_rep_run *run = rf->run;
    (void)object;
    for (size_t i = 0, n = kou_model_resource_count(run->view); i < n; i++) {
        size_t port = 0;
        const kou_resource *res = kou_model_resource_at(run->view, i, &port, NULL);
        kou_h5w_sample(rf->w, (uint32_t)run->index, kou_sim_now(sim), (uint32_t)port, (uint32_t)i,
                       (uint64_t)kou_resource_queue_length(res), kou_resource_busy(res),
                       kou_resource_capacity(res));
    }
    kou_h5w_tick(rf->w);
    if (kou_rep_stop_signal())
        kou_sim_stop(sim);
    else
        kou_event_schedule(sim, rf->sample_hours, 0, ev_sample, rf, NULL);
}

static void on_ready(void *ctx, kou_rep_run *run)
{
    kou_runfile *rf = ctx;
    rf->run = run;
    if (rf->store & KOU_STORE_TIMESERIES)
        kou_event_schedule(run->sim, 0.0, 0, ev_sample, rf, NULL);
}

static void on_end(void *ctx, kou_rep_run *run, kou_rep_result *res)
{
    kou_runfile *rf = ctx;
    rf->run = NULL;
    if (res->status == KOU_OK)
        kou_h5w_replication_kpi(rf->w, run->kpi);
    kou_h5w_tick(rf->w); /* the bursts /timeseries would time, when it is not stored */
}

kou_rep_sink kou_runfile_sink(kou_runfile *rf)
{
    if (!(rf->store & KOU_STORE_CONSIGNMENTS)) /* the tables stay, empty */
        return (kou_rep_sink){.ctx = rf, .sim_ready = on_ready, .end = on_end};
    return (kou_rep_sink){.ctx = rf, .sim_ready = on_ready, .consignment = on_consignment,
                          .carrier = on_carrier, .unit = on_unit, .end = on_end};
}

int kou_runfile_close(kou_runfile *rf, const kou_kpi_summary *sum, const char *title, bool complete,
                      char *err, size_t errlen)
{
    if (rf->w == NULL)
        return 0;
    if (sum)
        kou_h5w_summary(rf->w, sum, title);
    char when[32];
    kou_utc_now(when);
    kou_h5w_attr_str(rf->w, "end_time_utc", when);
    int rc = kou_h5w_close(rf->w, complete, err, errlen);
    rf->w = NULL;
    return rc;
}

void kou_runfile_free(kou_runfile *rf)
{
    if (rf == NULL)
        return;
    if (rf->w)
        kou_h5w_close(rf->w, false, NULL, 0);
    free(rf);
}
