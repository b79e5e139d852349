-- A scenario table that contains itself: refused with the path, not a stack overflow.
local s = scenario { name = "cycle", start_date = "2017-01-02", horizon_days = 2, ports = {} }
s.ports = s
return s
