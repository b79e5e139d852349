#!/usr/bin/env python3
"""check_uncertain.py — uncertain{} in a port scenario (core/lua/uncertain.h,
core/exp/prior.h) through `kouan run`: the --dump rows of the priors
against medians worked out here, --set NAME=V (inside the range: the value
the model runs with; outside: a usage error naming the range), the note a
plain run prints on stderr, the /parameters rows of the run file (h5py), and
malformed uncertain{} calls refused with FILE:LINE; prints TAP for meson.

usage: check_uncertain.py GROUP --kouan KOUAN [--root SRCROOT]   (tests/tap.py)
  GROUP   dump | set | note | errors | runfile   (runfile reads the run file with h5py)
The scenario is port_uncertain.lua (this folder): port_small.lua with one
prior of each shape. The error scenarios are written to a scratch folder
next to a copy of port_small.lua; the line a message must name is marked
'--> here'.
"""
import math
import os
import re
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["dump", "set", "note", "errors", "runfile"])
KOUAN, TESTDIR = ARGS.kouan, os.path.join(ARGS.root, "tests", "lua")
ENV = dict(os.environ, KOUAN_ROOT=ARGS.root)
SCEN = "port_uncertain.lua"


def run(*args, cwd=TESTDIR, output=False):
    if args[:1] == ("run",) and not output:
        args = ("run", "--no-output", *args[1:])
    return tap.run([KOUAN, *args], f"kouan {' '.join(args)}", timeout=120, cwd=cwd, env=ENV)


def line_of(text, name=SCEN):
    with open(os.path.join(TESTDIR, name)) as f:
        for i, line in enumerate(f, 1):
            if text in line:
                return i
    raise SystemExit(f"Bail out! no '{text}' in {name}")


# ---- the medians, worked out here ----

def bisect(cdf, lo, hi):
    """The x in lo..hi with cdf(x) = 0.5 (cdf increasing)."""
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if cdf(mid) < 0.5 else (lo, mid)
    return 0.5 * (lo + hi)


def beta_cdf_int(y, a, b):
    """The Beta(a, b) CDF for whole a and b: P(at least a of a+b-1 Bernoulli(y) succeed)."""
    n = a + b - 1
    return sum(math.comb(n, j) * y ** j * (1 - y) ** (n - j) for j in range(a, n + 1))


def phi(z):
    return 0.5 * (1 + math.erf(z / math.sqrt(2)))


def tri_median(a, c, b):
    return a + math.sqrt((b - a) * (c - a) / 2) if c >= (a + b) / 2 else b - math.sqrt((b - a) * (b - c) / 2)


def tnorm_median(lo, hi, mu, sd):
    pa, pb = phi((lo - mu) / sd), phi((hi - mu) / sd)
    return bisect(lambda x: (phi((x - mu) / sd) - pa) / (pb - pa), lo, hi)


PERT_LINE = line_of('shape = "pert"')
UNNAMED = f"{SCEN}:{PERT_LINE}"
# name -> (description, median, where, source, the parameter rows it feeds), in the order the scenario meets them
PRIORS = [
    ("advance", "uniform 0.05..0.15", 0.1, line_of('name = "advance"'), "domain.md row 10, estimate",
     ["ports.TST.advance_share"]),
    ("lead", "loguniform 1..16", 4.0, line_of('name = "lead"'), "", ["ports.TST.advance_lead_hours"]),
    ("aeo_inspect", "uniform 0.005..0.03", 0.0175, line_of('name = "aeo_inspect"'), "",
     ["ports.TST.inspect_prob.aeo_advanced", "ports.TST.inspect_prob.aeo_general"]),
    ("ordinary", "triangular 0.02..0.1 mode 0.03", tri_median(0.02, 0.03, 0.1), line_of('name = "ordinary"'), "",
     ["ports.TST.inspect_prob.ordinary"]),
    # pert 0.8..0.96 mode 0.84: alpha = 1 + 4 * 0.25 = 2, beta = 1 + 4 * 0.75 = 4
    (UNNAMED, "pert 0.8..0.96 mode 0.84", 0.8 + 0.16 * bisect(lambda y: beta_cdf_int(y, 2, 4), 0, 1), PERT_LINE, "",
     ["ports.TST.scan_clear_prob"]),
    ("certs", "normal mean 1.2 sd 0.2 in 1..1.6", tnorm_median(1, 1.6, 1.2, 0.2), line_of('name = "certs"'), "",
     ["ports.TST.certs_per_consignment"]),
]
ROW = re.compile(r"^uncertain\.(?P<name>.+?) = (?P<desc>.+), central (?P<central>\S+) \(median\); used (?P<used>\S+); "
                 r"(?P<where>[^;]+)(?:; source: (?P<source>.*))?$")


