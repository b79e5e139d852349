#!/usr/bin/python3
"""kouan_plot.py — one slide-ready figure (16:9, large type) from a kouan
run file: for each port and direction, the distribution of the overall
clearance time (整体通关时间), and the three-clock breakdown (preparation,
customs, port logistics: mean hours over the replications).

usage: kouan_plot.py FILE.h5 OUT.png|OUT.svg [--lang en|zh] [--group G] [--metric M]
(normally run by `kouan report --plot` or `kouan compare --plot [--lang zh]` or
`kouan sweep --plot [--group G] [--metric M]`)

A compare file (root attribute schema = "kouan-compare") gives instead one
figure of the paired % change of the mean overall clearance time of every
alternative against the baseline, per group, with its 95 % interval, the
difference in hours beside each %, and the province's targets (−1/3 by
end-2018, −1/2 by end-2021) as vertical lines; with --lang zh its titles
and labels are in Chinese.
A sweep file (root attribute kind = "kouan sweep") gives the standardized
regression coefficients of one KPI (means over replications) on the
design's factors, which levers move it most: the KPI of --group G (a name
of /kpi/groups, default "all ports import") and --metric M (one of
/kpi/metrics, default overall_mean), the one kouan sweep's summary table
is about, beside the same metric of its group in the other direction.
An uncertainty file (schema = "kouan-uncertainty") gives, per all-ports
group, each alternative's band (5–95 % of the draw means of the mean
overall clearance time) and median with the targets (−1/3, −1/2 of the
first alternative's mean) as lines, and the priors ranked by |Spearman's
rho| with the last alternative's % change (import).

The distribution comes from /consignments (t_released - t_arrival of every
consignment of every replication) when the file has it; otherwise the
summary's quantiles are drawn as a box-like chart (box median..p90,
whisker to p95, diamond at the mean). Chinese port names need a CJK font:
WenQuanYi Micro Hei (Debian fonts-wqy-microhei), registered with
matplotlib's font manager. Needs matplotlib, h5py and numpy for this
Python (Debian: python3-matplotlib python3-h5py python3-numpy, which
serve /usr/bin/python3 only).
"""
import os
import sys
import textwrap

CJK_FONTS = ["/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"]
MODES = {0: "航空 air", 1: "铁路 rail", 2: "公路 road"}
DIRECTIONS = {0: "进口 import", 1: "出口 export"}
CLOCKS = [("prep_mean", "preparation 准备", "#4C72B0"), ("customs_mean", "customs 海关", "#DD8452"),
          ("logistics_mean", "port logistics 港口物流", "#55A868")]


def wrap_title(title, width, lines=2):
    """title on at most lines lines of about width characters, broken only
    between words (a long scenario path is never cut in the middle)."""
    return "\n".join(textwrap.wrap(title, width, break_long_words=False, break_on_hyphens=False)[:lines])


def die(msg):
    print(f"kouan: {msg}", file=sys.stderr)
    sys.exit(1)


def need(module, package):
    try:
        return __import__(module)
    except ImportError:
        die(f"--plot needs {module}, which is not installed for {sys.executable} "
            f"(Debian: apt-get install {package})")


def cjk_font(fm):
    """Registers the first CJK font found; returns its family name or None."""
    for path in CJK_FONTS:
        if os.path.exists(path):
            fm.fontManager.addfont(path)
            return fm.FontProperties(fname=path).get_name()
    for path in fm.findSystemFonts():
        low = path.lower()
        if "wqy" in low or "cjk" in low:
            fm.fontManager.addfont(path)
            return fm.FontProperties(fname=path).get_name()
    return None


def text(v):
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def read_summary(f, h5path):
    s = f.get("summary")
    if s is None:
        die(f"{h5path}: no /summary to plot")
    names = [text(n) for n in s.attrs["metric_names"]]
    col = {n: i for i, n in enumerate(names)}
    g = s["groups"][...]
    gv = s["group_values"][...]
    groups = []
    for i, row in enumerate(g):
        groups.append({"port": text(row["port"]), "port_index": int(row["port_index"]), "mode": int(row["mode"]),
                       "direction": int(row["direction"]), "values": gv[:, i, :]})
    return text(s.attrs.get("title", "")), col, groups


