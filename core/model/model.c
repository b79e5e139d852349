/*
** model.c — the port-clearance flow on the kernel (see model.h for the flow
** and the order of milestones).
**
** Structure. A run builds, inside its own kou_sim, one resource per
** kou_resource_spec, one kernel distribution per dist spec and the named
** random streams; then each flow runs a chain of "announce" events, one per
** carrier. Announcing a carrier creates its units and consignments (and
** takes all their random draws) early enough for advance declarations to
** be lodged before arrival; the carrier's arrival (import) or departure
** (export) is a separate event. Each consignment is then a small state
** machine driven by events and resource grants; two joins hold it
** together: the goods are present (unloaded, past the border) and the
** release is allowed (checks done, goods present, lab and duty unless
** released before them). A consignment leaves the system when its main
** branch has gated out and the side branches (lab, duty off the critical
** path) have ended.
**
** Resources all use the priority discipline: green-channel consignments
** ask with green_priority, the rest with 0, so with green_priority 0 every
** queue is FIFO. Work is timed with kou_resource_work_end, so calendars
** give preempt-resume: work not finished at closing resumes at the next
** opening, on the same server.
*/
#include "model/model.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/calendar.h"
#include "kernel/resource.h"
#include "kernel/rng.h"
#include "kernel/sim.h"
#include "model/params.h"

enum { ERR_MAX = 512 };

/* ---- run-time state ---- */

typedef struct port_rt {
    const kou_port_config *cfg;
    uint16_t index;
    kou_resource **res;
    double *work_done; /* per resource: hours of work done since warmup_hours */
    kou_resource *handling, *documents, *scanner, *inspection, *border_insp, *apron, *gate;
    const kou_dist *unload, *prep, *doc, *cert, *scan, *notice, *inspect, *duty, *move,
        *pickup, *gate_time, *border, *border_data;
    double lead; /* advance_lead_hours when some consignments are advance-declared */
} port_rt;

typedef struct flow_rt {
    const kou_flow_config *cfg;
    port_rt *port;
    uint16_t index;
    uint64_t keybase; /* (global flow number + 1) << 40: keys of its entities */
    kou_rng *arrivals;
    const kou_nhpp *nhpp;
    const kou_dist *delay, *units, *conspu, *goods_lead, *handoff;
    const kou_dist **lab_time; /* per goods */
    double *goods_cum;         /* cumulative goods shares, normalised */
    double trader_cum[KOU_TRADER_COUNT];
    /* the announce chain */
    kou_time next_sched;   /* scheduled time of the next carrier */
    uint64_t tt_week;      /* timetable: week and entry of next_sched */
    size_t tt_index;
    kou_time week_offset;  /* hours from Monday 00:00 to hour 0 */
    uint64_t carrier_seq, unit_seq, cons_seq;
} flow_rt;

struct cons;

typedef struct unit {
    struct carrier *car;
    uint32_t first, n; /* consignments car->cons[first .. first+n) */
    uint64_t id;
    double work;
    int priority;
} unit;

typedef struct carrier {
    flow_rt *flow;
    uint64_t id;
    kou_time sched, actual; /* scheduled and actual arrival (import) / departure (export) */
    uint32_t nunits, ncons;
    unit *units;
    struct cons **cons;
    uint32_t pending; /* import: units not unloaded; export: consignments not loaded */
    bool due;         /* export: departure time reached */
    struct carrier *prev, *next; /* live carriers, for clean-up after an error */
} carrier;

/* Release join. */
enum { NEED_CHECKS = 1u, NEED_GOODS = 2u, NEED_LAB = 4u, NEED_DUTY = 8u };
/* Goods-present join. */
enum { GOODS_UNLOADED = 1u, GOODS_BORDER = 2u, GOODS_ARRIVED = 4u };
/* What waits for the goods. */
enum { WAIT_NONE, WAIT_SCAN, WAIT_VISIT };

typedef struct cons {
    kou_consignment_record rec;
    flow_rt *flow;
    carrier *car; /* import: until unloaded; export: until departure */
    const kou_goods_config *goods;
    /* draws, all taken at creation */
    double prep, doc, certs, scan, notice[2], insp[2], lab, duty, move, pickup, gate, handoff,
        border, lead, load, handling_fee;
    unsigned need, goods_missing;
    uint8_t waiting, visit, nvisits;
    bool selected, scan_route, scan_clear, lab_sample, released;
    bool auto_review; /* accepted on automatic review: no document check by a reviewer */
    bool duty_off_path; /* release does not wait for the duty (release before duty, two-step) */
    int open; /* branches still running */
    int priority;
    struct cons *next_free;
} cons;

typedef struct run {
    kou_sim *sim;
    const kou_model_config *cfg;
    const kou_model_observer *obs;
    port_rt *ports;
    flow_rt *flows;
    size_t nflows;
    kou_rng *s_carrier, *s_unload, *s_goods, *s_trader, *s_advance, *s_prep, *s_doc, *s_certs,
        *s_select, *s_scan, *s_notice, *s_inspect, *s_lab, *s_duty, *s_ops, *s_border, *s_lead, *s_two_step;
    /* consignment pool */
    cons *free_list;
    cons **chunks;
    size_t nchunks, chunks_cap;
    carrier *live;
    uint64_t in_system, max_in_system;
    size_t flows_active;    /* announce chains still running (drain_stop) */
    bool drain_stop;        /* stop the run once drained (the caller has events) */
    bool drained;
    kou_model_totals tot;
    kou_status status;
    char err[ERR_MAX];
} run;

struct kou_model_run_view {
    const run *r;
};

/* ---- errors ---- */

static kou_status fail(run *r, kou_status code, const char *fmt, ...) KOU_PRINTF(3, 4);
static kou_status fail(run *r, kou_status code, const char *fmt, ...)
{
    if (r->status == KOU_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, sizeof r->err, fmt, ap);
        va_end(ap);
        r->status = code;
    }
    if (r->sim)
        kou_sim_stop(r->sim);
    return code;
}

static void copy_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen > 0)
        snprintf(err, errlen, "%s", msg);
}

/* ---- range checks ---- */

typedef struct checker {
    char *err;
    size_t errlen;
    kou_status status;
} checker;

static bool bad(checker *k, const char *fmt, ...) KOU_PRINTF(2, 3);
static bool bad(checker *k, const char *fmt, ...)
{
    if (k->status == KOU_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(k->err, k->errlen, fmt, ap);
        va_end(ap);
        k->status = KOU_EINVAL;
    }
    return false;
}

static bool res_index(checker *k, const char *who, const char *field, int v, size_t nres, bool optional)
{
    int lo = optional ? -1 : 0;
    if (v < lo || (v >= 0 && (size_t)v >= nres)) {
        if (nres == 0)
            return bad(k, "%s: %s refers to resource %d, but the port has no resources", who, field, v);
        return bad(k, "%s: %s must be in [%d, %zu] (an index into resources%s; got %d)", who, field, lo,
                   nres - 1, optional ? ", -1 for none" : "", v);
    }
    return true;
}

static const char *name_or(const char *s)
{
    return s && *s ? s : "?";
}

/* One entry of the parameter table at base (the scope's struct) against
** its range, with the one range text (params.h). who names the entity;
** nres is the port's resource count (stage references). */
static void check_param(checker *k, const char *who, const kou_param *p, const void *base, size_t nres)
{
    char range[96];
    const char *field = (const char *)base + p->offset;
    if (p->flags & KOU_PARAM_CHECKED)
        return;
    switch (p->kind) {
    case KOU_PARAM_NUMBER:
    case KOU_PARAM_INTEGER: {
        double v = kou_param_read(p, base);
        if (!kou_param_in_range(&p->range, v))
            bad(k, "%s: %s must be %s (got %g)", who, p->field,
                kou_param_range_text(&p->range, false, range, sizeof range), v);
        break;
    }
    case KOU_PARAM_TRADERS: {
        const double *v = (const double *)(const void *)field;
        for (int t = 0; t < KOU_TRADER_COUNT; t++)
            if (!kou_param_in_range(&p->range, v[t]))
                bad(k, "%s: %s[%s] must be %s (got %g)", who, p->field, kou_trader_names[t],
                    kou_param_range_text(&p->range, false, range, sizeof range), v[t]);
        break;
    }
    case KOU_PARAM_ENUM: {
        int v;
        memcpy(&v, field, sizeof v);
        if (v < 0 || (size_t)v >= p->nnames)
            bad(k, "%s: %s must be %s (got %d)", who, p->field,
                kou_param_choices_text(p, false, range, sizeof range), v);
        break;
    }
    case KOU_PARAM_RESOURCE_REF: {
        int v;
        memcpy(&v, field, sizeof v);
        res_index(k, who, p->field, v, nres, !(p->flags & KOU_PARAM_REQUIRED));
        break;
    }
    default: break; /* distributions: build_dist; structure: the callers */
    }
}

