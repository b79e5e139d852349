-- A process that returns while holding a server is an error.
local bay = resource{name = "bay", capacity = 2}
process(function() --> here
  request(bay)
  hold(1)
end)
