/*
** trace.c — the visualiser's indexes over a replay (trace.h).
*/
#include "trace.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The in-system index lists each consignment in every bucket (a span of
** bucket_hours) it spends in the system, so a frame looks at one bucket's
** list. Buckets of half the median stay keep that list near twice the
** number in the system, from port runs (stays of days: day buckets) to
** order-level e-commerce (stays of hours). */
#define BUCKET_MAX_HOURS 24.0
#define BUCKET_MIN_HOURS 0.25
#define PROFILE_BINS 1000
#define CURVE_POINTS 400

/* The milestones the visualiser knows, by the names the run file gives
** them, and the stage each ends (-1: arrival, which starts the stay). */
static const struct {
    const char *name;
    int stage;
} known_milestones[] = {
    {"arrival", -1},
    {"unloaded", VIZ_ST_UNLOAD},
    {"declared", VIZ_ST_DECLARE},
    {"border_done", VIZ_ST_BORDER},
    {"doc_checked", VIZ_ST_DOCS},
    {"certs_done", VIZ_ST_DOCS},
    {"scan_done", VIZ_ST_SCAN},
    {"inspect_start", VIZ_ST_INSPECT},
    {"inspect_end", VIZ_ST_INSPECT},
    {"lab_result", VIZ_ST_INSPECT},
    {"duty_paid", VIZ_ST_PAY},
    {"released", VIZ_ST_RELEASE},
    {"pickup", VIZ_ST_PICKUP},
    {"gate_out", VIZ_ST_PICKUP},
};
#define NKNOWN (sizeof known_milestones / sizeof *known_milestones)

/* The flags the visualiser shows, by their names in the file (viz_flag order). */
static const char *const flag_names[VIZ_FLAG_COUNT] = {"advance", "inspected", "scanned"};

/* Released consignments of one direction, in release order. */
typedef struct released {
    size_t n;
    double *t;        /* release times, ascending */
    double *prefix;   /* prefix[k] = sum of the first k clearance times */
    double *p90;      /* p90[k] = p90 of the first k + 1 */
    double curve[CURVE_POINTS];
} released;

/* Where the visualiser's milestones and flags are in this file. */
typedef struct names {
    size_t arrival, released;    /* indices into the replay's milestones */
    int stage[KOU_REPLAY_MAX_MILESTONES]; /* per milestone: the stage it ends, or -1 */
    size_t walk[NKNOWN];         /* the known milestones but arrival, in the file's order ... */
    bool before_release[NKNOWN]; /* ... and whether each comes before release in it */
    size_t nwalk;
    uint32_t flag[VIZ_FLAG_COUNT]; /* bit masks */
} names;

struct viz_trace {
    const kou_replay *rp;
    names nm;
    double begin, end;
    size_t nbuckets;
    uint32_t *bucket_start; /* nbuckets + 1 offsets into bucket_items */
    uint32_t *bucket_items;
    double *leave;          /* per consignment: when it leaves the system */
    double bucket_hours;
    released rel[2];
    double *events;         /* every milestone time, ascending */
    size_t nevents;
    uint32_t profile[PROFILE_BINS];
    uint32_t *queue_scale;  /* per resource */
    bool *stage_used;       /* [port * VIZ_ST_COUNT + stage] */
    uint64_t *ids;          /* ids, ascending, with ...        */
    uint32_t *id_index;     /* ... their consignment indices   */
};

/* ---- the file's names ---- */

