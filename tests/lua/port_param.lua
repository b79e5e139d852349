-- port_param.lua — a port scenario that reads a parameter: --set days=N is
-- the parameter, any other --set is a path into the table.
local base = import "port_small.lua"
return base:with { horizon_days = param("days", 9) }
