/*
** main.c — kouan-viz: replays one run file, or two side by side in step by
** simulated time, in a window; or exports the replay headless as an MP4
** video or PNG frames; or measures its frame time (--bench).
**
**   kouan-viz RUN.h5 [RUN2.h5] [options]        (kouan-viz --help)
**
** Exports are a function of the files and the options only: frame i shows
** simulated time from + i * speed / fps, drawn by SDL's software renderer.
*/
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_ttf.h>

#include "cmd/cli.h"
#include "draw.h"
#include "export.h"
#include "io/replay.h"
#include "playback.h"
#include "scene.h"
#include "trace.h"

static const char usage[] =
    "usage: kouan-viz RUN.h5 [RUN2.h5] [options]\n"
    "Replays kouan run files (kouan run writes them). Two files play side by side,\n"
    "in step by simulated time (e.g. era 2017 against era 2021).\n"
    "\n"
    "  --rep N            replication to replay (default 0)\n"
    "  --label TEXT       a pane's title, once per file (default: its era)\n"
    "  --from T, --to T   replay span: hours (36.5), days (3d) or a date\n"
    "                     (2017-03-01 or 2017-03-01T08:30); default: the whole run\n"
    "  --speed S          simulated time per second: realtime, 10min/s, 6h/s, 1d/s,\n"
    "                     or hours per second (default 6h/s)\n"
    "  --lang L           zh, en or both (default both)\n"
    "  --colour C         colour dots by mode, goods or status (default mode)\n"
    "  --no-legend        leave out the legend strip saying what dots, counts,\n"
    "                     bars and shading mean (shown by default; key K)\n"
    "  --size WxH         window or frame size (default 1600x900; exports 1920x1080)\n"
    "  --font FILE        a TrueType font with CJK glyphs (default: fonts-wqy-microhei)\n"
    "  --export OUT       write OUT.mp4 (.mkv, .mov: H.264) or OUT.gif through ffmpeg,\n"
    "                     no display needed\n"
    "  --frames DIR       write PNG frames DIR/frame-000000.png ..., no display needed\n"
    "  --force            let --export overwrite an existing file, --frames a folder\n"
    "                     holding frames (without it they are refused, exit 2)\n"
    "  --fps N            export frame rate (default 30)\n"
    "  --duration S       export length in seconds of video (instead of --to)\n"
    "  --bench N          draw N frames off screen across the span; print frame times\n"
    "  --max-frames N     close the window after N frames (scripted checks)\n"
    "\n"
    "Keys: Space play/pause, Left/Right seek 1 h (Shift: 1 day, Ctrl: 1 week),\n"
    "Up/Down speed, Home/End, N next event, . step one frame, C colour, L language,\n"
    "K legend, F follow the consignment under the pointer (or stop), click a dot\n"
    "to follow it, click the timeline to seek, H help, Q or Esc quit.\n";

typedef struct options {
    const char *files[VIZ_MAX_PANES];
    const char *labels[VIZ_MAX_PANES];
    int nfiles, nlabels;
    size_t rep;
    const char *from, *to;
    double speed;
    viz_lang lang;
    viz_colour_by colour;
    int w, h;
    bool size_given;
    const char *font;
    const char *export_path, *frames_dir;
    int fps;
    bool no_legend;
    bool force; /* --force: --export and --frames may overwrite */
    double duration;
    long bench;
    long max_frames; /* window: quit after this many frames (0: never) */
} options;

static int fail_usage(const char *fmt, ...) KOU_PRINTF(1, 2);
static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kouan-viz: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(kouan-viz --help lists the options)\n");
    va_end(ap);
    return 2;
}

static bool parse_speed(const char *s, double *out)
{
    if (strcmp(s, "realtime") == 0) {
        *out = 1.0 / 3600;
        return true;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || !isfinite(v) || v <= 0)
        return false;
    double unit = 1;
    if (*end == '\0')
        unit = 1;
    else if (strcmp(end, "s/s") == 0)
        unit = 1.0 / 3600;
    else if (strcmp(end, "min/s") == 0)
        unit = 1.0 / 60;
    else if (strcmp(end, "h/s") == 0)
        unit = 1;
    else if (strcmp(end, "d/s") == 0)
        unit = 24;
    else
        return false;
    *out = v * unit;
    return *out <= 24 * 365;
}

