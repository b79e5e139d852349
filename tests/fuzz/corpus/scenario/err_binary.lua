-- load() of precompiled bytecode at the top level is refused; asserting on
-- the result makes the refusal an error with this file's line.
local f, err = load("\27LuaT\0\25\147\13\10\26\10\4\8\8")
assert(f, err) --> here
