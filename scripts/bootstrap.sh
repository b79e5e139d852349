#!/bin/sh
# Install every Debian package kouan needs, on a new machine or an old one.
# Safe to run again: apt-get skips what is already installed.
#
#   scripts/bootstrap.sh           core build + tests (Lua, GSL, HDF5, SDL2, libxlsxwriter, Open MPI,
#                                  ffmpeg, readers (openpyxl reads the .xlsx back in tests/planner),
#                                  clang's libFuzzer for scripts/fuzz.sh, SimPy 3 for the
#                                  SimPy twins and scripts/bench.sh, pandas, venv and pip for
#                                  the Python package python/kouan)
#   scripts/bootstrap.sh all       also an X server for screenshots of the window
# Never add libhdf5-openmpi-dev: it repoints hdf5.pc (docs/sweep.md, MPI).
set -eu

core="meson ninja-build pkg-config gcc libc6-dev
      liblua5.4-dev libgsl-dev libhdf5-dev libsdl2-dev libsdl2-ttf-dev libpng-dev libxlsxwriter-dev
      fonts-wqy-microhei hdf5-tools python3 python3-h5py python3-numpy python3-matplotlib python3-simpy3
      python3-openpyxl
      python3-pandas python3-venv python3-pip valgrind
      libopenmpi-dev openmpi-bin ffmpeg
      clang-14 libclang-rt-14-dev"
extra="xvfb xauth x11-apps imagemagick"

pkgs=$core
[ "${1:-}" = all ] && pkgs="$core $extra"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "bootstrap: all packages present"
    exit 0
fi

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
echo "bootstrap: installing$missing"
$SUDO apt-get update -q
# --no-install-recommends keeps autotools out (libhdf5-dev recommends them).
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
