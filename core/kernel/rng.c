/*
** rng.c — named random streams over GSL's taus2, distributions and the
** non-homogeneous Poisson process (see rng.h).
*/
#define HAVE_INLINE 1 /* gsl_rng_get and friends as inline functions */

#include "rng.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

/* ---- GSL set-up ---- */

static pthread_once_t gsl_once = PTHREAD_ONCE_INIT;

static void gsl_setup(void)
{
    /* GSL's default handler aborts the process; every GSL result used here
    ** is checked (or its inputs validated) instead. */
    gsl_set_error_handler_off();
}

static void ensure_gsl(void)
{
    KOU_CHECK(pthread_once(&gsl_once, gsl_setup) == 0);
}

/* NaN prints as "nan" whatever its sign bit, so messages read the same. */
static double shown(double x)
{
    return isnan(x) ? fabs(x) : x;
}

/* ---- seeding ---- */

#define GOLDEN UINT64_C(0x9e3779b97f4a7c15)

/* splitmix64's finaliser (Stafford's mix 13): a bijection on 64 bits with
** full avalanche. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* 64-bit FNV-1a of the stream name. */
static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

struct kou_rng {
    gsl_rng *g;
    uint64_t base; /* mix of (master seed, name): the stream's identity */
    uint64_t key;  /* key of the last (re)seeding */
    char name[KOU_RNG_NAME_MAX + 1];
};

/*
** Seeding a stream. gsl_rng_set(g, seed) would keep only 32 bits of the
** seed for taus2 (it runs the seed through a 32-bit LCG), so with thousands
** of keyed streams two of them would likely share a state (the birthday
** bound for 2^32 is ~77000 streams for a 50% chance, ~1% at 9300). Instead:
**
**   origin = mix64(base + (key + 1) * GOLDEN),
**   base   = mix64(mix64(seed + GOLDEN) ^ fnv1a(name)),
**
** which is injective in the key for a given (seed, name) and in the seed
** for a given name; then two splitmix64 outputs from origin give the three
** 32-bit taus2 words s1, s2, s3. (s1, s2) is the bijective image of origin,
** so distinct origins give distinct states. taus2 needs s1 > 1, s2 > 7,
** s3 > 15 (the bits above the shift masks must not all be zero; GSL's own
** taus2_set fixes them the same way) and words < 2^32. Six outputs are then
** discarded, as taus2_set does, so the first draw already mixes all three
** components. The state is written through gsl_rng_state(), whose layout
** (three unsigned longs) is checked when the stream is created.
*/
static void seed_state(kou_rng *r, uint64_t key)
{
    uint64_t x = mix64(r->base + (key + 1) * GOLDEN);
    uint64_t w1 = mix64(x + GOLDEN);
    uint64_t w2 = mix64(x + 2 * GOLDEN);
    unsigned long *s = gsl_rng_state(r->g);
    s[0] = (unsigned long)(w1 & 0xffffffffu);
    s[1] = (unsigned long)(w1 >> 32);
    s[2] = (unsigned long)(w2 & 0xffffffffu);
    if (s[0] < 2)
        s[0] += 2;
    if (s[1] < 8)
        s[1] += 8;
    if (s[2] < 16)
        s[2] += 16;
    for (int i = 0; i < 6; i++)
        (void)gsl_rng_get(r->g);
    r->key = key;
}

/* ---- the per-simulation table of streams ---- */

typedef struct rng_table {
    kou_rng **v;
    size_t n, cap;
} rng_table;

static void table_free(void *p)
{
    rng_table *t = p;
    for (size_t i = 0; i < t->n; i++) {
        gsl_rng_free(t->v[i]->g);
        free(t->v[i]);
    }
    free(t->v);
    free(t);
}

static rng_table *table_get(kou_sim *sim, bool create)
{
    void **slot = koui_sim_slot(sim, KOUI_SLOT_RNG);
    if (!*slot && create) {
        rng_table *t = koui_calloc(1, sizeof *t);
        *slot = t;
        koui_sim_own(sim, t, table_free);
    }
    return *slot;
}

static kou_rng *table_lookup(const rng_table *t, const char *name)
{
    if (!t)
        return NULL;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->v[i]->name, name) == 0)
            return t->v[i];
    return NULL;
}

