-- port_uncertain.lua — port_small.lua with uncertain{} values
-- (core/lua/uncertain.h) in place of numbers: one of each shape, a
-- named prior read at two places (aeo_inspect), an unnamed one (named
-- after its line), a source. check_uncertain.py reads their --dump rows
-- against medians it works out itself.
local function aeo()  -- one call site, one prior, reached twice
  return uncertain{0.005, 0.03, name = "aeo_inspect"}
end
return scenario {
  name = "uncertain test port",
  start_date = "2017-01-02",
  horizon_days = 5,
  warmup_days = 2,
  era = "2017",
  eras = {
    ["2017"] = {},
    ["2021"] = { ports = { { name = "TST", advance_share = 1, advance_lead_hours = 6 } } },
  },
  fitted = { "nothing is fitted: this is a test" },
  ports = {
    {
      name = "TST", mode = "air",
      resources = {
        handling = { capacity = 2 },
        documents = {
          hours = { { days = "Mon-Fri", from = "08:30", to = "17:30", capacity = 5 },
                    { days = "Sat", from = "09:00", to = "12:00", capacity = 2 } },
          holidays = { "2017-01-27" },
          workdays = { { "2017-01-22", as = "Mon" } },
        },
        inspection = { capacity = 2 },
        scanner = 1,
        gate = { capacity = 2 },
      },
      unload_per_unit = { "exponential", mean = 0.3 },
      prep_time = { "lognormal", mean = 6, cv = 0.8 },
      doc_check = { "triangular", min = 0.1, mode = 0.2, max = 0.6 },
      cert_time = 0.1,
      scan_time = { "uniform", min = 0.1, max = 0.2 },
      notice_delay = { "erlang", k = 2, mean = 2 },
      inspect_time = { "gamma", shape = 2, scale = 0.5 },
      duty_time = { "weibull", shape = 1.5, scale = 3 },
      warehouse_move = { "normal", mean = 1, sd = 0.3 },
      pickup_delay = { "discrete", values = { 2, 6, 24 }, weights = { 0.5, 0.3, 0.2 } },
      gate_time = { "fixed", 0.05 },
      advance_share = uncertain{0.05, 0.15, name = "advance", source = "domain.md row 10, estimate"},
      advance_lead_hours = uncertain{1, 16, shape = "loguniform", name = "lead"},
      inspect_prob = { aeo_advanced = aeo(), aeo_general = aeo(),
                       ordinary = uncertain{0.02, 0.1, mode = 0.03, name = "ordinary"}, discredited = 0.8 },
      scan_first_share = 0.5,
      scan_clear_prob = uncertain{0.8, 0.96, mode = 0.84, shape = "pert"}, -- unnamed: "port_uncertain.lua:LINE"
      certs_per_consignment = uncertain{1, 1.6, shape = "normal", mean = 1.2, sd = 0.2, name = "certs"},
      green_priority = 10,
      fee_inspection = 200,
      flows = {
        {
          name = "freighter", direction = "import",
          timetable = { { days = "Mon,Wed,Fri", at = "02:30" }, { days = "daily", at = "23:10" } },
          delay = { "exponential", mean = 0.5 },
          units_per_carrier = { "piecewise", x = { 2, 10 }, p = { 0, 1 } },
          consignments_per_unit = 3,
          trader_share = { aeo_advanced = 0.05, aeo_general = 0.10, ordinary = 0.83, discredited = 0.02 },
          goods = {
            { name = "general", share = 0.8, duty_prob = 0.8 },
            { name = "fresh", share = 0.2, green_channel = true, lab_prob = 0.2,
              lab_time = { "exponential", mean = 12 }, duty_prob = 0.9, extra_inspect_prob = 0.05 },
          },
        },
        {
          name = "trucks out", mode = "road", direction = "export",
          rate = { hourly = 0.5, weekday = { 1, 1, 1, 1, 1, 0.5, 0.2 } },
          units_per_carrier = 1, consignments_per_unit = 2,
          goods_lead = { "uniform", min = 2, max = 12 }, goods_window_hours = 48,
        },
      },
    },
  },
}