def mean_of(np, g, col, name):
    v = g["values"][:, col[name]]
    v = v[~np.isnan(v)]
    return float(v.mean()) if v.size else float("nan")


def clearance_times(np, f, groups):
    """{group number: array of hours} from /consignments, or None."""
    ds = f.get("consignments")
    if ds is None or ds.dtype.names is None:
        return None
    fields = ds.dtype.names
    if not {"t_arrival", "t_released", "port", "direction"} <= set(fields) or ds.shape[0] == 0:
        return None
    want = ["t_arrival", "t_released", "port", "direction"] + (["mode"] if "mode" in fields else [])
    a = ds.fields(want)[...]
    t = a["t_released"] - a["t_arrival"]
    port = a["port"]
    out = {}
    for i, g in enumerate(groups):
        if port.dtype.kind in "iu":
            sel = port == g["port_index"]
        else:
            sel = np.array([text(p) == g["port"] for p in port])
        sel &= a["direction"] == g["direction"]
        if "mode" in want:
            sel &= a["mode"] == g["mode"]
        v = t[sel]
        out[i] = v[np.isfinite(v)]
    return out


# The compare chart's words: (English, Chinese).
COMPARE_WORDS = {
    "vs": ("vs", "对比"),
    "third": ("target −1/3 (end-2018)", "目标 −1/3（2018 年底）"),
    "half": ("target −1/2 (end-2021)", "目标 −1/2（2021 年底）"),
    "xlabel": ("paired change of the mean overall clearance time, % (bars: 95 % interval; h: hours)",
               "平均整体通关时间的配对变化，%（误差线：95 % 区间；小时：绝对变化）"),
    "title": ("Overall clearance time", "整体通关时间"),
    "h": ("h", "小时"),
    "all ports": ("all ports", "全部口岸"),
    "pct": ("% change (targets: −1/3, −1/2)", "% 变化（目标：−1/3、−1/2）"),
    "hours": ("difference in hours, on its own scale (bars: 95 % interval)",
              "绝对变化（小时，按自身刻度；误差线：95 % 区间）"),
}
DIRECTION_WORDS = {0: ("import", "进口"), 1: ("export", "出口")}


