#!/bin/sh
# Fuzzing (docs/hardening.md): builds the fuzz targets of tests/fuzz with
# clang's libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer in
# build-fuzz, re-runs every committed regression input, then fuzzes each
# target for SECONDS (default 30; CI runs scripts/test.sh, which calls this
# with 30). Ends with one line "N passed, N failed, N skipped". Crashing
# inputs are kept in build-fuzz/tests/fuzz/fuzz-work/TARGET/.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]     targets: scenario report replay cli
#                                             report_image replay_image (default: all)
#   scripts/fuzz.sh 3600                      the longer run of docs/hardening.md
#   scripts/fuzz.sh --long [HOURS] [TARGET...]  every target side by side in the
#                                             background (default 12 h), restarted
#                                             after each finding (tests/fuzz/run_fuzz.py);
#                                             figures in build-fuzz/fuzz-long/stats.txt
#   scripts/fuzz.sh --long --status           prints those figures
set -u
cd "$(dirname "$0")/.."
long=""
if [ "${1:-}" = "--long" ]; then
    long=1
    shift
    if [ "${1:-}" = "--status" ]; then
        f=build-fuzz/fuzz-long/stats.txt
        [ -f "$f" ] || { echo "no long run yet ($f missing)" >&2; exit 1; }
        cat "$f"
        pid=$(sed -n 's/.*: pid \([0-9]*\),.*/\1/p' "$f" | head -1)
        if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "running (pid $pid)"; else echo "not running"; fi
        exit 0
    fi
    hours=${1:-12}
    [ $# -gt 0 ] && shift
    case $hours in *[!0-9.]*|'') echo "usage: scripts/fuzz.sh --long [HOURS] [TARGET...] | --long --status" >&2; exit 2 ;; esac
fi
secs=${1:-30}
[ -n "$long" ] && secs=0
[ -z "$long" ] && [ $# -gt 0 ] && shift
case $secs in *[!0-9]*|'') echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
if [ ! -d build-fuzz ]; then
    # warnings as errors under clang too, as the other builds under gcc
    CC=clang-14 meson setup build-fuzz --werror -Dfuzz=enabled -Dtests=false -Dviz=disabled -Dmpi=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fno-sanitize-recover=all \
        >/dev/null || exit 1
fi
[ -n "$long" ] || echo "== build-fuzz (${secs} s per target) =="
ninja -C build-fuzz >/dev/null || exit 1
if [ -n "$long" ]; then
    mkdir -p build-fuzz/fuzz-long
    # shellcheck disable=SC2086
    nohup python3 tests/fuzz/run_fuzz.py --long "$hours" --build build-fuzz "$@" \
        >build-fuzz/fuzz-long/run.log 2>&1 &
    echo "fuzzing in the background for $hours h: pid $!, figures in build-fuzz/fuzz-long/stats.txt" \
         "(scripts/fuzz.sh --long --status)"
    exit 0
fi
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
