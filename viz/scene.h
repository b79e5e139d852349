/*
** scene.h — where everything sits on a kouan-viz frame, and what it is
** called. Pure geometry and text, no SDL: the painter draws at these
** rectangles and the pixel tests look there, so both agree by
** construction.
**
** A frame is a header (title, simulated clock, speed), one or two panes
** side by side (one per run file), and a timeline across the bottom. A
** pane has a title row, a row of stage names, one lane per port and a KPI
** panel on its right. A lane has the port's name and one column per
** display stage (trace.h): the upper box holds the consignments at that
** stage as a stack of dots, the lower strip the gauges of the resources
** that serve the stage (queue bar from /timeseries, servers busy of open,
** shaded while closed).
**
** Optionally a legend strip sits between the panes and the timeline: a
** grid of cells, each a small sample of something drawn (a dot, a count,
** a queue bar ...) and a line or two saying what it means, so an
** audience that has never seen the tool can read the frame.
*/
#ifndef KOUAN_VIZ_SCENE_H
#define KOUAN_VIZ_SCENE_H

#include <stdbool.h>
#include <stddef.h>

#include "io/replay.h"

#define VIZ_MAX_PANES 2
/* Dots: DOT x DOT pixels every DOT_PITCH, stacked from the box's bottom. */
#define VIZ_DOT 4
#define VIZ_DOT_PITCH 5

typedef struct viz_rect {
    int x, y, w, h;
} viz_rect;

typedef struct viz_pane_layout {
    viz_rect pane, title, stage_names, lanes, kpi;
    size_t nports;
    int label_w, stage_w, lane_h;
} viz_pane_layout;

typedef struct viz_layout {
    int width, height, npanes;
    viz_rect header, timeline;
    viz_rect legend;           /* h 0: no legend */
    int legend_cols, legend_rows, legend_lines;
    viz_pane_layout pane[VIZ_MAX_PANES];
} viz_layout;

/* Frame size, the number of ports of each pane, and the legend's lines
** of text per item: 0 no legend, 1 one language, 2 Chinese above English
** (viz_legend_lines). */
viz_layout viz_layout_make(int width, int height, int npanes, const size_t *nports, int legend_lines);

/* The legend: VIZ_LEGEND_ITEMS cells, 4 a row from 1200 pixels wide, else
** 2; in a cell the sample sits in the left VIZ_LEGEND_SAMPLE pixels, the
** text right of it. */
#define VIZ_LEGEND_ITEMS 8
#define VIZ_LEGEND_SAMPLE 34
#define VIZ_LEGEND_LINE_H 17
viz_rect viz_legend_cell(const viz_layout *l, int item);

viz_rect viz_lane(const viz_layout *l, int pane, size_t port);
viz_rect viz_lane_label(const viz_layout *l, int pane, size_t port);
/* The dot box of a stage: count label on its top line, dots below. */
viz_rect viz_stage_box(const viz_layout *l, int pane, size_t port, int stage);
viz_rect viz_stage_dots(const viz_layout *l, int pane, size_t port, int stage);
size_t viz_dot_capacity(viz_rect dots);
/* The top-left corner of dot slot k (0 at the bottom left, rows upward). */
void viz_dot_position(viz_rect dots, size_t k, int *x, int *y);

/* The stage whose gauge strip shows resource r (by the model's resource
** names; those it does not know go under release). */
int viz_resource_stage(const kou_replay *rp, size_t r);
/* Resource r's gauge, and inside it the name row, the queue bar area
** (the bar rises from its bottom, height = queue / scale of the area,
** rounded) and the busy-of-open meter along its bottom. */
viz_rect viz_resource_gauge(const viz_layout *l, int pane, const kou_replay *rp, size_t r);
viz_rect viz_gauge_name(viz_rect gauge);
viz_rect viz_gauge_bar_area(viz_rect gauge);
viz_rect viz_gauge_meter(viz_rect gauge);
int viz_bar_height(viz_rect bar_area, unsigned queue, unsigned scale);

/* Languages of the labels. */
typedef enum viz_lang { VIZ_LANG_ZH, VIZ_LANG_EN, VIZ_LANG_BOTH } viz_lang;
/* Label texts; key is one of the names below, or a stage number via
** viz_stage_label. Unknown keys come back as themselves. */
const char *viz_text(viz_lang lang, const char *key);
const char *viz_stage_label(viz_lang lang, int stage);
/* A stage's name in a word (Unload, Declare, Docs ...), for a narrow column. */
const char *viz_stage_short_label(viz_lang lang, int stage);
const char *viz_mode_label(viz_lang lang, int mode);
const char *viz_weekday_label(viz_lang lang, int weekday); /* 0 = Monday */
/* A resource's name on screen: the model's names in plain words ("ciq" is
** 检验检疫 inspection & quarantine), or short_form a word or two for a
** narrow gauge (in both languages, the Chinese only); names it does not
** know as they are. */
const char *viz_resource_label(viz_lang lang, const char *name, bool short_form);
/* A name from the run file (a port's, the scenario's) in lang, given its
** Chinese form name_zh (the scenario's name_zh; "" or NULL: none): zh the
** Chinese where given, else the name; en the name; both the Chinese, a
** space and the name (just the name when no Chinese is given). Into buf. */
const char *viz_name_in(viz_lang lang, const char *name, const char *name_zh, char *buf, size_t size);
/* Legend item i's text in one language (VIZ_LANG_ZH or VIZ_LANG_EN). */
const char *viz_legend_text(viz_lang lang, int item);
/* The legend's lines per item when it is shown (on) in lang. */
int viz_legend_lines(bool on, viz_lang lang);

#endif
