/*
** playback.h — the replay's clock and what the controls do to it: play and
** pause, seek, faster and slower, step, jump to the next event, colour and
** language, help and legend. The window maps keys and clicks to these calls; keeping them
** free of SDL lets the tests drive them as a user would.
**
** Playback follows wall-clock time: advancing by s seconds moves the
** simulated time by s x speed whether that happens in one frame or in
** sixty, so the speed does not depend on the frame rate. The time stays
** inside [from, to]; reaching the end pauses.
*/
#ifndef KOUAN_VIZ_PLAYBACK_H
#define KOUAN_VIZ_PLAYBACK_H

#include <stddef.h>

#include "draw.h"
#include "trace.h"

typedef enum viz_control {
    VIZ_PLAY_PAUSE,
    VIZ_FORWARD,      /* by the jump given, hours */
    VIZ_BACK,
    VIZ_FASTER,
    VIZ_SLOWER,
    VIZ_TO_START,
    VIZ_TO_END,
    VIZ_NEXT_EVENT,   /* the next milestone of any run, and pause */
    VIZ_STEP,         /* one frame at 60 frames/s, and pause */
    VIZ_NEXT_COLOUR,
    VIZ_NEXT_LANG,
    VIZ_TOGGLE_HELP,
    VIZ_TOGGLE_LEGEND
} viz_control;

typedef struct viz_playback {
    viz_view *view;          /* t, speed, playing, colour, lang, help, legend */
    viz_trace *const *traces;
    int ntraces;
    double from, to;
    size_t speed_index;      /* into viz_playback_speeds */
} viz_playback;

/* The speeds FASTER and SLOWER step through, simulated hours per second:
** real time, a minute, 10 minutes, half an hour, 1, 2, 6 and 12 hours,
** 1, 2, 3, 7 and 14 days a second. */
extern const double viz_playback_speeds[];
extern const size_t viz_playback_nspeeds;

/* Starts at from (playing or not as view->playing says), at the listed
** speed nearest to view->speed, which it sets to that speed. */
void viz_playback_init(viz_playback *pb, viz_view *view, viz_trace *const *traces, int ntraces, double from,
                       double to);
void viz_playback_control(viz_playback *pb, viz_control c, double jump_hours);
/* Moves the clock by wall_seconds of playback when playing. */
void viz_playback_advance(viz_playback *pb, double wall_seconds);
void viz_playback_seek(viz_playback *pb, double t);

#endif
