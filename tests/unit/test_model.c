/*
** The clearance model: a small air port run end to end (counts, order of
** milestones, reproducibility), then one lever at a time against the same
** baseline, relying on common random numbers: the lever must change what
** it is about and leave the carriers and the consignments' draws alone.
** Ends with validation messages and the max_in_system guard.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "../tap/tap.h"
#include "model_fixture.h"

/* ---- collecting records ---- */

typedef struct recs {
    kou_consignment_record *r;
    size_t n, cap;
} recs;

static void collect(void *ctx, const kou_consignment_record *rec)
{
    recs *v = ctx;
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 1024;
        v->r = realloc(v->r, v->cap * sizeof *v->r);
        if (!v->r)
            bail("out of memory");
    }
    v->r[v->n++] = *rec;
}

static int by_id(const void *a, const void *b)
{
    uint64_t x = ((const kou_consignment_record *)a)->id, y = ((const kou_consignment_record *)b)->id;
    return (x > y) - (x < y);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

/* Field by field: struct padding is not part of a record. */
static uint64_t hash_records(const recs *v)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < v->n; i++) {
        const kou_consignment_record *r = &v->r[i];
        h = fnv(h, &r->id, sizeof r->id);
        h = fnv(h, &r->carrier_id, sizeof r->carrier_id);
        h = fnv(h, &r->unit_id, sizeof r->unit_id);
        h = fnv(h, &r->goods, sizeof r->goods);
        h = fnv(h, &r->trader, sizeof r->trader);
        h = fnv(h, &r->flags, sizeof r->flags);
        for (int m = 0; m < KOU_MS_COUNT; m++) {
            double t = isnan(r->t[m]) ? -1.0 : r->t[m];
            h = fnv(h, &t, sizeof t);
        }
        h = fnv(h, &r->cost, sizeof r->cost);
    }
    return h;
}

static kou_status run(const world *w, uint64_t seed, recs *out, kou_model_totals *tot, char *err, size_t errlen)
{
    kou_model_observer obs = {.ctx = out, .consignment_done = collect};
    memset(out, 0, sizeof *out);
    kou_status st = kou_model_run(&w->model, seed, 20170102, &obs, tot, err, errlen);
    if (st == KOU_OK)
        qsort(out->r, out->n, sizeof *out->r, by_id);
    return st;
}

static bool run_ok(const world *w, uint64_t seed, recs *out, const char *what)
{
    char err[512];
    kou_model_totals tot;
    kou_status st = run(w, seed, out, &tot, err, sizeof err);
    if (st != KOU_OK) {
        ok(false, "%s: run failed: %s", what, err);
        return false;
    }
    return true;
}

#define T(r, m) ((r)->t[KOU_MS_##m])
/* a <= b where both are present. */
static bool le(double a, double b)
{
    return isnan(a) || isnan(b) || a <= b + 1e-9;
}

/* The partial order of model.h; returns the name of the first violated
** relation or NULL. */
static const char *order_violation(const kou_consignment_record *r)
{
    if (isnan(T(r, ARRIVAL)) || isnan(T(r, DECLARED)) || isnan(T(r, DOC_CHECKED)) || isnan(T(r, CERTS_DONE)) ||
        isnan(T(r, RELEASED)) || isnan(T(r, PICKUP)) || isnan(T(r, GATE_OUT)))
        return "a milestone every consignment reaches is missing";
    if (!le(T(r, ARRIVAL), T(r, UNLOADED)) || !le(T(r, UNLOADED), T(r, RELEASED)))
        return "ARRIVAL <= UNLOADED <= RELEASED";
    if (!le(T(r, ARRIVAL), T(r, BORDER_DONE)) || !le(T(r, BORDER_DONE), T(r, RELEASED)))
        return "ARRIVAL <= BORDER_DONE <= RELEASED";
    if (!le(T(r, ARRIVAL), T(r, RELEASED)))
        return "ARRIVAL <= RELEASED";
    if (!le(T(r, DECLARED), T(r, DOC_CHECKED)) || !le(T(r, DOC_CHECKED), T(r, CERTS_DONE)))
        return "DECLARED <= DOC_CHECKED <= CERTS_DONE";
    if (!le(T(r, CERTS_DONE), T(r, SCAN_DONE)) || !le(T(r, CERTS_DONE), T(r, INSPECT_START)) ||
        !le(T(r, SCAN_DONE), T(r, INSPECT_START)) || !le(T(r, INSPECT_START), T(r, INSPECT_END)) ||
        !le(T(r, INSPECT_END), T(r, LAB_RESULT)))
        return "CERTS_DONE <= SCAN_DONE <= INSPECT_START <= INSPECT_END <= LAB_RESULT";
    if (!le(T(r, CERTS_DONE), T(r, DUTY_PAID)))
        return "CERTS_DONE <= DUTY_PAID";
    if (!le(T(r, CERTS_DONE), T(r, RELEASED)) || !le(T(r, SCAN_DONE), T(r, RELEASED)) ||
        !le(T(r, INSPECT_END), T(r, RELEASED)))
        return "checks <= RELEASED";
    if (!le(T(r, RELEASED), T(r, PICKUP)) || !le(T(r, PICKUP), T(r, GATE_OUT)))
        return "RELEASED <= PICKUP <= GATE_OUT";
    if (!(r->flags & KOU_FLAG_INSPECTED) && !isnan(T(r, INSPECT_START)))
        return "uninspected but INSPECT_START";
    if (((r->flags & KOU_FLAG_DUTY) != 0) == isnan(T(r, DUTY_PAID)))
        return "DUTY flag <=> DUTY_PAID";
    if (((r->flags & KOU_FLAG_LAB) != 0) == isnan(T(r, LAB_RESULT)))
        return "LAB flag <=> LAB_RESULT";
    return NULL;
}

static double mean_interval(const recs *v, kou_milestone a, kou_milestone b, uint32_t need_flags)
{
    double s = 0;
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++)
        if ((v->r[i].flags & need_flags) == need_flags && !isnan(v->r[i].t[a]) && !isnan(v->r[i].t[b])) {
            s += v->r[i].t[b] - v->r[i].t[a];
            n++;
        }
    return n ? s / (double)n : NAN;
}

static size_t count_flag(const recs *v, uint32_t flag)
{
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++)
        n += (v->r[i].flags & flag) == flag;
    return n;
}

/* Same consignments with the same arrival, carrier, goods and trader. */
static bool same_arrivals(const recs *a, const recs *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const kou_consignment_record *x = &a->r[i], *y = &b->r[i];
        if (x->id != y->id || x->carrier_id != y->carrier_id || x->unit_id != y->unit_id ||
            x->goods != y->goods || x->trader != y->trader || T(x, ARRIVAL) != T(y, ARRIVAL))
            return false;
    }
    return true;
}

static void free_recs(recs *v)
{
    free(v->r);
    memset(v, 0, sizeof *v);
}

/* ---- tests ---- */

