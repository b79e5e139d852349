-- machine_shop.lua — the machine shop of SimPy's documentation: machines
-- break down and a repairman, busy with other work of lower priority, is
-- preempted to repair them. The kouan twin of machine_shop_simpy.py (SimPy
-- 3): the same model, the same parameters and the same `stat NAME VALUE`
-- lines, compared over replications by tests/processes (docs/processes.md).
--
--   kouan run scenarios/examples/machine_shop.lua --quiet --seed 3 --set weeks=1
--
-- Times in minutes, as in SimPy's example. `machines` machines make parts,
-- each taking a normal time (mean pt_mean, sd pt_sigma). Each machine
-- breaks down after exponential times (mean mttf) of its own clock, which
-- runs on while it is broken (a failure falling then is lost): the breaker
-- process interrupts the machine's process (p:interrupt), whose hold()
-- raises the interrupt; the machine catches it with pcall, keeps the time
-- left of its part, and calls the one repairman with priority 1; a repair
-- takes `repair` minutes. The repairman's other jobs (`job` minutes each)
-- ask with priority 0 on a preemptive resource: a repair call takes the
-- repairman from such a job, whose hold() then raises an interrupt with
-- cause "preempted" and the time it had left, with which the job asks
-- again. The horizon is weeks * 7 * 24 * 60 minutes: parts finished and
-- breakdowns falling after it are not counted, nor other work after it.
--
--   stat parts_K N         parts made by machine K (K = 1..machines)
--   stat parts_mean X      their mean
--   stat breakdowns N      breakdowns (all machines)
--   stat repair_wait W     mean wait of a broken machine for the repairman, min
--   stat other_work T      minutes the repairman spent on other jobs

local machines = param("machines", 10)
local pt_mean  = param("pt_mean", 10.0)
local pt_sigma = param("pt_sigma", 2.0)
local mttf     = param("mttf", 300.0)
local repair   = param("repair", 30.0)
local job      = param("job", 30.0)
local weeks    = param("weeks", 4.0)
local horizon  = weeks * 7 * 24 * 60

local repairman    = resource{name = "repairman", capacity = 1, discipline = "priority", preemptive = true}
local part_time    = normal{mean = pt_mean, sd = pt_sigma, stream = "work"}
local failure_time = exponential(mttf, "failures")
local st = {breakdowns = 0, repair_wait = 0.0, other_work = 0.0}
local parts, broken = {}, {}

local function working(k)
  while now() < horizon do
    local done_in = part_time:sample()
    while done_in > 0 do
      local ok, e = pcall(hold, done_in)
      if ok then
        done_in = 0
      elseif is_interrupt(e) then      -- broken down: repair, then resume the part
        broken[k] = true
        done_in = e.remaining
        local t0 = now()
        request(repairman, {priority = 1})
        st.repair_wait = st.repair_wait + (now() - t0)
        hold(repair)
        release(repairman)
        broken[k] = false
      else
        error(e, 0)
      end
    end
    if now() < horizon then parts[k] = parts[k] + 1 end
  end
end

local function breaker(k, machine)
  while true do
    hold(failure_time:sample())
    if now() >= horizon then return end
    if not broken[k] then
      st.breakdowns = st.breakdowns + 1
      machine:interrupt("broken")
    end
  end
end

for k = 1, machines do
  parts[k], broken[k] = 0, false
  process(breaker, k, process(working, k))
end

-- Other jobs: preempted by a repair call, each resumes with the time it had left.
process(function()
  while now() < horizon do
    local done_in = job
    while done_in > 0 do
      request(repairman, {priority = 0})
      local start = now()
      local ok, e = pcall(hold, done_in)
      if ok then
        done_in = 0
        release(repairman)
      elseif is_interrupt(e) and e.cause == "preempted" then
        done_in = e.remaining           -- the server is already taken: no release
      else
        error(e, 0)
      end
      st.other_work = st.other_work + math.max(0.0, math.min(now(), horizon) - start)
    end
  end
end)

at_end(function()
  local total = 0
  for k = 1, machines do
    print(string.format("stat parts_%d %d", k, parts[k]))
    total = total + parts[k]
  end
  print(string.format("stat parts_mean %.10g", total / machines))
  print(string.format("stat breakdowns %d", st.breakdowns))
  print(string.format("stat repair_wait %.10g", st.repair_wait / math.max(st.breakdowns, 1)))
  print(string.format("stat other_work %.10g", st.other_work))
end)
