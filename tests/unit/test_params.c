/*
** The parameter table (model/params.h) and what is driven by it: the
** table's own consistency, names of the enumerations, the one range
** check and text, paths to parameters and copies (model/param_path.h),
** the rows of a configuration (model/param_print.h), and
** docs/parameters.md, which must be what the table generates.
**
** usage: test_params DOCS/parameters.md        the checks (TAP)
**        test_params --write DOCS/parameters.md  regenerate the file
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tap/tap.h"
#include "model/model.h"
#include "model/param_path.h"
#include "model/param_print.h"
#include "model/params.h"
#include "model_fixture.h"

#define REGENERATE "ninja -C build parameters-md"

/* ---- the table itself ---- */

static void test_table(void)
{
    size_t bad_keys = 0, bad_defaults = 0, bad_meaning = 0;
    for (int s = 0; s < KOU_SCOPE_COUNT; s++) {
        size_t n;
        const kou_param *p = kou_params((kou_param_scope)s, &n);
        for (size_t i = 0; i < n; i++) {
            for (size_t j = 0; j < i; j++)
                if (strcmp(p[i].key, p[j].key) == 0) {
                    diag("%s: key '%s' twice", kou_param_scope_name((kou_param_scope)s), p[i].key);
                    bad_keys++;
                }
            if (p[i].scope != (kou_param_scope)s || kou_param_find((kou_param_scope)s, p[i].key) != &p[i])
                bad_keys++;
            bool numeric = p[i].kind == KOU_PARAM_NUMBER || p[i].kind == KOU_PARAM_INTEGER;
            if (numeric && !(p[i].flags & KOU_PARAM_REQUIRED) && !p[i].def_text &&
                !kou_param_in_range(&p[i].range, p[i].def)) {
                diag("%s.%s: default %g out of its range", kou_param_scope_name((kou_param_scope)s), p[i].key,
                     p[i].def);
                bad_defaults++;
            }
            if (!p[i].meaning || !*p[i].meaning || !p[i].unit || strchr(p[i].meaning, '|'))
                bad_meaning++;
        }
    }
    is_int((int64_t)bad_keys, 0, "every key once per scope, found by kou_param_find");
    is_int((int64_t)bad_defaults, 0, "every default within its range");
    is_int((int64_t)bad_meaning, 0, "every entry has a meaning (no '|': it goes into a Markdown table) and a unit");

    const kou_param *hz = kou_param_find(KOU_SCOPE_SCENARIO, "horizon_days");
    ok(hz && strcmp(hz->field, "horizon_hours") == 0 && hz->scale == 24 && strcmp(hz->unit, "d") == 0,
       "horizon_days is horizon_hours in days");
    const kou_param *sc = kou_param_find(KOU_SCOPE_PORT, "scanner");
    ok(sc && sc->kind == KOU_PARAM_RESOURCE_REF && strcmp(sc->field, "res_scanner") == 0 &&
           !(sc->flags & KOU_PARAM_REQUIRED),
       "the scanner stage is res_scanner, optional");
    const char *keys[64];
    size_t nk = kou_param_keys(KOU_SCOPE_GOODS, keys, 64);
    is_int((int64_t)nk, 9, "goods keys");
    is_string(keys[0], "name", "  the first is name");
    ok(keys[nk] == NULL, "  NULL-terminated");
    size_t ndist = 0, n;
    const kou_param *pp = kou_params(KOU_SCOPE_PORT, &n);
    for (size_t i = 0; i < n; i++)
        ndist += pp[i].kind == KOU_PARAM_DIST;
    is_int((int64_t)ndist, 13, "a port has 13 stage-time distributions, listed once");
}

/* ---- names ---- */