static void test_basic(void)
{
    world w;
    world_init(&w, false);
    recs a, b, c;
    kou_model_totals ta, tb, tc;
    char err[512];
    kou_status st = run(&w, 7, &a, &ta, err, sizeof err);
    if (!is_int(st, KOU_OK, "tiny config runs (%s)", err))
        return;
    ok(a.n > 1000, "it reports consignments (%zu)", a.n);
    is_int((int64_t)ta.reported, (int64_t)a.n, "totals.reported = records passed to the observer");
    is_int((int64_t)ta.finished, (int64_t)ta.consignments, "every consignment generated has finished");
    ok(ta.reported < ta.consignments, "warm-up consignments are processed but not reported (%llu < %llu)",
       (unsigned long long)ta.reported, (unsigned long long)ta.consignments);
    ok(ta.carriers >= 4 * 20 - 1 && ta.carriers <= 4 * 20, "carriers: 20 a week for 4 weeks (%llu)",
       (unsigned long long)ta.carriers);
    ok(ta.units >= 4 * ta.carriers && ta.units <= 12 * ta.carriers, "units per carrier within [4, 12]");
    ok(ta.consignments >= ta.units && ta.consignments <= 4 * ta.units, "consignments per unit within [1, 4]");
    ok(ta.peak_in_system > 0 && ta.peak_in_system < ta.consignments, "peak in system %llu",
       (unsigned long long)ta.peak_in_system);
    ok(ta.events > ta.consignments, "events fired (%llu)", (unsigned long long)ta.events);
    size_t bad = 0, early = 0;
    const char *why = NULL;
    for (size_t i = 0; i < a.n; i++) {
        const char *v = order_violation(&a.r[i]);
        if (v) {
            if (!bad)
                why = v;
            bad++;
        }
        early += T(&a.r[i], ARRIVAL) < w.model.warmup_hours;
    }
    ok(bad == 0, "milestones in order on every record (%zu bad; first: %s)", bad, why ? why : "-");
    is_int((int64_t)early, 0, "no record arrived before the warm-up");
    size_t ids_unique = 1;
    for (size_t i = 1; i < a.n; i++)
        ids_unique &= a.r[i].id != a.r[i - 1].id;
    ok(ids_unique, "record ids are unique");
    ok(count_flag(&a, KOU_FLAG_INSPECTED) > 0 && count_flag(&a, KOU_FLAG_INSPECTED) < a.n / 5,
       "some, not many, inspected (%zu)", count_flag(&a, KOU_FLAG_INSPECTED));
    ok(count_flag(&a, KOU_FLAG_ADVANCE) > a.n / 10 && count_flag(&a, KOU_FLAG_ADVANCE) < a.n / 3,
       "about 20%% advance-declared (%zu of %zu)", count_flag(&a, KOU_FLAG_ADVANCE), a.n);

    run(&w, 7, &b, &tb, err, sizeof err);
    ok(a.n == b.n && hash_records(&a) == hash_records(&b), "same seed: byte-identical records (%016llx)",
       (unsigned long long)hash_records(&a));
    is_int((int64_t)ta.events, (int64_t)tb.events, "same seed: same number of events");
    run(&w, 8, &c, &tc, err, sizeof err);
    ok(hash_records(&a) != hash_records(&c), "another seed: other records");
    free_recs(&a);
    free_recs(&b);
    free_recs(&c);
}

static void test_calendar(void)
{
    world w24, woffice;
    world_init(&w24, false);
    world_init(&woffice, true);
    static const int32_t holiday[] = {20170111}; /* a Wednesday, hours 216-240 */
    woffice.res[R_DOCS].holidays = holiday;
    woffice.res[R_DOCS].nholidays = 1;
    recs a, b;
    if (!run_ok(&w24, 11, &a, "7x24") || !run_ok(&woffice, 11, &b, "office hours"))
        return;
    ok(same_arrivals(&a, &b), "7x24 vs office hours: same consignments, same carrier arrivals (CRN)");
    size_t flags_differ = 0;
    for (size_t i = 0; i < a.n && i < b.n; i++)
        flags_differ += a.r[i].flags != b.r[i].flags;
    is_int((int64_t)flags_differ, 0, "7x24 vs office hours: same draws (identical flags on every consignment)");
    double cust24 = mean_interval(&a, KOU_MS_DECLARED, KOU_MS_CERTS_DONE, 0),
           custoff = mean_interval(&b, KOU_MS_DECLARED, KOU_MS_CERTS_DONE, 0);
    ok(cust24 < custoff / 3, "7x24 cuts declaration -> documents checked (%.2f h vs %.2f h)", cust24, custoff);
    double rel24 = mean_interval(&a, KOU_MS_ARRIVAL, KOU_MS_RELEASED, 0),
           reloff = mean_interval(&b, KOU_MS_ARRIVAL, KOU_MS_RELEASED, 0);
    ok(rel24 < reloff, "7x24 cuts arrival -> release (%.2f h vs %.2f h)", rel24, reloff);
    /* Office hours: documents are only checked while the office is open. */
    size_t outside = 0;
    for (size_t i = 0; i < b.n; i++) {
        double t = fmod(T(&b.r[i], DOC_CHECKED), 24.0);
        double day = floor(T(&b.r[i], DOC_CHECKED) / 24.0);
        int wd = (int)fmod(day, 7.0); /* hour 0 is a Monday */
        bool open = wd < 5 && ((t > 8.5 && t <= 12.0) || (t > 13.5 && t <= 17.5));
        outside += !open;
    }
    is_int((int64_t)outside, 0, "office hours: every document check ends inside opening hours");
    size_t on_holiday = 0;
    for (size_t i = 0; i < b.n; i++)
        on_holiday += T(&b.r[i], DOC_CHECKED) > 216 && T(&b.r[i], DOC_CHECKED) < 240;
    is_int((int64_t)on_holiday, 0, "no document check ends on the holiday 2017-01-11");
    free_recs(&a);
    free_recs(&b);
}

static void test_advance(void)
{
    world w0, w1;
    world_init(&w0, false);
    world_init(&w1, false);
    w1.port.advance_share = 1.0;
    recs a, b;
    if (!run_ok(&w0, 3, &a, "baseline") || !run_ok(&w1, 3, &b, "advance 1"))
        return;
    ok(same_arrivals(&a, &b), "advance declaration leaves arrivals and consignments alone");
    size_t before = 0;
    for (size_t i = 0; i < b.n; i++)
        before += T(&b.r[i], DECLARED) < T(&b.r[i], ARRIVAL) && (b.r[i].flags & KOU_FLAG_ADVANCE);
    is_int((int64_t)before, (int64_t)b.n, "advance_share = 1: every DECLARED precedes ARRIVAL");
    /* Released at unloading when not inspected and nothing else is due. */
    size_t at_unload = 0, plain = 0;
    for (size_t i = 0; i < b.n; i++) {
        const kou_consignment_record *r = &b.r[i];
        if (!(r->flags & (KOU_FLAG_INSPECTED | KOU_FLAG_DUTY)) && T(r, CERTS_DONE) <= T(r, UNLOADED)) {
            plain++;
            at_unload += T(r, RELEASED) == T(r, UNLOADED);
        }
    }
    ok(plain > 100 && at_unload == plain, "uninspected advance-declared: released at unloading (%zu of %zu)",
       at_unload, plain);
    ok(mean_interval(&b, KOU_MS_ARRIVAL, KOU_MS_RELEASED, 0) < mean_interval(&a, KOU_MS_ARRIVAL, KOU_MS_RELEASED, 0),
       "advance declaration shortens arrival -> release");
    free_recs(&a);
    free_recs(&b);
}

