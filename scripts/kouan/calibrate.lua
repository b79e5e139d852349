-- calibrate.lua — the calibration{} constructor of calibration files
-- (`kouan calibrate`, docs/calibration.md): marks the table as a
-- calibration. Every field is checked by the reader (core/lua/cal_file.c),
-- which names the nearest valid key of a misspelt one.
local M = {}
local marker = {}

function M.calibration(t)
  if type(t) ~= "table" then
    error("calibration{...} takes a table (got " .. type(t) .. ")", 2)
  end
  return setmetatable(t, { kouan_calibration = marker })
end

return M
