-- container_bd.lua — validation case: a container (a pool of C units, as
-- free pallet places of a bonded warehouse) with Poisson puts and gets of
-- one unit each. A put that finds the container full is lost (c:level()
-- says so, so put never waits); a get that finds it empty waits (FIFO)
-- for the next put. x = level - waiting gets is then a birth-death chain.
-- One run is one replication, from a full container:
--   result level=... full=... get_wait=... conserved=... puts=... gets=...
-- (time-average level from c:stats(); share of puts lost; mean wait of a
-- get from c:stats(), zeros included; conserved = 1 when init + the units
-- put - the units got = the final level, exactly). scripts/validate_theory.py
-- checks them against the chain's solution.
--
-- Parameters: C, lambda (puts/h), mu (gets/h, < lambda), customers (gets).

local C      = param("C", 3)
local lambda = param("lambda", 1.5)
local mu     = param("mu", 1.0)
local customers = param("customers", 20000)

assert(C >= 1 and mu > 0 and lambda > mu and customers >= 1, "container_bd: bad parameters")

local pool = container{name = "pool", capacity = C, init = C, integer = true}
local put_gap = exponential(1 / lambda, "puts")
local get_gap = exponential(1 / mu, "gets")
local puts, lost, put_units, got_units, gets = 0, 0, 0, 0, 0
local stop = false

process(function()
  while not stop do
    puts = puts + 1
    if pool:level() >= C then
      lost = lost + 1
    else
      pool:put(1)
      put_units = put_units + 1
    end
    hold(put_gap:sample())
  end
end)

process(function()
  while gets < customers do
    gets = gets + 1
    process(function()
      pool:get(1)
      got_units = got_units + 1
    end)
    hold(get_gap:sample())
  end
  stop = true
end)

at_end(function()
  local s = pool:stats()
  local conserved = (C + put_units - got_units == pool:level()) and 1 or 0
  print(string.format("result level=%.10g full=%.10g get_wait=%.10g conserved=%d puts=%d gets=%d",
                      s.mean_level, lost / puts, s.mean_get_wait, conserved, puts, gets))
end)
