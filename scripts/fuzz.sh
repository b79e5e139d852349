#!/bin/sh
# Fuzzing (docs/hardening.md): builds the fuzz targets of tests/fuzz with
# clang's libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer in
# build-fuzz, re-runs every committed regression input, then fuzzes each
# target for SECONDS (default 30; CI runs scripts/test.sh, which calls this
# with 30). Ends with one line "N passed, N failed, N skipped". Crashing
# inputs are kept in build-fuzz/tests/fuzz/fuzz-work/TARGET/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: scenario report replay cli (default: all)
#   scripts/fuzz.sh 3600                      the longer run of docs/hardening.md
set -u
cd "$(dirname "$0")/.."
secs=${1:-30}
[ $# -gt 0 ] && shift
case $secs in *[!0-9]*|'') echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
if [ ! -d build-fuzz ]; then
    # warnings as errors under clang too, as the other builds under gcc
    CC=clang-14 meson setup build-fuzz --werror -Dfuzz=enabled -Dtests=false -Dviz=disabled -Dmpi=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all \
        >/dev/null || exit 1
fi
echo "== build-fuzz (${secs} s per target) =="
ninja -C build-fuzz >/dev/null || exit 1
names=""
for t in "$@"; do names="$names fuzz-$t fuzz-regress-$t"; done
[ -n "$names" ] || names="--suite fuzz --suite fuzz-regress"
# shellcheck disable=SC2086
KOUAN_FUZZ_SECONDS=$secs meson test -C build-fuzz --print-errorlogs $names
rc=$?
for s in build-fuzz/tests/fuzz/fuzz-work/*/stats.txt; do
    [ -f "$s" ] && awk '{printf "%s=%s ", $1, $2} END {print ""}' "$s"
done
# scripts/test.sh prints the summary line itself (KOUAN_FUZZ_NO_SUMMARY=1)
[ -n "${KOUAN_FUZZ_NO_SUMMARY:-}" ] || python3 scripts/test-summary.py build-fuzz || rc=1
exit $rc
