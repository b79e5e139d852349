#!/usr/bin/env python3
"""check.py — runs the kouan command on small scenario files and checks its
exit status, messages and output; prints TAP for meson.

usage: check.py GROUP --kouan KOUAN [--root SRCROOT]   (tests/tap.py)
  GROUP     errors | limits | random | cli | golden | mmc
The scenarios are this folder's files and SRCROOT/scenarios/mmc.lua.

Files name the line an error must point at with a '--> here' comment.
"""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["errors", "limits", "random", "cli", "golden", "mmc"])
KOUAN, TESTDIR = ARGS.kouan, os.path.join(ARGS.root, "tests", "lua")
MMC = os.path.join(ARGS.root, "scenarios", "mmc.lua")


def run(*args, timeout=60):
    if args[:1] == ("run",):  # no HDF5 run file from these tests (tests/io checks it)
        args = ("run", "--no-output", *args[1:])
    return tap.run([KOUAN, *args], f"kouan {' '.join(args)}", timeout=timeout)


def path(name):
    return os.path.join(TESTDIR, name)


def marker(name, tag="--> here"):
    with open(path(name)) as f:
        for i, line in enumerate(f, 1):
            if tag in line:
                return i
    raise SystemExit(f"Bail out! no '{tag}' in {name}")


def check_error(name, pattern, traceback=True, extra=(), code=1, tag="--> here"):
    """Runs a failing scenario: exit code, 'kouan: FILE:LINE: ...pattern',
    and a traceback into the file."""
    rc, out, err = run("run", path(name), *extra)
    first = err.splitlines()[0] if err else ""
    line = marker(name, tag)
    where = f"{name}:{line}: "
    ok(rc == code, f"{name}: exit status {code}", f"got {rc}\n{err}")
    ok(first.startswith("kouan: ") and where in first and pattern in first,
       f"{name}: message names {name}:{line} and says '{pattern}'", err)
    if traceback:
        ok("stack traceback:" in err and f"{name}:{line}:" in err.split("stack traceback:", 1)[1],
           f"{name}: traceback into the scenario", err)
    return err


def group_errors():
    check_error("err_undef.lua", "undefined global 'serverz'")
    err = check_error("err_process.lua", "attempt to index a nil value (local 'consignment')")
    caller = marker("err_process.lua", "--> caller")
    ok(f"err_process.lua:{caller}: in function" in err,
       "err_process.lua: the traceback shows the process function's line", err)
    check_error("err_yield.lua", "coroutine.yield inside a process")
    check_error("err_holding.lua", "process ended holding 1 server(s) of resource 'bay'", traceback=False)
    check_error("err_syntax.lua", "unexpected symbol", traceback=False)
    check_error("err_hijack.lua", "process was resumed outside the simulation", traceback=False)
    check_error("err_interrupt.lua", "process was interrupted (cause: breakdown) and did not catch it")
    check_error("err_filter.lua", "the filter of this get raised an error: ")
    check_error("err_preempted.lua", "interrupted (cause: preempted) and did not catch it "
                "(wait inside pcall to handle interrupts, or use(res, dt), which resumes preempted work)")
    check_error("err_hours.lua", "office.hours[1].days must be days such as", traceback=False)
    # --until T leaves the events at exactly T pending (SimPy's run(until=T))
    rc, out, err = run("run", path("until_edge.lua"), "--until", "10", "--quiet")
    ok(rc == 0 and out.splitlines() == ["ran at 9.5", "end at 10.0"],
       "--until 10: the event at 9.5 runs, the one at 10 does not, the clock ends at 10", out + err)
    check_error("err_binary.lua", "attempt to load a binary chunk (mode is 't')")
    rc, out, err = run("run", path("test_sandbox.lua"), "--quiet")
    ok(rc == 0 and "not ok" not in out, "the sandbox checks pass inside kouan", out + err)


