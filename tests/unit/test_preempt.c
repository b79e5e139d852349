/*
** Preemptive resources (resource.h, "Preemption"): refusals, the choice of
** the victim, the order of callbacks, release by the holder, statistics,
** and a two-class preemptive-resume priority M/M/1 queue against its exact
** mean times in system.
**
** The queueing check. Class 1 (high priority) arrives at rate l1 and needs
** Exp(m1) work, class 2 (low) at rate l2 with Exp(m2) work; r1 = l1/m1,
** r2 = l2/m2, r1 + r2 < 1. Under preemptive-resume priority the high class
** never sees the low one, so it is an M/M/1 queue:
**     T1 = (1/m1) / (1 - r1).
** For the low class, the M/G/1 preemptive-resume result (Kleinrock,
** Queueing Systems vol. 2, 1976, sec. 3.7; Harchol-Balter, Performance
** Modeling and Design of Computer Systems, 2013, ch. 32) is, with
** s_k = r1 + ... + rk,
**     T_k = E[S_k] / (1 - s_{k-1})
**           + (sum_{i<=k} l_i E[S_i^2] / 2) / ((1 - s_{k-1}) (1 - s_k)),
** and exponential work has E[S^2] = 2 / m^2, so l E[S^2] / 2 = r / m:
**     T2 = (1/m2) / (1 - r1) + (r1/m1 + r2/m2) / ((1 - r1) (1 - r1 - r2)).
** Hand-computed case, l1 = 0.3, l2 = 0.4, m1 = m2 = 1: T1 = 1/0.7 =
** 1.428571, T2 = 1/0.7 + 0.7/(0.7 * 0.3) = 4.761905. Check: with equal
** work rates the total number in system is that of an M/M/1 queue at
** rho = 0.7 whatever the order, L = 0.7/0.3 = 2.333333, and Little gives
** l1 T1 + l2 T2 = 0.428571 + 1.904762 = 2.333333.
**
** The driver draws each job's work once; when preempted it cancels its
** departure, keeps the work left and requests again (preempt-resume), as a
** model would. Jobs number (warm, warm + n] in arrival order are measured,
** and the run stops when all of them have left, with arrivals still going,
** so that none is cut short. R replications give Student-t 95 % intervals
** that must contain T1 and T2.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/calendar.h"
#include "kernel/resource.h"
#include "kernel/rng.h"
#include "kernel/sim.h"
#include "kernel/stats.h"
#include "../tap/tap.h"

enum { REPS = 10 };

static kou_sim *new_sim(uint64_t seed)
{
    kou_sim_config cfg;
    kou_sim_config_default(&cfg);
    cfg.seed = seed;
    kou_sim *sim;
    char err[200];
    if (kou_sim_new(&sim, &cfg, err, sizeof err) != KOU_OK)
        bail("cannot create simulation: %s", err);
    return sim;
}

/* ---- deterministic cases: a log of what happened ---- */

typedef struct logbook {
    char s[2000];
    kou_time since[16];   /* usage_since of each preemption */
    int n_preempt;
    bool requeue;         /* preempted jobs ask again */
} logbook;

static logbook lb;

typedef struct tjob {
    char name;
    int prio;
    kou_time granted;
} tjob;

/* Appends "g" a "  " (a grant) or "p" a "<" b " " (a preemption). */
static void note(char what, char a, char b)
{
    char w[8] = {what, a, ' ', ' ', '\0'};
    if (what != 'g')
        w[2] = '<', w[3] = b, w[4] = ' ';
    snprintf(lb.s + strlen(lb.s), sizeof lb.s - strlen(lb.s), "%s", w);
}

static void t_grant(kou_sim *sim, kou_resource *r, void *subject, void *object)
{
    tjob *j = subject;
    (void)r, (void)object;
    j->granted = kou_sim_now(sim);
    note('g', j->name, ' ');
}

static void t_preempt(kou_sim *sim, kou_resource *r, const kou_preemption *p)
{
    tjob *v = p->subject, *by = p->by_subject;
    (void)sim;
    note('p', v->name, by->name);
    if (lb.n_preempt < 16)
        lb.since[lb.n_preempt++] = p->usage_since;
    if (p->priority != v->prio || p->by_priority != by->prio || p->object != NULL ||
        p->by_object != NULL)
        note('!', '!', '!');
    if (lb.requeue)
        kou_resource_request(r, v->prio, t_grant, v, NULL);
}

