/*
** sim.c — the simulation context and its pending-event set.
**
** The pending-event set is a binary heap of 16-byte entries (time, slot):
** the payload (handler, arguments, priority and insertion key) sits out of
** line in a pool of event records, so sifting moves only small entries and
** most comparisons look at the time alone. Only on equal times does a
** comparison read the two records' keys (priority, then insertion order).
** A record stays put while its heap entry exists, so those keys never
** change under the heap.
**
** Cancelling marks the record dead; the dead entry is dropped when it
** reaches the top of the heap, or all at once when dead entries outnumber
** live ones (so a model that cancels many timeouts does not grow the heap
** without bound).
*/
#include "sim.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { REC_FREE = 0, REC_PENDING = 1, REC_CANCELLED = 2 };

#define SEQ_BITS 48
#define SEQ_MASK ((UINT64_C(1) << SEQ_BITS) - 1)
/* Dead heap entries are swept once they are this many and outnumber the live. */
#define SWEEP_MIN 1024

typedef struct heap_entry {
    kou_time t;
    uint32_t slot;
    uint32_t unused;
} heap_entry;

typedef struct event_rec {
    kou_event_fn *fn;
    void *subject, *object;
    uint64_t key;   /* (inverted priority << 48) | insertion sequence */
    uint32_t gen;   /* bumped each time the record is freed: stale ids miss */
    uint32_t state; /* REC_FREE, REC_PENDING or REC_CANCELLED */
} event_rec;

typedef struct owned {
    void *obj;
    void (*free_fn)(void *);
} owned;

struct kou_sim {
    kou_time now;
    kou_time end_time;
    uint64_t seed;
    int32_t start_date;
    bool stopped;

    heap_entry *heap; /* 1-based: heap[1] is the earliest */
    size_t heap_n, heap_cap;
    size_t cancelled; /* dead entries still in the heap */

    event_rec *recs;
    uint32_t *free_slots; /* stack of free record slots */
    size_t recs_n, recs_cap, free_n;

    uint64_t next_seq;
    uint64_t fired;

    owned *owned;
    size_t owned_n, owned_cap;
    void *slots[KOUI_SLOT_COUNT];

    kou_status errcode;
    char errmsg[512];
};

/* ---- errors ---- */

kou_status koui_fail(kou_sim *sim, kou_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sim->errmsg, sizeof sim->errmsg, fmt, ap);
    va_end(ap);
    sim->errcode = code;
    return code;
}

const char *kou_sim_errmsg(const kou_sim *sim) { return sim->errmsg; }
kou_status kou_sim_errcode(const kou_sim *sim) { return sim->errcode; }

void kou_sim_clear_error(kou_sim *sim)
{
    sim->errcode = KOU_OK;
    sim->errmsg[0] = '\0';
}

/* ---- life cycle ---- */

void kou_sim_config_default(kou_sim_config *cfg)
{
    cfg->seed = 1;
    cfg->start_date = 20170102;
    cfg->end_time = INFINITY;
    cfg->event_hint = 1024;
}

kou_status kou_sim_new(kou_sim **out, const kou_sim_config *cfg, char *err, size_t errlen)
{
    kou_sim_config def;
    if (!cfg) {
        kou_sim_config_default(&def);
        cfg = &def;
    }
    *out = NULL;
    const char *why = NULL;
    if (!kou_date_is_valid(cfg->start_date))
        why = "start date must be a valid date written YYYYMMDD";
    else if (!(cfg->end_time >= 0))
        why = "end time must be >= 0 hours";
    else if (cfg->event_hint > (UINT32_C(1) << 30))
        why = "event pool hint must be at most 2^30 events";
    if (why) {
        if (err && errlen)
            snprintf(err, errlen, "simulation: %s", why);
        return KOU_EINVAL;
    }
    kou_sim *sim = koui_calloc(1, sizeof *sim);
    sim->end_time = cfg->end_time;
    sim->seed = cfg->seed;
    sim->start_date = cfg->start_date;
    sim->heap_cap = cfg->event_hint ? cfg->event_hint : 16;
    sim->heap = koui_malloc((sim->heap_cap + 1) * sizeof *sim->heap);
    sim->recs_cap = sim->heap_cap;
    sim->recs = koui_malloc(sim->recs_cap * sizeof *sim->recs);
    sim->free_slots = koui_malloc(sim->recs_cap * sizeof *sim->free_slots);
    *out = sim;
    return KOU_OK;
}