static void check_scope(checker *k, const char *who, kou_param_scope scope, const void *base, size_t nres)
{
    size_t n;
    const kou_param *p = kou_params(scope, &n);
    for (size_t i = 0; i < n && k->status == KOU_OK; i++)
        check_param(k, who, &p[i], base, nres);
}

static void check_resources(checker *k, const char *who, const kou_port_config *p)
{
    for (size_t j = 0; j < p->nresources && k->status == KOU_OK; j++) {
        const kou_resource_spec *rs = &p->resources[j];
        if (!rs->name || !*rs->name)
            bad(k, "%s: resource %zu: name must not be empty", who, j);
        else if (rs->nhours == 0 && rs->capacity < 1)
            bad(k, "%s, resource '%s': capacity must be >= 1 when no opening hours are given (got %d)",
                who, rs->name, rs->capacity);
        else if (rs->nhours > 0 && !rs->hours)
            bad(k, "%s, resource '%s': nhours is %zu but hours is NULL", who, rs->name, rs->nhours);
        else if ((rs->nholidays > 0 && !rs->holidays) ||
                 (rs->nworkdays > 0 && (!rs->workdays || !rs->workday_as)))
            bad(k, "%s, resource '%s': holidays or workdays given as NULL with a count > 0", who,
                rs->name);
    }
}

static void check_timetable(checker *k, const char *fwho, const kou_flow_config *fl)
{
    if (fl->ntimetable > 0) {
        if (!fl->timetable)
            bad(k, "%s: ntimetable is %zu but timetable is NULL", fwho, fl->ntimetable);
        for (size_t i = 0; i < fl->ntimetable && k->status == KOU_OK; i++) {
            double t = fl->timetable[i];
            if (!(t >= 0.0 && t < 168.0))
                bad(k, "%s: timetable[%zu] must be in [0, 168) hours of the week (got %g)", fwho, i, t);
            else if (i > 0 && t < fl->timetable[i - 1])
                bad(k, "%s: timetable must be in increasing order (timetable[%zu] = %g < %g)", fwho, i, t,
                    fl->timetable[i - 1]);
        }
    } else if (!fl->rate_per_hour) {
        bad(k, "%s: give either a timetable or 168 hourly arrival rates", fwho);
    }
}

static void check_goods(checker *k, const char *fwho, const kou_flow_config *fl)
{
    if (fl->ngoods == 0 || !fl->goods) {
        bad(k, "%s: at least one goods class is needed (got %zu)", fwho, fl->ngoods);
        return;
    }
    if (fl->ngoods > 65535) {
        bad(k, "%s: at most 65535 goods classes (got %zu)", fwho, fl->ngoods);
        return;
    }
    double gsum = 0.0;
    for (size_t g = 0; g < fl->ngoods && k->status == KOU_OK; g++) {
        const kou_goods_config *gd = &fl->goods[g];
        char gwho[480];
        snprintf(gwho, sizeof gwho, "%s, goods '%s'", fwho, name_or(gd->name));
        check_scope(k, gwho, KOU_SCOPE_GOODS, gd, 0);
        gsum += gd->share;
    }
    if (k->status == KOU_OK && !(gsum > 0.0))
        bad(k, "%s: goods shares must not all be zero", fwho);
}

static void check_flow(checker *k, const char *who, size_t f, const kou_flow_config *fl)
{
    char fwho[320];
    if (!fl->name || !*fl->name) {
        bad(k, "%s, flow %zu: name must not be empty", who, f + 1);
        return;
    }
    snprintf(fwho, sizeof fwho, "%s, flow '%s'", who, fl->name);
    check_scope(k, fwho, KOU_SCOPE_FLOW, fl, 0);
    check_timetable(k, fwho, fl);
    if (fl->units_per_carrier.family == KOU_DIST_NONE)
        bad(k, "%s: units_per_carrier must be given (a count distribution)", fwho);
    if (fl->consignments_per_unit.family == KOU_DIST_NONE)
        bad(k, "%s: consignments_per_unit must be given (a count distribution)", fwho);
    check_goods(k, fwho, fl);
    double tsum = 0.0;
    for (int t = 0; t < KOU_TRADER_COUNT; t++)
        tsum += fl->trader_share[t];
    if (k->status == KOU_OK && !(tsum > 0.0))
        bad(k, "%s: trader_share must not be all zero", fwho);
}

static void check_port(checker *k, size_t i, const kou_port_config *p)
{
    char who[160];
    if (!p->name || !*p->name) {
        bad(k, "port %zu: name must not be empty", i + 1);
        return;
    }
    snprintf(who, sizeof who, "port '%s'", p->name);
    check_scope(k, who, KOU_SCOPE_PORT, p, p->nresources);
    if (p->nflows == 0 || !p->flows)
        bad(k, "%s: at least one flow is needed (got %zu)", who, p->nflows);
    if (p->nflows > 65535)
        bad(k, "%s: at most 65535 flows (got %zu)", who, p->nflows);
    if (p->nresources > 0 && !p->resources)
        bad(k, "%s: nresources is %zu but resources is NULL", who, p->nresources);
    check_resources(k, who, p);
    if (p->scan_first_share > 0 && p->res_scanner < 0)
        bad(k, "%s: scan_first_share is %g but the port has no scanner (res_scanner = -1)", who,
            p->scan_first_share);
    if (p->apron_release && p->res_apron < 0)
        bad(k, "%s: apron_release needs an apron team resource (res_apron = -1)", who);
    for (size_t f = 0; f < p->nflows && k->status == KOU_OK; f++)
        check_flow(k, who, f, &p->flows[f]);
}

/* Every value against its range (the parameter table), then what the
** table cannot say: counts, names, cross-field rules. */
static void check_ranges(checker *k, const kou_model_config *cfg)
{
    if (cfg->nports == 0 || !cfg->ports) {
        bad(k, "model: at least one port is needed (got %zu)", cfg->nports);
        return;
    }
    /* A century bounds a run's length: a typo such as 1e9 days would
    ** otherwise run for weeks of wall time before anyone noticed. */
    if (!(cfg->horizon_hours > 0.0 && cfg->horizon_hours <= KOU_MODEL_MAX_HORIZON_HOURS))
        bad(k, "model: the horizon must be > 0 and at most %g hours (100 years) (got %g h)",
            KOU_MODEL_MAX_HORIZON_HOURS, cfg->horizon_hours);
    if (!(cfg->warmup_hours >= 0.0 && cfg->warmup_hours < cfg->horizon_hours))
        bad(k, "model: warmup_hours must be in [0, horizon_hours) = [0, %g) (got %g)", cfg->horizon_hours,
            cfg->warmup_hours);
    check_scope(k, "model", KOU_SCOPE_SCENARIO, cfg, 0);
    if (cfg->nports > 255)
        bad(k, "model: at most 255 ports (got %zu)", cfg->nports);
    for (size_t i = 0; i < cfg->nports && k->status == KOU_OK; i++)
        check_port(k, i, &cfg->ports[i]);
}

/* ---- building kernel objects from specs ---- */

/* Lowest value a spec can produce (after the kernel accepted it). */
static double spec_min(const kou_dist_spec *s)
{
    switch (s->family) {
    case KOU_DIST_DETERMINISTIC: return s->p[0];
    case KOU_DIST_TRIANGULAR:
    case KOU_DIST_UNIFORM: return s->p[0];
    case KOU_DIST_TRUNCNORMAL: return s->p[2];
    case KOU_DIST_DISCRETE: {
        double m = INFINITY;
        for (size_t i = 0; i < s->n; i++)
            if (s->w[i] > 0 && s->x[i] < m)
                m = s->x[i];
        return m;
    }
    case KOU_DIST_PIECEWISE: return s->x[0];
    default: return 0.0;
    }
}

/* "WHO: FIELD: <the kernel's message>", in the words of the scenario
** author: the family as written ("normal: sd must be > 0 ..."), not the
** kernel's word for it ("truncnormal: ..."). */
static void kernel_dist_error(char *err, size_t errlen, const char *who, const char *field, kou_dist_family f,
                              const char *msg)
{
    const kou_dist_family_info *fi = kou_dist_family_get(f);
    size_t n = fi && fi->kernel ? strlen(fi->kernel) : 0;
    if (n > 0 && strncmp(msg, fi->kernel, n) == 0 && msg[n] == ':')
        snprintf(err, errlen, "%s: %s: %s%s", who, field, fi->name, msg + n);
    else
        snprintf(err, errlen, "%s: %s: %s", who, field, msg);
}

