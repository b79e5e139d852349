/*
** replay_dump — prints what kou_replay_open reads from a run file, one
** item a line with tab-separated fields, for check_replay.py to compare
** with what h5py reads. Times are %.17g (NaN prints as "nan"), so the
** comparison is exact.
**
** usage: replay_dump [--check] [--counts] [--time] FILE [REPLICATION]
**   --check   kou_replay_check first, as kouan-viz does
**   --counts  only the header and the counts, not every row
**   --time    the seconds kou_replay_open took, on stderr
** On failure: one line "replay_dump: FILE: MESSAGE (STATUS)" on stderr,
** exit 1. Usage errors exit 2.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/replay.h"

static const char *status_name(kou_status st)
{
    switch (st) {
    case KOU_OK: return "KOU_OK";
    case KOU_EINVAL: return "KOU_EINVAL";
    case KOU_ENOENT: return "KOU_ENOENT";
    case KOU_EIO: return "KOU_EIO";
    case KOU_ESTATE: return "KOU_ESTATE";
    case KOU_ENOMEM: return "KOU_ENOMEM";
    }
    return "?";
}

static void dump(const kou_replay *rp, bool counts_only)
{
    printf("complete\t%d\nhas_events\t%d\n", rp->complete, rp->has_events);
    printf("scenario_name\t%s\nera\t%s\ntitle\t%s\n", rp->scenario_name, rp->era, rp->title);
    printf("start_date\t%ld\nhorizon_hours\t%.17g\nwarmup_hours\t%.17g\nsample_hours\t%.17g\n", rp->start_date,
           rp->horizon_hours, rp->warmup_hours, rp->sample_hours);
    printf("replications\t%zu\nreplication\t%zu\n", rp->replications, rp->replication);
    printf("nports\t%zu\nnflows\t%zu\nngoods\t%zu\nnresources\t%zu\nnconsignments\t%zu\nnsamples\t%zu\n", rp->nports,
           rp->nflows, rp->ngoods, rp->nresources, rp->nconsignments, rp->nsamples);
    if (counts_only)
        return;
    for (size_t i = 0; i < rp->nports; i++)
        printf("port\t%zu\t%d\t%s\n", i, rp->ports[i].mode, rp->ports[i].name);
    for (size_t i = 0; i < rp->nflows; i++) {
        const kou_replay_flow *f = &rp->flows[i];
        printf("flow\t%d\t%d\t%d\t%d\t%s\n", f->port, f->flow, f->mode, f->direction, f->name);
    }
    for (size_t i = 0; i < rp->ngoods; i++) {
        const kou_replay_goods *g = &rp->goods[i];
        printf("goods\t%d\t%d\t%d\t%s\n", g->port, g->flow, g->goods, g->name);
    }
    for (size_t i = 0; i < rp->nresources; i++) {
        const kou_replay_resource *r = &rp->resources[i];
        printf("resource\t%d\t%d\t%d\t%s\n", r->port, r->index_in_port, r->capacity, r->name);
    }
    for (size_t i = 0; i < rp->nconsignments; i++) {
        const kou_replay_consignment *c = &rp->consignments[i];
        printf("c\t%llu\t%llu\t%llu\t%u\t%u\t%u\t%u\t%u\t%u\t%lu", (unsigned long long)c->id,
               (unsigned long long)c->carrier_id, (unsigned long long)c->unit_id, (unsigned)c->port,
               (unsigned)c->flow, (unsigned)c->goods, (unsigned)c->mode, (unsigned)c->direction, (unsigned)c->trader,
               (unsigned long)c->flags);
        for (size_t m = 0; m < rp->nmilestones; m++)
            printf("\t%.17g", c->t[m]);
        printf("\t%.17g\n", c->cost);
    }
    for (size_t k = 0; k < rp->nsamples; k++)
        for (size_t r = 0; r < rp->nresources; r++) {
            const kou_replay_sample *s = &rp->samples[k * rp->nresources + r];
            printf("s\t%.17g\t%zu\t%lu\t%ld\t%ld\n", rp->sample_t[k], r, (unsigned long)s->queue, (long)s->busy,
                   (long)s->capacity);
        }
}

int main(int argc, char **argv)
{
    bool check = false, counts = false, timing = false;
    const char *path = NULL, *rep = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--check") == 0)
            check = true;
        else if (strcmp(argv[i], "--counts") == 0)
            counts = true;
        else if (strcmp(argv[i], "--time") == 0)
            timing = true;
        else if (path == NULL)
            path = argv[i];
        else if (rep == NULL)
            rep = argv[i];
        else
            path = NULL, i = argc;
    }
    size_t replication = 0;
    if (rep != NULL) {
        char *end;
        unsigned long long v = strtoull(rep, &end, 10);
        if (*rep < '0' || *rep > '9' || *end != '\0')
            path = NULL;
        replication = (size_t)v;
    }
    if (path == NULL) {
        fprintf(stderr, "usage: replay_dump [--check] [--counts] [--time] FILE [REPLICATION]\n");
        return 2;
    }
    char err[512];
    kou_status st = KOU_OK;
    if (check)
        st = kou_replay_check(path, replication, err, sizeof err);
    kou_replay *rp = NULL;
    if (st == KOU_OK) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        st = kou_replay_open(path, replication, &rp, err, sizeof err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        if (timing)
            fprintf(stderr, "open\t%.3f s\n", (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    }
    if (st != KOU_OK) {
        fprintf(stderr, "replay_dump: %s: %s (%s)\n", path, err, status_name(st));
        return 1;
    }
    dump(rp, counts);
    kou_replay_free(rp);
    return 0;
}
