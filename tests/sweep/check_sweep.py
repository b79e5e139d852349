#!/usr/bin/python3
"""check_sweep.py — `kouan sweep` (docs/sweep.md) and its HDF5 sweep file
(docs/hdf5-schema.md), read back with h5py; prints TAP. Runs
/usr/bin/python3 (Debian's h5py and numpy live only there).

usage: check_sweep.py GROUP --kouan KOUAN [--root SRCROOT] [--tool mpiexec=PATH]   (tests/tap.py)
groups: design threads badpath failure resume file shard plot mpi (mpiexec: given or on PATH) boolean
points sobol mpikill (mpiexec: rank 1 killed mid-sweep, then --resume without mpirun)
"""
import itertools
import os
import re
import signal
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

tap.diag_lines = 40

ARGS = tap.parse_args(__doc__, ["design", "threads", "badpath", "failure", "resume", "file", "shard", "plot", "mpi",
                                "boolean", "points", "sobol", "mpikill"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
ENV = dict(os.environ, KOUAN_ROOT=ROOT)
TMP = tempfile.mkdtemp(prefix="kouan-sweep-")
SMALL = os.path.join(ROOT, "tests", "lua", "port_small.lua")


def design(name, method, factors, reps=2, seed=1, points=None, extra=""):
    path = os.path.join(TMP, name + ".lua")
    fl = ",\n".join("    " + f for f in factors)
    pts = f" points = {points}," if points is not None else ""
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'return sweep{{\n  scenario = "{SMALL}", era = "2017", reps = {reps}, seed = {seed},\n'
                f'  method = "{method}",{pts}{extra}\n  factors = {{\n{fl}\n  }},\n}}\n')
    return path


def sweep(*args, timeout=60):
    return tap.run([KOUAN, "sweep", *args], f"kouan sweep {' '.join(args)}", timeout=timeout, cwd=TMP, env=ENV)


def merge(output, *inputs):
    return tap.run([KOUAN, "sweep-merge", "-o", output, *inputs], timeout=120, cwd=TMP, env=ENV)


def out(name):
    return os.path.join(TMP, name + ".h5")


ADV = 'path = "ports.TST.advance_share"'
INS = 'path = "ports.TST.resources.inspection.capacity"'
SCAN = 'path = "ports.TST.scan_first_share"'


def group_design():
    # factorial: every combination, the last factor fastest
    d = design("fact", "factorial", [f"{{{ADV}, values = {{0.1, 0.3, 0.5}}}}",
                                     f"{{{INS}, values = {{1, 3}}}}",
                                     f"{{{SCAN}, min = 0.2, max = 0.8, levels = 2}}"])
    rc, so, se = sweep(d, "-o", out("fact"), "-j", "2")
    ok(rc == 0, "factorial sweep exits 0", se)
    with h5py.File(out("fact")) as f:
        m = f["design/matrix"][()]
        want = np.array(list(itertools.product([0.1, 0.3, 0.5], [1, 3], [0.2, 0.8])))
        ok(m.shape == (12, 3), "factorial: 3 x 2 x 2 = 12 points", m.shape)
        ok(np.array_equal(m, want), "factorial: the full product, last factor fastest", m)
        ok(f["design"].attrs["method"] == "factorial", "method attribute")
        ok([s.decode() for s in f["design/factors"][()]] ==
           ["ports.TST.advance_share", "ports.TST.resources.inspection.capacity", "ports.TST.scan_first_share"],
           "factor paths")
        ok(f["kpi/values"].shape[:2] == (12, 2), "KPI table points x replications", f["kpi/values"].shape)
    # one-at-a-time: the base, then each factor alone
    d = design("oat", "oat", [f"{{{ADV}, values = {{0.1, 0.3, 0.5}}}}",
                              f"{{{INS}, min = 1, max = 5, levels = 3}}"])
    rc, so, se = sweep(d, "-o", out("oat"), "-j", "2")
    ok(rc == 0, "oat sweep exits 0", se)
    with h5py.File(out("oat")) as f:
        m = f["design/matrix"][()]
        want = np.array([[0.1, 3], [0.3, 3], [0.5, 3], [0.1, 1], [0.1, 5]])
        ok(np.array_equal(m, want), "oat: base (first value, mid of range) then each factor alone", m)
    # Latin hypercube: one point per stratum per factor; integer paths rounded
    d = design("lhs", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{SCAN}, min = 0, max = 1}}",
                              f"{{{INS}, min = 1, max = 6}}"], points=10, reps=1, seed=7)
    rc, so, se = sweep(d, "-o", out("lhs"), "-j", "2")
    ok(rc == 0, "lhs sweep exits 0", se)
    with h5py.File(out("lhs")) as f:
        m = f["design/matrix"][()]
    ok(m.shape == (10, 3), "lhs: 10 points", m.shape)
    for j, (lo, hi) in enumerate([(0.1, 0.7), (0, 1)]):
        strata = np.floor((m[:, j] - lo) / (hi - lo) * 10).astype(int)
        ok(sorted(strata) == list(range(10)), f"lhs: factor {j + 1} has one point in each of the 10 strata", m[:, j])
    ok(np.all(m[:, 2] == np.round(m[:, 2])) and m[:, 2].min() >= 1 and m[:, 2].max() <= 6,
       "lhs: the integer factor (capacity) is rounded, within [min, max]", m[:, 2])
    rc, so, se = sweep(d, "-o", out("lhs2"), "-j", "1")
    with h5py.File(out("lhs2")) as f:
        ok(np.array_equal(f["design/matrix"][()], m), "lhs: the same seed gives the same design")
    d = design("lhs3", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{SCAN}, min = 0, max = 1}}",
                               f"{{{INS}, min = 1, max = 6}}"], points=10, reps=1, seed=8)
    sweep(d, "-o", out("lhs3"))
    with h5py.File(out("lhs3")) as f:
        ok(not np.array_equal(f["design/matrix"][()], m), "lhs: another seed gives another design")
    # Sobol: GSL's gsl_qrng_sobol from its first point, scaled to [min, max]
    d = design("sobol", "sobol", [f"{{{ADV}, min = 0, max = 1}}", f"{{{SCAN}, min = 0, max = 1}}",
                                  f"{{{ADV.replace('advance_share', 'scan_clear_prob')}, min = 0.5, max = 1}}"],
               points=6, reps=1)
    rc, so, se = sweep(d, "-o", out("sobol"))
    ok(rc == 0, "sobol sweep exits 0", se)
    gsl = np.array([[0.5, 0.5, 0.5], [0.75, 0.25, 0.75], [0.25, 0.75, 0.25],
                    [0.375, 0.375, 0.625], [0.875, 0.875, 0.125], [0.625, 0.125, 0.375]])
    gsl[:, 2] = 0.5 + 0.5 * gsl[:, 2]
    with h5py.File(out("sobol")) as f:
        m = f["design/matrix"][()]
    ok(np.array_equal(m, gsl), "sobol: the first 6 points equal GSL's Sobol sequence (3 dimensions)", m)


