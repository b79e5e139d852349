/*
** dump.h — `kouan run --dump`: the configuration a port scenario converts
** to, one fact a line (times in hours); also the run file's parameters
** attribute. Reads the configuration only; any thread. To be replaced by
** the parameter table's printer.
*/
#ifndef KOUAN_CMD_DUMP_H
#define KOUAN_CMD_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "model/model.h"

void kou_dump_config(FILE *out, const kou_model_config *cfg, int32_t start_date);

#endif
