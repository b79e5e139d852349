/* Tests of opening hours, holidays and working-time arithmetic (calendar.h).
** Unless said otherwise the simulation starts on Monday 2017-01-02, so day
** d of the simulation is hours [24d, 24d+24) and day 0 is a Monday. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "kernel/calendar.h"
#include "kernel/sim.h"
#include "../tap/tap.h"

/* is_double cannot compare infinities (inf - inf is NaN). */
static bool is_inf(double got, const char *what)
{
    bool pass = ok(isinf(got) && got > 0, "%s", what);
    if (!pass)
        diag("got %.17g, want +inf", got);
    return pass;
}

static kou_sim *new_sim(int32_t start_date)
{
    kou_sim_config cfg;
    kou_sim_config_default(&cfg);
    if (start_date)
        cfg.start_date = start_date;
    kou_sim *sim;
    char err[200];
    if (kou_sim_new(&sim, &cfg, err, sizeof err) != KOU_OK)
        bail("cannot create simulation: %s", err);
    return sim;
}

/* Hour of day d at hh:mm. */
static double at(int d, int hh, int mm)
{
    return 24.0 * d + hh + mm / 60.0;
}

/* Office hours Mon-Fri 08:30-12:00 and 13:30-17:30 with 2 servers, a
** holiday on Wed 2017-01-11 (day 9) and a make-up Saturday 2017-01-14
** (day 12) worked as a Monday. */
static kou_calendar *office(kou_sim *sim)
{
    kou_calendar *c = kou_calendar_new(sim, "office");
    if (!c || kou_calendar_add_hours(c, KOU_WEEKDAYS, 8.5, 12.0, 2) != KOU_OK ||
        kou_calendar_add_hours(c, KOU_WEEKDAYS, 13.5, 17.5, 2) != KOU_OK ||
        kou_calendar_add_holiday(c, 20170111) != KOU_OK ||
        kou_calendar_add_workday(c, 20170114, 0) != KOU_OK)
        bail("cannot build the office calendar: %s", kou_sim_errmsg(sim));
    return c;
}

/* Open hours in [t0, t1) by brute force, in quarter hours (every boundary
** used in these tests is on a quarter hour). */
static double slow_open_hours(const kou_calendar *c, double t0, double t1)
{
    double sum = 0.0;
    for (double t = t0; t < t1; t += 0.25)
        sum += kou_calendar_capacity_at(c, t + 0.125) > 0 ? 0.25 : 0.0;
    return sum;
}

static uint64_t lcg = 0x9e3779b97f4a7c15u;
static uint32_t rnd(uint32_t n)
{
    lcg ^= lcg << 13;
    lcg ^= lcg >> 7;
    lcg ^= lcg << 17;
    return (uint32_t)((lcg >> 11) % n);
}

