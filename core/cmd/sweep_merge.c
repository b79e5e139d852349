/*
** sweep_merge.c — `kouan sweep-merge -o OUT.h5 [--force] SHARD.h5...`:
** joins the files of `kouan sweep --shard i/N` into the file an unsharded
** sweep writes (io/sweep_h5.h, kou_sweep_h5_merge).
*/
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/common.h"
#include "cmd/opt.h"
#include "io/sweep_h5.h"

#define MAX_SHARDS 1024

typedef struct merge_opts {
    const char *out;
    bool force;
    const char *in[MAX_SHARDS];
    size_t n;
} merge_opts;

static size_t options(merge_opts *o, kou_opt *t)
{
    const kou_opt opts[] = {
        {"--output", "-o", KOU_OPT_CHECKED, &o->out, .check = kou_output_name, .what = KOU_OUTPUT_WHAT, .metavar = "OUT.h5",
         .help = "the merged sweep file (required)"},
        {"--force", NULL, KOU_OPT_FLAG, &o->force, .help = "overwrite an existing file"},
        {"--help", "-h", KOU_OPT_HELP, NULL, .help = "this help"},
    };
    memcpy(t, opts, sizeof opts);
    return sizeof opts / sizeof *opts;
}

void kou_cmd_sweep_merge_help(FILE *out)
{
    static merge_opts o;
    kou_opt t[4];
    fputs("usage: kouan sweep-merge -o OUT.h5 [--force] SHARD.h5...\n"
          "\n"
          "Joins the files of `kouan sweep --shard i/N` into one sweep file, the same as an\n"
          "unsharded sweep's. Exit 1 (and complete = 0) when some runs are in no shard.\n"
          "\n"
          "options:\n", out);
    kou_opt_help(out, t, options(&o, t));
}

int kou_cmd_sweep_merge(int argc, char **argv)
{
    static merge_opts o; /* 8 KiB of names */
    memset(&o, 0, sizeof o);
    kou_opt t[4];
    kou_opt_spec spec = {.command = "sweep-merge", .opts = t, .nopts = options(&o, t),
                         .positional = "shard file", .min_pos = 1, .max_pos = MAX_SHARDS, .pos = o.in,
                         .npos = &o.n, .help = kou_cmd_sweep_merge_help};
    int code = kou_opt_parse(&spec, argc - 2, argv + 2);
    if (code >= 0)
        return code;
    if (o.out == NULL)
        return kou_usage_error("sweep-merge", "no output file given (-o OUT.h5)");
    size_t missing = 0;
    int usage = 0;
    char err[700];
    if (kou_sweep_h5_merge(o.out, o.in, o.n, o.force, &missing, &usage, err, sizeof err) != 0) {
        if (usage) /* an existing output, a missing or foreign input */
            return kou_usage_error("sweep-merge", "%s", err);
        fprintf(stderr, "kouan sweep-merge: %s\n", err);
        return 1;
    }
    if (missing > 0) {
        fprintf(stderr, "kouan sweep-merge: %zu runs are in none of the inputs: %s says complete = 0\n", missing,
                o.out);
        return 1;
    }
    return 0;
}
