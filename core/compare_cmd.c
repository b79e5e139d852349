/*
** compare_cmd.c — `kouan compare` (compare_cmd.h).
*/
#include "compare_cmd.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/h5compare.h"
#include "kernel/base.h"
#include "kouan_version.h"
#include "lua/portset.h"
#include "model/compare.h"
#include "cli.h"
#include "plot.h"
#include "model/kpi.h"

#define MAX_ALTS 16
#define MAX_CSETS 256

/* The metrics of the printed table. */
static const kou_kpi_metric shown[] = {KOU_KPI_OVERALL_MEAN, KOU_KPI_OVERALL_MEDIAN, KOU_KPI_OVERALL_P90,
                                       KOU_KPI_CUSTOMS_MEAN, KOU_KPI_PREP_MEAN, KOU_KPI_INSPECTION_RATE,
                                       KOU_KPI_COST_MEAN};
#define NSHOWN (sizeof shown / sizeof *shown)
#define M KOU_KPI_METRIC_COUNT

typedef struct copts {
    const char *scripts[MAX_ALTS], *eras[MAX_ALTS];
    size_t nscripts, neras;
    const char *set_key[MAX_CSETS], *set_value[MAX_CSETS];
    char set_buf[MAX_CSETS][128];
    int nset;
    uint64_t seed, reps, max_reps;
    double until, halfwidth;
    kou_kpi_metric kpi;
    const char *output, *csv, *plot;
    bool no_output, force, bom, independent, quiet;
} copts;

void kou_compare_usage(FILE *out)
{
    fputs("usage: kouan compare SCENARIO.lua --era A --era B [...] [options]\n"
          "       kouan compare A.lua B.lua [...] [options]\n"
          "\n"
          "Compares alternatives with the first (the baseline): replication r of every\n"
          "alternative runs on seed + r (common random numbers). Prints per group (all\n"
          "ports import/export, then each port) each alternative's mean +- t 95 %\n"
          "half-width, the paired difference vs the baseline and the paired % change,\n"
          "and the verdicts on the overall clearance time targets -1/3 and -1/2: met\n"
          "(whole 95 % interval of the % change below), not met (whole interval above),\n"
          "undecided.\n"
          "\n"
          "options:\n"
          "  --era E               an alternative (one scenario file); repeat, 2 or more\n"
          "  --reps R              replications (default 10; with --until-halfwidth the\n"
          "                        first batch and the batch size)\n"
          "  --seed N              seed of replication 1 (default 1)\n"
          "  --set PATH=VALUE      as for run, applied to every alternative\n"
          "  --until HOURS         hours of arrivals (replaces horizon_days)\n"
          "  --kpi METRIC          the metric of --until-halfwidth (default overall_mean)\n"
          "  --until-halfwidth H   add batches of replications until the half-width of\n"
          "                        the paired difference of the KPI (all ports, import)\n"
          "                        is <= H for every alternative, or --max-reps\n"
          "  --max-reps M          (default 200)\n"
          "  --independent         alternative a uses seeds seed + r + a*2^32 (no common\n"
          "                        random numbers; for demonstration)\n"
          "  -o, --output FILE     the compare file (default\n"
          "                        results/compare-SCENARIO-ERAS-sSEED.h5); --force, --no-output\n"
          "  --csv FILE [--bom]    one row per group, metric and alternative\n"
          "  --plot FILE.png|.svg  the paired % change of the overall mean per group, with\n"
          "                        its 95 % interval and the -1/3 and -1/2 target lines\n"
          "  --quiet               no table\n",
          out);
}

static int cbad(const char *fmt, ...) KOU_PRINTF(1, 2);
static int cbad(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kouan: compare: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see 'kouan compare --help')\n", stderr);
    va_end(ap);
    return 2;
}

