#!/usr/bin/env python3
"""run_fuzz.py — timed libFuzzer runs of kouan's fuzz targets.

One target, as a meson test (TAP; scripts/fuzz.sh, CI):
  run_fuzz.py NAME --tool target=PROGRAM [--root SRCROOT] [--seeds S] [--dict D]
fuzzes for $KOUAN_FUZZ_SECONDS (default 30) from a fresh working corpus
seeded from the committed tests/fuzz/corpus/S and regress/NAME (never
written to), with the dictionary tests/fuzz/dict/D.dict.

Every target, for hours (scripts/fuzz.sh --long):
  run_fuzz.py --long HOURS --build BUILD-FUZZ [--root SRCROOT]
runs the targets of BUILD-FUZZ (its meson tests of suite fuzz) side by side, each
keeping its working corpus across restarts, and rewrites
BUILD-FUZZ/fuzz-long/stats.txt every minute.

libFuzzer stops at its first finding; this restarts it (same corpus, the
time left), keeps the input (fuzz-work/NAME/ or fuzz-long/NAME/) and sums
the executions over the restarts. A finding is classified by where it
happened, from the sanitizer's or libFuzzer's stack of the target's own
process: "kouan" (the innermost frame past the sanitizer runtime,
libFuzzer and the C library is kouan's code) or "hdf5"
(inside libhdf5: a crash, loop, gigabyte request or leak of HDF5 1.10.8
itself on a damaged file, which the in-process *_image targets meet
because they bypass the product's checking child). A "kouan" finding fails
the test; "hdf5" ones are counted. The forked targets (report, replay)
also count the children's failures that the checking child contained.
stats.txt (per target) holds executions, seconds, restarts and findings.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

# Frames of the sanitizer runtime, libFuzzer and the allocator: skipped to
# find where a report happened.
RUNTIME = re.compile(r" in (__sanitizer|__asan|__lsan|__ubsan|__interceptor|__libc_start|fuzzer::|"
                     r"(malloc|calloc|realloc|free|strdup|memcpy|memmove|memset)\b)|libclang_rt|compiler-rt|"
                     r"/libFuzzer|sanitizer_common|libc\.so|sysdeps/|__mem(cpy|move|set)_")
REPORT = re.compile(r"==(\d+)==\s*ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer|UndefinedBehaviorSanitizer)"
                    r"|^(\S+:\d+:\d+: runtime error:)|ALARM: working on the last Unit")
EXECS = re.compile(r"^#(\d+)\s")
RSS_LIMIT_MB, MALLOC_LIMIT_MB = 2048, 1024
FINAL_EXECS = re.compile(r"stat::number_of_executed_units:\s*(\d+)")


def where(report_lines):
    """"kouan" or "hdf5": where the report whose lines (from its ERROR line
    on) are given happened. Runtime-error lines of UBSan name the source."""
    head = report_lines[0] if report_lines else ""
    if "runtime error:" in head:
        return "hdf5" if "hdf5" in head.lower() else "kouan"
    for line in report_lines[1:200]:
        s = line.strip()
        if not s.startswith("#") or RUNTIME.search(s):
            continue
        return "hdf5" if "libhdf5" in s else "kouan"
    return "kouan"  # no stack: do not excuse it


def classify(log, pid):
    """The kind ("kouan" / "hdf5") and first line of the report of process
    pid in log, or (None, "") when it has none (a child's, contained)."""
    lines = tap.own_reports(log, pid).splitlines()
    for i, line in enumerate(lines):
        m = REPORT.search(line)
        if m:
            # a timeout's stack follows its libFuzzer ERROR line
            j = next((k for k in range(i, min(i + 5, len(lines))) if "ERROR: libFuzzer" in lines[k]), i)
            return where(lines[j:]), line.strip()
    return None, ""


class Target:
    """One target's restarts and figures."""

    def __init__(self, name, prog, root, seeds, dictname, work, keep_corpus):
        self.name, self.prog, self.root = name, prog, root
        # as tests/fuzz/meson.build: not the forked twin's regress inputs
        self.seeds = [os.path.join(root, "tests", "fuzz", d, s) for d, s in (("corpus", seeds), ("regress", name))]
        self.seeds = [s for s in self.seeds if os.path.isdir(s)]
        d = os.path.join(root, "tests", "fuzz", "dict", f"{dictname}.dict") if dictname else ""
        self.dict = d if d and os.path.isfile(d) else ""
        self.work = work
        self.corpus = os.path.join(work, "corpus")
        if not keep_corpus and os.path.isdir(work):
            for dirpath, _, files in os.walk(work, topdown=False):
                for f in files:
                    os.unlink(os.path.join(dirpath, f))
                os.rmdir(dirpath)
        os.makedirs(self.corpus, exist_ok=True)
        self.image = name.endswith("_image")
        self.execs_done = 0      # of finished segments
        self.execs_now = 0       # of the running one, from its progress lines
        self.seconds = 0.0
        self.restarts = 0
        self.findings = {"kouan": [], "hdf5": []}
        self.contained = 0       # the forked targets' children's failures
        self.log_tail = ""
        self.stop = False
        self.proc = None
        self.segment_start = None  # of the running libFuzzer, for the figures so far

    def executions(self):
        return self.execs_done + self.execs_now

    def segment(self, seconds):
        """One libFuzzer run of at most seconds; returns its exit status."""
        before = set(os.listdir(self.work))
        args = [self.prog, f"-max_total_time={max(1, int(seconds))}",
                # one input may take this long: the image targets read in
                # process (an HDF5 loop is a finding in 10 s); the forked
                # ones wait for their checking child's CPU limit (10 s and
                # more for large files) on a loaded machine
                f"-timeout={10 if self.image else 60}", f"-rss_limit_mb={RSS_LIMIT_MB}",
                # one allocation of a gigabyte ends the run with its stack
                # (HDF5 sizes a conversion buffer from a damaged file's
                # lengths), which the RSS limit alone would not show
                f"-malloc_limit_mb={MALLOC_LIMIT_MB}",
                "-print_final_stats=1", f"-artifact_prefix={self.work}/"]
        if self.dict:
            args.append(f"-dict={self.dict}")
        args += [self.corpus] + self.seeds
        env = dict(os.environ)
        env["LSAN_OPTIONS"] = "suppressions=" + os.path.join(HERE, "hdf5-asan.supp") + ":print_suppressions=0"
        if self.image:
            # whole allocation stacks through libhdf5 (built without frame
            # pointers), so that the suppressions can name the library's
            # functions; it halves the rate, the price of telling leaks apart
            env["ASAN_OPTIONS"] = "fast_unwind_on_malloc=0"
        logpath = os.path.join(self.work, "segment.log")
        t0 = self.segment_start = time.monotonic()
        with open(logpath, "w+", encoding="utf-8", errors="replace") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env)
            while self.proc.poll() is None:
                time.sleep(2)
                self.execs_now = self._progress(logpath)
                if self.stop:
                    self.proc.send_signal(signal.SIGINT)  # libFuzzer prints its stats and leaves
                    try:
                        self.proc.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        self.proc.kill()
                        self.proc.wait()
            rc = self.proc.returncode
        self.seconds += time.monotonic() - t0
        self.segment_start = None
        with open(logpath, encoding="utf-8", errors="replace") as f:
            text = f.read()
        # the largest count: a forked target's dying children print their
        # own final stats, smaller than their parent's
        self.execs_done += max([int(x) for x in FINAL_EXECS.findall(text)] + [self._progress(logpath)])
        self.execs_now = 0
        self.log_tail = "\n".join(text.splitlines()[-60:])
        new = sorted(f for f in set(os.listdir(self.work)) - before if re.match(r"(crash|leak|timeout|oom|slow-unit)-", f))
        kind, first = classify(text, self.proc.pid) if rc != 0 else (None, "")
        if kind == "kouan" and "out-of-memory (used:" in first and new:
            kind = self._oom_where(os.path.join(self.work, new[-1]), env) or kind
        if kind:
            # the parent's artifact is written last (a forked target's
            # children write theirs as they die)
            new.sort(key=lambda f: os.path.getmtime(os.path.join(self.work, f)))
            label = (new[-1] if new else "(no input kept)") + f": {first[:160]}"
            self.findings[kind].append(label)
            with open(os.path.join(self.work, f"finding-{len(self.findings[kind])}-{kind}.log"), "w") as f:
                f.write(text[-20000:])
        elif new:
            self.contained += len(new)  # a forked child's, written as it died
        return rc, kind

    def _oom_where(self, unit, env):
        """Where the input that passed the RSS limit allocates, or None.
        libFuzzer's RSS report has no stack (a watchdog thread sees the
        size), so it would count as kouan's; the input run again alone
        with the allocation limit ends at the growing allocation, with its
        stack. None when that run does not fail so (the memory grew over
        many inputs: kouan's finding)."""
        args = [self.prog, f"-rss_limit_mb={RSS_LIMIT_MB}", f"-malloc_limit_mb={MALLOC_LIMIT_MB}", unit]
        try:
            p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        except OSError:
            return None
        try:
            out, _ = p.communicate(timeout=300)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            return None
        kind, first = classify(out.decode("utf-8", "replace"), p.pid)
        return kind if "malloc(" in first else None

    @staticmethod
    def _progress(logpath):
        """The count of libFuzzer's last progress line ("#N ...") in the log.
        The target's own messages can fill megabytes after it (the cli
        target prints kouan's errors for every input), so this reads back
        from the end a megabyte at a time until it finds one."""
        try:
            with open(logpath, "rb") as f:
                end = f.seek(0, 2)
                carry = b""
                while end > 0:
                    start = max(0, end - (1 << 20))
                    f.seek(start)
                    chunk = f.read(end - start) + carry
                    lines = chunk.split(b"\n")
                    carry = lines[0] if start > 0 else b""  # may be cut: read again with the next chunk
                    for line in reversed(lines[1:] if start > 0 else lines):
                        m = EXECS.match(line.decode("utf-8", "replace"))
                        if m:
                            return int(m.group(1))
                    end = start
        except OSError:
            pass
        return 0

    def run(self, seconds, stop_on_kouan):
        deadline = time.monotonic() + seconds
        while not self.stop:
            left = deadline - time.monotonic()
            if left < 3:
                break
            rc, kind = self.segment(left)
            if rc == 0 or self.stop:
                break
            self.restarts += 1
            if kind == "kouan" and stop_on_kouan:
                break
            if kind is None and rc != 0:
                time.sleep(1)  # libFuzzer itself failed: not in a tight loop

    def stats(self):
        start = self.segment_start
        seconds = self.seconds + (time.monotonic() - start if start is not None else 0)
        secs = max(seconds, 1e-9)
        return {"target": self.name, "executions": self.executions(), "seconds": round(seconds),
                "exec_per_s": round(self.executions() / secs, 1), "restarts": self.restarts,
                "kouan_findings": len(self.findings["kouan"]), "hdf5_findings": len(self.findings["hdf5"]),
                "contained_in_child": self.contained, "corpus_units": len(os.listdir(self.corpus))}


