/*
** fuzz_file.c — the temporary folder of fuzz.h.
*/
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[512];
static char path[600];
static char last[600];

static void cleanup(void)
{
    if (last[0])
        unlink(last);
    if (dir[0])
        rmdir(dir);
}

const char *kou_fuzz_file(const char *name, const uint8_t *data, size_t size)
{
    if (dir[0] == '\0') {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/kouan-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (mkdtemp(dir) == NULL) {
            perror("kouan fuzz: mkdtemp");
            abort();
        }
        atexit(cleanup);
    }
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (last[0] && strcmp(last, path) != 0)
        unlink(last);
    snprintf(last, sizeof last, "%s", path);
    FILE *f = fopen(path, "wb");
    if (f == NULL || (size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0) {
        perror("kouan fuzz: writing the input");
        abort();
    }
    return path;
}
