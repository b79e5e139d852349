/*
** Containers (container.h): completion on the spot, FIFO lines without
** overtaking, cancellation, re-entrant callbacks, statistics and refusals;
** then a container between producers and consumers against the exact
** solution of its birth-death chain.
**
** The chain. P producers each think for Exp(lambda) hours, then put 1 unit
** (waiting while the container is full), and start again; G consumers each
** think for Exp(mu), then get 1 (waiting while it is empty). Capacity K
** (integer container). Blocked producers exist only at level K and blocked
** consumers only at level 0, so the state is one integer
**     n = level + (producers waiting) - (consumers waiting),  -G <= n <= K + P,
** with level = clamp(n, 0, K), producers waiting bp(n) = max(0, n - K),
** consumers waiting bc(n) = max(0, -n). A producer ending its thought
** raises n by one whatever happens next (the level rises, or it waits, or
** its unit goes at once to a waiting consumer), at total rate
** b(n) = (P - bp(n)) lambda; a consumer lowers n by one at rate
** d(n) = (G - bc(n)) mu. So n is a birth-death chain on a finite set, with
**     pi(n) proportional to prod_{k=-G}^{n-1} b(k) / d(k+1),
** the mean level sum pi(n) clamp(n, 0, K), the put throughput
** sum pi(n) b(n), and by Little the mean wait of a put
** E[bp] / throughput (and likewise for gets, with E[bc] and sum pi d).
** Hand-computed case: P = G = 1, K = 3, lambda = mu: b = d = lambda on
** every state but the ends, so pi is uniform on n = -1..4 (6 states); mean
** level (0 + 0 + 1 + 2 + 3 + 3) / 6 = 1.5; put wait (1/6) / (5/6 lambda) =
** 0.2 / lambda.
**
** Conservation (initial level + units put - units got = level) is checked
** in every callback of every run; R replications give Student-t 95 %
** intervals for the mean level and the mean waits of puts and gets.
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kernel/container.h"
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

/* ---- deterministic cases ---- */

static char trace[4000];

static void logged(kou_sim *sim, kou_container *c, double amount, void *subject, void *object)
{
    (void)c, (void)object;
    snprintf(trace + strlen(trace), sizeof trace - strlen(trace), "%s%g@%g ",
             (const char *)subject, amount, kou_sim_now(sim));
}

static void test_immediate(void)
{
    kou_sim *sim = new_sim(1);
    kou_container *c = kou_container_new(sim, "tank", 10.0, 2.5, false);
    ok(c != NULL, "created");
    trace[0] = '\0';
    ok(kou_container_put(c, 3.0, logged, "p", NULL) == KOU_CONTAINER_DONE, "a put that fits: DONE");
    is_string(trace, "p3@0 ", "its callback ran before the call returned");
    ok(kou_container_get(c, 5.5, logged, "g", NULL) == KOU_CONTAINER_DONE, "a get the level holds: DONE");
    is_double(kou_container_level(c), 0.0, 0, "level 2.5 + 3 - 5.5 = 0");
    kou_container_id id = kou_container_get(c, 0.5, logged, "g", NULL);
    ok(id != KOU_CONTAINER_DONE && id != KOU_CONTAINER_FAILED, "a get of an empty container waits");
    ok(kou_container_put(c, 10.0, logged, "p", NULL) == KOU_CONTAINER_DONE, "a put of the whole capacity fits");
    is_string(trace, "p3@0 g5.5@0 p10@0 g0.5@0 ", "the put completes, then the waiting get, in that order");
    is_double(kou_container_level(c), 9.5, 0, "level 9.5");
    ok(!kou_container_cancel(c, id), "the completed get cannot be cancelled");
    is_string(kou_container_name(c), "tank", "name");
    is_double(kou_container_capacity(c), 10.0, 0, "capacity");
    kou_container *inf = kou_container_new(sim, "sea", INFINITY, 0.0, true);
    ok(inf != NULL && kou_container_put(inf, 1e15, logged, "p", NULL) == KOU_CONTAINER_DONE,
       "infinite capacity: any put fits");
    ok(kou_container_is_integer(inf) && !kou_container_is_integer(c), "is_integer");
    kou_sim_free(sim);
}

