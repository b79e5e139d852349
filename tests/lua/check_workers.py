#!/usr/bin/env python3
"""check_workers.py — processes = {...} of a port scenario in every command
that runs replications: each replication's processes run on a worker Lua
state (core/lua/portset.h), so the results must not depend on the number
of threads (-j) or MPI ranks, and what a process draws must come from the
replication's own streams (core/lua/lsim.h); processes discarded with a
step still due within the horizon are reported once per run. Prints TAP.

usage: check_workers.py GROUP --kouan KOUAN [--root SRCROOT] [--tool mpiexec=PATH]   (tests/tap.py)
  GROUP   streams | warning | compare | sweep | uncertainty | mpi
The scenarios: tests/lua/port_process_random.lua (a process drawing random
numbers that takes a handling server at random times) and
tests/lua/port_sparse_process.lua (sparse flows: a process still waiting
when the system drains, days before the horizon). compare, sweep,
uncertainty and mpi read HDF5 files with h5py (/usr/bin/python3).
"""
import csv
import io
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["streams", "warning", "compare", "sweep", "uncertainty", "mpi"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
TESTDIR = os.path.join(ROOT, "tests", "lua")
ENV = dict(os.environ, KOUAN_ROOT=ROOT)
TMP = tempfile.mkdtemp(prefix="kouan-workers-")
RANDOM, SPARSE, SMALL = "port_process_random.lua", "port_sparse_process.lua", "port_small.lua"
ERAS = ("--era", "2017", "--era", "2021")


def kouan(*args, timeout=120):
    return tap.run([KOUAN, *args], f"kouan {' '.join(args)}", timeout=timeout, cwd=TESTDIR, env=ENV)


def mpiexec(n, *args, timeout=180):
    return tap.run([tap.tool("mpiexec", required=True), "-n", str(n), KOUAN, *args],
                   f"mpiexec -n {n} kouan {' '.join(args)}", timeout=timeout, cwd=TESTDIR, env=ENV)


def out(name):
    return os.path.join(TMP, name)


def rows(path):
    """The compare CSV as {(port, mode, direction, metric, alternative): [rep values]}."""
    with open(path, encoding="utf-8") as f:
        table = list(csv.reader(io.StringIO(f.read())))
    head = table[0]
    first = head.index("rep_1")
    return {tuple(r[:4] + r[5:6]): r[first:] for r in table[1:]}


def compare(name, *args):
    """kouan compare RANDOM --era 2017 --era 2021 ARGS with a CSV: (rc, stdout, stderr, csv path)."""
    path = out(name + ".csv")
    rc, so, se = kouan("compare", RANDOM, *ERAS, "--no-output", "--csv-long", path, *args)
    return rc, so, se, path


def group_streams():
    """Replication r is a function of its own seed: a process's draws (a
    distribution made at the top level, one made in the process on its
    own stream, math.random) come from the replication's streams, not from
    a state that goes on from one replication to the next."""
    rc1, so1, se1, c1 = compare("s1", "--reps", "3", "--seed", "1")
    rc2, so2, se2, c2 = compare("s2", "--reps", "1", "--seed", "2")
    rc3, so3, se3, c3 = compare("s3", "--reps", "1", "--seed", "3")
    ok(rc1 == 0 and rc2 == 0 and rc3 == 0 and se1 == "", "compare with a process that draws runs cleanly", se1 + se2)
    a, b, c = rows(c1), rows(c2), rows(c3)
    ok(a.keys() == b.keys() and all(a[k][1] == b[k][0] for k in a),
       "replication 2 of --seed 1 = replication 1 of --seed 2, every value of every row")
    ok(all(a[k][2] == c[k][0] for k in a), "replication 3 of --seed 1 = replication 1 of --seed 3")
    _, _, _, plain = (*kouan("compare", SMALL, *ERAS, "--no-output", "--csv-long", out("plain.csv"), "--reps", "3"),
                      out("plain.csv"))
    p = rows(plain)
    key = ("all ports", "all modes", "import", "overall_mean", "2017")
    ok(key in a and key in p and a[key] != p[key], "the process changes the KPIs (port_small.lua without it)",
       f"{a.get(key)} {p.get(key)}")
    _, _, _, cg = compare("gap", "--reps", "3", "--set", "gap=2")
    g = rows(cg)
    ok(g[key] != a[key], "and its draws matter: --set gap=2 (more frequent audits) changes them", f"{g[key]}")
    # kouan run: the same replications, the table over them
    rc, t1, e1 = kouan("run", "--no-output", RANDOM, "--reps", "3")
    rc2, t2, _ = kouan("run", "--no-output", RANDOM, "--reps", "3")
    ok(rc == 0 and rc2 == 0 and e1 == "" and t1 == t2, "kouan run --reps 3: clean and reproducible", e1)


def group_warning():
    """A process still waiting for a step due within the horizon when its
    replication ends (sparse flows: the system drains days before the
    horizon) is named in one warning per run, the rest counted."""
    line = None
    with open(os.path.join(TESTDIR, SPARSE)) as f:
        for i, text in enumerate(f, 1):
            if "--> here" in text:
                line = i
    where = f"{SPARSE}:{line}"
    rc, so, se = kouan("run", "--no-output", SPARSE, "--reps", "3")
    warn = [x for x in se.splitlines() if "warning" in x]
    ok(rc == 0 and len(warn) == 1, "kouan run --reps 3: exit 0 and one warning line", se)
    w = warn[0] if warn else ""
    ok(w.startswith(f"kouan: warning: {SPARSE}, replication with seed 1: the process defined at {where} was "
                    "still waiting for hold() until hour 260.0000 when the replication ended (its system had "
                    "drained, before its horizon at hour 288)"),
       "it names the first replication, where the process is defined and what it waited for", w)
    ok("; 2 more such processes" in w, "and counts the others (one a replication)", w)
    ok("routine" not in w and w.count("process defined") == 1,
       "a weekly routine due after the horizon (hour 336) is not counted", w)
    rc, so, se = kouan("run", "--no-output", SPARSE, "--reps", "3", "--set", "late=300")
    ok(rc == 0 and "warning" not in se, "a wake-up past the horizon (--set late=300): no warning", se)
    rc, so, se = kouan("run", "--no-output", "port_process.lua", "--reps", "2")
    ok(rc == 0 and se == "", "dense flows (port_process.lua: a weekly routine, replications past the horizon): "
       "no warning", se)
    rc, so, se = kouan("compare", SPARSE, *ERAS, "--reps", "3", "--no-output", "-j", "2", "--quiet")
    warn = [x for x in se.splitlines() if "warning" in x]
    ok(rc == 0 and len(warn) == 1 and f"{SPARSE} 2017, replication with seed 1: the process defined at {where}"
       in warn[0] and "; 5 more such processes" in warn[0],
       "compare -j 2: one warning, the first replication in order, the other 5 counted", se)


def h5(path):
    import h5py  # only /usr/bin/python3 has it (tests/meson.build)
    return h5py.File(path, "r")


def same_compare_files(a, b):
    with h5(a) as x, h5(b) as y:
        names = []
        x.visit(names.append)
        data = [n for n in names if hasattr(x[n], "shape")]

        def same(n):  # strings (object dtype) by value, numbers bit for bit
            u, v = x[n][()], y[n][()]
            return u.tolist() == v.tolist() if u.dtype.kind == "O" else u.tobytes() == v.tobytes()
        return len(data) > 0 and all(same(n) for n in data)


def group_compare():
    """kouan compare -j N with processes: the table, the CSV and every
    dataset of the compare file byte-identical to -j 1."""
    res = {}
    for j in ("1", "2", "3"):
        path = out(f"cmp{j}.h5")
        rc, so, se = kouan("compare", RANDOM, *ERAS, "--reps", "5", "-j", j, "-o", path, "--force",
                           "--csv-long", out(f"cmp{j}.csv"))
        res[j] = (rc, so, open(out(f"cmp{j}.csv"), "rb").read() if rc == 0 else b"", path)
        ok(rc == 0, f"compare -j {j} with a process exits 0", se)
    for j in ("2", "3"):
        ok(res[j][1] == res["1"][1] and res[j][2] == res["1"][2], f"-j {j}: the table and the CSV byte-identical")
        ok(same_compare_files(res[j][3], res["1"][3]), f"-j {j}: every dataset of the compare file byte-identical")
    rc, so, se = kouan("compare", RANDOM, *ERAS, "--reps", "2", "-j", "2", "--until-halfwidth", "0.01",
                       "--max-reps", "6", "--no-output", "--csv-long", out("hw2.csv"))
    rc1, so1, se1 = kouan("compare", RANDOM, *ERAS, "--reps", "2", "--until-halfwidth", "0.01",
                          "--max-reps", "6", "--no-output", "--csv-long", out("hw1.csv"))
    ok(rc == 0 and rc1 == 0 and so == so1 and "stopped at --max-reps 6" in so and
       open(out("hw2.csv"), "rb").read() == open(out("hw1.csv"), "rb").read(),
       "--until-halfwidth in batches: -j 2 = -j 1", se + se1)
    rc, so, se = kouan("compare", "err_port_proc.lua", *ERAS, "--reps", "3", "-j", "2", "--no-output")
    ok(rc == 1 and "err_port_proc.lua:6: attempt to index a nil value" in se and "stack traceback:" in se,
       "an error in a process on a worker thread: the process's report with its traceback, exit 1", se)


def sweep_design(name, scenario, reps=3, points=6):
    path = out(name + ".lua")
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'return sweep{{\n  scenario = "{os.path.join(TESTDIR, scenario)}", era = "2017", reps = {reps},\n'
                f'  seed = 1, method = "lhs", points = {points},\n  factors = {{\n'
                '    {path = "ports.TST.advance_share", min = 0.1, max = 0.7},\n'
                '    {path = "ports.TST.resources.handling.capacity", values = {2, 3}},\n  },\n}\n')
    return path


