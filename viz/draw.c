/*
** draw.c — the frame painter (draw.h).
*/
#include "draw.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_ttf.h>

/* Font sizes in pixels: small (gauge names, counts), normal, large, clock. */
enum { F_SMALL, F_NORMAL, F_LARGE, F_CLOCK, F_COUNT };
static const int font_px[F_COUNT] = {10, 13, 16, 24};

/* Rendered texts, direct-mapped by a hash of (font, colour, text): the
** labels are the same every frame and numbers repeat, so most frames
** render no text at all. */
#define TEXT_CACHE 2048
typedef struct text_entry {
    char *s;
    int font;
    uint32_t rgb;
    SDL_Texture *tex;
    int w, h;
} text_entry;

/* Labels fitted to their boxes (fit). */
#define FIT_CACHE 512
typedef struct fit_entry {
    char *s;
    int font_in, max_w, font_out;
    char out[256];
} fit_entry;

/* The dots drawn in the last frame, for picking. */
typedef struct drawn_dot {
    int x, y;
    uint8_t pane;
    uint32_t index;
} drawn_dot;

/* One fill batch per colour: SDL_RenderFillRects is far faster than a
** call per dot. */
#define BATCHES 16

struct viz_painter {
    SDL_Renderer *r;
    TTF_Font *font[F_COUNT];
    text_entry cache[TEXT_CACHE];
    fit_entry fits[FIT_CACHE];
    size_t cut; /* texts cut at their box in the last frame (none, once fitted) */
    FILE *log;  /* viz_painter_log_texts */
    drawn_dot *dots;
    size_t ndots, cap_dots;
    SDL_Rect *batch[BATCHES];
    size_t nbatch[BATCHES], cap_batch[BATCHES];
    uint32_t batch_rgb[BATCHES];
};

static const char *const default_fonts[] = {
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",    /* fonts-wqy-microhei */
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",      /* fonts-wqy-zenhei */
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", /* fonts-noto-cjk */
};

viz_painter *viz_painter_new(SDL_Renderer *r, const char *font_path, char *err, size_t errsize)
{
    if (!TTF_WasInit() && TTF_Init() != 0) {
        snprintf(err, errsize, "cannot start SDL_ttf: %s", TTF_GetError());
        return NULL;
    }
    const char *path = font_path ? font_path : getenv("KOUAN_FONT");
    if (path == NULL || *path == '\0') {
        path = NULL;
        for (size_t i = 0; i < sizeof default_fonts / sizeof default_fonts[0] && path == NULL; i++) {
            FILE *f = fopen(default_fonts[i], "rb");
            if (f != NULL) {
                fclose(f);
                path = default_fonts[i];
            }
        }
        if (path == NULL) {
            snprintf(err, errsize, "no CJK font found: install fonts-wqy-microhei (scripts/bootstrap.sh) "
                                   "or name a font with --font or KOUAN_FONT");
            return NULL;
        }
    }
    viz_painter *p = calloc(1, sizeof *p);
    if (p == NULL) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    p->r = r;
    for (int i = 0; i < F_COUNT; i++) {
        p->font[i] = TTF_OpenFont(path, font_px[i]);
        if (p->font[i] == NULL) {
            snprintf(err, errsize, "cannot open the font %s: %s", path, TTF_GetError());
            viz_painter_free(p);
            return NULL;
        }
        /* Same pixels whatever the machine's hinting defaults. */
        TTF_SetFontHinting(p->font[i], TTF_HINTING_LIGHT);
    }
    return p;
}

void viz_painter_free(viz_painter *p)
{
    if (p == NULL)
        return;
    for (int i = 0; i < TEXT_CACHE; i++) {
        free(p->cache[i].s);
        if (p->cache[i].tex)
            SDL_DestroyTexture(p->cache[i].tex);
    }
    for (int i = 0; i < FIT_CACHE; i++)
        free(p->fits[i].s);
    for (int i = 0; i < F_COUNT; i++)
        if (p->font[i])
            TTF_CloseFont(p->font[i]);
    for (int i = 0; i < BATCHES; i++)
        free(p->batch[i]);
    free(p->dots);
    free(p);
}

/* ---- primitives ---- */