static void test_inspection_prob(void)
{
    world w0, w1;
    world_init(&w0, false);
    world_init(&w1, false);
    for (int t = 0; t < KOU_TRADER_COUNT; t++) {
        w0.port.inspect_prob[t] = 0;
        w1.port.inspect_prob[t] = 1;
    }
    for (int g = 0; g < 3; g++)
        w0.goods[g].extra_inspect_prob = 0;
    recs a, b;
    if (!run_ok(&w0, 5, &a, "inspect 0") || !run_ok(&w1, 5, &b, "inspect 1"))
        return;
    size_t stamped = 0;
    for (size_t i = 0; i < a.n; i++)
        stamped += !isnan(T(&a.r[i], SCAN_DONE)) || !isnan(T(&a.r[i], INSPECT_START));
    ok(count_flag(&a, KOU_FLAG_INSPECTED) == 0 && stamped == 0, "inspect_prob 0: no INSPECTED flag, no scan or inspection");
    is_int((int64_t)count_flag(&b, KOU_FLAG_INSPECTED), (int64_t)b.n, "inspect_prob 1: every consignment INSPECTED");
    ok(same_arrivals(&a, &b), "inspection probability leaves arrivals alone");
    free_recs(&a);
    free_recs(&b);
}

static void test_scan_first(void)
{
    world w;
    world_init(&w, false);
    w.port.scan_first_share = 1.0;
    w.port.scan_clear_prob = 1.0;
    for (int t = 0; t < KOU_TRADER_COUNT; t++)
        w.port.inspect_prob[t] = 0.3;
    recs a;
    if (!run_ok(&w, 9, &a, "scan first"))
        return;
    size_t insp = count_flag(&a, KOU_FLAG_INSPECTED), cleared = count_flag(&a, KOU_FLAG_INSPECTED | KOU_FLAG_SCANNED | KOU_FLAG_SCAN_CLEARED);
    size_t manual = count_flag(&a, KOU_FLAG_MANUAL), started = 0, scanned = 0;
    for (size_t i = 0; i < a.n; i++) {
        started += !isnan(T(&a.r[i], INSPECT_START));
        scanned += (a.r[i].flags & KOU_FLAG_INSPECTED) && !isnan(T(&a.r[i], SCAN_DONE));
    }
    ok(insp > 100 && cleared == insp && scanned == insp, "scan first, clear 1: all %zu inspected are scanned and cleared", insp);
    ok(manual == 0 && started == 0, "scan first, clear 1: no manual inspection");
    free_recs(&a);
}

static void test_auto_review(void)
{
    world w0, w1, wh, wc0, wc1; /* without certificates, then with (world_init's 1.5 a consignment) */
    world *no_certs[] = {&w0, &w1, &wh};
    for (size_t i = 0; i < 3; i++) {
        world_init(no_certs[i], false);
        no_certs[i]->port.certs_per_consignment = 0;
    }
    world_init(&wc0, false);
    world_init(&wc1, false);
    w1.port.auto_review_share = 1.0;
    wh.port.auto_review_share = 0.5;
    wc1.port.auto_review_share = 1.0;
    recs a, b, h, c0, c1;
    if (!run_ok(&w0, 17, &a, "reviewed") || !run_ok(&w1, 17, &b, "auto review 1") ||
        !run_ok(&wh, 17, &h, "auto review 0.5") || !run_ok(&wc0, 17, &c0, "certs") ||
        !run_ok(&wc1, 17, &c1, "certs, auto review 1"))
        return;
    ok(same_arrivals(&a, &b) && same_arrivals(&a, &h), "automatic review leaves arrivals and consignments alone");
    size_t at_once_a = 0, at_once_b = 0, at_once_h = 0;
    for (size_t i = 0; i < a.n; i++)
        at_once_a += T(&a.r[i], DOC_CHECKED) == T(&a.r[i], DECLARED);
    for (size_t i = 0; i < b.n; i++)
        at_once_b += T(&b.r[i], DOC_CHECKED) == T(&b.r[i], DECLARED) && T(&b.r[i], CERTS_DONE) == T(&b.r[i], DECLARED);
    for (size_t i = 0; i < h.n; i++)
        at_once_h += T(&h.r[i], DOC_CHECKED) == T(&h.r[i], DECLARED);
    ok(a.n > 500 && at_once_a == 0, "auto_review_share = 0: every document check takes a reviewer's time");
    is_int((int64_t)at_once_b, (int64_t)b.n, "auto_review_share = 1, no certificates: checked when declared");
    double sd = sqrt(0.25 * (double)h.n);
    ok(fabs((double)at_once_h - 0.5 * (double)h.n) < 4 * sd, "auto_review_share = 0.5: %zu of %zu at once (4 sd: %.0f)",
       at_once_h, h.n, 4 * sd);
    ok(mean_interval(&c1, KOU_MS_DECLARED, KOU_MS_CERTS_DONE, 0) <
           mean_interval(&c0, KOU_MS_DECLARED, KOU_MS_CERTS_DONE, 0),
       "with certificates: only their verification waits for a reviewer, a shorter DECLARED -> CERTS_DONE");
    free_recs(&a);
    free_recs(&b);
    free_recs(&h);
    free_recs(&c0);
    free_recs(&c1);
}

/* Two-step declaration (imports): the chosen, never discredited traders,
** prepare a summary declaration (preparation x the factor) and their duty
** leaves the critical path; nobody else changes. */
static double mean_prep(const recs *v, bool discredited)
{
    double s = 0;
    size_t n = 0;
    for (size_t i = 0; i < v->n; i++)
        if (!(v->r[i].flags & KOU_FLAG_ADVANCE) && (v->r[i].trader == KOU_TRADER_DISCREDITED) == discredited) {
            s += v->r[i].t[KOU_MS_DECLARED] - v->r[i].t[KOU_MS_ARRIVAL];
            n++;
        }
    return n ? s / (double)n : NAN;
}

static void test_two_step(void)
{
    world w0, w1;
    world_init(&w0, false);
    world_init(&w1, false);
    w1.port.two_step_share = 1.0;
    w1.port.two_step_prep_factor = 0.25;
    recs a, b;
    if (!run_ok(&w0, 23, &a, "one-step") || !run_ok(&w1, 23, &b, "two-step"))
        return;
    ok(same_arrivals(&a, &b), "two-step declaration leaves arrivals, goods and traders alone");
    double p0 = mean_prep(&a, false), p1 = mean_prep(&b, false);
    ok(a.n > 500 && fabs(p1 / p0 - 0.25) < 1e-9,
       "two_step_share = 1, factor 0.25: every non-discredited preparation is a quarter (%.4f / %.4f)", p1, p0);
    is_double(mean_prep(&b, true), mean_prep(&a, true), 1e-12, "discredited traders declare in one step");
    size_t waited = 0, duty = 0;
    for (size_t i = 0; i < b.n; i++)
        if ((b.r[i].flags & KOU_FLAG_DUTY) && b.r[i].trader != KOU_TRADER_DISCREDITED &&
            !isnan(b.r[i].t[KOU_MS_DUTY_PAID]) && !isnan(b.r[i].t[KOU_MS_RELEASED])) {
            duty++;
            waited += b.r[i].t[KOU_MS_RELEASED] >= b.r[i].t[KOU_MS_DUTY_PAID];
        }
    size_t waited0 = 0, duty0 = 0;
    for (size_t i = 0; i < a.n; i++)
        if ((a.r[i].flags & KOU_FLAG_DUTY) && !isnan(a.r[i].t[KOU_MS_RELEASED])) {
            duty0++;
            waited0 += a.r[i].t[KOU_MS_RELEASED] >= a.r[i].t[KOU_MS_DUTY_PAID];
        }
    ok(duty0 > 100 && waited0 == duty0, "one-step: every duty-paying consignment waits for its duty (%zu)", duty0);
    ok(duty > 100 && waited < duty / 2, "two-step: released before the duty is paid (%zu of %zu waited)", waited,
       duty);
    free_recs(&a);
    free_recs(&b);
}

