/* Tests of the simulation context and pending-event set (sim.h). */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/sim.h"
#include "../tap/tap.h"

static kou_sim *new_sim(void)
{
    kou_sim *sim;
    char err[200];
    if (kou_sim_new(&sim, NULL, err, sizeof err) != KOU_OK)
        bail("cannot create simulation: %s", err);
    return sim;
}

/* ---- a log of fired events ---- */
typedef struct fired {
    int tag[20000];
    double t[20000];
    int n;
} fired;

static void log_event(kou_sim *sim, void *subject, void *object)
{
    fired *f = subject;
    f->t[f->n] = kou_sim_now(sim);
    f->tag[f->n++] = (int)(intptr_t)object;
}

static void test_order(void)
{
    kou_sim *sim = new_sim();
    static fired f;
    f.n = 0;
    /* tag = expected position */
    kou_event_schedule(sim, 5.0, 0, log_event, &f, (void *)5);
    kou_event_schedule(sim, 1.0, 0, log_event, &f, (void *)0);
    kou_event_schedule(sim, 2.0, 0, log_event, &f, (void *)2);  /* FIFO at t=2, prio 0 */
    kou_event_schedule(sim, 2.0, 0, log_event, &f, (void *)3);
    kou_event_schedule(sim, 2.0, 7, log_event, &f, (void *)1);  /* higher priority first */
    kou_event_schedule(sim, 2.0, -3, log_event, &f, (void *)4); /* lower priority last */
    ok(kou_sim_run(sim) == KOU_OK, "run returns OK");
    is_int(f.n, 6, "all six events fired");
    int inorder = 1;
    for (int i = 0; i < f.n; i++)
        inorder &= f.tag[i] == i;
    ok(inorder, "events fire by time, then priority (descending), then insertion order");
    is_double(kou_sim_now(sim), 5.0, 0, "clock ends at the last event");
    is_int((int64_t)kou_sim_events_fired(sim), 6, "fired count");
    kou_sim_free(sim);
}

/* Random schedule with many ties and cancellations, checked against a sort. */
typedef struct plan {
    double t;
    int prio, seq, cancelled;
    kou_event_id id;
} plan;

static int cmp_plan(const void *pa, const void *pb)
{
    const plan *a = pa, *b = pb;
    if (a->t != b->t)
        return a->t < b->t ? -1 : 1;
    if (a->prio != b->prio)
        return a->prio > b->prio ? -1 : 1;
    return a->seq - b->seq;
}

static uint64_t lcg = 88172645463325252u;
static uint32_t rnd(void)
{
    lcg ^= lcg << 13;
    lcg ^= lcg >> 7;
    lcg ^= lcg << 17;
    return (uint32_t)(lcg >> 11);
}

static void test_random_against_sort(void)
{
    enum { N = 20000 };
    static plan p[N];
    static fired f;
    f.n = 0;
    kou_sim *sim = new_sim();
    for (int i = 0; i < N; i++) {
        p[i].t = (double)(rnd() % 500) * 0.25; /* many ties */
        p[i].prio = (int)(rnd() % 5) - 2;
        p[i].seq = i;
        p[i].cancelled = 0;
        p[i].id = kou_event_schedule_at(sim, p[i].t, p[i].prio, log_event, &f, (void *)(intptr_t)i);
    }
    int ncancel = 0;
    for (int i = 0; i < N; i += 3) {
        if (kou_event_cancel(sim, p[i].id)) {
            p[i].cancelled = 1;
            ncancel++;
        }
    }
    is_int(ncancel, (N + 2) / 3, "every third event cancelled");
    is_int((int64_t)kou_sim_events_pending(sim), N - ncancel, "pending count excludes cancelled");
    ok(!kou_event_cancel(sim, p[0].id), "cancelling twice returns false");
    kou_sim_run(sim);
    qsort(p, N, sizeof p[0], cmp_plan);
    int j = 0, same = 1;
    for (int i = 0; i < N; i++) {
        if (p[i].cancelled)
            continue;
        if (j >= f.n || f.tag[j] != p[i].seq || f.t[j] != p[i].t)
            same = 0;
        j++;
    }
    is_int(f.n, N - ncancel, "every live event fired once");
    ok(same, "firing order equals (time, -priority, insertion) sort of %d events", N);
    kou_sim_free(sim);
}

/* ---- cancel and reschedule from inside a handler ---- */
typedef struct ctx {
    kou_event_id victim, mover;
    int victim_fired, mover_fired, self_cancel;
    double mover_time;
    kou_event_id self;
} ctx;

static void victim_fn(kou_sim *sim, void *s, void *o)
{
    (void)sim, (void)o;
    ((ctx *)s)->victim_fired++;
}

static void mover_fn(kou_sim *sim, void *s, void *o)
{
    (void)o;
    ((ctx *)s)->mover_fired++;
    ((ctx *)s)->mover_time = kou_sim_now(sim);
}

