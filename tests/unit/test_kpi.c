/*
** KPIs: hand-made records with known milestone times against values
** computed by hand (quantiles, the three clocks with an advance-declared
** record, shares, rates, groups), the summary over three fake
** replications against a t-interval computed by hand, the printed table,
** then real model runs: counts match the model's totals, resource reports
** match independent computations, and 7x24 documents shorten the customs
** clock.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/kpi.h"
#include "model/model.h"
#include "../tap/tap.h"
#include "model_fixture.h"

/* ---- a configuration only for the groups: two ports, three flows ---- */

typedef struct cfg2 {
    kou_flow_config cgo_flows[3], zz_flows[1];
    kou_port_config ports[2];
    kou_model_config model;
} cfg2;

static void cfg2_init(cfg2 *c)
{
    memset(c, 0, sizeof *c);
    c->cgo_flows[0] = (kou_flow_config){.name = "freighter", .mode = KOU_MODE_AIR, .direction = KOU_IMPORT};
    c->cgo_flows[1] = (kou_flow_config){.name = "belly", .mode = KOU_MODE_AIR, .direction = KOU_IMPORT};
    c->cgo_flows[2] = (kou_flow_config){.name = "freighter out", .mode = KOU_MODE_AIR, .direction = KOU_EXPORT};
    c->zz_flows[0] = (kou_flow_config){.name = "block train", .mode = KOU_MODE_RAIL, .direction = KOU_IMPORT};
    c->ports[0] = (kou_port_config){.name = "CGO", .mode = KOU_MODE_AIR, .flows = c->cgo_flows, .nflows = 3};
    c->ports[1] = (kou_port_config){.name = "ZZ rail", .mode = KOU_MODE_RAIL, .flows = c->zz_flows, .nflows = 1};
    c->model.ports = c->ports;
    c->model.nports = 2;
}

enum { G_CGO_IMP, G_CGO_EXP, G_ZZ_IMP, G_ALL_IMP, G_ALL_EXP, NGROUPS };

static kou_consignment_record rec(uint16_t port, kou_mode mode, kou_direction dir, double arr, double dec,
                                  double rel, double out, uint32_t flags, double cost)
{
    kou_consignment_record r;
    memset(&r, 0, sizeof r);
    for (int m = 0; m < KOU_MS_COUNT; m++)
        r.t[m] = NAN;
    r.port = port;
    r.mode = (uint8_t)mode;
    r.direction = (uint8_t)dir;
    r.flags = flags;
    r.t[KOU_MS_ARRIVAL] = arr;
    r.t[KOU_MS_DECLARED] = dec;
    r.t[KOU_MS_RELEASED] = rel;
    r.t[KOU_MS_GATE_OUT] = out;
    r.cost = cost;
    return r;
}

/* Tolerance for a quantile whose exact value is x: the sketch's bound. */
static double qe(double x)
{
    return KOU_KPI_QUANTILE_REL_ERROR * fabs(x);
}

/* The hand-made replication (see test_groups_and_values for the numbers). */
static void feed_handmade(kou_kpi *k)
{
    const uint32_t I = KOU_FLAG_INSPECTED, S = KOU_FLAG_SCANNED, M = KOU_FLAG_MANUAL;
    kou_consignment_record r[] = {
        /* CGO air import: overall 1, 2, 3, 4, 10 */
        rec(0, KOU_MODE_AIR, KOU_IMPORT, 100, 100.5, 101, 105, 0, 100),
        rec(0, KOU_MODE_AIR, KOU_IMPORT, 100, 98, 102, 110, KOU_FLAG_ADVANCE, 200), /* declared in advance */
        rec(0, KOU_MODE_AIR, KOU_IMPORT, 200, 201, 203, 206, I | S | KOU_FLAG_SCAN_CLEARED, 350),
        rec(0, KOU_MODE_AIR, KOU_IMPORT, 200, 202, 204, 204.5, 0, 100),
        rec(0, KOU_MODE_AIR, KOU_IMPORT, 300, 306, 310, 320, I | S | M, 950),
        /* CGO air export: overall 1.5, 28 */
        rec(0, KOU_MODE_AIR, KOU_EXPORT, 50, 50, 51.5, 60, 0, 10),
        rec(0, KOU_MODE_AIR, KOU_EXPORT, 52, 55, 80, 90, I | M, 30),
        /* ZZ rail import: overall 30 */
        rec(1, KOU_MODE_RAIL, KOU_IMPORT, 0, 10, 30, 40, 0, 500),
    };
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++)
        kou_kpi_observe(k, &r[i]);
}

