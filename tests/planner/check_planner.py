#!/usr/bin/env python3
"""check_planner.py — what a planner hands over from `kouan compare`: the
wide CSV, the .xlsx read back by a real client (openpyxl), --lang zh, the
usage errors of --xlsx/--lang, and the walkthrough of docs/planner.md run
in a short mode; prints TAP for meson.

usage: check_planner.py GROUP --kouan KOUAN [--root SRCROOT]   (tests/tap.py)
  GROUP  xlsx | zh | usage | walkthrough
xlsx: tests/lua/port_small.lua 2017 against 2021: the .xlsx's cells are
numbers (with number formats) equal to the wide CSV's and, rounded to two
decimals, to the printed table's means, differences and % changes; the
verdict columns are the table's verdicts; the provenance sheet names the
scenario, eras, seed, replications and version; the wide CSV's values are
the long CSV's (--csv-long); the same comparison gives the same bytes.
zh: --lang zh puts the table, the CSV's and the .xlsx's headers and the
names in Chinese, the numbers unchanged; a port's scenario name_zh (one
kouan's own words do not know) in the table, wide CSV, .xlsx, the long
CSV's port_zh column and the compare file's /group_port_zh; --group by
the Chinese names (as the English ones: name, without commas, port,
pattern) selects the English name's blocks; a misspelt Chinese name is
refused (exit 2) naming the nearest and listing the groups in Chinese.
usage: a bad --lang names en and zh; --xlsx refuses a name without .xlsx
and a missing folder before any run; an unwritable file is a clear error
(exit 1) and leaves no partial file.
walkthrough: the kouan commands of docs/planner.md, with --reps 2 --until
400, from a folder holding the tree's scenarios: every artefact they name
exists and is valid (a PNG, an .xlsx with the rail port's rows, a CSV).
"""
import csv
import os
import re
import shlex
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402
from tap import ok  # noqa: E402

ARGS = tap.parse_args(__doc__, ["xlsx", "zh", "usage", "walkthrough"])
GROUP, KOUAN, ROOT = ARGS.group, ARGS.kouan, ARGS.root
SCN = os.path.join(ROOT, "tests", "lua", "port_small.lua")
ERAS = ["--era", "2017", "--era", "2021"]
TMP = tempfile.mkdtemp(prefix="kouan-planner-")
ENV = dict(os.environ, KOUAN_ROOT=ROOT)


def run(*args, cwd=TMP, timeout=600):
    return tap.run([KOUAN, "compare", *args], f"kouan compare {' '.join(args)}", timeout=timeout, cwd=cwd, env=ENV)


def path(name):
    return os.path.join(TMP, name)


def wide(p):
    with open(p, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def workbook(p):
    try:
        import openpyxl
    except ImportError:
        raise SystemExit("Bail out! openpyxl is missing (Debian: python3-openpyxl, scripts/bootstrap.sh)")
    return openpyxl.load_workbook(p)


def sheet_rows(ws):
    return [list(r) for r in ws.iter_rows(values_only=True)]


def same_number(x, text):
    """An .xlsx number against a CSV field ("%.10g"; "" for none)."""
    if text == "":
        return x is None
    return isinstance(x, (int, float)) and abs(x - float(text)) <= 1e-9 * max(1.0, abs(x))


def table_blocks(out):
    return dict(re.findall(r"^== ([^\n]+) ==\n(.*?)(?=^== |\Z)", out, re.S | re.M))


def printed(block, metric_label):
    """The printed means (a list per alternative), differences and % changes
    (from the second alternative on) of one metric in one block."""
    lines = block.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith(metric_label))
    num = r"([-+]?\d+\.\d+) ±"
    return ([float(x) for x in re.findall(num, lines[i])], [float(x) for x in re.findall(num, lines[i + 1])],
            [float(x) for x in re.findall(num, lines[i + 2])])