static void killer_fn(kou_sim *sim, void *s, void *o)
{
    (void)o;
    ctx *c = s;
    ok(kou_event_cancel(sim, c->victim), "cancel from inside a handler succeeds");
    c->mover = kou_event_reschedule(sim, c->mover, 9.0);
    ok(c->mover != KOU_EVENT_NONE, "reschedule from inside a handler succeeds");
    c->self_cancel = kou_event_cancel(sim, c->self);
}

static void test_cancel_in_handler(void)
{
    kou_sim *sim = new_sim();
    ctx c = {0};
    c.self = kou_event_schedule(sim, 1.0, 0, killer_fn, &c, NULL);
    c.victim = kou_event_schedule(sim, 1.0, 0, victim_fn, &c, NULL); /* same time, later */
    c.mover = kou_event_schedule(sim, 2.0, 0, mover_fn, &c, NULL);
    ok(kou_event_is_pending(sim, c.victim), "victim is pending before the run");
    is_double(kou_event_time(sim, c.mover), 2.0, 0, "event time is known while pending");
    kou_sim_run(sim);
    is_int(c.victim_fired, 0, "an event cancelled at its own time by an earlier tie does not fire");
    is_int(c.mover_fired, 1, "rescheduled event fires once");
    is_double(c.mover_time, 9.0, 0, "rescheduled event fires at its new time");
    is_int(c.self_cancel, 0, "a handler cannot cancel its own (already fired) event");
    ok(!kou_event_is_pending(sim, c.mover), "fired event is no longer pending");
    ok(isnan(kou_event_time(sim, c.mover)), "time of a fired event is NaN");
    kou_sim_free(sim);
}

/* ---- bad calls ---- */
static void noop(kou_sim *sim, void *s, void *o) { (void)sim, (void)s, (void)o; }

static void test_bad_calls(void)
{
    kou_sim *sim = new_sim();
    ok(kou_event_schedule(sim, -1.0, 0, noop, NULL, NULL) == KOU_EVENT_NONE, "negative delay refused");
    has_string(kou_sim_errmsg(sim), "delay must be a finite number of hours >= 0 (got -1)",
               "negative delay message says what was wrong");
    is_int(kou_sim_errcode(sim), KOU_EINVAL, "negative delay is KOU_EINVAL");
    ok(kou_event_schedule(sim, NAN, 0, noop, NULL, NULL) == KOU_EVENT_NONE, "NaN delay refused");
    ok(kou_event_schedule(sim, INFINITY, 0, noop, NULL, NULL) == KOU_EVENT_NONE, "infinite delay refused");
    ok(kou_event_schedule(sim, 1.0, 40000, noop, NULL, NULL) == KOU_EVENT_NONE, "priority out of range refused");
    has_string(kou_sim_errmsg(sim), "priority must be in [-32768, 32767] (got 40000)", "priority message");
    kou_event_schedule(sim, 3.0, 0, noop, NULL, NULL);
    kou_sim_run(sim);
    ok(kou_event_schedule_at(sim, 2.0, 0, noop, NULL, NULL) == KOU_EVENT_NONE, "time in the past refused");
    has_string(kou_sim_errmsg(sim), "not before the current time 3 h (got 2 h)", "past-time message");
    ok(kou_event_reschedule(sim, 12345, 5.0) == KOU_EVENT_NONE, "rescheduling an unknown event refused");
    ok(!kou_event_cancel(sim, 0), "cancelling id 0 is false");
    ok(!kou_event_cancel(sim, UINT64_MAX), "cancelling a garbage id is false");
    kou_sim_clear_error(sim);
    is_string(kou_sim_errmsg(sim), "", "clear_error empties the message");
    kou_sim_free(sim);

    kou_sim *bad;
    char err[200] = "";
    kou_sim_config cfg;
    kou_sim_config_default(&cfg);
    cfg.start_date = 20170230;
    ok(kou_sim_new(&bad, &cfg, err, sizeof err) == KOU_EINVAL && bad == NULL, "invalid start date refused");
    has_string(err, "start date must be a valid date", "start date message");
    kou_sim_config_default(&cfg);
    cfg.end_time = -4;
    ok(kou_sim_new(&bad, &cfg, err, sizeof err) == KOU_EINVAL, "negative end time refused");
}

/* ---- run control ---- */
static void stopper(kou_sim *sim, void *s, void *o)
{
    (void)s, (void)o;
    kou_sim_stop(sim);
}

static void ticker(kou_sim *sim, void *s, void *o)
{
    (void)o;
    (*(int *)s)++;
    kou_event_schedule(sim, 1.0, 0, ticker, s, NULL);
}

