-- henan_2017_shares.lua — what the 2017 targets cannot pin down: the 2017
-- import advance-declaration share (a prior in scripts/kouan/ports.lua,
-- uncertain{0.02, 0.25, mode = 0.10}, no source: gap G5) freed beside the
-- import preparation time against the 2017 import overall and customs
-- times. The overall time is (1 - share) x preparation + the rest, and
-- ports.lua holds that product at its fitted value whatever the share, so
-- no target moves with the share: the command reports it not identified
-- and prints the uncertain{} line that keeps it a prior
-- (docs/calibration.md, "What the targets cannot pin down").
--
--   kouan calibrate scenarios/calibration/henan_2017_shares.lua -j 2
--
-- Short (60 days of arrivals, one replication): what is shown is the
-- verdict, not a fitted value.
return calibration {
  scenario = "scenarios/henan.lua",
  era = "2017",
  reps = 1,
  seed = 1,
  until_hours = 1440,
  max_evals = 30,
  free = {
    {name = "prep_import_mean", min = 40, max = 160, start = 85},
    {name = "advance_import_2017", min = 0.02, max = 0.25, start = 0.2},
  },
  targets = {
    {kpi = "overall_mean", group = "all", direction = "import", value = 97.39, tolerance = 0.01,
     source = "domain.md row 1 (2017 national overall import clearance time)"},
    {kpi = "customs_mean", group = "all", direction = "import", value = 16.7, tolerance = 0.05,
     source = "domain.md row 4 (2017 customs import time)"},
  },
}