/* -1 to go on, else the exit status. */
static int parse(int argc, char **argv, copts *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->reps = 10;
    o->max_reps = 200;
    o->kpi = KOU_KPI_OVERALL_MEAN;
    bool max_given = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            kou_compare_usage(stdout);
            return 0;
        }
        if (strcmp(a, "--no-output") == 0 || strcmp(a, "--force") == 0 || strcmp(a, "--bom") == 0 ||
            strcmp(a, "--independent") == 0 || strcmp(a, "--quiet") == 0) {
            *(a[2] == 'n' ? &o->no_output : a[2] == 'f' ? &o->force : a[2] == 'b' ? &o->bom
              : a[2] == 'i' ? &o->independent : &o->quiet) = true;
            continue;
        }
        if (a[0] != '-' || a[1] == '\0') {
            if (o->nscripts == MAX_ALTS)
                return cbad("too many scenario files (at most %d)", MAX_ALTS);
            o->scripts[o->nscripts++] = a;
            continue;
        }
        static const char *const with_value[] = {"--era", "--reps", "--seed", "--set", "--kpi",
                                                 "--until-halfwidth", "--until", "--max-reps", "-o",
                                                 "--output", "--csv", "--plot", NULL};
        const char *val = NULL;
        const char *const *opt;
        for (opt = with_value; *opt; opt++) {
            size_t n = strlen(*opt);
            if (strncmp(a, *opt, n) == 0 && (a[n] == '\0' || a[n] == '=')) {
                if (a[n] == '=')
                    val = a + n + 1;
                else if (i + 1 < argc)
                    val = argv[++i];
                else
                    return cbad("option '%s' needs a value", *opt);
                break;
            }
        }
        if (*opt == NULL)
            return cbad("unknown option '%s'", a);
        const char *on = *opt;
        if (strcmp(on, "--era") == 0) {
            if (*val == '\0')
                return cbad("%s", "--era: empty era name");
            if (o->neras == MAX_ALTS)
                return cbad("too many eras (at most %d)", MAX_ALTS);
            o->eras[o->neras++] = val;
        } else if (strcmp(on, "--reps") == 0) {
            if (!kou_cli_u64(val, &o->reps) || o->reps < 1 || o->reps > 100000)
                return cbad("--reps: '%s' is not an integer in 1..100000", val);
        } else if (strcmp(on, "--max-reps") == 0) {
            if (!kou_cli_u64(val, &o->max_reps) || o->max_reps < 2 || o->max_reps > 100000)
                return cbad("--max-reps: '%s' is not an integer in 2..100000", val);
            max_given = true;
        } else if (strcmp(on, "--seed") == 0) {
            if (!kou_cli_u64(val, &o->seed))
                return cbad("--seed: '%s' is not a non-negative integer", val);
        } else if (strcmp(on, "--until") == 0) {
            if (!kou_cli_positive(val, &o->until))
                return cbad("--until: '%s' is not a positive number of hours", val);
        } else if (strcmp(on, "--until-halfwidth") == 0) {
            if (!kou_cli_positive(val, &o->halfwidth))
                return cbad("--until-halfwidth: '%s' is not a positive number", val);
        } else if (strcmp(on, "--kpi") == 0) {
            int m;
            for (m = 0; m < M && strcmp(val, kou_kpi_metric_name((kou_kpi_metric)m)) != 0; m++)
                ;
            if (m == M)
                return cbad("--kpi: unknown metric '%s' (overall_mean, overall_p90, customs_mean, ...)", val);
            o->kpi = (kou_kpi_metric)m;
        } else if (strcmp(on, "--csv") == 0) {
            if (*val == '\0')
                return cbad("%s", "--csv: empty file name");
            o->csv = val;
        } else if (strcmp(on, "--plot") == 0) {
            size_t n = strlen(val);
            if (n < 5 || (strcmp(val + n - 4, ".png") != 0 && strcmp(val + n - 4, ".svg") != 0))
                return cbad("--plot: '%s' must end in .png or .svg", val);
            o->plot = val;
        } else if (strcmp(on, "-o") == 0 || strcmp(on, "--output") == 0) {
            if (*val == '\0')
                return cbad("%s", "--output: empty file name");
            o->output = val;
        } else { /* --set */
            const char *eq = strchr(val, '=');
            size_t klen = eq ? (size_t)(eq - val) : 0;
            if (eq == NULL || klen == 0 || klen >= 128)
                return cbad("--set: expected KEY=VALUE (got '%s')", val);
            if (o->nset == MAX_CSETS)
                return cbad("too many --set options (at most %d)", MAX_CSETS);
            memcpy(o->set_buf[o->nset], val, klen);
            o->set_buf[o->nset][klen] = '\0';
            o->set_key[o->nset] = o->set_buf[o->nset];
            o->set_value[o->nset] = eq + 1;
            o->nset++;
        }
    }
    if (o->nscripts == 0)
        return cbad("%s", "no scenario file given");
    if (o->nscripts == 1 && o->neras < 2)
        return cbad("%s", "give at least two alternatives: --era A --era B (the first is the baseline), "
                          "or two scenario files");
    if (o->nscripts > 1 && o->neras > 1)
        return cbad("%s", "several scenario files take at most one --era (applied to each)");
    if (o->bom && o->csv == NULL)
        return cbad("%s", "--bom: only with --csv");
    if (o->plot && o->no_output)
        return cbad("%s", "--plot draws from the compare file: it cannot go with --no-output");
    if (o->halfwidth > 0 && o->reps < 2)
        return cbad("%s", "--until-halfwidth needs --reps of at least 2 (the batch size)");
    if (o->halfwidth > 0 && o->max_reps < o->reps)
        return cbad("%s", "--max-reps is below --reps");
    if (o->halfwidth <= 0 && max_given)
        return cbad("%s", "--max-reps: only with --until-halfwidth");
    for (size_t i = 0; i < o->nscripts; i++) {
        FILE *f = fopen(o->scripts[i], "r");
        if (f == NULL) {
            fprintf(stderr, "kouan: cannot open scenario '%s': %s\n", o->scripts[i], strerror(errno));
            return 2;
        }
        fclose(f);
    }
    return -1;
}

