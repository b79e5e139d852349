#!/usr/bin/env python3
"""check_process_run.py — process-style runs with replications (`kouan run
SCENARIO --reps R [-j N] [-o FILE]`, core/cmd/procrun.h), monitor{}
(core/lua/lmonitor.h) and the process-run file (core/io/h5process.h,
docs/hdf5-schema.md "Process runs"); prints TAP for meson.

usage: check_process_run.py GROUP --kouan KOUAN [--root SRCROOT]   (tests/tap.py)
  GROUP   jobs | h5py | fixed | mm1 | damaged | errors | facilities

jobs: --reps 4 with -j 1 and -j 2 print the same and write the same file,
byte for byte but for the command line (written to the same path, the
files differ in exactly the one byte of "-j 1" / "-j 2"), for mmc.lua and
for the examples with a store (rail_yard.lua) and a container
(fuel_station.lua); replication r
of a --reps run prints what a plain run with --seed SEED+r prints; the
plain run (no --reps, no -o) writes no file.
h5py: the file read with h5py: shapes, seeds SEED+r, series inside their
index and on the --sample-hours grid; the mean and Student-t 95 %
half-width of every statistic worked out from the file equal what `kouan
report FILE` prints, which equals what the run printed; the same for the
containers and stores of rail_yard.lua and fuel_station.lua (groups
/stores, /containers), whose level or size series, on the grid, averages
(a sum over the grid's steps) to within 1 % of the exact time average the
statistics give.
fixed: monitor_fixed.lua (this folder), a fixed schedule: the monitors'
statistics (tally mean, sd, min, max; level time average, min, max) and
series, and the resource's statistics and sampled series (queue, busy at
each grid time), against answers worked out here from the same schedule.
mm1: mm1_monitor.lua, an M/M/1 queue whose customers record their time in
system (tally) and the number in system (level): W = 1 / (mu - lambda)
and L = lambda W inside the intervals `kouan report` states over 10
replications, and the level monitor's time average equal (to rounding)
to the resource's mean queue + mean busy of the same replication.
damaged: truncated files, a wrong schema_version, a missing dataset, a
dataset of the wrong shape, a series index pointing outside its table,
and the same in the /containers and /stores groups (a truncated file with
them, statistics of the wrong replications, an index outside its table,
series columns not this kouan's, a missing dataset): one line and exit 1
from `kouan report`.
errors: an unknown monitor kind and m:record on a level monitor fail with
the scenario's FILE:LINE (plain run and --reps run), exit 1, no file;
-j on a port scenario without --uncertainty is a usage error.
facilities: facility_fixed.lua (this folder), a container and a store on
a fixed schedule: every statistic, and the level or size and the waiting
puts and gets at each grid time, against answers worked out here; the
grid series' average equals the exact mean level and mean size; a store
made during the run has its statistics (capacity +inf, in the table as
inf +- 0) and an empty series; a file without /containers and /stores (as
an older kouan wrote) is still read, its table the same without them.
"""
import math
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["jobs", "h5py", "fixed", "mm1", "damaged", "errors", "facilities"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
TESTDIR = os.path.join(ROOT, "tests", "lua")
ENV = dict(os.environ, KOUAN_ROOT=ROOT)
MMC = os.path.join(ROOT, "scenarios", "mmc.lua")
RAIL_YARD = os.path.join(ROOT, "scenarios", "examples", "rail_yard.lua")
FUEL = os.path.join(ROOT, "scenarios", "examples", "fuel_station.lua")
KINDS = {"containers": "container", "stores": "store"}

import h5py  # noqa: E402
import numpy as np  # noqa: E402
from scipy import stats  # noqa: E402

SCRATCH = tempfile.mkdtemp(prefix="kouan-prun-")


class Result:
    def __init__(self, t):
        self.returncode, self.stdout, self.stderr = t


def run(*args, cwd=TESTDIR, **kw):
    return Result(tap.run([KOUAN, *args], f"kouan {' '.join(args)}", timeout=300, cwd=cwd, env=ENV, **kw))


def mmc(out, *extra):
    return run("run", MMC, "--set", "customers=3000", "--reps", "4", "-o", out, *extra)


def report_rows(text):
    """{(kind, object, statistic): (mean, half, n)} from the table; NaN for '-'."""
    rows, obj = {}, None
    for line in text.splitlines():
        m = re.match(r"^(resource|monitor|container|store) '([^']*)'", line)
        if m:
            obj = m.group(1, 2)
            continue
        m = re.match(r"^  (\S+)\s+(\S+)\s+(\S+)\s+(\d+)$", line)
        if m and obj is not None and m.group(1) != "statistic":
            num = [float("nan") if v == "-" else float(v) for v in m.group(2, 3)]
            rows[(*obj, m.group(1))] = (num[0], num[1], int(m.group(4)))
    return rows


def interval(x):
    """Mean and 95 % Student-t half-width of the defined values, as exp/prun.c."""
    x = np.asarray([v for v in x if not math.isnan(v)])
    if len(x) == 0:
        return float("nan"), float("nan"), 0
    if len(x) == 1:
        return float(x[0]), float("nan"), 1
    if np.all(x == x[0]):  # exact, an infinite capacity included
        return float(x[0]), 0.0, len(x)
    half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return float(x.mean()), float(half), len(x)


def close(a, b, rel=2e-5, abs_=1e-9):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


def strings(ds):
    return [s.decode() if isinstance(s, bytes) else s for s in ds[...]]


# ---- jobs ----

def same_but_jobs(one, two):
    """Whether two files are the same bytes but the '1'/'2' of the command line."""
    diff = [i for i in range(min(len(one), len(two))) if one[i] != two[i]]
    return (len(one) == len(two) and len(diff) == 1 and one[diff[0]:diff[0] + 1] == b"1"
            and two[diff[0]:diff[0] + 1] == b"2"), f"sizes {len(one)} {len(two)}, {len(diff)} bytes differ"


def jobs_invariant(label, script, *args):
    """--reps 4 at -j 1 and -j 2 to the same path: the same output, the same
    bytes but the one of the command line. The two results and the path."""
    path = os.path.join(SCRATCH, label + ".h5")
    rs, files = [], []
    for j in ("1", "2"):
        r = run("run", script, *args, "--reps", "4", "-o", path, "-j", j)
        ok(r.returncode == 0 and os.path.exists(path), f"{label}: --reps 4 -j {j} writes its file", r.stderr)
        rs.append(r)
        files.append(open(path, "rb").read() if os.path.exists(path) else b"")
        if j == "1" and os.path.exists(path):
            os.remove(path)
    ok(rs[0].stdout == rs[1].stdout, f"{label}: -j 1 and -j 2 print the same")
    same, why = same_but_jobs(*files)
    ok(same, f"{label}: -j 1 and -j 2 files: the same bytes but the '1'/'2' of the command line", why)
    return rs[0], rs[1], path


def check_jobs():
    r1, r2, path = jobs_invariant("mmc", MMC, "--set", "customers=3000")
    two = open(path, "rb").read()
    m = re.search(r"run file (\S+) \((\d+\.\d) KiB\)", r2.stderr)
    ok(m is not None and m.group(1) == path and abs(float(m.group(2)) - len(two) / 1024) < 0.06,
       "the run file's name and size are printed", r2.stderr)
    # replication r is a plain run on seed 1 + r: its at_end lines come in replication order
    plain = [run("run", MMC, "--set", "customers=3000", "--seed", str(1 + r), "--quiet", "--no-output")
             for r in range(4)]
    lines = "".join(p.stdout for p in plain)
    ok(all(p.returncode == 0 for p in plain) and r1.stdout.startswith(lines),
       "replication r prints what a plain run with --seed 1+r prints, in order", r1.stdout[:600])
    for label, script, args in (("rail_yard", RAIL_YARD, ("--set", "sim_time=400", "--sample-hours", "0.5")),
                                ("fuel_station", FUEL, ("--sample-hours", "10"))):
        _, _, p = jobs_invariant(label, script, *args)
        with h5py.File(p, "r") as f:
            group = "stores" if script == RAIL_YARD else "containers"
            ok(group in f and f[group]["stats"].shape[:2] == (4, 1) and f[group]["series"].shape[0] > 4,
               f"{label}: its {group} are in the file")
    with h5py.File(path, "r") as f:
        ok(list(f["replication_seed"][...]) == [1, 2, 3, 4], "/replication_seed is 1..4")
    cwd = os.path.join(SCRATCH, "plain")
    os.makedirs(cwd)
    r = run("run", MMC, "--set", "customers=500", cwd=cwd)
    ok(r.returncode == 0 and os.listdir(cwd) == [], "a plain process-style run writes no file", r.stderr)


# ---- h5py ----

def check_h5py():
    path = os.path.join(SCRATCH, "round.h5")
    r = run("run", os.path.join(TESTDIR, "mm1_monitor.lua"), "--set", "customers=2000", "--reps", "5",
            "--seed", "11", "--sample-hours", "2", "-o", path)
    if not ok(r.returncode == 0, "mm1_monitor.lua --reps 5 runs", r.stderr):
        return
    rep = run("report", path)
    ok(rep.returncode == 0 and rep.stdout == r.stdout, "kouan report prints what the run printed",
       rep.stdout + rep.stderr)
    rows = report_rows(rep.stdout)
    with h5py.File(path, "r") as f:
        ok(f.attrs["schema"] in ("kouan-process-run", b"kouan-process-run") and f.attrs["schema_version"] == 1
           and f.attrs["complete"] == 1 and f.attrs["replications"] == 5 and f.attrs["seed"] == 11,
           "root attributes: schema, version, complete, replications, seed")
        res, cols, mons = strings(f["resource_names"]), strings(f["resource_columns"]), strings(f["monitor_names"])
        rs, ms = f["resource_stats"][...], f["monitor_stats"][...]
        ok(rs.shape == (5, len(res), len(cols)) and ms.shape == (5, len(mons), 5) and res == ["server"]
           and mons == ["time_in_system", "in_system"] and strings(f["monitor_kinds"]) == ["tally", "level"],
           "shapes and names", f"{rs.shape} {ms.shape} {res} {mons}")
        ok(list(f["replication_seed"][...]) == list(range(11, 16)), "/replication_seed is SEED+r")
        ok(cols[:5] == ["capacity", "utilisation", "mean_queue", "mean_wait", "served"],
           "the resource columns start with capacity, utilisation, mean_queue, mean_wait, served", str(cols))
        bad = []
        for i, name in enumerate(res):
            for c, col in enumerate(cols):
                want, got = interval(rs[:, i, c]), rows.get(("resource", name, col))
                if got is None or not (close(want[0], got[0]) and close(want[1], got[1], rel=6e-4)
                                       and want[2] == got[2]):
                    bad.append(f"{name}.{col}: file {want} report {got}")
        mcols = strings(f["monitor_columns"])
        for j, name in enumerate(mons):
            for c, col in enumerate(mcols):
                want, got = interval(ms[:, j, c]), rows.get(("monitor", name, col))
                if got is None or not (close(want[0], got[0]) and close(want[1], got[1], rel=6e-4)
                                       and want[2] == got[2]):
                    bad.append(f"{name}.{col}: file {want} report {got}")
        ok(not bad, "every mean and half-width from the file (h5py) is the report's", "\n".join(bad))
        check_series(f, len(res), len(mons), 2.0)
    for label, script, args, group, col in (
            ("rail_yard", RAIL_YARD, ("--set", "sim_time=400", "--sample-hours", "0.25"), "stores", "mean_size"),
            ("fuel_station", FUEL, ("--sample-hours", "10"), "containers", "mean_level")):
        check_h5py_facilities(label, script, args, group, col)


def fac_strings(g):
    return strings(g["names"]), strings(g["columns"]), strings(g["series_columns"])


def grid_average(s, end):
    """The time average of a grid series (t, v, ...) up to end: a sum over the steps."""
    dt = np.diff(np.append(s[:, 0], end))
    return float((s[:, 1] * dt).sum() / end)


def check_h5py_facilities(label, script, args, group, col):
    """An example's containers or stores: the group's shapes and names, the
    report's intervals from its numbers, the series on the grid and their
    average against the statistics' exact time average."""
    path, step = os.path.join(SCRATCH, label + ".h5"), float(args[-1])
    r = run("run", script, *args, "--reps", "4", "-o", path)
    if not ok(r.returncode == 0, f"{label} --reps 4 runs", r.stderr):
        return
    rep = run("report", path)
    ok(rep.returncode == 0 and f"{KINDS[group]} '" in rep.stdout and r.stdout.endswith(rep.stdout),
       f"{label}: kouan report prints the table the run printed (after the scenario's lines)",
       rep.stdout + rep.stderr)
    rows = report_rows(rep.stdout)
    with h5py.File(path, "r") as f:
        g, end = f[group], f["replication_end_time"][...]
        names, cols, scols = fac_strings(g)
        st, ix, sr = g["stats"][...], g["series_index"][...], g["series"][...]
        other = "containers" if group == "stores" else "stores"
        value = "size" if group == "stores" else "level"
        ok(st.shape == (4, 1, len(cols)) and ix.shape == (4, 1, 2) and sr.shape[1] == 4 and
           scols == ["t", value, "puts_waiting", "gets_waiting"] and f[other]["stats"].shape == (4, 0, 0),
           f"{label}: /{group} shapes and series columns; /{other} empty", f"{st.shape} {ix.shape} {scols}")
        ok(cols[0] == "capacity" and cols[1] == col and "puts_waiting" in cols, f"{label}: the columns",
           str(cols))
        kind = KINDS[group]
        bad = [f"{col_}: file {interval(st[:, 0, c])} report {rows.get((kind, names[0], col_))}"
               for c, col_ in enumerate(cols)
               if not same_interval(interval(st[:, 0, c]), rows.get((kind, names[0], col_)))]
        ok(not bad, f"{label}: every mean and half-width from /{group}/stats is the report's", "\n".join(bad))
        good, avg = True, []
        for rr in range(4):
            a, n = ix[rr, 0]
            s_ = sr[a:a + n]
            grid = np.arange(n) * step
            good = good and np.allclose(s_[:, 0], grid, rtol=0, atol=1e-9) and grid[-1] <= end[rr] < grid[-1] + step
            avg.append((grid_average(s_, end[rr]), st[rr, 0, cols.index(col)]))
        ok(good, f"{label}: series on the grid 0, step, ... up to the end")
        ok(all(abs(a - b) <= 0.01 * abs(b) for a, b in avg), f"{label}: the series' average is {col} to 1 %",
           str(avg))


def same_interval(want, got):
    return got is not None and close(want[0], got[0]) and close(want[1], got[1], rel=6e-4) and want[2] == got[2]


def check_series(f, nres, nmon, step):
    rsr, rix = f["resource_series"][...], f["resource_series_index"][...]
    msr, mix = f["monitor_series"][...], f["monitor_series_index"][...]
    end = f["replication_end_time"][...]
    ok(rix.shape == (len(end), nres, 2) and mix.shape == (len(end), nmon, 2) and rsr.shape[1] == 3
       and msr.shape[1] == 2, "series tables and indexes have their shapes")
    good = True
    for r in range(len(end)):
        for i in range(nres):
            a, n = rix[r, i]
            s = rsr[a:a + n]
            grid = np.arange(n) * step
            good = good and a + n <= len(rsr) and np.array_equal(s[:, 0], grid) and grid[-1] <= end[r] < grid[-1] + step
        for j in range(nmon):
            a, n = mix[r, j]
            good = good and a + n <= len(msr) and bool(np.all(np.diff(msr[a:a + n, 0]) >= 0))
    ok(good, "resource series on the grid 0, step, ... up to the end; monitor series in time order")


# ---- fixed ----

OBS = [(1, 3.0), (2, 1.0), (4, 6.0), (7, 2.0)]  # monitor_fixed.lua's schedules
MOVES = [(1, "set", 2), (3, "add", 3), (4, "add", -1), (6, "set", 0)]
CUSTOMERS = [(0.5, 2.0), (1.0, 1.0)]
END = 8.0


def level_path():
    pts, level = [(0.0, 0.0)], 0.0
    for t, how, v in MOVES:
        level = v if how == "set" else level + v
        pts.append((float(t), level))
    return pts


def time_average(pts, end):
    area = sum(v * ((pts[k + 1][0] if k + 1 < len(pts) else end) - t) for k, (t, v) in enumerate(pts))
    return area / end


def desk_state(t):
    """(queue, busy) after every event at or before t: FIFO, one server."""
    free_at, spans = 0.0, []
    for arrive, service in CUSTOMERS:
        start = max(arrive, free_at)
        spans.append((arrive, start, start + service))
        free_at = start + service
    queue = sum(1 for a, s, e in spans if a <= t < s)
    busy = sum(1 for a, s, e in spans if s <= t < e)
    return queue, busy


def check_fixed():
    path = os.path.join(SCRATCH, "fixed.h5")
    r = run("run", "monitor_fixed.lua", "--reps", "2", "--sample-hours", "0.5", "-o", path)
    if not ok(r.returncode == 0, "monitor_fixed.lua --reps 2 runs", r.stderr):
        return
    vals = [v for _, v in OBS]
    pts = level_path()
    with h5py.File(path, "r") as f:
        ms, mix, msr = f["monitor_stats"][...], f["monitor_series_index"][...], f["monitor_series"][...]
        tally = ms[0, 0]
        ok(tally[0] == len(vals) and close(tally[1], np.mean(vals), 1e-12) and
           close(tally[2], np.std(vals, ddof=1), 1e-12) and tally[3] == min(vals) and tally[4] == max(vals),
           "tally: n, mean, sd, min, max", str(tally))
        lev = ms[0, 1]
        ok(lev[0] == len(MOVES) and close(lev[1], time_average(pts, END), 1e-12) and
           lev[3] == min(v for _, v in pts) and lev[4] == max(v for _, v in pts),
           "level: changes, time average, min, max", f"{lev} want {time_average(pts, END)}")
        a, n = mix[1, 0]
        ok([tuple(x) for x in msr[a:a + n]] == [(float(t), v) for t, v in OBS], "tally series = the records")
        a, n = mix[1, 1]
        ok([tuple(x) for x in msr[a:a + n]] == pts, "level series = the changes, from (0, 0)")
        cols = strings(f["resource_columns"])
        rs = f["resource_stats"][0, 0]
        busy_time = sum(s for _, s in CUSTOMERS)
        waits = []
        free_at = 0.0
        for arrive, service in CUSTOMERS:
            start = max(arrive, free_at)
            waits.append(start - arrive)
            free_at = start + service
        want = {"utilisation": busy_time / END, "mean_wait": np.mean(waits), "served": len(CUSTOMERS),
                "mean_queue": sum(waits) / END, "capacity": 1}
        ok(all(close(rs[cols.index(k)], v, 1e-12) for k, v in want.items()), "desk: resource statistics",
           f"{dict(zip(cols, rs))} want {want}")
        rix, rsr = f["resource_series_index"][...], f["resource_series"][...]
        a, n = rix[0, 0]
        got = [tuple(x) for x in rsr[a:a + n]]
        expect = [(k * 0.5, *map(float, desk_state(k * 0.5))) for k in range(int(END / 0.5) + 1)]
        ok(got == expect, "desk: queue and busy at every 0.5 h", f"{got}\nwant {expect}")


# ---- mm1 ----

def check_mm1():
    lam, mu = 0.5, 1.0
    path = os.path.join(SCRATCH, "mm1.h5")
    r = run("run", "mm1_monitor.lua", "--set", "customers=20000", "--reps", "10", "-j", "2", "-o", path)
    if not ok(r.returncode == 0, "mm1_monitor.lua --reps 10 runs", r.stderr):
        return
    rows = report_rows(r.stdout)
    W, L = 1 / (mu - lam), lam / (mu - lam)
    w, l = rows.get(("monitor", "time_in_system", "mean")), rows.get(("monitor", "in_system", "mean"))
    ok(w is not None and abs(w[0] - W) <= w[1], f"W = 1/(mu-lambda) = {W} inside the stated interval",
       f"{w}")
    ok(l is not None and abs(l[0] - L) <= l[1], f"L = lambda W = {L} inside the stated interval", f"{l}")
    ok(w is not None and w[2] == 10 and rows[("monitor", "time_in_system", "n")][0] == 20000,
       "every customer recorded in every replication", str(rows.get(("monitor", "time_in_system", "n"))))
    with h5py.File(path, "r") as f:
        cols = strings(f["resource_columns"])
        rs, ms = f["resource_stats"][...], f["monitor_stats"][...]
        lq, lb = rs[:, 0, cols.index("mean_queue")], rs[:, 0, cols.index("mean_busy")]
        ok(np.allclose(ms[:, 1, 1], lq + lb, rtol=1e-9, atol=0),
           "level monitor's time average = the resource's mean queue + mean busy",
           f"{ms[:, 1, 1]} vs {lq + lb}")


# ---- damaged ----

def damaged_case(name, path):
    r = run("report", path, library_reports=True, children_contained=True)
    lines = r.stderr.strip().splitlines()
    ok(r.returncode == 1 and len(lines) == 1 and lines[0].startswith("kouan: ") and r.stdout == "",
       f"damaged ({name}): one line, exit 1", f"exit {r.returncode}\n{r.stderr}")


def check_damaged():
    good = os.path.join(SCRATCH, "good.h5")
    r = run("run", "monitor_fixed.lua", "--reps", "3", "-o", good)
    if not ok(r.returncode == 0, "the file to damage", r.stderr):
        return
    data = open(good, "rb").read()
    for frac in (0.3, 0.6, 0.9):
        p = os.path.join(SCRATCH, f"trunc{int(frac * 100)}.h5")
        with open(p, "wb") as f:
            f.write(data[:int(len(data) * frac)])
        damaged_case(f"truncated to {int(frac * 100)} %", p)

    def edited(name, edit):
        p = os.path.join(SCRATCH, re.sub(r"\W+", "_", name) + ".h5")
        shutil.copy(good, p)
        with h5py.File(p, "r+") as f:
            edit(f)
        damaged_case(name, p)

    def version(f):
        f.attrs["schema_version"] = 99
    edited("schema_version 99", version)

    def missing(f):
        del f["monitor_stats"]
    edited("no /monitor_stats", missing)

    def shape(f):
        del f["replication_seed"]
        f.create_dataset("replication_seed", data=np.zeros(7, dtype=np.int64))
    edited("/replication_seed of the wrong length", shape)

    def index(f):
        ix = f["monitor_series_index"][...]
        ix[0, 0, 1] = 10 ** 9
        f["monitor_series_index"][...] = ix
    edited("series index outside its table", index)

    def kinds(f):
        del f["monitor_kinds"]
        f.create_dataset("monitor_kinds", data=[b"tally", b"gauge"], dtype=h5py.string_dtype())
    edited("unknown monitor kind", kinds)

    good = os.path.join(SCRATCH, "facilities.h5")
    r = run("run", "facility_fixed.lua", "--reps", "3", "-o", good)
    if not ok(r.returncode == 0, "the file with containers and stores to damage", r.stderr):
        return
    data = open(good, "rb").read()
    for frac in (0.5, 0.8):
        p = os.path.join(SCRATCH, f"ftrunc{int(frac * 100)}.h5")
        with open(p, "wb") as f:
            f.write(data[:int(len(data) * frac)])
        damaged_case(f"with facilities, truncated to {int(frac * 100)} %", p)

    def replace(f, name, data, **kw):
        del f[name]
        f.create_dataset(name, data=data, **kw)

    edited("/stores/stats of the wrong replications",
           lambda f: replace(f, "stores/stats", np.zeros((2,) + f["stores/stats"].shape[1:])))
    edited("/containers/stats of the wrong rank", lambda f: replace(f, "containers/stats", np.zeros((3, 1))))

    def fac_index(f):
        ix = f["containers/series_index"][...]
        ix[2, 0, 0] = len(f["containers/series"])
        f["containers/series_index"][...] = ix
    edited("/containers/series_index outside its table", fac_index)
    edited("/stores/series_columns not this kouan's",
           lambda f: replace(f, "stores/series_columns", [b"t", b"level", b"puts_waiting", b"gets_waiting"],
                             dtype=h5py.string_dtype()))
    edited("/stores/series of 3 columns", lambda f: replace(f, "stores/series", f["stores/series"][:, :3]))

    def no_names(f):
        del f["stores/names"]
    edited("no /stores/names", no_names)
    edited("/containers/names too short", lambda f: replace(f, "containers/names", np.zeros(0, dtype="S1"),
                                                            dtype=h5py.string_dtype()))


# ---- errors ----

def line_of(script, marker="the error is here"):
    with open(os.path.join(TESTDIR, script)) as f:
        for k, line in enumerate(f, 1):
            if marker in line:
                return k
    raise AssertionError(f"{script}: no marker")


def check_errors():
    for script, words in (("err_monitor_kind.lua", 'kind must be "tally" or "level"'),
                          ("err_monitor_record.lua", "is a level: m:record is for a tally monitor")):
        where = f"{script}:{line_of(script)}:"
        r = run("run", script)
        ok(r.returncode == 1 and f"kouan: {where}" in r.stderr and words in r.stderr,
           f"{script}: exit 1, {where} and the message", r.stderr)
        out = os.path.join(SCRATCH, script + ".h5")
        r = run("run", script, "--reps", "2", "-j", "1", "-o", out)
        ok(r.returncode == 1 and f"kouan: {where}" in r.stderr and not os.path.exists(out),
           f"{script} --reps 2: exit 1, {where}, no file", r.stderr)
    r = run("run", "port_small.lua", "-j", "2", "--no-output")
    ok(r.returncode == 2 and "-j: only with --uncertainty" in r.stderr, "-j on a port run: usage error", r.stderr)


# ---- facilities ----

TANK = [(1, "put", 3), (2, "get", 5), (3, "get", 4), (5, "put", 2)]  # facility_fixed.lua's schedules
BAY = [(0.5, "put", "a"), (1.5, "put", "b"), (2.5, "put", "c"), (4, "get"), (6, "get")]
TANK_CAP, TANK_INIT, BAY_CAP, FEND = 10, 4, 2, 8.0


def tank_state(t):
    """(level, puts waiting, gets waiting) after every event at or before t:
    a get waits while the level is short, and the waiting gets are served
    first come first served as puts arrive (no put ever waits here)."""
    level, waiting = TANK_INIT, []
    for when, how, x in TANK:
        if when > t:
            break
        if how == "put":
            level += x
        else:
            waiting.append(x)
        while waiting and waiting[0] <= level:
            level -= waiting.pop(0)
    return level, 0, len(waiting)


def bay_state(t):
    """(size, puts waiting, gets waiting) after every event at or before t:
    a put waits while the bay is full (no get ever waits here)."""
    size, waiting = 0, 0
    for when, how, *_ in BAY:
        if when > t:
            break
        if how == "put":
            waiting += 1
        else:
            size -= 1
        while waiting and size < BAY_CAP:
            waiting, size = waiting - 1, size + 1
    return size, waiting, 0


def tank_answers():
    """The container's statistics worked out from the schedule."""
    pts = [(k * 0.5, tank_state(k * 0.5)[0]) for k in range(int(FEND / 0.5) + 1)]
    mean = sum(v for _, v in pts[:-1]) * 0.5 / FEND  # every change is on the 0.5 grid
    # the get of 4 at 3 waits until the put at 5: waits 0 (the get at 2) and 2
    return {"capacity": TANK_CAP, "mean_level": mean, "min_level": 0, "max_level": 7, "level": 0,
            "amount_put": 5, "amount_got": 9, "puts": 2, "gets": 2, "mean_put_wait": 0, "mean_get_wait": 1,
            "max_get_wait": 2, "max_put_wait": 0, "puts_waiting": 0, "gets_waiting": 0,
            "puts_cancelled": 0, "gets_cancelled": 0}


def bay_answers():
    pts = [(k * 0.5, bay_state(k * 0.5)[0]) for k in range(int(FEND / 0.5) + 1)]
    mean = sum(v for _, v in pts[:-1]) * 0.5 / FEND
    # a in 0.5..4, b in 1.5..6: stays 3.5 and 4.5; c waits 2.5..4 at the gate
    return {"capacity": BAY_CAP, "mean_size": mean, "max_size": 2, "size": 1, "mean_stay": 4.0, "puts": 3,
            "gets": 2, "mean_put_wait": 0.5, "max_put_wait": 1.5, "mean_get_wait": 0, "max_get_wait": 0,
            "puts_waiting": 0, "gets_waiting": 0, "puts_cancelled": 0, "gets_cancelled": 0}


def check_fac_table(f, group, answers, state, label):
    g = f[group]
    names, cols, _ = fac_strings(g)
    st = g["stats"][...]
    for rr in range(st.shape[0]):
        got = dict(zip(cols, st[rr, 0]))
        bad = {k: (got.get(k), v) for k, v in answers.items() if got.get(k) is None or not close(got[k], v, 1e-12)}
        ok(not bad and set(cols) == set(answers), f"{label}: statistics of replication {rr + 1}",
           f"(got, want) {bad}; columns {cols}")
    ix, sr = g["series_index"][...], g["series"][...]
    a, n = ix[1, 0]
    got = [tuple(x) for x in sr[a:a + n]]
    expect = [(k * 0.5, *map(float, state(k * 0.5))) for k in range(int(FEND / 0.5) + 1)]
    ok(got == expect, f"{label}: (t, {'level' if group == 'containers' else 'size'}, puts waiting, gets "
       "waiting) at every 0.5 h", f"{got}\nwant {expect}")
    mean_col = "mean_level" if group == "containers" else "mean_size"
    ok(close(grid_average(sr[a:a + n], FEND), st[1, 0, cols.index(mean_col)], 1e-12),
       f"{label}: the series' average is {mean_col}")


def check_facilities():
    path = os.path.join(SCRATCH, "ffixed.h5")
    r = run("run", "facility_fixed.lua", "--reps", "2", "--sample-hours", "0.5", "-o", path)
    if not ok(r.returncode == 0, "facility_fixed.lua --reps 2 runs", r.stderr):
        return
    with h5py.File(path, "r") as f:
        ok(strings(f["containers/names"]) == ["tank"] and strings(f["stores/names"]) == ["bay", "late"],
           "the container and the stores, in creation order", str(list(f)))
        check_fac_table(f, "containers", tank_answers(), tank_state, "tank")
        check_fac_table(f, "stores", bay_answers(), bay_state, "bay")
        cols = strings(f["stores/columns"])
        late = f["stores/stats"][:, 1]
        ok(np.all(np.isinf(late[:, cols.index("capacity")])) and np.all(late[:, cols.index("puts")] == 1) and
           np.all(f["stores/series_index"][:, 1, 1] == 0), "a store made during the run: capacity +inf, its "
           "statistics, no series")
    rows = report_rows(r.stdout)
    ok(rows.get(("store", "late", "capacity")) == (math.inf, 0.0, 2) and
       rows.get(("container", "tank", "mean_level")) == (2.125, 0.0, 2) and
       rows.get(("store", "bay", "mean_stay")) == (4.0, 0.0, 2),
       "the table: an unbounded capacity as inf +- 0, the others exact", r.stdout)
    rep = run("report", path)
    ok(rep.returncode == 0 and rep.stdout == r.stdout, "kouan report prints what the run printed", rep.stderr)
    check_old_file()


def check_old_file():
    """A file without /containers and /stores, as kouan wrote before them."""
    path = os.path.join(SCRATCH, "fuel_old.h5")
    r = run("run", FUEL, "--reps", "3", "-o", path, "--quiet")
    if not ok(r.returncode == 0, "fuel_station.lua --reps 3 runs", r.stderr):
        return
    full = run("report", path)
    with h5py.File(path, "r+") as f:
        del f["containers"]
        del f["stores"]
    old = run("report", path)
    cut = re.sub(r"(?m)^container '[^']*'\n(  .*\n)*", "", full.stdout)
    ok(old.returncode == 0 and old.stdout == cut and "resource 'pumps'" in old.stdout and
       "container" not in old.stdout and "container 'reservoir'" in full.stdout,
       "a file without /containers and /stores is read: the same table without them", old.stdout + old.stderr)


{"jobs": check_jobs, "h5py": check_h5py, "fixed": check_fixed, "mm1": check_mm1, "damaged": check_damaged,
 "errors": check_errors, "facilities": check_facilities}[ARGS.group]()
shutil.rmtree(SCRATCH, ignore_errors=True)
tap.done()
