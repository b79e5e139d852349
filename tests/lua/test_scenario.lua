-- test_scenario.lua — scenario{}, s:with{} and import as a scenario sees
-- them (scripts/kouan/scenario.lua, core/lua/scenario.c). Run by
-- `kouan run test_scenario.lua --quiet`: a process-style file that prints
-- TAP and returns nothing.

local n, failed = 0, 0
local function ok(cond, name, diag)
  n = n + 1
  if not cond then failed = failed + 1 end
  print(string.format("%s %d - %s", cond and "ok" or "not ok", n, name))
  if not cond and diag ~= nil then print("# " .. tostring(diag)) end
end
local function raises(fn, pattern, name)
  local good, err = pcall(fn)
  ok(not good and tostring(err):find(pattern, 1, true) ~= nil, name, err)
end
local function port(s, name)
  for _, p in ipairs(s.ports) do if p.name == name then return p end end
end
local function flow(p, name)
  for _, f in ipairs(p.flows) do if f.name == name then return f end end
end

-- ---- import ----
local base = import "port_small.lua"
ok(type(base) == "table" and base.name == "small test port", "import of a scenario file returns its table")
ok(import "port_small.lua" == base, "a file is imported once per run (cached)")
ok(type(base.with) == "function", "a scenario has the method with")
raises(function() import "no_such_module" end, "import 'no_such_module': no module 'no_such_module'",
       "a missing module is named")
raises(function() import "scenaro" end, "did you mean 'scenario'?", "a misspelt module gets the nearest name")
raises(function() import "no_such_file.lua" end, "import 'no_such_file.lua': no such file",
       "a missing file is named")
raises(function() import "../lua/../../x y.lua" end, "no such file", "a bad path is refused, not crashed on")
raises(function() import "/etc/passwd.lua" end, "not an absolute one", "absolute paths are refused")
raises(function() import(42) end, "no module '42'", "import of a number")
raises(function() import "a-b" end, "a module name is letters, digits and '_'", "a module name with a dash")
raises(function() import "cycle_a.lua" end, "import cycle", "an import cycle is refused")
raises(function() import "cycle_b.lua" end, "import cycle", "a failed import leaves no mark: the same error again")
raises(function() import "test_scenario.lua" end, "import cycle ('", "importing the file being run is a cycle")
ok(import "./port_small.lua" == base, "one file by two paths is imported once")

-- ---- scenario{} ----
local s = scenario { name = "x", ports = {} }
ok(getmetatable(s) ~= nil and s.with ~= nil, "scenario{} marks the table")
raises(function() scenario(3) end, "scenario: expected a table, got number", "scenario wants a table")
raises(function() s.with(3) end, "call it as s:with{...}", "with must be called as a method")
raises(function() s:with(3) end, "expected a table of changes", "with wants a table")

-- ---- :with{} ----
local w = base:with {
  horizon_days = 20,
  ports = { { name = "TST", advance_share = 0.5,
              inspect_prob = { ordinary = 0.1 },
              prep_time = { "exponential", mean = 3 },
              flows = { { name = "freighter", consignments_per_unit = 5,
                          goods = { { name = "fresh", lab_prob = 0.5 }, { name = "minerals", share = 0.1 } } } } },
            { name = "NEW", mode = "rail" } },
}
local p, bp = port(w, "TST"), port(base, "TST")
ok(w.horizon_days == 20 and base.horizon_days == 9, "a top-level value is replaced, the base is untouched")
ok(p.advance_share == 0.5 and bp.advance_share == 0.1, "ports merge by name: one field changes")
ok(p.advance_lead_hours == 4 and p.mode == "air", "ports merge by name: the other fields stay")
ok(p.inspect_prob.ordinary == 0.1 and p.inspect_prob.discredited == 0.8, "maps merge key by key")
ok(p.prep_time[1] == "exponential" and p.prep_time.mean == 3 and p.prep_time.cv == nil,
   "a distribution table is replaced, not merged")
local f = flow(p, "freighter")
ok(f.consignments_per_unit == 5 and f.direction == "import", "flows merge by name")
ok(flow(p, "trucks out") ~= nil, "a flow not named in the change stays")
ok(#f.goods == 3 and f.goods[2].name == "fresh" and f.goods[2].lab_prob == 0.5 and f.goods[2].green_channel == true,
   "goods merge by name")
