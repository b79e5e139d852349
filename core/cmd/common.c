/*
** common.c — see common.h.
*/
#include "cmd/common.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/opt.h"
#include "kernel/base.h"
#include "lua/portset.h"
#include "model/params.h"

void kou_csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void kou_csv_number(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.10g", v);
}

int kou_csv_write_table(const char *path, size_t ncol, size_t nrow, const char *const *headers,
                        const kou_xlsx_cell *cells, bool bom, const char *eol, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    if (bom)
        fputs("\xEF\xBB\xBF", f);
    for (size_t c = 0; c < ncol; c++) {
        if (c)
            fputc(',', f);
        kou_csv_field(f, headers[c]);
    }
    fputs(eol, f);
    for (size_t r = 0; r < nrow; r++) {
        for (size_t c = 0; c < ncol; c++) {
            const kou_xlsx_cell *x = &cells[r * ncol + c];
            if (c)
                fputc(',', f);
            if (x->text)
                kou_csv_field(f, x->text);
            else
                kou_csv_number(f, x->number);
        }
        fputs(eol, f);
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int kou_results_dir(char *err, size_t errlen)
{
    if (mkdir("results", 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create the directory results: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int kou_results_path(char *path, size_t len, const char *stem, bool force, char *err, size_t errlen)
{
    if (kou_results_dir(err, errlen) != 0)
        return -1;
    snprintf(path, len, "results/%s.h5", stem);
    for (unsigned n = 2; !force && access(path, F_OK) == 0 && n < 10000; n++)
        snprintf(path, len, "results/%s-%u.h5", stem, n);
    return 0;
}

char *kou_file_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *text = NULL, buf[4096];
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    for (size_t n; m && (n = fread(buf, 1, sizeof buf, f)) > 0;)
        fwrite(buf, 1, n, m);
    if (m)
        fclose(m);
    fclose(f);
    return text;
}

char *kou_command_line(int argc, char *const *argv)
{
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    for (int i = 0; m && i < argc; i++)
        fprintf(m, strpbrk(argv[i], " \t'\"$\\") ? "%s'%s'" : "%s%s", i ? " " : "", argv[i]);
    if (m)
        fclose(m);
    return text;
}

void kou_utc_now(char buf[32])
{
    time_t now = time(NULL);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
}

double kou_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int kou_refuse_overwrite(const char *command, const char *opt, const char *path, bool force)
{
    struct stat st;
    if (path == NULL || force || stat(path, &st) != 0 || S_ISDIR(st.st_mode))
        return 0; /* a folder: the write fails, saying so */
    return kou_usage_error(command, "%s %s: %s exists: refusing to overwrite it; --force overwrites it", opt, path,
                           path);
}

void kou_file_size_text(const char *path, char *buf, size_t len)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(buf, len, "size unknown");
        return;
    }
    double b = (double)st.st_size;
    if (b < 1e6)
        snprintf(buf, len, "%.0f kB", b / 1e3);
    else if (b < 1e9)
        snprintf(buf, len, "%.1f MB", b / 1e6);
    else
        snprintf(buf, len, "%.2f GB", b / 1e9);
}

void kou_progress_bar(char *bar, int width, double done)
{
    int fill = (int)(done * width);
    for (int i = 0; i < width; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[width] = '\0';
}

const char *kou_group_mode_name(int mode)
{
    return mode >= 0 && mode < KOU_MODE_COUNT ? kou_mode_name(mode) : "all modes";
}

bool kou_output_folder_exists(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path)
        return true; /* the working folder, or / */
    char dir[4096];
    size_t n = (size_t)(slash - path);
    struct stat st;
    if (n >= sizeof dir)
        return false;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

bool kou_output_name(const char *value, void *dest)
{
    if (!kou_output_folder_exists(value))
        return false;
    *(const char **)dest = value;
    return true;
}

bool kou_plot_name(const char *value, void *dest)
{
    size_t n = strlen(value);
    if (n < 5 || (strcmp(value + n - 4, ".png") != 0 && strcmp(value + n - 4, ".svg") != 0) ||
        !kou_output_folder_exists(value))
        return false;
    *(const char **)dest = value;
    return true;
}

void kou_print_version(FILE *out)
{
    fprintf(out, "kouan 0.1.0 (%s)\n", kou_portset_lua_release());
}

static void print_alloc_count(void)
{
    fprintf(stderr, "kouan: allocations: %llu\n", (unsigned long long)koui_fault_alloc_count());
}

void kou_fault_injection_from_env(void)
{
    const char *v = getenv("KOUAN_FAULT_ALLOC");
    uint64_t n;
    if (v == NULL || *v == '\0')
        return;
    if (strcmp(v, "count") == 0) {
        koui_fault_alloc(UINT64_MAX, 0);
        atexit(print_alloc_count);
        return;
    }
    char num[32];
    size_t len = strlen(v);
    bool persistent = len > 1 && v[len - 1] == '+';
    snprintf(num, sizeof num, "%.*s", (int)(persistent ? len - 1 : len), v);
    if (kou_cli_u64(num, &n))
        koui_fault_alloc(n, persistent);
}

void kou_prior_rows(const kou_prior *priors, size_t n, kou_param_visit_fn *fn, void *ctx)
{
    for (size_t i = 0; i < n; i++) {
        char path[KOU_PRIOR_NAME_LEN + 16], text[KOU_PRIOR_SOURCE_LEN + 256];
        snprintf(path, sizeof path, "uncertain.%s", priors[i].name);
        kou_prior_row_text(&priors[i], text, sizeof text);
        kou_param_row row = {.path = path, .value = priors[i].used, .text = text, .unit = ""};
        fn(ctx, &row);
    }
}

/* The columns a UTF-8 text takes on a terminal: CJK ideographs and
** full-width forms two, every other character one (± too). */
int kou_text_columns(const char *s)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        unsigned cp = (*p & 0xF0) == 0xE0 && p[1] && p[2] ? ((*p & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu)
                                                         : 0;
        cols += (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xFF00 && cp <= 0xFF60) ? 2 : 1;
    }
    return cols;
}

/* Pads a UTF-8 cell to w columns, on the left (right-aligned). */
void kou_put_right(FILE *out, const char *s, int w)
{
    int cols = kou_text_columns(s);
    fprintf(out, "%*s%s", w - cols > 0 ? w - cols : 0, "", s);
}

/* A UTF-8 text then padding to w columns (left-aligned). */
void kou_put_left(FILE *out, const char *s, int w)
{
    int cols = kou_text_columns(s);
    fprintf(out, "%s%*s", s, w - cols > 0 ? w - cols : 0, "");
}