def group_threads():
    d = design("thr", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{INS}, values = {{1, 2, 3}}}}"],
               points=12, reps=3)
    t = {}
    for j in ("1", "2", "4"):
        t0 = time.time()
        rc, so, se = sweep(d, "-o", out("thr" + j), "-j", j)
        t[j] = time.time() - t0
        ok(rc == 0, f"-j {j} exits 0", se)
    print(f"# wall: -j1 {t['1']:.2f} s, -j2 {t['2']:.2f} s, -j4 {t['4']:.2f} s")
    with h5py.File(out("thr1")) as a, h5py.File(out("thr2")) as b, h5py.File(out("thr4")) as c:
        ka, kb, kc = (x["kpi/values"][()] for x in (a, b, c))
        ok(ka.tobytes() == kb.tobytes(), "-j 1 and -j 2: KPI tables byte-identical")
        ok(ka.tobytes() == kc.tobytes(), "-j 1 and -j 4: KPI tables byte-identical")
        cols = ["point", "replication", "seed", "status", "error"]
        ra, rb = a["runs"][()], b["runs"][()]
        ok(all(ra[c].tobytes() == rb[c].tobytes() for c in cols), "-j 1 and -j 2: /runs identical but wall time")
        ok(not np.isnan(ka).any(), "every KPI defined")
        ok(list(ra["seed"][:3]) == [1, 2, 3], "replication r runs with seed + r", ra["seed"][:3])
        # varying the factors changes the KPIs; common random numbers across points
        ok(len(set(ka[:, 0, -2, 1])) > 1, "the all-ports import mean differs across points")


def group_badpath():
    d = design("bad", "factorial", [f"{{{ADV}, values = {{0.1, 0.5}}}}",
                                    '{path = "ports.TST.advence_share", values = {0.1}}'])
    rc, so, se = sweep(d, "-o", out("bad"))
    ok(rc in (1, 2), "a bad parameter name exits 1 or 2", rc)
    ok("advence_share" in se and "advance_share" in se, "the message names the bad key and the nearest one", se)
    ok(not os.path.exists(out("bad")), "nothing is written: refused before any run")
    d = design("bad2", "factorial", ['{path = "ports.TSX.advance_share", values = {0.1}}'])
    rc, so, se = sweep(d, "-o", out("bad2"))
    ok(rc in (1, 2) and "TSX" in se and "TST" in se, "a bad port name is refused, naming the nearest port", se)
    d = design("bad3", "factorial", [f"{{{ADV}, valeus = {{0.1}}}}"])
    rc, so, se = sweep(d, "-o", out("bad3"))
    ok(rc == 2 and "valeus" in se and "values" in se, "a misspelt design key is refused with the nearest key", se)
    d = design("bad4", "latin", [f"{{{ADV}, values = {{0.1}}}}"])
    rc, so, se = sweep(d, "-o", out("bad4"))
    ok(rc == 2 and "latin" in se, "an unknown method is refused", se)
    for path, why, what in [("ports.TST.mode", "a choice", "a choice (the port's mode)"),
                             ("ports.TST.resources.documents", "opening hours", "a resource with opening hours"),
                             ("ports.TST.prep_time.sd", "(known: mean, cv)", "a key its distribution's family lacks")]:
        d = design("bad5", "factorial", [f'{{path = "{path}", values = {{1}}}}'])
        rc, so, se = sweep(d, "-o", out("bad5"))
        ok(rc == 2 and se.startswith("kouan: sweep: sweep.factors[1]: " + path) and why in se
           and not os.path.exists(out("bad5")), f"a path to {what} is refused before any run, saying why", se)
    rc, so, se = sweep(os.path.join(TMP, "missing.lua"))
    ok(rc == 2, "a missing design file exits 2", se)
    rc, so, se = sweep(d, "-j", "0")
    ok(rc == 2 and "-j" in se, "-j 0 is refused (exit 2)", se)

RBD = 'path = "ports.TST.release_before_duty"'
# The formats lua_pushfstring and luaL_error know (Lua 5.4 manual, lua_pushfstring).
LUA_FORMATS = set("%sdIfpcU")
LUA_FORMATTERS = (r"\b(lua_pushfstring|lua_pushvfstring|luaL_error|kou_host_usage_error)\s*\(\s*\w+\s*,\s*"
                  r'((?:"(?:[^"\\]|\\.)*"\s*)+)')


def lua_format_misuses(paths):
    """Each format option a Lua formatter does not know, as "FILE:LINE: %z"."""
    bad = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            src = f.read()
        for m in re.finditer(LUA_FORMATTERS, src):
            fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))).replace("%%", "")
            line = src[:m.start()].count("\n") + 1
            bad += [f"{os.path.relpath(path, ROOT)}:{line}: %{o}" for o in re.findall(r"%(.)", fmt)
                    if o not in LUA_FORMATS]
    return bad


