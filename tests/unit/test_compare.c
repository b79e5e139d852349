/*
** exp/paired.c: paired differences, the paired % change and their t intervals
** on hand-made values (t_{0.975,4} = 2.776445), NaN pairs left out, and
** the target verdicts at their boundaries.
*/
#include <math.h>
#include <string.h>
#include <stddef.h>

#include "exp/paired.h"
#include "../tap/tap.h"

#define T4 2.776445 /* t_{0.975, 4} */

int main(void)
{
    const double base[5] = {10, 12, 11, 13, 9}, alt[5] = {6, 9, 6, 9, 5};
    /* differences -4 -3 -5 -4 -4: mean -4, sd sqrt(0.5) */
    kou_paired_ci d = kou_paired_diff(alt, base, 5);
    is_int((int64_t)d.n, 5, "paired: 5 pairs");
    is_double(d.mean, -4.0, 1e-12, "paired: mean of differences");
    is_double(d.half, T4 * sqrt(0.5) / sqrt(5.0), 1e-6, "paired: t half-width");
    is_double(d.lo, d.mean - d.half, 1e-12, "paired: lo");
    is_double(d.hi, d.mean + d.half, 1e-12, "paired: hi");

    kou_paired_ci a = kou_paired_mean(alt, 5); /* 7: deviations -1 2 -1 2 -2, var 14/4 */
    is_double(a.mean, 7.0, 1e-12, "mean");
    is_double(a.half, T4 * sqrt(3.5) / sqrt(5.0), 1e-6, "mean: t half-width");

    double pct[5], s = 0, ss = 0;
    for (int i = 0; i < 5; i++) {
        pct[i] = 100.0 * (alt[i] - base[i]) / base[i];
        s += pct[i];
    }
    for (int i = 0; i < 5; i++)
        ss += (pct[i] - s / 5) * (pct[i] - s / 5);
    kou_paired_ci p = kou_paired_pct(alt, base, 5);
    is_double(p.mean, s / 5, 1e-9, "pct: mean of per-replication %% changes (%.4f)", s / 5);
    is_double(p.half, T4 * sqrt(ss / 4) / sqrt(5.0), 1e-5, "pct: t half-width");

    /* a NaN on either side drops the pair; a zero baseline drops it from % */
    const double b2[5] = {10, NAN, 11, 13, 0}, a2[5] = {6, 9, NAN, 9, 5};
    kou_paired_ci d2 = kou_paired_diff(a2, b2, 5);
    is_int((int64_t)d2.n, 3, "paired with NaN: 3 pairs");
    is_double(d2.mean, (-4.0 - 4.0 + 5.0) / 3, 1e-12, "paired with NaN: mean");
    is_int((int64_t)kou_paired_pct(a2, b2, 5).n, 2, "pct: zero baseline left out");
    kou_paired_ci one = kou_paired_diff(alt, base, 1);
    ok(one.mean == -4.0 && isnan(one.half), "one pair: mean, no half-width");
    ok(isnan(kou_paired_mean(alt, 0).mean), "no values: NaN");

    /* verdicts: the whole interval below the target */
    const double tgt = -100.0 / 3;
    kou_paired_ci c = {.mean = -40, .half = 5, .lo = -45, .hi = -35, .n = 5};
    is_string(kou_verdict_name(kou_paired_verdict(c, tgt)), "met", "[-45,-35] vs -33.3: met");
    c = (kou_paired_ci){.mean = -40, .half = 10, .lo = -50, .hi = -30, .n = 5};
    is_string(kou_verdict_name(kou_paired_verdict(c, tgt)), "undecided", "[-50,-30] vs -33.3: undecided");
    c = (kou_paired_ci){.mean = -25, .half = 5, .lo = -30, .hi = -20, .n = 5};
    is_string(kou_verdict_name(kou_paired_verdict(c, tgt)), "not met", "[-30,-20] vs -33.3: not met");
    c = (kou_paired_ci){.mean = -55, .half = 5, .lo = -60, .hi = -50, .n = 5};
    ok(kou_paired_verdict(c, -50) == KOU_VERDICT_UNDECIDED, "hi == target: undecided");
    c.hi = nextafter(-50.0, -100.0);
    ok(kou_paired_verdict(c, -50) == KOU_VERDICT_MET, "hi just below target: met");
    c = (kou_paired_ci){.mean = -45, .half = 5, .lo = -50, .hi = -40, .n = 5};
    ok(kou_paired_verdict(c, -50) == KOU_VERDICT_UNDECIDED, "lo == target: undecided");
    c.lo = nextafter(-50.0, 0.0);
    ok(kou_paired_verdict(c, -50) == KOU_VERDICT_NOT_MET, "lo just above target: not met");
    c = (kou_paired_ci){.mean = -90, .half = NAN, .lo = NAN, .hi = NAN, .n = 1};
    ok(kou_paired_verdict(c, -50) == KOU_VERDICT_UNDECIDED, "no interval: undecided");
    /* from data: the interval of p against the target its mean sits on */
    ok(kou_paired_verdict(p, p.mean) == KOU_VERDICT_UNDECIDED, "target at the mean: undecided");
    ok(kou_paired_verdict(p, p.hi + 1e-9) == KOU_VERDICT_MET, "target just above hi: met");
    ok(kou_paired_verdict(p, p.lo - 1e-9) == KOU_VERDICT_NOT_MET, "target just below lo: not met");
    /* no difference: every pair within the tolerance, NaN only in pairs */
    const double sb[] = {10, 20, NAN, 30}, sa[] = {10, 20.004, NAN, 30 - 3e-12}, sc[] = {10, 20.006, NAN, 30};
    const double sn[] = {10, 20, 5, 30};
    ok(kou_paired_same(sa, sb, 4, 0.005), "pairs within 0.005 (and a NaN pair): the same");
    ok(!kou_paired_same(sc, sb, 4, 0.005), "one pair 0.006 apart: different");
    ok(!kou_paired_same(sn, sb, 4, 0.005), "a value against a NaN: different");
    ok(!kou_paired_same(sb + 2, sb + 2, 1, 0.005), "no defined pair: not called the same");
    ok(kou_paired_same(sb, sb, 2, 0), "identical, tolerance 0: the same");
    ok(strcmp(kou_verdict_name(KOU_VERDICT_NO_DIFFERENCE), "(no difference)") == 0, "its name");
    return tap_done();
}
