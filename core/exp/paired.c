/*
** paired.c — paired differences, intervals and verdicts (paired.h).
*/
#include "exp/paired.h"

#include <math.h>
#include <stdlib.h>

#include "kernel/base.h"
#include "kernel/stats.h"

/* The interval of the n values in x (x may be reused by the caller). */
static kou_paired_ci interval(const double *x, size_t n)
{
    kou_paired_ci c = {NAN, NAN, NAN, NAN, n};
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

typedef enum pairing { ALONE, DIFFERENCE, PERCENT } pairing;

static kou_paired_ci collect(const double *alt, const double *base, size_t n, pairing kind)
{
    double *v = koui_malloc((n ? n : 1) * sizeof *v);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(alt[i]) || (kind != ALONE && isnan(base[i])) || (kind == PERCENT && base[i] == 0.0))
            continue;
        v[k++] = kind == ALONE ? alt[i] : kind == DIFFERENCE ? alt[i] - base[i]
                                                             : 100.0 * (alt[i] - base[i]) / base[i];
    }
    kou_paired_ci c = interval(v, k);
    free(v);
    return c;
}

kou_paired_ci kou_paired_mean(const double *x, size_t n)
{
    return collect(x, NULL, n, ALONE);
}

kou_paired_ci kou_paired_diff(const double *alt, const double *base, size_t n)
{
    return collect(alt, base, n, DIFFERENCE);
}

kou_paired_ci kou_paired_pct(const double *alt, const double *base, size_t n)
{
    return collect(alt, base, n, PERCENT);
}

kou_verdict kou_paired_verdict(kou_paired_ci pct, double target_pct)
{
    if (isnan(pct.lo) || isnan(pct.hi))
        return KOU_VERDICT_UNDECIDED;
    if (pct.hi < target_pct)
        return KOU_VERDICT_MET;
    if (pct.lo > target_pct)
        return KOU_VERDICT_NOT_MET;
    return KOU_VERDICT_UNDECIDED;
}

bool kou_paired_same(const double *alt, const double *base, size_t n, double tol)
{
    size_t pairs = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(alt[i]) != isnan(base[i]))
            return false;
        if (isnan(alt[i]))
            continue;
        if (!(fabs(alt[i] - base[i]) <= tol))
            return false;
        pairs++;
    }
    return pairs > 0;
}

const char *kou_verdict_name(kou_verdict v)
{
    return v == KOU_VERDICT_MET ? "met"
           : v == KOU_VERDICT_NOT_MET ? "not met"
           : v == KOU_VERDICT_NO_DIFFERENCE ? "(no difference)"
                                             : "undecided";
}
