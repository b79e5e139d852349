-- ports.lua — port templates (air, rail, road) with default resources,
-- stage times, levers and fees, and the reform levers of each era.
--
--   local P = import "ports"
--   P.air{name = "CGO import", direction = "import", year = "2017",
--         flows = {...}, set = {resources = {handling = {capacity = 10}}}}
--
-- A template returns a plain port table (docs/scenario-format.md, "Ports");
-- `set` is merged over it last (maps key by key, anything else replaced),
-- so a scenario can change any field. The stage times and levers of a year
-- come from P.era[year] (the reform package) and P.fit (the values fitted
-- to the 2017 national baseline); the row numbers are those of the
-- calibration table at the end of the project's shared domain notes (shared/domain.md), [E] marks an
-- estimate of ours with no source.
--
-- One model port per direction. prep_time and advance_share are port
-- fields, and the 2017 baseline needs about 80 h of preparation for
-- imports but about 12 h for exports (rows 1-4), so each port of entry is
-- written as an import side and an export side, each with its own
-- resources (as the import and export terminals of an airport are).

local cal = import "calendars"

local M = {cal = cal}

local copy = (import "scenario").copy  -- deep copy, refusing cycles

-- Maps merge key by key; arrays and distributions are replaced.
local function merge(dst, src)
  for k, v in pairs(src) do
    if type(v) == "table" and type(dst[k]) == "table" and v[1] == nil and dst[k][1] == nil then
      merge(dst[k], v)
    else
      dst[k] = copy(v)
    end
  end
  return dst
end
M.copy, M.merge = copy, merge

-- ---- fitted to the 2017 baseline (henan.lua) ----------------------------
-- Only parameters the calibration table marks as estimates are fitted,
-- with henan.lua, era 2017, 5 replications: the preparation times (no
-- row: the residual of rows 1-5; `kouan calibrate
-- scenarios/calibration/henan_2017.lua` gives the two values below) and
-- the queue sizes / on-call hours of CGO's document reviewers (row 14:
-- "office hours + appointment", fitted by hand). The other estimates are
-- priors (uncertain{}), at their medians in a plain run: inspection
-- rates 2017 (row 6), scan share (row 9), advance shares (row 10,
-- docs/clearance-time.md); the duty wait (row 30) is a prior chosen so that, without the
-- office-hours queue, customs import time is the Nov-2017 run-rate of
-- 8.96 h (row 4, R18 column): the 2017 customs time is then the
-- post-integration level plus the wait for CGO's reviewers.
M.fit = {
  prep_import_mean = param("prep_import_mean", 89.62),  -- h, arrival -> declaration, not advance-declared (fitted: rows 1, 3)
  prep_export_mean = param("prep_export_mean", 12.48),  -- h, goods at the port -> declaration (fitted: rows 2, 4)
  prep_cv = 1.0,             -- [E] heavy right tail
  duty_mean_2017 = 12.0,     -- h, tax bill -> paid, pay before release (prior in 0-48 h, row 30)
  -- Not fitted: priors over the estimate ranges of the calibration table;
  -- a plain run uses their medians (the middles), kouan run/compare
  -- --uncertainty N draws them (docs/uncertainty.md).
  ordinary_inspect_2017 = uncertain{0.03, 0.05, name = "inspect_ordinary_2017",
                                    source = "domain.md row 6: 3-5 % (estimate)"},
  scan_first_2017 = uncertain{0.0, 0.20, name = "scan_first_2017", source = "domain.md row 9: 0-20 % (estimate)"},
  -- Advance declaration by direction (docs/clearance-time.md, F1): imports
  -- after the carrier departs, exports up to 3 days before the goods reach
  -- the port (运抵), by approval in 2017 (GACC Ann. 2014 No. 74); no share
  -- was found for either (gap G5).
  advance_import_2017 = uncertain{0.02, 0.25, mode = 0.10, name = "advance_import_2017",
                                  source = "domain.md row 10 (5-15 %) widened; docs/clearance-time.md (f)"},
  advance_export_2017 = uncertain{0.0, 0.30, name = "advance_export_2017",
                                  source = "docs/clearance-time.md (f): export default is after 运抵 (A3, A4)"},
  docs_off_capacity = 2,     -- reviewers on call outside office hours (default; queue size)
  -- CGO document reviewers, office hours / on call (queue sizes, fitted:
  -- import to 16.7 h customs import, export to 1.13 h customs export, row 4)
  cgo_import_docs = {day = 20, on_call = 10},
  cgo_export_docs = {day = 20, on_call = 5},
  -- CGO import reviewers on call before the 7x24 reforms: weekday
  -- evenings to 20:00 and weekend days 09:00-15:30 only (fitted, row 4)
  cgo_import_docs_hours = {nights = false, off_until = "20:00", weekend_from = "09:00", weekend_to = "15:30"},
}