def compare_figure(np, plt, f, out, lang="en"):
    """The paired % change of overall_mean per group, one bar per
    alternative, the difference in hours beside each %; words in lang."""
    z = 1 if lang == "zh" else 0
    w = {k: v[z] for k, v in COMPARE_WORDS.items()}
    alts = [text(a) for a in f["alternatives"][...]]
    ports = [text(p) for p in f["group_port"][...]]
    if z and "group_port_zh" in f:  # the names --lang zh shows: the scenario's name_zh, else kouan's
        ports = [text(p) or ports[g] for g, p in enumerate(f["group_port_zh"][...])]
    dirs = f["group_direction"][...]
    m = [text(x) for x in f["metrics"][...]].index("overall_mean")
    pct = f["pct_change_mean"][...][:, :, m]
    half = f["pct_change_half_width"][...][:, :, m]
    hours = f["diff_mean"][...][:, :, m]
    groups, alternatives = len(ports), len(alts)
    if alternatives < 2:
        die("the compare file has fewer than two alternatives")
    labels = [f"{w['all ports'] if ports[g] == 'all ports' else ports[g]} · "
              f"{DIRECTION_WORDS.get(int(dirs[g]), ('?', '?'))[z]}" for g in range(groups)]
    # Left the % change, whose scale the target lines set; right the
    # difference in hours on a scale of its own, so an effect far smaller
    # than the targets is still seen.
    fig, (ax, axh) = plt.subplots(1, 2, figsize=(19.2, 10.8), dpi=100, sharey=True,
                                  gridspec_kw={"width_ratios": [3, 2]})
    hhalf = f["diff_half_width"][...][:, :, m] if "diff_half_width" in f else np.zeros_like(hours)
    height = 0.8 / (alternatives - 1)
    colours = ["#4C72B0", "#55A868", "#8172B3", "#CCB974", "#64B5CD"]
    for a in range(1, alternatives):
        y = np.arange(groups) - 0.4 + (a - 0.5) * height
        ax.barh(y, np.nan_to_num(pct[a]), height * 0.9, xerr=np.nan_to_num(half[a]), capsize=4,
                color=colours[(a - 1) % len(colours)], label=f"{alts[a]} {w['vs']} {alts[0]}")
        for yi, v, h, d in zip(y, pct[a], np.nan_to_num(half[a]), hours[a]):
            if np.isfinite(v):  # the label past the end of the interval: the % and the hours
                dh = f" ({d:+.1f} {w['h']})" if np.isfinite(d) else ""
                ax.text(v - h if v < 0 else v + h, yi, f"  {v:.1f} %{dh}  ", va="center",
                        ha="right" if v < 0 else "left", fontsize=13)
        axh.barh(y, np.nan_to_num(hours[a]), height * 0.9, xerr=np.nan_to_num(hhalf[a]), capsize=4,
                 color=colours[(a - 1) % len(colours)])
    axh.axvline(0.0, color="black", linewidth=1)
    span = float(np.nanmax(np.append(np.abs(hours[1:]) + np.nan_to_num(hhalf[1:]), 1e-3)))
    axh.set_xlim(-span * 1.15, span * 1.15)
    axh.set_xlabel(w["hours"], fontsize=14)
    axh.grid(axis="x", alpha=0.35)
    ax.axvline(-100.0 / 3.0, linestyle="--", color="#C44E52", linewidth=2.5, label=w["third"])
    ax.axvline(-50.0, linestyle=":", color="#C44E52", linewidth=3, label=w["half"])
    ax.axvline(0.0, color="black", linewidth=1)
    ax.set_yticks(np.arange(groups), labels)
    ax.invert_yaxis()
    low = float(np.nanmin(np.append(pct[1:] - half[1:], -55.0)))
    ax.set_xlim(min(low * 1.25, -60.0), max(5.0, float(np.nanmax(np.append(pct[1:] + half[1:], 0.0))) * 1.25))
    ax.set_xlabel(w["xlabel"], fontsize=14)
    ax.set_title(w["pct"], fontsize=16)
    fig.suptitle(f"{w['title']}: {', '.join(alts[1:])} {w['vs']} {alts[0]}", fontsize=22)
    ax.grid(axis="x", alpha=0.35)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=4, fontsize=15, frameon=False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    try:
        fig.savefig(out)
    except (OSError, ValueError) as e:
        die(f"{out}: cannot write the plot: {e}")
    return 0


def spearman(np, x, y):
    """Spearman's rank correlation over the pairs where both are finite
    (ties: mean ranks), as exp/uncertainty.c; NaN with < 3 pairs or no spread."""
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if len(x) < 3:
        return float("nan")

    def ranks(v):
        order = np.argsort(v, kind="mergesort")
        r = np.empty(len(v))
        r[order] = np.arange(1, len(v) + 1)
        for u in np.unique(v):
            tie = v == u
            r[tie] = r[tie].mean()
        return r
    rx, ry = ranks(x), ranks(y)
    if np.std(rx) == 0 or np.std(ry) == 0:
        return float("nan")
    return float(np.corrcoef(rx, ry)[0, 1])


