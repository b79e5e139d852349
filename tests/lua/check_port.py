#!/usr/bin/env python3
"""check_port.py — runs `kouan run` on port scenarios (scenario tables fed
to the port-clearance model) and checks the KPI table, reproducibility,
eras, --set paths and the error messages; prints TAP for meson.

usage: check_port.py GROUP --kouan KOUAN [--root SRCROOT]   (tests/tap.py)
  GROUP   run | set | errors | dump | process
The scenarios are this folder's files (SRCROOT/tests/lua). Error files mark
the line a message must name with a '--> here' comment.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["run", "set", "errors", "dump", "process", "params"])
KOUAN, TESTDIR = ARGS.kouan, os.path.join(ARGS.root, "tests", "lua")  # the tests run from TESTDIR


def run(*args, timeout=120, env=None):
    if args[:1] == ("run",):  # no HDF5 run file from these tests (tests/io checks it)
        args = ("run", "--no-output", *args[1:])
    # from TESTDIR, so that messages name the files as the tests expect
    full_env = dict(os.environ, **env) if env else None
    return tap.run([KOUAN, *args], f"kouan {' '.join(args)}", timeout=timeout, cwd=TESTDIR, env=full_env)


def marker(name, tag="--> here"):
    with open(os.path.join(TESTDIR, name)) as f:
        for i, line in enumerate(f, 1):
            if tag in line:
                return i
    raise SystemExit(f"Bail out! no '{tag}' in {name}")


def body(out):
    """The table without its title line (which names the era and seed)."""
    return "\n".join(out.splitlines()[1:])


def value(out, group, label):
    """The first number on the row `label` of the block `group`."""
    block = out.split("\n" + group + "\n", 1)
    if len(block) < 2:
        return None
    for line in block[1].splitlines():
        if line.strip() == "":
            break
        if line.strip().startswith(label):
            return float(line[len(line) - len(line.lstrip()) + len(label):].split()[0])
    return None


SMALL = "port_small.lua"


def group_run():
    rc, out, err = run("run", SMALL)
    ok(rc == 0 and err == "", "port_small.lua runs cleanly (exit 0, nothing on stderr)", f"rc={rc}\n{err}")
    ok(out.startswith("== port_small.lua (small test port), era 2017, seed 1,"), "the title names file, name, era, seed",
       out[:300])
    for g in ("TST, air, import", "TST, road, export", "all ports, import", "all ports, export"):
        ok(("\n" + g + "\n") in out, f"a block for '{g}'", out)
    n = value(out, "TST, air, import", "consignments")
    ok(n is not None and n > 50, "import consignments are counted", out)
    ok("TST   documents" in out and "TST   scanner" in out, "a row per resource", out)
    rc2, out2, _ = run("run", SMALL)
    ok(rc2 == 0 and out2 == out, "same seed, identical output", out2)
    rc3, out3, _ = run("run", SMALL, "--seed", "2")
    ok(rc3 == 0 and body(out3) != body(out), "another seed, other output", out3)
    rc4, out4, err4 = run("run", SMALL, "--reps", "3", "--seed", "7")
    ok(rc4 == 0 and "3 replications" in out4 and "±" in out4 and "seeds 7-9" in out4.splitlines()[0],
       "--reps 3: seeds 7-9, means with Student-t half-widths",
       out4 + err4)
    rc5, out5, _ = run("run", SMALL, "--reps", "3", "--seed", "7")
    ok(out5 == out4, "replications are reproducible too")
    # eras
    rc, e21, err = run("run", SMALL, "--era", "2021")
    ok(rc == 0 and "era 2021" in e21.splitlines()[0], "--era 2021 runs and says so", e21[:200] + err)
    ok(body(e21) != body(out), "--era 2021 changes the table")
    prep17 = value(out, "TST, air, import", "preparation (arrival->decl.)")
    prep21 = value(e21, "TST, air, import", "preparation (arrival->decl.)")
    ok(prep21 == 0.0 and prep17 and prep17 > 0, "era 2021 (all declared in advance): no preparation time",
       f"2017 {prep17}, 2021 {prep21}")
    rc, e17, _ = run("run", SMALL, "--era", "2017")
    ok(e17 == out, "--era 2017 is the default era")
    # --set after the era: the same change by hand gives the same table
    rc, hand, err = run("run", SMALL, "--set", "ports.TST.advance_share=1", "--set",
                        "ports.TST.advance_lead_hours=6")
    ok(rc == 0 and body(hand) == body(e21), "--set of the era's two values gives the era's table", hand[:300] + err)
    rc, s2, err = run("run", SMALL, "--era", "2021", "--set", "ports.TST.advance_share=0.1", "--set",
                      "ports.TST.advance_lead_hours=4")
    ok(rc == 0 and body(s2) == body(out), "--set applies after the era", err)
    rc, s3, err = run("run", SMALL, "--set", "ports.TST.flows.freighter.consignments_per_unit=6")
    n3 = value(s3, "TST, air, import", "consignments")
    ok(rc == 0 and n3 is not None and n is not None and abs(n3 - 2 * n) < 1e-9,
       "--set through a flow's name: twice the consignments per unit, twice the count", f"{n} {n3} {err}")
    e = value(out, "TST, road, export", "consignments")
    rc, s7, err = run("run", SMALL, "--set", "ports.TST.flows.trucks out.units_per_carrier=2")
    e7 = value(s7, "TST, road, export", "consignments")
    # about twice: which export consignments fall after the warm-up depends
    # on their random lead times
    ok(rc == 0 and e7 is not None and e is not None and 1.8 * e < e7 < 2.2 * e,
       "--set through a name with a space: twice the units, about twice the count", f"{e} {e7} {err}")
    rc, s4, err = run("run", SMALL, "--set", "ports.TST.prep_time.mean=60")
    p4 = value(s4, "TST, air, import", "preparation (arrival->decl.)")
    ok(rc == 0 and p4 is not None and p4 > 5 * prep17, "--set into a distribution's parameter", f"{p4} {err}")
    rc, s5, err = run("run", SMALL, "--set", "horizon_days=5", "--set", "warmup_days=1")
    ok(rc == 0 and "4 days after 1 days of warm-up" in s5.splitlines()[0], "--set of top-level numbers", s5[:200] + err)
    rc, s6, err = run("run", SMALL, "--until", "96")
    ok(rc == 0 and "2 days after 2 days of warm-up" in s6.splitlines()[0], "--until sets the hours of arrivals",
       s6[:200] + err)
    rc, pp, err = run("run", "port_param.lua", "--set", "days=5", "--set", "ports.TST.advance_share=0.2")
    ok(rc == 0 and "3 days after 2 days of warm-up" in pp.splitlines()[0],
       "a --set the file reads with param() is a parameter, the others are paths", pp[:200] + err)
    rc, q, err = run("run", SMALL, "--quiet")
    ok(rc == 0 and q == "" and err == "", "--quiet prints nothing", q + err)


def usage_error(args, pattern, name):
    rc, out, err = run("run", *args)
    lines = err.splitlines()
    ok(rc == 2 and len(lines) == 1 and lines[0].startswith("kouan: ") and pattern in lines[0],
       f"{name}: one line, exit 2, says '{pattern}'", f"rc={rc}\n{err}")


def group_set():
    usage_error((SMALL, "--era", "2019"), "--era 2019: unknown era (known: 2017, 2021)", "unknown --era")
    usage_error((SMALL, "--set", "ports.TST.advence_share=0.4"),
                "--set ports.TST.advence_share=0.4: ports.TST.advence_share: unknown key (did you mean 'advance_share'?)",
                "a misspelt --set key names the nearest key")
    usage_error((SMALL, "--set", "ports.TSX.advance_share=0.4"), "ports.TSX: no entry named 'TSX' (did you mean 'TST'?)",
                "a misspelt entry name names the nearest entry")
    henan = os.path.join(TESTDIR, "..", "..", "scenarios", "henan.lua")
    usage_error((henan, "--set", "ports.CGO.advance_share=0.4"),
                "ports.CGO: no entry named 'CGO' (did you mean 'CGO import', 'CGO export'?)",
                "a shortened entry name names the entries it begins")
    usage_error((henan, "--set", "ports.QQQQQQQQ.advance_share=0.4"),
                "no entry named 'QQQQQQQQ' (known: 'CGO import', 'CGO export', 'ZZ rail import'",
                "an entry name near none lists the entries")
    usage_error((SMALL, "--set", "ports.TST.flows.freighter.goods.fresh.lab_prob=2"),
                "ports.TST.flows.freighter.goods.fresh.lab_prob must be a number in [0, 1] (got 2)",
                "an out-of-range --set gives the range")
    usage_error((SMALL, "--set", "ports.TST.joint_inspection=maybe"), "ports.TST.joint_inspection must be true or false (got 'maybe')",
                "a --set of a boolean field to text")
    usage_error((SMALL, "--set", "ports.TST.resorces.handling.capacity=3"),
                "ports.TST.resorces: unknown key (did you mean 'resources'?)", "a misspelt table on the path")
    usage_error((SMALL, "--set", "ports.TST.cert_time.mean=3"), "ports.TST.cert_time is a number, not a table",
                "a path through a number")
    usage_error((SMALL, "--set", "ports.TST=3"), "cannot replace a whole entry", "a whole list entry")
    usage_error((SMALL, "--set", "ports.TST.inspection=inspektion"),
                "ports.TST.inspection: no resource 'inspektion' in ports.TST.resources (did you mean 'inspection'?)",
                "a stage on an unknown resource names the nearest one")
    usage_error((SMALL, "--set", "ports.TST.flows.freighter.direction=inbound"),
                "direction must be \"import\" or \"export\" (got 'inbound')", "a bad choice lists the choices")
    usage_error((SMALL, "--set", "start_date=2017-02-30"), "start_date must be a date \"YYYY-MM-DD\" (got '2017-02-30')",
                "an impossible date")
    usage_error((SMALL, "--set", "ports.TST.prep_time.sd=1"), "ports.TST.prep_time.sd: unknown key (known: mean, cv)",
                "a parameter the family does not have lists the family's parameters")
    rc, out, err = run("run", SMALL, "--set", "ports.TST.prep_time.cv=-1")
    ok(rc == 1 and err.startswith("kouan: port_small.lua: port 'TST': prep_time: lognormal: cv must be > 0 (got -1)"),
       "a value only the kernel refuses: the model's message, prefixed with the file, exit 1", err)
    usage_error((SMALL, "--reps", "0"), "--reps: '0' is not an integer in 1..100000", "--reps 0")
    usage_error(("../../scenarios/mmc.lua", "--era", "2017"), "process-style and has no eras", "--era on a process scenario")
    usage_error((SMALL, "--until", "24"), "must be above the warm-up", "--until inside the warm-up")
    rc, out, err = run("run", SMALL, "--set", "horizon_days=1e9")
    ok(rc == 1 and "the horizon must be > 0 and at most 876600 hours (100 years)" in err,
       "an absurd horizon is refused before the run, with the limit", err)

def group_errors():
    cases = [
        ("err_port_key.lua", "ports.TST.advence_share: unknown key (did you mean 'advance_share'?)"),
        ("err_port_range.lua", "ports.TST.scan_clear_prob must be a number in [0, 1] (got 1.5)"),
        ("err_port_type.lua", "ports.TST.flows.freighter.goods.fresh.duty_prob must be a number in [0, 1] (got 'often')"),
        ("err_port_dist.lua", "ports.TST.prep_time: unknown distribution 'lognorm' (did you mean 'lognormal'? known: fixed,"),
        ("err_port_import.lua", "import 'portz': no module 'portz'"),
        ("err_port_era.lua", "era '2019': unknown era (known: 2017, 2021)"),
        ("err_port_days.lua", "hours[1].days must be days such as \"Mon-Fri\""),
        ("err_port_era_key.lua", "era '2018': ports.TST.advance_shar: unknown key (did you mean 'advance_share'?)"),
    ]
    for name, pattern in cases:
        rc, out, err = run("run", name)
        first = err.splitlines()[0] if err else ""
        where = f"{name}:{marker(name)}: "
        ok(rc == 1, f"{name}: exit 1", f"rc={rc}\n{err}")
        ok(first.startswith("kouan: " + where) and pattern in first, f"{name}: names {where}and says '{pattern}'", err)
    rc, out, err = run("run", "err_port_cycle.lua")
    ok(rc == 1 and "scenario.ports: the scenario table contains itself here (a cycle)" in err
       and len(err.splitlines()) < 20,
       "a scenario table that contains itself is refused with its path, not a stack overflow", err[:2000])
    rc, out, err = run("run", "err_port_model.lua")
    ok(rc == 1 and err.startswith("kouan: err_port_model.lua: port 'TST': scan_first_share is 0.5 but the port has no scanner"),
       "a model check's message is prefixed with the file", err)
    nowhere = {"KOUAN_ROOT": os.path.join(TESTDIR, "no_such_tree")}
    rc, out, err = run("run", SMALL, env=nowhere)
    ok(rc == 1 and "the scenario library" in err and "set KOUAN_ROOT" in err and "no_such_tree" in err,
       "KOUAN_ROOT is where the library is looked for; without it scenario{} says so", err)
    rc, out, err = run("run", "../../scenarios/mmc.lua", "--quiet", "--set", "customers=100", env=nowhere)
    ok(rc == 0, "a process-style scenario runs without the library", err)
    rc, out, err = run("run", "test_scenario.lua", "--quiet")
    ok(rc == 0 and "not ok" not in out and "\n1.." in out, "test_scenario.lua passes", out + err)


def group_dump():
    """--dump: the configuration a scenario converts to, one parameter a
    line, "PATH = TEXT [UNIT]" (model/param_print.h), resources in name
    order: every value of port_small.lua and port_features.lua."""
    def dump(*args):
        rc, out, err = run("run", *args, "--dump")
        return rc, out, err, out.splitlines()

    def resource_rows(lines, port):
        """Resource rows in order: (name, text after ' = ')."""
        pre = f"ports.{port}.resources."
        rows = []
        for l in lines:
            if l.startswith(pre):
                path, text = l.split(" = ", 1)
                rows.append((path[len(pre):].removesuffix(".capacity"), text))
        return rows

    rc, out, err, lines = dump(SMALL)
    ok(rc == 0 and err == "", "port_small.lua dumps cleanly", err)
    p, f = "ports.TST.", "ports.TST.flows."
    want = [
        "start_date = 2017-01-02 [date]", "horizon_days = 9 [d]", "warmup_days = 2 [d]",
        p + 'resources.documents = {hours = {{days = "Mon,Tue,Wed,Thu,Fri", from = "08:30", to = "17:30", '
        'capacity = 5}, {days = "Sat", from = "09:00", to = "12:00", capacity = 2}}, holidays = {"2017-01-27"}, '
        'workdays = {{"2017-01-22", as = "Mon"}}}',
        p + "resources.scanner.capacity = 1 [count]",
        p + "handling = handling", p + "documents = documents", p + "scanner = scanner",
        p + "inspection = inspection", p + "border_inspection = false", p + "apron = false", p + "gate = gate",
        p + 'prep_time = {"lognormal", mean = 6, cv = 0.8} [h]', p + 'notice_delay = {"erlang", k = 2, mean = 2} [h]',
        p + 'warehouse_move = {"normal", mean = 1, sd = 0.3, lo = 0, hi = math.huge} [h]',
        p + 'pickup_delay = {"discrete", values = {2, 6, 24}, weights = {0.5, 0.3, 0.2}} [h]',
        p + 'gate_time = {"fixed", value = 0.05} [h]', p + 'cert_time = {"fixed", value = 0.1} [h]',
        f + 'freighter.units_per_carrier = {"piecewise", x = {2, 10}, p = {0, 1}} [count]',
        p + "inspect_prob.aeo_advanced = 0.01 [share]", p + "inspect_prob.aeo_general = 0.02 [share]",
        p + "inspect_prob.ordinary = 0.05 [share]", p + "inspect_prob.discredited = 0.8 [share]",
        f + "freighter.timetable = Mon 02:30, Mon 23:10, Tue 23:10, Wed 02:30, Wed 23:10, Thu 23:10, "
        "Fri 02:30, Fri 23:10, Sat 23:10, Sun 23:10",
        f + "trucks out.rate_per_hour = 68.4 a week: 0.5 x120, 0.25 x24, 0.1 x24 [per h]",
        f + "trucks out.trader_share.aeo_advanced = 0 [weight]", f + "trucks out.trader_share.aeo_general = 0 [weight]",
        f + "trucks out.trader_share.ordinary = 1 [weight]", f + "trucks out.trader_share.discredited = 0 [weight]",
        f + "trucks out.goods.general.share = 1 [weight]", f + "trucks out.goods.general.apron_eligible = false",
        f + "trucks out.goods.general.green_channel = false", f + "trucks out.goods.general.lab_prob = 0 [share]",
        f + "trucks out.goods.general.duty_prob = 0 [share]",
        f + "trucks out.goods.general.extra_inspect_prob = 0 [share]",
    ]
    for w in want:
        ok(w in lines, f"port_small: '{w}'", out)
    names = [n for n, _ in resource_rows(lines, "TST")]
    ok(names == ["documents", "gate", "handling", "inspection", "scanner"],
       "resources in name order: documents is resource 0, gate 1, handling 2, inspection 3, scanner 4", names)
    ok(all(" = " in l for l in lines) and len(lines) == len(set(l.split(" = ")[0] for l in lines)),
       "one fact a line, each path once", out)

    rc, out, err, lines = dump("port_features.lua")
    ok(rc == 0, "port_features.lua dumps", err)
    rows = dict(resource_rows(lines, "TST"))
    names = [n for n, _ in resource_rows(lines, "TST")]
    for name, text, what in [
        ("night", '{hours = {{days = "Fri", from = "22:00", to = "24:00", capacity = 3}, {days = "Sat", from = "00:00", '
         'to = "06:00", capacity = 3}, {days = "Sat,Sun", from = "10:00", to = "12:00", capacity = 1}, '
         '{days = "Mon,Sun", from = "13:00", to = "15:00", capacity = 2}}, workdays = {{"2017-01-22", as = "Mon"}}}',
         "overnight hours split at midnight, 'weekends', a wrapping range, a bare workday date"),
        ("inspection", '{hours = {{days = "Mon,Tue,Wed,Thu,Fri", from = "08:00", to = "17:00", capacity = 4}}}',
         "capacity = false switches to opening hours"),
        ("yard", "3 [count]", "a bare number is a capacity"),
    ]:
        ok(rows.get(name) == text, what, f"{name}: {rows.get(name)}")
    ok(names.index("night") == 4 and names.index("inspection") == 3 and names.index("yard") == 6,
       "resource numbers as before: inspection 3, night 4, yard 6", names)
    stages = {l.split(" = ")[0][len("ports.TST."):]: l.split(" = ")[1] for l in lines
              if l.split(" = ")[0].count(".") == 2 and l.startswith("ports.TST.")}
    got = [stages.get(k) for k in ("handling", "documents", "scanner", "inspection", "border_inspection", "apron", "gate")]
    ok(got == [names[2], names[0], names[5], names[4], "false", names[6], "false"],
       "stages by other names, and false for none (handling 2 documents 0 scanner 5 inspection 4 apron 6)",
       f"{got} {names}")
    ok("ports.TST.flows.freighter.timetable = Tue 06:00, Tue 18:30, Thu 06:00, Thu 18:30" in lines,
       "several times per timetable entry", out)
    ok("ports.TST.flows.trucks out.rate_per_hour = 24 a week: 1 x24, 0 x144 [per h]" in lines,
       "168 rates written out (rate = false drops the other form)", out)

    rc, out, err = run("run", "port_features.lua")
    ok(rc == 0 and "TST, air, import" in out, "port_features.lua runs", err)

    # a variant (port_variant.lua: era 2021 and advance_share 0.4, which
    # the era sets to 1): the era first, then the variant's change
    for args, lead in ((("port_variant.lua",), 6), (("port_variant.lua", "--era", "2017"), 4),
                       (("port_variant.lua", "--era", "2021"), 6)):
        rc, out, err, lines = dump(*args)
        ok(rc == 0 and "ports.TST.advance_share = 0.4 [share]" in lines
           and f"ports.TST.advance_lead_hours = {lead} [h]" in lines,
           f"{' '.join(args)}: the variant's advance_share 0.4 over the era's, the era's lead time {lead} h",
           "\n".join(l for l in lines if "advance" in l) + err)
    mmc = os.path.join(ARGS.root, "scenarios", "mmc.lua")
    rc, out, err = run("run", mmc, "--dump")
    ok(rc == 2 and out == "" and "--dump: scenario" in err and "is process-style" in err and err.count("\n") == 1,
       "--dump of a process-style scenario: a usage error, nothing run", err)


def group_process():
    """Processes in a port scenario (processes = {...}): coroutines that run
    in each replication's simulation and use the port's resources."""
    PROC = "port_process.lua"
    rc, out, err = run("run", PROC)
    ok(rc == 0 and err == "", "port_process.lua (a weekly training process) runs cleanly", f"rc={rc}\n{err}")
    rc, off, err = run("run", PROC, "--set", "training=false")
    _, small, _ = run("run", SMALL)
    ok(rc == 0 and body(off) == body(small), "without its process it is port_small.lua, table for table",
       off[:300] + err)
    c_on = value(out, "TST, air, import", "customs (decl.->release)")
    c_off = value(off, "TST, air, import", "customs (decl.->release)")
    ok(c_on is not None and c_off is not None and c_on > c_off,
       "same seed: the training makes the import customs clock worse", f"with {c_on}, without {c_off}")

    def docs_row(table):
        for line in table.splitlines():
            f = line.split()
            if f[:2] == ["TST", "documents"]:
                return [float(x) for x in f[2:]]
        return None
    d_on, d_off = docs_row(out), docs_row(off)
    ok(d_on and d_off and d_on[2] > d_off[2], "and the document desk's mean queue longer",
       f"with {d_on}, without {d_off}")
    rc, longer, err = run("run", PROC, "--set", "hours=20")
    c_long = value(longer, "TST, air, import", "customs (decl.->release)")
    ok(rc == 0 and c_long is not None and c_long > c_on, "a longer session (--set hours=20) is worse still",
       f"{c_long} {c_on} {err}")
    rc2, out2, _ = run("run", PROC)
    ok(rc2 == 0 and out2 == out, "same seed, identical output")
    rc3, out3, err3 = run("run", PROC, "--reps", "3", "--seed", "4")
    rc4, out4, _ = run("run", PROC, "--reps", "3", "--seed", "4")
    _, off3, _ = run("run", PROC, "--reps", "3", "--seed", "4", "--set", "training=false")
    ok(rc3 == 0 and out3 == out4 and "3 replications" in out3 and body(out3) != body(off3),
       "--reps 3 with a process: reproducible, and unlike the table without it", out3[:300] + err3)
    # errors
    name = "err_port_proc.lua"
    rc, out, err = run("run", name)
    where = f"{name}:{marker(name)}: "
    ok(rc == 1 and err.startswith("kouan: " + where + "attempt to index a nil value")
       and "stack traceback:" in err and f"{name}:13: in function <{name}:11>" in err,
       "an error in a process stops the run with FILE:LINE and the process's traceback", err)
    name = "err_port_proc_type.lua"
    rc, out, err = run("run", name)
    where = f"{name}:{marker(name)}: "
    ok(rc == 1 and err.startswith("kouan: " + where + "processes[1] must be a function (got 'training')"),
       "a non-function in processes is refused with FILE:LINE", err)
    rc, out, err = run("run", SMALL, "--set", "processes=3")
    ok(rc == 2 and "processes must be a list of functions (got 3)" in err,
       "processes = 3 (from --set) is refused as a usage error", f"rc={rc}\n{err}")
    name = "err_port_proc_stale.lua"
    rc, out, err = run("run", name, "--quiet")
    ok(rc == 0, "a handle used only in its own replication works", err)
    rc, out, err = run("run", name, "--reps", "2")
    where = f"{name}:{marker(name)}: "
    ok(rc == 1 and err.startswith("kouan: " + where + "resource 'documents' of port 'TST' from replication 1 "
                                  "is no longer valid: that replication has ended"),
       "a port_resource handle kept past its replication is a clear error in the next one", err)
    name = "err_port_proc_res.lua"
    rc, out, err = run("run", name)
    where = f"{name}:{marker(name)}: "
    ok(rc == 1 and err.startswith("kouan: " + where + "port_resource: no resource 'documnets' at port 'TST'"),
       "port_resource of an unknown resource names it", err)
    rc, out, err = run("run", "err_port_proc_top.lua")
    ok(rc == 1 and "process(...) at the top level of a port scenario never runs" in err,
       "process(...) at the top level of a port scenario is refused", err)
    rc, out, err = run("run", PROC, "--set", "wait=true")
    ok(rc == 1 and "still in the system 876600 hours after the horizon (servers held for ever?)" in err,
       "a process that holds the scanner for ever: a clear error (the waiting process is discarded)", err)


def group_params():
    """--set (text, Lua, a new conversion) against --apply (a double set in
    a copy of the configuration, model/param_path.h, as a sweep point
    does), through tests/lua/params_dump.c: the same configuration."""
    helper = tap.tool("kouan-params-dump", required=True)

    def dump(*args):
        rc, out, err = tap.run([helper, *args], f"kouan-params-dump {' '.join(args)}", cwd=TESTDIR)
        return rc, out, err, out.splitlines()

    rc, out, err, _ = dump(SMALL)
    ok(rc == 0 and err == "" and out == run("run", SMALL, "--dump")[1],
       "the helper prints what kouan run --dump prints", err)
    # --set through Lua, --apply on a copy: the same configuration
    for path, value in [("ports.TST.advance_share", "0.3"), ("horizon_days", "5.5"), ("warmup_days", "1"),
                        ("max_in_system", "5000"), ("ports.TST.green_priority", "-3"),
                        ("ports.TST.inspect_prob.ordinary", "0.125"), ("ports.TST.resources.scanner", "3"),
                        ("ports.TST.resources.gate.capacity", "4"), ("ports.TST.prep_time.mean", "7.25"),
                        ("ports.TST.notice_delay.k", "3"), ("ports.TST.gate_time", "0.2"),
                        ("ports.TST.border_time", "12"), ("ports.TST.joint_inspection", "true"),
                        ("ports.TST.flows.freighter.goods.fresh.lab_prob", "0.35"),
                        ("ports.TST.flows.freighter.trader_share.discredited", "0.5"),
                        ("ports.TST.flows.freighter.delay.mean", "0.75")]:
        applied = "1" if value == "true" else value
        rc1, via_set, e1, _ = dump(SMALL, "--set", f"{path}={value}")
        rc2, via_apply, e2, _ = dump(SMALL, "--apply", f"{path}={applied}")
        ok(rc1 == 0 and rc2 == 0 and via_set == via_apply and via_set != out,
           f"{path}={value}: --set and --apply give the same configuration", e1 + e2)
    rc, out, err, _ = dump(SMALL, "--apply", "ports.TST.advance_share=1.5")
    ok(rc == 1 and "ports.TST.advance_share must be a number in [0, 1] (got 1.5)" in err,
       "--apply out of range: the conversion's message for the same key", err)
    rc, out, err, _ = dump(SMALL, "--apply", "ports.TST.advence_share=0.5")
    ok(rc == 1 and "ports.TST.advence_share: unknown key (did you mean 'advance_share'?)" in err,
       "--apply of a misspelt key names the nearest", err)
    rc, out, err, _ = dump(SMALL, "--apply", "ports.TST.resources.documents=3")
    ok(rc == 1 and "opening hours" in err, "--apply of a resource with opening hours is refused", err)


{"run": group_run, "set": group_set, "errors": group_errors, "dump": group_dump,
 "process": group_process, "params": group_params}[ARGS.group]()
tap.done()
