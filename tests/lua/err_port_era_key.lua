-- err_port_era_key.lua — a misspelt key inside an era that is not the one
-- run: every era is checked, whichever runs.
local base = import "port_small.lua"
return base:with {
  eras = { ["2018"] = { ports = { { name = "TST",
    advance_shar = 0.5, -- --> here
  } } } },
}