def same_sweeps(a_path, b_path, what):
    cols = ["point", "replication", "seed", "status", "error"]
    with h5(a_path) as a, h5(b_path) as b:
        ok(a["kpi/values"][()].tobytes() == b["kpi/values"][()].tobytes(), f"{what}: /kpi/values byte-identical")
        ra, rb = a["runs"][()], b["runs"][()]
        ok(all(ra[c].tobytes() == rb[c].tobytes() for c in cols) and a.attrs["failed_runs"] == 0 ==
           b.attrs["failed_runs"] and a.attrs["complete"] == 1, f"{what}: /runs identical but wall time, none failed")


def group_sweep():
    """kouan sweep over a scenario with processes: -j 1, 2, 4 byte-identical;
    the process runs in every point (the KPIs differ from the same design
    without it); a process error is reported."""
    d = sweep_design("sw", RANDOM)
    for j in ("1", "2", "4"):
        rc, so, se = kouan("sweep", d, "-o", out(f"sw{j}.h5"), "-j", j, "-q", "--force")
        ok(rc == 0 and "warning" not in se, f"sweep -j {j} with a process exits 0", se)
    same_sweeps(out("sw2.h5"), out("sw1.h5"), "-j 2 vs -j 1")
    same_sweeps(out("sw4.h5"), out("sw1.h5"), "-j 4 vs -j 1")
    p = sweep_design("swp", SMALL)
    rc, so, se = kouan("sweep", p, "-o", out("swp.h5"), "-j", "2", "-q", "--force")
    with h5(out("sw1.h5")) as a, h5(out("swp.h5")) as b:
        ok(rc == 0 and a["kpi/values"][()].tobytes() != b["kpi/values"][()].tobytes(),
           "the process changes the KPIs of the points (the same design on port_small.lua)")
    e = sweep_design("swe", "err_port_proc.lua", reps=2, points=2)
    rc, so, se = kouan("sweep", e, "-o", out("swe.h5"), "-j", "2", "-q", "--force")
    with h5(out("swe.h5")) as f:
        ok(rc == 1 and f.attrs["failed_runs"] == 4 and "err_port_proc.lua:6: attempt to index a nil value" in se,
           "a process error: every run recorded failed, and the process's report", se)
    s = sweep_design("sws", SPARSE, reps=2, points=2)
    rc, so, se = kouan("sweep", s, "-o", out("sws.h5"), "-j", "2", "-q", "--force")
    ok(rc == 0 and se.count("warning") == 1 and "; 3 more such processes" in se,
       "sparse flows: one warning for the sweep, the rest counted", se)


