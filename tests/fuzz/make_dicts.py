#!/usr/bin/env python3
"""make_dicts.py — writes the libFuzzer dictionaries of tests/fuzz/dict/
from their sources, so that they cannot go stale (test fuzz-dict runs it
with --check):

  scenario.dict  Lua 5.4's keywords and operators, the scenario library's
                 functions (scenario, import, :with), the process API
                 (the table `api` of core/lua/lsim.c), and every key and
                 name of the scenario schema: the backquoted words of
                 docs/parameters.md, which tests/unit/test_params.c keeps
                 equal to the parameter table (core/model/params.c);
  hdf5.dict      HDF5's on-disk signatures and object header message
                 types (the file format specification, version 2; what
                 HDF5 1.10 writes and reads), and the names kouan's run
                 file is read by (the root attributes, groups, datasets
                 and columns of docs/hdf5-schema.md).

usage: make_dicts.py [--check] [--root SRCROOT]
  --check  writes nothing; exits 1, naming each stale file and the
           entries it lacks or has too many, when a committed dictionary
           is not what this would write
"""
import argparse
import os
import re
import sys

LUA_KEYWORDS = ("and break do else elseif end false for function goto if in local nil not or repeat "
                "return then true until while").split()
LUA_OPERATORS = ("+ - * / % ^ # & ~ | << >> // == ~= <= >= < > = ( ) { } [ ] :: ; : , . .. ... "
                 "-- --[[ ]] [[ [=[ ]=] \" ' \\n 0x 1e308 -1 0.5 nan inf").split()
# The scenario library's entry points and the Lua library names a scenario
# may reach inside the sandbox (lua/host.h).
LUA_NAMES = ("scenario import with kouan math string table pairs ipairs select type tostring tonumber "
             "error pcall assert setmetatable getmetatable rawget rawset next os io require load "
             "dofile collectgarbage coroutine").split()

# HDF5 file format specification v2 (what 1.10.8 reads): signatures, and
# the object header message types as the two-byte little-endian numbers
# of a version 1 header and one byte of a version 2 header.
HDF5_SIGNATURES = [b"\x89HDF\r\n\x1a\n", b"OHDR", b"OCHK", b"TREE", b"HEAP", b"GCOL", b"FRHP", b"FHDB",
                   b"FHIB", b"FSHD", b"FSSE", b"BTHD", b"BTIN", b"BTLF", b"SMTB", b"SMLI", b"EAHD",
                   b"EAIB", b"EASB", b"EADB", b"FAHD", b"FADB", b"SNOD"]
HDF5_MESSAGES = {  # type number: name
    0x00: "NIL", 0x01: "dataspace", 0x02: "link info", 0x03: "datatype", 0x04: "fill value (old)",
    0x05: "fill value", 0x06: "link", 0x07: "external files", 0x08: "data layout", 0x09: "bogus",
    0x0A: "group info", 0x0B: "filter pipeline (v2 pline)", 0x0C: "attribute", 0x0D: "object comment",
    0x0E: "modification time (old)", 0x0F: "shared message table", 0x10: "continuation",
    0x11: "symbol table", 0x12: "modification time", 0x13: "B-tree 'K' values", 0x14: "driver info",
    0x15: "attribute info", 0x16: "reference count",
}
HDF5_OTHER = [b"\xff\xff\xff\xff\xff\xff\xff\xff",  # the undefined address
              b"\x00\x00\x00\x00\x00\x00\x00\x00", b"\x01\x00\x00\x00", b"\xff\xff\xff\x7f"]


def quote(b):
    """A dictionary value: "..." with \\xNN for anything but printable ASCII."""
    return '"' + "".join(chr(c) if 0x20 <= c < 0x7f and c not in (0x22, 0x5c) else f"\\x{c:02X}"
                         for c in b) + '"'


def schema_words(root):
    """Every name docs/parameters.md puts in backquotes: keys (also from
    paths like ports.NAME.KEY and "flows = {...}"), enumeration names,
    distribution families, quoted values."""
    text = open(os.path.join(root, "docs", "parameters.md"), encoding="utf-8").read()
    words = set()
    for span in re.findall(r"`([^`]+)`", text):
        words.update(w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span) if w not in ("NAME", "KEY"))
    return words


def schema_keys(root):
    """The keys of the schema tables of docs/parameters.md (first column)."""
    text = open(os.path.join(root, "docs", "parameters.md"), encoding="utf-8").read()
    return set(re.findall(r"^\| `([A-Za-z_][A-Za-z0-9_]*)`", text, re.M))


