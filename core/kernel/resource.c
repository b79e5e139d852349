#include "resource.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* No node: the end of a list. */
#define NIL UINT32_MAX

/* A waiting request. Nodes live in one array (indices, not pointers, since
** the array moves when it grows); free ones are chained through next. */
typedef struct wait_node {
    uint32_t prev, next;
    uint32_t gen;    /* bumped at every free, so old request ids go stale */
    bool waiting;
    int priority;
    kou_time since;  /* request time, for the waiting-time tally */
    kou_grant_fn *fn;
    void *subject, *object;
} wait_node;

/* The line is one list ordered by (priority descending, arrival). Under
** KOU_QUEUE_PRIORITY each priority present has a band recording its last
** node, so a request joins behind its equals without walking the line;
** models use a handful of priorities, so the band array is short. FIFO
** needs no bands: it appends at the tail. */
typedef struct band {
    int priority;
    uint32_t tail;
} band;

struct kou_resource {
    kou_sim *sim;
    char *name;
    const kou_calendar *cal;
    kou_queue_discipline discipline;
    int capacity_now; /* cached; refreshed at or after change_at */
    int busy;
    bool granting;       /* the grant loop or an on-the-spot callback is running */
    kou_time change_at;  /* next calendar change, +inf if none */
    kou_event_id wakeup; /* pending event at change_at, only while requests wait */

    wait_node *node;
    uint32_t n_node;
    uint32_t free_head;
    uint32_t head, tail;
    size_t line_len;
    band *bands;
    size_t n_bands, cap_bands;

    kou_tally wait;
    kou_timeavg queue_avg, busy_avg;
    uint64_t served;
};

/* ---- life cycle ---- */

static void resource_free(void *obj)
{
    kou_resource *r = obj;
    free(r->node);
    free(r->bands);
    free(r->name);
    free(r);
}

kou_resource *kou_resource_new(kou_sim *sim, const char *name, int capacity,
                               kou_queue_discipline discipline, kou_calendar *cal)
{
    KOU_CHECK(sim != NULL);
    if (name == NULL || name[0] == '\0') {
        koui_fail(sim, KOU_EINVAL, "a resource needs a non-empty name");
        return NULL;
    }
    if (discipline != KOU_QUEUE_FIFO && discipline != KOU_QUEUE_PRIORITY) {
        koui_fail(sim, KOU_EINVAL, "resource '%s': unknown queue discipline %d", name,
                  (int)discipline);
        return NULL;
    }
    if (cal != NULL && koui_calendar_sim(cal) != sim) {
        koui_fail(sim, KOU_EINVAL, "resource '%s': calendar '%s' belongs to another simulation",
                  name, kou_calendar_name(cal));
        return NULL;
    }
    if (cal != NULL && capacity != 0) {
        koui_fail(sim, KOU_EINVAL,
                  "resource '%s': capacity must be 0 when calendar '%s' gives it (got %d)",
                  name, kou_calendar_name(cal), capacity);
        return NULL;
    }
    if (cal == NULL && capacity < 1) {
        koui_fail(sim, KOU_EINVAL, "resource '%s': capacity must be >= 1 (got %d)", name,
                  capacity);
        return NULL;
    }

    kou_resource *r = koui_calloc(1, sizeof *r);
    kou_time now = kou_sim_now(sim);
    r->sim = sim;
    r->name = koui_strdup(name);
    r->cal = cal;
    r->discipline = discipline;
    if (cal) {
        koui_calendar_attach(cal);
        r->capacity_now = kou_calendar_capacity_at(cal, now);
        r->change_at = kou_calendar_next_change(cal, now);
    } else {
        r->capacity_now = capacity;
        r->change_at = INFINITY;
    }
    r->wakeup = KOU_EVENT_NONE;
    r->node = NULL;
    r->n_node = 0;
    r->free_head = NIL;
    r->head = NIL;
    r->tail = NIL;
    kou_tally_init(&r->wait);
    kou_timeavg_init(&r->queue_avg, now, 0.0);
    kou_timeavg_init(&r->busy_avg, now, 0.0);
    koui_sim_own(sim, r, resource_free);
    return r;
}

/* ---- node pool ---- */

static uint32_t alloc_node(kou_resource *r)
{
    if (KOU_UNLIKELY(r->free_head == NIL)) {
        uint32_t old = r->n_node;
        uint32_t grown = old ? 2 * old : 16;
        KOU_CHECK(old < NIL / 2); /* 2^31 waiting requests */
        r->node = koui_realloc(r->node, (size_t)grown * sizeof *r->node);
        for (uint32_t i = old; i < grown; i++) {
            r->node[i].gen = 1;
            r->node[i].waiting = false;
            r->node[i].next = i + 1 < grown ? i + 1 : NIL;
        }
        r->free_head = old;
        r->n_node = grown;
    }
    uint32_t x = r->free_head;
    r->free_head = r->node[x].next;
    return x;
}

