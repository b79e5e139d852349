/*
** fuzz.h — what every fuzz target (tests/fuzz/fuzz_NAME.c) shares: the
** libFuzzer entry points, and a private temporary folder for the inputs
** of targets whose code under test opens files by name (the scenario
** loader, the HDF5 reader).
**
** A target defines LLVMFuzzerTestOneInput (and may define
** LLVMFuzzerInitialize). With -Dfuzz=enabled it links with libFuzzer
** (-fsanitize=fuzzer); in every other build it links with driver.c, a
** plain main() that runs the target once per committed corpus and
** regression input, so each crash ever found is re-checked by every build
** (normal, ASan+UBSan, valgrind).
*/
#ifndef KOUAN_TESTS_FUZZ_H
#define KOUAN_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Writes data to NAME in this process's temporary folder (created on first
** use under $TMPDIR or /tmp, removed at exit) and returns the file's
** path, valid until the next call. Aborts if the file cannot be written:
** a broken test machine, not a finding. */
const char *kou_fuzz_file(const char *name, const uint8_t *data, size_t size);

#endif
