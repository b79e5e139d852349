-- test_processes.lua — the process API's waits (lua/lsim.h): requests with
-- a timeout (reneging), events, timeout(), any_of/all_of, join, interrupts
-- and normal{}'s lower bound. Every expected time is worked out by hand in
-- the comment beside it. Run by `kouan run test_processes.lua --quiet`;
-- prints TAP (the checks made at the end run in at_end).

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

-- Reneging. One server: A holds it 0..10, B gives up at 3, C (patience
-- 20) is granted at 10 and holds 1, so the run of this resource ends at 11.
local desk = resource{name = "desk"}
local seen = {}
process(function()
  ok(request(desk) == true, "a request granted at once returns true")
  hold(10)
  release(desk)
end)
process(function()
  local got = request(desk, {timeout = 3})
  seen.b = {got, now()}
end)
process(function()
  local got = request(desk, {priority = 0, timeout = 20})
  seen.c = {got, now()}
  hold(1)
  release(desk)
end)

-- Events: a waiter woken by succeed() with its value; wait with a timeout.
local gate = event()
process(function()
  seen.gate = {wait(gate), now()}
  seen.again = {wait(gate), now()}        -- already processed: no wait
end)
process(function()
  hold(5)
  gate:succeed("open")
  raises(function() gate:succeed(1) end, "already been triggered", "succeed twice raises")
end)
local never = event()
process(function()
  hold(1)
  local fired = wait(never, 2)
  seen.never = {fired, now()}
  local fired2, v = wait(gate, 100)       -- the gate opens at 5
  seen.gate_timed = {fired2, v, now()}
end)

-- timeout(), any_of, all_of.
process(function()
  local v = wait(timeout(2, "two"))
  seen.timeout = {v, now()}
  local a, b = timeout(3, "a"), timeout(1, "b")
  local first = wait(any_of{a, b})
  seen.any = {first == b, first:value(), now()}
  local values = wait(all_of{timeout(3, "x"), timeout(1, "y")})
  seen.all = {values[1], values[2], now()}
  seen.any_empty = {wait(any_of{}), now()}
end)

-- join: a process is an event with its function's first result.
process(function()
  local worker = process(function(x) hold(4) return x * 2 end, 21)
  seen.join = {wait(worker), now()}
  seen.join_again = {worker:join(), now(), worker:alive()}
  local slow = process(function() hold(50) end)
  seen.join_timed = {slow:join(1), now()}
end)

-- Interrupts: a hold interrupted at 3 of 10 h; a request withdrawn.
local victim
victim = process(function()
  local good, e = pcall(hold, 10)
  seen.intr = {good, is_interrupt(e), e and e.cause, e and e.remaining, now(), e and e.by ~= nil}
  hold(1)                                 -- goes on normally afterwards
  seen.after = now()
end)
process(function()
  hold(3)
  victim:interrupt("stop")
end)
local bay = resource{name = "bay"}
local queued
process(function() request(bay) hold(8) release(bay) end)
queued = process(function()
  local good, e = pcall(request, bay)
  seen.req_intr = {good, e and e.cause, now(), bay:queue_length()}
end)
process(function()
  hold(2)
  queued:interrupt("tired")
end)

-- Misuse.
process(function()
  raises(function() wait(process(function() end), -1) end, "timeout must be >= 0", "negative wait timeout")
  local me = process(function() hold(1) end)
  hold(2)
  raises(function() me:interrupt() end, "already ended", "interrupting an ended process raises")
end)
raises(function() wait(event()) end, "only a process can wait", "wait outside a process")
raises(function() any_of{1} end, "event or process expected", "any_of takes events only")

-- normal{} draws times: truncated at 0 unless told otherwise.
local d, low = normal{mean = 0, sd = 1, stream = "t"}, math.huge
for _ = 1, 2000 do low = math.min(low, d:sample()) end
ok(low >= 0, "normal{} is truncated at 0 by default", low)
local d2, neg = normal{mean = 0, sd = 1, lo = -math.huge, stream = "t"}, false
for _ = 1, 200 do neg = neg or d2:sample() < 0 end
ok(neg, "normal{lo = -math.huge} draws below 0")

at_end(function()
  ok(seen.b[1] == false and near(seen.b[2], 3), "B reneges at 3", seen.b[2])
  ok(seen.c[1] == true and near(seen.c[2], 10), "C is granted at 10", seen.c[2])
  local s = desk:stats()
  ok(s.reneged == 1 and near(s.mean_wait_reneged, 3), "one reneged, after 3 h", s.reneged)
  -- granted: A (0 h), C (10 h): the reneged wait is not among them
  ok(s.granted == 2 and near(s.mean_wait, 5), "the served's mean wait leaves the reneged out", s.mean_wait)
  -- in line: B over 0..3, C over 0..10; the run ends at 54 (slow: 4 + 50)
  ok(near(now(), 54) and near(s.mean_queue, 13 / 54), "the queue length drops when B leaves", s.mean_queue)
  ok(near(seen.gate[2], 5) and seen.gate[1] == "open", "wait(ev) returns its value when it fires")
  ok(seen.again[1] == "open" and near(seen.again[2], 5), "a processed event returns at once")
  ok(seen.never[1] == false and near(seen.never[2], 3), "wait(ev, 2) gives up after 2 h")
  ok(seen.gate_timed[1] == true and seen.gate_timed[2] == "open" and near(seen.gate_timed[3], 5),
     "wait(ev, t) returns true and the value when it fires in time")
  ok(seen.timeout[1] == "two" and near(seen.timeout[2], 2), "timeout(2, v) fires at 2 with v")
  ok(seen.any[1] and seen.any[2] == "b" and near(seen.any[3], 3), "any_of fires with the first event")
  ok(seen.all[1] == "x" and seen.all[2] == "y" and near(seen.all[3], 6), "all_of waits for all, values in order")
  ok(seen.any_empty[1] == nil and near(seen.any_empty[2], 6), "any_of{} fires at once")
  ok(seen.join[1] == 42 and near(seen.join[2], 4), "wait(p) returns p's result when it ends")
  ok(seen.join_again[1] == 42 and near(seen.join_again[2], 4) and seen.join_again[3] == false,
     "join on an ended process returns at once")
  ok(seen.join_timed[1] == false and near(seen.join_timed[2], 5), "p:join(1) gives up after 1 h")
  local i = seen.intr
  ok(i[1] == false and i[2] and i[3] == "stop" and near(i[4], 7) and near(i[5], 3) and i[6],
     "an interrupted hold raises an interrupt with the cause, the time left and the interrupter")
  ok(near(seen.after, 4), "the interrupted process goes on")
  local r = seen.req_intr
  ok(r[1] == false and r[2] == "tired" and near(r[3], 2) and r[4] == 0,
     "an interrupted request leaves the line")
  ok(bay:stats().reneged == 1, "and counts as withdrawn")
  print(string.format("1..%d", n))
end)
