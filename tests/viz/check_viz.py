#!/usr/bin/python3
"""check_viz.py — kouan-viz checked from outside: frames drawn off screen
(viz_probe, the same painter as exports) against the run files read with
h5py; side by side; PNG and MP4 exports made twice and compared byte for
byte; damaged and foreign files; options. Prints TAP for meson. Needs h5py
and numpy: run by /usr/bin/python3.

usage: check_viz.py GROUP --kouan KOUAN --tool kouan-viz=PATH --tool viz_probe=PATH
                    [--root SRCROOT] [--tool valgrind=PATH]   (tests/tap.py)
  GROUP  pixels | side | export | damaged | options | valgrind | names | names-zh | legend | presenter
Run with SDL_VIDEODRIVER=dummy (meson sets it).
"""
import datetime
import filecmp
import math
import os
import shutil
import subprocess
import sys
import tempfile
import zlib

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok, skip  # noqa: E402

ARGS = tap.parse_args(__doc__, ["pixels", "side", "export", "damaged", "options", "valgrind", "names", "names-zh",
                                 "legend", "presenter"])
KOUAN, SRCROOT = ARGS.kouan, ARGS.root
VIZ, PROBE = tap.tool("kouan-viz", required=True), tap.tool("viz_probe", required=True)
SMALL = os.path.join(SRCROOT, "tests", "lua", "port_small.lua")
TMP = tempfile.mkdtemp(prefix="kouan-viz-")


def tmp(name):
    return os.path.join(TMP, name)


def run(cmd, *args, timeout=600):
    return tap.run([cmd, *args], f"{os.path.basename(cmd)} {' '.join(args)}", timeout=timeout, cwd=TMP)


def make_run_of(scenario, name, *extra):
    path = tmp(name)
    rc, _, err = run(KOUAN, "run", scenario, "-o", path, "--quiet", "--sample-hours", "0.5", *extra)
    if rc != 0:
        ok(False, f"kouan run {name}", err)
        sys.exit(1)
    return path


def make_run(name, *extra):
    return make_run_of(SMALL, name, *extra)


# ---- the display rules, from docs/visualiser.md, on h5py's arrays ----

MS = ["arrival", "unloaded", "declared", "border_done", "doc_checked", "certs_done", "scan_done",
      "inspect_start", "inspect_end", "lab_result", "duty_paid", "released", "pickup", "gate_out"]
STAGE_OF = {1: 0, 2: 1, 3: 2, 4: 3, 5: 3, 6: 4, 7: 5, 8: 5, 9: 5, 10: 6, 11: 7, 12: 8, 13: 8}
RES_STAGE = {"documents": 3, "ciq": 3, "scanner": 4, "inspection": 5, "apron": 5, "gate": 8}
NSTAGES = 9


class Run:
    def __init__(self, path):
        f = h5py.File(path, "r")
        c = f["consignments"][...]
        c = c[c["replication"] == 0]
        self.times = np.stack([c["t_" + m] for m in MS], axis=1)
        self.port = c["port"].astype(int)
        self.mode_of_port = [int(r["mode"]) for r in f["layout/ports"][...]]
        self.nports = len(self.mode_of_port)
        res = f["layout/resources"][...]
        self.res_port = [int(r["port"]) for r in res]
        self.res_name = [r["name"].decode() for r in res]
        flows = f["layout/flows"][...]
        self.port_dir = {}
        for fl in flows:
            self.port_dir.setdefault(int(fl["port"]), int(fl["direction"]))
        ts = f["timeseries"][...]
        ts = ts[ts["replication"] == 0]
        self.ts = ts
        self.sample_t = np.unique(ts["t"])
        self.start_date = int(f.attrs["start_date"])
        f.close()

    def holds(self, row, m):
        rel = row[11]
        return not (m < 11 and not math.isnan(rel) and row[m] > rel)

    def where(self, row, t):
        arr = row[0]
        if not t >= arr:
            return -1
        nxt = None
        for m in range(1, 14):
            tm = row[m]
            if math.isnan(tm) or tm < arr or not self.holds(row, m):
                continue
            if tm > t and (nxt is None or tm < row[nxt]):
                nxt = m
        return -1 if nxt is None else STAGE_OF[nxt]

    def counts(self, t):
        n = np.zeros((self.nports, NSTAGES), dtype=int)
        for row, p in zip(self.times, self.port):
            s = self.where(row, t)
            if s >= 0:
                n[p, s] += 1
        return n

    def stage_used(self):
        used = np.zeros((self.nports, NSTAGES), dtype=bool)
        for row, p in zip(self.times, self.port):
            for m in range(1, 14):
                if not math.isnan(row[m]) and self.holds(row, m):
                    used[p, STAGE_OF[m]] = True
        return used

    def res_stage(self, r):
        n = self.res_name[r]
        if n == "handling":
            return 0 if self.port_dir.get(self.res_port[r], 0) == 0 else 8
        return RES_STAGE.get(n, 7)

    def sample(self, t):
        k = np.searchsorted(self.sample_t, t, side="right") - 1
        if k < 0:
            return None
        rows = self.ts[self.ts["t"] == self.sample_t[k]]
        return {int(r["resource"]): r for r in rows}

    def queue_scale(self, r):
        q = self.ts["queue"][self.ts["resource"] == r]
        return max(1, int(q.max()) if len(q) else 1)

    def clock(self, t, lang):
        wd = {"zh": "一二三四五六日", "en": None}
        d0 = datetime.datetime.strptime(str(self.start_date), "%Y%m%d")
        day = math.floor(t / 24)
        minutes = math.floor((t - day * 24) * 60 + 1e-6)
        d = d0 + datetime.timedelta(days=day)
        zh = "周" + wd["zh"][d.weekday()]
        en = d.strftime("%a")
        label = zh if lang == "zh" else en if lang == "en" else f"{zh} {en}"
        return f"{d:%Y-%m-%d} {label} {minutes // 60:02d}:{minutes % 60:02d}"