static void test_fifo(void)
{
    kou_sim *sim = new_sim(1);
    kou_container *c = kou_container_new(sim, "yard", 10.0, 8.0, true);
    trace[0] = '\0';
    kou_container_id big = kou_container_put(c, 5.0, logged, "A", NULL);
    kou_container_id small = kou_container_put(c, 1.0, logged, "B", NULL);
    ok(big != KOU_CONTAINER_DONE && small != KOU_CONTAINER_DONE,
       "put 5 waits (8 + 5 > 10), and put 1 waits behind it though it would fit");
    is_int((int64_t)kou_container_puts_waiting(c), 2, "two puts waiting");
    kou_sim_run_until(sim, 1.0);
    ok(kou_container_get(c, 3.0, logged, "g", NULL) == KOU_CONTAINER_DONE, "get 3: done");
    is_string(trace, "g3@1 A5@1 ", "then put 5 fits (level 10); put 1 no longer does");
    is_int((int64_t)kou_container_puts_waiting(c), 1, "one put waiting");
    kou_sim_run_until(sim, 2.0);
    kou_container_get(c, 1.0, logged, "h", NULL);
    is_string(trace, "g3@1 A5@1 h1@2 B1@2 ", "a get of 1 lets put 1 in");
    ok(!kou_container_cancel(c, small), "B completed: cancel false");

    /* Gets: a big one blocks a small one behind it. */
    kou_container *d = kou_container_new(sim, "fuel", 100.0, 0.0, false);
    trace[0] = '\0';
    kou_container_get(d, 5.0, logged, "G", NULL);
    kou_container_get(d, 1.0, logged, "H", NULL);
    ok(kou_container_put(d, 2.0, logged, "p", NULL) == KOU_CONTAINER_DONE, "put 2: done");
    is_int((int64_t)kou_container_gets_waiting(d), 2, "get 5 waits, get 1 behind it too");
    kou_container_put(d, 3.5, logged, "q", NULL);
    is_string(trace, "p2@2 q3.5@2 G5@2 ", "put 3.5: get 5 completes; get 1 still waits (0.5 left)");
    kou_container_put(d, 0.5, logged, "r", NULL);
    is_string(trace, "p2@2 q3.5@2 G5@2 r0.5@2 H1@2 ", "put 0.5: get 1 completes");
    is_double(kou_container_level(d), 0.0, 0, "empty");
    kou_sim_free(sim);
}

static void test_cancel(void)
{
    kou_sim *sim = new_sim(1);
    kou_container *c = kou_container_new(sim, "bay", 4.0, 3.0, true);
    trace[0] = '\0';
    kou_container_id a = kou_container_put(c, 2.0, logged, "A", NULL);
    kou_container_id b = kou_container_put(c, 1.0, logged, "B", NULL);
    kou_container_id d = kou_container_put(c, 1.0, logged, "D", NULL);
    ok(kou_container_cancel(c, d), "cancel a put at the tail");
    ok(!kou_container_cancel(c, d), "not twice");
    is_string(trace, "", "nothing completed");
    ok(kou_container_cancel(c, a), "cancel the head put");
    is_string(trace, "B1@0 ", "the put behind it fits and completes inside the cancel");
    ok(!kou_container_cancel(c, b), "B completed: false");
    ok(!kou_container_cancel(c, KOU_CONTAINER_FAILED), "id 0: false");
    ok(!kou_container_cancel(c, KOU_CONTAINER_DONE), "DONE: false");
    ok(!kou_container_cancel(c, ((kou_container_id)1 << 32) | 9999u), "a bogus id: false");
    kou_container_id g = kou_container_get(c, 4.0, logged, "G", NULL);
    ok(g == KOU_CONTAINER_DONE, "get 4 of 4");
    g = kou_container_get(c, 1.0, logged, "H", NULL);
    ok(kou_container_cancel(c, g), "cancel a waiting get");
    is_int((int64_t)kou_container_puts_cancelled(c), 2, "2 puts cancelled");
    is_int((int64_t)kou_container_gets_cancelled(c), 1, "1 get cancelled");
    is_int((int64_t)kou_container_put_wait_stats(c)->n, 1, "1 put completed (B)");
    is_int((int64_t)kou_container_get_wait_stats(c)->n, 1, "1 get completed");
    kou_sim_free(sim);
}

