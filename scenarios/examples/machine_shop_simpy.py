#!/usr/bin/env python3
"""machine_shop_simpy.py — the SimPy 3 twin of machine_shop.lua: the machine
shop of SimPy's documentation (examples/machine_shop.py), with a horizon
inside the model so that both programs stop the same way. Same model, same
parameters, same output as the kouan scenario:

    /usr/bin/python3 scenarios/examples/machine_shop_simpy.py --seed 3 --set weeks=1
    kouan run scenarios/examples/machine_shop.lua --quiet --seed 3 --set weeks=1

Times in minutes, as in SimPy's example. `machines` machines make parts,
each taking a normal time (mean pt_mean, sd pt_sigma). Each machine
breaks down after exponential times (mean mttf) of its own clock, which
runs on while the machine is broken (a failure that falls while it is
broken is lost). A broken machine calls the one repairman (priority 1) and
is repaired in `repair` minutes; the part in progress then resumes where
it stopped. The repairman fills his time with other jobs of `job` minutes
(priority 2, lower); a repair call preempts such a job, which resumes
later with the time it had left. The horizon is weeks * 7 * 24 * 60
minutes: parts finished and breakdowns falling after it are not counted,
nor the repairman's other work after it. Prints one line per statistic:

    stat parts_K N         parts made by machine K (K = 1..machines)
    stat parts_mean X      their mean
    stat breakdowns N      breakdowns (all machines)
    stat repair_wait W     mean wait of a broken machine for the repairman, min
    stat other_work T      minutes the repairman spent on other jobs

Python's random.Random, one per stream (seeded from --seed and the
stream's name), in place of kouan's streams.
"""
import random

import simpy

from simpy_args import parse

PARAMS = {"machines": 10, "pt_mean": 10.0, "pt_sigma": 2.0, "mttf": 300.0,
          "repair": 30.0, "job": 30.0, "weeks": 4.0}


def main():
    seed, prm = parse(__doc__, PARAMS)
    horizon = prm["weeks"] * 7 * 24 * 60
    rng = {s: random.Random(f"{seed}:{s}") for s in ("work", "failures")}
    env = simpy.Environment()
    repairman = simpy.PreemptiveResource(env, capacity=1)
    st = {"breakdowns": 0, "repair_wait": 0.0, "other_work": 0.0}

    class Machine:
        def __init__(self):
            self.parts_made = 0
            self.broken = False
            self.process = env.process(self.working())
            env.process(self.break_machine())

        def working(self):
            while env.now < horizon:
                done_in = rng["work"].normalvariate(prm["pt_mean"], prm["pt_sigma"])
                while done_in:
                    try:
                        start = env.now
                        yield env.timeout(done_in)
                        done_in = 0
                    except simpy.Interrupt:
                        self.broken = True
                        done_in -= env.now - start
                        t0 = env.now
                        with repairman.request(priority=1) as req:
                            yield req
                            st["repair_wait"] += env.now - t0
                            yield env.timeout(prm["repair"])
                        self.broken = False
                if env.now < horizon:
                    self.parts_made += 1

        def break_machine(self):
            while True:
                yield env.timeout(rng["failures"].expovariate(1 / prm["mttf"]))
                if env.now >= horizon:
                    return
                if not self.broken:
                    st["breakdowns"] += 1
                    self.process.interrupt()

    def other_jobs():
        while env.now < horizon:
            done_in = prm["job"]
            while done_in:
                with repairman.request(priority=2) as req:
                    yield req
                    try:
                        start = env.now
                        yield env.timeout(done_in)
                        done_in = 0
                    except simpy.Interrupt:
                        done_in -= env.now - start
                    st["other_work"] += max(0.0, min(env.now, horizon) - start)

    machines = [Machine() for _ in range(prm["machines"])]
    env.process(other_jobs())
    env.run()
    for k, m in enumerate(machines, 1):
        print(f"stat parts_{k} {m.parts_made}")
    print(f"stat parts_mean {sum(m.parts_made for m in machines) / len(machines):.10g}")
    print(f"stat breakdowns {st['breakdowns']}")
    print(f"stat repair_wait {st['repair_wait'] / max(st['breakdowns'], 1):.10g}")
    print(f"stat other_work {st['other_work']:.10g}")


if __name__ == "__main__":
    main()