static void test_groups_and_values(void)
{
    cfg2 c;
    cfg2_init(&c);
    kou_kpi *k = kou_kpi_new(&c.model);
    /* Two import flows of CGO make one group. */
    is_int((int64_t)kou_kpi_groups(k), NGROUPS, "groups: CGO import, CGO export, ZZ import, all import, all export");
    kou_kpi_group g0 = kou_kpi_group_info(k, G_CGO_IMP), g2 = kou_kpi_group_info(k, G_ZZ_IMP),
                  g3 = kou_kpi_group_info(k, G_ALL_IMP), g4 = kou_kpi_group_info(k, G_ALL_EXP);
    ok(strcmp(g0.port, "CGO") == 0 && g0.port_index == 0 && g0.mode == KOU_MODE_AIR && g0.direction == KOU_IMPORT,
       "group 0 is CGO, air, import");
    ok(strcmp(g2.port, "ZZ rail") == 0 && g2.port_index == 1 && g2.mode == KOU_MODE_RAIL,
       "group 2 is ZZ rail, rail, import");
    ok(g3.port_index == -1 && g3.mode == -1 && g3.direction == KOU_IMPORT && g4.direction == KOU_EXPORT,
       "then the all-ports groups, import and export");
    ok(isnan(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_OVERALL_MEAN)) && kou_kpi_get(k, G_CGO_IMP, KOU_KPI_COUNT) == 0 &&
           isnan(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_OVERALL_P90)) &&
           isnan(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_WITHIN_6H)),
       "empty group: count 0, means, quantiles and shares undefined (NaN)");

    feed_handmade(k);
    const double e = 1e-12;
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_COUNT), 5, 0, "CGO import: 5 consignments");
    is_double(kou_kpi_get(k, G_CGO_EXP, KOU_KPI_COUNT), 2, 0, "CGO export: 2");
    is_double(kou_kpi_get(k, G_ZZ_IMP, KOU_KPI_COUNT), 1, 0, "ZZ rail import: 1");
    is_double(kou_kpi_get(k, G_ALL_IMP, KOU_KPI_COUNT), 6, 0, "all ports import: 6 (both ports)");
    is_double(kou_kpi_get(k, G_ALL_EXP, KOU_KPI_COUNT), 2, 0, "all ports export: 2");

    /* overall {1, 2, 3, 4, 10}: mean 4, median 3; p90 at h = 0.9 * 4 = 3.6:
    ** 4 + 0.6 (10 - 4) = 7.6; p95 at h = 3.8: 4 + 0.8 * 6 = 8.8. Quantiles
    ** come from the sketch: within its bound (kpi.h), not exact. */
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_OVERALL_MEAN), 4.0, e, "CGO import: overall mean 4 h");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_OVERALL_MEDIAN), 3.0, qe(3.0), "median 3 h (within 0.1 %%)");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_OVERALL_P90), 7.6, qe(7.6), "p90 7.6 h (within 0.1 %%)");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_OVERALL_P95), 8.8, qe(8.8), "p95 8.8 h (within 0.1 %%)");
    /* preparation 0.5, 0 (advance), 1, 2, 6; customs 0.5, 2 (from arrival,
    ** not from the declaration at 98), 2, 2, 4. */
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_PREP_MEAN), 9.5 / 5, e,
              "preparation mean 1.9 h (advance-declared counts 0)");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_CUSTOMS_MEAN), 10.5 / 5, e,
              "customs mean 2.1 h (advance-declared counts from arrival)");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_PREP_MEAN) + kou_kpi_get(k, G_CGO_IMP, KOU_KPI_CUSTOMS_MEAN),
              kou_kpi_get(k, G_CGO_IMP, KOU_KPI_OVERALL_MEAN), e, "preparation + customs = overall");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_LOGISTICS_MEAN), 25.5 / 5, e, "port logistics mean 5.1 h");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_DWELL_MEAN), 45.5 / 5, e, "total dwell mean 9.1 h");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_WITHIN_1H), 0.2, e, "released within 1 h: 1 of 5 (1 h counts)");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_WITHIN_6H), 0.8, e, "within 6 h: 4 of 5");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_WITHIN_24H), 1.0, e, "within 24 h: 5 of 5");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_INSPECTION_RATE), 0.4, e, "inspection rate 2 of 5");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_SCAN_RATE), 0.4, e, "scan rate 2 of 5");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_MANUAL_RATE), 0.2, e, "manual rate 1 of 5");
    is_double(kou_kpi_get(k, G_CGO_IMP, KOU_KPI_COST_MEAN), 340, e, "cost mean 1700 / 5 = 340 CNY");

    /* Groups kept apart. */
    is_double(kou_kpi_get(k, G_CGO_EXP, KOU_KPI_OVERALL_MEAN), 14.75, e, "CGO export: mean (1.5 + 28) / 2");
    /* The median of two is the mean of the smallest and the largest, both exact. */
    is_double(kou_kpi_get(k, G_CGO_EXP, KOU_KPI_OVERALL_MEDIAN), 14.75, e, "CGO export: median of two");
    is_double(kou_kpi_get(k, G_CGO_EXP, KOU_KPI_WITHIN_24H), 0.5, e, "CGO export: within 24 h 1 of 2");
    is_double(kou_kpi_get(k, G_CGO_EXP, KOU_KPI_INSPECTION_RATE), 0.5, e, "CGO export: inspection rate 1 of 2");
    is_double(kou_kpi_get(k, G_ZZ_IMP, KOU_KPI_OVERALL_MEAN), 30, e, "ZZ rail import: 30 h");
    is_double(kou_kpi_get(k, G_ZZ_IMP, KOU_KPI_PREP_MEAN), 10, e, "ZZ rail import: preparation 10 h");
    /* All ports, import: {1, 2, 3, 4, 10, 30}: mean 50/6, median 3.5, p90 at
    ** h = 4.5: 10 + 0.5 * 20 = 20. */
    is_double(kou_kpi_get(k, G_ALL_IMP, KOU_KPI_OVERALL_MEAN), 50.0 / 6, e, "all ports import: mean 50/6 h");
    is_double(kou_kpi_get(k, G_ALL_IMP, KOU_KPI_OVERALL_MEDIAN), 3.5, qe(3.5),
              "all ports import: median 3.5 h (within 0.1 %%)");
    is_double(kou_kpi_get(k, G_ALL_IMP, KOU_KPI_OVERALL_P90), 20, qe(20), "all ports import: p90 20 h (within 0.1 %%)");
    is_double(kou_kpi_get(k, G_ALL_IMP, KOU_KPI_COST_MEAN), 2200.0 / 6, e, "all ports import: cost");
    is_double(kou_kpi_get(k, G_ALL_EXP, KOU_KPI_OVERALL_MEAN), 14.75, e, "all ports export = CGO export");

    /* A record missing its gate-out still counts, without the clocks that need it. */
    kou_consignment_record r = rec(1, KOU_MODE_RAIL, KOU_IMPORT, 0, 2, 6, NAN, 0, 0);
    kou_kpi_observe(k, &r);
    is_double(kou_kpi_get(k, G_ZZ_IMP, KOU_KPI_COUNT), 2, 0, "missing GATE_OUT: counted");
    is_double(kou_kpi_get(k, G_ZZ_IMP, KOU_KPI_LOGISTICS_MEAN), 10, e, "missing GATE_OUT: left out of logistics");
    is_double(kou_kpi_get(k, G_ZZ_IMP, KOU_KPI_OVERALL_MEAN), 18, e, "missing GATE_OUT: in the overall time");
    is_string(kou_kpi_metric_name(KOU_KPI_WITHIN_24H), "within_24h", "metric names");
    is_string(kou_kpi_res_metric_name(KOU_KPI_RES_UTILISATION), "utilisation", "resource metric names");
    kou_kpi_free(k);
}