static void test_joint(void)
{
    world ws, wj;
    world_init(&ws, false);
    world_init(&wj, false);
    for (int t = 0; t < KOU_TRADER_COUNT; t++)
        ws.port.inspect_prob[t] = wj.port.inspect_prob[t] = 0.2;
    ws.port.scan_first_share = wj.port.scan_first_share = 0;
    wj.port.joint_inspection = true;
    recs a, b;
    if (!run_ok(&ws, 13, &a, "sequential") || !run_ok(&wj, 13, &b, "joint"))
        return;
    ok(count_flag(&a, KOU_FLAG_JOINT) == 0, "sequential: no JOINT flag");
    ok(count_flag(&b, KOU_FLAG_MANUAL) > 100 && count_flag(&b, KOU_FLAG_JOINT) == count_flag(&b, KOU_FLAG_MANUAL),
       "joint: every manual inspection is JOINT (%zu)", count_flag(&b, KOU_FLAG_JOINT));
    is_int((int64_t)count_flag(&a, KOU_FLAG_MANUAL), (int64_t)count_flag(&b, KOU_FLAG_MANUAL),
           "same consignments selected either way (CRN)");
    double ss = mean_interval(&a, KOU_MS_INSPECT_START, KOU_MS_INSPECT_END, 0),
           sj = mean_interval(&b, KOU_MS_INSPECT_START, KOU_MS_INSPECT_END, 0);
    ok(sj < ss / 2, "joint inspection shortens the inspection span (%.2f h vs %.2f h)", sj, ss);
    ok(same_arrivals(&a, &b), "joint inspection leaves arrivals alone");
    free_recs(&a);
    free_recs(&b);
}

static void test_duty_lab(void)
{
    world w0, wd, wl;
    world_init(&w0, false);
    world_init(&wd, false);
    world_init(&wl, false);
    for (int t = 0; t < KOU_TRADER_COUNT; t++)
        w0.port.inspect_prob[t] = wd.port.inspect_prob[t] = wl.port.inspect_prob[t] = 0.3;
    wd.port.release_before_duty = true;
    wl.port.release_before_lab = true;
    recs a, d, l;
    if (!run_ok(&w0, 17, &a, "baseline") || !run_ok(&wd, 17, &d, "release before duty") ||
        !run_ok(&wl, 17, &l, "release before lab"))
        return;
    size_t duty_late = 0, lab_late = 0;
    for (size_t i = 0; i < a.n; i++) {
        duty_late += T(&a.r[i], RELEASED) < T(&a.r[i], DUTY_PAID);
        lab_late += T(&a.r[i], RELEASED) < T(&a.r[i], LAB_RESULT);
    }
    ok(duty_late == 0 && lab_late == 0, "baseline: release waits for duty and lab");
    size_t dn = 0, dearly = 0;
    for (size_t i = 0; i < d.n; i++)
        if (d.r[i].flags & KOU_FLAG_DUTY) {
            dn++;
            dearly += T(&d.r[i], RELEASED) < T(&d.r[i], DUTY_PAID);
        }
    ok(dn > 100 && dearly > dn / 4, "release before duty: %zu of %zu with duty released before paying", dearly, dn);
    ok(mean_interval(&d, KOU_MS_ARRIVAL, KOU_MS_RELEASED, KOU_FLAG_DUTY) <
           mean_interval(&a, KOU_MS_ARRIVAL, KOU_MS_RELEASED, KOU_FLAG_DUTY),
       "release before duty shortens arrival -> release for dutiable goods");
    is_int((int64_t)count_flag(&d, KOU_FLAG_DUTY), (int64_t)count_flag(&a, KOU_FLAG_DUTY), "same consignments owe duty");
    size_t ln = 0, learly = 0;
    for (size_t i = 0; i < l.n; i++)
        if ((l.r[i].flags & KOU_FLAG_LAB) && !(l.r[i].flags & KOU_FLAG_DUTY)) {
            ln++;
            learly += T(&l.r[i], RELEASED) < T(&l.r[i], LAB_RESULT);
        }
    ok(ln > 10 && learly == ln, "release before lab: all %zu sampled (without duty) released before the result", ln);
    ok(mean_interval(&l, KOU_MS_ARRIVAL, KOU_MS_RELEASED, KOU_FLAG_LAB) <
           mean_interval(&a, KOU_MS_ARRIVAL, KOU_MS_RELEASED, KOU_FLAG_LAB) / 2,
       "release before lab shortens arrival -> release for sampled goods (%.1f h vs %.1f h)",
       mean_interval(&l, KOU_MS_ARRIVAL, KOU_MS_RELEASED, KOU_FLAG_LAB),
       mean_interval(&a, KOU_MS_ARRIVAL, KOU_MS_RELEASED, KOU_FLAG_LAB));
    free_recs(&a);
    free_recs(&d);
    free_recs(&l);
}

static void test_apron(void)
{
    world w;
    world_init(&w, false);
    w.port.apron_release = true;
    w.port.warehouse_move = fixed(3);
    w.port.pickup_delay = none();
    recs a;
    if (!run_ok(&w, 19, &a, "apron"))
        return;
    size_t fresh = 0, apron = 0, wrong = 0, moved = 0;
    for (size_t i = 0; i < a.n; i++) {
        const kou_consignment_record *r = &a.r[i];
        bool is_fresh = r->goods == 1, flag = (r->flags & KOU_FLAG_APRON) != 0;
        fresh += is_fresh;
        apron += flag;
        wrong += is_fresh != flag;
        double move = T(r, PICKUP) - T(r, RELEASED);
        moved += flag ? move != 0.0 : fabs(move - 3.0) > 1e-9;
    }
    ok(fresh > 100 && apron == fresh && wrong == 0, "APRON flag on exactly the apron-eligible goods (%zu)", apron);
    is_int((int64_t)moved, 0, "apron goods skip the warehouse move; the others take it");
    free_recs(&a);
}

static void test_through(void)
{
    world w0, w1;
    world_init(&w0, false);
    world_init(&w1, false);
    w0.flow.mode = w1.flow.mode = KOU_MODE_RAIL;
    w0.port.mode = w1.port.mode = KOU_MODE_RAIL;
    w1.port.through_clearance = true;
    recs a, b;
    if (!run_ok(&w0, 23, &a, "rail") || !run_ok(&w1, 23, &b, "rail through"))
        return;
    size_t n30 = 0, nhalf = 0;
    for (size_t i = 0; i < a.n; i++)
        n30 += fabs(T(&a.r[i], BORDER_DONE) - T(&a.r[i], ARRIVAL) - 30.0) < 1e-9;
    for (size_t i = 0; i < b.n; i++)
        nhalf += fabs(T(&b.r[i], BORDER_DONE) - T(&b.r[i], ARRIVAL) - 0.5) < 1e-9;
    is_int((int64_t)n30, (int64_t)a.n, "rail: BORDER_DONE - ARRIVAL = border_time (30 h) for all");
    is_int((int64_t)nhalf, (int64_t)b.n, "through-clearance: BORDER_DONE - ARRIVAL = data check (0.5 h) for all");
    ok(count_flag(&a, KOU_FLAG_THROUGH) == 0 && count_flag(&b, KOU_FLAG_THROUGH) == b.n, "THROUGH flag");
    ok(same_arrivals(&a, &b), "through-clearance leaves arrivals alone");
    double rel0 = mean_interval(&a, KOU_MS_ARRIVAL, KOU_MS_RELEASED, 0),
           rel1 = mean_interval(&b, KOU_MS_ARRIVAL, KOU_MS_RELEASED, 0);
    ok(rel1 + 15 < rel0, "through-clearance shortens arrival -> release (%.1f h vs %.1f h)", rel1, rel0);
    free_recs(&a);
    free_recs(&b);
}

