#!/usr/bin/env python3
"""validate_theory.py — the theory half of kouan's validation: queueing
models built as Lua scenarios (scenarios/validation/) with kouan's own
resources, processes and distributions, run through `kouan run` over
independent seeds, against their exact values.

Pure Python (no numpy or scipy), so the CI test runs under any python3.
scripts/validate.py imports it for the report; tests/validation runs it
in short mode.

usage: validate_theory.py {theory,processes} --kouan KOUAN [--root ROOT] [--short] [--reps R] [-j N]
  (prints TAP; tests/tap.py: the test drivers' calling convention)

GROUP theory: the queueing models of the engine (cases()); GROUP
processes: the process facilities (process_cases(): reneging, preemption,
a store, a container; run by tests/processes).

Each case is one scenario with fixed parameters. Replication r runs with
--seed r (r = 1..R) and prints one `result k=v ...` line: the means over
the customers after its warm-up. For every checked metric the estimate is
the mean over replications and its interval the Student-t interval of the
replication means. Two levels are reported:
  * the 95 % interval of each check on its own;
  * the simultaneous (Bonferroni) interval, 1 - 0.05/m for m checks, which
    keeps the chance that any of the m true values falls outside its
    interval at 5 %. With ~15 checks, about one 95 % miss in two runs is
    what chance alone gives; a miss of the simultaneous interval is not.
A check *fails* (CI fails) when the exact value is outside its simultaneous
interval; a value outside only its own 95 % interval is reported as such.
"""
import math
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.append(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests"))  # tap.py
import tap  # noqa: E402

# ---- exact values -----------------------------------------------------------


def erlang_c(c, a):
    """Probability of waiting in M/M/c with offered load a = lambda/mu."""
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1 - a / c)
    return top / (total + top)


def mmc_wq(c, lam, mu):
    return erlang_c(c, lam / mu) / (c * mu - lam)


def pk_wq(lam, mean, cv):
    """Pollaczek–Khinchine mean wait of M/G/1: lambda E[S^2] / (2 (1 - rho))."""
    return lam * mean * mean * (1 + cv * cv) / (2 * (1 - lam * mean))


def mmck(c, K, lam, mu):
    """Blocking probability and mean wait of the admitted in M/M/c/K."""
    a = lam / mu
    p = []
    for n in range(K + 1):
        if n <= c:
            p.append(a ** n / math.factorial(n))
        else:
            p.append(a ** c / math.factorial(c) * (a / c) ** (n - c))
    s = sum(p)
    p = [x / s for x in p]
    lq = sum((n - c) * p[n] for n in range(c + 1, K + 1))
    return p[K], lq / (lam * (1 - p[K]))


def jackson(lam, p, c, mu):
    """Open Jackson network of 3 stations in series with feedback p from the
    last to the first: every station sees lambda / (1 - p); mean sojourn by
    Little's law on the sum of the M/M/c station populations."""
    big = lam / (1 - p)
    wq = [mmc_wq(c[i], big, mu[i]) for i in range(3)]
    total_l = sum(big * (wq[i] + 1 / mu[i]) for i in range(3))
    return total_l / lam, wq


def cobham(lam, mean):
    """Non-preemptive priority M/G/1 with exponential services, class 1
    first: Wq_k = W0 / ((1 - sigma_{k-1}) (1 - sigma_k))."""
    w0 = sum(l * 2 * m * m for l, m in zip(lam, mean)) / 2
    out, sigma = [], 0.0
    for l, m in zip(lam, mean):
        prev = sigma
        sigma += l * m
        out.append(w0 / ((1 - prev) * (1 - sigma)))
    return out


# ---- exact values of the process facilities (issue 14) -------------------------


def erlang_a(c, lam, mu, theta, nmax=2000):
    """M/M/c+M (Erlang-A): the birth-death chain of the number in system,
    birth lam, death min(n, c) mu + max(n - c, 0) theta, truncated at nmax.
    Returns (abandonment probability, mean wait of the served). An arrival
    finding n >= c waits through the n - c + 1 stages j = n - c .. 0 (j
    customers ahead of it); stage j ends at rate c mu + j theta (a service
    or an abandonment ahead) and the arrival's own patience runs out at
    rate theta, so it is served with probability prod r_j / (r_j + theta)
    and, served, has waited sum 1 / (r_j + theta) on average (PASTA for
    what it finds)."""
    p, x = [1.0], 1.0
    for n in range(1, nmax + 1):
        x *= lam / (min(n, c) * mu + max(n - c, 0) * theta)
        p.append(x)
    s = sum(p)
    p = [v / s for v in p]
    served, wait = sum(p[:c]), 0.0
    for n in range(c, nmax + 1):
        prob, w = 1.0, 0.0
        for j in range(n - c, -1, -1):
            r = c * mu + j * theta
            prob *= r / (r + theta)
            w += 1 / (r + theta)
        served += p[n] * prob
        wait += p[n] * prob * w
    # The same abandonment probability from the chain's mean queue: theta E[Q] / lam.
    ab_queue = theta * sum((n - c) * p[n] for n in range(c, nmax + 1)) / lam
    return 1 - served, wait / served, ab_queue


