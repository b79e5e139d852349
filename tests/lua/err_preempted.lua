-- A preempted holder that does not catch the interrupt fails at its hold.
local bay = resource{name = "bay", preemptive = true}
process(function()
  request(bay, {priority = 0})
  hold(10) --> here
  release(bay)
end)
process(function()
  hold(1)
  request(bay, {priority = 1})
  hold(1)
  release(bay)
end)
