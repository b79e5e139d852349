/*
** common.h — what the kouan commands share when they write: CSV fields,
** the default names under results/, a file's text, the command line as a
** shell would read it back, the time of day, the progress bar, the
** names of modes and directions in tables, and text padded by the columns
** it takes on a terminal (Chinese two a character). Main thread only.
*/
#ifndef KOUAN_CMD_COMMON_H
#define KOUAN_CMD_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "exp/prior.h"
#include "io/xlsx.h"
#include "model/param_print.h"

/* One CSV field: quoted when it holds a comma, quote or line break. */
void kou_csv_field(FILE *f, const char *s);
/* A number as "%.10g"; nothing for NaN (an empty field). */
void kou_csv_number(FILE *f, double v);
/* A table of cells (a text, or a number when text is NULL) as CSV: a
** header row, then nrow rows of ncol, each line ended by eol; UTF-8, a
** byte-order mark first when bom. 0, or -1 with a message naming path in
** err. */
int kou_csv_write_table(const char *path, size_t ncol, size_t nrow, const char *const *headers,
                        const kou_xlsx_cell *cells, bool bom, const char *eol, char *err, size_t errlen);

/* Creates the directory results (default outputs go there). 0, or -1
** with a message in err. */
int kou_results_dir(char *err, size_t errlen);
/* results/STEM.h5, or the next free results/STEM-2.h5, -3, ... when it
** exists and !force (a default name is ours to choose: rather than refuse
** the second run of the same command, take the next one). Creates the
** directory results. 0, or -1 with a message in err. */
int kou_results_path(char *path, size_t len, const char *stem, bool force, char *err, size_t errlen);
/* A file's whole text (malloc'd; NULL when it cannot be read). */
char *kou_file_text(const char *path);
/* argv[0..argc-1] joined by spaces, an argument quoted with '...' when it
** holds a space, tab, quote, '$' or backslash (malloc'd; NULL when out of
** memory). */
char *kou_command_line(int argc, char *const *argv);
/* Now as "YYYY-MM-DDTHH:MM:SSZ". */
void kou_utc_now(char buf[32]);
/* Seconds of the monotonic clock. */
double kou_seconds(void);

/* A file's size for people ("312 kB", "48.2 MB"; "size unknown" when it
** cannot be read), into buf. */
void kou_file_size_text(const char *path, char *buf, size_t len);

/* The bar of a progress line: width characters, '#' for the done fraction. */
void kou_progress_bar(char *bar, int width, double done);

/* The columns a UTF-8 text takes on a terminal: CJK ideographs and
** full-width forms two, every other character one (± too). */
int kou_text_columns(const char *s);
/* s padded to w columns: on the right (left-aligned), or on the left (right-aligned). */
void kou_put_left(FILE *out, const char *s, int w);
void kou_put_right(FILE *out, const char *s, int w);

/* A KPI group's mode: kou_mode_name, or "all modes" for an all-ports
** group (mode -1). */
const char *kou_group_mode_name(int mode);

/* Whether the folder path would be written in exists (checked when the
** command starts, not after a run that could not be saved). */
bool kou_output_folder_exists(const char *path);
/* The check of an --output value: a name whose folder exists. */
bool kou_output_name(const char *value, void *dest);
#define KOU_OUTPUT_WHAT "a file name in an existing folder (create the folder first)"

/* The overwrite rule of every command: a file named on the command line
** (-o, --csv, --xlsx, --plot, ...) that exists is refused unless force,
** before anything runs; a default name takes the next free one
** (kou_results_path). 0, or 2 after the usage error "OPT FILE: FILE
** exists: refusing to overwrite it; --force overwrites it". path NULL: 0. */
int kou_refuse_overwrite(const char *command, const char *opt, const char *path, bool force);

/* The check of a --plot value: a name ending in .png or .svg, stored in
** *(const char **)dest. */
bool kou_plot_name(const char *value, void *dest);

/* "kouan 0.1.0 (Lua 5.4.4)". */
void kou_print_version(FILE *out);

/* KOUAN_FAULT_ALLOC=N makes the N-th allocation fail, N+ that one and
** every later one; =count prints how many allocations the command made, at
** exit (kernel/base.h; tests only). Call first thing in main. */
void kou_fault_injection_from_env(void);

/* The priors as rows of --dump and /parameters: path uncertain.NAME, the
** value used, kou_prior_row_text, no unit. */
void kou_prior_rows(const kou_prior *priors, size_t n, kou_param_visit_fn *fn, void *ctx);

#endif
