/*
** test_rng.c — streams, distributions and the arrival process of rng.h.
** Theoretical moments are computed here from the textbook formulas, not
** taken from the code under test.
*/
#include "kernel/rng.h"
#include "kernel/sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap/tap.h"

static kou_sim *new_sim(uint64_t seed, int32_t start_date)
{
    kou_sim_config cfg;
    kou_sim_config_default(&cfg);
    cfg.seed = seed;
    if (start_date)
        cfg.start_date = start_date;
    kou_sim *sim = NULL;
    char err[256];
    if (kou_sim_new(&sim, &cfg, err, sizeof err) != KOU_OK)
        bail("cannot create simulation: %s", err);
    return sim;
}

static kou_rng *stream(kou_sim *sim, const char *name)
{
    kou_rng *r = kou_rng_stream_create(sim, name);
    if (!r)
        bail("cannot create stream '%s': %s", name, kou_sim_errmsg(sim));
    return r;
}

/* ---- streams ---- */

#define SEQ 64

static void draw(kou_rng *r, uint32_t *out, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = kou_rng_uint32(r);
}

static bool same(const uint32_t *a, const uint32_t *b, int n)
{
    return memcmp(a, b, (size_t)n * sizeof *a) == 0;
}

static void test_streams(void)
{
    uint32_t a[SEQ], b[SEQ], c[SEQ];

    kou_sim *s1 = new_sim(42, 0), *s2 = new_sim(42, 0), *s3 = new_sim(43, 0);
    draw(stream(s1, "arrival"), a, SEQ);
    draw(stream(s2, "arrival"), b, SEQ);
    draw(stream(s3, "arrival"), c, SEQ);
    ok(same(a, b, SEQ), "same seed and name give the same sequence");
    ok(!same(a, c, SEQ), "a different master seed gives a different sequence");
    kou_sim_free(s1);
    kou_sim_free(s2);
    kou_sim_free(s3);

    /* Reference: 'service' alone in its simulation. */
    s1 = new_sim(7, 0);
    draw(stream(s1, "service"), a, SEQ);
    kou_sim_free(s1);

    /* Other streams created before and after, and drawn from heavily. */
    s2 = new_sim(7, 0);
    kou_rng *before = stream(s2, "arrival");
    for (int i = 0; i < 1000; i++)
        (void)kou_rng_uniform(before);
    kou_rng *svc = stream(s2, "service");
    draw(svc, b, SEQ / 2);
    kou_rng *after = stream(s2, "inspection");
    for (int i = 0; i < 1000; i++)
        (void)kou_rng_uniform(after);
    draw(svc, b + SEQ / 2, SEQ / 2);
    ok(same(a, b, SEQ), "other streams created before/after and drawn from do not shift a stream");

    uint32_t other[SEQ];
    draw(stream(s2, "service2"), other, SEQ);
    ok(!same(a, other, SEQ), "different names give different sequences");
    is_int((int64_t)kou_rng_stream_count(s2), 4, "stream count");
    ok(kou_rng_stream_find(s2, "service") == svc, "find returns the stream created under that name");
    is_string(kou_rng_name(svc), "service", "stream name");

    /* Rekeying. */
    kou_rng_stream_rekey(svc, 12345);
    draw(svc, a, SEQ);
    is_int((int64_t)kou_rng_key(svc), 12345, "key recorded");
    kou_rng_stream_rekey(svc, 99);
    draw(svc, b, SEQ);
    kou_rng_stream_rekey(svc, 12345);
    draw(svc, c, SEQ);
    ok(same(a, c, SEQ), "rekey with the same key reproduces the sequence");
    ok(!same(a, b, SEQ), "rekey with a different key gives a different sequence");
    kou_rng_stream_rekey(svc, 0);
    draw(svc, c, SEQ);
    s1 = new_sim(7, 0);
    draw(stream(s1, "service"), b, SEQ);
    ok(same(b, c, SEQ), "rekey with key 0 restarts the stream");
    /* Same key in another simulation with the same seed. */
    kou_rng *svc1 = kou_rng_stream_find(s1, "service");
    kou_rng_stream_rekey(svc1, 12345);
    draw(svc1, b, SEQ);
    ok(same(a, b, SEQ), "rekey is a function of (seed, name, key) only");
    /* Same key on a different stream name differs. */
    kou_rng *arr1 = stream(s1, "arrival");
    kou_rng_stream_rekey(arr1, 12345);
    draw(arr1, b, SEQ);
    ok(!same(a, b, SEQ), "the same key on another stream gives another sequence");

    /* Many keyed states: neighbouring keys give unrelated first draws
    ** (no two of 20000 keys share their first two outputs). */
    enum { NK = 20000 };
    uint64_t *firsts = malloc(NK * sizeof *firsts);
    for (int k = 0; k < NK; k++) {
        kou_rng_stream_rekey(arr1, (uint64_t)k);
        uint64_t x = kou_rng_uint32(arr1);
        firsts[k] = (x << 32) | kou_rng_uint32(arr1);
    }
    int dups = 0;
    for (int i = 0; i < NK && dups == 0; i++)
        for (int j = i + 1; j < i + 64 && j < NK; j++)
            dups += firsts[i] == firsts[j];
    is_int(dups, 0, "neighbouring keys give distinct sequences");
    /* Bit balance of the first output across keys. */
    double ones = 0;
    for (int k = 0; k < NK; k++)
        ones += (double)__builtin_popcountll(firsts[k] >> 32);
    is_double(ones / NK, 16.0, 0.1, "first output after rekey has balanced bits (mean popcount 16)");
    free(firsts);

    /* Uniforms stay in (0, 1); index in range. */
    bool in = true;
    uint32_t hits[5] = {0};
    for (int i = 0; i < 100000; i++) {
        double u = kou_rng_uniform(svc);
        in &= u > 0 && u < 1;
        uint32_t k = kou_rng_index(svc, 5);
        if (k < 5)
            hits[k]++;
        else
            in = false;
    }
    ok(in, "uniform in (0,1) and index in [0,n)");
    bool even = true;
    for (int k = 0; k < 5; k++)
        even &= fabs(hits[k] - 20000.0) < 4 * sqrt(100000 * 0.2 * 0.8);
    ok(even, "index(5) is uniform over 0..4");

    kou_sim_free(s1);
    kou_sim_free(s2);
}

