/*
** resource.h — a capacity-limited resource (document reviewers, a scanner,
** inspection bays) with a waiting line, an optional calendar of opening
** hours, and the statistics of both: time-averaged queue length and busy
** servers, waiting times, and the number of services completed.
**
** The simulation owns every resource (kou_sim_free releases it). The
** resource owns its waiting line, whose nodes come from a pool inside it:
** once the pool has grown to the longest line, requests allocate nothing.
** subject and object given to a request are borrowed and handed back to
** the grant callback untouched.
**
** Granting is synchronous, with no kernel event per grant: when a request
** finds a server free, its callback runs before kou_resource_request
** returns; otherwise the callback runs later from inside the
** kou_resource_release (or the calendar opening) that frees a server for
** it. Callbacks may call request, release and cancel on any resource.
** Grant callbacks of one resource never nest: a request made from inside
** a grant callback of the same resource joins the line and is granted by
** the resource's grant loop right after that callback returns (same
** instant, line order), so a long line emptied by zero-length services
** does not grow the C stack. A new request never overtakes requests
** already waiting.
**
** Capacity. Without a calendar the resource has a fixed capacity >= 1.
** With a calendar the capacity at time t is the calendar's, and the
** capacity argument must be 0 (it would otherwise say two things).
**
** Closing-time policy. The resource never takes a server away from work in
** progress: when the calendar closes (capacity -> 0) or drops (a shift
** going from 4 to 2 servers), requests already granted keep their servers
** until they release them, and no request is granted until busy falls
** below the new capacity. Models that compute completion times with
** kou_resource_work_end get preempt-resume semantics: work not finished at
** closing pauses and resumes at the next opening (a 1-hour job started at
** 17:00 at an office closing at 17:30 and opening at 08:30 ends at 09:00 on
** the next working day). Requests waiting at closing stay in line, in
** their order, and are granted at the next opening up to the capacity
** then. At a capacity change and at a release at the same instant, the
** change counts first: a server freed at 12:00 by an office closing at
** 12:00 takes no new work. While requests wait, the resource keeps one
** kernel event pending at the calendar's next change, to grant them when
** it opens; with an empty line, or a fixed capacity, or a 7x24 calendar,
** it keeps none, so kou_sim_run still ends when the model's own events
** run out.
**
** Preemption. A priority resource without a calendar can be made
** preemptive (kou_resource_set_preemptive, before any request). It then
** knows its holders, and the request at the head of its line, when no
** server is free, takes the server of the holder of lowest priority
** (among equals the latest granted) if that priority is strictly lower
** than its own. So does a new request: it joins the line, and preempts if
** it is at its head. The victim stops holding the server at once (it must
** not release it), the resource's preempt callback runs with the victim's
** subject and object, the preemptor's, and the victim's grant time, and
** then the preemptor's grant callback runs: both before the call that
** caused them (request, release_held, cancel) returns. A request made from
** the preempt callback (preempt-resume: asking again for the remaining
** work) joins the line behind requests of its priority already there.
** Holders release by naming themselves (kou_resource_release_held, by
** subject and object); kou_resource_release is refused. A completed
** service counts in served, a preempted one in preempted only.
*/
#ifndef KOUAN_KERNEL_RESOURCE_H
#define KOUAN_KERNEL_RESOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "base.h"
#include "calendar.h"
#include "sim.h"
#include "stats.h"

typedef struct kou_resource kou_resource;

typedef enum kou_queue_discipline {
    KOU_QUEUE_FIFO = 0,    /* first come, first served; priorities ignored */
    KOU_QUEUE_PRIORITY = 1 /* higher priority first; FIFO within a priority */
} kou_queue_discipline;

/* Identifies a waiting request for kou_resource_cancel. */
typedef uint64_t kou_request_id;
/* Returned by a request granted on the spot (its callback has already run);
** there is nothing left to cancel, and cancel returns false for it. */
#define KOU_REQUEST_GRANTED (~(kou_request_id)0)

/* Called when the request is granted: from then on the requester holds one
** server until it calls kou_resource_release. */
typedef void kou_grant_fn(kou_sim *sim, kou_resource *res, void *subject, void *object);

