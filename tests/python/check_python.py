"""check_python.py — the Python package python/kouan (docs/analysis.md):
its DataFrames against h5py reads of the same files and against what
kouan prints, on small real files made here with the kouan under test.

groups:
  run       a run file (port_small.lua, --reps 2): kpis, kpi_summary
            against the printed table, consignments (flag_bits, dates,
            the KPIs recomputed), timeseries, units, names
  sweep     a 2x2 factorial sweep: one row per point x replication with
            factor columns, against /kpi/values and the printed mean
  sobol     a saltelli sweep: sensitivity() equals /sensitivity,
            sobol(group, metric) equals what kouan sweep --group --metric
            stores, its intervals hold it; a sharded and merged sweep
            (no /sensitivity): sobol() equals the unsharded one's
            stored indices; factor columns typed; the estimator on the Ishigami
            function against its exact indices; the refusals
  compare   2017 against 2021: table, kpis, verdicts against the file and
            the printed table; port_zh (a scenario's name_zh) in groups()
            and table(), and a run file's ports() name_zh
  process   process runs (mmc.lua, rail_yard.lua, fuel_station.lua):
            resources, stores, containers, monitors and series against the
            file and the printed table
  errors    kouan.open on a missing file, a non-HDF5 file, an HDF5 file
            kouan did not write; pd.read_hdf cannot read a kouan file
  doc       the python blocks of docs/analysis.md, run in order after its
            sh blocks (the doc runs)
  researcher the same for docs/researcher.md (its short mode); the
            design file it shows is the tree's; its chart and CSV
  researchermpi  the mpirun line of docs/researcher.md (mpiexec: --tool
            or PATH): the summary names the ranks, the file is complete
  install   python3 -m venv --system-site-packages, pip install --no-deps
            --no-build-isolation ./python (no network), import from there

Runs under /usr/bin/python3 (Debian's h5py and pandas); without pandas
every group is skipped.
"""
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["run", "sweep", "sobol", "researcher", "researchermpi", "compare", "process", "errors", "doc", "install"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
ENV = dict(os.environ, KOUAN_ROOT=ROOT)
TMP = tempfile.mkdtemp(prefix="kouan-python-")
SMALL = os.path.join(ROOT, "tests", "lua", "port_small.lua")

try:
    import h5py
    import numpy as np
    import pandas as pd
except ImportError as e:
    tap.skip("the kouan Python package", f"no {e.name} for {sys.executable}")
    tap.done()

sys.path.insert(0, os.path.join(ROOT, "python"))
import kouan  # noqa: E402


def kouan_run(*args, timeout=120):
    rc, out, err = tap.run([KOUAN, *args], timeout=timeout, cwd=TMP, env=ENV)
    if not ok(rc == 0, f"kouan {' '.join(os.path.basename(a) for a in args)}", err):
        tap.done()
    return out


def printed_rows(out):
    """The printed KPI table of kouan run: {(group header, label): (value,
    unit)}, the group header as printed ("TST, air, import")."""
    rows, head = {}, None
    for line in out.splitlines():
        if line and not line.startswith(" ") and line.count(",") == 2 and "(" not in line:
            head = line.strip()
            continue
        m = re.match(r"^\s+(\S.*?)\s{2,}(-?[\d.]+)(?: ± \S+)?\s*(h|%|CNY)?$", line)
        if head and m:
            rows[(head, m.group(1))] = (float(m.group(2)), m.group(3) or "")
    return rows


def no_bytes(df):
    """Whether no object column of df holds bytes."""
    return not any(isinstance(x, bytes) for c in df.columns if df[c].dtype == object for x in df[c])


def group_run():
    h5 = os.path.join(TMP, "run.h5")
    out = kouan_run("run", SMALL, "--reps", "2", "-o", h5)
    f = kouan.open(h5)
    raw = h5py.File(h5, "r")
    ok(isinstance(f, kouan.RunFile) and f.kind == "run", "a run file opens as a RunFile")
    ok(f.start_date == pd.Timestamp("2017-01-02"), "start_date as a Timestamp", f.start_date)
    k = f.kpis()
    R, G, M = raw["summary/group_values"].shape
    ok(len(k) == R * G, "kpis: one row per replication x group", (len(k), R, G))
    ok(list(k.columns[-M:]) == [s.decode() if isinstance(s, bytes) else s
                                for s in raw["summary"].attrs["metric_names"]], "kpis: a column per metric")
    v = raw["summary/group_values"][...].reshape(R * G, M)
    ok(np.allclose(k[f.metrics].to_numpy(), v, equal_nan=True), "kpis equal /summary/group_values")
    ok(set(k["group"]) == {"TST air import", "TST road export", "all ports import", "all ports export"},
       "kpis: group labels", sorted(set(k["group"])))
    ok(list(k["seed"][::G]) == [1, 2], "kpis: seed = seed + replication")
    units = k.attrs.get("units", {})
    ok(all(units.get(m) for m in f.metrics), "every metric column has a unit", units)
    ok(units["overall_mean"] == "h" and units["inspection_rate"] == "fraction" and units["cost_mean"] == "CNY",
       "units: h, fraction, CNY", units)
    ok(no_bytes(k), "kpis: names are str")

    # the summary against the printed table (shares: fractions here, % there)
    s = f.kpi_summary()
    rows = printed_rows(out)
    checked, bad = 0, []
    for _, r in s.iterrows():
        head = f"{r['port']}, {r['mode']}, {r['direction']}"
        key = (head, r["label"])
        if key not in rows or r["port"] == "all ports":
            continue
        val, unit = rows[key]
        mine = r["mean"] * (100 if r["unit"] == "fraction" else 1)
        checked += 1
        if abs(mine - val) > 0.006 + 1e-9 * abs(val) or (unit == "%") != (r["unit"] == "fraction"):
            bad.append((key, mine, val, unit, r["unit"]))
    ok(checked >= 28 and not bad, f"kpi_summary: {checked} means equal the printed table (% = 100 x fraction)",
       bad or rows)
    ok(np.allclose(s["mean"], k.groupby(["group"], sort=False)[f.metrics].mean().to_numpy().ravel(),
                   equal_nan=True),
       "kpi_summary's mean = the mean of kpis over replications")

    # consignments
    c = f.consignments()
    raw_c = raw["consignments"][...]
    ok(len(c) == len(raw_c), "consignments: one row per /consignments row")
    ok("flags" not in c.columns and "flag_bits" in c.columns, "no 'flags' column; flag_bits instead",
       list(c.columns))
    ok(np.array_equal(c["flag_bits"].to_numpy(), raw_c["flags"].astype(np.int64)), "flag_bits = /consignments.flags")
    ok(np.array_equal(c["inspected"].to_numpy(), (raw_c["flags"] & 2) != 0)
       and np.array_equal(c["manual"].to_numpy(), (raw_c["flags"] & 16) != 0) and c["inspected"].dtype == bool,
       "flag booleans follow flag_bits (inspected = bit 2, manual = bit 16)")
    ok(str(c["time_arrival"].dtype) == "datetime64[ns]", "time_arrival is datetime64", c["time_arrival"].dtype)
    back = (c["time_released"] - f.start_date) / pd.Timedelta(hours=1)
    ok(np.allclose(back, c["t_released"], atol=1e-6, equal_nan=True)
       and c["time_released"].isna().equals(c["t_released"].isna()),
       "time_X = start_date + t_X hours (NaT where NaN)")
    ok(c["time_border_done"].isna().all() == np.isnan(raw_c["t_border_done"]).all(), "NaN milestones are NaT")
    ok(no_bytes(c) and set(c["mode"]) <= {"air", "road"} and set(c["direction"]) == {"import", "export"}
       and set(c["flow"]) <= {"freighter", "trucks out"}, "consignments: names decoded",
       (set(c["mode"]), set(c["flow"])))
    per = c.groupby(["replication", "port", "mode", "direction"]).agg(
        n=("id", "size"), overall=("overall", "mean"), inspection=("inspected", "mean"), cost=("cost", "mean"))
    kk = k[k["port"] != "all ports"].set_index(["replication", "port", "mode", "direction"])
    ok(np.allclose(per["n"], kk.loc[per.index, "count"]), "count per group = consignments rows")
    ok(np.allclose(per["overall"], kk.loc[per.index, "overall_mean"], rtol=1e-9),
       "overall_mean = mean of consignments' overall (t_released - t_arrival)")
    ok(np.allclose(per["inspection"], kk.loc[per.index, "inspection_rate"]) and
       np.allclose(per["cost"], kk.loc[per.index, "cost_mean"]),
       "inspection_rate (a fraction) and cost_mean (CNY) from the consignments")

    # other tables
    ts = f.timeseries()
    ok(len(ts) == len(raw["timeseries"]) and str(ts["time"].dtype) == "datetime64[ns]"
       and (ts["time"] == f.start_date + pd.to_timedelta(ts["t"], unit="h")).all(),
       "timeseries: a time column from start_date")
    ok(set(ts["resource"]) == {"documents", "gate", "handling", "inspection", "scanner"}, "timeseries: resource names",
       set(ts["resource"]))
    res = f.resources()
    ok(len(res) == 2 * 5 and res.attrs["units"]["utilisation"] == "fraction"
       and np.allclose(res[["capacity_mean", "utilisation", "mean_queue", "mean_wait", "served"]].to_numpy(),
                       raw["summary/resource_values"][...].reshape(10, 5), equal_nan=True),
       "resources equal /summary/resource_values")
    car, un = f.carriers(), f.handling_units()
    ok(len(car) == len(raw["carriers"]) and len(un) == len(raw["units"]) and "time_done" in car
       and no_bytes(car), "carriers and handling units")
    p = f.parameters()
    ok(p.set_index("path").loc["horizon_days", "value"] == 9 and p.set_index("path").loc["horizon_days", "unit"] == "d",
       "parameters: path, value, unit")
    f.close()


def group_sweep():
    d = os.path.join(TMP, "sw.lua")
    with open(d, "w", encoding="utf-8") as fh:
        fh.write(f'return sweep{{\n  scenario = "{SMALL}", era = "2017", reps = 2, seed = 1,\n'
                 '  method = "factorial",\n  factors = {\n'
                 '    {path = "ports.TST.advance_share", values = {0.1, 0.5}},\n'
                 '    {path = "ports.TST.resources.inspection.capacity", values = {1, 2}},\n  },\n}\n')
    h5 = os.path.join(TMP, "sw.h5")
    out = kouan_run("sweep", d, "-o", h5, "-j", "2")
    f = kouan.open(h5)
    raw = h5py.File(h5, "r")
    ok(isinstance(f, kouan.SweepFile), "a sweep file opens as a SweepFile")
    ok(f.factors == ["ports.TST.advance_share", "ports.TST.resources.inspection.capacity"] and f.method == "factorial",
       "factors and method", (f.factors, f.method))
    P, R, G, M = raw["kpi/values"].shape
    k = f.kpis(group="all ports import")
    ok(len(k) == P * R, "kpis(group=...): one row per point x replication", len(k))
    ok(all(c in k.columns for c in f.factors), "kpis: a column per factor")
    X = raw["design/matrix"][()]
    ok(np.array_equal(k[f.factors].to_numpy(), np.repeat(X, R, axis=0)), "factor columns = /design/matrix")
    ok(f.factor_types == ["number", "integer"] and k[f.factors[0]].dtype == np.float64
       and k[f.factors[1]].dtype == np.int64 and f.design()[f.factors[1]].dtype == np.int64,
       "factor columns typed: a share float, an inspection capacity int", k.dtypes)
    groups = [s.decode() for s in raw["kpi/groups"][()]]
    g = groups.index("all ports import")
    ok(np.allclose(k[f.metrics].to_numpy(), raw["kpi/values"][:, :, g, :].reshape(P * R, M), equal_nan=True),
       "kpis equal /kpi/values")
    ok((k["status"] == "ok").all() and list(k["seed"][:2]) == [1, 2], "status and seeds")
    kall = f.kpis()
    ok(len(kall) == P * R * G and set(kall["group"]) == set(groups) and no_bytes(kall),
       "kpis(): one row per point x replication x group, labels decoded")
    ok(kall.attrs["units"]["overall_mean"] == "h" and kall.attrs["units"]["within_24h"] == "fraction",
       "sweep units")
    m = re.search(r"\(mean ([\d.]+)[ ,h)]", out)  # the sensitivity line: "(mean 16.954, R^2 = ...)"
    ok(m and abs(k["overall_mean"].mean() - float(m.group(1))) < 6e-4,
       "the mean of overall_mean = the sweep's printed mean", (m and m.group(0), k["overall_mean"].mean()))
    piv = k.pivot_table(index=f.factors[0], columns=f.factors[1], values="overall_mean")
    ok(piv.shape == (2, 2), "pivot over two factors", piv)
    ok(len(f.runs()) == P * R and len(f.design()) == P, "runs() and design()")
    try:
        f.kpis(group="no such group")
        ok(False, "an unknown group is refused")
    except kouan.KouanFileError as e:
        ok("all ports import" in str(e), "an unknown group is refused, naming the groups", e)
    f.close()


def group_sobol():
    d = os.path.join(TMP, "sal.lua")
    with open(d, "w", encoding="utf-8") as fh:
        fh.write(f'return sweep{{\n  scenario = "{SMALL}", era = "2017", reps = 2, seed = 1,\n'
                 '  method = "saltelli", points = 8,\n  factors = {\n'
                 '    {path = "ports.TST.advance_share", min = 0.1, max = 0.7},\n'
                 '    {path = "ports.TST.scan_first_share", min = 0, max = 1},\n'
                 '    {path = "ports.TST.release_before_duty", values = {false, true}},\n  },\n}\n')
    h5, h5g = os.path.join(TMP, "sal.h5"), os.path.join(TMP, "salg.h5")
    cols = ["first_order", "total_order"]
    kouan_run("sweep", d, "-o", h5, "-j", "2")
    kouan_run("sweep", d, "-o", h5g, "-j", "2", "--group", "TST air import", "--metric", "overall_p90")
    with kouan.open(h5) as f:
        rb = "ports.TST.release_before_duty"
        k, dz = f.kpis(group="all ports import"), f.design()
        X = h5py.File(h5, "r")["design/matrix"][()]
        ok(f.factor_types[2] == "boolean" and k[rb].dtype == bool and dz[rb].dtype == bool
           and list(dz[rb]) == list(X[:, 2] == 1) and dz[rb].any() and not dz[rb].all(),
           "a boolean factor reads as bool (True where the matrix holds 1)", dz.dtypes)
    cols = ["first_order", "total_order"]
    for path, group, metric in ((h5, "all ports import", "overall_mean"), (h5g, "TST air import", "overall_p90")):
        with kouan.open(path) as f:
            st = f.sensitivity()
            mine = f.sobol(group=group, metric=metric)
            ok(st.attrs["group"] == group and st.attrs["metric"] == metric and list(st["factor"]) == f.factors,
               f"sensitivity(): group, metric and factors of {os.path.basename(path)}", st.attrs)
            ok(np.allclose(st[cols].to_numpy(), mine[cols].to_numpy(), rtol=1e-9, atol=1e-12, equal_nan=True)
               and mine.attrs["base_points"] == st.attrs["base_points"]
               and math.isclose(mine.attrs["variance"], st.attrs["variance"], rel_tol=1e-9),
               f"sobol({group!r}, {metric!r}) = the indices kouan sweep stored", (st[cols], mine[cols]))
            fin = mine[np.isfinite(mine["first_order"])]
            ok(len(fin) == 3 and (fin["first_order_lo"] <= fin["first_order"] + 1e-12).all()
               and (fin["total_order_hi"] >= fin["total_order"] - 1e-12).all(),
               "sobol(): the bootstrap intervals hold the estimates", mine)
    # sharded then merged: kouan stores no indices, sobol() gives the unsharded sweep's
    parts = [os.path.join(TMP, f"sal-{i}.h5") for i in (1, 2)]
    for i, part in enumerate(parts, 1):
        kouan_run("sweep", d, "-o", part, "--shard", f"{i}/2", "-q")
    merged = os.path.join(TMP, "sal-merged.h5")
    kouan_run("sweep-merge", "-o", merged, *parts)
    with kouan.open(merged) as f, kouan.open(h5) as whole:
        try:
            f.sensitivity()
            ok(False, "sensitivity() of a merged saltelli sweep is refused")
        except kouan.KouanFileError as e:
            ok("sobol()" in str(e), "sensitivity() of a merged saltelli sweep is refused, pointing to sobol()", e)
        ok(np.allclose(f.sobol()[cols].to_numpy(), whole.sensitivity()[cols].to_numpy(), rtol=1e-9, atol=1e-12),
           "sobol() of the merged file = the indices kouan stored for the unsharded sweep")
    with kouan.open(h5) as f:
        try:
            f.sobol(metric="overall_p09")
            ok(False, "sobol(): an unknown metric is refused")
        except kouan.KouanFileError as e:
            ok("overall_p90" in str(e), "sobol(): an unknown metric is refused, naming the kept ones", e)
    fac = os.path.join(TMP, "fac.lua")
    with open(fac, "w", encoding="utf-8") as fh:
        fh.write(f'return sweep{{ scenario = "{SMALL}", reps = 1, method = "factorial",\n'
                 '  factors = {{path = "ports.TST.advance_share", values = {0.1, 0.5}}} }\n')
    kouan_run("sweep", fac, "-o", os.path.join(TMP, "fac.h5"), "-q")
    with kouan.open(os.path.join(TMP, "fac.h5")) as f:
        for name, call in (("sensitivity()", f.sensitivity), ("sobol()", f.sobol)):
            try:
                call()
                ok(False, f"{name} on a factorial sweep is refused")
            except kouan.KouanFileError as e:
                ok("saltelli" in str(e), f"{name} on a factorial sweep is refused, naming saltelli", e)
    # the estimator itself on the Ishigami function (a = 7, b = 0.1), exact indices known
    from kouan.sweep import _sobol_estimate
    rng = np.random.default_rng(5)
    n, a_, b_ = 40000, 7.0, 0.1
    A, B = rng.uniform(-np.pi, np.pi, (n, 3)), rng.uniform(-np.pi, np.pi, (n, 3))
    ish = lambda x: np.sin(x[:, 0]) + a_ * np.sin(x[:, 1]) ** 2 + b_ * x[:, 2] ** 4 * np.sin(x[:, 0])  # noqa: E731
    rows = [ish(A), ish(B)] + [ish(np.where(np.arange(3) == i, B, A)) for i in range(3)]
    s1, stt, _, _ = _sobol_estimate(np.array(rows), np.arange(n))
    v1, v2, v13 = 0.5 * (1 + b_ * np.pi ** 4 / 5) ** 2, a_ ** 2 / 8, b_ ** 2 * np.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    want1, wantt = [v1 / v, v2 / v, 0], [(v1 + v13) / v, v2 / v, v13 / v]
    ok(np.allclose(s1, want1, atol=0.03) and np.allclose(stt, wantt, atol=0.03),
       f"Ishigami: S = {np.round(s1, 3)}, ST = {np.round(stt, 3)} within 0.03 of the exact "
       f"{np.round(want1, 3)}, {np.round(wantt, 3)}")


def group_compare():
    h5 = os.path.join(TMP, "cmp.h5")
    out = kouan_run("compare", SMALL, "--era", "2017", "--era", "2021", "--reps", "2", "-o", h5)
    f = kouan.open(h5)
    raw = h5py.File(h5, "r")
    ok(isinstance(f, kouan.CompareFile) and f.alternatives == ["2017", "2021"], "a compare file, its alternatives")
    t = f.table()
    A, G, M = raw["mean"].shape
    ok(len(t) == A * G * M, "table: one row per group x alternative x metric", len(t))
    row = t[(t["group"] == "all ports import") & (t["alternative"] == "2021") & (t["metric"] == "overall_mean")]
    mi = [s.decode() for s in raw["metrics"][()]].index("overall_mean")
    ok(len(row) == 1 and row["mean"].iloc[0] == raw["mean"][1, 0, mi]
       and row["pct_change_mean"].iloc[0] == raw["pct_change_mean"][1, 0, mi], "table equals /mean, /pct_change_mean")
    m = re.search(r"== all ports, import ==\n.*\noverall_mean \(h\)\s+([\d.]+) ± [\d.]+\s+([\d.]+) ±.*\n.*\n"
                  r"\s+% change\s+([-+][\d.]+) ±", out)
    ok(m and abs(row["mean"].iloc[0] - float(m.group(2))) < 0.006
       and abs(row["pct_change_mean"].iloc[0] - float(m.group(3))) < 0.006,
       "table = the printed means and % change", (m and m.groups(), row.to_dict("records")))
    ok(row["unit"].iloc[0] == "h" and t.attrs["units"]["pct_change_mean"] == "%", "units: the metric's, and % change")
    k = f.kpis()
    ok(len(k) == raw["values"].size // M and
       np.allclose(k[f.metrics].to_numpy(), raw["values"][()].reshape(-1, M), equal_nan=True),
       "kpis equal /values")
    v = f.verdicts()
    # the printed line is "VERDICT [(confidence)]: -D h (-P %)": the verdict is the words before ':' or '('
    printed = re.search(r"target overall_mean -1/2 vs 2017:\s+2021 ([a-z ]+?)\s*[:(]", out).group(1).strip()
    ok(v[(v["group"] == "all ports import") & (v["alternative"] == "2021")]["verdict_half"].iloc[0] == printed,
       "verdicts: the printed verdict", (printed, v))
    fg = f.groups()
    f.close()
    # a port's name in Chinese: the scenario's name_zh (one kouan's own words do not know) in groups()
    # and table() as port_zh, and the run file's ports() as name_zh; kouan's word for all ports
    zh_scn = os.path.join(TMP, "zh.lua")
    with open(zh_scn, "w", encoding="utf-8") as fz:
        fz.write('return (import "tests/lua/port_small.lua"):with { ports = { { name = "TST", name_zh = "许昌测试港" } } }\n')
    h5zh = os.path.join(TMP, "cmp-zh.h5")
    kouan_run("compare", zh_scn, "--era", "2017", "--era", "2021", "--reps", "2", "--until", "300", "-o", h5zh)
    with kouan.open(h5zh) as fz:
        g, t = fz.groups(), fz.table()
        want = ["全部口岸" if p == "all ports" else "许昌测试港" for p in g["port"]]
        ok(g["port_zh"].tolist() == want and set(t["port_zh"]) == {"全部口岸", "许昌测试港"}
           and list(t.columns[:3]) == ["group", "port", "port_zh"],
           "compare: port_zh is the scenario's name_zh (all ports: 全部口岸)", g)
    ok(fg["port_zh"].tolist() == ["全部口岸", "全部口岸", "TST", "TST"],
       "compare: port_zh without name_zh is the name", fg)
    r5 = os.path.join(TMP, "run-zh.h5")
    kouan_run("run", zh_scn, "--reps", "1", "--until", "100", "-o", r5)
    with kouan.open(r5) as fr:
        ok(fr.ports()["name_zh"].tolist() == ["许昌测试港"], "run: ports() name_zh, the scenario's", fr.ports())


def group_process():
    ex = os.path.join(ROOT, "scenarios", "examples")
    h5 = os.path.join(TMP, "mmc.h5")
    out = kouan_run("run", os.path.join(ROOT, "scenarios", "mmc.lua"), "--reps", "2", "-o", h5)
    f = kouan.open(h5)
    raw = h5py.File(h5, "r")
    ok(isinstance(f, kouan.ProcessRunFile) and f.resources == ["server"], "a process run, its resources")
    s = f.resource_stats()
    ok(np.allclose(s.drop(columns=["replication", "resource"]).to_numpy(),
                   raw["resource_stats"][()].reshape(2, -1), equal_nan=True), "resource_stats = /resource_stats")
    m = re.search(r"^\s+served\s+([\d.]+)", out, re.M)
    ok(m and abs(s["served"].mean() - float(m.group(1))) < 0.06, "served: the printed mean",
       (m and m.group(1), s["served"].mean()))
    ok(s.attrs["units"]["utilisation"] == "fraction" and s.attrs["units"]["mean_wait"] == "h", "resource units")
    se = f.resource_series()
    ok(len(se) == len(raw["resource_series"]) and list(se.columns) == ["replication", "resource", "t", "queue", "busy"],
       "resource_series: every row", list(se.columns))
    first, n = raw["resource_series_index"][1, 0]
    ok(np.array_equal(se[se["replication"] == 1][["t", "queue", "busy"]].to_numpy(),
                      raw["resource_series"][first:first + n]), "replication 1's series by its index")
    f.close()

    h5 = os.path.join(TMP, "ry.h5")
    out = kouan_run("run", os.path.join(ex, "rail_yard.lua"), "--reps", "2", "-o", h5)
    f = kouan.open(h5)
    st = f.store_stats()
    m = re.search(r"store 'yard'\n(?:.*\n)*?\s+mean_size\s+([\d.]+)", out)
    ok("yard" in f.stores and m and abs(st[st["store"] == "yard"]["mean_size"].mean() - float(m.group(1))) < 1e-3,
       "store_stats: the printed mean_size", m and m.group(1))
    ser = f.store_series()
    y0 = ser[(ser["replication"] == 0) & (ser["store"] == "yard")]
    ok(list(ser.columns[2:]) == ["t", "size", "puts_waiting", "gets_waiting"] and len(y0) > 0,
       "store_series: t, size, puts_waiting, gets_waiting", list(ser.columns))
    ms = f.monitor_stats()
    ok(len(ms) == 2 * len(f.monitors) and set(ms["kind"]) <= {"tally", "level"}, "monitor_stats", ms)
    ok(len(f.monitor_series()) == len(h5py.File(h5, "r")["monitor_series"]), "monitor_series: every row")
    f.close()

    h5 = os.path.join(TMP, "fs.h5")
    kouan_run("run", os.path.join(ex, "fuel_station.lua"), "--reps", "2", "-o", h5)
    f = kouan.open(h5)
    cs = f.container_stats()
    raw = h5py.File(h5, "r")
    ok(len(f.containers) > 0 and np.allclose(cs.drop(columns=["replication", "container"]).to_numpy(),
                                             raw["containers/stats"][()].reshape(len(cs), -1), equal_nan=True),
       "container_stats = /containers/stats", f.containers)
    ok(len(f.container_series()) == len(raw["containers/series"]), "container_series: every row")
    f.close()


def group_errors():
    try:
        kouan.open(os.path.join(TMP, "missing.h5"))
        ok(False, "a missing file is refused")
    except FileNotFoundError:
        ok(True, "a missing file: FileNotFoundError")
    txt = os.path.join(TMP, "text.h5")
    with open(txt, "w") as fh:
        fh.write("not hdf5\n")
    try:
        kouan.open(txt)
        ok(False, "a text file is refused")
    except kouan.KouanFileError as e:
        ok("not an HDF5 file" in str(e), "a text file: not an HDF5 file", e)
    other = os.path.join(TMP, "other.h5")
    with h5py.File(other, "w") as h:
        h["x"] = [1, 2]
    try:
        kouan.open(other)
        ok(False, "an HDF5 file kouan did not write is refused")
    except kouan.KouanFileError as e:
        ok("not a file kouan wrote" in str(e), "another HDF5 file: not a file kouan wrote", e)
    h5 = os.path.join(TMP, "run.h5")
    kouan_run("run", SMALL, "-o", h5)
    try:
        pd.read_hdf(h5)
        ok(False, "pd.read_hdf cannot read a run file (docs say so)")
    except Exception as e:   # ImportError without PyTables, ValueError/TypeError with it
        ok(True, f"pd.read_hdf cannot read a run file ({type(e).__name__}), as the docs say")
    with h5py.File(h5, "a") as h:
        h.attrs["complete"] = 0
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        kouan.open(h5).close()
    ok(any("complete = 0" in str(x.message) for x in w), "complete = 0 warns", [str(x.message) for x in w])


def doc_blocks(path):
    """The fenced blocks of a Markdown file: [(language, text)]."""
    text = open(path, encoding="utf-8").read()
    return [(m.group(1), m.group(2)) for m in re.finditer(r"^```(\w*)\n(.*?)^```", text, re.S | re.M)]


def doc_workdir():
    """(a directory, an environment) to run a doc's commands as a reader
    does: kouan on PATH, the package on PYTHONPATH, the tree's scenarios/
    under the directory (the design files are under the tree: run at the
    tree's root names)."""
    work = os.path.join(TMP, "doc")
    os.makedirs(work)
    bindir = os.path.join(TMP, "bin")
    os.makedirs(bindir)
    os.symlink(KOUAN, os.path.join(bindir, "kouan"))
    env = dict(ENV, PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
               PYTHONPATH=os.path.join(ROOT, "python"), MPLBACKEND="Agg")
    os.symlink(os.path.join(ROOT, "scenarios"), os.path.join(work, "scenarios"))
    return work, env


def run_walkthrough(name):
    """The commands and code of docs/NAME, as a reader runs them: its sh
    blocks' kouan lines (kouan on PATH, from a directory that sees the
    tree's scenarios/), then its python blocks in one interpreter; every
    text block must be in what the code printed."""
    blocks = doc_blocks(os.path.join(ROOT, "docs", name))
    work, env = doc_workdir()
    shell = [b for lang, b in blocks if lang == "sh" and "kouan sweep" in b]
    ok(len(shell) >= 1, f"docs/{name}: a sh block runs kouan sweep")
    for b in [b for lang, b in blocks if lang == "sh"]:
        for line in b.splitlines():
            if line.startswith("kouan "):
                rc, out, err = tap.run(["sh", "-c", line], f"doc: {line}", timeout=600, cwd=work, env=env)
                ok(rc == 0, f"doc: {line}", err)
    code = "\n".join(b for lang, b in blocks if lang == "python")
    ok(len(code) > 0, f"docs/{name}: python blocks")
    rc, out, err = tap.run([sys.executable, "-c", code], "doc: the python blocks", timeout=300, cwd=work, env=env)
    ok(rc == 0, "doc: the python blocks run", err + out)
    outputs = [b for lang, b in blocks if lang == "text"]
    missing = [b for b in outputs if b.strip() not in out]
    ok(outputs and not missing, f"doc: its {len(outputs)} output blocks are what the code prints",
       "missing:\n" + "".join(missing) + "\ngot:\n" + out)
    return work, out


def group_doc():
    run_walkthrough("analysis.md")


def group_researcher():
    work, out = run_walkthrough("researcher.md")
    blocks = doc_blocks(os.path.join(ROOT, "docs", "researcher.md"))
    group_researcher_refused(work, dict(ENV, PATH=os.path.join(TMP, "bin") + os.pathsep + os.environ.get("PATH", "")),
                             blocks)
    design = os.path.join(ROOT, "scenarios", "sweeps", "researcher.lua")
    shown = [b for lang, b in blocks if lang == "lua"]
    ok(len(shown) == 1 and shown[0] == open(design, encoding="utf-8").read(),
       "docs/researcher.md shows scenarios/sweeps/researcher.lua as it is")
    png, csv = (os.path.join(work, "results", "researcher-sobol." + x) for x in ("png", "csv"))
    with open(png, "rb") as fh:
        ok(fh.read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(png) > 10000, "the chart is a PNG", png)
    t = pd.read_csv(csv)
    with kouan.open(os.path.join(work, "results", "researcher.h5")) as f:
        want = f.sobol(group="CGO import air import", metric="customs_mean")
    got = t[t["metric"] == "customs_mean"]
    ok(len(t) == 9 and np.allclose(got["total_order"], want["total_order"]),
       "the CSV: 3 metrics x 3 factors, the indices sobol() gives", t)


def group_researcher_refused(work, env, blocks):
    """The console block of docs/researcher.md: its design with the
    inspection rate in percent is refused before any run, with the lines
    the doc shows."""
    shown = [b for lang, b in blocks if lang == "console" and "percent.lua" in b]
    if not ok(len(shown) == 1, "docs/researcher.md: the refused design's console block", shown):
        return
    src = open(os.path.join(ROOT, "scenarios", "sweeps", "researcher.lua"), encoding="utf-8").read()
    bad = src.replace("min = 0.01, max = 0.1}", "min = 1, max = 10}").replace(
        'scenario = "cgo_air_short.lua"', 'scenario = "scenarios/sweeps/cgo_air_short.lua"')
    ok(bad.count("min = 1, max = 10}") == 1 and "scenarios/sweeps/cgo_air_short" in bad, "percent.lua made")
    with open(os.path.join(work, "percent.lua"), "w", encoding="utf-8") as fh:
        fh.write(bad)
    lines = shown[0].strip().splitlines()
    rc, out, err = tap.run(["sh", "-c", lines[0].lstrip("$ ")], lines[0], timeout=120, cwd=work, env=env)
    got = err.splitlines()
    want = [line for line in lines[1:] if line.strip() != "..."]
    ok(rc == 1 and not os.path.exists(os.path.join(work, "results", "percent.h5"))
       and all(line in got for line in want) and got[-1] == want[-1] and got[0] == want[0],
       "kouan sweep percent.lua: exit 1, no file, the lines the doc shows", err)


def group_researchermpi():
    """The mpirun line of docs/researcher.md, mpirun being the build's mpiexec."""
    blocks = doc_blocks(os.path.join(ROOT, "docs", "researcher.md"))
    lines = [line for lang, b in blocks if lang == "sh" for line in b.splitlines() if line.startswith("mpirun ")]
    if not ok(len(lines) == 1, "docs/researcher.md: one mpirun line", lines):
        return
    work, env = doc_workdir()
    cmd = lines[0].split()
    cmd[0] = tap.tool("mpiexec", required=True)
    cmd[cmd.index("kouan")] = KOUAN
    os.makedirs(os.path.join(work, "results"))  # a clone has results/ (results/README.md)
    rc, out, err = tap.run(cmd, lines[0], timeout=600, cwd=work, env=env)
    if not ok(rc == 0, f"doc: {lines[0]}", err):
        return
    shown = [b for lang, b in blocks if lang == "" and "ranks x" in b]
    want = re.sub(r"in [\d.]+ s", "in <t> s", shown[0].strip()) if shown else None
    got = re.sub(r"in [\d.]+ s", "in <t> s", out.splitlines()[0]) if out else ""
    ok(want is not None and got == want, "the summary is the one the doc shows (time aside): on 2 ranks x 1 thread",
       f"doc: {want}\ngot: {got}")
    with kouan.open(os.path.join(work, "results", "researcher-mpi.h5")) as f:
        ok((f.runs()["status"] == "ok").sum() == 160 and int(f.attrs["mpi_ranks"]) == 2,
           "the file: 160 runs, all ok, mpi_ranks = 2")


def group_install():
    venv = os.path.join(TMP, "venv")
    r = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", venv], capture_output=True, text=True)
    if r.returncode != 0:
        tap.skip("pip install ./python", f"no venv for {sys.executable}: {r.stderr.strip()[:200]}")
        return
    # From a copy: the build leaves build/ and *.egg-info beside pyproject.toml.
    src = os.path.join(TMP, "python")
    shutil.copytree(os.path.join(ROOT, "python"), src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    pip = [os.path.join(venv, "bin", "pip"), "install", "--no-deps", "--no-build-isolation", "--no-index", src]
    r = subprocess.run(pip, capture_output=True, text=True, cwd=TMP, timeout=300,
                       env=dict(os.environ, PIP_NO_INDEX="1", PIP_DISABLE_PIP_VERSION_CHECK="1"))
    if not ok(r.returncode == 0, "pip install --no-deps --no-build-isolation ./python in a venv (offline)",
              r.stdout + r.stderr):
        return
    py = os.path.join(venv, "bin", "python")
    h5 = os.path.join(TMP, "run.h5")
    kouan_run("run", SMALL, "-o", h5)
    r = subprocess.run([py, "-c", "import kouan, sys; f = kouan.open(sys.argv[1]); "
                        "print(kouan.__file__); print(len(f.kpis()))", h5],
                       capture_output=True, text=True, cwd=TMP)
    ok(r.returncode == 0 and r.stdout.startswith(venv) and r.stdout.split()[-1] == "4",
       "the installed package imports from the venv and reads a run file", r.stdout + r.stderr)


{"run": group_run, "sweep": group_sweep, "sobol": group_sobol, "researcher": group_researcher,
 "researchermpi": group_researchermpi, "compare": group_compare, "process": group_process,
 "errors": group_errors, "doc": group_doc, "install": group_install}[ARGS.group]()
tap.done()