def rows_of(lines):
    """path -> text after ' = ' (unit kept), in order."""
    return dict(l.split(" = ", 1) for l in lines)


def number(text):
    return float(text.split(" [")[0])


def dump(*args):
    rc, out, err = run("run", SCEN, "--dump", *args)
    return rc, out, err, out.splitlines()


def close(x, y, rel):
    return x is not None and y is not None and abs(x - y) <= rel * max(abs(y), 1e-300)


def g_dump():
    rc, out, err, lines = dump()
    if not ok(rc == 0 and err == "", f"{SCEN} dumps cleanly", f"rc={rc}\n{err}"):
        return
    unc = [l for l in lines if l.startswith("uncertain.")]
    ok(len(unc) == len(PRIORS) and lines[-len(PRIORS):] == unc,
       "one uncertain.NAME row per prior, after the parameters", "\n".join(unc))
    ok([ROW.match(l).group("name") if ROW.match(l) else None for l in unc] == [p[0] for p in PRIORS],
       "in the order the scenario meets them; a prior read twice (aeo_inspect) once; the unnamed one named "
       f"after its place ({UNNAMED})", "\n".join(unc))
    params = rows_of(lines)
    for (name, desc, median, line, source, fed), text in zip(PRIORS, unc):
        m = ROW.match(text)
        if not ok(m is not None, f"{name}: the row reads 'SHAPE, central C (median); used U; FILE:LINE[; source: S]'",
                  text):
            continue
        ok(m.group("desc") == desc, f"{name}: described as '{desc}'", text)
        ok(close(float(m.group("central")), median, 1e-5), f"{name}: central {m.group('central')} is the median "
           f"({median:.10g})", text)
        ok(m.group("used") == m.group("central"), f"{name}: used the central value", text)
        ok(m.group("where") == f"{SCEN}:{line}", f"{name}: defined at {SCEN}:{line}", text)
        ok((m.group("source") or "") == source, f"{name}: source '{source}'", text)
        for path in fed:
            v = number(params.get(path, "nan"))
            ok(close(v, median, 1e-9), f"{name}: {path} = {v!r}, the median to 1e-9", params.get(path))
            ok("%.6g" % v == m.group("used"), f"{name}: {path} is the value the row says was used", text)
    rc, small, _, _ = dump_other("port_small.lua")
    ok(rc == 0 and not any(l.startswith("uncertain.") for l in small.splitlines()),
       "a scenario without uncertain{}: no uncertain rows")


def dump_other(name, *args):
    rc, out, err = run("run", name, "--dump", *args)
    return rc, out, err, out.splitlines()


def body(out):
    return "\n".join(out.splitlines()[1:])


def usage_error(args, want, what):
    rc, out, err = run("run", SCEN, *args)
    lines = err.splitlines()
    ok(rc == 2 and out == "" and len(lines) == 1 and lines[0] == "kouan: " + want,
       f"{what}: exit 2, one line: '{want}'", f"rc={rc}\n{err}")


