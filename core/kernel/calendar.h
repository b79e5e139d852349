/*
** calendar.h — when a resource is open and with how many servers: a weekly
** pattern of opening hours (office hours with a lunch break, shifts with
** different capacities, 7x24), public holidays that close a whole day, and
** make-up working days (China's 调休 weekends) that follow another
** weekday's hours.
**
** A calendar belongs to the simulation it was created with (kou_sim_free
** releases it). Time is kou_time, hours from 00:00 on kou_sim_start_date;
** the weekday of every day follows from that date, so hour 0 is not
** necessarily a Monday.
**
** Build a calendar completely before a resource uses it: once a resource
** has been created with it, the resource has planned its wake-ups on the
** current hours, so further add_* calls are refused (KOU_ESTATE).
** Bad hours or dates are refused with a status and a message on the
** simulation that names the calendar; the calendar is left unchanged.
**
** Intervals are half-open, [start, end): a calendar open 08:30-12:00 has
** capacity 0 at 12:00 exactly. The queries skip whole closed days and
** whole weeks, so they stay fast over years of simulated time.
*/
#ifndef KOUAN_KERNEL_CALENDAR_H
#define KOUAN_KERNEL_CALENDAR_H

#include <stdint.h>

#include "base.h"
#include "sim.h"

typedef struct kou_calendar kou_calendar;

/* Weekday masks for kou_calendar_add_hours: bit 0 is Monday, as in
** kou_date_weekday. */
#define KOU_MON (1u << 0)
#define KOU_TUE (1u << 1)
#define KOU_WED (1u << 2)
#define KOU_THU (1u << 3)
#define KOU_FRI (1u << 4)
#define KOU_SAT (1u << 5)
#define KOU_SUN (1u << 6)
#define KOU_WEEKDAYS (KOU_MON | KOU_TUE | KOU_WED | KOU_THU | KOU_FRI)
#define KOU_EVERYDAY (KOU_WEEKDAYS | KOU_SAT | KOU_SUN)

/* ---- creation ---- */
/* A calendar that is always closed until hours are added. Returns NULL and
** sets the message for a NULL or empty name. */
kou_calendar *kou_calendar_new(kou_sim *sim, const char *name);
/* Open 7x24 with 'capacity' servers (>= 1); holidays may still be added. */
kou_calendar *kou_calendar_always(kou_sim *sim, const char *name, int capacity);

/* ---- building ---- */
/* Opens [start_h, end_h) on every weekday in weekday_mask with 'capacity'
** (>= 1) servers. 0 <= start_h < end_h <= 24: a night shift 22:00-06:00 is
** given as 22:00-24:00 and 00:00-06:00. Intervals may touch (a shift change
** at 16:00) but not overlap on any weekday. Refused as a whole
** (KOU_EINVAL) if any part is bad. */
kou_status kou_calendar_add_hours(kou_calendar *c, unsigned weekday_mask,
                                  double start_h, double end_h, int capacity);
/* Closes the date (YYYYMMDD) all day. Adding the same holiday twice is
** harmless; a date that is already a make-up working day is refused. */
kou_status kou_calendar_add_holiday(kou_calendar *c, int32_t yyyymmdd);
/* The date (YYYYMMDD) follows the hours of as_weekday (0 = Monday ...
** 6 = Sunday), whatever its own weekday: a make-up Saturday worked as a
** Monday. A date that is a holiday or already a make-up day is refused. */
kou_status kou_calendar_add_workday(kou_calendar *c, int32_t yyyymmdd, int as_weekday);

/* ---- queries ---- */
const char *kou_calendar_name(const kou_calendar *c);
/* Servers open at time t; 0 when closed or t is not finite. */
int kou_calendar_capacity_at(const kou_calendar *c, kou_time t);
/* First time > t at which the capacity differs from capacity_at(t);
** +infinity if it never changes again (7x24 without later holidays). */
kou_time kou_calendar_next_change(const kou_calendar *c, kou_time t);
/* Working-time arithmetic: the time at which work_hours of work started at
** 'start' is done when work proceeds only while the calendar is open
** (capacity > 0) and pauses while it is closed (preempt-resume). Work
** started while closed begins at the next opening; work that ends exactly
** at closing time ends then, not at the next opening. work_hours == 0
** returns start. +infinity if the calendar never opens again; NaN with a
** message for a negative or NaN work_hours or a NaN start. */
kou_time kou_calendar_advance(const kou_calendar *c, kou_time start, double work_hours);
/* Hours in [t0, t1) during which the calendar is open (capacity > 0),
** whatever the capacity; 0 when t1 <= t0. */
double kou_calendar_open_hours(const kou_calendar *c, kou_time t0, kou_time t1);

/* ---- internal, for resource.c ---- */
kou_sim *koui_calendar_sim(const kou_calendar *c);
/* Records that a resource plans its wake-ups on this calendar, which from
** then on refuses changes. */
void koui_calendar_attach(kou_calendar *c);

#endif
