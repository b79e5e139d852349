local ok1 = pcall(function() return io.open("/etc/passwd") end)
local s = string.rep("ab", 100)
local t = setmetatable({}, {__index = function(t, k) return k end})
local f = load("return " .. t.x:upper():len())
local co = coroutine.wrap(function(a) while true do a = coroutine.yield(a + 1) end end)
x = co(1) + co(2) + #s:gsub("a", "%%") + f()
getmetatable("").__index = string
return nil
