-- err_port_proc.lua — an error inside a process of a port scenario: the
-- run stops with this file and line and the process's traceback.
local base = import "port_small.lua"

local function inspect_notes(notes)
  return notes.count -- --> here
end

return base:with {
  processes = {
    function()
      hold(30)
      inspect_notes(nil)
    end,
  },
}