if GROUP == "xlsx":
    args = [SCN, *ERAS, "--reps", "4", "--no-output"]
    code, out, err = run(*args, "--csv", path("w.csv"), "--csv-long", path("l.csv"), "--xlsx", path("w.xlsx"))
    ok(code == 0 and "workbook" in err, "--csv --csv-long --xlsx: exit 0, says where the workbook is", err)
    head, rows = wide(path("w.csv"))
    ok(len(rows) == 8 and head[:7] == ["port", "direction", "mode", "alternative", "replications", "verdict -1/3",
                                       "verdict -1/2"], "wide CSV: a header, one row per group x alternative (4 x 2)",
       head[:8])
    wb = workbook(path("w.xlsx"))
    ok(wb.sheetnames == ["comparison", "provenance"], "two sheets: comparison, provenance", wb.sheetnames)
    xs = sheet_rows(wb["comparison"])
    ok(xs[0] == head, "the sheet's header row is the CSV's", xs[0])
    cells_ok = all(same_number(x, t) if not isinstance(x, str) else x == t
                   for xr, cr in zip(xs[1:], rows) for x, t in zip(xr, cr))
    ok(len(xs) == 9 and cells_ok, "every cell equals the CSV's field (numbers to 1e-9)")
    numeric = [c for c, h in enumerate(head) if c >= 7 or h == "replications"]
    ok(all(isinstance(xs[1][c], (int, float)) for c in numeric if xs[1][c] is not None)
       and all(isinstance(xs[2][c], (int, float)) for c in numeric),
       "numbers are stored as numbers, not text")
    ws = wb["comparison"]
    ok(ws.cell(2, 8).number_format == "0.00" and ws.cell(2, 5).number_format == "0",
       "with number formats (0.00, 0 for replications)", (ws.cell(2, 8).number_format, ws.cell(2, 5).number_format))
    # the printed table: the same run without files prints the same numbers
    code, out, err = run(*args)
    blocks = table_blocks(out)
    col = {h: c for c, h in enumerate(head)}
    checked = 0
    for r in xs[1:]:
        name = f"{r[0]}, {r[1]}" + ("" if r[2] == "all modes" else f", {r[2]}")
        a = 0 if r[3] == "2017" else 1
        for metric, unit in (("overall_mean", "h"), ("customs_mean", "h"), ("inspection_rate", "%"),
                             ("cost_mean", "CNY")):
            means, diffs, pcts = printed(blocks[name], f"{metric} ({unit})")
            same = round(r[col[f"{metric} ({unit})"]], 2) == means[a]
            if a:
                same = same and round(r[col[f"{metric} vs baseline ({unit})"]], 2) == diffs[0] \
                    and round(r[col[f"{metric} change (%)"]], 2) == pcts[0]
            checked += same
        verdicts = [ln for ln in blocks[name].splitlines() if ln.startswith("target")]
        if a:
            checked += all(f"  2021 {r[col[k]]}" in v for k, v in zip(("verdict -1/3", "verdict -1/2"), verdicts))
    ok(checked == 8 * 4 + 4, f"the printed table's means, differences, % changes and verdicts ({checked} of 36)")
    # the long CSV's means are the wide one's
    with open(path("l.csv"), encoding="utf-8", newline="") as f:
        long_rows = list(csv.DictReader(f))
    mean_long = {(x["port"], x["direction"], x["mode"], x["alternative"], x["metric"]): x for x in long_rows}
    agree = all(same_number(float(mean_long[(r[0], r[1], r[2], r[3], "overall_mean")]["mean"]),
                            r[col["overall_mean (h)"]])
                and (r[3] == "2017" or same_number(float(mean_long[(r[0], r[1], r[2], r[3], "overall_mean")]
                                                         ["pct_change"]), r[col["overall_mean change (%)"]]))
                for r in rows)
    ok(agree and "rep_1" in long_rows[0], "--csv-long: the old long CSV, with the same means and % changes")
    prov = {r[0]: r[1] for r in sheet_rows(wb["provenance"])[1:] if r[0] not in ("alternative", "eras",
                                                                                  "scenario files")}
    items = [r[0] for r in sheet_rows(wb["provenance"])]
    ok(items.count("scenario files") == 2 and items.count("eras") == 2 and prov.get("seed") == 1
       and prov.get("replications") == 4 and prov.get("kouan version") and "port_small.lua" in prov["command line"],
       "provenance: scenario files, eras, seed, replications, version, command line", sheet_rows(wb["provenance"]))
    eras = [r[1] for r in sheet_rows(wb["provenance"]) if r[0] == "eras"]
    ok(eras == ["2017", "2021"], "provenance: the eras", eras)
    code2, _, err2 = run(*args, "--xlsx", path("w2.xlsx"), "-j", "2")
    a, b = open(path("w.xlsx"), "rb").read(), open(path("w2.xlsx"), "rb").read()
    # the provenance differs in the command line and the finishing time only: compare the comparison sheet's XML
    import zipfile
    s1 = zipfile.ZipFile(path("w.xlsx")).read("xl/worksheets/sheet1.xml")
    s2 = zipfile.ZipFile(path("w2.xlsx")).read("xl/worksheets/sheet1.xml")
    ok(code2 == 0 and s1 == s2 and len(a) > 0 and len(b) > 0, "-j 2: the comparison sheet byte-identical", err2)
    # float noise is 0, never 2.5e-13 (tests/compare rounding)
    noise = path("noise.lua")
    with open(noise, "w") as f:
        f.write('return (import "tests/lua/port_small.lua"):with '
                '{ ports = { { name = "TST", fee_inspection = 200 + 3e-12 } } }\n')
    code, _, err = run(SCN, noise, "--reps", "3", "--no-output", "--csv", path("noise.csv"), "--csv-long",
                       path("noise-long.csv"), cwd=ROOT)
    text = open(path("noise.csv"), encoding="utf-8").read()
    long_text = open(path("noise-long.csv"), encoding="utf-8").read()
    ok(code == 0 and re.search(r"\d[eE][-+]?\d", long_text) and not re.search(r"\d[eE][-+]?\d", text)
       and ",-0," not in text, "float noise: in the long CSV's raw values, 0 in the wide CSV", err)

