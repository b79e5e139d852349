/*
** timeconv.h — times, days and dates of a port scenario: resources
** (a capacity open 7x24, or opening hours with holidays and make-up
** working days), weekly timetables and arrival rates.
**
** This module owns the written forms ("Mon-Fri", "22:00", "2017-10-02",
** {days =, at =}, rate = {hourly =, weekday =}) and their conversion into
** the specs of model.h: an overnight entry becomes two, a timetable is
** expanded into sorted hours of the week, rates into 168 hourly values.
** Keys and ranges come from the parameter table (model/params.h); it
** works on the conversion state of lua/convert.h (arena, path, errors).
*/
#ifndef KOUAN_LUA_TIMECONV_H
#define KOUAN_LUA_TIMECONV_H

#include <stdint.h>

#include "lua/convert.h"

/* The resource at index r (a number: a fixed capacity; or a table), named
** name, into rs. The path names the resource. */
void koui_convert_resource(koui_conv *c, int r, const char *name, kou_resource_spec *rs);

/* The flow's arrivals (the flow table at index f): exactly one of
** timetable, rate_per_hour and rate. */
void koui_convert_arrivals(koui_conv *c, int f, kou_flow_config *fl);

/* The value at idx as a date "YYYY-MM-DD": YYYYMMDD. key is the key whose
** line to show, what the name in the message. */
int32_t koui_convert_date(koui_conv *c, int idx, const char *key, const char *what);

#endif
