-- fuel_station.lua — the gas station of SimPy's documentation: cars take
-- fuel from a reservoir (a container), and a tank truck is called when the
-- level falls below a threshold. The kouan twin of fuel_station_simpy.py
-- (SimPy 3): the same model, the same parameters and the same
-- `stat NAME VALUE` lines, compared over replications by tests/processes
-- (docs/processes.md).
--
--   kouan run scenarios/examples/fuel_station.lua --quiet --seed 3
--
-- Times in seconds, volumes in litres, as in SimPy's example. Cars arrive
-- with uniform interarrival times (inter_min..inter_max s) until
-- `sim_time` s. Each takes one of `pumps` pumps, then gets the fuel it
-- needs (a tank of tank_size litres holding uniform tank_min..tank_max)
-- from the reservoir, container{capacity = station_size, init =
-- station_size}: reservoir:get(litres) waits while it holds too little.
-- Refuelling then takes litres / speed seconds. A car whose get would leave
-- the reservoir below threshold % of its size signals the controller with
-- an event (low:succeed()); the controller, waiting on it, calls the tank
-- truck as a process and waits for it to end (wait(p)): the truck arrives
-- truck_time s later and fills the reservoir to the brim. A new event then
-- takes the next signal.
--
--   stat cars N            cars refuelled
--   stat wait_mean W       mean wait from arrival to the start of refuelling, s
--   stat tanker_calls N    tank truck calls
--   stat level_mean L      time-average reservoir level, litres (0 .. end of run)

local pumps_n      = param("pumps", 2)
local station_size = param("station_size", 200.0)
local threshold    = param("threshold", 10.0)
local tank_size    = param("tank_size", 50.0)
local tank_min     = param("tank_min", 5.0)
local tank_max     = param("tank_max", 25.0)
local speed        = param("speed", 2.0)
local truck_time   = param("truck_time", 300.0)
local inter_min    = param("inter_min", 30.0)
local inter_max    = param("inter_max", 300.0)
local sim_time     = param("sim_time", 20000.0)

local pumps     = resource{name = "pumps", capacity = pumps_n}
local reservoir = container{name = "reservoir", capacity = station_size, init = station_size}
local interarrival = uniform(inter_min, inter_max, "arrivals")
local tank_level   = uniform(tank_min, tank_max, "tanks")
local floor = threshold / 100 * station_size
local low = event()                  -- the controller's signal, renewed after each truck
local st = {cars = 0, wait = 0.0, calls = 0}

local function car()
  local t0 = now()
  local need = tank_size - tank_level:sample()
  request(pumps)
  if reservoir:level() - need < floor and not low:triggered() then
    low:succeed()
  end
  reservoir:get(need)
  st.cars = st.cars + 1
  st.wait = st.wait + (now() - t0)
  hold(need / speed)
  release(pumps)
end

local function tank_truck()
  hold(truck_time)
  reservoir:put(station_size - reservoir:level())
end

process(function()                   -- the controller
  while true do
    wait(low)
    st.calls = st.calls + 1
    wait(process(tank_truck))
    low = event()
  end
end)

process(function()                   -- the cars
  while true do
    hold(interarrival:sample())
    if now() >= sim_time then return end
    process(car)
  end
end)

at_end(function()
  print(string.format("stat cars %d", st.cars))
  print(string.format("stat wait_mean %.10g", st.wait / math.max(st.cars, 1)))
  print(string.format("stat tanker_calls %d", st.calls))
  print(string.format("stat level_mean %.10g", reservoir:stats().mean_level))
end)
