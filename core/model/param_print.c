/*
** param_print.c — rows of resolved parameters, --dump and the Markdown
** reference (see param_print.h).
*/
#include "model/param_print.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growing string ---- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...) KOU_PRINTF(2, 3);
static void sb_add(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->s && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        b->cap = 2 * (b->len + (size_t)n + 64);
        b->s = koui_realloc(b->s, b->cap);
        b->s[b->len] = '\0';
    }
}

static void sb_clear(sbuf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = '\0';
}

/* ---- text forms ---- */

/* A number as Lua reads it back: math.huge for infinity. */
static void sb_number(sbuf *b, double v)
{
    char t[40];
    if (isinf(v))
        sb_add(b, "%smath.huge", v < 0 ? "-" : "");
    else
        sb_add(b, "%s", kou_number_text(v, t, sizeof t));
}

/* {"lognormal", mean = 6, cv = 0.8}; false for no time. */
static void sb_dist(sbuf *b, const kou_dist_spec *d)
{
    const kou_dist_family_info *fi = kou_dist_family_get(d->family);
    if (fi == NULL || d->family == KOU_DIST_NONE) {
        sb_add(b, "%s", fi ? "false" : "?");
        return;
    }
    sb_add(b, "{\"%s\"", fi->name);
    if (fi->table) {
        for (int k = 0; k < 2; k++) {
            const double *v = k == 0 ? d->x : d->w;
            sb_add(b, ", %s = {", fi->keys[k]);
            for (size_t i = 0; v && i < d->n; i++) {
                sb_add(b, "%s", i ? ", " : "");
                sb_number(b, v[i]);
            }
            sb_add(b, "}");
        }
    } else {
        for (int k = 0; k < fi->nkeys; k++) {
            sb_add(b, ", %s = ", fi->keys[k]);
            sb_number(b, d->p[k]);
        }
    }
    sb_add(b, "}");
}

/* "daily", or "Mon,Tue,Wed". */
static void sb_days(sbuf *b, unsigned mask)
{
    if ((mask & 0x7fu) == 0x7fu) {
        sb_add(b, "daily");
        return;
    }
    const char *sep = "";
    for (int i = 0; i < 7; i++)
        if (mask & (1u << i)) {
            sb_add(b, "%s%s", sep, kou_weekday_names[i]);
            sep = ",";
        }
}

/* "08:30" for a whole minute, else the hours as a number. */
static void sb_hhmm(sbuf *b, double h)
{
    double m = nearbyint(h * 60.0); /* 23:10 is 23.1666...: whole minutes within rounding */
    if (fabs(h * 60.0 - m) < 1e-6 && m >= 0 && m <= 24 * 60)
        sb_add(b, "%02d:%02d", (int)(m / 60), (int)fmod(m, 60.0));
    else
        sb_number(b, h);
}

static void sb_date(sbuf *b, int32_t d)
{
    sb_add(b, "%04d-%02d-%02d", (int)(d / 10000), (int)(d / 100 % 100), (int)(d % 100));
}

/* {hours = {{days = "Mon,Tue", from = "08:30", to = "12:00", capacity = 3}, ...},
** holidays = {...}, workdays = {{"2017-01-22", as = "Mon"}}} */
static void sb_calendar(sbuf *b, const kou_resource_spec *rs)
{
    sb_add(b, "{hours = {");
    for (size_t i = 0; i < rs->nhours; i++) {
        const kou_hours_spec *h = &rs->hours[i];
        sb_add(b, "%s{days = \"", i ? ", " : "");
        sb_days(b, h->weekday_mask);
        sb_add(b, "\", from = \"");
        sb_hhmm(b, h->start_h);
        sb_add(b, "\", to = \"");
        sb_hhmm(b, h->end_h);
        sb_add(b, "\", capacity = %d}", h->capacity);
    }
    sb_add(b, "}");
    if (rs->nholidays > 0) {
        sb_add(b, ", holidays = {");
        for (size_t i = 0; i < rs->nholidays; i++) {
            sb_add(b, "%s\"", i ? ", " : "");
            sb_date(b, rs->holidays[i]);
            sb_add(b, "\"");
        }
        sb_add(b, "}");
    }
    if (rs->nworkdays > 0) {
        sb_add(b, ", workdays = {");
        for (size_t i = 0; i < rs->nworkdays; i++) {
            sb_add(b, "%s{\"", i ? ", " : "");
            sb_date(b, rs->workdays[i]);
            sb_add(b, "\", as = \"%s\"}", kou_weekday_names[(unsigned)rs->workday_as[i] % 7]);
        }
        sb_add(b, "}");
    }
    sb_add(b, "}");
}

