-- jackson.lua — validation case: an open Jackson network of three
-- multi-server stations in tandem with feedback, as a consignment that
-- goes document check → inspection → release and, with probability p, is
-- sent back to the start. Poisson arrivals at rate lambda enter station 1;
-- after station 3 a customer leaves with probability 1 - p, else re-enters
-- station 1. Every station is a kouan resource with exponential service.
-- One run is one replication:
--   result w=... wq1=... wq2=... wq3=... departures=...
-- (w mean sojourn time h of the customers arriving after the warm-up, wqi
-- mean wait at station i). scripts/validate.py checks them against the
-- product form (traffic equations, then M/M/c per station).
--
-- Parameters: lambda, p, c1..c3, mu1..mu3, customers, warmup.

local lambda    = param("lambda", 1.0)
local p         = param("p", 0.2)
local customers = param("customers", 20000)
local warmup    = param("warmup", 300.0)
local c  = { param("c1", 2), param("c2", 1), param("c3", 3) }
local mu = { param("mu1", 1.0), param("mu2", 2.0), param("mu3", 0.6) }

assert(lambda > 0 and p >= 0 and p < 1 and customers >= 1, "jackson: bad parameters")

local stations, service = {}, {}
for i = 1, 3 do
  stations[i] = resource{name = "station" .. i, capacity = c[i]}
  service[i] = exponential(1 / mu[i], "service" .. i)
end
local interarrival = exponential(1 / lambda, "arrivals")
local feedback     = bernoulli(p, "routing")
local sum_w, done = 0.0, 0

local function customer(counted)
  local t0 = now()
  repeat
    for i = 1, 3 do
      request(stations[i])
      hold(service[i]:sample())
      release(stations[i])
    end
  until feedback:sample() == 0
  if counted then
    sum_w = sum_w + (now() - t0)
    done = done + 1
  end
end

process(function()
  local n = 0
  while n < customers do
    local counted = now() >= warmup
    if counted then n = n + 1 end
    process(customer, counted)
    hold(interarrival:sample())
  end
end)

process(function()
  hold(warmup)
  for i = 1, 3 do stations[i]:reset_stats() end
end)

at_end(function()
  local s1, s2, s3 = stations[1]:stats(), stations[2]:stats(), stations[3]:stats()
  print(string.format("result w=%.10g wq1=%.10g wq2=%.10g wq3=%.10g departures=%d",
                      sum_w / done, s1.mean_wait, s2.mean_wait, s3.mean_wait, done))
end)