def g_set():
    _, _, _, base = dump()
    cases = [("advance", "0.12", ["ports.TST.advance_share"]), ("advance", "0.05", ["ports.TST.advance_share"]),
             ("advance", "0.15", ["ports.TST.advance_share"]), ("lead", "9.5", ["ports.TST.advance_lead_hours"]),
             ("aeo_inspect", "0.02", ["ports.TST.inspect_prob.aeo_advanced", "ports.TST.inspect_prob.aeo_general"]),
             ("ordinary", "0.08", ["ports.TST.inspect_prob.ordinary"]),
             (UNNAMED, "0.9", ["ports.TST.scan_clear_prob"]), ("certs", "1.5", ["ports.TST.certs_per_consignment"])]
    for name, v, fed in cases:
        rc, out, err, lines = dump("--set", f"{name}={v}")
        if not ok(rc == 0 and err == "", f"--set {name}={v}: dumps", f"rc={rc}\n{err}"):
            continue
        params = rows_of(lines)
        ok(all(number(params.get(p, "nan")) == float(v) for p in fed),
           f"--set {name}={v}: {', '.join(fed)} = {v}", "\n".join(f"{p} = {params.get(p)}" for p in fed))
        row = params.get("uncertain." + name, "")
        m = ROW.match(f"uncertain.{name} = {row}")
        ok(m is not None and m.group("used") == "%.6g" % float(v) and
           m.group("central") == ROW.match(f"uncertain.{name} = {rows_of(base)['uncertain.' + name]}").group("central"),
           f"--set {name}={v}: its row says used {v}, its central value unchanged", row)
        changed = sorted(p for p in params if params[p] != rows_of(base).get(p))
        ok(changed == sorted(fed + ["uncertain." + name]), f"--set {name}={v}: nothing else changes", changed)
    # the value set is the one the model runs with: the same table as setting the field itself
    for name, v, path in [("advance", "0.15", "ports.TST.advance_share"),
                          ("ordinary", "0.1", "ports.TST.inspect_prob.ordinary")]:
        rc1, a, e1 = run("run", SCEN, "--set", f"{name}={v}")
        rc2, b, e2 = run("run", SCEN, "--set", f"{path}={v}", "--set", f"{name}={v}")
        rc3, c, _ = run("run", SCEN)
        ok(rc1 == 0 and rc2 == 0 and body(a) == body(b) and body(a) != body(c),
           f"--set {name}={v} runs the model as --set {path}={v} does (and unlike the median)", e1 + e2)
    usage_error(("--set", "advance=0.2"), "--set advance=0.2: outside the range of 'advance' (uniform 0.05..0.15)",
                "above the range")
    usage_error(("--set", "advance=0.0499"),
                "--set advance=0.0499: outside the range of 'advance' (uniform 0.05..0.15)", "below the range")
    usage_error(("--set", "lead=0.5"), "--set lead=0.5: outside the range of 'lead' (loguniform 1..16)",
                "below a loguniform range")
    usage_error(("--set", "certs=1.7"),
                "--set certs=1.7: outside the range of 'certs' (normal mean 1.2 sd 0.2 in 1..1.6)",
                "outside a truncated normal's range (inside its mean +- 3 sd)")
    usage_error(("--set", f"{UNNAMED}=0.97"),
                f"--set {UNNAMED}=0.97: outside the range of '{UNNAMED}' (pert 0.8..0.96 mode 0.84)",
                "outside the range of an unnamed prior")
    usage_error(("--set", "advance=abc"), "--set advance=abc: 'advance' is uncertain (uniform 0.05..0.15): give a number",
                "not a number")
    usage_error(("--set", "advance=nan"), "--set advance=nan: 'advance' is uncertain (uniform 0.05..0.15): give a number",
                "nan is not a number here")


NOTE = re.compile(r"^kouan: (\d+) uncertain values, each at its central value \(the median of its prior\) unless "
                  r"--set: (.*); --uncertainty N propagates them$")


def note_values(err):
    """(count, [(name, value)]) of the note, or None."""
    m = NOTE.match(err.rstrip("\n"))
    if not m or err.count("\n") != 1:
        return None
    return int(m.group(1)), [(kv.rsplit(" = ", 1)[0], float(kv.rsplit(" = ", 1)[1])) for kv in m.group(2).split(", ")]


def g_note():
    rc, out, err = run("run", SCEN)
    got = note_values(err)
    ok(rc == 0 and "TST, air, import" in out, "a plain run: exit 0, the table", f"rc={rc}\n{err}")
    ok(got is not None and got[0] == len(PRIORS), f"stderr: one line, '{len(PRIORS)} uncertain values, ...'", err)
    if got:
        ok([n for n, _ in got[1]] == [p[0] for p in PRIORS], "the note names each prior, in order", err)
        ok(all(close(v, p[2], 1e-5) for (_, v), p in zip(got[1], PRIORS)),
           "and the value each took: its median", f"{err}\nwant {[p[2] for p in PRIORS]}")
    rc, out, err = run("run", SCEN, "--set", "advance=0.06", "--set", "certs=1.01")
    got = note_values(err)
    ok(rc == 0 and got is not None and dict(got[1]).get("advance") == 0.06 and dict(got[1]).get("certs") == 1.01 and
       close(dict(got[1]).get("lead"), 4.0, 1e-9), "with --set: the values given, the others at their median", err)
    rc, out, err = run("run", SCEN, "--quiet")
    ok(rc == 0 and out == "" and err == "", "--quiet: no note", out + err)
    rc, out, err = run("run", "port_small.lua")
    ok(rc == 0 and err == "", "no uncertain{}: no note", err)


