#include "resource.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* No node: the end of a list. */
#define NIL UINT32_MAX

/* A waiting request, or on a preemptive resource also a holder (the same
** node moves from the line to the holders when granted). Nodes live in one
** array (indices, not pointers, since the array moves when it grows); free
** ones are chained through next. */
typedef struct wait_node {
    uint32_t prev, next;
    uint32_t gen;    /* bumped at every free, so old request ids go stale */
    bool waiting;
    bool held;       /* a holder of a preemptive resource */
    int priority;
    kou_time since;  /* request time (waiting), then grant time (held) */
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

/* A list of nodes: the waiting line, and on a preemptive resource the
** holders, kept in the line's own order (priority descending, then grant
** order), so that the holder to preempt (lowest priority, latest granted
** among equals) is always the tail. */
typedef struct line {
    uint32_t head, tail;
    size_t len;
    band *bands;
    size_t n_bands, cap_bands;
} line;

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
    line line;               /* requests waiting */
    line held;               /* holders, only on a preemptive resource */
    kou_preempt_fn *preempt; /* NULL: not preemptive */

    kou_tally wait;
    kou_timeavg queue_avg, busy_avg;
    uint64_t served, preempted;
};

/* ---- life cycle ---- */

static void resource_free(void *obj)
{
    kou_resource *r = obj;
    free(r->node);
    free(r->line.bands);
    free(r->held.bands);
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
    r->line.head = r->line.tail = NIL;
    r->held.head = r->held.tail = NIL;
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
            r->node[i].held = false;
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
    n->held = false;
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

/* Where x joins a priority-ordered list: after the last node of its
** priority, or after the last node of the nearest higher priority (NIL: at
** the head). */
static uint32_t priority_place(kou_resource *r, line *l, uint32_t x)
{
    int p = r->node[x].priority;
    size_t b = 0;
    while (b < l->n_bands && l->bands[b].priority > p)
        b++;
    uint32_t after;
    if (b < l->n_bands && l->bands[b].priority == p) {
        after = l->bands[b].tail;
        l->bands[b].tail = x;
    } else {
        after = b > 0 ? l->bands[b - 1].tail : NIL;
        if (l->n_bands == l->cap_bands) {
            l->cap_bands = l->cap_bands ? 2 * l->cap_bands : 4;
            l->bands = koui_realloc(l->bands, l->cap_bands * sizeof *l->bands);
        }
        memmove(&l->bands[b + 1], &l->bands[b], (l->n_bands - b) * sizeof *l->bands);
        l->bands[b].priority = p;
        l->bands[b].tail = x;
        l->n_bands++;
    }
    return after;
}

/* by_priority: the list is ordered by priority (a priority resource's
** line, every holder list); otherwise x is appended. */
static void enqueue(kou_resource *r, line *l, uint32_t x, bool by_priority)
{
    uint32_t after = by_priority ? priority_place(r, l, x) : l->tail;
    wait_node *n = &r->node[x];
    n->prev = after;
    n->next = after == NIL ? l->head : r->node[after].next;
    if (after == NIL)
        l->head = x;
    else
        r->node[after].next = x;
    if (n->next != NIL)
        r->node[n->next].prev = x;
    else
        l->tail = x;
    l->len++;
}

/* Keeps the bands right when x leaves a priority-ordered list. */
static void priority_leave(kou_resource *r, line *l, uint32_t x)
{
    const wait_node *n = &r->node[x];
    size_t b = 0;
    while (b < l->n_bands && l->bands[b].priority != n->priority)
        b++;
    KOU_ASSERT(b < l->n_bands);
    if (l->bands[b].tail == x) {
        if (n->prev != NIL && r->node[n->prev].priority == n->priority)
            l->bands[b].tail = n->prev;
        else {
            l->n_bands--;
            memmove(&l->bands[b], &l->bands[b + 1], (l->n_bands - b) * sizeof *l->bands);
        }
    }
}

static void unlink_node(kou_resource *r, line *l, uint32_t x, bool by_priority)
{
    const wait_node *n = &r->node[x];
    if (by_priority)
        priority_leave(r, l, x);
    if (n->prev == NIL)
        l->head = n->next;
    else
        r->node[n->prev].next = n->next;
    if (n->next != NIL)
        r->node[n->next].prev = n->prev;
    else
        l->tail = n->prev;
    l->len--;
}

/* ---- calendar ---- */

static void on_calendar_change(kou_sim *sim, void *subject, void *object);
static kou_request_id request_preemptive(kou_resource *r, int priority, kou_grant_fn *fn,
                                         void *subject, void *object, kou_time now);

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
    if (r->change_at < HUGE_VAL && r->line.head != NIL && r->wakeup == KOU_EVENT_NONE) {
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
    if (r->line.head == NIL && r->wakeup != KOU_EVENT_NONE) {
        kou_event_cancel(r->sim, r->wakeup);
        r->wakeup = KOU_EVENT_NONE;
    }
}

/* ---- granting ---- */

static void grant_waiting(kou_resource *r, kou_time now)
{
    KOU_ASSERT(!r->granting);
    r->granting = true;
    while (r->line.head != NIL && r->busy < r->capacity_now) {
        uint32_t x = r->line.head;
        const wait_node *n = &r->node[x];
        kou_grant_fn *fn = n->fn;
        void *subject = n->subject, *object = n->object;
        kou_time since = n->since;
        unlink_node(r, &r->line, x, r->discipline == KOU_QUEUE_PRIORITY);
        free_node(r, x); /* before the callback: it may request again */
        r->busy++;
        kou_timeavg_set(&r->queue_avg, now, (double)r->line.len);
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
    if (r->preempt != NULL)
        return request_preemptive(r, priority, fn, subject, object, now);
    if (KOU_UNLIKELY(now >= r->change_at)) {
        refresh_capacity(r, now);
        if (!r->granting)
            grant_waiting(r, now);
    }
    if (!r->granting && r->line.head == NIL && r->busy < r->capacity_now) {
        r->busy++;
        kou_timeavg_set(&r->busy_avg, now, (double)r->busy);
        kou_tally_add(&r->wait, 0.0);
        r->granting = true;
        fn(r->sim, r, subject, object);
        r->granting = false;
        if (r->line.head != NIL) { /* requests made by the callback */
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
    enqueue(r, &r->line, x, r->discipline == KOU_QUEUE_PRIORITY);
    kou_timeavg_set(&r->queue_avg, now, (double)r->line.len);
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
    unlink_node(r, &r->line, x, r->discipline == KOU_QUEUE_PRIORITY);
    free_node(r, x);
    kou_timeavg_set(&r->queue_avg, kou_sim_now(r->sim), (double)r->line.len);
    drop_wakeup_if_idle(r);
    return true;
}

void kou_resource_release(kou_resource *r)
{
    KOU_CHECK(r != NULL);
    KOU_CHECK(r->busy > 0); /* release without a granted request */
    KOU_CHECK(r->preempt == NULL); /* a preemptive resource: kou_resource_release_held */
    kou_time now = kou_sim_now(r->sim);
    if (KOU_UNLIKELY(now >= r->change_at))
        refresh_capacity(r, now);
    r->busy--;
    r->served++;
    kou_timeavg_set(&r->busy_avg, now, (double)r->busy);
    if (!r->granting && r->line.head != NIL) {
        grant_waiting(r, now);
        plan_wakeup(r);
    }
}

/* ---- preemption ---- */

kou_status kou_resource_set_preemptive(kou_resource *r, kou_preempt_fn *fn)
{
    KOU_CHECK(r != NULL && fn != NULL);
    if (r->discipline != KOU_QUEUE_PRIORITY)
        return koui_fail(r->sim, KOU_EINVAL,
                         "resource '%s': only a resource with the priority discipline can be "
                         "preemptive (it is FIFO)", r->name);
    if (r->cal != NULL)
        return koui_fail(r->sim, KOU_EINVAL,
                         "resource '%s': a resource on calendar '%s' cannot be preemptive (the "
                         "closing-time policy keeps work in progress at a capacity drop, "
                         "preemption would take it)", r->name, kou_calendar_name(r->cal));
    if (r->busy > 0 || r->line.len > 0)
        return koui_fail(r->sim, KOU_ESTATE,
                         "resource '%s': make it preemptive before any request (%d servers "
                         "held, %zu requests waiting)", r->name, r->busy, r->line.len);
    r->preempt = fn;
    return KOU_OK;
}

bool kou_resource_is_preemptive(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return r->preempt != NULL;
}

/* Takes the server of holder v for request x: v leaves the holders (its
** node is freed, so a release naming it finds nothing), then its callback
** runs. The caller's grant loop then finds a free server for x. */
static void take_server(kou_resource *r, uint32_t v, uint32_t x, kou_time now)
{
    const wait_node *vn = &r->node[v], *xn = &r->node[x];
    kou_preemption p = {
        .subject = vn->subject, .object = vn->object, .priority = vn->priority,
        .usage_since = vn->since,
        .by_subject = xn->subject, .by_object = xn->object, .by_priority = xn->priority,
    };
    unlink_node(r, &r->held, v, true);
    free_node(r, v);
    r->busy--;
    r->preempted++;
    kou_timeavg_set(&r->busy_avg, now, (double)r->busy);
    r->preempt(r->sim, r, &p);
}

/* The grant loop of a preemptive resource: the head of the line takes a
** free server, or else the server of the lowest holder if that holder's
** priority is strictly lower. The state is re-read after every callback,
** since callbacks may request, release and cancel. */
static void grant_preemptive(kou_resource *r, kou_time now)
{
    KOU_ASSERT(!r->granting);
    r->granting = true;
    while (r->line.head != NIL) {
        uint32_t x = r->line.head;
        if (r->busy >= r->capacity_now) {
            uint32_t v = r->held.tail;
            KOU_ASSERT(v != NIL);
            if (r->node[v].priority >= r->node[x].priority)
                break;
            take_server(r, v, x, now);
            continue;
        }
        wait_node *n = &r->node[x];
        unlink_node(r, &r->line, x, true);
        kou_tally_add(&r->wait, now - n->since);
        n->waiting = false;
        n->held = true;
        n->since = now; /* from now on: usage_since */
        enqueue(r, &r->held, x, true);
        r->busy++;
        kou_timeavg_set(&r->queue_avg, now, (double)r->line.len);
        kou_timeavg_set(&r->busy_avg, now, (double)r->busy);
        n->fn(r->sim, r, n->subject, n->object);
    }
    r->granting = false;
}

/* Every request of a preemptive resource joins the line and the grant loop
** runs, so that one rule (the head takes a free server or preempts) covers
** both arrivals and releases. The request was granted on the spot if its
** node is no longer waiting under the same generation. */
static kou_request_id request_preemptive(kou_resource *r, int priority, kou_grant_fn *fn,
                                         void *subject, void *object, kou_time now)
{
    uint32_t x = alloc_node(r);
    wait_node *n = &r->node[x];
    n->waiting = true;
    n->priority = priority;
    n->since = now;
    n->fn = fn;
    n->subject = subject;
    n->object = object;
    kou_request_id id = make_id(r, x);
    uint32_t gen = n->gen;
    enqueue(r, &r->line, x, true);
    kou_timeavg_set(&r->queue_avg, now, (double)r->line.len);
    if (!r->granting)
        grant_preemptive(r, now);
    return r->node[x].waiting && r->node[x].gen == gen ? id : KOU_REQUEST_GRANTED;
}

bool kou_resource_release_held(kou_resource *r, const void *subject, const void *object)
{
    KOU_CHECK(r != NULL);
    KOU_CHECK(r->preempt != NULL); /* only a preemptive resource knows its holders */
    uint32_t x = r->held.tail;
    while (x != NIL && (r->node[x].subject != subject || r->node[x].object != object))
        x = r->node[x].prev;
    if (x == NIL)
        return false;
    kou_time now = kou_sim_now(r->sim);
    unlink_node(r, &r->held, x, true);
    free_node(r, x);
    r->busy--;
    r->served++;
    kou_timeavg_set(&r->busy_avg, now, (double)r->busy);
    if (!r->granting && r->line.head != NIL)
        grant_preemptive(r, now);
    return true;
}

uint64_t kou_resource_preempted_count(const kou_resource *r)
{
    KOU_CHECK(r != NULL);
    return r->preempted;
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
    return r->line.len;
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
    r->preempted = 0;
}
