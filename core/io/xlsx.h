/*
** xlsx.h — a workbook of plain tables written as an Excel .xlsx file
** (libxlsxwriter; its header stays in xlsx.c). A sheet is a header row and
** rows of cells, each a text or a number: numbers are stored as numbers
** with their column's number format ("0.00"), never as text, so a reader
** can compute with them. The file is written beside its name and renamed
** into place only when whole: a failed write leaves no partial file.
*/
#ifndef KOUAN_IO_XLSX_H
#define KOUAN_IO_XLSX_H

#include <stddef.h>
#include <time.h>

/* A cell: text when text != NULL, else the number (NaN: an empty cell). */
typedef struct kou_xlsx_cell {
    const char *text;
    double number;
} kou_xlsx_cell;

typedef struct kou_xlsx_sheet {
    const char *name;              /* at most 31 characters, none of []:*?/\ */
    size_t ncol, nrow;             /* nrow rows below the header row */
    const char *const *headers;    /* [ncol] */
    const char *const *formats;    /* [ncol]: a number format ("0.00", "0"), or NULL for General */
    const double *widths;          /* [ncol]: column widths in characters, or NULL */
    const kou_xlsx_cell *cells;    /* [nrow][ncol] */
} kou_xlsx_sheet;

/* Writes the sheets to path (replacing it), created shown as `created`
** (a fixed time makes the same sheets the same bytes). 0, or -1 with a
** message naming path in err. */
int kou_xlsx_write(const char *path, const kou_xlsx_sheet *sheets, size_t nsheets, time_t created, char *err,
                   size_t errlen);

#endif
