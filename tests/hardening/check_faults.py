#!/usr/bin/python3
"""check_faults.py — faults from outside the scenario; prints TAP for meson.
Run by /usr/bin/python3 (h5py reads the run files).

usage: check_faults.py GROUP --kouan KOUAN [--root SRCROOT] [--tool valgrind=PATH]   (tests/tap.py)
  GROUP  alloc | disk | guard | valgrind | signals | soak-memory | soak-cbec
  alloc  allocation failure (KOUAN_FAULT_ALLOC, kernel/base.h) at the N-th
         allocation, once (N) and for good (N+), over N spread across a
         port scenario writing its run file and a process-style scenario:
         exit 0 with the reference output (Lua survived the failure by
         collecting garbage), or exit 1 with an out-of-memory message;
         never a signal or a sanitizer report; a run file left behind
         opens in h5py with complete = 0 (1 after a clean exit).
  disk   unwritable output paths are refused before the run (no KPI table);
         a file size limit (ulimit -f, SIGXFSZ ignored: writes fail with
         EFBIG) and, when mount works (root), a full tmpfs (ENOSPC) reached
         during the run: the KPI table is printed, exit 1, a message naming
         the file, and the file opens in h5py with complete = 0.
  guard  an arrival rate far above capacity for a year: the run stops at
         max_in_system with a message, and the file written so far reads;
         a damaged run file (found by fuzzing) that makes HDF5 ask for
         3.4 GB is refused by `kouan report` in one line, and the checking
         child stays under its 2 GiB cap (not checked under ASan, where the
         cap is off).
  signals  SIGINT, then SIGTERM, to kouan run (a port scenario writing its
         run file), sweep and compare midway: exit 130 and the same message
         for both; the run and sweep files open (h5py, h5dump -H) with
         complete = 0 and kouan report reads the run file; compare, which
         writes its file only at the end, leaves none; a process-style run
         with --reps: exit 130, the finished replications in the file, which
         says complete = 0 and which kouan report reads.
  soak-memory  scripts/soak.py --short: a 4-year henan.lua run whose RSS
         after warm-up grows less than SOAK_MB_PER_YEAR per simulated year
         (skipped under ASan: its quarantine keeps freed memory).
  soak-cbec  the order-level e-commerce scenario at scale: 2 million orders
         in the system stop the run at max_in_system (a clear message, the
         file reads with complete = 0, under 1 KiB of memory an order), and
         --max-seconds 10 stops a year of 30 million orders the same way,
         the file holding the orders written by then.
  valgrind  memcheck on whole kouan commands: a small port scenario writing
         its run file (the writer thread, the watchdog), the M/M/c process
         scenario, `kouan report` of that file (its forked child too), a
         scenario error and an out-of-memory stop: no error, no definite,
         indirect or possible leak. "Still reachable" blocks are not
         errors: they are HDF5's per-thread error stacks and contexts (freed
         when a thread exits, and the main thread never does) and what
         gnutls/libtasn1 (pulled in by HDF5's dependencies) allocate in
         their constructors; no suppression file is needed.
"""
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import h5py

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok, skip  # noqa: E402

tap.diag_lines = 20

ARGS = tap.parse_args(__doc__, ["alloc", "disk", "guard", "valgrind", "signals", "soak-memory", "soak-cbec"])
KOUAN, ROOT = ARGS.kouan, ARGS.root
TESTDIR = os.path.join(ROOT, "tests", "hardening")
SMALL = os.path.join(ROOT, "tests", "lua", "port_small.lua")
MMC = os.path.join(ROOT, "scenarios", "mmc.lua")
TMP = tempfile.mkdtemp(prefix="kouan-faults-")


def run(*args, env=None, preexec=None, timeout=120, wrapper=()):
    """kouan's (exit status, stdout, stderr), from TMP, with env added to
    this environment; wrapper: a program that runs kouan (valgrind)."""
    return tap.run([*wrapper, KOUAN, *args], timeout=timeout, cwd=TMP, env=dict(os.environ, **(env or {})),
                   preexec_fn=preexec)