def probe(t, files, lang="both", w=1280, h=720, png=None, hover=False, legend=False, texts=False):
    args = [f"{t}", str(w), str(h), lang, *files] + (["--png", png] if png else []) + (["--hover"] if hover else [])
    args += (["--legend"] if legend else []) + (["--texts"] if texts else [])
    rc, out, err = run(PROBE, *args)
    if rc != 0:
        ok(False, f"viz_probe at t={t}", err)
        return None
    res = {"box": {}, "bar": {}, "gauge": {}, "clock": {}, "texts": [], "cells": {}}
    for line in out.splitlines():
        if line.startswith("text "):
            box, drawn, asked = line.split("\t")
            res["texts"].append((*[int(x) for x in box.split(" ")[1:]], drawn, asked))
            continue
        f = line.split(" ")
        if f[0] in ("legend", "cell"):
            nums = [int(x) for x in f[1:]]
            if f[0] == "legend":
                res["legend"] = nums
            else:
                res["cells"][nums[0]] = nums[1:]
            continue
        if f[0] == "box":
            res["box"][(int(f[1]), int(f[2]), int(f[3]))] = (f[4], int(f[5]), int(f[6]))
        elif f[0] == "bar":
            res["bar"][(int(f[1]), int(f[2]))] = (int(f[3]), int(f[4]))
        elif f[0] == "gauge":
            res["gauge"][(int(f[1]), int(f[2]))] = f[3]
        elif f[0] == "clock":
            res["clock"][int(f[1])] = " ".join(f[2:])
        elif f[0] == "cut":
            res["cut"] = int(f[1])
        elif f[0] == "header":
            res["header"] = " ".join(f[1:])
        elif f[0] == "title":
            res.setdefault("title", {})[int(f[1])] = f[2]
        elif f[0] == "ink":
            res["ink"] = int(f[5])
        elif f[0] in ("pick", "tooltip", "ring"):
            res[f[0]] = f[1:]
    return res


def check_pane(res, pane, r, t, what):
    """Dots, box colours, queue bars and closed shading of one pane against run r at t."""
    counts = r.counts(t)
    used = r.stage_used()
    smp = r.sample(t)
    closed_res = {i for i in range(len(r.res_name)) if smp is not None and int(smp[i]["capacity"]) == 0}
    bad_dots, bad_box = [], []
    for p in range(r.nports):
        for s in range(NSTAGES):
            rgb, cap, dots = res["box"][(pane, p, s)]
            want = min(counts[p, s], cap)
            if dots != want:
                bad_dots.append(f"port {p} stage {s}: {dots} dots drawn, {counts[p, s]} there (capacity {cap})")
            serving = [i for i in range(len(r.res_name)) if r.res_port[i] == p and r.res_stage(i) == s]
            closed = bool(serving) and all(i in closed_res for i in serving)
            want_rgb = "1a2231" if not used[p, s] else "3a2b36" if closed else "232d40"
            if rgb != want_rgb:
                bad_box.append(f"port {p} stage {s}: {rgb}, expected {want_rgb}")
    ok(not bad_dots, f"{what}: every stage box holds one dot per consignment there "
                     f"({int(counts.sum())} in the system)", "\n".join(bad_dots))
    ok(not bad_box, f"{what}: stage boxes shaded unused / closed / open as the file says", "\n".join(bad_box))
    bad_bar, bad_gauge = [], []
    for i in range(len(r.res_name)):
        area_h, got = res["bar"][(pane, i)]
        q = int(smp[i]["queue"]) if smp is not None else 0
        scale = r.queue_scale(i)
        want = math.floor(min(q, scale) / scale * area_h + 0.5)
        if got != want:
            bad_bar.append(f"resource {i} {r.res_name[i]}: bar {got} px, queue {q} of {scale} -> {want} px")
        want_g = "3a2b36" if i in closed_res else "1a2231"
        if res["gauge"][(pane, i)] != want_g:
            bad_gauge.append(f"resource {i} {r.res_name[i]}: {res['gauge'][(pane, i)]}, expected {want_g}")
    ok(not bad_bar, f"{what}: queue bar heights track /timeseries queues", "\n".join(bad_bar))
    ok(not bad_gauge, f"{what}: closed resources are shaded", "\n".join(bad_gauge))
    return counts


def group_pixels():
    path = make_run("a.h5", "--seed", "3")
    r = Run(path)
    docs = [i for i, n in enumerate(r.res_name) if n == "documents"][0]
    q = r.ts["queue"][r.ts["resource"] == docs]
    t_peak = float(r.ts["t"][r.ts["resource"] == docs][int(np.argmax(q))])
    ok(q.max() > 0, "the test run has a document queue to draw", f"max queue {q.max()}")
    # Tuesday 10:15 (open), Sunday 03:00 (documents closed), the queue's peak.
    times = [(24 * 8 + 10.25, "a weekday morning"), (24 * 6 + 3.0, "Sunday night, offices closed"),
             (t_peak, "the document queue's peak")]
    for t, what in times:
        res = probe(t, [path])
        if res is None:
            continue
        counts = check_pane(res, 0, r, t, what)
        if what.startswith("a weekday"):
            ok(counts.sum() > 0, f"{what}: consignments in the system to draw", str(counts))
        if what.startswith("Sunday"):
            ok(any(v == "3a2b36" for v in res["gauge"].values()), f"{what}: some resource is closed")
        ok(res["clock"][0] == r.clock(t, "both"), f"{what}: clock reads {r.clock(t, 'both')}",
           res["clock"][0])
        ok(res["ink"] > 200, f"{what}: the clock is drawn in the header", f"ink {res['ink']}")
    # The clock's pixels change with the time shown, and the language.
    a, b = probe(24 * 8 + 10.25, [path]), probe(24 * 8 + 11.75, [path])
    zh, en = probe(24 * 8 + 10.25, [path], "zh"), probe(24 * 8 + 10.25, [path], "en")
    if a and b and zh and en:
        ok(a["ink"] != b["ink"] or a["clock"][0] != b["clock"][0], "another time draws another clock")
        ok(zh["clock"][0] == r.clock(24 * 8 + 10.25, "zh") and en["clock"][0] == r.clock(24 * 8 + 10.25, "en"),
           "Chinese and English clocks", f"{zh['clock'][0]} / {en['clock'][0]}")
        ok(zh["ink"] != en["ink"], "Chinese and English labels draw different pixels")
    # The pointer on a dot names that consignment; following it rings it.
    t = 24 * 8 + 10.25
    res = probe(t, [path], hover=True)
    if res and ok("pick" in res, "the painter picks the dot under the pointer", str(res.keys())):
        ident = int(res["pick"][2])
        f = h5py.File(path, "r")
        c = f["consignments"][...]
        f.close()
        c = c[(c["replication"] == 0) & (c["id"] == ident)]
        row = np.stack([c["t_" + m] for m in MS], axis=1)[0] if len(c) == 1 else None
        ok(row is not None and r.where(row, t) >= 0, f"the picked id {ident} is a consignment in the system then")
        ok(res["tooltip"] == ["4a5568"], "the tooltip's frame is drawn next to the pointer", str(res["tooltip"]))
        ok(res["ring"] == ["ffffff"], "the followed dot is ringed in white", str(res["ring"]))
    # Before the first arrival nothing is in the system and every box is empty.
    t0 = float(np.nanmin(r.times[:, 0])) - 0.5
    res = probe(t0, [path])
    if res:
        ok(all(v[2] == 0 for v in res["box"].values()), "before the first arrival no dot is drawn")


