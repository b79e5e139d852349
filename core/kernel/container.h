/*
** container.h — a level between 0 and a capacity (free pallet places in a
** bonded warehouse, fuel in a tank, a pool of cranes counted as a number)
** that puts raise and gets lower, each waiting while it cannot proceed, and
** the statistics of both: time-averaged level, waits of completed puts and
** gets, counts, withdrawals.
**
** The simulation owns every container (kou_sim_free releases it). The
** container owns its two waiting lines, whose nodes come from a pool inside
** it: once the pool has grown to the longest lines, puts and gets allocate
** nothing. subject and object are borrowed and handed back to the callback
** untouched.
**
** Levels are doubles, compared exactly: a put of a fits while level + a <=
** capacity, a get of a while a <= level. Amounts that are not binary
** fractions (0.1) accumulate rounding; an integer container (every amount,
** the capacity and the initial level whole numbers, checked) counts
** exactly up to 2^53. The capacity may be +infinity.
**
** Order. Waiting puts are served strictly in arrival order, and so are
** waiting gets (no overtaking, as SimPy 3's Container): a put that does not
** fit blocks the puts behind it even if they would fit; a new put never
** passes puts already waiting. Completing is synchronous, with no kernel
** event: a put or get that can proceed completes at once, its callback
** running before the call returns (which then returns KOU_CONTAINER_DONE);
** otherwise the callback runs later from inside the put, get or cancel (of
** this container) that makes room or level for it. A completed get can
** unblock puts and a completed put gets, in a loop at the same instant
** (puts first, then gets, until neither line can move), without growing
** the C stack: callbacks of one container never nest, and a put or get
** made from inside one joins its line and is served by the loop right
** after that callback returns. Callbacks may call put, get and cancel on
** any container.
*/
#ifndef KOUAN_KERNEL_CONTAINER_H
#define KOUAN_KERNEL_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "sim.h"
#include "stats.h"

typedef struct kou_container kou_container;

/* Identifies a waiting put or get for kou_container_cancel. */
typedef uint64_t kou_container_id;
/* Returned by a put or get completed on the spot (its callback has already
** run): there is nothing left to cancel. */
#define KOU_CONTAINER_DONE (~(kou_container_id)0)
/* Returned for bad input (the message is on the simulation). */
#define KOU_CONTAINER_FAILED ((kou_container_id)0)

/* Called when a put or get completes (the level has changed by amount). */
typedef void kou_container_fn(kou_sim *sim, kou_container *c, double amount, void *subject,
                              void *object);

/* ---- creation ---- */
/* capacity > 0 (may be +infinity), 0 <= init <= capacity; integer: both
** whole (capacity may still be +infinity). Returns NULL and sets the
** message (naming the container) on bad input. */
kou_container *kou_container_new(kou_sim *sim, const char *name, double capacity, double init,
                                 bool integer);

/* ---- puts and gets ---- */
/* Adds amount (> 0, finite, <= capacity; whole for an integer container)
** once it fits behind the puts already waiting. Returns the id of the
** waiting put, KOU_CONTAINER_DONE when fn has already run, or
** KOU_CONTAINER_FAILED with a message for a bad amount. fn must not be
** NULL. */
kou_container_id kou_container_put(kou_container *c, double amount, kou_container_fn *fn,
                                   void *subject, void *object);
/* Takes amount (same rules) once the level holds it, behind the gets
** already waiting. */
kou_container_id kou_container_get(kou_container *c, double amount, kou_container_fn *fn,
                                   void *subject, void *object);
/* Withdraws a waiting put or get (reneging); its callback will never run.
** False if it already completed or was cancelled, or id is not this
** container's. Withdrawing the put (get) at the head of its line may let
** the next ones complete: their callbacks run inside this call. */
bool kou_container_cancel(kou_container *c, kou_container_id id);

/* ---- queries ---- */
const char *kou_container_name(const kou_container *c);
double kou_container_level(const kou_container *c);
double kou_container_capacity(const kou_container *c);
bool kou_container_is_integer(const kou_container *c);
size_t kou_container_puts_waiting(const kou_container *c);
size_t kou_container_gets_waiting(const kou_container *c);

/* ---- statistics (since creation or the last reset) ---- */
/* Time-weighted level (min and max too); the mean up to now is
** kou_container_mean_level. */
const kou_timeavg *kou_container_level_stats(const kou_container *c);
double kou_container_mean_level(const kou_container *c);
/* Waits (completion time - call time, hours; 0 when on the spot) of the
** completed puts and gets; their n are the numbers completed. */
const kou_tally *kou_container_put_wait_stats(const kou_container *c);
const kou_tally *kou_container_get_wait_stats(const kou_container *c);
/* Totals of completed puts and gets (amounts), and withdrawn ones (count). */
double kou_container_amount_put(const kou_container *c);
double kou_container_amount_got(const kou_container *c);
uint64_t kou_container_puts_cancelled(const kou_container *c);
uint64_t kou_container_gets_cancelled(const kou_container *c);
/* Starts every statistic afresh at the current time, keeping the level
** (warm-up deletion). Puts and gets already waiting count their whole wait
** when they complete. */
void kou_container_reset_stats(kou_container *c);

#endif
