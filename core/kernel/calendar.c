#include "calendar.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Times beyond this many hours (about 114 million years) are treated as
** "never": it keeps day numbers far from int64 overflow, and no model runs
** that long. */
#define HORIZON_HOURS 1e12

/* One [start, end) opening with its capacity, as the model gave it. */
typedef struct interval {
    double start, end;
    int capacity;
} interval;

/* The capacity is 'capacity' from hour 'h' until the next step's hour (or
** midnight). A day's steps start at hour 0 and neighbours always differ, so
** every step boundary is a real change. */
typedef struct step {
    double h;
    int capacity;
} step;

typedef struct day_hours {
    interval *iv; /* sorted by start, non-overlapping */
    size_t n_iv;
    step *steps;  /* derived from iv; at least one step, at hour 0 */
    size_t n_steps;
    double open_h; /* hours with capacity > 0 */
} day_hours;

/* A date that does not follow its own weekday. */
#define SPECIAL_HOLIDAY (-1)
typedef struct special {
    int64_t day; /* simulation day: 0 is the start date */
    int follows; /* SPECIAL_HOLIDAY, or the weekday (0..6) whose hours apply */
} special;

struct kou_calendar {
    kou_sim *sim;
    char *name;
    int32_t start_date;
    int64_t start_days; /* kou_date_to_days(start_date) */
    int start_weekday;  /* weekday of simulation day 0 */
    day_hours week[7];
    double week_open_h; /* sum of week[].open_h */
    special *sp;        /* sorted by day, one entry per day */
    size_t n_sp, cap_sp;
    unsigned users; /* resources planning on this calendar */
};

/* Never written: rebuild_steps replaces it rather than growing it. */
static step closed_step = {0.0, 0};
static const day_hours closed_day = {NULL, 0, &closed_step, 1, 0.0};