kou_rng *kou_rng_stream_create(kou_sim *sim, const char *name)
{
    KOU_CHECK(sim != NULL && name != NULL);
    ensure_gsl();
    size_t len = strlen(name);
    if (len == 0) {
        koui_fail(sim, KOU_EINVAL, "random stream name must not be empty");
        return NULL;
    }
    if (len > KOU_RNG_NAME_MAX) {
        koui_fail(sim, KOU_EINVAL, "random stream name '%.20s...' is too long (%zu bytes; at most %d)",
                  name, len, KOU_RNG_NAME_MAX);
        return NULL;
    }
    rng_table *t = table_get(sim, true);
    if (table_lookup(t, name)) {
        koui_fail(sim, KOU_EINVAL, "random stream '%s' already exists", name);
        return NULL;
    }
    kou_rng *r = koui_calloc(1, sizeof *r);
    r->g = gsl_rng_alloc(gsl_rng_taus2);
    if (!r->g)
        koui_oom(sizeof(gsl_rng));
    /* seed_state writes the state words directly: the layout must be
    ** taus2's three unsigned longs. */
    KOU_CHECK(r->g->type == gsl_rng_taus2);
    KOU_CHECK(gsl_rng_size(r->g) == 3 * sizeof(unsigned long));
    KOU_CHECK(gsl_rng_min(r->g) == 0 && gsl_rng_max(r->g) == 0xffffffffUL);
    memcpy(r->name, name, len + 1);
    r->base = mix64(mix64(kou_sim_seed(sim) + GOLDEN) ^ fnv1a(name));
    seed_state(r, 0);
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 8;
        t->v = koui_realloc(t->v, t->cap * sizeof *t->v);
    }
    t->v[t->n++] = r;
    return r;
}

kou_rng *kou_rng_stream_find(kou_sim *sim, const char *name)
{
    KOU_CHECK(sim != NULL && name != NULL);
    rng_table *t = table_get(sim, false);
    kou_rng *r = table_lookup(t, name);
    if (r)
        return r;
    if (!t || t->n == 0) {
        koui_fail(sim, KOU_ENOENT, "unknown random stream '%.*s' (no random streams have been created)",
                  KOU_RNG_NAME_MAX, name);
        return NULL;
    }
    /* Suggest the nearest name when it is close enough to be a typo. */
    const char **names = koui_malloc(t->n * sizeof *names);
    for (size_t i = 0; i < t->n; i++)
        names[i] = t->v[i]->name;
    const char *best = koui_nearest_name(name, names, t->n);
    free(names);
    if (best) {
        koui_fail(sim, KOU_ENOENT, "unknown random stream '%s' (did you mean '%s'?)", name, best);
        return NULL;
    }
    char known[320];
    size_t used = 0;
    known[0] = '\0';
    size_t i = 0;
    for (; i < t->n && i < 8; i++) {
        int w = snprintf(known + used, sizeof known - used, "%s'%s'", i ? ", " : "", t->v[i]->name);
        if (w < 0 || (size_t)w >= sizeof known - used)
            break;
        used += (size_t)w;
    }
    if (i < t->n)
        snprintf(known + used, sizeof known - used, ", ... (%zu in all)", t->n);
    koui_fail(sim, KOU_ENOENT, "unknown random stream '%.*s' (known streams: %s)", KOU_RNG_NAME_MAX, name,
              known);
    return NULL;
}

void kou_rng_stream_rekey(kou_rng *r, uint64_t key)
{
    KOU_CHECK(r != NULL);
    seed_state(r, key);
}

uint64_t kou_rng_key(const kou_rng *r)
{
    KOU_CHECK(r != NULL);
    return r->key;
}

const char *kou_rng_name(const kou_rng *r)
{
    KOU_CHECK(r != NULL);
    return r->name;
}

size_t kou_rng_stream_count(kou_sim *sim)
{
    KOU_CHECK(sim != NULL);
    rng_table *t = table_get(sim, false);
    return t ? t->n : 0;
}

/* ---- raw draws ---- */

static inline uint32_t next32(kou_rng *r)
{
    return (uint32_t)gsl_rng_get(r->g);
}

/* (k + 0.5) / 2^32 for a 32-bit k: in (0, 1), never 0 or 1 exactly, one
** draw always (gsl_rng_uniform_pos would redraw on 0). */
static inline double u32(kou_rng *r)
{
    return ((double)next32(r) + 0.5) * 0x1p-32;
}

/* (k + 0.5) / 2^52 for a 52-bit k from two draws: in (0, 1), and fine
** enough that the inverse normal CDF reaches 8 sd. */
static inline double u52(kou_rng *r)
{
    uint64_t hi = next32(r) >> 6, lo = next32(r) >> 6; /* 26 bits each */
    return ((double)((hi << 26) | lo) + 0.5) * 0x1p-52;
}

double kou_rng_uniform(kou_rng *r)
{
    return u32(r);
}

uint32_t kou_rng_uint32(kou_rng *r)
{
    return next32(r);
}

uint32_t kou_rng_index(kou_rng *r, uint32_t n)
{
    KOU_CHECK(n >= 1);
    return (uint32_t)(((uint64_t)next32(r) * n) >> 32);
}

/* ---- distributions ---- */

enum dist_kind {
    D_EXPONENTIAL,
    D_ERLANG,
    D_GAMMA,
    D_LOGNORMAL,
    D_WEIBULL,
    D_TRIANGULAR,
    D_UNIFORM,
    D_TRUNCNORMAL,
    D_DETERMINISTIC,
    D_DISCRETE,
    D_PIECEWISE,
    D_BERNOULLI
};

static const char *const dist_names[] = {
    "exponential", "erlang", "gamma", "lognormal", "weibull", "triangular", "uniform",
    "truncnormal", "deterministic", "discrete", "piecewise", "bernoulli",
};

