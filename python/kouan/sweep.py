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
    factor_types    each factor's "number", "integer" or "boolean": its
                    column in design() and kpis() is float, int or bool
                    (a boolean lever swept as false/true reads as such)
    method          factorial, oat, lhs or sobol
    metrics         the KPI names kept (kpi = {...} of the design)
    replications    replications per point
    points          points of the design

    DataFrames: design(), runs(), kpis(group=None), groups(),
    sensitivity() (the Sobol indices kouan sweep stored) and
    sobol(group, metric) (the same indices of any group and metric,
    computed here from /kpi/values; saltelli designs).
    """

    kind = "sweep"

    def __init__(self, h5, path):
        super().__init__(h5, path)
        self.factors = texts(self._dataset("design/factors")[()])
        self.method = text(self.h5["design"].attrs.get("method", ""))
        self.metrics = texts(self._dataset("kpi/metrics")[()])
        self.replications = int(self.attrs["replications"])
        self.points = int(self._dataset("design/matrix").shape[0])
        # the values' type of each factor (/design/factor_types; files before it: all numbers)
        self.factor_types = (texts(self.h5["design/factor_types"][()]) if "design/factor_types" in self.h5
                             else ["number"] * len(self.factors))
        self.units.update(self._kpi_units(self.metrics))
        self.units["wall_seconds"] = "s"

    def design(self):
        """One row per point: point, then one column per factor (its path),
        the value as applied (integer factors rounded): bool for a boolean
        factor, int for a whole-number one, else float."""
        df = pd.DataFrame(self._factor_columns(self._dataset("design/matrix")[()]))
        df.insert(0, "point", np.arange(len(df)))
        return df

    def _factor_columns(self, rows):
        """{factor path: its column of rows (the design matrix's rows), as
        bool, int64 or float64 by factor_types}."""
        cast = {"boolean": bool, "integer": np.int64}
        return {f: rows[:, j].astype(cast[t]) if t in cast else rows[:, j]
                for j, (f, t) in enumerate(zip(self.factors, self.factor_types))}

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
        idx.update(self._factor_columns(X[point]))
        if group is None:
            for c in g.columns:
                idx[c] = np.tile(g[c].to_numpy(), P * R)
        return finish(metric_frame(v.reshape(P * R * G, M), self.metrics, idx), self.units)

    def sensitivity(self):
        """The Sobol indices kouan sweep stored (/sensitivity: a complete
        saltelli sweep run in one invocation): one row per factor, columns
        factor, first_order, first_order_lo, first_order_hi, total_order,
        total_order_lo, total_order_hi (95% bootstrap intervals). The KPI
        is in df.attrs: group, metric, base_points, mean, variance. For
        another group or metric, or a resumed or merged file, use sobol()."""
        if "sensitivity" not in self.h5:
            why = ("a saltelli design, but the sweep was resumed, sharded or merged: use sobol()"
                   if self.method == "saltelli" else f"a {self.method} design: Sobol indices need method = \"saltelli\"")
            raise KouanFileError(f"{self.path}: no /sensitivity ({why})")
        g = self.h5["sensitivity"]
        cols = ["first_order", "first_order_lo", "first_order_hi", "total_order", "total_order_lo", "total_order_hi"]
        df = pd.DataFrame({"factor": self.factors, **{c: g[c][()] for c in cols}})
        df.attrs.update(group=text(g.attrs["group"]), metric=text(g.attrs["metric"]),
                        base_points=int(g.attrs["base_points"]), mean=float(g.attrs["mean"]),
                        variance=float(g.attrs["variance"]))
        return df

    def sobol(self, group="all ports import", metric="overall_mean", bootstrap=1000, seed=1):
        """Sobol first- and total-order indices of one KPI (group, metric)
        over the factors, from /kpi/values of a saltelli sweep, with the
        estimators kouan sweep prints (Saltelli 2010 with f(B) centred;
        Jansen 1999), on the mean of each point's replications. A base
        point is used only when its k + 2 points have every replication
        (no failed run, no NaN). The point estimates equal those kouan
        sweep stores for the same group and metric; the 95% percentile
        bootstrap intervals (bootstrap resamples of the base points,
        numpy's generator seeded by seed) differ from kouan's in their
        random draws only. One row per factor: factor, first_order,
        first_order_lo, first_order_hi, total_order, total_order_lo,
        total_order_hi; df.attrs: group, metric, base_points (used),
        mean, variance. Indices are NaN when fewer than 2 base points are
        usable or the KPI does not vary."""
        if self.method != "saltelli":
            raise KouanFileError(f"{self.path}: a {self.method} design: Sobol indices need method = \"saltelli\"")
        if metric not in self.metrics:
            raise KouanFileError(f"{self.path}: no KPI metric '{metric}' (kept: {', '.join(self.metrics)})")
        k = len(self.factors)
        y = self.kpis(group=group)[metric].to_numpy().reshape(self.points, self.replications).mean(axis=1)
        n = self.points // (k + 2)
        blocks = y[:n * (k + 2)].reshape(k + 2, n)              # A, B, AB_1, ..., AB_k
        use = np.flatnonzero(np.all(np.isfinite(blocks), axis=0))
        s1, st, mean, var = _sobol_estimate(blocks, use)
        lo1 = hi1 = lot = hit = np.full(k, np.nan)
        if np.isfinite(var) and var > 0 and bootstrap > 0:
            rng = np.random.default_rng(seed)
            draws = [_sobol_estimate(blocks, use[rng.integers(0, len(use), len(use))]) for _ in range(bootstrap)]
            draws = [d for d in draws if d[3] > 0]
            if draws:
                b1, bt = np.array([d[0] for d in draws]), np.array([d[1] for d in draws])
                lo1, hi1 = np.quantile(b1, [0.025, 0.975], axis=0)
                lot, hit = np.quantile(bt, [0.025, 0.975], axis=0)
        df = pd.DataFrame({"factor": self.factors, "first_order": s1, "first_order_lo": lo1, "first_order_hi": hi1,
                           "total_order": st, "total_order_lo": lot, "total_order_hi": hit})
        df.attrs.update(group=group, metric=metric, base_points=int(len(use)), mean=mean, variance=var)
        return df


def _sobol_estimate(blocks, use):
    """(S_i, S_Ti, mean, variance) from the base points use of blocks
    (k + 2, N): the mean and variance over A and B, S_i = mean((f(B) - m)
    (f(AB_i) - f(A))) / V, S_Ti = mean((f(A) - f(AB_i))^2) / 2V; NaN
    indices when fewer than 2 base points or V is not positive."""
    k = blocks.shape[0] - 2
    if len(use) < 2:
        return np.full(k, np.nan), np.full(k, np.nan), np.nan, np.nan
    a, b, ab = blocks[0, use], blocks[1, use], blocks[2:, use]
    m = np.mean(np.r_[a, b])
    v = np.var(np.r_[a, b], ddof=1)
    if not v > 0:
        return np.full(k, np.nan), np.full(k, np.nan), m, v
    return np.mean((b - m) * (ab - a), axis=1) / v, np.mean((a - ab) ** 2, axis=1) / 2 / v, m, v
