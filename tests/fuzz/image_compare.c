/*
** image_compare.c — the file-image readers against the path readers
** (test file-image, driven by file_image.py): for each file named, reads
** it with kou_h5_read_summary and kou_replay_open (every replication), and
** again from its bytes in memory with kou_h5_read_summary_image and
** kou_replay_open_image, and checks that both give the same status and
** message (up to the library's own " (HDF5: ...)" detail, which names the
** driver) and, when they read, the same values, field by field and byte
** for byte. Prints TAP, one check per file and reader; also states how
** much was compared, so a file that reads as empty cannot pass unseen.
**
** usage: image_compare FILE...
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/h5read.h"
#include "io/replay.h"

static int count, failed;

static void check(bool good, const char *what, const char *path, const char *why)
{
    count++;
    if (!good)
        failed++;
    printf("%s %d - %s: %s\n", good ? "ok" : "not ok", count, path, what);
    if (!good)
        printf("# %s\n", why);
}

static unsigned char *slurp(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t got; buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            unsigned char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL)
                free(buf);
            buf = bigger;
        }
    }
    fclose(f);
    *size = n;
    return buf;
}

/* The message without the library's detail, which differs by driver. */
static bool same_message(const char *a, const char *b)
{
    const char *ea = strstr(a, " (HDF5: "), *eb = strstr(b, " (HDF5: ");
    size_t la = ea ? (size_t)(ea - a) : strlen(a), lb = eb ? (size_t)(eb - b) : strlen(b);
    return la == lb && memcmp(a, b, la) == 0;
}

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool same_strs(char *const *a, char *const *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!same_str(a[i], b[i]))
            return false;
    return true;
}

/* Byte for byte: NaN is NaN, and -0 is not 0. */
static bool same_bytes(const void *a, const void *b, size_t n)
{
    return n == 0 || (a != NULL && b != NULL && memcmp(a, b, n) == 0);
}

static const char *summary_diff(const kou_h5_summary *a, const kou_h5_summary *b)
{
    if (a->schema_version != b->schema_version || a->complete != b->complete ||
        a->has_consignments != b->has_consignments)
        return "root attributes differ";
    if (!same_str(a->title, b->title) || !same_str(a->scenario, b->scenario) || !same_str(a->era, b->era))
        return "title, scenario or era differ";
    if (a->replications != b->replications || a->ngroups != b->ngroups || a->nresources != b->nresources)
        return "shapes differ";
    for (size_t g = 0; g < a->ngroups; g++)
        if (!same_str(a->groups[g].port, b->groups[g].port) || a->groups[g].port_index != b->groups[g].port_index ||
            a->groups[g].mode != b->groups[g].mode || a->groups[g].direction != b->groups[g].direction)
            return "groups differ";
    for (size_t i = 0; i < a->nresources; i++)
        if (!same_str(a->resources[i].port, b->resources[i].port) ||
            a->resources[i].port_index != b->resources[i].port_index ||
            !same_str(a->resources[i].name, b->resources[i].name))
            return "resources differ";
    size_t R = a->replications;
    if (!same_bytes(a->group_values, b->group_values, R * a->ngroups * KOU_KPI_METRIC_COUNT * sizeof(double)) ||
        !same_bytes(a->resource_values, b->resource_values,
                    R * a->nresources * KOU_KPI_RES_METRIC_COUNT * sizeof(double)) ||
        !same_bytes(a->across, b->across, a->ngroups * KOU_KPI_METRIC_COUNT * 2 * sizeof(double)))
        return "values differ";
    return NULL;
}

