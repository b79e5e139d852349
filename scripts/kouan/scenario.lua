-- scenario.lua — what makes a table a port scenario, and the table surgery
-- done before the C side (core/lua/scenario.c) checks and converts it:
-- scenario{...}, s:with{...} (deep merge, lists of named entries merged by
-- name), picking an era (the era first, then the changes of every :with{},
-- so that a variant's changes win over its era), and --set PATH=VALUE.
--
-- Loaded by `kouan run` before the scenario file (core/lua/scenario.c),
-- in the same sandbox; it installs the global `scenario` and returns this
-- module table to the C side. Functions the C side calls return nil and a
-- message on a user error rather than raising, so that the message carries
-- no position inside this file.

local M = {}

local Scenario = {}
local meta = {__index = Scenario, __name = "kouan.Scenario"}

-- The changes of the :with{} calls a scenario was made by, oldest first
-- (a list never changed once made; absent for a scenario written as
-- scenario{...}). Keys are weak: a scenario's entry goes with it.
-- select_era merges them again over the era, so a variant's changes win
-- over the era it starts from.
local withs = setmetatable({}, {__mode = "k"})

-- Deep copy; metatables are kept (a copy of a scenario is a scenario).
-- A table shared by two places is copied twice, which is fine; a table
-- inside itself would recurse without end, so it is refused with its path.
local function copy(v, path, open)
  if type(v) ~= "table" then return v end
  open = open or {}
  path = path or "scenario"
  if open[v] then
    error(("%s: the scenario table contains itself here (a cycle)"):format(path), 0)
  end
  open[v] = true
  local t = {}
  for k, x in pairs(v) do t[k] = copy(x, path .. "." .. tostring(k), open) end
  open[v] = nil
  local m = getmetatable(v)
  if type(m) == "table" then setmetatable(t, m) end
  withs[t] = withs[v]
  return t
end

-- A non-empty array whose entries are all tables with a string name:
-- ports, flows, goods. Such lists merge entry by entry, by name.
local function named_list(t)
  if type(t) ~= "table" or rawget(t, 1) == nil then return false end
  for k, v in pairs(t) do
    if math.type(k) ~= "integer" or type(v) ~= "table" or type(rawget(v, "name")) ~= "string" then
      return false
    end
  end
  return true
end

-- Merges src into dst (which the caller owns: a fresh copy). Maps merge
-- key by key; two named lists merge by name (an unknown name is appended);
-- anything else, arrays and distribution tables ({"lognormal", ...}, whose
-- [1] is set) included, is replaced by a copy of src's value.
local function merge(dst, src)
  for k, v in pairs(src) do
    local d = rawget(dst, k)
    if type(v) == "table" and type(d) == "table" then
      if named_list(v) and named_list(d) then
        for _, e in ipairs(v) do
          local found = nil
          for i, de in ipairs(d) do
            if de.name == e.name then found = i; break end
          end
          if found then merge(d[found], e) else d[#d + 1] = copy(e) end
        end
      elseif rawget(v, 1) == nil and rawget(d, 1) == nil then
        merge(d, v)
      else
        rawset(dst, k, copy(v))
      end
    else
      rawset(dst, k, copy(v))
    end
  end
  return dst
end

function Scenario:with(changes)
  if getmetatable(self) ~= meta then
    error("with: call it as s:with{...} on a scenario", 2)
  end
  if type(changes) ~= "table" then
    error("with: expected a table of changes, got " .. type(changes), 2)
  end
  local s2 = merge(copy(self), changes)
  local list = {}
  for i, c in ipairs(withs[self] or {}) do list[i] = c end
  list[#list + 1] = copy(changes, "with")
  withs[s2] = list
  return s2
end

-- scenario{...}: marks the table (no copy) as a scenario.
function M.scenario(t)
  if type(t) ~= "table" then
    error("scenario: expected a table, got " .. type(t), 2)
  end
  return setmetatable(t, meta)
end

function M.is_scenario(t)
  return type(t) == "table" and getmetatable(t) == meta
end

M.copy, M.merge, M.named_list = copy, merge, named_list

local function sorted_keys(t)
  local ks = {}
  for k in pairs(t) do ks[#ks + 1] = tostring(k) end
  table.sort(ks)
  return ks
end

-- The scenario with era E merged in (E nil: the scenario's own `era`;
-- neither: the base table, unchanged), then the changes of its :with{}
-- calls merged again, in order: the era never overwrites a variant's
-- change. Returns s2, era or nil, message.
function M.select_era(s, era, from_command_line)
  local eras = rawget(s, "eras")
  local chosen = era
  if chosen == nil then chosen = rawget(s, "era") end
  if chosen == nil then return copy(s), nil end
  local where = from_command_line and "--era " .. tostring(chosen) or "era '" .. tostring(chosen) .. "'"
  if type(eras) ~= "table" or next(eras) == nil then
    return nil, where .. ": the scenario has no eras"
  end
  local e = eras[chosen]
  if e == nil and tonumber(chosen) then e = eras[tonumber(chosen)] end
  if e == nil then
    return nil, string.format("%s: unknown era (known: %s)", where, table.concat(sorted_keys(eras), ", "))
  end
  if type(e) ~= "table" then
    return nil, string.format("eras.%s must be a table of changes (got a %s)", tostring(chosen), type(e))
  end
  local s2 = merge(copy(s), e)
  for _, c in ipairs(withs[s] or {}) do merge(s2, c) end
  rawset(s2, "era", tostring(chosen))
  return s2, tostring(chosen)
end

-- Sets the value at a dotted path (names select entries of named lists;
-- missing tables on the way are created, so the schema check reports a
-- misspelt key with the nearest valid one). text becomes a boolean
-- (true/false), a number, or stays a string; a field that holds a string
-- keeps the text as a string. Returns true, or nil, message, bad_key,
-- candidates (for "did you mean").
function M.set(s, path, text)
  local keys = {}
  for part in (path .. "."):gmatch("([^.]*)%.") do keys[#keys + 1] = part end
  local t = s
  for i = 1, #keys do
    local k = keys[i]
    local last = i == #keys
    local here = table.concat(keys, ".", 1, i)
    if k == "" then return nil, "empty key in the path" end
    if named_list(t) then
      local entry, names = nil, {}
      for _, e in ipairs(t) do
        names[#names + 1] = e.name
        if e.name == k then entry = e end
      end
      if entry == nil then
        return nil, string.format("%s: no entry named '%s'", here, k), k, names
      end
      if last then return nil, here .. ": cannot replace a whole entry; set one of its fields" end
      t = entry
    else
      local key = k
      if math.tointeger(tonumber(k)) and rawget(t, k) == nil then key = math.tointeger(tonumber(k)) end
      local v = rawget(t, key)
      if last then
        local old = v
        local nv
        if type(old) == "string" then
          nv = text
        elseif text == "true" then
          nv = true
        elseif text == "false" then
          nv = false
        elseif tonumber(text) ~= nil then
          nv = tonumber(text)
        elseif type(old) == "boolean" or type(old) == "number" then
          return nil, string.format("%s must be a %s (got '%s')", here, type(old), text)
        else
          nv = text
        end
        rawset(t, key, nv)
        return true
      end
      if v == nil then
        v = {}
        rawset(t, key, v)
      elseif type(v) ~= "table" then
        return nil, string.format("%s is a %s, not a table: cannot set %s", here, type(v), path)
      end
      t = v
    end
  end
  return true
end

return M
