#!/bin/sh
# The validation report: builds kouan (build/, warnings as errors), then runs
# scripts/validate.py, which runs the theory scenarios, the Henan
# calibration, the reform eras, the one-lever-at-a-time runs and the
# face-validity checks, and writes results/validation.md and
# results/validation/*.png. Exit status 1 when a theory check leaves its
# simultaneous 95 % interval.
#
#   scripts/validate.sh            full mode (the committed report; 4-5 min on 2 cores)
#   scripts/validate.sh --short    fewer replications (CI-sized), into results/validation-short/
#   scripts/validate.sh --out DIR  write DIR/validation.md instead
set -u
cd "$(dirname "$0")/.."
if [ ! -d build ]; then
    meson setup build --werror >/dev/null || exit 1
fi
ninja -C build >/dev/null || exit 1
exec /usr/bin/python3 scripts/validate.py build/core/kouan . "$@"