def clean(err):
    return "Sanitizer" not in err and "runtime error:" not in err and "HDF5-DIAG" not in err


def h5_state(path):
    """'complete=0' / 'complete=1' or the reason h5py cannot read the file."""
    try:
        with h5py.File(path, "r") as f:
            return f"complete={int(f.attrs['complete'])}"
    except Exception as e:  # noqa: BLE001 - any failure to read is the answer
        return f"unreadable: {e}"


def spread(total, n):
    """1..10, then n points spread evenly up to total."""
    pts = set(range(1, min(10, total) + 1))
    for i in range(n):
        pts.add(1 + (total - 1) * i // max(1, n - 1))
    return sorted(pts)


def group_alloc():
    cases = [("port scenario with its run file", [SMALL, "-o", "run.h5", "--force", "--quiet"], "run.h5"),
             ("process-style scenario", [MMC, "--set", "customers=300"], None)]
    for label, args, out in cases:
        rc, ref, err = run("run", *args)
        ok(rc == 0, f"{label}: reference run", err)
        _, _, err = run("run", *args, env={"KOUAN_FAULT_ALLOC": "count"})
        total = int(err.rsplit("allocations:", 1)[1].split()[0]) if "allocations:" in err else 0
        ok(total > 100, f"{label}: {total} allocations counted", err)
        for persistent in (False, True):
            pts = spread(total, 60 if not persistent else 25)
            bad = []
            outcomes = {"completed": 0, "out of memory": 0}
            for n in pts:
                if out:
                    path = os.path.join(TMP, out)
                    if os.path.exists(path):
                        os.remove(path)
                rc, stdout, err = run("run", *args, env={"KOUAN_FAULT_ALLOC": f"{n}{'+' if persistent else ''}"})
                first = err.splitlines()[0] if err else ""
                why = None
                if rc < 0:
                    why = f"signal {-rc}"
                elif not clean(err):
                    why = "sanitizer or HDF5 report"
                elif rc == 0:
                    outcomes["completed"] += 1
                    if stdout != ref:
                        why = "completed with another output"
                elif rc == 1:
                    outcomes["out of memory"] += 1
                    if "out of memory" not in first and "not enough memory" not in first:
                        why = "exit 1 without an out-of-memory message"
                else:
                    why = f"exit {rc}"
                if why is None and out and os.path.exists(os.path.join(TMP, out)):
                    state = h5_state(os.path.join(TMP, out))
                    if state != f"complete={1 if rc == 0 else 0}":
                        why = f"run file {state}"
                if why:
                    bad.append(f"N={n}{'+' if persistent else ''}: {why}: {first}")
            kind = "from the N-th on" if persistent else "the N-th only"
            ok(not bad, f"{label}: allocation failure {kind}, {len(pts)} values of N up to {total}: "
               f"{outcomes['completed']} completed as the reference, {outcomes['out of memory']} "
               f"stopped with an out-of-memory message", "\n".join(bad))


def no_fsize_signal():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def file_limit(kib):
    def pre():
        no_fsize_signal()
        resource.setrlimit(resource.RLIMIT_FSIZE, (kib * 1024, kib * 1024))
    return pre


def check_stopped_midway(label, args, path, preexec=None):
    rc, out, err = run("run", SMALL, *args, preexec=preexec)
    first = err.splitlines()[0] if err else ""
    ok(rc == 1 and clean(err), f"{label}: exit 1, no crash", f"rc={rc}\n{err}")
    ok("no room for the file on disk" in first and os.path.basename(path) in first,
       f"{label}: one message naming the file and the lack of room", err)
    ok("overall clearance time" in out, f"{label}: the KPI table is still printed (no finished result lost)",
       out[-300:])
    ok(h5_state(path) == "complete=0", f"{label}: the file reads, with complete = 0", h5_state(path))


def group_disk():
    long_run = ["--set", "horizon_days=60", "--trace"]
    # refused before the run: nothing simulated, nothing printed
    afile = os.path.join(TMP, "a_file")
    open(afile, "w").close()
    for label, path in (("a folder that does not exist", os.path.join(TMP, "no", "such", "dir", "r.h5")),
                        ("a path below a file", os.path.join(afile, "r.h5")),
                        ("an existing folder", TMP),
                        ("/proc, which takes no files", "/proc/kouan-test.h5"),
                        ("/dev/full", "/dev/full")):
        env = None
        if path == "/dev/full":  # HDF5 leaks the file it failed to create: lsan-hdf5.supp says why
            supp = os.path.join(TESTDIR, "lsan-hdf5.supp")
            env = {"LSAN_OPTIONS": f"suppressions={supp}:print_suppressions=0"}
        rc, out, err = run("run", SMALL, "-o", path, "--force", env=env)
        first = err.splitlines()[0] if err else ""
        # no such folder: a usage error (exit 2) when the options are read
        want_rc, want = (2, "is not a file name in an existing folder") if label in ("a folder that does not exist", "a path below a file") \
            else (1, "cannot write the run file")
        ok(rc == want_rc and out == "" and want in first and clean(err) and "stack traceback" not in err,
           f"unwritable output, {label}: refused before the run, one line, exit {want_rc}",
           f"rc={rc}\n{err}{out[-200:]}")
    # a file size limit too small for the first write: refused before the run
    path = os.path.join(TMP, "tiny.h5")
    rc, out, err = run("run", SMALL, "-o", path, preexec=file_limit(64))
    ok(rc == 1 and out == "" and "no room for it on disk (File too large)" in err and not os.path.exists(path),
       "file size limit 64 KiB: refused before the run, no file left", f"rc={rc}\n{err}")
    # reached during the run
    path = os.path.join(TMP, "limited.h5")
    check_stopped_midway("file size limit 1.5 MiB reached during the run", ["-o", path, *long_run], path,
                         preexec=file_limit(1536))
    # a full file system, when this machine lets us mount one
    mnt = os.path.join(TMP, "tmpfs")
    os.mkdir(mnt)
    if os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1600k", "tmpfs", mnt],
                                            capture_output=True).returncode == 0:
        try:
            path = os.path.join(mnt, "full.h5")
            check_stopped_midway("a 1.6 MiB tmpfs filled during the run", ["-o", path, *long_run], path)
        finally:
            subprocess.run(["umount", mnt], capture_output=True)
    else:
        for _ in range(4):
            skip("full tmpfs", "mount needs root")


