/*
** kpi.c — KPIs of one replication from consignment records and resource
** reports, and their summary across replications (see kpi.h for the
** definitions).
**
** One replication keeps running sums (tallies, counters) per group and a
** quantile sketch of the overall clearance times (kou_qsketch: bounded
** memory, relative error below 0.1 %). Records find their group through a
** table indexed by (port, mode, direction), so observing is O(1) and
** allocates only when a group's times first reach a new binade (a factor
** of 2) of the sketch. The summary keeps the per-replication value of
** every metric (a few doubles per replication), from which it takes means
** and Student-t half-widths on demand.
*/
#include "model/kpi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/stats.h"
#include "model/params.h"

/* kpi.h states the sketch's bound as KOU_KPI_QUANTILE_REL_ERROR. */
_Static_assert(KOU_QSKETCH_SUBS == 1024, "KOU_KPI_QUANTILE_REL_ERROR is 1 / KOU_QSKETCH_SUBS");

static const char ALL_PORTS[] = "all ports";

/* Hours within which the KOU_KPI_WITHIN_* shares count a release. */
static const double WITHIN_H[3] = {1.0, 6.0, 24.0};

const char *kou_kpi_metric_name(kou_kpi_metric m)
{
    static const char *const names[KOU_KPI_METRIC_COUNT] = {
        "count",        "overall_mean", "overall_median",  "overall_p90",  "overall_p95",  "prep_mean",
        "customs_mean", "logistics_mean", "dwell_mean",    "within_1h",    "within_6h",    "within_24h",
        "inspection_rate", "scan_rate", "manual_rate",     "cost_mean"};
    return (unsigned)m < KOU_KPI_METRIC_COUNT ? names[m] : "?";
}

const char *kou_kpi_res_metric_name(kou_kpi_res_metric m)
{
    static const char *const names[KOU_KPI_RES_METRIC_COUNT] = {"capacity_mean", "utilisation", "mean_queue",
                                                                "mean_wait", "served"};
    return (unsigned)m < KOU_KPI_RES_METRIC_COUNT ? names[m] : "?";
}

/* ---- one replication ---- */

typedef struct group {
    kou_kpi_group info; /* info.port points into the kou_kpi's port names */
    uint64_t n;
    kou_qsketch overall; /* for the quantiles */
    kou_tally overall_t, prep, customs, logistics, dwell, cost;
    uint64_t within[3], inspected, scanned, manual;
} group;

typedef struct res_copy {
    kou_resource_report rep; /* rep.name == name */
    char *name;
} res_copy;

struct kou_kpi {
    size_t nports;
    char **port_names;
    group *groups;
    size_t ngroups;
    /* group index + 1 of (port, mode, direction), 0 for none */
    size_t *lookup;
    size_t all[KOU_DIRECTION_COUNT]; /* all-ports group index + 1, 0 for none */
    res_copy *res;
    size_t nres, res_cap;
};

static size_t slot(size_t port, size_t mode, size_t dir)
{
    return (port * KOU_MODE_COUNT + mode) * KOU_DIRECTION_COUNT + dir;
}

static void group_init(group *g, const char *port, int port_index, int mode, int dir)
{
    memset(g, 0, sizeof *g);
    g->info.port = port;
    g->info.port_index = port_index;
    g->info.mode = mode;
    g->info.direction = dir;
    kou_qsketch_init(&g->overall);
    kou_tally_init(&g->overall_t);
    kou_tally_init(&g->prep);
    kou_tally_init(&g->customs);
    kou_tally_init(&g->logistics);
    kou_tally_init(&g->dwell);
    kou_tally_init(&g->cost);
}

