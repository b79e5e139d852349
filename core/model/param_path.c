/*
** param_path.c — paths to numeric parameters and deep copies of
** configurations (see param_path.h).
*/
#include "model/param_path.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_SEGS = 16 };

typedef struct resolver {
    const kou_model_config *cfg;
    kou_param_ref *ref;
    char buf[256];
    char *seg[MAX_SEGS];
    size_t nseg;
    char *err;
    size_t errlen;
} resolver;

static const kou_param_range ANY = {-INFINITY, INFINITY, false, false};
static const kou_param_range NONNEG = {0.0, INFINITY, false, false};
static const kou_param_range ERLANG_K = {1.0, 1000.0, false, true};

static kou_status fail(resolver *r, kou_status st, const char *fmt, ...) KOU_PRINTF(3, 4);
static kou_status fail(resolver *r, kou_status st, const char *fmt, ...)
{
    if (r->err && r->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->err, r->errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* The path up to and including segment i, into out. */
static const char *upto(const resolver *r, size_t i, char *out, size_t len)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t k = 0; k <= i && k < r->nseg; k++) {
        int w = snprintf(out + at, len - at, "%s%s", k ? "." : "", r->seg[k]);
        if (w > 0 && at + (size_t)w < len)
            at += (size_t)w;
    }
    return out;
}

static kou_status nearest_fail(resolver *r, size_t i, const char *what, const char *const *names, size_t n)
{
    char where[256], list[600];
    const char *near = koui_nearest_name(r->seg[i], names, n);
    size_t at = 0;
    list[0] = '\0';
    for (size_t k = 0; k < n && at < sizeof list; k++) {
        int w = snprintf(list + at, sizeof list - at, "%s%s", k ? ", " : "", names[k]);
        if (w > 0)
            at += (size_t)w;
    }
    upto(r, i, where, sizeof where);
    if (near)
        return fail(r, KOU_ENOENT, "%s: %s (did you mean '%s'?)", where, what, near);
    return fail(r, KOU_ENOENT, "%s: %s (known: %s)", where, what, n ? list : "none");
}

/* Which of the n names seg i is; -1 after failing with the nearest. */
static long find_name(resolver *r, size_t i, const char *const *names, size_t n, const char *what,
                      kou_status *st)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(r->seg[i], names[k]) == 0)
            return (long)k;
    char msg[160];
    snprintf(msg, sizeof msg, "no %s named '%s'", what, r->seg[i]);
    *st = nearest_fail(r, i, msg, names, n);
    return -1;
}

/* The struct of scope s holding ref's parameter in cfg. */
static const void *scope_base(const kou_model_config *cfg, const kou_param_ref *ref, kou_param_scope s)
{
    switch (s) {
    case KOU_SCOPE_SCENARIO: return cfg;
    case KOU_SCOPE_PORT: return &cfg->ports[ref->port];
    case KOU_SCOPE_FLOW: return &cfg->ports[ref->port].flows[ref->flow];
    case KOU_SCOPE_GOODS: return &cfg->ports[ref->port].flows[ref->flow].goods[ref->goods];
    case KOU_SCOPE_RESOURCE: return &cfg->ports[ref->port].resources[ref->resource];
    default: return NULL;
    }
}

static kou_status resolve_scope(resolver *r, size_t i, kou_param_scope scope);

/* seg i names an entry of the list p (ports, flows, goods); the rest is in
** the entry's scope. */
static kou_status resolve_entry(resolver *r, size_t i, const kou_param *p)
{
    kou_param_ref *ref = r->ref;
    const kou_model_config *cfg = r->cfg;
    const char *names_small[64];
    const char **names = names_small;
    size_t n = p->child == KOU_SCOPE_PORT   ? cfg->nports
               : p->child == KOU_SCOPE_FLOW ? cfg->ports[ref->port].nflows
                                            : cfg->ports[ref->port].flows[ref->flow].ngoods;
    if (n > 64)
        names = koui_malloc(n * sizeof *names);
    for (size_t k = 0; k < n; k++)
        names[k] = p->child == KOU_SCOPE_PORT   ? cfg->ports[k].name
                   : p->child == KOU_SCOPE_FLOW ? cfg->ports[ref->port].flows[k].name
                                                : cfg->ports[ref->port].flows[ref->flow].goods[k].name;
    kou_status st = KOU_OK;
    long k = find_name(r, i, names, n, "entry", &st);
    if (names != names_small)
        free(names);
    if (k < 0)
        return st;
    if (p->child == KOU_SCOPE_PORT)
        ref->port = (size_t)k;
    else if (p->child == KOU_SCOPE_FLOW)
        ref->flow = (size_t)k;
    else
        ref->goods = (size_t)k;
    return resolve_scope(r, i + 1, p->child);
}