def group_side():
    a = make_run("base.h5", "--seed", "5")
    b = make_run("reform.h5", "--seed", "5", "--era", "2021")
    ra, rb = Run(a), Run(b)
    t = 24 * 8 + 10.25
    res = probe(t, [a, b], w=1920, h=1080, png=tmp("side.png"))
    if res is None:
        return
    ca = check_pane(res, 0, ra, t, "side by side, left (era 2017)")
    cb = check_pane(res, 1, rb, t, "side by side, right (era 2021)")
    ok(not np.array_equal(ca, cb), "the two panes show different runs", f"{ca}\n{cb}")
    ok(res["clock"][0] == res["clock"][1], "both panes at the same simulated time")
    ok(os.path.getsize(tmp("side.png")) > 10000, "a side-by-side PNG is written")
    ok(res["header"] == ra.clock(t, "both"), "same start date: the header shows the date", res["header"])
    # The second run starting on another date: each pane shows its own.
    c = make_run("later.h5", "--seed", "5", "--era", "2021", "--set", "start_date=2021-01-04")
    rc_ = Run(c)
    stage_words = {"Unloading", "Declaration", "Border station", "Documents", "Scan", "Inspection", "Payment",
                   "Release", "Pickup", "Unload", "Declare", "Border", "Docs", "Inspect", "Pay"}
    for w, h in ((1280, 720), (1920, 1080)):
        res2 = probe(t, [a, c], w=w, h=h, texts=True)
        res1 = probe(t, [a, b], w=w, h=h)
        if res1 is None or res2 is None:
            continue
        stages = [x for x in res2["texts"] if x[6] in stage_words]
        ok(len(stages) == 18 and all(x[5] == x[6] and x[2] <= x[4] for x in stages),
           f"{w}x{h}: the 9 stage headers of each pane are whole English words (a shorter word where narrow), "
           "within their column", str([(x[5], x[2], x[4]) for x in stages]))
        lone = [x for x in res2["texts"] if x[5] == "…"]
        ok(not lone, f"{w}x{h}: no label is a lone '…' (a gauge too narrow for its word is left unnamed)", str(lone))
        ok(res2["clock"][1] == rc_.clock(t, "both") and res2["clock"][1].startswith("2021-01-1"),
           f"{w}x{h}: the right pane's clock is its own run's date", res2["clock"][1])
        ok(res2["title"][0] == res1["title"][0], f"{w}x{h}: the left pane's title row (and date) is unchanged")
        ok(res2["title"][1] != res1["title"][1], f"{w}x{h}: the right pane's title row shows another date")
        ok(res2.get("cut") == 0 and res1.get("cut") == 0, f"{w}x{h}: every label (stage headers, port and "
           "resource names, titles) fits its box: a smaller font or an ellipsis, never cut", str(res2.get("cut")))
        day = int(t // 24) + 1
        ok(res2["header"] == f"第 {day} 天 day {day} 10:15", f"{w}x{h}: different start dates: the header shows "
           "the day of the run, not one run's date", res2["header"])
    # --from/--to outside a run's span: refused, per file, with its span.
    short = make_run("short.h5", "--seed", "5", "--set", "horizon_days=4")
    rs_ = Run(short)
    end = float(np.nanmax(rs_.times))
    frm = f"{end + 24:.2f}"
    rc, _, err = run(VIZ, a, short, "--frames", tmp("outside"), "--from", frm, "--to", frm, "--size", "640x360")
    lines = err.strip().split("\n")
    ok(rc == 1 and len(lines) == 1 and lines[0].startswith(f"kouan-viz: {short}: nothing to show")
       and "the run spans 2017-01-0" in lines[0] and not os.path.exists(tmp("outside")),
       "side by side, --from after the end of one run: refused, naming that run and its span", err)
    rc, _, err = run(VIZ, a, b, "--frames", tmp("outside2"), "--from", "2018-06-01", "--to", "2018-06-01T01:00")
    lines = err.strip().split("\n")
    ok(rc == 1 and len(lines) == 2 and all("nothing to show" in x and "the run spans" in x for x in lines)
       and a in lines[0] and b in lines[1], "--from outside both runs: one line per run", err)


def frames_dir(name, *extra):
    d = tmp(name)
    rc, _, err = run(VIZ, *extra, "--frames", d)
    return rc, d, err


def group_export():
    a = make_run("e.h5", "--seed", "7")
    b = make_run("e21.h5", "--seed", "7", "--era", "2021")
    span = ["--from", "2017-01-10T08:00", "--to", "2017-01-10T10:00", "--speed", "1h/s", "--fps", "4",
            "--size", "960x540"]
    rc1, d1, err1 = frames_dir("f1", a, b, *span)
    rc2, d2, err2 = frames_dir("f2", a, b, *span)
    ok(rc1 == 0 and rc2 == 0, "--frames exports succeed", err1 + err2)
    names = sorted(os.listdir(d1)) if rc1 == 0 else []
    ok(len(names) == 9, "2 h at 1 h/s and 4 frames/s is 9 frames (both ends)", str(names))
    ok(names == sorted(os.listdir(d2)) and all(filecmp.cmp(os.path.join(d1, n), os.path.join(d2, n), shallow=False)
                                               for n in names), "two exports give identical PNG files")
    if names:
        with open(os.path.join(d1, names[0]), "rb") as f:
            head = f.read(24)
        ok(head[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(head[16:20], "big") == 960
           and int.from_bytes(head[20:24], "big") == 540, "PNG frames are 960x540 PNG")
        ok(not filecmp.cmp(os.path.join(d1, names[0]), os.path.join(d1, names[-1]), shallow=False),
           "the first and last frames differ (time moves)")
    # The overwrite rule (README.md): frames of an earlier export are refused
    # before anything is drawn, unless --force; then they are rewritten.
    first = os.path.join(d1, "frame-000000.png")
    before = open(first, "rb").read() if os.path.exists(first) else b""
    small = [x if x != "960x540" else "640x360" for x in span]
    rc, _, err = run(VIZ, a, *small, "--frames", d1)
    ok(rc == 2 and f"--frames {d1}: the folder holds frames of an earlier export" in err and "--force" in err
       and "another folder" in err and "wrote" not in err and open(first, "rb").read() == before,
       "--frames into a folder of frames: refused (exit 2, --force named), the frames unchanged", err)
    rc, _, err = run(VIZ, a, *small, "--frames", d1, "--force")
    with open(first, "rb") as f:
        head = f.read(24)
    ok(rc == 0 and int.from_bytes(head[16:20], "big") == 640, "--frames --force: the frames rewritten (640 wide)",
       err)
    if shutil.which("ffmpeg") is None:
        skip("MP4 export", "ffmpeg is not installed (scripts/bootstrap.sh installs it)")
        return
    m1, m2 = tmp("a.mp4"), tmp("b.mp4")
    rc1, _, err1 = run(VIZ, a, *span, "--export", m1)
    rc2, _, err2 = run(VIZ, a, *span, "--export", m2)
    ok(rc1 == 0 and rc2 == 0, "--export MP4 succeeds", err1 + err2)
    ok(rc1 == 0 and filecmp.cmp(m1, m2, shallow=False), "two MP4 exports are identical byte for byte")
    # The overwrite rule (README.md): an existing file (here one that is no
    # video, as a committed results/ file may be another export) is refused
    # before anything is drawn, unless --force; then it is rewritten.
    for name, other in (("kept.mp4", m1), ("kept.gif", None)):
        kept = tmp(name)
        with open(kept, "wb") as f:
            f.write(b"an earlier export\n")
        rc, _, err = run(VIZ, a, *span, "--export", kept)
        ok(rc == 2 and err.startswith(f"kouan-viz: --export {kept}: the file exists: refusing to overwrite it; "
                                      "pass --force to overwrite it, or choose another name")
           and "wrote" not in err and open(kept, "rb").read() == b"an earlier export\n",
           f"--export over an existing {name[-3:]}: refused (exit 2, --force named), the file unchanged", err)
        rc, _, err = run(VIZ, a, *span, "--export", kept, "--force")
        ok(rc == 0 and "wrote 9 frames" in err and os.path.getsize(kept) > 1000
           and (other is None or filecmp.cmp(kept, other, shallow=False)),
           f"--export {name[-3:]} --force: the file rewritten"
           + (" (the same bytes as a fresh export)" if other else ""), err)
    if rc1 == 0 and shutil.which("ffprobe"):
        p = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                            "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", m1],
                           capture_output=True, text=True)
        ok(p.stdout.strip() == "h264,960,540,9", "ffprobe: H.264, 960x540, 9 frames", p.stdout + p.stderr)
    rc, _, err = run(VIZ, a, *span, "--export", tmp("no-such-dir/x.mp4"))
    ok(rc == 1 and err == f"kouan-viz: cannot write {tmp('no-such-dir/x.mp4')}: {tmp('no-such-dir')}: "
       "No such file or directory\n", "a video into a missing directory: refused before ffmpeg starts", err)
    # GIF through ffmpeg's palettegen and paletteuse; other formats refused
    # before anything is drawn, naming those supported.
    g1, g2 = tmp("a.gif"), tmp("b.gif")
    rc1, _, err1 = run(VIZ, a, b, *span, "--export", g1)
    rc2, _, err2 = run(VIZ, a, b, *span, "--export", g2)
    ok(rc1 == 0 and rc2 == 0 and "wrote 9 frames" in err1, "--export GIF succeeds", err1 + err2)
    ok(rc1 == 0 and filecmp.cmp(g1, g2, shallow=False), "two GIF exports are identical byte for byte")
    ok(not [n for n in os.listdir(tempfile.gettempdir()) if n.startswith("kouan-viz-") and
            os.path.isfile(os.path.join(tempfile.gettempdir(), n, "palette.png"))],
       "the GIF's temporary palette is removed")
    if rc1 == 0 and shutil.which("ffprobe"):
        p = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                            "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", g1],
                           capture_output=True, text=True)
        ok(p.stdout.strip() == "gif,960,540,9", "ffprobe: GIF, 960x540, 9 frames", p.stdout + p.stderr)
    for bad in ("x.avi", "x.webm", "noext"):
        rc, _, err = run(VIZ, a, *span, "--export", tmp(bad))
        ok(rc == 2 and ".mp4" in err and ".gif" in err and "Broken pipe" not in err and not os.path.exists(tmp(bad)),
           f"--export {bad}: refused before starting, naming the supported formats", err)
    # The progress line: on a terminal only, as kouan run and sweep draw it.
    master, slave = os.openpty()
    rc, _, _ = tap.run([VIZ, a, *span, "--frames", tmp("tty")], "kouan-viz --frames (stderr a terminal)",
                       preexec_fn=lambda: os.dup2(slave, 2))
    os.close(slave)
    os.set_blocking(master, False)
    got = b""
    try:
        while True:
            chunk = os.read(master, 65536)
            if not chunk:
                break
            got += chunk
    except OSError:
        pass
    os.close(master)
    tty_err = got.decode("utf-8", "replace")
    ok(rc == 0 and "\r[" in tty_err and "100%  frame 9/9" in tty_err and "\r\x1b[K" in tty_err,
       "stderr a terminal: a progress bar up to 100 %, cleared at the end", repr(tty_err))
    rc, _, err = run(VIZ, a, *span, "--frames", tmp("notty"))
    ok(rc == 0 and "\r" not in err and "%" not in err, "stderr not a terminal: no progress bar", repr(err))
    # The window, on SDL's dummy video driver: draws frames and quits.
    rc, _, err = run(VIZ, a, b, "--max-frames", "5")
    ok(rc == 0, "the interactive window runs on the dummy driver and quits after --max-frames", err)
    # No display and no driver asked for: refused at once, not a window
    # played unseen for ever; scripts/viz-demo.sh says so before making runs.
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER")}
    rc, _, err = tap.run([VIZ, a], "kouan-viz without a display", timeout=30, env=env)
    ok(rc == 1 and "no display" in err and "--export" in err, "no display: the window is refused, --export named",
       err)
    demo = tmp("demo/scripts/viz-demo.sh")  # a copy: past the check it finds nothing to build
    os.makedirs(os.path.dirname(demo))
    shutil.copy(os.path.join(SRCROOT, "scripts", "viz-demo.sh"), demo)
    rc, _, err = tap.run(["sh", demo], "viz-demo.sh without a display", timeout=30, env=env)
    ok(rc == 1 and "no display" in err and "--export" in err, "viz-demo.sh with no display says so, suggests --export",
       err)
    rc, _, err = tap.run(["sh", demo, "--export", "x.mp4"], "viz-demo.sh --export without a display", timeout=30,
                         env=env)
    ok("no display" not in err, "viz-demo.sh --export needs no display", err)
    rc, out, err = run(VIZ, a, "--bench", "3", "--size", "960x540")
    ok(rc == 0 and "3 frames at 960x540" in out and "all frames" in out, "--bench prints frame times", out + err)