void kou_sim_free(kou_sim *sim)
{
    if (!sim)
        return;
    for (size_t i = sim->owned_n; i-- > 0;)
        sim->owned[i].free_fn(sim->owned[i].obj);
    free(sim->owned);
    free(sim->heap);
    free(sim->recs);
    free(sim->free_slots);
    free(sim);
}

void koui_sim_own(kou_sim *sim, void *obj, void (*free_fn)(void *))
{
    if (sim->owned_n == sim->owned_cap) {
        sim->owned_cap = sim->owned_cap ? 2 * sim->owned_cap : 16;
        sim->owned = koui_realloc(sim->owned, sim->owned_cap * sizeof *sim->owned);
    }
    sim->owned[sim->owned_n++] = (owned){obj, free_fn};
}

void **koui_sim_slot(kou_sim *sim, enum koui_slot slot)
{
    KOU_CHECK(slot < KOUI_SLOT_COUNT);
    return &sim->slots[slot];
}

kou_time kou_sim_now(const kou_sim *sim) { return sim->now; }
uint64_t kou_sim_seed(const kou_sim *sim) { return sim->seed; }
int32_t kou_sim_start_date(const kou_sim *sim) { return sim->start_date; }
uint64_t kou_sim_events_fired(const kou_sim *sim) { return sim->fired; }
size_t kou_sim_events_pending(const kou_sim *sim) { return sim->heap_n - sim->cancelled; }
void kou_sim_stop(kou_sim *sim) { sim->stopped = true; }

/* ---- event records ---- */

static uint32_t rec_alloc(kou_sim *sim)
{
    if (sim->free_n)
        return sim->free_slots[--sim->free_n];
    if (sim->recs_n == sim->recs_cap) {
        KOU_CHECK(sim->recs_cap < UINT32_MAX / 2);
        sim->recs_cap *= 2;
        sim->recs = koui_realloc(sim->recs, sim->recs_cap * sizeof *sim->recs);
        sim->free_slots = koui_realloc(sim->free_slots, sim->recs_cap * sizeof *sim->free_slots);
    }
    uint32_t slot = (uint32_t)sim->recs_n++;
    sim->recs[slot].gen = 1;
    return slot;
}

static void rec_free(kou_sim *sim, uint32_t slot)
{
    event_rec *r = &sim->recs[slot];
    r->state = REC_FREE;
    r->gen++;
    if (r->gen == 0) /* keep ids non-zero after 2^32 reuses */
        r->gen = 1;
    sim->free_slots[sim->free_n++] = slot;
}

static inline kou_event_id make_id(const kou_sim *sim, uint32_t slot)
{
    return ((uint64_t)sim->recs[slot].gen << 32) | slot;
}

/* The record of a pending event, or NULL for a spent or unknown id. */
static event_rec *pending_rec(const kou_sim *sim, kou_event_id ev)
{
    uint64_t slot = ev & UINT32_MAX;
    if (slot >= sim->recs_n)
        return NULL;
    event_rec *r = &sim->recs[slot];
    if (r->gen != (uint32_t)(ev >> 32) || r->state != REC_PENDING)
        return NULL;
    return r;
}

/* ---- the heap ---- */

static inline bool entry_before(const kou_sim *sim, heap_entry a, heap_entry b)
{
    if (a.t != b.t)
        return a.t < b.t;
    return sim->recs[a.slot].key < sim->recs[b.slot].key;
}

static void heap_push(kou_sim *sim, heap_entry e)
{
    if (sim->heap_n == sim->heap_cap) {
        sim->heap_cap *= 2;
        sim->heap = koui_realloc(sim->heap, (sim->heap_cap + 1) * sizeof *sim->heap);
    }
    heap_entry *h = sim->heap;
    size_t i = ++sim->heap_n;
    while (i > 1 && entry_before(sim, e, h[i / 2])) {
        h[i] = h[i / 2];
        i /= 2;
    }
    h[i] = e;
}