static void test_stream_errors(void)
{
    kou_sim *sim = new_sim(1, 0);
    ok(kou_rng_stream_find(sim, "arrival") == NULL, "find in an empty simulation fails");
    has_string(kou_sim_errmsg(sim), "no random streams", "  ... saying there are none");
    stream(sim, "arrival");
    stream(sim, "service");
    stream(sim, "inspection");
    ok(kou_rng_stream_find(sim, "arival") == NULL, "unknown stream refused");
    has_string(kou_sim_errmsg(sim), "unknown random stream 'arival' (did you mean 'arrival'?)",
               "  ... suggesting the nearest name");
    is_int(kou_sim_errcode(sim), KOU_ENOENT, "  ... with KOU_ENOENT");
    ok(kou_rng_stream_find(sim, "inpsection") == NULL, "transposed name refused");
    has_string(kou_sim_errmsg(sim), "did you mean 'inspection'?", "  ... suggesting by transposition");
    ok(kou_rng_stream_find(sim, "weather") == NULL, "unrelated name refused");
    has_string(kou_sim_errmsg(sim), "known streams: 'arrival', 'service', 'inspection'",
               "  ... listing the known streams");
    ok(kou_rng_stream_create(sim, "service") == NULL, "duplicate stream refused");
    has_string(kou_sim_errmsg(sim), "random stream 'service' already exists", "  ... with a message");
    ok(kou_rng_stream_create(sim, "") == NULL, "empty name refused");
    has_string(kou_sim_errmsg(sim), "must not be empty", "  ... with a message");
    char longname[100];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    ok(kou_rng_stream_create(sim, longname) == NULL, "over-long name refused");
    has_string(kou_sim_errmsg(sim), "too long (99 bytes; at most 63)", "  ... with a message");
    longname[KOU_RNG_NAME_MAX] = '\0';
    ok(kou_rng_stream_create(sim, longname) != NULL, "a name of exactly KOU_RNG_NAME_MAX bytes is fine");
    kou_sim_free(sim);
}

/* ---- distributions: moments ---- */

#define N 200000

typedef struct moments {
    double mean, var, se_mean, se_var, min, max;
} moments;

