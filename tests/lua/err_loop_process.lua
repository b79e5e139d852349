-- An endless loop inside a process (after it has waited once) stops at the
-- instruction budget, with the process's traceback.
process(function()
  hold(1)
  local x = 0
  while x >= 0 do x = (x + 1) % 7 end --> here
end)
