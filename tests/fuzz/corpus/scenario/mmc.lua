-- mmc.lua — a single-stage M/M/c queue written with processes: one
-- generator process makes Poisson arrivals, and each customer is a process
-- that requests a server, holds it for an exponential service time and
-- releases it. Prints the estimated Wq and Lq after a warm-up, next to the
-- Erlang C values.
--
--   kouan run scenarios/mmc.lua --set c=2 --set lambda=1.6 --set mu=1 \
--       --set customers=50000 --seed 7
--
-- Parameters (all optional): c servers, lambda arrivals per hour, mu
-- services per hour per server, customers to generate, warmup hours whose
-- statistics are dropped. Times are in hours.

local c         = param("c", 2)
local lambda    = param("lambda", 1.6)
local mu        = param("mu", 1.0)
local customers = param("customers", 20000)
local warmup    = param("warmup", 200.0)

assert(c >= 1 and lambda > 0 and mu > 0 and customers >= 1, "mmc: bad parameters")
local rho = lambda / (c * mu)
assert(rho < 1, string.format("mmc: the queue is unstable (rho = %.3f >= 1)", rho))

local server       = resource{name = "server", capacity = c}
local interarrival = exponential(1 / lambda, "arrivals")
local service      = exponential(1 / mu, "service")

-- Erlang C: probability of waiting, then Wq = C / (c mu - lambda), Lq = lambda Wq.
local function erlang_c(servers, a)
  local term, sum = 1.0, 1.0          -- a^k / k!, summed for k < servers
  for k = 1, servers - 1 do
    term = term * a / k
    sum = sum + term
  end
  local top = term * a / servers / (1 - a / servers)
  return top / (sum + top)
end

local function customer()
  request(server)
  hold(service:sample())
  release(server)
end

process(function()
  for _ = 1, customers do
    process(customer)
    hold(interarrival:sample())
  end
end)

-- Drop the warm-up: statistics start afresh at t = warmup.
process(function()
  hold(warmup)
  server:reset_stats()
end)

at_end(function()
  local s = server:stats()
  local pw = erlang_c(c, lambda / mu)
  local wq = pw / (c * mu - lambda)
  print(string.format("M/M/%d  lambda=%g  mu=%g  rho=%.4f  customers=%d  warmup=%g h",
                      c, lambda, mu, rho, customers, warmup))
  print(string.format("Wq %.6f h  (Erlang C %.6f)", s.mean_wait, wq))
  print(string.format("Lq %.6f    (Erlang C %.6f)", s.mean_queue, lambda * wq))
  print(string.format("served %d  utilisation %.4f", s.served, s.utilisation))
end)
