#!/usr/bin/env python3
"""check_attacks.py — hostile scenarios, as an attacker would write them:
each case is a scenario file (written to a temporary folder) and the
command-line options it runs with; the check is the exit status, a message
that says what was refused or which limit stopped it, no sanitizer report,
no signal, and for escape attempts that the side effect did not happen
(a marker file stays absent). Prints TAP for meson. docs/hardening.md
counts the cases by kind (the KIND column).

usage: check_attacks.py [attacks] --kouan KOUAN [--root SRCROOT]   (tests/tap.py; one group)
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

tap.diag_lines = 20

KOUAN = tap.parse_args(__doc__, ["attacks"]).kouan
TMP = tempfile.mkdtemp(prefix="kouan-attacks-")
MARK = os.path.join(TMP, "ESCAPED")

# Small limits so that each runaway stops in well under a second.
FAST = ["--max-instructions", "1e6", "--max-memory", "32"]
PORT = 'local base = import "tests/lua/port_small.lua"\n'

# (kind, name, source, extra options, exit status, text the first line must hold)
CASES = [
    # --- no file, process or network access ---
    ("escape", "io.open", 'io.open("%(mark)s", "w"):write("x")', [], 1, "undefined global 'io'"),
    ("escape", "io via _ENV", '_ENV.io.open("%(mark)s", "w")', [], 1, "undefined global 'io'"),
    ("escape", "io via _G string key", 'local k = "i" .. "o"; _G[k].open("%(mark)s", "w")', [], 1,
     "undefined global 'io'"),
    ("escape", "os.execute", 'os.execute("touch %(mark)s")', [], 1, "attempt to call a nil value (field 'execute')"),
    ("escape", "os.remove", 'os.remove("%(mark)s")', [], 1, "attempt to call a nil value (field 'remove')"),
    ("escape", "os.rename", 'os.rename("a", "%(mark)s")', [], 1, "attempt to call a nil value (field 'rename')"),
    ("escape", "os.exit", 'os.exit(0)', [], 1, "attempt to call a nil value (field 'exit')"),
    ("escape", "os.getenv", 'print(os.getenv("HOME"))', [], 1, "attempt to call a nil value (field 'getenv')"),
    ("escape", "os.tmpname", 'print(os.tmpname())', [], 1, "attempt to call a nil value (field 'tmpname')"),
    ("escape", "package.loadlib", 'package.loadlib("libc.so.6", "system")("touch %(mark)s")', [], 1,
     "undefined global 'package'"),
    ("escape", "require a C module", 'require("posix")', [], 1, "undefined global 'require'"),
    ("escape", "require os", 'require("os").execute("touch %(mark)s")', [], 1, "undefined global 'require'"),
    ("escape", "debug.getregistry", 'debug.getregistry()', [], 1, "undefined global 'debug'"),
    ("escape", "dofile", 'dofile("/etc/passwd")', [], 1, "undefined global 'dofile'"),
    ("escape", "loadfile", 'loadfile("/etc/passwd")', [], 1, "undefined global 'loadfile'"),
    ("escape", "import an absolute path", 'import "/etc/passwd.lua"', [], 1, "absolute"),
    ("escape", "import a file that is not Lua", 'import "../../../../../../../../etc/passwd"', [], 1,
     "import '../../../../../../../../etc/passwd'"),
    ("escape", "hidden libraries stay hidden", 'for _, n in ipairs{"io", "package", "debug", "require", '
     '"dofile", "loadfile", "collectgarbage_x"} do if rawget(_G, n) ~= nil and n ~= "collectgarbage_x" '
     'then error("ESCAPED " .. n) end end\nfor k in pairs(package and package.loaded or {}) do end\n', [],
     1, "undefined global 'package'"),
    # --- bytecode ---
    ("bytecode", "load of bytecode", 'assert(load("\\27LuaT\\0\\25\\147\\13\\10\\26\\10\\4\\8\\8"))', [], 1,
     "attempt to load a binary chunk (mode is 't')"),
    ("bytecode", "load of bytecode, mode 'b'", 'assert(load("\\27LuaT\\0\\25\\147\\13\\10\\26\\10", "x", "b"))',
     [], 1, "attempt to load a binary chunk (mode is 't')"),
    ("bytecode", "load of bytecode through a reader function",
     'local parts = {"\\27Lu", "aT\\0\\25\\147\\13\\10\\26\\10"}\nlocal i = 0\n'
     'assert(load(function() i = i + 1; return parts[i] end, "r", "bt"))', [], 1, "binary chunk"),
    ("bytecode", "string.dump", 'print(string.dump(function() end))', [], 1,
     "attempt to call a nil value (field 'dump')"),
    ("bytecode", "a bytecode scenario file", None, [], 1, "attempt to load a binary chunk (mode is 't')"),
    # --- metatables and the environment ---
    ("metatable", "remove the strict metatable of _G", 'setmetatable(_G, nil)', [], 1, "protected metatable"),
    ("metatable", "read the strict metatable of _G", 'assert(type(getmetatable(_G)) == "table", "protected")',
     [], 1, "protected"),
    ("metatable", "hijack the string metatable, then build a scenario (kouan's C code does not use it)",
     PORT + 'getmetatable("").__index = function(s, k) error("hijacked " .. k) end\n'
     'return base:with { horizon_days = 3 }', ["--no-output", "--quiet"], 0, ""),
    ("metatable", "string metatable: __index replaced by a table, port scenario",
     PORT + 'local s = base:with { horizon_days = 3 }\ngetmetatable("").__index = {}\nreturn s',
     ["--no-output", "--quiet"], 0, ""),
    ("metatable", "scenario table with an __index metamethod",
     PORT + 'return setmetatable(base:with{}, {__index = function() while true do end end})',
     FAST + ["--no-output", "--quiet"], 2, "returned a table"),
    ("metatable", "__gc with an endless loop", 'setmetatable({}, {__gc = function() while true do end end})',
     FAST, 1, "a __gc field is not allowed"),
    ("metatable", "__close with an endless loop",
     'do local x <close> = setmetatable({}, {__close = function() while true do end end}) end', FAST, 1,
     "ran for more than 1000000 instructions"),
    ("metatable", "error object whose __tostring never returns",
     'error(setmetatable({}, {__tostring = function() while true do end end}))', FAST, 1, "error object"),
    ("metatable", "a local _ENV without the sandbox still has no io",
     'local _ENV = setmetatable({}, {__index = _G})\nlocal f = io', [], 1, "undefined global 'io'"),
    # --- endless loops and time ---
    ("loop", "endless loop at the top level", 'while true do end', FAST, 1, "ran for more than 1000000 instructions"),
    ("loop", "endless loop in a coroutine", 'coroutine.wrap(function() while true do end end)()', FAST, 1,
     "ran for more than 1000000 instructions"),
    ("loop", "endless loop in a coroutine inside a process",
     'process(function() hold(1); coroutine.wrap(function() local i = 0; while true do i = i + 1 end end)() end)',
     FAST, 1, "ran for more than 1000000 instructions"),
    ("loop", "endless loop in a port scenario's process",
     PORT + 'return base:with { horizon_days = 3, processes = { function() hold(1); while true do end end } }',
     FAST + ["--no-output"], 1, "ran for more than 1000000 instructions"),
    ("loop", "endless loop in an imported file's top level", None, FAST, 1,
     "ran for more than 1000000 instructions"),
    ("loop", "a process that waits 0 hours forever", 'process(function() while true do hold(0) end end)',
     ["--max-seconds", "2"], 1, "ran for more than 2 s (--max-seconds)"),
    ("loop", "arrivals forever, no --until", 'process(function() while true do hold(1) end end)',
     ["--max-seconds", "2"], 1, "ran for more than 2 s (--max-seconds)"),
    ("pattern", "string.find with an exponential pattern",
     'print(string.rep("a", 40):find(string.rep("a*", 30) .. "b"))', ["--max-call-seconds", "1"], 1,
     "spent more than 1 s in one call without returning"),
    ("pattern", "string.gsub with an exponential pattern inside a process",
     'process(function() hold(1); print((string.rep("a", 40):gsub(string.rep("a-", 30) .. "b", ""))) end)',
     ["--max-call-seconds", "1"], 1, "spent more than 1 s in one call without returning"),
    ("pattern", "string.match, deep pattern recursion", 'print(string.match(string.rep("a", 1e5), '
     'string.rep("(a)", 40)))', FAST, 1, "too many captures"),
    ("pattern", "gmatch with a pattern in a loop over a big subject",
     'local n = 0\nfor _ in string.rep("a", 2e4):gmatch(string.rep("a?", 25) .. "c") do n = n + 1 end',
     ["--max-call-seconds", "1"], 1, "spent more than 1 s in one call"),
    # --- memory ---
    ("memory", "string.rep bomb (1 GiB)", 'local s = string.rep("x", 1 << 30)', FAST, 1,
     "more than 32 MiB of memory"),
    ("memory", "string.rep bomb (1 TiB)", 'local s = string.rep("x", 1 << 40)', FAST, 1,
     "resulting string too large"),
    ("memory", "string.rep bomb with a separator", 'local s = ("x"):rep(1e8, ",")', FAST, 1,
     "more than 32 MiB of memory"),
    ("memory", "doubling string", 'local s = "x"\nwhile true do s = s .. s end', FAST, 1,
     "more than 32 MiB of memory"),
    ("memory", "table.concat bomb", 'local t = {}\nfor i = 1, 1000 do t[i] = ("y"):rep(1e5) end\n'
     'local s = table.concat(t)', FAST, 1, "more than 32 MiB of memory"),
    ("memory", "huge table", 'local t = {}\nfor i = 1, 1e9 do t[i] = i end', ["--max-memory", "32"], 1,
     "more than 32 MiB of memory"),
    ("memory", "huge table with the garbage collector stopped",
     'collectgarbage("stop")\nlocal t = {}\nfor i = 1, 1e9 do t[#t + 1] = {} end', ["--max-memory", "32"], 1,
     "more than 32 MiB of memory"),
    ("memory", "memory growing inside a process",
     'process(function() local t = {} while true do t[#t + 1] = ("z"):rep(1000) .. #t; '
     'if #t % 100 == 0 then hold(1) end end end)', ["--max-memory", "32"], 1, "more than 32 MiB of memory"),
    ("memory", "table.unpack of a huge range", 'print(table.unpack({}, 1, 1e8))', FAST, 1,
     "too many results to unpack"),
    ("memory", "a table nested 100000 deep as a scenario", 'local t = {}\nfor i = 1, 100000 do t = { x = t } end\n'
     'return scenario { name = "n", start_date = "2017-01-02", horizon_days = 1, ports = t }',
     ["--max-memory", "64"], 1, ""),
    # --- recursion and the C stack ---
    ("recursion", "Lua recursion without end", 'local function f(n) return 1 + f(n + 1) end\nf(1)', [], 1,
     "stack overflow"),
    ("recursion", "__index chain into itself", 'local t = setmetatable({}, {__index = function(t, k) return t[k] end})\n'
     'print(t.x)', [], 1, "stack overflow"),
    ("recursion", "gsub calling gsub", 'local function f(s) return (s:gsub(".", f)) end\nf("aa")', [], 1,
     "stack overflow"),
    ("recursion", "tostring through __tostring", 'local t\nt = setmetatable({}, {__tostring = function() '
     'return tostring(t) end})\nprint(tostring(t))', [], 1, "stack overflow"),
    ("recursion", "source nested 100000 deep", 'assert(load("return " .. ("("):rep(100000) .. "1" .. '
     '(")"):rep(100000)))', [], 1, "overflow"),
    ("recursion", "a scenario table that contains itself", PORT + 'local s = base:with{}\ns.ports[1].self = s\nreturn s',
     ["--no-output"], 1, ""),
    # --- library functions with hostile arguments ---
    ("library", "os.date with an invalid conversion", 'print(os.date("%Ez%"))', [], 1, "invalid conversion"),
    ("library", "os.time out of range", 'print(os.time{year = 1 << 62, month = 1, day = 1})', [], 1, ""),
    ("library", "string.format with a huge width", 'print(string.format("%99999d", 1))', [], 1, "invalid conversion"),
    ("library", "string.pack size overflow", 'print(string.pack("s1", ("x"):rep(300)))', [], 1,
     "does not fit"),
    ("library", "utf8.char out of range", 'print(utf8.char(-1))', [], 1, "value out of range"),
    ("library", "hold with NaN", 'process(function() hold(0/0) end)', [], 1, "hold"),
    ("library", "hold with infinity", 'process(function() hold(math.huge) end)', [], 1, "hold"),
    ("library", "hold outside a process", 'hold(1)', [], 1, ""),
    ("library", "math.random over the whole integer range", 'for i = 1, 1000 do '
     'math.random(math.mininteger, math.maxinteger) end\nprint("contained")', [], 0, ""),
    # --- the command line ---
    ("cli", "--set value with Lua code stays a string",
     'local v = param("name", "x")\nassert(type(v) == "string")\nprint("contained")',
     ["--set", 'name=x"); os.execute("touch %(mark)s") --'], 0, ""),
    ("cli", "--set number parameter with code", 'local c = param("c", 2)',
     ["--set", "c=2; os.exit()"], 2, "parameter 'c' must be an integer"),
    ("cli", "--set path into a metamethod field", PORT + 'return base', ["--set", "ports.TST.__index=1",
     "--no-output"], 2, "unknown key"),
    ("cli", "--set path through a string", PORT + 'return base', ["--set", "name.x.y=1", "--no-output"], 2, ""),
    ("cli", "--set key with a control character", 'print(1)', ["--set", "a\x1bb=1"], 2,
     "expected KEY=VALUE"),
    ("cli", "--set key of 200 bytes", 'print(1)', ["--set", "a" * 200 + "=1"], 2, "expected KEY=VALUE"),
    ("cli", "257 --set options", 'print(1)', sum((["--set", f"k{i}=1"] for i in range(257)), []), 2,
     "too many --set options"),
    ("cli", "--max-memory beyond range", 'print(1)', ["--max-memory", "99999999999"], 2, "--max-memory"),
    ("cli", "--max-seconds not a number", 'print(1)', ["--max-seconds", "nan"], 2, "--max-seconds"),
    ("cli", "--reps overflow", PORT + 'return base', ["--reps", "18446744073709551617"], 2, "--reps"),
    ("cli", "--seed overflow", 'print(1)', ["--seed", "99999999999999999999999"], 2, "--seed"),
]


def write(name, text, binary=False):
    p = os.path.join(TMP, name)
    with open(p, "wb" if binary else "w") as f:
        f.write(text)
    return p


# files some cases need besides their own
write("loop_lib.lua", "while true do end\n")
BYTECODE = write("bytecode.lua", b"\x1bLuaT\x00\x19\x93\r\n\x1a\n\x04\x08\x08xV\x00\x00", binary=True)
SPECIAL = {
    "a bytecode scenario file": BYTECODE,
    "endless loop in an imported file's top level": write("imports_loop.lua", 'import "loop_lib.lua"\n'),
}

kinds = {}
for i, (kind, name, src, extra, code, text) in enumerate(CASES):
    kinds[kind] = kinds.get(kind, 0) + 1
    if os.path.exists(MARK):
        os.remove(MARK)
    path = SPECIAL.get(name) or write(f"attack{i:02d}.lua", src.replace("%(mark)s", MARK) + "\n")
    args = [a.replace("%(mark)s", MARK) for a in extra]
    t0 = time.monotonic()
    try:
        rc, out, err = tap.run([KOUAN, "run", path, *args], f"[{kind}] {name}", timeout=60, cwd=TMP)
    except subprocess.TimeoutExpired:
        rc, out, err = "timeout", "", "no answer within 60 s"
    wall = time.monotonic() - t0
    first = err.splitlines()[0] if err else ""
    good = True
    why = f"exit {rc} in {wall:.1f} s\n{err}{out[-500:]}"
    if rc == "timeout" or (isinstance(rc, int) and rc < 0):
        good = False  # a hang or a signal: never acceptable
    elif code is not None and rc != code:
        good = False
    elif code is None and rc not in (0, 1):
        good = False
    if "Sanitizer" in err or "runtime error:" in err or "ESCAPED" in out + err:
        good = False
    if text and text not in first:
        good = False
    if code == 0 and "contained" not in out and "--quiet" not in args:
        good = False
    if code and code != 0 and not first.startswith("kouan: "):
        good = False
    if os.path.exists(MARK):
        good, why = False, "the side effect happened: " + why
    ok(good, f"[{kind}] {name}: exit {code if code is not None else '0/1'}"
       + (f", '{text}'" if text else ""), why)

print("# cases by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.items()) + f"; total {len(CASES)}")
shutil.rmtree(TMP, ignore_errors=True)
tap.done()