/* Everything deterministic: one flight a week (Monday 10:00), one unit,
** one consignment, ample 7x24 resources. */
static void world_deterministic(world *w)
{
    world_init(w, false);
    for (int i = 0; i < 7; i++)
        w->res[i].capacity = 10;
    w->timetable[0] = 10;
    w->flow.ntimetable = 1;
    w->flow.delay = none();
    w->flow.units_per_carrier = fixed(1);
    w->flow.consignments_per_unit = fixed(1);
    w->flow.ngoods = 1;
    w->goods[0].duty_prob = 0;
    w->goods[0].lab_prob = 0;
    kou_port_config *p = &w->port;
    p->unload_per_unit = fixed(1);
    p->prep_time = fixed(2);
    p->doc_check = fixed(0.5);
    p->certs_per_consignment = 0;
    p->scan_time = fixed(0.25);
    p->notice_delay = fixed(1);
    p->inspect_time = fixed(2);
    p->warehouse_move = fixed(3);
    p->pickup_delay = fixed(40);
    p->gate_time = fixed(0.5);
    p->advance_share = 0;
    for (int t = 0; t < KOU_TRADER_COUNT; t++)
        p->inspect_prob[t] = 0;
    p->scan_first_share = 0;
    p->fee_handling_per_unit = 100;
    p->fee_inspection = 400;
    p->fee_scan = 150;
    p->fee_storage_per_day = 50;
    p->storage_free_hours = 24;
    w->model.warmup_hours = 0;
    w->model.horizon_hours = 2 * 168;
}

static void test_fees(void)
{
    world w;
    world_deterministic(&w);
    recs a;
    if (!run_ok(&w, 1, &a, "deterministic"))
        return;
    if (!is_int((int64_t)a.n, 2, "deterministic: two consignments in two weeks"))
        return;
    const kou_consignment_record *r = &a.r[1];
    is_double(T(r, ARRIVAL), 178, 0, "ARRIVAL Monday 10:00 of week 2");
    is_double(T(r, UNLOADED), 179, 1e-12, "UNLOADED after 1 h");
    is_double(T(r, DECLARED), 180, 1e-12, "DECLARED after the 2 h preparation");
    is_double(T(r, DOC_CHECKED), 180.5, 1e-12, "DOC_CHECKED");
    is_double(T(r, RELEASED), 180.5, 1e-12, "RELEASED when the checks end");
    is_double(T(r, PICKUP), 223.5, 1e-12, "PICKUP after the 3 h move and the 40 h pickup delay");
    is_double(T(r, GATE_OUT), 224, 1e-12, "GATE_OUT after the 0.5 h gate");
    /* 45 h from unloading to gate-out, 24 free: one day of storage. */
    is_double(r->cost, 100 + 50, 1e-9, "cost = handling 100 + 1 day storage 50");

    for (int t = 0; t < KOU_TRADER_COUNT; t++)
        w.port.inspect_prob[t] = 1;
    free_recs(&a);
    if (!run_ok(&w, 1, &a, "deterministic, inspected"))
        return;
    r = &a.r[1];
    is_double(T(r, INSPECT_START), 181.5, 1e-12, "sequential: first visit after the 1 h notice");
    is_double(T(r, INSPECT_END), 186.5, 1e-12, "sequential: two 2 h visits with a notice between");
    /* Unloaded at 179, gate-out at 186.5 + 43.5 = 230: 51 h, 27 h charged -> 2 days. */
    is_double(r->cost, 100 + 2 * 400 + 2 * 50, 1e-9, "cost = handling + two inspection visits + 2 days storage");

    w.port.joint_inspection = true;
    free_recs(&a);
    if (!run_ok(&w, 1, &a, "deterministic, joint"))
        return;
    r = &a.r[1];
    is_double(T(r, INSPECT_END) - T(r, INSPECT_START), 2, 1e-12, "joint: one 2 h visit");
    is_double(r->cost, 100 + 400 + 50, 1e-9, "cost = handling + one inspection visit + 1 day storage");

    /* Hour 0 on a Wednesday: Monday 10:00 is hour 5 * 24 + 10. */
    free_recs(&a);
    kou_model_observer obs = {.ctx = &a, .consignment_done = collect};
    char err[512];
    is_int(kou_model_run(&w.model, 1, 20170104, &obs, NULL, err, sizeof err), KOU_OK, "start on a Wednesday");
    ok(a.n >= 1 && T(&a.r[0], ARRIVAL) == 130, "the timetable follows the weekday of the start date (%g)",
       a.n ? T(&a.r[0], ARRIVAL) : NAN);
    is_int(kou_model_run(&w.model, 1, 20170230, &obs, NULL, err, sizeof err), KOU_EINVAL, "a bad start date is refused");
    has_string(err, "start date must be a valid date", "  with a message");

    w.port.scan_first_share = 1;
    w.port.scan_clear_prob = 1;
    free_recs(&a);
    if (!run_ok(&w, 1, &a, "deterministic, scanned"))
        return;
    r = &a.r[1];
    is_double(T(r, SCAN_DONE), 180.75, 1e-12, "scan after the document check");
    is_double(r->cost, 100 + 150 + 50, 1e-9, "cost = handling + scan + 1 day storage");
    free_recs(&a);
}

static void test_pickup_cap(void)
{
    world w0, w1;
    world_init(&w0, false);
    world_init(&w1, false);
    w0.port.warehouse_move = w1.port.warehouse_move = none();
    w1.port.pickup_cap_hours = 6;
    recs a, b;
    if (!run_ok(&w0, 29, &a, "no cap") || !run_ok(&w1, 29, &b, "cap"))
        return;
    size_t over0 = 0, over1 = 0;
    for (size_t i = 0; i < a.n; i++)
        over0 += T(&a.r[i], PICKUP) - T(&a.r[i], RELEASED) > 6 + 1e-9;
    for (size_t i = 0; i < b.n; i++)
        over1 += T(&b.r[i], PICKUP) - T(&b.r[i], RELEASED) > 6 + 1e-9;
    ok(over0 > a.n / 2, "without a cap, most pickups take over 6 h (%zu of %zu)", over0, a.n);
    is_int((int64_t)over1, 0, "pickup_cap_hours = 6: no pickup later than 6 h after release");
    free_recs(&a);
    free_recs(&b);
}

static void test_green(void)
{
    world w0, w1;
    world_init(&w0, true);
    world_init(&w1, true);
    w0.port.green_priority = 0;
    w1.port.green_priority = 10;
    recs a, b;
    if (!run_ok(&w0, 31, &a, "no priority") || !run_ok(&w1, 31, &b, "green priority"))
        return;
    double g0 = mean_interval(&a, KOU_MS_DECLARED, KOU_MS_DOC_CHECKED, KOU_FLAG_GREEN),
           g1 = mean_interval(&b, KOU_MS_DECLARED, KOU_MS_DOC_CHECKED, KOU_FLAG_GREEN);
    ok(g1 < g0, "green channel: green goods get their documents checked sooner (%.2f h vs %.2f h)", g1, g0);
    free_recs(&a);
    free_recs(&b);
}

