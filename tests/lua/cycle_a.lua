-- cycle_a.lua — imports cycle_b.lua, which imports this file back.
return import "cycle_b.lua"
