/*
** Stores (store.h): FIFO, priority and filter order, blocking puts and
** gets, completion on the spot, cancellation, re-entrant callbacks, the
** match-call contract, statistics and refusals; then an M/M/1/K queue
** built on a store against its exact solution.
**
** The queue. Customers arrive at rate lambda and put themselves into a
** FIFO store of capacity K - 1 (the waiting room); a put that cannot
** complete at once (the room is full) is withdrawn: the customer is lost.
** One server gets an item (waiting while the store is empty), serves it
** for Exp(mu) hours and gets again, so at most K customers are in the
** system. With rho = lambda / mu != 1 (Kleinrock vol. 1, sec. 3.6; Gross
** and Harris, sec. 2.5)
**     p_n = (1 - rho) rho^n / (1 - rho^(K+1)),  n = 0..K,
** the loss probability is p_K (PASTA), the mean number in the system
** L = sum n p_n, in the waiting room Lq = L - (1 - p_0), and by Little the
** mean wait in the room of an admitted customer Wq = Lq / (lambda (1 -
** p_K)). Hand-computed case: rho = 0.5, K = 2: p = (4, 2, 1) / 7, loss
** 1/7 = 0.142857, L = 4/7 = 0.571429, Lq = 1/7, Wq = (1/7) / (0.5 * 6/7)
** = 1/3 with mu = 1.
**
** The store's time-averaged size must match Lq, the time items stay in it
** Wq, the lost fraction p_K, and the store size plus the server's busy
** fraction L: Student-t 99 % intervals over R replications.
**
** Why 99 %: the file checks about a dozen intervals, and with 95 % ones a
** correct kernel would miss one by chance on about half of all seed sets
** (seen: M/M/1/5's loss probability, outside its 95 % interval for seeds
** 101..110, inside for five other sets of ten); at 99 % a false alarm is
** rare, and a bias of one half-width still shows.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/rng.h"
#include "kernel/sim.h"
#include "kernel/stats.h"
#include "kernel/store.h"
#include "../tap/tap.h"

enum { REPS = 10 };
#define LEVEL 0.99

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

/* ---- deterministic cases ---- */

static char trace[4000];

/* subject: a label; the trace gets LABEL ITEM " ". */
static void logged(kou_sim *sim, kou_store *s, uint64_t item, void *subject, void *object)
{
    (void)sim, (void)s, (void)object;
    snprintf(trace + strlen(trace), sizeof trace - strlen(trace), "%s%" PRIu64 " ",
             (const char *)subject, item);
}

static int match_calls;

static bool is_even(void *ctx, uint64_t item)
{
    (void)ctx;
    match_calls++;
    return item % 2 == 0;
}

static bool is_odd(void *ctx, uint64_t item)
{
    (void)ctx;
    match_calls++;
    return item % 2 == 1;
}

/* ctx points at a threshold: accepts items above it. */
static bool above(void *ctx, uint64_t item)
{
    match_calls++;
    return item > *(const uint64_t *)ctx;
}

static void test_fifo(void)
{
    kou_sim *sim = new_sim(1);
    kou_store *s = kou_store_new(sim, "yard", 2, KOU_STORE_FIFO);
    trace[0] = '\0';
    ok(kou_store_put(s, 1, 0, logged, "p", NULL) == KOU_STORE_DONE, "put into room: DONE");
    is_string(trace, "p1 ", "callback before the call returned");
    ok(kou_store_put(s, 2, 9, logged, "p", NULL) == KOU_STORE_DONE, "second put: DONE");
    kou_store_id c = kou_store_put(s, 3, 0, logged, "p", NULL);
    kou_store_put(s, 4, 0, logged, "p", NULL);
    ok(c != KOU_STORE_DONE && c != KOU_STORE_FAILED, "full: the third put waits");
    is_int((int64_t)kou_store_puts_waiting(s), 2, "two puts waiting");
    ok(kou_store_get(s, NULL, NULL, logged, "g", NULL) == KOU_STORE_DONE, "get: DONE");
    is_string(trace, "p1 p2 g1 p3 ", "FIFO (priorities ignored): gets 1, then put 3 comes in");
    uint64_t items[4];
    is_int((int64_t)kou_store_items(s, items, 4), 2, "2 items inside");
    ok(items[0] == 2 && items[1] == 3, "items listed in get order: 2 3");
    kou_store_get(s, NULL, NULL, logged, "g", NULL);
    kou_store_get(s, NULL, NULL, logged, "g", NULL);
    kou_store_get(s, NULL, NULL, logged, "g", NULL);
    kou_store_id w = kou_store_get(s, NULL, NULL, logged, "w", NULL);
    is_string(trace, "p1 p2 g1 p3 g2 p4 g3 g4 ", "then 2, 4 comes in, 3, 4");
    ok(w != KOU_STORE_DONE, "empty: the get waits");
    kou_store_put(s, 5, 0, logged, "p", NULL);
    is_string(trace, "p1 p2 g1 p3 g2 p4 g3 g4 p5 w5 ", "a put serves the waiting get at once");
    is_int((int64_t)kou_store_size(s), 0, "empty");
    is_string(kou_store_name(s), "yard", "name");
    ok(kou_store_capacity(s) == 2 && kou_store_kind_of(s) == KOU_STORE_FIFO, "capacity, kind");
    kou_sim_free(sim);
}

