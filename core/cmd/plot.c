/*
** plot.c — see plot.h.
*/
#include "cmd/plot.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int kou_plot_file(const char *root, const char *h5path, const char *out)
{
    return kou_plot_file_lang(root, h5path, out, "en");
}

/* Runs the plot script on h5path into out with its options extra[0..nextra)
** after "--lang lang". */
static int plot_with(const char *root, const char *h5path, const char *out, const char *lang,
                     const char *const *extra, size_t nextra)
{
    char script[4096];
    snprintf(script, sizeof script, "%s/scripts/kouan_plot.py", root);
    FILE *f = fopen(script, "r");
    if (f == NULL) {
        fprintf(stderr, "kouan: %s: the plot script is missing (set KOUAN_ROOT to the kouan tree)\n", script);
        return 1;
    }
    fclose(f);
    const char *py = getenv("KOUAN_PYTHON");
    if (py == NULL || *py == '\0')
        py = "/usr/bin/python3";
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "kouan: cannot start %s: %s\n", py, strerror(errno));
        return 1;
    }
    if (pid == 0) {
        char *args[6 + 4 + 1] = {(char *)(uintptr_t)py, script, (char *)(uintptr_t)h5path, (char *)(uintptr_t)out,
                                 "--lang", (char *)(uintptr_t)lang};
        size_t n = 6;
        for (size_t i = 0; i < nextra && i < 4; i++)
            args[n++] = (char *)(uintptr_t)extra[i];
        args[n] = NULL;
        execv(py, args);
        fprintf(stderr, "kouan: cannot run %s: %s\n", py, strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            fprintf(stderr, "kouan: waiting for %s: %s\n", py, strerror(errno));
            return 1;
        }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFSIGNALED(status))
        fprintf(stderr, "kouan: %s: the plot script was killed by signal %d\n", out, WTERMSIG(status));
    return 1; /* the script has said why */
}

int kou_plot_file_lang(const char *root, const char *h5path, const char *out, const char *lang)
{
    return plot_with(root, h5path, out, lang, NULL, 0);
}

int kou_plot_sweep_file(const char *root, const char *h5path, const char *out, const char *group,
                        const char *metric)
{
    const char *extra[4];
    size_t n = 0;
    if (group) {
        extra[n++] = "--group";
        extra[n++] = group;
    }
    if (metric) {
        extra[n++] = "--metric";
        extra[n++] = metric;
    }
    return plot_with(root, h5path, out, "en", extra, n);
}
