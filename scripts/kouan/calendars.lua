-- calendars.lua — opening hours and the Chinese public-holiday calendar for
-- port scenarios (docs/scenario-format.md, "resources").
--
--   local cal = import "calendars"
--   documents = cal.office(4, "2017")          -- office hours, holidays, 调休
--   inspection = cal.appointment(6, 1, "2017") -- office hours + off-hours by appointment
--   handling = cal.h24(8)                       -- 7x24
--
-- Every function returns a fresh table, so a caller may change it.
--
-- Holidays (放假) and make-up working days (调休上班) are the State Council
-- General Office notices for 2017 (国办发明电〔2016〕14号), 2018
-- (国办发明电〔2017〕12号) and 2021 (国办发明电〔2020〕27号), written from
-- memory of the official schedules (not from domain.md, which has none);
-- each year also carries the first days of the next year that a run's
-- drain can reach. Dates marked "unsure" below are the ones to check first.
-- Holidays close a calendar resource all day; a make-up day opens it with
-- the hours of the weekday named in `as` (Monday, by convention: every
-- office calendar here has the same hours Monday to Friday).

local M = {}

local function window(days, from, to, capacity)
  return {days = days, from = from, to = to, capacity = capacity}
end

local copy = (import "scenario").copy  -- deep copy, refusing cycles

-- ---- opening hours ------------------------------------------------------

-- Government office hours, Monday to Friday 08:30-12:00 and 13:30-17:30
-- (7.5 h a day, 37.5 h a week).
function M.office_hours(capacity)
  return {
    window("Mon-Fri", "08:30", "12:00", capacity),
    window("Mon-Fri", "13:30", "17:30", capacity),
  }
end

-- Open 7x24 at one capacity.
function M.h24_hours(capacity)
  return {window("Mon-Sun", "00:00", "24:00", capacity)}
end