static void test_names(void)
{
    is_string(kou_mode_name(KOU_MODE_RAIL), "rail", "mode names");
    is_string(kou_mode_name(7), "?", "  out of range");
    is_string(kou_direction_name(KOU_EXPORT), "export", "direction names");
    is_string(kou_trader_name(KOU_TRADER_DISCREDITED), "discredited", "trader class names");
    is_string(kou_flag_names[5], "joint", "flag names: bit 5 is joint");
    ok((KOU_FLAG_DUTY >> (KOU_FLAG_COUNT - 1)) == 1, "  KOU_FLAG_COUNT covers the last flag");
    is_string(kou_milestone_name(KOU_MS_GATE_OUT), "GATE_OUT", "milestone names");
    is_string(kou_milestone_name((kou_milestone)99), "?", "  out of range");
    is_string(kou_dist_family_name(KOU_DIST_TRUNCNORMAL), "normal", "families by the author's words: normal");
    is_string(kou_dist_family_name(KOU_DIST_DETERMINISTIC), "fixed", "  fixed");
    const kou_dist_family_info *fi = kou_dist_family_find("deterministic");
    ok(fi && fi->family == KOU_DIST_DETERMINISTIC, "'deterministic' is read as fixed");
    ok(kou_dist_family_find("truncnormal") == NULL, "'truncnormal' (the kernel's word) is not a family name");
    ok(kou_dist_family_find("none") == NULL, "'none' cannot be written");
    const char *names[32];
    size_t nn = kou_dist_family_names(names, 32);
    is_int((int64_t)nn, 12, "twelve names a scenario may write");
    is_string(names[0], "fixed", "  fixed first");
    is_string(names[1], "deterministic", "  then its alias");
    fi = kou_dist_family_get(KOU_DIST_TRUNCNORMAL);
    ok(fi->nkeys == 4 && fi->nrequired == 2 && fi->defaults[2] == 0 && isinf(fi->defaults[3]),
       "normal: mean, sd required; lo = 0, hi = +infinity by default");
}

/* ---- ranges ---- */

static void test_ranges(void)
{
    char t[96];
    const kou_param_range unit = {0, 1, false, false}, nonneg = {0, INFINITY, false, false},
                          pos = {0, INFINITY, true, false}, prio = {-32768, 32767, false, true},
                          any = {-INFINITY, INFINITY, false, false}, big = {0, 1e15, false, true};
    is_string(kou_param_range_text(&unit, false, t, sizeof t), "in [0, 1]", "range text [0, 1]");
    is_string(kou_param_range_text(&unit, true, t, sizeof t), "a number in [0, 1]", "  as a noun");
    is_string(kou_param_range_text(&nonneg, false, t, sizeof t), ">= 0 and finite", "range text >= 0");
    is_string(kou_param_range_text(&pos, true, t, sizeof t), "a number > 0 and finite", "range text > 0");
    is_string(kou_param_range_text(&prio, true, t, sizeof t), "a whole number in [-32768, 32767]", "whole numbers");
    is_string(kou_param_range_text(&any, true, t, sizeof t), "a finite number", "any finite number");
    is_string(kou_param_range_text(&big, false, t, sizeof t), "a whole number in [0, 1e+15]", "a big bound");
    ok(kou_param_in_range(&unit, 0) && kou_param_in_range(&unit, 1) && !kou_param_in_range(&unit, 1.5) &&
           !kou_param_in_range(&unit, NAN),
       "in [0, 1]: 0 and 1 in, 1.5 and NaN out");
    ok(!kou_param_in_range(&nonneg, INFINITY) && !kou_param_in_range(&nonneg, -1e-300),
       ">= 0 and finite: infinity and a tiny negative out");
    ok(!kou_param_in_range(&pos, 0) && kou_param_in_range(&pos, 1e-300), "> 0: 0 out");
    ok(kou_param_in_range(&prio, -3) && !kou_param_in_range(&prio, 2.5) && !kou_param_in_range(&prio, 40000),
       "whole numbers: 2.5 and 40000 out");
    is_string(kou_number_text(0.1, t, sizeof t), "0.1", "number text 0.1");
    is_string(kou_number_text(200, t, sizeof t), "200", "  200, not 2e+02");
    is_string(kou_number_text(23.0 + 10.0 / 60.0, t, sizeof t), "23.166666666666668", "  round trip");
    is_string(kou_number_text(1.5e-7, t, sizeof t), "1.5e-07", "  small");
    is_string(kou_number_text(INFINITY, t, sizeof t), "inf", "  inf");
}

