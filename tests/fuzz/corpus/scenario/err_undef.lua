-- Reads an undefined global at the top level: the run must stop with
-- FILE:LINE and the variable's name.
local servers = 2
print(servers + serverz) --> here
