-- err_port_type.lua — a value of the wrong type (a string for a number).
local base = import "port_small.lua"
return base:with {
  ports = { { name = "TST", flows = { { name = "freighter", goods = { { name = "fresh",
    duty_prob = "often", -- --> here
  } } } } } },
}