static void test_refusals(void)
{
    kou_sim *sim = new_sim(1);
    kou_resource *f = kou_resource_new(sim, "fifo", 1, KOU_QUEUE_FIFO, NULL);
    is_int(kou_resource_set_preemptive(f, t_preempt), KOU_EINVAL, "a FIFO resource cannot be preemptive");
    has_string(kou_sim_errmsg(sim), "resource 'fifo': only a resource with the priority discipline",
               "message names the resource and the reason");
    kou_calendar *c = kou_calendar_new(sim, "office");
    kou_calendar_add_hours(c, KOU_WEEKDAYS, 8.0, 17.0, 2);
    kou_resource *rc = kou_resource_new(sim, "clerks", 0, KOU_QUEUE_PRIORITY, c);
    is_int(kou_resource_set_preemptive(rc, t_preempt), KOU_EINVAL,
           "a resource on a calendar cannot be preemptive");
    has_string(kou_sim_errmsg(sim), "resource 'clerks': a resource on calendar 'office' cannot be preemptive",
               "message names the calendar");
    kou_resource *p = kou_resource_new(sim, "late", 1, KOU_QUEUE_PRIORITY, NULL);
    tjob a = {'a', 0, 0};
    kou_resource_request(p, 0, t_grant, &a, NULL);
    is_int(kou_resource_set_preemptive(p, t_preempt), KOU_ESTATE, "not once a server is held");
    has_string(kou_sim_errmsg(sim), "make it preemptive before any request (1 servers held", "message");
    kou_resource_release(p);
    is_int(kou_resource_set_preemptive(p, t_preempt), KOU_OK, "idle again: accepted");
    ok(kou_resource_is_preemptive(p) && !kou_resource_is_preemptive(f), "is_preemptive");
    kou_sim_free(sim);
}

/* One server: a holder is preempted by a strictly higher priority only. */
static void test_basic(void)
{
    kou_sim *sim = new_sim(1);
    kou_resource *r = kou_resource_new(sim, "repairman", 1, KOU_QUEUE_PRIORITY, NULL);
    kou_resource_set_preemptive(r, t_preempt);
    memset(&lb, 0, sizeof lb);
    tjob lo = {'l', 0, 0}, eq = {'e', 0, 0}, hi = {'h', 5, 0}, below = {'b', -1, 0};
    ok(kou_resource_request(r, 0, t_grant, &lo, NULL) == KOU_REQUEST_GRANTED, "free server: on the spot");
    kou_sim_run_until(sim, 2.0);
    kou_request_id ie = kou_resource_request(r, 0, t_grant, &eq, NULL);
    kou_request_id ib = kou_resource_request(r, -1, t_grant, &below, NULL);
    ok(ie != KOU_REQUEST_GRANTED && ib != KOU_REQUEST_GRANTED, "equal and lower priority wait");
    is_int(kou_resource_preempted_count(r), 0, "nobody preempted");
    kou_sim_run_until(sim, 3.0);
    ok(kou_resource_request(r, 5, t_grant, &hi, NULL) == KOU_REQUEST_GRANTED,
       "higher priority: granted on the spot by preemption");
    is_string(lb.s, "gl  pl<h gh  ", "the victim's callback runs, then the preemptor's grant");
    is_double(lb.since[0], 0.0, 0, "usage_since: the victim's grant time");
    is_int(kou_resource_busy(r), 1, "one server busy");
    ok(!kou_resource_release_held(r, &lo, NULL), "the victim holds nothing: release_held false");
    is_int(kou_resource_busy(r), 1, "and nothing changed");
    ok(!kou_resource_release_held(r, &hi, &lo), "wrong object: false");
    kou_sim_run_until(sim, 4.0);
    ok(kou_resource_release_held(r, &hi, NULL), "the preemptor releases");
    is_string(lb.s, "gl  pl<h gh  ge  ", "the equal-priority request that waited is granted next");
    is_double(eq.granted, 4.0, 0, "at 4");
    ok(kou_resource_release_held(r, &eq, NULL), "release");
    ok(kou_resource_release_held(r, &below, NULL), "and the last");
    is_int((int64_t)kou_resource_served_count(r), 3, "served counts completed services only (3)");
    is_int((int64_t)kou_resource_preempted_count(r), 1, "preempted 1");
    const kou_tally *w = kou_resource_wait_stats(r);
    is_int((int64_t)w->n, 4, "4 grants tallied");
    is_double(kou_tally_mean(w), (0 + 2 + 0 + 2) / 4.0, 1e-12, "waits 0, 2 (e), 0 (h), 2 (b)");
    kou_resource_reset_stats(r);
    is_int((int64_t)kou_resource_preempted_count(r), 0, "reset: preempted 0");
    kou_sim_free(sim);
}

