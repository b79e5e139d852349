/*
** h5base.h — the HDF5 base under every file of core/io (internal to it):
** the run-file writer (h5write), the compare file (h5compare), the sweep
** file (sweep_h5), and the two run-file readers, h5read (`kouan report`)
** and replay (kouan-viz).
**
** It owns what they would otherwise each write again:
**  - the string types: UTF-8, variable or fixed length;
**  - attributes, written (a string, a list of strings, an integer, a
**    float; replacing one of the same name) and read (a number, one string,
**    a list of strings; bounded, with messages that name the attribute);
**  - datasets written in one call, and files created (refusing an
**    existing one unless forced) or opened read-only, by path or as an
**    image in memory (telling the usual ways of not being a readable HDF5
**    file apart);
**  - the error discipline: HDF5's own printing is off; a failure is one
**    line with the library's innermost error appended as " (HDF5: ...)";
**    the first failure is the one kept (koui_h5_error), and a writer does
**    nothing more once it has one;
**  - the checking child: a read run in a forked process with limits, for
**    files that may make the library crash, loop or ask for gigabytes.
**
** Threads: HDF5 is built without thread safety; one thread at a time may
** call into it (h5write hands its turn over explicitly). Not a public
** header: it includes hdf5.h, which only core/io may.
*/
#ifndef KOUAN_IO_H5BASE_H
#define KOUAN_IO_H5BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hdf5.h>

#include "kernel/base.h"

/* Bounds on what a file may declare (far above any real run). */
#define KOUI_H5_MAX_STRING (1u << 20) /* bytes of one string */
#define KOUI_H5_MAX_NAMES 4096u       /* strings in one attribute */

/* ---- errors ---- */

/* Where one file's messages go, and whether (how) it failed. */
typedef struct koui_h5_error {
    char *msg;
    size_t size;
    bool failed;
    kou_status status; /* of the first failure */
} koui_h5_error;

/* Records the first failure: code, and the message with " (HDF5: ...)"
** (the library's innermost error, on one line) appended. Later calls keep
** the first message. Returns code, so that "return koui_h5_fail(...)"
** reads well. */
kou_status koui_h5_fail(koui_h5_error *e, kou_status code, const char *fmt, ...) KOU_PRINTF(3, 4);
/* The same with a va_list; with_hdf5 false leaves the library alone (a
** failure of ours, e.g. out of memory, told while another thread may be
** inside HDF5). */
kou_status koui_h5_failv(koui_h5_error *e, kou_status code, bool with_hdf5, const char *fmt, va_list ap)
    KOU_PRINTF(4, 0);

/* HDF5's automatic error printing off for the process (the writers: their
** messages say what failed). */
void koui_h5_quiet(void);

/* Runs read_fn(e, path, ctx) with HDF5's error printing off (put back
** after), its message into err (cleared first); returns what read_fn
** returns. */
kou_status koui_h5_read(const char *path, kou_status (*read_fn)(koui_h5_error *, const char *, void *), void *ctx,
                        char *err, size_t errsize);

/* ---- handles and strings ---- */

/* Closes *id with fn when it is open, and marks it closed. */
void koui_h5_close_id(hid_t *id, herr_t (*fn)(hid_t));

/* A new copy of at most max bytes of p, stopping at a NUL ("" for NULL). */
char *koui_h5_copy_bytes(const char *p, size_t max);
/* Frees n malloc'd strings and the array (NULL is a no-op). */
void koui_h5_free_strings(char **s, size_t n);

/* ---- string types (the caller closes them) ---- */

/* A variable-length string type in character set cset. */
hid_t koui_h5_vstring(H5T_cset_t cset);
/* A variable-length UTF-8 string: every string kouan writes. */
hid_t koui_h5_utf8(void);
/* size bytes of UTF-8, NUL-terminated (NUL-padded when shorter). */
hid_t koui_h5_utf8_fixed(size_t size);

/* ---- files ---- */

/* Creates path for writing, truncating it, with the creation and access
** properties fcpl and fapl (H5P_DEFAULT for the library's). An existing
** file is refused unless force: "PATH exists", *exists set. Failures are
** "cannot create 'PATH'". H5I_INVALID_HID on failure. */
hid_t koui_h5_create_file(koui_h5_error *e, const char *path, bool force, hid_t fcpl, hid_t fapl, bool *exists);

/* Opens path read-only after telling the usual ways of not being a
** readable HDF5 file apart (missing, a directory, unreadable, not HDF5,
** damaged). H5I_INVALID_HID with the failure set when it cannot. */
hid_t koui_h5_open_file(koui_h5_error *e, const char *path);

/* Opens size bytes at image, an HDF5 file's whole contents, read-only in
** memory (the core driver, no backing file; the library reads its own
** copy), telling "not an HDF5 file" (no superblock signature where one
** may be) from "a damaged or truncated HDF5 file". H5I_INVALID_HID with
** the failure set when it cannot. */
hid_t koui_h5_open_image(koui_h5_error *e, const void *image, size_t size);

