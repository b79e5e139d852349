#!/usr/bin/env python3
"""bank_renege_simpy.py — the SimPy 3 twin of bank_renege.lua: a bank whose
customers give up (renege) when they have waited longer than their
patience. Same model, same parameters, same output as the kouan scenario:

    /usr/bin/python3 scenarios/examples/bank_renege_simpy.py --seed 3 --set counters=2
    kouan run scenarios/examples/bank_renege.lua --quiet --seed 3 --set counters=2

Customers arrive as a Poisson stream (rate lambda per hour); each asks for
one of `counters` tellers and waits at most an exponential patience
(mean patience h). Granted in time, it is served for an exponential time
(mean service h); otherwise it leaves the queue (its request is withdrawn).
`customers` customers are generated; customers arriving before `warmup`
hours are served but not counted. Prints one line per statistic:

    stat served N            customers served (counted ones)
    stat reneged_share P     share of counted customers who gave up
    stat wait_served W       mean wait of the served, h
    stat wait_reneged W      mean time in queue of those who gave up, h

Python's own random.Random, one per stream (seeded from --seed and the
stream's name), in place of kouan's streams: the two programs draw
different numbers from the same distributions.
"""
import random

import simpy

from simpy_args import parse

PARAMS = {"counters": 2, "lambda": 10.0, "service": 0.18, "patience": 0.25,
          "customers": 2000, "warmup": 0.0}


def main():
    seed, prm = parse(__doc__, PARAMS)
    rng = {s: random.Random(f"{seed}:{s}") for s in ("arrivals", "service", "patience")}
    env = simpy.Environment()
    counter = simpy.Resource(env, capacity=prm["counters"])
    st = {"served": 0, "reneged": 0, "wait": 0.0, "wait_reneged": 0.0}

    def customer(counted):
        t0 = env.now
        patience = rng["patience"].expovariate(1 / prm["patience"])
        with counter.request() as req:
            got = yield req | env.timeout(patience)
            if req in got:
                if counted:
                    st["served"] += 1
                    st["wait"] += env.now - t0
                yield env.timeout(rng["service"].expovariate(1 / prm["service"]))
            elif counted:
                st["reneged"] += 1
                st["wait_reneged"] += env.now - t0

    def source():
        for _ in range(prm["customers"]):
            env.process(customer(env.now >= prm["warmup"]))
            yield env.timeout(rng["arrivals"].expovariate(prm["lambda"]))

    env.process(source())
    env.run()
    n = st["served"] + st["reneged"]
    print(f"stat served {st['served']}")
    print(f"stat reneged_share {st['reneged'] / n:.10g}")
    print(f"stat wait_served {st['wait'] / max(st['served'], 1):.10g}")
    print(f"stat wait_reneged {st['wait_reneged'] / max(st['reneged'], 1):.10g}")


if __name__ == "__main__":
    main()
