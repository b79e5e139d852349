"""tap.py — what every Python test driver shares: one calling convention,
one way to run the programs under test, and TAP output.

The calling convention. Every driver (tests/*/check_*.py,
tests/golden/check_golden.py, tests/fuzz/run_fuzz.py,
scripts/validate_theory.py) is called as

    DRIVER GROUP --kouan PATH [--root SRCROOT] [--tool NAME=PATH]... [its own options]

GROUP picks the checks (a driver with one group may leave it out); --kouan
is the kouan binary (run_fuzz.py takes none); --root the source tree
(default: the tree the driver is in); --tool names another program: a
program of the build (replay_dump=..., report_ref=..., kouan-viz=...,
viz_probe=..., target= for the fuzz target) or a third-party one meson
looked up (h5dump, mpiexec, valgrind). A tool not given is looked up on
PATH. Relative paths are
taken from the current folder. `DRIVER --help` prints the driver's own
description. tests/meson.build defines the interpreter (python3) and these
common arguments (driver_args) once for every suite.

Running one group by hand, from the source tree, after `ninja -C build`
(/usr/bin/python3: Debian's h5py and matplotlib live only there):

    /usr/bin/python3 tests/io/check_io.py kill --kouan build/core/kouan
    /usr/bin/python3 tests/replay/check_replay.py damaged --kouan build/core/kouan \\
        --tool replay_dump=build/tests/replay/replay_dump

(`meson test -C build -v io-kill` runs the same and shows the command.)

A driver starts with

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import tap
    from tap import ok
    ARGS = tap.parse_args(__doc__, ["groupA", "groupB"])

Running programs. run() runs a program to its end and start() starts one
for a check that kills or signals it (finish() then collects it). Both
fail a check of their own, "sanitizer clean: NAME", when the program's
stderr holds a sanitizer report, so that in the ASan+UBSan build every
call of every driver is also a memory check. Every run of kouan,
kouan-viz and the test programs of the build goes through them.

TAP. ok() and skip() number the checks and print one TAP line each;
done() prints the plan "1..N" last (TAP allows it there, and a driver need
not know N ahead) and exits 1 when a check failed.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading


count = 0           # checks so far
failures = 0        # of them, failed
diag_lines = 30     # lines of a failed check's diagnostic printed (None: all)
tools = {}          # NAME -> absolute path, from --tool NAME=PATH
_lock = threading.Lock()  # drivers may run programs from worker threads

SRCROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# ---- the calling convention ----

def _tool_arg(text):
    name, sep, path = text.partition("=")
    if not sep or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got '{text}'")
    return name, os.path.abspath(path)


def parse_args(doc, groups=None, options=None, kouan=True):
    """Parses the driver's command line (the convention above) and returns
    its argparse namespace: group, kouan and root (absolute paths), and
    the driver's own options. groups lists the valid GROUPs (None: any
    word; one: GROUP may be left out); options maps a driver's own option
    names ("--update", or ("-j", "--jobs")) to argparse keywords; kouan
    false makes --kouan optional. The --tool values go to tap.tools."""
    p = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter,
                                allow_abbrev=False)
    if groups is not None and len(groups) == 1:
        p.add_argument("group", nargs="?", choices=groups, default=groups[0], metavar="GROUP")
    else:
        p.add_argument("group", choices=groups, metavar="GROUP",
                       help=("one of: " + ", ".join(groups)) if groups else None)
    p.add_argument("--kouan", required=kouan, type=os.path.abspath, metavar="PATH", help="the kouan binary")
    p.add_argument("--root", default=SRCROOT, type=os.path.abspath, metavar="SRCROOT",
                   help="the source tree (default: %(default)s)")
    p.add_argument("--tool", action="append", default=[], type=_tool_arg, metavar="NAME=PATH",
                   help="another program: of the build, or a third-party one (default: found on PATH)")
    for names, kw in (options or {}).items():
        p.add_argument(*((names,) if isinstance(names, str) else names), **kw)
    args = p.parse_args()
    tools.update(args.tool)
    return args


def tool(name, required=False):
    """The path of program name: from --tool name=PATH, else found on PATH;
    None when neither, or when required, the driver stops with a usage
    error naming the --tool it needs."""
    path = tools.get(name) or shutil.which(name)
    if not path and required:
        sys.exit(f"{os.path.basename(sys.argv[0])}: needs --tool {name}=PATH")
    return path


# ---- TAP ----

def ok(cond, name, diag=""):
    """Check number count+1: "ok N - name" or "not ok N - name" with diag
    (a string, or anything str() makes one of) as "# " lines. Returns cond."""
    global count, failures
    with _lock:
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
    with _lock:
        count += 1
        print(f"ok {count} - {name} # SKIP {why}")


def diag(text):
    """Lines of text as TAP comments."""
    for line in str(text).splitlines():
        print(f"# {line}")


def done(plan=True):
    """Prints the plan (unless plan is false) and exits: 1 when a check
    failed, else 0."""
    if plan:
        print(f"1..{count}")
    sys.exit(1 if failures else 0)


# ---- running programs ----

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


def _describe(argv):
    return " ".join([os.path.basename(str(argv[0]))] + [str(a) for a in argv[1:]])


def own_reports(err, pid):
    """The lines of err without the sanitizer reports of processes other
    than pid: a report starts with "==PID==" and runs to its SUMMARY line."""
    kept, other = [], False
    for line in err.splitlines():
        if line.startswith("==") and "==" in line[2:]:
            head = line[2:line.index("==", 2)]
            if head.isdigit():
                other = int(head) != pid
        if not other:
            kept.append(line)
        if line.startswith("SUMMARY:"):
            other = False
    return "\n".join(kept)


def _sanitizer_check(err, name, argv, library_reports, pid=None):
    """Fails "sanitizer clean: name" on a report in err; library_reports:
    only on a report in kouan's own code (sanitizer_in_kouan); pid: only
    on a report of that process (own_reports)."""
    if pid is not None:
        err = own_reports(err, pid)
    bad = sanitizer_in_kouan(err) if library_reports else sanitizer_report(err)
    if bad:
        ok(False, f"sanitizer clean: {name or _describe(argv)}", err)


def _text(b):
    return b.decode("utf-8", "replace")


def run(argv, name=None, timeout=60, cwd=None, env=None, preexec_fn=None, binary=False, library_reports=False,
        children_contained=False):
    """Runs argv to its end and returns (exit status, stdout, stderr), both
    decoded as UTF-8 with replacement (stdout as bytes when binary). env
    is the whole environment (None: this one's). A sanitizer report in
    stderr fails the check "sanitizer clean: <name>" (name: the command
    line); with library_reports, only a report in kouan's own code does
    (for damaged files, on which the HDF5 library reports itself); with
    children_contained, only a report of the program's own process does
    (the HDF5 readers check a file in a forked child first, whose crash,
    wherever it happens, is what the child is there to contain).
    subprocess.TimeoutExpired passes through."""
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd, env=env,
                          preexec_fn=preexec_fn) as p:
        try:
            bout, berr = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            raise
    out, err = (bout if binary else _text(bout)), _text(berr)
    _sanitizer_check(err, name, argv, library_reports, p.pid if children_contained else None)
    return p.returncode, out, err


class Started(subprocess.Popen):
    """A program start() started: poll(), kill(), send_signal() as any
    subprocess.Popen; finish() waits for it. Its stdout and stderr go to
    temporary files, so a program that writes much never blocks on a full
    pipe while the driver waits for something else."""

    def __init__(self, argv, name=None, cwd=None, env=None):
        self._out, self._err = tempfile.TemporaryFile(), tempfile.TemporaryFile()
        self.name = name
        super().__init__(argv, stdout=self._out, stderr=self._err, cwd=cwd, env=env)

    def finish(self, timeout=120):
        """Waits for the program and returns (exit status, stdout, stderr)
        with run()'s sanitizer check (a program killed midway may have
        written part of its output)."""
        self.wait(timeout)
        got = []
        for f in (self._out, self._err):
            f.seek(0)
            got.append(_text(f.read()))
            f.close()
        _sanitizer_check(got[1], self.name, self.args, False)
        return self.returncode, got[0], got[1]


def start(argv, name=None, cwd=None, env=None):
    """Starts argv without waiting for it (for a check that kills or
    signals it midway) and returns it (Started); finish() collects it."""
    return Started(argv, name, cwd, env)