/* Opaque fills skip blending: the software renderer's blended fill works
** pixel by pixel and made frames several times slower. */
static void colour(viz_painter *p, uint32_t rgb, uint8_t alpha)
{
    SDL_SetRenderDrawBlendMode(p->r, alpha == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(p->r, (uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8), (uint8_t)rgb, alpha);
}

static void fill(viz_painter *p, viz_rect r, uint32_t rgb)
{
    if (r.w <= 0 || r.h <= 0)
        return;
    colour(p, rgb, 255);
    SDL_Rect s = {r.x, r.y, r.w, r.h};
    SDL_RenderFillRect(p->r, &s);
}

static void frame_rect(viz_painter *p, viz_rect r, uint32_t rgb)
{
    colour(p, rgb, 255);
    SDL_Rect s = {r.x, r.y, r.w, r.h};
    SDL_RenderDrawRect(p->r, &s);
}

static void line(viz_painter *p, int x0, int y0, int x1, int y1, uint32_t rgb)
{
    colour(p, rgb, 255);
    SDL_RenderDrawLine(p->r, x0, y0, x1, y1);
}

static uint32_t hash_text(const char *s, int font, uint32_t rgb)
{
    uint32_t h = 2166136261u ^ (uint32_t)font ^ (rgb * 16777619u);
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static text_entry *text_get(viz_painter *p, int font, uint32_t rgb, const char *s)
{
    text_entry *e = &p->cache[hash_text(s, font, rgb) % TEXT_CACHE];
    if (e->s && e->font == font && e->rgb == rgb && strcmp(e->s, s) == 0)
        return e;
    free(e->s);
    e->s = NULL;
    if (e->tex)
        SDL_DestroyTexture(e->tex);
    e->tex = NULL;
    SDL_Color c = {(uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8), (uint8_t)rgb, 255};
    SDL_Surface *surf = TTF_RenderUTF8_Blended(p->font[font], s, c);
    if (surf == NULL)
        return NULL;
    e->tex = SDL_CreateTextureFromSurface(p->r, surf);
    e->w = surf->w;
    e->h = surf->h;
    SDL_FreeSurface(surf);
    size_t n = strlen(s) + 1;
    e->s = malloc(n);
    if (e->tex == NULL || e->s == NULL) {
        free(e->s);
        e->s = NULL;
        if (e->tex)
            SDL_DestroyTexture(e->tex);
        e->tex = NULL;
        return NULL;
    }
    memcpy(e->s, s, n);
    e->font = font;
    e->rgb = rgb;
    return e;
}

/* Whether s fits max_w pixels in font as it is. */
static bool fits(viz_painter *p, int font, int max_w, const char *s)
{
    int w, h;
    return TTF_SizeUTF8(p->font[font], s, &w, &h) == 0 && w <= max_w;
}

/* s fitted to max_w pixels: in font if it fits, else one size smaller (not
** below the small font), else cut at a character and ended with "…".
** Results are cached: the same labels come every frame. */
static const char *fit(viz_painter *p, int *font, int max_w, const char *s)
{
    int w, h;
    if (max_w <= 0 || (TTF_SizeUTF8(p->font[*font], s, &w, &h) == 0 && w <= max_w))
        return s;
    fit_entry *e = &p->fits[hash_text(s, *font, (uint32_t)max_w) % FIT_CACHE];
    if (e->s && e->font_in == *font && e->max_w == max_w && strcmp(e->s, s) == 0) {
        *font = e->font_out;
        return e->out;
    }
    int f = *font > F_SMALL ? *font - 1 : F_SMALL;
    char out[sizeof e->out];
    snprintf(out, sizeof out, "%s", s);
    if (TTF_SizeUTF8(p->font[f], out, &w, &h) != 0 || w > max_w) {
        size_t n = strlen(out);
        do { /* drop one UTF-8 character, then try with the ellipsis */
            while (n > 0 && ((unsigned char)out[--n] & 0xC0) == 0x80)
                ;
            while (n > 0 && out[n - 1] == ' ')
                n--;
            snprintf(out + n, sizeof out - n, "…");
        } while (n > 0 && (TTF_SizeUTF8(p->font[f], out, &w, &h) != 0 || w > max_w));
    }
    free(e->s);
    e->s = malloc(strlen(s) + 1);
    if (e->s == NULL)
        return s;
    strcpy(e->s, s);
    e->font_in = *font;
    e->max_w = max_w;
    e->font_out = f;
    snprintf(e->out, sizeof e->out, "%s", out);
    *font = f;
    return e->out;
}

/* Draws s with its top-left at (x, y); align 0 left, 1 centre, 2 right of x.
** Fitted to max_w when > 0 (fit). Returns the width drawn. */
static int text(viz_painter *p, int font, uint32_t rgb, int x, int y, int align, int max_w, const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    const char *asked = s;
    s = fit(p, &font, max_w, s);
    text_entry *e = text_get(p, font, rgb, s);
    if (e == NULL)
        return 0;
    int w = e->w;
    if (max_w > 0 && w > max_w) {
        p->cut++;
        w = max_w;
    }
    int x0 = align == 1 ? x - w / 2 : align == 2 ? x - w : x;
    if (p->log)
        fprintf(p->log, "text %d %d %d %d %d\t%s\t%s\n", x0, y, w, e->h, max_w, s, asked);
    SDL_Rect src = {0, 0, w, e->h}, dst = {x0, y, w, e->h};
    SDL_RenderCopy(p->r, e->tex, &src, &dst);
    return w;
}

static int textf(viz_painter *p, int font, uint32_t rgb, int x, int y, int align, const char *fmt, ...)
    KOU_PRINTF(7, 8);
static int textf(viz_painter *p, int font, uint32_t rgb, int x, int y, int align, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return text(p, font, rgb, x, y, align, 0, buf);
}

/* ---- colours of dots ---- */

static const uint32_t goods_palette[8] = {0x4299e1, 0xed8936, 0x48bb78, 0xe5534b,
                                          0x9f7aea, 0xecc94b, 0x38b2ac, 0xed64a6};

static uint32_t dot_colour(const viz_trace *tr, const kou_replay_consignment *c, viz_colour_by by)
{
    switch (by) {
    case VIZ_COLOUR_GOODS:
        return goods_palette[c->goods % 8];
    case VIZ_COLOUR_STATUS:
        if (viz_trace_flag(tr, c, VIZ_FLAG_INSPECTED))
            return 0xed8936;
        if (viz_trace_flag(tr, c, VIZ_FLAG_SCANNED))
            return 0xecc94b;
        if (viz_trace_flag(tr, c, VIZ_FLAG_ADVANCE))
            return 0x38b2ac;
        return 0xa0aec0;
    case VIZ_COLOUR_MODE:
    default:
        return c->mode == 0 ? VIZ_RGB_AIR : c->mode == 1 ? VIZ_RGB_RAIL : VIZ_RGB_ROAD;
    }
}

static void batch_add(viz_painter *p, uint32_t rgb, int x, int y, int w, int h)
{
    int b = 0;
    while (b < BATCHES && p->nbatch[b] > 0 && p->batch_rgb[b] != rgb)
        b++;
    if (b == BATCHES)
        b = BATCHES - 1;
    if (p->nbatch[b] == 0)
        p->batch_rgb[b] = rgb;
    if (p->nbatch[b] == p->cap_batch[b]) {
        size_t cap = p->cap_batch[b] ? 2 * p->cap_batch[b] : 4096;
        SDL_Rect *nb = realloc(p->batch[b], cap * sizeof *nb);
        if (nb == NULL)
            return;
        p->batch[b] = nb;
        p->cap_batch[b] = cap;
    }
    p->batch[b][p->nbatch[b]++] = (SDL_Rect){x, y, w, h};
}

static void batch_flush(viz_painter *p)
{
    for (int b = 0; b < BATCHES; b++) {
        if (p->nbatch[b] == 0)
            continue;
        colour(p, p->batch_rgb[b], 255);
        SDL_RenderFillRects(p->r, p->batch[b], (int)p->nbatch[b]);
        p->nbatch[b] = 0;
    }
}

static void remember_dot(viz_painter *p, int x, int y, int pane, uint32_t index)
{
    if (p->ndots == p->cap_dots) {
        size_t cap = p->cap_dots ? 2 * p->cap_dots : 4096;
        drawn_dot *nd = realloc(p->dots, cap * sizeof *nd);
        if (nd == NULL)
            return;
        p->dots = nd;
        p->cap_dots = cap;
    }
    p->dots[p->ndots++] = (drawn_dot){x, y, (uint8_t)pane, index};
}

void viz_painter_log_texts(viz_painter *p, FILE *f)
{
    p->log = f;
}

size_t viz_painter_cut(const viz_painter *p)
{
    return p->cut;
}

bool viz_painter_pick(const viz_painter *p, int x, int y, int *pane, uint32_t *index)
{
    /* The last drawn is on top. */
    for (size_t i = p->ndots; i-- > 0;) {
        const drawn_dot *d = &p->dots[i];
        if (x >= d->x - 1 && x < d->x + VIZ_DOT + 1 && y >= d->y - 1 && y < d->y + VIZ_DOT + 1) {
            *pane = d->pane;
            *index = d->index;
            return true;
        }
    }
    return false;
}

/* ---- clock and timeline ---- */

void viz_clock_text(char *buf, size_t n, long start_date, double t, viz_lang lang)
{
    if (!kou_date_is_valid((int32_t)start_date) || !isfinite(t)) {
        snprintf(buf, n, "t = %.2f h", t);
        return;
    }
    double day = floor(t / 24.0);
    double minutes = floor((t - day * 24.0) * 60.0 + 1e-6);
    if (minutes >= 1440) {
        day += 1;
        minutes -= 1440;
    }
    int32_t date = kou_days_to_date(kou_date_to_days((int32_t)start_date) + (int64_t)day);
    snprintf(buf, n, "%04d-%02d-%02d %s %02d:%02d", (int)(date / 10000), (int)(date / 100 % 100),
             (int)(date % 100), viz_weekday_label(lang, kou_date_weekday(date)), (int)(minutes / 60),
             (int)fmod(minutes, 60));
}

static viz_rect timeline_bar(const viz_layout *l)
{
    return (viz_rect){l->timeline.x + 12, l->timeline.y + 8, l->timeline.w - 24, l->timeline.h - 22};
}

int viz_timeline_x(const viz_layout *l, const viz_view *v, double t)
{
    viz_rect b = timeline_bar(l);
    double f = (t - v->begin) / (v->end - v->begin);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return b.x + (int)lround(f * (b.w - 1));
}

double viz_timeline_time(const viz_layout *l, const viz_view *v, int x)
{
    viz_rect b = timeline_bar(l);
    double f = (double)(x - b.x) / (b.w > 1 ? b.w - 1 : 1);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return v->begin + f * (v->end - v->begin);
}

static const uint32_t pane_rgb[VIZ_MAX_PANES] = {0x63b3ed, 0xf6ad55};

static void paint_timeline(viz_painter *p, const viz_layout *l, viz_trace *const *traces, const viz_view *v)
{
    fill(p, l->timeline, 0x0d1220);
    viz_rect b = timeline_bar(l);
    fill(p, b, 0x1a2231);
    /* Month ticks, when the start date is known. */
    long sd = viz_trace_replay(traces[0])->start_date;
    if (kou_date_is_valid((int32_t)sd)) {
        int64_t d0 = kou_date_to_days((int32_t)sd);
        for (double day = floor(v->begin / 24); day * 24 <= v->end; day++) {
            int32_t date = kou_days_to_date(d0 + (int64_t)day);
            if (date % 100 != 1 || day * 24 < v->begin)
                continue;
            int x = viz_timeline_x(l, v, day * 24);
            line(p, x, b.y, x, b.y + b.h + 3, 0x4a5568);
            textf(p, F_SMALL, 0xa0aec0, x + 2, b.y + b.h + 1, 0, "%02d-%02d", (int)(date / 100 % 100), 1);
        }
    }
    /* Number in the system over the run, one line per pane, scaled together. */
    uint32_t most = 1;
    for (int i = 0; i < l->npanes; i++) {
        size_t nb;
        const uint32_t *prof = viz_trace_profile(traces[i], &nb);
        for (size_t k = 0; k < nb; k++)
            most = prof[k] > most ? prof[k] : most;
    }
    for (int i = 0; i < l->npanes; i++) {
        size_t nb;
        const uint32_t *prof = viz_trace_profile(traces[i], &nb);
        double tb = viz_trace_begin(traces[i]), te = viz_trace_end(traces[i]);
        int px = -1, py = 0;
        for (size_t k = 0; k < nb; k++) {
            int x = viz_timeline_x(l, v, tb + (te - tb) * (double)k / (double)nb);
            int y = b.y + b.h - 1 - (int)lround((double)prof[k] / most * (b.h - 2));
            if (px >= 0)
                line(p, px, py, x, y, pane_rgb[i]);
            px = x;
            py = y;
        }
    }
    int x = viz_timeline_x(l, v, v->t);
    fill(p, (viz_rect){x - 1, l->timeline.y + 2, 3, l->timeline.h - 4}, 0xffffff);
}

/* ---- header ---- */

static void format_speed(char *buf, size_t n, double hours_per_second)
{
    double s = hours_per_second * 3600.0; /* simulated seconds per second */
    if (s < 59.5)
        snprintf(buf, n, "%.0f s/s", s);
    else if (s < 3599.5)
        snprintf(buf, n, "%.0f min/s", s / 60);
    else if (hours_per_second < 23.95)
        snprintf(buf, n, "%.0f h/s", hours_per_second);
    else
        snprintf(buf, n, "%.3g d/s", hours_per_second / 24);
}

void viz_header_clock_text(char *buf, size_t n, viz_trace *const *traces, int npanes, double t, viz_lang lang)
{
    long sd = viz_trace_replay(traces[0])->start_date;
    bool same = true;
    for (int i = 1; i < npanes; i++)
        same = same && viz_trace_replay(traces[i])->start_date == sd;
    if (same || !isfinite(t)) {
        viz_clock_text(buf, n, sd, t, lang);
        return;
    }
    /* Runs that start on different dates: the day of the run and the
    ** time of day; each pane's title row shows its own date. */
    double day = floor(t / 24.0);
    double minutes = floor((t - day * 24.0) * 60.0 + 1e-6);
    if (minutes >= 1440) {
        day += 1;
        minutes -= 1440;
    }
    int hh = (int)(minutes / 60), mm = (int)fmod(minutes, 60), d = (int)day + 1;
    if (lang == VIZ_LANG_ZH)
        snprintf(buf, n, "第 %d 天 %02d:%02d", d, hh, mm);
    else if (lang == VIZ_LANG_EN)
        snprintf(buf, n, "day %d %02d:%02d", d, hh, mm);
    else
        snprintf(buf, n, "第 %d 天 day %d %02d:%02d", d, d, hh, mm);
}

static void paint_header(viz_painter *p, const viz_layout *l, viz_trace *const *traces, const viz_view *v)
{
    fill(p, l->header, 0x0d1220);
    char clock[96], speed[32];
    viz_header_clock_text(clock, sizeof clock, traces, l->npanes, v->t, v->lang);
    text(p, F_CLOCK, 0xffffff, 14, 6, 0, 0, clock);
    textf(p, F_NORMAL, 0xa0aec0, 14, 36, 0, "t = %.2f h", v->t);
    format_speed(speed, sizeof speed, v->speed);
    int x = l->width - 14;
    x -= textf(p, F_LARGE, v->playing ? 0x9ae6b4 : 0xfbd38d, x, 8, 2, "%s %s  %s",
               v->playing ? "▶" : "❚❚", viz_text(v->lang, "speed"), speed) + 20;
    if (!v->playing)
        text(p, F_LARGE, 0xfbd38d, x, 8, 2, 0, viz_text(v->lang, "paused"));
    static const char *const keys[VIZ_COLOUR_COUNT] = {"colour_mode", "colour_goods", "colour_status"};
    int lx = l->width - 14;
    text(p, F_NORMAL, 0xa0aec0, lx, 34, 2, 0, viz_text(v->lang, keys[v->colour]));
    if (v->colour == VIZ_COLOUR_MODE || v->colour == VIZ_COLOUR_STATUS) {
        static const uint32_t mode_rgb[3] = {VIZ_RGB_AIR, VIZ_RGB_RAIL, VIZ_RGB_ROAD};
        static const uint32_t status_rgb[4] = {0xed8936, 0xecc94b, 0x38b2ac, 0xa0aec0};
        static const char *const status_key[4] = {"inspected", "scanned", "advance", "other"};
        int n = v->colour == VIZ_COLOUR_MODE ? 3 : 4;
        int cx = l->width / 2 - 40 * n;
        for (int i = 0; i < n; i++) {
            uint32_t rgb = v->colour == VIZ_COLOUR_MODE ? mode_rgb[i] : status_rgb[i];
            fill(p, (viz_rect){cx, 40, 8, 8}, rgb);
            cx += 12 + text(p, F_NORMAL, 0xcbd5e0, cx + 12, 36, 0, 0,
                            v->colour == VIZ_COLOUR_MODE ? viz_mode_label(v->lang, i)
                                                         : viz_text(v->lang, status_key[i])) + 14;
        }
    }
    if (v->help)
        text(p, F_NORMAL, 0xcbd5e0, l->width / 2, 8, 1, 0, viz_text(v->lang, "help"));
    if (v->fps >= 0)
        textf(p, F_SMALL, 0x718096, l->width / 2, 22, 1, "%.0f fps", v->fps);
}

/* ---- a pane ---- */

/* Whether every resource serving this stage of the port is closed now. */
static bool stage_closed(const kou_replay *rp, long k, size_t port, int stage)
{
    if (k < 0)
        return false;
    bool any = false;
    for (size_t r = 0; r < rp->nresources; r++) {
        if ((size_t)rp->resources[r].port != port || viz_resource_stage(rp, r) != stage)
            continue;
        any = true;
        if (rp->samples[(size_t)k * rp->nresources + r].capacity > 0)
            return false;
    }
    return any;
}

static void paint_gauges(viz_painter *p, const viz_layout *l, int pane, const viz_trace *tr, const viz_view *v)
{
    const kou_replay *rp = viz_trace_replay(tr);
    long k = viz_trace_sample_index(tr, v->t);
    for (size_t r = 0; r < rp->nresources; r++) {
        viz_rect g = viz_resource_gauge(l, pane, rp, r);
        const kou_replay_sample *s = k >= 0 ? &rp->samples[(size_t)k * rp->nresources + r] : NULL;
        bool closed = s != NULL && s->capacity == 0;
        fill(p, g, closed ? VIZ_RGB_CLOSED : 0x1a2231);
        const char *name = viz_resource_label(v->lang, rp->resources[r].name, false);
        if (!fits(p, F_SMALL, g.w - 3, name))
            name = viz_resource_label(v->lang, rp->resources[r].name, true);
        /* A gauge too narrow for even a character of its word is left
        ** unnamed: a lone "…" tells nothing. */
        int font = F_SMALL;
        if (strcmp(fit(p, &font, g.w - 3, name), "…") != 0)
            text(p, F_SMALL, closed ? 0x9c8896 : 0xa0aec0, g.x + 2, g.y, 0, g.w - 3, name);
        if (s == NULL)
            continue;
        viz_rect bar = viz_gauge_bar_area(g);
        int h = viz_bar_height(bar, s->queue, viz_trace_queue_scale(tr, r));
        fill(p, (viz_rect){bar.x, bar.y + bar.h - h, bar.w, h}, VIZ_RGB_QUEUE);
        if (s->queue > 0 && bar.w >= 14)
            textf(p, F_SMALL, 0xffffff, bar.x + bar.w - 1, bar.y, 2, "%u", s->queue);
        viz_rect m = viz_gauge_meter(g);
        fill(p, m, 0x2d3748);
        if (s->capacity > 0) {
            double f = (double)s->busy / s->capacity;
            f = f < 0 ? 0 : f > 1 ? 1 : f;
            fill(p, (viz_rect){m.x, m.y, (int)lround(f * m.w), m.h}, VIZ_RGB_BUSY);
        }
    }
}

/* Smooth start and stop for a gliding dot. */
static double ease(double f)
{
    return f * f * (3 - 2 * f);
}

static void paint_dots(viz_painter *p, const viz_layout *l, int pane, const viz_trace *tr, const viz_view *v,
                       size_t *counts, int *follow_x, int *follow_y)
{
    const kou_replay *rp = viz_trace_replay(tr);
    size_t n, nboxes = rp->nports * VIZ_ST_COUNT;
    const uint32_t *cand = viz_trace_candidates(tr, v->t, &n);
    /* Each box's dot area and capacity, once per frame. */
    viz_rect *dots = malloc((nboxes ? nboxes : 1) * sizeof *dots);
    size_t *cap = malloc((nboxes ? nboxes : 1) * sizeof *cap);
    if (dots == NULL || cap == NULL) {
        free(dots);
        free(cap);
        return;
    }
    for (size_t port = 0; port < rp->nports; port++)
        for (int s = 0; s < VIZ_ST_COUNT; s++) {
            size_t b = port * VIZ_ST_COUNT + (size_t)s;
            dots[b] = viz_stage_dots(l, pane, port, s);
            cap[b] = viz_dot_capacity(dots[b]);
        }
    for (size_t i = 0; i < n; i++) {
        viz_where w = viz_trace_where_at(tr, cand[i], v->t);
        if (w.stage < 0)
            continue;
        const kou_replay_consignment *c = &rp->consignments[cand[i]];
        size_t b = c->port * VIZ_ST_COUNT + (size_t)w.stage;
        size_t slot = counts[b]++;
        bool followed = v->follow_id != 0 && c->id == v->follow_id;
        if (slot >= cap[b]) {
            /* The box is full: the count says how many. A followed
            ** consignment still shows, on the box's last place. */
            if (!followed || cap[b] == 0)
                continue;
            slot = cap[b] - 1;
        }
        int x, y;
        viz_dot_position(dots[b], slot, &x, &y);
        double age = v->t - w.since;
        if (v->transit_hours > 0 && age < v->transit_hours && w.from_stage != w.stage) {
            /* Glide in from the stage it left (or from the lane's label on arrival). */
            double f = ease(age / v->transit_hours);
            int x0, y0;
            if (w.from_stage < 0) {
                viz_rect lab = viz_lane_label(l, pane, c->port);
                x0 = lab.x + lab.w - VIZ_DOT;
                y0 = lab.y + lab.h / 2;
            } else {
                viz_rect from = dots[c->port * VIZ_ST_COUNT + (size_t)w.from_stage];
                x0 = from.x + from.w / 2;
                y0 = from.y + from.h / 2;
            }
            x = x0 + (int)lround((x - x0) * f);
            y = y0 + (int)lround((y - y0) * f);
        }
        batch_add(p, dot_colour(tr, c, v->colour), x, y, VIZ_DOT, VIZ_DOT);
        remember_dot(p, x, y, pane, cand[i]);
        if (followed) {
            *follow_x = x;
            *follow_y = y;
        }
    }
    batch_flush(p);
    free(dots);
    free(cap);
}

static void paint_chart(viz_painter *p, viz_rect box, const viz_trace *tr, int direction, double reference,
                        const viz_view *v)
{
    fill(p, box, 0x1a2231);
    size_t n;
    const double *curve = viz_trace_mean_curve(tr, direction, &n);
    double top = reference * 1.25;
    for (size_t k = 0; k < n; k++)
        if (isfinite(curve[k]) && curve[k] > top)
            top = curve[k];
    /* Targets: -1/3 and -1/2 of the national 2017 figure (domain.md §1.1). */
    const double targets[2] = {reference * 2.0 / 3.0, reference / 2.0};
    for (int i = 0; i < 2; i++) {
        int y = box.y + box.h - 1 - (int)lround(targets[i] / top * (box.h - 1));
        for (int x = box.x; x < box.x + box.w; x += 6)
            line(p, x, y, x + 2 < box.x + box.w ? x + 2 : box.x + box.w - 1, y, i ? 0x68d391 : 0xf6e05e);
        textf(p, F_SMALL, i ? 0x68d391 : 0xf6e05e, box.x + box.w - 2, y - 11, 2, "%s %s %.1f", i ? "-1/2" : "-1/3",
              viz_text(v->lang, "target"), targets[i]);
    }
    textf(p, F_SMALL, 0x718096, box.x + 2, box.y + 1, 0, "%.0f h", top);
    text(p, F_SMALL, 0x718096, box.x + 2, box.y + box.h - 13, 0, 0, viz_text(v->lang, "mean_so_far"));
    double b = viz_trace_begin(tr), e = viz_trace_end(tr);
    int px = -1, py = 0;
    for (size_t k = 0; k < n; k++) {
        double t = b + (e - b) * (double)k / (double)(n - 1);
        if (t > v->t)
            break;
        if (!isfinite(curve[k])) {
            px = -1;
            continue;
        }
        int x = box.x + (int)lround((t - b) / (e - b) * (box.w - 1));
        int y = box.y + box.h - 1 - (int)lround(curve[k] / top * (box.h - 1));
        if (px >= 0)
            line(p, px, py, x, y, 0xffffff);
        px = x;
        py = y;
    }
    double f = (v->t - b) / (e - b);
    if (f >= 0 && f <= 1) {
        int x = box.x + (int)lround(f * (box.w - 1));
        line(p, x, box.y, x, box.y + box.h - 1, 0x718096);
    }
}

static void paint_follow(viz_painter *p, viz_rect box, const viz_trace *tr, const viz_view *v)
{
    long i = viz_trace_find(tr, v->follow_id);
    const kou_replay *rp = viz_trace_replay(tr);
    int y = box.y;
    textf(p, F_NORMAL, 0xfbd38d, box.x, y, 0, "%s #%llu", viz_text(v->lang, "following"),
          (unsigned long long)v->follow_id);
    y += 16;
    if (i < 0)
        return;
    const kou_replay_consignment *c = &rp->consignments[i];
    viz_where w = viz_trace_where(tr, c, v->t);
    char port[256], line[320];
    snprintf(line, sizeof line, "%s · %s",
             viz_name_in(v->lang, rp->ports[c->port].name, rp->ports[c->port].name_zh, port, sizeof port),
             viz_mode_label(v->lang, c->mode));
    text(p, F_SMALL, 0xcbd5e0, box.x, y, 0, box.w, line); /* both names: fitted to the panel */
    y += 13;
    double arr = viz_trace_arrival(tr, c), rel = viz_trace_released(tr, c);
    if (v->t < arr)
        textf(p, F_SMALL, 0xcbd5e0, box.x, y, 0, "%s (%.1f h)", viz_text(v->lang, "not_arrived"), arr - v->t);
    else if (w.stage >= 0)
        textf(p, F_SMALL, 0xcbd5e0, box.x, y, 0, "%s · %.1f h", viz_stage_label(v->lang, w.stage), v->t - arr);
    else
        text(p, F_SMALL, 0xcbd5e0, box.x, y, 0, 0, viz_text(v->lang, "left"));
    y += 13;
    if (!isnan(rel) && v->t >= rel)
        textf(p, F_SMALL, 0x9ae6b4, box.x, y, 0, "%s %.1f h", viz_text(v->lang, "released"), rel - arr);
}

/* The KPI panel. baseline, for the second of two panes, is the first
** pane's run: the change of the mean so far is shown against it. */
static void paint_kpi(viz_painter *p, const viz_layout *l, int pane, const viz_trace *tr,
                      const viz_trace *baseline, size_t in_system, const viz_view *v)
{
    const viz_pane_layout *pl = &l->pane[pane];
    viz_rect k = pl->kpi;
    fill(p, k, 0x161e2e);
    int x = k.x + 10, y = k.y + 6;
    text(p, F_LARGE, 0xffffff, x, y, 0, k.w - 20, viz_text(v->lang, "kpi"));
    y += 22;
    textf(p, F_NORMAL, 0xcbd5e0, x, y, 0, "%s: %zu", viz_text(v->lang, "in_system"), in_system);
    y += 20;
    /* National 2017 overall clearance times, import and export (domain.md §1.1). */
    static const double reference[2] = {97.39, 12.29};
    int chart_h = (k.h - 230) / 2;
    if (v->follow_id != 0)
        chart_h -= 30;
    if (chart_h < 30)
        chart_h = 30;
    for (int d = 0; d < 2; d++) {
        viz_kpi q = viz_trace_kpi(tr, d, v->t);
        text(p, F_NORMAL, 0xffffff, x, y, 0, 0, viz_text(v->lang, d ? "export" : "import"));
        y += 16;
        textf(p, F_SMALL, 0xcbd5e0, x, y, 0, "%s %zu", viz_text(v->lang, "cleared"), q.cleared);
        y += 13;
        if (q.cleared > 0)
            textf(p, F_NORMAL, 0xffffff, x, y, 0, "%s %.1f h   p90 %.1f h", viz_text(v->lang, "mean"), q.mean, q.p90);
        y += 17;
        if (baseline != NULL) {
            viz_kpi b = viz_trace_kpi(baseline, d, v->t);
            if (q.cleared > 0 && b.cleared > 0) {
                double change = 100 * (q.mean - b.mean) / b.mean;
                /* green once the -1/2 target is reached, yellow at -1/3 */
                uint32_t rgb = change <= -50 ? 0x68d391 : change <= -100.0 / 3 ? 0xf6e05e : 0xfc8181;
                textf(p, F_NORMAL, rgb, x, y, 0, "%+.1f %% %s", change, viz_text(v->lang, "vs_left"));
            }
            y += 17;
        }
        paint_chart(p, (viz_rect){x, y, k.w - 20, chart_h}, tr, d, reference[d], v);
        y += chart_h + 10;
    }
    if (v->follow_id != 0)
        paint_follow(p, (viz_rect){x, y, k.w - 20, k.y + k.h - y}, tr, v);
}

/* The pane's label and scenario name; side by side, its own date and
** time on the right (each run's start_date: two runs need not start on
** the same day). */
static void paint_pane_title(viz_painter *p, const viz_layout *l, int pane, const kou_replay *rp,
                             const char *label, const viz_view *v)
{
    const viz_pane_layout *pl = &l->pane[pane];
    int right = pl->title.x + pl->title.w - 6;
    if (l->npanes > 1) {
        char clock[96];
        viz_clock_text(clock, sizeof clock, rp->start_date, v->t, v->lang);
        right -= text(p, F_NORMAL, 0xffffff, right, pl->title.y + 5, 2, 0, clock) + 12;
    }
    char title[512], name[256];
    snprintf(title, sizeof title, "%s%s%s", label ? label : "", label && *label ? " — " : "",
             viz_name_in(v->lang, rp->scenario_name, rp->scenario_name_zh, name, sizeof name));
    text(p, F_LARGE, pane_rgb[pane], pl->title.x + 10, pl->title.y + 3, 0, right - pl->title.x - 10, title);
}

/* A port's name (Chinese above English with --lang both, when it has a
** Chinese name) and its mode, where the lane has room for the line. */
static void paint_lane_label(viz_painter *p, viz_rect lab, const kou_replay_port *pt, const viz_view *v)
{
    int mode_y = lab.y + 22;
    if (v->lang == VIZ_LANG_BOTH && *pt->name_zh != '\0' && strcmp(pt->name_zh, pt->name) != 0) {
        /* each on its own line: neither cut for the other */
        text(p, F_NORMAL, 0xffffff, lab.x + 8, lab.y + 4, 0, lab.w - 10, pt->name_zh);
        text(p, F_SMALL, 0xe2e8f0, lab.x + 8, lab.y + 22, 0, lab.w - 10, pt->name);
        mode_y = lab.y + 36;
    } else {
        char name[256];
        text(p, F_NORMAL, 0xffffff, lab.x + 8, lab.y + 4, 0, lab.w - 10,
             viz_name_in(v->lang, pt->name, pt->name_zh, name, sizeof name));
    }
    if (mode_y + 13 <= lab.y + lab.h)
        text(p, F_SMALL, 0xa0aec0, lab.x + 8, mode_y, 0, lab.w - 10, viz_mode_label(v->lang, pt->mode));
}

static void paint_pane(viz_painter *p, const viz_layout *l, int pane, const viz_trace *tr,
                       const viz_trace *baseline, const char *label, const viz_view *v)
{
    const viz_pane_layout *pl = &l->pane[pane];
    const kou_replay *rp = viz_trace_replay(tr);
    /* Only what the lanes and the KPI panel leave uncovered: every full-frame
    ** fill costs the software renderer about a millisecond at 1080p. */
    int lanes_bottom = pl->lanes.y + (int)rp->nports * pl->lane_h;
    fill(p, (viz_rect){pl->pane.x, pl->pane.y, pl->lanes.w, pl->lanes.y - pl->pane.y}, VIZ_RGB_BACKGROUND);
    fill(p, (viz_rect){pl->pane.x, lanes_bottom, pl->lanes.w, pl->pane.y + pl->pane.h - lanes_bottom},
         VIZ_RGB_BACKGROUND);
    paint_pane_title(p, l, pane, rp, label, v);
    for (int s = 0; s < VIZ_ST_COUNT; s++) {
        viz_rect b = viz_stage_box(l, pane, 0, s);
        /* The stage's name, else its word (Docs, Pay ...) where the column is narrow. */
        viz_lang one = v->lang == VIZ_LANG_BOTH ? VIZ_LANG_EN : v->lang;
        const char *name = viz_stage_label(one, s);
        if (!fits(p, F_SMALL, pl->stage_w - 2, name))
            name = viz_stage_short_label(one, s);
        if (v->lang == VIZ_LANG_BOTH) {
            /* Chinese above English: both fit a narrow column. */
            text(p, F_SMALL, 0xcbd5e0, b.x + b.w / 2, pl->stage_names.y + 1, 1, pl->stage_w - 2,
                 viz_stage_label(VIZ_LANG_ZH, s));
            text(p, F_SMALL, 0xa0aec0, b.x + b.w / 2, pl->stage_names.y + 15, 1, pl->stage_w - 2, name);
        } else {
            text(p, F_SMALL, 0xcbd5e0, b.x + b.w / 2, pl->stage_names.y + 8, 1, pl->stage_w - 2, name);
        }
    }
    long k = viz_trace_sample_index(tr, v->t);
    for (size_t port = 0; port < rp->nports; port++) {
        viz_rect lane = viz_lane(l, pane, port);
        fill(p, lane, port % 2 ? 0x141b2b : VIZ_RGB_BACKGROUND);
        paint_lane_label(p, viz_lane_label(l, pane, port), &rp->ports[port], v);
        for (int s = 0; s < VIZ_ST_COUNT; s++) {
            viz_rect b = viz_stage_box(l, pane, port, s);
            uint32_t bg = !viz_trace_stage_used(tr, port, s) ? VIZ_RGB_BOX_UNUSED
                          : stage_closed(rp, k, port, s)    ? VIZ_RGB_CLOSED
                                                             : VIZ_RGB_BOX;
            fill(p, b, bg);
        }
    }
    paint_gauges(p, l, pane, tr, v);

    size_t ncounts = rp->nports * VIZ_ST_COUNT;
    size_t *counts = calloc(ncounts ? ncounts : 1, sizeof *counts);
    if (counts == NULL)
        return;
    int fx = -1, fy = -1;
    paint_dots(p, l, pane, tr, v, counts, &fx, &fy);
    size_t in_system = 0;
    for (size_t port = 0; port < rp->nports; port++)
        for (int s = 0; s < VIZ_ST_COUNT; s++) {
            size_t c = counts[port * VIZ_ST_COUNT + (size_t)s];
            in_system += c;
            viz_rect b = viz_stage_box(l, pane, port, s);
            if (stage_closed(rp, k, port, s))
                text(p, F_SMALL, 0x9c8896, b.x + 3, b.y + 1, 0, b.w - 4, viz_text(v->lang, "closed"));
            if (c == 0)
                continue;
            size_t cap = viz_dot_capacity(viz_stage_dots(l, pane, port, s));
            /* A full box shows its count in amber: the stack no longer grows. */
            textf(p, F_SMALL, c > cap ? VIZ_RGB_QUEUE : 0xffffff, b.x + b.w - 3, b.y + 1, 2, "%zu", c);
        }
    free(counts);
    if (fx >= 0) {
        frame_rect(p, (viz_rect){fx - 3, fy - 3, VIZ_DOT + 6, VIZ_DOT + 6}, 0xffffff);
        frame_rect(p, (viz_rect){fx - 4, fy - 4, VIZ_DOT + 8, VIZ_DOT + 8}, 0x000000);
    }
    paint_kpi(p, l, pane, tr, baseline, in_system, v);
}

static void paint_tooltip(viz_painter *p, const viz_layout *l, viz_trace *const *traces, const viz_view *v)
{
    int pane;
    uint32_t index;
    if (v->mouse_x < 0 || !viz_painter_pick(p, v->mouse_x, v->mouse_y, &pane, &index))
        return;
    const viz_trace *tr = traces[pane];
    const kou_replay *rp = viz_trace_replay(tr);
    const kou_replay_consignment *c = &rp->consignments[index];
    viz_where w = viz_trace_where(tr, c, v->t);
    char lines[4][200];
    char port[256];
    snprintf(lines[0], sizeof lines[0], "#%llu  %s", (unsigned long long)c->id,
             viz_name_in(v->lang, rp->ports[c->port].name, rp->ports[c->port].name_zh, port, sizeof port));
    const char *goods = "";
    for (size_t g = 0; g < rp->ngoods; g++)
        if (rp->goods[g].port == c->port && rp->goods[g].flow == c->flow && rp->goods[g].goods == c->goods)
            goods = rp->goods[g].name;
    snprintf(lines[1], sizeof lines[1], "%s · %s · %s", viz_mode_label(v->lang, c->mode),
             viz_text(v->lang, c->direction ? "export" : "import"), goods);
    snprintf(lines[2], sizeof lines[2], "%s · %s %.1f h", w.stage >= 0 ? viz_stage_label(v->lang, w.stage) : "",
             viz_text(v->lang, "arrived"), v->t - viz_trace_arrival(tr, c));
    snprintf(lines[3], sizeof lines[3], "%s  %s  %s",
             viz_trace_flag(tr, c, VIZ_FLAG_ADVANCE) ? viz_text(v->lang, "advance") : "",
             viz_trace_flag(tr, c, VIZ_FLAG_SCANNED) ? viz_text(v->lang, "scanned") : "",
             viz_trace_flag(tr, c, VIZ_FLAG_INSPECTED) ? viz_text(v->lang, "inspected") : "");
    int x = v->mouse_x + 14, y = v->mouse_y + 10, w_box = 260, h_box = 4 * 15 + 8;
    if (x + w_box > l->width)
        x = v->mouse_x - w_box - 6;
    if (y + h_box > l->height)
        y = v->mouse_y - h_box - 6;
    colour(p, 0x0d1220, 235);
    SDL_Rect bg = {x, y, w_box, h_box};
    SDL_RenderFillRect(p->r, &bg);
    frame_rect(p, (viz_rect){x, y, w_box, h_box}, 0x4a5568);
    for (int i = 0; i < 4; i++)
        text(p, F_SMALL, 0xffffff, x + 6, y + 4 + 15 * i, 0, w_box - 10, lines[i]);
}

/* ---- legend ---- */

/* Legend item i's sample, drawn in the cell's left VIZ_LEGEND_SAMPLE
** pixels, centred on y: the thing the item's text explains. */
static void paint_legend_sample(viz_painter *p, int item, int x, int y)
{
    static const uint32_t mode_rgb[3] = {VIZ_RGB_AIR, VIZ_RGB_RAIL, VIZ_RGB_ROAD};
    switch (item) {
    case 0: /* dots */
        for (int i = 0; i < 3; i++)
            fill(p, (viz_rect){x + 4 + i * VIZ_DOT_PITCH * 2, y - VIZ_DOT / 2, VIZ_DOT, VIZ_DOT}, mode_rgb[i]);
        break;
    case 1: /* a count over a box */
        fill(p, (viz_rect){x, y - 8, 28, 16}, VIZ_RGB_BOX);
        text(p, F_SMALL, 0xffffff, x + 25, y - 7, 2, 0, "12");
        break;
    case 2: /* left to right */
        line(p, x + 2, y, x + 26, y, 0xcbd5e0);
        line(p, x + 26, y, x + 21, y - 4, 0xcbd5e0);
        line(p, x + 26, y, x + 21, y + 4, 0xcbd5e0);
        break;
    case 3: /* the queue bar */
        fill(p, (viz_rect){x + 8, y - 8, 12, 16}, VIZ_RGB_QUEUE);
        break;
    case 4: /* busy of open */
        fill(p, (viz_rect){x, y - 2, 28, 4}, 0x2d3748);
        fill(p, (viz_rect){x, y - 2, 18, 4}, VIZ_RGB_BUSY);
        break;
    case 5: /* closed */
        fill(p, (viz_rect){x, y - 8, 28, 16}, VIZ_RGB_CLOSED);
        break;
    case 6: /* never used */
        fill(p, (viz_rect){x, y - 8, 28, 16}, VIZ_RGB_BOX_UNUSED);
        frame_rect(p, (viz_rect){x, y - 8, 28, 16}, 0x2d3748);
        break;
    default: /* the target lines of the KPI charts */
        for (int k = 0; k < 28; k += 6) {
            line(p, x + k, y - 3, x + k + 2, y - 3, 0xf6e05e);
            line(p, x + k, y + 3, x + k + 2, y + 3, 0x68d391);
        }
        break;
    }
}

/* The legend strip: each item's sample and its text (Chinese above
** English in both languages), fitted to its cell; all in the normal font
** if every text fits it, else all one size smaller, so that the lines
** match. */
static void paint_legend(viz_painter *p, const viz_layout *l, const viz_view *v)
{
    if (l->legend.h <= 0)
        return;
    fill(p, l->legend, VIZ_RGB_LEGEND);
    line(p, l->legend.x, l->legend.y, l->legend.x + l->legend.w - 1, l->legend.y, 0x2d3748);
    viz_lang first = l->legend_lines == 2 ? VIZ_LANG_ZH : v->lang;
    int font = F_NORMAL;
    for (int i = 0; i < VIZ_LEGEND_ITEMS; i++) {
        int tw = viz_legend_cell(l, i).w - VIZ_LEGEND_SAMPLE;
        if (!fits(p, F_NORMAL, tw, viz_legend_text(first, i)) ||
            (l->legend_lines == 2 && !fits(p, F_NORMAL, tw, viz_legend_text(VIZ_LANG_EN, i))))
            font = F_SMALL;
    }
    for (int i = 0; i < VIZ_LEGEND_ITEMS; i++) {
        viz_rect c = viz_legend_cell(l, i);
        paint_legend_sample(p, i, c.x, c.y + c.h / 2);
        int tx = c.x + VIZ_LEGEND_SAMPLE, tw = c.w - VIZ_LEGEND_SAMPLE;
        text(p, font, 0xe2e8f0, tx, c.y + 2, 0, tw, viz_legend_text(first, i));
        if (l->legend_lines == 2)
            text(p, font, 0xa0aec0, tx, c.y + 2 + VIZ_LEGEND_LINE_H, 0, tw, viz_legend_text(VIZ_LANG_EN, i));
    }
}

void viz_paint(viz_painter *p, const viz_layout *l, viz_trace *const *traces, const char *const *labels,
               const viz_view *v)
{
    /* No clear: header, panes and timeline cover the frame. */
    p->ndots = 0;
    p->cut = 0;
    for (int i = 0; i < l->npanes; i++)
        paint_pane(p, l, i, traces[i], i > 0 ? traces[0] : NULL, labels ? labels[i] : NULL, v);
    for (int i = 1; i < l->npanes; i++)
        fill(p, (viz_rect){l->pane[i].pane.x - 1, l->pane[i].pane.y, 2, l->pane[i].pane.h}, 0x4a5568);
    paint_header(p, l, traces, v);
    paint_timeline(p, l, traces, v);
    paint_legend(p, l, v);
    paint_tooltip(p, l, traces, v);
}
