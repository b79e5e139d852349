#include "store.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* No node: the end of a list. */
#define NIL UINT32_MAX

enum { PUT = 0, GET = 1 };

/* An item in the store. seq numbers items in the order they came in. */
typedef struct slot {
    uint64_t item;
    double priority;
    uint64_t seq;
    kou_time since; /* when it came in, for the stay tally */
} slot;

/* A waiting put or get, in a pool as in container.c. */
typedef struct op_node {
    uint32_t prev, next;
    uint32_t gen; /* bumped at every free, so old ids go stale */
    bool waiting;
    uint8_t kind; /* PUT or GET */
    kou_time since;
    kou_store_fn *fn;
    void *subject, *object;
    uint64_t item;              /* PUT */
    double priority;            /* PUT */
    kou_store_match_fn *match;  /* GET, FILTER only */
    void *ctx;                  /* GET */
    uint64_t refused;           /* GET, FILTER: items with seq <= this refused */
} op_node;

typedef struct op_line {
    uint32_t head, tail;
    size_t len;
} op_line;

/* Items: under FIFO and FILTER items[first .. first + n) in seq order;
** under PRIORITY a binary heap in items[0 .. n) (first stays 0), best at
** the top. */
struct kou_store {
    kou_sim *sim;
    char *name;
    kou_store_kind kind;
    size_t capacity;
    bool serving; /* a callback or the serving loop is running */

    slot *items;
    size_t first, n, cap_items;
    uint64_t seq; /* last seq given */

    op_node *node;
    uint32_t n_node, free_head;
    op_line line[2];

    kou_timeavg size_avg;
    kou_tally wait[2], stay;
    uint64_t cancelled[2];
};

/* ---- life cycle ---- */

static void store_free(void *obj)
{
    kou_store *s = obj;
    free(s->items);
    free(s->node);
    free(s->name);
    free(s);
}

kou_store *kou_store_new(kou_sim *sim, const char *name, size_t capacity, kou_store_kind kind)
{
    KOU_CHECK(sim != NULL);
    if (name == NULL || name[0] == '\0') {
        koui_fail(sim, KOU_EINVAL, "a store needs a non-empty name");
        return NULL;
    }
    if (kind != KOU_STORE_FIFO && kind != KOU_STORE_PRIORITY && kind != KOU_STORE_FILTER) {
        koui_fail(sim, KOU_EINVAL, "store '%s': unknown kind %d", name, (int)kind);
        return NULL;
    }
    if (capacity < 1) {
        koui_fail(sim, KOU_EINVAL, "store '%s': capacity must be >= 1 item (got 0)", name);
        return NULL;
    }
    kou_store *s = koui_calloc(1, sizeof *s);
    s->sim = sim;
    s->name = koui_strdup(name);
    s->kind = kind;
    s->capacity = capacity;
    s->free_head = NIL;
    for (int k = 0; k < 2; k++) {
        s->line[k].head = s->line[k].tail = NIL;
        kou_tally_init(&s->wait[k]);
    }
    kou_tally_init(&s->stay);
    kou_timeavg_init(&s->size_avg, kou_sim_now(sim), 0.0);
    koui_sim_own(sim, s, store_free);
    return s;
}

/* ---- items ---- */

static bool before(const slot *a, const slot *b)
{
    return a->priority > b->priority || (a->priority == b->priority && a->seq < b->seq);
}

static void heap_push(kou_store *s, slot it)
{
    size_t i = s->n++;
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!before(&it, &s->items[up]))
            break;
        s->items[i] = s->items[up];
        i = up;
    }
    s->items[i] = it;
}

static slot heap_pop(kou_store *s)
{
    slot top = s->items[0], last = s->items[--s->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= s->n)
            break;
        if (c + 1 < s->n && before(&s->items[c + 1], &s->items[c]))
            c++;
        if (!before(&s->items[c], &last))
            break;
        s->items[i] = s->items[c];
        i = c;
    }
    if (s->n > 0)
        s->items[i] = last;
    return top;
}