def group_boolean():
    # values = {false, true}: one point per boolean, each run getting it
    d = design("bool", "factorial", [f"{{{RBD}, values = {{false, true}}}}"], reps=2)
    rc, so, se = sweep(d, "-o", out("bool"), "-j", "2")
    ok(rc == 0 and "invalid option" not in se, "values = {false, true} on a boolean: exit 0", se)
    d01 = design("bool01", "factorial", [f"{{{RBD}, values = {{0, 1}}}}"], reps=2)
    rc, so, se = sweep(d01, "-o", out("bool01"), "-j", "2")
    ok(rc == 0, "values = {0, 1} on a boolean: exit 0", se)
    with h5py.File(out("bool")) as a, h5py.File(out("bool01")) as b:
        ok(a["design/matrix"][()].ravel().tolist() == [0.0, 1.0], "the matrix holds false, true as 0, 1",
           a["design/matrix"][()])
        ok([x.decode() for x in a["design/factor_types"][()]] == ["boolean"]
           and [x.decode() for x in b["design/factor_types"][()]] == ["boolean"],
           "/design/factor_types says boolean, given as {false, true} or {0, 1}")
        ka = a["kpi/values"][()]
        ok(ka.tobytes() == b["kpi/values"][()].tobytes(), "{false, true} and {0, 1}: byte-identical KPIs")
        ok(not np.array_equal(ka[0], ka[1]), "the runs of true differ from those of false (the lever is set)")
    # a point at true alone gives the KPIs of the design's second point
    dt = design("booltrue", "factorial", [f"{{{RBD}, values = {{true}}}}"], reps=2)
    rc, so, se = sweep(dt, "-o", out("booltrue"), "-q")
    with h5py.File(out("booltrue")) as t:
        ok(rc == 0 and t["kpi/values"][()][0].tobytes() == ka[1].tobytes(),
           "values = {true}: the KPIs of the point at true", se)
    # booleans in one-at-a-time designs, with a boolean base; and a goods-level boolean in an lhs
    d = design("booloat", "oat", [f"{{{RBD}, values = {{false, true}}, base = true}}",
                                  '{path = "ports.TST.joint_inspection", values = {false, true}}'], reps=1)
    rc, so, se = sweep(d, "-o", out("booloat"), "-q")
    with h5py.File(out("booloat")) as f:
        ok(rc == 0 and f["design/matrix"][()].tolist() == [[1, 0], [0, 0], [1, 1]],
           "oat over two booleans, base = true: (true, false), (false, false), (true, true)", se)
    d = design("boollhs", "lhs", ['{path = "ports.TST.flows.freighter.goods.fresh.green_channel", '
                                  'values = {false, true}}'], reps=1, points=4)
    rc, so, se = sweep(d, "-o", out("boollhs"), "-q")
    ok(rc == 0, "lhs over a goods-level boolean (green_channel): exit 0", se)
    # mistakes: refused before any run, nothing written
    for name, factor, want in [
            ("boolnum", f"{{{ADV}, values = {{false, true}}}}", "ports.TST.advance_share takes a number in [0, 1]"),
            ("boolmix", f"{{{RBD}, values = {{0, true}}}}", "all numbers or all booleans"),
            ("boolbase", f"{{{ADV}, values = {{0.1}}, base = true}}", "base is a boolean"),
            ("boolstr", f'{{{RBD}, values = {{"yes"}}}}', "must be a number or a boolean (got string)")]:
        rc, so, se = sweep(design(name, "factorial", [factor]), "-o", out(name))
        ok(rc == 2 and want in se and "invalid option" not in se and not os.path.exists(out(name)),
           f"{name}: refused (exit 2) before any run: {want}", se)
    # every message of the design reader and the sweep command uses only formats Lua knows
    srcs = [os.path.join(ROOT, p) for p in ("core/lua/design_file.c", "core/lua/host.c", "core/lua/portset.c",
                                            "core/lua/fields.c", "core/cmd/sweep.c", "core/cmd/sweep_merge.c")]
    probe = os.path.join(TMP, "probe.c")
    with open(probe, "w", encoding="utf-8") as f:
        f.write('kou_host_usage_error(L, "%s.values[%zu] must be a number", where, k);\n')
    ok(lua_format_misuses([probe]) == [os.path.relpath(probe, ROOT) + ":1: %z"], "the format scan finds a %z")
    bad = lua_format_misuses(srcs)
    ok(not bad, "no format a Lua formatter does not know (%z, %u, %g, ...) in the sweep's sources", bad)


def group_failure():
    # max_in_system = 5 is allowed, but the runs of that point stop with an error
    d = design("fail", "factorial", ['{path = "max_in_system", values = {0, 5, 0}}'], reps=2)
    rc, so, se = sweep(d, "-o", out("fail"), "-j", "2")
    ok(rc == 1, "a sweep with failed runs exits 1", rc)
    ok("max_in_system" in se and "failed" in se, "the failure is reported on stderr", se)
    with h5py.File(out("fail")) as f:
        r = f["runs"][()]
        k = f["kpi/values"][()]
        ok(f.attrs["complete"] == 1, "the sweep still completes (complete = 1)")
        ok(list(r["status"]) == [1, 1, 2, 2, 1, 1], "the runs of the failing point are failed, the others ok",
           r["status"])
        err = r["error"][2].decode()
        ok("max_in_system = 5" in err, "the error text is the run's", err)
        ok(np.isnan(k[1]).all() and not np.isnan(k[0]).any() and not np.isnan(k[2]).any(),
           "failed runs are NaN in the KPI table, the others defined")
        ok(f.attrs["failed_runs"] == 2, "failed_runs = 2")