def preemptive_mm1(lam, mean):
    """Preemptive-resume priority M/G/1 with exponential services, class 1
    first: mean time in system T_k = E[S_k] / (1 - sigma_{k-1}) +
    R_k / ((1 - sigma_{k-1}) (1 - sigma_k)), R_k = sum_{i<=k} lam_i E[S_i^2] / 2."""
    out, sigma, r = [], 0.0, 0.0
    for lk, mk in zip(lam, mean):
        prev = sigma
        sigma += lk * mk
        r += lk * 2 * mk * mk / 2
        out.append(mk / (1 - prev) + r / ((1 - prev) * (1 - sigma)))
    return out


def mm1k(K, lam, mu):
    """M/M/1/K: loss probability p_K and mean number in system."""
    rho = lam / mu
    p = [rho ** n for n in range(K + 1)]
    s = sum(p)
    return p[K] / s, sum(n * v for n, v in enumerate(p)) / s


def container_bd(C, lam, mu, nmax=4000):
    """A container of C units, unit puts at rate lam that are lost when it
    is full and unit gets at rate mu that wait (FIFO) when it is empty,
    lam > mu. x = level - waiting gets is a birth-death chain on
    (-inf, C]: birth lam below C, death mu everywhere, so p_x is
    proportional to (mu / lam)^(C - x). Returns (mean level, share of puts
    lost = P(full), mean wait of a get), the last by Little's law on the
    waiting gets."""
    q = mu / lam
    p = {C - k: q ** k for k in range(nmax)}
    s = sum(p.values())
    level = sum(max(x, 0) * v for x, v in p.items()) / s
    waiting = sum(max(-x, 0) * v for x, v in p.items()) / s
    return level, p[C] / s, waiting / mu


# ---- Student t without scipy --------------------------------------------------


def _betacf(a, b, x):
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / d if abs(d) > 1e-300 else 1e300
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / d if abs(d) > 1e-300 else 1e300
        c = 1 + aa / c if abs(c) > 1e-300 else 1e300
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / d if abs(d) > 1e-300 else 1e300
        c = 1 + aa / c if abs(c) > 1e-300 else 1e300
        de = d * c
        h *= de
        if abs(de - 1) < 1e-15:
            break
    return h


def _betainc(a, b, x):
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    lbt = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(lbt) * _betacf(a, b, x) / a
    return 1 - math.exp(lbt) * _betacf(b, a, 1 - x) / b


def t_cdf(t, df):
    x = df / (df + t * t)
    tail = 0.5 * _betainc(df / 2, 0.5, x)
    return 1 - tail if t > 0 else tail


def t_quantile(p, df):
    lo, hi = 0.0, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2
        if t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


# ---- the cases ----------------------------------------------------------------

# Metrics every replication must equal exactly (not a mean within an interval).
EXACT_EVERY_REP = {"conserved"}

FULL = {"reps": 20, "customers": 100000}
SHORT = {"reps": 10, "customers": 20000}


