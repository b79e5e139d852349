#!/usr/bin/env python3
"""check_compare.py — `kouan compare` end to end on tests/lua/port_small.lua
(eras 2017 and 2021); prints TAP for meson.

usage: check_compare.py GROUP --kouan KOUAN [--root SRCROOT]   (tests/tap.py)
  GROUP  crn | table | file | sequential | plot | usage | variant | alternatives | rounding | group | verdicts
         | faults
crn: common random numbers against independent seeds, the variance of the
paired difference of the all-ports import overall mean time (ratio < 0.5).
variant: a variant made with :with{} against the era it starts from
(tests/lua/port_variant.lua): its change is run, not lost under the era.
alternatives: FILE:ERA (an era per file) and --label (the names printed).
rounding: two alternatives that differ only in float noise (a fee 3e-12
apart): the table prints 0.00 and 0, never 2.5e-13 or -0.00.
group: --group prints only the groups it names (a header's name, without
its commas, a port's name, a pattern), the CSV keeps them all; an unknown
group is refused before any run, naming the nearest.
verdicts: Henan 2017 against a variant that changes ZZ rail import only:
the untouched groups say "(no difference)" (table and compare file), the
others their verdict with the hours beside the %, both as the table's
rows, the CSV and the means give them.
"""
import csv
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["crn", "table", "file", "sequential", "plot", "usage", "variant", "alternatives", "rounding",
                                "group", "verdicts", "faults"])
GROUP, KOUAN, ROOT = ARGS.group, ARGS.kouan, ARGS.root
SCN = os.path.join(ROOT, "tests", "lua", "port_small.lua")
ERAS = ["--era", "2017", "--era", "2021"]
TMP = tempfile.mkdtemp(prefix="kouan-compare-")


def run(*args, timeout=300):
    return tap.run([KOUAN, "compare", *args], f"kouan compare {' '.join(args)}", timeout=timeout, cwd=TMP)


