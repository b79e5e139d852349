-- cgo_air_short.lua — CGO's air cargo (scenarios/cgo_air.lua, every era)
-- with 8 weeks of arrivals instead of a year: the short mode of the
-- researcher's walkthrough (docs/researcher.md), so that its sweep runs in
-- CI in seconds. For results to publish, point the design at
-- scenarios/cgo_air.lua itself.
return (import "scenarios/cgo_air.lua"):with {horizon_days = 56}
