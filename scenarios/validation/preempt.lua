-- preempt.lua — validation case: a single server with two customer classes
-- and preemptive-resume priority, as an inspection bay that drops routine
-- work for urgent goods. resource{preemptive = true}: a class-1 request
-- (priority 1) takes the server from a class-2 customer (priority 0),
-- whose service resumes later with the time it had left;
-- use(server, dt, {priority = p}) does the request, the hold and the
-- re-requests after preemption, and returns the time it finished.
-- Exponential service with a different mean per class. One run is one
-- replication:
--   result t1=... t2=... n1=... n2=...
-- (mean time in system of each class, h, per customer arriving after the
-- warm-up). scripts/validate_theory.py checks them against the
-- preemptive-resume priority M/G/1 formulas.
--
-- Parameters: lambda1, lambda2 (arrivals/h), mean1, mean2 (service h),
-- customers, warmup.

local lambda1   = param("lambda1", 0.3)
local lambda2   = param("lambda2", 0.5)
local mean1     = param("mean1", 0.5)
local mean2     = param("mean2", 1.0)
local customers = param("customers", 20000)
local warmup    = param("warmup", 300.0)

assert(lambda1 > 0 and lambda2 > 0 and lambda1 * mean1 + lambda2 * mean2 < 1, "preempt: bad parameters")

local server = resource{name = "server", capacity = 1, discipline = "priority", preemptive = true}
local interarrival = { exponential(1 / lambda1, "arrivals1"), exponential(1 / lambda2, "arrivals2") }
local service = { exponential(mean1, "service1"), exponential(mean2, "service2") }
local prio = { 1, 0 }
local sum, n = { 0.0, 0.0 }, { 0, 0 }

local function customer(k, counted)
  local t0 = now()
  local done = use(server, service[k]:sample(), {priority = prio[k]})
  if counted then
    sum[k] = sum[k] + (done - t0)
    n[k] = n[k] + 1
  end
end

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
  print(string.format("result t1=%.10g t2=%.10g n1=%d n2=%d",
                      sum[1] / n[1], sum[2] / n[2], n[1], n[2]))
end)
