-- A process must wait with hold or request, not with a bare yield.
process(function()
  coroutine.yield(5) --> here
end)
