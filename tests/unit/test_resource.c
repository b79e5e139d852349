/* Tests of the capacity-limited resource (resource.h): grant order,
** cancellation, re-entrant callbacks, statistics, and the calendar with its
** closing-time policy. The simulation starts on Monday 2017-01-02, so day d
** is hours [24d, 24d+24) and day 0 is a Monday. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/calendar.h"
#include "kernel/resource.h"
#include "kernel/sim.h"
#include "kernel/stats.h"
#include "../tap/tap.h"

static kou_sim *new_sim(void)
{
    kou_sim *sim;
    char err[200];
    if (kou_sim_new(&sim, NULL, err, sizeof err) != KOU_OK)
        bail("cannot create simulation: %s", err);
    return sim;
}

static double at(int d, int hh, int mm)
{
    return 24.0 * d + hh + mm / 60.0;
}

/* Mon-Fri 08:30-12:00 and 13:30-17:30, 'servers' servers. */
static kou_calendar *office(kou_sim *sim, const char *name, int servers)
{
    kou_calendar *c = kou_calendar_new(sim, name);
    if (!c || kou_calendar_add_hours(c, KOU_WEEKDAYS, 8.5, 12.0, servers) != KOU_OK ||
        kou_calendar_add_hours(c, KOU_WEEKDAYS, 13.5, 17.5, servers) != KOU_OK)
        bail("cannot build calendar: %s", kou_sim_errmsg(sim));
    return c;
}

/* ---- a log of grants; each request's subject is a job ---- */

typedef struct grant_log {
    int label[20000];
    double t[20000];
    int n;
} grant_log;

typedef struct job {
    int label;
    double work;       /* hours of service; < 0: keep the server (released by hand) */
    grant_log *log;
    kou_sim *sim;
    double granted, done;
    int requeue;       /* request again this many times from the grant callback */
} job;

static void job_done(kou_sim *sim, void *subject, void *object)
{
    job *j = subject;
    kou_resource *r = object;
    j->done = kou_sim_now(sim);
    kou_resource_release(r);
}

/* Logs the grant; with work >= 0 schedules the release at the end of the
** work under the resource's calendar. */
static void on_grant(kou_sim *sim, kou_resource *r, void *subject, void *object)
{
    job *j = subject;
    (void)object;
    grant_log *log = j->log;
    j->granted = kou_sim_now(sim);
    if (log && log->n < 20000) {
        log->label[log->n] = j->label;
        log->t[log->n++] = j->granted;
    }
    if (j->work >= 0.0) {
        kou_time end = kou_resource_work_end(r, j->granted, j->work);
        if (kou_event_schedule_at(sim, end, 0, job_done, j, r) == KOU_EVENT_NONE)
            bail("cannot schedule a completion: %s", kou_sim_errmsg(sim));
    }
}

static int log_is(const grant_log *log, const int *want, int n, const char *what)
{
    int good = log->n == n;
    for (int i = 0; good && i < n; i++)
        good = log->label[i] == want[i];
    if (!good) {
        char got[400] = "";
        for (int i = 0; i < log->n && i < 40; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), " %d", log->label[i]);
        diag("grant order:%s", got);
    }
    return ok(good, "%s", what);
}

static void test_fifo(void)
{
    kou_sim *sim = new_sim();
    kou_resource *r = kou_resource_new(sim, "reviewer", 1, KOU_QUEUE_FIFO, NULL);
    static grant_log log;
    log.n = 0;
    static job jobs[6];
    for (int i = 0; i < 6; i++)
        jobs[i] = (job){.label = i, .work = 1.0, .log = &log, .sim = sim};

    kou_request_id id0 = kou_resource_request(r, 0, on_grant, &jobs[0], NULL);
    ok(id0 == KOU_REQUEST_GRANTED && log.n == 1, "free server: granted before request returns");
    is_int(kou_resource_busy(r), 1, "busy 1");
    for (int i = 1; i < 6; i++) /* priorities are ignored under FIFO */
        ok(kou_resource_request(r, 10 * i, on_grant, &jobs[i], NULL) != KOU_REQUEST_GRANTED,
           "request %d waits", i);
    is_int((int64_t)kou_resource_queue_length(r), 5, "five waiting");
    kou_sim_run(sim);
    int want[6] = {0, 1, 2, 3, 4, 5};
    log_is(&log, want, 6, "FIFO: granted in request order, priorities ignored");
    int good = 1;
    for (int i = 0; i < 6; i++)
        good &= log.t[i] == (double)i;
    ok(good, "each granted when the previous one released (t = 0, 1, ..., 5)");
    is_int(kou_resource_busy(r), 0, "idle at the end");
    is_int((int64_t)kou_resource_served_count(r), 6, "served 6");
    is_string(kou_resource_name(r), "reviewer", "name");
    is_int(kou_resource_capacity(r), 1, "capacity");
    ok(kou_resource_calendar(r) == NULL, "no calendar");
    kou_sim_free(sim);
}

