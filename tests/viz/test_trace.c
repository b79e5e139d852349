/*
** test_trace.c — the visualiser's indexes (viz/trace.c) and clock
** (viz/playback.c) on a hand-made replay whose answers are worked out
** here: where each consignment is at a time, the KPIs so far against a
** brute-force recount, candidates against a scan of every consignment at
** thousands of times, the next event, and playback that does not depend on
** the frame rate; milestones and flags found by their names in the file,
** whatever their order, and a file lacking one refused.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "playback.h"
#include "tap.h"
#include "trace.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The milestones and flags as a run file names them, in the writer's order. */
enum {
    ARRIVAL, UNLOADED, DECLARED, BORDER_DONE, DOC_CHECKED, CERTS_DONE, SCAN_DONE, INSPECT_START, INSPECT_END,
    LAB_RESULT, DUTY_PAID, RELEASED, PICKUP, GATE_OUT, NMS
};
static const char *const milestones[NMS] = {"arrival", "unloaded", "declared", "border_done", "doc_checked",
                                            "certs_done", "scan_done", "inspect_start", "inspect_end",
                                            "lab_result", "duty_paid", "released", "pickup", "gate_out"};
static const char *const flags[] = {"advance", "inspected", "scanned", "scan_cleared"};

static char **copies(const char *const *s, size_t n)
{
    char **c = calloc(n + 1, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i] = malloc(strlen(s[i]) + 1);
        strcpy(c[i], s[i]);
    }
    return c;
}

/* rp's names: the milestones and flags given. */
static void set_names(kou_replay *rp, const char *const *ms, size_t nms, const char *const *fl, size_t nfl)
{
    rp->milestone_names = copies(ms, nms);
    rp->nmilestones = nms;
    for (size_t m = 0; m < nms; m++)
        if (strcmp(ms[m], "arrival") == 0)
            rp->arrival = m;
    rp->flag_names = copies(fl, nfl);
    rp->nflags = nfl;
}

static void free_names(kou_replay *rp)
{
    for (size_t i = 0; i < rp->nmilestones; i++)
        free(rp->milestone_names[i]);
    for (size_t i = 0; i < rp->nflags; i++)
        free(rp->flag_names[i]);
    free(rp->milestone_names);
    free(rp->flag_names);
}

/* A consignment arriving at arrival, its NMS times in t (NaN but arrival). */
static kou_replay_consignment make(double arrival, double *t)
{
    kou_replay_consignment c;
    memset(&c, 0, sizeof c);
    for (int m = 0; m < NMS; m++)
        t[m] = NAN;
    t[ARRIVAL] = arrival;
    c.t = t;
    return c;
}

/* A replay of n consignments with random stays, for the brute-force checks. */
static kou_replay *random_replay(size_t n, unsigned seed)
{
    kou_replay *rp = calloc(1, sizeof *rp);
    set_names(rp, milestones, NMS, flags, 4);
    rp->nports = 2;
    rp->ports = calloc(2, sizeof *rp->ports);
    rp->nconsignments = n;
    rp->consignments = calloc(n, sizeof *rp->consignments);
    rp->times = calloc(n * NMS, sizeof *rp->times);
    srand(seed);
    double t = 0;
    for (size_t i = 0; i < n; i++) {
        t += (double)rand() / RAND_MAX * 0.5;
        double *tm = rp->times + i * NMS;
        kou_replay_consignment c = make(t, tm);
        c.id = i + 1;
        c.port = (uint16_t)(i % 2);
        c.direction = (uint8_t)(i % 2);
        c.flags = (uint32_t)(i % 8);
        /* declared maybe before arrival; a long tail of stays */
        tm[DECLARED] = t + ((double)rand() / RAND_MAX - 0.3) * 10;
        tm[DOC_CHECKED] = fmax(t, tm[DECLARED]) + (double)rand() / RAND_MAX * 3;
        double rel = tm[DOC_CHECKED] + (i % 7 == 0 ? 200.0 : (double)rand() / RAND_MAX * 5);
        tm[RELEASED] = rel;
        /* release before duty: duty paid after release, must not hold the cargo */
        tm[DUTY_PAID] = i % 3 == 0 ? rel + 50 : rel - 0.5;
        tm[GATE_OUT] = rel + (double)rand() / RAND_MAX * 20;
        rp->consignments[i] = c;
    }
    return rp;
}

static void free_replay(kou_replay *rp)
{
    free_names(rp);
    free(rp->ports);
    free(rp->consignments);
    free(rp->times);
    free(rp);
}

