-- A process resumed by hand (coroutine.resume) instead of by the
-- simulation: the hand resume fails, and the run stops when the
-- simulation finds the process gone.
local victim
process(function() --> here
  victim = coroutine.running()
  hold(5)
end)
process(function()
  hold(1)
  local good, err = coroutine.resume(victim)
  print(good, err)
end)
