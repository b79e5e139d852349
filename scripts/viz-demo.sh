#!/bin/sh
# The visualiser on the default scenario: makes the one-year Henan runs of
# era 2017 and era 2021 (once; results/henan-2017-s1.h5 and -2021-s1.h5)
# and replays them side by side with kouan-viz. Options go to kouan-viz:
#
#   scripts/viz-demo.sh                                   # a window (needs a display)
#   scripts/viz-demo.sh --export results/henan-2017-vs-2021.mp4 --force \
#       --from 2017-03-06 --duration 20 --speed 6h/s --size 1280x720   # remakes the committed video
#   (an existing --export file or --frames folder of frames is refused without --force)
#   scripts/viz-demo.sh --frames shots --from 2017-03-06T10:00 --to 2017-03-06T10:00
set -eu
# A window needs a display: without one SDL would play it off screen,
# unseen, for ever. Say so before the runs are made (minutes).
headless=
for a in "$@"; do
    case $a in --export|--export=*|--frames|--frames=*|--bench|--bench=*|--help|-h) headless=1 ;; esac
done
if [ -z "$headless" ] && [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ] &&
   [ -z "${SDL_VIDEODRIVER:-}" ]; then
    echo "viz-demo.sh: no display (neither DISPLAY nor WAYLAND_DISPLAY is set), so no window can open." >&2
    echo "  Render without one:  scripts/viz-demo.sh --export /tmp/henan-2017-vs-2021.mp4 --from 2017-03-03T18:00 --duration 20 --speed 6h/s --size 1280x720" >&2
    echo "  (or --export OUT.gif, or --frames DIR for PNG frames; SDL_VIDEODRIVER=offscreen forces a window nobody sees)" >&2
    exit 1
fi
cd "$(dirname "$0")/.."
scripts/bootstrap.sh >/dev/null
[ -d build ] || meson setup build >/dev/null
ninja -C build core/kouan viz/kouan-viz >/dev/null
for era in 2017 2021; do
    f=results/henan-$era-s1.h5
    if [ ! -f "$f" ]; then
        echo "viz-demo.sh: making $f (one year of Henan, era $era; a few minutes, once)" >&2
        build/core/kouan run scenarios/henan.lua --era "$era" --seed 1 -o "$f" --quiet >/dev/null
    fi
done
exec build/viz/kouan-viz results/henan-2017-s1.h5 results/henan-2021-s1.h5 \
    --label "2017 baseline 基准" --label "2021 reforms 改革" "$@"