/* A trace of no consignments over the writer's names, for viz_trace_where. */
static viz_trace *names_only(kou_replay *rp)
{
    memset(rp, 0, sizeof *rp);
    set_names(rp, milestones, NMS, flags, 4);
    char err[256];
    return viz_trace_new(rp, err, sizeof err);
}

static void test_where(void)
{
    kou_replay rp;
    viz_trace *tr = names_only(&rp);
    double t[NMS];
    kou_replay_consignment c = make(10, t);
    t[UNLOADED] = 12;
    t[DECLARED] = 8; /* in advance: before arrival */
    t[DOC_CHECKED] = 13;
    t[CERTS_DONE] = 13.5;
    t[RELEASED] = 15;
    t[DUTY_PAID] = 20; /* after release: does not hold the cargo */
    t[PICKUP] = 18;
    t[GATE_OUT] = 19;
    viz_where w = viz_trace_where(tr, &c, 9.99);
    is_int(w.stage, -1, "before arrival: not in the system");
    w = viz_trace_where(tr, &c, 10);
    ok(w.stage == VIZ_ST_UNLOAD && w.from_stage == -1 && w.since == 10, "at arrival: unloading, just arrived");
    w = viz_trace_where(tr, &c, 12.5);
    ok(w.stage == VIZ_ST_DOCS && w.from_stage == VIZ_ST_UNLOAD && w.since == 12,
       "declared in advance: from unloading straight to documents");
    w = viz_trace_where(tr, &c, 13.2);
    ok(w.stage == VIZ_ST_DOCS && w.from_stage == VIZ_ST_DOCS, "documents, then certificates: the same stage");
    w = viz_trace_where(tr, &c, 14);
    ok(w.stage == VIZ_ST_RELEASE && w.since == 13.5, "waiting for release");
    w = viz_trace_where(tr, &c, 16);
    ok(w.stage == VIZ_ST_PICKUP && w.from_stage == VIZ_ST_RELEASE, "released: waiting for pickup, not for duty");
    is_int(viz_trace_where(tr, &c, 19).stage, -1, "gone at gate-out, duty paid later or not");
    viz_trace_free(tr);
    free_names(&rp);
}

