"""Process-run files: `kouan run --reps R` of a process-style scenario
(docs/hdf5-schema.md, "Process runs"). Such a scenario has no calendar
(no start_date): its times stay simulated hours, with no time column."""
import numpy as np
import pandas as pd

from . import units as U
from ._common import KouanFile, finish, metric_frame, texts


class ProcessRunFile(KouanFile):
    """A process run: replications of a scenario written with processes.

    replications    R
    resources, monitors, containers, stores
                    the names, in creation order

    DataFrames: replication_info(), resource_stats(), resource_series(),
    monitor_stats(), monitor_series(), container_stats(),
    container_series(), store_stats(), store_series(). The statistics are
    one row per replication x object, one column per statistic (the
    names stats() gives, units in df.attrs["units"]; "" for a statistic
    this package does not know); the series one row per sample.
    """

    kind = "process-run"

    def __init__(self, h5, path):
        super().__init__(h5, path)
        self.replications = int(self.attrs["replications"])
        self.resources = texts(self._dataset("resource_names")[()])
        self.monitors = texts(self._dataset("monitor_names")[()])
        self.containers = texts(self.h5["containers/names"][()]) if "containers" in self.h5 else []
        self.stores = texts(self.h5["stores/names"][()]) if "stores" in self.h5 else []
        self.units.update(U.PROCESS_RESOURCE_UNITS)
        self.units.update({"t": "h", "end_time": "h", "queue": "requests", "busy": "servers"})

    def replication_info(self):
        """One row per replication: replication, seed, events (kernel events
        fired), end_time (simulated hours)."""
        return finish(pd.DataFrame({
            "replication": np.arange(self.replications),
            "seed": self._dataset("replication_seed")[()], "events": self._dataset("replication_events")[()],
            "end_time": self._dataset("replication_end_time")[()]}), self.units)

    def _stats(self, stats, names, columns, what, units):
        v = self._dataset(stats)[()]                                # (R, N, C)
        R, N, C = v.shape
        idx = {"replication": np.repeat(np.arange(R), N), what: np.tile(np.asarray(names, dtype=object), R)}
        return finish(metric_frame(v.reshape(R * N, C), texts(self._dataset(columns)[()]), idx), units)

    def _series(self, series, index, names, columns, what, units):
        s = self._dataset(series)[()]
        ix = self._dataset(index)[()]                               # (R, N, 2)
        parts = []
        for r in range(ix.shape[0]):
            for i, name in enumerate(names):
                first, n = int(ix[r, i, 0]), int(ix[r, i, 1])
                part = pd.DataFrame(s[first:first + n], columns=columns)
                part.insert(0, what, name)
                part.insert(0, "replication", r)
                parts.append(part)
        df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["replication", what] + columns)
        return finish(df, units)

    def resource_stats(self):
        """One row per replication x resource: replication, resource, then
        capacity, utilisation (fraction), mean_queue, mean_wait (h),
        served, and every other statistic res:stats() gives."""
        return self._stats("resource_stats", self.resources, "resource_columns", "resource", self.units)

    def resource_series(self):
        """The resources sampled every sample_hours: replication, resource,
        t (h), queue (requests waiting), busy (servers held)."""
        return self._series("resource_series", "resource_series_index", self.resources,
                            ["t", "queue", "busy"], "resource", self.units)

    def monitor_stats(self):
        """One row per replication x monitor: replication, monitor, kind
        (tally or level), n, mean, sd, min, max (in the monitor's own
        unit, which the file does not record)."""
        df = self._stats("monitor_stats", self.monitors, "monitor_columns", "monitor", {})
        kinds = dict(zip(self.monitors, texts(self._dataset("monitor_kinds")[()])))
        df.insert(2, "kind", [kinds[m] for m in df["monitor"]])
        return df

    def monitor_series(self):
        """Every monitor's records: replication, monitor, t (h), value."""
        return self._series("monitor_series", "monitor_series_index", self.monitors, ["t", "value"], "monitor",
                            {"t": "h"})

    def _kind_stats(self, group, names, what, units):
        if group not in self.h5:   # written before containers and stores were recorded
            return pd.DataFrame(columns=["replication", what])
        return self._stats(group + "/stats", names, group + "/columns", what, units)

    def _kind_series(self, group, names, what, units):
        if group not in self.h5:
            return pd.DataFrame(columns=["replication", what, "t"])
        cols = texts(self._dataset(group + "/series_columns")[()])
        return self._series(group + "/series", group + "/series_index", names, cols, what, units)

    def container_stats(self):
        """One row per replication x container: replication, container,
        then capacity, mean_level, ... as stats() names them."""
        return self._kind_stats("containers", self.containers, "container", U.CONTAINER_UNITS)

    def container_series(self):
        """Containers sampled on the resources' grid: replication,
        container, t (h), level, puts_waiting, gets_waiting."""
        return self._kind_series("containers", self.containers, "container", U.CONTAINER_UNITS)

    def store_stats(self):
        """One row per replication x store: replication, store, then
        capacity (inf: no bound), mean_size, ... as stats() names them."""
        return self._kind_stats("stores", self.stores, "store", U.STORE_UNITS)

    def store_series(self):
        """Stores sampled on the resources' grid: replication, store, t (h),
        size, puts_waiting, gets_waiting."""
        return self._kind_series("stores", self.stores, "store", U.STORE_UNITS)