/* "Mon 02:30, Mon 23:10, ..." */
static void sb_timetable(sbuf *b, const double *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int day = (int)floor(t[i] / 24.0);
        sb_add(b, "%s%s ", i ? ", " : "", kou_weekday_names[(unsigned)(day < 0 ? 0 : day) % 7]);
        sb_hhmm(b, t[i] - 24.0 * day);
    }
}

/* "68.4 a week: 0.5 x6, 1 x12, ..." (runs of equal hourly rates from
** Monday 00:00). */
static void sb_rates(sbuf *b, const double *r)
{
    double sum = 0.0;
    for (int i = 0; i < 168; i++)
        sum += r[i];
    sb_add(b, "%g a week:", sum);
    for (int i = 0; i < 168;) {
        int j = i;
        while (j < 168 && r[j] == r[i])
            j++;
        sb_add(b, "%s ", i ? "," : "");
        sb_number(b, r[i]);
        sb_add(b, " x%d", j - i);
        i = j;
    }
}

/* ---- the visitor ---- */

typedef struct visit {
    kou_param_visit_fn *fn;
    void *ctx;
    char path[512];
    size_t plen;
    sbuf text;
    const kou_port_config *port; /* the port being visited (stage resources) */
} visit;

static size_t vpush(visit *v, const char *key)
{
    size_t old = v->plen;
    int n = snprintf(v->path + v->plen, sizeof v->path - v->plen, "%s%s", v->plen ? "." : "", key);
    if (n > 0)
        v->plen = v->plen + (size_t)n < sizeof v->path ? v->plen + (size_t)n : sizeof v->path - 1;
    return old;
}

static void vpop(visit *v, size_t old)
{
    v->plen = old;
    v->path[old] = '\0';
}

/* One row: path.key, the text built in v->text. */
static void row(visit *v, const kou_param *p, const char *key, double value, const char *unit)
{
    size_t old = vpush(v, key);
    kou_param_row r = {v->path, value, v->text.s ? v->text.s : "", unit, p};
    v->fn(v->ctx, &r);
    vpop(v, old);
    sb_clear(&v->text);
}

static void number_row(visit *v, const kou_param *p, const char *key, double x)
{
    if (p->kind == KOU_PARAM_BOOLEAN)
        sb_add(&v->text, "%s", x != 0 ? "true" : "false");
    else
        sb_number(&v->text, x);
    row(v, p, key, x, p->unit);
}

static void visit_resources(visit *v, const kou_param *p, const kou_port_config *pc)
{
    size_t old = vpush(v, p->key);
    const kou_param *cap = kou_param_find(KOU_SCOPE_RESOURCE, "capacity");
    const kou_param *hours = kou_param_find(KOU_SCOPE_RESOURCE, "hours");
    for (size_t j = 0; j < pc->nresources; j++) {
        const kou_resource_spec *rs = &pc->resources[j];
        if (rs->nhours == 0) {
            size_t o2 = vpush(v, rs->name);
            number_row(v, cap, cap->key, rs->capacity);
            vpop(v, o2);
        } else {
            sb_calendar(&v->text, rs);
            row(v, hours, rs->name, NAN, "");
        }
    }
    vpop(v, old);
}

static void visit_scope(visit *v, kou_param_scope scope, const void *base);

/* The entries of a list (ports, flows, goods): path KEY.NAME, each its scope. */
static void visit_list(visit *v, const kou_param *p, const void *entries, size_t n, size_t size)
{
    size_t old = vpush(v, p->key);
    size_t name_at = kou_param_find(p->child, "name")->offset;
    for (size_t i = 0; i < n; i++) {
        const char *e = (const char *)entries + i * size, *name;
        memcpy(&name, e + name_at, sizeof name);
        size_t o2 = vpush(v, name ? name : "?");
        visit_scope(v, p->child, e);
        vpop(v, o2);
    }
    vpop(v, old);
}