/* ---- the summary ---- */

/* Shows a printed table in the TAP log, one diagnostic line per line. */
static void diag_text(const char *what, const char *text)
{
    diag("%s:", what);
    for (const char *p = text; *p;) {
        size_t n = strcspn(p, "\n");
        diag("%.*s", (int)n, p);
        p += n;
        if (*p == '\n')
            p++;
    }
}

static char *line_with(const char *text, const char *label)
{
    static char line[512];
    const char *p = strstr(text, label);
    if (!p)
        return strcpy(line, "(no such line)");
    while (p > text && p[-1] != '\n')
        p--;
    size_t n = strcspn(p, "\n");
    if (n >= sizeof line)
        n = sizeof line - 1;
    memcpy(line, p, n);
    line[n] = 0;
    return line;
}

static void test_summary(void)
{
    cfg2 c;
    cfg2_init(&c);
    kou_kpi_summary *s = kou_kpi_summary_new();
    /* Three replications, one CGO import consignment each: overall 2, 4,
    ** 9; mean 5, sd sqrt(((-3)^2 + (-1)^2 + 4^2) / 2) = sqrt(13),
    ** half-width t_{0.975,2} sqrt(13) / sqrt(3). */
    const double overall[3] = {2, 4, 9};
    for (int i = 0; i < 3; i++) {
        kou_kpi *k = kou_kpi_new(&c.model);
        kou_consignment_record r = rec(0, KOU_MODE_AIR, KOU_IMPORT, 10, 10, 10 + overall[i], 20, 0, 100.0 * (i + 1));
        kou_kpi_observe(k, &r);
        if (i == 0) { /* ZZ rail has a consignment in the first replication only */
            r = rec(1, KOU_MODE_RAIL, KOU_IMPORT, 0, 10, 30, 40, 0, 500);
            kou_kpi_observe(k, &r);
        }
        kou_resource_report rr = {.port = 1, .name = "border station", .capacity_mean = 2 + i,
                                  .utilisation = 0.5, .mean_queue = 1, .mean_wait = 0.25, .served = 10};
        kou_kpi_resource(k, &rr);
        kou_kpi_summary_add(s, k);
        kou_kpi_free(k); /* the summary keeps what it needs */
    }
    is_int((int64_t)kou_kpi_summary_replications(s), 3, "3 replications");
    is_int((int64_t)kou_kpi_summary_groups(s), NGROUPS, "summary groups: those of the configuration");
    double half = 4.302653 * sqrt(13.0) / sqrt(3.0);
    kou_kpi_value v = kou_kpi_summary_get(s, G_CGO_IMP, KOU_KPI_OVERALL_MEAN);
    is_double(v.mean, 5.0, 1e-12, "overall mean over replications: 5 h");
    is_double(v.half, half, 1e-5, "half-width t_{0.975,2} sd / sqrt(3) = %.5f h", half);
    is_int((int64_t)v.n, 3, "over 3 values");
    v = kou_kpi_summary_get(s, G_CGO_IMP, KOU_KPI_COST_MEAN);
    is_double(v.mean, 200, 1e-12, "cost: mean of 100, 200, 300");
    is_double(v.half, 4.302653 * 100 / sqrt(3.0), 1e-3, "cost: half-width t sd / sqrt(3), sd 100");
    v = kou_kpi_summary_get(s, G_CGO_IMP, KOU_KPI_WITHIN_6H);
    is_double(v.mean, 2.0 / 3, 1e-12, "within 6 h: 1, 1, 0 -> 2/3");
    v = kou_kpi_summary_get(s, G_CGO_EXP, KOU_KPI_OVERALL_MEAN);
    ok(isnan(v.mean) && isnan(v.half) && v.n == 0, "group without consignments: undefined mean, n = 0");
    v = kou_kpi_summary_get(s, G_CGO_EXP, KOU_KPI_COUNT);
    ok(v.mean == 0 && v.half == 0 && v.n == 3, "group without consignments: count 0 +- 0");
    v = kou_kpi_summary_get(s, G_ZZ_IMP, KOU_KPI_OVERALL_MEAN);
    ok(v.mean == 30 && isnan(v.half) && v.n == 1, "defined in one replication of three: n = 1, no half-width");
    v = kou_kpi_summary_get(s, G_ZZ_IMP, KOU_KPI_COUNT);
    ok(fabs(v.mean - 1.0 / 3) < 1e-12 && v.n == 3, "its count: 1, 0, 0 -> 1/3");
    is_int((int64_t)kou_kpi_summary_resources(s), 1, "one resource");
    kou_kpi_resource_id id = kou_kpi_summary_resource(s, 0);
    ok(strcmp(id.port, "ZZ rail") == 0 && id.port_index == 1 && strcmp(id.name, "border station") == 0,
       "resource: ZZ rail, border station");
    v = kou_kpi_summary_resource_get(s, 0, KOU_KPI_RES_CAPACITY);
    is_double(v.mean, 3, 1e-12, "resource capacity: mean of 2, 3, 4");
    is_double(v.half, 4.302653 / sqrt(3.0), 1e-5, "resource capacity: half-width (sd 1)");

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = kou_kpi_summary_print(s, f, "2017 baseline");
    fclose(f);
    is_int(rc, 0, "print: returns 0");
    has_string(buf, "== 2017 baseline ==", "print: title");
    has_string(buf, "3 replications", "print: says how many replications");
    has_string(buf, "CGO, air, import", "print: a block per port, mode, direction");
    has_string(buf, "all ports, import", "print: all-ports block");
    char want[64];
    snprintf(want, sizeof want, "5.00 ± %.2f", half);
    has_string(line_with(buf, "overall clearance time, mean"), want, "print: mean ± half-width (%s)", want);
    has_string(line_with(buf, "overall clearance time, mean"), " h", "print: in hours");
    has_string(line_with(buf, "released within 6 h"), "66.67 ±", "print: shares in %%");
    has_string(line_with(buf, "released within 6 h"), "%", "print: %% sign on shares");
    has_string(line_with(buf, "cost per consignment"), "200.00 ± 248.41", "print: cost");
    has_string(line_with(buf, "border station"), "3.00 ± 2.48", "print: resource capacity");
    has_string(line_with(buf, "border station"), "50.00 ± 0.00", "print: utilisation in %%");
    has_string(buf, "  ZZ rail  border station", "print: resource row names port and resource");
    /* CGO export has no consignments in any replication. */
    const char *exp_block = strstr(buf, "CGO, air, export");
    ok(exp_block && strncmp(exp_block, "CGO, air, export\n  no consignments reported\n", 44) == 0,
       "print: a group without consignments is one line");
    const char *zz_block = strstr(buf, "ZZ rail, rail, import");
    ok(zz_block && strstr(line_with(zz_block, "overall clearance time, mean"), "30.00 ± -"),
       "print: '-' for an undefined half-width");
    diag_text("printed table (3 replications)", buf);
    free(buf);
    kou_kpi_summary_free(s);

    /* One replication: no ±. */
    s = kou_kpi_summary_new();
    kou_kpi *k = kou_kpi_new(&c.model);
    feed_handmade(k);
    kou_kpi_summary_add(s, k);
    kou_kpi_free(k);
    v = kou_kpi_summary_get(s, G_CGO_IMP, KOU_KPI_OVERALL_P90);
    ok(fabs(v.mean - 7.6) <= qe(7.6) && isnan(v.half) && v.n == 1,
       "one replication: the value (within 0.1 %%), no half-width");
    buf = NULL;
    f = open_memstream(&buf, &len);
    kou_kpi_summary_print(s, f, NULL);
    fclose(f);
    ok(strstr(buf, "±") == NULL, "one replication: no ± printed");
    has_string(buf, "1 replication (no confidence interval)", "one replication: said so");
    char *l = line_with(buf, "overall clearance time, p90");
    has_string(l, "7.60 h", "one replication: p90 7.60 h (%s)", l);
    has_string(line_with(buf, "consignments"), " 5", "one replication: count printed whole");
    has_string(line_with(buf, "inspection rate"), "40.00 %", "one replication: inspection rate 40.00 %%");
    has_string(line_with(buf, "  customs (decl.->release)"), "2.10 h", "one replication: customs clock 2.10 h");
    free(buf);
    kou_kpi_summary_free(s);
}

