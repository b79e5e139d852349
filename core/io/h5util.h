/*
** h5util.h — what the two run-file readers share (internal to core/io).
**
** h5read.c (the /summary behind `kouan report`) and replay.c (one
** replication for kouan-viz) read damaged files with the same discipline:
** HDF5's own printing is off for the read, the first failure writes a
** one-line message (with the library's innermost error appended) into the
** caller's buffer, every handle is closed in one place, and a caller that
** must not crash runs the whole read in a forked child first. This module
** owns that discipline: the reader context and its fail(), the quiet read,
** the opening of a file, the attribute and compound-member helpers, and
** the checking child. The message texts the readers' tests pin down are
** made here, so they stay the same for both.
**
** Not a public header: it includes hdf5.h, which only core/io may.
*/
#ifndef KOUAN_IO_H5UTIL_H
#define KOUAN_IO_H5UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <hdf5.h>

#include "kernel/base.h"

/* Bounds on what a file may declare (far above any real run). */
#define KOUI_H5_MAX_STRING (1u << 20) /* bytes of one string */
#define KOUI_H5_MAX_NAMES 4096u       /* strings in one attribute */

/* One read: where its message goes, and whether (how) it failed. */
typedef struct koui_h5_reader {
    char *err;
    size_t errsize;
    bool failed;
    kou_status status; /* of the first failure */
} koui_h5_reader;

/* Records the first failure: code, and the message with " (HDF5: ...)"
** (the library's innermost error) appended. Later calls keep the first
** message. Returns code, so that "return koui_h5_fail(...)" reads well. */
kou_status koui_h5_fail(koui_h5_reader *rd, kou_status code, const char *fmt, ...) KOU_PRINTF(3, 4);

/* Closes *id with fn when it is open, and marks it closed. */
void koui_h5_close_id(hid_t *id, herr_t (*fn)(hid_t));

/* A new copy of at most max bytes of p, stopping at a NUL ("" for NULL). */
char *koui_h5_copy_bytes(const char *p, size_t max);

/* Runs read_fn(rd, path, ctx) with HDF5's error printing off (put back
** after), its message into err (cleared first); returns what read_fn
** returns. */
kou_status koui_h5_read(const char *path, kou_status (*read_fn)(koui_h5_reader *, const char *, void *),
                        void *ctx, char *err, size_t errsize);

/* Opens path read-only after telling the usual ways of not being a
** readable HDF5 file apart (missing, a directory, unreadable, not HDF5,
** damaged). H5I_INVALID_HID with the failure set when it cannot. */
hid_t koui_h5_open_file(koui_h5_reader *rd, const char *path);

/* ---- attributes ---- */

/* Where attributes are read from, and how the messages name them: the
** attribute N is "<prefix>N<suffix>" ("attribute N of /summary", "root
** attribute N"); unreadable is the message when loc's attributes cannot
** be listed. */
typedef struct koui_h5_attrs {
    hid_t loc;
    const char *prefix, *suffix;
    const char *unreadable;
} koui_h5_attrs;

/* One number read as mem_type into v: the file's must be an integer, or
** (integer false) an integer or a float. 1 read, 0 absent, -1 error. */
int koui_h5_attr_number(koui_h5_reader *rd, const koui_h5_attrs *at, const char *name, bool integer,
                        hid_t mem_type, void *v);

/* The strings of a string attribute (variable or fixed length) into a new
** array *out of *n malloc'd strings. one: it must hold exactly one
** string, and any other shape or type is "<attribute> is not one string";
** else scalar or 1-D, at most KOUI_H5_MAX_NAMES. 1 read, 0 absent, -1
** error. */
int koui_h5_attr_strings(koui_h5_reader *rd, const koui_h5_attrs *at, const char *name, bool one, char ***out,
                         size_t *n);
void koui_h5_free_strings(char **s, size_t n);

/* ---- compound types ---- */

/* Whether the compound type ft has member name of class cls (a
** variable-length string when cls is H5T_STRING); *cset (when not NULL)
** receives the member's character set. */
bool koui_h5_has_member(hid_t ft, const char *name, H5T_class_t cls, H5T_cset_t *cset);

/* A variable-length string type for memory in character set cset. */
hid_t koui_h5_vstring(H5T_cset_t cset);

/* ---- the checking child ---- */

#define KOUI_H5_CHILD_MSG 512     /* bytes of the child's message */
#define KOUI_H5_CHILD_PAYLOAD 16  /* bytes of its extra answer */

/* What the child may use: with cpu_seconds > 0 a CPU limit (reported as
** such when it ends the child); with data_bytes > 0 a cap on its data
** segment, and with size_of a cap on the address space from that file's
** size (neither under AddressSanitizer, whose shadow memory exceeds any
** cap): a damaged file that makes HDF5 ask for gigabytes then fails inside
** the library; with die_with_parent, a parent that goes takes the child
** along (Linux). */
typedef struct koui_h5_child_limits {
    unsigned cpu_seconds;
    size_t data_bytes;
    const char *size_of;
    bool die_with_parent;
} koui_h5_child_limits;

/* Runs fn(ctx, msg, msgsize, payload) in a forked child (limits may be
** NULL) and returns its status, its message in err and its payload
** (payload_size bytes, at most KOUI_H5_CHILD_PAYLOAD) in payload. A child
** that dies or does not answer is KOU_EIO, "the HDF5 library crashed
** reading it (signal N): a damaged file" and the like; payload is then
** left alone. */
kou_status koui_h5_in_child(kou_status (*fn)(void *ctx, char *msg, size_t msgsize, void *payload), void *ctx,
                            const koui_h5_child_limits *limits, void *payload, size_t payload_size, char *err,
                            size_t errsize);

#endif