static void test_export(void)
{
    world w;
    world_init(&w, false);
    w.flow.direction = KOU_EXPORT;
    w.flow.goods_lead = dist(KOU_DIST_UNIFORM, 6, 30, 0);
    w.flow.goods_window_hours = 24;
    recs a;
    if (!run_ok(&w, 37, &a, "export"))
        return;
    size_t bad = 0, window = 0, sameout = 0;
    for (size_t i = 0; i < a.n; i++) {
        const kou_consignment_record *r = &a.r[i];
        bad += order_violation(r) != NULL;
        window += T(r, GATE_OUT) - T(r, ARRIVAL) < 6 - 1e-9;
        if (i > 0 && r->carrier_id == a.r[i - 1].carrier_id)
            sameout += T(r, GATE_OUT) != T(&a.r[i - 1], GATE_OUT);
    }
    ok(a.n > 1000 && bad == 0, "export: %zu records, milestones in order", a.n);
    is_int((int64_t)window, 0, "export: goods arrive at least 6 h before departure");
    is_int((int64_t)sameout, 0, "export: the consignments of one carrier depart together");
    free_recs(&a);
}

static void test_small_levers(void)
{
    world w0, w1;
    recs a, b;
    /* certificates */
    world_init(&w0, false);
    world_init(&w1, false);
    w0.port.certs_per_consignment = 0;
    w1.port.certs_per_consignment = 4;
    if (!run_ok(&w0, 41, &a, "no certs") || !run_ok(&w1, 41, &b, "4 certs"))
        return;
    size_t eq = 0;
    for (size_t i = 0; i < a.n; i++)
        eq += T(&a.r[i], CERTS_DONE) == T(&a.r[i], DOC_CHECKED);
    is_int((int64_t)eq, (int64_t)a.n, "certs_per_consignment 0: CERTS_DONE = DOC_CHECKED");
    double c4 = mean_interval(&b, KOU_MS_DOC_CHECKED, KOU_MS_CERTS_DONE, 0);
    is_double(c4, 4 * 0.1, 0.06, "certs_per_consignment 4 x cert_time 0.1 h: %.3f h on average", c4);
    ok(same_arrivals(&a, &b), "certificates leave arrivals alone");
    free_recs(&a);
    free_recs(&b);

    /* single window: preparation time */
    world_init(&w0, false);
    world_init(&w1, false);
    w1.port.prep_time = dist(KOU_DIST_LOGNORMAL, 1, 1, 0);
    if (!run_ok(&w0, 43, &a, "prep 6 h") || !run_ok(&w1, 43, &b, "prep 1 h"))
        return;
    double p0 = mean_interval(&a, KOU_MS_ARRIVAL, KOU_MS_DECLARED, 0),
           p1 = mean_interval(&b, KOU_MS_ARRIVAL, KOU_MS_DECLARED, 0);
    ok(p1 < p0 && count_flag(&a, KOU_FLAG_ADVANCE) == count_flag(&b, KOU_FLAG_ADVANCE),
       "single window: arrival -> declaration %.2f h vs %.2f h, same advance-declared", p1, p0);
    free_recs(&a);
    free_recs(&b);

    /* inspection notice */
    world_init(&w0, false);
    world_init(&w1, false);
    for (int t = 0; t < KOU_TRADER_COUNT; t++)
        w0.port.inspect_prob[t] = w1.port.inspect_prob[t] = 0.3;
    w1.port.notice_delay = none();
    if (!run_ok(&w0, 47, &a, "notice 4 h") || !run_ok(&w1, 47, &b, "no notice"))
        return;
    double n0 = mean_interval(&a, KOU_MS_CERTS_DONE, KOU_MS_INSPECT_END, KOU_FLAG_MANUAL),
           n1 = mean_interval(&b, KOU_MS_CERTS_DONE, KOU_MS_INSPECT_END, KOU_FLAG_MANUAL);
    ok(n1 + 4 < n0, "notices pushed at once: certificates -> inspection end %.2f h vs %.2f h", n1, n0);
    free_recs(&a);
    free_recs(&b);

    /* multimodal hand-off */
    world_init(&w0, false);
    world_init(&w1, false);
    w1.flow.handoff_hours_mean = 10;
    if (!run_ok(&w0, 53, &a, "no hand-off") || !run_ok(&w1, 53, &b, "hand-off 10 h"))
        return;
    double h0 = mean_interval(&a, KOU_MS_PICKUP, KOU_MS_GATE_OUT, 0),
           h1 = mean_interval(&b, KOU_MS_PICKUP, KOU_MS_GATE_OUT, 0);
    is_double(h1 - h0, 10, 1.5, "hand-off mean 10 h adds %.2f h between PICKUP and GATE_OUT", h1 - h0);
    ok(same_arrivals(&a, &b), "hand-off leaves arrivals alone");
    free_recs(&a);
    free_recs(&b);
}

/* Poisson arrivals by hour of the week, and a second port: adding it must
** not change the first port's consignments. */
static void test_nhpp_two_ports(void)
{
    static world w, w2;
    world_init(&w, false);
    double rates[168];
    for (int h = 0; h < 168; h++)
        rates[h] = (h % 24) >= 20 || (h % 24) < 4 ? 0.5 : 0.05; /* freighters mostly at night */
    w.flow.ntimetable = 0;
    w.flow.rate_per_hour = rates;
    recs a, b;
    kou_model_totals ta, tb;
    char err[512];
    if (!is_int(run(&w, 59, &a, &ta, err, sizeof err), KOU_OK, "NHPP arrivals run (%s)", err))
        return;
    double expected = 4 * (7 * (8 * 0.5 + 16 * 0.05));
    ok(fabs((double)ta.carriers - expected) < 4 * sqrt(expected), "NHPP: %llu carriers, %.0f expected",
       (unsigned long long)ta.carriers, expected);
    size_t night = 0;
    for (size_t i = 0; i < a.n; i++) {
        double hod = fmod(T(&a.r[i], ARRIVAL), 24.0);
        night += hod >= 20 || hod < 4;
    }
    ok(night > a.n * 6 / 10, "NHPP: most consignments arrive at night (%zu of %zu)", night, a.n);

    world_init(&w2, false);
    w2.port.name = "ZZ rail";
    w2.port.mode = w2.flow.mode = KOU_MODE_RAIL;
    kou_port_config ports[2] = {w.port, w2.port};
    kou_model_config two = w.model;
    two.ports = ports;
    two.nports = 2;
    kou_model_observer obs = {.ctx = &b, .consignment_done = collect};
    memset(&b, 0, sizeof b);
    is_int(kou_model_run(&two, 59, 20170102, &obs, &tb, err, sizeof err), KOU_OK, "two ports run (%s)", err);
    qsort(b.r, b.n, sizeof *b.r, by_id);
    size_t same = 0, first_port = 0, rail = 0;
    for (size_t i = 0; i < b.n; i++) {
        if (b.r[i].port != 0) {
            rail += b.r[i].mode == KOU_MODE_RAIL && !isnan(T(&b.r[i], BORDER_DONE));
            continue;
        }
        first_port++;
        if (first_port <= a.n) {
            const kou_consignment_record *x = &a.r[first_port - 1], *y = &b.r[i];
            same += x->id == y->id && T(x, ARRIVAL) == T(y, ARRIVAL) && x->flags == y->flags;
        }
    }
    ok(first_port == a.n && same == a.n, "adding a port leaves the first port's consignments alone (%zu of %zu)",
       same, a.n);
    ok(rail > 1000 && rail == b.n - first_port, "the rail port's consignments pass the border (%zu)", rail);
    free_recs(&a);
    free_recs(&b);
}

static void expect_error(const world *w, const char *needle, const char *what)
{
    char err[512] = "";
    kou_status st = kou_model_validate(&w->model, err, sizeof err);
    is_int(st, KOU_EINVAL, "validate refuses %s", what);
    has_string(err, needle, "  and says so");
    recs v;
    char err2[512] = "";
    st = run(w, 1, &v, NULL, err2, sizeof err2);
    ok(st == KOU_EINVAL && strcmp(err, err2) == 0, "  run refuses it with the same message");
    free_recs(&v);
}