/* Three servers: the victim is the lowest priority, latest granted. */
static void test_victim_choice(void)
{
    kou_sim *sim = new_sim(1);
    kou_resource *r = kou_resource_new(sim, "cranes", 3, KOU_QUEUE_PRIORITY, NULL);
    kou_resource_set_preemptive(r, t_preempt);
    memset(&lb, 0, sizeof lb);
    tjob a = {'a', 0, 0}, b = {'b', 0, 0}, c = {'c', 1, 0}, d = {'d', 2, 0}, e = {'e', 1, 0},
         f = {'f', 1, 0};
    kou_resource_request(r, 0, t_grant, &a, NULL);
    kou_sim_run_until(sim, 1.0);
    kou_resource_request(r, 0, t_grant, &b, NULL);
    kou_resource_request(r, 1, t_grant, &c, NULL);
    kou_resource_request(r, 2, t_grant, &d, NULL);
    kou_resource_request(r, 1, t_grant, &e, NULL);
    kou_request_id idf = kou_resource_request(r, 1, t_grant, &f, NULL);
    is_string(lb.s, "ga  gb  gc  pb<d gd  pa<e ge  ",
              "d takes b's server (latest of the lowest), e takes a's, f waits (equal to the lowest)");
    ok(idf != KOU_REQUEST_GRANTED && kou_resource_queue_length(r) == 1, "f waits");
    ok(kou_resource_cancel(r, idf), "a waiting request of a preemptive resource can be cancelled");
    ok(!kou_resource_cancel(r, idf), "once");
    ok(kou_resource_release_held(r, &c, NULL) && kou_resource_busy(r) == 2, "c releases");
    is_int((int64_t)kou_resource_preempted_count(r), 2, "2 preempted");
    kou_sim_free(sim);
}

/* Preempt-resume: the victim asks again from its callback and comes back
** when the preemptor leaves; a newcomer may preempt while others wait. */
static void test_resume(void)
{
    kou_sim *sim = new_sim(1);
    kou_resource *r = kou_resource_new(sim, "mill", 1, KOU_QUEUE_PRIORITY, NULL);
    kou_resource_set_preemptive(r, t_preempt);
    memset(&lb, 0, sizeof lb);
    lb.requeue = true;
    tjob a = {'a', 0, 0}, b = {'b', 0, 0}, h = {'h', 3, 0}, k = {'k', 5, 0};
    kou_resource_request(r, 0, t_grant, &a, NULL);
    kou_resource_request(r, 0, t_grant, &b, NULL);   /* waits */
    kou_sim_run_until(sim, 1.0);
    kou_resource_request(r, 3, t_grant, &h, NULL);   /* preempts a, a joins behind b */
    kou_sim_run_until(sim, 1.5);
    kou_resource_request(r, 5, t_grant, &k, NULL);   /* preempts h, h joins at the head */
    is_string(lb.s, "ga  pa<h gh  ph<k gk  ", "h takes a's server, k takes h's");
    lb.s[0] = '\0';
    kou_sim_run_until(sim, 2.0);
    kou_resource_release_held(r, &k, NULL);
    is_string(lb.s, "gh  ", "h resumes first (priority 3)");
    kou_resource_release_held(r, &h, NULL);
    kou_resource_release_held(r, &b, NULL);
    kou_resource_release_held(r, &a, NULL);
    is_string(lb.s, "gh  gb  ga  ", "then b, then a, which re-joined behind b");
    is_int(kou_resource_busy(r), 0, "idle");
    is_int((int64_t)kou_resource_served_count(r), 4, "4 services completed");
    is_int((int64_t)kou_resource_preempted_count(r), 2, "2 preempted (a, h)");
    kou_sim_free(sim);
}

/* A chain of 2000 requests of rising priority, each made from the grant
** callback of the previous one: each preempts the previous, which asks
** again, all inside one outer call, without growing the C stack. */
typedef struct chain {
    tjob job[2000];
    int next, grants;
} chain;
static chain ch;

static void chain_grant(kou_sim *sim, kou_resource *r, void *subject, void *object)
{
    (void)sim, (void)subject, (void)object;
    ch.grants++;
    if (ch.next < 2000) {
        tjob *j = &ch.job[ch.next++];
        kou_resource_request(r, j->prio, chain_grant, j, NULL);
    }
}

static void chain_preempt(kou_sim *sim, kou_resource *r, const kou_preemption *p)
{
    (void)sim, (void)r, (void)p;
}

