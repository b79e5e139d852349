#include "container.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* No node: the end of a list. */
#define NIL UINT32_MAX

enum { PUT = 0, GET = 1 };

/* A waiting put or get. Nodes live in one array (indices, since the array
** moves when it grows); free ones are chained through next. */
typedef struct op_node {
    uint32_t prev, next;
    uint32_t gen;   /* bumped at every free, so old ids go stale */
    bool waiting;
    uint8_t kind;   /* PUT or GET: the line it waits in */
    double amount;
    kou_time since; /* call time, for the waiting-time tallies */
    kou_container_fn *fn;
    void *subject, *object;
} op_node;

typedef struct op_line {
    uint32_t head, tail;
    size_t len;
} op_line;

struct kou_container {
    kou_sim *sim;
    char *name;
    double capacity, level;
    bool integer;
    bool serving; /* a callback or the serving loop is running */

    op_node *node;
    uint32_t n_node, free_head;
    op_line line[2]; /* [PUT], [GET] */

    kou_timeavg level_avg;
    kou_tally wait[2];
    double moved[2]; /* amounts put and got */
    uint64_t cancelled[2];
};

/* ---- life cycle ---- */

static void container_free(void *obj)
{
    kou_container *c = obj;
    free(c->node);
    free(c->name);
    free(c);
}

static bool is_whole(double x)
{
    return x == floor(x);
}

kou_container *kou_container_new(kou_sim *sim, const char *name, double capacity, double init,
                                 bool integer)
{
    KOU_CHECK(sim != NULL);
    if (name == NULL || name[0] == '\0') {
        koui_fail(sim, KOU_EINVAL, "a container needs a non-empty name");
        return NULL;
    }
    if (!(capacity > 0.0)) { /* NaN too */
        koui_fail(sim, KOU_EINVAL, "container '%s': capacity must be > 0 (got %g)", name, capacity);
        return NULL;
    }
    if (!(init >= 0.0 && init <= capacity) || isinf(init)) {
        koui_fail(sim, KOU_EINVAL, "container '%s': initial level must be in [0, %g] (got %g)", name,
                  capacity, init);
        return NULL;
    }
    if (integer && ((isfinite(capacity) && !is_whole(capacity)) || !is_whole(init))) {
        koui_fail(sim, KOU_EINVAL,
                  "container '%s': an integer container needs a whole capacity and initial level "
                  "(got %g and %g)", name, capacity, init);
        return NULL;
    }
    kou_container *c = koui_calloc(1, sizeof *c);
    kou_time now = kou_sim_now(sim);
    c->sim = sim;
    c->name = koui_strdup(name);
    c->capacity = capacity;
    c->level = init;
    c->integer = integer;
    c->free_head = NIL;
    for (int k = 0; k < 2; k++) {
        c->line[k].head = c->line[k].tail = NIL;
        kou_tally_init(&c->wait[k]);
    }
    kou_timeavg_init(&c->level_avg, now, init);
    koui_sim_own(sim, c, container_free);
    return c;
}

/* ---- node pool and lines ---- */

static uint32_t alloc_node(kou_container *c)
{
    if (KOU_UNLIKELY(c->free_head == NIL)) {
        uint32_t old = c->n_node;
        uint32_t grown = old ? 2 * old : 16;
        KOU_CHECK(old < NIL / 2); /* 2^31 waiting operations */
        c->node = koui_realloc(c->node, (size_t)grown * sizeof *c->node);
        for (uint32_t i = old; i < grown; i++) {
            c->node[i].gen = 1;
            c->node[i].waiting = false;
            c->node[i].next = i + 1 < grown ? i + 1 : NIL;
        }
        c->free_head = old;
        c->n_node = grown;
    }
    uint32_t x = c->free_head;
    c->free_head = c->node[x].next;
    return x;
}

static void free_node(kou_container *c, uint32_t x)
{
    op_node *n = &c->node[x];
    n->waiting = false;
    if (++n->gen == 0)
        n->gen = 1; /* keep ids non-zero */
    n->next = c->free_head;
    c->free_head = x;
}

static void append(kou_container *c, uint32_t x)
{
    op_node *n = &c->node[x];
    op_line *l = &c->line[n->kind];
    n->prev = l->tail;
    n->next = NIL;
    if (l->tail == NIL)
        l->head = x;
    else
        c->node[l->tail].next = x;
    l->tail = x;
    l->len++;
}

static void unlink_node(kou_container *c, uint32_t x)
{
    const op_node *n = &c->node[x];
    op_line *l = &c->line[n->kind];
    if (n->prev == NIL)
        l->head = n->next;
    else
        c->node[n->prev].next = n->next;
    if (n->next != NIL)
        c->node[n->next].prev = n->prev;
    else
        l->tail = n->prev;
    l->len--;
}

/* ---- completing ---- */

static bool fits(const kou_container *c, int kind, double amount)
{
    return kind == PUT ? c->level + amount <= c->capacity : amount <= c->level;
}

/* The level moves and the statistics record it; the caller runs the
** callback (with serving set). */
static void apply(kou_container *c, int kind, double amount, kou_time since, kou_time now)
{
    c->level = kind == PUT ? c->level + amount : c->level - amount; /* >= 0: amount <= level */
    c->moved[kind] += amount;
    kou_tally_add(&c->wait[kind], now - since);
    kou_timeavg_set(&c->level_avg, now, c->level);
}

