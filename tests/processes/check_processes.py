#!/usr/bin/env python3
"""check_processes.py — the examples of scenarios/examples/ against their
SimPy 3 twins (the *_simpy.py scripts beside them), statistically.

usage: check_processes.py {bank,shop,fuel,rail} --kouan KOUAN [--root ROOT]
                          [--reps R] [--full] [-j N] [--markdown]
  (prints TAP; tests/tap.py: the test drivers' calling convention)

For one example, R replications of the kouan scenario (`kouan run
--quiet --seed r`, r = 1..R) and R of the SimPy script (seeds 1001..1000+R:
other random numbers, the same model) each print `stat NAME VALUE` lines.
For every statistic the two samples of R per-replication values are
compared with
  * Welch's t-test on the means (unequal variances, Welch-Satterthwaite
    degrees of freedom), and
  * the two-sample Kolmogorov-Smirnov test on the whole distribution of the
    replication values (asymptotic p-value with Stephens' small-sample
    correction, as in Numerical Recipes' kstwo; conservative with ties,
    which count statistics have),
written here without scipy. The m statistics of an example give 2m tests;
a test fails only below alpha / (2m) (Bonferroni, alpha = 0.01), so that a
correct kouan fails an example's check by chance less than once in a
hundred runs. The table of both samples' means, standard deviations and
p-values is printed as TAP comments (--markdown: as a Markdown table, for
docs/processes.md).

Each group also checks that both programs print the same statistic names,
and runs a negative control: the SimPy twin with one parameter changed
(e.g. a patience twice as long) must be told apart from kouan by the same
tests, or they are too weak to mean anything.

CI size (the default): 20 replications of a short run each (a few
seconds); --full: 40 replications at the scripts' default sizes (the
tables of docs/processes.md).
"""
import importlib.util
import math
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tap  # noqa: E402
from tap import ok  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "scripts"))
from validate_theory import erlang_a, t_cdf  # noqa: E402

ALPHA = 0.01
SIMPY_SEED0 = 1000

def bank_theory(prm):
    """The bank is M/M/c+M (from an empty start, no warm-up by default):
    Erlang-A's abandonment probability and mean wait of the served."""
    ab, wq, _ = erlang_a(int(prm.get("counters", 2)), prm.get("lambda", 10.0), 1 / prm.get("service", 0.18),
                         1 / prm.get("patience", 0.25))
    return {"reneged_share": ab, "wait_served": wq}


# name -> (scenario stem, CI-size parameters, negative control: a changed SimPy parameter and
# the statistic it must show in)
EXAMPLES = {
    "bank": ("bank_renege", {"customers": 1000}, ({"patience": 0.5}, "reneged_share")),
    "shop": ("machine_shop", {"weeks": 1}, ({"repair": 36}, "parts_mean")),
    "fuel": ("fuel_station", {"sim_time": 20000}, ({"truck_time": 450}, "wait_mean")),
    "rail": ("rail_yard", {"sim_time": 400}, ({"headway": 4.4}, "dwell_mean")),
}


# ---- the tests ------------------------------------------------------------------

def mean_sd(xs):
    n = len(xs)
    m = sum(xs) / n
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) if n > 1 else 0.0


def welch(xs, ys):
    """Welch's two-sided t-test: (t, df, p)."""
    mx, sx = mean_sd(xs)
    my, sy = mean_sd(ys)
    vx, vy = sx * sx / len(xs), sy * sy / len(ys)
    if vx + vy == 0:
        return 0.0, float("inf"), 1.0 if mx == my else 0.0
    t = (mx - my) / math.sqrt(vx + vy)
    df = (vx + vy) ** 2 / (vx * vx / (len(xs) - 1) + vy * vy / (len(ys) - 1))
    return t, df, 2 * (1 - t_cdf(abs(t), df))


def ks_q(lam):
    """Kolmogorov's Q_KS(lam) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 lam^2)."""
    if lam < 0.2:
        return 1.0
    s, sign = 0.0, 1.0
    for k in range(1, 101):
        term = sign * 2 * math.exp(-2 * k * k * lam * lam)
        s += term
        if abs(term) < 1e-12:
            break
        sign = -sign
    return min(max(s, 0.0), 1.0)


def ks2(xs, ys):
    """Two-sample Kolmogorov-Smirnov: D = sup |F_x - F_y| over the pooled
    values (ties stepped together) and its asymptotic p-value
    Q_KS((sqrt(ne) + 0.12 + 0.11 / sqrt(ne)) D), ne = n m / (n + m)."""
    a, b = sorted(xs), sorted(ys)
    n, m = len(a), len(b)
    i = j = 0
    d = 0.0
    while i < n and j < m:
        v = min(a[i], b[j])
        while i < n and a[i] == v:
            i += 1
        while j < m and b[j] == v:
            j += 1
        d = max(d, abs(i / n - j / m))
    ne = n * m / (n + m)
    return d, ks_q((math.sqrt(ne) + 0.12 + 0.11 / math.sqrt(ne)) * d)


# ---- running the two programs -------------------------------------------------------

def parse_stats(text, what):
    got = {}
    for line in text.splitlines():
        mt = re.fullmatch(r"stat (\w+) (\S+)", line.strip())
        if mt:
            got[mt.group(1)] = float(mt.group(2))
    if not got:
        raise RuntimeError(f"{what}: no stat lines in\n{text}")
    return got


def run_kouan(kouan, root, stem, params, seed):
    argv = [kouan, "run", os.path.join(root, "scenarios", "examples", stem + ".lua"), "--quiet",
            "--seed", str(seed)]
    for k, v in params.items():
        argv += ["--set", f"{k}={v}"]
    return timed(argv)


