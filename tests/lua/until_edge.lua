-- --until T: an event at exactly T does not run (as SimPy's run(until=T)),
-- one just before it does; the clock then reads T.
process(function()
  hold(9.5)
  print("ran at " .. now())
  hold(0.5)
  print("ran at " .. now())
end)
at_end(function() print("end at " .. now()) end)