/* Finds the known milestones and the shown flags in rp; false with a
** message when one is missing. */
static bool find_names(names *nm, const kou_replay *rp, char *err, size_t errsize)
{
    if (rp->nmilestones > KOU_REPLAY_MAX_MILESTONES) {
        snprintf(err, errsize, "%zu milestones: kouan-viz takes at most %d", rp->nmilestones,
                 KOU_REPLAY_MAX_MILESTONES);
        return false;
    }
    long at[NKNOWN];
    for (size_t k = 0; k < NKNOWN; k++)
        if ((at[k] = kou_replay_milestone(rp, known_milestones[k].name)) < 0) {
            snprintf(err, errsize, "attribute milestone_names of /layout has no '%s': kouan-viz needs it",
                     known_milestones[k].name);
            return false;
        }
    for (size_t f = 0; f < VIZ_FLAG_COUNT; f++) {
        long bit = kou_replay_flag(rp, flag_names[f]);
        if (bit < 0) {
            if (rp->nflags == 0)
                snprintf(err, errsize, "/consignments has no attribute flag_bits: kouan-viz needs the flags "
                         "'advance', 'inspected' and 'scanned'");
            else
                snprintf(err, errsize, "attribute flag_bits of /consignments has no '%s': kouan-viz needs it",
                         flag_names[f]);
            return false;
        }
        nm->flag[f] = 1u << bit;
    }
    for (size_t m = 0; m < rp->nmilestones; m++)
        nm->stage[m] = -1;
    for (size_t k = 0; k < NKNOWN; k++) {
        nm->stage[at[k]] = known_milestones[k].stage;
        if (known_milestones[k].stage == VIZ_ST_RELEASE)
            nm->released = (size_t)at[k];
    }
    nm->arrival = rp->arrival;
    nm->nwalk = 0;
    for (size_t m = 0; m < rp->nmilestones; m++)
        if (nm->stage[m] >= 0) {
            nm->before_release[nm->nwalk] = m < nm->released;
            nm->walk[nm->nwalk++] = m;
        }
    return true;
}

int viz_trace_stage_of(const viz_trace *tr, size_t m)
{
    return m < tr->rp->nmilestones ? tr->nm.stage[m] : -1;
}

double viz_trace_arrival(const viz_trace *tr, const kou_replay_consignment *c)
{
    return c->t[tr->nm.arrival];
}

double viz_trace_released(const viz_trace *tr, const kou_replay_consignment *c)
{
    return c->t[tr->nm.released];
}

bool viz_trace_flag(const viz_trace *tr, const kou_replay_consignment *c, viz_flag f)
{
    return (c->flags & tr->nm.flag[f]) != 0;
}

/* ---- one consignment ---- */

/* Walk step k's milestone holds the cargo: not one of those before release
** that happened after it (duty paid later under release before duty). */
static bool holds(const names *nm, const kou_replay_consignment *c, size_t k)
{
    double rel = c->t[nm->released];
    return !(nm->before_release[k] && !isnan(rel) && c->t[nm->walk[k]] > rel);
}

/* The consignment's last milestone: when it leaves the system. */
static double leaves(const names *nm, const kou_replay_consignment *c)
{
    double last = c->t[nm->arrival];
    for (size_t k = 0; k < nm->nwalk; k++) {
        double tm = c->t[nm->walk[k]];
        if (!isnan(tm) && tm > last && holds(nm, c, k))
            last = tm;
    }
    return last;
}

viz_where viz_trace_where(const viz_trace *tr, const kou_replay_consignment *c, double t)
{
    const names *nm = &tr->nm;
    viz_where w = {-1, -1, NAN};
    double arrival = c->t[nm->arrival], rel = c->t[nm->released];
    if (!(t >= arrival))
        return w;
    /* The loop runs for every consignment in the system every frame: the
    ** comparisons fold in holds() and the NaN tests (a comparison with NaN
    ** is false, and rel = NaN holds everything). */
    long next = -1, prev = -1; /* walk steps; -1 before: arrival */
    double t_next = INFINITY, t_prev = arrival;
    for (size_t k = 0; k < nm->nwalk; k++) {
        double tm = c->t[nm->walk[k]];
        if (!(tm >= arrival) || (nm->before_release[k] && tm > rel))
            continue;
        if (tm > t) {
            if (tm < t_next) {
                t_next = tm;
                next = (long)k;
            }
        } else if (tm >= t_prev) {
            t_prev = tm;
            prev = (long)k;
        }
    }
    if (next < 0)
        return w;
    w.stage = nm->stage[nm->walk[next]];
    w.from_stage = prev < 0 ? -1 : nm->stage[nm->walk[prev]];
    w.since = t_prev;
    return w;
}

