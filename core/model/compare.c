/*
** compare.c — paired differences, intervals and verdicts (compare.h).
*/
#include "model/compare.h"

#include <math.h>
#include <stdlib.h>

#include "kernel/base.h"
#include "kernel/stats.h"

/* The interval of the n values in x (x may be reused by the caller). */
static kou_cmp_ci interval(const double *x, size_t n)
{
    kou_cmp_ci c = {NAN, NAN, NAN, NAN, n};
    if (n == 0)
        return c;
    if (n == 1) {
        c.mean = x[0];
        return c;
    }
    kou_ci ci = kou_ci_student(x, n, 0.95);
    c.mean = ci.mean;
    c.half = ci.half;
    c.lo = ci.lo;
    c.hi = ci.hi;
    return c;
}

/* kind 0: alt alone; 1: alt - base; 2: 100 (alt - base) / base */
static kou_cmp_ci collect(const double *alt, const double *base, size_t n, int kind)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    KOU_CHECK(v != NULL);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(alt[i]) || (kind > 0 && isnan(base[i])) || (kind == 2 && base[i] == 0.0))
            continue;
        v[k++] = kind == 0 ? alt[i] : kind == 1 ? alt[i] - base[i] : 100.0 * (alt[i] - base[i]) / base[i];
    }
    kou_cmp_ci c = interval(v, k);
    free(v);
    return c;
}

kou_cmp_ci kou_cmp_mean(const double *x, size_t n)
{
    return collect(x, NULL, n, 0);
}

kou_cmp_ci kou_cmp_paired(const double *alt, const double *base, size_t n)
{
    return collect(alt, base, n, 1);
}

kou_cmp_ci kou_cmp_pct(const double *alt, const double *base, size_t n)
{
    return collect(alt, base, n, 2);
}

kou_cmp_verdict_t kou_cmp_verdict(kou_cmp_ci pct, double target_pct)
{
    if (isnan(pct.lo) || isnan(pct.hi))
        return KOU_CMP_UNDECIDED;
    if (pct.hi < target_pct)
        return KOU_CMP_MET;
    if (pct.lo > target_pct)
        return KOU_CMP_NOT_MET;
    return KOU_CMP_UNDECIDED;
}

const char *kou_cmp_verdict_name(kou_cmp_verdict_t v)
{
    return v == KOU_CMP_MET ? "met" : v == KOU_CMP_NOT_MET ? "not met" : "undecided";
}