/* ---- the run ---- */

typedef struct cmp {
    const copts *o;
    kou_portset *ps;
    size_t nalt, ngroup;
    kou_kpi *proto;        /* the baseline's groups (names live here) */
    size_t *order;         /* display order: all-ports groups, then ports */
    int *map;              /* [a][g]: the alternative's own group index, or -1 */
    double *vals;          /* [r][a][g][m] */
    size_t nrep, cap;
    uint64_t *seeds;       /* [r][a] */
} cmp;

static double val(const cmp *c, size_t r, size_t a, size_t g, size_t m)
{
    return c->vals[((r * c->nalt + a) * c->ngroup + g) * M + m];
}

static uint64_t seed_of(const cmp *c, size_t a, size_t r)
{
    return c->o->seed + r + (c->o->independent ? (uint64_t)a << 32 : 0);
}

/* Runs replication r of every alternative. 0 or 1 (message printed). */
static int run_rep(cmp *c, size_t r)
{
    if (r >= c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        c->vals = realloc(c->vals, c->cap * c->nalt * c->ngroup * M * sizeof *c->vals);
        c->seeds = realloc(c->seeds, c->cap * c->nalt * sizeof *c->seeds);
        if (c->vals == NULL || c->seeds == NULL) {
            fputs("kouan: out of memory\n", stderr);
            exit(1);
        }
    }
    for (size_t a = 0; a < c->nalt; a++) {
        const kou_portset_alt *alt = kou_portset_get(c->ps, a);
        kou_kpi *k = kou_kpi_new(alt->cfg);
        kou_model_observer obs = {.ctx = k, .consignment_done = kou_kpi_observe, .resource_done = kou_kpi_resource};
        char err[512];
        uint64_t seed = seed_of(c, a, r);
        c->seeds[r * c->nalt + a] = seed;
        if (kou_model_run(alt->cfg, seed, alt->start_date, &obs, NULL, err, sizeof err) != KOU_OK) {
            fprintf(stderr, "kouan: %s (%s): replication %zu (seed %llu): %s\n", alt->script, alt->label, r + 1,
                    (unsigned long long)seed, err);
            kou_kpi_free(k);
            return 1;
        }
        for (size_t g = 0; g < c->ngroup; g++) {
            int own = c->map[a * c->ngroup + g];
            for (size_t m = 0; m < M; m++)
                c->vals[((r * c->nalt + a) * c->ngroup + g) * M + m] =
                    own < 0 ? NAN : kou_kpi_get(k, (size_t)own, (kou_kpi_metric)m);
        }
        kou_kpi_free(k);
    }
    c->nrep = r + 1;
    return 0;
}

