/*
** prior.h — what a scenario says it does not know: a prior over one
** named value, written in a scenario as uncertain{lo, hi, ...}
** (lua/uncertain.h) instead of a number, with its shape, its range, its
** central value (what a plain run uses) and where the range comes from.
**
** Shapes (the names scenarios use):
**   uniform      lo..hi
**   triangular   lo..hi, peak at mode
**   pert         lo..hi, mode: the beta-PERT of Malcolm et al. (1959),
**                alpha = 1 + 4 (mode - lo)/(hi - lo), beta = 1 + 4 (hi - mode)/(hi - lo)
**   loguniform   lo..hi, 0 < lo: uniform in log
**   normal       mean, sd, truncated to lo..hi
** The central value is the prior's median, so that half the plausible
** values lie on each side of what a plain run uses. A draw is the
** quantile of u in (0, 1): a Latin hypercube over u (exp/uncertainty.h)
** is one over the priors.
**
** A prior is a plain value (fixed-size strings): copied freely, no
** resources. Pure functions; any thread.
*/
#ifndef KOUAN_EXP_PRIOR_H
#define KOUAN_EXP_PRIOR_H

#include <stdbool.h>
#include <stddef.h>

#define KOU_PRIOR_NAME_LEN 64     /* bytes of a name, NUL included */
#define KOU_PRIOR_SOURCE_LEN 256  /* of the source text */
#define KOU_PRIOR_WHERE_LEN 128   /* of "FILE:LINE" */

typedef enum kou_prior_shape {
    KOU_PRIOR_UNIFORM, KOU_PRIOR_TRIANGULAR, KOU_PRIOR_PERT, KOU_PRIOR_LOGUNIFORM, KOU_PRIOR_NORMAL,
    KOU_PRIOR_SHAPE_COUNT
} kou_prior_shape;

typedef struct kou_prior {
    char name[KOU_PRIOR_NAME_LEN];
    kou_prior_shape shape;
    double lo, hi;        /* the range: every draw lies in it */
    double mode;          /* triangular, pert; NaN otherwise */
    double mean, sd;      /* normal (before truncation); NaN otherwise */
    char source[KOU_PRIOR_SOURCE_LEN]; /* "" when the scenario gives none */
    char where[KOU_PRIOR_WHERE_LEN];   /* where the scenario defines it */
    double used;          /* the value a load used: central, or the one given by name */
} kou_prior;

/* "uniform", ...; the shape of a name, or -1. */
const char *kou_prior_shape_name(kou_prior_shape s);
int kou_prior_shape_find(const char *name);

/* Whether p is a prior: a finite range lo < hi, lo > 0 for loguniform,
** lo <= mode <= hi, sd > 0 with mass inside the range. false with the
** reason in err ("mode 0.9 is outside 0.1..0.5"). */
bool kou_prior_check(const kou_prior *p, char *err, size_t errlen);

/* The value below which a share u of the prior lies (u in [0, 1]; the
** ends give lo and hi). p must pass kou_prior_check. */
double kou_prior_quantile(const kou_prior *p, double u);
/* The median: what a run without --uncertainty uses. */
double kou_prior_central(const kou_prior *p);
/* The mean (for the tests' exact answers). */
double kou_prior_mean(const kou_prior *p);

/* Whether a and b say the same thing (name aside): one name used at two
** places must describe one prior. */
bool kou_prior_same(const kou_prior *a, const kou_prior *b);

/* "uniform 0.05..0.15", "triangular 0.2..0.5 mode 0.3",
** "normal mean 4 sd 1 in 2..6". */
void kou_prior_describe(const kou_prior *p, char *buf, size_t len);
/* The text of its --dump line and /parameters row (path uncertain.NAME):
** "uniform 0.05..0.15, central 0.1 (median); used 0.1; ports.lua:93;
** source: row 10". */
void kou_prior_row_text(const kou_prior *p, char *buf, size_t len);

#endif
