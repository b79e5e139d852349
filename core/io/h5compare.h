/*
** h5compare.h — the HDF5 file of one `kouan compare` (docs/hdf5-schema.md,
** "Compare files"), written in one go at the end: every replication's
** KPIs of every alternative and group, and the table's means, paired
** differences, % changes and verdicts. hdf5.h stays under core/io/.
*/
#ifndef KOUAN_IO_H5COMPARE_H
#define KOUAN_IO_H5COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KOU_H5C_SCHEMA_VERSION 1

typedef struct kou_h5c_data {
    size_t nalt, nrep, ngroup, nmetric;
    const char *const *alternatives;    /* [nalt] labels; 0 is the baseline */
    const char *const *group_port;      /* [ngroup] */
    const char *const *group_port_zh;   /* [ngroup]: in Chinese, as --lang zh shows it */
    const int32_t *group_mode, *group_direction; /* [ngroup]; mode -1: all modes */
    const char *const *metrics;         /* [nmetric] */
    const uint64_t *seeds;              /* [nalt][nrep] */
    const double *values;               /* [nalt][nrep][ngroup][nmetric] */
    const double *mean, *half;          /* [nalt][ngroup][nmetric] */
    const double *diff_mean, *diff_half, *pct_mean, *pct_half; /* [nalt][ngroup][nmetric] */
    const int8_t *verdict_third, *verdict_half; /* [nalt][ngroup]: 0 undecided, 1 met, 2 not met, 3 no difference */
    size_t nattr_str;                   /* root string attributes */
    const char *const *attr_str_name, *const *attr_str_value;
    size_t nattr_num;                   /* root float attributes */
    const char *const *attr_num_name;
    const double *attr_num_value;
} kou_h5c_data;

/* Writes path (refusing an existing file unless force: then *exists is
** set). Root attributes schema = "kouan-compare", schema_version, then the
** given ones, complete = 1 last. Returns 0, or -1 with a message in err. */
int kou_h5c_write(const char *path, bool force, const kou_h5c_data *d, bool *exists, char *err, size_t errlen);

#endif
