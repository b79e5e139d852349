"""Compare files: `kouan compare` (docs/hdf5-schema.md, "Compare files")."""
import numpy as np
import pandas as pd

from . import units as U
from ._common import DIRECTION_NAMES, KouanFile, finish, group_label, metric_frame, mode_name, texts

VERDICT_NAMES = {0: "undecided", 1: "met", 2: "not met", 3: "no difference"}


class CompareFile(KouanFile):
    """A compare file: alternatives (0 the baseline) on common random
    numbers.

    alternatives    the labels, in order (0: the baseline)
    metrics         the KPI names, in the file's order
    replications    replications per alternative

    DataFrames: table() (group x alternative x metric: mean, half-width,
    paired difference and % change), kpis() (every run), verdicts(),
    groups().
    """

    kind = "compare"

    def __init__(self, h5, path):
        super().__init__(h5, path)
        self.alternatives = texts(self._dataset("alternatives")[()])
        self.metrics = texts(self._dataset("metrics")[()])
        self.replications = int(self.attrs.get("replications", 0))
        self.units.update(self._kpi_units(self.metrics))

    def groups(self):
        """The groups in the printed order: group (label, as sweep files
        write it), port ("all ports" or the name), port_zh (the port's
        name in Chinese as --lang zh shows it: the scenario's name_zh,
        else kouan's word, else the name; "" in files from before
        /group_port_zh), mode ("all" for every mode), direction."""
        ports = texts(self._dataset("group_port")[()])
        zh = texts(self.h5["group_port_zh"][()]) if "group_port_zh" in self.h5 else [""] * len(ports)
        modes = [mode_name(int(m)) for m in self._dataset("group_mode")[()]]
        dirs = [DIRECTION_NAMES[int(d)] for d in self._dataset("group_direction")[()]]
        return pd.DataFrame({"group": [group_label(p, m, d) for p, m, d in zip(ports, modes, dirs)],
                             "port": ports, "port_zh": zh, "mode": modes, "direction": dirs})

    def table(self):
        """One row per group x alternative x metric (the printed table,
        tidy): the group columns, alternative (label), alternative_index,
        metric, unit (the metric's: h, fraction, CNY, consignments),
        mean, half_width (Student-t 95 %), diff_mean, diff_half_width
        (paired difference vs alternative 0, in the metric's unit; NaN for
        alternative 0), pct_change_mean, pct_change_half_width (paired %
        change: 100 (alt - base) / base, in %)."""
        g = self.groups()
        A, G, M = len(self.alternatives), len(g), len(self.metrics)
        gi = np.repeat(np.arange(G), A * M)
        ai = np.tile(np.repeat(np.arange(A), M), G)
        mi = np.tile(np.arange(M), G * A)
        df = g.iloc[gi].reset_index(drop=True)
        df["alternative"] = np.asarray(self.alternatives, dtype=object)[ai]
        df["alternative_index"] = ai
        df["metric"] = np.asarray(self.metrics, dtype=object)[mi]
        df["unit"] = [U.KPI_UNITS.get(m, "") for m in df["metric"]]
        for name in ("mean", "half_width", "diff_mean", "diff_half_width", "pct_change_mean",
                     "pct_change_half_width"):
            df[name] = self._dataset(name)[()][ai, gi, mi]
        units = {"pct_change_mean": "%", "pct_change_half_width": "%"}
        df.attrs["units"] = units
        return df

    def kpis(self):
        """Every run: one row per alternative x replication x group:
        alternative, alternative_index, replication, seed, the group
        columns, then one column per metric (units in df.attrs["units"])."""
        v = self._dataset("values")[()]                          # (A, R, G, M)
        A, R, G, M = v.shape
        g = self.groups()
        seeds = self._dataset("seeds")[()]
        ai = np.repeat(np.arange(A), R * G)
        ri = np.tile(np.repeat(np.arange(R), G), A)
        idx = {"alternative": np.asarray(self.alternatives, dtype=object)[ai], "alternative_index": ai,
               "replication": ri, "seed": seeds[ai, ri].astype(np.int64)}
        for c in g.columns:
            idx[c] = np.tile(g[c].to_numpy(), A * R)
        return finish(metric_frame(v.reshape(A * R * G, M), self.metrics, idx), self.units)

    def verdicts(self):
        """One row per group x alternative: the verdicts on the overall
        clearance time targets, verdict_third (-1/3) and verdict_half
        (-1/2): "met", "not met", "undecided", "no difference" (the
        alternative's overall mean equals the baseline's), "baseline"
        (alternative 0)."""
        g = self.groups()
        A, G = len(self.alternatives), len(g)
        gi, ai = np.repeat(np.arange(G), A), np.tile(np.arange(A), G)
        df = g.iloc[gi].reset_index(drop=True)
        df["alternative"] = np.asarray(self.alternatives, dtype=object)[ai]
        df["alternative_index"] = ai
        for name in ("verdict_third", "verdict_half"):
            v = self._dataset(name)[()]
            df[name] = ["baseline" if a == 0 else VERDICT_NAMES.get(int(v[a, k]), str(v[a, k]))
                        for a, k in zip(ai, gi)]
        return df