static void test_priority(void)
{
    kou_sim *sim = new_sim();
    kou_resource *r = kou_resource_new(sim, "inspection", 1, KOU_QUEUE_PRIORITY, NULL);
    static grant_log log;
    log.n = 0;
    static job jobs[8];
    int prio[8] = {0, 0, 5, 0, 5, 10, -1, 5};
    for (int i = 0; i < 8; i++) {
        jobs[i] = (job){.label = i, .work = 1.0, .log = &log, .sim = sim};
        kou_resource_request(r, prio[i], on_grant, &jobs[i], NULL);
    }
    kou_sim_run(sim);
    int want[8] = {0, 5, 2, 4, 7, 1, 3, 6};
    log_is(&log, want, 8, "priority: higher first, FIFO within a priority");
    kou_sim_free(sim);
}

static void test_cancel(void)
{
    kou_sim *sim = new_sim();
    kou_resource *r = kou_resource_new(sim, "bay", 1, KOU_QUEUE_PRIORITY, NULL);
    static grant_log log;
    log.n = 0;
    static job jobs[6];
    for (int i = 0; i < 6; i++)
        jobs[i] = (job){.label = i, .work = 1.0, .log = &log, .sim = sim};
    kou_request_id id[6];
    id[0] = kou_resource_request(r, 0, on_grant, &jobs[0], NULL);
    id[1] = kou_resource_request(r, 5, on_grant, &jobs[1], NULL);
    id[2] = kou_resource_request(r, 5, on_grant, &jobs[2], NULL);
    id[3] = kou_resource_request(r, 0, on_grant, &jobs[3], NULL);
    ok(kou_resource_cancel(r, id[2]), "cancel a waiting request (last of its priority)");
    ok(!kou_resource_cancel(r, id[2]), "cancelling it again: false");
    is_int((int64_t)kou_resource_queue_length(r), 2, "two left waiting");
    id[4] = kou_resource_request(r, 5, on_grant, &jobs[4], NULL);
    ok(!kou_resource_cancel(r, id[0]), "cancel of a request granted on the spot: false");
    ok(!kou_resource_cancel(r, 0), "cancel of id 0: false");
    ok(!kou_resource_cancel(r, ((kou_request_id)1 << 32) | 999u), "cancel of a bogus id: false");
    ok(kou_resource_cancel(r, id[1]), "cancel the head of the line");
    id[5] = kou_resource_request(r, 5, on_grant, &jobs[5], NULL);
    kou_sim_run(sim);
    int want[4] = {0, 4, 5, 3};
    log_is(&log, want, 4, "cancelled requests are never granted; the rest keep their order");
    ok(!kou_resource_cancel(r, id[4]), "cancel after the grant: false");
    kou_sim_free(sim);
}

/* Random requests, cancellations and releases against a reference line. */
typedef struct ref_entry {
    int label, prio, seq;
    kou_request_id id;
} ref_entry;

static uint64_t lcg = 0x2545f4914f6cdd1du;
static uint32_t rnd(uint32_t n)
{
    lcg ^= lcg << 13;
    lcg ^= lcg >> 7;
    lcg ^= lcg << 17;
    return (uint32_t)((lcg >> 11) % n);
}