struct kou_dist {
    enum dist_kind kind;
    double mean;   /* theoretical mean */
    double arg[4]; /* the parameters as given, for describe */
    int by_mean_cv; /* lognormal given by (mean, cv) */
    union {
        struct { double neg_mean; } exp;
        struct { int k; double neg_scale; } erl;
        struct { double shape, scale; } gam;
        struct { double mu, sigma; } logn;
        struct { double inv_shape, scale; } wei;
        struct { double min, max, fc, left, right; } tri;
        struct { double a, width; } uni;
        struct {
            double mean, sd;
            double a, b;      /* standardised window */
            double ia, z;     /* inverse CDF: P(lower end) and window mass, in the */
            double ilo, ihi;  /* frame flipped to the lower tail; window there */
            double sign;      /* -1 when flipped */
            int reject;       /* sample by rejection */
        } tn;
        struct { double value; } det;
        struct { gsl_ran_discrete_t *table; double *values, *weights; size_t n; } disc;
        struct { double *x, *p; size_t n; } pw; /* n points */
        struct { double p; } ber;
    } u;
};

static void dist_free(void *p)
{
    kou_dist *d = p;
    if (d->kind == D_DISCRETE) {
        gsl_ran_discrete_free(d->u.disc.table);
        free(d->u.disc.values);
        free(d->u.disc.weights);
    } else if (d->kind == D_PIECEWISE) {
        free(d->u.pw.x);
        free(d->u.pw.p);
    }
    free(d);
}

static kou_dist *dist_new(kou_sim *sim, enum dist_kind kind)
{
    kou_dist *d = koui_calloc(1, sizeof *d);
    d->kind = kind;
    koui_sim_own(sim, d, dist_free);
    return d;
}

/* Records a message "family: ..." and returns NULL. */
static kou_dist *bad(kou_sim *sim, enum dist_kind kind, const char *fmt, ...) KOU_PRINTF(3, 4);
static kou_dist *bad(kou_sim *sim, enum dist_kind kind, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    koui_fail(sim, KOU_EINVAL, "%s: %s", dist_names[kind], msg);
    return NULL;
}

static bool positive(double x)
{
    return isfinite(x) && x > 0;
}

kou_dist *kou_dist_exponential(kou_sim *sim, double mean)
{
    KOU_CHECK(sim != NULL);
    if (!positive(mean))
        return bad(sim, D_EXPONENTIAL, "mean must be > 0 and finite (got %g)", shown(mean));
    kou_dist *d = dist_new(sim, D_EXPONENTIAL);
    d->arg[0] = d->mean = mean;
    d->u.exp.neg_mean = -mean;
    return d;
}

#define ERLANG_K_MAX 1000

kou_dist *kou_dist_erlang(kou_sim *sim, int k, double mean)
{
    KOU_CHECK(sim != NULL);
    if (k < 1 || k > ERLANG_K_MAX)
        return bad(sim, D_ERLANG, "k must be an integer in [1, %d] (got %d; use gamma for larger shapes)",
                   ERLANG_K_MAX, k);
    if (!positive(mean))
        return bad(sim, D_ERLANG, "mean must be > 0 and finite (got %g)", shown(mean));
    kou_dist *d = dist_new(sim, D_ERLANG);
    d->arg[0] = k;
    d->arg[1] = d->mean = mean;
    d->u.erl.k = k;
    d->u.erl.neg_scale = -mean / k;
    return d;
}

kou_dist *kou_dist_gamma(kou_sim *sim, double shape, double scale)
{
    KOU_CHECK(sim != NULL);
    ensure_gsl();
    if (!positive(shape))
        return bad(sim, D_GAMMA, "shape must be > 0 and finite (got %g)", shown(shape));
    if (!positive(scale))
        return bad(sim, D_GAMMA, "scale must be > 0 and finite (got %g)", shown(scale));
    if (!isfinite(shape * scale))
        return bad(sim, D_GAMMA, "the mean shape*scale overflows (shape %g, scale %g)", shape, scale);
    kou_dist *d = dist_new(sim, D_GAMMA);
    d->arg[0] = d->u.gam.shape = shape;
    d->arg[1] = d->u.gam.scale = scale;
    d->mean = shape * scale;
    return d;
}

static kou_dist *lognormal(kou_sim *sim, double mu, double sigma)
{
    double mean = exp(mu + 0.5 * sigma * sigma);
    if (!isfinite(mean) || mean <= 0)
        return bad(sim, D_LOGNORMAL, "the mean exp(mu + sigma^2/2) is out of range (mu %g, sigma %g)", mu,
                   sigma);
    kou_dist *d = dist_new(sim, D_LOGNORMAL);
    d->u.logn.mu = mu;
    d->u.logn.sigma = sigma;
    d->mean = mean;
    return d;
}

