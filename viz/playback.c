/*
** playback.c — the replay's clock and controls (playback.h).
*/
#include "playback.h"

#include <math.h>

const double viz_playback_speeds[] = {1.0 / 3600, 1.0 / 60, 1.0 / 6, 0.5, 1, 2, 6, 12, 24, 48, 72, 168, 336};
const size_t viz_playback_nspeeds = sizeof viz_playback_speeds / sizeof viz_playback_speeds[0];

void viz_playback_seek(viz_playback *pb, double t)
{
    if (!(t > pb->from))
        t = pb->from;
    if (t >= pb->to) {
        t = pb->to;
        pb->view->playing = false;
    }
    pb->view->t = t;
}

void viz_playback_init(viz_playback *pb, viz_view *view, viz_trace *const *traces, int ntraces, double from,
                       double to)
{
    pb->view = view;
    pb->traces = traces;
    pb->ntraces = ntraces;
    pb->from = from;
    pb->to = to;
    /* The listed speed nearest to the one asked for, on a log scale. */
    size_t best = 0;
    for (size_t i = 1; i < viz_playback_nspeeds; i++)
        if (fabs(log(viz_playback_speeds[i] / view->speed)) < fabs(log(viz_playback_speeds[best] / view->speed)))
            best = i;
    pb->speed_index = best;
    view->speed = viz_playback_speeds[best];
    viz_playback_seek(pb, from);
}

void viz_playback_control(viz_playback *pb, viz_control c, double jump_hours)
{
    viz_view *v = pb->view;
    switch (c) {
    case VIZ_PLAY_PAUSE:
        /* Play at the end starts again from the beginning. */
        if (!v->playing && v->t >= pb->to)
            v->t = pb->from;
        v->playing = !v->playing;
        break;
    case VIZ_FORWARD: viz_playback_seek(pb, v->t + jump_hours); break;
    case VIZ_BACK: viz_playback_seek(pb, v->t - jump_hours); break;
    case VIZ_FASTER:
        if (pb->speed_index + 1 < viz_playback_nspeeds)
            pb->speed_index++;
        v->speed = viz_playback_speeds[pb->speed_index];
        break;
    case VIZ_SLOWER:
        if (pb->speed_index > 0)
            pb->speed_index--;
        v->speed = viz_playback_speeds[pb->speed_index];
        break;
    case VIZ_TO_START: viz_playback_seek(pb, pb->from); break;
    case VIZ_TO_END: viz_playback_seek(pb, pb->to); break;
    case VIZ_NEXT_EVENT: {
        double next = NAN;
        for (int i = 0; i < pb->ntraces; i++) {
            double x = viz_trace_next_event(pb->traces[i], v->t);
            if (!isnan(x) && (isnan(next) || x < next))
                next = x;
        }
        v->playing = false;
        if (!isnan(next))
            viz_playback_seek(pb, next);
        break;
    }
    case VIZ_STEP:
        v->playing = false;
        viz_playback_seek(pb, v->t + v->speed / 60);
        break;
    case VIZ_NEXT_COLOUR: v->colour = (viz_colour_by)((v->colour + 1) % VIZ_COLOUR_COUNT); break;
    case VIZ_NEXT_LANG: v->lang = (viz_lang)((v->lang + 1) % 3); break;
    case VIZ_TOGGLE_HELP: v->help = !v->help; break;
    case VIZ_TOGGLE_LEGEND: v->legend = !v->legend; break;
    }
}

void viz_playback_advance(viz_playback *pb, double wall_seconds)
{
    if (pb->view->playing && wall_seconds > 0)
        viz_playback_seek(pb, pb->view->t + wall_seconds * pb->view->speed);
}