static void test_random_line(kou_queue_discipline disc)
{
    kou_sim *sim = new_sim();
    kou_resource *r = kou_resource_new(sim, "random", 1, disc, NULL);
    static grant_log log;
    log.n = 0;
    static job jobs[5000];
    static ref_entry ref[5000];
    int nref = 0, busy = 0, next = 0, good = 1, granted_expected = 0;
    for (int op = 0; op < 5000 && good; op++) {
        uint32_t what = rnd(10);
        if (what < 5) { /* request */
            job *j = &jobs[next];
            *j = (job){.label = next, .work = -1.0, .log = &log, .sim = sim};
            int prio = (int)rnd(4) - 1;
            int before = log.n;
            kou_request_id id = kou_resource_request(r, prio, on_grant, j, NULL);
            if (!busy && nref == 0) {
                good &= id == KOU_REQUEST_GRANTED && log.n == before + 1 &&
                        log.label[before] == next;
                busy = 1;
                granted_expected++;
            } else {
                good &= id != KOU_REQUEST_GRANTED && log.n == before;
                ref[nref++] = (ref_entry){next, disc == KOU_QUEUE_PRIORITY ? prio : 0, next, id};
            }
            next++;
        } else if (what < 7) { /* cancel a random waiting request */
            if (nref == 0)
                continue;
            int k = (int)rnd((uint32_t)nref);
            good &= kou_resource_cancel(r, ref[k].id);
            good &= !kou_resource_cancel(r, ref[k].id);
            memmove(&ref[k], &ref[k + 1], (size_t)(nref - k - 1) * sizeof ref[0]);
            nref--;
        } else if (busy) { /* release: the best waiting request is granted */
            int before = log.n;
            kou_resource_release(r);
            if (nref == 0) {
                busy = 0;
                good &= log.n == before;
            } else {
                int best = 0;
                for (int k = 1; k < nref; k++)
                    if (ref[k].prio > ref[best].prio)
                        best = k;
                good &= log.n == before + 1 && log.label[before] == ref[best].label;
                memmove(&ref[best], &ref[best + 1], (size_t)(nref - best - 1) * sizeof ref[0]);
                nref--;
                granted_expected++;
            }
        }
        good &= (int)kou_resource_queue_length(r) == nref && kou_resource_busy(r) == busy;
        if (!good)
            diag("mismatch at operation %d", op);
    }
    ok(good, "%s: 5000 random requests/cancels/releases match a reference line",
       disc == KOU_QUEUE_FIFO ? "FIFO" : "priority");
    is_int(log.n, granted_expected, "grant count matches");
    kou_sim_free(sim);
}

/* ---- re-entrancy ---- */

typedef struct trace {
    char s[400];
} trace;

static trace tr;

static void grant_then_release(kou_sim *sim, kou_resource *r, void *subject, void *object)
{
    job *j = subject;
    (void)sim;
    (void)object;
    j->log->label[j->log->n++] = j->label;
    if (j->requeue > 0) {
        j->requeue--;
        kou_resource_request(r, 0, grant_then_release, j, NULL);
    }
    kou_resource_release(r); /* zero-length service */
}

static void grant_nested(kou_sim *sim, kou_resource *r, void *subject, void *object)
{
    job *j = subject;
    (void)sim;
    (void)object;
    snprintf(tr.s + strlen(tr.s), sizeof tr.s - strlen(tr.s), "%d<", j->label);
    if (j->requeue > 0) {
        j->requeue--;
        job *other = j + 1;
        kou_request_id id = kou_resource_request(r, 0, grant_nested, other, NULL);
        snprintf(tr.s + strlen(tr.s), sizeof tr.s - strlen(tr.s), "%s",
                 id == KOU_REQUEST_GRANTED ? "G" : "W");
    }
    snprintf(tr.s + strlen(tr.s), sizeof tr.s - strlen(tr.s), ">%d ", j->label);
}

static void test_reentrant(void)
{
    kou_sim *sim = new_sim();
    static grant_log log;
    static job jobs[1001];

    /* A long line of zero-length services emptied from one release. */
    kou_resource *r = kou_resource_new(sim, "desk", 1, KOU_QUEUE_FIFO, NULL);
    log.n = 0;
    job holder = {.label = -1, .work = -1.0, .sim = sim};
    kou_resource_request(r, 0, on_grant, &holder, NULL);
    for (int i = 0; i < 1000; i++) {
        jobs[i] = (job){.label = i, .log = &log, .sim = sim};
        kou_resource_request(r, 0, grant_then_release, &jobs[i], NULL);
    }
    kou_resource_release(r);
    int good = log.n == 1000;
    for (int i = 0; good && i < 1000; i++)
        good = log.label[i] == i;
    ok(good, "1000 waiting zero-length services granted in order from one release");
    ok(kou_resource_busy(r) == 0 && kou_resource_queue_length(r) == 0, "then idle and empty");
    is_int((int64_t)kou_resource_served_count(r), 1001, "1001 served");

    /* Callbacks that request again join the back of the line. */
    kou_resource *q = kou_resource_new(sim, "desk2", 1, KOU_QUEUE_FIFO, NULL);
    log.n = 0;
    kou_resource_request(q, 0, on_grant, &holder, NULL);
    jobs[0] = (job){.label = 0, .log = &log, .sim = sim, .requeue = 2};
    jobs[1] = (job){.label = 1, .log = &log, .sim = sim, .requeue = 2};
    kou_resource_request(q, 0, grant_then_release, &jobs[0], NULL);
    kou_resource_request(q, 0, grant_then_release, &jobs[1], NULL);
    kou_resource_release(q);
    int want[6] = {0, 1, 0, 1, 0, 1};
    log_is(&log, want, 6, "re-requests from grant callbacks take turns at the back of the line");
    ok(kou_resource_busy(q) == 0, "then idle");

    /* A request from inside a grant callback of the same resource waits
    ** for the callback to return, then is granted before the outer request
    ** returns. */
    kou_resource *p = kou_resource_new(sim, "pair", 2, KOU_QUEUE_FIFO, NULL);
    tr.s[0] = '\0';
    jobs[0] = (job){.label = 0, .sim = sim, .requeue = 1};
    jobs[1] = (job){.label = 1, .sim = sim, .requeue = 0};
    kou_request_id id = kou_resource_request(p, 0, grant_nested, &jobs[0], NULL);
    ok(id == KOU_REQUEST_GRANTED, "outer request granted on the spot");
    is_string(tr.s, "0<W>0 1<>1 ", "the nested request's callback runs after the outer one");
    is_int(kou_resource_busy(p), 2, "both hold a server");
    kou_sim_free(sim);
}

