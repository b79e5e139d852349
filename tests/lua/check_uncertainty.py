#!/usr/bin/env python3
"""check_uncertainty.py — `kouan run --uncertainty N` (core/cmd/uncertainty.h,
core/exp/uncertainty.h, core/io/h5uncertainty.h) against known answers;
prints TAP for meson.

usage: check_uncertainty.py GROUP --kouan KOUAN [--root SRCROOT]   (tests/tap.py)
  GROUP   mm1 | command | damaged | plot | workbook   (all read the uncertainty file with h5py)

mm1: mm1_uncertain.lua (this folder) is an M/M/1 queue, mu = 1 per hour,
whose arrival rate is uniform on A..B. A consignment's clearance time is
its sojourn W(lambda) = 1 / (mu - lambda), increasing in lambda, so the
band of the draw means has exact ends W(A + 0.05 (B - A)) and
W(A + 0.95 (B - A)), and the mean over the prior is
E[W] = ln((mu - A) / (mu - B)) / (B - A). The checks: the printed band and
its intervals are what the order-statistic rule of exp/uncertainty.c gives
on /values; each exact band end lies in the tool's stated interval (the
order-statistic 95 % interval, widened by the stated noise half-width of a
draw's mean, which the interval does not cover: on common random numbers
every draw shares the same replications' error); each draw's mean is
W(its lambda) within that noise; the mean matches E[W]; lambda ranks first
with rho = +1.
command: -j 1 and -j 2 give the same stdout and /values; `kouan report F`
prints what the command printed; the file's shapes, its priors against
the --dump rows, the draws inside each range and stratified (one draw in
each of N equal-probability bins, for the shapes whose CDF is simple);
the refusals (no uncertain{} value, --uncertainty 1).
damaged: truncated files, a dataset of the wrong shape, a wrong
schema_version, a missing dataset, metric_names missing or in another
order: one line and exit 1 from `kouan report`.
plot: `kouan report F --plot OUT.png` writes a 16:9 figure that is not blank.
workbook: compare --uncertainty --csv --xlsx: the .xlsx read back with
openpyxl (sheets, headers with units, every cell the CSV's, numbers as
numbers, the draw means of /values, provenance); --lang zh: the table,
the CSV's and the workbook's headers and names in Chinese (a port's
scenario name_zh), --bom, the numbers the English run's; the refusals
left (--csv-long, --independent, --until-halfwidth) name the option.
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

ARGS = tap.parse_args(__doc__, ["mm1", "command", "damaged", "plot", "workbook", "mpi"])
KOUAN, TESTDIR = ARGS.kouan, os.path.join(ARGS.root, "tests", "lua")
ENV = dict(os.environ, KOUAN_ROOT=ARGS.root)
MM1 = "mm1_uncertain.lua"
A, B, MU = 0.5, 0.8, 1.0  # the prior of lambda in mm1_uncertain.lua, the service rate
OVERALL, CUSTOMS = 1, 6  # metric columns of /values (checked against metric_names)

import h5py  # noqa: E402
import numpy as np  # noqa: E402

SCRATCH = tempfile.mkdtemp(prefix="kouan-unc-")


class Result:
    def __init__(self, t):
        self.returncode, self.stdout, self.stderr = t


def run(*args, cwd=TESTDIR, **kw):
    return Result(tap.run([KOUAN, *args], f"kouan {' '.join(args)}", timeout=300, cwd=cwd, env=ENV, **kw))


def W(lam):
    return 1.0 / (MU - lam)


def quantile_ci(s, p):
    """The order-statistic 95 % interval of exp/uncertainty.c (quantile_ci):
    ranks np -+ 1.96 sqrt(np(1-p)), widened to whole ranks, clipped to 1..n."""
    n = len(s)
    np_, sd = n * p, math.sqrt(n * p * (1 - p))
    lo, hi = math.floor(np_ - 1.96 * sd), math.ceil(np_ + 1.96 * sd) + 1
    return s[max(lo, 1) - 1], s[min(hi, n) - 1]


def table_row(out, metric):
    """The numbers of the first 'METRIC scenario' row of the table."""
    m = re.search(rf"^\s+{metric} scenario\s+(.*)$", out, re.M)
    return [float(v) for v in re.findall(r"-?\d+\.\d+", m.group(1))] if m else None


def check_mm1():
    path = os.path.join(SCRATCH, "mm1.h5")
    n = 40
    r = run("run", MM1, "--uncertainty", str(n), "--set", "days=2000", "-j", "2", "-o", path)
    if not ok(r.returncode == 0 and os.path.exists(path), "the M/M/1 experiment runs", r.stderr):
        return
    with h5py.File(path, "r") as f:
        names = [tap_text(v) for v in f.attrs["metric_names"]]
        ok(names[OVERALL] == "overall_mean" and names[CUSTOMS] == "customs_mean", "metric columns", names)
        lam = f["draws"][:, 0]
        vals = f["values"][...]
    nd, na, nr = vals.shape[:3]
    ok((nd, na, nr) == (n, 1, 2), "40 draws x 1 alternative x 2 replications", vals.shape)
    y = vals[:, 0, :, 0, OVERALL]  # group 0: the port's import = all ports, import
    ok(np.array_equal(y, vals[:, 0, :, 0, CUSTOMS]), "no preparation: overall time = customs time")
    means = y.mean(axis=1)
    s = np.sort(means)
    band = np.quantile(means, [0.05, 0.95])  # linear interpolation: Hyndman & Fan type 7, as GSL
    ci_lo, ci_hi = quantile_ci(s, 0.05), quantile_ci(s, 0.95)
    within = ((y - means[:, None]) ** 2).sum() / (nd * (nr - 1))
    t975_40 = 2.0211  # Student t, 97.5 %, df = nd (nr - 1) = 40
    noise = t975_40 * math.sqrt(within / nr)
    row = table_row(r.stdout, "overall_mean")
    want = [y.mean(), noise, band[0], *ci_lo, band[1], *ci_hi]
    ok(row is not None and len(row) >= 8 and all(abs(a - b) <= 0.0051 for a, b in zip(row, want)),
       "the printed mean, noise, band and intervals are those of /values (order statistics)",
       f"printed {row}\nrecomputed {[round(v, 4) for v in want]}")
    exact_lo, exact_hi = W(A + 0.05 * (B - A)), W(A + 0.95 * (B - A))
    ok(ci_lo[0] - noise <= exact_lo <= ci_lo[1] + noise,
       f"band 5 %: exact {exact_lo:.4f} in the stated interval {ci_lo[0]:.4f}..{ci_lo[1]:.4f} +- noise {noise:.4f}")
    ok(ci_hi[0] - noise <= exact_hi <= ci_hi[1] + noise,
       f"band 95 %: exact {exact_hi:.4f} in the stated interval {ci_hi[0]:.4f}..{ci_hi[1]:.4f} +- noise {noise:.4f}")
    # the interval is not vacuous: narrower than the prior's whole range of W
    ok(ci_lo[1] - ci_lo[0] < 0.2 * (W(B) - W(A)) and ci_hi[1] - ci_hi[0] < 0.5 * (W(B) - W(A)),
       "the stated intervals are informative", (ci_lo, ci_hi))
    # the hypercube: the draws of lambda, one in each of the n equal bins
    bins = np.floor((lam - A) / (B - A) * n).astype(int)
    ok(sorted(bins.tolist()) == list(range(n)), "lambda: one draw in each of 40 equal bins", sorted(bins.tolist()))
    dev = np.abs(means - W(lam))
    ok(np.all(dev <= noise + 0.02 * W(lam)), "each draw's mean is W(lambda) within the noise",
       f"worst {dev.max():.4f} at lambda {lam[dev.argmax()]:.4f}, noise {noise:.4f}")
    exact_mean = math.log((MU - A) / (MU - B)) / (B - A)
    # a stratified mean of the increasing W errs by at most (W(B) - W(A)) / n
    lhs_mean = W(lam).mean()
    ok(abs(lhs_mean - exact_mean) <= (W(B) - W(A)) / n, "E[W(lambda)] over the draws is E[W] within the strata",
       f"{lhs_mean:.4f} vs {exact_mean:.4f}")
    ok(abs(y.mean() - exact_mean) <= noise + (W(B) - W(A)) / n,
       f"the mean {y.mean():.4f} is E[W] = ln((mu-a)/(mu-b))/(b-a) = {exact_mean:.4f} within its error",
       f"noise {noise:.4f}")
    ok(re.search(r"what moves overall_mean \(Spearman's rho over the draws\): lambda \+1\.00", r.stdout),
       "lambda ranked with rho = +1.00", r.stdout[-400:])


def tap_text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def small(path, *extra, scen=MM1):
    return run("run", scen, "--uncertainty", "8", *(["--set", "days=60"] if scen == MM1 else ["--until", "100"]),
               "-o", path, "--force", *extra)


def dump_priors(scen):
    r = run("run", scen, "--dump")
    rows = {}
    for line in r.stdout.splitlines():
        m = re.match(r"uncertain\.(\S+) = (\S+) (.*?), central .*?; ([^;]+\.lua:\d+)(?:; source: (.*))?$", line)
        if m:
            rows[m.group(1)] = m.groups()[1:]
    return rows


def prior_cdf(shape, p, x):
    """CDF of the shapes with a closed form (None otherwise)."""
    lo, hi, mode = p[0], p[1], p[2]
    if shape == "uniform":
        return (x - lo) / (hi - lo)
    if shape == "loguniform":
        return math.log(x / lo) / math.log(hi / lo)
    if shape == "triangular":
        return ((x - lo) ** 2 / ((hi - lo) * (mode - lo)) if x <= mode
                else 1 - (hi - x) ** 2 / ((hi - lo) * (hi - mode)))
    return None


def check_command():
    f1, f2 = os.path.join(SCRATCH, "j1.h5"), os.path.join(SCRATCH, "j2.h5")
    r1, r2 = small(f1, "-j", "1"), small(f2, "-j", "2")
    ok(r1.returncode == 0 and r2.returncode == 0, "both runs", r1.stderr + r2.stderr)
    ok(r1.stdout == r2.stdout and r1.stdout, "-j 1 and -j 2: the same stdout")
    with h5py.File(f1, "r") as a, h5py.File(f2, "r") as b:
        ok(np.array_equal(a["values"][...], b["values"][...], equal_nan=True), "-j 1 and -j 2: the same /values")
        ok(np.array_equal(a["draws"][...], b["draws"][...]), "-j 1 and -j 2: the same /draws")
    rr = run("report", f1)
    ok(rr.returncode == 0 and rr.stdout == r1.stdout, "kouan report F prints what the command printed",
       rr.stdout[:300] + rr.stderr)
    # the file against --dump, on the scenario with a prior of each shape
    path = os.path.join(SCRATCH, "shapes.h5")
    n = 8
    r = small(path, "-j", "2", scen="port_uncertain.lua")
    ok(r.returncode == 0, "port_uncertain.lua --uncertainty 8", r.stderr)
    dump = dump_priors("port_uncertain.lua")
    with h5py.File(path, "r") as f:
        ok(tap_text(f.attrs["schema"]) == "kouan-uncertainty" and int(f.attrs["schema_version"]) == 1,
           "schema and version")
        names = [tap_text(v) for v in f["prior_name"][...]]
        shapes = [tap_text(v) for v in f["prior_shape"][...]]
        where = [tap_text(v) for v in f["prior_where"][...]]
        source = [tap_text(v) for v in f["prior_source"][...]]
        par = f["prior_parameters"][...]
        draws = f["draws"][...]
        vals = f["values"]
        nm = len(f.attrs["metric_names"])
        ng = len(f["group_port"])
        ok(names == list(dump), "prior names and order as --dump", (names, list(dump)))
        ok(par.shape == (len(names), 5) and draws.shape == (n, len(names)), "/prior_parameters and /draws shapes",
           (par.shape, draws.shape))
        ok(vals.shape == (n, 1, 2, ng, nm) and nm == 16, "/values [D][A][R][G][M]", vals.shape)
        ok(all(len(f[k]) == ng for k in ("group_port_index", "group_mode", "group_direction")), "group datasets")
        ok(len(f["alternatives"]) == 1, "one alternative")
    for i, nme in enumerate(names):
        if nme not in dump:
            continue
        shape, desc, wh, src = dump[nme]
        nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", desc)]
        lo, hi, mode, mean, sd = par[i]
        if shape == "normal":  # "mean M sd S in LO..HI"
            want = [mean, sd, lo, hi]
        else:  # "LO..HI[ mode M]"
            want = [lo, hi] + ([mode] if shape in ("triangular", "pert") else [])
        ok(shapes[i] == shape and where[i] == wh and source[i] == (src or "")
           and len(nums) == len(want) and all(math.isclose(a, b, rel_tol=1e-5) for a, b in zip(nums, want)),
           f"prior {nme}: the file's row is the --dump row",
           f"dump {shape} {desc} {wh} {src}\nfile {shapes[i]} {par[i]} {where[i]} {source[i]}")
        col = draws[:, i]
        ok(np.all((col >= lo) & (col <= hi)), f"prior {nme}: the draws inside {lo}..{hi}", col)
        if prior_cdf(shape, par[i], lo) is not None:
            bins = sorted(int(math.floor(prior_cdf(shape, par[i], x) * n)) for x in col)
            ok(bins == list(range(n)), f"prior {nme} ({shape}): one draw in each of {n} equal-probability bins",
               bins)
    # refusals
    r = run("run", "port_small.lua", "--uncertainty", "4", "--no-output")
    ok(r.returncode == 2 and "no uncertain{} value" in r.stderr, "a scenario without uncertain{}: exit 2, said",
       r.stderr)
    r = run("run", MM1, "--uncertainty", "1", "--no-output")
    ok(r.returncode == 2 and "--uncertainty" in r.stderr, "--uncertainty 1: exit 2", r.stderr)


def damaged_case(name, path):
    r = run("report", path, library_reports=True, children_contained=True)
    lines = r.stderr.strip().splitlines()
    ok(r.returncode == 1 and len(lines) == 1 and lines[0].startswith("kouan: "),
       f"damaged ({name}): one line, exit 1", f"exit {r.returncode}\n{r.stderr}")


def check_damaged():
    good = os.path.join(SCRATCH, "good.h5")
    r = small(good, "-j", "2")
    if not ok(r.returncode == 0, "the file to damage", r.stderr):
        return
    data = open(good, "rb").read()
    for frac in (0.5, 0.9):
        p = os.path.join(SCRATCH, f"trunc{int(frac * 100)}.h5")
        with open(p, "wb") as f:
            f.write(data[:int(len(data) * frac)])
        damaged_case(f"truncated to {int(frac * 100)} %", p)

    def edited(name, edit):
        p = os.path.join(SCRATCH, f"{name}.h5")
        shutil.copy(good, p)
        with h5py.File(p, "r+") as f:
            edit(f)
        damaged_case(name, p)

    def reshape(key, shape_of):
        def edit(f):
            old = f[key][...]
            del f[key]
            f.create_dataset(key, data=np.zeros(shape_of(old.shape), dtype=old.dtype))
        return edit

    edited("draws-wrong-shape", reshape("draws", lambda s: (s[0], s[1] + 1)))
    edited("values-wrong-shape", reshape("values", lambda s: (s[0] - 1,) + s[1:]))
    edited("params-wrong-shape", reshape("prior_parameters", lambda s: (s[0], 4)))
    edited("values-flat", reshape("values", lambda s: (int(np.prod(s)),)))
    edited("schema-version-2", lambda f: f.attrs.__setitem__("schema_version", 2))
    edited("no-values", lambda f: f.__delitem__("values"))
    edited("no-metric-names", lambda f: f.attrs.__delitem__("metric_names"))

    def swap_metrics(f):
        names = [tap_text(v) for v in f.attrs["metric_names"]]
        names[1], names[2] = names[2], names[1]
        f.attrs["metric_names"] = names
    edited("metric-names-swapped", swap_metrics)


def check_plot():
    path, png = os.path.join(SCRATCH, "plot.h5"), os.path.join(SCRATCH, "unc.png")
    scen = os.path.join(SCRATCH, "two_eras.lua")
    with open(os.path.join(TESTDIR, MM1)) as f:  # two alternatives: a faster reviewer in "2021"
        text = f.read()
    text = text.replace('  fitted =', '  era = "2017",\n  eras = { ["2017"] = {}, ["2021"] = { ports = { '
                        '{ name = "MM1", doc_check = { "exponential", mean = 0.6 } } } } },\n  fitted =')
    with open(scen, "w") as f:
        f.write(text)
    r = run("compare", scen, "--era", "2017", "--era", "2021", "--uncertainty", "8", "--set", "days=60",
            "-o", path, "--force", cwd=SCRATCH)
    if not ok(r.returncode == 0, "compare --uncertainty 8 of two eras", r.stderr):
        return
    r = run("report", path, "--plot", png)
    ok(r.returncode == 0 and os.path.exists(png), "kouan report F --plot OUT.png writes the chart", r.stderr)
    if not os.path.exists(png):
        return
    import matplotlib.image as mpimg
    img = mpimg.imread(png)
    h, w = img.shape[:2]
    ok(abs(w / h - 16 / 9) < 0.01, f"16:9 ({w}x{h})")
    ok(float(img[..., :3].std()) > 0.05 and (img[..., :3] < 0.5).mean() > 0.005, "not blank",
       f"std {img[..., :3].std():.3f}")


def read_csv(path):
    import csv
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def same_cell(x, text):
    """An .xlsx cell against its CSV field (numbers to 1e-9; "" for none)."""
    if isinstance(x, str):
        return x == text
    if text == "":
        return x is None
    return isinstance(x, (int, float)) and abs(x - float(text)) <= 1e-9 * max(1.0, abs(x))


def check_workbook():
    try:
        import openpyxl
    except ImportError:
        raise SystemExit("Bail out! openpyxl is missing (Debian: python3-openpyxl, scripts/bootstrap.sh)")
    named = os.path.join(SCRATCH, "named.lua")
    with open(named, "w", encoding="utf-8") as f:  # a port whose Chinese name only its scenario knows
        f.write('return (import "tests/lua/port_uncertain.lua"):with '
                '{ ports = { { name = "TST", name_zh = "许昌测试港" } } }\n')
    base = ("compare", named, "--era", "2017", "--era", "2021", "--uncertainty", "4", "--until", "100", "-j", "2")
    got = {}
    for lang in ("en", "zh"):
        p = {k: os.path.join(SCRATCH, f"{lang}.{k}") for k in ("csv", "xlsx", "h5")}
        r = run(*base, "--lang", lang, "--csv", p["csv"], "--xlsx", p["xlsx"], "-o", p["h5"],
                *(["--bom"] if lang == "zh" else []), cwd=ARGS.root)
        if not ok(r.returncode == 0 and f"workbook {p['xlsx']}" in r.stderr, f"--lang {lang} --csv --xlsx: exit 0",
                  r.stderr):
            tap.done()  # nothing to read back
        head, rows = read_csv(p["csv"])
        wb = openpyxl.load_workbook(p["xlsx"])
        xs = [list(x) for x in wb.worksheets[0].iter_rows(values_only=True)]
        got[lang] = (r, head, rows, wb, xs, p)
        ok(xs[0] == head and len(xs) == len(rows) + 1
           and all(same_cell(x, t) for xr, cr in zip(xs[1:], rows) for x, t in zip(xr, cr)),
           f"--lang {lang}: the sheet's header and every cell are the CSV's", (xs[:2], head, rows[:1]))
        ok(all(isinstance(v, (int, float)) for v in xs[1][4:]) and isinstance(xs[1][0], int)
           and wb.worksheets[0].cell(2, len(head)).number_format == "0.00",
           f"--lang {lang}: the draw, drawn values and means are numbers (format 0.00)", xs[1])
    r, head, rows, wb, xs, p = got["en"]
    ok(wb.sheetnames == ["draws", "provenance"] and head[:4] == ["draw", "alternative", "group", "direction"]
       and head[-3:] == ["overall_mean (h)", "customs_mean (h)", "prep_mean (h)"],
       "English: sheets draws and provenance; the means' headers say their unit", (wb.sheetnames, head))
    with h5py.File(p["h5"], "r") as f:
        v = f["values"][...]  # [D][A][R][G][M]
        ports = [tap_text(x) for x in f["group_port"][...]]
        dirs = [int(x) for x in f["group_direction"][...]]
        m = [tap_text(x) for x in f.attrs["metric_names"]].index("overall_mean")
        n_pr = len(f["prior_name"])
        draws = f["draws"][...]
    G = len(ports)
    ok(len(rows) == 4 * 2 * G, "one row per draw x alternative x group", len(rows))
    close = lambda text, x: abs(float(text) - x) <= 1e-9 * max(1.0, abs(x))  # noqa: E731 (CSV: %.10g)
    agree = all(close(row[-3], float(np.nanmean(v[int(row[0]) - 1, (0 if row[1] == "2017" else 1), :, i % G, m])))
                and all(close(row[4 + k], draws[int(row[0]) - 1, k]) for k in range(n_pr))
                for i, row in enumerate(rows))
    ok(agree, "each row's overall_mean (h) is the draw mean of /values, its drawn values /draws")
    prov = {x[0]: x[1] for x in list(wb["provenance"].iter_rows(values_only=True))[1:]}
    ok(prov.get("seed") == 1 and prov.get("draws") == 4 and prov.get("replications per draw") == 2
       and "named.lua" in prov.get("scenario files", "") and prov.get("kouan version"),
       "provenance: scenario file, seed, draws, replications per draw, version", prov)
    rz, hz, rowsz, wbz, xsz, pz = got["zh"]
    ok(open(pz["csv"], "rb").read(3) == b"\xef\xbb\xbf", "--bom: a byte-order mark first")
    ok(wbz.sheetnames == ["各次抽样", "来源"] and hz[:4] == ["抽样", "方案", "口岸", "方向"]
       and hz[-3:] == ["整体通关时间均值 (小时)", "海关时间均值 (小时)", "准备时间均值 (小时)"],
       "--lang zh: sheets and headers in Chinese, with the unit", (wbz.sheetnames, hz))
    ok({x[2] for x in rowsz} == {"全部口岸", "许昌测试港"} and {x[3] for x in rowsz} == {"进口", "出口"}
       and {x[2] for x in rows} == {"all ports", "TST"},
       "--lang zh: the port's name_zh and kouan's words in the rows (English: the names)",
       ({x[2] for x in rowsz}, {x[2] for x in rows}))
    ok([x[:2] + x[4:] for x in rowsz] == [x[:2] + x[4:] for x in rows], "--lang zh: the numbers are the English run's")
    out = rz.stdout
    for want in ("次抽样（拉丁超立方，种子 1）", "不确定参数（普通运行取中位数）：", "== 全部口岸, 进口 ==", "指标 (小时)",
                 "整体通关时间均值 2021", "变化 % 较 2017", "目标 整体通关时间均值 -1/3，2021 对比 2017：", "影响 2021 变化 %"):
        ok(want in out, f"--lang zh table: '{want}'", out[:2500])
    ok(not any(w in out for w in ("draws", "metric", "band", "target", "what moves", "change vs", "all ports",
                                  "import")), "--lang zh table: no English words of the table left", out[:2500])
    rr = run("report", pz["h5"])
    ok(rr.returncode == 0 and rr.stdout == got["en"][0].stdout, "kouan report of the zh run's file: the English table",
       rr.stdout[:300] + rr.stderr)
    for extra, name in ((["--csv-long", os.path.join(SCRATCH, "l.csv")], "--csv-long"), (["--independent"], "--independent"),
                        (["--until-halfwidth", "1"], "--until-halfwidth")):
        r = run(*base, "--no-output", *extra, cwd=ARGS.root)
        ok(r.returncode == 2 and f"--uncertainty: not with {name} (it takes --csv, --xlsx, --bom, --lang" in r.stderr
           and r.stderr.count("\n") == 1, f"--uncertainty with {name}: exit 2, names it", r.stderr)


def check_mpi():
    """mpiexec -n 2 and -n 3 (draw d on rank d mod N, rank 0 writes) give
    the table and the file of a plain run, byte for byte."""
    plain = os.path.join(SCRATCH, "plain.h5")
    base = run("compare", "port_uncertain.lua", "port_uncertain.lua", "--uncertainty", "7", "--until", "100",
               "-j", "1", "-o", plain)
    ok(base.returncode == 0, "plain compare --uncertainty 7", base.stderr)
    for n in (2, 3):
        path = os.path.join(SCRATCH, f"mpi{n}.h5")
        args = [tap.tool("mpiexec", required=True), "-n", str(n), KOUAN, "compare", "port_uncertain.lua",
                "port_uncertain.lua", "--uncertainty", "7", "--until", "100", "-j", "1", "-o", path]
        rc, out, err = tap.run(args, f"mpiexec -n {n} kouan compare --uncertainty 7", timeout=300, cwd=TESTDIR,
                               env=ENV)
        ok(rc == 0 and out == base.stdout, f"mpiexec -n {n}: exit 0, the table of the plain run", err)
        with h5py.File(plain) as a, h5py.File(path) as b:
            ok(all(a[k][()].tobytes() == b[k][()].tobytes() for k in ("values", "draws", "prior_parameters")),
               f"mpiexec -n {n}: /values, /draws, /prior_parameters byte-identical")


try:
    {"mm1": check_mm1, "command": check_command, "damaged": check_damaged, "plot": check_plot,
     "workbook": check_workbook, "mpi": check_mpi}[ARGS.group]()
finally:
    shutil.rmtree(SCRATCH, ignore_errors=True)
tap.done()
