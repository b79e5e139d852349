-- soak.lua — the memory soak's sweep (docs/hardening.md, "Soak"): Henan's
-- ports of entry, a year of arrivals, two levels of CGO's advance-
-- declaration share, 10 replications each: 20 replications in one
-- process, so that the sweep's memory can be watched over many runs
-- (scripts/soak.py samples it).
--
--   kouan sweep scenarios/sweeps/soak.lua -j 2 -o results/soak-sweep.h5
return sweep {
  scenario = "scenarios/henan.lua",
  era = "2017",
  reps = 10,
  seed = 1,
  method = "factorial",
  factors = {
    {path = "ports.CGO import.advance_share", values = {0.1, 0.5}},
  },
}
