-- err_port_dist.lua — an unknown distribution family: the message names
-- the nearest family and lists the known ones.
local base = import "port_small.lua"
return base:with {
  ports = { { name = "TST",
    prep_time = {"lognorm", mean = 6, cv = 0.8}, -- --> here
  } },
}
