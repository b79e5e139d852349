#!/usr/bin/env python3
"""fuel_station_simpy.py — the SimPy 3 twin of fuel_station.lua: the gas
station of SimPy's documentation (examples/gas_station_refuel.py), with the
tank truck called by an event rather than by polling. Same model, same
parameters, same output as the kouan scenario:

    /usr/bin/python3 scenarios/examples/fuel_station_simpy.py --seed 3
    kouan run scenarios/examples/fuel_station.lua --quiet --seed 3

Times in seconds, volumes in litres, as in SimPy's example. Cars arrive
with uniform interarrival times (inter_min..inter_max s) until `sim_time`
s. Each takes one of `pumps` pumps, then gets the fuel it needs (a tank
of tank_size litres holding uniform tank_min..tank_max) from the
station's reservoir, a container of station_size litres, full at the
start, waiting while the reservoir holds too little; refuelling then
takes litres / speed seconds. A car whose get would leave the reservoir
below threshold % of its size signals the station's controller, which
calls the tank truck once per signal: the truck arrives truck_time s
later and fills the reservoir to the brim; the next signal is taken when
it has. Prints one line per statistic:

    stat cars N            cars refuelled
    stat wait_mean W       mean wait from arrival to the start of refuelling, s
    stat tanker_calls N    tank truck calls
    stat level_mean L      time-average reservoir level, litres (0 .. end of run)

Python's random.Random, one per stream (seeded from --seed and the
stream's name), in place of kouan's streams.
"""
import random

import simpy

from simpy_args import parse

PARAMS = {"pumps": 2, "station_size": 200.0, "threshold": 10.0, "tank_size": 50.0,
          "tank_min": 5.0, "tank_max": 25.0, "speed": 2.0, "truck_time": 300.0,
          "inter_min": 30.0, "inter_max": 300.0, "sim_time": 20000.0}


def main():
    seed, prm = parse(__doc__, PARAMS)
    rng = {s: random.Random(f"{seed}:{s}") for s in ("arrivals", "tanks")}
    env = simpy.Environment()
    pumps = simpy.Resource(env, capacity=prm["pumps"])
    reservoir = simpy.Container(env, capacity=prm["station_size"], init=prm["station_size"])
    low = [env.event()]          # the controller's signal, renewed after each truck
    st = {"cars": 0, "wait": 0.0, "calls": 0, "area": 0.0, "last_t": 0.0, "last_level": reservoir.level}
    floor = prm["threshold"] / 100 * prm["station_size"]

    def level_changed():
        # SimPy's Container keeps no statistics: the time-average by hand.
        st["area"] += st["last_level"] * (env.now - st["last_t"])
        st["last_t"], st["last_level"] = env.now, reservoir.level

    def car():
        t0 = env.now
        need = prm["tank_size"] - rng["tanks"].uniform(prm["tank_min"], prm["tank_max"])
        with pumps.request() as req:
            yield req
            if reservoir.level - need < floor and not low[0].triggered:
                low[0].succeed()
            yield reservoir.get(need)
            level_changed()
            st["cars"] += 1
            st["wait"] += env.now - t0
            yield env.timeout(need / prm["speed"])

    def tank_truck():
        yield env.timeout(prm["truck_time"])
        yield reservoir.put(reservoir.capacity - reservoir.level)
        level_changed()

    def controller():
        while True:
            yield low[0]
            st["calls"] += 1
            yield env.process(tank_truck())
            low[0] = env.event()

    def source():
        while True:
            yield env.timeout(rng["arrivals"].uniform(prm["inter_min"], prm["inter_max"]))
            if env.now >= prm["sim_time"]:
                return
            env.process(car())

    env.process(controller())
    env.process(source())
    env.run()
    level_changed()
    print(f"stat cars {st['cars']}")
    print(f"stat wait_mean {st['wait'] / max(st['cars'], 1):.10g}")
    print(f"stat tanker_calls {st['calls']}")
    print(f"stat level_mean {st['area'] / env.now:.10g}")


if __name__ == "__main__":
    main()