# ---- malformed uncertain{} ----

LONG = "x" * 64
ERRORS = [
    ("missing_hi", "uncertain{0.1}", "uncertain: the high end (field 2) must be a number (got nil); "
     "write uncertain{LO, HI, ...}"),
    ("lo_text", 'uncertain{"low", 0.2}', "uncertain: the low end (field 1) must be a number (got string); "
     "write uncertain{LO, HI, ...}"),
    ("reversed", "uncertain{0.5, 0.2}", "uncertain: the range 0.5..0.2 is not a range (need finite lo < hi)"),
    ("empty", "uncertain{0.2, 0.2}", "uncertain: the range 0.2..0.2 is not a range (need finite lo < hi)"),
    ("infinite", "uncertain{0, math.huge}", "uncertain: the range 0..inf is not a range (need finite lo < hi)"),
    ("misspelt", 'uncertain{0.1, 0.2, nmae = "x"}', "uncertain: unknown field 'nmae' (did you mean 'name'?)"),
    ("unknown", "uncertain{0.1, 0.2, zzzzzz = 1}",
     "uncertain: unknown field 'zzzzzz' (known: mode, shape, mean, sd, name, source)"),
    ("shape", 'uncertain{0.1, 0.2, mode = 0.15, shape = "lognormal"}',
     "uncertain: shape must be uniform, triangular, pert, loguniform or normal (got lognormal)"),
    ("shape_type", "uncertain{0.1, 0.2, shape = 3}",
     "uncertain: shape must be uniform, triangular, pert, loguniform or normal (got number)"),
    ("pert_no_mode", 'uncertain{0.1, 0.2, shape = "pert"}', "uncertain: pert needs mode = M"),
    ("uniform_mode", 'uncertain{0.1, 0.2, mode = 0.15, shape = "uniform"}', "uncertain: uniform takes no mode"),
    ("mode_out", "uncertain{0.1, 0.2, mode = 0.3}", "uncertain: mode 0.3 is outside 0.1..0.2"),
    ("third", "uncertain{0.1, 0.2, 0.15}", "uncertain: only LO and HI are positional (got field 3)"),
    ("normal_no_sd", 'uncertain{0.1, 0.2, shape = "normal", mean = 0.15}',
     "uncertain: normal needs mean = M and sd = S"),
    ("mean_no_shape_sd", "uncertain{0.1, 0.2, sd = 0.05}", "uncertain: uniform takes no mean or sd"),
    ("tri_mean", "uncertain{0.1, 0.2, mode = 0.15, mean = 0.15}", "uncertain: triangular takes no mean or sd"),
    ("normal_sd0", 'uncertain{0.1, 0.2, shape = "normal", mean = 0.15, sd = 0}',
     "uncertain: normal needs a finite mean and sd > 0 (got mean 0.15, sd 0)"),
    ("normal_no_mass", 'uncertain{0.1, 0.2, shape = "normal", mean = 5, sd = 0.01}',
     "uncertain: normal mean 5 sd 0.01 puts no probability in 0.1..0.2"),
    ("loguniform_0", 'uncertain{0, 0.2, shape = "loguniform"}', "uncertain: loguniform needs lo > 0 (got 0)"),
    ("source_type", "uncertain{0.1, 0.2, source = 3}", "uncertain: field 'source' must be a string (got number)"),
    ("name_long", f'uncertain{{0.1, 0.2, name = "{LONG}"}}', "uncertain: field 'name' is longer than 63 bytes"),
    ("not_table", "uncertain(0.1, 0.2)", "bad argument #1 to 'uncertain' (table expected, got number)"),
    ("two_unnamed", "uncertain{0.1, 0.2} + 0 * uncertain{0.1, 0.3}",
     'uncertain: two different priors without a name at two_unnamed.lua:{here} (uniform 0.1..0.2, uniform 0.1..0.3): '
     'give each name = "..."'),
]


def scenario(expr, extra=""):
    return ("-- written by check_uncertain.py\n" + extra + 'local base = import "port_small.lua"\n'
            'return base:with { ports = { { name = "TST",\n'
            f"  advance_share = {expr}, --> here\n"
            "} } }\n")


