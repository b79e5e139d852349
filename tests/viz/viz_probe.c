/*
** viz_probe.c — draws one kouan-viz frame off screen, exactly as an export
** does, and reports what its pixels show, for check_viz.py to compare with
** the run files read through h5py:
**
**   viz_probe T W H LANG RUN.h5 [RUN2.h5] [--png OUT.png] [--hover] [--legend] [--texts]
**
** prints, for each pane P (0, 1):
**   clock P TEXT                  the clock string the header shows
**   box P PORT STAGE RGB CAP N    the stage box's background colour at its
**                                 bottom-right corner, its dot capacity, and
**                                 N = pixels of the three mode colours / 16
**   bar P R AREA_H MEASURED_H     resource R's queue bar: the bar area's
**                                 height and the run of queue-coloured
**                                 pixels measured up its middle column
**   gauge P R RGB                 the gauge background (closed or open)
**   ink X0 Y0 X1 Y1 N             pixels differing from the background in
**                                 the clock's area
**   header TEXT                   the header's clock string
**   cut N                         texts wider than their box, cut (0: every
**                                 label fitted)
**   title P HASH                  a hash of the pixels of pane P's title
**                                 row (label, scenario, its own date)
**   legend X Y W H N              the legend strip (H 0 without --legend)
**                                 and N = its pixels not its background
**   cell I X Y W H                legend item I's cell
** with --texts, first, every text of the frame as the painter drew it:
**   text X Y W H MAX_W<tab>DRAWN<tab>ASKED   (viz_painter_log_texts)
** and with --hover, for the first dot found in pane 0 (top-left pixel X Y):
**   pick X Y ID                   the consignment the painter says is there
**   tooltip RGB                   the pixel where the tooltip's frame should
**                                 be, after a repaint with the pointer on it
**   ring RGB                      the pixel where the ring around a followed
**                                 dot should be, following that consignment
** Dots stand still (no gliding) so each sits in its stage's box.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "draw.h"
#include "export.h"
#include "io/replay.h"
#include "scene.h"
#include "trace.h"

static uint32_t pixel(SDL_Surface *s, int x, int y)
{
    uint32_t v = ((uint32_t *)s->pixels)[(size_t)y * (size_t)(s->pitch / 4) + (size_t)x];
    uint8_t r, g, b;
    SDL_GetRGB(v, s->format, &r, &g, &b);
    return (uint32_t)r << 16 | (uint32_t)g << 8 | b;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: viz_probe T W H LANG RUN.h5 [RUN2.h5] [--png OUT.png] [--hover] [--legend] "
                        "[--texts]\n");
        return 2;
    }
    double t = atof(argv[1]);
    int w = atoi(argv[2]), h = atoi(argv[3]);
    viz_lang lang = strcmp(argv[4], "zh") == 0 ? VIZ_LANG_ZH : strcmp(argv[4], "en") == 0 ? VIZ_LANG_EN : VIZ_LANG_BOTH;
    const char *png = NULL;
    bool hover = false, legend = false, texts = false;
    int nfiles = 0;
    kou_replay *rp[VIZ_MAX_PANES] = {0};
    viz_trace *tr[VIZ_MAX_PANES] = {0};
    char err[512];
    for (int i = 5; i < argc; i++) {
        if (strcmp(argv[i], "--png") == 0 && i + 1 < argc) {
            png = argv[++i];
            continue;
        }
        if (strcmp(argv[i], "--hover") == 0 || strcmp(argv[i], "--legend") == 0 || strcmp(argv[i], "--texts") == 0) {
            bool *flag = argv[i][2] == 'h' ? &hover : argv[i][2] == 'l' ? &legend : &texts;
            *flag = true;
            continue;
        }
        if (nfiles == VIZ_MAX_PANES || kou_replay_open(argv[i], 0, &rp[nfiles], err, sizeof err) != KOU_OK) {
            fprintf(stderr, "viz_probe: %s: %s\n", argv[i], nfiles == VIZ_MAX_PANES ? "too many files" : err);
            return 1;
        }
        tr[nfiles] = viz_trace_new(rp[nfiles], err, sizeof err);
        if (tr[nfiles] == NULL) {
            fprintf(stderr, "viz_probe: %s: %s\n", argv[i], err);
            return 1;
        }
        nfiles++;
    }
    SDL_setenv("SDL_VIDEODRIVER", "dummy", 1);
    SDL_Init(0);
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
    SDL_Renderer *r = SDL_CreateSoftwareRenderer(surf);
    viz_painter *p = viz_painter_new(r, NULL, err, sizeof err);
    if (p == NULL) {
        fprintf(stderr, "viz_probe: %s\n", err);
        return 1;
    }
    size_t nports[VIZ_MAX_PANES] = {0};
    const char *labels[VIZ_MAX_PANES] = {"A", "B"};
    for (int i = 0; i < nfiles; i++)
        nports[i] = rp[i]->nports;
    viz_layout l = viz_layout_make(w, h, nfiles, nports, viz_legend_lines(legend, lang));
    viz_view v;
    memset(&v, 0, sizeof v);
    v.t = t;
    v.begin = viz_trace_begin(tr[0]);
    v.end = viz_trace_end(tr[0]);
    v.speed = 6;
    v.lang = lang;
    v.colour = VIZ_COLOUR_MODE;
    v.mouse_x = v.mouse_y = -1;
    v.fps = -1;
    v.legend = legend;
    viz_painter_log_texts(p, texts ? stdout : NULL);
    viz_paint(p, &l, tr, labels, &v);
    viz_painter_log_texts(p, NULL);
    SDL_RenderFlush(r);
    SDL_LockSurface(surf);

    static const uint32_t mode_rgb[3] = {VIZ_RGB_AIR, VIZ_RGB_RAIL, VIZ_RGB_ROAD};
    for (int i = 0; i < nfiles; i++) {
        char clock[96];
        viz_clock_text(clock, sizeof clock, rp[i]->start_date, t, lang);
        printf("clock %d %s\n", i, clock);
        for (size_t port = 0; port < rp[i]->nports; port++) {
            for (int s = 0; s < VIZ_ST_COUNT; s++) {
                viz_rect b = viz_stage_box(&l, i, port, s), d = viz_stage_dots(&l, i, port, s);
                size_t n = 0;
                for (int y = d.y; y < d.y + d.h; y++)
                    for (int x = d.x; x < d.x + d.w; x++) {
                        uint32_t c = pixel(surf, x, y);
                        n += c == mode_rgb[0] || c == mode_rgb[1] || c == mode_rgb[2];
                    }
                printf("box %d %zu %d %06x %zu %zu\n", i, port, s, pixel(surf, b.x + b.w - 1, b.y + b.h - 1),
                       viz_dot_capacity(d), n / (VIZ_DOT * VIZ_DOT));
            }
        }
        for (size_t res = 0; res < rp[i]->nresources; res++) {
            viz_rect g = viz_resource_gauge(&l, i, rp[i], res), a = viz_gauge_bar_area(g);
            int x = a.x + a.w / 2, run = 0;
            for (int y = a.y + a.h - 1; y >= a.y && pixel(surf, x, y) == VIZ_RGB_QUEUE; y--)
                run++;
            printf("bar %d %zu %d %d\n", i, res, a.h, run);
            printf("gauge %d %zu %06x\n", i, res, pixel(surf, g.x + 1, a.y + 1));
        }
    }
    /* The clock's area: left part of the header's first 32 rows. */
    size_t ink = 0;
    for (int y = 0; y < 32; y++)
        for (int x = 0; x < 400 && x < w; x++)
            ink += pixel(surf, x, y) != 0x0d1220;
    printf("ink 0 0 400 32 %zu\n", ink);
    char header[96];
    viz_header_clock_text(header, sizeof header, tr, nfiles, t, lang);
    printf("header %s\n", header);
    printf("cut %zu\n", viz_painter_cut(p));
    size_t legend_ink = 0;
    for (int y = l.legend.y; y < l.legend.y + l.legend.h; y++)
        for (int x = l.legend.x; x < l.legend.x + l.legend.w; x++)
            legend_ink += pixel(surf, x, y) != VIZ_RGB_LEGEND;
    printf("legend %d %d %d %d %zu\n", l.legend.x, l.legend.y, l.legend.w, l.legend.h, legend_ink);
    for (int i = 0; legend && i < VIZ_LEGEND_ITEMS; i++) {
        viz_rect c = viz_legend_cell(&l, i);
        printf("cell %d %d %d %d %d\n", i, c.x, c.y, c.w, c.h);
    }
    for (int i = 0; i < nfiles; i++) {
        viz_rect tr_rect = l.pane[i].title;
        uint32_t hash = 2166136261u;
        for (int y = tr_rect.y; y < tr_rect.y + tr_rect.h; y++)
            for (int x = tr_rect.x; x < tr_rect.x + tr_rect.w; x++)
                hash = (hash ^ pixel(surf, x, y)) * 16777619u;
        printf("title %d %08x\n", i, hash);
    }
    int hx = -1, hy = -1;
    for (size_t port = 0; hover && hx < 0 && port < rp[0]->nports; port++)
        for (int s = 0; hx < 0 && s < VIZ_ST_COUNT; s++) {
            viz_rect d = viz_stage_dots(&l, 0, port, s);
            for (int y = d.y; hx < 0 && y < d.y + d.h; y++)
                for (int x = d.x; hx < 0 && x < d.x + d.w; x++) {
                    uint32_t c = pixel(surf, x, y);
                    if (c == mode_rgb[0] || c == mode_rgb[1] || c == mode_rgb[2]) {
                        hx = x;
                        hy = y;
                    }
                }
        }
    SDL_UnlockSurface(surf);
    int pane;
    uint32_t index;
    if (hx >= 0 && viz_painter_pick(p, hx + 1, hy + 1, &pane, &index)) {
        printf("pick %d %d %llu\n", hx, hy, (unsigned long long)rp[pane]->consignments[index].id);
        v.mouse_x = hx + 1;
        v.mouse_y = hy + 1;
        v.follow_id = rp[pane]->consignments[index].id;
        viz_paint(p, &l, tr, labels, &v);
        SDL_RenderFlush(r);
        SDL_LockSurface(surf);
        /* the tooltip opens right and below the pointer unless near an edge */
        int tx = v.mouse_x + 14 + 260 > w ? v.mouse_x - 260 - 6 : v.mouse_x + 14;
        int ty = v.mouse_y + 10 + 68 > h ? v.mouse_y - 68 - 6 : v.mouse_y + 10;
        printf("tooltip %06x\n", pixel(surf, tx, ty));
        printf("ring %06x\n", pixel(surf, hx - 3, hy - 3));
        SDL_UnlockSurface(surf);
    }
    int rc = 0;
    if (png && !viz_png_write(png, surf, err, sizeof err)) {
        fprintf(stderr, "viz_probe: %s\n", err);
        rc = 1;
    }
    viz_painter_free(p);
    SDL_DestroyRenderer(r);
    SDL_FreeSurface(surf);
    TTF_Quit();
    SDL_Quit();
    for (int i = 0; i < nfiles; i++) {
        viz_trace_free(tr[i]);
        kou_replay_free(rp[i]);
    }
    return rc;
}
