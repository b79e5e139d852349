-- luoyang_air.lua — Luoyang Beijiao airport (LYA), a small air port of
-- entry: occasional international charters and belly cargo; document
-- review on office hours with a reviewer on call, physical inspection on
-- office hours with the year's public holidays and make-up days (no 7x24
-- reform is documented for Luoyang, so the calendars stay the same in
-- every era); eras 2017, 2018, 2021 (the national levers of each era
-- apply).
--
--   kouan run scenarios/luoyang_air.lua
--
-- Volumes [E] (domain.md has no Luoyang figure): 3 arrivals and 3
-- departures a week, 2-12 ULDs each, 2 declarations a ULD: ≈ 2k import and
-- 2k export declarations a year.

local P = import "ports"

local ULD_CONSIGNMENTS = {"discrete", values = {1, 2, 3}, weights = {0.3, 0.4, 0.3}}  -- mean 2 [E]
local ULDS = {"triangular", min = 2, mode = 6, max = 12}

local IMPORT_GOODS = {
  {name = "general", share = 0.85, duty_prob = 0.95},
  {name = "fresh", share = 0.15, green_channel = true, duty_prob = 1.0, extra_inspect_prob = 0.30,
   lab_prob = 0.2, lab_time = {"lognormal", mean = 24, cv = 0.5}},
}
local EXPORT_GOODS = {{name = "general", share = 1.0, duty_prob = 0.0}}

local function ports(year)
  local e = P.era[year]
  local imp = P.air{
    name = "LYA import", name_zh = "洛阳机场进口", direction = "import", year = year, calendar = "appointment",
    inspection_calendar = "office", docs = 2, docs_off = 1, inspectors = 2, handling = 2,
    flows = {
      {name = "charter", mode = "air", direction = "import",
       rate_per_hour = P.weekly_rate(3, P.day_profile),
       units_per_carrier = ULDS, consignments_per_unit = ULD_CONSIGNMENTS,
       trader_share = P.traders, goods = IMPORT_GOODS},
    },
  }
  local exp = P.air{
    name = "LYA export", name_zh = "洛阳机场出口", direction = "export", year = year, calendar = "appointment",
    inspection_calendar = "office", docs = 2, docs_off = 1, inspectors = 2, handling = 2,
    flows = {
      {name = "charter", mode = "air", direction = "export",
       timetable = {{days = "Tue,Thu,Sat", at = "11:00"}}, delay = {"lognormal", mean = 1, cv = 1},
       units_per_carrier = ULDS, consignments_per_unit = ULD_CONSIGNMENTS,
       trader_share = P.traders, goods = EXPORT_GOODS,
       goods_lead = {"lognormal", mean = 36, cv = 0.5}, goods_window_hours = 96},
    },
    set = {certs_per_consignment = e.certs_per_consignment * 0.5},
  }
  return {imp, exp}
end

return P.reform_scenario {name = "Luoyang airport (LYA) international air cargo",
                          name_zh = "洛阳机场国际航空货运", ports = ports}