kou_kpi *kou_kpi_new(const kou_model_config *cfg)
{
    KOU_CHECK(cfg != NULL);
    KOU_CHECK(cfg->nports == 0 || cfg->ports != NULL);
    kou_kpi *k = koui_calloc(1, sizeof *k);
    k->nports = cfg->nports;
    k->port_names = koui_calloc(cfg->nports ? cfg->nports : 1, sizeof *k->port_names);
    k->lookup = koui_calloc(slot(cfg->nports, 0, 0) ? slot(cfg->nports, 0, 0) : 1, sizeof *k->lookup);
    /* At most one group per flow, plus the all-ports ones. */
    size_t cap = KOU_DIRECTION_COUNT;
    for (size_t i = 0; i < cfg->nports; i++)
        cap += cfg->ports[i].nflows;
    k->groups = koui_calloc(cap, sizeof *k->groups);
    bool dir_seen[KOU_DIRECTION_COUNT] = {false};
    for (size_t i = 0; i < cfg->nports; i++) {
        const kou_port_config *p = &cfg->ports[i];
        k->port_names[i] = koui_strdup(p->name ? p->name : "?");
        for (size_t f = 0; f < p->nflows; f++) {
            unsigned mode = (unsigned)p->flows[f].mode, dir = (unsigned)p->flows[f].direction;
            KOU_CHECK(mode < KOU_MODE_COUNT && dir < KOU_DIRECTION_COUNT);
            size_t *s = &k->lookup[slot(i, mode, dir)];
            if (*s)
                continue;
            group_init(&k->groups[k->ngroups], k->port_names[i], (int)i, (int)mode, (int)dir);
            *s = ++k->ngroups;
            dir_seen[dir] = true;
        }
    }
    for (int d = 0; d < KOU_DIRECTION_COUNT; d++) {
        if (!dir_seen[d])
            continue;
        group_init(&k->groups[k->ngroups], ALL_PORTS, -1, -1, d);
        k->all[d] = ++k->ngroups;
    }
    return k;
}

void kou_kpi_free(kou_kpi *k)
{
    if (!k)
        return;
    for (size_t g = 0; g < k->ngroups; g++)
        kou_qsketch_fini(&k->groups[g].overall);
    for (size_t i = 0; i < k->nports; i++)
        free(k->port_names[i]);
    for (size_t i = 0; i < k->nres; i++)
        free(k->res[i].name);
    free(k->port_names);
    free(k->groups);
    free(k->lookup);
    free(k->res);
    free(k);
}

/* b - a when both are present. */
static void add_interval(kou_tally *t, double a, double b)
{
    double d = b - a;
    if (!isnan(d))
        kou_tally_add(t, d);
}

static void group_add(group *g, const kou_consignment_record *rec)
{
    const kou_time *t = rec->t;
    double arr = t[KOU_MS_ARRIVAL], dec = t[KOU_MS_DECLARED], rel = t[KOU_MS_RELEASED],
           out = t[KOU_MS_GATE_OUT];
    g->n++;
    double overall = rel - arr;
    if (!isnan(overall)) {
        kou_tally_add(&g->overall_t, overall);
        kou_qsketch_add(&g->overall, overall); /* checks overall >= 0 */
        for (int i = 0; i < 3; i++)
            if (overall <= WITHIN_H[i])
                g->within[i]++;
    }
    if (!isnan(arr) && !isnan(dec)) {
        /* An advance declaration is waiting for the goods, not preparing:
        ** the customs clock starts at arrival then. */
        double start = dec > arr ? dec : arr;
        kou_tally_add(&g->prep, start - arr);
        add_interval(&g->customs, start, rel);
    }
    add_interval(&g->logistics, rel, out);
    add_interval(&g->dwell, arr, out);
    if (rec->flags & KOU_FLAG_INSPECTED)
        g->inspected++;
    if (rec->flags & KOU_FLAG_SCANNED)
        g->scanned++;
    if (rec->flags & KOU_FLAG_MANUAL)
        g->manual++;
    if (!isnan(rec->cost))
        kou_tally_add(&g->cost, rec->cost);
}

void kou_kpi_observe(void *kpi, const kou_consignment_record *rec)
{
    kou_kpi *k = kpi;
    KOU_CHECK(k != NULL && rec != NULL);
    KOU_CHECK(rec->port < k->nports && rec->mode < KOU_MODE_COUNT && rec->direction < KOU_DIRECTION_COUNT);
    size_t s = k->lookup[slot(rec->port, rec->mode, rec->direction)];
    KOU_CHECK(s != 0); /* a record of another configuration */
    group_add(&k->groups[s - 1], rec);
    group_add(&k->groups[k->all[rec->direction] - 1], rec);
}

