#!/usr/bin/python3
"""check_docs.py — every command shown in README.md, README.zh.md,
scenarios/README.md and docs/*.md, run as written in a short mode; prints TAP.

usage: check_docs.py GROUP --kouan KOUAN [--root SRCROOT] [--tool kouan-viz=PATH]   (tests/tap.py)
GROUP: a page (readme, readme_zh, scenarios_readme, or a docs/ page's name
without .md), or 'pages': every page of docs/ has a group here and in
tests/docs/meson.build.

A command is a line of a code block (no language, sh, console) that starts
with kouan, kouan-viz, build/core/kouan, build/viz/kouan-viz, scripts/,
/usr/bin/python3, python3, for, meson or ninja (after a '$ ' prompt; '\\' continuations
joined). The commands of one page run in order in one scratch folder that
holds the source tree's files by symbolic link (scenarios/, tests/, ...),
its own empty results/, build/ linked to the build under test, and kouan
and kouan-viz first on PATH: a page that runs then reports finds its file,
and nothing is written into the source tree.

Short mode: a run or compare of a port scenario gets --until 400 (about 17
days of arrivals; 1800 on a page whose kouan-viz shows March) unless it is
a --dump, --uncertainty N becomes 8 and --duration N of an export 1;
--reps stays (the default file names hold it, and a later command of the
page reads that file); a `scripts/run.sh ARGS` runs as `kouan
run ARGS` (its last line; its set-up, apt-get and the build, is what CI does
first). A command followed in its block by a line 'kouan: ...' (a prompted
block's output) must fail with that message; followed by output lines of a
--dump, must print them. Every command not run is a SKIP line saying why:
a synopsis (placeholders such as FILE or [--force]), a file the page writes
inline, a window, a set-up or build command, or a long run that a suite of
its own runs in a short mode (named).
"""
import glob
import os
import re
import shlex
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

PAGES = {"readme": "README.md", "readme_zh": "README.zh.md", "scenarios_readme": "scenarios/README.md"}
DOCS = ["analysis", "calibration", "clearance-time", "hardening", "hdf5-schema", "parameters", "planner",
        "presenter", "processes", "researcher", "scenario-format", "sweep", "uncertainty", "visualiser"]
PAGES.update({d: f"docs/{d}.md" for d in DOCS})