static void test_priority(void)
{
    kou_sim *sim = new_sim(1);
    kou_store *s = kou_store_new(sim, "stack", KOU_STORE_UNLIMITED, KOU_STORE_PRIORITY);
    trace[0] = '\0';
    double prio[6] = {0.0, 5.0, 5.0, -1.0, 10.0, 5.0};
    for (int i = 0; i < 6; i++)
        kou_store_put(s, (uint64_t)i + 1, prio[i], logged, "", NULL);
    trace[0] = '\0';
    for (int i = 0; i < 6; i++)
        kou_store_get(s, NULL, NULL, logged, "", NULL);
    is_string(trace, "5 2 3 6 1 4 ", "highest priority first, FIFO among equals");

    /* Against a reference: 3000 random items, 5 priority levels, taken out
    ** in stable order of priority after random interleaving. */
    uint64_t lcg = 12345;
    static double pr[3000];
    static int taken[3000];
    int nt = 0, good = 1;
    for (int i = 0; i < 3000; i++) {
        lcg = lcg * 6364136223846793005u + 1442695040888963407u;
        pr[i] = (double)(lcg >> 61) - 2.0;
        kou_store_put(s, (uint64_t)i, pr[i], logged, "", NULL);
        if ((lcg >> 40) % 3 == 0) { /* take one out now and then */
            trace[0] = '\0';
            kou_store_get(s, NULL, NULL, logged, "", NULL);
            taken[nt++] = atoi(trace);
        }
    }
    while (kou_store_size(s) > 0) {
        trace[0] = '\0';
        kou_store_get(s, NULL, NULL, logged, "", NULL);
        taken[nt++] = atoi(trace);
    }
    /* Reference: replay with a plain array and a linear search. */
    static int inside[3000];
    int nin = 0, k = 0;
    lcg = 12345;
    for (int i = 0; i < 3000 && good; i++) {
        lcg = lcg * 6364136223846793005u + 1442695040888963407u;
        inside[nin++] = i;
        if ((lcg >> 40) % 3 == 0) {
            int best = 0;
            for (int j = 1; j < nin; j++)
                if (pr[inside[j]] > pr[inside[best]])
                    best = j;
            good &= taken[k++] == inside[best];
            memmove(&inside[best], &inside[best + 1], (size_t)(nin - best - 1) * sizeof inside[0]);
            nin--;
        }
    }
    while (nin > 0 && good) {
        int best = 0;
        for (int j = 1; j < nin; j++)
            if (pr[inside[j]] > pr[inside[best]])
                best = j;
        good &= taken[k++] == inside[best];
        memmove(&inside[best], &inside[best + 1], (size_t)(nin - best - 1) * sizeof inside[0]);
        nin--;
    }
    ok(good && k == nt && nt == 3000, "3000 random puts and gets leave in the reference order");
    kou_sim_free(sim);
}

