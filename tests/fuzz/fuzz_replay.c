/*
** fuzz_replay.c — fuzz target: the HDF5 reader of kouan-viz
** (io/replay.h) and the indexes built on what it reads (viz/trace.h). The
** input is a run file; it takes kouan-viz's path: kou_replay_check reads
** replication 0 in a forked child (HDF5 1.10 itself crashes on some
** damaged files), and only when that succeeds kou_replay_open reads it in
** this process, the trace is built and asked where everything is at a few
** times, as frames would.
**
** As for the report reader: a crash inside the HDF5 library in the child
** is the reader's expected answer, not a finding; a crash here is.
**
** Built with KOU_FUZZ_IMAGE (target replay_image) it reads the input in
** this process as a file image instead (kou_replay_open_image: the same
** reader, no file, no fork), as fuzz_report.c does.
*/
#include "fuzz.h"
#include "io/replay.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    kou_replay *rp = NULL;
#ifdef KOU_FUZZ_IMAGE
    if (kou_replay_open_image(data, size, 0, &rp, err, sizeof err) != KOU_OK)
        return 0;
#else
    const char *path = kou_fuzz_file("run.h5", data, size);
    if (kou_replay_check(path, 0, err, sizeof err) != KOU_OK)
        return 0;
    if (kou_replay_open(path, 0, &rp, err, sizeof err) != KOU_OK)
        return 0;
#endif
    viz_trace *tr = viz_trace_new(rp, err, sizeof err);
    if (tr != NULL) {
        double b = viz_trace_begin(tr), e = viz_trace_end(tr);
        for (int k = 0; k <= 8; k++) {
            double t = b + (e - b) * k / 8.0;
            size_t n;
            const uint32_t *cand = viz_trace_candidates(tr, t, &n);
            for (size_t i = 0; i < n; i++)
                (void)viz_trace_where_at(tr, cand[i], t);
            (void)viz_trace_kpi(tr, k % 2, t);
            (void)viz_trace_next_event(tr, t);
            (void)viz_trace_sample_index(tr, t);
        }
    }
    viz_trace_free(tr);
    kou_replay_free(rp);
    return 0;
}
