"""Uncertainty files: `kouan run|compare --uncertainty N`
(docs/uncertainty.md; docs/hdf5-schema.md, "Uncertainty files")."""
import numpy as np
import pandas as pd

from ._common import DIRECTION_NAMES, KouanFile, finish, group_label, metric_frame, mode_name, texts


class UncertaintyFile(KouanFile):
    """An uncertainty file: D draws of the priors x A alternatives x R
    replications.

    priors          the prior names (the columns of draws())
    alternatives    the labels (0: the baseline)
    metrics         the KPI names

    DataFrames: priors_table(), draws(), kpis(group=None).
    """

    kind = "uncertainty"

    def __init__(self, h5, path):
        super().__init__(h5, path)
        self.priors = texts(self._dataset("prior_name")[()])
        self.alternatives = texts(self._dataset("alternatives")[()])
        self.metrics = texts(self.h5.attrs["metric_names"])
        self.units.update(self._kpi_units(self.metrics))

    def priors_table(self):
        """One row per prior: name, shape, source, where (FILE:LINE), lo,
        hi, mode, mean, sd (NaN where the shape has none)."""
        p = self._dataset("prior_parameters")[()]
        df = pd.DataFrame({"name": self.priors, "shape": texts(self._dataset("prior_shape")[()]),
                           "source": texts(self._dataset("prior_source")[()]),
                           "where": texts(self._dataset("prior_where")[()])})
        for j, c in enumerate(("lo", "hi", "mode", "mean", "sd")):
            df[c] = p[:, j]
        return df

    def draws(self):
        """One row per draw: draw, then one column per prior (its value)."""
        df = pd.DataFrame(self._dataset("draws")[()], columns=self.priors)
        df.insert(0, "draw", np.arange(len(df)))
        return df

    def groups(self):
        """group, port, port_index, mode, direction, as the other kinds."""
        ports = texts(self._dataset("group_port")[()])
        modes = [mode_name(int(m)) for m in self._dataset("group_mode")[()]]
        dirs = [DIRECTION_NAMES[int(d)] for d in self._dataset("group_direction")[()]]
        return pd.DataFrame({"group": [group_label(p, m, d) for p, m, d in zip(ports, modes, dirs)],
                             "port": ports, "port_index": self._dataset("group_port_index")[()].astype(int),
                             "mode": modes, "direction": dirs})

    def kpis(self, group=None):
        """One row per draw x alternative x replication (x group when group
        is None): draw, alternative, alternative_index, replication, one
        column per prior (the draw's value), the group columns, then one
        column per metric. group: a label of groups()["group"] to keep."""
        v = self._dataset("values")[()]                          # (D, A, R, G, M)
        D, A, R, G, M = v.shape
        g = self.groups()
        if group is not None:
            gi = list(g["group"]).index(group)
            v, g, G = v[:, :, :, gi:gi + 1, :], g.iloc[[gi]].reset_index(drop=True), 1
        n = D * A * R * G
        d = np.repeat(np.arange(D), A * R * G)
        a = np.tile(np.repeat(np.arange(A), R * G), D)
        r = np.tile(np.repeat(np.arange(R), G), D * A)
        idx = {"draw": d, "alternative": np.asarray(self.alternatives, dtype=object)[a], "alternative_index": a,
               "replication": r}
        X = self._dataset("draws")[()]
        for j, p in enumerate(self.priors):
            idx[p] = X[d, j]
        if group is None:
            for c in g.columns:
                idx[c] = np.tile(g[c].to_numpy(), D * A * R)
        return finish(metric_frame(v.reshape(n, M), self.metrics, idx), self.units)
