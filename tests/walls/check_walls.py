#!/usr/bin/env python3
"""check_walls.py — the architecture's walls, checked on the source tree.

    check_walls.py includes [--root SRCROOT]   which file may include which header
    check_walls.py lengths [--root SRCROOT]    no function over LIMIT lines without a reason

includes: every #include in core/ and viz/ against two tables. THIRD_PARTY
says where a library's headers may appear (Lua only in core/lua/, GSL only
in the kernel and core/exp/, HDF5 only in core/io/, MPI in one file, SDL and
libpng only in viz/). LAYERS says which of kouan's own folders a folder may
include from, so dependencies run one way: kernel <- model <- exp <- io, lua
<- cmd <- main.c, and viz sees only the replay reader of core/io.

lengths: a function of more than LIMIT lines (signature to closing brace)
must say why on the comment line just above it: "/* long: REASON */".

Each group first runs its check on a small tree it writes with a breach of
every kind and checks that each is found, so the check itself cannot pass
by finding nothing.
"""
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import done, ok  # noqa: E402

LIMIT = 80

# library: (header pattern, places allowed: a folder ending in / or a file)
THIRD_PARTY = {
    "Lua": (r"(lua|lauxlib|lualib|luaconf)\.h", ["core/lua/"]),
    "GSL": (r"gsl/.*", ["core/kernel/", "core/exp/"]),
    "HDF5": (r"(hdf5|hdf5_hl|H5[A-Za-z]+)\.h", ["core/io/"]),
    "MPI": (r"mpi\.h", ["core/exp/mpi.c"]),
    "SDL": (r"SDL.*\.h", ["viz/"]),
    "libpng": (r"png\.h", ["viz/"]),
}

# folder (or file): the project folders whose headers it may include
LAYERS = {
    "core/kernel/": {"kernel"},
    "core/model/": {"kernel", "model"},
    "core/exp/": {"kernel", "model", "exp"},
    "core/io/": {"kernel", "model", "exp", "io"},
    "core/lua/": {"kernel", "model", "exp", "lua"},
    "core/cmd/": {"kernel", "model", "exp", "io", "lua", "cmd"},
    "core/main.c": {"cmd", "kernel/base.h"},
    "viz/": {"viz", "io/replay.h", "cmd/cli.h"},
}
GENERATED = {"kouan_version.h", "kouan_paths.h"}  # configured by meson, any layer
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def sources(root):
    for top in ("core", "viz"):
        for dirpath, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h")):
                    path = os.path.join(dirpath, f)
                    yield os.path.relpath(path, root).replace(os.sep, "/"), path


def allowed_at(rel, places):
    return any(rel.startswith(p) if p.endswith("/") else rel == p for p in places)


def layer_of(rel):
    best = None
    for place in LAYERS:
        if allowed_at(rel, [place]) and (best is None or len(place) > len(best)):
            best = place
    return best


def include_breaches(root):
    """Every include that crosses a wall: (file:line, message)."""
    found = []
    for rel, path in sources(root):
        here = rel.split("/")[1] if rel.startswith("core/") else "viz"
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if not m:
                    continue
                name = m.group(2)
                where = f"{rel}:{n}"
                for lib, (pattern, places) in THIRD_PARTY.items():
                    if re.fullmatch(pattern, name) and not allowed_at(rel, places):
                        found.append((where, f"{lib} header <{name}> outside {', '.join(places)}"))
                if m.group(1) != '"' or name in GENERATED:
                    continue
                folder = name.split("/")[0] if "/" in name else here
                layer = layer_of(rel)
                may = LAYERS.get(layer, set())
                if folder != here and folder not in may and name not in may:
                    found.append((where, f'"{name}": {layer} may include only from {", ".join(sorted(may))}'))
    return found


def reaches(root, rel, target, seen=None):
    """Whether file rel (relative to root) includes target, directly or
    through the project's headers it includes."""
    seen = set() if seen is None else seen
    if rel in seen:
        return False
    seen.add(rel)
    with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
        for line in f:
            m = INCLUDE.match(line)
            if not m or m.group(1) != '"':
                continue
            name = m.group(2)
            for cand in (os.path.join(os.path.dirname(rel), name), "core/" + name):
                if os.path.isfile(os.path.join(root, cand)):
                    cand = os.path.normpath(cand).replace(os.sep, "/")
                    if cand == target or reaches(root, cand, target, seen):
                        return True
                    break
    return False


