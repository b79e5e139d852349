#!/usr/bin/python3
"""check_report.py — `kouan report` from run files alone: the KPI table
(byte for byte the one kou_kpi_summary_print prints), CSV (UTF-8, BOM,
Chinese), the plot, and damaged files (one line, exit 1, no crash); prints
TAP for meson. Needs h5py and matplotlib: run by /usr/bin/python3.

usage: check_report.py GROUP --kouan KOUAN --tool report_ref=PATH [--root SRCROOT]   (tests/tap.py)
  GROUP  table | csv | plot | damaged | run
"""
import csv
import io
import os
import shutil
import subprocess
import sys
import tempfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # tests/report/, for make_h5.py
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import make_h5  # noqa: E402
import tap  # noqa: E402
from tap import ok, skip  # noqa: E402

ARGS = tap.parse_args(__doc__, ["table", "csv", "plot", "damaged", "run"])
KOUAN, REF, SRCROOT = ARGS.kouan, tap.tool("report_ref", required=True), ARGS.root

TMP = tempfile.mkdtemp(prefix="kouan-report-")


def tmp(name):
    return os.path.join(TMP, name)


def run(*args, env=None, timeout=240, cwd=None, damaged=False):
    """kouan's (exit status, stdout, stderr). damaged: the file is, and HDF5
    may print its own sanitizer report in the checking child; only one in
    kouan's code fails (tap.sanitizer_in_kouan)."""
    full_env = dict(os.environ, **env) if env else None
    return tap.run([KOUAN, *args], " ".join(args), timeout=timeout, cwd=cwd or TMP, env=full_env,
                   library_reports=damaged)


def synthetic_file(name="syn.h5", cons=True, **kw):
    d = make_h5.synthetic()
    path = tmp(name)
    make_h5.write(path, d, cons=make_h5.consignments(d) if cons else None, **kw)
    return path, d


# ---- table ----

def group_table():
    table, values, h5 = tmp("ref.txt"), tmp("ref.values"), tmp("ref.h5")
    rc, _, err = tap.run([REF, table, values], timeout=240)
    if not ok(rc == 0, "report_ref runs the fixture", err):
        return
    make_h5.write(h5, make_h5.parse_values(values))
    rc, out, err = run("report", h5)
    expect = open(table, encoding="utf-8").read()
    ok(rc == 0 and err == "", "report of a contract file: exit 0, nothing on stderr", err)
    ok(out == expect, "report prints exactly kou_kpi_summary_print's table (from kou_kpi_summary_add)",
       "\n".join(f"-{a}\n+{b}" for a, b in zip(expect.splitlines(), out.splitlines()) if a != b) or out)
    ok("郑州机场, air, import" in out, "the Chinese port name is in the table")

    path, d = synthetic_file()
    rc, out, err = run("report", path)
    ok(rc == 0, "synthetic file: exit 0", err)
    ok(out.startswith("== 合成测试 synthetic, seeds 1-3 ==\n3 replications: "), "title and replications line",
       out[:200])
    blk = out.split("\n洛阳, 公路, road, import\n", 1)
    ok(len(blk) == 2 and blk[1].startswith("  no consignments reported\n"),
       "a group with nothing reported: one line")
    ok("\nall ports, export\n  consignments                           141.0 ± 2.5\n" in out,
       "all-ports group and its count with half-width")
    ok("  overall clearance time, p95            15.75 ± 3.18      h" in out,
       "an undefined value in one replication: mean of the others")
    ok("\nresources (from warm-up" in out and "海关查验" in out, "resource table with a Chinese name")

    rc, out, err = run("report", path, "--quiet")
    ok(rc == 0 and out == "" and err == "", "--quiet: nothing printed")

    inc, _ = synthetic_file("incomplete.h5", complete=0)
    rc, out, err = run("report", inc)
    lines = err.splitlines()
    ok(rc == 0 and len(lines) == 1 and lines[0].startswith(f"kouan: {inc}: warning: this run was interrupted: "),
       "complete = 0: one warning line on stderr", err)
    ok(out.startswith("== 合成测试"), "complete = 0: the table still printed")

    bare, _ = synthetic_file("interrupted-early.h5", complete=0, summary=False)
    rc, out, err = run("report", bare)
    lines = err.splitlines()
    ok(rc == 1 and len(lines) == 2 and "this run was interrupted" in lines[0] and "without /summary" in lines[1],
       "complete = 0 and no /summary: the warning, then the error, exit 1", err)
    rc, out, err = run("report")
    ok(rc == 2 and "no run file" in err, "no file: exit 2", err)
    rc, out, err = run("report", path, "--frobnicate")
    ok(rc == 2 and "unknown option '--frobnicate'" in err, "unknown option: exit 2", err)
    rc, out, err = run("report", path, "--plot", tmp("x.jpg"))
    ok(rc == 2 and ".png or .svg" in err, "--plot x.jpg: exit 2", err)
    rc, out, err = run("report", path, "--bom")
    ok(rc == 2 and "--bom" in err, "--bom without --csv: exit 2", err)
    rc, out, err = run("--help")
    ok(rc == 0 and "kouan report RUN.h5" in out, "--help names report")