void kou_kpi_resource(void *kpi, const kou_resource_report *r)
{
    kou_kpi *k = kpi;
    KOU_CHECK(k != NULL && r != NULL);
    if (k->nres == k->res_cap) {
        k->res_cap = k->res_cap ? 2 * k->res_cap : 16;
        k->res = koui_realloc(k->res, k->res_cap * sizeof *k->res);
    }
    res_copy *c = &k->res[k->nres++];
    c->rep = *r;
    c->name = koui_strdup(r->name ? r->name : "?");
    c->rep.name = c->name;
}

size_t kou_kpi_groups(const kou_kpi *k)
{
    KOU_CHECK(k != NULL);
    return k->ngroups;
}

kou_kpi_group kou_kpi_group_info(const kou_kpi *k, size_t g)
{
    KOU_CHECK(k != NULL && g < k->ngroups);
    return k->groups[g].info;
}

static double share(uint64_t part, uint64_t n)
{
    return n ? (double)part / (double)n : NAN;
}

double kou_kpi_get(const kou_kpi *k, size_t g, kou_kpi_metric m)
{
    KOU_CHECK(k != NULL && g < k->ngroups);
    const group *gr = &k->groups[g];
    switch (m) {
    case KOU_KPI_COUNT: return (double)gr->n;
    case KOU_KPI_OVERALL_MEAN: return kou_tally_mean(&gr->overall_t);
    case KOU_KPI_OVERALL_MEDIAN: return kou_qsketch_quantile(&gr->overall, 0.5);
    case KOU_KPI_OVERALL_P90: return kou_qsketch_quantile(&gr->overall, 0.9);
    case KOU_KPI_OVERALL_P95: return kou_qsketch_quantile(&gr->overall, 0.95);
    case KOU_KPI_PREP_MEAN: return kou_tally_mean(&gr->prep);
    case KOU_KPI_CUSTOMS_MEAN: return kou_tally_mean(&gr->customs);
    case KOU_KPI_LOGISTICS_MEAN: return kou_tally_mean(&gr->logistics);
    case KOU_KPI_DWELL_MEAN: return kou_tally_mean(&gr->dwell);
    case KOU_KPI_WITHIN_1H: return share(gr->within[0], gr->n);
    case KOU_KPI_WITHIN_6H: return share(gr->within[1], gr->n);
    case KOU_KPI_WITHIN_24H: return share(gr->within[2], gr->n);
    case KOU_KPI_INSPECTION_RATE: return share(gr->inspected, gr->n);
    case KOU_KPI_SCAN_RATE: return share(gr->scanned, gr->n);
    case KOU_KPI_MANUAL_RATE: return share(gr->manual, gr->n);
    case KOU_KPI_COST_MEAN: return kou_tally_mean(&gr->cost);
    case KOU_KPI_METRIC_COUNT: break;
    }
    koui_assert_failed(__FILE__, __LINE__, __func__, "kou_kpi_get: metric out of range");
    return NAN;
}

size_t kou_kpi_resources(const kou_kpi *k)
{
    KOU_CHECK(k != NULL);
    return k->nres;
}

const kou_resource_report *kou_kpi_resource_at(const kou_kpi *k, size_t i)
{
    KOU_CHECK(k != NULL && i < k->nres);
    return &k->res[i].rep;
}

/* ---- across replications ---- */

/* Per-replication values: vals[rep * nmetrics + metric], NaN where the
** group or resource was absent or the value undefined. */
typedef struct sgroup {
    kou_kpi_group info; /* info.port == port */
    char *port;
    double *vals;
} sgroup;

typedef struct sres {
    kou_kpi_resource_id info; /* strings == port, name */
    char *port, *name;
    size_t occurrence; /* among reports with the same port and name */
    double *vals;
} sres;

struct kou_kpi_summary {
    size_t nrep, rep_cap;
    sgroup *groups;
    size_t ngroups, groups_cap;
    sres *res;
    size_t nres, res_cap;
};

kou_kpi_summary *kou_kpi_summary_new(void)
{
    return koui_calloc(1, sizeof(kou_kpi_summary));
}

void kou_kpi_summary_free(kou_kpi_summary *s)
{
    if (!s)
        return;
    for (size_t g = 0; g < s->ngroups; g++) {
        free(s->groups[g].port);
        free(s->groups[g].vals);
    }
    for (size_t i = 0; i < s->nres; i++) {
        free(s->res[i].port);
        free(s->res[i].name);
        free(s->res[i].vals);
    }
    free(s->groups);
    free(s->res);
    free(s);
}

