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

int kou_plot_file_lang(const char *root, const char *h5path, const char *out, const char *lang)
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
        char *const args[] = {(char *)(uintptr_t)py, script, (char *)(uintptr_t)h5path, (char *)(uintptr_t)out,
                              "--lang", (char *)(uintptr_t)lang, NULL};
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