def group_guard():
    scen = os.path.join(TMP, "overload.lua")
    with open(scen, "w") as f:
        f.write('-- 400 trucks an hour at a port that clears a few: work piles up all year\n'
                'return (import "tests/lua/port_small.lua"):with { horizon_days = 364, max_in_system = 200000,\n'
                '  ports = { { name = "TST", flows = { { name = "trucks out", rate = { hourly = 400 } } } } } }\n')
    path = os.path.join(TMP, "overload.h5")
    rc, out, err = run("run", scen, "-o", path, "--quiet")
    first = err.splitlines()[0] if err else ""
    ok(rc == 1 and clean(err), "overloaded port for a year: exit 1, no crash", f"rc={rc}\n{err}")
    ok("more than max_in_system = 200000 consignments would be in the system" in first
       and "replication 1" in first, "the message names the limit and the replication", err)
    ok(h5_state(path) == "complete=0", "the run file reads, with complete = 0", h5_state(path))
    with h5py.File(path, "r") as f:
        n = f["consignments"].shape[0]
    ok(n > 0, f"it holds what was done before the stop ({n} consignments)")
    rc, out, err = run("report", path)
    ok(rc == 1 and "interrupted" in err and "Sanitizer" not in err, "kouan report says the run was interrupted",
       err)
    damaged = os.path.join(TESTDIR, "damaged_asks_gigabytes.h5")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rc, out, err = run("report", damaged, "--quiet")
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    lines = err.splitlines()
    ok(rc == 1 and len(lines) == 1 and lines[0].startswith("kouan: ") and "damaged_asks_gigabytes.h5" in lines[0],
       "a damaged file that makes HDF5 ask for 3.4 GB: one line, exit 1", f"rc={rc}\n{err}")
    asan = "asan" in subprocess.run(["ldd", KOUAN], capture_output=True, text=True).stdout
    if asan:
        skip("the checking child's memory cap", "off under AddressSanitizer")
    else:
        ok("memory allocation failed" in err and peak_kib < max(before, 1 << 20),
           f"the checking child's 2 GiB cap makes the request fail (peak RSS of the commands so far "
           f"{peak_kib // 1024} MB)", err)