ARGS = tap.parse_args(__doc__, list(PAGES) + ["pages"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
VIZ = tap.tool("kouan-viz")
BUILD = os.path.dirname(os.path.dirname(KOUAN))  # build/core/kouan -> build
STARTS = ("kouan ", "kouan-viz ", "build/core/kouan ", "build/viz/kouan-viz ", "scripts/", "/usr/bin/python3 ",
          "python3 ", "for ", "meson ", "ninja ")

# Commands not run, by their start: why (the suite that runs them instead).
NOT_RUN = [
    ("scripts/test.sh", "the test command itself (CI runs it)"),
    ("scripts/bootstrap.sh", "installs Debian packages (CI's set-up)"),
    ("meson ", "sets up, builds or tests a build folder (what scripts/test.sh does)"),
    ("ninja ", "builds (what scripts/test.sh does)"),
    ("scripts/fuzz.sh", "fuzzing for minutes (suite fuzz runs the targets' regressions)"),
    ("scripts/bench.sh", "benchmarks for minutes on an optimised build"),
    ("scripts/validate.sh", "builds and runs for minutes (suite validation runs its checks short)"),
    ("scripts/viz-demo.sh", "opens a window or exports a 20 s video of two one-year runs (suite viz exports)"),
    ("python3 -m venv", "makes a virtual environment (suite python installs the package with pip)"),
    ("/usr/bin/python3 tests/processes/check_processes.py", "--full: minutes (suite processes runs it)"),
    ("/usr/bin/python3 scripts/validate_theory.py processes --kouan build/core/kouan  ",
     "20 x 100,000 customers: minutes (its --short is run)"),
    ("kouan sweep scenarios/sweeps/three_levers.lua", "a year of 16 runs (suite python sweeps it short)"),
    ("kouan calibrate scenarios/calibration/henan_2017.lua", "the 2017 fit: minutes (suite calibrate runs a "
                                                             "short henan 2017 fit)"),
]
# Whole pages whose commands a suite of their own runs short.
PAGE_RUN_BY = {"planner": "planner-walkthrough runs docs/planner.md's commands short",
               "analysis": "python-* run docs/analysis.md's analysis",
               "presenter": "viz-presenter runs docs/presenter.md's commands short",
               "researcher": "python-researcher and python-researcher-mpi run docs/researcher.md's commands "
                             "in its short mode"}


def commands(text):
    """(command, the output lines shown after it in its block) of a page."""
    out = []
    for lang, block in re.findall(r"^```(\w*)\n(.*?)^```", text, re.S | re.M):
        if lang not in ("", "sh", "console", "shell", "bash"):
            continue
        lines = block.replace("\\\n", " ").splitlines()
        prompted = any(line.startswith("$ ") for line in lines)
        for i, line in enumerate(lines):
            c = line.strip()
            if prompted and not line.startswith("$ "):
                continue
            c = c[2:] if c.startswith("$ ") else c
            if not c.startswith(STARTS):
                continue
            shown = []
            if prompted:
                for after in lines[i + 1:]:
                    if after.startswith("$ "):
                        break
                    shown.append(after)
            out.append((c, shown))
    return out


def synopsis(argv):
    """Why argv is a synopsis, not a command (None when it is one)."""
    for a in argv:
        if a.startswith("[") or a == "..." or a.endswith("..."):
            return f"a synopsis ('{a}')"
        if re.fullmatch(r"[A-Z][A-Z0-9_]*(\.(lua|h5|png|svg|csv))?|-?[A-Z]", a) and a not in ("C",):
            return f"a synopsis (placeholder {a})"
        if re.fullmatch(r"(s|a|b|adv|sal|CAL|DESIGN)\.lua", a):
            return f"names {a}, a file the page shows inline, not one of the repository"
    return None


def shorten(argv, until):
    """argv in the short mode (see the module's text)."""
    argv = list(argv)
    if argv[0].endswith("scripts/run.sh"):
        rest = argv[1:]
        if not rest or rest[0].startswith("-"):
            rest = ["scenarios/henan.lua"] + rest
        argv = ["kouan", "run"] + rest
    for opt, short in (("--uncertainty", 8), ("--duration", 1)):
        if opt in argv[:-1]:
            i = argv.index(opt) + 1
            if float(argv[i]) > short:
                argv[i] = str(short)
    base = os.path.basename(argv[0])
    if base == "kouan" and len(argv) > 2 and argv[1] in ("run", "compare") and "--dump" not in argv \
            and "--until" not in argv and not any("mmc" in a or "examples/" in a or "mm1" in a for a in argv):
        argv += ["--until", str(until)]
    return argv


def why_not_run(cmd, argv):
    for start, why in NOT_RUN:
        if (cmd + " ").startswith(start):
            return why
    if argv[0].endswith("kouan-viz") and "--export" not in argv and "--frames" not in argv:
        return "opens a window"
    if argv[0].endswith("kouan-viz") and VIZ is None:
        return "no kouan-viz in this build"
    if any("../shared/" in a for a in argv):
        return "a program outside the repository"
    if cmd.startswith("for ") and "done" not in cmd:
        return "a loop written over several lines (its body is shown, not a command)"
    return synopsis(argv)


def scratch():
    """The page's scratch folder (see the module's text) and its environment."""
    work = tempfile.mkdtemp(prefix="kouan-docs-")
    for name in os.listdir(ROOT):
        if name not in ("results", "build") and not name.startswith("."):
            os.symlink(os.path.join(ROOT, name), os.path.join(work, name))
    os.mkdir(os.path.join(work, "results"))
    os.symlink(BUILD, os.path.join(work, "build"))
    bindir = os.path.join(work, ".bin")
    os.mkdir(bindir)
    os.symlink(KOUAN, os.path.join(bindir, "kouan"))
    if VIZ:
        os.symlink(VIZ, os.path.join(bindir, "kouan-viz"))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""), KOUAN_ROOT=ROOT,
               SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    return work, env


def run_page(page):
    path = os.path.join(ROOT, PAGES[page])
    cmds = commands(open(path, encoding="utf-8").read())
    if page in PAGE_RUN_BY:
        for cmd, _ in cmds:
            tap.skip(f"{PAGES[page]}: {cmd}", PAGE_RUN_BY[page])
        return
    work, env = scratch()
    shows = [c for c, _ in cmds if c.startswith(("kouan-viz", "build/viz/"))
             and not why_not_run(c, shlex.split(c.partition(" | ")[0], comments=True))]
    until = 1800 if shows else 400
    try:
        for cmd, shown in cmds:
            name = f"{PAGES[page]}: {cmd}"
            first, _, piped = cmd.partition(" | ")
            try:
                argv = shlex.split(first, comments=True)
            except ValueError as e:
                ok(False, name, f"not a shell command: {e}")
                continue
            why = why_not_run(cmd, argv)
            if why:
                tap.skip(name, why)
                continue
            if cmd.startswith("for "):
                script = cmd  # as written: a loop of short runs
            else:
                script = shlex.join(shorten(argv, until)) + (" | " + piped.split(" #")[0] if piped else "")
            t0 = time.monotonic()
            rc, out, err = tap.run(["sh", "-c", script], name, timeout=600, cwd=work, env=env)
            tap.diag(f"{time.monotonic() - t0:.1f} s: {script}")
            errors = [s for s in shown if s.startswith("kouan: ")]
            if errors:
                ok(rc != 0 and all(e in err for e in errors), f"{name}: fails, saying what the page shows",
                   f"rc={rc}\n{err[-1500:]}")
            elif shown and "--dump" in argv:
                ok(rc == 0 and all(s in out.splitlines() for s in shown), f"{name}: prints what the page shows",
                   f"rc={rc}\nshown: {shown}\n{out[-1500:]}{err[-1500:]}")
            else:
                ok(rc == 0, f"{name}: exit 0 (short: {script})", f"rc={rc}\n{err[-2000:]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def pages():
    found = sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(ROOT, "docs", "*.md")))
    ok(found == sorted(DOCS), "every page of docs/ is a group of check_docs.py", f"docs/: {found}\ngroups: {DOCS}")
    meson = open(os.path.join(ROOT, "tests", "docs", "meson.build"), encoding="utf-8").read()
    missing = [p for p in PAGES if f"'{p}'" not in meson]
    ok(not missing, "every group is a test of tests/docs/meson.build", missing)
    n = sum(len(commands(open(os.path.join(ROOT, f), encoding="utf-8").read())) for f in PAGES.values())
    ok(n > 50, f"{n} commands found on the pages", n)


if ARGS.group == "pages":
    pages()
else:
    run_page(ARGS.group)
tap.done()