static void test_chain(void)
{
    kou_sim *sim = new_sim(1);
    kou_resource *r = kou_resource_new(sim, "desk", 2, KOU_QUEUE_PRIORITY, NULL);
    kou_resource_set_preemptive(r, chain_preempt);
    memset(&ch, 0, sizeof ch);
    for (int i = 0; i < 2000; i++)
        ch.job[i] = (tjob){'x', i, 0};
    ch.next = 1;
    kou_request_id id = kou_resource_request(r, 0, chain_grant, &ch.job[0], NULL);
    ok(id == KOU_REQUEST_GRANTED, "the first is granted on the spot");
    is_int(ch.grants, 2000, "all 2000 granted within the one call");
    is_int((int64_t)kou_resource_preempted_count(r), 1998, "1998 preempted (2 servers)");
    ok(kou_resource_release_held(r, &ch.job[1999], NULL) && kou_resource_release_held(r, &ch.job[1998], NULL),
       "the two last hold the servers");
    is_int(kou_resource_busy(r), 0, "then idle");
    kou_sim_free(sim);
}

/* ---- the two-class preemptive-resume M/M/1 ---- */

typedef struct pjob {
    struct pjob *prev, *next; /* live jobs, freed at the end */
    int cls;
    uint64_t index;           /* arrival number */
    double work;              /* left to do */
    kou_time arrived, granted;
    kou_event_id departure;
} pjob;

typedef struct pq {
    kou_resource *r;
    kou_rng *arr[2], *svc[2];
    const kou_dist *ia[2], *sv[2];
    uint64_t arrived, warm, n, done;
    kou_tally t[2];
    uint64_t released_false;
    pjob *live;
} pq;

static void pq_grant(kou_sim *sim, kou_resource *r, void *subject, void *object);

static void pq_depart(kou_sim *sim, void *subject, void *object)
{
    pq *m = object;
    pjob *j = subject;
    if (!kou_resource_release_held(m->r, j, m))
        m->released_false++;
    if (j->index > m->warm && j->index <= m->warm + m->n) {
        kou_tally_add(&m->t[j->cls], kou_sim_now(sim) - j->arrived);
        if (++m->done == m->n)
            kou_sim_stop(sim);
    }
    if (j->prev)
        j->prev->next = j->next;
    else
        m->live = j->next;
    if (j->next)
        j->next->prev = j->prev;
    free(j);
}

static void pq_grant(kou_sim *sim, kou_resource *r, void *subject, void *object)
{
    pjob *j = subject;
    (void)r;
    j->granted = kou_sim_now(sim);
    j->departure = kou_event_schedule(sim, j->work, 0, pq_depart, j, object);
}

static void pq_preempt(kou_sim *sim, kou_resource *r, const kou_preemption *p)
{
    pjob *j = p->subject;
    kou_event_cancel(sim, j->departure);
    j->work -= kou_sim_now(sim) - p->usage_since;
    if (j->work < 0.0)
        j->work = 0.0; /* a departure due at this very instant, still pending */
    kou_resource_request(r, 1 - j->cls, pq_grant, j, p->object);
}

static void pq_arrive(kou_sim *sim, void *subject, void *object)
{
    pq *m = subject;
    int cls = (int)(intptr_t)object;
    kou_event_schedule(sim, kou_dist_sample(m->ia[cls], m->arr[cls]), 0, pq_arrive, m, object);
    pjob *j = calloc(1, sizeof *j);
    if (j == NULL)
        bail("out of memory");
    j->cls = cls;
    j->index = ++m->arrived;
    j->work = kou_dist_sample(m->sv[cls], m->svc[cls]);
    j->arrived = kou_sim_now(sim);
    j->next = m->live;
    if (m->live)
        m->live->prev = j;
    m->live = j;
    if (m->arrived == m->warm + 1)
        kou_resource_reset_stats(m->r);
    kou_resource_request(m->r, 1 - cls, pq_grant, j, m); /* class 0 high: priority 1 */
}

typedef struct pq_result {
    double t[2], busy;
    uint64_t served, preempted, released_false;
} pq_result;

