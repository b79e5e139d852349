/*
** rng.h — random numbers for the kernel: named streams derived from the
** simulation's master seed, the distributions a logistics model needs, and
** a non-homogeneous Poisson process for arrivals by hour of the week.
**
** Streams. Every stream is named ("arrival", "inspection") and its state is
** a pure function of (master seed, name, key): creating another stream, in
** any order, or drawing more from one, never shifts another. This is what
** common random numbers between scenarios rest on. kou_rng_stream_rekey
** re-seeds a stream from a model key (a consignment number, say), so that
** the same entity gets the same draws in two scenarios even when events
** happen in a different order; it costs a few tens of nanoseconds and
** allocates nothing. A new stream starts at key 0, so rekey(r, 0) restarts
** it.
**
** Generator. Each stream is a GSL taus2 generator (L'Ecuyer's maximally
** equidistributed combined Tausworthe, period 2^88). It is about 30% cheaper
** per draw than GSL's default mt19937 (perf.md point 2: 16 vs 23 ns per
** exponential), passes the standard batteries, and its state is three words,
** so thousands of keyed streams cost nothing and rekeying is cheap. Seeds
** do not go through gsl_rng_set, which keeps only 32 bits of the seed
** (with thousands of keyed streams two of them would likely coincide):
** rng.c mixes (seed, name, key) into 64 bits and writes the state words
** directly. kou_rng_uniform has 32 bits of resolution; the normal-based
** draws combine two outputs into 52 bits.
**
** Ownership. The simulation owns every stream, distribution and arrival
** process created through it (kou_sim_free releases them; there is no
** _free here). Streams are not thread-safe; a simulation runs on one
** thread. Distributions and processes are immutable after creation.
**
** Errors. Constructors given bad input return NULL and leave a message on
** the simulation (kou_sim_errmsg), naming the stream or distribution and
** the allowed range, e.g. "lognormal: cv must be > 0 (got -0.5)". A NULL
** handle is a bug in the caller: stopped by KOU_CHECK, except on the
** per-draw paths (kou_rng_uniform/uint32, kou_dist_sample), which only
** assert in debug builds.
** GSL's abort-on-error handler is switched off once per process.
*/
#ifndef KOUAN_KERNEL_RNG_H
#define KOUAN_KERNEL_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "base.h"
#include "sim.h"

typedef struct kou_rng kou_rng;
typedef struct kou_dist kou_dist;
typedef struct kou_nhpp kou_nhpp;

/* Longest stream name, in bytes (not counting the terminating NUL). */
#define KOU_RNG_NAME_MAX 63

/* ---- streams ---- */
/* Creates the stream 'name' (1 to KOU_RNG_NAME_MAX bytes), seeded from
** (kou_sim_seed(sim), name, key 0). Returns NULL with a message for an
** empty or over-long name or a name already in use. */
kou_rng *kou_rng_stream_create(kou_sim *sim, const char *name);
/* The stream called 'name', or NULL with a message (KOU_ENOENT) that
** suggests the nearest existing name or lists the known ones. */
kou_rng *kou_rng_stream_find(kou_sim *sim, const char *name);
/* Re-seeds the stream from (master seed, name, key). The same key always
** gives the same sequence; key 0 is the stream's initial state. */
void kou_rng_stream_rekey(kou_rng *r, uint64_t key);
/* The key the stream was last seeded with (0 for a new stream). */
uint64_t kou_rng_key(const kou_rng *r);
const char *kou_rng_name(const kou_rng *r);
/* Number of streams created in sim. */
size_t kou_rng_stream_count(kou_sim *sim);

/* ---- raw draws (each consumes exactly one generator output) ---- */
/* Uniform in the open interval (0, 1), 32-bit resolution: (k + 0.5) / 2^32. */
double kou_rng_uniform(kou_rng *r);
/* The generator's next 32-bit output. */
uint32_t kou_rng_uint32(kou_rng *r);
/* An index in [0, n), n >= 1, by multiply-shift: the bias is at most
** n / 2^32 (negligible for choosing among model objects). */
uint32_t kou_rng_index(kou_rng *r, uint32_t n);

/* ---- distributions ---- */
/* Each constructor checks its parameters (finite, in range) and returns
** NULL with a message otherwise. Samples are doubles in the model's units
** (usually hours). Unless noted a sample consumes one uniform (inverse
** transform), so streams stay in step between scenarios. */