def group_points():
    # a long design whose last point is out of range: refused before any run, naming it
    d = design("range", "factorial", [f"{{{ADV}, values = {{0.1, 0.3, 0.5, 0.7, 1.5}}}}",
                                      '{path = "horizon_days", values = {365}}'], reps=4)
    t0 = time.time()
    rc, so, se = sweep(d, "-o", out("range"), "-j", "1")
    took = time.time() - t0
    ok(rc == 1, "a design with a value out of range exits 1", se)
    ok("point 5: sweep.factors[1] ports.TST.advance_share = 1.5: allowed a number in [0, 1]" in se
       and "range.lua" in se, "the message names the file, the point, the factor, the value and the range", se)
    ok(not os.path.exists(out("range")), "nothing is written")
    ok("failed" not in se and "point 1" not in se, "no run was started (no run failed, point 1 not named)", se)
    t1 = time.time()
    good = design("range1", "factorial", [f"{{{ADV}, values = {{0.1, 0.3, 0.5, 0.7}}}}",
                                          '{path = "horizon_days", values = {365}}'], reps=4)
    rc2, _, _ = sweep(good, "-q", "-o", out("range1"), "-j", "1")
    runs = time.time() - t1
    ok(rc2 == 0 and took < runs / 2, f"refused at once: {took:.2f} s, against {runs:.2f} s for the 16 good runs")
    # every bad point listed, each bad factor of it; a boolean's range; the model's cross-field checks
    d = design("range2", "factorial", [f"{{{ADV}, values = {{-0.5, 0.5, 2}}}}",
                                       f"{{{RBD}, values = {{0, 2}}}}"], reps=1)
    rc, so, se = sweep(d, "-o", out("range2"))
    bad = [ln.split(":")[0].strip() for ln in se.splitlines() if ln.startswith("  point ")]
    ok(rc == 1 and bad == ["point 1", "point 2", "point 2", "point 4", "point 5", "point 6", "point 6"]
       and "5 of 6 points refused" in se, "every bad point listed, once per bad factor", se)
    ok("ports.TST.release_before_duty = 2: allowed true or false" in se, "a boolean's range: true or false", se)
    d = design("range3", "oat", ['{path = "warmup_days", values = {2, 9}}'], reps=1)
    rc, so, se = sweep(d, "-o", out("range3"))
    ok(rc == 1 and "point 2: model: warmup_hours must be in" in se and not os.path.exists(out("range3")),
       "a point the model's cross-field checks refuse (warm-up >= horizon): found before any run", se)
    d = design("range4", "lhs", [f"{{{ADV}, min = 0.5, max = 1.2}}"], reps=1, points=6)
    rc, so, se = sweep(d, "-o", out("range4"))
    ok(rc == 1 and "of 6 points refused" in se and "allowed a number in [0, 1]" in se,
       "a range reaching out of the parameter's: the points beyond it refused", se)


def group_resume():
    # a design long enough to kill midway: 60 days of the small port per run
    d = design("res", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", '{path = "horizon_days", values = {120}}'],
               points=16, reps=2)
    t0 = time.time()
    rc, so, se = sweep(d, "-o", out("full"), "-j", "2")
    full = time.time() - t0
    ok(rc == 0, "uninterrupted sweep exits 0", se)
    partial = False
    for attempt, frac in enumerate([0.5, 0.3, 0.7, 0.4, 0.6]):
        path = out(f"killed{attempt}")
        p = tap.start([KOUAN, "sweep", d, "-o", path, "-j", "2"], cwd=TMP, env=ENV)
        time.sleep(full * frac)
        p.send_signal(signal.SIGKILL)
        p.finish()
        if not os.path.exists(path):
            continue
        with h5py.File(path) as f:
            st = f["runs"]["status"][()]
            complete = f.attrs["complete"]
        if 0 < (st != 0).sum() < len(st):
            partial = True
            break
    ok(partial, "SIGKILL midway leaves a readable file with some runs finished",
       f"full {full:.2f} s, attempts {attempt + 1}")
    if not partial:
        return
    ok(complete == 0, "the killed file says complete = 0")
    rc, so, se = sweep(d, "-o", path, "--resume", "-j", "2")
    ok(rc == 0, "--resume exits 0", se)
    ok("from the file" in so, "--resume reports the runs it kept", so)
    with h5py.File(out("full")) as a, h5py.File(path) as b:
        ok(a["kpi/values"][()].tobytes() == b["kpi/values"][()].tobytes(),
           "resumed KPI table byte-identical to the uninterrupted sweep's")
        ok(all(a["runs"][c][()].tobytes() == b["runs"][c][()].tobytes() for c in ("point", "replication", "seed", "status")),
           "resumed /runs equal (but wall time)")
        ok(b.attrs["complete"] == 1, "the resumed file says complete = 1")
    # Ctrl-C: exit 130, complete = 0, then --resume completes it
    ip = out("int")
    p = tap.start([KOUAN, "sweep", d, "-o", ip, "-j", "2"], cwd=TMP, env=ENV)
    time.sleep(full * 0.4)
    p.send_signal(signal.SIGINT)
    rc, _, se = p.finish()
    if rc == 130:
        with h5py.File(ip) as f:
            ok(f.attrs["complete"] == 0 and "interrupted" in se, "Ctrl-C: exit 130, complete = 0", se)
        rc, so, se = sweep(d, "-o", ip, "--resume", "-q")
        with h5py.File(out("full")) as a, h5py.File(ip) as b:
            ok(rc == 0 and a["kpi/values"][()].tobytes() == b["kpi/values"][()].tobytes(),
               "after Ctrl-C, --resume gives the uninterrupted table", se)
    else:
        ok(rc == 0, "Ctrl-C after the end: exit 0", rc)
    rc, so, se = sweep(d, "-o", path)
    ok(rc == 2 and "--resume" in se, "an existing sweep file is not overwritten without --force", se)
    d2 = design("res2", "lhs", [f"{{{ADV}, min = 0.1, max = 0.8}}", '{path = "horizon_days", values = {120}}'],
                points=16, reps=2)
    rc, so, se = sweep(d2, "-o", path, "--resume")
    ok(rc == 2 and "differs" in se, "--resume refuses a file of another design", se)


