/*
** export.c — PNG frames and ffmpeg video (export.h).
*/
#include "export.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include <png.h>

/* The surface's pixels as packed RGB rows, whatever its format. */
static unsigned char *rgb_rows(SDL_Surface *surface)
{
    SDL_Surface *s = SDL_ConvertSurfaceFormat(surface, SDL_PIXELFORMAT_RGB24, 0);
    if (s == NULL)
        return NULL;
    size_t row = (size_t)s->w * 3;
    unsigned char *out = malloc(row * (size_t)s->h);
    if (out != NULL) {
        SDL_LockSurface(s);
        for (int y = 0; y < s->h; y++)
            memcpy(out + row * (size_t)y, (unsigned char *)s->pixels + (size_t)s->pitch * (size_t)y, row);
        SDL_UnlockSurface(s);
    }
    SDL_FreeSurface(s);
    return out;
}

bool viz_png_write(const char *path, SDL_Surface *surface, char *err, size_t errsize)
{
    unsigned char *rgb = rgb_rows(surface);
    if (rgb == NULL) {
        snprintf(err, errsize, "out of memory converting a frame");
        return false;
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        snprintf(err, errsize, "cannot write %s: %s", path, strerror(errno));
        free(rgb);
        return false;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *rows = malloc((size_t)surface->h * sizeof *rows);
    bool ok = png && info && rows;
    if (ok && setjmp(png_jmpbuf(png)) == 0) {
        png_init_io(png, f);
        png_set_IHDR(png, info, (png_uint_32)surface->w, (png_uint_32)surface->h, 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
        for (int y = 0; y < surface->h; y++)
            rows[y] = rgb + (size_t)y * (size_t)surface->w * 3;
        png_set_rows(png, info, rows);
        png_write_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
    } else {
        ok = false;
    }
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    free(rows);
    free(rgb);
    if (fclose(f) != 0)
        ok = false;
    if (!ok)
        snprintf(err, errsize, "cannot write %s: %s", path, errno ? strerror(errno) : "libpng failed");
    return ok;
}

struct viz_video {
    pid_t pid;
    int fd;
    int w, h;
    char path[1024];
};

/* Whether an executable named name is on $PATH. */
static bool on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (path == NULL)
        return false;
    char buf[4096];
    while (*path) {
        size_t n = strcspn(path, ":");
        if (n > 0 && n + strlen(name) + 2 < sizeof buf) {
            memcpy(buf, path, n);
            buf[n] = '/';
            strcpy(buf + n + 1, name);
            if (access(buf, X_OK) == 0)
                return true;
        }
        path += n + (path[n] == ':');
    }
    return false;
}

viz_format viz_export_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (dot == NULL || (slash != NULL && dot < slash))
        return VIZ_FORMAT_NONE;
    if (strcasecmp(dot, ".mp4") == 0 || strcasecmp(dot, ".mkv") == 0 || strcasecmp(dot, ".mov") == 0)
        return VIZ_FORMAT_H264;
    if (strcasecmp(dot, ".gif") == 0)
        return VIZ_FORMAT_GIF;
    return VIZ_FORMAT_NONE;
}

/* Whether the directory path would be written in exists and is writable:
** checked before ffmpeg starts, so that the message says why. */
static bool dir_writable(const char *path, char *err, size_t errsize)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path > 0 ? slash - path : 1), path);
    if (access(dir, W_OK) != 0) {
        snprintf(err, errsize, "cannot write %s: %s: %s", path, dir, strerror(errno));
        return false;
    }
    return true;
}

/* ffmpeg with argv, fed on a pipe; NULL with a message. */
static viz_video *spawn(char *const argv[], const char *path, int w, int h, char *err, size_t errsize)
{
    if (!on_path("ffmpeg")) {
        snprintf(err, errsize, "ffmpeg is not installed: install it (scripts/bootstrap.sh installs it) "
                               "or export PNG frames with --frames DIR");
        return NULL;
    }
    viz_video *v = calloc(1, sizeof *v);
    int fd[2];
    if (v == NULL || pipe(fd) != 0) {
        snprintf(err, errsize, "cannot start ffmpeg: %s", strerror(errno));
        free(v);
        return NULL;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errsize, "cannot start ffmpeg: %s", strerror(errno));
        close(fd[0]);
        close(fd[1]);
        free(v);
        return NULL;
    }
    if (pid == 0) {
        dup2(fd[0], 0);
        close(fd[0]);
        close(fd[1]);
        execvp("ffmpeg", argv);
        _exit(127);
    }
    close(fd[0]);
    /* A dying ffmpeg must give EPIPE on write, not kill us. */
    signal(SIGPIPE, SIG_IGN);
    v->pid = pid;
    v->fd = fd[1];
    v->w = w;
    v->h = h;
    snprintf(v->path, sizeof v->path, "%s", path);
    return v;
}

