-- err_port_range.lua — a value out of its range: the message gives the
-- allowed range and the value, at the line where it is written.
local base = import "port_small.lua"
return base:with {
  ports = { { name = "TST",
    scan_clear_prob = 1.5, -- --> here
  } },
}