typedef struct stat3 {
    kou_cmp_ci mean, diff, pct;
} stat3;

static stat3 stats(const cmp *c, size_t a, size_t g, size_t m)
{
    double *x = malloc(2 * c->nrep * sizeof *x), *b = x + c->nrep;
    if (x == NULL) {
        fputs("kouan: out of memory\n", stderr);
        exit(1);
    }
    for (size_t r = 0; r < c->nrep; r++) {
        x[r] = val(c, r, a, g, m);
        b[r] = val(c, r, 0, g, m);
    }
    stat3 s = {kou_cmp_mean(x, c->nrep), kou_cmp_paired(x, b, c->nrep), kou_cmp_pct(x, b, c->nrep)};
    free(x);
    return s;
}

static const char *mode_name(int mode)
{
    static const char *const modes[] = {"air", "rail", "road"};
    return mode >= 0 && mode < KOU_MODE_COUNT ? modes[mode] : "all modes";
}

static const char *dir_name(int d)
{
    return d == KOU_IMPORT ? "import" : "export";
}

/* The group the stopping rule watches: all ports import, else the first
** all-ports group. */
static size_t watched_group(const cmp *c)
{
    for (size_t g = 0; g < c->ngroup; g++) {
        kou_kpi_group gi = kou_kpi_group_info(c->proto, g);
        if (gi.port_index < 0 && gi.direction == KOU_IMPORT)
            return g;
    }
    return c->order[0];
}

/* The largest paired half-width of the KPI over the alternatives
** (infinity while undefined). */
static double watched_half(const cmp *c, size_t g)
{
    double worst = 0;
    for (size_t a = 1; a < c->nalt; a++) {
        double h = stats(c, a, g, (size_t)c->o->kpi).diff.half;
        worst = isnan(h) ? INFINITY : h > worst ? h : worst;
    }
    return worst;
}

/* "mean ± half" (signed: "+" or "-" always, and no "-0.00"). */
static void cell(char *buf, size_t n, double mean, double half, double scale, const char *suffix, bool sign)
{
    double v = mean * scale;
    if (sign && fabs(v) < 0.005)
        v = 0.0;
    if (isnan(mean))
        snprintf(buf, n, "-");
    else if (isnan(half))
        snprintf(buf, n, sign ? "%+.2f%s" : "%.2f%s", v, suffix);
    else
        snprintf(buf, n, sign ? "%+.2f ± %.2f%s" : "%.2f ± %.2f%s", v, half * scale, suffix);
}

/* Pads a UTF-8 cell to w columns (± is one column, two bytes). */
static void put_cell(FILE *out, const char *s, int w)
{
    int cols = 0;
    for (const char *p = s; *p; p++)
        cols += ((unsigned char)*p & 0xC0) != 0x80;
    fprintf(out, "%*s%s", w - cols > 0 ? w - cols : 0, "", s);
}

