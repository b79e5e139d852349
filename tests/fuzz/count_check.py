#!/usr/bin/env python3
"""count_check.py — run_fuzz.py's execution counts, from stand-in fuzzers.

A long run's figures (docs/hardening.md) are run_fuzz.py's sums over
libFuzzer's logs. Two stand-ins for a target check the two ways a count is
read: a run killed before its final stats, whose last progress line sits
under megabytes of the target's own messages, and a forked target whose
dying child prints smaller final stats after its parent's. Three more
check how an RSS out-of-memory (a report without a stack) is classified.
"""
import os
import stat
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import tap  # noqa: E402
import run_fuzz  # noqa: E402

STAND_INS = {
    # progress lines, then 3 MB of the target's messages, and no final stats
    "flooded": "print('#2\\tINITED cov: 5'); print('#65536\\tpulse cov: 9 exec/s: 900')\n"
               "import sys\nfor _ in range(50000): sys.stdout.write('kouan: error: scenario line 1: nearest key x\\n')\n",
    # the parent's final stats, then a forked child's, as a dying child prints them
    "forked": "print('#131072\\tpulse'); print('stat::number_of_executed_units: 140000')\n"
              "print('stat::number_of_executed_units: 12')\n",
}
EXPECTED = {"flooded": 65536, "forked": 140000}

# An input that passes the RSS limit: libFuzzer's report has no stack. Run
# again alone (one file argument), the stand-in ends at a gigabyte
# allocation, inside libhdf5 ("hdf5") or kouan's reader ("kouan"), or not
# at all ("none": the memory grew over many inputs).
OOM = """import os, sys
pid = os.getpid()
if len(sys.argv) == 4 and os.path.isfile(sys.argv[-1]):
    if WHERE != "none":
        print(f"=={pid}== ERROR: libFuzzer: out-of-memory (malloc(16832032776))")
        print(f"    #0 0x1 in __sanitizer_print_stack_trace (/x/fuzz+0x1)")
        print(f"    #7 0x2 in malloc (/x/fuzz+0x2)")
        print(WHERE_FRAME)
    sys.exit(71 if WHERE != "none" else 0)
work = [a for a in sys.argv if a.startswith("-artifact_prefix=")][0].split("=", 1)[1]
open(os.path.join(work, "oom-c0ffee"), "w").write("x")
print("#4096\tpulse cov: 9 exec/s: 900")
print(f"=={pid}== ERROR: libFuzzer: out-of-memory (used: 2237Mb; exceeds: 2048Mb)")
print("MS: 1 ChangeByte-; base unit: 0")
sys.exit(71)
"""
OOM_FRAMES = {"hdf5": "    #8 0x7f in H5FL_blk_malloc (/lib/x86_64-linux-gnu/libhdf5_serial.so.103+0x123af1)",
              "kouan": "    #8 0x5f in table_read core/io/replay.c:172:17",
              "none": ""}
OOM_EXPECTED = {"hdf5": (0, 1), "kouan": (1, 0), "none": (1, 0)}  # (kouan findings, hdf5 findings)


def main():
    tap.parse_args(__doc__, groups=["count"], kouan=False)
    with tempfile.TemporaryDirectory() as tmp:
        for name, body in STAND_INS.items():
            prog = os.path.join(tmp, name)
            with open(prog, "w") as f:
                f.write(f"#!{sys.executable}\n{body}")
            os.chmod(prog, os.stat(prog).st_mode | stat.S_IXUSR)
            t = run_fuzz.Target(name, prog, tmp, name, "", os.path.join(tmp, "work-" + name), keep_corpus=False)
            t.segment(30)
            log = os.path.join(t.work, "segment.log")
            tap.ok(t.executions() == EXPECTED[name],
                   f"{name}: {t.executions()} executions counted (expected {EXPECTED[name]}, "
                   f"log {os.path.getsize(log) // 1024} KB)")
        for where, frame in OOM_FRAMES.items():
            prog = os.path.join(tmp, "oom-" + where)
            with open(prog, "w") as f:
                f.write(f"#!{sys.executable}\nWHERE = {where!r}\nWHERE_FRAME = {frame!r}\n{OOM}")
            os.chmod(prog, os.stat(prog).st_mode | stat.S_IXUSR)
            t = run_fuzz.Target("oom", prog, tmp, "oom", "", os.path.join(tmp, "work-oom-" + where), keep_corpus=False)
            t.segment(30)
            got = (len(t.findings["kouan"]), len(t.findings["hdf5"]))
            tap.ok(got == OOM_EXPECTED[where],
                   f"an RSS out-of-memory whose input alone allocates in {where}: (kouan, hdf5) findings {got}",
                   t.log_tail)
    tap.done()


if __name__ == "__main__":
    main()