def group_damaged():
    good = make_run("good.h5", "--seed", "9")
    data = open(good, "rb").read()
    cases = []
    for frac in (0.0, 0.01, 0.3, 0.7, 0.99):
        p = tmp(f"trunc{frac}.h5")
        with open(p, "wb") as f:
            f.write(data[:int(len(data) * frac)])
        cases.append((p, f"truncated to {frac:.0%}"))
    rng = np.random.default_rng(1)
    for k in range(12):
        b = bytearray(data)
        at = int(rng.integers(0, len(b) - 64))
        b[at:at + 64] = rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
        p = tmp(f"noise{k}.h5")
        open(p, "wb").write(bytes(b))
        cases.append((p, f"64 random bytes at {at}"))
    p = tmp("text.h5")
    open(p, "w").write("not a run file\n")
    cases.append((p, "a text file"))
    p = tmp("foreign.h5")
    with h5py.File(p, "w") as f:
        f["x"] = np.arange(10)
        f.attrs["schema_version"] = 1
    cases.append((p, "a foreign HDF5 file"))
    cases.append((tmp("missing.h5"), "a missing file"))
    cases.append((TMP, "a directory"))
    refused, crashed = 0, []
    for path, what in cases:
        rc, out, err = run(VIZ, path, "--frames", tmp("dmg-frames"), "--from", "100", "--to", "101",
                           "--size", "640x360", "--force")  # an undamaged one may have written frames
        if rc < 0:
            crashed.append(f"{what}: signal {-rc}")
        elif rc != 0:
            refused += 1
            ok(err.startswith(f"kouan-viz: {path}: ") and err.count("\n") == 1,
               f"{what}: refused with one line naming the file", err)
        else:
            # Random bytes may land in unused space: then the file is fine.
            ok("noise" in path, f"{what}: accepted only if undamaged where it is read", err)
    ok(not crashed, "no damaged file crashes kouan-viz", "\n".join(crashed))
    ok(refused >= len(cases) - 12, f"damaged files refused ({refused} of {len(cases)})")
    rc, _, err = run(VIZ, good, "--rep", "4", "--frames", tmp("x"))
    ok(rc == 1 and "replication 4" in err, "a replication the file lacks is named", err)


