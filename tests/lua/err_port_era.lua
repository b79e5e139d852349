-- err_port_era.lua — the default era is not one of the eras.
local base = import "port_small.lua"
return base:with {
  era = "2019", -- --> here
}