/* A consumer whose every get callback gets again, 1000 times, against 1000
** waiting puts of a container of capacity 1: the whole exchange happens
** inside the first get, in order, without nesting callbacks. */
static int depth, max_depth, gets_done, puts_done;
static kou_container *ping;

static void pong_put(kou_sim *sim, kou_container *c, double amount, void *subject, void *object)
{
    (void)sim, (void)c, (void)amount, (void)subject, (void)object;
    puts_done++;
}

static void ping_get(kou_sim *sim, kou_container *c, double amount, void *subject, void *object)
{
    (void)sim, (void)amount, (void)subject, (void)object;
    if (++depth > max_depth)
        max_depth = depth;
    gets_done++;
    if (gets_done <= 1000)
        kou_container_get(c, 1.0, ping_get, NULL, NULL);
    depth--;
}

static void test_reentrant(void)
{
    kou_sim *sim = new_sim(1);
    ping = kou_container_new(sim, "slot", 1.0, 1.0, true);
    for (int i = 0; i < 1000; i++)
        kou_container_put(ping, 1.0, pong_put, NULL, NULL);
    ok(kou_container_get(ping, 1.0, ping_get, NULL, NULL) == KOU_CONTAINER_DONE, "first get done");
    is_int(gets_done, 1001, "1001 gets completed within the one call");
    is_int(puts_done, 1000, "and the 1000 waiting puts");
    is_int(max_depth, 1, "callbacks never nested");
    is_double(kou_container_level(ping), 0.0, 0, "empty");
    is_int((int64_t)kou_container_gets_waiting(ping), 0, "nobody waiting");
    kou_sim_free(sim);
}

static void at_put(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    kou_container_put(subject, (double)(intptr_t)object, logged, "p", NULL);
}

static void at_get(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    kou_container_get(subject, (double)(intptr_t)object, logged, "g", NULL);
}

static void test_stats(void)
{
    kou_sim *sim = new_sim(1);
    kou_container *c = kou_container_new(sim, "silo", 10.0, 0.0, true);
    trace[0] = '\0';
    /* put 4 at 0; get 6 at 1 waits; put 4 at 2 (level 8, then the get:
    ** 2); end at 4. Level 4 on [0,2), 2 on [2,4): mean 3. */
    kou_event_schedule_at(sim, 0.0, 0, at_put, c, (void *)4);
    kou_event_schedule_at(sim, 1.0, 0, at_get, c, (void *)6);
    kou_event_schedule_at(sim, 2.0, 0, at_put, c, (void *)4);
    kou_sim_run_until(sim, 4.0);
    is_string(trace, "p4@0 p4@2 g6@2 ", "order of completions");
    is_double(kou_container_mean_level(c), 3.0, 1e-12, "mean level 3");
    is_double(kou_container_level_stats(c)->max, 8.0, 0, "max level 8 (at 2, before the get)");
    is_double(kou_tally_mean(kou_container_get_wait_stats(c)), 1.0, 0, "the get waited 1 h");
    is_double(kou_tally_mean(kou_container_put_wait_stats(c)), 0.0, 0, "puts waited 0");
    is_double(kou_container_amount_put(c), 8.0, 0, "8 put");
    is_double(kou_container_amount_got(c), 6.0, 0, "6 got");
    kou_container_reset_stats(c);
    kou_sim_run_until(sim, 5.0);
    is_double(kou_container_mean_level(c), 2.0, 0, "after reset: mean level 2 over [4, 5]");
    is_int((int64_t)kou_container_put_wait_stats(c)->n, 0, "after reset: no put");
    is_double(kou_container_amount_put(c), 0.0, 0, "after reset: amounts afresh");
    is_double(kou_container_level(c), 2.0, 0, "the level is kept");
    kou_sim_free(sim);
}

