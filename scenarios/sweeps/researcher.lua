-- researcher.lua — the researcher's walkthrough (docs/researcher.md):
-- which of three levers of CGO's import clearance moves the clearance
-- time? The advance-declaration share and the inspection rate of ordinary
-- traders over ranges, release before the duty payment as a boolean lever
-- (false/true), in a Saltelli design for Sobol indices: N = 16 base
-- points, N (k + 2) = 80 points, 2 replications each, on 8 weeks of 2017
-- arrivals (cgo_air_short.lua: the walkthrough's short mode).
--
--   kouan sweep scenarios/sweeps/researcher.lua -j 2
return sweep {
  scenario = "cgo_air_short.lua",
  era = "2017",
  reps = 2,
  seed = 1,
  method = "saltelli",
  points = 16,
  factors = {
    {path = "ports.CGO import.advance_share", min = 0.1, max = 0.6},
    {path = "ports.CGO import.inspect_prob.ordinary", min = 0.01, max = 0.1},
    {path = "ports.CGO import.release_before_duty", values = {false, true}},
  },
  kpi = {"count", "overall_mean", "overall_p90", "customs_mean", "within_24h", "inspection_rate", "cost_mean"},
}
