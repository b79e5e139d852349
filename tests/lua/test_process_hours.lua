-- test_process_hours.lua — resource{hours =, holidays =} in a process-style
-- scenario: the port calendar's written forms and closing-time policy
-- (kernel/resource.h). Hour 0 is Monday 2017-01-02 00:00. Prints TAP.

local n = 0
local function ok(cond, name, diag)
  n = n + 1
  print(string.format("%s %d - %s", cond and "ok" or "not ok", n, name))
  if not cond and diag then print("# " .. tostring(diag)) end
end
local function near(a, b) return math.abs(a - b) < 1e-9 end

local office = resource{name = "office",
  hours = {{days = "Mon-Fri", from = "08:30", to = "12:00", capacity = 1},
           {days = "Mon-Fri", from = "13:30", to = "17:30", capacity = 1}},
  holidays = {"2017-01-03"}}
local t = {}
process(function()
  request(office)            -- Mon 00:00, closed: granted at the opening, 08:30
  t[1] = now()
  hold(1)
  release(office)
end)
process(function()
  hold(11.5)                 -- Mon 11:30, open and free: at once
  request(office)
  t[2] = now()
  t.cap = office:capacity()
  hold(0.25)
  release(office)
  hold(24)                   -- Tue 11:45 is a holiday: Wed 08:30 = 56.5
  request(office)
  t[3] = now()
  release(office)
  hold(1.5)                  -- Wed 10:00
  t.open = office:capacity()
  hold(3)                    -- Wed 13:00, the lunch break
  t.lunch = office:capacity()
end)

at_end(function()
  ok(near(t[1], 8.5), "a request made while closed is granted at the opening", t[1])
  ok(near(t[2], 11.5) and t.cap == 1, "open: granted at once", t[2])
  ok(near(t[3], 56.5), "a holiday stays closed all day", t[3])
  ok(t.open == 1 and t.lunch == 0, "capacity follows the hours (1 open, 0 at lunch)")
  -- waits 8.5, 0 and 20.75 h
  ok(near(office:stats().mean_wait, 29.25 / 3), "waits count the closed hours", office:stats().mean_wait)
  print(string.format("1..%d", n))
end)