/* Builds spec in sim; NULL for KOU_DIST_NONE (meaning "no time"). On error
** sets *ok = false and writes "WHO: FIELD: <kernel message>" into err. */
static const kou_dist *build_dist(kou_sim *sim, const kou_dist_spec *s, const char *who, const char *field,
                                  bool *okp, char *err, size_t errlen)
{
    kou_dist *d = NULL;
    if (!*okp)
        return NULL;
    if ((unsigned)s->family > KOU_DIST_PIECEWISE) {
        snprintf(err, errlen, "%s: %s: unknown distribution family %d", who, field, (int)s->family);
        *okp = false;
        return NULL;
    }
    for (int i = 0; i < 4; i++)
        if (!isfinite(s->p[i]) && s->family != KOU_DIST_TRUNCNORMAL) {
            snprintf(err, errlen, "%s: %s: %s: parameter %d must be finite (got %g)", who, field,
                     kou_dist_family_name(s->family), i + 1, s->p[i]);
            *okp = false;
            return NULL;
        }
    switch (s->family) {
    case KOU_DIST_NONE: return NULL;
    case KOU_DIST_DETERMINISTIC: d = kou_dist_deterministic(sim, s->p[0]); break;
    case KOU_DIST_EXPONENTIAL: d = kou_dist_exponential(sim, s->p[0]); break;
    case KOU_DIST_ERLANG:
        if (s->p[0] != floor(s->p[0]) || s->p[0] < 1 || s->p[0] > 1000) {
            snprintf(err, errlen, "%s: %s: erlang: k must be an integer in [1, 1000] (got %g)", who, field,
                     s->p[0]);
            *okp = false;
            return NULL;
        }
        d = kou_dist_erlang(sim, (int)s->p[0], s->p[1]);
        break;
    case KOU_DIST_GAMMA: d = kou_dist_gamma(sim, s->p[0], s->p[1]); break;
    case KOU_DIST_LOGNORMAL: d = kou_dist_lognormal_mean_cv(sim, s->p[0], s->p[1]); break;
    case KOU_DIST_WEIBULL: d = kou_dist_weibull(sim, s->p[0], s->p[1]); break;
    case KOU_DIST_TRIANGULAR: d = kou_dist_triangular(sim, s->p[0], s->p[1], s->p[2]); break;
    case KOU_DIST_UNIFORM: d = kou_dist_uniform(sim, s->p[0], s->p[1]); break;
    case KOU_DIST_TRUNCNORMAL: d = kou_dist_truncnormal(sim, s->p[0], s->p[1], s->p[2], s->p[3]); break;
    case KOU_DIST_DISCRETE:
    case KOU_DIST_PIECEWISE:
        if (s->n == 0 || !s->x || !s->w) {
            snprintf(err, errlen, "%s: %s: %s: needs a table (x, w with n >= %d entries)", who, field,
                     kou_dist_family_name(s->family), s->family == KOU_DIST_DISCRETE ? 1 : 2);
            *okp = false;
            return NULL;
        }
        d = s->family == KOU_DIST_DISCRETE ? kou_dist_discrete(sim, s->x, s->w, s->n)
                                           : kou_dist_piecewise(sim, s->x, s->w, s->n);
        break;
    }
    if (!d) {
        kernel_dist_error(err, errlen, who, field, s->family, kou_sim_errmsg(sim));
        kou_sim_clear_error(sim);
        *okp = false;
        return NULL;
    }
    double lo = spec_min(s);
    if (!(lo >= 0.0)) {
        snprintf(err, errlen, "%s: %s: %s: values must be >= 0 (the distribution goes down to %g)", who, field,
                 kou_dist_family_name(s->family), lo);
        *okp = false;
        return NULL;
    }
    return d;
}

static kou_resource *build_resource(kou_sim *sim, const kou_resource_spec *rs, const char *who, bool *okp,
                                    char *err, size_t errlen)
{
    if (!*okp)
        return NULL;
    kou_calendar *cal = NULL;
    kou_status st = KOU_OK;
    if (rs->nhours > 0) {
        cal = kou_calendar_new(sim, rs->name);
        for (size_t i = 0; cal && st == KOU_OK && i < rs->nhours; i++) {
            const kou_hours_spec *h = &rs->hours[i];
            st = kou_calendar_add_hours(cal, h->weekday_mask, h->start_h, h->end_h, h->capacity);
        }
        for (size_t i = 0; cal && st == KOU_OK && i < rs->nholidays; i++)
            st = kou_calendar_add_holiday(cal, rs->holidays[i]);
        for (size_t i = 0; cal && st == KOU_OK && i < rs->nworkdays; i++)
            st = kou_calendar_add_workday(cal, rs->workdays[i], rs->workday_as[i]);
        if (!cal || st != KOU_OK) {
            snprintf(err, errlen, "%s, resource '%s': %s", who, rs->name, kou_sim_errmsg(sim));
            kou_sim_clear_error(sim);
            *okp = false;
            return NULL;
        }
    }
    kou_resource *res = kou_resource_new(sim, rs->name, cal ? 0 : rs->capacity, KOU_QUEUE_PRIORITY, cal);
    if (!res) {
        snprintf(err, errlen, "%s, resource '%s': %s", who, rs->name, kou_sim_errmsg(sim));
        kou_sim_clear_error(sim);
        *okp = false;
    }
    return res;
}

static kou_rng *stream(run *r, const char *name, bool *okp)
{
    kou_rng *s = kou_rng_stream_create(r->sim, name);
    if (!s) {
        snprintf(r->err, sizeof r->err, "model: %s", kou_sim_errmsg(r->sim));
        *okp = false;
    }
    return s;
}

static bool build_streams(run *r)
{
    static const char *const names[] = {"carrier", "unloading", "goods", "trader", "advance", "prep",
                                        "doc", "certs", "inspection.select", "scan", "notice",
                                        "inspection.time", "lab", "duty", "port.ops", "border",
                                        "export.lead", "two_step"};
    kou_rng **slots[] = {&r->s_carrier, &r->s_unload, &r->s_goods, &r->s_trader, &r->s_advance,
                         &r->s_prep, &r->s_doc, &r->s_certs, &r->s_select, &r->s_scan, &r->s_notice,
                         &r->s_inspect, &r->s_lab, &r->s_duty, &r->s_ops, &r->s_border, &r->s_lead,
                         &r->s_two_step};
    bool okb = true;
    for (size_t i = 0; i < sizeof names / sizeof names[0] && okb; i++)
        *slots[i] = stream(r, names[i], &okb);
    return okb;
}

/* The cumulative, normalised goods and trader shares of a flow. */
static void build_mix(flow_rt *fr, const kou_flow_config *fl)
{
    double gsum = 0.0, acc = 0.0;
    for (size_t g = 0; g < fl->ngoods; g++)
        gsum += fl->goods[g].share;
    for (size_t g = 0; g < fl->ngoods; g++) {
        acc += fl->goods[g].share;
        fr->goods_cum[g] = acc / gsum;
    }
    double tsum = 0.0, tacc = 0.0;
    for (int t = 0; t < KOU_TRADER_COUNT; t++)
        tsum += fl->trader_share[t];
    for (int t = 0; t < KOU_TRADER_COUNT; t++) {
        tacc += fl->trader_share[t];
        fr->trader_cum[t] = tacc / tsum;
    }
}

/* Flow gf (f-th of port i): its arrival stream, rates and distributions. */
static bool build_flow(run *r, port_rt *pr, size_t i, size_t f, size_t gf, const char *who)
{
    kou_sim *sim = r->sim;
    const kou_flow_config *fl = &pr->cfg->flows[f];
    flow_rt *fr = &r->flows[gf];
    char fwho[320], sname[KOU_RNG_NAME_MAX + 1];
    char *e = r->err;
    size_t el = sizeof r->err;
    bool okb = true;
    snprintf(fwho, sizeof fwho, "%s, flow '%s'", who, fl->name);
    fr->cfg = fl;
    fr->port = pr;
    fr->index = (uint16_t)f;
    fr->keybase = (uint64_t)(gf + 1) << 40;
    snprintf(sname, sizeof sname, "arrivals.p%zu.f%zu", i, f);
    fr->arrivals = stream(r, sname, &okb);
    if (!okb)
        return false;
    if (fl->ntimetable == 0) {
        fr->nhpp = kou_nhpp_new(sim, fl->rate_per_hour);
        if (!fr->nhpp) {
            snprintf(e, el, "%s: rate_per_hour: %s", fwho, kou_sim_errmsg(sim));
            kou_sim_clear_error(sim);
            return false;
        }
    }
    fr->delay = build_dist(sim, &fl->delay, fwho, "delay", &okb, e, el);
    fr->units = build_dist(sim, &fl->units_per_carrier, fwho, "units_per_carrier", &okb, e, el);
    fr->conspu = build_dist(sim, &fl->consignments_per_unit, fwho, "consignments_per_unit", &okb, e, el);
    fr->goods_lead = build_dist(sim, &fl->goods_lead, fwho, "goods_lead", &okb, e, el);
    if (okb && fl->handoff_hours_mean > 0) {
        fr->handoff = kou_dist_exponential(sim, fl->handoff_hours_mean);
        KOU_CHECK(fr->handoff); /* range already checked */
    }
    fr->lab_time = koui_calloc(fl->ngoods, sizeof *fr->lab_time);
    fr->goods_cum = koui_calloc(fl->ngoods, sizeof *fr->goods_cum);
    for (size_t g = 0; g < fl->ngoods && okb; g++) {
        char gwho[480];
        snprintf(gwho, sizeof gwho, "%s, goods '%s'", fwho, name_or(fl->goods[g].name));
        fr->lab_time[g] = build_dist(sim, &fl->goods[g].lab_time, gwho, "lab_time", &okb, e, el);
    }
    build_mix(fr, fl);
    fr->week_offset = 24.0 * kou_date_weekday(kou_sim_start_date(sim));
    return okb;
}

