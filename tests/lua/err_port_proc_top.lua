-- err_port_proc_top.lua — process(...) at the top level of a port scenario
-- would never run (the host's simulation does not run for a port
-- scenario): refused, pointing at processes = {...}.
local base = import "port_small.lua"
process(function() hold(1) end)
return base
