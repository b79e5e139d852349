-- err_port_days.lua — opening hours on days that cannot be read.
local base = import "port_small.lua"
return base:with {
  ports = { { name = "TST", resources = { inspection = { capacity = false,
    hours = { { days = "Mon-Fry", -- --> here
                from = "08:00", to = "17:00", capacity = 2 } } } } } },
}
