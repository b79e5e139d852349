"""The units of what kouan's files hold, for the DataFrames of this package.

Conventions (the same in every DataFrame, as in the HDF5 files):
- times are hours ("h"); a point in time is also given as a pandas
  Timestamp (column time, or time_MILESTONE) where the file has a
  start_date;
- shares (rates, "released within"s, utilisation) are fractions in [0, 1]
  (unit "fraction"): multiply by 100 for the % that kouan's printed tables
  and CSV show;
- money is CNY;
- a paired % change (compare files: pct_change_*) is in "%": 100 times the
  relative change, not a share.

KPI_UNITS and KPI_LABELS follow core/model/kpi.c (the rows of the KPI
table: kou_kpi_metric_unit), RESOURCE_UNITS the resource table of a run
file's /summary.
"""

FRACTION = "fraction"

KPI_UNITS = {
    "count": "consignments",
    "overall_mean": "h",
    "overall_median": "h",
    "overall_p90": "h",
    "overall_p95": "h",
    "prep_mean": "h",
    "customs_mean": "h",
    "logistics_mean": "h",
    "dwell_mean": "h",
    "within_1h": FRACTION,
    "within_6h": FRACTION,
    "within_24h": FRACTION,
    "inspection_rate": FRACTION,
    "scan_rate": FRACTION,
    "manual_rate": FRACTION,
    "cost_mean": "CNY",
}

KPI_LABELS = {
    "count": "consignments",
    "overall_mean": "overall clearance time, mean",
    "overall_median": "overall clearance time, median",
    "overall_p90": "overall clearance time, p90",
    "overall_p95": "overall clearance time, p95",
    "prep_mean": "preparation (arrival->decl.)",
    "customs_mean": "customs (decl.->release)",
    "logistics_mean": "port logistics (release->out)",
    "dwell_mean": "total dwell (arrival->out)",
    "within_1h": "released within 1 h",
    "within_6h": "released within 6 h",
    "within_24h": "released within 24 h",
    "inspection_rate": "inspection rate",
    "scan_rate": "machine scan rate",
    "manual_rate": "manual inspection rate",
    "cost_mean": "cost per consignment",
}

# A run file's /summary/resource_values (kou_kpi_res_metric).
RESOURCE_UNITS = {
    "capacity_mean": "servers",
    "utilisation": FRACTION,
    "mean_queue": "requests",
    "mean_wait": "h",
    "served": "requests",
}

# Row tables of a run file.
CONSIGNMENT_UNITS = {"cost": "CNY", "overall": "h", "prep": "h", "customs": "h", "logistics": "h",
                     "dwell": "h"}
TIMESERIES_UNITS = {"t": "h", "queue": "requests", "busy": "servers", "capacity": "servers"}

# A process run's res:stats() names (lsim.c), containers' and stores'
# stats(); a name not here (a counter a later kouan adds) has unit "".
PROCESS_RESOURCE_UNITS = {
    "capacity": "servers", "utilisation": FRACTION, "mean_queue": "requests", "mean_wait": "h",
    "served": "requests", "granted": "requests", "max_wait": "h", "mean_busy": "servers",
    "mean_wait_reneged": "h", "preempted": "requests", "reneged": "requests", "sd_wait": "h",
}
CONTAINER_UNITS = {
    "capacity": "amount", "mean_level": "amount", "min_level": "amount", "max_level": "amount",
    "level": "amount", "amount_put": "amount", "amount_got": "amount", "puts": "requests",
    "gets": "requests", "mean_put_wait": "h", "mean_get_wait": "h", "max_put_wait": "h",
    "max_get_wait": "h", "puts_waiting": "requests", "gets_waiting": "requests",
    "puts_cancelled": "requests", "gets_cancelled": "requests", "t": "h",
}
STORE_UNITS = dict(CONTAINER_UNITS, capacity="items", mean_size="items", max_size="items", size="items",
                   mean_stay="h")
for _k in ("mean_level", "min_level", "max_level", "level", "amount_put", "amount_got"):
    del STORE_UNITS[_k]


def label(metric):
    """The KPI table's label of metric, with its unit: "overall clearance
    time, mean [h]"; a name it does not know as itself."""
    u = KPI_UNITS.get(metric)
    return f"{KPI_LABELS.get(metric, metric)} [{u}]" if u else metric