def functions(path):
    """(name, first line, lines, reason or None) of each function definition:
    a line at column 0 that opens a parameter list, up to the '}' at column 0."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        m = re.match(r"^(?!static const|typedef|struct|enum|union|#)[A-Za-z_].*?\b([A-Za-z_]\w*)\s*\(", line)
        if m and not line.rstrip().endswith(";"):
            j = i
            while j < len(lines) and "{" not in lines[j] and not lines[j].rstrip().endswith(";"):
                j += 1
            if j < len(lines) and "{" in lines[j] and (lines[j].startswith("{") or lines[j].rstrip().endswith("{")):
                k = j + 1
                while k < len(lines) and not lines[k].startswith("}"):
                    k += 1
                above = lines[i - 1].strip() if i > 0 else ""
                reason = re.match(r"/\*\s*long:\s*(.+?)\s*\*/$", above)
                out.append((m.group(1), i + 1, k - i + 1, reason.group(1) if reason else None))
                i = k
        i += 1
    return out


def long_functions(root, stats=None):
    """Functions over LIMIT lines without a reason, and those with one;
    stats (a dict), when given, gets the count and the longest."""
    bare, reasoned = [], []
    for rel, path in sources(root):
        if rel.endswith(".c"):
            for name, first, n, reason in functions(path):
                if stats is not None:
                    stats["count"] = stats.get("count", 0) + 1
                    if n > stats.get("longest", ("", 0))[1]:
                        stats["longest"] = (f"{rel}:{first} {name}", n)
                if n > LIMIT:
                    (reasoned if reason else bare).append((f"{rel}:{first}", name, n, reason))
    return bare, reasoned


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def self_test_includes():
    with tempfile.TemporaryDirectory() as t:
        write(t, "core/cmd/a.c", '#include <lua.h>\n#include <hdf5.h>\n#include "cmd/cmd.h"\n')
        write(t, "core/kernel/b.c", '#include "model/model.h"\n#include <gsl/gsl_rng.h>\n')
        write(t, "core/exp/c.c", '#include <mpi.h>\n#include "io/h5write.h"\n')
        write(t, "viz/d.c", '#include "model/model.h"\n#include <SDL.h>\n')
        write(t, "core/model/e.c", '#include <SDL.h>\n#include "lua/host.h"\n')
        write(t, "core/model/model.h", "")
        write(t, "core/io/replay.h", '#include "model/model.h"\n')
        write(t, "viz/g.c", '#include "io/replay.h"\n')
        got = {w for w, _ in include_breaches(t)}
        want = {"core/cmd/a.c:1", "core/cmd/a.c:2", "core/kernel/b.c:1", "core/exp/c.c:1", "core/exp/c.c:2",
                "viz/d.c:1", "core/model/e.c:1", "core/model/e.c:2"}
        ok(got == want, "the include check finds a breach of every kind, and only those",
           f"found {sorted(got)}\nwanted {sorted(want)}")
        ok(reaches(t, "viz/g.c", "core/model/model.h") and not reaches(t, "viz/d.c", "core/io/replay.h"),
           "the reach check follows includes through headers")


def self_test_lengths():
    body = "    x++;\n" * (LIMIT + 5)
    with tempfile.TemporaryDirectory() as t:
        write(t, "core/model/f.c", "static void short_one(void)\n{\n    x++;\n}\n\n"
              f"static int too_long(int a,\n                    int b)\n{{\n{body}}}\n\n"
              f"/* long: one table, read top to bottom */\nvoid told(void)\n{{\n{body}}}\n")
        bare, reasoned = long_functions(t)
        ok([b[1] for b in bare] == ["too_long"] and [r[1] for r in reasoned] == ["told"],
           "the length check finds a long function and accepts one with a reason", f"{bare}\n{reasoned}")


def main():
    args = tap.parse_args(__doc__, ["includes", "lengths"], kouan=False)
    group, root = args.group, args.root
    if group == "includes":
        self_test_includes()
        breaches = include_breaches(root)
        ok(not breaches, "no include crosses a wall", "\n".join(f"{w}: {m}" for w, m in breaches))
        viz_model = [rel for rel, _ in sources(root) if rel.startswith("viz/")
                     and reaches(root, rel, "core/model/model.h")]
        ok(not viz_model, "viz/ does not reach core/model/model.h, not even through a header",
           "\n".join(viz_model))
    else:
        self_test_lengths()
        stats = {}
        bare, reasoned = long_functions(root, stats)
        ok(stats.get("count", 0) > 500, f"{stats.get('count', 0)} functions read in core/ and viz/; the longest: "
           f"{stats.get('longest', ('none', 0))[0]}, {stats.get('longest', ('none', 0))[1]} lines")
        ok(not bare, f"no function over {LIMIT} lines without a '/* long: ... */' reason",
           "\n".join(f"{w}: {name} has {n} lines" for w, name, n, _ in bare))
        for w, name, n, reason in reasoned:
            print(f"# {w}: {name}, {n} lines: {reason}")
    done()


main()
