-- port_features.lua — the less common ways to write a port, for the
-- conversion tests (`kouan run port_features.lua --dump`): overnight and
-- wrapping opening hours, several departure times per entry, rates per
-- hour written out, stages on resources with other names, a bare-number
-- resource, and a switch from a fixed capacity to opening hours.
local base = import "port_small.lua"
local rates = {}
for h = 1, 168 do rates[h] = (h <= 24) and 1 or 0 end   -- Mondays only
return base:with {
  ports = { {
    name = "TST",
    resources = {
      night = { hours = { { days = "Fri", from = "22:00", to = "06:00", capacity = 3 },
                          { days = "weekends", from = "10:00", to = "12:00", capacity = 1 },
                          { days = "Sun-Mon", from = "13:00", to = "15:00", capacity = 2 } },
                workdays = { "2017-01-22" } },
      inspection = { capacity = false, hours = { { days = "Mon-Fri", from = "08:00", to = "17:00", capacity = 4 } } },
      yard = 3,
    },
    inspection = "night", apron = "yard", apron_release = true, gate = false,
    flows = {
      { name = "freighter", timetable = { { days = "Tue,Thu", at = { "06:00", "18:30" } } } },
      { name = "trucks out", rate = false, rate_per_hour = rates },
    },
  } },
}
