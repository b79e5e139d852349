#!/usr/bin/env python3
"""Print one closing line 'N passed, N failed, N skipped' over meson builds.

    test-summary.py BUILDDIR [BUILDDIR ...]

The closing line is the total over the builds, and the only line that
counts (the README promises one): before it come only the failures, one
'FAILED BUILDDIR: TEST' line each. Reads BUILDDIR/meson-logs/testlog.json
(one JSON object per test). A TAP
test counts its subtests ('ok' / 'not ok' lines, '# SKIP' as skipped); any
other test counts once by its result. Exits 1 when anything failed, so CI
cannot read a red run as green. Standard library only.
"""
import json
import re
import sys

TAP_LINE = re.compile(r"^(not ok|ok)\b(.*)$")


def count(builddir):
    passed = failed = skipped = 0
    failures = []
    with open(f"{builddir}/meson-logs/testlog.json", encoding="utf-8") as log:
        for line in log:
            if not line.strip():
                continue
            test = json.loads(line)
            name, result = test.get("name", "?"), test.get("result", "")
            tap = [m for m in (TAP_LINE.match(l) for l in (test.get("stdout") or "").splitlines()) if m]
            if test.get("protocol") == "tap" or tap:
                for m in tap:
                    if "# SKIP" in m.group(2).upper():
                        skipped += 1
                    elif m.group(1) == "ok":
                        passed += 1
                    else:
                        failed += 1
                        failures.append(f"{name}:{m.group(2).strip()}")
                # A crash, timeout or bad plan fails the test even if its lines passed.
                if result not in ("OK", "SKIP", "EXPECTEDFAIL") and not any(f.startswith(name + ":") for f in failures):
                    failed += 1
                    failures.append(f"{name}: {result}")
            elif result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
                failures.append(f"{name}: {result}")
    return passed, failed, skipped, failures


def main():
    builds = sys.argv[1:]
    if not builds:
        sys.exit("usage: test-summary.py BUILDDIR [BUILDDIR ...]")
    total = [0, 0, 0]
    bad = False
    for b in builds:
        passed, failed, skipped, failures = count(b)
        for f in failures:
            print(f"FAILED {b}: {f}")
        bad = bad or failed > 0 or passed == 0
        total = [total[0] + passed, total[1] + failed, total[2] + skipped]
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
