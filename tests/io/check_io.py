#!/usr/bin/python3
"""check_io.py — the HDF5 run file of `kouan run` (docs/hdf5-schema.md),
read back with h5py and h5dump; prints TAP. Runs /usr/bin/python3 (Debian's
h5py and numpy live only there).

usage: check_io.py GROUP --kouan KOUAN [--root SRCROOT] [--tool h5dump=PATH]   (tests/tap.py)
groups: store file checksum kpi attrs overwrite kill interrupt chinese trace parameters run_parameters
Without h5dump (not given, not on PATH) its checks are left out.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

tap.diag_lines = 40

ARGS = tap.parse_args(__doc__, ["store", "file", "checksum", "kpi", "attrs", "overwrite", "kill", "interrupt", "chinese",
                                "trace", "parameters", "run_parameters"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
H5DUMP = tap.tool("h5dump")
SMALL = os.path.join(ROOT, "tests", "lua", "port_small.lua")
HENAN = os.path.join(ROOT, "scenarios", "henan.lua")
ENV = dict(os.environ, KOUAN_ROOT=ROOT)
TMP = tempfile.mkdtemp(prefix="kouan-io-")


def run(*args, timeout=300):
    return tap.run([KOUAN, "run", *args], f"kouan run {' '.join(args)}", timeout=timeout, cwd=TMP, env=ENV)


def s(v):
    return v.decode("utf-8") if isinstance(v, bytes) else str(v)


MS = ["arrival", "unloaded", "declared", "border_done", "doc_checked", "certs_done", "scan_done",
      "inspect_start", "inspect_end", "lab_result", "duty_paid", "released", "pickup", "gate_out"]


def datasets(f):
    out = []
    f.visititems(lambda n, o: out.append(n) if isinstance(o, h5py.Dataset) else None)
    return out


def sane(c):
    """Milestones of consignment rows in their partial order (model.h)."""
    t = {m: c["t_" + m] for m in MS}
    bad = ~np.isfinite(t["arrival"]) | ~np.isfinite(t["released"]) | ~np.isfinite(t["gate_out"])
    chains = [("arrival", "released"), ("released", "pickup"), ("pickup", "gate_out"),
              ("arrival", "unloaded"), ("declared", "doc_checked"), ("doc_checked", "certs_done"),
              ("certs_done", "released"), ("inspect_start", "inspect_end")]
    for a, b in chains:
        both = np.isfinite(t[a]) & np.isfinite(t[b])
        bad |= both & (t[a] > t[b] + 1e-9)
    return int(bad.sum())


def small_file(name="a.h5", extra=()):
    path = os.path.join(TMP, name)
    rc, out, err = run(SMALL, "--reps", "2", "-o", path, *extra)
    return rc, out, err, path


def printed_counts(out):
    """{block header: mean consignments} from the printed KPI table."""
    counts, head = {}, None
    for line in out.splitlines():
        if line and not line.startswith(" ") and not line.startswith("=="):
            head = line
        elif head and line.strip().startswith("consignments"):
            counts[head] = float(line.split()[1])
    return counts


# ---- groups ----

def g_file():
    rc, out, err, path = small_file()
    ok(rc == 0 and os.path.exists(path), "kouan run --reps 2 -o FILE writes the file", err)
    ok("run file" in err and path in err and path not in out, "the file is named on stderr, not in the table",
       err)
    if H5DUMP:
        p = subprocess.run([H5DUMP, "-H", path], capture_output=True, text=True)
        ok(p.returncode == 0 and "consignments" in p.stdout, "h5dump -H reads the file", p.stderr)
    with h5py.File(path, "r") as f:
        names = datasets(f)
        want = ["consignments", "carriers", "units", "timeseries", "layout/ports", "layout/flows",
                "layout/goods", "layout/resources", "layout/stages", "summary/groups", "summary/resources",
                "summary/group_values", "summary/resource_values", "summary/across"]
        ok(all(w in names for w in want), "every dataset is there", names)
        bad = []
        for n in names:
            try:
                a = f[n][...]
                assert a is not None
            except Exception as e:  # noqa: BLE001
                bad.append(f"{n}: {e}")
        ok(not bad, "h5py loads every dataset", "\n".join(bad))
        if H5DUMP:
            bad = []
            for n in names:
                p = subprocess.run([H5DUMP, "-d", "/" + n, path], capture_output=True)
                if p.returncode != 0:
                    bad.append(n + ": " + p.stderr.decode("utf-8", "replace"))
            ok(not bad, "h5dump -d prints every dataset", "\n".join(bad))
        c = f["consignments"]
        ok(c.chunks == (4096,) and c.compression == "gzip" and c.shuffle and c.maxshape == (None,),
           "row tables are chunked 4096, shuffled, deflated, extendible")
        ok(all(k in c.attrs for k in ("time_units", "column_names", "column_meanings", "mode_names",
                                      "direction_names", "trader_names", "flag_bits")),
           "/consignments says its units, columns and enum mappings", list(c.attrs))
        ok(all("column_meanings" in f[n].attrs or not f[n].dtype.names for n in names),
           "every table describes its columns")
        ok(sane(c[...]) == 0 and len(c) > 0, "milestones of every row are in order")
        G = f["summary/group_values"]
        groups = f["summary/groups"][...]
        allp = [i for i, g in enumerate(groups) if g["port_index"] == -1]
        mi = [s(m) for m in f["summary"].attrs["metric_names"]].index("count")
        total = float(np.nansum(G[:, allp, mi]))
        ok(total == len(c), f"/consignments has one row per reported consignment ({len(c)})",
           f"summary says {total}")
        pc = printed_counts(out)
        printed = sum(v for k, v in pc.items() if k.startswith("all ports")) * 2
        ok(abs(printed - len(c)) <= 0.1 * len(pc), "... as many as the printed table counts",
           f"{printed} vs {len(c)}: {pc}")
        ts = f["timeseries"][...]
        nres = len(f["layout/resources"])
        ok(len(ts) > 0 and set(np.unique(ts["resource"])) == set(range(nres))
           and (ts["busy"] >= 0).all() and np.all(np.diff(np.unique(ts["t"])) > 0),
           "/timeseries samples every resource")
        st = f["layout/stages"][...]
        ok([s(x) for x in st["name"][:14]] == MS, "/layout/stages lists the milestones in order")
        car, un = f["carriers"][...], f["units"][...]
        ok(len(car) > 0 and len(un) > 0 and (car["done"] >= car["actual"]).all()
           and (un["done"] >= un["arrival"]).all(), "/carriers and /units have sane times")
        ok(int(car["units"].sum()) == len(un), "units of the carriers = rows of /units",
           f"{car['units'].sum()} vs {len(un)}")


def g_checksum():
    rc, out, err, path = small_file("sum.h5")
    with h5py.File(path, "r") as f:
        d = f["consignments"]
        info = d.id.get_chunk_info(0)
        ok(d.fletcher32, "/consignments chunks carry a Fletcher32 checksum")
    data = bytearray(open(path, "rb").read())
    data[info.byte_offset + info.size // 2] ^= 0xFF
    bad = os.path.join(TMP, "sum_damaged.h5")
    open(bad, "wb").write(data)
    try:
        with h5py.File(bad, "r") as f:
            f["consignments"][...]
        detected = False
    except OSError as e:
        detected = "Fletcher32" in str(e)
    ok(detected, "a flipped byte inside the data is detected on reading, not returned as wrong numbers")


def g_kpi():
    rc, out, err, path = small_file()
    with h5py.File(path, "r") as f:
        c = f["consignments"][...]
        groups = f["summary/groups"][...]
        names = [s(m) for m in f["summary"].attrs["metric_names"]]
        rnames = [s(m) for m in f["summary"].attrs["resource_metric_names"]]
        G = f["summary/group_values"][...]
        A = f["summary/across"][...]
        RV = f["summary/resource_values"][...]
        R = int(f["summary"].attrs["replications"])
        ok(names[:2] == ["count", "overall_mean"] and len(names) == G.shape[2] and G.shape[0] == R == 2
           and A.shape == (len(groups), len(names), 2) and RV.shape[2] == len(rnames),
           "/summary shapes follow the contract", (G.shape, A.shape, RV.shape))
        ok(s(f["summary"].attrs["title"]) in out, "/summary title is the printed title")
    worst, qworst, where = 0.0, 0.0, ""
    for r in range(R):
        for gi, g in enumerate(groups):
            sel = (c["replication"] == r) & (c["direction"] == g["direction"])
            if g["port_index"] >= 0:
                sel &= (c["port"] == g["port_index"]) & (c["mode"] == g["mode"])
            x = c[sel]
            arr, dec, rel, gate = x["t_arrival"], x["t_declared"], x["t_released"], x["t_gate_out"]
            overall = rel - arr
            fl = x["flags"]

            def mean(v):
                v = v[np.isfinite(v)]
                return float(v.mean()) if len(v) else float("nan")
            mine = {"count": float(len(x)), "overall_mean": mean(overall),
                    "prep_mean": mean(np.maximum(0, dec - arr)), "customs_mean": mean(rel - np.maximum(arr, dec)),
                    "logistics_mean": mean(gate - rel), "dwell_mean": mean(gate - arr),
                    "within_1h": mean((overall <= 1).astype(float)), "within_6h": mean((overall <= 6).astype(float)),
                    "within_24h": mean((overall <= 24).astype(float)),
                    "inspection_rate": mean(((fl & 2) != 0).astype(float)),
                    "scan_rate": mean(((fl & 4) != 0).astype(float)),
                    "manual_rate": mean(((fl & 16) != 0).astype(float)), "cost_mean": mean(x["cost"])}
            if len(x):
                for q, n in ((0.5, "overall_median"), (0.9, "overall_p90"), (0.95, "overall_p95")):
                    e, v = float(np.quantile(overall, q)), G[r, gi, names.index(n)]
                    qworst = max(qworst, abs(v - e) / max(abs(e), 1e-12))
            for n, e in mine.items():
                v = G[r, gi, names.index(n)]
                if np.isnan(e) and np.isnan(v):
                    continue
                d = abs(v - e) / max(abs(e), 1e-300) if e != 0 else abs(v)
                if not d <= worst:
                    worst, where = d, f"rep {r} group {gi} {n}: file {v} recomputed {e}"
    ok(worst <= 1e-9, f"KPIs recomputed from /consignments equal /summary/group_values (worst {worst:.2g})",
       where)
    ok(qworst <= 1e-3, f"quantiles within 0.1 % (worst {qworst:.2g})")
    m = np.nanmean(G, axis=0)
    ok(np.allclose(m, A[:, :, 0], rtol=1e-12, equal_nan=True), "/summary/across means = mean over replications")


def g_attrs():
    rc, out, err, path = small_file(extra=("--set", "ports.TST.advance_share=0.25"))
    src = open(SMALL, encoding="utf-8").read()
    with h5py.File(path, "r") as f:
        a = f.attrs
        want = ["kouan_version", "commit", "scenario_path", "scenario_source", "parameters", "sets", "seed",
                "replications", "rng", "era", "start_time_utc", "end_time_utc", "host", "command_line",
                "schema_version", "complete", "title", "start_date", "horizon_hours", "warmup_hours"]
        ok(all(k in a for k in want), "root attributes present", sorted(set(want) - set(a)))
        ok(s(a["scenario_source"]) == src, "scenario_source is the file's text")
        ok(int(a["schema_version"]) == 1 and int(a["complete"]) == 1, "schema_version 1, complete 1")
        ok(s(a["rng"]) == "GSL taus2, named streams keyed by (seed, name, entity)" and int(a["seed"]) == 1
           and int(a["replications"]) == 2 and s(a["era"]) == "2017", "seed, replications, era, rng")
        ok("ports.TST.advance_share = 0.25 [share]\n" in s(a["parameters"]) and "ports.TST.advance_share=0.25" in s(a["sets"]),
           "parameters hold the resolved configuration (--dump text) and the --set values")
        ok(s(a["commit"]) != "" and s(a["start_time_utc"]).endswith("Z") and "--reps 2" in s(a["command_line"]),
           "commit, times, command line", (s(a["commit"]), s(a["command_line"])))
    rc, out, err = run(SMALL, "--reps", "2", "--dump")
    ok(rc == 0 and not os.path.exists(os.path.join(TMP, "results")), "--dump writes no file")


def g_overwrite():
    rc, out, err, path = small_file()
    ok(rc == 0, "first run writes", err)
    mtime = os.path.getmtime(path)
    rc, out, err, path = small_file()
    ok(rc == 2 and "exists" in err and "--force" in err and os.path.getmtime(path) == mtime and out == "",
       "a second run refuses to overwrite it (exit 2, says --force)", err)
    rc, out, err, path = small_file(extra=("--force",))
    ok(rc == 0, "--force overwrites", err)
    rc, out, err = run(SMALL, "--reps", "2")
    dflt = os.path.join(TMP, "results", "port_small-2017-s1-r2.h5")
    ok(rc == 0 and os.path.exists(dflt), "default name results/port_small-2017-s1-r2.h5", err)
    mtime = os.path.getmtime(dflt)
    rc2, out2, err2 = run(SMALL, "--reps", "2")
    second = os.path.join(TMP, "results", "port_small-2017-s1-r2-2.h5")
    ok(rc2 == 0 and os.path.exists(second) and os.path.getmtime(dflt) == mtime and second[len(TMP) + 1:] in err2,
       "the default name is not overwritten: the same command again writes the next free name, and says which",
       err2)
    rc3, out3, err3 = run(SMALL, "--reps", "2", "--seed", "5")
    ok(rc3 == 0 and os.path.exists(os.path.join(TMP, "results", "port_small-2017-s5-r2.h5")),
       "another seed, another default name", err3)
    rc4, out4, err4 = run(SMALL, "--reps", "2", "--no-output")
    ok(rc4 == 0 and out4 == out and err4 == "", "--no-output: same table, no file, nothing on stderr", err4)


def start_and_wait(args, settle):
    """Starts kouan run with args, waits until its file exists, then settle seconds."""
    path = os.path.join(TMP, "long.h5")
    p = tap.start([KOUAN, "run", *args, "-o", path], cwd=TMP, env=ENV)
    t0 = time.time()
    while not os.path.exists(path) and time.time() - t0 < 120 and p.poll() is None:
        time.sleep(0.05)
    time.sleep(settle)
    return p, path


def g_kill():
    p, path = start_and_wait([HENAN, "--era", "2017", "--reps", "20"], 3.0)
    running = p.poll() is None
    p.kill()
    p.finish()
    ok(running, "the run was still going when killed")
    try:
        with h5py.File(path, "r") as f:
            c = f["consignments"][...]
            comp = int(f.attrs["complete"])
            ok(comp == 0, "a killed run's file opens with complete == 0")
            ok(len(c) > 0, f"... with the rows of the last flush ({len(c)})")
            ok(sane(c) == 0, "... whose milestones are all sane")
            ok(all(k in f for k in ("carriers", "units", "timeseries", "layout/stages")), "... and its tables")
    except Exception as e:  # noqa: BLE001
        ok(False, "a killed run's file opens with h5py", e)


def g_interrupt():
    p, path = start_and_wait([HENAN, "--era", "2017", "--reps", "20"], 1.5)
    p.send_signal(signal.SIGINT)
    rc, out, err = p.finish(timeout=120)
    ok(rc == 130, "SIGINT: exit 130", f"rc {rc}\n{err}")
    ok("interrupted" in err and "complete = 0" in err and out == "", "says so on stderr, prints no table", err)
    with h5py.File(path, "r") as f:
        c = f["consignments"][...]
        ok(int(f.attrs["complete"]) == 0 and len(c) > 0 and sane(c) == 0 and "end_time_utc" in f.attrs,
           f"the file is closed with complete = 0 and its rows ({len(c)})")
    p, path = start_and_wait([HENAN, "--era", "2017", "--reps", "20", "--force"], 1.0)
    p.send_signal(signal.SIGTERM)
    rc, out, err = p.finish(timeout=120)
    ok(rc == 130, "SIGTERM: exit 130 too", err)


def g_chinese():
    name = "郑州口岸 小港测试"
    src = open(SMALL, encoding="utf-8").read().replace('name = "small test port"', f'name = "{name}"')
    scn = os.path.join(TMP, "港口.lua")
    with open(scn, "w", encoding="utf-8") as fh:
        fh.write(src)
    path = os.path.join(TMP, "中文.h5")
    rc, out, err = run(scn, "--reps", "2", "-o", path)
    ok(rc == 0, "a scenario with a Chinese name and path runs", err)
    with h5py.File(path, "r") as f:
        ok(s(f.attrs["scenario_name"]) == name, "scenario_name decodes as UTF-8", f.attrs["scenario_name"])
        ok(s(f.attrs["scenario_source"]) == src and name in s(f["summary"].attrs["title"])
           and s(f.attrs["scenario_path"]).endswith("港口.lua"), "source, title and path keep the Chinese")
        ok(f.attrs.get_id("scenario_name").get_type().get_cset() == h5py.h5t.CSET_UTF8,
           "strings are stored as UTF-8")


def g_trace():
    rc, out, err, path = small_file("t.h5", ("--trace",))
    ok(rc == 0, "--trace runs", err)
    with h5py.File(path, "r") as f:
        c, e = f["consignments"][...], f["events"][...]
        msn = [s(x) for x in f["events"].attrs["milestone_names"]]
    ok(msn == MS, "/events names its stages", msn)
    tt = np.stack([c["t_" + m] for m in MS], axis=1)
    n = int(np.isfinite(tt).sum())
    ok(len(e) == n, f"one event per milestone reached ({len(e)})", f"{len(e)} vs {n}")
    bad = 0
    order = np.lexsort((e["id"], e["replication"]))
    e = e[order]
    byid = {}
    start = 0
    for i in range(1, len(e) + 1):
        if i == len(e) or e["id"][i] != e["id"][start] or e["replication"][i] != e["replication"][start]:
            byid[(int(e["replication"][start]), int(e["id"][start]))] = e[start:i]
            start = i
    for row, t in zip(c, tt):
        ev = byid.get((int(row["replication"]), int(row["id"])))
        if ev is None:
            bad += 1
            continue
        want = sorted((t[m], m) for m in range(len(MS)) if np.isfinite(t[m]))
        got = list(zip(ev["t"], ev["to_stage"]))
        frm = [-1] + [m for _, m in want[:-1]]
        if [(float(a), int(b)) for a, b in got] != [(float(a), int(b)) for a, b in want] \
                or list(ev["from_stage"]) != frm:
            bad += 1
    ok(bad == 0, "/events matches /consignments: times, to- and from-stages", f"{bad} consignments differ")
    with h5py.File(os.path.join(TMP, small_file("n.h5")[3]), "r") as f:
        ok("events" not in f, "no /events without --trace")


# ---- parameters: the /parameters table of kou_h5w_parameters ----

def g_parameters():
    """params_write (tests/io/params_write.c, --tool params_write=PATH)
    writes a run file with a /parameters table; h5py reads it back."""
    prog = tap.tool("params_write", required=True)
    path = os.path.join(TMP, "p.h5")
    rc, _, err = tap.run([prog, path])
    if not ok(rc == 0 and err == "", "params_write writes a complete run file", err):
        return
    want = [("horizon_days", 28.0, "", "days"), ("ports.CGO.advance_share", 0.2, "", "share"),
            ("ports.CGO.flows.imp.dwell", None, "lognormal(2, 0.5)", "hours"),
            ("ports.CGO.calendar", None, "weekdays 08:30-12:00, 13:30-17:30", ""),
            ("ports.CGO.inspection.mode", None, "sequential", ""), ("ports.CGO.name", None, "郑州机场", ""),
            ("ports.CGO.fee_per_declaration", 15.5, "", "CNY"), ("seed", 1.0, "", "")]
    with h5py.File(path, "r") as f:
        ok(int(f.attrs["complete"]) == 1 and "layout" in f and "consignments" in f,
           "a run file as kouan run writes it, complete")
        d = f["parameters"]
        ok(d.dtype.names == ("path", "value", "text", "unit") and d.dtype["value"] == np.float64
           and all(h5py.check_string_dtype(d.dtype[n]) is not None for n in ("path", "text", "unit")),
           "/parameters: path, value float64, text, unit strings", str(d.dtype))
        ok(all(h5py.check_string_dtype(d.dtype[n]).encoding == "utf-8" and
               h5py.check_string_dtype(d.dtype[n]).length is None for n in ("path", "text", "unit")),
           "the strings are variable-length UTF-8")
        rows = d[...]
        got = [(s(r["path"]), None if np.isnan(r["value"]) else float(r["value"]), s(r["text"]), s(r["unit"]))
               for r in rows]
        ok(got == want, "every row read back: paths, values (NaN where not a number), text, units", str(got))
        a = d.attrs
        ok(s(a["description"]).startswith("the scenario's parameters")
           and [s(x) for x in a["column_names"]] == ["path", "value", "text", "unit"]
           and len(a["column_meanings"]) == 4 and "time_units" not in a and "mode_names" not in a,
           "described like the other tables: description, column_names, column_meanings",
           str(dict(a)))
    if H5DUMP:
        h = subprocess.run([H5DUMP, "-H", "-d", "/parameters", path], capture_output=True, text=True)
        ok(h.returncode == 0 and h.stdout.split("DATASPACE")[0].count("H5T_CSET_UTF8") == 3,
           "h5dump reads it: three UTF-8 members",
           h.stdout[-1500:])
    rc, _, err = tap.run([prog, path, "--twice"])
    ok(rc == 1 and "cannot create /parameters" in err and err.count("\n") == 1,
       "a second call fails, with one line", err)
    with h5py.File(path, "r") as f:
        ok(int(f.attrs["complete"]) == 0 and len(f["parameters"]) == len(want),
           "... and the file stays readable, complete = 0, the first table kept")
    rc, _, err = tap.run([prog, path, "--after-rows"])
    with h5py.File(path, "r") as f:
        ok(rc == 0 and len(f["consignments"]) == 1 and len(f["parameters"]) == len(want),
           "written after a row too: both there", err)


def g_run_parameters():
    """/parameters of a real run file: one row per line of `kouan run --dump`
    (the same parameter table's rows), with the numbers as numbers."""
    rc, dump, err = run(HENAN, "--era", "2021", "--dump")
    path = os.path.join(TMP, "params.h5")
    rc2, _, err2 = run(HENAN, "--era", "2021", "--until", "400", "-o", path, "--quiet")
    if not ok(rc == 0 and rc2 == 0, "kouan run --dump, then a run with its file", err + err2):
        return
    lines = dump.splitlines()
    with h5py.File(path, "r") as f:
        rows = f["parameters"][...]
        as_lines = [f"{s(r['path'])} = {s(r['text'])}" + (f" [{s(r['unit'])}]" if s(r["unit"]) else "")
                    for r in rows]
        horizon = [r for r in rows if s(r["path"]) == "horizon_days"]
        ok(len(rows) > 500 and as_lines[0] == lines[0] and as_lines[2:] == lines[2:] and
           as_lines[1] == "horizon_days = 16.666666666666668 [d]" and lines[1] == "horizon_days = 364 [d]" and
           s(f.attrs["parameters"]) == "\n".join(as_lines) + "\n",
           "every --dump line is a row of /parameters, in order (the horizon as run: --until 400)",
           "\n".join(f"{a} | {b}" for a, b in zip(as_lines, lines) if a != b)[:3000])
        numeric = [r for r in rows if not np.isnan(r["value"]) and not s(r["path"]).startswith("uncertain.")]
        ok(len(numeric) > 300 and all(s(r["text"]) in ("true", "false") or float(s(r["text"])) == r["value"]
                                      for r in numeric),
           "a numeric row's value is its text read as a number", str(numeric[:3]))
        priors = [r for r in rows if s(r["path"]).startswith("uncertain.")]
        ok(len(priors) > 0 and all(abs(float(s(r["text"]).split("used ")[1].split(";")[0]) - r["value"])
                                   <= 1e-5 * abs(r["value"]) for r in priors),
           "an uncertain.NAME row's value is the value its prior gave (the 'used' of its text)", str(priors[:3]))
        ok(len(horizon) == 1 and abs(horizon[0]["value"] * 24 - 400) < 1e-9 and
           float(f.attrs["horizon_hours"]) == 400, "the horizon as run", str(horizon))


def g_store():
    """--store: what the run file holds beyond the KPIs, its size said at the end."""
    sizes, kpis = {}, {}
    for what in ("all", "kpis", "kpis,timeseries", "consignments"):
        path = os.path.join(TMP, f"store-{what}.h5")
        rc, out, err = run(SMALL, "-o", path, "--store", what)
        ok(rc == 0 and os.path.exists(path), f"--store {what}: exit 0, the file written", err)
        sizes[what] = os.path.getsize(path)
        said = [line for line in err.splitlines() if line.startswith(f"kouan: run file {path} (")]
        ok(len(said) == 1 and " kB, --store " in said[0], f"--store {what}: the file's size is printed", err)
        with h5py.File(path, "r") as f:
            kpis[what] = f["summary/group_values"][...].tobytes()
            stored = s(f.attrs["stored"])
            nc, nt = f["consignments"].shape[0], f["timeseries"].shape[0]
            want = {"all": "kpis,consignments,timeseries", "kpis": "kpis", "kpis,timeseries": "kpis,timeseries",
                    "consignments": "kpis,consignments"}[what]
            ok(stored == want, f"--store {what}: attribute stored = '{want}'", stored)
            ok((nc > 0) == ("consignments" in want) and (nt > 0) == ("timeseries" in want),
               f"--store {what}: /consignments has {nc} rows, /timeseries {nt}", f"{nc} {nt}")
            ok(int(f.attrs["complete"]) == 1 and "summary" in f, f"--store {what}: complete, with /summary", "")
    ok(kpis["kpis"] is not None and all(v == kpis["all"] for v in kpis.values()),
       "the KPIs of every replication are the same whatever is stored", "")
    ok(sizes["kpis"] < sizes["kpis,timeseries"] < sizes["all"] and sizes["kpis"] < sizes["consignments"],
       "--store kpis makes the smallest file", str(sizes))
    for bad in ("kpi", "kpis,", "kpis,events", ""):
        rc, out, err = run(SMALL, "--no-output", "--store", bad)
        ok(rc == 2 and "--store: '" + bad + "' is not all, kpis, or a comma list of kpis, consignments, timeseries"
           in err, f"--store '{bad}' is refused, naming the allowed values", err)
    rc, out, err = run(os.path.join(ROOT, "scenarios", "mmc.lua"), "--reps", "2", "--store", "kpis", "--no-output")
    ok(rc == 2 and "--store: scenario" in err and "is process-style" in err, "--store: not for a process-style run",
       err)


GROUPS = {"store": g_store, "file": g_file, "checksum": g_checksum, "kpi": g_kpi, "attrs": g_attrs, "overwrite": g_overwrite, "kill": g_kill,
          "interrupt": g_interrupt, "chinese": g_chinese, "trace": g_trace, "parameters": g_parameters,
          "run_parameters": g_run_parameters}
try:
    GROUPS[ARGS.group]()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
tap.done()
