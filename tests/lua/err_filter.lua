-- A store get's filter that raises fails the process at its get.
local s = store{name = "box", kind = "filter"}
process(function()
  s:get(function(item) return item.size > 2 end) --> here
end)
process(function()
  hold(1)
  s:put(7)
end)