def uncertainty_figure(np, plt, f, out):
    """An uncertainty file: per all-ports group, each alternative's band
    (5-95 % of the draw means of overall_mean) and median, with the targets
    (-1/3, -1/2 of the first alternative's mean); and the priors ranked by
    |Spearman's rho| with the last alternative's % change (import), or
    with its overall_mean when there is one alternative."""
    alts = [text(a) for a in f["alternatives"][...]]
    ports_index = f["group_port_index"][...]
    dirs = f["group_direction"][...]
    priors = [text(p) for p in f["prior_name"][...]]
    draws = f["draws"][...]
    m = [text(x) for x in f.attrs["metric_names"]].index("overall_mean")
    values = f["values"][...]  # [D][A][R][G][M]
    with np.errstate(invalid="ignore"):
        means = np.nanmean(values[:, :, :, :, m], axis=2)  # [D][A][G]: the draw means
    panels = [g for g in range(len(ports_index)) if int(ports_index[g]) < 0]
    if not panels or not alts:
        die("the uncertainty file has no all-ports group")
    fig = plt.figure(figsize=(16, 9), dpi=120)
    grid = fig.add_gridspec(1, len(panels) + 1, width_ratios=[1] * len(panels) + [1.15])
    x = np.arange(len(alts))
    for i, g in enumerate(panels):
        ax = fig.add_subplot(grid[0, i])
        ax.set_title(f"全部口岸 all ports · {DIRECTIONS.get(int(dirs[g]), '?')}", fontsize=17)
        drawn = False
        for a in range(len(alts)):
            v = means[:, a, g]
            v = v[np.isfinite(v)]
            if not len(v):
                continue
            lo, med, hi = np.quantile(v, [0.05, 0.5, 0.95])
            ax.fill_between([a - 0.3, a + 0.3], lo, hi, color="#4C72B0", alpha=0.35, linewidth=0,
                            label="band 5–95 % 区间" if not drawn else None)
            ax.plot([a - 0.3, a + 0.3], [med, med], color="#1B2A49", linewidth=3,
                    label="median 中位数" if not drawn else None)
            drawn = True
        base = means[:, 0, g]
        base = base[np.isfinite(base)]
        if len(base):
            b = float(base.mean())
            ax.axhline(b * (1 - 1 / 3), linestyle="--", color="#C44E52", linewidth=2.5,
                       label=f"target −1/3 of {alts[0]} 目标")
            ax.axhline(b * 0.5, linestyle=":", color="#C44E52", linewidth=3, label=f"target −1/2 of {alts[0]} 目标")
        if not drawn:
            ax.text(0.5, 0.5, "no data\n无数据", ha="center", va="center", transform=ax.transAxes, fontsize=18,
                    color="grey")
        ax.set_xticks(x, alts, rotation=20 if len(alts) > 3 else 0)
        ax.set_xlim(-0.6, len(alts) - 0.4)
        ax.set_ylim(bottom=0)
        if i == 0:
            ax.set_ylabel("mean overall clearance time, h 平均整体通关时间", fontsize=15)
        ax.grid(axis="y", alpha=0.35)
        ax.legend(loc="lower left", fontsize=12)
    ax = fig.add_subplot(grid[0, len(panels)])
    imp = next((g for g in panels if int(dirs[g]) == 0), panels[0])
    last = len(alts) - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        y = 100 * (means[:, last, imp] - means[:, 0, imp]) / means[:, 0, imp] if last else means[:, 0, imp]
    what = f"% change {alts[last]} vs {alts[0]}" if last else "overall_mean"
    rho = np.array([spearman(np, draws[:, j], y) for j in range(len(priors))])
    order = sorted(range(len(priors)), key=lambda j: -abs(np.nan_to_num(rho[j])))
    r = np.nan_to_num(rho[order])
    pos = np.arange(len(order))
    ax.barh(pos, r, color=["#C44E52" if v > 0 else "#4C72B0" for v in r])
    for yi, v, j in zip(pos, r, order):
        label = f" {v:+.2f} " if np.isfinite(rho[j]) else " – "  # no spread: no rank correlation
        ax.text(v, yi, label, va="center", ha="left" if v >= 0 else "right", fontsize=14)
    ax.set_yticks(pos, [priors[j] for j in order], fontsize=14 if len(order) > 8 else 16)
    ax.invert_yaxis()
    ax.set_xlim(-1.25, 1.25)
    ax.axvline(0, color="black", linewidth=1)
    ax.set_xlabel("Spearman's rho 秩相关")
    ax.set_title(f"what moves it 影响因素\n{DIRECTIONS.get(int(dirs[imp]), '?')}: {what}", fontsize=16)
    ax.grid(axis="x", alpha=0.35)
    title = wrap_title(text(f.attrs.get("title", "")), 100)
    fig.suptitle(f"参数不确定性 Parameter uncertainty\n{title}", fontsize=20, fontweight="bold")
    fig.tight_layout()
    try:
        fig.savefig(out)
    except (OSError, ValueError) as e:
        die(f"{out}: cannot write the plot: {e}")
    return 0


