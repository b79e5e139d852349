-- cycle_b.lua — see cycle_a.lua.
return import "cycle_a.lua"