/* ---- statistics on a hand-computed scenario ---- */

typedef struct arrival {
    kou_resource *r;
    job *j;
} arrival;

static void arrive(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    (void)object;
    arrival *a = subject;
    kou_resource_request(a->r, 0, on_grant, a->j, NULL);
}

static void request_at_prio(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    arrival *a = subject;
    kou_resource_request(a->r, (int)(intptr_t)object, on_grant, a->j, NULL);
}

static void test_stats(void)
{
    kou_sim *sim = new_sim();
    kou_resource *r = kou_resource_new(sim, "lanes", 2, KOU_QUEUE_FIFO, NULL);
    static grant_log log;
    log.n = 0;
    /* A(3 h) and B(1 h) at 0, C(1 h) and D(2 h) at 0.5, E(1 h) at 3.5.
    ** A, B granted at 0; C at 1 (B done), D at 2 (C done), E at 3.5 on the
    ** spot. Queue: 2 on [0.5,1), 1 on [1,2), else 0. Busy: 2 on [0,3),
    ** 1 on [3,3.5), 2 on [3.5,4), 1 on [4,4.5). */
    static job jobs[5];
    double arrive_t[5] = {0, 0, 0.5, 0.5, 3.5}, work[5] = {3, 1, 1, 2, 1};
    static arrival arr[5];
    for (int i = 0; i < 5; i++) {
        jobs[i] = (job){.label = i, .work = work[i], .log = &log, .sim = sim};
        arr[i] = (arrival){r, &jobs[i]};
        kou_event_schedule_at(sim, arrive_t[i], 0, arrive, &arr[i], NULL);
    }
    kou_sim_run(sim);
    is_double(kou_sim_now(sim), 4.5, 0, "last completion at 4.5");
    double want_granted[5] = {0, 0, 1, 2, 3.5};
    int good = 1;
    for (int i = 0; i < 5; i++)
        good &= jobs[i].granted == want_granted[i];
    ok(good, "grant times 0, 0, 1, 2, 3.5");
    is_double(kou_resource_mean_queue(r), 2.0 / 4.5, 1e-12, "mean queue length 2/4.5");
    is_double(kou_resource_mean_busy(r), 8.0 / 4.5, 1e-12, "mean busy servers 8/4.5");
    const kou_tally *w = kou_resource_wait_stats(r);
    is_int((int64_t)w->n, 5, "5 waits tallied");
    is_double(kou_tally_mean(w), (0.5 + 1.5) / 5, 1e-12, "mean wait 0.4");
    is_double(w->max, 1.5, 0, "longest wait 1.5 (D)");
    is_double(kou_resource_queue_stats(r)->max, 2.0, 0, "longest queue 2");
    is_int((int64_t)kou_resource_served_count(r), 5, "served 5");

    /* Warm-up deletion: a new window from t = 4.5. */
    kou_resource_reset_stats(r);
    jobs[0] = (job){.label = 0, .work = 1.0, .log = &log, .sim = sim};
    kou_event_schedule_at(sim, 5.0, 0, arrive, &arr[0], NULL);
    kou_sim_run(sim);
    is_int((int64_t)kou_resource_served_count(r), 1, "after reset: served counts afresh");
    is_int((int64_t)kou_resource_wait_stats(r)->n, 1, "after reset: one wait");
    is_double(kou_resource_mean_busy(r), 1.0 / 1.5, 1e-12, "after reset: busy 1 on [5,6) of [4.5,6]");
    is_double(kou_resource_mean_queue(r), 0.0, 0, "after reset: no queue");
    kou_sim_free(sim);
}

/* ---- calendars: served per day ---- */

typedef struct backlog {
    kou_resource *r;
    double work;
    int done_per_day[800];
    int granted_per_day[800];
    int bad_grants; /* grants while closed or beyond capacity */
    job *jobs;
} backlog;