static void visit_structure(visit *v, const kou_param *p, const void *base)
{
    if (p->scope == KOU_SCOPE_SCENARIO && p->kind == KOU_PARAM_LIST) {
        const kou_model_config *cfg = base;
        visit_list(v, p, cfg->ports, cfg->nports, sizeof *cfg->ports);
    } else if (p->scope == KOU_SCOPE_PORT && p->kind == KOU_PARAM_LIST) {
        const kou_port_config *pc = base;
        visit_list(v, p, pc->flows, pc->nflows, sizeof *pc->flows);
    } else if (p->scope == KOU_SCOPE_PORT && p->kind == KOU_PARAM_MAP) {
        visit_resources(v, p, base);
    } else if (p->scope == KOU_SCOPE_FLOW && p->kind == KOU_PARAM_LIST) {
        const kou_flow_config *fl = base;
        visit_list(v, p, fl->goods, fl->ngoods, sizeof *fl->goods);
    } else if (p->kind == KOU_PARAM_TIMETABLE) {
        const kou_flow_config *fl = base;
        if (fl->ntimetable > 0) {
            sb_timetable(&v->text, fl->timetable, fl->ntimetable);
            row(v, p, p->key, NAN, "");
        }
    } else if (p->kind == KOU_PARAM_RATES && !(p->flags & KOU_PARAM_INPUT)) {
        const kou_flow_config *fl = base;
        if (fl->ntimetable == 0 && fl->rate_per_hour) {
            sb_rates(&v->text, fl->rate_per_hour);
            row(v, p, p->key, NAN, p->unit);
        }
    }
}

static void visit_value(visit *v, const kou_param *p, const void *base)
{
    const char *field = (const char *)base + p->offset;
    int e;
    switch (p->kind) {
    case KOU_PARAM_NUMBER:
    case KOU_PARAM_INTEGER:
    case KOU_PARAM_BOOLEAN: number_row(v, p, p->key, kou_param_read(p, base)); break;
    case KOU_PARAM_TRADERS: {
        size_t old = vpush(v, p->key);
        for (int t = 0; t < KOU_TRADER_COUNT; t++)
            number_row(v, p, kou_trader_names[t], ((const double *)(const void *)field)[t]);
        vpop(v, old);
        break;
    }
    case KOU_PARAM_DIST:
        sb_dist(&v->text, (const kou_dist_spec *)(const void *)field);
        row(v, p, p->key, NAN, p->unit);
        break;
    case KOU_PARAM_ENUM:
        memcpy(&e, field, sizeof e);
        sb_add(&v->text, "%s", e >= 0 && (size_t)e < p->nnames ? p->names[e] : "?");
        row(v, p, p->key, NAN, p->unit);
        break;
    case KOU_PARAM_RESOURCE_REF:
        memcpy(&e, field, sizeof e);
        sb_add(&v->text, "%s", e >= 0 && (size_t)e < v->port->nresources ? v->port->resources[e].name : "false");
        row(v, p, p->key, NAN, p->unit);
        break;
    case KOU_PARAM_DATE: {
        int32_t d;
        memcpy(&d, field, sizeof d);
        if (d != 0)
            sb_date(&v->text, d);
        else
            sb_add(&v->text, "none");
        row(v, p, p->key, NAN, p->unit);
        break;
    }
    default: visit_structure(v, p, base); break;
    }
}

static void visit_scope(visit *v, kou_param_scope scope, const void *base)
{
    size_t n;
    const kou_param *p = kou_params(scope, &n);
    const kou_port_config *saved = v->port;
    if (scope == KOU_SCOPE_PORT)
        v->port = base;
    for (size_t i = 0; i < n; i++)
        visit_value(v, &p[i], base);
    v->port = saved;
}

void kou_params_visit(const kou_model_config *cfg, kou_param_visit_fn *fn, void *ctx)
{
    visit v;
    memset(&v, 0, sizeof v);
    v.fn = fn;
    v.ctx = ctx;
    visit_scope(&v, KOU_SCOPE_SCENARIO, cfg);
    free(v.text.s);
}

/* ---- --dump ---- */

void kou_param_row_print(FILE *out, const kou_param_row *r)
{
    if (*r->unit)
        fprintf(out, "%s = %s [%s]\n", r->path, r->text, r->unit);
    else
        fprintf(out, "%s = %s\n", r->path, r->text);
}

static void dump_row(void *ctx, const kou_param_row *r)
{
    kou_param_row_print(ctx, r);
}

void kou_params_dump(FILE *out, const kou_model_config *cfg)
{
    kou_params_visit(cfg, dump_row, out);
}

/* ---- docs/parameters.md ---- */