def standardized_coefficients(np, x, y):
    """Least squares of standardized y on standardized columns of x: the
    coefficients (NaN for a constant column) and R^2, over finite y only."""
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    coef = np.full(x.shape[1], np.nan)
    if len(y) < 3 or np.std(y) == 0:
        return coef, float("nan"), len(y)
    cols = [j for j in range(x.shape[1]) if np.std(x[:, j]) > 0]
    z = (x[:, cols] - x[:, cols].mean(axis=0)) / x[:, cols].std(axis=0)
    zy = (y - y.mean()) / y.std()
    b, *_ = np.linalg.lstsq(np.column_stack([np.ones(len(zy)), z]), zy, rcond=None)
    coef[cols] = b[1:]
    resid = zy - np.column_stack([np.ones(len(zy)), z]) @ b
    return coef, float(1 - resid.var() / zy.var()), len(y)


# The sweep KPI metrics the chart names, with their units (as the printed
# KPI table of core/model/kpi.c says them); a metric not here is named as is.
SWEEP_METRICS = {
    "count": ("consignments", ""), "overall_mean": ("mean overall clearance time 整体通关时间", "h"),
    "overall_median": ("median overall clearance time", "h"), "overall_p90": ("p90 overall clearance time", "h"),
    "overall_p95": ("p95 overall clearance time", "h"), "prep_mean": ("mean preparation time", "h"),
    "customs_mean": ("mean customs time", "h"), "logistics_mean": ("mean port logistics time", "h"),
    "dwell_mean": ("mean total dwell", "h"), "within_1h": ("share released within 1 h", "%"),
    "within_6h": ("share released within 6 h", "%"), "within_24h": ("share released within 24 h", "%"),
    "inspection_rate": ("inspection rate", "%"), "scan_rate": ("machine scan rate", "%"),
    "manual_rate": ("manual inspection rate", "%"), "cost_mean": ("cost per consignment", "CNY")}


def pick(kind, option, name, names):
    """The index of name in names, or die naming the nearest (or all)."""
    if name in names:
        return names.index(name)
    import difflib
    near = difflib.get_close_matches(name, names, 1, 0.6)
    known = f"did you mean '{near[0]}'?" if near else "known: " + ", ".join(f"'{n}'" for n in names)
    die(f"{option}: unknown {kind} '{name}' in the sweep file ({known})")