kou_dist *kou_dist_lognormal(kou_sim *sim, double mu, double sigma)
{
    KOU_CHECK(sim != NULL);
    ensure_gsl();
    if (!isfinite(mu))
        return bad(sim, D_LOGNORMAL, "mu must be finite (got %g)", shown(mu));
    if (!positive(sigma))
        return bad(sim, D_LOGNORMAL, "sigma must be > 0 and finite (got %g)", shown(sigma));
    kou_dist *d = lognormal(sim, mu, sigma);
    if (d) {
        d->arg[0] = mu;
        d->arg[1] = sigma;
    }
    return d;
}

kou_dist *kou_dist_lognormal_mean_cv(kou_sim *sim, double mean, double cv)
{
    KOU_CHECK(sim != NULL);
    ensure_gsl();
    if (!positive(mean))
        return bad(sim, D_LOGNORMAL, "mean must be > 0 and finite (got %g)", shown(mean));
    if (!positive(cv))
        return bad(sim, D_LOGNORMAL, "cv must be > 0 (got %g)", shown(cv));
    double s2 = log1p(cv * cv);
    kou_dist *d = lognormal(sim, log(mean) - 0.5 * s2, sqrt(s2));
    if (d) {
        d->arg[0] = d->mean = mean; /* exact, not the round trip */
        d->arg[1] = cv;
        d->by_mean_cv = 1;
    }
    return d;
}

kou_dist *kou_dist_weibull(kou_sim *sim, double shape, double scale)
{
    KOU_CHECK(sim != NULL);
    if (!positive(shape))
        return bad(sim, D_WEIBULL, "shape must be > 0 and finite (got %g)", shown(shape));
    if (!positive(scale))
        return bad(sim, D_WEIBULL, "scale must be > 0 and finite (got %g)", shown(scale));
    double mean = scale * tgamma(1.0 + 1.0 / shape);
    if (!isfinite(mean))
        return bad(sim, D_WEIBULL, "the mean overflows (shape %g is too small for scale %g)", shape, scale);
    kou_dist *d = dist_new(sim, D_WEIBULL);
    d->arg[0] = shape;
    d->arg[1] = d->u.wei.scale = scale;
    d->u.wei.inv_shape = 1.0 / shape;
    d->mean = mean;
    return d;
}

kou_dist *kou_dist_triangular(kou_sim *sim, double min, double mode, double max)
{
    KOU_CHECK(sim != NULL);
    if (!isfinite(min) || !isfinite(mode) || !isfinite(max))
        return bad(sim, D_TRIANGULAR, "min, mode and max must be finite (got %g, %g, %g)", shown(min),
                   shown(mode), shown(max));
    if (!(min <= mode && mode <= max && min < max))
        return bad(sim, D_TRIANGULAR, "need min <= mode <= max and min < max (got %g, %g, %g)", min, mode,
                   max);
    double w = max - min;
    if (!isfinite(w))
        return bad(sim, D_TRIANGULAR, "max - min overflows (got %g, %g, %g)", min, mode, max);
    kou_dist *d = dist_new(sim, D_TRIANGULAR);
    d->arg[0] = d->u.tri.min = min;
    d->arg[1] = mode;
    d->arg[2] = d->u.tri.max = max;
    d->u.tri.fc = (mode - min) / w;
    d->u.tri.left = w * (mode - min);
    d->u.tri.right = w * (max - mode);
    d->mean = min / 3 + mode / 3 + max / 3;
    return d;
}

kou_dist *kou_dist_uniform(kou_sim *sim, double a, double b)
{
    KOU_CHECK(sim != NULL);
    if (!isfinite(a) || !isfinite(b) || !(a < b) || !isfinite(b - a))
        return bad(sim, D_UNIFORM, "need finite a < b (got %g, %g)", shown(a), shown(b));
    kou_dist *d = dist_new(sim, D_UNIFORM);
    d->arg[0] = d->u.uni.a = a;
    d->arg[1] = b;
    d->u.uni.width = b - a;
    d->mean = a + 0.5 * (b - a);
    return d;
}

/* Standard normal density; 0 at +-infinity. */
static double phi(double z)
{
    return isinf(z) ? 0.0 : exp(-0.5 * z * z) * 0.3989422804014327;
}

#define TN_REJECT_MIN_MASS 0.5 /* rejection when the window holds this much */
#define TN_REJECT_TRIES 32     /* then the inverse CDF */
#define TN_MIN_MASS 1e-300     /* below this the inverse CDF has no precision left */

