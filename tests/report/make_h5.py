#!/usr/bin/python3
"""make_h5.py — writes kouan run files that follow the /summary contract
(core/io/h5read.h), with h5py, for the `kouan report` tests: from the
values report_ref prints (exact doubles), or synthetic ones.

usage: make_h5.py VALUES OUT.h5      (the values file of report_ref)
       make_h5.py --synthetic OUT.h5 (two ports, one named 郑州机场, NaNs,
                                      a /consignments table)
"""
import sys
import warnings

import h5py
import numpy as np

GROUP_DT = np.dtype([("port", h5py.string_dtype("utf-8")), ("port_index", "<i4"), ("mode", "<i4"),
                     ("direction", "<i4")])
RES_DT = np.dtype([("port", h5py.string_dtype("utf-8")), ("port_index", "<i4"),
                   ("name", h5py.string_dtype("utf-8"))])
METRICS = ["count", "overall_mean", "overall_median", "overall_p90", "overall_p95", "prep_mean",
           "customs_mean", "logistics_mean", "dwell_mean", "within_1h", "within_6h", "within_24h",
           "inspection_rate", "scan_rate", "manual_rate", "cost_mean"]
RES_METRICS = ["capacity_mean", "utilisation", "mean_queue", "mean_wait", "served"]


def parse_values(path):
    d = {"groups": [], "resources": [], "metrics": METRICS, "res_metrics": RES_METRICS}
    rows = [line.rstrip("\n").split("\t") for line in open(path, encoding="utf-8")]
    for r in rows:
        if r[0] == "title":
            d["title"] = r[1]
        elif r[0] == "reps":
            d["reps"] = int(r[1])
        elif r[0] == "group":
            d["groups"].append((r[1], int(r[2]), int(r[3]), int(r[4])))
        elif r[0] == "resource":
            d["resources"].append((r[1], int(r[2]), r[3]))
        elif r[0] == "metrics":
            d["metrics"] = r[1:]
        elif r[0] == "res_metrics":
            d["res_metrics"] = r[1:]
    R, G, NR = d["reps"], len(d["groups"]), len(d["resources"])
    d["gv"] = np.full((R, G, len(d["metrics"])), np.nan)
    d["rv"] = np.full((R, NR, len(d["res_metrics"])), np.nan)
    d["across"] = np.full((G, len(d["metrics"]), 2), np.nan)
    for r in rows:
        if r[0] == "gv":
            d["gv"][int(r[1]), int(r[2])] = [float(x) for x in r[3:]]
        elif r[0] == "rv":
            d["rv"][int(r[1]), int(r[2])] = [float(x) for x in r[3:]]
        elif r[0] == "across":
            d["across"][int(r[1]), int(r[2])] = [float(r[3]), float(r[4])]
    return d


def synthetic(reps=3):
    """Two ports (郑州机场 air import+export, 洛阳 road import with nothing
    reported), the all-ports groups, three resources; values from a fixed
    formula, some undefined."""
    groups = [("郑州机场", 0, 0, 0), ("郑州机场", 0, 0, 1), ("洛阳, 公路", 1, 2, 0),
              ("all ports", -1, -1, 0), ("all ports", -1, -1, 1)]
    resources = [("郑州机场", 0, "海关查验"), ("郑州机场", 0, "gate"), ("洛阳, 公路", 1, "gate")]
    R, G, M = reps, len(groups), len(METRICS)
    gv = np.zeros((R, G, M))
    for r in range(R):
        for g in range(G):
            for m in range(M):
                v = 10.0 + 3.0 * g + 0.5 * m + 0.25 * r * (1 + m % 3)
                if METRICS[m].startswith(("within", "inspection", "scan", "manual")):
                    v = min(1.0, v / 100.0)
                gv[r, g, m] = v
            gv[r, g, 0] = 100 + 10 * g + r
    gv[:, 2, :] = np.nan
    gv[:, 2, 0] = 0.0  # 洛阳: nothing reported
    gv[0, 1, 4] = np.nan  # one undefined value
    rv = np.array([[[3.0, 0.5 + 0.1 * r, 1.2, 0.4, 50.0 + r] for _ in resources] for r in range(R)])
    with warnings.catch_warnings():  # the all-NaN group has no mean
        warnings.simplefilter("ignore", RuntimeWarning)
        across = np.stack([np.nanmean(gv, axis=0), np.nanstd(gv, axis=0)], axis=-1)
    return {"title": "合成测试 synthetic, seeds 1-%d" % R, "reps": R, "groups": groups,
            "resources": resources, "metrics": METRICS, "res_metrics": RES_METRICS, "gv": gv, "rv": rv,
            "across": across}


def consignments(d, n=400, seed=7):
    """A /consignments table for the plot: port index, direction, times."""
    rng = np.random.default_rng(seed)
    dt = np.dtype([("rep", "<u4"), ("port", "<u2"), ("mode", "<u1"), ("direction", "<u1"),
                   ("t_arrival", "<f8"), ("t_released", "<f8"), ("t_gate_out", "<f8")])
    ports = [(g[1], g[2], g[3]) for g in d["groups"] if g[1] >= 0]
    a = np.zeros(n, dt)
    for i in range(n):
        p = ports[i % len(ports)]
        a[i]["rep"] = i % d["reps"]
        a[i]["port"], a[i]["mode"], a[i]["direction"] = p
        a[i]["t_arrival"] = rng.uniform(48, 200)
        a[i]["t_released"] = a[i]["t_arrival"] + rng.gamma(2.0, 6.0 + 4 * p[2])
        a[i]["t_gate_out"] = a[i]["t_released"] + rng.gamma(2.0, 3.0)
    return a


def write(path, d, complete=1, schema=1, cons=None, summary=True):
    with h5py.File(path, "w") as f:
        f.attrs["schema_version"] = np.int32(schema)
        f.attrs["complete"] = np.int32(complete)
        f.attrs["scenario_path"] = "tests/report/synthetic.lua"
        f.attrs["era"] = "2017"
        if cons is not None:
            f.create_dataset("consignments", data=cons)
        if not summary:
            return
        s = f.create_group("summary")
        s.attrs["title"] = d["title"]
        s.attrs["replications"] = np.int32(d["reps"])
        s.attrs["metric_names"] = np.array(d["metrics"], dtype=h5py.string_dtype())
        s.attrs["resource_metric_names"] = np.array(d["res_metrics"], dtype=h5py.string_dtype())
        s.create_dataset("groups", data=np.array(d["groups"], dtype=GROUP_DT))
        s.create_dataset("resources", data=np.array(d["resources"], dtype=RES_DT))
        s.create_dataset("group_values", data=np.asarray(d["gv"], dtype="<f8"))
        s.create_dataset("resource_values", data=np.asarray(d["rv"], dtype="<f8"))
        s.create_dataset("across", data=np.asarray(d["across"], dtype="<f8"))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    if sys.argv[1] == "--synthetic":
        d = synthetic()
        write(sys.argv[2], d, cons=consignments(d))
    else:
        write(sys.argv[2], parse_values(sys.argv[1]))