def group_options():
    good = make_run("o.h5", "--seed", "11")
    bad = [(["--speed", "fast"], "--speed"), (["--size", "10x10"], "--size"), (["--fps", "0"], "--fps"),
           (["--lang", "fr"], "--lang"), (["--colour", "pink"], "--colour"), (["--from", "yesterday"], "--from"),
           (["--from", "100", "--to", "50"], "span is empty"), (["--bogus"], "unknown option"),
           (["--rep"], "needs a value"), ([good, good], "at most two"),
           (["--export", "a.mp4", "--frames", "d"], "choose one"),
           (["--force"], "--force lets --export or --frames overwrite an earlier export: give one of them")]
    for args, want in bad:
        rc, _, err = run(VIZ, good, *args)
        ok(rc == 2 and want in err, f"option error: {' '.join(args)} -> '{want}'", err)
    rc, out, _ = run(VIZ, "--help")
    ok(rc == 0 and "--export" in out and "Keys:" in out, "--help lists options and keys")
    rc, _, err = run(VIZ)
    ok(rc == 2 and "no run file" in err, "no file: usage error", err)
    # Dates and day counts on --from / --to pick the same frames as hours.
    rc1, d1, _ = frames_dir("h", good, "--from", "192", "--to", "194", "--speed", "1h/s", "--fps", "1",
                            "--size", "640x360")
    rc2, d2, _ = frames_dir("d", good, "--from", "2017-01-10", "--to", "2017-01-10T02:00", "--speed", "60min/s",
                            "--fps", "1", "--size", "640x360")
    rc3, d3, _ = frames_dir("days", good, "--from", "8d", "--to", "194", "--speed", "3600s/s", "--fps", "1",
                            "--size", "640x360")
    same = rc1 == rc2 == rc3 == 0 and all(
        filecmp.cmp(os.path.join(d1, n), os.path.join(d, n), shallow=False)
        for n in os.listdir(d1) for d in (d2, d3))
    ok(same and len(os.listdir(d1)) == 3, "--from 192 = 2017-01-10 = 8d; 1h/s = 60min/s = 3600s/s")


def group_valgrind():
    a = make_run("v.h5", "--seed", "13")
    b = make_run("v21.h5", "--seed", "13", "--era", "2021")
    vg = tap.tool("valgrind", required=True)
    for what, files in (("one run", [a]), ("side by side", [a, b])):
        rc, _, err = run(vg, "--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=99",
                         VIZ, *files, "--frames", tmp(f"vg-{len(files)}"), "--from", "200", "--to", "201", "--fps", "2",
                         "--size", "640x360")
        ok(rc == 0 and "ERROR SUMMARY: 0 errors" in err and "definitely lost: 0 bytes" in err,
           f"valgrind memcheck: a short export of {what}, no errors, no leaks", err[-3000:])


# ---- names: milestones and flags found in the file by name ----

def renamed(base, name, mutate):
    """A copy of base changed by mutate(f) through h5py."""
    p = tmp(name)
    shutil.copy(base, p)
    with h5py.File(p, "r+") as f:
        mutate(f)
    return p


