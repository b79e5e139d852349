#!/usr/bin/env python3
"""run_fuzz.py — one timed libFuzzer run of a kouan fuzz target, as a meson
test (TAP): a fresh working corpus (seeded from the committed corpus and
regression inputs, which are never written to), -max_total_time from
$KOUAN_FUZZ_SECONDS (default 30), crashes, leaks and timeouts written to
fuzz-work/NAME/ next to the program. Passes when libFuzzer found nothing;
prints the executions and the corpus growth, and writes them to
fuzz-work/NAME/stats.txt (docs/hardening.md quotes them).

usage: run_fuzz.py NAME PROGRAM SEEDDIR...
"""
import os
import re
import shutil
import subprocess
import sys
import time

name, prog, seeds = sys.argv[1], os.path.abspath(sys.argv[2]), sys.argv[3:]
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
env = dict(os.environ)
t0 = time.monotonic()
p = subprocess.run(args, capture_output=True, text=True, errors="replace", env=env,
                   timeout=seconds + 300)
wall = time.monotonic() - t0
log = p.stderr
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
found = artifacts if p.returncode != 0 else []
contained = len(artifacts) - len(found)
with open(os.path.join(work, "stats.txt"), "w") as f:
    f.write(f"target {name}\nseconds {seconds}\nwall {wall:.1f}\nexecutions {execs}\n"
            f"new_corpus_units {units}\nexit {p.returncode}\nfindings {' '.join(found) or 'none'}\n"
            f"contained_in_child {contained}\n")
good = p.returncode == 0 and not found and execs > 0
print(f"{'ok' if good else 'not ok'} 1 - fuzz {name}: {execs} executions in {wall:.0f} s, "
      f"{units} corpus units, findings: {', '.join(found) or 'none'}"
      + (f" ({contained} HDF5 failures contained in the forked child)" if contained else ""))
if not good:
    for line in log.splitlines()[-60:]:
        print("# " + line)
    print(f"# inputs kept in {work}: reproduce with {prog} FILE")
print("1..1")