def write_stats(path, targets, extra=""):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(extra)
        for t in targets:
            f.write(" ".join(f"{k}={v}" for k, v in t.stats().items()) + "\n")
            for kind in ("kouan", "hdf5"):
                for x in t.findings[kind]:
                    f.write(f"  {t.name} {kind}: {x}\n")
    os.replace(tmp, path)


def one_target(a):
    """The meson test: one target, $KOUAN_FUZZ_SECONDS, TAP."""
    prog = tap.tool("target", required=True)
    seconds = int(os.environ.get("KOUAN_FUZZ_SECONDS", "30"))
    work = os.path.join(os.path.dirname(prog), "fuzz-work", a.group)
    t = Target(a.group, prog, a.root, a.seeds or a.group, a.dict, work, keep_corpus=False)
    t.run(seconds, stop_on_kouan=True)
    s = t.stats()
    k, h = t.findings["kouan"], t.findings["hdf5"]
    with open(os.path.join(work, "stats.txt"), "w") as f:
        f.write(f"target {a.group}\nseconds {seconds}\nwall {t.seconds:.1f}\nexecutions {s['executions']}\n"
                f"new_corpus_units {s['corpus_units']}\nrestarts {t.restarts}\n"
                f"findings {' '.join(x.split(':')[0] for x in k) or 'none'}\n"
                f"hdf5_findings {len(h)}\ncontained_in_child {t.contained}\n")
    good = not k and s["executions"] > 0
    tap.ok(good, f"fuzz {a.group}: {s['executions']} executions in {t.seconds:.0f} s, "
           f"{s['corpus_units']} corpus units, findings: {', '.join(k) or 'none'}"
           + (f" ({len(h)} failures inside HDF5, restarted)" if h else "")
           + (f" ({t.contained} HDF5 failures contained in the forked child)" if t.contained else ""),
           t.log_tail + f"\ninputs kept in {work}: reproduce with {prog} FILE")
    for x in h:
        tap.diag(f"inside HDF5: {x}")
    tap.done()


