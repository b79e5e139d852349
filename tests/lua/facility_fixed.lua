-- facility_fixed.lua — a deterministic process-style scenario for
-- check_process_run.py (group facilities): a container and a store used on
-- a fixed schedule, so that every statistic and every point of their
-- sampled series is computable by hand. The driver keeps the same
-- schedules (TANK, BAY, END) and works the answers out itself.

local tank = container{name = "tank", capacity = 10, init = 4}
local bay = store{name = "bay", capacity = 2}

local TANK = {{1, "put", 3}, {2, "get", 5}, {3, "get", 4}, {5, "put", 2}} -- (time, method, amount)
local BAY = {{0.5, "put", "a"}, {1.5, "put", "b"}, {2.5, "put", "c"}, {4, "get"}, {6, "get"}}
local END = 8

-- One process per action: an action that waits (the get at 3, the put at
-- 2.5) does not hold up the ones after it.
for _, a in ipairs(TANK) do
  process(function()
    hold(a[1])
    tank[a[2]](tank, a[3])
  end)
end
for _, a in ipairs(BAY) do
  process(function()
    hold(a[1])
    if a[2] == "put" then bay:put(a[3]) else bay:get() end
  end)
end
process(function() hold(END) end)

-- A store made while the simulation runs, without a bound: it has its
-- statistics (capacity +inf) but no series.
process(function()
  hold(7)
  store{name = "late"}:put("z")
end)
