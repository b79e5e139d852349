#!/usr/bin/env python3
"""run_fuzz.py — one timed libFuzzer run of a kouan fuzz target, as a meson
test (TAP): a fresh working corpus (seeded from the committed corpus and
regression inputs, tests/fuzz/corpus/NAME and regress/NAME, which are never
written to), -max_total_time from $KOUAN_FUZZ_SECONDS (default 30),
crashes, leaks and timeouts written to fuzz-work/NAME/ next to the program.
Passes when libFuzzer found nothing; prints the executions and the corpus
growth, and writes them to fuzz-work/NAME/stats.txt (docs/hardening.md
quotes them).

usage: run_fuzz.py NAME --tool target=PROGRAM [--root SRCROOT]
  (tests/tap.py: the drivers' calling convention; no --kouan)
"""
import os
import re
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402

tap.diag_lines = None  # a failure prints the tail of libFuzzer's log, chosen below

ARGS = tap.parse_args(__doc__, kouan=False)
name, prog = ARGS.group, tap.tool("target", required=True)
seeds = [os.path.join(ARGS.root, "tests", "fuzz", d, name) for d in ("corpus", "regress")]
seconds = int(os.environ.get("KOUAN_FUZZ_SECONDS", "30"))
work = os.path.join(os.path.dirname(prog), "fuzz-work", name)
corpus = os.path.join(work, "corpus")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(corpus)
# -timeout: one input may take this long. The HDF5 readers' checking
# children stop a library that loops after 10 s of CPU (more for large
# files); the wall-clock margin covers a loaded machine.
args = [prog, f"-max_total_time={seconds}", "-timeout=60", "-rss_limit_mb=2560",
        "-print_final_stats=1", f"-artifact_prefix={work}/",
        corpus] + [s for s in seeds if os.path.isdir(s)]
# ASan: no leak check at exit of the whole run (each input's leaks are
# checked by libFuzzer itself, -detect_leaks=1 is its default).
# library_reports: the HDF5 readers' checking children may print the
# library's own report on a damaged input (see below); one in kouan's code
# fails a check of its own besides the finding. children_contained: a
# report of such a child is never one: the library may hand kouan's code
# in the child garbage (a damaged heap's string pointers) before it
# crashes, and containing that is the child's job; the parent's own
# crash ends the run with an artifact (counted below).
t0 = time.monotonic()
rc, _, log = tap.run(args, f"fuzz {name}", timeout=seconds + 300, library_reports=True,
                    children_contained=True)
wall = time.monotonic() - t0
execs = re.findall(r"stat::number_of_executed_units:\s*(\d+)", log)
execs = int(execs[-1]) if execs else 0
units = len(os.listdir(corpus))
artifacts = [f for f in os.listdir(work) if re.match(r"(crash|leak|timeout|oom)-", f)]
# A finding ends the run with a non-zero status and leaves one artifact.
# The report target forks (kou_h5_check_summary reads the file in a child
# first, because HDF5 itself crashes on some damaged files); a child that
# the library makes allocate gigabytes trips libFuzzer's malloc limit and
# writes an oom- artifact, then dies: the parent reports "a damaged file"
# and fuzzing goes on. Those are counted, not failed.
found = artifacts if rc != 0 else []
contained = len(artifacts) - len(found)
with open(os.path.join(work, "stats.txt"), "w") as f:
    f.write(f"target {name}\nseconds {seconds}\nwall {wall:.1f}\nexecutions {execs}\n"
            f"new_corpus_units {units}\nexit {rc}\nfindings {' '.join(found) or 'none'}\n"
            f"contained_in_child {contained}\n")
good = rc == 0 and not found and execs > 0
tap.ok(good, f"fuzz {name}: {execs} executions in {wall:.0f} s, "
       f"{units} corpus units, findings: {', '.join(found) or 'none'}"
       + (f" ({contained} HDF5 failures contained in the forked child)" if contained else ""),
       "\n".join(log.splitlines()[-60:]) + f"\ninputs kept in {work}: reproduce with {prog} FILE")
tap.done()