def sweep_figure(np, plt, f, out, group=None, metric=None):
    """Tornado of standardized regression coefficients of one KPI (the group
    and metric of kouan sweep --group/--metric, by default all ports import,
    overall_mean) and of the same metric for its group in the other
    direction: which levers move that KPI most."""
    factors = [text(v) for v in f["design/factors"][...]]
    x = f["design/matrix"][...]
    metrics = [text(v) for v in f["kpi/metrics"][...]]
    groups = [text(v) for v in f["kpi/groups"][...]]
    if metric is None and "overall_mean" not in metrics:
        die("the sweep has no overall_mean KPI to explain (add it to the design's kpi list, or choose "
            "another with --metric)")
    m = pick("KPI metric", "--metric", metric or "overall_mean", metrics)
    values = f["kpi/values"][...]
    ports, modes = f["kpi/group_port"][...], f["kpi/group_mode"][...]
    dirs = f["kpi/group_direction"][...]
    if group is None:
        chosen = [g for g in range(len(ports)) if int(ports[g]) < 0 and int(dirs[g]) == 0]
        if not chosen:
            die("the sweep file has no all-ports import group (choose one with --group)")
        g0 = chosen[0]
    else:
        g0 = pick("KPI group", "--group", group, groups)
    twins = [g for g in range(len(ports)) if g != g0 and ports[g] == ports[g0] and modes[g] == modes[g0]
             and dirs[g] != dirs[g0]]
    panels = [g0] + twins[:1]
    label, unit = SWEEP_METRICS.get(metrics[m], (metrics[m], ""))
    kpi_name = f"{metrics[m]} ({unit})" if unit else metrics[m]
    fig, axes = plt.subplots(1, len(panels), figsize=(19.2, 10.8), dpi=100, sharey=True, squeeze=False)
    order = None
    for ax, g in zip(axes[0], panels):
        with np.errstate(invalid="ignore"):
            y = np.nanmean(values[:, :, g, m], axis=1)
        coef, r2, n = standardized_coefficients(np, x, y)
        if order is None:  # the chosen group's ranking orders both
            order = sorted(range(len(factors)), key=lambda j: -abs(np.nan_to_num(coef[j])))
        c = np.array([coef[j] for j in order])
        ypos = np.arange(len(order))
        ax.barh(ypos, np.nan_to_num(c), 0.6, color=["#4C72B0" if v < 0 else "#C44E52" for v in np.nan_to_num(c)])
        for yi, v in zip(ypos, c):
            if np.isfinite(v):
                ax.text(v, yi, f"  {v:+.3f}  ", va="center", ha="left" if v >= 0 else "right", fontsize=15)
        ax.axvline(0, color="black", linewidth=1)
        ax.set_xlim(-1.3, 1.3)
        if not np.isfinite(c).any():
            ax.text(0, (len(order) - 1) / 2, "the same across the design:\nthese factors do not move it",
                    ha="center", va="center", fontsize=18, color="#555555",
                    bbox={"facecolor": "white", "edgecolor": "#cccccc"})
        fit = f"R² = {r2:.3f}" if np.isfinite(r2) else "no variation"
        ax.set_title(f"{groups[g]} · {kpi_name}\n({fit}, {n} points)")
        ax.grid(axis="x", alpha=0.35)
        ax.set_xlabel(f"standardized regression coefficient of {metrics[m]}")
    axes[0][0].set_yticks(np.arange(len(order)), ["\n".join(textwrap.wrap(factors[j], 28)) for j in order])
    axes[0][0].invert_yaxis()
    fig.suptitle(wrap_title(f"what moves the {label}{f' ({unit})' if unit else ''} of {groups[g0]} (sweep: "
                            f"{text(f.attrs.get('design_path', ''))})", 90), fontsize=22)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    try:
        fig.savefig(out)
    except (OSError, ValueError) as e:
        die(f"{out}: cannot write the plot: {e}")
    return 0


