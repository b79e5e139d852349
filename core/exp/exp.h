/*
** exp.h — the experiments layer (core/exp/): what is done with many runs
** of the port model, in pure C (no Lua, no HDF5): designs of experiments
** (design.h), the paired comparison of alternatives (paired.h), the
** sensitivity of a KPI to the factors of a design (sensitivity.h), the one
** replication pipeline every command runs its replications through
** (replicate.h), and MPI (mpi.h, the only file that includes mpi.h).
** GSL is used here and in the kernel only.
**
** Conventions of the layer (core/cmd/ follows them too):
**  - an object with resources is made by kou_X_new(..., char *err,
**    size_t errlen), which returns NULL with a one-line message in err
**    (no "kouan: " prefix) when it cannot be made, and freed by
**    kou_X_free, for which NULL is a no-op;
**  - out of memory is fatal (koui_oom, kernel/base.h), as in the kernel;
**  - a broken precondition of the C API stops the program (KOU_CHECK).
*/
#ifndef KOUAN_EXP_EXP_H
#define KOUAN_EXP_EXP_H

/* Bytes of an error message of the layer, NUL included. */
#define KOU_EXP_ERROR_LEN 512

#endif
