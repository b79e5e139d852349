/*
** h5compare.c — the compare file (h5compare.h).
*/
#include "io/h5compare.h"

#include <stdio.h>
#include <string.h>

#include <hdf5.h>

static hid_t str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

/* A dataset of rank dims, deflated and checksummed when not tiny. */
static bool dataset(hid_t file, const char *name, hid_t ftype, hid_t mtype, int rank, const hsize_t *dims,
                    const void *data)
{
    hsize_t total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    hid_t sp = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (total >= 64 && H5Tis_variable_str(ftype) <= 0) {
        H5Pset_chunk(dcpl, rank, dims);
        H5Pset_fletcher32(dcpl);
        H5Pset_deflate(dcpl, 4);
    }
    hid_t ds = H5Dcreate2(file, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    bool good = ds >= 0 && (total == 0 || H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    if (ds >= 0)
        H5Dclose(ds);
    H5Pclose(dcpl);
    H5Sclose(sp);
    return good;
}

static bool attr(hid_t obj, const char *name, hid_t type, const void *v)
{
    hid_t sp = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
    bool good = a >= 0 && H5Awrite(a, type, v) >= 0;
    if (a >= 0)
        H5Aclose(a);
    H5Sclose(sp);
    return good;
}

int kou_h5c_write(const char *path, bool force, const kou_h5c_data *d, bool *exists, char *err, size_t errlen)
{
    *exists = false;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    FILE *f = fopen(path, "rb");
    if (f != NULL) {
        fclose(f);
        if (!force) {
            *exists = true;
            snprintf(err, errlen, "%s exists", path);
            return -1;
        }
    }
    hid_t file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (file < 0) {
        snprintf(err, errlen, "cannot create '%s'", path);
        return -1;
    }
    hid_t st = str_type();
    const char *bad = NULL;
    int64_t zero = 0, one = 1, version = KOU_H5C_SCHEMA_VERSION;
    const char *schema = "kouan-compare";
    if (!attr(file, "complete", H5T_NATIVE_INT64, &zero) || !attr(file, "schema", st, &schema) ||
        !attr(file, "schema_version", H5T_NATIVE_INT64, &version))
        bad = "root attributes";
    for (size_t i = 0; !bad && i < d->nattr_str; i++)
        if (!attr(file, d->attr_str_name[i], st, &d->attr_str_value[i]))
            bad = d->attr_str_name[i];
    for (size_t i = 0; !bad && i < d->nattr_num; i++)
        if (!attr(file, d->attr_num_name[i], H5T_NATIVE_DOUBLE, &d->attr_num_value[i]))
            bad = d->attr_num_name[i];
    hsize_t a = d->nalt, r = d->nrep, g = d->ngroup, m = d->nmetric;
    hsize_t d1a[1] = {a}, d1g[1] = {g}, d1m[1] = {m}, dar[2] = {a, r}, dag[2] = {a, g}, dagm[3] = {a, g, m},
            dargm[4] = {a, r, g, m};
    struct {
        const char *name;
        hid_t ft, mt;
        int rank;
        const hsize_t *dims;
        const void *data;
    } sets[] = {
        {"alternatives", st, st, 1, d1a, d->alternatives},
        {"group_port", st, st, 1, d1g, d->group_port},
        {"group_mode", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1g, d->group_mode},
        {"group_direction", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, d1g, d->group_direction},
        {"metrics", st, st, 1, d1m, d->metrics},
        {"seeds", H5T_STD_U64LE, H5T_NATIVE_UINT64, 2, dar, d->seeds},
        {"values", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 4, dargm, d->values},
        {"mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->mean},
        {"half_width", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->half},
        {"diff_mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->diff_mean},
        {"diff_half_width", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->diff_half},
        {"pct_change_mean", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->pct_mean},
        {"pct_change_half_width", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dagm, d->pct_half},
        {"verdict_third", H5T_STD_I8LE, H5T_NATIVE_INT8, 2, dag, d->verdict_third},
        {"verdict_half", H5T_STD_I8LE, H5T_NATIVE_INT8, 2, dag, d->verdict_half},
    };
    for (size_t i = 0; !bad && i < sizeof sets / sizeof *sets; i++)
        if (!dataset(file, sets[i].name, sets[i].ft, sets[i].mt, sets[i].rank, sets[i].dims, sets[i].data))
            bad = sets[i].name;
    if (!bad) {
        hid_t at = H5Aopen(file, "complete", H5P_DEFAULT);
        if (at < 0 || H5Awrite(at, H5T_NATIVE_INT64, &one) < 0)
            bad = "complete";
        if (at >= 0)
            H5Aclose(at);
    }
    H5Tclose(st);
    if (H5Fclose(file) < 0 && !bad)
        bad = "closing the file";
    if (bad) {
        snprintf(err, errlen, "%s: cannot write '%s'", path, bad);
        return -1;
    }
    return 0;
}