ok(f.goods[3].name == "minerals", "an unknown name is appended")
ok(#w.ports == 2 and w.ports[2].name == "NEW", "a new port is appended")
ok(#f.timetable == 2, "arrays without names are copied whole")
local t2 = base:with { ports = { { name = "TST", flows = { { name = "freighter",
  timetable = { { days = "Tue", at = "01:00" } } } } } } }
ok(#flow(port(t2, "TST"), "freighter").timetable == 1, "an array in the change replaces the array")
ok(getmetatable(w) == getmetatable(base), "the result of with is a scenario")
local w2 = w:with { name = "again" }
ok(w2.name == "again" and port(w2, "NEW") ~= nil, "with chains")
w2.ports[1].advance_share = 0.9
ok(port(w, "TST").advance_share == 0.5, "with deep-copies: changing the result leaves its source alone")

-- ---- eras and :with{}: the era first, then the variant's changes ----
local lib = import "scenario"
local E = scenario {
  name = "eras", start_date = "2017-01-02", horizon_days = 9, era = "2017",
  eras = {
    ["2017"] = { ports = { { name = "P", advance_share = 0.1 } } },
    ["2021"] = { horizon_days = 10,
                 ports = { { name = "P", advance_share = 1, inspect_prob = { ordinary = 0.02, aeo_general = 0.01 },
                             prep_time = { "fixed", 2 },
                             flows = { { name = "f", consignments_per_unit = 4, units_per_carrier = 7 } } } } },
  },
  ports = { { name = "P", advance_share = 0, inspect_prob = { ordinary = 0.5, aeo_general = 0.3 }, prep_time = 1,
              flows = { { name = "f", consignments_per_unit = 1, units_per_carrier = 2 } } } },
}
local V = E:with { ports = { { name = "P", advance_share = 0.4, inspect_prob = { ordinary = 0.3 },
                               prep_time = { "exponential", mean = 3 },
                               flows = { { name = "f", consignments_per_unit = 9 } } } } }
local function era_port(s, era)
  local s2, chosen = lib.select_era(s, era)
  return port(s2, "P"), s2, chosen
end
for _, era in ipairs({ "2017", "2021" }) do
  local p2, s2 = era_port(V, era)
  local pf = flow(p2, "f")
  ok(p2.advance_share == 0.4, "era " .. era .. ": a port field the variant changed wins over the era's (by name)")
  ok(p2.inspect_prob.ordinary == 0.3, "era " .. era .. ": a nested field the variant changed wins")
  ok(p2.prep_time[1] == "exponential" and p2.prep_time.mean == 3 and p2.prep_time[2] == nil,
     "era " .. era .. ": a distribution the variant gave wins, whole")
  ok(pf.consignments_per_unit == 9, "era " .. era .. ": a flow field the variant changed wins (flows by name)")
  ok(s2.era == era, "era " .. era .. ": the era chosen is recorded")
end
local p21, s21 = era_port(V, "2021")
ok(s21.horizon_days == 10 and p21.inspect_prob.aeo_general == 0.01 and flow(p21, "f").units_per_carrier == 7,
   "the era's other changes still apply under a variant")
local p17 = era_port(V, "2017")
ok(p17.inspect_prob.aeo_general == 0.3 and flow(p17, "f").units_per_carrier == 2, "an era leaves its untouched fields")
ok(era_port(V, nil).advance_share == 0.4, "the default era (the era field) is applied before the changes too")
ok(era_port(E, "2021").advance_share == 1 and era_port(E, nil).advance_share == 0.1,
   "the scenario the variant came from keeps its eras' values")
local V2 = V:with { ports = { { name = "P", advance_share = 0.6 } } }
local p2 = era_port(V2, "2021")
ok(p2.advance_share == 0.6 and flow(p2, "f").consignments_per_unit == 9,
   "chained variants: the later change wins, the earlier ones stay")
local p3, s3, chosen3 = era_port(V:with { era = "2021" })
ok(chosen3 == "2021" and s3.horizon_days == 10 and p3.advance_share == 0.4,
   "an era chosen by :with{era = ...} after the changes: that era, then the changes")
local p4, s4, chosen4 = era_port(E:with { era = "2021" }:with { ports = { { name = "P", advance_share = 0.4 } } })
ok(chosen4 == "2021" and s4.horizon_days == 10 and p4.advance_share == 0.4, "the same with the era chosen first")
local ES = E:with { eras = { ["2021"] = { ports = { { name = "P", advance_share = 0.7 } } } } }
ok(era_port(ES, "2021").advance_share == 0.7 and era_port(ES, "2017").advance_share == 0.1,
   "a change written inside eras[E] applies in that era only")
ok(era_port(lib.copy(V), "2021").advance_share == 0.4, "a copy of a variant is the same variant")
local changes = { horizon_days = 20 }
local V5 = E:with(changes)
changes.horizon_days = 99
ok(select(2, era_port(V5, "2021")).horizon_days == 20, "changing the table given to :with afterwards changes nothing")
local none, msg = lib.select_era(V, "1999")
ok(none == nil and tostring(msg):find("unknown era (known: 2017, 2021)", 1, true) ~= nil,
   "an unknown era of a variant names the known ones", msg)

print("1.." .. n)