/* ---- validation messages (model.c, from the table) ---- */

static void expect_invalid(const world *w, const char *needle, const char *what)
{
    char err[512] = "";
    kou_status st = kou_model_validate(&w->model, err, sizeof err);
    is_int(st, KOU_EINVAL, "validate refuses %s", what);
    has_string(err, needle, "  with '%s'", needle);
}

static void test_validation(void)
{
    world w;
    world_init(&w, false);
    w.port.green_priority = 40000;
    expect_invalid(&w, "port 'CGO': green_priority must be a whole number in [-32768, 32767] (got 40000)",
                   "a green_priority out of the kernel's priorities");
    world_init(&w, false);
    w.model.max_in_system = UINT64_C(2000000000000000);
    expect_invalid(&w, "model: max_in_system must be a whole number in [0, 1e+15] (got 2e+15)",
                   "an absurd max_in_system");
    world_init(&w, false);
    w.port.certs_per_consignment = 150;
    expect_invalid(&w, "port 'CGO': certs_per_consignment must be in [0, 100] (got 150)", "150 certificates");
    world_init(&w, false);
    w.flow.mode = (kou_mode)7;
    expect_invalid(&w, "port 'CGO', flow 'freighter': mode must be air, rail or road (got 7)", "a bad mode");
    world_init(&w, false);
    w.port.warehouse_move = dist(KOU_DIST_TRUNCNORMAL, 1, -1, 0);
    w.port.warehouse_move.p[3] = INFINITY;
    expect_invalid(&w, "port 'CGO': warehouse_move: normal: sd must be > 0", "a normal with sd < 0, in the author's word");
    world_init(&w, false);
    w.port.gate_time = fixed(NAN);
    expect_invalid(&w, "port 'CGO': gate_time: fixed: parameter 1 must be finite (got nan)",
                   "a fixed time that is not a number, in the author's word");
    world_init(&w, false);
    w.port.gate_time = fixed(-1);
    expect_invalid(&w, "port 'CGO': gate_time: fixed: values must be >= 0", "a negative fixed time");
}

/* ---- paths, copies, values ---- */

static kou_param_ref resolve_ok(const kou_model_config *cfg, const char *path, double want)
{
    kou_param_ref ref;
    char err[512];
    kou_status st = kou_param_resolve(cfg, path, &ref, err, sizeof err);
    if (!is_int(st, KOU_OK, "%s resolves", path))
        diag("%s", err);
    else
        is_double(kou_param_get(cfg, &ref), want, 0, "  to %g", want);
    return ref;
}

static void resolve_fails(const kou_model_config *cfg, const char *path, kou_status want, const char *needle)
{
    kou_param_ref ref;
    char err[512] = "";
    kou_status st = kou_param_resolve(cfg, path, &ref, err, sizeof err);
    is_int(st, want, "%s is refused", path);
    has_string(err, needle, "  '%s'", needle);
}

