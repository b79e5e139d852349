-- An interrupt the process does not catch fails it, at the wait.
local p = process(function()
  hold(10) --> here
end)
process(function()
  hold(1)
  p:interrupt("breakdown")
end)