# ---- csv ----

def read_csv(path):
    raw = open(path, "rb").read()
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def group_csv():
    path, d = synthetic_file()
    out_csv = tmp("out.csv")
    rc, out, err = run("report", path, "--csv", out_csv, "--quiet")
    ok(rc == 0 and err == "", "--csv: exit 0", err)
    raw, rows = read_csv(out_csv)
    ok(not raw.startswith(b"\xef\xbb\xbf"), "no BOM without --bom")
    ok(rows[0] == ["port", "mode", "direction", "metric", "unit", "mean", "half_width", "replications",
                   "rep_1", "rep_2", "rep_3"], "header", rows[0])
    ok(len(rows) == 1 + len(d["groups"]) * len(make_h5.METRICS), f"one row per group and metric ({len(rows) - 1})")
    by = {(r[0], r[2], r[3]): r for r in rows[1:]}
    r = by.get(("郑州机场", "import", "count"))
    ok(r is not None and r[1] == "air" and float(r[5]) == 101 and r[7] == "3" and r[8:] == ["100", "101", "102"],
       "郑州机场 import count: mean, n, per replication", r)
    r = by.get(("郑州机场", "export", "overall_p95"))
    ok(r is not None and r[7] == "2" and r[8] == "" and abs(float(r[5]) - 15.75) < 1e-9,
       "undefined value: empty cell, n = 2", r)
    r = by.get(("郑州机场", "import", "within_24h"))
    ok(r is not None and r[4] == "%" and abs(float(r[5]) - 16.25) < 1e-9, "shares in % as in the table", r)
    r = by.get(("洛阳, 公路", "import", "overall_mean"))
    ok(r is not None and r[1] == "road" and r[5] == "" and r[6] == "" and r[7] == "0",
       "a port name with a comma is quoted; nothing defined: empty", r)
    r = by.get(("all ports", "export", "cost_mean"))
    ok(r is not None and r[1] == "all modes" and r[4] == "CNY", "all-ports group: mode 'all modes', unit CNY", r)
    ok(b"\r\n" in raw and "郑州机场".encode() in raw, "CRLF lines, UTF-8 Chinese bytes")

    out_bom = tmp("out_bom.csv")
    rc, out, err = run("report", path, "--csv=" + out_bom, "--bom")
    raw2, rows2 = read_csv(out_bom)
    ok(rc == 0 and raw2.startswith(b"\xef\xbb\xbf") and raw2[3:] == raw and rows2 == rows,
       "--bom: the same bytes after a UTF-8 BOM")
    ok(out.startswith("== 合成测试"), "--csv with the table on stdout")
    rc, out, err = run("report", path, "--csv", os.path.join(TMP, "no", "such", "dir.csv"))
    ok(rc == 2 and err.startswith("kouan: report: --csv: ") and "is not a file name in an existing folder" in err,
       "CSV in a missing folder: exit 2, saying so", err)
    rc, out, err = run("report", path, "--csv", "/proc/kouan-test.csv")
    ok(rc == 1 and err.startswith("kouan: ") and "cannot write" in err, "unwritable CSV: exit 1", err)


# ---- plot ----

def check_png(path, name):
    import matplotlib.image as mpimg
    size = os.path.getsize(path) if os.path.exists(path) else 0
    ok(size > 10_000, f"{name}: PNG over 10 kB ({size} bytes)")
    if size:
        img = mpimg.imread(path)
        ok(img.shape[1] > img.shape[0] * 1.7 and img.shape[1] >= 1600, f"{name}: 16:9 and large ({img.shape})")
        rgb = img[..., :3]
        dark = np.mean(rgb.min(axis=-1) < 0.5)
        colour = np.mean(rgb.max(axis=-1) - rgb.min(axis=-1) > 0.2)
        ok(dark > 0.002 and colour > 0.01, f"{name}: not blank (dark {dark:.4f}, coloured {colour:.4f})")