-- The preparation mean of declarations not lodged in advance. The fit
-- pins the mean preparation after arrival over all declarations of 2017,
-- (1 - a) x mean with a the 2017 advance share of the side (advance-
-- declared goods have none); the means above were fitted at a = 0.10.
-- For another 2017 share (its prior's median, or a draw of
-- --uncertainty) the mean moves so that 2017 stays on its fitted time.
local ADVANCE_AT_FIT = 0.10
function M.prep_mean(import_side)
  local m = import_side and M.fit.prep_import_mean or M.fit.prep_export_mean
  local a = import_side and M.fit.advance_import_2017 or M.fit.advance_export_2017
  return m * (1 - ADVANCE_AT_FIT) / (1 - a)
end

-- ---- the reform packages ------------------------------------------------
-- Class rates of 2019 (row 6, R21 column, [C]): AEO advanced 0.57 %,
-- general-certified 1.69 %, ordinary 2.44 %, discredited 84.76 %. Earlier
-- years scale the three certified/ordinary rates to the year's ordinary
-- rate (row 6 estimates), keeping the 2019 ratios.
local function rates(ordinary)
  local k = ordinary / 0.0244
  return {aeo_advanced = 0.0057 * k, aeo_general = 0.0169 * k, ordinary = ordinary, discredited = 0.8476}
end

-- Certificates per consignment: 2017 mean, scaled by the number of
-- supervision certificates 86 -> 48 (Nov 2018) -> 41 (2020) (row 32).
local CERTS_2017 = 0.3   -- [E] mean certificates a declaration must show (2017)
local PAPER, ONLINE = 0.4, 0.03   -- [E] hours to verify one paper / networked certificate

-- Mean verification time per certificate when a share is networked.
local function cert_time(online_share)
  local m = online_share * ONLINE + (1 - online_share) * PAPER
  return {"lognormal", mean = m, cv = 0.8}
end

-- The CIQ clearance form (通关单) before the declaration of goods under
-- statutory inspection was abolished on 1 Jun 2018 (GACC Ann. 2018 No. 50):
-- the preparation left without it, as a share of the 2017 fit, from 2018
-- on (one draw for both eras); the share of such goods is not known
-- (docs/clearance-time.md, F3).
local NO_CIQ_FORM = {
  import = uncertain{0.80, 1.0, name = "prep_factor_import",
                     source = "docs/clearance-time.md (f), F3: 通关单 abolished 2018-06-01 [E]"},
  export = uncertain{0.60, 1.0, name = "prep_factor_export",
                     source = "docs/clearance-time.md (f), F3: 通关单 abolished 2018-06-01 [E]"},
}

