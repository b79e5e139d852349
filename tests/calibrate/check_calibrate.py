#!/usr/bin/env python3
"""check_calibrate.py — `kouan calibrate` end to end; prints TAP for meson.

usage: check_calibrate.py GROUP --kouan KOUAN [--root SRCROOT]   (tests/tap.py)
  GROUP  known | threads | henan | shares | units | bad

known: tests/calibrate/tiny_port.lua, whose named values have known true
  defaults (prep_import_mean 6 h, prep_export_mean 3 h, pickup_mean 4 h):
  its overall mean clearance times at the truth, from `kouan run` and
  `kouan report --csv`, become the targets; the fit starts elsewhere and
  must recover the truth within 2 %; pickup_mean, which no target depends
  on, must be reported not identified, with an uncertain{} line.
threads: the same calibration with -j 1 and -j 2 gives the same CSV (but
  the wall time).
henan: the CI short mode of scenarios/calibration/henan_2017.lua (one
  replication of 60 days, the start near the full fit's 89.62 h / 12.48 h, few
  evaluations, no profile): the fit lands within 4 % of today's values
  and both residuals are within 1 %. The full run
  (docs/calibration.md) is not for CI.
units: tiny_port.lua with two share targets (within_24h, inspection_rate)
  beside a time target, a few evaluations: the CSV's share rows say %
  and hold 100 x the fractions the file gives and the printed table shows
  (published, model), the time row h and the table's hours; each row's
  residual_pct is its own published and model's.
bad: calibration files with mistakes: one line on stderr, exit 2.
"""
import csv
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["known", "threads", "henan", "shares", "units", "bad"])
GROUP, KOUAN, ROOT = ARGS.group, ARGS.kouan, ARGS.root
TINY = os.path.join(ROOT, "tests", "calibrate", "tiny_port.lua")
TMP = tempfile.mkdtemp(prefix="kouan-calibrate-")
TRUTH = {"prep_import_mean": 6.0, "prep_export_mean": 3.0, "pickup_mean": 4.0}


def kouan(*args, timeout=300):
    return tap.run([KOUAN, *args], f"kouan {' '.join(args)}", timeout=timeout, cwd=TMP)


def rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def truth_targets():
    """The all-ports overall mean times of tiny_port.lua at its true values."""
    h5 = os.path.join(TMP, "truth.h5")
    code, _, err = kouan("run", TINY, "--reps", "4", "--seed", "1", "-o", h5, "--force", "--quiet")
    ok(code == 0, "kouan run at the truth: exit 0", err)
    out = os.path.join(TMP, "truth.csv")
    code, _, err = kouan("report", h5, "--csv", out, "--quiet")
    ok(code == 0, "kouan report --csv: exit 0", err)
    got = {}
    for r in rows(out):
        if r["port"] == "all ports" and r["metric"] == "overall_mean":
            got[r["direction"]] = float(r["mean"])
    return got


def write_cal(name, body):
    path = os.path.join(TMP, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)
    return path


def tiny_cal(targets, extra_free="", extra_target="", top=""):
    return f"""return calibration {{
  scenario = "{TINY}", reps = 4, seed = 1, max_evals = 80,{top}
  free = {{
    {{name = "prep_import_mean", min = 1, max = 20, start = 12}},
    {{name = "prep_export_mean", min = 0.5, max = 10, start = 6}},
    {{name = "pickup_mean", min = 1, max = 10, start = 6}},{extra_free}
  }},
  targets = {{
    {{kpi = "overall_mean", group = "all", direction = "import", value = {targets['import']!r},
     source = "kouan run at the truth"}},
    {{kpi = "overall_mean", group = "all", direction = "export", value = {targets['export']!r},
     source = "kouan run at the truth"}},{extra_target}
  }},
}}
"""


def fitted(path):
    return {r["name"]: r for r in rows(path) if r["kind"] == "free"}


if GROUP == "known":
    cal = write_cal("tiny.lua", tiny_cal(truth_targets()))
    out_csv = os.path.join(TMP, "tiny.csv")
    code, out, err = kouan("calibrate", cal, "-j", "2", "-q", "-o", out_csv)
    ok(code == 0, "calibrate: exit 0", err)
    f = fitted(out_csv)
    for name in ("prep_import_mean", "prep_export_mean"):
        x = float(f[name]["value"])
        rel = abs(x - TRUTH[name]) / TRUTH[name]
        ok(rel < 0.02, f"{name}: {x:.4f} recovered within 2 % of the truth {TRUTH[name]} ({100 * rel:.2f} %)")
        ok(f[name]["identified"] == "yes", f"{name}: identified")
        lo, hi = float(f[name]["held_lo"]), float(f[name]["held_hi"])
        ok(lo < x < hi and hi - lo < 0.1 * TRUTH[name], f"{name}: held range {lo:.4f}..{hi:.4f} narrow, around it")
    ok(f["pickup_mean"]["identified"] == "no", "pickup_mean (no target depends on it): not identified")
    ok(float(f["pickup_mean"]["refit_lo"]) == 1 and float(f["pickup_mean"]["refit_hi"]) == 10,
       "pickup_mean: its range is its bounds")
    ok("NOT (no effect)" in out, "the table says why", out)
    ok('pickup_mean = uncertain{1, 10, name = "pickup_mean"' in out, "an uncertain{} line to paste for it", out)
    ok('prep_import_mean = param("prep_import_mean", ' in out, "a param() line for a fitted value", out)
    for want in ("singular values:", "condition number", "objective S", "residual", "evaluations:"):
        ok(want in out, f"the report shows '{want}'", out)

