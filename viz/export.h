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

/* Starts ffmpeg writing path (its container from the extension: .mp4 is
** H.264 in MP4) at fps frames per second, w x h (even sizes). NULL with a
** message when ffmpeg cannot be run. */
viz_video *viz_video_open(const char *path, int w, int h, int fps, char *err, size_t errsize);
bool viz_video_frame(viz_video *v, SDL_Surface *surface, char *err, size_t errsize);
/* Waits for ffmpeg; false with a message when it failed. Always frees v. */
bool viz_video_close(viz_video *v, char *err, size_t errsize);

#endif