M.era = {
  ["2017"] = {
    advance_import = M.fit.advance_import_2017,         -- see M.fit (not fitted)
    advance_export = M.fit.advance_export_2017,
    two_step_share = 0, two_step_prep_factor = 1,       -- two-step declaration from 2019 (F4)
    prep_factor_import = 1, prep_factor_export = 1,     -- the fitted preparation
    inspect_prob = rates(M.fit.ordinary_inspect_2017),  -- row 6: 3-5 %, middle (not fitted)
    scan_first_share = M.fit.scan_first_2017,           -- row 9: 0-20 %, middle (not fitted)
    certs_per_consignment = CERTS_2017,                 -- row 32: 86 certificates
    cert_time = cert_time(0.0),                         -- paper [E]
    release_before_duty = false,                        -- row 30: pay before release
    release_before_lab = false,                         -- row 31: lab result before release
    joint_inspection = false,                           -- customs and CIQ separate until Apr 2018
    apron_release = false,                              -- row 12: warehouse route
    through_clearance = false,                          -- row 27
    border_mean = 30.0,                                 -- row 25, B17 ≈ 30 h
    freighter_unload_per_uld = 0.35,                    -- row 15: turnaround 3-4 h
    cgo_24h = "appointment",                            -- row 14: office hours + appointment
  },
  ["2018"] = {
    advance_import = uncertain{0.10, 0.50, mode = 0.25, name = "advance_import_2018",
                               source = "domain.md row 10 (R18 20-40 %) widened: promoted from Oct 2018 (国发〔2018〕37号)"},
    advance_export = uncertain{0.05, 0.60, name = "advance_export_2018",
                               source = "docs/clearance-time.md (f): promoted from Oct 2018, two months before end-2018"},
    two_step_share = 0, two_step_prep_factor = 1,       -- piloted from 24 Aug 2019 (F4)
    prep_factor_import = NO_CIQ_FORM.import,            -- F3, see NO_CIQ_FORM
    prep_factor_export = NO_CIQ_FORM.export,
    inspect_prob = rates(uncertain{0.025, 0.035, name = "inspect_ordinary_2018",
                                   source = "domain.md row 6, R18: 2.5-3.5 % (estimate)"}),
    scan_first_share = uncertain{0.20, 0.50, name = "scan_first_2018", source = "domain.md row 9, R18: 20-50 % (estimate)"},
    certs_per_consignment = CERTS_2017 * 48 / 86,       -- row 32: 48 certificates (Nov 2018)
    cert_time = cert_time(42 / 46),                     -- §2.2: 42 of 46 online (Oct 2018)
    release_before_duty = true,                         -- row 30: guarantee insurance from 1 Nov 2018
    release_before_lab = true,                          -- row 31: 先验放后检测 (minerals ports only)
    joint_inspection = true,                            -- CIQ merged into customs (Apr 2018): one visit
    apron_release = false,                              -- row 12: apron release from 2019
    through_clearance = false,                          -- row 27: 0 saving in R18
    border_mean = 30.0,                                 -- row 25, R18 ≈ 30 h
    freighter_unload_per_uld = 0.20,                    -- row 15, R18: turnaround ≈ 2 h
    cgo_24h = "appointment24",                          -- row 14, R18: 7x24 by appointment
  },
  ["2021"] = {
    advance_import = uncertain{0.30, 0.85, mode = 0.55, name = "advance_import_2021",
                               source = "domain.md row 10 (R21 40-70 %) widened; docs/clearance-time.md (f)"},
    advance_export = uncertain{0.40, 0.95, mode = 0.75, name = "advance_export_2021",
                               source = "docs/clearance-time.md (f): Changsha CR Express 2021 switch (section b)"},
    -- Two-step declaration (两步申报), imports only: piloted from 24 Aug 2019,
    -- national from 1 Jan 2020; a summary of 9 of 105 items first, duty
    -- after release (docs/clearance-time.md, F4); Zhengzhou was not a
    -- pilot and no share was found.
    two_step_share = uncertain{0.0, 0.30, mode = 0.05, name = "two_step_import_2021",
                               source = "docs/clearance-time.md (d), (f): optional mode, share not found [E]"},
    two_step_prep_factor = uncertain{0.05, 0.50, name = "two_step_prep_factor",
                                     source = "docs/clearance-time.md (f): >= 9 of 105 items; one firm saved 14 h [E]"},
    prep_factor_import = NO_CIQ_FORM.import,
    prep_factor_export = NO_CIQ_FORM.export,
    inspect_prob = rates(0.0244),                       -- row 6, R21: 2019 class rates [C]
    scan_first_share = uncertain{0.50, 0.90, name = "scan_first_2021", source = "domain.md row 9, R21: 50-90 % (estimate)"},
    certs_per_consignment = CERTS_2017 * 41 / 86,       -- row 32: 41 certificates (2020)
    cert_time = cert_time(38 / 41),                     -- §2.2: 38 of 41 online (2020)
    release_before_duty = true,                         -- row 30
    release_before_lab = true,                          -- row 31 (minerals ports only)
    joint_inspection = true,
    apron_release = true,                               -- row 12: apron release ≤ 1 h
    through_clearance = true,                           -- rows 25, 27: rail through / rapid clearance
    border_mean = 18.5,                                 -- row 25, May 2019 (when not through)
    freighter_unload_per_uld = 0.20,                    -- row 15: ≈ 2 h
    cgo_24h = "full",                                   -- row 14: full 7x24 from 1 Apr 2019
  },
}

local function era_of(year)
  local e = M.era[tostring(year)]
  assert(e, "ports: unknown era " .. tostring(year) .. " (known: 2017, 2018, 2021)")
  return e
end

-- Manifest deadlines: how early an import declaration can be lodged
-- (row 11). Exports: within 3 days before the goods reach the port (GACC
-- Ann. 2014 No. 74; the mode is our estimate; docs/clearance-time.md F2).
M.advance_lead = {air = 4, rail = 2, road = 1}
M.export_advance_lead = uncertain{2, 72, mode = 24, name = "export_advance_lead",
                                  source = "GACC Ann. 2014 No. 74: up to 3 days before 运抵; mode [E]"}

