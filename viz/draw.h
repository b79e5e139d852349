/*
** draw.h — paints one kouan-viz frame with an SDL_Renderer: the header and
** clock, each pane's lanes of stages with their dots and resource gauges,
** its KPI panel, the timeline, the followed consignment and the tooltip.
** Everything is placed by scene.h and computed by trace.h; the painter
** owns only the fonts, a cache of rendered texts and the positions of the
** dots it drew last (for picking with the mouse).
**
** The same calls draw to a window or, through SDL's software renderer, to
** a surface: that is how frames are exported and tested, and the software
** renderer gives the same pixels on every run.
*/
#ifndef KOUAN_VIZ_DRAW_H
#define KOUAN_VIZ_DRAW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <SDL.h>

#include "scene.h"
#include "trace.h"

/* Colours the tests look for (0xRRGGBB). */
#define VIZ_RGB_BACKGROUND 0x121826
#define VIZ_RGB_BOX        0x232d40
#define VIZ_RGB_BOX_UNUSED 0x1a2231
#define VIZ_RGB_CLOSED     0x3a2b36
#define VIZ_RGB_QUEUE      0xffb347
#define VIZ_RGB_BUSY       0x90cdf4
#define VIZ_RGB_AIR        0x4299e1
#define VIZ_RGB_RAIL       0xe5534b
#define VIZ_RGB_ROAD       0x48bb78
#define VIZ_RGB_LEGEND     0x0f1522

typedef enum viz_colour_by { VIZ_COLOUR_MODE, VIZ_COLOUR_GOODS, VIZ_COLOUR_STATUS, VIZ_COLOUR_COUNT } viz_colour_by;

/* What the frame shows besides the runs. */
typedef struct viz_view {
    double t;              /* simulated time, hours since start_date 00:00 */
    double begin, end;     /* the timeline's span: the runs from first arrival to last departure */
    double speed;          /* simulated hours per second of playback */
    double transit_hours;  /* a dot glides between stages for this long; 0: no motion */
    bool playing;
    viz_lang lang;
    viz_colour_by colour;
    uint64_t follow_id;    /* 0: none */
    int mouse_x, mouse_y;  /* -1: no pointer */
    double fps;            /* < 0: not shown */
    bool help;
    bool legend;           /* the legend strip (the layout makes room: viz_legend_lines) */
} viz_view;

typedef struct viz_painter viz_painter;

/* font_path NULL: $KOUAN_FONT, else Debian's CJK fonts. */
viz_painter *viz_painter_new(SDL_Renderer *r, const char *font_path, char *err, size_t errsize);
void viz_painter_free(viz_painter *p);

/* Paints the whole frame (it does not call SDL_RenderPresent). */
void viz_paint(viz_painter *p, const viz_layout *l, viz_trace *const *traces, const char *const *labels,
               const viz_view *v);

/* The consignment whose dot was drawn at (x, y) in the last frame. */
bool viz_painter_pick(const viz_painter *p, int x, int y, int *pane, uint32_t *index);

/* How many texts of the last frame were wider than their box and cut:
** none, as every boxed label is fitted (a smaller font, else "…"). */
size_t viz_painter_cut(const viz_painter *p);

/* Each text the painter draws from now on is written to f (NULL: none), one
** line each: "text X Y W H MAX_W\tDRAWN\tASKED" (its box, the width it
** was fitted to or 0, the text drawn and the text asked for, which differ
** when it was shortened with "…"). For the tests. */
void viz_painter_log_texts(viz_painter *p, FILE *f);

/* The timeline's x for time t, and back. */
int viz_timeline_x(const viz_layout *l, const viz_view *v, double t);
double viz_timeline_time(const viz_layout *l, const viz_view *v, int x);

/* "2017-03-14 周二 08:30" for hour t after 00:00 of start_date. */
void viz_clock_text(char *buf, size_t n, long start_date, double t, viz_lang lang);

/* The header's clock: viz_clock_text of the first run, or, when the runs
** start on different dates, "day N HH:MM" of the run (each pane's title
** row then shows its own date). */
void viz_header_clock_text(char *buf, size_t n, viz_trace *const *traces, int npanes, double t, viz_lang lang);

#endif