/* Room for one more at the end: slide the items down when at least half
** the array lies before them (so each slide is paid for by as many
** removals at the front), else grow. */
static void make_room(kou_store *s)
{
    if (s->first + s->n < s->cap_items)
        return;
    if (s->first > 0 && s->first >= s->cap_items / 2) {
        memmove(s->items, s->items + s->first, s->n * sizeof *s->items);
        s->first = 0;
        return;
    }
    s->cap_items = s->cap_items ? 2 * s->cap_items : 16;
    s->items = koui_realloc(s->items, s->cap_items * sizeof *s->items);
}

static void add_item(kou_store *s, uint64_t item, double priority, kou_time now)
{
    slot it = {item, priority, ++s->seq, now};
    make_room(s);
    if (s->kind == KOU_STORE_PRIORITY)
        heap_push(s, it);
    else
        s->items[s->first + s->n++] = it;
    kou_timeavg_set(&s->size_avg, now, (double)s->n);
}

/* Removes the i-th item in order (FIFO, FILTER) or the top (PRIORITY, i 0). */
static slot remove_item(kou_store *s, size_t i, kou_time now)
{
    slot it;
    if (s->kind == KOU_STORE_PRIORITY) {
        it = heap_pop(s);
    } else {
        slot *base = s->items + s->first;
        it = base[i];
        if (i == 0)
            s->first++;
        else
            memmove(base + i, base + i + 1, (s->n - i - 1) * sizeof *base);
        s->n--;
        if (s->n == 0)
            s->first = 0;
    }
    kou_timeavg_set(&s->size_avg, now, (double)s->n);
    kou_tally_add(&s->stay, now - it.since);
    return it;
}

