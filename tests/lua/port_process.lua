-- port_process.lua — port_small.lua (the small air port of the
-- port-scenario tests) with a process: a weekly training session takes 3
-- of the 5 document reviewers away every Wednesday 14:00-16:00.
-- --set training=false leaves the process out (then the table is
-- port_small.lua's); --set hours=H makes the session last H hours;
-- --set wait=true adds a second process that is still waiting for the
-- scanner when the replication ends (it is discarded).

local training_on = param("training", true)
local hours = param("hours", 2)
local waiting_on = param("wait", false)

-- Hour 0 is Monday 2017-01-02 00:00, so Wednesday 14:00 is hour 62 of
-- every week.
local WED_14 = 2 * 24 + 14

local function training()
  local docs = port_resource("TST", "documents")
  while true do
    local t = now()
    hold(WED_14 + 168 * math.ceil((t - WED_14) / 168) - t) -- next Wednesday 14:00
    for _ = 1, 3 do request(docs, 1000) end -- ahead of the queue, but no preemption
    hold(hours)
    for _ = 1, 3 do release(docs) end
  end
end

-- Takes the scanner for good after the last arrivals, then waits for it
-- again: still waiting when the system has drained.
local function hog()
  local scanner = port_resource("TST", "scanner")
  hold(9 * 24)
  request(scanner)
  request(scanner)
end

local processes = {}
if training_on then processes[#processes + 1] = training end
if waiting_on then processes[#processes + 1] = hog end

-- port_small.lua's port, eras and all, with the processes added.
return (import "tests/lua/port_small.lua"):with { processes = processes }