static void test_validation(void)
{
    world w;
    char err[512];
    world_init(&w, false);
    is_int(kou_model_validate(&w.model, err, sizeof err), KOU_OK, "the tiny config is valid (%s)", err);
    world_init(&w, true);
    is_int(kou_model_validate(&w.model, err, sizeof err), KOU_OK, "with office hours too (%s)", err);

    world_init(&w, false);
    w.port.advance_share = 1.5;
    expect_error(&w, "port 'CGO': advance_share must be in [0, 1] (got 1.5)", "advance_share 1.5");
    world_init(&w, false);
    w.port.inspect_prob[KOU_TRADER_DISCREDITED] = -0.1;
    expect_error(&w, "port 'CGO': inspect_prob[discredited] must be in [0, 1] (got -0.1)", "a negative probability");
    world_init(&w, false);
    w.port.res_scanner = 9;
    expect_error(&w, "port 'CGO': res_scanner must be in [-1, 6]", "a resource index out of range");
    world_init(&w, false);
    w.port.prep_time = dist(KOU_DIST_LOGNORMAL, 6, -0.5, 0);
    expect_error(&w, "port 'CGO': prep_time: lognormal", "a bad lognormal");
    world_init(&w, false);
    w.port.doc_check = dist(KOU_DIST_UNIFORM, -1, 1, 0);
    expect_error(&w, "port 'CGO': doc_check: uniform: values must be >= 0", "a time that can be negative");
    world_init(&w, false);
    w.goods[2].lab_prob = 2;
    expect_error(&w, "port 'CGO', flow 'freighter', goods 'minerals': lab_prob must be in [0, 1] (got 2)",
                 "a goods probability");
    world_init(&w, false);
    w.timetable[3] = 170;
    expect_error(&w, "port 'CGO', flow 'freighter': timetable[3] must be in [0, 168)", "a timetable hour");
    world_init(&w, true);
    static const kou_hours_spec bad_hours[] = {{0x1f, 18, 9, 2}};
    w.res[R_DOCS].hours = bad_hours;
    w.res[R_DOCS].nhours = 1;
    expect_error(&w, "port 'CGO', resource 'documents': calendar 'documents'", "bad opening hours");
    world_init(&w, false);
    w.port.scan_first_share = 0.5;
    w.port.res_scanner = -1;
    expect_error(&w, "scan_first_share is 0.5 but the port has no scanner", "scanning without a scanner");
    world_init(&w, false);
    w.model.warmup_hours = 1000;
    expect_error(&w, "warmup_hours must be in [0, horizon_hours)", "a warm-up past the horizon");
    world_init(&w, false);
    w.flow.consignments_per_unit = dist(KOU_DIST_ERLANG, 2.5, 3, 0);
    expect_error(&w, "consignments_per_unit: erlang: k must be an integer", "a fractional Erlang k");
    world_init(&w, false);
    double zero[168] = {0};
    w.flow.ntimetable = 0;
    w.flow.rate_per_hour = zero;
    expect_error(&w, "port 'CGO', flow 'freighter': rate_per_hour: arrival rates: all 168 hourly rates are zero",
                 "all-zero arrival rates");
    world_init(&w, false);
    w.flow.trader_share[KOU_TRADER_ORDINARY] = NAN;
    expect_error(&w, "port 'CGO', flow 'freighter': trader_share[ordinary] must be >= 0 and finite (got nan)",
                 "a NaN share");
}

static void test_guard(void)
{
    world w;
    world_init(&w, false);
    w.res[R_DOCS].capacity = 1;
    w.port.doc_check = fixed(5); /* far more work than one reviewer can do */
    w.model.max_in_system = 500;
    recs v;
    kou_model_totals tot;
    char err[512] = "";
    kou_status st = run(&w, 1, &v, &tot, err, sizeof err);
    is_int(st, KOU_ENOMEM, "overloaded port: the max_in_system guard stops the run");
    has_string(err, "port 'CGO', flow 'freighter': more than max_in_system = 500 consignments", "  with a message naming the limit");
    ok(tot.peak_in_system <= 500, "  and the system never held more than the limit (%llu)",
       (unsigned long long)tot.peak_in_system);
    free_recs(&v);
}

/* ---- sim_ready: events of the caller's own in the model's simulation ---- */

typedef struct caller {
    recs *out;
    int mode;          /* 0 ticker only, 1 ticker + hold 1 reviewer days 10-12, 2 stop at hour 100 */
    kou_resource *docs;
    bool found, unknown_null;
    uint64_t ticks;
} caller;

static void ev_tick(kou_sim *sim, void *subject, void *object)
{
    caller *c = subject;
    (void)object;
    c->ticks++;
    if (c->mode == 2 && kou_sim_now(sim) >= 100.0) {
        kou_sim_stop(sim);
        return;
    }
    kou_event_schedule(sim, 10.0, 0, ev_tick, c, NULL); /* for ever */
}

static void ev_give_back(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    (void)object;
    kou_resource_release(((caller *)subject)->docs);
}

static void granted(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    (void)res;
    (void)object;
    kou_event_schedule(sim, 48.0, 0, ev_give_back, subject, NULL);
}

static void ev_take(kou_sim *sim, void *subject, void *object)
{
    caller *c = subject;
    (void)sim;
    (void)object;
    for (int i = 0; i < 3; i++)
        kou_resource_request(c->docs, 1000, granted, c, NULL);
}

static void ready(void *ctx, kou_sim *sim, const kou_model_run_view *view)
{
    caller *c = ctx;
    c->docs = kou_model_find_resource(view, "CGO", "documents");
    c->found = c->docs != NULL;
    c->unknown_null = kou_model_find_resource(view, "CGO", "documnets") == NULL &&
                      kou_model_find_resource(view, "PEK", "documents") == NULL;
    kou_event_schedule(sim, 0.0, 0, ev_tick, c, NULL);
    if (c->mode == 1)
        kou_event_schedule(sim, 240.0, 0, ev_take, c, NULL);
}

static void collect_caller(void *ctx, const kou_consignment_record *rec)
{
    collect(((caller *)ctx)->out, rec);
}

static kou_status run_caller(const world *w, caller *c, recs *out, kou_model_totals *tot, char *err, size_t errlen)
{
    kou_model_observer obs = {.ctx = c, .consignment_done = collect_caller, .sim_ready = ready};
    memset(out, 0, sizeof *out);
    c->out = out;
    kou_status st = kou_model_run(&w->model, 7, 20170102, &obs, tot, err, errlen);
    if (st == KOU_OK)
        qsort(out->r, out->n, sizeof *out->r, by_id);
    return st;
}

static double mean_customs(const recs *v)
{
    double sum = 0;
    for (size_t i = 0; i < v->n; i++)
        sum += T(&v->r[i], RELEASED) - T(&v->r[i], ARRIVAL);
    return v->n ? sum / (double)v->n : NAN;
}

