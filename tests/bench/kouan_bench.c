/*
** kouan_bench.c — the kernel's standard benchmarks, built on its public API:
**
**   kouan-bench hold K H [SEED]        hold model: K pending events, H holds
**                                      (pop the earliest, schedule t + Exp(1))
**   kouan-bench mmc C LAMBDA MU N [SEED] [WARM]
**                                      M/M/c queue through kou_resource:
**                                      N customers, FIFO, 2 model events each
**
** Each run prints one line "RESULT {json}" in the format of the reference
** programs of shared/bench (ops_per_s for hold, events_per_s for mmc), so
** scripts/bench.sh can run them side by side in one interleaved series.
** Rates cover the simulation phase only (set-up excluded).
*/
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/resource.h"
#include "kernel/rng.h"
#include "kernel/sim.h"
#include "kernel/stats.h"

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static kou_sim *make_sim(uint64_t seed, uint32_t hint)
{
    kou_sim_config cfg;
    kou_sim_config_default(&cfg);
    cfg.seed = seed;
    cfg.event_hint = hint;
    kou_sim *sim;
    char err[256];
    if (kou_sim_new(&sim, &cfg, err, sizeof err) != KOU_OK) {
        fprintf(stderr, "kouan-bench: %s\n", err);
        exit(1);
    }
    return sim;
}

/* ---- hold model ---- */
typedef struct hold_model {
    kou_rng *rng;
    const kou_dist *exp1;
    uint64_t left;
} hold_model;

static void hold(kou_sim *sim, void *subject, void *object)
{
    hold_model *m = subject;
    (void)object;
    if (m->left == 0) {
        kou_sim_stop(sim);
        return;
    }
    m->left--;
    kou_event_schedule(sim, kou_dist_sample(m->exp1, m->rng), 0, hold, m, NULL);
}

static int bench_hold(size_t k, uint64_t h, uint64_t seed)
{
    kou_sim *sim = make_sim(seed, (uint32_t)k + 16);
    hold_model m = {kou_rng_stream_create(sim, "hold"), kou_dist_exponential(sim, 1.0), h};
    for (size_t i = 0; i < k; i++)
        kou_event_schedule(sim, kou_dist_sample(m.exp1, m.rng), 0, hold, &m, NULL);
    double t0 = wall_seconds();
    kou_sim_run(sim);
    double sec = wall_seconds() - t0;
    printf("RESULT {\"bench\":\"hold\",\"impl\":\"kouan\",\"rng\":\"taus2\",\"K\":%zu,"
           "\"H\":%" PRIu64 ",\"sec\":%.6f,\"ops_per_s\":%.1f,\"final_time\":%.6f,"
           "\"expected_time\":%.6f}\n",
           k, h, sec, (double)h / sec, kou_sim_now(sim), (double)h / (double)k);
    kou_sim_free(sim);
    return 0;
}

/* ---- M/M/c through the resource API ---- */
typedef struct mmc_model {
    kou_resource *servers;
    kou_rng *arrivals, *services;
    const kou_dist *interarrival, *service;
    uint64_t n, arrived, warm;
    uint64_t events;
} mmc_model;

static void depart(kou_sim *sim, void *subject, void *object)
{
    mmc_model *m = subject;
    (void)sim, (void)object;
    m->events++;
    kou_resource_release(m->servers);
}

static void start_service(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    mmc_model *m = subject;
    (void)res, (void)object;
    kou_event_schedule(sim, kou_dist_sample(m->service, m->services), 0, depart, m, NULL);
}

static void arrive(kou_sim *sim, void *subject, void *object)
{
    mmc_model *m = subject;
    (void)object;
    m->events++;
    if (++m->arrived == m->warm)
        kou_resource_reset_stats(m->servers);
    if (m->arrived < m->n)
        kou_event_schedule(sim, kou_dist_sample(m->interarrival, m->arrivals), 0, arrive, m, NULL);
    kou_resource_request(m->servers, 0, start_service, m, NULL);
}

static double erlang_c_wq(int c, double lambda, double mu)
{
    double a = lambda / mu, term = 1.0, sum = 0.0;
    for (int k = 0; k < c; k++) {
        sum += term;
        term *= a / (k + 1);
    }
    double top = term / (1.0 - a / c);
    return top / (sum + top) / (c * mu - lambda);
}

static int bench_mmc(int c, double lambda, double mu, uint64_t n, uint64_t seed, uint64_t warm)
{
    kou_sim *sim = make_sim(seed, 64);
    mmc_model m = {0};
    m.servers = kou_resource_new(sim, "servers", c, KOU_QUEUE_FIFO, NULL);
    m.arrivals = kou_rng_stream_create(sim, "arrivals");
    m.services = kou_rng_stream_create(sim, "services");
    m.interarrival = kou_dist_exponential(sim, 1.0 / lambda);
    m.service = kou_dist_exponential(sim, 1.0 / mu);
    m.n = n;
    m.warm = warm;
    if (!m.servers || !m.interarrival || !m.service) {
        fprintf(stderr, "kouan-bench: %s\n", kou_sim_errmsg(sim));
        return 1;
    }
    kou_event_schedule(sim, kou_dist_sample(m.interarrival, m.arrivals), 0, arrive, &m, NULL);
    double t0 = wall_seconds();
    kou_sim_run(sim);
    double sec = wall_seconds() - t0;
    const kou_tally *wait = kou_resource_wait_stats(m.servers);
    printf("RESULT {\"bench\":\"mmc\",\"impl\":\"kouan\",\"rng\":\"taus2\",\"c\":%d,"
           "\"lambda\":%g,\"mu\":%g,\"N\":%" PRIu64 ",\"warm\":%" PRIu64 ",\"sec\":%.6f,"
           "\"events\":%" PRIu64 ",\"events_per_s\":%.1f,\"customers_per_s\":%.1f,"
           "\"wq_mean\":%.6f,\"wq_erlang_c\":%.6f,\"kernel_events\":%" PRIu64
           ",\"end_time\":%.3f}\n",
           c, lambda, mu, n, warm, sec, m.events, (double)m.events / sec, (double)n / sec,
           kou_tally_mean(wait), erlang_c_wq(c, lambda, mu), kou_sim_events_fired(sim),
           kou_sim_now(sim));
    kou_sim_free(sim);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: kouan-bench hold K H [SEED]\n"
                    "       kouan-bench mmc C LAMBDA MU N [SEED] [WARM]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "hold") == 0) {
        size_t k = (size_t)strtod(argv[2], NULL);
        uint64_t h = (uint64_t)strtod(argv[3], NULL);
        uint64_t seed = argc > 4 ? strtoull(argv[4], NULL, 10) : 12345u;
        if (k < 1 || h < 1)
            return usage();
        return bench_hold(k, h, seed);
    }
    if (argc >= 6 && strcmp(argv[1], "mmc") == 0) {
        int c = atoi(argv[2]);
        double lambda = strtod(argv[3], NULL), mu = strtod(argv[4], NULL);
        uint64_t n = (uint64_t)strtod(argv[5], NULL);
        uint64_t seed = argc > 6 ? strtoull(argv[6], NULL, 10) : 12345u;
        uint64_t warm = argc > 7 ? (uint64_t)strtod(argv[7], NULL) : 10000u;
        if (c < 1 || !(lambda > 0) || !(mu > 0) || lambda >= c * mu || n < 1)
            return usage();
        return bench_mmc(c, lambda, mu, n, seed, warm);
    }
    return usage();
}
