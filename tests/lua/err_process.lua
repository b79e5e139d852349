-- A runtime error two calls deep inside a process: the report must carry
-- the line of the error and a traceback through the process's own stack.
local desk = resource{name = "desk", capacity = 1}

local function inspect(consignment)
  return consignment.weight * 2 --> here
end

process(function()
  request(desk)
  hold(0.5)
  inspect(nil) --> caller
  release(desk)
end)
