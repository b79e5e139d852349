-- provenance.lua — prints where the Henan scenario's values come from, for
-- the validation report: the `fitted` list of henan.lua (what was fitted,
-- to which published figure) and the reform levers of each era as set in
-- scripts/kouan/ports.lua (P.era; their sources are the calibration-table
-- rows cited there). Runs nothing.
--
--   kouan run scenarios/validation/provenance.lua --quiet

local henan = import "scenarios/henan.lua"
local P = import "ports"

for _, s in ipairs(henan.fitted) do print("fitted\t" .. s) end

local function show(v)
  if type(v) == "table" then
    if v[1] then
      local parts = {}
      for k, x in pairs(v) do
        if k ~= 1 then parts[#parts + 1] = k .. "=" .. string.format("%.4g", x) end
      end
      table.sort(parts)
      return v[1] .. "(" .. table.concat(parts, ", ") .. ")"
    end
    local parts = {}
    for k, x in pairs(v) do parts[#parts + 1] = k .. "=" .. show(x) end
    table.sort(parts)
    return table.concat(parts, ", ")
  elseif type(v) == "number" then
    return string.format("%.4g", v)
  end
  return tostring(v)
end

for _, year in ipairs({"2017", "2018", "2021"}) do
  local keys = {}
  for k in pairs(P.era[year]) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do print("era\t" .. year .. "\t" .. k .. "\t" .. show(P.era[year][k])) end
end