def group_uncertainty():
    """kouan run --uncertainty with a process (on port_uncertain.lua, whose
    uncertain{} values each draw sets): -j 1 = -j 2, and unlike without it."""
    base = ("--set", "base=tests/lua/port_uncertain.lua", "--uncertainty", "4", "--reps", "2")
    got = {}
    for j in ("1", "2"):
        rc, so, se = kouan("run", RANDOM, *base, "-j", j, "-o", out(f"unc{j}.h5"), "--force")
        got[j] = so
        ok(rc == 0, f"run --uncertainty -j {j} with a process exits 0", se)
    ok(got["1"] == got["2"], "-j 2: the table byte-identical to -j 1")
    with h5(out("unc1.h5")) as a, h5(out("unc2.h5")) as b:
        ok(a["values"][()].tobytes() == b["values"][()].tobytes(), "-j 2: /values byte-identical")
    rc, so, se = kouan("run", "port_uncertain.lua", *base[2:], "-o", out("unc0.h5"), "--force")
    with h5(out("unc1.h5")) as a, h5(out("unc0.h5")) as b:
        ok(rc == 0 and a["values"][()].tobytes() != b["values"][()].tobytes(),
           "the process changes the values (port_uncertain.lua without it)")


def group_mpi():
    """Under mpiexec -n 2: sweep and compare --uncertainty with processes
    byte-identical to -j 1 on one rank."""
    d = sweep_design("mpi", RANDOM, points=5)
    rc, so, se = kouan("sweep", d, "-o", out("mpi1.h5"), "-j", "1", "-q", "--force")
    ok(rc == 0, "sweep -j 1 exits 0", se)
    rc, so, se = mpiexec(2, "sweep", d, "-o", out("mpi2.h5"), "-q", "--force")
    ok(rc == 0, "mpiexec -n 2 kouan sweep with a process exits 0", se)
    same_sweeps(out("mpi2.h5"), out("mpi1.h5"), "2 ranks vs -j 1")
    rc, so, se = mpiexec(2, "sweep", d, "-o", out("mpi22.h5"), "-j", "2", "-q", "--force")
    same_sweeps(out("mpi22.h5"), out("mpi1.h5"), "2 ranks x 2 threads vs -j 1")
    unc = (RANDOM, "--set", "base=tests/lua/port_uncertain.lua", *ERAS, "--uncertainty", "4", "--reps", "2")
    rc, so1, se = kouan("compare", *unc, "-j", "1", "-o", out("cu1.h5"), "--force")
    ok(rc == 0, "compare --uncertainty -j 1 with a process exits 0", se)
    rc, so2, se = mpiexec(2, "compare", *unc, "-j", "1", "-o", out("cu2.h5"), "--force")
    ok(rc == 0 and so1 == so2, "mpiexec -n 2 kouan compare --uncertainty: the table byte-identical to -j 1", se)
    with h5(out("cu1.h5")) as a, h5(out("cu2.h5")) as b:
        ok(a["values"][()].tobytes() == b["values"][()].tobytes(), "and /values byte-identical")


{"streams": group_streams, "warning": group_warning, "compare": group_compare, "sweep": group_sweep,
 "uncertainty": group_uncertainty, "mpi": group_mpi}[ARGS.group]()
tap.done()