/* Port i: its resources, stage resources and stage-time distributions. */
static bool build_port(run *r, size_t i, const char *who)
{
    kou_sim *sim = r->sim;
    const kou_port_config *p = &r->cfg->ports[i];
    port_rt *pr = &r->ports[i];
    bool okb = true;
    pr->cfg = p;
    pr->index = (uint16_t)i;
    pr->res = koui_calloc(p->nresources ? p->nresources : 1, sizeof *pr->res);
    pr->work_done = koui_calloc(p->nresources ? p->nresources : 1, sizeof *pr->work_done);
    for (size_t j = 0; j < p->nresources && okb; j++)
        pr->res[j] = build_resource(sim, &p->resources[j], who, &okb, r->err, sizeof r->err);
    if (!okb)
        return false;
    pr->handling = pr->res[p->res_handling];
    pr->documents = pr->res[p->res_documents];
    pr->inspection = pr->res[p->res_inspection];
    pr->scanner = p->res_scanner >= 0 ? pr->res[p->res_scanner] : NULL;
    pr->border_insp = p->res_border_insp >= 0 ? pr->res[p->res_border_insp] : pr->inspection;
    pr->apron = p->res_apron >= 0 ? pr->res[p->res_apron] : NULL;
    pr->gate = p->res_gate >= 0 ? pr->res[p->res_gate] : NULL;
    char *e = r->err;
    size_t el = sizeof r->err;
    pr->unload = build_dist(sim, &p->unload_per_unit, who, "unload_per_unit", &okb, e, el);
    pr->prep = build_dist(sim, &p->prep_time, who, "prep_time", &okb, e, el);
    pr->doc = build_dist(sim, &p->doc_check, who, "doc_check", &okb, e, el);
    pr->cert = build_dist(sim, &p->cert_time, who, "cert_time", &okb, e, el);
    pr->scan = build_dist(sim, &p->scan_time, who, "scan_time", &okb, e, el);
    pr->notice = build_dist(sim, &p->notice_delay, who, "notice_delay", &okb, e, el);
    pr->inspect = build_dist(sim, &p->inspect_time, who, "inspect_time", &okb, e, el);
    pr->duty = build_dist(sim, &p->duty_time, who, "duty_time", &okb, e, el);
    pr->move = build_dist(sim, &p->warehouse_move, who, "warehouse_move", &okb, e, el);
    pr->pickup = build_dist(sim, &p->pickup_delay, who, "pickup_delay", &okb, e, el);
    pr->gate_time = build_dist(sim, &p->gate_time, who, "gate_time", &okb, e, el);
    pr->border = build_dist(sim, &p->border_time, who, "border_time", &okb, e, el);
    pr->border_data = build_dist(sim, &p->border_data_check, who, "border_data_check", &okb, e, el);
    pr->lead = p->advance_share > 0 ? p->advance_lead_hours : 0.0;
    return okb;
}

/* Builds every kernel object of the run in r->sim. Also the second half of
** kou_model_validate (in a scratch simulation). */
static kou_status build(run *r)
{
    const kou_model_config *cfg = r->cfg;
    r->ports = koui_calloc(cfg->nports, sizeof *r->ports);
    r->nflows = 0;
    for (size_t i = 0; i < cfg->nports; i++)
        r->nflows += cfg->ports[i].nflows;
    r->flows = koui_calloc(r->nflows, sizeof *r->flows);
    bool okb = build_streams(r);
    size_t gf = 0;
    for (size_t i = 0; i < cfg->nports && okb; i++) {
        char who[160];
        snprintf(who, sizeof who, "port '%s'", cfg->ports[i].name);
        okb = build_port(r, i, who);
        for (size_t f = 0; f < cfg->ports[i].nflows && okb; f++, gf++)
            okb = build_flow(r, &r->ports[i], i, f, gf, who);
    }
    return okb ? KOU_OK : KOU_EINVAL;
}

static void free_built(run *r)
{
    if (r->ports)
        for (size_t i = 0; i < r->cfg->nports; i++) {
            free(r->ports[i].res);
            free(r->ports[i].work_done);
        }
    if (r->flows)
        for (size_t i = 0; i < r->nflows; i++) {
            free(r->flows[i].lab_time);
            free(r->flows[i].goods_cum);
        }
    free(r->ports);
    free(r->flows);
    r->ports = NULL;
    r->flows = NULL;
}

kou_status kou_model_validate(const kou_model_config *cfg, char *err, size_t errlen)
{
    char buf[ERR_MAX];
    KOU_CHECK(cfg);
    checker k = {buf, sizeof buf, KOU_OK};
    check_ranges(&k, cfg);
    if (k.status != KOU_OK) {
        copy_err(err, errlen, buf);
        return k.status;
    }
    run r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    if (kou_sim_new(&r.sim, NULL, buf, sizeof buf) != KOU_OK) {
        copy_err(err, errlen, buf);
        return KOU_EINVAL;
    }
    kou_status st = build(&r);
    if (st != KOU_OK)
        copy_err(err, errlen, r.err);
    else
        copy_err(err, errlen, "");
    free_built(&r);
    kou_sim_free(r.sim);
    return st;
}

/* ---- scheduling helpers ---- */

static double draw(const kou_dist *d, kou_rng *s)
{
    return d ? kou_dist_sample(d, s) : 0.0;
}

static void at(run *r, kou_time t, kou_event_fn *fn, void *object)
{
    kou_time now = kou_sim_now(r->sim);
    if (t < now)
        t = now;
    if (!isfinite(t)) {
        fail(r, KOU_ESTATE, "model: an event time is not finite (a resource that never opens again?)");
        return;
    }
    if (kou_event_schedule_at(r->sim, t, 0, fn, r, object) == KOU_EVENT_NONE)
        fail(r, kou_sim_errcode(r->sim), "model: %s", kou_sim_errmsg(r->sim));
}

/* Adds the part of 'hours' of work started at 'start' on res that falls
** after warmup_hours to the port's work_done, for the utilisation of the
** resource report. Counted when the work starts because its amount is
** known then; work proceeds only while the calendar is open, so the part
** done before warm-up is the open time between start and warmup_hours. */
static void account_work(run *r, port_rt *pr, const kou_resource *res, kou_time start, double hours)
{
    size_t j = 0;
    while (j < pr->cfg->nresources && pr->res[j] != res)
        j++;
    KOU_ASSERT(j < pr->cfg->nresources);
    if (j == pr->cfg->nresources)
        return;
    kou_time w = r->cfg->warmup_hours;
    if (start < w) {
        const kou_calendar *cal = kou_resource_calendar(res);
        double before = cal ? kou_calendar_open_hours(cal, start, w) : w - start;
        hours = hours > before ? hours - before : 0.0;
    }
    pr->work_done[j] += hours;
}

/* Schedules fn when 'work' hours of work on res (one of port pr's), started
** now, are done under res's calendar. */
static void work(run *r, port_rt *pr, const kou_resource *res, double hours, kou_event_fn *fn,
                 void *object)
{
    account_work(r, pr, res, kou_sim_now(r->sim), hours);
    kou_time end = kou_resource_work_end(res, kou_sim_now(r->sim), hours);
    if (!isfinite(end)) {
        fail(r, KOU_ESTATE, "model: resource '%s' never opens again after hour %g (check its calendar)",
             kou_resource_name(res), kou_sim_now(r->sim));
        return;
    }
    at(r, end, fn, object);
}

/* ---- consignment pool ---- */

enum { CHUNK = 1024 };

static cons *cons_alloc(run *r)
{
    if (!r->free_list) {
        if (r->nchunks == r->chunks_cap) {
            r->chunks_cap = r->chunks_cap ? 2 * r->chunks_cap : 16;
            r->chunks = koui_realloc(r->chunks, r->chunks_cap * sizeof *r->chunks);
        }
        cons *chunk = koui_malloc(CHUNK * sizeof *chunk);
        r->chunks[r->nchunks++] = chunk;
        for (size_t i = CHUNK; i-- > 0;) {
            chunk[i].next_free = r->free_list;
            r->free_list = &chunk[i];
        }
    }
    cons *c = r->free_list;
    r->free_list = c->next_free;
    return c;
}