static void backlog_done(kou_sim *sim, void *subject, void *object)
{
    backlog *b = object;
    (void)subject;
    int d = (int)floor(kou_sim_now(sim) / 24.0);
    if (d < 800)
        b->done_per_day[d]++;
    kou_resource_release(b->r);
}

static void backlog_grant(kou_sim *sim, kou_resource *r, void *subject, void *object)
{
    backlog *b = object;
    kou_time now = kou_sim_now(sim);
    int d = (int)floor(now / 24.0);
    if (d < 800)
        b->granted_per_day[d]++;
    if (kou_resource_busy(r) > kou_calendar_capacity_at(kou_resource_calendar(r), now))
        b->bad_grants++;
    kou_event_schedule_at(sim, kou_resource_work_end(r, now, b->work), 0, backlog_done, subject,
                          b);
}

static void test_served_per_day(void)
{
    kou_sim *sim = new_sim();
    kou_calendar *c = office(sim, "customs", 2);
    kou_calendar_add_holiday(c, 20170111); /* Wednesday of week 2 */
    kou_resource *r = kou_resource_new(sim, "officers", 0, KOU_QUEUE_FIFO, c);
    ok(r != NULL, "resource on a calendar");
    static backlog b;
    memset(&b, 0, sizeof b);
    b.r = r;
    b.work = 0.5;
    for (int i = 0; i < 10000; i++)
        kou_resource_request(r, 0, backlog_grant, NULL, &b);
    is_int((int64_t)kou_resource_queue_length(r), 10000, "10000 waiting at Monday 00:00 (closed)");
    is_int((int64_t)kou_sim_events_pending(sim), 1, "one wake-up event pending for the opening");

    kou_sim_run_until(sim, 24.0 * 28);
    int good = 1;
    for (int d = 0; d < 28; d++) {
        int weekday = d % 7;
        int want = weekday >= 5 || d == 9 ? 0 : 30;
        if (b.done_per_day[d] != want || b.granted_per_day[d] != want) {
            diag("day %d: %d done, %d granted, want %d", d, b.done_per_day[d],
                 b.granted_per_day[d], want);
            good = 0;
        }
    }
    ok(good, "4 weeks: 30 served per working day (2 x 7.5 h / 0.5 h), 0 on weekends and the holiday");
    is_int(b.bad_grants, 0, "no grant while closed (not even at 12:00 or 17:30 releases)");
    is_int((int64_t)kou_resource_served_count(r), 30 * 19, "19 working days served");

    /* Running to the end: the line empties and kou_sim_run ends; both
    ** servers finish together after 2500 h of work each. */
    kou_sim_run(sim);
    is_int((int64_t)kou_resource_served_count(r), 10000, "all 10000 served");
    is_int((int64_t)kou_sim_events_pending(sim), 0, "no event left: run ends by itself");
    is_double(kou_sim_now(sim), kou_calendar_advance(c, 0.0, 2500.0), 1e-9,
              "last completion = advance(0, 5000 x 0.5 h)");
    is_int(b.bad_grants, 0, "no bad grant over the whole run");
    kou_sim_free(sim);
}

static void test_shifts(void)
{
    kou_sim *sim = new_sim();
    kou_calendar *c = kou_calendar_new(sim, "shifts");
    kou_calendar_add_hours(c, KOU_EVERYDAY, 8.0, 16.0, 4);
    kou_calendar_add_hours(c, KOU_EVERYDAY, 16.0, 24.0, 2);
    kou_resource *r = kou_resource_new(sim, "scanner", 0, KOU_QUEUE_FIFO, c);
    static backlog b;
    memset(&b, 0, sizeof b);
    b.r = r;
    b.work = 0.5;
    for (int i = 0; i < 2000; i++)
        kou_resource_request(r, 0, backlog_grant, NULL, &b);
    kou_sim_run_until(sim, 24.0 * 7);
    int good = 1;
    for (int d = 0; d < 7; d++)
        if (b.granted_per_day[d] != 96) {
            diag("day %d: %d granted", d, b.granted_per_day[d]);
            good = 0;
        }
    ok(good, "shifts 4 x 8 h + 2 x 8 h with 0.5 h jobs: 96 started per day");
    is_int(b.bad_grants, 0, "never more busy than the capacity at a grant");
    kou_sim_free(sim);

    /* Jobs of 0.75 h straddle the 16:00 drop: 4 busy until 16:15 while the
    ** capacity is 2; of the four releases at 16:15 only the last two grant. */
    sim = new_sim();
    c = kou_calendar_new(sim, "shifts");
    kou_calendar_add_hours(c, KOU_EVERYDAY, 8.0, 16.0, 4);
    kou_calendar_add_hours(c, KOU_EVERYDAY, 16.0, 24.0, 2);
    r = kou_resource_new(sim, "scanner", 0, KOU_QUEUE_FIFO, c);
    memset(&b, 0, sizeof b);
    b.r = r;
    b.work = 0.75;
    for (int i = 0; i < 200; i++)
        kou_resource_request(r, 0, backlog_grant, NULL, &b);
    kou_sim_run_until(sim, at(0, 16, 10));
    is_int(kou_resource_busy(r), 4, "16:10: four still busy after the drop");
    is_int(kou_resource_capacity(r), 2, "16:10: capacity 2");
    int before = b.granted_per_day[0];
    kou_sim_run_until(sim, at(0, 16, 20));
    is_int(b.granted_per_day[0] - before, 2, "16:15: two grants (busy 4 -> 2 before any)");
    is_int(kou_resource_busy(r), 2, "16:20: two busy");
    is_int(b.bad_grants, 0, "no grant beyond the capacity");
    kou_sim_free(sim);
}

