-- err_port_model.lua — a configuration only the model can refuse (a scan
-- share without a scanner): its message, prefixed with this file.
local base = import "port_small.lua"
return base:with {
  ports = { { name = "TST", scanner = false, scan_first_share = 0.5 } },
}