elif GROUP == "threads":
    cal = write_cal("tiny.lua", tiny_cal(truth_targets()))
    got = {}
    for j in ("1", "2"):
        path = os.path.join(TMP, f"j{j}.csv")
        code, _, err = kouan("calibrate", cal, "-j", j, "-q", "-o", path, "--max-evals", "30")
        ok(code == 0, f"-j {j}: exit 0", err)
        got[j] = [r for r in rows(path) if r["name"] != "wall_seconds"]
    ok(got["1"] == got["2"], "-j 1 and -j 2: the same result")

elif GROUP == "henan":
    short = os.path.join(ROOT, "tests", "calibrate", "henan_2017_short.lua")
    out_csv = os.path.join(TMP, "henan.csv")
    code, out, err = kouan("calibrate", short, "-j", "2", "-q", "-o", out_csv, timeout=600)
    ok(code == 0, "henan 2017 short mode: exit 0", err)
    f = fitted(out_csv)
    # Today's values (ports.lua M.fit, the full fit: docs/calibration.md);
    # a 60-day sample of one replication is not the full year of 5, hence 4 %.
    want = {"prep_import_mean": 89.62, "prep_export_mean": 12.48}
    for name, w in want.items():
        x = float(f[name]["value"])
        ok(abs(x - w) / w < 0.04, f"{name}: {x:.3f} within 4 % of today's {w}")
    for r in rows(out_csv):
        if r["kind"] == "target":
            ok(abs(float(r["residual_pct"])) < 1, f"{r['name']}: residual {float(r['residual_pct']):+.2f} % within 1 %")
    # every row as wide as the header; a target says its unit (the time targets' h), a summary row its own
    with open(out_csv, encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    ok(table[0][-2:] == ["source", "unit"] and all(len(r) == len(table[0]) for r in table),
       "the CSV: a unit column last, every row as wide as the header", [len(r) for r in table])
    ok({r["unit"] for r in rows(out_csv) if r["kind"] == "target"} == {"h"}
       and [r["unit"] for r in rows(out_csv) if r["name"] == "wall_seconds"] == ["s"],
       "the CSV: the targets' unit h, wall_seconds' s", rows(out_csv))

elif GROUP == "shares":
    # A named prior freed beside the preparation time it trades off with:
    # the command calls it not identified and keeps it a prior.
    cal = os.path.join(ROOT, "scenarios", "calibration", "henan_2017_shares.lua")
    out_csv = os.path.join(TMP, "shares.csv")
    code, out, err = kouan("calibrate", cal, "-j", "2", "-o", out_csv, timeout=600)
    ok(code == 0, "henan 2017 shares: exit 0", err)
    f = fitted(out_csv)
    line = [ln for ln in out.splitlines() if ln.strip().startswith("advance_import_2017 ")
            and ("NOT" in ln or "identified" in ln) and "=" not in ln]  # the identifiability row
    ok(len(line) == 1 and "NOT" in line[0], "advance_import_2017 (a prior) is reported not identified",
       "\n".join(line) or out[-2000:])
    ok(any(ln.strip().startswith("prep_import_mean ") and " identified" in ln and "NOT" not in ln
           for ln in out.splitlines()), "prep_import_mean is identified", out[-2000:])
    ok('advance_import_2017 = uncertain{0.02, 0.25, name = "advance_import_2017"' in out,
       "the line to paste keeps advance_import_2017 a prior over its bounds", out[-1500:])
    ok("advance_import_2017" in f, "the CSV has the prior's row", str(list(f)))

elif GROUP == "units":
    # The CSV prints a share in % (unit column %), as every CSV of kouan; the
    # calibration file and the printed table keep the fraction.
    import re
    published = {"overall_mean": 9.0, "within_24h": 0.9, "inspection_rate": 0.06}
    shares = f"""
    {{kpi = "within_24h", group = "all", direction = "import", value = {published['within_24h']},
     source = "a released-within share"}},
    {{kpi = "inspection_rate", group = "all", direction = "import", value = {published['inspection_rate']},
     tolerance = 0.1, source = "an inspection rate"}},"""
    cal = write_cal("units.lua", tiny_cal({"import": published["overall_mean"], "export": 4.5}, extra_target=shares))
    out_csv = os.path.join(TMP, "units.csv")
    code, out, err = kouan("calibrate", cal, "-j", "2", "-q", "--max-evals", "8", "--no-profile", "-o", out_csv)
    ok(code == 0, "calibrate with share targets: exit 0", err)
    table = {m: (float(p), float(v)) for m, p, v in
             re.findall(r"^(\w+), all ports import +(-?[\d.]+) +(-?[\d.]+) ", out, re.M)}
    ok(set(published) <= set(table), "the printed table has the three import targets", out)
    targets = {r["name"].split("|")[0]: r for r in rows(out_csv)
               if r["kind"] == "target" and r["name"].endswith("|all ports|import")}
    for metric, unit, scale in (("within_24h", "%", 100), ("inspection_rate", "%", 100), ("overall_mean", "h", 1)):
        r = targets.get(metric, {})
        pub, mod = float(r.get("published", "nan")), float(r.get("model", "nan"))
        shown_pub, shown_mod = table.get(metric, (float("nan"), float("nan")))
        ok(r.get("unit") == unit and abs(pub - scale * published[metric]) <= 1e-9 * scale
           and abs(pub - scale * shown_pub) <= 1e-9 * scale,
           f"{metric}: unit {unit}, published {pub:g} = {scale} x the file's {published[metric]:g}", r)
        # the table prints 4 decimals of the fraction: the CSV's value within half its last digit, x scale
        ok(0 < mod and abs(mod - scale * shown_mod) <= scale * 0.5e-4 + 1e-9,
           f"{metric}: model {mod:.6g} = {scale} x the table's {shown_mod:.4f}", r)
        ok(abs(float(r.get("residual_pct", "nan")) - 100 * (mod - pub) / pub) < 1e-6,
           f"{metric}: residual_pct is (model - published) / published of the row's own values", r)
    ok(all(r["unit"] == "h" for r in rows(out_csv) if r["kind"] == "target" and "|export" in r["name"]),
       "the export time target: h")

elif GROUP == "bad":
    targets = {"import": 6.0, "export": 3.0}
    good = tiny_cal(targets)
    cases = [
        ("typo key", good.replace("max_evals", "max_eval"), "unknown key", "did you mean 'max_evals'?"),
        ("min > max", good.replace("min = 1, max = 20", "min = 20, max = 1"), "min 20 must be below max 1", None),
        ("start outside", good.replace("start = 12", "start = 25"), "must be strictly inside", None),
        ("unknown free name", tiny_cal(targets, extra_free='\n    {name = "prep_imprt", min = 1, max = 2},'),
         "never reads it", "prep_import_mean"),
        ("unknown KPI", good.replace('kpi = "overall_mean", group = "all", direction = "import"',
                                     'kpi = "overal_mean", group = "all", direction = "import"'),
         "unknown metric 'overal_mean'", "did you mean 'overall_mean'?"),
        ("unknown group", good.replace('group = "all", direction = "import"', 'group = "TINY imprt", direction = "import"'),
         "no group 'TINY imprt'", "did you mean 'TINY import'?"),
        ("bad direction", good.replace('direction = "export"', 'direction = "exports"'), "direction must be", None),
        ("no source", good.replace(',\n     source = "kouan run at the truth"}', '}', 1), "source must be a string", None),
        ("not a calibration", "return {}\n", "scenario", None),
    ]
    for name, body, want, hint in cases:
        path = write_cal(name.replace(" ", "_") + ".lua", body)
        code, out, err = kouan("calibrate", path, "-q", "-o", os.path.join(TMP, "bad.csv"))
        lines = [ln for ln in err.splitlines() if ln.strip()]
        ok(code == 2, f"{name}: exit 2 (got {code})", err)
        ok(len(lines) == 1 and want in lines[0], f"{name}: one line saying '{want}'", err)
        if hint:
            ok(hint in err, f"{name}: names '{hint}'", err)
    code, _, err = kouan("calibrate", os.path.join(TMP, "missing.lua"))
    ok(code == 2 and "cannot open calibration file" in err, "a missing file: exit 2", err)
    code, _, err = kouan("calibrate", TINY, "--max-evalz", "3")
    ok(code == 2 and "did you mean '--max-evals'" in err, "an unknown option: exit 2 with the nearest", err)
    code, out, _ = kouan("calibrate", "--help")
    ok(code == 0 and "docs/calibration.md" in out and "CSV" in out, "--help", out)

tap.done()