static void test_random(void)
{
    const size_t n = 3000;
    kou_replay *rp = random_replay(n, 7);
    char err[256];
    viz_trace *tr = viz_trace_new(rp, err, sizeof err);
    ok(tr != NULL, "trace built");
    /* Candidates hold everyone in the system, at 4000 times. */
    size_t missing = 0, checked = 0;
    double b = viz_trace_begin(tr), e = viz_trace_end(tr);
    for (int k = 0; k < 4000; k++) {
        double t = b - 5 + (e - b + 10) * k / 3999.0;
        size_t nc;
        const uint32_t *cand = viz_trace_candidates(tr, t, &nc);
        char *in = calloc(n, 1);
        for (size_t j = 0; j < nc; j++)
            in[cand[j]] = 1;
        for (size_t i = 0; i < n; i++) {
            viz_where w = viz_trace_where(tr, &rp->consignments[i], t);
            checked += w.stage >= 0;
            missing += w.stage >= 0 && !in[i];
            if (i < nc) {
                viz_where a = viz_trace_where_at(tr, cand[i], t), c = viz_trace_where(tr, &rp->consignments[cand[i]], t);
                missing += a.stage != c.stage;
            }
        }
        free(in);
    }
    ok(checked > 100000 && missing == 0, "candidates include all %zu in-system sightings (missing %zu)", checked,
       missing);
    /* KPIs so far against a recount. */
    int bad = 0;
    for (int k = 0; k <= 10; k++) {
        double t = b + (e - b) * k / 10.0;
        for (int d = 0; d < 2; d++) {
            double *x = malloc(n * sizeof *x);
            size_t m = 0;
            double sum = 0;
            for (size_t i = 0; i < n; i++) {
                const kou_replay_consignment *c = &rp->consignments[i];
                if (c->direction == d && c->t[RELEASED] <= t) {
                    x[m++] = c->t[RELEASED] - c->t[ARRIVAL];
                    sum += x[m - 1];
                }
            }
            /* nearest rank: the ceil(0.9 m)-th smallest */
            size_t rank = (9 * m + 9) / 10;
            double p90 = NAN;
            if (m > 0) {
                qsort(x, m, sizeof *x, cmp_double);
                p90 = x[rank - 1];
            }
            viz_kpi q = viz_trace_kpi(tr, d, t);
            if (q.cleared != m || (m > 0 && (fabs(q.mean - sum / (double)m) > 1e-9 || q.p90 != p90)))
                bad++;
            free(x);
        }
    }
    is_int(bad, 0, "cleared, mean and nearest-rank p90 so far equal a recount at 11 times x 2 directions");
    /* The next event is the smallest milestone time after t. */
    bad = 0;
    for (int k = 0; k < 500; k++) {
        double t = b + (e - b) * k / 499.0, want = NAN;
        for (size_t i = 0; i < n; i++)
            for (int m = 0; m < NMS; m++) {
                double x = rp->consignments[i].t[m];
                if (!isnan(x) && x > t && (isnan(want) || x < want))
                    want = x;
            }
        double got = viz_trace_next_event(tr, t);
        bad += !(got == want || (isnan(got) && isnan(want)));
    }
    is_int(bad, 0, "next event after 500 times = brute force");
    ok(viz_trace_find(tr, 1234) == 1233 && viz_trace_find(tr, n + 5) == -1, "find by id");
    ok(viz_trace_stage_used(tr, 0, VIZ_ST_DOCS) && !viz_trace_stage_used(tr, 0, VIZ_ST_SCAN),
       "stages used: documents yes, scan never");
    /* Duty paid after release never holds: so payment is used only through i % 3 != 0. */
    ok(viz_trace_stage_used(tr, 0, VIZ_ST_PAY), "payment before release holds the cargo");

    /* Playback: speed independent of the frame rate. */
    viz_view v;
    memset(&v, 0, sizeof v);
    v.speed = 5.5; /* nearest listed: 6 h/s */
    v.playing = true;
    viz_playback pb;
    viz_playback_init(&pb, &v, &tr, 1, b, e);
    is_double(v.speed, 6, 0, "speed snaps to the nearest listed (6 h/s)");
    viz_playback_advance(&pb, 1.5);
    double one = v.t;
    viz_playback_seek(&pb, b);
    for (int f = 0; f < 90; f++)
        viz_playback_advance(&pb, 1.5 / 90);
    is_double(one - b, 9, 1e-9, "1.5 s at 6 h/s in one frame: 9 h");
    is_double(v.t - b, 9, 1e-9, "1.5 s at 6 h/s in 90 frames: the same 9 h");
    viz_playback_control(&pb, VIZ_PLAY_PAUSE, 0);
    viz_playback_advance(&pb, 10);
    is_double(v.t - b, 9, 1e-9, "paused: time stands still");
    viz_playback_control(&pb, VIZ_FORWARD, 24);
    is_double(v.t - b, 33, 1e-9, "forward one day");
    viz_playback_control(&pb, VIZ_BACK, 1000);
    is_double(v.t, b, 0, "back past the start stops at the start");
    viz_playback_control(&pb, VIZ_FASTER, 0);
    is_double(v.speed, 12, 0, "faster: 12 h/s");
    for (int k = 0; k < 40; k++)
        viz_playback_control(&pb, VIZ_SLOWER, 0);
    is_double(v.speed, 1.0 / 3600, 0, "slowest is real time");
    double t0 = v.t;
    viz_playback_control(&pb, VIZ_STEP, 0);
    is_double(v.t - t0, 1.0 / 3600 / 60, 1e-15, "a step is one 60 fps frame at the speed");
    viz_playback_control(&pb, VIZ_NEXT_EVENT, 0);
    is_double(v.t, viz_trace_next_event(tr, t0 + 1.0 / 3600 / 60), 0, "N jumps to the next event");
    ok(!v.playing, "and pauses");
    viz_playback_control(&pb, VIZ_PLAY_PAUSE, 0);
    viz_playback_control(&pb, VIZ_FASTER, 0);
    for (int k = 0; k < 20; k++)
        viz_playback_control(&pb, VIZ_FASTER, 0);
    viz_playback_advance(&pb, 1e6);
    ok(v.t == e && !v.playing, "playing to the end stops there, paused");
    viz_playback_control(&pb, VIZ_PLAY_PAUSE, 0);
    ok(v.t == b && v.playing, "play at the end starts again");
    viz_lang l0 = v.lang;
    viz_playback_control(&pb, VIZ_NEXT_LANG, 0);
    viz_playback_control(&pb, VIZ_NEXT_LANG, 0);
    ok(v.lang != l0, "L switches the language");
    viz_playback_control(&pb, VIZ_NEXT_LANG, 0);
    ok(v.lang == l0, "three presses come back");
    bool legend = v.legend;
    viz_playback_control(&pb, VIZ_TOGGLE_LEGEND, 0);
    ok(v.legend != legend, "K hides or shows the legend");
    viz_playback_control(&pb, VIZ_TOGGLE_LEGEND, 0);
    ok(v.legend == legend, "and a second press brings it back");
    viz_trace_free(tr);
    free_replay(rp);
}

