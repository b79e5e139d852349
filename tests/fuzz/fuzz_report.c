/*
** fuzz_report.c — fuzz target: the HDF5 reader of `kouan report`
** (io/h5read.h). The input is a run file; it takes the report command's
** path: kou_h5_check_summary reads the summary in a forked child (HDF5
** 1.10 itself crashes on some damaged files), and only when that succeeds
** kou_h5_read_summary reads it in this process, the KPI summary is built
** from it and the table printed (to /dev/null).
**
** A crash inside the HDF5 library in the child is the reader's expected
** answer ("the HDF5 library crashed reading it"), not a finding; a crash
** here, in the parent, is. Coverage is collected in the parent only, so
** libFuzzer steers by what the real read reaches.
**
** Built with KOU_FUZZ_IMAGE (target report_image) it reads the input in
** this process as a file image instead (kou_h5_read_summary_image: the
** same reader, no file, no fork), a thousand times faster; the library's
** own failures on damaged files then happen here, and run_fuzz.py tells
** them from kouan's by where they happen.
*/
#include <stdio.h>

#include "fuzz.h"
#include "io/h5read.h"
#include "model/kpi.h"

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    bool complete = true;
    kou_h5_summary *s = NULL;
#ifdef KOU_FUZZ_IMAGE
    if (kou_h5_read_summary_image(data, size, &s, &complete, err, sizeof err) != KOU_OK)
        return 0;
#else
    const char *path = kou_fuzz_file("run.h5", data, size);
    if (kou_h5_check_summary(path, &complete, err, sizeof err) != KOU_OK)
        return 0;
    if (kou_h5_read_summary(path, &s, &complete, err, sizeof err) != KOU_OK)
        return 0;
#endif
    kou_kpi_summary *sum = kou_h5_summary_to_kpi(s);
    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    if (sink != NULL)
        kou_kpi_summary_print(sum, sink, s->title[0] ? s->title : NULL);
    kou_kpi_summary_free(sum);
    kou_h5_summary_free(s);
    return 0;
}