def group_names():
    good = make_run("n.h5", "--seed", "21")
    span = ["--from", "2017-01-10T08:00", "--to", "2017-01-10T09:00", "--speed", "1h/s", "--fps", "2",
            "--size", "960x540", "--colour", "status"]

    def reorder(f):
        # the milestones listed in another order (the columns are read by name) and the
        # flags at other bits, the flags column rewritten to match
        ms = [m.decode() if isinstance(m, bytes) else m for m in f["layout"].attrs["milestone_names"]]
        ms[1], ms[2] = ms[2], ms[1]
        f["layout"].attrs["milestone_names"] = np.array(ms, dtype=h5py.string_dtype())
        old = [b.decode() if isinstance(b, bytes) else b for b in f["consignments"].attrs["flag_bits"]]
        new = old[::-1]
        c = f["consignments"][...]
        flags = np.zeros(len(c), dtype=c["flags"].dtype)
        for i, name in enumerate(old):
            flags |= ((c["flags"] >> i) & 1).astype(c["flags"].dtype) << new.index(name)
        c["flags"] = flags
        attrs = dict(f["consignments"].attrs)
        del f["consignments"]
        f["consignments"] = c
        for k, v in attrs.items():
            f["consignments"].attrs[k] = v
        f["consignments"].attrs["flag_bits"] = np.array(new, dtype=h5py.string_dtype())

    other = renamed(good, "reordered.h5", reorder)
    rc1, d1, err1 = frames_dir("n1", good, *span)
    rc2, d2, err2 = frames_dir("n2", other, *span)
    names = sorted(os.listdir(d1)) if rc1 == 0 else []
    ok(rc1 == rc2 == 0 and len(names) == 3 and names == sorted(os.listdir(d2)) and
       all(filecmp.cmp(os.path.join(d1, n), os.path.join(d2, n), shallow=False) for n in names),
       "milestones listed in another order, flags at other bits: the same frames, coloured by status",
       err1 + err2)

    def no_scan(f):
        ms = [m.decode() if isinstance(m, bytes) else m for m in f["layout"].attrs["milestone_names"]]
        f["layout"].attrs["milestone_names"] = np.array(["scanned_at" if m == "scan_done" else m for m in ms],
                                                        dtype=h5py.string_dtype())
        c = f["consignments"][...]
        c.dtype.names = ["t_scanned_at" if n == "t_scan_done" else n for n in c.dtype.names]
        attrs = dict(f["consignments"].attrs)
        del f["consignments"]
        f["consignments"] = c
        for k, v in attrs.items():
            f["consignments"].attrs[k] = v

    def no_flags(f):
        del f["consignments"].attrs["flag_bits"]

    for name, mutate, want in (("noscan.h5", no_scan, "has no 'scan_done': kouan-viz needs it"),
                               ("noflags.h5", no_flags, "no attribute flag_bits")):
        p = renamed(good, name, mutate)
        rc, _, err = run(VIZ, p, *span[:4], "--frames", tmp("nx"))
        ok(rc == 1 and err.startswith(f"kouan-viz: {p}: ") and want in err and err.count("\n") == 1,
           f"{name}: refused in one line naming what is missing", err)


def group_names_zh():
    """--lang zh shows a scenario's and its ports' name_zh (run file /layout
    attributes scenario_name_zh, port_names_zh); en the names; both the two."""
    scn = tmp("small_zh.lua")
    with open(scn, "w", encoding="utf-8") as f:
        f.write('return (import "tests/lua/port_small.lua"):with {\n'
                '  name_zh = "小型测试口岸", ports = {{name = "TST", name_zh = "测试口岸"}},\n}\n')
    path = make_run_of(scn, "zh.h5", "--seed", "21")
    with h5py.File(path, "r") as f:
        lay = f["layout"].attrs
        got = ([x.decode() if isinstance(x, bytes) else x for x in lay["port_names_zh"]],
               lay["scenario_name_zh"].decode() if isinstance(lay["scenario_name_zh"], bytes)
               else lay["scenario_name_zh"])
    ok(got == (["测试口岸"], "小型测试口岸"), "kouan run writes name_zh to /layout (port_names_zh, scenario_name_zh)",
       str(got))
    plain = make_run("plain.h5", "--seed", "21")
    with h5py.File(plain, "r") as f:
        lay = f["layout"].attrs
        ok(list(lay["port_names_zh"]) in ([b""], [""]) and lay["scenario_name_zh"] in (b"", ""),
           "no name_zh in the scenario: empty names in /layout")
    t = 24 * 8 + 10.25
    want = {"zh": ("测试口岸", "小型测试口岸"), "en": ("TST", "small test port"),
            "both": ("测试口岸", "小型测试口岸 small test port")}
    for w, h in ((1280, 720), (1920, 1080)):
        for lang in ("zh", "en", "both"):
            res = probe(t, [path], lang, w, h, texts=True)
            if res is None:
                continue
            asked = [x[6] for x in res["texts"]]
            port, title = want[lang]
            ok(port in asked and any(a.endswith(title) for a in asked),
               f"{w}x{h} --lang {lang}: the port reads '{port}', the title ends '{title}'",
               str([a for a in asked if "TST" in a or "测试" in a or "test" in a]))
            if lang == "zh":
                ok(not [a for a in asked if a == "TST" or "small test port" in a],
                   f"{w}x{h} --lang zh: no English name of the port or scenario is shown")
            if lang == "both":
                ok("TST" in asked, f"{w}x{h} --lang both: the English port name on its own line too")
            wide = [x for x in res["texts"] if x[4] > 0 and x[2] > x[4]]
            ok(not wide and res.get("cut") == 0, f"{w}x{h} --lang {lang}: every text within its box",
               str(wide))
    # Without the names (files before them): the names as they are.
    res = probe(t, [plain], "zh", texts=True)
    if res:
        asked = [x[6] for x in res["texts"]]
        ok("TST" in asked and any(a.endswith("small test port") for a in asked),
           "no name_zh: --lang zh shows the names as they are", str(asked[:12]))

    def old_file(f):
        del f["layout"].attrs["port_names_zh"]
        del f["layout"].attrs["scenario_name_zh"]

    older = renamed(path, "older.h5", old_file)
    rc, _, err = run(VIZ, older, "--frames", tmp("older"), "--from", str(t), "--to", str(t), "--lang", "zh")
    ok(rc == 0, "a run file without the name_zh attributes replays", err)

    def two_names(f):
        f["layout"].attrs["port_names_zh"] = np.array(["甲", "乙"], dtype=h5py.string_dtype())

    bad = renamed(path, "twonames.h5", two_names)
    rc, _, err = run(VIZ, bad, "--frames", tmp("twonames"), "--from", str(t), "--to", str(t))
    ok(rc == 1 and err == f"kouan-viz: {bad}: attribute port_names_zh of /layout has 2 names for 1 ports\n",
       "port_names_zh of another length than the ports: refused in one line", err)