static void test_empty(void)
{
    kou_replay rp;
    viz_trace *tr = names_only(&rp);
    size_t n = 1;
    viz_trace_candidates(tr, 5, &n);
    ok(tr != NULL && n == 0 && viz_trace_kpi(tr, 0, 100).cleared == 0 && isnan(viz_trace_next_event(tr, 0)),
       "a run with no consignments gives an empty trace");
    viz_trace_free(tr);
    free_names(&rp);
}

/* The same random run with the names in another order: milestones the
** visualiser does not know inserted, the other names permuted within what
** release ordering allows, the flags at other bits. Every answer is the
** same as with the writer's order. */
static void test_names_by_name(void)
{
    const size_t n = 500;
    kou_replay *a = random_replay(n, 11), *b = random_replay(n, 11);
    /* b: "queued" and "x_photo" unknown; gate_out, pickup before the
    ** others after release; unloaded after declared (both before release) */
    static const char *const ms[] = {"queued", "arrival", "declared", "unloaded", "border_done", "doc_checked",
                                     "certs_done", "scan_done", "inspect_start", "x_photo", "inspect_end",
                                     "lab_result", "duty_paid", "released", "pickup", "gate_out"};
    static const int from_a[] = {-1, ARRIVAL, DECLARED, UNLOADED, BORDER_DONE, DOC_CHECKED, CERTS_DONE, SCAN_DONE,
                                 INSPECT_START, -1, INSPECT_END, LAB_RESULT, DUTY_PAID, RELEASED, PICKUP, GATE_OUT};
    static const char *const fl[] = {"green", "scanned", "joint", "advance", "inspected"};
    const size_t nb = sizeof ms / sizeof *ms;
    free_names(b);
    set_names(b, ms, nb, fl, 5);
    free(b->times);
    b->times = calloc(n * nb, sizeof *b->times);
    for (size_t i = 0; i < n; i++) {
        double *t = b->times + i * nb;
        for (size_t m = 0; m < nb; m++)
            t[m] = from_a[m] < 0 ? a->consignments[i].t[ARRIVAL] + 0.25 * (double)(m + 1) : a->consignments[i].t[from_a[m]];
        b->consignments[i].t = t;
        uint32_t f = a->consignments[i].flags; /* bit 0 advance, 1 inspected, 2 scanned */
        b->consignments[i].flags = (f & 1u ? 1u << 3 : 0) | (f & 2u ? 1u << 4 : 0) | (f & 4u ? 1u << 1 : 0) | 1u;
    }
    char err[256] = "";
    viz_trace *ta = viz_trace_new(a, err, sizeof err), *tb = viz_trace_new(b, err, sizeof err);
    if (!ok(ta != NULL && tb != NULL, "traces over both orders %s", err))
        return;
    int bad = 0;
    double b0 = viz_trace_begin(ta), e0 = viz_trace_end(ta);
    for (int k = 0; k < 400; k++) {
        double t = b0 + (e0 - b0) * k / 399.0;
        for (size_t i = 0; i < n; i++) {
            viz_where x = viz_trace_where(ta, &a->consignments[i], t), y = viz_trace_where(tb, &b->consignments[i], t);
            bad += x.stage != y.stage || x.from_stage != y.from_stage || !(x.since == y.since || isnan(x.since));
        }
        bad += viz_trace_kpi(ta, 0, t).cleared != viz_trace_kpi(tb, 0, t).cleared;
    }
    is_int(bad, 0, "where and the KPIs agree at 400 times whatever the milestones' order");
    bad = 0;
    for (size_t i = 0; i < n; i++)
        for (int f = 0; f < VIZ_FLAG_COUNT; f++)
            bad += viz_trace_flag(ta, &a->consignments[i], (viz_flag)f) !=
                   viz_trace_flag(tb, &b->consignments[i], (viz_flag)f);
    is_int(bad, 0, "flags found by name at other bits");
    ok(viz_trace_begin(ta) == viz_trace_begin(tb) && viz_trace_end(ta) == viz_trace_end(tb),
       "the same span");
    ok(viz_trace_stage_of(tb, 0) == -1 && viz_trace_stage_of(tb, 9) == -1 && viz_trace_stage_of(tb, 3) == VIZ_ST_UNLOAD,
       "unknown milestones are no stage; unloaded is found at its place");
    viz_trace_free(ta);
    viz_trace_free(tb);
    free_replay(a);
    free_replay(b);
}

