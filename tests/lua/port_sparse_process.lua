-- port_sparse_process.lua — port_small.lua with sparse flows (one freighter
-- a week, almost no trucks) and a horizon of 12 days, so that a
-- replication's system drains days before its horizon; a process that
-- waits until hour 260 to look at the scanner is then still waiting when
-- the replication ends: kouan warns (tests/lua/check_workers.py, group
-- warning). --set late=H moves its wake-up (past the horizon, 288 h: no
-- warning).

local late = param("late", 260)

local function survey() --> here
  hold(late)
  local scanner = port_resource("TST", "scanner")
  request(scanner)
  release(scanner)
end

local function routine() -- a weekly routine that never ends: no warning past the horizon
  while true do hold(168) end
end

return (import "tests/lua/port_small.lua"):with {
  horizon_days = 12,
  ports = { { name = "TST", flows = {
    { name = "freighter", timetable = { { days = "Mon", at = "02:30" } } },
    { name = "trucks out", rate = { hourly = 0.0001 } },
  } } },
  processes = { routine, survey },
}