def group_file():
    d = design("file", "factorial", [f"{{{ADV}, values = {{0.1, 0.3, 0.5}}}}"], reps=2,
               extra=' kpi = {"count", "overall_mean", "overall_p90"},')
    rc, so, se = sweep(d, "-o", out("file"), "-j", "2")
    ok(rc == 0, "sweep exits 0", se)
    ok("standardized regression coefficients" in so and "advance_share" in so, "sensitivity summary printed", so)
    with h5py.File(out("file")) as f:
        names = []
        f.visititems(lambda n, o: names.append(n) if isinstance(o, h5py.Dataset) else None)
        for n in names:
            f[n][()]
        ok(set(names) >= {"design/matrix", "design/factors", "runs", "kpi/values", "kpi/groups", "kpi/metrics"},
           "every dataset reads with h5py", names)
        a = f.attrs
        for key in ("scenario_source", "design_source", "command_line", "complete", "kind", "schema_version"):
            ok(key in a, f"root attribute {key}")
        ok("port_small" in a["scenario_path"] and "small test port" in a["scenario_source"], "scenario source kept")
        ok("sweep{" in a["design_source"], "design source kept")
        ok("sweep" in a["command_line"], "command line kept", a["command_line"])
        ok([m.decode() for m in f["kpi/metrics"][()]] == ["count", "overall_mean", "overall_p90"],
           "kpi = {...} selects the metrics")
        groups = [g.decode() for g in f["kpi/groups"][()]]
        ok("all ports import" in groups and "all ports export" in groups, "all-ports groups present", groups)
        ok(f["kpi/values"].dtype == np.float64 and f["kpi/values"].shape == (3, 2, len(groups), 3),
           "KPI table float64, points x replications x groups x metrics", f["kpi/values"].shape)
        ok(f["runs"]["status"].tolist() == [1] * 6 and (f["runs"]["wall_seconds"][()] > 0).all(),
           "/runs: status ok and wall times")
        ok(f["kpi/values"][0, 0, groups.index("all ports import"), 0] > 0, "consignments counted")


def group_shard():
    d = design("shd", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{INS}, values = {{1, 2, 3}}}}"],
               points=7, reps=2)
    rc, so, se = sweep(d, "-o", out("shd-full"), "-j", "2")
    ok(rc == 0, "unsharded sweep exits 0", se)
    shards = []
    for i in (1, 2, 3):
        rc, so, se = sweep(d, "-o", out(f"shd{i}"), "--shard", f"{i}/3", "-j", "2")
        ok(rc == 0, f"--shard {i}/3 exits 0", se)
        shards.append(out(f"shd{i}"))
    with h5py.File(shards[1]) as f:
        st = f["runs"]["status"][()].reshape(7, 2)
        ok(f.attrs["shard"] == "2/3" and [p for p in range(7) if st[p].all()] == [1, 4] and
           not st[[0, 2, 3, 5, 6]].any(), "shard 2/3 holds points 2 and 5 (p mod 3 = 1)", st)
    rc, so, se = merge(out("shd-merged"), *shards)
    ok(rc == 0, "sweep-merge exits 0", se)
    with h5py.File(out("shd-full")) as a, h5py.File(out("shd-merged")) as b:
        ok(a["kpi/values"][()].tobytes() == b["kpi/values"][()].tobytes(),
           "merged KPI table byte-identical to the unsharded sweep's")
        ok(all(a["runs"][c][()].tobytes() == b["runs"][c][()].tobytes() for c in ("point", "replication", "seed", "status")),
           "merged /runs equal (but wall time)")
        ok(np.array_equal(a["design/matrix"][()], b["design/matrix"][()]) and b.attrs["complete"] == 1,
           "merged design and complete = 1")
        ok(b.attrs["design_source"] == a.attrs["design_source"], "merged file keeps the design source")
        ft = [x.decode() for x in b["design/factor_types"][()]]
        ok(ft == ["number", "integer"] and ft == [x.decode() for x in a["design/factor_types"][()]],
           "/design/factor_types: number, integer (an inspection capacity); kept by the merge", ft)
    rc, so, se = merge(out("shd-part"), *shards[:2])
    with h5py.File(out("shd-part")) as b:
        ok(rc == 1 and b.attrs["complete"] == 0 and "none of the inputs" in se,
           "a missing shard: exit 1, complete = 0", se)
    rc, so, se = merge(out("shd-dup"), shards[0], shards[0])
    ok(rc == 2 and "also in an earlier input" in se, "a run in two inputs is refused", se)
    rc, so, se = merge(out("shd-foreign"), shards[0], out("shd-full") + ".nope")
    ok(rc == 2 and "not a kouan sweep file" in se, "a missing input is refused", se)
    rc, so, se = sweep(d, "--shard", "4/3")
    ok(rc == 2 and "--shard" in se, "--shard 4/3 is refused", se)


def mpirun(n, *args, timeout=120):
    return tap.run([tap.tool("mpiexec", required=True), "-n", str(n), KOUAN, "sweep", *args],
                   f"mpiexec -n {n} kouan sweep {' '.join(args)}", timeout=timeout, cwd=TMP, env=ENV)


def same_results(a_path, b_path, what):
    cols = ["point", "replication", "seed", "status", "error"]
    with h5py.File(a_path) as a, h5py.File(b_path) as b:
        ok(a["kpi/values"][()].tobytes() == b["kpi/values"][()].tobytes(),
           f"{what}: /kpi/values byte-identical to -j 1")
        ra, rb = a["runs"][()], b["runs"][()]
        ok(all(ra[c].tobytes() == rb[c].tobytes() for c in cols), f"{what}: /runs identical but wall time")
        ok(a.attrs["complete"] == 1 and a.attrs["failed_runs"] == b.attrs["failed_runs"],
           f"{what}: complete = 1, same failed_runs")


