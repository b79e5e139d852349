/*
** sim.h — the simulation context: clock, pending-event set, pooled event
** records, the master seed, the last error, and every object the model
** creates through it.
**
** There is no global or thread-local state: every call takes a kou_sim *,
** so one process may run several simulations at once (one per thread).
** The simulation owns what is created through it (RNG streams,
** distributions, calendars, resources, statistics): kou_sim_free frees it
** all, in reverse order of creation.
**
** Events. A handler is a C function called with the subject and object
** given when it was scheduled (both borrowed, never freed by the kernel).
** Pending events fire in order of (time, priority descending, insertion
** order), so ties are deterministic: at equal time a higher priority fires
** first, and at equal priority the event scheduled first fires first.
** An event may be cancelled or rescheduled at any time before it fires,
** also from inside a handler (the record is marked dead and skipped).
** Event records come from a pool inside the simulation, so scheduling does
** not call malloc once the pool has grown to the model's working size.
*/
#ifndef KOUAN_KERNEL_SIM_H
#define KOUAN_KERNEL_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"

typedef struct kou_sim kou_sim;

/* 0 is never a valid event id. */
typedef uint64_t kou_event_id;
#define KOU_EVENT_NONE ((kou_event_id)0)

/* Priorities run from KOU_PRIORITY_MIN to KOU_PRIORITY_MAX; 0 is normal. */
#define KOU_PRIORITY_MIN (-32768)
#define KOU_PRIORITY_MAX 32767

typedef void kou_event_fn(kou_sim *sim, void *subject, void *object);

typedef struct kou_sim_config {
    uint64_t seed;       /* master seed; every RNG stream derives from it (default 1) */
    int32_t start_date;  /* calendar date of hour 0, as YYYYMMDD (default 20170102, a Monday) */
    kou_time end_time;   /* kou_sim_run stops before passing this (default: +infinity) */
    uint32_t event_hint; /* initial capacity of the event pool (default 1024) */
} kou_sim_config;

/* ---- life cycle ---- */
void kou_sim_config_default(kou_sim_config *cfg);
/* cfg may be NULL for the defaults. A config out of range returns
** KOU_EINVAL, sets *out to NULL and writes the reason into err (if not
** NULL), since there is no handle yet to hold it. */
kou_status kou_sim_new(kou_sim **out, const kou_sim_config *cfg, char *err, size_t errlen);
void kou_sim_free(kou_sim *sim); /* NULL is a no-op */

/* ---- clock and run control ---- */
kou_time kou_sim_now(const kou_sim *sim);
uint64_t kou_sim_seed(const kou_sim *sim);
int32_t kou_sim_start_date(const kou_sim *sim);
/* Runs until no event is pending, kou_sim_stop is called, or the next
** event would pass the end time (the clock is then set to the end time). */
kou_status kou_sim_run(kou_sim *sim);
/* Like kou_sim_run with end time min(config end, until): events at
** exactly that time fire. */
kou_status kou_sim_run_until(kou_sim *sim, kou_time until);
/* The same, except that events at exactly the end time do not fire (they
** stay pending), as SimPy's run(until=T): the clock then reads the end time. */
kou_status kou_sim_run_before(kou_sim *sim, kou_time until);
/* Fires the next event; returns false when none is pending. */
bool kou_sim_step(kou_sim *sim);
/* From a handler: return from kou_sim_run after this handler. */
void kou_sim_stop(kou_sim *sim);
uint64_t kou_sim_events_fired(const kou_sim *sim);
size_t kou_sim_events_pending(const kou_sim *sim);
/* Time of the next pending event, or +infinity. */
kou_time kou_sim_next_time(kou_sim *sim);

/* ---- events ---- */
/* Schedules fn(sim, subject, object) after delay hours (delay >= 0, finite).
** Returns KOU_EVENT_NONE and sets the error message for a bad delay or
** priority. */
kou_event_id kou_event_schedule(kou_sim *sim, kou_time delay, int priority,
                                kou_event_fn *fn, void *subject, void *object);
/* Same at an absolute time (time >= now). */
kou_event_id kou_event_schedule_at(kou_sim *sim, kou_time time, int priority,
                                   kou_event_fn *fn, void *subject, void *object);
/* Returns true if the event was pending and is now cancelled; false if it
** had already fired or been cancelled (not an error). */
bool kou_event_cancel(kou_sim *sim, kou_event_id ev);
/* Moves a pending event to a new absolute time, keeping its priority,
** handler and arguments. Returns the event's new id (the old id is then
** spent), or KOU_EVENT_NONE with a message if it was not pending or the
** time is in the past. */
kou_event_id kou_event_reschedule(kou_sim *sim, kou_event_id ev, kou_time time);
bool kou_event_is_pending(const kou_sim *sim, kou_event_id ev);
/* Time an event is due, or NaN if it is not pending. Linear in the number
** of pending events (the heap keeps no index by event): for diagnostics and
** tests, not for a model's inner loop. */
kou_time kou_event_time(const kou_sim *sim, kou_event_id ev);

/* ---- errors ---- */
/* Last error message ("" if none; never NULL) and its code. */
const char *kou_sim_errmsg(const kou_sim *sim);
kou_status kou_sim_errcode(const kou_sim *sim);
void kou_sim_clear_error(kou_sim *sim);

/* ---- internal, shared by kernel modules ---- */
/* Records code and a formatted message on sim and returns code. */
kou_status koui_fail(kou_sim *sim, kou_status code, const char *fmt, ...) KOU_PRINTF(3, 4);
/* Hands obj to the simulation: free_fn(obj) runs at kou_sim_free, in
** reverse order of ownership. */
void koui_sim_own(kou_sim *sim, void *obj, void (*free_fn)(void *));
/* One pointer per kernel module that keeps per-simulation state (for
** example the table of RNG streams). Starts NULL. */
enum koui_slot { KOUI_SLOT_RNG, KOUI_SLOT_COUNT };
void **koui_sim_slot(kou_sim *sim, enum koui_slot slot);

#endif