static const char *replay_diff(const kou_replay *a, const kou_replay *b)
{
    if (a->complete != b->complete || a->has_events != b->has_events || a->start_date != b->start_date ||
        !same_bytes(&a->horizon_hours, &b->horizon_hours, sizeof a->horizon_hours) ||
        !same_bytes(&a->warmup_hours, &b->warmup_hours, sizeof a->warmup_hours) ||
        !same_bytes(&a->sample_hours, &b->sample_hours, sizeof a->sample_hours) ||
        a->replications != b->replications || a->replication != b->replication)
        return "root attributes differ";
    if (!same_str(a->scenario_name, b->scenario_name) || !same_str(a->era, b->era) || !same_str(a->title, b->title))
        return "names differ";
    if (a->nmilestones != b->nmilestones || a->arrival != b->arrival || a->nflags != b->nflags ||
        !same_strs(a->milestone_names, b->milestone_names, a->nmilestones) ||
        !same_strs(a->flag_names, b->flag_names, a->nflags))
        return "milestone or flag names differ";
    if (a->nports != b->nports || a->nflows != b->nflows || a->ngoods != b->ngoods || a->nresources != b->nresources)
        return "layout sizes differ";
    for (size_t i = 0; i < a->nports; i++)
        if (!same_str(a->ports[i].name, b->ports[i].name) || a->ports[i].mode != b->ports[i].mode)
            return "ports differ";
    for (size_t i = 0; i < a->nflows; i++) {
        const kou_replay_flow *x = &a->flows[i], *y = &b->flows[i];
        if (x->port != y->port || x->flow != y->flow || x->mode != y->mode || x->direction != y->direction ||
            !same_str(x->name, y->name))
            return "flows differ";
    }
    for (size_t i = 0; i < a->ngoods; i++) {
        const kou_replay_goods *x = &a->goods[i], *y = &b->goods[i];
        if (x->port != y->port || x->flow != y->flow || x->goods != y->goods || !same_str(x->name, y->name))
            return "goods differ";
    }
    for (size_t i = 0; i < a->nresources; i++) {
        const kou_replay_resource *x = &a->resources[i], *y = &b->resources[i];
        if (x->port != y->port || x->index_in_port != y->index_in_port || x->capacity != y->capacity ||
            !same_str(x->name, y->name))
            return "resources differ";
    }
    if (a->nconsignments != b->nconsignments)
        return "consignment counts differ";
    for (size_t i = 0; i < a->nconsignments; i++) {
        const kou_replay_consignment *x = &a->consignments[i], *y = &b->consignments[i];
        if (x->id != y->id || x->carrier_id != y->carrier_id || x->unit_id != y->unit_id || x->port != y->port ||
            x->flow != y->flow || x->goods != y->goods || x->mode != y->mode || x->direction != y->direction ||
            x->trader != y->trader || x->flags != y->flags || !same_bytes(&x->cost, &y->cost, sizeof x->cost) ||
            !same_bytes(x->t, y->t, a->nmilestones * sizeof *x->t))
            return "consignments differ";
    }
    if (a->nsamples != b->nsamples || !same_bytes(a->sample_t, b->sample_t, a->nsamples * sizeof *a->sample_t) ||
        !same_bytes(a->samples, b->samples, a->nsamples * a->nresources * sizeof *a->samples))
        return "samples differ";
    return NULL;
}

static void compare_summary(const char *path, const unsigned char *img, size_t size)
{
    char e1[512], e2[512], why[1200];
    bool c1 = false, c2 = false;
    kou_h5_summary *a = NULL, *b = NULL;
    kou_status s1 = kou_h5_read_summary(path, &a, &c1, e1, sizeof e1);
    kou_status s2 = kou_h5_read_summary_image(img, size, &b, &c2, e2, sizeof e2);
    const char *diff = s1 != s2 ? "statuses differ"
                       : c1 != c2 ? "complete differs"
                       : s1 != KOU_OK ? (same_message(e1, e2) ? NULL : "messages differ")
                                      : summary_diff(a, b);
    snprintf(why, sizeof why, "%s: path %d '%s', image %d '%s'", diff ? diff : "", (int)s1, e1, (int)s2, e2);
    check(diff == NULL, "the summary reads the same from a file image", path, why);
    if (s1 == KOU_OK)
        printf("#   summary: %zu replications, %zu groups, %zu resources\n", a->replications, a->ngroups,
               a->nresources);
    else
        printf("#   summary refused alike: %s\n", e1);
    kou_h5_summary_free(a);
    kou_h5_summary_free(b);
}

/* Replication rep; returns the file's replications (0 when refused). */
static size_t compare_replay(const char *path, const unsigned char *img, size_t size, size_t rep)
{
    char e1[512], e2[512], why[1200], what[96];
    kou_replay *a = NULL, *b = NULL;
    kou_status s1 = kou_replay_open(path, rep, &a, e1, sizeof e1);
    kou_status s2 = kou_replay_open_image(img, size, rep, &b, e2, sizeof e2);
    const char *diff = s1 != s2      ? "statuses differ"
                       : s1 != KOU_OK ? (same_message(e1, e2) ? NULL : "messages differ")
                                      : replay_diff(a, b);
    snprintf(why, sizeof why, "%s: path %d '%s', image %d '%s'", diff ? diff : "", (int)s1, e1, (int)s2, e2);
    snprintf(what, sizeof what, "replication %zu replays the same from a file image", rep);
    check(diff == NULL, what, path, why);
    size_t reps = 0;
    if (s1 == KOU_OK) {
        printf("#   replay %zu: %zu consignments, %zu samples of %zu resources\n", rep, a->nconsignments,
               a->nsamples, a->nresources);
        reps = a->replications;
    } else {
        printf("#   replay refused alike: %s\n", e1);
    }
    kou_replay_free(a);
    kou_replay_free(b);
    return reps;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        size_t size = 0;
        unsigned char *img = slurp(argv[i], &size);
        if (img == NULL) {
            check(false, "readable", argv[i], "cannot read the file");
            continue;
        }
        compare_summary(argv[i], img, size);
        size_t reps = compare_replay(argv[i], img, size, 0);
        for (size_t r = 1; r < reps; r++)
            compare_replay(argv[i], img, size, r);
        if (reps > 0) /* one past the last: refused alike */
            compare_replay(argv[i], img, size, reps);
        free(img);
    }
    printf("1..%d\n", count);
    return failed ? 1 : 0;
}