/* Sample mean and variance, with their standard errors estimated from the
** sample itself (se of s^2 from the fourth central moment). */
static moments sample_moments(const kou_dist *d, kou_rng *r, int n)
{
    double *x = malloc((size_t)n * sizeof *x);
    double s = 0;
    moments m = {0, 0, 0, 0, INFINITY, -INFINITY};
    for (int i = 0; i < n; i++) {
        x[i] = kou_dist_sample(d, r);
        s += x[i];
        m.min = fmin(m.min, x[i]);
        m.max = fmax(m.max, x[i]);
    }
    m.mean = s / n;
    double m2 = 0, m4 = 0;
    for (int i = 0; i < n; i++) {
        double dx = x[i] - m.mean;
        m2 += dx * dx;
        m4 += dx * dx * dx * dx;
    }
    m2 /= n;
    m4 /= n;
    m.var = m2 * n / (n - 1);
    m.se_mean = sqrt(m.var / n);
    m.se_var = sqrt(fmax(m4 - m2 * m2, 0) / n);
    free(x);
    return m;
}

static void check_moments(const kou_dist *d, kou_rng *r, double mean, double var)
{
    char desc[128];
    kou_dist_describe(d, desc, sizeof desc);
    moments m = sample_moments(d, r, N);
    double tol_m = 4 * m.se_mean + 1e-12 * fabs(mean);
    double tol_v = 5 * m.se_var + 1e-12 * var;
    is_double(m.mean, mean, tol_m, "%s: sample mean %.6g vs %.6g (4 SE = %.3g)", desc, m.mean, mean, tol_m);
    is_double(m.var, var, tol_v, "%s: sample variance %.6g vs %.6g (5 SE = %.3g)", desc, m.var, var, tol_v);
    is_double(kou_dist_mean(d), mean, 1e-9 * fmax(1, fabs(mean)), "%s: kou_dist_mean", desc);
}

