-- Hung kouan before setmetatable refused __gc: Lua 5.4 runs finalizers
-- with hooks off, so the instruction budget never stopped this loop
-- (found by tests/hardening/check_attacks.py).
setmetatable({}, {__gc = function() while true do end end})
collectgarbage()