def timed(argv):
    """Runs argv; returns its statistics and, under "_seconds", its wall time."""
    t0 = time.perf_counter()
    rc, out, err = tap.run(argv, timeout=300)
    if rc != 0:
        raise RuntimeError(f"{' '.join(argv)}: exit {rc}: {err.strip()}")
    return dict(parse_stats(out, " ".join(argv)), _seconds=time.perf_counter() - t0)


def run_simpy(root, stem, params, seed):
    argv = [sys.executable, os.path.join(root, "scenarios", "examples", stem + "_simpy.py"), "--seed", str(seed)]
    for k, v in params.items():
        argv += ["--set", f"{k}={v}"]
    return timed(argv)


def replicate(args, stem, params, control):
    tasks = [("k", r, params) for r in range(1, args.reps + 1)]
    tasks += [("s", SIMPY_SEED0 + r, params) for r in range(1, args.reps + 1)]
    tasks += [("c", 2 * SIMPY_SEED0 + r, dict(params, **control)) for r in range(1, args.reps + 1)]

    def one(t):
        if t[0] == "k":
            return run_kouan(args.kouan, args.root, stem, t[2], t[1])
        return run_simpy(args.root, stem, t[2], t[1])

    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        res = list(ex.map(one, tasks))
    out = {"k": [], "s": [], "c": []}
    for t, r in zip(tasks, res):
        out[t[0]].append(r)
    return out


def compare(ka, sa, names):
    rows = []
    for name in names:
        xs, ys = [r[name] for r in ka], [r[name] for r in sa]
        _, _, pw = welch(xs, ys)
        d, pk = ks2(xs, ys)
        rows.append({"stat": name, "k": mean_sd(xs), "s": mean_sd(ys), "p_welch": pw, "ks_d": d, "p_ks": pk})
    return rows


def fmt(v):
    return f"{v:.4g}"


def table(rows, level, markdown, theory=None):
    head = ["statistic", "kouan mean (sd)", "SimPy mean (sd)", "Welch p", "KS D", "KS p"]
    if theory:
        head.insert(3, "exact")
    lines = []
    for r in rows:
        lines.append([r["stat"], f"{fmt(r['k'][0])} ({fmt(r['k'][1])})", f"{fmt(r['s'][0])} ({fmt(r['s'][1])})",
                      f"{r['p_welch']:.3f}", f"{r['ks_d']:.3f}", f"{r['p_ks']:.3f}"])
        if theory:
            lines[-1].insert(3, fmt(theory[r["stat"]]) if r["stat"] in theory else "")
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(x) + " |" for x in lines]
        return "\n".join(out)
    w = [max(len(h), *(len(x[i]) for x in lines)) for i, h in enumerate(head)]
    out = ["  ".join(h.ljust(w[i]) for i, h in enumerate(head))]
    out += ["  ".join(x[i].ljust(w[i]) for i in range(len(head))) for x in lines]
    out.append(f"(a test fails below p = {level:.2g}: alpha {ALPHA} / the number of tests)")
    return "\n".join(out)


def main():
    args = tap.parse_args(__doc__, list(EXAMPLES), {
        "--reps": dict(type=int, metavar="R", help="replications of each program (default 20; --full 40)"),
        "--full": dict(action="store_true", help="the scripts' default run lengths (docs/processes.md)"),
        "-j": dict(type=int, default=2, metavar="N", dest="jobs", help="runs at a time (default 2)"),
        "--markdown": dict(action="store_true", help="print the table as Markdown too")})
    args.reps = args.reps or (40 if args.full else 20)
    if importlib.util.find_spec("simpy") is None:
        tap.skip(f"{args.group}: kouan against SimPy", f"no simpy for {sys.executable} (python3-simpy3)")
        tap.done()
    stem, ci_params, (control, control_stat) = EXAMPLES[args.group]
    params = {} if args.full else ci_params
    try:
        got = replicate(args, stem, params, control)
    except Exception as e:  # noqa: BLE001 - any failure to run is this check's failure
        ok(False, f"{stem}: kouan and SimPy run", e)
        tap.done()
    secs = {w: sum(r.pop("_seconds") for r in got[w]) / args.reps for w in got}
    names = list(got["s"][0])
    ok(all(list(r) == names for r in got["k"] + got["s"]),
       f"{stem}: kouan prints the SimPy twin's statistics, in its order ({', '.join(names)})",
       f"kouan: {list(got['k'][0])}\nSimPy: {names}")
    names = [n for n in names if all(n in r for r in got["k"])]
    rows = compare(got["k"], got["s"], names)
    level = ALPHA / (2 * len(rows))
    tap.diag(f"{stem}: {args.reps} replications each, parameters {params or 'the defaults'}")
    theory = bank_theory(params) if args.group == "bank" else None
    tap.diag(table(rows, level, False, theory))
    tap.diag(f"wall time a replication (processes included, {args.jobs} at a time): kouan {secs['k']:.3f} s, "
             f"SimPy {secs['s']:.3f} s")
    if args.markdown:
        print(table(rows, level, True, theory))
    for r in rows:
        ok(r["p_welch"] >= level, f"{stem} {r['stat']}: means agree (Welch p = {r['p_welch']:.3g})")
        ok(r["p_ks"] >= level, f"{stem} {r['stat']}: distributions agree (KS D = {r['ks_d']:.3f}, "
           f"p = {r['p_ks']:.3g})")
    neg = compare(got["k"], got["c"], [control_stat])[0]
    ok(min(neg["p_welch"], neg["p_ks"]) < level,
       f"{stem} negative control: SimPy with {control} is told apart on {control_stat} "
       f"(Welch p = {neg['p_welch']:.2g}, KS p = {neg['p_ks']:.2g})",
       table([neg], level, False))
    tap.done()


if __name__ == "__main__":
    main()
