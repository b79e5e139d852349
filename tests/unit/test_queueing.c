/*
** Queueing theory against the kernel: M/M/c queues built from kernel events,
** RNG streams and a kou_resource, compared with the exact Erlang-C values.
**
** For each c and load rho, R independent replications (seeds 1..R) each run
** WARM + N customers; statistics restart after the warm-up. The mean wait
** in queue Wq and time-average queue length Lq of each replication give a
** Student-t 95% interval over replications, which must contain the exact
** value. Little's law (Lq = lambda * Wq) is checked on every run, with the
** arrival rate observed in the same window.
*/
#include <math.h>
#include <stdio.h>

#include "kernel/resource.h"
#include "kernel/rng.h"
#include "kernel/sim.h"
#include "kernel/stats.h"
#include "../tap/tap.h"

enum { REPS = 10 };

typedef struct mmc {
    kou_resource *servers;
    kou_rng *arrivals, *services;
    const kou_dist *interarrival, *service;
    uint64_t arrived, warm, total;
    kou_time window_start;
    uint64_t arrived_in_window;
} mmc;

static void depart(kou_sim *sim, void *subject, void *object)
{
    (void)sim, (void)object;
    kou_resource_release(((mmc *)subject)->servers);
}

static void start_service(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    mmc *m = subject;
    (void)res, (void)object;
    kou_event_schedule(sim, kou_dist_sample(m->service, m->services), 0, depart, m, NULL);
}

static void arrive(kou_sim *sim, void *subject, void *object)
{
    mmc *m = subject;
    (void)object;
    m->arrived++;
    if (m->arrived == m->warm + 1) { /* statistics start with this arrival */
        kou_resource_reset_stats(m->servers);
        m->window_start = kou_sim_now(sim);
    }
    if (m->arrived > m->warm)
        m->arrived_in_window++;
    if (m->arrived < m->total)
        kou_event_schedule(sim, kou_dist_sample(m->interarrival, m->arrivals), 0, arrive, m, NULL);
    else
        kou_sim_stop(sim); /* measure up to the last arrival: a stationary window */
    kou_resource_request(m->servers, 0, start_service, m, NULL);
}

static double erlang_c_pwait(int c, double a)
{
    double term = 1.0, sum = 0.0;
    for (int k = 0; k < c; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double top = term / (1.0 - a / c);
    return top / (sum + top);
}

typedef struct run_result {
    double wq, lq, lambda_obs, busy;
} run_result;

static run_result run_mmc(int c, double lambda, double mu, uint64_t warm, uint64_t n, uint64_t seed)
{
    kou_sim_config cfg;
    kou_sim_config_default(&cfg);
    cfg.seed = seed;
    kou_sim *sim;
    kou_sim_new(&sim, &cfg, NULL, 0);
    mmc m = {0};
    m.servers = kou_resource_new(sim, "servers", c, KOU_QUEUE_FIFO, NULL);
    m.arrivals = kou_rng_stream_create(sim, "arrivals");
    m.services = kou_rng_stream_create(sim, "services");
    m.interarrival = kou_dist_exponential(sim, 1.0 / lambda);
    m.service = kou_dist_exponential(sim, 1.0 / mu);
    m.warm = warm;
    m.total = warm + n;
    kou_event_schedule(sim, kou_dist_sample(m.interarrival, m.arrivals), 0, arrive, &m, NULL);
    kou_sim_run(sim);
    kou_time now = kou_sim_now(sim);
    run_result r;
    r.wq = kou_tally_mean(kou_resource_wait_stats(m.servers));
    r.lq = kou_timeavg_mean(kou_resource_queue_stats(m.servers), now);
    r.busy = kou_timeavg_mean(kou_resource_busy_stats(m.servers), now);
    r.lambda_obs = (double)m.arrived_in_window / (now - m.window_start);
    kou_sim_free(sim);
    return r;
}

static void check_mmc(int c, double rho, uint64_t n)
{
    double mu = 1.0, lambda = rho * c * mu, a = lambda / mu;
    double pw = erlang_c_pwait(c, a);
    double wq_exact = pw / (c * mu - lambda), lq_exact = lambda * wq_exact;
    double wq[REPS], lq[REPS], little = 0.0, busy[REPS];
    for (int i = 0; i < REPS; i++) {
        run_result r = run_mmc(c, lambda, mu, n / 10, n, (uint64_t)i + 1);
        wq[i] = r.wq;
        lq[i] = r.lq;
        busy[i] = r.busy;
        double err = fabs(r.lq - r.lambda_obs * r.wq) / r.lq;
        if (err > little)
            little = err;
    }
    kou_ci w = kou_ci_student(wq, REPS, 0.95), l = kou_ci_student(lq, REPS, 0.95);
    kou_ci b = kou_ci_student(busy, REPS, 0.95);
    ok(w.lo <= wq_exact && wq_exact <= w.hi,
       "M/M/%d rho=%.2f: Erlang-C Wq %.4f h in 95%% CI [%.4f, %.4f]", c, rho, wq_exact, w.lo, w.hi);
    ok(l.lo <= lq_exact && lq_exact <= l.hi,
       "M/M/%d rho=%.2f: Erlang-C Lq %.4f in 95%% CI [%.4f, %.4f]", c, rho, lq_exact, l.lo, l.hi);
    ok(b.lo <= a && a <= b.hi, "M/M/%d rho=%.2f: mean busy servers %.3f in 95%% CI [%.3f, %.3f]",
       c, rho, a, b.lo, b.hi);
    ok(little < 0.001, "M/M/%d rho=%.2f: Little's law Lq = lambda*Wq within 0.1%% on every run (worst %.4f%%)",
       c, rho, 100 * little);
}

int main(void)
{
    static const int cs[] = {1, 2, 4, 8};
    static const double rhos[] = {0.5, 0.8, 0.95};
    for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++)
        for (size_t j = 0; j < sizeof rhos / sizeof rhos[0]; j++)
            check_mmc(cs[i], rhos[j], rhos[j] > 0.9 ? 400000 : 100000);

    /* Same seed, same results: byte-identical statistics. */
    run_result r1 = run_mmc(3, 2.4, 1.0, 1000, 50000, 42), r2 = run_mmc(3, 2.4, 1.0, 1000, 50000, 42);
    ok(r1.wq == r2.wq && r1.lq == r2.lq && r1.busy == r2.busy, "same seed gives identical results");
    run_result r3 = run_mmc(3, 2.4, 1.0, 1000, 50000, 43);
    ok(r3.wq != r1.wq, "another seed gives other results");
    return tap_done();
}