/* ---- real model runs ---- */

static kou_kpi *run_kpi(const world *w, uint64_t seed, kou_model_totals *tot)
{
    char err[512];
    kou_kpi *k = kou_kpi_new(&w->model);
    kou_model_observer obs = {.ctx = k, .consignment_done = kou_kpi_observe, .resource_done = kou_kpi_resource};
    kou_status st = kou_model_run(&w->model, seed, 20170102, &obs, tot, err, sizeof err);
    if (st != KOU_OK)
        bail("model run failed: %s", err);
    return k;
}

/* Office hours (08:30-12:00, 13:30-17:30 on weekdays) in [0, t1]; hour 0
** is Monday 2017-01-02. Written out here, not read from the fixture, so
** the check is independent of it. */
static double office_open_hours(double t1)
{
    static const double window[2][2] = {{8.5, 12.0}, {13.5, 17.5}};
    double open = 0.0;
    for (int day = 0; 24.0 * day < t1; day++) {
        if (day % 7 >= 5)
            continue;
        for (int i = 0; i < 2; i++) {
            double a = 24.0 * day + window[i][0], b = 24.0 * day + window[i][1];
            if (b > t1)
                b = t1;
            if (b > a)
                open += b - a;
        }
    }
    return open;
}

static void test_model_run(void)
{
    world w;
    world_init(&w, true);
    kou_model_totals tot;
    kou_kpi *k = run_kpi(&w, 7, &tot);
    is_int((int64_t)kou_kpi_groups(k), 2, "model run: one port group and the all-ports import group");
    ok(tot.reported > 500, "model run: %llu consignments reported", (unsigned long long)tot.reported);
    is_double(kou_kpi_get(k, 0, KOU_KPI_COUNT), (double)tot.reported, 0, "port group count = totals.reported");
    is_double(kou_kpi_get(k, 1, KOU_KPI_COUNT), (double)tot.reported, 0, "all-ports count = totals.reported");
    double overall = kou_kpi_get(k, 0, KOU_KPI_OVERALL_MEAN);
    is_double(kou_kpi_get(k, 0, KOU_KPI_PREP_MEAN) + kou_kpi_get(k, 0, KOU_KPI_CUSTOMS_MEAN), overall,
              1e-9 * overall, "preparation + customs = overall clearance time (%.2f h)", overall);
    is_double(overall + kou_kpi_get(k, 0, KOU_KPI_LOGISTICS_MEAN), kou_kpi_get(k, 0, KOU_KPI_DWELL_MEAN),
              1e-9 * overall, "overall + port logistics = total dwell");
    ok(kou_kpi_get(k, 0, KOU_KPI_OVERALL_MEDIAN) <= kou_kpi_get(k, 0, KOU_KPI_OVERALL_P90) &&
           kou_kpi_get(k, 0, KOU_KPI_OVERALL_P90) <= kou_kpi_get(k, 0, KOU_KPI_OVERALL_P95),
       "median <= p90 <= p95");
    ok(kou_kpi_get(k, 0, KOU_KPI_WITHIN_1H) <= kou_kpi_get(k, 0, KOU_KPI_WITHIN_6H) &&
           kou_kpi_get(k, 0, KOU_KPI_WITHIN_6H) <= kou_kpi_get(k, 0, KOU_KPI_WITHIN_24H),
       "within 1 h <= within 6 h <= within 24 h");
    double insp = kou_kpi_get(k, 0, KOU_KPI_INSPECTION_RATE);
    ok(insp > 0 && insp < 0.2, "inspection rate plausible (%.2f %%)", 100 * insp);
    ok(kou_kpi_get(k, 0, KOU_KPI_SCAN_RATE) + kou_kpi_get(k, 0, KOU_KPI_MANUAL_RATE) >= insp - 1e-12,
       "scan + manual rates cover the inspections");

    is_int((int64_t)kou_kpi_resources(k), 7, "one report per resource");
    bool in01 = true, names = true;
    for (size_t i = 0; i < kou_kpi_resources(k); i++) {
        const kou_resource_report *r = kou_kpi_resource_at(k, i);
        in01 = in01 && r->utilisation >= 0 && r->utilisation <= 1;
        names = names && r->port == 0 && strcmp(r->name, w.res[i].name) == 0;
        diag("%-10s capacity %.3f utilisation %.4f queue %.4f wait %.4f served %llu", r->name, r->capacity_mean,
             r->utilisation, r->mean_queue, r->mean_wait, (unsigned long long)r->served);
    }
    ok(in01, "every utilisation in [0, 1]");
    ok(names, "reports in resource order, named as configured");
    const kou_resource_report *h = kou_kpi_resource_at(k, R_HANDLING), *d = kou_kpi_resource_at(k, R_DOCS);
    is_double(h->capacity_mean, 4, 1e-12, "fixed capacity: mean capacity 4");
    double window = tot.end_time - w.model.warmup_hours;
    double want = 6 * (office_open_hours(tot.end_time) - office_open_hours(w.model.warmup_hours)) / window;
    is_double(d->capacity_mean, want, 1e-9, "office hours: mean capacity 6 x open share of the window (%.4f)", want);
    ok(h->served > 0 && h->served < tot.units, "warm-up: handling counts only services after it (%llu of %llu units)",
       (unsigned long long)h->served, (unsigned long long)tot.units);
    ok(d->mean_wait > 0 && d->mean_queue > 0, "office hours: documents wait and queue");

    /* Same run, documents 7x24: the customs clock shrinks, preparation does not move. */
    world w24;
    world_init(&w24, false);
    kou_model_totals tot24;
    kou_kpi *k24 = run_kpi(&w24, 7, &tot24);
    double c_off = kou_kpi_get(k, 0, KOU_KPI_CUSTOMS_MEAN), c_24 = kou_kpi_get(k24, 0, KOU_KPI_CUSTOMS_MEAN);
    ok(c_24 < c_off, "7x24 documents: customs clock shorter (%.2f h vs %.2f h office hours)", c_24, c_off);
    is_double(kou_kpi_get(k24, 0, KOU_KPI_PREP_MEAN), kou_kpi_get(k, 0, KOU_KPI_PREP_MEAN), 1e-9,
              "7x24 documents: same preparation clock (common random numbers)");
    ok(kou_kpi_resource_at(k24, R_DOCS)->utilisation < 1, "7x24: utilisation of documents below 1");
    ok(kou_kpi_resource_at(k24, R_DOCS)->mean_wait < d->mean_wait, "7x24: documents wait less");

    /* Across replications. */
    kou_kpi_summary *s = kou_kpi_summary_new();
    kou_kpi_summary_add(s, k);
    kou_kpi *k2 = run_kpi(&w, 8, NULL);
    kou_kpi_summary_add(s, k2);
    kou_kpi_value v = kou_kpi_summary_get(s, 0, KOU_KPI_OVERALL_MEAN);
    is_double(v.mean, (overall + kou_kpi_get(k2, 0, KOU_KPI_OVERALL_MEAN)) / 2, 1e-9, "two seeds: mean of means");
    ok(v.half > 0 && isfinite(v.half), "two seeds: a half-width (%.3f h)", v.half);
    is_int((int64_t)kou_kpi_summary_resources(s), 7, "two seeds: 7 resources lined up");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    kou_kpi_summary_print(s, f, "CGO, office hours, 2 seeds");
    fclose(f);
    diag_text("printed table", buf);
    has_string(buf, "documents", "printed table lists the resources");
    free(buf);
    kou_kpi_summary_free(s);
    kou_kpi_free(k2);
    kou_kpi_free(k24);
    kou_kpi_free(k);
}