static void test_sim_ready(void)
{
    world w;
    world_init(&w, false);
    recs base, tick, held, stopped;
    kou_model_totals tb, tt, th, ts;
    char err[512] = "";
    if (!is_int(run(&w, 7, &base, &tb, err, sizeof err), KOU_OK, "sim_ready: the baseline runs (%s)", err))
        return;
    caller c0 = {.mode = 0};
    kou_status st = run_caller(&w, &c0, &tick, &tt, err, sizeof err);
    is_int(st, KOU_OK, "sim_ready with an endless ticker: the run ends when the system has drained (%s)", err);
    ok(c0.found && c0.unknown_null, "kou_model_find_resource finds the port's resource, NULL for unknown names");
    ok(c0.ticks > 10 && tt.end_time == tb.end_time, "the ticker ran (%llu ticks); the run ended at the drain (%g, %g)",
       (unsigned long long)c0.ticks, tt.end_time, tb.end_time);
    ok(tick.n == base.n && hash_records(&tick) == hash_records(&base),
       "events that touch nothing of the model leave every record as it was");
    caller c1 = {.mode = 1};
    st = run_caller(&w, &c1, &held, &th, err, sizeof err);
    is_int(st, KOU_OK, "sim_ready holding 3 reviewers for 2 days from day 10 runs (%s)", err);
    ok(mean_customs(&held) > mean_customs(&base), "  and customs gets slower (%.3f h > %.3f h)",
       mean_customs(&held), mean_customs(&base));
    caller c2 = {.mode = 2};
    st = run_caller(&w, &c2, &stopped, &ts, err, sizeof err);
    is_int(st, KOU_ESTATE, "a caller's event that stops the simulation fails the run");
    has_string(err, "model: the run was stopped at hour 100.0 before the system had drained", "  with a message");
    free_recs(&base);
    free_recs(&tick);
    free_recs(&held);
    free_recs(&stopped);
}

/* ---- carrier_done / unit_done, kou_model_resource_count / at ---- */

typedef struct entity_counts {
    uint64_t cons, carriers, units, carrier_units, carrier_cons, unit_cons, bad;
    size_t nres;
    bool res_ok;
} entity_counts;

static void ec_cons(void *ctx, const kou_consignment_record *rec)
{
    (void)rec;
    ((entity_counts *)ctx)->cons++;
}

static void ec_carrier(void *ctx, const kou_carrier_record *r)
{
    entity_counts *c = ctx;
    c->carriers++;
    c->carrier_units += r->units;
    c->carrier_cons += r->consignments;
    c->bad += !(r->done >= r->actual && r->actual >= 48.0 && r->units > 0 && r->consignments >= r->units);
}

static void ec_unit(void *ctx, const kou_unit_record *r)
{
    entity_counts *c = ctx;
    c->units++;
    c->unit_cons += r->consignments;
    c->bad += !(r->done >= r->arrival && r->carrier_id != 0 && r->consignments > 0);
}

static void ec_ready(void *ctx, kou_sim *sim, const kou_model_run_view *view)
{
    entity_counts *c = ctx;
    (void)sim;
    c->nres = kou_model_resource_count(view);
    c->res_ok = kou_model_resource_at(view, c->nres, NULL, NULL) == NULL;
    for (size_t i = 0; i < c->nres; i++) {
        size_t port = 99;
        const char *name = NULL;
        kou_resource *r = kou_model_resource_at(view, i, &port, &name);
        c->res_ok = c->res_ok && r != NULL && port == 0 && name != NULL &&
                    r == kou_model_find_resource(view, "CGO", name);
    }
}

static void test_entities(void)
{
    for (int d = 0; d < 2; d++) {
        world w;
        world_init(&w, false);
        if (d == 1) {
            w.flow.direction = KOU_EXPORT;
            w.flow.goods_lead = dist(KOU_DIST_UNIFORM, 6, 30, 0);
            w.flow.goods_window_hours = 24;
        }
        w.model.warmup_hours = 48.0;
        entity_counts c = {0};
        kou_model_observer obs = {.ctx = &c, .consignment_done = ec_cons, .sim_ready = ec_ready,
                                  .carrier_done = ec_carrier, .unit_done = ec_unit};
        char err[512] = "";
        kou_model_totals t;
        const char *what = d ? "export" : "import";
        if (!is_int(kou_model_run(&w.model, 11, 20170102, &obs, &t, err, sizeof err), KOU_OK,
                    "entities, %s: runs (%s)", what, err))
            continue;
        ok(c.carriers > 50 && c.carriers < t.carriers && c.bad == 0,
           "%s: carrier_done / unit_done once per carrier after the warm-up (%llu of %llu), sane times", what,
           (unsigned long long)c.carriers, (unsigned long long)t.carriers);
        ok(c.units == c.carrier_units && c.unit_cons == c.carrier_cons,
           "%s: units reported = units of the carriers (%llu), consignments agree (%llu)", what,
           (unsigned long long)c.units, (unsigned long long)c.unit_cons);
        if (d == 0) /* an import consignment arrives with its carrier: same warm-up cut */
            is_int((int64_t)c.carrier_cons, (int64_t)c.cons, "import: consignments of the carriers = reported");
        ok(c.nres == 7 && c.res_ok, "kou_model_resource_count/at: %zu resources, the ones find_resource finds",
           c.nres);
    }
}

/* ---- timing: `test_model --bench-year [office]` ---- */

static void count_record(void *ctx, const kou_consignment_record *rec)
{
    (void)rec;
    ++*(uint64_t *)ctx;
}

/* A CGO-sized year: 110 freighters a week, about 30 ULDs of 3 consignments
** each (about 515,000 consignments), customs resources 7x24 or office hours
** with three times the servers. Prints consignments per second. */
static int bench_year(bool office_hours)
{
    static world w;
    static double tt[110];
    static kou_hours_spec oh[7][2];
    static const int caps[7] = {6, 30, 2, 25, 25, 4, 10};
    world_init(&w, office_hours);
    for (int i = 0; i < 110; i++)
        tt[i] = 0.3 + 1.52 * i;
    w.flow.timetable = tt;
    w.flow.ntimetable = 110;
    w.flow.units_per_carrier = dist(KOU_DIST_UNIFORM, 15, 45, 0);
    w.flow.consignments_per_unit = dist(KOU_DIST_UNIFORM, 0.5, 5.5, 0);
    for (int i = 0; i < 7; i++) {
        if (w.res[i].nhours) {
            oh[i][0] = (kou_hours_spec){0x1f, 8.5, 12, 3 * caps[i]};
            oh[i][1] = (kou_hours_spec){0x1f, 13.5, 17.5, 3 * caps[i]};
            w.res[i].hours = oh[i];
        } else
            w.res[i].capacity = caps[i];
    }
    w.model.horizon_hours = 8760;
    w.model.warmup_hours = 0;
    uint64_t n = 0;
    kou_model_observer obs = {.ctx = &n, .consignment_done = count_record};
    kou_model_totals t;
    char err[512];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    kou_status st = kou_model_run(&w.model, 1, 20170102, &obs, &t, err, sizeof err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (st != KOU_OK) {
        fprintf(stderr, "bench: %s\n", err);
        return 1;
    }
    printf("one year, %s: %llu carriers, %llu consignments, %llu events, peak %llu in system, drained at "
           "hour %.0f\n%.3f s: %.0f consignments/s, %.2f M events/s\n",
           office_hours ? "office hours" : "7x24", (unsigned long long)t.carriers,
           (unsigned long long)t.consignments, (unsigned long long)t.events,
           (unsigned long long)t.peak_in_system, t.end_time, sec, (double)t.consignments / sec,
           (double)t.events / sec / 1e6);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--bench-year") == 0)
        return bench_year(argc > 2 && strcmp(argv[2], "office") == 0);
    test_basic();
    test_calendar();
    test_advance();
    test_inspection_prob();
    test_scan_first();
    test_auto_review();
    test_two_step();
    test_joint();
    test_duty_lab();
    test_apron();
    test_through();
    test_fees();
    test_pickup_cap();
    test_green();
    test_export();
    test_small_levers();
    test_nhpp_two_ports();
    test_validation();
    test_guard();
    test_sim_ready();
    test_entities();
    return tap_done();
}