def group_valgrind():
    vg = tap.tool("valgrind")
    if vg is None:
        skip("valgrind", "not installed")
        return
    opts = [vg, "-q", "--error-exitcode=99", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
            "--errors-for-leak-kinds=definite,indirect,possible", "--trace-children=no"]
    path = os.path.join(TMP, "vg.h5")
    bad_scen = os.path.join(TMP, "bad.lua")
    with open(bad_scen, "w") as f:
        f.write('return (import "tests/lua/port_small.lua"):with { horizon_days = "x" }\n')
    cases = [("a port scenario writing its run file", ["run", SMALL, "-o", path, "--quiet"], {}, 0),
             ("the M/M/c process scenario", ["run", MMC, "--set", "customers=2000", "--quiet"], {}, 0),
             ("kouan report of that file", ["report", path, "--quiet"], {}, 0),
             ("a scenario error", ["run", bad_scen, "--no-output"], {}, 1),
             ("out of memory in Lua", ["run", MMC, "--set", "customers=2000", "--quiet"],
              {"KOUAN_FAULT_ALLOC": "1500+"}, 1)]
    for label, args, env, code in cases:
        rc, _, err = run(*args, env=env, timeout=600, wrapper=opts)
        errs = [l for l in err.splitlines() if l.startswith("==")]
        ok(rc == code and not errs, f"valgrind memcheck, {label}: exit {code}, no error, no leak",
           f"rc={rc}\n" + "\n".join(errs[:30] or err.splitlines()[:10]))


def interrupt(args, sig, settle, wait_for=None):
    """Starts kouan with args, waits for the file wait_for (if any), then settle seconds, sends sig:
    (exit status, stderr with the signal's number as N)."""
    p = tap.start([KOUAN, *args], cwd=TMP)
    t0 = time.time()
    while wait_for and not os.path.exists(wait_for) and time.time() - t0 < 60 and p.poll() is None:
        time.sleep(0.05)
    time.sleep(settle)
    p.send_signal(sig)
    rc, _, err = p.finish(timeout=120)
    return rc, re.sub(r"signal \d+", "signal N", err)