def group_mpi():
    d = design("mpi", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{INS}, values = {{1, 2, 3}}}}"],
               points=7, reps=3)
    rc, so, se = sweep(d, "-o", out("mpi-b"), "-j", "1")
    ok(rc == 0 and " s with 1 thread\n" in so, "kouan sweep -j 1 exits 0, 'with 1 thread'", so + se)
    rc, so, se = mpirun(2, d, "-o", out("mpi-a"))
    ok(rc == 0, "mpiexec -n 2 kouan sweep exits 0", se)
    ok(so.count("results in") == 1 and "21 runs" in so, "only rank 0 prints the summary", so)
    ok(re.search(r" s on 2 ranks x \d+ threads?\n", so), "the summary says the ranks and the threads (default -j)",
       so)
    same_results(out("mpi-a"), out("mpi-b"), "2 ranks")
    with h5py.File(out("mpi-a")) as f:
        ok(f.attrs["mpi_ranks"] == 2, "the file records mpi_ranks = 2")
    rc, so, se = mpirun(2, d, "-o", out("mpi-a2"), "-j", "2")
    ok(rc == 0, "mpiexec -n 2 kouan sweep -j 2 exits 0", se)
    ok(so.count("results in") == 1 and "on 2 ranks x 2 threads" in so, "the summary: on 2 ranks x 2 threads", so)
    same_results(out("mpi-a2"), out("mpi-b"), "2 ranks x 2 threads")
    # failed runs travel to rank 0 with their error text
    f = design("mpif", "factorial", ['{path = "max_in_system", values = {0, 5, 0}}'], reps=3)
    rc, so, se = sweep(f, "-o", out("mpif-b"), "-j", "1")
    ok(rc == 1, "failing design, -j 1: exit 1", se)
    rc, so, se = mpirun(2, f, "-o", out("mpif-a"))
    ok(rc != 0 and se.count("failed:") == 3, "failing design, 2 ranks: non-zero exit, rank 0 reports 3 failures",
       se)
    same_results(out("mpif-a"), out("mpif-b"), "failing design, 2 ranks")
    rc, so, se = mpirun(2, d, "-o", out("mpi-a"), "--resume")
    ok(rc == 2 and "--resume" in se and "mpirun" in se, "--resume under mpirun is refused", se)
    # without mpirun, the MPI build never initialises MPI
    env = {k: v for k, v in ENV.items() if not k.startswith(("OMPI_COMM_WORLD", "PMIX_", "PMI_"))}
    rc, so, se = tap.run([KOUAN, "sweep", d, "-o", out("mpi-plain"), "-j", "2"],
                         timeout=60, cwd=TMP, env=env)
    ok(rc == 0 and "with 2 threads" in so and "ranks" not in so, "plain kouan sweep (no mpirun): exit 0, "
       "'with 2 threads', no ranks", so)
    same_results(out("mpi-plain"), out("mpi-b"), "plain run of the MPI build")


def run_numbers(text):
    """{7, 9, 10, 11, 12} from "7, 9-12" (runs from 1)."""
    runs = set()
    for part in text.split(", "):
        a, _, b = part.partition("-")
        runs.update(range(int(a), int(b or a) + 1))
    return runs


def group_mpikill():
    # rank 1 dies of SIGKILL after sending its 3rd run (KOUAN_FAULT_MPI_KILL, a test-only hook of
    # core/cmd/sweep.c); mpirun then sends SIGTERM to rank 0, which writes what it has and says what is missing
    d = design("mkill", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{INS}, values = {{1, 2, 3}}}}"],
               points=10, reps=2)
    rc, so, se = sweep(d, "-o", out("mkill-full"), "-j", "1", "-q")
    ok(rc == 0, "uninterrupted kouan sweep -j 1 exits 0", se)
    for j in ("1", "2"):
        path = out("mkill-" + j)
        env = dict(ENV, KOUAN_FAULT_MPI_KILL="1:3")
        rc, so, se = tap.run([tap.tool("mpiexec", required=True), "-n", "2", KOUAN, "sweep", d, "-o", path, "-j", j],
                             f"mpiexec -n 2 kouan sweep -j {j}, rank 1 killed", timeout=120, cwd=TMP, env=env)
        m = re.search(r"kouan sweep: interrupted \(signal 15\): runs? ([0-9, -]+) of 20 missing; (\S+) holds the "
                      r"(\d+) finished runs and says complete = 0; finish with (kouan sweep .* --resume)\n", se)
        ok(rc != 0 and m, f"-j {j}: non-zero exit, rank 0 says which runs are missing and how to finish", f"rc {rc}\n{se}")
        if not m:
            continue
        missing = run_numbers(m.group(1))
        with h5py.File(path) as f:
            st = f["runs"]["status"][()]
            done = {i + 1 for i in range(len(st)) if st[i] != 0}
            ok(f.attrs["complete"] == 0 and done == set(range(1, 21)) - missing and len(done) == int(m.group(3))
               and 8 in missing and 0 < len(done),  # run 8: rank 1's 4th, never run
               f"-j {j}: the file reads, complete = 0, and holds exactly the runs not said missing", f"{done} {missing}")
        cmd = m.group(4).split()
        ok(cmd[2:] == [d, "-o", path, "--resume"], f"-j {j}: the resume command names the design and the file", cmd)
        rc, so, se = tap.run([KOUAN] + cmd[1:] + ["-j", "2"], timeout=60, cwd=TMP, env=ENV)
        ok(rc == 0 and f"{20 - len(done)} run now, {len(done)} from the file" in so,
           f"-j {j}: --resume without mpirun runs only the missing runs", so + se)
        same_results(out("mkill-full"), path, f"-j {j}, killed rank then --resume")


