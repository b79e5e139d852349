-- levers.lua — one reform lever at a time, for the sensitivity (tornado)
-- chart of the validation report: henan.lua's 2017 baseline with the
-- fields of ONE lever taken from the 2021 package, port by port, and
-- everything else (volumes, stage times, the other levers) left at 2017.
-- With the same seeds, the paired difference against lever=none is that
-- lever's own effect on 2017 traffic.
--
--   kouan run scenarios/validation/levers.lua --set lever=advance --reps 3
--
-- lever: none | advance | preparation | inspection | scan_first | certificates |
--        before_duty | before_lab | joint | h24 | apron | through | unloading
-- (scripts/validate.py lists what each one means in the report).

local henan = import "scenarios/henan.lua"

local LEVERS = {
  none = {},
  advance = {"advance_share", "advance_lead_hours"},
  preparation = {"prep_time"},
  inspection = {"inspect_prob"},
  scan_first = {"scan_first_share"},
  certificates = {"certs_per_consignment", "cert_time"},
  before_duty = {"release_before_duty"},
  before_lab = {"release_before_lab"},
  joint = {"joint_inspection"},
  h24 = {"resources.documents", "resources.inspection", "resources.ciq"},
  apron = {"apron_release"},
  through = {"through_clearance", "border_time"},
  unloading = {"unload_per_unit"},
}

local lever = param("lever", "none")
local fields = LEVERS[lever]
if fields == nil then
  local known = {}
  for k in pairs(LEVERS) do known[#known + 1] = k end
  table.sort(known)
  error("levers.lua: unknown lever '" .. lever .. "' (known: " .. table.concat(known, ", ") .. ")")
end

local function copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy(x) end
  return t
end

-- A resource replaces the 2017 one whole: absent calendar keys become
-- false, so that merging 7x24 {capacity = n} into office {hours = ...}
-- does not leave both.
local function whole_resource(r)
  if type(r) ~= "table" then return r end
  local t = copy(r)
  for _, k in ipairs({"capacity", "hours", "holidays", "workdays"}) do
    if t[k] == nil then t[k] = false end
  end
  return t
end

local by_name = {}
for _, p in ipairs(henan.eras["2021"].ports) do by_name[p.name] = p end

local changes = {}
for _, p in ipairs(henan.eras["2017"].ports) do
  local src, entry, any = by_name[p.name], {name = p.name}, false
  for _, f in ipairs(fields) do
    local res = f:match("^resources%.(.+)$")
    if res then
      if src.resources[res] ~= nil and p.resources[res] ~= nil then
        entry.resources = entry.resources or {}
        entry.resources[res] = whole_resource(src.resources[res])
        any = true
      end
    elseif src[f] ~= nil then
      entry[f] = copy(src[f])
      any = true
    end
  end
  if any then changes[#changes + 1] = entry end
end

if #changes == 0 then return henan end
return henan:with { eras = { ["2017"] = { ports = changes } } }
