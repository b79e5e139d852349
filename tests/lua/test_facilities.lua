-- test_facilities.lua — preemptive resources and use(), containers and
-- stores in the process API (lua/lsim.h). Every expected time and value is
-- worked out by hand in the comment beside it. Run by
-- `kouan run test_facilities.lua --quiet`; prints TAP (the checks made at
-- the end run in at_end).

local n, failed = 0, 0
local function ok(cond, name, diag)
  n = n + 1
  if not cond then failed = failed + 1 end
  print(string.format("%s %d - %s", cond and "ok" or "not ok", n, name))
  if not cond and diag then print("# " .. tostring(diag)) end
end
local function near(a, b) return type(a) == "number" and math.abs(a - b) < 1e-9 end
local function raises(fn, pattern, name)
  local good, err = pcall(fn)
  ok(not good and tostring(err):find(pattern, 1, true) ~= nil, name, err)
end

-- ---- refused definitions ----
raises(function() resource{name = "p1", preemptive = true, discipline = "fifo"} end,
       "a preemptive resource serves by priority", "preemptive with discipline fifo is refused")
raises(function() resource{name = "p2", preemptive = true, hours = {{days = "Mon-Fri", from = "08:30", to = "12:00", capacity = 1}}} end,
       "cannot have opening hours", "preemptive with opening hours is refused")
raises(function() container{name = "c", capacity = 0} end, "container 'c': capacity must be > 0",
       "a container of capacity 0 is refused")
raises(function() container{name = "c", capacity = 5, init = 6} end, "init must be in 0..capacity",
       "an initial level above the capacity is refused")
raises(function() container{name = "c", integer = true, init = 0.5} end, "init must be a whole number",
       "an integer container with a fractional init is refused")
raises(function() container{name = "c", capcity = 3} end, "did you mean 'capacity'?",
       "a misspelt container field names the nearest")
raises(function() store{name = "s", capacity = 2.5} end, "store 's': capacity must be a whole number",
       "a fractional store capacity is refused")
raises(function() store{name = "s", kind = "lifo"} end, "kind must be \"fifo\", \"priority\" or \"filter\"",
       "an unknown store kind is refused")

-- ---- preemption ----
-- One server. Low (priority 0) asks at 0 for 10 h; High (priority 1)
-- asks at 4 and holds 3 h (4..7). Low is interrupted at 4 with 6 h left,
-- usage since 0, by High; it asks again at 4 and gets the server at 7,
-- ending at 13. use() does the same for Low2 on a second server.
local bay = resource{name = "bay", preemptive = true}
local seen = {}
local high
process(function()
  request(bay, {priority = 0})
  local good, e = pcall(hold, 10)
  seen.low = {good, e, now()}
  raises(function() release(bay) end, "a preempted holder has lost its server already",
         "releasing after being preempted is refused, saying why")
  request(bay, {priority = 0})
  hold(e.remaining)
  release(bay)
  seen.low_end = now()
end)
high = process(function()
  hold(4)
  request(bay, {priority = 1})
  hold(3)
  release(bay)
end)

-- use(): Low2 needs 5 h from 0; High2 (priority 2) uses the server 1..3
-- and High3 (priority 2) asks at 2, after High2: it waits (same priority:
-- no preemption) and uses 3..4. Low2 resumes at 4 with 4 h left: done at 8.
local crane = resource{name = "crane", capacity = 1, discipline = "priority", preemptive = true}
process(function() seen.use_low = use(crane, 5) end)
process(function() hold(1) seen.use_h2 = use(crane, 2, {priority = 2}) end)
process(function() hold(2) seen.use_h3 = use(crane, 1, {priority = 2}) end)
-- an interrupt other than preemption inside use(): the server is released
-- and the interrupt goes on. Victim uses 0..; interrupted at 1.5.
local lathe = resource{name = "lathe", preemptive = true}
local victim = process(function()
  local good, e = pcall(use, lathe, 4)
  seen.use_intr = {good, e, now(), lathe:busy()}
end)
process(function() hold(1.5) victim:interrupt("fire") end)
process(function()
  raises(function() use(lathe, -1) end, "use: time must be finite and >= 0", "use refuses a negative time")
  raises(function() use(lathe, 1, {prio = 1}) end, "use: unknown option 'prio'", "use refuses an unknown option")
end)

