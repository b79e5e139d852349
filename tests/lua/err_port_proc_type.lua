-- err_port_proc_type.lua — processes must hold functions: a name is refused
-- with this file and line.
local base = import "port_small.lua"
return base:with {
  processes = { "training" }, -- --> here
}