/* What a value of p may be. */
static void md_allowed(sbuf *b, const kou_param *p)
{
    char t[160];
    switch (p->kind) {
    case KOU_PARAM_NUMBER:
    case KOU_PARAM_INTEGER:
    case KOU_PARAM_TRADERS:
    case KOU_PARAM_NUMBERS: sb_add(b, "%s", kou_param_range_text(&p->range, false, t, sizeof t)); break;
    case KOU_PARAM_BOOLEAN: sb_add(b, "`true`, `false`"); break;
    case KOU_PARAM_ENUM:
        for (size_t i = 0; i < p->nnames; i++)
            sb_add(b, "%s`\"%s\"`", i == 0 ? "" : i + 1 == p->nnames ? " or " : ", ", p->names[i]);
        break;
    case KOU_PARAM_DIST: sb_add(b, "a number, `false` or a distribution"); break;
    case KOU_PARAM_RESOURCE_REF: sb_add(b, "a name in `resources`, or `false`"); break;
    case KOU_PARAM_TEXT: sb_add(b, "a string"); break;
    case KOU_PARAM_NAME: sb_add(b, "a string, unique in its list"); break;
    case KOU_PARAM_DATE: sb_add(b, "`\"YYYY-MM-DD\"`"); break;
    case KOU_PARAM_TIMES: sb_add(b, "`\"HH:MM\"`"); break;
    case KOU_PARAM_LIST: sb_add(b, "a list of %s tables", kou_param_scope_name(p->child)); break;
    case KOU_PARAM_MAP: sb_add(b, "`{NAME = %s, ...}`", kou_param_scope_name(p->child)); break;
    case KOU_PARAM_CALENDAR:
    case KOU_PARAM_WORKDAYS:
    case KOU_PARAM_TIMETABLE: sb_add(b, "a list of %s tables", kou_param_scope_name(p->child)); break;
    case KOU_PARAM_RATES:
        if (p->flags & KOU_PARAM_INPUT)
            sb_add(b, "a %s table", kou_param_scope_name(p->child));
        else
            sb_add(b, "one number or 168, each %s", kou_param_range_text(&p->range, false, t, sizeof t));
        break;
    default: sb_add(b, "%s", kou_param_kind_text(p->kind)); break;
    }
}

/* The default of p when the key is left out. */
static void md_default(sbuf *b, const kou_param *p)
{
    char t[40];
    if (p->def_text)
        sb_add(b, "%s", p->def_text);
    else if (p->flags & KOU_PARAM_REQUIRED)
        sb_add(b, "required");
    else if (p->kind == KOU_PARAM_NUMBER || p->kind == KOU_PARAM_INTEGER || p->kind == KOU_PARAM_NUMBERS)
        sb_add(b, "%s", kou_number_text(p->def, t, sizeof t));
    else if (p->kind == KOU_PARAM_BOOLEAN)
        sb_add(b, "%s", p->def != 0 ? "`true`" : "`false`");
    else if (p->kind == KOU_PARAM_TRADERS)
        sb_add(b, "0 for every class");
    else if (p->kind == KOU_PARAM_DIST)
        sb_add(b, "none (no time)");
    else
        sb_add(b, "none");
}

static void md_scope(FILE *out, kou_param_scope scope, const char *title, const char *where)
{
    size_t n;
    const kou_param *p = kou_params(scope, &n);
    sbuf allowed = {0}, def = {0};
    fprintf(out, "## %s\n\n%s\n\n", title, where);
    fprintf(out, "| key | kind | allowed | unit | default | meaning |\n|---|---|---|---|---|---|\n");
    for (size_t i = 0; i < n; i++) {
        sb_clear(&allowed);
        sb_clear(&def);
        md_allowed(&allowed, &p[i]);
        md_default(&def, &p[i]);
        fprintf(out, "| `%s` | %s | %s | %s | %s | %s |\n", p[i].key, kou_param_kind_text(p[i].kind), allowed.s,
                p[i].unit, def.s, p[i].meaning);
    }
    fputc('\n', out);
    free(allowed.s);
    free(def.s);
}

static void md_families(FILE *out)
{
    fprintf(out, "## Distributions\n\nA number is a fixed value; `false` (or leaving the key out) is no time; a "
            "table names its family first: `{\"lognormal\", mean = 2, cv = 0.5}`. Keys after the first "
            "\"required\" ones are optional. The kernel checks the values when the model validates.\n\n");
    fprintf(out, "| family | keys | optional keys (default) | meaning |\n|---|---|---|---|\n");
    for (int f = KOU_DIST_DETERMINISTIC; f <= KOU_DIST_PIECEWISE; f++) {
        const kou_dist_family_info *fi = kou_dist_family_get((kou_dist_family)f);
        fprintf(out, "| `\"%s\"`%s%s%s | ", fi->name, fi->alias ? " (or `\"" : "", fi->alias ? fi->alias : "",
                fi->alias ? "\"`)" : "");
        for (int k = 0; k < fi->nrequired; k++)
            fprintf(out, "%s`%s`", k ? ", " : "", fi->keys[k]);
        fprintf(out, " | ");
        for (int k = fi->nrequired; k < fi->nkeys; k++) {
            char t[40];
            fprintf(out, "%s`%s` (%s)", k > fi->nrequired ? ", " : "", fi->keys[k],
                    isinf(fi->defaults[k]) ? "+infinity" : kou_number_text(fi->defaults[k], t, sizeof t));
        }
        fprintf(out, " | %s |\n", fi->meaning);
    }
    fputc('\n', out);
}