static double *new_vals(size_t cap, size_t nmetrics)
{
    double *v = koui_malloc(cap * nmetrics * sizeof *v);
    for (size_t i = 0; i < cap * nmetrics; i++)
        v[i] = NAN;
    return v;
}

static void grow_vals(double **v, size_t old_cap, size_t cap, size_t nmetrics)
{
    *v = koui_realloc(*v, cap * nmetrics * sizeof **v);
    for (size_t i = old_cap * nmetrics; i < cap * nmetrics; i++)
        (*v)[i] = NAN;
}

static sgroup *find_group(kou_kpi_summary *s, const kou_kpi_group *info)
{
    for (size_t g = 0; g < s->ngroups; g++) {
        const kou_kpi_group *o = &s->groups[g].info;
        if (o->port_index == info->port_index && o->mode == info->mode && o->direction == info->direction &&
            strcmp(o->port, info->port) == 0)
            return &s->groups[g];
    }
    if (s->ngroups == s->groups_cap) {
        s->groups_cap = s->groups_cap ? 2 * s->groups_cap : 8;
        s->groups = koui_realloc(s->groups, s->groups_cap * sizeof *s->groups);
    }
    sgroup *n = &s->groups[s->ngroups++];
    n->info = *info;
    n->port = koui_strdup(info->port);
    n->info.port = n->port;
    n->vals = new_vals(s->rep_cap, KOU_KPI_METRIC_COUNT);
    return n;
}

static sres *find_res(kou_kpi_summary *s, const char *port, int port_index, const char *name, size_t occurrence)
{
    for (size_t i = 0; i < s->nres; i++) {
        sres *o = &s->res[i];
        if (o->info.port_index == port_index && o->occurrence == occurrence && strcmp(o->name, name) == 0)
            return o;
    }
    if (s->nres == s->res_cap) {
        s->res_cap = s->res_cap ? 2 * s->res_cap : 16;
        s->res = koui_realloc(s->res, s->res_cap * sizeof *s->res);
    }
    sres *n = &s->res[s->nres++];
    n->port = koui_strdup(port);
    n->name = koui_strdup(name);
    n->info.port = n->port;
    n->info.name = n->name;
    n->info.port_index = port_index;
    n->occurrence = occurrence;
    n->vals = new_vals(s->rep_cap, KOU_KPI_RES_METRIC_COUNT);
    return n;
}

void kou_kpi_summary_add(kou_kpi_summary *s, const kou_kpi *k)
{
    KOU_CHECK(s != NULL && k != NULL);
    if (s->nrep == s->rep_cap) {
        size_t cap = s->rep_cap ? 2 * s->rep_cap : 8;
        for (size_t g = 0; g < s->ngroups; g++)
            grow_vals(&s->groups[g].vals, s->rep_cap, cap, KOU_KPI_METRIC_COUNT);
        for (size_t i = 0; i < s->nres; i++)
            grow_vals(&s->res[i].vals, s->rep_cap, cap, KOU_KPI_RES_METRIC_COUNT);
        s->rep_cap = cap;
    }
    size_t rep = s->nrep;
    for (size_t g = 0; g < k->ngroups; g++) {
        sgroup *sg = find_group(s, &k->groups[g].info);
        for (int m = 0; m < KOU_KPI_METRIC_COUNT; m++)
            sg->vals[rep * KOU_KPI_METRIC_COUNT + (size_t)m] = kou_kpi_get(k, g, (kou_kpi_metric)m);
    }
    for (size_t i = 0; i < k->nres; i++) {
        const kou_resource_report *r = &k->res[i].rep;
        size_t occurrence = 0;
        for (size_t j = 0; j < i; j++)
            if (k->res[j].rep.port == r->port && strcmp(k->res[j].name, r->name) == 0)
                occurrence++;
        const char *port = r->port < k->nports ? k->port_names[r->port] : "?";
        sres *sr = find_res(s, port, (int)r->port, r->name, occurrence);
        double *v = &sr->vals[rep * KOU_KPI_RES_METRIC_COUNT];
        v[KOU_KPI_RES_CAPACITY] = r->capacity_mean;
        v[KOU_KPI_RES_UTILISATION] = r->utilisation;
        v[KOU_KPI_RES_MEAN_QUEUE] = r->mean_queue;
        v[KOU_KPI_RES_MEAN_WAIT] = r->mean_wait;
        v[KOU_KPI_RES_SERVED] = (double)r->served;
    }
    s->nrep++;
}

