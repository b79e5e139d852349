-- priority.lua — validation case: a single server with two customer
-- classes and non-preemptive priority, as green-channel goods ahead of
-- the rest at a document desk. The resource uses discipline "priority";
-- class 1 asks with priority 1, class 2 with 0 (higher first, FIFO within
-- a class); a customer in service is never interrupted. Exponential
-- service with a different mean per class. One run is one replication:
--   result wq1=... wq2=... n1=... n2=...
-- (mean wait in queue of each class, h, measured per customer arriving
-- after the warm-up). scripts/validate.py checks them against Cobham's
-- formula.
--
-- Parameters: lambda1, lambda2 (arrivals/h), mean1, mean2 (service h),
-- customers, warmup.

local lambda1   = param("lambda1", 0.3)
local lambda2   = param("lambda2", 0.5)
local mean1     = param("mean1", 0.5)
local mean2     = param("mean2", 1.0)
local customers = param("customers", 20000)
local warmup    = param("warmup", 300.0)

assert(lambda1 > 0 and lambda2 > 0 and lambda1 * mean1 + lambda2 * mean2 < 1, "priority: bad parameters")

local server = resource{name = "server", capacity = 1, discipline = "priority"}
local interarrival = { exponential(1 / lambda1, "arrivals1"), exponential(1 / lambda2, "arrivals2") }
local service = { exponential(mean1, "service1"), exponential(mean2, "service2") }
local prio = { 1, 0 }
local sum, n = { 0.0, 0.0 }, { 0, 0 }

local function customer(k, counted)
  local t0 = now()
  request(server, prio[k])
  if counted then
    sum[k] = sum[k] + (now() - t0)
    n[k] = n[k] + 1
  end
  hold(service[k]:sample())
  release(server)
end

-- One Poisson source per class; each stops after its share of 'customers'.
for k = 1, 2 do
  local share = k == 1 and lambda1 / (lambda1 + lambda2) or lambda2 / (lambda1 + lambda2)
  local quota = math.max(1, math.floor(customers * share + 0.5))
  process(function()
    local m = 0
    while m < quota do
      local counted = now() >= warmup
      if counted then m = m + 1 end
      process(customer, k, counted)
      hold(interarrival[k]:sample())
    end
  end)
end

at_end(function()
  print(string.format("result wq1=%.10g wq2=%.10g n1=%d n2=%d",
                      sum[1] / n[1], sum[2] / n[2], n[1], n[2]))
end)
