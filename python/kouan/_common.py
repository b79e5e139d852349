"""What every kind of kouan file shares: decoding names, units, groups,
dates, and the base class of the file objects."""
import warnings

import h5py
import numpy as np
import pandas as pd

from . import units as _units

MODE_NAMES = ("air", "rail", "road")
DIRECTION_NAMES = ("import", "export")
ALL_MODES = "all"        # the mode of an all-ports group (-1 in the files)
ALL_PORTS = "all ports"  # the port of an all-ports group


class KouanFileError(ValueError):
    """A file that is not one kouan wrote, or one that is damaged."""


def text(x):
    """x as a str: bytes are decoded as UTF-8; numpy strings made plain."""
    if isinstance(x, (bytes, np.bytes_)):
        return bytes(x).decode("utf-8")
    return str(x)


def texts(a):
    """A sequence of bytes or str (an HDF5 string dataset or attribute) as
    a list of str."""
    return [text(x) for x in np.asarray(a).ravel()]


def attrs(obj):
    """The HDF5 attributes of obj as a dict with plain Python values:
    strings decoded, scalars as int/float, arrays of strings as lists."""
    out = {}
    for k, v in obj.attrs.items():
        if isinstance(v, (bytes, np.bytes_, str)):
            out[k] = text(v)
        elif isinstance(v, np.ndarray):
            out[k] = texts(v) if v.dtype.kind in "OSU" else v.tolist()
        elif isinstance(v, np.generic):
            out[k] = v.item()
        else:
            out[k] = v
    return out


def mode_name(m):
    """A kou_mode number as its name; -1 (every mode) as "all"."""
    return ALL_MODES if m < 0 else MODE_NAMES[m]


def group_label(port, mode, direction):
    """The label of a KPI group, as sweep files write it: "PORT MODE
    DIRECTION" for a port's group, "all ports DIRECTION" for the others."""
    if port == ALL_PORTS or mode == ALL_MODES:
        return f"{ALL_PORTS} {direction}"
    return f"{port} {mode} {direction}"


def hours_to_time(start, hours):
    """Hours since 00:00 of start (a pandas Timestamp) as datetime64[ns]
    values, rounded to the microsecond (the hours column keeps the exact
    value); NaN hours (did not happen) become NaT."""
    h = np.asarray(hours, dtype="float64").ravel()
    finite = np.isfinite(h)
    us = np.zeros(h.shape, dtype=np.int64)
    us[finite] = np.round(h[finite] * 3.6e9).astype(np.int64)
    out = np.datetime64(start.to_datetime64(), "ns") + us.astype("timedelta64[us]").astype("timedelta64[ns]")
    out[~finite] = np.datetime64("NaT")
    return out


def start_date(yyyymmdd):
    """A start_date attribute (YYYYMMDD, an int) as a pandas Timestamp."""
    return pd.Timestamp(str(int(yyyymmdd)))


def finish(df, unit_map):
    """df with df.attrs["units"] set: the unit of every column unit_map
    names that df has. Returns df."""
    df.attrs["units"] = {c: u for c, u in unit_map.items() if c in df.columns}
    return df


def metric_frame(values, metrics, index):
    """A DataFrame of the metrics (columns, in the file's order) for the
    rows index describes: values is float64 (N, M), index a dict of
    column -> N values put first."""
    df = pd.DataFrame(index)
    vals = pd.DataFrame(np.asarray(values, dtype="float64"), columns=list(metrics))
    return pd.concat([df.reset_index(drop=True), vals], axis=1)


class KouanFile:
    """Base of every file object kouan.open returns. Holds the open
    h5py.File (h5, for anything this package does not wrap), closes it
    on close() or at the end of a with block.

    kind        "run", "sweep", "compare", "process-run" or "uncertainty"
    path        the file's path
    attrs       the root attributes, decoded (dict)
    complete    whether the file says complete = 1 (a killed or failed
                command leaves 0; the rows there are what was written)
    units       column -> unit of every metric this file's DataFrames
                carry (each DataFrame also has its own df.attrs["units"])
    """

    kind = None

    def __init__(self, h5, path):
        self.h5 = h5
        self.path = path
        self.attrs = attrs(h5)
        self.complete = int(self.attrs.get("complete", 0)) == 1
        if not self.complete:
            warnings.warn(f"{path}: complete = 0: the file holds what was written before its command "
                          "stopped", stacklevel=3)
        self.units = {}

    def close(self):
        """Closes the HDF5 file (the DataFrames already made stay)."""
        self.h5.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<kouan {self.kind} file {self.path!r}>"

    def _dataset(self, name):
        if name not in self.h5:
            raise KouanFileError(f"{self.path}: no /{name} (a damaged file, or not a {self.kind} file)")
        return self.h5[name]

    def _kpi_units(self, metrics):
        return {m: _units.KPI_UNITS.get(m, "") for m in metrics}