/* Hours from the run's hour 0: "36.5", "3d", "2017-03-01", "2017-03-01T08:30". */
static bool parse_time(const char *s, long start_date, double *out)
{
    int y, mo, d, hh = 0, mm = 0;
    char tail;
    if (strlen(s) >= 10 && s[4] == '-' &&
        (sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &tail) == 3 ||
         sscanf(s, "%4d-%2d-%2dT%2d:%2d%c", &y, &mo, &d, &hh, &mm, &tail) == 5)) {
        int32_t date = (int32_t)(y * 10000 + mo * 100 + d);
        if (!kou_date_is_valid(date) || !kou_date_is_valid((int32_t)start_date) || hh > 23 || mm > 59)
            return false;
        *out = (double)(kou_date_to_days(date) - kou_date_to_days((int32_t)start_date)) * 24 + hh + mm / 60.0;
        return true;
    }
    size_t n = strlen(s);
    if (n > 1 && s[n - 1] == 'd') {
        char buf[64];
        if (n >= sizeof buf)
            return false;
        memcpy(buf, s, n - 1);
        buf[n - 1] = '\0';
        double days;
        if (!kou_cli_double(buf, &days))
            return false;
        *out = days * 24;
        return true;
    }
    return kou_cli_double(s, out);
}

/* Options that take a value. */
static bool takes_value(const char *a)
{
    static const char *const valued[] = {"--rep", "--label", "--from", "--to", "--speed", "--lang",
                                         "--colour", "--color", "--size", "--font", "--export", "--frames",
                                         "--fps", "--duration", "--max-frames", "--bench"};
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
        if (strcmp(a, valued[k]) == 0)
            return true;
    return false;
}

/* --speed, --lang, --colour: one of the words they know. */
static int set_choice(options *o, const char *a, const char *v)
{
    if (strcmp(a, "--speed") == 0) {
        if (!parse_speed(v, &o->speed))
            return fail_usage("--speed: realtime, 10min/s, 6h/s, 1d/s or hours per second > 0 (at most "
                              "a year per second), not '%s'", v);
    } else if (strcmp(a, "--lang") == 0) {
        if (strcmp(v, "zh") == 0)
            o->lang = VIZ_LANG_ZH;
        else if (strcmp(v, "en") == 0)
            o->lang = VIZ_LANG_EN;
        else if (strcmp(v, "both") == 0)
            o->lang = VIZ_LANG_BOTH;
        else
            return fail_usage("--lang: zh, en or both, not '%s'", v);
    } else { /* --colour, --color */
        if (strcmp(v, "mode") == 0)
            o->colour = VIZ_COLOUR_MODE;
        else if (strcmp(v, "goods") == 0)
            o->colour = VIZ_COLOUR_GOODS;
        else if (strcmp(v, "status") == 0)
            o->colour = VIZ_COLOUR_STATUS;
        else
            return fail_usage("--colour: mode, goods or status, not '%s'", v);
    }
    return 0;
}

/* --rep, --size, --fps, --duration, --max-frames, --bench: numbers in range. */
static int set_number(options *o, const char *a, const char *v)
{
    uint64_t u;
    double x;
    if (strcmp(a, "--rep") == 0) {
        if (!kou_cli_u64(v, &u) || u > 1000000)
            return fail_usage("--rep: a replication number 0, 1, 2 ..., not '%s'", v);
        o->rep = (size_t)u;
    } else if (strcmp(a, "--size") == 0) {
        int w, h;
        char tail;
        if (sscanf(v, "%dx%d%c", &w, &h, &tail) != 2 || w < 640 || h < 360 || w > 7680 || h > 4320)
            return fail_usage("--size: WIDTHxHEIGHT from 640x360 to 7680x4320, not '%s'", v);
        o->w = w;
        o->h = h;
        o->size_given = true;
    } else if (strcmp(a, "--fps") == 0) {
        if (!kou_cli_u64(v, &u) || u < 1 || u > 120)
            return fail_usage("--fps: a whole number from 1 to 120, not '%s'", v);
        o->fps = (int)u;
    } else if (strcmp(a, "--duration") == 0) {
        if (!kou_cli_positive(v, &x) || x > 3600)
            return fail_usage("--duration: seconds of video, more than 0 and at most 3600, not '%s'", v);
        o->duration = x;
    } else if (strcmp(a, "--max-frames") == 0) {
        if (!kou_cli_u64(v, &u) || u < 1 || u > 100000000)
            return fail_usage("--max-frames: a number of frames from 1 to 100000000, not '%s'", v);
        o->max_frames = (long)u;
    } else { /* --bench */
        if (!kou_cli_u64(v, &u) || u < 1 || u > 100000)
            return fail_usage("--bench: a number of frames from 1 to 100000, not '%s'", v);
        o->bench = (long)u;
    }
    return 0;
}

