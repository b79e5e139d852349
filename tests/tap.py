"""tap.py — the TAP helpers every Python test driver shares.

meson starts the drivers as `/usr/bin/python3 tests/X/check_X.py ...`, so a
driver finds this module through its own path:

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from tap import done, ok, run, skip

ok() and skip() number the checks and print one TAP line each; done() prints
the plan "1..N" last (TAP allows it there, and a driver need not know N
ahead) and exits 1 when a check failed. run() runs a program and fails a
check of its own when the program's stderr holds a sanitizer report, so
that every call in the ASan+UBSan build is also a memory check.
"""
import subprocess
import sys


count = 0           # checks so far
failures = 0        # of them, failed
diag_lines = 30     # lines of a failed check's diagnostic printed (None: all)


def ok(cond, name, diag=""):
    """Check number count+1: "ok N - name" or "not ok N - name" with diag
    (a string, or anything str() makes one of) as "# " lines. Returns cond."""
    global count, failures
    count += 1
    if not cond:
        failures += 1
    print(f"{'ok' if cond else 'not ok'} {count} - {name}")
    if not cond and diag:
        for line in str(diag).splitlines()[:diag_lines]:
            print(f"# {line}")
    return cond


def skip(name, why):
    """A check that cannot be made here: counted as passed, marked SKIP."""
    global count
    count += 1
    print(f"ok {count} - {name} # SKIP {why}")


def diag(text):
    """Lines of text as TAP comments."""
    for line in str(text).splitlines():
        print(f"# {line}")


def sanitizer_report(err):
    """Whether stderr text err holds an AddressSanitizer, LeakSanitizer or
    UndefinedBehaviorSanitizer report."""
    return "Sanitizer" in err or "runtime error:" in err


def sanitizer_in_kouan(err):
    """A sanitizer report whose innermost frame (past the sanitizer's own
    interceptors) is kouan's code, not a library's (HDF5's, on damaged
    files, is not ours to fix)."""
    lines = err.splitlines()
    for i, line in enumerate(lines):
        if "runtime error:" in line and ("core/" in line or "tests/" in line):
            return True
        if "ERROR: AddressSanitizer" in line or "ERROR: LeakSanitizer" in line:
            frames = [f for f in lines[i + 1:i + 40] if f.strip().startswith("#")]
            frames = [f for f in frames if "libsanitizer" not in f and "__interceptor" not in f]
            if frames and ("core/" in frames[0] or "tests/" in frames[0]):
                return True
    return False


def run(argv, name, timeout=60, cwd=None, env=None):
    """Runs argv and returns (exit status, stdout, stderr), both decoded as
    UTF-8 with replacement. A sanitizer report in stderr fails the check
    "sanitizer clean: <name>"."""
    p = subprocess.run(argv, capture_output=True, timeout=timeout, cwd=cwd, env=env)
    out, err = p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    if sanitizer_report(err):
        ok(False, f"sanitizer clean: {name}", err)
    return p.returncode, out, err


def done(plan=True):
    """Prints the plan (unless plan is false) and exits: 1 when a check
    failed, else 0."""
    if plan:
        print(f"1..{count}")
    sys.exit(1 if failures else 0)
