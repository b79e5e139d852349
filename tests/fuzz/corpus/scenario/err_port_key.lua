-- err_port_key.lua — a misspelt key in a :with{} change: the message names
-- this file and line, the key's path and the nearest valid key.
local base = import "port_small.lua"
return base:with {
  ports = { { name = "TST",
    advence_share = 0.3, -- --> here
  } },
}