/* ---- closing time ---- */

static void test_closing_time(void)
{
    kou_sim *sim = new_sim();
    kou_calendar *c = office(sim, "customs", 1);
    kou_calendar_add_holiday(c, 20170111);
    kou_resource *r = kou_resource_new(sim, "officer", 0, KOU_QUEUE_FIFO, c);
    static grant_log log;
    log.n = 0;
    static job jobs[8];
    static arrival arr[8];
    for (int i = 0; i < 8; i++)
        arr[i] = (arrival){r, &jobs[i]};

    /* A 1-hour job at 17:00 on an office closing at 17:30 ends 09:00. */
    jobs[0] = (job){.label = 0, .work = 1.0, .log = &log, .sim = sim};
    kou_event_schedule_at(sim, at(0, 17, 0), 0, arrive, &arr[0], NULL);
    /* Waiting work at closing: granted at the next opening, in order. */
    jobs[1] = (job){.label = 1, .work = 0.5, .log = &log, .sim = sim};
    jobs[2] = (job){.label = 2, .work = 0.5, .log = &log, .sim = sim};
    kou_event_schedule_at(sim, at(0, 17, 10), 0, arrive, &arr[1], NULL);
    kou_event_schedule_at(sim, at(0, 20, 0), 0, arrive, &arr[2], NULL);
    kou_sim_run_until(sim, at(0, 17, 45));
    is_int(kou_resource_busy(r), 1, "17:45: the 17:00 job still holds its server");
    is_int(kou_resource_capacity(r), 0, "17:45: closed");
    kou_sim_run(sim);
    is_double(jobs[0].done, at(1, 9, 0), 1e-9, "1 h job at 17:00 ends Tue 09:00 (opening 08:30)");
    is_double(jobs[1].granted, at(1, 9, 0), 1e-9, "first waiter granted at 09:00 (server busy)");
    is_double(jobs[2].granted, at(1, 9, 30), 1e-9, "second waiter at 09:30, in order");
    int want[3] = {0, 1, 2};
    log_is(&log, want, 3, "grant order 0, 1, 2");
    is_int((int64_t)kou_sim_events_pending(sim), 0, "no wake-up left once nobody waits");

    /* Friday 17:00 -> Monday 09:00; before the holiday Wed -> Thursday. */
    jobs[3] = (job){.label = 3, .work = 1.0, .log = &log, .sim = sim};
    kou_event_schedule_at(sim, at(4, 17, 0), 0, arrive, &arr[3], NULL);
    kou_sim_run(sim);
    is_double(jobs[3].done, at(7, 9, 0), 1e-9, "Friday 17:00 + 1 h ends Monday 09:00");
    jobs[4] = (job){.label = 4, .work = 1.0, .log = &log, .sim = sim};
    kou_event_schedule_at(sim, at(8, 17, 0), 0, arrive, &arr[4], NULL);
    kou_sim_run(sim);
    is_double(jobs[4].done, at(10, 9, 0), 1e-9, "Tuesday 17:00 + 1 h ends Thursday 09:00 (holiday)");

    /* Requests while closed, two servers: at the opening two are granted,
    ** in order; the third when one finishes. */
    kou_calendar *c2 = office(sim, "customs2", 2);
    kou_resource *r2 = kou_resource_new(sim, "officers2", 0, KOU_QUEUE_PRIORITY, c2);
    log.n = 0;
    int prio[4] = {0, 0, 3, 0};
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){.label = i, .work = 0.5, .log = &log, .sim = sim};
        kou_resource_request(r2, prio[i], on_grant, &jobs[i], NULL); /* Thu 09:00+ ... */
    }
    /* now is Thu 09:00 (day 10): open, so jobs 0 and 1 were granted at once. */
    is_double(kou_sim_now(sim), at(10, 9, 0), 1e-9, "clock at Thu 09:00");
    is_int(kou_resource_busy(r2), 2, "open: two granted on the spot");
    kou_sim_run(sim);
    int want2[4] = {0, 1, 2, 3};
    log_is(&log, want2, 4, "then 2 (priority 3), then 3");
    kou_sim_free(sim);

    /* Queued while closed, by priority, granted at the opening. */
    sim = new_sim();
    c = office(sim, "customs", 2);
    r = kou_resource_new(sim, "officers", 0, KOU_QUEUE_PRIORITY, c);
    log.n = 0;
    intptr_t p3[3] = {0, 1, 0};
    for (int i = 0; i < 3; i++) {
        jobs[i] = (job){.label = i, .work = 0.5, .log = &log, .sim = sim};
        arr[i] = (arrival){r, &jobs[i]};
        kou_event_schedule_at(sim, at(0, 18, 0), 0, request_at_prio, &arr[i], (void *)p3[i]);
    }
    kou_sim_run(sim);
    int want3[3] = {1, 0, 2};
    log_is(&log, want3, 3, "requests at Mon 18:00 granted Tue by priority, then in order");
    is_double(jobs[1].granted, at(1, 8, 30), 0, "priority 1 granted at Tue 08:30");
    is_double(jobs[0].granted, at(1, 8, 30), 0, "first of priority 0 also at 08:30 (2 servers)");
    is_double(jobs[2].granted, at(1, 9, 0), 0, "the other at 09:00 when one finishes");
    is_double(kou_tally_mean(kou_resource_wait_stats(r)), (14.5 + 14.5 + 15.0) / 3, 1e-9,
              "waiting times count the closed night");
    kou_sim_free(sim);
}