def group_plot():
    if subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"], capture_output=True).returncode != 0:
        skip("plot", "matplotlib is not installed for /usr/bin/python3")
        return
    env = {"KOUAN_ROOT": SRCROOT, "MPLCONFIGDIR": tmp("mpl")}
    path, d = synthetic_file()
    png = tmp("plot.png")
    rc, out, err = run("report", path, "--quiet", "--plot", png, env=env)
    ok(rc == 0, "--plot PNG with /consignments: exit 0", err)
    ok("missing from" not in err and "findfont" not in err, "no missing glyphs (CJK font found)", err)
    check_png(png, "consignment distributions")

    path2, _ = synthetic_file("nocons.h5", cons=False)
    png2 = tmp("plot2.png")
    rc, out, err = run("report", path2, "--quiet", "--plot", png2, env=env)
    ok(rc == 0 and "missing from" not in err, "--plot without /consignments: summary quantiles", err)
    check_png(png2, "summary quantiles")

    svg = tmp("plot.svg")
    rc, out, err = run("report", path, "--quiet", "--plot", svg, env=env)
    ok(rc == 0 and os.path.exists(svg) and open(svg, encoding="utf-8").read(200).lstrip().startswith("<?xml"),
       "--plot SVG", err)

    bare = shutil.which("python3")
    nompl = bare and subprocess.run([bare, "-c", "import matplotlib"], capture_output=True).returncode != 0
    if nompl:
        rc, out, err = run("report", path, "--quiet", "--plot", tmp("x.png"), env=dict(env, KOUAN_PYTHON=bare))
        ok(rc == 1 and "matplotlib" in err and "python3-matplotlib" in err and "Traceback" not in err,
           "a Python without matplotlib: a clear message, exit 1", err)
    else:
        skip("a Python without matplotlib", "every python3 here has matplotlib")
    rc, out, err = run("report", path, "--quiet", "--plot", tmp("y.png"), env=dict(env, KOUAN_ROOT=TMP))
    ok(rc == 1 and "plot script is missing" in err, "no plot script under KOUAN_ROOT: exit 1", err)


# ---- damaged ----

def expect_refused(path, name, code=1, allow_ok=False):
    rc, out, err = run("report", path)
    lines = err.splitlines()
    if allow_ok and rc == 0:
        ok(True, f"{name}: read (the damage hit values only), no crash")
        return
    ok(rc == code and len(lines) == 1 and lines[0].startswith(f"kouan: {path}: ") and out == "",
       f"{name}: one line, exit {code}: {lines[0] if lines else ''}", f"exit {rc}\n{err}")


