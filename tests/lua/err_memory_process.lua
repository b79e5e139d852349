-- Memory that grows step by step inside a process, until the limit.
process(function()
  local parts = {}
  local s = string.rep("y", 1024)
  while true do
    parts[#parts + 1] = s .. #parts --> here
    if #parts % 1000 == 0 then hold(1) end
  end
end)
