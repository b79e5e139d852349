/*
** model_fixture.h — the small air port the model and KPI tests run: one
** CGO-like port, one import freighter flow of 20 flights a week, three
** goods classes, seven resources, four weeks after a two-day warm-up.
** Customs resources are open 7x24 with capacity 3, or (office_hours) 6
** servers 08:30-12:00 and 13:30-17:30 on weekdays. Tests change single
** fields of a world after world_init.
*/
#ifndef KOUAN_TESTS_MODEL_FIXTURE_H
#define KOUAN_TESTS_MODEL_FIXTURE_H

#include <stdbool.h>

#include "model/model.h"

typedef struct world {
    kou_resource_spec res[7];
    kou_goods_config goods[3];
    double timetable[20];
    kou_flow_config flow;
    kou_port_config port;
    kou_model_config model;
} world;

enum { R_HANDLING, R_DOCS, R_SCANNER, R_INSP, R_BORDER, R_APRON, R_GATE };

kou_dist_spec dist(kou_dist_family f, double a, double b, double c);
kou_dist_spec none(void);
kou_dist_spec fixed(double v);
void world_init(world *w, bool office_hours);

#endif
