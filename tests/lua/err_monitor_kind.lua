-- err_monitor_kind.lua — an unknown monitor kind (check_process_run.py).
local m = monitor{"queue", kind = "gauge"} -- the error is here