/* Option a with its value v: 0, or the usage error's exit status. */
static int set_option(options *o, const char *a, const char *v)
{
    if (strcmp(a, "--label") == 0) {
        if (o->nlabels == VIZ_MAX_PANES)
            return fail_usage("--label is given once per file, at most twice (%s)", v);
        o->labels[o->nlabels++] = v;
    } else if (strcmp(a, "--from") == 0) {
        o->from = v;
    } else if (strcmp(a, "--to") == 0) {
        o->to = v;
    } else if (strcmp(a, "--font") == 0) {
        o->font = v;
    } else if (strcmp(a, "--export") == 0) {
        o->export_path = v;
    } else if (strcmp(a, "--frames") == 0) {
        o->frames_dir = v;
    } else if (strcmp(a, "--speed") == 0 || strcmp(a, "--lang") == 0 || strcmp(a, "--colour") == 0 ||
               strcmp(a, "--color") == 0) {
        return set_choice(o, a, v);
    } else {
        return set_number(o, a, v);
    }
    return 0;
}

/* The name of a PNG frame of an earlier export in dir (frame-*.png), into
** name; false when there is none or dir cannot be read (then the export
** makes it, or says why it cannot). */
static bool earlier_frame(const char *dir, char *name, size_t len)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return false;
    bool found = false;
    for (struct dirent *e; !found && (e = readdir(d)) != NULL;) {
        size_t n = strlen(e->d_name);
        found = n > 10 && strncmp(e->d_name, "frame-", 6) == 0 && strcmp(e->d_name + n - 4, ".png") == 0;
        if (found)
            snprintf(name, len, "%s", e->d_name);
    }
    closedir(d);
    return found;
}

/* kouan's one overwrite rule (README.md, "A run never overwrites a file"):
** what --export or --frames would write over is refused before the run
** files are read or a frame is drawn, unless --force. 0, or exit status 2
** after the message. */
static int refuse_overwrite(const options *o)
{
    struct stat st;
    char name[256];
    if (o->force)
        return 0;
    if (o->export_path && stat(o->export_path, &st) == 0 && !S_ISDIR(st.st_mode))
        return fail_usage("--export %s: the file exists: refusing to overwrite it; pass --force to overwrite it, "
                          "or choose another name", o->export_path);
    if (o->frames_dir && earlier_frame(o->frames_dir, name, sizeof name))
        return fail_usage("--frames %s: the folder holds frames of an earlier export (%s): refusing to overwrite "
                          "them; pass --force to overwrite them, or choose another folder", o->frames_dir, name);
    return 0;
}

/* 0 to go on, 1 when --help was printed, 2 after a usage error. */
static int parse_args(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->speed = 6;
    o->lang = VIZ_LANG_BOTH;
    o->fps = 30;
    o->w = 1600;
    o->h = 900;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(a, "--no-legend") == 0) {
            o->no_legend = true;
            continue;
        }
        if (strcmp(a, "--force") == 0) {
            o->force = true;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (o->nfiles == VIZ_MAX_PANES)
                return fail_usage("at most two run files side by side, not also %s", a);
            o->files[o->nfiles++] = a;
            continue;
        }
        if (!takes_value(a))
            return fail_usage("unknown option %s", a);
        if (i + 1 >= argc)
            return fail_usage("%s needs a value", a);
        int rc = set_option(o, a, argv[++i]);
        if (rc != 0)
            return rc;
    }
    if (o->nfiles == 0)
        return fail_usage("%s", "no run file given: kouan-viz RUN.h5 [RUN2.h5]");
    if (o->export_path && o->frames_dir)
        return fail_usage("%s", "--export and --frames: choose one");
    if (o->export_path && viz_export_format(o->export_path) == VIZ_FORMAT_NONE)
        return fail_usage("--export %s: %s", o->export_path, VIZ_EXPORT_FORMATS);
    if (o->force && !o->export_path && !o->frames_dir)
        return fail_usage("%s", "--force lets --export or --frames overwrite an earlier export: give one of them");
    int rc = refuse_overwrite(o);
    if (rc != 0)
        return rc;
    if (!o->size_given && (o->export_path || o->frames_dir || o->bench)) {
        o->w = 1920;
        o->h = 1080;
    }
    return 0;
}

/* ---- the runs ---- */