viz_where viz_trace_where_at(const viz_trace *tr, uint32_t index, double t)
{
    /* Most candidates that are not in the system have left: say so without
    ** reading the consignment's row. */
    if (t >= tr->leave[index]) {
        viz_where gone = {-1, -1, NAN};
        return gone;
    }
    return viz_trace_where(tr, &tr->rp->consignments[index], t);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---- a max-heap and a min-heap for the running p90 ---- */

typedef struct heap {
    double *v;
    size_t n;
    int sign; /* +1 max-heap, -1 min-heap */
} heap;

static bool above(const heap *h, double a, double b)
{
    return h->sign > 0 ? a > b : a < b;
}

static void heap_push(heap *h, double x)
{
    size_t i = h->n++;
    h->v[i] = x;
    while (i > 0 && above(h, h->v[i], h->v[(i - 1) / 2])) {
        double tmp = h->v[i];
        h->v[i] = h->v[(i - 1) / 2];
        h->v[(i - 1) / 2] = tmp;
        i = (i - 1) / 2;
    }
}

static double heap_pop(heap *h)
{
    double top = h->v[0];
    h->v[0] = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < h->n && above(h, h->v[l], h->v[best]))
            best = l;
        if (r < h->n && above(h, h->v[r], h->v[best]))
            best = r;
        if (best == i)
            break;
        double tmp = h->v[i];
        h->v[i] = h->v[best];
        h->v[best] = tmp;
        i = best;
    }
    return top;
}

typedef struct by_release {
    double t, clearance;
} by_release;

static int cmp_release(const void *a, const void *b)
{
    const by_release *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->clearance > y->clearance) - (x->clearance < y->clearance);
}

/* Release order, prefix sums, and the nearest-rank p90 after each release:
** the lowest ceil(0.9 k) values sit in a max-heap, the rest in a min-heap,
** so the p90 of the first k is the max-heap's top. */
static bool build_released(viz_trace *tr, int direction)
{
    const kou_replay *rp = tr->rp;
    released *r = &tr->rel[direction];
    size_t n = 0;
    for (size_t i = 0; i < rp->nconsignments; i++)
        n += rp->consignments[i].direction == direction && !isnan(rp->consignments[i].t[tr->nm.released]);
    by_release *rows = malloc((n ? n : 1) * sizeof *rows);
    r->t = malloc((n ? n : 1) * sizeof *r->t);
    r->prefix = malloc((n + 1) * sizeof *r->prefix);
    r->p90 = malloc((n ? n : 1) * sizeof *r->p90);
    heap lo = {malloc((n ? n : 1) * sizeof(double)), 0, 1};
    heap hi = {malloc((n ? n : 1) * sizeof(double)), 0, -1};
    bool ok = rows && r->t && r->prefix && r->p90 && lo.v && hi.v;
    if (ok) {
        size_t k = 0;
        for (size_t i = 0; i < rp->nconsignments; i++) {
            const kou_replay_consignment *c = &rp->consignments[i];
            double rel = c->t[tr->nm.released];
            if (c->direction == direction && !isnan(rel))
                rows[k++] = (by_release){rel, rel - c->t[tr->nm.arrival]};
        }
        qsort(rows, n, sizeof *rows, cmp_release);
        r->n = n;
        r->prefix[0] = 0;
        for (k = 0; k < n; k++) {
            double x = rows[k].clearance;
            r->t[k] = rows[k].t;
            r->prefix[k + 1] = r->prefix[k] + x;
            if (lo.n > 0 && x < lo.v[0])
                heap_push(&lo, x);
            else
                heap_push(&hi, x);
            size_t want = (9 * (k + 1) + 9) / 10; /* ceil(0.9 (k + 1)) */
            while (lo.n > want)
                heap_push(&hi, heap_pop(&lo));
            while (lo.n < want)
                heap_push(&lo, heap_pop(&hi));
            r->p90[k] = lo.v[0];
        }
        double span = tr->end - tr->begin;
        for (size_t p = 0; p < CURVE_POINTS; p++) {
            double t = tr->begin + span * (double)p / (CURVE_POINTS - 1);
            viz_kpi v = viz_trace_kpi(tr, direction, t);
            r->curve[p] = v.mean;
        }
    }
    free(rows);
    free(lo.v);
    free(hi.v);
    return ok;
}

