/*
** export.h — writes rendered frames out: one PNG per frame (libpng) or a
** video through ffmpeg, fed raw RGB frames on a pipe. Frames come from an
** SDL surface drawn by the software renderer, so an export needs no
** display and the same file gives the same frames on every run.
*/
#ifndef KOUAN_VIZ_EXPORT_H
#define KOUAN_VIZ_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

/* Writes surface as an 8-bit RGB PNG. Returns false with a message in err. */
bool viz_png_write(const char *path, SDL_Surface *surface, char *err, size_t errsize);

typedef struct viz_video viz_video;

/* What --export writes, by the name's extension: .mp4, .mkv, .mov are
** H.264, .gif an animated GIF; anything else is refused before a frame is
** drawn (VIZ_EXPORT_FORMATS says so). */
typedef enum viz_format { VIZ_FORMAT_NONE, VIZ_FORMAT_H264, VIZ_FORMAT_GIF } viz_format;
#define VIZ_EXPORT_FORMATS                                                                                  \
    "the export formats are .mp4, .mkv or .mov (H.264 video) and .gif (animated GIF); "                     \
    "--frames DIR writes PNG frames"
viz_format viz_export_format(const char *path);

/* Starts ffmpeg writing path (its format from viz_export_format) at fps
** frames per second, w x h (even sizes for H.264). A GIF takes its 256
** colours from palette_png, made first by viz_palette_open (NULL for
** H.264). NULL with a message when the format is unknown, the directory
** cannot be written or ffmpeg cannot be run. */
viz_video *viz_video_open(const char *path, int w, int h, int fps, const char *palette_png, char *err,
                          size_t errsize);
/* ffmpeg's palettegen: frames fed with viz_video_frame, written as a
** 256-colour palette PNG at viz_video_close. */
viz_video *viz_palette_open(const char *palette_png, int w, int h, char *err, size_t errsize);
bool viz_video_frame(viz_video *v, SDL_Surface *surface, char *err, size_t errsize);
/* Waits for ffmpeg; false with a message when it failed. Always frees v. */
bool viz_video_close(viz_video *v, char *err, size_t errsize);

#endif
