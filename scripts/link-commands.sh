#!/bin/sh
# Puts kouan and kouan-viz on the PATH, as the README and docs call them:
# symbolic links to the binaries of a build folder (so they follow every
# rebuild), in /usr/local/bin when it is writable, else ~/.local/bin, or in
# $KOUAN_BINDIR when set. Says so when that folder is not on the PATH.
# scripts/run.sh calls it after building.
#
#   scripts/link-commands.sh [BUILDDIR]     (default: build)
set -eu
cd "$(dirname "$0")/.."
build=$(cd "${1:-build}" && pwd)
bindir=${KOUAN_BINDIR:-/usr/local/bin}
[ -n "${KOUAN_BINDIR:-}" ] || [ -w "$bindir" ] || bindir="$HOME/.local/bin"
mkdir -p "$bindir"
for c in core/kouan viz/kouan-viz; do
    if [ -x "$build/$c" ]; then
        ln -sf "$build/$c" "$bindir/${c##*/}"
    else
        echo "link-commands.sh: $build/$c is not built (a build without the visualiser?): no ${c##*/} linked" >&2
    fi
done
case ":$PATH:" in
    *":$bindir:"*) ;;
    *) echo "link-commands.sh: kouan and kouan-viz are in $bindir, which is not on your PATH: add it" >&2 ;;
esac
