-- henan_2017_short.lua — the CI short mode of
-- scenarios/calibration/henan_2017.lua (tests/calibrate/check_calibrate.py,
-- group henan): the same scenario, era, free values and targets, but one
-- replication of 60 days of arrivals (14 of them warm-up), a start near
-- today's fitted values and few evaluations, no held profiles. It runs in
-- seconds; the test checks that the fit lands within 4 % of today's values
-- (89.62 h, 12.48 h: a 60-day sample is not the year of the full fit) with
-- both residuals within 1 %.
return calibration {
  scenario = "scenarios/henan.lua",
  era = "2017",
  reps = 1,
  seed = 1,
  until_hours = 1440,
  max_evals = 24,
  profile = false,
  free = {
    {name = "prep_import_mean", min = 40, max = 160, start = 88},
    {name = "prep_export_mean", min = 4, max = 30, start = 12.2},
  },
  targets = {
    {kpi = "overall_mean", group = "all", direction = "import", value = 97.39, tolerance = 0.01,
     source = "domain.md row 1"},
    {kpi = "overall_mean", group = "all", direction = "export", value = 12.29, tolerance = 0.01,
     source = "domain.md row 2"},
  },
}
