-- An endless loop at the top level stops at the instruction budget.
local i = 0
while true do i = i + 1 end --> here