/* Half the median stay, from up to 4096 consignments spread over the run. */
static double bucket_width(const viz_trace *tr)
{
    const kou_replay *rp = tr->rp;
    size_t n = rp->nconsignments, m = n < 4096 ? n : 4096;
    if (m == 0)
        return BUCKET_MAX_HOURS;
    double *stay = malloc(m * sizeof *stay);
    if (stay == NULL)
        return BUCKET_MAX_HOURS;
    for (size_t k = 0; k < m; k++) {
        const kou_replay_consignment *c = &rp->consignments[k * (n / m)];
        stay[k] = leaves(&tr->nm, c) - c->t[tr->nm.arrival];
    }
    qsort(stay, m, sizeof *stay, cmp_double);
    double w = stay[m / 2] / 2;
    free(stay);
    return w < BUCKET_MIN_HOURS ? BUCKET_MIN_HOURS : w > BUCKET_MAX_HOURS ? BUCKET_MAX_HOURS : w;
}

static bool build_buckets(viz_trace *tr)
{
    const kou_replay *rp = tr->rp;
    double span = tr->end - tr->begin;
    tr->bucket_hours = bucket_width(tr);
    double n = floor(span / tr->bucket_hours) + 1;
    /* a damaged file's span may be absurd (or NaN): refuse, as for any
    ** allocation failure, rather than convert out of range */
    if (!(n >= 1 && n <= 1e8))
        return false;
    size_t nb = (size_t)n;
    tr->nbuckets = nb;
    tr->bucket_start = calloc(nb + 1, sizeof *tr->bucket_start);
    if (tr->bucket_start == NULL)
        return false;
    /* Two passes: count per bucket, then fill, keeping arrival order. */
    for (int pass = 0; pass < 2; pass++) {
        uint32_t *fill = NULL;
        if (pass == 1) {
            uint64_t total = 0;
            for (size_t b = 0; b < nb; b++)
                total += tr->bucket_start[b + 1];
            if (total > UINT32_MAX) /* the index is 32-bit: more than memory allows anyway */
                return false;
            for (size_t b = 0; b < nb; b++)
                tr->bucket_start[b + 1] += tr->bucket_start[b];
            tr->bucket_items = malloc((tr->bucket_start[nb] ? tr->bucket_start[nb] : 1) * sizeof(uint32_t));
            fill = calloc(nb, sizeof *fill);
            if (tr->bucket_items == NULL || fill == NULL) {
                free(fill);
                return false;
            }
        }
        for (size_t i = 0; i < rp->nconsignments; i++) {
            const kou_replay_consignment *c = &rp->consignments[i];
            size_t b0 = (size_t)floor((c->t[tr->nm.arrival] - tr->begin) / tr->bucket_hours);
            size_t b1 = (size_t)floor((tr->leave[i] - tr->begin) / tr->bucket_hours);
            for (size_t b = b0; b <= b1 && b < nb; b++) {
                if (pass == 0)
                    tr->bucket_start[b + 1]++;
                else
                    tr->bucket_items[tr->bucket_start[b] + fill[b]++] = (uint32_t)i;
            }
        }
        free(fill);
    }
    return true;
}

typedef struct id_row {
    uint64_t id;
    uint32_t index;
} id_row;

static int cmp_id(const void *a, const void *b)
{
    const id_row *x = a, *y = b;
    return (x->id > y->id) - (x->id < y->id);
}