static void print_table(const cmp *c, FILE *out, const char *stop_line)
{
    const copts *o = c->o;
    fprintf(out, "kouan compare: %zu alternatives, baseline %s; %zu replications, seeds %llu-%llu%s\n", c->nalt,
            kou_portset_get(c->ps, 0)->label, c->nrep, (unsigned long long)o->seed,
            (unsigned long long)(o->seed + c->nrep - 1),
            o->independent ? ", INDEPENDENT seeds per alternative (seed + r + a*2^32)"
                           : ", common random numbers (replication r of every alternative on seed + r)");
    if (stop_line)
        fprintf(out, "%s\n", stop_line);
    fputs("mean ± t 95 % half-width over replications; vs baseline: paired difference (mean of per-replication\n"
          "differences) and paired % change (mean of per-replication % changes), each ± t 95 % half-width\n",
          out);
    const int W = 22;
    for (size_t gi = 0; gi < c->ngroup; gi++) {
        size_t g = c->order[gi];
        kou_kpi_group grp = kou_kpi_group_info(c->proto, g);
        fprintf(out, "\n== %s, %s%s%s ==\n", grp.port, dir_name(grp.direction), grp.mode >= 0 ? ", " : "",
                grp.mode >= 0 ? mode_name(grp.mode) : "");
        fprintf(out, "%-26s", "metric");
        for (size_t a = 0; a < c->nalt; a++)
            put_cell(out, kou_portset_get(c->ps, a)->label, W);
        fputc('\n', out);
        for (size_t k = 0; k < NSHOWN; k++) {
            size_t m = (size_t)shown[k];
            double scale;
            const char *unit = kou_kpi_metric_unit(shown[k], &scale);
            char name[64], buf[96];
            snprintf(name, sizeof name, "%s (%s)", kou_kpi_metric_name(shown[k]), unit);
            fprintf(out, "%-26s", name);
            stat3 s[MAX_ALTS];
            for (size_t a = 0; a < c->nalt; a++) {
                s[a] = stats(c, a, g, m);
                cell(buf, sizeof buf, s[a].mean.mean, s[a].mean.half, scale, "", false);
                put_cell(out, buf, W);
            }
            fprintf(out, "\n%-26s%*s", "  vs baseline", W, "");
            for (size_t a = 1; a < c->nalt; a++) {
                cell(buf, sizeof buf, s[a].diff.mean, s[a].diff.half, scale, "", true);
                put_cell(out, buf, W);
            }
            fprintf(out, "\n%-26s%*s", "  % change", W, "");
            for (size_t a = 1; a < c->nalt; a++) {
                cell(buf, sizeof buf, s[a].pct.mean, s[a].pct.half, 1.0, " %", true);
                put_cell(out, buf, W);
            }
            fputc('\n', out);
        }
        static const double targets[2] = {-100.0 / 3, -50.0};
        static const char *const tnames[2] = {"-1/3", "-1/2"};
        for (int t = 0; t < 2; t++) {
            fprintf(out, "target overall_mean %s vs %s:", tnames[t], kou_portset_get(c->ps, 0)->label);
            for (size_t a = 1; a < c->nalt; a++) {
                kou_cmp_ci p = stats(c, a, g, KOU_KPI_OVERALL_MEAN).pct;
                kou_cmp_verdict_t v = kou_cmp_verdict(p, targets[t]);
                fprintf(out, "  %s %s%s", kou_portset_get(c->ps, a)->label, kou_cmp_verdict_name(v),
                        v == KOU_CMP_MET ? " (95 % confidence)" : "");
            }
            fputc('\n', out);
        }
    }
}

static void csv_field(FILE *f, const char *s)
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

static void csv_num(FILE *f, double v)
{
    fputc(',', f);
    if (!isnan(v))
        fprintf(f, "%.10g", v);
}

/* One row per (group, metric, alternative); shares in % as in the table. */
static int write_csv(const cmp *c)
{
    FILE *f = fopen(c->o->csv, "wb");
    if (f == NULL) {
        fprintf(stderr, "kouan: %s: cannot write: %s\n", c->o->csv, strerror(errno));
        return 1;
    }
    if (c->o->bom)
        fputs("\xEF\xBB\xBF", f);
    fputs("port,mode,direction,metric,unit,alternative,mean,half_width,diff_mean,diff_half_width,"
          "pct_change,pct_change_half_width,replications", f);
    for (size_t r = 0; r < c->nrep; r++)
        fprintf(f, ",rep_%zu", r + 1);
    fputs("\r\n", f);
    for (size_t gi = 0; gi < c->ngroup; gi++) {
        size_t g = c->order[gi];
        kou_kpi_group grp = kou_kpi_group_info(c->proto, g);
        for (size_t m = 0; m < M; m++)
            for (size_t a = 0; a < c->nalt; a++) {
                double scale;
                const char *unit = kou_kpi_metric_unit((kou_kpi_metric)m, &scale);
                stat3 s = stats(c, a, g, m);
                csv_field(f, grp.port);
                fprintf(f, ",%s,%s,%s,%s,", mode_name(grp.mode), dir_name(grp.direction),
                        kou_kpi_metric_name((kou_kpi_metric)m), unit);
                csv_field(f, kou_portset_get(c->ps, a)->label);
                csv_num(f, s.mean.mean * scale);
                csv_num(f, s.mean.half * scale);
                csv_num(f, a ? s.diff.mean * scale : NAN);
                csv_num(f, a ? s.diff.half * scale : NAN);
                csv_num(f, a ? s.pct.mean : NAN);
                csv_num(f, a ? s.pct.half : NAN);
                fprintf(f, ",%zu", s.mean.n);
                for (size_t r = 0; r < c->nrep; r++)
                    csv_num(f, val(c, r, a, g, m) * scale);
                fputs("\r\n", f);
            }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        fprintf(stderr, "kouan: %s: cannot write: %s\n", c->o->csv, strerror(errno));
        return 1;
    }
    return 0;
}

