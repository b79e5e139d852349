/*
** prun.c — the results of a process-style run (prun.h).
*/
#include "exp/prun.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/base.h"
#include "kernel/stats.h"

static const char *const mon_cols[KOU_PRUN_MON_COLS] = {"n", "mean", "sd", "min", "max"};
static const char *const kinds[] = {"tally", "level"};
static const char *const facs[KOU_PRUN_FACS] = {"container", "store"};
static const char *const fac_plurals[KOU_PRUN_FACS] = {"containers", "stores"};
static const char *const fac_series[KOU_PRUN_FACS][KOU_PRUN_FAC_NV] = {
    {"level", "puts_waiting", "gets_waiting"}, {"size", "puts_waiting", "gets_waiting"}};

const char *kou_prun_mon_col_name(int col)
{
    KOU_CHECK(col >= 0 && col < KOU_PRUN_MON_COLS);
    return mon_cols[col];
}

const char *kou_prun_kind_name(kou_prun_kind k)
{
    KOU_CHECK(k == KOU_PRUN_TALLY || k == KOU_PRUN_LEVEL);
    return kinds[k];
}

const char *kou_prun_fac_name(kou_prun_fac k)
{
    KOU_CHECK(k == KOU_PRUN_CONTAINER || k == KOU_PRUN_STORE);
    return facs[k];
}

const char *kou_prun_fac_plural(kou_prun_fac k)
{
    KOU_CHECK(k == KOU_PRUN_CONTAINER || k == KOU_PRUN_STORE);
    return fac_plurals[k];
}

const char *kou_prun_fac_series_name(kou_prun_fac k, int v)
{
    KOU_CHECK((k == KOU_PRUN_CONTAINER || k == KOU_PRUN_STORE) && v >= 0 && v < KOU_PRUN_FAC_NV);
    return fac_series[k][v];
}

int kou_prun_kind_find(const char *name)
{
    for (int k = 0; k < 2; k++)
        if (strcmp(name, kinds[k]) == 0)
            return k;
    return -1;
}

void kou_prun_series_add(kou_prun_series *s, int nv, double t, const double *v)
{
    KOU_CHECK(nv >= 1 && nv <= KOU_PRUN_FAC_NV);
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->t = koui_realloc(s->t, s->cap * sizeof *s->t);
        for (int k = 0; k < nv; k++)
            s->v[k] = koui_realloc(s->v[k], s->cap * sizeof *s->v[k]);
    }
    s->t[s->n] = t;
    for (int k = 0; k < nv; k++)
        s->v[k][s->n] = v[k];
    s->n++;
}

void kou_prun_series_fit(kou_prun_series *s)
{
    if (s->cap == s->n)
        return;
    if (s->n == 0) {
        kou_prun_series_free(s);
        return;
    }
    s->t = koui_realloc(s->t, s->n * sizeof *s->t);
    for (int k = 0; k < KOU_PRUN_FAC_NV; k++)
        if (s->v[k])
            s->v[k] = koui_realloc(s->v[k], s->n * sizeof *s->v[k]);
    s->cap = s->n;
}

void kou_prun_series_free(kou_prun_series *s)
{
    free(s->t);
    for (int k = 0; k < KOU_PRUN_FAC_NV; k++)
        free(s->v[k]);
    memset(s, 0, sizeof *s);
}

static void free_strings(char **s, size_t n)
{
    for (size_t i = 0; s && i < n; i++)
        free(s[i]);
    free(s);
}

void kou_prun_layout_free(kou_prun_layout *l)
{
    free_strings(l->res_names, l->nres);
    free_strings(l->cols, l->ncols);
    free_strings(l->mon_names, l->nmon);
    free(l->mon_kinds);
    for (int k = 0; k < KOU_PRUN_FACS; k++) {
        free_strings(l->fac_names[k], l->nfac[k]);
        free_strings(l->fac_cols[k], l->nfcols[k]);
    }
    memset(l, 0, sizeof *l);
}

static char **copy_strings(const char *const *s, size_t n)
{
    char **c = koui_calloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++)
        c[i] = koui_strdup(s[i] ? s[i] : "");
    return c;
}