-- The levers common to all ports of a year, for one side.
local function levers(year, mode, direction)
  local e = era_of(year)
  local imp = direction == "import"
  return {
    advance_share = imp and e.advance_import or e.advance_export,
    two_step_share = imp and e.two_step_share or 0,
    two_step_prep_factor = e.two_step_prep_factor,
    advance_lead_hours = imp and M.advance_lead[mode] or M.export_advance_lead,
    inspect_prob = copy(e.inspect_prob),
    scan_first_share = e.scan_first_share,
    scan_clear_prob = 0.85,                 -- [E] share of scanned ones cleared on the image
    joint_inspection = e.joint_inspection,
    release_before_duty = e.release_before_duty,
    release_before_lab = false,             -- minerals ports set it (road.lua)
    apron_release = false,                  -- CGO sets it (cgo_air.lua)
    through_clearance = false,              -- rail sets it
    certs_per_consignment = e.certs_per_consignment,
    green_priority = 10,
  }
end

-- Customs stage times shared by all modes.
local function customs_times(year, direction)
  local e = era_of(year)
  local imp = direction == "import"
  return {
    prep_time = {"lognormal", mean = M.prep_mean(imp) * (imp and e.prep_factor_import or e.prep_factor_export),
                 cv = M.fit.prep_cv},
    doc_check = {"lognormal", mean = 0.08, cv = 1.5},     -- [E] most declarations auto-reviewed
    cert_time = copy(e.cert_time),
    scan_time = {"triangular", min = 0.05, mode = 0.1, max = 0.3},  -- row 8
    notice_delay = {"lognormal", mean = 4.0, cv = 0.8},   -- [E] selection -> goods presented
    duty_time = {"lognormal", mean = M.fit.duty_mean_2017, cv = 1.0}, -- row 30 (off the path when released before duty)
  }
end

-- The customs-side calendars of a port: "office" (office hours and
-- holidays), "appointment" (office hours + officers on call the rest of
-- the week), "appointment24" (the same, never limited by `opts`: 7x24 by
-- appointment), "full" (7x24 at the office-hours capacity).
-- `opts` ("appointment" only) limits the on-call hours (calendars.lua,
-- appointment_hours).
function M.customs_calendar(kind, capacity, off_capacity, year, opts)
  if kind == "full" then return cal.h24(capacity) end
  if kind == "appointment24" then return cal.appointment(capacity, off_capacity, year) end
  if kind == "appointment" then return cal.appointment(capacity, off_capacity, year, opts) end
  return cal.office(capacity, year)
end

local function finish(p, o)
  if o.flows then p.flows = copy(o.flows) end
  if o.set then merge(p, o.set) end
  return p
end