static void test_bad_input(void)
{
    kou_sim *sim = new_sim(1);
    ok(kou_container_new(sim, "a", 0.0, 0.0, false) == NULL, "capacity 0 refused");
    has_string(kou_sim_errmsg(sim), "container 'a': capacity must be > 0 (got 0)", "message");
    ok(kou_container_new(sim, "b", NAN, 0.0, false) == NULL, "capacity NaN refused");
    ok(kou_container_new(sim, "c", 5.0, 6.0, false) == NULL, "init above capacity refused");
    has_string(kou_sim_errmsg(sim), "container 'c': initial level must be in [0, 5] (got 6)", "message");
    ok(kou_container_new(sim, "d", 5.0, -1.0, false) == NULL, "negative init refused");
    ok(kou_container_new(sim, "e", 5.5, 0.0, true) == NULL, "integer with capacity 5.5 refused");
    has_string(kou_sim_errmsg(sim), "integer container needs a whole capacity", "message");
    ok(kou_container_new(sim, "", 5.0, 0.0, false) == NULL, "empty name refused");
    kou_container *c = kou_container_new(sim, "crates", 5.0, 0.0, true);
    ok(kou_container_put(c, 0.0, logged, "p", NULL) == KOU_CONTAINER_FAILED, "put 0 refused");
    has_string(kou_sim_errmsg(sim), "container 'crates': cannot put 0 (amounts must be > 0, finite, "
               "at most the capacity 5 and whole)", "message");
    ok(kou_container_put(c, 1.5, logged, "p", NULL) == KOU_CONTAINER_FAILED, "put 1.5 of an integer container refused");
    ok(kou_container_get(c, 6.0, logged, "g", NULL) == KOU_CONTAINER_FAILED, "get above capacity refused");
    ok(kou_container_get(c, NAN, logged, "g", NULL) == KOU_CONTAINER_FAILED, "get NaN refused");
    ok(kou_container_put(c, INFINITY, logged, "p", NULL) == KOU_CONTAINER_FAILED, "put inf refused");
    ok(kou_container_puts_waiting(c) == 0 && kou_container_gets_waiting(c) == 0, "nothing joined a line");
    kou_sim_free(sim);
}

/* ---- producers and consumers against the birth-death chain ---- */

typedef struct pc_model {
    kou_container *c;
    kou_rng *rp, *rc;
    const kou_dist *think_p, *think_c;
    double init;
    uint64_t violations; /* conservation broken */
} pc_model;

static void conserve(pc_model *m)
{
    const kou_container *c = m->c;
    if (m->init + kou_container_amount_put(c) - kou_container_amount_got(c) != kou_container_level(c))
        m->violations++;
}

static void think_put(kou_sim *sim, void *subject, void *object);
static void think_get(kou_sim *sim, void *subject, void *object);

static void put_done(kou_sim *sim, kou_container *c, double amount, void *subject, void *object)
{
    pc_model *m = subject;
    (void)c, (void)amount, (void)object;
    conserve(m);
    kou_event_schedule(sim, kou_dist_sample(m->think_p, m->rp), 0, think_put, m, NULL);
}

static void get_done(kou_sim *sim, kou_container *c, double amount, void *subject, void *object)
{
    pc_model *m = subject;
    (void)c, (void)amount, (void)object;
    conserve(m);
    kou_event_schedule(sim, kou_dist_sample(m->think_c, m->rc), 0, think_get, m, NULL);
}

static void think_put(kou_sim *sim, void *subject, void *object)
{
    (void)sim, (void)object;
    kou_container_put(((pc_model *)subject)->c, 1.0, put_done, subject, NULL);
}

static void think_get(kou_sim *sim, void *subject, void *object)
{
    (void)sim, (void)object;
    kou_container_get(((pc_model *)subject)->c, 1.0, get_done, subject, NULL);
}

typedef struct pc_case {
    int p, g, k, init;
    double lambda, mu;
} pc_case;

typedef struct pc_result {
    double level, put_wait, get_wait;
    uint64_t violations, puts;
} pc_result;

static pc_result run_pc(const pc_case *pc, double warm, double horizon, uint64_t seed)
{
    kou_sim *sim = new_sim(seed);
    pc_model m = {0};
    m.c = kou_container_new(sim, "buffer", pc->k, pc->init, true);
    m.rp = kou_rng_stream_create(sim, "producers");
    m.rc = kou_rng_stream_create(sim, "consumers");
    m.think_p = kou_dist_exponential(sim, 1.0 / pc->lambda);
    m.think_c = kou_dist_exponential(sim, 1.0 / pc->mu);
    m.init = pc->init;
    for (int i = 0; i < pc->p; i++)
        kou_event_schedule(sim, kou_dist_sample(m.think_p, m.rp), 0, think_put, &m, NULL);
    for (int i = 0; i < pc->g; i++)
        kou_event_schedule(sim, kou_dist_sample(m.think_c, m.rc), 0, think_get, &m, NULL);
    kou_sim_run_until(sim, warm);
    uint64_t v = m.violations;
    kou_container_reset_stats(m.c);
    m.init = kou_container_level(m.c); /* conservation from the reset on */
    kou_sim_run_until(sim, warm + horizon);
    pc_result r = {kou_container_mean_level(m.c), kou_tally_mean(kou_container_put_wait_stats(m.c)),
                   kou_tally_mean(kou_container_get_wait_stats(m.c)), v + m.violations,
                   kou_container_put_wait_stats(m.c)->n};
    kou_sim_free(sim);
    return r;
}

