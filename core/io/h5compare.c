/*
** h5compare.c — the compare file (h5compare.h), on h5base.
*/
#include "io/h5compare.h"

#include <stdio.h>
#include <string.h>

#include "io/h5base.h"

/* A dataset of rank dims, deflated and checksummed when not tiny. */
static void dataset(koui_h5_error *e, hid_t file, const char *name, hid_t ftype, hid_t mtype, int rank,
                    const hsize_t *dims, const void *data)
{
    hsize_t total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (total >= 64 && H5Tis_variable_str(ftype) <= 0) {
        H5Pset_chunk(dcpl, rank, dims);
        H5Pset_fletcher32(dcpl);
        H5Pset_deflate(dcpl, 4);
    }
    hid_t ds = koui_h5_write_dataset(e, file, name, ftype, mtype, rank, dims, dcpl, data);
    koui_h5_close_id(&ds, H5Dclose);
    H5Pclose(dcpl);
}

/* The root attributes: complete = 0 (set last), the schema, the caller's. */
static void root_attributes(koui_h5_error *e, hid_t file, const kou_h5c_data *d)
{
    koui_h5_write_attr_int(e, file, "complete", 0);
    koui_h5_write_attr_str(e, file, "schema", "kouan-compare");
    koui_h5_write_attr_int(e, file, "schema_version", KOU_H5C_SCHEMA_VERSION);
    for (size_t i = 0; i < d->nattr_str; i++)
        koui_h5_write_attr_str(e, file, d->attr_str_name[i], d->attr_str_value[i]);
    for (size_t i = 0; i < d->nattr_num; i++)
        koui_h5_write_attr_double(e, file, d->attr_num_name[i], d->attr_num_value[i]);
}

/* Every dataset of the file. */
static void datasets(koui_h5_error *e, hid_t file, const kou_h5c_data *d)
{
    hid_t st = koui_h5_utf8();
    hsize_t a = d->nalt, r = d->nrep, g = d->ngroup, m = d->nmetric;
    hsize_t d1a[1] = {a}, d1g[1] = {g}, d1m[1] = {m}, dar[2] = {a, r}, dag[2] = {a, g}, dagm[3] = {a, g, m},
            dargm[4] = {a, r, g, m};
    const struct {
        const char *name;
        hid_t ft, mt;
        int rank;
        const hsize_t *dims;
        const void *data;
    } sets[] = {
        {"/alternatives", st, st, 1, d1a, d->alternatives},
        {"/group_port", st, st, 1, d1g, d->group_port},
        {"/group_port_zh", st, st, 1, d1g, d->group_port_zh},
        {"/group_mode", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1g, d->group_mode},
        {"/group_direction", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1g, d->group_direction},
        {"/metrics", st, st, 1, d1m, d->metrics},
        {"/seeds", H5T_STD_U64LE, H5T_NATIVE_UINT64, 2, dar, d->seeds},
        {"/values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 4, dargm, d->values},
        {"/mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->mean},
        {"/half_width", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->half},
        {"/diff_mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->diff_mean},
        {"/diff_half_width", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->diff_half},
        {"/pct_change_mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->pct_mean},
        {"/pct_change_half_width", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->pct_half},
        {"/verdict_third", H5T_STD_I8LE, H5T_NATIVE_INT8, 2, dag, d->verdict_third},
        {"/verdict_half", H5T_STD_I8LE, H5T_NATIVE_INT8, 2, dag, d->verdict_half},
    };
    for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
        if (sets[i].data != NULL || sets[i].dims[0] == 0) /* group_port_zh: optional */
            dataset(e, file, sets[i].name, sets[i].ft, sets[i].mt, sets[i].rank, sets[i].dims, sets[i].data);
    H5Tclose(st);
}

int kou_h5c_write(const char *path, bool force, const kou_h5c_data *d, bool *exists, char *err, size_t errlen)
{
    char msg[512] = "";
    koui_h5_error e = {msg, sizeof msg, false, KOU_OK};
    hid_t file = koui_h5_create_file(&e, path, force, H5P_DEFAULT, H5P_DEFAULT, exists);
    if (file < 0) {
        snprintf(err, errlen, "%s", msg);
        return -1;
    }
    root_attributes(&e, file, d);
    datasets(&e, file, d);
    koui_h5_write_attr_int(&e, file, "complete", 1);
    if (H5Fclose(file) < 0)
        koui_h5_fail(&e, KOU_EIO, "cannot close the file");
    if (e.failed) {
        snprintf(err, errlen, "%s: %s", path, msg);
        return -1;
    }
    return 0;
}
