#include "model_fixture.h"

#include <string.h>

static const kou_hours_spec office[] = {
    {0x1f, 8.5, 12.0, 6},
    {0x1f, 13.5, 17.5, 6},
};

kou_dist_spec dist(kou_dist_family f, double a, double b, double c)
{
    kou_dist_spec s;
    memset(&s, 0, sizeof s);
    s.family = f;
    s.p[0] = a;
    s.p[1] = b;
    s.p[2] = c;
    return s;
}

kou_dist_spec none(void)
{
    return dist(KOU_DIST_NONE, 0, 0, 0);
}

kou_dist_spec fixed(double v)
{
    return dist(KOU_DIST_DETERMINISTIC, v, 0, 0);
}

/* One air port (CGO-like), one import freighter flow, 4 weeks. Customs
** resources open 7x24 with capacity 3, or with office_hours 6 servers
** 08:30-12:00 and 13:30-17:30 on weekdays (less capacity a week). */
void world_init(world *w, bool office_hours)
{
    memset(w, 0, sizeof *w);
    static const char *const names[] = {"handling", "documents", "scanner", "inspection", "border", "apron",
                                        "gate"};
    static const int caps[] = {4, 3, 1, 2, 2, 2, 3};
    for (int i = 0; i < 7; i++) {
        w->res[i].name = names[i];
        w->res[i].capacity = caps[i];
    }
    if (office_hours)
        for (int i = R_DOCS; i <= R_BORDER; i++) {
            w->res[i].capacity = 0;
            w->res[i].hours = office;
            w->res[i].nhours = 2;
        }
    w->goods[0] = (kou_goods_config){.name = "general", .share = 0.7, .lab_prob = 0.05,
                                     .lab_time = dist(KOU_DIST_EXPONENTIAL, 48, 0, 0), .duty_prob = 0.6};
    w->goods[1] = (kou_goods_config){.name = "fresh", .share = 0.2, .apron_eligible = true,
                                     .green_channel = true, .lab_prob = 0.1,
                                     .lab_time = dist(KOU_DIST_EXPONENTIAL, 24, 0, 0), .duty_prob = 0.3};
    w->goods[2] = (kou_goods_config){.name = "minerals", .share = 0.1, .lab_prob = 0.8,
                                     .lab_time = dist(KOU_DIST_UNIFORM, 100, 300, 0), .duty_prob = 0.9,
                                     .extra_inspect_prob = 0.1};
    for (int i = 0; i < 20; i++)
        w->timetable[i] = 2.0 + 8.3 * i; /* 20 flights a week, day and night */
    kou_flow_config *f = &w->flow;
    f->name = "freighter";
    f->mode = KOU_MODE_AIR;
    f->direction = KOU_IMPORT;
    f->timetable = w->timetable;
    f->ntimetable = 20;
    f->delay = dist(KOU_DIST_EXPONENTIAL, 1.0, 0, 0);
    f->units_per_carrier = dist(KOU_DIST_UNIFORM, 4, 12, 0);
    f->consignments_per_unit = dist(KOU_DIST_UNIFORM, 0.5, 3.5, 0);
    f->goods = w->goods;
    f->ngoods = 3;
    f->trader_share[KOU_TRADER_AEO_ADVANCED] = 0.1;
    f->trader_share[KOU_TRADER_AEO_GENERAL] = 0.2;
    f->trader_share[KOU_TRADER_ORDINARY] = 0.65;
    f->trader_share[KOU_TRADER_DISCREDITED] = 0.05;

    kou_port_config *p = &w->port;
    p->name = "CGO";
    p->mode = KOU_MODE_AIR;
    p->flows = &w->flow;
    p->nflows = 1;
    p->resources = w->res;
    p->nresources = 7;
    p->res_handling = R_HANDLING;
    p->res_documents = R_DOCS;
    p->res_scanner = R_SCANNER;
    p->res_inspection = R_INSP;
    p->res_border_insp = R_BORDER;
    p->res_apron = R_APRON;
    p->res_gate = R_GATE;
    p->unload_per_unit = dist(KOU_DIST_EXPONENTIAL, 0.25, 0, 0);
    p->prep_time = dist(KOU_DIST_LOGNORMAL, 6, 1, 0);
    p->doc_check = dist(KOU_DIST_EXPONENTIAL, 0.2, 0, 0);
    p->cert_time = dist(KOU_DIST_EXPONENTIAL, 0.1, 0, 0);
    p->scan_time = dist(KOU_DIST_UNIFORM, 0.1, 0.3, 0);
    p->notice_delay = dist(KOU_DIST_EXPONENTIAL, 4, 0, 0);
    p->inspect_time = dist(KOU_DIST_TRIANGULAR, 1, 2, 4);
    p->duty_time = dist(KOU_DIST_EXPONENTIAL, 12, 0, 0);
    p->warehouse_move = dist(KOU_DIST_EXPONENTIAL, 3, 0, 0);
    p->pickup_delay = dist(KOU_DIST_EXPONENTIAL, 20, 0, 0);
    p->gate_time = fixed(0.1);
    p->border_time = fixed(30);
    p->border_data_check = fixed(0.5);
    p->advance_share = 0.2;
    p->advance_lead_hours = 4;
    p->inspect_prob[KOU_TRADER_AEO_ADVANCED] = 0.01;
    p->inspect_prob[KOU_TRADER_AEO_GENERAL] = 0.02;
    p->inspect_prob[KOU_TRADER_ORDINARY] = 0.05;
    p->inspect_prob[KOU_TRADER_DISCREDITED] = 0.8;
    p->scan_first_share = 0.3;
    p->scan_clear_prob = 0.5;
    p->certs_per_consignment = 1.5;
    p->green_priority = 10;
    p->fee_handling_per_unit = 300;
    p->fee_inspection = 400;
    p->fee_scan = 150;
    p->fee_storage_per_day = 50;
    p->storage_free_hours = 72;

    w->model.ports = &w->port;
    w->model.nports = 1;
    w->model.warmup_hours = 48;
    w->model.horizon_hours = 4 * 168;
}