-- ---- air ------------------------------------------------------------------
-- o: name, direction, year, flows, set; calendar of the customs side
-- ("appointment" by default; CGO passes the era's cgo_24h) and
-- inspection_calendar (default: the same); capacities docs, docs_off
-- (on call), docs_hours (on-call hours), inspectors, inspectors_off,
-- handling, scanners; unload_per_unit.
function M.air(o)
  local y, e = o.year, era_of(o.year)
  local imp = o.direction == "import"
  local kind = o.calendar or "appointment"
  local p = {
    name = o.name, name_zh = o.name_zh, mode = "air",
    resources = {
      handling = {capacity = o.handling or 8},                   -- forklift / ULD teams, 7x24
      documents = M.customs_calendar(kind, o.docs or 6, o.docs_off or M.fit.docs_off_capacity, y, o.docs_hours),
      scanner = {capacity = o.scanners or 1},
      inspection = M.customs_calendar(o.inspection_calendar or kind, o.inspectors or 6, o.inspectors_off or 1, y),
      ciq = M.customs_calendar(o.inspection_calendar or kind, o.inspectors or 6, o.inspectors_off or 1, y),  -- border (CIQ) inspection, 2017
      apron = {capacity = 2},
      gate = {capacity = 6},
    },
    handling = "handling", documents = "documents", scanner = "scanner",
    inspection = "inspection", border_inspection = "ciq", apron = "apron", gate = "gate",

    unload_per_unit = {"lognormal", mean = o.unload_per_unit or e.freighter_unload_per_uld, cv = 0.3},
    inspect_time = {"triangular", min = 0.5, mode = 1.5, max = 4.0},  -- [E] one ULD / pallet
    warehouse_move = {"triangular", min = 0.5, mode = 1.0, max = 3.0}, -- [E]
    pickup_delay = imp and {"lognormal", mean = 10, cv = 1.0} or {"lognormal", mean = 2, cv = 0.8}, -- [E]
    gate_time = 0.05,
    pickup_cap_hours = 0,

    fee_handling_per_unit = 2000,     -- [E] CNY per ULD (≈ 1 CNY/kg)
    fee_inspection = 400,             -- [E] moving / opening for inspection (row 8: H986 saves ≈ 400/box)
    fee_scan = 100,                   -- [E]
    fee_storage_per_day = 200,        -- [E] per consignment
    storage_free_hours = 72,
  }
  merge(p, customs_times(y, o.direction))
  merge(p, levers(y, "air", o.direction))
  return finish(p, o)
end

-- ---- rail -----------------------------------------------------------------
function M.rail(o)
  local y, e = o.year, era_of(o.year)
  local imp = o.direction == "import"
  local kind = o.calendar or "appointment"
  local p = {
    name = o.name, name_zh = o.name_zh, mode = "rail",
    resources = {
      handling = {capacity = o.handling or 4},                   -- gantry cranes + reach stacker (§5.3)
      documents = M.customs_calendar("appointment", o.docs or 3, 1, y),
      scanner = {capacity = 1},
      inspection = M.customs_calendar(o.inspection_calendar or kind, o.inspectors or 4, 1, y),
      ciq = M.customs_calendar(o.inspection_calendar or kind, o.inspectors or 4, 1, y),
      gate = {capacity = 4},
    },
    handling = "handling", documents = "documents", scanner = "scanner",
    inspection = "inspection", border_inspection = "ciq", gate = "gate",

    unload_per_unit = {"triangular", min = 0.05, mode = 0.08, max = 0.15},  -- [E] crane lift per box
    inspect_time = {"triangular", min = 2, mode = 4, max = 12},            -- row 7
    warehouse_move = {"triangular", min = 1, mode = 2, max = 6},           -- [E] yard moves
    pickup_delay = imp and {"lognormal", mean = 24, cv = 1.0} or {"lognormal", mean = 4, cv = 0.8}, -- [E]
    gate_time = 0.05,
    pickup_cap_hours = 0,
    border_time = {"lognormal", mean = e.border_mean, cv = 0.5},           -- row 25
    border_data_check = {"uniform", min = 0.2, max = 0.5},                 -- row 25: < 0.5 h

    fee_handling_per_unit = 800,      -- [E] CNY per container
    fee_inspection = 600,             -- [E] hoisting / devanning for inspection
    fee_scan = 200,                   -- [E]
    fee_storage_per_day = 100,        -- [E]
    storage_free_hours = 96,
  }
  merge(p, customs_times(y, o.direction))
  merge(p, levers(y, "rail", o.direction))
  if imp then p.through_clearance = e.through_clearance end
  return finish(p, o)
end

-- ---- road -----------------------------------------------------------------
function M.road(o)
  local y = o.year
  local imp = o.direction == "import"
  local kind = o.calendar or "appointment"
  local p = {
    name = o.name, name_zh = o.name_zh, mode = "road",
    resources = {
      handling = {capacity = o.handling or 6},                   -- docks
      documents = M.customs_calendar("appointment", o.docs or 3, 1, y),
      scanner = {capacity = 1},                                  -- drive-through scanner
      inspection = M.customs_calendar(o.inspection_calendar or kind, o.inspectors or 3, 1, y),
      ciq = M.customs_calendar(o.inspection_calendar or kind, o.inspectors or 3, 1, y),
      gate = {capacity = 4},
    },
    handling = "handling", documents = "documents", scanner = "scanner",
    inspection = "inspection", border_inspection = "ciq", gate = "gate",

    unload_per_unit = {"triangular", min = 0.3, mode = 0.5, max = 1.0},  -- [E] one truck load
    inspect_time = {"triangular", min = 2, mode = 4, max = 12},         -- row 7
    warehouse_move = {"triangular", min = 0.3, mode = 0.5, max = 2},    -- [E]
    pickup_delay = imp and {"lognormal", mean = 8, cv = 1.0} or {"lognormal", mean = 2, cv = 0.8}, -- [E]
    gate_time = 0.05,
    pickup_cap_hours = 0,

    fee_handling_per_unit = 300,      -- [E] CNY per truck load
    fee_inspection = 400,             -- [E]
    fee_scan = 50,                    -- [E] (mobile scanner, 20 s a truck, row 8)
    fee_storage_per_day = 100,        -- [E]
    storage_free_hours = 72,
  }
  merge(p, customs_times(y, o.direction))
  p.scan_time = {"uniform", min = 0.01, max = 0.1}                       -- row 8: 20 s a truck + queue
  merge(p, levers(y, "road", o.direction))
  return finish(p, o)
end

-- ---- helpers for flows ------------------------------------------------------

-- A Poisson rate per hour of the week (168 values) from a daily profile of
-- 24 relative weights and a weekly total.
function M.weekly_rate(per_week, hourly)
  hourly = hourly or {}
  local w, sum = {}, 0
  for h = 1, 24 do w[h] = hourly[h] or 1; sum = sum + w[h] end
  local r = {}
  for d = 0, 6 do
    for h = 1, 24 do r[d * 24 + h] = per_week / 7 * w[h] / sum end
  end
  return r
end

-- Daytime-heavy profile for trucks (06-22 h), night-heavy for freighters.
M.day_profile = {0.2, 0.2, 0.2, 0.2, 0.2, 0.5, 1, 1.5, 1.5, 1.5, 1.5, 1.5,
                 1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 1.2, 1, 0.8, 0.6, 0.4, 0.3}

-- Trader credit mix by declarations [E]: AEO firms declare far more than
-- their share of firms (> 5,800 AEOs carried ~40 % of trade in 2024, §2.3).
M.traders = {aeo_advanced = 0.10, aeo_general = 0.15, ordinary = 0.745, discredited = 0.005}

-- `n` evenly spread daily times "HH:MM" starting at `first` hour, every
-- `step` hours (for freighter and train timetables).
function M.daily_times(first, step, n)
  local t = {}
  for i = 0, n - 1 do
    local h = (first + i * step) % 24
    local hh, mm = math.floor(h), math.floor((h - math.floor(h)) * 60 + 0.5)
    t[#t + 1] = {days = "daily", at = string.format("%02d:%02d", hh, mm)}
  end
  return t
end

M.start_date = cal.start_date

-- What was fitted, for the scenarios' `fitted` lists (values from M.fit).
M.fitted = {
  string.format("ports.<all import sides>.prep_time.mean = %g h: fitted to 97.39 h overall import (2017, rows 1, 3)", M.fit.prep_import_mean),
  string.format("ports.<all export sides>.prep_time.mean = %g h: fitted to 12.29 h overall export (2017, rows 2, 4)", M.fit.prep_export_mean),
  string.format("ports.CGO import.resources.documents: %d reviewers in office hours, %d on call weekday evenings to %s and weekends %s-%s (2017): fitted to 16.7 h customs import (row 4, row 14)",
                M.fit.cgo_import_docs.day, M.fit.cgo_import_docs.on_call, M.fit.cgo_import_docs_hours.off_until,
                M.fit.cgo_import_docs_hours.weekend_from, M.fit.cgo_import_docs_hours.weekend_to),
  string.format("ports.CGO export.resources.documents: %d reviewers in office hours, %d on call at all other hours (2017): fitted to 1.13 h customs export (row 4)",
                M.fit.cgo_export_docs.day, M.fit.cgo_export_docs.on_call),
  string.format("not fitted, mid-range priors: inspect_prob.ordinary = %g (row 6), scan_first_share = %g (row 9), advance_share = %g / %g (import / export, row 10), duty_time.mean = %g h (row 30)",
                M.fit.ordinary_inspect_2017, M.fit.scan_first_2017, M.fit.advance_import_2017, M.fit.advance_export_2017,
                M.fit.duty_mean_2017),
}

-- The scenario every Henan file returns: a year of arrivals after two weeks
-- of warm-up, eras 2017 (the default, calibrated), 2018 and 2021, where
-- t.ports(year) builds the port list of an era and the era's start date
-- comes with it. t.name, t.name_zh and t.max_in_system are passed through.
function M.reform_scenario(t)
  local function era(year)
    return {start_date = M.start_date[year], ports = t.ports(year)}
  end
  return scenario {
    name = t.name,
    name_zh = t.name_zh,
    start_date = M.start_date["2017"],
    horizon_days = 364,
    warmup_days = 14,
    max_in_system = t.max_in_system,
    era = "2017",
    eras = {["2017"] = era("2017"), ["2018"] = era("2018"), ["2021"] = era("2021")},
    fitted = M.fitted,
    ports = t.ports("2017"),
  }
end

return M
