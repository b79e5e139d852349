-- bank_renege.lua — a bank whose customers give up when they have waited
-- longer than their patience (M/M/c with exponential patience, Erlang-A).
-- The kouan twin of bank_renege_simpy.py (SimPy 3): the same model, the
-- same parameters and the same `stat NAME VALUE` lines, compared over
-- replications by tests/processes (docs/processes.md).
--
--   kouan run scenarios/examples/bank_renege.lua --quiet --seed 3 --set counters=2
--
-- Customers arrive as a Poisson stream (lambda per hour); each asks for one
-- of `counters` tellers and waits at most an exponential patience (mean
-- `patience` h): request(counter, {timeout = ...}) returns false when the
-- patience ran out first, and the request is then withdrawn. Granted in
-- time, the customer is served for an exponential time (mean `service` h).
-- `customers` customers are generated; those arriving before `warmup` h
-- are served but not counted.
--
--   stat served N            customers served (counted ones)
--   stat reneged_share P     share of counted customers who gave up
--   stat wait_served W       mean wait of the served, h
--   stat wait_reneged W      mean time in queue of those who gave up, h

local counters  = param("counters", 2)
local lambda    = param("lambda", 10.0)
local service   = param("service", 0.18)
local patience  = param("patience", 0.25)
local customers = param("customers", 2000)
local warmup    = param("warmup", 0.0)

assert(counters >= 1 and lambda > 0 and service > 0 and patience > 0, "bank_renege: bad parameters")

local counter       = resource{name = "counter", capacity = counters}
local interarrival  = exponential(1 / lambda, "arrivals")
local service_time  = exponential(service, "service")
local patience_time = exponential(patience, "patience")
local st = {served = 0, reneged = 0, wait = 0.0, wait_reneged = 0.0}

local function customer(counted)
  local t0 = now()
  if request(counter, {timeout = patience_time:sample()}) then
    if counted then
      st.served = st.served + 1
      st.wait = st.wait + (now() - t0)
    end
    hold(service_time:sample())
    release(counter)
  elseif counted then
    st.reneged = st.reneged + 1
    st.wait_reneged = st.wait_reneged + (now() - t0)
  end
end

process(function()
  for _ = 1, customers do
    process(customer, now() >= warmup)
    hold(interarrival:sample())
  end
end)

at_end(function()
  local n = st.served + st.reneged
  print(string.format("stat served %d", st.served))
  print(string.format("stat reneged_share %.10g", st.reneged / n))
  print(string.format("stat wait_served %.10g", st.wait / math.max(st.served, 1)))
  print(string.format("stat wait_reneged %.10g", st.wait_reneged / math.max(st.reneged, 1)))
end)