static void sift_down(kou_sim *sim, size_t i, heap_entry e)
{
    heap_entry *h = sim->heap;
    size_t n = sim->heap_n;
    for (;;) {
        size_t c = 2 * i;
        if (c > n)
            break;
        if (c < n && entry_before(sim, h[c + 1], h[c]))
            c++;
        if (!entry_before(sim, h[c], e))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = e;
}

static void heap_pop(kou_sim *sim)
{
    heap_entry last = sim->heap[sim->heap_n--];
    if (sim->heap_n)
        sift_down(sim, 1, last);
}

/* Drops every dead entry and rebuilds the heap bottom-up (Floyd). */
static void sweep_cancelled(kou_sim *sim)
{
    size_t kept = 0;
    for (size_t i = 1; i <= sim->heap_n; i++) {
        heap_entry e = sim->heap[i];
        if (sim->recs[e.slot].state == REC_CANCELLED)
            rec_free(sim, e.slot);
        else
            sim->heap[++kept] = e;
    }
    sim->heap_n = kept;
    sim->cancelled = 0;
    for (size_t i = kept / 2; i >= 1; i--)
        sift_down(sim, i, sim->heap[i]);
}

/* ---- scheduling ---- */

kou_event_id kou_event_schedule_at(kou_sim *sim, kou_time time, int priority,
                                   kou_event_fn *fn, void *subject, void *object)
{
    KOU_CHECK(fn != NULL);
    if (KOU_UNLIKELY(!(time >= sim->now) || time == INFINITY)) {
        koui_fail(sim, KOU_EINVAL,
                  "event time must be finite and not before the current time %.6g h (got %.6g h)",
                  sim->now, time);
        return KOU_EVENT_NONE;
    }
    if (KOU_UNLIKELY(priority < KOU_PRIORITY_MIN || priority > KOU_PRIORITY_MAX)) {
        koui_fail(sim, KOU_EINVAL, "event priority must be in [%d, %d] (got %d)",
                  KOU_PRIORITY_MIN, KOU_PRIORITY_MAX, priority);
        return KOU_EVENT_NONE;
    }
    KOU_CHECK(sim->next_seq <= SEQ_MASK);
    uint32_t slot = rec_alloc(sim);
    event_rec *r = &sim->recs[slot];
    r->fn = fn;
    r->subject = subject;
    r->object = object;
    /* Higher priority must sort first: store KOU_PRIORITY_MAX - priority. */
    r->key = ((uint64_t)(KOU_PRIORITY_MAX - priority) << SEQ_BITS) | sim->next_seq++;
    r->state = REC_PENDING;
    heap_push(sim, (heap_entry){time, slot, 0});
    return make_id(sim, slot);
}

kou_event_id kou_event_schedule(kou_sim *sim, kou_time delay, int priority,
                                kou_event_fn *fn, void *subject, void *object)
{
    if (KOU_UNLIKELY(!(delay >= 0) || delay == INFINITY)) {
        koui_fail(sim, KOU_EINVAL, "event delay must be a finite number of hours >= 0 (got %.6g)",
                  delay);
        return KOU_EVENT_NONE;
    }
    return kou_event_schedule_at(sim, sim->now + delay, priority, fn, subject, object);
}

bool kou_event_cancel(kou_sim *sim, kou_event_id ev)
{
    event_rec *r = pending_rec(sim, ev);
    if (!r)
        return false;
    r->state = REC_CANCELLED;
    sim->cancelled++;
    if (sim->cancelled >= SWEEP_MIN && sim->cancelled * 2 > sim->heap_n)
        sweep_cancelled(sim);
    return true;
}

kou_event_id kou_event_reschedule(kou_sim *sim, kou_event_id ev, kou_time time)
{
    event_rec *r = pending_rec(sim, ev);
    if (!r) {
        koui_fail(sim, KOU_ESTATE, "cannot reschedule an event that has fired or was cancelled");
        return KOU_EVENT_NONE;
    }
    event_rec old = *r;
    int priority = KOU_PRIORITY_MAX - (int)(old.key >> SEQ_BITS);
    kou_event_id id = kou_event_schedule_at(sim, time, priority, old.fn, old.subject, old.object);
    if (id != KOU_EVENT_NONE)
        kou_event_cancel(sim, ev);
    return id;
}

bool kou_event_is_pending(const kou_sim *sim, kou_event_id ev)
{
    return pending_rec(sim, ev) != NULL;
}

kou_time kou_event_time(const kou_sim *sim, kou_event_id ev)
{
    if (!pending_rec(sim, ev))
        return NAN;
    uint32_t slot = (uint32_t)(ev & UINT32_MAX);
    for (size_t i = 1; i <= sim->heap_n; i++)
        if (sim->heap[i].slot == slot)
            return sim->heap[i].t;
    KOU_ASSERT(0);
    return NAN;
}

/* ---- running ---- */

/* Drops dead entries at the top; returns the earliest live entry or NULL. */
static const heap_entry *peek_live(kou_sim *sim)
{
    while (sim->heap_n) {
        uint32_t slot = sim->heap[1].slot;
        if (KOU_LIKELY(sim->recs[slot].state == REC_PENDING))
            return &sim->heap[1];
        heap_pop(sim);
        rec_free(sim, slot);
        sim->cancelled--;
    }
    return NULL;
}

kou_time kou_sim_next_time(kou_sim *sim)
{
    const heap_entry *top = peek_live(sim);
    return top ? top->t : INFINITY;
}

/* Fires the earliest event if it is due no later than 'until'. */
static inline bool fire_next(kou_sim *sim, kou_time until)
{
    const heap_entry *top = peek_live(sim);
    if (!top || top->t > until)
        return false;
    KOU_ASSERT(top->t >= sim->now);
    uint32_t slot = top->slot;
    sim->now = top->t;
    heap_pop(sim);
    /* Start loading the next event's record now: with many pending events
    ** it is a cache miss, which then overlaps with this handler's work. */
    if (sim->heap_n)
        __builtin_prefetch(&sim->recs[sim->heap[1].slot]);
    /* Free the record before the call: the handler may schedule at once
    ** (reusing the slot), and its own id is then spent, as it has fired. */
    event_rec *r = &sim->recs[slot];
    kou_event_fn *fn = r->fn;
    void *subject = r->subject, *object = r->object;
    rec_free(sim, slot);
    sim->fired++;
    fn(sim, subject, object);
    return true;
}

bool kou_sim_step(kou_sim *sim)
{
    return fire_next(sim, INFINITY);
}

kou_status kou_sim_run_until(kou_sim *sim, kou_time until)
{
    if (!(until >= sim->now))
        return koui_fail(sim, KOU_EINVAL,
                         "run until %.6g h: that is before the current time %.6g h", until,
                         sim->now);
    kou_time end = until < sim->end_time ? until : sim->end_time;
    sim->stopped = false;
    while (!sim->stopped && fire_next(sim, end))
        ;
    if (!sim->stopped && end != INFINITY && sim->now < end)
        sim->now = end;
    return KOU_OK;
}

kou_status kou_sim_run_before(kou_sim *sim, kou_time until)
{
    if (!(until >= sim->now))
        return koui_fail(sim, KOU_EINVAL,
                         "run before %.6g h: that is before the current time %.6g h", until,
                         sim->now);
    kou_time end = until < sim->end_time ? until : sim->end_time;
    kou_time last = nextafter(end, -INFINITY); /* the latest time that fires */
    sim->stopped = false;
    while (!sim->stopped && last >= sim->now && fire_next(sim, last))
        ;
    if (!sim->stopped && end != INFINITY && sim->now < end)
        sim->now = end;
    return KOU_OK;
}

kou_status kou_sim_run(kou_sim *sim)
{
    return kou_sim_run_until(sim, INFINITY);
}