static void free_node(kou_resource *r, uint32_t x)
{
    wait_node *n = &r->node[x];
    n->waiting = false;
    if (++n->gen == 0)
        n->gen = 1; /* keep ids non-zero */
    n->next = r->free_head;
    r->free_head = x;
}

static kou_request_id make_id(const kou_resource *r, uint32_t x)
{
    return (kou_request_id)r->node[x].gen << 32 | x;
}

/* ---- the waiting line ---- */

/* Where x joins a priority line: after the last node of its priority, or
** after the last node of the nearest higher priority (NIL: at the head). */
static uint32_t priority_place(kou_resource *r, uint32_t x)
{
    int p = r->node[x].priority;
    size_t b = 0;
    while (b < r->n_bands && r->bands[b].priority > p)
        b++;
    uint32_t after;
    if (b < r->n_bands && r->bands[b].priority == p) {
        after = r->bands[b].tail;
        r->bands[b].tail = x;
    } else {
        after = b > 0 ? r->bands[b - 1].tail : NIL;
        if (r->n_bands == r->cap_bands) {
            r->cap_bands = r->cap_bands ? 2 * r->cap_bands : 4;
            r->bands = koui_realloc(r->bands, r->cap_bands * sizeof *r->bands);
        }
        memmove(&r->bands[b + 1], &r->bands[b], (r->n_bands - b) * sizeof *r->bands);
        r->bands[b].priority = p;
        r->bands[b].tail = x;
        r->n_bands++;
    }
    return after;
}

static void enqueue(kou_resource *r, uint32_t x)
{
    uint32_t after = r->discipline == KOU_QUEUE_FIFO ? r->tail : priority_place(r, x);
    wait_node *n = &r->node[x];
    n->prev = after;
    n->next = after == NIL ? r->head : r->node[after].next;
    if (after == NIL)
        r->head = x;
    else
        r->node[after].next = x;
    if (n->next != NIL)
        r->node[n->next].prev = x;
    else
        r->tail = x;
    r->line_len++;
}

/* Keeps the bands right when x leaves a priority line. */
static void priority_leave(kou_resource *r, uint32_t x)
{
    const wait_node *n = &r->node[x];
    size_t b = 0;
    while (b < r->n_bands && r->bands[b].priority != n->priority)
        b++;
    KOU_ASSERT(b < r->n_bands);
    if (r->bands[b].tail == x) {
        if (n->prev != NIL && r->node[n->prev].priority == n->priority)
            r->bands[b].tail = n->prev;
        else {
            r->n_bands--;
            memmove(&r->bands[b], &r->bands[b + 1], (r->n_bands - b) * sizeof *r->bands);
        }
    }
}

static void unlink_node(kou_resource *r, uint32_t x)
{
    const wait_node *n = &r->node[x];
    if (r->discipline == KOU_QUEUE_PRIORITY)
        priority_leave(r, x);
    if (n->prev == NIL)
        r->head = n->next;
    else
        r->node[n->prev].next = n->next;
    if (n->next != NIL)
        r->node[n->next].prev = n->prev;
    else
        r->tail = n->prev;
    r->line_len--;
}

/* ---- calendar ---- */

static void on_calendar_change(kou_sim *sim, void *subject, void *object);

/* The cached capacity is valid until change_at; called when now reaches it. */
static void refresh_capacity(kou_resource *r, kou_time now)
{
    r->capacity_now = kou_calendar_capacity_at(r->cal, now);
    r->change_at = kou_calendar_next_change(r->cal, now);
}

/* Waiting requests need a wake-up at the next change; with none waiting,
** no event is kept, so the capacity is refreshed lazily instead. */
static void plan_wakeup(kou_resource *r)
{
    if (r->change_at < HUGE_VAL && r->head != NIL && r->wakeup == KOU_EVENT_NONE) {
        /* Highest priority: a change counts before releases at the same
        ** instant (no work taken at closing time) and grants at an opening
        ** come before new arrivals then. */
        r->wakeup = kou_event_schedule_at(r->sim, r->change_at, KOU_PRIORITY_MAX,
                                          on_calendar_change, r, NULL);
        KOU_CHECK(r->wakeup != KOU_EVENT_NONE);
    }
}

/* With nobody left waiting the wake-up has nothing to do; dropping it
** keeps kou_sim_run from ending at a calendar change after the last real
** event. */
static void drop_wakeup_if_idle(kou_resource *r)
{
    if (r->head == NIL && r->wakeup != KOU_EVENT_NONE) {
        kou_event_cancel(r->sim, r->wakeup);
        r->wakeup = KOU_EVENT_NONE;
    }
}

/* ---- granting ---- */

static void grant_waiting(kou_resource *r, kou_time now)
{
    KOU_ASSERT(!r->granting);
    r->granting = true;
    while (r->head != NIL && r->busy < r->capacity_now) {
        uint32_t x = r->head;
        const wait_node *n = &r->node[x];
        kou_grant_fn *fn = n->fn;
        void *subject = n->subject, *object = n->object;
        kou_time since = n->since;
        unlink_node(r, x);
        free_node(r, x); /* before the callback: it may request again */
        r->busy++;
        kou_timeavg_set(&r->queue_avg, now, (double)r->line_len);
        kou_timeavg_set(&r->busy_avg, now, (double)r->busy);
        kou_tally_add(&r->wait, now - since);
        fn(r->sim, r, subject, object);
    }
    r->granting = false;
    drop_wakeup_if_idle(r);
}

