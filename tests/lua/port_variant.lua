-- port_variant.lua — port_small.lua as a variant: era 2021, with a change to
-- a field that era also sets (advance_share 1 there). The era is applied
-- first, then the change: advance_share 0.4 in every era, the era's other
-- values (advance_lead_hours 6 in 2021) kept.
return (import "port_small.lua"):with {
  era = "2021",
  ports = { { name = "TST", advance_share = 0.4 } },
}