/* Room for one more replication in every group's and resource's values. */
static void reserve_rep(kou_kpi_summary *s)
{
    if (s->nrep < s->rep_cap)
        return;
    size_t cap = s->rep_cap ? 2 * s->rep_cap : 8;
    for (size_t g = 0; g < s->ngroups; g++)
        grow_vals(&s->groups[g].vals, s->rep_cap, cap, KOU_KPI_METRIC_COUNT);
    for (size_t i = 0; i < s->nres; i++)
        grow_vals(&s->res[i].vals, s->rep_cap, cap, KOU_KPI_RES_METRIC_COUNT);
    s->rep_cap = cap;
}

void kou_kpi_summary_add_values(kou_kpi_summary *s, size_t ngroups, const kou_kpi_group *groups,
                                const double *group_values, size_t nresources,
                                const kou_kpi_resource_id *resources, const double *resource_values)
{
    KOU_CHECK(s != NULL && (ngroups == 0 || (groups != NULL && group_values != NULL)) &&
              (nresources == 0 || (resources != NULL && resource_values != NULL)));
    reserve_rep(s);
    size_t rep = s->nrep;
    for (size_t g = 0; g < ngroups; g++) {
        KOU_CHECK(groups[g].port != NULL);
        sgroup *sg = find_group(s, &groups[g]);
        memcpy(&sg->vals[rep * KOU_KPI_METRIC_COUNT], &group_values[g * KOU_KPI_METRIC_COUNT],
               KOU_KPI_METRIC_COUNT * sizeof(double));
    }
    for (size_t i = 0; i < nresources; i++) {
        const kou_kpi_resource_id *r = &resources[i];
        KOU_CHECK(r->port != NULL && r->name != NULL);
        size_t occurrence = 0;
        for (size_t j = 0; j < i; j++)
            if (resources[j].port_index == r->port_index && strcmp(resources[j].name, r->name) == 0)
                occurrence++;
        sres *sr = find_res(s, r->port, r->port_index, r->name, occurrence);
        memcpy(&sr->vals[rep * KOU_KPI_RES_METRIC_COUNT], &resource_values[i * KOU_KPI_RES_METRIC_COUNT],
               KOU_KPI_RES_METRIC_COUNT * sizeof(double));
    }
    s->nrep++;
}

size_t kou_kpi_summary_replications(const kou_kpi_summary *s)
{
    KOU_CHECK(s != NULL);
    return s->nrep;
}

size_t kou_kpi_summary_groups(const kou_kpi_summary *s)
{
    KOU_CHECK(s != NULL);
    return s->ngroups;
}

kou_kpi_group kou_kpi_summary_group(const kou_kpi_summary *s, size_t g)
{
    KOU_CHECK(s != NULL && g < s->ngroups);
    return s->groups[g].info;
}

/* Mean and 95 % half-width of the defined values among nrep values spaced
** 'stride' apart. */
static kou_kpi_value across(const double *v, size_t nrep, size_t stride)
{
    kou_kpi_value out = {NAN, NAN, 0};
    double *x = koui_malloc((nrep ? nrep : 1) * sizeof *x);
    double sum = 0.0;
    for (size_t r = 0; r < nrep; r++) {
        double y = v[r * stride];
        if (!isnan(y)) {
            x[out.n++] = y;
            sum += y;
        }
    }
    if (out.n > 0)
        out.mean = sum / (double)out.n;
    if (out.n >= 2) {
        kou_ci ci = kou_ci_student(x, out.n, 0.95);
        out.half = ci.half;
    }
    free(x);
    return out;
}

kou_kpi_value kou_kpi_summary_get(const kou_kpi_summary *s, size_t g, kou_kpi_metric m)
{
    KOU_CHECK(s != NULL && g < s->ngroups && (unsigned)m < KOU_KPI_METRIC_COUNT);
    return across(s->groups[g].vals + (size_t)m, s->nrep, KOU_KPI_METRIC_COUNT);
}

size_t kou_kpi_summary_resources(const kou_kpi_summary *s)
{
    KOU_CHECK(s != NULL);
    return s->nres;
}