/* The compare file's name: -o, or results/compare-SCENARIO-ERAS-sSEED.h5
** (the next free -2, -3, ... when taken, as run files). 0, or 2 when -o
** names an existing file (without --force). */
static int output_path(const cmp *c, char *path, size_t len)
{
    const copts *o = c->o;
    if (o->output) {
        if (!o->force && access(o->output, F_OK) == 0) {
            fprintf(stderr, "kouan: compare: %s exists: refusing to overwrite it (--force overwrites it, -o FILE "
                            "writes another file, --no-output none)\n", o->output);
            return 2;
        }
        snprintf(path, len, "%s", o->output);
        return 0;
    }
    char stem[256] = "compare";
    size_t used = strlen(stem);
    for (size_t i = 0; i < o->nscripts; i++) {
        const char *base = strrchr(o->scripts[i], '/');
        base = base ? base + 1 : o->scripts[i];
        used += (size_t)snprintf(stem + used, used < sizeof stem ? sizeof stem - used : 0, "-%.*s",
                                 (int)strcspn(base, "."), base);
        if (used >= sizeof stem)
            break;
    }
    for (size_t i = 0; i < o->neras && used < sizeof stem; i++)
        used += (size_t)snprintf(stem + used, sizeof stem - used, "-%s", o->eras[i]);
    for (char *p = stem; *p; p++)
        if (*p == '/' || *p == ' ')
            *p = '_';
    if (mkdir("results", 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "kouan: cannot create the directory results: %s\n", strerror(errno));
        return 1;
    }
    snprintf(path, len, "results/%.200s-s%llu%s.h5", stem, (unsigned long long)o->seed,
             o->independent ? "-indep" : "");
    for (unsigned n = 2; !o->force && access(path, F_OK) == 0 && n < 10000; n++)
        snprintf(path, len, "results/%.200s-s%llu%s-%u.h5", stem, (unsigned long long)o->seed,
                 o->independent ? "-indep" : "", n);
    return 0;
}

