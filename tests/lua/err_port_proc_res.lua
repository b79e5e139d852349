-- err_port_proc_res.lua — port_resource with a resource the port does not
-- have.
local base = import "port_small.lua"
return base:with {
  processes = {
    function()
      local r = port_resource("TST", "documnets") -- --> here
      request(r)
    end,
  },
}