static void test_filter(void)
{
    kou_sim *sim = new_sim(1);
    kou_store *s = kou_store_new(sim, "yard", 4, KOU_STORE_FILTER);
    trace[0] = '\0';
    match_calls = 0;
    for (uint64_t i = 1; i <= 4; i++)
        kou_store_put(s, i, 0, logged, "", NULL);
    trace[0] = '\0';
    ok(kou_store_get(s, is_even, NULL, logged, "e", NULL) == KOU_STORE_DONE, "even: on the spot");
    is_string(trace, "e2 ", "the first even item in store order: 2");
    static uint64_t ten = 10;
    kou_store_id big = kou_store_get(s, above, &ten, logged, "B", NULL);
    ok(big != KOU_STORE_DONE, "above 10: nothing matches, it waits");
    ok(kou_store_get(s, is_odd, NULL, logged, "o", NULL) == KOU_STORE_DONE,
       "a later get for an odd item is not held up by it");
    is_string(trace, "e2 o1 ", "the odd get took 1; the waiting one nothing");
    trace[0] = '\0';
    kou_store_get(s, is_even, NULL, logged, "E", NULL); /* 4 */
    kou_store_id even2 = kou_store_get(s, is_even, NULL, logged, "F", NULL);
    ok(even2 != KOU_STORE_DONE, "a second even get waits");
    match_calls = 0;
    kou_store_put(s, 12, 0, logged, "p", NULL);
    is_string(trace, "E4 p12 B12 ", "12 goes to the earliest waiting get that accepts it (above 10)");
    is_int(match_calls, 1, "one match call: only the new item, only up to the first taker");
    match_calls = 0;
    kou_store_put(s, 7, 0, logged, "p", NULL);
    is_int(match_calls, 1, "put 7: the waiting even get is asked about 7 only");
    kou_store_put(s, 8, 0, logged, "p", NULL);
    is_string(trace, "E4 p12 B12 p7 p8 F8 ", "8 goes to the waiting even get");
    is_int(match_calls, 2, "and about 8 only");
    ok(!kou_store_cancel(s, even2), "completed: cancel false");
    kou_sim_free(sim);
}

/* Full and with gets waiting at once (possible only in a filter store). */
static void test_filter_full(void)
{
    kou_sim *sim = new_sim(1);
    kou_store *s = kou_store_new(sim, "bay", 3, KOU_STORE_FILTER);
    trace[0] = '\0';
    kou_store_put(s, 1, 0, logged, "p", NULL);
    kou_store_put(s, 3, 0, logged, "p", NULL);
    kou_store_put(s, 5, 0, logged, "p", NULL);
    kou_store_get(s, is_even, NULL, logged, "E", NULL);
    kou_store_id p8 = kou_store_put(s, 8, 0, logged, "q", NULL);
    ok(p8 != KOU_STORE_DONE, "full: put 8 waits, with the even get waiting too");
    kou_store_get(s, NULL, NULL, logged, "g", NULL);
    is_string(trace, "p1 p3 p5 g1 q8 E8 ", "a get of any item makes room: 8 comes in and goes to the even get");
    is_int((int64_t)kou_store_size(s), 2, "3 and 5 left");
    uint64_t items[2];
    kou_store_items(s, items, 2);
    ok(items[0] == 3 && items[1] == 5, "in order");
    kou_store_id id = kou_store_get(s, (kou_store_match_fn *)NULL, NULL, logged, "a", NULL);
    ok(id == KOU_STORE_DONE && strstr(trace, "a3 ") != NULL, "a NULL match accepts any item");
    kou_sim_free(sim);
}

