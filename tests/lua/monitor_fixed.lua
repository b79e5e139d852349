-- monitor_fixed.lua — a deterministic process-style scenario for
-- check_process_run.py: a tally and a level monitor fed on a fixed
-- schedule, and a one-server resource with two customers, so that every
-- statistic and every series point is computable by hand. The driver keeps
-- the same schedules (OBS, MOVES, CUSTOMERS, END) and works the answers
-- out itself.

local obs = monitor{"obs"}                      -- a tally
local stock = monitor{"stock", kind = "level"}  -- a level, 0 at t = 0
local desk = resource{name = "desk", capacity = 1}

local OBS = {{1, 3.0}, {2, 1.0}, {4, 6.0}, {7, 2.0}}                       -- (time, value)
local MOVES = {{1, "set", 2}, {3, "add", 3}, {4, "add", -1}, {6, "set", 0}} -- (time, method, value)
local CUSTOMERS = {{0.5, 2.0}, {1.0, 1.0}}                                  -- (arrival, service)
local END = 8

process(function()
  local t = 0
  for _, o in ipairs(OBS) do
    hold(o[1] - t); t = o[1]
    obs:record(o[2])
  end
end)

process(function()
  local t = 0
  for _, m in ipairs(MOVES) do
    hold(m[1] - t); t = m[1]
    stock[m[2]](stock, m[3])
  end
  hold(END - t)
end)

for _, c in ipairs(CUSTOMERS) do
  process(function()
    hold(c[1])
    request(desk)
    hold(c[2])
    release(desk)
  end)
end

at_end(function()
  local s, l = obs:stats(), stock:stats()
  print(string.format("obs n=%d mean=%.17g sd=%.17g min=%.17g max=%.17g", s.n, s.mean, s.sd, s.min, s.max))
  print(string.format("stock n=%d mean=%.17g min=%.17g max=%.17g level=%.17g", l.n, l.mean, l.min, l.max, l.level))
end)
