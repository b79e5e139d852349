-- port_flaky.lua — tests/lua/port_small.lua with a process that fails
-- some replications: at hour 1 it raises an error when the replication's
-- math.random draws below 0.35 (seed-dependent, the same on any thread),
-- so `kouan compare` sees one alternative fail on a few seeds only
-- (tests/compare/check_compare.py, group faults).
local base = import "../lua/port_small.lua"

local function flaky()
  hold(1)
  if math.random() < 0.35 then
    error("flaky replication")
  end
end

return base:with { processes = { flaky } }
