-- mm1_uncertain.lua — an M/M/1 queue with an uncertain arrival rate, the
-- known answer of --uncertainty (check_uncertainty.py): Poisson arrivals
-- of one consignment each at rate lambda = uncertain{0.5, 0.8} per hour
-- (uniform), one reviewer (documents, capacity 1, open 7x24) with an
-- exponential document check of mean 1 h (mu = 1); every other stage is
-- off (no preparation, no unloading time, no inspection, no certificates,
-- no duty, no pickup, no gate). A consignment's overall and customs time
-- is then its M/M/1 sojourn, W = 1 / (mu - lambda), monotone in lambda.
return scenario {
  name = "M/M/1, uncertain arrival rate",
  start_date = "2017-01-02",
  horizon_days = param("days", 420),
  warmup_days = 20,
  fitted = { "nothing is fitted: this is a test" },
  ports = {
    {
      name = "MM1", mode = "road",
      resources = {
        handling = { capacity = 1000 },
        documents = { capacity = 1 },
        inspection = { capacity = 1 },
      },
      doc_check = { "exponential", mean = 1 },
      flows = {
        {
          name = "arrivals", direction = "import",
          rate_per_hour = uncertain{0.5, 0.8, name = "lambda", source = "a test: uniform arrival rate"},
          units_per_carrier = 1, consignments_per_unit = 1,
        },
      },
    },
  },
}
