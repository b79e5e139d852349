-- One allocation past the memory limit.
local s = string.rep("x", 600 * 1024 * 1024) --> here
print(#s)