static void cons_free(run *r, cons *c)
{
    c->next_free = r->free_list;
    r->free_list = c;
}

/* ---- the flow ---- */

static void stamp(run *r, cons *c, kou_milestone m)
{
    c->rec.t[m] = kou_sim_now(r->sim);
}

/* With a caller's events in the simulation (sim_ready), the run ends when
** arrivals are over and the last consignment has left: the caller's
** events may go on for ever (a weekly routine). */
static void check_drained(run *r)
{
    if (r->drain_stop && r->flows_active == 0 && r->in_system == 0 && !r->drained) {
        r->drained = true;
        kou_sim_stop(r->sim);
    }
}

static void ev_check_drained(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    (void)object;
    check_drained(subject);
}

/* One branch of the consignment ended; the last one takes it out. */
static void branch_done(run *r, cons *c)
{
    KOU_ASSERT(c->open > 0);
    if (--c->open > 0)
        return;
    r->tot.finished++;
    if (c->rec.t[KOU_MS_ARRIVAL] >= r->cfg->warmup_hours) {
        r->tot.reported++;
        if (r->obs && r->obs->consignment_done)
            r->obs->consignment_done(r->obs->ctx, &c->rec);
    }
    r->in_system--;
    cons_free(r, c);
    check_drained(r);
}

static void storage_fee(cons *c)
{
    const kou_port_config *p = c->flow->port->cfg;
    kou_time from = c->flow->cfg->direction == KOU_IMPORT ? c->rec.t[KOU_MS_UNLOADED] : c->rec.t[KOU_MS_ARRIVAL];
    kou_time to = c->flow->cfg->direction == KOU_IMPORT ? c->rec.t[KOU_MS_GATE_OUT] : c->rec.t[KOU_MS_PICKUP];
    double charged = to - from - p->storage_free_hours;
    if (p->fee_storage_per_day > 0 && charged > 0)
        c->rec.cost += p->fee_storage_per_day * ceil(charged / 24.0);
}

/* The consignment leaves the port (import: gate-out; export: its carrier
** departs): last milestone, storage charged up to now, port branch done. */
static void leave_port(run *r, cons *c)
{
    stamp(r, c, KOU_MS_GATE_OUT);
    storage_fee(c);
    branch_done(r, c);
}

static void ev_gate_done(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    kou_resource_release(c->flow->port->gate);
    leave_port(r, c);
}

static void grant_gate(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    (void)sim;
    cons *c = object;
    work(subject, c->flow->port, res, c->gate, ev_gate_done, c);
}

static void ev_handoff_done(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    if (c->flow->port->gate) {
        kou_resource_request(c->flow->port->gate, c->priority, grant_gate, r, c);
        return;
    }
    leave_port(r, c);
}

static void carrier_free(run *r, carrier *car)
{
    if (car->prev)
        car->prev->next = car->next;
    else
        r->live = car->next;
    if (car->next)
        car->next->prev = car->prev;
    free(car);
}

/* The observer's carrier_done / unit_done (units: all of them when
** unit is NULL, else that one). */
static void report_units(run *r, const carrier *car, const unit *only)
{
    if (!r->obs || !r->obs->unit_done || car->actual < r->cfg->warmup_hours)
        return;
    const kou_flow_config *fl = car->flow->cfg;
    for (uint32_t i = 0; i < car->nunits; i++) {
        const unit *u = &car->units[i];
        if (only && u != only)
            continue;
        kou_unit_record rec = {u->id, car->id, car->flow->port->index, car->flow->index,
                               (uint8_t)fl->mode, (uint8_t)fl->direction, u->n, car->actual,
                               kou_sim_now(r->sim)};
        r->obs->unit_done(r->obs->ctx, &rec);
    }
}

static void report_carrier(run *r, const carrier *car)
{
    if (!r->obs || !r->obs->carrier_done || car->actual < r->cfg->warmup_hours)
        return;
    const kou_flow_config *fl = car->flow->cfg;
    kou_carrier_record rec = {car->id, car->flow->port->index, car->flow->index, (uint8_t)fl->mode,
                              (uint8_t)fl->direction, car->nunits, car->ncons, car->sched, car->actual,
                              kou_sim_now(r->sim)};
    r->obs->carrier_done(r->obs->ctx, &rec);
}

static void depart(run *r, carrier *car)
{
    report_units(r, car, NULL);
    report_carrier(r, car);
    for (uint32_t i = 0; i < car->ncons; i++) {
        cons *c = car->cons[i];
        c->car = NULL;
        leave_port(r, c);
    }
    carrier_free(r, car);
}

static void ev_loaded(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    kou_resource_release(c->flow->port->handling);
    stamp(r, c, KOU_MS_PICKUP);
    carrier *car = c->car;
    KOU_ASSERT(car && car->pending > 0);
    if (--car->pending == 0 && car->due)
        depart(r, car);
}

static void grant_load(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    (void)sim;
    cons *c = object;
    work(subject, c->flow->port, res, c->load, ev_loaded, c);
}

static void ev_departure_due(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    carrier *car = object;
    (void)sim;
    car->due = true;
    if (car->pending == 0)
        depart(r, car);
}

static void ev_ready(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    if (c->flow->cfg->direction == KOU_EXPORT) {
        kou_resource_request(c->flow->port->handling, c->priority, grant_load, r, c);
        return;
    }
    stamp(r, c, KOU_MS_PICKUP);
    at(r, kou_sim_now(r->sim) + c->handoff, ev_handoff_done, c);
}

static void ev_moved(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    const kou_port_config *p = c->flow->port->cfg;
    double wait = c->pickup;
    if (p->pickup_cap_hours > 0 && wait > p->pickup_cap_hours)
        wait = p->pickup_cap_hours;
    at(r, kou_sim_now(sim) + wait, ev_ready, c);
}

static void try_release(run *r, cons *c)
{
    if (c->need != 0 || c->released)
        return;
    c->released = true;
    stamp(r, c, KOU_MS_RELEASED);
    double move = (c->rec.flags & KOU_FLAG_APRON) ? 0.0 : c->move;
    at(r, kou_sim_now(r->sim) + move, ev_moved, c);
}

static void satisfy(run *r, cons *c, unsigned bit)
{
    c->need &= ~bit;
    try_release(r, c);
}

static void start_scan(run *r, cons *c);
static void start_visit(run *r, cons *c);

static void goods_present(run *r, cons *c, unsigned bit)
{
    c->goods_missing &= ~bit;
    if (c->goods_missing != 0)
        return;
    uint8_t waiting = c->waiting;
    c->waiting = WAIT_NONE;
    if (waiting == WAIT_SCAN)
        start_scan(r, c);
    else if (waiting == WAIT_VISIT)
        start_visit(r, c);
    satisfy(r, c, NEED_GOODS);
}

static void ev_lab_result(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    stamp(r, c, KOU_MS_LAB_RESULT);
    if (c->flow->port->cfg->release_before_lab)
        branch_done(r, c);
    else
        satisfy(r, c, NEED_LAB);
}

static void ev_duty_paid(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    stamp(r, c, KOU_MS_DUTY_PAID);
    if (c->duty_off_path)
        branch_done(r, c);
    else
        satisfy(r, c, NEED_DUTY);
}

static kou_resource *visit_resource(const cons *c)
{
    const port_rt *pr = c->flow->port;
    if (c->rec.flags & KOU_FLAG_APRON)
        return pr->apron;
    return c->visit == 0 ? pr->inspection : pr->border_insp;
}

static void ev_noticed(kou_sim *sim, void *subject, void *object);

static void ev_visit_done(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    kou_resource_release(visit_resource(c));
    c->rec.cost += c->flow->port->cfg->fee_inspection;
    if (++c->visit < c->nvisits) {
        at(r, kou_sim_now(sim) + c->notice[c->visit], ev_noticed, c);
        return;
    }
    stamp(r, c, KOU_MS_INSPECT_END);
    if (c->lab_sample) {
        if (c->flow->port->cfg->release_before_lab)
            c->open++;
        at(r, kou_sim_now(sim) + c->lab, ev_lab_result, c);
    }
    satisfy(r, c, NEED_CHECKS);
}

static void grant_visit(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    if (c->visit == 0)
        stamp(r, c, KOU_MS_INSPECT_START);
    work(r, c->flow->port, res, c->insp[c->visit], ev_visit_done, c);
}

static void start_visit(run *r, cons *c)
{
    kou_resource_request(visit_resource(c), c->priority, grant_visit, r, c);
}

/* The goods have been presented after the notice, if they are there. */
static void ev_noticed(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    if (c->goods_missing)
        c->waiting = WAIT_VISIT;
    else
        start_visit(r, c);
}