def process_api(root):
    text = open(os.path.join(root, "core", "lua", "lsim.c"), encoding="utf-8").read()
    api = re.search(r"luaL_Reg api\[\] = \{(.*?)\{NULL, NULL\}", text, re.S)
    if not api:
        sys.exit("make_dicts.py: core/lua/lsim.c has no table `api` any more: update this script")
    return set(re.findall(r'\{"([a-z_]+)",', api.group(1)))


def hdf5_names(root):
    """The names the two run-file readers look up: the string literals of
    core/io/h5read.c and core/io/replay.c that are names or paths
    (attributes, groups, datasets, columns)."""
    names = set()
    for f in ("h5read.c", "replay.c"):
        text = open(os.path.join(root, "core", "io", f), encoding="utf-8").read()
        names.update(re.findall(r'"(/?[a-z_][a-z0-9_]*(?:/[a-z_][a-z0-9_]*)*)"', text))
    return names


def scenario_dict(root):
    lines = ["# scenario.dict — written by tests/fuzz/make_dicts.py: do not edit",
             "# (test fuzz-dict fails when it is stale). Lua tokens, the scenario",
             "# library, the process API and every name of the schema (docs/parameters.md)."]
    entries = []
    for w in LUA_KEYWORDS + LUA_OPERATORS:
        entries.append(("lua", w))
    for w in sorted(set(LUA_NAMES) | process_api(root)):
        entries.append(("api", w))
    for w in sorted(schema_words(root)):
        entries.append(("schema", w))
        entries.append(("schema", w + " = "))
        entries.append(("schema", f'"{w}"'))
    seen = set()
    for kind, w in entries:
        if w in seen:
            continue
        seen.add(w)
        lines.append(f"{kind}={quote(w.encode())}")
    return "\n".join(lines) + "\n"


def hdf5_dict(root):
    lines = ["# hdf5.dict — written by tests/fuzz/make_dicts.py: do not edit",
             "# (test fuzz-dict fails when it is stale). HDF5 signatures, object header",
             "# message types, and the names the run-file readers look up (core/io)."]
    for s in HDF5_SIGNATURES:
        lines.append(f"sig={quote(s)}")
    for t, name in sorted(HDF5_MESSAGES.items()):
        lines.append(f"# {name}")
        lines.append(f"msg_v1={quote(bytes([t, 0]))}")
        lines.append(f"msg_v2={quote(bytes([t]))}")
    for b in HDF5_OTHER:
        lines.append(f"value={quote(b)}")
    for w in sorted(hdf5_names(root)):
        lines.append(f"name={quote(w.encode())}")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--check", action="store_true")
    p.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    a = p.parse_args()
    stale = 0
    for name, text in (("scenario.dict", scenario_dict(a.root)), ("hdf5.dict", hdf5_dict(a.root))):
        path = os.path.join(a.root, "tests", "fuzz", "dict", name)
        if not a.check:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            continue
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        if old != text:
            stale += 1
            want, have = set(text.splitlines()), set(old.splitlines())
            print(f"tests/fuzz/dict/{name} is stale: regenerate with python3 tests/fuzz/make_dicts.py")
            for line in sorted(want - have)[:20]:
                print(f"  missing {line}")
            for line in sorted(have - want)[:20]:
                print(f"  extra   {line}")
    if a.check:
        # the point of the check, said outright: every key of the schema
        # tables, and every process API name, is an entry of the committed file
        path = os.path.join(a.root, "tests", "fuzz", "dict", "scenario.dict")
        have = set(open(path, encoding="utf-8").read().splitlines()) if os.path.exists(path) else set()
        keys, api = schema_keys(a.root), process_api(a.root)
        if len(keys) < 50:
            print(f"docs/parameters.md gave only {len(keys)} schema keys: its table format changed?")
            stale += 1
        lacking = sorted(k for k in keys if f"schema={quote(k.encode())}" not in have) + \
            sorted(k for k in api if f"api={quote(k.encode())}" not in have)
        for k in lacking:
            print(f"tests/fuzz/dict/scenario.dict lacks {k}")
        stale += len(lacking)
        if not stale:
            print(f"scenario.dict covers the {len(keys)} schema keys and {len(api)} process API names; "
                  "both dictionaries are current")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