# ---- docs/presenter.md, run short ----

def short_args(argv):
    """A command of docs/presenter.md in the short mode: runs cut to 70 days,
    frames at 640x360, 2 s of video at 5 frames a second."""
    argv = list(argv)
    if argv[0] == "kouan" and argv[1] == "run":
        argv += ["--until", "1700"]
    if argv[0] == "kouan-viz":
        for opt, value in (("--size", "640x360"), ("--duration", "2"), ("--fps", "5")):
            if opt in argv:
                argv[argv.index(opt) + 1] = value
            elif opt == "--fps" or (opt == "--size" and "--frames" not in argv):
                argv += [opt, value]
    return argv


def group_presenter():
    import re
    import shlex
    doc = open(os.path.join(SRCROOT, "docs", "presenter.md"), encoding="utf-8").read()
    blocks = re.findall(r"^```sh\n(.*?)^```", doc, re.S | re.M)
    commands = [c for b in blocks for c in b.replace("\\\n", " ").splitlines()
                if c.split(" ")[0] in ("kouan", "kouan-viz", "ffprobe")]
    viz = [shlex.split(c) for c in commands if c.startswith("kouan-viz ")]
    video = [a for a in viz if "--export" in a and a[a.index("--export") + 1].endswith(".mp4") and "--lang" not in a]
    ok(len(video) == 1 and "henan-2017.h5" in video[0] and "henan-2021.h5" in video[0] and
       video[0][video[0].index("--duration") + 1] == "20",
       "docs/presenter.md: one 20-second MP4 export of the 2017 and 2021 runs side by side", str(viz))
    if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
        skip("the walkthrough's exports", "ffmpeg is not installed (scripts/bootstrap.sh installs it)")
        return
    work = tmp("walk")
    os.makedirs(work)
    os.symlink(os.path.join(SRCROOT, "scenarios"), os.path.join(work, "scenarios"))
    bindir = tmp("bin")
    os.makedirs(bindir)
    os.symlink(KOUAN, os.path.join(bindir, "kouan"))
    os.symlink(VIZ, os.path.join(bindir, "kouan-viz"))
    env = dict(os.environ, KOUAN_ROOT=SRCROOT, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    outputs = {}
    for cmd in commands:
        argv = short_args(shlex.split(cmd))
        rc, out, err = tap.run(argv, f"doc: {cmd}", timeout=600, cwd=work, env=env)
        ok(rc == 0, f"doc, short: {cmd}", err[-2000:])
        if argv[0] == "ffprobe":
            outputs[argv[-1]] = out.strip()
    # The artefacts the walkthrough names, checked for what they hold.
    still = os.path.join(work, "still", "frame-000000.png")
    if ok(os.path.isfile(still), "the still frame is written", str(os.listdir(work))):
        rows = png_rgb(still)
        ok(len(rows) == 360 and len(rows[0]) == 640 * 3, "the still is 640x360")
        ok(legend_pixels(rows[360 - 48 - 90:360 - 48]) > 640 * 90 // 3,
           "the still shows the legend above the timeline (an audience's key)")
    want = {"henan-2017-vs-2021.mp4": "h264,640,360,11", "henan-2017-vs-2021-zh.mp4": "h264,640,360,11",
            "henan-2017-vs-2021.gif": "gif,640,360,11"}
    for name, stream in want.items():
        p = os.path.join(work, name)
        got = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                              "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", p],
                             capture_output=True, text=True).stdout.strip() if os.path.isfile(p) else "missing"
        ok(got == stream, f"{name}: {stream} (2 s at 5 frames/s, both ends)", got)
    ok(outputs.get("henan-2017-vs-2021.mp4") == want["henan-2017-vs-2021.mp4"],
       "the walkthrough's own ffprobe command reads the video it made", str(outputs))
    en, zh = (os.path.join(work, n) for n in ("henan-2017-vs-2021.mp4", "henan-2017-vs-2021-zh.mp4"))
    ok(os.path.isfile(en) and os.path.isfile(zh) and not filecmp.cmp(en, zh, shallow=False),
       "the Chinese video differs from the bilingual one")
    # The figures the walkthrough quotes for its frame: each pane's own date.
    m = re.search(r"\((\d{4}-\d\d-\d\d) left, (\d{4}-\d\d-\d\d) right\)", doc)
    h17, h21 = os.path.join(work, "henan-2017.h5"), os.path.join(work, "henan-2021.h5")
    res = probe(24 * 67 + 10, [h17, h21], "both", 1280, 720)
    ok(m is not None and res is not None and res["clock"][0].startswith(m.group(1)) and
       res["clock"][1].startswith(m.group(2)), "the still's two panes show the dates the walkthrough names",
       f"{m.groups() if m else None} {res['clock'] if res else None}")
    # Henan's eight ports and long names, where labels were cut ("ZZ rail
    # impor", "Unloadir"): every text within its box, at both sizes, in
    # each language, with the legend.
    for w, h in ((1280, 720), (1920, 1080)):
        for lang in ("both", "zh", "en"):
            res = probe(24 * 67 + 10, [h17, h21], lang, w, h, legend=True, texts=True)
            if res is None:
                continue
            wide = [(x[6], x[2], x[4]) for x in res["texts"] if x[4] > 0 and x[2] > x[4]]
            lone = [x for x in res["texts"] if x[5] == "…"]
            ports = [x for x in res["texts"] if x[6] in ("ZZ rail import", "郑州铁路进口")]
            ok(not wide and not lone and res.get("cut") == 0 and ports and all(x[5] == x[6] for x in ports),
               f"Henan {w}x{h} --lang {lang}: every text within its box, none a lone '…', the rail port's name "
               "whole", f"wide {wide} lone {lone} ports {ports}")