static void on_calendar_change(kou_sim *sim, void *subject, void *object)
{
    kou_resource *r = subject;
    (void)object;
    r->wakeup = KOU_EVENT_NONE;
    kou_time now = kou_sim_now(sim);
    refresh_capacity(r, now);
    grant_waiting(r, now);
    plan_wakeup(r);
}

kou_request_id kou_resource_request(kou_resource *r, int priority, kou_grant_fn *fn,
                                    void *subject, void *object)
{
    KOU_CHECK(r != NULL && fn != NULL);
    kou_time now = kou_sim_now(r->sim);
    if (KOU_UNLIKELY(now >= r->change_at)) {
        refresh_capacity(r, now);
        if (!r->granting)
            grant_waiting(r, now);
    }
    if (!r->granting && r->head == NIL && r->busy < r->capacity_now) {
        r->busy++;
        kou_timeavg_set(&r->busy_avg, now, (double)r->busy);
        kou_tally_add(&r->wait, 0.0);
        r->granting = true;
        fn(r->sim, r, subject, object);
        r->granting = false;
        if (r->head != NIL) { /* requests made by the callback */
            grant_waiting(r, now);
            plan_wakeup(r);
        }
        return KOU_REQUEST_GRANTED;
    }
    uint32_t x = alloc_node(r);
    wait_node *n = &r->node[x];
    n->waiting = true;
    n->priority = r->discipline == KOU_QUEUE_PRIORITY ? priority : 0;
    n->since = now;
    n->fn = fn;
    n->subject = subject;
    n->object = object;
    kou_request_id id = make_id(r, x);
    enqueue(r, x);
    kou_timeavg_set(&r->queue_avg, now, (double)r->line_len);
    plan_wakeup(r);
    return id;
}

bool kou_resource_cancel(kou_resource *r, kou_request_id id)
{
    KOU_CHECK(r != NULL);
    uint32_t x = (uint32_t)(id & 0xffffffffu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (x >= r->n_node || !r->node[x].waiting || r->node[x].gen != gen)
        return false;
    unlink_node(r, x);
    free_node(r, x);
    kou_timeavg_set(&r->queue_avg, kou_sim_now(r->sim), (double)r->line_len);
    drop_wakeup_if_idle(r);
    return true;
}

void kou_resource_release(kou_resource *r)
{
    KOU_CHECK(r != NULL);
    KOU_CHECK(r->busy > 0); /* release without a granted request */
    kou_time now = kou_sim_now(r->sim);
    if (KOU_UNLIKELY(now >= r->change_at))
        refresh_capacity(r, now);
    r->busy--;
    r->served++;
    kou_timeavg_set(&r->busy_avg, now, (double)r->busy);
    if (!r->granting && r->head != NIL) {
        grant_waiting(r, now);
        plan_wakeup(r);
    }
}

kou_time kou_resource_work_end(const kou_resource *r, kou_time start, double work_hours)
{
    KOU_CHECK(r != NULL);
    if (r->cal)
        return kou_calendar_advance(r->cal, start, work_hours);
    if (isnan(start) || isnan(work_hours) || work_hours < 0.0) {
        koui_fail(r->sim, KOU_EINVAL,
                  "resource '%s': cannot schedule %g hours of work starting at hour %g",
                  r->name, work_hours, start);
        return NAN;
    }
    return start + work_hours;
}

/* ---- queries ---- */

const char *kou_resource_name(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return r->name;
}

const kou_calendar *kou_resource_calendar(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return r->cal;
}

int kou_resource_busy(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return r->busy;
}

size_t kou_resource_queue_length(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return r->line_len;
}

int kou_resource_capacity(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    kou_time now = kou_sim_now(r->sim);
    if (now >= r->change_at)
        return kou_calendar_capacity_at(r->cal, now); /* cache not yet refreshed */
    return r->capacity_now;
}

const kou_tally *kou_resource_wait_stats(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return &r->wait;
}

const kou_timeavg *kou_resource_queue_stats(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return &r->queue_avg;
}

const kou_timeavg *kou_resource_busy_stats(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return &r->busy_avg;
}

double kou_resource_mean_queue(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return kou_timeavg_mean(&r->queue_avg, kou_sim_now(r->sim));
}

double kou_resource_mean_busy(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return kou_timeavg_mean(&r->busy_avg, kou_sim_now(r->sim));
}

uint64_t kou_resource_served_count(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return r->served;
}

void kou_resource_reset_stats(kou_resource *r)
{
    KOU_CHECK(r != NULL);
    kou_time now = kou_sim_now(r->sim);
    kou_tally_init(&r->wait);
    kou_timeavg_reset(&r->queue_avg, now);
    kou_timeavg_reset(&r->busy_avg, now);
    r->served = 0;
}