static int write_h5(const cmp *c, const char *path, const char *stop_line, int argc, char **argv)
{
    size_t A = c->nalt, R = c->nrep, G = c->ngroup, GM = G * M;
    const char *alts[MAX_ALTS];
    for (size_t a = 0; a < A; a++)
        alts[a] = kou_portset_get(c->ps, a)->label;
    const char **gport = malloc(G * sizeof *gport);
    int32_t *gmode = malloc(2 * G * sizeof *gmode), *gdir = gmode + G;
    double *v = malloc((A * R * GM + 6 * A * GM) * sizeof *v);
    int8_t *ver = malloc(2 * A * G);
    uint64_t *seeds = malloc(A * R * sizeof *seeds);
    if (!gport || !gmode || !v || !ver || !seeds) {
        fputs("kouan: out of memory\n", stderr);
        exit(1);
    }
    double *mean = v + A * R * GM, *half = mean + A * GM, *dm = half + A * GM, *dh = dm + A * GM,
           *pm = dh + A * GM, *ph = pm + A * GM;
    const char *metrics[M];
    for (size_t m = 0; m < M; m++)
        metrics[m] = kou_kpi_metric_name((kou_kpi_metric)m);
    for (size_t gi = 0; gi < G; gi++) { /* the file's groups in display order */
        size_t g = c->order[gi];
        kou_kpi_group grp = kou_kpi_group_info(c->proto, g);
        gport[gi] = grp.port;
        gmode[gi] = grp.mode;
        gdir[gi] = grp.direction;
        for (size_t a = 0; a < A; a++) {
            for (size_t m = 0; m < M; m++) {
                stat3 s = stats(c, a, g, m);
                size_t i = (a * G + gi) * M + m;
                mean[i] = s.mean.mean;
                half[i] = s.mean.half;
                dm[i] = a ? s.diff.mean : NAN;
                dh[i] = a ? s.diff.half : NAN;
                pm[i] = a ? s.pct.mean : NAN;
                ph[i] = a ? s.pct.half : NAN;
                for (size_t r = 0; r < R; r++)
                    v[((a * R + r) * G + gi) * M + m] = val(c, r, a, g, m);
            }
            kou_cmp_ci p = stats(c, a, g, KOU_KPI_OVERALL_MEAN).pct;
            ver[a * G + gi] = (int8_t)(a ? kou_cmp_verdict(p, -100.0 / 3) : KOU_CMP_UNDECIDED);
            ver[A * G + a * G + gi] = (int8_t)(a ? kou_cmp_verdict(p, -50.0) : KOU_CMP_UNDECIDED);
        }
    }
    for (size_t a = 0; a < A; a++)
        for (size_t r = 0; r < R; r++)
            seeds[a * R + r] = c->seeds[r * A + a];
    char *cmd = NULL, *scen = NULL;
    size_t len;
    FILE *m = open_memstream(&cmd, &len);
    for (int i = 0; m && i < argc; i++)
        fprintf(m, strpbrk(argv[i], " \t'\"$\\") ? "%s'%s'" : "%s%s", i ? " " : "", argv[i]);
    if (m)
        fclose(m);
    m = open_memstream(&scen, &len);
    for (size_t a = 0; m && a < A; a++)
        fprintf(m, "%s%s", a ? "\n" : "", kou_portset_get(c->ps, a)->script);
    if (m)
        fclose(m);
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    const char *sn[] = {"command_line", "scenarios", "kpi", "stopping", "crn", "kouan_version", "commit",
                        "end_time_utc"};
    const char *sv[] = {cmd ? cmd : "", scen ? scen : "", kou_kpi_metric_name(c->o->kpi), stop_line ? stop_line : "",
                        c->o->independent ? "independent: seed + r + a*2^32" : "common: seed + r",
                        KOUAN_VERSION, KOUAN_GIT_COMMIT, when};
    const char *nn[] = {"seed", "replications", "until_halfwidth"};
    double nv[] = {(double)c->o->seed, (double)R, c->o->halfwidth > 0 ? c->o->halfwidth : NAN};
    kou_h5c_data d = {.nalt = A, .nrep = R, .ngroup = G, .nmetric = M, .alternatives = alts, .group_port = gport,
                      .group_mode = gmode, .group_direction = gdir, .metrics = metrics, .seeds = seeds,
                      .values = v, .mean = mean, .half = half, .diff_mean = dm, .diff_half = dh, .pct_mean = pm,
                      .pct_half = ph, .verdict_third = ver, .verdict_half = ver + A * G,
                      .nattr_str = sizeof sn / sizeof *sn, .attr_str_name = sn, .attr_str_value = sv,
                      .nattr_num = 3, .attr_num_name = nn, .attr_num_value = nv};
    char err[700];
    bool exists;
    int rc = kou_h5c_write(path, c->o->force, &d, &exists, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "kouan: %s\n", err);
    else if (!c->o->quiet)
        fprintf(stderr, "kouan: compare file %s\n", path);
    free(cmd);
    free(scen);
    free(gport);
    free(gmode);
    free(v);
    free(ver);
    free(seeds);
    return rc ? 1 : 0;
}