/* seg i names a resource of the port; seg i + 1, if any, "capacity". */
static kou_status resolve_resource(resolver *r, size_t i)
{
    kou_param_ref *ref = r->ref;
    const kou_port_config *pc = &r->cfg->ports[ref->port];
    char where[256];
    const char *names_small[64];
    const char **names = pc->nresources > 64 ? koui_malloc(pc->nresources * sizeof *names) : names_small;
    for (size_t k = 0; k < pc->nresources; k++)
        names[k] = pc->resources[k].name;
    kou_status st = KOU_OK;
    long k = find_name(r, i, names, pc->nresources, "resource", &st);
    if (names != names_small)
        free(names);
    if (k < 0)
        return st;
    ref->resource = (size_t)k;
    ref->param = kou_param_find(KOU_SCOPE_RESOURCE, "capacity");
    ref->range = ref->param->range;
    ref->unit = ref->param->unit;
    if (i + 1 < r->nseg && strcmp(r->seg[i + 1], "capacity") != 0) {
        if (kou_param_find(KOU_SCOPE_RESOURCE, r->seg[i + 1]) != NULL)
            return fail(r, KOU_EINVAL, "%s: not a number (only a resource's capacity is)",
                        upto(r, i + 1, where, sizeof where));
        const char *keys[16];
        size_t nk = kou_param_keys(KOU_SCOPE_RESOURCE, keys, 16);
        return nearest_fail(r, i + 1, "unknown key", keys, nk);
    }
    if (i + 2 < r->nseg)
        return fail(r, KOU_EINVAL, "%s: a capacity is a number, with nothing below it", upto(r, i + 1, where, sizeof where));
    if (pc->resources[k].nhours > 0)
        return fail(r, KOU_EINVAL, "%s: the resource has opening hours, with a capacity per entry: only a fixed "
                    "capacity (open 7x24) is a parameter", upto(r, i, where, sizeof where));
    return KOU_OK;
}

/* seg i is the distribution p; seg i + 1, if any, one of its family's keys. */
static kou_status resolve_dist(resolver *r, size_t i, const kou_param *p)
{
    kou_param_ref *ref = r->ref;
    const kou_dist_spec *d = (const kou_dist_spec *)(const void *)((const char *)scope_base(r->cfg, ref, p->scope) + p->offset);
    const kou_dist_family_info *fam = kou_dist_family_get(d->family);
    char where[256];
    upto(r, i, where, sizeof where);
    if (i + 1 >= r->nseg) { /* the distribution itself: a fixed value, or none yet */
        if (d->family != KOU_DIST_DETERMINISTIC && d->family != KOU_DIST_NONE) {
            char keys[96] = "";
            for (int k = 0; k < fam->nkeys; k++)
                snprintf(keys + strlen(keys), sizeof keys - strlen(keys), "%s%s", k ? ", " : "", fam->keys[k]);
            return fail(r, KOU_EINVAL, "%s is a distribution (%s): give one of its parameters (%s.%s)", where,
                        fam->name, where, keys);
        }
        ref->sub = 0;
        ref->range = NONNEG; /* a bare number: a fixed time, >= 0 */
        return KOU_OK;
    }
    if (i + 2 < r->nseg)
        return fail(r, KOU_EINVAL, "%s: a distribution parameter is a number, with nothing below it",
                    upto(r, i + 1, where, sizeof where));
    if (d->family == KOU_DIST_NONE || fam->table)
        return fail(r, KOU_EINVAL, "%s: %s has no parameter '%s' (it is %s)", upto(r, i + 1, where, sizeof where),
                    where, r->seg[i + 1], fam->table ? "a table of values" : "no time: give it a number");
    kou_status st = KOU_OK;
    long k = find_name(r, i + 1, fam->keys, (size_t)fam->nkeys, "parameter", &st);
    if (k < 0)
        return st;
    ref->sub = (int)k;
    ref->range = d->family == KOU_DIST_ERLANG && k == 0 ? ERLANG_K : ANY;
    ref->unit = fam->scaled[k] ? p->unit : "";
    return KOU_OK;
}

