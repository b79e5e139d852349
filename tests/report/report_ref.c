/*
** report_ref.c — the reference for `kouan report`: runs the test fixture's
** port (renamed 郑州机场) for 3 replications through the usual path
** (kou_kpi_new, the observer, kou_kpi_summary_add), prints the KPI table
** to TABLE and every value a run file's /summary holds to VALUES, one
** line each, doubles with 17 digits (exact), for make_h5.py to turn into a
** contract file. `kouan report` on that file must print TABLE exactly.
**
** usage: report_ref TABLE VALUES
*/
#include <stdio.h>
#include <stdlib.h>

#include "model/kpi.h"
#include "model_fixture.h"

#define REPS 3

static const char TITLE[] = "report_ref (郑州机场 fixture), seeds 1-3";

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: report_ref TABLE VALUES\n", stderr);
        return 2;
    }
    FILE *table = fopen(argv[1], "w"), *vals = fopen(argv[2], "w");
    if (!table || !vals) {
        perror("report_ref");
        return 1;
    }
    static world w;
    world_init(&w, true);
    w.port.name = "郑州机场";
    kou_kpi_summary *s = kou_kpi_summary_new();
    fprintf(vals, "title\t%s\nreps\t%d\n", TITLE, REPS);
    for (int r = 0; r < REPS; r++) {
        char err[512];
        kou_kpi *k = kou_kpi_new(&w.model);
        kou_model_observer obs = {.ctx = k, .consignment_done = kou_kpi_observe,
                                  .resource_done = kou_kpi_resource};
        if (kou_model_run(&w.model, (uint64_t)r + 1, 20170102, &obs, NULL, err, sizeof err) != KOU_OK) {
            fprintf(stderr, "report_ref: %s\n", err);
            return 1;
        }
        for (size_t g = 0; g < kou_kpi_groups(k); g++) {
            kou_kpi_group gi = kou_kpi_group_info(k, g);
            if (r == 0)
                fprintf(vals, "group\t%s\t%d\t%d\t%d\n", gi.port, gi.port_index, gi.mode, gi.direction);
            fprintf(vals, "gv\t%d\t%zu", r, g);
            for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++)
                fprintf(vals, "\t%.17g", kou_kpi_get(k, g, (kou_kpi_metric)m));
            fputc('\n', vals);
        }
        for (size_t i = 0; i < kou_kpi_resources(k); i++) {
            const kou_resource_report *rr = kou_kpi_resource_at(k, i);
            if (r == 0)
                fprintf(vals, "resource\t%s\t%u\t%s\n", w.port.name, (unsigned)rr->port, rr->name);
            fprintf(vals, "rv\t%d\t%zu\t%.17g\t%.17g\t%.17g\t%.17g\t%.17g\n", r, i, rr->capacity_mean,
                    rr->utilisation, rr->mean_queue, rr->mean_wait, (double)rr->served);
        }
        kou_kpi_summary_add(s, k);
        kou_kpi_free(k);
    }
    for (size_t g = 0; g < kou_kpi_summary_groups(s); g++)
        for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++) {
            kou_kpi_value v = kou_kpi_summary_get(s, g, (kou_kpi_metric)m);
            fprintf(vals, "across\t%zu\t%d\t%.17g\t%.17g\n", g, m, v.mean, v.half);
        }
    fputs("metrics", vals);
    for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++)
        fprintf(vals, "\t%s", kou_kpi_metric_name((kou_kpi_metric)m));
    fputs("\nres_metrics", vals);
    for (int m = 0; m < KOU_KPI_RES_METRIC_COUNT; m++)
        fprintf(vals, "\t%s", kou_kpi_res_metric_name((kou_kpi_res_metric)m));
    fputc('\n', vals);
    int rc = kou_kpi_summary_print(s, table, TITLE);
    kou_kpi_summary_free(s);
    if (fclose(table) != 0 || fclose(vals) != 0 || rc != 0)
        return 1;
    return 0;
}