static pq_result run_pq(const double *lambda, const double *mu, uint64_t warm, uint64_t n, uint64_t seed)
{
    kou_sim *sim = new_sim(seed);
    pq m = {0};
    m.r = kou_resource_new(sim, "server", 1, KOU_QUEUE_PRIORITY, NULL);
    kou_resource_set_preemptive(m.r, pq_preempt);
    static const char *names[2][2] = {{"arrivals-high", "work-high"}, {"arrivals-low", "work-low"}};
    for (int c = 0; c < 2; c++) {
        m.arr[c] = kou_rng_stream_create(sim, names[c][0]);
        m.svc[c] = kou_rng_stream_create(sim, names[c][1]);
        m.ia[c] = kou_dist_exponential(sim, 1.0 / lambda[c]);
        m.sv[c] = kou_dist_exponential(sim, 1.0 / mu[c]);
        kou_tally_init(&m.t[c]);
        kou_event_schedule(sim, kou_dist_sample(m.ia[c], m.arr[c]), 0, pq_arrive, &m, (void *)(intptr_t)c);
    }
    m.warm = warm;
    m.n = n;
    kou_sim_run(sim);
    pq_result res = {{kou_tally_mean(&m.t[0]), kou_tally_mean(&m.t[1])},
                     kou_resource_mean_busy(m.r), kou_resource_served_count(m.r),
                     kou_resource_preempted_count(m.r), m.released_false};
    while (m.live) {
        pjob *j = m.live;
        m.live = j->next;
        free(j);
    }
    kou_sim_free(sim);
    return res;
}

/* The exact mean times in system (header comment). */
static void pq_exact(const double *l, const double *m, double *t)
{
    double r1 = l[0] / m[0], r2 = l[1] / m[1];
    t[0] = (1.0 / m[0]) / (1.0 - r1);
    t[1] = (1.0 / m[1]) / (1.0 - r1) + (r1 / m[0] + r2 / m[1]) / ((1.0 - r1) * (1.0 - r1 - r2));
}

/* Seeds seed0 + 1 .. seed0 + REPS: each case its own, so that the cases
** are not one sample path rescaled. */
static void check_pq(const double *lambda, const double *mu, uint64_t n, uint64_t seed0)
{
    double exact[2], t[2][REPS], busy[REPS];
    pq_exact(lambda, mu, exact);
    uint64_t preempted = 0, bad = 0;
    for (int i = 0; i < REPS; i++) {
        pq_result r = run_pq(lambda, mu, n / 10, n, seed0 + (uint64_t)i + 1);
        t[0][i] = r.t[0];
        t[1][i] = r.t[1];
        busy[i] = r.busy;
        preempted += r.preempted;
        bad += r.released_false;
    }
    double rho = lambda[0] / mu[0] + lambda[1] / mu[1];
    for (int c = 0; c < 2; c++) {
        kou_ci ci = kou_ci_student(t[c], REPS, 0.95);
        ok(ci.lo <= exact[c] && exact[c] <= ci.hi,
           "preemptive M/M/1 l=(%.2f,%.2f) m=(%.2f,%.2f): %s class T %.4f in 95%% CI [%.4f, %.4f] (mean %.4f)",
           lambda[0], lambda[1], mu[0], mu[1], c ? "low" : "high", exact[c], ci.lo, ci.hi, ci.mean);
    }
    kou_ci b = kou_ci_student(busy, REPS, 0.95);
    ok(b.lo <= rho && rho <= b.hi, "utilisation %.3f in 95%% CI [%.4f, %.4f]", rho, b.lo, b.hi);
    ok(preempted > 0 && bad == 0, "%" PRIu64 " preemptions; every departing job held the server", preempted);
}

static void test_formula(void)
{
    double l[2] = {0.3, 0.4}, m[2] = {1.0, 1.0}, t[2];
    pq_exact(l, m, t);
    is_double(t[0], 1.0 / 0.7, 1e-12, "hand-computed T1 = 1/0.7 = 1.428571");
    is_double(t[1], 1.0 / 0.7 + 0.7 / 0.21, 1e-12, "hand-computed T2 = 1/0.7 + 0.7/0.21 = 4.761905");
    is_double(l[0] * t[0] + l[1] * t[1], 0.7 / 0.3, 1e-12,
              "equal work rates: l1 T1 + l2 T2 = L of M/M/1 at 0.7 (conservation)");
}

int main(void)
{
    test_refusals();
    test_basic();
    test_victim_choice();
    test_resume();
    test_chain();
    test_formula();
    static const double l_a[2] = {0.3, 0.4}, m_a[2] = {1.0, 1.0};
    static const double l_b[2] = {0.6, 0.4}, m_b[2] = {2.0, 1.0};
    static const double l_c[2] = {0.2, 0.3}, m_c[2] = {0.5, 1.5};
    check_pq(l_a, m_a, 300000, 0);
    check_pq(l_b, m_b, 300000, 100);
    check_pq(l_c, m_c, 300000, 200);
    /* Same seed, same results. */
    pq_result r1 = run_pq(l_a, m_a, 1000, 20000, 7), r2 = run_pq(l_a, m_a, 1000, 20000, 7);
    ok(r1.t[0] == r2.t[0] && r1.t[1] == r2.t[1] && r1.preempted == r2.preempted,
       "same seed gives identical results");
    return tap_done();
}