/* The exact values (header comment). */
static void pc_exact(const pc_case *pc, double *level, double *put_wait, double *get_wait)
{
    int lo = -pc->g, hi = pc->k + pc->p;
    double pi[256], w = 1.0, sum = 0.0;
    KOU_CHECK(hi - lo < 256);
    for (int n = lo; n <= hi; n++) {
        if (n > lo) {
            int k = n - 1;
            double b = (pc->p - (k > pc->k ? k - pc->k : 0)) * pc->lambda;
            double d = (pc->g - (n < 0 ? -n : 0)) * pc->mu;
            w *= b / d;
        }
        pi[n - lo] = w;
        sum += w;
    }
    double lv = 0, bp = 0, bc = 0, tput = 0, tget = 0;
    for (int n = lo; n <= hi; n++) {
        double q = pi[n - lo] / sum;
        int bpn = n > pc->k ? n - pc->k : 0, bcn = n < 0 ? -n : 0;
        lv += q * (n < 0 ? 0 : n > pc->k ? pc->k : n);
        bp += q * bpn;
        bc += q * bcn;
        tput += q * (pc->p - bpn) * pc->lambda;
        tget += q * (pc->g - bcn) * pc->mu;
    }
    *level = lv;
    *put_wait = bp / tput;
    *get_wait = bc / tget;
}

static void check_pc(const pc_case *pc, double horizon, uint64_t seed0)
{
    double lv, pw, gw, x[3][REPS];
    pc_exact(pc, &lv, &pw, &gw);
    uint64_t bad = 0, puts = 0;
    for (int i = 0; i < REPS; i++) {
        pc_result r = run_pc(pc, 1000.0, horizon, seed0 + (uint64_t)i + 1);
        x[0][i] = r.level;
        x[1][i] = r.put_wait;
        x[2][i] = r.get_wait;
        bad += r.violations;
        puts += r.puts;
    }
    const char *what[3] = {"mean level", "mean put wait", "mean get wait"};
    double exact[3] = {lv, pw, gw};
    for (int k = 0; k < 3; k++) {
        kou_ci ci = kou_ci_student(x[k], REPS, 0.95);
        ok(ci.lo <= exact[k] && exact[k] <= ci.hi,
           "P=%d G=%d K=%d l=%.2f m=%.2f: %s %.4f in 95%% CI [%.4f, %.4f] (mean %.4f)", pc->p, pc->g,
           pc->k, pc->lambda, pc->mu, what[k], exact[k], ci.lo, ci.hi, ci.mean);
    }
    ok(bad == 0, "conservation init + put - got = level at every completion (%" PRIu64 " puts)", puts);
}

static void test_exact_formula(void)
{
    pc_case c = {1, 1, 3, 0, 1.0, 1.0};
    double lv, pw, gw;
    pc_exact(&c, &lv, &pw, &gw);
    is_double(lv, 1.5, 1e-12, "hand-computed P=G=1 K=3 lambda=mu=1: mean level 1.5");
    is_double(pw, 0.2, 1e-12, "hand-computed put wait 0.2");
    is_double(gw, 0.2, 1e-12, "and get wait 0.2 (symmetry)");
}

int main(void)
{
    test_immediate();
    test_fifo();
    test_cancel();
    test_reentrant();
    test_stats();
    test_bad_input();
    test_exact_formula();
    static const pc_case c1 = {1, 1, 3, 0, 1.0, 1.0};
    static const pc_case c2 = {2, 3, 5, 2, 1.0, 0.6};
    static const pc_case c3 = {4, 2, 10, 10, 0.5, 0.9};
    check_pc(&c1, 100000.0, 0);
    check_pc(&c2, 100000.0, 100);
    check_pc(&c3, 100000.0, 200);
    return tap_done();
}
