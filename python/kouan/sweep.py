"""Sweep files: `kouan sweep` (docs/sweep.md; docs/hdf5-schema.md, "Sweep
files")."""
import numpy as np
import pandas as pd

from ._common import (ALL_PORTS, DIRECTION_NAMES, KouanFile, KouanFileError, finish, metric_frame, mode_name,
                      text, texts)

STATUS_NAMES = {0: "not run", 1: "ok", 2: "failed"}


class SweepFile(KouanFile):
    """A sweep file.

    factors         the factor paths, in the design file's order (the
                    factor columns of design() and kpis() are named so)
    method          factorial, oat, lhs or sobol
    metrics         the KPI names kept (kpi = {...} of the design)
    replications    replications per point
    points          points of the design

    DataFrames: design(), runs(), kpis(group=None), groups().
    """

    kind = "sweep"

    def __init__(self, h5, path):
        super().__init__(h5, path)
        self.factors = texts(self._dataset("design/factors")[()])
        self.method = text(self.h5["design"].attrs.get("method", ""))
        self.metrics = texts(self._dataset("kpi/metrics")[()])
        self.replications = int(self.attrs["replications"])
        self.points = int(self._dataset("design/matrix").shape[0])
        self.units.update(self._kpi_units(self.metrics))
        self.units["wall_seconds"] = "s"

    def design(self):
        """One row per point: point, then one column per factor (its path),
        the value as applied (integer factors rounded)."""
        m = self._dataset("design/matrix")[()]
        df = pd.DataFrame(m, columns=self.factors)
        df.insert(0, "point", np.arange(len(df)))
        return df

    def runs(self):
        """One row per run (point x replication): point, replication, seed,
        status ("ok", "failed", "not run"), error (the message of a failed
        run, else ""), wall_seconds."""
        r = self._dataset("runs")[()]
        return finish(pd.DataFrame({
            "point": r["point"].astype(int), "replication": r["replication"].astype(int),
            "seed": r["seed"].astype(np.int64),
            "status": [STATUS_NAMES.get(int(s), str(int(s))) for s in r["status"]],
            "error": [text(e).rstrip("\0") for e in r["error"]],
            "wall_seconds": r["wall_seconds"],
        }), self.units)

    def groups(self):
        """The KPI groups: group (the file's label, "TST air import",
        "all ports import"), port (name; "all ports"), port_index (-1 for
        all ports), mode ("all" for all ports), direction."""
        labels = texts(self._dataset("kpi/groups")[()])
        port_index = self._dataset("kpi/group_port")[()].astype(int)
        modes = [mode_name(int(m)) for m in self._dataset("kpi/group_mode")[()]]
        dirs = [DIRECTION_NAMES[int(d)] for d in self._dataset("kpi/group_direction")[()]]
        ports = []
        for label, p, m, d in zip(labels, port_index, modes, dirs):
            suffix = f" {m} {d}"
            ports.append(ALL_PORTS if p < 0 else (label[:-len(suffix)] if label.endswith(suffix) else label))
        return pd.DataFrame({"group": labels, "port": ports, "port_index": port_index, "mode": modes,
                             "direction": dirs})

    def kpis(self, group=None):
        """The KPIs of every run, tidy: one row per point x replication
        (x group when group is None), with columns point, replication,
        seed, status, one column per factor (named by its path), the group
        columns of groups() (when group is None), then one column per
        metric (units in df.attrs["units"]; shares are fractions). A run
        that failed or did not run has NaN metrics and its status says so.

        group: a label of groups()["group"] ("all ports import") to keep
        only that group's rows; None keeps all."""
        v = self._dataset("kpi/values")[()]                    # (P, R, G, M)
        P, R, G, M = v.shape
        g = self.groups()
        if group is not None:
            labels = list(g["group"])
            if group not in labels:
                raise KouanFileError(f"{self.path}: no KPI group '{group}' (groups: {', '.join(labels)})")
            gi = labels.index(group)
            v = v[:, :, gi:gi + 1, :]
            g = g.iloc[[gi]].reset_index(drop=True)
            G = 1
        runs = self.runs()
        X = self._dataset("design/matrix")[()]
        point = np.repeat(np.arange(P), R * G)
        rep = np.tile(np.repeat(np.arange(R), G), P)
        run_row = point * R + rep
        idx = {"point": point, "replication": rep, "seed": runs["seed"].to_numpy()[run_row],
               "status": runs["status"].to_numpy()[run_row]}
        for j, f in enumerate(self.factors):
            idx[f] = X[point, j]
        if group is None:
            for c in g.columns:
                idx[c] = np.tile(g[c].to_numpy(), P * R)
        return finish(metric_frame(v.reshape(P * R * G, M), self.metrics, idx), self.units)