# ---- the legend, and plain words on screen ----

def png_rgb(path):
    """An 8-bit RGB, non-interlaced PNG (as viz_png_write makes) as rows of bytes."""
    with open(path, "rb") as f:
        data = f.read()
    pos, idat, w, h = 8, b"", 0, 0
    while pos < len(data):
        n = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h = int.from_bytes(body[0:4], "big"), int.from_bytes(body[4:8], "big")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * 3, [], bytearray(w * 3)
    for y in range(h):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - 3] if i >= 3 else 0
            b, c = prev[i], prev[i - 3] if i >= 3 else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return rows


LEGEND_RGB = bytes.fromhex("0f1522")  # VIZ_RGB_LEGEND


def legend_pixels(rows):
    return sum(sum(1 for x in range(0, len(r), 3) if r[x:x + 3] == LEGEND_RGB) for r in rows)


def check_legend(res, w, h, lang):
    """The strip inked, each item's text in its cell and whole, none cut."""
    lx, ly, lw, lh, ink = res["legend"]
    what = f"{w}x{h} --lang {lang}"
    ok(lh > 0 and ly + lh == h - 48 and ink > lw * lh // 20, f"{what}: the legend strip is drawn above the "
       "timeline, its pixels not all background", str(res["legend"]))
    inside = [t for t in res["texts"] if ly <= t[1] < ly + lh]
    per_cell, bad = {i: 0 for i in res["cells"]}, []
    for x, y, tw, th, max_w, drawn, asked in inside:
        cell = [i for i, (cx, cy, cw, ch) in res["cells"].items()
                if cx <= x and x + tw <= cx + cw and cy <= y and y + th <= cy + ch + 4]
        if not cell or drawn != asked:
            bad.append(f"'{asked}' drawn '{drawn}' at {x},{y} {tw}x{th}")
        for i in cell:
            per_cell[i] += 1
    lines = 2 if lang == "both" else 1
    ok(len(res["cells"]) == 8 and all(n == lines + (i == 1) for i, n in per_cell.items()),
       f"{what}: each of the 8 items has its {lines} line(s) of text (and the count sample)", str(per_cell))
    ok(not bad and res.get("cut") == 0, f"{what}: every legend text whole and within its cell, no label cut",
       "\n".join(bad) + f" cut {res.get('cut')}")
    cjk = [t for t in inside if any(ord(ch) > 0x2e80 for ch in t[6])]
    want_cjk = {"zh": 8, "en": 0, "both": 8}[lang]
    ok(len(cjk) == want_cjk, f"{what}: the legend speaks {lang}", f"{len(cjk)} lines with Chinese")


def group_legend():
    """Frames of a CGO run, whose ports have a 'ciq' resource (scripts/kouan/ports.lua)."""
    cgo = os.path.join(SRCROOT, "scenarios", "cgo_air.lua")
    path = tmp("cgo.h5")
    rc, _, err = run(KOUAN, "run", cgo, "-o", path, "--quiet", "--sample-hours", "0.5", "--seed", "3",
                     "--set", "horizon_days=6", "--set", "warmup_days=1")
    if not ok(rc == 0, "kouan run cgo_air.lua, six days", err):
        return
    f = h5py.File(path, "r")
    names = [n.decode() if isinstance(n, bytes) else str(n) for n in f["layout/resources"]["name"]]
    f.close()
    ok("ciq" in names, "the run has a resource named ciq", str(names))
    t = 82.0
    for w, h in ((1280, 720), (1920, 1080)):
        for lang in ("both", "en", "zh"):
            res = probe(t, [path], lang, w, h, legend=True, texts=True)
            if res is None:
                continue
            check_legend(res, w, h, lang)
            drawn = [x[5] for x in res["texts"]]
            jargon = [d for d in drawn if "ciq" in d.lower() and "(CIQ)" not in d]
            ok(not jargon, f"{w}x{h} --lang {lang}: no text on screen says 'ciq'", str(jargon))
            plain = {"zh": ("检验检疫", "检疫"), "en": ("inspection & quarantine (CIQ)", "quarantine"),
                     "both": ("检验检疫 inspection & quarantine", "检疫")}[lang]
            # where even the short word is too wide it ends with "…" (en at 1280x720: "quara…")
            ok(any(d in plain or (d.endswith("…") and len(d) > 4 and plain[1].startswith(d[:-1])) for d in drawn),
               f"{w}x{h} --lang {lang}: the ciq gauge reads {plain[0]} (or {plain[1]} where narrow)",
               str([d for d in drawn if d[:2] in ("检验", "检疫", "in", "qu")]))
    res = probe(t, [path], "both", 1280, 720, texts=True)
    if res:
        ok(res["legend"][3] == 0 and not [x for x in res["texts"] if x[5] == x[6] and "consignment" in x[5]],
           "without the legend no strip and no legend text", str(res["legend"]))
    # kouan-viz: the legend by default in exports, none with --no-legend.
    span = ["--from", "82", "--to", "82", "--size", "1280x720"]
    rc1, d1, e1 = frames_dir("leg-on", path, *span)
    rc2, d2, e2 = frames_dir("leg-off", path, *span, "--no-legend")
    if ok(rc1 == 0 and rc2 == 0, "one-frame exports with and without --no-legend", e1 + e2):
        # the rows above the timeline, where the strip is when shown
        on = legend_pixels(png_rgb(os.path.join(d1, "frame-000000.png"))[720 - 48 - 60:720 - 48])
        off = legend_pixels(png_rgb(os.path.join(d2, "frame-000000.png"))[720 - 48 - 60:720 - 48])
        ok(on > 1280 * 60 // 2 and off < 1280 * 60 // 100, "an export shows the legend by default; --no-legend "
           "leaves it out", f"legend background pixels above the timeline: {on} by default, {off} with --no-legend")
    rc, out, _ = run(VIZ, "--help")
    ok(rc == 0 and "--no-legend" in out and "K legend" in out, "--help names --no-legend and the K key")


{"pixels": group_pixels, "side": group_side, "export": group_export, "damaged": group_damaged,
 "options": group_options, "valgrind": group_valgrind, "names": group_names,
 "names-zh": group_names_zh, "legend": group_legend, "presenter": group_presenter}[ARGS.group]()
shutil.rmtree(TMP, ignore_errors=True)
tap.done()
