-- port_process_random.lua — port_small.lua (the small air port of the
-- port-scenario tests) with a process that draws random numbers: audits
-- of the handling crew at random times (exponential gaps, a distribution
-- made inside the process on its own stream), each taking one of the two
-- handling servers for a random time (a uniform made at the top level,
-- plus math.random). Every draw comes from the replication's own streams,
-- so replication r is the same whichever worker thread or MPI rank runs
-- it, and whatever ran before it (tests/lua/check_port.py, group workers).
-- --set gap=H sets the mean gap between audits (hours); --set
-- base=tests/lua/port_uncertain.lua puts the process on that port (with
-- uncertain{} values, for --uncertainty).

local gap_mean = param("gap", 6)
local base = param("base", "tests/lua/port_small.lua")
local audit_len = uniform(1, 3) -- top level: drawn from each replication's "default" stream

local function audits()
  local desk = port_resource("TST", "documents")
  local gap = exponential(gap_mean, "audits") -- inside: the replication's "audits" stream
  while true do
    hold(gap:sample())
    request(desk, 1000)
    hold(audit_len:sample() + math.random())
    release(desk)
  end
end

return (import(base)):with { processes = { audits } }
