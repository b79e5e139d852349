#!/usr/bin/env python3
"""rail_yard_simpy.py — the SimPy 3 twin of rail_yard.lua: containers wait in
a rail yard of limited capacity (a priority store) for trains that leave on
a timetable. Same model, same parameters, same output as the kouan
scenario:

    /usr/bin/python3 scenarios/examples/rail_yard_simpy.py --seed 3
    kouan run scenarios/examples/rail_yard.lua --quiet --seed 3

Times in hours. Containers arrive by road as a Poisson stream (lambda per
hour) until `sim_time`; a share `urgent` of them is urgent. A truck waits
at the gate while the yard holds `yard` containers, then sets its
container down (a store of capacity `yard`; urgent containers are taken
first, and among equals the one that came first). A train leaves every
`headway` hours (the first at `headway`): at its time the crane loads up
to `train` containers, each taking `load` hours, as long as the yard has
any; the train then leaves. The last train is the last one due by
`sim_time`. Prints one line per statistic:

    stat containers N      containers that left by train
    stat dwell_mean D      mean time from entering the yard to the train's departure, h
    stat dwell_urgent D    the same for urgent containers
    stat dwell_normal D    and for the others
    stat gate_wait W       mean wait at the gate of the containers that left, h
    stat load_mean X       mean containers per train
    stat occupancy_mean Y  time-average containers in the yard (0 .. last train)

Python's random.Random, one per stream (seeded from --seed and the
stream's name), in place of kouan's streams.
"""
import itertools
import random

import simpy

from simpy_args import parse

PARAMS = {"lambda": 8.0, "urgent": 0.2, "yard": 32, "headway": 4.0, "train": 36,
          "load": 0.02, "sim_time": 2000.0}


def main():
    seed, prm = parse(__doc__, PARAMS)
    rng = {s: random.Random(f"{seed}:{s}") for s in ("arrivals", "kind")}
    env = simpy.Environment()
    yard = simpy.PriorityStore(env, capacity=prm["yard"])
    seq = itertools.count()      # FIFO among equal priorities
    st = {"n": 0, "dwell": 0.0, "gate": 0.0, "trains": 0, "loaded": 0, "area": 0.0, "last_t": 0.0,
          "last_size": 0}
    by_kind = {True: [0, 0.0], False: [0, 0.0]}

    def size_changed():
        # SimPy's stores keep no statistics: the time-average by hand.
        st["area"] += st["last_size"] * (env.now - st["last_t"])
        st["last_t"], st["last_size"] = env.now, len(yard.items)

    def truck(urgent):
        box = {"arrived": env.now, "urgent": urgent}
        yield yard.put(simpy.PriorityItem((0 if urgent else 1, next(seq)), box))
        box["entered"] = env.now
        size_changed()

    def source():
        while True:
            yield env.timeout(rng["arrivals"].expovariate(prm["lambda"]))
            if env.now >= prm["sim_time"]:
                return
            env.process(truck(rng["kind"].random() < prm["urgent"]))

    def timetable():
        for k in itertools.count(1):
            due = k * prm["headway"]
            if due > prm["sim_time"]:
                return
            yield env.timeout(due - env.now)
            boxes = []
            while len(boxes) < prm["train"] and len(yard.items) > 0:
                got = yield yard.get()
                size_changed()
                boxes.append(got.item)
                yield env.timeout(prm["load"])
            st["trains"] += 1
            st["loaded"] += len(boxes)
            for b in boxes:
                st["n"] += 1
                st["dwell"] += env.now - b["entered"]
                st["gate"] += b["entered"] - b["arrived"]
                by_kind[b["urgent"]][0] += 1
                by_kind[b["urgent"]][1] += env.now - b["entered"]

    env.process(source())
    last = env.process(timetable())
    env.run(until=last)
    size_changed()
    print(f"stat containers {st['n']}")
    print(f"stat dwell_mean {st['dwell'] / max(st['n'], 1):.10g}")
    print(f"stat dwell_urgent {by_kind[True][1] / max(by_kind[True][0], 1):.10g}")
    print(f"stat dwell_normal {by_kind[False][1] / max(by_kind[False][0], 1):.10g}")
    print(f"stat gate_wait {st['gate'] / max(st['n'], 1):.10g}")
    print(f"stat load_mean {st['loaded'] / max(st['trains'], 1):.10g}")
    print(f"stat occupancy_mean {st['area'] / env.now:.10g}")


if __name__ == "__main__":
    main()