def main():
    args = sys.argv[1:]
    opts = {"--lang": "en", "--group": None, "--metric": None}  # --group, --metric: a sweep file's KPI
    while len(args) >= 4 and args[-2] in opts:
        opts[args[-2]] = args[-1]
        args = args[:-2]
    lang = opts["--lang"]
    if len(args) != 2 or lang not in ("en", "zh"):
        die("usage: kouan_plot.py RUN.h5 OUT.png|OUT.svg [--lang en|zh] [--group G] [--metric M]")
    h5path, out = args
    need("matplotlib", "python3-matplotlib")
    need("numpy", "python3-numpy")
    need("h5py", "python3-h5py")
    import h5py
    import matplotlib
    import numpy as np
    matplotlib.use("Agg")
    import matplotlib.font_manager as fm
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch
    from matplotlib.lines import Line2D

    family = cjk_font(fm)
    if family is None:
        print("kouan: warning: no CJK font found (Debian: fonts-wqy-microhei); Chinese names will not render",
              file=sys.stderr)
    matplotlib.rcParams.update({
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "axes.unicode_minus": False, "font.size": 18, "axes.titlesize": 22, "axes.labelsize": 20,
        "xtick.labelsize": 16, "ytick.labelsize": 18, "legend.fontsize": 16, "svg.fonttype": "path"})

    try:
        with h5py.File(h5path, "r") as f:
            if text(f.attrs.get("schema", "")) == "kouan-compare":
                return compare_figure(np, plt, f, out, lang)
            if text(f.attrs.get("schema", "")) == "kouan-uncertainty":
                return uncertainty_figure(np, plt, f, out)
            if text(f.attrs.get("kind", "")) == "kouan sweep":
                return sweep_figure(np, plt, f, out, opts["--group"], opts["--metric"])
            if opts["--group"] or opts["--metric"]:
                die(f"{h5path}: --group and --metric choose a sweep file's KPI; this is not a sweep file")
            title, col, groups = read_summary(f, h5path)
            groups = [g for g in groups if g["port_index"] >= 0]
            times = clearance_times(np, f, groups)
    except (OSError, KeyError, ValueError) as e:
        die(f"{h5path}: cannot read for the plot: {e}")
    if not groups:
        die(f"{h5path}: no port groups to plot")
    missing = [n for n in ["overall_mean", "overall_median", "overall_p90", "overall_p95"] + [c[0] for c in CLOCKS]
               if n not in col]
    if missing:
        die(f"{h5path}: /summary lacks {', '.join(missing)}")

    # a port has one mode: name it only where a port name repeats with
    # another; the direction only where the port name does not say it
    modes_of = {}
    for g in groups:
        modes_of.setdefault(g["port"], set()).add(g["mode"])
    crowded = len(groups) > 5  # then one-line labels, slanted
    labels = []
    for g in groups:
        zh, en = DIRECTIONS.get(g["direction"], "? ?").split(" ")
        d = zh if en in g["port"].lower() else f"{zh} {en}"
        if len(modes_of[g["port"]]) > 1:
            d += f" · {MODES.get(g['mode'], '?')}"
        labels.append(f"{g['port']}{' · ' if crowded else chr(10)}{d}")
    tick = {"rotation": 28, "ha": "right", "rotation_mode": "anchor", "fontsize": 14} if crowded else {}
    x = np.arange(len(groups))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(16, 9), dpi=120, gridspec_kw={"width_ratios": [1, 1]})
    head = "整体通关时间 Overall clearance time"
    title = wrap_title(title, 90)  # a long scenario path stays on the slide
    fig.suptitle(f"{head}\n{title}" if title else head, fontsize=24 if len(title) < 90 else 20, fontweight="bold")

    # left: the distribution per port and direction
    have = times is not None and any(v.size for v in times.values())
    if have:
        data = [times[i] if times[i].size else np.array([np.nan]) for i in range(len(groups))]
        bp = ax1.boxplot(data, positions=x, widths=0.55, whis=(5, 95), showfliers=False, showmeans=True,
                         patch_artist=True, meanprops={"marker": "D", "markerfacecolor": "white",
                                                       "markeredgecolor": "black", "markersize": 9})
        for b in bp["boxes"]:
            b.set(facecolor="#9ecae1", edgecolor="#08519c", linewidth=2)
        for m in bp["medians"]:
            m.set(color="#08519c", linewidth=3)
        tops = [np.percentile(v, 95) for v in data if np.isfinite(v).any()]
        ax1.set_ylim(0, max(tops + [1.0]) * 1.2)  # room for the legend above the whiskers
        n = sum(v.size for v in times.values())
        ax1.set_title(f"Distribution 分布 ({n:,} consignments)")
        ax1.legend(handles=[Patch(facecolor="#9ecae1", edgecolor="#08519c", label="box: quartiles, whiskers p5–p95"),
                            Line2D([], [], marker="D", color="black", markerfacecolor="white", linestyle="",
                                   label="mean 平均")], loc="upper center", ncol=2, fontsize=14)
    else:
        top = 1.0
        for i, g in enumerate(groups):
            med, p90, p95 = (mean_of(np, g, col, k) for k in ("overall_median", "overall_p90", "overall_p95"))
            mean = mean_of(np, g, col, "overall_mean")
            if np.isnan(med):
                ax1.text(i, 0, "no data\n无数据", ha="center", va="bottom", fontsize=16, color="grey")
                continue
            top = max(top, np.nanmax([p95, p90, med, mean]))
            ax1.add_patch(plt.Rectangle((i - 0.28, med), 0.56, p90 - med, facecolor="#9ecae1",
                                        edgecolor="#08519c", linewidth=2))
            ax1.plot([i - 0.28, i + 0.28], [med, med], color="#08519c", linewidth=3)
            ax1.plot([i, i], [p90, p95], color="#08519c", linewidth=2)
            ax1.plot([i - 0.14, i + 0.14], [p95, p95], color="#08519c", linewidth=2)
            ax1.plot([i], [mean], marker="D", color="black", markerfacecolor="white", markersize=9)
        ax1.set_xlim(-0.6, len(groups) - 0.4)
        ax1.set_ylim(0, top * 1.2)
        ax1.set_title("Quantiles 分位数 (mean over replications)")
        ax1.legend(handles=[Patch(facecolor="#9ecae1", edgecolor="#08519c", label="box: median–p90, whisker: p95"),
                            Line2D([], [], marker="D", color="black", markerfacecolor="white", linestyle="",
                                   label="mean 平均")], loc="upper center", ncol=2, fontsize=14)
    ax1.set_xticks(x, labels, **tick)
    ax1.set_ylabel("hours 小时")
    ax1.grid(axis="y", alpha=0.35)

    # right: the three clocks, stacked
    bottom = np.zeros(len(groups))
    for key, name, colour in CLOCKS:
        v = np.array([mean_of(np, g, col, key) for g in groups])
        v = np.nan_to_num(v)
        bars = ax2.bar(x, v, 0.6, bottom=bottom, color=colour, label=name, edgecolor="white", linewidth=1.5)
        for rect, val, b in zip(bars, v, bottom):
            if val > 0 and val >= 0.06 * max(1e-9, float(np.max(bottom + v))):
                ax2.text(rect.get_x() + rect.get_width() / 2, b + val / 2, f"{val:.1f}", ha="center",
                         va="center", color="white", fontsize=16, fontweight="bold")
        bottom = bottom + v
    # The clocks add up to the whole dwell (arrival -> gate-out), which
    # is longer than the overall clearance time (arrival -> release) of the
    # left panel: each stack says its sum, and a black bar marks the overall
    # clearance time on it, so the two are not read as one figure.
    overall = np.nan_to_num(np.array([mean_of(np, g, col, "overall_mean") for g in groups]))
    ax2.plot(x, overall, linestyle="", marker="_", markersize=46, markeredgewidth=4, color="black",
             label="overall clearance 整体通关 (→ release)")
    for i, total in enumerate(bottom):
        ax2.text(x[i], total, f"Σ {total:.1f} h", ha="center", va="bottom", fontsize=12)
    ax2.set_xticks(x, labels, **tick)
    ax2.set_ylabel("mean hours 平均小时")
    ax2.set_title("Three clocks 三段时间: sum = dwell, arrival → gate-out", fontsize=18)
    ax2.legend(loc="upper center", ncol=2, fontsize=13, columnspacing=0.8, handlelength=1.0, handletextpad=0.4,
               markerscale=0.3)
    ax2.set_ylim(0, max(1.0, float(bottom.max()), float(overall.max())) * 1.35)
    ax2.grid(axis="y", alpha=0.35)

    fig.tight_layout(rect=(0, 0, 1, 0.97))
    try:
        fig.savefig(out)
    except (OSError, ValueError) as e:
        die(f"{out}: cannot write the plot: {e}")


if __name__ == "__main__":
    main()
