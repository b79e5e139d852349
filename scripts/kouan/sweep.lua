-- sweep.lua — the sweep{} constructor of design files (`kouan sweep`,
-- docs/sweep.md): marks the table as a sweep design. Every field is
-- checked by the design reader (core/lua/design_file.c), which names the nearest
-- valid key of a misspelt one.
local M = {}
local marker = {}

function M.sweep(t)
  if type(t) ~= "table" then
    error("sweep{...} takes a table (got " .. type(t) .. ")", 2)
  end
  return setmetatable(t, { kouan_sweep = marker })
end

return M