static double Phi(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

static double dphi(double z)
{
    return isinf(z) ? 0 : exp(-0.5 * z * z) * 0.3989422804014327;
}

static void truncnormal_theory(double mu, double sd, double lo, double hi, double *mean, double *var)
{
    double a = (lo - mu) / sd, b = (hi - mu) / sd;
    /* upper-tail form for windows above the mean keeps precision */
    double z = a > 0 ? 0.5 * erfc(a / sqrt(2.0)) - 0.5 * erfc(b / sqrt(2.0)) : Phi(b) - Phi(a);
    double pa = dphi(a), pb = dphi(b);
    double ta = isinf(a) ? 0 : a * pa, tb = isinf(b) ? 0 : b * pb;
    double r = (pa - pb) / z;
    *mean = mu + sd * r;
    *var = sd * sd * (1 + (ta - tb) / z - r * r);
}

static void test_moments(void)
{
    kou_sim *sim = new_sim(2024, 0);
    kou_rng *r = stream(sim, "moments");

    check_moments(kou_dist_exponential(sim, 2.5), r, 2.5, 6.25);
    check_moments(kou_dist_erlang(sim, 3, 6.0), r, 6.0, 36.0 / 3);
    check_moments(kou_dist_erlang(sim, 40, 1.0), r, 1.0, 1.0 / 40);
    check_moments(kou_dist_gamma(sim, 2.5, 1.5), r, 3.75, 2.5 * 1.5 * 1.5);
    check_moments(kou_dist_gamma(sim, 0.5, 2.0), r, 1.0, 0.5 * 4.0);
    double mu = 0.3, sg = 0.6;
    check_moments(kou_dist_lognormal(sim, mu, sg), r, exp(mu + sg * sg / 2),
                  (exp(sg * sg) - 1) * exp(2 * mu + sg * sg));
    check_moments(kou_dist_lognormal_mean_cv(sim, 2.0, 0.5), r, 2.0, 1.0);
    double k = 1.5, lam = 3.0;
    double g1 = tgamma(1 + 1 / k), g2 = tgamma(1 + 2 / k);
    check_moments(kou_dist_weibull(sim, k, lam), r, lam * g1, lam * lam * (g2 - g1 * g1));
    double ta = 1, tc = 2, tb = 5;
    check_moments(kou_dist_triangular(sim, ta, tc, tb), r, (ta + tb + tc) / 3,
                  (ta * ta + tb * tb + tc * tc - ta * tb - ta * tc - tb * tc) / 18);
    check_moments(kou_dist_triangular(sim, 0, 0, 1), r, 1.0 / 3, 1.0 / 18);
    check_moments(kou_dist_uniform(sim, -2, 6), r, 2.0, 64.0 / 12);

    double tm, tv;
    truncnormal_theory(10, 3, 5, 20, &tm, &tv);
    kou_dist *tn = kou_dist_truncnormal(sim, 10, 3, 5, 20);
    check_moments(tn, r, tm, tv);
    is_int(kou_dist_uniforms_per_sample(tn), -1, "truncnormal with a likely window samples by rejection");
    truncnormal_theory(0, 1, 1.5, 3, &tm, &tv);
    tn = kou_dist_truncnormal(sim, 0, 1, 1.5, 3);
    check_moments(tn, r, tm, tv);
    is_int(kou_dist_uniforms_per_sample(tn), 2, "truncnormal with an unlikely window uses the inverse CDF");
    truncnormal_theory(5, 2, -INFINITY, 4, &tm, &tv);
    check_moments(kou_dist_truncnormal(sim, 5, 2, -INFINITY, 4), r, tm, tv);
    check_moments(kou_dist_truncnormal(sim, 5, 2, -INFINITY, INFINITY), r, 5, 4);

    /* Far tail: [6, 8] sd above the mean. */
    truncnormal_theory(0, 1, 6, 8, &tm, &tv);
    kou_dist *far = kou_dist_truncnormal(sim, 0, 1, 6, 8);
    ok(far != NULL, "truncnormal far-tail window [6, 8] accepted");
    moments m = sample_moments(far, r, N);
    ok(m.min >= 6 && m.max <= 8, "far-tail samples stay in [6, 8] (min %.6g, max %.6g)", m.min, m.max);
    is_double(m.mean, tm, 4 * m.se_mean, "far-tail mean %.6g vs %.6g", m.mean, tm);
    is_double(m.var, tv, 5 * m.se_var, "far-tail variance %.6g vs %.6g", m.var, tv);
    is_double(kou_dist_mean(far), tm, 1e-6, "far-tail kou_dist_mean");
    /* Far lower tail, and bounds of a likely window. */
    kou_dist *low = kou_dist_truncnormal(sim, 100, 10, 0, 30);
    m = sample_moments(low, r, 20000);
    ok(m.min >= 0 && m.max <= 30, "lower-tail window [0, 30] respected (min %.6g, max %.6g)", m.min, m.max);
    m = sample_moments(kou_dist_truncnormal(sim, 10, 3, 5, 20), r, 20000);
    ok(m.min >= 5 && m.max <= 20, "rejection window [5, 20] respected");

    kou_dist *det = kou_dist_deterministic(sim, 4.25);
    m = sample_moments(det, r, 1000);
    ok(m.min == 4.25 && m.max == 4.25, "deterministic always returns its value");
    is_double(kou_dist_mean(det), 4.25, 0, "deterministic mean");

    double p = 0.3;
    check_moments(kou_dist_bernoulli(sim, p), r, p, p * (1 - p));
    m = sample_moments(kou_dist_bernoulli(sim, 0), r, 1000);
    ok(m.max == 0, "bernoulli(0) never returns 1");
    m = sample_moments(kou_dist_bernoulli(sim, 1), r, 1000);
    ok(m.min == 1, "bernoulli(1) always returns 1");

    kou_sim_free(sim);
}

static void test_empirical(void)
{
    kou_sim *sim = new_sim(5, 0);
    kou_rng *r = stream(sim, "empirical");

    /* Discrete: frequencies match weights, including a zero weight. */
    const double values[] = {1, 2, 4, 8, 16};
    const double weights[] = {2, 0, 5, 1, 2}; /* sum 10 */
    kou_dist *d = kou_dist_discrete(sim, values, weights, 5);
    ok(d != NULL, "discrete distribution created");
    int counts[5] = {0};
    bool only_values = true;
    for (int i = 0; i < N; i++) {
        double x = kou_dist_sample(d, r);
        int j = 0;
        while (j < 5 && values[j] != x)
            j++;
        if (j == 5)
            only_values = false;
        else
            counts[j]++;
    }
    ok(only_values, "discrete returns only the given values");
    for (int j = 0; j < 5; j++) {
        double pj = weights[j] / 10;
        double se = sqrt(pj * (1 - pj) / N);
        is_double((double)counts[j] / N, pj, 4 * se + 1e-15, "discrete: frequency of %g", values[j]);
    }
    is_int(counts[1], 0, "discrete: a zero weight is never drawn");
    double mean = (1 * 2 + 4 * 5 + 8 * 1 + 16 * 2) / 10.0;
    double var = (1 * 2 + 16 * 5 + 64 * 1 + 256 * 2) / 10.0 - mean * mean;
    check_moments(d, r, mean, var);

    /* Piecewise-linear CDF: check at the breakpoints and the moments. */
    const double x[] = {0, 1, 3, 4, 10};
    const double p[] = {0, 0.2, 0.2, 0.7, 1.0}; /* flat segment [1, 3] */
    kou_dist *pw = kou_dist_piecewise(sim, x, p, 5);
    ok(pw != NULL, "piecewise distribution created");
    int below[5] = {0};
    bool in_flat = false, in_range = true;
    for (int i = 0; i < N; i++) {
        double v = kou_dist_sample(pw, r);
        in_range &= v >= 0 && v <= 10;
        in_flat |= v > 1 + 1e-9 && v < 3 - 1e-9;
        for (int j = 0; j < 5; j++)
            below[j] += v <= x[j];
    }
    ok(in_range, "piecewise samples stay in [x0, xn]");
    ok(!in_flat, "piecewise never samples inside a zero-probability segment");
    for (int j = 1; j < 4; j++) {
        double se = sqrt(p[j] * (1 - p[j]) / N);
        is_double((double)below[j] / N, p[j], 4 * se, "piecewise: empirical CDF at x=%g", x[j]);
    }
    double pm = 0, pm2 = 0;
    for (int j = 0; j < 4; j++) {
        double dp = p[j + 1] - p[j];
        pm += dp * (x[j] + x[j + 1]) / 2;
        pm2 += dp * (x[j] * x[j] + x[j] * x[j + 1] + x[j + 1] * x[j + 1]) / 3;
    }
    check_moments(pw, r, pm, pm2 - pm * pm);
    kou_sim_free(sim);
}

/* A sample consumes exactly the stated number of uniforms: after one
** sample, stream A must be where stream B is after that many uniforms. */
static void test_consumption(void)
{
    static const struct {
        const char *what;
        int uniforms;
    } want[] = {
        {"exponential", 1}, {"erlang k=4", 4}, {"lognormal", 2}, {"weibull", 1},
        {"triangular", 1},  {"uniform", 1},    {"truncnormal far", 2}, {"deterministic", 0},
        {"discrete", 1},    {"piecewise", 1},  {"bernoulli", 1},
    };
    kou_sim *sa = new_sim(11, 0), *sb = new_sim(11, 0);
    const double vals[] = {1, 2, 3}, wts[] = {1, 1, 1};
    const double px[] = {0, 1, 2}, pp[] = {0, 0.5, 1};
    kou_dist *ds[] = {
        kou_dist_exponential(sa, 1),
        kou_dist_erlang(sa, 4, 1),
        kou_dist_lognormal(sa, 0, 1),
        kou_dist_weibull(sa, 2, 1),
        kou_dist_triangular(sa, 0, 1, 2),
        kou_dist_uniform(sa, 0, 1),
        kou_dist_truncnormal(sa, 0, 1, 3, 4),
        kou_dist_deterministic(sa, 1),
        kou_dist_discrete(sa, vals, wts, 3),
        kou_dist_piecewise(sa, px, pp, 3),
        kou_dist_bernoulli(sa, 0.5),
    };
    kou_rng *ra = stream(sa, "x"), *rb = stream(sb, "x");
    for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        bool all = true;
        for (uint64_t key = 1; key <= 50; key++) {
            kou_rng_stream_rekey(ra, key);
            kou_rng_stream_rekey(rb, key);
            (void)kou_dist_sample(ds[i], ra);
            for (int j = 0; j < want[i].uniforms; j++)
                (void)kou_rng_uniform(rb);
            all &= kou_rng_uint32(ra) == kou_rng_uint32(rb);
        }
        ok(all, "%s consumes exactly %d uniform(s) per sample", want[i].what, want[i].uniforms);
        is_int(kou_dist_uniforms_per_sample(ds[i]), want[i].uniforms, "%s: uniforms_per_sample",
               want[i].what);
    }
    kou_dist *g = kou_dist_gamma(sa, 2, 1);
    is_int(kou_dist_uniforms_per_sample(g), -1, "gamma declares a varying count");
    kou_sim_free(sa);
    kou_sim_free(sb);
}

