/*
** plot.h — charts of kouan's HDF5 files, drawn by scripts/kouan_plot.py
** (matplotlib) under the kouan tree, run by /usr/bin/python3 or
** $KOUAN_PYTHON: Debian's matplotlib and h5py are for that Python only.
** The script reads the file kind from the file itself: a run file gives
** the clearance-time distribution and three clocks per port, a compare
** file the paired % changes against the province's targets.
*/
#ifndef KOUAN_CMD_PLOT_H
#define KOUAN_CMD_PLOT_H

/* Draws h5path into out (.png or .svg). root: the kouan tree holding
** scripts/. Returns 0, or 1 after a message on stderr. */
int kou_plot_file(const char *root, const char *h5path, const char *out);
/* The same with the chart's titles and labels in lang ("en", "zh"). */
int kou_plot_file_lang(const char *root, const char *h5path, const char *out, const char *lang);

/* A sweep file's chart of the sensitivity of the KPI of group (NULL: "all
** ports import") and metric (NULL: overall_mean), the KPI the summary's
** table is about (--group, --metric of kouan sweep). */
int kou_plot_sweep_file(const char *root, const char *h5path, const char *out, const char *group,
                        const char *metric);

#endif
