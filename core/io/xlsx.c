/*
** xlsx.c — workbooks of plain tables through libxlsxwriter (xlsx.h).
*/
#include "io/xlsx.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xlsxwriter.h>

#include "kernel/base.h"

/* One sheet: the header row in bold, frozen, filterable; the cells. */
static lxw_error write_sheet(lxw_workbook *wb, const kou_xlsx_sheet *s, lxw_format *bold)
{
    lxw_error bad_name = workbook_validate_sheet_name(wb, s->name);
    if (bad_name != LXW_NO_ERROR)
        return bad_name;
    lxw_worksheet *ws = workbook_add_worksheet(wb, s->name);
    if (ws == NULL)
        return LXW_ERROR_MEMORY_MALLOC_FAILED;
    lxw_format **fmt = koui_malloc((s->ncol ? s->ncol : 1) * sizeof *fmt);
    lxw_error e = LXW_NO_ERROR;
    for (size_t c = 0; c < s->ncol && e == LXW_NO_ERROR; c++) {
        fmt[c] = NULL;
        if (s->formats && s->formats[c]) {
            fmt[c] = workbook_add_format(wb);
            format_set_num_format(fmt[c], s->formats[c]);
        }
        e = worksheet_write_string(ws, 0, (lxw_col_t)c, s->headers[c], bold);
        if (e == LXW_NO_ERROR && s->widths)
            e = worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, s->widths[c], NULL);
    }
    for (size_t r = 0; r < s->nrow && e == LXW_NO_ERROR; r++)
        for (size_t c = 0; c < s->ncol && e == LXW_NO_ERROR; c++) {
            const kou_xlsx_cell *x = &s->cells[r * s->ncol + c];
            lxw_row_t row = (lxw_row_t)(r + 1);
            if (x->text)
                e = worksheet_write_string(ws, row, (lxw_col_t)c, x->text, NULL);
            else if (isfinite(x->number))
                e = worksheet_write_number(ws, row, (lxw_col_t)c, x->number, fmt[c]);
        }
    if (e == LXW_NO_ERROR && s->ncol > 0) {
        worksheet_freeze_panes(ws, 1, 0);
        e = worksheet_autofilter(ws, 0, 0, (lxw_row_t)s->nrow, (lxw_col_t)(s->ncol - 1));
    }
    free(fmt);
    return e;
}

int kou_xlsx_write(const char *path, const kou_xlsx_sheet *sheets, size_t nsheets, time_t created, char *err,
                   size_t errlen)
{
    size_t n = strlen(path) + 16;
    char *tmp = koui_malloc(n);
    snprintf(tmp, n, "%s.partial", path);
    FILE *probe = fopen(tmp, "wb"); /* the reason in our words, before libxlsxwriter prints its own */
    if (probe == NULL) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        free(tmp);
        return -1;
    }
    fclose(probe);
    lxw_workbook *wb = workbook_new(tmp);
    if (wb == NULL) {
        snprintf(err, errlen, "%s: cannot write: out of memory", path);
        remove(tmp);
        free(tmp);
        return -1;
    }
    lxw_doc_properties props = {.title = "kouan compare", .created = created};
    workbook_set_properties(wb, &props);
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    format_set_text_wrap(bold);
    lxw_error e = LXW_NO_ERROR;
    for (size_t i = 0; i < nsheets && e == LXW_NO_ERROR; i++)
        e = write_sheet(wb, &sheets[i], bold);
    lxw_error closed = workbook_close(wb); /* frees wb whatever happened */
    if (e == LXW_NO_ERROR)
        e = closed;
    if (e == LXW_NO_ERROR && rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return -1;
    }
    if (e != LXW_NO_ERROR) {
        snprintf(err, errlen, "%s: cannot write: %s", path, lxw_strerror(e));
        remove(tmp);
    }
    free(tmp);
    return e == LXW_NO_ERROR ? 0 : -1;
}