/* seg i is a key of scope (the entity already chosen in ref). */
static kou_status resolve_scope(resolver *r, size_t i, kou_param_scope scope)
{
    kou_param_ref *ref = r->ref;
    char where[256];
    if (i >= r->nseg)
        return fail(r, KOU_EINVAL, "%s: give one of its keys (a %s is not a number)",
                    upto(r, i - 1, where, sizeof where), kou_param_scope_name(scope));
    const kou_param *p = kou_param_find(scope, r->seg[i]);
    if (p == NULL) {
        const char *keys[64];
        size_t n = kou_param_keys(scope, keys, 64);
        return nearest_fail(r, i, "unknown key", keys, n);
    }
    ref->param = p;
    ref->range = p->range;
    ref->unit = p->unit;
    upto(r, i, where, sizeof where);
    switch (p->kind) {
    case KOU_PARAM_NUMBER:
    case KOU_PARAM_INTEGER:
    case KOU_PARAM_BOOLEAN:
        if (i + 1 < r->nseg)
            return fail(r, KOU_EINVAL, "%s is a number, with nothing below it", where);
        return KOU_OK;
    case KOU_PARAM_TRADERS: {
        if (i + 1 >= r->nseg)
            return fail(r, KOU_EINVAL, "%s: give a trader class (%s.ordinary, ...)", where, where);
        kou_status st = KOU_OK;
        long k = find_name(r, i + 1, kou_trader_names, KOU_TRADER_COUNT, "trader class", &st);
        if (k < 0)
            return st;
        if (i + 2 < r->nseg)
            return fail(r, KOU_EINVAL, "%s is a number, with nothing below it", upto(r, i + 1, where, sizeof where));
        ref->sub = (int)k;
        return KOU_OK;
    }
    case KOU_PARAM_DIST: return resolve_dist(r, i, p);
    case KOU_PARAM_LIST:
        if (i + 1 >= r->nseg)
            return fail(r, KOU_EINVAL, "%s: give an entry's name", where);
        return resolve_entry(r, i + 1, p);
    case KOU_PARAM_MAP:
        if (i + 1 >= r->nseg)
            return fail(r, KOU_EINVAL, "%s: give a resource's name", where);
        return resolve_resource(r, i + 1);
    default:
        return fail(r, KOU_EINVAL, "%s is a %s, not a number", where, kou_param_kind_text(p->kind));
    }
}

kou_status kou_param_resolve(const kou_model_config *cfg, const char *path, kou_param_ref *ref, char *err,
                             size_t errlen)
{
    KOU_CHECK(cfg != NULL && path != NULL && ref != NULL);
    resolver r;
    memset(&r, 0, sizeof r);
    memset(ref, 0, sizeof *ref);
    ref->sub = -1;
    snprintf(ref->path, sizeof ref->path, "%s", path);
    r.cfg = cfg;
    r.ref = ref;
    r.err = err;
    r.errlen = errlen;
    if (strlen(path) >= sizeof r.buf)
        return fail(&r, KOU_EINVAL, "%.40s...: the path is too long", path);
    snprintf(r.buf, sizeof r.buf, "%s", path);
    for (char *s = r.buf;;) {
        if (r.nseg == MAX_SEGS)
            return fail(&r, KOU_EINVAL, "%s: the path has too many parts", path);
        r.seg[r.nseg++] = s;
        char *dot = strchr(s, '.');
        if (dot == NULL)
            break;
        *dot = '\0';
        s = dot + 1;
    }
    for (size_t i = 0; i < r.nseg; i++)
        if (r.seg[i][0] == '\0')
            return fail(&r, KOU_EINVAL, "%s: empty key in the path", path);
    kou_status st = resolve_scope(&r, 0, KOU_SCOPE_SCENARIO);
    if (st == KOU_OK && err && errlen > 0)
        err[0] = '\0';
    return st;
}

/* ---- values ---- */

double kou_param_get(const kou_model_config *cfg, const kou_param_ref *ref)
{
    const kou_param *p = ref->param;
    const char *base = scope_base(cfg, ref, p->scope);
    KOU_CHECK(base != NULL);
    switch (p->kind) {
    case KOU_PARAM_TRADERS: return ((const double *)(const void *)(base + p->offset))[ref->sub];
    case KOU_PARAM_DIST: {
        const kou_dist_spec *d = (const kou_dist_spec *)(const void *)(base + p->offset);
        return d->family == KOU_DIST_NONE ? 0.0 : d->p[ref->sub];
    }
    default: return kou_param_read(p, base);
    }
}

bool kou_param_is_integer(const kou_param_ref *ref)
{
    return ref->range.whole;
}

kou_status kou_param_check(const kou_param_ref *ref, double v, char *err, size_t errlen)
{
    if (kou_param_in_range(&ref->range, v)) {
        if (err && errlen > 0)
            err[0] = '\0';
        return KOU_OK;
    }
    char range[96], got[40];
    if (err && errlen > 0)
        snprintf(err, errlen, "%s must be %s (got %s)", ref->path,
                 kou_param_range_text(&ref->range, true, range, sizeof range), kou_number_text(v, got, sizeof got));
    return KOU_EINVAL;
}

