return (import "scenarios/cgo_air.lua"):with { horizon_days = 30, era = "2021" }
