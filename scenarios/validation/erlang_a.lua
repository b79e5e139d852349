-- erlang_a.lua — validation case: M/M/c with exponential patience
-- (Erlang-A, M/M/c+M), as truck drivers who leave a queue they find too
-- slow. request(server, {timeout = patience}) returns false when the
-- patience ran out first; the request is then withdrawn. One run is one
-- replication:
--   result abandon=... wq=... abandon_res=... wq_res=... lq_res=... served=... reneged=...
-- (share of the customers arriving after the warm-up who gave up; mean
-- wait of the served among them, h; then the same from the resource's own
-- statistics, reset at the warm-up: reneged / (granted + reneged), the mean
-- wait of the granted, and the time-average queue, which withdrawn
-- requests leave). scripts/validate_theory.py checks them against the
-- birth-death solution of M/M/c+M.
--
-- Parameters: c, lambda, mu, theta (1 / mean patience), customers, warmup.

local c         = param("c", 2)
local lambda    = param("lambda", 2.0)
local mu        = param("mu", 1.0)
local theta     = param("theta", 0.5)
local customers = param("customers", 20000)
local warmup    = param("warmup", 100.0)

assert(c >= 1 and lambda > 0 and mu > 0 and theta > 0 and customers >= 1, "erlang_a: bad parameters")

local server       = resource{name = "server", capacity = c}
local interarrival = exponential(1 / lambda, "arrivals")
local service      = exponential(1 / mu, "service")
local patience     = exponential(1 / theta, "patience")
local served, reneged, wait = 0, 0, 0.0

local function customer(counted)
  local t0 = now()
  if request(server, {timeout = patience:sample()}) then
    if counted then served, wait = served + 1, wait + (now() - t0) end
    hold(service:sample())
    release(server)
  elseif counted then
    reneged = reneged + 1
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
  server:reset_stats()
end)

at_end(function()
  local s = server:stats()
  print(string.format("result abandon=%.10g wq=%.10g abandon_res=%.10g wq_res=%.10g lq_res=%.10g served=%d reneged=%d",
                      reneged / (served + reneged), wait / served, s.reneged / (s.granted + s.reneged),
                      s.mean_wait, s.mean_queue, served, reneged))
end)
