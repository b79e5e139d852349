"""Run files: `kouan run` of a port scenario (docs/hdf5-schema.md, "The
run file")."""
import numpy as np
import pandas as pd

from . import units as U
from ._common import (ALL_PORTS, DIRECTION_NAMES, MODE_NAMES, KouanFile, finish, group_label,
                      hours_to_time, metric_frame, mode_name, start_date, text, texts)


class RunFile(KouanFile):
    """A run file (all the replications of one `kouan run`).

    start_date      hour 0 as a pandas Timestamp (00:00 of the scenario's
                    start_date); every "t" in hours becomes a "time" from it
    replications    replications in the file
    metrics         the KPI names, in the file's order (/summary)

    DataFrames: kpis() (per group x replication), kpi_summary() (the
    table's mean and half-width), resources(), consignments(),
    carriers(), handling_units(), timeseries(), parameters(), and the
    layout tables ports(), flows(), goods(), resource_layout().
    """

    kind = "run"

    def __init__(self, h5, path):
        super().__init__(h5, path)
        self.start_date = start_date(self.attrs["start_date"])
        self.replications = int(self.attrs.get("replications", 0))
        s = self.h5["summary"] if "summary" in self.h5 else None
        self.metrics = texts(s.attrs["metric_names"]) if s is not None else list(U.KPI_UNITS)
        self.units.update(self._kpi_units(self.metrics))
        self.units.update(U.RESOURCE_UNITS)
        self.units.update(U.CONSIGNMENT_UNITS)
        self.units.update(U.TIMESERIES_UNITS)

    # ---- /summary ----

    def groups(self):
        """The KPI groups of /summary/groups: port, port_index, mode,
        direction (names; mode "all" and port "all ports" for the
        all-ports groups) and group, the label sweep files use
        ("TST air import", "all ports import")."""
        g = self._dataset("summary/groups")[...]
        port = [text(p) for p in g["port"]]
        mode = [mode_name(int(m)) for m in g["mode"]]
        direction = [DIRECTION_NAMES[int(d)] for d in g["direction"]]
        return pd.DataFrame({
            "group": [group_label(p, m, d) for p, m, d in zip(port, mode, direction)],
            "port": port, "port_index": g["port_index"].astype(int), "mode": mode, "direction": direction,
        })

    def kpis(self):
        """One row per replication x KPI group: replication, seed, the
        group columns of groups(), then one column per metric (units in
        df.attrs["units"]: h, fraction, CNY, consignments). From
        /summary/group_values; NaN where undefined (no consignments)."""
        v = self._dataset("summary/group_values")[...]          # (R, G, M)
        R, G, M = v.shape
        g = self.groups()
        idx = {"replication": np.repeat(np.arange(R), G),
               "seed": np.repeat(int(self.attrs["seed"]) + np.arange(R), G)}
        for c in g.columns:
            idx[c] = np.tile(g[c].to_numpy(), R)
        return finish(metric_frame(v.reshape(R * G, M), self.metrics, idx), self.units)

    def kpi_summary(self):
        """The KPI table kouan prints, one row per group x metric: the
        group columns, metric, unit, label (the table's row name), mean
        over replications and Student-t 95 % half_width (NaN with one
        replication). From /summary/across. Shares are fractions (the
        printed table shows %)."""
        a = self._dataset("summary/across")[...]                 # (G, M, 2)
        G, M, _ = a.shape
        g = self.groups()
        df = g.loc[np.repeat(np.arange(G), M)].reset_index(drop=True)
        df["metric"] = self.metrics * G
        df["unit"] = [U.KPI_UNITS.get(m, "") for m in df["metric"]]
        df["label"] = [U.KPI_LABELS.get(m, m) for m in df["metric"]]
        df["mean"] = a[:, :, 0].ravel()
        df["half_width"] = a[:, :, 1].ravel()
        return df

    def resources(self):
        """One row per replication x resource: replication, port,
        port_index, resource, then capacity_mean (servers), utilisation
        (fraction), mean_queue (requests), mean_wait (h), served. From
        /summary/resource_values."""
        v = self._dataset("summary/resource_values")[...]        # (R, NR, MR)
        R, N, M = v.shape
        r = self._dataset("summary/resources")[...]
        names = texts(self.h5["summary"].attrs["resource_metric_names"])
        idx = {"replication": np.repeat(np.arange(R), N),
               "port": np.tile([text(p) for p in r["port"]], R),
               "port_index": np.tile(r["port_index"].astype(int), R),
               "resource": np.tile([text(n) for n in r["name"]], R)}
        return finish(metric_frame(v.reshape(R * N, M), names, idx), self.units)

    # ---- row tables ----

    def _names(self, ds, col, key):
        names = texts(ds.attrs[key])
        return np.asarray(names, dtype=object)[ds[col].astype(int)] if len(ds) else np.array([], dtype=object)

    def _port_names(self):
        return np.asarray([text(n) for n in self._dataset("layout/ports")[...]["name"]], dtype=object)

    def consignments(self):
        """One row per reported consignment (/consignments), the set the
        KPI table counts. Columns: replication, id, carrier_id, unit_id,
        port (name), port_index, flow and goods (names), flow_index,
        goods_index, mode, direction, trader (names), flag_bits (the
        file's bit set, an int: never called "flags", which a DataFrame
        already has), one bool column per flag (advance, inspected,
        scanned, ... in the file's flag_bits order), every milestone t_X
        in hours and time_X as a Timestamp (NaN / NaT: did not happen),
        cost (CNY), and the clearance times of core/model/kpi.h in hours:
        overall, prep, customs, logistics, dwell."""
        ds = self._dataset("consignments")
        c = ds[...]
        ports = self._port_names()
        df = pd.DataFrame({"replication": c["replication"].astype(int), "id": c["id"],
                           "carrier_id": c["carrier_id"], "unit_id": c["unit_id"]})
        df["port"] = ports[c["port"].astype(int)] if len(c) else []
        df["port_index"] = c["port"].astype(int)
        df["flow"] = self._lookup("layout/flows", ("port", "flow"), c["port"], c["flow"])
        df["goods"] = self._lookup("layout/goods", ("port", "flow", "goods"), c["port"], c["flow"], c["goods"])
        df["flow_index"] = c["flow"].astype(int)
        df["goods_index"] = c["goods"].astype(int)
        df["mode"] = self._names(ds, "mode", "mode_names")
        df["direction"] = self._names(ds, "direction", "direction_names")
        df["trader"] = self._names(ds, "trader", "trader_names")
        bits = c["flags"].astype(np.int64)
        df["flag_bits"] = bits
        for i, name in enumerate(texts(ds.attrs["flag_bits"])):
            df[name] = (bits >> i) & 1 == 1
        times = [n for n in c.dtype.names if n.startswith("t_")]
        for n in times:
            df[n] = c[n]
        for n in times:
            df["time_" + n[2:]] = hours_to_time(self.start_date, c[n])
        df["cost"] = c["cost"]
        df["overall"] = c["t_released"] - c["t_arrival"]
        df["prep"] = np.maximum(0.0, c["t_declared"] - c["t_arrival"])
        df["customs"] = c["t_released"] - np.maximum(c["t_arrival"], c["t_declared"])
        df["logistics"] = c["t_gate_out"] - c["t_released"]
        df["dwell"] = c["t_gate_out"] - c["t_arrival"]
        units = dict(self.units, **{n: "h since start_date" for n in times})
        return finish(df, units)

    def _lookup(self, layout, keys, *cols):
        """The names of the layout rows matching the key columns cols."""
        lay = self._dataset(layout)[...]
        table = {tuple(int(row[k]) for k in keys): text(row["name"]) for row in lay}
        return np.asarray([table.get(k, "") for k in zip(*(np.asarray(c).astype(int).tolist() for c in cols))],
                          dtype=object)

    def _carrier_like(self, name, time_cols):
        ds = self._dataset(name)
        c = ds[...]
        df = pd.DataFrame({n: c[n] for n in c.dtype.names})
        df["port_index"] = df.pop("port").astype(int)
        df.insert(2, "port", self._port_names()[df["port_index"]] if len(c) else [])
        df["flow_index"] = df.pop("flow").astype(int)
        df.insert(3, "flow", self._lookup("layout/flows", ("port", "flow"), c["port"], c["flow"]))
        df["mode"] = self._names(ds, "mode", "mode_names")
        df["direction"] = self._names(ds, "direction", "direction_names")
        df["replication"] = df["replication"].astype(int)
        for n in time_cols:
            df["time_" + n] = hours_to_time(self.start_date, c[n])
        return finish(df, dict(self.units, **{n: "h since start_date" for n in time_cols}))

    def carriers(self):
        """One row per reported carrier (/carriers): replication, id, port,
        flow (names), port_index, flow_index, mode, direction, units,
        consignments, scheduled / actual / done in hours and as
        time_scheduled, time_actual, time_done Timestamps."""
        return self._carrier_like("carriers", ("scheduled", "actual", "done"))

    def handling_units(self):
        """One row per unit (ULD, wagon, truck) of a reported carrier
        (/units; named so beside the units mapping): as carriers(), with
        arrival and done (hours, and time_arrival, time_done)."""
        return self._carrier_like("units", ("arrival", "done"))

    def timeseries(self):
        """One row per resource sample (/timeseries): replication, t
        (hours), time (Timestamp), port (name), port_index, resource (name),
        queue (requests waiting), busy (servers held), capacity (servers
        open; 0 while closed)."""
        ts = self._dataset("timeseries")[...]
        lay = self._dataset("layout/resources")[...]
        rnames = np.asarray([text(n) for n in lay["name"]], dtype=object)
        df = pd.DataFrame({"replication": ts["replication"].astype(int), "t": ts["t"],
                           "time": hours_to_time(self.start_date, ts["t"])})
        df["port"] = self._port_names()[ts["port"].astype(int)] if len(ts) else []
        df["port_index"] = ts["port"].astype(int)
        df["resource"] = rnames[ts["resource"].astype(int)] if len(ts) else []
        df["queue"] = ts["queue"].astype(np.int64)
        df["busy"] = ts["busy"].astype(int)
        df["capacity"] = ts["capacity"].astype(int)
        return finish(df, self.units)

    def parameters(self):
        """Every parameter as run (/parameters): path, value (NaN when not
        a number), text, unit (h, d, share, CNY, ...; "" when none)."""
        p = self._dataset("parameters")[...]
        return pd.DataFrame({"path": [text(x) for x in p["path"]], "value": p["value"],
                             "text": [text(x) for x in p["text"]], "unit": [text(x) for x in p["unit"]]})

    # ---- /layout ----

    def _layout(self, name):
        d = self._dataset("layout/" + name)[...]
        df = pd.DataFrame({n: ([text(x) for x in d[n]] if d.dtype[n].kind in "OS" else d[n]) for n in d.dtype.names})
        if "mode" in df:
            df["mode"] = [MODE_NAMES[int(m)] for m in df["mode"]]
        if "direction" in df:
            df["direction"] = [DIRECTION_NAMES[int(m)] for m in df["direction"]]
        return df

    def ports(self):
        """/layout/ports: port (index), mode, name, and name_zh (the
        scenario's name_zh of the port, the /layout attribute
        port_names_zh; "" when it gives none or the file predates it)."""
        df = self._layout("ports")
        zh = texts(self.h5["layout"].attrs["port_names_zh"]) if "port_names_zh" in self.h5["layout"].attrs else []
        df["name_zh"] = zh if len(zh) == len(df) else [""] * len(df)
        return df

    def flows(self):
        """/layout/flows: port, flow (indexes), mode, direction, name."""
        return self._layout("flows")

    def goods(self):
        """/layout/goods: port, flow, goods (indexes), name."""
        return self._layout("goods")

    def resource_layout(self):
        """/layout/resources: port, index_in_port, capacity (-1: follows
        opening hours), name; row i is timeseries' resource i."""
        return self._layout("resources")


__all__ = ["RunFile", "ALL_PORTS"]
