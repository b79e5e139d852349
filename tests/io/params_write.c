/*
** params_write.c — writes a run file with a /parameters table through the
** run-file writer (kou_h5w_parameters), for check_io.py (group
** parameters) to read back with h5py. The layout is the model tests' small
** air port (tests/unit/model_fixture.h); no replication is run.
**
** usage: params_write OUT.h5 [--twice | --after-rows]
**   --twice       call kou_h5w_parameters a second time: must fail, and
**                 the file still closes readable with complete = 0
**   --after-rows  write a consignment row first, then the parameters
** Prints the writer's error, if any, on stderr; exit 0 when the file
** closed complete, 1 otherwise.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/h5write.h"
#include "model_fixture.h"

/* A table in the manner of the parameter table's: numbers with units,
** a distribution, a calendar and an enumeration as text, Chinese text. */
static const char *const path[] = {"horizon_days", "ports.CGO.advance_share", "ports.CGO.flows.imp.dwell",
                                   "ports.CGO.calendar", "ports.CGO.inspection.mode", "ports.CGO.name",
                                   "ports.CGO.fee_per_declaration", "seed"};
static const char *const text[] = {"", "", "lognormal(2, 0.5)", "weekdays 08:30-12:00, 13:30-17:30", "sequential",
                                   "郑州机场", NULL, ""};
static const char *const unit[] = {"days", "share", "hours", "", "", "", "CNY", NULL};

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: params_write OUT.h5 [--twice | --after-rows]\n");
        return 2;
    }
    bool twice = argc == 3 && strcmp(argv[2], "--twice") == 0;
    bool after_rows = argc == 3 && strcmp(argv[2], "--after-rows") == 0;
    world w;
    world_init(&w, false);
    char err[512] = "";
    bool exists;
    kou_h5w *h = kou_h5w_create(argv[1], true, false, &w.model, &exists, err, sizeof err);
    if (h == NULL) {
        fprintf(stderr, "params_write: %s\n", err);
        return 1;
    }
    const size_t n = sizeof path / sizeof *path;
    const double value[] = {28, 0.2, NAN, NAN, NAN, NAN, 15.5, 1};
    if (after_rows) {
        kou_consignment_record rec;
        memset(&rec, 0, sizeof rec);
        for (int m = 0; m < KOU_MS_COUNT; m++)
            rec.t[m] = m;
        kou_h5w_consignment(h, 0, &rec);
    }
    kou_h5w_parameters(h, n, path, value, text, unit);
    if (twice)
        kou_h5w_parameters(h, 1, path, NULL, NULL, NULL);
    if (kou_h5w_error(h) != NULL)
        fprintf(stderr, "params_write: %s\n", kou_h5w_error(h));
    int rc = kou_h5w_close(h, true, err, sizeof err);
    return rc == 0 ? 0 : 1;
}