/* Mean > 0. Sample: -mean * log(U), the hottest path. */
kou_dist *kou_dist_exponential(kou_sim *sim, double mean);
/* Sum of k exponentials with the given total mean; 1 <= k <= 1000, mean > 0.
** Consumes k uniforms. */
kou_dist *kou_dist_erlang(kou_sim *sim, int k, double mean);
/* Gamma with shape > 0 and scale > 0 (mean shape*scale). Sampled by GSL's
** Marsaglia-Tsang method: the number of uniforms consumed VARIES. */
kou_dist *kou_dist_gamma(kou_sim *sim, double shape, double scale);
/* exp(N(mu, sigma^2)), sigma > 0. Consumes two uniforms (a 52-bit uniform
** through the inverse normal CDF). */
kou_dist *kou_dist_lognormal(kou_sim *sim, double mu, double sigma);
/* Lognormal given its mean (> 0) and coefficient of variation (> 0). */
kou_dist *kou_dist_lognormal_mean_cv(kou_sim *sim, double mean, double cv);
/* scale * (-log U)^(1/shape); shape > 0, scale > 0. */
kou_dist *kou_dist_weibull(kou_sim *sim, double shape, double scale);
/* min <= mode <= max, min < max. */
kou_dist *kou_dist_triangular(kou_sim *sim, double min, double mode, double max);
/* Uniform on (a, b), a < b. */
kou_dist *kou_dist_uniform(kou_sim *sim, double a, double b);
/* Normal(mean, sd^2) restricted to [lo, hi]; sd > 0, lo < hi, and lo or hi
** may be infinite. When the window holds at least half the mass, rejection
** (GSL's ziggurat normal; the number of uniforms VARIES, and after 32
** misses it falls back to the inverse CDF). Otherwise the inverse CDF
** (two uniforms), which also works far in the tail (lo = mean + 6 sd). A
** window with no representable mass (beyond about 37 sd) is refused. */
kou_dist *kou_dist_truncnormal(kou_sim *sim, double mean, double sd, double lo, double hi);
/* Always 'value'; consumes no uniform. */
kou_dist *kou_dist_deterministic(kou_sim *sim, double value);
/* values[i] with probability weights[i] / sum(weights); n >= 1, weights
** >= 0 and not all zero, values finite. The arrays are copied. Walker's
** alias method (gsl_ran_discrete), one uniform. */
kou_dist *kou_dist_discrete(kou_sim *sim, const double *values, const double *weights, size_t n);
/* Continuous piecewise-linear CDF through npoints >= 2 points (x[i], p[i]):
** x strictly increasing, p non-decreasing from p[0] = 0 to p[npoints-1] = 1
** (within 1e-9). Inverse-CDF interpolation, one uniform. */
kou_dist *kou_dist_piecewise(kou_sim *sim, const double *x, const double *p, size_t npoints);
/* 1 with probability p, else 0; 0 <= p <= 1. */
kou_dist *kou_dist_bernoulli(kou_sim *sim, double p);

/* One sample of d drawn from r. */
double kou_dist_sample(const kou_dist *d, kou_rng *r);
/* The theoretical mean. */
double kou_dist_mean(const kou_dist *d);
/* Uniforms one sample consumes, or -1 when the count varies (gamma,
** truncated normal by rejection). */
int kou_dist_uniforms_per_sample(const kou_dist *d);
/* The family's name: "exponential", "lognormal", ... */
const char *kou_dist_name(const kou_dist *d);
/* Writes e.g. "lognormal(mean=2, cv=0.5)" into buf (always NUL-terminated
** when len > 0). Returns the length the full text needs, like snprintf. */
int kou_dist_describe(const kou_dist *d, char *buf, size_t len);

/* ---- non-homogeneous Poisson arrivals ---- */
/* Arrival rates per hour of the week, rate_per_hour[weekday*24 + hour]
** with weekday 0 = Monday. Hour 0 of the simulation falls on the weekday
** of kou_sim_start_date(sim). Rates must be finite, >= 0 and not all zero;
** the array is copied. */
kou_nhpp *kou_nhpp_new(kou_sim *sim, const double rate_per_hour[168]);
/* Rate at weekday w and hour h = hourly[h] * weekday_factor[w]. */
kou_nhpp *kou_nhpp_new_daily(kou_sim *sim, const double hourly[24], const double weekday_factor[7]);
/* Next arrival time after 'now' (finite), by inverting the cumulative
** intensity: exactly one uniform per arrival. The result is >= now (equal
** only when the gap rounds to zero). */
kou_time kou_nhpp_next(const kou_nhpp *p, kou_rng *r, kou_time now);
/* The rate in force at time t. */
double kou_nhpp_rate(const kou_nhpp *p, kou_time t);
/* Expected number of arrivals in [t0, t1] (t0 <= t1). */
double kou_nhpp_expected(const kou_nhpp *p, kou_time t0, kou_time t1);

#endif
