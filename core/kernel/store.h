/*
** store.h — a store of items (containers in a yard waiting for a train,
** files waiting for an officer): puts add one item each, waiting while the
** store is full; gets take one, waiting while there is none (or none they
** accept); and the statistics: time-averaged number of items, waits of
** completed puts and gets, time items spent in the store, counts,
** withdrawals.
**
** Items are opaque uint64_t handles chosen by the caller (an index, a
** reference), each put with a double priority. The store never looks
** inside them; a scripting layer that keeps objects behind the handles
** owns them (kou_store_items lists those still inside). The simulation
** owns every store (kou_sim_free releases it). Waiting puts and gets take
** nodes from a pool, and items live in one array, both kept at their
** largest size: in steady state nothing is allocated.
**
** Kinds. KOU_STORE_FIFO: items leave in the order they came in.
** KOU_STORE_PRIORITY: the highest priority leaves first, FIFO among equal
** priorities. KOU_STORE_FILTER: each get carries a match function and
** takes the first item, in the order they came in, that it accepts; a get
** that accepts none waits without holding up later gets (as SimPy 3's
** FilterStore).
**
** Order. Waiting puts enter in arrival order when room is made (one put
** never passes another). Under FIFO and PRIORITY waiting gets are served
** in arrival order; under FILTER the earliest waiting get that accepts a
** newly arrived item takes it. As in container.h, completing is
** synchronous, with no kernel event: a put or get that can proceed
** completes at once, its callback running before the call returns (which
** returns KOU_STORE_DONE); otherwise it runs later from inside the put or
** get of this store that makes it possible. A completed get can let a put
** in and a put can serve a get, in a loop at the same instant (waiting
** puts first, then gets), without growing the C stack: callbacks of one
** store never nest; a put or get made from inside one joins its line and
** is served by the loop right after that callback returns. Callbacks may
** call put, get and cancel on any store.
**
** Match functions. match(ctx, item) is called only from inside
** kou_store_put and kou_store_get of the store the get belongs to (never
** from cancel, never from an event, never re-entered for the same store),
** at most once for each pair of a waiting get and an item: the store
** remembers which items a waiting get has refused. So its answer must
** depend only on ctx and the item, and it must not call this store (put,
** get, cancel or a query that could see a half-done change); a scripting
** layer calling user code from it must forbid that, and must not let an
** error unwind through the store (catch it and answer false).
*/
#ifndef KOUAN_KERNEL_STORE_H
#define KOUAN_KERNEL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "sim.h"
#include "stats.h"

typedef struct kou_store kou_store;

typedef enum kou_store_kind {
    KOU_STORE_FIFO = 0,     /* first in, first out */
    KOU_STORE_PRIORITY = 1, /* highest priority first; FIFO among equals */
    KOU_STORE_FILTER = 2    /* each get takes the first item its match accepts */
} kou_store_kind;

/* A store without a limit on the number of items. */
#define KOU_STORE_UNLIMITED SIZE_MAX

/* Identifies a waiting put or get for kou_store_cancel. */
typedef uint64_t kou_store_id;
/* Returned by a put or get completed on the spot (its callback has run). */
#define KOU_STORE_DONE (~(kou_store_id)0)
/* Returned for bad input (the message is on the simulation). */
#define KOU_STORE_FAILED ((kou_store_id)0)

/* Called when a put completes (item is now in the store) or a get
** completes (item has left it and is the getter's). */
typedef void kou_store_fn(kou_sim *sim, kou_store *s, uint64_t item, void *subject, void *object);
/* True if a get accepts item. See "Match functions" above. */
typedef bool kou_store_match_fn(void *ctx, uint64_t item);

/* ---- creation ---- */
/* capacity >= 1 items, or KOU_STORE_UNLIMITED. Returns NULL and sets the
** message (naming the store) on bad input. */
kou_store *kou_store_new(kou_sim *sim, const char *name, size_t capacity, kou_store_kind kind);

/* ---- puts and gets ---- */
/* Puts item (with priority, used by a PRIORITY store; not NaN) once there
** is room, behind the puts already waiting. Returns the id of the waiting
** put, KOU_STORE_DONE when fn has already run, or KOU_STORE_FAILED with a
** message for a NaN priority. fn must not be NULL. */
kou_store_id kou_store_put(kou_store *s, uint64_t item, double priority, kou_store_fn *fn,
                           void *subject, void *object);
/* Takes an item: under FIFO and PRIORITY match must be NULL
** (KOU_STORE_FAILED otherwise); under FILTER match NULL accepts any item.
** Returns as kou_store_put. */
kou_store_id kou_store_get(kou_store *s, kou_store_match_fn *match, void *ctx, kou_store_fn *fn,
                           void *subject, void *object);
/* Withdraws a waiting put or get (reneging); its callback will never run
** (a withdrawn put's item never enters). False if it already completed or
** was cancelled, or id is not this store's. Runs no callback. */
bool kou_store_cancel(kou_store *s, kou_store_id id);

/* ---- queries ---- */
const char *kou_store_name(const kou_store *s);
kou_store_kind kou_store_kind_of(const kou_store *s);
size_t kou_store_capacity(const kou_store *s);
size_t kou_store_size(const kou_store *s); /* items in the store now */
size_t kou_store_puts_waiting(const kou_store *s);
size_t kou_store_gets_waiting(const kou_store *s);
/* Copies up to max of the items in the store into out and returns how many
** are in it: in the order gets would take them under FIFO and FILTER, in
** no particular order under PRIORITY. */
size_t kou_store_items(const kou_store *s, uint64_t *out, size_t max);

/* ---- statistics (since creation or the last reset) ---- */
/* Time-weighted number of items (min and max too); the mean up to now is
** kou_store_mean_size. */
const kou_timeavg *kou_store_size_stats(const kou_store *s);
double kou_store_mean_size(const kou_store *s);
/* Waits (completion time - call time, hours; 0 on the spot) of the
** completed puts and gets; their n are the numbers completed. */
const kou_tally *kou_store_put_wait_stats(const kou_store *s);
const kou_tally *kou_store_get_wait_stats(const kou_store *s);
/* Time each item taken by a get had spent in the store (from its put's
** completion). */
const kou_tally *kou_store_stay_stats(const kou_store *s);
uint64_t kou_store_puts_cancelled(const kou_store *s);
uint64_t kou_store_gets_cancelled(const kou_store *s);
/* Starts every statistic afresh at the current time, keeping the items and
** the lines (warm-up deletion). */
void kou_store_reset_stats(kou_store *s);

#endif
