#!/usr/bin/python3
"""check_threads.py — every kouan command that starts threads, run in the
ThreadSanitizer build (scripts/test.sh, build-tsan; docs/hardening.md):
each call must exit as it should with no ThreadSanitizer report on stderr,
and what it prints and writes must be the same byte for byte for any -j.
Prints TAP. Runs /usr/bin/python3 (h5py reads the files).

usage: check_threads.py GROUP --kouan KOUAN [--root SRCROOT] [--tool kouan-viz=PATH]   (tests/tap.py)
  GROUP   run | uncertainty | process | sweep | compare | stop | viz

The threads: the run file's writer thread (core/io/h5write.c) beside the
simulation, the replication workers (core/exp/replicate.c) of compare,
sweep and --uncertainty, the workers of a process-style run's --reps
(core/cmd/procrun.c), one Lua state per worker for processes in port
scenarios (core/lua/portset.c), the watchdog of every Lua state
(core/lua/host.c), which signals a slice running over a tenth of a second
(tests/threads/long_slices.lua makes such slices), and the stop request
that SIGINT and SIGTERM make, read by every worker. viz: kouan-viz
exports (SDL_VIDEODRIVER=dummy). Works in any build; without
ThreadSanitizer it only checks the results.
"""
import os
import signal
import sys
import tempfile
import time