def g_errors():
    tmp = tempfile.mkdtemp(prefix="kouan-uncertain-")
    try:
        shutil.copy(os.path.join(TESTDIR, "port_small.lua"), tmp)

        def refused(name, text, want):
            path = os.path.join(tmp, name + ".lua")
            with open(path, "w") as f:
                f.write(text)
            here = next(i for i, l in enumerate(text.splitlines(), 1) if "--> here" in l)
            want = want.replace("{here}", str(here))
            rc, out, err = run("run", name + ".lua", cwd=tmp)
            first = err.splitlines()[0] if err else ""
            ok(rc == 1 and first == f"kouan: {name}.lua:{here}: {want}",
               f"{name}: exit 1, '{name}.lua:{here}: {want}'", f"rc={rc}\n{err}")

        for name, expr, want in ERRORS:
            refused(name, scenario(expr), want)
        # one name at two places for two priors: the message names both
        two = ('local first = uncertain{0.1, 0.2, name = "share"}\n'
               + scenario('uncertain{0.1, 0.3, name = "share"}'))
        refused("one_name", two, "uncertain: 'share' is uniform 0.1..0.3 here but uniform 0.1..0.2 at one_name.lua:1: "
                "one name, one prior")
        # the same prior twice: fine, one row
        for name, text in [("same_unnamed", scenario("uncertain{0.1, 0.2} + 0 * uncertain{0.1, 0.2}")),
                           ("same_named", 'local first = uncertain{0.1, 0.2, mode = 0.12, name = "share"}\n'
                            + scenario('uncertain{0.1, 0.2, mode = 0.12, name = "share"}'))]:
            with open(os.path.join(tmp, name + ".lua"), "w") as f:
                f.write(text)
            rc, out, err = run("run", name + ".lua", "--dump", cwd=tmp)
            rows = [l for l in out.splitlines() if l.startswith("uncertain.")]
            ok(rc == 0 and len(rows) == 1, f"{name}: one prior met twice is one row", f"rc={rc}\n{err}\n{rows}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def g_runfile():
    import h5py  # only this group reads HDF5
    tmp = tempfile.mkdtemp(prefix="kouan-uncertain-")
    try:
        path = os.path.join(tmp, "unc.h5")
        sets = ("--set", "advance=0.12", "--set", "aeo_inspect=0.01")
        rc, dumped, err = run("run", SCEN, "--dump", *sets)
        rc2, _, err2 = run("run", SCEN, *sets, "-o", path, "--quiet", output=True)
        if not ok(rc == 0 and rc2 == 0, "--dump, then a run with its file", err + err2):
            return
        with h5py.File(path, "r") as f:
            rows = f["parameters"][...]

            def s(v):
                return v.decode("utf-8") if isinstance(v, bytes) else str(v)
            as_lines = [f"{s(r['path'])} = {s(r['text'])}" + (f" [{s(r['unit'])}]" if s(r["unit"]) else "")
                        for r in rows]
            want = [l for l in dumped.splitlines() if l.startswith("uncertain.")]
            got = [l for l in as_lines if l.startswith("uncertain.")]
            ok(len(want) == len(PRIORS) and got == want and as_lines[-len(PRIORS):] == got,
               "/parameters: the uncertain rows are the --dump lines, last", "\n".join(got + ["--"] + want))
            by_path = {s(r["path"]): r for r in rows}
            for name, _, median, _, _, fed in PRIORS:
                r = by_path.get("uncertain." + name)
                v = r["value"] if r is not None else None
                ok(r is not None and s(r["unit"]) == "" and all(v == by_path[p]["value"] for p in fed),
                   f"uncertain.{name}: value {v!r}, the number the parameter rows it feeds hold", [v] +
                   [by_path[p]["value"] for p in fed if p in by_path])
            ok(by_path["uncertain.advance"]["value"] == 0.12 and by_path["uncertain.aeo_inspect"]["value"] == 0.01,
               "the values given by --set are the values recorded")
            ok(s(f.attrs["parameters"]).endswith("\n".join(want) + "\n"),
               "the parameters attribute ends with the same lines")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


{"dump": g_dump, "set": g_set, "note": g_note, "errors": g_errors, "runfile": g_runfile}[ARGS.group]()
tap.done()
