-- err_port_proc_stale.lua — a port_resource handle kept in a global past
-- its replication: using it in the next replication (run with --reps 2)
-- is a clear error, not a crash.
local base = import "port_small.lua"

kept = false -- declared here (strict globals), set by the process

return base:with {
  processes = {
    function()
      if kept then
        request(kept) -- --> here
      end
      kept = port_resource("TST", "documents")
      request(kept)
      hold(1)
      release(kept)
    end,
  },
}