kou_dist *kou_dist_truncnormal(kou_sim *sim, double mean, double sd, double lo, double hi)
{
    KOU_CHECK(sim != NULL);
    ensure_gsl();
    if (!isfinite(mean))
        return bad(sim, D_TRUNCNORMAL, "mean must be finite (got %g)", shown(mean));
    if (!positive(sd))
        return bad(sim, D_TRUNCNORMAL, "sd must be > 0 and finite (got %g)", shown(sd));
    if (isnan(lo) || isnan(hi) || !(lo < hi))
        return bad(sim, D_TRUNCNORMAL, "need lo < hi (got %g, %g; either may be infinite)", shown(lo),
                   shown(hi));
    double a = (lo - mean) / sd, b = (hi - mean) / sd;
    /* Work in the lower tail, where P() keeps its relative precision:
    ** a window above the mean is mirrored. */
    int flip = a > 0;
    double ilo = flip ? -b : a, ihi = flip ? -a : b;
    double pa = gsl_cdf_ugaussian_P(ilo), pb = gsl_cdf_ugaussian_P(ihi);
    double z = pb - pa;
    if (!(z >= TN_MIN_MASS))
        return bad(sim, D_TRUNCNORMAL,
                   "the window [%g, %g] has no usable probability (it lies about %.0f sd from the mean "
                   "%g; at most 37)",
                   lo, hi, fmin(fabs(a), fabs(b)), mean);
    kou_dist *d = dist_new(sim, D_TRUNCNORMAL);
    d->arg[0] = d->u.tn.mean = mean;
    d->arg[1] = d->u.tn.sd = sd;
    d->arg[2] = lo;
    d->arg[3] = hi;
    d->u.tn.a = a;
    d->u.tn.b = b;
    d->u.tn.ia = pa;
    d->u.tn.z = z;
    d->u.tn.ilo = ilo;
    d->u.tn.ihi = ihi;
    d->u.tn.sign = flip ? -1.0 : 1.0;
    d->u.tn.reject = z >= TN_REJECT_MIN_MASS;
    d->mean = mean + sd * (phi(a) - phi(b)) / z;
    return d;
}

kou_dist *kou_dist_deterministic(kou_sim *sim, double value)
{
    KOU_CHECK(sim != NULL);
    if (!isfinite(value))
        return bad(sim, D_DETERMINISTIC, "value must be finite (got %g)", shown(value));
    kou_dist *d = dist_new(sim, D_DETERMINISTIC);
    d->arg[0] = d->mean = d->u.det.value = value;
    return d;
}

kou_dist *kou_dist_discrete(kou_sim *sim, const double *values, const double *weights, size_t n)
{
    KOU_CHECK(sim != NULL);
    ensure_gsl();
    if (n == 0)
        return bad(sim, D_DISCRETE, "need at least one value");
    KOU_CHECK(values != NULL && weights != NULL);
    double sum = 0, sumx = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i]))
            return bad(sim, D_DISCRETE, "value %zu of %zu must be finite (got %g)", i + 1, n,
                       shown(values[i]));
        if (!isfinite(weights[i]) || weights[i] < 0)
            return bad(sim, D_DISCRETE, "weight %zu of %zu must be >= 0 and finite (got %g)", i + 1, n,
                       shown(weights[i]));
        sum += weights[i];
        sumx += weights[i] * values[i];
    }
    if (!(sum > 0))
        return bad(sim, D_DISCRETE, "the weights sum to 0 (at least one must be > 0)");
    if (!isfinite(sum) || !isfinite(sumx))
        return bad(sim, D_DISCRETE, "the weights or weighted values overflow when summed");
    gsl_ran_discrete_t *table = gsl_ran_discrete_preproc(n, weights);
    if (!table)
        return bad(sim, D_DISCRETE, "cannot build the sampling table for %zu weights", n);
    kou_dist *d = dist_new(sim, D_DISCRETE);
    d->u.disc.table = table;
    d->u.disc.n = n;
    d->u.disc.values = koui_malloc(n * sizeof(double));
    d->u.disc.weights = koui_malloc(n * sizeof(double));
    memcpy(d->u.disc.values, values, n * sizeof(double));
    memcpy(d->u.disc.weights, weights, n * sizeof(double));
    d->mean = sumx / sum;
    return d;
}

kou_dist *kou_dist_piecewise(kou_sim *sim, const double *x, const double *p, size_t npoints)
{
    KOU_CHECK(sim != NULL);
    if (npoints < 2)
        return bad(sim, D_PIECEWISE, "need at least 2 points (got %zu)", npoints);
    KOU_CHECK(x != NULL && p != NULL);
    for (size_t i = 0; i < npoints; i++) {
        if (!isfinite(x[i]))
            return bad(sim, D_PIECEWISE, "x %zu of %zu must be finite (got %g)", i + 1, npoints, shown(x[i]));
        if (!(p[i] >= 0 && p[i] <= 1))
            return bad(sim, D_PIECEWISE, "cumulative probability %zu of %zu must be in [0, 1] (got %g)", i + 1,
                       npoints, shown(p[i]));
        if (i > 0 && !(x[i] > x[i - 1]))
            return bad(sim, D_PIECEWISE, "x must be strictly increasing (x %zu = %g after %g)", i + 1, x[i],
                       x[i - 1]);
        if (i > 0 && p[i] < p[i - 1])
            return bad(sim, D_PIECEWISE, "cumulative probabilities must not decrease (p %zu = %g after %g)",
                       i + 1, p[i], p[i - 1]);
    }
    if (p[0] != 0)
        return bad(sim, D_PIECEWISE, "the first cumulative probability must be 0 (got %g)", p[0]);
    if (fabs(p[npoints - 1] - 1) > 1e-9)
        return bad(sim, D_PIECEWISE, "the last cumulative probability must be 1 (got %.12g)", p[npoints - 1]);
    kou_dist *d = dist_new(sim, D_PIECEWISE);
    d->u.pw.n = npoints;
    d->u.pw.x = koui_malloc(npoints * sizeof(double));
    d->u.pw.p = koui_malloc(npoints * sizeof(double));
    memcpy(d->u.pw.x, x, npoints * sizeof(double));
    memcpy(d->u.pw.p, p, npoints * sizeof(double));
    d->u.pw.p[npoints - 1] = 1.0;
    double m = 0;
    for (size_t i = 0; i + 1 < npoints; i++)
        m += (d->u.pw.p[i + 1] - d->u.pw.p[i]) * 0.5 * (x[i] + x[i + 1]);
    d->mean = m;
    return d;
}