static void test_resolve(void)
{
    world w;
    world_init(&w, false);
    const kou_model_config *cfg = &w.model;
    resolve_ok(cfg, "horizon_days", 28);
    resolve_ok(cfg, "warmup_days", 2);
    kou_param_ref r = resolve_ok(cfg, "max_in_system", 0);
    ok(kou_param_is_integer(&r), "  whole numbers only");
    r = resolve_ok(cfg, "ports.CGO.advance_share", 0.2);
    ok(!kou_param_is_integer(&r) && strcmp(r.unit, "share") == 0, "  a share");
    resolve_ok(cfg, "ports.CGO.green_priority", 10);
    resolve_ok(cfg, "ports.CGO.joint_inspection", 0);
    resolve_ok(cfg, "ports.CGO.inspect_prob.ordinary", 0.05);
    r = resolve_ok(cfg, "ports.CGO.resources.documents.capacity", 3);
    ok(kou_param_is_integer(&r), "  a capacity is whole");
    resolve_ok(cfg, "ports.CGO.resources.gate", 3);
    r = resolve_ok(cfg, "ports.CGO.prep_time.cv", 1);
    ok(strcmp(r.unit, "") == 0, "  a cv has no unit");
    r = resolve_ok(cfg, "ports.CGO.prep_time.mean", 6);
    ok(strcmp(r.unit, "h") == 0, "  a mean time is in hours");
    resolve_ok(cfg, "ports.CGO.gate_time", 0.1);
    resolve_ok(cfg, "ports.CGO.inspect_time.mode", 2);
    resolve_ok(cfg, "ports.CGO.flows.freighter.delay.mean", 1);
    resolve_ok(cfg, "ports.CGO.flows.freighter.trader_share.aeo_general", 0.2);
    resolve_ok(cfg, "ports.CGO.flows.freighter.goods_window_hours", 0);
    resolve_ok(cfg, "ports.CGO.flows.freighter.goods.fresh.lab_prob", 0.1);
    resolve_ok(cfg, "ports.CGO.flows.freighter.goods.minerals.lab_time.max", 300);

    resolve_fails(cfg, "ports.CGO.advence_share", KOU_ENOENT,
                  "ports.CGO.advence_share: unknown key (did you mean 'advance_share'?)");
    resolve_fails(cfg, "ports.CGX.advance_share", KOU_ENOENT, "ports.CGX: no entry named 'CGX' (did you mean 'CGO'?)");
    resolve_fails(cfg, "ports.CGO.flows.freighter.goods.fersh.lab_prob", KOU_ENOENT, "did you mean 'fresh'?");
    resolve_fails(cfg, "ports.CGO.resources.documnets", KOU_ENOENT,
                  "no resource named 'documnets' (did you mean 'documents'?)");
    resolve_fails(cfg, "ports.CGO.inspect_prob.ordnary", KOU_ENOENT, "did you mean 'ordinary'?");
    resolve_fails(cfg, "ports.CGO.prep_time.sd", KOU_ENOENT, "no parameter named 'sd' (known: mean, cv)");
    resolve_fails(cfg, "ports.CGO.doc_check", KOU_EINVAL, "ports.CGO.doc_check is a distribution (exponential): give one of its parameters (ports.CGO.doc_check.mean)");
    resolve_fails(cfg, "ports.CGO.mode", KOU_EINVAL, "ports.CGO.mode is a choice, not a number");
    resolve_fails(cfg, "ports.CGO.scanner", KOU_EINVAL, "is a resource name or false, not a number");
    resolve_fails(cfg, "start_date", KOU_EINVAL, "start_date is a date, not a number");
    resolve_fails(cfg, "ports.CGO", KOU_EINVAL, "give one of its keys");
    resolve_fails(cfg, "ports.CGO.advance_share.x", KOU_EINVAL, "is a number, with nothing below it");
    resolve_fails(cfg, "ports..x", KOU_EINVAL, "empty key");
    resolve_fails(cfg, "ports.CGO.flows.freighter.timetable", KOU_EINVAL, "is a timetable, not a number");

    world_init(&w, true);
    resolve_fails(&w.model, "ports.CGO.resources.documents", KOU_EINVAL, "opening hours");
}

