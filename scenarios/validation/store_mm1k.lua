-- store_mm1k.lua — validation case: an M/M/1 queue fed through a finite
-- store (M/M/1/K), as trucks parking in a holding area of K - 1 places in
-- front of one inspection bay. Arrivals put an item in
-- store{capacity = K - 1}; an arrival that finds it full is lost
-- (yard:size() says so, so put never waits); the server takes items with
-- s:get(), waiting while the store is empty, and serves each for an
-- exponential time. The store, the one in service and the server's
-- busy time give the number in system. One run is one replication (from
-- an empty system, no warm-up: K is small and the chain mixes in hours):
--   result loss=... L=... lq=... arrivals=... lost=...
-- (share of arrivals lost; time-average number in system, by hand; mean
-- store size from s:stats()). scripts/validate_theory.py checks them
-- against M/M/1/K.
--
-- Parameters: K (>= 2), lambda, mu, customers.

local K         = param("K", 5)
local lambda    = param("lambda", 0.8)
local mu        = param("mu", 1.0)
local customers = param("customers", 20000)

assert(K >= 2 and lambda > 0 and mu > 0 and customers >= 1, "store_mm1k: bad parameters")

local area = store{name = "area", capacity = K - 1}
local interarrival = exponential(1 / lambda, "arrivals")
local service      = exponential(1 / mu, "service")
local arrivals, lost = 0, 0
local n, integral, last, t_end = 0, 0.0, 0.0, 0.0

local function changed(dn)
  integral = integral + n * (now() - last)
  n, last = n + dn, now()
end

process(function()                   -- the server
  while true do
    area:get()
    hold(service:sample())
    changed(-1)
  end
end)

process(function()
  while arrivals < customers do
    arrivals = arrivals + 1
    if area:size() >= K - 1 then
      lost = lost + 1
    else
      changed(1)
      area:put(arrivals)
    end
    hold(interarrival:sample())
  end
  changed(0)
  t_end = now()
end)

at_end(function()
  print(string.format("result loss=%.10g L=%.10g lq=%.10g arrivals=%d lost=%d",
                      lost / arrivals, integral / t_end, area:stats().mean_size, arrivals, lost))
end)
