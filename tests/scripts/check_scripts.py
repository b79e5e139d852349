#!/usr/bin/python3
"""check_scripts.py — the README's set-up and test commands around the build;
prints TAP.

usage: check_scripts.py GROUP --kouan KOUAN [--root SRCROOT] [--tool kouan-viz=PATH]   (tests/tap.py)
groups:
  summary  scripts/test-summary.py over made-up meson logs: one closing line
           'N passed, N failed, N skipped' summed over builds (TAP subtests
           counted, a crashed TAP test failed), no line per build, FAILED
           lines before it, exit 1 on a failure; scripts/test.sh and
           scripts/run.sh set up their build with --werror
  link     scripts/link-commands.sh (what scripts/run.sh calls): kouan and
           kouan-viz linked into $KOUAN_BINDIR, usable by name from another
           folder without KOUAN_ROOT, the message when the folder is not on PATH
  validate scripts/validate.py's output folder: the full mode's results/
           (the committed report), --short's results/validation-short/
           (git-ignored), --out's own
  overwrite one rule for files named on the command line: report --csv/--plot
           and compare --csv/--csv-long/--xlsx/--plot refuse an existing file
           before running (exit 2, naming option and file) unless --force;
           run's and compare's default names take the next free one
  plot     scripts/kouan_plot.py's titles break only between words; a run
           file's plot marks the overall clearance time on the three
           clocks' stacks (drawn, exit 0)
  bench    scripts/bench.sh without the reference programs stops at once,
           saying what they are and how to get them
"""
import json
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["summary", "link", "validate", "overwrite", "plot", "bench"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
TMP = tempfile.mkdtemp(prefix="kouan-scripts-")


def testlog(build, tests):
    os.makedirs(os.path.join(TMP, build, "meson-logs"))
    with open(os.path.join(TMP, build, "meson-logs", "testlog.json"), "w", encoding="utf-8") as f:
        for t in tests:
            f.write(json.dumps(t) + "\n")
    return os.path.join(TMP, build)


def g_summary():
    a = testlog("a", [{"name": "t1", "protocol": "tap", "result": "OK", "stdout": "ok 1 - x\nok 2 - y\n1..2\n"},
                      {"name": "t2", "protocol": "exitcode", "result": "OK", "stdout": ""},
                      {"name": "t3", "protocol": "tap", "result": "SKIP", "stdout": "ok 1 - z # SKIP no h5py\n1..1\n"}])
    b = testlog("b", [{"name": "t4", "protocol": "tap", "result": "OK", "stdout": "ok 1 - x\n1..1\n"},
                      {"name": "t5", "protocol": "tap", "result": "FAIL", "stdout": "ok 1 - x\nnot ok 2 - broke\n"},
                      {"name": "t6", "protocol": "tap", "result": "TIMEOUT", "stdout": "ok 1 - x\n"}])
    script = os.path.join(ROOT, "scripts", "test-summary.py")
    rc, out, err = tap.run([sys.executable, script, a], "test-summary.py a")
    ok(rc == 0 and out == "3 passed, 0 failed, 1 skipped\n", "one build, all passed: exactly one line, exit 0", out)
    rc, out, err = tap.run([sys.executable, script, a, b], "test-summary.py a b")
    lines = out.splitlines()
    ok(rc == 1 and lines[-1] == "6 passed, 2 failed, 1 skipped", "two builds: the closing line sums both, exit 1",
       out)
    ok(len([l for l in lines if re.search(r"\d+ passed, \d+ failed", l)]) == 1,
       "one summary line, none per build", out)
    ok(lines[:-1] == [f"FAILED {b}: t5:2 - broke", f"FAILED {b}: t6: TIMEOUT"],
       "before it only the failures, a failed subtest and a test that timed out", out)
    for script in ("test.sh", "run.sh"):
        text = open(os.path.join(ROOT, "scripts", script), encoding="utf-8").read()
        setups = re.findall(r"meson setup [^\n]*", text)
        ok(setups and all("--werror" in s for s in setups), f"scripts/{script} sets up its builds with --werror",
           setups)
    text = open(os.path.join(ROOT, "scripts", "test.sh"), encoding="utf-8").read()
    ok("meson configure \"$b\" -Dwerror=true" in text, "scripts/test.sh turns --werror on in a build made before",
       "")


def g_link():
    bindir = os.path.join(TMP, "bin")
    env = {k: v for k, v in os.environ.items() if k != "KOUAN_ROOT"}
    env["KOUAN_BINDIR"] = bindir
    build = os.path.dirname(os.path.dirname(KOUAN))
    rc, out, err = tap.run(["sh", os.path.join(ROOT, "scripts", "link-commands.sh"), build], "link-commands.sh",
                           env=env)
    ok(rc == 0 and os.path.realpath(os.path.join(bindir, "kouan")) == os.path.realpath(KOUAN),
       "kouan is linked to the build's binary", f"rc={rc}\n{err}")
    viz = tap.tool("kouan-viz")
    if viz:
        ok(os.path.realpath(os.path.join(bindir, "kouan-viz")) == os.path.realpath(viz),
           "kouan-viz is linked to the build's binary", os.listdir(bindir))
    ok(f"kouan and kouan-viz are in {bindir}, which is not on your PATH: add it" in err,
       "a folder not on PATH: it says so", err)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    rc, out, err = tap.run(["sh", "-c", "kouan run " + os.path.join(ROOT, "tests", "lua", "port_small.lua")
                            + " --no-output --quiet && kouan --version"], "kouan by name", cwd=TMP, env=env)
    ok(rc == 0 and out.startswith("kouan "), "kouan by name, from another folder, without KOUAN_ROOT: runs a port "
       "scenario (its library found)", f"rc={rc}\n{out}\n{err}")
    rc, out, err = tap.run(["sh", os.path.join(ROOT, "scripts", "link-commands.sh"), build], "link-commands.sh",
                           env=env)
    ok(rc == 0 and err == "", "again, with the folder on PATH: silent, links replaced", err)


def g_validate():
    import importlib.util
    sys.path.insert(0, os.path.join(ROOT, "scripts"))
    spec = importlib.util.spec_from_file_location("validate", os.path.join(ROOT, "scripts", "validate.py"))
    validate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(validate)
    res = os.path.join(ROOT, "results")
    ok(os.path.normpath(validate.output_dir(["k", ROOT], ROOT)) == res, "full mode: results/ (the committed report)")
    short = os.path.normpath(validate.output_dir(["k", ROOT, "--short"], ROOT))
    ok(short == os.path.join(res, "validation-short"), "--short: results/validation-short/, not results/", short)
    ok(validate.output_dir(["k", ROOT, "--short", "--out", "x"], ROOT) == "x", "--out DIR wins", "")
    rc, out, err = tap.run(["git", "-C", ROOT, "check-ignore", "-q", "results/validation-short/validation.md"],
                           "git check-ignore")
    if rc in (0, 1):
        ok(rc == 0, "results/validation-short/ is git-ignored", rc)
    else:
        tap.skip("results/validation-short/ is git-ignored", "not a git checkout")


def g_overwrite():
    small = os.path.join(ROOT, "tests", "lua", "port_small.lua")
    env = dict(os.environ, KOUAN_ROOT=ROOT)

    def kouan(*args):
        return tap.run([KOUAN, *args], "kouan " + " ".join(args), cwd=TMP, env=env, timeout=300)

    rc, out, err = kouan("run", small, "--until", "200", "--quiet")
    rc2, out2, err2 = kouan("run", small, "--until", "200", "--quiet")
    names = sorted(os.listdir(os.path.join(TMP, "results")))
    ok(rc == 0 and rc2 == 0 and names == ["port_small-2017-s1-2.h5", "port_small-2017-s1.h5"],
       "run: a default name taken, the next free one", f"{names}\n{err}{err2}")
    run_file = os.path.join("results", "port_small-2017-s1.h5")
    for opt, name in (("--csv", "k.csv"), ("--plot", "k.png")):
        with open(os.path.join(TMP, name), "w", encoding="utf-8") as f:
            f.write("mine\n")
        rc, out, err = kouan("report", run_file, opt, name, "--quiet")
        ok(rc == 2 and f"kouan: report: {opt} {name}: {name} exists: refusing to overwrite it; --force overwrites it"
           in err and open(os.path.join(TMP, name), encoding="utf-8").read() == "mine\n",
           f"report {opt}: an existing file is refused and kept", err)
    rc, out, err = kouan("report", run_file, "--csv", "k.csv", "--quiet", "--force")
    ok(rc == 0 and open(os.path.join(TMP, "k.csv"), encoding="utf-8").read() != "mine\n",
       "report --csv --force overwrites it", err)
    for opt, name in (("--csv", "k.csv"), ("--csv-long", "k.csv"), ("--xlsx", "k.xlsx"), ("--plot", "k.png")):
        if not os.path.exists(os.path.join(TMP, name)):
            with open(os.path.join(TMP, name), "w", encoding="utf-8") as f:
                f.write("mine\n")
        rc, out, err = kouan("compare", small, "--era", "2017", "--era", "2021", "--reps", "2", "--until", "200",
                             opt, name)
        ok(rc == 2 and f"--{opt.lstrip('-')} {name}: {name} exists: refusing to overwrite it" in err and out == "",
           f"compare {opt}: refused before any run", err)
    rc, out, err = kouan("compare", small, "--era", "2017", "--era", "2021", "--reps", "2", "--until", "200")
    rc2, out2, err2 = kouan("compare", small, "--era", "2017", "--era", "2021", "--reps", "2", "--until", "200")
    said = re.findall(r"kouan: compare file (\S+) \((\d+) kB\)", err + err2)
    ok(rc == 0 and rc2 == 0 and len(said) == 2 and said[1][0] == said[0][0].replace(".h5", "-2.h5")
       and all(int(kb) * 1000 <= os.path.getsize(os.path.join(TMP, p)) + 1000 for p, kb in said),
       "compare: a default name taken, the next free one; each file's size said", err + err2)


def g_plot():
    import importlib.util
    spec = importlib.util.spec_from_file_location("kouan_plot", os.path.join(ROOT, "scripts", "kouan_plot.py"))
    plot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(plot)
    title = ("/home/someone/checkouts/kouan/scenarios/henan_with_a_long_name.lua (Henan ports of entry (CGO air, "
             "Zhengzhou rail, road ports, Luoyang air)), era 2017, seed 1, 364 days after 14 days of warm-up")
    lines = plot.wrap_title(title, 90).split("\n")
    words = set(title.split())
    ok(len(lines) == 2 and all(w in words for line in lines for w in line.split()),
       "a long title: two lines, every word whole", lines)
    src = open(os.path.join(ROOT, "scripts", "kouan_plot.py"), encoding="utf-8").read()
    ok(src.count("textwrap.wrap(title") == 1 and "textwrap.wrap(text(" not in src,
       "every title goes through wrap_title", "")
    import h5py
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    small = os.path.join(ROOT, "tests", "lua", "port_small.lua")
    h5 = os.path.join(TMP, "c.h5")
    rc, out, err = tap.run([KOUAN, "compare", small, "--era", "2017", "--era", "2021", "--reps", "3", "--until", "400",
                            "-o", h5, "--quiet"], "kouan compare", env=dict(os.environ, KOUAN_ROOT=ROOT), timeout=300)
    ok(rc == 0, "a compare file", err)
    with h5py.File(h5, "r") as f:
        plot.compare_figure(np, plt, f, os.path.join(TMP, "c.png"))
        m = [plot.text(x) for x in f["metrics"][...]].index("overall_mean")
        reach = float(np.nanmax(np.abs(f["diff_mean"][...][1:, :, m]) + f["diff_half_width"][...][1:, :, m]))
    axes = plt.gcf().axes
    ok(len(axes) == 2 and "hours" in axes[1].get_xlabel() and abs(axes[1].get_xlim()[1] - 1.15 * reach) < 1e-6 * reach
       and axes[0].get_xlim()[0] <= -55, "the compare chart: % against the targets, and hours on a scale of their own",
       [(a.get_xlabel(), a.get_xlim()) for a in axes])
    ok('"overall_mean")' in src and "sum = dwell" in src,
       "the three clocks' panel says what its stacks add up to and marks the overall clearance time", "")


def g_bench():
    env = dict(os.environ, KOUAN_REFERENCE_BENCH=os.path.join(TMP, "none"))
    rc, out, err = tap.run(["sh", os.path.join(ROOT, "scripts", "bench.sh")], "bench.sh", env=env, timeout=30)
    ok(rc == 1 and f"bench: the reference programs are not in {TMP}/none." in err and "../shared/bench" in err
       and "KOUAN_REFERENCE_BENCH" in err and "run_bench.py" in err, "no reference programs: says what and where",
       err)


try:
    {"summary": g_summary, "link": g_link, "validate": g_validate, "overwrite": g_overwrite, "plot": g_plot, "bench": g_bench}[ARGS.group]()
finally:
    shutil.rmtree(TMP, ignore_errors=True)
tap.done()
