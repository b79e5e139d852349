#!/bin/sh
# Speed of this tree against another revision, for a change that must not
# slow kouan down (a refactor):
#
#   scripts/bench-ab.sh REV [ROUNDS]        (default 5)
#
# Checks REV out in a scratch worktree, builds both trees optimised
# (build-bench/, release + LTO, as scripts/bench.sh and bench-model.sh),
# then measures each case two ways:
#   - instructions (valgrind --tool=callgrind): the same for the same
#     binary and input whatever else the machine does, so a difference of
#     a few tenths of a per cent is real;
#   - wall time of whole processes, the two trees alternating within each
#     round (the order flips every round), median and range, and the
#     median of the per-round ratios after / before.
# The table goes to results/bench-ab.md.
set -eu
cd "$(dirname "$0")/.."
rev=${1:?usage: scripts/bench-ab.sh REV [ROUNDS]}
rounds=${2:-5}
case $rounds in ''|*[!0-9]*|0) echo "bench-ab: ROUNDS must be a whole number >= 1 (got '$rounds')" >&2; exit 2 ;; esac
command -v valgrind >/dev/null || { echo "bench-ab: valgrind is needed" >&2; exit 1; }
git rev-parse --verify -q "$rev^{commit}" >/dev/null || { echo "bench-ab: '$rev' is not a revision" >&2; exit 2; }
scripts/bootstrap.sh >/dev/null

other=$(mktemp -d)
trap 'git worktree remove --force "$other" >/dev/null 2>&1; rm -rf "$other"' EXIT
git worktree add -q --detach "$other" "$rev"
for tree in . "$other"; do
  if [ -d "$tree/build-bench" ]; then
    meson configure "$tree/build-bench" -Dbuildtype=release -Db_lto=true >/dev/null
  else
    meson setup "$tree/build-bench" "$tree" --buildtype=release -Db_lto=true >/dev/null
  fi
  ninja -C "$tree/build-bench" core/kouan tests/kouan-bench >/dev/null
done

mkdir -p results
python3 - "$other" "$(pwd)" "$rev" "$rounds" > results/bench-ab.md <<'EOF'
import os, re, statistics, subprocess, sys, tempfile, time

before, after, rev, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
trees = {"before": before, "after": after}
out_h5 = os.path.join(tempfile.mkdtemp(), "run.h5")
# name, program (relative to build-bench), arguments, rounds (None: ROUNDS),
# arguments for the instruction count (a shorter run of the same kind)
cases = [
    ("kernel: M/M/4, 10^6 customers", "tests/kouan-bench", ["mmc", "4", "3.6", "1", "1e6", "1"], None,
     ["mmc", "4", "3.6", "1", "1e5", "1"]),
    ("henan.lua 2017, a year", "core/kouan", ["run", "scenarios/henan.lua", "--era", "2017", "--no-output",
     "--quiet"], None, ["run", "scenarios/henan.lua", "--era", "2017", "--set", "horizon_days=42",
     "--no-output", "--quiet"]),
    ("henan.lua 2021, a year", "core/kouan", ["run", "scenarios/henan.lua", "--era", "2021", "--no-output",
     "--quiet"], None, ["run", "scenarios/henan.lua", "--era", "2021", "--set", "horizon_days=42",
     "--no-output", "--quiet"]),
    ("henan.lua 2017, a year, with its run file", "core/kouan", ["run", "scenarios/henan.lua", "--era", "2017",
     "-o", out_h5, "--force", "--quiet"], None, ["run", "scenarios/henan.lua", "--era", "2017", "--set",
     "horizon_days=42", "-o", out_h5, "--force", "--quiet"]),
    ("cbec_orders.lua, a quarter", "core/kouan", ["run", "scenarios/cbec_orders.lua", "--set", "horizon_days=91",
     "--no-output", "--quiet"], 3, ["run", "scenarios/cbec_orders.lua", "--set", "horizon_days=14", "--no-output",
     "--quiet"]),
]


def run(tree, prog, args):
    env = dict(os.environ, KOUAN_ROOT=tree)
    t0 = time.perf_counter()
    subprocess.run([os.path.join(tree, "build-bench", prog), *args], cwd=tree, env=env, check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def instructions(tree, prog, args):
    env = dict(os.environ, KOUAN_ROOT=tree)
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                        os.path.join(tree, "build-bench", prog), *args], cwd=tree, env=env, check=True,
                       capture_output=True, text=True)
    return int(re.search(r"Collected : (\d+)", p.stderr).group(1))


print(f"Speed of this tree (after) against {rev} (before): `scripts/bench-ab.sh {rev} {rounds}`.\n")
print("| case | instructions before | after | after / before | wall s before, median (range) | after | "
      "after / before, median of rounds |")
print("|---|---|---|---|---|---|---|")
for name, prog, args, n, short in cases:
    ins = {k: instructions(t, prog, short) for k, t in trees.items()}
    wall = {k: [] for k in trees}
    for i in range(n or rounds):
        for k in (("before", "after") if i % 2 == 0 else ("after", "before")):
            wall[k].append(run(trees[k], prog, args))
    ratio = statistics.median(a / b for a, b in zip(wall["after"], wall["before"]))
    cell = {k: f"{statistics.median(v):.2f} ({min(v):.2f}–{max(v):.2f})" for k, v in wall.items()}
    print(f"| {name} | {ins['before']:,} | {ins['after']:,} | {ins['after'] / ins['before']:.4f} | "
          f"{cell['before']} | {cell['after']} | {ratio:.3f} |", flush=True)
print("\nInstructions: callgrind on a shorter run of the same case (the kernel at 10^5 customers, henan.lua at "
      "42 days, cbec_orders.lua at 14 days); the count of a run with its file varies a little from run to run, "
      "since the writer thread flushes by wall time. Wall time on a shared machine varies by tens of per cent "
      "from round to round: where the kernel's instructions are equal, its wall ratio is this machine's noise.")
EOF
cat results/bench-ab.md