/* Completes the head of line kind if it can proceed. The node is freed
** before the callback, which may put or get again. */
static bool serve_head(kou_container *c, int kind, kou_time now)
{
    uint32_t x = c->line[kind].head;
    if (x == NIL || !fits(c, kind, c->node[x].amount))
        return false;
    op_node n = c->node[x];
    unlink_node(c, x);
    free_node(c, x);
    apply(c, kind, n.amount, n.since, now);
    n.fn(c->sim, c, n.amount, n.subject, n.object);
    return true;
}

/* Serves both lines, puts first, until neither can move. The head is read
** afresh at every step, since callbacks may put, get and cancel. */
static void serve(kou_container *c, kou_time now)
{
    KOU_ASSERT(!c->serving);
    c->serving = true;
    for (;;) {
        bool moved = false;
        while (serve_head(c, PUT, now))
            moved = true;
        while (serve_head(c, GET, now))
            moved = true;
        if (!moved)
            break;
    }
    c->serving = false;
}

static bool bad_amount(kou_container *c, const char *what, double amount)
{
    if (amount > 0.0 && isfinite(amount) && amount <= c->capacity &&
        (!c->integer || is_whole(amount)))
        return false;
    koui_fail(c->sim, KOU_EINVAL,
              "container '%s': cannot %s %g (amounts must be > 0, finite, at most the capacity %g%s)",
              c->name, what, amount, c->capacity, c->integer ? " and whole" : "");
    return true;
}

static kou_container_id submit(kou_container *c, int kind, double amount, kou_container_fn *fn,
                               void *subject, void *object)
{
    KOU_CHECK(c != NULL && fn != NULL);
    if (bad_amount(c, kind == PUT ? "put" : "get", amount))
        return KOU_CONTAINER_FAILED;
    kou_time now = kou_sim_now(c->sim);
    if (!c->serving && c->line[kind].head == NIL && fits(c, kind, amount)) {
        apply(c, kind, amount, now, now);
        c->serving = true;
        fn(c->sim, c, amount, subject, object);
        c->serving = false;
        serve(c, now); /* the other line may move now; and what the callback asked */
        return KOU_CONTAINER_DONE;
    }
    uint32_t x = alloc_node(c);
    op_node *n = &c->node[x];
    n->waiting = true;
    n->kind = (uint8_t)kind;
    n->amount = amount;
    n->since = now;
    n->fn = fn;
    n->subject = subject;
    n->object = object;
    append(c, x);
    return (kou_container_id)n->gen << 32 | x;
}

kou_container_id kou_container_put(kou_container *c, double amount, kou_container_fn *fn,
                                   void *subject, void *object)
{
    return submit(c, PUT, amount, fn, subject, object);
}

kou_container_id kou_container_get(kou_container *c, double amount, kou_container_fn *fn,
                                   void *subject, void *object)
{
    return submit(c, GET, amount, fn, subject, object);
}

bool kou_container_cancel(kou_container *c, kou_container_id id)
{
    KOU_CHECK(c != NULL);
    uint32_t x = (uint32_t)(id & 0xffffffffu);
    uint32_t gen = (uint32_t)(id >> 32);
    if (x >= c->n_node || !c->node[x].waiting || c->node[x].gen != gen)
        return false;
    int kind = c->node[x].kind;
    bool was_head = c->line[kind].head == x;
    unlink_node(c, x);
    free_node(c, x);
    c->cancelled[kind]++;
    if (was_head && !c->serving)
        serve(c, kou_sim_now(c->sim)); /* the next one may fit */
    return true;
}

/* ---- queries ---- */

const char *kou_container_name(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->name;
}

double kou_container_level(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->level;
}

double kou_container_capacity(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->capacity;
}

bool kou_container_is_integer(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->integer;
}

size_t kou_container_puts_waiting(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->line[PUT].len;
}

size_t kou_container_gets_waiting(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->line[GET].len;
}

const kou_timeavg *kou_container_level_stats(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return &c->level_avg;
}

double kou_container_mean_level(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return kou_timeavg_mean(&c->level_avg, kou_sim_now(c->sim));
}

const kou_tally *kou_container_put_wait_stats(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return &c->wait[PUT];
}

const kou_tally *kou_container_get_wait_stats(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return &c->wait[GET];
}

double kou_container_amount_put(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->moved[PUT];
}

double kou_container_amount_got(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->moved[GET];
}

uint64_t kou_container_puts_cancelled(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->cancelled[PUT];
}

uint64_t kou_container_gets_cancelled(const kou_container *c)
{
    KOU_CHECK(c != NULL);
    return c->cancelled[GET];
}

void kou_container_reset_stats(kou_container *c)
{
    KOU_CHECK(c != NULL);
    kou_time now = kou_sim_now(c->sim);
    kou_timeavg_reset(&c->level_avg, now);
    for (int k = 0; k < 2; k++) {
        kou_tally_init(&c->wait[k]);
        c->moved[k] = 0.0;
        c->cancelled[k] = 0;
    }
}