/* The replayed files, in the arrays the painter takes. */
typedef struct runs {
    int n;
    kou_replay *rp[VIZ_MAX_PANES];
    viz_trace *traces[VIZ_MAX_PANES];
    size_t nports[VIZ_MAX_PANES];
    const char *labels[VIZ_MAX_PANES];
    char label_text[VIZ_MAX_PANES][256];
} runs;

static int load(const options *o, runs *rs)
{
    char err[512];
    for (int i = 0; i < o->nfiles; i++) {
        /* Checked in a child first: HDF5 itself can crash on a damaged file. */
        kou_status st = kou_replay_check(o->files[i], o->rep, err, sizeof err);
        if (st == KOU_OK)
            st = kou_replay_open(o->files[i], o->rep, &rs->rp[i], err, sizeof err);
        if (st != KOU_OK) {
            fprintf(stderr, "kouan-viz: %s: %s\n", o->files[i], err);
            return 1;
        }
        if (!rs->rp[i]->complete)
            fprintf(stderr, "kouan-viz: %s: the run was interrupted (complete = 0): replaying what it wrote\n",
                    o->files[i]);
        rs->traces[i] = viz_trace_new(rs->rp[i], err, sizeof err);
        if (rs->traces[i] == NULL) {
            fprintf(stderr, "kouan-viz: %s: %s\n", o->files[i], err);
            return 1;
        }
        const char *base = strrchr(o->files[i], '/');
        snprintf(rs->label_text[i], sizeof rs->label_text[i], "%s",
                 i < o->nlabels ? o->labels[i] : *rs->rp[i]->era ? rs->rp[i]->era : base ? base + 1 : o->files[i]);
        rs->labels[i] = rs->label_text[i];
        rs->nports[i] = rs->rp[i]->nports;
        rs->n = i + 1;
    }
    return 0;
}

/* What plays: --from/--to/--duration within the runs' span. */
typedef struct span {
    double from, to;
} span;

/* Whether [from, to] meets every run's span (first arrival to last
** departure); if not, one line per run it misses, with that run's span in
** its own dates: such a replay would show empty frames. */
static bool within_runs(const options *o, const runs *rs, double from, double to)
{
    bool ok = true;
    for (int i = 0; i < rs->n; i++) {
        double b = viz_trace_begin(rs->traces[i]), e = viz_trace_end(rs->traces[i]);
        if (from <= e && to >= b)
            continue;
        char fb[96], fe[96], tb[96], te[96];
        long sd = rs->rp[i]->start_date;
        viz_clock_text(fb, sizeof fb, sd, from, VIZ_LANG_EN);
        viz_clock_text(fe, sizeof fe, sd, to, VIZ_LANG_EN);
        viz_clock_text(tb, sizeof tb, sd, b, VIZ_LANG_EN);
        viz_clock_text(te, sizeof te, sd, e, VIZ_LANG_EN);
        fprintf(stderr, "kouan-viz: %s: nothing to show from %s to %s (hours %.2f to %.2f): the run spans %s to %s "
                        "(hours %.2f to %.2f); choose --from/--to within it\n",
                o->files[i], fb, fe, from, to, tb, te, b, e);
        ok = false;
    }
    return ok;
}

