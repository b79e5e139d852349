-- mgc.lua — validation case: a single-stage M/G/c queue built from kouan's
-- own process components (resource, request, hold, release, process, the
-- distributions), as a port stage would be. Poisson arrivals, c servers,
-- service exponential (M/M/c), deterministic (M/D/c) or lognormal (M/G/c).
-- One run is one replication: after a warm-up it prints one line
--   result wq=... lq=... util=... served=...
-- (wq mean wait in queue h, lq time-average queue length, util server
-- utilisation). scripts/validate.py runs it over several seeds and checks
-- the replication means against Erlang C and Pollaczek–Khinchine.
--
--   kouan run scenarios/validation/mgc.lua --set c=1 --set service=deterministic --seed 3
--
-- Parameters: c, lambda (arrivals/h), mean (service mean h), service
-- ("exponential" | "deterministic" | "lognormal"), cv (lognormal only),
-- customers (arrivals generated after the warm-up), warmup (h).

local c         = param("c", 1)
local lambda    = param("lambda", 0.8)
local mean      = param("mean", 1.0)
local service_f = param("service", "exponential")
local cv        = param("cv", 1.0)
local customers = param("customers", 20000)
local warmup    = param("warmup", 500.0)

assert(c >= 1 and lambda > 0 and mean > 0 and customers >= 1, "mgc: bad parameters")
assert(lambda * mean / c < 1, "mgc: the queue is unstable (rho >= 1)")

local server       = resource{name = "server", capacity = c}
local interarrival = exponential(1 / lambda, "arrivals")
local service
if service_f == "exponential" then
  service = exponential(mean, "service")
elseif service_f == "deterministic" then
  service = deterministic(mean, "service")
elseif service_f == "lognormal" then
  service = lognormal{mean = mean, cv = cv, stream = "service"}
else
  error("mgc: service must be exponential, deterministic or lognormal (got " .. tostring(service_f) .. ")")
end

local function customer()
  request(server)
  hold(service:sample())
  release(server)
end

-- Arrivals during the warm-up, then 'customers' more.
process(function()
  local n = 0
  while n < customers do
    if now() >= warmup then n = n + 1 end
    process(customer)
    hold(interarrival:sample())
  end
end)

process(function()
  hold(warmup)
  server:reset_stats()
end)

at_end(function()
  local s = server:stats()
  print(string.format("result wq=%.10g lq=%.10g util=%.10g served=%d",
                      s.mean_wait, s.mean_queue, s.utilisation, s.served))
end)