static void start_manual(run *r, cons *c)
{
    at(r, kou_sim_now(r->sim) + c->notice[0], ev_noticed, c);
}

static void ev_scan_done(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    kou_resource_release(c->flow->port->scanner);
    stamp(r, c, KOU_MS_SCAN_DONE);
    c->rec.cost += c->flow->port->cfg->fee_scan;
    if (c->scan_clear)
        satisfy(r, c, NEED_CHECKS);
    else
        start_manual(r, c);
}

static void grant_scan(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    (void)sim;
    cons *c = object;
    work(subject, c->flow->port, res, c->scan, ev_scan_done, c);
}

static void start_scan(run *r, cons *c)
{
    kou_resource_request(c->flow->port->scanner, c->priority, grant_scan, r, c);
}

/* The documents and certificates are checked: duty, then the inspection
** or the release. */
static void checks_done(run *r, cons *c)
{
    stamp(r, c, KOU_MS_CERTS_DONE);
    if (c->rec.flags & KOU_FLAG_DUTY) {
        if (c->duty_off_path)
            c->open++;
        at(r, kou_sim_now(r->sim) + c->duty, ev_duty_paid, c);
    }
    if (!c->selected)
        satisfy(r, c, NEED_CHECKS);
    else if (c->scan_route) {
        if (c->goods_missing)
            c->waiting = WAIT_SCAN;
        else
            start_scan(r, c);
    } else
        start_manual(r, c);
}

/* Document check and certificates are one hold of a reviewer: the document
** check ends first, then the certificates are verified one after another. */
static void ev_certs_done(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    kou_resource_release(c->flow->port->documents);
    checks_done(r, c);
}

static void grant_doc(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    kou_time now = kou_sim_now(sim);
    c->rec.t[KOU_MS_DOC_CHECKED] = kou_resource_work_end(res, now, c->doc);
    work(r, c->flow->port, res, c->doc + c->certs, ev_certs_done, c);
}

static void ev_declared(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    stamp(r, c, KOU_MS_DECLARED);
    if (c->auto_review && c->certs == 0.0) { /* nothing for a reviewer to do */
        stamp(r, c, KOU_MS_DOC_CHECKED);
        checks_done(r, c);
        return;
    }
    kou_resource_request(c->flow->port->documents, c->priority, grant_doc, r, c);
}

static void ev_border_done(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    cons *c = object;
    (void)sim;
    stamp(r, c, KOU_MS_BORDER_DONE);
    goods_present(r, c, GOODS_BORDER);
}

/* The consignment is at the port: the carrier landed (import) or the goods
** were delivered (export). */
static void cons_arrived(run *r, cons *c)
{
    kou_time now = kou_sim_now(r->sim);
    c->rec.t[KOU_MS_ARRIVAL] = now;
    if (!(c->rec.flags & KOU_FLAG_ADVANCE))
        at(r, now + c->prep, ev_declared, c);
    if (c->goods_missing & GOODS_BORDER)
        at(r, now + c->border, ev_border_done, c);
    if (c->goods_missing & GOODS_ARRIVED)
        goods_present(r, c, GOODS_ARRIVED);
}

static void ev_goods_arrived(kou_sim *sim, void *subject, void *object)
{
    (void)sim;
    cons_arrived(subject, object);
}

static void ev_unloaded(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    unit *u = object;
    carrier *car = u->car;
    (void)sim;
    kou_resource_release(car->flow->port->handling);
    for (uint32_t i = 0; i < u->n; i++) {
        cons *c = car->cons[u->first + i];
        c->car = NULL;
        stamp(r, c, KOU_MS_UNLOADED);
        goods_present(r, c, GOODS_UNLOADED);
    }
    report_units(r, car, u);
    if (--car->pending == 0) {
        report_carrier(r, car);
        carrier_free(r, car);
    }
}

static void grant_unload(kou_sim *sim, kou_resource *res, void *subject, void *object)
{
    (void)sim;
    unit *u = object;
    work(subject, u->car->flow->port, res, u->work, ev_unloaded, u);
}

static void ev_carrier_arrived(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    carrier *car = object;
    (void)sim;
    for (uint32_t i = 0; i < car->ncons; i++)
        cons_arrived(r, car->cons[i]);
    for (uint32_t i = 0; i < car->nunits; i++)
        kou_resource_request(car->flow->port->handling, car->units[i].priority, grant_unload, r,
                             &car->units[i]);
}

/* ---- creation ---- */

static unsigned poisson(double mean, double u)
{
    if (!(mean > 0))
        return 0;
    double p = exp(-mean), cum = p;
    unsigned k = 0;
    while (u > cum && k < 100000) {
        k++;
        p *= mean / k;
        cum += p;
        if (p == 0 && (double)k > mean)
            break;
    }
    return k;
}

static size_t pick(const double *cum, size_t n, double u)
{
    for (size_t i = 0; i + 1 < n; i++)
        if (u < cum[i])
            return i;
    return n - 1;
}

static uint32_t count(const kou_dist *d, kou_rng *s)
{
    double x = nearbyint(draw(d, s));
    if (!(x >= 1))
        return 1;
    if (x > 1e6)
        return 1000000;
    return (uint32_t)x;
}

/* A consignment's uniform draws whose meaning depends on the levers. */
typedef struct cons_draws {
    size_t trader;
    bool advance, two_step;
    double u_select, u_scan, u_clear, u_lab, u_duty;
    double border, border_data;
} cons_draws;

/* Every draw of a consignment, in a fixed number per stream, each stream
** re-keyed by the consignment: the order here is part of the results. */
static void cons_draw(run *r, cons *c, const flow_rt *fr, const unit *u, uint64_t key, cons_draws *d)
{
    const port_rt *pr = fr->port;
    const kou_flow_config *fl = fr->cfg;
    kou_rng_stream_rekey(r->s_goods, key);
    size_t g = pick(fr->goods_cum, fl->ngoods, kou_rng_uniform(r->s_goods));
    c->goods = &fl->goods[g];
    c->rec.goods = (uint16_t)g;
    kou_rng_stream_rekey(r->s_trader, key);
    d->trader = pick(fr->trader_cum, KOU_TRADER_COUNT, kou_rng_uniform(r->s_trader));
    c->rec.trader = (uint8_t)d->trader;
    kou_rng_stream_rekey(r->s_advance, key);
    d->advance = kou_rng_uniform(r->s_advance) < pr->cfg->advance_share;
    kou_rng_stream_rekey(r->s_prep, key);
    c->prep = draw(pr->prep, r->s_prep);
    /* its own stream, drawn only when used: a port without two-step
    ** declaration draws exactly what it drew before the lever existed */
    d->two_step = false;
    if (pr->cfg->two_step_share > 0 && fl->direction == KOU_IMPORT && d->trader != KOU_TRADER_DISCREDITED) {
        kou_rng_stream_rekey(r->s_two_step, key);
        d->two_step = kou_rng_uniform(r->s_two_step) < pr->cfg->two_step_share;
    }
    if (d->two_step)
        c->prep *= pr->cfg->two_step_prep_factor;
    kou_rng_stream_rekey(r->s_doc, key);
    c->doc = draw(pr->doc, r->s_doc);
    c->auto_review = pr->cfg->auto_review_share > 0 && kou_rng_uniform(r->s_doc) < pr->cfg->auto_review_share;
    if (c->auto_review)
        c->doc = 0.0;
    kou_rng_stream_rekey(r->s_certs, key);
    unsigned ncerts = poisson(pr->cfg->certs_per_consignment, kou_rng_uniform(r->s_certs));
    for (unsigned i = 0; i < ncerts; i++)
        c->certs += draw(pr->cert, r->s_certs);
    kou_rng_stream_rekey(r->s_select, key);
    d->u_select = kou_rng_uniform(r->s_select);
    d->u_scan = kou_rng_uniform(r->s_select);
    d->u_clear = kou_rng_uniform(r->s_select);
    d->u_lab = kou_rng_uniform(r->s_select);
    d->u_duty = kou_rng_uniform(r->s_select);
    kou_rng_stream_rekey(r->s_scan, key);
    c->scan = draw(pr->scan, r->s_scan);
    kou_rng_stream_rekey(r->s_notice, key);
    c->notice[0] = draw(pr->notice, r->s_notice);
    c->notice[1] = draw(pr->notice, r->s_notice);
    kou_rng_stream_rekey(r->s_inspect, key);
    c->insp[0] = draw(pr->inspect, r->s_inspect);
    c->insp[1] = draw(pr->inspect, r->s_inspect);
    kou_rng_stream_rekey(r->s_lab, key);
    c->lab = draw(fr->lab_time[g], r->s_lab);
    kou_rng_stream_rekey(r->s_duty, key);
    c->duty = draw(pr->duty, r->s_duty);
    kou_rng_stream_rekey(r->s_ops, key);
    c->move = draw(pr->move, r->s_ops);
    c->pickup = draw(pr->pickup, r->s_ops);
    c->gate = draw(pr->gate_time, r->s_ops);
    c->handoff = draw(fr->handoff, r->s_ops);
    c->load = draw(pr->unload, r->s_ops) / u->n;
    kou_rng_stream_rekey(r->s_border, key);
    d->border = draw(pr->border, r->s_border);
    d->border_data = draw(pr->border_data, r->s_border);
    kou_rng_stream_rekey(r->s_lead, key);
    c->lead = draw(fr->goods_lead, r->s_lead);
}