/* The first item (in order) with seq > refused: items are in seq order. */
static size_t first_unseen(const kou_store *s, uint64_t refused)
{
    const slot *base = s->items + s->first;
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (base[mid].seq <= refused)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The index of the first item get g accepts among those it has not yet
** seen, or n; records what it has now seen. */
static size_t find_match(kou_store *s, kou_store_match_fn *match, void *ctx, uint64_t *refused)
{
    size_t i = first_unseen(s, *refused);
    for (; i < s->n; i++)
        if (match == NULL || match(ctx, s->items[s->first + i].item))
            return i;
    *refused = s->seq;
    return s->n;
}

/* ---- node pool and lines ---- */

static uint32_t alloc_node(kou_store *s)
{
    if (KOU_UNLIKELY(s->free_head == NIL)) {
        uint32_t old = s->n_node;
        uint32_t grown = old ? 2 * old : 16;
        KOU_CHECK(old < NIL / 2); /* 2^31 waiting operations */
        s->node = koui_realloc(s->node, (size_t)grown * sizeof *s->node);
        for (uint32_t i = old; i < grown; i++) {
            s->node[i].gen = 1;
            s->node[i].waiting = false;
            s->node[i].next = i + 1 < grown ? i + 1 : NIL;
        }
        s->free_head = old;
        s->n_node = grown;
    }
    uint32_t x = s->free_head;
    s->free_head = s->node[x].next;
    return x;
}

static void free_node(kou_store *s, uint32_t x)
{
    op_node *n = &s->node[x];
    n->waiting = false;
    if (++n->gen == 0)
        n->gen = 1; /* keep ids non-zero */
    n->next = s->free_head;
    s->free_head = x;
}

static void append(kou_store *s, uint32_t x)
{
    op_node *n = &s->node[x];
    op_line *l = &s->line[n->kind];
    n->prev = l->tail;
    n->next = NIL;
    if (l->tail == NIL)
        l->head = x;
    else
        s->node[l->tail].next = x;
    l->tail = x;
    l->len++;
}

static void unlink_node(kou_store *s, uint32_t x)
{
    const op_node *n = &s->node[x];
    op_line *l = &s->line[n->kind];
    if (n->prev == NIL)
        l->head = n->next;
    else
        s->node[n->prev].next = n->next;
    if (n->next != NIL)
        s->node[n->next].prev = n->prev;
    else
        l->tail = n->prev;
    l->len--;
}

/* ---- serving ---- */

/* Lets the head put in if there is room. Its node is freed before the
** callback, which may put or get again. */
static bool serve_put(kou_store *s, kou_time now)
{
    uint32_t x = s->line[PUT].head;
    if (x == NIL || s->n >= s->capacity)
        return false;
    op_node n = s->node[x];
    unlink_node(s, x);
    free_node(s, x);
    add_item(s, n.item, n.priority, now);
    kou_tally_add(&s->wait[PUT], now - n.since);
    n.fn(s->sim, s, n.item, n.subject, n.object);
    return true;
}

static void complete_get(kou_store *s, uint32_t x, size_t i, kou_time now)
{
    op_node n = s->node[x];
    unlink_node(s, x);
    free_node(s, x);
    slot it = remove_item(s, i, now);
    kou_tally_add(&s->wait[GET], now - n.since);
    n.fn(s->sim, s, it.item, n.subject, n.object);
}

/* Serves one waiting get if one can be: the head (FIFO, PRIORITY), or the
** first that accepts an item it has not yet seen (FILTER). */
static bool serve_get(kou_store *s, kou_time now)
{
    uint32_t x = s->line[GET].head;
    if (x == NIL || s->n == 0)
        return false;
    if (s->kind != KOU_STORE_FILTER) {
        complete_get(s, x, 0, now);
        return true;
    }
    for (; x != NIL; x = s->node[x].next) {
        op_node *g = &s->node[x];
        if (g->refused == s->seq)
            continue; /* has seen every item */
        size_t i = find_match(s, g->match, g->ctx, &g->refused);
        if (i < s->n) {
            complete_get(s, x, i, now);
            return true;
        }
    }
    return false;
}

/* Serves both lines, puts first, until neither can move; heads are read
** afresh after every callback. */
static void serve(kou_store *s, kou_time now)
{
    KOU_ASSERT(!s->serving);
    s->serving = true;
    while (serve_put(s, now) || serve_get(s, now))
        ;
    s->serving = false;
}

static kou_store_id wait_in_line(kou_store *s, op_node proto, kou_time now)
{
    uint32_t x = alloc_node(s);
    op_node *n = &s->node[x];
    uint32_t gen = n->gen;
    *n = proto;
    n->gen = gen;
    n->waiting = true;
    n->since = now;
    append(s, x);
    return (kou_store_id)gen << 32 | x;
}

kou_store_id kou_store_put(kou_store *s, uint64_t item, double priority, kou_store_fn *fn,
                           void *subject, void *object)
{
    KOU_CHECK(s != NULL && fn != NULL);
    if (isnan(priority)) {
        koui_fail(s->sim, KOU_EINVAL, "store '%s': an item's priority cannot be NaN", s->name);
        return KOU_STORE_FAILED;
    }
    kou_time now = kou_sim_now(s->sim);
    if (!s->serving && s->line[PUT].head == NIL && s->n < s->capacity) {
        add_item(s, item, priority, now);
        kou_tally_add(&s->wait[PUT], 0.0);
        s->serving = true;
        fn(s->sim, s, item, subject, object);
        s->serving = false;
        serve(s, now); /* waiting gets may take it; and what the callback asked */
        return KOU_STORE_DONE;
    }
    op_node proto = {.kind = PUT, .fn = fn, .subject = subject, .object = object,
                     .item = item, .priority = priority};
    return wait_in_line(s, proto, now);
}

/* Where a new get finds its item on the spot: the first item (FIFO,
** PRIORITY: only if no get waits) or the first it accepts (FILTER: the
** gets waiting accept none of the items, so it passes them). n if none. */
static size_t spot_item(kou_store *s, kou_store_match_fn *match, void *ctx, uint64_t *refused)
{
    if (s->kind != KOU_STORE_FILTER)
        return s->line[GET].head == NIL && s->n > 0 ? 0 : s->n;
    return find_match(s, match, ctx, refused);
}

kou_store_id kou_store_get(kou_store *s, kou_store_match_fn *match, void *ctx, kou_store_fn *fn,
                           void *subject, void *object)
{
    KOU_CHECK(s != NULL && fn != NULL);
    if (match != NULL && s->kind != KOU_STORE_FILTER) {
        koui_fail(s->sim, KOU_EINVAL, "store '%s': only a filter store takes a match function",
                  s->name);
        return KOU_STORE_FAILED;
    }
    kou_time now = kou_sim_now(s->sim);
    uint64_t refused = 0;
    size_t i = s->serving ? s->n : spot_item(s, match, ctx, &refused);
    if (i < s->n) {
        slot it = remove_item(s, i, now);
        kou_tally_add(&s->wait[GET], 0.0);
        s->serving = true;
        fn(s->sim, s, it.item, subject, object);
        s->serving = false;
        serve(s, now); /* a waiting put may come in; and what the callback asked */
        return KOU_STORE_DONE;
    }
    op_node proto = {.kind = GET, .fn = fn, .subject = subject, .object = object,
                     .match = match, .ctx = ctx, .refused = refused};
    return wait_in_line(s, proto, now);
}

bool kou_store_cancel(kou_store *s, kou_store_id id)
{
    KOU_CHECK(s != NULL);
    uint32_t x = (uint32_t)(id & 0xffffffffu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (x >= s->n_node || !s->node[x].waiting || s->node[x].gen != gen)
        return false;
    /* Nothing else can move: a put waits only while the store is full, a
    ** FIFO or PRIORITY get only while it is empty, and FILTER gets do not
    ** hold each other up. */
    s->cancelled[s->node[x].kind]++;
    unlink_node(s, x);
    free_node(s, x);
    return true;
}

/* ---- queries ---- */

const char *kou_store_name(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return s->name;
}

kou_store_kind kou_store_kind_of(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return s->kind;
}

size_t kou_store_capacity(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return s->capacity;
}

size_t kou_store_size(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return s->n;
}

size_t kou_store_puts_waiting(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return s->line[PUT].len;
}

size_t kou_store_gets_waiting(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return s->line[GET].len;
}

size_t kou_store_items(const kou_store *s, uint64_t *out, size_t max)
{
    KOU_CHECK(s != NULL && (out != NULL || max == 0));
    for (size_t i = 0; i < s->n && i < max; i++)
        out[i] = s->items[s->first + i].item;
    return s->n;
}

const kou_timeavg *kou_store_size_stats(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return &s->size_avg;
}

double kou_store_mean_size(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return kou_timeavg_mean(&s->size_avg, kou_sim_now(s->sim));
}

const kou_tally *kou_store_put_wait_stats(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return &s->wait[PUT];
}

const kou_tally *kou_store_get_wait_stats(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return &s->wait[GET];
}

const kou_tally *kou_store_stay_stats(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return &s->stay;
}

uint64_t kou_store_puts_cancelled(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return s->cancelled[PUT];
}

uint64_t kou_store_gets_cancelled(const kou_store *s)
{
    KOU_CHECK(s != NULL);
    return s->cancelled[GET];
}

void kou_store_reset_stats(kou_store *s)
{
    KOU_CHECK(s != NULL);
    kou_timeavg_reset(&s->size_avg, kou_sim_now(s->sim));
    for (int k = 0; k < 2; k++) {
        kou_tally_init(&s->wait[k]);
        s->cancelled[k] = 0;
    }
    kou_tally_init(&s->stay);
}