-- Office hours at `capacity`, every other hour of the week at
-- `off_capacity` (officers on call / clearance by appointment 预约通关).
-- With off_capacity = 0 this is office_hours(capacity).
-- `off_until` (default "24:00") ends the weekday evening window, and
-- `weekend` = false closes Saturday and Sunday: a partial appointment
-- regime (evenings only).
function M.appointment_hours(capacity, off_capacity, opts)
  opts = opts or {}
  local h = M.office_hours(capacity)
  if off_capacity and off_capacity > 0 then
    local night_to = opts.off_until or "24:00"
    if opts.nights ~= false then
      h[#h + 1] = window("Mon-Fri", "00:00", "08:30", off_capacity)
    end
    h[#h + 1] = window("Mon-Fri", "12:00", "13:30", off_capacity)
    h[#h + 1] = window("Mon-Fri", "17:30", night_to, off_capacity)
    if opts.weekend ~= false then
      h[#h + 1] = window("Sat-Sun", opts.weekend_from or "00:00", opts.weekend_to or "24:00", off_capacity)
    end
  end
  return h
end

-- Two shifts every day of the week: `day_capacity` from..to, and
-- `night_capacity` the rest of the day (7x24 with a thinner night shift).
function M.shift_hours(day_capacity, night_capacity, from, to)
  from, to = from or "08:00", to or "20:00"
  local h = {window("Mon-Sun", from, to, day_capacity)}
  if night_capacity and night_capacity > 0 then
    h[#h + 1] = window("Mon-Sun", "00:00", from, night_capacity)
    h[#h + 1] = window("Mon-Sun", to, "24:00", night_capacity)
  end
  return h
end

-- ---- public holidays ----------------------------------------------------

-- All days off of each official holiday period (weekends inside a period
-- included: harmless for office calendars), by year.
M.holidays = {
  ["2017"] = {
    "2017-01-01", "2017-01-02",                                   -- 元旦 (Dec 31 2016 - Jan 2)
    "2017-01-27", "2017-01-28", "2017-01-29", "2017-01-30",       -- 春节 Jan 27 - Feb 2
    "2017-01-31", "2017-02-01", "2017-02-02",
    "2017-04-02", "2017-04-03", "2017-04-04",                     -- 清明 Apr 2-4
    "2017-04-29", "2017-04-30", "2017-05-01",                     -- 劳动节 Apr 29 - May 1
    "2017-05-28", "2017-05-29", "2017-05-30",                     -- 端午 May 28-30
    "2017-10-01", "2017-10-02", "2017-10-03", "2017-10-04",       -- 国庆+中秋 Oct 1-8
    "2017-10-05", "2017-10-06", "2017-10-07", "2017-10-08",
    "2017-12-30", "2017-12-31", "2018-01-01",                     -- 元旦 2018 (Dec 30 - Jan 1)
  },
  ["2018"] = {
    "2017-12-30", "2017-12-31", "2018-01-01",                     -- 元旦
    "2018-02-15", "2018-02-16", "2018-02-17", "2018-02-18",       -- 春节 Feb 15-21
    "2018-02-19", "2018-02-20", "2018-02-21",
    "2018-04-05", "2018-04-06", "2018-04-07",                     -- 清明 Apr 5-7
    "2018-04-29", "2018-04-30", "2018-05-01",                     -- 劳动节 Apr 29 - May 1
    "2018-06-16", "2018-06-17", "2018-06-18",                     -- 端午 Jun 16-18
    "2018-09-22", "2018-09-23", "2018-09-24",                     -- 中秋 Sep 22-24
    "2018-10-01", "2018-10-02", "2018-10-03", "2018-10-04",       -- 国庆 Oct 1-7
    "2018-10-05", "2018-10-06", "2018-10-07",
    "2018-12-30", "2018-12-31", "2019-01-01",                     -- 元旦 2019 (Dec 30 - Jan 1)
  },
  ["2021"] = {
    "2021-01-01", "2021-01-02", "2021-01-03",                     -- 元旦 Jan 1-3
    "2021-02-11", "2021-02-12", "2021-02-13", "2021-02-14",       -- 春节 Feb 11-17
    "2021-02-15", "2021-02-16", "2021-02-17",
    "2021-04-03", "2021-04-04", "2021-04-05",                     -- 清明 Apr 3-5
    "2021-05-01", "2021-05-02", "2021-05-03", "2021-05-04",       -- 劳动节 May 1-5
    "2021-05-05",
    "2021-06-12", "2021-06-13", "2021-06-14",                     -- 端午 Jun 12-14
    "2021-09-19", "2021-09-20", "2021-09-21",                     -- 中秋 Sep 19-21
    "2021-10-01", "2021-10-02", "2021-10-03", "2021-10-04",       -- 国庆 Oct 1-7
    "2021-10-05", "2021-10-06", "2021-10-07",
    "2022-01-01", "2022-01-02", "2022-01-03",                     -- 元旦 2022 Jan 1-3 (unsure)
  },
}

-- Make-up working days (调休上班): weekend days worked with weekday hours.
M.workdays = {
  ["2017"] = {
    {"2017-01-22", as = "Mon"}, {"2017-02-04", as = "Mon"},     -- 春节
    {"2017-04-01", as = "Mon"},                                 -- 清明
    {"2017-05-27", as = "Mon"},                                 -- 端午
    {"2017-09-30", as = "Mon"},                                 -- 国庆+中秋
  },
  ["2018"] = {
    {"2018-02-11", as = "Mon"}, {"2018-02-24", as = "Mon"},     -- 春节
    {"2018-04-08", as = "Mon"},                                 -- 清明
    {"2018-04-28", as = "Mon"},                                 -- 劳动节
    {"2018-09-29", as = "Mon"}, {"2018-09-30", as = "Mon"},     -- 国庆
    {"2018-12-29", as = "Mon"},                                 -- 元旦 2019
  },
  ["2021"] = {
    {"2021-02-07", as = "Mon"}, {"2021-02-20", as = "Mon"},     -- 春节
    {"2021-04-25", as = "Mon"}, {"2021-05-08", as = "Mon"},     -- 劳动节
    {"2021-09-18", as = "Mon"},                                 -- 中秋
    {"2021-09-26", as = "Mon"}, {"2021-10-09", as = "Mon"},     -- 国庆
  },
}

-- Short names, as in docs/scenario-format.md: cal.cn_holidays_2017, ...
for _, y in ipairs({"2017", "2018", "2021"}) do
  M["cn_holidays_" .. y] = M.holidays[y]
  M["cn_workdays_" .. y] = M.workdays[y]
end

-- Monday of the first full week of each year: where a year's run starts,
-- so that the weekly timetables line up with the calendar.
M.start_date = {["2017"] = "2017-01-02", ["2018"] = "2018-01-01", ["2021"] = "2021-01-04"}

function M.holidays_of(year)
  local h = M.holidays[tostring(year)]
  assert(h, "calendars: no holidays for year " .. tostring(year))
  return copy(h)
end

function M.workdays_of(year)
  local w = M.workdays[tostring(year)]
  assert(w, "calendars: no make-up days for year " .. tostring(year))
  return copy(w)
end

-- ---- resources ----------------------------------------------------------
-- Each returns a resource table with the same keys (hours, holidays,
-- workdays), so that an era given as a whole resource replaces every one
-- of them when it is merged over another (s:with merges maps key by key).

-- Office hours with the year's holidays and make-up days.
function M.office(capacity, year)
  return {hours = M.office_hours(capacity), holidays = M.holidays_of(year), workdays = M.workdays_of(year)}
end

-- Office hours plus clearance by appointment the rest of the week. The
-- officers on call also cover public holidays (no holiday closures); the
-- make-up days are ordinary weekdays.
function M.appointment(capacity, off_capacity, year, opts)
  return {hours = M.appointment_hours(capacity, off_capacity, opts), holidays = {}, workdays = M.workdays_of(year)}
end

-- 7x24 at a fixed capacity, written as an hours list so that it replaces
-- an office calendar when merged over one.
function M.h24(capacity)
  return {hours = M.h24_hours(capacity), holidays = {}, workdays = {}}
end

-- Day and night shifts every day, holidays included.
function M.shifts(day_capacity, night_capacity, from, to)
  return {hours = M.shift_hours(day_capacity, night_capacity, from, to), holidays = {}, workdays = {}}
end

return M