def group_signals():
    henan = os.path.join(ROOT, "scenarios", "henan.lua")
    design = os.path.join(TMP, "sig.lua")
    with open(design, "w", encoding="utf-8") as f:
        f.write(f'return sweep{{ scenario = "{SMALL}", era = "2017", reps = 2, seed = 1, method = "lhs", points = 40,\n'
                '  factors = {{path = "ports.TST.advance_share", min = 0.1, max = 0.7},\n'
                '             {path = "horizon_days", values = {150}}} }\n')
    seen = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        # kouan run: the replication stops, the file is closed with complete = 0
        path = os.path.join(TMP, f"run-{sig.name}.h5")
        rc, err = interrupt(["run", henan, "--era", "2017", "--reps", "20", "-o", path], sig, 0.5, wait_for=path)
        ok(rc == 130 and "interrupted (signal N)" in err and "complete = 0" in err,
           f"run, {sig.name}: exit 130, says so", f"rc {rc}\n{err}")
        ok(h5_state(path) == "complete=0", f"run, {sig.name}: the file opens in h5py, complete = 0", h5_state(path))
        h5dump = shutil.which("h5dump")
        if h5dump:
            ok(subprocess.run([h5dump, "-H", path], capture_output=True).returncode == 0,
               f"run, {sig.name}: h5dump -H reads the file")
        rrc, _, rerr = run("report", path)
        ok(rrc in (0, 1) and "interrupted" in rerr and "Traceback" not in rerr,
           f"run, {sig.name}: kouan report reads it and says it was interrupted", rerr)
        seen["run", sig] = err.replace(path, "FILE")
        # kouan sweep: the file holds the finished runs, complete = 0
        path = os.path.join(TMP, f"sweep-{sig.name}.h5")
        rc, err = interrupt(["sweep", design, "-o", path, "-j", "1"], sig, 0.3, wait_for=path)
        ok(rc == 130 and "interrupted (signal N)" in err and "--resume" in err,
           f"sweep, {sig.name}: exit 130, names the missing runs and --resume", f"rc {rc}\n{err}")
        ok(h5_state(path) == "complete=0", f"sweep, {sig.name}: the file opens in h5py, complete = 0", h5_state(path))
        seen["sweep", sig] = re.sub(r"\d+", "D", err.replace(path, "FILE"))
        # kouan compare: no file is open during the runs; none is written
        path = os.path.join(TMP, f"compare-{sig.name}.h5")
        rc, err = interrupt(["compare", henan, "--era", "2017", "--era", "2021", "--reps", "4", "-o", path], sig, 1.5)
        ok(rc == 130 and "interrupted (signal N)" in err and not os.path.exists(path),
           f"compare, {sig.name}: exit 130, says so, no file", f"rc {rc}\n{err}")
        seen["compare", sig] = err
        # kouan run of a process-style scenario with --reps: the finished replications go to the file
        path = os.path.join(TMP, f"prun-{sig.name}.h5")
        rc, err = interrupt(["run", MMC, "--set", "customers=50000", "--reps", "400", "-j", "2", "-o", path],
                            sig, 3.0)
        ok(rc == 130 and "interrupted (signal N)" in err and "complete = 0" in err,
           f"process-style run, {sig.name}: exit 130, says so", f"rc {rc}\n{err}")
        ok(h5_state(path) == "complete=0", f"process-style run, {sig.name}: the file opens in h5py, complete = 0",
           h5_state(path))
        if os.path.exists(path):
            with h5py.File(path, "r") as f:
                reps, seeds = int(f.attrs["replications"]), list(f["replication_seed"][()])
            ok(0 < reps < 400 and len(seeds) == reps and f"after {reps} of 400 replications" in err,
               f"process-style run, {sig.name}: it holds the {reps} finished replications, as it says", err)
        rrc, _, rerr = run("report", path)
        ok(rrc == 0 and "did not complete" in rerr and "Traceback" not in rerr,
           f"process-style run, {sig.name}: kouan report reads it and says it did not complete", rerr)
        seen["process-style run", sig] = re.sub(r"\d+", "D", err.replace(path, "FILE"))
    for cmd in ("run", "sweep", "compare", "process-style run"):
        ok(seen[cmd, signal.SIGINT] == seen[cmd, signal.SIGTERM], f"{cmd}: SIGTERM ends it as SIGINT does",
           f"{seen[cmd, signal.SIGINT]}\n{seen[cmd, signal.SIGTERM]}")


def sanitized():
    return "asan" in subprocess.run(["ldd", KOUAN], capture_output=True, text=True).stdout


# A bound on the growth of resident memory per simulated year of henan.lua
# after its warm-up. Measured: +0.1 to +0.25 MB a year, the index of the run
# file's chunks that HDF5 keeps in its metadata cache (docs/hardening.md,
# "Soak"). A leak of 3 bytes per consignment (henan.lua has 0.59 million a
# year) or 45 bytes per carrier (35,000 a year) passes it.
SOAK_MB_PER_YEAR = 1.5


