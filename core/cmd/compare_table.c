/*
** compare_table.c — the wide table of `kouan compare` (compare_table.h).
*/
#include "cmd/compare_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/common.h"
#include "exp/paired.h"
#include "kernel/base.h"
#include "model/params.h"

const kou_kpi_metric kou_ctab_metrics[] = {KOU_KPI_OVERALL_MEAN, KOU_KPI_OVERALL_MEDIAN, KOU_KPI_OVERALL_P90,
                                           KOU_KPI_CUSTOMS_MEAN, KOU_KPI_PREP_MEAN, KOU_KPI_INSPECTION_RATE,
                                           KOU_KPI_COST_MEAN};
const size_t kou_ctab_nmetrics = sizeof kou_ctab_metrics / sizeof *kou_ctab_metrics;

enum { ID_COLS = 7, PER_METRIC = 6 }; /* port .. verdict -1/2; mean, ±, diff, ±, %, ± */

/* v, or 0 when it is zero up to float noise against ref (and never -0). */
static double clean(double v, double ref)
{
    if (isnan(v))
        return v;
    return fabs(v) <= 1e-9 * fmax(fabs(ref), 1.0) ? 0.0 : v;
}

static void headers(kou_ctab *t, kou_lang lang)
{
    static const kou_word ids[ID_COLS] = {KOU_W_PORT, KOU_W_DIRECTION, KOU_W_MODE, KOU_W_ALTERNATIVE,
                                          KOU_W_REPLICATIONS, KOU_W_VERDICT_THIRD, KOU_W_VERDICT_HALF};
    static const double id_widths[ID_COLS] = {18, 10, 10, 18, 10, 14, 14};
    for (size_t c = 0; c < ID_COLS; c++) {
        t->headers[c] = kou_word_in(lang, ids[c]);
        t->formats[c] = c == 4 ? "0" : NULL;
        t->widths[c] = id_widths[c];
    }
    const char *hw = kou_word_in(lang, KOU_W_HALF_WIDTH), *vs = kou_word_in(lang, KOU_W_VS_BASELINE),
               *ch = kou_word_in(lang, KOU_W_CHANGE);
    for (size_t k = 0; k < kou_ctab_nmetrics; k++) {
        double scale;
        const char *unit = kou_lang_name(lang, kou_kpi_metric_unit(kou_ctab_metrics[k], &scale));
        const char *name = kou_lang_name(lang, kou_kpi_metric_name(kou_ctab_metrics[k]));
        char(*h)[128] = t->head_buf + k * PER_METRIC;
        snprintf(h[0], sizeof h[0], "%s (%s)", name, unit);
        snprintf(h[1], sizeof h[1], "%s %s (%s)", name, hw, unit);
        snprintf(h[2], sizeof h[2], "%s %s (%s)", name, vs, unit);
        snprintf(h[3], sizeof h[3], "%s %s %s (%s)", name, vs, hw, unit);
        snprintf(h[4], sizeof h[4], "%s %s (%%)", name, ch);
        snprintf(h[5], sizeof h[5], "%s %s %s (%%)", name, ch, hw);
        for (size_t j = 0; j < PER_METRIC; j++) {
            size_t c = ID_COLS + k * PER_METRIC + j;
            t->headers[c] = h[j];
            t->formats[c] = "0.00";
            t->widths[c] = 14;
        }
    }
}

static const char *verdict_text(int8_t v, kou_lang lang)
{
    return kou_lang_name(lang, v == KOU_VERDICT_NO_DIFFERENCE ? "no difference" : kou_verdict_name((kou_verdict)v));
}

/* The row of alternative a in group g. */
static void fill_row(const kou_h5c_data *d, kou_lang lang, size_t a, size_t g, kou_xlsx_cell *row)
{
    size_t G = d->ngroup, M = d->nmetric;
    row[0].text = lang != KOU_LANG_EN && d->group_port_zh ? d->group_port_zh[g] : kou_lang_name(lang, d->group_port[g]);
    row[1].text = kou_lang_name(lang, kou_direction_name(d->group_direction[g]));
    row[2].text = kou_lang_name(lang, kou_group_mode_name(d->group_mode[g]));
    row[3].text = d->alternatives[a];
    row[4].number = (double)d->nrep;
    row[5].text = a ? verdict_text(d->verdict_third[a * G + g], lang) : kou_lang_name(lang, "baseline");
    row[6].text = a ? verdict_text(d->verdict_half[a * G + g], lang) : kou_lang_name(lang, "baseline");
    for (size_t k = 0; k < kou_ctab_nmetrics; k++) {
        size_t m = (size_t)kou_ctab_metrics[k], i = (a * G + g) * M + m, base = g * M + m;
        double scale, mean = d->mean[i], ref = d->mean[base];
        kou_kpi_metric_unit(kou_ctab_metrics[k], &scale);
        kou_xlsx_cell *x = row + ID_COLS + k * PER_METRIC;
        x[0].number = clean(mean * scale, mean * scale);
        x[1].number = clean(d->half[i] * scale, mean * scale);
        x[2].number = a ? clean(d->diff_mean[i] * scale, ref * scale) : NAN;
        x[3].number = a ? clean(d->diff_half[i] * scale, ref * scale) : NAN;
        x[4].number = a ? clean(d->pct_mean[i], 100.0) : NAN;
        x[5].number = a ? clean(d->pct_half[i], 100.0) : NAN;
    }
}

kou_ctab *kou_ctab_new(const kou_h5c_data *d, kou_lang lang)
{
    kou_ctab *t = koui_malloc(sizeof *t);
    t->ncol = ID_COLS + kou_ctab_nmetrics * PER_METRIC;
    t->nrow = d->ngroup * d->nalt;
    t->headers = koui_malloc(2 * t->ncol * sizeof *t->headers);
    t->formats = t->headers + t->ncol;
    t->widths = koui_malloc(t->ncol * sizeof *t->widths);
    t->head_buf = koui_malloc(kou_ctab_nmetrics * PER_METRIC * sizeof *t->head_buf);
    t->cells = koui_malloc((t->nrow ? t->nrow : 1) * t->ncol * sizeof *t->cells);
    headers(t, lang);
    for (size_t i = 0; i < t->nrow * t->ncol; i++)
        t->cells[i] = (kou_xlsx_cell){NULL, NAN};
    for (size_t g = 0; g < d->ngroup; g++)
        for (size_t a = 0; a < d->nalt; a++)
            fill_row(d, lang, a, g, t->cells + (g * d->nalt + a) * t->ncol);
    return t;
}

void kou_ctab_free(kou_ctab *t)
{
    if (t == NULL)
        return;
    free(t->headers);
    free(t->widths);
    free(t->head_buf);
    free(t->cells);
    free(t);
}

int kou_ctab_write_csv(const kou_ctab *t, const char *path, bool bom, char *err, size_t errlen)
{
    return kou_csv_write_table(path, t->ncol, t->nrow, t->headers, t->cells, bom, "\r\n", err, errlen);
}