static void test_cancel(void)
{
    kou_sim *sim = new_sim(1);
    kou_store *s = kou_store_new(sim, "bin", 1, KOU_STORE_FIFO);
    trace[0] = '\0';
    kou_store_put(s, 1, 0, logged, "p", NULL);
    kou_store_id a = kou_store_put(s, 2, 0, logged, "p", NULL);
    kou_store_id b = kou_store_put(s, 3, 0, logged, "p", NULL);
    ok(kou_store_cancel(s, a), "cancel the head put");
    ok(!kou_store_cancel(s, a), "not twice");
    ok(!kou_store_cancel(s, KOU_STORE_DONE) && !kou_store_cancel(s, KOU_STORE_FAILED) &&
           !kou_store_cancel(s, ((kou_store_id)1 << 32) | 777u),
       "DONE, 0 and bogus ids: false");
    kou_store_get(s, NULL, NULL, logged, "g", NULL);
    is_string(trace, "p1 g1 p3 ", "the withdrawn item never enters");
    ok(!kou_store_cancel(s, b), "completed put: false");
    kou_store_get(s, NULL, NULL, logged, "g", NULL);
    kou_store_id g = kou_store_get(s, NULL, NULL, logged, "g", NULL);
    ok(kou_store_cancel(s, g), "cancel a waiting get");
    kou_store_put(s, 4, 0, logged, "p", NULL);
    is_string(trace, "p1 g1 p3 g3 p4 ", "the withdrawn get takes nothing");
    is_int((int64_t)kou_store_puts_cancelled(s), 1, "1 put cancelled");
    is_int((int64_t)kou_store_gets_cancelled(s), 1, "1 get cancelled");
    kou_sim_free(sim);
}

/* 2000 waiting puts into a store of one place, drained by a getter whose
** every callback gets again: all inside one call, callbacks never nested. */
static int depth, max_depth, n_got;

static void reget(kou_sim *sim, kou_store *s, uint64_t item, void *subject, void *object)
{
    (void)sim, (void)item, (void)subject, (void)object;
    if (++depth > max_depth)
        max_depth = depth;
    n_got++;
    kou_store_get(s, NULL, NULL, reget, NULL, NULL);
    depth--;
}

static void ignore(kou_sim *sim, kou_store *s, uint64_t item, void *subject, void *object)
{
    (void)sim, (void)s, (void)item, (void)subject, (void)object;
}

static void test_reentrant(void)
{
    kou_sim *sim = new_sim(1);
    kou_store *s = kou_store_new(sim, "slot", 1, KOU_STORE_FIFO);
    for (uint64_t i = 0; i < 2001; i++)
        kou_store_put(s, i, 0, ignore, NULL, NULL);
    ok(kou_store_get(s, NULL, NULL, reget, NULL, NULL) == KOU_STORE_DONE, "first get done");
    is_int(n_got, 2001, "2001 items got within the one call");
    is_int(max_depth, 1, "callbacks never nested");
    ok(kou_store_size(s) == 0 && kou_store_gets_waiting(s) == 1, "empty, the last get waiting");
    kou_sim_free(sim);
}

static void at_put(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    kou_store_put(subject, (uint64_t)(uintptr_t)object, 0, logged, "p", NULL);
}

static void at_get(kou_sim *sim, void *subject, void *object)
{
    (void)sim, (void)object;
    kou_store_get(subject, NULL, NULL, logged, "g", NULL);
}

static void test_stats(void)
{
    kou_sim *sim = new_sim(1);
    kou_store *s = kou_store_new(sim, "shelf", 2, KOU_STORE_FIFO);
    trace[0] = '\0';
    /* put 1 at 0, put 2 at 1, put 3 at 2 (waits, full), get at 3 (takes 1,
    ** 3 comes in), get at 5 (takes 2), get at 6 (takes 3), end at 8.
    ** Size 1 on [0,1), 2 on [1,5), 1 on [5,6), 0 on [6,8): mean 10/8.
    ** Stays: 1: 3, 2: 4, 3: 3 (in at 3, out at 6). Put waits 0, 0, 1. */
    kou_event_schedule_at(sim, 0.0, 0, at_put, s, (void *)1);
    kou_event_schedule_at(sim, 1.0, 0, at_put, s, (void *)2);
    kou_event_schedule_at(sim, 2.0, 0, at_put, s, (void *)3);
    kou_event_schedule_at(sim, 3.0, 0, at_get, s, NULL);
    kou_event_schedule_at(sim, 5.0, 0, at_get, s, NULL);
    kou_event_schedule_at(sim, 6.0, 0, at_get, s, NULL);
    kou_sim_run_until(sim, 8.0);
    is_string(trace, "p1 p2 g1 p3 g2 g3 ", "order");
    is_double(kou_store_mean_size(s), 10.0 / 8.0, 1e-12, "mean size 10/8");
    is_double(kou_store_size_stats(s)->max, 2.0, 0, "max size 2");
    is_double(kou_tally_mean(kou_store_stay_stats(s)), 10.0 / 3.0, 1e-12, "mean stay (3 + 4 + 3) / 3");
    is_double(kou_tally_mean(kou_store_put_wait_stats(s)), 1.0 / 3.0, 1e-12, "put waits 0, 0, 1");
    is_double(kou_tally_mean(kou_store_get_wait_stats(s)), 0.0, 0, "gets waited 0");
    is_int((int64_t)kou_store_get_wait_stats(s)->n, 3, "3 gets");
    kou_store_reset_stats(s);
    kou_event_schedule_at(sim, 9.0, 0, at_get, s, NULL);
    kou_event_schedule_at(sim, 9.5, 0, at_put, s, (void *)4);
    kou_sim_run_until(sim, 10.0);
    is_int((int64_t)kou_store_put_wait_stats(s)->n, 1, "after reset: 1 put");
    is_double(kou_tally_mean(kou_store_get_wait_stats(s)), 0.5, 0, "after reset: the get waited 0.5");
    is_double(kou_store_mean_size(s), 0.0, 0, "after reset: item 4 went straight to the getter");
    kou_sim_free(sim);
}