static void md_names(FILE *out, const char *title, const char *const *names, const char *const *meanings,
                     size_t n, bool bits)
{
    fprintf(out, "### %s\n\n", title);
    for (size_t i = 0; i < n; i++) {
        if (bits)
            fprintf(out, "- bit %zu `%s`: %s\n", i, names[i], meanings[i]);
        else if (meanings)
            fprintf(out, "- `%s`: %s\n", names[i], meanings[i]);
        else
            fprintf(out, "- `%s`\n", names[i]);
    }
    fputc('\n', out);
}

void kou_params_markdown(FILE *out)
{
    fprintf(out, "# Scenario parameters\n\n"
            "<!-- Generated from the parameter table (core/model/params.c): do not edit. Regenerate with\n"
            "     `ninja -C build parameters-md` (tests/unit/test_params.c fails when this copy is stale). -->\n\n"
            "Every key a port scenario may write (docs/scenario-format.md explains the format), with its\n"
            "kind, the values allowed, unit, default and meaning. A value out of range is refused with the\n"
            "range shown here, at the line where it is written. `--set PATH=VALUE` and sweep factors name a\n"
            "value by its path: `horizon_days`, `ports.NAME.KEY`, `ports.NAME.flows.NAME.KEY`,\n"
            "`ports.NAME.flows.NAME.goods.NAME.KEY`, `ports.NAME.inspect_prob.ordinary`,\n"
            "`ports.NAME.resources.NAME.capacity`, `ports.NAME.prep_time.mean`. `kouan run FILE --dump`\n"
            "prints every resolved value by its path.\n\n"
            "Units: h hours, d days, share a probability or share in [0, 1], weight a relative weight\n"
            "(normalised over its list), count a number of things, CNY yuan.\n\n");
    md_scope(out, KOU_SCOPE_SCENARIO, "Scenario", "The top level of the table `scenario{...}` returns.");
    md_scope(out, KOU_SCOPE_PORT, "Ports", "Entries of `ports = {...}`: `ports.NAME.KEY`.");
    md_scope(out, KOU_SCOPE_FLOW, "Flows", "Entries of a port's `flows = {...}`: `ports.NAME.flows.NAME.KEY`.");
    md_scope(out, KOU_SCOPE_GOODS, "Goods", "Entries of a flow's `goods = {...}`.");
    md_scope(out, KOU_SCOPE_RESOURCE, "Resources", "Values of a port's `resources = {NAME = ...}`: a number N "
             "(`{capacity = N}`) or a table.");
    md_scope(out, KOU_SCOPE_HOURS, "Opening hours", "Entries of a resource's `hours = {...}`.");
    md_scope(out, KOU_SCOPE_WORKDAY, "Make-up working days", "Entries of a resource's `workdays = {...}`.");
    md_scope(out, KOU_SCOPE_TIMETABLE, "Timetables", "Entries of a flow's `timetable = {...}`.");
    md_scope(out, KOU_SCOPE_RATE, "Arrival rates", "A flow's `rate = {...}`.");
    md_families(out);
    fprintf(out, "## Names\n\n");
    md_names(out, "Modes", kou_mode_names, NULL, KOU_MODE_COUNT, false);
    md_names(out, "Directions", kou_direction_names, NULL, KOU_DIRECTION_COUNT, false);
    md_names(out, "Trader classes (keys of `inspect_prob` and `trader_share`)", kou_trader_names, NULL,
             KOU_TRADER_COUNT, false);
    md_names(out, "Weekdays", kou_weekday_names, NULL, 7, false);
    md_names(out, "Consignment flags (run files)", kou_flag_names, kou_flag_meanings, KOU_FLAG_COUNT, true);
    md_names(out, "Milestones (run files)", kou_milestone_names, kou_milestone_meanings, KOU_MS_COUNT, false);
}
