#!/usr/bin/python3
"""soak.py — long runs with their memory watched (docs/hardening.md, "Soak").

usage: scripts/soak.py [--kouan PATH] [--out DIR] [--short] [--years N]

Runs, one after the other, each under `nice`:
  henan   kouan run scenarios/henan.lua --set horizon_days=365*N (10 years;
          --short: 3) writing its run file;
  sweep   kouan sweep scenarios/sweeps/soak.lua -j 2 (20 replications of a
          year of henan.lua; --short: skipped);
and samples each process's VmRSS and VmHWM (/proc/PID/status) every 0.5 s.
Prints, per soak, the peak and the growth of RSS after the warm-up (the
first 20 % of the run, when the model fills up with work): a least-squares
slope, in MB per simulated year for henan (simulated time taken as
proportional to wall time: the arrivals are steady) and in MB per
replication for the sweep. Without --short it also writes DIR/soak-memory.csv
(soak, seconds, rss_mb, hwm_mb) and DIR/soak-memory.png (matplotlib).
Exit status 0; 1 when a kouan run fails.
"""
import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEP = 0.5   # seconds between samples
WARMUP = 0.2  # share of the run left out of the slope


def status_mb(pid):
    """(VmRSS, VmHWM) in MB, or None once the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            kb = {line.split(":")[0]: int(line.split()[1]) for line in f if line.startswith(("VmRSS", "VmHWM"))}
        return kb["VmRSS"] / 1024, kb["VmHWM"] / 1024
    except (OSError, KeyError, ValueError, IndexError):
        return None


def sample(cmd):
    """Runs cmd (from ROOT, niced); its samples [(seconds, rss, hwm)], exit status and stderr."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, preexec_fn=lambda: os.nice(10))
        t0, samples = time.monotonic(), []
        while p.poll() is None:
            s = status_mb(p.pid)
            if s and s[0] > 0:
                samples.append((time.monotonic() - t0, *s))
            time.sleep(STEP)
        err.seek(0)
        return samples, p.returncode, err.read().decode(errors="replace")


def slope(samples):
    """Least-squares growth of RSS in MB per second after the warm-up."""
    if len(samples) < 4:
        return 0.0
    end = samples[-1][0]
    pts = [(t, r) for t, r, _ in samples if t >= WARMUP * end] or samples
    n = len(pts)
    mt, mr = sum(t for t, _ in pts) / n, sum(r for _, r in pts) / n
    var = sum((t - mt) ** 2 for t, _ in pts)
    return sum((t - mt) * (r - mr) for t, r in pts) / var if var > 0 else 0.0


def henan(kouan, years, tmp):
    cmd = [kouan, "run", "scenarios/henan.lua", "--set", f"horizon_days={365 * years}",
           "-o", os.path.join(tmp, "henan-soak.h5"), "--force", "--quiet"]
    return cmd, years


def sweep(kouan, tmp):
    cmd = [kouan, "sweep", "scenarios/sweeps/soak.lua", "-j", "2", "-o", os.path.join(tmp, "soak-sweep.h5"),
           "--force", "-q"]
    return cmd, 20


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kouan", default=os.path.join(ROOT, "build", "core", "kouan"))
    ap.add_argument("--out", default=os.path.join(ROOT, "results"))
    ap.add_argument("--short", action="store_true", help="henan only, 3 years, no CSV or chart")
    ap.add_argument("--years", type=int, default=None, help="henan's horizon in years (default 10, --short 3)")
    a = ap.parse_args()
    years = a.years or (3 if a.short else 10)
    rows, failed = [], False
    with tempfile.TemporaryDirectory(prefix="kouan-soak-") as tmp:
        soaks = [("henan", *henan(a.kouan, years, tmp), "simulated year")]
        if not a.short:
            soaks.append(("sweep", *sweep(a.kouan, tmp), "replication"))
        for name, cmd, units, unit in soaks:
            samples, rc, err = sample(cmd)
            if rc != 0:
                print(f"soak {name}: kouan exited {rc}: {err.strip()}", file=sys.stderr)
                failed = True
                continue
            secs = samples[-1][0] if samples else 0.0
            per_unit = slope(samples) * secs / units
            after = [r for t, r, _ in samples if t >= WARMUP * secs] or [0.0]
            print(f"soak {name}: {secs:.1f} s, {len(samples)} samples, peak VmHWM {max(h for *_, h in samples):.1f} MB, "
                  f"RSS after warm-up {min(after):.1f}-{max(after):.1f} MB, growth {per_unit:+.3f} MB per {unit}")
            rows += [(name, f"{t:.2f}", f"{r:.2f}", f"{h:.2f}") for t, r, h in samples]
    if a.short or failed:
        return 1 if failed else 0
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "soak-memory.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["soak", "seconds", "rss_mb", "hwm_mb"])
        w.writerows(rows)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for name, label in (("henan", f"henan.lua, {years} years (run file written)"),
                        ("sweep", "sweep of 20 replications (soak.lua, -j 2)")):
        pts = [(float(t), float(r)) for n, t, r, _ in rows if n == name]
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label)
    ax.set_xlabel("wall-clock seconds")
    ax.set_ylabel("resident memory, VmRSS (MB)")
    ax.set_ylim(bottom=0)
    ax.set_title("kouan memory over long runs (scripts/soak.py)")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(a.out, "soak-memory.png"), dpi=100)
    return 0


if __name__ == "__main__":
    sys.exit(main())
