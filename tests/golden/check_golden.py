#!/usr/bin/env python3
"""check_golden.py — golden-output tests: runs `kouan run` with fixed seeds
and compares everything it prints, byte for byte, with the committed file
tests/golden/NAME.txt; prints TAP, with a unified diff on a mismatch.

usage: check_golden.py CASE|all --kouan KOUAN [--root SRCROOT] [--update]
  (tests/tap.py: the drivers' calling convention); --update rewrites the
  files instead of comparing.

The commands run from SRCROOT with paths relative to it (the table's title
names the scenario file as given), with KOUAN_ROOT=SRCROOT, so the output
does not depend on where the tree or the build lives. After an intended
change of the output, regenerate with scripts/update-golden.sh and review
the diff before committing.
"""
import difflib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

tap.diag_lines = None  # a failure prints its whole diff

# name -> arguments of `kouan run` (paths relative to the source root)
CASES = {
    "port_small": ["tests/lua/port_small.lua", "--seed", "1", "--reps", "3"],
    "henan_2017_28d": ["scenarios/henan.lua", "--era", "2017", "--set", "horizon_days=28"],
    "mmc_5000": ["scenarios/mmc.lua", "--seed", "1", "--set", "customers=5000"],
    "cbec_week": ["scenarios/cbec_orders.lua", "--seed", "1", "--set", "orders_per_year=3e6",
                  "--set", "horizon_days=7", "--set", "warmup_days=1"],
}

ARGS = tap.parse_args(__doc__, [*CASES, "all"],
                      {"--update": dict(action="store_true", help="rewrite the files instead of comparing")})
KOUAN, ROOT, update = ARGS.kouan, ARGS.root, ARGS.update
GOLDEN = os.path.join(ROOT, "tests", "golden")
names = list(CASES) if ARGS.group == "all" else [ARGS.group]


def run(name):
    """(exit status, stdout as bytes, stderr)"""
    return tap.run([KOUAN, "run", "--no-output", *CASES[name]], command(name), timeout=300, cwd=ROOT,
                   env=dict(os.environ, KOUAN_ROOT=ROOT), binary=True)


def command(name):
    return "kouan run " + " ".join(CASES[name])


for name in names:
    path = os.path.join(GOLDEN, name + ".txt")
    rc, out, err = run(name)
    # a scenario with uncertain{} values says on stderr which values it took
    # (one line, kouan run's); anything else there is a warning
    notes = [ln for ln in err.splitlines() if re.match(r"kouan: \d+ uncertain values?, each at its central", ln)]
    clean = rc == 0 and err.splitlines() == notes and len(notes) <= 1
    if update:
        if not clean:
            sys.exit(f"check_golden: {command(name)}: exit {rc}\n{err}")
        with open(path, "wb") as f:
            f.write(out)
        print(f"wrote tests/golden/{name}.txt ({len(out)} bytes): {command(name)}")
        continue
    ok(clean, f"{name}: {command(name)} exits 0, nothing on stderr but the uncertain values' note", f"exit {rc}\n{err}")
    try:
        with open(path, "rb") as f:
            want = f.read()
    except OSError as e:
        ok(False, f"{name}: output matches tests/golden/{name}.txt", f"{e}\nrun scripts/update-golden.sh")
        continue
    diff = ""
    if out != want:
        diff = "".join(difflib.unified_diff(
            want.decode("utf-8", "replace").splitlines(True), out.decode("utf-8", "replace").splitlines(True),
            f"tests/golden/{name}.txt", f"{command(name)} (now)"))
        if not diff:  # differs only in bytes the text view hides (e.g. a final newline)
            diff = f"same lines, different bytes ({len(want)} expected, {len(out)} now)"
        diff += "\nif the change is intended: scripts/update-golden.sh, then review git diff tests/golden"
    ok(out == want, f"{name}: output matches tests/golden/{name}.txt byte for byte", diff)

tap.done(plan=not update)
