-- inspection_vs_advance.lua — how does CGO's import clearance time respond
-- to the advance-declaration share, the inspection rate of ordinary traders
-- and the share of selected goods scanned first? A Latin hypercube over the
-- ranges of the calibration table (domain.md rows 6, 9 and 10) around the
-- 2017 baseline, 3 replications a point, a year of arrivals each.
--
--   kouan sweep scenarios/sweeps/inspection_vs_advance.lua -j 2
return sweep {
  scenario = "scenarios/cgo_air.lua",
  era = "2017",
  reps = 3,
  seed = 1,
  method = "lhs",
  points = 16,
  factors = {
    {path = "ports.CGO import.advance_share", min = 0.05, max = 0.70},
    {path = "ports.CGO import.inspect_prob.ordinary", min = 0.01, max = 0.05},
    {path = "ports.CGO import.scan_first_share", min = 0.0, max = 0.5},
  },
  kpi = {"overall_mean", "overall_p90", "customs_mean", "inspection_rate"},
}