def group_soak_memory():
    if sanitized():  # its quarantine keeps freed blocks: RSS follows what was allocated, not what is live
        skip("memory of a multi-year henan.lua run", "AddressSanitizer's quarantine; LeakSanitizer checks leaks")
        return
    soak = os.path.join(ROOT, "scripts", "soak.py")
    r = subprocess.run([sys.executable, soak, "--short", "--years", "4", "--kouan", KOUAN], capture_output=True,
                       text=True, timeout=300)
    m = re.search(r"peak VmHWM ([\d.]+) MB.*growth ([-+\d.]+) MB per simulated year", r.stdout)
    ok(r.returncode == 0 and m is not None, "scripts/soak.py --short: a 4-year henan.lua run, sampled",
       r.stdout + r.stderr)
    if m:
        peak, growth = float(m.group(1)), float(m.group(2))
        ok(growth < SOAK_MB_PER_YEAR, f"RSS after warm-up grows {growth:+.3f} MB per simulated year "
           f"(bound {SOAK_MB_PER_YEAR}); peak {peak:.1f} MB", r.stdout)
        ok(peak < 100, f"peak VmHWM {peak:.1f} MB: bounded by the work in the system, not by the 4 years", r.stdout)


def group_soak_cbec():
    cbec = os.path.join(ROOT, "scenarios", "cbec_orders.lua")
    # max_in_system: 3e9 orders a year (95 a second) against customs' 50 a second
    limit = 200000 if sanitized() else 2000000  # under ASan: a tenth, its memory and time are 3x
    path = os.path.join(TMP, "cbec-overload.h5")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    rc, _, err = run("run", cbec, "--set", "orders_per_year=3e9", "--set", f"max_in_system={limit}", "-o", path,
                     "--quiet", timeout=300)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    first = err.splitlines()[0] if err else ""
    ok(rc == 1 and clean(err), f"e-commerce orders 2x capacity, max_in_system = {limit}: exit 1, no crash",
       f"rc={rc}\n{err}")
    ok(f"more than max_in_system = {limit} consignments would be in the system" in first
       and "'ZZ CBEC 1210'" in first and "cannot keep up" in first,
       "one message names the limit, the port and the cause", err)
    ok(h5_state(path) == "complete=0", "the run file reads, with complete = 0", h5_state(path))
    rrc, _, rerr = run("report", path)
    ok(rrc == 1 and "interrupted" in rerr, "kouan report says the run was interrupted", rerr)
    if not sanitized():
        ok(peak_mb < 100 + limit * 1024 / 1e6 and peak_mb > before / 1024,
           f"peak RSS {peak_mb:.0f} MB for {limit} consignments in the system: under 1 KiB each", f"{peak_mb}")
    # --max-seconds: a year of orders (30 million) does not fit in 10 s; the
    # writer flushes every 2 s (KOU_H5W_FLUSH_SECONDS), so the file holds orders
    path = os.path.join(TMP, "cbec-slow.h5")
    t0 = time.time()
    rc, _, err = run("run", cbec, "--max-seconds", "10", "-o", path, "--quiet", timeout=300)
    took = time.time() - t0
    ok(rc == 1 and "ran for more than 10 s (--max-seconds); stopped" in err and took < 25,
       f"a year of e-commerce orders, --max-seconds 10: stopped after {took:.1f} s, exit 1, says why",
       f"rc={rc}\n{err}")
    ok(h5_state(path) == "complete=0", "the run file reads, with complete = 0", h5_state(path))
    if os.path.exists(path):
        with h5py.File(path, "r") as f:
            n = f["consignments"].shape[0]
        ok(n > 0, f"it holds the {n} orders written before the stop")


{"alloc": group_alloc, "disk": group_disk, "guard": group_guard, "valgrind": group_valgrind,
 "signals": group_signals, "soak-memory": group_soak_memory, "soak-cbec": group_soak_cbec}[ARGS.group]()
shutil.rmtree(TMP, ignore_errors=True)
tap.done()