kou_prun *kou_prun_new(const char *title, const char *script, const char *command_line, uint64_t seed, double until,
                       double sample_hours, size_t nset, const char *const *set_key, const char *const *set_value,
                       size_t nreps)
{
    kou_prun *p = koui_calloc(1, sizeof *p);
    p->title = koui_strdup(title ? title : "");
    p->script = koui_strdup(script ? script : "");
    p->command_line = koui_strdup(command_line ? command_line : "");
    p->seed = seed;
    p->until = until;
    p->sample_hours = sample_hours;
    p->nset = nset;
    p->set_key = copy_strings(set_key, nset);
    p->set_value = copy_strings(set_value, nset);
    p->nreps = nreps;
    p->reps = koui_calloc(nreps + 1, sizeof *p->reps);
    return p;
}

void kou_prun_rep_free(kou_prun_rep *r)
{
    for (size_t i = 0; r->res_ts && i < r->layout.nres; i++)
        kou_prun_series_free(&r->res_ts[i]);
    for (size_t j = 0; r->mon_ts && j < r->layout.nmon; j++)
        kou_prun_series_free(&r->mon_ts[j]);
    for (int f = 0; f < KOU_PRUN_FACS; f++) {
        for (size_t i = 0; r->fac_ts[f] && i < r->layout.nfac[f]; i++)
            kou_prun_series_free(&r->fac_ts[f][i]);
        free(r->fac_ts[f]);
        free(r->fac[f]);
    }
    free(r->res_ts);
    free(r->mon_ts);
    free(r->res);
    free(r->mon);
    free(r->output);
    kou_prun_layout_free(&r->layout);
    memset(r, 0, sizeof *r);
}

void kou_prun_rep_fit(kou_prun_rep *r)
{
    for (size_t i = 0; r->res_ts && i < r->layout.nres; i++)
        kou_prun_series_fit(&r->res_ts[i]);
    for (size_t j = 0; r->mon_ts && j < r->layout.nmon; j++)
        kou_prun_series_fit(&r->mon_ts[j]);
    for (int f = 0; f < KOU_PRUN_FACS; f++)
        for (size_t i = 0; r->fac_ts[f] && i < r->layout.nfac[f]; i++)
            kou_prun_series_fit(&r->fac_ts[f][i]);
}

void kou_prun_free(kou_prun *p)
{
    if (p == NULL)
        return;
    for (size_t r = 0; r < p->nreps; r++)
        kou_prun_rep_free(&p->reps[r]);
    free(p->reps);
    kou_prun_layout_free(&p->layout);
    free_strings(p->set_key, p->nset);
    free_strings(p->set_value, p->nset);
    free(p->title);
    free(p->script);
    free(p->command_line);
    free(p);
}

/* Whether the names a[0..na) and b[0..nb) are the same list; else what differs, into err. */
static bool same_names(char *const *a, size_t na, char *const *b, size_t nb, const char *what, size_t r, char *err,
                       size_t errlen)
{
    for (size_t i = 0; i < na || i < nb; i++) {
        const char *x = i < na ? a[i] : NULL, *y = i < nb ? b[i] : NULL;
        if (x && y && strcmp(x, y) == 0)
            continue;
        snprintf(err, errlen, "replication %zu made %s %zu %s%s%s where replication 1 made %s%s%s: every "
                 "replication must make the same resources, containers, stores and monitors, in the same order",
                 r + 1, what, i + 1,
                 y ? "'" : "", y ? y : "none", y ? "'" : "", x ? "'" : "", x ? x : "none", x ? "'" : "");
        return false;
    }
    return true;
}

/* The replication keeps its counts (for its series) but no names. */
static void drop_names(kou_prun_layout *l)
{
    l->res_names = l->cols = l->mon_names = NULL;
    l->mon_kinds = NULL;
    for (int k = 0; k < KOU_PRUN_FACS; k++)
        l->fac_names[k] = l->fac_cols[k] = NULL;
}