int kou_compare_main(int argc, char **argv)
{
    copts *o = malloc(sizeof *o);
    if (o == NULL)
        return 1;
    int code = parse(argc, argv, o);
    if (code >= 0) {
        free(o);
        return code;
    }
    kou_portset_request rq = {.scripts = o->scripts, .nscripts = o->nscripts, .eras = o->eras,
                              .neras = o->neras, .set_key = o->set_key, .set_value = o->set_value,
                              .nset = o->nset, .until = o->until, .seed = o->seed,
                              .max_memory = (size_t)512 << 20, .max_instructions = 1000000000u};
    kou_portset *ps = kou_portset_load(&rq, &code);
    if (ps == NULL) {
        free(o);
        return code;
    }
    cmp c = {.o = o, .ps = ps, .nalt = kou_portset_count(ps)};
    c.proto = kou_kpi_new(kou_portset_get(ps, 0)->cfg);
    c.ngroup = kou_kpi_groups(c.proto);
    c.order = malloc(c.ngroup * sizeof *c.order);
    c.map = malloc(c.nalt * c.ngroup * sizeof *c.map);
    if (c.order == NULL || c.map == NULL) {
        fputs("kouan: out of memory\n", stderr);
        exit(1);
    }
    size_t k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t g = 0; g < c.ngroup; g++)
            if ((kou_kpi_group_info(c.proto, g).port_index < 0) == (pass == 0))
                c.order[k++] = g;
    for (size_t a = 0; a < c.nalt; a++) {
        kou_kpi *ka = kou_kpi_new(kou_portset_get(ps, a)->cfg);
        for (size_t g = 0; g < c.ngroup; g++) {
            kou_kpi_group gb = kou_kpi_group_info(c.proto, g);
            c.map[a * c.ngroup + g] = -1;
            for (size_t j = 0; j < kou_kpi_groups(ka); j++) {
                kou_kpi_group gj = kou_kpi_group_info(ka, j);
                if (gj.mode == gb.mode && gj.direction == gb.direction && strcmp(gj.port, gb.port) == 0)
                    c.map[a * c.ngroup + g] = (int)j;
            }
        }
        kou_kpi_free(ka);
    }
    char path[1024] = "", stop[400] = "";
    if (!o->no_output)
        code = output_path(&c, path, sizeof path);
    uint64_t target = o->reps;
    size_t wg = watched_group(&c);
    for (size_t r = 0; code == 0 && r < target; r++) {
        code = run_rep(&c, r);
        if (code == 0 && r + 1 == target && o->halfwidth > 0) {
            double h = watched_half(&c, wg);
            kou_kpi_group gi = kou_kpi_group_info(c.proto, wg);
            if (h <= o->halfwidth)
                snprintf(stop, sizeof stop, "stopped: half-width of the paired difference of %s (%s, %s) %.4g <= %g "
                         "after %zu replications", kou_kpi_metric_name(o->kpi), gi.port, dir_name(gi.direction), h,
                         o->halfwidth, c.nrep);
            else if (target >= o->max_reps)
                snprintf(stop, sizeof stop, "stopped at --max-reps %llu: half-width of the paired difference of %s "
                         "(%s, %s) %.4g > %g", (unsigned long long)o->max_reps, kou_kpi_metric_name(o->kpi),
                         gi.port, dir_name(gi.direction), h, o->halfwidth);
            else
                target = target + o->reps < o->max_reps ? target + o->reps : o->max_reps;
        }
    }
    if (code == 0 && !o->quiet)
        print_table(&c, stdout, stop[0] ? stop : NULL);
    else if (code == 0 && stop[0])
        fprintf(stderr, "kouan: %s\n", stop);
    if (code == 0 && o->csv)
        code = write_csv(&c);
    if (code == 0 && !o->no_output)
        code = write_h5(&c, path, stop[0] ? stop : NULL, argc, argv);
    if (code == 0 && o->plot)
        code = kou_plot_file(kou_portset_root(), path, o->plot);
    if (fflush(stdout) != 0 && code == 0) {
        fprintf(stderr, "kouan: cannot write the output: %s\n", strerror(errno));
        code = 1;
    }
    kou_kpi_free(c.proto);
    free(c.order);
    free(c.map);
    free(c.vals);
    free(c.seeds);
    kou_portset_free(ps);
    free(o);
    return code;
}