/* Deterministic work, no warm-up: the work accounted equals what was
** asked, so utilisation x server-hours open = units x unload time, and
** every unit and every declaration is one service. */
static void test_utilisation_exact(void)
{
    world w;
    world_init(&w, true);
    w.model.warmup_hours = 0;
    w.port.unload_per_unit = fixed(0.25);
    w.port.doc_check = fixed(0.5);
    w.port.certs_per_consignment = 0;
    kou_model_totals tot;
    kou_kpi *k = run_kpi(&w, 3, &tot);
    const kou_resource_report *h = kou_kpi_resource_at(k, R_HANDLING), *d = kou_kpi_resource_at(k, R_DOCS);
    is_int((int64_t)h->served, (int64_t)tot.units, "handling served = units (%llu)", (unsigned long long)tot.units);
    is_int((int64_t)d->served, (int64_t)tot.consignments, "documents served = consignments");
    is_double(h->utilisation * 4 * tot.end_time, 0.25 * (double)tot.units, 1e-9 * (double)tot.units,
              "handling: utilisation x capacity x window = 0.25 h x units");
    double open = office_open_hours(tot.end_time);
    is_double(d->utilisation * 6 * open, 0.5 * (double)tot.consignments, 1e-9 * (double)tot.consignments,
              "documents (office hours): utilisation x 6 x open hours = 0.5 h x consignments");
    kou_kpi_free(k);
}

int main(void)
{
    test_groups_and_values();
    test_summary();
    test_model_run();
    test_utilisation_exact();
    return tap_done();
}
