-- road.lua — Zhengzhou road ports: truck flights (卡车航班, air cargo
-- trucked under customs seal to and from other airports and declared at
-- Zhengzhou), trucks between the Xinzheng comprehensive bonded zone and
-- other ports, and transfer (转关) cargo from the seaports, including ore
-- concentrates for Henan's smelters; eras 2017, 2018, 2021.
--
--   kouan run scenarios/road.lua --era 2018
--
-- Volumes [E] (domain.md §6 gives only 2025 truck-flight tonnage,
-- > 120 kt): 2017 ≈ 25 truck-flight and 15 transfer trucks a day inbound,
-- 35 truck flights a day outbound, one unit (truck load) each, 1-6
-- declarations a truck (mean 2.8 truck flights, 1.5 transfer). Growth
-- x 1.1 in 2018 and x 1.5 in 2021 [E]. ≈ 32k import and 33k export
-- declarations a year in 2017.
--
-- Minerals (ore concentrates): mandatory inspection and lab testing in
-- 2017 (extra inspection 50 %, sampled 90 %, result after ≈ 7 days [E];
-- row 31: release before the lab result lets importers collect ore 6-13
-- days earlier). Release before lab is set at this port from the 2018 era.

local P = import "ports"

local TRUCK_CONSIGNMENTS = {"discrete", values = {1, 2, 3, 4, 6},
                            weights = {0.30, 0.25, 0.20, 0.15, 0.10}}      -- mean 2.8 [E]
local TRANSFER_CONSIGNMENTS = {"discrete", values = {1, 2}, weights = {0.5, 0.5}}

local TRUCK_GOODS = {
  {name = "general", share = 0.55, duty_prob = 0.95},
  {name = "bonded", share = 0.40, duty_prob = 0.0},
  {name = "fresh", share = 0.05, green_channel = true, duty_prob = 1.0, extra_inspect_prob = 0.30,
   lab_prob = 0.2, lab_time = {"lognormal", mean = 24, cv = 0.5}},
}
local TRANSFER_GOODS = {
  {name = "general", share = 0.60, duty_prob = 0.95},
  {name = "bonded", share = 0.25, duty_prob = 0.0},
  {name = "minerals", share = 0.15, duty_prob = 1.0, extra_inspect_prob = 0.50,
   lab_prob = 0.9, lab_time = {"lognormal", mean = 168, cv = 0.4}},
}
local EXPORT_GOODS = {
  {name = "general", share = 0.55, duty_prob = 0.0},
  {name = "bonded", share = 0.45, duty_prob = 0.0},
}

local GROWTH = {["2017"] = 1.0, ["2018"] = 1.1, ["2021"] = 1.5}

local function ports(year)
  local e, g = P.era[year], GROWTH[year]
  local imp = P.road{
    name = "Road import", name_zh = "公路口岸进口", direction = "import", year = year, inspectors = 8,
    flows = {
      {name = "truck flight", mode = "road", direction = "import",
       rate_per_hour = P.weekly_rate(25 * 7 * g, P.day_profile),
       units_per_carrier = 1, consignments_per_unit = TRUCK_CONSIGNMENTS,
       trader_share = P.traders, goods = TRUCK_GOODS},
      {name = "transfer", mode = "road", direction = "import",
       rate_per_hour = P.weekly_rate(15 * 7 * g, P.day_profile),
       units_per_carrier = 1, consignments_per_unit = TRANSFER_CONSIGNMENTS,
       trader_share = P.traders, goods = TRANSFER_GOODS},
    },
    set = {release_before_lab = e.release_before_lab},
  }
  local exp = P.road{
    name = "Road export", name_zh = "公路口岸出口", direction = "export", year = year, inspectors = 6,
    flows = {
      {name = "truck flight", mode = "road", direction = "export",
       rate_per_hour = P.weekly_rate(35 * 7 * g, P.day_profile),
       units_per_carrier = 1, consignments_per_unit = TRUCK_CONSIGNMENTS,
       trader_share = P.traders, goods = EXPORT_GOODS,
       goods_lead = {"lognormal", mean = 24, cv = 0.5}, goods_window_hours = 72},
    },
    set = {certs_per_consignment = e.certs_per_consignment * 0.5},
  }
  return {imp, exp}
end

return P.reform_scenario {name = "Zhengzhou road ports: truck flights, bonded zone, transfer cargo",
                          name_zh = "郑州公路口岸：卡车航班、保税区、转关货物", ports = ports}
