-- err_port_import.lua — importing a module that does not exist.
local ports = import "portz" -- --> here
return ports