def group_plot():
    import importlib.util
    import struct
    d = design("plot", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{SCAN}, min = 0, max = 1}}"],
               points=8, reps=2)
    png = os.path.join(TMP, "plot.png")
    rc, so, se = sweep(d, "-o", out("plot"), "-j", "2", "--plot", png)
    ok(rc == 0 and os.path.exists(png) and os.path.getsize(png) > 10000, "--plot writes a PNG of > 10 kB", se)
    if os.path.exists(png):
        with open(png, "rb") as f:
            w, h = struct.unpack(">II", f.read(24)[16:24])
        ok(abs(w / h - 16 / 9) < 0.01, f"16:9 ({w}x{h})")
    # the chart's coefficients (numpy, from the file) equal the ones kouan printed (C)
    spec = importlib.util.spec_from_file_location("kouan_plot", os.path.join(ROOT, "scripts", "kouan_plot.py"))
    kp = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(kp)
    with h5py.File(out("plot")) as f:
        metrics = [m.decode() for m in f["kpi/metrics"][()]]
        gi = [g for g in range(len(f["kpi/group_port"])) if f["kpi/group_port"][g] < 0
              and f["kpi/group_direction"][g] == 0][0]
        y = np.nanmean(f["kpi/values"][()][:, :, gi, metrics.index("overall_mean")], axis=1)
        coef, r2, n = kp.standardized_coefficients(np, f["design/matrix"][()], y)
    printed = {}
    for line in so.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith("ports."):
            printed[parts[1]] = float(parts[0])
    ok(len(printed) == 2 and abs(printed["ports.TST.advance_share"] - coef[0]) < 6e-4
       and abs(printed["ports.TST.scan_first_share"] - coef[1]) < 6e-4,
       f"the plotted coefficients {np.round(coef, 3)} equal the printed {printed}", so)
    # --group/--metric: the chart is about the KPI the printed table is about (SVG text: matplotlib writes
    # each text drawn as paths after an XML comment holding it)
    def svg_texts(path):
        with open(path, encoding="utf-8") as f:
            return re.findall(r"<!-- (.*?) -->", f.read())

    svg_default, svg_kpi = os.path.join(TMP, "plot-default.svg"), os.path.join(TMP, "plot-kpi.svg")
    rc, so_default, se = sweep(d, "-o", out("plot-default"), "--plot", svg_default)
    ok(rc == 0 and os.path.exists(svg_default), "--plot F.svg writes the default chart", se)
    rc, so, se = sweep(d, "-o", out("plot-kpi"), "--plot", svg_kpi, "--group", "TST air import",
                       "--metric", "overall_p90")
    ok(rc == 0 and os.path.exists(svg_kpi), "--plot with --group/--metric writes a chart", se)
    if os.path.exists(svg_default) and os.path.exists(svg_kpi):
        dt, kt = svg_texts(svg_default), svg_texts(svg_kpi)
        ok(dt != kt, "the --group/--metric chart's text is not the default one's")
        ok(any("all ports import" in t and "overall_mean (h)" in t for t in dt)
           and not any("TST air import" in t for t in dt), "the default chart names all ports import, overall_mean (h)",
           dt)
        ok(any("TST air import" in t and "overall_p90 (h)" in t for t in kt)
           and any(t.startswith("what moves the p90 overall clearance time (h) of TST air import") for t in kt)
           and not any("all ports" in t or "overall_mean" in t for t in kt),
           "the --group/--metric chart's titles name TST air import and overall_p90 with its unit, nothing else", kt)
        printed = [f"{float(line.split()[0]):+.3f}" for line in so.splitlines()
                   if len(line.split()) == 2 and line.split()[1].startswith("ports.")]
        drawn = [t.strip() for t in kt if re.fullmatch(r"\s+[-+][0-9]\.[0-9]{3}\s+", t)]  # the bar labels
        ok(len(printed) == 2 and sorted(drawn) == sorted(printed),
           f"the chart's coefficients {drawn} are the printed table's {printed}", so)
    # a bad --group/--metric with --plot: refused before any run, the nearest name, no chart, no file
    for opt, bad, near in [("--group", "TST air imprt", "TST air import"), ("--metric", "overall_p09", "overall_p90")]:
        svg_bad = os.path.join(TMP, "plot-bad.svg")
        rc, so, se = sweep(d, "-o", out("plot-bad"), "--plot", svg_bad, opt, bad)
        ok(rc == 2 and f"{opt}: unknown" in se and f"did you mean '{near}'?" in se and not os.path.exists(svg_bad)
           and not os.path.exists(out("plot-bad")) and "runs" not in so,
           f"--plot {opt} '{bad}': exit 2 before any run, names '{near}', no chart, no sweep file", so + se)
    # the one overwrite rule (README.md): an existing chart refused before any run, unless --force
    mine = os.path.join(TMP, "mine.svg")
    with open(mine, "w", encoding="utf-8") as f:
        f.write("mine\n")
    rc, so, se = sweep(d, "-o", out("plot-again"), "--plot", mine)
    ok(rc == 2 and f"--plot {mine}: {mine} exists: refusing to overwrite it; --force overwrites it" in se
       and open(mine, encoding="utf-8").read() == "mine\n" and not os.path.exists(out("plot-again")),
       "--plot over an existing file: exit 2 before any run, the file kept, --force named", se)
    rc, so, se = sweep(d, "-o", out("plot-kpi"), "--plot", mine, "--resume")
    ok(rc == 2 and "choose another name" in se and open(mine, encoding="utf-8").read() == "mine\n",
       "--plot over an existing file with --resume: exit 2, another name asked for (--force excludes --resume)", se)
    rc, so, se = sweep(d, "-o", out("plot-again"), "--plot", mine, "--force")
    ok(rc == 0 and open(mine, encoding="utf-8").read().startswith("<?xml"), "--plot --force: the chart rewritten", se)
    # the script by hand (a merged sweep): the same options, a typo named
    rc, so, se = tap.run(["/usr/bin/python3", os.path.join(ROOT, "scripts", "kouan_plot.py"), out("plot-kpi"),
                          os.path.join(TMP, "plot-hand.svg"), "--group", "TST air imprt"], timeout=60, env=ENV)
    ok(rc == 1 and "--group: unknown KPI group 'TST air imprt'" in se and "did you mean 'TST air import'?" in se,
       "kouan_plot.py --group typo: exit 1, the nearest group", se)
    rc, so, se = sweep(d, "-o", out("plot2"), "--plot", os.path.join(TMP, "plot.txt"))
    ok(rc == 2 and ".png or .svg" in se, "--plot to a .txt: exit 2", se)
    rc, so, se = sweep(d, "-o", out("plot3"), "--shard", "1/2", "--plot", png)
    ok(rc == 2 and "sweep-merge" in se, "--plot with --shard: exit 2, says to merge first", se)


def sobol_numpy(y, n, k):
    """S_i (Saltelli 2010, f(B) centred) and S_Ti (Jansen 1999) of y in the Saltelli design's row order."""
    a, b = y[:n], y[n:2 * n]
    m, v = np.mean(np.r_[a, b]), np.var(np.r_[a, b], ddof=1)
    ab = [y[(i + 2) * n:(i + 3) * n] for i in range(k)]
    return ([np.mean((b - m) * (ab[i] - a)) / v for i in range(k)],
            [np.mean((a - ab[i]) ** 2) / 2 / v for i in range(k)])