/* What the draws mean under this port's levers: the flags and the joins. */
static void cons_levers(cons *c, const flow_rt *fr, const unit *u, const cons_draws *d)
{
    const port_rt *pr = fr->port;
    const kou_port_config *p = pr->cfg;
    const kou_flow_config *fl = fr->cfg;
    uint32_t flags = 0;
    double pinsp = p->inspect_prob[d->trader] + c->goods->extra_inspect_prob;
    c->selected = d->u_select < (pinsp < 1 ? pinsp : 1);
    c->scan_route = c->selected && d->u_scan < p->scan_first_share;
    c->scan_clear = c->scan_route && d->u_clear < p->scan_clear_prob;
    bool manual = c->selected && !c->scan_clear;
    c->lab_sample = manual && d->u_lab < c->goods->lab_prob;
    flags |= d->advance ? KOU_FLAG_ADVANCE : 0u;
    flags |= c->selected ? KOU_FLAG_INSPECTED : 0u;
    flags |= c->scan_route ? KOU_FLAG_SCANNED : 0u;
    flags |= c->scan_clear ? KOU_FLAG_SCAN_CLEARED : 0u;
    flags |= manual ? KOU_FLAG_MANUAL : 0u;
    flags |= manual && p->joint_inspection ? KOU_FLAG_JOINT : 0u;
    flags |= c->lab_sample ? KOU_FLAG_LAB : 0u;
    flags |= p->apron_release && c->goods->apron_eligible && pr->apron ? KOU_FLAG_APRON : 0u;
    flags |= c->goods->green_channel ? KOU_FLAG_GREEN : 0u;
    flags |= d->u_duty < c->goods->duty_prob ? KOU_FLAG_DUTY : 0u;
    c->nvisits = p->joint_inspection ? 1 : 2;
    c->priority = c->goods->green_channel ? p->green_priority : 0;
    c->rec.cost = p->fee_handling_per_unit / u->n;

    c->need = NEED_CHECKS | NEED_GOODS;
    if (c->lab_sample && !p->release_before_lab)
        c->need |= NEED_LAB;
    c->duty_off_path = p->release_before_duty || d->two_step;
    if ((flags & KOU_FLAG_DUTY) && !c->duty_off_path)
        c->need |= NEED_DUTY;
    if (fl->direction == KOU_IMPORT) {
        c->goods_missing = GOODS_UNLOADED;
        if (fl->mode == KOU_MODE_RAIL) {
            c->goods_missing |= GOODS_BORDER;
            if (p->through_clearance) {
                flags |= KOU_FLAG_THROUGH;
                c->border = d->border_data;
            } else
                c->border = d->border;
        }
    } else {
        c->goods_missing = GOODS_ARRIVED;
        if (c->lead > fl->goods_window_hours)
            c->lead = fl->goods_window_hours;
    }
    c->rec.flags = flags;
}

static void cons_init(run *r, cons *c, flow_rt *fr, carrier *car, const unit *u, uint64_t key)
{
    const kou_flow_config *fl = fr->cfg;
    memset(c, 0, sizeof *c);
    for (int m = 0; m < KOU_MS_COUNT; m++)
        c->rec.t[m] = NAN;
    c->rec.id = key;
    c->rec.carrier_id = car->id;
    c->rec.unit_id = u->id;
    c->rec.port = fr->port->index;
    c->rec.flow = fr->index;
    c->rec.mode = (uint8_t)fl->mode;
    c->rec.direction = (uint8_t)fl->direction;
    c->flow = fr;
    c->car = car;
    c->open = 1;
    cons_draws d;
    cons_draw(r, c, fr, u, key, &d);
    cons_levers(c, fr, u, &d);
}

static bool next_schedule(run *r, flow_rt *fr)
{
    const kou_flow_config *fl = fr->cfg;
    if (fl->ntimetable > 0) {
        for (;;) {
            kou_time t = 168.0 * (double)fr->tt_week + fl->timetable[fr->tt_index] - fr->week_offset;
            if (++fr->tt_index == fl->ntimetable) {
                fr->tt_index = 0;
                fr->tt_week++;
            }
            if (t >= 0) {
                fr->next_sched = t;
                break;
            }
        }
    } else {
        fr->next_sched = kou_nhpp_next(fr->nhpp, fr->arrivals, fr->next_sched);
    }
    return fr->next_sched < r->cfg->horizon_hours;
}

static kou_time announce_time(const flow_rt *fr)
{
    double ahead = fr->port->lead;
    if (fr->cfg->direction == KOU_EXPORT)
        ahead += fr->cfg->goods_window_hours;
    return fr->next_sched - ahead;
}

/* A carrier of nunits units holding ncons consignments, linked into the
** live list and counted. */
static carrier *carrier_new(run *r, flow_rt *fr, uint64_t id, kou_time sched, kou_time delay, uint32_t nunits,
                            uint64_t ncons)
{
    carrier *car = koui_malloc(sizeof *car + nunits * sizeof(unit) + ncons * sizeof(cons *));
    memset(car, 0, sizeof *car);
    car->flow = fr;
    car->id = id;
    car->sched = sched;
    car->actual = sched + delay;
    car->nunits = nunits;
    car->ncons = (uint32_t)ncons;
    car->units = (unit *)(car + 1);
    car->cons = (cons **)(car->units + nunits);
    car->next = r->live;
    if (r->live)
        r->live->prev = car;
    r->live = car;
    r->tot.carriers++;
    r->tot.units += nunits;
    r->tot.consignments += ncons;
    r->in_system += ncons;
    if (r->in_system > r->tot.peak_in_system)
        r->tot.peak_in_system = r->in_system;
    return car;
}

/* The carrier's units and their consignments, with all their draws. */
static void carrier_fill(run *r, flow_rt *fr, carrier *car, const uint32_t *per_unit)
{
    uint32_t first = 0;
    for (uint32_t i = 0; i < car->nunits; i++) {
        unit *u = &car->units[i];
        u->car = car;
        u->first = first;
        u->n = per_unit[i];
        u->id = fr->keybase | ++fr->unit_seq;
        u->priority = 0;
        kou_rng_stream_rekey(r->s_unload, u->id);
        u->work = draw(fr->port->unload, r->s_unload);
        for (uint32_t j = 0; j < u->n; j++) {
            cons *c = cons_alloc(r);
            cons_init(r, c, fr, car, u, fr->keybase | ++fr->cons_seq);
            car->cons[first + j] = c;
            if (c->priority > u->priority)
                u->priority = c->priority;
        }
        first += u->n;
    }
}

/* Declarations lodged ahead, export goods arriving, and the carrier's own
** event (arrival or departure). */
static void carrier_schedule(run *r, carrier *car)
{
    const kou_flow_config *fl = car->flow->cfg;
    const kou_port_config *p = car->flow->port->cfg;
    for (uint32_t i = 0; i < car->ncons; i++) {
        cons *c = car->cons[i];
        kou_time arrival = fl->direction == KOU_IMPORT ? car->sched : car->sched - c->lead;
        if (c->rec.flags & KOU_FLAG_ADVANCE)
            at(r, arrival - p->advance_lead_hours, ev_declared, c);
        if (fl->direction == KOU_EXPORT)
            at(r, arrival, ev_goods_arrived, c);
    }
    if (fl->direction == KOU_IMPORT) {
        car->pending = car->nunits;
        at(r, car->actual, ev_carrier_arrived, car);
    } else {
        car->pending = car->ncons;
        at(r, car->actual, ev_departure_due, car);
    }
}