/* What a reader reads: a file by path, or (path NULL) a file image. */
typedef struct koui_h5_source {
    const char *path;
    const void *image;
    size_t size;
} koui_h5_source;

/* koui_h5_open_file or koui_h5_open_image, as src says. */
hid_t koui_h5_open_source(koui_h5_error *e, const koui_h5_source *src);

/* ---- writing ---- */

/* Attribute name of obj, a scalar: a UTF-8 string (NULL is ""), an int64,
** a float64. A number over one of the same name and type is written in
** place (the sweep file's complete flag is rewritten so), anything else of
** that name is deleted first. False, with "cannot write attribute 'NAME'",
** on failure; nothing is done, and false returned, once e has failed. */
bool koui_h5_write_attr_str(koui_h5_error *e, hid_t obj, const char *name, const char *value);
bool koui_h5_write_attr_int(koui_h5_error *e, hid_t obj, const char *name, int64_t value);
bool koui_h5_write_attr_double(koui_h5_error *e, hid_t obj, const char *name, double value);
/* A 1-D attribute of n UTF-8 strings (replacing one of the same name). */
bool koui_h5_write_attr_strs(koui_h5_error *e, hid_t obj, const char *name, const char *const *v, size_t n);

/* Creates the dataset path under loc (missing groups made on the way), of
** file type ftype and shape dims[rank], with the creation properties dcpl
** (H5P_DEFAULT: contiguous, allocated late), and writes data, laid out as
** mtype, unless data is NULL or the shape is empty. The open dataset (the
** caller closes it), or H5I_INVALID_HID with "cannot create PATH" or
** "cannot write PATH" set; nothing once e has failed. */
hid_t koui_h5_write_dataset(koui_h5_error *e, hid_t loc, const char *path, hid_t ftype, hid_t mtype, int rank,
                            const hsize_t *dims, hid_t dcpl, const void *data);

/* ---- reading attributes ---- */

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
int koui_h5_attr_number(koui_h5_error *e, const koui_h5_attrs *at, const char *name, bool integer, hid_t mem_type,
                        void *v);

/* The strings of a string attribute (variable or fixed length) into a new
** array *out of *n malloc'd strings. one: it must hold exactly one
** string, and any other shape or type is "<attribute> is not one string";
** else scalar or 1-D, at most KOUI_H5_MAX_NAMES. 1 read, 0 absent, -1
** error. */
int koui_h5_attr_strings(koui_h5_error *e, const koui_h5_attrs *at, const char *name, bool one, char ***out,
                         size_t *n);

/* One string attribute into a new string *out: "" when it is absent. 1
** read, 0 absent, -1 error (*out NULL). */
int koui_h5_attr_string(koui_h5_error *e, const koui_h5_attrs *at, const char *name, char **out);

/* ---- compound types ---- */

/* Whether the compound type ft has member name of class cls (a
** variable-length string when cls is H5T_STRING); *cset (when not NULL)
** receives the member's character set. */
bool koui_h5_has_member(hid_t ft, const char *name, H5T_class_t cls, H5T_cset_t *cset);

/* ---- the checking child ---- */

#define KOUI_H5_CHILD_MSG 512    /* bytes of the child's message */
#define KOUI_H5_CHILD_PAYLOAD 16 /* bytes of its extra answer */

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

/* ---- datasets of a known shape (the readers of untrusted files) ---- */
#define KOUI_H5_MAX_RANK 5
/* What a reader accepts: extents at most first_max (the first dimension)
** and max (the others); absent prefixes "no NAME" when a dataset is
** missing ("not an uncertainty file: "), extents names what the shape must
** match ("this file's replications and objects"). */
typedef struct koui_h5_shape {
    hsize_t first_max, max;
    const char *absent, *extents;
} koui_h5_shape;
/* Dataset name (absolute) of exactly rank (<= KOUI_H5_MAX_RANK)
** dimensions, each within shape's bounds, its extents into dims: the open
** dataset, or H5I_INVALID_HID after the failure. */
hid_t koui_h5_open_shaped(koui_h5_error *e, hid_t file, const char *name, int rank, hsize_t *dims,
                          const koui_h5_shape *shape);
/* Dataset name, of extents exactly want[rank], read as mtype into buf. */
bool koui_h5_read_exact(koui_h5_error *e, hid_t file, const char *name, int rank, const hsize_t *want, hid_t mtype,
                        void *buf, const koui_h5_shape *shape);

/* Whether path is an HDF5 file whose root attribute "schema" is schema,
** read in a checking child (a damaged or foreign file is just "no"). */
bool koui_h5_has_schema(const char *path, const char *schema);

#endif