-- ---- containers ----
-- Tank: capacity 10, starts at 4. A get of 6 at 0 waits; a put of 3 at 1
-- makes 7: the get takes 6 (level 1) at 1. A put of 12 is refused (more
-- than the capacity). A get of 5 with timeout 2 at 2 gives up at 4.
local tank = container{name = "tank", capacity = 10, init = 4}
process(function()
  tank:get(6)
  seen.tank_get = {now(), tank:level()}
end)
process(function()
  hold(1)
  tank:put(3)
  raises(function() tank:put(12) end, "amount must be > 0 and at most the capacity",
         "a put larger than the capacity is refused")
  hold(1)
  seen.tank_timeout = {tank:get(5, {timeout = 2}), now(), tank:level()}
end)
local units = container{name = "units", capacity = 3, integer = true}
process(function()
  raises(function() units:put(1.5) end, "counts whole units", "an integer container refuses a fraction")
  units:put(3)
  -- full: this put waits from 0 until the get at 5, so its wait is 5
  units:put(1)
  seen.units_put = now()
end)
process(function()
  hold(5)
  units:get(2)
end)

-- ---- stores ----
-- FIFO store of 2: puts a, b at 0; c waits until the get at 3. get order
-- a, b, c. A get with timeout 1 on the empty store returns nil at 7+1.
local yard = store{name = "yard", capacity = 2}
process(function()
  yard:put("a")
  yard:put("b")
  yard:put("c")
  seen.c_in = now()
end)
process(function()
  hold(3)
  local got = {yard:get(), yard:get()}
  hold(1)
  got[3] = yard:get()
  seen.yard = got
  hold(3)
  seen.yard_timeout = {yard:get({timeout = 1}), now()}
  raises(function() yard:get(function() return true end) end, "takes no filter",
         "a FIFO store refuses a filter")
  raises(function() yard:put(nil) end, "the item cannot be nil", "a nil item is refused")
end)

-- A put with a timeout into a full store gives up and the item is gone.
local pen = store{name = "pen", capacity = 1}
process(function()
  pen:put("x")
  seen.pen_put = {pen:put("y", {timeout = 2}), now(), pen:size()}
end)

-- Priority store: highest priority first, FIFO among equals.
local prio = store{name = "prio", kind = "priority"}
process(function()
  prio:put("low1", {priority = 0})
  prio:put("high1", {priority = 5})
  prio:put("low2", {priority = 0})
  prio:put("high2", {priority = 5})
  local order = {}
  for i = 1, 4 do order[i] = prio:get() end
  seen.prio = table.concat(order, " ")
end)

-- Filter store: a get for an even number waits past odd ones; another
-- get (any item) made later is served first with the odd one.
local box = store{name = "box", kind = "filter"}
process(function()
  box:put(3)
  hold(2)
  box:put(4)
end)
process(function()
  hold(0.5)
  seen.even = {box:get(function(x) return x % 2 == 0 end), now()}
end)
process(function()
  hold(1)
  seen.any = {box:get(), now()}
end)