static void test_describe(void)
{
    kou_sim *sim = new_sim(1, 0);
    char buf[128];
    kou_dist *d = kou_dist_lognormal_mean_cv(sim, 2, 0.5);
    int n = kou_dist_describe(d, buf, sizeof buf);
    is_string(buf, "lognormal(mean=2, cv=0.5)", "describe lognormal by mean and cv");
    is_int(n, (int64_t)strlen(buf), "describe returns the length");
    kou_dist_describe(kou_dist_lognormal(sim, 0.5, 1), buf, sizeof buf);
    is_string(buf, "lognormal(mu=0.5, sigma=1)", "describe lognormal by mu and sigma");
    kou_dist_describe(kou_dist_triangular(sim, 1, 2, 3), buf, sizeof buf);
    is_string(buf, "triangular(min=1, mode=2, max=3)", "describe triangular");
    kou_dist_describe(kou_dist_erlang(sim, 3, 1.5), buf, sizeof buf);
    is_string(buf, "erlang(k=3, mean=1.5)", "describe erlang");
    const double v[] = {1, 2}, w[] = {0.25, 0.75};
    kou_dist_describe(kou_dist_discrete(sim, v, w, 2), buf, sizeof buf);
    is_string(buf, "discrete(values=[1, 2], weights=[0.25, 0.75])", "describe discrete");
    n = kou_dist_describe(d, buf, 8);
    is_string(buf, "lognorm", "describe truncates and terminates");
    is_int(n, 25, "  ... returning the full length");
    is_string(kou_dist_name(d), "lognormal", "dist name");
    kou_sim_free(sim);
}

