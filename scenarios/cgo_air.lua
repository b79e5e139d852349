-- cgo_air.lua — Zhengzhou Xinzheng airport (CGO), international air cargo:
-- freighters (night-heavy timetable) and belly cargo, import and export
-- sides, eras 2017 (baseline), 2018 (end-2018 package), 2021 (end-2021).
--
--   kouan run scenarios/cgo_air.lua --era 2021
--
-- Volumes (domain.md §4, rows 16-18): ≈ 110 all-cargo flights a week in
-- 2017/18, read as movements (55 arrivals + 55 departures; the source does
-- not say), ≈ 112 arrivals + 112 departures a week in 2021 (row 18 [D]).
-- A B747F carries up to 39 ULD positions (30 main deck + 9 lower) and
-- 80-88 t (row 16); inbound loads are lighter than outbound [E]. Each ULD
-- holds 1-10 customs declarations, mean 2.9 (consolidations) [E]. That
-- gives ≈ 225k import and ≈ 260k export declarations a year in 2017
-- (≈ 1,440 import and 1,660 export ULDs a week, ≈ 350 kt at ≈ 2.2 t a
-- ULD, against ≈ 290 kt international [D: 2 x H1 132 kt]: a little high)
-- and 1.7x / 1.9x that in 2021 (international 540 kt, row 17). Cross-border e-commerce parcels cleared as
-- orders (9610/1210 manifests, millions a year) are not declarations in
-- this sense and are left out.

local P = import "ports"

local ULD_CONSIGNMENTS = {"discrete", values = {1, 2, 3, 4, 6, 10},
                          weights = {0.30, 0.25, 0.20, 0.10, 0.10, 0.05}}   -- mean 2.9 [E]

-- Arrivals per day: night-heavy (freighters mostly at night, §3).
local function freighter_times(per_day)
  if per_day <= 8 then
    local t = P.daily_times(20.5, 1.5, per_day - 1)       -- 20:30 .. 05:30
    t[#t + 1] = {days = "daily", at = "14:00"}
    return t
  end
  local t = P.daily_times(19.0, 0.75, per_day - 4)        -- 19:00 .. 03:15 / 04:00
  for _, h in ipairs({"09:30", "12:00", "14:30", "16:30"}) do t[#t + 1] = {days = "daily", at = h} end
  return t
end

-- Departures 3 h after the arrivals (turnaround, row 15).
local function departure_times(per_day)
  local t = freighter_times(per_day)
  for _, e in ipairs(t) do
    local hh, mm = e.at:match("(%d+):(%d+)")
    e.at = string.format("%02d:%s", (tonumber(hh) + 3) % 24, mm)
  end
  return t
end

local IMPORT_GOODS = {
  {name = "general", share = 0.45, duty_prob = 0.95},
  -- processing-trade inputs (phone parts) and bonded e-commerce stock
  -- (1210) entering the bonded zone: no duty at entry [E]
  {name = "bonded", share = 0.47, duty_prob = 0.0},
  -- fruit, chilled seafood and meat at the designated ports (§3): green
  -- channel, apron release from 2019, quarantine checks and lab samples [E]
  {name = "fresh", share = 0.08, apron_eligible = true, green_channel = true, duty_prob = 1.0,
   extra_inspect_prob = 0.30, lab_prob = 0.2, lab_time = {"lognormal", mean = 24, cv = 0.5}},
}

local EXPORT_GOODS = {
  {name = "general", share = 0.50, duty_prob = 0.0},
  {name = "bonded", share = 0.45, duty_prob = 0.0},      -- processing-trade exports (phones)
  {name = "ecommerce", share = 0.05, duty_prob = 0.0},
}

local VOLUME = {   -- freighter arrivals per day, belly arrivals per week, ULDs per freighter
  ["2017"] = {freighters = 8, belly = 14, ulds_in = {"triangular", min = 12, mode = 26, max = 39}},
  ["2018"] = {freighters = 8, belly = 14, ulds_in = {"triangular", min = 12, mode = 27, max = 39}},
  ["2021"] = {freighters = 16, belly = 4, ulds_in = {"triangular", min = 8, mode = 21, max = 39}},
}

local function ports(year)
  local e, v = P.era[year], VOLUME[year]
  local kind = e.cgo_24h
  local imp = P.air{
    name = "CGO import", name_zh = "郑州机场进口", direction = "import", year = year, calendar = kind,
    docs = P.fit.cgo_import_docs.day, docs_off = P.fit.cgo_import_docs.on_call,
    docs_hours = P.fit.cgo_import_docs_hours, inspectors = 16, inspectors_off = 2,
    flows = {
      {name = "freighter", mode = "air", direction = "import",
       timetable = freighter_times(v.freighters), delay = {"lognormal", mean = 0.75, cv = 1.5},
       units_per_carrier = v.ulds_in, consignments_per_unit = ULD_CONSIGNMENTS,
       trader_share = P.traders, goods = IMPORT_GOODS},
      {name = "belly", mode = "air", direction = "import",
       rate_per_hour = P.weekly_rate(v.belly, P.day_profile),
       units_per_carrier = {"triangular", min = 2, mode = 4, max = 8},
       consignments_per_unit = ULD_CONSIGNMENTS, trader_share = P.traders, goods = IMPORT_GOODS},
    },
    set = {apron_release = e.apron_release},
  }
  local exp = P.air{
    name = "CGO export", name_zh = "郑州机场出口", direction = "export", year = year, calendar = kind,
    docs = P.fit.cgo_export_docs.day, docs_off = P.fit.cgo_export_docs.on_call,
    inspectors = 12, inspectors_off = 1,
    flows = {
      {name = "freighter", mode = "air", direction = "export",
       timetable = departure_times(v.freighters), delay = {"lognormal", mean = 0.75, cv = 1.5},
       units_per_carrier = {"triangular", min = 18, mode = 32, max = 39},
       consignments_per_unit = ULD_CONSIGNMENTS, trader_share = P.traders, goods = EXPORT_GOODS,
       goods_lead = {"lognormal", mean = 36, cv = 0.5}, goods_window_hours = 96},
      {name = "belly", mode = "air", direction = "export",
       rate_per_hour = P.weekly_rate(v.belly, P.day_profile),
       units_per_carrier = {"triangular", min = 2, mode = 4, max = 8},
       consignments_per_unit = ULD_CONSIGNMENTS, trader_share = P.traders, goods = EXPORT_GOODS,
       goods_lead = {"lognormal", mean = 36, cv = 0.5}, goods_window_hours = 96},
    },
    -- exports show fewer certificates than imports [E]
    set = {certs_per_consignment = e.certs_per_consignment * 0.5},
  }
  return {imp, exp}
end

return P.reform_scenario {name = "Zhengzhou airport (CGO) international air cargo",
                          name_zh = "郑州机场国际航空货运", ports = ports}