def long_run(a):
    """scripts/fuzz.sh --long: every target, side by side, for hours."""
    build = os.path.abspath(a.build)
    out = os.path.join(build, "fuzz-long")
    os.makedirs(out, exist_ok=True)
    spec = []  # the meson tests of suite fuzz: their arguments say it all
    tests = json.loads(subprocess.run(["meson", "introspect", "--tests", build], check=True,
                                      capture_output=True, text=True).stdout)
    for t in tests:
        if any(s.split(":")[-1] == "fuzz" for s in t["suite"]) and t["name"].startswith("fuzz-") and "run_fuzz.py" in " ".join(t["cmd"]):
            cmd = t["cmd"]
            opt = lambda o: cmd[cmd.index(o) + 1] if o in cmd else ""  # noqa: E731
            spec.append((t["name"][5:], opt("--tool").partition("=")[2], opt("--seeds"), opt("--dict")))
    if a.only:
        spec = [s for s in spec if s[0] in a.only]
    if not spec:
        sys.exit(f"run_fuzz.py: {build} has no fuzz targets (configure it with -Dfuzz=enabled)")
    targets = [Target(n, prog, a.root, s or n, d, os.path.join(out, n), keep_corpus=True)
               for n, prog, s, d in spec]
    statspath = os.path.join(out, "stats.txt")
    started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    head = lambda: (f"# scripts/fuzz.sh --long {a.long:g}: pid {os.getpid()}, started {started}, "
                    f"updated {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}\n")

    def stop(_sig, _frm):
        for t in targets:
            t.stop = True
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    threads = [threading.Thread(target=t.run, args=(a.long * 3600, False), daemon=True) for t in targets]
    for th in threads:
        th.start()
    while any(th.is_alive() for th in threads):
        write_stats(statspath, targets, head())
        for th in threads:
            th.join(timeout=60 / len(threads))
    write_stats(statspath, targets, head().replace("updated", "finished"))


def main():
    if "--long" in sys.argv:
        p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
        p.add_argument("--long", type=float, required=True, metavar="HOURS")
        p.add_argument("--build", required=True)
        p.add_argument("--root", default=os.path.dirname(os.path.dirname(HERE)))
        p.add_argument("only", nargs="*", help="targets (default: all)")
        long_run(p.parse_args())
        return
    a = tap.parse_args(__doc__, kouan=False, options={
        "--seeds": {"default": "", "help": "the corpus/ and regress/ folder of the seeds (default: NAME)"},
        "--dict": {"default": "", "help": "the dictionary dict/D.dict"}})
    tap.diag_lines = None
    one_target(a)


if __name__ == "__main__":
    main()