def group_limits():
    budget = ["--max-instructions", "1e6"]
    msg = "ran for more than 1000000 instructions (endless loop?)"
    check_error("err_loop.lua", msg, extra=budget)
    check_error("err_loop_process.lua", msg, extra=budget)
    # budgets of 1e8 or more are counted once a slice has run 0.1 s (host.c):
    # the endless loops are still stopped, at the top level and in a process
    lazy = ["--max-instructions", "2e8"]
    lazy_msg = "ran for more than 200000000 instructions (endless loop?)"
    check_error("err_loop.lua", lazy_msg, extra=lazy)
    check_error("err_loop_process.lua", lazy_msg, extra=lazy)
    rc, out, err = run("run", path("err_loop_process.lua"), "--max-instructions", "2e8",
                       "--max-call-seconds", "0")
    ok(rc == 1 and lazy_msg in err, "without the watchdog the budget's hook is set from the start", err)
    check_error("err_memory.lua", "uses more than 512 MiB of memory")
    check_error("err_memory.lua", "uses more than 64 MiB of memory", extra=["--max-memory", "64"])
    check_error("err_memory_process.lua", "uses more than 32 MiB of memory", extra=["--max-memory", "32"])
    # the limit stops a runaway, not a normal scenario
    rc, out, err = run("run", MMC, "--max-memory", "8", "--max-instructions", "1e6", "--quiet",
                       "--set", "customers=2000")
    ok(rc == 0, "mmc runs under an 8 MiB limit and a 1e6 budget per slice", err)


def group_random():
    a = run("run", path("random.lua"), "--quiet", "--seed", "11")
    b = run("run", path("random.lua"), "--quiet", "--seed", "11")
    c = run("run", path("random.lua"), "--quiet", "--seed", "12")
    d = run("run", path("random.lua"), "--quiet")
    ok(a[0] == 0 and len(a[1].split()) == 11, "random.lua prints 11 draws", a[1] + a[2])
    ok(a[1] == b[1], "math.random and samples: same --seed, same draws", a[1] + b[1])
    ok(a[1] != c[1], "another --seed, other draws", a[1] + c[1])
    ok(all(x != y for x, y in zip(a[1].split(), c[1].split())), "every draw differs", a[1] + c[1])
    ok(d[1] == run("run", path("random.lua"), "--quiet", "--seed", "1")[1], "the default seed is 1")


def group_cli():
    cases = [
        ((), "usage:", "no arguments"),
        (("frobnicate",), "unknown command 'frobnicate'", "unknown command"),
        (("run",), "no scenario file given", "run without a file"),
        (("run", MMC, "--sed", "3"), "unknown option '--sed'", "unknown option"),
        (("run", MMC, "--seed"), "option '--seed' needs a value", "option without its value"),
        (("run", MMC, "--seed", "abc"), "--seed: 'abc' is not a non-negative integer", "bad seed"),
        (("run", MMC, "--seed", "-4"), "--seed: '-4' is not a non-negative integer", "negative seed"),
        (("run", MMC, "--until", "-1"), "--until: '-1' is not a positive number of hours", "negative horizon"),
        (("run", MMC, "--until", "12h"), "--until: '12h' is not a positive number", "horizon with a unit"),
        (("run", MMC, "--set", "lambda"), "--set: expected KEY=VALUE", "--set without '='"),
        (("run", MMC, "--set", "1x=2"), "--set: expected KEY=VALUE", "--set with a bad key"),
        (("run", MMC, "--max-memory", "0"), "--max-memory: '0'", "zero memory limit"),
        (("run", path("no_such_scenario.lua")), "cannot open scenario", "missing file"),
        (("run", MMC, path("random.lua")), "more than one scenario file", "two files"),
        (("run", MMC, "--set", "lamda=2"), "scenario '" + MMC + "' has no parameter 'lamda'", "unknown parameter"),
        (("run", MMC, "--set", "c=two"), "--set c=two: parameter 'c' must be an integer", "parameter not a number"),
        (("run", MMC, "--set", "c=2.5"), "parameter 'c' must be an integer", "parameter not an integer"),
    ]
    for args, pattern, name in cases:
        rc, out, err = run(*args)
        lines = err.splitlines()
        if name == "no arguments":
            ok(rc == 2 and pattern in err, f"{name}: exit 2 with usage", err)
            continue
        ok(rc == 2 and len(lines) == 1 and lines[0].startswith("kouan: ") and pattern in lines[0],
           f"{name}: one line, exit 2", f"rc={rc}\n{err}")
    # (run() adds --no-output; a process-style run with -o checks the folder first)
    rc, out, err = tap.run([KOUAN, "run", MMC, "-o", "no_such_folder/a.h5"], "kouan run MMC -o no_such_folder/a.h5")
    ok(rc == 2 and out == "" and "-o: 'no_such_folder/a.h5' is not a file name in an existing folder (create the "
       "folder first)" in err, "-o into a missing folder: refused before the run, exit 2", f"rc={rc}\n{err}")
    rc, out, err = run("--help")
    ok(rc == 0 and "usage: kouan run SCENARIO.lua" and "--set KEY=VALUE" in out, "--help", out + err)
    rc, out, err = run("run", MMC, "--help")
    ok(rc == 0 and "usage:" in out, "run --help", out + err)


