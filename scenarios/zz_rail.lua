-- zz_rail.lua — China–Europe Railway Express, Zhengzhou rail port (Putian
-- container centre station): inbound block trains (border-station
-- formalities, then clearance at Zhengzhou) and outbound trains; eras 2017,
-- 2018, 2021.
--
--   kouan run scenarios/zz_rail.lua --era 2021
--
-- Volumes (domain.md §5, rows 20-22): 501 trains in 2017 at ≈ 55:45 out/in
-- (row 21) -> 276 out, 225 in; 752 in 2018 at ≈ 50:50 -> 376 + 376; 1,546
-- in 2021 at ≈ 47:53 -> 727 out, 819 in. ≈ 90 TEU a train (row 22), i.e.
-- ≈ 45 forty-foot boxes (35-55). Outbound trains run to a timetable (5 a
-- week in 2017 ≈ 260, daily in 2018 = 364, two a day in 2021 = 728);
-- inbound trains arrive as a Poisson stream (their days depend on the
-- European side and the border). Each box carries 1-3 declarations, mean
-- 1.5 (less-than-container consolidation at Zhengzhou) [E]: ≈ 15k import
-- and 18k export declarations in 2017.
--
-- Border station (rows 25-27): inbound formalities ≈ 30 h in 2017 and 2018,
-- 18.5 h from 2019; under through-clearance (2021) only the data check
-- (< 0.5 h) remains. The model starts a train's clock at ARRIVAL and runs
-- the border stage from there; the goods count as present from
-- BORDER_DONE. Outbound border time (row 26) has no stage in the model
-- (exports end at release / departure from Zhengzhou).

local P = import "ports"

local BOX_CONSIGNMENTS = {"discrete", values = {1, 2, 3}, weights = {0.6, 0.3, 0.1}}  -- mean 1.5 [E]
local BOXES = {"triangular", min = 35, mode = 45, max = 55}                             -- row 22

local IMPORT_GOODS = {
  {name = "general", share = 0.60, duty_prob = 0.95},                  -- machinery, auto parts
  {name = "food", share = 0.15, duty_prob = 1.0, extra_inspect_prob = 0.10,
   lab_prob = 0.3, lab_time = {"lognormal", mean = 72, cv = 0.5}},      -- wine, meat, dairy [E]
  {name = "bonded", share = 0.25, duty_prob = 0.0},                    -- bonded / e-commerce stock
}
local EXPORT_GOODS = {
  {name = "general", share = 0.85, duty_prob = 0.0},
  {name = "ecommerce", share = 0.15, duty_prob = 0.0},
}

local VOLUME = {   -- outbound timetable, inbound trains per year
  ["2017"] = {out = {{days = "Mon-Fri", at = "10:00"}}, inbound = 225},
  ["2018"] = {out = {{days = "daily", at = "10:00"}}, inbound = 376},
  ["2021"] = {out = {{days = "daily", at = "06:00"}, {days = "daily", at = "18:00"}}, inbound = 819},
}

local function ports(year)
  local e, v = P.era[year], VOLUME[year]
  local imp = P.rail{
    name = "ZZ rail import", name_zh = "郑州铁路进口", direction = "import", year = year,
    flows = {
      {name = "block train", mode = "rail", direction = "import",
       rate_per_hour = P.weekly_rate(v.inbound * 7 / 364),
       units_per_carrier = BOXES, consignments_per_unit = BOX_CONSIGNMENTS,
       trader_share = P.traders, goods = IMPORT_GOODS},
    },
  }
  local exp = P.rail{
    name = "ZZ rail export", name_zh = "郑州铁路出口", direction = "export", year = year,
    flows = {
      {name = "block train", mode = "rail", direction = "export",
       timetable = v.out, delay = {"exponential", mean = 2},
       units_per_carrier = BOXES, consignments_per_unit = BOX_CONSIGNMENTS,
       trader_share = P.traders, goods = EXPORT_GOODS,
       goods_lead = {"lognormal", mean = 48, cv = 0.5}, goods_window_hours = 120},
    },
    set = {certs_per_consignment = e.certs_per_consignment * 0.5},
  }
  return {imp, exp}
end

return P.reform_scenario {name = "Zhengzhou rail port (China–Europe Railway Express)",
                          name_zh = "郑州铁路口岸（中欧班列）", ports = ports}
