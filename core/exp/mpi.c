/*
** mpi.c — MPI (mpi.h). Without KOUAN_HAVE_MPI: stubs.
*/
#include "exp/mpi.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef KOUAN_HAVE_MPI

#include <mpi.h>

struct kou_mpi {
    int rank, size;
    size_t nvalues;  /* of the buffer */
    int bufsize;
    char *buf;       /* one packed run */
};

static void check(int rc, const char *what)
{
    if (rc == MPI_SUCCESS)
        return;
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    MPI_Error_string(rc, msg, &len);
    fprintf(stderr, "kouan sweep: MPI error in %s: %.*s\n", what, len, msg);
    MPI_Abort(MPI_COMM_WORLD, 2);
}

bool kou_mpi_launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_SIZE");
}

/* The packed run: index and status, seed, wall time, error text, values. */
static int record_size(size_t nvalues)
{
    int a = 0, b = 0, c = 0, e = 0;
    check(MPI_Pack_size(2, MPI_INT64_T, MPI_COMM_WORLD, &a), "MPI_Pack_size");
    check(MPI_Pack_size(1, MPI_UINT64_T, MPI_COMM_WORLD, &b), "MPI_Pack_size");
    check(MPI_Pack_size((int)nvalues + 1, MPI_DOUBLE, MPI_COMM_WORLD, &c), "MPI_Pack_size");
    check(MPI_Pack_size(KOU_MPI_ERROR_LEN, MPI_CHAR, MPI_COMM_WORLD, &e), "MPI_Pack_size");
    return a + b + c + e;
}

kou_mpi *kou_mpi_new(char *err, size_t errlen)
{
    int provided = 0;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
        snprintf(err, errlen, "MPI_Init failed");
        return NULL;
    }
    kou_mpi *m = koui_calloc(1, sizeof *m);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &m->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &m->size);
    return m;
}

void kou_mpi_free(kou_mpi *m)
{
    if (m == NULL)
        return;
    MPI_Finalize();
    kou_mpi_leave(m);
}

void kou_mpi_leave(kou_mpi *m)
{
    if (m == NULL)
        return;
    free(m->buf);
    free(m);
}

int kou_mpi_rank(const kou_mpi *m)
{
    return m ? m->rank : 0;
}

int kou_mpi_size(const kou_mpi *m)
{
    return m ? m->size : 1;
}

void kou_mpi_abort(kou_mpi *m, int code)
{
    (void)m;
    MPI_Abort(MPI_COMM_WORLD, code);
    exit(code); /* MPI_Abort does not return */
}

static void make_buffer(kou_mpi *m, size_t nvalues)
{
    if (m->buf == NULL || m->nvalues != nvalues) {
        free(m->buf);
        m->nvalues = nvalues;
        m->bufsize = record_size(nvalues);
        m->buf = koui_malloc((size_t)m->bufsize);
    }
}