def rows(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def row(rs, port, direction, metric, alt):
    for r in rs:
        if (r["port"], r["direction"], r["metric"], r["alternative"]) == (port, direction, metric, alt):
            return r
    raise SystemExit(f"Bail out! no CSV row {port} {direction} {metric} {alt}")


def first_diff(out, block, metric):
    """The paired difference printed under `metric` in the block `block`."""
    lines = out.split(f"== {block} ==\n", 1)[-1].splitlines()
    for i, line in enumerate(lines):
        if line.startswith(metric) and i + 1 < len(lines) and "vs baseline" in lines[i + 1]:
            return float(lines[i + 1].split()[2])
    raise SystemExit(f"Bail out! no '{metric}' difference in '{block}'")


def reps_of(r):
    return [float(r[k]) for k in r if k.startswith("rep_") and r[k] != ""]


if GROUP == "crn":
    n = 30
    var = {}
    for mode in ("common", "independent"):
        out = os.path.join(TMP, mode + ".csv")
        extra = ["--independent"] if mode == "independent" else []
        code, _, err = run(SCN, *ERAS, "--reps", str(n), "--no-output", "--quiet", "--csv-long", out, *extra)
        ok(code == 0, f"{mode} seeds: exit 0", err)
        rs = rows(out)
        b = reps_of(row(rs, "all ports", "import", "overall_mean", "2017"))
        a = reps_of(row(rs, "all ports", "import", "overall_mean", "2021"))
        ok(len(a) == len(b) == n, f"{mode}: {n} replications each")
        d = [x - y for x, y in zip(a, b)]
        var[mode] = statistics.variance(d)
        r2021 = row(rs, "all ports", "import", "overall_mean", "2021")
        ok(abs(float(r2021["diff_mean"]) - statistics.mean(d)) < 1e-6, f"{mode}: diff_mean is the mean of differences")
    ratio = var["common"] / var["independent"]
    print(f"# variance of the paired difference (2021 - 2017, all ports import overall_mean, {n} reps): "
          f"common {var['common']:.4f}, independent {var['independent']:.4f}, ratio {ratio:.3f}")
    ok(ratio < 0.5, f"CRN variance ratio {ratio:.3f} < 0.5")

elif GROUP == "table":
    code, out, err = run(SCN, *ERAS, "--reps", "5", "--no-output")
    ok(code == 0, "exit 0", err)
    for want in ("== all ports, import ==", "== all ports, export ==", "== TST, import, air ==",
                 "== TST, export, road ==", "overall_mean (h)", "overall_median (h)", "overall_p90 (h)",
                 "customs_mean (h)", "prep_mean (h)", "inspection_rate (%)", "cost_mean (CNY)",
                 "  vs baseline", "  % change", "common random numbers", "baseline 2017"):
        ok(want in out, f"table shows '{want}'", out[:2000])
    verdicts = [l for l in out.splitlines() if l.startswith("target overall_mean")]
    ok(len(verdicts) == 8, "two target lines per group (4 groups)", "\n".join(verdicts))
    ok(all(any(v in l for v in (" met", " not met", " undecided")) for l in verdicts), "each has a verdict")
    ok(any("-1/3" in l for l in verdicts) and any("-1/2" in l for l in verdicts), "targets -1/3 and -1/2")
    code2, out2, _ = run(SCN, *ERAS, "--reps", "5", "--no-output")
    ok(code2 == 0 and out2 == out, "same seed: identical output")
    _, out3, _ = run(SCN, *ERAS, "--reps", "5", "--no-output", "--seed", "7")
    ok(out3 != out and "seeds 7-11" in out3, "another seed: another table")
    # two scenario files: the same comparison as two eras of one file
    a, b = os.path.join(TMP, "a.lua"), os.path.join(TMP, "b.lua")
    for path, era in ((a, "2017"), (b, "2021")):
        with open(path, "w") as f:
            f.write(f'return (import "tests/lua/port_small.lua"):with {{ era = "{era}" }}\n')
    code4, out4, err4 = run(a, b, "--reps", "5", "--no-output")
    ok(code4 == 0, "two files: exit 0", err4)
    strip = lambda s: [l.split(None, 2)[-1] for l in s.splitlines() if "vs baseline" in l]
    ok(code4 == 0 and strip(out4) == strip(out), "two files: the same paired differences as two eras",
       out4[:1500])

elif GROUP == "file":
    import h5py
    import numpy as np
    code, out, err = run(SCN, *ERAS, "--reps", "4", "--csv-long", "t.csv")
    path = os.path.join(TMP, "results", "compare-port_small-2017-2021-s1.h5")
    ok(code == 0 and os.path.exists(path), "default name results/compare-port_small-2017-2021-s1.h5", err)
    code2, _, err2 = run(SCN, *ERAS, "--reps", "4", "--quiet")
    ok(code2 == 0 and os.path.exists(path[:-3] + "-2.h5"), "a second run takes the next free name", err2)
    code3, _, err3 = run(SCN, *ERAS, "--reps", "4", "-o", "results/compare-port_small-2017-2021-s1.h5")
    ok(code3 == 2 and "refusing to overwrite" in err3, "-o onto an existing file: exit 2", err3)
    with h5py.File(path, "r") as f:
        ok(f.attrs["schema"] == "kouan-compare" and f.attrs["complete"] == 1, "schema and complete = 1")
        names = {"alternatives", "group_port", "group_mode", "group_direction", "metrics", "seeds", "values",
                 "mean", "half_width", "diff_mean", "diff_half_width", "pct_change_mean",
                 "pct_change_half_width", "verdict_third", "verdict_half"}
        ok(names <= set(f.keys()), "documented datasets", sorted(f.keys()))
        alts = [s.decode() for s in f["alternatives"][()]]
        ok(alts == ["2017", "2021"], "alternatives 2017, 2021", alts)
        v = f["values"][()]
        A, R, G, M = v.shape
        ok((A, R) == (2, 4) and G == 4, f"values [alt][rep][group][metric] {v.shape}")
        ok((f["seeds"][()] == np.array([[1, 2, 3, 4], [1, 2, 3, 4]])).all(), "common seeds 1..4")
        metrics = [s.decode() for s in f["metrics"][()]]
        m = metrics.index("overall_mean")
        ports = [s.decode() for s in f["group_port"][()]]
        g = [i for i in range(G) if ports[i] == "all ports" and f["group_direction"][i] == 0][0]
        d = v[1, :, g, m] - v[0, :, g, m]
        ok(abs(f["diff_mean"][1, g, m] - d.mean()) < 1e-9, "diff_mean = mean of per-replication differences")
        half = 3.182446305284263 * d.std(ddof=1) / 2  # t_{0.975,3} sd / sqrt(4)
        ok(abs(f["diff_half_width"][1, g, m] - half) < 1e-6, "diff_half_width = t sd / sqrt(n)")
        pct = 100 * d / v[0, :, g, m]
        ok(abs(f["pct_change_mean"][1, g, m] - pct.mean()) < 1e-9, "pct_change_mean")
        lo = pct.mean() - f["pct_change_half_width"][1, g, m]
        hi = pct.mean() + f["pct_change_half_width"][1, g, m]
        want = 1 if hi < -100 / 3 else 2 if lo > -100 / 3 else 0
        ok(f["verdict_third"][1, g] == want, "verdict_third agrees with the interval")
        rs = rows(os.path.join(TMP, "t.csv"))
        r = row(rs, "all ports", "import", "overall_mean", "2021")
        ok(abs(float(r["diff_mean"]) - d.mean()) < 1e-6, "CSV agrees with the file")
    code4, _, _ = run(SCN, *ERAS, "--reps", "2", "--no-output")
    ok(code4 == 0 and not os.path.exists(path[:-3] + "-3.h5"), "--no-output: no file")

elif GROUP == "sequential":
    H = 0.6
    code, out, err = run(SCN, *ERAS, "--reps", "4", "--until-halfwidth", str(H), "--max-reps", "60",
                         "--no-output", "--csv-long", "s.csv")
    ok(code == 0, "exit 0", err)
    line = [l for l in out.splitlines() if l.startswith("stopped")]
    ok(len(line) == 1 and f"<= {H:g} after" in line[0], "says it stopped on the half-width", out[:600])
    rs = rows(os.path.join(TMP, "s.csv"))
    r = row(rs, "all ports", "import", "overall_mean", "2021")
    n = int(r["replications"])
    ok(line and f"after {n} replications" in line[0], f"reports the replications used ({n})")
    ok(n % 4 == 0 and 4 < n < 60, f"batches of 4, below the maximum ({n})")
    ok(float(r["diff_half_width"]) <= H, f"half-width {float(r['diff_half_width']):.3f} <= {H}")
    code, _, _ = run(SCN, *ERAS, "--reps", str(n - 4), "--no-output", "--quiet", "--csv-long", "p.csv")
    prev = float(row(rows(os.path.join(TMP, "p.csv")), "all ports", "import", "overall_mean", "2021")["diff_half_width"])
    ok(prev > H, f"one batch fewer was not enough ({prev:.3f} > {H})")
    code, out, err = run(SCN, *ERAS, "--reps", "4", "--until-halfwidth", "0.001", "--max-reps", "10",
                         "--no-output")
    ok(code == 0 and "stopped at --max-reps 10" in out and "10 replications" in out,
       "an unreachable half-width stops at --max-reps", out[:600] + err)

elif GROUP == "plot":
    import struct
    path, png = os.path.join(TMP, "p.h5"), os.path.join(TMP, "p.png")
    code, out, err = run(SCN, *ERAS, "--reps", "3", "-o", path, "--plot", png, "--quiet")
    ok(code == 0 and os.path.exists(png) and os.path.getsize(png) > 10000, "--plot writes a PNG of > 10 kB", err)
    if os.path.exists(png):
        with open(png, "rb") as f:
            head = f.read(24)
        w, h = struct.unpack(">II", head[16:24])
        ok(head[:8] == b"\x89PNG\r\n\x1a\n" and abs(w / h - 16 / 9) < 0.01, f"a 16:9 PNG ({w}x{h})")
        import matplotlib.image
        px = matplotlib.image.imread(png)
        colours = len({tuple(v) for v in (px[::7, ::7, :3] * 255).astype(int).reshape(-1, 3).tolist()})
        ok(colours > 20 and "missing from" not in err, f"not blank ({colours} colours), no missing glyphs", err)
    code, out, err = run(SCN, *ERAS, "--plot", os.path.join(TMP, "q.png"), "--no-output")
    ok(code == 2 and "--no-output" in err, "--plot with --no-output: exit 2, says why", err)
    code, out, err = run(SCN, *ERAS, "--plot", os.path.join(TMP, "q.txt"), "--no-output")
    ok(code == 2 and ".png or .svg" in err, "--plot to a .txt: exit 2, says .png or .svg", err)

elif GROUP == "usage":
    cases = [
        ((SCN, "--era", "2017"), "at least two alternatives"),
        ((SCN,), "at least two alternatives"),
        ((SCN, "--era", "2017", "--era", "1999"), "1999"),
        ((SCN, *ERAS, "--reps", "0"), "--reps"),
        ((SCN, *ERAS, "--kpi", "speed"), "unknown metric 'speed'"),
        ((SCN, *ERAS, "--bogus"), "unknown option '--bogus'"),
        ((SCN, *ERAS, "--until-halfwidth", "1", "--reps", "1"), "at least 2"),
        ((SCN, *ERAS, "--max-reps", "9"), "only with --until-halfwidth"),
        (("nonexistent.lua", *ERAS), "cannot open scenario"),
        ((), "no scenario file"),
    ]
    for args, want in cases:
        code, out, err = run(*args, "--no-output")
        ok(code == 2 and want in err and err.count("\n") <= 2, f"{' '.join(a.replace(ROOT, '') for a in args) or '(nothing)'}: exit 2, '{want}'", f"exit {code}\n{err}")
    code, out, err = run("--help")
    ok(code == 0 and "--until-halfwidth" in out, "--help")

elif GROUP == "variant":
    variant = os.path.join(ROOT, "tests", "lua", "port_variant.lua")
    base = os.path.join(TMP, "base2021.lua")
    with open(base, "w") as f:
        f.write('return (import "tests/lua/port_small.lua"):with { era = "2021" }\n')
    code, out, err = run(base, variant, "--reps", "3", "--no-output")
    ok(code == 0, "the era against its variant: exit 0", err)
    d = first_diff(out, "all ports, import", "overall_mean (h)")
    ok(d > 0.5, f"advance_share 0.4 instead of the era's 1: import overall mean up ({d:+.2f} h), not +0.00",
       out[:1500])
    ok(first_diff(out, "all ports, export", "overall_mean (h)") != 0, "exports change too", out[:3000])

elif GROUP == "alternatives":
    import h5py
    strip = lambda s: [l.split(None, 2)[-1] for l in s.splitlines() if "vs baseline" in l]
    code, out, err = run(SCN, *ERAS, "--reps", "4", "--no-output")
    code2, out2, err2 = run(SCN + ":2017", SCN + ":2021", "--reps", "4", "--no-output")
    ok(code == code2 == 0, "FILE:2017 FILE:2021: exit 0", err + err2)
    ok(strip(out2) == strip(out) and len(strip(out)) > 10, "FILE:ERA gives the same paired differences as --era",
       out2[:1500])
    ok("metric                           port_small:2017       port_small:2021" in out2
       and "baseline port_small:2017" in out2, "the headers name FILE:ERA", out2[:600])
    variant = os.path.join(ROOT, "tests", "lua", "port_variant.lua")
    code, out, err = run(SCN + ":2021", variant, "--reps", "3", "--no-output")
    ok(code == 0 and "port_variant" in out and first_diff(out, "all ports, import", "overall_mean (h)") > 0.5,
       "FILE:ERA beside a plain file (its own era)", out[:800] + err)
    code, out, err = run(SCN + ":2017", variant, "--era", "2017", "--reps", "3", "--no-output")
    ok(code == 0 and "port_variant:2017" in out, "--era: the era of the files without :ERA", out[:800] + err)
    for arg, want in ((SCN + ":1999", "unknown era '1999' (the eras of '" + SCN + "': 2017, 2021)"),
                      (SCN + ":", "cannot open scenario '" + SCN + ":'"),
                      (os.path.join(TMP, "none.lua") + ":2017", "cannot open scenario")):
        code, out, err = run(SCN + ":2017", arg, "--no-output")
        ok(code == 2 and want in err and err.count("\n") == 1, f"{arg.replace(ROOT, '')}: exit 2, '{want}'", err)
    code, out, err = run(SCN + ":2017", "--no-output")
    ok(code == 2 and "FILE:ERA names one" in err, "one FILE:ERA alone: at least two alternatives", err)
    # a file whose whole name ends in :ERA is that file, not FILE:ERA
    odd = os.path.join(TMP, "odd.lua:2021")
    with open(odd, "w") as f:
        f.write('return (import "tests/lua/port_small.lua"):with { era = "2017" }\n')
    code, out, err = run(SCN + ":2017", odd, "--reps", "3", "--no-output")
    ok(code == 0 and "odd:2017" in out and first_diff(out, "all ports, import", "overall_mean (h)") == 0,
       "an existing file named odd.lua:2021 is the file (its era 2017: no difference)", out[:800] + err)

    # --label: the names in the table, the CSV and the compare file
    h5 = os.path.join(TMP, "labels.h5")
    code, out, err = run(SCN + ":2017", SCN + ":2021", "--label", "today", "--label", "7x24 reform", "--reps", "3",
                         "-o", h5, "--csv-long", os.path.join(TMP, "labels.csv"))
    ok(code == 0, "--label: exit 0", err)
    heads = [l for l in out.splitlines() if l.startswith("metric ")]
    ok(len(heads) == 4 and all(l.split() == ["metric", "today", "7x24", "reform"] for l in heads),
       "every group's header names the labels", "\n".join(heads))
    ok("baseline today;" in out and "target overall_mean -1/3 vs today:  7x24 reform " in out
       and "port_small" not in out, "the title and the verdicts use the labels, not the file names", out[:3000])
    alts = {r["alternative"] for r in rows(os.path.join(TMP, "labels.csv"))}
    ok(alts == {"today", "7x24 reform"}, "the CSV names the labels", alts)
    with h5py.File(h5, "r") as f:
        got = [x.decode() for x in f["alternatives"][()]]
    ok(got == ["today", "7x24 reform"], "the compare file names the labels", got)
    code, out, err = run(SCN, *ERAS, "--label", "A", "--label", "B", "--reps", "2", "--no-output")
    ok(code == 0 and "baseline A;" in out, "--label with --era", out[:300] + err)
    for extra, want in ((["--label", "A"], "--label: 1 given for 2 alternatives"),
                        (["--label", "A", "--label", "A"], "--label 'A' is given twice"),
                        (["--label", "A", "--label", "x" * 64], "at most 63 bytes")):
        code, out, err = run(SCN, *ERAS, *extra, "--no-output")
        ok(code == 2 and want in err, f"{' '.join(extra)[:40]}: exit 2, '{want}'", err)

elif GROUP == "rounding":
    import re
    noise = os.path.join(TMP, "noise.lua")
    with open(noise, "w") as f:
        f.write('return (import "tests/lua/port_small.lua"):with '
                '{ ports = { { name = "TST", fee_inspection = 200 + 3e-12 } } }\n')
    code, out, err = run(SCN, noise, "--reps", "3", "--until-halfwidth", "0.5", "--kpi", "cost_mean",
                         "--no-output", "--csv-long", os.path.join(TMP, "noise.csv"))
    ok(code == 0, "exit 0", err)
    diffs = [float(r["diff_mean"]) for r in rows(os.path.join(TMP, "noise.csv")) if r["metric"] == "cost_mean"
             and r["diff_mean"] not in ("", "nan")]
    ok(any(0 < abs(d) < 1e-9 for d in diffs), "the costs do differ, by float noise only", diffs)
    ok(re.search(r"\d[eE][-+]?\d", out) is None, "no number in exponent form in the table",
       "\n".join(l for l in out.splitlines() if re.search(r"\d[eE][-+]?\d", l)))
    ok("-0.00" not in out, "no -0.00", "\n".join(l for l in out.splitlines() if "-0.00" in l))
    ok("(all ports, import) 0 <= 0.5 after 3 replications" in out, "the stopping line says 0", out[:300])
    lines = out.splitlines()
    cost = [lines[i + 1].split()[-3:] for i, l in enumerate(lines) if l.startswith("cost_mean")]
    ok(cost and all(c == ["+0.00", "±", "0.00"] for c in cost), "cost differences print +0.00 ± 0.00", cost)

elif GROUP == "group":
    heads = lambda out: [l[3:-3] for l in out.splitlines() if l.startswith("== ")]
    code, full, err = run(SCN, *ERAS, "--reps", "3", "--no-output")
    ok(code == 0 and heads(full) == ["all ports, import", "all ports, export", "TST, import, air", "TST, export, road"],
       "without --group: every group", heads(full))
    blocks = {h: full.split(f"== {h} ==\n", 1)[1].split("\n== ", 1)[0] for h in heads(full)}
    for sel, want in ((["all ports, import"], ["all ports, import"]),
                      (["all ports export"], ["all ports, export"]),
                      (["TST"], ["TST, import, air", "TST, export, road"]),
                      (["*road*", "all ports import"], ["all ports, import", "TST, export, road"]),
                      (["all ports, ?mport", "all ports, import"], ["all ports, import"])):
        args = [a for g in sel for a in ("--group", g)]
        code, out, err = run(SCN, *ERAS, "--reps", "3", "--no-output", "--csv-long", "g.csv", "--force", *args)
        ok(code == 0 and heads(out) == want, f"--group {' --group '.join(sel)}: {want}", out[:1500] + err)
        ok(all(f"== {h} ==\n" + blocks[h] in out for h in want), "the same blocks as the whole table")
        ok(out.split("\n==", 1)[0] == full.split("\n==", 1)[0], "the same title lines")
    ports = {(r["port"], r["direction"], r["mode"]) for r in rows(os.path.join(TMP, "g.csv"))}
    ok(len(ports) == 4, "the CSV keeps every group", ports)
    for bad, want in (("all port import", "did you mean 'all ports import'?"),
                      ("TST, import, ari", "did you mean 'TST, import, air'?"),
                      ("ZZ*", "the groups: 'all ports, import', 'all ports, export', 'TST, import, air', "
                              "'TST, export, road'")):
        code, out, err = run(SCN, *ERAS, "--reps", "3", "--group", "all ports, import", "--group", bad)
        ok(code == 2 and f"--group '{bad}': no such group" in err and want in err and out == ""
           and err.count("\n") == 1, f"--group '{bad}': exit 2, '{want}'", err)
    ok(not os.path.exists(os.path.join(TMP, "results")), "refused before any run: no compare file")
    code, out, err = run(SCN, *ERAS, "--uncertainty", "4", "--group", "TST", "--no-output")
    ok(code == 2 and "--group: not with --uncertainty" in err, "--group with --uncertainty: exit 2", err)

elif GROUP == "verdicts":
    import re
    import h5py
    rail = os.path.join(TMP, "rail.lua")
    with open(rail, "w") as f:
        f.write('return (import "scenarios/henan.lua"):with '
                '{ era = "2017", ports = { { name = "ZZ rail import", advance_share = 0.9 } } }\n')
    henan = os.path.join(ROOT, "scenarios", "henan.lua")
    h5 = os.path.join(TMP, "v.h5")
    code, out, err = run(henan + ":2017", rail, "--label", "2017", "--label", "rail", "--reps", "3", "--until",
                         "400", "-o", h5, "--csv-long", "v.csv")
    ok(code == 0, "henan 2017 against a rail-import variant: exit 0", err)
    touched = {"all ports, import", "ZZ rail import, import, rail"}
    blocks = dict(re.findall(r"^== ([^\n]+) ==\n(.*?)(?=^== |\Z)", out, re.S | re.M))
    ok(len(blocks) == 10, "ten groups", list(blocks))
    for name, block in blocks.items():
        ts = [l for l in block.splitlines() if l.startswith("target")]
        if name in touched:
            ok(len(ts) == 2 and not any("no difference" in l for l in ts), f"{name}: a verdict", ts)
            lines = block.splitlines()
            i = next(k for k, l in enumerate(lines) if l.startswith("overall_mean (h)"))
            means = [float(x) for x in re.findall(r"(-?\d+\.\d+) ±", lines[i])]
            d = float(lines[i + 1].split()[2])
            p = float(lines[i + 2].split()[2])
            m = re.search(r"rail (?:met \(95 % confidence\)|not met|undecided): ([-+]\d+\.\d+) h \(([-+]\d+\.\d) %\)$", ts[0])
            ok(m is not None and all(m.group(0) in l for l in ts), f"{name}: 'H h (P %)' on both lines", ts)
            if m:
                h, pc = float(m.group(1)), float(m.group(2))
                ok(h == d and abs(pc - p) <= 0.05 + 1e-9, f"{name}: {h} h as the vs baseline row, {pc} % as the "
                   f"% change row ({d}, {p})")
                ok(abs(h - (means[1] - means[0])) <= 0.011 and h < 0 and pc < 0,
                   f"{name}: {h} h is the difference of the means {means}")
        else:
            ok(ts == ["target overall_mean -1/3 vs 2017:  rail (no difference)",
                      "target overall_mean -1/2 vs 2017:  rail (no difference)"], f"{name}: (no difference)", ts)
    ok("not met" not in out.split("== all ports, export ==")[1].split("== ZZ rail import")[0],
       "no 'not met' on the untouched ports")
    rs = rows(os.path.join(TMP, "v.csv"))
    r = row(rs, "ZZ rail import", "import", "overall_mean", "rail")
    blk = blocks["ZZ rail import, import, rail"]
    ok(f"{float(r['diff_mean']):+.2f} h ({float(r['pct_change']):+.1f} %)" in blk,
       "the CSV's diff_mean (h) and pct_change (%) are the verdict's numbers", r)
    r = row(rs, "LYA export", "export", "overall_mean", "rail")
    ok(float(r["diff_mean"]) == 0 and float(r["pct_change"]) == 0, "an untouched port: 0 in the CSV")
    with h5py.File(h5, "r") as f:
        ports = [x.decode() for x in f["group_port"][()]]
        third, half = f["verdict_third"][()], f["verdict_half"][()]
        m = [x.decode() for x in f["metrics"][()]].index("overall_mean")
        dm, pm = f["diff_mean"][1, :, m], f["pct_change_mean"][1, :, m]
    untouched = [not (p == "ZZ rail import" or (p == "all ports" and g == 0)) for g, p in enumerate(ports)]
    ok([v == 3 for v in third[1]] == untouched and [v == 3 for v in half[1]] == untouched,
       "compare file: verdict 3 (no difference) on the untouched groups only", (ports, third, half))
    ok(third[1][ports.index("ZZ rail import")] == 1, "the touched port judged: -1/3 met", third)
    ok(abs(dm[ports.index("ZZ rail import")]) > 1 and abs(pm[ports.index("ZZ rail import")]) > 1,
       "compare file: hours (diff_mean) and % (pct_change_mean) side by side")

elif GROUP == "faults":
    # a worker thread's replication fails on one alternative only (a process of port_flaky.lua raises an
    # error on some seeds): it is reported, its replication left out of the paired statistics, the rest go on
    import re
    import h5py
    flaky = os.path.join(ROOT, "tests", "compare", "port_flaky.lua")
    code, out, err = run(SCN, flaky, "--era", "2017", "--reps", "8", "-j", "2", "-o", "faults.h5", "--csv-long",
                         "faults.csv")
    failed = [int(n) for n in re.findall(r"port_flaky:2017\): replication (\d+) \(seed \d+\) failed: a process failed",
                                         err)]
    ok(code == 1 and 0 < len(failed) < 8, "a failing replication on -j 2: exit 1, each failure named on stderr", err)
    ok("flaky replication" in err and "stack traceback" in err, "the process's own report, with its traceback", err)
    listed = ", ".join(map(str, failed))
    kept = [r for r in range(1, 9) if r not in failed]
    ok(f"{len(failed)} of 8 replications failed on some alternative (replication{'s' if len(failed) > 1 else ''} "
       f"{listed}): left out" in err, "the summary line names the left-out replications", err)
    ok(f"; {len(kept)} replications, seeds 1-8" in out and f"left out: replication" in out
       and "== all ports, import ==" in out, "the table is printed over the other replications", out[:600])
    with h5py.File(os.path.join(TMP, "faults.h5")) as f:
        fr = f.attrs["failed_replications"]
        fr = fr.decode() if isinstance(fr, bytes) else fr
        ok(fr == listed, "the compare file records failed_replications", fr)
        ok(list(f["seeds"][0]) == kept and f.attrs["replications"] == len(kept), "... and holds the kept seeds",
           f["seeds"][()])
    # the kept replications' values are those of a comparison without the failing process
    code2, _, err2 = run(SCN, SCN, "--era", "2017", "--reps", "8", "--no-output", "--csv-long", "clean.csv")
    base = reps_of(row(rows(os.path.join(TMP, "clean.csv")), "all ports", "import", "overall_mean", "port_small:2017"))
    got = reps_of(row(rows(os.path.join(TMP, "faults.csv")), "all ports", "import", "overall_mean", "port_flaky:2017"))
    ok(code2 == 0 and got == [base[r - 1] for r in kept], "the other replications' values are reported unchanged",
       f"{got}\n{base}")
    code3, out3, _ = run(SCN, flaky, "--era", "2017", "--reps", "8", "-j", "1", "--no-output")
    ok(code3 == 1 and out3 == out, "-j 1: the same table")

else:
    raise SystemExit(f"Bail out! unknown group {GROUP}")

tap.done()