static void ev_announce(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    flow_rt *fr = object;
    const kou_flow_config *fl = fr->cfg;
    kou_time now = kou_sim_now(sim);

    uint64_t ckey = fr->keybase | ++fr->carrier_seq;
    kou_rng_stream_rekey(r->s_carrier, ckey);
    kou_time sched = fr->next_sched;
    kou_time delay = fl->ntimetable > 0 ? draw(fr->delay, r->s_carrier) : 0.0;
    uint32_t nunits = count(fr->units, r->s_carrier);
    uint32_t *per_unit = koui_malloc(nunits * sizeof *per_unit);
    uint64_t ncons = 0;
    for (uint32_t i = 0; i < nunits; i++) {
        per_unit[i] = count(fr->conspu, r->s_carrier);
        ncons += per_unit[i];
    }
    if (r->in_system + ncons > r->max_in_system || ncons > UINT32_MAX) {
        free(per_unit);
        fail(r, KOU_ENOMEM,
             "port '%s', flow '%s': more than max_in_system = %llu consignments would be in the system at "
             "hour %.1f; the port cannot keep up with its arrivals (check capacities and calendars) or "
             "the limit is too low",
             fr->port->cfg->name, fl->name, (unsigned long long)r->max_in_system, now);
        return;
    }
    carrier *car = carrier_new(r, fr, ckey, sched, delay, nunits, ncons);
    carrier_fill(r, fr, car, per_unit);
    free(per_unit);
    carrier_schedule(r, car);
    if (next_schedule(r, fr))
        at(r, announce_time(fr), ev_announce, fr);
    else
        r->flows_active--;
}

/* ---- the run ---- */

/* Warm-up deletion for the resources: their statistics start afresh at
** warmup_hours, like the consignments reported. */
static void ev_warmup(kou_sim *sim, void *subject, void *object)
{
    run *r = subject;
    (void)sim;
    (void)object;
    for (size_t i = 0; i < r->cfg->nports; i++)
        for (size_t j = 0; j < r->cfg->ports[i].nresources; j++)
            kou_resource_reset_stats(r->ports[i].res[j]);
}

/* Server-hours open on res in [t0, t1]: the integral of its capacity. */
static double capacity_hours(const kou_resource *res, int fixed, kou_time t0, kou_time t1)
{
    const kou_calendar *cal = kou_resource_calendar(res);
    if (!cal)
        return fixed * (t1 - t0);
    double area = 0.0;
    for (kou_time t = t0; t < t1;) {
        kou_time next = kou_calendar_next_change(cal, t);
        kou_time seg = next < t1 ? next : t1;
        area += kou_calendar_capacity_at(cal, t) * (seg - t);
        t = seg;
    }
    return area;
}

/* After the drain: one report per resource over [warmup_hours, now]. */
static void report_resources(run *r)
{
    if (!r->obs || !r->obs->resource_done)
        return;
    kou_time t0 = r->cfg->warmup_hours, t1 = kou_sim_now(r->sim);
    for (size_t i = 0; i < r->cfg->nports; i++) {
        const kou_port_config *p = &r->cfg->ports[i];
        for (size_t j = 0; j < p->nresources; j++) {
            const kou_resource *res = r->ports[i].res[j];
            double area = capacity_hours(res, p->resources[j].capacity, t0, t1);
            kou_resource_report rep;
            rep.port = (uint16_t)i;
            rep.name = p->resources[j].name;
            rep.capacity_mean = t1 > t0 ? area / (t1 - t0) : NAN;
            rep.utilisation = area > 0 ? r->ports[i].work_done[j] / area : NAN;
            rep.mean_queue = t1 > t0 ? kou_resource_mean_queue(res) : NAN;
            rep.mean_wait = kou_tally_mean(kou_resource_wait_stats(res));
            rep.served = kou_resource_served_count(res);
            r->obs->resource_done(r->obs->ctx, &rep);
        }
    }
}

/* The first events: the warm-up reset and each flow's first announcement;
** with sim_ready, the observer's own events. */
static void run_start(run *r, const kou_model_observer *obs, const kou_model_run_view *view)
{
    const kou_model_config *cfg = r->cfg;
    r->max_in_system = cfg->max_in_system ? cfg->max_in_system : KOU_MODEL_DEFAULT_MAX_IN_SYSTEM;
    if (cfg->warmup_hours > 0)
        at(r, cfg->warmup_hours, ev_warmup, NULL);
    for (size_t i = 0; i < r->nflows && r->status == KOU_OK; i++) {
        flow_rt *fr = &r->flows[i];
        if (next_schedule(r, fr)) {
            at(r, announce_time(fr), ev_announce, fr);
            r->flows_active++;
        }
    }
    if (r->status == KOU_OK && obs && obs->sim_ready) {
        r->drain_stop = true;
        if (r->flows_active == 0) /* no arrivals at all: drained at once */
            kou_event_schedule(r->sim, 0.0, KOU_PRIORITY_MIN, ev_check_drained, r, NULL);
        obs->sim_ready(obs->ctx, r->sim, view);
    }
}

/* Runs the events until the system has drained; the run's status. */
static kou_status run_events(run *r)
{
    if (r->status == KOU_OK) {
        kou_time limit = r->cfg->horizon_hours + KOU_MODEL_MAX_HORIZON_HOURS;
        kou_status rs = r->drain_stop ? kou_sim_run_until(r->sim, limit) : kou_sim_run(r->sim);
        if (rs != KOU_OK && r->status == KOU_OK)
            fail(r, rs, "model: %s", kou_sim_errmsg(r->sim));
        if (r->drain_stop && !r->drained && r->status == KOU_OK && kou_sim_events_pending(r->sim) > 0) {
            if (kou_sim_now(r->sim) >= limit)
                fail(r, KOU_ESTATE, "model: %llu consignments still in the system %g hours after the "
                     "horizon (servers held for ever?)", (unsigned long long)r->in_system,
                     KOU_MODEL_MAX_HORIZON_HOURS);
            else
                fail(r, KOU_ESTATE, "model: the run was stopped at hour %.1f before the system had "
                     "drained", kou_sim_now(r->sim));
        }
    }
    kou_status st = r->status;
    if (st == KOU_OK && r->in_system != 0)
        st = fail(r, KOU_ESTATE, "model: %llu consignments still in the system when the events ran out",
                  (unsigned long long)r->in_system);
    r->tot.events = kou_sim_events_fired(r->sim);
    r->tot.end_time = kou_sim_now(r->sim);
    return st;
}

static void run_free(run *r)
{
    while (r->live)
        carrier_free(r, r->live);
    for (size_t i = 0; i < r->nchunks; i++)
        free(r->chunks[i]);
    free(r->chunks);
    free_built(r);
    kou_sim_free(r->sim);
}

kou_status kou_model_run(const kou_model_config *cfg, uint64_t seed, int32_t start_date,
                         const kou_model_observer *obs, kou_model_totals *totals, char *err, size_t errlen)
{
    KOU_CHECK(cfg);
    run r;
    memset(&r, 0, sizeof r);
    r.cfg = cfg;
    r.obs = obs;
    if (totals)
        memset(totals, 0, sizeof *totals);
    checker k = {r.err, sizeof r.err, KOU_OK};
    check_ranges(&k, cfg);
    if (k.status != KOU_OK) {
        copy_err(err, errlen, r.err);
        return k.status;
    }
    kou_sim_config sc;
    kou_sim_config_default(&sc);
    sc.seed = seed;
    sc.start_date = start_date;
    sc.event_hint = 4096;
    if (kou_sim_new(&r.sim, &sc, r.err, sizeof r.err) != KOU_OK) {
        if (!kou_date_is_valid(start_date))
            snprintf(r.err, sizeof r.err, "model: start date must be a valid date written YYYYMMDD (got %ld)",
                     (long)start_date);
        copy_err(err, errlen, r.err);
        return KOU_EINVAL;
    }
    kou_model_run_view view = {&r}; /* valid for the whole run: the observer keeps it */
    kou_status st = build(&r);
    if (st == KOU_OK) {
        run_start(&r, obs, &view);
        st = run_events(&r);
        if (st == KOU_OK)
            report_resources(&r);
    }
    copy_err(err, errlen, st == KOU_OK ? "" : r.err);
    if (totals)
        *totals = r.tot;
    run_free(&r);
    return st;
}

kou_resource *kou_model_find_resource(const kou_model_run_view *view, const char *port, const char *resource)
{
    if (view == NULL || port == NULL || resource == NULL)
        return NULL;
    const run *r = view->r;
    for (size_t i = 0; i < r->cfg->nports; i++) {
        const kou_port_config *p = &r->cfg->ports[i];
        if (strcmp(p->name, port) != 0)
            continue;
        for (size_t j = 0; j < p->nresources; j++)
            if (strcmp(p->resources[j].name, resource) == 0)
                return r->ports[i].res[j];
    }
    return NULL;
}

size_t kou_model_resource_count(const kou_model_run_view *view)
{
    if (view == NULL)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < view->r->cfg->nports; i++)
        n += view->r->cfg->ports[i].nresources;
    return n;
}

kou_resource *kou_model_resource_at(const kou_model_run_view *view, size_t i, size_t *port,
                                    const char **name)
{
    if (view == NULL)
        return NULL;
    const run *r = view->r;
    for (size_t p = 0; p < r->cfg->nports; p++) {
        size_t n = r->cfg->ports[p].nresources;
        if (i < n) {
            if (port)
                *port = p;
            if (name)
                *name = r->cfg->ports[p].resources[i].name;
            return r->ports[p].res[i];
        }
        i -= n;
    }
    return NULL;
}