static void schedule_max_release(kou_sim *sim, kou_resource *r, void *subject, void *object)
{
    job *j = subject;
    (void)object;
    j->granted = kou_sim_now(sim);
    kou_event_schedule_at(sim, kou_resource_work_end(r, j->granted, j->work), KOU_PRIORITY_MAX,
                          job_done, j, r);
}

static void test_change_instants(void)
{
    kou_sim *sim = new_sim();
    kou_calendar *c = office(sim, "customs", 1);
    kou_resource *r = kou_resource_new(sim, "officer", 0, KOU_QUEUE_PRIORITY, c);
    static job jobs[4];
    static arrival arr[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job){.label = i, .work = 0.5, .sim = sim};
        arr[i] = (arrival){r, &jobs[i]};
    }
    /* Nobody waited at 08:30, so no event refreshed the capacity: a request
    ** at 10:00 must still be granted, one at 12:00 must wait for 13:30. */
    kou_event_schedule_at(sim, at(0, 10, 0), 0, request_at_prio, &arr[0], (void *)0);
    kou_event_schedule_at(sim, at(0, 12, 0), 0, request_at_prio, &arr[1], (void *)0);
    kou_sim_run(sim);
    is_double(jobs[0].granted, at(0, 10, 0), 0, "request at 10:00 granted on the spot");
    is_double(jobs[1].granted, at(0, 13, 30), 0, "request at 12:00 (closing) waits for 13:30");

    /* A release at closing time that fires before the wake-up event (both
    ** at top priority, the release scheduled first) still takes no new
    ** work: the capacity is refreshed by the release itself. */
    kou_sim_free(sim);
    sim = new_sim();
    c = office(sim, "customs", 1);
    r = kou_resource_new(sim, "officer", 0, KOU_QUEUE_FIFO, c);
    jobs[0] = (job){.label = 0, .work = 0.5, .sim = sim};
    jobs[1] = (job){.label = 1, .work = 0.5, .sim = sim};
    kou_sim_run_until(sim, at(0, 11, 30));
    ok(kou_resource_request(r, 0, schedule_max_release, &jobs[0], NULL) == KOU_REQUEST_GRANTED,
       "11:30: granted");
    kou_sim_run_until(sim, at(0, 11, 45));
    ok(kou_resource_request(r, 0, on_grant, &jobs[1], NULL) != KOU_REQUEST_GRANTED,
       "11:45: waits");
    kou_sim_run(sim);
    is_double(jobs[0].done, at(0, 12, 0), 0, "first ends at 12:00 (top-priority release)");
    is_double(jobs[1].granted, at(0, 13, 30), 0,
              "second granted at 13:30, not at the 12:00 release");

    /* Cancelling the only waiter drops the wake-up. */
    kou_resource *rc = kou_resource_new(sim, "officer-c", 0, KOU_QUEUE_FIFO, c);
    kou_sim_run_until(sim, at(0, 20, 0));
    kou_request_id lone = kou_resource_request(rc, 0, on_grant, &jobs[3], NULL);
    is_int((int64_t)kou_sim_events_pending(sim), 1, "a waiter while closed: one wake-up pending");
    ok(kou_resource_cancel(rc, lone), "cancel it");
    is_int((int64_t)kou_sim_events_pending(sim), 0, "no waiter: no wake-up pending");

    /* 7x24 and fixed-capacity resources keep no event pending. */
    kou_calendar *a = kou_calendar_always(sim, "always", 1);
    kou_resource *ra = kou_resource_new(sim, "always-open", 0, KOU_QUEUE_FIFO, a);
    job hold = {.label = 9, .work = -1.0, .sim = sim};
    kou_resource_request(ra, 0, on_grant, &hold, NULL);
    kou_resource_request(ra, 0, on_grant, &jobs[2], NULL);
    is_int((int64_t)kou_resource_queue_length(ra), 1, "7x24: one waiting");
    is_int((int64_t)kou_sim_events_pending(sim), 0, "7x24: no event pending while waiting");
    is_double(kou_resource_work_end(ra, 5.0, 2.0), 7.0, 0, "7x24 work_end = start + work");
    kou_sim_free(sim);
}