def cases():
    """(id, title, scenario, --set params, [(metric, label, exact)], length factor)."""
    out = []
    out.append(("mm1", "M/M/1, ρ = 0.8", "mgc.lua", {"c": 1, "lambda": 0.8, "mean": 1.0},
                [("wq", "Wq (h)", mmc_wq(1, 0.8, 1.0)), ("lq", "Lq", 0.8 * mmc_wq(1, 0.8, 1.0))], 1))
    for rho in (0.5, 0.7, 0.9):
        lam = 3 * rho
        out.append((f"mm3-{rho}", f"M/M/3, ρ = {rho}", "mgc.lua", {"c": 3, "lambda": lam, "mean": 1.0},
                    [("wq", "Wq (h)", mmc_wq(3, lam, 1.0))], 2 if rho >= 0.9 else 1))
    out.append(("md1", "M/D/1, ρ = 0.7", "mgc.lua",
                {"c": 1, "lambda": 0.7, "mean": 1.0, "service": "deterministic"},
                [("wq", "Wq (h)", pk_wq(0.7, 1.0, 0.0))], 1))
    out.append(("mg1", "M/G/1 lognormal cv 1.5, ρ = 0.6", "mgc.lua",
                {"c": 1, "lambda": 0.6, "mean": 1.0, "service": "lognormal", "cv": 1.5},
                [("wq", "Wq (h)", pk_wq(0.6, 1.0, 1.5))], 2))
    pb, wqk = mmck(2, 5, 2.0, 1.0)
    out.append(("mmck", "M/M/2/5, a = 2", "mmck.lua", {"c": 2, "K": 5, "lambda": 2.0, "mu": 1.0},
                [("blocking", "blocking P", pb), ("wq", "Wq admitted (h)", wqk)], 1))
    w, wq = jackson(1.0, 0.2, [2, 1, 3], [1.0, 2.0, 0.6])
    out.append(("jackson", "Jackson: 3 stations (c 2, 1, 3), feedback 0.2", "jackson.lua",
                {"lambda": 1.0, "p": 0.2},
                [("w", "sojourn W (h)", w)] + [(f"wq{i+1}", f"Wq station {i+1} (h)", wq[i]) for i in range(3)], 1))
    pr = cobham([0.3, 0.5], [0.5, 1.0])
    out.append(("priority", "2-class non-preemptive priority M/M/1, ρ = 0.65", "priority.lua",
                {"lambda1": 0.3, "lambda2": 0.5, "mean1": 0.5, "mean2": 1.0},
                [("wq1", "Wq class 1 (h)", pr[0]), ("wq2", "Wq class 2 (h)", pr[1])], 1))
    return out


def process_cases():
    """The process facilities of issue 14 (renege, preemption, stores,
    containers), in the same form as cases()."""
    out = []
    ab, wq, _ = erlang_a(2, 2.0, 1.0, 0.5)
    out.append(("erlang-a", "M/M/2+M (Erlang-A), a = 2, mean patience 2 h", "erlang_a.lua",
                {"c": 2, "lambda": 2.0, "mu": 1.0, "theta": 0.5},
                [("abandon", "abandonment P", ab), ("wq", "Wq of the served (h)", wq),
                 ("abandon_res", "abandonment P, res:stats()", ab), ("wq_res", "Wq of the served, res:stats() (h)", wq),
                 ("lq_res", "Lq, res:stats() (= λ P(abandon) / θ)", ab * 2.0 / 0.5)], 1))
    t = preemptive_mm1([0.3, 0.5], [0.5, 1.0])
    out.append(("preempt", "2-class preemptive-resume priority M/M/1, ρ = 0.65", "preempt.lua",
                {"lambda1": 0.3, "lambda2": 0.5, "mean1": 0.5, "mean2": 1.0},
                [("t1", "T class 1 (h)", t[0]), ("t2", "T class 2 (h)", t[1])], 2))
    loss, ell = mm1k(5, 0.8, 1.0)
    p0 = (1 - 0.8) / (1 - 0.8 ** 6)
    out.append(("store-mm1k", "M/M/1/5 through a store of 4 places, ρ = 0.8", "store_mm1k.lua",
                {"K": 5, "lambda": 0.8, "mu": 1.0},
                [("loss", "loss P", loss), ("L", "L in system", ell), ("lq", "store mean size (Lq)", ell - (1 - p0))],
                1))
    level, full, gw = container_bd(3, 1.5, 1.0)
    out.append(("container", "container of 3 units, Poisson puts 1.5/h (lost when full), gets 1/h (wait)",
                "container_bd.lua", {"C": 3, "lambda": 1.5, "mu": 1.0},
                [("level", "mean level", level), ("full", "puts lost (P full)", full),
                 ("get_wait", "mean get wait (h)", gw), ("conserved", "conservation (1 = every replication)", 1.0)],
                1))
    return out


def run_one(kouan, root, scen, params, seed):
    args = [kouan, "run", os.path.join(root, "scenarios", "validation", scen), "--seed", str(seed), "--quiet"]
    for k, v in params.items():
        args += ["--set", f"{k}={v}"]
    rc, out, err = tap.run(args, timeout=600)
    if rc != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {rc}: {err.strip()}")
    for line in out.splitlines():
        if line.startswith("result "):
            return {k: float(v) for k, v in re.findall(r"(\w+)=(\S+)", line)}
    raise RuntimeError(f"{' '.join(args)}: no result line")


