-- rail_7x24.lua — the planner's question (docs/planner.md): what would 7×24
-- customs at the Zhengzhou rail port alone do, against 2017? Henan's 2017
-- era with one lever changed: the rail port's customs resources (document
-- review, inspection, CIQ inspection; import and export sides) open 7×24
-- at their office-hours capacity, instead of office hours with one officer
-- on call the rest of the week (scripts/kouan/ports.lua, M.rail: 3
-- reviewers, 4 inspectors). Every other port and every other value is the
-- 2017 era's: a :with{} change wins over the era (docs/scenario-format.md).
--
--   kouan compare scenarios/henan.lua:2017 scenarios/rail_7x24.lua \
--       --label 2017 --label "rail 7x24" --group "ZZ rail*" --lang zh --xlsx rail.xlsx

local cal = import "calendars"

-- cal.h24: opening hours 00:00-24:00 every day, no holidays: it replaces
-- the office calendar it is merged over (docs/parameters.md, "Resources").
local function customs_7x24()
  return {documents = cal.h24(3), inspection = cal.h24(4), ciq = cal.h24(4)}
end

return (import "scenarios/henan.lua"):with {
  name = "Henan ports of entry, 2017, with 7x24 customs at the Zhengzhou rail port",
  name_zh = "河南口岸 2017，郑州铁路口岸海关 7×24",
  era = "2017",
  ports = {
    {name = "ZZ rail import", resources = customs_7x24()},
    {name = "ZZ rail export", resources = customs_7x24()},
  },
}
