#!/usr/bin/env python3
"""count_check.py — run_fuzz.py's execution counts, from stand-in fuzzers.

A long run's figures (docs/hardening.md) are run_fuzz.py's sums over
libFuzzer's logs. Two stand-ins for a target check the two ways a count is
read: a run killed before its final stats, whose last progress line sits
under megabytes of the target's own messages, and a forked target whose
dying child prints smaller final stats after its parent's.
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
    tap.done()


if __name__ == "__main__":
    main()