elif GROUP == "zh":
    args = [SCN, *ERAS, "--reps", "3", "--no-output"]
    code, out, err = run(*args, "--lang", "zh", "--csv", path("zh.csv"), "--xlsx", path("zh.xlsx"), "--bom")
    ok(code == 0, "--lang zh: exit 0", err)
    for want in ("== 全部口岸, 进口 ==", "== TST, 出口, 公路 ==", "指标", "整体通关时间均值 (小时)", "  较基准", "  变化 %",
                 "目标 整体通关时间均值 -1/3 对比 2017:", "共同随机数"):
        ok(want in out, f"table: '{want}'", out[:1500])
    ok(not any(w in out for w in ("metric", "vs baseline", "all ports", "target")), "no English words left",
       out[:1500])
    for stop, want in ((["--until-halfwidth", "1000", "--max-reps", "4"], "已停止：整体通关时间均值（全部口岸，进口）配对差的半宽 "),
                       (["--until-halfwidth", "0.0001", "--max-reps", "2"],
                        "在 --max-reps 2 处停止：整体通关时间均值（全部口岸，进口）配对差的半宽 ")):
        code, out, err = run(SCN, *ERAS, "--reps", "2", "--no-output", "--lang", "zh", "--until", "400", *stop)
        text = out + err
        ok(code == 0 and want in text and "stopped" not in text and "half-width" not in text,
           f"--lang zh {' '.join(stop)}: the stopping line in Chinese", text[:1500])
    raw = open(path("zh.csv"), "rb").read()
    ok(raw.startswith(b"\xef\xbb\xbf"), "--bom: a byte-order mark first")
    head, rows = wide(path("zh.csv"))
    ok(head[:7] == ["口岸", "方向", "运输方式", "方案", "重复次数", "结论 -1/3", "结论 -1/2"]
       and "整体通关时间均值 较基准 (小时)" in head and "平均费用 (元)" in head, "CSV headers in Chinese", head[:12])
    ok({r[1] for r in rows} == {"进口", "出口"} and rows[0][0] == "全部口岸" and rows[0][5] == "基准"
       and rows[1][5] in ("达到", "未达到", "未定", "无差异"), "directions, ports and verdicts in Chinese", rows[:2])
    wb = workbook(path("zh.xlsx"))
    ok(wb.sheetnames == ["方案比较", "来源"] and sheet_rows(wb.worksheets[0])[0] == head
       and sheet_rows(wb.worksheets[1])[0] == ["项目", "内容"], "the .xlsx: sheets and headers in Chinese",
       wb.sheetnames)
    code, _, _ = run(*args, "--csv", path("en.csv"))
    _, en_rows = wide(path("en.csv"))
    ok([r[3:5] + r[7:] for r in en_rows] == [r[3:5] + r[7:] for r in rows], "the numbers are the English CSV's")
    png = path("zh.png")
    code, _, err = run(SCN, *ERAS, "--reps", "3", "-o", path("zh.h5"), "--plot", png, "--lang", "zh", "--quiet")
    ok(code == 0 and os.path.getsize(png) > 10000 and "missing from" not in err,
       "--plot --lang zh: a chart, no missing glyphs", err)
    # a port whose Chinese name only its scenario knows (name_zh; kouan's word table has no 许昌测试港)
    zh_scn = path("named.lua")
    with open(zh_scn, "w", encoding="utf-8") as f:
        f.write('return (import "tests/lua/port_small.lua"):with { ports = { { name = "TST", name_zh = "许昌测试港" } } }\n')
    code, out, err = run(zh_scn, *ERAS, "--reps", "2", "--until", "300", "--lang", "zh", "-o", path("named.h5"),
                         "--csv", path("named.csv"), "--csv-long", path("named-long.csv"), "--xlsx",
                         path("named.xlsx"), cwd=ROOT)
    ok(code == 0 and "== 许昌测试港, 进口, 航空 ==" in out and "== 许昌测试港, 出口, 公路 ==" in out and "TST" not in out,
       "name_zh: the table's group headers name the port in Chinese", out[:1500] + err)
    head, rows = wide(path("named.csv"))
    ok([r[0] for r in rows] == ["全部口岸"] * 4 + ["许昌测试港"] * 4, "name_zh: the wide CSV's port column",
       [r[0] for r in rows])
    with open(path("named-long.csv"), encoding="utf-8", newline="") as f:
        long_rows = list(csv.DictReader(f))
    ok(list(long_rows[0])[:3] == ["port", "port_zh", "mode"]
       and {(x["port"], x["port_zh"]) for x in long_rows} == {("all ports", "全部口岸"), ("TST", "许昌测试港")},
       "name_zh: --csv-long adds port_zh after port (the keys stay English)", list(long_rows[0])[:4])
    xs = sheet_rows(workbook(path("named.xlsx")).worksheets[0])
    ok(xs[0] == head and [r[0] for r in xs[1:]] == [r[0] for r in rows], "name_zh: the .xlsx's port column",
       [r[0] for r in xs[1:]])
    import h5py
    with h5py.File(path("named.h5"), "r") as f:
        stored = [x.decode() if isinstance(x, bytes) else x for x in f["group_port_zh"][()]]
    ok(stored == ["全部口岸"] * 2 + ["许昌测试港"] * 2, "name_zh: the compare file's /group_port_zh (the chart's)",
       stored)
    code, out, err = run(zh_scn, *ERAS, "--reps", "2", "--until", "300", "--no-output", "--csv",
                         path("named-en.csv"), "--csv-long", path("named-en-long.csv"), cwd=ROOT)
    _, en_rows = wide(path("named-en.csv"))
    ok(code == 0 and "== TST, import, air ==" in out and "许昌" not in out and en_rows[4][0] == "TST"
       and open(path("named-en-long.csv"), encoding="utf-8").readline().startswith("port,mode,"),
       "name_zh: in English the port's name, no port_zh column", out[:800] + err)
    # --group takes the names the Chinese table prints (the port's name_zh, 全部口岸), with the English rules:
    # the group's name, without its commas, the port, a pattern; the same blocks as the English name selects
    heads = lambda text: [ln[3:-3] for ln in text.splitlines() if ln.startswith("== ")]
    short = [zh_scn, *ERAS, "--reps", "2", "--until", "300", "--no-output"]
    for en, zh, want in (("TST", "许昌测试港", ["许昌测试港, 进口, 航空", "许昌测试港, 出口, 公路"]),
                         ("TST, export, road", "许昌测试港, 出口, 公路", ["许昌测试港, 出口, 公路"]),
                         ("all ports import", "全部口岸 进口", ["全部口岸, 进口"]),
                         ("T?T, *", "许昌*港, *", ["许昌测试港, 进口, 航空", "许昌测试港, 出口, 公路"])):
        _, by_en, _ = run(*short, "--lang", "zh", "--group", en, cwd=ROOT)
        code, by_zh, err = run(*short, "--lang", "zh", "--group", zh, cwd=ROOT)
        ok(code == 0 and heads(by_zh) == want and by_zh == by_en,
           f"--group '{zh}': the table of --group '{en}' ({len(want)} groups)", by_zh[:1500] + err)
    _, by_en, _ = run(*short, "--group", "TST, import, air", cwd=ROOT)
    code, by_zh, err = run(*short, "--group", "许昌测试港, 进口, 航空", cwd=ROOT)
    ok(code == 0 and heads(by_zh) == ["TST, import, air"] and by_zh == by_en,
       "--group by the Chinese name without --lang zh: the English table's group", by_zh[:800] + err)
    for bad, near in (("许昌测试湾", "许昌测试港"), ("全部口岸, 进囗", "全部口岸, 进口"), ("许昌测试港 出口 公陆", "许昌测试港 出口 公路")):
        code, out, err = run(*short, "--lang", "zh", "--group", "全部口岸", "--group", bad, cwd=ROOT)
        ok(code == 2 and out == "" and err.count("\n") == 1 and f"--group '{bad}': no such group" in err
           and f"did you mean '{near}'?" in err
           and "the groups: '全部口岸, 进口' ('all ports, import'), '全部口岸, 出口' ('all ports, export'), "
               "'许昌测试港, 进口, 航空' ('TST, import, air'), '许昌测试港, 出口, 公路' ('TST, export, road')" in err,
           f"--lang zh --group '{bad}': exit 2, did you mean '{near}', the groups in Chinese", err)