kou_dist *kou_dist_bernoulli(kou_sim *sim, double p)
{
    KOU_CHECK(sim != NULL);
    if (!(p >= 0 && p <= 1))
        return bad(sim, D_BERNOULLI, "p must be in [0, 1] (got %g)", shown(p));
    kou_dist *d = dist_new(sim, D_BERNOULLI);
    d->arg[0] = d->mean = d->u.ber.p = p;
    return d;
}

/* Inverse CDF of the window, from a 52-bit uniform. */
static double truncnormal_inverse(const kou_dist *d, kou_rng *r)
{
    double v = d->u.tn.ia + u52(r) * d->u.tn.z;
    if (v >= 1.0)
        v = 1.0 - DBL_EPSILON / 2;
    if (v <= 0.0)
        v = DBL_MIN;
    double z = gsl_cdf_ugaussian_Pinv(v);
    z = fmax(d->u.tn.ilo, fmin(d->u.tn.ihi, z)); /* rounding at the window's ends */
    return d->u.tn.mean + d->u.tn.sd * (d->u.tn.sign * z);
}

static double piecewise_sample(const kou_dist *d, kou_rng *r)
{
    const double *x = d->u.pw.x, *p = d->u.pw.p;
    double u = u32(r);
    /* The segment [i, i+1] with p[i] <= u < p[i+1] (such a segment has
    ** p[i+1] > p[i], so the division below is safe). */
    size_t lo = 0, hi = d->u.pw.n - 1; /* p[lo] <= u < p[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p[mid] <= u)
            lo = mid;
        else
            hi = mid;
    }
    double v = x[lo] + (u - p[lo]) / (p[hi] - p[lo]) * (x[hi] - x[lo]);
    return fmin(v, x[hi]);
}

double kou_dist_sample(const kou_dist *d, kou_rng *r)
{
    KOU_ASSERT(d != NULL && r != NULL);
    switch (d->kind) {
    case D_EXPONENTIAL:
        return d->u.exp.neg_mean * log(u32(r));
    case D_ERLANG: {
        /* log of a product of uniforms, in blocks of 16: each factor is
        ** >= 2^-33, so a block stays above 2^-528 and never underflows. */
        double s = 0;
        int k = d->u.erl.k;
        while (k > 0) {
            double prod = 1.0;
            for (int j = 0; j < 16 && k > 0; j++, k--)
                prod *= u32(r);
            s += log(prod);
        }
        return d->u.erl.neg_scale * s;
    }
    case D_GAMMA:
        return gsl_ran_gamma(r->g, d->u.gam.shape, d->u.gam.scale);
    case D_LOGNORMAL:
        return exp(d->u.logn.mu + d->u.logn.sigma * gsl_cdf_ugaussian_Pinv(u52(r)));
    case D_WEIBULL:
        return d->u.wei.scale * pow(-log(u32(r)), d->u.wei.inv_shape);
    case D_TRIANGULAR: {
        double u = u32(r);
        if (u < d->u.tri.fc)
            return d->u.tri.min + sqrt(u * d->u.tri.left);
        return d->u.tri.max - sqrt((1 - u) * d->u.tri.right);
    }
    case D_UNIFORM:
        return d->u.uni.a + d->u.uni.width * u32(r);
    case D_TRUNCNORMAL:
        if (d->u.tn.reject) {
            for (int i = 0; i < TN_REJECT_TRIES; i++) {
                double z = gsl_ran_gaussian_ziggurat(r->g, 1.0);
                if (z >= d->u.tn.a && z <= d->u.tn.b)
                    return d->u.tn.mean + d->u.tn.sd * z;
            }
        }
        return truncnormal_inverse(d, r);
    case D_DETERMINISTIC:
        return d->u.det.value;
    case D_DISCRETE:
        return d->u.disc.values[gsl_ran_discrete(r->g, d->u.disc.table)];
    case D_PIECEWISE:
        return piecewise_sample(d, r);
    case D_BERNOULLI:
        return u32(r) < d->u.ber.p ? 1.0 : 0.0;
    }
    koui_assert_failed(__FILE__, __LINE__, __func__, "unknown distribution kind");
    return NAN;
}

double kou_dist_mean(const kou_dist *d)
{
    KOU_CHECK(d != NULL);
    return d->mean;
}