static void test_bad_input(void)
{
    kou_sim *sim = new_sim(1);
    ok(kou_store_new(sim, "a", 0, KOU_STORE_FIFO) == NULL, "capacity 0 refused");
    has_string(kou_sim_errmsg(sim), "store 'a': capacity must be >= 1 item", "message");
    ok(kou_store_new(sim, "b", 1, (kou_store_kind)7) == NULL, "unknown kind refused");
    has_string(kou_sim_errmsg(sim), "store 'b': unknown kind 7", "message");
    ok(kou_store_new(sim, NULL, 1, KOU_STORE_FIFO) == NULL, "NULL name refused");
    kou_store *s = kou_store_new(sim, "c", 1, KOU_STORE_PRIORITY);
    ok(kou_store_put(s, 1, NAN, logged, "p", NULL) == KOU_STORE_FAILED, "NaN priority refused");
    has_string(kou_sim_errmsg(sim), "store 'c': an item's priority cannot be NaN", "message");
    ok(kou_store_get(s, is_even, NULL, logged, "g", NULL) == KOU_STORE_FAILED,
       "a match function on a priority store refused");
    has_string(kou_sim_errmsg(sim), "store 'c': only a filter store takes a match function", "message");
    ok(kou_store_size(s) == 0 && kou_store_gets_waiting(s) == 0, "nothing changed");
    kou_sim_free(sim);
}

/* ---- M/M/1/K through a store ---- */

typedef struct mm1k {
    kou_store *room;
    kou_rng *ra, *rs;
    const kou_dist *ia, *sv;
    kou_timeavg busy;
    uint64_t arrived, lost, next_item;
} mm1k;

static void serve_item(kou_sim *sim, kou_store *s, uint64_t item, void *subject, void *object);

static void service_done(kou_sim *sim, void *subject, void *object)
{
    mm1k *m = subject;
    (void)object;
    kou_timeavg_set(&m->busy, kou_sim_now(sim), 0.0);
    kou_store_get(m->room, NULL, NULL, serve_item, m, NULL);
}

static void serve_item(kou_sim *sim, kou_store *s, uint64_t item, void *subject, void *object)
{
    mm1k *m = subject;
    (void)s, (void)item, (void)object;
    kou_timeavg_set(&m->busy, kou_sim_now(sim), 1.0);
    kou_event_schedule(sim, kou_dist_sample(m->sv, m->rs), 0, service_done, m, NULL);
}

static void customer(kou_sim *sim, void *subject, void *object)
{
    mm1k *m = subject;
    (void)object;
    kou_event_schedule(sim, kou_dist_sample(m->ia, m->ra), 0, customer, m, NULL);
    m->arrived++;
    kou_store_id id = kou_store_put(m->room, m->next_item++, 0.0, ignore, NULL, NULL);
    if (id != KOU_STORE_DONE) { /* the room is full: the customer is lost */
        kou_store_cancel(m->room, id);
        m->lost++;
    }
}

typedef struct mm1k_result {
    double loss, lq, l, wq;
} mm1k_result;