static void test_dist_errors(void)
{
    kou_sim *sim = new_sim(1, 0);
#define REFUSED(call, text)                                                              \
    do {                                                                                 \
        kou_sim_clear_error(sim);                                                        \
        ok((call) == NULL, "refused: %s", #call);                                        \
        has_string(kou_sim_errmsg(sim), text, "  ... message: %s", kou_sim_errmsg(sim)); \
    } while (0)
    REFUSED(kou_dist_exponential(sim, -1), "exponential: mean must be > 0 and finite (got -1)");
    REFUSED(kou_dist_exponential(sim, NAN), "exponential: mean must be > 0 and finite (got nan)");
    REFUSED(kou_dist_exponential(sim, INFINITY), "exponential: mean must be > 0");
    REFUSED(kou_dist_erlang(sim, 0, 1), "erlang: k must be an integer in [1, 1000] (got 0");
    REFUSED(kou_dist_gamma(sim, 0, 1), "gamma: shape must be > 0");
    REFUSED(kou_dist_gamma(sim, 1, -2), "gamma: scale must be > 0 and finite (got -2)");
    REFUSED(kou_dist_lognormal_mean_cv(sim, 2, -0.5), "lognormal: cv must be > 0 (got -0.5)");
    REFUSED(kou_dist_lognormal_mean_cv(sim, 2, 0), "lognormal: cv must be > 0 (got 0)");
    REFUSED(kou_dist_lognormal_mean_cv(sim, -2, 0.5), "lognormal: mean must be > 0");
    REFUSED(kou_dist_lognormal(sim, 0, -1), "lognormal: sigma must be > 0");
    REFUSED(kou_dist_lognormal(sim, NAN, 1), "lognormal: mu must be finite (got nan)");
    REFUSED(kou_dist_weibull(sim, -1, 1), "weibull: shape must be > 0");
    REFUSED(kou_dist_triangular(sim, 3, 1, 2), "triangular: need min <= mode <= max and min < max (got 3, 1, 2)");
    REFUSED(kou_dist_triangular(sim, 2, 2, 2), "triangular: need min <= mode <= max");
    REFUSED(kou_dist_triangular(sim, 0, NAN, 2), "triangular: min, mode and max must be finite");
    REFUSED(kou_dist_uniform(sim, 3, 3), "uniform: need finite a < b (got 3, 3)");
    REFUSED(kou_dist_truncnormal(sim, 0, 1, 2, 1), "truncnormal: need lo < hi (got 2, 1");
    REFUSED(kou_dist_truncnormal(sim, 0, 0, 0, 1), "truncnormal: sd must be > 0");
    REFUSED(kou_dist_truncnormal(sim, 0, 1, NAN, 1), "truncnormal: need lo < hi (got nan, 1");
    REFUSED(kou_dist_truncnormal(sim, 0, 1, 50, 60), "truncnormal: the window [50, 60] has no usable probability");
    REFUSED(kou_dist_deterministic(sim, NAN), "deterministic: value must be finite (got nan)");
    REFUSED(kou_dist_bernoulli(sim, 1.5), "bernoulli: p must be in [0, 1] (got 1.5)");
    REFUSED(kou_dist_bernoulli(sim, NAN), "bernoulli: p must be in [0, 1] (got nan)");

    const double v[] = {1, 2, 3};
    const double zero[] = {0, 0, 0}, negw[] = {1, -1, 1}, nanw[] = {1, NAN, 1};
    REFUSED(kou_dist_discrete(sim, v, zero, 3), "discrete: the weights sum to 0");
    REFUSED(kou_dist_discrete(sim, v, negw, 3), "discrete: weight 2 of 3 must be >= 0 and finite (got -1)");
    REFUSED(kou_dist_discrete(sim, v, nanw, 3), "discrete: weight 2 of 3 must be >= 0 and finite (got nan)");
    REFUSED(kou_dist_discrete(sim, v, zero, 0), "discrete: need at least one value");

    const double x[] = {0, 1, 2}, xbad[] = {0, 2, 1};
    const double p_ok[] = {0, 0.5, 1}, p_end[] = {0, 0.5, 0.9}, p_start[] = {0.1, 0.5, 1};
    const double p_dec[] = {0, 0.6, 0.5};
    REFUSED(kou_dist_piecewise(sim, xbad, p_ok, 3), "piecewise: x must be strictly increasing");
    REFUSED(kou_dist_piecewise(sim, x, p_end, 3), "piecewise: the last cumulative probability must be 1");
    REFUSED(kou_dist_piecewise(sim, x, p_start, 3), "piecewise: the first cumulative probability must be 0");
    REFUSED(kou_dist_piecewise(sim, x, p_dec, 3), "piecewise: cumulative probabilities must not decrease");
    REFUSED(kou_dist_piecewise(sim, x, p_ok, 1), "piecewise: need at least 2 points");
    is_int(kou_sim_errcode(sim), KOU_EINVAL, "distribution errors use KOU_EINVAL");

    double rates[168] = {0};
    REFUSED(kou_nhpp_new(sim, rates), "arrival rates: all 168 hourly rates are zero");
    rates[24 + 13] = -1;
    REFUSED(kou_nhpp_new(sim, rates), "arrival rates: the rate for Tuesday 13:00 must be >= 0 and finite (got -1)");
    rates[24 + 13] = NAN;
    REFUSED(kou_nhpp_new(sim, rates), "(got nan)");
    double hourly[24] = {0}, factor[7] = {1, 1, 1, 1, 1, 1, 1};
    REFUSED(kou_nhpp_new_daily(sim, hourly, factor), "arrival rates: all 168 hourly rates are zero");
    hourly[3] = 1;
    factor[6] = -2;
    REFUSED(kou_nhpp_new_daily(sim, hourly, factor), "arrival rates: the factor for Sunday must be >= 0");
#undef REFUSED
    kou_sim_free(sim);
}

/* ---- arrivals ---- */

static void test_nhpp(void)
{
    /* Start on a Wednesday, so hour 0 of the simulation is week-hour 48. */
    kou_sim *sim = new_sim(77, 20170104);
    kou_rng *r = stream(sim, "arrival");
    double rates[168];
    for (int i = 0; i < 168; i++) {
        int h = i % 24, w = i / 24;
        rates[i] = (h < 6 || w == 6) ? 0.0 : 1.0 + (double)((h * 7 + w * 3) % 9);
    }
    rates[48 + 10] = 10.0; /* Wednesday 10:00 */
    rates[0] = 0.5;        /* Monday 00:00 */
    kou_nhpp *p = kou_nhpp_new(sim, rates);
    ok(p != NULL, "nhpp created");
    is_double(kou_nhpp_rate(p, 10.5), 10.0, 0, "rate at sim hour 10.5 is Wednesday 10:00's");
    is_double(kou_nhpp_rate(p, 5 * 24 + 0.2), 0.5, 0, "rate at sim hour 120.2 is Monday 00:00's");
    is_double(kou_nhpp_expected(p, 10, 11), 10.0, 1e-12, "expected arrivals over Wednesday 10:00-11:00");
    double week = 0;
    for (int i = 0; i < 168; i++)
        week += rates[i];
    is_double(kou_nhpp_expected(p, 3.25, 3.25 + 168 * 3), 3 * week, 1e-9 * week, "expected arrivals over 3 weeks");

    enum { WEEKS = 1000 };
    static int counts[168];
    int first_half = 0, in_hour = 0;
    bool monotone = true;
    kou_time t = 0, end = 168.0 * WEEKS;
    long total = 0;
    for (;;) {
        kou_time nt = kou_nhpp_next(p, r, t);
        monotone &= nt >= t;
        t = nt;
        if (t >= end)
            break;
        int how = ((int)floor(t) + 48) % 168; /* Monday-based hour of week */
        counts[how]++;
        total++;
        if (how == 58) {
            in_hour++;
            first_half += t - floor(t) < 0.5;
        }
    }
    ok(monotone, "arrival times never go backwards");
    int zero_bad = 0, off = 0;
    double worst = 0;
    for (int i = 0; i < 168; i++) {
        if (rates[i] == 0) {
            zero_bad += counts[i] != 0;
            continue;
        }
        double z = (counts[i] - rates[i] * WEEKS) / sqrt(rates[i] * WEEKS);
        worst = fmax(worst, fabs(z));
        off += fabs(z) > 4.5;
    }
    is_int(zero_bad, 0, "no arrivals in zero-rate hours");
    is_int(off, 0, "arrivals per hour of week match the rates (worst |z| = %.2f)", worst);
    is_double(counts[58] / (double)WEEKS, 10.0, 4 * sqrt(10.0 / WEEKS), "Wednesday 10:00 gets ~10 arrivals per week");
    is_double((double)total, week * WEEKS, 4 * sqrt(week * WEEKS), "total arrivals over %d weeks", WEEKS);
    is_double(first_half / (double)in_hour, 0.5, 4 * sqrt(0.25 / in_hour), "arrivals uniform within an hour");

    /* Sparse: one hour a week at 0.05/h, so most gaps skip whole weeks. */
    double sparse[168] = {0};
    sparse[4 * 24 + 17] = 0.05; /* Friday 17:00 */
    kou_nhpp *sp = kou_nhpp_new(sim, sparse);
    int n = 0, wrong_hour = 0;
    t = 0;
    end = 168.0 * 20000;
    while ((t = kou_nhpp_next(sp, r, t)) < end) {
        n++;
        wrong_hour += ((int)floor(t) + 48) % 168 != 4 * 24 + 17;
    }
    is_int(wrong_hour, 0, "sparse process: arrivals only in its one hour");
    is_double(n, 0.05 * 20000, 4 * sqrt(0.05 * 20000), "sparse process: count over 20000 weeks");

    /* Daily constructor = hourly * weekday factor. */
    double hourly[24], factor[7] = {1, 1, 1, 1, 0.5, 0, 0};
    for (int h = 0; h < 24; h++)
        hourly[h] = h >= 8 && h < 18 ? 4 : 0.5;
    kou_nhpp *dp = kou_nhpp_new_daily(sim, hourly, factor);
    ok(dp != NULL, "daily nhpp created");
    /* Sim hour 0 is Wednesday: Friday 09:30 is sim hour 48 + 9.5. */
    is_double(kou_nhpp_rate(dp, 48 + 9.5), 2.0, 0, "daily: Friday 09:00 rate = 4 * 0.5");
    is_double(kou_nhpp_rate(dp, 72 + 9.5), 0.0, 0, "daily: Saturday rate = 0");
    is_double(kou_nhpp_rate(dp, 120 + 3), 0.5, 0, "daily: Monday 03:00 rate = 0.5");

    /* One uniform per arrival. */
    kou_sim *sa = new_sim(3, 0), *sb = new_sim(3, 0);
    kou_nhpp *pa = kou_nhpp_new(sa, rates);
    kou_rng *ra = stream(sa, "a"), *rb = stream(sb, "a");
    t = 0;
    for (int i = 0; i < 1000; i++) {
        t = kou_nhpp_next(pa, ra, t);
        (void)kou_rng_uniform(rb);
    }
    ok(kou_rng_uint32(ra) == kou_rng_uint32(rb), "nhpp consumes exactly one uniform per arrival");
    kou_sim_free(sa);
    kou_sim_free(sb);

    /* Default start date (Monday): hour 0 is Monday 00:00. */
    kou_sim *mon = new_sim(1, 0);
    kou_nhpp *pm = kou_nhpp_new(mon, rates);
    is_double(kou_nhpp_rate(pm, 0.5), 0.5, 0, "Monday start: hour 0 is Monday 00:00");
    is_double(kou_nhpp_rate(pm, 168 * 7 + 58.5), 10.0, 0, "Monday start: week 7 Wednesday 10:00");
    kou_sim_free(mon);
    kou_sim_free(sim);
}

int main(void)
{
    test_streams();
    test_stream_errors();
    test_moments();
    test_empirical();
    test_consumption();
    test_describe();
    test_dist_errors();
    test_nhpp();
    return tap_done();
}