/* When each consignment leaves the system. */
static bool trace_leave(viz_trace *tr)
{
    size_t n = tr->rp->nconsignments;
    tr->leave = malloc((n ? n : 1) * sizeof *tr->leave);
    if (tr->leave == NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        tr->leave[i] = leaves(&tr->nm, &tr->rp->consignments[i]);
    return true;
}

/* The replayed span: the first arrival to the last leaving; the samples'
** span when nothing is reported. */
static void trace_span(viz_trace *tr)
{
    const kou_replay *rp = tr->rp;
    size_t n = rp->nconsignments;
    tr->begin = 0;
    tr->end = 1;
    if (n > 0) {
        tr->begin = rp->consignments[0].t[tr->nm.arrival];
        tr->end = tr->begin;
        for (size_t i = 0; i < n; i++)
            if (tr->leave[i] > tr->end)
                tr->end = tr->leave[i];
        if (tr->end <= tr->begin)
            tr->end = tr->begin + 1;
    }
    if (n == 0 && rp->nsamples > 0) { /* nothing reported: the samples' span */
        tr->begin = rp->sample_t[0];
        tr->end = fmax(rp->sample_t[rp->nsamples - 1], tr->begin + 1);
    }
}

/* Every milestone time, for "jump to the next event", and the stages each
** port's consignments pass. */
static bool trace_events(viz_trace *tr)
{
    const kou_replay *rp = tr->rp;
    const names *nm = &tr->nm;
    size_t n = rp->nconsignments, ne = 0;
    for (size_t i = 0; i < n; i++) {
        const kou_replay_consignment *c = &rp->consignments[i];
        ne += !isnan(c->t[nm->arrival]);
        for (size_t k = 0; k < nm->nwalk; k++)
            ne += !isnan(c->t[nm->walk[k]]);
    }
    tr->events = malloc((ne ? ne : 1) * sizeof *tr->events);
    tr->stage_used = calloc(rp->nports * VIZ_ST_COUNT + 1, sizeof *tr->stage_used);
    if (tr->events == NULL || tr->stage_used == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        const kou_replay_consignment *c = &rp->consignments[i];
        if (!isnan(c->t[nm->arrival]))
            tr->events[tr->nevents++] = c->t[nm->arrival];
        for (size_t k = 0; k < nm->nwalk; k++) {
            double tm = c->t[nm->walk[k]];
            if (isnan(tm))
                continue;
            tr->events[tr->nevents++] = tm;
            if (holds(nm, c, k))
                tr->stage_used[c->port * VIZ_ST_COUNT + (size_t)nm->stage[nm->walk[k]]] = true;
        }
    }
    qsort(tr->events, tr->nevents, sizeof *tr->events, cmp_double);
    return true;
}

/* The ids in ascending order, for finding a consignment by id. */
static bool trace_ids(viz_trace *tr)
{
    size_t n = tr->rp->nconsignments;
    tr->ids = malloc((n ? n : 1) * sizeof *tr->ids);
    tr->id_index = malloc((n ? n : 1) * sizeof *tr->id_index);
    id_row *idr = malloc((n ? n : 1) * sizeof *idr);
    if (tr->ids == NULL || tr->id_index == NULL || idr == NULL) {
        free(idr);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        idr[i] = (id_row){tr->rp->consignments[i].id, (uint32_t)i};
    qsort(idr, n, sizeof *idr, cmp_id);
    for (size_t i = 0; i < n; i++) {
        tr->ids[i] = idr[i].id;
        tr->id_index[i] = idr[i].index;
    }
    free(idr);
    return true;
}

/* Each resource's largest queue over the replication (at least 1). */
static bool trace_queue_scale(viz_trace *tr)
{
    const kou_replay *rp = tr->rp;
    tr->queue_scale = malloc((rp->nresources ? rp->nresources : 1) * sizeof *tr->queue_scale);
    if (tr->queue_scale == NULL)
        return false;
    for (size_t r = 0; r < rp->nresources; r++) {
        uint32_t most = 1;
        for (size_t k = 0; k < rp->nsamples; k++)
            if (rp->samples[k * rp->nresources + r].queue > most)
                most = rp->samples[k * rp->nresources + r].queue;
        tr->queue_scale[r] = most;
    }
    return true;
}

/* The profile: +1 at arrival, -1 on leaving, summed at bin starts. */
static void trace_profile(viz_trace *tr)
{
    const kou_replay *rp = tr->rp;
    double span = tr->end - tr->begin;
    int64_t delta[PROFILE_BINS + 1] = {0};
    for (size_t i = 0; i < rp->nconsignments; i++) {
        double a = (rp->consignments[i].t[tr->nm.arrival] - tr->begin) / span * PROFILE_BINS;
        double e = (tr->leave[i] - tr->begin) / span * PROFILE_BINS;
        /* in the system at bin start b when arrival <= b < leaving */
        size_t ba = (size_t)ceil(a), be = (size_t)ceil(e);
        if (ba < be && ba <= PROFILE_BINS) {
            delta[ba]++;
            delta[be > PROFILE_BINS ? PROFILE_BINS : be]--;
        }
    }
    int64_t run = 0;
    for (size_t b = 0; b < PROFILE_BINS; b++) {
        run += delta[b];
        tr->profile[b] = (uint32_t)run;
    }
}

viz_trace *viz_trace_new(const kou_replay *rp, char *err, size_t errsize)
{
    viz_trace *tr = calloc(1, sizeof *tr);
    if (tr == NULL) {
        snprintf(err, errsize, "out of memory indexing the run");
        return NULL;
    }
    tr->rp = rp;
    if (!find_names(&tr->nm, rp, err, errsize)) {
        free(tr);
        return NULL;
    }
    bool ok = trace_leave(tr);
    if (ok)
        trace_span(tr);
    ok = ok && build_buckets(tr) && build_released(tr, 0) && build_released(tr, 1) && trace_events(tr) &&
         trace_ids(tr) && trace_queue_scale(tr);
    if (!ok) {
        snprintf(err, errsize, "out of memory indexing the run");
        viz_trace_free(tr);
        return NULL;
    }
    trace_profile(tr);
    return tr;
}

void viz_trace_free(viz_trace *tr)
{
    if (tr == NULL)
        return;
    free(tr->bucket_start);
    free(tr->bucket_items);
    for (int d = 0; d < 2; d++) {
        free(tr->rel[d].t);
        free(tr->rel[d].prefix);
        free(tr->rel[d].p90);
    }
    free(tr->events);
    free(tr->queue_scale);
    free(tr->stage_used);
    free(tr->ids);
    free(tr->leave);
    free(tr->id_index);
    free(tr);
}

const kou_replay *viz_trace_replay(const viz_trace *tr) { return tr->rp; }
double viz_trace_begin(const viz_trace *tr) { return tr->begin; }
double viz_trace_end(const viz_trace *tr) { return tr->end; }

const uint32_t *viz_trace_candidates(const viz_trace *tr, double t, size_t *n)
{
    *n = 0;
    if (!(t >= tr->begin) || tr->nbuckets == 0)
        return tr->bucket_items;
    size_t b = (size_t)floor((t - tr->begin) / tr->bucket_hours);
    if (b >= tr->nbuckets)
        return tr->bucket_items;
    *n = tr->bucket_start[b + 1] - tr->bucket_start[b];
    return tr->bucket_items + tr->bucket_start[b];
}

/* Number of values in a[0..n) that are <= x (a ascending). */
static size_t count_le(const double *a, size_t n, double x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

viz_kpi viz_trace_kpi(const viz_trace *tr, int direction, double t)
{
    const released *r = &tr->rel[direction ? 1 : 0];
    size_t k = count_le(r->t, r->n, t);
    viz_kpi v = {k, NAN, NAN};
    if (k > 0) {
        v.mean = r->prefix[k] / (double)k;
        v.p90 = r->p90[k - 1];
    }
    return v;
}

const double *viz_trace_mean_curve(const viz_trace *tr, int direction, size_t *n_points)
{
    *n_points = CURVE_POINTS;
    return tr->rel[direction ? 1 : 0].curve;
}

long viz_trace_sample_index(const viz_trace *tr, double t)
{
    const kou_replay *rp = tr->rp;
    return (long)count_le(rp->sample_t, rp->nsamples, t) - 1;
}

uint32_t viz_trace_queue_scale(const viz_trace *tr, size_t r)
{
    return r < tr->rp->nresources ? tr->queue_scale[r] : 1;
}

bool viz_trace_stage_used(const viz_trace *tr, size_t port, int stage)
{
    return port < tr->rp->nports && stage >= 0 && stage < VIZ_ST_COUNT &&
           tr->stage_used[port * VIZ_ST_COUNT + (size_t)stage];
}

double viz_trace_next_event(const viz_trace *tr, double t)
{
    size_t k = count_le(tr->events, tr->nevents, t);
    return k < tr->nevents ? tr->events[k] : NAN;
}

const uint32_t *viz_trace_profile(const viz_trace *tr, size_t *n_bins)
{
    *n_bins = PROFILE_BINS;
    return tr->profile;
}

long viz_trace_find(const viz_trace *tr, uint64_t id)
{
    size_t lo = 0, hi = tr->rp->nconsignments;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tr->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < tr->rp->nconsignments && tr->ids[lo] == id ? (long)tr->id_index[lo] : -1;
}
