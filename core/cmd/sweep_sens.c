/*
** sweep_sens.c — the KPI of a sweep's sensitivity, its regression and
** Sobol indices, printed (sweep_sens.h).
*/
#include "cmd/sweep_sens.h"

#include <math.h>
#include <string.h>

#include "cmd/opt.h"
#include "kernel/base.h"
#include "model/kpi.h"

/* The index of name in names[0..n), or n. */
static size_t find(const char *name, const char *const *names, size_t n)
{
    size_t k = 0;
    while (k < n && strcmp(names[k], name) != 0)
        k++;
    return k;
}

/* "'a', 'b', 'c'" into buf. */
static const char *list_text(const char *const *names, size_t n, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < n && used < len; k++) {
        int w = snprintf(buf + used, len - used, "%s'%s'", k ? ", " : "", names[k]);
        used += w > 0 ? (size_t)w : 0;
    }
    return buf;
}

static int unknown(const char *option, const char *what, const char *name, const char *const *names, size_t n)
{
    const char *near = koui_nearest_name(name, names, n);
    if (near)
        return kou_usage_error("sweep", "%s: unknown %s '%s' (did you mean '%s'?)", option, what, name, near);
    char list[2048];
    return kou_usage_error("sweep", "%s: unknown %s '%s' (known: %s)", option, what, name,
                           list_text(names, n, list, sizeof list));
}

/* A metric given that the design does not keep: a known KPI metric that
** sweep.kpi left out, or an unknown one. */
static int metric_error(const char *metric, const char *const *metrics, size_t nm)
{
    const char *all[KOU_KPI_METRIC_COUNT];
    for (size_t m = 0; m < KOU_KPI_METRIC_COUNT; m++)
        all[m] = kou_kpi_metric_name((kou_kpi_metric)m);
    if (find(metric, all, KOU_KPI_METRIC_COUNT) == KOU_KPI_METRIC_COUNT)
        return unknown("--metric", "KPI metric", metric, all, KOU_KPI_METRIC_COUNT);
    char list[2048];
    return kou_usage_error("sweep", "--metric: '%s' is not kept by the design's sweep.kpi (kept: %s)", metric,
                           list_text(metrics, nm, list, sizeof list));
}

int kou_sweep_kpi_pick(const char *group, const char *metric, const char *const *groups, size_t ng,
                       const char *const *metrics, size_t nm, kou_sweep_kpi *out)
{
    out->group = find(group ? group : KOU_SWEEP_DEFAULT_GROUP, groups, ng);
    out->metric = find(metric ? metric : KOU_SWEEP_DEFAULT_METRIC, metrics, nm);
    if (group && out->group == ng)
        return unknown("--group", "KPI group", group, groups, ng);
    if (metric && out->metric == nm)
        return metric_error(metric, metrics, nm);
    out->found = out->group < ng && out->metric < nm;
    return 0;
}

void kou_sweep_sens_compute(kou_sweep_sens *out, const kou_design *d, const kou_design_spec *spec, const double *y,
                            uint64_t seed)
{
    size_t np = kou_design_points(d), nf = spec->nfactors;
    out->src_ok = kou_src_fit(kou_design_matrix(d), np, nf, y, &out->src);
    out->sobol = spec->method == KOU_DESIGN_SALTELLI;
    out->nboot = KOU_SOBOL_BOOTSTRAP;
    if (out->sobol)
        out->sobol_ok = kou_sobol_estimate(y, (size_t)spec->points, nf, out->nboot, seed, &out->idx);
}

static void print_sobol(FILE *f, const kou_sweep_sens *x, const kou_design_spec *spec)
{
    const kou_sobol_indices *r = &x->idx;
    if (!x->sobol_ok) {
        fprintf(f, "Sobol indices: none (%zu of %llu base points with every run successful; or the KPI does "
                "not vary)\n", r->nbase, (unsigned long long)spec->points);
        return;
    }
    fprintf(f, "Sobol indices (%zu base points, variance %.4g; 95%% bootstrap intervals, %zu resamples)\n"
            "  first order               total order\n", r->nbase, r->var, x->nboot);
    for (size_t i = 0; i < r->nfactors; i++)
        fprintf(f, "  %6.3f [%6.3f, %6.3f]    %6.3f [%6.3f, %6.3f]  %s\n", r->s1[i], r->s1_lo[i], r->s1_hi[i],
                r->st[i], r->st_lo[i], r->st_hi[i], spec->factors[i].path);
}

void kou_sweep_sens_print(FILE *f, const kou_sweep_sens *x, const kou_design_spec *spec, size_t npoints)
{
    const kou_src *src = &x->src;
    fprintf(f, "\nsensitivity of %s, %s (mean of replications, %zu of %zu points):\n", x->group, x->metric,
            src->npoints, npoints);
    if (!x->src_ok)
        fprintf(f, "standardized regression coefficients: too few successful points for a regression (%zu "
                "points, %zu factors)\n", src->npoints, src->nfactors);
    else {
        fprintf(f, "standardized regression coefficients (mean %.3f, R^2 = %.3f)\n", src->mean, src->r2);
        for (size_t j = 0; j < src->nfactors; j++)
            fprintf(f, "  %+8.3f  %s\n", src->coef[j], spec->factors[src->factor[j]].path);
    }
    if (x->sobol)
        print_sobol(f, x, spec);
}
