-- test_sandbox.lua — the sandbox as a scenario sees it (host.h). Run by
-- `kouan run test_sandbox.lua --quiet`; prints TAP.

local n, failed = 0, 0
local function ok(cond, name, diag)
  n = n + 1
  if not cond then failed = failed + 1 end
  print(string.format("%s %d - %s", cond and "ok" or "not ok", n, name))
  if not cond and diag then print("# " .. tostring(diag)) end
end
local function raises(fn, pattern, name)
  local good, err = pcall(fn)
  ok(not good and tostring(err):find(pattern, 1, true) ~= nil, name, err)
end

-- absent libraries and functions
for _, name in ipairs{"io", "debug", "package", "require", "dofile", "loadfile"} do
  ok(rawget(_G, name) == nil, name .. " is absent")
end
ok(string.dump == nil, "string.dump is absent")
for _, name in ipairs{"execute", "exit", "getenv", "remove", "rename", "tmpname", "setlocale"} do
  ok(os[name] == nil, "os." .. name .. " is absent")
end
ok(type(os.clock) == "function" and type(os.time) == "function", "os.clock and os.time remain")
ok(type(coroutine.wrap) == "function" and type(utf8.char) == "function"
   and type(table.concat) == "function", "coroutine, utf8, table are open")

-- strict globals
raises(function() return io end, "undefined global 'io'", "reading io raises")
raises(function() return undefined_name end, "test_sandbox.lua:", "the error names the file")
raises(function() new_global_in_function = 1 end, "assignment to undeclared global 'new_global_in_function'",
       "creating a global inside a function raises")
declared_as_nil = nil -- declared at the top level, though nil
local assigned = pcall(function() declared_as_nil = 5 end)
ok(assigned and declared_as_nil == 5, "a global declared at the top level as nil may be assigned inside a function")
declared_at_top = nil
ok(pcall(function() return declared_at_top end), "a global assigned nil at the top level is declared")
counter = 0
local function bump() counter = counter + 1 end
bump()
ok(counter == 1, "a declared global can be updated inside functions")
rawset(_G, "on_purpose", 5)
ok(on_purpose == 5, "rawset(_G, ...) declares on purpose")
raises(function() setmetatable(_G, nil) end, "protected metatable", "the strict metatable cannot be removed")
raises(function() setmetatable({}, {__gc = function() end}) end, "a __gc field is not allowed",
       "setmetatable refuses __gc (finalizers run outside the instruction budget)")
ok(getmetatable(setmetatable({}, {__index = {answer = 42}})).__index.answer == 42,
   "setmetatable without __gc works as in Lua")

-- load: text only
local bin = "\27LuaT\0\25\147\13\10\26\10\4\8\8\120\86\0\0\0\0\0\0\0\0\0\0\0\40\119\64\1"
local f, err = load(bin)
ok(f == nil and tostring(err):find("binary chunk", 1, true), "load refuses a binary chunk", err)
f, err = load(bin, "bin", "b")
ok(f == nil and tostring(err):find("binary chunk", 1, true), "load refuses bytecode even with mode 'b'", err)
f = load("return 1 + 1")
ok(f and f() == 2, "load compiles text")
local env = {}
f = load("x = 3", "chunk", "t", env)
f()
ok(env.x == 3, "load with an explicit environment")

-- math.random on the simulation's stream
local first = {}
math.randomseed(42)
for i = 1, 5 do first[i] = math.random(1, 1000) end
math.randomseed(42)
local same = true
for i = 1, 5 do same = same and math.random(1, 1000) == first[i] end
ok(same, "math.randomseed(k) replays the same draws")
local in_range = true
for _ = 1, 1000 do
  local x, k, m = math.random(), math.random(6), math.random(-3, 3)
  in_range = in_range and x > 0 and x < 1 and k >= 1 and k <= 6 and m >= -3 and m <= 3
    and math.type(k) == "integer"
end
ok(in_range, "math.random ranges as in Lua 5.4")
ok(math.type(math.random(0)) == "integer", "math.random(0) gives an integer")
raises(function() return math.random(5, 1) end, "interval is empty", "an empty interval raises")

-- the kouan table and parameters
ok(math.type(kouan.seed) == "integer", "kouan.seed is the master seed")
ok(kouan.script:find("test_sandbox.lua", 1, true) ~= nil, "kouan.script names this file")
ok(param("not_set", 3) == 3 and param("not_set_either", "x") == "x", "param() falls back to its default")
raises(function() param("required_one") end, "needs parameter 'required_one'", "a parameter without default is required")

print("1.." .. n)