import h5py

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["run", "uncertainty", "process", "sweep", "compare", "stop", "viz"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
# halt_on_error: the first race ends the program (exit 66), so a report can
# be neither missed nor scrolled away; meson sets the same for the suite.
ENV = dict(os.environ, KOUAN_ROOT=ROOT)
ENV.setdefault("TSAN_OPTIONS", "halt_on_error=1 exitcode=66 second_deadlock_stack=1")
TMP = tempfile.mkdtemp(prefix="kouan-threads-")
SMALL = os.path.join(ROOT, "tests", "lua", "port_small.lua")
LONG = os.path.join(ROOT, "tests", "threads", "long_slices.lua")
UNCERTAIN = os.path.join(ROOT, "tests", "lua", "port_uncertain.lua")
ERAS = ("--era", "2017", "--era", "2021")
JOBS = ("2", "4")


def out(name):
    return os.path.join(TMP, name)


def kouan(*args, timeout=300, what=None):
    """Runs kouan ARGS; checks its exit status is 0 and that ThreadSanitizer
    said nothing. Returns (rc, stdout, stderr)."""
    what = what or "kouan " + " ".join(os.path.basename(a) if os.path.isabs(a) else a for a in args)
    rc, so, se = tap.run([KOUAN, *args], what, timeout=timeout, cwd=TMP, env=ENV)
    ok(rc == 0, f"{what}: exits 0", se)
    ok("ThreadSanitizer" not in se, f"{what}: no ThreadSanitizer report", se)
    return rc, so, se


# Columns of compound datasets that hold wall-clock time: the only thing
# allowed to differ between two runs of the same work.
WALL = ("wall", "seconds")


def differing(a_path, b_path):
    """The datasets of two HDF5 files that differ (numbers bit for bit,
    strings by value; compound columns of wall time left out), or
    ["(cannot read)"]. An empty list for two files with no dataset is
    never returned: that is a difference too."""
    try:
        with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
            names, bad = [], []
            a.visit(names.append)
            data = [n for n in names if isinstance(a[n], h5py.Dataset)]
            if not data:
                return ["(no dataset)"]
            for n in data:
                if n not in b:
                    bad.append(n + " (missing)")
                    continue
                u, v = a[n][()], b[n][()]
                if u.dtype.names:
                    cols = [c for c in u.dtype.names if not any(w in c for w in WALL)]
                    same = u.shape == v.shape and all(u[c].tolist() == v[c].tolist() if u[c].dtype.kind == "O"
                                                      else u[c].tobytes() == v[c].tobytes() for c in cols)
                elif u.dtype.kind == "O":
                    same = u.tolist() == v.tolist()
                else:
                    same = u.shape == v.shape and u.tobytes() == v.tobytes()
                if not same:
                    bad.append(n)
            return bad
    except OSError as e:
        return [f"(cannot read: {e})"]


def same_files(a, b, what):
    bad = differing(a, b)
    ok(not bad, f"{what}: every dataset byte-identical", ", ".join(bad))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def group_run():
    """kouan run of a port scenario: the simulation's thread hands records
    to the writer thread through shared buffers, and with processes the
    watchdog signals the long slices. Two runs give the same file."""
    for name, scen, reps in (("small", SMALL, "4"), ("long", LONG, "2")):
        extra = ("--trace", "--sample-hours", "0.25") if name == "small" else ()
        for k in ("a", "b"):
            kouan("run", scen, "--reps", reps, "-o", out(f"run-{name}-{k}.h5"), "--force", "--quiet", *extra,
                  what=f"run {os.path.basename(scen)} --reps {reps} ({k})")
        same_files(out(f"run-{name}-a.h5"), out(f"run-{name}-b.h5"), f"run {os.path.basename(scen)}: twice")
    # the KPI table is printed from what the writer thread also wrote
    _, so1, _ = kouan("run", SMALL, "--reps", "2", "--no-output", what="run port_small.lua --no-output")
    _, so2, _ = kouan("run", SMALL, "--reps", "2", "-o", out("run-table.h5"), "--force",
                      what="run port_small.lua with a run file")
    ok(so1 != "" and so1 == so2, "the KPI table is the same with and without the writer thread")


def group_uncertainty():
    """kouan run --uncertainty: draws on -j worker threads, a port scenario
    with and without processes (one Lua state per worker)."""
    for name, args in (("plain", (UNCERTAIN,)),
                       ("proc", (os.path.join(ROOT, "tests", "lua", "port_process_random.lua"),
                                 "--set", "base=tests/lua/port_uncertain.lua"))):
        got = {}
        for j in ("1",) + JOBS:
            _, got[j], _ = kouan("run", *args, "--uncertainty", "4", "--reps", "2", "-j", j,
                                 "-o", out(f"unc-{name}{j}.h5"), "--force",
                                 what=f"run --uncertainty 4 -j {j} ({name})")
        for j in JOBS:
            ok(got[j] == got["1"], f"uncertainty ({name}) -j {j}: the table byte-identical to -j 1")
            same_files(out(f"unc-{name}{j}.h5"), out(f"unc-{name}1.h5"), f"uncertainty ({name}) -j {j} vs -j 1")


def group_process():
    """Process-style runs with --reps on -j workers, each replication a
    fresh Lua state: resources, preemption, containers, stores, monitors."""
    for scen, sets in (("scenarios/mmc.lua", ("--set", "customers=3000")),
                       ("scenarios/examples/machine_shop.lua", ("--set", "weeks=1")),
                       ("scenarios/examples/bank_renege.lua", ()),
                       ("scenarios/examples/fuel_station.lua", ()),
                       ("scenarios/examples/rail_yard.lua", ("--set", "sim_time=400"))):
        base = os.path.splitext(os.path.basename(scen))[0]
        got = {}
        for j in ("1",) + JOBS:
            _, got[j], _ = kouan("run", os.path.join(ROOT, scen), *sets, "--reps", "6", "-j", j,
                                 "-o", out(f"proc-{base}{j}.h5"), "--force", what=f"run {scen} --reps 6 -j {j}")
        for j in JOBS:
            ok(got[j] != "" and got[j] == got["1"], f"{scen} -j {j}: the table byte-identical to -j 1")
            same_files(out(f"proc-{base}{j}.h5"), out(f"proc-{base}1.h5"), f"{scen} -j {j} vs -j 1")


def design(name, scenario, reps, points):
    path = out(name + ".lua")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'return sweep{{\n  scenario = "{scenario}", era = "2017", reps = {reps}, seed = 1,\n'
                f'  method = "lhs", points = {points},\n  factors = {{\n'
                '    {path = "ports.TST.advance_share", min = 0.1, max = 0.7},\n'
                '    {path = "ports.TST.resources.handling.capacity", values = {2, 3}},\n  },\n}\n')
    return path


def summary(text):
    """A sweep's summary without its first lines, 'kouan sweep: ... in T s
    with N threads' and 'kouan sweep: results in FILE'."""
    return "\n".join(l for l in text.splitlines() if not l.startswith("kouan sweep:"))


def group_sweep():
    """kouan sweep -j 2 and -j 4 against -j 1: a port scenario, and one with
    long process slices (a Lua state per worker)."""
    for name, scen, reps, points in (("small", SMALL, 3, 8), ("long", LONG, 2, 2)):
        d = design("sw-" + name, scen, reps, points)
        got = {}
        for j in ("1",) + JOBS:
            _, got[j], _ = kouan("sweep", d, "-o", out(f"sw-{name}{j}.h5"), "-j", j, "--force",
                                 what=f"sweep {os.path.basename(scen)} -j {j}")
        for j in JOBS:
            ok(got[j] != "" and summary(got[j]) == summary(got["1"]),
               f"sweep {name} -j {j}: the summary byte-identical to -j 1 (but its time, threads and file)")
            same_files(out(f"sw-{name}{j}.h5"), out(f"sw-{name}1.h5"), f"sweep {name} -j {j} vs -j 1")