static const char *const weekday_name[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* ---- formatting for messages ---- */

typedef struct hm_text {
    char s[32];
} hm_text;

/* Hours as HH:MM, the way office hours are published. */
static hm_text fmt_hm(double h)
{
    hm_text out;
    if (isnan(h))
        snprintf(out.s, sizeof out.s, "NaN");
    else if (fabs(h) > 1e6)
        snprintf(out.s, sizeof out.s, "%g h", h);
    else {
        long m = lround(h * 60.0);
        long a = m < 0 ? -m : m;
        snprintf(out.s, sizeof out.s, "%s%02ld:%02ld", m < 0 ? "-" : "", a / 60, a % 60);
    }
    return out;
}

static hm_text fmt_date(int32_t yyyymmdd)
{
    hm_text out;
    snprintf(out.s, sizeof out.s, "%04d-%02d-%02d", (int)(yyyymmdd / 10000),
             (int)(yyyymmdd / 100 % 100), (int)(yyyymmdd % 100));
    return out;
}

/* ---- life cycle ---- */

static void calendar_free(void *obj)
{
    kou_calendar *c = obj;
    for (int w = 0; w < 7; w++) {
        free(c->week[w].iv);
        if (c->week[w].steps != &closed_step)
            free(c->week[w].steps);
    }
    free(c->sp);
    free(c->name);
    free(c);
}

kou_calendar *kou_calendar_new(kou_sim *sim, const char *name)
{
    KOU_CHECK(sim != NULL);
    if (name == NULL || name[0] == '\0') {
        koui_fail(sim, KOU_EINVAL, "a calendar needs a non-empty name");
        return NULL;
    }
    kou_calendar *c = koui_calloc(1, sizeof *c);
    c->sim = sim;
    c->name = koui_strdup(name);
    c->start_date = kou_sim_start_date(sim);
    c->start_days = kou_date_to_days(c->start_date);
    c->start_weekday = kou_date_weekday(c->start_date);
    for (int w = 0; w < 7; w++)
        c->week[w] = closed_day;
    koui_sim_own(sim, c, calendar_free);
    return c;
}

kou_calendar *kou_calendar_always(kou_sim *sim, const char *name, int capacity)
{
    KOU_CHECK(sim != NULL);
    if (capacity < 1) {
        koui_fail(sim, KOU_EINVAL, "calendar '%s': capacity must be >= 1 (got %d)",
                  name ? name : "", capacity);
        return NULL;
    }
    kou_calendar *c = kou_calendar_new(sim, name);
    if (c && kou_calendar_add_hours(c, KOU_EVERYDAY, 0.0, 24.0, capacity) != KOU_OK)
        return NULL; /* cannot happen: the hours are valid; c stays owned by sim */
    return c;
}

/* ---- building ---- */

static void push_step(day_hours *d, double h, int capacity)
{
    if (h >= 24.0)
        return;
    if (d->n_steps > 0 && d->steps[d->n_steps - 1].h == h)
        d->n_steps--; /* a later step at the same hour wins (touching intervals) */
    if (d->n_steps > 0 && d->steps[d->n_steps - 1].capacity == capacity)
        return; /* not a change */
    d->steps[d->n_steps].h = h;
    d->steps[d->n_steps].capacity = capacity;
    d->n_steps++;
}

static void rebuild_steps(day_hours *d)
{
    step *s = d->steps == &closed_step ? NULL : d->steps;
    d->steps = koui_realloc(s, (2 * d->n_iv + 1) * sizeof *d->steps);
    d->n_steps = 0;
    d->open_h = 0.0;
    push_step(d, 0.0, 0);
    for (size_t i = 0; i < d->n_iv; i++) {
        push_step(d, d->iv[i].start, d->iv[i].capacity);
        push_step(d, d->iv[i].end, 0);
        d->open_h += d->iv[i].end - d->iv[i].start;
    }
}

static kou_status refuse_if_used(kou_calendar *c)
{
    if (c->users > 0)
        return koui_fail(c->sim, KOU_ESTATE,
                         "calendar '%s' is already used by a resource; "
                         "give all its hours and holidays before creating resources",
                         c->name);
    return KOU_OK;
}

kou_status kou_calendar_add_hours(kou_calendar *c, unsigned weekday_mask,
                                  double start_h, double end_h, int capacity)
{
    KOU_CHECK(c != NULL);
    kou_status st = refuse_if_used(c);
    if (st != KOU_OK)
        return st;
    if (weekday_mask == 0 || (weekday_mask & ~(unsigned)KOU_EVERYDAY) != 0)
        return koui_fail(c->sim, KOU_EINVAL,
                         "calendar '%s': weekday mask 0x%x must name at least one day "
                         "and only bits 0 (Monday) to 6 (Sunday)",
                         c->name, weekday_mask);
    if (isnan(start_h) || isnan(end_h))
        return koui_fail(c->sim, KOU_EINVAL, "calendar '%s': hours %s–%s are not numbers",
                         c->name, fmt_hm(start_h).s, fmt_hm(end_h).s);
    if (start_h < 0.0 || end_h > 24.0 || start_h >= end_h)
        return koui_fail(c->sim, KOU_EINVAL,
                         "calendar '%s': hours %s–%s must lie within one day, start before "
                         "they end and stay within 00:00–24:00; a night shift 22:00–06:00 "
                         "must be given as 22:00–24:00 and 00:00–06:00",
                         c->name, fmt_hm(start_h).s, fmt_hm(end_h).s);
    if (capacity < 1)
        return koui_fail(c->sim, KOU_EINVAL,
                         "calendar '%s': capacity must be >= 1 (got %d) for hours %s–%s",
                         c->name, capacity, fmt_hm(start_h).s, fmt_hm(end_h).s);
    for (int w = 0; w < 7; w++) {
        if (!(weekday_mask & (1u << w)))
            continue;
        const day_hours *d = &c->week[w];
        for (size_t i = 0; i < d->n_iv; i++)
            if (start_h < d->iv[i].end && d->iv[i].start < end_h)
                return koui_fail(c->sim, KOU_EINVAL, "calendar '%s': %s–%s on %s overlaps %s–%s",
                                 c->name, fmt_hm(start_h).s, fmt_hm(end_h).s, weekday_name[w],
                                 fmt_hm(d->iv[i].start).s, fmt_hm(d->iv[i].end).s);
    }
    /* All checked: now change every named day. */
    for (int w = 0; w < 7; w++) {
        if (!(weekday_mask & (1u << w)))
            continue;
        day_hours *d = &c->week[w];
        d->iv = koui_realloc(d->iv, (d->n_iv + 1) * sizeof *d->iv);
        size_t i = d->n_iv;
        while (i > 0 && d->iv[i - 1].start > start_h) {
            d->iv[i] = d->iv[i - 1];
            i--;
        }
        d->iv[i].start = start_h;
        d->iv[i].end = end_h;
        d->iv[i].capacity = capacity;
        d->n_iv++;
        rebuild_steps(d);
    }
    c->week_open_h = 0.0;
    for (int w = 0; w < 7; w++)
        c->week_open_h += c->week[w].open_h;
    return KOU_OK;
}

/* Index of the first special date on or after simulation day 'day'. */
static size_t special_from(const kou_calendar *c, int64_t day)
{
    size_t lo = 0, hi = c->n_sp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->sp[mid].day < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static kou_status add_special(kou_calendar *c, int32_t yyyymmdd, int follows)
{
    kou_status st = refuse_if_used(c);
    if (st != KOU_OK)
        return st;
    const char *what = follows == SPECIAL_HOLIDAY ? "holiday" : "make-up working day";
    if (!kou_date_is_valid(yyyymmdd))
        return koui_fail(c->sim, KOU_EINVAL,
                         "calendar '%s': %s %ld is not a valid date (YYYYMMDD)", c->name,
                         what, (long)yyyymmdd);
    int64_t day = kou_date_to_days(yyyymmdd) - c->start_days;
    size_t i = special_from(c, day);
    if (i < c->n_sp && c->sp[i].day == day) {
        if (follows == SPECIAL_HOLIDAY && c->sp[i].follows == SPECIAL_HOLIDAY)
            return KOU_OK; /* the same holiday from two lists */
        return koui_fail(c->sim, KOU_EINVAL, "calendar '%s': %s %s is already a %s", c->name,
                         what, fmt_date(yyyymmdd).s,
                         c->sp[i].follows == SPECIAL_HOLIDAY ? "holiday" : "make-up working day");
    }
    if (c->n_sp == c->cap_sp) {
        c->cap_sp = c->cap_sp ? 2 * c->cap_sp : 16;
        c->sp = koui_realloc(c->sp, c->cap_sp * sizeof *c->sp);
    }
    memmove(&c->sp[i + 1], &c->sp[i], (c->n_sp - i) * sizeof *c->sp);
    c->sp[i].day = day;
    c->sp[i].follows = follows;
    c->n_sp++;
    return KOU_OK;
}

kou_status kou_calendar_add_holiday(kou_calendar *c, int32_t yyyymmdd)
{
    KOU_CHECK(c != NULL);
    return add_special(c, yyyymmdd, SPECIAL_HOLIDAY);
}

kou_status kou_calendar_add_workday(kou_calendar *c, int32_t yyyymmdd, int as_weekday)
{
    KOU_CHECK(c != NULL);
    if (as_weekday < 0 || as_weekday > 6)
        return koui_fail(c->sim, KOU_EINVAL,
                         "calendar '%s': make-up working day %ld must follow a weekday "
                         "0 (Monday) to 6 (Sunday), not %d",
                         c->name, (long)yyyymmdd, as_weekday);
    return add_special(c, yyyymmdd, as_weekday);
}

/* ---- day lookup ---- */

/* Splits t into a simulation day and an hour in [0, 24). |t| must be below
** HORIZON_HOURS. */
static void split_time(kou_time t, int64_t *day, double *h)
{
    int64_t d = (int64_t)floor(t / 24.0);
    double r = t - 24.0 * (double)d; /* exact: 24*d is an integer close to t */
    /* t / 24 may round across a day boundary. */
    if (r < 0.0) {
        d--;
        r = t - 24.0 * (double)d;
    } else if (r >= 24.0) {
        d++;
        r = t - 24.0 * (double)d;
    }
    *day = d;
    *h = r;
}

/* Hours of simulation day 'day'; *si is an index with sp[*si - 1].day < day
** (special_from of an earlier day), moved forward as needed, so scanning
** days in order costs no search. */
static const day_hours *day_at(const kou_calendar *c, int64_t day, size_t *si)
{
    while (*si < c->n_sp && c->sp[*si].day < day)
        (*si)++;
    int w;
    if (*si < c->n_sp && c->sp[*si].day == day) {
        if (c->sp[*si].follows == SPECIAL_HOLIDAY)
            return &closed_day;
        w = c->sp[*si].follows;
    } else {
        int64_t x = ((int64_t)c->start_weekday + day) % 7;
        w = (int)(x < 0 ? x + 7 : x);
    }
    return &c->week[w];
}

/* Index of the step in force at hour h. */
static size_t step_at(const day_hours *d, double h)
{
    size_t k = 0;
    while (k + 1 < d->n_steps && d->steps[k + 1].h <= h)
        k++;
    return k;
}

static double step_end(const day_hours *d, size_t k)
{
    return k + 1 < d->n_steps ? d->steps[k + 1].h : 24.0;
}

/* ---- queries ---- */

const char *kou_calendar_name(const kou_calendar *c)
{
    KOU_CHECK(c != NULL);
    return c->name;
}

kou_sim *koui_calendar_sim(const kou_calendar *c)
{
    KOU_CHECK(c != NULL);
    return c->sim;
}

void koui_calendar_attach(kou_calendar *c)
{
    KOU_CHECK(c != NULL);
    c->users++;
}

int kou_calendar_capacity_at(const kou_calendar *c, kou_time t)
{
    KOU_CHECK(c != NULL);
    if (!(fabs(t) < HORIZON_HOURS))
        return 0;
    int64_t day;
    double h;
    split_time(t, &day, &h);
    size_t si = special_from(c, day);
    const day_hours *d = day_at(c, day, &si);
    return d->steps[step_at(d, h)].capacity;
}

kou_time kou_calendar_next_change(const kou_calendar *c, kou_time t)
{
    KOU_CHECK(c != NULL);
    if (isnan(t))
        return NAN;
    if (t >= HORIZON_HOURS || c->week_open_h <= 0.0)
        return INFINITY; /* never open: holidays change nothing */
    if (t < -HORIZON_HOURS)
        t = -HORIZON_HOURS;
    int64_t day;
    double h;
    split_time(t, &day, &h);
    size_t si = special_from(c, day);
    const day_hours *d = day_at(c, day, &si);
    int now = d->steps[step_at(d, h)].capacity;
    /* After the last special date the pattern repeats weekly, so a full week
    ** beyond both t and that date without a change means none ever comes. */
    int64_t last = day;
    if (c->n_sp > 0 && c->sp[c->n_sp - 1].day + 1 > last)
        last = c->sp[c->n_sp - 1].day + 1;
    last += 7;
    for (; day <= last; day++) {
        d = day_at(c, day, &si);
        for (size_t k = 0; k < d->n_steps; k++)
            if (d->steps[k].h > h && d->steps[k].capacity != now)
                return 24.0 * (double)day + d->steps[k].h;
        h = -1.0; /* on later days, midnight (step 0) counts as well */
    }
    return INFINITY;
}

/* Whole weeks from simulation day 'day' that contain no special date. */
static int64_t plain_weeks_from(const kou_calendar *c, int64_t day, size_t si)
{
    while (si < c->n_sp && c->sp[si].day < day)
        si++;
    if (si == c->n_sp)
        return INT64_MAX / 8;
    return (c->sp[si].day - day) / 7;
}

kou_time kou_calendar_advance(const kou_calendar *c, kou_time start, double work_hours)
{
    KOU_CHECK(c != NULL);
    if (isnan(start) || isnan(work_hours) || work_hours < 0.0) {
        koui_fail(c->sim, KOU_EINVAL,
                  "calendar '%s': cannot schedule %g hours of work starting at hour %g",
                  c->name, work_hours, start);
        return NAN;
    }
    if (work_hours == 0.0)
        return start;
    if (start >= HORIZON_HOURS || c->week_open_h <= 0.0)
        return INFINITY;
    /* Holidays only lengthen the span: if the end lies beyond the horizon
    ** even without them, it is "never" (and day counts stay small). */
    if (work_hours / c->week_open_h * 168.0 > HORIZON_HOURS)
        return INFINITY;
    if (start < -HORIZON_HOURS)
        start = -HORIZON_HOURS;
    int64_t day;
    double h;
    split_time(start, &day, &h);
    size_t si = special_from(c, day);
    double left = work_hours;
    for (;;) {
        if (h == 0.0) {
            /* Skip whole weeks without special dates, but never the week
            ** in which the work ends. */
            int64_t room = plain_weeks_from(c, day, si);
            double weeks = floor(left / c->week_open_h);
            if (weeks > (double)room)
                weeks = (double)room;
            while (weeks > 0.0 && weeks * c->week_open_h >= left)
                weeks -= 1.0;
            if (weeks > 0.0) {
                day += 7 * (int64_t)weeks;
                left -= weeks * c->week_open_h;
            }
        }
        const day_hours *d = day_at(c, day, &si);
        for (size_t k = step_at(d, h); k < d->n_steps; k++) {
            if (d->steps[k].capacity <= 0)
                continue;
            double from = d->steps[k].h > h ? d->steps[k].h : h;
            double len = step_end(d, k) - from;
            if (left <= len)
                return 24.0 * (double)day + from + left;
            left -= len;
        }
        day++;
        h = 0.0;
    }
}

double kou_calendar_open_hours(const kou_calendar *c, kou_time t0, kou_time t1)
{
    KOU_CHECK(c != NULL);
    if (isnan(t0) || isnan(t1))
        return NAN;
    if (!(t1 > t0) || c->week_open_h <= 0.0)
        return 0.0;
    if (t1 >= HORIZON_HOURS || t0 <= -HORIZON_HOURS) {
        if (isinf(t1) || isinf(t0))
            return INFINITY;
        t0 = t0 < -HORIZON_HOURS ? -HORIZON_HOURS : t0;
        t1 = t1 > HORIZON_HOURS ? HORIZON_HOURS : t1;
    }
    int64_t day, end_day;
    double h, end_h;
    split_time(t0, &day, &h);
    split_time(t1, &end_day, &end_h);
    size_t si = special_from(c, day);
    double total = 0.0;
    while (day < end_day || (day == end_day && h < end_h)) {
        if (h == 0.0 && day < end_day) {
            int64_t weeks = plain_weeks_from(c, day, si);
            if (weeks > (end_day - day) / 7)
                weeks = (end_day - day) / 7;
            if (weeks > 0) {
                total += (double)weeks * c->week_open_h;
                day += 7 * weeks;
                continue;
            }
        }
        const day_hours *d = day_at(c, day, &si);
        double until = day == end_day ? end_h : 24.0;
        for (size_t k = step_at(d, h); k < d->n_steps && d->steps[k].h < until; k++) {
            if (d->steps[k].capacity <= 0)
                continue;
            double from = d->steps[k].h > h ? d->steps[k].h : h;
            double to = step_end(d, k) < until ? step_end(d, k) : until;
            total += to - from;
        }
        day++;
        h = 0.0;
    }
    return total;
}