static void test_apply(void)
{
    world w;
    world_init(&w, true);
    static const double x[] = {1, 2, 5}, wt[] = {0.5, 0.3, 0.2};
    w.port.pickup_delay = (kou_dist_spec){.family = KOU_DIST_DISCRETE, .x = x, .w = wt, .n = 3};
    kou_model_config *copy = kou_model_config_copy(&w.model);
    char err[512];
    is_int(kou_model_validate(copy, err, sizeof err), KOU_OK, "a copy validates (%s)", err);
    ok(copy->ports != w.model.ports && copy->ports[0].flows != w.model.ports[0].flows &&
           copy->ports[0].resources[1].hours != w.model.ports[0].resources[1].hours &&
           copy->ports[0].pickup_delay.x != x && copy->ports[0].flows[0].goods != w.goods &&
           copy->ports[0].name != w.port.name,
       "a copy owns every array and string");
    ok(copy->ports[0].pickup_delay.x[2] == 5 && strcmp(copy->ports[0].flows[0].goods[2].name, "minerals") == 0 &&
           copy->ports[0].resources[1].hours[1].end_h == 17.5 && copy->ports[0].flows[0].timetable[19] == w.timetable[19],
       "  with the same values");

    kou_param_ref ref;
    kou_param_resolve(copy, "ports.CGO.advance_share", &ref, err, sizeof err);
    is_int(kou_param_apply(copy, &ref, 1.5, err, sizeof err), KOU_EINVAL, "1.5 is refused");
    is_string(err, "ports.CGO.advance_share must be a number in [0, 1] (got 1.5)", "  with the conversion's text");
    is_int(kou_param_apply(copy, &ref, 0.6, err, sizeof err), KOU_OK, "0.6 is applied");
    ok(copy->ports[0].advance_share == 0.6 && w.port.advance_share == 0.2, "  to the copy only");
    kou_param_resolve(copy, "horizon_days", &ref, err, sizeof err);
    kou_param_apply(copy, &ref, 10, err, sizeof err);
    is_double(copy->horizon_hours, 240, 0, "horizon_days = 10: 240 hours");
    kou_param_resolve(copy, "ports.CGO.flows.freighter.consignments_per_unit.max", &ref, err, sizeof err);
    kou_param_apply(copy, &ref, 5.5, err, sizeof err);
    is_double(copy->ports[0].flows[0].consignments_per_unit.p[1], 5.5, 0, "a distribution parameter by its key");
    kou_param_resolve(copy, "ports.CGO.resources.handling.capacity", &ref, err, sizeof err);
    is_int(kou_param_apply(copy, &ref, 2.5, err, sizeof err), KOU_EINVAL, "a capacity of 2.5 is refused");
    has_string(err, "must be a whole number in [1, 1000000] (got 2.5)", "  whole numbers only");
    kou_param_apply(copy, &ref, 9, err, sizeof err);
    is_int(copy->ports[0].resources[0].capacity, 9, "a capacity of 9");
    kou_param_resolve(copy, "ports.CGO.flows.freighter.goods.fresh.green_channel", &ref, err, sizeof err);
    kou_param_apply(copy, &ref, 0, err, sizeof err);
    ok(!copy->ports[0].flows[0].goods[1].green_channel && w.goods[1].green_channel, "a boolean set to 0");
    is_int(kou_model_validate(copy, err, sizeof err), KOU_OK, "the changed copy validates (%s)", err);
    kou_model_config_free(copy);

    world_init(&w, false);
    w.port.border_time = none();
    copy = kou_model_config_copy(&w.model);
    kou_param_resolve(copy, "ports.CGO.border_time", &ref, err, sizeof err);
    is_double(kou_param_get(copy, &ref), 0, 0, "no time reads as 0");
    kou_param_apply(copy, &ref, 12, err, sizeof err);
    ok(copy->ports[0].border_time.family == KOU_DIST_DETERMINISTIC && copy->ports[0].border_time.p[0] == 12,
       "a number where there was no time: a fixed time, as --set makes it");
    kou_model_config_free(copy);
    kou_model_config_free(NULL);
}

/* ---- rows ---- */

typedef struct rows {
    size_t n, numeric, resolved, bad;
    char first[128];
} rows;

static const kou_model_config *rows_cfg;

static void check_row(void *ctx, const kou_param_row *r)
{
    rows *c = ctx;
    if (c->n++ == 0)
        snprintf(c->first, sizeof c->first, "%s = %s", r->path, r->text);
    if (isnan(r->value))
        return;
    c->numeric++;
    kou_param_ref ref;
    char err[512];
    if (kou_param_resolve(rows_cfg, r->path, &ref, err, sizeof err) == KOU_OK &&
        kou_param_get(rows_cfg, &ref) == r->value)
        c->resolved++;
    else if (c->bad++ < 3)
        diag("%s: %s", r->path, err);
}