viz_video *viz_palette_open(const char *palette_png, int w, int h, char *err, size_t errsize)
{
    char size[32], path[1024];
    snprintf(size, sizeof size, "%dx%d", w, h);
    snprintf(path, sizeof path, "%s", palette_png);
    char *argv[] = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pixel_format",
                    "rgb24", "-video_size", size, "-i", "-", "-vf", "palettegen=stats_mode=full", "-frames:v",
                    "1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1", path, NULL};
    return spawn(argv, palette_png, w, h, err, errsize);
}

viz_video *viz_video_open(const char *path, int w, int h, int fps, const char *palette_png, char *err,
                          size_t errsize)
{
    viz_format fmt = viz_export_format(path);
    if (fmt == VIZ_FORMAT_NONE) {
        snprintf(err, errsize, "%s: " VIZ_EXPORT_FORMATS, path);
        return NULL;
    }
    if (fmt == VIZ_FORMAT_H264 && (w % 2 || h % 2)) {
        snprintf(err, errsize, "video needs an even width and height (H.264 4:2:0), not %dx%d", w, h);
        return NULL;
    }
    if (fmt == VIZ_FORMAT_GIF && palette_png == NULL) {
        snprintf(err, errsize, "a GIF needs its palette first (viz_palette_open)");
        return NULL;
    }
    if (!dir_writable(path, err, errsize))
        return NULL;
    char size[32], rate[16], out[1024], pal[1024];
    snprintf(size, sizeof size, "%dx%d", w, h);
    snprintf(rate, sizeof rate, "%d", fps);
    snprintf(out, sizeof out, "%s", path);
    snprintf(pal, sizeof pal, "%s", palette_png ? palette_png : "");
    /* bitexact and no metadata: the same frames give the same file. */
    char *h264[] = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pixel_format",
                    "rgb24", "-video_size", size, "-framerate", rate, "-i", "-", "-c:v", "libx264", "-preset",
                    "medium", "-crf", "18", "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-fflags",
                    "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1", out, NULL};
    /* GIF: 256 colours from the palette of sample frames, ordered dither
    ** (the same pixels give the same bytes, and flat areas stay flat). */
    char *gif[] = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pixel_format",
                   "rgb24", "-video_size", size, "-framerate", rate, "-i", "-", "-i", pal, "-lavfi",
                   "[0:v][1:v]paletteuse=dither=bayer:bayer_scale=5", "-f", "gif", "-fflags", "+bitexact",
                   "-flags:v", "+bitexact", "-map_metadata", "-1", out, NULL};
    return spawn(fmt == VIZ_FORMAT_GIF ? gif : h264, path, w, h, err, errsize);
}

bool viz_video_frame(viz_video *v, SDL_Surface *surface, char *err, size_t errsize)
{
    if (surface->w != v->w || surface->h != v->h) {
        snprintf(err, errsize, "frame size %dx%d differs from the video's %dx%d", surface->w, surface->h, v->w,
                 v->h);
        return false;
    }
    unsigned char *rgb = rgb_rows(surface);
    if (rgb == NULL) {
        snprintf(err, errsize, "out of memory converting a frame");
        return false;
    }
    size_t left = (size_t)v->w * (size_t)v->h * 3;
    const unsigned char *p = rgb;
    while (left > 0) {
        ssize_t n = write(v->fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errsize, "ffmpeg stopped taking frames for %s (%s)", v->path, strerror(errno));
            free(rgb);
            return false;
        }
        p += n;
        left -= (size_t)n;
    }
    free(rgb);
    return true;
}

bool viz_video_close(viz_video *v, char *err, size_t errsize)
{
    close(v->fd);
    int st = 0;
    while (waitpid(v->pid, &st, 0) < 0 && errno == EINTR)
        ;
    bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
    if (!ok)
        snprintf(err, errsize, "ffmpeg failed writing %s (%s %d)", v->path,
                 WIFEXITED(st) ? "exit status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    free(v);
    return ok;
}