/* The timeline (the runs' whole span), the played span, the speed. */
static int resolve_span(const options *o, runs *rs, viz_view *v, span *sp)
{
    v->begin = viz_trace_begin(rs->traces[0]);
    v->end = viz_trace_end(rs->traces[0]);
    for (int i = 1; i < o->nfiles; i++) {
        v->begin = fmin(v->begin, viz_trace_begin(rs->traces[i]));
        v->end = fmax(v->end, viz_trace_end(rs->traces[i]));
    }
    long sd = rs->rp[0]->start_date;
    double from = v->begin, to = v->end;
    if (o->from && !parse_time(o->from, sd, &from))
        return fail_usage("--from: hours, days (3d) or a date YYYY-MM-DD[THH:MM], not '%s'", o->from);
    if (o->to && !parse_time(o->to, sd, &to))
        return fail_usage("--to: hours, days (3d) or a date YYYY-MM-DD[THH:MM], not '%s'", o->to);
    if (o->duration > 0)
        to = from + o->duration * o->speed;
    if (!(to >= from)) {
        fprintf(stderr, "kouan-viz: the span is empty: --to %.2f h is before --from %.2f h\n", to, from);
        return 2;
    }
    if ((o->from || o->to) && !within_runs(o, rs, from, to))
        return 1;
    sp->from = from;
    sp->to = to;
    v->t = from;
    v->speed = o->speed;
    v->lang = o->lang;
    v->colour = o->colour;
    v->legend = !o->no_legend;
    v->mouse_x = v->mouse_y = -1;
    v->fps = -1;
    return 0;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_ms(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean and p95 of the frame times whose number in the system is in [lo, hi). */
static void bench_line(const char *what, const double *ms, const size_t *in, long n, size_t lo, size_t hi)
{
    double *sel = malloc((size_t)n * sizeof *sel);
    size_t k = 0;
    double sum = 0;
    for (long i = 0; sel && i < n; i++)
        if (in[i] >= lo && in[i] < hi) {
            sel[k++] = ms[i];
            sum += ms[i];
        }
    if (k > 0) {
        qsort(sel, k, sizeof *sel, cmp_ms);
        printf("%-26s %5zu frames  mean %7.2f ms  median %7.2f  p95 %7.2f  max %7.2f  (%.0f frames/s)\n", what, k,
               sum / (double)k, sel[k / 2], sel[(size_t)(0.95 * (double)(k - 1))], sel[k - 1],
               1e3 / (sum / (double)k));
    }
    free(sel);
}

/* --bench: frames spread evenly over the span, timed one by one (paint
** and flush), reported overall and by the number in the system drawn. */
static int bench(const options *o, viz_painter *p, SDL_Renderer *r, const viz_layout *l, const runs *rs,
                 viz_view *v, span sp)
{
    double *ms = malloc((size_t)o->bench * sizeof *ms);
    size_t *in = calloc((size_t)o->bench, sizeof *in);
    if (ms == NULL || in == NULL) {
        fprintf(stderr, "kouan-viz: out of memory\n");
        free(ms);
        free(in);
        return 1;
    }
    size_t most = 0;
    for (long i = 0; i < o->bench; i++) {
        v->t = sp.from + (sp.to - sp.from) * ((double)i + 0.5) / (double)o->bench;
        double t0 = now_seconds();
        viz_paint(p, l, rs->traces, rs->labels, v);
        SDL_RenderFlush(r);
        ms[i] = (now_seconds() - t0) * 1e3;
        for (int k = 0; k < o->nfiles; k++) {
            size_t n;
            const uint32_t *c = viz_trace_candidates(rs->traces[k], v->t, &n);
            for (size_t j = 0; j < n; j++)
                in[i] += viz_trace_where_at(rs->traces[k], c[j], v->t).stage >= 0;
        }
        most = in[i] > most ? in[i] : most;
    }
    printf("%ld frames at %dx%d, %d pane(s), software renderer; up to %zu consignments in the system\n", o->bench,
           o->w, o->h, o->nfiles, most);
    bench_line("all frames", ms, in, o->bench, 0, SIZE_MAX);
    bench_line("under 10,000 in system", ms, in, o->bench, 0, 10000);
    bench_line("10,000 to 100,000", ms, in, o->bench, 10000, 100000);
    bench_line("100,000 or more", ms, in, o->bench, 100000, SIZE_MAX);
    free(ms);
    free(in);
    return 0;
}

/* ---- headless: export and bench ---- */

/* The progress line of an export, as kouan run and kouan sweep draw
** theirs: on stderr when it is a terminal, redrawn at most ten times a
** second, cleared at the end. */
typedef struct progress {
    bool tty, drawn;
    double t0, last;
} progress;

static void progress_draw(progress *pg, const char *what, long done, long total)
{
    double t = now_seconds();
    if (!pg->tty || total <= 0 || (t - pg->last < 0.1 && done < total))
        return;
    pg->last = t;
    double frac = (double)done / (double)total;
    double eta = done > 0 ? (t - pg->t0) / (double)done * (double)(total - done) : 0;
    char bar[31];
    int fill = (int)(frac * 30);
    for (int i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    fprintf(stderr, "\r[%s] %3d%%  %s %ld/%ld  %.0f s  ETA %.0f s\033[K", bar, (int)(100 * frac), what, done,
            total, t - pg->t0, eta);
    fflush(stderr);
    pg->drawn = true;
}

static void progress_end(progress *pg)
{
    if (pg->drawn)
        fputs("\r\033[K", stderr);
    pg->drawn = false;
}

/* What an export draws on: the surface, its renderer and painter, the layout. */
typedef struct canvas {
    SDL_Surface *surface;
    SDL_Renderer *r;
    viz_painter *p;
    viz_layout l;
} canvas;

static void draw_at(canvas *c, const runs *rs, viz_view *v, double t)
{
    v->t = t;
    viz_paint(c->p, &c->l, rs->traces, rs->labels, v);
    SDL_RenderFlush(c->r);
}

/* A GIF's 256 colours: ffmpeg's palettegen over up to 16 frames spread
** over the export (the painter's colours are few and fixed). Writes the
** palette to a new temporary file named in pal. */
static bool gif_palette(canvas *c, const options *o, const runs *rs, viz_view *v, span sp, long frames,
                        char *pal, size_t palsize, char *err, size_t errsize)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(pal, palsize, "%s/kouan-viz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(pal) == NULL) {
        snprintf(err, errsize, "cannot make a temporary directory %s: %s", pal, strerror(errno));
        *pal = '\0';
        return false;
    }
    size_t n0 = strlen(pal);
    snprintf(pal + n0, palsize - n0, "/palette.png");
    viz_video *pv = viz_palette_open(pal, o->w, o->h, err, errsize);
    bool ok = pv != NULL;
    long n = frames < 16 ? frames : 16;
    double step = o->speed / o->fps;
    for (long k = 0; ok && k < n; k++) {
        long i = n > 1 ? k * (frames - 1) / (n - 1) : 0;
        draw_at(c, rs, v, sp.from + (double)i * step);
        ok = viz_video_frame(pv, c->surface, err, errsize);
    }
    if (pv && !viz_video_close(pv, ok ? err : (char[512]){0}, ok ? errsize : 512))
        ok = false;
    return ok;
}

/* Frames from sp.from every speed / fps hours to sp.to, to the video or
** the PNG directory. The exit status. */
static int export_frames(canvas *c, const options *o, const runs *rs, viz_view *v, span sp)
{
    double step = o->speed / o->fps;
    double frames_d = floor((sp.to - sp.from) / step + 1e-9) + 1;
    if (frames_d > 216000) {
        fprintf(stderr, "kouan-viz: %.0f frames is more than 2 hours of video: raise --speed or narrow "
                        "--from/--to\n", frames_d);
        return 2;
    }
    long frames = (long)frames_d;
    char err[512], pal[1024] = "";
    viz_video *video = NULL;
    bool ok = true;
    if (o->export_path) {
        if (viz_export_format(o->export_path) == VIZ_FORMAT_GIF)
            ok = gif_palette(c, o, rs, v, sp, frames, pal, sizeof pal, err, sizeof err);
        video = ok ? viz_video_open(o->export_path, o->w, o->h, o->fps, *pal ? pal : NULL, err, sizeof err) : NULL;
        ok = video != NULL;
    } else if (mkdir(o->frames_dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, sizeof err, "cannot make the directory %s: %s", o->frames_dir, strerror(errno));
        ok = false;
    }
    progress pg = {.tty = isatty(STDERR_FILENO) != 0, .t0 = now_seconds()};
    for (long i = 0; ok && i < frames; i++) {
        draw_at(c, rs, v, sp.from + (double)i * step);
        if (video) {
            ok = viz_video_frame(video, c->surface, err, sizeof err);
        } else {
            char path[4096];
            snprintf(path, sizeof path, "%s/frame-%06ld.png", o->frames_dir, i);
            ok = viz_png_write(path, c->surface, err, sizeof err);
        }
        progress_draw(&pg, "frame", i + 1, frames);
    }
    progress_end(&pg);
    if (video && !viz_video_close(video, ok ? err : (char[512]){0}, ok ? sizeof err : 512))
        ok = false;
    if (*pal) { /* the palette, then its directory */
        unlink(pal);
        *strrchr(pal, '/') = '\0';
        rmdir(pal);
    }
    if (!ok) {
        fprintf(stderr, "kouan-viz: %s\n", err);
        return 1;
    }
    fprintf(stderr, "kouan-viz: wrote %ld frames (%.1f s at %d frames/s) to %s\n", frames, (double)frames / o->fps,
            o->fps, o->export_path ? o->export_path : o->frames_dir);
    return 0;
}

static int offscreen(const options *o, runs *rs, viz_view *v, span sp)
{
    canvas c = {0};
    c.surface = SDL_CreateRGBSurfaceWithFormat(0, o->w, o->h, 32, SDL_PIXELFORMAT_ARGB8888);
    c.r = c.surface ? SDL_CreateSoftwareRenderer(c.surface) : NULL;
    char err[512];
    if (c.r == NULL) {
        fprintf(stderr, "kouan-viz: cannot make an off-screen frame: %s\n", SDL_GetError());
        SDL_FreeSurface(c.surface);
        return 1;
    }
    c.p = viz_painter_new(c.r, o->font, err, sizeof err);
    if (c.p == NULL) {
        fprintf(stderr, "kouan-viz: %s\n", err);
        SDL_DestroyRenderer(c.r);
        SDL_FreeSurface(c.surface);
        return 1;
    }
    c.l = viz_layout_make(o->w, o->h, o->nfiles, rs->nports, viz_legend_lines(v->legend, v->lang));
    v->playing = true;
    /* A dot glides for a quarter of a second of video. */
    v->transit_hours = o->speed / 4.0;
    int rc = o->bench ? bench(o, c.p, c.r, &c.l, rs, v, sp) : export_frames(&c, o, rs, v, sp);
    viz_painter_free(c.p);
    SDL_DestroyRenderer(c.r);
    SDL_FreeSurface(c.surface);
    return rc;
}

/* ---- the window ---- */

typedef struct window {
    SDL_Window *win;
    SDL_Renderer *r;
    viz_painter *p;
} window;

static void window_close(window *wd)
{
    if (wd->p)
        viz_painter_free(wd->p);
    if (wd->r)
        SDL_DestroyRenderer(wd->r);
    if (wd->win)
        SDL_DestroyWindow(wd->win);
}

static bool env_set(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && *v != '\0';
}

/* Whether a window can be seen: with no DISPLAY or WAYLAND_DISPLAY, SDL
** falls back to its off-screen driver and the window would play unseen
** for ever. A driver asked for by SDL_VIDEODRIVER (tests: dummy) is
** taken as it is. */
static bool display_usable(const char *driver)
{
    if (env_set("SDL_VIDEODRIVER"))
        return true;
    if (driver == NULL)
        return env_set("DISPLAY") || env_set("WAYLAND_DISPLAY");
    return strcmp(driver, "offscreen") != 0 && strcmp(driver, "dummy") != 0;
}

static void no_display(const char *why)
{
    fprintf(stderr, "kouan-viz: no display (%s): the window cannot be shown here; render without one with "
                    "--export OUT.mp4 (or .gif) or --frames DIR\n", why);
}

/* The window, its renderer (accelerated if it can be) and the painter. */
static bool window_open(const options *o, window *wd)
{
    memset(wd, 0, sizeof *wd);
    if (!display_usable(NULL)) {
        no_display("neither DISPLAY nor WAYLAND_DISPLAY is set");
        return false;
    }
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
        no_display(SDL_GetError());
        return false;
    }
    if (!display_usable(SDL_GetCurrentVideoDriver())) {
        no_display("SDL found only its off-screen driver");
        return false;
    }
    wd->win = SDL_CreateWindow("kouan-viz", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o->w, o->h,
                               SDL_WINDOW_RESIZABLE);
    wd->r = wd->win ? SDL_CreateRenderer(wd->win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC) : NULL;
    if (wd->win != NULL && wd->r == NULL)
        wd->r = SDL_CreateRenderer(wd->win, -1, SDL_RENDERER_SOFTWARE);
    char err[512];
    wd->p = wd->r ? viz_painter_new(wd->r, o->font, err, sizeof err) : NULL;
    if (wd->p == NULL) {
        fprintf(stderr, "kouan-viz: %s\n", wd->r ? err : SDL_GetError());
        window_close(wd);
        return false;
    }
    return true;
}

/* A key press; false when it quits. */
static bool on_key(const SDL_KeyboardEvent *key, viz_playback *pb, viz_view *v, viz_painter *p, const runs *rs)
{
    SDL_Keymod mod = SDL_GetModState();
    double jump = (mod & KMOD_CTRL) ? 168 : (mod & KMOD_SHIFT) ? 24 : 1;
    int pi;
    uint32_t idx;
    switch (key->keysym.sym) {
    case SDLK_ESCAPE:
    case SDLK_q: return false;
    case SDLK_SPACE: viz_playback_control(pb, VIZ_PLAY_PAUSE, 0); break;
    case SDLK_RIGHT: viz_playback_control(pb, VIZ_FORWARD, jump); break;
    case SDLK_LEFT: viz_playback_control(pb, VIZ_BACK, jump); break;
    case SDLK_UP: viz_playback_control(pb, VIZ_FASTER, 0); break;
    case SDLK_DOWN: viz_playback_control(pb, VIZ_SLOWER, 0); break;
    case SDLK_HOME: viz_playback_control(pb, VIZ_TO_START, 0); break;
    case SDLK_END: viz_playback_control(pb, VIZ_TO_END, 0); break;
    case SDLK_PERIOD: viz_playback_control(pb, VIZ_STEP, 0); break;
    case SDLK_n: viz_playback_control(pb, VIZ_NEXT_EVENT, 0); break;
    case SDLK_c: viz_playback_control(pb, VIZ_NEXT_COLOUR, 0); break;
    case SDLK_l: viz_playback_control(pb, VIZ_NEXT_LANG, 0); break;
    case SDLK_h: viz_playback_control(pb, VIZ_TOGGLE_HELP, 0); break;
    case SDLK_k: viz_playback_control(pb, VIZ_TOGGLE_LEGEND, 0); break;
    case SDLK_f:
        v->follow_id = viz_painter_pick(p, v->mouse_x, v->mouse_y, &pi, &idx) ? rs->rp[pi]->consignments[idx].id : 0;
        break;
    default: break;
    }
    return true;
}

/* One event of the window; false when it quits. */
static bool on_event(const SDL_Event *e, const viz_layout *l, viz_playback *pb, viz_view *v, viz_painter *p,
                     const runs *rs)
{
    int pi;
    uint32_t idx;
    if (e->type == SDL_QUIT)
        return false;
    if (e->type == SDL_MOUSEMOTION) {
        v->mouse_x = e->motion.x;
        v->mouse_y = e->motion.y;
    } else if (e->type == SDL_MOUSEBUTTONDOWN && e->button.button == SDL_BUTTON_LEFT) {
        if (e->button.y >= l->timeline.y)
            viz_playback_seek(pb, viz_timeline_time(l, v, e->button.x));
        else if (viz_painter_pick(p, e->button.x, e->button.y, &pi, &idx))
            v->follow_id = rs->rp[pi]->consignments[idx].id;
    } else if (e->type == SDL_KEYDOWN) {
        return on_key(&e->key, pb, v, p, rs);
    }
    return true;
}

static int interactive(const options *o, runs *rs, viz_view *v, span sp)
{
    window wd;
    if (!window_open(o, &wd))
        return 1;
    v->playing = true;
    v->fps = 0;
    viz_playback pb;
    viz_playback_init(&pb, v, rs->traces, o->nfiles, sp.from, sp.to);
    double last = now_seconds(), fps_t0 = last;
    int fps_frames = 0;
    bool quit = false;
    long frames = 0;
    while (!quit && (o->max_frames == 0 || frames++ < o->max_frames)) {
        int w, h;
        SDL_GetRendererOutputSize(wd.r, &w, &h);
        viz_layout l = viz_layout_make(w, h, o->nfiles, rs->nports, viz_legend_lines(v->legend, v->lang));
        SDL_Event e;
        while (SDL_PollEvent(&e))
            if (!on_event(&e, &l, &pb, v, wd.p, rs))
                quit = true;
        double now = now_seconds();
        viz_playback_advance(&pb, now - last);
        last = now;
        v->transit_hours = v->speed / 4.0;
        viz_paint(wd.p, &l, rs->traces, rs->labels, v);
        SDL_RenderPresent(wd.r);
        fps_frames++;
        if (now - fps_t0 >= 0.5) {
            v->fps = fps_frames / (now - fps_t0);
            fps_frames = 0;
            fps_t0 = now;
        }
    }
    window_close(&wd);
    return 0;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    runs rs;
    memset(&rs, 0, sizeof rs);
    viz_view v;
    memset(&v, 0, sizeof v);
    span sp = {0, 0};
    rc = load(&o, &rs);
    if (rc == 0)
        rc = resolve_span(&o, &rs, &v, &sp);
    bool headless = o.export_path || o.frames_dir || o.bench;
    if (rc == 0) {
        /* Headless work needs no display at all. */
        if (headless && getenv("SDL_VIDEODRIVER") == NULL)
            SDL_setenv("SDL_VIDEODRIVER", "dummy", 1);
        if (SDL_Init(0) != 0) {
            fprintf(stderr, "kouan-viz: cannot start SDL: %s\n", SDL_GetError());
            rc = 1;
        } else {
            rc = headless ? offscreen(&o, &rs, &v, sp) : interactive(&o, &rs, &v, sp);
            if (TTF_WasInit())
                TTF_Quit();
            SDL_Quit();
        }
    }
    for (int i = 0; i < VIZ_MAX_PANES; i++) {
        viz_trace_free(rs.traces[i]);
        kou_replay_free(rs.rp[i]);
    }
    return rc;
}