int kou_dist_uniforms_per_sample(const kou_dist *d)
{
    KOU_CHECK(d != NULL);
    switch (d->kind) {
    case D_ERLANG:
        return d->u.erl.k;
    case D_GAMMA:
        return -1;
    case D_LOGNORMAL:
        return 2;
    case D_TRUNCNORMAL:
        return d->u.tn.reject ? -1 : 2;
    case D_DETERMINISTIC:
        return 0;
    default:
        return 1;
    }
}

const char *kou_dist_name(const kou_dist *d)
{
    KOU_CHECK(d != NULL);
    return dist_names[d->kind];
}

/* Appends to buf like snprintf, tracking the length the full text needs. */
typedef struct textbuf {
    char *buf;
    size_t len, need;
} textbuf;

static void tb_printf(textbuf *t, const char *fmt, ...) KOU_PRINTF(2, 3);
static void tb_printf(textbuf *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = t->need < t->len ? t->len - t->need : 0;
    int w = vsnprintf(room ? t->buf + t->need : NULL, room, fmt, ap);
    va_end(ap);
    if (w > 0)
        t->need += (size_t)w;
}

static void tb_list(textbuf *t, const char *label, const double *v, size_t n)
{
    tb_printf(t, "%s=[", label);
    for (size_t i = 0; i < n && i < 8; i++)
        tb_printf(t, "%s%g", i ? ", " : "", v[i]);
    if (n > 8)
        tb_printf(t, ", ... (%zu in all)", n);
    tb_printf(t, "]");
}

int kou_dist_describe(const kou_dist *d, char *buf, size_t len)
{
    KOU_CHECK(d != NULL && (buf != NULL || len == 0));
    textbuf t = {buf, len, 0};
    if (len > 0)
        buf[0] = '\0';
    const double *a = d->arg;
    tb_printf(&t, "%s(", dist_names[d->kind]);
    switch (d->kind) {
    case D_EXPONENTIAL:
        tb_printf(&t, "mean=%g", a[0]);
        break;
    case D_ERLANG:
        tb_printf(&t, "k=%d, mean=%g", d->u.erl.k, a[1]);
        break;
    case D_GAMMA:
        tb_printf(&t, "shape=%g, scale=%g", a[0], a[1]);
        break;
    case D_LOGNORMAL:
        if (d->by_mean_cv)
            tb_printf(&t, "mean=%g, cv=%g", a[0], a[1]);
        else
            tb_printf(&t, "mu=%g, sigma=%g", a[0], a[1]);
        break;
    case D_WEIBULL:
        tb_printf(&t, "shape=%g, scale=%g", a[0], a[1]);
        break;
    case D_TRIANGULAR:
        tb_printf(&t, "min=%g, mode=%g, max=%g", a[0], a[1], a[2]);
        break;
    case D_UNIFORM:
        tb_printf(&t, "a=%g, b=%g", a[0], a[1]);
        break;
    case D_TRUNCNORMAL:
        tb_printf(&t, "mean=%g, sd=%g, lo=%g, hi=%g", a[0], a[1], a[2], a[3]);
        break;
    case D_DETERMINISTIC:
        tb_printf(&t, "value=%g", a[0]);
        break;
    case D_DISCRETE:
        tb_list(&t, "values", d->u.disc.values, d->u.disc.n);
        tb_printf(&t, ", ");
        tb_list(&t, "weights", d->u.disc.weights, d->u.disc.n);
        break;
    case D_PIECEWISE:
        tb_list(&t, "x", d->u.pw.x, d->u.pw.n);
        tb_printf(&t, ", ");
        tb_list(&t, "p", d->u.pw.p, d->u.pw.n);
        break;
    case D_BERNOULLI:
        tb_printf(&t, "p=%g", a[0]);
        break;
    }
    tb_printf(&t, ")");
    return t.need > INT32_MAX ? INT32_MAX : (int)t.need;
}

/* ---- non-homogeneous Poisson process ---- */

#define WEEK 168

static const char *const weekday_names[7] = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
};

struct kou_nhpp {
    /* Rates in the simulation's frame: rate[i] applies to hours
    ** [i, i+1) + 168k of simulation time. */
    double rate[WEEK];
    /* cum[i] = rate[0] + ... + rate[(i-1) % 168], over two weeks so a
    ** search may start at any hour. */
    double cum[2 * WEEK + 1];
    double week; /* expected arrivals per week */
};

static void nhpp_free(void *p)
{
    free(p);
}