static void test_capacity_at(void)
{
    kou_sim *sim = new_sim(0);
    kou_calendar *c = office(sim);
    struct {
        double t;
        int cap;
        const char *what;
    } cases[] = {
        {at(0, 0, 0), 0, "Mon 00:00 (night)"},
        {at(0, 8, 29), 0, "Mon 08:29 (before opening)"},
        {at(0, 8, 30), 2, "Mon 08:30 (opening, inclusive)"},
        {at(0, 10, 0), 2, "Mon 10:00"},
        {at(0, 11, 59), 2, "Mon 11:59"},
        {at(0, 12, 0), 0, "Mon 12:00 (lunch starts, exclusive end)"},
        {at(0, 12, 45), 0, "Mon 12:45 (lunch break)"},
        {at(0, 13, 30), 2, "Mon 13:30 (afternoon opening)"},
        {at(0, 17, 29), 2, "Mon 17:29"},
        {at(0, 17, 30), 0, "Mon 17:30 (closed)"},
        {at(0, 23, 0), 0, "Mon 23:00"},
        {at(4, 16, 0), 2, "Fri 16:00"},
        {at(5, 10, 0), 0, "Sat 10:00 (weekend)"},
        {at(6, 10, 0), 0, "Sun 10:00 (weekend)"},
        {at(7, 10, 0), 2, "next Mon 10:00"},
        {at(9, 10, 0), 0, "Wed 2017-01-11 10:00 (holiday)"},
        {at(9, 14, 0), 0, "Wed 2017-01-11 14:00 (holiday)"},
        {at(10, 10, 0), 2, "Thu after the holiday"},
        {at(12, 10, 0), 2, "Sat 2017-01-14 10:00 (make-up day as Monday)"},
        {at(12, 12, 30), 0, "Sat 2017-01-14 12:30 (make-up day lunch)"},
        {at(13, 10, 0), 0, "Sun 2017-01-15 (ordinary Sunday)"},
        {at(19, 10, 0), 0, "Sat 2017-01-21 (ordinary Saturday)"},
        {at(-1, 10, 0), 0, "before hour 0: Sun 2017-01-01"},
        {at(-3, 10, 0), 2, "before hour 0: Fri 2016-12-30"},
        {at(364, 10, 0), 2, "a year on: Mon 2018-01-01 (no holiday given)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        is_int(kou_calendar_capacity_at(c, cases[i].t), cases[i].cap, "capacity at %s",
               cases[i].what);
    is_int(kou_calendar_capacity_at(c, INFINITY), 0, "capacity at +inf is 0");
    is_int(kou_calendar_capacity_at(c, NAN), 0, "capacity at NaN is 0");
    is_string(kou_calendar_name(c), "office", "name");
    kou_sim_free(sim);
}

static void test_next_change(void)
{
    kou_sim *sim = new_sim(0);
    kou_calendar *c = office(sim);

    /* The first week: four changes each weekday, then the weekend. */
    int good = 1;
    double t = 0.0;
    for (int d = 0; d < 5; d++) {
        double want[4] = {at(d, 8, 30), at(d, 12, 0), at(d, 13, 30), at(d, 17, 30)};
        for (int k = 0; k < 4; k++) {
            t = kou_calendar_next_change(c, t);
            if (t != want[k]) {
                diag("day %d change %d: got %.17g, want %.17g", d, k, t, want[k]);
                good = 0;
            }
        }
    }
    ok(good, "next_change walks 08:30, 12:00, 13:30, 17:30 on each day Mon-Fri");
    is_double(kou_calendar_next_change(c, t), at(7, 8, 30), 0,
              "Fri 17:30 -> next change is Mon 08:30 (weekend skipped)");
    is_double(kou_calendar_next_change(c, at(0, 8, 30)), at(0, 12, 0), 0,
              "at a change, the next one is strictly later");
    is_double(kou_calendar_next_change(c, at(0, 9, 0)), at(0, 12, 0), 0, "from inside hours");
    is_double(kou_calendar_next_change(c, at(8, 17, 30)), at(10, 8, 30), 0,
              "Tue 17:30 -> Thu 08:30 (Wednesday holiday skipped)");
    is_double(kou_calendar_next_change(c, at(11, 17, 30)), at(12, 8, 30), 0,
              "Fri 17:30 -> Sat 08:30 (make-up Saturday)");
    is_double(kou_calendar_next_change(c, at(12, 17, 30)), at(14, 8, 30), 0,
              "make-up Sat 17:30 -> Mon 08:30");
    ok(isnan(kou_calendar_next_change(c, NAN)), "next_change(NaN) is NaN");
    is_inf(kou_calendar_next_change(c, INFINITY), "next_change(+inf) is +inf");

    /* Touching intervals with equal capacity are one opening; a night
    ** shift across midnight is one opening; a shift change is a change. */
    kou_calendar *m = kou_calendar_new(sim, "merged");
    kou_calendar_add_hours(m, KOU_MON, 12.0, 16.0, 3);
    kou_calendar_add_hours(m, KOU_MON, 8.0, 12.0, 3);
    is_double(kou_calendar_next_change(m, at(0, 9, 0)), at(0, 16, 0), 0,
              "08:00-12:00 and 12:00-16:00 with equal capacity: no change at 12:00");
    is_double(kou_calendar_next_change(m, at(0, 16, 0)), at(7, 8, 0), 0,
              "Mon-only hours: next change a week later");

    kou_calendar *n = kou_calendar_new(sim, "night");
    kou_calendar_add_hours(n, KOU_EVERYDAY, 22.0, 24.0, 1);
    kou_calendar_add_hours(n, KOU_EVERYDAY, 0.0, 6.0, 1);
    is_int(kou_calendar_capacity_at(n, at(1, 0, 0)), 1, "night shift open at midnight");
    is_double(kou_calendar_next_change(n, at(0, 23, 0)), at(1, 6, 0), 0,
              "night shift 22:00-06:00: no change at midnight");
    is_double(kou_calendar_next_change(n, at(1, 6, 0)), at(1, 22, 0), 0,
              "night shift reopens at 22:00");

    kou_calendar *s = kou_calendar_new(sim, "shifts");
    kou_calendar_add_hours(s, KOU_EVERYDAY, 8.0, 16.0, 4);
    kou_calendar_add_hours(s, KOU_EVERYDAY, 16.0, 24.0, 2);
    is_int(kou_calendar_capacity_at(s, at(2, 15, 59)), 4, "day shift: 4 servers");
    is_int(kou_calendar_capacity_at(s, at(2, 16, 0)), 2, "evening shift from 16:00: 2 servers");
    is_int(kou_calendar_capacity_at(s, at(3, 0, 0)), 0, "closed from 24:00");
    is_double(kou_calendar_next_change(s, at(2, 10, 0)), at(2, 16, 0), 0, "shift change 4 -> 2");
    is_double(kou_calendar_next_change(s, at(2, 16, 0)), at(3, 0, 0), 0, "closing at midnight");
    is_double(kou_calendar_next_change(s, at(3, 0, 0)), at(3, 8, 0), 0, "opening at 08:00");

    /* 7x24: never changes, until a holiday. */
    kou_calendar *a = kou_calendar_always(sim, "always", 3);
    ok(a != NULL, "kou_calendar_always");
    is_int(kou_calendar_capacity_at(a, at(5, 3, 17)), 3, "7x24 capacity on Saturday night");
    is_inf(kou_calendar_next_change(a, 0.0), "7x24 never changes");
    kou_calendar *ah = kou_calendar_always(sim, "always-but-new-year", 3);
    kou_calendar_add_holiday(ah, 20180101);
    is_double(kou_calendar_next_change(ah, 0.0), at(364, 0, 0), 0,
              "7x24 with a holiday a year later: closes then");
    is_double(kou_calendar_next_change(ah, at(364, 0, 0)), at(365, 0, 0), 0, "and reopens");
    is_inf(kou_calendar_next_change(ah, at(365, 0, 0)), "then never changes");

    /* Closed forever (no hours) and open only on holidays' weekday. */
    kou_calendar *e = kou_calendar_new(sim, "closed");
    kou_calendar_add_holiday(e, 20170104);
    is_inf(kou_calendar_next_change(e, 0.0), "no hours: never changes");
    is_int(kou_calendar_capacity_at(e, 10.0), 0, "no hours: closed");
    kou_calendar *sun = kou_calendar_new(sim, "sundays");
    kou_calendar_add_hours(sun, KOU_SUN, 10.0, 11.0, 1);
    for (int w = 0; w < 520; w++) /* every Sunday of ten years is a holiday */
        kou_calendar_add_holiday(sun, kou_days_to_date(kou_date_to_days(20170108) + 7 * w));
    is_double(kou_calendar_next_change(sun, 0.0), at(6 + 7 * 520, 10, 0), 0,
              "Sundays-only calendar with ten years of Sunday holidays: opens after them");
    kou_sim_free(sim);
}

static void test_start_not_monday(void)
{
    kou_sim *sim = new_sim(20170104); /* a Wednesday */
    kou_calendar *c = kou_calendar_new(sim, "wed");
    kou_calendar_add_hours(c, KOU_WED, 9.0, 10.0, 1);
    is_int(kou_calendar_capacity_at(c, at(0, 9, 30)), 1, "start date Wednesday: day 0 is Wed");
    is_int(kou_calendar_capacity_at(c, at(1, 9, 30)), 0, "day 1 is Thu");
    is_double(kou_calendar_next_change(c, at(0, 10, 0)), at(7, 9, 0), 0, "next Wednesday");
    kou_calendar_add_holiday(c, 20170111);
    is_double(kou_calendar_next_change(c, at(0, 10, 0)), at(14, 9, 0), 0,
              "holiday dates count from the start date");
    kou_sim_free(sim);
}

static void test_advance(void)
{
    kou_sim *sim = new_sim(0);
    kou_calendar *c = office(sim);
    struct {
        double start, work, want;
        const char *what;
    } cases[] = {
        {at(0, 10, 0), 1.0, at(0, 11, 0), "within the morning"},
        {at(0, 11, 30), 1.0, at(0, 14, 0), "across the lunch break"},
        {at(0, 16, 30), 1.0, at(0, 17, 30), "ending exactly at closing ends then"},
        {at(0, 17, 0), 1.0, at(1, 9, 0), "across the night: 17:00 + 1 h -> 09:00 next day"},
        {at(0, 20, 0), 1.0, at(1, 9, 30), "started while closed: begins at the next opening"},
        {at(0, 12, 0), 0.5, at(0, 14, 0), "started at lunch"},
        {at(4, 17, 0), 1.0, at(7, 9, 0), "Friday 17:00 + 1 h -> Monday 09:00"},
        {at(8, 17, 0), 1.0, at(10, 9, 0), "Tuesday 17:00 + 1 h -> Thursday (holiday Wed)"},
        {at(11, 17, 0), 1.0, at(12, 9, 0), "Friday 17:00 + 1 h -> make-up Saturday 09:00"},
        {at(0, 8, 30), 7.5, at(0, 17, 30), "a full working day"},
        {at(0, 8, 30), 37.5, at(4, 17, 30), "a full working week ends Friday 17:30"},
        {at(0, 0, 0), 37.5, at(4, 17, 30), "a week of work from Mon 00:00 ends Fri 17:30, not Mon"},
        {at(14, 0, 0), 75.0, at(25, 17, 30), "two weeks of work from Mon 00:00 end on Friday"},
        {at(0, 0, 0), 37.5 * 2 + 1.0, at(14, 9, 30),
         "two weeks and an hour from Mon 00:00 (holiday and make-up day cancel out)"},
        {at(3, 15, 0), 0.0, at(3, 15, 0), "no work ends at once"},
        {at(5, 15, 0), 0.0, at(5, 15, 0), "no work ends at once, even while closed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        is_double(kou_calendar_advance(c, cases[i].start, cases[i].work), cases[i].want, 1e-9,
                  "advance: %s", cases[i].what);

    /* Preempt-resume is exact: the open hours between start and end are the
    ** work, and the calendar is open just before the end. Includes long
    ** jobs that take the whole-week shortcut. */
    int good = 1;
    for (int i = 0; i < 400; i++) {
        double start = 0.25 * rnd(24 * 4 * 28);
        double work = i % 10 == 0 ? 0.25 * rnd(4 * 400) : 0.25 * (1 + rnd(4 * 12));
        double end = kou_calendar_advance(c, start, work);
        double open = kou_calendar_open_hours(c, start, end);
        if (fabs(open - work) > 1e-9 || kou_calendar_capacity_at(c, end - 1e-6) == 0) {
            if (good)
                diag("start %g work %g: end %g, open hours %g", start, work, end, open);
            good = 0;
        }
    }
    ok(good, "open_hours(start, advance(start, w)) == w, ending in open time (400 random jobs)");

    /* Years of work with holidays every year: fast, and consistent. */
    kou_calendar *y = kou_calendar_new(sim, "years");
    kou_calendar_add_hours(y, KOU_WEEKDAYS, 9.0, 17.0, 1);
    for (int yr = 2017; yr < 2040; yr++) {
        kou_calendar_add_holiday(y, yr * 10000 + 101);
        kou_calendar_add_holiday(y, yr * 10000 + 501);
        kou_calendar_add_holiday(y, yr * 10000 + 1001);
    }
    double work = 8.0 * 260 * 20; /* about twenty working years */
    double end = kou_calendar_advance(y, 0.0, work);
    is_double(kou_calendar_open_hours(y, 0.0, end), work, 1e-6,
              "twenty years of work: open hours up to the end match");
    ok(end > 24.0 * 365 * 20 && end < 24.0 * 365 * 21, "and it ends about twenty years on (%g)",
       end / (24.0 * 365));

    kou_calendar *e = kou_calendar_new(sim, "never");
    is_inf(kou_calendar_advance(e, 0.0, 1.0), "a calendar never open: +inf");
    kou_calendar *a = kou_calendar_always(sim, "a", 1);
    is_double(kou_calendar_advance(a, 3.25, 100.5), 103.75, 0, "7x24: start + work");

    kou_sim_clear_error(sim);
    ok(isnan(kou_calendar_advance(c, 0.0, -1.0)), "negative work: NaN");
    has_string(kou_sim_errmsg(sim), "calendar 'office'", "and a message naming the calendar");
    ok(isnan(kou_calendar_advance(c, 0.0, NAN)), "NaN work: NaN");
    ok(isnan(kou_calendar_advance(c, NAN, 1.0)), "NaN start: NaN");
    is_inf(kou_calendar_advance(c, 0.0, INFINITY), "infinite work: +inf");
    kou_sim_free(sim);
}

static void test_open_hours(void)
{
    kou_sim *sim = new_sim(0);
    kou_calendar *c = office(sim);
    is_double(kou_calendar_open_hours(c, 0.0, 168.0), 5 * 7.5, 1e-12,
              "first week: 5 x 7.5 open hours");
    is_double(kou_calendar_open_hours(c, 168.0, 336.0), 5 * 7.5, 1e-12,
              "second week: holiday Wed and make-up Sat cancel out");
    is_double(kou_calendar_open_hours(c, 336.0, 504.0), 37.5, 1e-12, "third week");
    is_double(kou_calendar_open_hours(c, at(0, 10, 0), at(0, 14, 0)), 2.5, 1e-12,
              "Mon 10:00-14:00: 2 h + 0.5 h around lunch");
    is_double(kou_calendar_open_hours(c, at(9, 0, 0), at(10, 0, 0)), 0.0, 0, "holiday: 0");
    is_double(kou_calendar_open_hours(c, 5.0, 5.0), 0.0, 0, "empty range");
    is_double(kou_calendar_open_hours(c, 50.0, 5.0), 0.0, 0, "reversed range");
    /* 2017-01-02 + 365 days: 52 weeks and a Monday, less the holiday, plus
    ** the make-up Saturday. */
    is_double(kou_calendar_open_hours(c, 0.0, 24.0 * 365), 52 * 37.5 + 7.5, 1e-9, "a year");

    int good = 1;
    for (int i = 0; i < 200; i++) {
        double t0 = 0.25 * rnd(24 * 4 * 21), t1 = t0 + 0.25 * rnd(24 * 4 * 15);
        double fast = kou_calendar_open_hours(c, t0, t1), slow = slow_open_hours(c, t0, t1);
        if (fabs(fast - slow) > 1e-9) {
            if (good)
                diag("[%g, %g): got %g, brute force %g", t0, t1, fast, slow);
            good = 0;
        }
    }
    ok(good, "open_hours matches a quarter-hour brute force (200 random ranges)");

    kou_calendar *a = kou_calendar_always(sim, "a", 2);
    is_double(kou_calendar_open_hours(a, 0.0, 1000.0), 1000.0, 1e-9, "7x24: the whole range");
    is_inf(kou_calendar_open_hours(a, 0.0, INFINITY), "7x24 to +inf");
    kou_sim_free(sim);
}

static void test_bad_input(void)
{
    kou_sim *sim = new_sim(0);
    kou_calendar *c = kou_calendar_new(sim, "customs");
    is_int(kou_calendar_add_hours(c, KOU_TUE, 8.5, 12.5, 1), KOU_OK, "Tue 08:30-12:30");

    is_int(kou_calendar_add_hours(c, KOU_TUE | KOU_WED, 12.0, 14.0, 1), KOU_EINVAL,
           "overlapping hours refused");
    has_string(kou_sim_errmsg(sim), "calendar 'customs': 12:00–14:00 on Tue overlaps 08:30–12:30",
               "overlap message");
    is_int(kou_calendar_capacity_at(c, at(2, 13, 0)), 0,
           "a refused call changes nothing (not even the other weekday)");
    is_int(kou_calendar_add_hours(c, KOU_TUE, 12.5, 14.0, 1), KOU_OK,
           "touching hours are fine (12:30-14:00)");

    is_int(kou_calendar_add_hours(c, KOU_MON, 22.0, 6.0, 1), KOU_EINVAL, "22:00-06:00 refused");
    has_string(kou_sim_errmsg(sim), "22:00–06:00", "message gives the hours as HH:MM");
    has_string(kou_sim_errmsg(sim), "must be given as 22:00–24:00 and 00:00–06:00",
               "message explains night shifts");
    has_string(kou_sim_errmsg(sim), "calendar 'customs'", "message names the calendar");
    is_int(kou_calendar_add_hours(c, KOU_MON, 10.0, 10.0, 1), KOU_EINVAL, "empty hours refused");
    is_int(kou_calendar_add_hours(c, KOU_MON, -1.0, 5.0, 1), KOU_EINVAL, "start < 0 refused");
    has_string(kou_sim_errmsg(sim), "-01:00–05:00", "negative hour in the message");
    is_int(kou_calendar_add_hours(c, KOU_MON, 20.0, 25.0, 1), KOU_EINVAL, "end > 24 refused");
    has_string(kou_sim_errmsg(sim), "20:00–25:00", "end hour in the message");
    is_int(kou_calendar_add_hours(c, KOU_MON, 8.25, 9.75, 0), KOU_EINVAL, "capacity 0 refused");
    has_string(kou_sim_errmsg(sim), "capacity must be >= 1 (got 0) for hours 08:15–09:45",
               "capacity message");
    is_int(kou_calendar_add_hours(c, KOU_MON, NAN, 9.0, 1), KOU_EINVAL, "NaN start refused");
    has_string(kou_sim_errmsg(sim), "NaN", "NaN message");
    is_int(kou_calendar_add_hours(c, KOU_MON, 8.0, NAN, 1), KOU_EINVAL, "NaN end refused");
    is_int(kou_calendar_add_hours(c, 0, 8.0, 9.0, 1), KOU_EINVAL, "empty weekday mask refused");
    has_string(kou_sim_errmsg(sim), "weekday mask", "mask message");
    is_int(kou_calendar_add_hours(c, 0x80, 8.0, 9.0, 1), KOU_EINVAL, "bit 7 refused");
    is_int(kou_calendar_capacity_at(c, at(0, 9, 0)), 0, "Monday still closed after refusals");

    is_int(kou_calendar_add_holiday(c, 20170230), KOU_EINVAL, "30 February refused");
    has_string(kou_sim_errmsg(sim), "holiday 20170230 is not a valid date", "date message");
    has_string(kou_sim_errmsg(sim), "calendar 'customs'", "date message names the calendar");
    is_int(kou_calendar_add_holiday(c, 2017011), KOU_EINVAL, "7-digit date refused");
    is_int(kou_calendar_add_workday(c, 20171301, 0), KOU_EINVAL, "month 13 refused");
    has_string(kou_sim_errmsg(sim), "make-up working day 20171301", "workday date message");
    is_int(kou_calendar_add_workday(c, 20170114, 7), KOU_EINVAL, "weekday 7 refused");
    has_string(kou_sim_errmsg(sim), "0 (Monday) to 6 (Sunday), not 7", "weekday message");
    is_int(kou_calendar_add_workday(c, 20170114, -1), KOU_EINVAL, "weekday -1 refused");
    is_int(kou_calendar_add_holiday(c, 20170103), KOU_OK, "a holiday");
    is_int(kou_calendar_add_holiday(c, 20170103), KOU_OK, "the same holiday again is harmless");
    is_int(kou_calendar_add_workday(c, 20170103, 1), KOU_EINVAL,
           "a holiday cannot also be a make-up day");
    has_string(kou_sim_errmsg(sim), "2017-01-03 is already a holiday", "conflict message");
    is_int(kou_calendar_add_workday(c, 20170107, 1), KOU_OK, "a make-up day");
    is_int(kou_calendar_add_holiday(c, 20170107), KOU_EINVAL,
           "a make-up day cannot also be a holiday");
    is_int(kou_calendar_capacity_at(c, at(1, 9, 0)), 0, "Tue 2017-01-03 closed (holiday)");
    is_int(kou_calendar_capacity_at(c, at(5, 9, 0)), 1, "Sat 2017-01-07 open as a Tuesday");

    kou_sim_clear_error(sim);
    ok(kou_calendar_new(sim, "") == NULL, "empty name refused");
    has_string(kou_sim_errmsg(sim), "non-empty name", "name message");
    ok(kou_calendar_new(sim, NULL) == NULL, "NULL name refused");
    ok(kou_calendar_always(sim, "x7", 0) == NULL, "7x24 with capacity 0 refused");
    has_string(kou_sim_errmsg(sim), "calendar 'x7': capacity must be >= 1 (got 0)",
               "7x24 capacity message");
    kou_sim_free(sim);
}

int main(void)
{
    test_capacity_at();
    test_next_change();
    test_start_not_monday();
    test_advance();
    test_open_hours();
    test_bad_input();
    return tap_done();
}
