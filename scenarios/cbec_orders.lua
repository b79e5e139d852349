-- cbec_orders.lua — cross-border e-commerce (跨境电商) retail imports at
-- ORDER level in Zhengzhou's bonded model (1210, 网购保税进口): the goods
-- already sit in a bonded warehouse; each consumer order is one
-- consignment (goods class "ecommerce") declared automatically on an
-- inventory list (申报清单) from the three pushed documents (order,
-- payment, waybill: 三单), checked by customs' system 7×24, rarely
-- inspected (machine scan first), then picked, packed and handed to the
-- hourly parcel trucks at the bonded-zone gate.
--
--   kouan run scenarios/cbec_orders.lua                      # a year, 2020 volume
--   kouan run scenarios/cbec_orders.lua --era double11       # the Double-11 campaign
--   kouan run scenarios/cbec_orders.lua --set orders_per_year=97e6
--
-- How the model's flow is read here (one model port, one import flow):
--   carrier ARRIVAL = the consumer's order (one carrier, one unit, one
--     consignment per order: Poisson orders by hour of day and weekday);
--   UNLOADED = the order matched to bonded stock in the warehouse system
--     (handling: stock allocation / tally, seconds; the goods are present);
--   DECLARED = inventory list lodged (prep_time: three documents pushed and
--     matched, seconds to minutes; never "in advance");
--   DOC_CHECKED = customs' automatic check (documents: a 7×24 resource of
--     50 servers x 1 s = 50 orders/s, the 2019 capacity);
--   no certificates (positive-list goods are imported as personal articles,
--     without first-import licences: not in domain.md, [U]);
--   selection: low rates; every selected parcel goes to the X-ray first, a
--     few are opened (manual) by the bonded-centre officers;
--   tax: the CBEC comprehensive tax is withheld by the platform against a
--     guarantee, so release does not wait for it (release_before_duty);
--   RELEASED -> warehouse_move = pick and pack after release (a delay: the
--     model's warehouse move has no resource, so the pick waves' queue is
--     in the distribution) -> pickup_delay = waiting for the next parcel
--     truck (hourly departures) -> gate = the bonded-zone gate (卡口), per
--     parcel -> GATE_OUT. So "overall clearance time" here is order ->
--     customs release, and "port logistics" is release -> out of the zone.
--
-- Volume (domain.md §4, [C] unless marked):
--   * Henan single window, Jan-Apr 2020: 32.29 M CBEC orders (+161 %):
--     ≈ 97 M a year at that rate, all CBEC modes (9610, 1210, exports);
--   * Cainiao Zhengzhou bonded park: ≈ 35,000 orders a day normally
--     (12.8 M a year), > 200,000 a day during the 618 sale (2024);
--   * capacity 50 orders/s (2019) = 4.32 M a day;
--   * Double-11 2020: > 10 M CBEC import orders expected (+37 %). Above
--     4.32 M a day, so not one day's volume: read here as the campaign
--     window (1-11 Nov), ≈ 1 M orders a day [E].
--   Chosen: 30 M orders a year of 1210 bonded imports (≈ 82,000 a day,
--   ≈ 1 order/s on average, ≈ 2 at the evening peak): about a third of the
--   Henan 2020 run rate of all modes, and 2.3 Cainiao parks [E]. Set
--   another volume with --set orders_per_year=N (a parameter; the
--   double11 era's daily volume: --set double11_orders_per_day=N).
--
-- Era: one, "2020" (the volume year; the levers are those of the
-- post-2019 regime: 7×24 system check, joint inspection, guarantee). The
-- 2017/2018/2021 reform packages of henan.lua are about general trade and
-- do not change this flow. "double11" is a stress variant: 10 days of the
-- campaign at 1 M orders a day (10 M), warehouse pick and truck times
-- longer [E], after 2 days of warm-up at the same rate.

local cal = import "calendars"

local ORDERS_PER_YEAR = param("orders_per_year", 30e6)
local DOUBLE11_PER_DAY = param("double11_orders_per_day", 1e6)   -- era double11

-- Orders by hour of day (relative, 00:00 first) [E]: a small morning peak
-- (10-11 h), an afternoon plateau and the evening peak (20-23 h) of
-- Chinese online shopping; nights low.
local HOURLY = {0.90, 0.50, 0.30, 0.20, 0.15, 0.15, 0.25, 0.45, 0.70, 0.95, 1.20, 1.20,
                1.05, 1.10, 1.20, 1.20, 1.15, 1.05, 1.00, 1.20, 1.50, 1.70, 1.60, 1.30}
-- Orders by weekday (Monday first, relative) [E]: weekends higher.
local WEEKDAY = {1.00, 0.97, 0.95, 0.95, 0.98, 1.05, 1.10}

-- hourly orders (per hour, 24 values) giving `per_day` orders on an average day
local function hourly_rates(per_day)
  local hs, ws = 0, 0
  for _, v in ipairs(HOURLY) do hs = hs + v end
  for _, v in ipairs(WEEKDAY) do ws = ws + v end
  local r = {}
  for h, v in ipairs(HOURLY) do r[h] = per_day * v / hs / (ws / 7) end
  return r
end

local SECOND = 1 / 3600
local MINUTE = 1 / 60

local function port(per_day)
  return {
    name = "ZZ CBEC 1210", mode = "road",     -- parcels leave the bonded zone by road
    description = "bonded warehouse, customs' CBEC service platform, bonded-zone gate",
    resources = {
      tally = {capacity = 200},               -- WMS stock allocation, 7x24 [E]
      system = {capacity = 50},               -- automatic check: 50 x 1 s = 50 orders/s (2019, [C2])
      xray = {capacity = 4},                  -- parcel X-ray lines [E]
      officers = cal.shifts(6, 2, "08:00", "20:00"),  -- opening parcels, 7x24 in two shifts [E]
      gate = {capacity = 2},                  -- bonded-zone gate lanes [E]
    },
    handling = "tally", documents = "system", scanner = "xray",
    inspection = "officers", border_inspection = false, apron = false, gate = "gate",

    unload_per_unit = {"lognormal", mean = 5 * SECOND, cv = 0.5},    -- [E] stock allocation
    prep_time = {"lognormal", mean = 3 * MINUTE, cv = 1.5},         -- [E] three lists pushed, list lodged
    doc_check = {"lognormal", mean = 1 * SECOND, cv = 0.5},         -- 50 servers -> 50 orders/s
    cert_time = false,
    scan_time = {"uniform", min = 3 * SECOND, max = 10 * SECOND},   -- [E] parcel X-ray
    notice_delay = {"lognormal", mean = 15 * MINUTE, cv = 0.8},      -- [E] parcel diverted to the bench
    inspect_time = {"triangular", min = 5 * MINUTE, mode = 10 * MINUTE, max = 30 * MINUTE}, -- [E] open, check, reseal
    duty_time = false,                                               -- tax on guarantee, no wait
    warehouse_move = {"lognormal", mean = 1.5, cv = 0.8},            -- [E] pick and pack after release
    pickup_delay = {"uniform", min = 0, max = 1},                    -- [E] hourly parcel trucks
    gate_time = 0.1 * SECOND,                                        -- [E] per parcel: a truck of 3,000 in 5 min
    pickup_cap_hours = 0,

    advance_share = 0,                        -- the order exists only when it is placed
    advance_lead_hours = 0,
    -- [E] CBEC selection rates, below general trade (row 6: 2.44 % ordinary, 2019)
    inspect_prob = {aeo_advanced = 0.002, aeo_general = 0.004, ordinary = 0.01, discredited = 0.30},
    scan_first_share = 1.0,                   -- every selected parcel is X-rayed first
    scan_clear_prob = 0.9,                    -- [E] cleared on the image
    joint_inspection = true,                  -- one visit (CIQ merged into customs, 2018)
    release_before_duty = true,               -- tax withheld by the platform, guaranteed
    release_before_lab = false,
    apron_release = false,
    through_clearance = false,
    certs_per_consignment = 0,                -- [U] positive list: no first-import licences
    green_priority = 0,

    fee_handling_per_unit = 4,                -- [E] CNY per order: warehouse operation
    fee_inspection = 0, fee_scan = 0, fee_storage_per_day = 0, storage_free_hours = 72,

    flows = {
      {name = "orders", mode = "road", direction = "import",
       rate = {hourly = hourly_rates(per_day), weekday = WEEKDAY},
       units_per_carrier = 1, consignments_per_unit = 1,
       -- [E] declarants are the platforms' e-commerce enterprises, mostly certified
       trader_share = {aeo_advanced = 0.50, aeo_general = 0.25, ordinary = 0.249, discredited = 0.001},
       goods = {{name = "ecommerce", share = 1, duty_prob = 1.0}},
      },
    },
  }
end

return scenario {
  name = "Zhengzhou cross-border e-commerce, bonded imports (1210), order level",
  start_date = "2020-01-06",                  -- Monday of the first full week of 2020
  horizon_days = 364,
  warmup_days = 7,
  max_in_system = 2000000,
  era = "2020",
  eras = {
    ["2020"] = {},
    ["double11"] = {
      start_date = "2020-11-02", horizon_days = 12, warmup_days = 2,   -- reported: 4-13 Nov
      ports = {{
        name = "ZZ CBEC 1210",
        resources = {officers = cal.shifts(20, 8, "08:00", "20:00"), gate = {capacity = 4}},  -- [E] staffed up
        warehouse_move = {"lognormal", mean = 6, cv = 1.0},       -- [E] pick waves behind
        pickup_delay = {"uniform", min = 0, max = 2},             -- [E] trucks full, every 2 h
        flows = {{name = "orders", rate = {hourly = hourly_rates(DOUBLE11_PER_DAY), weekday = WEEKDAY}}},
      }},
    },
  },
  fitted = {string.format("nothing is fitted: %.0f orders a year (%.0f a day) chosen against domain.md §4", ORDERS_PER_YEAR, ORDERS_PER_YEAR / 365)},
  ports = {port(ORDERS_PER_YEAR / 365)},
}