/* What a preempt callback is told: the holder that lost its server and the
** request that took it, with what each gave to kou_resource_request. */
typedef struct kou_preemption {
    void *subject, *object;       /* the preempted holder's */
    int priority;                 /* its priority */
    kou_time usage_since;         /* when it was granted the server */
    void *by_subject, *by_object; /* the preempting request's */
    int by_priority;              /* its priority (> priority) */
} kou_preemption;
/* Called when a holder is preempted; p is valid during the call only. It
** may call request, release_held and cancel on any resource. */
typedef void kou_preempt_fn(kou_sim *sim, kou_resource *res, const kou_preemption *p);

/* ---- creation ---- */
/* cal NULL: capacity >= 1 servers, always open. cal given: capacity must be
** 0 and the calendar (of the same simulation) gives the capacity; the
** calendar accepts no more hours or holidays afterwards. Returns NULL and
** sets the message (naming the resource) on bad input. */
kou_resource *kou_resource_new(kou_sim *sim, const char *name, int capacity,
                               kou_queue_discipline discipline, kou_calendar *cal);

/* ---- requests ---- */
/* Asks for one server. With KOU_QUEUE_PRIORITY, higher 'priority' is served
** first. Returns the id of the waiting request, or KOU_REQUEST_GRANTED when
** fn has already run. fn must not be NULL. */
kou_request_id kou_resource_request(kou_resource *r, int priority, kou_grant_fn *fn,
                                    void *subject, void *object);
/* Withdraws a waiting request (reneging); its callback will never run.
** False if it was already granted or cancelled, or id is not this
** resource's. */
bool kou_resource_cancel(kou_resource *r, kou_request_id id);
/* Gives back one server held by a granted request, and grants waiting
** requests if servers are free and the resource is open. Releasing with no
** server busy, or on a preemptive resource, is a bug (checked). */
void kou_resource_release(kou_resource *r);
/* ---- preemption ---- */
/* Makes r preemptive, with fn (not NULL) called for each preemption.
** KOU_EINVAL for a FIFO resource or one with a calendar (the closing-time
** policy keeps work in progress, preemption takes it: not both);
** KOU_ESTATE once a server is held or a request waits. */
kou_status kou_resource_set_preemptive(kou_resource *r, kou_preempt_fn *fn);
bool kou_resource_is_preemptive(const kou_resource *r);
/* On a preemptive resource only (checked): gives back the server held by
** the holder granted with this subject and object (if several, the one
** that would be preempted first), and grants waiting requests. False if
** none holds one, for example because it was preempted: nothing changes.
** Linear in the number of servers held. */
bool kou_resource_release_held(kou_resource *r, const void *subject, const void *object);

/* When work of work_hours started at 'start' is done under the closing-time
** policy: the calendar's kou_calendar_advance, or start + work_hours
** without a calendar. NaN with a message for negative or NaN work. */
kou_time kou_resource_work_end(const kou_resource *r, kou_time start, double work_hours);

/* ---- queries ---- */
const char *kou_resource_name(const kou_resource *r);
const kou_calendar *kou_resource_calendar(const kou_resource *r); /* NULL if none */
int kou_resource_busy(const kou_resource *r);                     /* servers held now */
size_t kou_resource_queue_length(const kou_resource *r);          /* requests waiting */
/* Servers open now (0 while closed). busy may exceed it after a drop. */
int kou_resource_capacity(const kou_resource *r);

/* ---- statistics (since creation or the last reset) ---- */
/* Waiting time (grant time - request time, hours) of every granted request,
** 0 for a request granted on the spot; its count n is the number granted. */
const kou_tally *kou_resource_wait_stats(const kou_resource *r);
/* Time-weighted queue length and busy servers. For the mean up to now use
** kou_resource_mean_queue / _mean_busy, or kou_timeavg_mean(a, now). */
const kou_timeavg *kou_resource_queue_stats(const kou_resource *r);
const kou_timeavg *kou_resource_busy_stats(const kou_resource *r);
double kou_resource_mean_queue(const kou_resource *r);
double kou_resource_mean_busy(const kou_resource *r);
/* Number of releases (services completed; a preempted service is not). */
uint64_t kou_resource_served_count(const kou_resource *r);
/* Number of holders preempted (0 unless preemptive). */
uint64_t kou_resource_preempted_count(const kou_resource *r);
/* Starts every statistic afresh at the current time, keeping the current
** queue and busy levels (warm-up deletion). Requests already waiting count
** their whole wait when granted. */
void kou_resource_reset_stats(kou_resource *r);

#endif
