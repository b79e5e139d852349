-- err_monitor_record.lua — m:record on a level monitor, inside a process
-- (check_process_run.py).
local level = monitor{"stock", kind = "level"}
process(function()
  hold(1)
  level:record(3) -- the error is here
end)