static void test_run_control(void)
{
    kou_sim *sim = new_sim();
    int ticks = 0;
    kou_event_schedule(sim, 0.0, 0, ticker, &ticks, NULL);
    kou_sim_run_until(sim, 10.5);
    is_int(ticks, 11, "ticks at 0..10 fire before 10.5");
    is_double(kou_sim_now(sim), 10.5, 0, "run_until leaves the clock at the horizon");
    kou_sim_run_until(sim, 20.0);
    is_int(ticks, 21, "an event exactly at the horizon fires");
    kou_event_schedule(sim, 2.5, 0, stopper, NULL, NULL);
    kou_sim_run(sim);
    is_double(kou_sim_now(sim), 22.5, 0, "stop returns at the stopping event's time");
    ok(kou_sim_run_until(sim, 1.0) == KOU_EINVAL, "run_until a time in the past refused");
    ok(kou_sim_step(sim), "step fires one event");
    is_double(kou_sim_now(sim), 23.0, 0, "step advanced to the next tick");
    kou_sim_free(sim);

    kou_sim_config cfg;
    kou_sim_config_default(&cfg);
    cfg.end_time = 5.0;
    kou_sim_new(&sim, &cfg, NULL, 0);
    ticks = 0;
    kou_event_schedule(sim, 0.0, 0, ticker, &ticks, NULL);
    kou_sim_run(sim);
    is_int(ticks, 6, "config end time stops the run");
    is_double(kou_sim_now(sim), 5.0, 0, "clock at the end time");
    kou_sim_free(sim);
}

/* Many cancelled timeouts must not grow the heap without bound. */
static void test_cancel_sweep(void)
{
    kou_sim *sim = new_sim();
    for (int i = 0; i < 200000; i++) {
        kou_event_id id = kou_event_schedule(sim, 1000.0 + i, 0, noop, NULL, NULL);
        kou_event_cancel(sim, id);
    }
    is_int((int64_t)kou_sim_events_pending(sim), 0, "nothing pending after cancelling all");
    ok(kou_sim_next_time(sim) == INFINITY, "next time is +infinity when empty");
    kou_sim_run(sim);
    is_int((int64_t)kou_sim_events_fired(sim), 0, "cancelled events never fire");
    kou_sim_free(sim);
}

/* One simulation per thread: identical models give identical results. */
typedef struct thread_job {
    uint64_t fired;
    double end;
} thread_job;

static void chain(kou_sim *sim, void *s, void *o)
{
    intptr_t left = (intptr_t)o;
    (void)s;
    if (left > 0) {
        kou_event_schedule(sim, 0.5 + (double)(left % 7), (int)(left % 3), chain, NULL, (void *)(left - 1));
        kou_event_schedule(sim, 0.25, 0, noop, NULL, NULL);
    }
}

static void *thread_main(void *arg)
{
    thread_job *job = arg;
    kou_sim *sim;
    kou_sim_new(&sim, NULL, NULL, 0);
    kou_event_schedule(sim, 0.0, 0, chain, NULL, (void *)(intptr_t)100000);
    kou_sim_run(sim);
    job->fired = kou_sim_events_fired(sim);
    job->end = kou_sim_now(sim);
    kou_sim_free(sim);
    return NULL;
}

static void test_threads(void)
{
    pthread_t th[2];
    thread_job jobs[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, thread_main, &jobs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    is_int((int64_t)jobs[0].fired, 200001, "thread 1 fired every event");
    ok(jobs[0].fired == jobs[1].fired && jobs[0].end == jobs[1].end,
       "two simulations on two threads give identical results");
}

/* Objects handed to the sim are freed in reverse order. */
static int free_log[3], free_n;
static void record_free(void *p) { free_log[free_n++] = *(int *)p; }

static void test_ownership(void)
{
    static int a = 1, b = 2, c = 3;
    kou_sim *sim = new_sim();
    koui_sim_own(sim, &a, record_free);
    koui_sim_own(sim, &b, record_free);
    koui_sim_own(sim, &c, record_free);
    kou_sim_free(sim);
    ok(free_n == 3 && free_log[0] == 3 && free_log[1] == 2 && free_log[2] == 1,
       "owned objects freed in reverse order");
    kou_sim_free(NULL);
    ok(1, "kou_sim_free(NULL) is a no-op");
}

static void test_dates(void)
{
    is_int(kou_date_weekday(20170102), 0, "2017-01-02 is a Monday");
    is_int(kou_date_weekday(20181001), 0, "2018-10-01 is a Monday");
    is_int(kou_date_weekday(20210101), 4, "2021-01-01 is a Friday");
    is_int(kou_date_to_days(19700101), 0, "epoch is day 0");
    is_int(kou_date_to_days(20200301) - kou_date_to_days(20200228), 2, "2020 is a leap year");
    is_int(kou_days_to_date(kou_date_to_days(20211231) + 1), 20220101, "day after 2021-12-31");
    ok(!kou_date_is_valid(20190229), "2019-02-29 is not a date");
    ok(kou_date_is_valid(20200229), "2020-02-29 is a date");
}

int main(void)
{
    test_order();
    test_random_against_sort();
    test_cancel_in_handler();
    test_bad_calls();
    test_run_control();
    test_cancel_sweep();
    test_threads();
    test_ownership();
    test_dates();
    return tap_done();
}