/* A file without a name the visualiser needs is refused with one line. */
static void test_names_refused(void)
{
    kou_replay rp;
    memset(&rp, 0, sizeof rp);
    const char *ms[NMS];
    memcpy(ms, milestones, sizeof ms);
    ms[SCAN_DONE] = "scanned_at";
    set_names(&rp, ms, NMS, flags, 4);
    char err[256] = "";
    viz_trace *tr = viz_trace_new(&rp, err, sizeof err);
    ok(tr == NULL && strstr(err, "'scan_done'") != NULL && strchr(err, '\n') == NULL,
       "a milestone missing: refused, naming it: %s", err);
    free_names(&rp);
    set_names(&rp, milestones, NMS, flags, 2);
    tr = viz_trace_new(&rp, err, sizeof err);
    ok(tr == NULL && strstr(err, "'scanned'") != NULL, "a flag missing: refused, naming it: %s", err);
    free_names(&rp);
    set_names(&rp, milestones, NMS, flags, 0);
    tr = viz_trace_new(&rp, err, sizeof err);
    ok(tr == NULL && strstr(err, "no attribute flag_bits") != NULL, "no flag names at all: %s", err);
    free_names(&rp);
}

/* The legend strip sits between the lanes and the timeline, its cells
** inside it and apart; the resources' names are plain words. */
static void test_legend_layout(void)
{
    static const int sizes[][2] = {{1280, 720}, {1920, 1080}, {640, 360}};
    size_t nports[2] = {3, 2};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (int lines = 0; lines <= 2; lines++) {
            int w = sizes[k][0], h = sizes[k][1];
            viz_layout l = viz_layout_make(w, h, 2, nports, lines), bare = viz_layout_make(w, h, 2, nports, 0);
            int bad = 0;
            if (lines == 0) {
                bad += l.legend.h != 0 || memcmp(&l, &bare, sizeof l) != 0;
            } else {
                bad += l.legend.h <= 0 || l.legend.y + l.legend.h != l.timeline.y;
                for (int p = 0; p < 2; p++) {
                    const viz_pane_layout *pl = &l.pane[p];
                    bad += pl->pane.y + pl->pane.h != l.legend.y;
                    bad += pl->lanes.y + (int)pl->nports * pl->lane_h > l.legend.y;
                }
                for (int i = 0; i < VIZ_LEGEND_ITEMS; i++) {
                    viz_rect c = viz_legend_cell(&l, i);
                    bad += c.w <= VIZ_LEGEND_SAMPLE || c.x < 0 || c.x + c.w > w || c.y < l.legend.y ||
                           c.y + c.h > l.legend.y + l.legend.h;
                    for (int j = 0; j < i; j++) {
                        viz_rect d = viz_legend_cell(&l, j);
                        bad += c.x < d.x + d.w && d.x < c.x + c.w && c.y < d.y + d.h && d.y < c.y + c.h;
                    }
                }
            }
            is_int(bad, 0, "%dx%d, legend of %d line(s) an item: the strip above the timeline, the lanes above it, "
                           "cells inside and apart", w, h, lines);
        }
    int bad = 0;
    static const char *const res[] = {"handling", "documents", "ciq", "scanner", "inspection", "apron", "gate"};
    for (int lang = VIZ_LANG_ZH; lang <= VIZ_LANG_BOTH; lang++)
        for (size_t r = 0; r < sizeof res / sizeof res[0]; r++)
            for (int sf = 0; sf < 2; sf++)
                bad += strstr(viz_resource_label((viz_lang)lang, res[r], sf), "ciq") != NULL;
    is_int(bad, 0, "no resource label says 'ciq'");
    ok(strcmp(viz_resource_label(VIZ_LANG_ZH, "ciq", false), "检验检疫") == 0 &&
       strstr(viz_resource_label(VIZ_LANG_EN, "ciq", false), "inspection & quarantine") != NULL,
       "ciq is 检验检疫, inspection & quarantine");
    ok(strcmp(viz_resource_label(VIZ_LANG_EN, "berth", false), "berth") == 0, "an unknown name stays as it is");
    ok(viz_legend_lines(false, VIZ_LANG_BOTH) == 0 && viz_legend_lines(true, VIZ_LANG_BOTH) == 2 &&
       viz_legend_lines(true, VIZ_LANG_ZH) == 1, "the legend's lines: none when off, two in both languages");
}

int main(void)
{
    test_where();
    test_random();
    test_empty();
    test_names_by_name();
    test_names_refused();
    test_legend_layout();
    return tap_done();
}