void kou_mpi_send_run(kou_mpi *m, const kou_mpi_run *run)
{
    make_buffer(m, run->nvalues);
    int pos = 0, size = m->bufsize;
    int64_t head[2] = {(int64_t)run->index, run->status};
    check(MPI_Pack(head, 2, MPI_INT64_T, m->buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    check(MPI_Pack(&run->seed, 1, MPI_UINT64_T, m->buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    check(MPI_Pack(&run->wall_seconds, 1, MPI_DOUBLE, m->buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    check(MPI_Pack(run->error, KOU_MPI_ERROR_LEN, MPI_CHAR, m->buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    check(MPI_Pack(run->values, (int)run->nvalues, MPI_DOUBLE, m->buf, size, &pos, MPI_COMM_WORLD), "MPI_Pack");
    check(MPI_Send(m->buf, pos, MPI_PACKED, 0, 0, MPI_COMM_WORLD), "MPI_Send");
}

/* The packed run in m->buf into run. */
static void unpack(kou_mpi *m, kou_mpi_run *run)
{
    int pos = 0, size = m->bufsize;
    int64_t head[2];
    check(MPI_Unpack(m->buf, size, &pos, head, 2, MPI_INT64_T, MPI_COMM_WORLD), "MPI_Unpack");
    check(MPI_Unpack(m->buf, size, &pos, &run->seed, 1, MPI_UINT64_T, MPI_COMM_WORLD), "MPI_Unpack");
    check(MPI_Unpack(m->buf, size, &pos, &run->wall_seconds, 1, MPI_DOUBLE, MPI_COMM_WORLD), "MPI_Unpack");
    check(MPI_Unpack(m->buf, size, &pos, run->error, KOU_MPI_ERROR_LEN, MPI_CHAR, MPI_COMM_WORLD), "MPI_Unpack");
    check(MPI_Unpack(m->buf, size, &pos, run->values, (int)run->nvalues, MPI_DOUBLE, MPI_COMM_WORLD), "MPI_Unpack");
    run->error[KOU_MPI_ERROR_LEN - 1] = '\0';
    run->status = (int)head[1];
    run->index = (size_t)head[0];
}

/* Waits for the pending receive req, polling stop() every 0.2 ms (a
** signal does not end a blocking MPI_Recv); false, the receive cancelled,
** when stop() turns nonzero before the run came. */
static bool wait_or_stop(MPI_Request *req, int (*stop)(void))
{
    for (;;) {
        int flag = 0;
        check(MPI_Test(req, &flag, MPI_STATUS_IGNORE), "MPI_Test");
        if (flag)
            return true;
        if (stop()) { /* the run may still have come in before the cancel took */
            MPI_Status st;
            int cancelled = 0;
            MPI_Cancel(req);
            MPI_Wait(req, &st);
            MPI_Test_cancelled(&st, &cancelled);
            return !cancelled;
        }
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
    }
}

bool kou_mpi_recv_run(kou_mpi *m, int from, size_t index, kou_mpi_run *run, int (*stop)(void))
{
    make_buffer(m, run->nvalues);
    if (stop == NULL) {
        check(MPI_Recv(m->buf, m->bufsize, MPI_PACKED, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE), "MPI_Recv");
    } else {
        MPI_Request req;
        check(MPI_Irecv(m->buf, m->bufsize, MPI_PACKED, from, 0, MPI_COMM_WORLD, &req), "MPI_Irecv");
        if (!wait_or_stop(&req, stop))
            return false;
    }
    unpack(m, run);
    if (run->index != index) {
        fprintf(stderr, "kouan sweep: MPI: rank %d sent run %zu, expected run %zu\n", from, run->index, index);
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    return true;
}

bool kou_mpi_take_arrived(kou_mpi *m, kou_mpi_run *run)
{
    int flag = 0;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, 0, MPI_COMM_WORLD, &flag, &st) != MPI_SUCCESS || !flag)
        return false;
    make_buffer(m, run->nvalues);
    if (MPI_Recv(m->buf, m->bufsize, MPI_PACKED, st.MPI_SOURCE, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE) !=
        MPI_SUCCESS)
        return false;
    unpack(m, run);
    return true;
}

#else /* no MPI: stubs */

struct kou_mpi {
    int unused;
};

bool kou_mpi_launched(void)
{
    return false;
}

kou_mpi *kou_mpi_new(char *err, size_t errlen)
{
    snprintf(err, errlen, "this kouan was built without MPI");
    return NULL;
}

void kou_mpi_free(kou_mpi *m)
{
    KOU_CHECK(m == NULL);
}

int kou_mpi_rank(const kou_mpi *m)
{
    (void)m;
    return 0;
}

int kou_mpi_size(const kou_mpi *m)
{
    (void)m;
    return 1;
}

void kou_mpi_abort(kou_mpi *m, int code)
{
    (void)m;
    exit(code);
}

void kou_mpi_send_run(kou_mpi *m, const kou_mpi_run *run)
{
    (void)run;
    KOU_CHECK(m != NULL);
}

void kou_mpi_leave(kou_mpi *m)
{
    KOU_CHECK(m == NULL);
}

bool kou_mpi_recv_run(kou_mpi *m, int from, size_t index, kou_mpi_run *run, int (*stop)(void))
{
    (void)from;
    (void)index;
    (void)run;
    (void)stop;
    KOU_CHECK(m != NULL);
    return false;
}

bool kou_mpi_take_arrived(kou_mpi *m, kou_mpi_run *run)
{
    (void)run;
    KOU_CHECK(m != NULL);
    return false;
}

#endif