def group_compare():
    """kouan compare -j 2 and -j 4 against -j 1: the table, the CSV and the
    compare file; a port scenario, and one with long process slices."""
    for name, scen, reps in (("small", SMALL, "6"), ("long", LONG, "2")):
        got = {}
        for j in ("1",) + JOBS:
            _, got[j], _ = kouan("compare", scen, *ERAS, "--reps", reps, "-j", j, "-o", out(f"cmp-{name}{j}.h5"),
                                 "--force", "--csv", out(f"cmp-{name}{j}.csv"),
                                 what=f"compare {os.path.basename(scen)} -j {j}")
        for j in JOBS:
            ok(got[j] != "" and got[j] == got["1"], f"compare {name} -j {j}: the table byte-identical to -j 1")
            ok(os.path.exists(out(f"cmp-{name}{j}.csv")) and
               read(out(f"cmp-{name}{j}.csv")) == read(out(f"cmp-{name}1.csv")),
               f"compare {name} -j {j}: the CSV byte-identical to -j 1")
            same_files(out(f"cmp-{name}{j}.h5"), out(f"cmp-{name}1.h5"), f"compare {name} -j {j} vs -j 1")


def interrupted(sig, argv, what):
    """Starts kouan argv, sends sig once it has run a while, and checks it
    ends with 130 and no ThreadSanitizer report."""
    p = tap.start([KOUAN, *argv], what, cwd=TMP, env=ENV)
    time.sleep(1.5)
    if p.poll() is not None:
        rc, _, se = p.finish()
        ok(False, f"{what}: still running after 1.5 s, to be interrupted", f"exit {rc}\n{se}")
        return
    p.send_signal(sig)
    rc, _, se = p.finish(timeout=120)
    ok(rc == 130, f"{what}: {signal.Signals(sig).name} mid-run exits 130", f"exit {rc}\n{se}")
    ok("ThreadSanitizer" not in se, f"{what}: no ThreadSanitizer report", se)


def group_stop():
    """The stop request of SIGINT and SIGTERM (a C11 atomic, written by the
    handler, read by every worker) with workers running."""
    d = design("stop", LONG, 4, 12)
    interrupted(signal.SIGINT, ["sweep", d, "-o", out("stop.h5"), "-j", "2", "--force", "-q"],
                "sweep long_slices.lua -j 2")
    interrupted(signal.SIGTERM, ["compare", LONG, *ERAS, "--reps", "40", "-j", "2", "-o", out("stop-cmp.h5"),
                                 "--force", "--quiet"], "compare long_slices.lua -j 2")
    interrupted(signal.SIGTERM, ["run", SMALL, "--reps", "5000", "-o", out("stop-run.h5"), "--force", "--quiet"],
                "run port_small.lua --reps 5000 (writer thread)")


def group_viz():
    """kouan-viz exports (PNG frames) of a run file, twice, identical."""
    viz = tap.tool("kouan-viz")
    if viz is None:
        tap.skip("kouan-viz exports", "kouan-viz is not built")
        return
    kouan("run", SMALL, "-o", out("viz.h5"), "--force", "--quiet", "--sample-hours", "0.5",
          what="run port_small.lua for kouan-viz")
    env = dict(ENV, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    span = ["--from", "2017-01-10T08:00", "--to", "2017-01-10T09:00", "--speed", "1h/s", "--fps", "4",
            "--size", "640x360"]
    frames = {}
    for k in ("a", "b"):
        d = out("frames-" + k)
        rc, _, se = tap.run([viz, out("viz.h5"), *span, "--frames", d], f"kouan-viz --frames ({k})",
                            timeout=300, cwd=TMP, env=env)
        ok(rc == 0, f"kouan-viz --frames ({k}): exits 0", se)
        ok("ThreadSanitizer" not in se, f"kouan-viz --frames ({k}): no ThreadSanitizer report", se)
        frames[k] = sorted(os.listdir(d)) if os.path.isdir(d) else []
    ok(len(frames["a"]) == 5 and frames["a"] == frames["b"] and
       all(read(out("frames-a/" + n)) == read(out("frames-b/" + n)) for n in frames["a"]),
       "two exports: 5 identical PNG frames", str(frames))


# In build-tsan (meson sets KOUAN_EXPECT_TSAN=1) the suite is worth
# something only if kouan really carries ThreadSanitizer's runtime.
if os.environ.get("KOUAN_EXPECT_TSAN") == "1":
    rc, so, se = tap.run(["ldd", KOUAN], "ldd kouan")
    ok(rc == 0 and "libtsan" in so, "kouan is linked with ThreadSanitizer's runtime (libtsan)", so + se)
{"run": group_run, "uncertainty": group_uncertainty, "process": group_process, "sweep": group_sweep,
 "compare": group_compare, "stop": group_stop, "viz": group_viz}[ARGS.group]()
tap.done()
