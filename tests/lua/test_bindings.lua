-- test_bindings.lua — the process-style API (lsim.h): constructors and
-- their errors, distributions, processes waiting on time and servers, and
-- resource statistics. Run by `kouan run test_bindings.lua --quiet`;
-- prints TAP from at_end, after the simulation.

local n, failed = 0, 0
local function ok(cond, name, diag)
  n = n + 1
  if not cond then failed = failed + 1 end
  print(string.format("%s %d - %s", cond and "ok" or "not ok", n, name))
  if not cond and diag ~= nil then print("# " .. tostring(diag)) end
end
local function raises(fn, pattern, name)
  local good, err = pcall(fn)
  ok(not good and tostring(err):find(pattern, 1, true) ~= nil, name, err)
end
local function near(x, want, tol, name)
  ok(math.abs(x - want) <= tol, name, string.format("got %g, want %g +- %g", x, want, tol))
end

-- ---- constructors and their errors (at the top level, time 0) ----
raises(function() resource{capacity = 1} end, "field 'name' is required", "resource needs a name")
raises(function() resource{name = "a", capcity = 1} end, "unknown field 'capcity' (did you mean 'capacity'?)", "a misspelt field is refused, naming the nearest field")
raises(function() resource{name = "a", zzz = 1} end, "unknown field 'zzz' (known: name, capacity, discipline, hours, holidays, workdays, preemptive)", "a field far from any known one lists them all")
raises(function() resource{name = "b", capacity = 0} end, "resource 'b': capacity", "capacity 0 is refused, naming the resource")
raises(function() resource{name = "c", discipline = "lifo"} end, "discipline must be", "an unknown discipline is refused")
raises(function() resource(3) end, "bad argument #1 to 'resource' (table expected, got number)", "resource wants a table")
raises(function() exponential(-1) end, "exponential", "a negative mean is refused by the kernel, naming the family")
raises(function() lognormal{mean = 1} end, "give both mean= and cv=", "lognormal needs mean and cv")
raises(function() hold(1) end, "only a process can wait", "hold outside a process")
raises(function() request(3) end, "only a process can wait", "request outside a process")
raises(function() process(42) end, "bad argument #1 to 'process' (function expected, got number)", "process wants a function")

local desk = resource{name = "desk", capacity = 1}
raises(function() resource{name = "desk"} end, "resource 'desk' already exists", "resource names are unique")
raises(function() desk.stats(42) end, "kouan.Resource expected, got number", "a method checks its self")
ok(tostring(desk):find("resource 'desk'", 1, true) ~= nil, "resource __tostring")
raises(function() getmetatable(desk).__index = nil end, "attempt to index a string value",
       "the metatable of a kouan object is protected")

-- ---- distributions ----
local e = exponential(2.0, "test.exp")
near(e:mean(), 2.0, 0, "exponential:mean()")
local sum = 0
for _ = 1, 20000 do sum = sum + e:sample() end
near(sum / 20000, 2.0, 0.1, "exponential sample mean within 5% of 2")
local ln = lognormal{mean = 3, cv = 0.5, stream = "test.ln"}
near(ln:mean(), 3, 1e-9, "lognormal{mean=, cv=}:mean()")
local d = discrete{values = {1, 2, 3}, weights = {0, 0, 1}}
ok(d:sample() == 3, "discrete with one weight always draws that value")
ok(deterministic(4):sample() == 4, "deterministic")
local u = uniform(2, 3)
local x = u:sample()
ok(x > 2 and x < 3, "uniform(2, 3) draws inside (2, 3)")
ok(tostring(ln):find("lognormal", 1, true) ~= nil, "dist __tostring names the family", tostring(ln))
local s1, s2 = stream("test.same"), stream("test.same")
local a1 = s1:uniform()
s2:rekey(0)
ok(s2:uniform() == a1, "stream(name) finds the same stream; rekey(0) restarts it")
near(erlang{k = 3, mean = 6}:mean(), 6, 1e-12, "erlang mean")
near(triangular{min = 0, mode = 1, max = 2}:mean(), 1, 1e-12, "triangular mean")
ok(normal{mean = 0, sd = 1, lo = 0}:sample() >= 0, "truncated normal respects lo")

-- ---- processes ----
local log = {}
local t_hold
process(function(a, b)
  hold(1.5)
  t_hold = now()
  log[#log + 1] = string.format("args %s %s", a, b)
end, "x", 7)

-- capacity 1, priority discipline: the holder, then 'high' before 'low'
local gate = resource{name = "gate", capacity = 1, discipline = "priority"}
local order = {}
local function client(name, prio)
  request(gate, prio)
  order[#order + 1] = name .. "@" .. now()
  hold(1)
  release(gate)
end
process(client, "first", 0)
process(client, "low", 1)
process(client, "high", 5)

-- the statistics of desk: two customers of 1 h each at time 0
local waits = {}
for i = 1, 2 do
  process(function()
    local t0 = now()
    request(desk)
    waits[i] = now() - t0
    hold(1)
    release(desk)
  end)
end

local release_err, inner_err
process(function()
  local good, err = pcall(release, desk)
  release_err = err
  good, err = pcall(request, "desk")
  inner_err = err
  -- a wait inside pcall works (Lua 5.4 pcall is yieldable)
  pcall(function() hold(0.25) end)
  log[#log + 1] = "pcall hold " .. now()
end)

at_end(function()
  near(t_hold or -1, 1.5, 0, "hold(1.5) resumes at t = 1.5")
  ok(log[1] == "pcall hold 0.25" and log[2] == "args x 7", "process arguments and a hold inside pcall",
     table.concat(log, "; "))
  ok(table.concat(order, " ") == "first@0.0 high@1.0 low@2.0", "priority discipline",
     table.concat(order, " "))
  ok(waits[1] == 0 and waits[2] == 1, "second customer waits 1 h", string.format("%s %s", waits[1], waits[2]))
  local st = desk:stats()
  near(st.mean_wait, 0.5, 1e-12, "desk mean wait")
  ok(st.served == 2 and st.granted == 2, "desk served 2")
  ok(tostring(release_err):find("does not hold resource 'desk'", 1, true), "release of an unheld resource",
     release_err)
  ok(tostring(inner_err):find("kouan.Resource expected, got string", 1, true), "request checks its argument",
     inner_err)
  ok(now() == 3, "the run ends when events run out", now())
  print("1.." .. n)
end)
