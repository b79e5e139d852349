-- rail_yard.lua — containers wait in a rail yard of limited capacity (a
-- priority store) for trains that leave on a timetable. The kouan twin of
-- rail_yard_simpy.py (SimPy 3): the same model, the same parameters and
-- the same `stat NAME VALUE` lines, compared over replications by
-- tests/processes (docs/processes.md).
--
--   kouan run scenarios/examples/rail_yard.lua --quiet --seed 3
--
-- Times in hours. Containers arrive by road as a Poisson stream (lambda
-- per hour) until `sim_time`; a share `urgent` of them is urgent. The yard
-- is store{capacity = yard, kind = "priority"}: a truck's yard:put(box,
-- {priority = ...}) waits at the gate while the yard is full; urgent boxes
-- (priority 1) are taken before the others (0), and among equals the one
-- that came first. A train leaves every `headway` hours (the first at
-- `headway`): at its time the crane loads up to `train` containers, each
-- taking `load` hours, as long as the yard has any (yard:size() > 0, so
-- yard:get() never waits); the train then leaves. The last train is the
-- last one due by `sim_time`.
--
--   stat containers N      containers that left by train
--   stat dwell_mean D      mean time from entering the yard to the train's departure, h
--   stat dwell_urgent D    the same for urgent containers
--   stat dwell_normal D    and for the others
--   stat gate_wait W       mean wait at the gate of the containers that left, h
--   stat load_mean X       mean containers per train
--   stat occupancy_mean Y  time-average containers in the yard (0 .. last train)

local lambda   = param("lambda", 8.0)
local urgent   = param("urgent", 0.2)
local yard_cap = param("yard", 32)
local headway  = param("headway", 4.0)
local train    = param("train", 36)
local load     = param("load", 0.02)
local sim_time = param("sim_time", 2000.0)

local yard = store{name = "yard", capacity = yard_cap, kind = "priority"}
local interarrival = exponential(1 / lambda, "arrivals")
local kind = stream("kind")
local st = {n = 0, dwell = 0.0, gate = 0.0, trains = 0, loaded = 0}
local by_kind = {[true] = {0, 0.0}, [false] = {0, 0.0}}
local occupancy                      -- yard:stats() when the last train leaves

local function truck(is_urgent)
  local box = {arrived = now(), urgent = is_urgent}
  yard:put(box, {priority = is_urgent and 1 or 0})
  box.entered = now()
end

process(function()
  while true do
    hold(interarrival:sample())
    if now() >= sim_time then return end
    process(truck, kind:uniform() < urgent)
  end
end)

process(function()                   -- the timetable
  local k = 1
  while k * headway <= sim_time do
    hold(k * headway - now())
    local boxes = {}
    while #boxes < train and yard:size() > 0 do
      boxes[#boxes + 1] = yard:get()
      hold(load)
    end
    st.trains = st.trains + 1
    st.loaded = st.loaded + #boxes
    for _, b in ipairs(boxes) do
      st.n = st.n + 1
      st.dwell = st.dwell + (now() - b.entered)
      st.gate = st.gate + (b.entered - b.arrived)
      local c = by_kind[b.urgent]
      c[1], c[2] = c[1] + 1, c[2] + (now() - b.entered)
    end
    k = k + 1
  end
  occupancy = yard:stats().mean_size
end)

at_end(function()
  print(string.format("stat containers %d", st.n))
  print(string.format("stat dwell_mean %.10g", st.dwell / math.max(st.n, 1)))
  print(string.format("stat dwell_urgent %.10g", by_kind[true][2] / math.max(by_kind[true][1], 1)))
  print(string.format("stat dwell_normal %.10g", by_kind[false][2] / math.max(by_kind[false][1], 1)))
  print(string.format("stat gate_wait %.10g", st.gate / math.max(st.n, 1)))
  print(string.format("stat load_mean %.10g", st.loaded / math.max(st.trains, 1)))
  print(string.format("stat occupancy_mean %.10g", occupancy))
end)