kou_kpi_resource_id kou_kpi_summary_resource(const kou_kpi_summary *s, size_t i)
{
    KOU_CHECK(s != NULL && i < s->nres);
    return s->res[i].info;
}

kou_kpi_value kou_kpi_summary_resource_get(const kou_kpi_summary *s, size_t i, kou_kpi_res_metric m)
{
    KOU_CHECK(s != NULL && i < s->nres && (unsigned)m < KOU_KPI_RES_METRIC_COUNT);
    return across(s->res[i].vals + (size_t)m, s->nrep, KOU_KPI_RES_METRIC_COUNT);
}

/* ---- the printed table ---- */

static const char *mode_name(int mode)
{
    return mode >= 0 && mode < KOU_MODE_COUNT ? kou_mode_names[mode] : "all modes";
}

/* One value cell: the mean right-aligned in 'width' with 'decimals', then
** " ± half" in half_width when ci; "-" for undefined parts. 'scale'
** turns shares into %. */
static void print_cell(FILE *out, kou_kpi_value v, double scale, int width, int decimals, bool ci,
                       int half_width)
{
    if (isnan(v.mean))
        fprintf(out, "%*s", width, "-");
    else
        fprintf(out, "%*.*f", width, decimals, v.mean * scale);
    if (!ci)
        return;
    if (isnan(v.half))
        fprintf(out, " ± %-*s", half_width, "-");
    else
        fprintf(out, " ± %-*.*f", half_width, decimals, v.half * scale);
}

typedef struct row {
    kou_kpi_metric m;
    const char *label;
    const char *unit;
    double scale;
} row;

static const row ROWS[] = {
    {KOU_KPI_COUNT, "consignments", "", 1.0},
    {KOU_KPI_OVERALL_MEAN, "overall clearance time, mean", "h", 1.0},
    {KOU_KPI_OVERALL_MEDIAN, "overall clearance time, median", "h", 1.0},
    {KOU_KPI_OVERALL_P90, "overall clearance time, p90", "h", 1.0},
    {KOU_KPI_OVERALL_P95, "overall clearance time, p95", "h", 1.0},
    {KOU_KPI_PREP_MEAN, "  preparation (arrival->decl.)", "h", 1.0},
    {KOU_KPI_CUSTOMS_MEAN, "  customs (decl.->release)", "h", 1.0},
    {KOU_KPI_LOGISTICS_MEAN, "port logistics (release->out)", "h", 1.0},
    {KOU_KPI_DWELL_MEAN, "total dwell (arrival->out)", "h", 1.0},
    {KOU_KPI_WITHIN_1H, "released within 1 h", "%", 100.0},
    {KOU_KPI_WITHIN_6H, "released within 6 h", "%", 100.0},
    {KOU_KPI_WITHIN_24H, "released within 24 h", "%", 100.0},
    {KOU_KPI_INSPECTION_RATE, "inspection rate", "%", 100.0},
    {KOU_KPI_SCAN_RATE, "machine scan rate", "%", 100.0},
    {KOU_KPI_MANUAL_RATE, "manual inspection rate", "%", 100.0},
    {KOU_KPI_COST_MEAN, "cost per consignment", "CNY", 1.0},
};

const char *kou_kpi_metric_unit(kou_kpi_metric m, double *scale)
{
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++)
        if (ROWS[i].m == m) {
            if (scale)
                *scale = ROWS[i].scale;
            return ROWS[i].unit;
        }
    if (scale)
        *scale = 1.0;
    return "";
}

static void print_group(const kou_kpi_summary *s, FILE *out, size_t g, bool ci)
{
    const kou_kpi_group *info = &s->groups[g].info;
    if (info->port_index < 0)
        fprintf(out, "\n%s, %s\n", info->port, kou_direction_name(info->direction));
    else
        fprintf(out, "\n%s, %s, %s\n", info->port, mode_name(info->mode), kou_direction_name(info->direction));
    kou_kpi_value n = kou_kpi_summary_get(s, g, KOU_KPI_COUNT);
    if (n.n > 0 && n.mean == 0) { /* a flow with nothing reported: one line, not 16 dashes */
        fprintf(out, "  no consignments reported\n");
        return;
    }
    for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
        const row *r = &ROWS[i];
        kou_kpi_value v = kou_kpi_summary_get(s, g, r->m);
        /* A count is whole in one replication; its mean over several is not. */
        int decimals = r->m == KOU_KPI_COUNT ? (ci ? 1 : 0) : 2;
        fprintf(out, "  %-32s", r->label);
        /* Pad the half-width only when a unit follows (no trailing blanks). */
        print_cell(out, v, r->scale, 12, decimals, ci, *r->unit ? 9 : 0);
        fprintf(out, "%s%s\n", *r->unit ? " " : "", r->unit);
    }
}

