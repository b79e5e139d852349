#!/usr/bin/env python3
"""file_image.py — test file-image: the HDF5 readers from a file image in
memory (kou_h5_read_summary_image, kou_replay_open_image: what the
report_image and replay_image fuzz targets read) give what the readers of
the file give, on run files `kouan run` writes now (one replication; three
traced) and on the committed seeds that are refused (not HDF5, truncated).
image_compare does the comparing, field by field.

usage: file_image.py compare --kouan PATH --tool image_compare=PATH [--root SRCROOT]
"""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for tap.py
import tap  # noqa: E402

ARGS = tap.parse_args(__doc__, groups=["compare"])
compare = tap.tool("image_compare", required=True)
small = os.path.join(ARGS.root, "tests", "lua", "port_small.lua")
tmp = tempfile.mkdtemp(prefix="kouan-file-image-")
env = dict(os.environ, KOUAN_ROOT=ARGS.root)
files = []
for name, extra in (("one.h5", ["--reps", "1", "--seed", "5"]), ("traced.h5", ["--reps", "3", "--seed", "6", "--trace"])):
    path = os.path.join(tmp, name)
    rc, _, err = tap.run([ARGS.kouan, "run", small, *extra, "--quiet", "--force", "-o", path], timeout=240, cwd=tmp,
                         env=env)
    if tap.ok(rc == 0 and os.path.exists(path), f"kouan run {' '.join(extra)} writes {name}", err):
        files.append(path)
seeds = os.path.join(ARGS.root, "tests", "fuzz", "corpus", "report")
files += [os.path.join(seeds, f) for f in ("text.h5", "truncated.h5")]
rc, out, err = tap.run([compare, *files], timeout=240)
checks = [line for line in out.splitlines() if line.startswith(("ok ", "not ok "))]
bad = [line for line in checks if line.startswith("not ok")]
# 2 run files: summary + replications + one past the last; 2 refused files: summary + replay
want = (1 + 1 + 1) + (1 + 3 + 1) + 2 * 2 if len(files) == 4 else None
tap.ok(rc == 0 and not bad and (want is None or len(checks) == want),
       f"image readers agree with the path readers: {len(checks) - len(bad)} of {len(checks)} comparisons"
       + (f" (expected {want})" if want else ""), out + err)
read = [line for line in out.splitlines() if "consignments" in line]
tap.ok(any(" 0 consignments" not in line for line in read),
       "the comparisons covered consignments (a file that reads empty would prove nothing)", out)
tap.diag("\n".join(line for line in out.splitlines() if line.startswith("#")))
shutil.rmtree(tmp, ignore_errors=True)
tap.done()