def group_golden():
    args = ("run", MMC, "--seed", "5", "--set", "customers=3000", "--set", "c=3", "--set", "lambda=2.4")
    a, b = run(*args), run(*args)
    ok(a[0] == 0 and a[2] == "", "mmc runs cleanly", a[2])
    ok(a[1] == b[1] and len(a[1]) > 0, "same seed, identical output text", a[1] + "\n---\n" + b[1])
    for want in ("Wq ", "Lq ", "simulated ", "resource", "utilisation", "mean queue", "mean wait (h)", "served"):
        ok(want in a[1], f"output has '{want}'", a[1])
    rows = [l for l in a[1].splitlines() if l.startswith("server ")]
    ok(len(rows) == 1 and rows[0].split()[1] == "3", "one table row for 'server' with 3 servers", a[1])
    c = run(*args[:3], "6", *args[4:])
    ok(c[1] != a[1], "another seed, other output", c[1])
    h = run("run", MMC, "--seed", "5", "--set", "customers=3000", "--until", "100")
    first = [l for l in h[1].splitlines() if l.startswith("simulated")]
    ok(h[0] == 0 and first == ["simulated 100.0000 h, " + first[0].split(", ")[1]] if first else False,
       "--until stops the clock at the horizon", h[1] + h[2])


def erlang_c_wq(c, lam, mu):
    a = lam / mu
    term, total = 1.0, 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    top = term * a / c / (1 - a / c)
    return top / (total + top) / (c * mu - lam)


def group_mmc():
    c, lam, mu = 2, 1.6, 1.0  # rho = 0.8
    wq_theory = erlang_c_wq(c, lam, mu)
    wqs, lqs = [], []
    nrep = 10
    for seed in range(1, nrep + 1):
        rc, out, err = run("run", MMC, "--quiet", "--seed", str(seed), "--set", f"c={c}",
                           "--set", f"lambda={lam}", "--set", f"mu={mu}", "--set", "customers=50000")
        if rc != 0:
            ok(False, f"mmc seed {seed} runs", err)
            return
        for line in out.splitlines():
            if line.startswith("Wq "):
                wqs.append(float(line.split()[1]))
            if line.startswith("Lq "):
                lqs.append(float(line.split()[1]))
    ok(len(wqs) == nrep and len(lqs) == nrep, f"{nrep} replications print Wq and Lq")
    # 99% rather than 95%: the seeds are fixed, so the check passes or fails
    # for good; a 1-in-100 rather than 1-in-20 chance that a correct model
    # fails it.
    t = 3.249836  # Student t, 9 degrees of freedom, 99.5%
    for name, xs, theory in (("Wq", wqs, wq_theory), ("Lq", lqs, lam * wq_theory)):
        n = len(xs)
        mean = sum(xs) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
        half = t * sd / math.sqrt(n)
        diag = f"mean {mean:.4f} +- {half:.4f}, Erlang C {theory:.4f}, values {xs}"
        print(f"# {name}: {diag}")
        ok(abs(mean - theory) <= half, f"{name} 99% CI over {nrep} replications covers Erlang C", diag)
        ok(half < 0.1 * theory, f"{name} CI half-width is below 10% of the value", diag)


{"errors": group_errors, "limits": group_limits, "random": group_random,
 "cli": group_cli, "golden": group_golden, "mmc": group_mmc}[ARGS.group]()
tap.done()