static void test_bad_input(void)
{
    kou_sim *sim = new_sim();
    kou_sim *other = new_sim();
    kou_calendar *c = office(sim, "customs", 2);
    kou_calendar *oc = office(other, "elsewhere", 2);

    ok(kou_resource_new(sim, "x", -1, KOU_QUEUE_FIFO, NULL) == NULL, "capacity -1 refused");
    has_string(kou_sim_errmsg(sim), "resource 'x': capacity must be >= 1 (got -1)", "message");
    ok(kou_resource_new(sim, "y", 0, KOU_QUEUE_FIFO, NULL) == NULL,
       "capacity 0 without a calendar refused");
    ok(kou_resource_new(sim, "", 1, KOU_QUEUE_FIFO, NULL) == NULL, "empty name refused");
    has_string(kou_sim_errmsg(sim), "non-empty name", "name message");
    ok(kou_resource_new(sim, NULL, 1, KOU_QUEUE_FIFO, NULL) == NULL, "NULL name refused");
    ok(kou_resource_new(sim, "z", 2, KOU_QUEUE_FIFO, c) == NULL,
       "capacity with a calendar refused");
    has_string(kou_sim_errmsg(sim),
               "resource 'z': capacity must be 0 when calendar 'customs' gives it (got 2)",
               "message names resource and calendar");
    ok(kou_resource_new(sim, "w", 0, KOU_QUEUE_FIFO, oc) == NULL,
       "calendar of another simulation refused");
    has_string(kou_sim_errmsg(sim), "resource 'w': calendar 'elsewhere' belongs to another",
               "message");
    ok(kou_resource_new(sim, "v", 1, (kou_queue_discipline)7, NULL) == NULL,
       "unknown discipline refused");
    has_string(kou_sim_errmsg(sim), "resource 'v': unknown queue discipline 7", "message");

    is_int(kou_calendar_add_hours(c, KOU_SAT, 9.0, 10.0, 1), KOU_OK,
           "a calendar not yet used takes more hours");
    kou_resource *r = kou_resource_new(sim, "officers", 0, KOU_QUEUE_FIFO, c);
    ok(r != NULL, "resource created");
    is_int(kou_calendar_add_hours(c, KOU_SUN, 9.0, 10.0, 1), KOU_ESTATE,
           "a calendar in use refuses more hours");
    has_string(kou_sim_errmsg(sim), "calendar 'customs' is already used by a resource",
               "message");
    is_int(kou_calendar_add_holiday(c, 20170105), KOU_ESTATE, "and more holidays");

    kou_resource *f = kou_resource_new(sim, "fixed", 3, KOU_QUEUE_FIFO, NULL);
    kou_sim_clear_error(sim);
    ok(isnan(kou_resource_work_end(f, 0.0, -2.0)), "negative work: NaN");
    has_string(kou_sim_errmsg(sim), "resource 'fixed'", "message names the resource");
    ok(isnan(kou_resource_work_end(r, 0.0, -2.0)), "negative work with a calendar: NaN");
    has_string(kou_sim_errmsg(sim), "calendar 'customs'", "message names the calendar");
    kou_sim_free(other);
    kou_sim_free(sim);
}

int main(void)
{
    test_fifo();
    test_priority();
    test_cancel();
    test_random_line(KOU_QUEUE_FIFO);
    test_random_line(KOU_QUEUE_PRIORITY);
    test_reentrant();
    test_stats();
    test_served_per_day();
    test_shifts();
    test_closing_time();
    test_change_instants();
    test_bad_input();
    return tap_done();
}