/* Whether replication r's containers and stores (l) are the run's (p): names, then columns. */
static bool same_facilities(const kou_prun_layout *p, const kou_prun_layout *l, size_t r, char *err, size_t errlen)
{
    static const char *const stat[KOU_PRUN_FACS] = {"container statistic", "store statistic"};
    for (int k = 0; k < KOU_PRUN_FACS; k++)
        if (!same_names(p->fac_names[k], p->nfac[k], l->fac_names[k], l->nfac[k], facs[k], r, err, errlen) ||
            !same_names(p->fac_cols[k], p->nfcols[k], l->fac_cols[k], l->nfcols[k], stat[k], r, err, errlen))
            return false;
    return true;
}

bool kou_prun_adopt(kou_prun *p, size_t r, char *err, size_t errlen)
{
    kou_prun_layout *l = &p->reps[r].layout;
    if (r == 0) {
        p->layout = *l;
        drop_names(l);
        return true;
    }
    bool ok = same_names(p->layout.res_names, p->layout.nres, l->res_names, l->nres, "resource", r, err, errlen) &&
              same_names(p->layout.cols, p->layout.ncols, l->cols, l->ncols, "resource statistic", r, err,
                         errlen) &&
              same_names(p->layout.mon_names, p->layout.nmon, l->mon_names, l->nmon, "monitor", r, err, errlen) &&
              same_facilities(&p->layout, l, r, err, errlen);
    for (size_t j = 0; ok && j < l->nmon; j++)
        if (l->mon_kinds[j] != p->layout.mon_kinds[j]) {
            snprintf(err, errlen, "replication %zu made monitor '%s' a %s, replication 1 a %s", r + 1,
                     l->mon_names[j], kou_prun_kind_name(l->mon_kinds[j]),
                     kou_prun_kind_name(p->layout.mon_kinds[j]));
            ok = false;
        }
    if (ok) {
        kou_prun_layout keep = *l;
        drop_names(l);
        kou_prun_layout_free(&keep);
    }
    return ok;
}

/* The interval over the defined values of x[r * stride] (r < nreps). */
static void summary(const double *const *x, size_t nreps, size_t off, double *mean, double *half, size_t *n)
{
    double *v = koui_calloc(nreps + 1, sizeof *v);
    size_t k = 0;
    for (size_t r = 0; r < nreps; r++)
        if (x[r] && !isnan(x[r][off]))
            v[k++] = x[r][off];
    bool same = k >= 1;
    for (size_t i = 1; same && i < k; i++)
        same = v[i] == v[0];
    kou_ci ci = kou_ci_student(v, k, 0.95);
    *mean = same ? v[0] : ci.mean;             /* exact, +inf included (a store without a bound) */
    *half = same && k >= 2 ? 0.0 : ci.half;
    *n = k;
    free(v);
}

void kou_prun_res_summary(const kou_prun *p, size_t i, size_t c, double *mean, double *half, size_t *n)
{
    const double **x = koui_calloc(p->nreps + 1, sizeof *x);
    for (size_t r = 0; r < p->nreps; r++)
        x[r] = p->reps[r].res;
    summary(x, p->nreps, i * p->layout.ncols + c, mean, half, n);
    free(x);
}

void kou_prun_mon_summary(const kou_prun *p, size_t j, size_t c, double *mean, double *half, size_t *n)
{
    const double **x = koui_calloc(p->nreps + 1, sizeof *x);
    for (size_t r = 0; r < p->nreps; r++)
        x[r] = p->reps[r].mon;
    summary(x, p->nreps, j * KOU_PRUN_MON_COLS + c, mean, half, n);
    free(x);
}

void kou_prun_fac_summary(const kou_prun *p, kou_prun_fac k, size_t i, size_t c, double *mean, double *half,
                          size_t *n)
{
    KOU_CHECK(k == KOU_PRUN_CONTAINER || k == KOU_PRUN_STORE);
    const double **x = koui_calloc(p->nreps + 1, sizeof *x);
    for (size_t r = 0; r < p->nreps; r++)
        x[r] = p->reps[r].fac[k];
    summary(x, p->nreps, i * p->layout.nfcols[k] + c, mean, half, n);
    free(x);
}