elif GROUP == "usage":
    cases = [
        (["--lang", "fr"], "--lang: 'fr' is not en or zh"),
        (["--lang", "ZH"], "--lang: 'ZH' is not en or zh"),
        (["--xlsx", path("w.csv")], "--xlsx: '" + path("w.csv") + "' is not a file name ending in .xlsx in an "
                                                                  "existing folder"),
        (["--xlsx", path("no/such/dir/w.xlsx")], "is not a file name ending in .xlsx in an existing folder"),
        # every file compare writes: a missing folder refused before any run, saying so
        (["-o", path("no/such/dir/c.h5")], "-o: '" + path("no/such/dir/c.h5") + "' is not a file name in an "
                                                                               "existing folder (create the folder first)"),
        (["--csv", path("no/w.csv")], "--csv: '" + path("no/w.csv") + "' is not a file name in an existing folder"),
        (["--csv-long", path("no/w.csv")], "--csv-long: '" + path("no/w.csv") + "' is not a file name in an "
                                                                                "existing folder"),
        (["--plot", path("no/w.png")], "--plot: '" + path("no/w.png") + "' is not a file name ending in .png or "
                                                                         ".svg, in an existing folder"),
        (["--uncertainty", "2", "--csv-long", path("u.csv")], "--uncertainty: not with --csv-long"),
        (["--bom"], "--bom: only with --csv or --csv-long"),
    ]
    for extra, want in cases:
        code, out, err = run(SCN, *ERAS, "--reps", "2", "--no-output", *extra)
        ok(code == 2 and want in err and err.count("\n") == 1 and out == "",
           f"{' '.join(extra).replace(TMP, '')}: exit 2, '{want.replace(TMP, '')}'", err)
    ok(not os.listdir(TMP), "refused before any run: nothing written", os.listdir(TMP))
    code, out, _ = run("--help")
    ok(code == 0 and all(w in out for w in ("--xlsx", "--csv-long", "--lang", "en|zh")), "--help names them")
    # a file that cannot be written: an existing folder of that name, and a read-only file system
    os.mkdir(path("taken.xlsx"))
    for target in (path("taken.xlsx"), "/proc/kouan-test.xlsx"):
        code, out, err = run(SCN, *ERAS, "--reps", "2", "--no-output", "--xlsx", target, "--quiet")
        ok(code == 1 and f"kouan: {target}: cannot write: " in err and err.count("\n") == 1,
           f"--xlsx {target.replace(TMP, '')}: exit 1, 'cannot write' and why", err)
        ok(not os.path.exists(target + ".partial") and not os.path.isfile(target), "no partial file left",
           os.listdir(os.path.dirname(target)) if target.startswith(TMP) else "")

