#!/bin/sh
# The test command of the README and of CI: installs what is missing, builds
# kouan with warnings as errors, runs every test suite, then runs them again
# under AddressSanitizer + UndefinedBehaviorSanitizer, then runs the suite
# 'threads' (every command that starts threads) under ThreadSanitizer, and
# prints one closing line "N passed, N failed, N skipped" over all builds.
#
#   scripts/test.sh            full run (release-like build + the two sanitizer builds)
#   scripts/test.sh --quick    only the first build
# The full run also fuzzes each target of tests/fuzz for 30 s
# ($KOUAN_FUZZ_SECONDS) with libFuzzer in build-fuzz (scripts/fuzz.sh).
# build-tsan (gcc, -Db_sanitize=thread) runs only the suite 'threads', and
# the other builds all but it: ThreadSanitizer finds races, which only the
# threaded commands can have, and the whole suite under it would cost minutes
# (docs/hardening.md, ThreadSanitizer).
set -u
cd "$(dirname "$0")/.."
scripts/bootstrap.sh || exit 1

rc=0
builds="build"
[ "${1:-}" = --quick ] || builds="build build-asan build-tsan"
for b in $builds; do
    # a build made by scripts/run.sh before it set --werror: tests want it
    [ -d "$b" ] && meson configure "$b" -Dwerror=true >/dev/null
    if [ ! -d "$b" ]; then
        if [ "$b" = build-asan ]; then
            meson setup "$b" --werror -Db_sanitize=address,undefined \
                -Dc_args=-fno-sanitize-recover=all >/dev/null || exit 1
        elif [ "$b" = build-tsan ]; then
            CC=gcc meson setup "$b" --werror -Db_sanitize=thread >/dev/null || exit 1
        else
            meson setup "$b" --werror >/dev/null || exit 1
        fi
    fi
    echo "== $b =="
    ninja -C "$b" || exit 1
    if [ "$b" = build-tsan ]; then
        meson test -C "$b" --print-errorlogs --num-processes 2 --suite threads || rc=1
    else
        meson test -C "$b" --print-errorlogs --num-processes 2 --no-suite threads || rc=1
    fi
done
if [ "${1:-}" != --quick ]; then
    KOUAN_FUZZ_NO_SUMMARY=1 scripts/fuzz.sh "${KOUAN_FUZZ_SECONDS:-30}" || rc=1
fi
echo
summarised="build"
[ "${1:-}" = --quick ] || summarised="build build-asan build-tsan build-fuzz"
# shellcheck disable=SC2086
python3 scripts/test-summary.py $summarised || rc=1
exit $rc
