-- three_levers.lua — the researcher's walkthrough (docs/analysis.md): three
-- levers of CGO's import clearance at two levels each around the 2017
-- baseline (the advance-declaration share, the inspection rate of ordinary
-- traders, the share of selected goods scanned first), a full factorial
-- of 8 points, 2 replications each, a year of arrivals.
--
--   kouan sweep scenarios/sweeps/three_levers.lua -o results/three_levers.h5
return sweep {
  scenario = "scenarios/cgo_air.lua",
  era = "2017",
  reps = 2,
  seed = 1,
  method = "factorial",
  factors = {
    {path = "ports.CGO import.advance_share", values = {0.1, 0.5}},
    {path = "ports.CGO import.inspect_prob.ordinary", values = {0.01, 0.05}},
    {path = "ports.CGO import.scan_first_share", values = {0.1, 0.5}},
  },
}