def run_theory(kouan, root, size, jobs=2, which=None):
    """Runs every case of which (default: cases()); returns a list of check dicts."""
    cs = which() if which else cases()
    tasks = []
    for cid, title, scen, params, metrics, factor in cs:
        prm = dict(params, customers=size["customers"] * factor)
        for r in range(1, size["reps"] + 1):
            tasks.append((cid, scen, prm, r))
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        res = list(ex.map(lambda t: run_one(kouan, root, t[1], t[2], t[3]), tasks))
    by_case = {}
    for t, r in zip(tasks, res):
        by_case.setdefault(t[0], []).append(r)
    m = sum(len(c[4]) for c in cs)
    checks = []
    for cid, title, scen, params, metrics, factor in cs:
        reps = by_case[cid]
        n = len(reps)
        for key, label, exact in metrics:
            xs = [r[key] for r in reps]
            mean = sum(xs) / n
            sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
            se = sd / math.sqrt(n)
            hw95 = t_quantile(0.975, n - 1) * se
            hwb = t_quantile(1 - 0.025 / m, n - 1) * se
            checks.append({"case": cid, "title": title, "scenario": "scenarios/validation/" + scen,
                           "params": params, "metric": key, "label": label, "exact": exact,
                           "mean": mean, "hw95": hw95, "hwb": hwb, "reps": n,
                           "customers": size["customers"] * factor,
                           "in95": abs(mean - exact) <= hw95, "inb": abs(mean - exact) <= hwb,
                           **({"in95": all(x == exact for x in xs), "inb": all(x == exact for x in xs)}
                              if key in EXACT_EVERY_REP else {}),
                           "z": (mean - exact) / se if se > 0 else float("inf")})
    return checks


def follow_up(kouan, root, check, reps=40, first_seed=101, warmup=2000.0, jobs=2):
    """Re-runs a check that left its own 95 % interval on other seeds
    (first_seed...) with a longer warm-up (2000 h, at least 4x every case's
    default): chance shows as a value back inside, a bias as a miss again."""
    case = next(c for c in cases() + process_cases() if c[0] == check["case"])
    prm = dict(case[3], customers=check["customers"], warmup=warmup)
    seeds = range(first_seed, first_seed + reps)
    with ThreadPoolExecutor(max_workers=jobs) as ex:
        res = list(ex.map(lambda sd: run_one(kouan, root, case[2], prm, sd), seeds))
    xs = [r[check["metric"]] for r in res]
    n = len(xs)
    mean = sum(xs) / n
    se = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1)) / math.sqrt(n)
    hw = t_quantile(0.975, n - 1) * se
    return {"reps": n, "first_seed": first_seed, "warmup": warmup, "mean": mean, "hw95": hw,
            "in95": abs(mean - check["exact"]) <= hw, "z": (mean - check["exact"]) / se if se > 0 else float("inf")}


def main():
    args = tap.parse_args(__doc__, ["theory", "processes"], {
        "--short": dict(action="store_true", help="CI size: fewer replications of fewer customers"),
        "--reps": dict(type=int, metavar="R", help="replications per case (at least 3 for a t interval)"),
        "-j": dict(type=int, default=2, metavar="N", dest="jobs", help="runs at a time (default 2)")})
    size = dict(SHORT if args.short else FULL)
    if args.reps is not None:
        size["reps"] = args.reps
    try:
        checks = run_theory(args.kouan, args.root, size, args.jobs,
                            process_cases if args.group == "processes" else cases)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        tap.ok(False, "the theory scenarios run", e)
        tap.done()
    report(checks)
    if args.group == "processes":
        summary(checks, size)
        tap.done()
    # Negative control: the M/D/1 replications judged against the M/M/1
    # value at the same load must be rejected, or the intervals are too
    # wide to catch a wrong service distribution.
    md1 = next(c for c in checks if c["case"] == "md1")
    wrong = mmc_wq(1, 0.7, 1.0)
    tap.ok(abs(md1["mean"] - wrong) > md1["hwb"], f"negative control: M/D/1 runs "
           f"({md1['mean']:.4f} ± {md1['hwb']:.4f}) are not taken for M/M/1 ({wrong:.4f})")
    summary(checks, size)
    tap.done()


def report(checks):
    """One TAP check per value: the exact value inside its simultaneous interval."""
    for c in checks:
        tap.ok(c["inb"], f"{c['title']}: {c['label']} simulated {c['mean']:.4f} "
               f"± {c['hwb']:.4f} (simultaneous; 95 %: ± {c['hw95']:.4f}) vs exact {c['exact']:.4f}"
               f"{'' if c['in95'] else ' [outside its own 95 % interval]'}")


def summary(checks, size):
    tap.diag(f"{sum(c['inb'] for c in checks)}/{len(checks)} within their simultaneous 95 % intervals, "
             f"{sum(c['in95'] for c in checks)}/{len(checks)} within their own 95 % intervals "
             f"({size['reps']} replications)")


if __name__ == "__main__":
    main()