at_end(function()
  ok(seen.low and seen.low[1] == false, "the preempted holder's hold raises")
  local e = seen.low and seen.low[2]
  ok(is_interrupt(e) and e.cause == "preempted", "its cause is \"preempted\"", e)
  ok(e and near(e.remaining, 6), "remaining is the hold's time left (10 - 4 = 6)", e and e.remaining)
  ok(e and near(e.usage_since, 0), "usage_since is when it was granted (0)", e and e.usage_since)
  ok(e and e.by == high, "by is the preempting process")
  ok(e and e.resource == bay, "resource is the preemptive resource")
  ok(seen.low and near(seen.low[3], 4), "the interrupt comes at the preemption (4)")
  ok(near(seen.low_end, 13), "asking again, it is served at 7 and ends at 13", seen.low_end)
  local st = bay:stats()
  ok(st.preempted == 1 and st.served == 2, "stats: 1 preempted, 2 served", st.preempted .. " " .. st.served)
  ok(near(seen.use_h2, 3), "use() returns the time it finished (1 + 2 = 3)", seen.use_h2)
  ok(near(seen.use_h3, 4), "equal priority does not preempt: High3 waits and ends at 4", seen.use_h3)
  ok(near(seen.use_low, 8), "use() resumes the preempted work: 1 + 4 more after 4 = 8", seen.use_low)
  local ui = seen.use_intr
  ok(ui and ui[1] == false and is_interrupt(ui[2]) and ui[2].cause == "fire" and near(ui[3], 1.5),
     "another interrupt inside use() goes on to the caller")
  ok(ui and ui[4] == 0, "and use() has released the server", ui and ui[4])
  ok(seen.tank_get and near(seen.tank_get[1], 1) and near(seen.tank_get[2], 1),
     "a container get waits for the level (6 at 1, leaving 1)")
  local tt = seen.tank_timeout
  ok(tt and tt[1] == false and near(tt[2], 4) and near(tt[3], 1), "a get with a timeout gives up (false at 4)")
  local ts = tank:stats()
  ok(ts.gets == 1 and ts.gets_cancelled == 1 and ts.puts == 1, "container counts: 1 get, 1 withdrawn, 1 put")
  ok(near(ts.mean_get_wait, 1) and near(ts.amount_got, 6) and near(ts.amount_put, 3),
     "container waits and amounts", ts.mean_get_wait)
  -- level 4 on [0,1), 1 on [1, end]; the run ends at 13 (bay)
  ok(near(ts.mean_level, (4 * 1 + 1 * 12) / 13), "time-average level over the run", ts.mean_level)
  ok(near(seen.units_put, 5), "a put into a full integer container waits for room", seen.units_put)
  ok(near(units:stats().mean_put_wait, 2.5) and units:level() == 2,
     "integer container: put waits 0 and 5, level 3 - 2 + 1 = 2", units:stats().mean_put_wait)
  ok(near(seen.c_in, 3), "a put into a full store waits for a get (3)", seen.c_in)
  ok(seen.yard and table.concat(seen.yard, " ") == "a b c", "a FIFO store gives items in order")
  ok(seen.yard_timeout and seen.yard_timeout[1] == nil and near(seen.yard_timeout[2], 8),
     "a get with a timeout on an empty store returns nil at its timeout")
  local ys = yard:stats()
  ok(ys.gets == 3 and ys.gets_cancelled == 1 and ys.puts == 3 and near(ys.mean_put_wait, 1),
     "store counts and put waits (0, 0, 3)", ys.mean_put_wait)
  -- items stay 3 (a), 3 (b) and 1 (c: in at 3, out at 4)
  ok(near(ys.mean_stay, 7 / 3), "mean stay of an item", ys.mean_stay)
  local pp = seen.pen_put
  ok(pp and pp[1] == false and near(pp[2], 2) and pp[3] == 1, "a put with a timeout gives up, the item left out")
  ok(seen.prio == "high1 high2 low1 low2", "a priority store: highest first, FIFO among equals", seen.prio)
  ok(seen.any and seen.any[1] == 3 and near(seen.any[2], 1), "a later get takes the item the filter refused")
  ok(seen.even and seen.even[1] == 4 and near(seen.even[2], 2), "a filter get waits for an item it accepts")
  ok(tostring(box):find("store 'box' (filter", 1, true) ~= nil, "store __tostring", tostring(box))
  ok(tostring(tank):find("container 'tank'", 1, true) ~= nil, "container __tostring", tostring(tank))
  print("1.." .. n)
  if failed > 0 then error(failed .. " of " .. n .. " checks failed", 0) end
end)
