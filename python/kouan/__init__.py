"""kouan: load the HDF5 files kouan writes as tidy pandas DataFrames.

    import kouan
    with kouan.open("results/henan-2017-s1-r5.h5") as f:   # a RunFile
        k = f.kpis()              # one row per replication x KPI group
        c = f.consignments()      # one row per consignment, dates as Timestamps

kouan.open(path) reads the file's kind from its root attributes and
returns a RunFile, SweepFile, CompareFile, ProcessRunFile or
UncertaintyFile; each has methods that return DataFrames, documented on
the class. What they share:

- units: every metric column has a unit in df.attrs["units"] (and the
  file's f.units): "h", "fraction", "CNY", "consignments", ...
  (kouan.units). Shares are fractions in [0, 1] everywhere, as in the
  files (kouan's printed tables show %);
- names: ports, flows, goods, resources, modes, directions, traders,
  alternatives, factors and groups are str, never bytes or codes; an
  all-ports KPI group has port "all ports" and mode "all", and every KPI
  group has the label column group ("TST air import", "all ports import");
- times: hours since 00:00 of the scenario's start_date (t, t_arrival,
  ...) and, in run files, the same as pandas Timestamps (time,
  time_arrival, ...; NaT: did not happen);
- no column is called flags (DataFrame.flags is pandas' own): the
  consignments' bit set is flag_bits, with one bool column per flag.

pandas.read_hdf cannot read these files (it reads PyTables files only);
h5py reads them too (docs/hdf5-schema.md).
"""
import os

import h5py

from . import units
from ._common import KouanFileError
from .compare import CompareFile
from .process import ProcessRunFile
from .run import RunFile
from .sweep import SweepFile
from .uncertainty import UncertaintyFile

__version__ = "0.1.0"

_BY_SCHEMA = {"kouan-compare": CompareFile, "kouan-process-run": ProcessRunFile,
              "kouan-uncertainty": UncertaintyFile}


def kind(h5):
    """The kind of an open h5py.File: "run", "sweep", "compare",
    "process-run" or "uncertainty"; None when kouan did not write it. The
    root attribute schema names compare, process-run and uncertainty
    files, kind = "kouan sweep" a sweep file; a run file has neither but
    start_date and schema_version."""
    schema = h5.attrs.get("schema")
    if schema is not None:
        cls = _BY_SCHEMA.get(schema.decode() if isinstance(schema, bytes) else str(schema))
        return cls.kind if cls else None
    k = h5.attrs.get("kind")
    if k is not None:
        return "sweep" if (k.decode() if isinstance(k, bytes) else str(k)) == "kouan sweep" else None
    if "start_date" in h5.attrs and "schema_version" in h5.attrs:
        return "run"
    return None


_CLASSES = {c.kind: c for c in (RunFile, SweepFile, CompareFile, ProcessRunFile, UncertaintyFile)}


def open(path):  # noqa: A001 (kouan.open, as the issue names it)
    """Opens a file kouan wrote and returns its object (RunFile, SweepFile,
    CompareFile, ProcessRunFile, UncertaintyFile), which closes the file
    at the end of a with block or on close(). Raises FileNotFoundError for
    a missing file and KouanFileError for one that is not HDF5 or not
    kouan's; warns (UserWarning) when the file says complete = 0."""
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    try:
        h5 = h5py.File(path, "r")
    except OSError as e:
        raise KouanFileError(f"{path}: not an HDF5 file ({e})") from None
    k = kind(h5)
    if k is None:
        h5.close()
        raise KouanFileError(f"{path}: not a file kouan wrote (no schema, kind or start_date attribute)")
    try:
        return _CLASSES[k](h5, path)
    except Exception:
        h5.close()
        raise


__all__ = ["open", "kind", "units", "KouanFileError", "RunFile", "SweepFile", "CompareFile", "ProcessRunFile",
           "UncertaintyFile"]