def printed_sobol(so):
    """{factor path: (S_i, S_Ti)} from the summary's Sobol lines."""
    got = {}
    for line in so.splitlines():
        m = re.match(r"\s+(-?[0-9.]+) \[.*\]\s+(-?[0-9.]+) \[.*\]\s+(ports\.\S+)$", line)
        if m:
            got[m.group(3)] = (float(m.group(1)), float(m.group(2)))
    return got


def group_sobol():
    n, k = 16, 3
    d = design("sal", "saltelli", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{SCAN}, min = 0, max = 1}}",
                                   f"{{{INS}, values = {{1, 2, 3}}}}"], points=n, reps=2)
    rc, so, se = sweep(d, "-o", out("sal"), "-j", "2")
    ok(rc == 0, "saltelli sweep exits 0", se)
    ok("Sobol indices (16 base points" in so and "first order" in so, "summary: the Sobol indices", so)
    with h5py.File(out("sal")) as f:
        m = f["design/matrix"][()]
        ok(m.shape == (n * (k + 2), k), f"saltelli: N (k + 2) = {n * (k + 2)} points", m.shape)
        a, b = m[:n], m[n:2 * n]
        blocks = all(np.array_equal(m[(i + 2) * n:(i + 3) * n], np.where(np.arange(k) == i, b, a))
                     for i in range(k))
        ok(blocks, "saltelli: block AB_i is A with column i from B")
        ok(np.allclose(a[0], [0.4, 0.5, 2]) and np.allclose(b[0], [0.4, 0.5, 2]),
           "saltelli: A and B start at GSL's first Sobol point (the middle)", m[:2])
        metrics = [x.decode() for x in f["kpi/metrics"][()]]
        groups = [x.decode() for x in f["kpi/groups"][()]]
        y = np.mean(f["kpi/values"][()][:, :, groups.index("all ports import"), metrics.index("overall_mean")],
                    axis=1)
        s1, st = sobol_numpy(y, n, k)
        g = f["sensitivity"]
        ok(g.attrs["group"] == "all ports import" and g.attrs["metric"] == "overall_mean"
           and g.attrs["base_points"] == n, "/sensitivity: group, metric, base points", dict(g.attrs))
        ok(np.allclose(g["first_order"][()], s1) and np.allclose(g["total_order"][()], st),
           f"/sensitivity: the indices numpy computes from /kpi/values ({np.round(s1, 3)}, {np.round(st, 3)})")
        ok(np.all(g["first_order_lo"][()] <= g["first_order"][()] + 1e-12)
           and np.all(g["total_order_hi"][()] >= g["total_order"][()] - 1e-12), "/sensitivity: intervals")
        pr = printed_sobol(so)
        ok(len(pr) == k and all(abs(pr[p][0] - s1[i]) < 6e-4 and abs(pr[p][1] - st[i]) < 6e-4
                                for i, p in enumerate([x.decode() for x in f["design/factors"][()]])),
           "the printed indices are the file's", so)
    # another group and metric
    rc, so, se = sweep(d, "-o", out("sal2"), "--group", "TST air import", "--metric", "overall_p90")
    ok(rc == 0 and "sensitivity of TST air import, overall_p90" in so, "--group/--metric: the summary says so", so)
    with h5py.File(out("sal2")) as f:
        metrics = [x.decode() for x in f["kpi/metrics"][()]]
        groups = [x.decode() for x in f["kpi/groups"][()]]
        y = np.mean(f["kpi/values"][()][:, :, groups.index("TST air import"), metrics.index("overall_p90")], axis=1)
        s1, st = sobol_numpy(y, n, k)
        g = f["sensitivity"]
        ok(g.attrs["group"] == "TST air import" and g.attrs["metric"] == "overall_p90"
           and np.allclose(g["first_order"][()], s1, equal_nan=True)
           and np.allclose(g["total_order"][()], st, equal_nan=True), "--group/--metric: the file's indices")
    # typos and metrics not kept: exit 2 before any run, the nearest name
    rc, so, se = sweep(d, "-o", out("sal3"), "--group", "TST air imprt")
    ok(rc == 2 and "did you mean 'TST air import'?" in se and not os.path.exists(out("sal3")),
       "--group typo: exit 2, the nearest group, no file", se)
    rc, so, se = sweep(d, "-o", out("sal3"), "--metric", "overall_p09")
    ok(rc == 2 and "did you mean 'overall_p90'?" in se, "--metric typo: exit 2, the nearest metric", se)
    rc, so, se = sweep(d, "-o", out("sal3"), "--group", "nowhere")
    ok(rc == 2 and "known: 'TST air import'" in se, "--group far from any: the groups listed", se)
    d2 = design("salk", "saltelli", [f"{{{ADV}, min = 0.1, max = 0.7}}"], points=4, reps=1,
                extra=' kpi = {"count", "overall_mean"},')
    rc, so, se = sweep(d2, "-o", out("sal4"), "--metric", "overall_p90")
    ok(rc == 2 and "not kept by the design's sweep.kpi" in se, "--metric not kept: exit 2, says so", se)
    # an lhs design: regression only, no /sensitivity; the metric chosen
    d3 = design("sallhs", "lhs", [f"{{{ADV}, min = 0.1, max = 0.7}}", f"{{{SCAN}, min = 0, max = 1}}"],
                points=8, reps=1)
    rc, so, se = sweep(d3, "-o", out("sal5"), "--metric", "customs_mean")
    ok(rc == 0 and "sensitivity of all ports import, customs_mean" in so and "Sobol" not in so,
       "lhs: --metric, regression only", so)
    with h5py.File(out("sal5")) as f:
        ok("sensitivity" not in f, "lhs: no /sensitivity")
    rc, so, se = sweep(design("salnp", "saltelli", [f"{{{ADV}, min = 0.1, max = 0.7}}"]), "-o", out("sal6"))
    ok(rc == 2 and "points" in se, "saltelli without points: exit 2", se)


{"mpikill": group_mpikill, "sobol": group_sobol, "plot": group_plot, "mpi": group_mpi, "shard": group_shard, "design": group_design, "threads": group_threads,
 "badpath": group_badpath, "boolean": group_boolean,
 "points": group_points, "failure": group_failure, "resume": group_resume, "file": group_file}[ARGS.group]()
tap.done()