def group_damaged():
    expect_refused(tmp("no-such-file.h5"), "nonexistent file")
    expect_refused(TMP, "a directory")
    text = tmp("text.h5")
    open(text, "w").write("port,mode\n郑州机场,air\n" * 50)
    expect_refused(text, "a text file")
    empty = tmp("empty.h5")
    open(empty, "w").close()
    expect_refused(empty, "an empty file")

    path, d = synthetic_file("base.h5")
    data = open(path, "rb").read()
    for cut in [8, 100, 512, 800, 2048, len(data) // 3, len(data) // 2, len(data) - 1000, len(data) - 1]:
        if 0 < cut < len(data):
            p = tmp(f"trunc{cut}.h5")
            open(p, "wb").write(data[:cut])
            expect_refused(p, f"truncated at {cut} of {len(data)} bytes")
    rng = np.random.default_rng(2026)
    for k in range(12):
        start = int(rng.integers(len(data) // 4, 3 * len(data) // 4)) if k < 10 else [0, 48][k - 10]
        n = int(rng.integers(16, 512))
        b = bytearray(data)
        b[start:start + n] = rng.integers(0, 256, size=min(n, len(data) - start), dtype=np.uint8).tobytes()
        p = tmp(f"noise{k}.h5")
        open(p, "wb").write(bytes(b))
        # noise may land in raw values only (then the file still reads)
        expect_refused(p, f"{n} random bytes at {start}", allow_ok=True)

    # fuzz: small random damage anywhere. HDF5 1.10.8 itself crashes on some
    # of these (reads of a damaged global heap); kouan reads the file in a
    # child first, so the answer is still one line. Under ASan the child may
    # print the library's own report: only a report naming kouan's sources
    # is a failure.
    worst = []
    for k in range(60):
        b = bytearray(data)
        for _ in range(1 + k % 4):
            i = int(rng.integers(0, len(data)))
            b[i:i + 8] = rng.integers(0, 256, size=len(b[i:i + 8]), dtype=np.uint8).tobytes()
        p = tmp("fuzz.h5")
        open(p, "wb").write(bytes(b))
        rc, _, err = run("report", p, "--quiet", timeout=60, damaged=True)
        last = err.splitlines()[-1] if err.strip() else ""
        ours = tap.sanitizer_in_kouan(err)
        if rc not in (0, 1) or ours or (rc == 1 and not last.startswith(f"kouan: {p}: ")):
            worst.append(f"case {k}: exit {rc}: {err[-800:]}")
    ok(not worst, "60 randomly damaged files: exit 0 or 1, the last line names the file, no crash", "\n".join(worst))

    other = tmp("other.h5")
    with h5py.File(other, "w") as f:
        f["x"] = np.arange(10)
    expect_refused(other, "an HDF5 file that is not a kouan file")

    def variant(name, mutate, **kw):
        p = tmp(name)
        make_h5.write(p, d, **kw)
        if mutate:
            with h5py.File(p, "r+") as f:
                mutate(f)
        return p

    expect_refused(variant("v99.h5", None, schema=99), "schema_version 99")
    expect_refused(variant("nosummary.h5", None, summary=False), "no /summary")

    def reshape(name, shape):
        def m(f):
            del f["summary/" + name]
            f["summary/" + name] = np.zeros(shape)
        return m

    R, G, M = d["gv"].shape
    NR = len(d["resources"])
    for name, shape in [("group_values", (R, G, M - 1)), ("group_values", (R + 1, G, M)),
                        ("group_values", (R, G)), ("resource_values", (R, NR + 2, 5)),
                        ("across", (G, M, 3)), ("across", (G * M * 2,))]:
        expect_refused(variant("shape.h5", reshape(name, shape)), f"/summary/{name} of shape {shape}")

    def setattr_(key, value):
        return lambda f: f["summary"].attrs.__setitem__(key, value)

    expect_refused(variant("a1.h5", setattr_("replications", np.int32(-1))), "replications -1")
    expect_refused(variant("a2.h5", setattr_("replications", "three")), "replications a string")
    expect_refused(variant("a3.h5", setattr_("metric_names", np.array(["count"] * 16, dtype=h5py.string_dtype()))),
                   "metric_names wrong")
    expect_refused(variant("a4.h5", lambda f: f["summary"].attrs.__delitem__("metric_names")), "no metric_names")
    expect_refused(variant("a5.h5", lambda f: f.attrs.__setitem__("schema_version", "1")), "schema_version a string")

    def bad_groups(f):
        g = f["summary/groups"][...]
        g["direction"][0] = 7
        del f["summary/groups"]
        f["summary/groups"] = g
    expect_refused(variant("g1.h5", bad_groups), "a group with direction 7")

    def no_column(f):
        del f["summary/groups"]
        f["summary/groups"] = np.zeros(len(d["groups"]), dtype=[("port_index", "<i4"), ("mode", "<i4")])
    expect_refused(variant("g2.h5", no_column), "groups without a port column")

    def groups_as_floats(f):
        del f["summary/groups"]
        f["summary/groups"] = np.zeros(len(d["groups"]))
    expect_refused(variant("g3.h5", groups_as_floats), "groups not a compound")

    def summary_dataset(f):
        del f["summary"]
        f["summary"] = np.zeros(3)
    expect_refused(variant("s1.h5", summary_dataset), "/summary a dataset")


# ---- run: kouan run -o, then report ----

def group_run():
    h5 = tmp("run.h5")
    args = ["run", "tests/lua/port_small.lua", "--reps", "2", "--seed", "5"]
    rc, out, err = run(*args, "-o", h5, cwd=SRCROOT)
    if rc == 2 and ("unknown option" in err or "-o" in err) and not os.path.exists(h5):
        skip("kouan run -o X.h5 then kouan report X.h5", "kouan run cannot write HDF5 yet")
        return
    ok(rc == 0 and os.path.exists(h5), "kouan run -o writes the file", err)
    rc2, out2, err2 = run("report", h5)
    ok(rc2 == 0 and err2 == "", "kouan report on the run's file: exit 0", err2)
    ok(out2 == out, "report prints the table the run printed, byte for byte",
       "\n".join(f"-{a}\n+{b}" for a, b in zip(out.splitlines(), out2.splitlines()) if a != b) or out2)
    out_csv = tmp("run.csv")
    rc3, _, err3 = run("report", h5, "--quiet", "--csv", out_csv)
    ok(rc3 == 0 and len(read_csv(out_csv)[1]) > 16, "CSV from the run's file", err3)
    if subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"], capture_output=True).returncode == 0:
        png = tmp("run.png")
        rc4, _, err4 = run("report", h5, "--quiet", "--plot", png,
                           env={"KOUAN_ROOT": SRCROOT, "MPLCONFIGDIR": tmp("mpl")})
        ok(rc4 == 0, "plot from the run's file", err4)
        if rc4 == 0:
            check_png(png, "run file")


try:
    {"table": group_table, "csv": group_csv, "plot": group_plot, "damaged": group_damaged,
     "run": group_run}[ARGS.group]()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
tap.done()
