-- tiny_port.lua — the synthetic port of the calibration tests
-- (tests/calibrate/check_calibrate.py): one air import flow and one road
-- export flow, a week of arrivals, whose preparation times and pickup
-- delay are named values (param) with known true defaults: 6 h import,
-- 3 h export, 4 h pickup. The pickup happens after release, so no
-- clearance-time target depends on it.
local prep_import = param("prep_import_mean", 6.0)
local prep_export = param("prep_export_mean", 3.0)
local pickup = param("pickup_mean", 4.0)
return scenario {
  name = "tiny calibration port",
  start_date = "2017-01-02",
  horizon_days = 8,
  warmup_days = 1,
  fitted = { "nothing is fitted: this is a test" },
  ports = {
    {
      name = "TINY import", mode = "air",
      resources = { handling = { capacity = 2 }, documents = { capacity = 3 }, inspection = { capacity = 2 },
                    scanner = 1, gate = { capacity = 2 } },
      unload_per_unit = { "exponential", mean = 0.3 },
      prep_time = { "lognormal", mean = prep_import, cv = 0.8 },
      doc_check = { "triangular", min = 0.1, mode = 0.2, max = 0.6 },
      inspect_time = { "gamma", shape = 2, scale = 0.5 },
      pickup_delay = { "exponential", mean = pickup },
      advance_share = 0.1, advance_lead_hours = 4,
      inspect_prob = { aeo_advanced = 0.01, aeo_general = 0.02, ordinary = 0.05, discredited = 0.8 },
      flows = {
        { name = "freighter", direction = "import", timetable = { { days = "daily", at = "23:10" } },
          units_per_carrier = 4, consignments_per_unit = 3 },
      },
    },
    {
      name = "TINY export", mode = "road",
      resources = { handling = { capacity = 2 }, documents = { capacity = 3 }, inspection = { capacity = 2 },
                    scanner = 1, gate = { capacity = 2 } },
      prep_time = { "lognormal", mean = prep_export, cv = 0.8 },
      doc_check = { "triangular", min = 0.1, mode = 0.2, max = 0.6 },
      inspect_time = { "gamma", shape = 2, scale = 0.5 },
      pickup_delay = { "exponential", mean = pickup },
      flows = {
        { name = "trucks out", direction = "export", rate = { hourly = 0.5 },
          units_per_carrier = 1, consignments_per_unit = 2, goods_lead = { "uniform", min = 2, max = 12 } },
      },
    },
  },
}