static int max_len(int start, const char *s)
{
    int n = (int)strlen(s);
    return n > start ? n : start;
}

static void print_resources(const kou_kpi_summary *s, FILE *out, bool ci)
{
    if (s->nres == 0)
        return;
    int pw = 4, rw = 8;
    for (size_t i = 0; i < s->nres; i++) {
        pw = max_len(pw, s->res[i].port);
        rw = max_len(rw, s->res[i].name);
    }
    static const struct {
        kou_kpi_res_metric m;
        const char *head;
        double scale;
        int decimals;
    } cols[] = {
        {KOU_KPI_RES_CAPACITY, "capacity", 1.0, 2},  {KOU_KPI_RES_UTILISATION, "utilisation %", 100.0, 2},
        {KOU_KPI_RES_MEAN_QUEUE, "mean queue", 1.0, 2}, {KOU_KPI_RES_MEAN_WAIT, "mean wait h", 1.0, 2},
        {KOU_KPI_RES_SERVED, "served", 1.0, 0},
    };
    /* Each value right-aligned under its heading, the half-width after it
    ** in hw columns (" ± " takes 3 more); the last cell unpadded. */
    const size_t ncols = sizeof cols / sizeof cols[0];
    const int hw = 7;
    fprintf(out, "\nresources (from warm-up to the end of the drain; utilisation = work done / server-hours "
                 "open)\n");
    fprintf(out, "  %-*s  %-*s", pw, "port", rw, "resource");
    for (size_t c = 0; c < ncols; c++)
        fprintf(out, "  %*s%*s", max_len(10, cols[c].head), cols[c].head, ci && c + 1 < ncols ? 3 + hw : 0, "");
    fputc('\n', out);
    for (size_t i = 0; i < s->nres; i++) {
        fprintf(out, "  %-*s  %-*s", pw, s->res[i].port, rw, s->res[i].name);
        for (size_t c = 0; c < ncols; c++) {
            kou_kpi_value v = kou_kpi_summary_resource_get(s, i, cols[c].m);
            int decimals = cols[c].m == KOU_KPI_RES_SERVED && ci ? 1 : cols[c].decimals;
            fputs("  ", out);
            print_cell(out, v, cols[c].scale, max_len(10, cols[c].head), decimals, ci, c + 1 < ncols ? hw : 0);
        }
        fputc('\n', out);
    }
}

int kou_kpi_summary_print(const kou_kpi_summary *s, FILE *out, const char *title)
{
    KOU_CHECK(s != NULL && out != NULL);
    bool ci = s->nrep >= 2;
    if (title && *title)
        fprintf(out, "== %s ==\n", title);
    if (ci)
        fprintf(out, "%zu replications: mean over replications ± Student-t 95 %% half-width\n", s->nrep);
    else
        fprintf(out, "%zu replication%s (no confidence interval)\n", s->nrep, s->nrep == 1 ? "" : "s");
    fprintf(out, "overall clearance time = arrival -> customs release (import: arrival of the carrier; "
                 "export: goods at the port)\n"
                 "  = preparation (arrival -> declaration, 0 if declared in advance)\n"
                 "  + customs (declaration, or arrival if declared in advance, -> release)\n"
                 "port logistics = release -> gate-out (export: departure of the carrier)\n"
                 "median, p90, p95: from a fixed-memory histogram, within 0.1 %% of the exact sample "
                 "quantiles\n");
    /* Ports first, then the all-ports groups: kou_kpi_new's order. */
    for (size_t g = 0; g < s->ngroups; g++)
        if (s->groups[g].info.port_index >= 0)
            print_group(s, out, g, ci);
    for (size_t g = 0; g < s->ngroups; g++)
        if (s->groups[g].info.port_index < 0)
            print_group(s, out, g, ci);
    print_resources(s, out, ci);
    return ferror(out) ? -1 : 0;
}
