#!/bin/sh
# The README's first command: installs what is missing, builds kouan and
# kouan-viz (build/, optimised), puts both on the PATH, and runs a scenario.
#
#   scripts/run.sh [options]                the default scenario
#   scripts/run.sh SCENARIO.lua [options]   any scenario; options as for `kouan run`
#
# The default scenario is scenarios/henan.lua (all Henan ports, era 2017).
set -eu
cd "$(dirname "$0")/.."
scripts/bootstrap.sh >/dev/null
[ -d build ] || meson setup build --werror >/dev/null   # the build scripts/test.sh reuses
ninja -C build core/kouan viz/kouan-viz >/dev/null
scripts/link-commands.sh build   # kouan and kouan-viz on the PATH
case "${1:-}" in
    "" | -*) set -- scenarios/henan.lua "$@" ;;  # options only: the default scenario
esac
exec build/core/kouan run "$@"