kou_status kou_param_apply(kou_model_config *cfg, const kou_param_ref *ref, double v, char *err, size_t errlen)
{
    kou_status st = kou_param_check(ref, v, err, errlen);
    if (st != KOU_OK)
        return st;
    const kou_param *p = ref->param;
    char *base = (char *)(uintptr_t)scope_base(cfg, ref, p->scope); /* a copy's: its own memory */
    KOU_CHECK(base != NULL);
    switch (p->kind) {
    case KOU_PARAM_TRADERS: ((double *)(void *)(base + p->offset))[ref->sub] = v; break;
    case KOU_PARAM_DIST: {
        kou_dist_spec *d = (kou_dist_spec *)(void *)(base + p->offset);
        if (d->family == KOU_DIST_NONE) /* a time where there was none: a fixed one, as --set makes it */
            d->family = KOU_DIST_DETERMINISTIC;
        d->p[ref->sub] = v;
        break;
    }
    default: kou_param_write(p, base, v); break;
    }
    return KOU_OK;
}

/* ---- deep copies ---- */

typedef struct block {
    struct block *next;
    max_align_t data[];
} block;

typedef struct config_copy {
    kou_model_config cfg; /* first: the pointer handed out */
    block *blocks;
} config_copy;

static void *dup(config_copy *cc, const void *src, size_t n)
{
    if (src == NULL)
        return NULL;
    block *b = koui_malloc(sizeof *b + (n ? n : 1));
    b->next = cc->blocks;
    cc->blocks = b;
    if (n)
        memcpy(b->data, src, n);
    return b->data;
}

static const char *dup_str(config_copy *cc, const char *s)
{
    return s ? dup(cc, s, strlen(s) + 1) : NULL;
}

/* The tables of every distribution of scope s in the struct at base. */
static void dup_dists(config_copy *cc, kou_param_scope s, void *base)
{
    size_t n;
    const kou_param *p = kou_params(s, &n);
    for (size_t i = 0; i < n; i++)
        if (p[i].kind == KOU_PARAM_DIST) {
            kou_dist_spec *d = (kou_dist_spec *)(void *)((char *)base + p[i].offset);
            d->x = dup(cc, d->x, d->n * sizeof *d->x);
            d->w = dup(cc, d->w, d->n * sizeof *d->w);
        }
}

static void dup_resource(config_copy *cc, kou_resource_spec *rs)
{
    rs->name = dup_str(cc, rs->name);
    rs->hours = dup(cc, rs->hours, rs->nhours * sizeof *rs->hours);
    rs->holidays = dup(cc, rs->holidays, rs->nholidays * sizeof *rs->holidays);
    rs->workdays = dup(cc, rs->workdays, rs->nworkdays * sizeof *rs->workdays);
    rs->workday_as = dup(cc, rs->workday_as, rs->nworkdays * sizeof *rs->workday_as);
}

static void dup_flow(config_copy *cc, kou_flow_config *fl)
{
    fl->name = dup_str(cc, fl->name);
    fl->timetable = dup(cc, fl->timetable, fl->ntimetable * sizeof *fl->timetable);
    fl->rate_per_hour = dup(cc, fl->rate_per_hour, 168 * sizeof *fl->rate_per_hour);
    dup_dists(cc, KOU_SCOPE_FLOW, fl);
    kou_goods_config *goods = dup(cc, fl->goods, fl->ngoods * sizeof *fl->goods);
    for (size_t g = 0; goods && g < fl->ngoods; g++) {
        goods[g].name = dup_str(cc, goods[g].name);
        dup_dists(cc, KOU_SCOPE_GOODS, &goods[g]);
    }
    fl->goods = goods;
}

kou_model_config *kou_model_config_copy(const kou_model_config *cfg)
{
    KOU_CHECK(cfg != NULL);
    config_copy *cc = koui_calloc(1, sizeof *cc);
    cc->cfg = *cfg;
    kou_port_config *ports = dup(cc, cfg->ports, cfg->nports * sizeof *cfg->ports);
    for (size_t i = 0; ports && i < cfg->nports; i++) {
        kou_port_config *p = &ports[i];
        p->name = dup_str(cc, p->name);
        kou_resource_spec *rs = dup(cc, p->resources, p->nresources * sizeof *p->resources);
        for (size_t j = 0; rs && j < p->nresources; j++)
            dup_resource(cc, &rs[j]);
        p->resources = rs;
        dup_dists(cc, KOU_SCOPE_PORT, p);
        kou_flow_config *flows = dup(cc, p->flows, p->nflows * sizeof *p->flows);
        for (size_t f = 0; flows && f < p->nflows; f++)
            dup_flow(cc, &flows[f]);
        p->flows = flows;
    }
    cc->cfg.ports = ports;
    return &cc->cfg;
}

void kou_model_config_free(kou_model_config *cfg)
{
    if (cfg == NULL)
        return;
    config_copy *cc = (config_copy *)(void *)cfg;
    while (cc->blocks) {
        block *b = cc->blocks;
        cc->blocks = b->next;
        free(b);
    }
    free(cc);
}
