-- long_slices.lua — tests/lua/port_small.lua with a process whose Lua
-- slices run long, for the ThreadSanitizer suite (check_threads.py): a
-- slice of more than a tenth of a second makes the host's watchdog thread
-- signal the thread running it (core/lua/host.c, lazy instruction budget),
-- and while it runs the run file's writer thread (kouan run) or the other
-- workers (compare, sweep: one Lua state per worker) go on with theirs.
-- The result of each slice's arithmetic sets how long the process holds
-- the handling crew, so the slices change the KPIs and a wrong or shared
-- state would show as results that differ with -j.
-- --set work=N: iterations of one slice (default 1.2e7, about 0.17 s:
-- the watchdog wakes every 0.1 s and signals a slice it finds running at
-- two wake-ups in a row; strace -f -e trace=tgkill shows the SIGURGs);
-- --set slices=K: long slices per replication (default 2).

local work = param("work", 1.2e7)
local slices = param("slices", 2)

local function crew_audits()
  local crew = port_resource("TST", "handling")
  for _ = 1, slices do
    local x = math.random(1, 1 << 20)
    for i = 1, work do
      x = (x * 1103515245 + 12345 + i) % 2147483648
    end
    hold(12 + x % 24)
    request(crew, 1000)
    hold(1 + (x >> 8) % 3)
    release(crew)
  end
end

return (import("tests/lua/port_small.lua")):with { processes = { crew_audits } }
