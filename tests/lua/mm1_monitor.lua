-- mm1_monitor.lua — an M/M/1 queue written with processes whose customers
-- record their time in system on a tally monitor and move a level monitor
-- of the number in system; check_process_run.py compares the means over
-- replications with W = 1 / (mu - lambda) and L = lambda / (mu - lambda).

local lambda    = param("lambda", 0.5)
local mu        = param("mu", 1.0)
local customers = param("customers", 20000)

local server = resource{name = "server"}
local tis = monitor{"time_in_system"}
local inside = monitor{"in_system", kind = "level"}
local arrival = exponential(1 / lambda, "arrivals")
local service = exponential(1 / mu, "service")

local function customer()
  local t0 = now()
  inside:add(1)
  request(server)
  hold(service:sample())
  release(server)
  inside:add(-1)
  tis:record(now() - t0)
end

process(function()
  for _ = 1, customers do
    process(customer)
    hold(arrival:sample())
  end
end)
