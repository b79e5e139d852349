"""The command line of the SimPy twins in this folder (*_simpy.py):
--seed N and --set NAME=VALUE over each script's PARAMS, as kouan run takes
them for the Lua twin. Each script imports it from its own folder."""
import argparse


def parse(doc, params):
    """(seed, parameters): the defaults in params, changed by --set."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    a = p.parse_args()
    prm = dict(params)
    for kv in a.set:
        k, _, v = kv.partition("=")
        if k not in prm:
            p.error(f"unknown parameter {k}")
        prm[k] = type(prm[k])(float(v)) if isinstance(prm[k], int) else float(v)
    return a.seed, prm
