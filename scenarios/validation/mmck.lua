-- mmck.lua — validation case: a finite-capacity M/M/c/K queue. An arrival
-- that finds K customers in the system (servers busy + queue, read from
-- the resource with busy() and queue_length()) is blocked and leaves, as a
-- truck turned away from a full holding area. One run is one replication:
--   result blocking=... wq=... arrivals=... blocked=...
-- (blocking share of arrivals after the warm-up; wq mean wait in queue of
-- the admitted, h). scripts/validate.py checks them against the
-- birth-death solution of M/M/c/K.
--
-- Parameters: c, K (system capacity, >= c), lambda, mu, customers, warmup.

local c         = param("c", 2)
local K         = param("K", 5)
local lambda    = param("lambda", 2.0)
local mu        = param("mu", 1.0)
local customers = param("customers", 20000)
local warmup    = param("warmup", 200.0)

assert(c >= 1 and K >= c and lambda > 0 and mu > 0 and customers >= 1, "mmck: bad parameters")

local server       = resource{name = "server", capacity = c}
local interarrival = exponential(1 / lambda, "arrivals")
local service      = exponential(1 / mu, "service")
local arrivals, blocked = 0, 0

local function customer()
  request(server)
  hold(service:sample())
  release(server)
end

process(function()
  local n = 0
  while n < customers do
    local counted = now() >= warmup
    if counted then n = n + 1; arrivals = arrivals + 1 end
    if server:busy() + server:queue_length() >= K then
      if counted then blocked = blocked + 1 end
    else
      process(customer)
    end
    hold(interarrival:sample())
  end
end)

process(function()
  hold(warmup)
  server:reset_stats()
end)

at_end(function()
  local s = server:stats()
  print(string.format("result blocking=%.10g wq=%.10g arrivals=%d blocked=%d",
                      blocked / arrivals, s.mean_wait, arrivals, blocked))
end)