static void test_rows(void)
{
    world w;
    world_init(&w, false);
    w.model.start_date = 20170102;
    rows c = {0};
    rows_cfg = &w.model;
    kou_params_visit(&w.model, check_row, &c);
    ok(c.n > 60, "the fixture gives %zu rows", c.n);
    is_string(c.first, "start_date = 2017-01-02", "  start_date first");
    ok(c.numeric > 30 && c.resolved == c.numeric,
       "every numeric row's path resolves to the row's value (%zu of %zu)", c.resolved, c.numeric);

    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    kou_params_dump(m, &w.model);
    fclose(m);
    const char *want[] = {
        "horizon_days = 28 [d]\n",
        "ports.CGO.mode = air\n",
        "ports.CGO.resources.documents.capacity = 3 [count]\n",
        "ports.CGO.border_inspection = border\n",
        "ports.CGO.prep_time = {\"lognormal\", mean = 6, cv = 1} [h]\n",
        "ports.CGO.inspect_time = {\"triangular\", min = 1, mode = 2, max = 4} [h]\n",
        "ports.CGO.gate_time = {\"fixed\", value = 0.1} [h]\n",
        "ports.CGO.inspect_prob.discredited = 0.8 [share]\n",
        "ports.CGO.joint_inspection = false\n",
        "ports.CGO.green_priority = 10 [priority]\n",
        "ports.CGO.flows.freighter.direction = import\n",
        "ports.CGO.flows.freighter.timetable = Mon 02:00, ",
        "ports.CGO.flows.freighter.goods.fresh.green_channel = true\n",
        "ports.CGO.flows.freighter.goods.minerals.lab_time = {\"uniform\", min = 100, max = 300} [h]\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        has_string(text, want[i], "--dump: %.*s", (int)strcspn(want[i], "\n"), want[i]);
    free(text);

    world_init(&w, true);
    text = NULL;
    m = open_memstream(&text, &len);
    kou_params_dump(m, &w.model);
    fclose(m);
    has_string(text,
               "ports.CGO.resources.documents = {hours = {{days = \"Mon,Tue,Wed,Thu,Fri\", from = \"08:30\", "
               "to = \"12:00\", capacity = 6}, {days = \"Mon,Tue,Wed,Thu,Fri\", from = \"13:30\", to = \"17:30\", "
               "capacity = 6}}}\n",
               "--dump: a calendar as a scenario writes it");
    free(text);
}

/* ---- docs/parameters.md ---- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *s = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len + 4096 > cap) {
            cap = 2 * (*len + 4096);
            s = realloc(s, cap);
            if (!s)
                bail("out of memory");
        }
        size_t n = fread(s + *len, 1, cap - *len, f);
        *len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    return s;
}

static void test_docs(const char *path)
{
    char *gen = NULL;
    size_t glen = 0, flen = 0;
    FILE *m = open_memstream(&gen, &glen);
    kou_params_markdown(m);
    fclose(m);
    char *file = read_file(path, &flen);
    ok(file != NULL, "%s can be read", path);
    bool same = file && flen == glen && memcmp(file, gen, glen) == 0;
    if (!ok(same, "docs/parameters.md is what the parameter table generates"))
        diag("the committed copy is stale: regenerate it with `%s` and commit it", REGENERATE);
    has_string(gen, "| `advance_share` | number | in [0, 1] | share | 0 |", "the table lists advance_share");
    has_string(gen, "`\"normal\"`", "and the families by the names authors write");
    free(file);
    free(gen);
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        FILE *f = fopen(argv[2], "w");
        if (f == NULL) {
            perror(argv[2]);
            return 1;
        }
        kou_params_markdown(f);
        return fclose(f) == 0 ? 0 : 1;
    }
    if (argc != 2)
        bail("usage: test_params DOCS/parameters.md | --write DOCS/parameters.md");
    test_table();
    test_names();
    test_ranges();
    test_validation();
    test_resolve();
    test_apply();
    test_rows();
    test_docs(argv[1]);
    return tap_done();
}