static mm1k_result run_mm1k(double lambda, double mu, int k, double warm, double horizon, uint64_t seed)
{
    kou_sim *sim = new_sim(seed);
    mm1k m = {0};
    m.room = kou_store_new(sim, "room", (size_t)k - 1, KOU_STORE_FIFO);
    m.ra = kou_rng_stream_create(sim, "arrivals");
    m.rs = kou_rng_stream_create(sim, "services");
    m.ia = kou_dist_exponential(sim, 1.0 / lambda);
    m.sv = kou_dist_exponential(sim, 1.0 / mu);
    kou_timeavg_init(&m.busy, 0.0, 0.0);
    kou_store_get(m.room, NULL, NULL, serve_item, &m, NULL);
    kou_event_schedule(sim, kou_dist_sample(m.ia, m.ra), 0, customer, &m, NULL);
    kou_sim_run_until(sim, warm);
    kou_store_reset_stats(m.room);
    kou_timeavg_reset(&m.busy, warm);
    m.arrived = m.lost = 0;
    kou_sim_run_until(sim, warm + horizon);
    kou_time now = kou_sim_now(sim);
    double lq = kou_store_mean_size(m.room);
    mm1k_result r = {(double)m.lost / (double)m.arrived, lq, lq + kou_timeavg_mean(&m.busy, now),
                     kou_tally_mean(kou_store_stay_stats(m.room))};
    kou_sim_free(sim);
    return r;
}

static mm1k_result mm1k_exact(double lambda, double mu, int k)
{
    double rho = lambda / mu, p[64], sum = 0.0;
    KOU_CHECK(k < 64);
    for (int n = 0; n <= k; n++)
        sum += p[n] = pow(rho, n);
    double l = 0.0;
    for (int n = 0; n <= k; n++) {
        p[n] /= sum;
        l += n * p[n];
    }
    double lq = l - (1.0 - p[0]);
    mm1k_result r = {p[k], lq, l, lq / (lambda * (1.0 - p[k]))};
    return r;
}

static void check_mm1k(double lambda, double mu, int k, double horizon, uint64_t seed0)
{
    mm1k_result ex = mm1k_exact(lambda, mu, k);
    double x[4][REPS];
    for (int i = 0; i < REPS; i++) {
        mm1k_result r = run_mm1k(lambda, mu, k, 1000.0, horizon, seed0 + (uint64_t)i + 1);
        x[0][i] = r.loss;
        x[1][i] = r.lq;
        x[2][i] = r.l;
        x[3][i] = r.wq;
    }
    const char *what[4] = {"loss probability", "mean in the room Lq", "mean in system L",
                           "mean stay in the room Wq"};
    double exact[4] = {ex.loss, ex.lq, ex.l, ex.wq};
    for (int j = 0; j < 4; j++) {
        kou_ci ci = kou_ci_student(x[j], REPS, LEVEL);
        ok(ci.lo <= exact[j] && exact[j] <= ci.hi,
           "M/M/1/%d rho=%.2f: %s %.5f in 99%% CI [%.5f, %.5f] (mean %.5f)", k, lambda / mu, what[j],
           exact[j], ci.lo, ci.hi, ci.mean);
    }
}

static void test_exact_formula(void)
{
    mm1k_result r = mm1k_exact(0.5, 1.0, 2);
    is_double(r.loss, 1.0 / 7.0, 1e-12, "hand-computed M/M/1/2 rho=0.5: loss 1/7");
    is_double(r.l, 4.0 / 7.0, 1e-12, "L 4/7");
    is_double(r.lq, 1.0 / 7.0, 1e-12, "Lq 1/7");
    is_double(r.wq, 1.0 / 3.0, 1e-12, "Wq 1/3");
}

int main(void)
{
    test_fifo();
    test_priority();
    test_filter();
    test_filter_full();
    test_cancel();
    test_reentrant();
    test_stats();
    test_bad_input();
    test_exact_formula();
    check_mm1k(0.5, 1.0, 2, 100000.0, 0);
    check_mm1k(0.8, 1.0, 5, 100000.0, 100);
    check_mm1k(1.3, 1.0, 4, 100000.0, 200);
    return tap_done();
}