elif GROUP == "walkthrough":
    doc = open(os.path.join(ROOT, "docs", "planner.md"), encoding="utf-8").read()
    blocks = re.findall(r"^```sh\n(.*?)^```", doc, re.S | re.M)
    commands = [c for b in blocks for c in b.replace("\\\n", " ").splitlines() if c.startswith("kouan ")]
    ok(any(c.startswith("kouan compare") and "--xlsx" in c and "--plot" in c and "--lang zh" in c
           for c in commands), "docs/planner.md: a kouan compare with --xlsx, --plot and --lang zh", commands)
    work = path("walk")
    os.makedirs(work)
    os.symlink(os.path.join(ROOT, "scenarios"), os.path.join(work, "scenarios"))
    bindir = path("bin")
    os.makedirs(bindir)
    os.symlink(KOUAN, os.path.join(bindir, "kouan"))
    env = dict(ENV, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    made = []
    for cmd in commands:
        argv = shlex.split(cmd.split(" | ")[0])
        if argv[1] in ("run", "compare"):
            if "--reps" in argv:
                argv[argv.index("--reps") + 1] = "2"
            if "--dump" not in argv:
                argv += ["--until", "400"]
        rc, out, err = tap.run(["sh", "-c", shlex.join(argv) + (" | " + cmd.split(" | ", 1)[1] if " | " in cmd
                                                                 else "")],
                               f"doc: {cmd}", timeout=900, cwd=work, env=env)
        ok(rc == 0 and out.strip() != "", f"doc, short: {cmd}", err[-2000:])
        for opt in ("--xlsx", "--csv", "--plot", "-o"):
            if opt in argv:
                made.append(os.path.join(work, argv[argv.index(opt) + 1]))
    pngs = [p for p in made if p.endswith(".png")]
    xlsxs = [p for p in made if p.endswith(".xlsx")]
    ok(pngs and all(open(p, "rb").read(8) == b"\x89PNG\r\n\x1a\n" and os.path.getsize(p) > 10000 for p in pngs),
       "the chart handed over is a PNG", pngs)
    for p in xlsxs:
        wb = workbook(p)
        rows = sheet_rows(wb.worksheets[0])
        rail = [r for r in rows[1:] if str(r[0]).startswith(("ZZ rail", "郑州铁路"))]  # the name, or its name_zh
        ok(len(rows) > 2 and rail and all(isinstance(r[7], float) for r in rail)
           and len(wb.sheetnames) == 2, f"{os.path.basename(p)}: a workbook with the rail port's rows, numbers",
           rows[:3])
    ok(xlsxs and all(os.path.exists(p) for p in made), "every file the commands name was made", made)

tap.done()
