#!/bin/sh
# Regenerates the golden outputs (tests/golden/*.txt) after an intended
# change of what `kouan run` prints, then shows what changed.
#
#   scripts/update-golden.sh [BUILD_DIR]      (default: build)
#
# Builds kouan in BUILD_DIR (set up first if missing), reruns every golden
# command (tests/golden/check_golden.py) and rewrites the files. Review
# `git diff tests/golden` before committing: every changed number should
# be explained by the change.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
[ -d "$build" ] || meson setup "$build" >/dev/null
ninja -C "$build" core/kouan >/dev/null
python3 tests/golden/check_golden.py all --update --kouan "$build/core/kouan" --root .
git diff --stat -- tests/golden 2>/dev/null || true