kou_nhpp *kou_nhpp_new(kou_sim *sim, const double rate_per_hour[168])
{
    KOU_CHECK(sim != NULL && rate_per_hour != NULL);
    bool any = false;
    for (int i = 0; i < WEEK; i++) {
        double x = rate_per_hour[i];
        if (!isfinite(x) || x < 0) {
            koui_fail(sim, KOU_EINVAL, "arrival rates: the rate for %s %02d:00 must be >= 0 and finite (got %g)",
                      weekday_names[i / 24], i % 24, shown(x));
            return NULL;
        }
        any |= x > 0;
    }
    if (!any) {
        koui_fail(sim, KOU_EINVAL, "arrival rates: all 168 hourly rates are zero (no arrival would ever happen)");
        return NULL;
    }
    int offset = 24 * kou_date_weekday(kou_sim_start_date(sim));
    kou_nhpp *p = koui_calloc(1, sizeof *p);
    for (int i = 0; i < WEEK; i++)
        p->rate[i] = rate_per_hour[(i + offset) % WEEK];
    p->cum[0] = 0;
    for (int i = 0; i < 2 * WEEK; i++)
        p->cum[i + 1] = p->cum[i] + p->rate[i % WEEK];
    p->week = p->cum[WEEK];
    if (!isfinite(p->cum[2 * WEEK])) {
        free(p);
        koui_fail(sim, KOU_EINVAL, "arrival rates: the weekly total overflows");
        return NULL;
    }
    koui_sim_own(sim, p, nhpp_free);
    return p;
}

kou_nhpp *kou_nhpp_new_daily(kou_sim *sim, const double hourly[24], const double weekday_factor[7])
{
    KOU_CHECK(sim != NULL && hourly != NULL && weekday_factor != NULL);
    for (int h = 0; h < 24; h++)
        if (!isfinite(hourly[h]) || hourly[h] < 0) {
            koui_fail(sim, KOU_EINVAL, "arrival rates: the hourly rate for %02d:00 must be >= 0 and finite (got %g)",
                      h, shown(hourly[h]));
            return NULL;
        }
    for (int w = 0; w < 7; w++)
        if (!isfinite(weekday_factor[w]) || weekday_factor[w] < 0) {
            koui_fail(sim, KOU_EINVAL, "arrival rates: the factor for %s must be >= 0 and finite (got %g)",
                      weekday_names[w], shown(weekday_factor[w]));
            return NULL;
        }
    double rates[WEEK];
    for (int i = 0; i < WEEK; i++)
        rates[i] = hourly[i % 24] * weekday_factor[i / 24];
    return kou_nhpp_new(sim, rates);
}

/* Splits t into whole weeks and the hour of the week (0..167) and the
** position inside the week, [0, 168). */
static void week_split(kou_time t, double *weeks, double *in_week, int *hour)
{
    double w = floor(t / WEEK);
    double s = t - w * WEEK;
    if (s < 0)
        s = 0;
    if (s >= WEEK) { /* rounding */
        s -= WEEK;
        w += 1;
        if (s < 0)
            s = 0;
    }
    int h = (int)s;
    *weeks = w;
    *in_week = s;
    *hour = h < WEEK ? h : WEEK - 1;
}

kou_time kou_nhpp_next(const kou_nhpp *p, kou_rng *r, kou_time now)
{
    KOU_CHECK(p != NULL && r != NULL && isfinite(now));
    double e = -log(u32(r)); /* Exp(1): the cumulative intensity to cover */
    double weeks, s;
    int h;
    week_split(now, &weeks, &s, &h);
    /* The rest of the current hour. */
    double rate = p->rate[h], rem = (h + 1) - s;
    if (rate * rem >= e)
        return now + e / rate;
    e -= rate * rem;
    /* Now at the start of hour h+1: skip whole weeks, then search. */
    double t0 = weeks * WEEK + (h + 1);
    int j = (h + 1) % WEEK;
    if (e > p->week) {
        double k = floor(e / p->week);
        if (k * p->week >= e)
            k -= 1;
        e -= k * p->week;
        t0 += k * WEEK;
    }
    /* Smallest i in [j, j+167] with cum[i+1] >= cum[j] + e. */
    double target = p->cum[j] + e;
    int lo = j, hi = j + WEEK - 1;
    if (p->cum[hi + 1] < target) { /* rounding: e was ~ a whole week */
        lo = hi;
        while (lo > j && p->rate[lo % WEEK] == 0)
            lo--;
    } else {
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (p->cum[mid + 1] >= target)
                hi = mid;
            else
                lo = mid + 1;
        }
    }
    double ri = p->rate[lo % WEEK];
    double dt = ri > 0 ? (target - p->cum[lo]) / ri : 1.0;
    dt = fmax(0.0, fmin(1.0, dt));
    kou_time t = t0 + (lo - j) + dt;
    return t > now ? t : now;
}

double kou_nhpp_rate(const kou_nhpp *p, kou_time t)
{
    KOU_CHECK(p != NULL && isfinite(t));
    double weeks, s;
    int h;
    week_split(t, &weeks, &s, &h);
    return p->rate[h];
}

/* Cumulative intensity from time 0 to t. */
static double cumulative(const kou_nhpp *p, kou_time t)
{
    double weeks, s;
    int h;
    week_split(t, &weeks, &s, &h);
    return weeks * p->week + p->cum[h] + (s - h) * p->rate[h];
}

double kou_nhpp_expected(const kou_nhpp *p, kou_time t0, kou_time t1)
{
    KOU_CHECK(p != NULL && isfinite(t0) && isfinite(t1) && t0 <= t1);
    return fmax(0.0, cumulative(p, t1) - cumulative(p, t0));
}
