/*
** mpi.h — MPI for `mpirun -n N kouan sweep` (docs/sweep.md): the only
** module that includes mpi.h. The rest of kouan sees ranks and one kind
** of message, a finished run sent by a rank > 0 to rank 0, which writes
** every run in order.
**
** MPI starts only when the process was launched by mpirun/mpiexec
** (kou_mpi_launched): a plain `kouan sweep` never initialises it. Every
** call is made from the main thread (MPI_THREAD_FUNNELED). An MPI error
** prints "kouan sweep: MPI error in CALL: TEXT" and aborts every rank
** (exit 2). Built without MPI (no KOUAN_HAVE_MPI) the module is stubs:
** kou_mpi_launched is false, and nothing else may be called.
**
** A rank killed mid-run: Open MPI's mpirun then sends SIGTERM to the
** others. Rank 0 waits for a run with a stop callback (kou_mpi_recv_run),
** so the signal ends the wait; it then takes the runs already arrived
** (kou_mpi_take_arrived) and leaves without MPI_Finalize (kou_mpi_leave),
** which would wait for the dead rank.
*/
#ifndef KOUAN_EXP_MPI_H
#define KOUAN_EXP_MPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/base.h"

/* Bytes of a run's error text in a message, NUL included. */
#define KOU_MPI_ERROR_LEN 256

/* One finished run as it travels: its index, status, seed, wall time,
** error text and KPI values. */
typedef struct kou_mpi_run {
    size_t index;
    int status;
    uint64_t seed;
    double wall_seconds;
    char error[KOU_MPI_ERROR_LEN];
    double *values;
    size_t nvalues;        /* the same for every run of a sweep */
} kou_mpi_run;

typedef struct kou_mpi kou_mpi;

/* Whether mpirun/mpiexec launched this process. */
bool kou_mpi_launched(void);
/* MPI_Init_thread (FUNNELED), errors returned rather than fatal to MPI.
** NULL with a message when MPI cannot start. */
kou_mpi *kou_mpi_new(char *err, size_t errlen);
/* MPI_Finalize, unless the ranks were aborted. NULL is a no-op. */
void kou_mpi_free(kou_mpi *m);
/* Frees m without MPI_Finalize: after an interruption, when another rank
** may be dead. NULL is a no-op. */
void kou_mpi_leave(kou_mpi *m);
/* 0 and 1 for NULL (not launched by mpirun). */
int kou_mpi_rank(const kou_mpi *m);
int kou_mpi_size(const kou_mpi *m);
/* Ends every rank with the exit status code (the others may wait for this one). */
KOU_NORETURN void kou_mpi_abort(kou_mpi *m, int code);
/* Rank > 0: sends a run to rank 0. */
void kou_mpi_send_run(kou_mpi *m, const kou_mpi_run *run);
/* Rank 0: receives run number index from rank from into run (whose
** values hold run->nvalues). Messages from one rank arrive in the order sent
** (MPI's non-overtaking rule) and each rank sends its runs in index
** order, so another index is an error (every rank aborts). With stop
** (may be NULL: wait for good) the wait polls stop() and gives up when it
** returns nonzero: false then, nothing received. */
bool kou_mpi_recv_run(kou_mpi *m, int from, size_t index, kou_mpi_run *run, int (*stop)(void));
/* Rank 0: a run that has already arrived from any rank, whatever its
** index (in run, whose values hold run->nvalues); false when none has. */
bool kou_mpi_take_arrived(kou_mpi *m, kou_mpi_run *run);

#endif
